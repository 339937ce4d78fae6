// A rollout metric snapshot from a REAL Prometheus (the CTest fixture tests/fixtures/promserver.sh:
// Debian's prometheus scraping the project's simulator every second). Never skipped: without the
// fixture's files (CODEX_TEST_PROM_URL_FILE, CODEX_TEST_PROM_SIM_URL_FILE) the test fails.
//
// Traffic on the simulator (one runner answering 500 through `X-Sim-Fault`), a stage marker in the
// workspace's .codex/monitor.json placed during it; then EvidenceCollector::metricSnapshotFromPrometheus
// must return request rate, error ratio and latency quantiles, and the marker's before/after
// comparison. A server that does not answer gives an error naming its URL.
#include "metrics/MonitorSettings.h"
#include "common/Workspace.h"
#include "proxy/LoadRunner.h"
#include "rollout/CriteriaEvaluator.h"
#include "rollout/EvidenceCollector.h"

#include "TestUtil.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <memory>
#include <vector>

using namespace codex;
using namespace codex::rollout;

namespace {

proxy::LoadOptions load(const QString &path, bool stream, const QByteArray &fault)
{
    proxy::LoadOptions o;
    o.requests = 100000;  // cancelled when the traffic window ends
    o.concurrency = 1;
    o.stream = stream;
    o.request.path = path;
    o.request.body = QByteArrayLiteral(R"({"model":"gpt-5","messages":[{"role":"user","content":"Say hello."}]})");
    o.request.headers << qMakePair(QByteArray("X-Sim-Fault"), fault);
    return o;
}

}  // namespace

class TestRolloutPrometheus : public QObject {
    Q_OBJECT

