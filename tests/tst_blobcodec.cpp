// BlobCodec: zstd/zlib exactly as the reference archive writes them (zstandard.ZstdCompressor(
// level=9).compress and zlib.compress(data, 9)), checked against real Python output.

#include "TestUtil.h"

#include "archive/BlobCodec.h"
#include "common/Sha256.h"

#include <QCryptographicHash>

#include <QElapsedTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <zlib.h>
#include <zstd.h>

using codex::archive::ArchiveError;
using codex::archive::BlobCodec;

namespace {

// The Debian interpreter carries python3-zstandard; a pyenv/venv python3 earlier in PATH may not.
QString pythonWith(const QString &module)
{
    for (const QString &candidate : {QStringLiteral("/usr/bin/python3"), QStringLiteral("python3")}) {
        QProcess p;
        p.start(candidate, {QStringLiteral("-c"), QStringLiteral("import ") + module});
        if (p.waitForFinished(30000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0)
            return candidate;
    }
    return {};
}

// Runs python with a script; returns stdout, fails the test (via the bool) on error.
bool runPython(const QString &python, const QString &script, const QStringList &args, QByteArray *out = nullptr)
{
    QProcess p;
    p.start(python, QStringList{QStringLiteral("-c"), script} + args);
    if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning("python failed: %s", p.readAllStandardError().constData());
        return false;
    }
    if (out)
        *out = p.readAllStandardOutput();
    return true;
}

QByteArray randomBytes(qsizetype n, quint32 seed)
{
    QByteArray b(n, Qt::Uninitialized);
    QRandomGenerator rng(seed);
    const qsizetype words = n / 4;
    rng.fillRange(reinterpret_cast<quint32 *>(b.data()), words);
    for (qsizetype i = words * 4; i < n; ++i)
        b[i] = char(rng.generate());
    return b;
}

// Text-like data: compresses well but is not trivially repetitive.
QByteArray compressibleBytes(qsizetype n)
{
    QByteArray b;
    b.reserve(n + 128);
    QRandomGenerator rng(42);
    static const char *words[] = {"archive", "tombstone", "restore", "codex", "artifact", "sha256", "zstd", "def ", "return ",
                                  "self", "\n", "    ", "import ", "class ", "(", ")", ":", "=", "0", "1"};
    qint64 counter = 0;
    while (b.size() < n) {
        b.append(words[rng.bounded(20)]);
        if ((++counter & 63) == 0)
            b.append(QByteArray::number(counter));
    }
    b.truncate(n);
    return b;
}

// Source-like text: a 16 KiB block of words repeated with a numbered header line per block.
// (Highly repetitive within zlib's 32 KiB window; on low-entropy text without such repeats
// zlib level 9 runs at only a few MB/s — inherent to zlib -9, the reference pays it too.)
QByteArray repetitiveText(qsizetype n)
{
    const QByteArray block = compressibleBytes(16 << 10);
    QByteArray b;
    b.reserve(n + block.size() + 64);
    for (qint64 i = 0; b.size() < n; ++i) {
        b.append("# block ").append(QByteArray::number(i)).append('\n');
        b.append(block);
    }
    b.truncate(n);
    return b;
}

QByteArray flipped(QByteArray b, qsizetype at)
{
    b[at] = char(b[at] ^ 0x5a);
    return b;
}

const QString kPrefix(const QString &codec)
{
    return QStringLiteral("Decompression failed with codec '%1': ").arg(codec);
}

}  // namespace

class TestBlobCodec : public QObject {
    Q_OBJECT

private slots:
    void streamingMatchesWholeBuffer_data();
    void streamingMatchesWholeBuffer();
    void streamingReportsBadStreams();
    void sourceInPieces_data();
    void sourceInPieces();
    void sourceFailures_data() { failures_data(); }
    void sourceFailures();
    void sourceReadError();
    void known()
    {
        QVERIFY(BlobCodec::isKnown(QStringLiteral("zstd")));
        QVERIFY(BlobCodec::isKnown(QStringLiteral("zlib")));
        QVERIFY(!BlobCodec::isKnown(QStringLiteral("lz4")));
        QVERIFY(!BlobCodec::isKnown(QString()));
        QVERIFY(!BlobCodec::isKnown(QStringLiteral("ZSTD")));
    }

