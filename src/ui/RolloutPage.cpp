#include "ui/RolloutPage.h"

#include "common/Sha256.h"
#include "rollout/ReportBuilder.h"
#include "ui/Banner.h"
#include "ui/DiffDialog.h"
#include "ui/NewRolloutDialog.h"
#include "ui/ReportExportDialog.h"
#include "ui/SignOffDialog.h"

#include <QApplication>
#include <QButtonGroup>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QStyledItemDelegate>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextBlock>
#include <QTime>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace codex::ui {

using namespace codex::rollout;
using models::RolloutFilterModel;
using models::RolloutItemModel;

namespace {

constexpr int kLiveIntervalMs = 30000;
const QList<ItemStatus> kStatuses = {ItemStatus::Open, ItemStatus::Done, ItemStatus::NotApplicable, ItemStatus::Blocked};

QString localTime(const QDateTime &t)
{
    return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) : QString();
}

QString elide(const QString &s, int n)
{
    QString one = s;
    one.replace(QLatin1Char('\n'), QStringLiteral(" ⏎ "));
    return one.size() > n ? one.left(n - 1) + QChar(0x2026) : one;
}

/// The Status column's editor: a combo of open / done / n/a / blocked.
class StatusDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        if (index.column() != RolloutItemModel::StatusColumn)
            return QStyledItemDelegate::createEditor(parent, option, index);
        auto *combo = new QComboBox(parent);
        combo->setObjectName(QStringLiteral("statusDelegateEditor"));
        for (ItemStatus s : kStatuses)
            combo->addItem(RolloutItemModel::statusText(s), int(s));
        // Commit as soon as a status is picked.
        connect(combo, &QComboBox::activated, combo, [this, combo] {
            auto *self = const_cast<StatusDelegate *>(this);
            combo->removeEventFilter(self);  // no second commit/close when it loses focus while closing
            Q_EMIT self->commitData(combo);
            Q_EMIT self->closeEditor(combo);
        });
        return combo;
    }
    void setEditorData(QWidget *editor, const QModelIndex &index) const override
    {
        if (auto *combo = qobject_cast<QComboBox *>(editor); combo && index.column() == RolloutItemModel::StatusColumn) {
            combo->setCurrentIndex(combo->findData(index.data(Qt::EditRole).toInt()));
            return;
        }
        QStyledItemDelegate::setEditorData(editor, index);
    }
    void setModelData(QWidget *editor, QAbstractItemModel *model, const QModelIndex &index) const override
    {
        if (auto *combo = qobject_cast<QComboBox *>(editor); combo && index.column() == RolloutItemModel::StatusColumn) {
            if (combo->currentData().toInt() != index.data(Qt::EditRole).toInt())
                model->setData(index, combo->currentData(), Qt::EditRole);
            return;
        }
        QStyledItemDelegate::setModelData(editor, model, index);
    }
};

QTableWidgetItem *cell(const QString &text, const QString &tip = {})
{
    auto *item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    if (!tip.isEmpty())
        item->setToolTip(tip);
    return item;
}

}  // namespace

