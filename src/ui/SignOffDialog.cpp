#include "ui/SignOffDialog.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace codex::ui {

HookDialogFoot addHookDialogFoot(QDialog *dialog, QBoxLayout *layout, const QString &okText)
{
    auto *error = new QLabel(dialog);
    error->setObjectName(QStringLiteral("errorLabel"));
    error->setWordWrap(true);
    error->setStyleSheet(QStringLiteral("color: #b71c1c;"));
    error->hide();
    layout->addWidget(error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    QPushButton *ok = buttons->button(QDialogButtonBox::Ok);
    ok->setText(okText);
    QObject::connect(buttons, &QDialogButtonBox::accepted, dialog, &QDialog::accept);  // virtual: the dialog's own accept()
    QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    layout->addWidget(buttons);
    return {error, ok};
}

bool hookSucceeded(QLabel *errorLabel, const QString &error)
{
    if (error.isEmpty())
        return true;
    errorLabel->setText(error);
    errorLabel->show();
    return false;
}

SignOffDialog::SignOffDialog(const QString &role, const QString &name, const QString &contentSha256, QWidget *parent)
    : QDialog(parent), m_role(role), m_contentSha256(contentSha256)
{
    setObjectName(QStringLiteral("signOffDialog"));
    setWindowTitle(tr("Sign off as %1").arg(role));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Your sign-off seals the report content as it is now. A later change to the "
                                "checklist, the evidence or the criteria shows as “changed after sign-off”."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *form = new QFormLayout;
    auto *roleLabel = new QLabel(QStringLiteral("<b>%1</b>").arg(role.toHtmlEscaped()), this);
    form->addRow(tr("Role:"), roleLabel);
    m_name = new QLineEdit(name, this);
    m_name->setObjectName(QStringLiteral("signerName"));
    form->addRow(tr("&Name:"), m_name);
    m_comment = new QPlainTextEdit(this);
    m_comment->setObjectName(QStringLiteral("signComment"));
    m_comment->setPlaceholderText(tr("Optional comment"));
    m_comment->setMaximumHeight(90);
    form->addRow(tr("&Comment:"), m_comment);
    auto *sha = new QLabel(contentSha256.isEmpty() ? tr("(computed when signing)") : contentSha256, this);
    sha->setObjectName(QStringLiteral("contentSha"));
    sha->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    sha->setTextInteractionFlags(Qt::TextSelectableByMouse);
    sha->setWordWrap(true);
    form->addRow(tr("Seals SHA-256:"), sha);
    layout->addLayout(form);
    const HookDialogFoot foot = addHookDialogFoot(this, layout, tr("Sign"));
    m_error = foot.error;
    m_ok = foot.ok;
    connect(m_name, &QLineEdit::textChanged, this, [this] { m_ok->setEnabled(!this->name().isEmpty()); });
    m_ok->setEnabled(!this->name().isEmpty());
    resize(620, sizeHint().height());
}

void SignOffDialog::setName(const QString &name)
{
    m_name->setText(name);
}

QString SignOffDialog::name() const
{
    return m_name->text().trimmed();
}

void SignOffDialog::setComment(const QString &comment)
{
    m_comment->setPlainText(comment);
}

QString SignOffDialog::comment() const
{
    return m_comment->toPlainText().trimmed();
}

QString SignOffDialog::errorText() const
{
    return m_error->text();
}

void SignOffDialog::accept()
{
    if (name().isEmpty())
        return;
    if (m_sign) {
        if (!hookSucceeded(m_error, m_sign(name(), comment())))
            return;
    }
    QDialog::accept();
}

}  // namespace codex::ui
