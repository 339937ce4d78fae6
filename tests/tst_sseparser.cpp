// SseParser: WHATWG event-stream rules with arbitrary chunk boundaries, bounded lines.
#include "proxy/SseParser.h"

#include <QtTest/QtTest>

using codex::proxy::SseEvent;
using codex::proxy::SseParser;

namespace {

struct Parsed {
    std::vector<SseEvent> events;
    int comments = 0;
    bool done = false;
    bool pending = false;
    QString error;
};

Parsed parseChunks(const QList<QByteArray> &chunks)
{
    SseParser p;
    for (const QByteArray &c : chunks)
        p.feed(c);
    p.finish();
    return {p.take(), p.commentCount(), p.sawDone(), p.pendingAtEnd(), p.error()};
}

Parsed parseBytewise(const QByteArray &stream)
{
    QList<QByteArray> chunks;
    for (char ch : stream)
        chunks.append(QByteArray(1, ch));
    return parseChunks(chunks);
}

QString describe(const std::vector<SseEvent> &events)
{
    QString s;
    for (const SseEvent &e : events)
        s += QStringLiteral("[%1|%2|%3|%4|%5]").arg(QString::fromUtf8(e.event), QString::fromUtf8(e.data), QString::fromUtf8(e.id))
                 .arg(e.retryMs).arg(e.index);
    return s;
}

const QByteArray kChat =
    "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"finish_reason\":null}]}\n\n"
    "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\xc3\xa4lo\"},\"finish_reason\":null}]}\n\n"
    ": keep-alive\n\n"
    "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: [DONE]\n\n";

const QByteArray kResponses =
    "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\"}}\n\n"
    "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n"
    "id: 7\nretry: 1500\nevent: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\n"
    "data: \"delta\":\" there\"}\n\n"
    "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\"}}\n\n";

}  // namespace

