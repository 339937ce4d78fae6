#include "ui/ReportExportDialog.h"

#include "models/ReportPdfWriter.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPixmap>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace codex::ui {

using namespace codex::rollout;

namespace {
constexpr int kPreviewWidth = 240;
constexpr int kMaxPreviewPages = 40;

QString extensionOf(ReportFormat f)
{
    return formatName(f);  // pdf, html, md, json
}
}  // namespace

ReportExportDialog::ReportExportDialog(const Rollout &rollout, const QList<SignOffCheck> &checks,
                                       const QString &workspaceRoot, const ReportBuilder::Options &options,
                                       QWidget *parent)
    : QDialog(parent), m_rollout(rollout), m_checks(checks), m_root(workspaceRoot), m_options(options)
{
    setObjectName(QStringLiteral("reportExportDialog"));
    setWindowTitle(tr("Export report — %1").arg(rollout.name));
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("formatCombo"));
    m_format->addItem(tr("PDF"), int(ReportFormat::Pdf));
    m_format->addItem(tr("HTML (self-contained)"), int(ReportFormat::Html));
    m_format->addItem(tr("Markdown"), int(ReportFormat::Markdown));
    m_format->addItem(tr("JSON"), int(ReportFormat::Json));
    form->addRow(tr("&Format:"), m_format);
    auto *pathRow = new QHBoxLayout;
    m_path = new QLineEdit(defaultPath(workspaceRoot, rollout.name, ReportFormat::Pdf), this);
    m_path->setObjectName(QStringLiteral("pathEdit"));
    auto *browseButton = new QPushButton(tr("Browse…"), this);
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browseButton);
    form->addRow(tr("&File:"), pathRow);
    layout->addLayout(form);

    m_previewLabel = new QLabel(tr("Rendering the preview of the PDF pages…"), this);
    m_previewLabel->setObjectName(QStringLiteral("previewLabel"));
    layout->addWidget(m_previewLabel);
    m_preview = new QListWidget(this);
    m_preview->setObjectName(QStringLiteral("previewList"));
    m_preview->setViewMode(QListView::IconMode);
    m_preview->setFlow(QListView::LeftToRight);
    m_preview->setWrapping(true);
    m_preview->setResizeMode(QListView::Adjust);
    m_preview->setMovement(QListView::Static);
    m_preview->setSpacing(8);
    m_preview->setIconSize(QSize(kPreviewWidth, int(kPreviewWidth * 1.4143)));
    m_preview->setMinimumHeight(380);
    layout->addWidget(m_preview, 1);

    m_result = new QLabel(this);
    m_result->setObjectName(QStringLiteral("resultLabel"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_result);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_export = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    m_export->setObjectName(QStringLiteral("exportButton"));
    m_export->setDefault(true);
    connect(m_export, &QPushButton::clicked, this, &ReportExportDialog::onExportClicked);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    disconnect(buttons, &QDialogButtonBox::accepted, nullptr, nullptr);
    layout->addWidget(buttons);

    connect(browseButton, &QPushButton::clicked, this, &ReportExportDialog::browse);
    connect(m_format, &QComboBox::currentIndexChanged, this, [this] {
        // Keep the name, change the extension.
        const QFileInfo fi(m_path->text());
        const QString ext = extensionOf(format());
        if (!m_path->text().isEmpty())
            m_path->setText(QDir(fi.path()).filePath(fi.completeBaseName() + QLatin1Char('.') + ext));
        m_result->clear();
    });
    connect(&m_watcher, &QFutureWatcher<Preview>::finished, this, &ReportExportDialog::onPreview);
    resize(960, 720);
    startPreview();
}

ReportExportDialog::~ReportExportDialog()
{
    m_watcher.waitForFinished();
}

QString ReportExportDialog::defaultPath(const QString &workspaceRoot, const QString &rolloutName, ReportFormat format,
                                        const QDateTime &at)
{
    QString safe = rolloutName;
    safe.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("-"));
    safe = safe.left(80);
    while (safe.startsWith(QLatin1Char('-')) || safe.startsWith(QLatin1Char('.')))
        safe.remove(0, 1);
    while (safe.endsWith(QLatin1Char('-')))
        safe.chop(1);
    if (safe.isEmpty())
        safe = QStringLiteral("rollout");
    return QDir(workspaceRoot).filePath(QStringLiteral(".codex/reports/rollout-%1-%2.%3")
                                            .arg(safe, at.toString(QStringLiteral("yyyyMMdd-HHmmss")), extensionOf(format)));
}

void ReportExportDialog::setFormat(ReportFormat format)
{
    m_format->setCurrentIndex(m_format->findData(int(format)));
}

ReportFormat ReportExportDialog::format() const
{
    return ReportFormat(m_format->currentData().toInt());
}

