#include "ui/EndpointsPage.h"

#include "common/AtomicFile.h"
#include "models/HistoryModel.h"
#include "models/SuiteResultModel.h"
#include "proxy/EndpointClient.h"
#include "proxy/SecretStore.h"
#include "ui/Banner.h"
#include "ui/EndpointEnvironmentDialog.h"
#include "ui/EndpointResponseView.h"
#include "ui/LoadHistogramWidget.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QStringListModel>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTextBlock>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QUuid>
#include <QVBoxLayout>

#include <cmath>

namespace codex::ui {

using namespace codex::proxy;

namespace {

constexpr int kCaseIdRole = Qt::UserRole + 1;
constexpr int kFlushMs = 50;  ///< SSE events reach the list in batches at most this often

const char *const kTemplates[] = {
    QT_TRANSLATE_NOOP("codex::ui::EndpointsPage", "Responses"),
    QT_TRANSLATE_NOOP("codex::ui::EndpointsPage", "Responses (stream)"),
    QT_TRANSLATE_NOOP("codex::ui::EndpointsPage", "Chat"),
    QT_TRANSLATE_NOOP("codex::ui::EndpointsPage", "Chat (stream)"),
    QT_TRANSLATE_NOOP("codex::ui::EndpointsPage", "Chat with tools"),
    QT_TRANSLATE_NOOP("codex::ui::EndpointsPage", "Health"),
    QT_TRANSLATE_NOOP("codex::ui::EndpointsPage", "Models"),
};

QByteArray pretty(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

QJsonObject responsesBody(bool stream)
{
    return QJsonObject{
        {QStringLiteral("model"), QStringLiteral("${model}")},
        {QStringLiteral("input"),
         QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("message")},
                                {QStringLiteral("role"), QStringLiteral("user")},
                                {QStringLiteral("content"),
                                 QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("input_text")},
                                                        {QStringLiteral("text"),
                                                         QStringLiteral("Explain in a few sentences what a tombstone archive keeps.")}}}}}}},
        {QStringLiteral("stream"), stream},
    };
}

QJsonObject chatBody(bool stream, bool tools)
{
    QJsonObject o{
        {QStringLiteral("model"), QStringLiteral("${model}")},
        {QStringLiteral("messages"),
         QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                {QStringLiteral("content"), tools ? QStringLiteral("What is the weather in Berlin right now?")
                                                                  : QStringLiteral("Explain in a few sentences what a tombstone archive keeps.")}}}},
        {QStringLiteral("stream"), stream},
    };
    if (tools) {
        const QJsonObject params{
            {QStringLiteral("type"), QStringLiteral("object")},
            {QStringLiteral("properties"),
             QJsonObject{{QStringLiteral("location"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                                  {QStringLiteral("description"), QStringLiteral("City name")}}},
                         {QStringLiteral("unit"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                              {QStringLiteral("enum"), QJsonArray{QStringLiteral("celsius"), QStringLiteral("fahrenheit")}}}}}},
            {QStringLiteral("required"), QJsonArray{QStringLiteral("location")}},
        };
        o.insert(QStringLiteral("tools"),
                 QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("function")},
                                        {QStringLiteral("function"), QJsonObject{{QStringLiteral("name"), QStringLiteral("get_weather")},
                                                                                 {QStringLiteral("description"), QStringLiteral("Current weather for a city")},
                                                                                 {QStringLiteral("parameters"), params}}}}});
        o.insert(QStringLiteral("tool_choice"), QStringLiteral("auto"));
    }
    return o;
}

QString verdictText(Verdict v)
{
    return models::SuiteResultModel::verdictText(v);
}

QString fmtMs(double ms)
{
    if (std::isnan(ms) || ms < 0)
        return QStringLiteral("—");
    return EndpointsPage::tr("%1 ms").arg(QLocale().toString(ms, 'f', ms < 10 ? 2 : ms < 100 ? 1 : 0));
}

QLabel *figureLabel(QWidget *parent, const QString &name)
{
    auto *l = new QLabel(parent);
    l->setObjectName(name);
    l->setTextFormat(Qt::RichText);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

}  // namespace

EndpointsPage::EndpointsPage(QWidget *parent)
    : Page(parent), m_secrets(new SecretStore(this)), m_client(new EndpointClient(m_secrets, this)),
      m_suiteRunner(new SuiteRunner(m_client, this)), m_loadRunner(new LoadRunner(m_secrets, this)),
      m_suite(TestSuite::presets())
{
    setObjectName(QStringLiteral("endpointsPage"));
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(8, 8, 8, 8);

    // --- Environment bar ---------------------------------------------------------------------------
    auto *bar = new QHBoxLayout;
    auto *envLabel = new QLabel(tr("&Environment:"), this);
    m_envCombo = new QComboBox(this);
    m_envCombo->setObjectName(QStringLiteral("environmentCombo"));
    m_envCombo->setMinimumWidth(200);
    m_envCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    envLabel->setBuddy(m_envCombo);
    auto *addEnv = new QPushButton(style()->standardIcon(QStyle::SP_FileDialogNewFolder), tr("Add…"), this);
    addEnv->setObjectName(QStringLiteral("addEnvironmentButton"));
    m_editEnv = new QPushButton(tr("Edit…"), this);
    m_editEnv->setObjectName(QStringLiteral("editEnvironmentButton"));
    m_removeEnv = new QPushButton(tr("Remove"), this);
    m_removeEnv->setObjectName(QStringLiteral("removeEnvironmentButton"));
    m_envInfo = new QLabel(this);
    m_envInfo->setObjectName(QStringLiteral("environmentInfo"));
    m_envInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_envInfo->setForegroundRole(QPalette::PlaceholderText);
    bar->addWidget(envLabel);
    bar->addWidget(m_envCombo);
    bar->addWidget(addEnv);
    bar->addWidget(m_editEnv);
    bar->addWidget(m_removeEnv);
    bar->addSpacing(12);
    bar->addWidget(m_envInfo, 1);
    outer->addLayout(bar);
    m_pageBanner = new Banner(Banner::Kind::Error, this);
    m_pageBanner->setObjectName(QStringLiteral("endpointsBanner"));
    outer->addWidget(m_pageBanner);
    connect(m_envCombo, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_filling)
            environmentChanged();
    });
    connect(addEnv, &QPushButton::clicked, this, [this] { editEnvironment(true); });
    connect(m_editEnv, &QPushButton::clicked, this, [this] { editEnvironment(false); });
    connect(m_removeEnv, &QPushButton::clicked, this, [this] {
        const auto env = currentEnvironment();
        if (env && QMessageBox::question(this, tr("Remove environment"), tr("Remove the environment %1?").arg(env->name)) == QMessageBox::Yes)
            removeEnvironment(env->name);
    });

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("endpointsTabs"));
    m_tabs->addTab(buildRequestTab(), tr("Request"));
    m_tabs->addTab(buildSuiteTab(), tr("Test suite"));
    m_tabs->addTab(buildLoadTab(), tr("Load", "tab: load test (N requests at concurrency C)"));
    outer->addWidget(m_tabs, 1);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] { updateLoadButtons(); });

    m_flushTimer = new QTimer(this);
    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(kFlushMs);
    connect(m_flushTimer, &QTimer::timeout, this, &EndpointsPage::flushEvents);

    // Suite runner
    connect(m_suiteRunner, &SuiteRunner::caseStarted, this, [this](int, const QString &id) {
        m_suiteModel->setRunning(id);
        Q_EMIT statusChanged(tr("Endpoints: running %1…").arg(id));
    });
    connect(m_suiteRunner, &SuiteRunner::caseFinished, this, [this](int, const CaseResult &result) {
        m_suiteModel->setResult(result);
        updateSuiteSummary();
        const QModelIndex cur = m_suiteTable->currentIndex();
        if (cur.isValid() && m_suiteModel->data(m_suiteModel->index(cur.row(), 0), models::SuiteResultModel::CaseIdRole).toString() == result.id)
            showCaseDetails(cur.row());
    });
    connect(m_suiteRunner, &SuiteRunner::finished, this, [this](const SuiteResult &result) {
        m_suiteRunning = false;
        m_lastSuite = result;
        for (const CaseResult &c : result.cases)
            if (m_suiteModel->rowOf(c.id) < 0 || !m_suiteModel->result(m_suiteModel->rowOf(c.id)))
                m_suiteModel->setResult(c);
        m_suiteModel->markNotRun();
        updateSuiteSummary();
        updateSuiteButtons();
        Q_EMIT statusChanged(tr("Endpoints: suite finished — %1 passed, %2 failed").arg(result.count(Verdict::Pass)).arg(result.count(Verdict::Fail)));
        Q_EMIT suiteFinished(result);
    });
    // Load runner
    connect(m_loadRunner, &LoadRunner::progressed, this, &EndpointsPage::onLoadProgress);
    connect(m_loadRunner, &LoadRunner::finished, this, [this](const LoadResult &result) {
        m_loadRunning = false;
        m_lastLoad = result;
        onLoadProgress(result.progress);
        m_loadStatus->setText(result.cancelled ? tr("Cancelled after %1 requests.").arg(result.progress.done)
                                               : tr("Finished: %1 requests in %2 s (runner CPU %3 s).")
                                                     .arg(result.progress.done)
                                                     .arg(QLocale().toString(result.progress.elapsedS, 'f', 2),
                                                          QLocale().toString(result.cpuSeconds, 'f', 2)));
        updateLoadButtons();
        Q_EMIT statusChanged(tr("Endpoints: load run finished — %1 req/s").arg(QLocale().toString(result.progress.requestsPerSecond, 'f', 0)));
        Q_EMIT loadFinished(result);
    });

    fillCaseList();
    updateRequestButtons();
    updateSuiteButtons();
    updateLoadButtons();
}

