#include "metrics/Thresholds.h"

#include <QDateTime>
#include <QJsonValue>
#include <QRegularExpression>

#include <cmath>

namespace codex::metrics {

QString severityName(Severity s)
{
    switch (s) {
    case Severity::Info: return QStringLiteral("info");
    case Severity::Warn: return QStringLiteral("warn");
    case Severity::Investigate: return QStringLiteral("investigate");
    case Severity::Page: return QStringLiteral("page");
    }
    return QStringLiteral("warn");
}

static std::optional<Severity> severityFromName(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == QLatin1String("info")) return Severity::Info;
    if (n == QLatin1String("warn") || n == QLatin1String("warning")) return Severity::Warn;
    if (n == QLatin1String("investigate")) return Severity::Investigate;
    if (n == QLatin1String("page")) return Severity::Page;
    return std::nullopt;
}

static bool validOp(const QString &op)
{
    return op == QLatin1String(">") || op == QLatin1String(">=") || op == QLatin1String("<") || op == QLatin1String("<=");
}

bool ThresholdRule::matches(double v) const
{
    if (std::isnan(v))
        return false;
    if (op == QLatin1String(">")) return v > value;
    if (op == QLatin1String(">=")) return v >= value;
    if (op == QLatin1String("<")) return v < value;
    if (op == QLatin1String("<=")) return v <= value;
    return false;
}

QJsonObject ThresholdRule::toJson() const
{
    return QJsonObject{{QStringLiteral("id"), id},
                       {QStringLiteral("metric"), metric},
                       {QStringLiteral("op"), op},
                       {QStringLiteral("value"), value},
                       {QStringLiteral("for_s"), forS},
                       {QStringLiteral("severity"), severityName(severity)},
                       {QStringLiteral("description"), description}};
}

std::optional<ThresholdRule> ThresholdRule::fromJson(const QJsonObject &o, QString *error)
{
    auto fail = [&](const QString &msg) -> std::optional<ThresholdRule> {
        if (error)
            *error = QStringLiteral("threshold rule: %1").arg(msg);
        return std::nullopt;
    };
    ThresholdRule r;
    if (!o.value(QLatin1String("metric")).isString() || o.value(QLatin1String("metric")).toString().isEmpty())
        return fail(QStringLiteral("missing \"metric\""));
    r.metric = o.value(QLatin1String("metric")).toString();
    r.op = o.value(QLatin1String("op")).toString(QStringLiteral(">"));
    if (!validOp(r.op))
        return fail(QStringLiteral("\"op\" must be one of >, >=, <, <= (got \"%1\")").arg(r.op));
    if (!o.value(QLatin1String("value")).isDouble())
        return fail(QStringLiteral("\"value\" must be a number"));
    r.value = o.value(QLatin1String("value")).toDouble();
    const QJsonValue f = o.value(QLatin1String("for_s"));
    if (!f.isUndefined() && (!f.isDouble() || f.toDouble() < 0))
        return fail(QStringLiteral("\"for_s\" must be a number of seconds >= 0"));
    r.forS = f.toInt(0);
    const QJsonValue sv = o.value(QLatin1String("severity"));
    if (!sv.isUndefined()) {
        auto s = severityFromName(sv.toString());
        if (!s)
            return fail(QStringLiteral("unknown severity \"%1\" (info, warn, investigate, page)").arg(sv.toString()));
        r.severity = *s;
    }
    r.description = o.value(QLatin1String("description")).toString();
    r.id = o.value(QLatin1String("id")).toString();
    if (r.id.isEmpty())
        r.id = r.metric + r.op + QString::number(r.value, 'g', 12);
    return r;
}

QList<ThresholdRule> ThresholdRule::seedPresets()
{
    const auto rule = [](const char *id, const char *metric, const char *op, double value, int forS, Severity severity,
                         const char *description) {
        ThresholdRule r;
        r.id = QString::fromLatin1(id);
        r.metric = QString::fromLatin1(metric);
        r.op = QString::fromLatin1(op);
        r.value = value;
        r.forS = forS;
        r.severity = severity;
        r.description = QString::fromUtf8(description);
        return r;
    };
    return {
        rule("seed-error-rate-page", "error_ratio", ">", 0.01, 60, Severity::Page,
             "error rate > 1 % for 1 min (seed 000 success criteria, seed 004: page on-call)"),
        rule("seed-restore-p99-warn", "restore_p99_ms", ">", 500, 0, Severity::Warn,
             "restore p99 > 500 ms (seed 004: restore latency unchanged, p99 < 500 ms)"),
        rule("seed-restore-p99-investigate", "restore_p99_ms", ">", 1000, 0, Severity::Investigate,
             "restore p99 > 1 s (seed 004: investigate database)"),
        rule("seed-post-deploy-error-rate", "error_ratio", ">=", 0.001, 60, Severity::Warn,
             "post-deploy error rate must stay below 0.1 % (seed 004 day 1): breached while error rate >= 0.1 % for 1 min"),
    };
}

