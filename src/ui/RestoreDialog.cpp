#include "ui/RestoreDialog.h"

#include <QColor>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace codex::ui {

using namespace codex::archive;

namespace {
enum Col { TombstoneCol, OutputCol, StatusCol, MessageCol };
}

RestoreDialog::RestoreDialog(const ArchiveLocation &location, const QList<ItemRow> &items, const QString &evidencePath,
                             const QString &defaultFolder, QWidget *parent)
    : QDialog(parent), m_location(location), m_items(items), m_evidencePath(evidencePath)
{
    setObjectName(QStringLiteral("restoreDialog"));
    setWindowTitle(tr("Restore %n item(s)", nullptr, int(items.size())));
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    auto *folderRow = new QHBoxLayout;
    m_folder = new QLineEdit(defaultFolder, this);
    m_folder->setObjectName(QStringLiteral("folderEdit"));
    auto *browse = new QToolButton(this);
    browse->setText(tr("Browse…"));
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(browse);
    auto *folderLabel = new QLabel(tr("Restore &into:"), this);
    folderLabel->setBuddy(m_folder);
    form->addRow(folderLabel, folderRow);
    m_layout = new QComboBox(this);
    m_layout->setObjectName(QStringLiteral("layoutCombo"));
    m_layout->addItem(tr("Keep repository paths (folder/repo/path)"));
    m_layout->addItem(tr("File names only (folder/name)"));
    form->addRow(tr("&Layout:"), m_layout);
    m_conflict = new QComboBox(this);
    m_conflict->setObjectName(QStringLiteral("conflictCombo"));
    m_conflict->addItem(tr("Skip it and report the conflict"), int(ConflictPolicy::Refuse));
    m_conflict->addItem(tr("Write a new name: file (1).ext"), int(ConflictPolicy::RenameWithSuffix));
    m_conflict->addItem(tr("Overwrite the existing file"), int(ConflictPolicy::Overwrite));
    form->addRow(tr("When a file &exists:"), m_conflict);
    m_actor = new QLineEdit(qEnvironmentVariable("USER", QStringLiteral("admin")), this);
    m_actor->setObjectName(QStringLiteral("actorEdit"));
    form->addRow(tr("Recorded &actor:"), m_actor);
    layout->addLayout(form);

    m_table = new QTableWidget(int(items.size()), 4, this);
    m_table->setObjectName(QStringLiteral("restoreTable"));
    m_table->setHorizontalHeaderLabels({tr("Tombstone"), tr("Output (editable)"), tr("Status"), tr("Message")});
    m_table->horizontalHeader()->setSectionResizeMode(OutputCol, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(MessageCol, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setWordWrap(true);
    for (int i = 0; i < items.size(); ++i) {
        auto *t = new QTableWidgetItem(items[i].tombstoneId);
        t->setFlags(t->flags() & ~Qt::ItemIsEditable);
        m_table->setItem(i, TombstoneCol, t);
        m_table->setItem(i, OutputCol, new QTableWidgetItem);
        auto *status = new QTableWidgetItem(tr("waiting"));
        status->setFlags(status->flags() & ~Qt::ItemIsEditable);
        m_table->setItem(i, StatusCol, status);
        auto *msg = new QTableWidgetItem;
        msg->setFlags(msg->flags() & ~Qt::ItemIsEditable);
        m_table->setItem(i, MessageCol, msg);
    }
    layout->addWidget(m_table, 1);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, int(items.size()));
    m_progress->setValue(0);
    layout->addWidget(m_progress);
    m_summary = new QLabel(tr("Nothing is overwritten unless you choose so. Each file is checked against its "
                              "SHA-256 before it is written, and every restore is recorded in the evidence log."),
                           this);
    m_summary->setObjectName(QStringLiteral("restoreSummary"));
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);
    auto *buttons = new QDialogButtonBox(this);
    m_start = buttons->addButton(tr("&Restore"), QDialogButtonBox::AcceptRole);
    m_start->setObjectName(QStringLiteral("startButton"));
    m_cancel = buttons->addButton(tr("&Cancel"), QDialogButtonBox::RejectRole);
    m_cancel->setObjectName(QStringLiteral("cancelButton"));
    layout->addWidget(buttons);
    resize(900, 480);

    fillOutputs();
    connect(m_folder, &QLineEdit::textChanged, this, &RestoreDialog::fillOutputs);
    connect(m_layout, &QComboBox::currentIndexChanged, this, &RestoreDialog::fillOutputs);
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Restore into"), m_folder->text());
        if (!dir.isEmpty())
            m_folder->setText(dir);
    });
    connect(m_start, &QPushButton::clicked, this, &RestoreDialog::start);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_running)
            cancel();
        else
            reject();
    });
}

RestoreDialog::~RestoreDialog() = default;

