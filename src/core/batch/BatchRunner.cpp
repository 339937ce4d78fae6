#include "batch/BatchRunner.h"

#include "archive/ArchiveStore.h"
#include "archive/RestoreService.h"
#include "batch/BatchJournal.h"
#include "batch/BatchResults.h"
#include "common/Log.h"
#include "common/Sha256.h"
#include "evidence/EvidenceLog.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QMutexLocker>
#include <QSet>
#include <QTimer>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <random>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace codex::batch {

namespace {

using archive::ArchiveError;
using Clock = std::chrono::steady_clock;

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

int statusSlot(ItemStatus s)
{
    return int(s);
}

QString where(const ManifestEntry &e)
{
    if (e.line > 0)
        return QStringLiteral("entry %1 (line %2)").arg(e.index + 1).arg(e.line);
    return QStringLiteral("entry %1").arg(e.index + 1);
}

/// sha256 of a file, empty when it cannot be read.
QString fileSha256(const QString &path, qint64 *size = nullptr)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    Sha256 hash;
    thread_local QByteArray buffer(256 * 1024, Qt::Uninitialized);  // resume hashes thousands of files
    qint64 total = 0;
    for (;;) {
        const qint64 n = f.read(buffer.data(), buffer.size());
        if (n < 0)
            return {};
        if (n == 0)
            break;
        hash.add(buffer.constData(), n);
        total += n;
    }
    if (size)
        *size = total;
    return hash.hex();
}

QString journalPathFor(const QString &resultsPath)
{
    QString base = resultsPath;
    if (base.endsWith(QLatin1String(".json"), Qt::CaseInsensitive))
        base.chop(5);
    QString candidate = base + QStringLiteral(".journal");
    for (int n = 2; QFileInfo::exists(candidate); ++n)
        candidate = QStringLiteral("%1_%2.journal").arg(base).arg(n);
    return candidate;
}

struct Slot {
    std::atomic<int> index{-1};
    std::atomic<qint64> attemptStartMs{-1};
    std::atomic_bool cancel{false};
    std::atomic_bool timedOut{false};
};

enum class Mode { Start, ValidateOnly, Resume, RetryFailed };

}  // namespace

struct BatchRunner::Private {
    BatchRunner *q = nullptr;
    archive::ArchiveLocation location;
    Manifest manifest;
    BatchOptions options;
    int progressIntervalMs = 100;
    QTimer *timer = nullptr;

    // ---- shared state (mutex) -----------------------------------------------------------------
    mutable QMutex mutex;
    QList<ItemState> states;
    std::vector<char> changedFlag;
    QList<int> changed;
    int counts[8] = {};
    qint64 bytesDone = 0;
    std::optional<ValidationReport> validation;
    QString journalPath;
    QString resultsPath;
    QString stopError;
    qint64 finalElapsedMs = -1;
    double itemsPerSecond = 0;
    double bytesPerSecond = 0;
    struct Sample {
        qint64 ms;
        int done;
        qint64 bytes;
    };
    std::deque<Sample> samples;

    // ---- run control ------------------------------------------------------------------------------
    std::atomic_bool running{false};
    std::atomic_bool paused{false};
    std::atomic_bool cancelRequested{false};
    std::atomic_bool stopRequested{false};
    std::atomic<qint64> runStartNs{0};
    std::atomic<int> activeWorkers{0};
    std::mutex waitMutex;
    std::condition_variable waitCv;
    std::thread control;
    std::vector<std::unique_ptr<Slot>> workerSlots;
    QList<int> queue;
    std::atomic<int> next{0};
    BatchJournal journal;
    std::mutex rngMutex;
    std::mt19937_64 rng;
    QString manifestSha;

    qint64 runMs() const { return (nowNs() - runStartNs.load()) / 1000000; }

    void wakeAll()
    {
        {
            std::lock_guard lock(waitMutex);
        }
        waitCv.notify_all();
    }

    // ---- item state -----------------------------------------------------------------------------

    void markChanged(int i)
    {
        if (!changedFlag[size_t(i)]) {
            changedFlag[size_t(i)] = 1;
            changed.append(i);
        }
    }

    template <typename F>
    void update(int i, F &&f)
    {
        QMutexLocker lock(&mutex);
        ItemState &s = states[i];
        const ItemStatus before = s.status;
        const qint64 bytesBefore = before == ItemStatus::Succeeded ? s.bytes : 0;
        f(s);
        --counts[statusSlot(before)];
        ++counts[statusSlot(s.status)];
        bytesDone += (s.status == ItemStatus::Succeeded ? s.bytes : 0) - bytesBefore;
        markChanged(i);
    }

    void resetStates()
    {
        QMutexLocker lock(&mutex);
        states = QList<ItemState>(manifest.entries.size());
        changedFlag.assign(size_t(manifest.entries.size()), 0);
        changed.clear();
        std::fill(std::begin(counts), std::end(counts), 0);
        counts[statusSlot(ItemStatus::Pending)] = int(states.size());
        bytesDone = 0;
        samples.clear();
        itemsPerSecond = bytesPerSecond = 0;
        finalElapsedMs = -1;
        stopError.clear();
    }