std::optional<ThresholdRule> ThresholdRule::parse(const QString &spec, QString *error)
{
    auto fail = [&](const QString &msg) -> std::optional<ThresholdRule> {
        if (error)
            *error = QStringLiteral("threshold \"%1\": %2").arg(spec, msg);
        return std::nullopt;
    };
    const QStringList parts = spec.split(QLatin1Char(':'));
    const QString cond = parts.value(0).trimmed();
    if (cond.isEmpty())
        return fail(QStringLiteral("empty condition (expected e.g. error_ratio>0.01:for=30s:page)"));
    int opPos = -1;
    for (int i = 0; i < cond.size(); ++i) {
        if (cond[i] == QLatin1Char('>') || cond[i] == QLatin1Char('<')) {
            opPos = i;
            break;
        }
    }
    if (opPos < 0)
        return fail(QStringLiteral("no comparison operator in \"%1\" (expected >, >=, < or <=)").arg(cond));
    ThresholdRule r;
    r.metric = cond.left(opPos).trimmed();
    int opLen = (opPos + 1 < cond.size() && cond[opPos + 1] == QLatin1Char('=')) ? 2 : 1;
    r.op = cond.mid(opPos, opLen);
    static const QRegularExpression metricRe(QStringLiteral("^[A-Za-z_][A-Za-z0-9_./@-]*$"));
    if (r.metric.isEmpty())
        return fail(QStringLiteral("missing metric name before \"%1\"").arg(r.op));
    if (!metricRe.match(r.metric).hasMatch())
        return fail(QStringLiteral("invalid metric name \"%1\"").arg(r.metric));
    QString valueText = cond.mid(opPos + opLen).trimmed();
    double scale = 1;
    if (valueText.endsWith(QLatin1Char('%'))) {
        scale = 0.01;
        valueText.chop(1);
    } else if (valueText.endsWith(QLatin1String("ms"))) {
        valueText.chop(2);
    }
    bool ok = false;
    const double v = valueText.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(v))
        return fail(QStringLiteral("invalid threshold value \"%1\"").arg(cond.mid(opPos + opLen).trimmed()));
    r.value = v * scale;
    for (int i = 1; i < parts.size(); ++i) {
        const QString p = parts[i].trimmed();
        if (p.startsWith(QLatin1String("for="))) {
            static const QRegularExpression durRe(QStringLiteral("^(\\d+)(ms|s|m|h)?$"));
            const auto m = durRe.match(p.mid(4));
            if (!m.hasMatch())
                return fail(QStringLiteral("invalid duration \"%1\" (expected e.g. for=30s, for=5m)").arg(p.mid(4)));
            qint64 n = m.captured(1).toLongLong();
            const QString unit = m.captured(2);
            if (unit == QLatin1String("ms"))
                n = (n + 999) / 1000;
            else if (unit == QLatin1String("m"))
                n *= 60;
            else if (unit == QLatin1String("h"))
                n *= 3600;
            if (n > 7 * 24 * 3600)
                return fail(QStringLiteral("duration \"%1\" is longer than a week").arg(p.mid(4)));
            r.forS = int(n);
        } else if (p.startsWith(QLatin1String("id="))) {
            r.id = p.mid(3);
        } else if (auto s = severityFromName(p)) {
            r.severity = *s;
        } else {
            return fail(QStringLiteral("unknown part \"%1\" (expected for=DURATION, id=NAME or a severity: info, warn, "
                                       "investigate, page)")
                            .arg(p));
        }
    }
    if (r.id.isEmpty())
        r.id = r.metric + r.op + QString::number(r.value, 'g', 12);
    r.description = QStringLiteral("%1 %2 %3%4 (%5)")
                        .arg(r.metric, r.op, QString::number(r.value, 'g', 12),
                             r.forS ? QStringLiteral(" for %1 s").arg(r.forS) : QString(), severityName(r.severity));
    return r;
}

