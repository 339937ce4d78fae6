// The local ccproxy simulator (proxy/Simulator.h) seen from the wire: raw HTTP over QTcpSocket
// (framing byte by byte) and QNetworkAccessManager (what a real client does).
#include "proxy/Simulator.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStringDecoder>
#include <QTcpSocket>
#include <QtTest/QTest>

#include <memory>

using namespace codex::proxy;

namespace {

struct Reply {
    int status = 0;
    QByteArray statusLine;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;      ///< de-chunked
    bool chunked = false;
    bool complete = false;  ///< the framing said the body ended
    bool closed = false;    ///< the server closed the connection
    qint64 firstByteMs = -1, totalMs = -1;
    QByteArray header(const char *name) const
    {
        for (const auto &h : headers)
            if (h.first == name)
                return h.second;
        return {};
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

/// A raw HTTP/1.x client: sends bytes, parses one response at a time (keeps leftovers for the next).
class Raw {
public:
    explicit Raw(quint16 port)
    {
        sock.connectToHost(QHostAddress::LocalHost, port);
        if (!sock.waitForConnected(5000))
            qWarning("cannot connect to the simulator: %s", qPrintable(sock.errorString()));
    }
    void send(const QByteArray &bytes)
    {
        sock.write(bytes);
        sock.flush();
        timer.start();
    }
    Reply read(int timeoutMs = 10000)
    {
        Reply r;
        QElapsedTimer deadline;
        deadline.start();
        bool haveHead = false;
        qint64 contentLength = -1;
        while (deadline.elapsed() < timeoutMs) {
            QCoreApplication::processEvents();
            if (sock.bytesAvailable() > 0) {
                if (r.firstByteMs < 0)
                    r.firstByteMs = timer.elapsed();
                buf += sock.readAll();
            } else if (sock.state() != QAbstractSocket::ConnectedState && sock.state() != QAbstractSocket::ConnectingState
                       && sock.state() != QAbstractSocket::HostLookupState) {
                r.closed = true;
            } else {
                sock.waitForReadyRead(5);
                if (sock.bytesAvailable() > 0)
                    continue;
            }
            if (!haveHead) {
                const int end = int(buf.indexOf("\r\n\r\n"));
                if (end >= 0) {
                    const QList<QByteArray> lines = buf.left(end).split('\n');
                    r.statusLine = lines.first().trimmed();
                    r.status = r.statusLine.split(' ').value(1).toInt();
                    for (int i = 1; i < lines.size(); ++i) {
                        const QByteArray l = lines[i].trimmed();
                        const int c = int(l.indexOf(':'));
                        r.headers << qMakePair(l.left(c).toLower(), l.mid(c + 1).trimmed());
                    }
                    buf.remove(0, end + 4);
                    haveHead = true;
                    r.chunked = r.header("transfer-encoding") == "chunked";
                    if (!r.header("content-length").isEmpty())
                        contentLength = r.header("content-length").toLongLong();
                    if (r.status == 100) {  // 100 Continue: the real answer follows
                        haveHead = false;
                        r = Reply();
                        continue;
                    }
                }
            }
            if (haveHead) {
                if (contentLength >= 0) {
                    const qint64 n = qMin<qint64>(contentLength - r.body.size(), buf.size());
                    r.body += buf.left(n);
                    buf.remove(0, n);
                    if (r.body.size() == contentLength) {
                        r.complete = true;
                        break;
                    }
                } else if (r.chunked) {
                    while (true) {
                        const int eol = int(buf.indexOf("\r\n"));
                        if (eol < 0)
                            break;
                        bool ok = false;
                        const qint64 size = buf.left(eol).toLongLong(&ok, 16);
                        if (!ok || buf.size() < eol + 2 + size + 2)
                            break;
                        r.body += buf.mid(eol + 2, size);
                        buf.remove(0, eol + 2 + size + 2);
                        if (size == 0) {
                            r.complete = true;
                            break;
                        }
                    }
                    if (r.complete)
                        break;
                } else {
                    r.body += buf;
                    buf.clear();
                }
            }
            if (r.closed)
                break;
        }
        r.totalMs = timer.elapsed();
        return r;
    }
    bool waitClosed(int timeoutMs = 5000)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < timeoutMs) {
            QCoreApplication::processEvents();
            if (sock.state() == QAbstractSocket::UnconnectedState)
                return true;
            sock.waitForReadyRead(5);
            buf += sock.readAll();
        }
        return sock.state() == QAbstractSocket::UnconnectedState;
    }
    QTcpSocket sock;
    QByteArray buf;
    QElapsedTimer timer;
};

QByteArray request(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                   const QList<QPair<QByteArray, QByteArray>> &headers = {}, const QByteArray &version = "HTTP/1.1")
{
    QByteArray r = method + ' ' + path + ' ' + version + "\r\nHost: 127.0.0.1\r\n";
    for (const auto &h : headers)
        r += h.first + ": " + h.second + "\r\n";
    if (!body.isEmpty() || method == "POST")
        r += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    return r + "\r\n" + body;
}

Reply call(quint16 port, const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
           const QList<QPair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 10000)
{
    Raw raw(port);
    raw.send(request(method, path, body, headers));
    return raw.read(timeoutMs);
}

QByteArray toJson(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QJsonObject userChat(const QString &text, bool stream = false)
{
    return QJsonObject{{"model", "gpt-5"},
                       {"stream", stream},
                       {"messages", QJsonArray{QJsonObject{{"role", "user"}, {"content", text}}}}};
}

QJsonObject userResponses(const QString &text, bool stream = false)
{
    return QJsonObject{
        {"model", "gpt-5"},
        {"stream", stream},
        {"input", QJsonArray{QJsonObject{{"type", "message"},
                                         {"role", "user"},
                                         {"content", QJsonArray{QJsonObject{{"type", "input_text"}, {"text", text}}}}}}}};
}

QJsonArray weatherTools(bool responsesShape)
{
    const QJsonObject params{{"type", "object"},
                             {"properties", QJsonObject{{"city", QJsonObject{{"type", "string"}}},
                                                        {"days", QJsonObject{{"type", "integer"}}},
                                                        {"unit", QJsonObject{{"type", "string"}, {"enum", QJsonArray{"celsius", "fahrenheit"}}}},
                                                        {"note", QJsonObject{{"type", "string"}}}}},
                             {"required", QJsonArray{"city", "days", "unit"}}};
    const QJsonObject other{{"type", "object"}, {"properties", QJsonObject{{"q", QJsonObject{{"type", "string"}}}}}};
    if (responsesShape)
        return QJsonArray{QJsonObject{{"type", "function"}, {"name", "get_weather"}, {"description", "Weather"}, {"parameters", params}},
                          QJsonObject{{"type", "function"}, {"name", "search"}, {"parameters", other}}};
    return QJsonArray{QJsonObject{{"type", "function"},
                                  {"function", QJsonObject{{"name", "get_weather"}, {"description", "Weather"}, {"parameters", params}}}},
                      QJsonObject{{"type", "function"}, {"function", QJsonObject{{"name", "search"}, {"parameters", other}}}}};
}

struct SseEvt {
    QByteArray event;
    QByteArray data;
};

/// Splits an SSE body strictly: each event is `event: X\n` (optional) + `data: …\n` + `\n`.
QList<SseEvt> strictSse(const QByteArray &body, QString *problem)
{
    QList<SseEvt> out;
    if (!body.endsWith("\n\n")) {
        *problem = QStringLiteral("body does not end with a blank line");
        return out;
    }
    const QList<QByteArray> blocks = body.left(body.size() - 2).split('\n');
    SseEvt cur;
    for (const QByteArray &line : blocks) {
        if (line.isEmpty()) {
            if (cur.data.isEmpty()) {
                *problem = QStringLiteral("blank line without data");
                return out;
            }
            out << cur;
            cur = SseEvt();
        } else if (line.startsWith("event: ")) {
            if (!cur.event.isEmpty() || !cur.data.isEmpty()) {
                *problem = QStringLiteral("event line in the wrong place: ") + QString::fromUtf8(line);
                return out;
            }
            cur.event = line.mid(7);
        } else if (line.startsWith("data: ")) {
            if (!cur.data.isEmpty()) {
                *problem = QStringLiteral("two data lines");
                return out;
            }
            cur.data = line.mid(6);
        } else {
            *problem = QStringLiteral("unexpected line: ") + QString::fromUtf8(line.left(80));
            return out;
        }
    }
    out << cur;
    return out;
}

qint64 rssBytes()
{
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    return f.readAll().split(' ').value(1).toLongLong() * 4096;
}

}  // namespace

class TestSimulator : public QObject {
    Q_OBJECT

