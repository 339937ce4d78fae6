// EndpointClient against the local Simulator and against small servers made here for the network
// failures: connection refused, DNS failure, timeout, TLS (self-signed certificate made at test
// time), plus the Simulator's X-Sim-Fault switches (HTTP errors, bodies that are not JSON, cut,
// endless and huge streams, invalid UTF-8, bad tool-call arguments) and streaming timing.
#include "proxy/EndpointClient.h"
#include "proxy/EndpointStore.h"
#include "proxy/ProxyProfile.h"
#include "proxy/SecretStore.h"
#include "proxy/Simulator.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest/QtTest>

#include <functional>
#include <memory>

using namespace codex::proxy;

namespace {

/// A minimal HTTP/1.1 server: collects one request per connection, then calls the handler.
class TinyServer : public QTcpServer {
public:
    using Handler = std::function<void(QTcpSocket *, const QByteArray &request)>;
    Handler handler;
    QList<QByteArray> requests;

    explicit TinyServer(Handler h) : handler(std::move(h))
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = nextPendingConnection()) {
                auto buf = std::make_shared<QByteArray>();
                connect(s, &QTcpSocket::readyRead, s, [this, s, buf] {
                    buf->append(s->readAll());
                    const qsizetype end = buf->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    qsizetype length = 0;
                    for (const QByteArray &line : buf->left(end).split('\n'))
                        if (line.toLower().startsWith("content-length:"))
                            length = line.mid(15).trimmed().toLongLong();
                    if (buf->size() < end + 4 + length)
                        return;
                    requests.append(*buf);
                    const QByteArray req = *buf;
                    buf->clear();
                    handler(s, req);
                });
            }
        });
    }
    QString base() const { return QStringLiteral("http://127.0.0.1:%1").arg(serverPort()); }
};

