// bench_config: how fast the configuration core answers the two things the UI does all the time.
//   1. resolve the effective configuration (every keystroke in the Config page re-resolves)
//   2. one edit + save of a large (10,000-line) TOML file
// A measurement, not a test: it prints its figures and exits 0 even when a target is missed.
// Output lines: "name: value unit (target …, PASS|MISS)" or "name: value unit (info)";
// lines starting with '#' describe the machine and the scenario.
// Usage: bench_config [resolve] [edit]   (no argument: both)
#include "config/ConfigEditor.h"
#include "config/ConfigResolver.h"
#include "config/PrecedenceProfile.h"
#include "config/TomlDocument.h"

#include "BenchMachine.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QStorageInfo>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

using namespace codex::config;
using Clock = std::chrono::steady_clock;

namespace {

volatile qint64 g_sink = 0;  // results feed this so nothing is optimised away

double elapsedUs(Clock::time_point a, Clock::time_point b)
{
    return std::chrono::duration<double, std::micro>(b - a).count();
}

struct Stats {
    double mean = 0;
    double p50 = 0;
    double p99 = 0;
    double min = 0;
    double max = 0;
};

Stats stats(std::vector<double> v)
{
    Stats s;
    if (v.empty())
        return s;
    std::sort(v.begin(), v.end());
    s.mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
    auto at = [&](double q) {
        // nearest-rank percentile
        const size_t rank = size_t(std::ceil(q * double(v.size())));
        return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
    };
    s.p50 = at(0.50);
    s.p99 = at(0.99);
    s.min = v.front();
    s.max = v.back();
    return s;
}

void figure(const char *name, double value, const char *unit, double target)
{
    std::printf("%s: %.2f %s (target < %g %s, %s)\n", name, value, unit, target, unit,
                value < target ? "PASS" : "MISS");
}

void info(const char *name, double value, const char *unit)
{
    std::printf("%s: %.2f %s (info)\n", name, value, unit);
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return f.write(bytes) == bytes.size();
}

// ---- the scenario ----------------------------------------------------------------------------

// A generation-A archive.toml as an admin writes it: all five sections, comments, blank lines.
const char *kArchiveA = R"(# Codex archive configuration (generation A).
# Managed by Codex Admin; edit with care — unknown keys stop the archiver.

[backend]
# sqlite for a single workstation, postgres for the shared archive
type = "postgres"
url = "postgresql://archiver:s3cr3t@db.internal:5432/codex_archive"  # credentials masked in the UI

[logging]
level = "info"     # debug | info | warn | error
format = "json"
file = "/var/log/codex/archive.log"

[retry]
enabled = true
max_attempts = 5
initial_delay = 0.5   # seconds
max_delay = 60.0
backoff_factor = 2.0
jitter = true

[batch]
max_concurrent = 8
timeout_per_item = 600
continue_on_error = false

[performance]
enable_metrics = true
track_decompression = false
)";

// The same deployment written for generation B (its key names differ).
const char *kArchiveB = R"(# Codex archive configuration (generation B).
# Read only because CODEX_ARCHIVE_CONFIG names this file.

[backend]
backend = "postgres"
url = "postgresql://archiver:s3cr3t@db.internal:5432/codex_archive"

[logging]
level = "warning"
format = "json"
evidence_file = "/var/log/codex/evidence.jsonl"

[retry]
enabled = true
max_attempts = 5
initial_delay = 0.5
max_delay = 60.0
multiplier = 2.0
jitter = 0.2
# seed = 42    # uncomment for reproducible backoff

[batch]
concurrent = 8
progress_interval = 50
results_path = "results/batch.jsonl"

[performance]
enabled = true
emit_to_evidence = false
)";

// The [codex] table (and friends) of ccproxy's fork; the 10,000-line file starts with it.
const char *kCcproxyHead = R"(# ccproxy configuration — Codex rollout
[server]
host = "0.0.0.0"
port = 8080

[security]
auth_token = "sk-local-7f3a9c"