RolloutPage::RolloutPage(QWidget *parent) : Page(parent)
{
    setObjectName(QStringLiteral("rolloutPage"));
    m_model = new RolloutItemModel(this);
    m_filter = new RolloutFilterModel(this);
    m_filter->setSourceModel(m_model);
    m_model->setEditor([this](const QString &key, const QString &field, const QVariant &value) {
        return editItem(key, field, value);
    });
    m_model->setReadOnly(true);
    buildUi();
    m_liveTimer = new QTimer(this);
    m_liveTimer->setInterval(kLiveIntervalMs);
    connect(m_liveTimer, &QTimer::timeout, this, [this] {
        if (isVisible())
            refreshLiveCriteria();
    });
    m_liveTimer->start();
    connect(&m_work, &QFutureWatcher<WorkResult>::finished, this, &RolloutPage::onWorkFinished);
    connect(&m_liveWork, &QFutureWatcher<QList<CriterionResult>>::finished, this, [this] {
        const QList<CriterionResult> results = m_liveWork.result();
        const bool current = m_rollout && m_liveFor == m_rollout->name;
        if (current) {
            m_live = results;
            fillCriteria(m_live);
            m_criteriaLabel->setText(tr("Judged live from the data at %1 (re-judged every 30 s while this page is shown). "
                                        "“Evaluate criteria” records an evaluation for the report and the sign-offs.")
                                         .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
        }
        if (m_livePending || !current) {
            m_livePending = false;
            refreshLiveCriteria();
        }
        if (current)
            Q_EMIT liveCriteriaUpdated();
    });
    updateButtons();
}

RolloutPage::~RolloutPage()
{
    m_work.waitForFinished();
    m_liveWork.waitForFinished();
}

QString RolloutPage::title() const
{
    return tr("Rollout");
}

QIcon RolloutPage::icon() const
{
    return style()->standardIcon(QStyle::SP_DialogApplyButton);
}

// ---------------------------------------------------------------------------------------------
// layout

void RolloutPage::buildUi()
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);

    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Rollout:"), this));
    m_rolloutCombo = new QComboBox(this);
    m_rolloutCombo->setObjectName(QStringLiteral("rolloutCombo"));
    m_rolloutCombo->setMinimumContentsLength(36);
    m_rolloutCombo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    bar->addWidget(m_rolloutCombo, 1);
    m_newButton = new QPushButton(tr("New rollout…"), this);
    m_newButton->setObjectName(QStringLiteral("newRolloutButton"));
    bar->addWidget(m_newButton);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Me:"), this));
    m_meEdit = new QLineEdit(this);
    m_meEdit->setObjectName(QStringLiteral("meEdit"));
    m_meEdit->setToolTip(tr("Your name: recorded with every change and used by the “Mine” filter"));
    m_meEdit->setMaximumWidth(150);
    m_meEdit->setPlaceholderText(tr("your name"));
    QString me = QSettings().value(QStringLiteral("rollout/me")).toString();
    if (me.isEmpty())
        me = qEnvironmentVariable("USER", qEnvironmentVariable("USERNAME"));
    m_meEdit->setText(me);
    m_filter->setMe(me);
    bar->addWidget(m_meEdit);
    bar->addSpacing(12);
    m_collectButton = new QPushButton(tr("Collect evidence"), this);
    m_collectButton->setObjectName(QStringLiteral("collectButton"));
    m_collectButton->setToolTip(tr("Gather the newest endpoint suite run, a health check, batch results, a config "
                                   "snapshot and the evidence log summary into this rollout"));
    bar->addWidget(m_collectButton);
    m_evaluateButton = new QPushButton(tr("Evaluate criteria"), this);
    m_evaluateButton->setObjectName(QStringLiteral("evaluateButton"));
    m_evaluateButton->setToolTip(tr("Judge the success criteria now and record the result for the report"));
    bar->addWidget(m_evaluateButton);
    m_exportButton = new QPushButton(tr("Export report…"), this);
    m_exportButton->setObjectName(QStringLiteral("exportButton"));
    bar->addWidget(m_exportButton);
    layout->addLayout(bar);

    m_banner = new Banner(Banner::Kind::Error, this);
    m_banner->setObjectName(QStringLiteral("rolloutBanner"));
    layout->addWidget(m_banner);
    m_info = new Banner(Banner::Kind::Info, this);
    m_info->setObjectName(QStringLiteral("rolloutInfo"));
    QPushButton *dismiss = m_info->addAction(tr("Dismiss"));
    connect(dismiss, &QPushButton::clicked, this, [this] {
        m_infoMsg.clear();
        m_info->showMessage({});
    });
    layout->addWidget(m_info);

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("rolloutSplitter"));
    split->setChildrenCollapsible(false);

    // Left: filters + tree over the criteria / sign-off tabs.
    auto *leftSplit = new QSplitter(Qt::Vertical, split);
    leftSplit->setChildrenCollapsible(false);
    auto *treeBox = new QWidget(leftSplit);
    auto *treeLayout = new QVBoxLayout(treeBox);
    treeLayout->setContentsMargins(0, 0, 0, 0);
    auto *filterBar = new QHBoxLayout;
    auto *group = new QButtonGroup(this);
    auto mkFilter = [&](const QString &text, const QString &name, RolloutFilterModel::Mode mode) {
        auto *b = new QToolButton(treeBox);
        b->setText(text);
        b->setObjectName(name);
        b->setCheckable(true);
        b->setToolButtonStyle(Qt::ToolButtonTextOnly);
        group->addButton(b);
        filterBar->addWidget(b);
        connect(b, &QToolButton::toggled, this, [this, mode](bool on) {
            if (!on)
                return;
            m_filter->setMode(mode);
            if (m_tree)
                m_tree->expandAll();
        });
        return b;
    };
    m_filterAll = mkFilter(tr("All"), QStringLiteral("filterAll"), RolloutFilterModel::Mode::All);
    m_filterOpen = mkFilter(tr("Open"), QStringLiteral("filterOpen"), RolloutFilterModel::Mode::Open);
    m_filterBlocked = mkFilter(tr("Blocked"), QStringLiteral("filterBlocked"), RolloutFilterModel::Mode::Blocked);
    m_filterMine = mkFilter(tr("Mine"), QStringLiteral("filterMine"), RolloutFilterModel::Mode::Mine);
    m_search = new QLineEdit(treeBox);
    m_search->setObjectName(QStringLiteral("searchEdit"));
    m_search->setPlaceholderText(tr("Search items, keys, owners, notes…"));
    m_search->setClearButtonEnabled(true);
    filterBar->addSpacing(8);
    filterBar->addWidget(m_search, 1);
    treeLayout->addLayout(filterBar);
    m_tree = new QTreeView(treeBox);
    m_tree->setObjectName(QStringLiteral("checklistTree"));
    m_tree->setModel(m_filter);
    m_tree->setItemDelegate(new StatusDelegate(m_tree));
    m_tree->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::SelectedClicked
                            | QAbstractItemView::EditKeyPressed);
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->setAlternatingRowColors(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    QHeaderView *h = m_tree->header();
    h->setStretchLastSection(false);
    h->setSectionResizeMode(RolloutItemModel::ItemColumn, QHeaderView::Stretch);
    h->setSectionResizeMode(RolloutItemModel::StatusColumn, QHeaderView::Interactive);
    h->resizeSection(RolloutItemModel::StatusColumn, 72);
    h->resizeSection(RolloutItemModel::OwnerColumn, 80);
    h->resizeSection(RolloutItemModel::UpdatedColumn, 130);
    h->resizeSection(RolloutItemModel::NoteColumn, 90);
    h->resizeSection(RolloutItemModel::EvidenceColumn, 62);
    h->setMinimumSectionSize(40);
    treeLayout->addWidget(m_tree, 1);
    m_filterAll->setChecked(true);

    m_bottomTabs = new QTabWidget(leftSplit);
    m_bottomTabs->setObjectName(QStringLiteral("rolloutBottomTabs"));
    auto *critBox = new QWidget(m_bottomTabs);
    auto *critLayout = new QVBoxLayout(critBox);
    critLayout->setContentsMargins(4, 4, 4, 4);
    m_criteriaLabel = new QLabel(tr("No rollout selected."), critBox);
    m_criteriaLabel->setWordWrap(true);
    critLayout->addWidget(m_criteriaLabel);
    m_criteria = new QTableWidget(0, 6, critBox);
    m_criteria->setObjectName(QStringLiteral("criteriaTable"));
    m_criteria->setHorizontalHeaderLabels({tr("Verdict"), tr("Criterion"), tr("Figure"), tr("Threshold"), tr("Window"), tr("Source")});
    m_criteria->verticalHeader()->hide();
    m_criteria->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_criteria->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_criteria->setWordWrap(true);
    m_criteria->horizontalHeader()->setStretchLastSection(true);
    m_criteria->setColumnWidth(0, 76);
    m_criteria->setColumnWidth(3, 110);
    for (int c : {1, 2, 4, 5})
        m_criteria->horizontalHeader()->setSectionResizeMode(c, QHeaderView::Stretch);
    critLayout->addWidget(m_criteria, 1);
    m_bottomTabs->addTab(critBox, tr("Success criteria"));

    auto *signBox = new QWidget(m_bottomTabs);
    auto *signLayout = new QVBoxLayout(signBox);
    signLayout->setContentsMargins(4, 4, 4, 4);
    auto *signBar = new QHBoxLayout;
    auto *signIntro = new QLabel(tr("Each sign-off seals the report content with its SHA-256; a later change shows here."), signBox);
    signIntro->setWordWrap(true);
    signBar->addWidget(signIntro, 1);
    m_editRoles = new QPushButton(tr("Edit roles…"), signBox);
    m_editRoles->setObjectName(QStringLiteral("editRolesButton"));
    signBar->addWidget(m_editRoles);
    signLayout->addLayout(signBar);
    m_signOffs = new QTableWidget(0, 6, signBox);
    m_signOffs->setObjectName(QStringLiteral("signOffTable"));
    m_signOffs->setHorizontalHeaderLabels({tr("Role"), tr("Name"), tr("Signed"), tr("Comment"), tr("State"), QString()});
    m_signOffs->verticalHeader()->hide();
    m_signOffs->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_signOffs->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_signOffs->setColumnWidth(0, 145);
    m_signOffs->setColumnWidth(1, 100);
    m_signOffs->setColumnWidth(2, 90);
    m_signOffs->setColumnWidth(4, 195);
    m_signOffs->horizontalHeader()->setSectionResizeMode(3, QHeaderView::Stretch);
    m_signOffs->horizontalHeader()->setSectionResizeMode(5, QHeaderView::ResizeToContents);
    m_signOffs->setWordWrap(false);
    m_signOffs->setTextElideMode(Qt::ElideRight);
    m_signOffs->horizontalHeader()->setStretchLastSection(false);
    signLayout->addWidget(m_signOffs, 1);
    m_bottomTabs->addTab(signBox, tr("Sign-offs"));
    leftSplit->setStretchFactor(0, 3);
    leftSplit->setStretchFactor(1, 2);

    split->addWidget(leftSplit);
    split->addWidget(buildDetailPane());
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({930, 430});
    layout->addWidget(split, 1);

    // wiring
    connect(m_rolloutCombo, &QComboBox::currentIndexChanged, this, [this] {
        if (m_loading)
            return;
        saveNote();
        if (!currentRollout().isEmpty())
            QSettings().setValue(QStringLiteral("rollout/selected"), currentRollout());
        loadCurrent(true);
        refreshLiveCriteria();
    });
    connect(m_newButton, &QPushButton::clicked, this, [this] { openNewRolloutDialog(); });
    connect(m_meEdit, &QLineEdit::editingFinished, this, [this] { setMe(m_meEdit->text()); });
    connect(m_collectButton, &QPushButton::clicked, this, &RolloutPage::collectEvidence);
    connect(m_evaluateButton, &QPushButton::clicked, this, &RolloutPage::evaluateCriteria);
    connect(m_exportButton, &QPushButton::clicked, this, [this] { openExportDialog(); });
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &t) {
        m_filter->setText(t);
        m_tree->expandAll();
    });
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this, [this] {
        saveNote();
        refreshDetail();
    });
    connect(m_tree, &QTreeView::customContextMenuRequested, this, &RolloutPage::contextMenu);
    connect(m_editRoles, &QPushButton::clicked, this, &RolloutPage::editRoles);
}

