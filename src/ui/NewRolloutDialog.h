#pragma once

#include <QDialog>
#include <QHash>

#include <functional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace codex::ui {

/// "New rollout…": a name and the checklist templates to start from (one or both seeds), each
/// with its title and item count. OK runs the create hook; an error (duplicate name, …) is shown
/// in the dialog, which stays open.
class NewRolloutDialog : public QDialog {
    Q_OBJECT
public:
    /// Creates the rollout; returns an empty string on success, else the message to show.
    using CreateHook = std::function<QString(const QString &name, const QStringList &templateIds)>;
    explicit NewRolloutDialog(QWidget *parent = nullptr);

    void setCreateHook(CreateHook hook) { m_create = std::move(hook); }
    void setName(const QString &name);
    QString name() const;
    void setTemplateChecked(const QString &id, bool checked);
    QStringList templateIds() const;
    QString errorText() const;
    QPushButton *okButton() const { return m_ok; }

    void accept() override;

private:
    void validate();

    QLineEdit *m_name;
    QHash<QString, QCheckBox *> m_templates;
    QStringList m_order;
    QLabel *m_error;
    QPushButton *m_ok;
    CreateHook m_create;
};

}  // namespace codex::ui
