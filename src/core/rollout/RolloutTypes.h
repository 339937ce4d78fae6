#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QtNumeric>
#include <optional>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace codex::rollout {

/// Where a checklist item stands.
enum class ItemStatus { Open, Done, NotApplicable, Blocked };
QString statusName(ItemStatus s);  ///< "open", "done", "n/a", "blocked" (database, JSON, CLI)
/// Reads "open", "done", "n/a" (also "na", "not-applicable"), "blocked"; nullopt otherwise.
std::optional<ItemStatus> statusFromName(const QString &name);
/// "[ ]", "[x]", "[-]" (n/a), "[!]" (blocked): the seeds' checkbox style, extended.
QString statusCheckbox(ItemStatus s);

/// What kind of line a template item is.
enum class ItemKind {
    Check,      ///< a task someone ticks
    Criterion,  ///< a success criterion; `criterion` names the rule that judges it from data
    SignOff,    ///< a team's sign-off line (ticked by RolloutStore::sign, not by hand)
    Info        ///< a heading-like line with sub-items (e.g. "Manual testing completed for:")
};
QString kindName(ItemKind k);  ///< "check", "criterion", "signoff", "info"
std::optional<ItemKind> kindFromName(const QString &name);

/// A rule reference on a success-criterion item: which CriteriaEvaluator rule and its parameters
/// ({"id":"error-rate-increase","threshold_pct":1.0}).
struct CriterionRef {
    QString id;           ///< "error-rate-increase", "restore-p99", "evidence-log", "endpoint-tests", "restore-fail-spike"
    QJsonObject params;   ///< rule parameters, e.g. threshold_pct, threshold_ms, window_minutes
    bool isNull() const { return id.isEmpty(); }
};

/// One line of a template, as transcribed from a seed.
struct TemplateItem {
    QString key;          ///< stable, unique in the template: "cp.pre.testing.manual.streaming", "ai.post.day1.restore-p99"
    QString text;         ///< the seed's wording (markdown code spans kept: "`pytest tests/unit/`")
    QStringList section;  ///< heading path: {"Pre-Deployment Verification", "Testing"}
    QString parentKey;    ///< for sub-items ("Manual testing completed for:" → its seven lines); empty at top
    ItemKind kind = ItemKind::Check;
    CriterionRef criterion;
    /// Endpoint suite evidence: the TestCase::checklistItem text a passing suite case ticks
    /// (seed 000's manual-test lines); empty when suites do not evidence this item.
    QString suiteItem;
    QString role;         ///< SignOff items: the role ("Development", "QA", …)
    QString detail;       ///< commands / notes shown under the item (code blocks of the seed), may be empty

    /// The item as template JSON ({"key","text","section","kind", and when set "parent",
    /// "criterion":{"id",…params}, "suiteItem","role","detail"}); also how the store keeps it.
    QJsonObject toJson() const;
    /// Reads one item; the error names the field ("unknown kind \"x\" (field \"kind\")").
    static std::optional<TemplateItem> fromJson(const QJsonObject &o, QString *error);
};

/// The rule ids a template's criterion may name (the CriteriaEvaluator rules), in order.
QStringList knownCriterionIds();

/// A checklist from one seed.
struct ChecklistTemplate {
    QString id;      ///< "codex-parity", "archive-improvements"
    QString title;   ///< "Codex Parity Improvements - Rollout Checklist"
    QString seed;    ///< "000_9499629f08740c14.txt"
    QList<TemplateItem> items;  ///< document order
    QStringList roles;          ///< sign-off roles the template names, in order
    QString notes;              ///< what the transcription added or left out (escalation path, added sections)

    /// Built-in templates (resources/rollout/*.json, `:/rollout/`), in seed order (000, then 004).
    static QList<ChecklistTemplate> builtIn();
    static std::optional<ChecklistTemplate> builtIn(const QString &id);
    /// Parses a template file (schema "codex-admin/checklist-template/1"); the error names the
    /// item index/key and field.
    static std::optional<ChecklistTemplate> fromJson(const QByteArray &json, QString *error);
    QByteArray toJson() const;
};

/// The default sign-off roles (the seeds' teams); a rollout's roles can be edited.
QStringList defaultRoles();  ///< Development, QA, DevOps, Product Owner, Engineering Manager

/// A piece of evidence attached to items of a rollout.
enum class EvidenceKind { EndpointSuite, HealthCheck, BatchResult, ConfigSnapshot, MetricSnapshot, EvidenceLog, File, Note };
QString evidenceKindName(EvidenceKind k);  ///< "endpoint-suite", "health-check", "batch-result", "config-snapshot", "metric-snapshot", "evidence-log", "file", "note"
std::optional<EvidenceKind> evidenceKindFromName(const QString &name);

