#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace codex::metrics {

enum class Severity { Info, Warn, Investigate, Page };
QString severityName(Severity s);

/// A threshold rule as data: when `metric` (a Monitor series id: "error_ratio", "p99_latency_ms",
/// "restore_p99_ms", "restore_fail_rate", "request_rate", …, optionally "@group") compares with
/// `value` for at least `forS` seconds, it is breached. Seed presets: error rate > 1 % pages;
/// restore p99 > 500 ms warns, > 1 s investigates; post-deploy error rate < 0.1 % (as a "must stay
/// below" rule).
struct ThresholdRule {
    QString id;
    QString metric;
    QString op = QStringLiteral(">");  ///< ">", ">=", "<", "<="
    double value = 0;
    int forS = 0;
    Severity severity = Severity::Warn;
    QString description;  ///< "error rate > 1 % (seed 000: page)"
    bool matches(double v) const;
    QJsonObject toJson() const;
    static std::optional<ThresholdRule> fromJson(const QJsonObject &o, QString *error);
    static QList<ThresholdRule> seedPresets();
    /// "error_ratio>0.01:for=60s:page" (CLI --threshold) → rule; *error names the bad part.
    static std::optional<ThresholdRule> parse(const QString &spec, QString *error);
};

/// A breach as it happened: started, (ended), the worst value. The Rollout work reads these.
struct BreachEvent {
    QString ruleId;
    QString metric;
    Severity severity = Severity::Warn;
    qint64 startedMs = 0;
    qint64 endedMs = 0;    ///< 0 = still breached
    double worstValue = 0;
    double threshold = 0;
    QString description;
    QJsonObject toJson() const;
};

/// Evaluates rules on values as they come: pending while the condition holds less than `forS`,
/// firing after, resolved when it stops. NaN (no data) neither fires nor resolves.
class ThresholdEvaluator {
public:
    explicit ThresholdEvaluator(QList<ThresholdRule> rules = {});
    void setRules(QList<ThresholdRule> rules);
    const QList<ThresholdRule> &rules() const;
    /// Feeds one value; returns the events that started or ended with it.
    QList<BreachEvent> feed(const QString &metric, qint64 tMs, double value);
    QList<BreachEvent> active() const;
    QList<BreachEvent> history() const;
private:
    struct State { qint64 pendingSinceMs = -1; int activeIndex = -1; };
    QList<ThresholdRule> m_rules;
    QHash<QString, State> m_state;  // rule id + metric
    QList<BreachEvent> m_history;
};

}  // namespace codex::metrics
