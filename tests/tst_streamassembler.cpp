// StreamAssembler: chat-completions chunks and Responses events (reference/ccproxy.md), non-streaming
// bodies of both shapes, reasoning wrappers, tool-call argument validity, bounds.
#include "proxy/SseParser.h"
#include "proxy/StreamAssembler.h"

#include <QtTest/QtTest>

using namespace codex::proxy;

namespace {

/// Feeds an SSE stream through the parser into an assembler; event i arrives at (i+1) ms.
StreamAssembler assemble(const QByteArray &stream, int chunk = 0)
{
    StreamAssembler a;
    SseParser p([&a](SseEvent &&e) { a.addEvent(e, qint64(e.index + 1) * 1000000); });
    if (chunk <= 0) {
        p.feed(stream);
    } else {
        for (qsizetype i = 0; i < stream.size(); i += chunk)
            p.feed(stream.mid(i, chunk));
    }
    p.finish();
    return a;
}

QByteArray chatChunk(const QByteArray &delta, const QByteArray &finish = "null", const QByteArray &extra = {})
{
    return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-5\",\"choices\":[{\"index\":0,\"delta\":" + delta +
           ",\"finish_reason\":" + finish + "}]" + extra + "}\n\n";
}

QByteArray respEvent(const QByteArray &type, const QByteArray &rest)
{
    return "event: " + type + "\ndata: {\"type\":\"" + type + "\"" + (rest.isEmpty() ? QByteArray() : "," + rest) + "}\n\n";
}

const QByteArray kChatText = chatChunk("{\"role\":\"assistant\"}") + chatChunk("{\"content\":\"Hello\"}") +
                             chatChunk("{\"content\":\", world\"}") +
                             chatChunk("{}", "\"stop\"", ",\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3,\"total_tokens\":8}") +
                             "data: [DONE]\n\n";

const QByteArray kChatTools =
    chatChunk("{\"role\":\"assistant\"}") +
    chatChunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}") +
    chatChunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}") +
    chatChunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"\"}}]}") +
    chatChunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Berlin\\\"}\"}}]}") +
    chatChunk("{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{\\\"tz\\\": \\\"UTC\"}}]}") +  // never closed
    chatChunk("{}", "\"tool_calls\"") + "data: [DONE]\n\n";

const QByteArray kResponsesText =
    respEvent("response.created", "\"response\":{\"id\":\"resp_9\",\"object\":\"response\",\"status\":\"in_progress\",\"model\":\"gpt-5-codex\"}") +
    respEvent("response.in_progress", "\"response\":{\"id\":\"resp_9\",\"status\":\"in_progress\"}") +
    respEvent("response.output_item.added", "\"output_index\":0,\"item\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[]}") +
    respEvent("response.content_part.added", "\"output_index\":0,\"item_id\":\"msg_1\",\"part\":{\"type\":\"output_text\",\"text\":\"\"}") +
    respEvent("response.output_text.delta", "\"output_index\":0,\"item_id\":\"msg_1\",\"delta\":\"<thinking>plan it\"") +
    respEvent("response.output_text.delta", "\"output_index\":0,\"item_id\":\"msg_1\",\"delta\":\"</think\"") +
    respEvent("response.output_text.delta", "\"output_index\":0,\"item_id\":\"msg_1\",\"delta\":\"ing>Answer \"") +
    respEvent("response.output_text.delta", "\"output_index\":0,\"item_id\":\"msg_1\",\"delta\":\"is 42\"") +
    respEvent("response.output_text.done", "\"output_index\":0,\"item_id\":\"msg_1\",\"text\":\"ignored\"") +
    respEvent("response.content_part.done", "\"output_index\":0") +
    respEvent("response.output_item.done", "\"output_index\":0,\"item\":{\"id\":\"msg_1\",\"type\":\"message\"}") +
    respEvent("response.completed",
              "\"response\":{\"id\":\"resp_9\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-5-codex\","
              "\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"not used\"}]}],"
              "\"usage\":{\"input_tokens\":10,\"output_tokens\":4,\"total_tokens\":14}}");

