#pragma once

#include "rollout/RolloutTypes.h"

#include <QString>

#include <optional>

namespace codex::rollout {

/// Turns what the other pages produce into Evidence (payloads redacted), and says which items a
/// piece of evidence ticks. Core only: the charts' PNG bytes come from the caller.
class EvidenceCollector {
public:
    /// An endpoint suite run file (`codex-admin/endpoint-suite/1`, as the Endpoints page saves to
    /// `.codex/reports/endpoint-suite-*.json` and `probe --json` prints). The error names the file.
    static std::optional<Evidence> fromSuiteFile(const QString &path, const QString &workspaceRoot, const QString &by,
                                                 QString *error);
    /// The newest `.codex/reports/endpoint-suite-*.json` of a workspace (by name, which sorts by
    /// time), or empty.
    static QString latestSuiteFile(const QString &workspaceRoot);
    /// The items a suite run evidences: for each rollout item with a `suiteItem`, the suite's cases
    /// whose checklistItem equals it. `tick` lists items whose cases all passed (and ≥ 1 ran);
    /// `failed` those with a failed/error case.
    struct SuiteMatch {
        QStringList tick;
        QStringList failed;
        QStringList attach;  ///< every item with at least one matching case (tick ∪ failed ∪ inconclusive)
    };
    static SuiteMatch matchSuite(const Rollout &rollout, const Evidence &suiteEvidence);

    /// Runs the archive health check of the workspace's effective configuration (archive profile).
    static Evidence healthCheck(const QString &workspaceRoot, const QString &by);
    /// The newest BATCH_RESTORE records of the evidence log (up to `max`), each with its results
    /// file when it still exists (the payload keeps the results, without file contents).
    static QList<Evidence> batchResults(const QString &workspaceRoot, const QString &by, int max = 5);
    /// The effective archive configuration with the origin of every value (precedence), secrets
    /// redacted — the same JSON as `codex-adminctl config show --json`.
    static Evidence configSnapshot(const QString &workspaceRoot, const QString &by);
    /// Summary of the evidence log (records by action, malformed lines, first/last time).
    static Evidence evidenceLogSummary(const QString &workspaceRoot, const QString &by);
    /// A metric snapshot (values, comparisons across markers, breaches) and an optional chart PNG.
    static Evidence metricSnapshot(const MetricSnapshot &snapshot, const QString &title, const QByteArray &png,
                                   const QString &by);
    /// A metric snapshot from a Prometheus server: error ratio, request rate and p50/p95/p99 of the
    /// naming preset at `at`, and for each stage marker of `.codex/monitor.json` the error ratio
    /// mean over `windowMs` before and after it (query_range). Blocking (runs its own event loop);
    /// for the CLI. The error names the URL (redacted) and Prometheus's message.
    static std::optional<Evidence> metricSnapshotFromPrometheus(const QString &prometheusUrl, const QString &workspaceRoot,
                                                                qint64 windowMs, const QString &by, QString *error);

    /// The workspace's evidence log: $CODEX_EVIDENCE_DIR/archive_ops.jsonl when that variable is
    /// set, else `.codex/evidence/archive_ops.jsonl` (evidence::EvidenceLog::defaultPath).
    static QString evidenceLogPath(const QString &workspaceRoot);
};

}  // namespace codex::rollout
