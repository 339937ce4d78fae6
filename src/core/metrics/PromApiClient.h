#pragma once

#include "metrics/PromText.h"

#include <QObject>
#include <QUrl>
#include <QVector>

#include <functional>
#include <memory>

namespace codex::metrics {

/// One series of a query answer: its labels (with __name__ when present) and points (seconds →
/// ms; value strings "NaN", "+Inf" parsed).
struct ApiSeries {
    Labels labels;
    QVector<std::pair<qint64, double>> points;
};

struct ApiResult {
    bool ok = false;
    QString resultType;       ///< "vector", "matrix", "scalar", "string"
    QVector<ApiSeries> series;
    QString errorType;        ///< Prometheus "errorType" (bad_data, timeout, …) or "network"/"http"
    QString error;            ///< its message, shown to the admin as is
    QStringList warnings;
    int httpStatus = 0;
    double durationMs = 0;
};

/// Prometheus HTTP API: GET /api/v1/query and /api/v1/query_range (form-encoded POST for long
/// queries), /api/v1/label/__name__/values (for "this query matches no series; these names exist").
class PromApiClient : public QObject {
    Q_OBJECT
public:
    explicit PromApiClient(QObject *parent = nullptr);
    ~PromApiClient() override;
    void setBaseUrl(const QUrl &url);   ///< http://127.0.0.1:9090
    QUrl baseUrl() const;
    void setTimeoutMs(int ms);

    /// Asynchronous: emits answered(tag, result).
    void query(const QString &promql, qint64 atMs, const QString &tag = {});
    void queryRange(const QString &promql, qint64 startMs, qint64 endMs, int stepS, const QString &tag = {});

    /// Blocking helpers (CLI, tests).
    ApiResult querySync(const QString &promql, qint64 atMs = 0);
    ApiResult queryRangeSync(const QString &promql, qint64 startMs, qint64 endMs, int stepS);
    QStringList metricNamesSync(QString *error = nullptr);
    /// Asynchronous /api/v1/label/__name__/values: `done(names, error)` is called on `context`'s
    /// thread (not at all when context is destroyed first).
    void metricNames(QObject *context, std::function<void(const QStringList &names, const QString &error)> done);

    static ApiResult parseResponse(int httpStatus, const QByteArray &body);

Q_SIGNALS:
    void answered(const QString &tag, const codex::metrics::ApiResult &result);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::metrics

Q_DECLARE_METATYPE(codex::metrics::ApiResult)
