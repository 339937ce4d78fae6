#pragma once

#include "archive/ArchiveWorker.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QSet>

namespace codex::models {

/// The tombstone list, loaded lazily in pages by an ArchiveWorker thread: only the rows the
/// view shows (and a bounded cache around them) are ever in memory, so a million-item archive
/// scrolls, sorts and filters without loading it.
class TombstoneModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TombstoneColumn, RepoColumn, PathColumn, ReasonColumn, KindColumn, LanguageColumn, ActorColumn,
                  ArchivedAtColumn, SizeColumn, RestoredColumn, ColumnCount };
    enum Role { TombstoneRole = Qt::UserRole + 1, LegalHoldRole, RestoredRole, LoadedRole };
    static constexpr int kPageSize = 200;
    static constexpr int kMaxPages = 64;

    explicit TombstoneModel(archive::ArchiveWorker *worker, QObject *parent = nullptr);

    void setFilter(const archive::ItemFilter &filter);
    const archive::ItemFilter &filter() const { return m_filter; }
    /// Reloads count and pages (after a restore changed rows, or on reconnect).
    void reload();
    qint64 total() const { return m_total; }
    bool isLoading() const { return m_countPending || !m_pending.isEmpty(); }
    /// The row if its page is loaded.
    std::optional<archive::ItemRow> rowAt(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

Q_SIGNALS:
    void totalChanged(qint64 total);
    void loadingChanged(bool loading);
    void errorOccurred(const QString &message);

private:
    void onCounted(quint64 generation, qint64 total, const QString &error);
    void onPaged(quint64 generation, qint64 offset, const QList<archive::ItemRow> &rows, const QString &error);
    void requestPage(qint64 page) const;

    archive::ArchiveWorker *m_worker;
    archive::ItemFilter m_filter;
    archive::SortOrder m_order;
    quint64 m_generation = 0;
    qint64 m_total = 0;
    bool m_countPending = false;
    mutable QHash<qint64, QList<archive::ItemRow>> m_pages;
    mutable QList<qint64> m_lru;  ///< most recently used page last
    mutable QSet<qint64> m_pending;
};

}  // namespace codex::models
