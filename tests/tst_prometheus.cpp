// Against a REAL Prometheus (Debian package) that the CTest fixture tests/fixtures/promserver.sh
// starts with a 1-second scrape of the project's simulator. Never skipped: without the fixture's
// files (CODEX_TEST_PROM_URL_FILE, CODEX_TEST_PROM_SIM_URL_FILE) the test fails.
//
// Traffic: four load runners on the simulator for ~14 s (chat and responses, streaming and not,
// two models, one of them answering 500 through `X-Sim-Fault: status:500`), while a MonitorEngine
// scrapes the simulator directly every second.
//  (a) PromApiClient: the seed's three queries in the ccproxy naming return data; in the seed's
//      naming they match nothing (and the names that exist include ccproxy_requests_total); a
//      syntax error is Prometheus's bad_data with its message.
//  (b) Exact agreement: the raw samples Prometheus stored (instant query of `x[40s]`) fed to
//      metrics::rate() and histogramQuantile() give Prometheus's own `rate(x[30s])` (relative
//      1e-9, per series) and `histogram_quantile(0.95, sum by (le) (rate(…[30s])))` (1e-6).
//  (c) The MonitorEngine fed from its own direct scrapes (different sample instants) agrees with
//      Prometheus's answers at the engine's last scrape within 10 % (request rate, error ratio,
//      p95) — the looser tolerance covers the sample phase difference of up to 1 s per 10 s window.
#include "metrics/MetricNaming.h"
#include "metrics/MonitorEngine.h"
#include "metrics/PromApiClient.h"
#include "metrics/PromMath.h"
#include "metrics/Scraper.h"
#include "proxy/LoadRunner.h"

#include "TestUtil.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QMap>
#include <QSignalSpy>
#include <QTcpServer>
#include <QtTest/QtTest>

#include <cmath>
#include <memory>

using namespace codex::metrics;
using namespace codex::proxy;

namespace {

const QString kSel = QStringLiteral("{service_type=\"codex\"}");
const QString kRequests = QStringLiteral("ccproxy_requests_total");
const QString kBuckets = QStringLiteral("ccproxy_response_duration_seconds_bucket");

/// Labels without __name__, as a key.
QString labelsKey(const Labels &labels)
{
    Labels rest;
    for (const auto &l : labels)
        if (l.first != QLatin1String("__name__"))
            rest.push_back(l);
    return seriesKey(QString(), rest);
}

QVector<Point> toPoints(const ApiSeries &s)
{
    QVector<Point> pts;
    for (const auto &p : s.points)
        pts.push_back({p.first, p.second});
    return pts;
}

bool relClose(double got, double want, double tol)
{
    if (got == want)
        return true;
    return std::abs(got - want) <= tol * std::max(std::abs(got), std::abs(want));
}

LoadOptions load(const QString &path, const QString &model, bool stream, const QByteArray &fault, int concurrency)
{
    LoadOptions o;
    o.requests = 100000;  // cancelled when the traffic window ends
    o.concurrency = concurrency;
    o.stream = stream;
    o.request.path = path;
    if (path.contains(QLatin1String("chat")))
        o.request.body = QStringLiteral(R"({"model":"%1","messages":[{"role":"user","content":"Say hello."}]})").arg(model).toUtf8();
    else
        o.request.body = QStringLiteral(R"({"model":"%1","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"Say hello."}]}]})")
                             .arg(model)
                             .toUtf8();
    o.request.headers << qMakePair(QByteArray("X-Sim-Fault"), fault);
    return o;
}

}  // namespace

class TestPrometheus : public QObject {
    Q_OBJECT

    QString m_promUrl;
    QString m_simUrl;
    std::unique_ptr<PromApiClient> m_api;
    qint64 m_trafficStartMs = 0;
    qint64 m_trafficEndMs = 0;
    qint64 m_engineLastMs = 0;

    ApiResult q(const QString &promql, qint64 atMs = 0)
    {
        const ApiResult r = m_api->querySync(promql, atMs);
        if (!r.ok)
            qWarning("query %s failed: %s: %s", qPrintable(promql), qPrintable(r.errorType), qPrintable(r.error));
        return r;
    }

