// MonitorSettings (.codex/monitor.json): defaults, round trip, atomic save, malformed files reported
// with line and column and left alone, bad values named; DemoTraffic's request mix against the
// simulator.
#include "TestUtil.h"

#include "common/Workspace.h"
#include "demo/DemoTraffic.h"
#include "metrics/MonitorSettings.h"
#include "proxy/Simulator.h"

#include <QJsonDocument>
#include <QSignalSpy>

using namespace codex;
using namespace codex::metrics;

class TestMonitorSettings : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void missingFileGivesDefaults();
    void roundTrip();
    void malformedJsonReportsLineAndColumn();
    void badValuesAreNamed_data();
    void badValuesAreNamed();
    void customNaming();
    void lineColumn();
    void demoTrafficMix();
};

void TestMonitorSettings::missingFileGivesDefaults()
{
    QTemporaryDir dir;
    const Workspace ws(dir.path());
    const QString path = MonitorSettings::pathFor(ws);
    QVERIFY(path.endsWith(QLatin1String(".codex/monitor.json")));
    bool existed = true;
    QString error;
    auto s = MonitorSettings::load(path, &error, &existed);
    QVERIFY(s);
    QVERIFY(!existed);
    QVERIFY(error.isEmpty());
    QCOMPARE(s->namingId, QStringLiteral("ccproxy"));
    QCOMPARE(s->naming().requestsCounter, QStringLiteral("ccproxy_requests_total"));
    QCOMPARE(s->refreshMs, 5000);
    QCOMPARE(s->rateWindowS, 60);
    QVERIFY(!s->rules.isEmpty());  // the seed's thresholds
    QVERIFY(!QFile::exists(path)); // loading never creates the file
}

void TestMonitorSettings::roundTrip()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral(".codex/monitor.json"));
    MonitorSettings s;
    ScrapeSource a;
    a.url = QUrl(QStringLiteral("http://127.0.0.1:8000/metrics"));
    a.tokenRef = QStringLiteral("env:CCPROXY_TOKEN");
    ScrapeSource b;
    b.url = QUrl(QStringLiteral("https://proxy.example:8443/metrics"));
    b.timeoutMs = 2000;
    s.scrapes = {a, b};
    s.prometheusUrl = QUrl(QStringLiteral("http://127.0.0.1:9090"));
    s.namingId = QStringLiteral("seed");
    s.groupBy = QStringLiteral("endpoint");
    s.rateWindowS = 300;
    s.refreshMs = 15000;
    s.timeWindowS = 3600;
    QString err;
    auto rule = ThresholdRule::parse(QStringLiteral("error_ratio>0.02:for=30s:page"), &err);
    QVERIFY2(rule, qPrintable(err));
    s.rules = {*rule};
    StageMarker m;
    m.name = QStringLiteral("canary 5 %");
    m.tMs = 1700000000000;
    s.markers = {m};
    QVERIFY2(s.save(path, &err), qPrintable(err));
    const QByteArray text = testutil::readFile(path);
    QVERIFY(!text.contains("Bearer"));
    QVERIFY(text.contains("env:CCPROXY_TOKEN"));

    auto back = MonitorSettings::load(path, &err);
    QVERIFY2(back, qPrintable(err));
    QCOMPARE(back->scrapes.size(), 2);
    QCOMPARE(back->scrapes[0].url, a.url);
    QCOMPARE(back->scrapes[0].tokenRef, a.tokenRef);
    QCOMPARE(back->scrapes[1].timeoutMs, 2000);
    QCOMPARE(back->prometheusUrl, s.prometheusUrl);
    QCOMPARE(back->namingId, QStringLiteral("seed"));
    QCOMPARE(back->naming().requestsCounter, QStringLiteral("request_count"));
    QCOMPARE(back->groupBy, QStringLiteral("endpoint"));
    QCOMPARE(back->rateWindowS, 300);
    QCOMPARE(back->refreshMs, 15000);
    QCOMPARE(back->timeWindowS, 3600);
    QCOMPARE(back->rules.size(), 1);
    QCOMPARE(back->rules[0].metric, QStringLiteral("error_ratio"));
    QCOMPARE(back->rules[0].value, 0.02);
    QCOMPARE(back->rules[0].forS, 30);
    QCOMPARE(back->markers.size(), 1);
    QCOMPARE(back->markers[0].name, m.name);
    QCOMPARE(back->markers[0].tMs, m.tMs);
    // atomic write: no temporary file left beside it
    QCOMPARE(QDir(dir.filePath(QStringLiteral(".codex"))).entryList(QDir::Files | QDir::Hidden),
             QStringList{QStringLiteral("monitor.json")});
}

void TestMonitorSettings::malformedJsonReportsLineAndColumn()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("monitor.json"));
    const QByteArray bad = "{\n  \"refresh_ms\": 1000,\n  \"group_by\": endpoint\n}\n";
    testutil::writeFile(path, bad);
    QString error;
    auto s = MonitorSettings::load(path, &error);
    QVERIFY(!s);
    QVERIFY2(error.startsWith(path + QStringLiteral(":3:")), qPrintable(error));
    QCOMPARE(testutil::readFile(path), bad);  // untouched

    testutil::writeFile(path, "[1, 2]");
    QVERIFY(!MonitorSettings::load(path, &error));
    QVERIFY2(error.contains(QLatin1String(":1:1:")) && error.contains(QLatin1String("object")), qPrintable(error));
}