QJsonObject BreachEvent::toJson() const
{
    QJsonObject o{{QStringLiteral("rule"), ruleId},
                  {QStringLiteral("metric"), metric},
                  {QStringLiteral("severity"), severityName(severity)},
                  {QStringLiteral("started_ms"), startedMs},
                  {QStringLiteral("threshold"), threshold},
                  {QStringLiteral("description"), description}};
    o.insert(QStringLiteral("ended_ms"), endedMs ? QJsonValue(endedMs) : QJsonValue());
    o.insert(QStringLiteral("worst_value"), std::isfinite(worstValue) ? QJsonValue(worstValue) : QJsonValue());
    return o;
}

ThresholdEvaluator::ThresholdEvaluator(QList<ThresholdRule> rules) : m_rules(std::move(rules)) {}

void ThresholdEvaluator::setRules(QList<ThresholdRule> rules)
{
    // Active breaches of rules that are gone end now (left open is worse: nothing would end them).
    m_rules = std::move(rules);
    QHash<QString, State> kept;
    for (auto it = m_state.cbegin(); it != m_state.cend(); ++it) {
        const QString ruleId = it.key().section(QChar(0x1f), 0, 0);
        bool stillThere = false;
        for (const auto &r : m_rules)
            stillThere = stillThere || r.id == ruleId;
        if (stillThere)
            kept.insert(it.key(), it.value());
        else if (it.value().activeIndex >= 0)
            m_history[it.value().activeIndex].endedMs = QDateTime::currentMSecsSinceEpoch();
    }
    m_state = kept;
}

const QList<ThresholdRule> &ThresholdEvaluator::rules() const
{
    return m_rules;
}

static bool ruleApplies(const ThresholdRule &r, const QString &metric)
{
    if (r.metric == metric)
        return true;
    // "error_ratio" also applies to every group's "error_ratio@<group>"
    return !r.metric.contains(QLatin1Char('@')) && metric.startsWith(r.metric) && metric.size() > r.metric.size()
           && metric[r.metric.size()] == QLatin1Char('@');
}

QList<BreachEvent> ThresholdEvaluator::feed(const QString &metric, qint64 tMs, double value)
{
    QList<BreachEvent> out;
    if (std::isnan(value))
        return out;  // no data: neither fires nor resolves
    for (const auto &r : m_rules) {
        if (!ruleApplies(r, metric))
            continue;
        State &st = m_state[r.id + QChar(0x1f) + metric];
        const bool lowerIsWorse = r.op.startsWith(QLatin1Char('<'));
        if (r.matches(value)) {
            if (st.pendingSinceMs < 0)
                st.pendingSinceMs = tMs;
            if (st.activeIndex >= 0) {
                BreachEvent &e = m_history[st.activeIndex];
                e.worstValue = lowerIsWorse ? std::min(e.worstValue, value) : std::max(e.worstValue, value);
            } else if (tMs - st.pendingSinceMs >= qint64(r.forS) * 1000) {
                BreachEvent e;
                e.ruleId = r.id;
                e.metric = metric;
                e.severity = r.severity;
                e.startedMs = tMs;
                e.worstValue = value;
                e.threshold = r.value;
                e.description = r.description.isEmpty()
                                    ? QStringLiteral("%1 %2 %3").arg(r.metric, r.op, QString::number(r.value, 'g', 12))
                                    : r.description;
                m_history.push_back(e);
                st.activeIndex = int(m_history.size()) - 1;
                out << e;
            }
        } else {
            st.pendingSinceMs = -1;
            if (st.activeIndex >= 0) {
                BreachEvent &e = m_history[st.activeIndex];
                e.endedMs = tMs;
                out << e;
                st.activeIndex = -1;
            }
        }
    }
    return out;
}

QList<BreachEvent> ThresholdEvaluator::active() const
{
    QList<BreachEvent> out;
    for (const auto &e : m_history)
        if (e.endedMs == 0)
            out << e;
    return out;
}

QList<BreachEvent> ThresholdEvaluator::history() const
{
    return m_history;
}

}  // namespace codex::metrics
