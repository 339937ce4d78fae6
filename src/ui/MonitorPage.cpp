#include "ui/MonitorPage.h"

#include "metrics/EvidenceTail.h"
#include "common/Url.h"
#include "proxy/SecretStore.h"
#include "ui/Banner.h"

#include <QApplication>
#include <QBuffer>
#include <QButtonGroup>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStyle>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace codex::ui {

using namespace codex::metrics;

namespace {

const QList<QColor> kColors = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44), QColor(148, 103, 189),
                               QColor(140, 86, 75),  QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                               QColor(23, 190, 207)};

QColor severityColor(Severity s)
{
    switch (s) {
    case Severity::Page: return QColor(200, 30, 30);
    case Severity::Investigate: return QColor(220, 90, 20);
    case Severity::Warn: return QColor(200, 150, 0);
    case Severity::Info: return QColor(90, 90, 90);
    }
    return QColor(200, 150, 0);
}

int severityRank(Severity s)
{
    switch (s) {
    case Severity::Page: return 3;
    case Severity::Investigate: return 2;
    case Severity::Warn: return 1;
    case Severity::Info: return 0;
    }
    return 0;
}

/// metric id (without "@group") → panel id
QString panelForMetric(const QString &metric)
{
    const QString m = metric.section(QLatin1Char('@'), 0, 0);
    if (m == QLatin1String("request_rate"))
        return QStringLiteral("request_rate");
    if (m == QLatin1String("error_ratio"))
        return QStringLiteral("error_rate");
    if (m.endsWith(QLatin1String("_latency_ms")))
        return QStringLiteral("latency");
    if (m == QLatin1String("restore_p50_ms") || m == QLatin1String("restore_p99_ms"))
        return QStringLiteral("restore_latency");
    if (m == QLatin1String("restore_fail_rate"))
        return QStringLiteral("restore_failures");
    return {};
}

/// metric id → store series
QString seriesForMetric(const QString &metric)
{
    const QString m = metric.section(QLatin1Char('@'), 0, 0);
    const QString g = metric.contains(QLatin1Char('@')) ? metric.section(QLatin1Char('@'), 1) : QString();
    if (m == QLatin1String("restore_p50_ms"))
        return QStringLiteral("restore/p50_ms");
    if (m == QLatin1String("restore_p99_ms"))
        return QStringLiteral("restore/p99_ms");
    if (m == QLatin1String("restore_fail_rate"))
        return QStringLiteral("restore/fail_ratio");
    if (m.endsWith(QLatin1String("_latency_ms")))
        return MonitorEngine::seriesName(g, m.left(m.indexOf(QLatin1Char('_'))) + QStringLiteral("_ms"));
    return MonitorEngine::seriesName(g, m);
}

bool isRatio(const QString &metric)
{
    return metric.startsWith(QLatin1String("error_ratio")) || metric.startsWith(QLatin1String("restore_fail_rate"));
}

QString formatMetricValue(const QString &metric, double v)
{
    if (std::isnan(v))
        return QStringLiteral("–");
    if (isRatio(metric)) {
        const double pct = v * 100;
        return QString::number(pct, 'f', pct < 1 ? 2 : 1) + QStringLiteral(" %");
    }
    if (metric.contains(QLatin1String("_ms")))
        return QString::number(v, 'f', v < 10 ? 1 : 0) + QStringLiteral(" ms");
    return QString::number(v, 'f', 1) + QStringLiteral(" req/s");
}

QString formatDuration(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, ms / 1000);
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
}

void selectData(QComboBox *combo, const QVariant &value, const QString &label)
{
    int i = combo->findData(value);
    if (i < 0) {
        combo->addItem(label, value);
        i = combo->count() - 1;
    }
    combo->setCurrentIndex(i);
}

QString timeText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss"));
}

/// Several targets: one exposition with an `instance` label per target (sums then span all
/// targets, as sum(rate(…)) does in Prometheus). One target: unchanged.
ScrapeResult combineRound(const QList<ScrapeResult> &results)
{
    if (results.size() == 1)
        return results.first();
    ScrapeResult out;
    QStringList errors;
    QHash<QString, int> familyIndex;
    for (const auto &r : results) {
        out.atMs = std::max(out.atMs, r.atMs);
        out.durationMs = std::max(out.durationMs, r.durationMs);
        if (!r.ok) {
            errors << r.error;
            continue;
        }
        out.ok = true;
        out.status = r.status;
        const QString instance = QStringLiteral("%1:%2").arg(r.url.host()).arg(r.url.port(80));
        for (const auto &fam : r.exposition.families) {
            auto it = familyIndex.find(fam.name);
            if (it == familyIndex.end()) {
                MetricFamily f = fam;
                f.samples.clear();
                out.exposition.families << f;
                it = familyIndex.insert(fam.name, int(out.exposition.families.size()) - 1);
            }
            auto &dst = out.exposition.families[*it].samples;
            for (Sample s : fam.samples) {
                if (labelValue(s.labels, QStringLiteral("instance")).isEmpty()) {
                    auto pos = std::lower_bound(s.labels.begin(), s.labels.end(), QStringLiteral("instance"),
                                                [](const std::pair<QString, QString> &l, const QString &n) { return l.first < n; });
                    s.labels.insert(pos, {QStringLiteral("instance"), instance});
                }
                dst << s;
            }
        }
    }
    out.exposition.scrapedAtMs = out.atMs;
    out.error = errors.join(QStringLiteral("; "));
    if (!results.isEmpty())
        out.url = results.first().url;
    return out;
}

}  // namespace

MonitorPage::MonitorPage(QWidget *parent)
    : Page(parent)
{
    setObjectName(QStringLiteral("monitorPage"));
    m_engine = new MonitorEngine(this);
    m_secrets = new proxy::SecretStore(this);
    m_prom = new PromApiClient(this);
    m_timer = new QTimer(this);
    m_timer->setTimerType(Qt::PreciseTimer);
    connect(m_timer, &QTimer::timeout, this, &MonitorPage::tick);
    m_redraw = new QTimer(this);
    m_redraw->setSingleShot(true);
    m_redraw->setInterval(0);
    connect(m_redraw, &QTimer::timeout, this, &MonitorPage::refreshCharts);
    connect(m_engine, &MonitorEngine::updated, this, [this](qint64 t) {
        m_lastDataMs = std::max(m_lastDataMs, t);
        m_redraw->start();
    });
    connect(m_engine, &MonitorEngine::breachStarted, this, &MonitorPage::onBreach);
    connect(m_engine, &MonitorEngine::breachEnded, this, &MonitorPage::onBreach);
    connect(m_prom, &PromApiClient::answered, this, &MonitorPage::onPromAnswer);
    buildUi();
    m_loading = true;
    applySettingsToUi();
    m_loading = false;
    m_engine->setNaming(m_settings.naming());
    m_engine->setRules(m_settings.rules);
    m_engine->setRateWindowMs(qint64(m_settings.rateWindowS) * 1000);
    refreshCharts();
}

MonitorPage::~MonitorPage()
{
    // children are destroyed after this body: a line edit losing focus then must not reach us
    m_loading = true;
    for (QObject *o : std::initializer_list<QObject *>{m_scrapeEdit, m_tokenEdit, m_promEdit, m_naming, m_groupBy,
                                                       m_rateWindow, m_timeWindow, m_refresh, m_pause, m_markerCombo,
                                                       m_compareWindow, m_latencyGroup})
        o->disconnect(this);
    m_timer->stop();
    qDeleteAll(m_scrapers);
    m_scrapers.clear();
}

QString MonitorPage::title() const
{
    return tr("Monitor");
}

QIcon MonitorPage::icon() const
{
    return style()->standardIcon(QStyle::SP_ComputerIcon);
}

// ---------------------------------------------------------------------------------------------
// UI

