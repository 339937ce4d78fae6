#include "proxy/EndpointClient.h"

#include "common/Url.h"
#include "proxy/SecretStore.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QStringDecoder>
#include <QTimer>

namespace codex::proxy {

namespace {

constexpr int kMaxKeptEvents = 10000;

QString sizeText(qint64 bytes)
{
    constexpr qint64 MiB = 1024 * 1024;
    if (bytes >= MiB && bytes % MiB == 0)
        return QStringLiteral("%1 MiB").arg(bytes / MiB);
    return QStringLiteral("%1 bytes").arg(bytes);
}

QString normalizeSha(QString s)
{
    s.remove(QLatin1Char(':'));
    return s.trimmed().toLower();
}

bool bodyAsksForStream(const QByteArray &body)
{
    if (!body.contains("stream"))
        return false;
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    return doc.isObject() && doc.object().value(QStringLiteral("stream")).toBool(false);
}

bool isUtf8Invalid(const QByteArray &bytes, bool mayEndInsideCharacter)
{
    QStringDecoder dec(QStringDecoder::Utf8, mayEndInsideCharacter ? QStringDecoder::Flag::Default : QStringDecoder::Flag::Stateless);
    const QString decoded = dec.decode(bytes);
    Q_UNUSED(decoded);
    return dec.hasError();
}

}  // namespace

// ---- EndpointCall ------------------------------------------------------------------------------

struct EndpointCall::Private {
    EndpointCall *q = nullptr;
    ProxyResponse resp;
    QPointer<QNetworkReply> reply;
    SseParser parser;
    QTimer timeout;
    QElapsedTimer clock;
    Environment env;
    QString hostPort;
    int timeoutMs = 0;
    qint64 maxBody = 16 * 1024 * 1024;
    bool finished = false;
    bool autoDelete = true;
    bool cancelled = false;
    bool timedOut = false;
    bool tooLarge = false;
    bool tlsFailed = false;
    bool headersSeen = false;
    double connectStartMs = -1;

    double elapsedMs() const { return double(clock.nsecsElapsed()) / 1e6; }
    void onEvent(SseEvent &&ev);
    void onMetaData();
    void onReadyRead();
    void consume(QByteArray chunk);
    void onSslErrors(const QList<QSslError> &errors);
    void failLater(CallError error, const QString &message);
    void finalize();
    void mapReplyError();
};

EndpointCall::EndpointCall(QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->q = this;
    d->timeout.setSingleShot(true);
    d->parser.setSink([this](SseEvent &&ev) { d->onEvent(std::move(ev)); });
}

EndpointCall::~EndpointCall()
{
    if (d->reply) {
        QNetworkReply *r = d->reply;
        r->disconnect(this);
        if (r->isRunning())
            r->abort();
        r->deleteLater();
    }
}

const ProxyResponse &EndpointCall::response() const { return d->resp; }
bool EndpointCall::isFinished() const { return d->finished; }
void EndpointCall::setAutoDelete(bool on) { d->autoDelete = on; }

void EndpointCall::cancel()
{
    if (d->finished)
        return;
    d->cancelled = true;
    if (d->reply && d->reply->isRunning())
        d->reply->abort();  // finished() follows (synchronously in Qt), mapped to Cancelled
    if (!d->finished) {
        d->resp.error = CallError::Cancelled;
        d->resp.errorString = QStringLiteral("cancelled after %1 ms").arg(qRound(d->elapsedMs()));
        d->finalize();
    }
}

void EndpointCall::Private::onEvent(SseEvent &&ev)
{
    ev.atNs = clock.nsecsElapsed();
    const bool hadToken = resp.assembled.firstTokenNs() >= 0;
    resp.assembled.addEvent(ev, ev.atNs);
    if (!hadToken && resp.assembled.firstTokenNs() >= 0)
        resp.timing.firstTokenMs = double(resp.assembled.firstTokenNs()) / 1e6;
    ++resp.eventCount;
    if (resp.events.size() < kMaxKeptEvents)
        resp.events.append(ev);
    Q_EMIT q->sseEvent(ev);
}

void EndpointCall::Private::onMetaData()
{
    if (!reply)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status <= 0)
        return;
    const bool first = !headersSeen;
    if (first) {
        headersSeen = true;
        resp.timing.ttfbMs = elapsedMs();
    }
    resp.status = status;
    resp.reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray();
    resp.headers = reply->rawHeaderPairs();
    resp.isEventStream = resp.header("Content-Type").toLower().contains("text/event-stream");
    if (timeoutMs > 0)
        timeout.start(timeoutMs);
    if (first)
        Q_EMIT q->headersReceived(status);
}