QWidget *RolloutPage::buildDetailPane()
{
    auto *right = new QSplitter(Qt::Vertical);
    right->setChildrenCollapsible(false);
    m_detailStack = new QStackedWidget(right);
    m_detailStack->setObjectName(QStringLiteral("detailPane"));
    auto *placeholder = new QLabel(tr("Select an item of the checklist to see its details, history and evidence."),
                                   m_detailStack);
    placeholder->setAlignment(Qt::AlignCenter);
    placeholder->setWordWrap(true);
    placeholder->setStyleSheet(QStringLiteral("color: palette(mid);"));
    m_detailStack->addWidget(placeholder);

    auto *scroll = new QScrollArea(m_detailStack);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto *page = new QWidget(scroll);
    auto *v = new QVBoxLayout(page);
    v->setContentsMargins(4, 0, 4, 4);
    m_itemText = new QLabel(page);
    m_itemText->setObjectName(QStringLiteral("itemText"));
    m_itemText->setWordWrap(true);
    m_itemText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = m_itemText->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.1);
    m_itemText->setFont(big);
    v->addWidget(m_itemText);
    m_itemWhere = new QLabel(page);
    m_itemWhere->setObjectName(QStringLiteral("itemWhere"));
    m_itemWhere->setWordWrap(true);
    m_itemWhere->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_itemWhere->setStyleSheet(QStringLiteral("color: #555;"));
    v->addWidget(m_itemWhere);
    m_itemDetail = new QPlainTextEdit(page);
    m_itemDetail->setObjectName(QStringLiteral("itemDetail"));
    m_itemDetail->setReadOnly(true);
    m_itemDetail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_itemDetail->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_itemDetail->setMaximumHeight(110);
    v->addWidget(m_itemDetail);

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_statusEdit = new QComboBox(page);
    m_statusEdit->setObjectName(QStringLiteral("statusEdit"));
    for (ItemStatus s : kStatuses)
        m_statusEdit->addItem(RolloutItemModel::statusText(s), int(s));
    form->addRow(tr("Status:"), m_statusEdit);
    m_ownerEdit = new QLineEdit(page);
    m_ownerEdit->setObjectName(QStringLiteral("ownerEdit"));
    m_ownerEdit->setPlaceholderText(tr("nobody"));
    form->addRow(tr("Owner:"), m_ownerEdit);
    m_noteEdit = new QPlainTextEdit(page);
    m_noteEdit->setObjectName(QStringLiteral("noteEdit"));
    m_noteEdit->setPlaceholderText(tr("Note (saved when you leave the field)"));
    m_noteEdit->setMinimumHeight(60);
    m_noteEdit->setMaximumHeight(110);
    m_noteEdit->installEventFilter(this);
    auto *noteBox = new QVBoxLayout;
    noteBox->addWidget(m_noteEdit);
    m_saveNote = new QPushButton(tr("Save note"), page);
    m_saveNote->setObjectName(QStringLiteral("saveNoteButton"));
    m_saveNote->setEnabled(false);
    auto *noteButtons = new QHBoxLayout;
    noteButtons->addStretch(1);
    noteButtons->addWidget(m_saveNote);
    noteBox->addLayout(noteButtons);
    form->addRow(tr("Note:"), noteBox);
    v->addLayout(form);
    auto *histLabel = new QLabel(tr("<b>History</b>"), page);
    v->addWidget(histLabel);
    m_history = new QTreeWidget(page);
    m_history->setObjectName(QStringLiteral("historyList"));
    m_history->setRootIsDecorated(false);
    m_history->setHeaderLabels({tr("When"), tr("By"), tr("Change")});
    m_history->setColumnWidth(0, 120);
    m_history->setColumnWidth(1, 90);
    m_history->setMinimumHeight(80);
    v->addWidget(m_history, 1);
    scroll->setWidget(page);
    m_detailStack->addWidget(scroll);

    connect(m_statusEdit, &QComboBox::activated, this, [this] {
        const QString key = selectedItemKey();
        if (!key.isEmpty())
            setItemStatus(key, ItemStatus(m_statusEdit->currentData().toInt()));
    });
    connect(m_ownerEdit, &QLineEdit::editingFinished, this, [this] {
        const QString key = selectedItemKey();
        const RolloutItem *it = m_model->item(key);
        if (it && m_ownerEdit->text().trimmed() != it->owner)
            setItemOwner(key, m_ownerEdit->text().trimmed());
    });
    connect(m_noteEdit, &QPlainTextEdit::textChanged, this, [this] {
        if (m_loading)
            return;
        m_noteDirty = true;
        m_saveNote->setEnabled(!m_readOnly);
    });
    connect(m_saveNote, &QPushButton::clicked, this, &RolloutPage::saveNote);

    right->addWidget(m_detailStack);
    right->addWidget(buildEvidenceDrawer());
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    right->setSizes({470, 380});
    return right;
}

QWidget *RolloutPage::buildEvidenceDrawer()
{
    auto *box = new QGroupBox(tr("Evidence"));
    box->setObjectName(QStringLiteral("evidenceDrawer"));
    auto *v = new QVBoxLayout(box);
    v->setContentsMargins(6, 6, 6, 6);
    m_evidenceList = new QTreeWidget(box);
    m_evidenceList->setObjectName(QStringLiteral("evidenceList"));
    m_evidenceList->setRootIsDecorated(false);
    m_evidenceList->setHeaderLabels({tr("OK"), tr("Kind"), tr("Title"), tr("When"), tr("By")});
    m_evidenceList->setColumnWidth(0, 32);
    m_evidenceList->setColumnWidth(1, 105);
    m_evidenceList->setColumnWidth(3, 80);
    m_evidenceList->setColumnWidth(4, 70);
    // The title says what the evidence is: it gets the room, the drawer never scrolls sideways.
    m_evidenceList->header()->setStretchLastSection(false);
    m_evidenceList->header()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_evidenceList->setMinimumHeight(70);
    v->addWidget(m_evidenceList, 2);
    m_evidenceSummary = new QLabel(box);
    m_evidenceSummary->setObjectName(QStringLiteral("evidenceSummary"));
    m_evidenceSummary->setWordWrap(true);
    m_evidenceSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    v->addWidget(m_evidenceSummary);
    m_evidenceView = new QStackedWidget(box);
    m_evidenceJson = new QPlainTextEdit(m_evidenceView);
    m_evidenceJson->setObjectName(QStringLiteral("evidencePayload"));
    m_evidenceJson->setReadOnly(true);
    m_evidenceJson->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_evidenceJson->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_evidenceJson->setPlaceholderText(tr("Select a piece of evidence to see its content."));
    m_evidenceView->addWidget(m_evidenceJson);
    auto *imgScroll = new QScrollArea(m_evidenceView);
    imgScroll->setWidgetResizable(true);
    m_evidenceImage = new QLabel(imgScroll);
    m_evidenceImage->setObjectName(QStringLiteral("evidenceImage"));
    m_evidenceImage->setAlignment(Qt::AlignTop | Qt::AlignHCenter);
    imgScroll->setWidget(m_evidenceImage);
    m_evidenceView->addWidget(imgScroll);
    m_evidenceView->setMinimumHeight(80);
    v->addWidget(m_evidenceView, 3);

    auto *grid = new QGridLayout;
    m_attachSuite = new QPushButton(tr("Attach endpoint suite run…"), box);
    m_attachSuite->setObjectName(QStringLiteral("attachSuiteButton"));
    m_attachMetric = new QPushButton(tr("Attach metric snapshot"), box);
    m_attachMetric->setObjectName(QStringLiteral("attachMetricButton"));
    m_attachHealth = new QPushButton(tr("Attach health check"), box);
    m_attachHealth->setObjectName(QStringLiteral("attachHealthButton"));
    m_attachConfig = new QPushButton(tr("Attach config snapshot"), box);
    m_attachConfig->setObjectName(QStringLiteral("attachConfigButton"));
    grid->addWidget(m_attachSuite, 0, 0);
    grid->addWidget(m_attachMetric, 0, 1);
    grid->addWidget(m_attachHealth, 1, 0);
    grid->addWidget(m_attachConfig, 1, 1);
    v->addLayout(grid);

    connect(m_evidenceList, &QTreeWidget::currentItemChanged, this, &RolloutPage::showEvidence);
    connect(m_attachSuite, &QPushButton::clicked, this, &RolloutPage::chooseSuiteFile);
    connect(m_attachMetric, &QPushButton::clicked, this, [this] { attachMetricSnapshot(); });
    connect(m_attachHealth, &QPushButton::clicked, this, [this] { attachHealthCheck(); });
    connect(m_attachConfig, &QPushButton::clicked, this, [this] { attachConfigSnapshot(); });
    // Evidence attached to the wrong item can be taken off it again (recorded like any change).
    m_evidenceList->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_evidenceList, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        QTreeWidgetItem *row = m_evidenceList->itemAt(pos);
        const QString key = selectedItemKey();
        if (!row || key.isEmpty() || !m_rollout || m_readOnly)
            return;
        const qint64 id = row->data(0, Qt::UserRole).toLongLong();
        QMenu menu(this);
        menu.addAction(tr("Detach from this item"), this, [this, id, key] {
            if (me().isEmpty()) {
                showStoreError(needNameText());
                return;
            }
            if (const StoreResult r = m_store->detachEvidence(m_rollout->name, id, key, me()); !r) {
                showStoreError(r.message);
                return;
            }
            loadCurrent(false);
        });
        menu.exec(m_evidenceList->viewport()->mapToGlobal(pos));
    });
    return box;
}

