#include "models/HistoryModel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QUrl>

namespace codex::models {

namespace {

/// The first of the keys present (also inside "request"/"response"/"timing" sub-objects).
QJsonValue pick(const QJsonObject &o, std::initializer_list<const char *> keys)
{
    for (const char *k : keys) {
        const QString key = QString::fromLatin1(k);
        if (o.contains(key))
            return o.value(key);
    }
    for (const char *sub : {"response", "request", "timing"}) {
        const QJsonObject s = o.value(QLatin1String(sub)).toObject();
        if (s.isEmpty())
            continue;
        for (const char *k : keys) {
            const QString key = QString::fromLatin1(k);
            if (s.contains(key))
                return s.value(key);
        }
    }
    return QJsonValue(QJsonValue::Undefined);
}

}  // namespace

HistoryModel::HistoryModel(QObject *parent) : QAbstractTableModel(parent) {}

void HistoryModel::setEntries(const QList<QJsonObject> &entries)
{
    beginResetModel();
    m_entries = entries;
    endResetModel();
}

void HistoryModel::prepend(const QJsonObject &entry, int max)
{
    beginInsertRows({}, 0, 0);
    m_entries.prepend(entry);
    endInsertRows();
    if (m_entries.size() > max) {
        beginRemoveRows({}, max, int(m_entries.size()) - 1);
        m_entries.resize(max);
        endRemoveRows();
    }
}

QString HistoryModel::method(const QJsonObject &o)
{
    return pick(o, {"method"}).toString();
}

QString HistoryModel::url(const QJsonObject &o)
{
    return pick(o, {"url"}).toString();
}

QString HistoryModel::path(const QJsonObject &o)
{
    const QString p = pick(o, {"path"}).toString();
    if (!p.isEmpty())
        return p;
    const QUrl u(url(o));
    QString out = u.path();
    if (u.hasQuery())
        out += QLatin1Char('?') + u.query();
    return out.isEmpty() ? url(o) : out;
}

int HistoryModel::status(const QJsonObject &o)
{
    return pick(o, {"status"}).toInt();
}

double HistoryModel::totalMs(const QJsonObject &o)
{
    const QJsonValue v = pick(o, {"totalMs", "total_ms"});
    return v.isDouble() ? v.toDouble() : -1;
}

qint64 HistoryModel::startedAtMs(const QJsonObject &o)
{
    const QJsonValue v = pick(o, {"startedAtMs", "started_at_ms", "startedAt"});
    if (v.isString())
        return QDateTime::fromString(v.toString(), Qt::ISODate).toMSecsSinceEpoch();
    return qint64(v.toDouble());
}

QString HistoryModel::environment(const QJsonObject &o)
{
    return pick(o, {"environment"}).toString();
}

QString HistoryModel::errorText(const QJsonObject &o)
{
    const QString s = pick(o, {"errorString"}).toString();
    if (!s.isEmpty())
        return s;
    const QJsonValue e = pick(o, {"error"});
    return e.isString() && e.toString() != QLatin1String("none") ? e.toString() : QString();
}

QByteArray HistoryModel::requestBody(const QJsonObject &o)
{
    QJsonValue v = pick(o, {"requestBody"});
    if (v.isUndefined() || v.isNull())
        v = o.value(QLatin1String("request")).toObject().value(QLatin1String("body"));
    if (v.isString())
        return v.toString().toUtf8();
    if (v.isObject())
        return QJsonDocument(v.toObject()).toJson(QJsonDocument::Indented);
    if (v.isArray())
        return QJsonDocument(v.toArray()).toJson(QJsonDocument::Indented);
    return {};
}

int HistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int HistoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HistoryModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_entries.size())
        return {};
    const QJsonObject &o = m_entries.at(index.row());
    if (role == JsonRole)
        return o;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case TimeColumn: {
            const qint64 ms = startedAtMs(o);
            return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("MM-dd HH:mm:ss")) : QString();
        }
        case EnvironmentColumn: return environment(o);
        case MethodColumn: return method(o);
        case PathColumn: return path(o);
        case StatusColumn: {
            const int s = status(o);
            if (s > 0)
                return s;
            const QString e = errorText(o);
            return e.isEmpty() ? QStringLiteral("—") : e;
        }
        case TotalColumn: {
            const double t = totalMs(o);
            return t >= 0 ? QLocale().toString(t, 'f', 0) : QString();
        }
        }
    } else if (role == Qt::ToolTipRole) {
        if (index.column() == TimeColumn)
            return QLocale().toString(QDateTime::fromMSecsSinceEpoch(startedAtMs(o)), QLocale::LongFormat);
        const QString e = errorText(o);
        return e.isEmpty() ? url(o) : url(o) + QLatin1Char('\n') + e;
    } else if (role == Qt::ForegroundRole && index.column() == StatusColumn) {
        const int s = status(o);
        if (s >= 200 && s < 300)
            return QBrush(QColor(0x2e, 0x7d, 0x32));
        if (s >= 400 && s < 500)
            return QBrush(QColor(0xe6, 0x51, 0x00));
        return QBrush(QColor(0xc6, 0x28, 0x28));
    } else if (role == Qt::TextAlignmentRole && (index.column() == TotalColumn || index.column() == StatusColumn)) {
        return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant HistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn: return tr("Time");
    case EnvironmentColumn: return tr("Environment");
    case MethodColumn: return tr("Method");
    case PathColumn: return tr("Path");
    case StatusColumn: return tr("Status");
    case TotalColumn: return tr("Total (ms)");
    }
    return {};
}

}  // namespace codex::models