EndpointsPage::~EndpointsPage()
{
    if (m_call)
        m_call->disconnect(this);
    if (m_call)
        m_call->cancel();
    if (m_suiteRunner->isRunning())
        m_suiteRunner->cancel();
    if (m_loadRunner->isRunning())
        m_loadRunner->cancel();
}

QString EndpointsPage::title() const
{
    return tr("Endpoints");
}

QIcon EndpointsPage::icon() const
{
    return style()->standardIcon(QStyle::SP_DriveNetIcon);
}

// =====================================================================================================
// Request tab

QWidget *EndpointsPage::buildRequestTab()
{
    auto *tab = new QWidget(this);
    auto *layout = new QHBoxLayout(tab);
    layout->setContentsMargins(4, 6, 4, 4);
    auto *split = new QSplitter(Qt::Horizontal, tab);
    split->setObjectName(QStringLiteral("requestSplitter"));
    split->setChildrenCollapsible(false);

    // --- Left: editor over history / saved ---------------------------------------------------------
    auto *leftSplit = new QSplitter(Qt::Vertical, split);
    leftSplit->setChildrenCollapsible(false);
    auto *editor = new QWidget(leftSplit);
    auto *el = new QVBoxLayout(editor);
    el->setContentsMargins(0, 0, 4, 0);
    auto *row1 = new QHBoxLayout;
    auto *templLabel = new QLabel(tr("&Template:"), editor);
    m_template = new QComboBox(editor);
    m_template->setObjectName(QStringLiteral("templateCombo"));
    for (const char *t : kTemplates)
        m_template->addItem(tr(t), QString::fromLatin1(t));
    templLabel->setBuddy(m_template);
    m_template->setToolTip(tr("Fills the method, path and body from the environment's ccproxy generation."));
    row1->addWidget(templLabel);
    row1->addWidget(m_template, 1);
    el->addLayout(row1);
    connect(m_template, &QComboBox::activated, this, [this](int i) { applyTemplate(m_template->itemData(i).toString()); });

    auto *row2 = new QHBoxLayout;
    m_method = new QComboBox(editor);
    m_method->setObjectName(QStringLiteral("methodCombo"));
    m_method->addItems({QStringLiteral("POST"), QStringLiteral("GET"), QStringLiteral("PUT"), QStringLiteral("DELETE"),
                        QStringLiteral("PATCH"), QStringLiteral("HEAD"), QStringLiteral("OPTIONS")});
    m_path = new QLineEdit(editor);
    m_path->setObjectName(QStringLiteral("pathEdit"));
    m_path->setPlaceholderText(tr("/codex/responses or a full URL"));
    m_pathModel = new QStringListModel(this);
    auto *completer = new QCompleter(m_pathModel, m_path);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    m_path->setCompleter(completer);
    row2->addWidget(m_method);
    row2->addWidget(m_path, 1);
    el->addLayout(row2);
    connect(m_method, &QComboBox::currentIndexChanged, this, [this] { validateBody(); });
    connect(m_path, &QLineEdit::textEdited, this, [this] { m_templateEdited = true; updateRequestButtons(); });

    auto *headersHead = new QHBoxLayout;
    headersHead->addWidget(new QLabel(tr("Headers:"), editor));
    headersHead->addStretch();
    auto *addHeader = new QToolButton(editor);
    addHeader->setText(tr("+"));
    addHeader->setToolTip(tr("Add a header"));
    auto *removeHeader = new QToolButton(editor);
    removeHeader->setText(tr("−"));
    removeHeader->setToolTip(tr("Remove the selected header"));
    headersHead->addWidget(addHeader);
    headersHead->addWidget(removeHeader);
    el->addLayout(headersHead);
    m_headers = new QTableWidget(0, 2, editor);
    m_headers->setObjectName(QStringLiteral("requestHeaders"));
    m_headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_headers->setColumnWidth(0, 150);
    m_headers->setFixedHeight(3 * (fontMetrics().height() + 6) + m_headers->horizontalHeader()->sizeHint().height() + 4);
    el->addWidget(m_headers);
    connect(addHeader, &QToolButton::clicked, this, [this] {
        const int r = m_headers->rowCount();
        m_headers->insertRow(r);
        m_headers->setItem(r, 0, new QTableWidgetItem);
        m_headers->setItem(r, 1, new QTableWidgetItem);
        m_headers->setCurrentCell(r, 0);
        m_headers->editItem(m_headers->item(r, 0));
    });
    connect(removeHeader, &QToolButton::clicked, this, [this] {
        if (m_headers->currentRow() >= 0)
            m_headers->removeRow(m_headers->currentRow());
    });

    el->addWidget(new QLabel(tr("Body (JSON):"), editor));
    m_body = new QPlainTextEdit(editor);
    m_body->setObjectName(QStringLiteral("bodyEdit"));
    m_body->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_body->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_body->setTabChangesFocus(true);
    el->addWidget(m_body, 1);
    m_bodyError = new QLabel(editor);
    m_bodyError->setObjectName(QStringLiteral("bodyErrorLabel"));
    m_bodyError->setWordWrap(true);
    m_bodyError->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_bodyError->hide();
    el->addWidget(m_bodyError);
    connect(m_body, &QPlainTextEdit::textChanged, this, [this] {
        if (!m_filling)
            m_templateEdited = true;
        validateBody();
    });

    auto *buttons = new QHBoxLayout;
    m_send = new QPushButton(style()->standardIcon(QStyle::SP_ArrowRight), tr("&Send"), editor);
    m_send->setObjectName(QStringLiteral("sendButton"));
    m_send->setDefault(true);
    m_send->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_send->setToolTip(tr("Send the request (Ctrl+Enter)"));
    m_cancel = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Cancel"), editor);
    m_cancel->setObjectName(QStringLiteral("cancelRequestButton"));
    auto *save = new QPushButton(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("Save request…"), editor);
    save->setObjectName(QStringLiteral("saveRequestButton"));
    buttons->addWidget(m_send);
    buttons->addWidget(m_cancel);
    buttons->addStretch();
    buttons->addWidget(save);
    el->addLayout(buttons);
    connect(m_send, &QPushButton::clicked, this, [this] { send(); });
    connect(m_cancel, &QPushButton::clicked, this, &EndpointsPage::cancelRequest);
    connect(save, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Save request"), tr("Name:"), QLineEdit::Normal,
                                                   m_template->currentText(), &ok);
        if (ok && !name.trimmed().isEmpty())
            saveCurrentRequest(name.trimmed());
    });

    // History / saved requests
    auto *lower = new QTabWidget(leftSplit);
    lower->setObjectName(QStringLiteral("historyTabs"));
    lower->setDocumentMode(true);
    m_history = new models::HistoryModel(this);
    m_historyView = new QTableView(lower);
    m_historyView->setObjectName(QStringLiteral("historyView"));
    m_historyView->setModel(m_history);
    m_historyView->verticalHeader()->hide();
    m_historyView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    m_historyView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_historyView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_historyView->horizontalHeader()->setStretchLastSection(false);
    m_historyView->horizontalHeader()->setSectionResizeMode(models::HistoryModel::PathColumn, QHeaderView::Stretch);
    m_historyView->setColumnHidden(models::HistoryModel::EnvironmentColumn, true);
    m_historyView->setColumnWidth(models::HistoryModel::TimeColumn, fontMetrics().horizontalAdvance(QStringLiteral("00-00 00:00:00")) + 14);
    m_historyView->setColumnWidth(models::HistoryModel::MethodColumn, 50);
    m_historyView->setColumnWidth(models::HistoryModel::StatusColumn, 50);
    m_historyView->setColumnWidth(models::HistoryModel::TotalColumn, 60);
    m_historyView->setWordWrap(false);
    connect(m_historyView, &QTableView::clicked, this, [this](const QModelIndex &i) { showHistoryEntry(i.row()); });
    lower->addTab(m_historyView, tr("History"));
    auto *savedPage = new QWidget(lower);
    auto *sl = new QHBoxLayout(savedPage);
    sl->setContentsMargins(0, 4, 0, 0);
    m_saved = new QListWidget(savedPage);
    m_saved->setObjectName(QStringLiteral("savedRequests"));
    auto *savedButtons = new QVBoxLayout;
    auto *saveCur = new QPushButton(tr("Save current…"), savedPage);
    auto *load = new QPushButton(tr("Load"), savedPage);
    load->setObjectName(QStringLiteral("loadSavedButton"));
    auto *del = new QPushButton(tr("Delete"), savedPage);
    del->setObjectName(QStringLiteral("deleteSavedButton"));
    savedButtons->addWidget(saveCur);
    savedButtons->addWidget(load);
    savedButtons->addWidget(del);
    savedButtons->addStretch();
    sl->addWidget(m_saved, 1);
    sl->addLayout(savedButtons);
    connect(saveCur, &QPushButton::clicked, save, &QPushButton::click);
    connect(load, &QPushButton::clicked, this, [this] { loadSavedRequest(m_saved->currentRow()); });
    connect(m_saved, &QListWidget::itemDoubleClicked, this, [this] { loadSavedRequest(m_saved->currentRow()); });
    connect(del, &QPushButton::clicked, this, [this] { deleteSavedRequest(m_saved->currentRow()); });
    lower->addTab(savedPage, tr("Saved requests"));
    leftSplit->addWidget(editor);
    leftSplit->addWidget(lower);
    leftSplit->setStretchFactor(0, 3);
    leftSplit->setStretchFactor(1, 1);

    // --- Right: response ---------------------------------------------------------------------------
    m_response = new EndpointResponseView(split);
    connect(m_response, &EndpointResponseView::acceptCertificate, this, &EndpointsPage::acceptCertificate);
    split->addWidget(leftSplit);
    split->addWidget(m_response);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({430, 650});
    layout->addWidget(split);
    return tab;
}

