#include "ui/ConfigPanel.h"

#include "common/Url.h"
#include "models/ConfigKeyModel.h"
#include "models/EnvironmentModel.h"
#include "ui/Banner.h"
#include "ui/DiffDialog.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcessEnvironment>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTableView>
#include <QTextBlock>
#include <QTextBrowser>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace codex::ui {

using namespace codex::config;
using models::ConfigKeyModel;
using models::EnvironmentModel;

struct ConfigPanel::Row {
    QString key;
    const SchemaKey *schema = nullptr;
    QLabel *label = nullptr;
    QWidget *editor = nullptr;
    QCheckBox *check = nullptr;
    QComboBox *combo = nullptr;
    QSpinBox *spin = nullptr;
    QDoubleSpinBox *dspin = nullptr;
    QLineEdit *line = nullptr;
    QAction *eye = nullptr;  ///< per-field reveal for URLs and secrets
    QLabel *badge = nullptr;
    QLabel *origin = nullptr;
    QToolButton *reset = nullptr;
    bool revealed = false;
};

namespace {

QToolButton *toolButton(const QString &text, const QString &tip, QWidget *parent, const QString &objectName)
{
    auto *b = new QToolButton(parent);
    b->setText(text);
    b->setToolTip(tip);
    b->setObjectName(objectName);
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    return b;
}

QString badgeStyle(const QColor &c)
{
    return QStringLiteral("QLabel { color: white; background: %1; border-radius: 7px; padding: 1px 8px; font-weight: 600; }")
        .arg(c.name());
}

}  // namespace

