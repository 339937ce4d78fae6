// codex-adminctl health-check | list | show | restore | evidence, run as a real process against
// an archive written by the reference fixture script (tests/fixtures/reference_archive.py).
#include "TestUtil.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QtTest>

#include <algorithm>
#include <functional>

namespace {

using Run = testutil::CtlRun;
using Env = QMap<QString, QString>;

Run ctl(const QString &workspace, const QStringList &args, const Env &env = {})
{
    return testutil::runCtl(workspace, args, env);
}

QString describe(const Run &r)
{
    return QStringLiteral("exit %1\n--- stdout\n%2\n--- stderr\n%3").arg(r.code).arg(r.out, r.err);
}

const QString kPython = QStringLiteral("/usr/bin/python3");

QByteArray python(const QStringList &args, const QString &cwd, int *code = nullptr)
{
    QProcess p;
    p.setWorkingDirectory(cwd);
    p.start(kPython, args);
    if (!p.waitForFinished(120000))
        qFatal("python did not finish");
    if (code)
        *code = p.exitCode();
    else if (p.exitCode() != 0)
        qFatal("python %s failed: %s", qPrintable(args.join(QLatin1Char(' '))), p.readAllStandardError().constData());
    return p.readAllStandardOutput();
}

QString sha256(const QByteArray &bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

/// Both timestamp forms of the data: "YYYY-MM-DDTHH:MM:SSZ" and "YYYY-MM-DD HH:MM:SS" (UTC).
QDateTime parseTs(const QString &text)
{
    QDateTime t = QDateTime::fromString(text, QStringLiteral("yyyy-MM-dd'T'HH:mm:ss'Z'"));
    if (!t.isValid())
        t = QDateTime::fromString(text, QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    t.setTimeSpec(Qt::UTC);
    return t;
}

QStringList sorted(QStringList l)
{
    l.sort();
    return l;
}

const QString kEvidence = QStringLiteral(".codex/evidence/archive_ops.jsonl");

QList<QByteArray> lines(const QString &path)
{
    if (!QFileInfo::exists(path))
        return {};
    QList<QByteArray> out = testutil::readFile(path).split('\n');
    if (!out.isEmpty() && out.last().isEmpty())
        out.removeLast();
    return out;
}

QJsonObject lineJson(const QByteArray &line)
{
    return QJsonDocument::fromJson(line).object();
}

}  // namespace

class TestCliArchive : public QObject {
    Q_OBJECT
    QTemporaryDir m_pristine;   ///< the reference archive as the fixture script wrote it
    QList<QJsonObject> m_items;  ///< the script's manifest, in writing order
    QList<QTemporaryDir *> m_dirs;

    /// A new workspace holding a copy of the reference archive at the default location.
    QString freshWorkspace(bool withArchive = true)
    {
        auto *dir = new QTemporaryDir;
        m_dirs << dir;
        if (!dir->isValid())
            qFatal("no temporary folder");
        if (withArchive) {
            QDir().mkpath(dir->filePath(QStringLiteral(".codex")));
            const QDir src(m_pristine.filePath(QStringLiteral(".codex")));
            for (const QString &name : src.entryList({QStringLiteral("archive.sqlite*")}, QDir::Files))
                if (!QFile::copy(src.filePath(name), dir->filePath(QStringLiteral(".codex/") + name)))
                    qFatal("cannot copy the archive");
        }
        return dir->path();
    }

    QJsonObject item(const QString &path) const
    {
        for (const QJsonObject &o : m_items)
            if (o.value(QStringLiteral("path")).toString() == path)
                return o;
        qFatal("no item %s in the manifest", qPrintable(path));
    }
    QString tomb(const QString &path) const { return item(path).value(QStringLiteral("tombstone")).toString(); }

    QStringList tombstones(const std::function<bool(const QJsonObject &)> &keep) const
    {
        QStringList out;
        for (const QJsonObject &o : m_items)
            if (keep(o))
                out << o.value(QStringLiteral("tombstone")).toString();
        return out;
    }

    static QJsonObject listJson(const QString &ws, QStringList args, int *code = nullptr)
    {
        args.prepend(QStringLiteral("list"));
        args << QStringLiteral("--json");
        const Run r = ctl(ws, args);
        if (code)
            *code = r.code;
        else if (r.code != 0)
            qFatal("list failed: %s", qPrintable(describe(r)));
        return QJsonDocument::fromJson(r.rawOut).object();
    }

    static QStringList listed(const QJsonObject &root)
    {
        QStringList out;
        for (const QJsonValue &v : root.value(QStringLiteral("items")).toArray())
            out << v.toObject().value(QStringLiteral("tombstone")).toString();
        return out;
    }

    static QJsonObject showJson(const QString &ws, const QString &tombstone)
    {
        const Run r = ctl(ws, {QStringLiteral("show"), tombstone});
        if (r.code != 0)
            qFatal("show failed: %s", qPrintable(describe(r)));
        return QJsonDocument::fromJson(r.rawOut).object();
    }

    static void writeToml(const QString &ws, const QByteArray &toml)
    {
        testutil::writeFile(QDir(ws).filePath(QStringLiteral(".codex/archive.toml")), toml);
    }

    /// Every file and folder below ws, relative, sorted.
    static QStringList tree(const QString &ws)
    {
        QStringList out;
        QDirIterator it(ws, QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        while (it.hasNext())
            out << QDir(ws).relativeFilePath(it.next());
        out.sort();
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_pristine.isValid());
        QVERIFY(QFileInfo::exists(kPython));
        QVERIFY(QDir().mkpath(m_pristine.filePath(QStringLiteral(".codex"))));
        const QByteArray manifest =
            python({QStringLiteral(CODEXADMIN_SOURCE_DIR "/tests/fixtures/reference_archive.py"),
                    QStringLiteral("sqlite:///./.codex/archive.sqlite")},
                   m_pristine.path());
        const QJsonObject root = QJsonDocument::fromJson(manifest).object();
        QCOMPARE(root.value(QStringLiteral("backend")).toString(), QStringLiteral("sqlite"));
        for (const QJsonValue &v : root.value(QStringLiteral("items")).toArray())
            m_items << v.toObject();
        QCOMPARE(m_items.size(), 11);
        // What the tests below rely on: both codecs, both timestamp forms, a purged item.
        QSet<QString> codecs;
        int spaceForm = 0, purged = 0;
        for (const QJsonObject &o : std::as_const(m_items)) {
            codecs << o.value(QStringLiteral("codec")).toString();
            spaceForm += o.value(QStringLiteral("archived_at")).toString().contains(QLatin1Char(' '));
            purged += o.value(QStringLiteral("purged")).toBool();
            QVERIFY2(parseTs(o.value(QStringLiteral("archived_at")).toString()).isValid(),
                     qPrintable(o.value(QStringLiteral("archived_at")).toString()));
        }
        QCOMPARE(codecs, (QSet<QString>{QStringLiteral("zstd"), QStringLiteral("zlib")}));
        QVERIFY(spaceForm >= 5);
        QCOMPARE(purged, 1);
    }

    void cleanupTestCase()
    {
        qDeleteAll(m_dirs);
        m_dirs.clear();
    }

    // ---- health-check -----------------------------------------------------------------------

    void healthCheckPrintsTheReferenceLines()
    {
        const QString ws = freshWorkspace();
        const Run r = ctl(ws, {QStringLiteral("health-check")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QCOMPARE(r.out, QStringLiteral("=== Archive Health Check ===\n"
                                       "Backend: sqlite\n"
                                       "URL: sqlite:///./.codex/archive.sqlite\n"
                                       "Status: \u2713 OK\n"
                                       "Items Retrievable: 11\n"
                                       "Status: \u2713 OK (backend accessible, 11 items retrievable)\n"));
        QCOMPARE(r.err, QString());

        // The same through an explicit archive.toml naming another file.
        QVERIFY(QDir().mkpath(QDir(ws).filePath(QStringLiteral("store"))));
        QVERIFY(QFile::rename(QDir(ws).filePath(QStringLiteral(".codex/archive.sqlite")), QDir(ws).filePath(QStringLiteral("store/ref.sqlite"))));
        writeToml(ws, "[backend]\ntype = \"sqlite\"\nurl = \"sqlite:///./store/ref.sqlite\"\n");
        const Run t = ctl(ws, {QStringLiteral("health-check")});
        QVERIFY2(t.code == 0, qPrintable(describe(t)));
        QVERIFY2(t.out.contains(QStringLiteral("URL: sqlite:///./store/ref.sqlite\n")), qPrintable(t.out));
        QVERIFY(t.out.endsWith(QStringLiteral("Status: \u2713 OK (backend accessible, 11 items retrievable)\n")));
    }

    void healthCheckJson()
    {
        const QString ws = freshWorkspace();
        const Run r = ctl(ws, {QStringLiteral("health-check"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QJsonParseError pe;
        const QJsonObject o = QJsonDocument::fromJson(r.rawOut, &pe).object();
        QCOMPARE(pe.error, QJsonParseError::NoError);
        QCOMPARE(o.value(QStringLiteral("backend")).toString(), QStringLiteral("sqlite"));
        QCOMPARE(o.value(QStringLiteral("url")).toString(), QStringLiteral("sqlite:///./.codex/archive.sqlite"));
        QCOMPARE(o.value(QStringLiteral("status")).toString(), QStringLiteral("OK"));
        QCOMPARE(o.value(QStringLiteral("reachable")).toBool(), true);
        QCOMPARE(o.value(QStringLiteral("schema_present")).toBool(), true);
        QCOMPARE(o.value(QStringLiteral("missing_tables")).toArray().size(), 0);
        QCOMPARE(o.value(QStringLiteral("item_count")).toInteger(), 11);
        QVERIFY(o.value(QStringLiteral("probe_latency_us")).isDouble());
        QVERIFY(o.value(QStringLiteral("probe_latency_us")).toInteger() >= 0);
        QCOMPARE(o.value(QStringLiteral("message")).toString(), QString());
    }

    void missingConfiguredFileIsReportedAndNothingCreated()
    {
        const QString ws = freshWorkspace(false);
        writeToml(ws, "[backend]\ntype = \"sqlite\"\nurl = \"sqlite:///./data/missing.sqlite\"\n");
        const QStringList before = tree(ws);
        QCOMPARE(before, (QStringList{QStringLiteral(".codex"), QStringLiteral(".codex/archive.toml")}));
        const QString missing = QDir(ws).filePath(QStringLiteral("data/missing.sqlite"));

        const Run h = ctl(ws, {QStringLiteral("health-check")});
        QVERIFY2(h.code != 0, qPrintable(describe(h)));
        QVERIFY2(h.out.contains(QStringLiteral("Status: \u2717 FAILED (The archive database %1 does not exist)").arg(missing)),
                 qPrintable(describe(h)));
        QVERIFY(!h.out.contains(QStringLiteral("\u2713")));
        QCOMPARE(tree(ws), before);

        const Run j = ctl(ws, {QStringLiteral("health-check"), QStringLiteral("--json")});
        QVERIFY(j.code != 0);
        const QJsonObject o = QJsonDocument::fromJson(j.rawOut).object();
        QCOMPARE(o.value(QStringLiteral("status")).toString(), QStringLiteral("FAILED"));
        QCOMPARE(o.value(QStringLiteral("reachable")).toBool(), false);
        QVERIFY(o.value(QStringLiteral("item_count")).isNull());
        QVERIFY(o.value(QStringLiteral("message")).toString().contains(QStringLiteral("does not exist")));
        QCOMPARE(tree(ws), before);

        // Commands that read the archive say so too, and create nothing either.
        for (const QStringList &args : {QStringList{QStringLiteral("list")},
                                        QStringList{QStringLiteral("list"), QStringLiteral("--json")},
                                        QStringList{QStringLiteral("show"), tomb(QStringLiteral("docs/old_guide.md"))}}) {
            const Run r = ctl(ws, args);
            QVERIFY2(r.code == 1, qPrintable(describe(r)));
            QCOMPARE(r.out, QString());
            QVERIFY2(r.err.contains(QStringLiteral("The archive database %1 does not exist").arg(missing)), qPrintable(r.err));
            QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
            QVERIFY2(r.err.contains(QStringLiteral("codex-adminctl list --create")), qPrintable(r.err));  // the offer to create it
            QCOMPARE(tree(ws), before);
        }

        // A restore attempt against it fails, is recorded as RESTORE_FAIL, and creates no archive.
        const QString t = tomb(QStringLiteral("docs/old_guide.md"));
        const Run r = ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("g.md"), QStringLiteral("--by"), QStringLiteral("alice")});
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("does not exist")), qPrintable(r.err));
        QCOMPARE(tree(ws), (before + QStringList{QStringLiteral(".codex/evidence"), kEvidence}));
        const QList<QByteArray> ls = lines(QDir(ws).filePath(kEvidence));
        QCOMPARE(ls.size(), 1);
        const QJsonObject ev = lineJson(ls.first());
        QCOMPARE(ev.value(QStringLiteral("action")).toString(), QStringLiteral("RESTORE_FAIL"));
        QCOMPARE(ev.value(QStringLiteral("tombstone")).toString(), t);
        QCOMPARE(ev.value(QStringLiteral("url")).toString(), QStringLiteral("sqlite:///./data/missing.sqlite"));
        QVERIFY2(ev.value(QStringLiteral("reason")).toString().startsWith(QStringLiteral("Backend access error: The archive database %1 does not exist").arg(missing)),
                 ls.first().constData());
    }

    void listCreateMakesTheConfiguredArchive()
    {
        const QString ws = freshWorkspace(false);
        writeToml(ws, "[backend]\ntype = \"sqlite\"\nurl = \"sqlite:///./data/new.sqlite\"\n");
        const Run r = ctl(ws, {QStringLiteral("list"), QStringLiteral("--create"), QStringLiteral("--json")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QCOMPARE(QJsonDocument::fromJson(r.rawOut).object().value(QStringLiteral("total")).toInteger(), 0);
        QVERIFY(QFileInfo(QDir(ws).filePath(QStringLiteral("data/new.sqlite"))).isFile());
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral(".codex/archive.sqlite"))));  // not elsewhere
        const Run h = ctl(ws, {QStringLiteral("health-check")});
        QVERIFY2(h.code == 0, qPrintable(describe(h)));
        QVERIFY(h.out.endsWith(QStringLiteral("Status: \u2713 OK (backend accessible, 0 items retrievable)\n")));
        // The embedded default needs no --create: it is made on first use, like the reference.
        const QString fresh = freshWorkspace(false);
        const Run d = ctl(fresh, {QStringLiteral("list")});
        QVERIFY2(d.code == 0, qPrintable(describe(d)));
        QCOMPARE(d.out.split(QLatin1Char('\n')).last(), QString());
        QVERIFY(d.out.endsWith(QStringLiteral("0 of 0 item(s)\n")));
        QVERIFY(QFileInfo(QDir(fresh).filePath(QStringLiteral(".codex/archive.sqlite"))).isFile());
        // health-check never creates, not even the default.
        const QString untouched = freshWorkspace(false);
        QCOMPARE(ctl(untouched, {QStringLiteral("health-check")}).code, 1);
        QCOMPARE(tree(untouched), QStringList());
    }

    void corruptFileIsNotAnArchive()
    {
        const QString ws = freshWorkspace(false);
        const QString db = QDir(ws).filePath(QStringLiteral(".codex/archive.sqlite"));
        QByteArray junk("This is not an SQLite database, just text that happens to sit here.\n");
        junk = junk.repeated(100);
        testutil::writeFile(db, junk);

        const Run h = ctl(ws, {QStringLiteral("health-check")});
        QVERIFY2(h.code == 1, qPrintable(describe(h)));
        QVERIFY2(h.out.contains(QStringLiteral("Status: \u2717 FAILED (%1 is not an SQLite database").arg(db)), qPrintable(describe(h)));
        for (const QStringList &args : {QStringList{QStringLiteral("list")}, QStringList{QStringLiteral("show"), QStringLiteral("x")}}) {
            const Run r = ctl(ws, args);
            QVERIFY2(r.code == 1, qPrintable(describe(r)));
            QVERIFY2(r.err.contains(QStringLiteral("%1 is not an SQLite database").arg(db)), qPrintable(describe(r)));
        }
        // Nobody "repaired" it.
        QCOMPARE(testutil::readFile(db), junk);
        QVERIFY(!QFileInfo::exists(db + QStringLiteral("-wal")) || QFileInfo(db + QStringLiteral("-wal")).size() == 0);
    }

    void databaseWithTablesMissing()
    {
        // An SQLite file with some other tables, at a configured path and at the default one.
        const QString ws = freshWorkspace(false);
        const QByteArray script = "import sqlite3, sys\n"
                                  "c = sqlite3.connect(sys.argv[1])\n"
                                  "c.execute('CREATE TABLE artifact (id TEXT PRIMARY KEY)')\n"
                                  "c.execute('CREATE TABLE notes (body TEXT)')\n"
                                  "c.commit()\n";
        QDir().mkpath(QDir(ws).filePath(QStringLiteral(".codex")));
        QDir().mkpath(QDir(ws).filePath(QStringLiteral("other")));
        for (const char *rel : {"other/partial.sqlite", ".codex/archive.sqlite"})
            python({QStringLiteral("-c"), QString::fromLatin1(script), QDir(ws).filePath(QString::fromLatin1(rel))}, ws);
        const QString tablesScript = QStringLiteral(
            "import sqlite3, sys\n"
            "print(','.join(sorted(r[0] for r in sqlite3.connect(sys.argv[1]).execute(\"SELECT name FROM sqlite_master WHERE type='table'\"))))\n");

        for (const bool configured : {true, false}) {
            if (configured)
                writeToml(ws, "[backend]\ntype = \"sqlite\"\nurl = \"sqlite:///./other/partial.sqlite\"\n");
            else
                QFile::remove(QDir(ws).filePath(QStringLiteral(".codex/archive.toml")));
            const QString url = configured ? QStringLiteral("sqlite:///./other/partial.sqlite") : QStringLiteral("sqlite:///./.codex/archive.sqlite");
            const QString file = QDir(ws).filePath(configured ? QStringLiteral("other/partial.sqlite") : QStringLiteral(".codex/archive.sqlite"));

            const Run h = ctl(ws, {QStringLiteral("health-check")});
            QVERIFY2(h.code == 1, qPrintable(describe(h)));
            QVERIFY2(h.out.contains(QStringLiteral("Status: \u2717 FAILED (missing tables: item, event, tag, referent)"))
                         || h.out.contains(QStringLiteral("Status: \u2717 FAILED (missing tables:")),
                     qPrintable(describe(h)));
            for (const char *t : {"item", "event", "tag", "referent"})
                QVERIFY2(h.out.contains(QString::fromLatin1(t)), qPrintable(h.out));
            const QJsonObject o = QJsonDocument::fromJson(ctl(ws, {QStringLiteral("health-check"), QStringLiteral("--json")}).rawOut).object();
            QCOMPARE(o.value(QStringLiteral("reachable")).toBool(), true);
            QCOMPARE(o.value(QStringLiteral("schema_present")).toBool(), false);
            QCOMPARE(sorted([&] {
                         QStringList l;
                         for (const QJsonValue &v : o.value(QStringLiteral("missing_tables")).toArray())
                             l << v.toString();
                         return l;
                     }()),
                     (QStringList{QStringLiteral("event"), QStringLiteral("item"), QStringLiteral("referent"), QStringLiteral("tag")}));

            const Run l = ctl(ws, {QStringLiteral("list")});
            QVERIFY2(l.code == 1, qPrintable(describe(l)));
            QVERIFY2(l.err.contains(QStringLiteral("%1 is not a codex archive: table(s)").arg(url)), qPrintable(describe(l)));
            QVERIFY2(l.err.contains(QStringLiteral("item")), qPrintable(l.err));
            // A read-only command never adds tables to somebody else's database.
            QCOMPARE(python({QStringLiteral("-c"), tablesScript, file}, ws), QByteArray("artifact,notes\n"));
        }
    }

    // ---- list -------------------------------------------------------------------------------

    void listFilters_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("expected");
        auto s = [](const QJsonObject &o, const char *k) { return o.value(QLatin1String(k)).toString(); };
        auto has = [](const QJsonObject &o, const char *tag) {
            return o.value(QStringLiteral("tags")).toArray().contains(QJsonValue(QLatin1String(tag)));
        };
        QTest::newRow("none") << QStringList{} << tombstones([](const QJsonObject &) { return true; });
        QTest::newRow("repo") << QStringList{QStringLiteral("--repo"), QStringLiteral("svc-batch")}
                              << tombstones([&](const QJsonObject &o) { return s(o, "repo") == QLatin1String("svc-batch"); });
        QTest::newRow("repo unknown") << QStringList{QStringLiteral("--repo"), QStringLiteral("svc")} << QStringList{};
        QTest::newRow("path substring") << QStringList{QStringLiteral("--path"), QStringLiteral("handler")}
                                        << tombstones([&](const QJsonObject &o) { return s(o, "path").contains(QLatin1String("handler")); });
        QTest::newRow("path unicode") << QStringList{QStringLiteral("--path"), QStringLiteral("na\u00efve_\u6a21")}
                                      << QStringList{tomb(QStringLiteral("src/\u00dcn\u00efcode/na\u00efve_\u6a21\u5757.py"))};
        QTest::newRow("path wildcard chars are literal") << QStringList{QStringLiteral("--path"), QStringLiteral("%")} << QStringList{};
        QTest::newRow("path underscore literal") << QStringList{QStringLiteral("--path"), QStringLiteral("_handler_")}
                                                 << QStringList{tomb(QStringLiteral("src/handlers/legacy_handler_copy.py"))};
        QTest::newRow("actor") << QStringList{QStringLiteral("--actor"), QStringLiteral("user1")}
                               << tombstones([&](const QJsonObject &o) { return s(o, "actor") == QLatin1String("user1"); });
        QTest::newRow("reason") << QStringList{QStringLiteral("--reason"), QStringLiteral("legacy")}
                                << tombstones([&](const QJsonObject &o) { return s(o, "reason") == QLatin1String("legacy"); });
        QTest::newRow("kind") << QStringList{QStringLiteral("--kind"), QStringLiteral("asset")}
                              << tombstones([&](const QJsonObject &o) { return s(o, "kind") == QLatin1String("asset"); });
        QTest::newRow("language") << QStringList{QStringLiteral("--language"), QStringLiteral("shell")}
                                  << tombstones([&](const QJsonObject &o) { return s(o, "language") == QLatin1String("shell"); });
        QTest::newRow("tag docs") << QStringList{QStringLiteral("--tag"), QStringLiteral("docs")}
                                  << tombstones([&](const QJsonObject &o) { return has(o, "docs"); });
        QTest::newRow("tag archived") << QStringList{QStringLiteral("--tag"), QStringLiteral("archived")}
                                      << tombstones([&](const QJsonObject &o) { return has(o, "archived"); });
        QTest::newRow("legal-hold yes") << QStringList{QStringLiteral("--legal-hold"), QStringLiteral("yes")}
                                        << tombstones([](const QJsonObject &o) { return o.value(QStringLiteral("legal_hold")).toBool(); });
        QTest::newRow("legal-hold no") << QStringList{QStringLiteral("--legal-hold"), QStringLiteral("no")}
                                       << tombstones([](const QJsonObject &o) { return !o.value(QStringLiteral("legal_hold")).toBool(); });
        QTest::newRow("restored yes") << QStringList{QStringLiteral("--restored"), QStringLiteral("yes")}
                                      << tombstones([](const QJsonObject &o) { return o.value(QStringLiteral("restored")).toBool(); });
        QTest::newRow("restored false") << QStringList{QStringLiteral("--restored"), QStringLiteral("false")}
                                        << tombstones([](const QJsonObject &o) { return !o.value(QStringLiteral("restored")).toBool(); });
        QTest::newRow("combined") << QStringList{QStringLiteral("--repo"), QStringLiteral("svc-api"), QStringLiteral("--kind"), QStringLiteral("code"),
                                                 QStringLiteral("--actor"), QStringLiteral("user0")}
                                  << tombstones([&](const QJsonObject &o) {
                                         return s(o, "repo") == QLatin1String("svc-api") && s(o, "kind") == QLatin1String("code")
                                                && s(o, "actor") == QLatin1String("user0");
                                     });

        // Dates and timestamps over a column holding both "…T…Z" and "… …" forms.
        auto range = [&](const QDateTime &from, const QDateTime &to) {
            return tombstones([=](const QJsonObject &o) {
                const QDateTime t = parseTs(o.value(QStringLiteral("archived_at")).toString());
                return (!from.isValid() || t >= from) && (!to.isValid() || t < to);
            });
        };
        const QDateTime d2(QDate(2024, 3, 2), QTime(0, 0), Qt::UTC);
        const QDateTime d3(QDate(2024, 3, 3), QTime(0, 0), Qt::UTC);
        const QDateTime item1(QDate(2024, 3, 1), QTime(15, 1, 1), Qt::UTC);  // stored as "2024-03-01 15:01:01"
        const QDateTime item3(QDate(2024, 3, 2), QTime(5, 3, 3), Qt::UTC);   // stored as "2024-03-02 05:03:03"
        const QDateTime item5(QDate(2024, 3, 2), QTime(19, 5, 5), Qt::UTC);  // stored as "2024-03-02 19:05:05"
        QTest::newRow("since date") << QStringList{QStringLiteral("--since"), QStringLiteral("2024-03-02")} << range(d2, {});
        QTest::newRow("until date") << QStringList{QStringLiteral("--until"), QStringLiteral("2024-03-02")} << range({}, d2);
        QTest::newRow("since+until dates")
            << QStringList{QStringLiteral("--since"), QStringLiteral("2024-03-02"), QStringLiteral("--until"), QStringLiteral("2024-03-03")}
            << range(d2, d3);
        QTest::newRow("since exact space-form row") << QStringList{QStringLiteral("--since"), QStringLiteral("2024-03-01T15:01:01Z")}
                                                    << range(item1, {});
        QTest::newRow("until exact space-form row is exclusive")
            << QStringList{QStringLiteral("--until"), QStringLiteral("2024-03-01T15:01:01Z")} << range({}, item1);
        QTest::newRow("timestamp without zone is UTC")
            << QStringList{QStringLiteral("--since"), QStringLiteral("2024-03-02T05:03:03"), QStringLiteral("--until"), QStringLiteral("2024-03-02T19:05:05Z")}
            << range(item3, item5);
        QTest::newRow("offset timestamp") << QStringList{QStringLiteral("--since"), QStringLiteral("2024-03-02T07:03:03+02:00")}
                                          << range(item3, {});
        QTest::newRow("since later than everything") << QStringList{QStringLiteral("--since"), QStringLiteral("2999-01-01")} << QStringList{};
    }

    void listFilters()
    {
        QFETCH(QStringList, args);
        QFETCH(QStringList, expected);
        static QString ws;
        if (ws.isEmpty())
            ws = freshWorkspace();
        int code = 0;
        const QJsonObject root = listJson(ws, args + QStringList{QStringLiteral("--limit"), QStringLiteral("100")}, &code);
        QCOMPARE(code, 0);
        QCOMPARE(sorted(listed(root)), sorted(expected));
        QCOMPARE(root.value(QStringLiteral("total")).toInteger(), expected.size());
        // The sanity of the data set: sensible filters do select something.
        if (QByteArray(QTest::currentDataTag()).startsWith("since date") || QByteArray(QTest::currentDataTag()) == "repo")
            QVERIFY(!expected.isEmpty());
    }

    void listSortsBothTimestampFormsTogether()
    {
        const QString ws = freshWorkspace();
        QList<QJsonObject> byTime = m_items;
        std::sort(byTime.begin(), byTime.end(), [](const QJsonObject &a, const QJsonObject &b) {
            return parseTs(a.value(QStringLiteral("archived_at")).toString()) > parseTs(b.value(QStringLiteral("archived_at")).toString());
        });
        QStringList newestFirst;
        for (const QJsonObject &o : byTime)
            newestFirst << o.value(QStringLiteral("tombstone")).toString();
        QCOMPARE(listed(listJson(ws, {})), newestFirst);  // default: archived_at, descending
        QStringList oldestFirst = newestFirst;
        std::reverse(oldestFirst.begin(), oldestFirst.end());
        QCOMPARE(listed(listJson(ws, {QStringLiteral("--asc")})), oldestFirst);
        QCOMPARE(listed(listJson(ws, {QStringLiteral("--sort"), QStringLiteral("archived_at"), QStringLiteral("--asc")})), oldestFirst);
    }

    void listSortColumns_data()
    {
        QTest::addColumn<QString>("column");
        QTest::addColumn<QString>("field");
        QTest::newRow("repo") << QStringLiteral("repo") << QStringLiteral("repo");
        QTest::newRow("path") << QStringLiteral("path") << QStringLiteral("path");
        QTest::newRow("tombstone") << QStringLiteral("tombstone") << QStringLiteral("tombstone");
        QTest::newRow("actor") << QStringLiteral("actor") << QStringLiteral("archived_by");
        QTest::newRow("reason") << QStringLiteral("reason") << QStringLiteral("reason");
        QTest::newRow("kind") << QStringLiteral("kind") << QStringLiteral("kind");
        QTest::newRow("language") << QStringLiteral("language") << QStringLiteral("language");
        QTest::newRow("size") << QStringLiteral("size") << QStringLiteral("size_bytes");
        QTest::newRow("restored_at") << QStringLiteral("restored_at") << QStringLiteral("restored_at");
    }

    void listSortColumns()
    {
        QFETCH(QString, column);
        QFETCH(QString, field);
        static QString ws;
        if (ws.isEmpty())
            ws = freshWorkspace();
        for (const bool asc : {true, false}) {
            QStringList args{QStringLiteral("--sort"), column};
            if (asc)
                args << QStringLiteral("--asc");
            const QJsonArray items = listJson(ws, args).value(QStringLiteral("items")).toArray();
            QCOMPARE(items.size(), 11);
            for (int i = 1; i < items.size(); ++i) {
                const QJsonValue a = items[i - 1].toObject().value(field);
                const QJsonValue b = items[i].toObject().value(field);
                // NULL sorts as the smallest value.
                const bool ordered = a.isDouble() ? (asc ? a.toDouble() <= b.toDouble() : a.toDouble() >= b.toDouble())
                                     : a.isNull() ? asc || b.isNull()
                                     : b.isNull() ? !asc
                                                  : (asc ? a.toString() <= b.toString() : a.toString() >= b.toString());
                QVERIFY2(ordered, qPrintable(QStringLiteral("%1 %2: row %3 %4 then %5")
                                                 .arg(column, asc ? QStringLiteral("asc") : QStringLiteral("desc"))
                                                 .arg(i)
                                                 .arg(a.toVariant().toString(), b.toVariant().toString())));
            }
            if (column == QLatin1String("restored_at"))
                QCOMPARE(items[asc ? 10 : 0].toObject().value(QStringLiteral("tombstone")).toString(), tomb(QStringLiteral("docs/old_guide.md")));
        }
    }

    void listPaging()
    {
        const QString ws = freshWorkspace();
        const QStringList all = listed(listJson(ws, {}));
        QCOMPARE(all.size(), 11);
        QStringList pages;
        for (int offset = 0; offset < 12; offset += 4) {
            const QJsonObject page = listJson(ws, {QStringLiteral("--limit"), QStringLiteral("4"), QStringLiteral("--offset"), QString::number(offset)});
            QCOMPARE(page.value(QStringLiteral("total")).toInteger(), 11);
            QCOMPARE(page.value(QStringLiteral("offset")).toInteger(), offset);
            QCOMPARE(page.value(QStringLiteral("items")).toArray().size(), qMin(4, 11 - offset));
            pages += listed(page);
        }
        QCOMPARE(pages, all);
        const QJsonObject none = listJson(ws, {QStringLiteral("--limit"), QStringLiteral("0")});
        QCOMPARE(none.value(QStringLiteral("total")).toInteger(), 11);
        QCOMPARE(none.value(QStringLiteral("items")).toArray().size(), 0);
        const QJsonObject beyond = listJson(ws, {QStringLiteral("--offset"), QStringLiteral("50")});
        QCOMPARE(beyond.value(QStringLiteral("total")).toInteger(), 11);
        QCOMPARE(beyond.value(QStringLiteral("items")).toArray().size(), 0);
        // Paging combines with filters: total counts the filtered rows.
        const QJsonObject filtered = listJson(ws, {QStringLiteral("--kind"), QStringLiteral("code"), QStringLiteral("--limit"), QStringLiteral("2"),
                                                   QStringLiteral("--offset"), QStringLiteral("1")});
        QCOMPARE(filtered.value(QStringLiteral("total")).toInteger(), 7);
        QCOMPARE(filtered.value(QStringLiteral("items")).toArray().size(), 2);

        // Text output: header, one line per row, footer.
        const Run t = ctl(ws, {QStringLiteral("list"), QStringLiteral("--limit"), QStringLiteral("4"), QStringLiteral("--offset"), QStringLiteral("4")});
        QCOMPARE(t.code, 0);
        const QStringList rows = t.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(rows.size(), 6);
        QVERIFY2(rows.first().startsWith(QStringLiteral("TOMBSTONE")) && rows.first().contains(QStringLiteral("REPO:PATH")), qPrintable(t.out));
        QCOMPARE(rows.last(), QStringLiteral("4 of 11 item(s) from offset 4"));
        for (int i = 0; i < 4; ++i)
            QVERIFY2(rows[i + 1].startsWith(all[4 + i]), qPrintable(t.out));
        // Flags: H for legal hold, R for restored.
        const Run full = ctl(ws, {QStringLiteral("list")});
        QCOMPARE(full.code, 0);
        for (const QString &row : full.out.split(QLatin1Char('\n'))) {
            if (row.startsWith(tomb(QStringLiteral("src/contract_terms.txt"))))
                QVERIFY2(row.contains(QStringLiteral(" H-  ")) && row.endsWith(QStringLiteral("svc-hold:src/contract_terms.txt")), qPrintable(row));
            if (row.startsWith(tomb(QStringLiteral("docs/old_guide.md"))))
                QVERIFY2(row.contains(QStringLiteral(" -R  ")), qPrintable(row));
        }
        QVERIFY2(full.out.contains(QStringLiteral("svc-web:src/\u00dcn\u00efcode/na\u00efve_\u6a21\u5757.py\n")), qPrintable(full.out));
        QVERIFY(full.out.endsWith(QStringLiteral("11 of 11 item(s)\n")));
    }

    void listJsonStructure()
    {
        const QString ws = freshWorkspace();
        const Run r = ctl(ws, {QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(r.code, 0);
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(r.rawOut, &pe);
        QCOMPARE(pe.error, QJsonParseError::NoError);
        const QJsonObject root = doc.object();
        QCOMPARE(sorted(root.keys()), (QStringList{QStringLiteral("items"), QStringLiteral("offset"), QStringLiteral("total")}));
        QCOMPARE(root.value(QStringLiteral("total")).toInteger(), 11);
        QCOMPARE(root.value(QStringLiteral("offset")).toInteger(), 0);
        const QStringList fields{QStringLiteral("archived_at"), QStringLiteral("archived_by"), QStringLiteral("commit_sha"),
                                 QStringLiteral("compressed_size"), QStringLiteral("kind"), QStringLiteral("language"),
                                 QStringLiteral("legal_hold"), QStringLiteral("mime_type"), QStringLiteral("path"),
                                 QStringLiteral("reason"), QStringLiteral("repo"), QStringLiteral("restored_at"),
                                 QStringLiteral("size_bytes"), QStringLiteral("tombstone")};
        QHash<QString, QJsonObject> rows;
        for (const QJsonValue &v : root.value(QStringLiteral("items")).toArray()) {
            const QJsonObject o = v.toObject();
            QCOMPARE(sorted(o.keys()), fields);
            rows.insert(o.value(QStringLiteral("tombstone")).toString(), o);
        }
        QCOMPARE(rows.size(), 11);
        for (const QJsonObject &m : std::as_const(m_items)) {
            const QJsonObject o = rows.value(m.value(QStringLiteral("tombstone")).toString());
            const QString what = m.value(QStringLiteral("path")).toString();
            QCOMPARE(o.value(QStringLiteral("repo")), m.value(QStringLiteral("repo")));
            QCOMPARE(o.value(QStringLiteral("path")), m.value(QStringLiteral("path")));
            QCOMPARE(o.value(QStringLiteral("kind")), m.value(QStringLiteral("kind")));
            QCOMPARE(o.value(QStringLiteral("reason")), m.value(QStringLiteral("reason")));
            QCOMPARE(o.value(QStringLiteral("archived_by")), m.value(QStringLiteral("actor")));
            QCOMPARE(o.value(QStringLiteral("mime_type")), m.value(QStringLiteral("mime_type")));
            QCOMPARE(o.value(QStringLiteral("size_bytes")).toInteger(), m.value(QStringLiteral("size")).toInteger());
            QCOMPARE(o.value(QStringLiteral("legal_hold")).toBool(), m.value(QStringLiteral("legal_hold")).toBool());
            QVERIFY2(o.value(QStringLiteral("restored_at")).isNull() != m.value(QStringLiteral("restored")).toBool(), qPrintable(what));
            QCOMPARE(o.value(QStringLiteral("commit_sha")).toString().size(), 40);
            // The same instant, whichever form the row holds.
            QCOMPARE(parseTs(o.value(QStringLiteral("archived_at")).toString()).isValid()
                         ? parseTs(o.value(QStringLiteral("archived_at")).toString())
                         : QDateTime::fromString(o.value(QStringLiteral("archived_at")).toString(), Qt::ISODate).toUTC(),
                     parseTs(m.value(QStringLiteral("archived_at")).toString()));
            if (m.value(QStringLiteral("language")).isNull())
                QVERIFY2(o.value(QStringLiteral("language")).toString().isEmpty(), qPrintable(what));
            else
                QCOMPARE(o.value(QStringLiteral("language")), m.value(QStringLiteral("language")));
            if (m.value(QStringLiteral("purged")).toBool())
                QVERIFY2(o.value(QStringLiteral("compressed_size")).isNull(), qPrintable(what));
            else
                QCOMPARE(o.value(QStringLiteral("compressed_size")).toInteger(), m.value(QStringLiteral("compressed_size")).toInteger());
        }
    }

    void listBadOptionValuesExitTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("since words") << QStringList{QStringLiteral("--since"), QStringLiteral("yesterday")} << QStringLiteral("--since 'yesterday'");
        QTest::newRow("until bad date") << QStringList{QStringLiteral("--until"), QStringLiteral("2024-13-45")} << QStringLiteral("--until '2024-13-45'");
        QTest::newRow("legal-hold maybe") << QStringList{QStringLiteral("--legal-hold"), QStringLiteral("maybe")} << QStringLiteral("--legal-hold");
        QTest::newRow("restored sometimes") << QStringList{QStringLiteral("--restored"), QStringLiteral("sometimes")} << QStringLiteral("--restored");
        QTest::newRow("sort unknown") << QStringList{QStringLiteral("--sort"), QStringLiteral("colour")} << QStringLiteral("--sort 'colour'");
        QTest::newRow("sort injection") << QStringList{QStringLiteral("--sort"), QStringLiteral("repo; DROP TABLE item")} << QStringLiteral("--sort");
        QTest::newRow("limit negative") << QStringList{QStringLiteral("--limit"), QStringLiteral("-1")} << QStringLiteral("--limit");
        QTest::newRow("limit words") << QStringList{QStringLiteral("--limit"), QStringLiteral("ten")} << QStringLiteral("--limit");
        QTest::newRow("offset negative") << QStringList{QStringLiteral("--offset"), QStringLiteral("-3")} << QStringLiteral("--offset");
        QTest::newRow("offset words") << QStringList{QStringLiteral("--offset"), QStringLiteral("x")} << QStringLiteral("--offset");
        QTest::newRow("unknown option") << QStringList{QStringLiteral("--colour"), QStringLiteral("red")} << QStringLiteral("colour");
        QTest::newRow("missing value") << QStringList{QStringLiteral("--repo")} << QStringLiteral("repo");
        QTest::newRow("profile unknown") << QStringList{QStringLiteral("--profile"), QStringLiteral("zz")} << QStringLiteral("unknown profile 'zz'");
    }

    void listBadOptionValuesExitTwo()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        static QString ws;
        if (ws.isEmpty())
            ws = freshWorkspace();
        const Run r = ctl(ws, QStringList{QStringLiteral("list")} + args);
        QVERIFY2(r.code == 2, qPrintable(describe(r)));
        QCOMPARE(r.out, QString());
        QVERIFY2(r.err.contains(message), qPrintable(describe(r)));
        // The archive is intact.
        QCOMPARE(listJson(ws, {}).value(QStringLiteral("total")).toInteger(), 11);
    }

    // ---- show -------------------------------------------------------------------------------

    void showItemJson()
    {
        const QString ws = freshWorkspace();
        const QJsonObject first = item(QStringLiteral("src/handlers/legacy_handler.py"));
        const QJsonObject o = showJson(ws, first.value(QStringLiteral("tombstone")).toString());
        QCOMPARE(o.value(QStringLiteral("tombstone")), first.value(QStringLiteral("tombstone")));
        QCOMPARE(o.value(QStringLiteral("repo")).toString(), QStringLiteral("svc-api"));
        QCOMPARE(o.value(QStringLiteral("language")).toString(), QStringLiteral("python"));
        QCOMPARE(o.value(QStringLiteral("tags")).toArray(), QJsonArray{QStringLiteral("archived")});
        QCOMPARE(o.value(QStringLiteral("referents")).toArray(),
                 (QJsonArray{QJsonObject{{QStringLiteral("ref_type"), QStringLiteral("issue")}, {QStringLiteral("ref_value"), QStringLiteral("CODEX-101")}},
                             QJsonObject{{QStringLiteral("ref_type"), QStringLiteral("pr")},
                                         {QStringLiteral("ref_value"), QStringLiteral("https://example.invalid/pr/7")}}}));
        const QJsonObject meta = o.value(QStringLiteral("metadata")).toObject();
        QCOMPARE(meta.value(QStringLiteral("sha256")), first.value(QStringLiteral("sha256")));
        QCOMPARE(meta.value(QStringLiteral("compression")).toString(), QStringLiteral("zstd"));
        QVERIFY(o.value(QStringLiteral("restored_at")).isNull());
        QVERIFY(o.value(QStringLiteral("delete_after")).isNull());
        const QJsonObject a = o.value(QStringLiteral("artifact")).toObject();
        QCOMPARE(a.value(QStringLiteral("id")), first.value(QStringLiteral("artifact_id")));
        QCOMPARE(a.value(QStringLiteral("content_sha256")), first.value(QStringLiteral("sha256")));
        QCOMPARE(a.value(QStringLiteral("size_bytes")).toInteger(), first.value(QStringLiteral("size")).toInteger());
        QCOMPARE(a.value(QStringLiteral("compression")).toString(), QStringLiteral("zstd"));
        QCOMPARE(a.value(QStringLiteral("mime_type")).toString(), QStringLiteral("text/x-python"));
        QCOMPARE(a.value(QStringLiteral("storage_driver")).toString(), QStringLiteral("db"));
        QCOMPARE(a.value(QStringLiteral("blob_bytes")).toInteger(), first.value(QStringLiteral("compressed_size")).toInteger());
        QVERIFY(a.value(QStringLiteral("object_url")).isNull());
        const QJsonArray events = o.value(QStringLiteral("events")).toArray();
        QCOMPARE(events.size(), 1);
        const QJsonObject archive = events[0].toObject();
        QCOMPARE(archive.value(QStringLiteral("action")).toString(), QStringLiteral("ARCHIVE"));
        QCOMPARE(archive.value(QStringLiteral("actor")).toString(), QStringLiteral("user0"));
        QCOMPARE(archive.value(QStringLiteral("context")).toObject().value(QStringLiteral("repo")).toString(), QStringLiteral("svc-api"));
        QVERIFY(!archive.value(QStringLiteral("created_at")).toString().isEmpty());

        // The item the reference restored: both events, in order, and restored_at.
        const QJsonObject restored = showJson(ws, tomb(QStringLiteral("docs/old_guide.md")));
        QVERIFY(!restored.value(QStringLiteral("restored_at")).toString().isEmpty());
        QCOMPARE(restored.value(QStringLiteral("tags")).toArray(), (QJsonArray{QStringLiteral("archived"), QStringLiteral("docs")}));
        QCOMPARE(restored.value(QStringLiteral("artifact")).toObject().value(QStringLiteral("compression")).toString(), QStringLiteral("zlib"));
        const QJsonArray re = restored.value(QStringLiteral("events")).toArray();
        QCOMPARE(re.size(), 2);
        QCOMPARE(re[0].toObject().value(QStringLiteral("action")).toString(), QStringLiteral("ARCHIVE"));
        QCOMPARE(re[1].toObject().value(QStringLiteral("action")).toString(), QStringLiteral("RESTORE"));
        QCOMPARE(re[1].toObject().value(QStringLiteral("actor")).toString(), QStringLiteral("restorer"));

        // The purged one: no bytes, the purge marker, both approvals.
        const QJsonObject purged = showJson(ws, tomb(QStringLiteral("jobs/purged_job.sh")));
        const QJsonObject pa = purged.value(QStringLiteral("artifact")).toObject();
        QVERIFY(pa.value(QStringLiteral("blob_bytes")).isNull());
        QCOMPARE(pa.value(QStringLiteral("storage_driver")).toString(), QStringLiteral("object"));
        QCOMPARE(pa.value(QStringLiteral("object_url")).toString(), QStringLiteral("purged://dual-control"));
        QStringList actions;
        for (const QJsonValue &v : purged.value(QStringLiteral("events")).toArray())
            actions << v.toObject().value(QStringLiteral("action")).toString() + QLatin1Char(':') + v.toObject().value(QStringLiteral("actor")).toString();
        QCOMPARE(actions, (QStringList{QStringLiteral("ARCHIVE:user1"), QStringLiteral("DELETE_APPROVED:alice"), QStringLiteral("DELETE_APPROVED:bob")}));

        // Legal hold.
        const QJsonObject held = showJson(ws, tomb(QStringLiteral("src/contract_terms.txt")));
        QCOMPARE(held.value(QStringLiteral("legal_hold")).toBool(), true);
        QCOMPARE(held.value(QStringLiteral("tags")).toArray(),
                 (QJsonArray{QStringLiteral("archived"), QStringLiteral("docs"), QStringLiteral("legal")}));

        // Unicode path comes back intact.
        const QString uni = QStringLiteral("src/\u00dcn\u00efcode/na\u00efve_\u6a21\u5757.py");
        QCOMPARE(showJson(ws, tomb(uni)).value(QStringLiteral("path")).toString(), uni);
    }

    void showUnknownTombstone()
    {
        const QString ws = freshWorkspace();
        for (const QString &t : {QStringLiteral("00000000-0000-4000-8000-000000000000"), QStringLiteral("not-a-uuid"),
                                 QStringLiteral("' OR 1=1 --")}) {
            const Run r = ctl(ws, {QStringLiteral("show"), t});
            QVERIFY2(r.code == 1, qPrintable(describe(r)));
            QCOMPARE(r.out, QString());
            QVERIFY2(r.err.contains(QStringLiteral("Tombstone not found: ") + t), qPrintable(describe(r)));
        }
        QCOMPARE(ctl(ws, {QStringLiteral("show")}).code, 2);
        QCOMPARE(ctl(ws, {QStringLiteral("show"), QStringLiteral("a"), QStringLiteral("b")}).code, 2);
    }

    // ---- restore ----------------------------------------------------------------------------

    void restoreEveryItemByteForByte()
    {
        const QString ws = freshWorkspace();
        const QString log = QDir(ws).filePath(kEvidence);
        int attempts = 0;
        QSet<QString> codecsRestored;
        for (const QJsonObject &m : std::as_const(m_items)) {
            const QString tombstone = m.value(QStringLiteral("tombstone")).toString();
            const QString out = QStringLiteral("restored/%1/%2").arg(m.value(QStringLiteral("repo")).toString(), m.value(QStringLiteral("path")).toString());
            const Run r = ctl(ws, {QStringLiteral("restore"), tombstone, out, QStringLiteral("--by"), QStringLiteral("alice")});
            ++attempts;
            const QList<QByteArray> ls = lines(log);
            QCOMPARE(ls.size(), attempts);  // exactly one line per attempt
            const QJsonObject ev = lineJson(ls.last());
            QCOMPARE(ev.value(QStringLiteral("tombstone")).toString(), tombstone);
            QCOMPARE(ev.value(QStringLiteral("actor")).toString(), QStringLiteral("alice"));
            if (m.value(QStringLiteral("purged")).toBool()) {
                QVERIFY2(r.code == 1, qPrintable(describe(r)));
                QVERIFY2(r.err.contains(QStringLiteral("Artifact payload has been purged; bytes unavailable")), qPrintable(describe(r)));
                QVERIFY(!QFileInfo::exists(QDir(ws).filePath(out)));
                QCOMPARE(ev.value(QStringLiteral("action")).toString(), QStringLiteral("RESTORE_FAIL"));
                QCOMPARE(ev.value(QStringLiteral("reason")).toString(), QStringLiteral("Artifact payload has been purged; bytes unavailable"));
                QCOMPARE(ev.value(QStringLiteral("backend")).toString(), QStringLiteral("sqlite"));
                QCOMPARE(ev.value(QStringLiteral("url")).toString(), QStringLiteral("sqlite:///./.codex/archive.sqlite"));
                // A second attempt fails the same way and logs again.
                const Run again = ctl(ws, {QStringLiteral("restore"), tombstone, out, QStringLiteral("--by"), QStringLiteral("alice")});
                QCOMPARE(again.code, 1);
                QCOMPARE(lines(log).size(), ++attempts);
                QVERIFY(showJson(ws, tombstone).value(QStringLiteral("restored_at")).isNull());
                continue;
            }
            QVERIFY2(r.code == 0, qPrintable(describe(r)));
            QCOMPARE(r.out, out + QLatin1Char('\n'));
            const QByteArray bytes = testutil::readFile(QDir(ws).filePath(out));
            QCOMPARE(bytes.size(), m.value(QStringLiteral("size")).toInteger());
            QCOMPARE(sha256(bytes), m.value(QStringLiteral("sha256")).toString());
            codecsRestored << m.value(QStringLiteral("codec")).toString();
            QCOMPARE(ev.value(QStringLiteral("action")).toString(), QStringLiteral("RESTORE"));
            QCOMPARE(ev.value(QStringLiteral("path")).toString(), out);
            QCOMPARE(ev.value(QStringLiteral("repo")), m.value(QStringLiteral("repo")));
            // The archive knows: restored_at and a RESTORE event by alice.
            const QJsonObject shown = showJson(ws, tombstone);
            QVERIFY2(!shown.value(QStringLiteral("restored_at")).toString().isEmpty(), qPrintable(out));
            const QJsonObject lastEvent = shown.value(QStringLiteral("events")).toArray().last().toObject();
            QCOMPARE(lastEvent.value(QStringLiteral("action")).toString(), QStringLiteral("RESTORE"));
            QCOMPARE(lastEvent.value(QStringLiteral("actor")).toString(), QStringLiteral("alice"));
        }
        QCOMPARE(codecsRestored, (QSet<QString>{QStringLiteral("zstd"), QStringLiteral("zlib")}));
        // No temporary files left behind anywhere.
        for (const QString &f : tree(ws))
            QVERIFY2(!f.contains(QStringLiteral(".codex-restore-")), qPrintable(f));
        // Every item but the purged one is now listed as restored.
        QCOMPARE(listJson(ws, {QStringLiteral("--restored"), QStringLiteral("yes")}).value(QStringLiteral("total")).toInteger(), 10);
        QCOMPARE(listed(listJson(ws, {QStringLiteral("--restored"), QStringLiteral("no")})), QStringList{tomb(QStringLiteral("jobs/purged_job.sh"))});
    }

    void restoreUnknownTombstone()
    {
        const QString ws = freshWorkspace();
        const QString t = QStringLiteral("00000000-0000-4000-8000-00000000dead");
        const Run r = ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("out.txt"), QStringLiteral("--by"), QStringLiteral("alice")});
        QVERIFY2(r.code == 1, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(QStringLiteral("Tombstone not found: ") + t), qPrintable(describe(r)));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("out.txt"))));
        const QList<QByteArray> ls = lines(QDir(ws).filePath(kEvidence));
        QCOMPARE(ls.size(), 1);
        const QJsonObject ev = lineJson(ls.first());
        QCOMPARE(ev.value(QStringLiteral("action")).toString(), QStringLiteral("RESTORE_FAIL"));
        QCOMPARE(ev.value(QStringLiteral("reason")).toString(), QStringLiteral("Tombstone not found: ") + t);
    }

    void restoreConflicts()
    {
        const QString ws = freshWorkspace();
        const QJsonObject m = item(QStringLiteral("docs/old_guide.md"));
        const QString t = m.value(QStringLiteral("tombstone")).toString();
        const QString log = QDir(ws).filePath(kEvidence);
        const QString target = QDir(ws).filePath(QStringLiteral("out/guide.md"));
        testutil::writeFile(target, "mine, keep me\n");

        const Run refused = ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("out/guide.md"), QStringLiteral("--by"), QStringLiteral("bob")});
        QVERIFY2(refused.code == 1, qPrintable(describe(refused)));
        QVERIFY2(refused.err.contains(QStringLiteral("Output exists: %1").arg(target)), qPrintable(describe(refused)));
        QCOMPARE(refused.out, QString());
        QCOMPARE(testutil::readFile(target), QByteArray("mine, keep me\n"));
        QCOMPARE(QDir(QDir(ws).filePath(QStringLiteral("out"))).entryList(QDir::Files | QDir::Hidden), QStringList{QStringLiteral("guide.md")});
        QList<QByteArray> ls = lines(log);
        QCOMPARE(ls.size(), 1);
        QCOMPARE(lineJson(ls.last()).value(QStringLiteral("action")).toString(), QStringLiteral("RESTORE_FAIL"));
        QVERIFY(lineJson(ls.last()).value(QStringLiteral("reason")).toString().startsWith(QStringLiteral("Output exists: ")));
        // A refused restore is not a restore: restored_at stays as the reference left it.
        const QString restoredBefore = showJson(ws, t).value(QStringLiteral("restored_at")).toString();
        QCOMPARE(showJson(ws, t).value(QStringLiteral("events")).toArray().size(), 2);

        const Run renamed = ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("out/guide.md"), QStringLiteral("--by"), QStringLiteral("bob"), QStringLiteral("--rename")});
        QVERIFY2(renamed.code == 0, qPrintable(describe(renamed)));
        QCOMPARE(renamed.out, QStringLiteral("out/guide (1).md\n"));
        QCOMPARE(testutil::readFile(target), QByteArray("mine, keep me\n"));
        QCOMPARE(sha256(testutil::readFile(QDir(ws).filePath(QStringLiteral("out/guide (1).md")))), m.value(QStringLiteral("sha256")).toString());
        const Run renamed2 = ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("out/guide.md"), QStringLiteral("--by"), QStringLiteral("bob"), QStringLiteral("--rename")});
        QVERIFY2(renamed2.code == 0, qPrintable(describe(renamed2)));
        QCOMPARE(renamed2.out, QStringLiteral("out/guide (2).md\n"));
        ls = lines(log);
        QCOMPARE(ls.size(), 3);
        QCOMPARE(lineJson(ls[1]).value(QStringLiteral("action")).toString(), QStringLiteral("RESTORE"));
        QVERIFY2(lineJson(ls[1]).value(QStringLiteral("path")).toString().endsWith(QStringLiteral("out/guide (1).md")), ls[1].constData());

        const Run over = ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("out/guide.md"), QStringLiteral("--by"), QStringLiteral("bob"), QStringLiteral("--overwrite")});
        QVERIFY2(over.code == 0, qPrintable(describe(over)));
        QCOMPARE(over.out, QStringLiteral("out/guide.md\n"));
        QCOMPARE(sha256(testutil::readFile(target)), m.value(QStringLiteral("sha256")).toString());
        ls = lines(log);
        QCOMPARE(ls.size(), 4);
        QCOMPARE(lineJson(ls.last()).value(QStringLiteral("action")).toString(), QStringLiteral("RESTORE"));
        QCOMPARE(lineJson(ls.last()).value(QStringLiteral("path")).toString(), QStringLiteral("out/guide.md"));
        QCOMPARE(sorted(QDir(QDir(ws).filePath(QStringLiteral("out"))).entryList(QDir::Files | QDir::Hidden)),
                 (QStringList{QStringLiteral("guide (1).md"), QStringLiteral("guide (2).md"), QStringLiteral("guide.md")}));
        const QJsonObject after = showJson(ws, t);
        QVERIFY(!after.value(QStringLiteral("restored_at")).toString().isEmpty());
        QVERIFY(parseTs(after.value(QStringLiteral("restored_at")).toString()) >= parseTs(restoredBefore));
        QCOMPARE(after.value(QStringLiteral("events")).toArray().size(), 5);  // ARCHIVE, reference RESTORE, three of ours

        // A folder in the way is never replaced.
        QDir().mkpath(QDir(ws).filePath(QStringLiteral("out/adir")));
        const Run dir = ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("out/adir"), QStringLiteral("--by"), QStringLiteral("bob"), QStringLiteral("--overwrite")});
        QCOMPARE(dir.code, 1);
        QVERIFY(QFileInfo(QDir(ws).filePath(QStringLiteral("out/adir"))).isDir());
        QCOMPARE(lines(log).size(), 5);
    }

    void restoreUsageErrors()
    {
        const QString ws = freshWorkspace();
        const QString t = tomb(QStringLiteral("jobs/nightly.sh"));
        const Run noBy = ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("x.sh")});
        QVERIFY2(noBy.code == 2, qPrintable(describe(noBy)));
        QVERIFY2(noBy.err.contains(QStringLiteral("--by")), qPrintable(noBy.err));
        const Run emptyBy = ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("x.sh"), QStringLiteral("--by"), QString()});
        QCOMPARE(emptyBy.code, 2);
        QCOMPARE(ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("--by"), QStringLiteral("a")}).code, 2);
        QCOMPARE(ctl(ws, {QStringLiteral("restore"), QStringLiteral("--by"), QStringLiteral("a")}).code, 2);
        QCOMPARE(ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("x.sh"), QStringLiteral("y"), QStringLiteral("--by"), QStringLiteral("a")}).code, 2);
        QCOMPARE(ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("x.sh"), QStringLiteral("--by"), QStringLiteral("a"), QStringLiteral("--overwrite"),
                          QStringLiteral("--rename")})
                     .code,
                 2);
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("x.sh"))));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(kEvidence)));  // usage errors are not attempts
        QVERIFY(showJson(ws, t).value(QStringLiteral("restored_at")).isNull());
    }

    void evidenceLinesAreByteIdenticalToTheReference()
    {
        const QString ws = freshWorkspace();
        const QString log = QDir(ws).filePath(kEvidence);
        const QString uniOut = QStringLiteral("out/na\u00efve_\u6a21\u5757.py");
        const QString t = tomb(QStringLiteral("src/\u00dcn\u00efcode/na\u00efve_\u6a21\u5757.py"));
        QCOMPARE(ctl(ws, {QStringLiteral("restore"), t, uniOut, QStringLiteral("--by"), QStringLiteral("J\u00f6rg")}).code, 0);
        QCOMPARE(ctl(ws, {QStringLiteral("restore"), tomb(QStringLiteral("jobs/purged_job.sh")), QStringLiteral("out/p.sh"), QStringLiteral("--by"), QStringLiteral("ops")}).code, 1);
        const QList<QByteArray> ls = lines(log);
        QCOMPARE(ls.size(), 2);
        const QRegularExpression restore(QStringLiteral("^\\{\"action\":\"RESTORE\",\"actor\":\"J\\\\u00f6rg\",\"backend\":\"sqlite\","
                                                        "\"duration_ms\":\\d+,\"path\":\"out/na\\\\u00efve_\\\\u6a21\\\\u5757\\.py\","
                                                        "\"repo\":\"svc-web\",\"tombstone\":\"%1\",\"ts\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\"\\}$")
                                         .arg(t));
        QVERIFY2(restore.match(QString::fromLatin1(ls[0])).hasMatch(), ls[0].constData());
        QVERIFY(ls[0].startsWith("{\"action\":\"RESTORE\",\"actor\":"));
        QVERIFY2(ls[1].startsWith("{\"action\":\"RESTORE_FAIL\",\"actor\":\"ops\",\"backend\":\"sqlite\",\"reason\":\"Artifact payload has been purged; bytes unavailable\","
                                  "\"tombstone\":\""),
                 ls[1].constData());
        QVERIFY(ls[1].contains(",\"url\":\"sqlite:///./.codex/archive.sqlite\"}"));
        for (const QByteArray &l : ls)
            for (const char c : l)
                QVERIFY2(uchar(c) < 0x80, l.constData());  // ensure_ascii, as Python writes it
        QVERIFY(testutil::readFile(log).endsWith("}\n"));
        // And Python agrees: each line is exactly json.dumps(json.loads(line), sort_keys=True, separators=(",", ":")).
        const QString check = QStringLiteral(
            "import json, sys\n"
            "bad = 0\n"
            "for line in open(sys.argv[1], encoding='utf-8').read().splitlines():\n"
            "    if json.dumps(json.loads(line), sort_keys=True, separators=(',', ':')) != line:\n"
            "        bad += 1\n"
            "        print('DIFFERS: ' + line)\n"
            "print('bad=%d' % bad)\n");
        const QByteArray verdict = python({QStringLiteral("-c"), check, log}, ws);
        QCOMPARE(verdict, QByteArray("bad=0\n"));
        QCOMPARE(sha256(testutil::readFile(QDir(ws).filePath(uniOut))), item(QStringLiteral("src/\u00dcn\u00efcode/na\u00efve_\u6a21\u5757.py")).value(QStringLiteral("sha256")).toString());
    }

    void evidenceDirRedirectsTheLog()
    {
        const QString ws = freshWorkspace();
        QTemporaryDir elsewhere;
        const Env env{{QStringLiteral("CODEX_EVIDENCE_DIR"), elsewhere.filePath(QStringLiteral("ev"))}};
        const QString t = tomb(QStringLiteral("jobs/nightly.sh"));
        const Run r = ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("n.sh"), QStringLiteral("--by"), QStringLiteral("carol")}, env);
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(kEvidence)));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral(".codex/evidence"))));
        const QList<QByteArray> ls = lines(elsewhere.filePath(QStringLiteral("ev/archive_ops.jsonl")));
        QCOMPARE(ls.size(), 1);
        QCOMPARE(lineJson(ls[0]).value(QStringLiteral("actor")).toString(), QStringLiteral("carol"));
        // evidence reads from the same place.
        const Run e = ctl(ws, {QStringLiteral("evidence")}, env);
        QCOMPARE(e.code, 0);
        QCOMPARE(e.out.toUtf8(), ls[0] + '\n');
        // A relative CODEX_EVIDENCE_DIR is taken relative to the workspace.
        const Run rel = ctl(ws, {QStringLiteral("restore"), t, QStringLiteral("n2.sh"), QStringLiteral("--by"), QStringLiteral("carol")},
                            {{QStringLiteral("CODEX_EVIDENCE_DIR"), QStringLiteral("audit")}});
        QCOMPARE(rel.code, 0);
        QCOMPARE(lines(QDir(ws).filePath(QStringLiteral("audit/archive_ops.jsonl"))).size(), 1);
    }

    // ---- evidence ---------------------------------------------------------------------------

    void evidencePrintsAndFilters()
    {
        const QString ws = freshWorkspace(false);
        const QList<QByteArray> records{
            "{\"action\":\"ARCHIVE\",\"actor\":\"alice\",\"compressed_size\":10,\"path\":\"a.py\",\"reason\":\"dead\",\"repo\":\"r\",\"sha256\":\"00\",\"size\":20,\"tombstone\":\"T1\",\"ts\":\"2024-03-01T08:00:00Z\"}",
            "{\"action\":\"RESTORE\",\"actor\":\"bob\",\"path\":\"out/a.py\",\"repo\":\"r\",\"tombstone\":\"T1\",\"ts\":\"2024-03-02T08:00:00Z\"}",
            "{\"action\":\"RESTORE_FAIL\",\"actor\":\"bob\",\"backend\":\"sqlite\",\"reason\":\"Tombstone not found: T9\",\"tombstone\":\"T9\",\"ts\":\"2024-03-02T09:00:00Z\",\"url\":\"sqlite:///./.codex/archive.sqlite\"}",
            "{\"action\":\"PACK\",\"actor\":\"alice\",\"custom\":{\"n\":1},\"ts\":\"2024-03-03T08:00:00Z\"}",
            "{\"action\":\"RESTORE\",\"actor\":\"alice\",\"path\":\"out/b.py\",\"repo\":\"r\",\"tombstone\":\"T2\",\"ts\":\"2024-03-04T08:00:00Z\"}",
        };
        testutil::writeFile(QDir(ws).filePath(kEvidence), records.join('\n') + '\n');

        const Run all = ctl(ws, {QStringLiteral("evidence")});
        QVERIFY2(all.code == 0, qPrintable(describe(all)));
        QCOMPARE(all.rawOut, records.join('\n') + '\n');  // re-serialised byte for byte, unknown actions kept
        QCOMPARE(all.err, QString());

        auto only = [&](const QStringList &args, const QList<int> &which) {
            const Run r = ctl(ws, QStringList{QStringLiteral("evidence")} + args);
            QVERIFY2(r.code == 0, qPrintable(describe(r)));
            QByteArray expected;
            for (int i : which)
                expected += records[i] + '\n';
            QCOMPARE(r.rawOut, expected);
        };
        only({QStringLiteral("--action"), QStringLiteral("RESTORE")}, {1, 4});
        only({QStringLiteral("--action"), QStringLiteral("RESTORE_FAIL")}, {2});
        only({QStringLiteral("--action"), QStringLiteral("PACK")}, {3});
        only({QStringLiteral("--action"), QStringLiteral("NOPE")}, {});
        only({QStringLiteral("--actor"), QStringLiteral("alice")}, {0, 3, 4});
        only({QStringLiteral("--tombstone"), QStringLiteral("T1")}, {0, 1});
        only({QStringLiteral("--action"), QStringLiteral("RESTORE"), QStringLiteral("--actor"), QStringLiteral("bob"), QStringLiteral("--tombstone"), QStringLiteral("T1")}, {1});

        const Run j = ctl(ws, {QStringLiteral("evidence"), QStringLiteral("--json"), QStringLiteral("--actor"), QStringLiteral("alice")});
        QCOMPARE(j.code, 0);
        QJsonParseError pe;
        const QJsonArray arr = QJsonDocument::fromJson(j.rawOut, &pe).array();
        QCOMPARE(pe.error, QJsonParseError::NoError);
        QCOMPARE(arr.size(), 3);
        QCOMPARE(arr[0].toObject(), QJsonDocument::fromJson(records[0]).object());
        QCOMPARE(arr[1].toObject().value(QStringLiteral("custom")).toObject().value(QStringLiteral("n")).toInt(), 1);
        QCOMPARE(arr[2].toObject().value(QStringLiteral("tombstone")).toString(), QStringLiteral("T2"));
        const Run je = ctl(ws, {QStringLiteral("evidence"), QStringLiteral("--json"), QStringLiteral("--action"), QStringLiteral("NOPE")});
        QCOMPARE(je.code, 0);
        QCOMPARE(QJsonDocument::fromJson(je.rawOut).array().size(), 0);
        QVERIFY(QJsonDocument::fromJson(je.rawOut).isArray());

        // --file reads another log.
        testutil::writeFile(QDir(ws).filePath(QStringLiteral("other.jsonl")), records[3] + '\n');
        const Run f = ctl(ws, {QStringLiteral("evidence"), QStringLiteral("--file"), QStringLiteral("other.jsonl")});
        QCOMPARE(f.code, 0);
        QCOMPARE(f.rawOut, records[3] + '\n');
    }

    void evidenceReportsMalformedLinesAndGoesOn()
    {
        const QString ws = freshWorkspace(false);
        const QByteArray good1 = "{\"action\":\"RESTORE\",\"actor\":\"bob\",\"path\":\"o\",\"repo\":\"r\",\"tombstone\":\"T1\",\"ts\":\"2024-03-02T08:00:00Z\"}";
        const QByteArray good2 = "{\"action\":\"VERIFY\",\"actor\":\"eve\",\"ts\":\"2024-03-02T09:00:00Z\"}";
        const QByteArray good3 = "{\"action\":\"RESTORE_FAIL\",\"actor\":\"bob\",\"reason\":\"x\",\"tombstone\":\"T2\",\"ts\":\"2024-03-02T10:00:00Z\"}";
        const QByteArray content = good1 + "\n"
                                   "{\"action\":\"RESTORE\",\"actor\":\"bob\"\n"  // line 2: truncated
                                   + good2 + "\n"
                                   "[1,2,3]\n"                                    // line 4: not an object
                                   "{\"actor\":\"bob\"}\n"                        // line 5: no action
                                   + good3 + "\n"
                                   "garbage \xff\xfe\n";                          // line 7: not JSON
        testutil::writeFile(QDir(ws).filePath(kEvidence), content);
        const Run r = ctl(ws, {QStringLiteral("evidence")});
        QVERIFY2(r.code == 0, qPrintable(describe(r)));
        QCOMPARE(r.rawOut, good1 + '\n' + good2 + '\n' + good3 + '\n');
        const QStringList warnings = r.err.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(warnings.size(), 4);
        const int lineNos[] = {2, 4, 5, 7};
        for (int i = 0; i < 4; ++i)
            QVERIFY2(warnings[i].startsWith(QStringLiteral("warning: %1:%2: ").arg(kEvidence).arg(lineNos[i])), qPrintable(r.err));
        QVERIFY2(warnings[1].contains(QStringLiteral("not a JSON object")), qPrintable(r.err));
        QVERIFY2(warnings[2].contains(QStringLiteral("no \"action\" field")), qPrintable(r.err));

        // Filters and --json work over the same file, with the same warnings.
        const Run j = ctl(ws, {QStringLiteral("evidence"), QStringLiteral("--json"), QStringLiteral("--actor"), QStringLiteral("bob")});
        QCOMPARE(j.code, 0);
        QCOMPARE(QJsonDocument::fromJson(j.rawOut).array().size(), 2);
        QCOMPARE(j.err.split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 4);

        // A missing log: a clear one-line message naming it, exit 1, nothing created.
        const QString empty = freshWorkspace(false);
        const Run none = ctl(empty, {QStringLiteral("evidence")});
        QVERIFY2(none.code == 1, qPrintable(describe(none)));
        QVERIFY2(none.err.contains(QStringLiteral("Cannot read the evidence log %1").arg(QDir(empty).filePath(kEvidence))), qPrintable(describe(none)));
        QCOMPARE(none.out, QString());
        QCOMPARE(tree(empty), QStringList());
    }

    // ---- secrets ----------------------------------------------------------------------------

    void passwordsNeverReachTheOutput()
    {
        const QString ws = freshWorkspace(false);
        writeToml(ws, "[backend]\ntype = \"postgres\"\nurl = \"postgresql://archiver:s3cret@127.0.0.1:1/archive\"\n");
        const QString redacted = QStringLiteral("postgresql://***@127.0.0.1:1/archive");
        const QString t = QStringLiteral("00000000-0000-4000-8000-000000000001");

        const Run h = ctl(ws, {QStringLiteral("health-check")});
        QVERIFY2(h.code == 1, qPrintable(describe(h)));
        QVERIFY2(h.out.startsWith(QStringLiteral("=== Archive Health Check ===\nBackend: postgres\nURL: %1 (credentials redacted)\nStatus: \u2717 FAILED (Cannot connect to %1: ").arg(redacted)),
                 qPrintable(describe(h)));
        const Run hj = ctl(ws, {QStringLiteral("health-check"), QStringLiteral("--json")});
        QCOMPARE(hj.code, 1);
        const QJsonObject o = QJsonDocument::fromJson(hj.rawOut).object();
        QCOMPARE(o.value(QStringLiteral("url")).toString(), redacted);
        QCOMPARE(o.value(QStringLiteral("reachable")).toBool(), false);

        const QList<QStringList> commands{
            {QStringLiteral("list")},
            {QStringLiteral("list"), QStringLiteral("--json"), QStringLiteral("--repo"), QStringLiteral("x")},
            {QStringLiteral("show"), t},
            {QStringLiteral("restore"), t, QStringLiteral("out.bin"), QStringLiteral("--by"), QStringLiteral("alice")},
        };
        QList<Run> runs{h, hj};
        for (const QStringList &args : commands) {
            const Run r = ctl(ws, args);
            QVERIFY2(r.code == 1, qPrintable(describe(r)));
            QVERIFY2(r.err.contains(QStringLiteral("Cannot connect to %1").arg(redacted)), qPrintable(describe(r)));
            runs << r;
        }
        // The same through the environment and with the other URL spellings.
        QFile::remove(QDir(ws).filePath(QStringLiteral(".codex/archive.toml")));
        for (const QString &url : {QStringLiteral("postgres://archiver:s3cret@127.0.0.1:1/archive"),
                                   QStringLiteral("mysql://archiver:s3cret@127.0.0.1:1/archive"),
                                   QStringLiteral("mysql+pymysql://archiver:s3cret@127.0.0.1:1/archive")}) {
            const Env env{{QStringLiteral("CODEX_ARCHIVE_URL"), url},
                          {QStringLiteral("CODEX_ARCHIVE_BACKEND"), url.startsWith(QLatin1String("mysql")) ? QStringLiteral("mariadb") : QStringLiteral("postgres")}};
            const Run hc = ctl(ws, {QStringLiteral("health-check")}, env);
            QVERIFY2(hc.code == 1, qPrintable(describe(hc)));
            QVERIFY2(hc.out.contains(QStringLiteral("://***@127.0.0.1:1/archive")), qPrintable(describe(hc)));
            const Run l = ctl(ws, {QStringLiteral("list")}, env);
            QVERIFY2(l.code == 1, qPrintable(describe(l)));
            QVERIFY2(l.err.contains(QStringLiteral("://***@127.0.0.1:1/archive")), qPrintable(describe(l)));
            runs << hc << l;
        }
        for (const Run &r : std::as_const(runs)) {
            QVERIFY2(!r.out.contains(QStringLiteral("s3cret")) && !r.err.contains(QStringLiteral("s3cret")), qPrintable(describe(r)));
            QVERIFY2(!r.out.contains(QStringLiteral("archiver:")) && !r.err.contains(QStringLiteral("archiver:")), qPrintable(describe(r)));
        }
        // The failed restore is recorded, with the redacted URL and no password.
        const QList<QByteArray> ls = lines(QDir(ws).filePath(kEvidence));
        QCOMPARE(ls.size(), 1);
        const QJsonObject ev = lineJson(ls.first());
        QCOMPARE(ev.value(QStringLiteral("action")).toString(), QStringLiteral("RESTORE_FAIL"));
        QCOMPARE(ev.value(QStringLiteral("backend")).toString(), QStringLiteral("postgres"));
        QCOMPARE(ev.value(QStringLiteral("url")).toString(), redacted);
        QVERIFY2(ev.value(QStringLiteral("reason")).toString().startsWith(QStringLiteral("Backend access error: Cannot connect to %1").arg(redacted)), ls.first().constData());
        QVERIFY2(!ls.first().contains("s3cret") && !ls.first().contains("archiver:"), ls.first().constData());
        // Nothing was created for the unreachable server.
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral(".codex/archive.sqlite"))));
        QVERIFY(!QFileInfo::exists(QDir(ws).filePath(QStringLiteral("out.bin"))));
    }
};

QTEST_GUILESS_MAIN(TestCliArchive)
#include "tst_cli_archive.moc"