void EndpointCall::Private::onReadyRead()
{
    if (!reply || finished)
        return;
    if (!headersSeen)
        onMetaData();
    // In pieces, so a cancel() from a bodyProgress handler stops reading at once.
    while (!finished && !tooLarge && reply && reply->bytesAvailable() > 0)
        consume(reply->read(256 * 1024));
}

void EndpointCall::Private::consume(QByteArray chunk)
{
    if (chunk.isEmpty() || tooLarge)
        return;
    if (timeoutMs > 0)
        timeout.start(timeoutMs);
    resp.timing.bytes += chunk.size();
    const qint64 room = maxBody - resp.body.size();
    bool cut = false;
    if (chunk.size() > room) {
        chunk.truncate(qMax<qint64>(0, room));
        cut = true;
    }
    resp.body.append(chunk);
    if (resp.isEventStream)
        parser.feed(chunk);
    Q_EMIT q->bodyProgress(resp.body.size());
    if (cut && !finished) {
        // The cap bounds memory, for a plain body and a stream alike: stop reading there.
        tooLarge = true;
        resp.truncated = true;
        resp.error = CallError::BodyTooLarge;
        resp.errorString = QStringLiteral("response larger than %1: cut there").arg(sizeText(maxBody));
        reply->abort();
    }
}

void EndpointCall::Private::onSslErrors(const QList<QSslError> &errors)
{
    if (!reply)
        return;
    QSslCertificate cert;
    for (const QSslError &e : errors)
        if (!e.certificate().isNull()) {
            cert = e.certificate();
            break;
        }
    if (cert.isNull())
        cert = reply->sslConfiguration().peerCertificate();
    const QString sha = cert.isNull() ? QString() : QString::fromLatin1(cert.digest(QCryptographicHash::Sha256).toHex());
    if (!sha.isEmpty()) {
        for (const QString &accepted : env.acceptedCertSha256) {
            if (normalizeSha(accepted) == sha) {
                // The admin accepted exactly this certificate for this environment: ignore exactly
                // these errors, on this reply only.
                reply->ignoreSslErrors(errors);
                return;
            }
        }
    }
    tlsFailed = true;
    resp.peerCertSha256 = sha;
    resp.tlsErrors.clear();
    for (const QSslError &e : errors)
        resp.tlsErrors.append(e.errorString());
}

void EndpointCall::Private::failLater(CallError error, const QString &message)
{
    resp.error = error;
    resp.errorString = message;
    QPointer<EndpointCall> guard(q);
    QTimer::singleShot(0, q, [guard] {
        if (guard)
            guard->d->finalize();
    });
}