ConfigPanel::ConfigPanel(Family family, QWidget *parent)
    : QWidget(parent), m_family(family), m_editor(new ConfigEditor(this)), m_keys(new ConfigKeyModel(m_editor, this)),
      m_env(new EnvironmentModel(this))
{
    setObjectName(family == Family::Archive ? QStringLiteral("archiveConfigPanel") : QStringLiteral("ccproxyConfigPanel"));
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 6, 0, 0);

    // --- header: profile, file, actions --------------------------------------------------------
    auto *header = new QHBoxLayout;
    auto *profileLabel = new QLabel(tr("&Precedence profile:"), this);
    m_profileCombo = new QComboBox(this);
    m_profileCombo->setObjectName(QStringLiteral("profileCombo"));
    profileLabel->setBuddy(m_profileCombo);
    for (const PrecedenceProfile &p : PrecedenceProfile::all())
        if (p.isArchive() == (family == Family::Archive))
            m_profileCombo->addItem(p.title, p.id);
    header->addWidget(profileLabel);
    header->addWidget(m_profileCombo);
    header->addStretch(1);
    m_fileLabel = new QLabel(this);
    m_fileLabel->setObjectName(QStringLiteral("fileLabel"));
    m_fileLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_fileLabel->setWordWrap(true);
    m_undo = toolButton(tr("Undo"), tr("Undo the last edit (Ctrl+Z)"), this, QStringLiteral("undoButton"));
    m_undo->setIcon(style()->standardIcon(QStyle::SP_ArrowBack));
    m_redo = toolButton(tr("Redo"), tr("Redo (Ctrl+Shift+Z)"), this, QStringLiteral("redoButton"));
    m_redo->setIcon(style()->standardIcon(QStyle::SP_ArrowForward));
    auto *reload = toolButton(tr("Reload"), tr("Discard edits and read the file again"), this, QStringLiteral("reloadButton"));
    reload->setIcon(style()->standardIcon(QStyle::SP_BrowserReload));
    m_reveal = toolButton(tr("Show secrets"), tr("Show credentials in URLs and tokens in clear (never logged)"), this,
                          QStringLiteral("revealButton"));
    m_reveal->setCheckable(true);
    m_save = toolButton(tr("Review and Save…"), tr("See the diff, then save atomically with a backup (Ctrl+S)"), this,
                        QStringLiteral("saveButton"));
    m_save->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    for (QToolButton *b : {m_undo, m_redo, reload, m_reveal, m_save})
        header->addWidget(b);
    outer->addLayout(header);
    outer->addWidget(m_fileLabel);

    m_orderLabel = new QLabel(this);
    m_orderLabel->setObjectName(QStringLiteral("orderLabel"));
    m_orderLabel->setWordWrap(true);
    m_orderLabel->setStyleSheet(QStringLiteral("color: palette(mid);"));
    m_orderLabel->setForegroundRole(QPalette::PlaceholderText);
    outer->addWidget(m_orderLabel);

    m_errorBanner = new Banner(Banner::Kind::Error, this);
    m_errorBanner->setObjectName(QStringLiteral("errorBanner"));
    m_warningBanner = new Banner(Banner::Kind::Warning, this);
    m_warningBanner->setObjectName(QStringLiteral("warningBanner"));
    m_infoBanner = new Banner(Banner::Kind::Info, this);
    m_infoBanner->setObjectName(QStringLiteral("infoBanner"));
    m_diskBanner = new Banner(Banner::Kind::Warning, this);
    m_diskBanner->setObjectName(QStringLiteral("diskBanner"));
    for (Banner *b : {m_errorBanner, m_warningBanner, m_infoBanner, m_diskBanner})
        outer->addWidget(b);
    QPushButton *dismiss = m_errorBanner->addAction(tr("Dismiss"));
    connect(dismiss, &QPushButton::clicked, this, [this] {
        m_editError.clear();
        refreshBanners();
    });
    QPushButton *diskReload = m_diskBanner->addAction(tr("Reload from disk"));
    QPushButton *diskKeep = m_diskBanner->addAction(tr("Keep my edits"));
    connect(diskReload, &QPushButton::clicked, this, [this] {
        m_editor->reload();
        m_diskBanner->showMessage({});
    });
    connect(diskKeep, &QPushButton::clicked, this, [this] { m_diskBanner->showMessage({}); });

    // --- body: form | chain + environment -----------------------------------------------------
    // Form | precedence chain on top, the what-if environment across the whole width below.
    auto *vertical = new QSplitter(Qt::Vertical, this);
    vertical->setChildrenCollapsible(false);
    auto *split = new QSplitter(Qt::Horizontal, vertical);
    split->setChildrenCollapsible(false);
    m_stack = new QStackedWidget(split);
    auto *scroll = new QScrollArea(m_stack);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_formHost = new QWidget(scroll);
    m_formHost->setObjectName(QStringLiteral("formHost"));
    new QVBoxLayout(m_formHost);
    scroll->setWidget(m_formHost);
    m_stack->addWidget(scroll);

    auto *malformed = new QWidget(m_stack);
    auto *ml = new QVBoxLayout(malformed);
    m_malformedLabel = new QLabel(malformed);
    m_malformedLabel->setObjectName(QStringLiteral("malformedLabel"));
    m_malformedLabel->setWordWrap(true);
    m_malformedView = new QPlainTextEdit(malformed);
    m_malformedView->setObjectName(QStringLiteral("malformedView"));
    m_malformedView->setReadOnly(true);
    m_malformedView->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    ml->addWidget(m_malformedLabel);
    ml->addWidget(m_malformedView, 1);
    m_stack->addWidget(malformed);

    auto *chainBox = new QWidget(split);
    auto *cl = new QVBoxLayout(chainBox);
    cl->setContentsMargins(0, 0, 0, 0);
    m_chainTitle = new QLabel(tr("<b>Precedence chain</b>"), chainBox);
    m_chain = new QTextBrowser(chainBox);
    m_chain->setObjectName(QStringLiteral("chainView"));
    m_chain->setOpenLinks(false);
    cl->addWidget(m_chainTitle);
    cl->addWidget(m_chain, 1);

    auto *envBox = new QWidget(vertical);
    auto *el = new QVBoxLayout(envBox);
    el->setContentsMargins(0, 0, 0, 0);
    auto *envTitle = new QLabel(tr("<b>What-if environment</b> — edit variables here to see their effect; the real "
                                   "environment is not touched."),
                                envBox);
    envTitle->setWordWrap(true);
    el->addWidget(envTitle);
    m_envView = new QTableView(envBox);
    m_envView->setObjectName(QStringLiteral("environmentView"));
    m_envView->setModel(m_env);
    m_envView->horizontalHeader()->setSectionResizeMode(EnvironmentModel::NameColumn, QHeaderView::ResizeToContents);
    m_envView->horizontalHeader()->setSectionResizeMode(EnvironmentModel::ValueColumn, QHeaderView::Interactive);
    m_envView->horizontalHeader()->resizeSection(EnvironmentModel::ValueColumn, 220);
    m_envView->horizontalHeader()->setSectionResizeMode(EnvironmentModel::StatusColumn, QHeaderView::Stretch);
    m_envView->horizontalHeader()->setMinimumSectionSize(60);
    m_envView->verticalHeader()->hide();
    m_envView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_envView->setWordWrap(false);
    el->addWidget(m_envView, 1);
    auto *envButtons = new QHBoxLayout;
    auto *add = toolButton(tr("Add…"), tr("Add or change a variable"), envBox, QStringLiteral("envAddButton"));
    auto *remove = toolButton(tr("Remove"), tr("Remove the selected variable"), envBox, QStringLiteral("envRemoveButton"));
    auto *load = toolButton(tr("Load .env…"), tr("Add the variables of a .env file"), envBox, QStringLiteral("envLoadButton"));
    m_presets = toolButton(tr("Presets"), tr("The seeds' rollback flags and feature-flag stages"), envBox,
                           QStringLiteral("presetButton"));
    m_presets->setPopupMode(QToolButton::InstantPopup);
    auto *reset = toolButton(tr("Reset"), tr("Back to the process environment"), envBox, QStringLiteral("envResetButton"));
    for (QToolButton *b : {add, remove, load, m_presets, reset})
        envButtons->addWidget(b);
    envButtons->addStretch(1);
    el->addLayout(envButtons);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 1);
    vertical->setSizes({520, 200});
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({760, 360});
    outer->addWidget(vertical, 1);

    auto *presetMenu = new QMenu(m_presets);
    m_presets->setMenu(presetMenu);
    connect(presetMenu, &QMenu::aboutToShow, this, [this, presetMenu] {
        presetMenu->clear();
        for (const ConfigPreset &p : m_editor->profile().schema().presets()) {
            QAction *a = presetMenu->addAction(tr("%1 — as environment").arg(QCoreApplication::translate("schema", p.title.toUtf8().constData())));
            a->setToolTip(QCoreApplication::translate("schema", p.description.toUtf8().constData()));
            const QString id = p.id;
            connect(a, &QAction::triggered, this, [this, id] { applyPreset(id, false); });
            if (!p.fileValues.isEmpty()) {
                QAction *f = presetMenu->addAction(tr("%1 — write to the file").arg(QCoreApplication::translate("schema", p.title.toUtf8().constData())));
                connect(f, &QAction::triggered, this, [this, id] { applyPreset(id, true); });
            }
        }
    });

    // --- wiring --------------------------------------------------------------------------------
    connect(m_profileCombo, &QComboBox::activated, this, [this] { reopen(); });
    connect(m_undo, &QToolButton::clicked, m_editor, &ConfigEditor::undo);
    connect(m_redo, &QToolButton::clicked, m_editor, &ConfigEditor::redo);
    connect(reload, &QToolButton::clicked, this, [this] {
        if (m_editor->isModified()
            && QMessageBox::question(this, tr("Discard edits?"), tr("Reloading discards your unsaved edits.")) != QMessageBox::Yes)
            return;
        m_editor->reload();
    });
    connect(m_reveal, &QToolButton::toggled, this, [this](bool on) {
        m_keys->setRevealSecrets(on);
        m_env->setRevealSecrets(on);
        refreshForm();
        refreshChain();
    });
    connect(m_save, &QToolButton::clicked, this, [this] { reviewAndSave(); });
    connect(add, &QToolButton::clicked, this, &ConfigPanel::addVariable);
    connect(remove, &QToolButton::clicked, this, [this] {
        const QModelIndex i = m_envView->currentIndex();
        if (i.isValid())
            m_env->removeVariable(m_env->nameAt(i.row()));
    });
    connect(load, &QToolButton::clicked, this, &ConfigPanel::loadDotEnv);
    connect(reset, &QToolButton::clicked, m_env, &EnvironmentModel::resetToBase);
    connect(m_env, &EnvironmentModel::environmentChanged, this, [this] {
        if (!m_reopening && m_workspace.isValid())
            m_editor->setEnvironment(m_env->environment());
    });
    connect(m_editor, &ConfigEditor::resolvedChanged, this, &ConfigPanel::onResolved);
    connect(m_editor, &ConfigEditor::documentChanged, this, &ConfigPanel::onDocumentChanged);
    connect(m_editor, &ConfigEditor::externalChangeWithEdits, this, [this] {
        m_diskBanner->showMessage(tr("%1 was changed on disk by another program while you have unsaved edits.")
                                      .arg(m_editor->displayPath().toHtmlEscaped()));
    });
    connect(m_editor, &ConfigEditor::reloadedFromDisk, this, [this] {
        m_infoBanner->showMessage(tr("%1 changed on disk and was reloaded.").arg(m_editor->displayPath().toHtmlEscaped()));
    });
    connect(m_keys, &ConfigKeyModel::editRefused, this, &ConfigPanel::showEditError);

    auto *undoShortcut = new QAction(this);
    undoShortcut->setShortcut(QKeySequence::Undo);
    undoShortcut->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(undoShortcut, &QAction::triggered, m_editor, &ConfigEditor::undo);
    auto *redoShortcut = new QAction(this);
    redoShortcut->setShortcut(QKeySequence::Redo);
    redoShortcut->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(redoShortcut, &QAction::triggered, m_editor, &ConfigEditor::redo);
    auto *saveShortcut = new QAction(this);
    saveShortcut->setShortcut(QKeySequence::Save);
    saveShortcut->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(saveShortcut, &QAction::triggered, this, [this] { reviewAndSave(); });
    addActions({undoShortcut, redoShortcut, saveShortcut});
}

