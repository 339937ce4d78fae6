// The workflows the Rollout page and `codex-adminctl rollout` share (rollout/RolloutActions), on a
// real rollouts database in a temporary workspace: suite runs tick seed 000's manual-test lines,
// collectAll gathers the workspace's evidence once, sign seals the report content, and a later
// change shows as "changed after sign-off".
#include "proxy/TestSuite.h"
#include "rollout/ReportBuilder.h"
#include "rollout/RolloutActions.h"

#include "TestUtil.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace codex::rollout;
using PV = codex::proxy::Verdict;

namespace {

const QStringList kManual{QStringLiteral("Basic Codex responses endpoint"),
                          QStringLiteral("Chat completions endpoint with tool calling"),
                          QStringLiteral("Session management (auto and persistent)"),
                          QStringLiteral("Instruction injection modes (override, append, disabled)"),
                          QStringLiteral("Parameter propagation (temperature, top_p, etc.)"),
                          QStringLiteral("Streaming responses"),
                          QStringLiteral("Error handling and fallbacks")};
const QString kParent = QStringLiteral("cp.pre.testing.manual");

codex::proxy::SuiteResult suite(const QString &failing = {})
{
    codex::proxy::SuiteResult s;
    s.suite = QStringLiteral("presets");
    s.environment = QStringLiteral("staging");
    s.baseUrl = QStringLiteral("http://127.0.0.1:8000");
    s.profileId = QStringLiteral("fork");
    s.startedAtMs = QDateTime::currentMSecsSinceEpoch() - 5000;
    s.finishedAtMs = QDateTime::currentMSecsSinceEpoch();
    int n = 0;
    for (const QString &item : kManual)
        for (int k = 0; k < 2; ++k) {
            codex::proxy::CaseResult c;
            c.id = QStringLiteral("case-%1").arg(++n);
            c.title = item;
            c.checklistItem = item;
            c.verdict = item == failing && k == 1 ? PV::Fail : PV::Pass;
            s.cases << c;
        }
    codex::proxy::CaseResult health;
    health.id = QStringLiteral("health");
    health.checklistItem = QStringLiteral("Health endpoint");
    health.verdict = PV::Skipped;
    s.cases << health;
    return s;
}

Evidence suiteEvidence(const codex::proxy::SuiteResult &s)
{
    Evidence e;
    e.kind = EvidenceKind::EndpointSuite;
    e.title = QStringLiteral("Endpoint suite");
    e.createdAt = QDateTime::currentDateTimeUtc();
    e.createdBy = QStringLiteral("ada");
    e.payload = s.toJson();
    e.passed = s.allPassed();
    return e;
}

QStringList doneKeys(const Rollout &r)
{
    QStringList keys;
    for (const RolloutItem &i : r.items)
        if (i.status == ItemStatus::Done)
            keys << i.def.key;
    return keys;
}

}  // namespace

