#include "ui/BatchPage.h"

#include "batch/BatchJournal.h"
#include "batch/BatchRunner.h"
#include "config/ConfigResolver.h"
#include "evidence/EvidenceLog.h"
#include "models/BatchItemModel.h"
#include "ui/Banner.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QEventLoop>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMimeData>
#include <QProcessEnvironment>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

namespace codex::ui {

using namespace codex::batch;
using models::BatchFilterModel;
using models::BatchItemModel;

namespace {

constexpr int kMaxRecent = 8;
const char *const kRecentKey = "batch/recentManifests";
const char *const kActorKey = "batch/actor";
constexpr int kIssueIndexRole = Qt::UserRole + 1;
constexpr int kMaxIssuesPerKind = 500;  ///< the tree lists this many per kind; the count names them all

QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}

QString clock(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, ms / 1000);
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

/// "3 unknown tombstones", "1 output escapes the restore root" — one text per kind and count.
QString kindHeading(ValidationIssue::Kind kind, int n)
{
    const QString count = QLocale().toString(n);
    const bool one = n == 1;
    switch (kind) {
    case ValidationIssue::Kind::UnknownTombstone:
        return one ? BatchPage::tr("1 unknown tombstone") : BatchPage::tr("%1 unknown tombstones").arg(count);
    case ValidationIssue::Kind::Purged:
        return one ? BatchPage::tr("1 payload has been purged") : BatchPage::tr("%1 payloads have been purged").arg(count);
    case ValidationIssue::Kind::DuplicateOutput:
        return one ? BatchPage::tr("1 duplicate output") : BatchPage::tr("%1 duplicate outputs").arg(count);
    case ValidationIssue::Kind::OutputExists:
        return one ? BatchPage::tr("1 output already exists") : BatchPage::tr("%1 outputs already exist").arg(count);
    case ValidationIssue::Kind::Unwritable:
        return one ? BatchPage::tr("1 output cannot be written") : BatchPage::tr("%1 outputs cannot be written").arg(count);
    case ValidationIssue::Kind::EscapesRoot:
        return one ? BatchPage::tr("1 output escapes the restore root") : BatchPage::tr("%1 outputs escape the restore root").arg(count);
    case ValidationIssue::Kind::MissingActor:
        return one ? BatchPage::tr("1 entry has no actor") : BatchPage::tr("%1 entries have no actor").arg(count);
    }
    return QString();
}

QLabel *figure(QWidget *parent, const QString &name)
{
    auto *l = new QLabel(parent);
    l->setObjectName(name);
    l->setTextFormat(Qt::RichText);
    return l;
}

}  // namespace