void EndpointCall::Private::mapReplyError()
{
    if (!reply)
        return;
    const QNetworkReply::NetworkError e = reply->error();
    if (e == QNetworkReply::NoError)
        return;
    if (tooLarge) {
        resp.error = CallError::BodyTooLarge;
        return;
    }
    if (cancelled) {
        resp.error = CallError::Cancelled;
        resp.errorString = QStringLiteral("cancelled after %1 ms").arg(qRound(elapsedMs()));
        return;
    }
    if (timedOut) {
        resp.error = CallError::Timeout;
        resp.errorString = QStringLiteral("no answer from %1 within %2 ms").arg(hostPort).arg(timeoutMs);
        return;
    }
    if (tlsFailed || e == QNetworkReply::SslHandshakeFailedError) {
        resp.error = CallError::Tls;
        QString msg = QStringLiteral("TLS failure with %1: %2").arg(hostPort,
                          resp.tlsErrors.isEmpty() ? reply->errorString() : resp.tlsErrors.join(QStringLiteral("; ")));
        if (!resp.peerCertSha256.isEmpty())
            msg += QStringLiteral(" (certificate sha256 %1 is not accepted for environment '%2')").arg(resp.peerCertSha256, env.name);
        resp.errorString = msg;
        return;
    }
    const int code = int(e);
    // HTTP error statuses are answers, not call errors: status and body are kept.
    const bool httpStatusError = (code >= 201 && code <= 299) || (code >= 401 && code <= 499) ||
                                 e == QNetworkReply::ProtocolInvalidOperationError;
    if (resp.status > 0 && httpStatusError)
        return;
    switch (e) {
    case QNetworkReply::ConnectionRefusedError:
        resp.error = CallError::ConnectionRefused;
        resp.errorString = QStringLiteral("connection refused by %1 (nothing listens there?)").arg(hostPort);
        return;
    case QNetworkReply::HostNotFoundError:
        resp.error = CallError::HostNotFound;
        resp.errorString = QStringLiteral("host '%1' not found (DNS failure)").arg(resp.url.host());
        return;
    case QNetworkReply::TimeoutError:
        resp.error = CallError::Timeout;
        resp.errorString = QStringLiteral("no answer from %1 (network timeout)").arg(hostPort);
        return;
    case QNetworkReply::OperationCanceledError:
        resp.error = CallError::Cancelled;
        resp.errorString = QStringLiteral("cancelled after %1 ms").arg(qRound(elapsedMs()));
        return;
    case QNetworkReply::RemoteHostClosedError:
        resp.error = CallError::Network;
        resp.errorString = resp.status > 0
            ? QStringLiteral("%1 closed the connection before the response was complete").arg(hostPort)
            : QStringLiteral("%1 closed the connection without answering").arg(hostPort);
        return;
    default:
        resp.error = CallError::Network;
        resp.errorString = QStringLiteral("%1: %2").arg(hostPort, redactSecrets(reply->errorString()));
        return;
    }
}

void EndpointCall::Private::finalize()
{
    if (finished)
        return;
    if (reply && !tooLarge && reply->bytesAvailable() > 0)
        onReadyRead();
    if (finished)
        return;
    finished = true;
    timeout.stop();
    if (reply && !headersSeen)
        onMetaData();
    resp.timing.totalMs = elapsedMs();
    mapReplyError();

    parser.finish();
    if (resp.isEventStream) {
        const QString fin = resp.assembled.finishReason();
        const bool terminal = resp.assembled.terminated() || fin == QLatin1String("failed") || fin == QLatin1String("incomplete");
        if (resp.error != CallError::Cancelled && resp.error != CallError::BodyTooLarge)
            resp.streamCutMidEvent = parser.pendingAtEnd() || !terminal;
        if (!parser.error().isEmpty() && resp.errorString.isEmpty())
            resp.errorString = QStringLiteral("event stream: %1").arg(parser.error());  // informative; not a call error
    } else if (!resp.body.isEmpty()) {
        const QByteArray ct = resp.header("Content-Type").toLower();
        const QByteArray trimmed = resp.body.trimmed();
        if (!resp.truncated && (ct.contains("json") || trimmed.startsWith('{') || trimmed.startsWith('[')))
            resp.assembled.setBody(resp.body);
    }
    resp.invalidUtf8 = isUtf8Invalid(resp.body, resp.truncated);
    resp.timing.tokens = resp.assembled.outputTokens();

    QNetworkReply *r = reply;
    reply = nullptr;
    if (r) {
        r->disconnect(q);
        r->deleteLater();
    }
    Q_EMIT q->finished(resp);
    if (autoDelete)
        q->deleteLater();
}

