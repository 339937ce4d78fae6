// bench_metrics: the Monitor's metrics core (issue 6).
//   1. parse a generated 5 MB ccproxy-like exposition (~50,000 series): best of 5 (target < 50 ms)
//   2. the same file through `promtool check metrics` (Debian package prometheus), time ratio
//   3. 20 derived series × 3,600 points updating at 1 Hz: MonitorEngine.addScrape of a scrape plus
//      points() of the 1 h window for all 20 series per update, 60 updates: CPU % of one core
//   4. memory of a 24-hour window at 1 s across 20 series: SeriesStore::memoryBytes and RSS growth
// A measurement, not a test: it prints its figures and exits 0 even when a target is missed.
// Output lines: "name: value unit (target …, PASS|MISS)" or "name: value unit (info)".
// Usage: bench_metrics [--keep FILE]   (--keep writes the generated exposition to FILE)
#include "metrics/MonitorEngine.h"
#include "metrics/PromText.h"
#include "metrics/SeriesStore.h"

#include "BenchMachine.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

#include <time.h>

using namespace codex::metrics;

namespace {

double cpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

double threadCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

void target(const char *name, double value, const char *unit, double limit)
{
    std::printf("%s: %.2f %s (target < %g %s, %s)\n", name, value, unit, limit, unit, value < limit ? "PASS" : "MISS");
}

void info(const char *name, double value, const char *unit)
{
    std::printf("%s: %.2f %s (info)\n", name, value, unit);
}

/// A ccproxy exposition as the fork writes it (reference "Metrics"), scaled up: endpoints × models
/// request counters by status and method, duration histograms (11 buckets + sum + count), tokens,
/// cost, errors. Stops after `minSeries` series.
QByteArray generateExposition(int endpoints, int models, double scale)
{
    static const char *les[] = {"0.01", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "25.0", "+Inf"};
    QByteArray t;
    t.reserve(6 * 1024 * 1024);
    t += "# HELP ccproxy_requests_total Total number of requests processed\n# TYPE ccproxy_requests_total counter\n";
    for (int e = 0; e < endpoints; ++e)
        for (int m = 0; m < models; ++m)
            for (const char *status : {"200", "400", "500"})
                t += "ccproxy_requests_total{endpoint=\"/codex/v1/r" + QByteArray::number(e) + "\",method=\"POST\",model=\"m"
                     + QByteArray::number(m) + "\",service_type=\"codex\",status=\"" + status + "\"} "
                     + QByteArray::number(double(e * 131 + m * 17) * scale + 1, 'f', 1) + "\n";
    t += "# HELP ccproxy_response_duration_seconds Response time in seconds\n# TYPE ccproxy_response_duration_seconds histogram\n";
    for (int e = 0; e < endpoints; ++e)
        for (int m = 0; m < models; ++m) {
            const QByteArray labels = "endpoint=\"/codex/v1/r" + QByteArray::number(e) + "\",";
            const QByteArray tail = "model=\"m" + QByteArray::number(m) + "\",service_type=\"codex\"";
            double c = 0;
            for (int b = 0; b < 11; ++b) {
                c += double(b % 4 + 1) * scale;
                t += "ccproxy_response_duration_seconds_bucket{" + labels + "le=\"" + les[b] + "\"," + tail + "} "
                     + QByteArray::number(c, 'f', 1) + "\n";
            }
            t += "ccproxy_response_duration_seconds_sum{" + labels + tail + "} " + QByteArray::number(c * 0.37, 'f', 3) + "\n";
            t += "ccproxy_response_duration_seconds_count{" + labels + tail + "} " + QByteArray::number(c, 'f', 1) + "\n";
        }
    t += "# HELP ccproxy_tokens_total Total tokens processed\n# TYPE ccproxy_tokens_total counter\n";
    for (int m = 0; m < models; ++m)
        for (const char *type : {"input", "output"})
            t += "ccproxy_tokens_total{model=\"m" + QByteArray::number(m) + "\",service_type=\"codex\",type=\"" + type
                 + "\"} " + QByteArray::number(12345.0 * (m + 1) * scale, 'f', 1) + "\n";
    t += "# HELP ccproxy_active_requests Number of active requests\n# TYPE ccproxy_active_requests gauge\nccproxy_active_requests 3.0\n";
    t += "# HELP up Whether the target is up\n# TYPE up gauge\nup{job=\"ccproxy\"} 1.0\n";
    return t;
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    benchutil::printMachineHeader();
    QString keep;
    bool parseOnly = false;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--keep") && i + 1 < args.size())
            keep = args[++i];
        else if (args[i] == QLatin1String("--parse-only"))
            parseOnly = true;
    }

