#pragma once

#include "archive/ArchiveWorker.h"

#include <QDialog>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace codex::ui {

/// Restores one or many items: choose a folder (or a path per item), what happens when a file
/// exists, then watch progress; the work runs on its own archive connection and thread and can
/// be cancelled between (and inside) items. Every result is shown, failures with their reason.
class RestoreDialog : public QDialog {
    Q_OBJECT
public:
    enum class Layout { RepoPaths, FlatNames };

    RestoreDialog(const archive::ArchiveLocation &location, const QList<archive::ItemRow> &items,
                  const QString &evidencePath, const QString &defaultFolder, QWidget *parent = nullptr);
    ~RestoreDialog() override;

    void setFolder(const QString &folder);
    void setLayout(Layout layout);
    void setConflictPolicy(archive::ConflictPolicy policy);
    void setActor(const QString &actor);
    /// Starts the restore (what the Restore button does).
    void start();
    void cancel();
    bool isRunning() const { return m_running; }
    int succeeded() const { return m_ok; }
    int failed() const { return m_failed; }
    QStringList messages() const;

Q_SIGNALS:
    void finished(int succeeded, int failed, bool cancelled);

private:
    void fillOutputs();
    QString outputFor(const archive::ItemRow &row) const;

    archive::ArchiveLocation m_location;
    QList<archive::ItemRow> m_items;
    QString m_evidencePath;
    std::unique_ptr<archive::ArchiveWorker> m_worker;
    QLineEdit *m_folder;
    QComboBox *m_layout;
    QComboBox *m_conflict;
    QLineEdit *m_actor;
    QTableWidget *m_table;
    QProgressBar *m_progress;
    QLabel *m_summary;
    QPushButton *m_start;
    QPushButton *m_cancel;
    bool m_running = false;
    int m_ok = 0;
    int m_failed = 0;
};

}  // namespace codex::ui
