#include "ui/ArchivePage.h"

#include "archive/HealthCheck.h"
#include "common/Url.h"
#include "config/ConfigResolver.h"
#include "evidence/EvidenceLog.h"
#include "models/EvidenceModel.h"
#include "models/TombstoneModel.h"
#include "ui/Banner.h"
#include "ui/RestoreDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QDir>
#include <QFileInfo>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProcessEnvironment>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

namespace codex::ui {

using namespace codex::archive;
using models::EvidenceFilterModel;
using models::EvidenceModel;
using models::TombstoneModel;

namespace {

QComboBox *choiceCombo(QWidget *parent, const QString &name, const QStringList &values)
{
    auto *c = new QComboBox(parent);
    c->setObjectName(name);
    c->addItem(ArchivePage::tr("any"), QString());
    for (const QString &v : values)
        c->addItem(v, v);
    return c;
}

QComboBox *yesNoCombo(QWidget *parent, const QString &name)
{
    auto *c = new QComboBox(parent);
    c->setObjectName(name);
    c->addItem(ArchivePage::tr("any"), QString());
    c->addItem(ArchivePage::tr("yes"), QStringLiteral("yes"));
    c->addItem(ArchivePage::tr("no"), QStringLiteral("no"));
    return c;
}

QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}

}  // namespace

