#pragma once

#include "proxy/ProxyProfile.h"
#include "proxy/SseParser.h"
#include "proxy/StreamAssembler.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace codex::proxy {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

/// Where requests go. The token is never stored here in clear in any file: `tokenRef` names where
/// it comes from ("keychain:<name>", "env:VAR", "session" = memory only), SecretStore resolves it.
struct Environment {
    QString name;                  ///< "simulator", "staging", …
    QUrl baseUrl;                  ///< http://127.0.0.1:8000
    QString profileId = QStringLiteral("fork");
    HeaderList headers;            ///< extra headers sent with every request
    QString tokenRef;              ///< see above; empty = no auth
    int timeoutMs = 30000;
    /// Certificates the admin accepted for THIS environment despite TLS errors (sha256 hex of
    /// the DER). Never a global ignore.
    QStringList acceptedCertSha256;

    QJsonObject toJson() const;    ///< no secret in it
    static Environment fromJson(const QJsonObject &o);
};

/// One request. Path and body may hold ${variables} (expandTemplate()).
struct ProxyRequest {
    QString name;                  ///< for history / saved requests
    QByteArray method = "POST";
    QString path;                  ///< "/codex/responses" or an absolute URL
    HeaderList headers;
    QByteArray body;               ///< JSON text (may be empty for GET)
    int timeoutMs = -1;            ///< -1 = the environment's
    qint64 maxBodyBytes = 16 * 1024 * 1024;  ///< larger responses are cut there (truncated = true)
    bool sendAuth = true;          ///< false: deliberately without the token ("missing auth" preset)

    QJsonObject toJson() const;
    static ProxyRequest fromJson(const QJsonObject &o);
};

/// Expands ${name} from vars (also ${env:VAR}); unknown names are listed in *missing and left as is.
QString expandTemplate(const QString &text, const QHash<QString, QString> &vars, QStringList *missing = nullptr);

enum class CallError {
    None,
    ConnectionRefused,
    HostNotFound,     ///< DNS failure
    Timeout,
    Tls,              ///< certificate or handshake failure (tlsErrors lists them)
    Cancelled,
    BodyTooLarge,     ///< cut at maxBodyBytes; what arrived is kept
    Network,          ///< anything else (errorString says what)
    BadRequest        ///< the request itself is invalid (bad URL, body not JSON when it must be)
};
QString callErrorName(CallError e);  ///< "connection refused", "DNS failure", …

/// Timing of one request, in milliseconds since it was sent; -1 = not observable / did not happen.
struct RequestTiming {
    double connectMs = -1;     ///< QNetworkReply::socketStartedConnecting → requestSent (when Qt reports it)
    double ttfbMs = -1;        ///< first byte of the response (headers)
    double firstTokenMs = -1;  ///< first event carrying text or tool-call data
    double totalMs = -1;
    qint64 bytes = 0;          ///< body bytes received
    int tokens = 0;            ///< StreamAssembler::outputTokens()
    double tokensPerSecond() const;  ///< tokens / (total - firstToken) when streaming, else tokens / total
    /// First token at ≥ 90 % of the total time on a stream of ≥ 3 deltas and ≥ 50 ms: the proxy
    /// buffered the stream (fork/legacy).
    bool looksBuffered(int deltaCount) const;
    QJsonObject toJson() const;
};

struct ProxyResponse {
    QString environment;
    QUrl url;                   ///< token never in it
    QByteArray method;
    QByteArray requestBody;
    HeaderList requestHeaders;  ///< as sent, the auth header's value recorded as "Bearer ***"
    int status = 0;             ///< 0 = no HTTP response
    QByteArray reason;
    HeaderList headers;
    QByteArray body;            ///< raw (capped at maxBodyBytes)
    bool truncated = false;
    bool isEventStream = false; ///< Content-Type text/event-stream
    CallError error = CallError::None;
    QString errorString;        ///< human message naming what failed (host, port, cert, limit …)
    QStringList tlsErrors;
    QString peerCertSha256;     ///< when a TLS error happened: what the admin could accept
    bool invalidUtf8 = false;   ///< body is not valid UTF-8 (shown with replacement characters)
    QList<SseEvent> events;     ///< bounded: the first 10,000 kept (eventCount counts all)
    int eventCount = 0;
    bool streamCutMidEvent = false;
    StreamAssembler assembled;
    RequestTiming timing;
    qint64 startedAtMs = 0;     ///< epoch ms

    QByteArray header(const QByteArray &name) const;  ///< case-insensitive
    bool ok() const { return error == CallError::None && status >= 200 && status < 300; }
    /// JSON for history / evidence: request and response summary, body up to 64 KiB, no secrets.
    QJsonObject toJson() const;
};

}  // namespace codex::proxy

Q_DECLARE_METATYPE(codex::proxy::SseEvent)
Q_DECLARE_METATYPE(codex::proxy::ProxyResponse)
