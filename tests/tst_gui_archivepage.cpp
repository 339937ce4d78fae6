// The Archive page as an admin uses it: browse a real SQLite archive, filter, look at an item,
// select rows, restore them, and check the files on disk against their SHA-256.
#include "TestUtil.h"

#include "archive/ArchiveStore.h"
#include "archive/BlobCodec.h"
#include "models/EvidenceModel.h"
#include "models/TombstoneModel.h"
#include "ui/ArchivePage.h"
#include "ui/Banner.h"
#include "ui/MainWindow.h"
#include "ui/RestoreDialog.h"

#include <QDirIterator>
#include <QItemSelectionModel>
#include <QPlainTextEdit>
#include <QLineEdit>
#include <QSqlQuery>
#include <QTableView>
#include <QTableWidget>
#include <QtTest>

using namespace codex;
using namespace codex::archive;

class TestGuiArchivePage : public QObject {
    Q_OBJECT
    QTemporaryDir m_ws;
    std::unique_ptr<ui::MainWindow> m_window;
    ui::ArchivePage *m_page = nullptr;
    QMap<QString, QByteArray> m_content;  ///< tombstone -> original bytes
    QString m_corrupt;

    void screenshot(const QString &name)
    {
        const QString dir = qEnvironmentVariable("CODEX_ADMIN_SCREENSHOT_DIR");
        if (dir.isEmpty())
            return;
        QTest::qWait(150);
        QDir().mkpath(dir);
        QVERIFY(m_window->grab().save(dir + QLatin1Char('/') + name));
    }

    void selectRows(const QList<int> &rows)
    {
        QTableView *t = m_page->table();
        t->clearSelection();
        for (int r : rows)
            t->selectionModel()->select(t->model()->index(r, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }

    int rowOf(const QString &tombstone)
    {
        auto *m = m_page->tombstones();
        for (int r = 0; r < m->rowCount(); ++r)
            if (m->rowAt(r) && m->rowAt(r)->tombstoneId == tombstone)
                return r;
        return -1;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_ws.isValid());
        ArchiveError error;
        auto location = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///./.codex/archive.sqlite"), m_ws.path(), &error);
        QVERIFY2(location, qPrintable(error.message));
        auto store = ArchiveStore::open(*location, ArchiveStore::OpenMode::CreateIfMissing, &error);
        QVERIFY2(store, qPrintable(error.message));
        QVERIFY2(store->ensureSchema(&error), qPrintable(error.message));
        for (int i = 0; i < 30; ++i) {
            StoreRequest req;
            req.repo = i % 3 == 0 ? QStringLiteral("codex/archive") : QStringLiteral("codex/proxy");
            req.path = QStringLiteral("src/mod_%1/file_%2.py").arg(i % 5).arg(i);
            req.commitSha = QStringLiteral("%1").arg(i, 40, 16, QLatin1Char('a'));
            req.actor = i % 2 ? QStringLiteral("alice") : QStringLiteral("bob");
            req.language = QStringLiteral("python");
            req.content = QStringLiteral("# file %1\nprint('restored %1')\n").arg(i).toUtf8().repeated(1 + i);
            req.compression = i % 4 == 0 ? QStringLiteral("zlib") : QStringLiteral("zstd");
            req.legalHold = i == 7;
            req.tags = i % 10 == 0 ? QStringList{QStringLiteral("rollout")} : QStringList{};
            req.archivedAt = QStringLiteral("2026-11-%1T10:00:00Z").arg(1 + i % 20, 2, 10, QLatin1Char('0'));
            const auto tomb = store->store(req, &error);
            QVERIFY2(tomb, qPrintable(error.message));
            m_content.insert(*tomb, req.content);
            if (i == 29)
                m_corrupt = *tomb;
        }
        // One artifact whose recorded hash no longer matches its bytes: the restore must refuse it.
        QVERIFY(testutil::corruptContentHash(store->database(), m_corrupt));
        store.reset();

        m_window = std::make_unique<ui::MainWindow>();
        m_window->resize(1400, 860);
        m_window->openWorkspace(m_ws.path());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_page = m_window->archivePage();
        m_window->showPage(1);
    }

    void listsTheArchiveLazily()
    {
        QTRY_COMPARE_WITH_TIMEOUT(m_page->tombstones()->total(), 30, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->tombstones()->rowAt(0).has_value(), 10000);
        // Newest first by default.
        QCOMPARE(m_page->tombstones()->rowAt(0)->archivedAt, QStringLiteral("2026-11-20T10:00:00Z"));
    }

    void filtersNarrowTheList()
    {
        auto *path = m_page->findChild<QLineEdit *>(QStringLiteral("pathFilter"));
        QTest::keyClicks(path, QStringLiteral("mod_3"));
        QTRY_COMPARE_WITH_TIMEOUT(m_page->tombstones()->total(), 6, 10000);
        path->clear();
        QTRY_COMPARE_WITH_TIMEOUT(m_page->tombstones()->total(), 30, 10000);
    }

    void detailPaneShowsTheItem()
    {
        QTRY_VERIFY(m_page->tombstones()->rowAt(0).has_value());
        selectRows({0});
        QTRY_VERIFY_WITH_TIMEOUT(m_page->detailText().contains(QStringLiteral("SHA-256")), 10000);
        QVERIFY(m_page->detailText().contains(QStringLiteral("compressed")));
        auto *preview = m_page->findChild<QPlainTextEdit *>(QStringLiteral("previewView"));
        QTRY_VERIFY_WITH_TIMEOUT(preview->toPlainText().contains(QStringLiteral("print('restored")), 10000);
        screenshot(QStringLiteral("archive-table-detail.png"));
    }

    void restoreSelectedRowsWritesVerifiedFiles()
    {
        QTemporaryDir out;
        QList<int> rows;
        QStringList tombs;
        for (int r = 0; r < 3; ++r) {
            const auto row = m_page->tombstones()->rowAt(r);
            QVERIFY(row);
            if (row->tombstoneId == m_corrupt)
                continue;
            rows.append(r);
            tombs.append(row->tombstoneId);
        }
        selectRows(rows);
        ui::RestoreDialog *dialog = m_page->restoreSelected();
        QVERIFY(dialog);
        dialog->setFolder(out.path());
        dialog->setActor(QStringLiteral("gui-test"));
        QSignalSpy done(dialog, &ui::RestoreDialog::finished);
        dialog->start();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 20000);
        QCOMPARE(dialog->succeeded(), int(tombs.size()));
        QCOMPARE(dialog->failed(), 0);
        for (const QString &t : tombs) {
            const int r = rowOf(t);
            QVERIFY(r >= 0);
        }
        // Every file on disk matches the archived bytes (repo/path layout under the folder).
        int found = 0;
        QDirIterator it(out.path(), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QByteArray bytes = testutil::readFile(it.next());
            bool matches = false;
            for (const QString &t : tombs)
                matches = matches || BlobCodec::sha256Hex(bytes) == BlobCodec::sha256Hex(m_content.value(t));
            QVERIFY2(matches, qPrintable(it.filePath()));
            ++found;
        }
        QCOMPARE(found, int(tombs.size()));
        dialog->close();
        // The evidence log has one RESTORE line per item.
        QTRY_VERIFY_WITH_TIMEOUT(m_page->evidence()->rowCount() >= int(tombs.size()), 10000);
    }

