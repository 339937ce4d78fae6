// The load runner against the in-process simulator, and its latency histogram.
#include "proxy/LoadRunner.h"
#include "proxy/Simulator.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest/QtTest>

#include <cmath>

using namespace codex::proxy;

namespace {

LoadOptions chatLoad(int n, int c, bool stream = false)
{
    LoadOptions o;
    o.requests = n;
    o.concurrency = c;
    o.stream = stream;
    o.request.path = QStringLiteral("/codex/chat/completions");
    o.request.body = R"({"model":"gpt-5","messages":[{"role":"user","content":"Say hello."}]})";
    return o;
}

Environment envFor(const Simulator &sim)
{
    Environment e;
    e.name = QStringLiteral("sim");
    e.baseUrl = QUrl(sim.baseUrl());
    e.timeoutMs = 10000;
    return e;
}

}  // namespace

class TestLoadRunner : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void histogramQuantiles()
    {
        LatencyHistogram h;
        QVERIFY(std::isnan(h.quantile(0.5)));
        for (int i = 1; i <= 1000; ++i)
            h.add(double(i));  // 1 … 1000 ms
        QCOMPARE(h.count(), qint64(1000));
        QCOMPARE(h.min(), 1.0);
        QCOMPARE(h.max(), 1000.0);
        QVERIFY(std::abs(h.mean() - 500.5) < 1e-9);
        auto near = [](double got, double want) { return std::abs(got - want) / want < 0.025; };
        QVERIFY2(near(h.quantile(0.5), 500), qPrintable(QString::number(h.quantile(0.5))));
        QVERIFY2(near(h.quantile(0.95), 950), qPrintable(QString::number(h.quantile(0.95))));
        QVERIFY2(near(h.quantile(0.99), 990), qPrintable(QString::number(h.quantile(0.99))));
        QCOMPARE(h.quantile(1.0), 1000.0);
        // Microseconds and long times stay within ~2 %.
        LatencyHistogram tiny;
        tiny.add(0.0123);
        QVERIFY(near(tiny.quantile(0.5), 0.0123));
        LatencyHistogram big;
        big.add(54321.0);
        QVERIFY(near(big.quantile(0.5), 54321.0));
        // Merge
        LatencyHistogram a, b;
        for (int i = 0; i < 100; ++i) {
            a.add(1.0);
            b.add(100.0);
        }
        a.merge(b);
        QCOMPARE(a.count(), qint64(200));
        QVERIFY(near(a.quantile(0.25), 1.0));
        QVERIFY(near(a.quantile(0.75), 100.0));
        // Bins
        const auto bins = h.bins(40);
        QVERIFY(bins.size() <= 40 && bins.size() >= 20);
        qint64 total = 0;
        for (const auto &b2 : bins)
            total += b2.second;
        QCOMPARE(total, qint64(1000));
        QCOMPARE(bins.last().first, 1000.0);
    }

    void runsAgainstSimulator()
    {
        Simulator sim;
        QVERIFY(sim.listen());
        LoadRunner runner;
        QSignalSpy progress(&runner, &LoadRunner::progressed);
        const LoadResult r = runner.run(envFor(sim), chatLoad(200, 8));
        QCOMPARE(r.progress.total, 200);
        QCOMPARE(r.progress.done, 200);
        QCOMPARE(r.progress.errors, 0);
        QCOMPARE(r.progress.byStatus.value(QStringLiteral("200")), 200);
        QCOMPARE(r.progress.latency.count(), qint64(200));
        QCOMPARE(r.progress.ttfb.count(), qint64(200));
        const double p50 = r.progress.latency.quantile(0.5), p99 = r.progress.latency.quantile(0.99);
        QVERIFY(p50 > 0 && p50 <= p99 && p99 <= r.progress.latency.max());
        QVERIFY(r.progress.ttfb.quantile(0.5) <= p50 * 1.05);
        QVERIFY(r.progress.requestsPerSecond > 0);
        QVERIFY(r.cpuSeconds > 0);
        QVERIFY(!r.cancelled);
        QVERIFY(progress.count() >= 1);
        QCOMPARE(sim.requestsServed(), qint64(200));
        const QJsonObject json = r.toJson();
        QCOMPARE(json.value(QStringLiteral("done")).toInt(), 200);
        QVERIFY(json.value(QStringLiteral("p99Ms")).toDouble() > 0);
        QVERIFY(!json.value(QStringLiteral("latency")).toObject().value(QStringLiteral("bins")).toArray().isEmpty());
    }

    void streaming()
    {
        SimulatorOptions o;
        o.tokenIntervalMs = 1;
        Simulator sim(o);
        QVERIFY(sim.listen());
        LoadRunner runner;
        const LoadResult r = runner.run(envFor(sim), chatLoad(40, 8, true));
        QCOMPARE(r.progress.done, 40);
        QCOMPARE(r.progress.byStatus.value(QStringLiteral("200")), 40);
        // Time to first byte comes well before the end of a stream of paced deltas.
        QVERIFY2(r.progress.ttfb.quantile(0.5) < r.progress.latency.quantile(0.5),
                 qPrintable(QStringLiteral("%1 vs %2").arg(r.progress.ttfb.quantile(0.5)).arg(r.progress.latency.quantile(0.5))));
    }

    void errorsByStatus()
    {
        SimulatorOptions o;
        o.errorRate = 0.5;
        Simulator sim(o);
        QVERIFY(sim.listen());
        LoadRunner runner;
        const LoadResult r = runner.run(envFor(sim), chatLoad(200, 8));
        QCOMPARE(r.progress.done, 200);
        const int e500 = r.progress.byStatus.value(QStringLiteral("500"));
        const int ok = r.progress.byStatus.value(QStringLiteral("200"));
        QCOMPARE(e500 + ok, 200);
        QCOMPARE(r.progress.errors, e500);
        QVERIFY2(e500 > 50 && e500 < 150, qPrintable(QString::number(e500)));
    }

    void connectionRefusedCounted()
    {
        quint16 port = 0;
        {
            Simulator sim;
            QVERIFY(sim.listen());
            port = sim.port();
            sim.close();
        }
        Environment e;
        e.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
        LoadRunner runner;
        const LoadResult r = runner.run(e, chatLoad(10, 4));
        QCOMPARE(r.progress.done, 10);
        QCOMPARE(r.progress.errors, 10);
        QCOMPARE(r.progress.byStatus.value(callErrorName(CallError::ConnectionRefused)), 10);
    }

    void cancel()
    {
        SimulatorOptions o;
        o.ttfbDelayMs = 50;
        Simulator sim(o);
        QVERIFY(sim.listen());
        LoadRunner runner;
        QSignalSpy finished(&runner, &LoadRunner::finished);
        QSignalSpy progress(&runner, &LoadRunner::progressed);
        runner.start(envFor(sim), chatLoad(100000, 8));
        QVERIFY(runner.isRunning());
        QVERIFY(progress.wait(5000));
        runner.cancel();
        QVERIFY(finished.wait(5000));
        QVERIFY(!runner.isRunning());
        const LoadResult r = finished.first().first().value<LoadResult>();
        QVERIFY(r.cancelled);
        QVERIFY(r.progress.done < 100000);
        QCOMPARE(r.progress.errors, 0);  // aborted requests are not errors
    }
};

QTEST_GUILESS_MAIN(TestLoadRunner)
#include "tst_loadrunner.moc"
