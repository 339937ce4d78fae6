#pragma once

#include "rollout/ReportBuilder.h"
#include "rollout/RolloutStore.h"

#include <QDialog>
#include <QFutureWatcher>
#include <QImage>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace codex::ui {

/// "Export report…": the format (PDF, HTML, Markdown, JSON), the file (default
/// `<ws>/.codex/reports/rollout-<name>-YYYYMMDD-HHMMSS.<ext>`), a preview of the PDF pages
/// (rendered off the GUI thread by models::ReportPdfWriter), and Export, which refuses to replace
/// a file unless confirmed. Errors (an unwritable place names the path) stay in the dialog.
class ReportExportDialog : public QDialog {
    Q_OBJECT
public:
    ReportExportDialog(const rollout::Rollout &rollout, const QList<rollout::SignOffCheck> &checks,
                       const QString &workspaceRoot, const rollout::ReportBuilder::Options &options,
                       QWidget *parent = nullptr);
    ~ReportExportDialog() override;

    static QString defaultPath(const QString &workspaceRoot, const QString &rolloutName, rollout::ReportFormat format,
                               const QDateTime &at = QDateTime::currentDateTime());

    void setFormat(rollout::ReportFormat format);
    rollout::ReportFormat format() const;
    void setPath(const QString &path);
    QString path() const;

    /// Writes the report to path() in format(); `overwrite` replaces an existing file.
    bool exportReport(bool overwrite, QString *error = nullptr);
    QString resultPath() const { return m_resultPath; }
    QString errorText() const;
    /// Preview: pages rendered so far (0 while rendering), and whether rendering finished.
    int previewPageCount() const;
    int reportPageCount() const { return m_pageCount; }
    bool previewReady() const { return m_previewDone; }
    QListWidget *previewList() const { return m_preview; }

Q_SIGNALS:
    void previewFinished(int pages);
    void exported(const QString &path);

private:
    struct Preview {
        int pageCount = 0;
        QList<QImage> pages;
        QString error;
    };
    void startPreview();
    void onPreview();
    void onExportClicked();
    void browse();
    rollout::ReportBuilder builder() const;

    rollout::Rollout m_rollout;
    QList<rollout::SignOffCheck> m_checks;
    QString m_root;
    rollout::ReportBuilder::Options m_options;  ///< generated at/by and the history, fixed when the dialog opens
    QComboBox *m_format;
    QLineEdit *m_path;
    QListWidget *m_preview;
    QLabel *m_previewLabel;
    QLabel *m_result;
    QPushButton *m_export;
    QFutureWatcher<Preview> m_watcher;
    QString m_resultPath;
    int m_pageCount = 0;
    bool m_previewDone = false;
};

}  // namespace codex::ui
