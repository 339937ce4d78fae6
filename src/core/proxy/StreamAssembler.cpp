#include "proxy/StreamAssembler.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>

namespace codex::proxy {

namespace {

/// Parses any JSON value (wrapped in an array so scalars work too); offset is into `text`.
bool parseAnyJson(const QString &text, QString *error, int *offset)
{
    if (text.trimmed().isEmpty()) {
        if (error)
            *error = QStringLiteral("empty text");
        if (offset)
            *offset = 0;
        return false;
    }
    QJsonParseError pe;
    const QByteArray utf8 = '[' + text.toUtf8() + ']';
    QJsonDocument::fromJson(utf8, &pe);
    if (pe.error == QJsonParseError::NoError)
        return true;
    if (error)
        *error = pe.errorString();
    if (offset)
        *offset = qBound(0, pe.offset - 1, int(utf8.size() - 2));
    return false;
}

QJsonObject errorObjectFrom(const QJsonValue &v)
{
    if (v.isObject())
        return v.toObject();
    if (v.isString())
        return QJsonObject{{QStringLiteral("message"), v.toString()}};
    return {};
}

const QLatin1String kKnownResponsesEvents[] = {
    QLatin1String("response.created"), QLatin1String("response.in_progress"), QLatin1String("response.queued"),
    QLatin1String("response.output_item.added"), QLatin1String("response.output_item.done"),
    QLatin1String("response.content_part.added"), QLatin1String("response.content_part.done"),
    QLatin1String("response.output_text.delta"), QLatin1String("response.output_text.done"),
    QLatin1String("response.output_text.annotation.added"),
    QLatin1String("response.function_call_arguments.delta"), QLatin1String("response.function_call_arguments.done"),
    QLatin1String("response.reasoning_summary_part.added"), QLatin1String("response.reasoning_summary_part.done"),
    QLatin1String("response.reasoning_summary_text.delta"), QLatin1String("response.reasoning_summary_text.done"),
    QLatin1String("response.reasoning_text.delta"), QLatin1String("response.reasoning_text.done"),
    QLatin1String("response.refusal.delta"), QLatin1String("response.refusal.done"),
    QLatin1String("response.completed"), QLatin1String("response.failed"), QLatin1String("response.incomplete"),
    QLatin1String("error"),
};

}  // namespace

// ---- ToolCall ----------------------------------------------------------------------------------

bool ToolCall::argumentsValid() const
{
    return parseAnyJson(arguments, nullptr, nullptr);
}

QString ToolCall::argumentsError() const
{
    QString err;
    int offset = 0;
    if (parseAnyJson(arguments, &err, &offset))
        return {};
    const QString who = id.isEmpty() ? QStringLiteral("'%1'").arg(name) : QStringLiteral("'%1' (%2)").arg(name, id);
    if (arguments.trimmed().isEmpty())
        return QStringLiteral("arguments of tool call %1 are empty, not valid JSON").arg(who);
    return QStringLiteral("arguments of tool call %1 are not valid JSON: %2 at offset %3").arg(who, err).arg(offset);
}

// ---- StreamAssembler ---------------------------------------------------------------------------

void StreamAssembler::reset()
{
    *this = StreamAssembler();
}

void StreamAssembler::addProblem(const QString &p)
{
    if (m_problems.size() < 100)
        m_problems.append(p);
}

void StreamAssembler::noteToken(qint64 atNs)
{
    if (m_firstTokenNs < 0 && atNs >= 0)
        m_firstTokenNs = atNs;
}

void StreamAssembler::appendBounded(QString &target, QStringView piece)
{
    if (piece.isEmpty())
        return;
    const qsizetype room = maxTextChars() - target.size();
    if (piece.size() <= room) {
        target.append(piece);
        return;
    }
    if (room > 0)
        target.append(piece.left(room));
    m_truncated = true;
}

void StreamAssembler::addContent(const QString &piece)
{
    static const QString kOpen[] = {QStringLiteral("<reasoning>"), QStringLiteral("<thinking>")};
    QString buf = m_tagPending.isEmpty() ? piece : m_tagPending + piece;
    m_tagPending.clear();
    const QStringView all(buf);
    qsizetype i = 0;
    while (i < buf.size()) {
        if (m_openTag.isEmpty()) {
            const qsizetype lt = buf.indexOf(QLatin1Char('<'), i);
            if (lt < 0) {
                appendBounded(m_text, all.mid(i));
                break;
            }
            appendBounded(m_text, all.mid(i, lt - i));
            const QStringView rest = all.mid(lt);
            bool matched = false, partial = false;
            for (const QString &tag : kOpen) {
                if (rest.startsWith(tag)) {
                    m_openTag = tag.mid(1, tag.size() - 2);
                    i = lt + tag.size();
                    matched = true;
                    break;
                }
                if (rest.size() < tag.size() && QStringView(tag).startsWith(rest))
                    partial = true;
            }
            if (matched)
                continue;
            if (partial) {
                m_tagPending = rest.toString();
                break;
            }
            appendBounded(m_text, u"<");
            i = lt + 1;
        } else {
            const QString close = QStringLiteral("</") + m_openTag + QLatin1Char('>');
            const qsizetype c = buf.indexOf(close, i);
            if (c >= 0) {
                appendBounded(m_reasoning, all.mid(i, c - i));
                i = c + close.size();
                m_openTag.clear();
                continue;
            }
            qsizetype keep = 0;
            for (qsizetype k = qMin(close.size() - 1, buf.size() - i); k > 0; --k) {
                if (QStringView(close).startsWith(all.right(k))) {
                    keep = k;
                    break;
                }
            }
            appendBounded(m_reasoning, all.mid(i, buf.size() - i - keep));
            m_tagPending = all.right(keep).toString();
            break;
        }
    }
}

ToolCall &StreamAssembler::callFor(const QJsonObject &o, bool create)
{
    const int outIndex = o.contains(QStringLiteral("output_index")) ? o.value(QStringLiteral("output_index")).toInt(-1) : -1;
    QString itemId = o.value(QStringLiteral("item_id")).toString();
    const QJsonObject item = o.value(QStringLiteral("item")).toObject();
    if (itemId.isEmpty())
        itemId = item.value(QStringLiteral("id")).toString();
    for (int i = 0; i < m_calls.size(); ++i) {
        const auto &key = m_callKeys[i];
        if ((outIndex >= 0 && key.first == outIndex) || (!itemId.isEmpty() && key.second == itemId))
            return m_calls[i];
    }
    // A call_id we know (output_item.done without indexes).
    const QString callId = item.value(QStringLiteral("call_id")).toString();
    if (!callId.isEmpty())
        for (ToolCall &c : m_calls)
            if (c.id == callId)
                return c;
    if (!create && !m_calls.isEmpty() && outIndex < 0 && itemId.isEmpty())
        return m_calls.last();
    ToolCall c;
    c.index = outIndex >= 0 ? outIndex : int(m_calls.size());
    m_calls.append(c);
    m_callKeys.append({outIndex, itemId});
    return m_calls.last();
}

void StreamAssembler::addEvent(const SseEvent &event, qint64 atNs)
{
    if (atNs < 0)
        atNs = event.atNs;
    const int no = m_eventNo++;
    if (event.isDone()) {
        m_sawDone = true;
        if (m_shape == WireShape::Unknown)
            m_shape = WireShape::ChatCompletion;
        return;
    }
    if (event.data.isEmpty()) {
        ++m_unknown;
        return;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(event.data, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        const QString why = pe.error != QJsonParseError::NoError
                                ? QStringLiteral("%1 at offset %2").arg(pe.errorString()).arg(pe.offset)
                                : QStringLiteral("not a JSON object");
        addProblem(QStringLiteral("event %1: data is not JSON: %2").arg(no).arg(why));
        ++m_unknown;
        return;
    }
    const QJsonObject o = doc.object();
    QString type = o.value(QStringLiteral("type")).toString();
    if (type.isEmpty())
        type = QString::fromUtf8(event.event);
    if (type.startsWith(QLatin1String("response.")) || (type == QLatin1String("error") && m_shape == WireShape::Responses)) {
        m_shape = WireShape::Responses;
        takeResponsesEvent(type, o, atNs);
        return;
    }
    if (o.contains(QStringLiteral("error")) && !o.contains(QStringLiteral("choices"))) {
        m_error = errorObjectFrom(o.value(QStringLiteral("error")));
        if (m_error.isEmpty())
            m_error = QJsonObject{{QStringLiteral("message"), QStringLiteral("error frame without details")}};
        return;
    }
    if (type == QLatin1String("error")) {
        m_error = o;
        return;
    }
    if (o.value(QStringLiteral("object")).toString() == QLatin1String("chat.completion.chunk") || o.contains(QStringLiteral("choices"))) {
        m_shape = WireShape::ChatCompletion;
        takeChatChunk(o, atNs);
        return;
    }
    ++m_unknown;
}

void StreamAssembler::takeChatChunk(const QJsonObject &o, qint64 atNs)
{
    m_final = o;
    if (const QString m = o.value(QStringLiteral("model")).toString(); !m.isEmpty())
        m_model = m;
    if (const QString id = o.value(QStringLiteral("id")).toString(); !id.isEmpty())
        m_responseId = id;
    if (o.value(QStringLiteral("usage")).isObject())
        m_usage = o.value(QStringLiteral("usage")).toObject();
    const QJsonArray choices = o.value(QStringLiteral("choices")).toArray();
    for (const QJsonValue &cv : choices) {
        const QJsonObject choice = cv.toObject();
        if (choice.value(QStringLiteral("index")).toInt(0) != 0)
            continue;  // the tester shows the first choice
        const QJsonObject delta = choice.value(QStringLiteral("delta")).toObject();
        const QString content = delta.value(QStringLiteral("content")).toString();
        if (!content.isEmpty()) {
            addContent(content);
            ++m_deltas;
            ++m_textDeltas;
            noteToken(atNs);
        }
        for (const char *rk : {"reasoning_content", "reasoning"}) {
            const QString r = delta.value(QLatin1String(rk)).toString();
            if (!r.isEmpty()) {
                appendBounded(m_reasoning, r);
                noteToken(atNs);
            }
        }
        const QJsonArray tcs = delta.value(QStringLiteral("tool_calls")).toArray();
        for (const QJsonValue &tv : tcs) {
            const QJsonObject tc = tv.toObject();
            const int index = tc.value(QStringLiteral("index")).toInt(0);
            ToolCall *call = nullptr;
            for (ToolCall &c : m_calls)
                if (c.index == index)
                    call = &c;
            if (!call) {
                ToolCall c;
                c.index = index;
                m_calls.append(c);
                m_callKeys.append({index, QString()});
                call = &m_calls.last();
            }
            if (const QString id = tc.value(QStringLiteral("id")).toString(); !id.isEmpty())
                call->id = id;
            const QJsonObject fn = tc.value(QStringLiteral("function")).toObject();
            if (const QString n = fn.value(QStringLiteral("name")).toString(); !n.isEmpty())
                call->name = n;
            const QString args = fn.value(QStringLiteral("arguments")).toString();
            if (!args.isEmpty()) {
                if (call->arguments.size() + args.size() > maxTextChars())
                    m_truncated = true;
                else
                    call->arguments += args;
                ++m_deltas;
            }
            noteToken(atNs);
        }
        const QJsonValue fr = choice.value(QStringLiteral("finish_reason"));
        if (fr.isString())
            m_finish = fr.toString();
    }
}

void StreamAssembler::takeResponsesEvent(const QString &type, const QJsonObject &o, qint64 atNs)
{
    bool known = false;
    for (const QLatin1String &k : kKnownResponsesEvents)
        if (type == k)
            known = true;
    if (!known) {
        ++m_unknown;
        return;
    }
    if (type == QLatin1String("response.created") || type == QLatin1String("response.in_progress") || type == QLatin1String("response.queued")) {
        const QJsonObject r = o.value(QStringLiteral("response")).toObject();
        if (const QString id = r.value(QStringLiteral("id")).toString(); !id.isEmpty())
            m_responseId = id;
        if (const QString m = r.value(QStringLiteral("model")).toString(); !m.isEmpty())
            m_model = m;
        if (!r.isEmpty())
            m_final = r;
    } else if (type == QLatin1String("response.output_text.delta")) {
        const QString d = o.value(QStringLiteral("delta")).toString();
        if (!d.isEmpty()) {
            addContent(d);
            ++m_deltas;
            ++m_textDeltas;
            noteToken(atNs);
        }
    } else if (type == QLatin1String("response.output_text.done")) {
        if (m_textDeltas == 0)
            addContent(o.value(QStringLiteral("text")).toString());
    } else if (type == QLatin1String("response.reasoning_summary_text.delta") || type == QLatin1String("response.reasoning_text.delta")) {
        const QString d = o.value(QStringLiteral("delta")).toString();
        appendBounded(m_reasoning, d);
        if (!d.isEmpty())
            noteToken(atNs);
    } else if (type == QLatin1String("response.output_item.added") || type == QLatin1String("response.output_item.done")) {
        const QJsonObject item = o.value(QStringLiteral("item")).toObject();
        if (item.value(QStringLiteral("type")).toString() == QLatin1String("function_call")) {
            ToolCall &c = callFor(o, true);
            if (const QString id = item.value(QStringLiteral("call_id")).toString(); !id.isEmpty())
                c.id = id;
            if (const QString n = item.value(QStringLiteral("name")).toString(); !n.isEmpty())
                c.name = n;
            const QString args = item.value(QStringLiteral("arguments")).toString();
            if (!args.isEmpty() && (type == QLatin1String("response.output_item.done") || c.arguments.isEmpty()))
                c.arguments = args.left(maxTextChars());
            if (type == QLatin1String("response.output_item.added"))
                noteToken(atNs);
        }
    } else if (type == QLatin1String("response.function_call_arguments.delta")) {
        ToolCall &c = callFor(o, false);
        const QString d = o.value(QStringLiteral("delta")).toString();
        if (c.arguments.size() + d.size() > maxTextChars())
            m_truncated = true;
        else
            c.arguments += d;
        ++m_deltas;
        noteToken(atNs);
    } else if (type == QLatin1String("response.function_call_arguments.done")) {
        ToolCall &c = callFor(o, false);
        if (o.value(QStringLiteral("arguments")).isString())
            c.arguments = o.value(QStringLiteral("arguments")).toString().left(maxTextChars());
        if (const QString n = o.value(QStringLiteral("name")).toString(); !n.isEmpty() && c.name.isEmpty())
            c.name = n;
    } else if (type == QLatin1String("response.completed")) {
        m_sawCompleted = true;
        m_finish = QStringLiteral("completed");
        takeResponseObject(o.value(QStringLiteral("response")).toObject());
    } else if (type == QLatin1String("response.failed")) {
        m_finish = QStringLiteral("failed");
        const QJsonObject r = o.value(QStringLiteral("response")).toObject();
        takeResponseObject(r);
        m_error = errorObjectFrom(r.value(QStringLiteral("error")));
        if (m_error.isEmpty())
            m_error = QJsonObject{{QStringLiteral("message"), QStringLiteral("response.failed without an error object")}};
    } else if (type == QLatin1String("response.incomplete")) {
        m_finish = QStringLiteral("incomplete");
        takeResponseObject(o.value(QStringLiteral("response")).toObject());
    } else if (type == QLatin1String("error")) {
        m_error = o.contains(QStringLiteral("error")) ? errorObjectFrom(o.value(QStringLiteral("error"))) : o;
    }
    // content_part.*, annotations, refusal, reasoning parts: known, nothing to assemble.
}

void StreamAssembler::takeResponseObject(const QJsonObject &r)
{
    if (r.isEmpty())
        return;
    m_final = r;
    if (const QString id = r.value(QStringLiteral("id")).toString(); !id.isEmpty())
        m_responseId = id;
    if (const QString m = r.value(QStringLiteral("model")).toString(); !m.isEmpty())
        m_model = m;
    if (r.value(QStringLiteral("usage")).isObject())
        m_usage = r.value(QStringLiteral("usage")).toObject();
    const bool haveText = m_textDeltas > 0 || !m_text.isEmpty();
    const bool haveReasoning = !m_reasoning.isEmpty();
    const QJsonArray output = r.value(QStringLiteral("output")).toArray();
    int outIndex = 0;
    for (const QJsonValue &iv : output) {
        const QJsonObject item = iv.toObject();
        const QString t = item.value(QStringLiteral("type")).toString();
        if (t == QLatin1String("message") && !haveText) {
            for (const QJsonValue &pv : item.value(QStringLiteral("content")).toArray()) {
                const QJsonObject part = pv.toObject();
                if (part.value(QStringLiteral("type")).toString() == QLatin1String("output_text"))
                    addContent(part.value(QStringLiteral("text")).toString());
            }
        } else if (t == QLatin1String("reasoning") && !haveReasoning) {
            for (const QJsonValue &sv : item.value(QStringLiteral("summary")).toArray())
                appendBounded(m_reasoning, sv.toObject().value(QStringLiteral("text")).toString());
        } else if (t == QLatin1String("function_call")) {
            const QString callId = item.value(QStringLiteral("call_id")).toString();
            bool known = false;
            for (ToolCall &c : m_calls) {
                if (!callId.isEmpty() && c.id == callId) {
                    known = true;
                    if (c.name.isEmpty())
                        c.name = item.value(QStringLiteral("name")).toString();
                    if (c.arguments.isEmpty())
                        c.arguments = item.value(QStringLiteral("arguments")).toString().left(maxTextChars());
                }
            }
            if (!known) {
                ToolCall c;
                c.index = outIndex;
                c.id = callId;
                c.name = item.value(QStringLiteral("name")).toString();
                c.arguments = item.value(QStringLiteral("arguments")).toString().left(maxTextChars());
                m_calls.append(c);
                m_callKeys.append({outIndex, item.value(QStringLiteral("id")).toString()});
            }
        }
        ++outIndex;
    }
}

void StreamAssembler::setBody(const QByteArray &json)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError) {
        addProblem(QStringLiteral("body is not JSON: %1 at offset %2").arg(pe.errorString()).arg(pe.offset));
        return;
    }
    if (!doc.isObject()) {
        addProblem(QStringLiteral("body is JSON but not an object"));
        return;
    }
    const QJsonObject o = doc.object();
    m_final = o;
    if (o.contains(QStringLiteral("error")) && !o.value(QStringLiteral("error")).isNull())
        m_error = errorObjectFrom(o.value(QStringLiteral("error")));
    const QString type = o.value(QStringLiteral("type")).toString();
    const QString object = o.value(QStringLiteral("object")).toString();
    if (type.startsWith(QLatin1String("response.")) && o.value(QStringLiteral("response")).isObject()) {
        // fork / legacy: the last SSE event's JSON
        m_shape = WireShape::Responses;
        const QJsonObject r = o.value(QStringLiteral("response")).toObject();
        takeResponseObject(r);
        if (type == QLatin1String("response.completed")) {
            m_sawCompleted = true;
            m_finish = QStringLiteral("completed");
        } else if (type == QLatin1String("response.failed")) {
            m_finish = QStringLiteral("failed");
            m_error = errorObjectFrom(r.value(QStringLiteral("error")));
            if (m_error.isEmpty())
                m_error = QJsonObject{{QStringLiteral("message"), QStringLiteral("response.failed without an error object")}};
        } else if (type == QLatin1String("response.incomplete")) {
            m_finish = QStringLiteral("incomplete");
        } else {
            m_finish = r.value(QStringLiteral("status")).toString();
        }
    } else if (object == QLatin1String("response") || o.value(QStringLiteral("output")).isArray()) {
        // current: the response object itself
        m_shape = WireShape::Responses;
        takeResponseObject(o);
        m_finish = o.value(QStringLiteral("status")).toString();
        if (m_finish == QLatin1String("completed"))
            m_sawCompleted = true;
        if (m_finish == QLatin1String("failed") && m_error.isEmpty())
            m_error = QJsonObject{{QStringLiteral("message"), QStringLiteral("response status \"failed\"")}};
    } else if (object == QLatin1String("chat.completion") || o.value(QStringLiteral("choices")).isArray()) {
        m_shape = WireShape::ChatCompletion;
        if (const QString m = o.value(QStringLiteral("model")).toString(); !m.isEmpty())
            m_model = m;
        m_responseId = o.value(QStringLiteral("id")).toString();
        if (o.value(QStringLiteral("usage")).isObject())
            m_usage = o.value(QStringLiteral("usage")).toObject();
        const QJsonArray choices = o.value(QStringLiteral("choices")).toArray();
        if (!choices.isEmpty()) {
            const QJsonObject choice = choices.first().toObject();
            const QJsonObject msg = choice.value(QStringLiteral("message")).toObject();
            addContent(msg.value(QStringLiteral("content")).toString());
            for (const char *rk : {"reasoning_content", "reasoning"})
                appendBounded(m_reasoning, msg.value(QLatin1String(rk)).toString());
            int i = 0;
            for (const QJsonValue &tv : msg.value(QStringLiteral("tool_calls")).toArray()) {
                const QJsonObject tc = tv.toObject();
                const QJsonObject fn = tc.value(QStringLiteral("function")).toObject();
                ToolCall c;
                c.index = tc.value(QStringLiteral("index")).toInt(i);
                c.id = tc.value(QStringLiteral("id")).toString();
                c.name = fn.value(QStringLiteral("name")).toString();
                const QJsonValue args = fn.value(QStringLiteral("arguments"));
                // Arguments are JSON text; a server that sends an object instead is shown as such.
                c.arguments = args.isString() ? args.toString().left(maxTextChars())
                                              : QString::fromUtf8(QJsonDocument(args.toObject()).toJson(QJsonDocument::Compact));
                m_calls.append(c);
                m_callKeys.append({c.index, QString()});
                ++i;
            }
            const QJsonValue fr = choice.value(QStringLiteral("finish_reason"));
            if (fr.isString())
                m_finish = fr.toString();
        }
    }
}

