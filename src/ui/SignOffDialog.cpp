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

SignOffDialog::SignOffDialog(const QString &role, const QString &name, const QString &contentSha256, QWidget *parent)
    : QDialog(parent), m_role(role)
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
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("errorLabel"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b71c1c;"));
    m_error->hide();
    layout->addWidget(m_error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(tr("Sign"));
    connect(buttons, &QDialogButtonBox::accepted, this, &SignOffDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
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
        const QString error = m_sign(name(), comment());
        if (!error.isEmpty()) {
            m_error->setText(error);
            m_error->show();
            return;
        }
    }
    QDialog::accept();
}

}  // namespace codex::ui