const QByteArray kResponsesTool =
    respEvent("response.created", "\"response\":{\"id\":\"resp_t\",\"status\":\"in_progress\"}") +
    respEvent("response.output_item.added", "\"output_index\":0,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\",\"call_id\":\"call_x\",\"name\":\"run_shell\",\"arguments\":\"\"}") +
    respEvent("response.function_call_arguments.delta", "\"output_index\":0,\"item_id\":\"fc_1\",\"delta\":\"{\\\"cmd\\\":\"") +
    respEvent("response.function_call_arguments.delta", "\"output_index\":0,\"item_id\":\"fc_1\",\"delta\":\"\\\"ls\\\"}\"") +
    respEvent("response.function_call_arguments.done", "\"output_index\":0,\"item_id\":\"fc_1\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"") +
    respEvent("response.output_item.done", "\"output_index\":0,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\",\"call_id\":\"call_x\",\"name\":\"run_shell\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}") +
    respEvent("response.completed", "\"response\":{\"id\":\"resp_t\",\"status\":\"completed\",\"output\":[{\"type\":\"function_call\",\"call_id\":\"call_x\",\"name\":\"run_shell\",\"arguments\":\"{\\\"cmd\\\":\\\"ls\\\"}\"}]}");

}  // namespace

class TestStreamAssembler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void chatText()
    {
        for (int chunk : {0, 1, 7}) {
            const StreamAssembler a = assemble(kChatText, chunk);
            QCOMPARE(a.shape(), WireShape::ChatCompletion);
            QCOMPARE(a.text(), QStringLiteral("Hello, world"));
            QCOMPARE(a.finishReason(), QStringLiteral("stop"));
            QVERIFY(a.sawDone());
            QVERIFY(a.terminated());
            QCOMPARE(a.usage().value(QStringLiteral("completion_tokens")).toInt(), 3);
            QCOMPARE(a.outputTokens(), 3);
            QCOMPARE(a.model(), QStringLiteral("gpt-5"));
            QCOMPARE(a.responseId(), QStringLiteral("chatcmpl-1"));
            QCOMPARE(a.deltaCount(), 2);
            QCOMPARE(a.firstTokenNs(), qint64(2000000));  // event 1 (the role chunk carries no text)
            QVERIFY(a.problems().isEmpty());
        }
    }

    void chatToolCalls()
    {
        const StreamAssembler a = assemble(kChatTools);
        QCOMPARE(a.finishReason(), QStringLiteral("tool_calls"));
        const QList<ToolCall> calls = a.toolCalls();
        QCOMPARE(calls.size(), 2);
        QCOMPARE(calls[0].id, QStringLiteral("call_a"));
        QCOMPARE(calls[0].name, QStringLiteral("get_weather"));
        QCOMPARE(calls[0].arguments, QStringLiteral("{\"city\":\"Berlin\"}"));
        QVERIFY(calls[0].argumentsValid());
        QVERIFY(calls[0].argumentsError().isEmpty());
        QCOMPARE(calls[1].name, QStringLiteral("get_time"));
        QVERIFY(!calls[1].argumentsValid());
        const QString err = calls[1].argumentsError();
        QVERIFY2(err.contains(QLatin1String("'get_time'")) && err.contains(QLatin1String("call_b")) && err.contains(QLatin1String("offset")), qPrintable(err));
        QCOMPARE(a.firstTokenNs(), qint64(2000000));
        QVERIFY(a.text().isEmpty());
    }

    void toolArgumentErrors()
    {
        ToolCall c;
        c.name = QStringLiteral("f");
        c.arguments = QStringLiteral("{\"a\": 1,}");
        QVERIFY(!c.argumentsValid());
        QVERIFY2(c.argumentsError().contains(QLatin1String("at offset 9")), qPrintable(c.argumentsError()));
        c.arguments = QString();
        QVERIFY(!c.argumentsValid());
        QVERIFY(c.argumentsError().contains(QLatin1String("empty")));
        c.arguments = QStringLiteral("[1,2]");
        QVERIFY(c.argumentsValid());
        c.arguments = QStringLiteral("not json");
        QVERIFY(!c.argumentsValid());
    }

    void chatStreamedError()
    {
        const StreamAssembler a = assemble(chatChunk("{\"role\":\"assistant\"}") +
                                           "data: {\"error\":{\"message\":\"upstream failed\",\"type\":\"server_error\",\"code\":\"500\"}}\n\n");
        QCOMPARE(a.errorObject().value(QStringLiteral("message")).toString(), QStringLiteral("upstream failed"));
        QVERIFY(a.terminated());
        QVERIFY(!a.sawDone());
    }

    void chatReasoningWrapper()
    {
        const StreamAssembler a = assemble(chatChunk("{\"content\":\"<reaso\"}") + chatChunk("{\"content\":\"ning>step 1</reasoning>\"}") +
                                           chatChunk("{\"content\":\"x < y <b>\"}") + "data: [DONE]\n\n");
        QCOMPARE(a.reasoning(), QStringLiteral("step 1"));
        QCOMPARE(a.text(), QStringLiteral("x < y <b>"));
        // An open wrapper that never closes keeps its text as reasoning.
        const StreamAssembler b = assemble(chatChunk("{\"content\":\"<thinking>hmm\"}"));
        QCOMPARE(b.reasoning(), QStringLiteral("hmm"));
        QVERIFY(b.text().isEmpty());
        QVERIFY(!b.terminated());
        // A text that ends with what could start a tag shows it.
        const StreamAssembler c = assemble(chatChunk("{\"content\":\"a <thi\"}"));
        QCOMPARE(c.text(), QStringLiteral("a <thi"));
    }

    void responsesText()
    {
        for (int chunk : {0, 1, 13}) {
            const StreamAssembler a = assemble(kResponsesText, chunk);
            QCOMPARE(a.shape(), WireShape::Responses);
            QCOMPARE(a.text(), QStringLiteral("Answer is 42"));
            QCOMPARE(a.reasoning(), QStringLiteral("plan it"));
            QVERIFY(a.sawCompleted());
            QVERIFY(!a.sawDone());
            QVERIFY(a.terminated());
            QCOMPARE(a.finishReason(), QStringLiteral("completed"));
            QCOMPARE(a.responseId(), QStringLiteral("resp_9"));
            QCOMPARE(a.model(), QStringLiteral("gpt-5-codex"));
            QCOMPARE(a.outputTokens(), 4);
            QCOMPARE(a.deltaCount(), 4);
            QCOMPARE(a.firstTokenNs(), qint64(5000000));
            QCOMPARE(a.unknownEvents(), 0);
            QCOMPARE(a.finalObject().value(QStringLiteral("status")).toString(), QStringLiteral("completed"));
        }
    }

    void responsesToolCall()
    {
        const StreamAssembler a = assemble(kResponsesTool);
        const QList<ToolCall> calls = a.toolCalls();
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls[0].id, QStringLiteral("call_x"));
        QCOMPARE(calls[0].name, QStringLiteral("run_shell"));
        QCOMPARE(calls[0].arguments, QStringLiteral("{\"cmd\":\"ls\"}"));
        QVERIFY(calls[0].argumentsValid());
        QCOMPARE(a.firstTokenNs(), qint64(2000000));  // output_item.added of the function call

        // Invalid arguments: fragments that do not form JSON (no .done to correct them).
        const StreamAssembler b = assemble(
            respEvent("response.output_item.added", "\"output_index\":0,\"item\":{\"id\":\"fc_1\",\"type\":\"function_call\",\"call_id\":\"call_y\",\"name\":\"edit\"}") +
            respEvent("response.function_call_arguments.delta", "\"output_index\":0,\"item_id\":\"fc_1\",\"delta\":\"{path: 'a'\"") +
            respEvent("response.completed", "\"response\":{\"status\":\"completed\"}"));
        QCOMPARE(b.toolCalls().size(), 1);
        QVERIFY(!b.toolCalls()[0].argumentsValid());
        QVERIFY(b.toolCalls()[0].argumentsError().contains(QLatin1String("'edit' (call_y)")));
    }

    void responsesFailedAndIncomplete()
    {
        const StreamAssembler f = assemble(
            respEvent("response.created", "\"response\":{\"id\":\"r\"}") +
            respEvent("response.failed", "\"response\":{\"id\":\"r\",\"status\":\"failed\",\"error\":{\"code\":\"server_error\",\"message\":\"boom\"}}"));
        QCOMPARE(f.finishReason(), QStringLiteral("failed"));
        QCOMPARE(f.errorObject().value(QStringLiteral("message")).toString(), QStringLiteral("boom"));
        QVERIFY(f.terminated());
        const StreamAssembler i = assemble(
            respEvent("response.output_text.delta", "\"delta\":\"par\"") +
            respEvent("response.incomplete", "\"response\":{\"status\":\"incomplete\",\"incomplete_details\":{\"reason\":\"max_output_tokens\"}}"));
        QCOMPARE(i.finishReason(), QStringLiteral("incomplete"));
        QCOMPARE(i.text(), QStringLiteral("par"));
        QVERIFY(!i.sawCompleted());
    }

    void unknownAndBadEvents()
    {
        const StreamAssembler a = assemble("event: response.something_new\ndata: {\"type\":\"response.something_new\"}\n\n"
                                           "data: {not json\n\n"
                                           "data: {\"foo\":1}\n\n");
        QCOMPARE(a.unknownEvents(), 3);
        QCOMPARE(a.problems().size(), 1);
        QVERIFY2(a.problems().first().startsWith(QLatin1String("event 1: data is not JSON")), qPrintable(a.problems().first()));
    }

    void bodies()
    {
        // fork / legacy: the completed event's JSON.
        StreamAssembler fork;
        fork.setBody("{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_f\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-5\","
                     "\"output\":[{\"type\":\"reasoning\",\"summary\":[{\"type\":\"summary_text\",\"text\":\"why\"}]},"
                     "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hi!\"}]},"
                     "{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"f\",\"arguments\":\"{}\"}],"
                     "\"usage\":{\"input_tokens\":3,\"output_tokens\":2,\"total_tokens\":5}}}");
        QCOMPARE(fork.shape(), WireShape::Responses);
        QCOMPARE(fork.text(), QStringLiteral("Hi!"));
        QCOMPARE(fork.reasoning(), QStringLiteral("why"));
        QCOMPARE(fork.toolCalls().size(), 1);
        QCOMPARE(fork.toolCalls()[0].name, QStringLiteral("f"));
        QVERIFY(fork.sawCompleted());
        QCOMPARE(fork.finishReason(), QStringLiteral("completed"));
        QCOMPARE(fork.outputTokens(), 2);
        QCOMPARE(fork.responseId(), QStringLiteral("resp_f"));

        // current: the response object itself.
        StreamAssembler current;
        current.setBody("{\"id\":\"resp_c\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-5\","
                        "\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"<reasoning>r</reasoning>Yes\"}]}]}");
        QCOMPARE(current.shape(), WireShape::Responses);
        QCOMPARE(current.text(), QStringLiteral("Yes"));
        QCOMPARE(current.reasoning(), QStringLiteral("r"));
        QCOMPARE(current.finishReason(), QStringLiteral("completed"));

        // chat completion with tool calls.
        StreamAssembler chat;
        chat.setBody("{\"id\":\"chatcmpl-2\",\"object\":\"chat.completion\",\"model\":\"gpt-5\",\"choices\":[{\"index\":0,"
                     "\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                     "\"function\":{\"name\":\"lookup\",\"arguments\":\"{\\\"q\\\":1}\"}}]},\"finish_reason\":\"tool_calls\"}],"
                     "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":7,\"total_tokens\":8}}");
        QCOMPARE(chat.shape(), WireShape::ChatCompletion);
        QCOMPARE(chat.finishReason(), QStringLiteral("tool_calls"));
        QCOMPARE(chat.toolCalls().size(), 1);
        QCOMPARE(chat.toolCalls()[0].arguments, QStringLiteral("{\"q\":1}"));
        QCOMPARE(chat.outputTokens(), 7);

        // Errors of both generations.
        StreamAssembler err;
        err.setBody("{\"error\":{\"type\":\"http_error\",\"message\":\"Model 'x' is not supported by Codex.\"}}");
        QVERIFY(err.errorObject().value(QStringLiteral("message")).toString().contains(QLatin1String("not supported")));
        StreamAssembler detail;
        detail.setBody("{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"field required\"}]}");
        QCOMPARE(detail.shape(), WireShape::Unknown);
        QVERIFY(detail.finalObject().contains(QStringLiteral("detail")));

        // Not JSON.
        StreamAssembler bad;
        bad.setBody("<html>oops</html>");
        QCOMPARE(bad.problems().size(), 1);
        QVERIFY(bad.problems().first().startsWith(QLatin1String("body is not JSON")));
    }

    void boundedText()
    {
        StreamAssembler a;
        const QString piece(1024 * 1024, QLatin1Char('a'));
        const QByteArray data = "{\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece.toUtf8() + "\"}}]}";
        SseEvent e;
        e.data = data;
        for (int i = 0; i < 17; ++i)
            a.addEvent(e, i);
        QCOMPARE(a.text().size(), StreamAssembler::maxTextChars());
        QVERIFY(a.textTruncated());
        a.reset();
        QVERIFY(a.text().isEmpty());
        QVERIFY(!a.textTruncated());
    }
};

QTEST_GUILESS_MAIN(TestStreamAssembler)
#include "tst_streamassembler.moc"