WireShape StreamAssembler::shape() const { return m_shape; }

QString StreamAssembler::text() const
{
    return m_openTag.isEmpty() && !m_tagPending.isEmpty() ? m_text + m_tagPending : m_text;
}

QString StreamAssembler::reasoning() const
{
    return !m_openTag.isEmpty() && !m_tagPending.isEmpty() ? m_reasoning + m_tagPending : m_reasoning;
}

QList<ToolCall> StreamAssembler::toolCalls() const { return m_calls; }
QString StreamAssembler::finishReason() const { return m_finish; }
QJsonObject StreamAssembler::usage() const { return m_usage; }

int StreamAssembler::outputTokens() const
{
    for (const char *k : {"completion_tokens", "output_tokens"}) {
        const QJsonValue v = m_usage.value(QLatin1String(k));
        if (v.isDouble() && v.toInt() > 0)
            return v.toInt();
    }
    return m_deltas;
}

QString StreamAssembler::model() const { return m_model; }
QString StreamAssembler::responseId() const { return m_responseId; }
QJsonObject StreamAssembler::finalObject() const { return m_final; }
QJsonObject StreamAssembler::errorObject() const { return m_error; }
bool StreamAssembler::sawDone() const { return m_sawDone; }
bool StreamAssembler::sawCompleted() const { return m_sawCompleted; }
qint64 StreamAssembler::firstTokenNs() const { return m_firstTokenNs; }
int StreamAssembler::deltaCount() const { return m_deltas; }
int StreamAssembler::unknownEvents() const { return m_unknown; }
QStringList StreamAssembler::problems() const { return m_problems; }
bool StreamAssembler::textTruncated() const { return m_truncated; }

}  // namespace codex::proxy