    /// Latest sample time Prometheus holds for the simulator's request counter.
    qint64 promLatestSampleMs()
    {
        const ApiResult r = m_api->querySync(QStringLiteral("max(timestamp(%1%2))").arg(kRequests, kSel));
        if (!r.ok || r.series.isEmpty() || r.series.first().points.isEmpty())
            return 0;
        return qint64(std::llround(r.series.first().points.first().second * 1000.0));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString why;
        m_promUrl = testutil::serverUrl("CODEX_TEST_PROM_URL_FILE", &why);
        QVERIFY2(!m_promUrl.isEmpty(), qPrintable(why));
        m_simUrl = testutil::serverUrl("CODEX_TEST_PROM_SIM_URL_FILE", &why);
        QVERIFY2(!m_simUrl.isEmpty(), qPrintable(why));
        m_api = std::make_unique<PromApiClient>();
        m_api->setBaseUrl(QUrl(m_promUrl));
        m_api->setTimeoutMs(10000);
        const ApiResult up = m_api->querySync(QStringLiteral("up"));
        QVERIFY2(up.ok, qPrintable(QStringLiteral("Prometheus at %1 does not answer: %2").arg(m_promUrl, up.error)));
        QVERIFY2(!up.series.isEmpty() && up.series.first().points.value(0).second == 1.0,
                 "Prometheus does not report its simulator target up");
    }

    /// Traffic on the simulator; (c) the engine's direct scrapes vs Prometheus within 10 %.
    void trafficAndEngineAgreesWithPrometheus()
    {
        MonitorEngine engine;
        engine.setNaming(*MetricNaming::preset(QStringLiteral("ccproxy")));
        engine.setRateWindowMs(10000);
        Scraper scraper;
        ScrapeTarget target;
        target.url = QUrl(m_simUrl + QStringLiteral("/metrics"));
        target.timeoutMs = 3000;  // a busy machine: slower scrapes are skipped ticks, not failures
        scraper.setTarget(target);
        int scrapes = 0, failed = 0;
        connect(&scraper, &Scraper::scraped, &engine, [&](const ScrapeResult &r) {
            ++scrapes;
            if (!r.ok)
                ++failed;
            engine.addScrape(r);
        });

        Environment env;
        env.name = QStringLiteral("prometheus-sim");
        env.baseUrl = QUrl(m_simUrl);
        env.timeoutMs = 10000;
        // Several endpoints and models, streaming and not; one runner answers 500 (~10 % of requests).
        const QList<LoadOptions> loads{
            load(QStringLiteral("/codex/chat/completions"), QStringLiteral("gpt-5"), false, "delay:40", 2),
            load(QStringLiteral("/codex/responses"), QStringLiteral("gpt-5-codex"), true, "delay:80", 1),
            load(QStringLiteral("/codex/responses"), QStringLiteral("gpt-5"), false, "delay:25", 1),
            load(QStringLiteral("/codex/chat/completions"), QStringLiteral("gpt-5-codex"), true, "status:500,delay:100", 1),
        };
        std::vector<std::unique_ptr<LoadRunner>> runners;
        m_trafficStartMs = QDateTime::currentMSecsSinceEpoch();
        scraper.start(1000);
        for (const auto &o : loads) {
            runners.push_back(std::make_unique<LoadRunner>());
            runners.back()->start(env, o);
        }
        // Steady traffic for 13 s (the engine's 10 s rate window full, Prometheus's too).
        QTest::qWait(13000);
        QVERIFY2(scrapes >= 10, qPrintable(QStringLiteral("only %1 direct scrapes in 13 s").arg(scrapes)));
        QVERIFY2(failed <= scrapes / 3, qPrintable(QStringLiteral("%1 of %2 direct scrapes failed").arg(failed).arg(scrapes)));
        // The engine's last point with data (a failed scrape is a gap): the values and the instant
        // to ask Prometheus about.
        const QVector<Point> rates = engine.store().points(MonitorEngine::seriesName(QString(), QStringLiteral("request_rate")), 0,
                                                           std::numeric_limits<qint64>::max(), 0);
        qint64 ts = 0;
        for (const auto &pt : rates)
            if (std::isfinite(pt.v))
                ts = pt.t;
        QVERIFY(ts > 0);
        auto at = [&](const QString &what) {
            const auto pts = engine.store().points(MonitorEngine::seriesName(QString(), what), ts, ts, 0);
            return pts.isEmpty() ? std::nan("") : pts.last().v;
        };
        const double eRate = at(QStringLiteral("request_rate"));
        const double eRatio = at(QStringLiteral("error_ratio"));
        const double eP95 = at(QStringLiteral("p95_ms"));
        m_engineLastMs = ts;
        // Traffic goes on while Prometheus scrapes past ts.
        QTRY_VERIFY_WITH_TIMEOUT(promLatestSampleMs() > ts, 5000);
        scraper.stop();
        for (auto &r : runners)
            r->cancel();
        for (auto &r : runners)
            QTRY_VERIFY_WITH_TIMEOUT(!r->isRunning(), 10000);
        m_trafficEndMs = QDateTime::currentMSecsSinceEpoch();
        for (auto &r : runners) {
            const LoadProgress p = r->snapshot();
            QVERIFY2(p.done > 10, qPrintable(QStringLiteral("a load runner finished only %1 requests").arg(p.done)));
        }

        const ApiResult pRate = q(QStringLiteral("sum(rate(%1%2[10s]))").arg(kRequests, kSel), ts);
        const ApiResult pRatio = q(QStringLiteral("sum(rate(%1{service_type=\"codex\",status=~\"5..\"}[10s])) / sum(rate(%1%2[10s]))")
                                       .arg(kRequests, kSel),
                                   ts);
        const ApiResult pP95 = q(QStringLiteral("histogram_quantile(0.95, sum by (le) (rate(%1%2[10s])))").arg(kBuckets, kSel), ts);
        QVERIFY(pRate.ok && pRatio.ok && pP95.ok);
        QVERIFY(!pRate.series.isEmpty() && !pRatio.series.isEmpty() && !pP95.series.isEmpty());
        const double promRate = pRate.series.first().points.first().second;
        const double promRatio = pRatio.series.first().points.first().second;
        const double promP95 = pP95.series.first().points.first().second * 1000.0;
        const QString report = QStringLiteral("engine vs Prometheus at %1: rate %2 vs %3 req/s, error ratio %4 vs %5, p95 %6 vs %7 ms")
                                   .arg(ts)
                                   .arg(eRate)
                                   .arg(promRate)
                                   .arg(eRatio)
                                   .arg(promRatio)
                                   .arg(eP95)
                                   .arg(promP95);
        qInfo("%s", qPrintable(report));
        QVERIFY2(promRate > 5 && promRatio > 0.01 && promRatio < 0.5 && std::isfinite(promP95), qPrintable(report));
        // Stated tolerance: 10 % (different sample instants, same algorithm).
        QVERIFY2(relClose(eRate, promRate, 0.10), qPrintable(report));
        QVERIFY2(relClose(eRatio, promRatio, 0.10), qPrintable(report));
        QVERIFY2(relClose(eP95, promP95, 0.10), qPrintable(report));
    }