    void sha256()
    {
        QCOMPARE(BlobCodec::sha256Hex(QByteArray()), QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(BlobCodec::sha256Hex("abc"), QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    void roundTrip_data()
    {
        QTest::addColumn<QString>("codec");
        QTest::addColumn<QByteArray>("raw");
        for (const QString &codec : {QStringLiteral("zstd"), QStringLiteral("zlib")}) {
            QTest::newRow(qPrintable(codec + QStringLiteral(" empty"))) << codec << QByteArray();
            QTest::newRow(qPrintable(codec + QStringLiteral(" 1 byte"))) << codec << QByteArray("x");
            QTest::newRow(qPrintable(codec + QStringLiteral(" zero byte"))) << codec << QByteArray(1, '\0');
            QTest::newRow(qPrintable(codec + QStringLiteral(" 1 MB random"))) << codec << randomBytes(1 << 20, 7);
            QTest::newRow(qPrintable(codec + QStringLiteral(" 3 MB text"))) << codec << compressibleBytes(3 << 20);
        }
    }

    void roundTrip()
    {
        QFETCH(QString, codec);
        QFETCH(QByteArray, raw);
        ArchiveError error;
        const QByteArray packed = BlobCodec::compress(codec, raw, &error);
        QVERIFY2(!error, qPrintable(error.message));
        QVERIFY(!packed.isEmpty());
        const QByteArray back = BlobCodec::decompress(codec, packed, raw.size(), &error);
        QVERIFY2(!error, qPrintable(error.message));
        QCOMPARE(back.size(), raw.size());
        QVERIFY(back == raw);
        // Size unknown to the caller: same result.
        const QByteArray again = BlobCodec::decompress(codec, packed, -1, &error);
        QVERIFY2(!error, qPrintable(error.message));
        QVERIFY(again == raw);
        if (codec == QLatin1String("zstd")) {
            // Like python-zstandard's compress(): the frame header records the content size.
            QCOMPARE(ZSTD_getFrameContentSize(packed.constData(), size_t(packed.size())), static_cast<unsigned long long>(raw.size()));
        } else {
            // RFC 1950 header (CMF 0x78) with the level-9 flag (FLEVEL 3), like zlib.compress(data, 9).
            QCOMPARE(quint8(packed.at(0)), quint8(0x78));
            QCOMPARE(quint8(packed.at(1)), quint8(0xda));
        }
    }

    void large100MB_data()
    {
        QTest::addColumn<QString>("codec");
        QTest::newRow("zstd") << QStringLiteral("zstd");
        QTest::newRow("zlib") << QStringLiteral("zlib");
    }

    void large100MB()
    {
        QFETCH(QString, codec);
        const qsizetype n = qsizetype(100) << 20;
        const QByteArray raw = repetitiveText(n);
        QElapsedTimer t;
        t.start();
        ArchiveError error;
        const QByteArray packed = BlobCodec::compress(codec, raw, &error);
        const qint64 compressMs = t.restart();
        QVERIFY2(!error, qPrintable(error.message));
        const QString sha = BlobCodec::sha256Hex(raw);
        const QByteArray back = BlobCodec::decompress(codec, packed, n, &error);
        const qint64 knownMs = t.restart();
        QVERIFY2(!error, qPrintable(error.message));
        QCOMPARE(back.size(), n);
        QCOMPARE(BlobCodec::sha256Hex(back), sha);
        const QByteArray back2 = BlobCodec::decompress(codec, packed, -1, &error);  // growth path for zlib
        const qint64 unknownMs = t.elapsed();
        QVERIFY2(!error, qPrintable(error.message));
        QVERIFY(back2 == raw);
        qInfo("%s 100 MiB: %lld bytes packed; compress %lld ms, decompress %lld ms (size known), %lld ms (size unknown)",
              qPrintable(codec), qint64(packed.size()), compressMs, knownMs, unknownMs);
        QVERIFY2(knownMs < 3000, "decompressing 100 MiB took more than 3 s");
        QVERIFY2(unknownMs < 3000, "decompressing 100 MiB without a known size took more than 3 s");
        QVERIFY2(compressMs < 10000, "compressing 100 MiB took more than 10 s");
    }

    // Blobs the reference wrote (real python-zstandard / zlib) decompress here; ours decompress
    // there; with the same library versions the bytes are identical.
    void pythonCompatibility()
    {
        const QString python = pythonWith(QStringLiteral("zstandard"));
        if (python.isEmpty())
            QFAIL("no python3 with the zstandard module (Debian: python3-zstandard; see tools/install-deps.sh)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());

        struct Sample {
            const char *name;
            QByteArray raw;
        };
        const QList<Sample> samples = {{"empty", QByteArray()},
                                       {"one", QByteArray("A")},
                                       {"text", compressibleBytes(300000)},
                                       {"random", randomBytes(200000, 99)},
                                       {"utf8", QStringLiteral("Grüße, 世界 😀\n").repeated(1000).toUtf8()}};
        for (const Sample &s : samples)
            testutil::writeFile(dir.filePath(QString::fromLatin1(s.name) + QStringLiteral(".raw")), s.raw);

        // Python side: the reference's calls, plus two variants other writers produce.
        const QString makeFixtures = QStringLiteral(
            "import sys, zlib, zstandard\n"
            "d = sys.argv[1]\n"
            "for name in sys.argv[2:]:\n"
            "    raw = open(f'{d}/{name}.raw', 'rb').read()\n"
            "    open(f'{d}/{name}.py.zstd', 'wb').write(zstandard.ZstdCompressor(level=9).compress(raw))\n"
            "    open(f'{d}/{name}.py.zlib', 'wb').write(zlib.compress(raw, 9))\n"
            "    c = zstandard.ZstdCompressor(level=3, write_content_size=False, write_checksum=True)\n"
            "    open(f'{d}/{name}.py.nosize.zstd', 'wb').write(c.compress(raw))\n"
            "print('.'.join(map(str, zstandard.ZSTD_VERSION)), zlib.ZLIB_RUNTIME_VERSION)\n");
        QStringList names;
        for (const Sample &s : samples)
            names << QString::fromLatin1(s.name);
        QByteArray versions;
        QVERIFY(runPython(python, makeFixtures, QStringList{dir.path()} + names, &versions));
        const QList<QByteArray> v = versions.trimmed().split(' ');
        QCOMPARE(v.size(), 2);
        const QByteArray ourZstd = QByteArray(ZSTD_versionString());

        for (const Sample &s : samples) {
            const QString base = dir.filePath(QString::fromLatin1(s.name));
            ArchiveError error;
            for (const QString &codec : {QStringLiteral("zstd"), QStringLiteral("zlib")}) {
                const QByteArray fromPython = testutil::readFile(base + QStringLiteral(".py.") + codec);
                const QByteArray back = BlobCodec::decompress(codec, fromPython, s.raw.size(), &error);
                QVERIFY2(!error, qPrintable(QString::fromLatin1(s.name) + QLatin1Char(' ') + error.message));
                QVERIFY2(back == s.raw, s.name);
                const QByteArray ours = BlobCodec::compress(codec, s.raw, &error);
                QVERIFY2(!error, qPrintable(error.message));
                testutil::writeFile(base + QStringLiteral(".cpp.") + codec, ours);
                if (codec == QLatin1String("zlib") && QByteArray(zlibVersion()) == QByteArray(v.at(1)))
                    QVERIFY2(ours == fromPython, "same zlib version, different bytes than zlib.compress(data, 9)");
                if (codec == QLatin1String("zstd") && ourZstd == v.at(0))
                    QVERIFY2(ours == fromPython, "same libzstd, different bytes than ZstdCompressor(level=9).compress");
            }
            // A frame without a content size (streamed writers), with a checksum.
            const QByteArray noSize = testutil::readFile(base + QStringLiteral(".py.nosize.zstd"));
            if (!s.raw.isEmpty())
                QCOMPARE(ZSTD_getFrameContentSize(noSize.constData(), size_t(noSize.size())), ZSTD_CONTENTSIZE_UNKNOWN);
            QVERIFY(BlobCodec::decompress(QStringLiteral("zstd"), noSize, s.raw.size(), &error) == s.raw);
            QVERIFY2(!error, qPrintable(error.message));
            QVERIFY(BlobCodec::decompress(QStringLiteral("zstd"), noSize, -1, &error) == s.raw);
            QVERIFY2(!error, qPrintable(error.message));
        }

        // Python reads what we wrote, exactly as the reference's decompress_payload() does.
        const QString check = QStringLiteral(
            "import sys, zlib, zstandard\n"
            "d = sys.argv[1]\n"
            "for name in sys.argv[2:]:\n"
            "    raw = open(f'{d}/{name}.raw', 'rb').read()\n"
            "    assert zstandard.ZstdDecompressor().decompress(open(f'{d}/{name}.cpp.zstd', 'rb').read()) == raw, name\n"
            "    assert zlib.decompress(open(f'{d}/{name}.cpp.zlib', 'rb').read()) == raw, name\n"
            "print('ok')\n");
        QByteArray ok;
        QVERIFY(runPython(python, check, QStringList{dir.path()} + names, &ok));
        QCOMPARE(ok.trimmed(), QByteArray("ok"));
        qInfo("python zstandard/zlib versions: %s; ours: zstd %s, zlib %s", versions.trimmed().constData(), ourZstd.constData(),
              zlibVersion());
    }

    void failures_data()
    {
        QTest::addColumn<QString>("codec");
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<qint64>("expected");
        QTest::addColumn<qint64>("limit");
        QTest::addColumn<QString>("why");  // a fragment of the message after the prefix

        ArchiveError e;
        const QByteArray raw = compressibleBytes(500000);
        const QByteArray zs = BlobCodec::compress(QStringLiteral("zstd"), raw, &e);
        const QByteArray zl = BlobCodec::compress(QStringLiteral("zlib"), raw, &e);
        const qint64 big = qint64(4) << 30;

        QTest::newRow("unknown codec") << QStringLiteral("lz4") << zs << qint64(-1) << big
                                       << QStringLiteral("Unsupported compression codec: lz4");
        QTest::newRow("empty codec name") << QString() << zs << qint64(-1) << big << QStringLiteral("Unsupported compression codec: ");

        QTest::newRow("zstd empty input") << QStringLiteral("zstd") << QByteArray() << qint64(-1) << big << QStringLiteral("empty");
        QTest::newRow("zstd bad magic") << QStringLiteral("zstd") << QByteArray("not zstd at all") << qint64(-1) << big
                                        << QStringLiteral("not a zstd frame");
        QTest::newRow("zstd is zlib") << QStringLiteral("zstd") << zl << qint64(-1) << big << QStringLiteral("not a zstd frame");
        QTest::newRow("zstd truncated") << QStringLiteral("zstd") << zs.left(zs.size() / 2) << qint64(raw.size()) << big
                                        << QStringLiteral("truncated");
        QTest::newRow("zstd truncated by 1") << QStringLiteral("zstd") << zs.left(zs.size() - 1) << qint64(-1) << big
                                             << QStringLiteral("truncated");
        QTest::newRow("zstd corrupt") << QStringLiteral("zstd") << flipped(flipped(zs, zs.size() / 2), zs.size() / 3)
                                      << qint64(raw.size()) << big << QStringLiteral("corrupt");
        QTest::newRow("zstd trailing garbage") << QStringLiteral("zstd") << zs + QByteArray("garbage!") << qint64(-1) << big
                                               << QStringLiteral("after the end");
        QTest::newRow("zstd expected smaller") << QStringLiteral("zstd") << zs << qint64(raw.size() - 1) << big
                                               << QStringLiteral("declares 500000 bytes but 499999 were expected");
        QTest::newRow("zstd expected larger") << QStringLiteral("zstd") << zs << qint64(raw.size() + 10) << big
                                              << QStringLiteral("declares 500000 bytes but 500010 were expected");
        QTest::newRow("zstd limit") << QStringLiteral("zstd") << zs << qint64(-1) << qint64(1000)
                                    << QStringLiteral("exceed the limit of 1000 bytes");

        QTest::newRow("zlib empty input") << QStringLiteral("zlib") << QByteArray() << qint64(-1) << big
                                          << QStringLiteral("Error -5 while decompressing data: incomplete or truncated stream");
        QTest::newRow("zlib bad header") << QStringLiteral("zlib") << QByteArray("definitely not zlib") << qint64(-1) << big
                                         << QStringLiteral("Error -3 while decompressing data: incorrect header check");
        QTest::newRow("zlib is zstd") << QStringLiteral("zlib") << zs << qint64(-1) << big
                                      << QStringLiteral("Error -3 while decompressing data");
        QTest::newRow("zlib truncated") << QStringLiteral("zlib") << zl.left(zl.size() / 2) << qint64(raw.size()) << big
                                        << QStringLiteral("incomplete or truncated stream");
        QTest::newRow("zlib truncated checksum") << QStringLiteral("zlib") << zl.left(zl.size() - 2) << qint64(-1) << big
                                                 << QStringLiteral("incomplete or truncated stream");
        QTest::newRow("zlib corrupt checksum") << QStringLiteral("zlib") << flipped(zl, zl.size() - 1) << qint64(-1) << big
                                               << QStringLiteral("incorrect data check");
        QTest::newRow("zlib expected smaller") << QStringLiteral("zlib") << zl << qint64(raw.size() - 1) << big
                                               << QStringLiteral("of at least 500000 bytes does not match the expected 499999");
        QTest::newRow("zlib expected larger") << QStringLiteral("zlib") << zl << qint64(raw.size() + 10) << big
                                              << QStringLiteral("of 500000 bytes does not match the expected 500010");
        QTest::newRow("zlib limit") << QStringLiteral("zlib") << zl << qint64(-1) << qint64(1000)
                                    << QStringLiteral("exceed the limit of 1000 bytes");
        QTest::newRow("zlib limit below expected") << QStringLiteral("zlib") << zl << qint64(raw.size()) << qint64(4096)
                                                   << QStringLiteral("exceed the limit of 4096 bytes");
    }

    void failures()
    {
        QFETCH(QString, codec);
        QFETCH(QByteArray, input);
        QFETCH(qint64, expected);
        QFETCH(qint64, limit);
        QFETCH(QString, why);
        ArchiveError error;
        const QByteArray out = BlobCodec::decompress(codec, input, expected, &error, limit);
        QVERIFY(out.isEmpty());
        QCOMPARE(error.kind, ArchiveError::Kind::Decompression);
        QVERIFY(!error.isTransient());
        QVERIFY2(error.message.startsWith(kPrefix(codec)), qPrintable(error.message));
        QVERIFY2(error.message.contains(why), qPrintable(error.message));
    }

    void unknownCodecWording()
    {
        // The reference's RESTORE_FAIL reason for an unknown codec, verbatim.
        ArchiveError error;
        BlobCodec::decompress(QStringLiteral("brotli"), QByteArray("x"), -1, &error);
        QCOMPARE(error.message, QStringLiteral("Decompression failed with codec 'brotli': Unsupported compression codec: brotli"));
        BlobCodec::compress(QStringLiteral("brotli"), QByteArray("x"), &error);
        QVERIFY(error);
        QVERIFY(!error.isTransient());
    }

    // Frames without a content size must still respect the limit and the expected size, and a
    // bomb must fail before it eats memory.
    void streamingBounds()
    {
        ZSTD_CCtx *cctx = ZSTD_createCCtx();
        QVERIFY(cctx);
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
        const QByteArray zeros(qsizetype(64) << 20, '\0');
        QByteArray frame(qsizetype(ZSTD_compressBound(size_t(zeros.size()))), Qt::Uninitialized);
        const size_t n = ZSTD_compress2(cctx, frame.data(), size_t(frame.size()), zeros.constData(), size_t(zeros.size()));
        ZSTD_freeCCtx(cctx);
        QVERIFY(!ZSTD_isError(n));
        frame.resize(qsizetype(n));
        QCOMPARE(ZSTD_getFrameContentSize(frame.constData(), size_t(frame.size())), ZSTD_CONTENTSIZE_UNKNOWN);

        ArchiveError error;
        QByteArray out = BlobCodec::decompress(QStringLiteral("zstd"), frame, -1, &error, qint64(1) << 20);
        QVERIFY(out.isEmpty());
        QVERIFY2(error.message.contains(QStringLiteral("exceed the limit of 1048576 bytes")), qPrintable(error.message));

        out = BlobCodec::decompress(QStringLiteral("zstd"), frame, 1000, &error);
        QVERIFY(out.isEmpty());
        QVERIFY2(error.message.contains(QStringLiteral("does not match the expected 1000 bytes")), qPrintable(error.message));

        out = BlobCodec::decompress(QStringLiteral("zstd"), frame, zeros.size() + 1, &error);
        QVERIFY(out.isEmpty());
        QVERIFY2(error.message.contains(QStringLiteral("does not match the expected")), qPrintable(error.message));

        out = BlobCodec::decompress(QStringLiteral("zstd"), frame, zeros.size(), &error);
        QVERIFY2(!error, qPrintable(error.message));
        QVERIFY(out == zeros);
        out = BlobCodec::decompress(QStringLiteral("zstd"), frame, -1, &error, zeros.size());
        QVERIFY2(!error, qPrintable(error.message));
        QVERIFY(out == zeros);
        out = BlobCodec::decompress(QStringLiteral("zstd"), frame.left(frame.size() - 3), -1, &error);
        QVERIFY(out.isEmpty());
        QVERIFY2(error.message.contains(QStringLiteral("truncated")), qPrintable(error.message));

        // Two frames back to back (concatenated writers) decode as one payload.
        const QByteArray a = BlobCodec::compress(QStringLiteral("zstd"), QByteArray("hello "), &error);
        const QByteArray b = BlobCodec::compress(QStringLiteral("zstd"), QByteArray("world"), &error);
        QCOMPARE(BlobCodec::decompress(QStringLiteral("zstd"), a + b, 11, &error), QByteArray("hello world"));
        QVERIFY2(!error, qPrintable(error.message));

        // A zlib bomb: 64 MiB of zeros, limit 1 MiB, size unknown.
        const QByteArray zl = BlobCodec::compress(QStringLiteral("zlib"), zeros, &error);
        out = BlobCodec::decompress(QStringLiteral("zlib"), zl, -1, &error, qint64(1) << 20);
        QVERIFY(out.isEmpty());
        QVERIFY2(error.message.contains(QStringLiteral("exceed the limit of 1048576 bytes")), qPrintable(error.message));
        // Exactly at the limit is fine.
        out = BlobCodec::decompress(QStringLiteral("zlib"), zl, -1, &error, zeros.size());
        QVERIFY2(!error, qPrintable(error.message));
        QCOMPARE(out.size(), zeros.size());
        // Like zlib.decompress(): bytes after the end of the stream are ignored.
        out = BlobCodec::decompress(QStringLiteral("zlib"), zl + QByteArray("tail"), zeros.size(), &error);
        QVERIFY2(!error, qPrintable(error.message));
        QCOMPARE(out.size(), zeros.size());
    }

    void errorIsClearedOnSuccess()
    {
        ArchiveError error{ArchiveError::Kind::Query, QStringLiteral("stale")};
        const QByteArray packed = BlobCodec::compress(QStringLiteral("zstd"), QByteArray("abc"), &error);
        QVERIFY(!error);
        error = {ArchiveError::Kind::Query, QStringLiteral("stale")};
        QCOMPARE(BlobCodec::decompress(QStringLiteral("zstd"), packed, 3, &error), QByteArray("abc"));
        QVERIFY(!error);
        QCOMPARE(BlobCodec::decompress(QStringLiteral("zstd"), packed, 3, nullptr), QByteArray("abc"));  // null error is fine
    }
};

// decompressTo() is what restores use: same bytes, same checks and wording as decompress().
void TestBlobCodec::streamingMatchesWholeBuffer_data()
{
    QTest::addColumn<QString>("codec");
    QTest::addColumn<int>("size");
    for (const char *codec : {"zstd", "zlib"})
        for (int size : {0, 1, 4 << 20, (9 << 20) + 123})
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(QLatin1String(codec)).arg(size)))
                << QString::fromLatin1(codec) << size;
}

void TestBlobCodec::streamingMatchesWholeBuffer()
{
    QFETCH(QString, codec);
    QFETCH(int, size);
    QByteArray raw;
    raw.reserve(size);
    for (int i = 0; raw.size() < size; ++i)
        raw += QByteArray::number(i * 7919 % 10007) + (i % 13 ? ' ' : '\n');
    raw.truncate(size);
    ArchiveError error;
    const QByteArray packed = BlobCodec::compress(codec, raw, &error);
    QVERIFY2(!error, qPrintable(error.message));
    QByteArray streamed;
    codex::Sha256 hash;
    QVERIFY(BlobCodec::decompressTo(codec, packed, raw.size(), [&](const char *d, qint64 n) {
        streamed.append(d, n);
        hash.add(d, n);
        return true;
    }, &error));
    QVERIFY2(!error, qPrintable(error.message));
    QCOMPARE(streamed, raw);
    QCOMPARE(hash.hex(), BlobCodec::sha256Hex(raw));
    QCOMPARE(BlobCodec::sha256Hex(raw), QString::fromLatin1(QCryptographicHash::hash(raw, QCryptographicHash::Sha256).toHex()));
}

void TestBlobCodec::streamingReportsBadStreams()
{
    const QByteArray raw = QByteArray("restore me ").repeated(50000);
    for (const QString &codec : {QStringLiteral("zstd"), QStringLiteral("zlib")}) {
        ArchiveError error;
        const QByteArray packed = BlobCodec::compress(codec, raw, &error);
        auto sinkAll = [](const char *, qint64) { return true; };
        // Truncated.
        QVERIFY(!BlobCodec::decompressTo(codec, packed.left(packed.size() / 2), raw.size(), sinkAll, &error));
        QVERIFY2(error.message.startsWith(QStringLiteral("Decompression failed with codec '%1'").arg(codec)), qPrintable(error.message));
        // Garbage.
        QVERIFY(!BlobCodec::decompressTo(codec, QByteArray("definitely not compressed"), raw.size(), sinkAll, &error));
        QCOMPARE(error.kind, ArchiveError::Kind::Decompression);
        // The recorded size disagrees with the content.
        QVERIFY(!BlobCodec::decompressTo(codec, packed, raw.size() - 1, sinkAll, &error));
        QVERIFY2(error.message.contains(QStringLiteral("expected")), qPrintable(error.message));
        QVERIFY(!BlobCodec::decompressTo(codec, packed, raw.size() + 1, sinkAll, &error));
        QCOMPARE(error.kind, ArchiveError::Kind::Decompression);
        // A sink that stops (cancel, full disk) stops it without a codec error.
        int calls = 0;
        QVERIFY(!BlobCodec::decompressTo(codec, packed, raw.size(), [&](const char *, qint64) { return ++calls < 1; }, &error));
        QVERIFY(!error);
    }
    ArchiveError error;
    QVERIFY(!BlobCodec::decompressTo(QStringLiteral("brotli"), QByteArray("x"), 1, [](const char *, qint64) { return true; }, &error));
    QCOMPARE(error.message, QStringLiteral("Decompression failed with codec 'brotli': Unsupported compression codec: brotli"));
}

namespace {
// Hands out a buffer in pieces of a fixed size, as a database blob read incrementally does.
class PiecesSource final : public codex::archive::ByteSource {
public:
    PiecesSource(QByteArray bytes, qint64 piece, qint64 failAt = -1) : m_bytes(std::move(bytes)), m_piece(piece), m_failAt(failAt) {}
    qint64 size() const override { return m_bytes.size(); }
    qint64 next(const char **data) override
    {
        if (m_failAt >= 0 && m_pos >= m_failAt)
            return -1;
        const qint64 n = std::min(m_piece, m_bytes.size() - m_pos);
        *data = m_bytes.constData() + m_pos;
        m_pos += n;
        return n;
    }
    QString errorString() const override { return QStringLiteral("disk I/O error"); }

private:
    QByteArray m_bytes;
    qint64 m_piece;
    qint64 m_failAt;
    qint64 m_pos = 0;
};
}  // namespace

// decompressFrom() reads the input in pieces (restores from SQLite do): same bytes for any split.
void TestBlobCodec::sourceInPieces_data()
{
    QTest::addColumn<QString>("codec");
    QTest::addColumn<int>("piece");
    for (const char *codec : {"zstd", "zlib"})
        for (int piece : {1, 7, 4096, 1 << 20})
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(QLatin1String(codec)).arg(piece)))
                << QString::fromLatin1(codec) << piece;
}

