#pragma once

#include <QFrame>

class QLabel;
class QHBoxLayout;
class QPushButton;

namespace codex::ui {

/// An inline message strip (error, warning, information) with optional action buttons, used
/// instead of modal boxes so the admin keeps working and tests can read it.
class Banner : public QFrame {
    Q_OBJECT
public:
    enum class Kind { Info, Warning, Error };
    explicit Banner(Kind kind, QWidget *parent = nullptr);

    void setKind(Kind kind);
    /// Shows the text (rich text allowed); an empty text hides the banner.
    void showMessage(const QString &text);
    QString text() const;
    QPushButton *addAction(const QString &text);
    void clearActions();

private:
    Kind m_kind;
    QLabel *m_label;
    QHBoxLayout *m_actions;
};

}  // namespace codex::ui