ConfigPanel::~ConfigPanel()
{
    qDeleteAll(m_rows);
}

void ConfigPanel::onResolved()
{
    m_env->setResolved(m_editor->resolved());
    refreshForm();
    refreshBanners();
    refreshChain();
    Q_EMIT resolvedChanged();
}

void ConfigPanel::onDocumentChanged()
{
    m_undo->setEnabled(m_editor->canUndo());
    m_redo->setEnabled(m_editor->canRedo());
    m_undo->setToolTip(m_editor->canUndo() ? tr("Undo: %1").arg(m_editor->undoText()) : tr("Nothing to undo"));
    m_redo->setToolTip(m_editor->canRedo() ? tr("Redo: %1").arg(m_editor->redoText()) : tr("Nothing to redo"));
    m_save->setEnabled(m_editor->isModified());
    refreshMalformedView();
}

void ConfigPanel::setWorkspace(const Workspace &workspace)
{
    m_workspace = workspace;
    QMap<QString, QString> env;
    const QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
    for (const QString &name : pe.keys())
        env.insert(name, pe.value(name));
    m_reopening = true;  // one reopen below, not one per environment signal
    m_env->setBaseEnvironment(env);
    m_reopening = false;
    reopen();
}

void ConfigPanel::setProfile(const QString &id)
{
    const int i = m_profileCombo->findData(id);
    if (i < 0)
        return;
    m_profileCombo->setCurrentIndex(i);
    reopen();
}

