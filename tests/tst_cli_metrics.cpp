// codex-adminctl scrape / query / watch, run as a script or CI job runs them: against the
// simulator and the real Prometheus of the CTest fixture (tests/fixtures/promserver.sh; never
// skipped: without CODEX_TEST_PROM_URL_FILE / CODEX_TEST_PROM_SIM_URL_FILE the test fails), a
// second simulator with a 50 % error rate, and small in-process servers that answer 500, hang or
// serve a malformed exposition.
#include "metrics/PromApiClient.h"
#include "proxy/LoadRunner.h"

#include "TestUtil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <csignal>
#include <memory>

#include <signal.h>

using namespace codex::metrics;
using namespace codex::proxy;

namespace {

/// codex-adminctl with a clean environment (as testutil::runCtl), started asynchronously so that
/// this process's event loop (in-process servers, load runners) keeps running meanwhile.
std::unique_ptr<QProcess> startCtl(const QString &workspace, const QStringList &args)
{
    auto p = std::make_unique<QProcess>();
    QProcessEnvironment pe;
    pe.insert(QStringLiteral("PATH"), qEnvironmentVariable("PATH"));
    pe.insert(QStringLiteral("HOME"), workspace);
    pe.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    pe.insert(QStringLiteral("CODEX_ADMIN_NO_FILE_LOG"), QStringLiteral("1"));
    p->setProcessEnvironment(pe);
    p->setWorkingDirectory(workspace);
    p->start(QStringLiteral(CODEXADMIN_CTL), args);
    return p;
}

testutil::CtlRun finish(QProcess &p, int timeoutMs = 45000)
{
    testutil::CtlRun r;
    if (p.state() != QProcess::NotRunning) {
        QSignalSpy done(&p, &QProcess::finished);
        if (!done.wait(timeoutMs)) {
            p.kill();
            p.waitForFinished(5000);
            r.code = -3;  // did not finish
        }
    }
    if (r.code != -3)
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.rawOut = p.readAllStandardOutput();
    r.out = QString::fromUtf8(r.rawOut);
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QString describe(const testutil::CtlRun &r)
{
    return QStringLiteral("exit %1\n--- stdout\n%2--- stderr\n%3").arg(r.code).arg(r.out, r.err);
}

LoadOptions chat(const QString &model, int n, const QByteArray &fault = {})
{
    LoadOptions o;
    o.requests = n;
    o.concurrency = 2;
    o.request.path = QStringLiteral("/codex/chat/completions");
    o.request.body = QStringLiteral(R"({"model":"%1","messages":[{"role":"user","content":"Say hello."}]})").arg(model).toUtf8();
    if (!fault.isEmpty())
        o.request.headers << qMakePair(QByteArray("X-Sim-Fault"), fault);
    return o;
}

LoadOptions responses(const QString &model, int n, bool stream)
{
    LoadOptions o;
    o.requests = n;
    o.concurrency = 2;
    o.stream = stream;
    o.request.path = QStringLiteral("/codex/responses");
    o.request.body = QStringLiteral(R"({"model":"%1","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"Hi"}]}]})")
                         .arg(model)
                         .toUtf8();
    return o;
}

Environment envFor(const QString &url)
{
    Environment e;
    e.name = QStringLiteral("sim");
    e.baseUrl = QUrl(url);
    e.timeoutMs = 10000;
    return e;
}

/// Runs load options one after the other, on a runner the event loop drives.
void runLoads(const QString &url, const QList<LoadOptions> &loads)
{
    for (const auto &o : loads) {
        LoadRunner runner;
        runner.run(envFor(url), o);
    }
}

