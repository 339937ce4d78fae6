#include "rollout/ReportBuilder.h"

#include "common/AtomicFile.h"
#include "common/Sha256.h"
#include "common/TextDiff.h"
#include "common/Url.h"

#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QRegularExpression>
#include <QSet>

#include <cmath>

// Redaction policy: every free-text string that reaches a report (notes, comments, titles,
// summaries, sources, every string inside evidence payloads, criteria strings, history values)
// goes through redactSecrets() — and URLs through redactUrl(). The canonical content that a
// sign-off seals holds the REDACTED note too, so that no format (not even the JSON report's
// "content" object, nor the signed content stored with a sign-off) can leak a secret typed into
// a note; the price is that changing only the secret part of a note does not change the hash.

namespace codex::rollout {

namespace {

const QString kContentSchema = QStringLiteral("codex-admin/rollout-content/1");
const QString kReportSchema = QStringLiteral("codex-admin/rollout-report/1");

QString red(const QString &text)
{
    return redactSecrets(text);
}

/// A source: a URL (redactUrl) or free text with maybe a URL in it (redactSecrets).
QString redSource(const QString &text)
{
    const QString t = text.trimmed();
    if (t.contains(QStringLiteral("://")) && !t.contains(QLatin1Char(' ')))
        return redactUrl(t);
    return redactSecrets(text);
}

QJsonValue redactJson(const QJsonValue &v)
{
    if (v.isString())
        return red(v.toString());
    if (v.isArray()) {
        QJsonArray out;
        for (const QJsonValue &e : v.toArray())
            out.append(redactJson(e));
        return out;
    }
    if (v.isObject()) {
        QJsonObject out;
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            out.insert(it.key(), redactJson(it.value()));
        return out;
    }
    return v;
}

QJsonValue isoOrNull(const QDateTime &t)
{
    if (!t.isValid())
        return QJsonValue();
    return t.toUTC().toString(Qt::ISODate);
}

QString human(const QDateTime &t)
{
    if (!t.isValid())
        return QStringLiteral("—");
    return t.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")) + QStringLiteral(" UTC");
}

QString shortSha(const QString &sha)
{
    return sha.size() > 12 ? sha.left(12) + QStringLiteral("…") : sha;
}

QString jsonText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::String: return v.toString();
    case QJsonValue::Null:
    case QJsonValue::Undefined: return QString();
    case QJsonValue::Bool: return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double: {
        const double d = v.toDouble();
        if (d == std::floor(d) && std::fabs(d) < 1e15)
            return QString::number(qint64(d));
        return QString::number(d, 'g', 6);
    }
    case QJsonValue::Array: return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object: return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    }
    return QString();
}

QString clip(const QString &s, int max)
{
    if (s.size() <= max)
        return s;
    return s.left(max) + QStringLiteral("… (%1 more characters)").arg(s.size() - max);
}

QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}

/// Escaped text with the seeds' `code spans` as <code>.
QString escCode(const QString &s)
{
    static const QRegularExpression span(QStringLiteral("`([^`\\n]+)`"));
    QString out = esc(s);
    out.replace(span, QStringLiteral("<code>\\1</code>"));
    return out;
}

/// Escaped multi-line text: lines joined by <br/>.
QString escLines(const QString &s)
{
    QString t = s;
    t.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    return esc(t).replace(QLatin1Char('\n'), QStringLiteral("<br/>"));
}

QString statusClass(ItemStatus s)
{
    switch (s) {
    case ItemStatus::Open: return QStringLiteral("st-open");
    case ItemStatus::Done: return QStringLiteral("st-done");
    case ItemStatus::NotApplicable: return QStringLiteral("st-na");
    case ItemStatus::Blocked: return QStringLiteral("st-blocked");
    }
    return {};
}

QString verdictClass(CriterionResult::Verdict v)
{
    switch (v) {
    case CriterionResult::Verdict::Pass: return QStringLiteral("v-pass");
    case CriterionResult::Verdict::Fail: return QStringLiteral("v-fail");
    case CriterionResult::Verdict::NoData: return QStringLiteral("v-nodata");
    }
    return {};
}

QString badge(const QString &cls, const QString &text)
{
    return QStringLiteral("<span class=\"badge %1\">&nbsp;%2&nbsp;</span>").arg(cls, esc(text));
}

// ---- a small table model shared by HTML and Markdown -------------------------------------

struct Table {
    QString caption;
    QStringList headers;
    QList<QStringList> rows;
    int omitted = 0;
};

struct Details {
    QStringList lines;
    QList<Table> tables;
};

QString mdCell(const QString &s)
{
    QString t = s;
    t.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    t.replace(QLatin1Char('|'), QStringLiteral("\\|"));
    t.replace(QStringLiteral("\r\n"), QStringLiteral(" "));
    t.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return t;
}

void mdTable(QString &out, const Table &t)
{
    if (!t.caption.isEmpty())
        out += QStringLiteral("**%1**\n\n").arg(t.caption);
    QStringList hs;
    for (const QString &h : t.headers)
        hs << mdCell(h);
    out += QStringLiteral("| ") + hs.join(QStringLiteral(" | ")) + QStringLiteral(" |\n|");
    for (int i = 0; i < t.headers.size(); ++i)
        out += QStringLiteral(" --- |");
    out += QLatin1Char('\n');
    for (const QStringList &r : t.rows) {
        QStringList cs;
        for (int i = 0; i < t.headers.size(); ++i)
            cs << mdCell(r.value(i));
        out += QStringLiteral("| ") + cs.join(QStringLiteral(" | ")) + QStringLiteral(" |\n");
    }
    if (t.omitted > 0)
        out += QStringLiteral("\n_… %1 more rows (see the JSON report)_\n").arg(t.omitted);
    out += QLatin1Char('\n');
}

/// `chunkRows` > 0 splits the table into tables of that many rows, each with the header row:
/// QTextDocument lays a long table out in time that grows much faster than its row count (and a
/// page break repeats the header that way).
void htmlTable(QString &out, const Table &t, const QList<int> &badgeColumns = {}, int chunkRows = 0)
{
    if (!t.caption.isEmpty())
        out += QStringLiteral("<p class=\"tcap\">%1</p>\n").arg(esc(t.caption));
    // Chunked (PDF) tables carry their header row in every chunk, and no <thead>: QTextDocument
    // repeats a <thead> on the next page even when the table ended just above the page break,
    // drawing it over whatever follows.
    const bool thead = chunkRows == 0;
    QString head = QStringLiteral("<table class=\"grid\" width=\"100%\" cellspacing=\"0\" cellpadding=\"3\" border=\"1\">\n");
    head += thead ? QStringLiteral("<thead><tr>") : QStringLiteral("<tbody>\n<tr>");
    for (const QString &h : t.headers)
        head += QStringLiteral("<th>%1</th>").arg(esc(h));
    head += thead ? QStringLiteral("</tr></thead>\n<tbody>\n") : QStringLiteral("</tr>\n");
    const QString tail = QStringLiteral("</tbody>\n</table>\n");
    out += head;
    int inChunk = 0;
    for (const QStringList &r : t.rows) {
        if (chunkRows > 0 && inChunk == chunkRows) {
            out += tail;
            out += head;
            inChunk = 0;
        }
        ++inChunk;
        out += QStringLiteral("<tr>");
        for (int i = 0; i < t.headers.size(); ++i) {
            const QString cell = r.value(i);
            if (badgeColumns.contains(i)) {
                QString cls = QStringLiteral("v-nodata");
                if (cell == QLatin1String("pass") || cell == QLatin1String("OK") || cell == QLatin1String("true"))
                    cls = QStringLiteral("v-pass");
                else if (cell == QLatin1String("fail") || cell == QLatin1String("error") || cell == QLatin1String("FAILED")
                         || cell == QLatin1String("false"))
                    cls = QStringLiteral("v-fail");
                out += QStringLiteral("<td>%1</td>").arg(badge(cls, cell));
            } else {
                out += QStringLiteral("<td dir=\"auto\">%1</td>").arg(escLines(cell));
            }
        }
        out += QStringLiteral("</tr>\n");
    }
    out += tail;
    if (t.omitted > 0)
        out += QStringLiteral("<p class=\"meta\">… %1 more rows (see the JSON report)</p>\n").arg(t.omitted);
}

constexpr int kMaxRows = 200;