BatchPage::BatchPage(QWidget *parent) : Page(parent), m_model(new BatchItemModel(this)), m_filter(new BatchFilterModel(this))
{
    setObjectName(QStringLiteral("batchPage"));
    setAcceptDrops(true);
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(8, 8, 8, 8);

    // --- Manifest ------------------------------------------------------------------------------
    auto *top = new QHBoxLayout;
    auto *manifestLabel = new QLabel(tr("&Manifest:"), this);
    m_manifestEdit = new QLineEdit(this);
    m_manifestEdit->setObjectName(QStringLiteral("manifestPath"));
    m_manifestEdit->setReadOnly(true);
    m_manifestEdit->setPlaceholderText(tr("Open a JSON or CSV manifest, drop one here, or select items on the Archive page "
                                          "and choose Restore as batch…"));
    manifestLabel->setBuddy(m_manifestEdit);
    m_open = new QToolButton(this);
    m_open->setObjectName(QStringLiteral("openManifestButton"));
    m_open->setText(tr("Open manifest…"));
    m_open->setIcon(style()->standardIcon(QStyle::SP_DialogOpenButton));
    m_open->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_open->setPopupMode(QToolButton::MenuButtonPopup);
    auto *recent = new QMenu(m_open);
    recent->setObjectName(QStringLiteral("recentManifests"));
    m_open->setMenu(recent);
    connect(recent, &QMenu::aboutToShow, this, &BatchPage::fillRecentMenu);
    m_save = new QPushButton(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("Save manifest as…"), this);
    m_save->setObjectName(QStringLiteral("saveManifestButton"));
    top->addWidget(manifestLabel);
    top->addWidget(m_manifestEdit, 1);
    top->addWidget(m_open);
    top->addWidget(m_save);
    outer->addLayout(top);

    // --- Options -------------------------------------------------------------------------------
    auto *options = new QGroupBox(tr("Options"), this);
    options->setObjectName(QStringLiteral("optionsGroup"));
    auto *grid = new QGridLayout(options);
    grid->setHorizontalSpacing(10);
    m_root = new QLineEdit(this);
    m_root->setObjectName(QStringLiteral("restoreRootEdit"));
    m_root->setPlaceholderText(tr("the manifest's folder"));
    auto *browseRoot = new QToolButton(this);
    browseRoot->setObjectName(QStringLiteral("browseRootButton"));
    browseRoot->setText(tr("Browse…"));
    auto *rootLabel = new QLabel(tr("Restore roo&t:"), this);
    rootLabel->setBuddy(m_root);
    auto *rootRow = new QHBoxLayout;
    rootRow->addWidget(m_root, 1);
    rootRow->addWidget(browseRoot);
    m_actor = new QLineEdit(this);
    m_actor->setObjectName(QStringLiteral("actorEdit"));
    m_actor->setPlaceholderText(tr("required"));
    m_actor->setToolTip(tr("Recorded as the actor of every restore whose entry names none (evidence log and event rows)."));
    auto *actorLabel = new QLabel(tr("&Actor:"), this);
    actorLabel->setBuddy(m_actor);
    m_concurrency = new QSpinBox(this);
    m_concurrency->setObjectName(QStringLiteral("concurrencySpin"));
    m_concurrency->setRange(1, 64);
    m_concurrency->setToolTip(tr("How many items are restored at the same time, each on its own worker and connection."));
    auto *workersLabel = new QLabel(tr("&Workers:"), this);
    workersLabel->setBuddy(m_concurrency);
    m_continue = new QCheckBox(tr("C&ontinue on error"), this);
    m_continue->setObjectName(QStringLiteral("continueCheck"));
    m_continue->setToolTip(tr("Off: the first failure stops the batch and the remaining entries are not run. "
                              "On: blocked entries are left out and failures are reported at the end."));
    m_conflict = new QComboBox(this);
    m_conflict->setObjectName(QStringLiteral("conflictCombo"));
    m_conflict->addItem(tr("Refuse (report it)"), int(archive::ConflictPolicy::Refuse));
    m_conflict->addItem(tr("Overwrite"), int(archive::ConflictPolicy::Overwrite));
    m_conflict->addItem(tr("Rename with a suffix"), int(archive::ConflictPolicy::RenameWithSuffix));
    auto *conflictLabel = new QLabel(tr("When an output &exists:"), this);
    conflictLabel->setBuddy(m_conflict);
    m_outside = new QCheckBox(tr("Allow outputs outside the restore root"), this);
    m_outside->setObjectName(QStringLiteral("outsideCheck"));
    m_outside->setToolTip(tr("Outputs with \"..\", absolute paths elsewhere or symbolic links leading out of the restore "
                             "root are refused unless this is on."));
    m_origin = new QLabel(this);
    m_origin->setObjectName(QStringLiteral("originLabel"));
    m_origin->setWordWrap(true);
    m_origin->setForegroundRole(QPalette::PlaceholderText);
    m_origin->setTextInteractionFlags(Qt::TextSelectableByMouse);
    grid->addWidget(rootLabel, 0, 0);
    grid->addLayout(rootRow, 0, 1, 1, 3);
    grid->addWidget(actorLabel, 0, 4);
    grid->addWidget(m_actor, 0, 5);
    grid->addWidget(workersLabel, 1, 0);
    auto *row2 = new QHBoxLayout;
    row2->addWidget(m_concurrency);
    row2->addSpacing(16);
    row2->addWidget(m_continue);
    row2->addSpacing(16);
    row2->addWidget(conflictLabel);
    row2->addWidget(m_conflict);
    row2->addSpacing(16);
    row2->addWidget(m_outside);
    row2->addStretch(1);
    grid->addLayout(row2, 1, 1, 1, 5);
    grid->addWidget(m_origin, 2, 0, 1, 6);
    grid->setColumnStretch(1, 3);
    grid->setColumnStretch(5, 1);
    outer->addWidget(options);

    m_error = new Banner(Banner::Kind::Error, this);
    m_error->setObjectName(QStringLiteral("batchError"));
    m_info = new Banner(Banner::Kind::Info, this);
    m_info->setObjectName(QStringLiteral("batchInfo"));
    outer->addWidget(m_error);
    outer->addWidget(m_info);

    // --- Run controls and figures --------------------------------------------------------------
    auto *buttons = new QHBoxLayout;
    m_validate = new QPushButton(style()->standardIcon(QStyle::SP_DialogApplyButton), tr("&Validate"), this);
    m_validate->setObjectName(QStringLiteral("validateButton"));
    m_run = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("&Run"), this);
    m_run->setObjectName(QStringLiteral("runButton"));
    m_run->setDefault(true);
    m_pause = new QPushButton(style()->standardIcon(QStyle::SP_MediaPause), tr("&Pause"), this);
    m_pause->setObjectName(QStringLiteral("pauseButton"));
    m_cancel = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("&Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelButton"));
    m_retry = new QPushButton(style()->standardIcon(QStyle::SP_BrowserReload), tr("Retry &failed"), this);
    m_retry->setObjectName(QStringLiteral("retryButton"));
    m_resume = new QPushButton(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("Resume from &journal…"), this);
    m_resume->setObjectName(QStringLiteral("resumeButton"));
    m_resume->setToolTip(tr("Continue a cancelled or interrupted run: items already restored and verified are skipped."));
    for (QPushButton *b : {m_validate, m_run, m_pause, m_cancel, m_retry, m_resume})
        buttons->addWidget(b);
    m_runHint = new QLabel(this);
    m_runHint->setObjectName(QStringLiteral("runHint"));
    m_runHint->setWordWrap(true);
    buttons->addWidget(m_runHint, 1);
    outer->addLayout(buttons);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("batchProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(true);
    m_progress->setMinimumHeight(22);
    outer->addWidget(m_progress);

    auto *figures = new QHBoxLayout;
    figures->setSpacing(10);
    m_succeeded = figure(this, QStringLiteral("succeededLabel"));
    m_failed = figure(this, QStringLiteral("failedLabel"));
    m_skipped = figure(this, QStringLiteral("skippedLabel"));
    m_rate = figure(this, QStringLiteral("rateLabel"));
    m_throughput = figure(this, QStringLiteral("throughputLabel"));
    m_elapsed = figure(this, QStringLiteral("elapsedLabel"));
    m_eta = figure(this, QStringLiteral("etaLabel"));
    // Room for the widest figure each label shows, so the row neither clips nor jumps as digits change.
    QFont boldFont = font();
    boldFont.setBold(true);
    const QFontMetrics fm(boldFont);
    const QList<QPair<QLabel *, QString>> samples = {
        {m_succeeded, tr("%1 restored").arg(QStringLiteral("00,000"))},
        {m_failed, tr("%1 failed").arg(QStringLiteral("00,000"))},
        {m_skipped, tr("%1 skipped").arg(QStringLiteral("00,000"))},
        {m_rate, tr("%1 items/s").arg(QStringLiteral("00,000"))},
        {m_throughput, tr("%1 MB/s").arg(QStringLiteral("0,000.0"))},
        {m_elapsed, tr("elapsed %1").arg(QStringLiteral("00:00"))},
        {m_eta, tr("ETA %1").arg(QStringLiteral("00:00"))},
    };
    for (const auto &[label, sample] : samples) {
        label->setMinimumWidth(fm.horizontalAdvance(sample) + 6);
        figures->addWidget(label);
    }
    figures->addStretch(1);
    outer->addLayout(figures);

    auto *results = new QHBoxLayout;
    m_resultsLabel = new QLabel(this);
    m_resultsLabel->setObjectName(QStringLiteral("resultsLabel"));
    m_resultsLabel->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_resultsLabel->setTextFormat(Qt::RichText);
    m_resultsLabel->setWordWrap(true);
    m_openResults = new QPushButton(style()->standardIcon(QStyle::SP_FileIcon), tr("Open results file"), this);
    m_openResults->setObjectName(QStringLiteral("openResultsButton"));
    results->addWidget(m_resultsLabel, 1);
    results->addWidget(m_openResults);
    outer->addLayout(results);

    // --- Validation report over the per-item table ----------------------------------------------
    // One above the other, so the table gets the full width (its error column matters most).
    auto *split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("batchSplitter"));
    split->setChildrenCollapsible(false);
    auto *top2 = new QGroupBox(tr("Validation"), split);
    auto *vl = new QHBoxLayout(top2);
    auto *summaryColumn = new QVBoxLayout;
    m_reportSummary = new QLabel(top2);
    m_reportSummary->setObjectName(QStringLiteral("reportSummary"));
    m_reportSummary->setWordWrap(true);
    m_reportSummary->setTextFormat(Qt::RichText);
    m_reportSummary->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_reportSummary->setFixedWidth(290);
    summaryColumn->addWidget(m_reportSummary);
    summaryColumn->addStretch(1);
    auto *reportHint = new QLabel(tr("Click an issue to select its entry."), top2);
    reportHint->setForegroundRole(QPalette::PlaceholderText);
    reportHint->setWordWrap(true);
    reportHint->setFixedWidth(290);
    summaryColumn->addWidget(reportHint);
    vl->addLayout(summaryColumn);
    m_report = new QTreeWidget(top2);
    m_report->setObjectName(QStringLiteral("validationReport"));
    m_report->setHeaderHidden(true);
    m_report->setColumnCount(1);
    m_report->setWordWrap(false);
    m_report->setTextElideMode(Qt::ElideMiddle);
    m_report->setUniformRowHeights(true);
    m_report->setMinimumHeight(70);
    vl->addWidget(m_report, 1);

    auto *right = new QWidget(split);
    auto *rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 4, 0, 0);
    auto *filterRow = new QHBoxLayout;
    m_filterMode = new QComboBox(right);
    m_filterMode->setObjectName(QStringLiteral("filterMode"));
    m_filterMode->addItem(tr("All entries"));
    m_filterMode->addItem(tr("Failures only"));
    m_filterMode->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    auto *showLabel = new QLabel(tr("S&how:"), right);
    showLabel->setBuddy(m_filterMode);
    m_search = new QLineEdit(right);
    m_search->setObjectName(QStringLiteral("searchEdit"));
    m_search->setPlaceholderText(tr("Search tombstone, output, actor or error…"));
    m_search->setClearButtonEnabled(true);
    m_filterCount = new QLabel(right);
    m_filterCount->setObjectName(QStringLiteral("filterCount"));
    filterRow->addWidget(showLabel);
    filterRow->addWidget(m_filterMode);
    filterRow->addWidget(m_search, 1);
    filterRow->addWidget(m_filterCount);
    m_follow = new QCheckBox(tr("Fo&llow the run"), right);
    m_follow->setObjectName(QStringLiteral("followCheck"));
    m_follow->setToolTip(tr("Keep the entries being restored in view."));
    m_follow->setChecked(true);
    filterRow->addSpacing(8);
    filterRow->addWidget(m_follow);
    rl->addLayout(filterRow);
    m_filter->setSourceModel(m_model);
    m_table = new QTableView(right);
    m_table->setObjectName(QStringLiteral("batchTable"));
    m_table->setModel(m_filter);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(BatchItemModel::IndexColumn, Qt::AscendingOrder);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(22);
    QHeaderView *h = m_table->horizontalHeader();
    h->setStretchLastSection(true);
    const QFontMetrics tfm(m_table->font());
    h->resizeSection(BatchItemModel::IndexColumn, tfm.horizontalAdvance(QStringLiteral("000,000")) + 12);
    h->resizeSection(BatchItemModel::TombstoneColumn, tfm.horizontalAdvance(QStringLiteral("0bc4b8d1-a799-41e2-a6d9-32aeb7b33cb0")) + 16);
    h->resizeSection(BatchItemModel::OutputColumn, 280);
    h->resizeSection(BatchItemModel::ActorColumn, 80);
    h->resizeSection(BatchItemModel::StatusColumn, 125);
    h->resizeSection(BatchItemModel::AttemptsColumn, tfm.horizontalAdvance(tr("Attempts")) + 20);
    h->resizeSection(BatchItemModel::DurationColumn, 76);
    rl->addWidget(m_table, 1);
    split->addWidget(top2);
    split->addWidget(right);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({150, 600});
    outer->addWidget(split, 1);

    m_validateTimer = new QTimer(this);
    m_validateTimer->setSingleShot(true);
    m_validateTimer->setInterval(400);  // typing a root does not validate on every keystroke
    connect(m_validateTimer, &QTimer::timeout, this, &BatchPage::validate);
    m_searchTimer = new QTimer(this);
    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(200);
    connect(m_searchTimer, &QTimer::timeout, this, [this] {
        m_filter->setText(m_search->text());
        updateFilterCount();
    });

    // --- Wiring --------------------------------------------------------------------------------
    connect(m_open, &QToolButton::clicked, this, [this] {
        const QString start = m_hasManifest && !m_manifest.path.isEmpty() ? QFileInfo(m_manifest.path).absolutePath()
                                                                          : m_workspace.root();
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a batch manifest"), start,
                                                          tr("Manifests (*.json *.csv);;JSON (*.json);;CSV (*.csv);;All files (*)"));
        if (!path.isEmpty())
            openManifest(path);
    });
    connect(m_save, &QPushButton::clicked, this, [this] {
        const QString suggested = !m_manifest.path.isEmpty()
                                      ? m_manifest.path
                                      : QDir(m_manifest.baseDir.isEmpty() ? m_workspace.root() : m_manifest.baseDir)
                                            .filePath(QStringLiteral("manifest.json"));
        const QString path = QFileDialog::getSaveFileName(this, tr("Save the manifest"), suggested,
                                                          tr("JSON manifest (*.json);;CSV manifest (*.csv)"));
        if (!path.isEmpty())
            saveManifest(path);
    });
    connect(browseRoot, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Restore root"), m_root->text());
        if (!dir.isEmpty())
            setRestoreRoot(dir);
    });
    connect(m_root, &QLineEdit::textEdited, this, [this] { m_rootEdited = true; });
    connect(m_root, &QLineEdit::textChanged, this, [this] {
        if (m_fromSelection && m_manifestDirty && !isRunning())
            rebuildSelectionManifest();
        scheduleValidation();
    });
    connect(m_actor, &QLineEdit::textChanged, this, [this] {
        m_model->setDefaultActor(m_actor->text().trimmed());
        scheduleValidation();
    });
    connect(m_conflict, &QComboBox::currentIndexChanged, this, &BatchPage::scheduleValidation);
    connect(m_outside, &QCheckBox::toggled, this, &BatchPage::scheduleValidation);
    connect(m_continue, &QCheckBox::toggled, this, &BatchPage::updateRunButton);
    connect(m_validate, &QPushButton::clicked, this, &BatchPage::validate);
    connect(m_run, &QPushButton::clicked, this, [this] { startRun(); });
    connect(m_pause, &QPushButton::clicked, this, [this] {
        if (m_runner && m_runner->isPaused())
            resumeRun();
        else
            pauseRun();
    });
    connect(m_cancel, &QPushButton::clicked, this, &BatchPage::cancelRun);
    connect(m_retry, &QPushButton::clicked, this, &BatchPage::retryFailed);
    connect(m_resume, &QPushButton::clicked, this, [this] {
        QString start = journalPath().isEmpty() ? QString() : QFileInfo(journalPath()).absolutePath();
        if (start.isEmpty())
            start = m_hasManifest && !m_manifest.baseDir.isEmpty() ? m_manifest.baseDir : m_workspace.root();
        const QString path = QFileDialog::getOpenFileName(this, tr("Resume a batch from its journal"), start,
                                                          tr("Batch journals (*.journal);;All files (*)"));
        if (!path.isEmpty())
            resumeFromJournal(path);
    });
    connect(m_openResults, &QPushButton::clicked, this, [this] {
        if (!m_resultsPath.isEmpty())
            QDesktopServices::openUrl(QUrl::fromLocalFile(m_resultsPath));
    });
    connect(m_resultsLabel, &QLabel::linkActivated, this, [](const QString &link) { QDesktopServices::openUrl(QUrl(link)); });
    connect(m_report, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem *item) {
        const QVariant v = item->data(0, kIssueIndexRole);
        if (v.isValid() && v.toInt() >= 0)
            selectEntry(v.toInt());
    });
    connect(m_report, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem *item) {
        const QVariant v = item->data(0, kIssueIndexRole);
        if (v.isValid() && v.toInt() >= 0)
            selectEntry(v.toInt());
    });
    connect(m_filterMode, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_filter->setFailuresOnly(i == 1);
        updateFilterCount();
    });
    connect(m_search, &QLineEdit::textChanged, m_searchTimer, qOverload<>(&QTimer::start));
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_filter, signal, this, &BatchPage::updateFilterCount);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &BatchPage::updateFilterCount);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &BatchPage::updateFilterCount);

    const QString lastActor = QSettings().value(QLatin1String(kActorKey)).toString();
    m_actor->setText(!lastActor.isEmpty() ? lastActor : qEnvironmentVariable("USER", QStringLiteral("admin")));
    resetFigures();
    showReport({});
    updateButtons();
}