void MonitorPage::buildUi()
{
    // source bar
    m_scrapeEdit = new QLineEdit(this);
    m_scrapeEdit->setObjectName(QStringLiteral("scrapeUrls"));
    m_scrapeEdit->setPlaceholderText(tr("http://127.0.0.1:8000/metrics (several: separate with spaces)"));
    m_scrapeEdit->setToolTip(tr("ccproxy /metrics endpoints scraped directly"));
    m_tokenEdit = new QLineEdit(this);
    m_tokenEdit->setPlaceholderText(tr("token ref: env:VAR / keychain:NAME"));
    m_tokenEdit->setToolTip(tr("Where the scrape's bearer token comes from; the token itself is never saved"));
    m_tokenEdit->setMaximumWidth(200);
    m_promEdit = new QLineEdit(this);
    m_promEdit->setObjectName(QStringLiteral("prometheusUrl"));
    m_promEdit->setPlaceholderText(tr("Prometheus URL (optional)"));
    m_naming = new QComboBox(this);
    m_naming->addItem(tr("ccproxy names"), QStringLiteral("ccproxy"));
    m_naming->addItem(tr("seed spelling"), QStringLiteral("seed"));
    m_naming->addItem(tr("custom"), QStringLiteral("custom"));
    m_naming->setToolTip(tr("Metric and label names: the real ccproxy names, the seed's spelling (which no "
                            "ccproxy version emits) or a custom naming from monitor.json"));
    m_groupBy = new QComboBox(this);
    m_groupBy->addItem(tr("all traffic"), QString());
    m_groupBy->addItem(tr("by endpoint"), QStringLiteral("endpoint"));
    m_groupBy->addItem(tr("by model"), QStringLiteral("model"));
    m_rateWindow = new QComboBox(this);
    for (int s : {15, 30, 60, 120, 300})
        m_rateWindow->addItem(s < 60 ? tr("rate %1 s").arg(s) : tr("rate %1 m").arg(s / 60), s);
    m_rateWindow->setToolTip(tr("Window of rate() and histogram_quantile()"));
    m_timeWindow = new QComboBox(this);
    m_timeWindow->addItem(tr("5 m"), 300);
    m_timeWindow->addItem(tr("15 m"), 900);
    m_timeWindow->addItem(tr("1 h"), 3600);
    m_timeWindow->addItem(tr("6 h"), 21600);
    m_timeWindow->addItem(tr("24 h"), 86400);
    m_timeWindow->setToolTip(tr("Time window shown"));
    m_refresh = new QComboBox(this);
    for (int ms : {1000, 5000, 15000, 30000})
        m_refresh->addItem(tr("every %1 s").arg(ms / 1000), ms);
    m_refresh->setToolTip(tr("Refresh interval (one scrape per interval)"));
    m_pause = new QPushButton(tr("Pause"), this);
    m_pause->setCheckable(true);
    m_sourceState = new QLabel(this);
    m_sourceState->setObjectName(QStringLiteral("sourceState"));
    m_sourceState->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *bar1 = new QHBoxLayout;
    bar1->addWidget(new QLabel(tr("Scrape:"), this));
    bar1->addWidget(m_scrapeEdit, 3);
    bar1->addWidget(m_tokenEdit, 1);
    bar1->addWidget(new QLabel(tr("Prometheus:"), this));
    bar1->addWidget(m_promEdit, 2);
    auto *bar2 = new QHBoxLayout;
    bar2->addWidget(m_naming);
    bar2->addWidget(m_groupBy);
    bar2->addWidget(m_rateWindow);
    bar2->addWidget(new QLabel(tr("Window:"), this));
    bar2->addWidget(m_timeWindow);
    bar2->addWidget(m_refresh);
    bar2->addWidget(m_pause);
    bar2->addSpacing(8);
    bar2->addWidget(m_sourceState, 1);

    m_banner = new Banner(Banner::Kind::Warning, this);
    m_tabs = new QTabWidget(this);
    m_tabs->addTab(buildChartsTab(), tr("Charts"));
    m_tabs->addTab(buildPromTab(), tr("PromQL"));

    auto *lay = new QVBoxLayout(this);
    lay->addLayout(bar1);
    lay->addLayout(bar2);
    lay->addWidget(m_banner);
    lay->addWidget(m_tabs, 1);

    auto applySources = [this] {
        if (m_loading)
            return;
        QList<ScrapeSource> list;
        const QStringList parts = m_scrapeEdit->text().split(QRegularExpression(QStringLiteral("[\\s,]+")), Qt::SkipEmptyParts);
        QStringList bad;
        for (const auto &p : parts) {
            ScrapeSource s;
            s.url = QUrl::fromUserInput(p);
            s.tokenRef = m_tokenEdit->text().trimmed();
            if (!s.url.isValid() || s.url.host().isEmpty())
                bad << p;
            else
                list << s;
        }
        if (!bad.isEmpty()) {
            m_banner->setKind(Banner::Kind::Error);
            m_banner->showMessage(tr("Not a URL: %1").arg(bad.join(QStringLiteral(", ")).toHtmlEscaped()));
            return;
        }
        const QString prom = m_promEdit->text().trimmed();
        const QUrl promUrl = prom.isEmpty() ? QUrl() : QUrl::fromUserInput(prom);
        bool same = list.size() == m_settings.scrapes.size() && promUrl == m_settings.prometheusUrl;
        for (int i = 0; same && i < list.size(); ++i)
            same = list[i].url == m_settings.scrapes[i].url && list[i].tokenRef == m_settings.scrapes[i].tokenRef;
        if (same)
            return;
        for (int i = 0; i < list.size() && i < m_settings.scrapes.size(); ++i)
            list[i].timeoutMs = m_settings.scrapes[i].timeoutMs;
        m_settings.scrapes = list;
        m_settings.prometheusUrl = promUrl;
        saveSettings();
        restartSources();
    };
    connect(m_scrapeEdit, &QLineEdit::editingFinished, this, applySources);
    connect(m_tokenEdit, &QLineEdit::editingFinished, this, applySources);
    connect(m_promEdit, &QLineEdit::editingFinished, this, applySources);
    connect(m_naming, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_loading)
            setNamingPreset(m_naming->currentData().toString());
    });
    connect(m_groupBy, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_loading)
            setGroupBy(m_groupBy->currentData().toString());
    });
    connect(m_rateWindow, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_loading)
            setRateWindowMs(qint64(m_rateWindow->currentData().toInt()) * 1000);
    });
    connect(m_timeWindow, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_loading)
            setTimeWindowS(m_timeWindow->currentData().toInt());
    });
    connect(m_refresh, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_loading)
            setRefreshIntervalMs(m_refresh->currentData().toInt());
    });
    connect(m_pause, &QPushButton::toggled, this, &MonitorPage::setPaused);
}

