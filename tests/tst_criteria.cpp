// Success criteria judged from data (rollout/CriteriaEvaluator): evidence logs written in a
// temporary folder, metric snapshots and endpoint suite runs as rollout evidence. Missing data is
// always "no data" with a reason, never "pass".
#include "evidence/EvidenceLog.h"
#include "proxy/TestSuite.h"
#include "rollout/CriteriaEvaluator.h"

#include "TestUtil.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace codex::rollout;
using Verdict = CriterionResult::Verdict;

namespace {

const QDateTime kNow = QDateTime(QDate(2026, 11, 25), QTime(12, 0, 0), Qt::UTC);

QString ts(const QDateTime &t)
{
    return t.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ssZ"));
}

QByteArray line(const QString &action, const QDateTime &t, QJsonObject fields = {})
{
    fields.insert(QStringLiteral("action"), action);
    fields.insert(QStringLiteral("ts"), ts(t));
    if (!fields.contains(QStringLiteral("actor")))
        fields.insert(QStringLiteral("actor"), QStringLiteral("ada"));
    return codex::evidence::EvidenceLog::serialize(fields) + '\n';
}

QByteArray restore(const QDateTime &t, double ms)
{
    return line(QStringLiteral("RESTORE"), t,
                {{QStringLiteral("tombstone"), QStringLiteral("t-1")}, {QStringLiteral("duration_ms"), ms},
                 {QStringLiteral("path"), QStringLiteral("out.txt")}});
}

QByteArray restoreFail(const QDateTime &t)
{
    return line(QStringLiteral("RESTORE_FAIL"), t,
                {{QStringLiteral("tombstone"), QStringLiteral("t-9")}, {QStringLiteral("reason"), QStringLiteral("Tombstone not found: t-9")}});
}

CriterionRef ref(const QString &id, QJsonObject params = {})
{
    return CriterionRef{id, params};
}

Evidence snapshotEvidence(qint64 id, const QDateTime &created, const QJsonArray &comparisons, const QStringList &breaches = {})
{
    MetricSnapshot s;
    s.takenAt = created;
    s.source = QStringLiteral("scrape http://127.0.0.1:9/metrics");
    s.windowMs = 300000;
    s.values = {{QStringLiteral("request_rate"), 3.5}, {QStringLiteral("error_ratio"), 0.004}};
    s.comparisons = comparisons;
    s.activeBreaches = breaches;
    Evidence e;
    e.id = id;
    e.kind = EvidenceKind::MetricSnapshot;
    e.title = QStringLiteral("Monitor snapshot %1").arg(id);
    e.createdAt = created;
    e.payload = s.toJson();
    return e;
}

QJsonObject comparison(const QString &marker, const QDateTime &t, double before, double after, int points = 10)
{
    return {{QStringLiteral("marker"), marker},
            {QStringLiteral("t"), t.toString(Qt::ISODate)},
            {QStringLiteral("window_ms"), 300000},
            {QStringLiteral("series"), QStringLiteral("error_ratio")},
            {QStringLiteral("before"), before},
            {QStringLiteral("after"), after},
            {QStringLiteral("before_points"), points},
            {QStringLiteral("after_points"), points}};
}

codex::proxy::CaseResult makeCase(const QString &id, codex::proxy::Verdict v)
{
    codex::proxy::CaseResult c;
    c.id = id;
    c.title = id;
    c.checklistItem = QStringLiteral("Streaming responses");
    c.group = QStringLiteral("streaming");
    c.verdict = v;
    if (v == codex::proxy::Verdict::Skipped)
        c.skipReason = QStringLiteral("not configured");
    if (v == codex::proxy::Verdict::Error)
        c.error = QStringLiteral("connection refused");
    return c;
}

Evidence suiteEvidence(qint64 id, const QList<codex::proxy::CaseResult> &cases)
{
    codex::proxy::SuiteResult s;
    s.suite = QStringLiteral("presets");
    s.environment = QStringLiteral("staging");
    s.baseUrl = QStringLiteral("http://127.0.0.1:8000");
    s.profileId = QStringLiteral("fork");
    s.startedAtMs = kNow.addSecs(-600).toMSecsSinceEpoch();
    s.finishedAtMs = kNow.addSecs(-590).toMSecsSinceEpoch();
    s.cases = cases;
    Evidence e;
    e.id = id;
    e.kind = EvidenceKind::EndpointSuite;
    e.title = QStringLiteral("Endpoint suite");
    e.createdAt = kNow.addSecs(-590);
    e.payload = s.toJson();
    return e;
}

void checkShape(const CriterionResult &r)
{
    QVERIFY2(r.evaluatedAt.isValid(), qPrintable(r.id));
    QVERIFY2(!r.threshold.isEmpty(), qPrintable(r.id));
    QVERIFY2(!r.source.isEmpty(), qPrintable(r.id));
    QVERIFY2(!r.figure.isEmpty(), qPrintable(r.id));
    QVERIFY2(!r.title.isEmpty(), qPrintable(r.id));
    if (r.verdict == Verdict::NoData)
        QVERIFY2(!r.reason.isEmpty(), qPrintable(r.id + QStringLiteral(": no data without a reason")));
    if (r.verdict == Verdict::Fail)
        QVERIFY2(!r.reason.isEmpty(), qPrintable(r.id + QStringLiteral(": fail without a reason")));
    if (r.verdict == Verdict::Pass)
        QVERIFY2(!r.figure.contains(QLatin1String("no data")), qPrintable(r.id));
}

}  // namespace