BatchPage::~BatchPage()
{
    // A runner still working is cancelled and waited for by its destructor (nothing half-written).
    m_model->attach(nullptr);
    if (m_runner) {
        disconnect(m_runner, nullptr, this, nullptr);
        delete m_runner;
    }
}

QString BatchPage::title() const
{
    return tr("Batch");
}

QIcon BatchPage::icon() const
{
    return style()->standardIcon(QStyle::SP_FileDialogListView);
}

void BatchPage::setWorkspace(const Workspace &workspace)
{
    if (isRunning())
        cancelAndWait();
    m_workspace = workspace;
    loadConfig();
    if (m_fromSelection && m_manifestDirty && !m_rootEdited)
        setRestoreRoot(QDir(workspace.root()).filePath(QStringLiteral("restored")));
    if (m_hasManifest)
        validate();
    updateButtons();
}

void BatchPage::loadConfig()
{
    config::ConfigInputs inputs;
    inputs.workspace = m_workspace.root();
    const QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
    for (const QString &n : pe.keys())
        inputs.environment.insert(n, pe.value(n));
    m_evidencePath = evidence::EvidenceLog::defaultPath(m_workspace.root(), inputs.environment);
    const config::ResolvedConfig rc =
        config::ConfigResolver::resolve(config::PrecedenceProfile::byKind(config::ProfileKind::ArchiveA), inputs);
    archive::ArchiveError error;
    m_location = archive::ArchiveLocation::fromConfig(rc, m_workspace.root(), &error);
    m_locationError = m_location ? QString() : error.message;
    m_error->showMessage(m_location ? QString() : tr("No archive to restore from: %1").arg(esc(error.message)));

    m_configOptions = BatchOptions::fromConfig(rc);
    m_concurrency->setValue(std::clamp(m_configOptions.concurrency, 1, m_concurrency->maximum()));
    m_continue->setChecked(m_configOptions.continueOnError);
    m_conflict->setCurrentIndex(std::max(0, m_conflict->findData(int(m_configOptions.conflict))));

    QStringList parts;
    for (const char *key : {"batch.max_concurrent", "batch.concurrent", "batch.continue_on_error", "batch.timeout_per_item",
                            "retry.enabled", "retry.max_attempts"}) {
        const config::ResolvedKey *k = rc.find(QLatin1String(key));
        if (!k || !k->schema)
            continue;
        const QString value = config::ConfigResolver::displayValue(*k->schema, k->value);
        parts.append(k->origin.source == config::Source::Default
                         ? tr("%1 = %2 (default)").arg(QLatin1String(key), value)
                         : tr("%1 = %2 from %3").arg(QLatin1String(key), value, k->origin.toString()));
    }
    m_origin->setText(tr("Defaults from the effective configuration (profile %1): %2")
                          .arg(rc.profile ? rc.profile->id : QString(), parts.join(QStringLiteral(" · "))));
}

