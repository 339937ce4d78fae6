#pragma once

#include "common/Workspace.h"
#include "metrics/MonitorEngine.h"
#include "metrics/MonitorSettings.h"
#include "metrics/PromApiClient.h"
#include "metrics/Scraper.h"
#include "rollout/RolloutTypes.h"
#include "ui/MonitorChartPanel.h"
#include "ui/Page.h"

#include <QHash>
#include <QPointer>
#include <QUrl>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableWidget;
class QTimer;
class QToolButton;
class QTreeWidget;
class QChart;
class QChartView;

namespace codex::metrics {
class EvidenceTail;
}
namespace codex::proxy {
class SecretStore;
}

namespace codex::ui {

class Banner;

/// Page 4: live charts of the rollout's request rate, error rate (5xx share) and p50/p95/p99
/// latency from direct scrapes of ccproxy's /metrics (metrics::Scraper → metrics::MonitorEngine),
/// restore latency and failures from the evidence log (metrics::EvidenceTail), threshold lines and
/// breach shading from the threshold rules, rollout stage markers with a before/after comparison,
/// export of a panel as PNG/CSV, and a PromQL tab against a Prometheus server. Sources and view are
/// saved in `.codex/monitor.json` (metrics::MonitorSettings).
class MonitorPage : public Page {
    Q_OBJECT
public:
    explicit MonitorPage(QWidget *parent = nullptr);
    ~MonitorPage() override;
    QString title() const override;
    QIcon icon() const override;
    void setWorkspace(const Workspace &workspace) override;

    /// Demo mode: scrape the in-process simulator and tail the demo workspace's evidence log.
    void setDemoSources(const QUrl &scrapeUrl, const QString &evidenceLogPath);

    // Sources and view (each applies at once and is saved to monitor.json).
    void setScrapeUrls(const QList<QUrl> &urls);
    void setPrometheusUrl(const QUrl &url);
    void setNamingPreset(const QString &id);   ///< "ccproxy", "seed", "custom"
    void setGroupBy(const QString &label);     ///< "", "endpoint", "model"
    void setRateWindowMs(qint64 ms);
    void setTimeWindowS(int seconds);
    /// Any interval ≥ 100 ms (the combo offers 1 s … 30 s; tests use less).
    void setRefreshIntervalMs(int ms);
    void setRules(const QList<metrics::ThresholdRule> &rules);
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    metrics::MonitorSettings settings() const { return m_settings; }
    /// A settings file that could not be read (line/column); the page then never writes it.
    QString settingsError() const { return m_settingsError; }

    /// Stage markers: placed at a time, saved, shown on every panel; the latest is selected for
    /// the before/after comparison.
    void addStageMarker(const QString &name, qint64 tMs);
    void selectMarker(int index);
    /// Comparison window; 0 = rate window × 5 (default).
    void setComparisonWindowMs(qint64 ms);
    std::optional<metrics::Comparison> comparison(const QString &series) const;

    metrics::MonitorEngine *engine() const { return m_engine; }
    /// For the Rollout page's evidence: the latest values of the derived series (request_rate,
    /// error_ratio, p50/p95/p99_ms, restore_p99_ms), the before/after comparison of every stage
    /// marker over the comparison window, and the active breaches as text.
    rollout::MetricSnapshot metricSnapshot() const;
    /// The charts tab as a PNG image.
    QByteArray chartsPng() const;
    MonitorChartPanel *panel(const QString &id) const;   ///< request_rate, error_rate, latency, restore_latency, restore_failures
    QList<MonitorChartPanel *> panels() const { return m_panels; }
    QTableWidget *comparisonTable() const { return m_compare; }
    QTreeWidget *breachList() const { return m_breaches; }
    QTabWidget *tabs() const { return m_tabs; }
    QString breachStatus() const { return m_status; }
    int scrapesSeen() const { return m_scrapes; }
    QString lastScrapeError() const { return m_lastScrapeError; }

    /// Panel export (the buttons ask for the file with a dialog that confirms replacing one).
    bool exportPanel(const QString &panelId, const QString &format, const QString &path, bool overwrite, QString *error);

    /// PromQL tab: runs a query (instant, or over the time window) against the Prometheus URL.
    void runPromQl(const QString &promql, bool range);
    QTableWidget *promResultTable() const { return m_promTable; }
    QString promMessage() const;

Q_SIGNALS:
    /// The charts were redrawn after a scrape or an evidence update.
    void chartsUpdated();
    void promQlAnswered(const codex::metrics::ApiResult &result);

private:
    void buildUi();
    QWidget *buildChartsTab();
    QWidget *buildPromTab();
    void loadSettings();
    void saveSettings();
    void applySettingsToUi();
    void restartSources();
    void tick();
    void onScraped(int index, const metrics::ScrapeResult &result);
    void refreshCharts();
    void refreshComparison();
    void refreshBreaches();
    void updateStatus();
    void onBreach();
    void beginMarkStage();
    void placeMarkerAt(qint64 tMs);
    void requestExport(const QString &panelId, const QString &format);
    void fillPromPresets();
    void onPromAnswer(const QString &tag, const metrics::ApiResult &result);
    QString emptyTextFor(bool anyData) const;
    QString metricTitle(const QString &metric) const;
    double latestValue(const QString &metric) const;
    void syncSourceFields();

    Workspace m_workspace;
    metrics::MonitorSettings m_settings;
    QString m_settingsPath;
    QString m_settingsError;
    QString m_evidencePath;
    QString m_demoEvidence;
    QUrl m_demoUrl;
    int m_generation = 0;

    metrics::MonitorEngine *m_engine;
    proxy::SecretStore *m_secrets;
    QList<metrics::Scraper *> m_scrapers;
    QHash<int, metrics::ScrapeResult> m_round;   // results of the current scrape round
    int m_pending = 0;
    QPointer<metrics::EvidenceTail> m_tail;
    metrics::PromApiClient *m_prom;
    QTimer *m_timer;
    QTimer *m_redraw;
    bool m_paused = false;
    int m_scrapes = 0;
    QString m_lastScrapeError;
    QString m_status;
    int m_selectedMarker = -1;
    qint64 m_compareWindowMs = 0;
    qint64 m_lastDataMs = 0;
    bool m_picking = false;
    QString m_pendingMarkerName;
    bool m_loading = false;

    // source bar
    QLineEdit *m_scrapeEdit;
    QLineEdit *m_tokenEdit;
    QLineEdit *m_promEdit;
    QComboBox *m_naming;
    QComboBox *m_groupBy;
    QComboBox *m_rateWindow;
    QComboBox *m_timeWindow;
    QComboBox *m_refresh;
    QPushButton *m_pause;
    QLabel *m_sourceState;
    Banner *m_banner;
    QTabWidget *m_tabs;

    // charts tab
    QList<MonitorChartPanel *> m_panels;
    QComboBox *m_latencyGroup;
    QComboBox *m_markerCombo;
    QComboBox *m_compareWindow;
    QPushButton *m_markButton;
    QLabel *m_pickHint;
    QLabel *m_compareTitle;
    QTableWidget *m_compare;
    QTreeWidget *m_breaches;

    // PromQL tab
    QComboBox *m_promPreset;
    QPlainTextEdit *m_promQuery;
    QComboBox *m_promMode;
    QPushButton *m_promRun;
    QLabel *m_promMessage;
    QTableWidget *m_promTable;
    QChart *m_promChart;
    QChartView *m_promView;
};

}  // namespace codex::ui
