#pragma once

#include "models/RolloutItemModel.h"
#include "rollout/RolloutActions.h"
#include "rollout/RolloutStore.h"
#include "ui/Page.h"

#include <QFutureWatcher>
#include <QPointer>

#include <functional>
#include <memory>
#include <optional>
#include <utility>

class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QScrollArea;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTableWidget;
class QTimer;
class QToolButton;
class QTreeView;
class QTreeWidget;

namespace codex::ui {

class Banner;
class NewRolloutDialog;
class SignOffDialog;
class ReportExportDialog;

/// Page 6: rollouts in `.codex/rollouts.sqlite` — a selector, the checklist of the seeds as a
/// tree with status toggles, owner and note editing and filters (open, blocked, mine); a detail
/// pane per item with its history and an evidence drawer; success criteria judged live from data;
/// sealed sign-offs per role; "Export report…" with a preview of the PDF pages. Every edit goes
/// to the store at once, recorded with the acting user ("Me").
class RolloutPage : public Page {
    Q_OBJECT
public:
    /// Current metric figures and the charts as PNG (the Monitor page's).
    using MetricSnapshotProvider = std::function<std::pair<rollout::MetricSnapshot, QByteArray>()>;

    explicit RolloutPage(QWidget *parent = nullptr);
    ~RolloutPage() override;
    QString title() const override;
    QIcon icon() const override;
    void setWorkspace(const Workspace &workspace) override;
    bool hasUnsavedChanges() const override;

    void setMetricSnapshotProvider(MetricSnapshotProvider provider);

    // State.
    QString storePath() const;
    /// The store could not be opened (or a write failed with a database error): edits are off.
    bool isReadOnly() const { return m_readOnly; }
    QStringList rolloutNames() const;
    QString currentRollout() const;
    bool selectRollout(const QString &name);
    const rollout::Rollout *rollout() const { return m_rollout ? &*m_rollout : nullptr; }
    QList<rollout::SignOffCheck> signOffChecks() const { return m_checks; }
    QList<rollout::CriterionResult> liveCriteria() const { return m_live; }
    QString me() const;
    void setMe(const QString &name);
    int blockedCount() const;
    int changedSignOffCount() const;
    QString bannerText() const;
    QString infoText() const;

    // Actions (the buttons call these; tests may too).
    NewRolloutDialog *openNewRolloutDialog();
    bool createRollout(const QString &name, const QStringList &templateIds, QString *error = nullptr);
    bool setItemStatus(const QString &key, rollout::ItemStatus status, QString *error = nullptr);
    bool setItemOwner(const QString &key, const QString &owner, QString *error = nullptr);
    bool setItemNote(const QString &key, const QString &note, QString *error = nullptr);
    bool attachSuiteFile(const QString &path, QString *error = nullptr);
    bool attachMetricSnapshot(QString *error = nullptr);
    bool attachHealthCheck(QString *error = nullptr);
    bool attachConfigSnapshot(QString *error = nullptr);
    /// actions::collectAll in a worker with its own store; collectFinished() when done.
    void collectEvidence();
    /// actions::evaluateAndRecord in a worker; criteriaRecorded() when done.
    void evaluateCriteria();
    /// Live evaluation (not recorded) in a worker; liveCriteriaUpdated() when done.
    void refreshLiveCriteria();
    bool isBusy() const;
    SignOffDialog *openSignOffDialog(const QString &role);
    ReportExportDialog *openExportDialog();
    bool setRoles(const QStringList &roles, QString *error = nullptr);
    void reload();

    // Selection and filter.
    void selectItem(const QString &key);
    QString selectedItemKey() const;
    void setFilterMode(models::RolloutFilterModel::Mode mode);
    void setSearchText(const QString &text);
    void saveNote();

