// ArchiveStore against SQLite, a real PostgreSQL 15 and a real MariaDB server.
// The servers are started by the CTest fixtures db_postgres_start / db_mariadb_start
// (tests/fixtures/dbserver.sh); their URLs come from the files named by CODEX_TEST_PG_URL_FILE
// and CODEX_TEST_MARIADB_URL_FILE. A missing URL file FAILS the server rows: never a silent skip.
#include "TestUtil.h"

#include "archive/ArchiveLocation.h"
#include "archive/ArchiveSchema.h"
#include "archive/ArchiveStore.h"
#include "archive/BlobCodec.h"
#include "archive/HealthCheck.h"
#include "config/ConfigResolver.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace codex::archive;

namespace {

const QString kPython = QStringLiteral("/usr/bin/python3");

QString fixturePath(const QString &name)
{
    return QStringLiteral(CODEXADMIN_SOURCE_DIR "/tests/fixtures/") + name;
}

QString isoAt(int day, int hour, int minute = 0)
{
    return QStringLiteral("2024-05-%1T%2:%3:00Z")
        .arg(day, 2, 10, QLatin1Char('0'))
        .arg(hour, 2, 10, QLatin1Char('0'))
        .arg(minute, 2, 10, QLatin1Char('0'));
}

QString plainAt(int day, int hour, int minute = 0)
{
    return isoAt(day, hour, minute).replace(QLatin1Char('T'), QLatin1Char(' ')).remove(QLatin1Char('Z'));
}

QDateTime utc(int day, int hour, int minute = 0)
{
    return QDateTime(QDate(2024, 5, day), QTime(hour, minute), Qt::UTC);
}

/// Both forms compare as the same instant.
QString normalized(const QString &ts)
{
    QString t = ts;
    return t.replace(QLatin1Char('T'), QLatin1Char(' ')).remove(QLatin1Char('Z'));
}

}  // namespace

class TestArchiveStore : public QObject {
    Q_OBJECT

    QString m_password;  // of the server under test, to prove it never shows
    QStringList m_messages;

    /// Every error message any test saw; none may hold a password.
    void note(const ArchiveError &e)
    {
        if (!e.message.isEmpty())
            m_messages << e.message;
        if (!m_password.isEmpty())
            QVERIFY2(!e.message.contains(m_password), qPrintable(QStringLiteral("password leaked: ") + e.message));
    }

    void addBackends(bool withSqlite = true)
    {
        QTest::addColumn<QString>("backend");
        if (withSqlite)
            QTest::newRow("sqlite") << QStringLiteral("sqlite");
        QTest::newRow("postgres") << QStringLiteral("postgres");
        QTest::newRow("mariadb") << QStringLiteral("mariadb");
    }

