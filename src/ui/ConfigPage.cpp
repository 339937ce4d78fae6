#include "ui/ConfigPage.h"

#include "common/Url.h"
#include "ui/ConfigPanel.h"

#include <QStyle>
#include <QTabWidget>
#include <QVBoxLayout>

namespace codex::ui {

ConfigPage::ConfigPage(QWidget *parent) : Page(parent)
{
    setObjectName(QStringLiteral("configPage"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("configTabs"));
    m_archive = new ConfigPanel(ConfigPanel::Family::Archive, m_tabs);
    m_ccproxy = new ConfigPanel(ConfigPanel::Family::Ccproxy, m_tabs);
    m_tabs->addTab(m_archive, tr("Archive — archive.toml"));
    m_tabs->addTab(m_ccproxy, tr("ccproxy — Codex settings"));
    layout->addWidget(m_tabs);
    connect(m_archive, &ConfigPanel::resolvedChanged, this, &ConfigPage::updateStatus);
}

QString ConfigPage::title() const
{
    return tr("Config");
}

QIcon ConfigPage::icon() const
{
    return style()->standardIcon(QStyle::SP_FileDialogDetailedView);
}

void ConfigPage::setWorkspace(const Workspace &workspace)
{
    m_archive->setWorkspace(workspace);
    m_ccproxy->setWorkspace(workspace);
}

bool ConfigPage::hasUnsavedChanges() const
{
    return m_archive->hasUnsavedChanges() || m_ccproxy->hasUnsavedChanges();
}

void ConfigPage::updateStatus()
{
    // The status bar shows the archive backend in force, with credentials masked.
    const config::ResolvedConfig &rc = m_archive->editor()->resolved();
    const bool a = rc.profile && rc.profile->kind == config::ProfileKind::ArchiveA;
    const QString backend = rc.value(a ? QStringLiteral("backend.type") : QStringLiteral("backend.backend")).toString();
    const QString url = redactUrl(rc.value(QStringLiteral("backend.url")).toString());
    Q_EMIT statusChanged(tr("Archive: %1 · %2 · profile %3%4")
                             .arg(backend, url, rc.profile ? rc.profile->id : QString(),
                                  rc.hasErrors() ? tr(" · configuration invalid") : QString()));
}

}  // namespace codex::ui
