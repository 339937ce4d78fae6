// Scraper against a tiny local HTTP server (QTcpServer, port 0): 200, 500, timeout, refused,
// auth header, size limit, at most one request in flight on an interval; then the project's
// ccproxy Simulator, whose /metrics must parse without problems.
#include "metrics/MonitorEngine.h"
#include "metrics/PromApiClient.h"
#include "metrics/Scraper.h"
#include "proxy/Simulator.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QtTest/QtTest>

using namespace codex::metrics;

namespace {
/// Answers GET PATH: /metrics (exposition), /500, /hang (never), /auth (needs "Bearer s3cret"),
/// /big (2 MB), /slow (after 150 ms). Counts requests and the highest number in flight at once.
class TinyServer : public QObject {
public:
    QTcpServer server;
    int requests = 0;
    int inFlight = 0;
    int maxInFlight = 0;
    QByteArray lastAuth;
    QByteArray lastMethod, lastTarget, lastBody;
    QList<QTcpSocket *> hanging;

    TinyServer()
    {
        server.listen(QHostAddress::LocalHost, 0);
        connect(&server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = server.nextPendingConnection()) {
                auto buf = std::make_shared<QByteArray>();
                connect(s, &QTcpSocket::readyRead, this, [this, s, buf] {
                    *buf += s->readAll();
                    for (;;) {
                        const int end = buf->indexOf("\r\n\r\n");
                        if (end < 0)
                            return;
                        const QByteArray head = buf->left(end);
                        int length = 0;
                        for (const QByteArray &line : head.split('\n'))
                            if (line.toLower().startsWith("content-length:"))
                                length = line.mid(15).trimmed().toInt();
                        if (buf->size() < end + 4 + length)
                            return;
                        lastBody = buf->mid(end + 4, length);
                        buf->remove(0, end + 4 + length);
                        handle(s, head);
                    }
                });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
    QString url(const char *path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(server.serverPort()).arg(QLatin1String(path)); }

    void reply(QTcpSocket *s, int status, const QByteArray &body)
    {
        s->write("HTTP/1.1 " + QByteArray::number(status) + (status == 200 ? " OK" : " Error")
                 + "\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " + QByteArray::number(body.size())
                 + "\r\n\r\n" + body);
        --inFlight;
    }

    void handle(QTcpSocket *s, const QByteArray &head)
    {
        ++requests;
        ++inFlight;
        maxInFlight = std::max(maxInFlight, inFlight);
        lastMethod = head.split(' ').value(0);
        lastTarget = head.split(' ').value(1);
        const QByteArray path = lastTarget.split('?').value(0);
        lastAuth.clear();
        for (const QByteArray &line : head.split('\n'))
            if (line.toLower().startsWith("authorization:"))
                lastAuth = line.mid(14).trimmed();
        if (path == "/metrics")
            reply(s, 200, "# TYPE up gauge\nup 1\nbad line here\n");
        else if (path == "/500")
            reply(s, 500, QByteArray("internal trouble: ") + QByteArray(400, 'x'));
        else if (path == "/hang")
            hanging << s;
        else if (path == "/auth")
            reply(s, lastAuth == "Bearer s3cret" ? 200 : 401, lastAuth == "Bearer s3cret" ? "ok 1\n" : "unauthorized");
        else if (path == "/big")
            reply(s, 200, QByteArray(2 * 1024 * 1024, '#'));
        else if (path == "/api/v1/query" || path == "/api/v1/query_range")
            reply(s, 200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"endpoint":"/a"},"value":[1700000000.5,"2.5"]}]}})");
        else if (path == "/api/v1/label/__name__/values")
            reply(s, 200, R"({"status":"success","data":["ccproxy_requests_total","up"]})");
        else if (path == "/bad/api/v1/query")
            reply(s, 400, "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter \\\"query\\\": 1:6: parse error: unexpected <EOF>\"}");
        else if (path == "/slow")
            QTimer::singleShot(150, s, [this, s] { reply(s, 200, "up 1\n"); });
        else
            reply(s, 404, "no such page");
    }
};
}  // namespace