ArchivePage::ArchivePage(QWidget *parent)
    : Page(parent), m_evidence(new EvidenceModel(this)), m_evidenceFilter(new EvidenceFilterModel(this)),
      m_health(new QFutureWatcher<HealthReport>(this))
{
    setObjectName(QStringLiteral("archivePage"));
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(8, 8, 8, 8);

    auto *top = new QHBoxLayout;
    m_locationLabel = new QLabel(this);
    m_locationLabel->setObjectName(QStringLiteral("locationLabel"));
    m_locationLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    top->addWidget(m_locationLabel, 1);
    m_healthLabel = new QLabel(this);
    m_healthLabel->setObjectName(QStringLiteral("healthLabel"));
    top->addWidget(m_healthLabel);
    auto *health = new QPushButton(style()->standardIcon(QStyle::SP_DialogApplyButton), tr("Health check"), this);
    health->setObjectName(QStringLiteral("healthButton"));
    auto *refresh = new QPushButton(style()->standardIcon(QStyle::SP_BrowserReload), tr("Refresh"), this);
    refresh->setObjectName(QStringLiteral("refreshButton"));
    top->addWidget(health);
    top->addWidget(refresh);
    outer->addLayout(top);

    m_error = new Banner(Banner::Kind::Error, this);
    m_error->setObjectName(QStringLiteral("archiveError"));
    QPushButton *reconnect = m_error->addAction(tr("Reconnect"));
    m_notFound = new Banner(Banner::Kind::Warning, this);
    m_notFound->setObjectName(QStringLiteral("archiveNotFound"));
    QPushButton *create = m_notFound->addAction(tr("Create archive here"));
    create->setObjectName(QStringLiteral("createArchiveButton"));
    outer->addWidget(m_error);
    outer->addWidget(m_notFound);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("archiveTabs"));
    outer->addWidget(m_tabs, 1);

    // --- Tombstones tab ---------------------------------------------------------------------
    auto *browse = new QWidget(m_tabs);
    auto *bl = new QVBoxLayout(browse);
    auto *filters = new QGridLayout;
    m_repo = new QComboBox(browse);
    m_repo->setObjectName(QStringLiteral("repoFilter"));
    m_repo->setEditable(true);
    m_repo->setInsertPolicy(QComboBox::NoInsert);
    m_path = new QLineEdit(browse);
    m_path->setObjectName(QStringLiteral("pathFilter"));
    m_path->setPlaceholderText(tr("path contains…"));
    m_path->setClearButtonEnabled(true);
    m_actor = new QLineEdit(browse);
    m_actor->setObjectName(QStringLiteral("actorFilter"));
    m_actor->setPlaceholderText(tr("archived by"));
    m_reason = choiceCombo(browse, QStringLiteral("reasonFilter"),
                           {QStringLiteral("dead"), QStringLiteral("pruned"), QStringLiteral("legacy"), QStringLiteral("replaced")});
    m_kind = choiceCombo(browse, QStringLiteral("kindFilter"), {QStringLiteral("code"), QStringLiteral("doc"), QStringLiteral("asset")});
    m_language = new QLineEdit(browse);
    m_language->setObjectName(QStringLiteral("languageFilter"));
    m_language->setPlaceholderText(tr("language"));
    m_tag = new QLineEdit(browse);
    m_tag->setObjectName(QStringLiteral("tagFilter"));
    m_tag->setPlaceholderText(tr("tag"));
    m_tombstone = new QLineEdit(browse);
    m_tombstone->setObjectName(QStringLiteral("tombstoneFilter"));
    m_tombstone->setPlaceholderText(tr("tombstone id"));
    m_tombstone->setClearButtonEnabled(true);
    m_fromOn = new QCheckBox(tr("from"), browse);
    m_from = new QDateEdit(QDate::currentDate().addMonths(-1), browse);
    m_from->setCalendarPopup(true);
    m_from->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    m_toOn = new QCheckBox(tr("until"), browse);
    m_to = new QDateEdit(QDate::currentDate(), browse);
    m_to->setCalendarPopup(true);
    m_to->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    m_legalHold = yesNoCombo(browse, QStringLiteral("legalHoldFilter"));
    m_restored = yesNoCombo(browse, QStringLiteral("restoredFilter"));
    auto *clear = new QPushButton(tr("Clear filters"), browse);
    clear->setObjectName(QStringLiteral("clearFilters"));
    auto addLabeled = [&](int row, int col, const QString &label, QWidget *w) {
        auto *l = new QLabel(label, browse);
        l->setBuddy(w);
        filters->addWidget(l, row, col * 2);
        filters->addWidget(w, row, col * 2 + 1);
    };
    addLabeled(0, 0, tr("&Repository:"), m_repo);
    addLabeled(0, 1, tr("&Path:"), m_path);
    addLabeled(0, 2, tr("Ac&tor:"), m_actor);
    addLabeled(0, 3, tr("Reaso&n:"), m_reason);
    addLabeled(0, 4, tr("&Kind:"), m_kind);
    addLabeled(1, 0, tr("&Tombstone:"), m_tombstone);
    addLabeled(1, 1, tr("Lan&guage:"), m_language);
    addLabeled(1, 2, tr("Ta&g:"), m_tag);
    addLabeled(1, 3, tr("Legal &hold:"), m_legalHold);
    addLabeled(1, 4, tr("Restor&ed:"), m_restored);
    auto *dates = new QHBoxLayout;
    dates->addWidget(new QLabel(tr("Archived:"), browse));
    dates->addWidget(m_fromOn);
    dates->addWidget(m_from);
    dates->addWidget(m_toOn);
    dates->addWidget(m_to);
    dates->addStretch(1);
    dates->addWidget(clear);
    bl->addLayout(filters);
    bl->addLayout(dates);

    auto *split = new QSplitter(Qt::Horizontal, browse);
    auto *left = new QWidget(split);
    auto *ll = new QVBoxLayout(left);
    ll->setContentsMargins(0, 0, 0, 0);
    m_table = new QTableView(left);
    m_table->setObjectName(QStringLiteral("tombstoneTable"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setSortingEnabled(true);
    m_table->verticalHeader()->setDefaultSectionSize(22);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    ll->addWidget(m_table, 1);
    auto *actions = new QHBoxLayout;
    m_count = new QLabel(left);
    m_count->setObjectName(QStringLiteral("countLabel"));
    actions->addWidget(m_count, 1);
    m_restore = new QPushButton(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("Restore…"), left);
    m_restore->setObjectName(QStringLiteral("restoreButton"));
    m_restore->setEnabled(false);
    actions->addWidget(m_restore);
    m_restoreBatch = new QPushButton(style()->standardIcon(QStyle::SP_FileDialogListView), tr("Restore as &batch…"), left);
    m_restoreBatch->setObjectName(QStringLiteral("restoreBatchButton"));
    m_restoreBatch->setToolTip(tr("Build a batch manifest of the selected items on the Batch page: validate, run with "
                                  "several workers, resume, and keep a results file."));
    m_restoreBatch->setEnabled(false);
    actions->addWidget(m_restoreBatch);
    ll->addLayout(actions);
    auto *right = new QSplitter(Qt::Vertical, split);
    m_detail = new QTextBrowser(right);
    m_detail->setObjectName(QStringLiteral("detailView"));
    m_preview = new QPlainTextEdit(right);
    m_preview->setObjectName(QStringLiteral("previewView"));
    m_preview->setReadOnly(true);
    m_preview->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_preview->setPlaceholderText(tr("A preview of text content appears here."));
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({760, 420});
    m_detail->setPlaceholderText(tr("Select an item to see everything about it: metadata, size and compression, "
                                    "SHA-256, tags, referents and its history."));
    bl->addWidget(split, 1);
    m_tabs->addTab(browse, tr("Tombstones"));

    // --- Evidence tab -----------------------------------------------------------------------
    auto *ev = new QWidget(m_tabs);
    auto *el = new QVBoxLayout(ev);
    auto *evFilters = new QHBoxLayout;
    m_evAction = new QComboBox(ev);
    m_evAction->setObjectName(QStringLiteral("evidenceActionFilter"));
    m_evAction->addItem(tr("all actions"), QString());
    m_evActor = new QLineEdit(ev);
    m_evActor->setPlaceholderText(tr("actor"));
    m_evTombstone = new QLineEdit(ev);
    m_evTombstone->setObjectName(QStringLiteral("evidenceTombstoneFilter"));
    m_evTombstone->setPlaceholderText(tr("tombstone"));
    auto *evSinceOn = new QCheckBox(tr("since"), ev);
    auto *evSince = new QDateEdit(QDate::currentDate().addDays(-7), ev);
    evSince->setCalendarPopup(true);
    evSince->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    auto *evUntilOn = new QCheckBox(tr("until"), ev);
    auto *evUntil = new QDateEdit(QDate::currentDate(), ev);
    evUntil->setCalendarPopup(true);
    evUntil->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
    evFilters->addWidget(new QLabel(tr("Action:"), ev));
    evFilters->addWidget(m_evAction);
    evFilters->addWidget(m_evActor);
    evFilters->addWidget(m_evTombstone);
    evFilters->addWidget(evSinceOn);
    evFilters->addWidget(evSince);
    evFilters->addWidget(evUntilOn);
    evFilters->addWidget(evUntil);
    evFilters->addStretch(1);
    auto applyTime = [this, evSinceOn, evSince, evUntilOn, evUntil] {
        m_evidenceFilter->setTimeRange(evSinceOn->isChecked() ? QDateTime(evSince->date(), QTime(0, 0), Qt::UTC) : QDateTime(),
                                       evUntilOn->isChecked() ? QDateTime(evUntil->date().addDays(1), QTime(0, 0), Qt::UTC)
                                                              : QDateTime());
    };
    for (QCheckBox *c : {evSinceOn, evUntilOn})
        connect(c, &QCheckBox::toggled, this, applyTime);
    for (QDateEdit *d : {evSince, evUntil})
        connect(d, &QDateEdit::dateChanged, this, applyTime);
    el->addLayout(evFilters);
    m_evProblems = new Banner(Banner::Kind::Warning, ev);
    m_evProblems->setObjectName(QStringLiteral("evidenceProblems"));
    el->addWidget(m_evProblems);
    m_evidenceFilter->setSourceModel(m_evidence);
    m_evidenceView = new QTableView(ev);
    m_evidenceView->setObjectName(QStringLiteral("evidenceTable"));
    m_evidenceView->setModel(m_evidenceFilter);
    m_evidenceView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_evidenceView->verticalHeader()->hide();
    m_evidenceView->horizontalHeader()->setStretchLastSection(true);
    m_evidenceView->setSortingEnabled(true);
    el->addWidget(m_evidenceView, 1);
    auto *evHint = new QLabel(tr("Double-click a tombstone to show it in the Tombstones tab."), ev);
    evHint->setForegroundRole(QPalette::PlaceholderText);
    el->addWidget(evHint);
    m_tabs->addTab(ev, tr("Evidence log"));

    m_filterTimer = new QTimer(this);
    m_filterTimer->setSingleShot(true);
    m_filterTimer->setInterval(250);  // typing in a filter does not query on every keystroke
    connect(m_filterTimer, &QTimer::timeout, this, &ArchivePage::applyFilter);
    for (QLineEdit *e : {m_path, m_actor, m_language, m_tag, m_tombstone})
        connect(e, &QLineEdit::textChanged, m_filterTimer, qOverload<>(&QTimer::start));
    connect(m_repo, &QComboBox::currentTextChanged, m_filterTimer, qOverload<>(&QTimer::start));
    for (QComboBox *c : {m_reason, m_kind, m_legalHold, m_restored})
        connect(c, &QComboBox::currentIndexChanged, m_filterTimer, qOverload<>(&QTimer::start));
    for (QCheckBox *c : {m_fromOn, m_toOn})
        connect(c, &QCheckBox::toggled, m_filterTimer, qOverload<>(&QTimer::start));
    for (QDateEdit *d : {m_from, m_to})
        connect(d, &QDateEdit::dateChanged, m_filterTimer, qOverload<>(&QTimer::start));
    connect(clear, &QPushButton::clicked, this, [this] {
        for (QLineEdit *e : {m_path, m_actor, m_language, m_tag, m_tombstone})
            e->clear();
        m_repo->setCurrentText(QString());
        for (QComboBox *c : {m_reason, m_kind, m_legalHold, m_restored})
            c->setCurrentIndex(0);
        m_fromOn->setChecked(false);
        m_toOn->setChecked(false);
        applyFilter();
    });
    connect(health, &QPushButton::clicked, this, &ArchivePage::runHealthCheck);
    connect(refresh, &QPushButton::clicked, this, [this] {
        if (m_model)
            m_model->reload();
    });
    connect(reconnect, &QPushButton::clicked, this, [this] { openArchive(false); });
    connect(create, &QPushButton::clicked, this, [this] { openArchive(true); });
    connect(m_restore, &QPushButton::clicked, this, [this] { restoreSelected(); });
    connect(m_table, &QTableView::doubleClicked, this, [this] { restoreSelected(); });
    connect(m_restoreBatch, &QPushButton::clicked, this, [this] { restoreSelectedAsBatch(); });
    connect(m_health, &QFutureWatcher<HealthReport>::finished, this, [this] { showHealth(m_health->result()); });
    connect(m_evAction, &QComboBox::currentIndexChanged, this, [this] { m_evidenceFilter->setAction(m_evAction->currentData().toString()); });
    connect(m_evActor, &QLineEdit::textChanged, m_evidenceFilter, &EvidenceFilterModel::setActor);
    connect(m_evTombstone, &QLineEdit::textChanged, m_evidenceFilter, &EvidenceFilterModel::setTombstone);
    connect(m_evidence, &EvidenceModel::loaded, this, [this] {
        const QString current = m_evAction->currentData().toString();
        for (const QString &a : m_evidence->actions())
            if (m_evAction->findData(a) < 0)
                m_evAction->addItem(a, a);
        m_evAction->setCurrentIndex(std::max(0, m_evAction->findData(current)));
        m_evidenceView->resizeColumnsToContents();
    });
    connect(m_evidence, &EvidenceModel::problemsChanged, this, [this] {
        const QStringList p = m_evidence->problems();
        m_evProblems->showMessage(p.isEmpty() ? QString()
                                              : tr("%n line(s) of the evidence log could not be read (they are skipped):", nullptr, int(p.size()))
                                                    + QStringLiteral("<br/>") + esc(p.mid(0, 5).join(QStringLiteral("\n"))).replace(QLatin1Char('\n'), QStringLiteral("<br/>")));
    });
    connect(m_evidenceView, &QTableView::doubleClicked, this, [this](const QModelIndex &i) {
        const QString t = i.data(EvidenceModel::TombstoneRole).toString();
        if (!t.isEmpty())
            showTombstone(t);
    });
}

ArchivePage::~ArchivePage() = default;

QString ArchivePage::title() const
{
    return tr("Archive");
}

QIcon ArchivePage::icon() const
{
    return style()->standardIcon(QStyle::SP_DriveHDIcon);
}

void ArchivePage::setWorkspace(const Workspace &workspace)
{
    m_workspace = workspace;
    config::ConfigInputs inputs;
    inputs.workspace = workspace.root();
    const QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
    for (const QString &n : pe.keys())
        inputs.environment.insert(n, pe.value(n));
    m_evidencePath = evidence::EvidenceLog::defaultPath(workspace.root(), inputs.environment);
    m_evidence->setPath(m_evidencePath);
    const config::ResolvedConfig rc =
        config::ConfigResolver::resolve(config::PrecedenceProfile::byKind(config::ProfileKind::ArchiveA), inputs);
    ArchiveError error;
    const auto location = ArchiveLocation::fromConfig(rc, workspace.root(), &error);
    if (!location) {
        m_locationLabel->setText(tr("No archive"));
        m_error->showMessage(error.message.toHtmlEscaped());
        return;
    }
    m_location = *location;
    m_locationLabel->setText(tr("<b>%1</b> · %2").arg(backendName(m_location.backend), esc(m_location.redactedUrl)));
    openArchive(false);
}

void ArchivePage::openArchive(bool create)
{
    m_error->showMessage({});
    m_notFound->showMessage({});
    m_table->setModel(nullptr);
    delete m_model;
    m_model = nullptr;
    m_worker = std::make_unique<ArchiveWorker>();
    m_model = new TombstoneModel(m_worker.get(), this);
    connect(m_worker.get(), &ArchiveWorker::opened, this, [this](bool ok, const QString &message, const QStringList &missing) {
        if (!ok) {
            const bool missingFile = m_location.backend == Backend::Sqlite && !QFileInfo::exists(m_location.sqlitePath);
            if (missingFile)
                m_notFound->showMessage(tr("The archive %1 does not exist. Nothing was created; create it here with "
                                           "the reference schema, or point backend.url at the right file on the Config page.")
                                            .arg(esc(m_location.sqlitePath)));
            else
                m_error->showMessage(esc(message.isEmpty() ? tr("%1 is not a codex archive: table(s) %2 missing")
                                                                 .arg(m_location.redactedUrl, missing.join(QStringLiteral(", ")))
                                                           : message));
            Q_EMIT statusChanged(tr("Archive: not available"));
            return;
        }
        m_table->setModel(m_model);
        m_table->sortByColumn(TombstoneModel::ArchivedAtColumn, Qt::DescendingOrder);
        m_table->horizontalHeader()->resizeSection(TombstoneModel::TombstoneColumn, 290);
        m_table->horizontalHeader()->resizeSection(TombstoneModel::PathColumn, 260);
        connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ArchivePage::onSelectionChanged);
        applyFilter();
        m_worker->distinct(QStringLiteral("repo"));
    });
    connect(m_worker.get(), &ArchiveWorker::distinctReady, this, [this](const QString &column, const QStringList &values) {
        if (column != QLatin1String("repo"))
            return;
        const QString current = m_repo->currentText();
        m_repo->blockSignals(true);
        m_repo->clear();
        m_repo->addItem(QString());
        m_repo->addItems(values);
        m_repo->setCurrentText(current);
        m_repo->blockSignals(false);
    });
    connect(m_worker.get(), &ArchiveWorker::detailReady, this, &ArchivePage::onDetail);
    connect(m_worker.get(), &ArchiveWorker::previewReady, this,
            [this](const QString &tombstone, const QString &text, bool truncated, const QString &error) {
                if (tombstone != m_detailTombstone)
                    return;
                m_preview->setPlainText(error.isEmpty() ? text + (truncated ? tr("\n… (preview truncated)") : QString())
                                                        : tr("No preview: %1").arg(error));
            });
    connect(m_model, &TombstoneModel::totalChanged, this, [this](qint64 total) {
        m_count->setText(tr("%1 item(s)").arg(QLocale().toString(total)));
        Q_EMIT statusChanged(tr("Archive: %1 · %2 item(s)").arg(m_location.redactedUrl, QLocale().toString(total)));
    });
    connect(m_model, &TombstoneModel::errorOccurred, this, [this](const QString &message) {
        m_error->showMessage(tr("%1<br/>The connection may have been lost; Reconnect tries again.").arg(esc(message)));
    });
    m_worker->open(m_location, create);
}