void RestoreDialog::setFolder(const QString &folder)
{
    m_folder->setText(folder);
}

void RestoreDialog::setLayout(Layout layout)
{
    m_layout->setCurrentIndex(layout == Layout::RepoPaths ? 0 : 1);
}

void RestoreDialog::setConflictPolicy(ConflictPolicy policy)
{
    m_conflict->setCurrentIndex(m_conflict->findData(int(policy)));
}

void RestoreDialog::setActor(const QString &actor)
{
    m_actor->setText(actor);
}

QString RestoreDialog::outputFor(const ItemRow &row) const
{
    const QString folder = m_folder->text();
    if (m_layout->currentIndex() == 1)
        return QDir(folder).filePath(QFileInfo(row.path).fileName());
    // The repository path is data from the archive: keep it inside the chosen folder.
    QString rel = QDir::cleanPath(row.repo + QLatin1Char('/') + row.path);
    while (rel.startsWith(QLatin1String("../")) || rel.startsWith(QLatin1Char('/')))
        rel = rel.mid(rel.indexOf(QLatin1Char('/')) + 1);
    return QDir(folder).filePath(rel);
}

void RestoreDialog::fillOutputs()
{
    for (int i = 0; i < m_items.size(); ++i)
        m_table->item(i, OutputCol)->setText(outputFor(m_items[i]));
}

void RestoreDialog::start()
{
    if (m_running)
        return;
    if (m_actor->text().trimmed().isEmpty()) {
        m_summary->setText(tr("Enter the actor to record in the evidence log."));
        return;
    }
    QList<RestoreRequest> requests;
    for (int i = 0; i < m_items.size(); ++i) {
        RestoreRequest r;
        r.tombstone = m_items[i].tombstoneId;
        r.output = QDir::cleanPath(QDir::current().absoluteFilePath(m_table->item(i, OutputCol)->text()));
        r.actor = m_actor->text().trimmed();
        r.conflict = ConflictPolicy(m_conflict->currentData().toInt());
        requests.append(r);
        m_table->item(i, StatusCol)->setText(tr("waiting"));
        m_table->item(i, MessageCol)->setText({});
    }
    m_running = true;
    m_ok = m_failed = 0;
    m_progress->setValue(0);
    m_start->setEnabled(false);
    m_cancel->setText(tr("&Stop"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_worker = std::make_unique<ArchiveWorker>();
    connect(m_worker.get(), &ArchiveWorker::opened, this, [this, requests](bool ok, const QString &message, const QStringList &missing) {
        if (!ok) {
            m_running = false;
            m_failed = int(requests.size());
            m_summary->setText(tr("Cannot open the archive: %1").arg(message.isEmpty() ? missing.join(QStringLiteral(", ")) : message));
            m_start->setEnabled(true);
            m_cancel->setText(tr("&Close"));
            Q_EMIT finished(0, m_failed, false);
            return;
        }
        m_worker->restore(requests, m_evidencePath);
    });
    connect(m_worker.get(), &ArchiveWorker::restoreProgress, this, [this](int index, int total, const RestoreResult &r) {
        const int row = index - 1;
        r.ok ? ++m_ok : ++m_failed;
        m_table->item(row, StatusCol)->setText(r.ok ? tr("restored") : tr("failed"));
        m_table->item(row, StatusCol)->setForeground(r.ok ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
        if (r.ok)
            m_table->item(row, OutputCol)->setText(r.output);
        m_table->item(row, MessageCol)->setText(r.ok ? tr("%1 bytes, SHA-256 verified, %2 ms").arg(r.bytes).arg(r.durationMs)
                                                     : r.error.message);
        m_table->item(row, MessageCol)->setToolTip(r.ok ? r.sha256 : r.error.message);
        m_table->resizeRowToContents(row);
        m_progress->setValue(index);
        m_summary->setText(tr("%1 of %2 done: %3 restored, %4 failed").arg(index).arg(total).arg(m_ok).arg(m_failed));
    });
    connect(m_worker.get(), &ArchiveWorker::restoreFinished, this, [this](int ok, int failed, bool cancelled) {
        m_running = false;
        m_cancel->setText(tr("&Close"));
        m_summary->setText(cancelled ? tr("Stopped: %1 restored, %2 failed; the rest was not started.").arg(ok).arg(failed)
                                     : tr("Finished: %1 restored, %2 failed.").arg(ok).arg(failed));
        Q_EMIT finished(ok, failed, cancelled);
    });
    m_worker->open(m_location, false);
}

void RestoreDialog::cancel()
{
    if (m_worker)
        m_worker->cancel();
}

QStringList RestoreDialog::messages() const
{
    QStringList out;
    for (int i = 0; i < m_table->rowCount(); ++i)
        out.append(m_table->item(i, MessageCol)->text());
    return out;
}

}  // namespace codex::ui
