#pragma once

#include "proxy/SseParser.h"

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

namespace codex::proxy {

/// A tool call as assembled from a response: arguments concatenated from their fragments.
struct ToolCall {
    int index = 0;
    QString id;        ///< chat: tool_calls[].id; responses: call_id
    QString name;
    QString arguments;  ///< the JSON text as sent
    bool argumentsValid() const;   ///< parses as a JSON object/array/value
    QString argumentsError() const;  ///< "arguments of tool call 'x' are not valid JSON: … at offset N"
};

enum class WireShape { Unknown, ChatCompletion, Responses };

/// Turns what the proxy sent — SSE events of either shape, or one non-streaming JSON body of either
/// shape (also the fork's `{type:"response.completed", response:{…}}` wrapper) — into the final text,
/// reasoning, tool calls, finish reason, usage and terminal state. Tolerant: unknown events are
/// counted, not fatal; bad JSON in an event is recorded in problems().
class StreamAssembler {
public:
    void addEvent(const SseEvent &event, qint64 atNs = -1);
    void setBody(const QByteArray &json);  ///< non-streaming answer

    WireShape shape() const;
    QString text() const;        ///< content without the reasoning wrapper
    QString reasoning() const;   ///< from <reasoning>…</reasoning> / <thinking>…</thinking> or reasoning events
    QList<ToolCall> toolCalls() const;
    QString finishReason() const;  ///< chat finish_reason; responses: "completed", "failed", "incomplete"
    QJsonObject usage() const;     ///< as sent (prompt/completion or input/output tokens)
    int outputTokens() const;      ///< usage's completion/output tokens, else number of text deltas
    QString model() const;
    QString responseId() const;
    QJsonObject finalObject() const;  ///< the completed response / last chunk / body object
    QJsonObject errorObject() const;  ///< a streamed {"error":…} frame or response.failed's error
    bool sawDone() const;             ///< chat `[DONE]`
    bool sawCompleted() const;        ///< responses `response.completed`
    bool terminated() const { return sawDone() || sawCompleted() || !errorObject().isEmpty(); }
    qint64 firstTokenNs() const;      ///< atNs of the first event carrying text or tool-call data; -1 none
    int deltaCount() const;
    int unknownEvents() const;
    QStringList problems() const;     ///< "event 7: data is not JSON: …"
    /// text or reasoning reached maxTextChars() and was cut there (the rest is dropped).
    bool textTruncated() const;
    static constexpr qsizetype maxTextChars() { return 16 * 1024 * 1024; }
    void reset();

private:
    // Plain value members (copyable).
    void addContent(const QString &piece);   // splits <reasoning>/<thinking> wrappers, bounded
    void appendBounded(QString &target, QStringView piece);
    ToolCall &callFor(const QJsonObject &o, bool create);
    void takeResponseObject(const QJsonObject &response);
    void takeChatChunk(const QJsonObject &o, qint64 atNs);
    void takeResponsesEvent(const QString &type, const QJsonObject &o, qint64 atNs);
    void noteToken(qint64 atNs);
    void addProblem(const QString &p);

    WireShape m_shape = WireShape::Unknown;
    QString m_text;
    QString m_reasoning;
    QString m_tagPending;     // a possibly partial tag at the end of the last piece
    QString m_openTag;        // "reasoning" / "thinking" while inside a wrapper
    QList<ToolCall> m_calls;
    QList<QPair<int, QString>> m_callKeys;  // responses: output_index, item id per call (parallel to m_calls)
    QString m_finish;
    QJsonObject m_usage;
    QString m_model;
    QString m_responseId;
    QJsonObject m_final;
    QJsonObject m_error;
    bool m_sawDone = false;
    bool m_sawCompleted = false;
    bool m_truncated = false;
    qint64 m_firstTokenNs = -1;
    int m_deltas = 0;
    int m_textDeltas = 0;
    int m_unknown = 0;
    int m_eventNo = 0;
    QStringList m_problems;
};

}  // namespace codex::proxy