[codex]
enabled = true
base_url = "https://chatgpt.com/backend-api/codex"
system_prompt_injection_mode = "append"   # override | append | disabled
enable_dynamic_model_info = true
max_output_tokens_fallback = 8192
propagate_unsupported_params = false
header_override_enabled = true
verbose_logging = false
callback_port = 1455

[observability]
metrics_endpoint_enabled = true
pushgateway_url = "http://pushgateway.internal:9091"
)";

const char *kDotEnv = "# local overrides for ccproxy\nSERVER__PORT=8081\nCODEX__VERBOSE_LOGGING=false\n"
                      "OBSERVABILITY__METRICS_ENDPOINT_ENABLED=true\n";

/// ~52 variables of a real login shell plus the tool-specific ones of each profile: ~60 in all.
QMap<QString, QString> baseEnvironment(const QString &home)
{
    QMap<QString, QString> e;
    e[QStringLiteral("PATH")] = QStringLiteral("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:") + home +
                                QStringLiteral("/.local/bin:") + home + QStringLiteral("/.cargo/bin");
    e[QStringLiteral("HOME")] = home;
    e[QStringLiteral("USER")] = QStringLiteral("admin");
    e[QStringLiteral("LOGNAME")] = QStringLiteral("admin");
    e[QStringLiteral("SHELL")] = QStringLiteral("/bin/bash");
    e[QStringLiteral("LANG")] = QStringLiteral("en_US.UTF-8");
    e[QStringLiteral("LANGUAGE")] = QStringLiteral("en_US:en");
    e[QStringLiteral("LC_TIME")] = QStringLiteral("de_DE.UTF-8");
    e[QStringLiteral("LC_MONETARY")] = QStringLiteral("de_DE.UTF-8");
    e[QStringLiteral("TERM")] = QStringLiteral("xterm-256color");
    e[QStringLiteral("COLORTERM")] = QStringLiteral("truecolor");
    e[QStringLiteral("PWD")] = home + QStringLiteral("/work");
    e[QStringLiteral("OLDPWD")] = home;
    e[QStringLiteral("SHLVL")] = QStringLiteral("2");
    e[QStringLiteral("EDITOR")] = QStringLiteral("vim");
    e[QStringLiteral("VISUAL")] = QStringLiteral("vim");
    e[QStringLiteral("PAGER")] = QStringLiteral("less");
    e[QStringLiteral("LESS")] = QStringLiteral("-R");
    e[QStringLiteral("HISTSIZE")] = QStringLiteral("10000");
    e[QStringLiteral("HISTCONTROL")] = QStringLiteral("ignoreboth");
    e[QStringLiteral("MAIL")] = QStringLiteral("/var/mail/admin");
    e[QStringLiteral("HOSTNAME")] = QStringLiteral("archive-admin-01");
    e[QStringLiteral("XDG_RUNTIME_DIR")] = QStringLiteral("/run/user/1000");
    e[QStringLiteral("XDG_SESSION_TYPE")] = QStringLiteral("wayland");
    e[QStringLiteral("XDG_SESSION_ID")] = QStringLiteral("3");
    e[QStringLiteral("XDG_CURRENT_DESKTOP")] = QStringLiteral("KDE");
    e[QStringLiteral("XDG_DATA_DIRS")] = QStringLiteral("/usr/local/share:/usr/share");
    e[QStringLiteral("XDG_CONFIG_DIRS")] = QStringLiteral("/etc/xdg");
    e[QStringLiteral("DBUS_SESSION_BUS_ADDRESS")] = QStringLiteral("unix:path=/run/user/1000/bus");
    e[QStringLiteral("DISPLAY")] = QStringLiteral(":0");
    e[QStringLiteral("WAYLAND_DISPLAY")] = QStringLiteral("wayland-0");
    e[QStringLiteral("SSH_AUTH_SOCK")] = QStringLiteral("/run/user/1000/ssh-agent.socket");
    e[QStringLiteral("SSH_AGENT_PID")] = QStringLiteral("1432");
    e[QStringLiteral("GPG_TTY")] = QStringLiteral("/dev/pts/1");
    e[QStringLiteral("DESKTOP_SESSION")] = QStringLiteral("plasma");
    e[QStringLiteral("KDE_FULL_SESSION")] = QStringLiteral("true");
    e[QStringLiteral("QT_QPA_PLATFORMTHEME")] = QStringLiteral("kde");
    e[QStringLiteral("QT_AUTO_SCREEN_SCALE_FACTOR")] = QStringLiteral("0");
    e[QStringLiteral("GTK_MODULES")] = QStringLiteral("canberra-gtk-module");
    e[QStringLiteral("JAVA_HOME")] = QStringLiteral("/usr/lib/jvm/java-17-openjdk-amd64");
    e[QStringLiteral("GOPATH")] = home + QStringLiteral("/go");
    e[QStringLiteral("CARGO_HOME")] = home + QStringLiteral("/.cargo");
    e[QStringLiteral("PYTHONDONTWRITEBYTECODE")] = QStringLiteral("1");
    e[QStringLiteral("VIRTUAL_ENV")] = home + QStringLiteral("/work/.venv");
    e[QStringLiteral("NODE_OPTIONS")] = QStringLiteral("--max-old-space-size=4096");
    e[QStringLiteral("npm_config_prefix")] = home + QStringLiteral("/.npm-global");
    e[QStringLiteral("GIT_EDITOR")] = QStringLiteral("vim");
    e[QStringLiteral("MANPAGER")] = QStringLiteral("less -R");
    e[QStringLiteral("LS_COLORS")] = QStringLiteral("rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:do=01;35:bd=40;"
                                                    "33;01:cd=40;33;01:or=40;31;01:mi=00:su=37;41:sg=30;43:ca=00:"
                                                    "tw=30;42:ow=34;42:st=37;44:ex=01;32:*.tar=01;31:*.tgz=01;31");
    e[QStringLiteral("TZ")] = QStringLiteral("Europe/Berlin");
    e[QStringLiteral("http_proxy")] = QStringLiteral("http://proxy.internal:3128");
    e[QStringLiteral("no_proxy")] = QStringLiteral("localhost,127.0.0.1,.internal");
    return e;
}

