#include "ui/NewRolloutDialog.h"

#include "rollout/RolloutTypes.h"
#include "ui/SignOffDialog.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace codex::ui {

NewRolloutDialog::NewRolloutDialog(QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("newRolloutDialog"));
    setWindowTitle(tr("New rollout"));
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("rolloutName"));
    m_name->setPlaceholderText(tr("e.g. Codex parity 2026-11"));
    m_name->setMaxLength(200);
    form->addRow(tr("&Name:"), m_name);
    auto *box = new QVBoxLayout;
    for (const rollout::ChecklistTemplate &t : rollout::ChecklistTemplate::builtIn()) {
        auto *check = new QCheckBox(tr("%1 (%n item(s))", nullptr, int(t.items.size())).arg(t.title), this);
        check->setObjectName(QStringLiteral("template-") + t.id);
        check->setToolTip(tr("Template “%1” from seed %2").arg(t.id, t.seed));
        check->setChecked(m_order.isEmpty());
        m_templates.insert(t.id, check);
        m_order << t.id;
        box->addWidget(check);
        connect(check, &QCheckBox::toggled, this, &NewRolloutDialog::validate);
    }
    if (m_order.isEmpty())
        box->addWidget(new QLabel(tr("No checklist templates are built in."), this));
    form->addRow(tr("Checklists:"), box);
    layout->addLayout(form);
    const HookDialogFoot foot = addHookDialogFoot(this, layout, tr("Create"));
    m_error = foot.error;
    m_ok = foot.ok;
    connect(m_name, &QLineEdit::textChanged, this, &NewRolloutDialog::validate);
    validate();
    resize(560, sizeHint().height());
}

void NewRolloutDialog::setName(const QString &name)
{
    m_name->setText(name);
}

QString NewRolloutDialog::name() const
{
    return m_name->text().trimmed();
}

void NewRolloutDialog::setTemplateChecked(const QString &id, bool checked)
{
    if (QCheckBox *c = m_templates.value(id))
        c->setChecked(checked);
}

QStringList NewRolloutDialog::templateIds() const
{
    QStringList ids;
    for (const QString &id : m_order)
        if (m_templates.value(id)->isChecked())
            ids << id;
    return ids;
}

QString NewRolloutDialog::errorText() const
{
    return m_error->isVisible() || !m_error->text().isEmpty() ? m_error->text() : QString();
}

void NewRolloutDialog::validate()
{
    m_ok->setEnabled(!name().isEmpty() && !templateIds().isEmpty());
    m_error->clear();
    m_error->hide();
}

void NewRolloutDialog::accept()
{
    if (name().isEmpty() || templateIds().isEmpty())
        return;
    if (m_create) {
        if (!hookSucceeded(m_error, m_create(name(), templateIds())))
            return;
    }
    QDialog::accept();
}

}  // namespace codex::ui