void TestBlobCodec::sourceInPieces()
{
    QFETCH(QString, codec);
    QFETCH(int, piece);
    QByteArray raw;
    for (int i = 0; raw.size() < (5 << 20) + 17; ++i)
        raw += QByteArray::number(i * 7919 % 10007) + (i % 13 ? ' ' : '\n');
    ArchiveError error;
    QByteArray packed = BlobCodec::compress(codec, raw, &error);
    if (codec == QLatin1String("zstd"))  // two frames, as a streamed writer may leave them
        packed = BlobCodec::compress(codec, raw.left(1000), &error) + BlobCodec::compress(codec, raw.mid(1000), &error);
    QVERIFY2(!error, qPrintable(error.message));
    PiecesSource source(packed, piece);
    QByteArray out;
    QVERIFY2(BlobCodec::decompressFrom(codec, source, raw.size(), [&](const char *d, qint64 n) {
        out.append(d, n);
        return true;
    }, &error), qPrintable(error.message));
    QCOMPARE(out.size(), raw.size());
    QVERIFY(out == raw);
}

// Every bad stream of failures() fails the same way when read in pieces; the wording is the
// same except where only a walk over the whole input can tell (a later frame's declared size).
void TestBlobCodec::sourceFailures()
{
    QFETCH(QString, codec);
    QFETCH(QByteArray, input);
    QFETCH(qint64, expected);
    QFETCH(qint64, limit);
    QFETCH(QString, why);
    if (QByteArray(QTest::currentDataTag()) == "zstd expected larger")
        why = QStringLiteral("does not match the expected 500010 bytes");
    for (qint64 piece : {qint64(3), qint64(1) << 20}) {
        PiecesSource source(input, piece);
        ArchiveError error;
        QVERIFY(!BlobCodec::decompressFrom(codec, source, expected, [](const char *, qint64) { return true; }, &error, limit));
        QCOMPARE(error.kind, ArchiveError::Kind::Decompression);
        QVERIFY2(error.message.startsWith(kPrefix(codec)), qPrintable(error.message));
        QVERIFY2(error.message.contains(why), qPrintable(QStringLiteral("piece %1: %2").arg(piece).arg(error.message)));
    }
}

// A source that cannot be read (the row changed under an incremental read, an I/O error) is a
// backend error, not a codec one.
void TestBlobCodec::sourceReadError()
{
    const QByteArray raw = QByteArray("restore me ").repeated(100000);
    for (const QString &codec : {QStringLiteral("zstd"), QStringLiteral("zlib")}) {
        ArchiveError error;
        const QByteArray packed = BlobCodec::compress(codec, raw, &error);
        for (qint64 failAt : {qint64(0), packed.size() / 2}) {
            PiecesSource source(packed, 1000, failAt);
            QVERIFY(!BlobCodec::decompressFrom(codec, source, raw.size(), [](const char *, qint64) { return true; }, &error));
            QCOMPARE(error.kind, ArchiveError::Kind::Query);
            QVERIFY2(error.message.contains(QStringLiteral("disk I/O error")), qPrintable(error.message));
        }
    }
}

QTEST_GUILESS_MAIN(TestBlobCodec)
#include "tst_blobcodec.moc"
