#include "models/SseEventModel.h"

#include <QBrush>
#include <QColor>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace codex::models {

namespace {
constexpr int kPreviewChars = 160;

QString quoted(const QString &s)
{
    QString t = s;
    t.replace(QLatin1Char('\n'), QChar(0x21b5));
    if (t.size() > kPreviewChars)
        t = t.left(kPreviewChars) + QChar(0x2026);
    return QLatin1Char('"') + t + QLatin1Char('"');
}

QString compact(const QJsonValue &v)
{
    if (v.isObject())
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    if (v.isArray())
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    return v.toVariant().toString();
}

}  // namespace

QString SseEventModel::summarize(const proxy::SseEvent &e)
{
    if (e.isDone())
        return QStringLiteral("[DONE]");
    QString raw = QString::fromUtf8(e.data.left(kPreviewChars * 4));
    raw.replace(QLatin1Char('\n'), QChar(0x21b5));
    if (raw.size() > kPreviewChars || e.data.size() > kPreviewChars * 4)
        raw = raw.left(kPreviewChars) + QChar(0x2026);
    if (!e.data.startsWith('{') || e.data.size() > 256 * 1024)
        return raw;
    const QJsonObject o = QJsonDocument::fromJson(e.data).object();
    if (o.isEmpty())
        return raw;
    QStringList parts;
    if (o.contains(QLatin1String("error"))) {
        const QJsonValue err = o.value(QLatin1String("error"));
        return tr("error: %1").arg(err.isObject() ? err.toObject().value(QLatin1String("message")).toString() : compact(err));
    }
    const QJsonArray choices = o.value(QLatin1String("choices")).toArray();
    if (!choices.isEmpty()) {  // chat completion chunk
        const QJsonObject c = choices.first().toObject();
        const QJsonObject delta = c.value(QLatin1String("delta")).toObject();
        if (delta.contains(QLatin1String("role")))
            parts << QStringLiteral("role: %1").arg(delta.value(QLatin1String("role")).toString());
        if (delta.value(QLatin1String("content")).isString())
            parts << QStringLiteral("content: %1").arg(quoted(delta.value(QLatin1String("content")).toString()));
        for (const QJsonValue &tv : delta.value(QLatin1String("tool_calls")).toArray()) {
            const QJsonObject t = tv.toObject();
            const QJsonObject f = t.value(QLatin1String("function")).toObject();
            QString s = QStringLiteral("tool_call #%1").arg(t.value(QLatin1String("index")).toInt());
            if (f.contains(QLatin1String("name")))
                s += QLatin1Char(' ') + f.value(QLatin1String("name")).toString();
            if (!f.value(QLatin1String("arguments")).toString().isEmpty())
                s += QStringLiteral(" args += %1").arg(quoted(f.value(QLatin1String("arguments")).toString()));
            parts << s;
        }
        if (c.value(QLatin1String("finish_reason")).isString())
            parts << QStringLiteral("finish_reason: %1").arg(c.value(QLatin1String("finish_reason")).toString());
        if (o.value(QLatin1String("usage")).isObject())
            parts << QStringLiteral("usage: %1").arg(compact(o.value(QLatin1String("usage"))));
        return parts.isEmpty() ? raw : parts.join(QStringLiteral(" · "));
    }
    const QString type = o.value(QLatin1String("type")).toString();
    if (!type.isEmpty()) {  // Responses API event
        if (o.value(QLatin1String("delta")).isString())
            return QStringLiteral("delta: %1").arg(quoted(o.value(QLatin1String("delta")).toString()));
        const QJsonObject item = o.value(QLatin1String("item")).toObject();
        if (!item.isEmpty()) {
            QString s = QStringLiteral("item: %1").arg(item.value(QLatin1String("type")).toString());
            if (item.contains(QLatin1String("name")))
                s += QLatin1Char(' ') + item.value(QLatin1String("name")).toString();
            return s;
        }
        const QJsonObject resp = o.value(QLatin1String("response")).toObject();
        if (!resp.isEmpty()) {
            QString s = QStringLiteral("response %1").arg(resp.value(QLatin1String("status")).toString());
            if (resp.value(QLatin1String("usage")).isObject())
                s += QStringLiteral(" · usage: %1").arg(compact(resp.value(QLatin1String("usage"))));
            return s;
        }
        if (o.value(QLatin1String("text")).isString())
            return QStringLiteral("text: %1").arg(quoted(o.value(QLatin1String("text")).toString()));
        if (o.value(QLatin1String("arguments")).isString())
            return QStringLiteral("arguments: %1").arg(quoted(o.value(QLatin1String("arguments")).toString()));
        return type;
    }
    return raw;
}

SseEventModel::SseEventModel(QObject *parent) : QAbstractTableModel(parent) {}

void SseEventModel::clear()
{
    beginResetModel();
    m_events.clear();
    m_summaries.clear();
    m_total = 0;
    endResetModel();
}

void SseEventModel::append(const QList<proxy::SseEvent> &events)
{
    if (events.isEmpty())
        return;
    m_total += int(events.size());
    const int room = m_cap - int(m_events.size());
    const int n = std::min<int>(room, int(events.size()));
    if (n <= 0)
        return;
    const int first = int(m_events.size());
    beginInsertRows({}, first, first + n - 1);
    m_events.append(events.mid(0, n));
    for (int i = 0; i < n; ++i)
        m_summaries.append(summarize(events.at(i)));
    endInsertRows();
}

void SseEventModel::setEvents(const QList<proxy::SseEvent> &events, int totalCount)
{
    beginResetModel();
    m_events = events.mid(0, m_cap);
    m_summaries.clear();
    for (const proxy::SseEvent &e : std::as_const(m_events))
        m_summaries.append(summarize(e));
    m_total = std::max<int>(totalCount, int(events.size()));
    endResetModel();
}

void SseEventModel::setCap(int maxRows)
{
    m_cap = std::max(1, maxRows);
}

int SseEventModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int SseEventModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SseEventModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_events.size())
        return {};
    const proxy::SseEvent &e = m_events.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case IndexColumn: return e.index;
        case TimeColumn: return QLocale().toString(double(e.atNs) / 1e6, 'f', 1);
        case EventColumn: return e.event.isEmpty() ? QStringLiteral("message") : QString::fromUtf8(e.event);
        case DataColumn: return m_summaries.value(index.row());
        }
    } else if (role == Qt::TextAlignmentRole) {
        if (index.column() == IndexColumn || index.column() == TimeColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
    } else if (role == Qt::ToolTipRole && index.column() == DataColumn) {
        return QString::fromUtf8(e.data.left(4096));
    } else if (role == Qt::ForegroundRole && index.column() == EventColumn) {
        if (e.isDone() || e.event == "response.completed")
            return QBrush(QColor(0x2e, 0x7d, 0x32));
        if (e.event == "response.failed" || e.event == "error" || e.data.startsWith("{\"error\""))
            return QBrush(QColor(0xc6, 0x28, 0x28));
    } else if (role == DataRole) {
        return QString::fromUtf8(e.data);
    }
    return {};
}

QVariant SseEventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IndexColumn: return tr("#");
    case TimeColumn: return tr("Time (ms)");
    case EventColumn: return tr("Event");
    case DataColumn: return tr("Data");
    }
    return {};
}

}  // namespace codex::models
