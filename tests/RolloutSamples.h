#pragma once
// Sample rollout parts shared by tst_reportbuilder, tst_reportpdf and bench_report: checklist
// items, evidence (metric snapshots, endpoint suite cases, configuration keys), criteria results,
// sign-offs sealed over the canonical content, history rows, and a chart PNG like the Monitor
// page's. Header-only; the chart needs QtGui (the report tests and bench link codexadmin_models).
#include "common/Sha256.h"
#include "rollout/ReportBuilder.h"
#include "rollout/RolloutStore.h"
#include "rollout/RolloutTypes.h"

#include <QBuffer>
#include <QColor>
#include <QDateTime>
#include <QImage>
#include <QJsonArray>
#include <QJsonObject>
#include <QPainter>
#include <QPainterPath>
#include <QPen>
#include <QString>
#include <QStringList>

#include <cmath>

namespace rolloutsamples {

namespace cr = codex::rollout;

/// A line chart like the Monitor page's, as PNG bytes: grid, axes, `series` sine-like series
/// (with a step after the marker) and a dashed stage marker at 60 %. The same bytes for the same
/// arguments.
inline QByteArray chartPng(int seed, int series = 1, int w = 1200, int h = 500)
{
    QImage img(w, h, QImage::Format_RGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF plot(70, 30, w - 100, h - 80);
    p.setPen(QPen(QColor(0xdd, 0xdd, 0xdd), 1));
    for (int i = 0; i <= 5; ++i)
        p.drawLine(QPointF(plot.left(), plot.top() + i * plot.height() / 5), QPointF(plot.right(), plot.top() + i * plot.height() / 5));
    p.setPen(QPen(Qt::black, 2));
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    p.drawLine(plot.bottomLeft(), plot.topLeft());
    const QColor colours[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c)};
    for (int s = 0; s < series; ++s) {
        QPainterPath path;
        for (int i = 0; i <= 300; ++i) {
            const double x = plot.left() + i * plot.width() / 300;
            const double y = plot.center().y() + std::sin(i / (10.0 + s * 7) + seed) * plot.height() / (3 + s) + (i > 180 ? -30 : 0);
            if (i == 0)
                path.moveTo(x, y);
            else
                path.lineTo(x, y);
        }
        p.setPen(QPen(colours[s % 3], 2.5));
        p.drawPath(path);
    }
    p.setPen(QPen(QColor(0xd6, 0x27, 0x28), 2, Qt::DashLine));
    p.drawLine(QPointF(plot.left() + plot.width() * 0.6, plot.top()), QPointF(plot.left() + plot.width() * 0.6, plot.bottom()));
    p.setPen(Qt::black);
    p.drawText(QPointF(plot.left(), 20), QStringLiteral("chart %1: error ratio").arg(seed + 1));
    p.end();
    QByteArray png;
    QBuffer buf(&png);
    buf.open(QIODevice::WriteOnly);
    img.save(&buf, "PNG");
    return png;
}

/// A checklist item of the "codex-parity" template at `pos` (its id is pos + 1).
inline cr::RolloutItem item(const QString &key, const QStringList &section, const QString &text, cr::ItemStatus status, int pos,
                            const QString &parent = {}, cr::ItemKind kind = cr::ItemKind::Check)
{
    cr::RolloutItem i;
    i.id = pos + 1;
    i.templateId = QStringLiteral("codex-parity");
    i.def.key = key;
    i.def.section = section;
    i.def.text = text;
    i.def.parentKey = parent;
    i.def.kind = kind;
    i.position = pos;
    i.status = status;
    return i;
}

/// Evidence with its common fields; payload and picture are the caller's.
inline cr::Evidence evidence(qint64 id, cr::EvidenceKind kind, const QString &title, const QDateTime &at, const QString &by = {},
                             const QString &source = {})
{
    cr::Evidence e;
    e.id = id;
    e.kind = kind;
    e.title = title;
    e.createdAt = at;
    e.createdBy = by;
    e.source = source;
    return e;
}

/// One before/after comparison of "error_ratio" around a stage marker (5 min window, 30 points each side).
inline QJsonObject comparison(const QString &marker, const QString &t, double before, double after)
{
    return QJsonObject{{QStringLiteral("marker"), marker},
                       {QStringLiteral("t"), t},
                       {QStringLiteral("window_ms"), 300000},
                       {QStringLiteral("series"), QStringLiteral("error_ratio")},
                       {QStringLiteral("before"), before},
                       {QStringLiteral("after"), after},
                       {QStringLiteral("before_points"), 30},
                       {QStringLiteral("after_points"), 30}};
}

/// A metric snapshot taken by "ada" on the Monitor page at `at` from a scrape of the simulator.
/// With comparisons the window is 5 min, without it none.
inline cr::Evidence metricEvidence(qint64 id, const QString &title, const QDateTime &at, const QJsonObject &values,
                                   const QJsonArray &comparisons = {}, const QByteArray &png = {})
{
    cr::Evidence e = evidence(id, cr::EvidenceKind::MetricSnapshot, title, at, QStringLiteral("ada"), QStringLiteral("Monitor page"));
    cr::MetricSnapshot ms;
    ms.takenAt = at;
    ms.source = QStringLiteral("scrape http://127.0.0.1:9000/metrics");
    ms.windowMs = comparisons.isEmpty() ? 0 : 300000;
    ms.values = values;
    ms.comparisons = comparisons;
    e.payload = ms.toJson();
    e.png = png;
    return e;
}

/// One case of an endpoint suite result.
inline QJsonObject suiteCase(const QString &id, const QString &verdict, const QString &checklistItem, const QString &reason = {})
{
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("verdict"), verdict},
                       {QStringLiteral("checklistItem"), checklistItem},
                       {QStringLiteral("reason"), reason}};
}