// ---------------------------------------------------------------------------------------------
// workspace and store

void RolloutPage::setWorkspace(const Workspace &workspace)
{
    saveNote();
    m_work.waitForFinished();
    m_liveWork.waitForFinished();
    m_workspace = workspace;
    openStore();
}

bool RolloutPage::hasUnsavedChanges() const
{
    return m_noteDirty;
}

void RolloutPage::setMetricSnapshotProvider(MetricSnapshotProvider provider)
{
    m_metricProvider = std::move(provider);
    updateButtons();
}

QString RolloutPage::storePath() const
{
    return m_workspace.isValid() ? RolloutStore::defaultPath(m_workspace.root()) : QString();
}

void RolloutPage::showStoreError(const QString &message)
{
    QString text = message;
    const QString path = storePath();
    if (!path.isEmpty() && !text.contains(path) && !text.contains(m_workspace.display(path)))
        text = tr("%1: %2").arg(QDir::toNativeSeparators(path), text);
    m_bannerMsg = text;
    m_banner->showMessage(text.toHtmlEscaped());
}

void RolloutPage::openStore()
{
    m_loading = true;
    m_store = std::make_unique<RolloutStore>();
    m_rollout.reset();
    m_checks.clear();
    m_live.clear();
    m_summaries.clear();
    m_rolloutCombo->clear();
    m_model->clear();
    m_loading = false;
    m_bannerMsg.clear();
    m_banner->showMessage({});
    m_infoMsg.clear();
    m_info->showMessage({});
    m_readOnly = true;
    if (!m_workspace.isValid()) {
        updateButtons();
        return;
    }
    if (!QFileInfo::exists(storePath())) {
        // No rollout yet: the database is created with the first one, not by merely looking.
        m_readOnly = false;
        m_model->setReadOnly(false);
        m_rolloutCombo->setPlaceholderText(tr("No rollout yet — start one with “New rollout…”"));
        refreshDetail();
        refreshSignOffs();
        fillCriteria({});
        updateButtons();
        return;
    }
    const StoreResult r = m_store->open(storePath(), true);
    if (!r) {
        showStoreError(r.message.isEmpty() ? tr("cannot open the rollouts database") : r.message);
        m_model->setReadOnly(true);
        refreshDetail();
        refreshSignOffs();
        fillCriteria({});
        updateButtons();
        return;
    }
    m_readOnly = false;
    m_model->setReadOnly(false);
    fillRolloutCombo();
    const QString last = QSettings().value(QStringLiteral("rollout/selected")).toString();
    if (!last.isEmpty() && m_rolloutCombo->findData(last) >= 0) {
        m_loading = true;
        m_rolloutCombo->setCurrentIndex(m_rolloutCombo->findData(last));
        m_loading = false;
    }
    loadCurrent(true);
    refreshLiveCriteria();
}

void RolloutPage::fillRolloutCombo()
{
    if (!m_store || !m_store->isOpen())
        return;
    QString error;
    m_summaries = m_store->list(&error);
    if (!error.isEmpty())
        showStoreError(error);
    const QString current = currentRollout();
    m_loading = true;
    m_rolloutCombo->clear();
    for (const auto &s : std::as_const(m_summaries)) {
        const QString label = tr("%1 — %2/%3 done · %4 blocked · %5/%6 signed")
                                  .arg(s.name)
                                  .arg(s.done)
                                  .arg(s.items)
                                  .arg(s.blocked)
                                  .arg(s.signOffs)
                                  .arg(s.roles);
        m_rolloutCombo->addItem(label, s.name);
        m_rolloutCombo->setItemData(m_rolloutCombo->count() - 1, label, Qt::ToolTipRole);
    }
    if (m_summaries.isEmpty())
        m_rolloutCombo->setPlaceholderText(tr("No rollout yet — start one with “New rollout…”"));
    const int i = m_rolloutCombo->findData(current);
    m_rolloutCombo->setCurrentIndex(i >= 0 ? i : (m_rolloutCombo->count() ? 0 : -1));
    m_loading = false;
}

QStringList RolloutPage::rolloutNames() const
{
    QStringList names;
    for (const auto &s : m_summaries)
        names << s.name;
    return names;
}

QString RolloutPage::currentRollout() const
{
    return m_rolloutCombo->currentData().toString();
}

bool RolloutPage::selectRollout(const QString &name)
{
    const int i = m_rolloutCombo->findData(name);
    if (i < 0)
        return false;
    if (i == m_rolloutCombo->currentIndex() && m_rollout && m_rollout->name == name)
        return true;
    m_rolloutCombo->setCurrentIndex(i);
    return m_rollout && m_rollout->name == name;
}

void RolloutPage::reload()
{
    loadCurrent(false);
}

void RolloutPage::loadCurrent(bool reset)
{
    const QString previousKey = selectedItemKey();
    const QString previousName = m_rollout ? m_rollout->name : QString();
    const qsizetype previousEvidence = m_rollout ? m_rollout->evidence.size() : -1;
    fillRolloutCombo();
    const QString name = currentRollout();
    if (name.isEmpty() || !m_store || !m_store->isOpen()) {
        m_rollout.reset();
        m_checks.clear();
        m_model->clear();
    } else {
        QString error;
        std::optional<Rollout> r = m_store->load(name, &error);
        if (!r) {
            showStoreError(error.isEmpty() ? tr("cannot load rollout “%1”").arg(name) : error);
            m_rollout.reset();
            m_checks.clear();
            m_model->clear();
        } else {
            m_rollout = std::move(*r);
            m_checks = m_store->verify(*m_rollout, ReportBuilder::canonicalContent(*m_rollout));
            if (reset || previousName != m_rollout->name) {
                m_live.clear();
                m_model->setRollout(*m_rollout);
                m_tree->expandAll();
            } else {
                m_model->updateRollout(*m_rollout);
            }
        }
    }
    m_loading = true;
    if (!previousKey.isEmpty() && m_rollout && previousName == m_rollout->name && selectedItemKey() != previousKey) {
        const QModelIndex idx = m_filter->mapFromSource(m_model->indexOfKey(previousKey));
        if (idx.isValid() && m_tree->currentIndex() != idx)
            m_tree->setCurrentIndex(idx);
    }
    m_loading = false;
    refreshDetail();
    refreshSignOffs();
    if (m_rollout)
        fillCriteria(m_live.isEmpty() ? m_rollout->criteria : m_live);
    else
        fillCriteria({});
    updateButtons();
    // New evidence can settle a criterion: judge again now rather than at the next 30 s tick.
    if (m_rollout && previousName == m_rollout->name && m_rollout->evidence.size() != previousEvidence)
        refreshLiveCriteria();
    Q_EMIT attentionChanged(blockedCount(), changedSignOffCount());
    Q_EMIT reloaded();
}

int RolloutPage::blockedCount() const
{
    return m_rollout ? m_rollout->count(ItemStatus::Blocked) : 0;
}