QStringList EndpointsPage::templateNames()
{
    QStringList out;
    for (const char *t : kTemplates)
        out << QString::fromLatin1(t);
    return out;
}

bool EndpointsPage::applyTemplate(const QString &name)
{
    const ProxyProfile p = currentProfile();
    QString path;
    QByteArray method = "POST";
    QByteArray body;
    if (name == QLatin1String("Responses") || name == QLatin1String("Responses (stream)")) {
        path = p.responsesPath;
        body = pretty(responsesBody(name.endsWith(QLatin1String("(stream)"))));
    } else if (name == QLatin1String("Chat") || name == QLatin1String("Chat (stream)")) {
        path = p.chatPath;
        body = pretty(chatBody(name.endsWith(QLatin1String("(stream)")), false));
    } else if (name == QLatin1String("Chat with tools")) {
        path = p.chatPath;
        body = pretty(chatBody(true, true));
    } else if (name == QLatin1String("Health")) {
        path = p.healthPath;
        method = "GET";
    } else if (name == QLatin1String("Models")) {
        if (p.modelsPath.isEmpty()) {
            m_bodyError->setText(tr("The %1 generation has no model list route.").arg(p.id));
            m_bodyError->show();
            return false;
        }
        path = p.modelsPath;
        method = "GET";
    } else {
        return false;
    }
    m_filling = true;
    const int ti = m_template->findData(name);
    if (ti >= 0)
        m_template->setCurrentIndex(ti);
    m_method->setCurrentText(QString::fromLatin1(method));
    m_path->setText(path);
    m_headers->setRowCount(0);
    if (!body.isEmpty()) {
        m_headers->insertRow(0);
        m_headers->setItem(0, 0, new QTableWidgetItem(QStringLiteral("Content-Type")));
        m_headers->setItem(0, 1, new QTableWidgetItem(QStringLiteral("application/json")));
    }
    m_body->setPlainText(QString::fromUtf8(body));
    m_filling = false;
    m_templateEdited = false;
    validateBody();
    return true;
}

void EndpointsPage::updateTemplateItems()
{
    auto *model = qobject_cast<QStandardItemModel *>(m_template->model());
    if (!model)
        return;
    const ProxyProfile p = currentProfile();
    const int i = m_template->findData(QStringLiteral("Models"));
    if (i >= 0) {
        QStandardItem *item = model->item(i);
        item->setEnabled(!p.modelsPath.isEmpty());
        item->setToolTip(p.modelsPath.isEmpty() ? tr("The %1 generation has no model list route.").arg(p.id) : p.modelsPath);
    }
}

void EndpointsPage::updatePathCompleter()
{
    const ProxyProfile p = currentProfile();
    QStringList paths;
    for (const QString &s : {p.responsesPath, p.chatPath, p.sessionResponsesPath, p.sessionChatPath, p.modelsPath, p.healthPath,
                             p.metricsPath, QStringLiteral("/health/live"), QStringLiteral("/health/ready")})
        if (!s.isEmpty() && !paths.contains(s))
            paths << s;
    m_pathModel->setStringList(paths);
}

ProxyRequest EndpointsPage::currentRequest() const
{
    ProxyRequest r;
    r.name = m_template->currentData().toString();
    r.method = m_method->currentText().toLatin1();
    r.path = m_path->text().trimmed();
    for (int i = 0; i < m_headers->rowCount(); ++i) {
        const QString k = m_headers->item(i, 0) ? m_headers->item(i, 0)->text().trimmed() : QString();
        if (!k.isEmpty())
            r.headers.append({k.toUtf8(), m_headers->item(i, 1) ? m_headers->item(i, 1)->text().toUtf8() : QByteArray()});
    }
    r.body = m_body->toPlainText().toUtf8();
    return r;
}

