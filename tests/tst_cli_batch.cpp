// codex-adminctl batch-restore, run as a real process against a SQLite archive filled with
// ArchiveStore::store(): the happy path in both manifest formats, every kind of bad manifest,
// validation with and without --continue-on-error, SIGKILL mid-run then --resume, SIGINT.
#include "TestUtil.h"

#include "archive/ArchiveLocation.h"
#include "archive/ArchiveStore.h"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QSqlQuery>
#include <QThread>
#include <QtTest>

#include <csignal>

using namespace codex;
using namespace codex::archive;

namespace {

using Run = testutil::CtlRun;

QString describe(const Run &r)
{
    return QStringLiteral("exit %1\n--- stdout\n%2\n--- stderr\n%3").arg(r.code).arg(r.out, r.err.left(6000));
}

QString sha256(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

const QString kEvidence = QStringLiteral(".codex/evidence/archive_ops.jsonl");
const QString kArchive = QStringLiteral("data/archive.sqlite");
constexpr int kItems = 3000;

QList<QJsonObject> evidence(const QString &ws)
{
    QList<QJsonObject> out;
    const QString path = QDir(ws).filePath(kEvidence);
    if (!QFileInfo::exists(path))
        return out;
    for (const QByteArray &line : testutil::readFile(path).split('\n'))
        if (!line.isEmpty())
            out << QJsonDocument::fromJson(line).object();
    return out;
}

QList<QJsonObject> evidence(const QString &ws, const QString &action)
{
    QList<QJsonObject> out;
    for (const QJsonObject &o : evidence(ws))
        if (o.value(QStringLiteral("action")).toString() == action)
            out << o;
    return out;
}

/// Every file below dir (relative, sorted), hidden ones included.
QStringList files(const QString &dir)
{
    QStringList out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext())
        out << QDir(dir).relativeFilePath(it.next());
    out.sort();
    return out;
}

QStringList resultsFiles(const QString &dir)
{
    QStringList out;
    for (const QString &f : files(dir))
        if (QFileInfo(f).fileName().startsWith(QLatin1String("batch_restore_")) && f.endsWith(QLatin1String(".json")))
            out << f;
    return out;
}

QStringList tempFiles(const QString &dir)
{
    QStringList out;
    for (const QString &f : files(dir))
        if (QFileInfo(f).fileName().startsWith(QLatin1String(".codex-restore-")))
            out << f;
    return out;
}

QByteArray jsonManifest(const QList<QPair<QString, QString>> &entries, bool wrapped = true)
{
    QJsonArray items;
    for (const auto &e : entries)
        items.append(QJsonObject{{QStringLiteral("tombstone"), e.first}, {QStringLiteral("output"), e.second}});
    return wrapped ? QJsonDocument(QJsonObject{{QStringLiteral("items"), items}}).toJson()
                   : QJsonDocument(items).toJson();
}

QByteArray csvManifest(const QList<QPair<QString, QString>> &entries)
{
    QByteArray out = "tombstone,output\n";
    for (const auto &e : entries)
        out += e.first.toUtf8() + ',' + e.second.toUtf8() + '\n';
    return out;
}

/// What a line starting with `prefix` says after it ("  Succeeded: 3" → "3").
QString field(const QString &text, const QString &prefix)
{
    for (const QString &line : text.split(QLatin1Char('\n')))
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed();
    return {};
}

}  // namespace

class TestCliBatch : public QObject {
    Q_OBJECT

    QTemporaryDir m_pristine;      ///< workspace holding the filled archive, copied for each test
    QStringList m_tombstones;      ///< kItems stored items
    QList<QByteArray> m_contents;  ///< their content, same order
    QList<QTemporaryDir *> m_dirs;

    static QString content(int i)
    {
        QString s = QStringLiteral("# item %1\n").arg(i);
        for (int l = 0; l < 3 + i % 7; ++l)
            s += QStringLiteral("def handler_%1_%2(request, context):\n    return respond(request, %3)\n").arg(i).arg(l).arg(i * 31 + l);
        return s;
    }

    /// A new workspace with a copy of the archive and its configuration.
    QString workspace()
    {
        auto *dir = new QTemporaryDir;
        m_dirs << dir;
        if (!dir->isValid())
            qFatal("no temporary folder");
        QDir().mkpath(dir->filePath(QStringLiteral(".codex")));
        QDir().mkpath(dir->filePath(QStringLiteral("data")));
        QFile::copy(m_pristine.filePath(QStringLiteral(".codex/archive.toml")), dir->filePath(QStringLiteral(".codex/archive.toml")));
        if (!QFile::copy(m_pristine.filePath(kArchive), dir->filePath(kArchive)))
            qFatal("cannot copy the archive");
        return dir->path();
    }

    static std::unique_ptr<ArchiveStore> openStore(const QString &ws)
    {
        ArchiveError e;
        auto loc = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///") + QDir(ws).filePath(kArchive), ws, &e);
        if (!loc)
            qFatal("%s", qPrintable(e.message));
        loc->sqliteSyncEachCommit = false;
        auto store = ArchiveStore::open(*loc, ArchiveStore::OpenMode::CreateIfMissing, &e);
        if (!store)
            qFatal("%s", qPrintable(e.message));
        return store;
    }

    /// RESTORE event rows per tombstone in the database.
    static QHash<QString, int> restoreEvents(const QString &ws)
    {
        auto store = openStore(ws);
        QHash<QString, int> out;
        QSqlQuery q(store->database());
        if (!q.exec(QStringLiteral("SELECT i.tombstone_id, COUNT(*) FROM event e JOIN item i ON i.id = e.item_id "
                                   "WHERE e.action = 'RESTORE' GROUP BY i.tombstone_id")))
            qFatal("event query failed");
        while (q.next())
            out.insert(q.value(0).toString(), q.value(1).toInt());
        return out;
    }

    static Run ctl(const QString &ws, const QStringList &args) { return testutil::runCtl(ws, args); }