struct Evidence {
    qint64 id = 0;            ///< database id (0 before it is stored)
    EvidenceKind kind = EvidenceKind::Note;
    QString title;            ///< "Endpoint suite: 19 passed, 0 failed (staging)"
    QString summary;          ///< one or two lines for lists and reports
    QDateTime createdAt;      ///< UTC
    QString createdBy;
    QString source;           ///< where it came from: a file path (workspace-relative), a URL (redacted), "Monitor page"
    bool passed = true;       ///< the evidence itself says OK (suite all passed, health OK, batch without failures)
    /// The full evidence as JSON, secrets already redacted: a SuiteResult, a HealthReport, batch
    /// results, a config snapshot, a metric snapshot (see MetricSnapshot).
    QJsonObject payload;
    QByteArray png;           ///< an image (chart) or empty
    /// SHA-256 over the canonical payload JSON followed by the PNG bytes: what reports and
    /// sign-offs refer to.
    QString sha256() const;
};

/// A metric snapshot taken from the Monitor page (or the CLI from Prometheus): the figures the
/// success criteria read, as Evidence::payload of kind MetricSnapshot.
struct MetricSnapshot {
    QDateTime takenAt;        ///< UTC
    QString source;           ///< "scrape http://…/metrics" or "prometheus http://…" (redacted)
    qint64 windowMs = 0;      ///< window of the figures (and of the before/after means)
    /// Current values: "request_rate" (req/s), "error_ratio" (0..1), "p50_ms", "p95_ms", "p99_ms",
    /// "restore_p99_ms", … NaN values are left out.
    QJsonObject values;
    /// Before/after a stage marker, one per marker compared:
    /// {"marker":"canary 5 %","t":"ISO","window_ms":N,"series":"error_ratio","before":0.001,"after":0.004,
    ///  "before_points":N,"after_points":N}
    QJsonArray comparisons;
    QStringList activeBreaches;  ///< "error rate 3.1 % > 1.0 % for 50 s"
    QJsonObject toJson() const;
    static MetricSnapshot fromJson(const QJsonObject &o);
};

/// One item of a rollout (a template item plus its state).
struct RolloutItem {
    qint64 id = 0;
    QString templateId;       ///< the template it came from
    TemplateItem def;         ///< key, text, section, kind, criterion, …
    int position = 0;         ///< order in the rollout
    ItemStatus status = ItemStatus::Open;
    QString owner;
    QString note;             ///< free text, any Unicode, any length (stored as is; redacted in reports)
    QDateTime updatedAt;      ///< UTC; null while never changed
    QString updatedBy;
    QList<qint64> evidenceIds;
};

/// A sign-off by one role: who, when, what they said, and the SHA-256 of the canonical report
/// content (ReportBuilder::canonicalContent) they signed, which is stored alongside.
struct SignOff {
    qint64 id = 0;
    QString role;
    QString name;
    QDateTime signedAt;       ///< UTC
    QString comment;
    QString contentSha256;    ///< hash of `content` at signing time
    QByteArray content;       ///< the canonical JSON signed (for "changed after sign-off" diffs)
    bool revoked = false;     ///< a later sign-off for the same role replaces it
};

/// One recorded change (the audit trail): who, when, what, old and new value.
struct Change {
    qint64 id = 0;
    QDateTime at;             ///< UTC
    QString by;
    QString itemKey;          ///< empty for rollout-level changes
    QString field;            ///< "status", "owner", "note", "evidence", "signoff", "roles", "criteria", "created"
    QString oldValue;
    QString newValue;
};

/// A recorded evaluation of the success criteria (kept so that a report and its hash are stable).
struct CriterionResult {
    enum class Verdict { Pass, Fail, NoData };
    QString id;               ///< rule id
    QString itemKey;          ///< the item it judges (may be empty for rollout-wide rules)
    QString title;            ///< "Error-rate increase across a stage marker"
    Verdict verdict = Verdict::NoData;
    QString figure;           ///< "+0.32 pp (0.08 % → 0.40 %)", "p99 212 ms over 200 restores", "no data"
    QString threshold;        ///< "< 1 %", "< 500 ms"
    QString window;           ///< "5 min either side of “canary 5 %” (2026-11-25 10:00 UTC)", "last 24 h"
    QString source;           ///< ".codex/evidence/archive_ops.jsonl", "metric snapshot #12 (Monitor page)"
    QString reason;           ///< NoData: why ("no stage marker in any metric snapshot"); Fail: what broke
    QDateTime evaluatedAt;
    double value = qQNaN();   ///< the raw figure when it is a number
    QJsonObject toJson() const;
    static CriterionResult fromJson(const QJsonObject &o);
};
QString verdictName(CriterionResult::Verdict v);  ///< "pass", "fail", "no data"

/// A whole rollout as loaded from the store.
struct Rollout {
    qint64 id = 0;
    QString name;
    QStringList templateIds;
    QDateTime createdAt;
    QString createdBy;
    QStringList roles;                 ///< sign-off roles, editable
    QList<RolloutItem> items;          ///< position order
    QList<Evidence> evidence;          ///< everything attached (payloads loaded)
    QList<SignOff> signOffs;           ///< current (non-revoked) sign-offs, role order
    QList<CriterionResult> criteria;   ///< the last recorded evaluation (empty when never recorded)
    const RolloutItem *item(const QString &key) const;
    const Evidence *evidenceById(qint64 id) const;
    /// Counts by status, for the selector ("12/86 done, 2 blocked").
    int count(ItemStatus s) const;
};

}  // namespace codex::rollout
