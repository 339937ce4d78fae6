#pragma once

#include "common/Workspace.h"

#include <QMainWindow>

class QLabel;
class QListWidget;
class QStackedWidget;

namespace codex::ui {

class Page;
class ConfigPage;
class ArchivePage;
class BatchPage;
class EndpointsPage;
class MonitorPage;
class RolloutPage;

/// The main window: a navigation list of the pages that work, the page, and a status bar with
/// the workspace and the effective archive backend. It only hosts pages.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);

    void openWorkspace(const QString &folder);
    const Workspace &workspace() const { return m_workspace; }
    ConfigPage *configPage() const { return m_config; }
    ArchivePage *archivePage() const { return m_archive; }
    BatchPage *batchPage() const { return m_batch; }
    EndpointsPage *endpointsPage() const { return m_endpoints; }
    MonitorPage *monitorPage() const { return m_monitor; }
    RolloutPage *rolloutPage() const { return m_rollout; }
    /// Index of a page in the navigation (-1 when absent).
    int pageIndex(Page *page) const { return int(m_pages.indexOf(page)); }
    QListWidget *navigation() const { return m_nav; }
    void showPage(int index);

    /// Set by --demo etc.: a label in the status bar.
    void setBadge(const QString &text);
    /// Demo mode: the simulator's controls, in the status bar next to the badge.
    void addDemoControls(QWidget *controls);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void addPage(Page *page);
    void chooseWorkspace();
    bool confirmDiscard();
    /// A batch still running: ask whether to cancel it (and wait until it has stopped) or keep working.
    bool confirmStopBatch();

    Workspace m_workspace;
    QListWidget *m_nav;
    QStackedWidget *m_stack;
    QList<Page *> m_pages;
    ConfigPage *m_config;
    ArchivePage *m_archive;
    BatchPage *m_batch;
    EndpointsPage *m_endpoints;
    MonitorPage *m_monitor;
    RolloutPage *m_rollout;
    QLabel *m_workspaceLabel;
    QLabel *m_backendLabel;
    QLabel *m_badge;
};

}  // namespace codex::ui