/// A generic table of an array of objects: the scalar keys of the first rows as columns.
Table genericTable(const QString &caption, const QJsonArray &arr)
{
    Table t;
    t.caption = caption;
    for (int i = 0; i < arr.size() && i < 20; ++i) {
        const QJsonObject o = arr.at(i).toObject();
        for (auto it = o.begin(); it != o.end(); ++it)
            if (!it.value().isArray() && !it.value().isObject() && !t.headers.contains(it.key()) && t.headers.size() < 6)
                t.headers << it.key();
    }
    if (t.headers.isEmpty())
        t.headers << QStringLiteral("value");
    for (int i = 0; i < arr.size(); ++i) {
        if (t.rows.size() >= kMaxRows) {
            t.omitted = int(arr.size()) - i;
            break;
        }
        const QJsonValue v = arr.at(i);
        QStringList row;
        if (v.isObject()) {
            for (const QString &h : t.headers)
                row << clip(jsonText(v.toObject().value(h)), 500);
        } else {
            row << clip(jsonText(v), 500);
        }
        t.rows << row;
    }
    return t;
}

QString num(double v, int prec = 3)
{
    if (!std::isfinite(v))
        return QStringLiteral("—");
    return QString::number(v, 'g', prec + 3);
}

/// What the report shows under an evidence entry; the payload is already redacted.
Details evidenceDetails(const Evidence &e, const QJsonObject &p)
{
    Details d;
    switch (e.kind) {
    case EvidenceKind::EndpointSuite: {
        const QJsonObject counts = p.value(QStringLiteral("counts")).toObject();
        QStringList cs;
        for (auto it = counts.begin(); it != counts.end(); ++it)
            cs << QStringLiteral("%1 %2").arg(jsonText(it.value()), it.key());
        if (p.contains(QStringLiteral("suite")))
            d.lines << QStringLiteral("Suite: %1 — environment %2 (%3), profile %4")
                           .arg(jsonText(p.value(QStringLiteral("suite"))), jsonText(p.value(QStringLiteral("environment"))),
                                redactUrl(jsonText(p.value(QStringLiteral("baseUrl")))), jsonText(p.value(QStringLiteral("profile"))));
        if (!cs.isEmpty())
            d.lines << QStringLiteral("Cases: %1").arg(cs.join(QStringLiteral(", ")));
        if (p.contains(QStringLiteral("startedAt")))
            d.lines << QStringLiteral("Started: %1").arg(jsonText(p.value(QStringLiteral("startedAt"))));
        Table t;
        t.caption = QStringLiteral("Endpoint test cases");
        t.headers = {QStringLiteral("Case"), QStringLiteral("Verdict"), QStringLiteral("Checklist item"), QStringLiteral("Reason")};
        const QJsonArray cases = p.value(QStringLiteral("cases")).toArray();
        for (int i = 0; i < cases.size(); ++i) {
            if (t.rows.size() >= kMaxRows) {
                t.omitted = int(cases.size()) - i;
                break;
            }
            const QJsonObject c = cases.at(i).toObject();
            t.rows << QStringList{jsonText(c.value(QStringLiteral("id"))), jsonText(c.value(QStringLiteral("verdict"))),
                                  jsonText(c.value(QStringLiteral("checklistItem"))), clip(jsonText(c.value(QStringLiteral("reason"))), 500)};
        }
        if (!t.rows.isEmpty())
            d.tables << t;
        break;
    }
    case EvidenceKind::HealthCheck: {
        static const QList<QPair<const char *, const char *>> fields = {
            {"status", "Status"}, {"backend", "Backend"}, {"url", "URL"}, {"reachable", "Reachable"},
            {"schema_present", "Schema present"}, {"item_count", "Items retrievable"},
            {"probe_latency_us", "Probe latency (µs)"}, {"message", "Message"}};
        for (const auto &[k, label] : fields) {
            const QJsonValue v = p.value(QLatin1String(k));
            if (v.isUndefined() || v.isNull() || (v.isString() && v.toString().isEmpty()))
                continue;
            const QString text = QLatin1String(k) == QLatin1String("url") ? redactUrl(jsonText(v)) : jsonText(v);
            d.lines << QStringLiteral("%1: %2").arg(QString::fromUtf8(label), text);
        }
        const QJsonArray missing = p.value(QStringLiteral("missing_tables")).toArray();
        if (!missing.isEmpty())
            d.lines << QStringLiteral("Missing tables: %1").arg(jsonText(missing));
        break;
    }
    case EvidenceKind::BatchResult: {
        QStringList parts;
        for (const char *k : {"total", "succeeded", "failed", "duration_ms"}) {
            const QJsonValue v = p.value(QLatin1String(k));
            if (!v.isUndefined() && !v.isNull())
                parts << QStringLiteral("%1 %2").arg(QLatin1String(k), jsonText(v));
        }
        if (!parts.isEmpty())
            d.lines << QStringLiteral("Totals: %1").arg(parts.join(QStringLiteral(", ")));
        for (const char *k : {"manifest", "actor", "ts", "results_file"}) {
            const QJsonValue v = p.value(QLatin1String(k));
            if (v.isString() && !v.toString().isEmpty())
                d.lines << QStringLiteral("%1: %2").arg(QLatin1String(k), v.toString());
        }
        const QJsonArray results = p.value(QStringLiteral("results")).toArray();
        if (!results.isEmpty())
            d.tables << genericTable(QStringLiteral("Results"), results);
        break;
    }
    case EvidenceKind::ConfigSnapshot: {
        if (p.contains(QStringLiteral("profile")))
            d.lines << QStringLiteral("Profile: %1").arg(jsonText(p.value(QStringLiteral("profile"))));
        const QJsonObject file = p.value(QStringLiteral("file")).toObject();
        if (!file.isEmpty())
            d.lines << QStringLiteral("Config file: %1%2")
                           .arg(jsonText(file.value(QStringLiteral("path"))),
                                file.value(QStringLiteral("exists")).toBool() ? QString() : QStringLiteral(" (does not exist)"));
        Table t;
        t.caption = QStringLiteral("Effective configuration (secrets redacted)");
        t.headers = {QStringLiteral("Key"), QStringLiteral("Value"), QStringLiteral("Origin")};
        for (const QJsonValue &kv : p.value(QStringLiteral("keys")).toArray()) {
            const QJsonObject k = kv.toObject();
            QString origin = jsonText(k.value(QStringLiteral("origin")));
            const int shadowed = int(k.value(QStringLiteral("shadowed")).toArray().size());
            if (shadowed > 0)
                origin += QStringLiteral(" (shadows %1)").arg(shadowed);
            t.rows << QStringList{jsonText(k.value(QStringLiteral("key"))), clip(jsonText(k.value(QStringLiteral("value"))), 500), origin};
        }
        if (!t.rows.isEmpty())
            d.tables << t;
        const QJsonArray issues = p.value(QStringLiteral("issues")).toArray();
        for (const QJsonValue &iv : issues) {
            const QJsonObject i = iv.toObject();
            d.lines << QStringLiteral("Issue (%1) %2: %3")
                           .arg(jsonText(i.value(QStringLiteral("severity"))), jsonText(i.value(QStringLiteral("key"))),
                                jsonText(i.value(QStringLiteral("message"))));
        }
        break;
    }
    case EvidenceKind::MetricSnapshot: {
        const MetricSnapshot m = MetricSnapshot::fromJson(p);
        if (m.takenAt.isValid())
            d.lines << QStringLiteral("Taken: %1").arg(human(m.takenAt));
        if (!m.source.isEmpty())
            d.lines << QStringLiteral("Source: %1").arg(redSource(m.source));
        if (m.windowMs > 0)
            d.lines << QStringLiteral("Window: %1 s").arg(double(m.windowMs) / 1000.0);
        for (const QString &b : m.activeBreaches)
            d.lines << QStringLiteral("Active breach: %1").arg(red(b));
        if (!m.values.isEmpty()) {
            Table t;
            t.caption = QStringLiteral("Values");
            t.headers = {QStringLiteral("Metric"), QStringLiteral("Value")};
            for (auto it = m.values.begin(); it != m.values.end(); ++it)
                t.rows << QStringList{it.key(), jsonText(it.value())};
            d.tables << t;
        }
        if (!m.comparisons.isEmpty()) {
            Table t;
            t.caption = QStringLiteral("Before / after stage markers");
            t.headers = {QStringLiteral("Marker"), QStringLiteral("Time"), QStringLiteral("Series"), QStringLiteral("Before"),
                         QStringLiteral("After"), QStringLiteral("Window"), QStringLiteral("Points")};
            for (const QJsonValue &cv : m.comparisons) {
                const QJsonObject c = cv.toObject();
                t.rows << QStringList{red(jsonText(c.value(QStringLiteral("marker")))), jsonText(c.value(QStringLiteral("t"))),
                                      jsonText(c.value(QStringLiteral("series"))),
                                      num(c.value(QStringLiteral("before")).toDouble(qQNaN())),
                                      num(c.value(QStringLiteral("after")).toDouble(qQNaN())),
                                      c.contains(QStringLiteral("window_ms"))
                                          ? QStringLiteral("%1 s").arg(c.value(QStringLiteral("window_ms")).toDouble() / 1000.0)
                                          : QString(),
                                      QStringLiteral("%1 / %2").arg(jsonText(c.value(QStringLiteral("before_points"))),
                                                                    jsonText(c.value(QStringLiteral("after_points"))))};
            }
            d.tables << t;
        }
        break;
    }
    case EvidenceKind::EvidenceLog:
    case EvidenceKind::File:
    case EvidenceKind::Note: {
        for (auto it = p.begin(); it != p.end(); ++it) {
            const QJsonValue v = it.value();
            if (v.isArray() && !v.toArray().isEmpty() && v.toArray().first().isObject())
                d.tables << genericTable(it.key(), v.toArray());
            else
                d.lines << QStringLiteral("%1: %2").arg(it.key(), clip(jsonText(v), 2000));
        }
        break;
    }
    }
    return d;
}

