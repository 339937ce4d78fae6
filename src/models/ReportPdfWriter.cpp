#include "models/ReportPdfWriter.h"

#include <QAbstractTextDocumentLayout>
#include <QBuffer>
#include <QFileInfo>
#include <QFont>
#include <QFontMetricsF>
#include <QPainter>
#include <QPdfWriter>
#include <QTextDocument>
#include <QTextOption>
#include <QUrl>

#include <cmath>

// Layout: everything is laid out and painted in "layout pixels" of a fixed 96 dpi (a QImage
// with that resolution is the documents' paint device, so font sizes in pt come out right and
// page breaks do not depend on the screen). The PDF is written at the same resolution, so one
// layout pixel is one PDF device unit; the preview scales the painter.
//
// Page (A4 at 96 dpi ≈ 794 × 1123): 15 mm side margins, a 12 mm top margin with a header band
// (report title left, rollout name right, a rule), the text, a footer band (a rule, "Generated
// … · sha256 …" left, "Page n of N" right) and a 12 mm bottom margin. Page 1 is the title page
// (ReportBuilder::titlePageHtml(), its own document); the body (toHtml(Resource), charts added as
// image resources) follows from page 2.

namespace codex::models {

namespace {
constexpr double kDpi = 96.0;
constexpr double kMm = kDpi / 25.4;
constexpr double kSide = 15 * kMm;
constexpr double kTopBottom = 12 * kMm;
constexpr double kHeaderBand = 9 * kMm;
constexpr double kFooterBand = 9 * kMm;
}  // namespace

struct ReportPdfWriter::Private {
    const rollout::ReportBuilder &builder;
    QPageSize pageSize;
    QSizeF page;        // layout pixels
    QRectF content;     // the text area on a page
    QImage device;      // 96-dpi paint device for the layouts
    std::unique_ptr<QTextDocument> titleDoc;
    std::unique_ptr<QTextDocument> body;
    int bodyPages = 0;
    bool laidOut = false;
    QString footerLeft;

    Private(const rollout::ReportBuilder &b, const QPageSize &ps) : builder(b), pageSize(ps)
    {
        const QSizeF pt = pageSize.sizePoints();
        page = QSizeF(pt.width() * kDpi / 72.0, pt.height() * kDpi / 72.0);
        content = QRectF(kSide, kTopBottom + kHeaderBand, page.width() - 2 * kSide,
                         page.height() - 2 * kTopBottom - kHeaderBand - kFooterBand);
        device = QImage(1, 1, QImage::Format_RGB32);
        const int dpm = int(std::lround(kDpi / 0.0254));
        device.setDotsPerMeterX(dpm);
        device.setDotsPerMeterY(dpm);
        footerLeft = QStringLiteral("Generated %1 · sha256 %2")
                         .arg(b.generatedAt().toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")) + QStringLiteral(" UTC"),
                              b.contentSha256().left(12));
    }

    std::unique_ptr<QTextDocument> makeDoc(const QByteArray &html, bool withImages)
    {
        auto doc = std::make_unique<QTextDocument>();
        doc->documentLayout()->setPaintDevice(&device);
        doc->setDocumentMargin(0);
        QFont f(QStringLiteral("DejaVu Sans"));
        f.setPointSizeF(10);
        doc->setDefaultFont(f);
        QTextOption opt = doc->defaultTextOption();
        opt.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
        doc->setDefaultTextOption(opt);
        doc->setPageSize(content.size());
        if (withImages) {
            for (const rollout::ReportImage &img : builder.images()) {
                QImage image;
                if (!image.loadFromData(img.png, "PNG")) {
                    image = QImage(680, 40, QImage::Format_RGB32);
                    image.fill(Qt::white);
                }
                doc->addResource(QTextDocument::ImageResource, QUrl(img.id), image);
            }
        }
        doc->setHtml(QString::fromUtf8(html));
        return doc;
    }

    void layout()
    {
        if (laidOut)
            return;
        titleDoc = makeDoc(builder.titlePageHtml(), false);
        body = makeDoc(builder.toHtml(rollout::ReportBuilder::ImageMode::Resource), true);
        bodyPages = std::max(1, body->pageCount());
        laidOut = true;
    }

    int pages()
    {
        layout();
        return 1 + bodyPages;
    }