QWidget *MonitorPage::buildChartsTab()
{
    auto *w = new QWidget(this);
    m_markButton = new QPushButton(tr("Mark stage…"), w);
    m_markButton->setToolTip(tr("Place a rollout stage marker (staging, canary 5 %, canary 10 %, full, …) now or at a "
                                "time you click on a chart"));
    m_markerCombo = new QComboBox(w);
    m_markerCombo->setMinimumContentsLength(18);
    m_markerCombo->setToolTip(tr("Marker the before/after comparison is computed across"));
    m_compareWindow = new QComboBox(w);
    m_compareWindow->addItem(tr("± rate window × 5"), 0);
    m_compareWindow->addItem(tr("± 1 m"), 60000);
    m_compareWindow->addItem(tr("± 5 m"), 300000);
    m_compareWindow->addItem(tr("± 15 m"), 900000);
    m_compareWindow->addItem(tr("± 1 h"), 3600000);
    m_latencyGroup = new QComboBox(w);
    m_latencyGroup->addItem(tr("all traffic"), QString());
    m_latencyGroup->setToolTip(tr("Whose p50/p95/p99 the latency panel shows"));
    m_latencyGroup->setMinimumContentsLength(16);
    m_pickHint = new QLabel(w);
    m_pickHint->setStyleSheet(QStringLiteral("color: #5a28aa; font-weight: bold"));
    m_pickHint->hide();

    auto *tools = new QHBoxLayout;
    tools->addWidget(m_markButton);
    tools->addWidget(new QLabel(tr("Compare across:"), w));
    tools->addWidget(m_markerCombo);
    tools->addWidget(m_compareWindow);
    tools->addSpacing(12);
    tools->addWidget(new QLabel(tr("Latency of:"), w));
    tools->addWidget(m_latencyGroup);
    tools->addWidget(m_pickHint);
    tools->addStretch(1);

    auto addPanel = [this, w](const QString &id, const QString &title, const QString &unit, double scale) {
        auto *p = new MonitorChartPanel(id, title, unit, w);
        p->setScale(scale);
        p->setPointsVisible(id.startsWith(QLatin1String("restore")));
        connect(p, &MonitorChartPanel::exportRequested, this, &MonitorPage::requestExport);
        connect(p, &MonitorChartPanel::timeClicked, this, [this](qint64 t) {
            if (m_picking)
                placeMarkerAt(t);
        });
        m_panels << p;
        return p;
    };
    auto *grid = new QGridLayout;
    grid->setSpacing(6);
    grid->addWidget(addPanel(QStringLiteral("request_rate"), tr("Request rate"), tr("req/s"), 1), 0, 0);
    grid->addWidget(addPanel(QStringLiteral("error_rate"), tr("Error rate (5xx share)"), tr("%"), 100), 0, 1);
    grid->addWidget(addPanel(QStringLiteral("latency"), tr("Latency p50 / p95 / p99"), tr("ms"), 1), 0, 2);
    grid->addWidget(addPanel(QStringLiteral("restore_latency"), tr("Restore latency (evidence log)"), tr("ms"), 1), 1, 0);
    grid->addWidget(addPanel(QStringLiteral("restore_failures"), tr("Restore failures (RESTORE_FAIL share)"), tr("%"), 100), 1, 1);

    m_compare = new QTableWidget(0, 4, w);
    m_compare->setObjectName(QStringLiteral("comparisonTable"));
    m_compare->setHorizontalHeaderLabels({tr("Series"), tr("Before"), tr("After"), tr("Δ")});
    m_compare->verticalHeader()->hide();
    m_compare->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_compare->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c < 4; ++c)
        m_compare->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_compare->verticalHeader()->setDefaultSectionSize(m_compare->fontMetrics().height() + 6);
    m_breaches = new QTreeWidget(w);
    m_breaches->setObjectName(QStringLiteral("breachList"));
    m_breaches->setRootIsDecorated(false);
    m_breaches->setHeaderLabels({tr("Started"), tr("Ended"), tr("Metric"), tr("Worst"), tr("Rule")});
    m_breaches->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_breaches->header()->setStretchLastSection(true);

    auto *side = new QWidget(w);
    auto *sideLay = new QVBoxLayout(side);
    sideLay->setContentsMargins(0, 0, 0, 0);
    m_compareTitle = new QLabel(tr("<b>Before / after</b> (select or mark a stage)"), side);
    sideLay->addWidget(m_compareTitle);
    sideLay->addWidget(m_compare, 3);
    sideLay->addWidget(new QLabel(tr("<b>Threshold breaches</b>"), side));
    sideLay->addWidget(m_breaches, 2);
    grid->addWidget(side, 1, 2);
    for (int c = 0; c < 3; ++c)
        grid->setColumnStretch(c, 1);
    grid->setRowStretch(0, 1);
    grid->setRowStretch(1, 1);

    auto *lay = new QVBoxLayout(w);
    lay->setContentsMargins(4, 4, 4, 4);
    lay->addLayout(tools);
    lay->addLayout(grid, 1);

    connect(m_markButton, &QPushButton::clicked, this, &MonitorPage::beginMarkStage);
    connect(m_markerCombo, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (!m_loading)
            selectMarker(m_markerCombo->itemData(i).toInt());
    });
    connect(m_compareWindow, &QComboBox::currentIndexChanged, this,
            [this] { setComparisonWindowMs(m_compareWindow->currentData().toLongLong()); });
    connect(m_latencyGroup, &QComboBox::currentIndexChanged, this, [this] { m_redraw->start(); });
    return w;
}

QWidget *MonitorPage::buildPromTab()
{
    auto *w = new QWidget(this);
    m_promPreset = new QComboBox(w);
    m_promQuery = new QPlainTextEdit(w);
    m_promQuery->setObjectName(QStringLiteral("promQuery"));
    m_promQuery->setMaximumHeight(80);
    m_promQuery->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_promMode = new QComboBox(w);
    m_promMode->addItem(tr("Instant"), false);
    m_promMode->addItem(tr("Range (time window)"), true);
    m_promRun = new QPushButton(tr("Run"), w);
    m_promMessage = new QLabel(w);
    m_promMessage->setObjectName(QStringLiteral("promMessage"));
    m_promMessage->setWordWrap(true);
    m_promMessage->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_promTable = new QTableWidget(0, 4, w);
    m_promTable->setHorizontalHeaderLabels({tr("Series"), tr("Value"), tr("At"), tr("Points")});
    m_promTable->verticalHeader()->hide();
    m_promTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_promTable->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_promChart = new QChart;
    m_promChart->legend()->setAlignment(Qt::AlignBottom);
    m_promView = new QChartView(m_promChart, w);
    m_promView->setRenderHint(QPainter::Antialiasing);
    m_promView->setMinimumHeight(220);

    auto *row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Preset:"), w));
    row->addWidget(m_promPreset, 1);
    row->addWidget(m_promMode);
    row->addWidget(m_promRun);
    auto *split = new QSplitter(Qt::Vertical, w);
    split->addWidget(m_promTable);
    split->addWidget(m_promView);
    auto *lay = new QVBoxLayout(w);
    lay->addLayout(row);
    lay->addWidget(m_promQuery);
    lay->addWidget(m_promMessage);
    lay->addWidget(split, 1);

    connect(m_promPreset, &QComboBox::activated, this, [this] {
        const QString q = m_promPreset->currentData().toString();
        if (!q.isEmpty())
            m_promQuery->setPlainText(q);
    });
    connect(m_promRun, &QPushButton::clicked, this,
            [this] { runPromQl(m_promQuery->toPlainText().trimmed(), m_promMode->currentData().toBool()); });
    fillPromPresets();
    return w;
}

void MonitorPage::fillPromPresets()
{
    const MetricNaming n = m_settings.naming();
    const QString win = QStringLiteral("5m");
    const int keep = m_promPreset->currentIndex();
    m_promPreset->clear();
    m_promPreset->addItem(tr("Request rate (seed query 1)"), n.requestRateQuery(win));
    m_promPreset->addItem(tr("5xx rate (seed query 2)"), n.errorRateQuery(win));
    m_promPreset->addItem(tr("p95 latency (seed query 3)"), n.latencyQuery(0.95, win));
    m_promPreset->addItem(tr("Free-form"), QString());
    m_promPreset->setCurrentIndex(keep >= 0 ? keep : 0);
    if (m_promQuery->toPlainText().isEmpty() || keep < 3)
        m_promQuery->setPlainText(m_promPreset->currentData().toString());
}

// ---------------------------------------------------------------------------------------------
// settings