void ArchivePage::applyFilter()
{
    if (!m_model || !m_table->model())
        return;
    ItemFilter f;
    f.repo = m_repo->currentText().trimmed();
    f.pathContains = m_path->text().trimmed();
    f.actor = m_actor->text().trimmed();
    f.reason = m_reason->currentData().toString();
    f.kind = m_kind->currentData().toString();
    f.language = m_language->text().trimmed();
    f.tag = m_tag->text().trimmed();
    f.tombstone = m_tombstone->text().trimmed();
    if (m_fromOn->isChecked())
        f.archivedFrom = QDateTime(m_from->date(), QTime(0, 0), Qt::UTC);
    if (m_toOn->isChecked())
        f.archivedTo = QDateTime(m_to->date().addDays(1), QTime(0, 0), Qt::UTC);
    const QString hold = m_legalHold->currentData().toString();
    if (!hold.isEmpty())
        f.legalHold = hold == QLatin1String("yes");
    const QString restored = m_restored->currentData().toString();
    if (!restored.isEmpty())
        f.restored = restored == QLatin1String("yes");
    m_model->setFilter(f);
    m_restore->setEnabled(false);
    m_restoreBatch->setEnabled(false);
}

void ArchivePage::showTombstone(const QString &tombstone)
{
    m_tabs->setCurrentIndex(0);
    m_tombstone->setText(tombstone);
    applyFilter();
}

