// The Monitor page against the in-process ccproxy simulator with demo traffic: live request-rate and
// latency charts, an error-rate breach (threshold line, shading, status text), a stage marker with
// the before/after comparison, PNG/CSV export, the seed naming's "no series" message, the chart
// panel's gaps and legend toggles, and a malformed monitor.json that is never overwritten.
//
// CODEX_ADMIN_WRITE_SCREENSHOTS=1 writes docs/screenshots/monitor-breach.png and monitor-latency.png.
#include "TestUtil.h"

#include "common/Workspace.h"
#include "demo/DemoTraffic.h"
#include "metrics/MonitorSettings.h"
#include "proxy/Simulator.h"
#include "ui/DemoControls.h"
#include "ui/MonitorChartPanel.h"
#include "ui/MonitorPage.h"

#include <QApplication>
#include <QDateTime>
#include <QFile>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTimer>
#include <QTreeWidget>

#include <cmath>

using namespace codex;

class TestMonitorPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void liveChartsBreachMarkerExport();
    void seedNamingSaysNoSeries();
    void panelGapsAndLegendToggle();
    void malformedSettingsAreNotOverwritten();
    void demoControlsDriveTheSimulator();
    void promQlTabAgainstRealPrometheus();

private:
    /// Appends RESTORE / RESTORE_FAIL lines to the evidence log, one per call.
    void appendRestore(const QString &path, int n);

    proxy::Simulator *m_sim = nullptr;
    demo::DemoTraffic *m_traffic = nullptr;
    QString m_metricsUrl;
};

void TestMonitorPage::initTestCase()
{
    proxy::SimulatorOptions o;
    o.latencyMeanMs = 15;
    o.workerThreads = 2;
    m_sim = new proxy::Simulator(o, this);
    QString error;
    QVERIFY2(m_sim->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    m_metricsUrl = m_sim->baseUrl() + QStringLiteral("/metrics");
    m_traffic = new demo::DemoTraffic(this);
    m_traffic->setBaseUrl(QUrl(m_sim->baseUrl()));
    m_traffic->setRate(50);
    m_traffic->start();
}

void TestMonitorPage::cleanupTestCase()
{
    m_traffic->stop();
    QTRY_COMPARE_WITH_TIMEOUT(m_traffic->inFlight(), 0, 20000);
}

void TestMonitorPage::appendRestore(const QString &path, int n)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::Append));
    const QString ts = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ssZ"));
    QByteArray line;
    if (n % 9 == 8)
        line = QStringLiteral(R"({"action":"RESTORE_FAIL","actor":"demo","backend":"sqlite","reason":"Hash mismatch","tombstone":"t%1","ts":"%2"})")
                   .arg(n)
                   .arg(ts)
                   .toUtf8();
    else
        line = QStringLiteral(R"({"action":"RESTORE","actor":"demo","duration_ms":%1,"path":"out/%2","repo":"r","tombstone":"t%2","ts":"%3"})")
                   .arg(90 + (n * 37) % 160 + (n % 7 == 0 ? 520 : 0))
                   .arg(n)
                   .arg(ts)
                   .toUtf8();
    f.write(line + '\n');
}

