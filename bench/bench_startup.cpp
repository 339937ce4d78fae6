// bench_startup: cold start of the codex-admin GUI to its first painted window.
// Runs the binary (CODEXADMIN_GUI) with CODEX_ADMIN_REPORT_FIRST_PAINT=2: the app prints
// "first-paint-ms N" (measured from its own main()) after the first paint of the main window and
// quits. This program also measures the wall time from QProcess::start() to reading that line,
// which adds fork/exec and dynamic loading. Platforms: offscreen always; Xvfb via xvfb-run when
// installed (its wall time includes starting the X server, so it is reported on its own).
// A measurement, not a test: exits 0 even when a target is missed.
// Output lines: "name: value unit (target …, PASS|MISS)" or "name: value unit (info)".
#include "BenchMachine.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#ifndef CODEXADMIN_GUI
#error "CODEXADMIN_GUI (path of the codex-admin binary) must be defined by the build"
#endif

namespace {

constexpr int kTimeoutMs = 20000;
constexpr int kRuns = 10;
constexpr double kTargetMs = 400;

struct Run {
    double firstPaintMs = 0;  ///< as the app reports it, from its main()
    double wallMs = 0;        ///< QProcess::start() to reading the line
};

struct Platform {
    QString name;     ///< "offscreen", "xvfb"
    QString program;  ///< what QProcess starts
    QStringList prefixArgs;
    QProcessEnvironment env;
};

QByteArray tail(const QByteArray &text, int maxLines = 8)
{
    QList<QByteArray> lines = text.trimmed().split('\n');
    if (lines.size() > maxLines)
        lines = lines.mid(lines.size() - maxLines);
    return "    | " + lines.join("\n    | ");
}

/// One start of the GUI; nullopt (with the reason printed) when it failed or timed out.
std::optional<Run> runOnce(const Platform &p, const QStringList &appArgs, int index)
{
    QProcess proc;
    proc.setProcessEnvironment(p.env);
    proc.setProcessChannelMode(QProcess::SeparateChannels);
    QElapsedTimer wall;
    wall.start();
    proc.start(p.program, p.prefixArgs + appArgs);
    if (!proc.waitForStarted(kTimeoutMs)) {
        std::printf("# %s run %d: FAILED to start %s: %s\n", qPrintable(p.name), index, qPrintable(p.program),
                    qPrintable(proc.errorString()));
        return std::nullopt;
    }
    QByteArray out;
    std::optional<Run> result;
    while (!result) {
        const qint64 left = kTimeoutMs - wall.elapsed();
        if (left <= 0 || proc.state() == QProcess::NotRunning)
            break;
        if (!proc.waitForReadyRead(int(left)))
            continue;  // loop re-checks the time and whether it has exited
        const qint64 at = wall.nsecsElapsed();
        out += proc.readAllStandardOutput();
        const qsizetype pos = out.indexOf("first-paint-ms ");
        if (pos >= 0 && out.indexOf('\n', pos) > pos) {
            const qsizetype end = out.indexOf('\n', pos);
            bool ok = false;
            const double ms = out.mid(pos + 15, end - pos - 15).trimmed().toDouble(&ok);
            if (ok)
                result = Run{ms, double(at) / 1e6};
        }
    }
    const bool timedOut = !result && wall.elapsed() >= kTimeoutMs;
    // The app quits by itself after reporting; give it the rest of the time budget to do so.
    const qint64 left = std::max<qint64>(1000, kTimeoutMs - wall.elapsed());
    if (proc.state() != QProcess::NotRunning && !proc.waitForFinished(int(left))) {
        proc.terminate();  // xvfb-run cleans up its X server on SIGTERM
        if (!proc.waitForFinished(3000)) {
            proc.kill();
            proc.waitForFinished(3000);
        }
        if (result)
            std::printf("# %s run %d: reported first paint but did not quit within %d s (killed)\n",
                        qPrintable(p.name), index, kTimeoutMs / 1000);
    }
    out += proc.readAllStandardOutput();
    if (!result) {
        if (timedOut)
            std::printf("# %s run %d: FAILED: no 'first-paint-ms' line within %d s (killed)\n", qPrintable(p.name),
                        index, kTimeoutMs / 1000);
        else
            std::printf("# %s run %d: FAILED: exited (%s, code %d) without a 'first-paint-ms' line\n",
                        qPrintable(p.name), index, proc.exitStatus() == QProcess::NormalExit ? "normal" : "crashed",
                        proc.exitCode());
        const QByteArray err = proc.readAllStandardError();
        if (!err.trimmed().isEmpty())
            std::printf("#   stderr:\n%s\n", tail(err).constData());
        if (!out.trimmed().isEmpty())
            std::printf("#   stdout:\n%s\n", tail(out).constData());
        return std::nullopt;
    }
    if (proc.exitStatus() != QProcess::NormalExit || proc.exitCode() != 0)
        std::printf("# %s run %d: note: exit %s, code %d after reporting\n", qPrintable(p.name), index,
                    proc.exitStatus() == QProcess::NormalExit ? "normal" : "crashed", proc.exitCode());
    return result;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void report(const QString &platform, const char *what, std::vector<double> v, bool gated)
{
    std::sort(v.begin(), v.end());
    const QByteArray base = "startup." + platform.toUtf8() + "." + what;
    std::printf("%s.min: %.1f ms (info)\n", base.constData(), v.front());
    if (gated)
        std::printf("%s.median: %.1f ms (target < %g ms, %s)\n", base.constData(), median(v), kTargetMs,
                    median(v) < kTargetMs ? "PASS" : "MISS");
    else
        std::printf("%s.median: %.1f ms (info)\n", base.constData(), median(v));
    std::printf("%s.max: %.1f ms (info)\n", base.constData(), v.back());
}

void bench(const Platform &p, const QStringList &appArgs, bool gateWall)
{
    std::printf("# %s: %s %s\n", qPrintable(p.name), qPrintable(p.program),
                qPrintable((p.prefixArgs + appArgs).join(QLatin1Char(' '))));
    if (!runOnce(p, appArgs, 0)) {  // warm-up: page cache, fontconfig cache
        std::printf("startup.%s: FAILED (warm-up run did not report a first paint)\n", qPrintable(p.name));
        return;
    }
    std::vector<double> paint, wall;
    int failures = 0;
    for (int i = 1; i <= kRuns; ++i) {
        if (const auto r = runOnce(p, appArgs, i)) {
            paint.push_back(r->firstPaintMs);
            wall.push_back(r->wallMs);
        } else {
            ++failures;
        }
    }
    std::printf("# %s: %d of %d runs reported (1 warm-up run not counted)\n", qPrintable(p.name), int(paint.size()),
                kRuns);
    if (paint.empty()) {
        std::printf("startup.%s: FAILED (no run reported a first paint)\n", qPrintable(p.name));
        return;
    }
    report(p.name, "first_paint", paint, false);
    report(p.name, "wall", wall, gateWall);
    if (failures)
        std::printf("startup.%s.failures: %d runs (of %d)\n", qPrintable(p.name), failures, kRuns);
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    benchutil::printMachineHeader();

    const QString gui = QStringLiteral(CODEXADMIN_GUI);
    if (!QFileInfo(gui).isExecutable()) {
        std::printf("startup: FAILED: %s is not built (cmake --build <dir> --target codex-admin)\n", qPrintable(gui));
        return 0;
    }
    QTemporaryDir tmp;
    if (!tmp.isValid()) {
        std::printf("startup: FAILED: no temporary folder: %s\n", qPrintable(tmp.errorString()));
        return 0;
    }
    const QString ws = tmp.filePath(QStringLiteral("workspace"));
    QDir().mkpath(ws + QStringLiteral("/.codex"));
    {
        QFile f(ws + QStringLiteral("/.codex/archive.toml"));
        if (!f.open(QIODevice::WriteOnly))
            return 0;
        f.write("# Codex archive configuration\n\n[backend]\ntype = \"sqlite\"\nurl = \"sqlite:///./.codex/archive.sqlite\"\n\n"
                "[logging]\nlevel = \"info\"\nformat = \"json\"\n\n[retry]\nenabled = true\nmax_attempts = 5\n"
                "initial_delay = 1.0\nmax_delay = 32.0\nbackoff_factor = 2.0\njitter = true\n\n"
                "[batch]\nmax_concurrent = 4\ntimeout_per_item = 300\ncontinue_on_error = false\n\n"
                "[performance]\nenable_metrics = true\ntrack_decompression = true\n");
    }
    const QStringList appArgs = {QStringLiteral("--workspace"), ws};

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CODEX_ADMIN_NO_FILE_LOG"), QStringLiteral("1"));
    env.insert(QStringLiteral("CODEX_ADMIN_REPORT_FIRST_PAINT"), QStringLiteral("2"));
    // Keep the app's settings (last workspace, window state) out of the user's own.
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), tmp.filePath(QStringLiteral("config")));
    env.remove(QStringLiteral("CODEX_ADMIN_SCREENSHOT"));

    Platform offscreen{QStringLiteral("offscreen"), gui, {}, env};
    offscreen.env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    bench(offscreen, appArgs, true);

    const QString xvfbRun = QStringLiteral("/usr/bin/xvfb-run");
    if (QFileInfo(xvfbRun).isExecutable()) {
        Platform xvfb{QStringLiteral("xvfb"), xvfbRun, {QStringLiteral("-a"), gui}, env};
        xvfb.env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("xcb"));
        xvfb.env.remove(QStringLiteral("DISPLAY"));
        xvfb.env.remove(QStringLiteral("WAYLAND_DISPLAY"));
        std::printf("# xvfb: wall time includes xvfb-run starting and stopping an Xvfb server\n");
        bench(xvfb, appArgs, false);
    } else {
        std::printf("# xvfb: /usr/bin/xvfb-run not installed, skipped\n");
    }
    std::fflush(stdout);
    return 0;
}
