// The endpoint test suite: JSON, the judge on synthetic responses (every assertion kind, pass
// and fail reasons), and the presets against the in-process simulator — correct, and with each
// fault switch the reference lists for the fork.
#include "proxy/EndpointClient.h"
#include "proxy/SecretStore.h"
#include "proxy/Simulator.h"
#include "proxy/TestSuite.h"

#include <QJsonDocument>
#include <QtTest/QtTest>

using namespace codex::proxy;

namespace {

ProxyProfile forkProfile()
{
    return *ProxyProfile::preset(QStringLiteral("fork"));
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

ProxyResponse jsonResponse(int status, const QJsonObject &body, const HeaderList &extra = {})
{
    ProxyResponse r;
    r.method = "POST";
    r.url = QUrl(QStringLiteral("http://127.0.0.1:1/codex/chat/completions"));
    r.status = status;
    r.headers = {{"Content-Type", "application/json"}};
    r.headers += extra;
    r.body = compact(body);
    r.assembled.setBody(r.body);
    r.timing.ttfbMs = 10;
    r.timing.totalMs = 12;
    r.timing.bytes = r.body.size();
    return r;
}

QJsonObject chatBody(const QString &text, const QJsonObject &upstream = {}, const QJsonArray &toolCalls = {})
{
    QJsonObject message{{QStringLiteral("role"), QStringLiteral("assistant")}, {QStringLiteral("content"), text}};
    if (!toolCalls.isEmpty())
        message.insert(QStringLiteral("tool_calls"), toolCalls);
    QJsonObject o{{QStringLiteral("id"), QStringLiteral("chatcmpl-1")},
                  {QStringLiteral("object"), QStringLiteral("chat.completion")},
                  {QStringLiteral("model"), QStringLiteral("gpt-5")},
                  {QStringLiteral("choices"),
                   QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                          {QStringLiteral("message"), message},
                                          {QStringLiteral("finish_reason"), toolCalls.isEmpty() ? QStringLiteral("stop") : QStringLiteral("tool_calls")}}}},
                  {QStringLiteral("usage"),
                   QJsonObject{{QStringLiteral("prompt_tokens"), 5}, {QStringLiteral("completion_tokens"), 3}, {QStringLiteral("total_tokens"), 8}}}};
    if (!upstream.isEmpty())
        o.insert(QStringLiteral("_upstream"), upstream);
    return o;
}

QJsonArray toolCall(const QString &name, const QString &args)
{
    return QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("call_1")},
                                  {QStringLiteral("type"), QStringLiteral("function")},
                                  {QStringLiteral("function"), QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("arguments"), args}}}}};
}

/// A chat stream of `deltas` text deltas; first token and total as given.
ProxyResponse chatStream(int deltas, double firstTokenMs, double totalMs, bool done = true)
{
    ProxyResponse r;
    r.method = "POST";
    r.status = 200;
    r.isEventStream = true;
    r.headers = {{"Content-Type", "text/event-stream"}};
    int index = 0;
    auto add = [&](const QByteArray &data) {
        SseEvent e;
        e.data = data;
        e.index = index++;
        e.atNs = qint64(firstTokenMs * 1e6);
        r.body += "data: " + data + "\n\n";
        r.assembled.addEvent(e, e.atNs);
        r.events << e;
        ++r.eventCount;
    };
    for (int i = 0; i < deltas; ++i)
        add(compact(QJsonObject{{QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                                {QStringLiteral("choices"),
                                 QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                                        {QStringLiteral("delta"), QJsonObject{{QStringLiteral("content"), QStringLiteral("word%1 ").arg(i)}}},
                                                        {QStringLiteral("finish_reason"), QJsonValue::Null}}}}}));
    if (done)
        add("[DONE]");
    r.timing.ttfbMs = firstTokenMs;
    r.timing.firstTokenMs = firstTokenMs;
    r.timing.totalMs = totalMs;
    return r;
}

TestCase oneStep(const QList<Assertion> &assertions, const QHash<QString, QString> &capture = {})
{
    TestCase c;
    c.id = QStringLiteral("t");
    c.title = QStringLiteral("T");
    TestStep s;
    s.request.path = QStringLiteral("/x");
    s.assertions = assertions;
    s.capture = capture;
    c.steps << s;
    return c;
}

Assertion A(const QString &kind, const QJsonObject &args = {})
{
    Assertion a;
    a.kind = kind;
    a.args = args;
    return a;
}

CaseResult judge1(const Assertion &a, const ProxyResponse &r)
{
    return SuiteRunner::judge(oneStep({a}), {r}, forkProfile());
}

struct SimRun {
    SuiteResult result;
    QString failures;  // "id: reason" lines, for messages
};

}  // namespace

class TestTestSuite : public QObject {
    Q_OBJECT

private:
    SuiteResult runAgainst(const SimulatorOptions &opts, const QHash<QString, QString> &vars = {}, const QString &tokenRef = {},
                           const QStringList &only = {})
    {
        Simulator sim(opts);
        QString error;
        if (!sim.listen(QHostAddress::LocalHost, 0, &error))
            qFatal("simulator: %s", qPrintable(error));
        SecretStore secrets;
        secrets.setKeychainDisabled(true);
        EndpointClient client(&secrets);
        SuiteRunner runner(&client);
        runner.setVariables(vars);
        Environment env;
        env.name = QStringLiteral("sim");
        env.baseUrl = QUrl(sim.baseUrl());
        env.profileId = opts.profileId;
        env.tokenRef = tokenRef;
        env.timeoutMs = 10000;
        return runner.run(TestSuite::presets(), env, only);
    }

