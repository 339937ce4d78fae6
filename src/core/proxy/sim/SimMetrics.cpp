#include "proxy/sim/SimMetrics.h"

#include <QList>
#include <QPair>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace codex::proxy::sim {

namespace {

QByteArray escapeLabel(const QString &v)
{
    QByteArray out;
    const QByteArray u = v.toUtf8();
    out.reserve(u.size());
    for (char c : u) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

using Labels = QList<QPair<QByteArray, QString>>;

/// `a="x",b="y"` with the names sorted (reference: "Labels print sorted").
QByteArray labelKey(Labels labels)
{
    std::sort(labels.begin(), labels.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    QByteArray out;
    for (const auto &l : labels) {
        if (!out.isEmpty())
            out += ',';
        out += l.first + "=\"" + escapeLabel(l.second) + '"';
    }
    return out;
}

/// Inserts le="…" into a sorted label key at its sorted place.
QByteArray withLe(const QByteArray &key, const QByteArray &le)
{
    const QByteArray item = "le=\"" + le + '"';
    if (key.isEmpty())
        return item;
    // Labels are name="value" separated by commas; values are escaped so a "," inside a value is
    // always inside quotes. Walk the pairs to find the first name > "le".
    QList<QByteArray> parts;
    int start = 0;
    bool inQuotes = false;
    for (int i = 0; i < key.size(); ++i) {
        const char c = key[i];
        if (c == '\\' && inQuotes) {
            ++i;
            continue;
        }
        if (c == '"')
            inQuotes = !inQuotes;
        else if (c == ',' && !inQuotes) {
            parts << key.mid(start, i - start);
            start = i + 1;
        }
    }
    parts << key.mid(start);
    int pos = 0;
    while (pos < parts.size() && parts[pos].left(parts[pos].indexOf('=')) < QByteArray("le"))
        ++pos;
    parts.insert(pos, item);
    return parts.join(',');
}

void family(QByteArray &out, const char *name, const char *help, const char *type, const std::map<QByteArray, double> &series)
{
    out += QByteArray("# HELP ") + name + ' ' + help + '\n';
    out += QByteArray("# TYPE ") + name + ' ' + type + '\n';
    for (const auto &[key, value] : series)
        out += QByteArray(name) + '{' + key + "} " + promFloat(value) + '\n';
}

}  // namespace

QByteArray promFloat(double v)
{
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    if (std::isnan(v))
        return "NaN";
    if (v == std::floor(v) && std::fabs(v) < 1e16)
        return QByteArray::number(qint64(v)) + ".0";
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return QByteArray(buf, int(res.ptr - buf));
}

void SimMetrics::requestStarted()
{
    QMutexLocker lock(&m_mutex);
    m_active += 1;
}

void SimMetrics::requestAborted()
{
    QMutexLocker lock(&m_mutex);
    m_active -= 1;
}

void SimMetrics::requestFinished(const Observation &o)
{
    const QString status = QString::number(o.status);
    const QByteArray req = labelKey({{"method", o.method},
                                     {"endpoint", o.endpoint},
                                     {"model", o.model},
                                     {"status", status},
                                     {"service_type", o.serviceType}});
    const QByteArray dur = labelKey({{"model", o.model}, {"endpoint", o.endpoint}, {"service_type", o.serviceType}});
    const QByteArray tin = labelKey({{"type", QStringLiteral("input")}, {"model", o.model}, {"service_type", o.serviceType}});
    const QByteArray tout = labelKey({{"type", QStringLiteral("output")}, {"model", o.model}, {"service_type", o.serviceType}});
    const bool error = !o.errorType.isEmpty() || o.status >= 400;
    QByteArray err;
    if (error) {
        const QString type = !o.errorType.isEmpty() ? o.errorType
                             : o.status >= 500      ? QStringLiteral("server_error")
                                                    : QStringLiteral("http_%1").arg(o.status);
        err = labelKey({{"error_type", type}, {"endpoint", o.endpoint}, {"model", o.model}, {"service_type", o.serviceType}});
    }
    const bool tokens = o.inputTokens > 0 || o.outputTokens > 0;
    // A made-up price, so that the counter moves with the traffic: $1.25 / $10 per million tokens.
    const double cost = o.inputTokens * 1.25e-6 + o.outputTokens * 10e-6;
    QByteArray costKey;
    if (tokens)
        costKey = labelKey({{"model", o.model}, {"cost_type", QStringLiteral("total")}, {"service_type", o.serviceType}});

    QMutexLocker lock(&m_mutex);
    m_active -= 1;
    m_requests[req] += 1;
    Histogram &h = m_durations[dur];
    h.count += 1;
    h.sum += o.seconds;
    for (size_t i = 0; i < kBuckets.size(); ++i)
        if (o.seconds <= kBuckets[i]) {
            h.counts[i] += 1;
            break;
        }
    if (tokens) {
        m_tokens[tin] += o.inputTokens;
        m_tokens[tout] += o.outputTokens;
        m_cost[costKey] += cost;
    }
    if (error)
        m_errors[err] += 1;
}

QByteArray SimMetrics::text() const
{
    QMutexLocker lock(&m_mutex);
    QByteArray out;
    out.reserve(4096);
    family(out, "ccproxy_requests_total", "Total number of requests processed", "counter", m_requests);
    out += "# HELP ccproxy_response_duration_seconds Response time in seconds\n"
           "# TYPE ccproxy_response_duration_seconds histogram\n";
    for (const auto &[key, h] : m_durations) {
        double cumulative = 0;
        for (size_t i = 0; i < kBuckets.size(); ++i) {
            cumulative += h.counts[i];
            out += "ccproxy_response_duration_seconds_bucket{" + withLe(key, promFloat(kBuckets[i])) + "} "
                   + promFloat(cumulative) + '\n';
        }
        out += "ccproxy_response_duration_seconds_bucket{" + withLe(key, "+Inf") + "} " + promFloat(h.count) + '\n';
        out += "ccproxy_response_duration_seconds_count{" + key + "} " + promFloat(h.count) + '\n';
        out += "ccproxy_response_duration_seconds_sum{" + key + "} " + promFloat(h.sum) + '\n';
    }
    family(out, "ccproxy_tokens_total", "Total tokens processed", "counter", m_tokens);
    family(out, "ccproxy_cost_usd_total", "Total cost in USD", "counter", m_cost);
    family(out, "ccproxy_errors_total", "Total number of errors", "counter", m_errors);
    out += "# HELP ccproxy_active_requests Number of currently active requests\n"
           "# TYPE ccproxy_active_requests gauge\n"
           "ccproxy_active_requests "
           + promFloat(m_active) + '\n';
    return out;
}

}  // namespace codex::proxy::sim