// ---- EndpointClient ----------------------------------------------------------------------------

struct EndpointClient::Private {
    QNetworkAccessManager *nam = nullptr;
    QHash<QString, QNetworkAccessManager *> tlsNams;  // per environment + accepted certificates
    SecretStore *secrets = nullptr;
};

EndpointClient::EndpointClient(SecretStore *secrets, QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->nam = new QNetworkAccessManager(this);
    d->secrets = secrets ? secrets : new SecretStore(this);
}

EndpointClient::~EndpointClient() = default;

QNetworkAccessManager *EndpointClient::network() const { return d->nam; }

EndpointCall *EndpointClient::send(const Environment &env, const ProxyRequest &request)
{
    auto *call = new EndpointCall(this);
    EndpointCall::Private &c = *call->d;
    c.env = env;
    c.clock.start();
    c.maxBody = request.maxBodyBytes > 0 ? request.maxBodyBytes : 16 * 1024 * 1024;
    c.timeoutMs = request.timeoutMs >= 0 ? request.timeoutMs : env.timeoutMs;
    ProxyResponse &resp = c.resp;
    resp.environment = env.name;
    resp.method = request.method.trimmed().toUpper();
    if (resp.method.isEmpty())
        resp.method = "GET";
    resp.requestBody = request.body;
    resp.startedAtMs = QDateTime::currentMSecsSinceEpoch();

    // URL: base + path, or an absolute URL.
    QString path = request.path.trimmed();
    QUrl url;
    if (path.startsWith(QLatin1String("http://"), Qt::CaseInsensitive) || path.startsWith(QLatin1String("https://"), Qt::CaseInsensitive)) {
        url = QUrl(path, QUrl::StrictMode);
    } else {
        QString base = env.baseUrl.toString();
        while (base.endsWith(QLatin1Char('/')))
            base.chop(1);
        if (!path.isEmpty() && !path.startsWith(QLatin1Char('/')))
            path.prepend(QLatin1Char('/'));
        url = QUrl(base + path, QUrl::StrictMode);
    }
    resp.url = url.adjusted(QUrl::RemoveUserInfo);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")) || url.host().isEmpty()) {
        const QString why = !url.isValid() ? url.errorString()
                                           : url.host().isEmpty() ? QStringLiteral("no host") : QStringLiteral("scheme must be http or https");
        c.failLater(CallError::BadRequest, QStringLiteral("invalid URL '%1': %2").arg(redactUrl(url.toString()), why));
        return call;
    }
    const bool https = scheme == QLatin1String("https");
    c.hostPort = QStringLiteral("%1:%2").arg(url.host()).arg(url.port(https ? 443 : 80));

    QNetworkRequest req(url);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    req.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    req.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    req.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);

    HeaderList sent;
    auto setHeader = [&](const QByteArray &name, const QByteArray &value, const QByteArray &recorded) {
        req.setRawHeader(name, value);
        for (auto &h : sent)
            if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
                h = {name, recorded};
                return;
            }
        sent.append({name, recorded});
    };
    auto hasHeader = [&](const QByteArray &name) {
        for (const auto &h : sent)
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return true;
        return false;
    };
    auto recordedValue = [](const QByteArray &name, const QByteArray &value) -> QByteArray {
        const QByteArray n = name.toLower();
        if (n == "authorization" || n == "proxy-authorization" || n == "x-api-key")
            return value.toLower().startsWith("bearer ") ? QByteArray("Bearer ***") : QByteArray("***");
        return value;
    };
    for (const auto &h : env.headers)
        setHeader(h.first, h.second, recordedValue(h.first, h.second));
    for (const auto &h : request.headers)
        setHeader(h.first, h.second, recordedValue(h.first, h.second));
    if (request.sendAuth && !env.tokenRef.trimmed().isEmpty()) {
        QString err;
        const QString token = d->secrets->token(env.tokenRef, &err);
        if (token.isEmpty()) {
            resp.requestHeaders = sent;
            c.failLater(CallError::BadRequest, QStringLiteral("no token for environment '%1': %2").arg(env.name, err));
            return call;
        }
        QByteArray authHeader = "Authorization";
        if (auto profile = ProxyProfile::preset(env.profileId); profile && !profile->authHeader.isEmpty())
            authHeader = profile->authHeader.toUtf8();
        setHeader(authHeader, "Bearer " + token.toUtf8(), "Bearer ***");
    }
    if (!request.body.isEmpty() && !hasHeader("Content-Type"))
        setHeader("Content-Type", "application/json", "application/json");
    if (!hasHeader("Accept") && bodyAsksForStream(request.body))
        setHeader("Accept", "text/event-stream", "text/event-stream");
    resp.requestHeaders = sent;

    QNetworkAccessManager *nam = d->nam;
    if (https) {
        // One connection pool per environment and accepted certificates, so a connection whose
        // certificate was accepted for one environment is never reused by another.
        QStringList accepted;
        for (const QString &s : env.acceptedCertSha256)
            accepted.append(normalizeSha(s));
        accepted.sort();
        const QString key = env.name + QLatin1Char('|') + accepted.join(QLatin1Char(','));
        nam = d->tlsNams.value(key);
        if (!nam) {
            nam = new QNetworkAccessManager(this);
            d->tlsNams.insert(key, nam);
        }
    }

    QNetworkReply *reply = nullptr;
    if (resp.method == "GET" && request.body.isEmpty())
        reply = nam->get(req);
    else if (resp.method == "HEAD")
        reply = nam->head(req);
    else
        reply = nam->sendCustomRequest(req, resp.method, request.body);
    c.reply = reply;
    // Back-pressure: Qt's HTTP thread stops reading the socket while 1 MiB waits for us, so a
    // server that sends faster than we parse (an endless stream on loopback) cannot fill memory or
    // flood this thread's event queue.
    reply->setReadBufferSize(1024 * 1024);

    EndpointCall::Private *p = &c;
    connect(reply, &QNetworkReply::socketStartedConnecting, call, [p] { p->connectStartMs = p->elapsedMs(); });
    connect(reply, &QNetworkReply::requestSent, call, [p] {
        if (p->connectStartMs >= 0 && p->resp.timing.connectMs < 0)
            p->resp.timing.connectMs = p->elapsedMs() - p->connectStartMs;
    });
    connect(reply, &QNetworkReply::metaDataChanged, call, [p] { p->onMetaData(); });
    connect(reply, &QNetworkReply::readyRead, call, [p] { p->onReadyRead(); });
    connect(reply, &QNetworkReply::sslErrors, call, [p](const QList<QSslError> &errors) { p->onSslErrors(errors); });
    connect(reply, &QNetworkReply::finished, call, [p] { p->finalize(); });
    if (c.timeoutMs > 0) {
        connect(&c.timeout, &QTimer::timeout, call, [p] {
            if (p->finished || !p->reply)
                return;
            p->timedOut = true;
            p->reply->abort();
        });
        c.timeout.start(c.timeoutMs);
    }
    return call;
}

ProxyResponse EndpointClient::run(const Environment &env, const ProxyRequest &request)
{
    EndpointCall *call = send(env, request);
    call->setAutoDelete(false);
    if (!call->isFinished()) {
        QEventLoop loop;
        connect(call, &EndpointCall::finished, &loop, &QEventLoop::quit);
        loop.exec();
    }
    ProxyResponse r = call->response();
    delete call;
    return r;
}

}  // namespace codex::proxy
