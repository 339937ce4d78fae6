// bench_batch: manifest-driven bulk restores with BatchRunner (issue 4).
//   1. a SQLite archive with 10,000 items of 4 KiB (distinct, text-like) and 100 items of 10 MB
//      (pseudo-random words, zstd-9), generated with ArchiveStore::store() (kept with --dir)
//   2. BatchRunner (no GUI, evidence on, as an admin runs it) over each set with concurrency
//      1, 2 and 4: items/s, MB/s, wall time, speed-up against concurrency 1, peak RSS
//   3. the disk's own write rate (1 GB in 8 MB chunks + fsync), to tell disk-bound from ours
//   4. where the time goes per small item: each step alone on one thread (µs per item)
//   5. the same on PostgreSQL: a throw-away server (tests/fixtures/dbserver.sh) unless --pg-url
// A measurement, not a test: it prints its figures and exits 0 even when a target is missed.
// Output lines: "name: value unit (target …, PASS|MISS)" or "name: value unit (info)";
// lines starting with '#' describe the machine and the scenario.
// Usage: bench_batch [--quick] [--dir PATH] [--pg-url URL] [--skip-pg] [--skip-large] [--skip-disk] [--skip-parts]
//                    [--keep-outputs] [--only small|large] [--concurrency N]
#include "archive/ArchiveLocation.h"
#include "archive/ArchiveStore.h"
#include "archive/BlobCodec.h"
#include "archive/RestoreService.h"
#include "batch/BatchJournal.h"
#include "batch/BatchRunner.h"
#include "batch/Manifest.h"
#include "common/Log.h"
#include "common/Sha256.h"
#include "evidence/EvidenceLog.h"

#include "BenchMachine.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QProcess>
#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QUuid>
#include <QSet>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTimer>
#include <QHash>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <fcntl.h>
#include <time.h>
#include <sys/resource.h>
#include <malloc.h>
#include <unistd.h>

using namespace codex;
using namespace codex::archive;
using namespace codex::batch;
using benchutil::resetPeakRss;
using benchutil::Rng;
using benchutil::wordsPayload;
using benchutil::statusKb;

