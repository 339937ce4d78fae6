#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace codex::metrics {

/// Which metric and label names to read (reference/ccproxy.md "Metrics"). Presets:
///  "ccproxy"  — the real names every ccproxy version emits (default): ccproxy_requests_total,
///               ccproxy_response_duration_seconds, label `status`, service_type="codex";
///  "seed"     — the seed's spelling (request_count, request_duration_seconds, `status_code`),
///               which no ccproxy version emits: kept so the admin sees the seed's queries match nothing;
///  custom     — saved in the workspace.
struct MetricNaming {
    QString id;
    QString label;
    QString requestsCounter = QStringLiteral("ccproxy_requests_total");
    QString durationHistogram = QStringLiteral("ccproxy_response_duration_seconds");
    QString errorsCounter = QStringLiteral("ccproxy_errors_total");
    QString tokensCounter = QStringLiteral("ccproxy_tokens_total");
    QString activeGauge = QStringLiteral("ccproxy_active_requests");
    QString statusLabel = QStringLiteral("status");
    QString serviceLabel = QStringLiteral("service_type");
    QString serviceValue = QStringLiteral("codex");   ///< empty = no service filter
    QString endpointLabel = QStringLiteral("endpoint");
    QString modelLabel = QStringLiteral("model");
    /// Between label matchers in the rendered queries: ", " as the reference writes them, "," in
    /// the seed's own text (so the seed preset renders the seed verbatim).
    QString matcherSeparator = QStringLiteral(", ");

    /// `metric` with this naming's label matchers: the service filter and, with `fiveXX`, the
    /// 5xx status matcher, e.g. ccproxy_requests_total{service_type="codex", status=~"5.."}.
    QString selector(const QString &metric, bool fiveXX = false) const;

    /// The seed's three PromQL queries in this naming, window e.g. "5m":
    /// request rate, 5xx rate, p95 latency.
    QString requestRateQuery(const QString &window = QStringLiteral("5m")) const;
    QString errorRateQuery(const QString &window = QStringLiteral("5m")) const;
    QString latencyQuery(double q = 0.95, const QString &window = QStringLiteral("5m")) const;

    QJsonObject toJson() const;
    static std::optional<MetricNaming> fromJson(const QJsonObject &o, QString *error);
    static QList<MetricNaming> presets();   ///< ccproxy, seed
    static std::optional<MetricNaming> preset(const QString &id);
};

}  // namespace codex::metrics