int RolloutPage::changedSignOffCount() const
{
    int n = 0;
    for (const auto &c : m_checks)
        if (c.state != SignOffCheck::State::Valid)
            ++n;
    return n;
}

QString RolloutPage::bannerText() const
{
    return m_bannerMsg;
}

QString RolloutPage::infoText() const
{
    return m_infoMsg;
}

QString RolloutPage::me() const
{
    const QString t = m_meEdit->text().trimmed();
    return t;
}

void RolloutPage::setMe(const QString &name)
{
    const QString n = name.trimmed();
    if (m_meEdit->text() != n)
        m_meEdit->setText(n);
    QSettings().setValue(QStringLiteral("rollout/me"), n);
    m_filter->setMe(n);
    updateButtons();
}

bool RolloutPage::isBusy() const
{
    return m_work.isRunning();
}

void RolloutPage::updateButtons()
{
    const bool have = m_rollout.has_value();
    const bool canEdit = have && !m_readOnly;
    const bool busy = m_work.isRunning();
    m_newButton->setEnabled(!m_readOnly && m_workspace.isValid());
    m_collectButton->setEnabled(canEdit && !busy);
    m_evaluateButton->setEnabled(canEdit && !busy);
    m_exportButton->setEnabled(have);
    m_editRoles->setEnabled(canEdit);
    const bool item = canEdit && !selectedItemKey().isEmpty();
    m_attachSuite->setEnabled(canEdit);
    m_attachMetric->setEnabled(canEdit && bool(m_metricProvider));
    m_attachMetric->setToolTip(m_metricProvider ? tr("Figures and charts of the Monitor page, attached to the selected item "
                                                     "(or to the rollout when none is selected)")
                                                : tr("No Monitor page is connected"));
    m_attachHealth->setEnabled(canEdit);
    m_attachConfig->setEnabled(canEdit);
    m_statusEdit->setEnabled(item);
    m_ownerEdit->setReadOnly(!item);
    m_noteEdit->setReadOnly(!item);
    if (const RolloutItem *it = m_model->item(selectedItemKey()))
        m_statusEdit->setEnabled(item && it->def.kind != ItemKind::SignOff && it->def.kind != ItemKind::Info);
}

// ---------------------------------------------------------------------------------------------
// edits

QString RolloutPage::needNameText()
{
    return tr("Enter your name in “Me:” first: every change is recorded with who made it.");
}

bool RolloutPage::editItem(const QString &key, const QString &field, const QVariant &value)
{
    if (m_readOnly || !m_rollout || !m_store)
        return false;
    if (me().isEmpty()) {
        showStoreError(needNameText());
        return false;
    }
    StoreResult r;
    if (field == QLatin1String("status"))
        r = m_store->setStatus(m_rollout->name, key, ItemStatus(value.toInt()), me());
    else if (field == QLatin1String("owner"))
        r = m_store->setOwner(m_rollout->name, key, value.toString(), me());
    else if (field == QLatin1String("note"))
        r = m_store->setNote(m_rollout->name, key, value.toString(), me());
    else
        return false;
    if (!r) {
        showStoreError(r.message);
        return false;
    }
    if (!m_bannerMsg.isEmpty()) {
        m_bannerMsg.clear();
        m_banner->showMessage({});
    }
    loadCurrent(false);
    return true;
}

bool RolloutPage::setItemStatus(const QString &key, ItemStatus status, QString *error)
{
    const QModelIndex idx = m_model->indexOfKey(key, RolloutItemModel::StatusColumn);
    bool ok = false;
    if (idx.isValid())
        ok = m_model->setData(idx, int(status), Qt::EditRole);
    if (!ok && error)
        *error = m_bannerMsg.isEmpty() ? tr("Cannot set the status of %1").arg(key) : m_bannerMsg;
    if (!ok)
        refreshDetail();  // put the editor back to the stored value
    return ok;
}

bool RolloutPage::setItemOwner(const QString &key, const QString &owner, QString *error)
{
    const QModelIndex idx = m_model->indexOfKey(key, RolloutItemModel::OwnerColumn);
    const bool ok = idx.isValid() && m_model->setData(idx, owner, Qt::EditRole);
    if (!ok && error)
        *error = m_bannerMsg.isEmpty() ? tr("Cannot set the owner of %1").arg(key) : m_bannerMsg;
    return ok;
}

bool RolloutPage::setItemNote(const QString &key, const QString &note, QString *error)
{
    const bool ok = editItem(key, QStringLiteral("note"), note);
    if (!ok && error)
        *error = m_bannerMsg.isEmpty() ? tr("Cannot save the note of %1").arg(key) : m_bannerMsg;
    return ok;
}

void RolloutPage::saveNote()
{
    if (!m_noteDirty || m_noteKey.isEmpty())
        return;
    const QString key = m_noteKey;
    const RolloutItem *it = m_model->item(key);
    const QString text = m_noteEdit->toPlainText();
    m_noteDirty = false;
    m_saveNote->setEnabled(false);
    if (it && it->note == text)
        return;
    if (!setItemNote(key, text)) {
        // Keep the text in the editor so nothing typed is lost.
        m_noteDirty = true;
        m_saveNote->setEnabled(true);
    }
}

bool RolloutPage::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_noteEdit && event->type() == QEvent::FocusOut)
        QTimer::singleShot(0, this, &RolloutPage::saveNote);
    return Page::eventFilter(watched, event);
}

void RolloutPage::afterEdit(const StoreResult &r, QString *error)
{
    if (!r) {
        showStoreError(r.message);
        if (error)
            *error = r.message;
        return;
    }
    if (error)
        error->clear();
    loadCurrent(false);
}

NewRolloutDialog *RolloutPage::openNewRolloutDialog()
{
    auto *dialog = new NewRolloutDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setCreateHook([this](const QString &name, const QStringList &ids) {
        QString error;
        return createRollout(name, ids, &error) ? QString() : error;
    });
    dialog->open();
    return dialog;
}

bool RolloutPage::createRollout(const QString &name, const QStringList &templateIds, QString *error)
{
    QString err;
    if (m_readOnly || !m_store) {
        err = m_bannerMsg.isEmpty() ? tr("The rollouts database is not open.") : m_bannerMsg;
    } else if (me().isEmpty()) {
        err = needNameText();
    } else if (StoreResult opened = m_store->isOpen() ? StoreResult::success() : m_store->open(storePath(), true); !opened) {
        err = opened.message;
        showStoreError(err);
        m_readOnly = true;
        m_model->setReadOnly(true);
    } else {
        QList<ChecklistTemplate> templates;
        for (const QString &id : templateIds) {
            std::optional<ChecklistTemplate> t = ChecklistTemplate::builtIn(id);
            if (!t) {
                err = tr("Unknown checklist template “%1”").arg(id);
                break;
            }
            templates << *t;
        }
        if (err.isEmpty() && templates.isEmpty())
            err = tr("Choose at least one checklist.");
        if (err.isEmpty()) {
            const StoreResult r = m_store->create(name.trimmed(), templates, me());
            if (!r)
                err = r.message;
        }
    }
    if (!err.isEmpty()) {
        if (error)
            *error = err;
        return false;
    }
    fillRolloutCombo();
    m_loading = true;
    m_rolloutCombo->setCurrentIndex(m_rolloutCombo->findData(name.trimmed()));
    m_loading = false;
    QSettings().setValue(QStringLiteral("rollout/selected"), name.trimmed());
    loadCurrent(true);
    refreshLiveCriteria();
    return true;
}

bool RolloutPage::setRoles(const QStringList &roles, QString *error)
{
    if (!m_rollout || m_readOnly) {
        if (error)
            *error = tr("No rollout is open for editing.");
        return false;
    }
    const StoreResult r = m_store->setRoles(m_rollout->name, roles, me());
    afterEdit(r, error);
    return r.ok;
}

