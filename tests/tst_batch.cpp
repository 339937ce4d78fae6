// Batch restore: manifests (JSON, CSV, every kind of bad input), the validation pass, and the
// runner (worker pool, retry with backoff, timeouts, cancel, pause, resume from the journal) on
// SQLite and on the real PostgreSQL, including a database that drops its connections mid-run.
#include "TestUtil.h"

#include "archive/ArchiveStore.h"
#include "archive/BlobCodec.h"
#include "batch/BatchJournal.h"
#include "batch/BatchResults.h"
#include "batch/BatchRunner.h"
#include "batch/BatchTypes.h"
#include "batch/BatchValidator.h"
#include "batch/Manifest.h"
#include "config/ConfigResolver.h"
#include "evidence/EvidenceLog.h"
#include "evidence/EvidenceReader.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QtTest>

#include <csignal>
#include <random>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace codex;
using namespace codex::archive;
using namespace codex::batch;

namespace {

QString joinMessages(const QList<ManifestError> &errors)
{
    QStringList out;
    for (const ManifestError &e : errors)
        out << e.message;
    return out.join(QLatin1Char('\n'));
}

QString joinIssues(const ValidationReport &r)
{
    QStringList out;
    for (const ValidationIssue &i : r.issues)
        out << QStringLiteral("[%1%2] %3").arg(issueKindName(i.kind), i.blocking ? QString() : QStringLiteral(", warning"), i.message);
    if (!r.error.isEmpty())
        out << r.error;
    return out.join(QLatin1Char('\n'));
}

QList<evidence::EvidenceRecord> readEvidence(const QString &path)
{
    QList<evidence::EvidenceRecord> out;
    evidence::EvidenceReader::read(path, [&](const evidence::EvidenceRecord &r) { out.append(r); return true; },
                                   [](const evidence::EvidenceProblem &) {});
    return out;
}

QByteArray contentFor(int i, int size)
{
    QByteArray b = QStringLiteral("item %1\n").arg(i).toUtf8();
    while (b.size() < size)
        b += QByteArray("line of archived text for item ") + QByteArray::number(i) + '\n';
    b.truncate(size);
    return b;
}

bool isRoot()
{
    return ::geteuid() == 0;
}

int countFiles(const QString &dir, const QString &pattern)
{
    int n = 0;
    QDirIterator it(dir, {pattern}, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        ++n;
    }
    return n;
}

}  // namespace