void TestMonitorPage::liveChartsBreachMarkerExport()
{
    m_sim->setErrorRate(0.0);
    QTemporaryDir dir;
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral(".codex/evidence"))));
    const Workspace ws(dir.path());
    int restores = 0;
    appendRestore(ws.evidenceLogPath(), restores++);
    QTimer restoreTimer;
    connect(&restoreTimer, &QTimer::timeout, this, [&] { appendRestore(ws.evidenceLogPath(), restores++); });
    restoreTimer.start(400);

    ui::MonitorPage page;
    page.resize(1500, 980);
    page.setWorkspace(ws);
    QVERIFY(page.settingsError().isEmpty());
    QString err;
    auto rule = metrics::ThresholdRule::parse(QStringLiteral("error_ratio>0.01:for=1s:page"), &err);
    QVERIFY2(rule, qPrintable(err));
    auto restoreRule = metrics::ThresholdRule::parse(QStringLiteral("restore_p99_ms>500:warn"), &err);
    QVERIFY2(restoreRule, qPrintable(err));
    auto restoreRule2 = metrics::ThresholdRule::parse(QStringLiteral("restore_p99_ms>1000:investigate"), &err);
    QVERIFY2(restoreRule2, qPrintable(err));
    page.setRules({*rule, *restoreRule, *restoreRule2});
    page.setRateWindowMs(2000);
    page.setRefreshIntervalMs(200);
    page.setTimeWindowS(20);
    QSignalSpy status(&page, &ui::Page::statusChanged);
    page.setScrapeUrls({QUrl(m_metricsUrl)});
    page.show();

    ui::MonitorChartPanel *rate = page.panel(QStringLiteral("request_rate"));
    ui::MonitorChartPanel *errors = page.panel(QStringLiteral("error_rate"));
    ui::MonitorChartPanel *latency = page.panel(QStringLiteral("latency"));
    QVERIFY(rate && errors && latency);
    QTRY_VERIFY_WITH_TIMEOUT(rate->pointCount(QStringLiteral("all traffic")) >= 3, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(latency->pointCount(QStringLiteral("p95")) >= 3, 10000);
    QVERIFY(rate->emptyText().isEmpty());
    QVERIFY2(rate->lastValue(QStringLiteral("all traffic")) > 3, qPrintable(QString::number(rate->lastValue(QStringLiteral("all traffic")))));
    QVERIFY(latency->lastValue(QStringLiteral("p95")) > 0);
    // the threshold line is drawn on the error panel (1 %)
    QCOMPARE(errors->thresholds().size(), 1);
    QCOMPARE(errors->thresholds().first().value, 1.0);

    // a calm stretch before the stage change (the comparison's "before")
    QTRY_VERIFY_WITH_TIMEOUT(errors->pointCount(QStringLiteral("all traffic")) >= 25, 15000);
    QVERIFY(errors->lastValue(QStringLiteral("all traffic")) < 1.0);
    for (const auto &b : page.engine()->activeBreaches())
        QVERIFY2(!b.metric.startsWith(QLatin1String("error_ratio")), qPrintable(b.metric));
    const qint64 markAt = QDateTime::currentMSecsSinceEpoch();
    page.addStageMarker(QStringLiteral("canary 5 %"), markAt);
    QCOMPARE(page.engine()->markers().size(), 1);

    m_sim->setErrorRate(0.5);
    QTRY_VERIFY_WITH_TIMEOUT(page.breachStatus().contains(QLatin1String("error rate")), 15000);
    QVERIFY2(page.breachStatus().startsWith(QStringLiteral("⚠")), qPrintable(page.breachStatus()));
    QVERIFY2(page.breachStatus().contains(QLatin1String("> 1.0 %")), qPrintable(page.breachStatus()));
    bool reported = false;
    for (const auto &args : std::as_const(status))
        reported = reported || args.at(0).toString().contains(QLatin1String("error rate"));
    QVERIFY(reported);
    QVERIFY(errors->lastValue(QStringLiteral("all traffic")) > 1.0);
    QVERIFY(!errors->view()->breaches().isEmpty());
    QVERIFY(page.breachList()->topLevelItemCount() >= 1);

    // before < after across the marker; the table says so
    QTRY_VERIFY_WITH_TIMEOUT(page.comparison(QStringLiteral("/error_ratio"))->afterPoints >= 20, 15000);
    const auto cmp = *page.comparison(QStringLiteral("/error_ratio"));
    QVERIFY2(cmp.before < cmp.after, qPrintable(QStringLiteral("%1 vs %2").arg(cmp.before).arg(cmp.after)));
    QVERIFY(cmp.beforePoints > 0);
    QTableWidget *table = page.comparisonTable();
    int row = -1;
    for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 0) && table->item(r, 0)->text() == QLatin1String("error rate"))
            row = r;
    QVERIFY(row >= 0);
    QVERIFY(table->item(row, 3)->text().startsWith(QLatin1Char('+')));
    QCOMPARE(table->item(row, 2)->background().color(), QColor(255, 205, 205));  // after: over the threshold

    // restore panels get their data from the evidence log
    QTRY_VERIFY_WITH_TIMEOUT(page.panel(QStringLiteral("restore_latency"))->pointCount(QStringLiteral("p99")) >= 2, 10000);

    // export
    QTemporaryDir out;
    const QString png = out.filePath(QStringLiteral("errors.png"));
    const QString csv = out.filePath(QStringLiteral("errors.csv"));
    QVERIFY2(page.exportPanel(QStringLiteral("error_rate"), QStringLiteral("png"), png, false, &err), qPrintable(err));
    QVERIFY2(page.exportPanel(QStringLiteral("error_rate"), QStringLiteral("csv"), csv, false, &err), qPrintable(err));
    QVERIFY(QImage(png).width() > 100);
    const QList<QByteArray> lines = testutil::readFile(csv).split('\n');
    QCOMPARE(lines.first(), QByteArray("time,all traffic (%)"));
    QVERIFY(lines.size() > 10);
    QVERIFY(lines.at(1).contains('T') && lines.at(1).contains('Z'));
    QVERIFY(!page.exportPanel(QStringLiteral("error_rate"), QStringLiteral("csv"), csv, false, &err));
    QVERIFY2(err.contains(QLatin1String("not overwritten")), qPrintable(err));
    QVERIFY(!page.exportPanel(QStringLiteral("nope"), QStringLiteral("csv"), csv, true, &err));

    // settings persisted
    auto saved = metrics::MonitorSettings::load(metrics::MonitorSettings::pathFor(ws), &err);
    QVERIFY2(saved, qPrintable(err));
    QCOMPARE(saved->scrapes.size(), 1);
    QCOMPARE(saved->refreshMs, 200);
    QCOMPARE(saved->markers.size(), 1);
    QCOMPARE(saved->markers.first().name, QStringLiteral("canary 5 %"));

    testutil::shot(&page, QStringLiteral("monitor-breach.png"));

    // latency by endpoint, with the simulator slowed down mid-way
    m_sim->setErrorRate(0.02);
    page.setGroupBy(QStringLiteral("endpoint"));
    QTRY_VERIFY_WITH_TIMEOUT(page.engine()->groups().size() >= 2, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(rate->seriesNames().size() >= 3 && rate->pointCount(rate->seriesNames().at(1)) >= 8, 15000);
    auto o = m_sim->options();
    o.latencyMeanMs = 120;
    m_sim->setOptions(o);
    page.addStageMarker(QStringLiteral("canary 10 %"), QDateTime::currentMSecsSinceEpoch());
    QTRY_VERIFY_WITH_TIMEOUT(page.comparison(QStringLiteral("/p95_ms"))->afterPoints >= 15, 15000);
    QVERIFY(page.comparison(QStringLiteral("/p95_ms"))->after > page.comparison(QStringLiteral("/p95_ms"))->before);
    testutil::shot(&page, QStringLiteral("monitor-latency.png"));
    o.latencyMeanMs = 15;
    m_sim->setOptions(o);
    m_sim->setErrorRate(0.0);
    restoreTimer.stop();
}

