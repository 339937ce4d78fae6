#include "models/TombstoneModel.h"

#include <QColor>
#include <QFont>
#include <QLocale>

namespace codex::models {

using namespace codex::archive;

TombstoneModel::TombstoneModel(ArchiveWorker *worker, QObject *parent) : QAbstractTableModel(parent), m_worker(worker)
{
    connect(m_worker, &ArchiveWorker::counted, this, &TombstoneModel::onCounted);
    connect(m_worker, &ArchiveWorker::paged, this, &TombstoneModel::onPaged);
}

void TombstoneModel::setFilter(const ItemFilter &filter)
{
    m_filter = filter;
    reload();
}

void TombstoneModel::reload()
{
    beginResetModel();
    ++m_generation;
    m_total = 0;
    m_pages.clear();
    m_lru.clear();
    m_pending.clear();
    m_countPending = true;
    endResetModel();
    Q_EMIT totalChanged(0);
    Q_EMIT loadingChanged(true);
    m_worker->count(m_generation, m_filter);
    requestPage(0);  // the first screen arrives with the count, not after it
}

void TombstoneModel::sort(int column, Qt::SortOrder order)
{
    static const SortColumn map[ColumnCount] = {SortColumn::Tombstone, SortColumn::Repo,     SortColumn::Path,
                                                SortColumn::Reason,    SortColumn::Kind,     SortColumn::Language,
                                                SortColumn::Actor,     SortColumn::ArchivedAt, SortColumn::Size,
                                                SortColumn::RestoredAt};
    if (column < 0 || column >= ColumnCount)
        return;
    const SortOrder next{map[column], order == Qt::DescendingOrder};
    if (next.column == m_order.column && next.descending == m_order.descending && m_generation > 0)
        return;
    m_order = next;
    if (m_generation > 0)
        reload();
}

void TombstoneModel::requestPage(qint64 page) const
{
    if (m_pending.contains(page) || m_pages.contains(page))
        return;
    m_pending.insert(page);
    m_worker->page(m_generation, m_filter, m_order, page * kPageSize, kPageSize);
}

void TombstoneModel::onCounted(quint64 generation, qint64 total, const QString &error)
{
    if (generation != m_generation)
        return;  // an answer for a filter that is no longer shown
    m_countPending = false;
    if (!error.isEmpty())
        Q_EMIT errorOccurred(error);
    if (total > 0) {
        beginInsertRows({}, 0, int(std::min<qint64>(total, INT_MAX) - 1));
        m_total = total;
        endInsertRows();
    }
    Q_EMIT totalChanged(m_total);
    Q_EMIT loadingChanged(isLoading());
}

void TombstoneModel::onPaged(quint64 generation, qint64 offset, const QList<ItemRow> &rows, const QString &error)
{
    if (generation != m_generation)
        return;
    const qint64 page = offset / kPageSize;
    m_pending.remove(page);
    if (!error.isEmpty()) {
        Q_EMIT errorOccurred(error);
        Q_EMIT loadingChanged(isLoading());
        return;
    }
    m_pages.insert(page, rows);
    m_lru.removeAll(page);
    m_lru.append(page);
    while (m_lru.size() > kMaxPages)  // bounded memory whatever the scrolling
        m_pages.remove(m_lru.takeFirst());
    if (m_total > 0 && !rows.isEmpty()) {
        const int first = int(offset);
        const int last = int(std::min<qint64>(offset + rows.size(), m_total) - 1);
        if (first <= last)
            Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1));
    }
    Q_EMIT loadingChanged(isLoading());
}

std::optional<ItemRow> TombstoneModel::rowAt(int row) const
{
    const auto it = m_pages.constFind(row / kPageSize);
    if (it == m_pages.cend() || row % kPageSize >= it->size())
        return std::nullopt;
    return (*it)[row % kPageSize];
}

int TombstoneModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(std::min<qint64>(m_total, INT_MAX));
}

int TombstoneModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TombstoneModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const qint64 page = index.row() / kPageSize;
    const auto it = m_pages.constFind(page);
    if (it == m_pages.cend() || index.row() % kPageSize >= it->size()) {
        requestPage(page);
        if (role == Qt::DisplayRole && index.column() == TombstoneColumn)
            return tr("loading…");
        if (role == LoadedRole)
            return false;
        if (role == Qt::ForegroundRole)
            return QColor(0x9e, 0x9e, 0x9e);
        return {};
    }
    if (m_lru.isEmpty() || m_lru.last() != page) {
        m_lru.removeAll(page);
        m_lru.append(page);
    }
    const ItemRow &r = (*it)[index.row() % kPageSize];
    switch (role) {
    case TombstoneRole: return r.tombstoneId;
    case LegalHoldRole: return r.legalHold;
    case RestoredRole: return !r.restoredAt.isEmpty();
    case LoadedRole: return true;
    case Qt::ToolTipRole:
        if (r.legalHold)
            return tr("Legal hold: this item must not be purged");
        return {};
    case Qt::FontRole:
        if (index.column() == TombstoneColumn) {
            QFont f(QStringLiteral("monospace"));
            f.setStyleHint(QFont::TypeWriter);
            return f;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == SizeColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case TombstoneColumn: return r.legalHold ? QStringLiteral("⚖ ") + r.tombstoneId : r.tombstoneId;
        case RepoColumn: return r.repo;
        case PathColumn: return r.path;
        case ReasonColumn: return r.reason;
        case KindColumn: return r.kind;
        case LanguageColumn: return r.language;
        case ActorColumn: return r.archivedBy;
        case ArchivedAtColumn: return r.archivedAt;
        case SizeColumn: return QLocale().formattedDataSize(r.sizeBytes);
        case RestoredColumn: return r.restoredAt;
        default: return {};
        }
    default: return {};
    }
}

QVariant TombstoneModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TombstoneColumn: return tr("Tombstone");
    case RepoColumn: return tr("Repository");
    case PathColumn: return tr("Path");
    case ReasonColumn: return tr("Reason");
    case KindColumn: return tr("Kind");
    case LanguageColumn: return tr("Language");
    case ActorColumn: return tr("Archived by");
    case ArchivedAtColumn: return tr("Archived at");
    case SizeColumn: return tr("Size");
    case RestoredColumn: return tr("Restored at");
    default: return {};
    }
}

}  // namespace codex::models
