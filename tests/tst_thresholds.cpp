// Threshold rules: seed presets, CLI specs, JSON, and the evaluator's pending → firing → resolved.
#include "metrics/Thresholds.h"

#include <QtTest/QtTest>

#include <cmath>

using namespace codex::metrics;

class TstThresholds : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void seedPresets()
    {
        const auto rules = ThresholdRule::seedPresets();
        QCOMPARE(rules.size(), 4);
        QCOMPARE(rules[0].metric, QStringLiteral("error_ratio"));
        QCOMPARE(rules[0].op, QStringLiteral(">"));
        QCOMPARE(rules[0].value, 0.01);
        QCOMPARE(rules[0].severity, Severity::Page);
        QCOMPARE(rules[1].metric, QStringLiteral("restore_p99_ms"));
        QCOMPARE(rules[1].value, 500.0);
        QCOMPARE(rules[1].severity, Severity::Warn);
        QCOMPARE(rules[2].value, 1000.0);
        QCOMPARE(rules[2].severity, Severity::Investigate);
        // post-deploy "< 0.1 %" as a must-stay-below rule: breached while >= 0.001
        QCOMPARE(rules[3].op, QStringLiteral(">="));
        QCOMPARE(rules[3].value, 0.001);
        QVERIFY(rules[3].matches(0.001));
        QVERIFY(!rules[3].matches(0.0009));
        QVERIFY(rules[3].description.contains(QStringLiteral("0.1 %")));
        for (const auto &r : rules) {
            QString err;
            auto back = ThresholdRule::fromJson(r.toJson(), &err);
            QVERIFY2(back, qPrintable(err));
            QCOMPARE(back->toJson(), r.toJson());
        }
    }

    void parseSpecs()
    {
        QString err;
        auto r = ThresholdRule::parse(QStringLiteral("error_ratio>0.01:for=30s:page"), &err);
        QVERIFY2(r, qPrintable(err));
        QCOMPARE(r->metric, QStringLiteral("error_ratio"));
        QCOMPARE(r->op, QStringLiteral(">"));
        QCOMPARE(r->value, 0.01);
        QCOMPARE(r->forS, 30);
        QCOMPARE(r->severity, Severity::Page);
        r = ThresholdRule::parse(QStringLiteral("p99_latency_ms@/codex/v1/responses>=1500:for=2m"), &err);
        QVERIFY2(r, qPrintable(err));
        QCOMPARE(r->metric, QStringLiteral("p99_latency_ms@/codex/v1/responses"));
        QCOMPARE(r->op, QStringLiteral(">="));
        QCOMPARE(r->forS, 120);
        QCOMPARE(r->severity, Severity::Warn);
        r = ThresholdRule::parse(QStringLiteral("error_ratio<=1%:investigate:id=low"), &err);
        QVERIFY2(r, qPrintable(err));
        QCOMPARE(r->value, 0.01);
        QCOMPARE(r->id, QStringLiteral("low"));
        QCOMPARE(r->severity, Severity::Investigate);

        const QList<std::pair<QString, QString>> bad = {
            {"error_ratio", "threshold \"error_ratio\": no comparison operator in \"error_ratio\" (expected >, >=, < or <=)"},
            {">0.1", "threshold \">0.1\": missing metric name before \">\""},
            {"error_ratio>abc", "threshold \"error_ratio>abc\": invalid threshold value \"abc\""},
            {"error_ratio>0.1:for=soon", "threshold \"error_ratio>0.1:for=soon\": invalid duration \"soon\" (expected e.g. for=30s, for=5m)"},
            {"error_ratio>0.1:loud", "threshold \"error_ratio>0.1:loud\": unknown part \"loud\" (expected for=DURATION, id=NAME or a severity: info, warn, investigate, page)"},
            {"", "threshold \"\": empty condition (expected e.g. error_ratio>0.01:for=30s:page)"},
            {"err ratio>1", "threshold \"err ratio>1\": invalid metric name \"err ratio\""},
        };
        for (const auto &b : bad) {
            QString e;
            QVERIFY2(!ThresholdRule::parse(b.first, &e), qPrintable(b.first));
            QCOMPARE(e, b.second);
        }
        QString e;
        QVERIFY(!ThresholdRule::fromJson(QJsonObject{{"metric", "x"}, {"op", "=="}, {"value", 1}}, &e));
        QCOMPARE(e, QStringLiteral("threshold rule: \"op\" must be one of >, >=, <, <= (got \"==\")"));
        QVERIFY(!ThresholdRule::fromJson(QJsonObject{{"metric", "x"}, {"value", "1"}}, &e));
        QCOMPARE(e, QStringLiteral("threshold rule: \"value\" must be a number"));
    }

    void evaluatorForDuration()
    {
        QString err;
        ThresholdEvaluator ev({*ThresholdRule::parse(QStringLiteral("error_ratio>0.01:for=30s:page:id=r"), &err)});
        QVERIFY(ev.feed(QStringLiteral("error_ratio"), 0, 0.02).isEmpty());       // pending
        QVERIFY(ev.feed(QStringLiteral("error_ratio"), 10000, NAN).isEmpty());    // no data: nothing changes
        QVERIFY(ev.feed(QStringLiteral("error_ratio"), 20000, 0.05).isEmpty());   // still pending
        QVERIFY(ev.active().isEmpty());
        auto started = ev.feed(QStringLiteral("error_ratio"), 30000, 0.03);       // 30 s held: fires
        QCOMPARE(started.size(), 1);
        QCOMPARE(started[0].startedMs, 30000);
        QCOMPARE(started[0].endedMs, 0);
        QCOMPARE(started[0].severity, Severity::Page);
        QCOMPARE(ev.active().size(), 1);
        QVERIFY(ev.feed(QStringLiteral("error_ratio"), 40000, 0.2).isEmpty());    // worst value tracked
        QVERIFY(ev.feed(QStringLiteral("error_ratio"), 45000, NAN).isEmpty());    // NaN does not resolve
        QCOMPARE(ev.active().size(), 1);
        auto ended = ev.feed(QStringLiteral("error_ratio"), 50000, 0.001);
        QCOMPARE(ended.size(), 1);
        QCOMPARE(ended[0].endedMs, 50000);
        QCOMPARE(ended[0].worstValue, 0.2);
        QVERIFY(ev.active().isEmpty());
        QCOMPARE(ev.history().size(), 1);
        // a dip resets pending
        QVERIFY(ev.feed(QStringLiteral("error_ratio"), 60000, 0.02).isEmpty());
        QVERIFY(ev.feed(QStringLiteral("error_ratio"), 70000, 0.0).isEmpty());
        QVERIFY(ev.feed(QStringLiteral("error_ratio"), 90000, 0.02).isEmpty());
        QVERIFY(ev.feed(QStringLiteral("error_ratio"), 100000, 0.02).isEmpty());
        QCOMPARE(ev.feed(QStringLiteral("error_ratio"), 120000, 0.02).size(), 1);
        const QJsonObject j = ev.history().last().toJson();
        QCOMPARE(j.value("severity").toString(), QStringLiteral("page"));
        QVERIFY(j.value("ended_ms").isNull());
    }

    void evaluatorGroupsAndImmediate()
    {
        QString err;
        ThresholdEvaluator ev({*ThresholdRule::parse(QStringLiteral("error_ratio>0.01"), &err),
                               *ThresholdRule::parse(QStringLiteral("restore_p99_ms<10:info"), &err)});
        // an ungrouped rule applies to each group separately
        QCOMPARE(ev.feed(QStringLiteral("error_ratio@/a"), 0, 0.5).size(), 1);
        QCOMPARE(ev.feed(QStringLiteral("error_ratio@/b"), 0, 0.5).size(), 1);
        QCOMPARE(ev.active().size(), 2);
        QVERIFY(ev.feed(QStringLiteral("error_ratio_other"), 0, 0.5).isEmpty());
        auto low = ev.feed(QStringLiteral("restore_p99_ms"), 0, 5);
        QCOMPARE(low.size(), 1);
        QVERIFY(ev.feed(QStringLiteral("restore_p99_ms"), 1, 2).isEmpty());
        ev.setRules({});
        QVERIFY(ev.active().isEmpty());  // breaches of removed rules end
    }
};

QTEST_GUILESS_MAIN(TstThresholds)
#include "tst_thresholds.moc"