    static QString describe(const SuiteResult &r)
    {
        QStringList lines;
        for (const CaseResult &c : r.cases)
            lines << QStringLiteral("%1 %2: %3").arg(verdictName(c.verdict), c.id, c.firstFailure());
        return lines.join(QLatin1Char('\n'));
    }

    static const CaseResult *find(const SuiteResult &r, const QString &id)
    {
        for (const CaseResult &c : r.cases)
            if (c.id == id)
                return &c;
        return nullptr;
    }

private Q_SLOTS:
    void presetsCoverTheChecklist()
    {
        const TestSuite s = TestSuite::presets();
        QVERIFY(s.cases.size() >= 20);
        const QStringList items = {QStringLiteral("Basic Codex responses endpoint"),
                                   QStringLiteral("Chat completions endpoint with tool calling"),
                                   QStringLiteral("Session management (auto and persistent)"),
                                   QStringLiteral("Instruction injection modes (override, append, disabled)"),
                                   QStringLiteral("Parameter propagation (temperature, top_p, etc.)"),
                                   QStringLiteral("Streaming responses"),
                                   QStringLiteral("Error handling and fallbacks")};
        for (const QString &item : items) {
            int n = 0;
            for (const TestCase &c : s.cases)
                n += c.checklistItem == item ? 1 : 0;
            QVERIFY2(n > 0, qPrintable(item));
        }
        QStringList ids;
        for (const TestCase &c : s.cases) {
            ids << c.id;
            for (const TestStep &st : c.steps)
                QVERIFY2(st.request.path.startsWith(QLatin1String("${")) || st.request.path.startsWith(QLatin1String("/codex/no-such")),
                         qPrintable(c.id + QStringLiteral(": path not from the profile: ") + st.request.path));
        }
        for (const char *id : {"health", "model-info", "injection-override", "injection-append", "injection-disabled", "sessions-auto",
                               "sessions-persistent-path", "sessions-header", "errors-missing-auth", "errors-bad-model", "errors-malformed-body"})
            QVERIFY2(ids.contains(QLatin1String(id)), id);
        // Round trip through JSON.
        QString error;
        const auto again = TestSuite::fromJson(s.toJson(), &error);
        QVERIFY2(again, qPrintable(error));
        QCOMPARE(again->toJson(), s.toJson());
    }

