// RestoreService on SQLite, the real PostgreSQL and the real MariaDB: verified, atomic,
// never overwriting without consent, and recorded in the archive and the evidence log exactly
// once per attempt.
#include "TestUtil.h"

#include "archive/ArchiveStore.h"
#include "archive/BlobCodec.h"
#include "archive/RestoreService.h"
#include "evidence/EvidenceLog.h"
#include "evidence/EvidenceReader.h"

#include <QDirIterator>
#include <QJsonDocument>
#include <QProcess>
#include <QSqlQuery>
#include <QtTest>

#include <csignal>
#include <sys/resource.h>

using namespace codex;
using namespace codex::archive;

namespace {

RestoreRequest req(const QString &tombstone, const QString &output, const QString &actor,
                   ConflictPolicy conflict = ConflictPolicy::Refuse, const QString &evidencePath = {})
{
    RestoreRequest r;
    r.tombstone = tombstone;
    r.output = output;
    r.actor = actor;
    r.conflict = conflict;
    r.evidencePath = evidencePath;
    return r;
}

QList<evidence::EvidenceRecord> readEvidence(const QString &path)
{
    QList<evidence::EvidenceRecord> out;
    evidence::EvidenceReader::read(path, [&](const evidence::EvidenceRecord &r) { out.append(r); return true; },
                                   [](const evidence::EvidenceProblem &) {});
    return out;
}

}  // namespace

class TestRestore : public QObject {
    Q_OBJECT

    QTemporaryDir m_ws;
    std::unique_ptr<ArchiveStore> m_store;
    QString m_evidence;
    QString m_backend;

    QString storeItem(const QByteArray &content, const QString &codec = QStringLiteral("zstd"), const QString &path = QStringLiteral("src/a.py"))
    {
        StoreRequest r;
        r.repo = QStringLiteral("codex/test");
        r.path = path;
        r.commitSha = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
        r.actor = QStringLiteral("tester");
        r.content = content;
        r.compression = codec;
        ArchiveError e;
        const auto t = m_store->store(r, &e);
        if (!t)
            qFatal("store failed: %s", qPrintable(e.message));
        return *t;
    }

    bool sql(const QString &statement, const QVariantMap &binds)
    {
        QSqlQuery q(m_store->database());
        q.prepare(statement);
        for (auto it = binds.cbegin(); it != binds.cend(); ++it)
            q.bindValue(it.key(), it.value());
        return q.exec();
    }

