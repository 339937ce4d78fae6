#pragma once

#include "evidence/EvidenceReader.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QFileSystemWatcher>
#include <QFutureWatcher>
#include <QSortFilterProxyModel>

namespace codex::models {

/// The evidence log as a table, read on a worker thread and followed as it grows (appends are
/// read from where the last read stopped; truncation or rotation reloads it).
class EvidenceModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, ActionColumn, ActorColumn, TombstoneColumn, DetailColumn, ColumnCount };
    enum Role { ActionRole = Qt::UserRole + 1, TombstoneRole, TimeRole, RecordJsonRole };

    explicit EvidenceModel(QObject *parent = nullptr);
    void setPath(const QString &path);
    QString path() const { return m_path; }
    /// Malformed lines seen so far ("line 12: not JSON …").
    const QStringList &problems() const { return m_problems; }
    QStringList actions() const;
    /// Reads what was appended since the last read (the file watcher calls it too).
    void refresh();

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void loaded();
    void problemsChanged();

private:
    struct Row {
        QDateTime ts;
        QString tsText;
        QString action;
        QString actor;
        QString tombstone;
        QString detail;
        QJsonObject fields;
    };
    struct Chunk {
        QList<Row> rows;
        QStringList problems;
        qint64 endOffset = 0;
        qint64 nextLine = 1;
        QString error;
    };
    static Chunk readFrom(const QString &path, qint64 offset, qint64 firstLine);
    void readMore();
    void rewatch();
    void onChunk();

    QString m_path;
    QList<Row> m_rows;
    QStringList m_problems;
    qint64 m_offset = 0;
    qint64 m_nextLine = 1;
    bool m_reloadAfter = false;
    QFileSystemWatcher m_watcher;
    QFutureWatcher<Chunk> m_future;
};

/// Filters evidence by action, actor, tombstone and time.
class EvidenceFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setAction(const QString &action);
    void setActor(const QString &actor);
    void setTombstone(const QString &tombstone);
    void setTimeRange(const QDateTime &from, const QDateTime &to);  ///< invalid = open end

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_action, m_actor, m_tombstone;
    QDateTime m_from, m_to;
};

}  // namespace codex::models
