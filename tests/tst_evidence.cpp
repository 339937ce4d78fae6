// No raw string literals in this file: moc 6.4 loses track of the class after some of them.
//
// Evidence log: lines byte-identical to the reference's json.dumps(sort_keys=True,
// separators=(",", ":")) (checked against real Python via tests/fixtures/reference_evidence.py),
// locked appends from threads and processes, and a streaming reader.

#include "TestUtil.h"

#include "evidence/EvidenceLog.h"
#include "evidence/EvidenceReader.h"

#include <QCborArray>
#include <QCborMap>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QTimeZone>
#include <QtTest/QtTest>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <latch>
#include <limits>
#include <thread>
#include <vector>

using codex::evidence::EvidenceLog;
using codex::evidence::EvidenceProblem;
using codex::evidence::EvidenceReader;
using codex::evidence::EvidenceRecord;

namespace {

QString fixtureScript()
{
    return QStringLiteral(CODEXADMIN_SOURCE_DIR "/tests/fixtures/reference_evidence.py");
}

// The Debian interpreter first (a pyenv/venv python3 earlier in PATH would do as well here:
// only json and fcntl are needed).
QString python()
{
    static const QString found = [] {
        for (const QString &candidate : {QStringLiteral("/usr/bin/python3"), QStringLiteral("python3")}) {
            QProcess p;
            p.start(candidate, {QStringLiteral("-c"), QStringLiteral("import json, fcntl")});
            if (p.waitForFinished(30000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0)
                return candidate;
        }
        return QString();
    }();
    return found;
}

// Runs the fixture script; stdout on success, a null QByteArray (and a warning) on failure.
QByteArray reference(const QStringList &args, const QByteArray &input = {})
{
    QProcess p;
    p.start(python(), QStringList{fixtureScript()} + args);
    if (!p.waitForStarted(30000))
        return {};
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning("reference_evidence.py %s failed: %s", qPrintable(args.join(QLatin1Char(' '))),
                 p.readAllStandardError().constData());
        return {};
    }
    QByteArray out = p.readAllStandardOutput();
    if (out.isNull())
        out = QByteArray("");
    return out;
}

qint64 vmHwmKiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

QList<QByteArray> fileLines(const QString &path)
{
    QList<QByteArray> lines = testutil::readFile(path).split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines;
}

struct Collected {
    QList<EvidenceRecord> records;
    QList<EvidenceProblem> problems;
    qint64 end = -1;
    qint64 next = -1;
    QString error;
    bool ok = false;
};

Collected readAll(const QString &path, qint64 from = 0, qint64 firstLine = 1)
{
    Collected c;
    c.ok = EvidenceReader::read(
        path,
        [&c](const EvidenceRecord &r) {
            c.records.append(r);
            return true;
        },
        [&c](const EvidenceProblem &p) { c.problems.append(p); }, from, firstLine, &c.end, &c.next, &c.error);
    return c;
}

// Random strings over awkward characters: ASCII, controls, quotes, backslashes, Latin-1,
// CJK, U+E000..U+FFFF and characters beyond the BMP (never lone surrogates).
QString randomText(QRandomGenerator &rng, int maxLen)
{
    QString s;
    const int n = int(rng.bounded(maxLen + 1));
    for (int i = 0; i < n; ++i) {
        char32_t cp = 0;
        switch (rng.bounded(8)) {
        case 0:
            cp = char32_t(rng.bounded(0x20));
            break;
        case 1:
            cp = U"\"\\/'\x7f"[rng.bounded(5)];
            break;
        case 2:
            cp = char32_t(0x80 + rng.bounded(0x780));
            break;
        case 3:
            cp = char32_t(0x4e00 + rng.bounded(0x100));
            break;
        case 4:
            cp = char32_t(0xe000 + rng.bounded(0x2000));
            break;
        case 5:
            cp = char32_t(0x10000 + rng.bounded(0x100000 - 0x10000));
            break;
        default:
            cp = char32_t(0x20 + rng.bounded(0x5f));
            break;
        }
        if (cp >= 0xd800 && cp < 0xe000)
            cp = 0xfffd;
        s.append(QString::fromUcs4(&cp, 1));
    }
    return s;
}

double randomDouble(QRandomGenerator &rng)
{
    for (;;) {
        double d = 0;
        switch (rng.bounded(3)) {
        case 0: {
            const quint64 bits = rng.generate64();
            std::memcpy(&d, &bits, sizeof d);
            break;
        }
        case 1:
            d = double(qint64(rng.generate64() % 2000001) - 1000000) / 1000.0;  // "nice" decimals
            break;
        default:
            d = rng.generateDouble() * std::pow(10.0, double(int(rng.bounded(40)) - 20));
            break;
        }
        if (std::isfinite(d))
            return d;
    }
}

QJsonValue randomValue(QRandomGenerator &rng, int depth)
{
    switch (rng.bounded(depth > 3 ? 6 : 8)) {
    case 0:
        return QJsonValue(qint64(rng.generate64()));
    case 1:
        return QJsonValue(qint64(rng.bounded(2000)) - 1000);
    case 2: {
        // Qt's toJson (the input channel to Python here) writes an integral double without a
        // fraction, so Python would read a big one as an int; keep those out of this channel
        // (floatsMatchPythonRepr covers them bit-exactly).
        double d = randomDouble(rng);
        while (std::floor(d) == d && std::fabs(d) >= 9007199254740992.0)
            d *= 1e-7;
        return QJsonValue(d);
    }
    case 3:
        return QJsonValue(randomText(rng, 12));
    case 4:
        return rng.bounded(2) ? QJsonValue(bool(rng.bounded(2))) : QJsonValue(QJsonValue::Null);
    case 5:
        return QJsonValue(QString());
    case 6: {
        QJsonArray a;
        const int n = int(rng.bounded(5));
        for (int i = 0; i < n; ++i)
            a.append(randomValue(rng, depth + 1));
        return a;
    }
    default: {
        QJsonObject o;
        const int n = int(rng.bounded(6));
        for (int i = 0; i < n; ++i)
            o.insert(randomText(rng, 6), randomValue(rng, depth + 1));
        return o;
    }
    }
}

}  // namespace