    /// (a) The seed's three queries in the real names return data.
    void seedQueriesInCcproxyNaming()
    {
        QVERIFY2(m_trafficEndMs > 0, "needs the traffic of the previous test");
        const MetricNaming n = *MetricNaming::preset(QStringLiteral("ccproxy"));
        const ApiResult rate = q(n.requestRateQuery());
        QVERIFY(rate.ok);
        QCOMPARE(rate.resultType, QStringLiteral("vector"));
        QVERIFY(!rate.series.isEmpty());
        int positive = 0;
        for (const auto &s : rate.series) {
            const double v = s.points.first().second;
            QVERIFY2(std::isfinite(v) && v >= 0, qPrintable(labelsKey(s.labels)));
            positive += v > 0;
            QCOMPARE(labelValue(s.labels, QStringLiteral("service_type")), QStringLiteral("codex"));
        }
        QVERIFY(positive >= 4);  // the four runners' series at least

        const ApiResult errors = q(n.errorRateQuery());
        QVERIFY(errors.ok);
        QVERIFY(!errors.series.isEmpty());
        bool any500 = false;
        for (const auto &s : errors.series) {
            QVERIFY(labelValue(s.labels, QStringLiteral("status")).startsWith(QLatin1Char('5')));
            any500 = any500 || (labelValue(s.labels, QStringLiteral("status")) == QLatin1String("500") && s.points.first().second > 0);
        }
        QVERIFY(any500);

        const ApiResult p95 = q(n.latencyQuery(0.95));
        QVERIFY(p95.ok);
        QVERIFY(!p95.series.isEmpty());
        int finite = 0;
        for (const auto &s : p95.series) {
            const double v = s.points.first().second;
            if (std::isfinite(v)) {
                ++finite;
                QVERIFY2(v > 0 && v <= 25.0, qPrintable(QString::number(v)));
            }
        }
        QVERIFY(finite >= 1);
    }