void TestMonitorSettings::badValuesAreNamed_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");
    QTest::newRow("refresh too small") << QByteArray(R"({"refresh_ms": 5})") << QStringLiteral("refresh_ms: must be between 100");
    QTest::newRow("refresh not a number") << QByteArray(R"({"refresh_ms": "1s"})") << QStringLiteral("refresh_ms: must be a whole number");
    QTest::newRow("group_by") << QByteArray(R"({"group_by": "service"})") << QStringLiteral("group_by: must be");
    QTest::newRow("naming") << QByteArray(R"({"naming": "prom2"})") << QStringLiteral("naming: unknown preset \"prom2\"");
    QTest::newRow("custom without naming") << QByteArray(R"({"naming": "custom"})") << QStringLiteral("custom_naming: required");
    QTest::newRow("scrape url") << QByteArray(R"({"scrape": [{"url": "ftp://x/metrics"}]})")
                                << QStringLiteral("scrape[0].url: not an http(s) URL");
    QTest::newRow("scrape not array") << QByteArray(R"({"scrape": "http://x"})") << QStringLiteral("scrape: must be an array");
    QTest::newRow("token in clear") << QByteArray(R"({"scrape": [{"url": "http://x:1/metrics", "token_ref": "s3cret"}]})")
                                    << QStringLiteral("scrape[0].token_ref: must start with");
    QTest::newRow("prometheus url") << QByteArray(R"({"prometheus_url": "localhost 9090"})")
                                    << QStringLiteral("prometheus_url: not an http(s) URL");
    QTest::newRow("time window") << QByteArray(R"({"time_window_s": 5})") << QStringLiteral("time_window_s: must be between 10");
    QTest::newRow("threshold") << QByteArray(R"({"thresholds": [{"metric": "error_ratio", "op": "~", "value": 1}]})")
                               << QStringLiteral("thresholds[0]:");
    QTest::newRow("marker") << QByteArray(R"({"stage_markers": [{"t_ms": 5}]})") << QStringLiteral("stage_markers[0]: needs a non-empty");
}

void TestMonitorSettings::badValuesAreNamed()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("monitor.json"));
    testutil::writeFile(path, json);
    QString error;
    QVERIFY(!MonitorSettings::load(path, &error));
    QVERIFY2(error.startsWith(path + QStringLiteral(": ")), qPrintable(error));
    QVERIFY2(error.contains(expected), qPrintable(error));
    QCOMPARE(testutil::readFile(path), json);
}

void TestMonitorSettings::customNaming()
{
    MetricNaming n;
    n.requestsCounter = QStringLiteral("my_requests_total");
    n.statusLabel = QStringLiteral("code");
    n.serviceValue.clear();
    QJsonObject o;
    o.insert(QStringLiteral("naming"), QStringLiteral("custom"));
    o.insert(QStringLiteral("custom_naming"), n.toJson());
    QString error;
    auto s = MonitorSettings::fromJson(o, &error);
    QVERIFY2(s, qPrintable(error));
    QCOMPARE(s->naming().id, QStringLiteral("custom"));
    QCOMPARE(s->naming().requestsCounter, QStringLiteral("my_requests_total"));
    QCOMPARE(s->naming().statusLabel, QStringLiteral("code"));
    auto again = MonitorSettings::fromJson(s->toJson(), &error);
    QVERIFY2(again, qPrintable(error));
    QCOMPARE(again->naming().requestsCounter, QStringLiteral("my_requests_total"));
}

void TestMonitorSettings::lineColumn()
{
    int l = 0, c = 0;
    lineColumnAt("ab\ncd\nef", 4, &l, &c);
    QCOMPARE(l, 2);
    QCOMPARE(c, 2);
    lineColumnAt("\xc3\xa4x", 2, &l, &c);  // "äx": columns count characters
    QCOMPARE(l, 1);
    QCOMPARE(c, 2);
}

void TestMonitorSettings::demoTrafficMix()
{
    proxy::Simulator sim;
    QString error;
    QVERIFY2(sim.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    demo::DemoTraffic traffic;
    traffic.setBaseUrl(QUrl(sim.baseUrl()));
    traffic.setRate(40);
    QCOMPARE(traffic.rate(), 40.0);
    int streamed = 0, chat = 0, tools = 0;
    for (int i = 0; i < 12; ++i) {
        const auto req = traffic.requestFor(i);
        const auto body = QJsonDocument::fromJson(req.body).object();
        streamed += body.value(QStringLiteral("stream")).toBool() ? 1 : 0;
        chat += req.path.contains(QLatin1String("chat")) ? 1 : 0;
        tools += body.contains(QStringLiteral("tools")) ? 1 : 0;
    }
    QCOMPARE(streamed, 4);
    QCOMPARE(chat, 6);
    QCOMPARE(tools, 2);
    QSignalSpy done(&traffic, &demo::DemoTraffic::requestFinished);
    traffic.start();
    QTRY_VERIFY_WITH_TIMEOUT(traffic.completed() >= 24, 10000);
    traffic.stop();
    QVERIFY(!traffic.isRunning());
    QCOMPARE(traffic.failed(), 0);
    for (const auto &args : std::as_const(done))
        QCOMPARE(args.at(0).toInt(), 200);
    QTRY_COMPARE(traffic.inFlight(), 0);
    QVERIFY(sim.metricsText().contains("ccproxy_requests_total"));
}

QTEST_GUILESS_MAIN(TestMonitorSettings)
#include "tst_monitorsettings.moc"
