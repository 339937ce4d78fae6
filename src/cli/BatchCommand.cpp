// codex-adminctl batch-restore MANIFEST --by ACTOR: the reference's batch restore, with a real
// worker pool, validation before anything runs, a resumable journal and clean cancellation.
#include "CliContext.h"
#include "common/SignalWatcher.h"

#include "archive/ArchiveStore.h"
#include "batch/BatchJournal.h"
#include "batch/BatchResults.h"
#include "batch/BatchRunner.h"
#include "batch/BatchValidator.h"
#include "batch/Manifest.h"
#include "common/Url.h"
#include "evidence/EvidenceLog.h"

#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <memory>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

using namespace codex;
using namespace codex::archive;
using namespace codex::batch;

namespace {

/// Issues printed in the text report before "… and N more" (all of them are in --dry-run's JSON
/// and, as failed entries, in the results file).
constexpr int kMaxIssueLines = 100;
constexpr int kDefaultProgressInterval = 10;

// ---- progress on stderr ------------------------------------------------------------------------

bool isTerminal(ItemStatus s)
{
    switch (s) {
    case ItemStatus::Succeeded:
    case ItemStatus::Failed:
    case ItemStatus::Blocked:
    case ItemStatus::Cancelled:
    case ItemStatus::Skipped:
        return true;
    case ItemStatus::Pending:
    case ItemStatus::Running:
    case ItemStatus::Waiting:
        break;
    }
    return false;
}

QString seconds(qint64 ms)
{
    return QStringLiteral("%1s").arg(double(ms) / 1000.0, 0, 'f', 2);
}

/// "[BATCH] 10/100 SUCCESS <tombstone>" every `interval` finished items, every failure at once,
/// and a final line. On a terminal the every-`interval` lines are replaced by a single updating
/// status line (count, percentage, rate, ETA); failures are still printed as lines above it.
class ProgressPrinter {
public:
    ProgressPrinter(QTextStream &err, const BatchRunner &runner, int interval, bool tty)
        : m_err(err), m_runner(runner), m_interval(std::max(1, interval)), m_tty(tty),
          m_total(int(runner.manifest().entries.size())), m_seen(size_t(m_total), false), m_nextLine(m_interval)
    {
    }

    void progressed(const BatchProgress &p, const QList<int> &changed)
    {
        for (int index : changed)
            see(index, m_runner.state(index));
        if (m_tty)
            statusLine(p);
    }

    /// Counts what the last coalesced signal may not have carried, then prints the final line.
    void finished(const BatchProgress &p, bool cancelled)
    {
        const QList<ItemState> states = m_runner.states();
        for (int i = 0; i < states.size(); ++i)
            see(i, states[i]);
        clearStatusLine();
        QString line = cancelled ? QStringLiteral("[BATCH] cancelled after %1/%2: %3 succeeded, %4 failed")
                                 : QStringLiteral("[BATCH] %1/%2 done: %3 succeeded, %4 failed");
        line = line.arg(p.done - p.cancelled).arg(p.total).arg(p.succeeded).arg(p.failed);
        if (p.skipped > 0)
            line += QStringLiteral(", %1 skipped (already restored)").arg(p.skipped);
        if (p.cancelled > 0)
            line += QStringLiteral(", %1 not run").arg(p.cancelled);
        if (p.elapsedMs > 0) {
            const double s = double(p.elapsedMs) / 1000.0;
            line += QStringLiteral(" in %1 (%2 items/s, %3 MB/s)")
                        .arg(seconds(p.elapsedMs))
                        .arg(double(p.succeeded + p.failed) / s, 0, 'f', 1)
                        .arg(double(p.bytes) / 1e6 / s, 0, 'f', 1);
        }
        m_err << line << "\n";
        m_err.flush();
    }

