#pragma once

#include "rollout/ReportBuilder.h"

#include <QImage>
#include <QPageSize>
#include <QString>
#include <memory>

class QPainter;

namespace codex::models {

/// Lays a rollout report out in pages (QTextDocument from ReportBuilder's HTML, charts added as
/// document resources) and paints them: page 1 is the title page; every other page has a header
/// (report title, rollout name) and a footer ("Page n of N", generation time). The same layout
/// feeds the PDF (QPdfWriter) and the preview images, so what the admin previews is what is
/// written. Needs a QGuiApplication (fonts); the CLI starts one on the offscreen platform.
class ReportPdfWriter {
public:
    explicit ReportPdfWriter(const rollout::ReportBuilder &builder, const QPageSize &pageSize = QPageSize(QPageSize::A4));
    ~ReportPdfWriter();
    ReportPdfWriter(const ReportPdfWriter &) = delete;
    ReportPdfWriter &operator=(const ReportPdfWriter &) = delete;

    int pageCount();
    /// Page `index` (0-based) as an image `widthPx` wide (for the export dialog's preview).
    QImage renderPage(int index, int widthPx);
    /// The PDF bytes (title, author and creator set in the document info).
    QByteArray toPdf(QString *error = nullptr);
    /// toPdf() then writeReportFile().
    bool write(const QString &path, bool overwrite, QString *error);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::models