struct SignRow {
    QString role;
    bool isSigned = false;
    SignOffCheck check;
};

/// How many leading sections two section paths share.
int commonPrefix(const QStringList &a, const QStringList &b)
{
    int same = 0;
    while (same < a.size() && same < b.size() && a.at(same) == b.at(same))
        ++same;
    return same;
}

/// The keys of the items a piece of evidence is attached to, in checklist order.
QStringList itemsWithEvidence(const Rollout &r, qint64 evidenceId)
{
    QStringList keys;
    for (const RolloutItem &i : r.items)
        if (i.evidenceIds.contains(evidenceId))
            keys << i.def.key;
    return keys;
}

/// The recorded criteria results as JSON, secrets redacted.
QJsonArray criteriaJson(const Rollout &r)
{
    QJsonArray crit;
    for (const CriterionResult &c : r.criteria)
        crit.append(redactJson(c.toJson()));
    return crit;
}

/// The depth of an item below its top-level ancestor (parentKey chain).
QHash<QString, int> itemDepths(const Rollout &r)
{
    QHash<QString, QString> parent;
    for (const RolloutItem &i : r.items)
        parent.insert(i.def.key, i.def.parentKey);
    QHash<QString, int> depth;
    for (const RolloutItem &i : r.items) {
        int n = 0;
        QString p = i.def.parentKey;
        QSet<QString> seen;
        while (!p.isEmpty() && parent.contains(p) && !seen.contains(p) && n < 8) {
            seen.insert(p);
            ++n;
            p = parent.value(p);
        }
        depth.insert(i.def.key, n);
    }
    return depth;
}

const QString kCss = QStringLiteral(
    "body { font-family: 'DejaVu Sans', 'Helvetica', 'Arial', sans-serif; font-size: 10pt; color: #1a1a1a; }\n"
    "h1 { font-size: 18pt; margin-bottom: 6px; }\n"
    "h2 { font-size: 14pt; margin-top: 16px; margin-bottom: 4px; color: #12355b; }\n"
    "h3 { font-size: 12pt; margin-top: 10px; margin-bottom: 3px; color: #12355b; }\n"
    "h4 { font-size: 10.5pt; margin-top: 8px; margin-bottom: 2px; }\n"
    "p { margin-top: 2px; margin-bottom: 2px; }\n"
    "p.item { margin-top: 5px; margin-bottom: 0px; }\n"
    "p.meta { color: #505050; font-size: 8.5pt; margin-top: 0px; margin-bottom: 0px; }\n"
    "p.note { font-size: 9pt; margin-top: 1px; margin-bottom: 1px; white-space: pre-wrap; }\n"
    "p.detail { font-family: 'DejaVu Sans Mono', monospace; font-size: 8pt; color: #303030; white-space: pre-wrap; }\n"
    "p.diff { font-family: 'DejaVu Sans Mono', monospace; font-size: 8pt; white-space: pre-wrap; }\n"
    "p.tcap { font-weight: bold; font-size: 9pt; margin-top: 6px; }\n"
    "code { font-family: 'DejaVu Sans Mono', monospace; font-size: 9pt; }\n"
    ".badge { font-weight: bold; color: #ffffff; }\n"
    ".st-open { background-color: #5f6368; }\n"
    ".st-done { background-color: #1b7f3b; }\n"
    ".st-na { background-color: #8a6d00; }\n"
    ".st-blocked { background-color: #c5221f; }\n"
    ".v-pass { background-color: #1b7f3b; }\n"
    ".v-fail { background-color: #c5221f; }\n"
    ".v-nodata { background-color: #5f6368; }\n"
    ".sig-valid { background-color: #1b7f3b; }\n"
    ".sig-changed { background-color: #b26a00; }\n"
    ".sig-tampered { background-color: #c5221f; }\n"
    ".sig-unsigned { background-color: #5f6368; }\n"
    "table.grid { border-collapse: collapse; font-size: 8.5pt; margin-top: 2px; margin-bottom: 6px; }\n"
    "th { background-color: #e8edf3; text-align: left; font-weight: bold; }\n"
    "td, th { border: 1px solid #9aa4ae; padding: 3px; vertical-align: top; }\n"
    ".add { color: #1b6e2f; }\n"
    ".del { color: #a31515; }\n"
    "p.caption { font-size: 8.5pt; color: #404040; }\n");

// Browsers only (QTextDocument ignores what it does not know).
const QString kBrowserCss = QStringLiteral(
    "body { max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.35; }\n"
    "body, td, th, p { overflow-wrap: anywhere; word-break: break-word; }\n"
    ".badge { border-radius: 3px; padding: 0 3px; }\n"
    "img.chart { max-width: 100%; height: auto; }\n"
    ".titleblock { border-bottom: 2px solid #12355b; margin-bottom: 1em; }\n");

}  // namespace

// ---- formats ------------------------------------------------------------------------------

QString formatName(ReportFormat f)
{
    switch (f) {
    case ReportFormat::Pdf: return QStringLiteral("pdf");
    case ReportFormat::Html: return QStringLiteral("html");
    case ReportFormat::Markdown: return QStringLiteral("md");
    case ReportFormat::Json: return QStringLiteral("json");
    }
    return {};
}

std::optional<ReportFormat> formatFromName(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == QLatin1String("pdf"))
        return ReportFormat::Pdf;
    if (n == QLatin1String("html") || n == QLatin1String("htm"))
        return ReportFormat::Html;
    if (n == QLatin1String("md") || n == QLatin1String("markdown"))
        return ReportFormat::Markdown;
    if (n == QLatin1String("json"))
        return ReportFormat::Json;
    return std::nullopt;
}

// ---- builder ------------------------------------------------------------------------------

ReportBuilder::ReportBuilder(const Rollout &rollout, const QList<SignOffCheck> &signOffChecks, Options options)
    : m_rollout(rollout), m_checks(signOffChecks), m_options(std::move(options))
{
    if (!m_options.generatedAt.isValid())
        m_options.generatedAt = QDateTime::currentDateTimeUtc();
    m_options.generatedAt = m_options.generatedAt.toUTC();
    m_options.generatedAt.setTime(QTime(m_options.generatedAt.time().hour(), m_options.generatedAt.time().minute(),
                                        m_options.generatedAt.time().second()));
    m_canonical = canonicalContent(m_rollout);
    m_contentSha256 = Sha256::hex(m_canonical);
}

ReportBuilder::ReportBuilder(const Rollout &rollout, const QList<SignOffCheck> &signOffChecks)
    : ReportBuilder(rollout, signOffChecks, Options{})
{
}

const Rollout &ReportBuilder::rollout() const
{
    return m_rollout;
}

QDateTime ReportBuilder::generatedAt() const
{
    return m_options.generatedAt;
}

QString ReportBuilder::generatedBy() const
{
    return m_options.generatedBy;
}

QString ReportBuilder::contentSha256() const
{
    return m_contentSha256;
}

QString ReportBuilder::title() const
{
    return QStringLiteral("Rollout report — %1").arg(m_rollout.name);
}