    /// A message between progress lines (clears the status line on a terminal first).
    void message(const QString &text)
    {
        clearStatusLine();
        if (text.isEmpty())
            return;
        m_err << text << "\n";
        m_err.flush();
    }

private:
    void see(int index, const ItemState &s)
    {
        if (index < 0 || index >= m_total || m_seen[size_t(index)] || !isTerminal(s.status))
            return;
        m_seen[size_t(index)] = true;
        ++m_done;
        const QString tombstone = m_runner.manifest().entries.value(index).tombstone;
        if (s.status == ItemStatus::Failed) {
            clearStatusLine();
            m_err << QStringLiteral("[BATCH] %1/%2 FAILED %3: %4").arg(m_done).arg(m_total).arg(tombstone, redactSecrets(s.error))
                  << "\n";
        } else if (!m_tty && m_done >= m_nextLine && s.status == ItemStatus::Succeeded) {
            // Skipped, blocked and cancelled items are counted but not listed one by one: a
            // resumed run would otherwise start with a burst of lines for work done earlier.
            clearStatusLine();
            m_err << QStringLiteral("[BATCH] %1/%2 %3 %4").arg(m_done).arg(m_total).arg(statusName(s.status), tombstone) << "\n";
        }
        if (m_done >= m_nextLine)
            m_nextLine = (m_done / m_interval + 1) * m_interval;
        if (!m_tty)
            m_err.flush();
    }

    void statusLine(const BatchProgress &p)
    {
        QString line = QStringLiteral("[BATCH] %1/%2 (%3%)  %4 items/s  %5 MB/s")
                           .arg(p.done)
                           .arg(p.total)
                           .arg(p.total > 0 ? 100.0 * p.done / p.total : 100.0, 0, 'f', 1)
                           .arg(p.itemsPerSecond, 0, 'f', 0)
                           .arg(p.bytesPerSecond / 1e6, 0, 'f', 1);
        if (p.etaMs >= 0)
            line += QStringLiteral("  ETA %1s").arg((p.etaMs + 999) / 1000);
        if (p.paused)
            line += QStringLiteral("  (paused)");
        m_err << "\r\x1b[K" << line;
        m_err.flush();
        m_lineOpen = true;
    }

    void clearStatusLine()
    {
        if (m_tty && m_lineOpen) {
            m_err << "\r\x1b[K";
            m_lineOpen = false;
        }
    }

