#include "ui/Banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace codex::ui {

Banner::Banner(Kind kind, QWidget *parent) : QFrame(parent), m_kind(kind)
{
    setFrameShape(QFrame::StyledPanel);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(10, 6, 6, 6);
    m_label = new QLabel(this);
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_label->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    layout->addWidget(m_label, 1);
    m_actions = new QHBoxLayout;
    layout->addLayout(m_actions);
    setKind(kind);
    hide();
}

void Banner::setKind(Kind kind)
{
    m_kind = kind;
    // Fixed tints read well on both light and dark palettes because the text colour is set too.
    const char *style = nullptr;
    switch (kind) {
    case Kind::Info: style = "codex--ui--Banner { background: #e3f2fd; border: 1px solid #90caf9; border-radius: 4px; } QLabel { color: #0d3c61; }"; break;
    case Kind::Warning: style = "codex--ui--Banner { background: #fff4e5; border: 1px solid #ffb74d; border-radius: 4px; } QLabel { color: #663c00; }"; break;
    case Kind::Error: style = "codex--ui--Banner { background: #fdecea; border: 1px solid #e57373; border-radius: 4px; } QLabel { color: #611a15; }"; break;
    }
    setStyleSheet(QString::fromLatin1(style));
}

void Banner::showMessage(const QString &text)
{
    m_label->setText(text);
    setVisible(!text.isEmpty());
}

QString Banner::text() const
{
    return isVisible() ? m_label->text() : QString();
}

QPushButton *Banner::addAction(const QString &text)
{
    auto *b = new QPushButton(text, this);
    m_actions->addWidget(b);
    return b;
}

void Banner::clearActions()
{
    while (QLayoutItem *item = m_actions->takeAt(0)) {
        delete item->widget();
        delete item;
    }
}

}  // namespace codex::ui