void ConfigPanel::reopen()
{
    m_editError.clear();
    const PrecedenceProfile *profile = PrecedenceProfile::byId(m_profileCombo->currentData().toString());
    if (!profile || !m_workspace.isValid())
        return;
    if (m_editor->isModified() && &m_editor->profile() != profile
        && QMessageBox::question(this, tr("Discard edits?"),
                                 tr("Switching the profile reopens the file and discards your unsaved edits."))
               != QMessageBox::Yes) {
        m_profileCombo->setCurrentIndex(m_profileCombo->findData(m_editor->profile().id));
        return;
    }
    ConfigInputs inputs;
    inputs.workspace = m_workspace.root();
    inputs.environment = m_env->environment();
    m_editError.clear();
    const bool rebuild = m_rows.isEmpty() || m_rows.front()->schema != &profile->schema().keys().front();
    if (rebuild)
        buildForm(profile->schema());
    m_orderLabel->setText(profile->order);
    if (m_selectedKey.isEmpty() || !profile->schema().find(m_selectedKey))
        m_selectedKey = profile->schema().keys().front().key;
    m_infoBanner->showMessage({});
    m_diskBanner->showMessage({});
    m_editor->open(*profile, inputs);  // its signals refresh the model, the form and the banners
}

void ConfigPanel::buildForm(const ConfigSchema &schema)
{
    qDeleteAll(m_rows);
    m_rows.clear();
    m_schema = &schema;
    QLayout *layout = m_formHost->layout();
    while (QLayoutItem *item = layout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (const SchemaSection &section : schema.sections()) {
        auto *box = new QGroupBox(QStringLiteral("%1  [%2]").arg(QCoreApplication::translate("schema", section.title.toUtf8().constData()), section.name), m_formHost);
        box->setObjectName(QStringLiteral("section_") + section.name);
        auto *grid = new QGridLayout(box);
        grid->setColumnStretch(1, 2);
        grid->setColumnStretch(3, 1);
        grid->setHorizontalSpacing(10);
        int r = 0;
        for (int keyIndex : section.keyIndexes) {
            const SchemaKey &sk = schema.keys()[keyIndex];
            auto *row = new Row;
            row->key = sk.key;
            row->schema = &sk;
            row->label = new QLabel(sk.name, box);
            row->label->setToolTip(QStringLiteral("<b>%1</b><br/>%2").arg(sk.key.toHtmlEscaped(), QCoreApplication::translate("schema", sk.help.toUtf8().constData()).toHtmlEscaped()));
            row->label->installEventFilter(this);
            const int rowIndex = int(m_rows.size());
            switch (sk.type) {
            case ValueType::Bool:
                row->check = new QCheckBox(box);
                row->editor = row->check;
                connect(row->check, &QCheckBox::toggled, this, [this, rowIndex](bool on) { commitEditor(rowIndex, on); });
                break;
            case ValueType::Enum:
                row->combo = new QComboBox(box);
                row->combo->addItems(sk.allowed);
                row->editor = row->combo;
                connect(row->combo, &QComboBox::activated, this,
                        [this, rowIndex, row] { commitEditor(rowIndex, row->combo->currentText()); });
                break;
            case ValueType::Int:
                if (!sk.nullable) {
                    row->spin = new QSpinBox(box);
                    row->spin->setRange(sk.min ? int(*sk.min) : std::numeric_limits<int>::min(),
                                        sk.max ? int(*sk.max) : std::numeric_limits<int>::max());
                    row->spin->setKeyboardTracking(false);
                    row->spin->setSuffix(sk.unit.isEmpty() ? QString() : QStringLiteral(" ") + sk.unit);
                    row->editor = row->spin;
                    connect(row->spin, &QSpinBox::valueChanged, this,
                            [this, rowIndex](int v) { commitEditor(rowIndex, QVariant::fromValue<qint64>(v)); });
                    break;
                }
                [[fallthrough]];
            case ValueType::Float:
                if (!sk.nullable && sk.type == ValueType::Float) {
                    row->dspin = new QDoubleSpinBox(box);
                    row->dspin->setDecimals(3);
                    row->dspin->setRange(sk.min ? *sk.min : -1e12, sk.max ? *sk.max : 1e12);
                    row->dspin->setKeyboardTracking(false);
                    row->dspin->setSuffix(sk.unit.isEmpty() ? QString() : QStringLiteral(" ") + sk.unit);
                    row->editor = row->dspin;
                    connect(row->dspin, &QDoubleSpinBox::valueChanged, this,
                            [this, rowIndex](double v) { commitEditor(rowIndex, v); });
                    break;
                }
                [[fallthrough]];
            case ValueType::String:
            case ValueType::Path:
            case ValueType::Url:
                row->line = new QLineEdit(box);
                row->line->setClearButtonEnabled(sk.nullable);
                row->line->setPlaceholderText(sk.nullable ? tr("(unset)") : QString());
                row->editor = row->line;
                if (sk.type == ValueType::Url || sk.secret) {
                    row->eye = row->line->addAction(style()->standardIcon(QStyle::SP_FileDialogContentsView),
                                                    QLineEdit::TrailingPosition);
                    row->eye->setCheckable(true);
                    row->eye->setToolTip(tr("Show this value in clear"));
                    connect(row->eye, &QAction::toggled, this, [this, row](bool on) {
                        row->revealed = on;
                        refreshForm();
                    });
                }
                connect(row->line, &QLineEdit::textEdited, this, [this, row](const QString &text) {
                    // Live validation: the field turns red with the rule as its tooltip.
                    const ConfigSchema &s = *m_schema;
                    QString error;
                    QVariant v = text.isEmpty() && row->schema->nullable ? QVariant() : ConfigResolver::parseText(*row->schema, text, &error);
                    std::optional<QString> broken = v.isValid() || text.isEmpty() ? s.check(*row->schema, v) : std::optional<QString>(error);
                    row->line->setStyleSheet(broken ? QStringLiteral("QLineEdit { border: 2px solid #e53935; }") : QString());
                    row->line->setToolTip(broken ? QStringLiteral("%1 %2").arg(row->schema->key, *broken) : QString());
                });
                connect(row->line, &QLineEdit::editingFinished, this, [this, rowIndex, row] {
                    if (!row->line->isModified())
                        return;
                    row->line->setModified(false);
                    const QString text = row->line->text();
                    if (text.isEmpty() && row->schema->nullable) {
                        const ConfigEditor::Result r = m_editor->unsetKey(row->key);
                        if (!r.ok)
                            showEditError(r.message);
                        return;
                    }
                    commitEditor(rowIndex, text);
                });
                break;
            }
            row->editor->setObjectName(QStringLiteral("edit_") + sk.key);
            row->editor->installEventFilter(this);
            row->label->setBuddy(row->editor);
            row->badge = new QLabel(box);
            row->badge->setObjectName(QStringLiteral("badge_") + sk.key);
            row->badge->setAlignment(Qt::AlignCenter);
            row->badge->setMinimumWidth(64);
            row->origin = new QLabel(box);
            row->origin->setObjectName(QStringLiteral("origin_") + sk.key);
            row->origin->setMinimumWidth(180);
            row->origin->setTextInteractionFlags(Qt::TextSelectableByMouse);
            row->reset = new QToolButton(box);
            row->reset->setObjectName(QStringLiteral("reset_") + sk.key);
            row->reset->setIcon(style()->standardIcon(QStyle::SP_DialogResetButton));
            row->reset->setToolTip(tr("Remove %1 from the file (its line is deleted)").arg(sk.key));
            row->reset->setAutoRaise(true);
            connect(row->reset, &QToolButton::clicked, this, [this, row] {
                const ConfigEditor::Result r = m_editor->unsetKey(row->key);
                if (!r.ok)
                    showEditError(r.message);
            });
            grid->addWidget(row->label, r, 0);
            grid->addWidget(row->editor, r, 1);
            grid->addWidget(row->badge, r, 2);
            grid->addWidget(row->origin, r, 3);
            grid->addWidget(row->reset, r, 4);
            ++r;
            m_rows.append(row);
        }
        layout->addWidget(box);
    }
    static_cast<QVBoxLayout *>(layout)->addStretch(1);
    // One label width for every section, so editors line up across the group boxes.
    int labelWidth = 0;
    for (const Row *row : m_rows)
        labelWidth = std::max(labelWidth, row->label->sizeHint().width());
    for (Row *row : m_rows) {
        row->label->setMinimumWidth(labelWidth);
        row->editor->setMinimumWidth(180);
    }
}

void ConfigPanel::refreshForm()
{
    m_refreshing = true;
    const bool malformed = m_editor->hasParseError();
    for (int i = 0; i < m_rows.size(); ++i) {
        Row *row = m_rows[i];
        const int modelRow = m_keys->rowOf(row->key);
        const ResolvedKey *k = m_keys->keyAt(modelRow);
        if (!k)
            continue;
        const QVariant v = k->value;
        const bool reveal = m_keys->revealSecrets() || row->revealed;
        if (row->check)
            row->check->setChecked(v.toBool());
        if (row->combo) {
            const int idx = row->combo->findText(v.toString());
            if (idx < 0 && !v.toString().isEmpty()) {
                row->combo->addItem(v.toString());  // an invalid value stays visible, marked by the banner
                row->combo->setCurrentIndex(row->combo->count() - 1);
            } else {
                row->combo->setCurrentIndex(idx);
            }
        }
        if (row->spin)
            row->spin->setValue(int(std::clamp<qint64>(v.toLongLong(), row->spin->minimum(), row->spin->maximum())));
        if (row->dspin)
            row->dspin->setValue(v.toDouble());
        if (row->line && !row->line->hasFocus()) {
            const QString shown = v.isNull() || !v.isValid() ? QString() : ConfigResolver::displayValue(*row->schema, v, reveal);
            row->line->setText(shown);
            row->line->setCursorPosition(0);
            row->line->setModified(false);
            row->line->setStyleSheet(k->valid ? QString() : QStringLiteral("QLineEdit { border: 2px solid #e53935; }"));
            const bool masked = (row->schema->type == ValueType::Url && !reveal && redactUrl(v.toString()) != v.toString())
                                || (row->schema->secret && !reveal && !v.isNull());
            row->line->setReadOnly(masked);
            if (row->schema->secret)
                row->line->setEchoMode(reveal ? QLineEdit::Normal : QLineEdit::Password);
            if (masked)
                row->line->setToolTip(tr("Credentials are masked. Use the eye to show and edit them."));
        }
        row->editor->setEnabled(!malformed);
        row->badge->setText(ConfigKeyModel::sourceLabel(k->origin.source));
        row->badge->setStyleSheet(badgeStyle(ConfigKeyModel::sourceColor(k->origin.source)));
        // The badge already says "default"; the origin column stays quiet for built-in values.
        QString origin = k->origin.source == Source::Default ? QString() : k->origin.toString();
        if (!k->ignored.isEmpty())
            origin += QStringLiteral("  ⚠");
        row->origin->setText(origin);
        row->origin->setToolTip(m_keys->chainHtml(modelRow));
        row->badge->setToolTip(m_keys->chainHtml(modelRow));
        row->reset->setEnabled(!malformed && m_editor->document().find(row->key).has_value());
    }
    m_refreshing = false;
}

void ConfigPanel::refreshChain()
{
    const int row = m_keys->rowOf(m_selectedKey);
    m_chainTitle->setText(tr("<b>Precedence chain</b> — %1").arg(m_selectedKey.toHtmlEscaped()));
    m_chain->setHtml(row >= 0 ? m_keys->chainHtml(row) : QString());
}

void ConfigPanel::refreshBanners()
{
    const ResolvedConfig &rc = m_editor->resolved();
    QStringList errors;
    if (!m_editError.isEmpty())
        errors.append(m_editError.toHtmlEscaped());
    for (const ConfigIssue &i : rc.issues)
        if (i.severity == Severity::Error && errors.size() < 5)
            errors.append(redactSecrets(i.message).toHtmlEscaped());
    m_errorBanner->showMessage(errors.join(QStringLiteral("<br/>")));

    QStringList warnings;
    for (const QString &s : m_env->ignoredSummaries())
        warnings.append(s.toHtmlEscaped());
    for (const ConfigIssue &i : rc.issues)
        if (i.severity == Severity::Warning && i.origin.source != Source::Env)
            warnings.append(redactSecrets(i.message).toHtmlEscaped());
    m_warningBanner->showMessage(
        warnings.isEmpty() ? QString()
                           : tr("<b>Set but without effect under %1:</b><br/>%2")
                                 .arg(rc.profile ? rc.profile->title.toHtmlEscaped() : QString(), warnings.join(QStringLiteral("<br/>"))));

    const FileChoice &file = rc.file;
    QString fileText = m_editor->displayPath().toHtmlEscaped();
    if (m_editor->isModified())
        fileText += QStringLiteral(" <b>*</b>");
    if (!m_editor->fileExists())
        fileText += tr(" — not created yet");
    else if (m_editor->fileIsRead())
        fileText += QStringLiteral(" — ") + file.reason.toHtmlEscaped();
    else
        fileText += tr(" — <span style='color:#b26a00'>not read under this profile</span>");
    m_fileLabel->setText(fileText);
    m_fileLabel->setToolTip(tr("Discovery order: %1").arg(file.tried.join(QStringLiteral(" → "))));
    if (!m_editor->fileExists() && !m_editor->isModified())
        m_infoBanner->showMessage(tr("No file yet (%2). Editing a value creates %1 when you save.")
                                      .arg(m_editor->displayPath().toHtmlEscaped(), file.reason.toHtmlEscaped()));
    else if (!m_infoBanner->text().contains(tr("reloaded")))
        m_infoBanner->showMessage({});
    m_save->setEnabled(m_editor->isModified());
}

void ConfigPanel::refreshMalformedView()
{
    const bool malformed = m_editor->hasParseError();
    m_stack->setCurrentIndex(malformed ? 1 : 0);
    if (!malformed)
        return;
    const TomlError &e = m_editor->parseError();
    m_malformedLabel->setText(tr("<b>%1 cannot be parsed</b> — line %2, column %3: %4<br/>The file is shown read-only "
                                 "and nothing will be written to it. Fix it in a text editor; it reloads by itself.")
                                  .arg(m_editor->displayPath().toHtmlEscaped())
                                  .arg(e.position.line)
                                  .arg(e.position.column)
                                  .arg(e.message.toHtmlEscaped()));
    m_malformedView->setPlainText(QString::fromUtf8(m_editor->diskBytes()));
    QTextBlock block = m_malformedView->document()->findBlockByNumber(qMax(0, e.position.line - 1));
    QList<QTextEdit::ExtraSelection> marks;
    QTextEdit::ExtraSelection line;
    line.cursor = QTextCursor(block);
    line.format.setBackground(QColor(0xff, 0xeb, 0xee));
    line.format.setProperty(QTextFormat::FullWidthSelection, true);
    marks.append(line);
    QTextEdit::ExtraSelection column;
    column.cursor = QTextCursor(block);
    column.cursor.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor, qMax(0, e.position.column - 1));
    column.cursor.movePosition(QTextCursor::Right, QTextCursor::KeepAnchor);
    column.format.setBackground(QColor(0xe5, 0x39, 0x35));
    column.format.setForeground(Qt::white);
    marks.append(column);
    m_malformedView->setExtraSelections(marks);
    m_malformedView->setTextCursor(column.cursor);
    m_malformedView->centerCursor();
}

