#pragma once

#include "archive/ArchiveWorker.h"
#include "ui/Page.h"

#include <QFutureWatcher>

#include <memory>

class QCheckBox;
class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTabWidget;
class QTableView;
class QTextBrowser;
class QTimer;

namespace codex::archive {
struct HealthReport;
}
namespace codex::models {
class EvidenceFilterModel;
class EvidenceModel;
class TombstoneModel;
}  // namespace codex::models

namespace codex::ui {

class Banner;
class RestoreDialog;

/// Page 2: the tombstone archive — a lazily loaded, filterable, sortable table with a detail
/// pane, point-and-click restore, a health check, and the evidence log. It offers nothing that
/// deletes data.
class ArchivePage : public Page {
    Q_OBJECT
public:
    explicit ArchivePage(QWidget *parent = nullptr);
    ~ArchivePage() override;
    QString title() const override;
    QIcon icon() const override;
    void setWorkspace(const Workspace &workspace) override;

    models::TombstoneModel *tombstones() const { return m_model; }
    models::EvidenceModel *evidence() const { return m_evidence; }
    QTableView *table() const { return m_table; }
    QTableView *evidenceTable() const { return m_evidenceView; }
    const archive::ArchiveLocation &location() const { return m_location; }
    /// Opens the restore dialog for the selected rows (non-modal; returned for tests).
    RestoreDialog *restoreSelected();
    /// Hands the selected rows to the Batch page (restoreAsBatchRequested); false when nothing is selected.
    bool restoreSelectedAsBatch();
    /// Shows only this tombstone in the table (what a click in the evidence log does).
    void showTombstone(const QString &tombstone);
    void runHealthCheck();
    QString detailText() const;

Q_SIGNALS:
    /// "Restore as batch…": the selected items (tombstone, repo, path…) for a manifest built in memory.
    void restoreAsBatchRequested(const QList<codex::archive::ItemRow> &items);

private:
    QList<archive::ItemRow> selectedItems() const;
    void openArchive(bool create);
    void applyFilter();
    void onSelectionChanged();
    void onDetail(const QString &tombstone, const std::optional<archive::ItemDetail> &detail, const QString &error);
    void showHealth(const archive::HealthReport &report);

    Workspace m_workspace;
    archive::ArchiveLocation m_location;
    QString m_evidencePath;
    std::unique_ptr<archive::ArchiveWorker> m_worker;
    models::TombstoneModel *m_model = nullptr;
    models::EvidenceModel *m_evidence;
    models::EvidenceFilterModel *m_evidenceFilter;
    QFutureWatcher<archive::HealthReport> *m_health;

    QLabel *m_locationLabel;
    Banner *m_error;
    Banner *m_notFound;
    QTabWidget *m_tabs;
    QComboBox *m_repo;
    QLineEdit *m_path;
    QLineEdit *m_actor;
    QComboBox *m_reason;
    QComboBox *m_kind;
    QLineEdit *m_language;
    QLineEdit *m_tag;
    QCheckBox *m_fromOn;
    QDateEdit *m_from;
    QCheckBox *m_toOn;
    QDateEdit *m_to;
    QComboBox *m_legalHold;
    QComboBox *m_restored;
    QLineEdit *m_tombstone;
    QTimer *m_filterTimer;
    QTableView *m_table;
    QLabel *m_count;
    QTextBrowser *m_detail;
    QPlainTextEdit *m_preview;
    QPushButton *m_restore;
    QPushButton *m_restoreBatch;
    QLabel *m_healthLabel;
    QTableView *m_evidenceView;
    QComboBox *m_evAction;
    QLineEdit *m_evActor;
    QLineEdit *m_evTombstone;
    Banner *m_evProblems;
    QString m_detailTombstone;
};

}  // namespace codex::ui