void EndpointsPage::setRequest(const ProxyRequest &r)
{
    m_filling = true;
    m_method->setCurrentText(QString::fromLatin1(r.method.isEmpty() ? QByteArray("POST") : r.method));
    m_path->setText(r.path);
    m_headers->setRowCount(0);
    for (const auto &h : r.headers) {
        const int row = m_headers->rowCount();
        m_headers->insertRow(row);
        m_headers->setItem(row, 0, new QTableWidgetItem(QString::fromUtf8(h.first)));
        m_headers->setItem(row, 1, new QTableWidgetItem(QString::fromUtf8(h.second)));
    }
    const QJsonDocument doc = QJsonDocument::fromJson(r.body);
    m_body->setPlainText(doc.isNull() ? QString::fromUtf8(r.body) : QString::fromUtf8(doc.toJson(QJsonDocument::Indented)));
    m_filling = false;
    m_templateEdited = true;
    validateBody();
}

QString EndpointsPage::bodyError() const
{
    const QByteArray body = m_body->toPlainText().toUtf8();
    if (body.trimmed().isEmpty())
        return {};
    QJsonParseError pe;
    QJsonDocument::fromJson(body, &pe);
    if (pe.error == QJsonParseError::NoError)
        return {};
    // Line and column of the offset (columns in characters, 1-based).
    const QByteArray before = body.left(pe.offset);
    const int line = int(before.count('\n')) + 1;
    const int column = int(QString::fromUtf8(before.mid(before.lastIndexOf('\n') + 1)).size()) + 1;
    return tr("line %1, column %2: %3").arg(line).arg(column).arg(pe.errorString());
}

void EndpointsPage::validateBody()
{
    const QString error = bodyError();
    QList<QTextEdit::ExtraSelection> marks;
    if (!error.isEmpty()) {
        m_bodyError->setText(tr("The body is not valid JSON — %1").arg(error));
        m_bodyError->show();
        const int line = error.section(QLatin1Char(' '), 1, 1).remove(QLatin1Char(',')).toInt();
        QTextEdit::ExtraSelection sel;
        sel.format.setBackground(QColor(0xfd, 0xec, 0xea));
        sel.format.setProperty(QTextFormat::FullWidthSelection, true);
        sel.cursor = QTextCursor(m_body->document()->findBlockByNumber(std::max(0, line - 1)));
        marks << sel;
    } else {
        m_bodyError->clear();
        m_bodyError->hide();
    }
    m_body->setExtraSelections(marks);
    updateRequestButtons();
}

void EndpointsPage::updateRequestButtons()
{
    const bool sending = isSending();
    const bool ok = currentEnvironment().has_value() && bodyError().isEmpty() && !m_path->text().trimmed().isEmpty();
    m_send->setEnabled(ok && !sending);
    m_cancel->setEnabled(sending);
    if (!bodyError().isEmpty())
        m_send->setToolTip(tr("Fix the JSON body first."));
    else if (!currentEnvironment())
        m_send->setToolTip(tr("Add an environment first."));
    else
        m_send->setToolTip(tr("Send the request (Ctrl+Enter)"));
    if (m_loadStart)
        updateLoadButtons();
}

QHash<QString, QString> EndpointsPage::variables(const ProxyProfile &p) const
{
    QHash<QString, QString> vars = m_suite.variables;
    if (!vars.contains(QStringLiteral("model")))
        vars.insert(QStringLiteral("model"), QStringLiteral("gpt-5"));
    vars.insert(QStringLiteral("session_id"), QUuid::createUuid().toString(QUuid::WithoutBraces));
    vars.insert(QStringLiteral("responses_path"), p.responsesPath);
    vars.insert(QStringLiteral("chat_path"), p.chatPath);
    vars.insert(QStringLiteral("session_responses_path"), p.sessionResponsesPath);
    vars.insert(QStringLiteral("session_chat_path"), p.sessionChatPath);
    vars.insert(QStringLiteral("models_path"), p.modelsPath);
    vars.insert(QStringLiteral("health_path"), p.healthPath);
    return vars;
}

ProxyRequest EndpointsPage::expandedRequest(QString *error) const
{
    ProxyRequest r = currentRequest();
    const QHash<QString, QString> vars = variables(currentProfile());
    QStringList missing;
    r.path = expandTemplate(r.path, vars, &missing);
    r.body = expandTemplate(QString::fromUtf8(r.body), vars, &missing).toUtf8();
    for (auto &h : r.headers)
        h.second = expandTemplate(QString::fromUtf8(h.second), vars, &missing).toUtf8();
    if (!missing.isEmpty() && error)
        *error = tr("Unknown variables left as they are: %1").arg(missing.join(QStringLiteral(", ")));
    return r;
}

bool EndpointsPage::send()
{
    const auto env = currentEnvironment();
    if (!env || !bodyError().isEmpty() || isSending())
        return false;
    QString warning;
    const ProxyRequest req = expandedRequest(&warning);
    m_pendingEvents.clear();
    m_callEnvironment = env->name;
    QUrl url = req.path.startsWith(QLatin1String("http://")) || req.path.startsWith(QLatin1String("https://"))
                   ? QUrl(req.path)
                   : env->baseUrl.resolved(QUrl(req.path));
    m_response->begin(QString::fromLatin1(req.method), url.toDisplayString(QUrl::RemoveUserInfo));
    m_call = m_client->send(*env, req);
    EndpointCall *call = m_call;
    connect(call, &EndpointCall::headersReceived, this, [this](int status) { m_response->headersReceived(status); });
    connect(call, &EndpointCall::sseEvent, this, [this](const SseEvent &e) {
        m_pendingEvents.append(e);
        if (!m_flushTimer->isActive())
            m_flushTimer->start();
    });
    connect(call, &EndpointCall::finished, this, &EndpointsPage::onCallFinished);
    updateRequestButtons();
    Q_EMIT statusChanged(warning.isEmpty() ? tr("Endpoints: %1 %2…").arg(QString::fromLatin1(req.method), req.path) : warning);
    return true;
}

void EndpointsPage::flushEvents()
{
    if (m_pendingEvents.isEmpty())
        return;
    const QList<SseEvent> batch = std::exchange(m_pendingEvents, {});
    m_response->appendEvents(batch);
}

void EndpointsPage::cancelRequest()
{
    if (m_call)
        m_call->cancel();
}

void EndpointsPage::onCallFinished(const ProxyResponse &response)
{
    m_flushTimer->stop();
    m_pendingEvents.clear();
    m_call = nullptr;
    m_lastResponse = response;
    m_response->finish(response, m_callEnvironment);
    QString error;
    if (m_workspace.isValid()) {
        if (!m_store.appendHistory(response, &error))
            Q_EMIT statusChanged(tr("Endpoints: history not written: %1").arg(error));
    }
    m_history->prepend(response.toJson());
    updateRequestButtons();
    if (response.status > 0)
        Q_EMIT statusChanged(tr("Endpoints: %1 in %2 ms").arg(response.status).arg(QLocale().toString(response.timing.totalMs, 'f', 0)));
    else
        Q_EMIT statusChanged(tr("Endpoints: %1").arg(callErrorName(response.error)));
    Q_EMIT responseFinished(response);
}

void EndpointsPage::showHistoryEntry(int row)
{
    const QJsonObject o = m_history->entry(row);
    if (o.isEmpty())
        return;
    ProxyRequest r;
    const QJsonObject req = o.value(QLatin1String("request")).toObject();
    if (!req.isEmpty())
        r = ProxyRequest::fromJson(req);
    r.method = models::HistoryModel::method(o).toLatin1();
    r.path = models::HistoryModel::path(o);
    r.body = models::HistoryModel::requestBody(o);
    // The stored auth header reads "Bearer ***": never send that back; the environment adds the real one.
    const QByteArray auth = currentProfile().authHeader.toLatin1();
    r.headers.removeIf([&](const QPair<QByteArray, QByteArray> &h) {
        return h.first.compare(auth, Qt::CaseInsensitive) == 0 || h.second.contains("***");
    });
    const QString env = models::HistoryModel::environment(o);
    if (!env.isEmpty() && m_envCombo->findText(env) >= 0)
        selectEnvironment(env);
    setRequest(r);
    m_response->showStored(o);
}