    std::unique_ptr<Simulator> start(SimulatorOptions o = {})
    {
        auto sim = std::make_unique<Simulator>(o);
        QString error;
        if (!sim->listen(QHostAddress::LocalHost, 0, &error))
            qFatal("listen: %s", qPrintable(error));
        return sim;
    }

private Q_SLOTS:
    void forkChatCompletion()
    {
        auto sim = start();
        QVERIFY(sim->baseUrl().startsWith(QStringLiteral("http://127.0.0.1:")));
        const Reply r = call(sim->port(), "POST", "/codex/chat/completions", toJson(userChat("hello simulator")));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("application/json"));
        QVERIFY(r.complete);
        QVERIFY(r.body.startsWith("{\"id\":\"chatcmpl-"));
        const QJsonObject o = r.json();
        QCOMPARE(o["object"].toString(), QStringLiteral("chat.completion"));
        QCOMPARE(o["model"].toString(), QStringLiteral("gpt-5"));
        QVERIFY(o["created"].isDouble());
        const QJsonObject choice = o["choices"].toArray().first().toObject();
        QCOMPARE(choice["index"].toInt(), 0);
        QCOMPARE(choice["finish_reason"].toString(), QStringLiteral("stop"));
        QCOMPARE(choice["message"].toObject()["role"].toString(), QStringLiteral("assistant"));
        QVERIFY(choice["message"].toObject()["content"].toString().contains(QStringLiteral("hello simulator")));
        const QJsonObject usage = o["usage"].toObject();
        QCOMPARE(usage["total_tokens"].toInt(), usage["prompt_tokens"].toInt() + usage["completion_tokens"].toInt());
        QVERIFY(usage["completion_tokens"].toInt() > 0);
        QCOMPARE(o["_upstream"].toObject()["model"].toString(), QStringLiteral("gpt-5"));
        QCOMPARE(o["_upstream"].toObject()["params"].toObject()["max_output_tokens"].toInt(), 8192);  // max_output_tokens_fallback
        // Deterministic: the same request, the same text.
        const Reply again = call(sim->port(), "POST", "/codex/chat/completions", toJson(userChat("hello simulator")));
        QCOMPARE(again.json()["choices"][0].toObject()["message"].toObject()["content"], choice["message"].toObject()["content"]);
    }

    void forkResponsesWrapsCompletedEvent()
    {
        auto sim = start();
        for (const QByteArray &path : {QByteArray("/codex/responses"), QByteArray("/codex/abc/responses")}) {
            const Reply r = call(sim->port(), "POST", path, toJson(userResponses("what is 2+2")));
            QCOMPARE(r.status, 200);
            QVERIFY(r.body.startsWith("{\"type\":\"response.completed\""));
            const QJsonObject resp = r.json()["response"].toObject();
            QCOMPARE(resp["object"].toString(), QStringLiteral("response"));
            QCOMPARE(resp["status"].toString(), QStringLiteral("completed"));
            QVERIFY(resp["id"].toString().startsWith(QStringLiteral("resp_")));
            const QJsonObject item = resp["output"].toArray().first().toObject();
            QCOMPARE(item["type"].toString(), QStringLiteral("message"));
            QCOMPARE(item["content"][0].toObject()["type"].toString(), QStringLiteral("output_text"));
            QVERIFY(item["content"][0].toObject()["text"].toString().contains(QStringLiteral("what is 2+2")));
            const QJsonObject usage = resp["usage"].toObject();
            QCOMPARE(usage["total_tokens"].toInt(), usage["input_tokens"].toInt() + usage["output_tokens"].toInt());
            QVERIFY(resp.contains(QStringLiteral("_upstream")));
        }
        QCOMPARE(call(sim->port(), "POST", "/codex/s1/chat/completions", toJson(userChat("x"))).status, 200);
        // Plain string input works too.
        QCOMPARE(call(sim->port(), "POST", "/codex/responses", "{\"model\":\"gpt-5\",\"input\":\"hi\"}").status, 200);
    }

    void legacyAndCurrentRoutes()
    {
        SimulatorOptions legacy;
        legacy.profileId = QStringLiteral("legacy");
        auto sim = start(legacy);
        QCOMPARE(call(sim->port(), "POST", "/codex/s1/responses", toJson(userResponses("x"))).status, 200);
        QCOMPARE(call(sim->port(), "POST", "/codex/s1/chat/completions", toJson(userChat("x"))).status, 404);  // fork only
        // as FastAPI routes it: /codex/{session_id}/responses with the session "v1"
        QCOMPARE(call(sim->port(), "POST", "/codex/v1/responses", toJson(userResponses("x"))).json()["response"].toObject()["_upstream"].toObject()["session_id"].toString(),
                 QStringLiteral("v1"));
        QCOMPARE(call(sim->port(), "POST", "/codex/v1/chat/completions", toJson(userChat("x"))).status, 404);

        SimulatorOptions current;
        current.profileId = QStringLiteral("current");
        auto cur = start(current);
        for (const QByteArray &path : {QByteArray("/codex/v1/responses"), QByteArray("/codex/responses")}) {
            const Reply r = call(cur->port(), "POST", path, toJson(userResponses("hi")));
            QCOMPARE(r.status, 200);
            QVERIFY(r.body.startsWith("{\"id\":\"resp_"));
            QCOMPARE(r.json()["object"].toString(), QStringLiteral("response"));
            QCOMPARE(r.json()["status"].toString(), QStringLiteral("completed"));
            QVERIFY(r.json()["_upstream"].isObject());
        }
        QCOMPARE(call(cur->port(), "POST", "/codex/v1/chat/completions", toJson(userChat("hi"))).json()["object"].toString(),
                 QStringLiteral("chat.completion"));
        QCOMPARE(call(cur->port(), "POST", "/codex/chat/completions", toJson(userChat("hi"))).status, 404);
        QCOMPARE(call(cur->port(), "POST", "/codex/s1/responses", toJson(userResponses("hi"))).status, 404);
        const Reply models = call(cur->port(), "GET", "/codex/v1/models");
        QCOMPARE(models.status, 200);
        QCOMPARE(models.json()["object"].toString(), QStringLiteral("list"));
        const QJsonArray data = models.json()["data"].toArray();
        QCOMPARE(data.size(), 3);
        QCOMPARE(data[0].toObject()["id"].toString(), QStringLiteral("gpt-5"));
        QCOMPARE(data[0].toObject()["object"].toString(), QStringLiteral("model"));
        QVERIFY(data[0].toObject().contains(QStringLiteral("owned_by")));
        QCOMPARE(call(sim->port(), "GET", "/codex/v1/models").status, 404);  // legacy has none
        // current: errors in the {message,type,code} shape
        const Reply bad = call(cur->port(), "POST", "/codex/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[]}");
        QCOMPARE(bad.status, 400);
        QVERIFY(bad.body.startsWith("{\"error\":{\"message\":\"Model 'nope' is not supported by Codex."));
        QVERIFY(bad.json()["error"].toObject().contains(QStringLiteral("code")));
        // current forwards session_id / conversation_id headers, invents none
        QVERIFY(!call(cur->port(), "POST", "/codex/v1/responses", toJson(userResponses("hi"))).json()["_upstream"].toObject().contains(QStringLiteral("session_id")));
        QCOMPARE(call(cur->port(), "POST", "/codex/v1/responses", toJson(userResponses("hi")), {{"conversation_id", "c-9"}})
                     .json()["_upstream"].toObject()["session_id"].toString(),
                 QStringLiteral("c-9"));
    }