void RolloutPage::editRoles()
{
    if (!m_rollout)
        return;
    bool ok = false;
    const QString text = QInputDialog::getMultiLineText(this, tr("Sign-off roles"),
                                                        tr("One role per line (a removed role's sign-off is revoked):"),
                                                        m_rollout->roles.join(QLatin1Char('\n')), &ok);
    if (!ok)
        return;
    QStringList roles;
    for (const QString &line : text.split(QLatin1Char('\n'))) {
        const QString t = line.trimmed();
        if (!t.isEmpty() && !roles.contains(t))
            roles << t;
    }
    setRoles(roles);
}

// ---------------------------------------------------------------------------------------------
// selection and detail

void RolloutPage::selectItem(const QString &key)
{
    const QModelIndex idx = m_filter->mapFromSource(m_model->indexOfKey(key));
    if (idx.isValid()) {
        m_tree->scrollTo(idx);
        m_tree->setCurrentIndex(idx);
    }
}

QString RolloutPage::selectedItemKey() const
{
    const QModelIndex idx = m_tree->currentIndex();
    return idx.isValid() ? idx.data(RolloutItemModel::KeyRole).toString() : QString();
}

void RolloutPage::setFilterMode(RolloutFilterModel::Mode mode)
{
    switch (mode) {
    case RolloutFilterModel::Mode::All: m_filterAll->setChecked(true); break;
    case RolloutFilterModel::Mode::Open: m_filterOpen->setChecked(true); break;
    case RolloutFilterModel::Mode::Blocked: m_filterBlocked->setChecked(true); break;
    case RolloutFilterModel::Mode::Mine: m_filterMine->setChecked(true); break;
    }
}

void RolloutPage::setSearchText(const QString &text)
{
    m_search->setText(text);
}

void RolloutPage::refreshDetail()
{
    const QString key = selectedItemKey();
    const RolloutItem *it = m_model->item(key);
    m_loading = true;
    if (!it) {
        m_detailStack->setCurrentIndex(0);
        m_noteKey.clear();
        m_noteDirty = false;
        m_noteEdit->clear();
    } else {
        m_detailStack->setCurrentIndex(1);
        m_itemText->setText(it->def.text);
        QString where = it->def.section.join(QStringLiteral(" › "));
        if (!it->def.role.isEmpty())
            where += tr(" · sign-off of %1").arg(it->def.role);
        m_itemWhere->setText(tr("%1\nKey: %2").arg(where, it->def.key));
        m_itemDetail->setPlainText(it->def.detail);
        m_itemDetail->setVisible(!it->def.detail.isEmpty());
        m_statusEdit->setCurrentIndex(m_statusEdit->findData(int(it->status)));
        if (!m_ownerEdit->hasFocus() || m_noteKey != key)
            m_ownerEdit->setText(it->owner);
        if (m_noteKey != key || !m_noteDirty) {
            m_noteEdit->setPlainText(it->note);
            m_noteDirty = false;
        }
        m_noteKey = key;
        m_saveNote->setEnabled(m_noteDirty && !m_readOnly);
    }
    m_loading = false;
    refreshHistory();
    refreshEvidence();
    updateButtons();
}

void RolloutPage::refreshHistory()
{
    m_history->clear();
    const QString key = selectedItemKey();
    if (!m_rollout || key.isEmpty() || !m_store || !m_store->isOpen())
        return;
    QString error;
    const QList<Change> changes = m_store->history(m_rollout->name, key, &error);
    for (auto it = changes.crbegin(); it != changes.crend(); ++it) {
        const QString what = it->oldValue.isEmpty() && it->newValue.isEmpty()
                                 ? it->field
                                 : tr("%1: %2 → %3").arg(it->field, elide(it->oldValue.isEmpty() ? tr("(empty)") : it->oldValue, 40),
                                                         elide(it->newValue.isEmpty() ? tr("(empty)") : it->newValue, 60));
        auto *row = new QTreeWidgetItem(m_history, {it->at.toLocalTime().toString(QStringLiteral("MM-dd HH:mm:ss")), it->by, what});
        row->setToolTip(0, localTime(it->at));
        row->setToolTip(2, tr("%1\nold: %2\nnew: %3").arg(it->field, it->oldValue.left(2000), it->newValue.left(2000)));
    }
    if (!error.isEmpty())
        new QTreeWidgetItem(m_history, {QString(), QString(), error});
}

void RolloutPage::refreshEvidence()
{
    const qint64 previous = m_evidenceList->currentItem() ? m_evidenceList->currentItem()->data(0, Qt::UserRole).toLongLong() : 0;
    m_evidenceList->clear();
    m_evidenceSummary->clear();
    m_evidenceJson->clear();
    m_evidenceView->setCurrentIndex(0);
    if (!m_rollout)
        return;
    QList<qint64> ids;
    const RolloutItem *it = m_model->item(selectedItemKey());
    if (it) {
        ids = it->evidenceIds;
        m_evidenceSummary->setText(ids.isEmpty() ? tr("No evidence attached to this item.") : QString());
    } else {
        for (const Evidence &e : m_rollout->evidence)
            ids << e.id;
        m_evidenceSummary->setText(ids.isEmpty() ? tr("No evidence in this rollout yet.")
                                                 : tr("All evidence of the rollout (select an item for its own)."));
    }
    QTreeWidgetItem *select = nullptr;
    for (qint64 id : ids) {
        const Evidence *e = m_rollout->evidenceById(id);
        if (!e)
            continue;
        auto *row = new QTreeWidgetItem(m_evidenceList, {e->passed ? QStringLiteral("✓") : QStringLiteral("✗"),
                                                         evidenceKindName(e->kind), e->title,
                                                         e->createdAt.toLocalTime().toString(QStringLiteral("MM-dd HH:mm")),
                                                         e->createdBy});
        row->setToolTip(3, localTime(e->createdAt));
        row->setData(0, Qt::UserRole, e->id);
        row->setForeground(0, e->passed ? QColor(30, 130, 50) : QColor(190, 30, 30));
        row->setToolTip(0, e->passed ? tr("The evidence says OK") : tr("The evidence shows a failure"));
        row->setToolTip(2, e->summary.isEmpty() ? e->title : e->title + QLatin1Char('\n') + e->summary);
        if (e->id == previous)
            select = row;
    }
    if (select)
        m_evidenceList->setCurrentItem(select);
}

void RolloutPage::showEvidence()
{
    QTreeWidgetItem *row = m_evidenceList->currentItem();
    if (!row || !m_rollout)
        return;
    const Evidence *e = m_rollout->evidenceById(row->data(0, Qt::UserRole).toLongLong());
    if (!e)
        return;
    QString text = QStringLiteral("<b>%1</b>").arg(e->title.toHtmlEscaped());
    if (!e->summary.isEmpty())
        text += QStringLiteral("<br/>") + e->summary.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br/>"));
    text += QStringLiteral("<br/><span style='color:#666'>%1</span>")
                .arg(tr("%1 · %2 · sha256 %3").arg(e->source, localTime(e->createdAt), e->sha256().left(16)).toHtmlEscaped());
    m_evidenceSummary->setText(text);
    if (!e->png.isEmpty()) {
        QPixmap pm;
        pm.loadFromData(e->png, "PNG");
        const int w = std::max(200, m_evidenceView->width() - 24);
        m_evidenceImage->setPixmap(pm.width() > w ? pm.scaledToWidth(w, Qt::SmoothTransformation) : pm);
        m_evidenceView->setCurrentIndex(1);
    } else {
        m_evidenceJson->setPlainText(QString::fromUtf8(QJsonDocument(e->payload).toJson(QJsonDocument::Indented)));
        m_evidenceView->setCurrentIndex(0);
    }
}

