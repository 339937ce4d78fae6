// The Batch page as an admin uses it: open a manifest of thousands of entries (with two unknown
// tombstones, an output escaping the restore root and a corrupt item), read the validation report,
// run it with several workers, cancel it mid-way, check nothing is half-written, resume it from its
// journal, check every file against its SHA-256 and that nothing was restored twice, narrow the
// table to failures; and build a manifest from the Archive page's selection.
//
// CODEX_BATCH_GUI_ITEMS sets the number of archived items (default 10000);
// CODEX_ADMIN_SCREENSHOT_DIR receives the screenshots (they always go to the test's temp folder).
#include "TestUtil.h"

#include "archive/ArchiveStore.h"
#include "archive/BlobCodec.h"
#include "batch/BatchRunner.h"
#include "models/BatchItemModel.h"
#include "models/TombstoneModel.h"
#include "ui/ArchivePage.h"
#include "ui/BatchPage.h"
#include "ui/Banner.h"
#include "ui/MainWindow.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSqlQuery>
#include <QTableView>
#include <QTreeWidget>
#include <QUuid>
#include <QtTest>

#include <malloc.h>

using namespace codex;
using namespace codex::archive;
using codex::batch::ItemStatus;
using codex::models::BatchItemModel;

class TestGuiBatchPage : public QObject {
    Q_OBJECT
    QTemporaryDir m_ws;
    QTemporaryDir m_shots;
    std::unique_ptr<ui::MainWindow> m_window;
    ui::BatchPage *m_page = nullptr;
    int m_items = 10000;
    QMap<QString, QByteArray> m_content;  ///< tombstone -> original bytes
    QStringList m_tombstones;             ///< in archive order
    QString m_corrupt;
    QStringList m_unknown;
    QString m_manifestPath;
    QString m_outDir;
    QHash<QString, QString> m_outputToTombstone;  ///< absolute output -> tombstone
    QString m_journal;

    void screenshot(const QString &name)
    {
        QTest::qWait(120);
        const QImage image = m_window->grab().toImage();
        QVERIFY(image.save(m_shots.filePath(name)));
        const QString dir = qEnvironmentVariable("CODEX_ADMIN_SCREENSHOT_DIR");
        if (!dir.isEmpty()) {
            QDir().mkpath(dir);
            QVERIFY(image.save(dir + QLatin1Char('/') + name));
        }
    }

    /// Every file under the output folder: matches the archived bytes, and no temporary file is left.
    int checkOutputs()
    {
        int files = 0;
        QDirIterator it(m_outDir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            const QString name = it.fileName();
            if (name.contains(QLatin1String(".codex-restore")) || name.endsWith(QLatin1String(".tmp"))) {
                qWarning("left behind: %s", qPrintable(path));
                return -1;
            }
            const QString tomb = m_outputToTombstone.value(QDir::cleanPath(path));
            if (tomb.isEmpty()) {
                qWarning("unexpected file: %s", qPrintable(path));
                return -1;
            }
            if (BlobCodec::sha256Hex(testutil::readFile(path)) != BlobCodec::sha256Hex(m_content.value(tomb))) {
                qWarning("content differs: %s", qPrintable(path));
                return -1;
            }
            ++files;
        }
        return files;
    }

