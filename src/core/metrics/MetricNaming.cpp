#include "metrics/MetricNaming.h"

#include <QJsonValue>

namespace codex::metrics {

QString MetricNaming::selector(const QString &metric, bool fiveXX) const
{
    QStringList matchers;
    if (!serviceLabel.isEmpty() && !serviceValue.isEmpty())
        matchers << QStringLiteral("%1=\"%2\"").arg(serviceLabel, serviceValue);
    if (fiveXX)
        matchers << QStringLiteral("%1=~\"5..\"").arg(statusLabel);
    if (matchers.isEmpty())
        return metric;
    return metric + QLatin1Char('{') + matchers.join(matcherSeparator) + QLatin1Char('}');
}

namespace {
struct Field {
    const char *key;
    QString MetricNaming::*member;
    bool required;
};

const Field kFields[] = {
    {"id", &MetricNaming::id, true},
    {"label", &MetricNaming::label, false},
    {"requestsCounter", &MetricNaming::requestsCounter, true},
    {"durationHistogram", &MetricNaming::durationHistogram, true},
    {"errorsCounter", &MetricNaming::errorsCounter, false},
    {"tokensCounter", &MetricNaming::tokensCounter, false},
    {"activeGauge", &MetricNaming::activeGauge, false},
    {"statusLabel", &MetricNaming::statusLabel, true},
    {"serviceLabel", &MetricNaming::serviceLabel, false},
    {"serviceValue", &MetricNaming::serviceValue, false},
    {"endpointLabel", &MetricNaming::endpointLabel, false},
    {"modelLabel", &MetricNaming::modelLabel, false},
    {"matcherSeparator", &MetricNaming::matcherSeparator, false},
};
}  // namespace

QString MetricNaming::requestRateQuery(const QString &window) const
{
    return QStringLiteral("rate(%1[%2])").arg(selector(requestsCounter, false), window);
}

QString MetricNaming::errorRateQuery(const QString &window) const
{
    return QStringLiteral("rate(%1[%2])").arg(selector(requestsCounter, true), window);
}

QString MetricNaming::latencyQuery(double q, const QString &window) const
{
    return QStringLiteral("histogram_quantile(%1, rate(%2[%3]))")
        .arg(QString::number(q, 'g', 6), selector(durationHistogram + QStringLiteral("_bucket"), false), window);
}

QJsonObject MetricNaming::toJson() const
{
    QJsonObject o;
    for (const auto &f : kFields)
        o.insert(QLatin1String(f.key), this->*(f.member));
    return o;
}

std::optional<MetricNaming> MetricNaming::fromJson(const QJsonObject &o, QString *error)
{
    MetricNaming n;
    for (const auto &f : kFields) {
        const QJsonValue v = o.value(QLatin1String(f.key));
        if (v.isUndefined()) {
            if (f.required) {
                if (error)
                    *error = QStringLiteral("metric naming: missing \"%1\"").arg(QLatin1String(f.key));
                return std::nullopt;
            }
            continue;
        }
        if (!v.isString()) {
            if (error)
                *error = QStringLiteral("metric naming: \"%1\" must be a string").arg(QLatin1String(f.key));
            return std::nullopt;
        }
        if (f.required && v.toString().trimmed().isEmpty()) {
            if (error)
                *error = QStringLiteral("metric naming: \"%1\" must not be empty").arg(QLatin1String(f.key));
            return std::nullopt;
        }
        n.*(f.member) = v.toString();
    }
    if (n.label.isEmpty())
        n.label = n.id;
    return n;
}

QList<MetricNaming> MetricNaming::presets()
{
    MetricNaming real;
    real.id = QStringLiteral("ccproxy");
    real.label = QStringLiteral("ccproxy (real metric names)");

    MetricNaming seed;
    seed.id = QStringLiteral("seed");
    seed.label = QStringLiteral("seed 000 spelling (matches no ccproxy version)");
    seed.requestsCounter = QStringLiteral("request_count");
    seed.durationHistogram = QStringLiteral("request_duration_seconds");
    seed.errorsCounter.clear();
    seed.tokensCounter.clear();
    seed.activeGauge.clear();
    seed.statusLabel = QStringLiteral("status_code");
    seed.matcherSeparator = QStringLiteral(",");
    return {real, seed};
}

std::optional<MetricNaming> MetricNaming::preset(const QString &id)
{
    for (const auto &n : presets())
        if (n.id == id)
            return n;
    return std::nullopt;
}

}  // namespace codex::metrics
