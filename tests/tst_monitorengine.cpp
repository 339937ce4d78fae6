// MonitorEngine on synthetic ccproxy expositions over time: rates per raw series then sums per
// group, error ratio, quantiles from bucket rates, a counter reset, a failed scrape (NaN gap),
// grouping by endpoint and model, thresholds, markers and the no-match report.
#include "metrics/MonitorEngine.h"

#include "TestUtil.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QtTest/QtTest>

#include <cmath>
#include <vector>

using namespace codex::metrics;

namespace {
/// A simulated ccproxy: per-second request rates per (endpoint, model, status); every request of
/// /a takes 0.1–0.25 s, every request of /b 0.5–1 s.
struct Traffic {
    struct Series {
        const char *endpoint, *model, *status;
        double perSecond;
        double count = 0;
    };
    std::vector<Series> series;
    QMap<QString, double> buckets;  // key endpoint|model|le
    std::vector<std::pair<const char *, double>> les;

    Traffic()
    {
        series.push_back({"/a", "m1", "200", 9});
        series.push_back({"/a", "m1", "500", 1});
        series.push_back({"/b", "m2", "200", 10});
        les = {{"0.1", 0.1}, {"0.25", 0.25}, {"0.5", 0.5}, {"1.0", 1.0}, {"+Inf", 1e9}};
    }

    void reset()
    {
        for (auto &s : series)
            s.count = 0;
        buckets.clear();
    }
    void step()  // one second of traffic
    {
        for (auto &s : series) {
            s.count += s.perSecond;
            const double dur = QByteArray(s.endpoint) == "/a" ? 0.2 : 0.7;
            for (const auto &le : les)
                if (dur <= le.second)
                    buckets[QStringLiteral("%1|%2|%3").arg(s.endpoint, s.model, le.first)] += s.perSecond;
        }
    }
    QByteArray text() const
    {
        QByteArray t = "# HELP ccproxy_requests_total Total number of requests processed\n"
                       "# TYPE ccproxy_requests_total counter\n";
        for (const auto &s : series)
            t += QStringLiteral("ccproxy_requests_total{endpoint=\"%1\",method=\"POST\",model=\"%2\",service_type=\"codex\",status=\"%3\"} %4\n")
                     .arg(s.endpoint, s.model, s.status)
                     .arg(s.count, 0, 'f', 1)
                     .toUtf8();
        t += "ccproxy_requests_total{endpoint=\"/v1/messages\",method=\"POST\",model=\"unknown\",service_type=\"unknown\",status=\"500\"} 99\n";
        t += "# TYPE ccproxy_response_duration_seconds histogram\n";
        for (const auto &[ep, model] : {std::pair{"/a", "m1"}, std::pair{"/b", "m2"}})
            for (const auto &le : les)
                t += QStringLiteral("ccproxy_response_duration_seconds_bucket{endpoint=\"%1\",le=\"%2\",model=\"%3\",service_type=\"codex\"} %4\n")
                         .arg(ep, le.first, model)
                         .arg(buckets.value(QStringLiteral("%1|%2|%3").arg(ep, model, le.first)), 0, 'f', 1)
                         .toUtf8();
        t += "# TYPE ccproxy_active_requests gauge\nccproxy_active_requests 1\n";
        return t;
    }
};

ScrapeResult scrapeAt(qint64 tMs, const QByteArray &text)
{
    ScrapeResult r;
    r.ok = true;
    r.atMs = tMs;
    r.status = 200;
    r.exposition = PromTextParser::parse(text);
    r.exposition.scrapedAtMs = tMs;
    return r;
}

ScrapeResult failedAt(qint64 tMs)
{
    ScrapeResult r;
    r.ok = false;
    r.atMs = tMs;
    r.error = QStringLiteral("connection refused by 127.0.0.1:1");
    return r;
}

double valueAt(SeriesStore &s, const QString &series, qint64 t)
{
    const auto p = s.points(series, t, t, 0);
    return p.isEmpty() ? -12345 : p[0].v;
}

constexpr qint64 T0 = 1700000000000LL;
}  // namespace