void ConfigPanel::commitEditor(int row, const QVariant &value)
{
    if (m_refreshing || row < 0 || row >= m_rows.size())
        return;
    const QString key = m_rows[row]->key;
    m_selectedKey = key;
    const int modelRow = m_keys->rowOf(key);
    m_editError.clear();
    if (!m_keys->setData(m_keys->index(modelRow, ConfigKeyModel::ValueColumn), value))
        return;  // editRefused already showed why; refresh restores the effective value
    // The file now holds the value, but a higher layer may still win: say so right away.
    const ResolvedKey *k = m_keys->keyAt(modelRow);
    if (k && k->origin.source != Source::File && k->origin.source != Source::Default) {
        m_infoBanner->showMessage(tr("%1 is now set in %2, but %3 still wins under %4.")
                                      .arg(key, m_editor->displayPath(), k->origin.toString(), m_editor->profile().title)
                                      .toHtmlEscaped());
    } else if (!m_editor->fileIsRead()) {
        m_infoBanner->showMessage(tr("%1 is set in %2, but %3 does not read that file.")
                                      .arg(key, m_editor->displayPath(), m_editor->profile().title)
                                      .toHtmlEscaped());
    }
    refreshChain();
}

void ConfigPanel::showEditError(const QString &message)
{
    m_editError = message;
    refreshBanners();
    refreshForm();
}

