#pragma once

#include <QDialog>

class QCheckBox;
class QLabel;
class QPlainTextEdit;

namespace codex::ui {

/// "Review and save": the unified diff of the pending edits, the checks that will run, and a
/// choice to overwrite when the file changed on disk meanwhile.
class DiffDialog : public QDialog {
    Q_OBJECT
public:
    DiffDialog(const QString &fileName, const QString &diff, const QStringList &warnings, bool changedOnDisk,
               QWidget *parent = nullptr);
    bool overwriteExternalChange() const;

private:
    QCheckBox *m_overwrite = nullptr;
};

}  // namespace codex::ui
