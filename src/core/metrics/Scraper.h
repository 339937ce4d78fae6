#pragma once

#include "metrics/PromText.h"

#include <QObject>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;

namespace codex::metrics {

struct ScrapeTarget {
    QUrl url;                 ///< http://127.0.0.1:8000/metrics
    QByteArray authHeader;    ///< full header value ("Bearer …"); never logged
    int timeoutMs = 5000;
    qint64 maxBytes = 64 * 1024 * 1024;
};

/// One scrape's outcome. A target that is down/times out/answers non-200 gives ok=false — the
/// consumer records a gap (NaN), never a zero.
struct ScrapeResult {
    QUrl url;
    bool ok = false;
    int status = 0;
    QString error;            ///< "connection refused by 127.0.0.1:8000", "timeout after 5000 ms", "HTTP 500: …"
    qint64 atMs = 0;          ///< wall clock when the answer (or failure) arrived
    double durationMs = 0;
    Exposition exposition;
};

/// Scrapes a target once (scrapeOnce) or on an interval (start/stop); at most one request in flight
/// per target (an interval that elapses while a scrape runs is skipped). Lives on its thread.
class Scraper : public QObject {
    Q_OBJECT
public:
    explicit Scraper(QObject *parent = nullptr);
    ~Scraper() override;
    void setTarget(const ScrapeTarget &target);
    ScrapeTarget target() const;
    void start(int intervalMs);
    void stop();
    bool isRunning() const;
    void scrapeOnce();
    /// Blocking helper (CLI, tests).
    static ScrapeResult fetch(const ScrapeTarget &target);

Q_SIGNALS:
    void scraped(const codex::metrics::ScrapeResult &result);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::metrics

Q_DECLARE_METATYPE(codex::metrics::ScrapeResult)