    void healthNotFoundAndMethods()
    {
        auto sim = start();
        for (const QByteArray &path : {QByteArray("/health"), QByteArray("/health/live"), QByteArray("/health/ready")}) {
            const Reply r = call(sim->port(), "GET", path);
            QCOMPARE(r.status, 200);
            QCOMPARE(r.header("content-type"), QByteArray("application/health+json"));
            QCOMPARE(r.json()["status"].toString(), QStringLiteral("pass"));
            QVERIFY(!r.json()["version"].toString().isEmpty());
            QVERIFY(r.json()["checks"].isObject());
        }
        const Reply nf = call(sim->port(), "GET", "/nowhere");
        QCOMPARE(nf.status, 404);
        QCOMPARE(nf.body, QByteArray("{\"detail\":\"Not Found\"}"));
        const Reply m = call(sim->port(), "GET", "/codex/chat/completions");
        QCOMPARE(m.status, 405);
        QCOMPARE(m.header("allow"), QByteArray("POST"));
        QCOMPARE(m.body, QByteArray("{\"detail\":\"Method Not Allowed\"}"));
        QCOMPARE(call(sim->port(), "POST", "/health", "{}").status, 405);
        // query strings are not part of the path
        QCOMPARE(call(sim->port(), "GET", "/health?full=1").status, 200);
    }

    void chatStreamFraming()
    {
        auto sim = start();
        const Reply plain = call(sim->port(), "POST", "/codex/chat/completions", toJson(userChat("stream me please")));
        const Reply r = call(sim->port(), "POST", "/codex/chat/completions", toJson(userChat("stream me please", true)));
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("content-type").startsWith("text/event-stream"));
        QVERIFY(r.chunked);
        QVERIFY(r.complete);
        QString problem;
        const QList<SseEvt> events = strictSse(r.body, &problem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(events.size() >= 5);
        QCOMPARE(events.last().data, QByteArray("[DONE]"));
        QString text;
        for (int i = 0; i < events.size() - 1; ++i) {
            QVERIFY(events[i].event.isEmpty());
            const QJsonObject chunk = QJsonDocument::fromJson(events[i].data).object();
            QCOMPARE(chunk["object"].toString(), QStringLiteral("chat.completion.chunk"));
            const QJsonObject choice = chunk["choices"][0].toObject();
            const QJsonObject delta = choice["delta"].toObject();
            if (i == 0)
                QCOMPARE(delta["role"].toString(), QStringLiteral("assistant"));
            if (i < events.size() - 2) {
                QVERIFY(choice["finish_reason"].isNull());
                if (i > 0) {
                    const int words = int(delta["content"].toString().split(QLatin1Char(' '), Qt::SkipEmptyParts).size());
                    QVERIFY2(words >= 1 && words <= 3, qPrintable(delta["content"].toString()));
                }
                text += delta["content"].toString();
            } else {
                QVERIFY(delta.isEmpty());
                QCOMPARE(choice["finish_reason"].toString(), QStringLiteral("stop"));
                QVERIFY(chunk["usage"].toObject()["total_tokens"].toInt() > 0);
                QCOMPARE(chunk["_upstream"].toObject()["stream"].toBool(), true);
            }
        }
        QCOMPARE(text, plain.json()["choices"][0].toObject()["message"].toObject()["content"].toString());
    }