    BatchProgress progressLocked() const
    {
        BatchProgress p;
        p.total = int(states.size());
        p.succeeded = counts[statusSlot(ItemStatus::Succeeded)];
        p.failed = counts[statusSlot(ItemStatus::Failed)] + counts[statusSlot(ItemStatus::Blocked)];
        p.skipped = counts[statusSlot(ItemStatus::Skipped)];
        p.cancelled = counts[statusSlot(ItemStatus::Cancelled)];
        p.running = counts[statusSlot(ItemStatus::Running)] + counts[statusSlot(ItemStatus::Waiting)];
        p.done = p.succeeded + p.failed + p.skipped + p.cancelled;
        p.bytes = bytesDone;
        p.elapsedMs = finalElapsedMs >= 0 ? finalElapsedMs : (runStartNs.load() ? runMs() : 0);
        p.itemsPerSecond = itemsPerSecond;
        p.bytesPerSecond = bytesPerSecond;
        const int remaining = p.total - p.done;
        p.etaMs = remaining == 0 ? 0 : (itemsPerSecond > 0 ? qint64(remaining / itemsPerSecond * 1000.0) : -1);
        p.paused = paused.load();
        return p;
    }

    /// Runner thread: coalesced progress.
    void tick(bool final)
    {
        QList<int> list;
        BatchProgress p;
        {
            QMutexLocker lock(&mutex);
            const qint64 now = finalElapsedMs >= 0 ? finalElapsedMs : runMs();
            const int done = counts[statusSlot(ItemStatus::Succeeded)] + counts[statusSlot(ItemStatus::Failed)]
                             + counts[statusSlot(ItemStatus::Blocked)] + counts[statusSlot(ItemStatus::Skipped)]
                             + counts[statusSlot(ItemStatus::Cancelled)];
            samples.push_back({now, done, bytesDone});
            while (samples.size() > 2 && now - samples[1].ms >= 3000)
                samples.pop_front();
            const Sample &first = samples.front();
            if (now - first.ms >= 200) {
                itemsPerSecond = double(done - first.done) * 1000.0 / double(now - first.ms);
                bytesPerSecond = double(bytesDone - first.bytes) * 1000.0 / double(now - first.ms);
            }
            if (final && now > 0 && samples.size() <= 2) {
                itemsPerSecond = double(done) * 1000.0 / double(now);
                bytesPerSecond = double(bytesDone) * 1000.0 / double(now);
            }
            list.swap(changed);
            for (int i : std::as_const(list))
                changedFlag[size_t(i)] = 0;
            p = progressLocked();
        }
        Q_EMIT q->progressed(p, list);
    }

    // ---- control thread -----------------------------------------------------------------------

    void post(std::function<void()> f)
    {
        QMetaObject::invokeMethod(q, std::move(f), Qt::QueuedConnection);
    }

    QString computeManifestSha()
    {
        if (!manifest.path.isEmpty()) {
            const QString sha = fileSha256(manifest.path);
            if (!sha.isEmpty())
                return sha;
        }
        return Sha256::hex(manifest.serialize(Manifest::Format::Json));
    }

    QString restoreRoot() const
    {
        const QString base = manifest.baseDir.isEmpty() ? QDir::currentPath() : manifest.baseDir;
        return QDir::cleanPath(QDir(base).absoluteFilePath(options.restoreRoot.isEmpty() ? base : options.restoreRoot));
    }

    QString actorOf(const ManifestEntry &e) const { return e.actor.isEmpty() ? options.actor.trimmed() : e.actor; }

    /// Ends a run that never started its workers.
    void finishEarly(const QString &error, bool cancelled, const QList<int> &notRun)
    {
        for (int i : notRun)
            update(i, [&](ItemState &s) {
                if (s.status == ItemStatus::Pending) {
                    s.status = ItemStatus::Cancelled;
                    s.error = cancelled ? QStringLiteral("Not run: the batch was cancelled")
                                        : QStringLiteral("Not run: %1").arg(error);
                }
            });
        BatchSummary summary;
        summary.error = error;
        summary.cancelled = cancelled;
        {
            QMutexLocker lock(&mutex);
            finalElapsedMs = runMs();
            summary.journalPath = journalPath;
        }
        post([this, summary]() mutable { finishOnRunnerThread(summary); });
    }

    void finishOnRunnerThread(BatchSummary summary)
    {
        timer->stop();
        running = false;
        if (control.joinable())
            control.join();  // it has posted this as its last act
        tick(true);
        summary.progress = q->progress();
        Q_EMIT q->finished(summary);
    }