namespace {

/// --keep-outputs: delete the outputs at the end instead of between runs (see docs/benchmarks.md:
/// ext4 makes inode allocation slow for a few minutes after mass deletes).
bool g_keepOutputs = false;
QStringList g_keptOutputs;

constexpr qint64 kSmallBytes = 4096;
constexpr qint64 kLargeBytes = 10'000'000;
const QString kSmallRepo = QStringLiteral("bench/small");
const QString kLargeRepo = QStringLiteral("bench/large");

void note(const QString &text)
{
    std::printf("# %s\n", qPrintable(text));
    std::fflush(stdout);
}

void info(const QString &name, double value, const char *unit, int decimals = 2)
{
    std::printf("%s: %.*f %s (info)\n", qPrintable(name), decimals, value, unit);
    std::fflush(stdout);
}

void atLeast(const QString &name, double value, const char *unit, double target)
{
    std::printf("%s: %.1f %s (target >= %g %s, %s)\n", qPrintable(name), value, unit, target, unit, value >= target ? "PASS" : "MISS");
    std::fflush(stdout);
}

void below(const QString &name, double value, const char *unit, double target)
{
    std::printf("%s: %.1f %s (target < %g %s, %s)\n", qPrintable(name), value, unit, target, unit, value < target ? "PASS" : "MISS");
    std::fflush(stdout);
}

/// User + system CPU time of the whole process (finished threads included), ms.
double cpuMs(long *involuntarySwitches = nullptr)
{
    rusage u {};
    getrusage(RUSAGE_SELF, &u);
    if (involuntarySwitches)
        *involuntarySwitches = u.ru_nivcsw;
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

/// Per-thread scheduler statistics of this process (/proc/self/task/*/schedstat: time on a CPU,
/// time runnable but waiting for one), sampled while a run goes on so that threads which end are
/// counted too. The wait says how much a busy machine (other builds, tests) held us back.
class SchedSampler {
public:
    void sample()
    {
        const QDir dir(QStringLiteral("/proc/self/task"));
        for (const QString &tid : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            QFile f(dir.filePath(tid) + QStringLiteral("/schedstat"));
            if (!f.open(QIODevice::ReadOnly))
                continue;
            const QList<QByteArray> parts = f.readAll().trimmed().split(' ');
            if (parts.size() < 2)
                continue;
            m_last[tid] = {parts[0].toLongLong(), parts[1].toLongLong()};
        }
    }
    void start()
    {
        m_last.clear();
        sample();
        m_base = m_last;
    }
    /// CPU ms and runqueue-wait ms of every thread seen since start().
    std::pair<double, double> totals() const
    {
        qint64 run = 0, wait = 0;
        for (auto it = m_last.cbegin(); it != m_last.cend(); ++it) {
            const auto base = m_base.value(it.key(), {0, 0});
            run += it.value().first - base.first;
            wait += it.value().second - base.second;
        }
        return {double(run) / 1e6, double(wait) / 1e6};
    }

private:
    QHash<QString, std::pair<qint64, qint64>> m_last, m_base;
};

// ---- deterministic content -------------------------------------------------------------------

QByteArray smallContent(int i)
{
    return wordsPayload(kSmallBytes, 1'000'000 + quint64(i), QByteArrayLiteral("# small item ") + QByteArray::number(i) + '\n');
}

QByteArray largeContent(int i)
{
    return wordsPayload(kLargeBytes, 9'000'000 + quint64(i), QByteArrayLiteral("# large item ") + QByteArray::number(i) + '\n');
}

// ---- the archive -------------------------------------------------------------------------------

struct Item {
    QString tombstone;
    QString path;
};

QString itemPath(bool large, int i)
{
    return QStringLiteral("%1/%2.txt").arg(large ? QStringLiteral("large") : QStringLiteral("small")).arg(i, 5, 10, QLatin1Char('0'));
}

/// The set's items already in the archive, sorted by path.
QList<Item> listItems(ArchiveStore &store, const QString &repo, int limit)
{
    ItemFilter f;
    f.repo = repo;
    ArchiveError err;
    QList<Item> out;
    for (const ItemRow &r : store.items(f, SortOrder{SortColumn::Path, false}, 0, limit, &err))
        out.append({r.tombstoneId, r.path});
    if (err)
        note(QStringLiteral("FAILED listing %1: %2").arg(repo, err.message));
    return out;
}

/// Stores the missing items of a set (an interrupted generation continues where it stopped).
std::optional<QList<Item>> fillSet(ArchiveStore &store, bool large, int count, const QString &label)
{
    const QString repo = large ? kLargeRepo : kSmallRepo;
    QList<Item> have = listItems(store, repo, count + 1);
    if (have.size() == count) {
        note(QStringLiteral("%1: reusing %2 %3 items").arg(label).arg(count).arg(large ? QStringLiteral("10 MB") : QStringLiteral("4 KiB")));
        return have;
    }
    QSet<QString> present;
    for (const Item &it : have)
        present.insert(it.path);
    QElapsedTimer t;
    t.start();
    int stored = 0;
    for (int i = 0; i < count; ++i) {
        const QString path = itemPath(large, i);
        if (present.contains(path))
            continue;
        StoreRequest r;
        r.repo = repo;
        r.path = path;
        r.commitSha = QStringLiteral("4b825dc642cb6eb9a060e54bf8d69288fbee4904");
        r.actor = QStringLiteral("bench");
        r.mimeType = QStringLiteral("text/plain");
        r.content = large ? largeContent(i) : smallContent(i);
        ArchiveError err;
        if (!store.store(r, &err)) {
            note(QStringLiteral("FAILED storing %1: %2").arg(path, err.message));
            return std::nullopt;
        }
        ++stored;
        if (large && stored % 10 == 0)
            note(QStringLiteral("%1: %2/%3 large items stored (%4 s)").arg(label).arg(stored).arg(count).arg(t.elapsed() / 1000.0, 0, 'f', 1));
    }
    info(QStringLiteral("%1.generate.%2").arg(label, large ? QStringLiteral("large") : QStringLiteral("small")), t.elapsed() / 1000.0, "s", 1);
    malloc_trim(0);
    have = listItems(store, repo, count + 1);
    if (have.size() != count) {
        note(QStringLiteral("FAILED: %1 has %2 items of %3, expected %4").arg(label).arg(have.size()).arg(repo).arg(count));
        return std::nullopt;
    }
    return have;
}

// ---- one batch run -----------------------------------------------------------------------------

struct RunResult {
    bool ok = false;
    double wallMs = 0;
    double validateMs = 0;
    double runnerMs = 0;  ///< the runner's own elapsed time (from BatchProgress)
    int succeeded = 0;
    int failed = 0;
    qint64 bytes = 0;
    double peakRssMb = -1;
    double baseRssMb = 0;
    double cpuMs = 0;
    double userMs = 0;
    double runqueueWaitMs = 0;
    long involuntarySwitches = 0;
};

RunResult runBatch(const ArchiveLocation &location, const QList<Item> &items, int concurrency, const QString &workDir,
                   const QString &evidencePath, const QString &label)
{
    RunResult res;
    const QString outDir = workDir + QStringLiteral("/run-%1-c%2").arg(label).arg(concurrency);
    QDir(outDir).removeRecursively();
    QDir().mkpath(outDir);
    // The manifest as an admin would hand it over: a file, folders of 1,000 outputs.
    QList<ManifestEntry> entries;
    entries.reserve(items.size());
    for (int i = 0; i < items.size(); ++i) {
        ManifestEntry e;
        e.index = i;
        e.tombstone = items[i].tombstone;
        e.output = QStringLiteral("restored/%1/%2").arg(i / 1000, 2, 10, QLatin1Char('0')).arg(QFileInfo(items[i].path).fileName());
        e.resolvedOutput = outDir + QLatin1Char('/') + e.output;
        entries.append(e);
    }
    const QString manifestPath = outDir + QStringLiteral("/manifest.json");
    QString error;
    if (!Manifest::fromEntries(outDir, entries).save(manifestPath, &error)) {
        note(QStringLiteral("FAILED writing the manifest: %1").arg(error));
        return res;
    }
    QList<ManifestError> errors;
    const auto manifest = Manifest::load(manifestPath, &errors);
    if (!manifest) {
        note(QStringLiteral("FAILED reading the manifest back: %1").arg(errors.value(0).message));
        return res;
    }
    BatchOptions options;
    options.actor = QStringLiteral("bench");
    options.concurrency = concurrency;
    options.continueOnError = true;
    options.evidencePath = evidencePath;
    options.resultsPath = outDir;
    malloc_trim(0);
    res.baseRssMb = double(statusKb("VmRSS")) / 1024.0;
    const bool peakReset = resetPeakRss();

    long switchesBefore = 0;
    const double cpuBefore = cpuMs(&switchesBefore);
    rusage usageBefore {};
    getrusage(RUSAGE_SELF, &usageBefore);
    QElapsedTimer t;
    t.start();
    std::optional<BatchSummary> summary;
    SchedSampler sched;
    sched.start();
    {
        BatchRunner runner(location, *manifest, options);
        QEventLoop loop;
        QTimer sampler;
        QObject::connect(&sampler, &QTimer::timeout, &loop, [&] { sched.sample(); });
        sampler.start(20);
        QObject::connect(&runner, &BatchRunner::validated, &loop, [&](const ValidationReport &report) {
            res.validateMs = double(t.nsecsElapsed()) / 1e6;
            if (!report.ok())
                note(QStringLiteral("%1: validation found %2 blocking issue(s): %3")
                         .arg(label)
                         .arg(report.blockingCount())
                         .arg(report.issues.value(0).message));
        });
        QObject::connect(&runner, &BatchRunner::finished, &loop, [&](const BatchSummary &s) {
            summary = s;
            loop.quit();
        });
        runner.start();
        if (!summary)
            loop.exec();
        res.wallMs = double(t.nsecsElapsed()) / 1e6;
        sched.sample();
    }
    res.runqueueWaitMs = sched.totals().second;
    long switchesAfter = 0;
    res.cpuMs = cpuMs(&switchesAfter) - cpuBefore;
    res.involuntarySwitches = switchesAfter - switchesBefore;
    rusage usageAfter {};
    getrusage(RUSAGE_SELF, &usageAfter);
    res.userMs = double(usageAfter.ru_utime.tv_sec - usageBefore.ru_utime.tv_sec) * 1e3
                 + double(usageAfter.ru_utime.tv_usec - usageBefore.ru_utime.tv_usec) / 1e3;
    res.peakRssMb = peakReset ? double(statusKb("VmHWM")) / 1024.0 : -1;
    if (!summary) {
        note(QStringLiteral("FAILED: %1 ended without a summary").arg(label));
        return res;
    }
    res.succeeded = summary->progress.succeeded;
    res.failed = summary->progress.failed + summary->progress.cancelled;
    res.bytes = summary->progress.bytes;
    res.runnerMs = double(summary->progress.elapsedMs);
    if (!summary->error.isEmpty())
        note(QStringLiteral("%1: %2").arg(label, summary->error));
    // Outside the timing: spot-check a few outputs, then delete them.
    int checked = 0, good = 0;
    for (int i : {0, int(items.size()) / 2, int(items.size()) - 1}) {
        QFile f(entries[i].resolvedOutput);
        if (!f.open(QIODevice::ReadOnly))
            continue;
        ++checked;
        const int n = items[i].path.section(QLatin1Char('/'), -1).section(QLatin1Char('.'), 0, 0).toInt();
        good += f.readAll() == (items[i].path.startsWith(QLatin1String("large")) ? largeContent(n) : smallContent(n));
    }
    if (good != 3)
        note(QStringLiteral("%1: spot check FAILED: %2 of %3 outputs checked are right").arg(label).arg(good).arg(checked));
    res.ok = res.succeeded == items.size() && good == 3;
    if (!res.ok)
        note(QStringLiteral("%1: FAILED: %2 of %3 restored (%4)").arg(label).arg(res.succeeded).arg(items.size()).arg(summary->error));
    if (g_keepOutputs) {
        g_keptOutputs << outDir;
    } else {
        QDir(outDir).removeRecursively();
        ::sync();
    }
    return res;
}

/// Runs a set at each concurrency and prints its figures.
void measureSet(const QString &prefix, const ArchiveLocation &location, const QList<Item> &items, const QList<int> &concurrencies,
                const QString &workDir, const QString &evidencePath, bool large, double *largeRate)
{
    double base = -1;
    for (int c : concurrencies) {
        const QString name = QStringLiteral("%1.c%2").arg(prefix).arg(c);
        const RunResult r = runBatch(location, items, c, workDir, evidencePath, QString(name).replace(QLatin1Char('.'), QLatin1Char('-')));
        if (r.wallMs <= 0)
            continue;
        const double itemsPerS = double(items.size()) / (r.wallMs / 1000.0);
        const double mbPerS = double(r.bytes) / 1e6 / (r.wallMs / 1000.0);
        if (!large && c == 4)
            atLeast(name + QStringLiteral(".items_per_s"), itemsPerS, "items/s", 3000);
        else
            info(name + QStringLiteral(".items_per_s"), itemsPerS, "items/s", 1);
        info(name + QStringLiteral(".mb_per_s"), mbPerS, "MB/s", 1);
        info(name + QStringLiteral(".wall"), r.wallMs, "ms", 0);
        info(name + QStringLiteral(".validation"), r.validateMs, "ms", 1);
        if (c == 1)
            base = r.wallMs;
        else if (base > 0)
            info(name + QStringLiteral(".speedup_vs_c1"), base / r.wallMs, "x");
        if (r.peakRssMb >= 0)
            below(name + QStringLiteral(".peak_rss"), r.peakRssMb, "MB", 300);
        info(name + QStringLiteral(".cpu_per_item"), r.cpuMs * 1000.0 / double(items.size()), "us/item", 1);
        note(QStringLiteral("%1: CPU %2 ms (user %3, system %4) over %5 ms wall = %6 cores busy; %7 involuntary context "
                            "switches; %8 ms runnable but waiting for a CPU (all threads)")
                 .arg(name)
                 .arg(r.cpuMs, 0, 'f', 0)
                 .arg(r.userMs, 0, 'f', 0)
                 .arg(r.cpuMs - r.userMs, 0, 'f', 0)
                 .arg(r.wallMs, 0, 'f', 0)
                 .arg(r.cpuMs / r.wallMs, 0, 'f', 2)
                 .arg(r.involuntarySwitches)
                 .arg(r.runqueueWaitMs, 0, 'f', 0));
        note(QStringLiteral("%1: %2 succeeded, %3 failed, %4 MB written, RSS before %5 MB%6")
                 .arg(name)
                 .arg(r.succeeded)
                 .arg(r.failed)
                 .arg(double(r.bytes) / 1e6, 0, 'f', 1)
                 .arg(r.baseRssMb, 0, 'f', 1)
                 .arg(r.ok ? QString() : QStringLiteral(" — RUN NOT CLEAN")));
        if (largeRate && large)
            *largeRate = std::max(*largeRate, mbPerS);
    }
}

/// The disk's own sequential write rate where the outputs go: 1 GB (or `bytes`) in 8 MB chunks
/// + fsync, as dd conv=fsync would.
double diskWriteRate(const QString &dir, qint64 bytes)
{
    const QString path = dir + QStringLiteral("/disk-probe.bin");
    QByteArray chunk(8 * 1024 * 1024, Qt::Uninitialized);
    Rng rng(99);
    for (qsizetype i = 0; i + 8 <= chunk.size(); i += 8) {
        const quint64 v = rng.next();
        std::memcpy(chunk.data() + i, &v, 8);
    }
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    QElapsedTimer t;
    t.start();
    qint64 written = 0;
    bool ok = true;
    while (written < bytes && ok) {
        const ssize_t n = ::write(fd, chunk.constData(), size_t(chunk.size()));
        ok = n == chunk.size();
        written += n > 0 ? n : 0;
    }
    ok = ok && ::fsync(fd) == 0;
    const double s = double(t.nsecsElapsed()) / 1e9;
    ::close(fd);
    QFile::remove(path);
    return ok ? double(written) / 1e6 / s : -1;
}

// ---- where the time goes per small item --------------------------------------------------------

/// Each step RestoreService and the runner take for one item, timed alone on one thread over the
/// same items (fresh folders), in µs per item: what a 3,000 items/s target has to fit into.
void measureParts(const ArchiveLocation &location, const QList<Item> &items, const QString &workDir, const QString &evidencePath)
{
    const int n = int(std::min<qsizetype>(items.size(), 2000));
    ArchiveLocation loc = location;
    loc.sqliteSyncEachCommit = false;  // as the runner opens it
    ArchiveError err;
    auto store = ArchiveStore::open(loc, ArchiveStore::OpenMode::ExistingOnly, &err);
    if (!store) {
        note(QStringLiteral("parts: FAILED: %1").arg(err.message));
        return;
    }
    const QString partsDir = workDir + QStringLiteral("/parts");
    QDir(partsDir).removeRecursively();
    QDir().mkpath(partsDir);
    // Wall time and this thread's CPU time (the latter does not count waiting for a CPU that
    // other programs hold, which on a shared machine can be most of the wall time).
    auto threadCpuNs = [] {
        timespec ts {};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    };
    auto perItem = [&](const QString &name, const std::function<bool(int)> &step) {
        QElapsedTimer t;
        t.start();
        const qint64 cpu0 = threadCpuNs();
        for (int i = 0; i < n; ++i)
            if (!step(i)) {
                note(QStringLiteral("parts: %1 FAILED at item %2: %3").arg(name).arg(i).arg(err.message));
                return;
            }
        const double cpuUs = double(threadCpuNs() - cpu0) / 1e3 / n;
        std::printf("sqlite.small.part.%s: %.1f us/item wall, %.1f us/item CPU (info)\n", qPrintable(name),
                    double(t.nsecsElapsed()) / 1e3 / n, cpuUs);
        std::fflush(stdout);
    };
    std::vector<QString> itemIds(static_cast<size_t>(n));
    std::vector<QByteArray> contents(static_cast<size_t>(n));
    perItem(QStringLiteral("fetch_decode_sha256"), [&](int i) {
        auto b = store->openBlob(items[i].tombstone, &err);
        if (!b)
            return false;
        Sha256 h;
        QByteArray &out = contents[size_t(i)];
        const bool ok = BlobCodec::decompressFrom(b->artifact.compression, *b->payload, b->artifact.sizeBytes,
                                                  [&](const char *d, qint64 k) {
                                                      h.add(d, k);
                                                      out.append(d, k);
                                                      return true;
                                                  },
                                                  &err);
        itemIds[size_t(i)] = b->itemId;
        return ok && !h.hex().isEmpty();
    });
    // The file steps of RestoreService: temporary file in the target folder, write, chmod,
    // link() to the real name, remove the temporary name.
    perItem(QStringLiteral("file_temp_write_link"), [&](int i) {
        const QString folder = partsDir + QStringLiteral("/files/%1").arg(i / 1000, 2, 10, QLatin1Char('0'));
        if (i % 1000 == 0)
            QDir().mkpath(folder);
        QTemporaryFile temp(folder + QStringLiteral("/.codex-restore-XXXXXX"));
        if (!temp.open() || temp.write(contents[size_t(i)]) != contents[size_t(i)].size() || !temp.flush())
            return false;
        temp.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther);
        const QString target = folder + QStringLiteral("/%1.txt").arg(i);
        if (::link(QFile::encodeName(temp.fileName()).constData(), QFile::encodeName(target).constData()) != 0)
            return false;
        temp.remove();
        temp.setAutoRemove(false);
        return true;
    });
    perItem(QStringLiteral("sqlite_mark_restored"), [&](int i) {
        return store->markRestored(itemIds[size_t(i)], QStringLiteral("bench"),
                                   QJsonObject{{QStringLiteral("output"), QStringLiteral("parts/%1.txt").arg(i)},
                                               {QStringLiteral("sha256"), QStringLiteral("0").repeated(64)},
                                               {QStringLiteral("bytes"), kSmallBytes}},
                                   &err);
    });
    // The same two statements, prepared once on the same connection: one transaction per item,
    // then one per 100 items — what statement caching and grouped commits would save.
    for (const int group : {1, 100, -100}) {
        QSqlDatabase db = store->database();
        if (group < 0) {  // the same with a 64 MB page cache instead of SQLite's default 2 MB
            QSqlQuery pragma(db);
            pragma.exec(QStringLiteral("PRAGMA cache_size = -65536"));
        }
        QSqlQuery begin(db), commit(db), update(db), insert(db);
        update.prepare(QStringLiteral("UPDATE item SET restored_at = ? WHERE id = ?"));
        insert.prepare(QStringLiteral("INSERT INTO event (id, item_id, action, actor, context, created_at) VALUES (?, ?, 'RESTORE', ?, ?, ?)"));
        const QString label = group > 0 ? QStringLiteral("sqlite_mark_restored_prepared_once_%1_per_commit").arg(group)
                                        : QStringLiteral("sqlite_mark_restored_prepared_once_%1_per_commit_cache64MB").arg(-group);
        const int every = std::abs(group);
        perItem(label, [&](int i) {
            const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
            if (i % every == 0 && !begin.exec(QStringLiteral("BEGIN IMMEDIATE")))
                return false;
            update.bindValue(0, now);
            update.bindValue(1, itemIds[size_t(i)]);
            insert.bindValue(0, QUuid::createUuid().toString(QUuid::WithoutBraces));
            insert.bindValue(1, itemIds[size_t(i)]);
            insert.bindValue(2, QStringLiteral("bench"));
            insert.bindValue(3, QStringLiteral("{\"bytes\":4096,\"output\":\"parts/%1.txt\",\"sha256\":\"%2\"}").arg(i).arg(QStringLiteral("0").repeated(64)));
            insert.bindValue(4, now);
            if (!update.exec() || !insert.exec())
                return false;
            if ((i + 1) % every == 0 || i + 1 == n)
                return commit.exec(QStringLiteral("COMMIT"));
            return true;
        });
    }
    evidence::EvidenceLog log(evidencePath);
    perItem(QStringLiteral("evidence_append"), [&](int i) {
        QString e;
        return log.append(QStringLiteral("RESTORE"),
                          QJsonObject{{QStringLiteral("actor"), QStringLiteral("bench")},
                                      {QStringLiteral("tombstone"), items[i].tombstone},
                                      {QStringLiteral("path"), QStringLiteral("parts/%1.txt").arg(i)},
                                      {QStringLiteral("repo"), kSmallRepo},
                                      {QStringLiteral("duration_ms"), 1},
                                      {QStringLiteral("backend"), QStringLiteral("sqlite")}},
                          &e);
    });
    BatchJournal journal;
    QString jerr;
    if (journal.create(partsDir + QStringLiteral("/parts.journal"), BatchJournal::Header{}, &jerr))
        perItem(QStringLiteral("journal_append"), [&](int i) {
            BatchJournal::Record r;
            r.index = i;
            r.status = ItemStatus::Succeeded;
            r.output = partsDir + QStringLiteral("/files/%1.txt").arg(i);
            r.sha256 = QStringLiteral("0").repeated(64);
            r.bytes = kSmallBytes;
            r.attempts = 1;
            return journal.append(r, nullptr);
        });
    perItem(QStringLiteral("log_info_line"), [&](int i) {
        codex::log::info(QStringLiteral("restored %1 to %2 (%3 bytes, %4 ms)")
                             .arg(items[i].tombstone, partsDir + QStringLiteral("/files/%1.txt").arg(i))
                             .arg(kSmallBytes)
                             .arg(1));
        return true;
    });
    RestoreService service(*store, &log);
    perItem(QStringLiteral("restore_service_whole"), [&](int i) {
        RestoreRequest rq;
        rq.tombstone = items[i].tombstone;
        rq.output = partsDir + QStringLiteral("/whole/%1/%2.txt").arg(i / 1000, 2, 10, QLatin1Char('0')).arg(i);
        rq.actor = QStringLiteral("bench");
        rq.syncFile = false;
        const RestoreResult r = service.restore(rq);
        err = r.error;
        return r.ok;
    });
    store.reset();
    QDir(partsDir).removeRecursively();
    ::sync();
}

// ---- PostgreSQL ---------------------------------------------------------------------------------

/// A throw-away server from tests/fixtures/dbserver.sh; stopped when this goes out of scope.
class PgServer {
public:
    explicit PgServer(const QString &dir) : m_dir(dir)
    {
        m_script = QFileInfo(QStringLiteral(__FILE__)).absoluteDir().absoluteFilePath(QStringLiteral("../tests/fixtures/dbserver.sh"));
    }
    ~PgServer()
    {
        if (m_started)
            run(QStringLiteral("stop"));
    }
    PgServer(const PgServer &) = delete;
    PgServer &operator=(const PgServer &) = delete;

