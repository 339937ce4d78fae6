#pragma once

#include "common/Workspace.h"

#include <QIcon>
#include <QWidget>

namespace codex::ui {

/// One page of the main window's navigation (Config, Archive, …).
class Page : public QWidget {
    Q_OBJECT
public:
    using QWidget::QWidget;
    virtual QString title() const = 0;
    virtual QIcon icon() const = 0;
    /// Opens the page on a workspace; called at start and when the admin switches workspace.
    virtual void setWorkspace(const Workspace &workspace) = 0;
    /// Whether the page holds edits that would be lost by switching workspace or quitting.
    virtual bool hasUnsavedChanges() const { return false; }

Q_SIGNALS:
    /// Text for the status bar (e.g. the effective archive backend).
    void statusChanged(const QString &text);
};

}  // namespace codex::ui
