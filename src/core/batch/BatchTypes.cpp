#include "batch/BatchTypes.h"

#include "config/ConfigResolver.h"

#include <algorithm>
#include <cmath>

namespace codex::batch {

namespace {

const config::ResolvedKey *key(const config::ResolvedConfig &config, const char *name)
{
    const config::ResolvedKey *k = config.find(QLatin1String(name));
    return k && !k->value.isNull() && k->value.isValid() ? k : nullptr;
}

}  // namespace

QString statusName(ItemStatus status)
{
    switch (status) {
    case ItemStatus::Pending:
        return QStringLiteral("PENDING");
    case ItemStatus::Blocked:
        return QStringLiteral("BLOCKED");
    case ItemStatus::Running:
        return QStringLiteral("RUNNING");
    case ItemStatus::Waiting:
        return QStringLiteral("WAITING");
    case ItemStatus::Succeeded:
        return QStringLiteral("SUCCESS");
    case ItemStatus::Failed:
        return QStringLiteral("FAILED");
    case ItemStatus::Cancelled:
        return QStringLiteral("CANCELLED");
    case ItemStatus::Skipped:
        return QStringLiteral("SKIPPED");
    }
    return QStringLiteral("PENDING");
}

double RetryPolicy::baseDelayS(int failedAttempt) const
{
    const int n = std::max(1, failedAttempt);
    const double d = initialDelayS * std::pow(multiplier, double(n - 1));
    if (!std::isfinite(d))
        return std::max(0.0, maxDelayS);
    return std::max(0.0, std::min(d, maxDelayS));
}

double RetryPolicy::delayS(int failedAttempt, double uniform01) const
{
    const double d = baseDelayS(failedAttempt);
    const double j = std::clamp(jitter, 0.0, 1.0);
    if (j <= 0)
        return d;
    const double u = std::clamp(uniform01, 0.0, 1.0);
    return std::max(0.0, d - d * j + 2.0 * d * j * u);
}

RetryPolicy RetryPolicy::fromConfig(const config::ResolvedConfig &config)
{
    RetryPolicy p;
    const bool generationB = config.find(QStringLiteral("retry.multiplier")) != nullptr;
    if (generationB) {
        p.enabled = true;
        p.maxAttempts = 5;
        p.jitter = 0.1;
    } else {
        p.enabled = false;
        p.maxAttempts = 3;
    }
    if (const auto *k = key(config, "retry.enabled"))
        p.enabled = k->value.toBool();
    if (const auto *k = key(config, "retry.max_attempts"))
        p.maxAttempts = std::max(1, k->value.toInt());
    if (const auto *k = key(config, "retry.initial_delay"))
        p.initialDelayS = std::max(0.0, k->value.toDouble());
    if (const auto *k = key(config, "retry.max_delay"))
        p.maxDelayS = std::max(0.0, k->value.toDouble());
    if (generationB) {
        if (const auto *k = key(config, "retry.multiplier"))
            p.multiplier = std::max(1.0, k->value.toDouble());
        if (const auto *k = key(config, "retry.jitter"))
            p.jitter = std::clamp(k->value.toDouble(), 0.0, 1.0);
        if (const auto *k = key(config, "retry.seed"))
            p.seed = quint64(k->value.toLongLong());
    } else {
        if (const auto *k = key(config, "retry.backoff_factor"))
            p.multiplier = std::max(1.0, k->value.toDouble());
        if (const auto *k = key(config, "retry.jitter"))
            p.jitter = k->value.toBool() ? 0.1 : 0.0;
    }
    if (!p.enabled)
        p.maxAttempts = 1;
    return p;
}

BatchOptions BatchOptions::fromConfig(const config::ResolvedConfig &config)
{
    BatchOptions o;
    if (const auto *k = key(config, "batch.max_concurrent"))
        o.concurrency = std::max(1, k->value.toInt());
    else if (const auto *k2 = key(config, "batch.concurrent"))
        o.concurrency = std::max(1, k2->value.toInt());
    if (const auto *k = key(config, "batch.timeout_per_item"))
        o.timeoutPerItemS = std::max(1, k->value.toInt());
    if (const auto *k = key(config, "batch.continue_on_error"))
        o.continueOnError = k->value.toBool();
    if (const auto *k = key(config, "batch.results_path"))
        o.resultsPath = k->value.toString().trimmed();
    o.retry = RetryPolicy::fromConfig(config);
    return o;
}

}  // namespace codex::batch