QByteArray httpResponse(int status, const QByteArray &contentType, const QByteArray &body)
{
    return "HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: " + contentType + "\r\nContent-Length: " +
           QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

QByteArray headerOf(const QByteArray &request, const QByteArray &name)
{
    for (const QByteArray &line : request.left(request.indexOf("\r\n\r\n")).split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
            return line.mid(colon + 1).trimmed();
    }
    return {};
}

QByteArray responsesBody(bool stream, const QByteArray &text = "Please tell me a short story about a cat")
{
    return "{\"model\":\"gpt-5\",\"stream\":" + QByteArray(stream ? "true" : "false") +
           ",\"input\":[{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"" + text + "\"}]}]}";
}

QByteArray chatBody(bool stream, bool tools = false)
{
    QByteArray b = "{\"model\":\"gpt-5\",\"stream\":" + QByteArray(stream ? "true" : "false") +
                   ",\"messages\":[{\"role\":\"user\",\"content\":\"What is the weather in Berlin and a few more words\"}]";
    if (tools)
        b += ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"weather\","
             "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";
    return b + "}";
}

ProxyRequest post(const QString &path, const QByteArray &body, const QByteArray &fault = {})
{
    ProxyRequest r;
    r.method = "POST";
    r.path = path;
    r.body = body;
    if (!fault.isEmpty())
        r.headers.append(qMakePair(QByteArray("X-Sim-Fault"), fault));
    return r;
}

QList<QByteArray> testutilReadLines(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QList<QByteArray> lines = f.readAll().split('\n');
    while (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

}  // namespace

class TestEndpointClient : public QObject {
    Q_OBJECT

    std::unique_ptr<SecretStore> m_secrets;
    std::unique_ptr<EndpointClient> m_client;
    std::unique_ptr<Simulator> m_sim;
    Environment m_simEnv;

private Q_SLOTS:
    void initTestCase()
    {
        m_secrets = std::make_unique<SecretStore>();
        m_secrets->setKeychainDisabled(true);
        m_client = std::make_unique<EndpointClient>(m_secrets.get());
        m_sim = std::make_unique<Simulator>();
        QString err;
        QVERIFY2(m_sim->listen(QHostAddress::LocalHost, 0, &err), qPrintable(err));
        m_simEnv.name = QStringLiteral("simulator");
        m_simEnv.baseUrl = QUrl(m_sim->baseUrl());
        m_simEnv.timeoutMs = 10000;
    }

    void cleanupTestCase()
    {
        m_client.reset();
        m_sim.reset();
    }


    // ---- profiles, types, secrets, store (no network) ----

    void profilePresets()
    {
        const QList<ProxyProfile> presets = ProxyProfile::presets();
        QCOMPARE(presets.size(), 3);
        QCOMPARE(presets[0].id, QStringLiteral("fork"));
        QCOMPARE(presets[1].id, QStringLiteral("legacy"));
        QCOMPARE(presets[2].id, QStringLiteral("current"));
        const ProxyProfile fork = presets[0], legacy = presets[1], current = presets[2];
        QCOMPARE(fork.responsesPath, QStringLiteral("/codex/responses"));
        QCOMPARE(fork.chatPath, QStringLiteral("/codex/chat/completions"));
        QCOMPARE(fork.sessionResponsesPath, QStringLiteral("/codex/{session_id}/responses"));
        QCOMPARE(fork.sessionChatPath, QStringLiteral("/codex/{session_id}/chat/completions"));
        QVERIFY(fork.modelsPath.isEmpty());
        QVERIFY(fork.responsesWrapsCompletedEvent && fork.knownBufferedStreaming);
        QCOMPARE(legacy.responsesPath, QStringLiteral("/codex/responses"));
        QCOMPARE(legacy.sessionResponsesPath, QStringLiteral("/codex/{session_id}/responses"));
        QVERIFY(legacy.sessionChatPath.isEmpty());
        QVERIFY(legacy.knownBufferedStreaming);
        QCOMPARE(current.responsesPath, QStringLiteral("/codex/v1/responses"));
        QCOMPARE(current.chatPath, QStringLiteral("/codex/v1/chat/completions"));
        QCOMPARE(current.modelsPath, QStringLiteral("/codex/v1/models"));
        QVERIFY(current.sessionResponsesPath.isEmpty() && current.sessionChatPath.isEmpty());
        QVERIFY(!current.responsesWrapsCompletedEvent && !current.knownBufferedStreaming);
        for (const ProxyProfile &p : presets) {
            QCOMPARE(p.healthPath, QStringLiteral("/health"));
            QCOMPARE(p.metricsPath, QStringLiteral("/metrics"));
            QCOMPARE(p.sessionHeader, QStringLiteral("session_id"));
            QString err;
            const auto back = ProxyProfile::fromJson(p.toJson(), &err);
            QVERIFY2(back.has_value(), qPrintable(err));
            QCOMPARE(back->toJson(), p.toJson());
        }
        QCOMPARE(fork.sessionPath(fork.sessionResponsesPath, QStringLiteral("abc-1")), QStringLiteral("/codex/abc-1/responses"));
        QCOMPARE(fork.sessionPath(fork.sessionChatPath, QStringLiteral("a b/c")), QStringLiteral("/codex/a%20b%2Fc/chat/completions"));
        QVERIFY(!ProxyProfile::preset(QStringLiteral("nope")).has_value());

        QString err;
        QVERIFY(!ProxyProfile::fromJson(QJsonObject{{QStringLiteral("label"), QStringLiteral("x")}}, &err));
        QVERIFY(err.contains(QLatin1String("\"id\"")));
        QVERIFY(!ProxyProfile::fromJson(QJsonObject{{QStringLiteral("id"), QStringLiteral("x")}, {QStringLiteral("chatPath"), QStringLiteral("codex/chat")}}, &err));
        QVERIFY2(err.contains(QLatin1String("chatPath")) && err.contains(QLatin1String("'/'")), qPrintable(err));
        QVERIFY(!ProxyProfile::fromJson(QJsonObject{{QStringLiteral("id"), QStringLiteral("x")}, {QStringLiteral("sessionResponsesPath"), QStringLiteral("/codex/s/responses")}}, &err));
        QVERIFY(err.contains(QLatin1String("{session_id}")));
        QVERIFY(!ProxyProfile::fromJson(QJsonObject{{QStringLiteral("id"), QStringLiteral("x")}, {QStringLiteral("knownBufferedStreaming"), QStringLiteral("yes")}}, &err));
    }

    void typesJsonAndTemplates()
    {
        Environment e;
        e.name = QStringLiteral("staging");
        e.baseUrl = QUrl(QStringLiteral("https://proxy.example.org:8443"));
        e.profileId = QStringLiteral("current");
        e.headers.append(qMakePair(QByteArray("X-Team"), QByteArray("ops")));
        e.headers.append(qMakePair(QByteArray("Authorization"), QByteArray("Bearer hand-typed-secret")));
        e.tokenRef = QStringLiteral("env:STAGING_TOKEN");
        e.timeoutMs = 1234;
        e.acceptedCertSha256 = {QStringLiteral("ab12")};
        const QJsonObject ej = e.toJson();
        QVERIFY(!QJsonDocument(ej).toJson().contains("hand-typed-secret"));
        const Environment e2 = Environment::fromJson(ej);
        QCOMPARE(e2.name, e.name);
        QCOMPARE(e2.baseUrl, e.baseUrl);
        QCOMPARE(e2.profileId, e.profileId);
        QCOMPARE(e2.tokenRef, e.tokenRef);
        QCOMPARE(e2.timeoutMs, 1234);
        QCOMPARE(e2.acceptedCertSha256, e.acceptedCertSha256);
        QCOMPARE(e2.headers.first().second, QByteArray("ops"));

        ProxyRequest r;
        r.name = QStringLiteral("basic");
        r.method = "POST";
        r.path = QStringLiteral("/codex/${session}/responses");
        r.body = "{\"model\":\"${model}\"}";
        r.timeoutMs = 500;
        r.sendAuth = false;
        const ProxyRequest r2 = ProxyRequest::fromJson(r.toJson());
        QCOMPARE(r2.name, r.name);
        QCOMPARE(r2.path, r.path);
        QCOMPARE(r2.body, r.body);
        QCOMPARE(r2.timeoutMs, 500);
        QCOMPARE(r2.sendAuth, false);
        QCOMPARE(r2.maxBodyBytes, r.maxBodyBytes);

        qputenv("CODEX_ADMIN_TEST_VAR", "from-env");
        QStringList missing;
        const QString out = expandTemplate(QStringLiteral("/a/${session}/${model}/${env:CODEX_ADMIN_TEST_VAR}/${unknown}/${env:CODEX_ADMIN_NOPE}/${"),
                                           {{QStringLiteral("session"), QStringLiteral("s1")}, {QStringLiteral("model"), QStringLiteral("gpt-5")}}, &missing);
        QCOMPARE(out, QStringLiteral("/a/s1/gpt-5/from-env/${unknown}/${env:CODEX_ADMIN_NOPE}/${"));
        QCOMPARE(missing, QStringList({QStringLiteral("unknown"), QStringLiteral("env:CODEX_ADMIN_NOPE")}));

        QCOMPARE(callErrorName(CallError::HostNotFound), QStringLiteral("DNS failure"));
        QCOMPARE(callErrorName(CallError::Timeout), QStringLiteral("timeout"));

        RequestTiming t;
        t.totalMs = 1000;
        t.firstTokenMs = 950;
        t.tokens = 10;
        QVERIFY(t.looksBuffered(5));
        QVERIFY(!t.looksBuffered(2));
        QCOMPARE(t.tokensPerSecond(), 200.0);
        t.firstTokenMs = 100;
        QVERIFY(!t.looksBuffered(5));
        t.totalMs = 40;
        t.firstTokenMs = 39;
        QVERIFY(!t.looksBuffered(5));  // too short to tell
        t.firstTokenMs = -1;
        t.totalMs = 500;
        QCOMPARE(t.tokensPerSecond(), 20.0);
        QVERIFY(t.toJson().value(QStringLiteral("firstTokenMs")).isNull());

        ProxyResponse resp;
        resp.headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/json")));
        QCOMPARE(resp.header("content-type"), QByteArray("application/json"));
        resp.requestHeaders.append(qMakePair(QByteArray("Authorization"), QByteArray("Bearer leaked-if-wrong")));
        resp.body = QByteArray(100 * 1024, 'x');
        const QJsonObject rj = resp.toJson();
        const QByteArray text = QJsonDocument(rj).toJson();
        QVERIFY(!text.contains("leaked-if-wrong"));
        QVERIFY(text.contains("Bearer ***"));
        QCOMPARE(rj.value(QStringLiteral("body")).toString().size(), 64 * 1024);
        QVERIFY(rj.value(QStringLiteral("bodyCut")).toBool());
    }

    void secretsWithoutKeychain()
    {
        SecretStore s;
        s.setKeychainDisabled(true);
        QVERIFY(!s.keychainAvailable());
        QVERIFY(s.keychainStatus().startsWith(QLatin1String("no keychain")));
        QString err;
        const QString ref = s.store(QStringLiteral("staging"), QStringLiteral("tok-abcdef"), &err);
        QCOMPARE(ref, QStringLiteral("session:staging"));
        QCOMPARE(s.token(ref), QStringLiteral("tok-abcdef"));
        QCOMPARE(s.redact(QStringLiteral("sent tok-abcdef to x; Authorization: Bearer other-secret")).count(QLatin1String("tok-abcdef")), 0);
        s.forget(ref);
        QVERIFY(s.token(ref, &err).isEmpty());
        QVERIFY2(err.contains(QLatin1String("staging")), qPrintable(err));
        qputenv("CODEX_ADMIN_TEST_TOKEN", "env-token-xyz");
        QCOMPARE(s.token(QStringLiteral("env:CODEX_ADMIN_TEST_TOKEN")), QStringLiteral("env-token-xyz"));
        QCOMPARE(s.redact(QStringLiteral("a env-token-xyz b")), QStringLiteral("a *** b"));
        QVERIFY(s.token(QStringLiteral("env:CODEX_ADMIN_TEST_MISSING"), &err).isEmpty());
        QCOMPARE(err, QStringLiteral("env var CODEX_ADMIN_TEST_MISSING is not set"));
        QVERIFY(s.token(QStringLiteral("keychain:x"), &err).isEmpty());
        QVERIFY(err.startsWith(QLatin1String("no keychain")));
        QVERIFY(s.token(QStringLiteral("weird"), &err).isEmpty());
        QVERIFY(err.contains(QLatin1String("unknown token reference")));
    }

    void keychainProbeIsBounded()
    {
        // This machine has no D-Bus session bus (or one without a Secret Service): the probe must
        // answer quickly either way.
        SecretStore s;
        QElapsedTimer t;
        t.start();
        const bool available = s.keychainAvailable();
        QVERIFY2(t.elapsed() < 5000, qPrintable(QStringLiteral("probe took %1 ms").arg(t.elapsed())));
        if (!available)
            QVERIFY2(s.keychainStatus().startsWith(QLatin1String("no keychain: ")), qPrintable(s.keychainStatus()));
        QString err;
        const QString ref = s.store(QStringLiteral("probe-test"), QStringLiteral("value-123456"), &err);
        QVERIFY(ref == QStringLiteral("session:probe-test") || ref == QStringLiteral("keychain:probe-test"));
        QCOMPARE(s.token(ref), QStringLiteral("value-123456"));
        s.forget(ref);
        QVERIFY(t.elapsed() < 15000);
    }

    void endpointStore()
    {
        QTemporaryDir dir;
        const QString codexDir = dir.filePath(QStringLiteral(".codex"));
        EndpointStore store(codexDir);
        QString err;
        QVERIFY(store.load(&err));  // absent: defaults
        QCOMPARE(store.environments.size(), 1);
        QCOMPARE(store.environments.first().name, QStringLiteral("local ccproxy"));
        QCOMPARE(store.environments.first().baseUrl, QUrl(QStringLiteral("http://127.0.0.1:8000")));

        SecretStore secrets;
        secrets.setKeychainDisabled(true);
        const QString token = QStringLiteral("never-on-disk-7f3a9");
        Environment env;
        env.name = QStringLiteral("staging");
        env.baseUrl = QUrl(QStringLiteral("https://staging.example.org"));
        env.tokenRef = secrets.store(env.name, token);
        env.headers.append(qMakePair(QByteArray("Authorization"), QByteArray("Bearer ") + token.toUtf8()));
        store.environments.append(env);
        ProxyRequest saved;
        saved.name = QStringLiteral("hello");
        saved.path = QStringLiteral("/codex/responses");
        saved.body = "{\"model\":\"gpt-5\"}";
        saved.headers.append(qMakePair(QByteArray("x-api-key"), token.toUtf8()));
        store.savedRequests.append(saved);
        ProxyProfile custom = *ProxyProfile::preset(QStringLiteral("current"));
        custom.id = QStringLiteral("internal-v2");
        custom.responsesPath = QStringLiteral("/api/codex/v1/responses");
        store.customProfiles.append(custom);
        QVERIFY2(store.save(&err), qPrintable(err));

        EndpointStore again(codexDir);
        QVERIFY2(again.load(&err), qPrintable(err));
        QCOMPARE(again.environments.size(), 2);
        QCOMPARE(again.environments[1].tokenRef, QStringLiteral("session:staging"));
        QCOMPARE(again.savedRequests.size(), 1);
        QCOMPARE(again.savedRequests.first().body, saved.body);
        QVERIFY(again.profile(QStringLiteral("internal-v2")).has_value());
        QCOMPARE(again.profile(QStringLiteral("internal-v2"))->responsesPath, QStringLiteral("/api/codex/v1/responses"));
        QVERIFY(again.profile(QStringLiteral("fork")).has_value());

        // History: newest first, capped, token never written.
        for (int i = 0; i < 650; ++i) {
            ProxyResponse r;
            r.environment = env.name;
            r.method = "POST";
            r.url = QUrl(QStringLiteral("https://staging.example.org/codex/responses"));
            r.status = 200 + (i % 2);
            r.requestHeaders.append(qMakePair(QByteArray("Authorization"), QByteArray("Bearer ***")));
            r.requestBody = "{\"n\":" + QByteArray::number(i) + "}";
            r.body = "{\"answer\":" + QByteArray::number(i) + "}";
            r.errorString = QStringLiteral("Authorization: Bearer ") + token;  // even a careless message
            QVERIFY2(store.appendHistory(r, &err), qPrintable(err));
        }
        const QList<QJsonObject> h = store.history();
        QVERIFY(h.size() <= 500 + 100);
        QVERIFY(h.size() >= 500);
        QVERIFY(h.first().value(QStringLiteral("body")).toString().contains(QLatin1String("649")));
        QCOMPARE(store.history(3).size(), 3);
        // The file is rewritten when it exceeds 600 lines.
        const QList<QByteArray> lines = testutilReadLines(store.historyPath());
        QVERIFY2(lines.size() <= 600, qPrintable(QString::number(lines.size())));
        // Malformed lines are skipped.
        {
            QFile f(store.historyPath());
            QVERIFY(f.open(QIODevice::Append));
            f.write("{broken json\n");
        }
        QCOMPARE(store.history(1).first().value(QStringLiteral("body")).toString(), QStringLiteral("{\"answer\":649}"));

        for (const QString &path : {store.filePath(), store.historyPath()}) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray all = f.readAll();
            QVERIFY2(!all.contains(token.toUtf8()), qPrintable(path));
        }

        // Malformed file: error with line and column, file not overwritten.
        const QByteArray broken = "{\n  \"environments\": [\n    {\"name\": \"x\",, }\n  ]\n}\n";
        {
            QFile f(store.filePath());
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(broken);
        }
        EndpointStore bad(codexDir);
        QVERIFY(!bad.load(&err));
        QVERIFY2(err.contains(QLatin1String("line 3, column")), qPrintable(err));
        QVERIFY(err.contains(QLatin1String("endpoints.json")));
        QFile f(store.filePath());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), broken);

        // Wrong types are named.
        {
            QFile w(store.filePath());
            QVERIFY(w.open(QIODevice::WriteOnly | QIODevice::Truncate));
            w.write("{\"environments\": {}}");
        }
        QVERIFY(!bad.load(&err));
        QVERIFY2(err.contains(QLatin1String("\"environments\" must be an array")), qPrintable(err));
    }

    // ---- request building, on a server that records what it got ----

    void requestHeadersAuthAndUrl()
    {
        TinyServer server([](QTcpSocket *s, const QByteArray &) { s->write(httpResponse(200, "application/json", "{\"ok\":true}")); });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        const QString ref = m_secrets->store(QStringLiteral("tiny"), QStringLiteral("s3cr3t-token-value"));
        QCOMPARE(ref, QStringLiteral("session:tiny"));
        Environment env;
        env.name = QStringLiteral("tiny");
        env.baseUrl = QUrl(server.base() + QStringLiteral("/"));
        env.headers.append(qMakePair(QByteArray("X-Env"), QByteArray("1")));
        env.tokenRef = ref;
        ProxyRequest req = post(QStringLiteral("codex/responses?x=1"), responsesBody(true));
        req.headers.append(qMakePair(QByteArray("X-Req"), QByteArray("2")));
        const ProxyResponse r = m_client->run(env, req);
        QCOMPARE(int(r.error), int(CallError::None));
        QCOMPARE(r.status, 200);
        QVERIFY(r.ok());
        QCOMPARE(server.requests.size(), 1);
        const QByteArray got = server.requests.first();
        QVERIFY2(got.startsWith("POST /codex/responses?x=1 HTTP/1.1\r\n"), got.constData());
        QCOMPARE(headerOf(got, "Authorization"), QByteArray("Bearer s3cr3t-token-value"));
        QCOMPARE(headerOf(got, "X-Env"), QByteArray("1"));
        QCOMPARE(headerOf(got, "X-Req"), QByteArray("2"));
        QCOMPARE(headerOf(got, "Content-Type"), QByteArray("application/json"));
        QCOMPARE(headerOf(got, "Accept"), QByteArray("text/event-stream"));
        // Nothing the app keeps or writes holds the token.
        const QByteArray json = QJsonDocument(r.toJson()).toJson();
        QVERIFY(!json.contains("s3cr3t"));
        QVERIFY(json.contains("Bearer ***"));
        QVERIFY(!r.url.toString().contains(QLatin1String("s3cr3t")));
        QCOMPARE(r.assembled.finalObject().value(QStringLiteral("ok")).toBool(), true);
        QVERIFY(r.timing.ttfbMs >= 0 && r.timing.totalMs >= r.timing.ttfbMs);
        QVERIFY(r.timing.connectMs >= 0);

        // sendAuth = false: deliberately without the token; no body: no Content-Type, no Accept.
        ProxyRequest get;
        get.method = "GET";
        get.path = server.base() + QStringLiteral("/health");  // absolute URL wins over the base
        get.sendAuth = false;
        Environment other = env;
        other.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:1"));
        const ProxyResponse r2 = m_client->run(other, get);
        QCOMPARE(r2.status, 200);
        const QByteArray got2 = server.requests.last();
        QVERIFY(got2.startsWith("GET /health HTTP/1.1"));
        QVERIFY(headerOf(got2, "Authorization").isEmpty());
        QVERIFY(headerOf(got2, "Content-Type").isEmpty());
        QVERIFY(headerOf(got2, "Accept") != "text/event-stream");
    }

    void missingTokenAndBadUrl()
    {
        Environment env;
        env.name = QStringLiteral("needs-token");
        env.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:1"));
        env.tokenRef = QStringLiteral("env:CODEX_ADMIN_TEST_UNSET_TOKEN");
        const ProxyResponse r = m_client->run(env, post(QStringLiteral("/codex/responses"), "{}"));
        QCOMPARE(int(r.error), int(CallError::BadRequest));
        QVERIFY2(r.errorString.contains(QLatin1String("env var CODEX_ADMIN_TEST_UNSET_TOKEN is not set")), qPrintable(r.errorString));

        Environment bad;
        bad.name = QStringLiteral("bad");
        bad.baseUrl = QUrl(QStringLiteral("ftp://example.org"));
        const ProxyResponse r2 = m_client->run(bad, post(QStringLiteral("/x"), "{}"));
        QCOMPARE(int(r2.error), int(CallError::BadRequest));
        QVERIFY2(r2.errorString.contains(QLatin1String("invalid URL")), qPrintable(r2.errorString));
    }

    // ---- network failures ----

    void connectionRefused()
    {
        quint16 port = 0;
        {
            QTcpServer s;
            QVERIFY(s.listen(QHostAddress::LocalHost, 0));
            port = s.serverPort();
        }  // closed: nothing listens there now
        Environment env;
        env.name = QStringLiteral("closed");
        env.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
        const ProxyResponse r = m_client->run(env, post(QStringLiteral("/codex/responses"), "{}"));
        QCOMPARE(int(r.error), int(CallError::ConnectionRefused));
        QCOMPARE(r.status, 0);
        QVERIFY2(r.errorString.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(r.errorString));
        QCOMPARE(callErrorName(r.error), QStringLiteral("connection refused"));
    }

    void dnsFailure()
    {
        Environment env;
        env.name = QStringLiteral("nowhere");
        env.baseUrl = QUrl(QStringLiteral("http://no-such-host.invalid:8000"));
        env.timeoutMs = 20000;
        const ProxyResponse r = m_client->run(env, post(QStringLiteral("/codex/responses"), "{}"));
        QCOMPARE(int(r.error), int(CallError::HostNotFound));
        QVERIFY2(r.errorString.contains(QLatin1String("host 'no-such-host.invalid' not found")), qPrintable(r.errorString));
    }

    void timeout()
    {
        QTcpServer silent;  // accepts, never answers
        QList<QTcpSocket *> keep;
        connect(&silent, &QTcpServer::newConnection, &silent, [&] {
            while (QTcpSocket *s = silent.nextPendingConnection())
                keep.append(s);
        });
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        Environment env;
        env.name = QStringLiteral("silent");
        env.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(silent.serverPort()));
        ProxyRequest req = post(QStringLiteral("/codex/responses"), "{}");
        req.timeoutMs = 300;
        QElapsedTimer t;
        t.start();
        const ProxyResponse r = m_client->run(env, req);
        QCOMPARE(int(r.error), int(CallError::Timeout));
        QVERIFY2(r.errorString == QStringLiteral("no answer from 127.0.0.1:%1 within 300 ms").arg(silent.serverPort()), qPrintable(r.errorString));
        QVERIFY(t.elapsed() < 3000);
        QVERIFY(!keep.isEmpty());
    }

    void tlsSelfSigned()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString key = dir.filePath(QStringLiteral("key.pem")), cert = dir.filePath(QStringLiteral("cert.pem"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"), {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                                                  QStringLiteral("-nodes"), QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert,
                                                  QStringLiteral("-subj"), QStringLiteral("/CN=localhost"), QStringLiteral("-days"), QStringLiteral("1")});
        QVERIFY(openssl.waitForFinished(30000));
        QVERIFY2(openssl.exitCode() == 0, openssl.readAllStandardError().constData());
        const QList<QSslCertificate> certs = QSslCertificate::fromPath(cert);
        QCOMPARE(certs.size(), 1);
        QFile keyFile(key);
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        const QSslKey privateKey(&keyFile, QSsl::Rsa);
        QVERIFY(!privateKey.isNull());
        const QString sha = QString::fromLatin1(certs.first().digest(QCryptographicHash::Sha256).toHex());

        QSslServer server;
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        conf.setLocalCertificate(certs.first());
        conf.setPrivateKey(privateKey);
        conf.setPeerVerifyMode(QSslSocket::VerifyNone);
        server.setSslConfiguration(conf);
        int served = 0;
        auto onConnection = [&] {
            while (QTcpSocket *s = server.nextPendingConnection()) {
                auto buf = std::make_shared<QByteArray>();
                auto answer = [s, buf, &served] {
                    buf->append(s->readAll());
                    if (buf->contains("\r\n\r\n")) {
                        buf->clear();
                        ++served;
                        s->write(httpResponse(200, "application/json", "{\"tls\":true}"));
                    }
                };
                connect(s, &QTcpSocket::readyRead, s, answer);
                if (s->bytesAvailable() > 0)
                    answer();
            }
        };
        // QSslServer queues a connection once its handshake is done (Qt 6.4: pendingConnectionAvailable).
        connect(&server, &QTcpServer::pendingConnectionAvailable, &server, onConnection);
        connect(&server, &QTcpServer::newConnection, &server, onConnection);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        const QString base = QStringLiteral("https://localhost:%1").arg(server.serverPort());

        Environment strict;
        strict.name = QStringLiteral("strict");
        strict.baseUrl = QUrl(base);
        strict.timeoutMs = 10000;
        ProxyRequest get;
        get.method = "GET";
        get.path = QStringLiteral("/health");
        const ProxyResponse r1 = m_client->run(strict, get);
        QCOMPARE(int(r1.error), int(CallError::Tls));
        QCOMPARE(r1.peerCertSha256, sha);
        QVERIFY(!r1.tlsErrors.isEmpty());
        QVERIFY2(r1.errorString.contains(sha) && r1.errorString.contains(QLatin1String("'strict'")), qPrintable(r1.errorString));

        Environment accepting = strict;
        accepting.name = QStringLiteral("accepting");
        accepting.acceptedCertSha256 = {sha.toUpper()};
        const ProxyResponse r2 = m_client->run(accepting, get);
        QVERIFY2(r2.error == CallError::None, qPrintable(r2.errorString));
        QCOMPARE(r2.status, 200);
        QVERIFY(r2.body.contains("\"tls\":true"));

        // Accepting it for one environment does not accept it for another one.
        Environment other = strict;
        other.name = QStringLiteral("other");
        other.acceptedCertSha256 = {QString(64, QLatin1Char('0'))};
        const ProxyResponse r3 = m_client->run(other, get);
        QCOMPARE(int(r3.error), int(CallError::Tls));
        const ProxyResponse r4 = m_client->run(strict, get);
        QCOMPARE(int(r4.error), int(CallError::Tls));
        QCOMPARE(served, 1);
    }

    // ---- streaming, live, on a server made here ----

    void liveStreamSignals()
    {
        QList<QTimer *> timers;
        TinyServer server([&timers](QTcpSocket *s, const QByteArray &) {
            s->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
            auto *timer = new QTimer(s);
            timers.append(timer);
            auto n = std::make_shared<int>(0);
            QObject::connect(timer, &QTimer::timeout, s, [s, timer, n] {
                if (*n < 5) {
                    s->write("data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"w" +
                             QByteArray::number(*n) + " \"},\"finish_reason\":null}]}\r\n\r\n");
                } else {
                    timer->stop();
                    s->write("data: [DONE]\r\n\r\n");
                    s->disconnectFromHost();
                }
                ++*n;
            });
            timer->start(30);
        });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        Environment env;
        env.name = QStringLiteral("live");
        env.baseUrl = QUrl(server.base());
        EndpointCall *call = m_client->send(env, post(QStringLiteral("/codex/chat/completions"), chatBody(true)));
        call->setAutoDelete(false);
        QList<qint64> at;
        bool finishedBeforeEvents = false;
        connect(call, &EndpointCall::sseEvent, this, [&](const SseEvent &e) {
            at.append(e.atNs);
            if (call->isFinished())
                finishedBeforeEvents = true;
        });
        QSignalSpy headers(call, &EndpointCall::headersReceived);
        QSignalSpy done(call, &EndpointCall::finished);
        QVERIFY(done.wait(10000));
        const ProxyResponse &r = call->response();
        QCOMPARE(headers.size(), 1);
        QCOMPARE(at.size(), 6);
        QVERIFY(!finishedBeforeEvents);
        for (int i = 1; i < at.size(); ++i)
            QVERIFY(at[i] >= at[i - 1]);
        QVERIFY(r.isEventStream);
        QCOMPARE(r.assembled.text(), QStringLiteral("w0 w1 w2 w3 w4 "));
        QVERIFY(r.assembled.sawDone());
        QVERIFY(!r.streamCutMidEvent);
        QVERIFY(r.timing.firstTokenMs > 0 && r.timing.firstTokenMs < r.timing.totalMs - 60);
        QCOMPARE(r.timing.tokens, 5);
        QVERIFY(!r.timing.looksBuffered(r.assembled.deltaCount()));
        delete call;
    }

    // ---- against the Simulator ----

    void simulatorBasics_data()
    {
        QTest::addColumn<QString>("profile");
        QTest::addColumn<bool>("chat");
        QTest::addColumn<bool>("stream");
        for (const char *p : {"fork", "current"})
            for (bool chat : {false, true})
                for (bool stream : {false, true})
                    QTest::addRow("%s %s %s", p, chat ? "chat" : "responses", stream ? "stream" : "json") << QString::fromLatin1(p) << chat << stream;
    }

    void simulatorBasics()
    {
        QFETCH(QString, profile);
        QFETCH(bool, chat);
        QFETCH(bool, stream);
        SimulatorOptions o;
        o.profileId = profile;
        Simulator sim(o);
        QVERIFY(sim.listen());
        Environment env;
        env.name = profile;
        env.profileId = profile;
        env.baseUrl = QUrl(sim.baseUrl());
        const auto prof = ProxyProfile::preset(profile);
        QVERIFY(prof.has_value());
        const ProxyResponse r = m_client->run(env, post(chat ? prof->chatPath : prof->responsesPath, chat ? chatBody(stream) : responsesBody(stream)));
        QVERIFY2(r.ok(), qPrintable(QStringLiteral("%1 %2 %3").arg(r.status).arg(r.errorString, QString::fromUtf8(r.body.left(300)))));
        QCOMPARE(r.isEventStream, stream);
        QCOMPARE(r.assembled.shape(), chat ? WireShape::ChatCompletion : WireShape::Responses);
        QVERIFY2(!r.assembled.text().isEmpty(), r.body.left(500).constData());
        QVERIFY(r.assembled.problems().isEmpty());
        QVERIFY(!r.invalidUtf8);
        QVERIFY(!r.streamCutMidEvent);
        QVERIFY(r.timing.tokens > 0);
        if (stream) {
            QVERIFY(r.eventCount > 2);
            QVERIFY(chat ? r.assembled.sawDone() : r.assembled.sawCompleted());
            QVERIFY(r.timing.firstTokenMs >= 0);
        }
    }

    void httpErrorStatuses_data()
    {
        QTest::addColumn<QByteArray>("fault");
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("hasBody");
        for (int code : {401, 404, 429, 500}) {
            QTest::addRow("%d with body", code) << QByteArray("status:" + QByteArray::number(code)) << code << true;
            QTest::addRow("%d without body", code) << QByteArray("status-nobody:" + QByteArray::number(code)) << code << false;
        }
    }

    void httpErrorStatuses()
    {
        QFETCH(QByteArray, fault);
        QFETCH(int, status);
        QFETCH(bool, hasBody);
        const ProxyResponse r = m_client->run(m_simEnv, post(QStringLiteral("/codex/responses"), responsesBody(false), fault));
        // An HTTP error status is an answer, not a call error.
        QCOMPARE(int(r.error), int(CallError::None));
        QCOMPARE(r.status, status);
        QVERIFY(!r.ok());
        QCOMPARE(!r.body.isEmpty(), hasBody);
        if (hasBody)
            QVERIFY2(!r.assembled.errorObject().isEmpty(), r.body.constData());
    }

    void bodyNotJson()
    {
        const ProxyResponse r = m_client->run(m_simEnv, post(QStringLiteral("/codex/responses"), responsesBody(false), "not-json"));
        QCOMPARE(int(r.error), int(CallError::None));
        QVERIFY(!r.body.isEmpty());
        QVERIFY(r.assembled.text().isEmpty());
        QVERIFY2(!r.assembled.problems().isEmpty() || !r.header("Content-Type").contains("json"), r.header("Content-Type").constData());
    }

    void sseCutMidEvent()
    {
        const ProxyResponse r = m_client->run(m_simEnv, post(QStringLiteral("/codex/responses"), responsesBody(true), "cut-stream"));
        QVERIFY(r.isEventStream);
        QVERIFY(r.streamCutMidEvent);
        QVERIFY(!r.assembled.sawCompleted());
        const ProxyResponse c = m_client->run(m_simEnv, post(QStringLiteral("/codex/chat/completions"), chatBody(true), "cut-stream"));
        QVERIFY(c.streamCutMidEvent);
        QVERIFY(!c.assembled.sawDone());
    }

    void endlessStreamOwnServer()
    {
        // An endless SSE stream from a server made here: cancel works, memory stays bounded.
        TinyServer server([](QTcpSocket *s, const QByteArray &) {
            s->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
            const QByteArray frame = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"and on \"},\"finish_reason\":null}]}\n\n";
            QByteArray block;
            while (block.size() < 64 * 1024)
                block += frame;
            auto pump = [s, block] {
                while (s->state() == QAbstractSocket::ConnectedState && s->bytesToWrite() < 256 * 1024)
                    s->write(block);
            };
            QObject::connect(s, &QTcpSocket::bytesWritten, s, pump);
            pump();
        });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        Environment env;
        env.name = QStringLiteral("endless");
        env.baseUrl = QUrl(server.base());
        EndpointCall *call = m_client->send(env, post(QStringLiteral("/codex/chat/completions"), chatBody(true)));
        call->setAutoDelete(false);
        QElapsedTimer sinceCancel;
        connect(call, &EndpointCall::bodyProgress, this, [&](qint64 bytes) {
            if (bytes >= 4 * 1024 * 1024 && !sinceCancel.isValid()) {
                sinceCancel.start();
                call->cancel();
            }
        });
        QSignalSpy done(call, &EndpointCall::finished);
        QVERIFY(done.wait(30000));
        QVERIFY(sinceCancel.isValid());
        QVERIFY(sinceCancel.elapsed() < 1000);
        const ProxyResponse &r = call->response();
        QCOMPARE(int(r.error), int(CallError::Cancelled));
        QVERIFY(r.body.size() < 5 * 1024 * 1024);
        QCOMPARE(r.events.size(), 10000);  // the first 10,000 kept
        QVERIFY(r.eventCount > 10000);     // all counted
        QVERIFY(r.assembled.text().startsWith(QLatin1String("and on and on")));
        delete call;
    }

    void endlessStreamCancel()
    {
        // Its own simulator: a stream that never ends must not hold up the other tests.
        Simulator sim;
        QVERIFY(sim.listen());
        Environment env = m_simEnv;
        env.baseUrl = QUrl(sim.baseUrl());
        env.timeoutMs = 5000;
        EndpointCall *call = m_client->send(env, post(QStringLiteral("/codex/chat/completions"), chatBody(true), "endless"));
        call->setAutoDelete(false);
        QElapsedTimer sinceCancel;
        connect(call, &EndpointCall::bodyProgress, this, [&](qint64 bytes) {
            if (bytes >= 2 * 1024 * 1024 && !sinceCancel.isValid()) {
                sinceCancel.start();
                call->cancel();
            }
        });
        QSignalSpy done(call, &EndpointCall::finished);
        QVERIFY(done.wait(30000));
        QVERIFY2(sinceCancel.isValid(), qPrintable(QStringLiteral("finished without reaching 2 MB: %1 bytes, %2 events, error '%3'")
                                                       .arg(call->response().body.size()).arg(call->response().eventCount)
                                                       .arg(call->response().errorString)));
        QVERIFY(sinceCancel.elapsed() < 1000);
        const ProxyResponse &r = call->response();
        QCOMPARE(int(r.error), int(CallError::Cancelled));
        QVERIFY(r.body.size() < 3 * 1024 * 1024);
        QVERIFY(r.events.size() <= 10000);
        QVERIFY(r.eventCount >= r.events.size());
        QVERIFY(!r.streamCutMidEvent);  // cancelled on purpose, not cut by the server
        delete call;
    }

    void hugeResponseCapped()
    {
        Simulator sim;
        QVERIFY(sim.listen());
        Environment env = m_simEnv;
        env.baseUrl = QUrl(sim.baseUrl());
        QElapsedTimer t;
        t.start();
        const ProxyResponse r = m_client->run(env, post(QStringLiteral("/codex/responses"), responsesBody(false), "huge:52428800"));
        QCOMPARE(int(r.error), int(CallError::BodyTooLarge));
        QVERIFY(r.truncated);
        QCOMPARE(r.body.size(), qsizetype(16 * 1024 * 1024));
        QCOMPARE(r.errorString, QStringLiteral("response larger than 16 MiB: cut there"));
        QVERIFY(t.elapsed() < 20000);
        // A smaller cap per request.
        ProxyRequest small = post(QStringLiteral("/codex/responses"), responsesBody(false), "huge:100000");
        small.maxBodyBytes = 1000;
        const ProxyResponse s = m_client->run(env, small);
        QCOMPARE(int(s.error), int(CallError::BodyTooLarge));
        QCOMPARE(s.body.size(), qsizetype(1000));
        QCOMPARE(s.errorString, QStringLiteral("response larger than 1000 bytes: cut there"));
    }

    void invalidUtf8()
    {
        const ProxyResponse r = m_client->run(m_simEnv, post(QStringLiteral("/codex/responses"), responsesBody(false), "invalid-utf8"));
        QVERIFY(r.invalidUtf8);
        const ProxyResponse s = m_client->run(m_simEnv, post(QStringLiteral("/codex/responses"), responsesBody(true), "invalid-utf8"));
        QVERIFY(s.invalidUtf8);
        const ProxyResponse fine = m_client->run(m_simEnv, post(QStringLiteral("/codex/responses"), responsesBody(false)));
        QVERIFY(!fine.invalidUtf8);
    }

    void badToolArguments()
    {
        for (bool stream : {false, true}) {
            const ProxyResponse r = m_client->run(m_simEnv, post(QStringLiteral("/codex/chat/completions"), chatBody(stream, true), "bad-tool-args"));
            QVERIFY2(r.ok(), qPrintable(r.errorString));
            const QList<ToolCall> calls = r.assembled.toolCalls();
            QCOMPARE(calls.size(), 1);
            QCOMPARE(calls.first().name, QStringLiteral("get_weather"));
            QVERIFY(!calls.first().argumentsValid());
            QVERIFY2(calls.first().argumentsError().contains(QLatin1String("'get_weather'")), qPrintable(calls.first().argumentsError()));
            const ProxyResponse good = m_client->run(m_simEnv, post(QStringLiteral("/codex/chat/completions"), chatBody(stream, true)));
            QCOMPARE(good.assembled.toolCalls().size(), 1);
            QVERIFY(good.assembled.toolCalls().first().argumentsValid());
        }
    }

    void streamingTiming()
    {
        SimulatorOptions o;
        o.tokenIntervalMs = 20;
        Simulator sim(o);
        QVERIFY(sim.listen());
        Environment env = m_simEnv;
        env.baseUrl = QUrl(sim.baseUrl());
        const QByteArray text = "one two three four five six seven eight nine ten";
        const ProxyResponse r = m_client->run(env, post(QStringLiteral("/codex/responses"), responsesBody(true, text)));
        QVERIFY2(r.ok(), qPrintable(r.errorString));
        QVERIFY(r.assembled.deltaCount() >= 3);
        QVERIFY2(r.timing.firstTokenMs >= 0 && r.timing.firstTokenMs < 0.5 * r.timing.totalMs,
                 qPrintable(QStringLiteral("first token %1 ms of %2 ms").arg(r.timing.firstTokenMs).arg(r.timing.totalMs)));
        QVERIFY(!r.timing.looksBuffered(r.assembled.deltaCount()));
        QVERIFY(r.timing.tokensPerSecond() > 0);

        o.bufferStreaming = true;
        sim.setOptions(o);
        const ProxyResponse b = m_client->run(env, post(QStringLiteral("/codex/responses"), responsesBody(true, text)));
        QVERIFY2(b.ok(), qPrintable(b.errorString));
        QVERIFY2(b.timing.looksBuffered(b.assembled.deltaCount()),
                 qPrintable(QStringLiteral("first token %1 ms of %2 ms, %3 deltas").arg(b.timing.firstTokenMs).arg(b.timing.totalMs).arg(b.assembled.deltaCount())));
    }

    void simulatorAuth()
    {
        SimulatorOptions o;
        o.authToken = QStringLiteral("sim-token-123");
        Simulator sim(o);
        QVERIFY(sim.listen());
        qputenv("CODEX_ADMIN_TEST_SIM_TOKEN", "sim-token-123");
        Environment env = m_simEnv;
        env.baseUrl = QUrl(sim.baseUrl());
        env.tokenRef = QStringLiteral("env:CODEX_ADMIN_TEST_SIM_TOKEN");
        const ProxyResponse ok = m_client->run(env, post(QStringLiteral("/codex/responses"), responsesBody(false)));
        QCOMPARE(ok.status, 200);
        ProxyRequest noAuth = post(QStringLiteral("/codex/responses"), responsesBody(false));
        noAuth.sendAuth = false;
        const ProxyResponse denied = m_client->run(env, noAuth);
        QCOMPARE(int(denied.error), int(CallError::None));
        QCOMPARE(denied.status, 401);
        QVERIFY(denied.body.contains("Authentication required"));
        QVERIFY(!QJsonDocument(ok.toJson()).toJson().contains("sim-token-123"));
        QCOMPARE(m_secrets->redact(QStringLiteral("x sim-token-123 y")), QStringLiteral("x *** y"));
    }
};

QTEST_GUILESS_MAIN(TestEndpointClient)
#include "tst_endpointclient.moc"