void MonitorPage::setWorkspace(const Workspace &workspace)
{
    m_workspace = workspace;
    m_settingsPath = workspace.isValid() ? MonitorSettings::pathFor(workspace) : QString();
    m_evidencePath = m_demoEvidence.isEmpty() && workspace.isValid() ? workspace.evidenceLogPath() : m_demoEvidence;
    loadSettings();
    if (m_demoUrl.isValid()) {
        ScrapeSource s;
        s.url = m_demoUrl;
        m_settings.scrapes = {s};
    }
    m_engine->store().clear();
    m_engine->setMarkers(m_settings.markers);
    m_selectedMarker = m_settings.markers.isEmpty() ? -1 : int(m_settings.markers.size()) - 1;
    m_loading = true;
    applySettingsToUi();
    m_loading = false;
    restartSources();
}

void MonitorPage::setDemoSources(const QUrl &scrapeUrl, const QString &evidenceLogPath)
{
    m_demoUrl = scrapeUrl;
    m_demoEvidence = evidenceLogPath;
    m_evidencePath = evidenceLogPath;
    ScrapeSource s;
    s.url = scrapeUrl;
    m_settings.scrapes = {s};
    // A demo is watched live: a short window that fills quickly and a scrape every second.
    m_settings.refreshMs = 1000;
    m_settings.rateWindowS = 30;
    m_settings.timeWindowS = 300;
    m_loading = true;
    applySettingsToUi();
    m_loading = false;
    saveSettings();
    restartSources();
}

void MonitorPage::loadSettings()
{
    m_settingsError.clear();
    m_banner->showMessage(QString());
    if (m_settingsPath.isEmpty()) {
        m_settings = MonitorSettings{};
        return;
    }
    QString error;
    auto s = MonitorSettings::load(m_settingsPath, &error);
    if (!s) {
        m_settingsError = error;
        m_settings = MonitorSettings{};
        m_banner->setKind(Banner::Kind::Error);
        m_banner->showMessage(tr("Cannot read the monitor settings — %1. The page uses defaults and will not "
                                 "overwrite the file until it is fixed.")
                                  .arg(error.toHtmlEscaped()));
        return;
    }
    m_settings = *s;
}

void MonitorPage::saveSettings()
{
    if (m_loading || m_settingsPath.isEmpty() || !m_settingsError.isEmpty())
        return;
    m_settings.markers = m_engine->markers();
    QString error;
    if (!m_settings.save(m_settingsPath, &error)) {
        m_banner->setKind(Banner::Kind::Error);
        m_banner->showMessage(tr("Cannot save the monitor settings: %1").arg(error.toHtmlEscaped()));
    }
}

void MonitorPage::applySettingsToUi()
{
    QStringList urls;
    QString token;
    for (const auto &s : std::as_const(m_settings.scrapes)) {
        urls << s.url.toString();
        if (token.isEmpty())
            token = s.tokenRef;
    }
    m_scrapeEdit->setText(urls.join(QLatin1Char(' ')));
    m_tokenEdit->setText(token);
    m_promEdit->setText(m_settings.prometheusUrl.toString());
    selectData(m_naming, m_settings.namingId, m_settings.namingId);
    selectData(m_groupBy, m_settings.groupBy, m_settings.groupBy);
    selectData(m_rateWindow, m_settings.rateWindowS, tr("rate %1 s").arg(m_settings.rateWindowS));
    selectData(m_timeWindow, m_settings.timeWindowS, tr("%1 s").arg(m_settings.timeWindowS));
    selectData(m_refresh, m_settings.refreshMs, tr("every %1 ms").arg(m_settings.refreshMs));
    fillPromPresets();
    // markers
    m_markerCombo->clear();
    const auto markers = m_engine->markers();
    if (markers.isEmpty())
        m_markerCombo->addItem(tr("(no stage marker)"), -1);
    for (int i = 0; i < markers.size(); ++i)
        m_markerCombo->addItem(QStringLiteral("%1 — %2").arg(markers[i].name, timeText(markers[i].tMs)), i);
    if (m_selectedMarker >= 0)
        m_markerCombo->setCurrentIndex(m_markerCombo->findData(m_selectedMarker));
}

void MonitorPage::restartSources()
{
    for (auto *s : std::as_const(m_scrapers)) {
        s->disconnect(this);
        s->stop();
        s->deleteLater();
    }
    m_scrapers.clear();
    m_round.clear();
    m_pending = 0;
    ++m_generation;
    m_lastScrapeError.clear();
    m_scrapes = 0;

    m_engine->setNaming(m_settings.naming());
    m_engine->setGroupBy(m_settings.groupBy);
    m_engine->setRateWindowMs(qint64(m_settings.rateWindowS) * 1000);
    m_engine->setRules(m_settings.rules);

    for (int i = 0; i < m_settings.scrapes.size(); ++i) {
        const ScrapeSource &src = m_settings.scrapes[i];
        ScrapeTarget t;
        t.url = src.url;
        t.timeoutMs = src.timeoutMs;
        if (!src.tokenRef.isEmpty()) {
            QString err;
            const QString token = m_secrets->token(src.tokenRef, &err);
            if (token.isEmpty()) {
                m_banner->setKind(Banner::Kind::Error);
                m_banner->showMessage(tr("No token for %1: %2").arg(src.tokenRef, err).toHtmlEscaped());
            } else {
                t.authHeader = "Bearer " + token.toUtf8();
            }
        }
        auto *s = new Scraper(this);
        s->setTarget(t);
        const int gen = m_generation;
        connect(s, &Scraper::scraped, this, [this, i, gen](const ScrapeResult &r) {
            if (gen == m_generation)
                onScraped(i, r);
        });
        m_scrapers << s;
    }

    if (m_tail && m_tail->property("path").toString() != m_evidencePath) {
        m_tail->stop();
        m_tail->deleteLater();
        m_tail = nullptr;
    }
    if (!m_tail && !m_evidencePath.isEmpty()) {
        m_tail = new EvidenceTail(m_evidencePath, this);
        m_tail->setProperty("path", m_evidencePath);
        connect(m_tail, &EvidenceTail::observed, this,
                [this](const QVector<RestoreObservation> &obs) { m_engine->addRestoreObservations(obs); });
        m_tail->start(1000);
    }

    m_timer->stop();
    if (!m_scrapers.isEmpty() && !m_paused) {
        m_timer->start(std::max(100, m_settings.refreshMs));
        tick();
    }
    syncSourceFields();
    m_redraw->start();
}

void MonitorPage::syncSourceFields()
{
    QString text;
    if (m_settings.scrapes.isEmpty())
        text = tr("no scrape URL");
    else if (m_paused)
        text = tr("paused");
    else if (!m_lastScrapeError.isEmpty())
        text = tr("last scrape failed: %1").arg(m_lastScrapeError);
    else if (m_scrapes == 0)
        text = tr("waiting for the first scrape…");
    else
        text = tr("%n scrape(s), last at %1", nullptr, m_scrapes).arg(timeText(m_lastDataMs));
    m_sourceState->setText(text);
}

void MonitorPage::setScrapeUrls(const QList<QUrl> &urls)
{
    m_settings.scrapes.clear();
    for (const auto &u : urls) {
        ScrapeSource s;
        s.url = u;
        m_settings.scrapes << s;
    }
    m_loading = true;
    applySettingsToUi();
    m_loading = false;
    saveSettings();
    restartSources();
}

void MonitorPage::setPrometheusUrl(const QUrl &url)
{
    m_settings.prometheusUrl = url;
    m_promEdit->setText(url.toString());
    saveSettings();
}

void MonitorPage::setNamingPreset(const QString &id)
{
    if (id != QLatin1String("custom") && !MetricNaming::preset(id))
        return;
    m_settings.namingId = id;
    m_loading = true;
    selectData(m_naming, id, id);
    m_loading = false;
    fillPromPresets();
    m_engine->store().clear();  // series computed with the other names mean nothing now
    saveSettings();
    restartSources();
}

void MonitorPage::setGroupBy(const QString &label)
{
    m_settings.groupBy = label;
    m_loading = true;
    selectData(m_groupBy, label, label);
    m_loading = false;
    saveSettings();
    restartSources();
}