    void failedRestoreSaysWhyAndWritesNothing()
    {
        QTemporaryDir out;
        m_page->showTombstone(m_corrupt);
        QTRY_COMPARE_WITH_TIMEOUT(m_page->tombstones()->total(), 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(m_page->tombstones()->rowAt(0).has_value(), 10000);
        selectRows({0});
        ui::RestoreDialog *dialog = m_page->restoreSelected();
        QVERIFY(dialog);
        dialog->setFolder(out.path());
        QSignalSpy done(dialog, &ui::RestoreDialog::finished);
        dialog->start();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 20000);
        QCOMPARE(dialog->failed(), 1);
        QVERIFY2(dialog->messages().first().contains(QStringLiteral("hash mismatch")), qPrintable(dialog->messages().first()));
        QCOMPARE(QDir(out.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot).size(), 0);
        QDirIterator it(out.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        QVERIFY2(!it.hasNext(), "nothing half-written is left behind");
        if (!qEnvironmentVariableIsEmpty("CODEX_ADMIN_SCREENSHOT_DIR")) {
            QTest::qWait(150);
            QVERIFY(dialog->grab().save(qEnvironmentVariable("CODEX_ADMIN_SCREENSHOT_DIR") + QStringLiteral("/archive-restore-failed.png")));
        }
        dialog->close();
        m_page->findChild<QLineEdit *>(QStringLiteral("tombstoneFilter"))->clear();
    }

    void missingArchiveIsOfferedNotCreated()
    {
        QTemporaryDir other;
        testutil::writeFile(other.filePath(QStringLiteral(".codex/archive.toml")),
                            "[backend]\ntype = \"sqlite\"\nurl = \"sqlite:///data/elsewhere.sqlite\"\n");
        ui::ArchivePage page;
        page.setWorkspace(Workspace(other.path()));
        auto *banner = page.findChild<ui::Banner *>(QStringLiteral("archiveNotFound"));
        page.show();
        QTRY_VERIFY_WITH_TIMEOUT(!banner->text().isEmpty(), 10000);
        QVERIFY2(banner->text().contains(QStringLiteral("does not exist")), qPrintable(banner->text()));
        QVERIFY(!QFileInfo::exists(other.filePath(QStringLiteral("data/elsewhere.sqlite"))));
        QVERIFY(!QFileInfo::exists(other.filePath(QStringLiteral("data"))));
    }

    void cleanupTestCase()
    {
        m_window.reset();
    }
};

QTEST_MAIN(TestGuiArchivePage)
#include "tst_gui_archivepage.moc"