class TestSseParser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void basicChat()
    {
        const Parsed r = parseChunks({kChat});
        QCOMPARE(int(r.events.size()), 4);
        QCOMPARE(r.comments, 1);
        QVERIFY(r.done);
        QVERIFY(!r.pending);
        QVERIFY(r.events[3].isDone());
        QCOMPARE(r.events[0].index, 0);
        QCOMPARE(r.events[3].index, 3);
        QVERIFY(r.events[1].data.contains("Hel\xc3\xa4lo"));
        QVERIFY(r.events[0].event.isEmpty());
    }

    void namesIdRetryMultiline()
    {
        const Parsed r = parseChunks({kResponses});
        QCOMPARE(int(r.events.size()), 4);
        QCOMPARE(r.events[0].event, QByteArray("response.created"));
        QCOMPARE(r.events[2].data, QByteArray("{\"type\":\"response.output_text.delta\",\n\"delta\":\" there\"}"));
        QCOMPARE(r.events[2].id, QByteArray("7"));
        QCOMPARE(r.events[2].retryMs, 1500);
        // The last event id persists (WHATWG), the event name does not.
        QCOMPARE(r.events[3].id, QByteArray("7"));
        QCOMPARE(r.events[1].id, QByteArray());
        QCOMPARE(r.events[3].event, QByteArray("response.completed"));
        QVERIFY(!r.done);
    }

    void everySplitPoint_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::newRow("chat LF") << kChat;
        QTest::newRow("responses LF") << kResponses;
        QByteArray crlf = kResponses;
        crlf.replace("\n", "\r\n");
        QTest::newRow("responses CRLF") << crlf;
        QByteArray cr = kChat;
        cr.replace("\n", "\r");
        QTest::newRow("chat CR") << cr;
        QByteArray mixed = kResponses;
        mixed.replace("\n\n", "\r\n\r");
        QTest::newRow("mixed") << mixed;
    }

    void everySplitPoint()
    {
        QFETCH(QByteArray, stream);
        const Parsed whole = parseChunks({stream});
        QVERIFY(!whole.events.empty());
        const QString expected = describe(whole.events);
        // Every two-chunk split.
        for (int i = 0; i <= stream.size(); ++i) {
            const Parsed r = parseChunks({stream.left(i), stream.mid(i)});
            QVERIFY2(describe(r.events) == expected, qPrintable(QStringLiteral("split at %1").arg(i)));
            QCOMPARE(r.comments, whole.comments);
            QVERIFY(!r.pending);
        }
        // Every three-chunk split for small offsets around line ends.
        for (int i = 1; i < stream.size(); i += 7)
            for (int j = i; j <= stream.size(); j += 5) {
                const Parsed r = parseChunks({stream.left(i), stream.mid(i, j - i), stream.mid(j)});
                QVERIFY2(describe(r.events) == expected, qPrintable(QStringLiteral("split at %1,%2").arg(i).arg(j)));
            }
        const Parsed bytes = parseBytewise(stream);
        QCOMPARE(describe(bytes.events), expected);
    }

    void crLfSplitAcrossChunks()
    {
        // "\r" at the end of one chunk and "\n" at the start of the next is ONE line end.
        const Parsed r = parseChunks({"data: a\r", "\ndata: b\r", "\n\r", "\n"});
        QCOMPARE(int(r.events.size()), 1);
        QCOMPARE(r.events[0].data, QByteArray("a\nb"));
        // "\r" then "\r": two line ends (the second one dispatches).
        const Parsed r2 = parseChunks({"data: x\r", "\r"});
        QCOMPARE(int(r2.events.size()), 1);
        QCOMPARE(r2.events[0].data, QByteArray("x"));
    }

    void bom()
    {
        const Parsed r = parseChunks({"\xEF\xBB\xBF" "data: x\n\n"});
        QCOMPARE(int(r.events.size()), 1);
        QCOMPARE(r.events[0].data, QByteArray("x"));
        const Parsed split = parseChunks({"\xEF", "\xBB", "\xBF" "data: y\n\n"});
        QCOMPARE(int(split.events.size()), 1);
        QCOMPARE(split.events[0].data, QByteArray("y"));
        // A BOM later in the stream is content, not stripped; a partial BOM is content too.
        const Parsed notBom = parseChunks({"\xEF\xBB" "x: 1\ndata: z\n\n"});
        QCOMPARE(int(notBom.events.size()), 1);
        QCOMPARE(notBom.events[0].data, QByteArray("z"));
    }

    void fieldRules()
    {
        const Parsed r = parseChunks({"data\n\n"          // no colon: empty data line -> event with empty data
                                      "data:nospace\n\n"  // no space after colon
                                      "data:  two\n\n"    // only one space is removed
                                      "event: only-name\n\n"  // no data: not dispatched
                                      "unknown: x\ndata: u\n\n"
                                      "retry: 12a\ndata: r\n\n"  // retry with non-digits ignored
                                      ":comment only\n\n"
                                      "data: [DONE]\n\n"});
        QCOMPARE(int(r.events.size()), 6);
        QCOMPARE(r.events[0].data, QByteArray());
        QCOMPARE(r.events[1].data, QByteArray("nospace"));
        QCOMPARE(r.events[2].data, QByteArray(" two"));
        QCOMPARE(r.events[3].data, QByteArray("u"));
        QCOMPARE(r.events[3].event, QByteArray());  // the name of the undispatched event was reset
        QCOMPARE(r.events[4].retryMs, -1);
        QVERIFY(r.events[5].isDone());
        QVERIFY(r.done);
        QCOMPARE(r.comments, 1);
    }

    void cutMidEvent()
    {
        const Parsed r = parseChunks({"data: one\n\ndata: {\"partial\":"});
        QCOMPARE(int(r.events.size()), 1);
        QVERIFY(r.pending);
        const Parsed r2 = parseChunks({"data: one\n\ndata: two\n"});  // data line complete, no blank line
        QCOMPARE(int(r2.events.size()), 1);
        QVERIFY(r2.pending);
        const Parsed r3 = parseChunks({"data: one\n\n"});
        QVERIFY(!r3.pending);
    }

    void overlongLine()
    {
        SseParser p;
        p.setMaxLineBytes(1024);
        p.feed("data: ok\n\n");
        const QByteArray big(600, 'x');
        p.feed("data: ");
        for (int i = 0; i < 10000; ++i)  // 6 MB without a line end
            p.feed(big);
        p.feed("\n\ndata: after\n\n");
        p.finish();
        const auto events = p.take();
        QCOMPARE(int(events.size()), 2);
        QCOMPARE(events[0].data, QByteArray("ok"));
        QCOMPARE(events[1].data, QByteArray("after"));
        QVERIFY(p.error().contains(QLatin1String("line 3 longer than 1024 bytes")));
        QVERIFY(!p.pendingAtEnd());

        // A complete over-long line inside one chunk is discarded too.
        SseParser q;
        q.setMaxLineBytes(64);
        q.feed("data: " + QByteArray(100, 'y') + "\n\ndata: fine\n\n");
        q.finish();
        const auto ev = q.take();
        QCOMPARE(int(ev.size()), 1);
        QCOMPARE(ev[0].data, QByteArray("fine"));
        QVERIFY(!q.error().isEmpty());

        // Many data lines without a blank line are bounded as well.
        SseParser m;
        m.setMaxLineBytes(100);
        for (int i = 0; i < 1000; ++i)
            m.feed("data: 0123456789\n");
        QVERIFY(m.error().contains(QLatin1String("event data")));
    }

    void sinkAndCounters()
    {
        int got = 0;
        SseParser p([&got](SseEvent &&e) {
            QCOMPARE(e.index, got);
            ++got;
        });
        p.feed(kChat);
        p.finish();
        QCOMPARE(got, 4);
        QCOMPARE(p.eventCount(), 4);
        QVERIFY(p.take().empty());
        QCOMPARE(p.bytesFed(), qint64(kChat.size()));
        p.reset();
        QCOMPARE(p.eventCount(), 0);
        QVERIFY(!p.sawDone());
    }
};

QTEST_GUILESS_MAIN(TestSseParser)
#include "tst_sseparser.moc"