    std::optional<QString> start()
    {
        if (!QFileInfo::exists(m_script)) {
            note(QStringLiteral("FAILED: %1 not found").arg(m_script));
            return std::nullopt;
        }
        // The server runs as an unprivileged user when we are root: it must be able to reach its folder.
        QDir().mkpath(m_dir);
        for (QString d = m_dir; d != QLatin1String("/") && !d.isEmpty(); d = QFileInfo(d).absolutePath()) {
            QFile::Permissions p = QFile::permissions(d);
            if (!(p & QFile::ExeOther))
                QFile::setPermissions(d, p | QFile::ExeOther | QFile::ExeGroup);
            if (d == QDir::tempPath())
                break;
        }
        m_started = true;  // stop even after a half-successful start
        if (!run(QStringLiteral("start")))
            return std::nullopt;
        QFile f(m_dir + QStringLiteral("/url"));
        if (!f.open(QIODevice::ReadOnly))
            return std::nullopt;
        return QString::fromUtf8(f.readAll()).trimmed();
    }

private:
    bool run(const QString &action)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral("bash"), {m_script, action, QStringLiteral("postgres"), m_dir});
        const bool finished = p.waitForFinished(180000);
        const QString output = QString::fromUtf8(p.readAll()).trimmed();
        for (const QString &line : output.split(QLatin1Char('\n')))
            if (!line.isEmpty())
                note(line);
        return finished && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    }

    QString m_dir;
    QString m_script;
    bool m_started = false;
};

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);

    bool quick = false, skipPg = false, skipLarge = false, skipDisk = false, skipParts = false;
    QString dirArg, pgUrl, only;
    QList<int> concurrencies{1, 2, 4};
    const QStringList args = QCoreApplication::arguments().mid(1);
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args[i];
        if (a == QLatin1String("--quick"))
            quick = true;
        else if (a == QLatin1String("--dir") && i + 1 < args.size())
            dirArg = args[++i];
        else if (a == QLatin1String("--pg-url") && i + 1 < args.size())
            pgUrl = args[++i];
        else if (a == QLatin1String("--skip-pg"))
            skipPg = true;
        else if (a == QLatin1String("--skip-large"))
            skipLarge = true;
        else if (a == QLatin1String("--skip-disk"))
            skipDisk = true;
        else if (a == QLatin1String("--skip-parts"))
            skipParts = true;
        else if (a == QLatin1String("--keep-outputs"))
            g_keepOutputs = true;
        else if (a == QLatin1String("--only") && i + 1 < args.size())
            only = args[++i];
        else if (a == QLatin1String("--concurrency") && i + 1 < args.size())
            concurrencies = {std::max(1, args[++i].toInt())};
        else {
            std::printf("usage: bench_batch [--quick] [--dir PATH] [--pg-url URL] [--skip-pg] [--skip-large] [--skip-disk] [--skip-parts]\n"
                        "                   [--keep-outputs]\n"
                        "                   [--only small|large] [--concurrency N]\n");
            return 2;
        }
    }
    const bool runSmall = only.isEmpty() || only == QLatin1String("small");
    const bool runLarge = !skipLarge && (only.isEmpty() || only == QLatin1String("large"));
    const int smallCount = quick ? 2000 : 10000;
    const int largeCount = quick ? 10 : 100;

    benchutil::printMachineHeader();
    std::unique_ptr<QTemporaryDir> tmp;
    QString dir;
    if (dirArg.isEmpty()) {
        tmp = std::make_unique<QTemporaryDir>();
        if (!tmp->isValid()) {
            std::printf("bench_batch: FAILED: no temporary folder\n");
            return 1;
        }
        dir = tmp->path();
    } else {
        dir = QDir(dirArg).absolutePath();
        if (!QDir().mkpath(dir)) {
            std::printf("bench_batch: FAILED: cannot create %s\n", qPrintable(dir));
            return 1;
        }
    }
    note(QStringLiteral("sets: %1 items of 4 KiB, %2 items of 10 MB; concurrency %3; folder %4")
             .arg(smallCount)
             .arg(largeCount)
             .arg([&] {
                 QStringList l;
                 for (int c : concurrencies)
                     l << QString::number(c);
                 return l.join(QLatin1Char('/'));
             }())
             .arg(dir));
    // Logging as codex-adminctl does it (info level, rotating file, redacted), with the file in
    // this folder instead of the user's data folder.
    qputenv("XDG_DATA_HOME", QFile::encodeName(dir + QStringLiteral("/xdg-data")));
    {
        codex::log::Options logOptions;
        logOptions.appName = QStringLiteral("bench_batch");
        logOptions.console = false;
        logOptions.file = true;
        logOptions.level = QStringLiteral("info");
        codex::log::init(logOptions);
        note(QStringLiteral("log file (as the CLI, info level): %1").arg(codex::log::filePath()));
    }
    const QString evidenceDir = dir + QStringLiteral("/evidence");
    QDir(evidenceDir).removeRecursively();
    const QString evidencePath = evidenceDir + QStringLiteral("/archive_ops.jsonl");

    // ---- SQLite
    {
        const QString file = dir + QStringLiteral("/batch-%1x4K-%2x10M.sqlite").arg(smallCount).arg(largeCount);
        ArchiveError err;
        auto loc = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///") + file, dir, &err);
        if (!loc) {
            std::printf("bench_batch: FAILED: %s\n", qPrintable(err.message));
            return 1;
        }
        QList<Item> small, large;
        {
            ArchiveLocation fillLoc = *loc;
            fillLoc.sqliteSyncEachCommit = false;
            auto store = ArchiveStore::open(fillLoc, ArchiveStore::OpenMode::CreateIfMissing, &err);
            if (!store) {
                std::printf("bench_batch: FAILED: %s\n", qPrintable(err.message));
                return 1;
            }
            if (runSmall) {
                auto s = fillSet(*store, false, smallCount, QStringLiteral("sqlite"));
                if (!s)
                    return 1;
                small = *s;
            }
            if (runLarge) {
                auto l = fillSet(*store, true, largeCount, QStringLiteral("sqlite"));
                if (!l)
                    return 1;
                large = *l;
            }
            QSqlQuery q(store->database());
            q.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)"));
        }
        info(QStringLiteral("sqlite.archive_file_size"), double(QFileInfo(file).size()) / 1e6, "MB", 1);
        if (runSmall)
            measureSet(QStringLiteral("sqlite.small"), *loc, small, concurrencies, dir, evidencePath, false, nullptr);
        if (runSmall && !skipParts)
            measureParts(*loc, small, dir, evidencePath);
        double largeRate = 0;
        if (runLarge)
            measureSet(QStringLiteral("sqlite.large"), *loc, large, concurrencies, dir, evidencePath, true, &largeRate);
        if (!skipDisk && runLarge) {
            const double disk = diskWriteRate(dir, quick ? 256LL * 1024 * 1024 : 1024LL * 1024 * 1024);
            info(QStringLiteral("disk.write_rate_8MB_chunks_fsync"), disk, "MB/s", 1);
            if (disk > 0 && largeRate > 0)
                info(QStringLiteral("sqlite.large.best_vs_disk"), largeRate / disk, "x");
        }
    }

    // ---- PostgreSQL
    if (!skipPg) {
        std::unique_ptr<PgServer> server;
        if (pgUrl.isEmpty()) {
            server = std::make_unique<PgServer>(dir + QStringLiteral("/pgserver"));
            const auto url = server->start();
            if (!url) {
                note(QStringLiteral("FAILED: the PostgreSQL server did not start"));
                return 1;
            }
            pgUrl = *url;
        }
        ArchiveError err;
        const auto loc = ArchiveLocation::fromUrl(pgUrl, dir, &err);
        if (!loc) {
            note(QStringLiteral("FAILED: %1").arg(err.message));
            return 1;
        }
        note(QStringLiteral("postgres: %1").arg(loc->redactedUrl));
        QList<Item> small, large;
        {
            auto store = ArchiveStore::open(*loc, ArchiveStore::OpenMode::ExistingOnly, &err);
            if (!store || !store->ensureSchema(&err)) {
                note(QStringLiteral("FAILED: %1").arg(err.message));
                return 1;
            }
            if (runSmall) {
                auto s = fillSet(*store, false, smallCount, QStringLiteral("postgres"));
                if (!s)
                    return 1;
                small = *s;
            }
            if (runLarge) {
                auto l = fillSet(*store, true, largeCount, QStringLiteral("postgres"));
                if (!l)
                    return 1;
                large = *l;
            }
        }
        if (runSmall)
            measureSet(QStringLiteral("postgres.small"), *loc, small, concurrencies, dir, evidencePath, false, nullptr);
        if (runLarge)
            measureSet(QStringLiteral("postgres.large"), *loc, large, {concurrencies.last()}, dir, evidencePath, true, nullptr);
    }
    const qint64 evidenceLines = [&] {
        QFile f(evidencePath);
        return f.open(QIODevice::ReadOnly) ? qint64(f.readAll().count('\n')) : qint64(0);
    }();
    note(QStringLiteral("evidence log %1: %2 lines").arg(evidencePath).arg(evidenceLines));
    for (const QString &kept : std::as_const(g_keptOutputs))
        QDir(kept).removeRecursively();
    return 0;
}