    QTextStream &m_err;
    const BatchRunner &m_runner;
    const int m_interval;
    const bool m_tty;
    const int m_total;
    std::vector<bool> m_seen;
    int m_done = 0;
    int m_nextLine;
    bool m_lineOpen = false;
};

QString absoluteIn(const QString &workspace, const QString &path)
{
    return path.isEmpty() ? QString() : QDir::cleanPath(QDir(workspace).absoluteFilePath(path));
}

QJsonObject issueJson(const ValidationIssue &i, const Manifest &manifest)
{
    QJsonObject o{{QStringLiteral("kind"), issueKindName(i.kind)},
                  {QStringLiteral("blocking"), i.blocking},
                  {QStringLiteral("message"), i.message}};
    if (i.index >= 0) {
        o.insert(QStringLiteral("index"), i.index);
        o.insert(QStringLiteral("entry"), i.index + 1);
        if (i.index < manifest.entries.size()) {
            const ManifestEntry &e = manifest.entries[i.index];
            if (e.line > 0)
                o.insert(QStringLiteral("line"), e.line);
            o.insert(QStringLiteral("tombstone"), e.tombstone);
            o.insert(QStringLiteral("output"), e.output);
        }
    }
    return o;
}

QByteArray dryRunJson(const ValidationReport &report, const Manifest &manifest)
{
    QJsonArray issues;
    int warnings = 0;
    for (const ValidationIssue &i : report.issues) {
        issues.append(issueJson(i, manifest));
        warnings += i.blocking ? 0 : 1;
    }
    return QJsonDocument(QJsonObject{{QStringLiteral("manifest"), manifest.path},
                                     {QStringLiteral("total"), report.total},
                                     {QStringLiteral("blocking"), report.blockingCount()},
                                     {QStringLiteral("blocked_entries"), int(report.blockedIndexes().size())},
                                     {QStringLiteral("warnings"), warnings},
                                     {QStringLiteral("ok"), report.ok()},
                                     {QStringLiteral("issues"), issues}})
        .toJson(QJsonDocument::Indented);
}

void printReport(QTextStream &err, const ValidationReport &report, bool continueOnError)
{
    const int blocking = report.blockingCount();
    const int warnings = int(report.issues.size()) - blocking;
    if (report.issues.isEmpty()) {
        err << QStringLiteral("Validated %1 entr%2: no issues\n").arg(report.total).arg(report.total == 1 ? "y" : "ies");
        err.flush();
        return;
    }
    err << QStringLiteral("Validated %1 entr%2: %3 blocking issue(s) in %4 entr%5, %6 warning(s)\n")
               .arg(report.total)
               .arg(report.total == 1 ? "y" : "ies")
               .arg(blocking)
               .arg(report.blockedIndexes().size())
               .arg(report.blockedIndexes().size() == 1 ? "y" : "ies")
               .arg(warnings);
    int printed = 0;
    for (const ValidationIssue &i : report.issues) {
        if (printed++ == kMaxIssueLines) {
            err << QStringLiteral("  … and %1 more (all of them: --dry-run)\n").arg(report.issues.size() - kMaxIssueLines);
            break;
        }
        err << (i.blocking ? "  BLOCKING " : "  warning ") << issueKindName(i.kind) << ": " << i.message << "\n";
    }
    if (blocking > 0)
        err << (continueOnError ? "Blocked entries are not restored and count as failed (--continue-on-error).\n"
                                : "Nothing will be restored: fix the manifest, or use --continue-on-error to restore the other entries.\n");
    err.flush();
}

int batchRestore(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("MANIFEST"),
                                 QStringLiteral("JSON (list or {\"items\": [...]}) or CSV (tombstone,output[,actor]) manifest; "
                                                "relative paths are relative to the workspace"));
    parser.addOptions({
        {QStringLiteral("by"), QStringLiteral("Actor executing the restores (entries may name their own; required)."), QStringLiteral("ACTOR")},
        {QStringLiteral("continue-on-error"), QStringLiteral("Restore the other entries when one fails or is refused by validation.")},
        {QStringLiteral("concurrency"), QStringLiteral("Parallel restores (default: batch.max_concurrent / batch.concurrent)."), QStringLiteral("N")},
        {QStringLiteral("resume"), QStringLiteral("Continue the run recorded in this journal (same manifest): items already restored and verified are skipped."), QStringLiteral("JOURNAL")},
        {QStringLiteral("results"), QStringLiteral("Results file, or folder for batch_restore_YYYYMMDD_HHMMSS.json (default: batch.results_path, else the manifest's folder)."), QStringLiteral("PATH")},
        {QStringLiteral("restore-root"), QStringLiteral("Outputs must stay inside this folder (default: the manifest's folder)."), QStringLiteral("DIR")},
        {QStringLiteral("allow-outside-root"), QStringLiteral("Allow outputs outside the restore root ('..', absolute paths, symlinks).")},
        {QStringLiteral("overwrite"), QStringLiteral("Replace outputs that exist.")},
        {QStringLiteral("rename"), QStringLiteral("If an output exists, write 'name (1).ext' instead.")},
        {QStringLiteral("dry-run"), QStringLiteral("Load and validate only; print {\"total\": N, \"issues\": [...]} and restore nothing.")},
    });
    CliContext::addConfigOptions(parser);
    if (!ctx.parse(parser, QStringLiteral("Restore every entry of a manifest: validated first, run in parallel, resumable, "
                                          "recorded in the evidence log (RESTORE per item, BATCH_RESTORE at the end).")))
        return parser.isSet(QStringLiteral("help")) ? 0 : cli::kUsageError;

    const QStringList pos = parser.positionalArguments();
    if (pos.size() != 1)
        return ctx.fail(QStringLiteral("batch-restore needs one MANIFEST"), cli::kUsageError);
    const bool dryRun = parser.isSet(QStringLiteral("dry-run"));
    const bool json = parser.isSet(QStringLiteral("json"));
    const QString actor = parser.value(QStringLiteral("by")).trimmed();
    if (actor.isEmpty() && !dryRun)
        return ctx.fail(QStringLiteral("batch-restore needs --by ACTOR (it is recorded in the evidence log)"), cli::kUsageError);
    if (parser.isSet(QStringLiteral("overwrite")) && parser.isSet(QStringLiteral("rename")))
        return ctx.fail(QStringLiteral("--overwrite and --rename exclude each other"), cli::kUsageError);
    std::optional<int> concurrency;
    if (parser.isSet(QStringLiteral("concurrency"))) {
        bool ok = false;
        const int n = parser.value(QStringLiteral("concurrency")).toInt(&ok);
        if (!ok || n < 1 || n > 256)
            return ctx.fail(QStringLiteral("--concurrency expects a number from 1 to 256, not '%1'").arg(parser.value(QStringLiteral("concurrency"))),
                            cli::kUsageError);
        concurrency = n;
    }
    if (dryRun && parser.isSet(QStringLiteral("resume")))
        return ctx.fail(QStringLiteral("--dry-run and --resume exclude each other"), cli::kUsageError);