/// A one-trick HTTP server: answers every request with `status` and `body`, or never (hang).
class TinyServer : public QTcpServer {
public:
    int status = 200;
    QByteArray body;
    bool hang = false;
    TinyServer()
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = nextPendingConnection()) {
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
                connect(s, &QTcpSocket::readyRead, s, [this, s] {
                    const QByteArray req = s->readAll();
                    if (hang || !req.contains("\r\n\r\n"))
                        return;
                    QByteArray resp = "HTTP/1.1 " + QByteArray::number(status) + (status == 200 ? " OK" : " Internal Server Error")
                                      + "\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: "
                                      + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
                    s->write(resp);
                    s->disconnectFromHost();
                });
            }
        });
    }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1/metrics").arg(serverPort()); }
};

}  // namespace

class TestCliMetrics : public QObject {
    Q_OBJECT

    QString m_promUrl;
    QString m_simUrl;
    QTemporaryDir m_ws;

    /// scrape with traffic between its two scrapes (sent once the first scrape is reported).
    testutil::CtlRun scrapeWithTraffic(const QStringList &extra)
    {
        auto p = startCtl(m_ws.path(), QStringList{QStringLiteral("scrape"), m_simUrl, QStringLiteral("--interval"), QStringLiteral("2")}
                                           + extra);
        QByteArray err;
        const bool first = QTest::qWaitFor(
            [&] {
                err += p->readAllStandardError();
                return err.contains("scraped ") || p->state() == QProcess::NotRunning;
            },
            20000);
        if (first && p->state() != QProcess::NotRunning)
            runLoads(m_simUrl, {chat(QStringLiteral("gpt-5-codex"), 5, "status:500"), chat(QStringLiteral("gpt-5"), 20),
                                responses(QStringLiteral("gpt-5-codex"), 10, true)});
        testutil::CtlRun r = finish(*p);
        r.err = QString::fromUtf8(err) + r.err;
        return r;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_ws.isValid());
        QString why;
        m_promUrl = testutil::serverUrl("CODEX_TEST_PROM_URL_FILE", &why);
        QVERIFY2(!m_promUrl.isEmpty(), qPrintable(why));
        m_simUrl = testutil::serverUrl("CODEX_TEST_PROM_SIM_URL_FILE", &why);
        QVERIFY2(!m_simUrl.isEmpty(), qPrintable(why));
        // Traffic Prometheus can see (its series exist only once requests were served), then wait
        // until it has scraped it.
        runLoads(m_simUrl, {chat(QStringLiteral("gpt-5"), 20), responses(QStringLiteral("gpt-5-codex"), 10, false),
                            chat(QStringLiteral("gpt-5-codex"), 4, "status:500")});
        PromApiClient api;
        api.setBaseUrl(QUrl(m_promUrl));
        auto seen = [&] {
            const ApiResult r = api.querySync(QStringLiteral("sum(ccproxy_requests_total{status=\"500\"})"));
            return r.ok && !r.series.isEmpty() && r.series.first().points.value(0).second >= 4;
        };
        QVERIFY2(QTest::qWaitFor(seen, 15000), "Prometheus did not scrape the simulator's traffic within 15 s");
        runLoads(m_simUrl, {chat(QStringLiteral("gpt-5"), 10)});
    }

    // ---- scrape ------------------------------------------------------------------------------

    void scrapeTableByEndpoint()
    {
        const auto r = scrapeWithTraffic({QStringLiteral("--group-by"), QStringLiteral("endpoint")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains(QLatin1String("/codex/chat/completions")), qPrintable(describe(r)));
        QVERIFY2(r.out.contains(QLatin1String("/codex/responses")), qPrintable(describe(r)));
        QVERIFY(r.out.contains(QLatin1String("REQ/S")));
        QVERIFY(r.out.contains(QLatin1String("ERRORS %")));
        QVERIFY(r.out.contains(QLatin1String("P99 MS")));
        QVERIFY(r.out.contains(QLatin1String("(all)")));
        QVERIFY(r.out.contains(QLatin1String("grouped by endpoint")));
    }

    void scrapeJson()
    {
        const auto r = scrapeWithTraffic({QStringLiteral("--group-by"), QStringLiteral("model"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(r.rawOut, &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError && doc.isObject(), qPrintable(describe(r)));
        const QJsonObject o = doc.object();
        QCOMPARE(o.value(QLatin1String("naming")).toString(), QStringLiteral("ccproxy"));
        QCOMPARE(o.value(QLatin1String("group_by")).toString(), QStringLiteral("model"));
        QVERIFY(o.value(QLatin1String("interval_s")).toDouble() > 1.5);
        const QJsonObject total = o.value(QLatin1String("total")).toObject();
        QVERIFY2(total.value(QLatin1String("request_rate")).toDouble() > 0, qPrintable(describe(r)));
        // 35 requests sent after the first scrape (5 of them 500); most land before the second
        QVERIFY2(total.value(QLatin1String("requests")).toDouble() >= 10, qPrintable(describe(r)));
        QVERIFY2(total.value(QLatin1String("errors")).toDouble() >= 1, qPrintable(describe(r)));
        const double ratio = total.value(QLatin1String("error_ratio")).toDouble();
        QVERIFY2(ratio > 0 && ratio < 0.5, qPrintable(QString::number(ratio)));
        QVERIFY(total.value(QLatin1String("p50_ms")).isDouble());
        QStringList groups;
        for (const auto &g : o.value(QLatin1String("groups")).toArray())
            groups << g.toObject().value(QLatin1String("group")).toString();
        QVERIFY2(groups.contains(QLatin1String("gpt-5")) && groups.contains(QLatin1String("gpt-5-codex")), qPrintable(groups.join(',')));
    }

    void scrapeSeedNamingMatchesNothing()
    {
        const auto r = testutil::runCtl(m_ws.path(), {QStringLiteral("scrape"), m_simUrl, QStringLiteral("--interval"), QStringLiteral("0.2"),
                                                      QStringLiteral("--naming"), QStringLiteral("seed")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QLatin1String("no series named request_count")), qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QLatin1String("the target exposes: ")), qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QLatin1String("ccproxy_requests_total")), qPrintable(describe(r)));
    }

    void scrapeTargetDown()
    {
        quint16 port;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            port = probe.serverPort();
        }
        const QString url = QStringLiteral("http://127.0.0.1:%1/metrics").arg(port);
        const auto r = testutil::runCtl(m_ws.path(), {QStringLiteral("scrape"), url, QStringLiteral("--interval"), QStringLiteral("0.2")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(url), qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QLatin1String("connection refused")), qPrintable(describe(r)));
    }

    void scrapeTarget500AndTimeout()
    {
        TinyServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        server.status = 500;
        server.body = "boom: database locked";
        auto p = startCtl(m_ws.path(), {QStringLiteral("scrape"), server.url(), QStringLiteral("--interval"), QStringLiteral("0.2")});
        auto r = finish(*p);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(server.url()) && r.err.contains(QLatin1String("HTTP 500")) && r.err.contains(QLatin1String("boom")),
                 qPrintable(describe(r)));

        server.hang = true;
        p = startCtl(m_ws.path(), {QStringLiteral("scrape"), server.url(), QStringLiteral("--timeout"), QStringLiteral("0.5")});
        r = finish(*p);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(server.url()) && r.err.contains(QLatin1String("timeout after 500 ms")), qPrintable(describe(r)));
    }

    void scrapeParseWarnings()
    {
        TinyServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        server.body = "# TYPE ccproxy_requests_total counter\n"
                      "ccproxy_requests_total{endpoint=\"/codex/responses\",method=\"POST\",model=\"gpt-5\",service_type=\"codex\",status=\"200\"} 10\n"
                      "ccproxy_requests_total{endpoint=\"/codex/responses\" 3\n"
                      "# TYPE ccproxy_response_duration_seconds histogram\n"
                      "ccproxy_response_duration_seconds_bucket{le=\"0.1\",service_type=\"codex\"} 5\n"
                      "ccproxy_response_duration_seconds_bucket{le=\"+Inf\",service_type=\"codex\"} 10\n";
        auto p = startCtl(m_ws.path(), {QStringLiteral("scrape"), server.url(), QStringLiteral("--interval"), QStringLiteral("0.2")});
        const auto r = finish(*p);
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QLatin1String("warning: ")) && r.err.contains(QLatin1String("line 3")), qPrintable(describe(r)));
        QVERIFY(r.out.contains(QLatin1String("(all)")));
    }

    void scrapeUsageErrors()
    {
        auto r = testutil::runCtl(m_ws.path(), {QStringLiteral("scrape")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("URL")));
        r = testutil::runCtl(m_ws.path(), {QStringLiteral("scrape"), QStringLiteral("ftp://x/metrics")});
        QCOMPARE(r.code, 2);
        r = testutil::runCtl(m_ws.path(), {QStringLiteral("scrape"), m_simUrl, QStringLiteral("--group-by"), QStringLiteral("colour")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("colour")), qPrintable(describe(r)));
        r = testutil::runCtl(m_ws.path(), {QStringLiteral("scrape"), m_simUrl, QStringLiteral("--interval"), QStringLiteral("soon")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("--interval")) && r.err.contains(QLatin1String("soon")), qPrintable(describe(r)));
        r = testutil::runCtl(m_ws.path(), {QStringLiteral("scrape"), m_simUrl, QStringLiteral("--token-env"), QStringLiteral("NOPE_NOT_SET")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("NOPE_NOT_SET")));
    }

    // ---- query -------------------------------------------------------------------------------

    void queryPresetRate()
    {
        const auto r = testutil::runCtl(m_ws.path(), {QStringLiteral("query"), QStringLiteral("--prometheus"), m_promUrl,
                                                      QStringLiteral("--preset"), QStringLiteral("rate")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QVERIFY(r.out.contains(QLatin1String("rate(ccproxy_requests_total{service_type=\"codex\"}[5m])")));
        QVERIFY(r.out.contains(QLatin1String("SERIES")));
        QVERIFY2(r.out.contains(QLatin1String("endpoint=\"/codex/chat/completions\"")), qPrintable(describe(r)));
        QVERIFY(r.out.contains(QLatin1String("status=\"500\"")));
    }

    void queryJsonAndRange()
    {
        auto r = testutil::runCtl(m_ws.path(), {QStringLiteral("query"), QStringLiteral("--prometheus"), m_promUrl, QStringLiteral("--preset"),
                                                QStringLiteral("p95"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        const QJsonObject o = QJsonDocument::fromJson(r.rawOut).object();
        QCOMPARE(o.value(QLatin1String("status")).toString(), QStringLiteral("success"));
        QCOMPARE(o.value(QLatin1String("data")).toObject().value(QLatin1String("resultType")).toString(), QStringLiteral("vector"));
        QVERIFY(!o.value(QLatin1String("data")).toObject().value(QLatin1String("result")).toArray().isEmpty());

        r = testutil::runCtl(m_ws.path(), {QStringLiteral("query"), QStringLiteral("--prometheus"), m_promUrl,
                                           QStringLiteral("sum(ccproxy_requests_total)"), QStringLiteral("--range"), QStringLiteral("1m"),
                                           QStringLiteral("--step"), QStringLiteral("15")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QVERIFY(r.out.contains(QLatin1String("step 15 s")));
        QVERIFY(r.out.contains(QLatin1String("TIME")));

        r = testutil::runCtl(m_ws.path(), {QStringLiteral("query"), QStringLiteral("--prometheus"), m_promUrl, QStringLiteral("1+1")});
        QVERIFY2(r.code == 0 && r.out.contains(QLatin1String("scalar")) && r.out.contains(QLatin1String(": 2\n")), qPrintable(describe(r)));
    }

    void queryApiError()
    {
        auto r = testutil::runCtl(m_ws.path(), {QStringLiteral("query"), QStringLiteral("--prometheus"), m_promUrl,
                                                QStringLiteral("rate(ccproxy_requests_total[5m]")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QLatin1String("Prometheus error (bad_data)")) && r.err.contains(QLatin1String("parse error")),
                 qPrintable(describe(r)));
        // Nobody listening
        quint16 port;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            port = probe.serverPort();
        }
        r = testutil::runCtl(m_ws.path(), {QStringLiteral("query"), QStringLiteral("--prometheus"),
                                           QStringLiteral("http://127.0.0.1:%1").arg(port), QStringLiteral("up")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QLatin1String("cannot reach Prometheus")) && r.err.contains(QString::number(port)), qPrintable(describe(r)));
        // Usage
        r = testutil::runCtl(m_ws.path(), {QStringLiteral("query"), QStringLiteral("up")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("--prometheus")));
        r = testutil::runCtl(m_ws.path(), {QStringLiteral("query"), QStringLiteral("--prometheus"), m_promUrl, QStringLiteral("--preset"),
                                           QStringLiteral("p42")});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("p42")));
    }

    void queryNoSeries()
    {
        const auto r = testutil::runCtl(m_ws.path(), {QStringLiteral("query"), QStringLiteral("--prometheus"), m_promUrl,
                                                      QStringLiteral("--preset"), QStringLiteral("rate"), QStringLiteral("--naming"),
                                                      QStringLiteral("seed")});
        QCOMPARE(r.code, 3);
        QVERIFY2(r.err.contains(QLatin1String("no series matched rate(request_count{service_type=\"codex\"}[5m])")), qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QLatin1String("metric names that exist: ")) && r.err.contains(QLatin1String("ccproxy_requests_total")),
                 qPrintable(describe(r)));
    }

    // ---- watch -------------------------------------------------------------------------------

    void watchFiresOnHighErrorRate()
    {
        QProcess sim;
        sim.setProcessChannelMode(QProcess::MergedChannels);
        sim.start(QStringLiteral(CODEXADMIN_CTL), {QStringLiteral("serve-sim"), QStringLiteral("--port"), QStringLiteral("0"),
                                                   QStringLiteral("--error-rate"), QStringLiteral("0.5")});
        QByteArray simOut;
        QRegularExpressionMatch m;
        static const QRegularExpression urlRe(QStringLiteral("http://127\\.0\\.0\\.1:\\d+"));
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         simOut += sim.readAll();
                         m = urlRe.match(QString::fromUtf8(simOut));
                         return m.hasMatch() || sim.state() == QProcess::NotRunning;
                     },
                     15000),
                 "the 50 % error simulator did not start");
        QVERIFY2(m.hasMatch(), simOut.constData());
        const QString url = m.captured(0);

        // Steady traffic on it while the watch runs.
        LoadRunner runner;
        LoadOptions o = chat(QStringLiteral("gpt-5"), 100000);
        o.concurrency = 1;
        o.request.headers << qMakePair(QByteArray("X-Sim-Fault"), QByteArray("delay:20"));
        runner.start(envFor(url), o);
        auto p = startCtl(m_ws.path(), {QStringLiteral("watch"), url, QStringLiteral("--threshold"), QStringLiteral("p99_latency_ms>60000"),
                                        QStringLiteral("--threshold"), QStringLiteral("error_ratio>0.2:id=canary-errors:page"),
                                        QStringLiteral("--interval"), QStringLiteral("1"), QStringLiteral("--duration"), QStringLiteral("30")});
        const auto r = finish(*p);
        runner.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(!runner.isRunning(), 10000);
        sim.terminate();
        QVERIFY(sim.waitForFinished(10000));
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QVERIFY2(r.out.contains(QLatin1String("BREACH page: rule canary-errors")), qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QLatin1String("threshold breached: canary-errors")), qPrintable(describe(r)));
        QVERIFY2(r.out.contains(QLatin1String("req/s")), qPrintable(describe(r)));  // status lines before it
        QVERIFY(!r.out.contains(QLatin1String("rule p99_latency_ms>60000 (")));
    }

    void watchQuietForDuration()
    {
        auto p = startCtl(m_ws.path(), {QStringLiteral("watch"), m_simUrl, QStringLiteral("--threshold"), QStringLiteral("error_ratio>0.99:for=1m"),
                                        QStringLiteral("--interval"), QStringLiteral("1"), QStringLiteral("--duration"), QStringLiteral("3")});
        runLoads(m_simUrl, {chat(QStringLiteral("gpt-5"), 10)});
        const auto r = finish(*p);
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains(QLatin1String("no threshold breached")), qPrintable(describe(r)));
        QVERIFY(r.out.count(QLatin1String("req/s")) >= 2);

        // --json: one object per line
        p = startCtl(m_ws.path(), {QStringLiteral("watch"), m_simUrl, QStringLiteral("--threshold"), QStringLiteral("error_ratio>0.99"),
                                   QStringLiteral("--interval"), QStringLiteral("0.5"), QStringLiteral("--duration"), QStringLiteral("1.2"),
                                   QStringLiteral("--json")});
        const auto j = finish(*p);
        QVERIFY2(j.code == 0, qPrintable(describe(j)));
        const auto lines = j.rawOut.trimmed().split('\n');
        QVERIFY(lines.size() >= 2);
        for (const auto &line : lines)
            QVERIFY2(QJsonDocument::fromJson(line).isObject(), line.constData());
        QCOMPARE(QJsonDocument::fromJson(lines.last()).object().value(QLatin1String("breached")).toBool(true), false);
    }

    void watchBadSpec()
    {
        auto r = testutil::runCtl(m_ws.path(), {QStringLiteral("watch"), m_simUrl, QStringLiteral("--threshold"), QStringLiteral("error_ratio>>x")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("error_ratio>>x")), qPrintable(describe(r)));
        r = testutil::runCtl(m_ws.path(), {QStringLiteral("watch"), m_simUrl, QStringLiteral("--threshold"),
                                           QStringLiteral("error_ratio>0.01:for=soon")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("\"soon\"")), qPrintable(describe(r)));
        r = testutil::runCtl(m_ws.path(), {QStringLiteral("watch"), m_simUrl, QStringLiteral("--threshold"), QStringLiteral("restore_p99_ms>500")});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QLatin1String("restore_p99_ms")) && r.err.contains(QLatin1String("not computed from a scrape")),
                 qPrintable(describe(r)));
        r = testutil::runCtl(m_ws.path(), {QStringLiteral("watch"), m_simUrl});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains(QLatin1String("--threshold")));
    }

    void watchTargetDown()
    {
        quint16 port;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            port = probe.serverPort();
        }
        const QString url = QStringLiteral("http://127.0.0.1:%1/metrics").arg(port);
        const auto r = testutil::runCtl(m_ws.path(), {QStringLiteral("watch"), url, QStringLiteral("--threshold"), QStringLiteral("error_ratio>0.01"),
                                                      QStringLiteral("--interval"), QStringLiteral("0.5"), QStringLiteral("--duration"),
                                                      QStringLiteral("1.5")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QLatin1String("down for the whole watch")) && r.err.contains(url)
                     && r.err.contains(QLatin1String("connection refused")),
                 qPrintable(describe(r)));
        QVERIFY(r.out.contains(QLatin1String("target down")));
    }

    void watchInterruptedExits130()
    {
        auto p = startCtl(m_ws.path(), {QStringLiteral("watch"), m_simUrl, QStringLiteral("--threshold"), QStringLiteral("error_ratio>0.99"),
                                        QStringLiteral("--interval"), QStringLiteral("0.5")});
        QByteArray out;
        QVERIFY(QTest::qWaitFor(
            [&] {
                out += p->readAllStandardOutput();
                return out.contains("req/s") || p->state() == QProcess::NotRunning;
            },
            15000));
        QVERIFY(p->state() == QProcess::Running);
        ::kill(pid_t(p->processId()), SIGINT);
        const auto r = finish(*p, 10000);
        QVERIFY2(r.code == 130, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QLatin1String("interrupted")), qPrintable(describe(r)));
    }
};

QTEST_GUILESS_MAIN(TestCliMetrics)
#include "tst_cli_metrics.moc"