void EndpointsPage::fillSavedList()
{
    m_saved->clear();
    for (const ProxyRequest &r : m_store.savedRequests) {
        auto *item = new QListWidgetItem(QStringLiteral("%1 — %2 %3").arg(r.name, QString::fromLatin1(r.method), r.path), m_saved);
        item->setToolTip(QString::fromUtf8(r.body.left(2000)));
    }
}

bool EndpointsPage::saveCurrentRequest(const QString &name)
{
    ProxyRequest r = currentRequest();
    r.name = name;
    bool replaced = false;
    for (ProxyRequest &s : m_store.savedRequests)
        if (s.name == name) {
            s = r;
            replaced = true;
        }
    if (!replaced)
        m_store.savedRequests.append(r);
    saveStore();
    fillSavedList();
    return true;
}

bool EndpointsPage::loadSavedRequest(int row)
{
    if (row < 0 || row >= m_store.savedRequests.size())
        return false;
    setRequest(m_store.savedRequests.at(row));
    return true;
}

bool EndpointsPage::deleteSavedRequest(int row)
{
    if (row < 0 || row >= m_store.savedRequests.size())
        return false;
    m_store.savedRequests.removeAt(row);
    saveStore();
    fillSavedList();
    return true;
}

// =====================================================================================================
// Environments

void EndpointsPage::setWorkspace(const Workspace &workspace)
{
    cancelRequest();
    cancelSuite();
    cancelLoad();
    m_workspace = workspace;
    m_store = EndpointStore(workspace.codexDir());
    QString error;
    m_pageBanner->showMessage({});
    if (!m_store.load(&error))
        m_pageBanner->showMessage(tr("<b>%1 cannot be read</b>: %2<br/>It is left as it is until you change an environment "
                                     "or a saved request.")
                                      .arg(workspace.display(m_store.filePath()).toHtmlEscaped(), error.toHtmlEscaped()));
    m_history->setEntries(m_store.history());
    fillSavedList();
    fillEnvironments();
    if (m_path->text().isEmpty())
        applyTemplate(QStringLiteral("Chat (stream)"));
}

void EndpointsPage::fillEnvironments(const QString &select)
{
    const QString keep = select.isEmpty() ? m_envCombo->currentText() : select;
    m_filling = true;
    m_envCombo->clear();
    for (const Environment &e : m_store.environments)
        m_envCombo->addItem(e.name);
    int i = m_envCombo->findText(keep);
    m_envCombo->setCurrentIndex(i >= 0 ? i : (m_envCombo->count() > 0 ? 0 : -1));
    m_filling = false;
    environmentChanged();
}

std::optional<Environment> EndpointsPage::currentEnvironment() const
{
    const QString name = m_envCombo->currentText();
    for (const Environment &e : m_store.environments)
        if (e.name == name)
            return e;
    return std::nullopt;
}

ProxyProfile EndpointsPage::currentProfile() const
{
    const auto env = currentEnvironment();
    if (env)
        if (auto p = m_store.profile(env->profileId))
            return *p;
    return *ProxyProfile::preset(QStringLiteral("fork"));
}

void EndpointsPage::environmentChanged()
{
    const auto env = currentEnvironment();
    m_editEnv->setEnabled(env.has_value());
    m_removeEnv->setEnabled(env.has_value());
    if (env) {
        QString token;
        if (env->tokenRef.isEmpty())
            token = tr("no token");
        else if (env->tokenRef.startsWith(QLatin1String("env:")))
            token = tr("token from $%1").arg(env->tokenRef.mid(4));
        else if (env->tokenRef.startsWith(QLatin1String("keychain:")))
            token = tr("token in the keychain");
        else
            token = tr("token in memory (this session)");
        const ProxyProfile p = currentProfile();
        m_envInfo->setText(tr("%1 · %2 · %3").arg(env->baseUrl.toDisplayString(QUrl::RemoveUserInfo), p.label, token));
        m_envInfo->setToolTip(tr("Generation profile %1; timeout %2 s; %3 extra headers; %4 accepted certificates")
                                  .arg(p.id)
                                  .arg(env->timeoutMs / 1000)
                                  .arg(env->headers.size())
                                  .arg(env->acceptedCertSha256.size()));
    } else {
        m_envInfo->setText(tr("No environment: add one (base URL of a ccproxy)."));
    }
    updatePathCompleter();
    updateTemplateItems();
    if (!m_templateEdited && m_template->currentIndex() >= 0 && !m_path->text().isEmpty())
        applyTemplate(m_template->currentData().toString());
    fillCaseList();
    updateRequestButtons();
    updateSuiteButtons();
    updateLoadButtons();
}

bool EndpointsPage::selectEnvironment(const QString &name)
{
    const int i = m_envCombo->findText(name);
    if (i < 0)
        return false;
    m_envCombo->setCurrentIndex(i);
    return true;
}

void EndpointsPage::saveStore()
{
    if (!m_workspace.isValid())
        return;
    QString error;
    if (!m_store.save(&error))
        m_pageBanner->showMessage(tr("<b>Cannot save %1</b>: %2").arg(m_workspace.display(m_store.filePath()).toHtmlEscaped(), error.toHtmlEscaped()));
    else
        m_pageBanner->showMessage({});
}

bool EndpointsPage::addEnvironment(const Environment &env)
{
    if (env.name.trimmed().isEmpty())
        return false;
    bool replaced = false;
    for (Environment &e : m_store.environments)
        if (e.name == env.name) {
            e = env;
            replaced = true;
        }
    if (!replaced)
        m_store.environments.append(env);
    saveStore();
    fillEnvironments(env.name);
    return true;
}

bool EndpointsPage::removeEnvironment(const QString &name)
{
    const auto before = m_store.environments.size();
    m_store.environments.removeIf([&](const Environment &e) { return e.name == name; });
    if (m_store.environments.size() == before)
        return false;
    saveStore();
    fillEnvironments();
    return true;
}