    QString outPath(const QString &name) const { return m_ws.filePath(QStringLiteral("out/") + name); }

private Q_SLOTS:
    void initTestCase_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("sqlite") << QStringLiteral("sqlite");
        QTest::newRow("postgres") << QStringLiteral("postgres");
        QTest::newRow("mariadb") << QStringLiteral("mariadb");
    }

    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        m_backend = backend;
        QString url;
        if (backend == QLatin1String("sqlite"))
            url = QStringLiteral("sqlite:///./.codex/archive-%1.sqlite").arg(QTest::currentTestFunction());
        else
            url = testutil::serverUrl(backend == QLatin1String("postgres") ? "CODEX_TEST_PG_URL_FILE" : "CODEX_TEST_MARIADB_URL_FILE");
        QVERIFY2(!url.isEmpty(), qPrintable(QStringLiteral("no %1 server: the CTest fixture must start it (no silent skip)").arg(backend)));
        ArchiveError e;
        const auto location = ArchiveLocation::fromUrl(url, m_ws.path(), &e);
        QVERIFY2(location, qPrintable(e.message));
        m_store = ArchiveStore::open(*location, ArchiveStore::OpenMode::CreateIfMissing, &e);
        QVERIFY2(m_store, qPrintable(e.message));
        QVERIFY2(m_store->ensureSchema(&e), qPrintable(e.message));
        m_evidence = m_ws.filePath(QStringLiteral(".codex/evidence/archive_ops.jsonl"));
        QFile::remove(m_evidence);
        QDir(m_ws.filePath(QStringLiteral("out"))).removeRecursively();
    }

    void cleanup() { m_store.reset(); }

    void restoresBytesAndRecordsIt()
    {
        const QByteArray content = QByteArray("def main():\n    return 42\n").repeated(500);
        const QString t = storeItem(content);
        evidence::EvidenceLog log(m_evidence);
        RestoreService service(*m_store, &log);
        const RestoreResult r = service.restore(req(t, outPath(QStringLiteral("a.py")), QStringLiteral("alice"), ConflictPolicy::Refuse, QStringLiteral("out/a.py")));
        QVERIFY2(r.ok, qPrintable(r.error.message));
        QCOMPARE(testutil::readFile(outPath(QStringLiteral("a.py"))), content);
        QCOMPARE(r.sha256, BlobCodec::sha256Hex(content));
        ArchiveError e;
        const auto detail = m_store->item(t, &e);
        QVERIFY(detail);
        QVERIFY(!detail->item.restoredAt.isEmpty());
        QVERIFY(std::any_of(detail->events.cbegin(), detail->events.cend(), [](const EventRow &ev) { return ev.action == QLatin1String("RESTORE"); }));
        const auto records = readEvidence(m_evidence);
        QCOMPARE(records.size(), 1);
        QCOMPARE(records[0].action, QStringLiteral("RESTORE"));
        QCOMPARE(records[0].fields.value(QStringLiteral("actor")).toString(), QStringLiteral("alice"));
        QCOMPARE(records[0].fields.value(QStringLiteral("tombstone")).toString(), t);
        QCOMPARE(records[0].fields.value(QStringLiteral("path")).toString(), QStringLiteral("out/a.py"));
        QCOMPARE(records[0].fields.value(QStringLiteral("repo")).toString(), QStringLiteral("codex/test"));
        QVERIFY(QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$")).match(records[0].ts).hasMatch());
    }

    void zlibItemsRestoreToo()
    {
        const QByteArray content = QByteArray("zlib payload\n").repeated(100);
        const QString t = storeItem(content, QStringLiteral("zlib"));
        RestoreService service(*m_store, nullptr);
        const RestoreResult r = service.restore(req(t, outPath(QStringLiteral("z.txt")), QStringLiteral("alice")));
        QVERIFY2(r.ok, qPrintable(r.error.message));
        QCOMPARE(testutil::readFile(outPath(QStringLiteral("z.txt"))), content);
    }

    void existingOutputIsNeverOverwrittenSilently()
    {
        const QString t = storeItem("new content\n");
        testutil::writeFile(outPath(QStringLiteral("keep.txt")), "the admin's file\n");
        evidence::EvidenceLog log(m_evidence);
        RestoreService service(*m_store, &log);
        RestoreResult r = service.restore(req(t, outPath(QStringLiteral("keep.txt")), QStringLiteral("alice")));
        QVERIFY(!r.ok);
        QCOMPARE(r.error.kind, ArchiveError::Kind::OutputExists);
        QCOMPARE(testutil::readFile(outPath(QStringLiteral("keep.txt"))), QByteArray("the admin's file\n"));
        r = service.restore(req(t, outPath(QStringLiteral("keep.txt")), QStringLiteral("alice"), ConflictPolicy::RenameWithSuffix));
        QVERIFY2(r.ok, qPrintable(r.error.message));
        QCOMPARE(r.output, outPath(QStringLiteral("keep (1).txt")));
        QCOMPARE(testutil::readFile(outPath(QStringLiteral("keep.txt"))), QByteArray("the admin's file\n"));
        r = service.restore(req(t, outPath(QStringLiteral("keep.txt")), QStringLiteral("alice"), ConflictPolicy::Overwrite));
        QVERIFY2(r.ok, qPrintable(r.error.message));
        QCOMPARE(testutil::readFile(outPath(QStringLiteral("keep.txt"))), QByteArray("new content\n"));
        const auto records = readEvidence(m_evidence);
        QCOMPARE(records.size(), 3);
        QCOMPARE(records[0].action, QStringLiteral("RESTORE_FAIL"));
        QVERIFY(records[0].fields.value(QStringLiteral("reason")).toString().contains(QStringLiteral("Output exists")));
    }

    void hashMismatchWritesNothing()
    {
        const QString t = storeItem("trusted bytes\n");
        QVERIFY(testutil::corruptContentHash(m_store->database(), t, QLatin1Char('f')));
        evidence::EvidenceLog log(m_evidence);
        RestoreService service(*m_store, &log);
        const RestoreResult r = service.restore(req(t, outPath(QStringLiteral("h.txt")), QStringLiteral("alice")));
        QVERIFY(!r.ok);
        QCOMPARE(r.error.kind, ArchiveError::Kind::HashMismatch);
        QVERIFY(!QFileInfo::exists(outPath(QStringLiteral("h.txt"))));
        QDirIterator it(m_ws.filePath(QStringLiteral("out")), QDir::Files | QDir::Hidden);
        QVERIFY2(!it.hasNext(), "no temporary file left behind");
        ArchiveError e;
        QVERIFY(m_store->item(t, &e)->item.restoredAt.isEmpty());
        const auto records = readEvidence(m_evidence);
        QCOMPARE(records.size(), 1);
        QCOMPARE(records[0].action, QStringLiteral("RESTORE_FAIL"));
        QCOMPARE(records[0].fields.value(QStringLiteral("backend")).toString(), m_backend);
    }

    void corruptBlobAndUnknownCodecFailClearly()
    {
        const QString t = storeItem(QByteArray("x").repeated(1000));
        QVERIFY(sql(QStringLiteral("UPDATE artifact SET blob_bytes = :b WHERE id = (SELECT artifact_id FROM item WHERE tombstone_id = :t)"),
                    {{QStringLiteral(":b"), QByteArray("not zstd at all")}, {QStringLiteral(":t"), t}}));
        RestoreService service(*m_store, nullptr);
        RestoreResult r = service.restore(req(t, outPath(QStringLiteral("c.txt")), QStringLiteral("alice")));
        QVERIFY(!r.ok);
        QVERIFY2(r.error.message.startsWith(QStringLiteral("Decompression failed with codec 'zstd'")), qPrintable(r.error.message));
        QVERIFY(sql(QStringLiteral("UPDATE artifact SET compression = 'brotli' WHERE id = (SELECT artifact_id FROM item WHERE tombstone_id = :t)"),
                    {{QStringLiteral(":t"), t}}));
        r = service.restore(req(t, outPath(QStringLiteral("c.txt")), QStringLiteral("alice")));
        QVERIFY(!r.ok);
        QVERIFY2(r.error.message.contains(QStringLiteral("'brotli'")), qPrintable(r.error.message));
        QVERIFY(!QFileInfo::exists(outPath(QStringLiteral("c.txt"))));
    }

    void purgedAndUnknownTombstones()
    {
        const QString t = storeItem("soon gone\n");
        QVERIFY(sql(QStringLiteral("UPDATE artifact SET blob_bytes = NULL, storage_driver = 'object', object_url = 'purged://dual-control' "
                                   "WHERE id = (SELECT artifact_id FROM item WHERE tombstone_id = :t)"),
                    {{QStringLiteral(":t"), t}}));
        RestoreService service(*m_store, nullptr);
        RestoreResult r = service.restore(req(t, outPath(QStringLiteral("p.txt")), QStringLiteral("alice")));
        QCOMPARE(r.error.kind, ArchiveError::Kind::Purged);
        QCOMPARE(r.error.message, QStringLiteral("Artifact payload has been purged; bytes unavailable"));
        r = service.restore(req(QStringLiteral("no-such-tombstone"), outPath(QStringLiteral("p.txt")), QStringLiteral("alice")));
        QCOMPARE(r.error.kind, ArchiveError::Kind::TombstoneNotFound);
        QVERIFY(r.error.message.startsWith(QStringLiteral("Tombstone not found")));
    }

    void unwritableTargetAndFullDisk()
    {
        const QString t = storeItem(QByteArray("y").repeated(200000));
        testutil::writeFile(outPath(QStringLiteral("afile")), "x");
        RestoreService service(*m_store, nullptr);
        // A folder that cannot exist: its parent is a file (root bypasses permission bits).
        RestoreResult r = service.restore(req(t, outPath(QStringLiteral("afile/child.txt")), QStringLiteral("alice")));
        QVERIFY(!r.ok);
        QCOMPARE(r.error.kind, ArchiveError::Kind::Io);
        // A full disk: the file size limit makes write() fail like ENOSPC does.
        struct rlimit old {};
        getrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = old;
        small.rlim_cur = 4096;
        setrlimit(RLIMIT_FSIZE, &small);
        r = service.restore(req(t, outPath(QStringLiteral("full.bin")), QStringLiteral("alice")));
        setrlimit(RLIMIT_FSIZE, &old);
        QVERIFY(!r.ok);
        QCOMPARE(r.error.kind, ArchiveError::Kind::Io);
        QVERIFY2(r.error.message.contains(QStringLiteral("full.bin")), qPrintable(r.error.message));
        QVERIFY(!QFileInfo::exists(outPath(QStringLiteral("full.bin"))));
        QDirIterator it(m_ws.filePath(QStringLiteral("out")), {QStringLiteral(".codex-restore-*")}, QDir::Files | QDir::Hidden);
        QVERIFY2(!it.hasNext(), "the temporary file was removed");
    }

    void cancelStopsBeforeWriting()
    {
        const QString t = storeItem("cancel me\n");
        RestoreService service(*m_store, nullptr);
        std::atomic_bool cancel{true};
        const RestoreResult r = service.restore(req(t, outPath(QStringLiteral("x.txt")), QStringLiteral("alice")), &cancel);
        QCOMPARE(r.error.kind, ArchiveError::Kind::Cancelled);
        QVERIFY(!QFileInfo::exists(outPath(QStringLiteral("x.txt"))));
    }
};

QTEST_GUILESS_MAIN(TestRestore)
#include "tst_restore.moc"