QMap<QString, QString> environmentFor(const QString &profileId, const QString &home)
{
    QMap<QString, QString> e = baseEnvironment(home);
    if (profileId == QLatin1String("ccproxy")) {
        e[QStringLiteral("CODEX__BASE_URL")] = QStringLiteral("https://chatgpt.com/backend-api/codex");
        e[QStringLiteral("CODEX__MAX_OUTPUT_TOKENS_FALLBACK")] = QStringLiteral("16384");
        e[QStringLiteral("codex__verbose_logging")] = QStringLiteral("true");  // case-insensitive in pydantic
        e[QStringLiteral("SERVER__PORT")] = QStringLiteral("9000");
        e[QStringLiteral("SERVER__WORKERS")] = QStringLiteral("4");  // not a setting: a warning
        e[QStringLiteral("SECURITY__AUTH_TOKEN")] = QStringLiteral("sk-env-1234");
        e[QStringLiteral("PLUGINS__CODEX__ENABLED")] = QStringLiteral("true");  // the other generation's name
        e[QStringLiteral("CODEX_ARCHIVE_URL")] = QStringLiteral("sqlite:///tmp/a.sqlite");
    } else {
        // Gen A ignores these while archive.toml exists; gen B lays them over its file.
        e[QStringLiteral("CODEX_ARCHIVE_URL")] = QStringLiteral("postgresql://ops:pw@db2.internal/codex");
        e[QStringLiteral("CODEX_ARCHIVE_LOG_LEVEL")] = QStringLiteral("debug");
        e[QStringLiteral("CODEX_ARCHIVE_RETRY_MAX")] = QStringLiteral("7");
        e[QStringLiteral("CODEX_ARCHIVE_RETRY_JITTER")] = QStringLiteral("yes");
        e[QStringLiteral("CODEX_ARCHIVE_BATCH_CONCURRENT")] = QStringLiteral("16");
        e[QStringLiteral("CODEX_ARCHIVE_PERF_ENABLED")] = QStringLiteral("false");
        e[QStringLiteral("CODEX_ARCHIVE_DEBUG")] = QStringLiteral("1");  // no such setting: a warning
        if (profileId == QLatin1String("b"))
            e[QStringLiteral("CODEX_ARCHIVE_CONFIG")] = QStringLiteral(".codex/archive.toml");
    }
    return e;
}