void RolloutPage::contextMenu(const QPoint &pos)
{
    const QModelIndex idx = m_tree->indexAt(pos);
    const RolloutItem *it = m_model->itemAt(m_filter->mapToSource(idx));
    if (!it || m_readOnly)
        return;
    const QString key = it->def.key;
    QMenu menu(this);
    if (it->def.kind != ItemKind::SignOff && it->def.kind != ItemKind::Info) {
        for (ItemStatus s : kStatuses) {
            QAction *a = menu.addAction(tr("Mark %1").arg(RolloutItemModel::statusText(s)),
                                        this, [this, key, s] { setItemStatus(key, s); });
            a->setCheckable(true);
            a->setChecked(it->status == s);
        }
        menu.addSeparator();
    }
    menu.addAction(tr("Assign to me"), this, [this, key] { setItemOwner(key, me()); })->setEnabled(!me().isEmpty());
    menu.addAction(tr("Clear owner"), this, [this, key] { setItemOwner(key, QString()); })->setEnabled(!it->owner.isEmpty());
    menu.exec(m_tree->viewport()->mapToGlobal(pos));
}

// ---------------------------------------------------------------------------------------------
// evidence

bool RolloutPage::attachEvidence(const Evidence &evidence, QString *error)
{
    if (!m_rollout || m_readOnly) {
        if (error)
            *error = tr("No rollout is open for editing.");
        return false;
    }
    QStringList keys;
    if (!selectedItemKey().isEmpty())
        keys << selectedItemKey();
    const StoreResult r = m_store->attachEvidence(m_rollout->name, evidence, keys, me());
    afterEdit(r, error);
    if (r) {
        m_infoMsg = keys.isEmpty() ? tr("Attached “%1” to the rollout.").arg(evidence.title)
                                   : tr("Attached “%1” to %2.").arg(evidence.title, keys.first());
        m_info->showMessage(m_infoMsg.toHtmlEscaped());
    }
    return r.ok;
}

void RolloutPage::chooseSuiteFile()
{
    const QString dir = QDir(m_workspace.codexDir()).filePath(QStringLiteral("reports"));
    const QString path = QFileDialog::getOpenFileName(this, tr("Attach an endpoint suite run"), dir,
                                                      tr("Endpoint suite runs (*.json)"));
    if (!path.isEmpty())
        attachSuiteFile(path);
}

bool RolloutPage::attachSuiteFile(const QString &path, QString *error)
{
    QString err;
    if (!m_rollout || m_readOnly)
        err = tr("No rollout is open for editing.");
    std::optional<Evidence> ev;
    if (err.isEmpty()) {
        ev = EvidenceCollector::fromSuiteFile(path, m_workspace.root(), me(), &err);
        if (!ev && err.isEmpty())
            err = tr("%1 is not an endpoint suite run").arg(path);
    }
    if (!err.isEmpty()) {
        showStoreError(err);
        if (error)
            *error = err;
        return false;
    }
    EvidenceCollector::SuiteMatch match;
    const StoreResult r = actions::attachSuiteRun(*m_store, m_rollout->name, *ev, me(), &match);
    afterEdit(r, error);
    if (r) {
        m_infoMsg = tr("Endpoint suite run %1 attached to %n item(s)", nullptr, int(match.attach.size()))
                        .arg(m_workspace.display(path))
                    + tr("; %n ticked done", nullptr, int(match.tick.size()))
                    + (match.failed.isEmpty() ? QString() : tr("; %n with failed cases", nullptr, int(match.failed.size())));
        m_info->showMessage(m_infoMsg.toHtmlEscaped());
    }
    return r.ok;
}

