// bench_load: the endpoint tester's load runner against the simulator in another process (issue 5).
//   1. non-streaming, concurrency 32, 20,000 requests: requests/s (target ≥ 2,000) and the
//      runner's own CPU per request
//   2. streaming, concurrency 32
//   3. time-to-first-byte accuracy: the simulator delays its headers by 50 ms; the median
//      measured TTFB (load runner and EndpointClient) minus 50 ms (target within 2 ms)
//   4. the same non-streaming load with `ab -k` and `wrk` (Debian apache2-utils, wrk) against the
//      same simulator, and the ratio ours / theirs
// A measurement, not a test: it prints its figures and exits 0 even when a target is missed.
// Output lines: "name: value unit (target …, PASS|MISS)" or "name: value unit (info)".
// Usage: bench_load [--ctl PATH-TO-codex-adminctl] [--quick] [-n N]
#include "proxy/EndpointClient.h"
#include "proxy/LoadRunner.h"

#include "BenchMachine.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

using namespace codex::proxy;

namespace {

const char *passMiss(bool ok)
{
    return ok ? "PASS" : "MISS";
}

/// `codex-adminctl serve-sim --port 0 …` in its own process.
class SimProcess {
public:
    SimProcess(const QString &ctl, const QStringList &extra)
    {
        m_proc.setProgram(ctl);
        m_proc.setArguments(QStringList{QStringLiteral("serve-sim"), QStringLiteral("--port"), QStringLiteral("0")} + extra);
        QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
        pe.insert(QStringLiteral("CODEX_ADMIN_NO_FILE_LOG"), QStringLiteral("1"));
        m_proc.setProcessEnvironment(pe);
        m_proc.start();
        if (!m_proc.waitForStarted(10000))
            return;
        const QRegularExpression re(QStringLiteral("listening on (http://127\\.0\\.0\\.1:\\d+)"));
        for (int i = 0; i < 100 && m_url.isEmpty(); ++i) {
            if (!m_proc.canReadLine() && !m_proc.waitForReadyRead(200)) {
                if (m_proc.state() != QProcess::Running)
                    break;
                continue;
            }
            while (m_proc.canReadLine() && m_url.isEmpty()) {
                const auto m = re.match(QString::fromUtf8(m_proc.readLine()));
                if (m.hasMatch())
                    m_url = m.captured(1);
            }
        }
    }
    ~SimProcess()
    {
        if (m_proc.state() != QProcess::NotRunning) {
            m_proc.terminate();
            if (!m_proc.waitForFinished(5000)) {
                m_proc.kill();
                m_proc.waitForFinished(5000);
            }
        }
    }
    QString url() const { return m_url; }

private:
    QProcess m_proc;
    QString m_url;
};

const QByteArray kBody = R"({"model":"gpt-5","messages":[{"role":"user","content":"Say hello."}]})";
const QString kPath = QStringLiteral("/codex/chat/completions");

LoadResult runLoad(const QString &url, int n, int c, bool stream)
{
    Environment env;
    env.baseUrl = QUrl(url);
    env.timeoutMs = 30000;
    LoadOptions o;
    o.requests = n;
    o.concurrency = c;
    o.stream = stream;
    o.request.path = kPath;
    o.request.body = kBody;
    LoadRunner runner;
    return runner.run(env, o);
}

void printLoad(const char *name, const LoadResult &r, bool target)
{
    const LoadProgress &p = r.progress;
    if (target)
        std::printf("%s: %.0f requests/s (target >= 2,000, %s)\n", name, p.requestsPerSecond, passMiss(p.requestsPerSecond >= 2000));
    else
        std::printf("%s: %.0f requests/s (info)\n", name, p.requestsPerSecond);
    std::printf("%s_latency: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms (info)\n", name, p.latency.quantile(0.5), p.latency.quantile(0.95),
                p.latency.quantile(0.99), p.latency.max());
    std::printf("%s_errors: %d of %d (info)\n", name, p.errors, p.done);
    std::printf("%s_runner_cpu: %.1f us per request (%.2f s CPU over %.2f s, info)\n", name, p.done ? r.cpuSeconds * 1e6 / p.done : 0.0, r.cpuSeconds,
                p.elapsedS);
    std::fflush(stdout);
}

/// Runs a tool and returns the first capture of `pattern` in its output as a number (NaN on failure).
double runTool(const QString &program, const QStringList &args, const QString &pattern, QString *why)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForStarted(5000)) {
        *why = QStringLiteral("cannot start %1").arg(program);
        return std::nan("");
    }
    if (!p.waitForFinished(180000)) {
        p.kill();
        p.waitForFinished();
        *why = QStringLiteral("%1 did not finish").arg(program);
        return std::nan("");
    }
    const QString out = QString::fromLocal8Bit(p.readAll());
    const auto m = QRegularExpression(pattern).match(out);
    if (!m.hasMatch()) {
        *why = QStringLiteral("%1 printed no rate: %2").arg(program, out.right(300).simplified());
        return std::nan("");
    }
    return m.captured(1).toDouble();
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QString ctl;
    bool quick = false;
    int n = 20000;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--ctl") && i + 1 < args.size())
            ctl = args[++i];
        else if (args[i] == QLatin1String("--quick"))
            quick = true;
        else if (args[i] == QLatin1String("-n") && i + 1 < args.size())
            n = std::max(100, args[++i].toInt());
        else {
            std::fprintf(stderr, "usage: bench_load [--ctl PATH] [--quick] [-n N]\n");
            return 2;
        }
    }
    if (quick)
        n = std::min(n, 4000);
    if (ctl.isEmpty())
        ctl = QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../src/cli/codex-adminctl"));
    if (!QFileInfo(ctl).isExecutable()) {
        std::fprintf(stderr, "bench_load: codex-adminctl not found at %s (build it, or pass --ctl PATH)\n", qPrintable(ctl));
        return 2;
    }

    benchutil::printMachineHeader();
    std::printf("# scenario: simulator = `codex-adminctl serve-sim --port 0` in its own process (fork profile), POST %s, n=%d\n", qPrintable(kPath), n);
    std::fflush(stdout);

    double ours = 0;
    {
        SimProcess sim(ctl, {});
        if (sim.url().isEmpty()) {
            std::fprintf(stderr, "bench_load: the simulator did not start\n");
            return 1;
        }
        runLoad(sim.url(), 500, 32, false);  // warm-up: connections, allocator
        const LoadResult r = runLoad(sim.url(), n, 32, false);
        printLoad("load_nonstream_c32", r, true);
        ours = r.progress.requestsPerSecond;

        const LoadResult s = runLoad(sim.url(), std::max(1000, n / 4), 32, true);
        printLoad("load_stream_c32", s, false);

        // The same load with ab and wrk.
        QTemporaryDir dir;
        const QString bodyFile = dir.filePath(QStringLiteral("body.json"));
        {
            QFile f(bodyFile);
            if (f.open(QIODevice::WriteOnly))
                f.write(kBody);
        }
        const QString url = sim.url() + kPath;
        const QString ab = QStandardPaths::findExecutable(QStringLiteral("ab"));
        if (ab.isEmpty()) {
            std::printf("ab_nonstream_c32: not installed (apt-get install apache2-utils)\n");
        } else {
            QString why;
            const double rate = runTool(ab, {QStringLiteral("-k"), QStringLiteral("-q"), QStringLiteral("-n"), QString::number(n), QStringLiteral("-c"), QStringLiteral("32"),
                                             QStringLiteral("-p"), bodyFile, QStringLiteral("-T"), QStringLiteral("application/json"), url},
                                        QStringLiteral("Requests per second:\\s+([\\d.]+)"), &why);
            if (std::isnan(rate))
                std::printf("ab_nonstream_c32: failed (%s)\n", qPrintable(why));
            else
                std::printf("ab_nonstream_c32: %.0f requests/s (info)\nratio_ours_to_ab: %.2f (info)\n", rate, ours / rate);
        }
        const QString wrk = QStandardPaths::findExecutable(QStringLiteral("wrk"));
        if (wrk.isEmpty()) {
            std::printf("wrk_nonstream_c32: not installed (apt-get install wrk)\n");
        } else {
            const QString script = dir.filePath(QStringLiteral("post.lua"));
            QFile f(script);
            if (f.open(QIODevice::WriteOnly))
                f.write("wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = '" + kBody + "'\n");
            f.close();
            QString why;
            const double rate = runTool(wrk, {QStringLiteral("-t2"), QStringLiteral("-c32"), quick ? QStringLiteral("-d2s") : QStringLiteral("-d5s"), QStringLiteral("-s"), script, url},
                                        QStringLiteral("Requests/sec:\\s+([\\d.]+)"), &why);
            if (std::isnan(rate))
                std::printf("wrk_nonstream_c32: failed (%s)\n", qPrintable(why));
            else
                std::printf("wrk_nonstream_c32: %.0f requests/s (info)\nratio_ours_to_wrk: %.2f (info)\n", rate, ours / rate);
        }
        std::fflush(stdout);
    }

    // TTFB accuracy: the simulator holds its headers for 50 ms.
    {
        SimProcess sim(ctl, {QStringLiteral("--set"), QStringLiteral("ttfb-ms=50")});
        if (sim.url().isEmpty()) {
            std::fprintf(stderr, "bench_load: the simulator did not start\n");
            return 1;
        }
        runLoad(sim.url(), 8, 4, false);  // connections up
        const LoadResult r = runLoad(sim.url(), quick ? 100 : 400, 8, false);
        const double err = r.progress.ttfb.quantile(0.5) - 50.0;
        std::printf("ttfb_error_load_runner: %+.2f ms (median TTFB %.2f ms, injected 50 ms; target within 2 ms, %s)\n", err, r.progress.ttfb.quantile(0.5),
                    passMiss(std::abs(err) <= 2.0));

        EndpointClient client;
        Environment env;
        env.baseUrl = QUrl(sim.url());
        ProxyRequest req;
        req.path = kPath;
        req.body = kBody;
        std::vector<double> ttfb;
        for (int i = 0; i < (quick ? 20 : 60); ++i) {
            const ProxyResponse resp = client.run(env, req);
            if (resp.status == 200 && resp.timing.ttfbMs >= 0)
                ttfb.push_back(resp.timing.ttfbMs);
        }
        if (ttfb.empty()) {
            std::printf("ttfb_error_endpoint_client: no measurement\n");
        } else {
            std::sort(ttfb.begin(), ttfb.end());
            const double median = ttfb[ttfb.size() / 2];
            std::printf("ttfb_error_endpoint_client: %+.2f ms (median TTFB %.2f ms over %zu requests; target within 2 ms, %s)\n", median - 50.0, median, ttfb.size(),
                        passMiss(std::abs(median - 50.0) <= 2.0));
        }
        std::fflush(stdout);
    }
    return 0;
}