class TestBatch : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ArchiveStore> m_store;
    ArchiveLocation m_location;
    QStringList m_tombstones;
    QList<QByteArray> m_contents;
    QString m_pgAdminUrl;
    QString m_pgDbName;

    QString path(const QString &rel) const { return m_dir->filePath(rel); }
    QString evidencePath() const { return path(QStringLiteral("evidence/archive_ops.jsonl")); }

    /// A SQLite archive with `n` items of `size` bytes.
    void makeSqliteArchive(int n, int size = 512)
    {
        ArchiveError e;
        auto loc = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///archive.sqlite"), m_dir->path(), &e);
        QVERIFY2(loc, qPrintable(e.message));
        m_location = *loc;
        ArchiveLocation fast = m_location;
        fast.sqliteSyncEachCommit = false;
        m_store = ArchiveStore::open(fast, ArchiveStore::OpenMode::CreateIfMissing, &e);
        QVERIFY2(m_store, qPrintable(e.message));
        fill(n, size);
    }

    void fill(int n, int size)
    {
        m_tombstones.clear();
        m_contents.clear();
        for (int i = 0; i < n; ++i) {
            StoreRequest r;
            r.repo = QStringLiteral("codex/batch");
            r.path = QStringLiteral("src/file%1.py").arg(i);
            r.commitSha = QStringLiteral("0123456789abcdef0123456789abcdef01234567");
            r.actor = QStringLiteral("archiver");
            r.content = contentFor(i, size);
            r.compression = i % 2 ? QStringLiteral("zlib") : QStringLiteral("zstd");
            ArchiveError e;
            const auto t = m_store->store(r, &e);
            if (!t)
                qFatal("store failed: %s", qPrintable(e.message));
            m_tombstones << *t;
            m_contents << r.content;
        }
    }

    /// A manifest (in memory, based in <tmp>/restore) restoring items [0, n) to out/NNN.txt.
    Manifest manifestFor(int n, const QStringList &extraTombstones = {})
    {
        QList<ManifestEntry> entries;
        for (int i = 0; i < n; ++i) {
            ManifestEntry e;
            e.tombstone = m_tombstones.at(i);
            e.output = QStringLiteral("out/%1.txt").arg(i, 4, 10, QLatin1Char('0'));
            entries << e;
        }
        for (const QString &t : extraTombstones) {
            ManifestEntry e;
            e.tombstone = t;
            e.output = QStringLiteral("out/extra-%1.txt").arg(entries.size());
            entries << e;
        }
        QDir().mkpath(path(QStringLiteral("restore")));
        Manifest m = Manifest::fromEntries(path(QStringLiteral("restore")), entries);
        QString error;
        const QString file = path(QStringLiteral("restore/manifest.json"));
        QFile::remove(file);
        if (!m.save(file, &error))
            qFatal("%s", qPrintable(error));
        QList<ManifestError> errors;
        auto loaded = Manifest::load(file, &errors);
        if (!loaded)
            qFatal("%s", qPrintable(joinMessages(errors)));
        return *loaded;
    }

    BatchOptions baseOptions(int concurrency = 4)
    {
        BatchOptions o;
        o.actor = QStringLiteral("alice");
        o.concurrency = concurrency;
        o.retry.enabled = true;
        o.retry.maxAttempts = 3;
        o.retry.initialDelayS = 0.01;
        o.retry.multiplier = 2;
        o.retry.jitter = 0;
        o.retry.seed = 42;
        o.evidencePath = evidencePath();
        return o;
    }

    static BatchSummary runAndWait(BatchRunner &runner, const std::function<void()> &go, int timeoutMs = 30000)
    {
        QSignalSpy spy(&runner, &BatchRunner::finished);
        go();
        if (!spy.wait(timeoutMs))
            qFatal("the batch did not finish within %d ms", timeoutMs);
        return spy.first().first().value<BatchSummary>();
    }

    int restoreEventCount(const QString &tombstone)
    {
        QSqlQuery q(m_store->database());
        q.prepare(QStringLiteral("SELECT COUNT(*) FROM event e JOIN item i ON i.id = e.item_id WHERE e.action = 'RESTORE' AND i.tombstone_id = ?"));
        q.addBindValue(tombstone);
        if (!q.exec() || !q.next())
            qFatal("count failed: %s", qPrintable(q.lastError().text()));
        return q.value(0).toInt();
    }

    QHash<QString, int> evidenceCounts(const QString &action)
    {
        QHash<QString, int> out;
        for (const auto &r : readEvidence(evidencePath()))
            if (r.action == action)
                ++out[r.fields.value(QStringLiteral("tombstone")).toString()];
        return out;
    }

    /// Every output of items [0, n) holds exactly the archived bytes; restored_at is set.
    void verifyOutputs(const Manifest &m, int n)
    {
        for (int i = 0; i < n; ++i) {
            const QString out = m.entries.at(i).resolvedOutput;
            QVERIFY2(QFileInfo::exists(out), qPrintable(out));
            QCOMPARE(BlobCodec::sha256Hex(testutil::readFile(out)), BlobCodec::sha256Hex(m_contents.at(i)));
        }
        ArchiveError e;
        ItemFilter f;
        f.restored = false;
        QCOMPARE(m_store->countItems(f, &e), qint64(m_tombstones.size() - n));
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }

    void cleanup()
    {
        m_store.reset();
        // chmod'ed folders must be removable
        QDirIterator it(m_dir->path(), QDir::Dirs | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        while (it.hasNext())
            QFile::setPermissions(it.next(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        m_dir.reset();
    }

    // ---- manifests ------------------------------------------------------------------------------

    void manifestJsonList()
    {
        testutil::writeFile(path(QStringLiteral("m/list.json")),
                            R"([{"tombstone": " t1 ", "output": "a/one.txt"}, {"tombstone": "t2", "output": "/abs/two.txt", "actor": "bob"}])");
        QList<ManifestError> errors;
        const auto m = Manifest::load(path(QStringLiteral("m/list.json")), &errors);
        QVERIFY2(m, qPrintable(joinMessages(errors)));
        QCOMPARE(m->format, Manifest::Format::Json);
        QCOMPARE(m->entries.size(), 2);
        QCOMPARE(m->entries[0].tombstone, QStringLiteral("t1"));
        QCOMPARE(m->entries[0].output, QStringLiteral("a/one.txt"));
        QCOMPARE(m->entries[0].resolvedOutput, QDir::cleanPath(path(QStringLiteral("m/a/one.txt"))));
        QCOMPARE(m->entries[0].actor, QString());
        QCOMPARE(m->entries[1].resolvedOutput, QStringLiteral("/abs/two.txt"));
        QCOMPARE(m->entries[1].actor, QStringLiteral("bob"));
        QCOMPARE(m->entries[1].index, 1);
        QCOMPARE(m->baseDir, QDir::cleanPath(path(QStringLiteral("m"))));
        QCOMPARE(m->path, QDir::cleanPath(path(QStringLiteral("m/list.json"))));
    }

    void manifestJsonItemsObject()
    {
        testutil::writeFile(path(QStringLiteral("items.json")),
                            "\xEF\xBB\xBF{\"items\": [{\"tombstone\": \"t1\", \"output\": \"x/../y.txt\", \"actor\": null, \"extra\": 1}]}");
        QList<ManifestError> errors;
        const auto m = Manifest::load(path(QStringLiteral("items.json")), &errors);
        QVERIFY2(m, qPrintable(joinMessages(errors)));
        QCOMPARE(m->entries.size(), 1);
        QCOMPARE(m->entries[0].resolvedOutput, QDir::cleanPath(path(QStringLiteral("y.txt"))));
    }

    void manifestCsv()
    {
        // BOM, CRLF, columns in another order, an extra column, quotes with commas, doubled quotes
        // and a newline inside a quoted field, a blank line.
        const QByteArray csv = "\xEF\xBB\xBF" "Output,extra,TOMBSTONE,actor\r\n"
                               "\"dir, with comma/a.txt\",x,t1,alice\r\n"
                               "\r\n"
                               "\"say \"\"hi\"\".txt\",,t2,\r\n"
                               "\"multi\nline.txt\",y,\"t3\",\"bob\"\r\n"
                               "plain.txt,z,t4,carol";
        testutil::writeFile(path(QStringLiteral("m.csv")), csv);
        QList<ManifestError> errors;
        const auto m = Manifest::load(path(QStringLiteral("m.csv")), &errors);
        QVERIFY2(m, qPrintable(joinMessages(errors)));
        QCOMPARE(m->format, Manifest::Format::Csv);
        QCOMPARE(m->entries.size(), 4);
        QCOMPARE(m->entries[0].tombstone, QStringLiteral("t1"));
        QCOMPARE(m->entries[0].output, QStringLiteral("dir, with comma/a.txt"));
        QCOMPARE(m->entries[0].actor, QStringLiteral("alice"));
        QCOMPARE(m->entries[0].line, 2);
        QCOMPARE(m->entries[1].output, QStringLiteral("say \"hi\".txt"));
        QCOMPARE(m->entries[1].actor, QString());
        QCOMPARE(m->entries[1].line, 4);
        QCOMPARE(m->entries[2].output, QStringLiteral("multi\nline.txt"));
        QCOMPARE(m->entries[2].actor, QStringLiteral("bob"));
        QCOMPARE(m->entries[2].line, 5);
        QCOMPARE(m->entries[3].line, 7);
        QCOMPARE(m->entries[3].actor, QStringLiteral("carol"));

        // Without an actor column.
        testutil::writeFile(path(QStringLiteral("two.csv")), "tombstone,output\nt1,a.txt\n");
        const auto m2 = Manifest::load(path(QStringLiteral("two.csv")), &errors);
        QVERIFY2(m2, qPrintable(joinMessages(errors)));
        QCOMPARE(m2->entries.size(), 1);
        QCOMPARE(m2->entries[0].actor, QString());
    }

    void manifestMalformedJson()
    {
        testutil::writeFile(path(QStringLiteral("bad.json")), "[\n  {\"tombstone\": \"t1\", \"output\": \"a\"},\n  {\"tombstone\": \"t2\" \"output\": \"b\"}\n]\n");
        QList<ManifestError> errors;
        QVERIFY(!Manifest::load(path(QStringLiteral("bad.json")), &errors));
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors[0].message.contains(QStringLiteral("bad.json")), qPrintable(errors[0].message));
        QVERIFY2(errors[0].message.contains(QStringLiteral("line 3, column")), qPrintable(errors[0].message));
        QCOMPARE(errors[0].line, 3);

        errors.clear();
        testutil::writeFile(path(QStringLiteral("obj.json")), R"({"entries": []})");
        QVERIFY(!Manifest::load(path(QStringLiteral("obj.json")), &errors));
        QVERIFY2(joinMessages(errors).contains(QStringLiteral("\"items\"")), qPrintable(joinMessages(errors)));

        errors.clear();
        testutil::writeFile(path(QStringLiteral("notobj.json")), R"([{"tombstone": "t", "output": "o"}, 42, "x"])");
        QVERIFY(!Manifest::load(path(QStringLiteral("notobj.json")), &errors));
        QCOMPARE(errors.size(), 2);
        QVERIFY2(errors[0].message.contains(QStringLiteral("entry 2")), qPrintable(errors[0].message));
        QVERIFY2(errors[1].message.contains(QStringLiteral("entry 3")), qPrintable(errors[1].message));
    }

    void manifestMalformedCsv()
    {
        QList<ManifestError> errors;
        testutil::writeFile(path(QStringLiteral("q.csv")), "tombstone,output\nt1,a.txt\nt2,\"unterminated.txt\nt3,c.txt\n");
        QVERIFY(!Manifest::load(path(QStringLiteral("q.csv")), &errors));
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors[0].message.contains(QStringLiteral("line 3")) && errors[0].message.contains(QStringLiteral("unterminated")),
                 qPrintable(errors[0].message));

        errors.clear();
        testutil::writeFile(path(QStringLiteral("h.csv")), "tombstone,path,actor\nt1,a.txt,bob\n");
        QVERIFY(!Manifest::load(path(QStringLiteral("h.csv")), &errors));
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors[0].message.contains(QStringLiteral("'output'")) && errors[0].message.contains(QStringLiteral("line 1")),
                 qPrintable(errors[0].message));
        QCOMPARE(errors[0].field, QStringLiteral("output"));
    }

    void manifestEntriesWithoutFields()
    {
        QList<ManifestError> errors;
        testutil::writeFile(path(QStringLiteral("f.json")),
                            R"([{"tombstone": "t1", "output": "a"}, {"output": "b"}, {"tombstone": "t3"}, {"tombstone": "", "output": " "}, {"tombstone": ["x"], "output": "e"}])");
        QVERIFY(!Manifest::load(path(QStringLiteral("f.json")), &errors));
        const QString all = joinMessages(errors);
        QCOMPARE(errors.size(), 5);
        QVERIFY2(errors[0].message.contains(QStringLiteral("entry 2")) && errors[0].message.contains(QStringLiteral("'tombstone' is missing")), qPrintable(all));
        QCOMPARE(errors[0].index, 1);
        QCOMPARE(errors[0].field, QStringLiteral("tombstone"));
        QVERIFY2(errors[1].message.contains(QStringLiteral("entry 3")) && errors[1].message.contains(QStringLiteral("'output' is missing")), qPrintable(all));
        QVERIFY2(errors[2].message.contains(QStringLiteral("entry 4")) && errors[2].message.contains(QStringLiteral("'tombstone' is empty")), qPrintable(all));
        QVERIFY2(errors[3].message.contains(QStringLiteral("entry 4")) && errors[3].message.contains(QStringLiteral("'output' is empty")), qPrintable(all));
        QVERIFY2(errors[4].message.contains(QStringLiteral("entry 5")) && errors[4].message.contains(QStringLiteral("must be a string")), qPrintable(all));

        errors.clear();
        testutil::writeFile(path(QStringLiteral("f.csv")), "tombstone,output\nt1,a\n,b\nt3,\nt4\n");
        QVERIFY(!Manifest::load(path(QStringLiteral("f.csv")), &errors));
        const QString csvAll = joinMessages(errors);
        QCOMPARE(errors.size(), 3);
        QVERIFY2(errors[0].message.contains(QStringLiteral("line 3")) && errors[0].message.contains(QStringLiteral("'tombstone'")), qPrintable(csvAll));
        QCOMPARE(errors[0].line, 3);
        QVERIFY2(errors[1].message.contains(QStringLiteral("line 4")) && errors[1].message.contains(QStringLiteral("'output'")), qPrintable(csvAll));
        QVERIFY2(errors[2].message.contains(QStringLiteral("line 5")) && errors[2].message.contains(QStringLiteral("'output'")), qPrintable(csvAll));
        QVERIFY2(errors[2].message.startsWith(QStringLiteral("Manifest f.csv, line 5")), qPrintable(csvAll));
    }

    void manifestEmptyAndUnknownSuffix()
    {
        for (const auto &[name, content] : {std::pair{"e1.json", "[]"}, std::pair{"e2.json", "{\"items\": []}"},
                                            std::pair{"e3.csv", "tombstone,output\n"}, std::pair{"e4.csv", ""}}) {
            QList<ManifestError> errors;
            testutil::writeFile(path(QLatin1String(name)), content);
            QVERIFY(!Manifest::load(path(QLatin1String(name)), &errors));
            QCOMPARE(errors.size(), 1);
            QVERIFY2(errors[0].message.contains(QStringLiteral("Manifest does not contain any restore entries")), qPrintable(errors[0].message));
        }
        QList<ManifestError> errors;
        testutil::writeFile(path(QStringLiteral("m.txt")), "tombstone,output\nt,o\n");
        QVERIFY(!Manifest::load(path(QStringLiteral("m.txt")), &errors));
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors[0].message.contains(QStringLiteral(".txt")) && errors[0].message.contains(QStringLiteral("unsupported")), qPrintable(errors[0].message));
        errors.clear();
        QVERIFY(!Manifest::load(path(QStringLiteral("missing.json")), &errors));
        QVERIFY2(errors.value(0).message.contains(QStringLiteral("cannot read")), qPrintable(joinMessages(errors)));
    }

    void manifestSaveLoadRoundTrip()
    {
        QList<ManifestEntry> entries;
        for (const auto &[t, o, a] : {std::tuple{"t1", "a/one.txt", ""}, std::tuple{"t2", "b, \"q\".txt", "bob"},
                                      std::tuple{"t3", "/elsewhere/x.txt", ""}}) {
            ManifestEntry e;
            e.tombstone = QLatin1String(t);
            e.output = QLatin1String(o);
            e.actor = QLatin1String(a);
            entries << e;
        }
        const Manifest m = Manifest::fromEntries(path(QStringLiteral("base")), entries);
        for (const char *name : {"base/s.json", "base/s.csv", "other/deeper/s.json", "other/s.csv"}) {
            QString error;
            QVERIFY2(m.save(path(QLatin1String(name)), &error), qPrintable(error));
            QList<ManifestError> errors;
            const auto back = Manifest::load(path(QLatin1String(name)), &errors);
            QVERIFY2(back, qPrintable(joinMessages(errors)));
            QCOMPARE(back->entries.size(), 3);
            for (int i = 0; i < 3; ++i) {
                QCOMPARE(back->entries[i].tombstone, m.entries[i].tombstone);
                QCOMPARE(back->entries[i].resolvedOutput, m.entries[i].resolvedOutput);
                QCOMPARE(back->entries[i].actor, m.entries[i].actor);
            }
        }
        QString error;
        QVERIFY(!m.save(path(QStringLiteral("base/s.xml")), &error));
        QVERIFY(error.contains(QStringLiteral(".json")));
        QVERIFY(!QFileInfo::exists(path(QStringLiteral("base/s.xml"))));
    }

    // ---- retry policy and options ---------------------------------------------------------------

    void retryFormula()
    {
        RetryPolicy p;
        p.initialDelayS = 1;
        p.multiplier = 2;
        p.maxDelayS = 5;
        p.jitter = 0.1;
        QCOMPARE(p.baseDelayS(1), 1.0);
        QCOMPARE(p.baseDelayS(2), 2.0);
        QCOMPARE(p.baseDelayS(3), 4.0);
        QCOMPARE(p.baseDelayS(4), 5.0);
        QCOMPARE(p.delayS(2, 0.0), 1.8);
        QCOMPARE(p.delayS(2, 0.5), 2.0);
        QVERIFY(qAbs(p.delayS(2, 0.999999) - 2.2) < 1e-5);
        p.jitter = 0;
        QCOMPARE(p.delayS(3, 0.9), 4.0);
    }

    void optionsFromConfig()
    {
        using namespace codex::config;
        QTemporaryDir ws;
        testutil::writeFile(ws.filePath(QStringLiteral(".codex/archive.toml")),
                            "[retry]\nenabled = true\nmax_attempts = 4\ninitial_delay = 0.5\nmax_delay = 8.0\nbackoff_factor = 3.0\njitter = false\n"
                            "[batch]\nmax_concurrent = 7\ntimeout_per_item = 60\ncontinue_on_error = true\n");
        ConfigInputs inputs;
        inputs.workspace = ws.path();
        inputs.homeDir = ws.filePath(QStringLiteral("home"));
        const ResolvedConfig a = ConfigResolver::resolve(*PrecedenceProfile::byId(QStringLiteral("a")), inputs);
        QVERIFY(!a.hasErrors());
        const BatchOptions oa = BatchOptions::fromConfig(a);
        QCOMPARE(oa.concurrency, 7);
        QCOMPARE(oa.timeoutPerItemS, 60);
        QCOMPARE(oa.continueOnError, true);
        QCOMPARE(oa.retry.enabled, true);
        QCOMPARE(oa.retry.maxAttempts, 4);
        QCOMPARE(oa.retry.initialDelayS, 0.5);
        QCOMPARE(oa.retry.maxDelayS, 8.0);
        QCOMPARE(oa.retry.multiplier, 3.0);
        QCOMPARE(oa.retry.jitter, 0.0);

        // Generation A defaults: retry disabled → one attempt.
        QTemporaryDir empty;
        ConfigInputs none;
        none.workspace = empty.path();
        none.homeDir = empty.filePath(QStringLiteral("home"));
        const RetryPolicy da = RetryPolicy::fromConfig(ConfigResolver::resolve(*PrecedenceProfile::byId(QStringLiteral("a")), none));
        QCOMPARE(da.enabled, false);
        QCOMPARE(da.maxAttempts, 1);
        const BatchOptions dao = BatchOptions::fromConfig(ConfigResolver::resolve(*PrecedenceProfile::byId(QStringLiteral("a")), none));
        QCOMPARE(dao.concurrency, 5);
        QCOMPARE(dao.timeoutPerItemS, 300);

        // Generation B through its environment variables.
        none.environment = {{QStringLiteral("CODEX_ARCHIVE_RETRY_ATTEMPTS"), QStringLiteral("6")},
                            {QStringLiteral("CODEX_ARCHIVE_RETRY_MULTIPLIER"), QStringLiteral("1.5")},
                            {QStringLiteral("CODEX_ARCHIVE_RETRY_JITTER"), QStringLiteral("0.25")},
                            {QStringLiteral("CODEX_ARCHIVE_RETRY_SEED"), QStringLiteral("99")},
                            {QStringLiteral("CODEX_ARCHIVE_BATCH_CONCURRENT"), QStringLiteral("3")},
                            {QStringLiteral("CODEX_ARCHIVE_BATCH_RESULTS"), QStringLiteral("results")}};
        const ResolvedConfig b = ConfigResolver::resolve(*PrecedenceProfile::byId(QStringLiteral("b")), none);
        const BatchOptions ob = BatchOptions::fromConfig(b);
        QCOMPARE(ob.retry.enabled, true);
        QCOMPARE(ob.retry.maxAttempts, 6);
        QCOMPARE(ob.retry.multiplier, 1.5);
        QCOMPARE(ob.retry.jitter, 0.25);
        QVERIFY(ob.retry.seed.has_value());
        QCOMPARE(*ob.retry.seed, quint64(99));
        QCOMPARE(ob.concurrency, 3);
        QCOMPARE(ob.resultsPath, QStringLiteral("results"));
    }

    // ---- validation -----------------------------------------------------------------------------

    void validationPaths()
    {
        makeSqliteArchive(6);
        const QString outside = path(QStringLiteral("outside"));
        QDir().mkpath(outside);
        QDir().mkpath(path(QStringLiteral("restore")));
        QVERIFY(QFile::link(outside, path(QStringLiteral("restore/link"))));
        QList<ManifestEntry> entries;
        auto add = [&](const QString &t, const QString &o, const QString &actor = {}) {
            ManifestEntry e;
            e.tombstone = t;
            e.output = o;
            e.actor = actor;
            entries << e;
        };
        add(m_tombstones[0], QStringLiteral("ok/a.txt"));
        add(m_tombstones[1], QStringLiteral("../x.txt"));
        add(m_tombstones[2], outside + QStringLiteral("/abs.txt"));
        add(m_tombstones[3], QStringLiteral("link/sneaky.txt"));
        add(m_tombstones[4], QStringLiteral("ok/../ok/a.txt"));  // the same file as entry 1
        add(m_tombstones[5], QStringLiteral("fine/b.txt"));
        const Manifest m = Manifest::fromEntries(path(QStringLiteral("restore")), entries);
        BatchOptions o = baseOptions();
        ValidationReport r = BatchValidator::validate(m, o, *m_store);
        QVERIFY2(!r.ok(), qPrintable(joinIssues(r)));
        QCOMPARE(r.blockedIndexes(), (QList<int>{1, 2, 3, 4}));
        const QString all = joinIssues(r);
        for (const ValidationIssue &i : r.issues) {
            if (i.index == 1 || i.index == 2 || i.index == 3)
                QCOMPARE(i.kind, ValidationIssue::Kind::EscapesRoot);
            if (i.index == 4)
                QCOMPARE(i.kind, ValidationIssue::Kind::DuplicateOutput);
        }
        QVERIFY2(all.contains(QStringLiteral("entry 2: output ../x.txt escapes the restore root ") + path(QStringLiteral("restore"))), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("entry 4: output link/sneaky.txt resolves to")) && all.contains(QStringLiteral("symbolic link")), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("entry 5: output ok/../ok/a.txt is also written by entry 1")), qPrintable(all));

        // With explicit consent, outside outputs are fine (the duplicate stays blocked).
        o.allowOutsideRoot = true;
        r = BatchValidator::validate(m, o, *m_store);
        QCOMPARE(r.blockedIndexes(), (QList<int>{4}));

        // Missing actor.
        o.actor.clear();
        r = BatchValidator::validatePaths(m, o);
        QCOMPARE(r.blockedIndexes(), (QList<int>{0, 1, 2, 3, 4, 5}));
        QVERIFY(std::any_of(r.issues.cbegin(), r.issues.cend(), [](const ValidationIssue &i) { return i.kind == ValidationIssue::Kind::MissingActor; }));
    }

    void validationExistingAndUnwritable()
    {
        makeSqliteArchive(4);
        testutil::writeFile(path(QStringLiteral("restore/exists.txt")), "the admin's file\n");
        QDir().mkpath(path(QStringLiteral("restore/adir")));
        QDir().mkpath(path(QStringLiteral("restore/locked")));
        QList<ManifestEntry> entries;
        for (const auto &[i, o] : {std::pair{0, "exists.txt"}, std::pair{1, "adir"}, std::pair{2, "locked/deeper/x.txt"}, std::pair{3, "new/y.txt"}}) {
            ManifestEntry e;
            e.tombstone = m_tombstones[i];
            e.output = QLatin1String(o);
            entries << e;
        }
        QVERIFY(QFile::setPermissions(path(QStringLiteral("restore/locked")), QFileDevice::ReadOwner | QFileDevice::ExeOwner | QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::ExeOther));
        const Manifest m = Manifest::fromEntries(path(QStringLiteral("restore")), entries);
        BatchOptions o = baseOptions();
        ValidationReport r = BatchValidator::validate(m, o, *m_store);
        const QString all = joinIssues(r);
        QList<int> expected{0, 1, 2};
        if (isRoot()) {
            qInfo("running as root: permission bits do not stop writes, so the unwritable-folder assertion is skipped");
            expected = {0, 1};
        }
        QCOMPARE(r.blockedIndexes(), expected);
        QVERIFY2(all.contains(QStringLiteral("entry 1: output ") + path(QStringLiteral("restore/exists.txt")) + QStringLiteral(" already exists")), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("entry 2: output ") + path(QStringLiteral("restore/adir")) + QStringLiteral(" exists and is not a regular file")), qPrintable(all));
        if (!isRoot())
            QVERIFY2(all.contains(QStringLiteral("entry 3: output ")) && all.contains(QStringLiteral("is not writable")), qPrintable(all));

        o.conflict = ConflictPolicy::Overwrite;
        r = BatchValidator::validate(m, o, *m_store);
        expected.removeOne(0);
        QCOMPARE(r.blockedIndexes(), expected);
        const auto warning = std::find_if(r.issues.cbegin(), r.issues.cend(), [](const ValidationIssue &i) { return i.index == 0; });
        QVERIFY(warning != r.issues.cend());
        QCOMPARE(warning->kind, ValidationIssue::Kind::OutputExists);
        QVERIFY(!warning->blocking);
    }

    void validationUnknownAndPurged()
    {
        makeSqliteArchive(3);
        QSqlQuery q(m_store->database());
        q.prepare(QStringLiteral("UPDATE artifact SET blob_bytes = NULL, storage_driver = 'object', object_url = 'purged://dual-control' "
                                 "WHERE id = (SELECT artifact_id FROM item WHERE tombstone_id = ?)"));
        q.addBindValue(m_tombstones[1]);
        QVERIFY(q.exec());
        // More than one chunk of lookups: 1200 unknown tombstones.
        QStringList unknown;
        for (int i = 0; i < 1200; ++i)
            unknown << QStringLiteral("no-such-%1").arg(i);
        Manifest m = manifestFor(3, unknown);
        const ValidationReport r = BatchValidator::validate(m, baseOptions(), *m_store);
        QCOMPARE(r.total, 1203);
        QCOMPARE(r.blockingCount(), 1201);
        QCOMPARE(r.issues[0].index, 1);
        QCOMPARE(r.issues[0].kind, ValidationIssue::Kind::Purged);
        QVERIFY2(r.issues[0].message.contains(QStringLiteral("purged")), qPrintable(r.issues[0].message));
        QCOMPARE(r.issues[1].kind, ValidationIssue::Kind::UnknownTombstone);
        QVERIFY2(r.issues[1].message.startsWith(QStringLiteral("entry 4: tombstone no-such-0 is not in the archive")), qPrintable(r.issues[1].message));
    }

    // ---- runner on SQLite -----------------------------------------------------------------------

    void runSqlite_data()
    {
        QTest::addColumn<int>("concurrency");
        QTest::newRow("1 worker") << 1;
        QTest::newRow("4 workers") << 4;
    }

    void runSqlite()
    {
        QFETCH(int, concurrency);
        makeSqliteArchive(200);
        const Manifest m = manifestFor(200);
        BatchOptions o = baseOptions(concurrency);
        BatchRunner runner(m_location, m, o);
        runner.setProgressInterval(20);
        QSignalSpy validated(&runner, &BatchRunner::validated);
        QSignalSpy progressed(&runner, &BatchRunner::progressed);
        const BatchSummary s = runAndWait(runner, [&] { runner.start(); });
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        QCOMPARE(validated.size(), 1);
        QVERIFY(progressed.size() >= 1);
        QCOMPARE(s.progress.total, 200);
        QCOMPARE(s.progress.succeeded, 200);
        QCOMPARE(s.progress.done, 200);
        QCOMPARE(s.progress.failed, 0);
        QVERIFY(!runner.isRunning());
        verifyOutputs(m, 200);
        // Every change was announced, each index in some progressed signal.
        QSet<int> announced;
        for (const auto &args : progressed)
            for (int i : args.at(1).value<QList<int>>())
                announced.insert(i);
        QCOMPARE(announced.size(), 200);
        const BatchProgress last = progressed.last().first().value<BatchProgress>();
        QCOMPARE(last.done, 200);

        // One RESTORE line per item, one BATCH_RESTORE, one event row per item.
        const auto restores = evidenceCounts(QStringLiteral("RESTORE"));
        QCOMPARE(restores.size(), 200);
        for (const QString &t : m_tombstones) {
            QCOMPARE(restores.value(t), 1);
            QCOMPARE(restoreEventCount(t), 1);
        }
        const auto records = readEvidence(evidencePath());
        QCOMPARE(records.size(), 201);
        const auto &batch = records.last();
        QCOMPARE(batch.action, QStringLiteral("BATCH_RESTORE"));
        QCOMPARE(batch.fields.value(QStringLiteral("actor")).toString(), QStringLiteral("alice"));
        QCOMPARE(batch.fields.value(QStringLiteral("manifest")).toString(), m.path);
        QCOMPARE(batch.fields.value(QStringLiteral("total")).toInt(), 200);
        QCOMPARE(batch.fields.value(QStringLiteral("succeeded")).toInt(), 200);
        QCOMPARE(batch.fields.value(QStringLiteral("failed")).toInt(), 0);
        QVERIFY(batch.fields.contains(QStringLiteral("duration_ms")));
        QCOMPARE(batch.fields.value(QStringLiteral("results")).toString(), s.resultsPath);

        // The results file in the reference format, named batch_restore_YYYYMMDD_HHMMSS.json
        // next to the manifest, exactly as Python's json.dump(indent=2) writes it.
        QVERIFY(QRegularExpression(QStringLiteral("/batch_restore_\\d{8}_\\d{6}(_\\d+)?\\.json$")).match(s.resultsPath).hasMatch());
        QCOMPARE(QFileInfo(s.resultsPath).absolutePath(), m.baseDir);
        const QByteArray bytes = testutil::readFile(s.resultsPath);
        const QJsonObject doc = QJsonDocument::fromJson(bytes).object();
        QCOMPARE(doc.value(QStringLiteral("total")).toInt(), 200);
        QCOMPARE(doc.value(QStringLiteral("succeeded")).toInt(), 200);
        QCOMPARE(doc.value(QStringLiteral("failed")).toInt(), 0);
        QVERIFY(doc.contains(QStringLiteral("duration_ms")));
        const QJsonArray results = doc.value(QStringLiteral("results")).toArray();
        QCOMPARE(results.size(), 200);
        const QJsonObject r0 = results.at(0).toObject();
        QCOMPARE(r0.value(QStringLiteral("tombstone")).toString(), m_tombstones[0]);
        QCOMPARE(r0.value(QStringLiteral("output")).toString(), m.entries[0].resolvedOutput);
        QCOMPARE(r0.value(QStringLiteral("actor")).toString(), QStringLiteral("alice"));
        QCOMPARE(r0.value(QStringLiteral("status")).toString(), QStringLiteral("SUCCESS"));
        QVERIFY(!r0.contains(QStringLiteral("detail")));
        const QJsonObject metrics = r0.value(QStringLiteral("metrics")).toObject();
        QCOMPARE(metrics.value(QStringLiteral("name")).toString(), QStringLiteral("restore:") + m_tombstones[0]);
        QCOMPARE(metrics.value(QStringLiteral("attempts")).toInt(), 1);
        QCOMPARE(metrics.value(QStringLiteral("bytes")).toInt(), 512);
        QVERIFY(bytes.startsWith("{\n  \"total\": 200,\n  \"succeeded\": 200,\n  \"failed\": 0,\n  \"results\": [\n    {\n      \"tombstone\": "));
        QProcess py;
        py.start(QStringLiteral("/usr/bin/python3"),
                 {QStringLiteral("-c"), QStringLiteral("import json,sys; t=open(sys.argv[1]).read(); sys.exit(0 if json.dumps(json.loads(t), indent=2) == t else 1)"), s.resultsPath});
        QVERIFY(py.waitForFinished(20000));
        QCOMPARE(py.exitCode(), 0);

        // The journal: header + one line per item + the end.
        QCOMPARE(s.journalPath, runner.journalPath());
        QVERIFY(s.journalPath.endsWith(QStringLiteral(".journal")));
        QString error;
        const auto journal = BatchJournal::read(s.journalPath, &error);
        QVERIFY2(journal, qPrintable(error));
        QCOMPARE(journal->records.size(), 200);
        QVERIFY(journal->finished);
        QCOMPARE(journal->header.actor, QStringLiteral("alice"));
        QCOMPARE(countFiles(m.baseDir, QStringLiteral(".codex-restore-*")), 0);

        // States.
        const ItemState st = runner.state(7);
        QCOMPARE(st.status, ItemStatus::Succeeded);
        QCOMPARE(st.attempts, 1);
        QCOMPARE(st.attemptStartsMs.size(), 1);
        QCOMPARE(st.sha256, BlobCodec::sha256Hex(m_contents[7]));
    }

    void unknownTombstonesMixed_data()
    {
        QTest::addColumn<bool>("continueOnError");
        QTest::newRow("continue on error") << true;
        QTest::newRow("stop") << false;
    }

    void unknownTombstonesMixed()
    {
        QFETCH(bool, continueOnError);
        makeSqliteArchive(20);
        const Manifest m = manifestFor(20, {QStringLiteral("no-such-a"), QStringLiteral("no-such-b")});
        BatchOptions o = baseOptions(3);
        o.continueOnError = continueOnError;
        BatchRunner runner(m_location, m, o);
        QSignalSpy validated(&runner, &BatchRunner::validated);
        const BatchSummary s = runAndWait(runner, [&] { runner.start(); });
        QCOMPARE(validated.size(), 1);
        const ValidationReport report = validated.first().first().value<ValidationReport>();
        QCOMPARE(report.blockedIndexes(), (QList<int>{20, 21}));
        QCOMPARE(runner.state(20).status, ItemStatus::Blocked);
        QVERIFY2(runner.state(20).error.contains(QStringLiteral("no-such-a")), qPrintable(runner.state(20).error));
        if (continueOnError) {
            QCOMPARE(s.progress.succeeded, 20);
            QCOMPARE(s.progress.failed, 2);
            verifyOutputs(m, 20);
            const QJsonObject doc = QJsonDocument::fromJson(testutil::readFile(s.resultsPath)).object();
            QCOMPARE(doc.value(QStringLiteral("succeeded")).toInt(), 20);
            QCOMPARE(doc.value(QStringLiteral("failed")).toInt(), 2);
            const QJsonObject bad = doc.value(QStringLiteral("results")).toArray().at(20).toObject();
            QCOMPARE(bad.value(QStringLiteral("status")).toString(), QStringLiteral("FAILED"));
            QVERIFY2(bad.value(QStringLiteral("detail")).toString().contains(QStringLiteral("not in the archive")),
                     qPrintable(bad.value(QStringLiteral("detail")).toString()));
        } else {
            // Listed up front, nothing restored.
            QVERIFY2(s.error.contains(QStringLiteral("blocking")), qPrintable(s.error));
            QCOMPARE(s.progress.succeeded, 0);
            QCOMPARE(s.progress.cancelled, 20);
            QVERIFY(!QDir(path(QStringLiteral("restore/out"))).exists());
            QCOMPARE(evidenceCounts(QStringLiteral("RESTORE")).size(), 0);
        }
    }

    void firstRuntimeFailureStopsWithoutContinueOnError()
    {
        makeSqliteArchive(40);
        const Manifest m = manifestFor(40);
        BatchOptions o = baseOptions(2);
        o.continueOnError = false;
        o.faultInjector = [](int index, int) -> std::optional<ArchiveError> {
            if (index == 5)
                return ArchiveError{ArchiveError::Kind::Decompression, QStringLiteral("Decompression failed with codec 'zstd': injected")};
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            return std::nullopt;
        };
        BatchRunner runner(m_location, m, o);
        const BatchSummary s = runAndWait(runner, [&] { runner.start(); });
        QVERIFY2(s.error.contains(QStringLiteral("entry 6")) && s.error.contains(QStringLiteral("injected")), qPrintable(s.error));
        QCOMPARE(runner.state(5).status, ItemStatus::Failed);
        QCOMPARE(runner.state(5).attempts, 1);  // not transient: never retried
        QVERIFY(s.progress.cancelled > 20);
        QCOMPARE(s.progress.succeeded + s.progress.failed + s.progress.cancelled, 40);
        QVERIFY(!s.resultsPath.isEmpty());
        QCOMPARE(evidenceCounts(QStringLiteral("RESTORE_FAIL")).value(m_tombstones[5]), 1);
    }

    void retryFailedRunsTheRest()
    {
        makeSqliteArchive(12);
        const Manifest m = manifestFor(12);
        BatchOptions o = baseOptions(2);
        o.continueOnError = true;
        auto failing = std::make_shared<std::atomic_bool>(true);
        o.faultInjector = [failing](int index, int) -> std::optional<ArchiveError> {
            if (index % 4 == 1 && failing->load())
                return ArchiveError{ArchiveError::Kind::HashMismatch, QStringLiteral("Content hash mismatch (injected)")};
            return std::nullopt;
        };
        BatchRunner runner(m_location, m, o);
        BatchSummary s = runAndWait(runner, [&] { runner.start(); });
        QCOMPARE(s.progress.failed, 3);
        QCOMPARE(s.progress.succeeded, 9);
        const QString journal = s.journalPath;
        const QString firstResults = s.resultsPath;
        failing->store(false);
        s = runAndWait(runner, [&] { runner.retryFailed(); });
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        QCOMPARE(s.progress.succeeded, 12);
        QCOMPARE(s.journalPath, journal);
        QVERIFY(s.resultsPath != firstResults);
        verifyOutputs(m, 12);
        for (const QString &t : m_tombstones)
            QCOMPARE(restoreEventCount(t), 1);
    }

    void retryWithBackoff()
    {
        makeSqliteArchive(8);
        const Manifest m = manifestFor(8);
        BatchOptions o = baseOptions(2);
        o.continueOnError = true;
        o.retry.maxAttempts = 4;
        o.retry.initialDelayS = 0.1;
        o.retry.multiplier = 2.0;
        o.retry.maxDelayS = 10;
        o.retry.jitter = 0;
        o.faultInjector = [](int index, int attempt) -> std::optional<ArchiveError> {
            if (index == 3 && attempt <= 2)
                return ArchiveError{ArchiveError::Kind::Unreachable, QStringLiteral("server closed the connection unexpectedly (injected)")};
            if (index == 5)
                return ArchiveError{ArchiveError::Kind::Locked, QStringLiteral("database is locked (injected)")};
            if (index == 6)
                return ArchiveError{ArchiveError::Kind::TombstoneNotFound, QStringLiteral("Tombstone not found: injected")};
            return std::nullopt;
        };
        BatchRunner runner(m_location, m, o);
        const BatchSummary s = runAndWait(runner, [&] { runner.start(); });
        QCOMPARE(s.progress.succeeded, 6);
        QCOMPARE(s.progress.failed, 2);

        const ItemState three = runner.state(3);
        QCOMPARE(three.status, ItemStatus::Succeeded);
        QCOMPARE(three.attempts, 3);
        QCOMPARE(three.attemptStartsMs.size(), 3);
        const qint64 gap1 = three.attemptStartsMs[1] - three.attemptStartsMs[0];
        const qint64 gap2 = three.attemptStartsMs[2] - three.attemptStartsMs[1];
        QVERIFY2(gap1 >= 100 && gap1 < 100 + 120, qPrintable(QString::number(gap1)));  // 0.1 × 2^0
        QVERIFY2(gap2 >= 200 && gap2 < 200 + 120, qPrintable(QString::number(gap2)));  // 0.1 × 2^1

        const ItemState five = runner.state(5);  // transient every time: gives up after 4
        QCOMPARE(five.status, ItemStatus::Failed);
        QCOMPARE(five.attempts, 4);
        QCOMPARE(five.errorKind, ArchiveError::Kind::Locked);
        QVERIFY2(five.error.contains(QStringLiteral("gave up after 4 attempts")), qPrintable(five.error));
        const qint64 gap3 = five.attemptStartsMs[3] - five.attemptStartsMs[2];
        QVERIFY2(gap3 >= 400 && gap3 < 400 + 150, qPrintable(QString::number(gap3)));

        const ItemState six = runner.state(6);  // not transient: no retry
        QCOMPARE(six.status, ItemStatus::Failed);
        QCOMPARE(six.attempts, 1);
        QCOMPARE(six.errorKind, ArchiveError::Kind::TombstoneNotFound);

        // Every failed attempt left a RESTORE_FAIL line; the result says how many attempts.
        const auto fails = evidenceCounts(QStringLiteral("RESTORE_FAIL"));
        QCOMPARE(fails.value(m_tombstones[3]), 2);
        QCOMPARE(fails.value(m_tombstones[5]), 4);
        QCOMPARE(fails.value(m_tombstones[6]), 1);
        const QJsonArray results = QJsonDocument::fromJson(testutil::readFile(s.resultsPath)).object().value(QStringLiteral("results")).toArray();
        QCOMPARE(results.at(3).toObject().value(QStringLiteral("metrics")).toObject().value(QStringLiteral("attempts")).toInt(), 3);
        QCOMPARE(results.at(3).toObject().value(QStringLiteral("status")).toString(), QStringLiteral("SUCCESS"));
    }

    void retryJitterIsSeeded()
    {
        RetryPolicy p;
        p.initialDelayS = 1;
        p.jitter = 0.5;
        std::mt19937_64 a(7), b(7);
        std::uniform_real_distribution<double> u(0, 1);
        for (int n = 1; n <= 5; ++n) {
            const double da = p.delayS(n, u(a));
            QCOMPARE(da, p.delayS(n, u(b)));
            QVERIFY(da >= p.baseDelayS(n) * 0.5 - 1e-9 && da <= p.baseDelayS(n) * 1.5 + 1e-9);
        }
    }

    void timeoutPerItem()
    {
        makeSqliteArchive(4);
        const Manifest m = manifestFor(4);
        BatchOptions o = baseOptions(2);
        o.timeoutPerItemS = 1;
        o.retry.maxAttempts = 2;
        o.faultInjector = [](int index, int attempt) -> std::optional<ArchiveError> {
            if (index == 2 && attempt == 1)
                std::this_thread::sleep_for(std::chrono::milliseconds(1400));  // a hung backend
            return std::nullopt;
        };
        BatchRunner runner(m_location, m, o);
        const BatchSummary s = runAndWait(runner, [&] { runner.start(); });
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        QCOMPARE(s.progress.succeeded, 4);
        QCOMPARE(runner.state(2).attempts, 2);
        QCOMPARE(evidenceCounts(QStringLiteral("RESTORE_FAIL")).value(m_tombstones[2]), 1);
        verifyOutputs(m, 4);

        // Without attempts left the timeout is the item's failure.
        o.retry.maxAttempts = 1;
        o.continueOnError = true;
        QDir(path(QStringLiteral("restore/out"))).removeRecursively();
        o.conflict = ConflictPolicy::Overwrite;
        BatchRunner again(m_location, m, o);
        const BatchSummary s2 = runAndWait(again, [&] { again.start(); });
        QCOMPARE(again.state(2).status, ItemStatus::Failed);
        QVERIFY2(again.state(2).error.contains(QStringLiteral("Timed out after 1 s")), qPrintable(again.state(2).error));
        QCOMPARE(s2.progress.succeeded, 3);
        QVERIFY(!QFileInfo::exists(m.entries[2].resolvedOutput));
    }

    void pauseAndUnpause()
    {
        makeSqliteArchive(60);
        const Manifest m = manifestFor(60);
        BatchOptions o = baseOptions(2);
        o.faultInjector = [](int, int) -> std::optional<ArchiveError> {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            return std::nullopt;
        };
        BatchRunner runner(m_location, m, o);
        runner.setProgressInterval(10);
        QSignalSpy finished(&runner, &BatchRunner::finished);
        runner.start();
        QTRY_VERIFY_WITH_TIMEOUT(runner.progress().done >= 10, 10000);
        runner.pause();
        QVERIFY(runner.isPaused());
        QTest::qWait(150);  // the running items finish
        const int atPause = runner.progress().done;
        QVERIFY(runner.progress().paused);
        QTest::qWait(300);
        QCOMPARE(runner.progress().done, atPause);
        QCOMPARE(runner.progress().running, 0);
        QVERIFY(atPause < 60);
        QVERIFY(finished.isEmpty());
        runner.unpause();
        QVERIFY(finished.wait(20000));
        const BatchSummary s = finished.first().first().value<BatchSummary>();
        QCOMPARE(s.progress.succeeded, 60);
        verifyOutputs(m, 60);
    }

    void cancelLeavesNothingHalfWrittenAndResumes()
    {
        makeSqliteArchive(120, 64 * 1024);
        const Manifest m = manifestFor(120);
        BatchOptions o = baseOptions(4);
        o.faultInjector = [](int, int) -> std::optional<ArchiveError> {
            std::this_thread::sleep_for(std::chrono::milliseconds(8));
            return std::nullopt;
        };
        BatchSummary s;
        {
            BatchRunner runner(m_location, m, o);
            s = runAndWait(runner, [&] {
                runner.start();
                QTRY_VERIFY_WITH_TIMEOUT(runner.progress().done >= 30, 10000);
                runner.cancel();
            });
        }
        QVERIFY(s.cancelled);
        QVERIFY(s.progress.cancelled > 0);
        QVERIFY(s.progress.succeeded >= 30 && s.progress.succeeded < 120);
        QCOMPARE(countFiles(m.baseDir, QStringLiteral(".codex-restore-*")), 0);
        int present = 0;
        for (int i = 0; i < 120; ++i) {
            const QString out = m.entries[i].resolvedOutput;
            if (!QFileInfo::exists(out))
                continue;
            ++present;
            QCOMPARE(BlobCodec::sha256Hex(testutil::readFile(out)), BlobCodec::sha256Hex(m_contents[i]));
        }
        QCOMPARE(present, s.progress.succeeded);
        const QString journalPath = s.journalPath;
        QVERIFY(QFileInfo::exists(journalPath));

        // What a SIGKILL leaves: a stale temporary file, a torn journal line, a restore whose
        // journal line never got written (output + event present), and one killed between the
        // link and the database update (output present, no event).
        testutil::writeFile(path(QStringLiteral("restore/out/.codex-restore-AbC123")), "half a file");
        int lostJournal = -1;
        int noEvent = -1;
        {
            QString error;
            const auto j = BatchJournal::read(journalPath, &error);
            QVERIFY2(j, qPrintable(error));
            for (int i = 0; i < 120 && noEvent < 0; ++i)
                if (!j->records.contains(i) && !QFileInfo::exists(m.entries[i].resolvedOutput))
                    noEvent = i;
            // drop the last item line of the journal (its output and event stay)
            QByteArray bytes = testutil::readFile(journalPath);
            QList<QByteArray> lines = bytes.split('\n');
            while (!lines.isEmpty() && lines.last().isEmpty())
                lines.removeLast();
            QVERIFY2(lines.last().startsWith("{\"failed\"") && lines.last().contains("\"finished\""), lines.last().constData());
            for (qsizetype k = lines.size() - 1; k > 0; --k) {
                const QJsonObject o = QJsonDocument::fromJson(lines[k]).object();
                if (o.contains(QStringLiteral("i")) && o.value(QStringLiteral("status")).toString() == QLatin1String("SUCCESS")) {
                    lostJournal = o.value(QStringLiteral("i")).toInt();
                    lines.removeAt(k);
                    break;
                }
            }
            lines.removeLast();  // the end marker: as if killed
            QFile f(journalPath);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(lines.join('\n') + "\n{\"i\":3,\"status\":\"SUCC");  // torn
        }
        QVERIFY(lostJournal >= 0);
        QVERIFY(noEvent >= 0);
        testutil::writeFile(m.entries[noEvent].resolvedOutput, m_contents[noEvent]);

        o.faultInjector = nullptr;
        BatchRunner resumed(m_location, m, o);
        const BatchSummary r = runAndWait(resumed, [&] { resumed.resume(journalPath); });
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QCOMPARE(r.progress.succeeded + r.progress.skipped, 120);
        QCOMPARE(r.progress.skipped, s.progress.succeeded + 1);
        QCOMPARE(resumed.state(lostJournal).status, ItemStatus::Skipped);
        QCOMPARE(resumed.state(noEvent).status, ItemStatus::Skipped);
        QVERIFY(!QFileInfo::exists(path(QStringLiteral("restore/out/.codex-restore-AbC123"))));
        verifyOutputs(m, 120);
        // Nothing restored twice: one event row and one RESTORE line per item.
        const auto restores = evidenceCounts(QStringLiteral("RESTORE"));
        for (const QString &t : m_tombstones) {
            QCOMPARE(restoreEventCount(t), 1);
            QCOMPARE(restores.value(t), 1);
        }
        QCOMPARE(r.journalPath, journalPath);
        QString error;
        const auto j = BatchJournal::read(journalPath, &error);
        QVERIFY2(j, qPrintable(error));
        QVERIFY(j->finished);
        QCOMPARE(j->ignoredLines, 1);
        const QJsonObject doc = QJsonDocument::fromJson(testutil::readFile(r.resultsPath)).object();
        QCOMPARE(doc.value(QStringLiteral("succeeded")).toInt(), 120);
        const QJsonObject skipped = doc.value(QStringLiteral("results")).toArray().at(lostJournal).toObject();
        QCOMPARE(skipped.value(QStringLiteral("metrics")).toObject().value(QStringLiteral("skipped")).toBool(), true);

        // A different manifest is refused.
        Manifest other = manifestFor(119);
        BatchRunner wrong(m_location, other, o);
        const BatchSummary w = runAndWait(wrong, [&] { wrong.resume(journalPath); });
        QVERIFY2(w.error.contains(QStringLiteral("another manifest")), qPrintable(w.error));
    }

    void resumeAfterSigkill()
    {
        // A real kill: a child process (this test binary in a helper mode) runs the batch and is
        // killed with SIGKILL mid-run; the resumed run finishes it without restoring anything twice.
        makeSqliteArchive(300, 16 * 1024);
        const Manifest m = manifestFor(300);
        m_store.reset();
        QProcess child;
        child.setProcessChannelMode(QProcess::MergedChannels);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("TST_BATCH_CHILD"), m_dir->path());
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {QStringLiteral("childRun")});
        QVERIFY(child.waitForStarted());
        // Generous for a loaded CI machine; a child that ended on its own says why.
        QTRY_VERIFY_WITH_TIMEOUT(countFiles(path(QStringLiteral("restore/out")), QStringLiteral("*.txt")) >= 40
                                     || child.state() == QProcess::NotRunning,
                                 90000);
        if (child.state() == QProcess::NotRunning)
            QFAIL(qPrintable(QStringLiteral("the child batch ended before it could be killed:\n%1")
                                 .arg(QString::fromLocal8Bit(child.readAll()))));
        ::kill(pid_t(child.processId()), SIGKILL);
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);
        const int before = countFiles(path(QStringLiteral("restore/out")), QStringLiteral("*.txt"));
        QVERIFY2(before < 300, "the child finished before it was killed; make it slower");
        QStringList journals = QDir(m.baseDir).entryList({QStringLiteral("*.journal")});
        QCOMPARE(journals.size(), 1);

        ArchiveError e;
        m_store = ArchiveStore::open(m_location, ArchiveStore::OpenMode::ExistingOnly, &e);
        QVERIFY2(m_store, qPrintable(e.message));
        BatchOptions o = baseOptions(4);
        BatchRunner resumed(m_location, m, o);
        const BatchSummary r = runAndWait(resumed, [&] { resumed.resume(QDir(m.baseDir).filePath(journals[0])); });
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        QCOMPARE(r.progress.succeeded + r.progress.skipped, 300);
        QVERIFY(r.progress.skipped >= before - 4);
        QCOMPARE(countFiles(m.baseDir, QStringLiteral(".codex-restore-*")), 0);
        verifyOutputs(m, 300);
        for (const QString &t : m_tombstones)
            QCOMPARE(restoreEventCount(t), 1);
    }

    void childRun()
    {
        // Helper mode for resumeAfterSigkill (does nothing in a normal run).
        const QString dir = qEnvironmentVariable("TST_BATCH_CHILD");
        if (dir.isEmpty())
            return;
        ArchiveError e;
        const auto loc = ArchiveLocation::fromUrl(QStringLiteral("sqlite:///archive.sqlite"), dir, &e);
        QVERIFY(loc);
        QList<ManifestError> errors;
        const auto m = Manifest::load(dir + QStringLiteral("/restore/manifest.json"), &errors);
        QVERIFY(m);
        BatchOptions o;
        o.actor = QStringLiteral("alice");
        o.concurrency = 4;
        o.evidencePath = dir + QStringLiteral("/evidence/archive_ops.jsonl");
        o.faultInjector = [](int, int) -> std::optional<ArchiveError> {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            return std::nullopt;
        };
        BatchRunner runner(*loc, *m, o);
        QSignalSpy spy(&runner, &BatchRunner::finished);
        runner.start();
        spy.wait(60000);
    }

    // ---- runner on the real PostgreSQL ----------------------------------------------------------

    void postgresWithDroppedConnections()
    {
        const QString url = testutil::serverUrl("CODEX_TEST_PG_URL_FILE");
        QVERIFY2(!url.isEmpty(), "no PostgreSQL server: the CTest fixture must start it (no silent skip)");
        ArchiveError e;
        auto admin = ArchiveLocation::fromUrl(url, m_dir->path(), &e);
        QVERIFY2(admin, qPrintable(e.message));
        // A database of our own, so the other archive tests never see our rows.
        const QString dbName = QStringLiteral("archive_batch_test");
        {
            auto adminStore = ArchiveStore::open(*admin, ArchiveStore::OpenMode::ExistingOnly, &e);
            QVERIFY2(adminStore, qPrintable(e.message));
            QSqlQuery q(adminStore->database());
            q.exec(QStringLiteral("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%1'").arg(dbName));
            QVERIFY2(q.exec(QStringLiteral("DROP DATABASE IF EXISTS %1").arg(dbName)), qPrintable(q.lastError().text()));
            QVERIFY2(q.exec(QStringLiteral("CREATE DATABASE %1").arg(dbName)), qPrintable(q.lastError().text()));
        }
        m_location = *admin;
        m_location.database = dbName;
        m_location.redactedUrl = m_location.redactedUrl.section(QLatin1Char('/'), 0, -2) + QLatin1Char('/') + dbName;
        m_store = ArchiveStore::open(m_location, ArchiveStore::OpenMode::ExistingOnly, &e);
        QVERIFY2(m_store, qPrintable(e.message));
        QVERIFY2(m_store->ensureSchema(&e), qPrintable(e.message));
        fill(400, 2048);
        const Manifest m = manifestFor(400);
        BatchOptions o = baseOptions(4);
        o.retry.maxAttempts = 6;
        o.retry.initialDelayS = 0.05;
        o.retry.multiplier = 2;
        o.faultInjector = [](int, int) -> std::optional<ArchiveError> {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
            return std::nullopt;
        };
        BatchRunner runner(m_location, m, o);
        int kills = 0;
        const BatchSummary s = runAndWait(runner, [&] {
            runner.start();
            for (int threshold : {80, 200}) {
                QTRY_VERIFY_WITH_TIMEOUT(runner.progress().done >= threshold, 20000);
                QSqlQuery q(m_store->database());
                QVERIFY2(q.exec(QStringLiteral("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")),
                         qPrintable(q.lastError().text()));
                while (q.next())
                    kills += q.value(0).toBool() ? 1 : 0;
            }
        }, 60000);
        QVERIFY2(s.error.isEmpty(), qPrintable(s.error));
        QVERIFY2(kills >= 2, qPrintable(QString::number(kills)));
        QCOMPARE(s.progress.succeeded, 400);
        int retried = 0;
        for (const ItemState &st : runner.states())
            retried += st.attempts > 1 ? 1 : 0;
        QVERIFY2(retried >= 1, "dropping the connections made some attempt fail and retry");
        verifyOutputs(m, 400);
        for (const QString &t : m_tombstones)
            QVERIFY(restoreEventCount(t) >= 1);
        const auto restores = evidenceCounts(QStringLiteral("RESTORE"));
        QCOMPARE(restores.size(), 400);
        m_store.reset();
        {
            auto adminStore = ArchiveStore::open(*admin, ArchiveStore::OpenMode::ExistingOnly, &e);
            QVERIFY2(adminStore, qPrintable(e.message));
            QSqlQuery q(adminStore->database());
            q.exec(QStringLiteral("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%1'").arg(dbName));
            q.exec(QStringLiteral("DROP DATABASE IF EXISTS %1").arg(dbName));
        }
    }
};

QTEST_GUILESS_MAIN(TestBatch)
#include "tst_batch.moc"