    void controlMain(Mode mode, QString resumeJournal)
    {
        runStartNs = nowNs();
        const QDateTime startedLocal = QDateTime::currentDateTime();
        if (manifestSha.isEmpty())
            manifestSha = computeManifestSha();  // here, not on the caller's thread: it reads the file
        ArchiveError err;
        archive::ArchiveLocation loc = location;
        loc.sqliteSyncEachCommit = false;
        std::unique_ptr<archive::ArchiveStore> store = archive::ArchiveStore::open(loc, archive::ArchiveStore::OpenMode::ExistingOnly, &err);

        QList<int> todo;
        if (mode == Mode::RetryFailed) {
            QMutexLocker lock(&mutex);
            for (int i = 0; i < states.size(); ++i)
                if (states[i].status == ItemStatus::Pending)
                    todo << i;
        } else {
            todo.reserve(manifest.entries.size());
            for (int i = 0; i < manifest.entries.size(); ++i)
                todo << i;
        }
        if (!store) {
            const QString message = QStringLiteral("Cannot open the archive: %1").arg(err.message);
            if (mode == Mode::ValidateOnly) {
                ValidationReport report;
                report.total = int(manifest.entries.size());
                report.error = message;
                post([this, report] { validatedOnRunnerThread(report, true); });
                return;
            }
            finishEarly(message, false, todo);
            return;
        }

        QList<BatchJournal::Record> adopted;
        if (mode == Mode::Resume) {
            QString error;
            if (!prepareResume(resumeJournal, *store, todo, adopted, &error)) {
                store.reset();
                finishEarly(error, false, todo);
                return;
            }
        }

        const bool all = todo.size() == manifest.entries.size();
        ValidationReport report = all ? BatchValidator::validate(manifest, options, *store, &cancelRequested)
                                      : BatchValidator::validateIndexes(manifest, options, *store, todo, &cancelRequested);
        store.reset();
        {
            QMutexLocker lock(&mutex);
            validation = report;
        }
        if (mode == Mode::ValidateOnly) {
            post([this, report] { validatedOnRunnerThread(report, true); });
            return;
        }
        post([this, report] { validatedOnRunnerThread(report, false); });

        if (cancelRequested) {
            finishEarly(QStringLiteral("Cancelled before any item ran"), true, todo);
            return;
        }
        if (!report.error.isEmpty()) {
            finishEarly(report.error, false, todo);
            return;
        }
        // Blocked entries never run; the first blocking issue of each says why.
        QHash<int, QString> blockedWhy;
        for (const ValidationIssue &issue : report.issues)
            if (issue.blocking && issue.index >= 0 && !blockedWhy.contains(issue.index))
                blockedWhy.insert(issue.index, issue.message);
        for (auto it = blockedWhy.cbegin(); it != blockedWhy.cend(); ++it)
            update(it.key(), [&](ItemState &s) {
                s.status = ItemStatus::Blocked;
                s.error = it.value();
                s.attempts = 0;
            });
        QList<int> runnable;
        runnable.reserve(todo.size());
        for (int i : std::as_const(todo))
            if (!blockedWhy.contains(i))
                runnable << i;
        if (!blockedWhy.isEmpty() && !options.continueOnError) {
            finishEarly(QStringLiteral("Validation found %1 blocking problem(s) in %2 entr%3; nothing was restored "
                                       "(fix the manifest, or continue on error to restore the other entries)")
                            .arg(report.blockingCount())
                            .arg(blockedWhy.size())
                            .arg(blockedWhy.size() == 1 ? QStringLiteral("y") : QStringLiteral("ies")),
                        false, runnable);
            return;
        }

        // Results file and journal: same stamp, chosen before anything runs.
        QString results = BatchResults::choosePath(options, manifest, startedLocal);
        QString error;
        if (mode == Mode::Start) {
            const QString jpath = options.journalPath.isEmpty() ? journalPathFor(results) : options.journalPath;
            BatchJournal::Header header;
            header.manifestPath = manifest.path;
            header.manifestSha256 = manifestSha;
            header.actor = options.actor;
            header.restoreRoot = restoreRoot();
            header.started = startedLocal.toUTC().toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss'Z'"));
            header.resultsPath = results;
            if (!journal.create(jpath, header, &error)) {
                finishEarly(error + QStringLiteral("; nothing was restored"), false, runnable);
                return;
            }
            QMutexLocker lock(&mutex);
            journalPath = jpath;
        } else {
            QString jpath;
            {
                QMutexLocker lock(&mutex);
                jpath = journalPath;
            }
            if (!journal.openForAppend(jpath, &error)) {
                finishEarly(error + QStringLiteral("; nothing was restored"), false, runnable);
                return;
            }
        }
        for (const BatchJournal::Record &r : std::as_const(adopted))
            journal.append(r, nullptr);
        {
            QMutexLocker lock(&mutex);
            resultsPath = results;
        }

        // The pool.
        queue = runnable;
        next = 0;
        const int workers = std::max(1, std::min<int>(std::max(1, options.concurrency), int(runnable.size())));
        workerSlots.clear();
        for (int w = 0; w < workers; ++w)
            workerSlots.push_back(std::make_unique<Slot>());
        std::vector<std::thread> threads;
        if (!runnable.isEmpty()) {
            {
                std::lock_guard lock(recMutex);
                workersDone = false;
                recQueue.clear();
            }
            std::thread recorder([this] { recorderMain(); });
            activeWorkers = workers;
            for (int w = 0; w < workers; ++w)
                threads.emplace_back([this, w] { workerMain(w); });
            watchdog();
            for (std::thread &t : threads)
                t.join();
            {
                std::lock_guard lock(recMutex);
                workersDone = true;
            }
            recCv.notify_one();
            recorder.join();
        }
        finishRun(results, runnable);
    }

    void watchdog()
    {
        const qint64 limitMs = qint64(std::max(1, options.timeoutPerItemS)) * 1000;
        std::unique_lock lock(waitMutex);
        while (activeWorkers.load() > 0) {
            waitCv.wait_for(lock, std::chrono::milliseconds(50));
            const qint64 now = runMs();
            for (const auto &slot : workerSlots) {
                const qint64 start = slot->attemptStartMs.load();
                if (slot->index.load() >= 0 && start >= 0 && now - start > limitMs && !slot->timedOut.load()) {
                    slot->timedOut = true;
                    slot->cancel = true;
                }
            }
        }
    }