    QString serverUrl(const QString &backend)
    {
        const char *var = backend == QLatin1String("postgres") ? "CODEX_TEST_PG_URL_FILE" : "CODEX_TEST_MARIADB_URL_FILE";
        const QString file = qEnvironmentVariable(var);
        if (file.isEmpty()) {
            QTest::qFail(qPrintable(QStringLiteral("%1 is not set: run through ctest so the %2 server fixture starts")
                                        .arg(QLatin1String(var), backend)),
                         __FILE__, __LINE__);
            return {};
        }
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly)) {
            QTest::qFail(qPrintable(QStringLiteral("the %1 server did not start: no URL file %2").arg(backend, file)),
                         __FILE__, __LINE__);
            return {};
        }
        return QString::fromUtf8(f.readAll()).trimmed();
    }

    /// The location of a fresh, empty archive of the given backend (server tables dropped).
    ArchiveLocation location(const QString &backend, QTemporaryDir &dir)
    {
        ArchiveError err;
        const QString url = backend == QLatin1String("sqlite")
                                ? QStringLiteral("sqlite:///") + dir.filePath(QStringLiteral("archive.sqlite"))
                                : serverUrl(backend);
        if (url.isEmpty())
            return {};
        auto loc = ArchiveLocation::fromUrl(url, dir.path(), &err);
        if (!loc) {
            QTest::qFail(qPrintable(err.message), __FILE__, __LINE__);
            return {};
        }
        m_password = loc->password;
        return *loc;
    }

    static void dropTables(QSqlDatabase db)
    {
        QSqlQuery q(db);
        for (const char *t : {"referent", "tag", "event", "item", "artifact"})
            q.exec(QStringLiteral("DROP TABLE IF EXISTS %1").arg(QLatin1String(t)));
    }

    /// Opens a fresh archive with the reference schema.
    std::unique_ptr<ArchiveStore> fresh(const QString &backend, QTemporaryDir &dir, ArchiveLocation *out = nullptr)
    {
        const ArchiveLocation loc = location(backend, dir);
        if (QTest::currentTestFailed())
            return nullptr;
        if (out)
            *out = loc;
        ArchiveError err;
        auto store = ArchiveStore::open(loc, ArchiveStore::OpenMode::CreateIfMissing, &err);
        note(err);
        if (!store) {
            QTest::qFail(qPrintable(QStringLiteral("open failed: ") + err.message), __FILE__, __LINE__);
            return nullptr;
        }
        if (loc.backend != Backend::Sqlite)
            dropTables(store->database());
        if (!store->ensureSchema(&err)) {
            QTest::qFail(qPrintable(QStringLiteral("ensureSchema failed: ") + err.message), __FILE__, __LINE__);
            return nullptr;
        }
        return store;
    }

    StoreRequest request(const QString &repo, const QString &path, const QByteArray &content)
    {
        StoreRequest r;
        r.repo = repo;
        r.path = path;
        r.commitSha = QStringLiteral("a").repeated(40);
        r.actor = QStringLiteral("tester");
        r.content = content;
        return r;
    }

    /// Twelve items with known fields; archived_at alternates between both timestamp forms.
    QStringList populate(ArchiveStore &store)
    {
        QStringList tombstones;
        const QStringList repos{QStringLiteral("alpha"), QStringLiteral("beta"), QStringLiteral("gamma")};
        const QStringList reasons{QStringLiteral("dead"), QStringLiteral("pruned"), QStringLiteral("legacy"),
                                  QStringLiteral("replaced")};
        const QStringList kinds{QStringLiteral("code"), QStringLiteral("doc"), QStringLiteral("asset")};
        for (int i = 0; i < 12; ++i) {
            StoreRequest r = request(repos[i % 3], QStringLiteral("src/mod%1/File_%2.py").arg(i % 4).arg(i, 2, 10, QLatin1Char('0')),
                                     QByteArray("content number ") + QByteArray::number(i) + QByteArray(i * 100, 'x'));
            r.actor = QStringLiteral("actor%1").arg(i % 2);
            r.reason = reasons[i % 4];
            r.kind = kinds[i % 3];
            r.language = i % 3 == 2 ? QString() : (i % 2 ? QStringLiteral("python") : QStringLiteral("rust"));
            r.compression = i % 2 ? QStringLiteral("zlib") : QStringLiteral("zstd");
            // Day 1..12 at 10:00, but the order of insertion is scrambled, and the two forms alternate.
            const int day = 1 + (i * 5) % 12;
            r.archivedAt = i % 2 ? plainAt(day, 10) : isoAt(day, 10);
            r.legalHold = i == 4 || i == 9;
            if (i % 4 == 0)
                r.tags << QStringLiteral("hot");
            r.tags << QStringLiteral("t%1").arg(i % 3);
            ArchiveError err;
            const auto t = store.store(r, &err);
            note(err);
            if (!t) {
                QTest::qFail(qPrintable(err.message), __FILE__, __LINE__);
                return {};
            }
            tombstones << *t;
        }
        return tombstones;
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(QFileInfo::exists(kPython), "Debian's python3 is needed for the fixtures");
    }

    void cleanupTestCase()
    {
        // Every message any test produced was checked for the password already; keep a trace.
        qInfo("%lld error messages checked for secrets", qlonglong(m_messages.size()));
        for (const QString &m : std::as_const(m_messages))
            qInfo("  %s", qPrintable(m));
    }

    // ---- locations ---------------------------------------------------------------------------

    void urlForms()
    {
        ArchiveError err;
        auto a = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///./.codex/archive.sqlite"), QStringLiteral("/ws"), &err);
        QVERIFY(a);
        QCOMPARE(a->sqlitePath, QStringLiteral("/ws/.codex/archive.sqlite"));
        QVERIFY(a->isDefaultSqlite);
        QCOMPARE(a->qtDriver(), QStringLiteral("QSQLITE"));
        auto b = ArchiveLocation::fromUrl(QStringLiteral("sqlite:////var/lib/a.sqlite"), QStringLiteral("/ws"), &err);
        QVERIFY(b);
        QCOMPARE(b->sqlitePath, QStringLiteral("/var/lib/a.sqlite"));
        QVERIFY(!b->isDefaultSqlite);
        auto c = ArchiveLocation::fromUrl(QStringLiteral("postgresql://bob:s%40cret@db.example.com:5433/archive"),
                                          QString(), &err);
        QVERIFY(c);
        QCOMPARE(c->backend, Backend::Postgres);
        QCOMPARE(c->password, QStringLiteral("s@cret"));
        QCOMPARE(c->port, 5433);
        QCOMPARE(c->database, QStringLiteral("archive"));
        QCOMPARE(c->redactedUrl, QStringLiteral("postgresql://***@db.example.com:5433/archive"));
        QVERIFY(ArchiveLocation::fromUrl(QStringLiteral("postgres://u:p@h/db"), QString(), &err)->backend == Backend::Postgres);
        auto m = ArchiveLocation::fromUrl(QStringLiteral("mysql+pymysql://u:hunter22@h:3306/arc"), QString(), &err);
        QVERIFY(m);
        QCOMPARE(m->backend, Backend::MariaDb);
        QCOMPARE(m->qtDriver(), QStringLiteral("QMYSQL"));
        QVERIFY(ArchiveLocation::fromUrl(QStringLiteral("mariadb://u@h/arc"), QString(), &err)->backend == Backend::MariaDb);
        QVERIFY(!ArchiveLocation::fromUrl(QStringLiteral("oracle://u:hunter22@h/x"), QString(), &err));
        QCOMPARE(err.kind, ArchiveError::Kind::BadUrl);
        QVERIFY(!err.message.contains(QStringLiteral("hunter22")));
        QVERIFY(!ArchiveLocation::fromUrl(QStringLiteral("postgresql://u:hunter22@h:99999/x"), QString(), &err));
        QVERIFY(!err.message.contains(QStringLiteral("hunter22")));
        QVERIFY(!ArchiveLocation::fromUrl(QStringLiteral("postgresql://u:hunter22@h/"), QString(), &err));
        QVERIFY(err.message.contains(QStringLiteral("***@")));
        QCOMPARE(backendName(Backend::MariaDb), QStringLiteral("mariadb"));
        ItemFilter f;
        QVERIFY(f.isEmpty());
        f.restored = false;
        QVERIFY(!f.isEmpty());
    }

    void fromConfig()
    {
        using namespace codex::config;
        QTemporaryDir ws;
        auto resolve = [&](const QString &profile, const QMap<QString, QString> &env) {
            ConfigInputs in;
            in.workspace = ws.path();
            in.environment = env;
            in.homeDir = ws.path();
            return ConfigResolver::resolve(*PrecedenceProfile::byId(profile), in);
        };
        ArchiveError err;
        // Defaults: the embedded SQLite archive of the workspace.
        for (const QString &profile : {QStringLiteral("a"), QStringLiteral("b")}) {
            const auto loc = ArchiveLocation::fromConfig(resolve(profile, {}), ws.path(), &err);
            QVERIFY2(loc, qPrintable(err.message));
            QCOMPARE(loc->backend, Backend::Sqlite);
            QVERIFY(loc->isDefaultSqlite);
            QCOMPARE(loc->sqlitePath, QDir(ws.path()).filePath(QStringLiteral(".codex/archive.sqlite")));
        }
        // Generation A: backend.type + backend.url from the environment.
        auto loc = ArchiveLocation::fromConfig(
            resolve(QStringLiteral("a"), {{QStringLiteral("CODEX_ARCHIVE_BACKEND"), QStringLiteral("postgres")},
                                          {QStringLiteral("CODEX_ARCHIVE_URL"), QStringLiteral("postgresql://u:pw1234@db:5432/arc")}}),
            ws.path(), &err);
        QVERIFY2(loc, qPrintable(err.message));
        QCOMPARE(loc->backend, Backend::Postgres);
        QCOMPARE(loc->database, QStringLiteral("arc"));
        // A backend that contradicts the URL is refused, naming the redacted URL only.
        loc = ArchiveLocation::fromConfig(
            resolve(QStringLiteral("a"), {{QStringLiteral("CODEX_ARCHIVE_BACKEND"), QStringLiteral("mariadb")},
                                          {QStringLiteral("CODEX_ARCHIVE_URL"), QStringLiteral("postgresql://u:pw1234@db:5432/arc")}}),
            ws.path(), &err);
        QVERIFY(!loc);
        QCOMPARE(err.kind, ArchiveError::Kind::BadUrl);
        QVERIFY2(err.message.contains(QStringLiteral("postgresql://***@db:5432/arc")), qPrintable(err.message));
        QVERIFY(!err.message.contains(QStringLiteral("pw1234")));
        // Generation B infers the backend from the URL.
        loc = ArchiveLocation::fromConfig(
            resolve(QStringLiteral("b"), {{QStringLiteral("CODEX_ARCHIVE_URL"), QStringLiteral("mysql+pymysql://u:pw@h/arc")}}),
            ws.path(), &err);
        QVERIFY2(loc, qPrintable(err.message));
        QCOMPARE(loc->backend, Backend::MariaDb);
    }

    // ---- schema ------------------------------------------------------------------------------

    void schema_data() { addBackends(); }
    void schema()
    {
        QFETCH(QString, backend);
        QTemporaryDir dir;
        auto store = fresh(backend, dir);
        if (!store)
            return;
        ArchiveError err;
        QCOMPARE(store->missingTables(&err), QStringList());
        QVERIFY(store->probeLatencyUs(&err) >= 0);
        // A database with tables missing.
        QSqlQuery q(store->database());
        QVERIFY(q.exec(QStringLiteral("DROP TABLE referent")));
        QVERIFY(q.exec(QStringLiteral("DROP TABLE tag")));
        QCOMPARE(store->missingTables(&err), (QStringList{QStringLiteral("tag"), QStringLiteral("referent")}));
        HealthReport h = HealthCheck::run(store->location());
        QVERIFY(h.reachable);
        QVERIFY(!h.schemaPresent);
        QCOMPARE(h.missingTables, (QStringList{QStringLiteral("tag"), QStringLiteral("referent")}));
        QVERIFY(h.toText().contains(QStringLiteral("Status: \u2717 FAILED (missing tables: tag, referent)")));
        QVERIFY(store->ensureSchema(&err));
        QCOMPARE(store->missingTables(&err), QStringList());
        QVERIFY(store->ensureSchema(&err));  // idempotent
        h = HealthCheck::run(store->location());
        QVERIFY2(h.reachable && h.schemaPresent, qPrintable(h.message));
        QCOMPARE(h.itemCount, 0);
        QVERIFY(h.probeLatencyUs >= 0);
        const QStringList lines = h.toText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.value(0), QStringLiteral("=== Archive Health Check ==="));
        QCOMPARE(lines.value(1), QStringLiteral("Backend: ") + backend);
        QCOMPARE(lines.value(2), QStringLiteral("URL: ") + store->location().redactedUrl
                                     + (backend == QLatin1String("sqlite") ? QString() : QStringLiteral(" (credentials redacted)")));
        QCOMPARE(lines.value(3), QStringLiteral("Status: \u2713 OK"));
        QCOMPARE(lines.value(4), QStringLiteral("Items Retrievable: 0"));
        QCOMPARE(h.toJson().value(QStringLiteral("schema_present")).toBool(), true);
        if (!m_password.isEmpty())
            QVERIFY(!h.toText().contains(m_password));

        if (backend == QLatin1String("sqlite")) {
            QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
            QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
            QVERIFY(q.exec(QStringLiteral("PRAGMA foreign_keys")) && q.next());
            QCOMPARE(q.value(0).toInt(), 1);
            // Our own new files get the index on the normalised archived_at.
            QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = 'idx_item_archived_at_norm'")) && q.next());
            QCOMPARE(q.value(0).toInt(), 1);
        }
    }

    // ---- store / blob ------------------------------------------------------------------------

    void storeAndBlob_data() { addBackends(); }
    void storeAndBlob()
    {
        QFETCH(QString, backend);
        QTemporaryDir dir;
        auto store = fresh(backend, dir);
        if (!store)
            return;
        QByteArray binary;
        for (int i = 0; i < 70000; ++i)
            binary.append(char((i * 7919) % 251));
        const QList<QPair<QString, QByteArray>> contents{
            {QStringLiteral("zstd"), QByteArray("hello archive\n").repeated(100)},
            {QStringLiteral("zlib"), binary},
            {QStringLiteral("zstd"), QByteArray()},
            {QStringLiteral("zlib"), QByteArray("ünïcödé ✓\n")},
        };
        for (const auto &[codec, content] : contents) {
            StoreRequest r = request(QStringLiteral("repo"), QStringLiteral("dir/ünï file %1.txt").arg(codec), content);
            r.compression = codec;
            r.language = QStringLiteral("text");
            r.tags = {QStringLiteral("b"), QStringLiteral("a"), QStringLiteral("b")};
            ArchiveError err;
            const auto tomb = store->store(r, &err);
            note(err);
            QVERIFY2(tomb, qPrintable(err.message));
            QVERIFY(!QUuid::fromString(*tomb).isNull());
            const auto blob = store->blob(*tomb, &err);
            QVERIFY2(blob, qPrintable(err.message));
            QCOMPARE(blob->artifact.compression, codec);
            QCOMPARE(blob->artifact.sizeBytes, content.size());
            QCOMPARE(blob->artifact.storageDriver, QStringLiteral("db"));
            const QByteArray raw = BlobCodec::decompress(codec, blob->compressed, blob->artifact.sizeBytes, &err);
            QVERIFY2(!err, qPrintable(err.message));
            QCOMPARE(raw, content);
            QCOMPARE(BlobCodec::sha256Hex(raw), blob->artifact.contentSha256);
            // The streamed payload (SQLite: incremental blob I/O) is the same bytes, same facts.
            {
                auto stream = store->openBlob(*tomb, &err);
                QVERIFY2(stream, qPrintable(err.message));
                QCOMPARE(stream->itemId, blob->itemId);
                QCOMPARE(stream->artifact.blobSize, blob->compressed.size());
                QCOMPARE(stream->payload->size(), blob->compressed.size());
                QByteArray streamed;
                const char *piece = nullptr;
                for (qint64 n; (n = stream->payload->next(&piece)) > 0;)
                    streamed.append(piece, n);
                QCOMPARE(streamed, blob->compressed);
            }

            const auto detail = store->item(*tomb, &err);
            QVERIFY2(detail, qPrintable(err.message));
            QCOMPARE(detail->tags, (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
            QCOMPARE(detail->metadata.value(QStringLiteral("sha256")).toString(), blob->artifact.contentSha256);
            QCOMPARE(detail->metadata.value(QStringLiteral("compressed_size")).toInteger(), blob->compressed.size());
            QCOMPARE(detail->metadata.value(QStringLiteral("size_bytes")).toInteger(), content.size());
            QCOMPARE(detail->metadata.value(QStringLiteral("compression")).toString(), codec);
            QCOMPARE(detail->events.size(), 1);
            QCOMPARE(detail->events[0].action, QStringLiteral("ARCHIVE"));
            QCOMPARE(detail->events[0].actor, QStringLiteral("tester"));
            QCOMPARE(detail->events[0].context.value(QStringLiteral("path")).toString(), r.path);
            QCOMPARE(detail->events[0].context.keys(),
                     (QStringList{QStringLiteral("commit"), QStringLiteral("path"), QStringLiteral("python"), QStringLiteral("repo")}));
            QVERIFY(QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$"))
                        .match(detail->item.archivedAt).hasMatch());
            QCOMPARE(detail->item.compressedSize, blob->compressed.size());
        }
        // Same content again: the artifact is reused (content-addressed).
        ArchiveError err;
        const auto again = store->store(request(QStringLiteral("repo2"), QStringLiteral("copy.txt"), contents[0].second), &err);
        QVERIFY(again);
        QSqlQuery q(store->database());
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM artifact")) && q.next());
        QCOMPARE(q.value(0).toInt(), 4);
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM item")) && q.next());
        QCOMPARE(q.value(0).toInt(), 5);

        if (backend == QLatin1String("sqlite")) {
            // Byte for byte what Python's json.dumps(sort_keys=True, separators=(",", ":")) writes.
            QVERIFY(q.exec(QStringLiteral("SELECT i.metadata, e.context, a.content_sha256, length(a.blob_bytes) FROM item i "
                                          "JOIN event e ON e.item_id = i.id JOIN artifact a ON a.id = i.artifact_id "
                                          "WHERE i.path LIKE '%zlib%'")));
            QVERIFY(q.next());
            const QString expected = QStringLiteral("{\"compressed_size\":%1,\"compression\":\"zlib\",\"language\":\"text\","
                                                    "\"mime_type\":\"text/plain\",\"sha256\":\"%2\",\"size_bytes\":%3}")
                                         .arg(q.value(3).toLongLong())
                                         .arg(q.value(2).toString())
                                         .arg(binary.size());
            QCOMPARE(q.value(0).toString(), expected);
            QCOMPARE(q.value(1).toString(),
                     QStringLiteral("{\"commit\":\"%1\",\"path\":\"dir/\\u00fcn\\u00ef file zlib.txt\",\"python\":\"codex-admin "
                                    CODEXADMIN_VERSION "\",\"repo\":\"repo\"}")
                         .arg(QStringLiteral("a").repeated(40)));
            // And Python agrees.
            QProcess py;
            py.start(kPython, {QStringLiteral("-c"),
                               QStringLiteral("import json,sqlite3,sys\n"
                                              "c=sqlite3.connect(sys.argv[1])\n"
                                              "bad=[m for (m,) in c.execute('select metadata from item union all select context from event')"
                                              " if json.dumps(json.loads(m),sort_keys=True,separators=(',',':'))!=m]\n"
                                              "print(len(bad))"),
                               store->location().sqlitePath});
            QVERIFY(py.waitForFinished(30000));
            QCOMPARE(py.readAllStandardOutput().trimmed(), QByteArray("0"));
        }
    }

    // ---- browsing ----------------------------------------------------------------------------

    void filtersSortPaging_data() { addBackends(); }
    void filtersSortPaging()
    {
        QFETCH(QString, backend);
        QTemporaryDir dir;
        auto store = fresh(backend, dir);
        if (!store)
            return;
        const QStringList tombs = populate(*store);
        QCOMPARE(tombs.size(), 12);
        ArchiveError err;
        QVERIFY(store->markRestored(store->blob(tombs[3], &err)->itemId, QStringLiteral("r"), {}, &err));

        auto count = [&](const ItemFilter &f) {
            const qint64 n = store->countItems(f, &err);
            note(err);
            return n;
        };
        ItemFilter f;
        QCOMPARE(count(f), 12);
        f = {};
        f.repo = QStringLiteral("beta");
        QCOMPARE(count(f), 4);
        f = {};
        f.pathContains = QStringLiteral("FILE_0");  // case-insensitive substring
        QCOMPARE(count(f), 10);
        f.pathContains = QStringLiteral("mod1/");
        QCOMPARE(count(f), 3);
        f.pathContains = QStringLiteral("100%_");  // LIKE wildcards are literal
        QCOMPARE(count(f), 0);
        f = {};
        f.actor = QStringLiteral("actor1");
        QCOMPARE(count(f), 6);
        f = {};
        f.reason = QStringLiteral("legacy");
        QCOMPARE(count(f), 3);
        f = {};
        f.kind = QStringLiteral("asset");
        QCOMPARE(count(f), 4);
        f = {};
        f.language = QStringLiteral("python");
        QCOMPARE(count(f), 4);
        f = {};
        f.tag = QStringLiteral("hot");
        QCOMPARE(count(f), 3);
        f = {};
        f.legalHold = true;
        QCOMPARE(count(f), 2);
        f.legalHold = false;
        QCOMPARE(count(f), 10);
        f = {};
        f.restored = true;
        QCOMPARE(count(f), 1);
        f.restored = false;
        QCOMPARE(count(f), 11);
        f = {};
        f.tombstone = tombs[5];
        QCOMPARE(count(f), 1);
        f.tombstone = QStringLiteral("not-a-uuid");
        QCOMPARE(count(f), 0);
        QCOMPARE(store->items(f, {}, 0, 10, &err).size(), 0);
        QVERIFY(!err);
        // Date range over both timestamp forms: days 3..6 inclusive (to is exclusive).
        f = {};
        f.archivedFrom = utc(3, 10);
        f.archivedTo = utc(7, 10);
        QCOMPARE(count(f), 4);
        f.archivedFrom = utc(3, 10, 1);  // one minute later excludes day 3
        QCOMPARE(count(f), 3);
        f = {};
        f.archivedTo = utc(1, 10, 1);
        QCOMPARE(count(f), 1);
        // Combined filters.
        f = {};
        f.repo = QStringLiteral("alpha");
        f.tag = QStringLiteral("t0");
        f.archivedFrom = utc(1, 0);
        QCOMPARE(count(f), 4);

        // Sort by archived_at over both forms: days 1..12 in order.
        QList<ItemRow> all = store->items({}, {SortColumn::ArchivedAt, false}, 0, 100, &err);
        QVERIFY2(!err, qPrintable(err.message));
        QCOMPARE(all.size(), 12);
        for (int i = 0; i < 12; ++i)
            QCOMPARE(normalized(all[i].archivedAt), plainAt(i + 1, 10));
        const QList<ItemRow> desc = store->items({}, {SortColumn::ArchivedAt, true}, 0, 100, &err);
        for (int i = 0; i < 12; ++i)
            QCOMPARE(desc[i].tombstoneId, all[11 - i].tombstoneId);
        // Paging gives the same rows as one big page.
        QStringList paged;
        for (int offset = 0; offset < 14; offset += 5)
            for (const ItemRow &r : store->items({}, {SortColumn::ArchivedAt, true}, offset, 5, &err))
                paged << r.tombstoneId;
        QStringList full;
        for (const ItemRow &r : desc)
            full << r.tombstoneId;
        QCOMPARE(paged, full);
        // Every sortable column, both directions, agrees with sorting in C++.
        const QList<SortColumn> columns{SortColumn::Repo,   SortColumn::Path,     SortColumn::Tombstone,
                                        SortColumn::Actor,  SortColumn::Reason,   SortColumn::Kind,
                                        SortColumn::Language, SortColumn::Size,   SortColumn::RestoredAt};
        auto key = [](const ItemRow &r, SortColumn c) -> QString {
            switch (c) {
            case SortColumn::Repo: return r.repo;
            case SortColumn::Path: return r.path;
            case SortColumn::Tombstone: return r.tombstoneId;
            case SortColumn::Actor: return r.archivedBy;
            case SortColumn::Reason: return r.reason;
            case SortColumn::Kind: return r.kind;
            case SortColumn::Language: return r.language;
            case SortColumn::Size: return QStringLiteral("%1").arg(r.sizeBytes, 12, 10, QLatin1Char('0'));
            case SortColumn::RestoredAt: return normalized(r.restoredAt);
            case SortColumn::ArchivedAt: return normalized(r.archivedAt);
            }
            return {};
        };
        for (SortColumn c : columns) {
            for (bool descending : {false, true}) {
                const QList<ItemRow> rows = store->items({}, {c, descending}, 0, 100, &err);
                QVERIFY2(!err, qPrintable(err.message));
                QCOMPARE(rows.size(), 12);
                for (int i = 1; i < rows.size(); ++i) {
                    const QString a = key(rows[i - 1], c), b = key(rows[i], c);
                    QVERIFY2(descending ? a >= b : a <= b,
                             qPrintable(QStringLiteral("column %1 %2: '%3' then '%4'")
                                            .arg(int(c)).arg(descending).arg(a, b)));
                }
            }
        }
        // Filtered page in order.
        f = {};
        f.pathContains = QStringLiteral("file_");
        const QList<ItemRow> page = store->items(f, {SortColumn::ArchivedAt, true}, 2, 3, &err);
        QCOMPARE(page.size(), 3);
        QCOMPARE(page[0].tombstoneId, desc[2].tombstoneId);
        // Fields of a row.
        const ItemRow held = *std::find_if(all.begin(), all.end(), [&](const ItemRow &r) { return r.tombstoneId == tombs[4]; });
        QVERIFY(held.legalHold);
        QCOMPARE(held.repo, QStringLiteral("beta"));
        QCOMPARE(held.mimeType, QStringLiteral("text/plain"));
        QVERIFY(held.compressedSize > 0);
        QCOMPARE(held.commitSha, QStringLiteral("a").repeated(40));

        // Distinct values for the filter bar.
        QCOMPARE(store->distinctValues(QStringLiteral("repo"), 10, &err),
                 (QStringList{QStringLiteral("alpha"), QStringLiteral("beta"), QStringLiteral("gamma")}));
        QCOMPARE(store->distinctValues(QStringLiteral("reason"), 10, &err),
                 (QStringList{QStringLiteral("dead"), QStringLiteral("legacy"), QStringLiteral("pruned"), QStringLiteral("replaced")}));
        QCOMPARE(store->distinctValues(QStringLiteral("kind"), 10, &err),
                 (QStringList{QStringLiteral("asset"), QStringLiteral("code"), QStringLiteral("doc")}));
        QCOMPARE(store->distinctValues(QStringLiteral("language"), 10, &err),
                 (QStringList{QStringLiteral("python"), QStringLiteral("rust")}));
        QCOMPARE(store->distinctValues(QStringLiteral("archived_by"), 10, &err),
                 (QStringList{QStringLiteral("actor0"), QStringLiteral("actor1")}));
        QCOMPARE(store->distinctValues(QStringLiteral("tag"), 10, &err),
                 (QStringList{QStringLiteral("hot"), QStringLiteral("t0"), QStringLiteral("t1"), QStringLiteral("t2")}));
        QCOMPARE(store->distinctValues(QStringLiteral("repo"), 2, &err).size(), 2);
        QVERIFY(store->distinctValues(QStringLiteral("path; DROP TABLE item"), 10, &err).isEmpty());
        QCOMPARE(err.kind, ArchiveError::Kind::Query);
        QCOMPARE(store->countItems({}, &err), 12);  // still there
    }

    void itemDetailAndRestore_data() { addBackends(); }
    void itemDetailAndRestore()
    {
        QFETCH(QString, backend);
        QTemporaryDir dir;
        auto store = fresh(backend, dir);
        if (!store)
            return;
        ArchiveError err;
        StoreRequest r = request(QStringLiteral("repo"), QStringLiteral("a/b.rs"), "fn main() {}\n");
        r.tags = {QStringLiteral("x")};
        r.legalHold = true;
        r.language = QStringLiteral("rust");
        const auto tomb = store->store(r, &err);
        QVERIFY(tomb);
        auto detail = store->item(*tomb, &err);
        QVERIFY(detail);
        QSqlQuery q(store->database());
        QVERIFY(q.prepare(QStringLiteral("INSERT INTO referent (item_id, ref_type, ref_value) VALUES (?, ?, ?)")));
        for (const auto &[t, v] : QList<QPair<QString, QString>>{{QStringLiteral("pr"), QStringLiteral("42")},
                                                                  {QStringLiteral("issue"), QStringLiteral("CODEX-7")}}) {
            q.addBindValue(detail->item.id);
            q.addBindValue(t);
            q.addBindValue(v);
            QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
        }
        QVERIFY(detail->item.restoredAt.isEmpty());
        QVERIFY(detail->item.legalHold);
        QCOMPARE(detail->metadata.value(QStringLiteral("legal_hold")).toBool(), true);
        QCOMPARE(detail->metadata.value(QStringLiteral("language")).toString(), QStringLiteral("rust"));
        QCOMPARE(detail->artifact.storageDriver, QStringLiteral("db"));
        QVERIFY(detail->artifact.hasBlob);
        QVERIFY(detail->artifact.blobSize > 0);
        QVERIFY(detail->artifact.createdAt.endsWith(QLatin1Char('Z')));

        const QJsonObject ctx{{QStringLiteral("output"), QStringLiteral("/tmp/ü.rs")}, {QStringLiteral("bytes"), 13}};
        QVERIFY2(store->markRestored(detail->item.id, QStringLiteral("restorer"), ctx, &err), qPrintable(err.message));
        detail = store->item(*tomb, &err);
        QVERIFY(detail);
        QVERIFY2(QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$")).match(detail->item.restoredAt).hasMatch(),
                 qPrintable(detail->item.restoredAt));
        const QDateTime restored = QDateTime::fromString(detail->item.restoredAt, Qt::ISODate);
        QVERIFY(qAbs(restored.secsTo(QDateTime::currentDateTimeUtc())) < 120);
        QCOMPARE(detail->events.size(), 2);
        QCOMPARE(detail->events[0].action, QStringLiteral("ARCHIVE"));
        QCOMPARE(detail->events[1].action, QStringLiteral("RESTORE"));
        QCOMPARE(detail->events[1].actor, QStringLiteral("restorer"));
        QCOMPARE(detail->events[1].context, ctx);
        QCOMPARE(detail->events[1].createdAt, detail->item.restoredAt);
        QCOMPARE(detail->tags, QStringList{QStringLiteral("x")});
        QCOMPARE(detail->referents.size(), 2);
        QCOMPARE(detail->referents[0], qMakePair(QStringLiteral("issue"), QStringLiteral("CODEX-7")));
        if (backend == QLatin1String("sqlite")) {
            QVERIFY(q.exec(QStringLiteral("SELECT context FROM event WHERE action = 'RESTORE'")) && q.next());
            QCOMPARE(q.value(0).toString(), QStringLiteral("{\"bytes\":13,\"output\":\"/tmp/\\u00fc.rs\"}"));
        }
        // Unknown ids.
        QVERIFY(!store->markRestored(QUuid::createUuid().toString(QUuid::WithoutBraces), QStringLiteral("x"), {}, &err));
        QCOMPARE(err.kind, ArchiveError::Kind::TombstoneNotFound);
        for (const QString &missing : {QStringLiteral("nope"), QUuid::createUuid().toString(QUuid::WithoutBraces)}) {
            QVERIFY(!store->blob(missing, &err));
            QCOMPARE(err.kind, ArchiveError::Kind::TombstoneNotFound);
            QCOMPARE(err.message, QStringLiteral("Tombstone not found: ") + missing);
            QVERIFY(!store->item(missing, &err));
            QCOMPARE(err.kind, ArchiveError::Kind::TombstoneNotFound);
        }
        // Purged: blob NULL, or kept in object storage.
        QVERIFY(q.exec(QStringLiteral("UPDATE artifact SET storage_driver = 'object', object_url = 's3://b/k'")));
        QVERIFY(!store->blob(*tomb, &err));
        QCOMPARE(err.kind, ArchiveError::Kind::Purged);
        QCOMPARE(err.message, QStringLiteral("Artifact payload has been purged; bytes unavailable"));
        QVERIFY(!store->openBlob(*tomb, &err));
        QCOMPARE(err.kind, ArchiveError::Kind::Purged);
        QVERIFY(q.exec(QStringLiteral("UPDATE artifact SET blob_bytes = NULL, storage_driver = 'object', "
                                      "object_url = 'purged://dual-control'")));
        QVERIFY(!store->blob(*tomb, &err));
        QCOMPARE(err.kind, ArchiveError::Kind::Purged);
        QVERIFY(!store->openBlob(*tomb, &err));
        QCOMPARE(err.kind, ArchiveError::Kind::Purged);
        detail = store->item(*tomb, &err);
        QVERIFY(detail);
        QVERIFY(!detail->artifact.hasBlob);
        QCOMPARE(detail->item.compressedSize, -1);
        QCOMPARE(detail->artifact.objectUrl, QStringLiteral("purged://dual-control"));
        // Storing the same content again brings the bytes back (the reference refreshes the artifact).
        QVERIFY(store->store(request(QStringLiteral("repo"), QStringLiteral("again.rs"), "fn main() {}\n"), &err));
        QVERIFY(store->blob(*tomb, &err));
    }

    // ---- interoperability --------------------------------------------------------------------

    void referenceArchive_data() { addBackends(); }
    void referenceArchive()
    {
        QFETCH(QString, backend);
        QTemporaryDir dir;
        ArchiveLocation loc = location(backend, dir);
        if (QTest::currentTestFailed())
            return;
        const QString url = backend == QLatin1String("sqlite")
                                ? QStringLiteral("sqlite:///") + loc.sqlitePath
                                : serverUrl(backend);
        QProcess py;
        py.start(kPython, {fixturePath(QStringLiteral("reference_archive.py")), url, QStringLiteral("--reset")});
        QVERIFY(py.waitForFinished(120000));
        QVERIFY2(py.exitCode() == 0, py.readAllStandardError().constData());
        const QJsonObject manifest = QJsonDocument::fromJson(py.readAllStandardOutput()).object();
        const QJsonArray items = manifest.value(QStringLiteral("items")).toArray();
        QVERIFY(items.size() >= 10);
        QCOMPARE(manifest.value(QStringLiteral("backend")).toString(), backend);

        ArchiveError err;
        auto store = ArchiveStore::open(loc, ArchiveStore::OpenMode::ExistingOnly, &err);
        QVERIFY2(store, qPrintable(err.message));
        QCOMPARE(store->missingTables(&err), QStringList());
        QCOMPARE(store->countItems({}, &err), items.size());
        int restoredBytes = 0;
        int purged = 0;
        for (const QJsonValue &v : items) {
            const QJsonObject m = v.toObject();
            const QString tomb = m.value(QStringLiteral("tombstone")).toString();
            const auto detail = store->item(tomb, &err);
            QVERIFY2(detail, qPrintable(err.message));
            QCOMPARE(detail->item.repo, m.value(QStringLiteral("repo")).toString());
            QCOMPARE(detail->item.path, m.value(QStringLiteral("path")).toString());
            QCOMPARE(detail->item.legalHold, m.value(QStringLiteral("legal_hold")).toBool());
            QCOMPARE(!detail->item.restoredAt.isEmpty(), m.value(QStringLiteral("restored")).toBool());
            QCOMPARE(normalized(detail->item.archivedAt), normalized(m.value(QStringLiteral("archived_at")).toString()));
            QStringList tags;
            for (const QJsonValue &t : m.value(QStringLiteral("tags")).toArray())
                tags << t.toString();
            QCOMPARE(detail->tags, tags);
            QCOMPARE(detail->referents.size(), m.value(QStringLiteral("referents")).toArray().size());
            QCOMPARE(detail->artifact.contentSha256, m.value(QStringLiteral("sha256")).toString());
            QCOMPARE(detail->metadata.value(QStringLiteral("sha256")).toString(), m.value(QStringLiteral("sha256")).toString());
            QVERIFY(detail->events.size() >= 1);
            QCOMPARE(detail->events[0].action, QStringLiteral("ARCHIVE"));
            const auto blob = store->blob(tomb, &err);
            if (m.value(QStringLiteral("purged")).toBool()) {
                ++purged;
                QVERIFY(!blob);
                QCOMPARE(err.kind, ArchiveError::Kind::Purged);
                QCOMPARE(detail->events.last().action, QStringLiteral("DELETE_APPROVED"));
                continue;
            }
            QVERIFY2(blob, qPrintable(err.message));
            QCOMPARE(blob->artifact.compression, m.value(QStringLiteral("codec")).toString());
            const QByteArray raw = BlobCodec::decompress(blob->artifact.compression, blob->compressed,
                                                         blob->artifact.sizeBytes, &err);
            QVERIFY2(!err, qPrintable(err.message));
            QCOMPARE(raw.size(), m.value(QStringLiteral("size")).toInteger());
            QCOMPARE(BlobCodec::sha256Hex(raw), m.value(QStringLiteral("sha256")).toString());
            restoredBytes += raw.size();
            QVERIFY(store->markRestored(blob->itemId, QStringLiteral("codex-admin"), {{QStringLiteral("sha256"), BlobCodec::sha256Hex(raw)}}, &err));
        }
        QCOMPARE(purged, 1);
        QVERIFY(restoredBytes > 100000);
        ItemFilter f;
        f.restored = false;
        QCOMPARE(store->countItems(f, &err), 1);  // only the purged one
        f = {};
        f.legalHold = true;
        QCOMPARE(store->countItems(f, &err), 1);
        f = {};
        f.pathContains = QStringLiteral("模块");
        QCOMPARE(store->countItems(f, &err), 1);
        // Sorted by time over both forms: the manifest order is chronological.
        const QList<ItemRow> rows = store->items({}, {SortColumn::ArchivedAt, false}, 0, 100, &err);
        QCOMPARE(rows.size(), items.size());
        for (int i = 0; i < rows.size(); ++i)
            QCOMPARE(rows[i].tombstoneId, items[i].toObject().value(QStringLiteral("tombstone")).toString());

        // The reference reads what we wrote back (restored_at, RESTORE events) without complaint.
        if (backend == QLatin1String("sqlite")) {
            store.reset();
            QProcess check;
            check.start(kPython, {QStringLiteral("-c"),
                                  QStringLiteral("import sqlite3,sys,json\nc=sqlite3.connect(sys.argv[1])\n"
                                                 "print(c.execute(\"select count(*) from item where restored_at like '____-__-__T__:__:__Z'\").fetchone()[0],"
                                                 "c.execute(\"select count(*) from event where action='RESTORE'\").fetchone()[0])"),
                                  loc.sqlitePath});
            QVERIFY(check.waitForFinished(30000));
            QCOMPARE(check.readAllStandardOutput().trimmed(), QByteArray::number(items.size() - 1) + ' ' + QByteArray::number(items.size()));
        }
    }

    // ---- bad input (SQLite) ------------------------------------------------------------------

    void missingFileExistingOnly()
    {
        QTemporaryDir dir;
        ArchiveError err;
        const QString path = dir.filePath(QStringLiteral("sub/folder/archive.sqlite"));
        auto loc = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///") + path, dir.path(), &err);
        QVERIFY(loc);
        QVERIFY(!ArchiveStore::open(*loc, ArchiveStore::OpenMode::ExistingOnly, &err));
        QCOMPARE(err.kind, ArchiveError::Kind::NotFound);
        QVERIFY(err.message.contains(path));
        const HealthReport h = HealthCheck::run(*loc);
        QVERIFY(!h.reachable);
        QVERIFY(h.toText().contains(QStringLiteral("FAILED")));
        QVERIFY(!QFileInfo::exists(path));
        QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("sub"))));  // nothing created anywhere
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList());
        // CreateIfMissing creates folder, file, schema and WAL.
        auto store = ArchiveStore::open(*loc, ArchiveStore::OpenMode::CreateIfMissing, &err);
        QVERIFY2(store, qPrintable(err.message));
        QCOMPARE(store->missingTables(&err), QStringList());
        QVERIFY(QFileInfo::exists(path));
    }

    void notAnArchive()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("notes.sqlite"));
        testutil::writeFile(path, QByteArray("This is a text file, not a database.\n").repeated(200));
        const QByteArray before = testutil::readFile(path);
        ArchiveError err;
        auto loc = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///") + path, dir.path(), &err);
        QVERIFY(!ArchiveStore::open(*loc, ArchiveStore::OpenMode::ExistingOnly, &err));
        QCOMPARE(err.kind, ArchiveError::Kind::NotAnArchive);
        QVERIFY2(err.message.contains(QStringLiteral("not an SQLite database")), qPrintable(err.message));
        QVERIFY(err.message.contains(path));
        QVERIFY(!ArchiveStore::open(*loc, ArchiveStore::OpenMode::CreateIfMissing, &err));
        QCOMPARE(err.kind, ArchiveError::Kind::NotAnArchive);
        QCOMPARE(testutil::readFile(path), before);  // untouched
        QVERIFY(!QFileInfo::exists(path + QStringLiteral("-wal")));
        // An empty SQLite database is a database without the tables.
        const QString empty = dir.filePath(QStringLiteral("empty.sqlite"));
        testutil::writeFile(empty, QByteArray());
        loc = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///") + empty, dir.path(), &err);
        auto store = ArchiveStore::open(*loc, ArchiveStore::OpenMode::ExistingOnly, &err);
        QVERIFY2(store, qPrintable(err.message));
        QCOMPARE(store->missingTables(&err), ArchiveSchema::tableNames());
        QCOMPARE(store->countItems({}, &err), -1);
        QCOMPARE(err.kind, ArchiveError::Kind::NotAnArchive);
    }

    void lockedDatabase()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("locked.sqlite"));
        ArchiveError err;
        auto loc = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///") + path, dir.path(), &err);
        loc->busyTimeoutMs = 300;
        QString tomb;
        {
            auto store = ArchiveStore::open(*loc, ArchiveStore::OpenMode::CreateIfMissing, &err);
            QVERIFY(store);
            tomb = *store->store(request(QStringLiteral("r"), QStringLiteral("p"), "x"), &err);
        }
        // Another program holds an EXCLUSIVE transaction (rollback journal: readers are locked out too).
        auto hold = [&](const QString &journal) {
            auto *p = new QProcess(this);
            p->start(kPython, {QStringLiteral("-c"),
                               QStringLiteral("import sqlite3,sys,time\n"
                                              "c=sqlite3.connect(sys.argv[1],isolation_level=None)\n"
                                              "c.execute('PRAGMA journal_mode=%1')\n"
                                              "c.execute('BEGIN EXCLUSIVE')\n"
                                              "c.execute(\"UPDATE item SET archived_by='locker'\")\n"
                                              "print('locked',flush=True)\n"
                                              "sys.stdin.read()\n").arg(journal),
                               path});
            p->waitForReadyRead(15000);
            return p;
        };
        QProcess *locker = hold(QStringLiteral("DELETE"));
        QCOMPARE(locker->readAllStandardOutput().trimmed(), QByteArray("locked"));
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!ArchiveStore::open(*loc, ArchiveStore::OpenMode::ExistingOnly, &err));
        QCOMPARE(err.kind, ArchiveError::Kind::Locked);
        QVERIFY(err.isTransient());
        QVERIFY2(err.message.contains(QStringLiteral("locked")), qPrintable(err.message));
        QVERIFY(timer.elapsed() >= 250);
        locker->closeWriteChannel();
        QVERIFY(locker->waitForFinished(10000));

        // WAL: a writer holding its lock leaves reads alone, but our writes report Locked.
        locker = hold(QStringLiteral("WAL"));
        QCOMPARE(locker->readAllStandardOutput().trimmed(), QByteArray("locked"));
        auto store = ArchiveStore::open(*loc, ArchiveStore::OpenMode::ExistingOnly, &err);
        QVERIFY2(store, qPrintable(err.message));
        QCOMPARE(store->countItems({}, &err), 1);
        const auto blob = store->blob(tomb, &err);
        QVERIFY(blob);
        QVERIFY(!store->markRestored(blob->itemId, QStringLiteral("me"), {}, &err));
        QCOMPARE(err.kind, ArchiveError::Kind::Locked);
        QVERIFY(!store->store(request(QStringLiteral("r"), QStringLiteral("p2"), "y"), &err));
        QCOMPARE(err.kind, ArchiveError::Kind::Locked);
        locker->closeWriteChannel();
        QVERIFY(locker->waitForFinished(10000));
        QVERIFY2(store->markRestored(blob->itemId, QStringLiteral("me"), {}, &err), qPrintable(err.message));
    }

    void sqliteUsesIndexes()
    {
        QTemporaryDir dir;
        auto store = fresh(QStringLiteral("sqlite"), dir);
        QVERIFY(store);
        populate(*store);
        // The statements items()/countItems() run must be served by indexes, not a sort of the table.
        QSqlQuery q(store->database());
        const QString norm = ArchiveSchema::normalizedTimestamp(QStringLiteral("i.archived_at"));
        QVERIFY(q.exec(QStringLiteral("EXPLAIN QUERY PLAN SELECT i.id FROM item i LEFT JOIN artifact a ON a.id = i.artifact_id "
                                      "WHERE i.path LIKE '%%x%%' ESCAPE '!' ORDER BY %1 DESC, i.id DESC LIMIT 50 OFFSET 0")
                           .arg(norm)));
        QString plan;
        while (q.next())
            plan += q.value(3).toString() + QLatin1Char('\n');
        QVERIFY2(plan.contains(QStringLiteral("idx_item_archived_at_norm")), qPrintable(plan));
        QVERIFY2(!plan.contains(QStringLiteral("TEMP B-TREE")), qPrintable(plan));

        // Pages near the end are read backwards from the index; they must equal plain OFFSET paging.
        QVERIFY(q.exec(QStringLiteral(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 14999) "
            "INSERT INTO item (id, repo, path, commit_sha, language, kind, reason, artifact_id, metadata, archived_by, "
            "archived_at, tombstone_id) SELECT printf('x%08d', i), 'repo' || (i % 7), printf('p/f%d', i), 'c', "
            "CASE WHEN i % 5 = 0 THEN NULL ELSE 'py' END, 'code', 'dead', (SELECT id FROM artifact LIMIT 1), '{}', 'a', "
            "CASE WHEN i % 2 THEN strftime('%Y-%m-%d %H:%M:%S', 1600000000 + (i % 3000) * 60, 'unixepoch') "
            "ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 1600000000 + (i % 3000) * 60, 'unixepoch') END, printf('t%08d', i) FROM n")));
        ArchiveError err;
        QCOMPARE(store->countItems({}, &err), 15012);
        for (const SortOrder order : {SortOrder{SortColumn::ArchivedAt, true}, SortOrder{SortColumn::ArchivedAt, false},
                                      SortOrder{SortColumn::Repo, false}, SortOrder{SortColumn::Language, true},
                                      SortOrder{SortColumn::Language, false}}) {
            for (const qint64 offset : {qint64(14990), qint64(12000), qint64(15011), qint64(15012)}) {
                const QList<ItemRow> fast = store->items({}, order, offset, 25, &err);
                QVERIFY2(!err, qPrintable(err.message));
                // The same page by walking from the start (small pages of a forward scan).
                QList<ItemRow> slow = store->items({}, order, 0, 9000, &err);
                slow += store->items({}, order, 9000, 7000, &err);
                QStringList expected;
                for (qint64 i = offset; i < qMin<qint64>(offset + 25, slow.size()); ++i)
                    expected << slow[int(i)].tombstoneId;
                QStringList got;
                for (const ItemRow &r : fast)
                    got << r.tombstoneId;
                QCOMPARE(got, expected);
            }
        }
    }

    // ---- servers -----------------------------------------------------------------------------

    void serverGoneMidBrowse_data() { addBackends(false); }
    void serverGoneMidBrowse()
    {
        QFETCH(QString, backend);
        QTemporaryDir dir;
        auto store = fresh(backend, dir);
        if (!store)
            return;
        populate(*store);
        ArchiveError err;
        QCOMPARE(store->items({}, {}, 0, 5, &err).size(), 5);
        // Kill our session from a second connection, as an admin (or a server restart) would.
        QSqlQuery pidQuery(store->database());
        const bool pg = backend == QLatin1String("postgres");
        QVERIFY(pidQuery.exec(pg ? QStringLiteral("SELECT pg_backend_pid()") : QStringLiteral("SELECT CONNECTION_ID()")));
        QVERIFY(pidQuery.next());
        const qlonglong pid = pidQuery.value(0).toLongLong();
        pidQuery.finish();
        {
            QSqlDatabase killer = QSqlDatabase::addDatabase(store->location().qtDriver(), QStringLiteral("killer"));
            killer.setHostName(store->location().host);
            killer.setPort(store->location().port);
            killer.setDatabaseName(store->location().database);
            killer.setUserName(store->location().user);
            killer.setPassword(store->location().password);
            QVERIFY2(killer.open(), qPrintable(killer.lastError().text()));
            QSqlQuery k(killer);
            QVERIFY2(k.exec(pg ? QStringLiteral("SELECT pg_terminate_backend(%1)").arg(pid)
                               : QStringLiteral("KILL CONNECTION %1").arg(pid)),
                     qPrintable(k.lastError().text()));
            k.finish();
            killer.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("killer"));
        QTest::qWait(200);
        QCOMPARE(store->items({}, {}, 5, 5, &err).size(), 0);
        QCOMPARE(err.kind, ArchiveError::Kind::Unreachable);
        QVERIFY(err.isTransient());
        note(err);
        QVERIFY2(err.message.contains(store->location().redactedUrl), qPrintable(err.message));
        QVERIFY2(err.message.contains(QStringLiteral("reconnect")), qPrintable(err.message));
        // The next call reconnects and browsing goes on.
        const QList<ItemRow> rows = store->items({}, {}, 5, 5, &err);
        QVERIFY2(!err, qPrintable(err.message));
        QCOMPARE(rows.size(), 5);
        QCOMPARE(store->countItems({}, &err), 12);
        // A transaction broken by the loss is rolled back and reported the same way.
        QVERIFY(pidQuery.exec(pg ? QStringLiteral("SELECT pg_backend_pid()") : QStringLiteral("SELECT CONNECTION_ID()")));
    }

    /// A server archive whose timestamps are TEXT (made from the SQLite DDL by hand): both forms
    /// must sort and filter there too, and what we write is the reference's text form.
    void serverTextTimestamps_data() { addBackends(false); }
    void serverTextTimestamps()
    {
        QFETCH(QString, backend);
        QTemporaryDir dir;
        ArchiveLocation loc;
        {
            auto store = fresh(backend, dir, &loc);
            if (!store)
                return;
            dropTables(store->database());
            const QString blob = backend == QLatin1String("postgres") ? QStringLiteral("BYTEA") : QStringLiteral("LONGBLOB");
            QSqlQuery q(store->database());
            for (const QString &ddl : {
                     QStringLiteral("CREATE TABLE artifact (id VARCHAR(36) PRIMARY KEY, content_sha256 VARCHAR(64) NOT NULL UNIQUE, "
                                    "size_bytes BIGINT NOT NULL, compression VARCHAR(16) NOT NULL, mime_type VARCHAR(255) NOT NULL, "
                                    "storage_driver VARCHAR(16) NOT NULL, blob_bytes %1, object_url TEXT, created_at VARCHAR(32) NOT NULL)")
                         .arg(blob),
                     QStringLiteral("CREATE TABLE item (id VARCHAR(36) PRIMARY KEY, repo VARCHAR(255) NOT NULL, path VARCHAR(1024) NOT NULL, "
                                    "commit_sha VARCHAR(40) NOT NULL, language VARCHAR(64), kind VARCHAR(16) NOT NULL, reason VARCHAR(16) NOT NULL, "
                                    "artifact_id VARCHAR(36) NOT NULL, metadata TEXT NOT NULL, archived_by VARCHAR(255) NOT NULL, "
                                    "archived_at VARCHAR(32) NOT NULL, tombstone_id VARCHAR(36) NOT NULL UNIQUE, legal_hold INTEGER NOT NULL DEFAULT 0, "
                                    "delete_after VARCHAR(32), restored_at VARCHAR(32))"),
                     QStringLiteral("CREATE TABLE event (id VARCHAR(36) PRIMARY KEY, item_id VARCHAR(36) NOT NULL, action VARCHAR(32) NOT NULL, "
                                    "actor VARCHAR(255) NOT NULL, context TEXT NOT NULL, created_at VARCHAR(32) NOT NULL)"),
                     QStringLiteral("CREATE TABLE tag (item_id VARCHAR(36) NOT NULL, tag VARCHAR(128) NOT NULL, PRIMARY KEY (item_id, tag))"),
                     QStringLiteral("CREATE TABLE referent (item_id VARCHAR(36) NOT NULL, ref_type VARCHAR(32) NOT NULL, "
                                    "ref_value VARCHAR(255) NOT NULL, PRIMARY KEY (item_id, ref_type, ref_value))")})
                QVERIFY2(q.exec(ddl), qPrintable(q.lastError().text()));
        }
        ArchiveError err;
        auto store = ArchiveStore::open(loc, ArchiveStore::OpenMode::ExistingOnly, &err);
        QVERIFY2(store, qPrintable(err.message));
        const QStringList tombs = populate(*store);
        QCOMPARE(tombs.size(), 12);
        const QList<ItemRow> all = store->items({}, {SortColumn::ArchivedAt, false}, 0, 100, &err);
        QVERIFY2(!err, qPrintable(err.message));
        QCOMPARE(all.size(), 12);
        bool sawIso = false, sawPlain = false;
        for (int i = 0; i < 12; ++i) {
            QCOMPARE(normalized(all[i].archivedAt), plainAt(i + 1, 10));
            sawIso |= all[i].archivedAt.endsWith(QLatin1Char('Z'));
            sawPlain |= !all[i].archivedAt.endsWith(QLatin1Char('Z'));
        }
        QVERIFY(sawIso && sawPlain);  // stored as given: both forms really are there
        ItemFilter f;
        f.archivedFrom = utc(3, 10);
        f.archivedTo = utc(7, 10);
        QCOMPARE(store->countItems(f, &err), 4);
        f = {};
        f.legalHold = true;
        QCOMPARE(store->countItems(f, &err), 2);
        f = {};
        f.tombstone = QStringLiteral("not-a-uuid");
        QCOMPARE(store->countItems(f, &err), 0);
        QVERIFY(!err);
        const auto blob = store->blob(tombs[0], &err);
        QVERIFY2(blob, qPrintable(err.message));
        QVERIFY(store->markRestored(blob->itemId, QStringLiteral("r"), {}, &err));
        const auto detail = store->item(tombs[0], &err);
        QVERIFY(detail);
        QVERIFY2(QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$")).match(detail->item.restoredAt).hasMatch(),
                 qPrintable(detail->item.restoredAt));
        QCOMPARE(detail->events.size(), 2);
        QVERIFY(detail->item.legalHold == false);
    }

    void wrongCredentialsAndDeadServer_data() { addBackends(false); }
    void wrongCredentialsAndDeadServer()
    {
        QFETCH(QString, backend);
        QTemporaryDir dir;
        ArchiveLocation loc = location(backend, dir);
        if (QTest::currentTestFailed())
            return;
        const QString realPassword = loc.password;
        // Wrong password: refused, and neither password appears.
        ArchiveLocation wrong = loc;
        wrong.password = QStringLiteral("Wr0ngPassw0rd!");
        ArchiveError err;
        QVERIFY(!ArchiveStore::open(wrong, ArchiveStore::OpenMode::ExistingOnly, &err));
        QCOMPARE(err.kind, ArchiveError::Kind::Unreachable);
        QVERIFY(!err.message.contains(wrong.password));
        QVERIFY(!err.message.contains(realPassword));
        QVERIFY2(err.message.contains(QStringLiteral("***@")), qPrintable(err.message));
        note(err);
        // Nothing listens on this port: a quick, clear failure.
        ArchiveLocation dead = loc;
        dead.port = 1;
        QElapsedTimer t;
        t.start();
        QVERIFY(!ArchiveStore::open(dead, ArchiveStore::OpenMode::ExistingOnly, &err));
        QCOMPARE(err.kind, ArchiveError::Kind::Unreachable);
        QVERIFY(t.elapsed() < 10000);
        QVERIFY(!err.message.contains(realPassword));
        note(err);
        const HealthReport h = HealthCheck::run(dead);
        QVERIFY(!h.reachable);
        QVERIFY(!h.toText().contains(realPassword));
        QVERIFY(!QJsonDocument(h.toJson()).toJson().contains(realPassword.toUtf8()));
        // A database that does not exist.
        ArchiveLocation nodb = loc;
        nodb.database = QStringLiteral("no_such_archive");
        QVERIFY(!ArchiveStore::open(nodb, ArchiveStore::OpenMode::ExistingOnly, &err));
        QVERIFY(!err.message.contains(realPassword));
        note(err);
    }
};

QTEST_GUILESS_MAIN(TestArchiveStore)
#include "tst_archivestore.moc"
