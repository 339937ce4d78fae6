#include "models/EvidenceModel.h"

#include <QColor>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QtConcurrent/QtConcurrentRun>

namespace codex::models {

using namespace codex::evidence;

namespace {
QString jsonText(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    const QByteArray a = QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(a.mid(1, a.size() - 2));  // the value without the array's brackets
}
}  // namespace

EvidenceModel::EvidenceModel(QObject *parent) : QAbstractTableModel(parent)
{
    connect(&m_future, &QFutureWatcher<Chunk>::finished, this, &EvidenceModel::onChunk);
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, &EvidenceModel::refresh);
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, &EvidenceModel::refresh);
}

void EvidenceModel::setPath(const QString &path)
{
    beginResetModel();
    m_path = path;
    m_rows.clear();
    m_problems.clear();
    m_offset = 0;
    m_nextLine = 1;
    endResetModel();
    rewatch();
    Q_EMIT problemsChanged();
    readMore();
}

EvidenceModel::Chunk EvidenceModel::readFrom(const QString &path, qint64 offset, qint64 firstLine)
{
    Chunk c;
    c.endOffset = offset;
    c.nextLine = firstLine;
    if (!QFileInfo::exists(path))
        return c;
    EvidenceReader::read(
        path,
        [&c](const EvidenceRecord &r) {
            Row row;
            row.tsText = r.ts;
            row.ts = QDateTime::fromString(r.ts, Qt::ISODate);
            row.action = r.action;
            row.actor = r.fields.value(QStringLiteral("actor")).toString();
            row.tombstone = r.fields.value(QStringLiteral("tombstone")).toString();
            QStringList parts;
            static const QSet<QString> shown = {QStringLiteral("action"), QStringLiteral("ts"), QStringLiteral("actor"),
                                                QStringLiteral("tombstone")};
            for (auto it = r.fields.begin(); it != r.fields.end(); ++it)
                if (!shown.contains(it.key()))
                    parts.append(QStringLiteral("%1=%2").arg(it.key(), jsonText(it.value())));
            row.detail = parts.join(QStringLiteral("  "));
            row.fields = r.fields;
            c.rows.append(row);
            return true;
        },
        [&c](const EvidenceProblem &p) { c.problems.append(tr("line %1: %2").arg(p.line).arg(p.message)); }, offset, firstLine,
        &c.endOffset, &c.nextLine, &c.error);
    return c;
}

void EvidenceModel::rewatch()
{
    // Watch the file, its folder, or the nearest folder that exists: a log that does not exist
    // yet (no restore so far) is picked up when the first writer creates it.
    if (!m_watcher.files().isEmpty())
        m_watcher.removePaths(m_watcher.files());
    if (!m_watcher.directories().isEmpty())
        m_watcher.removePaths(m_watcher.directories());
    if (m_path.isEmpty())
        return;
    if (QFileInfo::exists(m_path))
        m_watcher.addPath(m_path);
    QDir dir = QFileInfo(m_path).absoluteDir();
    while (!dir.exists() && dir.cdUp()) {
    }
    if (dir.exists())
        m_watcher.addPath(dir.absolutePath());
}

void EvidenceModel::refresh()
{
    rewatch();
    readMore();
}

void EvidenceModel::readMore()
{
    if (m_path.isEmpty())
        return;
    if (m_future.isRunning()) {
        m_reloadAfter = true;
        return;
    }
    // Truncated or replaced (rotation): start again from the top.
    if (QFileInfo(m_path).size() < m_offset) {
        beginResetModel();
        m_rows.clear();
        m_problems.clear();
        m_offset = 0;
        m_nextLine = 1;
        endResetModel();
    }
    m_future.setFuture(QtConcurrent::run(&EvidenceModel::readFrom, m_path, m_offset, m_nextLine));
}

void EvidenceModel::onChunk()
{
    const Chunk c = m_future.result();
    if (!c.rows.isEmpty()) {
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + c.rows.size() - 1));
        m_rows.append(c.rows);
        endInsertRows();
    }
    m_offset = c.endOffset;
    m_nextLine = c.nextLine;
    if (!c.problems.isEmpty() || !c.error.isEmpty()) {
        m_problems.append(c.problems);
        if (!c.error.isEmpty())
            m_problems.append(c.error);
        Q_EMIT problemsChanged();
    }
    Q_EMIT loaded();
    if (m_reloadAfter) {
        m_reloadAfter = false;
        readMore();
    }
}

QStringList EvidenceModel::actions() const
{
    QSet<QString> set;
    for (const Row &r : m_rows)
        set.insert(r.action);
    QStringList list(set.begin(), set.end());
    list.sort();
    return list;
}

int EvidenceModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int EvidenceModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EvidenceModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &r = m_rows[index.row()];
    switch (role) {
    case ActionRole: return r.action;
    case TombstoneRole: return r.tombstone;
    case TimeRole: return r.ts;
    case RecordJsonRole: return QString::fromUtf8(QJsonDocument(r.fields).toJson(QJsonDocument::Indented));
    case Qt::ToolTipRole: return QString::fromUtf8(QJsonDocument(r.fields).toJson(QJsonDocument::Indented));
    case Qt::ForegroundRole:
        if (index.column() == ActionColumn && r.action.endsWith(QLatin1String("_FAIL")))
            return QColor(0xc6, 0x28, 0x28);
        if (index.column() == TombstoneColumn && !r.tombstone.isEmpty())
            return QColor(0x1e, 0x63, 0xb8);
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn: return r.tsText;
        case ActionColumn: return r.action;
        case ActorColumn: return r.actor;
        case TombstoneColumn: return r.tombstone;
        case DetailColumn: return r.detail;
        default: return {};
        }
    default: return {};
    }
}

QVariant EvidenceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn: return tr("Time (UTC)");
    case ActionColumn: return tr("Action");
    case ActorColumn: return tr("Actor");
    case TombstoneColumn: return tr("Tombstone");
    case DetailColumn: return tr("Details");
    default: return {};
    }
}

void EvidenceFilterModel::setAction(const QString &action)
{
    m_action = action;
    invalidateFilter();
}

void EvidenceFilterModel::setActor(const QString &actor)
{
    m_actor = actor;
    invalidateFilter();
}

void EvidenceFilterModel::setTombstone(const QString &tombstone)
{
    m_tombstone = tombstone;
    invalidateFilter();
}

void EvidenceFilterModel::setTimeRange(const QDateTime &from, const QDateTime &to)
{
    m_from = from;
    m_to = to;
    invalidateFilter();
}

bool EvidenceFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex i = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_action.isEmpty() && i.data(EvidenceModel::ActionRole).toString() != m_action)
        return false;
    if (!m_tombstone.isEmpty() && !i.data(EvidenceModel::TombstoneRole).toString().contains(m_tombstone, Qt::CaseInsensitive))
        return false;
    if (!m_actor.isEmpty()
        && !sourceModel()->index(sourceRow, EvidenceModel::ActorColumn, sourceParent).data().toString().contains(m_actor, Qt::CaseInsensitive))
        return false;
    const QDateTime ts = i.data(EvidenceModel::TimeRole).toDateTime();
    if (m_from.isValid() && (!ts.isValid() || ts < m_from))
        return false;
    if (m_to.isValid() && (!ts.isValid() || ts >= m_to))
        return false;
    return true;
}

}  // namespace codex::models
