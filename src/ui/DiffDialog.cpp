#include "ui/DiffDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTextBlock>
#include <QVBoxLayout>

namespace codex::ui {

QPlainTextEdit *DiffDialog::makeDiffView(const QString &diff, const QString &emptyText, QWidget *parent)
{
    auto *view = new QPlainTextEdit(parent);
    view->setReadOnly(true);
    view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    view->setLineWrapMode(QPlainTextEdit::NoWrap);
    view->setPlainText(diff.isEmpty() ? emptyText : diff);
    QList<QTextEdit::ExtraSelection> marks;
    for (QTextBlock b = view->document()->begin(); b.isValid(); b = b.next()) {
        const QString t = b.text();
        QColor bg;
        if (t.startsWith(QLatin1String("+++")) || t.startsWith(QLatin1String("---")))
            continue;
        if (t.startsWith(QLatin1Char('+')))
            bg = QColor(0xe6, 0xff, 0xec);
        else if (t.startsWith(QLatin1Char('-')))
            bg = QColor(0xff, 0xeb, 0xe9);
        else if (t.startsWith(QLatin1String("@@")))
            bg = QColor(0xdd, 0xf4, 0xff);
        else
            continue;
        QTextEdit::ExtraSelection sel;
        sel.cursor = QTextCursor(b);
        sel.format.setBackground(bg);
        sel.format.setForeground(QColor(0x24, 0x29, 0x2f));
        sel.format.setProperty(QTextFormat::FullWidthSelection, true);
        marks.append(sel);
    }
    view->setExtraSelections(marks);
    return view;
}

DiffDialog::DiffDialog(const QString &fileName, const QString &diff, const QStringList &warnings, bool changedOnDisk,
                       QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("diffDialog"));
    setWindowTitle(tr("Review changes to %1").arg(fileName));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Only the lines below change; everything else in %1 stays byte for byte. "
                                "The previous file is kept as a timestamped backup.")
                                 .arg(fileName),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *view = makeDiffView(diff, tr("(no changes)"), this);
    view->setObjectName(QStringLiteral("diffView"));
    layout->addWidget(view, 1);

    for (const QString &w : warnings) {
        auto *l = new QLabel(QStringLiteral("⚠ ") + w, this);
        l->setWordWrap(true);
        layout->addWidget(l);
    }
    if (changedOnDisk) {
        m_overwrite = new QCheckBox(tr("%1 was changed on disk since it was opened. Overwrite those changes.").arg(fileName), this);
        m_overwrite->setObjectName(QStringLiteral("overwriteCheck"));
        layout->addWidget(m_overwrite);
    }
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Save)->setEnabled(!diff.isEmpty());
    if (m_overwrite) {
        buttons->button(QDialogButtonBox::Save)->setEnabled(false);
        connect(m_overwrite, &QCheckBox::toggled, buttons->button(QDialogButtonBox::Save), &QPushButton::setEnabled);
    }
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(760, 480);
}

bool DiffDialog::overwriteExternalChange() const
{
    return m_overwrite && m_overwrite->isChecked();
}

}  // namespace codex::ui
