#pragma once

#include "proxy/ProxyTypes.h"

#include <QObject>

#include <memory>

class QNetworkAccessManager;

namespace codex::proxy {

class SecretStore;

/// One request in flight. Emits as data arrives; deletes itself later (deleteLater) after
/// finished() unless the owner keeps it (setAutoDelete(false)).
class EndpointCall : public QObject {
    Q_OBJECT
public:
    ~EndpointCall() override;
    const ProxyResponse &response() const;  ///< live: grows while the call runs
    bool isFinished() const;
    void cancel();                          ///< finished() follows with CallError::Cancelled
    void setAutoDelete(bool on);

Q_SIGNALS:
    void headersReceived(int status);
    void sseEvent(const codex::proxy::SseEvent &event);  ///< as soon as it is parsed
    void bodyProgress(qint64 bytes);
    void finished(const codex::proxy::ProxyResponse &response);

private:
    friend class EndpointClient;
    explicit EndpointCall(QObject *parent);
    struct Private;
    std::unique_ptr<Private> d;
};

/// HTTP client on QNetworkAccessManager for the proxy endpoints. Lives on one thread (the one that
/// created it). The token comes from the SecretStore by the environment's tokenRef and is sent as
/// `Authorization: Bearer …` (profile's authHeader) unless request.sendAuth is false. TLS errors
/// fail the call (CallError::Tls with the certificate's sha256) unless that exact certificate is
/// in environment.acceptedCertSha256.
class EndpointClient : public QObject {
    Q_OBJECT
public:
    explicit EndpointClient(SecretStore *secrets = nullptr, QObject *parent = nullptr);
    ~EndpointClient() override;

    EndpointCall *send(const Environment &env, const ProxyRequest &request);

    /// Blocking convenience for the CLI and tests: runs a local event loop until finished.
    ProxyResponse run(const Environment &env, const ProxyRequest &request);

    QNetworkAccessManager *network() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::proxy