class TestCriteria : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    CriteriaInputs inputs(const QByteArray &log, const QList<Evidence> &evidence = {}, bool writeLog = true)
    {
        static int n = 0;
        const QString root = m_dir.filePath(QStringLiteral("ws%1").arg(++n));
        QDir().mkpath(root);
        CriteriaInputs in;
        in.workspaceRoot = root;
        in.evidenceLogPath = root + QStringLiteral("/.codex/evidence/archive_ops.jsonl");
        if (writeLog)
            testutil::writeFile(in.evidenceLogPath, log);
        in.now = kNow;
        in.evidence = evidence;
        return in;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void ruleIdsAndTitles()
    {
        const QStringList ids = CriteriaEvaluator::ruleIds();
        QCOMPARE(ids.size(), 6);
        for (const QString &id : ids)
            QVERIFY(CriteriaEvaluator::ruleTitle(id) != id);
    }

    void goodLog()
    {
        QByteArray log;
        for (int i = 0; i < 200; ++i)  // durations 10 … 209 ms, one every 5 min back from now
            log += restore(kNow.addSecs(-60 * 5 * i - 30), 10 + i);
        log += line(QStringLiteral("ARCHIVE"), kNow.addSecs(-3600), {{QStringLiteral("tombstone"), QStringLiteral("t-2")}});
        const CriteriaInputs in = inputs(log);

        // 200 restores but the window is 24 h: 288 five-minute slots, all 200 inside.
        const CriterionResult p99 = CriteriaEvaluator::evaluate(ref(QStringLiteral("restore-p99")), in, QStringLiteral("k1"));
        checkShape(p99);
        QCOMPARE(p99.verdict, Verdict::Pass);
        QCOMPARE(p99.itemKey, QStringLiteral("k1"));
        // nearest rank: ⌈0.99 × 200⌉ = 198th smallest = 10 + 197
        QCOMPARE(p99.value, 207.0);
        QVERIFY2(p99.figure.contains(QLatin1String("207 ms")) && p99.figure.contains(QLatin1String("200 restores")), qPrintable(p99.figure));
        QVERIFY(p99.figure.contains(QLatin1String("nearest rank")));
        QCOMPARE(p99.threshold, QStringLiteral("< 500 ms"));
        QVERIFY(p99.window.contains(QLatin1String("24 h")));
        QVERIFY2(p99.source.contains(QLatin1String(".codex/evidence/archive_ops.jsonl")), qPrintable(p99.source));

        const CriterionResult tight = CriteriaEvaluator::evaluate(ref(QStringLiteral("restore-p99"), {{QStringLiteral("threshold_ms"), 200}}), in);
        QCOMPARE(tight.verdict, Verdict::Fail);
        QVERIFY(tight.reason.contains(QLatin1String("207")));

        const CriterionResult logOk = CriteriaEvaluator::evaluate(ref(QStringLiteral("evidence-log")), in);
        checkShape(logOk);
        QCOMPARE(logOk.verdict, Verdict::Pass);
        QVERIFY2(logOk.figure.contains(QLatin1String("201 records")), qPrintable(logOk.figure));

        const CriterionResult spike = CriteriaEvaluator::evaluate(ref(QStringLiteral("restore-fail-spike")), in);
        checkShape(spike);
        QCOMPARE(spike.verdict, Verdict::Pass);
        QVERIFY2(spike.figure.startsWith(QLatin1String("worst 5-min bucket 0.0 % (0 of 1)")), qPrintable(spike.figure));
    }

    void malformedLines()
    {
        QByteArray log;
        log += restore(kNow.addSecs(-100), 40);
        log += restore(kNow.addSecs(-90), 50);
        log += "{not json\n";                                   // line 3
        log += restore(kNow.addSecs(-80), 60);
        log += "[1,2,3]\n";                                    // line 5: not an object
        log += R"({"action":"RESTORE","ts":"yesterday"})" "\n";  // line 6: no readable time
        const CriteriaInputs in = inputs(log);
        const CriterionResult r = CriteriaEvaluator::evaluate(ref(QStringLiteral("evidence-log")), in);
        checkShape(r);
        QCOMPARE(r.verdict, Verdict::Fail);
        QVERIFY2(r.figure.startsWith(QLatin1String("3 malformed lines (lines 3, 5, 6)")), qPrintable(r.figure));
        QVERIFY2(r.reason.startsWith(QLatin1String("line 3")), qPrintable(r.reason));
        // The good lines still count for the other rules.
        const CriterionResult p99 = CriteriaEvaluator::evaluate(ref(QStringLiteral("restore-p99")), in);
        QCOMPARE(p99.verdict, Verdict::Pass);
        QCOMPARE(p99.value, 60.0);
    }

    void restoreFailBurst()
    {
        QByteArray log;
        // A quiet day: one successful restore every 10 minutes.
        for (int i = 1; i <= 140; ++i)
            log += restore(kNow.addSecs(-600 * i), 30);
        // Five failures and two successes inside 10:05–10:09 UTC.
        const QDateTime burst(QDate(2026, 11, 25), QTime(10, 5, 10), Qt::UTC);
        for (int i = 0; i < 5; ++i)
            log += restoreFail(burst.addSecs(40 * i));
        log += restore(burst.addSecs(30), 20);
        log += restore(burst.addSecs(200), 20);
        const CriteriaInputs in = inputs(log);
        const CriterionResult r = CriteriaEvaluator::evaluate(ref(QStringLiteral("restore-fail-spike")), in);
        checkShape(r);
        QCOMPARE(r.verdict, Verdict::Fail);
        // 10:05 bucket: 5 fails + 2 ok (the 10:10 quiet-day restore is in the next bucket)
        QVERIFY2(r.figure.startsWith(QLatin1String("worst 5-min bucket 71.4 % (5 of 7) at 10:05 UTC")), qPrintable(r.figure));
        QVERIFY(r.reason.contains(QLatin1String("5 of 7")));
        QCOMPARE(r.value, 100.0 * 5 / 7);
        // RESTORE_FAIL without duration_ms does not feed the p99.
        const CriterionResult p99 = CriteriaEvaluator::evaluate(ref(QStringLiteral("restore-p99")), in);
        QCOMPARE(p99.verdict, Verdict::Pass);
        QVERIFY2(p99.figure.contains(QLatin1String("142 restores")), qPrintable(p99.figure));
        // A bigger bucket dilutes it below a generous threshold.
        const CriterionResult wide = CriteriaEvaluator::evaluate(
            ref(QStringLiteral("restore-fail-spike"), {{QStringLiteral("bucket_minutes"), 1440}, {QStringLiteral("threshold_pct"), 10}}), in);
        QCOMPARE(wide.verdict, Verdict::Pass);
    }

    void emptyAndMissingLog()
    {
        const CriteriaInputs empty = inputs(QByteArray());
        for (const QString &id : {QStringLiteral("evidence-log"), QStringLiteral("restore-p99"), QStringLiteral("restore-fail-spike")}) {
            const CriterionResult r = CriteriaEvaluator::evaluate(ref(id), empty);
            checkShape(r);
            QCOMPARE(r.verdict, Verdict::NoData);
        }
        QCOMPARE(CriteriaEvaluator::evaluate(ref(QStringLiteral("evidence-log")), empty).reason, QStringLiteral("the evidence log is empty"));

        const CriteriaInputs missing = inputs({}, {}, false);
        for (const QString &id : {QStringLiteral("evidence-log"), QStringLiteral("restore-p99"), QStringLiteral("restore-fail-spike")}) {
            const CriterionResult r = CriteriaEvaluator::evaluate(ref(id), missing);
            checkShape(r);
            QCOMPARE(r.verdict, Verdict::NoData);
            QVERIFY2(r.reason.contains(QLatin1String("does not exist")), qPrintable(r.reason));
            QCOMPARE(r.figure, QStringLiteral("no data"));
        }
    }

    void restoresOutsideTheWindow()
    {
        QByteArray log;
        for (int i = 0; i < 10; ++i)
            log += restore(kNow.addDays(-3).addSecs(i), 900);
        log += restore(kNow.addSecs(3600), 900);  // in the future of `now`: outside too
        const CriteriaInputs in = inputs(log);
        const CriterionResult p99 = CriteriaEvaluator::evaluate(ref(QStringLiteral("restore-p99")), in);
        checkShape(p99);
        QCOMPARE(p99.verdict, Verdict::NoData);
        QVERIFY2(p99.reason.contains(QLatin1String("11 outside the window")), qPrintable(p99.reason));
        QCOMPARE(CriteriaEvaluator::evaluate(ref(QStringLiteral("restore-fail-spike")), in).verdict, Verdict::NoData);
        const CriterionResult logR = CriteriaEvaluator::evaluate(ref(QStringLiteral("evidence-log")), in);
        QCOMPARE(logR.verdict, Verdict::NoData);
        QVERIFY(logR.reason.contains(QLatin1String("no record in the last 24 h")));
        // A wider window includes them: 900 ms fails the 500 ms threshold.
        const CriterionResult week = CriteriaEvaluator::evaluate(ref(QStringLiteral("restore-p99"), {{QStringLiteral("window_minutes"), 7 * 1440}}), in);
        QCOMPARE(week.verdict, Verdict::Fail);
        QVERIFY(week.window.contains(QLatin1String("7 d")));
    }

    void restoresWithoutDuration()
    {
        const QByteArray log = line(QStringLiteral("RESTORE"), kNow.addSecs(-60), {{QStringLiteral("tombstone"), QStringLiteral("x")}});
        const CriterionResult r = CriteriaEvaluator::evaluate(ref(QStringLiteral("restore-p99")), inputs(log));
        QCOMPARE(r.verdict, Verdict::NoData);
        QVERIFY2(r.reason.contains(QLatin1String("none records duration_ms")), qPrintable(r.reason));
    }

    void schemaDefaultTimestamps()
    {
        // "YYYY-MM-DD HH:MM:SS" (rows that took a schema default) is read as UTC too.
        const QByteArray log = R"({"action":"RESTORE","actor":"a","duration_ms":120,"ts":"2026-11-25 11:00:00"})" "\n";
        const CriterionResult r = CriteriaEvaluator::evaluate(ref(QStringLiteral("restore-p99")), inputs(log));
        QCOMPARE(r.verdict, Verdict::Pass);
        QCOMPARE(r.value, 120.0);
    }

    void errorRateIncrease()
    {
        const CriteriaInputs none = inputs({});
        CriterionResult r = CriteriaEvaluator::evaluate(ref(QStringLiteral("error-rate-increase")), none);
        checkShape(r);
        QCOMPARE(r.verdict, Verdict::NoData);
        QVERIFY(r.reason.contains(QLatin1String("no metric snapshot")));

        // A snapshot without comparisons: no data.
        const Evidence plain = snapshotEvidence(3, kNow.addSecs(-60), {});
        r = CriteriaEvaluator::evaluate(ref(QStringLiteral("error-rate-increase")), inputs({}, {plain}));
        checkShape(r);
        QCOMPARE(r.verdict, Verdict::NoData);
        QVERIFY2(r.reason.contains(QLatin1String("no stage marker")), qPrintable(r.reason));

        // +0.3 pp passes at 1 %.
        const QDateTime marker = kNow.addSecs(-1800);
        const Evidence small = snapshotEvidence(4, kNow.addSecs(-600), {comparison(QStringLiteral("canary 5 %"), marker, 0.001, 0.004)});
        r = CriteriaEvaluator::evaluate(ref(QStringLiteral("error-rate-increase"), {{QStringLiteral("threshold_pct"), 1.0}}),
                                        inputs({}, {plain, small}));
        checkShape(r);
        QCOMPARE(r.verdict, Verdict::Pass);
        QVERIFY2(r.figure == QStringLiteral("+0.30 pp (0.10 % → 0.40 %)"), qPrintable(r.figure));
        QVERIFY(qAbs(r.value - 0.3) < 1e-9);
        QVERIFY2(r.window.contains(QStringLiteral("5 min either side of “canary 5 %”")), qPrintable(r.window));
        QVERIFY2(r.source.contains(QLatin1String("metric snapshot #4")), qPrintable(r.source));

        // +1.5 pp fails; the newest snapshot with a comparison wins, its latest marker.
        const Evidence big = snapshotEvidence(5, kNow.addSecs(-300),
                                              {comparison(QStringLiteral("staging"), marker.addSecs(-3600), 0.0, 0.0),
                                               comparison(QStringLiteral("canary 10 %"), marker, 0.002, 0.017)});
        r = CriteriaEvaluator::evaluate(ref(QStringLiteral("error-rate-increase")), inputs({}, {big, small, plain}));
        checkShape(r);
        QCOMPARE(r.verdict, Verdict::Fail);
        QVERIFY2(r.figure.startsWith(QLatin1String("+1.50 pp")), qPrintable(r.figure));
        QVERIFY(r.reason.contains(QLatin1String("canary 10 %")));

        // A comparison without points after the marker: no data.
        QJsonObject noAfter = comparison(QStringLiteral("full"), marker, 0.001, 0.0, 5);
        noAfter.remove(QStringLiteral("after"));
        noAfter.insert(QStringLiteral("after_points"), 0);
        const Evidence partial = snapshotEvidence(6, kNow.addSecs(-10), {noAfter});
        r = CriteriaEvaluator::evaluate(ref(QStringLiteral("error-rate-increase")), inputs({}, {partial, big}));
        QCOMPARE(r.verdict, Verdict::NoData);
        QVERIFY2(r.reason.contains(QStringLiteral("after the marker “full”")), qPrintable(r.reason));
    }

    void noActiveBreach()
    {
        CriterionResult r = CriteriaEvaluator::evaluate(ref(QStringLiteral("no-active-breach")), inputs({}));
        QCOMPARE(r.verdict, Verdict::NoData);
        const Evidence calm = snapshotEvidence(1, kNow.addSecs(-600), {});
        const Evidence hot = snapshotEvidence(2, kNow.addSecs(-60), {}, {QStringLiteral("error rate 3.1 % > 1.0 % for 50 s")});
        r = CriteriaEvaluator::evaluate(ref(QStringLiteral("no-active-breach")), inputs({}, {calm}));
        checkShape(r);
        QCOMPARE(r.verdict, Verdict::Pass);
        r = CriteriaEvaluator::evaluate(ref(QStringLiteral("no-active-breach")), inputs({}, {calm, hot}));
        checkShape(r);
        QCOMPARE(r.verdict, Verdict::Fail);
        QVERIFY(r.reason.contains(QLatin1String("3.1 %")));
        // An empty snapshot says nothing.
        Evidence blank;
        blank.id = 9;
        blank.kind = EvidenceKind::MetricSnapshot;
        blank.createdAt = kNow;
        blank.payload = MetricSnapshot().toJson();
        r = CriteriaEvaluator::evaluate(ref(QStringLiteral("no-active-breach")), inputs({}, {calm, blank}));
        QCOMPARE(r.verdict, Verdict::NoData);
    }

    void endpointTests()
    {
        using PV = codex::proxy::Verdict;
        CriterionResult r = CriteriaEvaluator::evaluate(ref(QStringLiteral("endpoint-tests")), inputs({}));
        checkShape(r);
        QCOMPARE(r.verdict, Verdict::NoData);

        const Evidence ok = suiteEvidence(1, {makeCase(QStringLiteral("a"), PV::Pass), makeCase(QStringLiteral("b"), PV::Pass),
                                              makeCase(QStringLiteral("c"), PV::Skipped)});
        r = CriteriaEvaluator::evaluate(ref(QStringLiteral("endpoint-tests")), inputs({}, {ok}));
        checkShape(r);
        QCOMPARE(r.verdict, Verdict::Pass);
        QCOMPARE(r.figure, QStringLiteral("2 passed, 0 failed, 1 skipped"));

        Evidence bad = suiteEvidence(2, {makeCase(QStringLiteral("a"), PV::Pass), makeCase(QStringLiteral("b"), PV::Error)});
        bad.createdAt = ok.createdAt.addSecs(60);
        r = CriteriaEvaluator::evaluate(ref(QStringLiteral("endpoint-tests")), inputs({}, {ok, bad}));
        checkShape(r);
        QCOMPARE(r.verdict, Verdict::Fail);
        QVERIFY2(r.reason.startsWith(QLatin1String("b error: connection refused")), qPrintable(r.reason));

        Evidence skipped = suiteEvidence(3, {makeCase(QStringLiteral("a"), PV::Skipped), makeCase(QStringLiteral("b"), PV::Skipped)});
        skipped.createdAt = bad.createdAt.addSecs(60);
        r = CriteriaEvaluator::evaluate(ref(QStringLiteral("endpoint-tests")), inputs({}, {ok, bad, skipped}));
        checkShape(r);
        QCOMPARE(r.verdict, Verdict::NoData);
        QCOMPARE(r.reason, QStringLiteral("all 2 cases were skipped"));

        Evidence junk = ok;
        junk.createdAt = skipped.createdAt.addSecs(60);
        junk.payload = {{QStringLiteral("schema"), QStringLiteral("other")}};
        r = CriteriaEvaluator::evaluate(ref(QStringLiteral("endpoint-tests")), inputs({}, {ok, junk}));
        QCOMPARE(r.verdict, Verdict::NoData);
        QVERIFY(r.reason.contains(QLatin1String("cannot be read")));
    }

    void unknownRule()
    {
        const CriterionResult r = CriteriaEvaluator::evaluate(ref(QStringLiteral("moon-phase")), inputs({}));
        QCOMPARE(r.verdict, Verdict::NoData);
        QVERIFY(r.reason.contains(QLatin1String("unknown rule")));
        QVERIFY(r.evaluatedAt.isValid());
    }

    void evaluateAllInItemOrder()
    {
        QByteArray log;
        for (int i = 0; i < 20; ++i)
            log += restore(kNow.addSecs(-60 * i - 1), 100 + i);
        Rollout r;
        r.name = QStringLiteral("demo");
        auto add = [&](const QString &key, ItemKind kind, const QString &rule) {
            RolloutItem it;
            it.def.key = key;
            it.def.text = key;
            it.def.kind = kind;
            it.def.criterion.id = rule;
            it.position = r.items.size();
            r.items << it;
        };
        add(QStringLiteral("a.check"), ItemKind::Check, {});
        add(QStringLiteral("a.p99"), ItemKind::Criterion, QStringLiteral("restore-p99"));
        add(QStringLiteral("a.log"), ItemKind::Criterion, QStringLiteral("evidence-log"));
        add(QStringLiteral("a.empty"), ItemKind::Criterion, {});  // no rule: skipped
        add(QStringLiteral("a.err"), ItemKind::Criterion, QStringLiteral("error-rate-increase"));
        add(QStringLiteral("a.tests"), ItemKind::Criterion, QStringLiteral("endpoint-tests"));
        const QList<CriterionResult> results = CriteriaEvaluator::evaluateAll(r, inputs(log));
        QCOMPARE(results.size(), 4);
        QCOMPARE(results[0].itemKey, QStringLiteral("a.p99"));
        QCOMPARE(results[0].verdict, Verdict::Pass);
        QCOMPARE(results[1].itemKey, QStringLiteral("a.log"));
        QCOMPARE(results[1].verdict, Verdict::Pass);
        QCOMPARE(results[2].verdict, Verdict::NoData);
        QCOMPARE(results[3].verdict, Verdict::NoData);
        for (const auto &res : results) {
            checkShape(res);
            QCOMPARE(res.evaluatedAt, kNow);
            // JSON round trip keeps what a report shows
            const CriterionResult back = CriterionResult::fromJson(res.toJson());
            QCOMPARE(back.figure, res.figure);
            QCOMPARE(back.verdict, res.verdict);
        }
    }
};

QTEST_GUILESS_MAIN(TestCriteria)
#include "tst_criteria.moc"