    static QProcess *startCtl(const QString &ws, const QStringList &args)
    {
        auto *p = new QProcess;
        QProcessEnvironment pe;
        pe.insert(QStringLiteral("PATH"), qEnvironmentVariable("PATH"));
        pe.insert(QStringLiteral("HOME"), ws);
        pe.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
        pe.insert(QStringLiteral("CODEX_ADMIN_NO_FILE_LOG"), QStringLiteral("1"));
        p->setProcessEnvironment(pe);
        p->setWorkingDirectory(ws);
        p->start(QStringLiteral(CODEXADMIN_CTL), args);
        if (!p->waitForStarted(10000))
            qFatal("codex-adminctl did not start");
        return p;
    }

    /// The finished-item records in a journal (lines with "i").
    static int journalRecords(const QString &path)
    {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return 0;
        return int(f.readAll().count("\"i\":"));
    }

    static QString findJournal(const QString &dir)
    {
        for (const QString &f : files(dir))
            if (f.endsWith(QLatin1String(".journal")))
                return QDir(dir).filePath(f);
        return {};
    }

    /// A manifest of the first `n` items into out/NNNN.txt, in `dir` (relative to ws).
    QList<QPair<QString, QString>> entries(int n, int from = 0) const
    {
        QList<QPair<QString, QString>> out;
        for (int i = from; i < from + n; ++i)
            out << qMakePair(m_tombstones[i], QStringLiteral("out/%1/%2.txt").arg(i / 100, 2, 10, QLatin1Char('0')).arg(i, 4, 10, QLatin1Char('0')));
        return out;
    }

    /// Every output of `es` (relative to `base`) exists with the right content.
    void verifyOutputs(const QString &base, const QList<QPair<QString, QString>> &es, int from = 0)
    {
        for (int k = 0; k < es.size(); ++k) {
            const QString path = QDir(base).filePath(es[k].second);
            QVERIFY2(QFileInfo::exists(path), qPrintable(path));
            QCOMPARE(sha256(testutil::readFile(path)), sha256(m_contents[from + k]));
        }
    }

