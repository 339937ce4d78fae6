#pragma once

#include "ui/Page.h"

class QTabWidget;

namespace codex::ui {

class ConfigPanel;

/// Page 1: the archive's archive.toml and ccproxy's Codex settings, each in a ConfigPanel.
class ConfigPage : public Page {
    Q_OBJECT
public:
    explicit ConfigPage(QWidget *parent = nullptr);
    QString title() const override;
    QIcon icon() const override;
    void setWorkspace(const Workspace &workspace) override;
    bool hasUnsavedChanges() const override;

    ConfigPanel *archivePanel() const { return m_archive; }
    ConfigPanel *ccproxyPanel() const { return m_ccproxy; }
    QTabWidget *tabs() const { return m_tabs; }

private:
    void updateStatus();
    QTabWidget *m_tabs;
    ConfigPanel *m_archive;
    ConfigPanel *m_ccproxy;
};

}  // namespace codex::ui