void MonitorPage::setRateWindowMs(qint64 ms)
{
    m_settings.rateWindowS = int(std::max<qint64>(1, (ms + 999) / 1000));
    m_loading = true;
    selectData(m_rateWindow, m_settings.rateWindowS, tr("rate %1 s").arg(m_settings.rateWindowS));
    m_loading = false;
    m_engine->setRateWindowMs(qint64(m_settings.rateWindowS) * 1000);
    saveSettings();
    refreshComparison();
}

void MonitorPage::setTimeWindowS(int seconds)
{
    m_settings.timeWindowS = std::max(10, seconds);
    m_loading = true;
    selectData(m_timeWindow, m_settings.timeWindowS, tr("%1 s").arg(m_settings.timeWindowS));
    m_loading = false;
    saveSettings();
    m_redraw->start();
}

void MonitorPage::setRefreshIntervalMs(int ms)
{
    m_settings.refreshMs = std::max(100, ms);
    m_loading = true;
    selectData(m_refresh, m_settings.refreshMs, tr("every %1 ms").arg(m_settings.refreshMs));
    m_loading = false;
    saveSettings();
    if (m_timer->isActive())
        m_timer->start(m_settings.refreshMs);
}

void MonitorPage::setRules(const QList<ThresholdRule> &rules)
{
    m_settings.rules = rules;
    m_engine->setRules(rules);
    saveSettings();
    m_redraw->start();
}

void MonitorPage::setPaused(bool paused)
{
    m_paused = paused;
    {
        const QSignalBlocker b(m_pause);
        m_pause->setChecked(paused);
    }
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
    if (paused) {
        m_timer->stop();
        if (m_tail)
            m_tail->stop();
    } else {
        if (m_tail)
            m_tail->start(1000);
        if (!m_scrapers.isEmpty()) {
            m_timer->start(std::max(100, m_settings.refreshMs));
            tick();
        }
    }
    syncSourceFields();
}

// ---------------------------------------------------------------------------------------------
// scraping

void MonitorPage::tick()
{
    if (m_paused || m_scrapers.isEmpty())
        return;
    if (m_pending > 0)
        return;  // the previous round is still out: skip this tick (each scraper has its timeout)
    m_round.clear();
    m_pending = int(m_scrapers.size());
    for (auto *s : std::as_const(m_scrapers))
        s->scrapeOnce();
}

void MonitorPage::onScraped(int index, const ScrapeResult &result)
{
    m_round.insert(index, result);
    m_pending = std::max(0, m_pending - 1);
    if (m_pending > 0)
        return;
    QList<ScrapeResult> results;
    QStringList errors;
    for (int i = 0; i < m_scrapers.size(); ++i) {
        if (!m_round.contains(i))
            continue;
        results << m_round.value(i);
        if (!m_round.value(i).ok)
            errors << QStringLiteral("%1: %2").arg(m_round.value(i).url.toString(), m_round.value(i).error);
    }
    m_round.clear();
    if (results.isEmpty())
        return;
    const ScrapeResult combined = combineRound(results);
    ++m_scrapes;
    m_lastScrapeError = errors.join(QStringLiteral("; "));
    m_engine->addScrape(combined);
    syncSourceFields();
}

// ---------------------------------------------------------------------------------------------
// charts

MonitorChartPanel *MonitorPage::panel(const QString &id) const
{
    for (auto *p : m_panels)
        if (p->id() == id)
            return p;
    return nullptr;
}

QString MonitorPage::emptyTextFor(bool scrapePanel) const
{
    if (scrapePanel) {
        if (m_settings.scrapes.isEmpty())
            return tr("No scrape URL: enter ccproxy's /metrics URL above.");
        if (!m_engine->noMatchReport().isEmpty())
            return m_engine->noMatchReport();
        if (!m_lastScrapeError.isEmpty())
            return tr("Scrape failed: %1").arg(m_lastScrapeError);
        if (m_scrapes == 0)
            return tr("Waiting for the first scrape of %1…").arg(m_settings.scrapes.first().url.toString());
        return tr("Waiting for a second scrape to compute rates…");
    }
    if (m_evidencePath.isEmpty())
        return tr("No evidence log (open a workspace)");
    return tr("No restore in the evidence log within the window\n(%1)").arg(QDir::toNativeSeparators(m_evidencePath));
}

QString MonitorPage::metricTitle(const QString &metric) const
{
    const QString m = metric.section(QLatin1Char('@'), 0, 0);
    const QString g = metric.contains(QLatin1Char('@')) ? metric.section(QLatin1Char('@'), 1) : QString();
    QString t;
    if (m == QLatin1String("error_ratio"))
        t = tr("error rate");
    else if (m == QLatin1String("request_rate"))
        t = tr("request rate");
    else if (m.endsWith(QLatin1String("_latency_ms")))
        t = tr("%1 latency").arg(m.left(3));
    else if (m == QLatin1String("restore_p99_ms"))
        t = tr("restore p99");
    else if (m == QLatin1String("restore_p50_ms"))
        t = tr("restore p50");
    else if (m == QLatin1String("restore_fail_rate"))
        t = tr("restore failures");
    else
        t = m;
    return g.isEmpty() ? t : QStringLiteral("%1 (%2)").arg(t, g);
}

double MonitorPage::latestValue(const QString &metric) const
{
    const qint64 now = std::max(m_lastDataMs, QDateTime::currentMSecsSinceEpoch());
    const auto pts = m_engine->store().points(seriesForMetric(metric), now - 3600000, now, 0);
    for (auto it = pts.crbegin(); it != pts.crend(); ++it)
        if (std::isfinite(it->v))
            return it->v;
    return NAN;
}