    void verifyNothingRestored(const QString &ws)
    {
        QVERIFY2(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("m/out"))), qPrintable(files(ws).join(QLatin1Char('\n'))));
        QVERIFY(evidence(ws, QStringLiteral("RESTORE")).isEmpty());
        QVERIFY(restoreEvents(ws).isEmpty());
        QCOMPARE(tempFiles(ws), QStringList());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_pristine.isValid());
        testutil::writeFile(m_pristine.filePath(QStringLiteral(".codex/archive.toml")),
                            "[backend]\ntype = \"sqlite\"\nurl = \"sqlite:///./data/archive.sqlite\"\n");
        QVERIFY(QDir().mkpath(m_pristine.filePath(QStringLiteral("data"))));
        auto store = openStore(m_pristine.path());
        for (int i = 0; i < kItems; ++i) {
            StoreRequest r;
            r.repo = QStringLiteral("acme/batch");
            r.path = QStringLiteral("src/handler_%1.py").arg(i);
            r.commitSha = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
            r.actor = QStringLiteral("archiver");
            r.language = QStringLiteral("python");
            r.mimeType = QStringLiteral("text/x-python");
            r.content = content(i).toUtf8();
            ArchiveError e;
            const auto t = store->store(r, &e);
            QVERIFY2(t, qPrintable(e.message));
            m_tombstones << *t;
            m_contents << r.content;
        }
        store.reset();
        QVERIFY(QFileInfo::exists(m_pristine.filePath(kArchive)));
        QVERIFY(!QFileInfo::exists(m_pristine.filePath(kArchive + QStringLiteral("-wal")))
                || QFileInfo(m_pristine.filePath(kArchive + QStringLiteral("-wal"))).size() == 0);
    }

    void cleanupTestCase() { qDeleteAll(m_dirs); }

    void usageErrors()
    {
        const QString ws = workspace();
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/manifest.json")), jsonManifest(entries(2)));
        const QString m = QStringLiteral("m/manifest.json");
        struct Case {
            QStringList args;
            QString says;
        };
        const QList<Case> cases = {
            {{QStringLiteral("batch-restore"), m}, QStringLiteral("--by")},
            {{QStringLiteral("batch-restore"), QStringLiteral("--by"), QStringLiteral("x")}, QStringLiteral("MANIFEST")},
            {{QStringLiteral("batch-restore"), m, QStringLiteral("--by"), QStringLiteral("x"), QStringLiteral("--overwrite"), QStringLiteral("--rename")},
             QStringLiteral("exclude")},
            {{QStringLiteral("batch-restore"), m, QStringLiteral("--by"), QStringLiteral("x"), QStringLiteral("--concurrency"), QStringLiteral("0")},
             QStringLiteral("--concurrency")},
            {{QStringLiteral("batch-restore"), m, QStringLiteral("--by"), QStringLiteral("x"), QStringLiteral("--concurrency"), QStringLiteral("two")},
             QStringLiteral("--concurrency")},
        };
        for (const Case &c : cases) {
            const Run r = ctl(ws, c.args);
            QVERIFY2(r.code == 2, qPrintable(describe(r)));
            QVERIFY2(r.err.contains(c.says), qPrintable(describe(r)));
        }
        verifyNothingRestored(ws);
        const Run help = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("--help")});
        QCOMPARE(help.code, 0);
        QVERIFY(help.out.contains(QStringLiteral("--continue-on-error")));
        const Run top = ctl(ws, {QStringLiteral("--help")});
        QVERIFY(top.out.contains(QStringLiteral("batch-restore MANIFEST --by ACTOR")));
    }

    void happyPathJson()
    {
        const QString ws = workspace();
        const auto es = entries(25);
        QJsonArray items;
        for (int k = 0; k < es.size(); ++k) {
            QJsonObject o{{QStringLiteral("tombstone"), es[k].first}, {QStringLiteral("output"), es[k].second}};
            if (k == 3)
                o.insert(QStringLiteral("actor"), QStringLiteral("carol"));
            items.append(o);
        }
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/manifest.json")), QJsonDocument(QJsonObject{{QStringLiteral("items"), items}}).toJson());
        const Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                               QStringLiteral("--concurrency"), QStringLiteral("3")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        verifyOutputs(QDir(ws).filePath(QStringLiteral("m")), es);
        QCOMPARE(tempFiles(ws), QStringList());

        // The reference's summary lines.
        const QStringList out = r.out.split(QLatin1Char('\n'));
        QCOMPARE(out.value(0), QStringLiteral("Batch restore complete"));
        QCOMPARE(out.value(1), QStringLiteral("  Succeeded: 25"));
        QCOMPARE(out.value(2), QStringLiteral("  Failed: 0"));
        QVERIFY2(QRegularExpression(QStringLiteral("^  Total Time: \\d+\\.\\d\\ds$")).match(out.value(3)).hasMatch(), qPrintable(r.out));
        const QString results = field(r.out, QStringLiteral("  Results saved to: "));
        QVERIFY2(QRegularExpression(QStringLiteral("/m/batch_restore_\\d{8}_\\d{6}(_\\d+)?\\.json$")).match(results).hasMatch(), qPrintable(r.out));
        QVERIFY(QFileInfo(results).isAbsolute());
        const QString journal = field(r.out, QStringLiteral("  Journal: "));
        QVERIFY2(QFileInfo::exists(journal), qPrintable(r.out));
        QCOMPARE(resultsFiles(ws).size(), 1);

        // Progress: every 10 items and a final line, plain lines (stderr is not a terminal).
        QVERIFY2(QRegularExpression(QStringLiteral("^\\[BATCH\\] 10/25 SUCCESS [0-9a-f-]{36}$"), QRegularExpression::MultilineOption)
                     .match(r.err)
                     .hasMatch(),
                 qPrintable(r.err));
        QVERIFY2(QRegularExpression(QStringLiteral("^\\[BATCH\\] 20/25 SUCCESS "), QRegularExpression::MultilineOption).match(r.err).hasMatch(),
                 qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("[BATCH] 25/25 done: 25 succeeded, 0 failed")), qPrintable(r.err));
        QVERIFY(!r.err.contains(QLatin1Char('\r')));

        // The results file in the reference format.
        const QJsonObject doc = QJsonDocument::fromJson(testutil::readFile(results)).object();
        QCOMPARE(doc.value(QStringLiteral("total")).toInt(), 25);
        QCOMPARE(doc.value(QStringLiteral("succeeded")).toInt(), 25);
        QCOMPARE(doc.value(QStringLiteral("failed")).toInt(), 0);
        QVERIFY(doc.value(QStringLiteral("duration_ms")).isDouble());
        const QJsonArray rs = doc.value(QStringLiteral("results")).toArray();
        QCOMPARE(rs.size(), 25);
        for (int k = 0; k < rs.size(); ++k) {
            const QJsonObject o = rs[k].toObject();
            QCOMPARE(o.value(QStringLiteral("tombstone")).toString(), es[k].first);
            QVERIFY2(o.value(QStringLiteral("output")).toString().endsWith(es[k].second), qPrintable(o.value(QStringLiteral("output")).toString()));
            QCOMPARE(o.value(QStringLiteral("actor")).toString(), k == 3 ? QStringLiteral("carol") : QStringLiteral("alice"));
            QCOMPARE(o.value(QStringLiteral("status")).toString(), QStringLiteral("SUCCESS"));
            QVERIFY(o.value(QStringLiteral("duration_ms")).isDouble());
            QVERIFY(o.value(QStringLiteral("metrics")).isObject());
            QVERIFY(!o.contains(QStringLiteral("detail")));
        }
        // Indented, as the reference writes it.
        QVERIFY(testutil::readFile(results).startsWith("{\n  \"total\": 25,\n"));

        // Evidence: one RESTORE per item (with its actor), one BATCH_RESTORE.
        const auto restores = evidence(ws, QStringLiteral("RESTORE"));
        QCOMPARE(restores.size(), 25);
        QSet<QString> restored;
        for (const QJsonObject &o : restores) {
            restored << o.value(QStringLiteral("tombstone")).toString();
            QCOMPARE(o.value(QStringLiteral("actor")).toString(),
                     o.value(QStringLiteral("tombstone")).toString() == es[3].first ? QStringLiteral("carol") : QStringLiteral("alice"));
        }
        QCOMPARE(restored.size(), 25);
        const auto batch = evidence(ws, QStringLiteral("BATCH_RESTORE"));
        QCOMPARE(batch.size(), 1);
        const QJsonObject b = batch.first();
        QCOMPARE(b.value(QStringLiteral("actor")).toString(), QStringLiteral("alice"));
        QCOMPARE(b.value(QStringLiteral("total")).toInt(), 25);
        QCOMPARE(b.value(QStringLiteral("succeeded")).toInt(), 25);
        QCOMPARE(b.value(QStringLiteral("failed")).toInt(), 0);
        QVERIFY(b.value(QStringLiteral("duration_ms")).isDouble());
        QVERIFY2(b.value(QStringLiteral("results")).toString().endsWith(QFileInfo(results).fileName()), qPrintable(b.value(QStringLiteral("results")).toString()));
        QVERIFY(b.value(QStringLiteral("manifest")).toString().endsWith(QStringLiteral("manifest.json")));
        QVERIFY(b.contains(QStringLiteral("ts")));
        // The BATCH_RESTORE line comes after every RESTORE line.
        QCOMPARE(evidence(ws).last().value(QStringLiteral("action")).toString(), QStringLiteral("BATCH_RESTORE"));

        // The database: one RESTORE event per item.
        const auto events = restoreEvents(ws);
        QCOMPARE(events.size(), 25);
        for (const auto &e : es)
            QCOMPARE(events.value(e.first), 1);
    }

    void happyPathCsvJson()
    {
        // CSV manifest, --json output, results in a chosen folder, one worker.
        const QString ws = workspace();
        const auto es = entries(12, 100);
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/batch.csv")), csvManifest(es));
        const Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/batch.csv"), QStringLiteral("--by"), QStringLiteral("bob"),
                               QStringLiteral("--concurrency"), QStringLiteral("1"), QStringLiteral("--results"), QStringLiteral("reports"),
                               QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        verifyOutputs(QDir(ws).filePath(QStringLiteral("m")), es, 100);
        const QJsonObject doc = QJsonDocument::fromJson(r.rawOut).object();
        QCOMPARE(doc.value(QStringLiteral("total")).toInt(), 12);
        QCOMPARE(doc.value(QStringLiteral("succeeded")).toInt(), 12);
        QCOMPARE(doc.value(QStringLiteral("results")).toArray().size(), 12);
        // The summary went to stderr; the results file is in reports/ and says the same.
        QVERIFY2(r.err.contains(QStringLiteral("Batch restore complete\n  Succeeded: 12\n  Failed: 0\n")), qPrintable(r.err));
        const QString results = field(r.err, QStringLiteral("  Results saved to: "));
        QVERIFY2(results.startsWith(QDir(ws).filePath(QStringLiteral("reports/batch_restore_"))), qPrintable(results));
        QCOMPARE(QJsonDocument::fromJson(testutil::readFile(results)).object(), doc);
    }

    void malformedJson_data()
    {
        QTest::addColumn<QByteArray>("manifest");
        QTest::addColumn<QStringList>("says");
        QTest::newRow("syntax") << QByteArray("[\n  {\"tombstone\": \"a\", \"output\": \"x.txt\"},\n  {\"tombstone\": \"b\" \"output\": \"y.txt\"}\n]\n")
                                << QStringList{QStringLiteral("line 3")};
        QTest::newRow("truncated") << QByteArray("{\"items\": [{\"tombstone\": \"a\", \"output\": \"x.txt\"}, ")
                                   << QStringList{QStringLiteral("manifest.json")};
        QTest::newRow("not a list") << QByteArray("{\"entries\": 3}") << QStringList{QStringLiteral("items")};
        QTest::newRow("entry not an object") << QByteArray("[\"abc\"]") << QStringList{QStringLiteral("entry 1")};
        QTest::newRow("missing fields")
            << QByteArray("[{\"tombstone\": \"T1\", \"output\": \"a.txt\"}, {\"output\": \"b.txt\"}, {\"tombstone\": \"T3\"}, "
                          "{\"tombstone\": \"\", \"output\": \"d.txt\"}, {\"tombstone\": [7], \"output\": \"e.txt\"}]")
            << QStringList{QStringLiteral("entry 2"), QStringLiteral("entry 3"), QStringLiteral("entry 4"), QStringLiteral("entry 5"),
                           QStringLiteral("'tombstone'"), QStringLiteral("'output'")};
        QTest::newRow("empty list") << QByteArray("[]") << QStringList{QStringLiteral("manifest.json")};
        QTest::newRow("empty items") << QByteArray("{\"items\": []}") << QStringList{QStringLiteral("manifest.json")};
        QTest::newRow("empty file") << QByteArray() << QStringList{QStringLiteral("manifest.json")};
    }

    void malformedJson()
    {
        QFETCH(QByteArray, manifest);
        QFETCH(QStringList, says);
        const QString ws = workspace();
        // A good entry too: it must not be restored either.
        manifest.replace("\"T1\"", ('"' + m_tombstones[0] + '"').toUtf8());
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/manifest.json")), manifest);
        const Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice")});
        QVERIFY2(r.code != 0 && r.code != -2, qPrintable(describe(r)));
        for (const QString &s : says)
            QVERIFY2(r.err.contains(s), qPrintable(s + QStringLiteral(" not in:\n") + describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("nothing was restored")), qPrintable(describe(r)));
        QVERIFY(r.out.isEmpty());
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("m/a.txt"))));
        QCOMPARE(resultsFiles(ws), QStringList());
        QVERIFY(evidence(ws).isEmpty());
        verifyNothingRestored(ws);
    }

    void malformedCsv_data()
    {
        QTest::addColumn<QByteArray>("manifest");
        QTest::addColumn<QStringList>("says");
        QTest::newRow("no tombstone column") << QByteArray("id,output\nT1,a.txt\n") << QStringList{QStringLiteral("tombstone")};
        QTest::newRow("no output column") << QByteArray("tombstone,file\nT1,a.txt\n") << QStringList{QStringLiteral("output")};
        QTest::newRow("empty fields") << QByteArray("tombstone,output\nT1,a.txt\n,b.txt\nT3,\n")
                                      << QStringList{QStringLiteral("line 3"), QStringLiteral("line 4"), QStringLiteral("'tombstone'"),
                                                     QStringLiteral("'output'")};
        QTest::newRow("unterminated quote") << QByteArray("tombstone,output\nT1,a.txt\nT2,\"b.txt\n") << QStringList{QStringLiteral("line 3")};
        QTest::newRow("header only") << QByteArray("tombstone,output\n") << QStringList{QStringLiteral("batch.csv")};
        QTest::newRow("empty file") << QByteArray() << QStringList{QStringLiteral("batch.csv")};
    }

    void malformedCsv()
    {
        QFETCH(QByteArray, manifest);
        QFETCH(QStringList, says);
        const QString ws = workspace();
        manifest.replace("T1", m_tombstones[0].toUtf8());
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/batch.csv")), manifest);
        const Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/batch.csv"), QStringLiteral("--by"), QStringLiteral("alice")});
        QVERIFY2(r.code != 0 && r.code != -2, qPrintable(describe(r)));
        for (const QString &s : says)
            QVERIFY2(r.err.contains(s), qPrintable(s + QStringLiteral(" not in:\n") + describe(r)));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("m/a.txt"))));
        QCOMPARE(resultsFiles(ws), QStringList());
        QVERIFY(evidence(ws).isEmpty());
        verifyNothingRestored(ws);
    }

    void missingManifestAndSuffix()
    {
        const QString ws = workspace();
        Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("nope.json"), QStringLiteral("--by"), QStringLiteral("a")});
        QVERIFY2(r.code == 1 && r.err.contains(QStringLiteral("nope.json")), qPrintable(describe(r)));
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/list.txt")), csvManifest(entries(1)));
        r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/list.txt"), QStringLiteral("--by"), QStringLiteral("a")});
        QVERIFY2(r.code == 1 && r.err.contains(QStringLiteral("list.txt")), qPrintable(describe(r)));
        verifyNothingRestored(ws);
    }

    void pathTraversal()
    {
        const QString ws = workspace();
        // Manifest in a/b/: "../../x.txt" is ws/x.txt, outside the restore root a/b.
        const QList<QPair<QString, QString>> es = {{m_tombstones[0], QStringLiteral("fine.txt")},
                                                   {m_tombstones[1], QStringLiteral("../../x.txt")},
                                                   {m_tombstones[2], QStringLiteral("sub/../../y.txt")}};
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("a/b/manifest.json")), jsonManifest(es));
        Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("a/b/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice")});
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("../../x.txt")) && r.err.contains(QStringLiteral("entry 2")), qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("entry 3")), qPrintable(describe(r)));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("x.txt"))));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("a/y.txt"))));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("a/b/fine.txt"))));
        QVERIFY(evidence(ws, QStringLiteral("RESTORE")).isEmpty());

        // A symlink inside the root that leads outside it is refused the same way.
        QDir().mkpath(QDir(ws).filePath(QStringLiteral("elsewhere")));
        QVERIFY(QFile::link(QDir(ws).filePath(QStringLiteral("elsewhere")), QDir(ws).filePath(QStringLiteral("a/b/link"))));
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("a/b/viaLink.json")), jsonManifest({{m_tombstones[3], QStringLiteral("link/z.txt")}}));
        r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("a/b/viaLink.json"), QStringLiteral("--by"), QStringLiteral("alice")});
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("elsewhere/z.txt"))));

        // With explicit consent they are written where they say.
        r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("a/b/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                     QStringLiteral("--allow-outside-root")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QCOMPARE(sha256(testutil::readFile(QDir(ws).filePath(QStringLiteral("x.txt")))), sha256(m_contents[1]));
        QCOMPARE(sha256(testutil::readFile(QDir(ws).filePath(QStringLiteral("a/y.txt")))), sha256(m_contents[2]));
        QCOMPARE(sha256(testutil::readFile(QDir(ws).filePath(QStringLiteral("a/b/fine.txt")))), sha256(m_contents[0]));

        // A wider --restore-root makes them legitimate without the consent flag.
        const QString ws2 = workspace();
        testutil::writeFile(QDir(ws2).filePath(QStringLiteral("a/b/manifest.json")), jsonManifest(es));
        r = ctl(ws2, {QStringLiteral("batch-restore"), QStringLiteral("a/b/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                      QStringLiteral("--restore-root"), QStringLiteral(".")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QVERIFY(QFileInfo::exists(QDir(ws2).filePath(QStringLiteral("x.txt"))));
    }

    void duplicateOutputs()
    {
        const QString ws = workspace();
        const QList<QPair<QString, QString>> es = {{m_tombstones[0], QStringLiteral("out/same.txt")},
                                                   {m_tombstones[1], QStringLiteral("out/other.txt")},
                                                   {m_tombstones[2], QStringLiteral("out/./same.txt")}};
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/manifest.json")), jsonManifest(es, false));
        Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice")});
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("duplicate output")) && r.err.contains(QStringLiteral("entry 3")), qPrintable(describe(r)));
        verifyNothingRestored(ws);

        r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                     QStringLiteral("--continue-on-error")});
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QCOMPARE(field(r.out, QStringLiteral("  Succeeded: ")), QStringLiteral("2"));
        QCOMPARE(field(r.out, QStringLiteral("  Failed: ")), QStringLiteral("1"));
        QCOMPARE(sha256(testutil::readFile(QDir(ws).filePath(QStringLiteral("m/out/same.txt")))), sha256(m_contents[0]));
        const QJsonObject doc = QJsonDocument::fromJson(testutil::readFile(field(r.out, QStringLiteral("  Results saved to: ")))).object();
        const QJsonObject third = doc.value(QStringLiteral("results")).toArray().at(2).toObject();
        QCOMPARE(third.value(QStringLiteral("status")).toString(), QStringLiteral("FAILED"));
        QVERIFY(!third.value(QStringLiteral("detail")).toString().isEmpty());
    }

    void unknownTombstonesMixed()
    {
        const QString ws = workspace();
        auto es = entries(10);
        es.insert(3, qMakePair(QStringLiteral("00000000-0000-4000-8000-000000000000"), QStringLiteral("out/ghost1.txt")));
        es.insert(8, qMakePair(QStringLiteral("not-a-tombstone"), QStringLiteral("out/ghost2.txt")));
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/manifest.json")), jsonManifest(es));

        // Without --continue-on-error: refused before anything is restored.
        Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice")});
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("unknown tombstone")), qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("00000000-0000-4000-8000-000000000000")) && r.err.contains(QStringLiteral("not-a-tombstone")),
                 qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("entry 4")) && r.err.contains(QStringLiteral("entry 9")), qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("--continue-on-error")), qPrintable(describe(r)));
        verifyNothingRestored(ws);

        // The dry run reports the same, as JSON, and restores nothing.
        r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                     QStringLiteral("--dry-run")});
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QJsonObject dry = QJsonDocument::fromJson(r.rawOut).object();
        QCOMPARE(dry.value(QStringLiteral("total")).toInt(), 12);
        QCOMPARE(dry.value(QStringLiteral("ok")).toBool(), false);
        QList<int> flagged;
        for (const QJsonValue &v : dry.value(QStringLiteral("issues")).toArray()) {
            QCOMPARE(v.toObject().value(QStringLiteral("kind")).toString(), QStringLiteral("unknown tombstone"));
            flagged << v.toObject().value(QStringLiteral("entry")).toInt();
        }
        std::sort(flagged.begin(), flagged.end());
        QCOMPARE(flagged, (QList<int>{4, 9}));
        verifyNothingRestored(ws);

        // With it: the good ones are restored, the bad ones FAILED in the results; exit non-zero.
        r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                     QStringLiteral("--continue-on-error")});
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QCOMPARE(field(r.out, QStringLiteral("  Succeeded: ")), QStringLiteral("10"));
        QCOMPARE(field(r.out, QStringLiteral("  Failed: ")), QStringLiteral("2"));
        const QJsonObject doc = QJsonDocument::fromJson(testutil::readFile(field(r.out, QStringLiteral("  Results saved to: ")))).object();
        QCOMPARE(doc.value(QStringLiteral("succeeded")).toInt(), 10);
        QCOMPARE(doc.value(QStringLiteral("failed")).toInt(), 2);
        const QJsonArray rs = doc.value(QStringLiteral("results")).toArray();
        for (int k = 0; k < rs.size(); ++k) {
            const QJsonObject o = rs[k].toObject();
            const bool bad = k == 3 || k == 8;
            QCOMPARE(o.value(QStringLiteral("status")).toString(), bad ? QStringLiteral("FAILED") : QStringLiteral("SUCCESS"));
            QCOMPARE(o.contains(QStringLiteral("detail")), bad);
            if (bad) {
                QVERIFY2(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("m/") + es[k].second)), qPrintable(es[k].second));
            } else {
                QCOMPARE(sha256(testutil::readFile(QDir(ws).filePath(QStringLiteral("m/") + es[k].second))),
                         sha256(m_contents[k < 3 ? k : k < 8 ? k - 1 : k - 2]));
            }
        }
        QCOMPARE(evidence(ws, QStringLiteral("RESTORE")).size(), 10);
        const auto batch = evidence(ws, QStringLiteral("BATCH_RESTORE"));
        QCOMPARE(batch.size(), 1);
        QCOMPARE(batch.first().value(QStringLiteral("failed")).toInt(), 2);
        QCOMPARE(batch.first().value(QStringLiteral("succeeded")).toInt(), 10);
        QCOMPARE(restoreEvents(ws).size(), 10);
    }

    void runtimeFailureStopsTheBatch()
    {
        // Validation cannot see a corrupt payload: item 5's archived hash is made wrong, so its
        // restore fails while running (hash mismatch, not transient, not retried).
        const QString ws = workspace();
        {
            auto store = openStore(ws);
            QVERIFY(testutil::corruptContentHash(store->database(), m_tombstones[4]));
        }
        const auto es = entries(20);
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/manifest.json")), jsonManifest(es));
        Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                         QStringLiteral("--concurrency"), QStringLiteral("1")});
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QVERIFY2(r.out.startsWith(QStringLiteral("Batch restore stopped\n")), qPrintable(describe(r)));
        QCOMPARE(field(r.out, QStringLiteral("  Succeeded: ")), QStringLiteral("4"));
        QCOMPARE(field(r.out, QStringLiteral("  Failed: ")), QStringLiteral("16"));
        QVERIFY2(QRegularExpression(QStringLiteral("^\\[BATCH\\] 5/20 FAILED %1: .*hash mismatch").arg(m_tombstones[4]),
                                    QRegularExpression::MultilineOption | QRegularExpression::CaseInsensitiveOption)
                     .match(r.err)
                     .hasMatch(),
                 qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("--continue-on-error")) || r.err.contains(QStringLiteral("continue on error")), qPrintable(r.err));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("m/") + es[4].second)));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("m/") + es[5].second)));
        QCOMPARE(tempFiles(ws), QStringList());
        const QJsonObject doc = QJsonDocument::fromJson(testutil::readFile(field(r.out, QStringLiteral("  Results saved to: ")))).object();
        QCOMPARE(doc.value(QStringLiteral("failed")).toInt(), 16);
        const QJsonObject fifth = doc.value(QStringLiteral("results")).toArray().at(4).toObject();
        QCOMPARE(fifth.value(QStringLiteral("status")).toString(), QStringLiteral("FAILED"));
        QVERIFY2(fifth.value(QStringLiteral("detail")).toString().contains(QStringLiteral("hash mismatch"), Qt::CaseInsensitive),
                 qPrintable(fifth.value(QStringLiteral("detail")).toString()));
        QCOMPARE(evidence(ws, QStringLiteral("RESTORE")).size(), 4);
        const auto fails = evidence(ws, QStringLiteral("RESTORE_FAIL"));
        QCOMPARE(fails.size(), 1);
        QCOMPARE(fails.first().value(QStringLiteral("tombstone")).toString(), m_tombstones[4]);

        // With --continue-on-error every other item is restored.
        const QString ws2 = workspace();
        {
            auto store = openStore(ws2);
            QVERIFY(testutil::corruptContentHash(store->database(), m_tombstones[4]));
        }
        testutil::writeFile(QDir(ws2).filePath(QStringLiteral("m/manifest.json")), jsonManifest(es));
        r = ctl(ws2, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                      QStringLiteral("--continue-on-error")});
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QVERIFY2(r.out.startsWith(QStringLiteral("Batch restore complete\n")), qPrintable(describe(r)));
        QCOMPARE(field(r.out, QStringLiteral("  Succeeded: ")), QStringLiteral("19"));
        QCOMPARE(field(r.out, QStringLiteral("  Failed: ")), QStringLiteral("1"));
        QVERIFY(!QFileInfo::exists(QDir(ws2).filePath(QStringLiteral("m/") + es[4].second)));
        QCOMPARE(files(QDir(ws2).filePath(QStringLiteral("m/out"))).size(), 19);
    }

    void defaultsFromConfiguration()
    {
        // Generation A: batch.continue_on_error from archive.toml, the flag not given.
        const QString ws = workspace();
        testutil::writeFile(QDir(ws).filePath(QStringLiteral(".codex/archive.toml")),
                            "[backend]\ntype = \"sqlite\"\nurl = \"sqlite:///./data/archive.sqlite\"\n"
                            "[batch]\nmax_concurrent = 2\ncontinue_on_error = true\n");
        auto es = entries(6);
        es.insert(2, qMakePair(QStringLiteral("not-a-tombstone"), QStringLiteral("out/ghost.txt")));
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/manifest.json")), jsonManifest(es));
        Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice")});
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QCOMPARE(field(r.out, QStringLiteral("  Succeeded: ")), QStringLiteral("6"));
        QCOMPARE(field(r.out, QStringLiteral("  Failed: ")), QStringLiteral("1"));

        // Generation B: batch.progress_interval sets how often a progress line is printed.
        const QString ws2 = workspace();
        testutil::writeFile(QDir(ws2).filePath(QStringLiteral(".codex/b.toml")),
                            "[backend]\nbackend = \"sqlite\"\nurl = \"sqlite:///./data/archive.sqlite\"\n"
                            "[batch]\nconcurrent = 2\nprogress_interval = 4\n");
        const auto es2 = entries(9);
        testutil::writeFile(QDir(ws2).filePath(QStringLiteral("m/manifest.json")), jsonManifest(es2));
        r = ctl(ws2, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                      QStringLiteral("--profile"), QStringLiteral("b"), QStringLiteral("--config"), QStringLiteral(".codex/b.toml")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("[BATCH] 4/9 SUCCESS ")) && r.err.contains(QStringLiteral("[BATCH] 8/9 SUCCESS ")),
                 qPrintable(r.err));
        QVERIFY2(!r.err.contains(QStringLiteral("[BATCH] 5/9 ")), qPrintable(r.err));
        verifyOutputs(QDir(ws2).filePath(QStringLiteral("m")), es2);
    }

    void existingOutputs()
    {
        const QString ws = workspace();
        const auto es = entries(3);
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/manifest.json")), jsonManifest(es));
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/") + es[1].second), "precious local edit\n");
        Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice")});
        QVERIFY2(r.code == 1 && r.err.contains(QStringLiteral("entry 2")), qPrintable(describe(r)));
        QCOMPARE(testutil::readFile(QDir(ws).filePath(QStringLiteral("m/") + es[1].second)), QByteArray("precious local edit\n"));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("m/") + es[0].second)));

        r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                     QStringLiteral("--rename")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QCOMPARE(testutil::readFile(QDir(ws).filePath(QStringLiteral("m/") + es[1].second)), QByteArray("precious local edit\n"));
        QCOMPARE(files(QDir(ws).filePath(QStringLiteral("m/out"))).size(), 4);

        const QString ws2 = workspace();
        testutil::writeFile(QDir(ws2).filePath(QStringLiteral("m/manifest.json")), jsonManifest(es));
        testutil::writeFile(QDir(ws2).filePath(QStringLiteral("m/") + es[1].second), "stale\n");
        r = ctl(ws2, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                      QStringLiteral("--overwrite")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        verifyOutputs(QDir(ws2).filePath(QStringLiteral("m")), es);
    }

    void killedThenResumed()
    {
        const QString ws = workspace();
        const auto es = entries(kItems);
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/manifest.json")), jsonManifest(es));
        const QString reports = QDir(ws).filePath(QStringLiteral("reports"));
        QDir().mkpath(reports);
        std::unique_ptr<QProcess> p(startCtl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"),
                                                  QStringLiteral("alice"), QStringLiteral("--concurrency"), QStringLiteral("2"),
                                                  QStringLiteral("--results"), QStringLiteral("reports")}));
        QString journal;
        int recordsAtKill = 0;
        QElapsedTimer t;
        t.start();
        while (p->state() == QProcess::Running && t.elapsed() < 60000) {
            if (journal.isEmpty())
                journal = findJournal(reports);
            if (!journal.isEmpty() && (recordsAtKill = journalRecords(journal)) >= kItems / 5)
                break;
            QThread::usleep(500);
        }
        QVERIFY2(p->state() == QProcess::Running, qPrintable(QStringLiteral("finished before it could be killed: %1 records\n%2")
                                                                 .arg(recordsAtKill)
                                                                 .arg(QString::fromUtf8(p->readAllStandardError()))));
        p->kill();  // SIGKILL
        QVERIFY(p->waitForFinished(10000));
        const int records = journalRecords(journal);
        QVERIFY2(p->exitStatus() == QProcess::CrashExit,
                 qPrintable(QStringLiteral("not killed: %1 journal records after %2 ms\n%3\n%4")
                                .arg(records)
                                .arg(t.elapsed())
                                .arg(QString::fromUtf8(p->readAllStandardOutput()), QString::fromUtf8(p->readAllStandardError()).right(3000))));
        QVERIFY2(records >= kItems / 5 && records < kItems, qPrintable(QString::number(records)));
        QCOMPARE(resultsFiles(ws), QStringList());  // killed: no results yet

        const Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                               QStringLiteral("--concurrency"), QStringLiteral("2"), QStringLiteral("--results"), QStringLiteral("reports"),
                               QStringLiteral("--resume"), journal});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QCOMPARE(field(r.out, QStringLiteral("  Succeeded: ")), QString::number(kItems));
        QCOMPARE(field(r.out, QStringLiteral("  Failed: ")), QStringLiteral("0"));
        QCOMPARE(field(r.out, QStringLiteral("  Journal: ")), journal);
        QVERIFY2(r.out.contains(QStringLiteral("already restored by an earlier run, skipped")), qPrintable(r.out));

        // Every output exactly once with the right content; nothing half-written left behind.
        verifyOutputs(QDir(ws).filePath(QStringLiteral("m")), es);
        QCOMPARE(tempFiles(ws), QStringList());
        QCOMPARE(files(QDir(ws).filePath(QStringLiteral("m/out"))).size(), kItems);
        // The database: exactly one RESTORE event per item (none restored twice).
        const auto events = restoreEvents(ws);
        QCOMPARE(events.size(), kItems);
        for (auto it = events.cbegin(); it != events.cend(); ++it)
            QVERIFY2(it.value() == 1, qPrintable(QStringLiteral("%1 restored %2 times").arg(it.key()).arg(it.value())));
        // Evidence: never two RESTORE lines for one item; one BATCH_RESTORE for the finished run.
        QHash<QString, int> lines;
        for (const QJsonObject &o : evidence(ws, QStringLiteral("RESTORE")))
            ++lines[o.value(QStringLiteral("tombstone")).toString()];
        for (auto it = lines.cbegin(); it != lines.cend(); ++it)
            QVERIFY2(it.value() == 1, qPrintable(it.key()));
        QVERIFY2(lines.size() >= kItems - 4, qPrintable(QString::number(lines.size())));
        const auto batch = evidence(ws, QStringLiteral("BATCH_RESTORE"));
        QCOMPARE(batch.size(), 1);
        QCOMPARE(batch.first().value(QStringLiteral("succeeded")).toInt(), kItems);

        // The results file counts every item as SUCCESS, the skipped ones marked as such.
        const QJsonObject doc = QJsonDocument::fromJson(testutil::readFile(field(r.out, QStringLiteral("  Results saved to: ")))).object();
        QCOMPARE(doc.value(QStringLiteral("succeeded")).toInt(), kItems);
        int skipped = 0;
        for (const QJsonValue &v : doc.value(QStringLiteral("results")).toArray()) {
            QCOMPARE(v.toObject().value(QStringLiteral("status")).toString(), QStringLiteral("SUCCESS"));
            skipped += v.toObject().value(QStringLiteral("metrics")).toObject().value(QStringLiteral("skipped")).toBool();
        }
        QVERIFY2(skipped >= records - 2, qPrintable(QStringLiteral("%1 skipped, %2 journal records").arg(skipped).arg(records)));

        // Resuming a finished run again restores nothing new.
        const Run again = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                                   QStringLiteral("--results"), QStringLiteral("reports"), QStringLiteral("--resume"), journal});
        QVERIFY2(again.code == 0, qPrintable(describe(again)));
        QCOMPARE(restoreEvents(ws).size(), kItems);
        for (int n : restoreEvents(ws))
            QCOMPARE(n, 1);
    }

    void interruptedThenResumed()
    {
        const QString ws = workspace();
        const auto es = entries(kItems);
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/manifest.json")), jsonManifest(es));
        std::unique_ptr<QProcess> p(startCtl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"),
                                                  QStringLiteral("alice"), QStringLiteral("--concurrency"), QStringLiteral("2")}));
        QString err;
        QElapsedTimer t;
        t.start();
        while (p->state() == QProcess::Running && t.elapsed() < 60000) {
            p->waitForReadyRead(5);
            err += QString::fromUtf8(p->readAllStandardError());
            if (QRegularExpression(QStringLiteral("\\[BATCH\\] (\\d{3,})/3000")).match(err).hasMatch())
                break;
        }
        QVERIFY2(p->state() == QProcess::Running, qPrintable(err));
        ::kill(pid_t(p->processId()), SIGINT);
        QVERIFY(p->waitForFinished(30000));
        err += QString::fromUtf8(p->readAllStandardError());
        const QString out = QString::fromUtf8(p->readAllStandardOutput());
        QCOMPARE(p->exitStatus(), QProcess::NormalExit);
        QVERIFY2(p->exitCode() == 130, qPrintable(out + err));
        QVERIFY2(out.startsWith(QStringLiteral("Batch restore cancelled\n")), qPrintable(out + err));
        const QString journal = field(out, QStringLiteral("  Journal: "));
        QVERIFY2(err.contains(QStringLiteral("--resume ") + journal), qPrintable(err));
        const QString results = field(out, QStringLiteral("  Results saved to: "));
        QVERIFY2(QFileInfo::exists(results), qPrintable(out));
        const int succeeded = field(out, QStringLiteral("  Succeeded: ")).toInt();
        QVERIFY2(succeeded > 0 && succeeded < kItems, qPrintable(out));
        QCOMPARE(tempFiles(ws), QStringList());
        QCOMPARE(files(QDir(ws).filePath(QStringLiteral("m/out"))).size(), succeeded);
        const QJsonObject doc = QJsonDocument::fromJson(testutil::readFile(results)).object();
        QCOMPARE(doc.value(QStringLiteral("succeeded")).toInt(), succeeded);
        QCOMPARE(doc.value(QStringLiteral("failed")).toInt(), kItems - succeeded);

        const Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                               QStringLiteral("--resume"), journal});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        verifyOutputs(QDir(ws).filePath(QStringLiteral("m")), es);
        const auto events = restoreEvents(ws);
        QCOMPARE(events.size(), kItems);
        for (int n : events)
            QCOMPARE(n, 1);
        QCOMPARE(evidence(ws, QStringLiteral("RESTORE")).size(), kItems);
    }

    void resumeWithOtherManifestRefused()
    {
        const QString ws = workspace();
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/first.json")), jsonManifest(entries(3)));
        Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/first.json"), QStringLiteral("--by"), QStringLiteral("alice")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        const QString journal = field(r.out, QStringLiteral("  Journal: "));
        QVERIFY(QFileInfo::exists(journal));
        const QByteArray journalBefore = testutil::readFile(journal);

        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/second.json")), jsonManifest(entries(3, 10)));
        r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/second.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                     QStringLiteral("--resume"), journal});
        QVERIFY2(r.code != 0 && r.code != -2, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("manifest")), qPrintable(describe(r)));
        for (const auto &e : entries(3, 10))
            QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("m/") + e.second)));
        QCOMPARE(restoreEvents(ws).size(), 3);
        QCOMPARE(testutil::readFile(journal), journalBefore);

        // The same manifest edited after the run is a different manifest too.
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/first.json")), jsonManifest(entries(4)));
        r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/first.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                     QStringLiteral("--resume"), journal});
        QVERIFY2(r.code != 0 && r.code != -2, qPrintable(describe(r)));
        QCOMPARE(restoreEvents(ws).size(), 3);

        // A journal that is not one.
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("bogus.journal")), "hello\n");
        r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/first.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                     QStringLiteral("--resume"), QStringLiteral("bogus.journal")});
        QVERIFY2(r.code != 0 && r.code != -2 && r.err.contains(QStringLiteral("bogus.journal")), qPrintable(describe(r)));
        QCOMPARE(restoreEvents(ws).size(), 3);
    }

    void dryRunClean()
    {
        const QString ws = workspace();
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/manifest.json")), jsonManifest(entries(5)));
        const Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice"),
                               QStringLiteral("--dry-run")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        const QJsonObject o = QJsonDocument::fromJson(r.rawOut).object();
        QCOMPARE(o.value(QStringLiteral("total")).toInt(), 5);
        QCOMPARE(o.value(QStringLiteral("ok")).toBool(), true);
        QCOMPARE(o.value(QStringLiteral("issues")).toArray().size(), 0);
        verifyNothingRestored(ws);
        QCOMPARE(resultsFiles(ws), QStringList());
    }

    void archiveMissing()
    {
        const QString ws = workspace();
        testutil::writeFile(QDir(ws).filePath(QStringLiteral(".codex/archive.toml")),
                            "[backend]\ntype = \"sqlite\"\nurl = \"sqlite:///./data/missing.sqlite\"\n");
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("m/manifest.json")), jsonManifest(entries(2)));
        const Run r = ctl(ws, {QStringLiteral("batch-restore"), QStringLiteral("m/manifest.json"), QStringLiteral("--by"), QStringLiteral("alice")});
        QVERIFY2(r.code == 1 && r.err.contains(QStringLiteral("missing.sqlite")), qPrintable(describe(r)));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("data/missing.sqlite"))));
        QCOMPARE(resultsFiles(ws), QStringList());
    }
};

QTEST_GUILESS_MAIN(TestCliBatch)
#include "tst_cli_batch.moc"