    /// (a) The seed's spelling matches nothing, and the names that do exist say so.
    void seedNamingMatchesNothing()
    {
        const MetricNaming seed = *MetricNaming::preset(QStringLiteral("seed"));
        QCOMPARE(seed.requestRateQuery(), QStringLiteral("rate(request_count{service_type=\"codex\"}[5m])"));
        for (const QString &query : {seed.requestRateQuery(), seed.errorRateQuery(), seed.latencyQuery(0.95)}) {
            const ApiResult r = q(query);
            QVERIFY2(r.ok, qPrintable(query));
            QVERIFY2(r.series.isEmpty(), qPrintable(query));
        }
        QString error;
        const QStringList names = m_api->metricNamesSync(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY(names.contains(kRequests));
        QVERIFY(names.contains(QStringLiteral("ccproxy_response_duration_seconds_bucket")));
        QVERIFY(!names.contains(QStringLiteral("request_count")));
    }

    /// (a) API errors come back with Prometheus's errorType and message.
    void apiErrors()
    {
        const ApiResult r = m_api->querySync(QStringLiteral("rate(ccproxy_requests_total[5m]"));
        QVERIFY(!r.ok);
        QCOMPARE(r.errorType, QStringLiteral("bad_data"));
        QVERIFY2(r.error.contains(QLatin1String("parse error")), qPrintable(r.error));
        QCOMPARE(r.httpStatus, 400);
        // A range query with a bad step: Prometheus's own message too.
        const ApiResult r2 = m_api->queryRangeSync(QStringLiteral("up"), 2000000, 1000000, 15);
        QVERIFY(!r2.ok);
        QCOMPARE(r2.errorType, QStringLiteral("bad_data"));
        QVERIFY2(r2.error.contains(QLatin1String("end timestamp must not be before start")), qPrintable(r2.error));
        // Nobody listening: a network error naming the address.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const quint16 port = probe.serverPort();
        probe.close();
        PromApiClient down;
        down.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
        const ApiResult r3 = down.querySync(QStringLiteral("up"));
        QVERIFY(!r3.ok);
        QCOMPARE(r3.errorType, QStringLiteral("network"));
        QVERIFY2(r3.error.contains(QString::number(port)), qPrintable(r3.error));
    }

    /// (b) The same raw samples through the app's rate() and histogramQuantile() give Prometheus's answers.
    void rateAndQuantileMatchPrometheusExactly()
    {
        QVERIFY2(m_engineLastMs > 0, "needs the traffic of the first test");
        const qint64 windowMs = 30000;
        // An evaluation instant inside the traffic, off the scrape grid's 30 s boundary: Prometheus
        // 2.x includes a sample exactly at the window's start, the app's (t - w, t] does not.
        qint64 t = m_engineLastMs - 250;
        ApiResult rawReq, rawBuckets;
        for (int attempt = 0; attempt < 10; ++attempt, t -= 7) {
            rawReq = q(QStringLiteral("%1%2[40s]").arg(kRequests, kSel), t);
            rawBuckets = q(QStringLiteral("%1%2[40s]").arg(kBuckets, kSel), t);
            QVERIFY(rawReq.ok && rawBuckets.ok);
            bool onEdge = false;
            for (const ApiResult *r : {&rawReq, &rawBuckets})
                for (const auto &s : r->series)
                    for (const auto &p : s.points)
                        onEdge = onEdge || p.first == t - windowMs;
            if (!onEdge)
                break;
        }
        QCOMPARE(rawReq.resultType, QStringLiteral("matrix"));
        QVERIFY(rawReq.series.size() >= 4);
        QVERIFY(rawBuckets.series.size() >= 4 * 11);

        // rate per series, compared one by one
        const ApiResult promRate = q(QStringLiteral("rate(%1%2[30s])").arg(kRequests, kSel), t);
        QVERIFY(promRate.ok);
        QMap<QString, double> promBySeries;
        for (const auto &s : promRate.series)
            promBySeries.insert(labelsKey(s.labels), s.points.first().second);
        QMap<QString, double> appBySeries;
        for (const auto &s : rawReq.series) {
            const double r = rate(toPoints(s), t, windowMs);
            if (!std::isnan(r))
                appBySeries.insert(labelsKey(s.labels), r);
        }
        QCOMPARE(appBySeries.keys(), promBySeries.keys());
        int compared = 0, positive = 0;
        double worst = 0;
        for (auto it = promBySeries.cbegin(); it != promBySeries.cend(); ++it) {
            const double app = appBySeries.value(it.key());
            const double rel = it.value() == app ? 0 : std::abs(app - it.value()) / std::max(std::abs(app), std::abs(it.value()));
            worst = std::max(worst, rel);
            QVERIFY2(rel <= 1e-9, qPrintable(QStringLiteral("%1: app %2, Prometheus %3").arg(it.key()).arg(app, 0, 'g', 17).arg(it.value(), 0, 'g', 17)));
            ++compared;
            positive += it.value() > 0;
        }
        QVERIFY(compared >= 4);
        QVERIFY(positive >= 4);
        qInfo("rate(): %d series compared, worst relative difference %.3g", compared, worst);

        // increase() too (same algorithm without the division)
        const ApiResult promInc = q(QStringLiteral("sum(increase(%1%2[30s]))").arg(kRequests, kSel), t);
        QVERIFY(promInc.ok && !promInc.series.isEmpty());
        double appInc = 0;
        for (const auto &s : rawReq.series) {
            const double v = increase(toPoints(s), t, windowMs);
            if (!std::isnan(v))
                appInc += v;
        }
        QVERIFY2(relClose(appInc, promInc.series.first().points.first().second, 1e-9),
                 qPrintable(QStringLiteral("increase: app %1, Prometheus %2").arg(appInc, 0, 'g', 17).arg(promInc.series.first().points.first().second, 0, 'g', 17)));

        // histogram_quantile over sum by (le) of the per-bucket rates
        QMap<double, double> byLe;
        for (const auto &s : rawBuckets.series) {
            const double r = rate(toPoints(s), t, windowMs);
            if (std::isnan(r))
                continue;
            const QString le = labelValue(s.labels, QStringLiteral("le"));
            byLe[le == QLatin1String("+Inf") ? std::numeric_limits<double>::infinity() : le.toDouble()] += r;
        }
        QVector<Bucket> buckets;
        for (auto it = byLe.cbegin(); it != byLe.cend(); ++it)
            buckets.push_back({it.key(), it.value()});
        QCOMPARE(buckets.size(), 11);
        for (double quantile : {0.5, 0.95, 0.99}) {
            const ApiResult promQ =
                q(QStringLiteral("histogram_quantile(%1, sum by (le) (rate(%2%3[30s])))").arg(quantile).arg(kBuckets, kSel), t);
            QVERIFY(promQ.ok && promQ.series.size() == 1);
            const double want = promQ.series.first().points.first().second;
            const double got = histogramQuantile(quantile, buckets);
            QVERIFY2(std::isfinite(want) && want > 0, qPrintable(QString::number(want)));
            QVERIFY2(relClose(got, want, 1e-6),
                     qPrintable(QStringLiteral("q=%1: app %2, Prometheus %3").arg(quantile).arg(got, 0, 'g', 17).arg(want, 0, 'g', 17)));
        }
        // The error ratio the Monitor shows, the same way.
        double all = 0, fiveXX = 0;
        for (const auto &s : rawReq.series) {
            const double r = rate(toPoints(s), t, windowMs);
            if (std::isnan(r))
                continue;
            all += r;
            if (labelValue(s.labels, QStringLiteral("status")).startsWith(QLatin1Char('5')))
                fiveXX += r;
        }
        const ApiResult promRatio =
            q(QStringLiteral("sum(rate(%1{service_type=\"codex\",status=~\"5..\"}[30s])) / sum(rate(%1%2[30s]))").arg(kRequests, kSel), t);
        QVERIFY(promRatio.ok && !promRatio.series.isEmpty());
        QVERIFY2(relClose(fiveXX / all, promRatio.series.first().points.first().second, 1e-9),
                 qPrintable(QStringLiteral("error ratio: app %1, Prometheus %2").arg(fiveXX / all).arg(promRatio.series.first().points.first().second)));
    }
};

QTEST_GUILESS_MAIN(TestPrometheus)
#include "tst_prometheus.moc"