QByteArray ReportBuilder::canonicalContent(const Rollout &rollout)
{
    QJsonObject root;
    root.insert(QStringLiteral("schema"), kContentSchema);
    root.insert(QStringLiteral("rollout"),
                QJsonObject{{QStringLiteral("name"), rollout.name},
                            {QStringLiteral("templates"), QJsonArray::fromStringList(rollout.templateIds)},
                            {QStringLiteral("created_at"), isoOrNull(rollout.createdAt)},
                            {QStringLiteral("created_by"), rollout.createdBy}});
    root.insert(QStringLiteral("roles"), QJsonArray::fromStringList(rollout.roles));

    QList<const RolloutItem *> items;
    for (const RolloutItem &i : rollout.items)
        items << &i;
    std::stable_sort(items.begin(), items.end(),
                     [](const RolloutItem *a, const RolloutItem *b) { return a->position < b->position; });
    QJsonArray itemArr;
    for (const RolloutItem *i : items) {
        QJsonArray ev;
        for (qint64 id : i->evidenceIds) {
            const Evidence *e = rollout.evidenceById(id);
            QJsonObject eo{{QStringLiteral("id"), double(id)}};
            if (e) {
                eo.insert(QStringLiteral("kind"), evidenceKindName(e->kind));
                eo.insert(QStringLiteral("title"), red(e->title));
                eo.insert(QStringLiteral("sha256"), e->sha256());
            } else {
                eo.insert(QStringLiteral("kind"), QJsonValue());
                eo.insert(QStringLiteral("title"), QJsonValue());
                eo.insert(QStringLiteral("sha256"), QJsonValue());
            }
            ev.append(eo);
        }
        QJsonObject io{{QStringLiteral("key"), i->def.key},
                       {QStringLiteral("template"), i->templateId},
                       {QStringLiteral("section"), i->def.section.join(QStringLiteral(" / "))},
                       {QStringLiteral("text"), i->def.text},
                       {QStringLiteral("kind"), kindName(i->def.kind)},
                       {QStringLiteral("evidence"), ev}};
        // A sign-off line's state is the sign-off itself: signing ticks it, so sealing its status
        // would make every sign-off "change" the content the others signed.
        if (i->def.kind != ItemKind::SignOff) {
            io.insert(QStringLiteral("status"), statusName(i->status));
            io.insert(QStringLiteral("owner"), red(i->owner));
            io.insert(QStringLiteral("note"), red(i->note));
            io.insert(QStringLiteral("updated_at"), isoOrNull(i->updatedAt));
            io.insert(QStringLiteral("updated_by"), i->updatedBy);
        }
        itemArr.append(io);
    }
    root.insert(QStringLiteral("items"), itemArr);
    root.insert(QStringLiteral("criteria"), criteriaJson(rollout));
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

QByteArray ReportBuilder::prettyContent(const QByteArray &canonical)
{
    const QJsonDocument doc = QJsonDocument::fromJson(canonical);
    if (doc.isNull())
        return canonical;
    return doc.toJson(QJsonDocument::Indented);
}

namespace {

QList<SignRow> signRows(const Rollout &r, const QList<SignOffCheck> &checks, const QByteArray &canonical,
                        const QString &contentSha)
{
    QHash<QString, SignOffCheck> byRole;
    for (const SignOffCheck &c : checks)
        byRole.insert(c.signOff.role, c);
    // Sign-offs the caller did not verify: checked here the same way as RolloutStore::verify.
    for (const SignOff &s : r.signOffs) {
        if (s.revoked || byRole.contains(s.role))
            continue;
        SignOffCheck c;
        c.signOff = s;
        c.currentSha256 = contentSha;
        if (!s.content.isEmpty() && Sha256::hex(s.content) != s.contentSha256) {
            c.state = SignOffCheck::State::Tampered;
            c.message = QStringLiteral("tampered: the stored signed content does not match its hash");
        } else if (s.contentSha256 != contentSha) {
            c.state = SignOffCheck::State::Changed;
            c.message = QStringLiteral("changed after sign-off");
        }
        if (c.state != SignOffCheck::State::Valid && !s.content.isEmpty())
            c.diff = TextDiff::unified(ReportBuilder::prettyContent(s.content), ReportBuilder::prettyContent(canonical),
                                       QStringLiteral("signed"), QStringLiteral("current"));
        byRole.insert(s.role, c);
    }
    QList<SignRow> rows;
    QSet<QString> done;
    for (const QString &role : r.roles) {
        if (done.contains(role))
            continue;
        done.insert(role);
        SignRow row;
        row.role = role;
        if (byRole.contains(role)) {
            row.isSigned = true;
            row.check = byRole.value(role);
        }
        rows << row;
    }
    for (const SignOffCheck &c : checks) {
        if (done.contains(c.signOff.role))
            continue;
        done.insert(c.signOff.role);
        rows << SignRow{c.signOff.role, true, c};
    }
    for (const SignOff &s : r.signOffs) {
        if (s.revoked || done.contains(s.role))
            continue;
        done.insert(s.role);
        rows << SignRow{s.role, true, byRole.value(s.role)};
    }
    return rows;
}

QString sigClass(const SignRow &r)
{
    if (!r.isSigned)
        return QStringLiteral("sig-unsigned");
    switch (r.check.state) {
    case SignOffCheck::State::Valid: return QStringLiteral("sig-valid");
    case SignOffCheck::State::Changed: return QStringLiteral("sig-changed");
    case SignOffCheck::State::Tampered: return QStringLiteral("sig-tampered");
    }
    return {};
}

struct Counts {
    int items = 0, done = 0, open = 0, blocked = 0, na = 0;
    int pass = 0, fail = 0, noData = 0;
    int roles = 0, signedRoles = 0, valid = 0, changed = 0, tampered = 0;
};

Counts countsOf(const Rollout &r, const QList<SignRow> &rows)
{
    Counts c;
    for (const RolloutItem &i : r.items) {
        ++c.items;
        switch (i.status) {
        case ItemStatus::Done: ++c.done; break;
        case ItemStatus::Open: ++c.open; break;
        case ItemStatus::Blocked: ++c.blocked; break;
        case ItemStatus::NotApplicable: ++c.na; break;
        }
    }
    for (const CriterionResult &cr : r.criteria) {
        switch (cr.verdict) {
        case CriterionResult::Verdict::Pass: ++c.pass; break;
        case CriterionResult::Verdict::Fail: ++c.fail; break;
        case CriterionResult::Verdict::NoData: ++c.noData; break;
        }
    }
    c.roles = int(r.roles.size());
    for (const SignRow &row : rows) {
        if (!row.isSigned)
            continue;
        ++c.signedRoles;
        switch (row.check.state) {
        case SignOffCheck::State::Valid: ++c.valid; break;
        case SignOffCheck::State::Changed: ++c.changed; break;
        case SignOffCheck::State::Tampered: ++c.tampered; break;
        }
    }
    return c;
}

QString itemsLine(const Counts &c)
{
    return QStringLiteral("%1 of %2 items done, %3 open, %4 blocked, %5 n/a").arg(c.done).arg(c.items).arg(c.open).arg(c.blocked).arg(c.na);
}

QString criteriaLine(const Counts &c)
{
    return QStringLiteral("%1 pass, %2 fail, %3 no data").arg(c.pass).arg(c.fail).arg(c.noData);
}

QString signLine(const Counts &c)
{
    QString s = QStringLiteral("%1 of %2 roles signed").arg(c.signedRoles).arg(c.roles);
    QStringList extra;
    if (c.changed)
        extra << QStringLiteral("%1 changed after sign-off").arg(c.changed);
    if (c.tampered)
        extra << QStringLiteral("%1 tampered").arg(c.tampered);
    if (!extra.isEmpty())
        s += QStringLiteral(" (%1)").arg(extra.join(QStringLiteral(", ")));
    return s;
}

QString itemStatusText(ItemStatus s)
{
    return statusName(s);
}

const CriterionResult *criterionFor(const Rollout &r, const QString &key)
{
    for (const CriterionResult &c : r.criteria)
        if (!key.isEmpty() && c.itemKey == key)
            return &c;
    return nullptr;
}

Table criteriaTable(const Rollout &r)
{
    Table t;
    t.headers = {QStringLiteral("Criterion"), QStringLiteral("Verdict"), QStringLiteral("Figure"), QStringLiteral("Threshold"),
                 QStringLiteral("Window"), QStringLiteral("Source")};
    for (const CriterionResult &c : r.criteria) {
        QString figure = red(c.figure);
        if (!c.reason.isEmpty())
            figure += QStringLiteral(" — ") + red(c.reason);
        t.rows << QStringList{red(c.title.isEmpty() ? c.id : c.title), verdictName(c.verdict), figure, red(c.threshold),
                              red(c.window), redSource(c.source)};
    }
    return t;
}

Table historyTable(const QList<Change> &history)
{
    Table t;
    t.headers = {QStringLiteral("Time"), QStringLiteral("By"), QStringLiteral("Item"), QStringLiteral("Field"), QStringLiteral("Old"),
                 QStringLiteral("New")};
    for (const Change &c : history)
        t.rows << QStringList{human(c.at), red(c.by), c.itemKey, c.field, clip(red(c.oldValue), 300), clip(red(c.newValue), 300)};
    return t;
}

QString evidenceRef(const Evidence *e, qint64 id)
{
    if (!e)
        return QStringLiteral("#%1 (missing)").arg(id);
    return QStringLiteral("#%1 %2 (sha256 %3)").arg(id).arg(red(e->title), shortSha(e->sha256()));
}

}  // namespace

// ---- JSON ---------------------------------------------------------------------------------

QJsonObject ReportBuilder::toJsonObject() const
{
    QJsonObject o;
    o.insert(QStringLiteral("schema"), kReportSchema);
    o.insert(QStringLiteral("title"), title());
    o.insert(QStringLiteral("generated_at"), isoOrNull(m_options.generatedAt));
    o.insert(QStringLiteral("generated_by"), red(m_options.generatedBy));
    o.insert(QStringLiteral("tool"), QStringLiteral("Codex Admin " CODEXADMIN_VERSION));
    o.insert(QStringLiteral("content"), QJsonDocument::fromJson(m_canonical).object());
    o.insert(QStringLiteral("content_sha256"), m_contentSha256);

    const QList<SignRow> rows = signRows(m_rollout, m_checks, m_canonical, m_contentSha256);
    QJsonArray signoffs;
    for (const SignRow &row : rows) {
        if (!row.isSigned) {
            signoffs.append(QJsonObject{{QStringLiteral("role"), row.role}, {QStringLiteral("state"), QStringLiteral("unsigned")}});
            continue;
        }
        const SignOff &s = row.check.signOff;
        QJsonObject so{{QStringLiteral("role"), row.role},
                       {QStringLiteral("name"), red(s.name)},
                       {QStringLiteral("signed_at"), isoOrNull(s.signedAt)},
                       {QStringLiteral("comment"), red(s.comment)},
                       {QStringLiteral("content_sha256"), s.contentSha256},
                       {QStringLiteral("state"), signOffStateName(row.check.state)},
                       {QStringLiteral("message"), red(row.check.message)}};
        if (!row.check.diff.isEmpty())
            so.insert(QStringLiteral("diff"), red(row.check.diff));
        signoffs.append(so);
    }
    o.insert(QStringLiteral("signoffs"), signoffs);

    QJsonArray evidence;
    for (const Evidence &e : m_rollout.evidence) {
        QJsonObject eo{{QStringLiteral("id"), double(e.id)},
                       {QStringLiteral("kind"), evidenceKindName(e.kind)},
                       {QStringLiteral("title"), red(e.title)},
                       {QStringLiteral("summary"), red(e.summary)},
                       {QStringLiteral("created_at"), isoOrNull(e.createdAt)},
                       {QStringLiteral("created_by"), red(e.createdBy)},
                       {QStringLiteral("source"), redSource(e.source)},
                       {QStringLiteral("passed"), e.passed},
                       {QStringLiteral("sha256"), e.sha256()}};
        eo.insert(QStringLiteral("items"), QJsonArray::fromStringList(itemsWithEvidence(m_rollout, e.id)));
        if (m_options.includeEvidencePayloads)
            eo.insert(QStringLiteral("payload"), redactJson(e.payload));
        if (!e.png.isEmpty())
            eo.insert(QStringLiteral("png_base64"), QString::fromLatin1(e.png.toBase64()));
        evidence.append(eo);
    }
    o.insert(QStringLiteral("evidence"), evidence);

    o.insert(QStringLiteral("criteria"), criteriaJson(m_rollout));

    if (m_options.includeHistory) {
        QJsonArray hist;
        for (const Change &c : m_options.history)
            hist.append(QJsonObject{{QStringLiteral("at"), isoOrNull(c.at)},
                                    {QStringLiteral("by"), red(c.by)},
                                    {QStringLiteral("item"), c.itemKey},
                                    {QStringLiteral("field"), c.field},
                                    {QStringLiteral("old"), red(c.oldValue)},
                                    {QStringLiteral("new"), red(c.newValue)}});
        o.insert(QStringLiteral("history"), hist);
    }

    const Counts c = countsOf(m_rollout, rows);
    o.insert(QStringLiteral("summary"),
             QJsonObject{{QStringLiteral("items"), c.items},
                         {QStringLiteral("done"), c.done},
                         {QStringLiteral("open"), c.open},
                         {QStringLiteral("blocked"), c.blocked},
                         {QStringLiteral("not_applicable"), c.na},
                         {QStringLiteral("criteria_pass"), c.pass},
                         {QStringLiteral("criteria_fail"), c.fail},
                         {QStringLiteral("criteria_no_data"), c.noData},
                         {QStringLiteral("roles"), c.roles},
                         {QStringLiteral("signed"), c.signedRoles},
                         {QStringLiteral("signoffs_valid"), c.valid},
                         {QStringLiteral("signoffs_changed"), c.changed},
                         {QStringLiteral("signoffs_tampered"), c.tampered},
                         {QStringLiteral("evidence"), int(m_rollout.evidence.size())}});
    return o;
}

QByteArray ReportBuilder::toJson() const
{
    return QJsonDocument(toJsonObject()).toJson(QJsonDocument::Indented);
}

std::optional<QJsonObject> ReportBuilder::parseJsonReport(const QByteArray &json, QString *error)
{
    auto fail = [error](const QString &m) -> std::optional<QJsonObject> {
        if (error)
            *error = m;
        return std::nullopt;
    };
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError)
        return fail(QStringLiteral("not a JSON report: %1 at offset %2").arg(pe.errorString()).arg(pe.offset));
    if (!doc.isObject())
        return fail(QStringLiteral("not a JSON report: the top level is not an object"));
    const QJsonObject o = doc.object();
    const QString schema = o.value(QStringLiteral("schema")).toString();
    if (schema != kReportSchema)
        return fail(QStringLiteral("field \"schema\": expected \"%1\", found \"%2\"").arg(kReportSchema, schema));
    auto need = [&o](const char *field, QJsonValue::Type type) -> QString {
        const QJsonValue v = o.value(QLatin1String(field));
        if (v.isUndefined())
            return QStringLiteral("field \"%1\" is missing").arg(QLatin1String(field));
        if (v.type() != type)
            return QStringLiteral("field \"%1\" has the wrong type").arg(QLatin1String(field));
        return {};
    };
    const QList<QPair<const char *, QJsonValue::Type>> required = {
        {"title", QJsonValue::String},        {"generated_at", QJsonValue::String}, {"generated_by", QJsonValue::String},
        {"tool", QJsonValue::String},         {"content", QJsonValue::Object},      {"content_sha256", QJsonValue::String},
        {"signoffs", QJsonValue::Array},      {"evidence", QJsonValue::Array},      {"criteria", QJsonValue::Array},
        {"summary", QJsonValue::Object}};
    for (const auto &[field, type] : required)
        if (const QString m = need(field, type); !m.isEmpty())
            return fail(m);
    if (!QDateTime::fromString(o.value(QStringLiteral("generated_at")).toString(), Qt::ISODate).isValid())
        return fail(QStringLiteral("field \"generated_at\" is not an ISO 8601 time"));
    const QJsonObject content = o.value(QStringLiteral("content")).toObject();
    if (content.value(QStringLiteral("schema")).toString() != kContentSchema)
        return fail(QStringLiteral("field \"content.schema\": expected \"%1\"").arg(kContentSchema));
    for (const char *f : {"rollout", "items", "roles", "criteria"})
        if (!content.contains(QLatin1String(f)))
            return fail(QStringLiteral("field \"content.%1\" is missing").arg(QLatin1String(f)));
    if (!content.value(QStringLiteral("items")).isArray())
        return fail(QStringLiteral("field \"content.items\" has the wrong type"));
    const QString sha = Sha256::hex(QJsonDocument(content).toJson(QJsonDocument::Compact));
    if (sha != o.value(QStringLiteral("content_sha256")).toString())
        return fail(QStringLiteral("field \"content_sha256\" does not match the content (content hashes to %1)").arg(sha));
    const QJsonArray signoffs = o.value(QStringLiteral("signoffs")).toArray();
    for (int i = 0; i < signoffs.size(); ++i) {
        const QJsonObject s = signoffs.at(i).toObject();
        for (const char *f : {"role", "state"})
            if (!s.value(QLatin1String(f)).isString())
                return fail(QStringLiteral("field \"signoffs[%1].%2\" is missing").arg(i).arg(QLatin1String(f)));
    }
    const QJsonArray evidence = o.value(QStringLiteral("evidence")).toArray();
    for (int i = 0; i < evidence.size(); ++i) {
        const QJsonObject e = evidence.at(i).toObject();
        for (const char *f : {"id", "kind", "sha256"})
            if (!e.contains(QLatin1String(f)))
                return fail(QStringLiteral("field \"evidence[%1].%2\" is missing").arg(i).arg(QLatin1String(f)));
    }
    return o;
}