/// One key of a configuration snapshot.
inline QJsonObject configKey(const QString &key, const QString &value, const QString &origin)
{
    return QJsonObject{{QStringLiteral("key"), key}, {QStringLiteral("value"), value}, {QStringLiteral("origin"), origin}};
}

/// A recorded criterion result; itemKey, reason and value are the caller's.
inline cr::CriterionResult criterion(const QString &id, const QString &title, cr::CriterionResult::Verdict verdict, const QString &figure,
                                     const QString &threshold, const QString &window, const QString &source, const QDateTime &at)
{
    cr::CriterionResult c;
    c.id = id;
    c.title = title;
    c.verdict = verdict;
    c.figure = figure;
    c.threshold = threshold;
    c.window = window;
    c.source = source;
    c.evaluatedAt = at;
    return c;
}

/// A sign-off sealed over the canonical content of `r` as it is now.
inline cr::SignOff signOff(const cr::Rollout &r, const QString &role, const QString &name, const QString &comment, const QDateTime &at)
{
    cr::SignOff s;
    s.role = role;
    s.name = name;
    s.comment = comment;
    s.signedAt = at;
    s.content = cr::ReportBuilder::canonicalContent(r);
    s.contentSha256 = codex::Sha256::hex(s.content);
    return s;
}

/// The check of a sign-off whose content has not changed since.
inline cr::SignOffCheck unchanged(const cr::SignOff &s)
{
    cr::SignOffCheck c;
    c.signOff = s;
    c.currentSha256 = s.contentSha256;
    return c;
}

/// A history row: `by` set the status of `itemKey` from `oldValue` to `newValue` at `at`.
inline cr::Change statusChange(const QDateTime &at, const QString &by, const QString &itemKey, const QString &oldValue,
                               const QString &newValue)
{
    cr::Change c;
    c.at = at;
    c.by = by;
    c.itemKey = itemKey;
    c.field = QStringLiteral("status");
    c.oldValue = oldValue;
    c.newValue = newValue;
    return c;
}

}  // namespace rolloutsamples