/// [codex] and friends first, then other tables of a large deployment until `lines` lines.
QByteArray bigCcproxyToml(int lines)
{
    QByteArray out(kCcproxyHead);
    int n = int(out.count('\n'));
    int table = 0;
    while (n < lines) {
        ++table;
        const QByteArray id = QByteArray::number(table).rightJustified(5, '0');
        QList<QByteArray> block = {
            "",
            "# upstream provider " + id + " (generated inventory)",
            "[providers.p" + id + "]",
            "name = \"provider-" + id + "\"",
            "url = \"https://upstream-" + id + ".example.net/v1\"",
            "weight = " + QByteArray::number(table % 17 + 1),
            "enabled = " + QByteArray(table % 5 ? "true" : "false"),
            "timeout = " + QByteArray::number(1.5 + table % 7) + "  # seconds",
            "models = [\"gpt-5\", \"gpt-5-mini\", \"o4-" + id + "\"]",
            "headers = { x_team = \"team-" + QByteArray::number(table % 23) + "\", x_region = \"eu\" }",
        };
        for (const QByteArray &line : block) {
            if (n >= lines)
                break;
            out += line + '\n';
            ++n;
        }
    }
    return out;
}

// ---- machine jitter ---------------------------------------------------------------------------

/// Fixed CPU work (no allocation, no I/O) timed exactly like a resolution: whatever its p99 adds
/// over its median is the machine's own jitter (interrupts, the hypervisor, other processes).
void noiseFloor(double targetUs)
{
    auto work = [](int n) {
        quint64 x = 88172645463325252ull;
        for (int i = 0; i < n; ++i)
            x = x * 6364136223846793005ull + 1442695040888963407ull;
        return x;
    };
    int n = 1000;
    for (;;) {  // calibrate n so one call takes about targetUs
        std::vector<double> us;
        for (int i = 0; i < 200; ++i) {
            const auto t0 = Clock::now();
            g_sink = g_sink + qint64(work(n) & 1);
            us.push_back(elapsedUs(t0, Clock::now()));
        }
        const double med = stats(us).p50;
        if (med >= targetUs * 0.9 || n > (1 << 28))
            break;
        n = int(double(n) * std::clamp(targetUs / std::max(med, 0.01), 1.1, 16.0));
    }
    std::vector<double> us;
    us.reserve(10000);
    for (int i = 0; i < 10000; ++i) {
        const auto t0 = Clock::now();
        g_sink = g_sink + qint64(work(n) & 1);
        us.push_back(elapsedUs(t0, Clock::now()));
    }
    const Stats s = stats(us);
    std::printf("# jitter: fixed CPU work timed 10000 times like a resolution: median %.2f us, p99 %.2f us, "
                "max %.2f us (p99/median %.1fx)\n",
                s.p50, s.p99, s.max, s.p99 / s.p50);
}

// ---- 1. resolution ---------------------------------------------------------------------------