void MonitorPage::refreshCharts()
{
    const qint64 now = m_paused && m_lastDataMs ? m_lastDataMs : QDateTime::currentMSecsSinceEpoch();
    const qint64 from = now - qint64(m_settings.timeWindowS) * 1000;
    SeriesStore &store = m_engine->store();
    constexpr int kMaxPoints = 900;
    const QStringList groups = m_engine->groupBy().isEmpty() ? QStringList() : m_engine->groups();

    // the latency panel's group combo follows the groups seen
    {
        const QString cur = m_latencyGroup->currentData().toString();
        QStringList have;
        for (int i = 1; i < m_latencyGroup->count(); ++i)
            have << m_latencyGroup->itemData(i).toString();
        if (have != groups) {
            const QSignalBlocker b(m_latencyGroup);
            m_latencyGroup->clear();
            m_latencyGroup->addItem(tr("all traffic"), QString());
            for (const auto &g : groups)
                m_latencyGroup->addItem(g, g);
            const int i = m_latencyGroup->findData(cur);
            m_latencyGroup->setCurrentIndex(i < 0 ? 0 : i);
        }
    }

    auto seriesList = [&](const QString &what, const QString &allName) {
        QList<MonitorChartPanel::SeriesData> out;
        out << MonitorChartPanel::SeriesData{allName, store.points(MonitorEngine::seriesName(QString(), what), from, now, kMaxPoints),
                                             kColors[0]};
        for (int i = 0; i < groups.size(); ++i)
            out << MonitorChartPanel::SeriesData{groups[i],
                                                 store.points(MonitorEngine::seriesName(groups[i], what), from, now, kMaxPoints),
                                                 kColors[(i + 1) % kColors.size()]};
        return out;
    };
    const QString all = tr("all traffic");
    panel(QStringLiteral("request_rate"))->setData(seriesList(QStringLiteral("request_rate"), all), from, now);
    panel(QStringLiteral("error_rate"))->setData(seriesList(QStringLiteral("error_ratio"), all), from, now);
    const QString lg = m_latencyGroup->currentData().toString();
    QList<MonitorChartPanel::SeriesData> lat;
    const char *qs[] = {"p50", "p95", "p99"};
    for (int i = 0; i < 3; ++i)
        lat << MonitorChartPanel::SeriesData{QLatin1String(qs[i]),
                                             store.points(MonitorEngine::seriesName(lg, QLatin1String(qs[i]) + QStringLiteral("_ms")),
                                                          from, now, kMaxPoints),
                                             kColors[i + 2]};
    panel(QStringLiteral("latency"))->setData(lat, from, now);
    panel(QStringLiteral("restore_latency"))
        ->setData({{QStringLiteral("p50"), store.points(QStringLiteral("restore/p50_ms"), from, now, kMaxPoints), kColors[2]},
                   {QStringLiteral("p99"), store.points(QStringLiteral("restore/p99_ms"), from, now, kMaxPoints), kColors[4]}},
                  from, now);
    panel(QStringLiteral("restore_failures"))
        ->setData({{tr("RESTORE_FAIL share"), store.points(QStringLiteral("restore/fail_ratio"), from, now, kMaxPoints),
                    kColors[1]}},
                  from, now);

    // thresholds, breaches, markers, empty state
    const auto history = m_engine->breachHistory();
    const auto markers = m_engine->markers();
    QList<MonitorChartView::Marker> viewMarkers;
    for (int i = 0; i < markers.size(); ++i)
        viewMarkers << MonitorChartView::Marker{markers[i].tMs, markers[i].name, i == m_selectedMarker};
    for (auto *p : std::as_const(m_panels)) {
        QList<MonitorChartPanel::Threshold> th;
        for (const auto &r : std::as_const(m_settings.rules)) {
            if (r.metric.contains(QLatin1Char('@')) || panelForMetric(r.metric) != p->id())
                continue;
            if (p->id() == QLatin1String("latency") && !r.metric.startsWith(QLatin1String("p")))
                continue;
            const double v = isRatio(r.metric) ? r.value * 100 : r.value;
            bool dup = false;
            for (const auto &t : std::as_const(th))
                dup = dup || t.value == v;
            if (dup)
                continue;
            const QString unit = isRatio(r.metric) ? QStringLiteral(" %") : r.metric.contains(QLatin1String("_ms")) ? QStringLiteral(" ms") : QString();
            th << MonitorChartPanel::Threshold{v, tr("%1 %2%3 (%4)").arg(r.op, QString::number(v, 'g', 4), unit, severityName(r.severity)),
                                               severityColor(r.severity)};
        }
        bool same = th.size() == p->thresholds().size();
        for (int i = 0; same && i < th.size(); ++i)
            same = th[i].value == p->thresholds()[i].value && th[i].label == p->thresholds()[i].label;
        if (!same)
            p->setThresholds(th);
        QList<MonitorChartView::Interval> iv;
        for (const auto &b : history)
            if (panelForMetric(b.metric) == p->id())
                iv << MonitorChartView::Interval{b.startedMs, b.endedMs ? b.endedMs : now};
        p->setBreaches(iv);
        p->setMarkers(viewMarkers);
        const bool scrapePanel = !p->id().startsWith(QLatin1String("restore"));
        p->setEmptyText(p->hasData() ? QString() : emptyTextFor(scrapePanel));
    }

    // naming that matches nothing: say so even while old points are still shown
    if (m_settingsError.isEmpty()) {
        const QString nm = m_engine->noMatchReport();
        if (!nm.isEmpty()) {
            m_banner->setKind(Banner::Kind::Warning);
            m_banner->showMessage(tr("The naming matches no series — %1").arg(nm.toHtmlEscaped()));
        } else if (m_banner->text().startsWith(tr("The naming matches no series"))) {
            m_banner->showMessage(QString());
        }
    }
    refreshComparison();
    refreshBreaches();
    updateStatus();
    syncSourceFields();
    Q_EMIT chartsUpdated();
}

// ---------------------------------------------------------------------------------------------
// stage markers and comparison

void MonitorPage::beginMarkStage()
{
    QDialog dlg(this);
    dlg.setWindowTitle(tr("Mark rollout stage"));
    auto *name = new QComboBox(&dlg);
    name->setEditable(true);
    name->addItems({tr("staging"), tr("canary 5 %"), tr("canary 10 %"), tr("full")});
    auto *now = new QRadioButton(tr("Now"), &dlg);
    auto *click = new QRadioButton(tr("At a time I click on a chart"), &dlg);
    now->setChecked(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dlg);
    connect(buttons, &QDialogButtonBox::accepted, &dlg, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dlg, &QDialog::reject);
    auto *form = new QFormLayout(&dlg);
    form->addRow(tr("Stage:"), name);
    form->addRow(tr("When:"), now);
    form->addRow(QString(), click);
    form->addRow(buttons);
    if (dlg.exec() != QDialog::Accepted || name->currentText().trimmed().isEmpty())
        return;
    if (now->isChecked()) {
        addStageMarker(name->currentText().trimmed(), QDateTime::currentMSecsSinceEpoch());
        return;
    }
    m_picking = true;
    m_pendingMarkerName = name->currentText().trimmed();
    m_pickHint->setText(tr("Click on a chart at the time of “%1”").arg(m_pendingMarkerName));
    m_pickHint->show();
    for (auto *p : std::as_const(m_panels))
        p->view()->setPicking(true);
}

void MonitorPage::placeMarkerAt(qint64 tMs)
{
    m_picking = false;
    m_pickHint->hide();
    for (auto *p : std::as_const(m_panels))
        p->view()->setPicking(false);
    addStageMarker(m_pendingMarkerName, tMs);
}

void MonitorPage::addStageMarker(const QString &name, qint64 tMs)
{
    StageMarker m;
    m.name = name;
    m.tMs = tMs;
    m_engine->addMarker(m);
    const auto markers = m_engine->markers();
    for (int i = 0; i < markers.size(); ++i)
        if (markers[i].tMs == tMs && markers[i].name == name)
            m_selectedMarker = i;
    m_settings.markers = markers;
    m_loading = true;
    applySettingsToUi();
    m_loading = false;
    saveSettings();
    m_redraw->start();
}

void MonitorPage::selectMarker(int index)
{
    m_selectedMarker = index;
    m_redraw->start();
}

void MonitorPage::setComparisonWindowMs(qint64 ms)
{
    m_compareWindowMs = std::max<qint64>(0, ms);
    refreshComparison();
}

namespace {
struct CompareRow {
    const char *series;
    const char *metric;
};
const CompareRow kCompareRows[] = {{"/request_rate", "request_rate"},       {"/error_ratio", "error_ratio"},
                                   {"/p50_ms", "p50_latency_ms"},           {"/p95_ms", "p95_latency_ms"},
                                   {"/p99_ms", "p99_latency_ms"},           {"restore/p99_ms", "restore_p99_ms"},
                                   {"restore/fail_ratio", "restore_fail_rate"}};
}  // namespace

std::optional<Comparison> MonitorPage::comparison(const QString &series) const
{
    const auto markers = m_engine->markers();
    if (m_selectedMarker < 0 || m_selectedMarker >= markers.size())
        return std::nullopt;
    const qint64 window = m_compareWindowMs > 0 ? m_compareWindowMs : qint64(m_settings.rateWindowS) * 5000;
    return m_engine->compare(series, markers[m_selectedMarker].tMs, window);
}

