#pragma once
// Private to the simulator: ccproxy's Prometheus metrics (reference/ccproxy.md, "Metrics"), kept
// thread-safe and printed as prometheus_client prints text format 0.0.4 (labels sorted, values
// as floats, no _created lines).

#include <QByteArray>
#include <QMutex>
#include <QString>

#include <array>
#include <map>

namespace codex::proxy::sim {

class SimMetrics {
public:
    struct Observation {
        QString method, endpoint, model, serviceType;
        int status = 200;
        double seconds = 0;
        int inputTokens = 0, outputTokens = 0;
        QString errorType;  ///< counted in ccproxy_errors_total when non-empty (or status >= 400)
    };

    void requestStarted();
    void requestFinished(const Observation &o);  ///< also ends the active request
    void requestAborted();                       ///< client went away: only the gauge
    QByteArray text() const;

    static constexpr std::array<double, 10> kBuckets{0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0};

private:
    struct Histogram {
        std::array<double, kBuckets.size()> counts{};  ///< non-cumulative
        double count = 0, sum = 0;
    };
    mutable QMutex m_mutex;
    std::map<QByteArray, double> m_requests, m_tokens, m_cost, m_errors;  ///< key: label set "a=\"x\",b=\"y\""
    std::map<QByteArray, Histogram> m_durations;  ///< key: sorted labels without le (endpoint, model, service_type)
    double m_active = 0;
};

/// prometheus_client's float formatting: 1.0, 0.25, 1e-05, +Inf.
QByteArray promFloat(double v);

}  // namespace codex::proxy::sim