void ArchivePage::onSelectionChanged()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    m_restore->setEnabled(!rows.isEmpty());
    m_restoreBatch->setEnabled(!rows.isEmpty());
    m_restore->setText(rows.size() > 1 ? tr("Restore %1 items…").arg(rows.size()) : tr("Restore…"));
    if (rows.size() != 1)
        return;
    const auto row = m_model->rowAt(rows.first().row());
    if (!row)
        return;
    m_detailTombstone = row->tombstoneId;
    m_detail->setHtml(tr("<p>Loading %1…</p>").arg(esc(row->tombstoneId)));
    m_preview->clear();
    m_worker->detail(row->tombstoneId);
}

void ArchivePage::onDetail(const QString &tombstone, const std::optional<ItemDetail> &detail, const QString &error)
{
    if (tombstone != m_detailTombstone)
        return;
    if (!detail) {
        m_detail->setHtml(QStringLiteral("<p style='color:#c62828'>%1</p>").arg(esc(error)));
        return;
    }
    const ItemRow &r = detail->item;
    const ArtifactInfo &a = detail->artifact;
    const QLocale loc;
    QString html = QStringLiteral("<h3 style='margin:0'>%1</h3><p style='margin-top:2px'><b>%2</b> · %3</p>")
                       .arg(esc(r.path), esc(r.repo), esc(r.tombstoneId));
    if (r.legalHold)
        html += tr("<p style='color:#b26a00'><b>⚖ Legal hold</b> — this item must not be purged.</p>");
    auto row = [](const QString &k, const QString &v) {
        return QStringLiteral("<tr><td style='color:palette(mid);padding-right:12px'>%1</td><td>%2</td></tr>").arg(k, v);
    };
    html += QStringLiteral("<table>");
    html += row(tr("Commit"), esc(r.commitSha));
    html += row(tr("Kind / reason"), esc(r.kind + QStringLiteral(" / ") + r.reason));
    html += row(tr("Language"), esc(r.language));
    html += row(tr("Archived"), esc(tr("%1 by %2").arg(r.archivedAt, r.archivedBy)));
    html += row(tr("Restored"), r.restoredAt.isEmpty() ? tr("never") : esc(r.restoredAt));
    html += row(tr("Delete after"), detail->deleteAfter.isEmpty() ? tr("—") : esc(detail->deleteAfter));
    html += row(tr("MIME type"), esc(a.mimeType));
    const QString ratio = a.blobSize > 0 && a.sizeBytes > 0
                              ? tr("%1 compressed (%2 %, %3)")
                                    .arg(loc.formattedDataSize(a.blobSize))
                                    .arg(loc.toString(100.0 * double(a.blobSize) / double(a.sizeBytes), 'f', 1))
                                    .arg(esc(a.compression))
                              : tr("no stored bytes (%1)").arg(esc(a.storageDriver));
    html += row(tr("Size"), tr("%1 · %2").arg(loc.formattedDataSize(a.sizeBytes), ratio));
    html += row(tr("SHA-256"), QStringLiteral("<code>%1</code>").arg(esc(a.contentSha256)));
    html += row(tr("Storage"), esc(a.storageDriver + (a.objectUrl.isEmpty() ? QString() : QStringLiteral(" · ") + redactUrl(a.objectUrl))));
    html += row(tr("Tags"), detail->tags.isEmpty() ? tr("—") : esc(detail->tags.join(QStringLiteral(", "))));
    QStringList refs;
    for (const auto &ref : detail->referents)
        refs.append(esc(ref.first + QStringLiteral(": ") + ref.second));
    html += row(tr("Referents"), refs.isEmpty() ? tr("—") : refs.join(QStringLiteral("<br/>")));
    html += QStringLiteral("</table><h4>%1</h4><table>").arg(tr("History"));
    for (const EventRow &e : detail->events)
        html += row(esc(e.createdAt), QStringLiteral("<b>%1</b> %2").arg(esc(e.action), esc(e.actor)));
    html += QStringLiteral("</table>");
    m_detail->setHtml(html);
    if (!a.hasBlob) {
        m_preview->setPlainText(tr("The payload has been purged; only the tombstone remains."));
    } else if (a.mimeType.startsWith(QLatin1String("text/")) || a.mimeType.contains(QLatin1String("json"))
               || a.mimeType.contains(QLatin1String("xml")) || a.mimeType.contains(QLatin1String("yaml"))) {
        m_worker->preview(tombstone, 64 * 1024);
    } else {
        m_preview->setPlainText(tr("No preview for %1 content.").arg(a.mimeType));
    }
}