class TstScraper : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void okAndProblemsKept()
    {
        TinyServer srv;
        ScrapeTarget t;
        t.url = QUrl(srv.url("/metrics"));
        const ScrapeResult r = Scraper::fetch(t);
        QVERIFY2(r.ok, qPrintable(r.error));
        QCOMPARE(r.status, 200);
        QVERIFY(r.atMs > 0);
        QCOMPARE(r.exposition.scrapedAtMs, r.atMs);
        QVERIFY(r.exposition.family(QStringLiteral("up")));
        QCOMPARE(r.exposition.problems.size(), 1);
        QCOMPARE(r.exposition.problems[0].line, 3);
    }

    void http500()
    {
        TinyServer srv;
        ScrapeTarget t;
        t.url = QUrl(srv.url("/500"));
        const ScrapeResult r = Scraper::fetch(t);
        QVERIFY(!r.ok);
        QCOMPARE(r.status, 500);
        QCOMPARE(r.error, QStringLiteral("HTTP 500: internal trouble: ") + QString(200 - 18, QLatin1Char('x')));
    }

    void timeoutNamesHostAndPort()
    {
        TinyServer srv;
        ScrapeTarget t;
        t.url = QUrl(srv.url("/hang"));
        t.timeoutMs = 300;
        const ScrapeResult r = Scraper::fetch(t);
        QVERIFY(!r.ok);
        QCOMPARE(r.error, QStringLiteral("timeout after 300 ms waiting for 127.0.0.1:%1").arg(srv.server.serverPort()));
        QVERIFY(r.durationMs >= 250);
    }

    void connectionRefused()
    {
        quint16 port;
        {
            QTcpServer s;
            QVERIFY(s.listen(QHostAddress::LocalHost, 0));
            port = s.serverPort();
        }
        ScrapeTarget t;
        t.url = QUrl(QStringLiteral("http://127.0.0.1:%1/metrics").arg(port));
        const ScrapeResult r = Scraper::fetch(t);
        QVERIFY(!r.ok);
        QCOMPARE(r.error, QStringLiteral("connection refused by 127.0.0.1:%1").arg(port));
    }

    void authHeaderAndSizeLimit()
    {
        TinyServer srv;
        ScrapeTarget t;
        t.url = QUrl(srv.url("/auth"));
        ScrapeResult r = Scraper::fetch(t);
        QVERIFY(!r.ok);
        QCOMPARE(r.error, QStringLiteral("HTTP 401: unauthorized"));
        t.authHeader = "Bearer s3cret";
        r = Scraper::fetch(t);
        QVERIFY2(r.ok, qPrintable(r.error));
        QCOMPARE(srv.lastAuth, QByteArray("Bearer s3cret"));

        t.url = QUrl(srv.url("/big"));
        t.authHeader.clear();
        t.maxBytes = 100000;
        r = Scraper::fetch(t);
        QVERIFY(!r.ok);
        QCOMPARE(r.error, QStringLiteral("answer from 127.0.0.1:%1 larger than 100000 bytes").arg(srv.server.serverPort()));
    }

    void intervalKeepsOneInFlight()
    {
        TinyServer srv;
        Scraper s;
        ScrapeTarget t;
        t.url = QUrl(srv.url("/slow"));
        s.setTarget(t);
        QSignalSpy spy(&s, &Scraper::scraped);
        s.start(20);  // much shorter than the 150 ms answer
        QVERIFY(s.isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(spy.size() >= 3, 10000);
        s.stop();
        QVERIFY(!s.isRunning());
        QCOMPARE(srv.maxInFlight, 1);
        QVERIFY(srv.requests <= spy.size() + 1);
        for (const auto &args : spy)
            QVERIFY(args[0].value<ScrapeResult>().ok);
    }

    void apiParseResponse()
    {
        ApiResult r = PromApiClient::parseResponse(200, R"({"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"__name__":"up","job":"ccproxy"},"value":[1700000000.123,"1"]},
            {"metric":{"endpoint":"/a"},"value":[1700000000,"NaN"]},
            {"metric":{"endpoint":"/b"},"value":[1700000000,"+Inf"]},
            {"metric":{"endpoint":"/c"},"value":[1700000000,"-Inf"]}]},"warnings":["careful"]})");
        QVERIFY2(r.ok, qPrintable(r.error));
        QCOMPARE(r.resultType, QStringLiteral("vector"));
        QCOMPARE(r.series.size(), 4);
        QCOMPARE(r.series[0].labels, (Labels{{"__name__", "up"}, {"job", "ccproxy"}}));
        QCOMPARE(r.series[0].points[0].first, Q_INT64_C(1700000000123));
        QCOMPARE(r.series[0].points[0].second, 1.0);
        QVERIFY(std::isnan(r.series[1].points[0].second));
        QVERIFY(std::isinf(r.series[2].points[0].second) && r.series[2].points[0].second > 0);
        QVERIFY(std::isinf(r.series[3].points[0].second) && r.series[3].points[0].second < 0);
        QCOMPARE(r.warnings, QStringList{QStringLiteral("careful")});

        r = PromApiClient::parseResponse(200, R"({"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"endpoint":"/a"},"values":[[1700000000,"1"],[1700000015,"2.5"],[1700000030,"NaN"]]}]}})");
        QVERIFY(r.ok);
        QCOMPARE(r.series[0].points.size(), 3);
        QCOMPARE(r.series[0].points[1].first, Q_INT64_C(1700000015000));
        QCOMPARE(r.series[0].points[1].second, 2.5);

        r = PromApiClient::parseResponse(200, R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"0.25"]}})");
        QVERIFY(r.ok);
        QCOMPARE(r.series.size(), 1);
        QCOMPARE(r.series[0].points[0].second, 0.25);

        r = PromApiClient::parseResponse(400, R"({"status":"error","errorType":"bad_data","error":"1:1: parse error: unexpected character: '!'"})");
        QVERIFY(!r.ok);
        QCOMPARE(r.httpStatus, 400);
        QCOMPARE(r.errorType, QStringLiteral("bad_data"));
        QCOMPARE(r.error, QStringLiteral("1:1: parse error: unexpected character: '!'"));

        r = PromApiClient::parseResponse(502, "<html>Bad Gateway</html>");
        QVERIFY(!r.ok);
        QCOMPARE(r.errorType, QStringLiteral("http"));
        QCOMPARE(r.error, QStringLiteral("HTTP 502: <html>Bad Gateway</html>"));
        r = PromApiClient::parseResponse(200, R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x"]}]}})");
        QVERIFY(!r.ok);
        QCOMPARE(r.error, QStringLiteral("malformed vector result: a value is not [time, \"value\"]"));
    }

    void apiClientRequests()
    {
        TinyServer srv;
        PromApiClient c;
        c.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(srv.server.serverPort())));
        const QString q = codex::metrics::MetricNaming::preset(QStringLiteral("ccproxy"))->errorRateQuery();
        ApiResult r = c.querySync(q, 1700000000500);
        QVERIFY2(r.ok, qPrintable(r.error));
        QCOMPARE(srv.lastMethod, QByteArray("GET"));
        QCOMPARE(QUrl::fromPercentEncoding(srv.lastTarget),
                 QStringLiteral("/api/v1/query?query=") + q + QStringLiteral("&time=1700000000.500"));
        QVERIFY(srv.lastTarget.contains("%2B") || !q.contains(QLatin1Char('+')));
        QCOMPARE(r.series[0].points[0].second, 2.5);

        // a long query goes as a form-encoded POST
        const QString longQ = QStringLiteral("sum(%1)").arg(QStringList(200, q).join(QStringLiteral(" + ")));
        r = c.queryRangeSync(longQ, 1700000000000, 1700000060000, 15);
        QVERIFY2(r.ok, qPrintable(r.error));
        QCOMPARE(srv.lastMethod, QByteArray("POST"));
        QVERIFY(srv.lastBody.startsWith("query=sum%28rate%28ccproxy_requests_total"));
        QVERIFY(srv.lastBody.contains("%2B"));  // '+' encoded, not read as a blank
        QVERIFY(srv.lastBody.endsWith("&start=1700000000.000&end=1700000060.000&step=15"));

        QString err;
        QCOMPARE(c.metricNamesSync(&err), QStringList({QStringLiteral("ccproxy_requests_total"), QStringLiteral("up")}));

        c.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1/bad").arg(srv.server.serverPort())));
        r = c.querySync(QStringLiteral("rate("));
        QVERIFY(!r.ok);
        QCOMPARE(r.httpStatus, 400);
        QCOMPARE(r.errorType, QStringLiteral("bad_data"));
        QCOMPARE(r.error, QStringLiteral("invalid parameter \"query\": 1:6: parse error: unexpected <EOF>"));

        quint16 port;
        {
            QTcpServer s;
            QVERIFY(s.listen(QHostAddress::LocalHost, 0));
            port = s.serverPort();
        }
        c.setBaseUrl(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)));
        r = c.querySync(QStringLiteral("up"));
        QCOMPARE(r.errorType, QStringLiteral("network"));
        QCOMPARE(r.error, QStringLiteral("connection refused by 127.0.0.1:%1").arg(port));
        QVERIFY(c.metricNamesSync(&err).isEmpty());
        QCOMPARE(err, QStringLiteral("network: connection refused by 127.0.0.1:%1").arg(port));
    }

    void namingQueries()
    {
        const auto real = *codex::metrics::MetricNaming::preset(QStringLiteral("ccproxy"));
        QCOMPARE(real.requestRateQuery(), QStringLiteral("rate(ccproxy_requests_total{service_type=\"codex\"}[5m])"));
        QCOMPARE(real.errorRateQuery(), QStringLiteral("rate(ccproxy_requests_total{service_type=\"codex\", status=~\"5..\"}[5m])"));
        QCOMPARE(real.latencyQuery(),
                 QStringLiteral("histogram_quantile(0.95, rate(ccproxy_response_duration_seconds_bucket{service_type=\"codex\"}[5m]))"));
        const auto seed = *codex::metrics::MetricNaming::preset(QStringLiteral("seed"));
        QCOMPARE(seed.requestRateQuery(), QStringLiteral("rate(request_count{service_type=\"codex\"}[5m])"));
        QCOMPARE(seed.errorRateQuery(), QStringLiteral("rate(request_count{service_type=\"codex\",status_code=~\"5..\"}[5m])"));
        QCOMPARE(seed.latencyQuery(),
                 QStringLiteral("histogram_quantile(0.95, rate(request_duration_seconds_bucket{service_type=\"codex\"}[5m]))"));
        auto custom = real;
        custom.serviceValue.clear();
        QCOMPARE(custom.errorRateQuery(QStringLiteral("1m")), QStringLiteral("rate(ccproxy_requests_total{status=~\"5..\"}[1m])"));
        QCOMPARE(custom.latencyQuery(0.5, QStringLiteral("1m")),
                 QStringLiteral("histogram_quantile(0.5, rate(ccproxy_response_duration_seconds_bucket[1m]))"));
        QString err;
        auto back = codex::metrics::MetricNaming::fromJson(seed.toJson(), &err);
        QVERIFY2(back, qPrintable(err));
        QCOMPARE(back->toJson(), seed.toJson());
        QVERIFY(!codex::metrics::MetricNaming::fromJson(QJsonObject{{"id", "x"}}, &err));
        QCOMPARE(err, QStringLiteral("metric naming: missing \"requestsCounter\""));
        QVERIFY(!codex::metrics::MetricNaming::preset(QStringLiteral("nope")));
        QCOMPARE(codex::metrics::MetricNaming::presets().size(), 2);
    }

    void simulatorMetricsParse()
    {
        codex::proxy::Simulator sim;
        QString err;
        QVERIFY2(sim.listen(QHostAddress::LocalHost, 0, &err), qPrintable(err));
        // some traffic first, so the counters and histograms have series
        QNetworkAccessManager nam;
        for (int i = 0; i < 3; ++i) {
            QNetworkRequest req(QUrl(sim.baseUrl() + QStringLiteral("/codex/v1/responses")));
            req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
            QNetworkReply *rep = nam.post(req, R"({"model":"gpt-5","input":"hello","stream":false})");
            QSignalSpy done(rep, &QNetworkReply::finished);
            QVERIFY(done.wait(10000));
            rep->deleteLater();
        }
        ScrapeTarget t;
        t.url = QUrl(sim.baseUrl() + QStringLiteral("/metrics"));
        const ScrapeResult r = Scraper::fetch(t);
        QVERIFY2(r.ok, qPrintable(r.error));
        QStringList problems;
        for (const auto &p : r.exposition.problems)
            problems << p.message;
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
        QVERIFY2(r.exposition.family(QStringLiteral("ccproxy_requests_total")),
                 qPrintable(r.exposition.familyNames().join(QStringLiteral(", "))));
        MonitorEngine eng;
        eng.addScrape(r);
        QVERIFY2(eng.noMatchReport().isEmpty(), qPrintable(eng.noMatchReport()));
    }
};

QTEST_GUILESS_MAIN(TstScraper)
#include "tst_scraper.moc"
