#pragma once

#include "common/Workspace.h"
#include "config/ConfigEditor.h"

#include <QWidget>

class QAction;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QStackedWidget;
class QTableView;
class QTextBrowser;
class QToolButton;

namespace codex::models {
class ConfigKeyModel;
class EnvironmentModel;
}  // namespace codex::models

namespace codex::ui {

class Banner;

/// One configuration edited visually: the profile (precedence) selector, a typed form per
/// section with each value's layer and origin, the precedence chain of the selected key, and
/// the what-if environment. Used twice by the Config page (archive, ccproxy).
class ConfigPanel : public QWidget {
    Q_OBJECT
public:
    enum class Family { Archive, Ccproxy };
    explicit ConfigPanel(Family family, QWidget *parent = nullptr);
    ~ConfigPanel() override;

    void setWorkspace(const Workspace &workspace);
    config::ConfigEditor *editor() const { return m_editor; }
    models::ConfigKeyModel *keyModel() const { return m_keys; }
    models::EnvironmentModel *environmentModel() const { return m_env; }
    /// Selects a profile by id ("a", "b", "ccproxy", "ccproxy-current") and reopens.
    void setProfile(const QString &id);
    /// Shows the chain of this key in the side pane.
    void selectKey(const QString &key);
    /// Applies a preset of the schema to the what-if environment (or, with toFile, the file).
    void applyPreset(const QString &presetId, bool toFile);

    /// Opens the diff review; saves when accepted. Returns whether the file was saved.
    bool reviewAndSave();
    bool hasUnsavedChanges() const;

Q_SIGNALS:
    /// The effective configuration changed (edits, what-if environment, profile).
    void resolvedChanged();

private:
    struct Row;
    void onResolved();
    void onDocumentChanged();
    void buildForm(const config::ConfigSchema &schema);
    void refreshForm();
    void refreshBanners();
    void refreshChain();
    void refreshMalformedView();
    void commitEditor(int row, const QVariant &value);
    void showEditError(const QString &message);
    void reopen();
    void addVariable();
    void loadDotEnv();
    bool eventFilter(QObject *watched, QEvent *event) override;

    Family m_family;
    Workspace m_workspace;
    config::ConfigEditor *m_editor;
    models::ConfigKeyModel *m_keys;
    models::EnvironmentModel *m_env;

    QComboBox *m_profileCombo;
    QLabel *m_fileLabel;
    QLabel *m_orderLabel;
    QToolButton *m_undo;
    QToolButton *m_redo;
    QToolButton *m_reveal;
    QToolButton *m_save;
    Banner *m_errorBanner;
    Banner *m_warningBanner;
    Banner *m_infoBanner;
    Banner *m_diskBanner;
    QStackedWidget *m_stack;
    QWidget *m_formHost;
    QPlainTextEdit *m_malformedView;
    QLabel *m_malformedLabel;
    QTextBrowser *m_chain;
    QLabel *m_chainTitle;
    QTableView *m_envView;
    QToolButton *m_presets;
    QList<Row *> m_rows;
    const config::ConfigSchema *m_schema = nullptr;
    QString m_selectedKey;
    QString m_editError;
    bool m_refreshing = false;
    bool m_reopening = false;
};

}  // namespace codex::ui