bool BatchPage::hasUnsavedChanges() const
{
    return isRunning() || (m_hasManifest && m_manifestDirty);
}

bool BatchPage::isRunning() const
{
    return m_runActive;
}

QString BatchPage::journalPath() const
{
    if (m_summary && !m_summary->journalPath.isEmpty())
        return m_summary->journalPath;
    return m_runner ? m_runner->journalPath() : QString();
}

BatchOptions BatchPage::currentOptions() const
{
    BatchOptions o = m_configOptions;
    o.actor = m_actor->text().trimmed();
    o.concurrency = m_concurrency->value();
    o.continueOnError = m_continue->isChecked();
    o.conflict = archive::ConflictPolicy(m_conflict->currentData().toInt());
    const QString root = m_root->text().trimmed();
    o.restoreRoot = root.isEmpty() ? m_manifest.baseDir : QDir::cleanPath(QDir(m_workspace.root()).absoluteFilePath(root));
    o.allowOutsideRoot = m_outside->isChecked();
    o.evidencePath = m_evidencePath;
    return o;
}

void BatchPage::setActor(const QString &actor)
{
    m_actor->setText(actor);
}

void BatchPage::setRestoreRoot(const QString &folder)
{
    m_rootEdited = true;
    m_root->setText(folder);
}

void BatchPage::setConcurrency(int workers)
{
    m_concurrency->setValue(workers);
}

void BatchPage::setContinueOnError(bool on)
{
    m_continue->setChecked(on);
}

void BatchPage::setConflictPolicy(archive::ConflictPolicy policy)
{
    m_conflict->setCurrentIndex(std::max(0, m_conflict->findData(int(policy))));
}

void BatchPage::setAllowOutsideRoot(bool on)
{
    m_outside->setChecked(on);
}

void BatchPage::setFailuresOnly(bool on)
{
    m_filterMode->setCurrentIndex(on ? 1 : 0);
}

void BatchPage::setSearchText(const QString &text)
{
    m_search->setText(text);
    m_searchTimer->stop();
    m_filter->setText(text);
    updateFilterCount();
}

// --- Manifests -----------------------------------------------------------------------------------

bool BatchPage::openManifest(const QString &path)
{
    if (isRunning()) {
        m_error->showMessage(tr("A batch is running. Cancel it or wait for it to finish before opening another manifest."));
        return false;
    }
    const QString abs = QFileInfo(path).absoluteFilePath();
    QList<ManifestError> errors;
    const std::optional<Manifest> manifest = Manifest::load(abs, &errors);
    if (!manifest) {
        showManifestErrors(abs, errors);
        return false;
    }
    m_error->showMessage({});
    m_info->showMessage({});
    m_info->clearActions();
    m_rootEdited = false;
    m_selection.clear();
    m_manifestDirty = false;
    setManifest(*manifest, false);
    rememberRecent(abs);
    return true;
}

void BatchPage::showManifestErrors(const QString &path, const QList<ManifestError> &errors)
{
    QStringList lines;
    for (const ManifestError &e : errors)
        lines.append(e.message);
    if (lines.isEmpty())
        lines.append(tr("%1 could not be read.").arg(path));
    const int n = int(lines.size());
    QString text = n == 1 ? tr("The manifest %1 cannot be used; nothing was run:").arg(esc(QDir::toNativeSeparators(path)))
                          : tr("The manifest %1 cannot be used (%2 problems); nothing was run:")
                                .arg(esc(QDir::toNativeSeparators(path)))
                                .arg(n);
    QStringList shown;
    for (const QString &l : lines.mid(0, 8))
        shown.append(esc(l));
    text += QStringLiteral("<br/>") + shown.join(QStringLiteral("<br/>"));
    if (n > 8)
        text += QStringLiteral("<br/>") + tr("… and %1 more (listed under Validation).").arg(n - 8);
    m_error->showMessage(text);
    // The full list goes to the report, where nothing is cut.
    m_report->clear();
    auto *group = new QTreeWidgetItem(m_report, {n == 1 ? tr("1 problem in the manifest") : tr("%1 problems in the manifest").arg(n)});
    group->setIcon(0, style()->standardIcon(QStyle::SP_MessageBoxCritical));
    for (const ManifestError &e : errors) {
        auto *child = new QTreeWidgetItem(group, {e.message});
        child->setToolTip(0, e.message);
        child->setData(0, kIssueIndexRole, -1);
    }
    group->setExpanded(true);
    m_reportSummary->setText(tr("<span style='color:#c62828'>The manifest was not loaded.</span>"));
}