    void responsesStreamFraming()
    {
        auto sim = start();
        const Reply r = call(sim->port(), "POST", "/codex/responses", toJson(userResponses("one two three four five six", true)));
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("content-type").startsWith("text/event-stream"));
        QString problem;
        const QList<SseEvt> events = strictSse(r.body, &problem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QStringList names;
        QString text;
        for (const SseEvt &e : events) {
            const QJsonObject o = QJsonDocument::fromJson(e.data).object();
            QCOMPARE(o["type"].toString(), QString::fromUtf8(e.event));  // data.type = the event name
            if (names.isEmpty() || names.last() != QString::fromUtf8(e.event))
                names << QString::fromUtf8(e.event);
            if (e.event == "response.output_text.delta")
                text += o["delta"].toString();
            if (e.event == "response.output_text.done")
                QCOMPARE(o["text"].toString(), text);
        }
        QCOMPARE(names, QStringList({"response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
                                     "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                                     "response.output_item.done", "response.completed"}));
        const QJsonObject completed = QJsonDocument::fromJson(events.last().data).object();
        QCOMPARE(completed["response"].toObject()["status"].toString(), QStringLiteral("completed"));
        QVERIFY(completed["response"].toObject()["_upstream"].isObject());
        QVERIFY(!r.body.contains("[DONE]"));
        QVERIFY(text.contains(QStringLiteral("one two three")));
    }

    void toolCalls()
    {
        auto sim = start();
        // chat, non-streaming
        QJsonObject chat = userChat("weather in Paris?");
        chat["tools"] = weatherTools(false);
        Reply r = call(sim->port(), "POST", "/codex/chat/completions", toJson(chat));
        QJsonObject choice = r.json()["choices"][0].toObject();
        QCOMPARE(choice["finish_reason"].toString(), QStringLiteral("tool_calls"));
        const QJsonObject call0 = choice["message"].toObject()["tool_calls"][0].toObject();
        QCOMPARE(call0["type"].toString(), QStringLiteral("function"));
        QVERIFY(call0["id"].toString().startsWith(QStringLiteral("call_")));
        QCOMPARE(call0["function"].toObject()["name"].toString(), QStringLiteral("get_weather"));
        const QJsonObject args = QJsonDocument::fromJson(call0["function"].toObject()["arguments"].toString().toUtf8()).object();
        QCOMPARE(args["city"].toString(), QStringLiteral("example"));
        QCOMPARE(args["days"].toInt(), 1);
        QCOMPARE(args["unit"].toString(), QStringLiteral("celsius"));
        QVERIFY(!args.contains(QStringLiteral("note")));  // only the required properties
        QCOMPARE(r.json()["_upstream"].toObject()["tools"].toArray(), QJsonArray({"get_weather", "search"}));

        // chat, streaming: index/id/type/name first, then argument fragments
        chat["stream"] = true;
        r = call(sim->port(), "POST", "/codex/chat/completions", toJson(chat));
        QString problem;
        QList<SseEvt> events = strictSse(r.body, &problem);
        QVERIFY(problem.isEmpty());
        QString assembled;
        bool sawHeader = false;
        for (const SseEvt &e : events) {
            if (e.data == "[DONE]")
                continue;
            const QJsonObject delta = QJsonDocument::fromJson(e.data).object()["choices"][0].toObject()["delta"].toObject();
            const QJsonArray tcs = delta["tool_calls"].toArray();
            if (tcs.isEmpty())
                continue;
            const QJsonObject tc = tcs[0].toObject();
            QCOMPARE(tc["index"].toInt(), 0);
            if (tc.contains(QStringLiteral("id"))) {
                QVERIFY(!sawHeader);
                sawHeader = true;
                QCOMPARE(tc["type"].toString(), QStringLiteral("function"));
                QCOMPARE(tc["function"].toObject()["name"].toString(), QStringLiteral("get_weather"));
                QCOMPARE(tc["function"].toObject()["arguments"].toString(), QString());
            } else {
                QVERIFY(sawHeader);
                assembled += tc["function"].toObject()["arguments"].toString();
            }
        }
        QCOMPARE(QJsonDocument::fromJson(assembled.toUtf8()).object(), args);
        QCOMPARE(QJsonDocument::fromJson(events[events.size() - 2].data).object()["choices"][0].toObject()["finish_reason"].toString(),
                 QStringLiteral("tool_calls"));

        // tool_choice names the second tool; "none" answers with text
        chat["stream"] = false;
        chat["tool_choice"] = QJsonObject{{"type", "function"}, {"function", QJsonObject{{"name", "search"}}}};
        QCOMPARE(call(sim->port(), "POST", "/codex/chat/completions", toJson(chat)).json()["choices"][0].toObject()["message"].toObject()["tool_calls"][0].toObject()["function"].toObject()["name"].toString(),
                 QStringLiteral("search"));
        chat["tool_choice"] = "none";
        r = call(sim->port(), "POST", "/codex/chat/completions", toJson(chat));
        QCOMPARE(r.json()["choices"][0].toObject()["finish_reason"].toString(), QStringLiteral("stop"));
        QVERIFY(r.json()["choices"][0].toObject()["message"].toObject()["content"].toString().contains(QStringLiteral("weather in Paris")));

        // a tool result as the last message: text
        chat.remove(QStringLiteral("tool_choice"));
        QJsonArray msgs = chat["messages"].toArray();
        msgs << QJsonObject{{"role", "assistant"}, {"content", QJsonValue::Null}} << QJsonObject{{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "sunny, 21 C"}};
        chat["messages"] = msgs;
        r = call(sim->port(), "POST", "/codex/chat/completions", toJson(chat));
        QVERIFY(r.json()["choices"][0].toObject()["message"].toObject()["content"].toString().contains(QStringLiteral("sunny, 21 C")));

        // responses, streaming: function_call item, argument deltas, done
        QJsonObject resp = userResponses("weather?", true);
        resp["tools"] = weatherTools(true);
        r = call(sim->port(), "POST", "/codex/responses", toJson(resp));
        events = strictSse(r.body, &problem);
        QVERIFY(problem.isEmpty());
        QString fragments;
        QString doneArgs;
        bool added = false;
        for (const SseEvt &e : events) {
            const QJsonObject o = QJsonDocument::fromJson(e.data).object();
            if (e.event == "response.output_item.added") {
                QCOMPARE(o["item"].toObject()["type"].toString(), QStringLiteral("function_call"));
                QCOMPARE(o["item"].toObject()["name"].toString(), QStringLiteral("get_weather"));
                QVERIFY(o["item"].toObject()["call_id"].toString().startsWith(QStringLiteral("call_")));
                added = true;
            } else if (e.event == "response.function_call_arguments.delta") {
                fragments += o["delta"].toString();
            } else if (e.event == "response.function_call_arguments.done") {
                doneArgs = o["arguments"].toString();
            }
        }
        QVERIFY(added);
        QCOMPARE(fragments, doneArgs);
        QCOMPARE(QJsonDocument::fromJson(doneArgs.toUtf8()).object(), args);
        QCOMPARE(events.last().event, QByteArray("response.completed"));
        QCOMPARE(QJsonDocument::fromJson(events.last().data).object()["response"].toObject()["output"][0].toObject()["type"].toString(), QStringLiteral("function_call"));
    }

    void sessions()
    {
        auto sim = start();
        auto chatIn = [&](const QByteArray &path, const QString &text, const QList<QPair<QByteArray, QByteArray>> &headers = {}) {
            return call(sim->port(), "POST", path, toJson(userChat(text)), headers).json();
        };
        // path form
        QJsonObject o = chatIn("/codex/sess-path/chat/completions", QStringLiteral("remember: kiwi"));
        QCOMPARE(o["_upstream"].toObject()["session_id"].toString(), QStringLiteral("sess-path"));
        QVERIFY(o["choices"][0].toObject()["message"].toObject()["content"].toString().contains(QStringLiteral("kiwi")));
        o = call(sim->port(), "POST", "/codex/sess-path/responses", toJson(userResponses("What did I ask you to remember?"))).json();
        QVERIFY(o["response"].toObject()["output"][0].toObject()["content"][0].toObject()["text"].toString().contains(QStringLiteral("You asked me to remember kiwi")));
        // header form
        chatIn("/codex/chat/completions", QStringLiteral("Please remember: mango."), {{"session_id", "hdr-1"}});
        o = chatIn("/codex/chat/completions", QStringLiteral("what did I ask you to remember"), {{"session_id", "hdr-1"}});
        QCOMPARE(o["_upstream"].toObject()["session_id"].toString(), QStringLiteral("hdr-1"));
        QVERIFY(o["choices"][0].toObject()["message"].toObject()["content"].toString().contains(QStringLiteral("remember mango")));
        // the path wins over the header
        QCOMPARE(chatIn("/codex/p2/chat/completions", QStringLiteral("x"), {{"session_id", "h2"}})["_upstream"].toObject()["session_id"].toString(),
                 QStringLiteral("p2"));
        // auto: a new uuid per request, so nothing is remembered
        const QString a = chatIn("/codex/chat/completions", QStringLiteral("remember: plum"))["_upstream"].toObject()["session_id"].toString();
        o = chatIn("/codex/chat/completions", QStringLiteral("what did I ask you to remember"));
        const QString b = o["_upstream"].toObject()["session_id"].toString();
        QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")).match(a).hasMatch());
        QVERIFY(a != b);
        QVERIFY(o["choices"][0].toObject()["message"].toObject()["content"].toString().contains(QStringLiteral("do not know")));
    }

    void injectionModes()
    {
        auto upstreamInstructions = [](Simulator &sim, const QString &instructions, bool chat, bool *present) {
            QJsonObject body = chat ? userChat("hi") : userResponses("hi");
            if (!instructions.isNull()) {
                if (chat) {
                    QJsonArray m = body["messages"].toArray();
                    m.prepend(QJsonObject{{"role", "system"}, {"content", instructions}});
                    body["messages"] = m;
                } else {
                    body["instructions"] = instructions;
                }
            }
            const QJsonObject up = call(sim.port(), "POST", chat ? "/codex/chat/completions" : "/codex/responses", toJson(body)).json();
            const QJsonObject u = chat ? up["_upstream"].toObject() : up["response"].toObject()["_upstream"].toObject();
            *present = u.contains(QStringLiteral("instructions"));
            return u["instructions"].toString();
        };
        bool present = false;
        const QString mine = QStringLiteral("Answer in French.");
        const QString longOne(1200, QLatin1Char('x'));
        for (bool chat : {false, true}) {
            SimulatorOptions o;
            auto sim = start(o);  // override (default)
            QString got = upstreamInstructions(*sim, mine, chat, &present);
            QVERIFY(got.startsWith(QStringLiteral("You are Codex, based on GPT-5")));
            QVERIFY(!got.contains(mine));
            QCOMPARE(upstreamInstructions(*sim, longOne, chat, &present), longOne);  // over 1,000 characters: kept
            o.injectionMode = QStringLiteral("append");
            sim->setOptions(o);
            got = upstreamInstructions(*sim, mine, chat, &present);
            QVERIFY(got.startsWith(mine + QStringLiteral("\n\nYou are Codex")));
            o.injectionMode = QStringLiteral("disabled");
            sim->setOptions(o);
            QCOMPARE(upstreamInstructions(*sim, mine, chat, &present), mine);
            upstreamInstructions(*sim, QString(), chat, &present);
            QVERIFY(!present);
            o.disabledStillInjects = true;  // the fork's fault
            sim->setOptions(o);
            QVERIFY(upstreamInstructions(*sim, mine, chat, &present).startsWith(QStringLiteral("You are Codex")));
        }
    }

    void paramsAndFaultSwitches()
    {
        SimulatorOptions o;
        auto sim = start(o);
        QJsonObject chat = userChat("one two three four five six seven eight nine ten");
        chat["temperature"] = 0.2;
        chat["top_p"] = 0.9;
        chat["max_tokens"] = 4;
        Reply r = call(sim->port(), "POST", "/codex/chat/completions", toJson(chat));
        QJsonObject params = r.json()["_upstream"].toObject()["params"].toObject();
        QCOMPARE(params["temperature"].toDouble(), 0.2);
        QCOMPARE(params["top_p"].toDouble(), 0.9);
        QCOMPARE(params["max_tokens"].toInt(), 4);
        QCOMPARE(params["max_output_tokens"].toInt(), 4);
        QCOMPARE(r.json()["choices"][0].toObject()["finish_reason"].toString(), QStringLiteral("length"));
        QCOMPARE(r.json()["choices"][0].toObject()["message"].toObject()["content"].toString().split(QLatin1Char(' ')).size(), 4);
        QCOMPARE(r.json()["usage"].toObject()["completion_tokens"].toInt(), 4);

        // unsupported parameters: 400 / forwarded / dropped
        QJsonObject unsupported = userChat("hi");
        unsupported["n"] = 2;
        unsupported["logprobs"] = true;
        r = call(sim->port(), "POST", "/codex/chat/completions", toJson(unsupported));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("{\"error\":{\"type\":\"http_error\",\"message\":\"Unsupported OpenAI parameters for Codex: n, logprobs\"}}"));
        unsupported["n"] = 1;
        unsupported.remove(QStringLiteral("logprobs"));
        QCOMPARE(call(sim->port(), "POST", "/codex/chat/completions", toJson(unsupported)).status, 200);  // n=1 is fine
        unsupported["functions"] = QJsonArray{QJsonObject{{"name", "f"}}};
        o.propagateUnsupportedParams = true;
        sim->setOptions(o);
        r = call(sim->port(), "POST", "/codex/chat/completions", toJson(unsupported));
        QCOMPARE(r.status, 200);
        QVERIFY(r.json()["_upstream"].toObject()["params"].toObject().contains(QStringLiteral("functions")));
        o.propagateDropsParams = true;
        sim->setOptions(o);
        r = call(sim->port(), "POST", "/codex/chat/completions", toJson(unsupported));
        QCOMPARE(r.status, 200);
        QVERIFY(!r.json()["_upstream"].toObject()["params"].toObject().contains(QStringLiteral("functions")));

        // tools not forwarded through chat completions (responses unaffected)
        o = SimulatorOptions();
        o.dropToolsOnChat = true;
        sim->setOptions(o);
        chat = userChat("weather?");
        chat["tools"] = weatherTools(false);
        r = call(sim->port(), "POST", "/codex/chat/completions", toJson(chat));
        QCOMPARE(r.json()["_upstream"].toObject()["tools"].toArray(), QJsonArray());
        QCOMPARE(r.json()["choices"][0].toObject()["finish_reason"].toString(), QStringLiteral("stop"));
        QJsonObject resp = userResponses("weather?");
        resp["tools"] = weatherTools(true);
        r = call(sim->port(), "POST", "/codex/responses", toJson(resp));
        QCOMPARE(r.json()["response"].toObject()["_upstream"].toObject()["tools"].toArray(), QJsonArray({"get_weather", "search"}));

        // responses: max_output_tokens cut → response.incomplete
        resp = userResponses("a b c d e f g h", true);
        resp["max_output_tokens"] = 3;
        r = call(sim->port(), "POST", "/codex/responses", toJson(resp));
        QString problem;
        const QList<SseEvt> events = strictSse(r.body, &problem);
        QCOMPARE(events.last().event, QByteArray("response.incomplete"));
        QCOMPARE(QJsonDocument::fromJson(events.last().data).object()["response"].toObject()["_upstream"].toObject()["params"].toObject()["max_output_tokens"].toInt(), 3);
    }

    void streamingTimingAndBuffering()
    {
        SimulatorOptions o;
        o.tokenIntervalMs = 15;
        auto sim = start(o);
        // streamed: the first bytes come long before the end
        Reply r = call(sim->port(), "POST", "/codex/chat/completions", toJson(userChat("a b c d e f g h i j k l", true)));
        QVERIFY(r.complete);
        QVERIFY2(r.totalMs >= 100, qPrintable(QString::number(r.totalMs)));
        QVERIFY2(r.firstByteMs < r.totalMs / 2, qPrintable(QStringLiteral("%1 of %2").arg(r.firstByteMs).arg(r.totalMs)));
        // buffered (the fork's fault): nothing until the end
        o.bufferStreaming = true;
        sim->setOptions(o);
        r = call(sim->port(), "POST", "/codex/chat/completions", toJson(userChat("a b c d e f g h i j k l", true)));
        QVERIFY(r.complete);
        QVERIFY2(r.firstByteMs >= 100, qPrintable(QString::number(r.firstByteMs)));
        QVERIFY2(r.firstByteMs >= r.totalMs * 0.9, qPrintable(QStringLiteral("%1 of %2").arg(r.firstByteMs).arg(r.totalMs)));
        // a fixed ttfb delay on a plain request
        o = SimulatorOptions();
        o.ttfbDelayMs = 120;
        sim->setOptions(o);
        r = call(sim->port(), "POST", "/codex/chat/completions", toJson(userChat("x")));
        QVERIFY2(r.firstByteMs >= 115, qPrintable(QString::number(r.firstByteMs)));
        QCOMPARE(call(sim->port(), "GET", "/health").firstByteMs < 100, true);  // not on health
    }

    void authentication()
    {
        for (const QString &profile : {QStringLiteral("fork"), QStringLiteral("current")}) {
            SimulatorOptions o;
            o.profileId = profile;
            o.authToken = QStringLiteral("s3cret");
            auto sim = start(o);
            const QByteArray path = profile == QLatin1String("fork") ? "/codex/chat/completions" : "/codex/v1/chat/completions";
            Reply r = call(sim->port(), "POST", path, toJson(userChat("x")));
            QCOMPARE(r.status, 401);
            QCOMPARE(r.header("www-authenticate"), QByteArray("Bearer"));
            QCOMPARE(r.json()["error"].toObject()["message"].toString(), QStringLiteral("Authentication required"));
            if (profile == QLatin1String("fork"))
                QCOMPARE(r.body, QByteArray("{\"error\":{\"type\":\"http_error\",\"message\":\"Authentication required\"}}"));
            else
                QCOMPARE(r.json()["error"].toObject()["type"].toString(), QStringLiteral("authentication_error"));
            r = call(sim->port(), "POST", path, toJson(userChat("x")), {{"Authorization", "Bearer wrong"}});
            QCOMPARE(r.status, 401);
            QCOMPARE(r.header("www-authenticate"), QByteArray("Bearer"));
            QCOMPARE(r.json()["error"].toObject()["message"].toString(), QStringLiteral("Invalid authentication credentials"));
            QCOMPARE(call(sim->port(), "POST", path, toJson(userChat("x")), {{"x-api-key", "s3cret"}}).status, 401);  // no code reads it
            QCOMPARE(call(sim->port(), "POST", path, toJson(userChat("x")), {{"Authorization", "Bearer s3cret"}}).status, 200);
            QCOMPARE(call(sim->port(), "GET", "/health").status, 200);  // health needs no token
        }
    }

    void validation()
    {
        auto sim = start();
        Reply r = call(sim->port(), "POST", "/codex/chat/completions", "{not json");
        QCOMPARE(r.status, 422);
        QCOMPARE(r.json()["detail"][0].toObject()["type"].toString(), QStringLiteral("json_invalid"));
        QCOMPARE(r.json()["detail"][0].toObject()["loc"][0].toString(), QStringLiteral("body"));
        r = call(sim->port(), "POST", "/codex/chat/completions", "{\"model\":\"gpt-5\"}");
        QCOMPARE(r.status, 422);
        QCOMPARE(r.json()["detail"][0].toObject()["type"].toString(), QStringLiteral("missing"));
        QCOMPARE(r.json()["detail"][0].toObject()["loc"].toArray(), QJsonArray({"body", "messages"}));
        QCOMPARE(r.json()["detail"][0].toObject()["msg"].toString(), QStringLiteral("Field required"));
        r = call(sim->port(), "POST", "/codex/responses", "{\"input\":\"x\"}");
        QCOMPARE(r.status, 422);
        QCOMPARE(r.json()["detail"][0].toObject()["loc"].toArray(), QJsonArray({"body", "model"}));
        r = call(sim->port(), "POST", "/codex/responses", "{\"model\":\"gpt-4o\",\"input\":\"x\"}");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.body, QByteArray("{\"error\":{\"type\":\"http_error\",\"message\":\"Model 'gpt-4o' is not supported by Codex. Supported models: gpt-5, gpt-5-codex, codex-mini-latest\"}}"));
    }

    void simFaultHeader()
    {
        SimulatorOptions o;
        auto sim = start(o);
        const QByteArray body = toJson(userChat("fault please"));
        QJsonObject streamBody = userChat("fault please", true);
        auto withFault = [&](const QByteArray &fault, const QByteArray &b = {}) {
            return call(sim->port(), "POST", "/codex/chat/completions", b.isEmpty() ? body : b, {{"X-Sim-Fault", fault}});
        };
        Reply r = withFault("status:503");
        QCOMPARE(r.status, 503);
        QCOMPARE(r.json()["error"].toObject()["type"].toString(), QStringLiteral("http_error"));
        QVERIFY(!r.json()["error"].toObject()["message"].toString().isEmpty());
        r = withFault("status-nobody:404");
        QCOMPARE(r.status, 404);
        QCOMPARE(r.header("content-length"), QByteArray("0"));
        QVERIFY(r.body.isEmpty());
        r = withFault("not-json");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("application/json"));
        QJsonParseError pe{};
        QJsonDocument::fromJson(r.body, &pe);
        QVERIFY(pe.error != QJsonParseError::NoError);
        // cut-stream: half an event, then the connection closes without the last chunk
        r = withFault("cut-stream", toJson(streamBody));
        QCOMPARE(r.status, 200);
        QVERIFY(!r.complete);
        QVERIFY(r.closed);
        QVERIFY(r.body.startsWith("data: {"));
        QVERIFY(!r.body.endsWith("\n\n"));
        // non-streaming cut: less than Content-Length
        r = withFault("cut-stream");
        QVERIFY(r.closed && !r.complete);
        QVERIFY(r.body.size() < r.header("content-length").toInt());
        // huge: exactly that many bytes, a valid JSON document
        r = withFault("huge:3000000");
        QVERIFY(r.complete);
        QCOMPARE(r.body.size(), 3000000);
        QJsonDocument::fromJson(r.body, &pe);
        QCOMPARE(pe.error, QJsonParseError::NoError);
        // invalid UTF-8 in the text
        r = withFault("invalid-utf8");
        QCOMPARE(r.status, 200);
        QStringDecoder dec(QStringDecoder::Utf8);
        const QString decoded = dec(r.body);
        Q_UNUSED(decoded);
        QVERIFY(dec.hasError());
        // bad tool arguments
        QJsonObject tools = userChat("weather?");
        tools["tools"] = weatherTools(false);
        r = withFault("bad-tool-args", toJson(tools));
        const QString args = r.json()["choices"][0].toObject()["message"].toObject()["tool_calls"][0].toObject()["function"].toObject()["arguments"].toString();
        QVERIFY(!args.isEmpty());
        QJsonDocument::fromJson(args.toUtf8(), &pe);
        QVERIFY(pe.error != QJsonParseError::NoError);
        // delay before the headers
        r = withFault("delay:150");
        QVERIFY2(r.firstByteMs >= 145, qPrintable(QString::number(r.firstByteMs)));
        QCOMPARE(r.status, 200);
        // unknown fault: 400 naming it
        r = withFault("explode");
        QCOMPARE(r.status, 400);
        QVERIFY(r.json()["error"].toObject()["message"].toString().contains(QStringLiteral("explode")));
        // hang: nothing comes; after the client goes the simulator is fine and nothing is active
        const qint64 served = sim->requestsServed();
        {
            Raw raw(sim->port());
            raw.send(request("POST", "/codex/chat/completions", body, {{"X-Sim-Fault", "hang"}}));
            const Reply h = raw.read(300);
            QCOMPARE(h.status, 0);
            QVERIFY(h.body.isEmpty());
        }
        QCOMPARE(sim->requestsServed(), served);
        QTRY_VERIFY(sim->metricsText().contains("ccproxy_active_requests 0.0"));
        QCOMPARE(call(sim->port(), "GET", "/health").status, 200);
    }

