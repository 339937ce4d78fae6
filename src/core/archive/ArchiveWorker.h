#pragma once

#include "archive/ArchiveStore.h"
#include "archive/RestoreService.h"

#include <QObject>
#include <QThread>

#include <atomic>
#include <memory>

namespace codex::archive {

/// The archive connection of a view, living on its own thread: counts, pages, details and
/// restores run there and come back as signals, so the GUI thread never waits on SQL.
/// Every request carries a generation number; answers for an older generation are stale.
class ArchiveWorker : public QObject {
    Q_OBJECT
public:
    /// Starts the thread; the connection is opened there by open().
    ArchiveWorker();
    ~ArchiveWorker() override;

    /// Thread-safe request API (queued into the worker thread).
    void open(const ArchiveLocation &location, bool create);
    void count(quint64 generation, const ItemFilter &filter);
    void page(quint64 generation, const ItemFilter &filter, const SortOrder &order, qint64 offset, int limit);
    void detail(const QString &tombstone);
    void distinct(const QString &column);
    /// The first `maxBytes` of a text item's content, decompressed, for the detail pane.
    void preview(const QString &tombstone, int maxBytes);
    /// Restores in order; cancel() stops between items (and inside a large write).
    void restore(const QList<RestoreRequest> &requests, const QString &evidencePath);
    void cancel() { m_cancel = true; }

Q_SIGNALS:
    void opened(bool ok, const QString &message, const QStringList &missingTables);
    void counted(quint64 generation, qint64 total, const QString &error);
    void paged(quint64 generation, qint64 offset, const QList<codex::archive::ItemRow> &rows, const QString &error);
    void detailReady(const QString &tombstone, const std::optional<codex::archive::ItemDetail> &detail, const QString &error);
    void distinctReady(const QString &column, const QStringList &values);
    void previewReady(const QString &tombstone, const QString &text, bool truncated, const QString &error);
    void restoreProgress(int index, int total, const codex::archive::RestoreResult &result);
    void restoreFinished(int succeeded, int failed, bool cancelled);

private:
    QThread m_thread;
    QObject *m_context = nullptr;  ///< lives in m_thread; queued calls run through it
    std::unique_ptr<ArchiveStore> m_store;  ///< touched only on m_thread
    std::atomic_bool m_cancel{false};
};

}  // namespace codex::archive

Q_DECLARE_METATYPE(codex::archive::ItemRow)
Q_DECLARE_METATYPE(codex::archive::RestoreResult)
