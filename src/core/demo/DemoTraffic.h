#pragma once

#include "proxy/ProxyTypes.h"

#include <QObject>
#include <QUrl>

#include <memory>

namespace codex::proxy {
class EndpointClient;
}

namespace codex::demo {

/// Steady background traffic for the demo (and the Monitor tests), so the charts move: a mix of
/// Responses and Chat Completions requests, streamed and not, a few with tools, at `rate` requests
/// per second (default 10) to a ccproxy base URL through proxy::EndpointClient. At most
/// `maxInFlight` requests are outstanding; a tick that would exceed it is skipped (counted).
/// Lives on the thread that created it (the GUI thread is fine: everything is asynchronous).
class DemoTraffic : public QObject {
    Q_OBJECT
public:
    explicit DemoTraffic(QObject *parent = nullptr);
    ~DemoTraffic() override;

    void setBaseUrl(const QUrl &url);
    /// Full environment (profile paths, token ref); the base URL overrides setBaseUrl().
    void setEnvironment(const proxy::Environment &env);
    proxy::Environment environment() const;
    void setRate(double requestsPerSecond);  ///< clamped to 0.1 … 500
    double rate() const;
    void setMaxInFlight(int n);

    void start();
    void stop();
    bool isRunning() const;

    qint64 sent() const;
    qint64 completed() const;
    qint64 failed() const;       ///< no HTTP answer or status ≥ 400
    qint64 skipped() const;      ///< ticks skipped because maxInFlight requests were outstanding
    int inFlight() const;

    /// The n-th request of the mix (deterministic; exposed for tests).
    proxy::ProxyRequest requestFor(qint64 n) const;

Q_SIGNALS:
    void requestFinished(int status, double ms);

private:
    void tick();
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::demo