    int childCountOf(const QString &headingPart, QTreeWidgetItem **group = nullptr)
    {
        QTreeWidget *tree = m_page->report();
        for (int i = 0; i < tree->topLevelItemCount(); ++i)
            if (tree->topLevelItem(i)->text(0).contains(headingPart)) {
                if (group)
                    *group = tree->topLevelItem(i);
                return tree->topLevelItem(i)->childCount();
            }
        return -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_ws.isValid());
        if (qEnvironmentVariableIsSet("CODEX_BATCH_GUI_ITEMS"))
            m_items = std::max(50, qEnvironmentVariableIntValue("CODEX_BATCH_GUI_ITEMS"));
        // Compressing 10,000 small items allocates and frees a compression context each time; keep
        // glibc from returning that memory to the kernel after every item (it dominated the fixture).
        mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
        mallopt(M_TOP_PAD, 16 * 1024 * 1024);
        QElapsedTimer clock;
        clock.start();
        ArchiveError error;
        auto location = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///./.codex/archive.sqlite"), m_ws.path(), &error);
        QVERIFY2(location, qPrintable(error.message));
        location->sqliteSyncEachCommit = false;  // filling the fixture quickly; WAL keeps it consistent
        auto store = ArchiveStore::open(*location, ArchiveStore::OpenMode::CreateIfMissing, &error);
        QVERIFY2(store, qPrintable(error.message));
        QVERIFY2(store->ensureSchema(&error), qPrintable(error.message));
        for (int i = 0; i < m_items; ++i) {
            StoreRequest req;
            req.repo = i % 3 == 0 ? QStringLiteral("codex/archive") : QStringLiteral("codex/proxy");
            req.path = QStringLiteral("src/mod_%1/file_%2.py").arg(i % 17).arg(i);
            req.commitSha = QStringLiteral("%1").arg(i, 40, 16, QLatin1Char('c'));
            req.actor = QStringLiteral("bob");
            req.language = QStringLiteral("python");
            req.content = QStringLiteral("# item %1\nprint('batch %1')\n").arg(i).toUtf8().repeated(1 + i % 7);
            req.compression = i % 50 == 0 ? QStringLiteral("zstd") : QStringLiteral("zlib");  // both codecs; zlib is cheaper to set up
            req.archivedAt = QStringLiteral("2026-10-%1T08:00:00Z").arg(1 + i % 28, 2, 10, QLatin1Char('0'));
            const auto tomb = store->store(req, &error);
            QVERIFY2(tomb, qPrintable(error.message));
            m_content.insert(*tomb, req.content);
            m_tombstones.append(*tomb);
        }
        // One artifact whose recorded hash no longer matches its bytes: that restore must fail.
        m_corrupt = m_tombstones.at(m_items / 2);
        QVERIFY(testutil::corruptContentHash(store->database(), m_corrupt));
        store.reset();
        qInfo("archive of %d items written in %lld ms", m_items, clock.elapsed());

        // The manifest: every item to batch/out/<repo>/<path>, plus two unknown tombstones and an
        // output that escapes the restore root (the manifest's folder).
        const QString batchDir = m_ws.filePath(QStringLiteral("batch"));
        QVERIFY(QDir().mkpath(batchDir));
        m_outDir = QDir::cleanPath(batchDir + QStringLiteral("/out"));
        QJsonArray entries;
        for (int i = 0; i < m_items; ++i) {
            const QString rel = QStringLiteral("out/%1/src/mod_%2/file_%3.py").arg(i % 3 == 0 ? QStringLiteral("codex/archive") : QStringLiteral("codex/proxy")).arg(i % 17).arg(i);
            entries.append(QJsonObject{{QStringLiteral("tombstone"), m_tombstones.at(i)}, {QStringLiteral("output"), rel}});
            m_outputToTombstone.insert(QDir::cleanPath(batchDir + QLatin1Char('/') + rel), m_tombstones.at(i));
            if (i == 10 || i == 20) {
                const QString unknown = QUuid::createUuid().toString(QUuid::WithoutBraces);
                m_unknown.append(unknown);
                entries.append(QJsonObject{{QStringLiteral("tombstone"), unknown},
                                           {QStringLiteral("output"), QStringLiteral("out/unknown_%1.txt").arg(i)}});
            }
            if (i == 30)
                entries.append(QJsonObject{{QStringLiteral("tombstone"), m_tombstones.at(0)}, {QStringLiteral("output"), QStringLiteral("../escape.txt")}});
        }
        m_manifestPath = QDir(batchDir).filePath(QStringLiteral("restore.json"));
        testutil::writeFile(m_manifestPath, QJsonDocument(QJsonObject{{QStringLiteral("items"), entries}}).toJson());