    void finishRun(const QString &plannedResults, const QList<int> &runnable)
    {
        const bool cancelled = cancelRequested.load();
        const bool stopped = stopRequested.load();
        for (int i : runnable)
            update(i, [&](ItemState &s) {
                if (s.status == ItemStatus::Pending || s.status == ItemStatus::Running || s.status == ItemStatus::Waiting) {
                    s.status = ItemStatus::Cancelled;
                    s.error = cancelled ? QStringLiteral("Not run: the batch was cancelled")
                                        : QStringLiteral("Not run: the batch stopped at the first failure");
                }
            });

        // One flush of the file systems the outputs are on, instead of one fsync per file.
        if (!options.syncEachFile) {
            QSet<QString> folders;
            folders.insert(restoreRoot());
            {
                QMutexLocker lock(&mutex);
                for (const ItemState &s : std::as_const(states))
                    if (s.status == ItemStatus::Succeeded && !s.output.isEmpty())
                        folders.insert(QFileInfo(s.output).absolutePath());
            }
            std::set<dev_t> synced;
            for (const QString &folder : std::as_const(folders)) {
                struct stat st {};
                const QByteArray native = QFile::encodeName(folder);
                if (::stat(native.constData(), &st) != 0 || synced.count(st.st_dev))
                    continue;
                const int fd = ::open(native.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                    continue;
                ::syncfs(fd);
                ::close(fd);
                synced.insert(st.st_dev);
            }
        }

        const qint64 durationMs = runMs();
        QList<ItemState> snapshot;
        BatchProgress progress;
        {
            QMutexLocker lock(&mutex);
            finalElapsedMs = durationMs;
            snapshot = states;
            progress = progressLocked();
        }
        BatchSummary summary;
        summary.cancelled = cancelled;
        QStringList problems;
        if (cancelled)
            problems << QStringLiteral("Cancelled: %1 item(s) were not restored").arg(progress.cancelled);
        else if (stopped) {
            QMutexLocker lock(&mutex);
            problems << stopError;
        }
        QString results = plannedResults;
        if (QFileInfo::exists(results))
            results = BatchResults::choosePath(options, manifest, QDateTime::currentDateTime());
        QString error;
        if (BatchResults::write(results, BatchResults::serialize(manifest, options, snapshot, durationMs), &error))
            summary.resultsPath = results;
        else
            problems << error;
        if (!options.evidencePath.isEmpty()
            && !BatchResults::appendEvidence(options.evidencePath, options.actor, manifest.path, progress, durationMs,
                                             summary.resultsPath, &error))
            problems << QStringLiteral("the BATCH_RESTORE evidence could not be written: %1").arg(error);
        const int succeeded = progress.succeeded + progress.skipped;
        if (!journal.finish(succeeded, progress.total - succeeded, &error))
            problems << error;
        {
            QMutexLocker lock(&mutex);
            summary.journalPath = journalPath;
            resultsPath = summary.resultsPath;
        }
        summary.error = problems.join(QStringLiteral("; "));
        codex::log::info(QStringLiteral("batch restore finished: %1 succeeded, %2 skipped, %3 failed, %4 cancelled in %5 ms")
                             .arg(progress.succeeded)
                             .arg(progress.skipped)
                             .arg(progress.failed)
                             .arg(progress.cancelled)
                             .arg(durationMs));
        post([this, summary]() mutable { finishOnRunnerThread(summary); });
    }

    void validatedOnRunnerThread(const ValidationReport &report, bool only)
    {
        if (only) {
            timer->stop();
            running = false;
            if (control.joinable())
                control.join();
        }
        Q_EMIT q->validated(report);
    }

    // ---- resume ---------------------------------------------------------------------------------

    bool prepareResume(const QString &path, archive::ArchiveStore &store, QList<int> &todo,
                       QList<BatchJournal::Record> &adopted, QString *error)
    {
        QString readError;
        const auto contents = BatchJournal::read(path, &readError);
        if (!contents) {
            *error = readError;
            return false;
        }
        if (contents->header.manifestSha256.compare(manifestSha, Qt::CaseInsensitive) != 0) {
            *error = QStringLiteral("The journal %1 belongs to another manifest (or the manifest changed since): its "
                                    "sha256 is %2, the manifest's is %3; resume needs the same manifest")
                         .arg(path, contents->header.manifestSha256, manifestSha);
            return false;
        }
        {
            QMutexLocker lock(&mutex);
            journalPath = path;
        }
        // Temporary files of restores that were killed mid-write.
        QSet<QString> folders;
        for (const ManifestEntry &e : std::as_const(manifest.entries))
            folders.insert(QFileInfo(e.resolvedOutput).absolutePath());
        int removed = 0;
        for (const QString &folder : std::as_const(folders)) {
            const QDir dir(folder);
            if (!dir.exists())
                continue;
            const QStringList stale =
                dir.entryList({QStringLiteral(".codex-restore-*")}, QDir::Files | QDir::Hidden | QDir::System);
            for (const QString &name : stale)
                if (QFile::remove(dir.filePath(name)))
                    ++removed;
        }
        if (removed)
            codex::log::info(QStringLiteral("resume: removed %1 stale temporary file(s)").arg(removed));

        QList<int> rest;
        QList<int> candidates;
        for (int i : std::as_const(todo)) {
            const ManifestEntry &e = manifest.entries.at(i);
            const auto rec = contents->records.constFind(i);
            if (rec != contents->records.constEnd() && rec->status == ItemStatus::Succeeded) {
                const QString out = rec->output.isEmpty() ? e.resolvedOutput : rec->output;
                qint64 size = 0;
                if (QFileInfo(out).isFile() && fileSha256(out, &size).compare(rec->sha256, Qt::CaseInsensitive) == 0) {
                    update(i, [&](ItemState &s) {
                        s.status = ItemStatus::Skipped;
                        s.output = out;
                        s.sha256 = rec->sha256;
                        s.bytes = size;
                        s.attempts = rec->attempts;
                        s.durationMs = 0;
                        s.error = QStringLiteral("Already restored by the earlier run (verified)");
                    });
                    continue;
                }
            }
            if (QFileInfo(e.resolvedOutput).isFile())
                candidates << i;
            rest << i;
        }
        if (!candidates.isEmpty()) {
            QStringList tombstones;
            for (int i : std::as_const(candidates))
                tombstones << manifest.entries.at(i).tombstone;
            ArchiveError err;
            const auto found = store.lookupTombstones(tombstones, &err);
            QSet<int> adoptedIndexes;
            evidence::EvidenceLog *log = nullptr;
            std::unique_ptr<evidence::EvidenceLog> logHolder;
            if (!options.evidencePath.isEmpty()) {
                logHolder = std::make_unique<evidence::EvidenceLog>(options.evidencePath);
                log = logHolder.get();
            }
            for (int i : std::as_const(candidates)) {
                const ManifestEntry &e = manifest.entries.at(i);
                const auto it = found.constFind(e.tombstone);
                if (it == found.constEnd() || it->contentSha256.isEmpty())
                    continue;
                qint64 size = 0;
                const QString sha = fileSha256(e.resolvedOutput, &size);
                if (sha.compare(it->contentSha256, Qt::CaseInsensitive) != 0)
                    continue;
                // Killed between the link and the journal line: the file is ours. Make sure the
                // archive knows about the restore exactly once.
                if (!hasRestoreEvent(store, e.tombstone, e.resolvedOutput)) {
                    const QJsonObject context{{QStringLiteral("output"), e.resolvedOutput},
                                              {QStringLiteral("sha256"), sha},
                                              {QStringLiteral("bytes"), size}};
                    if (!store.markRestored(it->itemId, actorOf(e), context, &err))
                        continue;  // runs again (and fails on the existing output, which it names)
                    if (log) {
                        const QJsonObject fields{{QStringLiteral("actor"), actorOf(e)},
                                                 {QStringLiteral("tombstone"), e.tombstone},
                                                 {QStringLiteral("path"), e.resolvedOutput},
                                                 {QStringLiteral("duration_ms"), 0},
                                                 {QStringLiteral("backend"), archive::backendName(location.backend)}};
                        QString evError;
                        log->append(QStringLiteral("RESTORE"), fields, &evError);
                    }
                }
                update(i, [&](ItemState &s) {
                    s.status = ItemStatus::Skipped;
                    s.output = e.resolvedOutput;
                    s.sha256 = sha;
                    s.bytes = size;
                    s.error = QStringLiteral("Already restored (the output holds the archived content)");
                });
                BatchJournal::Record r;
                r.index = i;
                r.status = ItemStatus::Succeeded;
                r.output = e.resolvedOutput;
                r.sha256 = sha;
                r.bytes = size;
                r.detail = QStringLiteral("adopted on resume");
                adopted << r;
                adoptedIndexes.insert(i);
            }
            QList<int> filtered;
            for (int i : std::as_const(rest))
                if (!adoptedIndexes.contains(i))
                    filtered << i;
            rest = filtered;
        }
        todo = rest;
        return true;
    }

    static bool hasRestoreEvent(archive::ArchiveStore &store, const QString &tombstone, const QString &output)
    {
        ArchiveError err;
        const auto detail = store.item(tombstone, &err);
        if (!detail)
            return false;
        for (const archive::EventRow &ev : detail->events)
            if (ev.action == QLatin1String("RESTORE") && ev.context.value(QStringLiteral("output")).toString() == output)
                return true;
        return false;
    }

    // ---- workers ------------------------------------------------------------------------------

    /// Waits while paused; false when the run is over (cancelled or stopped).
    bool waitWhilePaused()
    {
        if (!paused.load())
            return !(cancelRequested.load() || stopRequested.load());
        std::unique_lock lock(waitMutex);
        waitCv.wait(lock, [&] { return !paused.load() || cancelRequested.load() || stopRequested.load(); });
        return !(cancelRequested.load() || stopRequested.load());
    }

    /// Sleeps the backoff; false when cancelled or stopped meanwhile.
    bool sleepBackoff(qint64 ms)
    {
        std::unique_lock lock(waitMutex);
        return !waitCv.wait_for(lock, std::chrono::milliseconds(ms),
                                [&] { return cancelRequested.load() || stopRequested.load(); });
    }

    double uniform01()
    {
        std::lock_guard lock(rngMutex);
        return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    }

    // What each worker and the recorder open on their own thread: the archive with the bulk
    // settings (SQLite synchronous=NORMAL), and the evidence log (none when not configured).
    archive::ArchiveLocation bulkLocation() const
    {
        archive::ArchiveLocation loc = location;
        loc.sqliteSyncEachCommit = false;
        return loc;
    }
    std::unique_ptr<evidence::EvidenceLog> evidenceLog() const
    {
        if (options.evidencePath.isEmpty())
            return nullptr;
        return std::make_unique<evidence::EvidenceLog>(options.evidencePath);
    }

    void workerMain(int w)
    {
        Slot &slot = *workerSlots[size_t(w)];
        const archive::ArchiveLocation loc = bulkLocation();
        std::unique_ptr<archive::ArchiveStore> store;
        const std::unique_ptr<evidence::EvidenceLog> log = evidenceLog();
        while (waitWhilePaused()) {
            const int k = next.fetch_add(1);
            if (k >= queue.size())
                break;
            runItem(queue.at(k), slot, loc, store, log.get());
        }
        store.reset();  // on this thread: the connection belongs to it
        activeWorkers.fetch_sub(1);
        wakeAll();
    }

    // ---- the recorder: restores placed by the workers are recorded in groups -------------------
    //
    // One transaction per group instead of one per item: far fewer commits, WAL pages and
    // invalidated page caches in the workers' connections. An item counts as done (state,
    // journal, RESTORE line) only once its group is committed.

    struct RecordJob {
        int index;
        archive::RestoreRequest request;
        archive::RestoreResult result;
        int attempt;
        qint64 itemStart;
    };
    std::mutex recMutex;
    std::condition_variable recCv;
    std::vector<RecordJob> recQueue;
    bool workersDone = false;  ///< under recMutex

    void recorderMain()
    {
        constexpr size_t kGroup = 64;
        constexpr auto kLinger = std::chrono::milliseconds(20);
        const archive::ArchiveLocation loc = bulkLocation();
        std::unique_ptr<archive::ArchiveStore> store;
        const std::unique_ptr<evidence::EvidenceLog> log = evidenceLog();
        for (;;) {
            std::vector<RecordJob> jobs;
            {
                std::unique_lock lock(recMutex);
                recCv.wait(lock, [&] { return !recQueue.empty() || workersDone; });
                if (!workersDone && recQueue.size() < kGroup)
                    recCv.wait_for(lock, kLinger, [&] { return recQueue.size() >= kGroup || workersDone; });
                jobs.swap(recQueue);
                if (jobs.empty() && workersDone)
                    break;
            }
            ArchiveError error;
            if (!store)
                store = archive::ArchiveStore::open(loc, archive::ArchiveStore::OpenMode::ExistingOnly, &error);
            if (store) {
                QList<archive::RestoreService::Pending> pending;
                pending.reserve(qsizetype(jobs.size()));
                for (RecordJob &j : jobs)
                    pending.append({&j.request, &j.result});
                archive::RestoreService(*store, log.get()).recordAll(pending);
            } else {
                for (RecordJob &j : jobs) {
                    if (j.result.createdOutput)
                        QFile::remove(j.result.output);
                    j.result.ok = false;
                    j.result.error = {error.kind, QStringLiteral("Backend access error: %1").arg(error.message)};
                    failEvidence(log.get(), j.request.actor, j.request.tombstone, j.result.error.message);
                }
            }
            bool connectionLost = false;
            for (const RecordJob &j : jobs) {
                connectionLost = connectionLost || j.result.error.kind == ArchiveError::Kind::Unreachable;
                if (j.result.ok)
                    finishItem(j.index, ItemStatus::Succeeded, j.result, QString(), ArchiveError::Kind::None, j.attempt,
                               j.itemStart);
                else
                    finishItem(j.index, ItemStatus::Failed, j.result, j.result.error.message, j.result.error.kind, j.attempt,
                               j.itemStart);
            }
            if (connectionLost)
                store.reset();  // the next group opens a fresh connection
        }
        store.reset();  // on this thread: the connection belongs to it
    }

    void failEvidence(evidence::EvidenceLog *log, const QString &actor, const QString &tombstone, const QString &reason)
    {
        if (!log)
            return;
        const QJsonObject fields{{QStringLiteral("actor"), actor},
                                 {QStringLiteral("tombstone"), tombstone},
                                 {QStringLiteral("reason"), reason},
                                 {QStringLiteral("backend"), archive::backendName(location.backend)},
                                 {QStringLiteral("url"), location.redactedUrl}};
        QString error;
        log->append(QStringLiteral("RESTORE_FAIL"), fields, &error);
    }

    void runItem(int i, Slot &slot, const archive::ArchiveLocation &loc, std::unique_ptr<archive::ArchiveStore> &store,
                 evidence::EvidenceLog *log)
    {
        const ManifestEntry &e = manifest.entries.at(i);
        archive::RestoreRequest request;
        request.tombstone = e.tombstone;
        request.output = e.resolvedOutput;
        request.actor = actorOf(e);
        request.conflict = options.conflict;
        request.syncFile = options.syncEachFile;
        request.recordLater = true;  // the recorder thread records restores in groups
        const int maxAttempts = options.retry.enabled ? std::max(1, options.retry.maxAttempts) : 1;
        const qint64 itemStart = runMs();
        ItemStatus final = ItemStatus::Failed;
        archive::RestoreResult result;
        QString finalError;
        ArchiveError::Kind finalKind = ArchiveError::Kind::None;
        int attempt = 0;
        for (attempt = 1;; ++attempt) {
            slot.timedOut = false;
            slot.cancel = false;
            if (cancelRequested.load()) {
                final = ItemStatus::Cancelled;
                finalError = QStringLiteral("Not run: the batch was cancelled");
                --attempt;
                break;
            }
            const qint64 startMs = runMs();
            update(i, [&](ItemState &s) {
                s.status = ItemStatus::Running;
                s.attempts = attempt;
                s.attemptStartsMs.append(startMs);
            });
            slot.index = i;
            slot.attemptStartMs = startMs;

            result = archive::RestoreResult();
            std::optional<ArchiveError> injected;
            if (options.faultInjector)
                injected = options.faultInjector(i, attempt);
            if (injected && *injected) {
                result.error = *injected;
                failEvidence(log, request.actor, request.tombstone,
                             injected->isTransient() ? QStringLiteral("Backend access error: %1").arg(injected->message)
                                                     : injected->message);
            } else {
                if (!store) {
                    ArchiveError err;
                    store = archive::ArchiveStore::open(loc, archive::ArchiveStore::OpenMode::ExistingOnly, &err);
                    if (!store) {
                        result.error = err;
                        failEvidence(log, request.actor, request.tombstone,
                                     QStringLiteral("Backend access error: %1").arg(err.message));
                    }
                }
                if (store && !slot.cancel.load())
                    result = archive::RestoreService(*store, log).restore(request, &slot.cancel);
                else if (store) {
                    result.error = {ArchiveError::Kind::Cancelled, QStringLiteral("Restore cancelled")};
                    failEvidence(log, request.actor, request.tombstone, result.error.message);
                }
            }
            slot.index = -1;
            slot.attemptStartMs = -1;
            if (result.ok) {
                final = ItemStatus::Succeeded;
                break;
            }
            const bool timedOut = slot.timedOut.load();
            ArchiveError error = result.error;
            if (timedOut) {
                error = {ArchiveError::Kind::Unreachable,
                         QStringLiteral("Timed out after %1 s").arg(std::max(1, options.timeoutPerItemS))};
            } else if (error.kind == ArchiveError::Kind::Cancelled || cancelRequested.load()) {
                final = ItemStatus::Cancelled;
                finalError = QStringLiteral("Cancelled while running; nothing was written");
                finalKind = ArchiveError::Kind::Cancelled;
                break;
            }
            finalError = error.message;
            finalKind = error.kind;
            if (error.kind == ArchiveError::Kind::Unreachable && !timedOut)
                store.reset();  // a broken connection: the next attempt opens a fresh one
            const bool transient = timedOut || error.isTransient();
            if (!transient || attempt >= maxAttempts || stopRequested.load()) {
                final = ItemStatus::Failed;
                if (transient && attempt > 1)
                    finalError = QStringLiteral("%1 (gave up after %2 attempts)").arg(finalError).arg(attempt);
                break;
            }
            const double delayS = options.retry.delayS(attempt, uniform01());
            update(i, [&](ItemState &s) {
                s.status = ItemStatus::Waiting;
                s.error = error.message;
                s.errorKind = error.kind;
            });
            if (!sleepBackoff(qint64(delayS * 1000.0 + 0.5))) {
                final = cancelRequested.load() ? ItemStatus::Cancelled : ItemStatus::Failed;
                if (final == ItemStatus::Cancelled)
                    finalError = QStringLiteral("Cancelled while waiting to retry (last error: %1)").arg(error.message);
                else
                    finalError = QStringLiteral("%1 (not retried: the batch stopped at another failure)").arg(error.message);
                break;
            }
        }
        if (final == ItemStatus::Succeeded && result.recordPending) {
            {
                std::lock_guard lock(recMutex);
                recQueue.push_back({i, request, result, attempt, itemStart});
            }
            recCv.notify_one();
            return;
        }
        finishItem(i, final, result, finalError, finalKind, attempt, itemStart);
    }

    // The end of an item: its final state, its journal record, and the stop at a failure.
    void finishItem(int i, ItemStatus final, const archive::RestoreResult &result, const QString &finalError,
                    ArchiveError::Kind finalKind, int attempt, qint64 itemStart)
    {
        const ManifestEntry &e = manifest.entries.at(i);
        const qint64 duration = runMs() - itemStart;
        update(i, [&](ItemState &s) {
            s.status = final;
            s.durationMs = duration;
            if (final == ItemStatus::Succeeded) {
                s.bytes = result.bytes;
                s.output = result.output;
                s.sha256 = result.sha256;
                s.error = result.warning;
                s.errorKind = ArchiveError::Kind::None;
            } else {
                s.error = finalError;
                s.errorKind = finalKind;
            }
        });
        if (final == ItemStatus::Succeeded || final == ItemStatus::Failed) {
            BatchJournal::Record r;
            r.index = i;
            r.status = final;
            r.output = final == ItemStatus::Succeeded ? result.output : e.resolvedOutput;
            r.sha256 = result.sha256;
            r.bytes = result.bytes;
            r.attempts = attempt;
            r.durationMs = duration;
            if (final == ItemStatus::Failed)
                r.detail = finalError;
            journal.append(r, nullptr);
        }
        if (final == ItemStatus::Failed && !options.continueOnError && !stopRequested.exchange(true)) {
            {
                QMutexLocker lock(&mutex);
                stopError = QStringLiteral("Stopped at the first failure (%1: %2); the remaining items were not run "
                                           "(continue on error is off)")
                                .arg(where(e), finalError);
            }
            wakeAll();
        }
    }

    // ---- starting -------------------------------------------------------------------------------

    bool begin()
    {
        if (running.load())
            return false;
        if (control.joinable())
            control.join();
        cancelRequested = false;
        stopRequested = false;
        running = true;
        runStartNs = nowNs();
        if (options.retry.seed)
            rng.seed(*options.retry.seed);
        else
            rng.seed(std::random_device{}());
        timer->setInterval(std::max(1, progressIntervalMs));
        timer->start();
        return true;
    }
};

BatchRunner::BatchRunner(archive::ArchiveLocation location, Manifest manifest, BatchOptions options, QObject *parent)
    : QObject(parent), d(std::make_unique<Private>())
{
    static const bool registered = [] {
        qRegisterMetaType<codex::batch::BatchProgress>();
        qRegisterMetaType<codex::batch::BatchSummary>();
        qRegisterMetaType<codex::batch::ValidationReport>();
        qRegisterMetaType<QList<int>>();
        return true;
    }();
    Q_UNUSED(registered);
    d->q = this;
    d->location = std::move(location);
    d->manifest = std::move(manifest);
    d->options = std::move(options);
    d->options.concurrency = std::max(1, d->options.concurrency);
    d->timer = new QTimer(this);
    d->timer->setInterval(d->progressIntervalMs);
    connect(d->timer, &QTimer::timeout, this, [this] { d->tick(false); });
    d->resetStates();
}

BatchRunner::~BatchRunner()
{
    d->timer->stop();
    cancel();
    if (d->control.joinable())
        d->control.join();
}

const Manifest &BatchRunner::manifest() const
{
    return d->manifest;
}

const BatchOptions &BatchRunner::options() const
{
    return d->options;
}

void BatchRunner::setProgressInterval(int ms)
{
    d->progressIntervalMs = std::max(1, ms);
    d->timer->setInterval(d->progressIntervalMs);
}

void BatchRunner::start()
{
    if (d->running.load())
        return;
    d->resetStates();
    {
        QMutexLocker lock(&d->mutex);
        d->journalPath.clear();
        d->resultsPath.clear();
    }
    d->paused = false;
    if (!d->begin())
        return;
    d->control = std::thread([this] { d->controlMain(Mode::Start, {}); });
}

void BatchRunner::validateOnly()
{
    if (d->running.load())
        return;
    if (!d->begin())
        return;
    d->timer->stop();
    d->control = std::thread([this] { d->controlMain(Mode::ValidateOnly, {}); });
}

void BatchRunner::resume(const QString &journalPath)
{
    if (d->running.load())
        return;
    d->resetStates();
    d->paused = false;
    if (!d->begin())
        return;
    d->control = std::thread([this, journalPath] { d->controlMain(Mode::Resume, journalPath); });
}

void BatchRunner::retryFailed()
{
    if (d->running.load())
        return;
    {
        QMutexLocker lock(&d->mutex);
        for (int i = 0; i < d->states.size(); ++i) {
            ItemState &s = d->states[i];
            if (s.status == ItemStatus::Succeeded || s.status == ItemStatus::Skipped || s.status == ItemStatus::Pending)
                continue;
            --d->counts[statusSlot(s.status)];
            s = ItemState();
            ++d->counts[statusSlot(s.status)];
            d->markChanged(i);
        }
        d->finalElapsedMs = -1;
        d->samples.clear();
        d->itemsPerSecond = d->bytesPerSecond = 0;
        d->stopError.clear();
        // a run that never got a journal (stopped by validation) starts one now
    }
    d->paused = false;
    bool haveJournal;
    {
        QMutexLocker lock(&d->mutex);
        haveJournal = !d->journalPath.isEmpty() && QFileInfo::exists(d->journalPath);
    }
    if (!d->begin())
        return;
    d->control = std::thread([this, haveJournal] { d->controlMain(haveJournal ? Mode::RetryFailed : Mode::Start, {}); });
}

void BatchRunner::pause()
{
    d->paused = true;
}

void BatchRunner::unpause()
{
    d->paused = false;
    d->wakeAll();
}

void BatchRunner::cancel()
{
    d->cancelRequested = true;
    for (const auto &slot : d->workerSlots)
        slot->cancel = true;
    d->wakeAll();
}

bool BatchRunner::isRunning() const
{
    return d->running.load();
}

bool BatchRunner::isPaused() const
{
    return d->paused.load();
}

BatchProgress BatchRunner::progress() const
{
    QMutexLocker lock(&d->mutex);
    return d->progressLocked();
}

QList<ItemState> BatchRunner::states() const
{
    QMutexLocker lock(&d->mutex);
    return d->states;
}

ItemState BatchRunner::state(int index) const
{
    QMutexLocker lock(&d->mutex);
    return d->states.value(index);
}

std::optional<ValidationReport> BatchRunner::validation() const
{
    QMutexLocker lock(&d->mutex);
    return d->validation;
}

QString BatchRunner::journalPath() const
{
    QMutexLocker lock(&d->mutex);
    return d->journalPath;
}

}  // namespace codex::batch