void EndpointsPage::editEnvironment(bool add)
{
    Environment env;
    const auto cur = currentEnvironment();
    if (!add && !cur)
        return;
    if (!add)
        env = *cur;
    else
        env.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:8000"));
    QStringList taken;
    for (const Environment &e : m_store.environments)
        if (add || e.name != env.name)
            taken << e.name;
    QList<ProxyProfile> profiles = ProxyProfile::presets();
    profiles += m_store.customProfiles;
    EndpointEnvironmentDialog dialog(env, profiles, m_secrets, taken, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const Environment edited = dialog.environment();
    if (!add && edited.name != env.name)
        m_store.environments.removeIf([&](const Environment &e) { return e.name == env.name; });
    addEnvironment(edited);
}

void EndpointsPage::acceptCertificate(const QString &environment, const QString &sha256)
{
    for (Environment &e : m_store.environments)
        if (e.name == environment && !e.acceptedCertSha256.contains(sha256, Qt::CaseInsensitive))
            e.acceptedCertSha256.append(sha256);
    saveStore();
    environmentChanged();
    Q_EMIT statusChanged(tr("Endpoints: certificate accepted for %1 only").arg(environment));
}

// =====================================================================================================
// Test suite tab

QWidget *EndpointsPage::buildSuiteTab()
{
    auto *tab = new QWidget(this);
    auto *layout = new QVBoxLayout(tab);
    layout->setContentsMargins(4, 6, 4, 4);
    auto *buttons = new QHBoxLayout;
    m_runAll = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Run &all"), tab);
    m_runAll->setObjectName(QStringLiteral("runAllButton"));
    m_runSelected = new QPushButton(tr("Run &selected"), tab);
    m_runSelected->setObjectName(QStringLiteral("runSelectedButton"));
    m_cancelSuite = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Cancel"), tab);
    m_cancelSuite->setObjectName(QStringLiteral("cancelSuiteButton"));
    m_saveSuite = new QPushButton(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("Save results…"), tab);
    m_saveSuite->setObjectName(QStringLiteral("saveSuiteButton"));
    m_suiteProgress = new QProgressBar(tab);
    m_suiteProgress->setObjectName(QStringLiteral("suiteProgress"));
    m_suiteProgress->setMaximumWidth(220);
    m_suiteProgress->setFormat(tr("%v of %m"));
    m_suiteSummary = new QLabel(tab);
    m_suiteSummary->setObjectName(QStringLiteral("suiteSummary"));
    m_suiteSummary->setTextFormat(Qt::RichText);
    buttons->addWidget(m_runAll);
    buttons->addWidget(m_runSelected);
    buttons->addWidget(m_cancelSuite);
    buttons->addSpacing(12);
    buttons->addWidget(m_suiteProgress);
    buttons->addWidget(m_suiteSummary, 1);
    buttons->addWidget(m_saveSuite);
    layout->addLayout(buttons);
    connect(m_runAll, &QPushButton::clicked, this, [this] { runSuite(); });
    connect(m_runSelected, &QPushButton::clicked, this, [this] { runSuite(selectedCaseIds()); });
    connect(m_cancelSuite, &QPushButton::clicked, this, &EndpointsPage::cancelSuite);
    connect(m_saveSuite, &QPushButton::clicked, this, [this] {
        const QString suggested = defaultSuiteResultsPath();
        QDir().mkpath(QFileInfo(suggested).absolutePath());
        // The file dialog asks before it replaces a file: nothing is overwritten silently.
        const QString path = QFileDialog::getSaveFileName(this, tr("Save suite results"), suggested, tr("JSON (*.json)"));
        if (path.isEmpty())
            return;
        QString error;
        if (!saveSuiteResults(path, true, &error))
            m_pageBanner->showMessage(error.toHtmlEscaped());
    });

    auto *split = new QSplitter(Qt::Horizontal, tab);
    split->setChildrenCollapsible(false);
    m_caseTree = new QTreeWidget(split);
    m_caseTree->setObjectName(QStringLiteral("caseList"));
    m_caseTree->setHeaderLabels({tr("Cases by seed 000 checklist item")});
    m_caseTree->setIndentation(14);
    m_caseTree->setUniformRowHeights(true);
    m_caseTree->setMinimumWidth(260);

    auto *right = new QSplitter(Qt::Vertical, split);
    right->setChildrenCollapsible(false);
    m_suiteModel = new models::SuiteResultModel(this);
    m_suiteTable = new QTableView(right);
    m_suiteTable->setObjectName(QStringLiteral("suiteTable"));
    m_suiteTable->setModel(m_suiteModel);
    m_suiteTable->verticalHeader()->hide();
    m_suiteTable->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_suiteTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_suiteTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_suiteTable->setWordWrap(false);
    {
        const QFontMetrics fm = m_suiteTable->horizontalHeader()->fontMetrics();
        auto fit = [&](int column, int min) {
            const QString h = m_suiteModel->headerData(column, Qt::Horizontal).toString();
            m_suiteTable->setColumnWidth(column, std::max(min, fm.horizontalAdvance(h) + 24));
        };
        fit(models::SuiteResultModel::VerdictColumn, fm.horizontalAdvance(QStringLiteral("INCONCLUSIVE")) + 12);
        m_suiteTable->setColumnWidth(models::SuiteResultModel::CaseColumn, 190);
        m_suiteTable->setColumnWidth(models::SuiteResultModel::ChecklistColumn, 130);
        fit(models::SuiteResultModel::LatencyColumn, 60);
        m_suiteTable->setColumnWidth(models::SuiteResultModel::ReasonColumn, 210);
        m_suiteTable->horizontalHeader()->setSectionResizeMode(models::SuiteResultModel::WarningsColumn, QHeaderView::Stretch);
    }
    connect(m_suiteTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &cur) { showCaseDetails(cur.row()); });

    auto *details = new QWidget(right);
    auto *dl = new QHBoxLayout(details);
    dl->setContentsMargins(0, 4, 0, 0);
    m_caseDetails = new QTreeWidget(details);
    m_caseDetails->setObjectName(QStringLiteral("caseDetails"));
    m_caseDetails->setHeaderLabels({tr("Verdict"), tr("Step"), tr("Assertion"), tr("Reason / evidence")});
    m_caseDetails->setColumnWidth(0, 70);
    m_caseDetails->setColumnWidth(1, 40);
    m_caseDetails->setColumnWidth(2, 260);
    m_caseDetails->setWordWrap(true);
    m_caseEvidence = new QPlainTextEdit(details);
    m_caseEvidence->setObjectName(QStringLiteral("caseEvidence"));
    m_caseEvidence->setReadOnly(true);
    m_caseEvidence->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_caseEvidence->setPlaceholderText(tr("Click a row of the table to see its assertions and the responses' evidence."));
    dl->addWidget(m_caseDetails, 5);
    dl->addWidget(m_caseEvidence, 3);
    right->addWidget(m_suiteTable);
    right->addWidget(details);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    split->addWidget(m_caseTree);
    split->addWidget(right);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 3);
    split->setSizes({290, 810});
    layout->addWidget(split, 1);
    return tab;
}

void EndpointsPage::fillCaseList()
{
    QSet<QString> unchecked;
    for (int g = 0; g < m_caseTree->topLevelItemCount(); ++g)
        for (int c = 0; c < m_caseTree->topLevelItem(g)->childCount(); ++c) {
            QTreeWidgetItem *item = m_caseTree->topLevelItem(g)->child(c);
            if (item->checkState(0) == Qt::Unchecked)
                unchecked.insert(item->data(0, kCaseIdRole).toString());
        }
    m_caseTree->clear();
    const QString profile = currentProfile().id;
    QMap<QString, QTreeWidgetItem *> groups;
    QStringList order;
    for (const TestCase &c : m_suite.cases) {
        QTreeWidgetItem *group = groups.value(c.group);
        if (!group) {
            group = new QTreeWidgetItem(m_caseTree);
            group->setText(0, c.group.isEmpty() ? tr("other") : c.group);
            group->setData(0, kCaseIdRole, QString());
            group->setFlags(group->flags() | Qt::ItemIsAutoTristate | Qt::ItemIsUserCheckable);
            QFont f = group->font(0);
            f.setBold(true);
            group->setFont(0, f);
            groups.insert(c.group, group);
        }
        // The group line names the checklist item(s) its cases evidence.
        if (!c.checklistItem.isEmpty()) {
            QStringList items = group->data(0, Qt::UserRole + 2).toStringList();
            if (!items.contains(c.checklistItem)) {
                items << c.checklistItem;
                group->setData(0, Qt::UserRole + 2, items);
                group->setText(0, QStringLiteral("%1 — %2").arg(c.group, items.join(QStringLiteral("; "))));
                group->setToolTip(0, items.join(QLatin1Char('\n')));
            }
        }
        auto *item = new QTreeWidgetItem(group);
        item->setText(0, c.title.isEmpty() ? c.id : c.title);
        item->setToolTip(0, QStringLiteral("%1\n%2\n%3").arg(c.title, c.id, c.checklistItem));
        item->setData(0, kCaseIdRole, c.id);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        const bool applies = c.profiles.isEmpty() || c.profiles.contains(profile);
        item->setCheckState(0, applies && !unchecked.contains(c.id) ? Qt::Checked : Qt::Unchecked);
        if (!applies) {
            item->setDisabled(true);
            item->setToolTip(0, tr("%1 — not for the %2 generation (only %3)").arg(c.id, profile, c.profiles.join(QStringLiteral(", "))));
        }
    }
    m_caseTree->expandAll();
}

