#pragma once

#include "rollout/RolloutStore.h"
#include "rollout/RolloutTypes.h"

#include <QByteArray>
#include <QString>

namespace codex::rollout {

/// Report formats.
enum class ReportFormat { Pdf, Html, Markdown, Json };
QString formatName(ReportFormat f);  ///< "pdf", "html", "md", "json"
std::optional<ReportFormat> formatFromName(const QString &name);  ///< also "markdown", case-insensitive

/// An image the report embeds (a chart of a metric snapshot).
struct ReportImage {
    QString id;         ///< "evidence-12"
    QString caption;    ///< the evidence title
    QByteArray png;
};

/// Renders one rollout — checklist state, criteria with their figures, evidence (endpoint test
/// results, health checks, batch results, the effective config with precedence, metric snapshots
/// with their charts), sign-offs with their state, and the change history — to HTML, Markdown
/// and JSON. PDF is rendered from the same HTML by ReportPdfWriter (src/models, it needs QtGui).
/// Free text (notes, comments, titles, payload strings) goes through redactSecrets(); URLs through
/// redactUrl(). HTML escapes everything it did not write itself.
class ReportBuilder {
public:
    struct Options {
        QDateTime generatedAt;           ///< UTC; null = now
        QString generatedBy;
        bool includeHistory = true;
        bool includeEvidencePayloads = true;  ///< JSON: the full payloads; HTML/MD: details tables
        /// The audit trail to include when includeHistory (RolloutStore::history(), oldest first);
        /// the builder has no store, so the caller passes it. Empty = no history section.
        QList<Change> history;
    };
    ReportBuilder(const Rollout &rollout, const QList<SignOffCheck> &signOffChecks, Options options);
    ReportBuilder(const Rollout &rollout, const QList<SignOffCheck> &signOffChecks);

    /// What a sign-off seals: canonical JSON (object keys sorted, compact, UTF-8) of the rollout
    /// name and templates, every item (key, section, text, status, owner, note, updated at/by,
    /// evidence as id + kind + title + sha256), the roles and the recorded criteria evaluation —
    /// but no sign-off, no sign-off line's status and no generation time, so signing does not
    /// change what others signed.
    static QByteArray canonicalContent(const Rollout &rollout);
    /// The same content pretty-printed (for diffs).
    static QByteArray prettyContent(const QByteArray &canonical);

    /// The full report document as JSON (schema "codex-admin/rollout-report/1"): canonical content,
    /// its sha256, sign-offs with state, criteria, evidence (payloads; images as base64 PNG),
    /// history, generation time and tool version. fromJson(toJson()) gives the same document.
    QJsonObject toJsonObject() const;
    QByteArray toJson() const;

    /// Markdown in the seeds' checkbox style: "## Section", "### Sub-section", "- [x] item" with
    /// indented owner / time / note / evidence lines, criteria as a table, "## Sign-offs" with
    /// "- [x] Development Team — Ada Lovelace, 2026-11-25 10:02 UTC (sha256 …)".
    QByteArray toMarkdown() const;

    /// Self-contained HTML5 (inline CSS; images as data: URIs) — or, with `imageMode` Resource,
    /// `<img src="evidence-12">` references for QTextDocument::addResource (the PDF path), and
    /// only the CSS subset QTextDocument understands.
    enum class ImageMode { Inline, Resource };
    QByteArray toHtml(ImageMode imageMode = ImageMode::Inline) const;
    /// The title page as a separate HTML fragment (PDF page 1).
    QByteArray titlePageHtml() const;

    QList<ReportImage> images() const;  ///< charts of metric snapshots, in report order
    QString title() const;              ///< "Rollout report — <name>"
    const Rollout &rollout() const;
    QDateTime generatedAt() const;      ///< Options::generatedAt, or the construction time (UTC, whole seconds)
    QString generatedBy() const;
    QString contentSha256() const;      ///< SHA-256 (hex) of canonicalContent(rollout())

    /// Renders a text format (Html, Markdown, Json) — Pdf is not handled here (returns empty and
    /// sets *error).
    QByteArray render(ReportFormat format, QString *error = nullptr) const;

    /// Reads a report JSON back (the error names the field).
    static std::optional<QJsonObject> parseJsonReport(const QByteArray &json, QString *error);

private:
    Rollout m_rollout;
    QList<SignOffCheck> m_checks;
    Options m_options;
    QByteArray m_canonical;   ///< canonicalContent(m_rollout), computed once
    QString m_contentSha256;
};

/// Writes report bytes to `path` atomically and refuses to overwrite an existing file unless
/// `overwrite`; the error names the path ("… exists (use --force to replace it)", "Cannot write
/// …: Permission denied"). Nothing is left behind on failure.
bool writeReportFile(const QString &path, const QByteArray &bytes, bool overwrite, QString *error);

}  // namespace codex::rollout
