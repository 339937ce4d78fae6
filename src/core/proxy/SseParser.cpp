#include "proxy/SseParser.h"

#include <cstring>

namespace codex::proxy {

namespace {
const char kBom[3] = {'\xEF', '\xBB', '\xBF'};

inline bool fieldIs(const char *name, qsizetype nameLen, const char *lit, qsizetype litLen)
{
    return nameLen == litLen && std::memcmp(name, lit, size_t(litLen)) == 0;
}
}  // namespace

SseParser::SseParser(Sink sink) : m_sink(std::move(sink)) {}

void SseParser::setSink(Sink sink) { m_sink = std::move(sink); }
void SseParser::setMaxLineBytes(qsizetype bytes) { m_maxLine = bytes > 16 ? bytes : 16; }
qsizetype SseParser::maxLineBytes() const { return m_maxLine; }

void SseParser::feed(const char *data, qsizetype size)
{
    if (size <= 0)
        return;
    m_fed += size;
    const char *p = data;
    const char *const end = data + size;

    // A UTF-8 BOM at the very start of the stream is dropped (it may arrive split over chunks;
    // the bytes matched so far wait in m_line).
    while (!m_started && p < end) {
        if (*p == kBom[m_line.size()]) {
            m_line.append(*p++);
            if (m_line.size() == 3) {
                m_line.resize(0);
                m_started = true;
            }
        } else {
            m_started = true;  // not a BOM: what was matched is ordinary line content
        }
    }

    // Positions of the next CR / LF in this chunk (end = none left), each found by one memchr
    // that is repeated only after the position was passed: scanning stays linear.
    const char *nextLf = nullptr;
    const char *nextCr = nullptr;
    while (p < end) {
        if (m_pendingCR) {
            m_pendingCR = false;
            if (*p == '\n') {
                ++p;
                continue;
            }
        }
        if (nextLf == nullptr || (nextLf != end && nextLf < p)) {
            nextLf = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
            if (!nextLf)
                nextLf = end;
        }
        if (nextCr == nullptr || (nextCr != end && nextCr < p)) {
            nextCr = static_cast<const char *>(std::memchr(p, '\r', size_t(end - p)));
            if (!nextCr)
                nextCr = end;
        }
        const char *eol = nextCr < nextLf ? nextCr : nextLf;
        const qsizetype segLen = eol - p;
        if (eol == end) {
            // No terminator in this chunk: keep the partial line (bounded).
            if (!m_discardingLine) {
                if (m_line.size() + segLen > m_maxLine) {
                    if (m_error.isEmpty())
                        m_error = QStringLiteral("line %1 longer than %2 bytes (discarded)").arg(m_lineNo + 1).arg(m_maxLine);
                    m_discardingLine = true;
                    m_line.clear();
                } else {
                    m_line.append(p, segLen);
                }
            }
            break;
        }
        // A complete line [p, eol).
        ++m_lineNo;
        if (m_discardingLine) {
            m_discardingLine = false;
        } else if (!m_line.isEmpty()) {
            if (m_line.size() + segLen > m_maxLine) {
                if (m_error.isEmpty())
                    m_error = QStringLiteral("line %1 longer than %2 bytes (discarded)").arg(m_lineNo).arg(m_maxLine);
            } else {
                m_line.append(p, segLen);
                processLine(m_line.constData(), m_line.size());
            }
            m_line.resize(0);
        } else if (segLen > m_maxLine) {
            if (m_error.isEmpty())
                m_error = QStringLiteral("line %1 longer than %2 bytes (discarded)").arg(m_lineNo).arg(m_maxLine);
        } else {
            processLine(p, segLen);
        }
        if (*eol == '\r') {
            if (eol + 1 < end) {
                p = eol + (eol[1] == '\n' ? 2 : 1);
            } else {
                p = eol + 1;
                m_pendingCR = true;  // an LF may follow in the next chunk
            }
        } else {
            p = eol + 1;
        }
    }
}

void SseParser::processLine(const char *line, qsizetype len)
{
    if (len == 0) {
        dispatch();
        return;
    }
    if (line[0] == ':') {
        ++m_comments;
        return;
    }
    const char *colon = static_cast<const char *>(std::memchr(line, ':', size_t(len)));
    const qsizetype nameLen = colon ? colon - line : len;
    const char *value = colon ? colon + 1 : line + len;
    qsizetype valueLen = line + len - value;
    if (valueLen > 0 && *value == ' ') {
        ++value;
        --valueLen;
    }
    if (fieldIs(line, nameLen, "data", 4)) {
        if (m_hasData) {
            if (m_data.size() + valueLen + 1 > m_maxLine) {
                if (m_error.isEmpty())
                    m_error = QStringLiteral("event data at line %1 longer than %2 bytes (discarded)").arg(m_lineNo).arg(m_maxLine);
                return;
            }
            m_data.append('\n');
            m_data.append(value, valueLen);
        } else {
            m_data = QByteArray(value, valueLen);
            m_hasData = true;
        }
    } else if (fieldIs(line, nameLen, "event", 5)) {
        // Event names repeat: share the previous buffer instead of allocating a new one.
        if (m_lastEventName.size() == valueLen && std::memcmp(m_lastEventName.constData(), value, size_t(valueLen)) == 0) {
            m_event = m_lastEventName;
        } else {
            m_lastEventName = QByteArray(value, valueLen);
            m_event = m_lastEventName;
        }
    } else if (fieldIs(line, nameLen, "id", 2)) {
        if (!std::memchr(value, '\0', size_t(valueLen)))
            m_id = QByteArray(value, valueLen);
    } else if (fieldIs(line, nameLen, "retry", 5)) {
        bool digits = valueLen > 0 && valueLen <= 9;
        int v = 0;
        for (qsizetype i = 0; digits && i < valueLen; ++i) {
            if (value[i] < '0' || value[i] > '9')
                digits = false;
            else
                v = v * 10 + (value[i] - '0');
        }
        if (digits)
            m_retry = v;
    }
    // Other fields are ignored (WHATWG).
}

void SseParser::dispatch()
{
    if (!m_hasData) {
        m_event.clear();
        return;
    }
    SseEvent ev;
    ev.event = m_event;
    ev.data = std::move(m_data);
    ev.id = m_id;
    ev.retryMs = m_retry;
    ev.index = m_events++;
    m_data = QByteArray();
    m_hasData = false;
    m_event = QByteArray();
    if (ev.isDone())
        m_sawDone = true;
    if (m_sink)
        m_sink(std::move(ev));
    else
        m_queue.push_back(std::move(ev));
}

void SseParser::finish()
{
    if (!m_line.isEmpty() || m_discardingLine || m_hasData || !m_event.isEmpty())
        m_pendingAtEnd = true;
    m_line.clear();
    m_discardingLine = false;
    m_data = QByteArray();
    m_hasData = false;
    m_event = QByteArray();
    m_pendingCR = false;
}

std::vector<SseEvent> SseParser::take()
{
    std::vector<SseEvent> out;
    out.swap(m_queue);
    return out;
}

int SseParser::eventCount() const { return m_events; }
int SseParser::commentCount() const { return m_comments; }
bool SseParser::sawDone() const { return m_sawDone; }
bool SseParser::pendingAtEnd() const { return m_pendingAtEnd; }
QString SseParser::error() const { return m_error; }
qint64 SseParser::bytesFed() const { return m_fed; }

void SseParser::reset()
{
    m_queue.clear();
    m_line.clear();
    m_event.clear();
    m_data.clear();
    m_id.clear();
    m_lastEventName.clear();
    m_hasData = m_pendingCR = m_started = m_discardingLine = m_pendingAtEnd = m_sawDone = false;
    m_retry = -1;
    m_events = m_comments = 0;
    m_lineNo = 0;
    m_fed = 0;
    m_error.clear();
}

}  // namespace codex::proxy
