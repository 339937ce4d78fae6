#pragma once

#include "metrics/MetricNaming.h"
#include "metrics/MonitorEngine.h"
#include "metrics/Thresholds.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QUrl>

#include <optional>

namespace codex {
class Workspace;
}

namespace codex::metrics {

/// One /metrics endpoint to scrape. The bearer token is never stored: `tokenRef` names where it
/// comes from (proxy::SecretStore: "keychain:NAME", "env:VAR", "session:NAME"); empty = no auth.
struct ScrapeSource {
    QUrl url;
    QString tokenRef;
    int timeoutMs = 5000;
    QJsonObject toJson() const;
};

/// The Monitor page's sources and view, saved as `.codex/monitor.json` in the workspace:
/// scrape URLs (+ tokenRef), Prometheus URL, naming preset ("ccproxy", "seed") or "custom" with its
/// MetricNaming, group-by, rate window, refresh interval, time window, threshold rules and the
/// rollout stage markers placed so far. Writes are atomic; a malformed file is reported with its
/// line and column and never overwritten by load().
struct MonitorSettings {
    QList<ScrapeSource> scrapes;
    QUrl prometheusUrl;                   ///< empty = no Prometheus server
    QString namingId = QStringLiteral("ccproxy");  ///< "ccproxy", "seed" or "custom"
    MetricNaming customNaming;            ///< used when namingId == "custom"
    QString groupBy;                      ///< "", "endpoint", "model"
    int rateWindowS = 60;
    int refreshMs = 5000;                 ///< ≥ 100 (the UI offers 1 s … 30 s)
    int timeWindowS = 900;                ///< ≥ 10 s (the UI offers 5 min … 24 h)
    QList<ThresholdRule> rules = ThresholdRule::seedPresets();
    QList<StageMarker> markers;

    /// The naming in effect: the preset, or customNaming for "custom".
    MetricNaming naming() const;

    QJsonObject toJson() const;
    /// *error names the key and what is wrong ("refresh_ms: must be at least 100, got 5").
    static std::optional<MonitorSettings> fromJson(const QJsonObject &o, QString *error);

    /// `<workspace>/.codex/monitor.json`.
    static QString pathFor(const Workspace &workspace);
    /// A missing file gives the defaults (*existed = false). A malformed file gives nullopt and
    /// *error "PATH:LINE:COLUMN: message" (or "PATH: key: message" for a bad value).
    static std::optional<MonitorSettings> load(const QString &path, QString *error, bool *existed = nullptr);
    bool save(const QString &path, QString *error) const;
};

/// Line and column (1-based) of a byte offset in text (for JSON parse errors).
void lineColumnAt(const QByteArray &text, int offset, int *line, int *column);

}  // namespace codex::metrics
