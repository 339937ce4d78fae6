// codex-adminctl probe / load against `codex-adminctl serve-sim --port 0` in its own process.
#include "TestUtil.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <memory>

using testutil::SimProcess;

class TestCliProbe : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void probePassesAgainstSimulator()
    {
        // Paced deltas: a scheduling stall before the first byte cannot look like buffering.
        SimProcess sim({QStringLiteral("--set"), QStringLiteral("token-interval-ms=5")});
        QVERIFY(!sim.url().isEmpty());
        const QString results = m_dir.filePath(QStringLiteral("results.json"));
        const auto r = testutil::runCtl(m_dir.path(), {QStringLiteral("probe"), QStringLiteral("--base-url"), sim.url(), QStringLiteral("--results"), results});
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^PASS +responses-basic +Responses API, non-streaming +\\d+ ms$"),
                                                   QRegularExpression::MultilineOption)),
                 qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("^\\d+ passed, 0 failed, \\d+ skipped$"), QRegularExpression::MultilineOption)), qPrintable(r.out));
        QVERIFY(r.out.contains(QLatin1String("SKIP   model-info  Model list  no models route in this generation")));
        const QJsonObject json = QJsonDocument::fromJson(testutil::readFile(results)).object();
        QCOMPARE(json.value(QStringLiteral("schema")).toString(), QStringLiteral("codex-admin/endpoint-suite/1"));
        QVERIFY(json.value(QStringLiteral("allPassed")).toBool());
        QVERIFY(json.value(QStringLiteral("cases")).toArray().size() >= 20);

        // An existing results file is not overwritten without --force.
        const auto again = testutil::runCtl(m_dir.path(), {QStringLiteral("probe"), QStringLiteral("--base-url"), sim.url(), QStringLiteral("--results"), results,
                                                           QStringLiteral("--case"), QStringLiteral("health")});
        QCOMPARE(again.code, 2);
        QVERIFY2(again.err.contains(QLatin1String("exists (use --force")), qPrintable(again.err));
        const auto forced = testutil::runCtl(m_dir.path(), {QStringLiteral("probe"), QStringLiteral("--base-url"), sim.url(), QStringLiteral("--results"), results,
                                                            QStringLiteral("--case"), QStringLiteral("health"), QStringLiteral("--force"), QStringLiteral("--json")});
        QVERIFY2(forced.code == 0, qPrintable(forced.out + forced.err));
        QCOMPARE(QJsonDocument::fromJson(forced.rawOut).object().value(QStringLiteral("cases")).toArray().size(), 1);
        QCOMPARE(QJsonDocument::fromJson(testutil::readFile(results)).object().value(QStringLiteral("cases")).toArray().size(), 1);
    }

    void probeFailsAgainstFaultySimulator()
    {
        SimProcess sim({QStringLiteral("--set"), QStringLiteral("drop-tools-on-chat=1")});
        QVERIFY(!sim.url().isEmpty());
        const auto r = testutil::runCtl(m_dir.path(), {QStringLiteral("probe"), QStringLiteral("--base-url"), sim.url(), QStringLiteral("--case"),
                                                       QStringLiteral("chat-tools"), QStringLiteral("--case"), QStringLiteral("chat-basic")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.out.contains(QLatin1String("FAIL   chat-tools  Chat completions with tool calling  no tool call, expected a call of get_weather")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QLatin1String("1 passed, 1 failed, 0 skipped")), qPrintable(r.out));
    }

    void probeUsageErrors()
    {
        auto r = testutil::runCtl(m_dir.path(), {QStringLiteral("probe"), QStringLiteral("--base-url"), QStringLiteral("not a url")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("--base-url 'not a url' is not an http(s) URL")), qPrintable(r.err));
        r = testutil::runCtl(m_dir.path(), {QStringLiteral("probe")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("--base-url is required")), qPrintable(r.err));
        r = testutil::runCtl(m_dir.path(), {QStringLiteral("probe"), QStringLiteral("--base-url"), QStringLiteral("http://127.0.0.1:9"), QStringLiteral("--token-env"),
                                            QStringLiteral("CODEX_NO_SUCH_TOKEN_VAR")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("environment variable CODEX_NO_SUCH_TOKEN_VAR is not set")), qPrintable(r.err));
        r = testutil::runCtl(m_dir.path(), {QStringLiteral("probe"), QStringLiteral("--base-url"), QStringLiteral("http://127.0.0.1:9"), QStringLiteral("--suite"),
                                            QStringLiteral("missing.json")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("cannot read the suite")) && r.err.contains(QLatin1String("missing.json")), qPrintable(r.err));
        testutil::writeFile(m_dir.filePath(QStringLiteral("bad.json")),
                            R"({"cases":[{"id":"x","steps":[{"request":{"path":"/h"},"assertions":[{"kind":"status"}]}]}]})");
        r = testutil::runCtl(m_dir.path(), {QStringLiteral("probe"), QStringLiteral("--base-url"), QStringLiteral("http://127.0.0.1:9"), QStringLiteral("--suite"),
                                            QStringLiteral("bad.json")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("case 'x', step 1, assertion 1")), qPrintable(r.err));
        r = testutil::runCtl(m_dir.path(), {QStringLiteral("probe"), QStringLiteral("--base-url"), QStringLiteral("http://127.0.0.1:9"), QStringLiteral("--case"),
                                            QStringLiteral("nope")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("unknown case 'nope'")), qPrintable(r.err));
        r = testutil::runCtl(m_dir.path(), {QStringLiteral("probe"), QStringLiteral("--base-url"), QStringLiteral("http://127.0.0.1:9"), QStringLiteral("--profile"),
                                            QStringLiteral("v9")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("unknown --profile 'v9'")), qPrintable(r.err));
    }

    void probeWithTokenAndAuth()
    {
        SimProcess sim({QStringLiteral("--auth-token-env"), QStringLiteral("SIM_TOKEN")}, {{QStringLiteral("SIM_TOKEN"), QStringLiteral("tok-123")}});
        QVERIFY(!sim.url().isEmpty());
        auto r = testutil::runCtl(m_dir.path(), {QStringLiteral("probe"), QStringLiteral("--base-url"), sim.url(), QStringLiteral("--token-env"),
                                                  QStringLiteral("PROBE_TOKEN"), QStringLiteral("--case"), QStringLiteral("errors-missing-auth"),
                                                  QStringLiteral("--case"), QStringLiteral("chat-basic")},
                                  {{QStringLiteral("PROBE_TOKEN"), QStringLiteral("tok-123")}});
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        QVERIFY(!r.out.contains(QLatin1String("tok-123")));
        r = testutil::runCtl(m_dir.path(), {QStringLiteral("probe"), QStringLiteral("--base-url"), sim.url(), QStringLiteral("--case"), QStringLiteral("chat-basic")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.out.contains(QLatin1String("status 401, expected 200: Authentication required")), qPrintable(r.out));
    }

    void loadPrintsRate()
    {
        SimProcess sim;
        QVERIFY(!sim.url().isEmpty());
        auto r = testutil::runCtl(m_dir.path(), {QStringLiteral("load"), QStringLiteral("--base-url"), sim.url(), QStringLiteral("-n"), QStringLiteral("300"),
                                                  QStringLiteral("-c"), QStringLiteral("16")});
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("Requests/s: [\\d,.]+"))), qPrintable(r.out));
        QVERIFY(r.out.contains(QLatin1String("By status: 200: 300")));
        QVERIFY(r.out.contains(QLatin1String("Latency: p50 ")));
        QVERIFY(r.out.contains(QLatin1String("Runner CPU: ")));
        r = testutil::runCtl(m_dir.path(), {QStringLiteral("load"), QStringLiteral("--base-url"), sim.url(), QStringLiteral("-n"), QStringLiteral("40"),
                                            QStringLiteral("-c"), QStringLiteral("4"), QStringLiteral("--stream"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        const QJsonObject json = QJsonDocument::fromJson(r.rawOut).object();
        QCOMPARE(json.value(QStringLiteral("done")).toInt(), 40);
        QCOMPARE(json.value(QStringLiteral("byStatus")).toObject().value(QStringLiteral("200")).toInt(), 40);
        r = testutil::runCtl(m_dir.path(), {QStringLiteral("load"), QStringLiteral("--base-url"), sim.url(), QStringLiteral("-n"), QStringLiteral("zero")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("-n expects a number")), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCliProbe)
#include "tst_cli_probe.moc"