void BatchPage::buildFromSelection(const QList<SelectedItem> &items)
{
    if (isRunning()) {
        m_error->showMessage(tr("A batch is running. Cancel it or wait for it to finish before building another."));
        return;
    }
    if (items.isEmpty())
        return;
    m_error->showMessage({});
    m_info->clearActions();
    m_selection = items;
    m_manifestDirty = true;
    // The admin's choice of root for an earlier selection stays; otherwise <workspace>/restored,
    // as the Archive page's restore dialog proposes.
    if (!(m_fromSelection && m_rootEdited) || m_root->text().trimmed().isEmpty()) {
        const QSignalBlocker block(m_root);
        m_root->setText(QDir::toNativeSeparators(QDir(m_workspace.root()).filePath(QStringLiteral("restored"))));
        m_rootEdited = false;
    }
    m_fromSelection = true;
    rebuildSelectionManifest();
    m_info->setKind(Banner::Kind::Info);
    m_info->showMessage(items.size() == 1
                            ? tr("A manifest of the selected item was built from the Archive page: it goes to "
                                 "&lt;restore root&gt;/&lt;repository&gt;/&lt;path&gt;. Save it to keep it; a run saves it next to its results.")
                            : tr("A manifest of %1 selected items was built from the Archive page: each goes to "
                                 "&lt;restore root&gt;/&lt;repository&gt;/&lt;path&gt;. Save it to keep it; a run saves it next to its results.")
                                  .arg(QLocale().toString(int(items.size()))));
}

void BatchPage::rebuildSelectionManifest()
{
    const QString root = QDir::cleanPath(QDir(m_workspace.root()).absoluteFilePath(m_root->text().trimmed()));
    QList<ManifestEntry> entries;
    entries.reserve(m_selection.size());
    for (int i = 0; i < m_selection.size(); ++i) {
        const SelectedItem &s = m_selection.at(i);
        ManifestEntry e;
        e.index = i;
        e.tombstone = s.tombstone;
        e.output = QDir::cleanPath(s.repo + QLatin1Char('/') + s.path);
        e.resolvedOutput = QDir::cleanPath(QDir(root).absoluteFilePath(e.output));
        entries.append(e);
    }
    setManifest(Manifest::fromEntries(root, entries), true);
}

void BatchPage::setManifest(const Manifest &manifest, bool fromSelection)
{
    dropRunner();
    m_manifest = manifest;
    m_hasManifest = true;
    m_fromSelection = fromSelection;
    m_lastReport.reset();
    m_summary.reset();
    m_resultsPath.clear();
    m_model->setManifest(manifest, m_actor->text().trimmed());
    m_filterMode->setItemText(1, tr("Failures only"));
    if (!fromSelection && !m_rootEdited) {
        const QSignalBlocker block(m_root);
        m_root->setText(QDir::toNativeSeparators(manifest.baseDir));
    }
    const int n = int(manifest.entries.size());
    m_manifestEdit->setText(!manifest.path.isEmpty() ? QDir::toNativeSeparators(manifest.path)
                            : n == 1                 ? tr("(built from 1 selected item, not saved)")
                                                     : tr("(built from %1 selected items, not saved)").arg(QLocale().toString(n)));
    m_manifestEdit->setToolTip(manifest.path);
    resetFigures();
    m_progress->setRange(0, std::max(1, int(manifest.entries.size())));
    m_progress->setFormat(tr("%1 entries").arg(QLocale().toString(int(manifest.entries.size()))));
    updateFilterCount();
    if (fromSelection) {
        m_validateTimer->start();  // the root may still be being typed
    } else {
        m_validateTimer->stop();
        validate();
    }
}

bool BatchPage::saveManifest(const QString &path)
{
    if (!m_hasManifest)
        return false;
    const QFileInfo fi(path);
    // Outputs are written relative to the folder of the file they are saved in (the reference
    // resolves them against the manifest's folder), so the saved file restores to the same places.
    Manifest copy = m_manifest;
    copy.path = fi.absoluteFilePath();
    copy.baseDir = fi.absolutePath();
    const QDir base(copy.baseDir);
    for (ManifestEntry &e : copy.entries) {
        const QString rel = base.relativeFilePath(e.resolvedOutput);
        e.output = rel.startsWith(QLatin1String("../")) || rel == QLatin1String("..") || QDir::isAbsolutePath(rel) ? e.resolvedOutput : rel;
    }
    QString error;
    if (!copy.save(copy.path, &error)) {
        m_error->showMessage(tr("The manifest could not be saved to %1: %2").arg(esc(path), esc(error)));
        return false;
    }
    m_error->showMessage({});
    m_manifest.path = copy.path;
    m_manifest.baseDir = copy.baseDir;
    m_manifest.format = copy.format;
    m_manifest.entries = copy.entries;
    m_manifestDirty = false;
    m_manifestEdit->setText(QDir::toNativeSeparators(copy.path));
    m_manifestEdit->setToolTip(copy.path);
    rememberRecent(copy.path);
    return true;
}

bool BatchPage::ensureManifestSaved()
{
    if (!m_manifestDirty)
        return true;
    // A run of a manifest built in memory saves it first, so its journal can name it (resume) and
    // the BATCH_RESTORE record points at what was run.
    const QString folder = m_manifest.baseDir;
    if (!QDir().mkpath(folder)) {
        m_error->showMessage(tr("The folder %1 cannot be created for the manifest.").arg(esc(folder)));
        return false;
    }
    QString path = QDir(folder).filePath(
        QStringLiteral("batch_manifest_%1.json").arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd_HHmmss"))));
    for (int n = 2; QFileInfo::exists(path); ++n)
        path = QDir(folder).filePath(QStringLiteral("batch_manifest_%1_%2.json")
                                         .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd_HHmmss")))
                                         .arg(n));
    if (!saveManifest(path))
        return false;
    m_info->setKind(Banner::Kind::Info);
    m_info->clearActions();
    m_info->showMessage(tr("The manifest was saved as %1 so this run can be resumed and audited.").arg(esc(QDir::toNativeSeparators(path))));
    return true;
}

void BatchPage::rememberRecent(const QString &path)
{
    QSettings s;
    QStringList list = s.value(QLatin1String(kRecentKey)).toStringList();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecent)
        list.removeLast();
    s.setValue(QLatin1String(kRecentKey), list);
}

void BatchPage::fillRecentMenu()
{
    QMenu *menu = m_open->menu();
    menu->clear();
    const QStringList list = QSettings().value(QLatin1String(kRecentKey)).toStringList();
    if (list.isEmpty()) {
        menu->addAction(tr("No recent manifests"))->setEnabled(false);
        return;
    }
    for (const QString &p : list) {
        QAction *a = menu->addAction(QDir::toNativeSeparators(p), this, [this, p] { openManifest(p); });
        a->setEnabled(QFileInfo::exists(p));
    }
    menu->addSeparator();
    menu->addAction(tr("Clear the list"), this, [] { QSettings().remove(QLatin1String(kRecentKey)); });
}

void BatchPage::dragEnterEvent(QDragEnterEvent *event)
{
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.size() == 1 && urls.first().isLocalFile()) {
        const QString suffix = QFileInfo(urls.first().toLocalFile()).suffix().toLower();
        if (suffix == QLatin1String("json") || suffix == QLatin1String("csv") || suffix == QLatin1String("jsonl")
            || suffix == QLatin1String("journal"))
            event->acceptProposedAction();
    }
}

void BatchPage::dropEvent(QDropEvent *event)
{
    const QString path = event->mimeData()->urls().value(0).toLocalFile();
    if (path.endsWith(QLatin1String(".journal"), Qt::CaseInsensitive))
        resumeFromJournal(path);
    else
        openManifest(path);
    event->acceptProposedAction();
}

// --- Runner ----------------------------------------------------------------------------------------