void TestMonitorPage::seedNamingSaysNoSeries()
{
    QTemporaryDir dir;
    ui::MonitorPage page;
    page.setWorkspace(Workspace(dir.path()));
    page.setRefreshIntervalMs(200);
    page.setNamingPreset(QStringLiteral("seed"));
    ui::MonitorChartPanel *rate = page.panel(QStringLiteral("request_rate"));
    QVERIFY(rate->emptyText().contains(QLatin1String("No scrape URL")));
    page.setScrapeUrls({QUrl(m_metricsUrl)});
    QTRY_VERIFY_WITH_TIMEOUT(page.scrapesSeen() >= 3, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(rate->emptyText().contains(QLatin1String("ccproxy_requests_total")), 5000);
    QVERIFY2(rate->emptyText().contains(QLatin1String("no series named request_count")), qPrintable(rate->emptyText()));
    QVERIFY(!rate->hasData());

    // back to the real names: data flows
    page.setNamingPreset(QStringLiteral("ccproxy"));
    QTRY_VERIFY_WITH_TIMEOUT(rate->hasData(), 10000);
    QVERIFY(rate->emptyText().isEmpty());

    // a target that is down: a gap and the error, never a zero
    page.setScrapeUrls({QUrl(QStringLiteral("http://127.0.0.1:1/metrics"))});
    QTRY_VERIFY_WITH_TIMEOUT(page.lastScrapeError().contains(QLatin1String("127.0.0.1:1")), 10000);
    // the PromQL tab without a Prometheus URL says what is missing
    page.runPromQl(QStringLiteral("up"), false);
    QVERIFY(page.promMessage().contains(QLatin1String("Prometheus URL")));
}

void TestMonitorPage::panelGapsAndLegendToggle()
{
    ui::MonitorChartPanel panel(QStringLiteral("t"), QStringLiteral("Test"), QStringLiteral("ms"));
    panel.resize(500, 300);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    const qint64 t0 = 1700000000000;
    QVector<metrics::Point> pts;
    for (int i = 0; i < 10; ++i)
        pts.push_back({t0 + i * 1000, i == 4 || i == 5 ? NAN : double(i)});
    panel.setThresholds({{5.0, QStringLiteral("> 5 ms"), Qt::red}});
    panel.setData({{QStringLiteral("p95"), pts, Qt::blue}}, t0, t0 + 9000);
    QCOMPARE(panel.pointCount(QStringLiteral("p95")), 8);
    int segments = 0, plotted = 0;
    for (auto *s : panel.chart()->series())
        if (auto *l = qobject_cast<QLineSeries *>(s); l && l->name() == QLatin1String("p95") && l->count() > 0) {
            ++segments;
            plotted += l->count();
        }
    QCOMPARE(segments, 2);  // split at the gap
    QCOMPARE(plotted, 8);
    // the legend entry of the first segment toggles the whole logical series
    QLegendMarker *p95Marker = nullptr;
    for (auto *m : panel.chart()->legend()->markers())
        if (!p95Marker && m->label() == QLatin1String("p95"))
            p95Marker = m;
    QVERIFY(p95Marker);
    Q_EMIT p95Marker->clicked();
    QVERIFY(panel.isSeriesHidden(QStringLiteral("p95")));
    for (auto *s : panel.chart()->series())
        if (s->name() == QLatin1String("p95"))
            QVERIFY(!s->isVisible());
    Q_EMIT p95Marker->clicked();
    QVERIFY(!panel.isSeriesHidden(QStringLiteral("p95")));
    // empty state
    panel.setData({{QStringLiteral("p95"), {}, Qt::blue}}, t0, t0 + 9000);
    QVERIFY(!panel.hasData());
    const QByteArray csv = panel.csv();
    QCOMPARE(csv, QByteArray("time,p95 (ms)\n"));
}

void TestMonitorPage::malformedSettingsAreNotOverwritten()
{
    QTemporaryDir dir;
    const Workspace ws(dir.path());
    const QString path = metrics::MonitorSettings::pathFor(ws);
    const QByteArray bad = "{\n  \"refresh_ms\": 1000,\n  oops\n}\n";
    testutil::writeFile(path, bad);
    ui::MonitorPage page;
    page.setWorkspace(ws);
    QVERIFY2(page.settingsError().contains(path + QStringLiteral(":3:")), qPrintable(page.settingsError()));
    page.setRefreshIntervalMs(1000);
    page.addStageMarker(QStringLiteral("staging"), QDateTime::currentMSecsSinceEpoch());
    QCOMPARE(testutil::readFile(path), bad);
}

void TestMonitorPage::demoControlsDriveTheSimulator()
{
    ui::DemoControls controls;
    QVERIFY(!controls.isEnabled());
    controls.setSimulator(m_sim);
    controls.setTraffic(m_traffic);
    QVERIFY(controls.isEnabled());
    controls.setErrorRatePercent(25);
    QCOMPARE(m_sim->options().errorRate, 0.25);
    controls.setLatencyMs(40);
    QCOMPARE(m_sim->options().latencyMeanMs, 40.0);
    controls.setBufferStreaming(true);
    QVERIFY(m_sim->options().bufferStreaming);
    controls.setBufferStreaming(false);
    controls.setErrorRatePercent(0);
    controls.setLatencyMs(15);
    QCOMPARE(m_sim->options().errorRate, 0.0);
}

void TestMonitorPage::promQlTabAgainstRealPrometheus()
{
    // The CTest fixture runs a real Prometheus scraping a simulator every second; no silent skip.
    QString why;
    const QUrl promUrl(testutil::serverUrl("CODEX_TEST_PROM_URL_FILE", &why));
    QVERIFY2(promUrl.isValid() && !promUrl.isEmpty(), qPrintable(why));
    const QString simUrl = testutil::serverUrl("CODEX_TEST_PROM_SIM_URL_FILE", &why);
    QVERIFY2(!simUrl.isEmpty(), qPrintable(why));

    // Some traffic on the scraped simulator, so its counters exist in Prometheus.
    {
        demo::DemoTraffic traffic;
        traffic.setBaseUrl(QUrl(simUrl));
        traffic.setRate(50);
        traffic.start();
        QTRY_VERIFY_WITH_TIMEOUT(traffic.completed() >= 10, 10000);
        traffic.stop();
        metrics::PromApiClient api;
        api.setBaseUrl(promUrl);
        QTRY_VERIFY_WITH_TIMEOUT(api.metricNamesSync().contains(QLatin1String("ccproxy_requests_total")), 15000);
    }

    QTemporaryDir dir;
    QDir(dir.path()).mkpath(QStringLiteral(".codex"));
    ui::MonitorPage page;
    page.resize(1280, 800);
    page.setWorkspace(Workspace(dir.path()));
    page.setPrometheusUrl(promUrl);

    // `up` always has the scrape job's series: a table row.
    QSignalSpy answered(&page, &ui::MonitorPage::promQlAnswered);
    page.runPromQl(QStringLiteral("up"), false);
    QVERIFY(answered.wait(15000));
    QVERIFY2(answered.last().at(0).value<metrics::ApiResult>().ok, qPrintable(page.promMessage()));
    QVERIFY(page.promResultTable()->rowCount() >= 1);

    // A syntax error comes back with Prometheus's own message.
    answered.clear();
    page.runPromQl(QStringLiteral("rate(up[5m"), false);
    QVERIFY(answered.wait(15000));
    QVERIFY2(page.promMessage().contains(QLatin1String("bad_data")), qPrintable(page.promMessage()));

    // The seed's spelling matches nothing: said so, with the names that do exist (asked for
    // asynchronously, so the answer signal comes after the names arrive).
    answered.clear();
    page.runPromQl(QStringLiteral("rate(request_count{service_type=\"codex\"}[5m])"), false);
    QVERIFY(answered.wait(15000));
    QVERIFY2(page.promMessage().contains(QLatin1String("No series named request_count")), qPrintable(page.promMessage()));
    QVERIFY2(page.promMessage().contains(QLatin1String("ccproxy_requests_total")), qPrintable(page.promMessage()));
    testutil::shot(&page, QStringLiteral("monitor-promql.png"));
}

QTEST_MAIN(TestMonitorPage)
#include "tst_gui_monitorpage.moc"