    void jsonErrorsNameCaseStepAndField_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << QByteArray("{\"cases\": [") << QStringLiteral("not valid JSON");
        QTest::newRow("no cases") << QByteArray("{\"name\":\"x\"}") << QStringLiteral("\"cases\" is missing");
        QTest::newRow("no id") << QByteArray("{\"cases\":[{\"steps\":[]}]}") << QStringLiteral("case 1: a case has no \"id\"");
        QTest::newRow("no steps") << QByteArray("{\"cases\":[{\"id\":\"a\"}]}") << QStringLiteral("case 'a': \"steps\" must be a non-empty list");
        QTest::newRow("no path") << QByteArray("{\"cases\":[{\"id\":\"a\",\"steps\":[{\"request\":{\"path\":\"/x\"}},{\"request\":{\"method\":\"GET\"}}]}]}")
                                 << QStringLiteral("case 'a', step 2: \"request.path\" is missing");
        QTest::newRow("unknown kind") << QByteArray("{\"cases\":[{\"id\":\"a\",\"steps\":[{\"request\":{\"path\":\"/x\"},\"assertions\":[{\"kind\":\"status\",\"equals\":200},{\"kind\":\"colour\"}]}]}]}")
                                      << QStringLiteral("case 'a', step 1, assertion 2: unknown kind \"colour\"");
        QTest::newRow("tool-call without name") << QByteArray("{\"cases\":[{\"id\":\"a\",\"steps\":[{\"request\":{\"path\":\"/x\"},\"assertions\":[{\"kind\":\"tool-call\"}]}]}]}")
                                                << QStringLiteral("case 'a', step 1, assertion 1: \"tool-call\" needs \"name\"");
        QTest::newRow("status type") << QByteArray("{\"cases\":[{\"id\":\"a\",\"steps\":[{\"request\":{\"path\":\"/x\"},\"assertions\":[{\"kind\":\"status\",\"equals\":\"ok\"}]}]}]}")
                                     << QStringLiteral("\"equals\" must be a number");
        QTest::newRow("duplicate") << QByteArray("{\"cases\":[{\"id\":\"a\",\"steps\":[{\"request\":{\"path\":\"/x\"}}]},{\"id\":\"a\",\"steps\":[{\"request\":{\"path\":\"/x\"}}]}]}")
                                   << QStringLiteral("case 'a' is defined twice");
        QTest::newRow("headers") << QByteArray("{\"cases\":[{\"id\":\"a\",\"steps\":[{\"request\":{\"path\":\"/x\",\"headers\":{\"x\":1}}}]}]}")
                                 << QStringLiteral("case 'a', step 1: \"request.headers.x\" must be a string");
    }
    void jsonErrorsNameCaseStepAndField()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!TestSuite::fromJson(json, &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
    }

    void loadNamesTheFile()
    {
        QString error;
        QVERIFY(!TestSuite::load(QStringLiteral("/nonexistent/suite.json"), &error));
        QVERIFY2(error.contains(QLatin1String("/nonexistent/suite.json")), qPrintable(error));
    }

    void judgeStatus()
    {
        const ProxyResponse ok = jsonResponse(200, chatBody(QStringLiteral("hi")));
        QCOMPARE(judge1(A(QStringLiteral("status"), {{QStringLiteral("equals"), 200}}), ok).verdict, Verdict::Pass);
        const ProxyResponse denied = jsonResponse(
            401, QJsonObject{{QStringLiteral("error"), QJsonObject{{QStringLiteral("type"), QStringLiteral("http_error")}, {QStringLiteral("message"), QStringLiteral("Authentication required")}}}});
        const CaseResult r = judge1(A(QStringLiteral("status"), {{QStringLiteral("equals"), 200}}), denied);
        QCOMPARE(r.verdict, Verdict::Fail);
        QCOMPARE(r.firstFailure(), QStringLiteral("status 401, expected 200: Authentication required"));
        QCOMPARE(judge1(A(QStringLiteral("status"), {{QStringLiteral("in"), QJsonArray{400, 401}}}), denied).verdict, Verdict::Pass);
        // FastAPI 422 detail list
        const ProxyResponse v422 = jsonResponse(422, QJsonObject{{QStringLiteral("detail"), QJsonArray{QJsonObject{{QStringLiteral("loc"), QJsonArray{QStringLiteral("body"), QStringLiteral("messages")}}, {QStringLiteral("msg"), QStringLiteral("Input should be a valid list")}}}}});
        QCOMPARE(judge1(A(QStringLiteral("status"), {{QStringLiteral("equals"), 200}}), v422).firstFailure(),
                 QStringLiteral("status 422, expected 200: body.messages: Input should be a valid list"));
    }

    void judgeJsonPaths()
    {
        const ProxyResponse r = jsonResponse(200, chatBody(QStringLiteral("Hello there")));
        auto eq = [&](const QString &path, const QJsonValue &v) {
            return judge1(A(QStringLiteral("json-equals"), {{QStringLiteral("path"), path}, {QStringLiteral("value"), v}}), r);
        };
        QCOMPARE(eq(QStringLiteral("choices.0.message.role"), QStringLiteral("assistant")).verdict, Verdict::Pass);
        QCOMPARE(eq(QStringLiteral("usage.total_tokens"), 8).verdict, Verdict::Pass);
        QCOMPARE(eq(QStringLiteral("_finish_reason"), QStringLiteral("stop")).verdict, Verdict::Pass);
        const CaseResult bad = eq(QStringLiteral("object"), QStringLiteral("chat.completion.chunk"));
        QCOMPARE(bad.verdict, Verdict::Fail);
        QCOMPARE(bad.firstFailure(), QStringLiteral("object is \"chat.completion\", expected \"chat.completion.chunk\""));
        QCOMPARE(eq(QStringLiteral("choices.3.message"), 1).firstFailure(), QStringLiteral("choices.3.message is missing"));

        QCOMPARE(judge1(A(QStringLiteral("json-exists"), {{QStringLiteral("path"), QStringLiteral("usage.total_tokens")}}), r).verdict, Verdict::Pass);
        QCOMPARE(judge1(A(QStringLiteral("json-exists"), {{QStringLiteral("path"), QStringLiteral("_text")}}), r).verdict, Verdict::Pass);
        QCOMPARE(judge1(A(QStringLiteral("json-exists"), {{QStringLiteral("path"), QStringLiteral("error")}}), r).firstFailure(), QStringLiteral("error is missing"));
        QCOMPARE(judge1(A(QStringLiteral("json-absent"), {{QStringLiteral("path"), QStringLiteral("error")}}), r).verdict, Verdict::Pass);
        QVERIFY(judge1(A(QStringLiteral("json-absent"), {{QStringLiteral("path"), QStringLiteral("model")}}), r).firstFailure().startsWith(QLatin1String("model is present")));
        QCOMPARE(judge1(A(QStringLiteral("json-contains"), {{QStringLiteral("path"), QStringLiteral("choices.0.message.content")}, {QStringLiteral("text"), QStringLiteral("HELLO")}}), r).verdict,
                 Verdict::Pass);
        QCOMPARE(judge1(A(QStringLiteral("json-contains"), {{QStringLiteral("path"), QStringLiteral("model")}, {QStringLiteral("text"), QStringLiteral("claude")}}), r).firstFailure(),
                 QStringLiteral("model does not contain \"claude\": \"gpt-5\""));
        // A body that is not JSON
        ProxyResponse html = r;
        html.body = "<html>bad gateway</html>";
        html.assembled.reset();
        QVERIFY(judge1(A(QStringLiteral("json-exists"), {{QStringLiteral("path"), QStringLiteral("usage")}}), html).firstFailure().contains(QLatin1String("not JSON")));
    }

    void judgeHeaderAndText()
    {
        const ProxyResponse r = jsonResponse(200, chatBody(QStringLiteral("The word is PAPAYA")), {{"WWW-Authenticate", "Bearer"}});
        QCOMPARE(judge1(A(QStringLiteral("header"), {{QStringLiteral("name"), QStringLiteral("content-type")}, {QStringLiteral("contains"), QStringLiteral("application/json")}}), r).verdict,
                 Verdict::Pass);
        QCOMPARE(judge1(A(QStringLiteral("header"), {{QStringLiteral("name"), QStringLiteral("www-authenticate")}, {QStringLiteral("contains"), QStringLiteral("bearer")}}), r).verdict,
                 Verdict::Pass);
        QCOMPARE(judge1(A(QStringLiteral("header"), {{QStringLiteral("name"), QStringLiteral("content-type")}, {QStringLiteral("contains"), QStringLiteral("text/event-stream")}}), r).firstFailure(),
                 QStringLiteral("header content-type is \"application/json\", expected it to contain \"text/event-stream\""));
        QCOMPARE(judge1(A(QStringLiteral("header"), {{QStringLiteral("name"), QStringLiteral("retry-after")}}), r).firstFailure(), QStringLiteral("no retry-after header in the response"));
        QCOMPARE(judge1(A(QStringLiteral("text-contains"), {{QStringLiteral("text"), QStringLiteral("papaya")}}), r).verdict, Verdict::Pass);
        QCOMPARE(judge1(A(QStringLiteral("text-contains"), {{QStringLiteral("text"), QStringLiteral("mango")}}), r).firstFailure(),
                 QStringLiteral("the answer does not contain \"mango\": \"The word is PAPAYA\""));
    }

    void judgeStreams()
    {
        const ProxyResponse live = chatStream(5, 20, 400);
        QCOMPARE(judge1(A(QStringLiteral("stream-ends"), {{QStringLiteral("with"), QStringLiteral("[DONE]")}}), live).verdict, Verdict::Pass);
        const CaseResult streamed = judge1(A(QStringLiteral("streamed")), live);
        QCOMPARE(streamed.verdict, Verdict::Pass);
        QVERIFY(streamed.warnings.isEmpty());

        const ProxyResponse cut = chatStream(5, 20, 400, false);
        const CaseResult noDone = judge1(A(QStringLiteral("stream-ends"), {{QStringLiteral("with"), QStringLiteral("[DONE]")}}), cut);
        QCOMPARE(noDone.verdict, Verdict::Fail);
        QVERIFY2(noDone.firstFailure().startsWith(QLatin1String("the stream ended without [DONE]")), qPrintable(noDone.firstFailure()));
        QVERIFY(judge1(A(QStringLiteral("stream-ends"), {{QStringLiteral("with"), QStringLiteral("response.completed")}}), live).verdict == Verdict::Fail);

        // Buffered: first token at 1,480 ms of 1,502 ms.
        const ProxyResponse buffered = chatStream(5, 1480, 1502);
        const CaseResult b = judge1(A(QStringLiteral("streamed")), buffered);
        QCOMPARE(b.verdict, Verdict::Fail);
        QCOMPARE(b.firstFailure(), QStringLiteral("streaming is buffered by the proxy: first token at 1,480 ms of 1,502 ms total"));
        QCOMPARE(b.warnings.size(), 1);
        QVERIFY2(b.warnings.first().startsWith(QLatin1String("streaming is buffered by the proxy: first token at 1,480 ms of 1,502 ms total")),
                 qPrintable(b.warnings.first()));
        // The warning appears even when no assertion checks streaming.
        QCOMPARE(judge1(A(QStringLiteral("status"), {{QStringLiteral("equals"), 200}}), buffered).warnings.size(), 1);
        // Not a stream at all.
        QVERIFY(judge1(A(QStringLiteral("streamed")), jsonResponse(200, chatBody(QStringLiteral("x")))).firstFailure().startsWith(QLatin1String("not an event stream")));
    }

    void judgeToolCalls()
    {
        const ProxyResponse good = jsonResponse(200, chatBody(QString(), {}, toolCall(QStringLiteral("get_weather"), QStringLiteral("{\"location\":\"Berlin\"}"))));
        QCOMPARE(judge1(A(QStringLiteral("tool-call"), {{QStringLiteral("name"), QStringLiteral("get_weather")}, {QStringLiteral("validJson"), true}}), good).verdict, Verdict::Pass);
        QCOMPARE(judge1(A(QStringLiteral("no-tool-call")), good).firstFailure(), QStringLiteral("unexpected tool call get_weather"));
        QCOMPARE(judge1(A(QStringLiteral("tool-call"), {{QStringLiteral("name"), QStringLiteral("search")}}), good).firstFailure(),
                 QStringLiteral("no call of search; tool calls: get_weather"));

        const ProxyResponse bad = jsonResponse(200, chatBody(QString(), {}, toolCall(QStringLiteral("get_weather"), QStringLiteral("{\"location\": Berl"))));
        const CaseResult r = judge1(A(QStringLiteral("tool-call"), {{QStringLiteral("name"), QStringLiteral("get_weather")}, {QStringLiteral("validJson"), true}}), bad);
        QCOMPARE(r.verdict, Verdict::Fail);
        QVERIFY2(r.firstFailure().contains(QLatin1String("not valid JSON")), qPrintable(r.firstFailure()));
        QCOMPARE(r.assertions.first().evidence, QStringLiteral("{\"location\": Berl"));

        const ProxyResponse none = jsonResponse(200, chatBody(QStringLiteral("It is sunny.")));
        QCOMPARE(judge1(A(QStringLiteral("tool-call"), {{QStringLiteral("name"), QStringLiteral("get_weather")}}), none).firstFailure(),
                 QStringLiteral("no tool call, expected a call of get_weather (answer: \"It is sunny.\")"));
        QCOMPARE(judge1(A(QStringLiteral("no-tool-call")), none).verdict, Verdict::Pass);
    }

    void judgeLatency()
    {
        const ProxyResponse r = chatStream(4, 30, 900);
        QCOMPARE(judge1(A(QStringLiteral("latency-below"), {{QStringLiteral("ms"), 1000}}), r).verdict, Verdict::Pass);
        QCOMPARE(judge1(A(QStringLiteral("latency-below"), {{QStringLiteral("ms"), 500}}), r).firstFailure(), QStringLiteral("total time 900 ms, expected below 500 ms"));
        QCOMPARE(judge1(A(QStringLiteral("latency-below"), {{QStringLiteral("ms"), 50}, {QStringLiteral("metric"), QStringLiteral("firstToken")}}), r).verdict, Verdict::Pass);
        QCOMPARE(judge1(A(QStringLiteral("latency-below"), {{QStringLiteral("ms"), 20}, {QStringLiteral("metric"), QStringLiteral("ttfb")}}), r).verdict, Verdict::Fail);
    }

    void judgeUpstream()
    {
        const QJsonObject up{{QStringLiteral("instructions"), QStringLiteral("You are Codex.")},
                             {QStringLiteral("tools"), QJsonArray{QStringLiteral("get_weather")}},
                             {QStringLiteral("params"), QJsonObject{{QStringLiteral("temperature"), 0.3}, {QStringLiteral("max_tokens"), 256}}},
                             {QStringLiteral("session_id"), QStringLiteral("s-1")}};
        const ProxyResponse r = jsonResponse(200, chatBody(QStringLiteral("hi"), up));
        auto eq = [&](const QString &f, const QJsonValue &v) {
            return judge1(A(QStringLiteral("upstream-equals"), {{QStringLiteral("field"), f}, {QStringLiteral("value"), v}}), r);
        };
        QCOMPARE(eq(QStringLiteral("params.temperature"), 0.3).verdict, Verdict::Pass);
        QCOMPARE(eq(QStringLiteral("params.max_tokens"), 256).verdict, Verdict::Pass);
        QCOMPARE(eq(QStringLiteral("params.temperature"), 0.7).firstFailure(), QStringLiteral("upstream params.temperature is 0.3, expected 0.7"));
        QCOMPARE(eq(QStringLiteral("params.top_p"), 0.8).firstFailure(), QStringLiteral("upstream params.top_p is missing: the proxy did not forward it"));
        QCOMPARE(judge1(A(QStringLiteral("upstream-contains"), {{QStringLiteral("field"), QStringLiteral("tools")}, {QStringLiteral("text"), QStringLiteral("get_weather")}}), r).verdict,
                 Verdict::Pass);
        QCOMPARE(judge1(A(QStringLiteral("upstream-contains"), {{QStringLiteral("field"), QStringLiteral("tools")}, {QStringLiteral("text"), QStringLiteral("search")}}), r).firstFailure(),
                 QStringLiteral("upstream tools does not contain \"search\": [\"get_weather\"]"));
        QCOMPARE(judge1(A(QStringLiteral("upstream-absent"), {{QStringLiteral("field"), QStringLiteral("params.n")}}), r).verdict, Verdict::Pass);
        QCOMPARE(judge1(A(QStringLiteral("upstream-absent"), {{QStringLiteral("field"), QStringLiteral("session_id")}}), r).verdict, Verdict::Fail);

        // No echo: Inconclusive, not Pass or Fail.
        const ProxyResponse plain = jsonResponse(200, chatBody(QStringLiteral("hi")));
        const CaseResult inc = judge1(A(QStringLiteral("upstream-equals"), {{QStringLiteral("field"), QStringLiteral("session_id")}, {QStringLiteral("value"), QStringLiteral("x")}}), plain);
        QCOMPARE(inc.verdict, Verdict::Inconclusive);
        QVERIFY(inc.firstFailure().contains(QLatin1String("_upstream")));
    }

    void judgeCapturedVariables()
    {
        TestCase c = oneStep({A(QStringLiteral("json-exists"), {{QStringLiteral("path"), QStringLiteral("_upstream.session_id")}})},
                             {{QStringLiteral("first"), QStringLiteral("_upstream.session_id")}});
        TestStep second;
        second.request.path = QStringLiteral("/x");
        second.assertions << A(QStringLiteral("differs-var"), {{QStringLiteral("path"), QStringLiteral("_upstream.session_id")}, {QStringLiteral("var"), QStringLiteral("first")}});
        c.steps << second;
        TestCase same = c;
        same.steps[1].assertions[0].kind = QStringLiteral("equals-var");
        const ProxyResponse a = jsonResponse(200, chatBody(QStringLiteral("1"), {{QStringLiteral("session_id"), QStringLiteral("aaa")}}));
        const ProxyResponse b = jsonResponse(200, chatBody(QStringLiteral("2"), {{QStringLiteral("session_id"), QStringLiteral("bbb")}}));
        QCOMPARE(SuiteRunner::judge(c, {a, b}, forkProfile()).verdict, Verdict::Pass);
        const CaseResult again = SuiteRunner::judge(c, {a, a}, forkProfile());
        QCOMPARE(again.verdict, Verdict::Fail);
        QCOMPARE(again.firstFailure(), QStringLiteral("step 2: upstream session_id is \"aaa\" again, expected a different value than first from an earlier step"));
        QCOMPARE(SuiteRunner::judge(same, {a, a}, forkProfile()).verdict, Verdict::Pass);
        QVERIFY(SuiteRunner::judge(same, {a, b}, forkProfile()).firstFailure().contains(QLatin1String("expected \"aaa\"")));
    }

    void judgeInjection()
    {
        const QString sent = QStringLiteral("Custom instructions.");
        auto resp = [&](const QString &instructions) {
            return jsonResponse(200, chatBody(QStringLiteral("ok"), {{QStringLiteral("instructions"), instructions}}));
        };
        auto check = [&](const QString &mode, const ProxyResponse &r) {
            return judge1(A(QStringLiteral("injection"), {{QStringLiteral("mode"), mode}, {QStringLiteral("sent"), sent}}), r);
        };
        const ProxyResponse overridden = resp(QStringLiteral("You are Codex, a coding agent."));
        const ProxyResponse appended = resp(sent + QStringLiteral("\n\nYou are Codex, a coding agent."));
        const ProxyResponse untouched = resp(sent);
        QCOMPARE(check(QStringLiteral("override"), overridden).verdict, Verdict::Pass);
        QCOMPARE(check(QStringLiteral("append"), appended).verdict, Verdict::Pass);
        QCOMPARE(check(QStringLiteral("disabled"), untouched).verdict, Verdict::Pass);
        const CaseResult injected = check(QStringLiteral("disabled"), overridden);
        QCOMPARE(injected.verdict, Verdict::Fail);
        QVERIFY2(injected.firstFailure().startsWith(QLatin1String("instruction injection mode disabled, but the proxy injected")), qPrintable(injected.firstFailure()));
        QVERIFY(injected.assertions.first().evidence.contains(QLatin1String("You are Codex")));
        QVERIFY(check(QStringLiteral("override"), appended).firstFailure().contains(QLatin1String("observed append")));
    }

    void transportErrorIsError()
    {
        ProxyResponse r;
        r.error = CallError::ConnectionRefused;
        r.errorString = QStringLiteral("Connection refused by 127.0.0.1:1");
        const CaseResult c = judge1(A(QStringLiteral("status"), {{QStringLiteral("equals"), 200}}), r);
        QCOMPARE(c.verdict, Verdict::Error);
        QCOMPARE(c.firstFailure(), callErrorName(CallError::ConnectionRefused) + QStringLiteral(": Connection refused by 127.0.0.1:1"));
    }

    void suiteResultRoundTrips()
    {
        SuiteResult s;
        s.suite = QStringLiteral("presets");
        s.environment = QStringLiteral("staging");
        s.baseUrl = QStringLiteral("http://user:secret@proxy.example.com:8000");
        s.profileId = QStringLiteral("fork");
        s.startedAtMs = 1700000000000;
        s.finishedAtMs = 1700000001234;
        CaseResult c = judge1(A(QStringLiteral("streamed")), chatStream(5, 1480, 1502));
        c.checklistItem = QStringLiteral("Streaming responses");
        s.cases << c;
        CaseResult skipped;
        skipped.id = QStringLiteral("model-info");
        skipped.verdict = Verdict::Skipped;
        skipped.skipReason = QStringLiteral("no models route in this generation");
        s.cases << skipped;
        const QJsonObject json = s.toJson();
        QCOMPARE(json.value(QStringLiteral("schema")).toString(), QStringLiteral("codex-admin/endpoint-suite/1"));
        QVERIFY(!QJsonDocument(json).toJson().contains("secret"));
        QString error;
        const auto back = SuiteResult::fromJson(json, &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->toJson(), json);
        QCOMPARE(back->cases.first().verdict, Verdict::Fail);
        QCOMPARE(back->cases.last().firstFailure(), QStringLiteral("no models route in this generation"));
        QVERIFY(!SuiteResult::fromJson(QJsonObject{{QStringLiteral("schema"), QStringLiteral("other")}}, &error));
        QVERIFY(error.contains(QLatin1String("codex-admin/endpoint-suite/1")));
    }

    // ---- against the simulator -----------------------------------------------------------

    void presetsPassAgainstCorrectSimulator_data()
    {
        QTest::addColumn<QString>("profile");
        QTest::newRow("fork") << QStringLiteral("fork");
        QTest::newRow("legacy") << QStringLiteral("legacy");
        QTest::newRow("current") << QStringLiteral("current");
    }
    void presetsPassAgainstCorrectSimulator()
    {
        QFETCH(QString, profile);
        SimulatorOptions o;
        o.profileId = profile;
        o.tokenIntervalMs = 5;  // deltas spread over ~70 ms: a stall before the first byte cannot look like buffering
        const SuiteResult r = runAgainst(o);
        QVERIFY2(r.allPassed(), qPrintable(describe(r)));
        QVERIFY2(r.count(Verdict::Pass) >= 10, qPrintable(describe(r)));
        const CaseResult *info = find(r, QStringLiteral("model-info"));
        QVERIFY(info);
        QCOMPARE(info->verdict, profile == QLatin1String("current") ? Verdict::Pass : Verdict::Skipped);
        if (profile != QLatin1String("current"))
            QCOMPARE(info->skipReason, QStringLiteral("no models route in this generation"));
        const CaseResult *auth = find(r, QStringLiteral("errors-missing-auth"));
        QCOMPARE(auth->verdict, Verdict::Skipped);
    }

    void injectionModesMatchTheServer_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::newRow("override") << QStringLiteral("override");
        QTest::newRow("append") << QStringLiteral("append");
        QTest::newRow("disabled") << QStringLiteral("disabled");
    }
    void injectionModesMatchTheServer()
    {
        QFETCH(QString, mode);
        SimulatorOptions o;
        o.injectionMode = mode;
        const SuiteResult r = runAgainst(o, {{QStringLiteral("injection_mode"), mode}}, {},
                                         {QStringLiteral("injection-override"), QStringLiteral("injection-append"), QStringLiteral("injection-disabled")});
        QCOMPARE(r.cases.size(), 3);
        for (const CaseResult &c : r.cases) {
            if (c.id == QStringLiteral("injection-") + mode)
                QVERIFY2(c.verdict == Verdict::Pass, qPrintable(describe(r)));
            else
                QVERIFY2(c.verdict == Verdict::Skipped && c.skipReason.contains(QStringLiteral("server configured for injection_mode=") + mode), qPrintable(describe(r)));
        }
    }

    void bufferedStreamingFails()
    {
        SimulatorOptions o;
        o.bufferStreaming = true;
        o.tokenIntervalMs = 15;
        const SuiteResult r = runAgainst(o, {}, {}, {QStringLiteral("streaming-chat"), QStringLiteral("streaming-responses"), QStringLiteral("chat-basic")});
        for (const QString &id : {QStringLiteral("streaming-chat"), QStringLiteral("streaming-responses")}) {
            const CaseResult *c = find(r, id);
            QVERIFY(c);
            QVERIFY2(c->verdict == Verdict::Fail, qPrintable(describe(r)));
            QVERIFY2(c->firstFailure().startsWith(QLatin1String("streaming is buffered by the proxy: first token at ")), qPrintable(c->firstFailure()));
            QVERIFY(!c->warnings.isEmpty());
            QVERIFY2(c->warnings.first().startsWith(QLatin1String("streaming is buffered by the proxy")), qPrintable(c->warnings.first()));
        }
        QCOMPARE(find(r, QStringLiteral("chat-basic"))->verdict, Verdict::Pass);
    }

    void toolsDroppedOnChatFails()
    {
        SimulatorOptions o;
        o.dropToolsOnChat = true;
        const SuiteResult r = runAgainst(o, {}, {}, {QStringLiteral("chat-tools"), QStringLiteral("responses-tools")});
        const CaseResult *chat = find(r, QStringLiteral("chat-tools"));
        QCOMPARE(chat->verdict, Verdict::Fail);
        QVERIFY2(chat->firstFailure().startsWith(QLatin1String("no tool call, expected a call of get_weather")), qPrintable(chat->firstFailure()));
        bool upstreamFailed = false;
        for (const AssertionResult &a : chat->assertions)
            upstreamFailed = upstreamFailed || (a.assertion.kind == QLatin1String("upstream-contains") && a.verdict == Verdict::Fail);
        QVERIFY(upstreamFailed);
        QCOMPARE(find(r, QStringLiteral("responses-tools"))->verdict, Verdict::Pass);
    }

    void disabledStillInjectingFails()
    {
        SimulatorOptions o;
        o.injectionMode = QStringLiteral("disabled");
        o.disabledStillInjects = true;
        const SuiteResult r = runAgainst(o, {{QStringLiteral("injection_mode"), QStringLiteral("disabled")}}, {}, {QStringLiteral("injection-disabled")});
        QCOMPARE(r.cases.size(), 1);
        const CaseResult &c = r.cases.first();
        QCOMPARE(c.verdict, Verdict::Fail);
        QVERIFY2(c.firstFailure().startsWith(QLatin1String("instruction injection mode disabled, but the proxy injected")), qPrintable(c.firstFailure()));
        QVERIFY2(c.assertions[1].evidence.contains(QLatin1String("observed mode override")), qPrintable(c.assertions[1].evidence));
    }

    void propagationDroppingParamsFails()
    {
        SimulatorOptions o;
        o.propagateUnsupportedParams = true;
        const QHash<QString, QString> vars{{QStringLiteral("propagate_unsupported_params"), QStringLiteral("true")}};
        const QStringList ids{QStringLiteral("params-unsupported-propagated"), QStringLiteral("params-unsupported-blocked"), QStringLiteral("params-propagation")};
        SuiteResult r = runAgainst(o, vars, {}, ids);
        QVERIFY2(find(r, ids[0])->verdict == Verdict::Pass, qPrintable(describe(r)));
        QCOMPARE(find(r, ids[1])->verdict, Verdict::Skipped);
        QCOMPARE(find(r, ids[2])->verdict, Verdict::Pass);
        o.propagateDropsParams = true;
        r = runAgainst(o, vars, {}, ids);
        const CaseResult *c = find(r, ids[0]);
        QCOMPARE(c->verdict, Verdict::Fail);
        QCOMPARE(c->firstFailure(), QStringLiteral("upstream params.n is missing: the proxy did not forward it"));
    }

    void errorRateFailsWith500()
    {
        SimulatorOptions o;
        o.errorRate = 1.0;
        const SuiteResult r = runAgainst(o, {}, {}, {QStringLiteral("responses-basic"), QStringLiteral("chat-tools"), QStringLiteral("streaming-chat")});
        QCOMPARE(r.cases.size(), 3);
        for (const CaseResult &c : r.cases) {
            QCOMPARE(c.verdict, Verdict::Fail);
            // A stream has begun with 200 when the upstream fails: the error arrives as a frame.
            if (c.id == QLatin1String("streaming-chat"))
                QVERIFY2(c.firstFailure() == QLatin1String("the stream carried an error instead of [DONE]: Internal Server Error (simulated)"),
                         qPrintable(c.firstFailure()));
            else
                QVERIFY2(c.firstFailure().startsWith(QLatin1String("status 500, expected 200: Internal Server Error (simulated)")), qPrintable(c.firstFailure()));
        }
    }

    void authWithAndWithoutToken()
    {
        SimulatorOptions o;
        o.authToken = QStringLiteral("s3cret-token");
        qputenv("CODEX_TEST_PROBE_TOKEN", "s3cret-token");
        SuiteResult r = runAgainst(o, {}, QStringLiteral("env:CODEX_TEST_PROBE_TOKEN"));
        QVERIFY2(r.allPassed(), qPrintable(describe(r)));
        QCOMPARE(find(r, QStringLiteral("errors-missing-auth"))->verdict, Verdict::Pass);
        QVERIFY(!QJsonDocument(r.toJson()).toJson().contains("s3cret-token"));

        r = runAgainst(o, {}, {}, {QStringLiteral("responses-basic"), QStringLiteral("chat-basic"), QStringLiteral("health")});
        QCOMPARE(find(r, QStringLiteral("responses-basic"))->verdict, Verdict::Fail);
        QCOMPARE(find(r, QStringLiteral("responses-basic"))->firstFailure(), QStringLiteral("status 401, expected 200: Authentication required"));
        QCOMPARE(find(r, QStringLiteral("chat-basic"))->verdict, Verdict::Fail);
        QCOMPARE(find(r, QStringLiteral("health"))->verdict, Verdict::Pass);
        qunsetenv("CODEX_TEST_PROBE_TOKEN");
    }

    void connectionRefusedIsError()
    {
        // A port nobody listens on: take one from a server that is closed again.
        quint16 port = 0;
        {
            Simulator sim;
            QVERIFY(sim.listen());
            port = sim.port();
            sim.close();
        }
        EndpointClient client;
        SuiteRunner runner(&client);
        Environment env;
        env.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
        const SuiteResult r = runner.run(TestSuite::presets(), env, {QStringLiteral("health")});
        QCOMPARE(r.cases.size(), 1);
        QCOMPARE(r.cases.first().verdict, Verdict::Error);
        QVERIFY2(r.cases.first().firstFailure().startsWith(callErrorName(CallError::ConnectionRefused)), qPrintable(r.cases.first().firstFailure()));
    }

    void cancelStops()
    {
        SimulatorOptions o;
        o.ttfbDelayMs = 200;
        Simulator sim(o);
        QVERIFY(sim.listen());
        EndpointClient client;
        SuiteRunner runner(&client);
        Environment env;
        env.baseUrl = QUrl(sim.baseUrl());
        QSignalSpy finished(&runner, &SuiteRunner::finished);
        QSignalSpy started(&runner, &SuiteRunner::caseStarted);
        runner.start(TestSuite::presets(), env);
        QVERIFY(runner.isRunning());
        QVERIFY(started.wait(5000));
        runner.cancel();
        QVERIFY(finished.wait(5000));
        QVERIFY(!runner.isRunning());
        const SuiteResult r = runner.result();
        QVERIFY(r.cases.size() < TestSuite::presets().cases.size());
        QCOMPARE(r.cases.last().verdict, Verdict::Error);
    }
};

QTEST_GUILESS_MAIN(TestTestSuite)
#include "tst_testsuite.moc"