BatchRunner *BatchPage::newRunner(const Manifest &manifest, const BatchOptions &options)
{
    dropRunner();
    auto *runner = new BatchRunner(*m_location, manifest, options, this);
    m_runner = runner;
    connect(runner, &BatchRunner::validated, this, &BatchPage::onValidated);
    connect(runner, &BatchRunner::progressed, this, [this](const BatchProgress &p, const QList<int> &changed) {
        onProgress(p);
        followRun(changed);
    });
    connect(runner, &BatchRunner::finished, this, &BatchPage::onFinished);
    return runner;
}

void BatchPage::dropRunner()
{
    if (!m_runner)
        return;
    m_model->attach(nullptr);
    BatchRunner *old = m_runner;
    m_runner = nullptr;
    disconnect(old, nullptr, this, nullptr);
    // Never wait for a worker in the GUI thread: a runner still busy is deleted once it is done.
    if (m_validating) {
        connect(old, &BatchRunner::validated, old, &QObject::deleteLater);
        connect(old, &BatchRunner::finished, old, &QObject::deleteLater);
    } else if (old->isRunning()) {
        old->cancel();
        connect(old, &BatchRunner::finished, old, &QObject::deleteLater);
    } else {
        old->deleteLater();
    }
    m_validating = false;
    m_runActive = false;
    m_finishedOnce = false;
}

void BatchPage::scheduleValidation()
{
    if (m_hasManifest && !isRunning())
        m_validateTimer->start();
}

bool BatchPage::checkReady()
{
    if (!m_hasManifest) {
        m_error->showMessage(tr("Open a manifest first."));
        return false;
    }
    if (!m_location) {
        m_error->showMessage(tr("No archive to restore from: %1").arg(esc(m_locationError)));
        return false;
    }
    if (m_actor->text().trimmed().isEmpty()) {
        m_error->showMessage(tr("Enter the actor: every restore is recorded under a name in the evidence log."));
        m_actor->setFocus();
        return false;
    }
    return true;
}

void BatchPage::validate()
{
    m_validateTimer->stop();
    if (!m_hasManifest || isRunning() || !m_location)
        return;
    BatchRunner *runner = newRunner(m_manifest, currentOptions());
    m_validating = true;
    m_reportSummary->setText(tr("Validating %1 entries against the archive…").arg(QLocale().toString(int(m_manifest.entries.size()))));
    updateButtons();
    runner->validateOnly();
}

void BatchPage::onValidated(const ValidationReport &report)
{
    m_validating = false;
    m_lastReport = report;
    if (!report.error.isEmpty())
        m_error->showMessage(tr("The manifest could not be validated: %1").arg(esc(report.error)));
    showReport(report);
    if (!isRunning())
        m_model->setValidation(report);
    updateButtons();
    Q_EMIT validationShown();
}

void BatchPage::showReport(const ValidationReport &report)
{
    m_report->setUpdatesEnabled(false);
    m_report->clear();
    if (!m_hasManifest) {
        m_reportSummary->setText(tr("No manifest open."));
        m_report->setUpdatesEnabled(true);
        return;
    }
    if (!report.error.isEmpty()) {
        auto *item = new QTreeWidgetItem(m_report, {report.error});
        item->setIcon(0, style()->standardIcon(QStyle::SP_MessageBoxCritical));
        item->setToolTip(0, report.error);
        m_reportSummary->setText(tr("<span style='color:#c62828'>Validation failed.</span>"));
        m_report->setUpdatesEnabled(true);
        return;
    }
    std::map<int, QList<const ValidationIssue *>> byKind;
    for (const ValidationIssue &issue : report.issues)
        byKind[int(issue.kind)].append(&issue);
    for (const auto &[kind, issues] : byKind) {
        const bool blocking = std::any_of(issues.begin(), issues.end(), [](const ValidationIssue *i) { return i->blocking; });
        auto *group = new QTreeWidgetItem(m_report, {kindHeading(ValidationIssue::Kind(kind), int(issues.size()))});
        group->setIcon(0, style()->standardIcon(blocking ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxWarning));
        group->setToolTip(0, blocking ? tr("These entries are blocked: they are never attempted.")
                                      : tr("A warning: these entries run."));
        QFont bold = group->font(0);
        bold.setBold(true);
        group->setFont(0, bold);
        for (int i = 0; i < issues.size() && i < kMaxIssuesPerKind; ++i) {
            auto *child = new QTreeWidgetItem(group, {issues[i]->message});
            child->setToolTip(0, issues[i]->message);
            child->setData(0, kIssueIndexRole, issues[i]->index);
        }
        if (issues.size() > kMaxIssuesPerKind)
            new QTreeWidgetItem(group, {tr("… and %1 more").arg(issues.size() - kMaxIssuesPerKind)});
        group->setExpanded(issues.size() <= 50);
    }
    const int blocked = int(report.blockedIndexes().size());
    const int runnable = report.total - blocked;
    const QLocale loc;
    if (report.issues.isEmpty())
        m_reportSummary->setText(tr("<span style='color:#2e7d32'>✔ All %1 entries can be restored.</span>").arg(loc.toString(report.total)));
    else if (blocked == 0)
        m_reportSummary->setText(report.issues.size() == 1
                                     ? tr("%1 entries can be restored; 1 warning below.").arg(loc.toString(report.total))
                                     : tr("%1 entries can be restored; %2 warnings below.")
                                           .arg(loc.toString(report.total), loc.toString(int(report.issues.size()))));
    else
        m_reportSummary->setText(tr("<b>%1</b> of %2 entries can be restored; <span style='color:#c62828'><b>%3</b> blocked</span> "
                                    "(never attempted).")
                                     .arg(loc.toString(runnable), loc.toString(report.total), loc.toString(blocked)));
    m_filterMode->setItemText(1, blocked > 0 ? tr("Failures only (%1)").arg(loc.toString(blocked)) : tr("Failures only"));
    m_report->setUpdatesEnabled(true);
}