    /// Paints page `index` in layout pixels (the painter maps them to the device).
    void paintPage(QPainter &p, int index)
    {
        layout();
        const int total = 1 + bodyPages;
        QFont small(QStringLiteral("DejaVu Sans"));
        small.setPixelSize(10);
        p.save();
        p.setFont(small);
        p.setPen(QColor(0x40, 0x40, 0x40));
        const QFontMetricsF fm(small, &device);

        // Header (body pages)
        if (index > 0) {
            const double y = kTopBottom;
            const double w = content.width();
            const QString right = fm.elidedText(builder.rollout().name, Qt::ElideRight, w * 0.45);
            const double rightW = fm.horizontalAdvance(right);
            const QString left = fm.elidedText(builder.title(), Qt::ElideRight, w - rightW - 16);
            const QRectF band(content.left(), y, w, kHeaderBand - 3 * kMm);
            p.drawText(band, Qt::AlignLeft | Qt::AlignVCenter, left);
            p.drawText(band, Qt::AlignRight | Qt::AlignVCenter, right);
            p.setPen(QPen(QColor(0x12, 0x35, 0x5b), 0.8));
            p.drawLine(QPointF(content.left(), band.bottom() + 1), QPointF(content.right(), band.bottom() + 1));
            p.setPen(QColor(0x40, 0x40, 0x40));
        }

        // Footer (every page)
        {
            const double y = content.bottom() + 3 * kMm;
            p.setPen(QPen(QColor(0x9a, 0xa4, 0xae), 0.6));
            p.drawLine(QPointF(content.left(), y), QPointF(content.right(), y));
            p.setPen(QColor(0x40, 0x40, 0x40));
            const QRectF band(content.left(), y + 2, content.width(), kFooterBand - 3 * kMm);
            const QString right = QStringLiteral("Page %1 of %2").arg(index + 1).arg(total);
            p.drawText(band, Qt::AlignLeft | Qt::AlignVCenter, footerLeft);
            p.drawText(band, Qt::AlignRight | Qt::AlignVCenter, right);
        }
        p.restore();

        // Text
        QTextDocument *doc = index == 0 ? titleDoc.get() : body.get();
        const int docPage = index == 0 ? 0 : index - 1;
        const double h = content.height();
        p.save();
        p.translate(content.left(), content.top() - docPage * h);
        const QRectF clip(0, docPage * h, content.width(), h);
        p.setClipRect(clip);
        QAbstractTextDocumentLayout::PaintContext ctx;
        // Lines are drawn when they intersect ctx.clip. The first line of the next page starts at
        // the page boundary, but a character background on it (a status badge) reaches a pixel
        // or two above it: without the 3 px the badge's top edge would show at the bottom of this
        // page. A line of this page cannot start in those 3 px (it would not fit), and the
        // painter's clip still lets this page's last line be painted whole.
        ctx.clip = clip.adjusted(0, 0, 0, -3);
        ctx.palette.setColor(QPalette::Text, QColor(0x1a, 0x1a, 0x1a));
        doc->documentLayout()->draw(&p, ctx);
        p.restore();
    }
};

ReportPdfWriter::ReportPdfWriter(const rollout::ReportBuilder &builder, const QPageSize &pageSize)
    : d(std::make_unique<Private>(builder, pageSize))
{
}

ReportPdfWriter::~ReportPdfWriter() = default;

int ReportPdfWriter::pageCount()
{
    return d->pages();
}

QImage ReportPdfWriter::renderPage(int index, int widthPx)
{
    const int n = d->pages();
    if (index < 0 || index >= n || widthPx <= 0)
        return {};
    const double scale = widthPx / d->page.width();
    QImage img(widthPx, int(std::lround(d->page.height() * scale)), QImage::Format_RGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    p.scale(scale, scale);
    d->paintPage(p, index);
    p.end();
    return img;
}

QByteArray ReportPdfWriter::toPdf(QString *error)
{
    const int n = d->pages();
    QByteArray bytes;
    QBuffer buffer(&bytes);
    if (!buffer.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("Cannot open a memory buffer for the PDF");
        return {};
    }
    {
        QPdfWriter writer(&buffer);
        writer.setResolution(int(kDpi));
        writer.setPageSize(d->pageSize);
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setTitle(d->builder.title());
        writer.setCreator(QStringLiteral("Codex Admin " CODEXADMIN_VERSION));
        QPainter p;
        if (!p.begin(&writer)) {
            if (error)
                *error = QStringLiteral("Cannot start the PDF writer");
            return {};
        }
        p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
        for (int i = 0; i < n; ++i) {
            if (i > 0)
                writer.newPage();
            d->paintPage(p, i);
        }
        p.end();
    }
    buffer.close();
    if (bytes.isEmpty() && error)
        *error = QStringLiteral("The PDF writer produced no output");
    return bytes;
}

bool ReportPdfWriter::write(const QString &path, bool overwrite, QString *error)
{
    if (!overwrite && QFileInfo::exists(path))  // before the work of rendering; writeReportFile checks again
        return rollout::writeReportFile(path, {}, false, error);
    QString why;
    const QByteArray pdf = toPdf(&why);
    if (pdf.isEmpty()) {
        if (error)
            *error = QStringLiteral("Cannot write %1: %2").arg(path, why);
        return false;
    }
    return rollout::writeReportFile(path, pdf, overwrite, error);
}

}  // namespace codex::models
