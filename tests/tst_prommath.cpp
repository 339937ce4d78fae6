// rate/increase (Prometheus extrapolatedRate) and histogram_quantile (bucketQuantile) on
// hand-computed cases, including Prometheus's own histogram_quantile test data
// (promql/testdata/histograms.test: "positive" and "negative" start histograms).
#include "metrics/PromMath.h"

#include "TestUtil.h"

#include <QtTest/QtTest>

using namespace codex::metrics;

static QVector<Point> pts(std::initializer_list<std::pair<double, double>> secondsAndValues)
{
    QVector<Point> out;
    for (const auto &p : secondsAndValues)
        out.push_back({qint64(p.first * 1000), p.second});
    return out;
}

static constexpr double kInf = std::numeric_limits<double>::infinity();
static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

class TstPromMath : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void increaseExtrapolatesToWindowEdges()
    {
        // 1/s, samples 5 s inside both edges of a 60 s window: extrapolated to the full 60 s.
        const auto p = pts({{5, 5}, {15, 15}, {25, 25}, {35, 35}, {45, 45}, {55, 55}});
        QCOMPARE(increase(p, 60000, 60000), 60.0);
        QCOMPARE(rate(p, 60000, 60000), 1.0);
    }

    void counterResetAddsPreviousValue()
    {
        // 10, 20, (reset) 5, 15: raw increase 5 + 20 = 25 over 30 s sampled; 10 s to the start
        // (< 1.1 × 10 s average) extrapolated: 25 × 40/30.
        const auto p = pts({{10, 10}, {20, 20}, {30, 5}, {40, 15}});
        QCOMPARE(increase(p, 40000, 40000), 25.0 * 40.0 / 30.0);
        QCOMPARE(rate(p, 40000, 40000), 25.0 * 40.0 / 30.0 / 40.0);
        // two resets in a row
        const auto p2 = pts({{10, 10}, {20, 3}, {30, 1}, {40, 4}});
        // raw 4 - 10 + 10 + 3 = 7; the window starts 1 ms before the first sample: extrapolated by 1 ms
        QCOMPARE(increase(p2, 40000, 30001), 7.0 * 30.001 / 30.0);
    }

    void counterNeverExtrapolatedBelowZero()
    {
        // starts at 1, +10 per 10 s: the zero point is 1 s before the first sample, so the start is
        // extrapolated by 1 s only (durationToZero), not by the 30 s to the window start.
        const auto p = pts({{30, 1}, {40, 11}, {50, 21}, {60, 31}});
        QCOMPARE(increase(p, 60000, 60000), 31.0);
        QCOMPARE(rate(p, 60000, 60000), 31.0 / 60.0);
    }

    void farEdgesExtrapolateHalfAnInterval()
    {
        // 40 s between the window start and the first sample (> 1.1 × 10 s): only 5 s are added.
        const auto p = pts({{40, 100}, {50, 110}, {60, 120}});
        QCOMPARE(increase(p, 60000, 60000), 25.0);
        // and at the end too: window ends 30 s after the last sample
        QCOMPARE(increase(p, 90000, 90000), 20.0 * 30.0 / 20.0);
    }

    void windowAndGaps()
    {
        const auto p = pts({{0, 0}, {10, 10}, {20, 20}});
        // (end - window, end]: the sample at exactly end - window is out
        QVERIFY(std::isnan(increase(p, 10000, 10000)));
        QCOMPARE(increase(p, 20000, 20000), 20.0);  // 10@10 s, 20@20 s: 10 × (10 + 10) / 10
        QVERIFY(std::isnan(rate({}, 1000, 1000)));
        QVERIFY(std::isnan(rate(pts({{1, 1}}), 1000, 1000)));
        // NaN points (failed scrapes) are not samples
        const auto g = pts({{5, 5}, {15, kNaN}, {25, 25}, {35, kNaN}, {45, 45}, {55, 55}});
        QCOMPARE(increase(g, 60000, 60000), 60.0);
        QVERIFY(std::isnan(rate(pts({{5, 5}, {15, kNaN}}), 60000, 60000)));
    }

    void quantilePrometheusTestData_data()
    {
        QTest::addColumn<double>("q");
        QTest::addColumn<double>("positive");
        QTest::addColumn<double>("negative");
        QTest::newRow("0") << 0.0 << 0.0 << -0.2;
        QTest::newRow("0.2") << 0.2 << 0.048 << -0.2;
        QTest::newRow("0.5") << 0.5 << 0.15 << -0.15;
        QTest::newRow("0.8") << 0.8 << 0.72 << 0.3;
        QTest::newRow("1") << 1.0 << 1.0 << 0.3;
        QTest::newRow("-1") << -1.0 << -kInf << -kInf;
        QTest::newRow("2") << 2.0 << kInf << kInf;
    }

    void quantilePrometheusTestData()
    {
        QFETCH(double, q);
        QFETCH(double, positive);
        QFETCH(double, negative);
        // rates of testhistogram_bucket: 5, 7, 11, 12 per 5 m ("positive"), 1, 2, 2, 3 ("negative")
        const QVector<Bucket> pos = {{0.1, 5 / 300.0}, {0.2, 7 / 300.0}, {1.0, 11 / 300.0}, {kInf, 12 / 300.0}};
        const QVector<Bucket> neg = {{-0.2, 1 / 300.0}, {-0.1, 2 / 300.0}, {0.3, 2 / 300.0}, {kInf, 3 / 300.0}};
        QVERIFY(qFuzzyCompare(1.0 + histogramQuantile(q, pos), 1.0 + positive) || histogramQuantile(q, pos) == positive);
        QVERIFY(qFuzzyCompare(1.0 + histogramQuantile(q, neg), 1.0 + negative) || histogramQuantile(q, neg) == negative);
    }

    void quantileEdgeCases()
    {
        const QVector<Bucket> b = {{0.1, 10}, {0.5, 60}, {1, 90}, {kInf, 100}};
        QCOMPARE(histogramQuantile(0.5, b), 0.1 + 0.4 * (40.0 / 50.0));
        // in the +Inf bucket: the upper bound of the second-highest
        QCOMPARE(histogramQuantile(0.95, b), 1.0);
        QVERIFY(std::isnan(histogramQuantile(kNaN, b)));
        // no +Inf bucket
        QVERIFY(std::isnan(histogramQuantile(0.5, {{0.1, 1}, {1, 2}})));
        // only the +Inf bucket (fewer than two)
        QVERIFY(std::isnan(histogramQuantile(0.5, {{kInf, 5}})));
        // empty (total 0)
        QVERIFY(std::isnan(histogramQuantile(0.5, {{0.1, 0}, {kInf, 0}})));
        QVERIFY(std::isnan(histogramQuantile(0.5, {})));
        // unsorted input is sorted by le
        const QVector<Bucket> unsorted = {{kInf, 100}, {1, 90}, {0.1, 10}, {0.5, 60}};
        QCOMPARE(histogramQuantile(0.5, unsorted), histogramQuantile(0.5, b));
        // non-monotonic counts are raised (ensureMonotonic): 10, 8, 12, 12 → 10, 10, 12, 12
        QCOMPARE(histogramQuantile(0.5, {{1, 10}, {2, 8}, {3, 12}, {kInf, 12}}), 0.6);
        // equal upper bounds are merged
        QCOMPARE(histogramQuantile(0.5, {{1, 5}, {1, 5}, {kInf, 10}}), 0.5);
        // lowest bucket with an upper bound <= 0 is returned as is
        QCOMPARE(histogramQuantile(0.1, {{-1, 5}, {1, 10}, {kInf, 10}}), -1.0);
    }

    void groupingHelpers()
    {
        const Exposition e = PromTextParser::parse(testutil::readFile(QStringLiteral(CODEXADMIN_TEST_DATA "/metrics/ccproxy.prom")));
        const MetricFamily *req = e.family(QStringLiteral("ccproxy_requests_total"));
        QVERIFY(req);
        const auto byEndpoint = sumBy(*req, {QStringLiteral("endpoint")}, {},
                                      {{QStringLiteral("service_type"), QStringLiteral("codex")}});
        QCOMPARE(byEndpoint.size(), 2);
        QCOMPARE(labelValue(byEndpoint[0].group, QStringLiteral("endpoint")), QStringLiteral("/codex/v1/responses"));
        QCOMPARE(byEndpoint[0].value, 1532.0);
        QCOMPARE(byEndpoint[1].value, 312.0);
        const auto all = sumBy(*req, {});
        QCOMPARE(all.size(), 1);
        QCOMPARE(all[0].value, 1921.0);
        QVERIFY(all[0].group.isEmpty());

        const MetricFamily *h = e.family(QStringLiteral("ccproxy_response_duration_seconds"));
        const auto buckets = bucketsBy(*h, {QStringLiteral("model")});
        QCOMPARE(buckets.size(), 1);
        QCOMPARE(labelValue(buckets[0].group, QStringLiteral("model")), QStringLiteral("gpt-5"));
        QCOMPARE(buckets[0].buckets.size(), 11);
        QVERIFY(std::isinf(buckets[0].buckets.last().le));
        QCOMPARE(buckets[0].buckets.last().count, 1532.0);
        // p50: rank 766 in (0.25, 0.5]: 0.25 + 0.25 × (766 - 700) / 600
        QCOMPARE(histogramQuantile(0.5, buckets[0].buckets), 0.25 + 0.25 * 66.0 / 600.0);
    }
};

QTEST_GUILESS_MAIN(TstPromMath)
#include "tst_prommath.moc"