void benchResolve(const QString &profileId, const ConfigInputs &inputs)
{
    const PrecedenceProfile *profile = PrecedenceProfile::byId(profileId);
    if (!profile) {
        std::printf("resolve.%s: FAILED (unknown profile)\n", qPrintable(profileId));
        return;
    }
    const ConfigSources sources = ConfigResolver::load(*profile, inputs);
    {
        const ResolvedConfig r = ConfigResolver::resolve(*profile, inputs, sources);
        int errors = 0, fromFile = 0, fromEnv = 0;
        for (const ConfigIssue &i : r.issues)
            errors += i.severity == Severity::Error;
        for (const ResolvedKey &k : r.keys) {
            fromFile += k.origin.source == Source::File;
            fromEnv += k.origin.source == Source::Env || k.origin.source == Source::DotEnv;
        }
        std::printf("# resolve %s: file %s (%s), %lld env vars, %lld keys (%d from file, %d from env/.env), "
                    "%lld issues (%d errors)\n",
                    qPrintable(profileId), qPrintable(sources.displayPath), sources.file.exists ? "read" : "not read",
                    qlonglong(inputs.environment.size()), qlonglong(r.keys.size()), fromFile, fromEnv,
                    qlonglong(r.issues.size()), errors);
    }
    constexpr int kWarmup = 1000;
    constexpr int kRuns = 10000;
    for (int i = 0; i < kWarmup; ++i) {
        const ResolvedConfig r = ConfigResolver::resolve(*profile, inputs, sources);
        g_sink = g_sink + r.keys.size() + r.issues.size();
    }
    std::vector<double> us;
    us.reserve(kRuns);
    for (int i = 0; i < kRuns; ++i) {
        const auto t0 = Clock::now();
        const ResolvedConfig r = ConfigResolver::resolve(*profile, inputs, sources);
        const auto t1 = Clock::now();
        g_sink = g_sink + r.keys.size() + r.issues.size() + (r.keys.isEmpty() ? 0 : r.keys.front().value.isValid());
        us.push_back(elapsedUs(t0, t1));
    }
    const Stats s = stats(us);
    const QByteArray base = "resolve." + profileId.toUtf8();
    figure((base + ".mean").constData(), s.mean, "us", 50);
    figure((base + ".p99").constData(), s.p99, "us", 50);
    info((base + ".median").constData(), s.p50, "us");
    info((base + ".max").constData(), s.max, "us");
}

// ---- 2. edit + save of a 10,000-line file ----------------------------------------------------

