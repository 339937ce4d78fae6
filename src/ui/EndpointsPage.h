#pragma once

#include "proxy/EndpointStore.h"
#include "proxy/LoadRunner.h"
#include "proxy/ProxyTypes.h"
#include "proxy/TestSuite.h"
#include "ui/Page.h"

#include <QPointer>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QStringListModel;
class QTabWidget;
class QTableView;
class QTableWidget;
class QTimer;
class QTreeWidget;
class QTreeWidgetItem;

namespace codex::proxy {
class EndpointCall;
class EndpointClient;
class SecretStore;
}  // namespace codex::proxy

namespace codex::models {
class HistoryModel;
class SuiteResultModel;
}  // namespace codex::models

namespace codex::ui {

class Banner;
class EndpointResponseView;
class LoadHistogramWidget;

/// Page 5: the ccproxy endpoint tester. An environment selector (base URL, generation profile,
/// headers, token by reference); the Request tab (editor with templates from the profile, live
/// JSON validation, Send/Cancel; the response with a live SSE list, assembled text, tool calls
/// and the timing breakdown; history and saved requests); the Test suite tab (the presets for
/// seed 000's manual test list, a live pass/fail table with reasons and evidence, results saved
/// as JSON); the Load tab (N requests at concurrency C with a live latency histogram).
/// All network work is asynchronous: nothing here blocks the GUI thread.
class EndpointsPage : public Page {
    Q_OBJECT
public:
    explicit EndpointsPage(QWidget *parent = nullptr);
    ~EndpointsPage() override;
    QString title() const override;
    QIcon icon() const override;
    void setWorkspace(const Workspace &workspace) override;

    // --- Environments ---------------------------------------------------------------------------
    proxy::EndpointStore &store() { return m_store; }
    proxy::SecretStore *secrets() const { return m_secrets; }
    std::optional<proxy::Environment> currentEnvironment() const;
    proxy::ProxyProfile currentProfile() const;
    bool selectEnvironment(const QString &name);
    /// Adds (or replaces the one of that name), saves endpoints.json and selects it.
    bool addEnvironment(const proxy::Environment &env);
    bool removeEnvironment(const QString &name);
    /// Adds a certificate to that environment's accepted list (never a global ignore) and saves.
    void acceptCertificate(const QString &environment, const QString &sha256);
    QComboBox *environmentCombo() const { return m_envCombo; }
    Banner *pageBanner() const { return m_pageBanner; }

    // --- Request --------------------------------------------------------------------------------
    static QStringList templateNames();
    bool applyTemplate(const QString &name);
    proxy::ProxyRequest currentRequest() const;
    void setRequest(const proxy::ProxyRequest &request);
    /// Empty when the body is valid JSON (or empty for a GET), else "line L, column C: message".
    QString bodyError() const;
    bool send();
    void cancelRequest();
    bool isSending() const { return !m_call.isNull(); }
    std::optional<proxy::ProxyResponse> lastResponse() const { return m_lastResponse; }
    bool saveCurrentRequest(const QString &name);
    bool loadSavedRequest(int row);
    bool deleteSavedRequest(int row);
    /// Reloads a history entry into the editor and shows its stored response summary.
    void showHistoryEntry(int row);

    QComboBox *templateCombo() const { return m_template; }
    QComboBox *methodCombo() const { return m_method; }
    QLineEdit *pathEdit() const { return m_path; }
    QTableWidget *headersTable() const { return m_headers; }
    QPlainTextEdit *bodyEdit() const { return m_body; }
    QLabel *bodyErrorLabel() const { return m_bodyError; }
    QPushButton *sendButton() const { return m_send; }
    QPushButton *cancelButton() const { return m_cancel; }
    EndpointResponseView *responseView() const { return m_response; }
    models::HistoryModel *historyModel() const { return m_history; }
    QTableView *historyView() const { return m_historyView; }
    QListWidget *savedList() const { return m_saved; }
    QTabWidget *tabs() const { return m_tabs; }

    // --- Test suite -----------------------------------------------------------------------------
    const proxy::TestSuite &suite() const { return m_suite; }
    /// Checked cases of the list.
    QStringList selectedCaseIds() const;
    void setCaseChecked(const QString &id, bool on);
    /// Runs the given cases (empty = every case that applies to the environment's generation).
    bool runSuite(const QStringList &caseIds = {});
    void cancelSuite();
    bool isSuiteRunning() const;
    std::optional<proxy::SuiteResult> lastSuiteResult() const { return m_lastSuite; }
    /// Writes SuiteResult::toJson; an existing file is refused unless overwrite.
    bool saveSuiteResults(const QString &path, bool overwrite = false, QString *error = nullptr);
    /// <workspace>/.codex/reports/endpoint-suite-YYYYMMDD-HHMMSS.json (not an existing one).
    QString defaultSuiteResultsPath() const;
    void showCaseDetails(int row);
    QTreeWidget *caseList() const { return m_caseTree; }
    models::SuiteResultModel *suiteModel() const { return m_suiteModel; }
    QTableView *suiteTable() const { return m_suiteTable; }
    QTreeWidget *caseDetails() const { return m_caseDetails; }
    QPlainTextEdit *caseEvidence() const { return m_caseEvidence; }
    QLabel *suiteSummary() const { return m_suiteSummary; }