// ---- Markdown -----------------------------------------------------------------------------

QByteArray ReportBuilder::toMarkdown() const
{
    const Rollout &r = m_rollout;
    const QList<SignRow> rows = signRows(r, m_checks, m_canonical, m_contentSha256);
    const Counts c = countsOf(r, rows);
    QString out;
    out.reserve(64 * 1024);
    out += QStringLiteral("# %1\n\n").arg(title());
    out += QStringLiteral("- Rollout: %1\n").arg(r.name);
    out += QStringLiteral("- Templates: %1\n").arg(r.templateIds.join(QStringLiteral(", ")));
    out += QStringLiteral("- Created: %1 by %2\n").arg(human(r.createdAt), red(r.createdBy));
    out += QStringLiteral("- Generated: %1%2 (Codex Admin " CODEXADMIN_VERSION ")\n")
               .arg(human(m_options.generatedAt),
                    m_options.generatedBy.isEmpty() ? QString() : QStringLiteral(" by ") + red(m_options.generatedBy));
    out += QStringLiteral("- Status: %1\n").arg(itemsLine(c));
    out += QStringLiteral("- Criteria: %1\n").arg(criteriaLine(c));
    out += QStringLiteral("- Sign-offs: %1\n").arg(signLine(c));
    out += QStringLiteral("- Content sha256: `%1`\n").arg(m_contentSha256);

    // Checklist
    const QHash<QString, int> depth = itemDepths(r);
    QStringList prevSection;
    QString prevTemplate;
    const bool multi = r.templateIds.size() > 1;
    for (const RolloutItem &i : r.items) {
        if (multi && i.templateId != prevTemplate) {
            out += QStringLiteral("\n---\n\n_Checklist: %1_\n").arg(i.templateId);
            prevTemplate = i.templateId;
            prevSection.clear();
        }
        const QStringList &sec = i.def.section;
        const int same = commonPrefix(sec, prevSection);
        if (same < sec.size() || sec.size() != prevSection.size()) {
            for (int l = same; l < sec.size(); ++l)
                out += QStringLiteral("\n%1 %2\n").arg(QString(std::min(l + 2, 6), QLatin1Char('#')), sec.at(l));
            if (same == sec.size() && sec.size() < prevSection.size() && !sec.isEmpty())
                out += QStringLiteral("\n%1 %2\n").arg(QString(std::min(int(sec.size()) + 1, 6), QLatin1Char('#')), sec.last());
            out += QLatin1Char('\n');
            prevSection = sec;
        }
        const QString ind(depth.value(i.def.key) * 2, QLatin1Char(' '));
        QString text = i.def.text;
        text.replace(QLatin1Char('\n'), QLatin1Char(' '));
        if (i.status == ItemStatus::NotApplicable)
            text += QStringLiteral(" _(n/a)_");
        else if (i.status == ItemStatus::Blocked)
            text += QStringLiteral(" **(blocked)**");
        out += QStringLiteral("%1- %2 %3\n").arg(ind, statusCheckbox(i.status), text);
        const QString sub = ind + QStringLiteral("  - ");
        const QString cont = ind + QStringLiteral("    ");
        if (!i.owner.isEmpty())
            out += sub + QStringLiteral("Owner: ") + red(i.owner) + QLatin1Char('\n');
        if (i.updatedAt.isValid())
            out += sub + QStringLiteral("Updated: %1%2\n").arg(human(i.updatedAt),
                                                              i.updatedBy.isEmpty() ? QString() : QStringLiteral(" by ") + red(i.updatedBy));
        if (!i.note.isEmpty()) {
            QString note = red(i.note);
            note.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
            const QStringList lines = note.split(QLatin1Char('\n'));
            out += sub + QStringLiteral("Note: ") + lines.first() + QLatin1Char('\n');
            for (int l = 1; l < lines.size(); ++l)
                out += (lines.at(l).isEmpty() ? QString() : cont + lines.at(l)) + QLatin1Char('\n');
        }
        if (const CriterionResult *cr = criterionFor(r, i.def.key))
            out += sub + QStringLiteral("Criterion: %1 — %2 (threshold %3, window %4)\n")
                             .arg(verdictName(cr->verdict), red(cr->figure), red(cr->threshold), red(cr->window));
        for (qint64 id : i.evidenceIds)
            out += sub + QStringLiteral("Evidence: ") + evidenceRef(r.evidenceById(id), id) + QLatin1Char('\n');
    }

    // Criteria
    out += QStringLiteral("\n## Success criteria (judged from data)\n\n");
    if (r.criteria.isEmpty())
        out += QStringLiteral("_No criteria evaluation recorded._\n\n");
    else
        mdTable(out, criteriaTable(r));

    // Sign-offs
    out += QStringLiteral("## Sign-offs\n\n");
    for (const SignRow &row : rows) {
        if (!row.isSigned) {
            out += QStringLiteral("- [ ] %1 — not signed\n").arg(row.role);
            continue;
        }
        const SignOff &s = row.check.signOff;
        QString line = QStringLiteral("- [x] %1 — %2, %3").arg(row.role, red(s.name), human(s.signedAt));
        if (!s.comment.isEmpty()) {
            QString cm = red(s.comment);
            cm.replace(QLatin1Char('\n'), QLatin1Char(' '));
            line += QStringLiteral(" — “%1”").arg(cm);
        }
        line += QStringLiteral(" — sha256 `%1` (%2)\n").arg(s.contentSha256, signOffStateName(row.check.state));
        out += line;
        if (row.check.state != SignOffCheck::State::Valid) {
            if (!row.check.message.isEmpty())
                out += QStringLiteral("  - %1\n").arg(red(row.check.message).replace(QLatin1Char('\n'), QLatin1Char(' ')));
            if (!row.check.diff.isEmpty()) {
                out += QStringLiteral("\n  ```diff\n");
                QString diff = red(row.check.diff);
                while (diff.endsWith(QLatin1Char('\n')))
                    diff.chop(1);
                for (const QString &l : diff.split(QLatin1Char('\n')))
                    out += (l.isEmpty() ? QString() : QStringLiteral("  ") + l) + QLatin1Char('\n');
                out += QStringLiteral("  ```\n\n");
            }
        }
    }

    // Evidence
    out += QStringLiteral("\n## Evidence\n");
    if (r.evidence.isEmpty())
        out += QStringLiteral("\n_No evidence attached._\n");
    for (const Evidence &e : r.evidence) {
        out += QStringLiteral("\n### #%1 %2\n\n").arg(e.id).arg(red(e.title));
        out += QStringLiteral("- Kind: %1\n").arg(evidenceKindName(e.kind));
        out += QStringLiteral("- Result: %1\n").arg(e.passed ? QStringLiteral("passed") : QStringLiteral("NOT passed"));
        out += QStringLiteral("- Created: %1 by %2\n").arg(human(e.createdAt), red(e.createdBy));
        if (!e.source.isEmpty())
            out += QStringLiteral("- Source: %1\n").arg(redSource(e.source));
        out += QStringLiteral("- sha256: `%1`\n").arg(e.sha256());
        if (!e.summary.isEmpty())
            out += QStringLiteral("- Summary: %1\n").arg(red(e.summary).replace(QLatin1Char('\n'), QLatin1Char(' ')));
        const QStringList attached = itemsWithEvidence(r, e.id);
        if (!attached.isEmpty())
            out += QStringLiteral("- Items: %1\n").arg(attached.join(QStringLiteral(", ")));
        if (m_options.includeEvidencePayloads) {
            const Details d = evidenceDetails(e, redactJson(e.payload).toObject());
            for (const QString &l : d.lines)
                out += QStringLiteral("- %1\n").arg(QString(l).replace(QLatin1Char('\n'), QLatin1Char(' ')));
            for (const Table &t : d.tables) {
                out += QLatin1Char('\n');
                mdTable(out, t);
            }
        }
        if (!e.png.isEmpty())
            out += QStringLiteral("\n_Chart: %1 (chart in the PDF/HTML report)_\n").arg(red(e.title));
    }

    if (m_options.includeHistory && !m_options.history.isEmpty()) {
        out += QStringLiteral("\n## History\n\n");
        mdTable(out, historyTable(m_options.history));
    }
    if (!out.endsWith(QLatin1Char('\n')))
        out += QLatin1Char('\n');
    return out.toUtf8();
}

