// SeriesStore: ring buffers, the coarse tier, decimation and the fixed memory budget.
#include "metrics/SeriesStore.h"

#include <QtTest/QtTest>

#include <cmath>

using namespace codex::metrics;

class TstSeriesStore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rawRingKeepsTheNewest()
    {
        SeriesStore s(SeriesStore::Options{10, 5000, 100});
        for (int i = 0; i < 25; ++i)
            s.append(QStringLiteral("a"), 1000LL * i, i);
        const auto raw = s.points(QStringLiteral("a"), 15000, 24000);
        QCOMPARE(raw.size(), 10);
        QCOMPARE(raw.first().v, 15.0);
        QCOMPARE(raw.last().v, 24.0);
        QCOMPARE(s.points(QStringLiteral("a"), 20000, 21000).size(), 2);
        QVERIFY(s.points(QStringLiteral("nope"), 0, 100000).isEmpty());
        // out of order appends are ignored
        s.append(QStringLiteral("a"), 1000, 99);
        QCOMPARE(s.points(QStringLiteral("a"), 0, 100000).last().v, 24.0);
        QCOMPARE(s.seriesNames(), QStringList{QStringLiteral("a")});
    }

    void coarseTierBeforeRaw()
    {
        // 5 s steps: gauges keep the mean, counters the last value; NaN-only steps stay gaps.
        SeriesStore s(SeriesStore::Options{4, 5000, 100});
        for (int i = 0; i < 20; ++i) {
            s.append(QStringLiteral("g"), 1000LL * i, (i >= 5 && i < 10) ? NAN : i);
            s.append(QStringLiteral("c"), 1000LL * i, i * 10, true);
        }
        const auto g = s.points(QStringLiteral("g"), 0, 20000);
        // coarse: [0,5) mean 2, [5,10) NaN, [10,15) mean 12; then raw 16..19 (coarse [15,20) not flushed yet)
        QCOMPARE(g.size(), 3 + 4);
        QCOMPARE(g[0].v, 2.0);
        QCOMPARE(g[0].t, 2000);
        QVERIFY(std::isnan(g[1].v));
        QCOMPARE(g[2].v, 12.0);
        QCOMPARE(g[3].t, 16000);
        const auto c = s.points(QStringLiteral("c"), 0, 20000);
        QCOMPARE(c[0].v, 40.0);
        QCOMPARE(c[0].t, 4000);
        QCOMPARE(c[2].v, 140.0);
        // raw gaps are kept
        SeriesStore r;
        r.append(QStringLiteral("x"), 1, 1);
        r.append(QStringLiteral("x"), 2, NAN);
        r.append(QStringLiteral("x"), 3, 3);
        QVERIFY(std::isnan(r.points(QStringLiteral("x"), 0, 10)[1].v));
    }

    void decimationKeepsMinMaxAndGaps()
    {
        SeriesStore s;
        for (int i = 0; i < 3600; ++i)
            s.append(QStringLiteral("a"), 1000LL * i, i == 1234 ? 1e6 : (i == 2345 ? -1e6 : (i == 3000 ? NAN : std::sin(i / 50.0))));
        const auto d = s.points(QStringLiteral("a"), 0, 3600000, 300);
        QVERIFY(d.size() <= 300);
        QVERIFY(d.size() >= 150);
        bool max = false, min = false, gap = false;
        qint64 prevT = -1;
        for (const auto &p : d) {
            max = max || p.v == 1e6;
            min = min || p.v == -1e6;
            gap = gap || std::isnan(p.v);
            QVERIFY(p.t > prevT);
            prevT = p.t;
        }
        QVERIFY(max && min && gap);
    }

    void dayAtOneSecondStaysInBudget()
    {
        // 24 h at 1 s for 20 series: 1 h raw (3,600 points) + 24 h coarse at 60 s (1,440 points)
        // per series. Budget: < 2 MB whatever the number of appends.
        SeriesStore s;
        const qint64 budget = 2 * 1024 * 1024;
        for (int k = 0; k < 20; ++k)
            s.append(QStringLiteral("group/series_%1").arg(k), 0, 0);
        const qint64 initial = s.memoryBytes();
        for (qint64 t = 1; t < 24 * 3600; ++t)
            for (int k = 0; k < 20; ++k)
                s.append(QStringLiteral("group/series_%1").arg(k), t * 1000, double(t % 100));
        qInfo("memoryBytes: %lld (budget %lld)", s.memoryBytes(), budget);
        QCOMPARE(s.memoryBytes(), initial);  // by capacity: fixed from the first point
        QVERIFY(s.memoryBytes() < budget);
        // the whole day is visible: coarse for the first 23 h, raw for the last
        const auto all = s.points(QStringLiteral("group/series_3"), 0, 24 * 3600 * 1000, 0);
        QCOMPARE(all.size(), 1439 - 60 + 3600 + 1);  // flushed coarse steps older than the raw tier + raw
        QVERIFY(all.first().t < 60000);
        QVERIFY(s.points(QStringLiteral("group/series_3"), 0, 24 * 3600 * 1000).size() <= 2000);
        s.clear();
        QCOMPARE(s.memoryBytes(), 0);
    }
};

QTEST_GUILESS_MAIN(TstSeriesStore)
#include "tst_seriesstore.moc"