void MonitorPage::refreshComparison()
{
    const auto markers = m_engine->markers();
    if (m_selectedMarker < 0 || m_selectedMarker >= markers.size()) {
        m_compare->setRowCount(0);
        m_compareTitle->setText(tr("<b>Before / after</b> — mark a rollout stage to compare"));
        return;
    }
    const qint64 window = m_compareWindowMs > 0 ? m_compareWindowMs : qint64(m_settings.rateWindowS) * 5000;
    m_compareTitle->setText(tr("<b>Before / after “%1”</b> (%2, ± %3)")
                                .arg(markers[m_selectedMarker].name.toHtmlEscaped(), timeText(markers[m_selectedMarker].tMs),
                                     formatDuration(window)));
    m_compare->setRowCount(int(std::size(kCompareRows)));
    int row = 0;
    for (const auto &r : kCompareRows) {
        const QString metric = QLatin1String(r.metric);
        const Comparison c = m_engine->compare(QLatin1String(r.series), markers[m_selectedMarker].tMs, window);
        double limit = NAN;
        for (const auto &rule : std::as_const(m_settings.rules))
            if (rule.metric == metric && (rule.op.startsWith(QLatin1Char('>'))) && rule.severity != Severity::Info)
                limit = std::isnan(limit) ? rule.value : std::min(limit, rule.value);
        auto cell = [&](int col, const QString &text) {
            auto *it = m_compare->item(row, col);
            if (!it) {
                it = new QTableWidgetItem;
                m_compare->setItem(row, col, it);
            }
            it->setText(text);
            it->setBackground(QBrush());
            it->setForeground(QBrush());
            if (col > 0)
                it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            return it;
        };
        cell(0, metricTitle(metric));
        auto *before = cell(1, formatMetricValue(metric, c.before));
        auto *after = cell(2, formatMetricValue(metric, c.after));
        const double dv = c.delta();
        QString dtext = QStringLiteral("–");
        if (!std::isnan(dv)) {
            dtext = formatMetricValue(metric, std::fabs(dv));
            dtext.prepend(dv >= 0 ? QLatin1Char('+') : QChar(0x2212));
        }
        auto *delta = cell(3, dtext);
        const QColor red(255, 205, 205), green(205, 240, 205);
        if (!std::isnan(limit)) {
            if (!std::isnan(c.before))
                before->setBackground(c.before > limit ? red : green);
            if (!std::isnan(c.after))
                after->setBackground(c.after > limit ? red : green);
        }
        const bool higherIsWorse = metric != QLatin1String("request_rate");
        if (higherIsWorse && !std::isnan(dv) && !std::isnan(c.before)) {
            const double rel = c.before != 0 ? dv / std::fabs(c.before) : (dv > 0 ? 1 : dv < 0 ? -1 : 0);
            if (rel > 0.1)
                delta->setForeground(QColor(180, 20, 20));
            else if (rel < -0.1)
                delta->setForeground(QColor(20, 130, 20));
        }
        after->setToolTip(tr("%1 point(s) before, %2 after").arg(c.beforePoints).arg(c.afterPoints));
        ++row;
    }
}

// ---------------------------------------------------------------------------------------------
// breaches and status

void MonitorPage::onBreach()
{
    m_redraw->start();
}

void MonitorPage::refreshBreaches()
{
    const auto history = m_engine->breachHistory();
    m_breaches->clear();
    for (auto it = history.crbegin(); it != history.crend(); ++it) {
        const BreachEvent &b = *it;
        auto *item = new QTreeWidgetItem(m_breaches);
        item->setText(0, timeText(b.startedMs));
        item->setText(1, b.endedMs ? timeText(b.endedMs) : tr("ongoing"));
        item->setText(2, metricTitle(b.metric));
        item->setText(3, formatMetricValue(b.metric, b.worstValue));
        item->setText(4, b.description.isEmpty() ? b.ruleId : b.description);
        item->setToolTip(4, b.description);
        if (!b.endedMs)
            for (int c = 0; c < 5; ++c)
                item->setForeground(c, severityColor(b.severity));
        if (m_breaches->topLevelItemCount() >= 200)
            break;
    }
}

void MonitorPage::updateStatus()
{
    const auto active = m_engine->activeBreaches();
    QString text;
    if (!active.isEmpty()) {
        const BreachEvent *worst = &active.first();
        for (const auto &b : active)
            if (severityRank(b.severity) > severityRank(worst->severity)
                || (severityRank(b.severity) == severityRank(worst->severity) && b.startedMs < worst->startedMs))
                worst = &b;
        const qint64 now = std::max(m_lastDataMs, worst->startedMs);
        QString op = QStringLiteral(">");
        for (const auto &r : std::as_const(m_settings.rules))
            if (r.id == worst->ruleId)
                op = r.op;
        text = tr("⚠ %1 %2 %3 %4 for %5")
                   .arg(metricTitle(worst->metric), formatMetricValue(worst->metric, latestValue(worst->metric)), op,
                        formatMetricValue(worst->metric, worst->threshold), formatDuration(now - worst->startedMs));
        if (active.size() > 1)
            text += tr(" (+%n more)", nullptr, int(active.size()) - 1);
    } else if (!m_status.isEmpty() || m_scrapes > 0) {
        text = tr("Monitor: no threshold breached");
    }
    if (text != m_status) {
        m_status = text;
        Q_EMIT statusChanged(text);
    }
}

// ---------------------------------------------------------------------------------------------
// export

bool MonitorPage::exportPanel(const QString &panelId, const QString &format, const QString &path, bool overwrite, QString *error)
{
    MonitorChartPanel *p = panel(panelId);
    if (!p) {
        if (error)
            *error = tr("No panel %1").arg(panelId);
        return false;
    }
    if (format == QLatin1String("png"))
        return p->exportPng(path, overwrite, error);
    if (format == QLatin1String("csv"))
        return p->exportCsv(path, overwrite, error);
    if (error)
        *error = tr("Unknown export format %1 (png or csv)").arg(format);
    return false;
}