    void endlessStreamIsBounded()
    {
        auto sim = start();
        Raw raw(sim->port());
        raw.send(request("POST", "/codex/chat/completions", toJson(userChat("forever")), {{"X-Sim-Fault", "endless"}}));
        // read a good amount: it keeps coming
        qint64 got = 0;
        QElapsedTimer t;
        t.start();
        while (got < 4 * 1024 * 1024 && t.elapsed() < 10000) {
            QCoreApplication::processEvents();
            raw.sock.waitForReadyRead(5);
            got += raw.sock.readAll().size();
        }
        QVERIFY2(got >= 4 * 1024 * 1024, qPrintable(QString::number(got)));
        // now stop reading for a while: the simulator must not pile data up in memory (our own
        // socket must not either: it would read everything the kernel hands it into its buffer)
        raw.sock.setReadBufferSize(64 * 1024);
        const qint64 before = rssBytes();
        t.restart();
        while (t.elapsed() < 600) {
            QCoreApplication::processEvents();
            QTest::qSleep(5);
        }
        const qint64 grown = rssBytes() - before;
        QVERIFY2(grown < 64 * 1024 * 1024, qPrintable(QStringLiteral("RSS grew by %1 bytes").arg(grown)));
        raw.sock.abort();
        QTRY_VERIFY(sim->metricsText().contains("ccproxy_active_requests 0.0"));
        QCOMPARE(call(sim->port(), "GET", "/health").status, 200);
    }

