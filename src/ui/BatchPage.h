#pragma once

#include "archive/ArchiveLocation.h"
#include "batch/BatchRunner.h"
#include "batch/BatchTypes.h"
#include "batch/BatchValidator.h"
#include "batch/Manifest.h"
#include "ui/Page.h"

#include <QPointer>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;
class QTimer;
class QToolButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace codex::models {
class BatchFilterModel;
class BatchItemModel;
}  // namespace codex::models

namespace codex::ui {

class Banner;

/// Page 3: bulk restores from a manifest (JSON or CSV, or built from the Archive page's
/// selection). Opening a manifest validates it against the archive (on a worker thread) and lists
/// the issues grouped by kind; Run restores with the configured concurrency, retry and conflict
/// policy and shows progress, throughput, ETA and a per-item table that can be narrowed to
/// failures. Pause, cancel, retry failed, resume from a journal, open the results file.
/// Nothing here waits on the database in the GUI thread.
class BatchPage : public Page {
    Q_OBJECT
public:
    /// An archived item to put in a manifest built in memory.
    struct SelectedItem {
        QString tombstone;
        QString repo;
        QString path;
    };

    explicit BatchPage(QWidget *parent = nullptr);
    ~BatchPage() override;
    QString title() const override;
    QIcon icon() const override;
    void setWorkspace(const Workspace &workspace) override;
    /// True while a batch runs (the admin is asked before it is cancelled), and while a manifest
    /// built from a selection has not been saved.
    bool hasUnsavedChanges() const override;

    /// Opens a manifest file and validates it; false (and an error banner naming the entry, line
    /// and field) when it cannot be read.
    bool openManifest(const QString &path);
    /// Builds a manifest in memory: outputs default to <restore root>/<repo>/<path>.
    void buildFromSelection(const QList<SelectedItem> &items);
    /// Writes the manifest (JSON or CSV by suffix); a manifest built in memory becomes that file.
    bool saveManifest(const QString &path);
    /// Validates the open manifest with the current options (on a worker thread).
    void validate();
    /// What the Run button does; false when it cannot start (the banner says why).
    bool startRun();
    void pauseRun();
    void resumeRun();
    void cancelRun();
    void retryFailed();
    /// Continues a cancelled or killed run from its journal (*.journal).
    bool resumeFromJournal(const QString &journalPath);
    /// Cancels a running batch and waits (the GUI keeps processing events) until it has stopped
    /// and written its results; false on timeout.
    bool cancelAndWait(int timeoutMs = 60000);

    bool isRunning() const;
    bool isValidating() const { return m_validating; }
    const batch::Manifest &manifest() const { return m_manifest; }
    bool hasManifest() const { return m_hasManifest; }
    std::optional<batch::ValidationReport> lastValidation() const { return m_lastReport; }
    std::optional<batch::BatchSummary> lastSummary() const { return m_summary; }
    batch::BatchOptions currentOptions() const;
    batch::BatchRunner *runner() const { return m_runner; }
    models::BatchItemModel *items() const { return m_model; }
    models::BatchFilterModel *filter() const { return m_filter; }
    QTableView *table() const { return m_table; }
    QTreeWidget *report() const { return m_report; }
    QString resultsPath() const { return m_resultsPath; }
    QString journalPath() const;

    void setActor(const QString &actor);
    void setRestoreRoot(const QString &folder);
    void setConcurrency(int workers);
    void setContinueOnError(bool on);
    void setConflictPolicy(archive::ConflictPolicy policy);
    void setAllowOutsideRoot(bool on);
    void setFailuresOnly(bool on);
    void setSearchText(const QString &text);
    /// Selects entry `index` in the table (clearing a filter that hides it), as a click on a
    /// validation issue does.
    void selectEntry(int index);

Q_SIGNALS:
    /// A run (start, resume or retry) has ended.
    void runFinished(const codex::batch::BatchSummary &summary);
    /// A validation has been shown.
    void validationShown();

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void loadConfig();
    void setManifest(const batch::Manifest &manifest, bool fromSelection);
    void rebuildSelectionManifest();
    void showManifestErrors(const QString &path, const QList<batch::ManifestError> &errors);
    batch::BatchRunner *newRunner(const batch::Manifest &manifest, const batch::BatchOptions &options);
    void dropRunner();
    void scheduleValidation();
    void onValidated(const batch::ValidationReport &report);
    void onProgress(const batch::BatchProgress &progress);
    void followRun(const QList<int> &changed);
    void onFinished(const batch::BatchSummary &summary);
    void showReport(const batch::ValidationReport &report);
    void updateButtons();
    void updateRunButton();
    void updateFilterCount();
    void rememberRecent(const QString &path);
    void fillRecentMenu();
    bool ensureManifestSaved();
    bool checkReady();
    void resetFigures();

    Workspace m_workspace;
    std::optional<archive::ArchiveLocation> m_location;
    QString m_locationError;
    QString m_evidencePath;
    batch::BatchOptions m_configOptions;  ///< from the effective configuration

    batch::Manifest m_manifest;
    bool m_hasManifest = false;
    bool m_fromSelection = false;    ///< built from the Archive page's selection
    bool m_manifestDirty = false;    ///< built in memory and not saved
    QList<SelectedItem> m_selection;
    bool m_rootEdited = false;       ///< the admin chose the restore root (else it follows the manifest)

    QPointer<batch::BatchRunner> m_runner;
    bool m_validating = false;        ///< m_runner is running validateOnly()
    bool m_runActive = false;         ///< m_runner is running a batch (start, resume, retry)
    bool m_finishedOnce = false;      ///< m_runner has finished a run (retry failed is possible)
    std::optional<batch::ValidationReport> m_lastReport;
    bool m_shownPaused = false;
    QString m_shownJournal;
    std::optional<batch::BatchSummary> m_summary;
    QString m_resultsPath;

    models::BatchItemModel *m_model;
    models::BatchFilterModel *m_filter;

    QLineEdit *m_manifestEdit;
    QToolButton *m_open;
    QPushButton *m_save;
    QLineEdit *m_root;
    QLineEdit *m_actor;
    QSpinBox *m_concurrency;
    QCheckBox *m_continue;
    QComboBox *m_conflict;
    QCheckBox *m_outside;
    QLabel *m_origin;
    Banner *m_error;
    Banner *m_info;
    QTreeWidget *m_report;
    QLabel *m_reportSummary;
    QPushButton *m_validate;
    QPushButton *m_run;
    QPushButton *m_pause;
    QPushButton *m_cancel;
    QPushButton *m_retry;
    QPushButton *m_resume;
    QPushButton *m_openResults;
    QLabel *m_resultsLabel;
    QLabel *m_runHint;
    QProgressBar *m_progress;
    QLabel *m_rate;
    QLabel *m_throughput;
    QLabel *m_elapsed;
    QLabel *m_eta;
    QLabel *m_succeeded;
    QLabel *m_failed;
    QLabel *m_skipped;
    QComboBox *m_filterMode;
    QLineEdit *m_search;
    QLabel *m_filterCount;
    QCheckBox *m_follow;
    QTableView *m_table;
    QTimer *m_validateTimer;
    QTimer *m_searchTimer;
};

}  // namespace codex::ui