        m_window = std::make_unique<ui::MainWindow>();
        m_window->resize(1440, 900);
        m_window->openWorkspace(m_ws.path());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_page = m_window->batchPage();
        QVERIFY(m_page);
        m_window->showPage(2);
        QCOMPARE(m_window->navigation()->currentItem()->text(), QStringLiteral("Batch"));
    }

    void badManifestsSayWhatIsWrong()
    {
        QTemporaryDir dir;
        auto *banner = m_page->findChild<ui::Banner *>(QStringLiteral("batchError"));
        QVERIFY(banner);
        const QString json = dir.filePath(QStringLiteral("broken.json"));
        testutil::writeFile(json, "{\"items\": [\n {\"tombstone\": \"a\", \"output\": \"x\"},\n {\"tombstone\": \n");
        QVERIFY(!m_page->openManifest(json));
        QVERIFY2(banner->text().contains(QStringLiteral("broken.json")), qPrintable(banner->text()));
        QVERIFY(!m_page->hasManifest());

        const QString csv = dir.filePath(QStringLiteral("missing.csv"));
        testutil::writeFile(csv, "tombstone,output\nabc,out/a.txt\ndef,\n");
        QVERIFY(!m_page->openManifest(csv));
        QVERIFY2(banner->text().contains(QStringLiteral("line 3")) && banner->text().contains(QStringLiteral("output")),
                 qPrintable(banner->text()));
        // The report lists every problem too.
        QCOMPARE(m_page->report()->topLevelItemCount(), 1);
        QVERIFY(m_page->report()->topLevelItem(0)->childCount() >= 1);
    }

    void unreachableArchiveIsReported()
    {
        QTemporaryDir other;
        testutil::writeFile(other.filePath(QStringLiteral(".codex/archive.toml")),
                            "[backend]\ntype = \"sqlite\"\nurl = \"sqlite:///data/missing.sqlite\"\n");
        testutil::writeFile(other.filePath(QStringLiteral("m.csv")), "tombstone,output\nabc,out/a.txt\n");
        ui::BatchPage page;
        page.setWorkspace(Workspace(other.path()));
        page.show();
        QVERIFY(page.openManifest(other.filePath(QStringLiteral("m.csv"))));
        auto *banner = page.findChild<ui::Banner *>(QStringLiteral("batchError"));
        QTRY_VERIFY_WITH_TIMEOUT(!banner->text().isEmpty(), 20000);
        QVERIFY2(banner->text().contains(QStringLiteral("could not be validated")), qPrintable(banner->text()));
        QVERIFY(!page.findChild<QPushButton *>(QStringLiteral("runButton"))->isEnabled());
        QVERIFY(!QFileInfo::exists(other.filePath(QStringLiteral("data/missing.sqlite"))));
    }

    void openingValidatesAndReportsIssues()
    {
        QVERIFY(m_page->openManifest(m_manifestPath));
        QVERIFY(m_page->hasManifest());
        QCOMPARE(m_page->items()->rowCount(), m_items + 3);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->lastValidation().has_value() && !m_page->isValidating(), 60000);
        const batch::ValidationReport report = *m_page->lastValidation();
        QCOMPARE(report.total, m_items + 3);
        int unknown = 0, escapes = 0;
        for (const auto &issue : report.issues) {
            unknown += issue.kind == batch::ValidationIssue::Kind::UnknownTombstone;
            escapes += issue.kind == batch::ValidationIssue::Kind::EscapesRoot;
        }
        QCOMPARE(unknown, 2);
        QCOMPARE(escapes, 1);
        QCOMPARE(report.blockedIndexes().size(), 3);
        // Grouped by kind, with counts.
        QCOMPARE(childCountOf(QStringLiteral("2 unknown tombstones")), 2);
        QCOMPARE(childCountOf(QStringLiteral("1 output escapes the restore root")), 1);
        // Blocked rows are marked in the table before anything runs.
        int blocked = 0;
        for (int r = 0; r < m_page->items()->rowCount(); ++r)
            blocked += m_page->items()->stateAt(r).status == ItemStatus::Blocked;
        QCOMPARE(blocked, 3);
        // The Run button says what will run; without continue-on-error blocked entries stop it.
        auto *run = m_page->findChild<QPushButton *>(QStringLiteral("runButton"));
        const QString runnable = QLocale().toString(m_items);
        QVERIFY2(run->text().contains(runnable) && run->text().contains(QStringLiteral("3 blocked")), qPrintable(run->text()));
        m_page->setContinueOnError(false);
        QVERIFY(!run->isEnabled());
        m_page->setContinueOnError(true);
        QVERIFY(run->isEnabled());
        // Where the defaults come from.
        auto *origin = m_page->findChild<QLabel *>(QStringLiteral("originLabel"));
        QVERIFY2(origin->text().contains(QStringLiteral("batch.max_concurrent = 5")), qPrintable(origin->text()));
    }

    void clickingAnIssueSelectsItsEntry()
    {
        QTreeWidgetItem *group = nullptr;
        QCOMPARE(childCountOf(QStringLiteral("escapes"), &group), 1);
        QTreeWidgetItem *issue = group->child(0);
        QVERIFY2(issue->text(0).contains(QStringLiteral("escape")), qPrintable(issue->text(0)));
        QTreeWidget *tree = m_page->report();
        tree->scrollToItem(issue);
        const QRect rect = tree->visualItemRect(issue);
        QVERIFY(rect.isValid());
        QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, rect.center());
        const QModelIndex current = m_page->table()->currentIndex();
        QVERIFY(current.isValid());
        const int entry = current.data(BatchItemModel::EntryIndexRole).toInt();
        QCOMPARE(m_page->items()->entryAt(entry).output, QStringLiteral("../escape.txt"));
    }

    void runCancelAndResume()
    {
        m_page->setActor(QStringLiteral("gui-test"));
        m_page->setConcurrency(2);
        m_page->setContinueOnError(true);
        QTRY_VERIFY_WITH_TIMEOUT(!m_page->isValidating(), 60000);

        // A timer measures how long the GUI thread is ever kept from its event loop.
        QElapsedTimer tick;
        qint64 worstGapMs = 0;
        QTimer probe;
        probe.setInterval(10);
        connect(&probe, &QTimer::timeout, this, [&] {
            if (tick.isValid())
                worstGapMs = std::max(worstGapMs, tick.restart());
            else
                tick.start();
        });
        probe.start();

        QSignalSpy finished(m_page, &ui::BatchPage::runFinished);
        const quint64 signalsBefore = m_page->items()->dataChangedSignals();
        QVERIFY(m_page->startRun());
        QVERIFY(m_page->isRunning());
        QVERIFY(m_page->hasUnsavedChanges());
        const int total = m_items + 3;
        QTRY_VERIFY_WITH_TIMEOUT(m_page->runner() && m_page->runner()->progress().done * 5 > total, 120000);
        probe.stop();  // grabbing the window is the test's doing, not the page's
        screenshot(QStringLiteral("batch-running.png"));
        tick.invalidate();
        probe.start();
        m_page->cancelRun();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        probe.stop();
        QVERIFY(!m_page->isRunning());
        const batch::BatchSummary first = *m_page->lastSummary();
        QVERIFY(first.cancelled);
        QVERIFY2(first.progress.cancelled > 0, "the rest was not run");
        qInfo("cancelled at %d of %d: %d restored, %lld ms, %.0f items/s; GUI worst gap %lld ms; %llu dataChanged signals",
              first.progress.done, total, first.progress.succeeded, first.progress.elapsedMs, first.progress.itemsPerSecond,
              worstGapMs, m_page->items()->dataChangedSignals() - signalsBefore);
        QVERIFY2(worstGapMs < 1500, qPrintable(QStringLiteral("GUI blocked for %1 ms").arg(worstGapMs)));
        // No per-item signals into the view: far fewer dataChanged than items.
        QVERIFY(m_page->items()->dataChangedSignals() - signalsBefore < quint64(std::max(50, total / 4)));

        // Nothing half-written; every file there is complete and verified.
        const int afterCancel = checkOutputs();
        QCOMPARE(afterCancel, first.progress.succeeded);
        QVERIFY(!QFileInfo::exists(m_ws.filePath(QStringLiteral("escape.txt"))));
        m_journal = first.journalPath;
        QVERIFY2(QFileInfo::exists(m_journal), qPrintable(m_journal));
        QVERIFY(m_journal.endsWith(QLatin1String(".journal")));
        auto *resumeNow = m_page->findChild<QPushButton *>(QStringLiteral("resumeNowButton"));
        QVERIFY(resumeNow && resumeNow->isVisible());

        // Resume from the journal: the rest is restored, nothing twice.
        QVERIFY(m_page->resumeFromJournal(m_journal));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 180000);
        const batch::BatchSummary second = *m_page->lastSummary();
        QVERIFY(!second.cancelled);
        qInfo("resumed: %d restored, %d skipped, %d failed in %lld ms", second.progress.succeeded, second.progress.skipped,
              second.progress.failed, second.progress.elapsedMs);
        QCOMPARE(second.progress.succeeded + second.progress.skipped, m_items - 1);  // all but the corrupt one
        QVERIFY(second.progress.skipped >= afterCancel);
        QCOMPARE(checkOutputs(), m_items - 1);
        QVERIFY2(QFileInfo::exists(second.resultsPath), qPrintable(second.resultsPath));
        QCOMPARE(m_page->resultsPath(), second.resultsPath);
        QVERIFY(m_page->findChild<QPushButton *>(QStringLiteral("openResultsButton"))->isEnabled());
        QVERIFY(!m_page->hasUnsavedChanges());

        // The database saw exactly one RESTORE event per restored item, none for the corrupt one.
        ArchiveError error;
        auto location = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///./.codex/archive.sqlite"), m_ws.path(), &error);
        QVERIFY(location);
        auto store = ArchiveStore::open(*location, ArchiveStore::OpenMode::ExistingOnly, &error);
        QVERIFY2(store, qPrintable(error.message));
        QSqlQuery q(store->database());
        QVERIFY(q.exec(QStringLiteral("SELECT i.tombstone_id, COUNT(e.id) FROM item i LEFT JOIN event e ON e.item_id = i.id "
                                      "AND e.action = 'RESTORE' GROUP BY i.id, i.tombstone_id")));
        int once = 0;
        while (q.next()) {
            const QString tomb = q.value(0).toString();
            const int n = q.value(1).toInt();
            if (tomb == m_corrupt)
                QCOMPARE(n, 0);
            else if (n != 1)
                QFAIL(qPrintable(QStringLiteral("%1 restored %2 times").arg(tomb).arg(n)));
            else
                ++once;
        }
        QCOMPARE(once, m_items - 1);
        q = QSqlQuery();
        store.reset();

        // The evidence log: one RESTORE line per item, and a BATCH_RESTORE per run.
        QHash<QString, int> restoreLines;
        int batchLines = 0;
        for (const QByteArray &line : testutil::readFile(m_ws.filePath(QStringLiteral(".codex/evidence/archive_ops.jsonl"))).split('\n')) {
            if (line.isEmpty())
                continue;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            const QString action = o.value(QStringLiteral("action")).toString();
            if (action == QLatin1String("RESTORE"))
                ++restoreLines[o.value(QStringLiteral("tombstone")).toString()];
            batchLines += action == QLatin1String("BATCH_RESTORE");
        }
        QCOMPARE(restoreLines.size(), m_items - 1);
        for (auto it = restoreLines.cbegin(); it != restoreLines.cend(); ++it)
            QVERIFY2(it.value() == 1, qPrintable(it.key()));
        QCOMPARE(batchLines, 2);
    }

    void failuresOnlyShowsWhatFailed()
    {
        m_page->setFailuresOnly(true);
        QAbstractItemModel *view = m_page->table()->model();
        QTRY_COMPARE(view->rowCount(), 4);  // 2 unknown + 1 escaping (blocked) + the corrupt item (failed)
        int blocked = 0, failed = 0;
        for (int r = 0; r < view->rowCount(); ++r) {
            const auto status = ItemStatus(view->index(r, 0).data(BatchItemModel::StatusRole).toInt());
            blocked += status == ItemStatus::Blocked;
            failed += status == ItemStatus::Failed;
            const QModelIndex err = view->index(r, BatchItemModel::ErrorColumn);
            QVERIFY2(!err.data().toString().isEmpty(), "a failure says why");
            QVERIFY(!err.data(Qt::ToolTipRole).toString().isEmpty());
            if (status == ItemStatus::Failed) {
                QCOMPARE(view->index(r, BatchItemModel::TombstoneColumn).data().toString(), m_corrupt);
                QVERIFY2(err.data(Qt::ToolTipRole).toString().contains(QStringLiteral("mismatch"), Qt::CaseInsensitive),
                         qPrintable(err.data(Qt::ToolTipRole).toString()));
            }
        }
        QCOMPARE(blocked, 3);
        QCOMPARE(failed, 1);
        auto *retry = m_page->findChild<QPushButton *>(QStringLiteral("retryButton"));
        QVERIFY(retry->isEnabled());
        screenshot(QStringLiteral("batch-failures.png"));

        // The search narrows further.
        m_page->setSearchText(m_unknown.first());
        QCOMPARE(view->rowCount(), 1);
        m_page->setSearchText(QString());
        m_page->setFailuresOnly(false);
        QCOMPARE(view->rowCount(), m_items + 3);
    }

    void retryFailedRunsOnlyTheFailedItem()
    {
        QSignalSpy finished(m_page, &ui::BatchPage::runFinished);
        m_page->retryFailed();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        // Still corrupt: it fails again; nothing else was touched.
        int failed = 0;
        for (int r = 0; r < m_page->items()->rowCount(); ++r)
            failed += m_page->items()->stateAt(r).status == ItemStatus::Failed;
        QCOMPARE(failed, 1);
        QCOMPARE(checkOutputs(), m_items - 1);
    }

    void restoreAsBatchFromTheArchivePage()
    {
        ui::ArchivePage *archive = m_window->archivePage();
        m_window->showPage(1);
        QTRY_COMPARE_WITH_TIMEOUT(archive->tombstones()->total(), qint64(m_items), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(archive->tombstones()->rowAt(2).has_value(), 20000);
        QTableView *t = archive->table();
        t->clearSelection();
        QStringList picked;
        for (int r = 0; r < 3; ++r) {
            t->selectionModel()->select(t->model()->index(r, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
            picked.append(archive->tombstones()->rowAt(r)->tombstoneId);
        }
        auto *button = archive->findChild<QPushButton *>(QStringLiteral("restoreBatchButton"));
        QVERIFY(button->isEnabled());
        QTest::mouseClick(button, Qt::LeftButton);
        QCOMPARE(m_window->navigation()->currentRow(), 2);
        QVERIFY(m_page->hasManifest());
        QVERIFY(m_page->manifest().path.isEmpty());
        QCOMPARE(m_page->manifest().entries.size(), 3);
        const QString root = QDir(m_ws.path()).filePath(QStringLiteral("restored"));
        for (int i = 0; i < 3; ++i) {
            const batch::ManifestEntry &e = m_page->manifest().entries.at(i);
            QCOMPARE(e.tombstone, picked.at(i));
            const auto row = archive->tombstones()->rowAt(i);
            QCOMPARE(e.resolvedOutput, QDir::cleanPath(root + QLatin1Char('/') + row->repo + QLatin1Char('/') + row->path));
        }
        QVERIFY(m_page->hasUnsavedChanges());
        QTRY_VERIFY_WITH_TIMEOUT(m_page->lastValidation().has_value() && !m_page->isValidating(), 30000);
        QVERIFY2(m_page->lastValidation()->ok(), "three archived items to new files: nothing to object to");

        // Saved, it reads back as the same manifest.
        const QString saved = m_ws.filePath(QStringLiteral("restored/selection.csv"));
        QVERIFY(m_page->saveManifest(saved));
        QVERIFY(!m_page->hasUnsavedChanges());
        QList<batch::ManifestError> errors;
        const auto loaded = batch::Manifest::load(saved, &errors);
        QVERIFY(loaded);
        QCOMPARE(loaded->entries.size(), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(loaded->entries.at(i).tombstone, picked.at(i));
            QCOMPARE(loaded->entries.at(i).resolvedOutput, m_page->manifest().entries.at(i).resolvedOutput);
        }
    }

    void closingWhileRunningAsks()
    {
        // A batch of 150 selected items, paused right after it starts: still running.
        ui::ArchivePage *archive = m_window->archivePage();
        m_window->showPage(1);
        QTRY_VERIFY_WITH_TIMEOUT(archive->tombstones()->rowAt(149).has_value(), 20000);
        QTableView *t = archive->table();
        t->clearSelection();
        t->selectionModel()->select(QItemSelection(t->model()->index(0, 0), t->model()->index(149, 0)),
                                    QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QVERIFY(archive->restoreSelectedAsBatch());
        QCOMPARE(m_page->manifest().entries.size(), 150);
        m_page->setRestoreRoot(m_ws.filePath(QStringLiteral("closing")));
        QTRY_VERIFY_WITH_TIMEOUT(m_page->lastValidation().has_value() && !m_page->isValidating(), 30000);
        QVERIFY(m_page->startRun());
        m_page->pauseRun();
        QVERIFY(m_page->isRunning());
        QVERIFY(m_page->hasUnsavedChanges());

        auto answer = [](const QString &button) {
            QTimer::singleShot(200, [button] {
                auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
                QVERIFY(box);
                for (QAbstractButton *b : box->buttons())
                    if (b->text() == button)
                        b->click();
            });
        };
        // "Keep working": nothing changes.
        answer(QStringLiteral("Keep working"));
        QVERIFY(!m_window->close());
        QVERIFY(m_window->isVisible());
        QVERIFY(m_page->isRunning());
        // "Cancel the batch": the run stops (results written), then the window closes.
        answer(QStringLiteral("Cancel the batch"));
        QVERIFY(m_window->close());
        QVERIFY(!m_page->isRunning());
        QVERIFY(m_page->lastSummary() && m_page->lastSummary()->cancelled);
        QVERIFY(QFileInfo::exists(m_page->lastSummary()->resultsPath));
    }

    void cleanupTestCase()
    {
        qInfo("screenshots in %s", qPrintable(m_shots.path()));
        if (qEnvironmentVariableIsSet("CODEX_BATCH_GUI_KEEP")) {  // for a look afterwards
            m_shots.setAutoRemove(false);
            m_ws.setAutoRemove(false);
            qInfo("workspace kept in %s", qPrintable(m_ws.path()));
        }
        m_window.reset();
    }
};

QTEST_MAIN(TestGuiBatchPage)
#include "tst_gui_batchpage.moc"