    // Widgets (for tests and screenshots).
    QTreeView *tree() const { return m_tree; }
    models::RolloutItemModel *itemModel() const { return m_model; }
    models::RolloutFilterModel *filterModel() const { return m_filter; }
    QComboBox *rolloutCombo() const { return m_rolloutCombo; }
    QComboBox *statusEdit() const { return m_statusEdit; }
    QLineEdit *ownerEdit() const { return m_ownerEdit; }
    QPlainTextEdit *noteEdit() const { return m_noteEdit; }
    QTreeWidget *historyList() const { return m_history; }
    QTreeWidget *evidenceList() const { return m_evidenceList; }
    QTableWidget *criteriaTable() const { return m_criteria; }
    QTableWidget *signOffTable() const { return m_signOffs; }
    QTabWidget *bottomTabs() const { return m_bottomTabs; }
    /// The sign-off row's state text for a role ("valid ✓", "changed after sign-off ⚠", "not signed").
    QString signOffStateText(const QString &role) const;

Q_SIGNALS:
    void reloaded();
    void collectFinished(const QStringList &lines);
    void criteriaRecorded();
    void liveCriteriaUpdated();
    /// For the navigation badge.
    void attentionChanged(int blocked, int changedSignOffs);

protected:
    void showEvent(QShowEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    /// "Enter your name in “Me:” first…": every change is recorded with who made it.
    static QString needNameText();
    struct WorkResult {
        rollout::StoreResult result;
        QStringList lines;
        QList<rollout::CriterionResult> criteria;
    };
    void buildUi();
    QWidget *buildDetailPane();
    QWidget *buildEvidenceDrawer();
    void openStore();
    void showStoreError(const QString &message);
    void fillRolloutCombo();
    void loadCurrent(bool reset);
    void refreshDetail();
    void refreshHistory();
    void refreshEvidence();
    void showEvidence();
    void refreshSignOffs();
    void fillCriteria(const QList<rollout::CriterionResult> &results);
    void updateButtons();
    void afterEdit(const rollout::StoreResult &r, QString *error);
    bool attachEvidence(const rollout::Evidence &evidence, QString *error);
    void contextMenu(const QPoint &pos);
    void onWorkFinished();
    void chooseSuiteFile();
    void editRoles();
    void showChanges(const QString &role);
    bool editItem(const QString &key, const QString &field, const QVariant &value);

    Workspace m_workspace;
    std::unique_ptr<rollout::RolloutStore> m_store;
    std::optional<rollout::Rollout> m_rollout;
    QList<rollout::SignOffCheck> m_checks;
    QList<rollout::CriterionResult> m_live;
    QList<rollout::RolloutStore::Summary> m_summaries;
    MetricSnapshotProvider m_metricProvider;
    bool m_readOnly = true;
    QString m_noteKey;       // the item the note editor shows
    bool m_noteDirty = false;
    bool m_loading = false;
    bool m_livePending = false;
    QString m_bannerMsg;
    QString m_infoMsg;
    QString m_liveFor;       // the rollout the running live evaluation judges

    QFutureWatcher<WorkResult> m_work;
    QString m_workKind;      // "collect", "evaluate"
    QFutureWatcher<QList<rollout::CriterionResult>> m_liveWork;
    QTimer *m_liveTimer;

    // top bar
    QComboBox *m_rolloutCombo;
    QPushButton *m_newButton;
    QLineEdit *m_meEdit;
    QPushButton *m_collectButton;
    QPushButton *m_evaluateButton;
    QPushButton *m_exportButton;
    Banner *m_banner;
    Banner *m_info;

    // checklist
    QToolButton *m_filterAll;
    QToolButton *m_filterOpen;
    QToolButton *m_filterBlocked;
    QToolButton *m_filterMine;
    QLineEdit *m_search;
    QTreeView *m_tree = nullptr;
    models::RolloutItemModel *m_model;
    models::RolloutFilterModel *m_filter;
    QTabWidget *m_bottomTabs;
    QTableWidget *m_criteria;
    QLabel *m_criteriaLabel;
    QTableWidget *m_signOffs;
    QPushButton *m_editRoles;

    // detail
    QStackedWidget *m_detailStack;
    QLabel *m_itemText;
    QLabel *m_itemWhere;
    QPlainTextEdit *m_itemDetail;
    QComboBox *m_statusEdit;
    QLineEdit *m_ownerEdit;
    QPlainTextEdit *m_noteEdit;
    QPushButton *m_saveNote;
    QTreeWidget *m_history;
    QTreeWidget *m_evidenceList;
    QLabel *m_evidenceSummary;
    QStackedWidget *m_evidenceView;
    QPlainTextEdit *m_evidenceJson;
    QLabel *m_evidenceImage;
    QPushButton *m_attachSuite;
    QPushButton *m_attachMetric;
    QPushButton *m_attachHealth;
    QPushButton *m_attachConfig;
};

}  // namespace codex::ui