    QString m_promUrl;
    QString m_simUrl;
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QString why;
        m_promUrl = testutil::serverUrl("CODEX_TEST_PROM_URL_FILE", &why);
        QVERIFY2(!m_promUrl.isEmpty(), qPrintable(why));
        m_simUrl = testutil::serverUrl("CODEX_TEST_PROM_SIM_URL_FILE", &why);
        QVERIFY2(!m_simUrl.isEmpty(), qPrintable(why));
    }

    void snapshotFromPrometheus()
    {
        const QString ws = m_dir.filePath(QStringLiteral("ws"));
        QVERIFY(QDir().mkpath(ws + QStringLiteral("/.codex")));

        proxy::Environment env;
        env.name = QStringLiteral("prometheus-sim");
        env.baseUrl = QUrl(m_simUrl);
        env.timeoutMs = 10000;
        std::vector<std::unique_ptr<proxy::LoadRunner>> runners;
        for (const auto &o : {load(QStringLiteral("/codex/chat/completions"), false, "delay:30"),
                              load(QStringLiteral("/codex/chat/completions"), false, "status:500,delay:60")}) {
            runners.push_back(std::make_unique<proxy::LoadRunner>());
            runners.back()->start(env, o);
        }
        // A stage marker a few seconds into the traffic, as the Monitor page saves it.
        QTest::qWait(4000);
        metrics::MonitorSettings settings;
        settings.markers << metrics::StageMarker{QStringLiteral("canary 5 %"), QDateTime::currentMSecsSinceEpoch()};
        QString error;
        QVERIFY2(settings.save(metrics::MonitorSettings::pathFor(Workspace(ws)), &error), qPrintable(error));

        // Prometheus scrapes every second: the rate over the window becomes > 0 within seconds.
        std::optional<Evidence> snap;
        QElapsedTimer timer;
        timer.start();
        QTRY_VERIFY_WITH_TIMEOUT(
            (snap = EvidenceCollector::metricSnapshotFromPrometheus(m_promUrl, ws, 30000, QStringLiteral("ada"), &error))
                && MetricSnapshot::fromJson(snap->payload).values.value(QStringLiteral("request_rate")).toDouble() > 0
                && MetricSnapshot::fromJson(snap->payload).comparisons.size() == 1
                && MetricSnapshot::fromJson(snap->payload).comparisons.first().toObject().contains(QStringLiteral("after")),
            40000);
        for (auto &r : runners)
            r->cancel();
        for (auto &r : runners)
            QTRY_VERIFY_WITH_TIMEOUT(!r->isRunning(), 10000);
        qInfo("snapshot after %lld ms: %s", timer.elapsed(), qPrintable(snap->summary));

        QCOMPARE(snap->kind, EvidenceKind::MetricSnapshot);
        const MetricSnapshot s = MetricSnapshot::fromJson(snap->payload);
        QVERIFY2(s.source.startsWith(QStringLiteral("prometheus %1").arg(m_promUrl)), qPrintable(s.source));
        QCOMPARE(s.windowMs, qint64(30000));
        const double ratio = s.values.value(QStringLiteral("error_ratio")).toDouble(-1);
        QVERIFY2(ratio > 0.05 && ratio < 0.95, qPrintable(QString::number(ratio)));  // one runner of two answers 500
        for (const char *k : {"p50_ms", "p95_ms", "p99_ms"})
            QVERIFY2(s.values.value(QLatin1String(k)).toDouble() > 0, k);
        QVERIFY(s.values.value(QStringLiteral("p50_ms")).toDouble() <= s.values.value(QStringLiteral("p99_ms")).toDouble());
        const QJsonObject c = s.comparisons.first().toObject();
        QCOMPARE(c.value(QStringLiteral("marker")).toString(), QStringLiteral("canary 5 %"));
        QCOMPARE(c.value(QStringLiteral("series")).toString(), QStringLiteral("error_ratio"));
        QVERIFY(c.value(QStringLiteral("after_points")).toInt() > 0);

        // The criteria read it: an error-rate comparison (before may be empty: the marker came
        // soon after the traffic started) and the breach rules were checked.
        QVERIFY(s.values.contains(QStringLiteral("breach_rules_checked")));
        CriteriaInputs in;
        in.now = QDateTime::currentDateTimeUtc();
        in.evidence << *snap;
        const CriterionResult r = CriteriaEvaluator::evaluate({QStringLiteral("no-active-breach"), {}}, in);
        QVERIFY(r.verdict != CriterionResult::Verdict::NoData);
    }

    void unreachableServerIsNamed()
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const quint16 port = probe.serverPort();
        probe.close();  // nothing listens there now
        const QString url = QStringLiteral("http://monitor:Hush123@127.0.0.1:%1").arg(port);
        QString error;
        QElapsedTimer t;
        t.start();
        QVERIFY(!EvidenceCollector::metricSnapshotFromPrometheus(url, QString(), 60000, QStringLiteral("ada"), &error));
        QVERIFY2(error.startsWith(QStringLiteral("Prometheus http://***@127.0.0.1:%1").arg(port)), qPrintable(error));
        QVERIFY(!error.contains(QLatin1String("Hush123")));
        QVERIFY(t.elapsed() < 20000);

        // A real server with a query it rejects: Prometheus's own message comes through.
        metrics::MonitorSettings settings;
        settings.namingId = QStringLiteral("custom");
        settings.customNaming = *metrics::MetricNaming::preset(QStringLiteral("ccproxy"));
        settings.customNaming.id = QStringLiteral("custom");
        settings.customNaming.requestsCounter = QStringLiteral("not a metric name");
        const QString ws = m_dir.filePath(QStringLiteral("bad"));
        QVERIFY(QDir().mkpath(ws + QStringLiteral("/.codex")));
        QVERIFY2(settings.save(metrics::MonitorSettings::pathFor(Workspace(ws)), &error), qPrintable(error));
        QVERIFY(!EvidenceCollector::metricSnapshotFromPrometheus(m_promUrl, ws, 60000, QStringLiteral("ada"), &error));
        QVERIFY2(error.startsWith(QStringLiteral("Prometheus %1: bad_data: ").arg(m_promUrl)), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestRolloutPrometheus)
#include "tst_rollout_prometheus.moc"