QString ArchivePage::detailText() const
{
    return m_detail->toPlainText();
}

QList<ItemRow> ArchivePage::selectedItems() const
{
    QList<ItemRow> items;
    if (!m_model || !m_table->selectionModel())
        return items;
    QModelIndexList rows = m_table->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    for (const QModelIndex &i : std::as_const(rows))
        if (const auto row = m_model->rowAt(i.row()))
            items.append(*row);
    return items;
}

bool ArchivePage::restoreSelectedAsBatch()
{
    const QList<ItemRow> items = selectedItems();
    if (items.isEmpty())
        return false;
    Q_EMIT restoreAsBatchRequested(items);
    return true;
}

RestoreDialog *ArchivePage::restoreSelected()
{
    const QList<ItemRow> items = selectedItems();
    if (items.isEmpty())
        return nullptr;
    auto *dialog = new RestoreDialog(m_location, items, m_evidencePath,
                                     QDir(m_workspace.root()).filePath(QStringLiteral("restored")), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &RestoreDialog::finished, this, [this](int ok, int, bool) {
        m_evidence->refresh();
        if (ok > 0 && m_model)
            m_model->reload();  // restored_at changed
    });
    dialog->show();
    return dialog;
}

void ArchivePage::runHealthCheck()
{
    if (m_health->isRunning())
        return;
    m_healthLabel->setText(tr("checking…"));
    m_health->setFuture(QtConcurrent::run([location = m_location] { return HealthCheck::run(location); }));
}

void ArchivePage::showHealth(const HealthReport &report)
{
    const bool ok = report.reachable && report.schemaPresent;
    m_healthLabel->setText(ok ? tr("<span style='color:#2e7d32'>✔ healthy</span> · %1 items · probe %2 ms")
                                    .arg(QLocale().toString(report.itemCount))
                                    .arg(QLocale().toString(double(report.probeLatencyUs) / 1000.0, 'f', 1))
                              : tr("<span style='color:#c62828'>✘ %1</span>").arg(esc(report.message)));
    m_healthLabel->setToolTip(QStringLiteral("<pre>%1</pre>").arg(esc(report.toText())));
}

}  // namespace codex::ui
