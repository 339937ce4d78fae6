#pragma once

#include <QDialog>

#include <functional>

class QBoxLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace codex::ui {

/// The foot of a rollout dialog whose OK runs a hook (this one and NewRolloutDialog): a hidden
/// red error label ("errorLabel") and OK (titled `okText`, running the dialog's accept()) / Cancel.
struct HookDialogFoot {
    QLabel *error;
    QPushButton *ok;
};
HookDialogFoot addHookDialogFoot(QDialog *dialog, QBoxLayout *layout, const QString &okText);
/// Shows a hook's error in the dialog, which stays open; true when there is none.
bool hookSucceeded(QLabel *errorLabel, const QString &error);

/// "Sign…" for one role: the signer's name (prefilled from "Me"), a comment, and the SHA-256 of
/// the report content the sign-off will seal. OK runs the sign hook; an error stays in the dialog.
class SignOffDialog : public QDialog {
    Q_OBJECT
public:
    /// Signs; returns an empty string on success, else the message to show.
    using SignHook = std::function<QString(const QString &name, const QString &comment)>;
    SignOffDialog(const QString &role, const QString &name, const QString &contentSha256, QWidget *parent = nullptr);

    void setSignHook(SignHook hook) { m_sign = std::move(hook); }
    QString role() const { return m_role; }
    QString contentSha256() const { return m_contentSha256; }  ///< the hash shown: what OK seals
    void setName(const QString &name);
    QString name() const;
    void setComment(const QString &comment);
    QString comment() const;
    QString errorText() const;
    QPushButton *okButton() const { return m_ok; }

    void accept() override;

private:
    QString m_role;
    QString m_contentSha256;
    QLineEdit *m_name;
    QPlainTextEdit *m_comment;
    QLabel *m_error;
    QPushButton *m_ok;
    SignHook m_sign;
};

}  // namespace codex::ui