class TestRolloutActions : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_ws;
    RolloutStore m_store;

    void newRollout(const QString &name)
    {
        const auto t = ChecklistTemplate::builtIn(QStringLiteral("codex-parity"));
        QVERIFY(t);
        const StoreResult res = m_store.create(name, {*t}, QStringLiteral("ada"));
        QVERIFY2(res.ok, qPrintable(res.message));
    }

    Rollout load(const QString &name)
    {
        QString error;
        auto r = m_store.load(name, &error);
        if (!r)
            qFatal("load %s: %s", qPrintable(name), qPrintable(error));
        return *r;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qunsetenv("CODEX_EVIDENCE_DIR");
        qunsetenv("CODEX_ARCHIVE_URL");
        m_ws = m_dir.filePath(QStringLiteral("ws"));
        QVERIFY(QDir().mkpath(m_ws + QStringLiteral("/.codex")));
        const StoreResult res = m_store.open(RolloutStore::defaultPath(m_ws));
        QVERIFY2(res.ok, qPrintable(res.message));
    }

    void suiteRunTicksTheSevenManualItems()
    {
        newRollout(QStringLiteral("all-pass"));
        const Rollout before = load(QStringLiteral("all-pass"));
        QVERIFY(before.item(kParent));
        EvidenceCollector::SuiteMatch m;
        const StoreResult res = actions::attachSuiteRun(m_store, QStringLiteral("all-pass"), suiteEvidence(suite()), QStringLiteral("qa-bot"), &m);
        QVERIFY2(res.ok, qPrintable(res.message));
        QCOMPARE(m.tick.size(), 7);
        QVERIFY(m.failed.isEmpty());
        const Rollout r = load(QStringLiteral("all-pass"));
        QStringList expected = m.tick;
        expected << kParent;
        QStringList done = doneKeys(r);
        done.sort();
        expected.sort();
        QCOMPARE(done, expected);
        for (const QString &key : expected) {
            const RolloutItem *i = r.item(key);
            QCOMPARE(i->updatedBy, QStringLiteral("qa-bot"));
            QCOMPARE(i->evidenceIds.size(), 1);  // the run is attached to every ticked line and the heading
        }
        QCOMPARE(r.evidence.size(), 1);
        QCOMPARE(r.evidence.first().kind, EvidenceKind::EndpointSuite);
    }

    void failingCaseLeavesItsItemOpen()
    {
        newRollout(QStringLiteral("one-fails"));
        EvidenceCollector::SuiteMatch m;
        const StoreResult res = actions::attachSuiteRun(m_store, QStringLiteral("one-fails"),
                                                        suiteEvidence(suite(QStringLiteral("Streaming responses"))), QStringLiteral("qa-bot"), &m);
        QVERIFY2(res.ok, qPrintable(res.message));
        QCOMPARE(m.tick.size(), 6);
        QCOMPARE(m.failed, QStringList{QStringLiteral("cp.pre.testing.manual.streaming")});
        QCOMPARE(m.attach.size(), 7);
        const Rollout r = load(QStringLiteral("one-fails"));
        QCOMPARE(r.item(QStringLiteral("cp.pre.testing.manual.streaming"))->status, ItemStatus::Open);
        QCOMPARE(r.item(QStringLiteral("cp.pre.testing.manual.streaming"))->evidenceIds.size(), 1);
        QCOMPARE(r.item(kParent)->status, ItemStatus::Open);
        QCOMPARE(doneKeys(r).size(), 6);
        // A later all-passing run completes it, and the heading with it.
        QVERIFY(actions::attachSuiteRun(m_store, QStringLiteral("one-fails"), suiteEvidence(suite()), QStringLiteral("qa-bot")).ok);
        const Rollout after = load(QStringLiteral("one-fails"));
        QCOMPARE(after.item(QStringLiteral("cp.pre.testing.manual.streaming"))->status, ItemStatus::Done);
        QCOMPARE(after.item(kParent)->status, ItemStatus::Done);
    }

    void collectAllTwiceAttachesOnce()
    {
        newRollout(QStringLiteral("collect"));
        testutil::writeFile(m_ws + QStringLiteral("/.codex/reports/endpoint-suite-20261125-101500.json"),
                            QJsonDocument(suite().toJson()).toJson());
        testutil::writeFile(m_ws + QStringLiteral("/.codex/evidence/archive_ops.jsonl"),
                            R"({"action":"RESTORE","actor":"a","duration_ms":12,"ts":"2026-11-25T10:01:00Z"})" "\n");
        actions::CollectReport first;
        StoreResult res = actions::collectAll(m_store, QStringLiteral("collect"), m_ws, QStringLiteral("ada"), &first);
        QVERIFY2(res.ok, qPrintable(res.message));
        QVERIFY2(first.lines.first().startsWith(QLatin1String("endpoint suite endpoint-suite-20261125-101500.json: 8 ticked")),
                 qPrintable(first.lines.join(QLatin1Char('\n'))));
        QCOMPARE(first.ticked, 8);
        QVERIFY(first.lines.join(QLatin1Char('\n')).contains(QLatin1String("no batch results in the evidence log")));
        QCOMPARE(first.attached, 4);  // suite, health check, config snapshot, evidence-log summary
        Rollout r = load(QStringLiteral("collect"));
        auto countKind = [](const Rollout &ro, EvidenceKind k) {
            return std::count_if(ro.evidence.cbegin(), ro.evidence.cend(), [k](const Evidence &e) { return e.kind == k; });
        };
        QCOMPARE(countKind(r, EvidenceKind::EndpointSuite), 1);
        QCOMPARE(r.item(QStringLiteral("cp.deploy.stage1.smoke"))->evidenceIds.size(), 1);
        QCOMPARE(r.evidenceById(r.item(QStringLiteral("cp.deploy.stage1.smoke"))->evidenceIds.first())->kind, EvidenceKind::HealthCheck);
        QCOMPARE(r.item(QStringLiteral("cp.deploy.env.backup"))->evidenceIds.size(), 1);
        QCOMPARE(r.evidenceById(r.item(QStringLiteral("cp.deploy.env.backup"))->evidenceIds.first())->kind, EvidenceKind::ConfigSnapshot);
        // Nothing but suite items is ticked.
        QCOMPARE(r.item(QStringLiteral("cp.deploy.stage1.smoke"))->status, ItemStatus::Open);
        QCOMPARE(r.item(QStringLiteral("cp.deploy.env.backup"))->status, ItemStatus::Open);

        actions::CollectReport second;
        res = actions::collectAll(m_store, QStringLiteral("collect"), m_ws, QStringLiteral("ada"), &second);
        QVERIFY2(res.ok, qPrintable(res.message));
        QVERIFY2(second.lines.first().contains(QLatin1String("already attached")), qPrintable(second.lines.first()));
        QCOMPARE(second.ticked, 0);
        r = load(QStringLiteral("collect"));
        QCOMPARE(countKind(r, EvidenceKind::EndpointSuite), 1);
        QCOMPARE(countKind(r, EvidenceKind::ConfigSnapshot), 1);
        QCOMPARE(countKind(r, EvidenceKind::EvidenceLog), 1);
        QCOMPARE(countKind(r, EvidenceKind::HealthCheck), 2);  // a fresh measurement each time
    }

    void evaluateAndRecord()
    {
        QList<CriterionResult> results;
        const StoreResult res = actions::evaluateAndRecord(m_store, QStringLiteral("collect"), m_ws, QStringLiteral("ada"), &results);
        QVERIFY2(res.ok, qPrintable(res.message));
        const Rollout r = load(QStringLiteral("collect"));
        int criteria = 0;
        for (const RolloutItem &i : r.items)
            if (i.def.kind == ItemKind::Criterion && !i.def.criterion.isNull())
                ++criteria;
        QCOMPARE(results.size(), criteria);
        QCOMPARE(r.criteria.size(), criteria);
        for (const CriterionResult &c : results)
            if (c.id == QLatin1String("endpoint-tests"))
                QCOMPARE(c.verdict, CriterionResult::Verdict::Pass);
            else if (c.id == QLatin1String("error-rate-increase") || c.id == QLatin1String("no-active-breach"))
                QCOMPARE(c.verdict, CriterionResult::Verdict::NoData);  // no metric snapshot
    }

    void signThenChange()
    {
        newRollout(QStringLiteral("signed"));
        QVERIFY(load(QStringLiteral("signed")).criteria.isEmpty());
        SignOff so;
        StoreResult res = actions::sign(m_store, QStringLiteral("signed"), QStringLiteral("qa"), QStringLiteral("Grace Hopper"),
                                        QStringLiteral("looks good"), m_ws, &so);
        QVERIFY2(res.ok, qPrintable(res.message));
        QCOMPARE(so.role, QStringLiteral("QA"));
        QCOMPARE(so.contentSha256.size(), 64);
        // Criteria were recorded before signing, and are part of what was signed.
        const Rollout r = load(QStringLiteral("signed"));
        QVERIFY(!r.criteria.isEmpty());
        // What was sealed is today's content (signing ticks the role's sign-off line, which the
        // canonical content leaves out, so it does not change what was signed).
        QCOMPARE(ReportBuilder::prettyContent(so.content), ReportBuilder::prettyContent(ReportBuilder::canonicalContent(r)));

        QString error;
        auto checked = actions::loadChecked(m_store, QStringLiteral("signed"), &error);
        QVERIFY2(checked, qPrintable(error));
        QCOMPARE(checked->checks.size(), 1);
        QCOMPARE(checked->checks.first().state, SignOffCheck::State::Valid);
        // A second role signing changes nothing the first one signed.
        res = actions::sign(m_store, QStringLiteral("signed"), QStringLiteral("DevOps"), QStringLiteral("Linus"), {}, m_ws);
        QVERIFY2(res.ok, qPrintable(res.message));
        checked = actions::loadChecked(m_store, QStringLiteral("signed"), &error);
        QVERIFY2(checked, qPrintable(error));
        QCOMPARE(checked->checks.size(), 2);
        for (const SignOffCheck &c : checked->checks)
            QVERIFY2(c.state == SignOffCheck::State::Valid, qPrintable(c.signOff.role + QStringLiteral(": ") + c.message));

        res = m_store.setNote(QStringLiteral("signed"), QStringLiteral("cp.pre.docs.readme"), QStringLiteral("README needs a section"),
                              QStringLiteral("ada"));
        QVERIFY2(res.ok, qPrintable(res.message));
        checked = actions::loadChecked(m_store, QStringLiteral("signed"), &error);
        QVERIFY2(checked, qPrintable(error));
        QCOMPARE(checked->checks.size(), 2);
        for (const SignOffCheck &c : checked->checks) {
            QCOMPARE(c.state, SignOffCheck::State::Changed);
            QVERIFY(c.diff.contains(QLatin1String("README needs a section")));
        }

        // Unknown roles are refused naming the known ones; no name is refused.
        res = actions::sign(m_store, QStringLiteral("signed"), QStringLiteral("Janitor"), QStringLiteral("X"), {}, m_ws);
        QVERIFY(!res.ok);
        QVERIFY2(res.message.contains(QLatin1String("Janitor")) && res.message.contains(QLatin1String("Development, QA, DevOps")),
                 qPrintable(res.message));
        QVERIFY(!actions::sign(m_store, QStringLiteral("signed"), QStringLiteral("QA"), QStringLiteral("  "), {}, m_ws).ok);
        QVERIFY(!actions::sign(m_store, QStringLiteral("nope"), QStringLiteral("QA"), QStringLiteral("X"), {}, m_ws).ok);
        QVERIFY(!actions::loadChecked(m_store, QStringLiteral("nope"), &error));
        QVERIFY(!error.isEmpty());
    }

    void resolveItemKey()
    {
        const Rollout r = load(QStringLiteral("signed"));
        QString error;
        QCOMPARE(actions::resolveItemKey(r, QStringLiteral("cp.pre.docs.readme"), &error).value_or(QString()), QStringLiteral("cp.pre.docs.readme"));
        QCOMPARE(actions::resolveItemKey(r, QStringLiteral("smoke tests"), &error).value_or(QString()), QStringLiteral("cp.deploy.stage1.smoke"));
        QCOMPARE(actions::resolveItemKey(r, QStringLiteral("streaming RESPONSES"), &error).value_or(QString()),
                 QStringLiteral("cp.pre.testing.manual.streaming"));
        QVERIFY(!actions::resolveItemKey(r, QStringLiteral("monitor"), &error));
        QVERIFY2(error.contains(QLatin1String("matches")) && error.contains(QLatin1String("cp.deploy.stage1.monitor")), qPrintable(error));
        QVERIFY(!actions::resolveItemKey(r, QStringLiteral("zzz-nothing"), &error));
        QVERIFY2(error.contains(QLatin1String("no item")), qPrintable(error));
        QVERIFY(!actions::resolveItemKey(r, QStringLiteral("  "), &error));
    }

    void criteriaInputsOfTheWorkspace()
    {
        const Rollout r = load(QStringLiteral("collect"));
        const CriteriaInputs in = actions::criteriaInputs(r, m_ws);
        QCOMPARE(in.evidenceLogPath, m_ws + QStringLiteral("/.codex/evidence/archive_ops.jsonl"));
        QCOMPARE(in.evidence.size(), r.evidence.size());
        QVERIFY(qAbs(in.now.secsTo(QDateTime::currentDateTimeUtc())) < 60);
    }
};

QTEST_GUILESS_MAIN(TestRolloutActions)
#include "tst_rolloutactions.moc"
