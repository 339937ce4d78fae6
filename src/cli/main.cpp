// codex-adminctl: the command-line front end on Codex Admin's core, for scripts and CI.
#include "CliContext.h"

#include "common/Log.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QTextStream>

#include <memory>

namespace {

const char *kUsage =
    "Usage: codex-adminctl COMMAND [options]\n"
    "\n"
    "Commands:\n"
    "  config show      Effective archive / ccproxy configuration [--origin] [--json] [--profile P]\n"
    "  config set       Set KEY to VALUE in the configuration file, keeping everything else as it is\n"
    "  config unset     Remove KEY from the configuration file\n"
    "  config validate  Check the configuration; exit 1 when it is invalid\n"
    "  health-check     Is the archive reachable, with the reference schema? [--json]\n"
    "  list             List archived items with filters [--repo R] [--path TEXT] [--since D] … [--json]\n"
    "  show TOMBSTONE   Everything about one item (JSON)\n"
    "  restore TOMBSTONE OUTPUT --by ACTOR [--overwrite|--rename]\n"
    "                   Decompress, verify sha256, write atomically, record RESTORE evidence\n"
    "  batch-restore MANIFEST --by ACTOR [--continue-on-error] [--concurrency N] [--resume JOURNAL]\n"
    "                [--results PATH] [--restore-root DIR] [--allow-outside-root] [--overwrite|--rename]\n"
    "                [--dry-run] [--json]\n"
    "                   Restore every entry of a JSON/CSV manifest: validated first, in parallel,\n"
    "                   resumable after Ctrl-C or a crash, results file + BATCH_RESTORE evidence\n"
    "  evidence         Print the evidence log [--action A] [--actor X] [--tombstone T] [--json]\n"
    "  probe --base-url URL [--profile fork|legacy|current] [--token-env VAR] [--suite FILE]\n"
    "        [--case ID …] [--results FILE] [--json]\n"
    "                   Run the endpoint test suite (seed 000's manual tests); exit 0 only if all pass\n"
    "  load --base-url URL -n N -c C [--stream] [--token-env VAR] [--json]\n"
    "                   N requests, C in flight: requests/s, p50/p95/p99, errors by status\n"
    "  scrape URL [--interval S] [--group-by endpoint|model] [--naming ccproxy|seed] [--json]\n"
    "                   Request rate, error ratio, p50/p95/p99 per series group between two scrapes\n"
    "  query --prometheus URL 'PROMQL' [--range 5m --step 15] [--preset rate|errors|p95] [--json]\n"
    "                   Ask a Prometheus server; API errors printed with their message\n"
    "  watch URL --threshold 'error_ratio>0.01:for=30s' … [--interval S] [--duration S] [--json]\n"
    "                   Exit 1 as soon as a threshold is breached (for CI and canary scripts)\n"
    "  serve-sim [--port P] [--error-rate X] [--latency-ms MEAN] [--profile P] [--set KEY=VALUE …]\n"
    "                   A local simulated ccproxy (Codex endpoints, SSE, /metrics) on 127.0.0.1\n"
    "  rollout list|show [NAME] [--status S] [--history]\n"
    "                   Rollouts of the workspace (.codex/rollouts.sqlite): checklist, criteria, sign-offs\n"
    "  rollout new NAME [--template codex-parity|archive-improvements|both] --by ACTOR\n"
    "  rollout check ITEM --status open|done|n/a|blocked --by ACTOR [--note TEXT] [--owner NAME]\n"
    "  rollout note ITEM TEXT --by ACTOR  |  rollout owner ITEM NAME --by ACTOR\n"
    "  rollout attach --suite FILE --by ACTOR    Tick the manual-test items a suite run evidences\n"
    "  rollout collect --by ACTOR [--prometheus URL] [--window 10m]\n"
    "                   Gather suite runs, health check, batch results, config and metric snapshots\n"
    "  rollout evaluate --by ACTOR  Judge the success criteria from data; exit 1 when one fails\n"
    "  rollout sign --role R --by ACTOR [--comment TEXT]   Seal the report content's SHA-256\n"
    "  rollout verify   Exit 1 when a sign-off was changed after signing or tampered with (diff shown)\n"
    "  rollout history [--item ITEM]   Who changed what when\n"
    "                   (rollout commands take --rollout NAME, optional when there is one rollout)\n"
    "  report export --rollout NAME --format pdf|html|md|json -o FILE [--force]\n"
    "                   The rollout report; the format may be told by FILE's extension\n"
    "\n"
    "Every command takes --workspace DIR (default: the current folder) and --help.\n";

}  // namespace

int main(int argc, char **argv)
{
    // `report export --format pdf` lays pages out with fonts: only that command starts a
    // QGuiApplication (offscreen unless the caller chose a platform); everything else stays headless.
    std::unique_ptr<QCoreApplication> app;
    if (argc > 1 && qstrcmp(argv[1], "report") == 0) {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        // Without a session (CI, ssh, cron) QStandardPaths would warn on stderr and then use this
        // very folder; choose it quietly, private to the user as it requires.
        if (qEnvironmentVariableIsEmpty("XDG_RUNTIME_DIR")) {
            const QByteArray dir = QDir::tempPath().toLocal8Bit() + "/runtime-" + qgetenv("USER");
            if (QDir().mkpath(QString::fromLocal8Bit(dir))
                && QFile::setPermissions(QString::fromLocal8Bit(dir), QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                                                         | QFileDevice::ExeOwner))
                qputenv("XDG_RUNTIME_DIR", dir);
        }
        app = std::make_unique<QGuiApplication>(argc, argv);
    } else {
        app = std::make_unique<QCoreApplication>(argc, argv);
    }
    QCoreApplication::setApplicationName(QStringLiteral("codex-adminctl"));
    QCoreApplication::setOrganizationName(QStringLiteral("codex-admin"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CODEXADMIN_VERSION));
    // The CLI reports to the terminal itself; the log file keeps the details.
    codex::log::init({QStringLiteral("codex-adminctl"), false, true, QStringLiteral("info")});

    QTextStream out(stdout);
    QTextStream err(stderr);
    QStringList args = QCoreApplication::arguments();
    if (args.size() < 2 || args[1] == QLatin1String("--help") || args[1] == QLatin1String("-h")
        || args[1] == QLatin1String("help")) {
        out << kUsage;
        return args.size() < 2 ? cli::kUsageError : 0;
    }
    if (args[1] == QLatin1String("--version")) {
        out << "codex-adminctl " << CODEXADMIN_VERSION << "\n";
        return 0;
    }
    const QString command = args[1];
    CliContext ctx{args, out, err};
    if (command == QLatin1String("config"))
        return cli::runConfig(ctx);
    if (command == QLatin1String("batch-restore"))
        return cli::runBatch(ctx);
    if (command == QLatin1String("serve-sim"))
        return cli::runServeSim(ctx);
    if (command == QLatin1String("probe"))
        return cli::runProbe(ctx);
    if (command == QLatin1String("load"))
        return cli::runLoad(ctx);
    if (command == QLatin1String("rollout"))
        return cli::runRollout(ctx);
    if (command == QLatin1String("report"))
        return cli::runReport(ctx);
    for (const char *metrics : {"scrape", "query", "watch"})
        if (command == QLatin1String(metrics))
            return cli::runMetrics(ctx, command);
    for (const char *archive : {"health-check", "list", "show", "restore", "evidence"})
        if (command == QLatin1String(archive))
            return cli::runArchive(ctx, command);
    err << "codex-adminctl: unknown command '" << command << "'\n\n" << kUsage;
    return cli::kUsageError;
}
