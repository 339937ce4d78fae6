#pragma once

#include "batch/BatchRunner.h"
#include "batch/BatchTypes.h"
#include "batch/BatchValidator.h"
#include "batch/Manifest.h"

#include <QAbstractTableModel>
#include <QList>
#include <QPointer>
#include <QSortFilterProxyModel>

namespace codex::models {

/// The entries of a batch manifest with their live state (status, attempts, duration, error).
///
/// Built for 10,000-row runs: the runner's coalesced progressed(progress, changed) signal
/// refreshes only the changed rows (read with one states() copy per signal when many changed,
/// else state(i) each), and the view learns about them through a few dataChanged() ranges
/// (neighbouring rows merged), never through a model reset.
class BatchItemModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { IndexColumn, TombstoneColumn, OutputColumn, ActorColumn, StatusColumn, AttemptsColumn, DurationColumn,
                  ErrorColumn, ColumnCount };
    enum Role {
        StatusRole = Qt::UserRole + 1,  ///< int(batch::ItemStatus)
        EntryIndexRole,                 ///< the entry's 0-based index in the manifest
        SortRole,                       ///< numbers for #, attempts and duration
    };

    explicit BatchItemModel(QObject *parent = nullptr);

    /// Shows a manifest's entries, all Pending (a model reset: only when a manifest is opened).
    void setManifest(const batch::Manifest &manifest, const QString &defaultActor = QString());
    void clear();
    /// Entries without their own actor show this one (greyed).
    void setDefaultActor(const QString &actor);
    /// Marks entries a validation refused as Blocked (with the reasons) and the others Pending,
    /// before a run. Ignored while a runner is attached and running.
    void setValidation(const batch::ValidationReport &report);
    /// Follows a runner: every progressed() signal refreshes the changed rows. The runner's
    /// manifest must be the one shown. nullptr detaches.
    void attach(batch::BatchRunner *runner);
    batch::BatchRunner *runner() const { return m_runner; }
    /// Re-reads every state from the runner (one states() copy, one dataChanged()).
    void refreshAll();

    const batch::Manifest &manifest() const { return m_manifest; }
    const batch::ItemState &stateAt(int row) const { return m_states.at(row); }
    const batch::ManifestEntry &entryAt(int row) const { return m_manifest.entries.at(row); }
    /// How many dataChanged() signals the model has sent (tests check it stays small).
    quint64 dataChangedSignals() const { return m_signals; }

    static bool isFailure(batch::ItemStatus status);  ///< Failed, Blocked, Cancelled
    static QString statusText(batch::ItemStatus status);
    static QColor statusColor(batch::ItemStatus status);
    static QString durationText(qint64 ms);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void onProgressed(const QList<int> &changed);
    /// Emits dataChanged for the given (unsorted, possibly repeated) rows as merged ranges.
    void emitRanges(QList<int> rows);

    batch::Manifest m_manifest;
    QList<batch::ItemState> m_states;
    QString m_defaultActor;
    QPointer<batch::BatchRunner> m_runner;
    QMetaObject::Connection m_connection;
    quint64 m_signals = 0;
};

/// The per-item table's filter: all entries or only failures (Failed, Blocked, Cancelled), and a
/// case-insensitive text matched against tombstone, output, actor and error.
class BatchFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit BatchFilterModel(QObject *parent = nullptr);
    void setFailuresOnly(bool on);
    bool failuresOnly() const { return m_failuresOnly; }
    void setText(const QString &text);
    QString text() const { return m_text; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool m_failuresOnly = false;
    QString m_text;
};

}  // namespace codex::models