    // --- Load -----------------------------------------------------------------------------------
    void setLoadOptions(int requests, int concurrency, bool stream);
    bool startLoad();
    void cancelLoad();
    bool isLoadRunning() const;
    std::optional<proxy::LoadResult> lastLoadResult() const { return m_lastLoad; }
    LoadHistogramWidget *histogram() const { return m_histogram; }
    QLabel *loadDoneLabel() const { return m_loadDone; }

Q_SIGNALS:
    void responseFinished(const codex::proxy::ProxyResponse &response);
    void suiteFinished(const codex::proxy::SuiteResult &result);
    void loadFinished(const codex::proxy::LoadResult &result);

private:
    QWidget *buildRequestTab();
    QWidget *buildSuiteTab();
    QWidget *buildLoadTab();
    void fillEnvironments(const QString &select = {});
    void environmentChanged();
    void editEnvironment(bool add);
    void saveStore();
    void validateBody();
    void updatePathCompleter();
    void updateTemplateItems();
    void flushEvents();
    void onCallFinished(const proxy::ProxyResponse &response);
    void updateRequestButtons();
    void fillSavedList();
    void fillCaseList();
    void updateSuiteButtons();
    void updateSuiteSummary();
    void onLoadProgress(const proxy::LoadProgress &progress);
    void updateLoadButtons();
    QHash<QString, QString> variables(const proxy::ProxyProfile &profile) const;
    proxy::ProxyRequest expandedRequest(QString *error) const;

    Workspace m_workspace;
    proxy::EndpointStore m_store;
    proxy::SecretStore *m_secrets;
    proxy::EndpointClient *m_client;
    proxy::SuiteRunner *m_suiteRunner;
    proxy::LoadRunner *m_loadRunner;
    proxy::TestSuite m_suite;
    QPointer<proxy::EndpointCall> m_call;
    QString m_callEnvironment;
    QList<proxy::SseEvent> m_pendingEvents;
    QTimer *m_flushTimer;
    std::optional<proxy::ProxyResponse> m_lastResponse;
    std::optional<proxy::SuiteResult> m_lastSuite;
    std::optional<proxy::LoadResult> m_lastLoad;
    bool m_templateEdited = false;
    bool m_suiteRunning = false;
    bool m_loadRunning = false;
    bool m_filling = false;

    // top bar
    QComboBox *m_envCombo = nullptr;
    QLabel *m_envInfo = nullptr;
    QPushButton *m_editEnv = nullptr;
    QPushButton *m_removeEnv = nullptr;
    Banner *m_pageBanner = nullptr;
    QTabWidget *m_tabs = nullptr;
    // request
    QComboBox *m_template = nullptr;
    QComboBox *m_method = nullptr;
    QLineEdit *m_path = nullptr;
    QStringListModel *m_pathModel = nullptr;
    QTableWidget *m_headers = nullptr;
    QPlainTextEdit *m_body = nullptr;
    QLabel *m_bodyError = nullptr;
    QPushButton *m_send = nullptr;
    QPushButton *m_cancel = nullptr;
    EndpointResponseView *m_response = nullptr;
    models::HistoryModel *m_history = nullptr;
    QTableView *m_historyView = nullptr;
    QListWidget *m_saved = nullptr;
    // suite
    QTreeWidget *m_caseTree = nullptr;
    QPushButton *m_runAll = nullptr;
    QPushButton *m_runSelected = nullptr;
    QPushButton *m_cancelSuite = nullptr;
    QPushButton *m_saveSuite = nullptr;
    QLabel *m_suiteSummary = nullptr;
    QProgressBar *m_suiteProgress = nullptr;
    models::SuiteResultModel *m_suiteModel = nullptr;
    QTableView *m_suiteTable = nullptr;
    QTreeWidget *m_caseDetails = nullptr;
    QPlainTextEdit *m_caseEvidence = nullptr;
    // load
    QSpinBox *m_loadN = nullptr;
    QSpinBox *m_loadC = nullptr;
    QCheckBox *m_loadStream = nullptr;
    QLabel *m_loadRequest = nullptr;
    QPushButton *m_loadStart = nullptr;
    QPushButton *m_loadCancel = nullptr;
    QProgressBar *m_loadProgress = nullptr;
    QLabel *m_loadRps = nullptr;
    QLabel *m_loadDone = nullptr;
    QLabel *m_loadErrors = nullptr;
    QLabel *m_loadQuantiles = nullptr;
    QLabel *m_loadStatus = nullptr;
    LoadHistogramWidget *m_histogram = nullptr;
};

}  // namespace codex::ui