// ---- HTML ---------------------------------------------------------------------------------

namespace {

QString titleBlockHtml(const ReportBuilder &b, const QList<SignRow> &rows)
{
    const Rollout &r = b.rollout();
    const Counts c = countsOf(r, rows);
    QString out;
    out += QStringLiteral("<div class=\"titleblock\">\n");
    out += QStringLiteral("<h1>%1</h1>\n").arg(esc(b.title()));
    out += QStringLiteral("<table class=\"grid\" width=\"100%\" cellspacing=\"0\" cellpadding=\"4\" border=\"1\">\n<tbody>\n");
    auto row = [&out](const QString &k, const QString &vHtml) {
        out += QStringLiteral("<tr><th width=\"28%\">%1</th><td dir=\"auto\">%2</td></tr>\n").arg(esc(k), vHtml);
    };
    row(QStringLiteral("Rollout"), esc(r.name));
    QStringList templates;
    for (const QString &id : r.templateIds) {
        const auto t = ChecklistTemplate::builtIn(id);
        templates << (t ? QStringLiteral("%1 (%2, seed %3)").arg(t->title, id, t->seed) : id);
    }
    row(QStringLiteral("Checklists"), esc(templates.join(QStringLiteral("; "))));
    row(QStringLiteral("Created"), esc(QStringLiteral("%1 by %2").arg(human(r.createdAt), red(r.createdBy))));
    row(QStringLiteral("Generated"),
        esc(QStringLiteral("%1%2 — Codex Admin " CODEXADMIN_VERSION)
                .arg(human(b.generatedAt()),
                     b.generatedBy().isEmpty() ? QString() : QStringLiteral(" by ") + red(b.generatedBy()))));
    const QString itemsCls = c.blocked > 0 ? QStringLiteral("st-blocked")
                             : (c.done + c.na == c.items && c.items > 0) ? QStringLiteral("st-done")
                                                                          : QStringLiteral("st-open");
    row(QStringLiteral("Checklist"), badge(itemsCls, QStringLiteral("%1/%2 done").arg(c.done).arg(c.items)) + QStringLiteral(" ")
                                         + esc(itemsLine(c)));
    const QString critCls = c.fail > 0 ? QStringLiteral("v-fail")
                            : (c.noData == 0 && c.pass > 0) ? QStringLiteral("v-pass")
                                                            : QStringLiteral("v-nodata");
    row(QStringLiteral("Success criteria"),
        badge(critCls, c.fail > 0 ? QStringLiteral("fail") : (c.noData == 0 && c.pass > 0) ? QStringLiteral("pass") : QStringLiteral("incomplete"))
            + QStringLiteral(" ") + esc(criteriaLine(c)));
    const QString sigCls = c.tampered > 0 ? QStringLiteral("sig-tampered")
                           : c.changed > 0 ? QStringLiteral("sig-changed")
                           : (c.signedRoles == c.roles && c.roles > 0) ? QStringLiteral("sig-valid")
                                                                        : QStringLiteral("sig-unsigned");
    row(QStringLiteral("Sign-offs"), badge(sigCls, QStringLiteral("%1/%2").arg(c.signedRoles).arg(c.roles)) + QStringLiteral(" ")
                                         + esc(signLine(c)));
    row(QStringLiteral("Content sha256"), QStringLiteral("<code>%1</code>").arg(esc(b.contentSha256())));
    out += QStringLiteral("</tbody>\n</table>\n");
    // Who signed what, on the first page: the question a reader of a sign-off report asks first.
    out += QStringLiteral("<h3>Sign-offs</h3>\n<table class=\"grid\" width=\"100%\" cellspacing=\"0\" cellpadding=\"4\" border=\"1\">\n"
                          "<thead><tr><th>Role</th><th>Signed by</th><th>When</th><th>State</th></tr></thead>\n<tbody>\n");
    for (const SignRow &sr : rows) {
        if (!sr.isSigned) {
            out += QStringLiteral("<tr><td>%1</td><td colspan=\"2\">—</td><td>%2</td></tr>\n")
                       .arg(esc(sr.role), badge(QStringLiteral("sig-unsigned"), QStringLiteral("not signed")));
            continue;
        }
        const QString cls = sr.check.state == SignOffCheck::State::Valid     ? QStringLiteral("sig-valid")
                            : sr.check.state == SignOffCheck::State::Changed ? QStringLiteral("sig-changed")
                                                                               : QStringLiteral("sig-tampered");
        out += QStringLiteral("<tr><td>%1</td><td dir=\"auto\">%2</td><td>%3</td><td>%4</td></tr>\n")
                   .arg(esc(sr.role), esc(red(sr.check.signOff.name)), esc(human(sr.check.signOff.signedAt)),
                        badge(cls, signOffStateName(sr.check.state)));
    }
    out += QStringLiteral("</tbody>\n</table>\n");
    // Blocked items next: they are why a rollout is not done.
    QStringList blocked;
    for (const RolloutItem &i : r.items)
        if (i.status == ItemStatus::Blocked)
            blocked << QStringLiteral("<li dir=\"auto\">%1%2</li>").arg(escCode(i.def.text),
                                                                     i.note.isEmpty() ? QString()
                                                                                      : QStringLiteral(" — ") + esc(red(i.note.section(QLatin1Char('\n'), 0, 0))));
    if (!blocked.isEmpty())
        out += QStringLiteral("<h3>Blocked</h3>\n<ul>\n%1\n</ul>\n").arg(blocked.join(QLatin1Char('\n')));
    out += QStringLiteral("</div>\n");
    return out;
}

QString htmlHead(const QString &title, bool browser)
{
    return QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                          "<title>%1</title>\n<style>\n%2%3</style>\n</head>\n")
        .arg(esc(title), kCss, browser ? kBrowserCss : QString());
}

}  // namespace