void BatchPage::selectEntry(int index)
{
    if (index < 0 || index >= m_model->rowCount())
        return;
    const QModelIndex source = m_model->index(index, BatchItemModel::IndexColumn);
    QModelIndex proxy = m_filter->mapFromSource(source);
    if (!proxy.isValid()) {
        setFailuresOnly(false);
        setSearchText(QString());
        proxy = m_filter->mapFromSource(source);
    }
    if (!proxy.isValid())
        return;
    m_table->selectionModel()->setCurrentIndex(proxy, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(proxy, QAbstractItemView::PositionAtCenter);
}

bool BatchPage::startRun()
{
    if (isRunning())
        return false;
    m_error->showMessage({});
    if (!checkReady())
        return false;
    const bool saving = m_manifestDirty;
    if (!ensureManifestSaved())
        return false;
    if (!saving) {
        m_info->showMessage({});
        m_info->clearActions();
    }
    QSettings().setValue(QLatin1String(kActorKey), m_actor->text().trimmed());
    BatchRunner *runner = newRunner(m_manifest, currentOptions());
    m_model->setManifest(m_manifest, m_actor->text().trimmed());
    m_model->attach(runner);
    m_runActive = true;
    m_summary.reset();
    m_resultsPath.clear();
    resetFigures();
    m_progress->setRange(0, std::max(1, int(m_manifest.entries.size())));
    m_progress->setValue(0);
    updateButtons();
    Q_EMIT statusChanged(tr("Batch: restoring %1 entries…").arg(QLocale().toString(int(m_manifest.entries.size()))));
    runner->start();
    return true;
}

void BatchPage::pauseRun()
{
    if (!m_runner || !isRunning())
        return;
    m_runner->pause();
    updateButtons();
}

void BatchPage::resumeRun()
{
    if (!m_runner || !isRunning())
        return;
    m_runner->unpause();
    updateButtons();
}

void BatchPage::cancelRun()
{
    if (!m_runner || !isRunning())
        return;
    m_runner->cancel();
    m_cancel->setEnabled(false);
    m_cancel->setText(tr("Cancelling…"));
}

void BatchPage::retryFailed()
{
    if (!m_runner || isRunning() || !m_finishedOnce)
        return;
    m_error->showMessage({});
    m_runActive = true;
    m_model->attach(m_runner);
    updateButtons();
    Q_EMIT statusChanged(tr("Batch: retrying failed entries…"));
    m_runner->retryFailed();
}

bool BatchPage::resumeFromJournal(const QString &journalPath)
{
    if (isRunning()) {
        m_error->showMessage(tr("A batch is running. Cancel it or wait for it to finish before resuming another."));
        return false;
    }
    QString error;
    const auto contents = BatchJournal::read(journalPath, &error);
    if (!contents) {
        m_error->showMessage(tr("The journal %1 cannot be resumed: %2").arg(esc(journalPath), esc(error)));
        return false;
    }
    const BatchJournal::Header &header = contents->header;
    // The journal names its manifest; the one open here is used when it is that file.
    const bool same = m_hasManifest && !m_manifest.path.isEmpty() && !header.manifestPath.isEmpty()
                      && QFileInfo(m_manifest.path) == QFileInfo(header.manifestPath);
    if (!same) {
        if (header.manifestPath.isEmpty() && !m_hasManifest) {
            m_error->showMessage(tr("The journal %1 names no manifest file; open the manifest of that run first.").arg(esc(journalPath)));
            return false;
        }
        if (!header.manifestPath.isEmpty()) {
            QList<ManifestError> errors;
            const auto manifest = Manifest::load(header.manifestPath, &errors);
            if (!manifest) {
                showManifestErrors(header.manifestPath, errors);
                return false;
            }
            m_manifestDirty = false;
            m_selection.clear();
            m_rootEdited = false;
            m_error->showMessage({});
            setManifest(*manifest, false);
            rememberRecent(manifest->path);
        }
    }
    if (!checkReady())
        return false;
    {
        const QSignalBlocker b1(m_root), b2(m_actor);
        if (!header.restoreRoot.isEmpty()) {
            m_root->setText(QDir::toNativeSeparators(header.restoreRoot));
            m_rootEdited = true;
        }
        if (!header.actor.isEmpty())
            m_actor->setText(header.actor);
    }
    m_validateTimer->stop();
    BatchOptions options = currentOptions();
    options.journalPath = journalPath;
    BatchRunner *runner = newRunner(m_manifest, options);
    m_model->setManifest(m_manifest, options.actor);
    m_model->attach(runner);
    m_runActive = true;
    m_summary.reset();
    m_resultsPath.clear();
    m_error->showMessage({});
    m_info->setKind(Banner::Kind::Info);
    m_info->clearActions();
    m_info->showMessage(tr("Resuming from %1: %2 entries were finished by the earlier run; restored and verified ones are skipped.")
                            .arg(esc(QDir::toNativeSeparators(journalPath)))
                            .arg(QLocale().toString(int(contents->records.size()))));
    resetFigures();
    updateButtons();
    Q_EMIT statusChanged(tr("Batch: resuming %1…").arg(QFileInfo(journalPath).fileName()));
    runner->resume(journalPath);
    return true;
}

bool BatchPage::cancelAndWait(int timeoutMs)
{
    if (!isRunning())
        return true;
    QEventLoop loop;
    connect(this, &BatchPage::runFinished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    cancelRun();
    if (isRunning())
        loop.exec();
    return !isRunning();
}

void BatchPage::onProgress(const BatchProgress &p)
{
    const QLocale loc;
    m_progress->setRange(0, std::max(1, p.total));
    m_progress->setValue(std::min(p.done, std::max(1, p.total)));
    const int percent = p.total > 0 ? int(100.0 * p.done / p.total) : 0;
    m_progress->setFormat(p.paused ? tr("%1 of %2 · %3 % · paused").arg(loc.toString(p.done), loc.toString(p.total)).arg(percent)
                                   : tr("%1 of %2 · %3 %").arg(loc.toString(p.done), loc.toString(p.total)).arg(percent));
    m_succeeded->setText(tr("<b>%1</b> restored").arg(loc.toString(p.succeeded)));
    m_failed->setText(p.failed > 0 ? tr("<b style='color:#d32f2f'>%1</b> failed").arg(loc.toString(p.failed))
                                   : tr("<b>%1</b> failed").arg(loc.toString(p.failed)));
    m_skipped->setText(p.cancelled > 0 ? tr("<b>%1</b> skipped · <b>%2</b> not run").arg(loc.toString(p.skipped), loc.toString(p.cancelled))
                                       : tr("<b>%1</b> skipped").arg(loc.toString(p.skipped)));
    m_rate->setText(tr("<b>%1</b> items/s").arg(loc.toString(p.itemsPerSecond, 'f', p.itemsPerSecond < 10 ? 1 : 0)));
    m_throughput->setText(tr("<b>%1</b> MB/s").arg(loc.toString(p.bytesPerSecond / 1e6, 'f', 1)));
    m_elapsed->setText(tr("elapsed <b>%1</b>").arg(clock(p.elapsedMs)));
    m_eta->setText(p.etaMs >= 0 && p.done < p.total ? tr("ETA <b>%1</b>").arg(clock(p.etaMs)) : tr("ETA <b>—</b>"));
    const int failures = p.failed + p.cancelled;
    m_filterMode->setItemText(1, failures > 0 ? tr("Failures only (%1)").arg(loc.toString(failures)) : tr("Failures only"));
    if (p.paused != m_shownPaused || m_shownJournal != journalPath()) {
        m_shownPaused = p.paused;
        m_shownJournal = journalPath();
        updateButtons();  // the pause button, and the journal's path once the run has named it
    }
}

void BatchPage::followRun(const QList<int> &changed)
{
    if (!m_follow->isChecked() || !isRunning() || changed.isEmpty())
        return;
    // Workers take entries in order: the highest changed row is the front of the run.
    const int front = *std::max_element(changed.begin(), changed.end());
    const QModelIndex proxy = m_filter->mapFromSource(m_model->index(front, BatchItemModel::IndexColumn));
    if (proxy.isValid())
        m_table->scrollTo(proxy, QAbstractItemView::EnsureVisible);
}

void BatchPage::onFinished(const BatchSummary &summary)
{
    if (m_validating) {
        // Validation could not finish (e.g. the archive is unreachable).
        m_validating = false;
        m_reportSummary->setText(tr("<span style='color:#c62828'>Validation failed.</span>"));
        m_error->showMessage(tr("The manifest could not be validated: %1").arg(esc(summary.error)));
        updateButtons();
        return;
    }
    m_runActive = false;
    m_finishedOnce = true;
    m_summary = summary;
    m_resultsPath = summary.resultsPath;
    m_model->refreshAll();
    onProgress(summary.progress);
    const BatchProgress &p = summary.progress;
    const QLocale loc;
    const QString took = BatchItemModel::durationText(p.elapsedMs);
    m_info->clearActions();
    if (summary.cancelled) {
        m_info->setKind(Banner::Kind::Warning);
        m_info->showMessage(tr("Cancelled after %1 of %2 entries: %3 restored, %4 failed, %5 not run. Nothing was left "
                               "half-written; resume from the journal to restore the rest.")
                                .arg(loc.toString(p.done - p.cancelled), loc.toString(p.total), loc.toString(p.succeeded + p.skipped),
                                     loc.toString(p.failed), loc.toString(p.cancelled)));
        if (!summary.journalPath.isEmpty()) {
            QPushButton *resume = m_info->addAction(tr("Resume now"));
            resume->setObjectName(QStringLiteral("resumeNowButton"));
            resume->show();  // a button added to a banner already on screen is otherwise shown only later
            const QString journal = summary.journalPath;
            connect(resume, &QPushButton::clicked, this, [this, journal] { resumeFromJournal(journal); });
        }
    } else if (!summary.error.isEmpty()) {
        m_info->setKind(Banner::Kind::Error);
        m_info->showMessage(tr("The batch stopped: %1").arg(esc(summary.error)));
    } else if (p.failed > 0) {
        m_info->setKind(Banner::Kind::Warning);
        m_info->showMessage(tr("Finished with failures in %1: %2 restored, %3 skipped, %4 failed. Show failures only to see why.")
                                .arg(took, loc.toString(p.succeeded), loc.toString(p.skipped), loc.toString(p.failed)));
        QPushButton *show = m_info->addAction(tr("Show failures"));
        show->setObjectName(QStringLiteral("showFailuresButton"));
        show->show();
        connect(show, &QPushButton::clicked, this, [this] { setFailuresOnly(true); });
    } else {
        m_info->setKind(Banner::Kind::Info);
        m_info->showMessage(tr("Done in %1: %2 restored, %3 skipped (already restored and verified).")
                                .arg(took, loc.toString(p.succeeded), loc.toString(p.skipped)));
    }
    updateButtons();
    Q_EMIT statusChanged(summary.cancelled ? tr("Batch: cancelled") : tr("Batch: %1 restored, %2 failed").arg(loc.toString(p.succeeded), loc.toString(p.failed)));
    Q_EMIT runFinished(summary);
}

void BatchPage::resetFigures()
{
    const QLocale loc;
    m_succeeded->setText(tr("<b>%1</b> restored").arg(0));
    m_failed->setText(tr("<b>%1</b> failed").arg(0));
    m_skipped->setText(tr("<b>%1</b> skipped").arg(0));
    m_rate->setText(tr("<b>%1</b> items/s").arg(QStringLiteral("—")));
    m_throughput->setText(tr("<b>%1</b> MB/s").arg(QStringLiteral("—")));
    m_elapsed->setText(tr("elapsed <b>%1</b>").arg(clock(0)));
    m_eta->setText(tr("ETA <b>—</b>"));
    m_progress->setValue(0);
    m_progress->setFormat(m_hasManifest ? tr("%1 entries").arg(loc.toString(int(m_manifest.entries.size()))) : tr("No manifest"));
}

void BatchPage::updateButtons()
{
    const bool running = isRunning();
    const bool paused = running && m_runner && m_runner->isPaused();
    const bool canWork = m_hasManifest && m_location.has_value();
    m_open->setEnabled(!running);
    m_save->setEnabled(m_hasManifest);
    m_validate->setEnabled(canWork && !running);
    m_pause->setEnabled(running);
    m_pause->setText(paused ? tr("Contin&ue") : tr("&Pause"));
    m_pause->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    if (running) {
        m_cancel->setEnabled(true);
        m_cancel->setText(tr("&Cancel"));
    } else {
        m_cancel->setEnabled(false);
        m_cancel->setText(tr("&Cancel"));
    }
    bool anyFailed = false;
    if (!running && m_finishedOnce && m_runner)
        for (int i = 0; i < m_model->rowCount() && !anyFailed; ++i)
            anyFailed = m_model->stateAt(i).status == ItemStatus::Failed;
    m_retry->setEnabled(anyFailed);
    m_resume->setEnabled(!running && m_location.has_value());
    m_openResults->setEnabled(!m_resultsPath.isEmpty() && QFileInfo::exists(m_resultsPath));
    QStringList paths;
    if (!m_resultsPath.isEmpty())
        paths.append(tr("Results: <a href=\"%1\">%2</a>")
                         .arg(QUrl::fromLocalFile(m_resultsPath).toString().toHtmlEscaped(), esc(QDir::toNativeSeparators(m_resultsPath))));
    const QString journal = journalPath();
    if (!journal.isEmpty())
        paths.append(tr("Journal: %1").arg(esc(QDir::toNativeSeparators(journal))));
    if (paths.isEmpty() && m_hasManifest)
        paths.append(tr("Results and journal are written next to the manifest: %1")
                         .arg(esc(QDir::toNativeSeparators(m_configOptions.resultsPath.isEmpty() ? m_manifest.baseDir
                                                                                                 : m_configOptions.resultsPath))));
    m_resultsLabel->setText(paths.join(QStringLiteral(" · ")));
    for (QWidget *w : std::initializer_list<QWidget *>{m_root, m_actor, m_concurrency, m_continue, m_conflict, m_outside})
        w->setEnabled(!running);
    updateRunButton();
}

void BatchPage::updateRunButton()
{
    const QLocale loc;
    const bool running = isRunning();
    m_runHint->clear();
    m_runHint->setStyleSheet({});
    if (!m_hasManifest) {
        m_run->setText(tr("&Run"));
        m_run->setEnabled(false);
        return;
    }
    const int total = int(m_manifest.entries.size());
    if (running) {
        m_run->setText(tr("&Run"));
        m_run->setEnabled(false);
        return;
    }
    if (m_validating || !m_lastReport) {
        m_run->setText(tr("&Run %1 entries").arg(loc.toString(total)));
        m_run->setEnabled(m_location.has_value() && !m_validating);
        if (m_validating)
            m_runHint->setText(tr("Validating…"));
        return;
    }
    if (!m_lastReport->error.isEmpty()) {
        m_run->setText(tr("&Run %1 entries").arg(loc.toString(total)));
        m_run->setEnabled(false);
        m_runHint->setText(tr("Validation failed; Validate tries again."));
        m_runHint->setStyleSheet(QStringLiteral("color:#c62828"));
        return;
    }
    const int blocked = int(m_lastReport->blockedIndexes().size());
    const int runnable = total - blocked;
    m_run->setText(blocked > 0 ? tr("&Run %1 entries · %2 blocked").arg(loc.toString(runnable), loc.toString(blocked))
                               : tr("&Run %1 entries").arg(loc.toString(runnable)));
    bool enabled = m_location.has_value() && runnable > 0;
    if (runnable == 0) {
        m_runHint->setText(tr("Every entry is blocked; fix the manifest or the options."));
    } else if (blocked > 0 && !m_continue->isChecked()) {
        enabled = false;
        m_runHint->setText(tr("Blocked entries stop the batch before it starts: fix them, or turn on Continue on error "
                              "to run the other %1.")
                               .arg(loc.toString(runnable)));
    }
    if (!m_runHint->text().isEmpty())
        m_runHint->setStyleSheet(QStringLiteral("color:#c62828"));
    m_run->setEnabled(enabled);
}

void BatchPage::updateFilterCount()
{
    const QLocale loc;
    m_filterCount->setText(tr("%1 of %2 shown").arg(loc.toString(m_filter->rowCount()), loc.toString(m_model->rowCount())));
}

}  // namespace codex::ui