void ReportExportDialog::setPath(const QString &path)
{
    m_path->setText(path);
}

QString ReportExportDialog::path() const
{
    return m_path->text().trimmed();
}

QString ReportExportDialog::errorText() const
{
    return m_result->property("error").toBool() ? m_result->text() : QString();
}

int ReportExportDialog::previewPageCount() const
{
    return m_preview->count();
}

ReportBuilder ReportExportDialog::builder() const
{
    return ReportBuilder(m_rollout, m_checks, m_options);
}

void ReportExportDialog::startPreview()
{
    const ReportBuilder b = builder();
    m_watcher.setFuture(QtConcurrent::run([b] {
        Preview p;
        models::ReportPdfWriter writer(b);
        p.pageCount = writer.pageCount();
        for (int i = 0; i < p.pageCount && i < kMaxPreviewPages; ++i)
            p.pages << writer.renderPage(i, kPreviewWidth * 2);
        if (p.pageCount == 0)
            p.error = QStringLiteral("no pages");
        return p;
    }));
}

void ReportExportDialog::onPreview()
{
    const Preview p = m_watcher.result();
    m_pageCount = p.pageCount;
    m_preview->clear();
    for (int i = 0; i < p.pages.size(); ++i) {
        QPixmap pm = QPixmap::fromImage(p.pages[i]);
        pm.setDevicePixelRatio(2.0);
        auto *item = new QListWidgetItem(QIcon(pm), tr("Page %1").arg(i + 1), m_preview);
        item->setSizeHint(QSize(kPreviewWidth + 16, int(kPreviewWidth * 1.4143) + 36));
    }
    if (p.pageCount == 0)
        m_previewLabel->setText(tr("The preview could not be rendered."));
    else if (p.pageCount > p.pages.size())
        m_previewLabel->setText(tr("PDF preview: %n page(s), the first %1 shown", nullptr, p.pageCount).arg(p.pages.size()));
    else
        m_previewLabel->setText(tr("PDF preview: %n page(s)", nullptr, p.pageCount));
    m_previewDone = true;
    Q_EMIT previewFinished(p.pageCount);
}

void ReportExportDialog::browse()
{
    QString filter;
    switch (format()) {
    case ReportFormat::Pdf: filter = tr("PDF (*.pdf)"); break;
    case ReportFormat::Html: filter = tr("HTML (*.html)"); break;
    case ReportFormat::Markdown: filter = tr("Markdown (*.md)"); break;
    case ReportFormat::Json: filter = tr("JSON (*.json)"); break;
    }
    QFileDialog dialog(this, tr("Export report"), path(), filter);
    dialog.setAcceptMode(QFileDialog::AcceptSave);
    dialog.setOption(QFileDialog::DontConfirmOverwrite);  // Export asks
    if (dialog.exec() == QDialog::Accepted && !dialog.selectedFiles().isEmpty())
        m_path->setText(dialog.selectedFiles().first());
}

bool ReportExportDialog::exportReport(bool overwrite, QString *error)
{
    QString err;
    const QString target = path();
    bool ok = false;
    if (target.isEmpty()) {
        err = tr("Choose a file to export to.");
    } else {
        QDir().mkpath(QFileInfo(target).absolutePath());
        const ReportBuilder b = builder();
        if (format() == ReportFormat::Pdf) {
            models::ReportPdfWriter writer(b);
            ok = writer.write(target, overwrite, &err);
        } else {
            const QByteArray bytes = b.render(format(), &err);
            ok = err.isEmpty() && writeReportFile(target, bytes, overwrite, &err);
        }
    }
    if (ok) {
        m_resultPath = target;
        m_result->setProperty("error", false);
        m_result->setStyleSheet(QStringLiteral("color: #1b5e20;"));
        m_result->setText(tr("Exported to %1").arg(QDir::toNativeSeparators(target)));
        Q_EMIT exported(target);
    } else {
        if (!err.contains(target) && !target.isEmpty())
            err = tr("Cannot export to %1: %2").arg(QDir::toNativeSeparators(target), err);
        m_result->setProperty("error", true);
        m_result->setStyleSheet(QStringLiteral("color: #b71c1c;"));
        m_result->setText(err);
    }
    if (error)
        *error = ok ? QString() : err;
    return ok;
}

void ReportExportDialog::onExportClicked()
{
    bool overwrite = false;
    if (QFileInfo::exists(path())) {
        if (QMessageBox::question(this, tr("Replace file?"),
                                  tr("%1 exists. Replace it?").arg(QDir::toNativeSeparators(path())))
            != QMessageBox::Yes)
            return;
        overwrite = true;
    }
    exportReport(overwrite);
}

}  // namespace codex::ui
