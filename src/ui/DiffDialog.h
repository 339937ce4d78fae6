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
    /// A read-only, monospaced view of a unified diff coloured like a code review tool
    /// (added, removed, hunk headers); `emptyText` when there is no diff.
    static QPlainTextEdit *makeDiffView(const QString &diff, const QString &emptyText, QWidget *parent);

private:
    QCheckBox *m_overwrite = nullptr;
};

}  // namespace codex::ui