void ConfigPanel::selectKey(const QString &key)
{
    m_selectedKey = key;
    refreshChain();
}

void ConfigPanel::applyPreset(const QString &presetId, bool toFile)
{
    for (const ConfigPreset &p : m_editor->profile().schema().presets()) {
        if (p.id != presetId)
            continue;
        if (toFile) {
            for (const auto &kv : p.fileValues) {
                const ConfigEditor::Result r = m_editor->setValue(kv.first, kv.second);
                if (!r.ok) {
                    showEditError(r.message);
                    return;
                }
            }
        } else {
            for (const auto &kv : p.env)
                m_env->setVariable(kv.first, kv.second);
        }
        return;
    }
}

bool ConfigPanel::reviewAndSave()
{
    if (!m_editor->isModified() && m_editor->fileExists())
        return false;
    QStringList warnings;
    for (const ConfigIssue &i : m_editor->validate())
        if (i.severity == Severity::Error) {
            showEditError(tr("Not saved: %1").arg(redactSecrets(i.message)));
            return false;
        } else {
            warnings.append(redactSecrets(i.message));
        }
    if (!m_editor->fileIsRead())
        warnings.append(tr("%1 does not read %2 (%3).")
                            .arg(m_editor->profile().title, m_editor->displayPath(), m_editor->resolved().file.reason));
    DiffDialog dialog(m_editor->displayPath(), redactSecrets(m_editor->diff()), warnings, m_editor->changedOnDisk(), this);
    if (dialog.exec() != QDialog::Accepted)
        return false;
    const ConfigEditor::Result r = m_editor->save(dialog.overwriteExternalChange());
    if (!r.ok) {
        showEditError(r.message);
        return false;
    }
    m_editError.clear();
    m_diskBanner->showMessage({});
    m_infoBanner->showMessage(r.message.toHtmlEscaped());
    return true;
}

