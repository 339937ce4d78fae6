#pragma once

#include "proxy/ProxyTypes.h"

#include <QMap>
#include <QObject>
#include <QVector>

#include <memory>

namespace codex::proxy {

class SecretStore;

struct LoadOptions {
    int requests = 100;      ///< N
    int concurrency = 8;     ///< C (QNetworkAccessManager opens at most 6 connections per host, so
                             ///< the runner spreads C over several managers on worker threads)
    bool stream = false;
    ProxyRequest request;    ///< what each request sends (its body's "stream" is set from `stream`)
};

/// Fixed log-scale latency histogram (1 µs … 100 s, ~2 % relative error) — quantiles without
/// storing every sample, mergeable across threads.
class LatencyHistogram {
public:
    LatencyHistogram();
    void add(double ms);
    void merge(const LatencyHistogram &other);
    qint64 count() const;
    double quantile(double q) const;  ///< ms; NaN when empty
    double min() const;
    double max() const;
    double mean() const;
    /// For charts: bucket upper bounds (ms) and counts, collapsed to about `bins` bins over [min, max].
    QVector<QPair<double, qint64>> bins(int bins = 40) const;
private:
    QVector<qint64> m_counts;
    qint64 m_n = 0;
    double m_sum = 0, m_min = 0, m_max = 0;
};

struct LoadProgress {
    int done = 0, total = 0, errors = 0;
    double elapsedS = 0;
    double requestsPerSecond = 0;
    LatencyHistogram latency;     ///< total time per request
    LatencyHistogram ttfb;
    QMap<QString, int> byStatus;  ///< "200", "500", "connection refused", …
};

struct LoadResult {
    LoadProgress progress;
    double cpuSeconds = 0;        ///< the runner's own CPU (process user+sys during the run)
    bool cancelled = false;
    QJsonObject toJson() const;   ///< p50/p95/p99, rps, errors by status, histogram bins
};

/// Sends N requests keeping C in flight, streaming or not, and measures each one.
class LoadRunner : public QObject {
    Q_OBJECT
public:
    explicit LoadRunner(SecretStore *secrets = nullptr, QObject *parent = nullptr);
    ~LoadRunner() override;
    void start(const Environment &env, const LoadOptions &options);
    void cancel();
    bool isRunning() const;
    LoadResult run(const Environment &env, const LoadOptions &options);  ///< blocking (CLI, bench)
    LoadProgress snapshot() const;  ///< the merged figures so far

Q_SIGNALS:
    void progressed(const codex::proxy::LoadProgress &progress);  ///< at most every 100 ms
    void finished(const codex::proxy::LoadResult &result);

private:
    void workerDone();
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::proxy

Q_DECLARE_METATYPE(codex::proxy::LoadProgress)
Q_DECLARE_METATYPE(codex::proxy::LoadResult)