void MonitorPage::requestExport(const QString &panelId, const QString &format)
{
    const QString base = m_workspace.isValid() ? m_workspace.root() : QDir::homePath();
    const QString suggested = QDir(base).filePath(
        QStringLiteral("monitor-%1-%2.%3")
            .arg(panelId, QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")), format));
    const QString filter = format == QLatin1String("png") ? tr("PNG image (*.png)") : tr("CSV file (*.csv)");
    // QFileDialog asks before replacing an existing file: what it returns may be overwritten.
    const QString path = QFileDialog::getSaveFileName(this, tr("Export panel"), suggested, filter);
    if (path.isEmpty())
        return;
    QString error;
    if (!exportPanel(panelId, format, path, true, &error)) {
        m_banner->setKind(Banner::Kind::Error);
        m_banner->showMessage(error.toHtmlEscaped());
    }
}

// ---------------------------------------------------------------------------------------------
// PromQL

QString MonitorPage::promMessage() const
{
    return m_promMessage->text();
}

void MonitorPage::runPromQl(const QString &promql, bool range)
{
    m_promQuery->setPlainText(promql);
    m_promMode->setCurrentIndex(range ? 1 : 0);
    if (m_settings.prometheusUrl.isEmpty()) {
        m_promMessage->setText(tr("Set a Prometheus URL in the source bar first."));
        ApiResult r;
        r.errorType = QStringLiteral("config");
        r.error = m_promMessage->text();
        Q_EMIT promQlAnswered(r);
        return;
    }
    if (promql.isEmpty()) {
        m_promMessage->setText(tr("The query is empty."));
        return;
    }
    m_prom->setBaseUrl(m_settings.prometheusUrl);
    m_promMessage->setText(tr("Running…"));
    m_promRun->setEnabled(false);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (range) {
        const qint64 win = qint64(m_settings.timeWindowS) * 1000;
        m_prom->queryRange(promql, now - win, now, std::max(1, int(win / 1000 / 250)), promql);
    } else {
        m_prom->query(promql, now, promql);
    }
}

void MonitorPage::onPromAnswer(const QString &tag, const ApiResult &result)
{
    m_promRun->setEnabled(true);
    m_promTable->setRowCount(0);
    m_promChart->removeAllSeries();
    for (auto *a : m_promChart->axes())
        m_promChart->removeAxis(a);
    if (!result.ok) {
        m_promMessage->setText(tr("Prometheus answered with an error (%1): %2")
                                   .arg(result.errorType.isEmpty() ? tr("error") : result.errorType, result.error));
        m_promMessage->setStyleSheet(QStringLiteral("color: #b41414"));
        Q_EMIT promQlAnswered(result);
        return;
    }
    m_promMessage->setStyleSheet(QString());
    if (result.series.isEmpty()) {
        // Say which names the query asked for that do not exist, and which do (asked for
        // asynchronously: the GUI never waits on the network).
        m_promMessage->setText(tr("This query matches no series."));
        m_prom->metricNames(this, [this, tag, result](const QStringList &names, const QString &err) {
            QStringList asked;
            static const QRegularExpression re(QStringLiteral("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*[{\\[]"));
            for (auto it = re.globalMatch(tag); it.hasNext();) {
                const QString n = it.next().captured(1);
                if (!asked.contains(n) && !names.contains(n))
                    asked << n;
            }
            QString text = tr("This query matches no series.");
            if (!asked.isEmpty())
                text += QLatin1Char(' ') + tr("No series named %1.").arg(asked.join(QStringLiteral(", ")));
            if (!names.isEmpty()) {
                QStringList shown = names.mid(0, 40);
                text += QLatin1Char(' ') + tr("Names that exist: %1").arg(shown.join(QStringLiteral(", ")));
                if (names.size() > 40)
                    text += tr(" … and %n more", nullptr, int(names.size()) - 40);
            } else if (!err.isEmpty()) {
                text += QLatin1Char(' ') + tr("(The metric names could not be listed: %1)").arg(err);
            }
            m_promMessage->setText(text);
            Q_EMIT promQlAnswered(result);
        });
        return;
    }
    m_promMessage->setText(tr("%n series (%1), %2 ms", nullptr, int(result.series.size()))
                               .arg(result.resultType)
                               .arg(result.durationMs, 0, 'f', 0));
    m_promTable->setRowCount(int(result.series.size()));
    auto *x = new QDateTimeAxis;
    x->setFormat(QStringLiteral("HH:mm:ss"));
    auto *y = new QValueAxis;
    m_promChart->addAxis(x, Qt::AlignBottom);
    m_promChart->addAxis(y, Qt::AlignLeft);
    qint64 tMin = std::numeric_limits<qint64>::max(), tMax = std::numeric_limits<qint64>::min();
    double vMax = 0;
    for (int i = 0; i < result.series.size(); ++i) {
        const ApiSeries &s = result.series[i];
        QStringList labels;
        for (const auto &l : s.labels)
            labels << QStringLiteral("%1=\"%2\"").arg(l.first, l.second);
        const QString name = QStringLiteral("{%1}").arg(labels.join(QStringLiteral(", ")));
        m_promTable->setItem(i, 0, new QTableWidgetItem(name));
        if (!s.points.isEmpty()) {
            m_promTable->setItem(i, 1, new QTableWidgetItem(QString::number(s.points.back().second, 'g', 6)));
            m_promTable->setItem(i, 2, new QTableWidgetItem(timeText(s.points.back().first)));
        }
        m_promTable->setItem(i, 3, new QTableWidgetItem(QString::number(s.points.size())));
        if (i < 12) {
            auto *line = new QLineSeries;
            line->setName(name.size() > 60 ? name.left(57) + QStringLiteral("…") : name);
            for (const auto &p : s.points) {
                if (!std::isfinite(p.second))
                    continue;
                line->append(double(p.first), p.second);
                tMin = std::min(tMin, p.first);
                tMax = std::max(tMax, p.first);
                vMax = std::max(vMax, p.second);
            }
            line->setPointsVisible(s.points.size() < 3);
            m_promChart->addSeries(line);
            line->attachAxis(x);
            line->attachAxis(y);
        }
    }
    if (tMin <= tMax) {
        x->setRange(QDateTime::fromMSecsSinceEpoch(tMin - 1000), QDateTime::fromMSecsSinceEpoch(tMax + 1000));
        y->setRange(0, vMax > 0 ? vMax * 1.15 : 1);
    }
    Q_EMIT promQlAnswered(result);
}

// ---------------------------------------------------------------------------------------------
// evidence for the Rollout page

rollout::MetricSnapshot MonitorPage::metricSnapshot() const
{
    rollout::MetricSnapshot snap;
    snap.takenAt = QDateTime::currentDateTimeUtc();
    QStringList sources;
    for (const auto &s : m_settings.scrapes)
        sources << QStringLiteral("scrape %1").arg(redactUrl(s.url.toString()));
    if (!m_demoUrl.isEmpty() && sources.isEmpty())
        sources << QStringLiteral("scrape %1").arg(redactUrl(m_demoUrl.toString()));
    snap.source = sources.isEmpty() ? QStringLiteral("Monitor page") : sources.join(QStringLiteral(", "));
    const qint64 window = m_compareWindowMs > 0 ? m_compareWindowMs : qint64(m_settings.rateWindowS) * 5000;
    snap.windowMs = window;
    const std::pair<const char *, const char *> values[] = {{"request_rate", "request_rate"},
                                                            {"error_ratio", "error_ratio"},
                                                            {"p50_ms", "p50_latency_ms"},
                                                            {"p95_ms", "p95_latency_ms"},
                                                            {"p99_ms", "p99_latency_ms"},
                                                            {"restore_p50_ms", "restore_p50_ms"},
                                                            {"restore_p99_ms", "restore_p99_ms"},
                                                            {"restore_fail_ratio", "restore_fail_rate"}};
    for (const auto &[key, metric] : values) {
        const double v = latestValue(QLatin1String(metric));
        if (std::isfinite(v))
            snap.values.insert(QLatin1String(key), v);
    }
    const std::pair<const char *, const char *> compared[] = {{"error_ratio", "error_ratio"},
                                                              {"request_rate", "request_rate"},
                                                              {"p99_ms", "p99_ms"}};
    for (const StageMarker &m : m_engine->markers()) {
        for (const auto &[name, what] : compared) {
            const Comparison c = m_engine->compare(MonitorEngine::seriesName(QString(), QLatin1String(what)), m.tMs, window);
            QJsonObject o{{QStringLiteral("marker"), m.name},
                          {QStringLiteral("t"), QDateTime::fromMSecsSinceEpoch(m.tMs, Qt::UTC).toString(Qt::ISODateWithMs)},
                          {QStringLiteral("window_ms"), window},
                          {QStringLiteral("series"), QLatin1String(name)},
                          {QStringLiteral("before_points"), c.beforePoints},
                          {QStringLiteral("after_points"), c.afterPoints}};
            if (std::isfinite(c.before))
                o.insert(QStringLiteral("before"), c.before);
            if (std::isfinite(c.after))
                o.insert(QStringLiteral("after"), c.after);
            snap.comparisons.append(o);
        }
    }
    for (const BreachEvent &b : m_engine->activeBreaches()) {
        QString op = QStringLiteral(">");
        for (const auto &r : std::as_const(m_settings.rules))
            if (r.id == b.ruleId)
                op = r.op;
        const qint64 now = std::max(m_lastDataMs, b.startedMs);
        snap.activeBreaches << QStringLiteral("%1 %2 %3 %4 for %5")
                                   .arg(metricTitle(b.metric), formatMetricValue(b.metric, latestValue(b.metric)), op,
                                        formatMetricValue(b.metric, b.threshold), formatDuration(now - b.startedMs));
    }
    return snap;
}

QByteArray MonitorPage::chartsPng() const
{
    QWidget *charts = m_tabs->widget(0);
    if (!charts)
        return {};
    if (!charts->isVisible() && (charts->width() < 400 || charts->height() < 300))
        charts->resize(std::max(charts->width(), 1000), std::max(charts->height(), 760));
    const QImage image = charts->grab().toImage();
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return png;
}

}  // namespace codex::ui