    int code = 0;
    auto where = ctx.locateArchive(parser, &code);
    if (!where)
        return code;
    const QString workspace = where->options.inputs.workspace;

    // 1. The manifest: every entry error at once, and nothing restored when there is one.
    const QString manifestPath = absoluteIn(workspace, pos[0]);
    QList<ManifestError> errors;
    const std::optional<Manifest> manifest = Manifest::load(manifestPath, &errors);
    if (!manifest) {
        for (const ManifestError &e : errors)
            ctx.err << "ERROR: " << e.message << "\n";
        return ctx.fail(QStringLiteral("the manifest %1 cannot be used (%2 error(s)); nothing was restored").arg(pos[0]).arg(errors.size()));
    }

    // 2. How the batch runs: the effective configuration, then the command line.
    BatchOptions options = BatchOptions::fromConfig(where->config);
    options.actor = actor;
    if (concurrency)
        options.concurrency = *concurrency;
    if (parser.isSet(QStringLiteral("continue-on-error")))
        options.continueOnError = true;
    options.conflict = parser.isSet(QStringLiteral("overwrite")) ? ConflictPolicy::Overwrite
                       : parser.isSet(QStringLiteral("rename"))  ? ConflictPolicy::RenameWithSuffix
                                                                 : ConflictPolicy::Refuse;
    if (parser.isSet(QStringLiteral("restore-root"))) {
        options.restoreRoot = absoluteIn(workspace, parser.value(QStringLiteral("restore-root")));
        if (!QFileInfo(options.restoreRoot).isDir())
            return ctx.fail(QStringLiteral("--restore-root %1 is not a folder").arg(options.restoreRoot), cli::kUsageError);
    }
    options.allowOutsideRoot = parser.isSet(QStringLiteral("allow-outside-root"));
    if (parser.isSet(QStringLiteral("results")))
        options.resultsPath = parser.value(QStringLiteral("results"));
    options.resultsPath = absoluteIn(workspace, options.resultsPath);  // batch.results_path too
    options.evidencePath = evidence::EvidenceLog::defaultPath(workspace, where->options.inputs.environment);
    int progressInterval = kDefaultProgressInterval;
    if (const config::ResolvedKey *k = where->config.find(QStringLiteral("batch.progress_interval"));
        k && k->value.isValid() && k->value.toInt() > 0)
        progressInterval = k->value.toInt();

    QString journal;
    if (parser.isSet(QStringLiteral("resume"))) {
        journal = absoluteIn(workspace, parser.value(QStringLiteral("resume")));
        QString why;
        const auto contents = BatchJournal::read(journal, &why);
        if (!contents)
            return ctx.fail(QStringLiteral("cannot resume from %1: %2").arg(journal, why));
        // Whether it belongs to this manifest is checked by the runner (sha256 of the manifest).
    }

    // Opened once here before any work starts, so that an unreachable or wrong database is one
    // clear error, not one RESTORE_FAIL per entry.
    if (!ctx.openArchive(where->location, false, &code))
        return code;

    // 3. Validate, run, report.
    BatchRunner runner(where->location, *manifest, options);
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    ProgressPrinter printer(ctx.err, runner, progressInterval, tty);
    QEventLoop loop;
    bool done = false;
    std::optional<ValidationReport> report;
    std::optional<BatchSummary> summary;
    int signalled = 0;

    QObject::connect(&runner, &BatchRunner::validated, &loop, [&](const ValidationReport &r) {
        report = r;
        if (dryRun) {
            done = true;
            loop.quit();
        } else {
            printer.message({});
            printReport(ctx.err, r, options.continueOnError);
        }
    });
    QObject::connect(&runner, &BatchRunner::progressed, &loop,
                     [&](const BatchProgress &p, const QList<int> &changed) { printer.progressed(p, changed); });
    QObject::connect(&runner, &BatchRunner::finished, &loop, [&](const BatchSummary &s) {
        summary = s;
        done = true;
        loop.quit();
    });
    codex::SignalWatcher watcher([&](int sig) {
        if (signalled) {
            printer.message(QStringLiteral("Interrupted again: quitting at once (resume later with --resume)."));
            std::_Exit(128 + sig);
        }
        signalled = sig;
        printer.message(QStringLiteral("%1: cancelling — running items are stopped, nothing is left half-written "
                                       "(press Ctrl-C again to quit at once)")
                            .arg(sig == SIGINT ? QStringLiteral("Interrupted") : QStringLiteral("Terminated")));
        if (dryRun) {
            done = true;
            loop.quit();
        }
        runner.cancel();
    });

