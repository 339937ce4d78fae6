#pragma once

#include "metrics/EvidenceTail.h"
#include "metrics/MetricNaming.h"
#include "metrics/Scraper.h"
#include "metrics/SeriesStore.h"
#include "metrics/Thresholds.h"

#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QVector>

#include <memory>

namespace codex::metrics {

/// A rollout stage marker the admin places on the time axis.
struct StageMarker {
    QString name;     ///< "staging", "canary 5 %", "canary 10 %", "full", or free text
    qint64 tMs = 0;
    QJsonObject toJson() const;
    static StageMarker fromJson(const QJsonObject &o);
};

/// Before/after a marker: mean of a derived series in [t - window, t) and (t, t + window].
struct Comparison {
    QString series;
    double before = NAN, after = NAN;
    double delta() const { return after - before; }
    int beforePoints = 0, afterPoints = 0;
};

/// Turns scrapes into the Monitor's derived series, the way Prometheus would compute them:
/// per raw series (name + labels) the counter values are kept; at each scrape, for every group
/// (grouping label: none, endpoint or model) it computes over `rateWindowMs`:
///   "<group>/request_rate"   sum of rate(requests_total) per second
///   "<group>/error_ratio"    sum of rate(requests_total{status=~"5.."}) / sum of rate(requests_total)
///   "<group>/p50_ms", "/p95_ms", "/p99_ms"  histogram_quantile over sum by (le) of rate(duration_bucket)
/// (rate per raw series first, then sums — as `sum by (…) (rate(…))`), and appends them to the
/// SeriesStore with the scrape time. A failed scrape appends NaN (a gap). Restore series from the
/// evidence log: "restore/p99_ms", "restore/p50_ms", "restore/fail_ratio". Values are checked
/// against the threshold rules; breaches are emitted.
/// Names that match nothing: noMatchReport() says which names the naming preset expected and which
/// metric families the target does expose.
class MonitorEngine : public QObject {
    Q_OBJECT
public:
    explicit MonitorEngine(QObject *parent = nullptr);
    ~MonitorEngine() override;

    void setNaming(const MetricNaming &naming);
    MetricNaming naming() const;
    void setGroupBy(const QString &label);   ///< "" (all), "endpoint", "model"
    QString groupBy() const;
    void setRateWindowMs(qint64 ms);         ///< default 60 s
    void setRules(const QList<ThresholdRule> &rules);
    /// Window of the restore percentiles and fail ratio from the evidence log (default 5 min).
    void setRestoreWindowMs(qint64 ms);

    /// Store key of a derived series: seriesName("", "error_ratio") = "/error_ratio" (all traffic,
    /// always computed), seriesName("/codex/v1/responses", "p95_ms") = "/codex/v1/responses/p95_ms".
    /// Threshold metric ids fed per scrape: request_rate, error_ratio, p50/p95/p99_latency_ms (all
    /// traffic) and the same with "@<group>" per group; restore_p50_ms, restore_p99_ms,
    /// restore_fail_rate from the evidence log.
    static QString seriesName(const QString &group, const QString &what);

    void addScrape(const ScrapeResult &result);
    void addRestoreObservations(const QVector<RestoreObservation> &obs);

    SeriesStore &store();
    QStringList groups() const;              ///< group keys seen ("" when ungrouped)
    QString noMatchReport() const;           ///< empty when the naming matches

    QList<StageMarker> markers() const;
    void setMarkers(const QList<StageMarker> &markers);
    void addMarker(const StageMarker &marker);
    Comparison compare(const QString &series, qint64 markerMs, qint64 windowMs) const;

    QList<BreachEvent> activeBreaches() const;
    QList<BreachEvent> breachHistory() const;

    /// One-shot computation between two scrapes (CLI `scrape --interval`): per group, request rate,
    /// error ratio and p50/p95/p99 over the interval between them.
    static QJsonObject summarize(const Exposition &first, const Exposition &second, const MetricNaming &naming,
                                 const QString &groupBy);

Q_SIGNALS:
    void updated(qint64 tMs);
    void breachStarted(const codex::metrics::BreachEvent &event);
    void breachEnded(const codex::metrics::BreachEvent &event);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::metrics
