// The rollout checklist templates: both seeds transcribed completely, keys stable and unique,
// criteria and suite links right, and template files with mistakes refused naming the item and field.
#include "proxy/TestSuite.h"
#include "rollout/RolloutTypes.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QtTest>

using namespace codex::rollout;

namespace {

QString normalize(QString s)
{
    s.remove(QStringLiteral("**"));
    s = s.simplified();
    return s;
}

const TemplateItem *findItem(const ChecklistTemplate &t, const QString &key)
{
    for (const TemplateItem &i : t.items)
        if (i.key == key)
            return &i;
    return nullptr;
}

QByteArray minimalTemplate(const QJsonArray &items)
{
    QJsonObject o{{"schema", "codex-admin/checklist-template/1"}, {"id", "t"}, {"title", "T"},
                  {"roles", QJsonArray{"QA"}}, {"items", items}};
    return QJsonDocument(o).toJson();
}

}  // namespace

class TstChecklistTemplate : public QObject {
    Q_OBJECT

private slots:
    void builtInTemplatesLoad()
    {
        const auto all = ChecklistTemplate::builtIn();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.at(0).id, QStringLiteral("codex-parity"));  // seed 000 first
        QCOMPARE(all.at(1).id, QStringLiteral("archive-improvements"));
        for (const ChecklistTemplate &t : all) {
            QVERIFY(!t.title.isEmpty());
            QVERIFY(!t.seed.isEmpty());
            QVERIFY(!t.notes.isEmpty());
            QCOMPARE(t.roles, defaultRoles());
            QVERIFY(t.items.size() > 40);
        }
        QVERIFY(ChecklistTemplate::builtIn(QStringLiteral("codex-parity")).has_value());
        QVERIFY(!ChecklistTemplate::builtIn(QStringLiteral("nope")).has_value());
        QCOMPARE(ChecklistTemplate::builtIn(QStringLiteral("codex-parity"))->title,
                 QStringLiteral("Codex Parity Improvements - Rollout Checklist"));
        QVERIFY(ChecklistTemplate::builtIn(QStringLiteral("archive-improvements"))->notes.contains(QStringLiteral("Sign-offs")));
    }

    void everySeedCheckboxIsAnItem_data()
    {
        QTest::addColumn<QString>("templateId");
        QTest::addColumn<QString>("seedFile");
        QTest::addColumn<int>("expectedCheckboxes");
        QTest::newRow("000") << "codex-parity" << "000_9499629f08740c14.txt" << 62;
        QTest::newRow("004") << "archive-improvements" << "004_d34413986845a0fe.txt" << 35;
    }
    void everySeedCheckboxIsAnItem()
    {
        QFETCH(QString, templateId);
        QFETCH(QString, seedFile);
        QFETCH(int, expectedCheckboxes);
        const auto t = ChecklistTemplate::builtIn(templateId);
        QVERIFY(t);
        QCOMPARE(t->seed, seedFile);
        QFile f(QStringLiteral("/work/shared/seeds/") + seedFile);
        if (!f.exists())
            QSKIP("the seed files are not on this machine");
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
        static const QRegularExpression box(QStringLiteral("^\\s*- \\[ \\]\\s+(.*)$"));
        int checkboxes = 0;
        qsizetype lastIndex = -1;
        for (const QString &line : lines) {
            const auto m = box.match(line);
            if (!m.hasMatch())
                continue;
            ++checkboxes;
            const QString want = normalize(m.captured(1));
            qsizetype found = -1;
            for (qsizetype i = lastIndex + 1; i < t->items.size() && found < 0; ++i)
                if (normalize(t->items.at(i).text) == want)
                    found = i;
            QVERIFY2(found >= 0, qPrintable(QStringLiteral("seed line \"%1\" is not an item (in document order) of %2").arg(want, templateId)));
            lastIndex = found;
        }
        QCOMPARE(checkboxes, expectedCheckboxes);
        qInfo("%s: %d checkbox lines of the seed, %d items", qPrintable(templateId), checkboxes, int(t->items.size()));
    }

    void keysAreUniqueAndParentsExist()
    {
        QSet<QString> all;
        for (const ChecklistTemplate &t : ChecklistTemplate::builtIn()) {
            const QString prefix = t.id == QLatin1String("codex-parity") ? QStringLiteral("cp.") : QStringLiteral("ai.");
            QSet<QString> seen;
            for (const TemplateItem &i : t.items) {
                QVERIFY2(i.key.startsWith(prefix), qPrintable(i.key));
                QVERIFY2(!seen.contains(i.key), qPrintable(i.key));
                QVERIFY2(!all.contains(i.key), qPrintable(i.key));
                static const QRegularExpression readable(QStringLiteral("^[a-z0-9.-]+$"));
                QVERIFY2(readable.match(i.key).hasMatch(), qPrintable(i.key));
                if (!i.parentKey.isEmpty())
                    QVERIFY2(seen.contains(i.parentKey), qPrintable(i.key + " parent " + i.parentKey));
                QVERIFY2(!i.section.isEmpty(), qPrintable(i.key));
                seen.insert(i.key);
                all.insert(i.key);
            }
        }
    }

    void sectionsAndNesting()
    {
        const auto cp = ChecklistTemplate::builtIn(QStringLiteral("codex-parity"));
        QVERIFY(cp);
        QCOMPARE(findItem(*cp, "cp.pre.testing.unit")->section, QStringList({"Pre-Deployment Verification", "Testing"}));
        QCOMPARE(findItem(*cp, "cp.deploy.stage2.ten-percent")->section,
                 QStringList({"Deployment Steps", "2. Gradual Rollout", "Stage 2: Limited Production (Day 3-5)"}));
        QCOMPARE(findItem(*cp, "cp.rollback.quick.revert")->section,
                 QStringList({"Rollback Plan", "Quick Rollback", "1. Immediate Actions"}));
        QCOMPARE(findItem(*cp, "cp.post.success.error-rate")->section, QStringList({"Post-Deployment", "Success Criteria"}));
        QCOMPARE(findItem(*cp, "cp.signoff.development")->section, QStringList({"Sign-offs"}));

        int manualChildren = 0, monitorChildren = 0;
        for (const TemplateItem &i : cp->items) {
            if (i.parentKey == QLatin1String("cp.pre.testing.manual"))
                ++manualChildren;
            if (i.parentKey == QLatin1String("cp.deploy.stage2.monitor"))
                ++monitorChildren;
        }
        QCOMPARE(manualChildren, 7);
        QCOMPARE(monitorChildren, 4);

        // Non-checkbox bullets and code blocks are details.
        QVERIFY(findItem(*cp, "cp.deploy.env.variables")->detail.contains("CODEX__PROPAGATE_UNSUPPORTED_PARAMS"));
        QVERIFY(findItem(*cp, "cp.post.monitoring.metrics")->detail.contains("Cost tracking"));
        QVERIFY(findItem(*cp, "cp.post.monitoring.promql")->detail.contains("histogram_quantile(0.95"));
        QVERIFY(findItem(*cp, "cp.deploy.stage1.smoke")->detail.contains("ccproxy codex info"));
        // The Feature Flags section has items of its own.
        QCOMPARE(findItem(*cp, "cp.deploy.flags.conservative")->section, QStringList({"Deployment Steps", "3. Feature Flags (Optional)"}));
        QVERIFY(findItem(*cp, "cp.deploy.flags.enable")->detail.contains("CODEX__SYSTEM_PROMPT_INJECTION_MODE=append"));

        const auto ai = ChecklistTemplate::builtIn(QStringLiteral("archive-improvements"));
        QVERIFY(ai);
        for (const char *step : {"Create staging branch", "Run full test suite", "Deploy to staging environment",
                                    "Smoke tests on staging", "Create production PR", "Production canary (5% of users)",
                                    "Monitor metrics", "Full production rollout (Day 3)", "Quick Rollback", "Feature Flags",
                                    "Rollback Validation", "Alerts configured per the Key Metrics table"}) {
            bool found = false;
            for (const TemplateItem &i : ai->items)
                if (i.text == QLatin1String(step)) {
                    found = true;
                    QVERIFY2(!i.detail.isEmpty(), qPrintable(step));
                    QCOMPARE(i.kind, ItemKind::Check);
                }
            QVERIFY2(found, qPrintable(step));
        }
        QVERIFY(findItem(*ai, "ai.monitoring.alerts")->detail.contains("| Restore Latency (p99) | > 1s | Investigate database |"));
        QVERIFY(findItem(*ai, "ai.deploy.prod.canary")->detail.contains("CANARY_PERCENT=5"));
    }

    void suiteItemsMatchThePresets()
    {
        const QStringList expected = {"Basic Codex responses endpoint",
                                      "Chat completions endpoint with tool calling",
                                      "Session management (auto and persistent)",
                                      "Instruction injection modes (override, append, disabled)",
                                      "Parameter propagation (temperature, top_p, etc.)",
                                      "Streaming responses",
                                      "Error handling and fallbacks"};
        const auto cp = ChecklistTemplate::builtIn(QStringLiteral("codex-parity"));
        QStringList suiteItems;
        for (const TemplateItem &i : cp->items)
            if (!i.suiteItem.isEmpty()) {
                QCOMPARE(i.parentKey, QStringLiteral("cp.pre.testing.manual"));
                QCOMPARE(i.suiteItem, i.text);
                suiteItems.append(i.suiteItem);
            }
        QCOMPARE(suiteItems, expected);
        QCOMPARE(findItem(*cp, "cp.pre.testing.manual.streaming")->suiteItem, QStringLiteral("Streaming responses"));

        QSet<QString> presetItems;
        for (const auto &c : codex::proxy::TestSuite::presets().cases)
            if (!c.checklistItem.isEmpty())
                presetItems.insert(c.checklistItem);
        QVERIFY(!presetItems.isEmpty());
        for (const QString &s : expected)
            QVERIFY2(presetItems.contains(s), qPrintable("no suite preset case ticks \"" + s + "\""));
        for (const QString &p : std::as_const(presetItems))
            QVERIFY2(expected.contains(p), qPrintable("suite preset item \"" + p + "\" has no checklist line"));
    }

    void criteriaAndSignOffs()
    {
        const auto cp = ChecklistTemplate::builtIn(QStringLiteral("codex-parity"));
        const auto ai = ChecklistTemplate::builtIn(QStringLiteral("archive-improvements"));
        auto crit = [](const ChecklistTemplate &t, const char *key) {
            const TemplateItem *i = findItem(t, QString::fromLatin1(key));
            if (!i)
                qFatal("no item %s", key);
            return *i;
        };
        TemplateItem i = crit(*cp, "cp.post.success.error-rate");
        QCOMPARE(i.kind, ItemKind::Criterion);
        QCOMPARE(i.text, QStringLiteral("No increase in error rates > 1%"));
        QCOMPARE(i.criterion.id, QStringLiteral("error-rate-increase"));
        QCOMPARE(i.criterion.params.value("threshold_pct").toDouble(), 1.0);
        QCOMPARE(crit(*cp, "cp.post.success.dashboards").criterion.id, QStringLiteral("no-active-breach"));
        QCOMPARE(crit(*cp, "cp.pre.testing.manual").kind, ItemKind::Criterion);
        QCOMPARE(crit(*cp, "cp.pre.testing.manual").criterion.id, QStringLiteral("endpoint-tests"));
        QCOMPARE(crit(*cp, "cp.post.success.sla").kind, ItemKind::Check);

        QCOMPARE(crit(*ai, "ai.post.day1.error-rate").criterion.id, QStringLiteral("restore-fail-spike"));
        QCOMPARE(crit(*ai, "ai.post.day1.error-rate").criterion.params.value("threshold_pct").toDouble(), 0.1);
        QCOMPARE(crit(*ai, "ai.post.day1.restore-p99").criterion.id, QStringLiteral("restore-p99"));
        QCOMPARE(crit(*ai, "ai.post.day1.restore-p99").criterion.params.value("threshold_ms").toDouble(), 500.0);
        QCOMPARE(crit(*ai, "ai.post.day1.evidence-log").criterion.id, QStringLiteral("evidence-log"));
        QCOMPARE(crit(*ai, "ai.post.week1.restore-latency").criterion.id, QStringLiteral("restore-p99"));
        QCOMPARE(crit(*ai, "ai.success.perf-evidence").criterion.id, QStringLiteral("evidence-log"));
        QCOMPARE(crit(*ai, "ai.success.tests").criterion.id, QStringLiteral("endpoint-tests"));
        QCOMPARE(crit(*ai, "ai.success.docs").kind, ItemKind::Check);

        int criteria = 0;
        for (const auto &t : {*cp, *ai}) {
            QStringList roles;
            for (const TemplateItem &it : t.items) {
                if (it.kind == ItemKind::Criterion) {
                    ++criteria;
                    QVERIFY(knownCriterionIds().contains(it.criterion.id));
                } else {
                    QVERIFY2(it.criterion.isNull(), qPrintable(it.key));
                }
                if (it.kind == ItemKind::SignOff) {
                    roles.append(it.role);
                    QCOMPARE(it.section, QStringList{"Sign-offs"});
                }
            }
            QCOMPARE(roles, defaultRoles());
        }
        QCOMPARE(criteria, 3 + 6);
        QCOMPARE(crit(*cp, "cp.signoff.development").text, QStringLiteral("Development Team"));
        QCOMPARE(crit(*cp, "cp.signoff.development").role, QStringLiteral("Development"));
    }

    void jsonRoundTrip()
    {
        for (const ChecklistTemplate &t : ChecklistTemplate::builtIn()) {
            QString error;
            const auto back = ChecklistTemplate::fromJson(t.toJson(), &error);
            QVERIFY2(back, qPrintable(error));
            QCOMPARE(back->toJson(), t.toJson());
            QCOMPARE(back->items.size(), t.items.size());
            QCOMPARE(back->notes, t.notes);
        }
        TemplateItem i;
        i.key = "x.y";
        i.text = "Text «ünïcode» עברית";
        i.section = {"A", "B"};
        i.kind = ItemKind::Criterion;
        i.criterion = {"restore-p99", QJsonObject{{"threshold_ms", 250}, {"window_minutes", 60}}};
        i.detail = "cmd";
        QString error;
        const auto back = TemplateItem::fromJson(i.toJson(), &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->toJson(), i.toJson());
        QCOMPARE(back->criterion.params.value("window_minutes").toInt(), 60);
    }

    void badTemplatesNameItemAndField_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QStringList>("mentions");
        const QJsonObject good{{"key", "a.one"}, {"text", "One"}, {"section", QJsonArray{"S"}}};
        QTest::newRow("not json") << QByteArray("{") << QStringList{"not valid JSON"};
        QTest::newRow("schema") << QByteArray(R"({"schema":"x","id":"t","title":"T","items":[]})") << QStringList{"schema", "codex-admin/checklist-template/1"};
        QTest::newRow("no items") << minimalTemplate({}) << QStringList{"items", "empty"};
        QTest::newRow("missing key") << minimalTemplate({good, QJsonObject{{"text", "Two"}}}) << QStringList{"item 2", "key"};
        QTest::newRow("duplicate key") << minimalTemplate({good, good}) << QStringList{"item 2", "a.one", "duplicate", "key"};
        QJsonObject badKind = good;
        badKind["key"] = "a.two";
        badKind["kind"] = "task";
        QTest::newRow("unknown kind") << minimalTemplate({good, badKind}) << QStringList{"item 2", "a.two", "kind", "task"};
        QJsonObject badCrit = good;
        badCrit["key"] = "a.crit";
        badCrit["kind"] = "criterion";
        badCrit["criterion"] = QJsonObject{{"id", "latency-p42"}};
        QTest::newRow("unknown criterion") << minimalTemplate({badCrit}) << QStringList{"item 1", "a.crit", "criterion.id", "latency-p42", "restore-p99"};
        QJsonObject noRule = good;
        noRule["kind"] = "criterion";
        QTest::newRow("criterion without rule") << minimalTemplate({noRule}) << QStringList{"a.one", "criterion"};
        QJsonObject orphan = good;
        orphan["key"] = "a.child";
        orphan["parent"] = "a.ghost";
        QTest::newRow("unknown parent") << minimalTemplate({good, orphan}) << QStringList{"a.child", "parent", "a.ghost"};
        QJsonObject noText = good;
        noText.remove("text");
        QTest::newRow("missing text") << minimalTemplate({noText}) << QStringList{"a.one", "text"};
        QJsonObject signoff = good;
        signoff["kind"] = "signoff";
        signoff["role"] = "Legal";
        QTest::newRow("signoff role not listed") << minimalTemplate({signoff}) << QStringList{"a.one", "role", "Legal", "QA"};
        QJsonObject typo = good;
        typo["sectoin"] = QJsonArray{"S"};
        QTest::newRow("unknown field") << minimalTemplate({typo}) << QStringList{"a.one", "sectoin"};
    }
    void badTemplatesNameItemAndField()
    {
        QFETCH(QByteArray, json);
        QFETCH(QStringList, mentions);
        QString error;
        QVERIFY(!ChecklistTemplate::fromJson(json, &error));
        for (const QString &m : mentions)
            QVERIFY2(error.contains(m), qPrintable(QStringLiteral("\"%1\" does not mention \"%2\"").arg(error, m)));
    }

    void namesRoundTrip()
    {
        for (ItemStatus s : {ItemStatus::Open, ItemStatus::Done, ItemStatus::NotApplicable, ItemStatus::Blocked})
            QCOMPARE(statusFromName(statusName(s)), s);
        QCOMPARE(statusFromName("na"), ItemStatus::NotApplicable);
        QCOMPARE(statusFromName("not-applicable"), ItemStatus::NotApplicable);
        QVERIFY(!statusFromName("finished"));
        QCOMPARE(statusCheckbox(ItemStatus::Done), QStringLiteral("[x]"));
        for (ItemKind k : {ItemKind::Check, ItemKind::Criterion, ItemKind::SignOff, ItemKind::Info})
            QCOMPARE(kindFromName(kindName(k)), k);
        for (EvidenceKind k : {EvidenceKind::EndpointSuite, EvidenceKind::HealthCheck, EvidenceKind::BatchResult,
                               EvidenceKind::ConfigSnapshot, EvidenceKind::MetricSnapshot, EvidenceKind::EvidenceLog,
                               EvidenceKind::File, EvidenceKind::Note})
            QCOMPARE(evidenceKindFromName(evidenceKindName(k)), k);
        QCOMPARE(verdictName(CriterionResult::Verdict::NoData), QStringLiteral("no data"));
    }

    void metricSnapshotAndCriterionJson()
    {
        MetricSnapshot m;
        m.takenAt = QDateTime(QDate(2026, 11, 25), QTime(10, 0, 0, 123), Qt::UTC);
        m.source = "scrape http://127.0.0.1:1/metrics";
        m.windowMs = 300000;
        m.values = {{"error_ratio", 0.004}, {"p99_ms", 212.5}};
        m.comparisons = {QJsonObject{{"marker", "canary 5 %"}, {"before", 0.001}, {"after", 0.004}}};
        m.activeBreaches = {"error rate 3.1 % > 1.0 % for 50 s"};
        const QJsonObject j = m.toJson();
        QCOMPARE(j.value("taken_at").toString(), QStringLiteral("2026-11-25T10:00:00.123Z"));
        const MetricSnapshot back = MetricSnapshot::fromJson(j);
        QCOMPARE(back.takenAt, m.takenAt);
        QCOMPARE(back.values, m.values);
        QCOMPARE(back.comparisons, m.comparisons);
        QCOMPARE(back.activeBreaches, m.activeBreaches);
        QCOMPARE(back.windowMs, m.windowMs);
        QCOMPARE(back.toJson(), j);

        CriterionResult r;
        r.id = "restore-p99";
        r.itemKey = "ai.post.day1.restore-p99";
        r.verdict = CriterionResult::Verdict::Pass;
        r.figure = "p99 212 ms over 200 restores";
        r.threshold = "< 500 ms";
        r.value = 212;
        r.evaluatedAt = m.takenAt;
        const CriterionResult rb = CriterionResult::fromJson(r.toJson());
        QCOMPARE(rb.toJson(), r.toJson());
        QCOMPARE(rb.value, 212.0);
        CriterionResult nodata;
        QVERIFY(!nodata.toJson().contains("value"));
        QVERIFY(qIsNaN(CriterionResult::fromJson(nodata.toJson()).value));
        QCOMPARE(CriterionResult::fromJson(nodata.toJson()).verdict, CriterionResult::Verdict::NoData);
    }

    void evidenceHashIsStable()
    {
        Evidence e;
        e.payload = QJsonObject{{"b", 1}, {"a", QJsonArray{1, 2}}};
        e.png = QByteArray("\x89PNG\r\n\x1a\n", 8);
        Evidence f;
        f.payload.insert("a", QJsonArray{1, 2});
        f.payload.insert("b", 1);
        f.png = e.png;
        f.title = "other title";
        QCOMPARE(e.sha256(), f.sha256());
        QCOMPARE(e.sha256().size(), 64);
        f.png.append('x');
        QVERIFY(e.sha256() != f.sha256());
    }
};

QTEST_GUILESS_MAIN(TstChecklistTemplate)
#include "tst_checklisttemplate.moc"