QByteArray ReportBuilder::titlePageHtml() const
{
    const QList<SignRow> rows = signRows(m_rollout, m_checks, m_canonical, m_contentSha256);
    QString out = htmlHead(title(), false);
    out += QStringLiteral("<body>\n");
    out += titleBlockHtml(*this, rows);
    out += QStringLiteral("</body>\n</html>\n");
    return out.toUtf8();
}

QByteArray ReportBuilder::toHtml(ImageMode imageMode) const
{
    const Rollout &r = m_rollout;
    const bool inlineMode = imageMode == ImageMode::Inline;
    const int chunk = inlineMode ? 0 : 20;
    const QList<SignRow> rows = signRows(r, m_checks, m_canonical, m_contentSha256);
    QString out;
    out.reserve(256 * 1024);
    out += htmlHead(title(), inlineMode);
    out += QStringLiteral("<body>\n");
    if (inlineMode)
        out += titleBlockHtml(*this, rows);  // the PDF has its own title page

    // Checklist
    const QHash<QString, int> depth = itemDepths(r);
    QStringList prevSection;
    QString prevTemplate;
    const bool multi = r.templateIds.size() > 1;
    for (const RolloutItem &i : r.items) {
        if (multi && i.templateId != prevTemplate) {
            out += QStringLiteral("<p class=\"meta\">Checklist template: %1</p>\n").arg(esc(i.templateId));
            prevTemplate = i.templateId;
            prevSection.clear();
        }
        const QStringList &sec = i.def.section;
        const int same = commonPrefix(sec, prevSection);
        if (same < sec.size() || sec.size() != prevSection.size()) {
            for (int l = same; l < sec.size(); ++l) {
                const int level = std::min(l + 2, 6);
                out += QStringLiteral("<h%1>%2</h%1>\n").arg(level).arg(esc(sec.at(l)));
            }
            prevSection = sec;
        }
        const int ind = depth.value(i.def.key) * 22;
        QString text = escCode(i.def.text);
        QString cls = QStringLiteral("item");
        out += QStringLiteral("<p class=\"%1\" style=\"margin-left:%2px\">%3 %4</p>\n")
                   .arg(cls)
                   .arg(ind)
                   .arg(badge(statusClass(i.status), itemStatusText(i.status)), text);
        const int sub = ind + 22;
        QStringList meta;
        if (!i.owner.isEmpty())
            meta << QStringLiteral("Owner: %1").arg(esc(red(i.owner)));
        if (i.updatedAt.isValid())
            meta << QStringLiteral("Updated: %1%2").arg(esc(human(i.updatedAt)),
                                                         i.updatedBy.isEmpty() ? QString() : QStringLiteral(" by ") + esc(red(i.updatedBy)));
        if (!meta.isEmpty())
            out += QStringLiteral("<p class=\"meta\" style=\"margin-left:%1px\" dir=\"auto\">%2</p>\n").arg(sub).arg(meta.join(QStringLiteral(" · ")));
        if (!i.def.detail.isEmpty())
            out += QStringLiteral("<p class=\"detail\" style=\"margin-left:%1px\">%2</p>\n").arg(sub).arg(escLines(i.def.detail));
        if (!i.note.isEmpty())
            out += QStringLiteral("<p class=\"note\" style=\"margin-left:%1px\" dir=\"auto\">Note: %2</p>\n").arg(sub).arg(escLines(red(i.note)));
        if (const CriterionResult *cr = criterionFor(r, i.def.key))
            out += QStringLiteral("<p class=\"meta\" style=\"margin-left:%1px\">Criterion: %2 %3 (threshold %4, window %5)</p>\n")
                       .arg(sub)
                       .arg(badge(verdictClass(cr->verdict), verdictName(cr->verdict)), esc(red(cr->figure)), esc(red(cr->threshold)),
                            esc(red(cr->window)));
        for (qint64 id : i.evidenceIds)
            out += QStringLiteral("<p class=\"meta\" style=\"margin-left:%1px\">Evidence: <a href=\"#ev-%2\">%3</a></p>\n")
                       .arg(sub)
                       .arg(id)
                       .arg(esc(evidenceRef(r.evidenceById(id), id)));
    }

    // Criteria
    out += QStringLiteral("<h2>Success criteria (judged from data)</h2>\n");
    if (r.criteria.isEmpty())
        out += QStringLiteral("<p>No criteria evaluation recorded.</p>\n");
    else
        htmlTable(out, criteriaTable(r), {1}, chunk);

    // Sign-offs
    out += QStringLiteral("<h2>Sign-offs</h2>\n");
    for (const SignRow &row : rows) {
        if (!row.isSigned) {
            out += QStringLiteral("<p class=\"item\">%1 <b>%2</b> — not signed</p>\n")
                       .arg(badge(QStringLiteral("sig-unsigned"), QStringLiteral("unsigned")), esc(row.role));
            continue;
        }
        const SignOff &s = row.check.signOff;
        out += QStringLiteral("<p class=\"item\">%1 <b>%2</b> — %3, %4</p>\n")
                   .arg(badge(sigClass(row), signOffStateName(row.check.state)), esc(row.role), esc(red(s.name)), esc(human(s.signedAt)));
        if (!s.comment.isEmpty())
            out += QStringLiteral("<p class=\"note\" style=\"margin-left:22px\" dir=\"auto\">“%1”</p>\n").arg(escLines(red(s.comment)));
        out += QStringLiteral("<p class=\"meta\" style=\"margin-left:22px\">signed content sha256 <code>%1</code></p>\n").arg(esc(s.contentSha256));
        if (row.check.state != SignOffCheck::State::Valid) {
            if (!row.check.message.isEmpty())
                out += QStringLiteral("<p class=\"note\" style=\"margin-left:22px\" dir=\"auto\">%1</p>\n").arg(escLines(red(row.check.message)));
            if (!row.check.diff.isEmpty()) {
                QString diffHtml;
                QString diff = red(row.check.diff);
                while (diff.endsWith(QLatin1Char('\n')))
                    diff.chop(1);
                for (const QString &l : diff.split(QLatin1Char('\n'))) {
                    if (!diffHtml.isEmpty())
                        diffHtml += QStringLiteral("<br/>");
                    if (l.startsWith(QLatin1Char('+')) && !l.startsWith(QLatin1String("+++")))
                        diffHtml += QStringLiteral("<span class=\"add\">%1</span>").arg(esc(l));
                    else if (l.startsWith(QLatin1Char('-')) && !l.startsWith(QLatin1String("---")))
                        diffHtml += QStringLiteral("<span class=\"del\">%1</span>").arg(esc(l));
                    else
                        diffHtml += esc(l);
                }
                out += QStringLiteral("<p class=\"diff\" style=\"margin-left:22px\">%1</p>\n").arg(diffHtml);
            }
        }
    }

    // Evidence
    out += QStringLiteral("<h2>Evidence</h2>\n");
    if (r.evidence.isEmpty())
        out += QStringLiteral("<p>No evidence attached.</p>\n");
    for (const Evidence &e : r.evidence) {
        out += QStringLiteral("<h3 id=\"ev-%1\">#%1 %2</h3>\n").arg(e.id).arg(esc(red(e.title)));
        QStringList meta;
        meta << QStringLiteral("%1 %2").arg(badge(e.passed ? QStringLiteral("v-pass") : QStringLiteral("v-fail"),
                                                  e.passed ? QStringLiteral("passed") : QStringLiteral("not passed")),
                                            esc(evidenceKindName(e.kind)));
        meta << QStringLiteral("created %1 by %2").arg(esc(human(e.createdAt)), esc(red(e.createdBy)));
        out += QStringLiteral("<p class=\"meta\">%1</p>\n").arg(meta.join(QStringLiteral(" · ")));
        if (!e.source.isEmpty())
            out += QStringLiteral("<p class=\"meta\" dir=\"auto\">Source: %1</p>\n").arg(esc(redSource(e.source)));
        out += QStringLiteral("<p class=\"meta\">sha256 <code>%1</code></p>\n").arg(esc(e.sha256()));
        if (!e.summary.isEmpty())
            out += QStringLiteral("<p class=\"note\" dir=\"auto\">%1</p>\n").arg(escLines(red(e.summary)));
        const QStringList attached = itemsWithEvidence(r, e.id);
        if (!attached.isEmpty())
            out += QStringLiteral("<p class=\"meta\">Items: %1</p>\n").arg(esc(attached.join(QStringLiteral(", "))));
        if (m_options.includeEvidencePayloads) {
            const Details d = evidenceDetails(e, redactJson(e.payload).toObject());
            for (const QString &l : d.lines)
                out += QStringLiteral("<p class=\"note\" dir=\"auto\">%1</p>\n").arg(escLines(l));
            for (const Table &t : d.tables) {
                QList<int> badges;
                if (e.kind == EvidenceKind::EndpointSuite)
                    badges << 1;
                htmlTable(out, t, badges, chunk);
            }
        }
        if (!e.png.isEmpty()) {
            const QString id = QStringLiteral("evidence-%1").arg(e.id);
            const QString src = inlineMode ? QStringLiteral("data:image/png;base64,") + QString::fromLatin1(e.png.toBase64()) : id;
            // 680 px is the PDF's text width at its 96-dpi layout; the height follows the image.
            out += QStringLiteral("<p><img class=\"chart\" src=\"%1\" alt=\"%2\" width=\"680\"/></p>\n<p class=\"caption\">%2</p>\n")
                       .arg(src, esc(red(e.title)));
        }
    }

    if (m_options.includeHistory && !m_options.history.isEmpty()) {
        out += QStringLiteral("<h2>History</h2>\n");
        htmlTable(out, historyTable(m_options.history), {}, chunk);
    }
    out += QStringLiteral("<p class=\"meta\">Content sha256 %1 · generated %2 by Codex Admin " CODEXADMIN_VERSION "</p>\n")
               .arg(esc(m_contentSha256), esc(human(m_options.generatedAt)));
    out += QStringLiteral("</body>\n</html>\n");
    return out.toUtf8();
}

