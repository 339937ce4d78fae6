// EvidenceTail: tailing archive_ops.jsonl as it grows, a partial last line, malformed lines,
// truncation and rotation while tailing; restore percentiles and fail ratio.
#include "metrics/EvidenceTail.h"

#include "TestUtil.h"

#include <QSignalSpy>
#include <QtTest/QtTest>

#include <cmath>

using namespace codex::metrics;

static QByteArray restoreLine(const char *ts, int ms)
{
    return QByteArray("{\"action\":\"RESTORE\",\"actor\":\"ops\",\"duration_ms\":") + QByteArray::number(ms)
           + ",\"path\":\"out/a.txt\",\"repo\":\"r\",\"tombstone\":\"t1\",\"ts\":\"" + ts + "\"}\n";
}
static QByteArray failLine(const char *ts)
{
    return QByteArray("{\"action\":\"RESTORE_FAIL\",\"actor\":\"ops\",\"backend\":\"sqlite\",\"reason\":\"Tombstone not found: x\","
                      "\"tombstone\":\"x\",\"ts\":\"")
           + ts + "\"}\n";
}

static void append(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Append));
    f.write(bytes);
}

class TstEvidenceTail : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tailsAppendsPartialLinesAndMalformed()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("archive_ops.jsonl"));
        EvidenceTail tail(path);
        QVERIFY(tail.poll().isEmpty());  // not there yet: fine
        testutil::writeFile(path, restoreLine("2025-01-02T03:04:05Z", 120)
                                      + "{\"action\":\"ARCHIVE\",\"ts\":\"2025-01-02T03:04:06Z\"}\n");
        QSignalSpy observed(&tail, &EvidenceTail::observed);
        auto got = tail.poll();
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].durationMs, 120.0);
        QCOMPARE(got[0].tMs, QDateTime(QDate(2025, 1, 2), QTime(3, 4, 5), Qt::UTC).toMSecsSinceEpoch());
        QVERIFY(!got[0].failed);
        QCOMPARE(observed.size(), 1);
        const qint64 off = tail.offset();

        // a writer mid-append: the partial line waits
        const QByteArray full = failLine("2025-01-02T03:04:07Z");
        append(path, full.left(30));
        QVERIFY(tail.poll().isEmpty());
        QCOMPARE(tail.offset(), off);
        append(path, full.mid(30));
        got = tail.poll();
        QCOMPARE(got.size(), 1);
        QVERIFY(got[0].failed);
        QCOMPARE(got[0].durationMs, -1.0);

        // malformed lines: counted with their line number, never fatal
        QSignalSpy problems(&tail, &EvidenceTail::problem);
        append(path, "not json at all\n{\"no_action\":1}\n" + restoreLine("2025-01-02T03:04:08Z", 80)
                         + "{\"action\":\"RESTORE\",\"ts\":\"yesterday\"}\n");
        got = tail.poll();
        QCOMPARE(got.size(), 1);
        QCOMPARE(tail.malformedLines(), 3);
        QCOMPARE(problems.size(), 3);
        QVERIFY2(problems[0][0].toString().contains(QStringLiteral("line 4: not valid JSON")), qPrintable(problems[0][0].toString()));
        QVERIFY(problems[1][0].toString().contains(QStringLiteral("line 5: no \"action\" field")));
        QVERIFY2(tail.lastProblem().contains(QStringLiteral("line 7: RESTORE with an unreadable ts \"yesterday\"")),
                 qPrintable(tail.lastProblem()));
    }

    void truncationAndRotation()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("archive_ops.jsonl"));
        testutil::writeFile(path, restoreLine("2025-01-02T03:04:05Z", 100) + restoreLine("2025-01-02T03:04:06Z", 200));
        EvidenceTail tail(path);
        QSignalSpy resets(&tail, &EvidenceTail::reset);
        QCOMPARE(tail.poll().size(), 2);

        // truncated (copytruncate rotation): read again from 0
        testutil::writeFile(path, restoreLine("2025-01-02T04:00:00Z", 300));
        auto got = tail.poll();
        QCOMPARE(resets.size(), 1);
        QCOMPARE(resets[0][0].toString(), QStringLiteral("truncated"));
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].durationMs, 300.0);

        // rotated: renamed away, a new file (bigger than the old offset) appears under the name
        QVERIFY(QFile::rename(path, path + QStringLiteral(".1")));
        QVERIFY(tail.poll().isEmpty());  // between rename and re-create
        testutil::writeFile(path, restoreLine("2025-01-02T05:00:00Z", 400) + restoreLine("2025-01-02T05:00:01Z", 401)
                                      + failLine("2025-01-02T05:00:02Z"));
        got = tail.poll();
        QCOMPARE(resets.size(), 2);
        QCOMPARE(resets[1][0].toString(), QStringLiteral("rotated"));
        QCOMPARE(got.size(), 3);
        QCOMPARE(got[0].durationMs, 400.0);
        append(path, restoreLine("2025-01-02T05:00:03Z", 402));
        QCOMPARE(tail.poll().size(), 1);
        QCOMPARE(resets.size(), 2);
    }

    void pollingTimer()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("archive_ops.jsonl"));
        testutil::writeFile(path, QByteArray());
        EvidenceTail tail(path);
        QSignalSpy observed(&tail, &EvidenceTail::observed);
        tail.start(20);
        append(path, restoreLine("2025-01-02T03:04:05Z", 10));
        QVERIFY(observed.wait(5000));
        tail.stop();
    }

    void percentilesAndFailRatio()
    {
        QVector<RestoreObservation> obs;
        for (int i = 1; i <= 100; ++i)
            obs.push_back({1000LL * i, double(i), false});
        obs.push_back({50500, -1, true});
        obs.push_back({50600, -1, true});
        // nearest rank over (end - window, end]
        QCOMPARE(EvidenceTail::durationPercentile(obs, 0.99, 100000, 100000), 99.0);
        QCOMPARE(EvidenceTail::durationPercentile(obs, 0.5, 100000, 100000), 50.0);
        QCOMPARE(EvidenceTail::durationPercentile(obs, 1.0, 100000, 100000), 100.0);
        QCOMPARE(EvidenceTail::durationPercentile(obs, 0.0, 100000, 100000), 1.0);
        QCOMPARE(EvidenceTail::durationPercentile(obs, 0.5, 10000, 5000), 8.0);  // 6..10
        QVERIFY(std::isnan(EvidenceTail::durationPercentile(obs, 0.5, 500000, 1000)));
        QCOMPARE(EvidenceTail::failRatio(obs, 100000, 100000), 2.0 / 102.0);
        QCOMPARE(EvidenceTail::failRatio(obs, 51000, 1000), 2.0 / 3.0);  // 51, two fails
        QVERIFY(std::isnan(EvidenceTail::failRatio(obs, 500000, 1000)));
    }
};

QTEST_GUILESS_MAIN(TstEvidenceTail)
#include "tst_evidencetail.moc"