    void errorRate()
    {
        SimulatorOptions o;
        o.errorRate = 1.0;
        auto sim = start(o);
        Reply r = call(sim->port(), "POST", "/codex/chat/completions", toJson(userChat("x")));
        QCOMPARE(r.status, 500);
        QCOMPARE(r.body, QByteArray("{\"error\":{\"type\":\"http_error\",\"message\":\"Internal Server Error (simulated)\"}}"));
        r = call(sim->port(), "POST", "/codex/chat/completions", toJson(userChat("x", true)));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("data: {\"error\":{\"message\":\"Internal Server Error (simulated)\",\"type\":\"server_error\",\"code\":\"internal_error\"}}\n\n"));
        r = call(sim->port(), "POST", "/codex/responses", toJson(userResponses("x", true)));
        QVERIFY(r.body.startsWith("event: response.failed\ndata: "));
        QCOMPARE(call(sim->port(), "GET", "/health").status, 200);  // only /codex/*
        // a seeded share
        sim->setErrorRate(0.3);
        int errors = 0;
        Raw raw(sim->port());
        for (int i = 0; i < 200; ++i) {
            raw.send(request("POST", "/codex/chat/completions", toJson(userChat("x"))));
            errors += raw.read().status == 500;
        }
        QVERIFY2(errors > 30 && errors < 90, qPrintable(QString::number(errors)));
    }

    void metrics()
    {
        auto sim = start();
        for (int i = 0; i < 3; ++i)
            call(sim->port(), "POST", "/codex/chat/completions", toJson(userChat("x")));
        call(sim->port(), "POST", "/codex/responses", toJson(userResponses("x", true)));
        call(sim->port(), "POST", "/codex/chat/completions", "{\"model\":\"bad\",\"messages\":[]}");
        call(sim->port(), "POST", "/codex/chat/completions", toJson(userChat("x")), {{"X-Sim-Fault", "status:503"}});
        const Reply r = call(sim->port(), "GET", "/metrics");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-type"), QByteArray("text/plain; version=0.0.4; charset=utf-8"));
        QCOMPARE(QByteArray(r.body), sim->metricsText());
        const QByteArray t = r.body;
        QVERIFY(t.contains("# HELP ccproxy_requests_total "));
        QVERIFY(t.contains("# TYPE ccproxy_requests_total counter\n"));
        QVERIFY(t.contains("# TYPE ccproxy_response_duration_seconds histogram\n"));
        QVERIFY(t.contains("# TYPE ccproxy_tokens_total counter\n"));
        QVERIFY(t.contains("# TYPE ccproxy_cost_usd_total counter\n"));
        QVERIFY(t.contains("# TYPE ccproxy_errors_total counter\n"));
        QVERIFY(t.contains("# TYPE ccproxy_active_requests gauge\n"));
        QVERIFY(t.contains("ccproxy_requests_total{endpoint=\"/codex/chat/completions\",method=\"POST\",model=\"gpt-5\",service_type=\"codex\",status=\"200\"} 3.0\n"));
        QVERIFY(t.contains("ccproxy_requests_total{endpoint=\"/codex/responses\",method=\"POST\",model=\"gpt-5\",service_type=\"codex\",status=\"200\"} 1.0\n"));
        QVERIFY(t.contains("ccproxy_requests_total{endpoint=\"/codex/chat/completions\",method=\"POST\",model=\"bad\",service_type=\"codex\",status=\"400\"} 1.0\n"));
        QVERIFY(t.contains(",status=\"503\"} 1.0\n"));
        QVERIFY(t.contains("ccproxy_response_duration_seconds_bucket{endpoint=\"/codex/chat/completions\",le=\"+Inf\",model=\"gpt-5\",service_type=\"codex\"} 3.0\n"));
        QVERIFY(t.contains("ccproxy_response_duration_seconds_count{endpoint=\"/codex/chat/completions\",model=\"gpt-5\",service_type=\"codex\"} 3.0\n"));
        QVERIFY(t.contains("ccproxy_tokens_total{model=\"gpt-5\",service_type=\"codex\",type=\"input\"} "));
        QVERIFY(t.contains("ccproxy_errors_total{endpoint=\"/codex/chat/completions\",error_type="));
        // every sample line: name{sorted labels} float
        const QRegularExpression sample(QStringLiteral("^([a-z_]+)(\\{([a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*)\\})? (\\+Inf|-?[0-9.]+(e-?[0-9]+)?)$"));
        int samples = 0;
        QStringList buckets;
        for (const QByteArray &line : t.split('\n')) {
            if (line.isEmpty() || line.startsWith('#'))
                continue;
            const auto m = sample.match(QString::fromUtf8(line));
            QVERIFY2(m.hasMatch(), line.constData());
            QVERIFY2(m.captured(5).contains(QLatin1Char('.')) || m.captured(5).contains(QLatin1Char('e')) || m.captured(5) == QLatin1String("+Inf"),
                     line.constData());
            QStringList names;
            for (const QString &pair : m.captured(3).split(QLatin1Char(','), Qt::SkipEmptyParts))
                names << pair.section(QLatin1Char('='), 0, 0);
            QStringList sorted = names;
            sorted.sort();
            QCOMPARE(names, sorted);
            if (line.startsWith("ccproxy_response_duration_seconds_bucket{endpoint=\"/codex/chat/completions\",le=")
                && line.contains("model=\"gpt-5\""))
                buckets << QString::fromUtf8(line).section(QLatin1Char('"'), 3, 3);
            ++samples;
        }
        QVERIFY(samples > 20);
        QCOMPARE(buckets, QStringList({"0.01", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "25.0", "+Inf"}));
        // /metrics is not counted itself
        QVERIFY(!t.contains("endpoint=\"/metrics\""));

        SimulatorOptions off;
        off.metricsEnabled = false;
        sim->setOptions(off);
        QCOMPARE(call(sim->port(), "GET", "/metrics").status, 404);

        SimulatorOptions current;
        current.profileId = QStringLiteral("current");
        auto cur = start(current);
        call(cur->port(), "POST", "/codex/v1/chat/completions", toJson(userChat("x")));
        const QByteArray ct = call(cur->port(), "GET", "/metrics").body;
        // current labels endpoint with the request URL (built from the Host header the client sent: "127.0.0.1")
        QVERIFY2(ct.contains("ccproxy_requests_total{endpoint=\"http://127.0.0.1/codex/v1/chat/completions\",method=\"POST\","
                             "model=\"unknown\",service_type=\"unknown\",status=\"200\"} 1.0"),
                 ct.constData());
    }

    void keepAliveAndHttp10()
    {
        auto sim = start();
        QSignalSpy served(sim.get(), &Simulator::requestServed);
        Raw raw(sim->port());
        for (int i = 0; i < 5; ++i) {
            raw.send(request("POST", "/codex/chat/completions", toJson(userChat(QStringLiteral("n%1").arg(i)))));
            const Reply r = raw.read();
            QCOMPARE(r.status, 200);
            QVERIFY(r.json()["choices"][0].toObject()["message"].toObject()["content"].toString().contains(QStringLiteral("n%1").arg(i)));
            QVERIFY(!r.closed);
        }
        // two pipelined in one write, then a stream on the same connection
        raw.send(request("GET", "/health") + request("GET", "/health/live"));
        QCOMPARE(raw.read().json()["status"].toString(), QStringLiteral("pass"));
        QCOMPARE(raw.read().status, 200);
        raw.send(request("POST", "/codex/chat/completions", toJson(userChat("s", true))));
        QVERIFY(raw.read().complete);
        raw.send(request("GET", "/health"));
        QCOMPARE(raw.read().status, 200);
        QCOMPARE(raw.sock.state(), QAbstractSocket::ConnectedState);
        QTRY_COMPARE(served.count(), 9);
        QCOMPARE(served.first().at(0).toString(), QStringLiteral("POST"));
        QCOMPARE(served.first().at(1).toString(), QStringLiteral("/codex/chat/completions"));
        QCOMPARE(served.first().at(2).toInt(), 200);

        // Connection: close
        raw.send(request("GET", "/health", {}, {{"Connection", "close"}}));
        Reply r = raw.read();
        QCOMPARE(r.header("connection"), QByteArray("close"));
        QVERIFY(raw.waitClosed());

        // HTTP/1.0 keep-alive, as ab sends it
        Raw ab(sim->port());
        for (int i = 0; i < 3; ++i) {
            ab.send(request("POST", "/codex/chat/completions", toJson(userChat("ab")), {{"Connection", "Keep-Alive"}, {"User-Agent", "ApacheBench/2.3"}}, "HTTP/1.0"));
            r = ab.read();
            QCOMPARE(r.status, 200);
            QCOMPARE(r.header("connection"), QByteArray("keep-alive"));
            QVERIFY(!r.header("content-length").isEmpty());
            QVERIFY(r.complete);
        }
        // HTTP/1.0 stream: no chunked, the end of the body is the end of the connection
        ab.send(request("POST", "/codex/chat/completions", toJson(userChat("ab", true)), {{"Connection", "Keep-Alive"}}, "HTTP/1.0"));
        r = ab.read();
        QVERIFY(!r.chunked);
        QVERIFY(r.closed);
        QVERIFY(r.body.endsWith("data: [DONE]\n\n"));
        // HTTP/1.0 without keep-alive: closed after the answer
        Raw plain(sim->port());
        plain.send(request("GET", "/health", {}, {}, "HTTP/1.0"));
        QCOMPARE(plain.read().status, 200);
        QVERIFY(plain.waitClosed());
        // Expect: 100-continue
        Raw cont(sim->port());
        cont.send(request("POST", "/codex/chat/completions", toJson(userChat("c")), {{"Expect", "100-continue"}}));
        QCOMPARE(cont.read().status, 200);
    }

    void badRequests()
    {
        auto sim = start();
        Raw garbage(sim->port());
        garbage.send("GARBAGE\r\n\r\n");
        Reply r = garbage.read();
        QCOMPARE(r.status, 400);
        QCOMPARE(r.header("connection"), QByteArray("close"));
        QVERIFY(garbage.waitClosed());

        Raw badHeader(sim->port());
        badHeader.send("GET /health HTTP/1.1\r\nno colon here\r\n\r\n");
        QCOMPARE(badHeader.read().status, 400);

        Raw badVersion(sim->port());
        badVersion.send("GET /health HTTP/2.0\r\n\r\n");
        QCOMPARE(badVersion.read().status, 505);

        Raw badLength(sim->port());
        badLength.send("POST /codex/responses HTTP/1.1\r\nContent-Length: abc\r\n\r\n");
        QCOMPARE(badLength.read().status, 400);

        Raw huge(sim->port());
        huge.send("GET /health HTTP/1.1\r\nX-Big: " + QByteArray(70 * 1024, 'a') + "\r\n\r\n");
        r = huge.read();
        QCOMPARE(r.status, 431);
        QVERIFY(huge.waitClosed());

        Raw big(sim->port());
        big.send("POST /codex/responses HTTP/1.1\r\nContent-Length: 40000000\r\n\r\n");
        QCOMPARE(big.read().status, 413);
        QVERIFY(big.waitClosed());

        QCOMPARE(call(sim->port(), "GET", "/health").status, 200);
    }

    void networkAccessManager()
    {
        SimulatorOptions o;
        o.tokenIntervalMs = 2;
        auto sim = start(o);
        QNetworkAccessManager nam;
        QNetworkRequest req(QUrl(sim->baseUrl() + QStringLiteral("/codex/chat/completions")));
        req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        req.setRawHeader("session_id", "nam-1");
        QNetworkReply *reply = nam.post(req, toJson(userChat("via qnam", true)));
        QSignalSpy done(reply, &QNetworkReply::finished);
        QVERIFY(done.wait(10000));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        const QByteArray body = reply->readAll();
        QVERIFY(body.endsWith("data: [DONE]\n\n"));
        QVERIFY(body.contains("\"session_id\":\"nam-1\""));
        reply->deleteLater();
        // keep-alive through QNAM: several in a row
        for (int i = 0; i < 5; ++i) {
            QNetworkReply *r2 = nam.post(req, toJson(userChat(QStringLiteral("again %1").arg(i))));
            QSignalSpy d2(r2, &QNetworkReply::finished);
            QVERIFY(d2.wait(10000));
            QCOMPARE(r2->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
            QVERIFY(QJsonDocument::fromJson(r2->readAll()).object()["choices"][0].toObject()["message"].toObject()["content"].toString().contains(QStringLiteral("again %1").arg(i)));
            r2->deleteLater();
        }
    }

    void applySettings()
    {
        SimulatorOptions o;
        QString error;
        QVERIFY(Simulator::applySetting(o, QStringLiteral("error-rate"), QStringLiteral("0.25"), &error));
        QCOMPARE(o.errorRate, 0.25);
        QVERIFY(Simulator::applySetting(o, QStringLiteral("buffer-streaming"), QStringLiteral("yes"), &error));
        QVERIFY(o.bufferStreaming);
        QVERIFY(Simulator::applySetting(o, QStringLiteral("injection-mode"), QStringLiteral("append"), &error));
        QCOMPARE(o.injectionMode, QStringLiteral("append"));
        QVERIFY(Simulator::applySetting(o, QStringLiteral("profile"), QStringLiteral("current"), &error));
        QCOMPARE(o.profileId, QStringLiteral("current"));
        QVERIFY(Simulator::applySetting(o, QStringLiteral("metrics"), QStringLiteral("off"), &error));
        QVERIFY(!o.metricsEnabled);
        QVERIFY(Simulator::applySetting(o, QStringLiteral("threads"), QStringLiteral("4"), &error));
        QCOMPARE(o.workerThreads, 4);
        QVERIFY(Simulator::applySetting(o, QStringLiteral("seed"), QStringLiteral("7"), &error));
        QCOMPARE(o.seed, 7u);
        QVERIFY(!Simulator::applySetting(o, QStringLiteral("error-rate"), QStringLiteral("1.5"), &error));
        QVERIFY2(error.contains(QStringLiteral("error-rate")) && error.contains(QStringLiteral("1.5")), qPrintable(error));
        QVERIFY(!Simulator::applySetting(o, QStringLiteral("injection-mode"), QStringLiteral("sometimes"), &error));
        QVERIFY(error.contains(QStringLiteral("sometimes")));
        QVERIFY(!Simulator::applySetting(o, QStringLiteral("buffer-streaming"), QStringLiteral("maybe"), &error));
        QVERIFY(error.contains(QStringLiteral("buffer-streaming")));
        QVERIFY(!Simulator::applySetting(o, QStringLiteral("profile"), QStringLiteral("v9"), &error));
        QVERIFY(!Simulator::applySetting(o, QStringLiteral("threads"), QStringLiteral("0"), &error));
        QVERIFY(!Simulator::applySetting(o, QStringLiteral("colour"), QStringLiteral("red"), &error));
        QVERIFY(error.contains(QStringLiteral("unknown setting 'colour'")));
    }

    void listenErrors()
    {
        auto sim = start();
        Simulator second;
        QString error;
        QVERIFY(!second.listen(QHostAddress::LocalHost, sim->port(), &error));
        QVERIFY2(error.contains(QString::number(sim->port())), qPrintable(error));
        sim->close();
        QCOMPARE(sim->port(), quint16(0));
    }
};

QTEST_GUILESS_MAIN(TestSimulator)
#include "tst_simulator.moc"