QStringList EndpointsPage::selectedCaseIds() const
{
    QStringList ids;
    for (int g = 0; g < m_caseTree->topLevelItemCount(); ++g)
        for (int c = 0; c < m_caseTree->topLevelItem(g)->childCount(); ++c) {
            QTreeWidgetItem *item = m_caseTree->topLevelItem(g)->child(c);
            if (item->checkState(0) == Qt::Checked && !item->isDisabled())
                ids << item->data(0, kCaseIdRole).toString();
        }
    return ids;
}

void EndpointsPage::setCaseChecked(const QString &id, bool on)
{
    for (int g = 0; g < m_caseTree->topLevelItemCount(); ++g)
        for (int c = 0; c < m_caseTree->topLevelItem(g)->childCount(); ++c) {
            QTreeWidgetItem *item = m_caseTree->topLevelItem(g)->child(c);
            if (item->data(0, kCaseIdRole).toString() == id)
                item->setCheckState(0, on ? Qt::Checked : Qt::Unchecked);
        }
}

bool EndpointsPage::isSuiteRunning() const
{
    return m_suiteRunning;
}

bool EndpointsPage::runSuite(const QStringList &caseIds)
{
    const auto env = currentEnvironment();
    if (!env || m_suiteRunning)
        return false;
    const QString profile = currentProfile().id;
    QList<TestCase> cases;
    for (const TestCase &c : m_suite.cases) {
        const bool applies = c.profiles.isEmpty() || c.profiles.contains(profile);
        if (caseIds.isEmpty() ? applies : caseIds.contains(c.id))
            cases << c;
    }
    if (cases.isEmpty()) {
        m_suiteSummary->setText(tr("No case selected."));
        return false;
    }
    m_lastSuite.reset();
    m_suiteModel->setCases(cases);
    m_caseDetails->clear();
    m_caseEvidence->clear();
    m_suiteRunning = true;
    m_suiteProgress->setRange(0, int(cases.size()));
    m_suiteProgress->setValue(0);
    updateSuiteSummary();
    updateSuiteButtons();
    Q_EMIT statusChanged(tr("Endpoints: running %1 cases against %2…").arg(cases.size()).arg(env->name));
    m_suiteRunner->start(m_suite, *env, caseIds);
    return true;
}

void EndpointsPage::cancelSuite()
{
    if (m_suiteRunning)
        m_suiteRunner->cancel();
}

void EndpointsPage::updateSuiteButtons()
{
    const bool env = currentEnvironment().has_value();
    m_runAll->setEnabled(env && !m_suiteRunning && !m_suite.cases.isEmpty());
    m_runSelected->setEnabled(env && !m_suiteRunning && !m_suite.cases.isEmpty());
    m_cancelSuite->setEnabled(m_suiteRunning);
    m_saveSuite->setEnabled(!m_suiteRunning && m_lastSuite.has_value());
}

void EndpointsPage::updateSuiteSummary()
{
    const int done = m_suiteModel->doneCount();
    m_suiteProgress->setValue(done);
    QStringList parts;
    auto part = [&](Verdict v, const QString &label) {
        const int n = m_suiteModel->count(v);
        if (n > 0)
            parts << QStringLiteral("<span style='color:%1'><b>%2</b> %3</span>")
                         .arg(models::SuiteResultModel::verdictColor(v).name())
                         .arg(n)
                         .arg(label);
    };
    part(Verdict::Pass, tr("passed"));
    part(Verdict::Fail, tr("failed"));
    part(Verdict::Inconclusive, tr("inconclusive"));
    part(Verdict::Error, tr("errors"));
    part(Verdict::Skipped, tr("skipped"));
    QString text = parts.join(QStringLiteral(" · "));
    if (m_lastSuite && !m_suiteRunning)
        text += m_lastSuite->allPassed() ? tr(" — <b style='color:#2e7d32'>every case passed</b>") : tr(" — <b style='color:#c62828'>not all passed</b>");
    m_suiteSummary->setText(text);
}

void EndpointsPage::showCaseDetails(int row)
{
    m_caseDetails->clear();
    m_caseEvidence->clear();
    const auto result = m_suiteModel->result(row);
    if (!result)
        return;
    for (const AssertionResult &a : result->assertions) {
        auto *item = new QTreeWidgetItem(m_caseDetails);
        item->setText(0, verdictText(a.verdict));
        item->setForeground(0, models::SuiteResultModel::verdictColor(a.verdict));
        item->setText(1, QString::number(a.step + 1));
        item->setText(2, a.assertion.describe());
        item->setToolTip(2, a.assertion.describe());
        item->setText(3, a.reason.isEmpty() ? a.evidence : a.reason);
        item->setToolTip(3, a.reason.isEmpty() ? a.evidence : a.reason + QLatin1Char('\n') + a.evidence);
        if (!a.reason.isEmpty() && !a.evidence.isEmpty()) {
            auto *ev = new QTreeWidgetItem(item);
            ev->setText(3, tr("observed: %1").arg(a.evidence));
        }
    }
    for (const QString &w : result->warnings) {
        auto *item = new QTreeWidgetItem(m_caseDetails);
        item->setText(0, tr("WARNING"));
        item->setForeground(0, QColor(0xe6, 0x51, 0x00));
        item->setText(3, w);
        item->setFirstColumnSpanned(false);
    }
    m_caseDetails->expandAll();
    QString evidence;
    for (int i = 0; i < result->responses.size(); ++i) {
        const ProxyResponse &r = result->responses.at(i);
        evidence += tr("── step %1: %2 %3\n").arg(i + 1).arg(QString::fromLatin1(r.method), r.url.toDisplayString(QUrl::RemoveUserInfo));
        if (r.status > 0)
            evidence += tr("status %1, %2 ms, TTFB %3, first token %4\n")
                            .arg(r.status)
                            .arg(QLocale().toString(r.timing.totalMs, 'f', 0), fmtMs(r.timing.ttfbMs), fmtMs(r.timing.firstTokenMs));
        else
            evidence += tr("no response: %1 — %2\n").arg(callErrorName(r.error), r.errorString);
        if (!r.requestBody.isEmpty())
            evidence += tr("request: %1\n").arg(QString::fromUtf8(r.requestBody.left(600)).simplified());
        if (r.isEventStream)
            evidence += tr("stream: %1 events, text: %2\n").arg(r.eventCount).arg(r.assembled.text().left(400));
        else if (!r.body.isEmpty()) {
            const QJsonDocument doc = r.body.size() <= 16384 ? QJsonDocument::fromJson(r.body) : QJsonDocument();
            const QByteArray shown = doc.isNull() ? r.body.left(1200) : doc.toJson(QJsonDocument::Indented).left(4000);
            evidence += tr("body: %1\n").arg(QString::fromUtf8(shown));
        }
        evidence += QLatin1Char('\n');
    }
    m_caseEvidence->setPlainText(evidence);
}

QString EndpointsPage::defaultSuiteResultsPath() const
{
    const QString dir = QDir(m_workspace.isValid() ? m_workspace.codexDir() : QDir::currentPath()).filePath(QStringLiteral("reports"));
    const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    QString path = QDir(dir).filePath(QStringLiteral("endpoint-suite-%1.json").arg(stamp));
    for (int n = 2; QFileInfo::exists(path); ++n)
        path = QDir(dir).filePath(QStringLiteral("endpoint-suite-%1-%2.json").arg(stamp).arg(n));
    return path;
}

bool EndpointsPage::saveSuiteResults(const QString &path, bool overwrite, QString *error)
{
    if (!m_lastSuite) {
        if (error)
            *error = tr("There are no suite results to save yet.");
        return false;
    }
    if (!overwrite && QFileInfo::exists(path)) {
        if (error)
            *error = tr("%1 exists already; it was not replaced.").arg(QDir::toNativeSeparators(path));
        return false;
    }
    QString err;
    const QByteArray json = QJsonDocument(m_lastSuite->toJson()).toJson(QJsonDocument::Indented);
    if (!writeFileAtomically(path, json, &err)) {
        if (error)
            *error = err;
        return false;
    }
    Q_EMIT statusChanged(tr("Endpoints: suite results saved to %1").arg(m_workspace.display(path)));
    return true;
}