void benchEdit(const QString &root)
{
    const QString ws = root + QStringLiteral("/ws-edit");
    const QByteArray big = bigCcproxyToml(10000);
    writeFile(ws + QStringLiteral("/.ccproxy.toml"), big);
    writeFile(ws + QStringLiteral("/.env"), kDotEnv);
    std::printf("# edit: .ccproxy.toml of %lld lines, %lld bytes, profile ccproxy, on %s (%s)\n",
                qlonglong(big.count('\n')), qlonglong(big.size()), qPrintable(QDir::toNativeSeparators(root)),
                QStorageInfo(root).fileSystemType().constData());

    // Context: what parsing the file costs (toml++ and the entry list), as every edit reparses.
    {
        std::vector<double> ms;
        for (int i = 0; i < 22; ++i) {
            const auto t0 = Clock::now();
            const TomlDocument d = TomlDocument::fromBytes(big);
            const auto t1 = Clock::now();
            g_sink = g_sink + d.entries().size();
            if (i == 0 && !d.isValid()) {
                std::printf("edit: FAILED: the generated file does not parse: %s\n",
                            qPrintable(d.error().describe(QStringLiteral(".ccproxy.toml"))));
                return;
            }
            if (i >= 2)
                ms.push_back(elapsedUs(t0, t1) / 1000.0);
        }
        info("edit.parse10k.mean", stats(ms).mean, "ms");
    }

    ConfigInputs inputs;
    inputs.workspace = ws;
    inputs.homeDir = root + QStringLiteral("/home");
    inputs.environment = environmentFor(QStringLiteral("ccproxy"), inputs.homeDir);
    const PrecedenceProfile *profile = PrecedenceProfile::byId(QStringLiteral("ccproxy"));
    ConfigEditor editor;
    editor.open(*profile, inputs);
    if (!editor.fileExists() || editor.hasParseError()) {
        std::printf("edit: FAILED: %s not opened\n", qPrintable(editor.filePath()));
        return;
    }
    const QString key = QStringLiteral("codex.max_output_tokens_fallback");
    constexpr int kWarmup = 3;
    constexpr int kRuns = 50;
    std::vector<double> setMs, saveMs, totalMs;
    for (int i = 0; i < kWarmup + kRuns; ++i) {
        const qint64 value = i % 2 ? 8192 : 4096;
        const auto t0 = Clock::now();
        const ConfigEditor::Result set = editor.setValue(key, QVariant::fromValue<qint64>(value));
        const auto t1 = Clock::now();
        const ConfigEditor::Result saved = editor.save();
        const auto t2 = Clock::now();
        if (!set.ok || !saved.ok || saved.backupPath.isEmpty()) {
            std::printf("edit: FAILED at run %d: setValue %s, save %s\n", i, set.ok ? "ok" : qPrintable(set.message),
                        saved.ok ? "ok (no write)" : qPrintable(saved.message));
            return;
        }
        g_sink = g_sink + editor.resolved().keys.size();
        // Outside the timing: let the file watcher see our own save, as the UI's event loop would,
        // and drop the backup so the folder does not fill up with 50 copies.
        QCoreApplication::processEvents();
        QFile::remove(saved.backupPath);
        if (i >= kWarmup) {
            setMs.push_back(elapsedUs(t0, t1) / 1000.0);
            saveMs.push_back(elapsedUs(t1, t2) / 1000.0);
            totalMs.push_back(elapsedUs(t0, t2) / 1000.0);
        }
    }
    const auto value = editor.resolved().find(key);
    std::printf("# edit: %d runs after %d warm-up; last value written %s (effective %s from %s)\n", kRuns, kWarmup,
                qPrintable(editor.document().find(key) ? editor.document().find(key)->value.toString() : QString()),
                value ? qPrintable(value->value.toString()) : "?", value ? qPrintable(value->origin.toString()) : "?");
    const Stats total = stats(totalMs);
    const Stats set = stats(setMs);
    const Stats save = stats(saveMs);
    figure("edit.setValue+save.mean", total.mean, "ms", 20);
    figure("edit.setValue+save.max", total.max, "ms", 20);
    info("edit.setValue.mean", set.mean, "ms");
    info("edit.setValue.max", set.max, "ms");
    info("edit.save.mean", save.mean, "ms");
    info("edit.save.max", save.max, "ms");
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    benchutil::printMachineHeader();

    QTemporaryDir tmp;
    if (!tmp.isValid()) {
        std::printf("bench_config: FAILED: no temporary folder: %s\n", qPrintable(tmp.errorString()));
        return 0;
    }
    const QString root = tmp.path();
    const QString home = root + QStringLiteral("/home");
    QDir().mkpath(home);

    // Workspaces: gen A reads .codex/archive.toml; gen B reads it because CODEX_ARCHIVE_CONFIG
    // names it; ccproxy reads .ccproxy.toml (+ .env).
    writeFile(root + QStringLiteral("/ws-a/.codex/archive.toml"), kArchiveA);
    writeFile(root + QStringLiteral("/ws-b/.codex/archive.toml"), kArchiveB);
    writeFile(root + QStringLiteral("/ws-ccproxy/.ccproxy.toml"), kCcproxyHead);
    writeFile(root + QStringLiteral("/ws-ccproxy/.env"), kDotEnv);

    // Optional argument: "resolve" or "edit" runs only that part (for profiling).
    const QStringList args = QCoreApplication::arguments().mid(1);
    const bool all = args.isEmpty();
    if (all || args.contains(QStringLiteral("resolve")))
        noiseFloor(15);
    for (const char *id : {"a", "b", "ccproxy"}) {
        if (!all && !args.contains(QStringLiteral("resolve")))
            break;
        const QString profileId = QString::fromLatin1(id);
        ConfigInputs inputs;
        inputs.workspace = root + QStringLiteral("/ws-") + profileId;
        inputs.homeDir = home;
        inputs.environment = environmentFor(profileId, home);
        benchResolve(profileId, inputs);
    }

    if (all || args.contains(QStringLiteral("edit")))
        benchEdit(root);
    std::fflush(stdout);
    return g_sink == -1 ? 1 : 0;  // never true; keeps the sink observable
}
