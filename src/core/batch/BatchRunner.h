#pragma once

#include "archive/ArchiveLocation.h"
#include "batch/BatchTypes.h"
#include "batch/BatchValidator.h"
#include "batch/Manifest.h"

#include <QList>
#include <QObject>
#include <QString>

#include <memory>

namespace codex::batch {

/// Runs a manifest with a real worker pool: `concurrency` threads, each with its own archive
/// connection (ArchiveStore per thread; SQLite writes from our threads are serialised, other
/// programs are waited for by the busy timeout). Per item: RestoreService (temp file + link, sha256
/// verified, restored_at + event row, RESTORE / RESTORE_FAIL evidence), retried with the backoff
/// of RetryPolicy for transient errors only, stopped after timeoutPerItemS.
///
/// Lives on the thread that created it (the GUI thread or the CLI's main thread) and never blocks
/// it: start() validates and runs on worker threads; progress comes as coalesced signals (at most
/// every `progressIntervalMs`), item states are read with states()/state() (thread-safe copies).
///
/// Resume: every finished item is appended to the journal. resume() re-reads a journal, checks the
/// manifest is the same (sha256), removes stale ".codex-restore-*" temporary files next to the
/// outputs, skips items whose output exists with the recorded sha256 (status Skipped), adopts an
/// output that exists with the archived content's sha256 even if the journal missed it (killed
/// between link and journal write), and runs the rest. Nothing is restored twice into one output.
class BatchRunner : public QObject {
    Q_OBJECT
public:
    BatchRunner(archive::ArchiveLocation location, Manifest manifest, BatchOptions options, QObject *parent = nullptr);
    ~BatchRunner() override;  ///< cancels and waits for the workers

    const Manifest &manifest() const;
    const BatchOptions &options() const;
    void setProgressInterval(int ms);  ///< default 100

    /// Validates (on a worker thread; validated() is emitted) and, unless validation blocks every
    /// entry, runs. Blocked entries are never attempted (status Blocked); without
    /// continueOnError any blocking issue stops the run before it starts (finished() with error).
    void start();
    /// Only validation; emits validated().
    void validateOnly();
    /// Continues a run from its journal (see above). Emits validated() and then runs.
    void resume(const QString &journalPath);
    /// Runs the Failed items of the finished run again (new attempts; same journal and a new results file).
    void retryFailed();

    void pause();   ///< running items finish, no new ones start
    void unpause();
    void cancel();  ///< running items are stopped (nothing half-written), the rest become Cancelled

    bool isRunning() const;
    bool isPaused() const;
    BatchProgress progress() const;
    QList<ItemState> states() const;
    ItemState state(int index) const;
    std::optional<ValidationReport> validation() const;
    QString journalPath() const;

Q_SIGNALS:
    void validated(const codex::batch::ValidationReport &report);
    /// Coalesced: `changed` lists the indexes whose state changed since the last signal.
    void progressed(const codex::batch::BatchProgress &progress, const QList<int> &changed);
    void finished(const codex::batch::BatchSummary &summary);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::batch

Q_DECLARE_METATYPE(codex::batch::ValidationReport)