bool ConfigPanel::hasUnsavedChanges() const
{
    return m_editor->isModified();
}

void ConfigPanel::addVariable()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Add a what-if variable"));
    auto *form = new QFormLayout(&dialog);
    auto *name = new QComboBox(&dialog);
    name->setObjectName(QStringLiteral("envNameCombo"));
    name->setEditable(true);
    for (const SchemaKey &k : m_editor->profile().schema().keys())
        if (!k.envVar.isEmpty())
            name->addItem(k.envVar);
    auto *value = new QLineEdit(&dialog);
    value->setObjectName(QStringLiteral("envValueEdit"));
    form->addRow(tr("&Variable:"), name);
    form->addRow(tr("V&alue:"), value);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() == QDialog::Accepted && !name->currentText().trimmed().isEmpty())
        m_env->setVariable(name->currentText().trimmed(), value->text());
}

void ConfigPanel::loadDotEnv()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Load a .env file"), m_workspace.root(),
                                                      tr("Environment files (.env *.env);;All files (*)"));
    if (path.isEmpty())
        return;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        showEditError(tr("Cannot read %1: %2").arg(path, f.errorString()));
        return;
    }
    const QStringList problems = m_env->loadDotEnv(f.readAll());
    if (!problems.isEmpty())
        showEditError(tr("%1: %2").arg(QFileInfo(path).fileName(), problems.join(QStringLiteral("; "))));
}

bool ConfigPanel::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::FocusIn || event->type() == QEvent::MouseButtonPress) {
        for (Row *row : m_rows)
            if (row->editor == watched || row->label == watched) {
                selectKey(row->key);
                break;
            }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace codex::ui