// =====================================================================================================
// Load tab

QWidget *EndpointsPage::buildLoadTab()
{
    auto *tab = new QWidget(this);
    auto *layout = new QVBoxLayout(tab);
    layout->setContentsMargins(4, 6, 4, 4);
    auto *row = new QHBoxLayout;
    m_loadN = new QSpinBox(tab);
    m_loadN->setObjectName(QStringLiteral("loadRequests"));
    m_loadN->setRange(1, 10000000);
    m_loadN->setValue(200);
    m_loadN->setGroupSeparatorShown(true);
    m_loadC = new QSpinBox(tab);
    m_loadC->setObjectName(QStringLiteral("loadConcurrency"));
    m_loadC->setRange(1, 512);
    m_loadC->setValue(8);
    m_loadStream = new QCheckBox(tr("S&treaming"), tab);
    m_loadStream->setObjectName(QStringLiteral("loadStreaming"));
    m_loadStart = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("S&tart"), tab);
    m_loadStart->setObjectName(QStringLiteral("loadStartButton"));
    m_loadCancel = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Cancel"), tab);
    m_loadCancel->setObjectName(QStringLiteral("loadCancelButton"));
    auto *nLabel = new QLabel(tr("&Requests (N):"), tab);
    nLabel->setBuddy(m_loadN);
    auto *cLabel = new QLabel(tr("&Concurrency (C):"), tab);
    cLabel->setBuddy(m_loadC);
    row->addWidget(nLabel);
    row->addWidget(m_loadN);
    row->addSpacing(8);
    row->addWidget(cLabel);
    row->addWidget(m_loadC);
    row->addSpacing(8);
    row->addWidget(m_loadStream);
    row->addSpacing(12);
    row->addWidget(m_loadStart);
    row->addWidget(m_loadCancel);
    row->addStretch();
    layout->addLayout(row);
    m_loadRequest = new QLabel(tab);
    m_loadRequest->setObjectName(QStringLiteral("loadRequestLabel"));
    m_loadRequest->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_loadRequest);
    connect(m_loadStart, &QPushButton::clicked, this, [this] { startLoad(); });
    connect(m_loadCancel, &QPushButton::clicked, this, &EndpointsPage::cancelLoad);

    auto *figures = new QGroupBox(tr("Progress"), tab);
    auto *grid = new QGridLayout(figures);
    grid->setHorizontalSpacing(18);
    m_loadProgress = new QProgressBar(figures);
    m_loadProgress->setObjectName(QStringLiteral("loadProgress"));
    m_loadDone = figureLabel(figures, QStringLiteral("loadDone"));
    m_loadRps = figureLabel(figures, QStringLiteral("loadRps"));
    m_loadQuantiles = figureLabel(figures, QStringLiteral("loadQuantiles"));
    m_loadErrors = figureLabel(figures, QStringLiteral("loadErrors"));
    m_loadErrors->setWordWrap(true);
    m_loadStatus = figureLabel(figures, QStringLiteral("loadStatus"));
    grid->addWidget(m_loadProgress, 0, 0, 1, 4);
    grid->addWidget(new QLabel(tr("Done:"), figures), 1, 0);
    grid->addWidget(m_loadDone, 1, 1);
    grid->addWidget(new QLabel(tr("Requests/s:"), figures), 1, 2);
    grid->addWidget(m_loadRps, 1, 3);
    grid->addWidget(new QLabel(tr("Latency:"), figures), 2, 0);
    grid->addWidget(m_loadQuantiles, 2, 1, 1, 3);
    grid->addWidget(new QLabel(tr("By status:"), figures), 3, 0);
    grid->addWidget(m_loadErrors, 3, 1, 1, 3);
    grid->addWidget(m_loadStatus, 4, 0, 1, 4);
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(3, 1);
    layout->addWidget(figures);
    m_histogram = new LoadHistogramWidget(tab);
    layout->addWidget(m_histogram, 1);
    return tab;
}

void EndpointsPage::setLoadOptions(int requests, int concurrency, bool stream)
{
    m_loadN->setValue(requests);
    m_loadC->setValue(concurrency);
    m_loadStream->setChecked(stream);
}

bool EndpointsPage::isLoadRunning() const
{
    return m_loadRunning;
}

void EndpointsPage::updateLoadButtons()
{
    const bool ok = currentEnvironment().has_value() && bodyError().isEmpty() && !m_path->text().trimmed().isEmpty();
    m_loadStart->setEnabled(ok && !m_loadRunning);
    m_loadCancel->setEnabled(m_loadRunning);
    m_loadRequest->setText(tr("Each request: %1 %2 from the Request tab (its body's \"stream\" follows the check box).")
                               .arg(m_method->currentText(), m_path->text()));
}

bool EndpointsPage::startLoad()
{
    const auto env = currentEnvironment();
    if (!env || m_loadRunning || !bodyError().isEmpty())
        return false;
    LoadOptions o;
    o.requests = m_loadN->value();
    o.concurrency = m_loadC->value();
    o.stream = m_loadStream->isChecked();
    o.request = expandedRequest(nullptr);
    m_lastLoad.reset();
    m_histogram->clear();
    m_loadProgress->setRange(0, o.requests);
    m_loadProgress->setValue(0);
    m_loadDone->clear();
    m_loadRps->clear();
    m_loadQuantiles->clear();
    m_loadErrors->clear();
    m_loadStatus->setText(tr("Running %1 requests at concurrency %2 against %3…").arg(o.requests).arg(o.concurrency).arg(env->name));
    m_loadRunning = true;
    updateLoadButtons();
    Q_EMIT statusChanged(tr("Endpoints: load run started"));
    m_loadRunner->start(*env, o);
    return true;
}

void EndpointsPage::cancelLoad()
{
    if (m_loadRunning)
        m_loadRunner->cancel();
}

void EndpointsPage::onLoadProgress(const LoadProgress &p)
{
    const QLocale loc;
    m_loadProgress->setRange(0, std::max(1, p.total));
    m_loadProgress->setValue(p.done);
    m_loadDone->setText(tr("<b>%1</b> of %2").arg(loc.toString(p.done), loc.toString(p.total)));
    m_loadRps->setText(QStringLiteral("<b>%1</b>").arg(loc.toString(p.requestsPerSecond, 'f', 1)));
    if (p.latency.count() > 0)
        m_loadQuantiles->setText(tr("p50 <b>%1</b> · p95 <b>%2</b> · p99 <b>%3</b> · max %4 · TTFB p50 %5")
                                     .arg(fmtMs(p.latency.quantile(0.5)), fmtMs(p.latency.quantile(0.95)), fmtMs(p.latency.quantile(0.99)),
                                          fmtMs(p.latency.max()), fmtMs(p.ttfb.count() ? p.ttfb.quantile(0.5) : -1)));
    QStringList statuses;
    for (auto it = p.byStatus.begin(); it != p.byStatus.end(); ++it) {
        const bool good = it.key().startsWith(QLatin1Char('2'));
        statuses << QStringLiteral("<span style='color:%1'>%2: <b>%3</b></span>")
                        .arg(good ? QStringLiteral("#2e7d32") : QStringLiteral("#c62828"), it.key().toHtmlEscaped(), loc.toString(it.value()));
    }
    m_loadErrors->setText(statuses.join(QStringLiteral(" · ")) + (p.errors > 0 ? tr(" — <b>%1 errors</b>").arg(p.errors) : QString()));
    m_histogram->setBins(p.latency.bins(30));
}

}  // namespace codex::ui