    // 1. parse
    const QByteArray text = generateExposition(120, 25, 1.0);
    Exposition e = PromTextParser::parse(text);
    std::printf("# exposition: %.2f MB, %d series in %lld families, %d problems\n", text.size() / 1048576.0, e.sampleCount(),
                qint64(e.families.size()), e.problemsTotal);
    double best = 1e9, bestCpu = 1e9;
    for (int i = 0; i < (parseOnly ? 50 : 5); ++i) {
        QElapsedTimer t;
        t.start();
        const double c0 = threadCpuSeconds();
        Exposition x = PromTextParser::parse(text);
        bestCpu = std::min(bestCpu, (threadCpuSeconds() - c0) * 1000);
        best = std::min(best, double(t.nsecsElapsed()) / 1e6);
        if (x.sampleCount() != e.sampleCount())
            std::printf("parse: FAILED: series count differs between runs\n");
    }
    {
        // wall time suffers when other work shares the cores: the thread's CPU time is printed too
        QFile la(QStringLiteral("/proc/loadavg"));
        if (la.open(QIODevice::ReadOnly))
            std::printf("# load average while measuring: %s", la.readAll().constData());
    }
    target("parse_5mb_best_of_5", best, "ms", 50);
    info("parse_5mb_best_of_5_thread_cpu", bestCpu, "ms");
    info("parse_throughput", text.size() / 1048576.0 / (best / 1000.0), "MB/s");
    if (parseOnly)
        return 0;

    // 2. promtool
    QTemporaryDir tmp;
    const QString file = keep.isEmpty() ? tmp.filePath(QStringLiteral("exposition.prom")) : keep;
    {
        QFile f(file);
        if (f.open(QIODevice::WriteOnly))
            f.write(text);
    }
    const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    if (promtool.isEmpty()) {
        std::printf("# promtool: not found (Debian package prometheus): no comparison\n");
    } else {
        double bestTool = 1e9;
        int exitCode = -1;
        QByteArray complaints;
        for (int i = 0; i < 3; ++i) {
            QProcess p;
            p.setStandardInputFile(file);
            QElapsedTimer t;
            t.start();
            p.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
            p.waitForFinished(120000);
            bestTool = std::min(bestTool, double(t.nsecsElapsed()) / 1e6);
            exitCode = p.exitCode();
            complaints = p.readAllStandardOutput() + p.readAllStandardError();
        }
        std::printf("# promtool check metrics: exit %d, %lld lines of findings (it lints as well as parses; time includes "
                    "process start)\n",
                    exitCode, qint64(complaints.count('\n')));
        info("promtool_check_metrics_best_of_3", bestTool, "ms");
        info("promtool_time_ratio", bestTool / best, "x (promtool / ours)");
    }

    // 3. 1 Hz updates: 20 derived series (total + 3 endpoints × 5) with 3,600 points each
    {
        MonitorEngine eng;
        eng.setRateWindowMs(300000);
        eng.setGroupBy(QStringLiteral("endpoint"));
        eng.setRules(ThresholdRule::seedPresets());
        const qint64 t0 = 1700000000000LL;
        auto scrape = [&](int s) {
            ScrapeResult r;
            r.ok = true;
            r.atMs = t0 + qint64(s) * 1000;
            r.exposition = PromTextParser::parse(generateExposition(3, 3, 1.0 + s));
            r.exposition.scrapedAtMs = r.atMs;
            return r;
        };
        for (int s = 0; s < 3600; ++s)  // one hour of history first
            eng.addScrape(scrape(s));
        const QStringList series = eng.store().seriesNames();
        std::printf("# 1 Hz: %lld derived series with 3,600 points each, scrape of %d series, rate window 5 min\n",
                    qint64(series.size()), scrape(0).exposition.sampleCount());
        double cpu = 0;
        qint64 points = 0;
        for (int s = 3600; s < 3660; ++s) {
            ScrapeResult r = scrape(s);  // the network and the generation are not ours: outside the timing
            const double c0 = cpuSeconds();
            eng.addScrape(r);
            for (const QString &name : series)
                points += eng.store().points(name, r.atMs - 3600000, r.atMs).size();
            cpu += cpuSeconds() - c0;
        }
        std::printf("# 1 Hz: 60 updates, %lld points returned in all\n", points);
        info("update_cpu_per_tick", cpu / 60 * 1000, "ms");
        target("update_cpu_share_at_1hz", cpu / 60 * 100.0, "% of one core", 10);
    }

    // 4. memory of 24 h at 1 s across 20 series
    {
        const qint64 rss0 = benchutil::statusKb("VmRSS");
        SeriesStore store;
        for (qint64 s = 0; s < 24 * 3600; ++s)
            for (int k = 0; k < 20; ++k)
                store.append(QStringLiteral("g%1/series").arg(k), s * 1000, double(s % 97));
        const qint64 rss1 = benchutil::statusKb("VmRSS");
        target("store_24h_20_series", store.memoryBytes() / 1048576.0, "MB", 2.0);
        info("store_24h_rss_growth", (rss1 - rss0) / 1024.0, "MB");
        const auto pts = store.points(QStringLiteral("g7/series"), 0, 24 * 3600 * 1000);
        std::printf("# 24 h window query: %lld points (decimated to <= 2000 for charts)\n", qint64(pts.size()));
    }
    return 0;
}