QList<ReportImage> ReportBuilder::images() const
{
    QList<ReportImage> out;
    for (const Evidence &e : m_rollout.evidence)
        if (!e.png.isEmpty())
            out << ReportImage{QStringLiteral("evidence-%1").arg(e.id), red(e.title), e.png};
    return out;
}

QByteArray ReportBuilder::render(ReportFormat format, QString *error) const
{
    switch (format) {
    case ReportFormat::Html: return toHtml(ImageMode::Inline);
    case ReportFormat::Markdown: return toMarkdown();
    case ReportFormat::Json: return toJson();
    case ReportFormat::Pdf: break;
    }
    if (error)
        *error = QStringLiteral("PDF reports are rendered by ReportPdfWriter, not by ReportBuilder::render()");
    return {};
}

bool writeReportFile(const QString &path, const QByteArray &bytes, bool overwrite, QString *error)
{
    const QFileInfo fi(path);
    if (path.isEmpty()) {
        if (error)
            *error = QStringLiteral("No output file given");
        return false;
    }
    if (fi.isDir()) {
        if (error)
            *error = QStringLiteral("%1 is a folder, not a file").arg(path);
        return false;
    }
    if (fi.exists() && !overwrite) {
        if (error)
            *error = QStringLiteral("%1 exists (use --force to replace it)").arg(path);
        return false;
    }
    QString why;
    if (!writeFileAtomically(path, bytes, &why)) {
        if (error)
            *error = why.contains(path) || why.contains(fi.absoluteFilePath()) ? why : QStringLiteral("Cannot write %1: %2").arg(path, why);
        return false;
    }
    return true;
}

}  // namespace codex::rollout
