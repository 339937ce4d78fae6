#include "ui/MainWindow.h"

#include "common/Log.h"
#include "ui/ArchivePage.h"
#include "ui/BatchPage.h"
#include "ui/ConfigPage.h"
#include "ui/EndpointsPage.h"
#include "ui/MonitorPage.h"
#include "ui/RolloutPage.h"

#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QToolBar>

namespace codex::ui {

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Codex Admin"));
    auto *central = new QWidget(this);
    auto *layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    m_nav = new QListWidget(central);
    m_nav->setObjectName(QStringLiteral("navigation"));
    m_nav->setIconSize(QSize(24, 24));
    m_nav->setSpacing(2);
    m_nav->setFixedWidth(160);
    m_nav->setFrameShape(QFrame::NoFrame);
    m_stack = new QStackedWidget(central);
    layout->addWidget(m_nav);
    layout->addWidget(m_stack, 1);
    setCentralWidget(central);


    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open Workspace…"), this, &MainWindow::chooseWorkspace);
    open->setShortcut(QKeySequence::Open);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Codex Admin"), this, [this] {
        QMessageBox::about(this, tr("About Codex Admin"),
                           tr("<b>Codex Admin %1</b><br/>Administration console for the codex archive and the "
                              "ccproxy Codex rollout.<br/>Log file: %2")
                               .arg(QStringLiteral(CODEXADMIN_VERSION), codex::log::filePath().toHtmlEscaped()));
    });

    m_workspaceLabel = new QLabel(this);
    m_workspaceLabel->setObjectName(QStringLiteral("workspaceLabel"));
    m_backendLabel = new QLabel(this);
    m_backendLabel->setObjectName(QStringLiteral("backendLabel"));
    m_badge = new QLabel(this);
    m_badge->hide();
    statusBar()->addWidget(m_workspaceLabel);
    statusBar()->addWidget(m_backendLabel, 1);
    statusBar()->addPermanentWidget(m_badge);

    // Only pages that work are listed.
    m_config = new ConfigPage(m_stack);
    addPage(m_config);
    m_archive = new ArchivePage(m_stack);
    addPage(m_archive);
    m_batch = new BatchPage(m_stack);
    addPage(m_batch);
    m_monitor = new MonitorPage(m_stack);
    addPage(m_monitor);
    m_endpoints = new EndpointsPage(m_stack);
    addPage(m_endpoints);
    // The Rollout page gathers the other pages' results as evidence: the Monitor's figures and charts.
    m_rollout = new RolloutPage(m_stack);
    addPage(m_rollout);
    m_rollout->setMetricSnapshotProvider([this] { return std::pair{m_monitor->metricSnapshot(), m_monitor->chartsPng()}; });
    connect(m_rollout, &RolloutPage::attentionChanged, this, [this](int blocked, int changedSignOffs) {
        QListWidgetItem *item = m_nav->item(pageIndex(m_rollout));
        if (!item)
            return;
        const int n = blocked + changedSignOffs;
        item->setText(n > 0 ? tr("%1 (%2)").arg(m_rollout->title()).arg(n) : m_rollout->title());
        QStringList why;
        if (blocked > 0)
            why << tr("%n blocked item(s)", nullptr, blocked);
        if (changedSignOffs > 0)
            why << tr("%n sign-off(s) changed or tampered", nullptr, changedSignOffs);
        item->setToolTip(why.join(QLatin1Char('\n')));
        item->setForeground(n > 0 ? QBrush(QColor(190, 30, 30)) : QBrush());
    });
    connect(m_archive, &ArchivePage::restoreAsBatchRequested, this, [this](const QList<archive::ItemRow> &rows) {
        QList<BatchPage::SelectedItem> items;
        items.reserve(rows.size());
        for (const archive::ItemRow &r : rows)
            items.append({r.tombstoneId, r.repo, r.path});
        showPage(int(m_pages.indexOf(m_batch)));
        m_batch->buildFromSelection(items);
    });
    connect(m_nav, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);
    m_nav->setCurrentRow(0);
    resize(1280, 800);
}

void MainWindow::addPage(Page *page)
{
    m_pages.append(page);
    m_stack->addWidget(page);
    auto *item = new QListWidgetItem(page->icon(), page->title(), m_nav);
    item->setSizeHint(QSize(0, 36));
    connect(page, &Page::statusChanged, m_backendLabel, &QLabel::setText);
}

void MainWindow::showPage(int index)
{
    m_nav->setCurrentRow(index);
}

void MainWindow::setBadge(const QString &text)
{
    m_badge->setText(text);
    m_badge->setObjectName(QStringLiteral("badgeLabel"));
    // A badge (e.g. DEMO) must be impossible to miss.
    m_badge->setStyleSheet(QStringLiteral("QLabel { background: #ffb300; color: #1a1a1a; font-weight: bold; "
                                          "padding: 2px 10px; border-radius: 3px; }"));
    m_badge->setVisible(!text.isEmpty());
}

void MainWindow::addDemoControls(QWidget *controls)
{
    // A toolbar of its own at the bottom: the status bar is too narrow for the controls.
    auto *bar = new QToolBar(tr("Demo simulator"), this);
    bar->setObjectName(QStringLiteral("demoToolBar"));
    bar->setMovable(false);
    bar->addWidget(controls);
    addToolBar(Qt::BottomToolBarArea, bar);
}

void MainWindow::openWorkspace(const QString &folder)
{
    m_workspace = Workspace(folder);
    QSettings().setValue(QStringLiteral("workspace/last"), m_workspace.root());
    m_workspaceLabel->setText(tr("Workspace: %1").arg(m_workspace.root()));
    setWindowTitle(tr("Codex Admin — %1").arg(m_workspace.root()));
    codex::log::info(QStringLiteral("opened workspace %1").arg(m_workspace.root()));
    for (Page *p : m_pages)
        p->setWorkspace(m_workspace);
}

bool MainWindow::confirmStopBatch()
{
    if (!m_batch->isRunning())
        return true;
    showPage(int(m_pages.indexOf(m_batch)));
    QMessageBox box(QMessageBox::Question, tr("A batch is running"),
                    tr("A batch restore is still running. Cancel it? Items being restored are finished or rolled back, "
                       "nothing is left half-written, and the run can be resumed from its journal later."),
                    QMessageBox::NoButton, this);
    QPushButton *stop = box.addButton(tr("Cancel the batch"), QMessageBox::DestructiveRole);
    QPushButton *keep = box.addButton(tr("Keep working"), QMessageBox::RejectRole);
    box.setDefaultButton(keep);
    box.exec();
    if (box.clickedButton() != stop)
        return false;
    if (!m_batch->cancelAndWait()) {
        QMessageBox::warning(this, tr("A batch is running"), tr("The batch has not stopped yet; try again in a moment."));
        return false;
    }
    return true;
}

bool MainWindow::confirmDiscard()
{
    if (!confirmStopBatch())
        return false;
    for (Page *p : m_pages)
        if (p->hasUnsavedChanges())
            return QMessageBox::question(this, tr("Unsaved changes"),
                                         tr("%1 has unsaved changes. Discard them?").arg(p->title()))
                   == QMessageBox::Yes;
    return true;
}

void MainWindow::chooseWorkspace()
{
    if (!confirmDiscard())
        return;
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a workspace (a folder holding .codex/)"),
                                                          m_workspace.root());
    if (!dir.isEmpty())
        openWorkspace(dir);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (confirmDiscard())
        event->accept();
    else
        event->ignore();
}

}  // namespace codex::ui