bool RolloutPage::attachMetricSnapshot(QString *error)
{
    if (!m_metricProvider) {
        if (error)
            *error = tr("No Monitor page is connected");
        return false;
    }
    const auto [snapshot, png] = m_metricProvider();
    const QString title = QStringLiteral("Metric snapshot %1")
                              .arg(snapshot.takenAt.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'")));
    return attachEvidence(EvidenceCollector::metricSnapshot(snapshot, title, png, me()), error);
}

bool RolloutPage::attachHealthCheck(QString *error)
{
    if (!m_workspace.isValid())
        return false;
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const Evidence e = EvidenceCollector::healthCheck(m_workspace.root(), me());
    QApplication::restoreOverrideCursor();
    return attachEvidence(e, error);
}

bool RolloutPage::attachConfigSnapshot(QString *error)
{
    if (!m_workspace.isValid())
        return false;
    return attachEvidence(EvidenceCollector::configSnapshot(m_workspace.root(), me()), error);
}

// ---------------------------------------------------------------------------------------------
// background work

void RolloutPage::collectEvidence()
{
    if (!m_rollout || m_readOnly || m_work.isRunning())
        return;
    const QString path = storePath(), name = m_rollout->name, root = m_workspace.root(), by = me();
    m_workKind = QStringLiteral("collect");
    m_infoMsg = tr("Collecting evidence…");
    m_info->showMessage(m_infoMsg);
    m_work.setFuture(QtConcurrent::run([path, name, root, by] {
        WorkResult w;
        RolloutStore store;  // one store per thread
        w.result = store.open(path, false);
        if (!w.result)
            return w;
        actions::CollectReport report;
        w.result = actions::collectAll(store, name, root, by, &report);
        w.lines = report.lines;
        return w;
    }));
    updateButtons();
}

void RolloutPage::evaluateCriteria()
{
    if (!m_rollout || m_readOnly || m_work.isRunning())
        return;
    const QString path = storePath(), name = m_rollout->name, root = m_workspace.root(), by = me();
    m_workKind = QStringLiteral("evaluate");
    m_work.setFuture(QtConcurrent::run([path, name, root, by] {
        WorkResult w;
        RolloutStore store;
        w.result = store.open(path, false);
        if (!w.result)
            return w;
        w.result = actions::evaluateAndRecord(store, name, root, by, &w.criteria);
        return w;
    }));
    updateButtons();
}

void RolloutPage::onWorkFinished()
{
    const WorkResult w = m_work.result();
    const QString kind = m_workKind;
    m_workKind.clear();
    if (!w.result) {
        showStoreError(w.result.message);
        m_infoMsg.clear();
        m_info->showMessage({});
    } else if (kind == QLatin1String("collect")) {
        m_infoMsg = w.lines.isEmpty() ? tr("Nothing new to collect.") : w.lines.join(QLatin1Char('\n'));
        QStringList html;
        for (const QString &l : w.lines)
            html << l.toHtmlEscaped();
        m_info->showMessage(html.isEmpty() ? m_infoMsg : tr("<b>Evidence collected</b><br/>") + html.join(QStringLiteral("<br/>")));
    } else {
        int pass = 0, fail = 0, none = 0;
        for (const auto &c : w.criteria)
            (c.verdict == CriterionResult::Verdict::Pass ? pass : c.verdict == CriterionResult::Verdict::Fail ? fail : none)++;
        m_infoMsg = tr("Criteria evaluated and recorded: %1 pass, %2 fail, %3 no data").arg(pass).arg(fail).arg(none);
        m_info->showMessage(m_infoMsg.toHtmlEscaped());
        m_live = w.criteria;
    }
    loadCurrent(false);
    if (kind == QLatin1String("collect")) {
        refreshLiveCriteria();
        Q_EMIT collectFinished(w.result ? w.lines : QStringList{w.result.message});
    } else if (!kind.isEmpty()) {
        Q_EMIT criteriaRecorded();
    }
}

void RolloutPage::refreshLiveCriteria()
{
    if (!m_rollout || !m_workspace.isValid())
        return;
    if (m_liveWork.isRunning()) {
        m_livePending = true;
        return;
    }
    const Rollout r = *m_rollout;
    const QString root = m_workspace.root();
    m_liveFor = r.name;
    m_liveWork.setFuture(QtConcurrent::run([r, root] {
        return CriteriaEvaluator::evaluateAll(r, actions::criteriaInputs(r, root));
    }));
}

void RolloutPage::showEvent(QShowEvent *event)
{
    Page::showEvent(event);
    refreshLiveCriteria();
}

void RolloutPage::fillCriteria(const QList<CriterionResult> &results)
{
    m_model->setVerdicts(results);
    m_criteria->setRowCount(int(results.size()));
    for (int row = 0; row < results.size(); ++row) {
        const CriterionResult &c = results[row];
        QString verdict;
        QColor bg;
        switch (c.verdict) {
        case CriterionResult::Verdict::Pass: verdict = tr("PASS"); bg = QColor(46, 125, 50); break;
        case CriterionResult::Verdict::Fail: verdict = tr("FAIL"); bg = QColor(198, 40, 40); break;
        case CriterionResult::Verdict::NoData: verdict = tr("NO DATA"); bg = QColor(117, 117, 117); break;
        }
        QString tip = c.reason.isEmpty() ? c.title : c.title + QLatin1Char('\n') + c.reason;
        if (!c.itemKey.isEmpty())
            tip += QLatin1Char('\n') + tr("Item: %1").arg(c.itemKey);
        auto *v = cell(verdict, tip);
        v->setData(Qt::UserRole, verdictName(c.verdict));
        v->setBackground(bg);
        v->setForeground(Qt::white);
        v->setTextAlignment(Qt::AlignCenter);
        QFont f = v->font();
        f.setBold(true);
        v->setFont(f);
        m_criteria->setItem(row, 0, v);
        m_criteria->setItem(row, 1, cell(c.title, tip));
        m_criteria->setItem(row, 2, cell(c.figure, tip));
        m_criteria->setItem(row, 3, cell(c.threshold, tip));
        m_criteria->setItem(row, 4, cell(c.window, tip));
        m_criteria->setItem(row, 5, cell(c.source, tip));
    }
    m_criteria->resizeRowsToContents();
    if (!m_rollout)
        m_criteriaLabel->setText(tr("No rollout selected."));
    else if (results.isEmpty())
        m_criteriaLabel->setText(tr("This rollout has no success criteria to judge (or they are being judged)."));
}

// ---------------------------------------------------------------------------------------------
// sign-offs

QString RolloutPage::signOffStateText(const QString &role) const
{
    for (const auto &c : m_checks)
        if (c.signOff.role == role) {
            switch (c.state) {
            case SignOffCheck::State::Valid: return tr("valid ✓");
            case SignOffCheck::State::Changed: return tr("changed after sign-off ⚠");
            case SignOffCheck::State::Tampered: return tr("tampered ✗");
            }
        }
    return tr("not signed");
}

void RolloutPage::refreshSignOffs()
{
    m_signOffs->setRowCount(0);
    if (!m_rollout)
        return;
    const QStringList roles = m_rollout->roles;
    m_signOffs->setRowCount(int(roles.size()));
    for (int row = 0; row < roles.size(); ++row) {
        const QString role = roles[row];
        const SignOffCheck *check = nullptr;
        for (const auto &c : std::as_const(m_checks))
            if (c.signOff.role == role)
                check = &c;
        m_signOffs->setItem(row, 0, cell(role));
        m_signOffs->setItem(row, 1, cell(check ? check->signOff.name : QString()));
        m_signOffs->setItem(row, 2, cell(check ? check->signOff.signedAt.toLocalTime().toString(QStringLiteral("MM-dd HH:mm")) : QString(),
                                         check ? localTime(check->signOff.signedAt) : QString()));
        m_signOffs->setItem(row, 3, cell(check ? elide(check->signOff.comment, 60) : QString(),
                                         check ? check->signOff.comment : QString()));
        auto *state = cell(signOffStateText(role));
        if (check) {
            state->setToolTip(tr("%1\nSealed SHA-256: %2\nCurrent SHA-256: %3")
                                  .arg(check->message, check->signOff.contentSha256, check->currentSha256));
            switch (check->state) {
            case SignOffCheck::State::Valid: state->setForeground(QColor(30, 130, 50)); break;
            case SignOffCheck::State::Changed: state->setForeground(QColor(200, 110, 0)); break;
            case SignOffCheck::State::Tampered: state->setForeground(QColor(190, 30, 30)); break;
            }
            QFont f = state->font();
            f.setBold(check->state != SignOffCheck::State::Valid);
            state->setFont(f);
        } else {
            state->setForeground(QColor(120, 120, 120));
        }
        m_signOffs->setItem(row, 4, state);
        auto *buttons = new QWidget(m_signOffs);
        auto *h = new QHBoxLayout(buttons);
        h->setContentsMargins(2, 0, 2, 0);
        auto *sign = new QPushButton(tr("Sign…"), buttons);
        sign->setObjectName(QStringLiteral("sign-") + role);
        sign->setEnabled(!m_readOnly);
        connect(sign, &QPushButton::clicked, this, [this, role] { openSignOffDialog(role); });
        h->addWidget(sign);
        if (check && check->state != SignOffCheck::State::Valid) {
            auto *diff = new QPushButton(tr("Show changes"), buttons);
            diff->setObjectName(QStringLiteral("diff-") + role);
            connect(diff, &QPushButton::clicked, this, [this, role] { showChanges(role); });
            h->addWidget(diff);
        }
        h->addStretch(1);
        m_signOffs->setCellWidget(row, 5, buttons);
    }
    m_signOffs->resizeRowsToContents();
}

SignOffDialog *RolloutPage::openSignOffDialog(const QString &role)
{
    if (!m_rollout)
        return nullptr;
    // A sign-off seals a recorded criteria evaluation; record one now when there is none, so the
    // hash the dialog shows is the one that will be sealed.
    if (m_rollout->criteria.isEmpty() && !m_readOnly && m_store) {
        const StoreResult recorded = actions::evaluateAndRecord(*m_store, m_rollout->name, m_workspace.root(), me());
        if (!recorded) {
            showStoreError(recorded.message);
            return nullptr;
        }
        loadCurrent(false);
        if (!m_rollout)
            return nullptr;
    }
    const QString sha = Sha256::hex(ReportBuilder::canonicalContent(*m_rollout));
    auto *dialog = new SignOffDialog(role, me(), sha, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setSignHook([this, role](const QString &name, const QString &comment) -> QString {
        if (!m_rollout || m_readOnly)
            return tr("No rollout is open for editing.");
        SignOff sealed;
        const StoreResult r = actions::sign(*m_store, m_rollout->name, role, name, comment, m_workspace.root(), &sealed);
        if (!r)
            return r.message;
        loadCurrent(false);
        m_infoMsg = tr("Signed off as %1 by %2 (sealed SHA-256 %3…).").arg(role, name, sealed.contentSha256.left(12));
        m_info->showMessage(m_infoMsg.toHtmlEscaped());
        return {};
    });
    dialog->open();
    return dialog;
}

void RolloutPage::showChanges(const QString &role)
{
    const SignOffCheck *check = nullptr;
    for (const auto &c : std::as_const(m_checks))
        if (c.signOff.role == role)
            check = &c;
    if (!check)
        return;
    auto *dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName(QStringLiteral("signOffChangesDialog"));
    dialog->setWindowTitle(tr("Changes since %1 signed").arg(role));
    auto *v = new QVBoxLayout(dialog);
    auto *msg = new QLabel(check->message.isEmpty() ? signOffStateText(role) : check->message, dialog);
    msg->setWordWrap(true);
    v->addWidget(msg);
    auto *view = DiffDialog::makeDiffView(check->diff, tr("(no difference recorded)"), dialog);
    v->addWidget(view, 1);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    v->addWidget(buttons);
    dialog->resize(900, 600);
    dialog->open();
}

ReportExportDialog *RolloutPage::openExportDialog()
{
    if (!m_rollout)
        return nullptr;
    QString error;
    auto options = rollout::actions::reportOptions(*m_store, m_rollout->name, me(), true, &error);
    if (!options) {
        // The report is still worth having without its history; say what is missing.
        showStoreError(tr("The change history could not be read for the report: %1").arg(error));
        options = rollout::actions::reportOptions(*m_store, m_rollout->name, me(), false, nullptr);
    }
    auto *dialog = new ReportExportDialog(*m_rollout, m_checks, m_workspace.root(), *options, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ReportExportDialog::exported, this, [this](const QString &path) {
        m_infoMsg = tr("Report exported to %1").arg(QDir::toNativeSeparators(path));
        m_info->showMessage(m_infoMsg.toHtmlEscaped());
    });
    dialog->open();
    return dialog;
}

}  // namespace codex::ui