class TstMonitorEngine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ratesRatiosQuantilesResetAndGap()
    {
        MonitorEngine eng;
        eng.setRateWindowMs(10000);
        QString err;
        eng.setRules({*ThresholdRule::parse(QStringLiteral("error_ratio>0.01:page:id=err"), &err)});
        QSignalSpy started(&eng, &MonitorEngine::breachStarted);
        Traffic tr;
        for (int s = 0; s <= 60; ++s) {
            if (s == 30)
                tr.reset();  // the proxy restarted between 29 s and 30 s
            tr.step();
            if (s == 45) {
                eng.addScrape(failedAt(T0 + s * 1000));
                continue;
            }
            eng.addScrape(scrapeAt(T0 + s * 1000, tr.text()));
        }
        SeriesStore &st = eng.store();
        QVERIFY(eng.noMatchReport().isEmpty());
        QCOMPARE(eng.groups(), QStringList{QString()});
        QVERIFY(std::isnan(valueAt(st, QStringLiteral("/request_rate"), T0)));  // one point: no rate yet
        for (int s : {10, 20, 29, 30, 31, 35, 39, 40, 44, 46, 60}) {  // from 10 s on: a full window
            const qint64 t = T0 + s * 1000;
            QVERIFY2(qAbs(valueAt(st, QStringLiteral("/request_rate"), t) - 20.0) < 1e-9,
                     qPrintable(QStringLiteral("t=%1 s: %2").arg(s).arg(valueAt(st, QStringLiteral("/request_rate"), t))));
            QVERIFY(qAbs(valueAt(st, QStringLiteral("/error_ratio"), t) - 0.05) < 1e-9);
            // 19 of 20 requests/s below 0.25 s … p50: rank 10 of 20 in (0.1, 0.25] (10 there): 0.25 s
            QVERIFY2(qAbs(valueAt(st, QStringLiteral("/p50_ms"), t) - 250.0) < 1e-6,
                     qPrintable(QString::number(valueAt(st, QStringLiteral("/p50_ms"), t))));
            // p95: rank 19 in (0.5, 1.0] holding 10 above 10: 500 + 500 × 9/10
            QVERIFY(qAbs(valueAt(st, QStringLiteral("/p95_ms"), t) - 950.0) < 1e-6);
            QVERIFY(qAbs(valueAt(st, QStringLiteral("/p99_ms"), t) - 990.0) < 1e-6);
        }
        // the failed scrape is a gap, never a zero
        for (const char *what : {"request_rate", "error_ratio", "p50_ms", "p95_ms", "p99_ms"})
            QVERIFY(std::isnan(valueAt(st, QStringLiteral("/") + QLatin1String(what), T0 + 45000)));
        // thresholds: 5 % errors page
        QCOMPARE(started.size(), 1);
        QCOMPARE(started[0][0].value<BreachEvent>().ruleId, QStringLiteral("err"));
        QCOMPARE(eng.activeBreaches().size(), 1);
    }

    void groupingByEndpointAndModel()
    {
        MonitorEngine eng;
        eng.setRateWindowMs(10000);
        eng.setGroupBy(QStringLiteral("endpoint"));
        Traffic tr;
        for (int s = 0; s <= 12; ++s) {
            tr.step();
            eng.addScrape(scrapeAt(T0 + s * 1000, tr.text()));
        }
        QCOMPARE(eng.groups(), QStringList({QStringLiteral("/a"), QStringLiteral("/b")}));
        SeriesStore &st = eng.store();
        const qint64 t = T0 + 12000;
        QVERIFY(qAbs(valueAt(st, QStringLiteral("/a/request_rate"), t) - 10.0) < 1e-9);
        QVERIFY(qAbs(valueAt(st, QStringLiteral("/a/error_ratio"), t) - 0.1) < 1e-9);
        QVERIFY(qAbs(valueAt(st, QStringLiteral("/b/error_ratio"), t) - 0.0) < 1e-9);
        QVERIFY(qAbs(valueAt(st, QStringLiteral("/a/p50_ms"), t) - 175.0) < 1e-6);   // 0.1 + 0.15 × 0.5
        QVERIFY(qAbs(valueAt(st, QStringLiteral("/b/p50_ms"), t) - 750.0) < 1e-6);   // 0.5 + 0.5 × 0.5
        QVERIFY(qAbs(valueAt(st, QStringLiteral("/request_rate"), t) - 20.0) < 1e-9);  // the total is always there
        QCOMPARE(MonitorEngine::seriesName(QStringLiteral("/a"), QStringLiteral("p95_ms")), QStringLiteral("/a/p95_ms"));

        eng.setGroupBy(QStringLiteral("model"));
        tr.step();
        eng.addScrape(scrapeAt(T0 + 13000, tr.text()));
        QCOMPARE(eng.groups(), QStringList({QStringLiteral("m1"), QStringLiteral("m2")}));
        QVERIFY(qAbs(valueAt(st, QStringLiteral("m2/request_rate"), T0 + 13000) - 10.0) < 1e-9);

        // a group that disappears gets gaps
        Traffic only;
        only.series.pop_back();
        eng.addScrape(scrapeAt(T0 + 14000, only.text()));
        QVERIFY(std::isnan(valueAt(st, QStringLiteral("m2/request_rate"), T0 + 14000)));
    }

    void seedNamingMatchesNothing()
    {
        MonitorEngine eng;
        eng.setNaming(*MetricNaming::preset(QStringLiteral("seed")));
        Traffic tr;
        tr.step();
        eng.addScrape(scrapeAt(T0, tr.text()));
        const QString report = eng.noMatchReport();
        QVERIFY(!report.isEmpty());
        QCOMPARE(report, QStringLiteral("no series named request_count; no series named request_duration_seconds_bucket "
                                        "(naming \"seed\"); the target exposes: ccproxy_requests_total, "
                                        "ccproxy_response_duration_seconds, ccproxy_active_requests"));
        // the ccproxy naming with a service value nobody sets
        MetricNaming n = *MetricNaming::preset(QStringLiteral("ccproxy"));
        n.serviceValue = QStringLiteral("claude");
        eng.setNaming(n);
        eng.addScrape(scrapeAt(T0 + 1000, tr.text()));
        QVERIFY2(eng.noMatchReport().startsWith(QStringLiteral(
                     "no series named ccproxy_requests_total with service_type=\"claude\" (its series have service_type: codex, unknown)")),
                 qPrintable(eng.noMatchReport()));
        // real ccproxy data read with the real names: matches
        eng.setNaming(*MetricNaming::preset(QStringLiteral("ccproxy")));
        eng.addScrape(scrapeAt(T0 + 2000, testutil::readFile(QStringLiteral(CODEXADMIN_TEST_DATA "/metrics/ccproxy.prom"))));
        QVERIFY(eng.noMatchReport().isEmpty());
    }

    void markersAndCompare()
    {
        MonitorEngine eng;
        eng.setRateWindowMs(5000);
        Traffic tr;
        for (int s = 0; s <= 40; ++s) {
            if (s == 21)
                tr.series[1].perSecond = 3;  // errors rise after the canary stage
            tr.step();
            eng.addScrape(scrapeAt(T0 + s * 1000, tr.text()));
        }
        eng.addMarker({QStringLiteral("full"), T0 + 30000});
        eng.addMarker({QStringLiteral("canary 5 %"), T0 + 20000});
        QCOMPARE(eng.markers().size(), 2);
        QCOMPARE(eng.markers()[0].name, QStringLiteral("canary 5 %"));
        QCOMPARE(StageMarker::fromJson(eng.markers()[0].toJson()).tMs, T0 + 20000);
        const Comparison c = eng.compare(QStringLiteral("/request_rate"), T0 + 10000, 5000);
        QCOMPARE(c.beforePoints, 5);
        QCOMPARE(c.afterPoints, 5);
        QVERIFY(qAbs(c.before - 20.0) < 1e-9 && qAbs(c.after - 20.0) < 1e-9);
        // after the marker at 30 s (window ≥ 5 s after the change): 3 of 22 errors
        const Comparison e = eng.compare(QStringLiteral("/error_ratio"), T0 + 20000, 5000);
        QVERIFY(qAbs(e.before - 0.05) < 1e-9);
        const Comparison f = eng.compare(QStringLiteral("/error_ratio"), T0 + 30000, 5000);
        QVERIFY(qAbs(f.after - 3.0 / 22.0) < 1e-9);
        QVERIFY2(e.delta() > 0.03, qPrintable(QString::number(e.delta())));
    }

    void restoreSeriesAndThresholds()
    {
        MonitorEngine eng;
        eng.setRules(ThresholdRule::seedPresets());
        QSignalSpy started(&eng, &MonitorEngine::breachStarted);
        QVector<RestoreObservation> obs;
        for (int i = 0; i < 99; ++i)
            obs.push_back({T0 + i * 100, 100, false});
        obs.push_back({T0 + 9900, 1500, false});
        eng.addRestoreObservations(obs);
        SeriesStore &st = eng.store();
        QCOMPARE(valueAt(st, QStringLiteral("restore/p50_ms"), T0 + 9900), 100.0);
        QCOMPARE(valueAt(st, QStringLiteral("restore/p99_ms"), T0 + 9900), 100.0);  // nearest rank 99 of 100
        eng.addRestoreObservations({{T0 + 10000, 1500, false}, {T0 + 10100, -1, true}});
        QCOMPARE(valueAt(st, QStringLiteral("restore/p99_ms"), T0 + 10100), 1500.0);
        QCOMPARE(valueAt(st, QStringLiteral("restore/fail_ratio"), T0 + 10100), 1.0 / 102.0);
        QStringList rules;
        for (const auto &a : started)
            rules << a[0].value<BreachEvent>().ruleId;
        rules.sort();
        QCOMPARE(rules, QStringList({QStringLiteral("seed-restore-p99-investigate"), QStringLiteral("seed-restore-p99-warn")}));
    }

    void summarizeBetweenTwoScrapes()
    {
        Traffic tr;
        tr.step();
        Exposition a = PromTextParser::parse(tr.text());
        a.scrapedAtMs = T0;
        for (int i = 0; i < 10; ++i)
            tr.step();
        Exposition b = PromTextParser::parse(tr.text());
        b.scrapedAtMs = T0 + 10000;
        const QJsonObject j = MonitorEngine::summarize(a, b, *MetricNaming::preset(QStringLiteral("ccproxy")), QStringLiteral("endpoint"));
        QCOMPARE(j.value("interval_s").toDouble(), 10.0);
        const QJsonObject total = j.value("total").toObject();
        QCOMPARE(total.value("request_rate").toDouble(), 20.0);
        QCOMPARE(total.value("error_ratio").toDouble(), 0.05);
        QCOMPARE(total.value("requests").toDouble(), 200.0);
        QCOMPARE(total.value("p50_ms").toDouble(), 250.0);
        const QJsonArray groups = j.value("groups").toArray();
        QCOMPARE(groups.size(), 2);
        QCOMPARE(groups[0].toObject().value("group").toString(), QStringLiteral("/a"));
        QCOMPARE(groups[0].toObject().value("error_ratio").toDouble(), 0.1);
        QVERIFY(!j.contains("no_match"));
        const QJsonObject seed = MonitorEngine::summarize(a, b, *MetricNaming::preset(QStringLiteral("seed")), QString());
        QVERIFY(seed.value("no_match").toString().startsWith(QStringLiteral("no series named request_count")));
        QVERIFY(seed.value("total").toObject().value("request_rate").isNull());
        const QJsonObject same = MonitorEngine::summarize(b, b, *MetricNaming::preset(QStringLiteral("ccproxy")), QString());
        QVERIFY(same.contains("error"));
    }
};

QTEST_GUILESS_MAIN(TstMonitorEngine)
#include "tst_monitorengine.moc"
