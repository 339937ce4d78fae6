#pragma once

#include <QByteArray>
#include <QString>

#include <functional>
#include <vector>

namespace codex::proxy {

/// One Server-Sent Event (WHATWG "event stream" rules): `event:` name ("message" when absent),
/// `data:` lines joined with "\n", `id:`, `retry:`.
struct SseEvent {
    QByteArray event;     ///< empty = unnamed ("message")
    QByteArray data;
    QByteArray id;
    int retryMs = -1;
    int index = 0;        ///< 0-based position in the stream
    qint64 atNs = 0;      ///< set by the caller (EndpointCall): time since the request started
    bool isDone() const { return data == "[DONE]"; }
};

/// Incremental SSE parser: feed() any chunk boundaries (inside a line, between CR and LF, inside
/// a UTF-8 sequence), CRLF / LF / CR line ends, multi-line `data:`, `:` comments, a BOM at the
/// start. Bounded: a line longer than maxLineBytes() is an error (reported once, the line
/// discarded) so an endless line cannot eat memory. Fast path: no per-byte allocations; the
/// benchmark target is ≥ 200 MB/s.
class SseParser {
public:
    using Sink = std::function<void(SseEvent &&)>;

    explicit SseParser(Sink sink = {});
    void setSink(Sink sink);
    void setMaxLineBytes(qsizetype bytes);  ///< default 8 MiB
    qsizetype maxLineBytes() const;

    void feed(const char *data, qsizetype size);
    void feed(const QByteArray &chunk) { feed(chunk.constData(), chunk.size()); }
    /// End of stream: an event whose blank line never came is NOT dispatched (WHATWG), but is
    /// reported: pendingAtEnd() says the stream was cut mid-event.
    void finish();

    /// Without a sink, events queue here.
    std::vector<SseEvent> take();

    int eventCount() const;
    int commentCount() const;
    bool sawDone() const;           ///< a `data: [DONE]` event
    bool pendingAtEnd() const;      ///< finish() found a partial line or an undispatched event
    QString error() const;          ///< e.g. "line 12 longer than 8388608 bytes (discarded)"
    qint64 bytesFed() const;
    void reset();

private:
    void processLine(const char *line, qsizetype len);
    void dispatch();

    Sink m_sink;
    std::vector<SseEvent> m_queue;
    QByteArray m_line;       // partial line across chunks
    QByteArray m_event, m_data, m_id;
    QByteArray m_lastEventName;  // shared with m_event when a name repeats (no allocation)
    bool m_hasData = false;
    bool m_pendingCR = false;
    bool m_started = false;  // BOM check done
    bool m_discardingLine = false;
    bool m_pendingAtEnd = false;
    bool m_sawDone = false;
    int m_retry = -1;
    int m_events = 0;
    int m_comments = 0;
    qint64 m_lineNo = 0;
    qint64 m_fed = 0;
    qsizetype m_maxLine = 8 * 1024 * 1024;
    QString m_error;
};

}  // namespace codex::proxy