    if (dryRun) {
        runner.validateOnly();
    } else if (!journal.isEmpty()) {
        printer.message(QStringLiteral("Resuming from %1").arg(journal));
        runner.resume(journal);
    } else {
        runner.start();
    }
    if (!done)
        loop.exec();

    if (dryRun) {
        if (!report)
            return ctx.fail(QStringLiteral("validation was interrupted"), signalled ? 128 + signalled : 1);
        ctx.out << dryRunJson(*report, *manifest);
        ctx.out.flush();
        if (!json)
            ctx.err << QStringLiteral("Dry run: %1 entr%2, %3 blocking issue(s); nothing was restored\n")
                           .arg(report->total)
                           .arg(report->total == 1 ? "y" : "ies")
                           .arg(report->blockingCount());
        return report->ok() ? 0 : 1;
    }
    if (!summary)
        return ctx.fail(QStringLiteral("the batch ended without a summary"));

    const BatchProgress &p = summary->progress;
    const QList<ItemState> states = runner.states();
    const bool attempted = std::any_of(states.cbegin(), states.cend(), [](const ItemState &s) {
        return s.attempts > 0 || s.status == ItemStatus::Succeeded || s.status == ItemStatus::Skipped;
    });
    if (!attempted && summary->resultsPath.isEmpty() && !summary->cancelled) {
        // Refused before anything ran (validation, a journal of another manifest, …).
        return ctx.fail(summary->error.isEmpty() ? QStringLiteral("nothing was restored") : redactSecrets(summary->error));
    }
    printer.finished(p, summary->cancelled);
    const int succeeded = p.succeeded + p.skipped;
    const int failed = p.total - succeeded;
    if (!summary->error.isEmpty())
        ctx.err << "codex-adminctl: " << redactSecrets(summary->error) << "\n";

    QTextStream &sink = json ? ctx.err : ctx.out;
    // "complete" as the reference says it; "stopped" when a failure ended the batch early
    // (without --continue-on-error), "cancelled" after Ctrl-C / SIGTERM.
    sink << (summary->cancelled     ? "Batch restore cancelled\n"
             : p.cancelled > 0      ? "Batch restore stopped\n"
                                    : "Batch restore complete\n");
    sink << "  Succeeded: " << succeeded << "\n";
    if (p.skipped > 0)
        sink << "    (" << p.skipped << " already restored by an earlier run, skipped)\n";
    sink << "  Failed: " << failed << "\n";
    sink << "  Total Time: " << seconds(p.elapsedMs) << "\n";
    if (!summary->resultsPath.isEmpty())
        sink << "  Results saved to: " << summary->resultsPath << "\n";
    else
        sink << "  Results: NOT saved\n";
    if (!summary->journalPath.isEmpty())
        sink << "  Journal: " << summary->journalPath << "\n";
    sink.flush();

    if (summary->cancelled && !summary->journalPath.isEmpty()) {
        ctx.err << "Resume with: codex-adminctl batch-restore " << pos[0] << " --by " << actor << " --resume "
                << summary->journalPath
                << (parser.isSet(QStringLiteral("workspace")) ? QStringLiteral(" --workspace ") + workspace : QString()) << "\n";
    }
    if (json) {
        QByteArray doc;
        if (!summary->resultsPath.isEmpty()) {
            QFile f(summary->resultsPath);
            if (f.open(QIODevice::ReadOnly))
                doc = f.readAll();
        }
        if (doc.isEmpty())
            doc = BatchResults::serialize(runner.manifest(), runner.options(), runner.states(), p.elapsedMs);
        ctx.out << doc;
        if (!doc.endsWith('\n'))
            ctx.out << "\n";
        ctx.out.flush();
    }
    ctx.err.flush();
    if (signalled)
        return 128 + signalled;
    return failed == 0 && summary->error.isEmpty() && !summary->cancelled ? 0 : 1;
}

}  // namespace

int cli::runBatch(CliContext &ctx)
{
    const QStringList rest = QStringList{ctx.args[0] + QStringLiteral(" batch-restore")} + ctx.args.mid(2);
    CliContext sc{rest, ctx.out, ctx.err};
    return batchRestore(sc);
}