class TestEvidence : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (python().isEmpty())
            QFAIL("python3 is required for the reference comparisons (tools/install-deps.sh)");
        QVERIFY(QFile::exists(fixtureScript()));
    }

    // Hand-picked objects: serialize() == Python's json.dumps of the same JSON text.
    void serializeMatchesPython()
    {
        QString longText;
        for (int i = 0; i < 300; ++i)
            longText += QStringLiteral("ab\\\"é😀\u2028/\t");
        QList<QByteArray> cases = {
            "{}",
            "{\"b\":1,\"a\":2,\"A\":3,\"_\":4,\"\":5,\"aa\":6,\"a b\":7,\"~\":8,\"0\":9}",
            "{\"s\":\"plain ascii / slash </script>\"}",
            "{\"q\":\"\\\"quoted\\\" and \\\\backslash\\\\ and 'single' and \\/escaped slash\"}",
            "{\"ctl\":\"\\u0000\\u0001\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u001b\\u001f\\u007f end\"}",
            "{\"u\":\"\xc3\xa9 \xc3\xbc \xc3\x9f \xe4\xb8\xad\xe6\x96\x87 \xce\x95\xce\xbb \xd7\xa2\xd7\x91\"}",
            "{\"e\":\"\xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd \\ud83d\\ude00 \xf4\x8f\xbf\xbf\"}",
            "{\"bmp\":\"\\uffff\\ue000\\u2028\\u2029\\ufeff\\u00a0\\u0080\"}",
            "{\"\\ud83d\\ude00\":1,\"\\uffff\":2,\"\\ue000\":3,\"z\":4,\"\\u00e9\":5,\"\\ud800\\udc00\":6,\"\\ud7ff\":7}",
            "{\"n\":{\"z\":{\"b\":[3,2,1],\"a\":{\"y\":null,\"x\":true}},\"a\":[{\"d\":1,\"c\":2},[],{}]}}",
            "{\"f\":[0.1,0.5,-0.25,3.141592653589793,1e-05,1.5e-07,0.0001,0.001,123456.789,2.5e+300,1e+300,-1e-300,5e-324,1.7976931348623157e+308,0.30000000000000004,1e+22,1.2345678901234567e+19,2.2250738585072014e-308]}",
            "{\"i\":[0,-1,42,9007199254740993,-9223372036854775807,9223372036854775807,1000000,-0]}",
            "{\"b\":[true,false,null],\"empty\":[],\"eo\":{},\"es\":\"\"}",
            "{\"action\":\"RESTORE\",\"actor\":\"ops@example.com\",\"tombstone\":\"6f1c2a8e-0000-4000-8000-000000000000\",\"path\":\"restored/a b/\\u00fc.py\",\"repo\":\"codex\",\"ts\":\"2025-01-02T03:04:05Z\",\"duration_ms\":12.345,\"decompression_ms\":0.042}",
            "{\"action\":\"RESTORE_FAIL\",\"actor\":\"a\",\"backend\":null,\"reason\":\"Decompression failed with codec 'zstd': x\",\"tombstone\":\"t\",\"url\":null}",
            "{\"deep\":[[[[[[[\"x\",{\"k\":[{\"j\":[]}]}]]]]]]]}",
            "{\"long\":" + QJsonDocument(QJsonArray{longText}).toJson(QJsonDocument::Compact).mid(1).chopped(1) + "}",
        };
        QByteArray input;
        for (const QByteArray &c : cases)
            input += c + '\n';
        const QByteArray expected = reference({QStringLiteral("dumps")}, input);
        QVERIFY(!expected.isNull());
        const QList<QByteArray> lines = expected.split('\n');
        QCOMPARE(lines.size(), cases.size() + 1);
        for (int i = 0; i < cases.size(); ++i) {
            QJsonParseError err{};
            const QJsonDocument doc = QJsonDocument::fromJson(cases.at(i), &err);
            QVERIFY2(err.error == QJsonParseError::NoError, qPrintable(err.errorString() + QLatin1Char(' ') + QString::fromUtf8(cases.at(i))));
            const QByteArray ours = EvidenceLog::serialize(doc.object());
            if (ours != lines.at(i))
                qWarning("case %d\n ours:   %s\n python: %s", i, ours.constData(), lines.at(i).constData());
            QCOMPARE(ours, lines.at(i));
        }
    }

    // 400 random objects (Unicode keys and strings, nesting, integers, doubles), written as JSON
    // by Qt, parsed by Python and by Qt, dumped by both.
    void serializeMatchesPythonRandom()
    {
        QRandomGenerator rng(20240607);
        QList<QJsonObject> objects;
        QByteArray input;
        for (int i = 0; i < 400; ++i) {
            QJsonObject o;
            const int n = int(rng.bounded(8));
            for (int k = 0; k < n; ++k)
                o.insert(randomText(rng, 8), randomValue(rng, 0));
            objects.append(o);
            input += QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
        }
        const QByteArray expected = reference({QStringLiteral("dumps")}, input);
        QVERIFY(!expected.isNull());
        const QList<QByteArray> lines = expected.split('\n');
        QCOMPARE(lines.size(), objects.size() + 1);
        for (int i = 0; i < objects.size(); ++i) {
            // What Python read is what Qt wrote; compare against Qt's re-read of the same text.
            const QJsonObject reread = QJsonDocument::fromJson(input.split('\n').at(i)).object();
            const QByteArray ours = EvidenceLog::serialize(reread);
            if (ours != lines.at(i))
                qWarning("object %d\n ours:   %s\n python: %s", i, ours.constData(), lines.at(i).constData());
            QCOMPARE(ours, lines.at(i));
            // (serialize(objects.at(i)) may differ: an integral double above 2^53 stays a double in
            // the original object, but Qt's toJson writes it without a fraction, so Python read an
            // int. Our float output for it is checked in floatsMatchPythonRepr.)
        }
    }

    // Floats exactly as Python's repr: fed to Python bit-exactly (float.hex), and kept as
    // doubles through QCborMap (a QJsonObject would turn 2.0 into 2).
    void floatsMatchPythonRepr()
    {
        QList<double> values = {0.0,   -0.0,   1.0,    2.0,    -3.0,   100.0,   0.1,    0.5,     1e-05,  1e-04,  0.0001,
                                1e15,  1e16,   1.5e16, 1e17,   1e22,   1e300,   -1e-300, 5e-324, 2.2250738585072014e-308,
                                123456789012345680.0, 9007199254740993.0, 1.7976931348623157e308, 0.30000000000000004,
                                12.0,  12.5,   1234567.0, 1e-7, 3.14e-10, 299792458.0, 1e100, 123e-20,
                                std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                                std::numeric_limits<double>::quiet_NaN()};
        QRandomGenerator rng(77);
        for (int i = 0; i < 3000; ++i)
            values.append(randomDouble(rng));
        for (int i = 0; i < 300; ++i)
            values.append(double(qint64(rng.bounded(1000000))) * std::pow(10.0, double(int(rng.bounded(30)) - 5)));
        QByteArray input;
        for (double v : values) {
            char hex[64];  // C's %a (QString::asprintf has no %a)
            std::snprintf(hex, sizeof hex, "%a\n", v);
            input += hex;
        }
        const QByteArray expected = reference({QStringLiteral("hexfloats")}, input);
        QVERIFY(!expected.isNull());
        const QList<QByteArray> lines = expected.split('\n');
        QCOMPARE(lines.size(), values.size() + 1);
        for (int i = 0; i < values.size(); ++i) {
            QCborMap m;
            m.insert(QStringLiteral("v"), QCborValue(values.at(i)));
            const QByteArray ours = EvidenceLog::serializeCbor(m);
            const QByteArray want = "{\"v\":" + lines.at(i) + "}";
            if (ours != want)
                qWarning("%a: ours %s, python %s", values.at(i), ours.constData(), want.constData());
            QCOMPARE(ours, want);
        }
        // A few spelled out, so a reader of this test sees the rules.
        const auto one = [](double v) {
            QCborMap m;
            m.insert(QStringLiteral("v"), QCborValue(v));
            return EvidenceLog::serializeCbor(m);
        };
        QCOMPARE(one(1.0), QByteArray("{\"v\":1.0}"));
        QCOMPARE(one(0.1), QByteArray("{\"v\":0.1}"));
        QCOMPARE(one(1e-05), QByteArray("{\"v\":1e-05}"));
        QCOMPARE(one(1e16), QByteArray("{\"v\":1e+16}"));
        QCOMPARE(one(1e15), QByteArray("{\"v\":1000000000000000.0}"));
        QCOMPARE(one(-0.0), QByteArray("{\"v\":-0.0}"));
        QCOMPARE(one(std::numeric_limits<double>::quiet_NaN()), QByteArray("{\"v\":NaN}"));
        // Integers stay integers.
        QCborMap ints;
        ints.insert(QStringLiteral("i"), QCborValue(qint64(9007199254740993)));
        ints.insert(QStringLiteral("m"), QCborValue(std::numeric_limits<qint64>::min()));
        QCOMPARE(EvidenceLog::serializeCbor(ints), QByteArray("{\"i\":9007199254740993,\"m\":-9223372036854775808}"));
    }

    // The reference's append_evidence() and ours write the same bytes for the same record.
    void appendMatchesReferenceRecord()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QDateTime when(QDate(2025, 1, 2), QTime(3, 4, 5, 678), Qt::UTC);

        // QJsonObject fields (no integral floats).
        const QJsonObject fields{{QStringLiteral("actor"), QStringLiteral("Zoë <ops@example.com>")},
                                 {QStringLiteral("tombstone"), QStringLiteral("7d0c\"x\"")},
                                 {QStringLiteral("path"), QStringLiteral("out/ü/😀.py")},
                                 {QStringLiteral("repo"), QStringLiteral("codex")},
                                 {QStringLiteral("size"), 12345},
                                 {QStringLiteral("duration_ms"), 3.25},
                                 {QStringLiteral("backend"), QJsonValue::Null}};
        EvidenceLog log(dir.filePath(QStringLiteral("nested/deeper/archive_ops.jsonl")));
        QString error;
        QVERIFY2(log.append(QStringLiteral("RESTORE"), fields, &error, when), qPrintable(error));

        QJsonObject withTs = fields;
        withTs.insert(QStringLiteral("ts"), QStringLiteral("2025-01-02T03:04:05Z"));
        const QByteArray expected = reference({QStringLiteral("record"), QStringLiteral("RESTORE")},
                                              QJsonDocument(withTs).toJson(QJsonDocument::Compact));
        QVERIFY(!expected.isNull());
        QCOMPARE(testutil::readFile(log.path()), expected);

        // QCborMap fields with integral floats, as the reference's timers produce them.
        QCborMap cbor;
        cbor.insert(QStringLiteral("actor"), QStringLiteral("bot"));
        cbor.insert(QStringLiteral("duration_ms"), QCborValue(12.0));
        cbor.insert(QStringLiteral("write_ms"), QCborValue(1e-05));
        cbor.insert(QStringLiteral("count"), QCborValue(qint64(3)));
        EvidenceLog log2(dir.filePath(QStringLiteral("second.jsonl")));
        QVERIFY2(log2.appendCbor(QStringLiteral("RESTORE"), cbor, &error, when), qPrintable(error));
        const QByteArray expected2 = reference(
            {QStringLiteral("record"), QStringLiteral("RESTORE")},
            "{\"actor\":\"bot\",\"duration_ms\":12.0,\"write_ms\":1e-05,\"count\":3,\"ts\":\"2025-01-02T03:04:05Z\"}");
        QCOMPARE(testutil::readFile(log2.path()), expected2);
        QCOMPARE(expected2, QByteArray("{\"action\":\"RESTORE\",\"actor\":\"bot\",\"count\":3,\"duration_ms\":12.0,\"ts\":\"2025-01-02T03:04:05Z\",\"write_ms\":1e-05}"
                                       "\n"));

        // record.setdefault("ts", ...): a ts given in the fields wins; the action argument wins.
        EvidenceLog log3(dir.filePath(QStringLiteral("third.jsonl")));
        QVERIFY(log3.append(QStringLiteral("PACK"),
                            QJsonObject{{QStringLiteral("ts"), QStringLiteral("1999-12-31T23:59:59Z")}, {QStringLiteral("action"), QStringLiteral("X")}},
                            &error, when));
        QCOMPARE(testutil::readFile(log3.path()), QByteArray("{\"action\":\"PACK\",\"ts\":\"1999-12-31T23:59:59Z\"}\n"));
        // Appends append.
        QVERIFY(log3.append(QStringLiteral("VERIFY"), {}, &error, when));
        QCOMPARE(fileLines(log3.path()).size(), 2);
        QCOMPARE(fileLines(log3.path()).at(1), QByteArray("{\"action\":\"VERIFY\",\"ts\":\"2025-01-02T03:04:05Z\"}"));
    }

    void appendFailsClearly()
    {
        QTemporaryDir dir;
        const QString blocker = dir.filePath(QStringLiteral("file"));
        testutil::writeFile(blocker, "x");
        EvidenceLog log(blocker + QStringLiteral("/sub/archive_ops.jsonl"));  // a folder under a file
        QString error;
        QVERIFY(!log.append(QStringLiteral("ARCHIVE"), {}, &error));
        QVERIFY2(!error.isEmpty(), "no error text");
        EvidenceLog dirAsFile(dir.path());  // the path is a folder
        error.clear();
        QVERIFY(!dirAsFile.append(QStringLiteral("ARCHIVE"), {}, &error));
        QVERIFY2(error.contains(QStringLiteral("evidence log")), qPrintable(error));
    }

    void timestampAndDefaultPath()
    {
        QCOMPARE(EvidenceLog::timestamp(QDateTime(QDate(2025, 1, 2), QTime(3, 4, 5, 999), Qt::UTC)),
                 QStringLiteral("2025-01-02T03:04:05Z"));
        QCOMPARE(EvidenceLog::timestamp(QDateTime(QDate(2025, 1, 2), QTime(1, 0, 0), Qt::OffsetFromUTC, 2 * 3600)),
                 QStringLiteral("2025-01-01T23:00:00Z"));
        QVERIFY(QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$"))
                    .match(EvidenceLog::timestamp(QDateTime::currentDateTimeUtc()))
                    .hasMatch());

        const QString ws = QStringLiteral("/srv/work space");
        QCOMPARE(EvidenceLog::defaultPath(ws, {}), QStringLiteral("/srv/work space/.codex/evidence/archive_ops.jsonl"));
        QCOMPARE(EvidenceLog::defaultPath(ws, {{QStringLiteral("CODEX_EVIDENCE_DIR"), QStringLiteral("/var/log/codex")}}),
                 QStringLiteral("/var/log/codex/archive_ops.jsonl"));
        QCOMPARE(EvidenceLog::defaultPath(ws, {{QStringLiteral("CODEX_EVIDENCE_DIR"), QStringLiteral("logs/ev/")}}),
                 QStringLiteral("/srv/work space/logs/ev/archive_ops.jsonl"));
        QCOMPARE(EvidenceLog::defaultPath(ws, {{QStringLiteral("CODEX_EVIDENCE_DIR"), QString()}}),
                 QStringLiteral("/srv/work space/.codex/evidence/archive_ops.jsonl"));
    }

    // 8 threads × 500 appends plus 2 Python processes × 500 appends (fcntl.flock, the reference's
    // open("a") + write): every line intact, none lost.
    void concurrentAppends()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral(".codex/evidence/archive_ops.jsonl"));
        QDir().mkpath(QFileInfo(path).absolutePath());
        constexpr int kThreads = 8;
        constexpr int kPerThread = 500;
        constexpr int kPerProcess = 500;

        const QString goFile = dir.filePath(QStringLiteral("go"));  // everyone starts together
        QList<QProcess *> writers;
        for (int i = 0; i < 2; ++i) {
            auto *p = new QProcess(this);
            p->start(python(), {fixtureScript(), QStringLiteral("append"), path, QString::number(kPerProcess),
                                QStringLiteral("py%1").arg(i), goFile});
            writers.append(p);
        }
        for (QProcess *p : writers)
            QVERIFY(p->waitForStarted(30000));

        QTest::qWait(300);  // let the interpreters start and wait for the go file
        std::latch go(kThreads + 1);
        std::vector<std::thread> threads;
        std::vector<int> failures(kThreads, 0);
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                EvidenceLog log(path);
                go.arrive_and_wait();
                for (int seq = 0; seq < kPerThread; ++seq) {
                    QJsonObject f{{QStringLiteral("actor"), QStringLiteral("cpp%1").arg(t)},
                                  {QStringLiteral("seq"), seq},
                                  {QStringLiteral("note"), QStringLiteral("é中😀 \"q\" \\ ") + QString((seq * 37 + t * 101) % 5000, QLatin1Char('y'))}};
                    QString error;
                    if (!log.append(QStringLiteral("CPP_APPEND"), f, &error))
                        ++failures[size_t(t)];
                }
            });
        }
        testutil::writeFile(goFile, "go");
        go.arrive_and_wait();
        for (auto &th : threads)
            th.join();
        for (QProcess *p : writers) {
            QVERIFY(p->waitForFinished(120000));
            QVERIFY2(p->exitCode() == 0, p->readAllStandardError().constData());
        }
        for (int f : failures)
            QCOMPARE(f, 0);

        const QByteArray all = testutil::readFile(path);
        QVERIFY(all.endsWith('\n'));
        const QList<QByteArray> lines = fileLines(path);
        QCOMPARE(lines.size(), kThreads * kPerThread + 2 * kPerProcess);
        QSet<QString> seen;
        int python = 0;
        for (const QByteArray &line : lines) {
            QJsonParseError err{};
            const QJsonDocument doc = QJsonDocument::fromJson(line, &err);
            QVERIFY2(err.error == QJsonParseError::NoError && doc.isObject(), line.left(200).constData());
            const QJsonObject o = doc.object();
            const QString key = o.value(QStringLiteral("actor")).toString() + QLatin1Char('/') +
                                QString::number(o.value(QStringLiteral("seq")).toInteger());
            QVERIFY2(!seen.contains(key), qPrintable(key));
            seen.insert(key);
            const QString note = o.value(QStringLiteral("note")).toString();
            const qint64 seq = o.value(QStringLiteral("seq")).toInteger();
            if (o.value(QStringLiteral("action")).toString() == QLatin1String("PY_APPEND")) {
                ++python;
                QCOMPARE(note, QStringLiteral("é中😀 \"quoted\" \\ ") + QString(seq % 7 * 613, QLatin1Char('x')));
                // Python's own line re-serialises to the same bytes (except where ratio = seq / 7
                // is integral: 1.0 reads back into a QJsonObject as the integer 1).
                if (seq % 7 != 0)
                    QCOMPARE(line, EvidenceLog::serialize(o));
            } else {
                const int t = o.value(QStringLiteral("actor")).toString().mid(3).toInt();
                QCOMPARE(note, QStringLiteral("é中😀 \"q\" \\ ") + QString((seq * 37 + t * 101) % 5000, QLatin1Char('y')));
                QCOMPARE(o.value(QStringLiteral("action")).toString(), QStringLiteral("CPP_APPEND"));
                // Our lines are the canonical serialisation of what they hold.
                QCOMPARE(line, EvidenceLog::serialize(o));
            }
        }
        QCOMPARE(python, 2 * kPerProcess);
        int switches = 0;  // how often the writer changes from one line to the next
        int crossLanguage = 0;
        for (int i = 1; i < lines.size(); ++i) {
            switches += lines.at(i).left(40) != lines.at(i - 1).left(40);
            crossLanguage += lines.at(i).startsWith("{\"action\":\"PY") != lines.at(i - 1).startsWith("{\"action\":\"PY");
        }
        qInfo("%lld lines; the writer changed %d times between neighbouring lines, %d times between Python and C++",
              qint64(lines.size()), switches, crossLanguage);
        // The reader sees the same.
        const Collected c = readAll(path);
        QVERIFY(c.ok);
        QCOMPARE(c.records.size(), lines.size());
        QVERIFY(c.problems.isEmpty());
        QCOMPARE(c.end, qint64(all.size()));
    }

    // 200 MB streams with bounded memory.
    void readerStreamsLargeFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("big.jsonl"));
        QByteArray block;
        qint64 linesPerBlock = 0;
        while (block.size() < (1 << 20) - 300) {
            block += QByteArrayLiteral("{\"action\":\"ARCHIVE\",\"actor\":\"bot\",\"compressed_size\":1234,\"path\":\"src/pkg/module_") +
                     QByteArray::number(linesPerBlock) +
                     QByteArrayLiteral(".py\",\"reason\":\"dead\",\"repo\":\"codex\",\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"size\":45678,\"tombstone\":\"6f1c2a8e-1111-4000-8000-000000000000\",\"ts\":\"2025-01-02T03:04:05Z\"}") +
                     '\n';
            ++linesPerBlock;
        }
        constexpr int kBlocks = 200;  // ~200 MB
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            for (int i = 0; i < kBlocks; ++i)
                QCOMPARE(f.write(block), qint64(block.size()));
        }
        const qint64 size = QFileInfo(path).size();
        QVERIFY(size > 190LL * 1000 * 1000);

        const qint64 before = vmHwmKiB();
        QVERIFY(before > 0);
        QElapsedTimer t;
        t.start();
        qint64 count = 0;
        qint64 lastLine = 0;
        qint64 end = 0;
        qint64 next = 0;
        int problems = 0;
        QString error;
        const bool ok = EvidenceReader::read(
            path,
            [&](const EvidenceRecord &r) {
                ++count;
                lastLine = r.line;
                return r.action == QLatin1String("ARCHIVE");
            },
            [&](const EvidenceProblem &) { ++problems; }, 0, 1, &end, &next, &error);
        const qint64 ms = t.elapsed();
        const qint64 after = vmHwmKiB();
        QVERIFY2(ok, qPrintable(error));
        QCOMPARE(problems, 0);
        QCOMPARE(count, linesPerBlock * kBlocks);
        QCOMPARE(lastLine, count);
        QCOMPARE(end, size);
        QCOMPARE(next, count + 1);
        qInfo("read %lld lines (%lld MB) in %lld ms; peak RSS grew by %lld KiB", count, size >> 20, ms, after - before);
        QVERIFY2(after - before < 100 * 1024, "peak RSS grew by 100 MiB or more while streaming");
    }

    void readerReportsProblemsAndContinues()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("mixed.jsonl"));
        const QList<QByteArray> lines = {
            "{\"action\":\"ARCHIVE\",\"actor\":\"a\",\"ts\":\"2025-01-01T00:00:00Z\"}" "\n",  // 1
            "\n",                                                                   // 2 blank
            "this is not json\n",                                                   // 3
            "[1,2,3]\n",                                                            // 4
            "{\"actor\":\"no action\"}" "\n",                                        // 5
            "{\"action\":5}" "\n",                                                 // 6
            "{\"action\":\"PACK\",\"custom\":{\"x\":[1,2]},\"weird field\":\"\xc3\xa9\"}\r\n",  // 7 CRLF
            "   \r\n",                                                              // 8 blank
            "{\"action\":\"RESTORE\",\"ts\":\"2025-01-01T00:00:01Z\",\"duration_ms\":1.5}" "\n",  // 9
            "{\"action\":\"ARCHIVE\", truncated garbage" "\n",                       // 10
            "{\"action\":\"VER",  // 11, partial
        };
        QByteArray content;
        QList<qint64> offsets;
        for (const QByteArray &l : lines) {
            offsets.append(content.size());
            content += l;
        }
        testutil::writeFile(path, content);

        Collected c = readAll(path);
        QVERIFY2(c.ok, qPrintable(c.error));
        QCOMPARE(c.records.size(), 3);
        QCOMPARE(c.records.at(0).line, 1);
        QCOMPARE(c.records.at(0).offset, 0);
        QCOMPARE(c.records.at(0).action, QStringLiteral("ARCHIVE"));
        QCOMPARE(c.records.at(0).ts, QStringLiteral("2025-01-01T00:00:00Z"));
        QCOMPARE(c.records.at(1).line, 7);
        QCOMPARE(c.records.at(1).offset, offsets.at(6));
        QCOMPARE(c.records.at(1).action, QStringLiteral("PACK"));  // unknown action kept
        QVERIFY(c.records.at(1).ts.isEmpty());
        QCOMPARE(c.records.at(1).fields.value(QStringLiteral("custom")).toObject().value(QStringLiteral("x")).toArray().size(), 2);
        QCOMPARE(c.records.at(1).fields.value(QStringLiteral("weird field")).toString(), QStringLiteral("é"));
        QCOMPARE(c.records.at(1).fields.value(QStringLiteral("action")).toString(), QStringLiteral("PACK"));
        QCOMPARE(c.records.at(2).line, 9);
        QCOMPARE(c.records.at(2).fields.value(QStringLiteral("duration_ms")).toDouble(), 1.5);

        QCOMPARE(c.problems.size(), 5);
        const QList<qint64> problemLines = {3, 4, 5, 6, 10};
        for (int i = 0; i < problemLines.size(); ++i) {
            QCOMPARE(c.problems.at(i).line, problemLines.at(i));
            QVERIFY(!c.problems.at(i).message.isEmpty());
            QVERIFY(c.problems.at(i).message.size() < 120);
        }
        QVERIFY2(c.problems.at(0).message.contains(QStringLiteral("JSON")), qPrintable(c.problems.at(0).message));
        QVERIFY2(c.problems.at(1).message.contains(QStringLiteral("not a JSON object")), qPrintable(c.problems.at(1).message));
        QVERIFY2(c.problems.at(2).message.contains(QStringLiteral("action")), qPrintable(c.problems.at(2).message));
        QVERIFY2(c.problems.at(3).message.contains(QStringLiteral("action")), qPrintable(c.problems.at(3).message));

        // The partial last line is left for later.
        QCOMPARE(c.end, offsets.at(10));
        QCOMPARE(c.next, 11);

        // The writer finishes the line; reading from where we stopped picks it up.
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::Append));
            f.write("IFY\",\"n\":1,\"extra\":{\"deep\":true}}\n");
            f.write("{\"action\":\"UNPACK\",\"zzz\":[null]}" "\r\n");
        }
        Collected d = readAll(path, c.end, c.next);
        QVERIFY2(d.ok, qPrintable(d.error));
        QCOMPARE(d.records.size(), 2);
        QCOMPARE(d.records.at(0).line, 11);
        QCOMPARE(d.records.at(0).offset, offsets.at(10));
        QCOMPARE(d.records.at(0).action, QStringLiteral("VERIFY"));
        QCOMPARE(d.records.at(0).fields.value(QStringLiteral("n")).toInt(), 1);
        QVERIFY(d.records.at(0).fields.value(QStringLiteral("extra")).toObject().value(QStringLiteral("deep")).toBool());
        QCOMPARE(d.records.at(1).line, 12);
        QCOMPARE(d.records.at(1).action, QStringLiteral("UNPACK"));
        QVERIFY(d.problems.isEmpty());
        QCOMPARE(d.end, QFileInfo(path).size());
        QCOMPARE(d.next, 13);

        // Nothing new: an empty read that keeps its place.
        Collected e = readAll(path, d.end, d.next);
        QVERIFY(e.ok);
        QVERIFY(e.records.isEmpty());
        QCOMPARE(e.end, d.end);
        QCOMPARE(e.next, d.next);
    }

    void readerCrlfAndLongLines()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("crlf.jsonl"));
        const QString huge(3 << 20, QLatin1Char('h'));  // one 3 MB line, across several read chunks
        QByteArray content = "\xEF\xBB\xBF{\"action\":\"A\"}\r\n{\"action\":\"B\",\"x\":\"1\\r\\n\"}\r\n\r\n";
        content += "{\"action\":\"HUGE\",\"blob\":\"" + huge.toLatin1() + "\"}\r\n";
        content += "{\"action\":\"C\"}\r\n";
        testutil::writeFile(path, content);
        const Collected c = readAll(path);
        QVERIFY2(c.ok, qPrintable(c.error));
        QVERIFY(c.problems.isEmpty());
        QCOMPARE(c.records.size(), 4);
        QCOMPARE(c.records.at(0).action, QStringLiteral("A"));  // UTF-8 BOM at the start tolerated
        QCOMPARE(c.records.at(1).fields.value(QStringLiteral("x")).toString(), QStringLiteral("1\r\n"));
        QCOMPARE(c.records.at(2).action, QStringLiteral("HUGE"));
        QCOMPARE(c.records.at(2).line, 4);
        QCOMPARE(c.records.at(2).fields.value(QStringLiteral("blob")).toString().size(), huge.size());
        QCOMPARE(c.records.at(3).action, QStringLiteral("C"));
        QCOMPARE(c.records.at(3).line, 5);
        QCOMPARE(c.end, qint64(content.size()));
    }

    void readerStopsWhenAsked()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("stop.jsonl"));
        testutil::writeFile(path, "{\"action\":\"A\"}\n{\"action\":\"B\"}\n{\"action\":\"C\"}\n");
        QStringList seen;
        qint64 end = -1, next = -1;
        QVERIFY(EvidenceReader::read(
            path,
            [&](const EvidenceRecord &r) {
                seen << r.action;
                return seen.size() < 2;
            },
            {}, 0, 1, &end, &next));
        QCOMPARE(seen, QStringList({QStringLiteral("A"), QStringLiteral("B")}));
        QCOMPARE(end, qint64(30));
        QCOMPARE(next, 3);
        const Collected rest = readAll(path, end, next);
        QCOMPARE(rest.records.size(), 1);
        QCOMPARE(rest.records.at(0).action, QStringLiteral("C"));
        QCOMPARE(rest.records.at(0).line, 3);
    }

    void readerErrors()
    {
        QTemporaryDir dir;
        Collected c = readAll(dir.filePath(QStringLiteral("missing.jsonl")));
        QVERIFY(!c.ok);
        QVERIFY(!c.error.isEmpty());
        const QString path = dir.filePath(QStringLiteral("short.jsonl"));
        testutil::writeFile(path, "{\"action\":\"A\"}\n");
        c = readAll(path, 1000, 50);
        QVERIFY(!c.ok);
        QVERIFY2(c.error.contains(QStringLiteral("truncated")), qPrintable(c.error));
        QCOMPARE(c.end, 1000);
        QCOMPARE(c.next, 50);
        // An empty file is fine.
        testutil::writeFile(path, "");
        c = readAll(path);
        QVERIFY(c.ok);
        QVERIFY(c.records.isEmpty());
        QCOMPARE(c.end, 0);
    }

    // What we write, we read back identically.
    void writeThenRead()
    {
        QTemporaryDir dir;
        EvidenceLog log(dir.filePath(QStringLiteral("rt.jsonl")));
        QString error;
        const QJsonObject f{{QStringLiteral("path"), QStringLiteral("a/😀\n.py")}, {QStringLiteral("size"), 5}};
        QVERIFY(log.append(QStringLiteral("ARCHIVE"), f, &error, QDateTime(QDate(2024, 2, 29), QTime(23, 59, 59), Qt::UTC)));
        const Collected c = readAll(log.path());
        QCOMPARE(c.records.size(), 1);
        QCOMPARE(c.records.at(0).action, QStringLiteral("ARCHIVE"));
        QCOMPARE(c.records.at(0).ts, QStringLiteral("2024-02-29T23:59:59Z"));
        QCOMPARE(c.records.at(0).fields.value(QStringLiteral("path")).toString(), QStringLiteral("a/😀\n.py"));
        QCOMPARE(testutil::readFile(log.path()),
                 QByteArray("{\"action\":\"ARCHIVE\",\"path\":\"a/\\ud83d\\ude00\\n.py\",\"size\":5,\"ts\":\"2024-02-29T23:59:59Z\"}\n"));
    }
};

QTEST_GUILESS_MAIN(TestEvidence)
#include "tst_evidence.moc"
