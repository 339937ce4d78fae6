// The simulated ccproxy's routes, checks and fake Codex model (reference/ccproxy.md). Runs on the
// worker threads: pure functions of the request, the options snapshot and the shared state.
#include "proxy/sim/SimShared.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrl>
#include <QUuid>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace codex::proxy::sim {

namespace {

/// What override / append put upstream (the Codex CLI's instructions, abridged; ~350 characters).
const QString &codexInstructions()
{
    static const QString text = QStringLiteral(
        "You are Codex, based on GPT-5. You are running as a coding agent in the Codex CLI on a user's computer.\n"
        "\n"
        "## General\n"
        "\n"
        "- The arguments to `shell` will be passed to execvp(). Most terminal commands should be prefixed with "
        "[\"bash\", \"-lc\"].\n"
        "- Always set the `workdir` param when using the shell function. Do not use `cd` unless absolutely necessary.");
    return text;
}

const QByteArray kInvalidUtf8Marker = "{{INVALID_UTF8}}";

// ---- JSON in the order the OpenAI / ccproxy bodies use ------------------------------------------
// QJsonDocument sorts keys alphabetically; the wire shapes put id/object/type first and usage
// last, and the error shapes are fixed by the reference, so the simulator writes JSON itself.

int keyRank(const QString &key)
{
    static const QHash<QString, int> ranks = [] {
        const char *order[] = {"id", "object", "type", "loc", "msg", "input", "ctx", "created", "created_at", "sequence_number",
                               "status", "version", "model", "index", "role", "content", "delta", "message", "call_id", "name",
                               "arguments", "function", "tool_calls", "item_id", "output_index", "content_index", "part", "item",
                               "response", "choices", "finish_reason", "text", "annotations", "output", "incomplete_details",
                               "error", "usage", "prompt_tokens", "completion_tokens", "input_tokens", "output_tokens",
                               "total_tokens"};
        QHash<QString, int> h;
        int i = 0;
        for (const char *k : order)
            h.insert(QLatin1String(k), i++);
        return h;
    }();
    if (key == QLatin1String("_upstream"))
        return 1000000;
    return ranks.value(key, 1000);
}

void writeString(QByteArray &out, const QString &s)
{
    static const char hex[] = "0123456789abcdef";
    const QByteArray u = s.toUtf8();
    out += '"';
    for (char ch : u) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += ch;
            }
        }
    }
    out += '"';
}

void writeJson(QByteArray &out, const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out += "null";
        return;
    case QJsonValue::Bool:
        out += v.toBool() ? "true" : "false";
        return;
    case QJsonValue::Double: {
        const double d = v.toDouble();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
            out += QByteArray::number(qint64(d));
        } else if (!std::isfinite(d)) {
            out += "null";
        } else {
            char buf[64];
            const auto res = std::to_chars(buf, buf + sizeof buf, d);
            out.append(buf, int(res.ptr - buf));
        }
        return;
    }
    case QJsonValue::String:
        writeString(out, v.toString());
        return;
    case QJsonValue::Array: {
        out += '[';
        bool first = true;
        for (const QJsonValue &e : v.toArray()) {
            if (!first)
                out += ',';
            first = false;
            writeJson(out, e);
        }
        out += ']';
        return;
    }
    case QJsonValue::Object: {
        const QJsonObject o = v.toObject();
        QStringList keys = o.keys();
        std::stable_sort(keys.begin(), keys.end(), [](const QString &a, const QString &b) { return keyRank(a) < keyRank(b); });
        out += '{';
        bool first = true;
        for (const QString &k : std::as_const(keys)) {
            if (!first)
                out += ',';
            first = false;
            writeString(out, k);
            out += ':';
            writeJson(out, o.value(k));
        }
        out += '}';
        return;
    }
    }
}

QByteArray compact(const QJsonObject &o)
{
    QByteArray out;
    out.reserve(512);
    writeJson(out, o);
    return out;
}

enum class Gen { Fork, Legacy, Current };

Gen generation(const SimulatorOptions &o)
{
    if (o.profileId == QLatin1String("current"))
        return Gen::Current;
    if (o.profileId == QLatin1String("legacy"))
        return Gen::Legacy;
    return Gen::Fork;
}

/// The generation's error shape: fork/legacy {"error":{"type":"http_error","message":…}} (ccproxy
/// 0.1.x's HTTPException handler), current {"error":{"message","type","code"}}.
QByteArray errorBody(Gen gen, const QString &message, const QString &type, const QString &code)
{
    QByteArray out = "{\"error\":{";
    if (gen == Gen::Current) {
        out += "\"message\":";
        writeString(out, message);
        out += ",\"type\":";
        writeString(out, type);
        out += ",\"code\":";
        writeString(out, code);
    } else {
        out += "\"type\":\"http_error\",\"message\":";
        writeString(out, message);
    }
    return out + "}}";
}

ResponsePlan simple(int status, const QByteArray &body, const QByteArray &contentType = "application/json")
{
    ResponsePlan p;
    p.status = status;
    p.body = body;
    p.contentType = contentType;
    return p;
}

QByteArray detail(const QString &text)
{
    return compact(QJsonObject{{QStringLiteral("detail"), text}});
}

/// FastAPI / pydantic v2 validation error list.
QByteArray validationError(const QJsonArray &details)
{
    return compact(QJsonObject{{QStringLiteral("detail"), details}});
}

QJsonObject missingField(const QString &field, const QJsonObject &input)
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("missing")},
                       {QStringLiteral("loc"), QJsonArray{QStringLiteral("body"), field}},
                       {QStringLiteral("msg"), QStringLiteral("Field required")},
                       {QStringLiteral("input"), input}};
}

QString newId(Shared &shared, const char *prefix)
{
    const quint64 n = ++shared.idCounter;
    return QString::fromLatin1(prefix) + QStringLiteral("sim%1").arg(n, 20, 16, QLatin1Char('0'));
}

// ---- conversation ------------------------------------------------------------------------------

QString partsText(const QJsonValue &content)
{
    if (content.isString())
        return content.toString();
    QString text;
    if (content.isArray())
        for (const QJsonValue &part : content.toArray()) {
            const QJsonObject p = part.toObject();
            const QString t = p.value(QStringLiteral("text")).toString();
            if (!t.isEmpty()) {
                if (!text.isEmpty())
                    text += QLatin1Char('\n');
                text += t;
            }
        }
    return text;
}

struct Conversation {
    QString instructions;  ///< as sent (system messages / `instructions`)
    bool hasInstructions = false;
    QString lastUser;
    QString toolResult;    ///< the last item is a tool result
    bool lastIsToolResult = false;
    int inputWords = 0;
};

int wordCount(const QString &s)
{
    int n = 0;
    bool in = false;
    for (QChar c : s) {
        const bool space = c.isSpace();
        if (!space && !in)
            ++n;
        in = !space;
    }
    return n;
}

Conversation chatConversation(const QJsonArray &messages)
{
    Conversation c;
    for (const QJsonValue &v : messages) {
        const QJsonObject m = v.toObject();
        const QString role = m.value(QStringLiteral("role")).toString();
        const QString text = partsText(m.value(QStringLiteral("content")));
        c.inputWords += wordCount(text);
        c.lastIsToolResult = false;
        if (role == QLatin1String("system") || role == QLatin1String("developer")) {
            if (c.hasInstructions)
                c.instructions += QStringLiteral("\n\n");
            c.instructions += text;
            c.hasInstructions = true;
        } else if (role == QLatin1String("user")) {
            c.lastUser = text;
        } else if (role == QLatin1String("tool")) {
            c.toolResult = text;
            c.lastIsToolResult = true;
        }
    }
    return c;
}

Conversation responsesConversation(const QJsonObject &body)
{
    Conversation c;
    const QJsonValue instr = body.value(QStringLiteral("instructions"));
    if (instr.isString()) {
        c.instructions = instr.toString();
        c.hasInstructions = true;
    }
    const QJsonValue input = body.value(QStringLiteral("input"));
    if (input.isString()) {
        c.lastUser = input.toString();
        c.inputWords = wordCount(c.lastUser);
        return c;
    }
    for (const QJsonValue &v : input.toArray()) {
        const QJsonObject item = v.toObject();
        const QString type = item.value(QStringLiteral("type")).toString();
        c.lastIsToolResult = false;
        if (type == QLatin1String("function_call_output")) {
            const QJsonValue out = item.value(QStringLiteral("output"));
            c.toolResult = out.isString() ? out.toString() : QString::fromUtf8(QJsonDocument(out.toObject()).toJson(QJsonDocument::Compact));
            c.lastIsToolResult = true;
            c.inputWords += wordCount(c.toolResult);
            continue;
        }
        if (!type.isEmpty() && type != QLatin1String("message"))
            continue;
        const QString text = partsText(item.value(QStringLiteral("content")));
        c.inputWords += wordCount(text);
        if (item.value(QStringLiteral("role")).toString() == QLatin1String("user"))
            c.lastUser = text;
    }
    return c;
}

// ---- tools -------------------------------------------------------------------------------------

struct Tool {
    QString name;
    QJsonObject parameters;
};

QList<Tool> toolsOf(const QJsonValue &tools)
{
    QList<Tool> out;
    for (const QJsonValue &v : tools.toArray()) {
        const QJsonObject t = v.toObject();
        const QJsonObject fn = t.value(QStringLiteral("function")).toObject();
        Tool tool;
        tool.name = fn.isEmpty() ? t.value(QStringLiteral("name")).toString() : fn.value(QStringLiteral("name")).toString();
        tool.parameters = fn.isEmpty() ? t.value(QStringLiteral("parameters")).toObject()
                                       : fn.value(QStringLiteral("parameters")).toObject();
        if (!tool.name.isEmpty())
            out << tool;
    }
    return out;
}

/// A value that satisfies the schema: strings "example", numbers 1, enums their first value,
/// objects with their required properties (all when none is marked required).
QJsonValue exampleFor(const QJsonObject &schema, int depth = 0)
{
    const QJsonArray enumValues = schema.value(QStringLiteral("enum")).toArray();
    if (!enumValues.isEmpty())
        return enumValues.first();
    if (schema.contains(QStringLiteral("const")))
        return schema.value(QStringLiteral("const"));
    QJsonValue typeValue = schema.value(QStringLiteral("type"));
    QString type = typeValue.isArray() ? typeValue.toArray().first().toString() : typeValue.toString();
    if (type.isEmpty() && schema.contains(QStringLiteral("properties")))
        type = QStringLiteral("object");
    if (type == QLatin1String("string"))
        return QStringLiteral("example");
    if (type == QLatin1String("integer") || type == QLatin1String("number"))
        return 1;
    if (type == QLatin1String("boolean"))
        return true;
    if (type == QLatin1String("null"))
        return QJsonValue::Null;
    if (type == QLatin1String("array")) {
        if (depth > 8)
            return QJsonArray{};
        return QJsonArray{exampleFor(schema.value(QStringLiteral("items")).toObject(), depth + 1)};
    }
    if (type == QLatin1String("object")) {
        QJsonObject out;
        if (depth > 8)
            return out;
        const QJsonObject props = schema.value(QStringLiteral("properties")).toObject();
        QStringList names;
        if (schema.contains(QStringLiteral("required")))
            for (const QJsonValue &r : schema.value(QStringLiteral("required")).toArray())
                names << r.toString();
        else
            names = props.keys();
        for (const QString &n : names)
            out.insert(n, exampleFor(props.value(n).toObject(), depth + 1));
        return out;
    }
    return QStringLiteral("example");
}

// ---- the fake model ----------------------------------------------------------------------------

struct Answer {
    QString text;
    bool toolCall = false;
    QString toolName;
    QString arguments;
    bool truncated = false;
    int outputTokens = 0;
};

/// Splits text into pieces of 1–3 words (the spaces kept, so the pieces join to the text).
QStringList deltaPieces(const QString &text)
{
    QStringList words;
    int start = 0;
    for (int i = 1; i <= text.size(); ++i) {
        if (i == text.size() || (text[i].isSpace() && !text[i - 1].isSpace())) {
            words << text.mid(start, i - start);
            start = i;
        }
    }
    QStringList pieces;
    int group = 1;
    for (int i = 0; i < words.size();) {
        QString piece;
        for (int k = 0; k < group && i < words.size(); ++k, ++i)
            piece += words[i];
        pieces << piece;
        group = group % 3 + 1;
    }
    return pieces;
}

QString clip(QString s, int n)
{
    s = s.simplified();
    if (s.size() > n)
        s = s.left(n) + QStringLiteral("…");
    return s;
}

QString answerText(Shared &shared, const Conversation &c, const QString &sessionId, const QString &model, bool invalidUtf8)
{
    static const QRegularExpression rememberRe(QStringLiteral("remember:\\s*(\\S+)"), QRegularExpression::CaseInsensitiveOption);
    QString text;
    if (c.lastIsToolResult) {
        text = QStringLiteral("The tool returned: %1. Based on that result, this is the simulated answer.").arg(clip(c.toolResult, 200));
    } else if (const auto m = rememberRe.match(c.lastUser); m.hasMatch()) {
        QString word = m.captured(1);
        while (!word.isEmpty() && QStringLiteral(".,;:!?\"'").contains(word.back()))
            word.chop(1);
        if (!sessionId.isEmpty()) {
            QMutexLocker lock(&shared.sessionMutex);
            if (shared.memory.size() > 100000)
                shared.memory.clear();
            shared.memory.insert(sessionId, word);
        }
        text = QStringLiteral("OK, I will remember %1.").arg(word);
    } else if (c.lastUser.contains(QStringLiteral("what did I ask you to remember"), Qt::CaseInsensitive)) {
        QString word;
        if (!sessionId.isEmpty()) {
            QMutexLocker lock(&shared.sessionMutex);
            word = shared.memory.value(sessionId);
        }
        text = word.isEmpty() ? QStringLiteral("I do not know what you asked me to remember: nothing is stored in this session.")
                              : QStringLiteral("You asked me to remember %1.").arg(word);
    } else {
        text = QStringLiteral("You said: \"%1\". This is %2 answering through the ccproxy simulator. "
                              "The answer is deterministic, so the same request always gets the same reply.")
                   .arg(clip(c.lastUser, 160), model);
    }
    if (invalidUtf8)
        text += QLatin1Char(' ') + QString::fromLatin1(kInvalidUtf8Marker);
    return text;
}

// ---- faults ------------------------------------------------------------------------------------

struct Faults {
    int status = 0;
    bool statusNoBody = false;
    bool notJson = false, cutStream = false, endless = false, invalidUtf8 = false, badToolArgs = false, hang = false;
    qint64 huge = -1;
    double delayMs = 0;
    QString error;  ///< unparsable header value
};

Faults parseFaults(const QByteArray &header)
{
    Faults f;
    if (header.isEmpty())
        return f;
    for (const QByteArray &raw : header.split(',')) {
        const QByteArray item = raw.trimmed();
        if (item.isEmpty())
            continue;
        const int colon = item.indexOf(':');
        const QByteArray name = (colon < 0 ? item : item.left(colon)).toLower();
        const QByteArray arg = colon < 0 ? QByteArray() : item.mid(colon + 1).trimmed();
        bool ok = true;
        if (name == "status" || name == "status-nobody") {
            const int code = arg.toInt(&ok);
            if (!ok || code < 100 || code > 599)
                ok = false;
            else {
                f.status = code;
                f.statusNoBody = name == "status-nobody";
            }
        } else if (name == "not-json") {
            f.notJson = true;
        } else if (name == "cut-stream") {
            f.cutStream = true;
        } else if (name == "endless") {
            f.endless = true;
        } else if (name == "huge") {
            f.huge = arg.toLongLong(&ok);
            ok = ok && f.huge >= 0 && f.huge <= (qint64(1) << 34);
        } else if (name == "invalid-utf8") {
            f.invalidUtf8 = true;
        } else if (name == "bad-tool-args") {
            f.badToolArgs = true;
        } else if (name == "delay") {
            f.delayMs = arg.toDouble(&ok);
            ok = ok && f.delayMs >= 0 && f.delayMs <= 3600e3;
        } else if (name == "hang") {
            f.hang = true;
        } else {
            ok = false;
        }
        if (!ok) {
            f.error = QStringLiteral("X-Sim-Fault: cannot understand '%1' (expected status:CODE, status-nobody:CODE, not-json, "
                                     "cut-stream, endless, huge:BYTES, invalid-utf8, bad-tool-args, delay:MS or hang)")
                          .arg(QString::fromUtf8(item));
            return f;
        }
    }
    return f;
}

// ---- routes ------------------------------------------------------------------------------------

enum class RouteKind { None, Responses, Chat, Models, Health, HealthLive, HealthReady, Metrics };

struct Route {
    RouteKind kind = RouteKind::None;
    QByteArray method = "POST";
    QString sessionFromPath;
};

Route route(Gen gen, const QByteArray &path)
{
    Route r;
    auto is = [&](const char *p, RouteKind k, const char *method = "POST") {
        if (path == p) {
            r.kind = k;
            r.method = method;
            return true;
        }
        return false;
    };
    if (is("/health", RouteKind::Health, "GET") || is("/health/live", RouteKind::HealthLive, "GET")
        || is("/health/ready", RouteKind::HealthReady, "GET") || is("/metrics", RouteKind::Metrics, "GET"))
        return r;
    if (gen == Gen::Current) {
        if (is("/codex/v1/responses", RouteKind::Responses) || is("/codex/responses", RouteKind::Responses)
            || is("/codex/v1/chat/completions", RouteKind::Chat) || is("/codex/v1/models", RouteKind::Models, "GET"))
            return r;
        return r;
    }
    if (is("/codex/responses", RouteKind::Responses) || is("/codex/chat/completions", RouteKind::Chat))
        return r;
    if (!path.startsWith("/codex/"))
        return r;
    const QByteArray rest = path.mid(7);
    const int slash = rest.indexOf('/');
    if (slash <= 0)
        return r;
    const QByteArray tail = rest.mid(slash);
    const QString sid = QUrl::fromPercentEncoding(rest.left(slash));
    if (tail == "/responses")
        r.kind = RouteKind::Responses;
    else if (tail == "/chat/completions" && gen == Gen::Fork)
        r.kind = RouteKind::Chat;
    else
        return r;
    r.sessionFromPath = sid;
    return r;
}

QByteArray healthBody(RouteKind kind, const SimulatorOptions &o)
{
    const QString version = generation(o) == Gen::Current ? QStringLiteral("0.2.0 (simulator)") : QStringLiteral("0.1.7 (simulator)");
    QJsonObject checks;
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    auto check = [&](const QString &name, const QString &type, const QJsonValue &observed) {
        checks.insert(name, QJsonArray{QJsonObject{{QStringLiteral("componentType"), type},
                                                   {QStringLiteral("status"), QStringLiteral("pass")},
                                                   {QStringLiteral("observedValue"), observed},
                                                   {QStringLiteral("time"), now}}});
    };
    QJsonObject o2{{QStringLiteral("status"), QStringLiteral("pass")}, {QStringLiteral("version"), version}};
    if (kind == RouteKind::HealthLive) {
        check(QStringLiteral("process:uptime"), QStringLiteral("system"), QStringLiteral("running"));
        o2.insert(QStringLiteral("output"), QStringLiteral("Application process is running"));
    } else {
        check(QStringLiteral("codex:enabled"), QStringLiteral("service"), true);
        check(QStringLiteral("codex:models"), QStringLiteral("service"), QJsonArray::fromStringList(o.models));
        if (kind == RouteKind::Health)
            check(QStringLiteral("metrics:endpoint"), QStringLiteral("component"), o.metricsEnabled);
    }
    o2.insert(QStringLiteral("checks"), checks);
    o2.insert(QStringLiteral("serviceId"), QStringLiteral("ccproxy-api"));
    o2.insert(QStringLiteral("description"), QStringLiteral("ccproxy simulator (Codex endpoints)"));
    return compact(o2);
}

QByteArray sseData(const QJsonObject &o)
{
    return "data: " + compact(o) + "\n\n";
}

QByteArray sseEvent(const QString &name, const QJsonObject &o)
{
    return "event: " + name.toUtf8() + "\ndata: " + compact(o) + "\n\n";
}

QStringList argumentPieces(const QString &args)
{
    QStringList out;
    for (int i = 0; i < args.size(); i += 8)
        out << args.mid(i, 8);
    if (out.isEmpty())
        out << QString();
    return out;
}

// ---- chat completions --------------------------------------------------------------------------

struct Exchange {
    QString model;
    QString id;
    qint64 created = 0;
    Conversation conv;
    Answer answer;
    QString callId;
    QJsonObject upstream;
    int inputTokens = 0;
};

QJsonObject chatChunk(const Exchange &x, const QJsonObject &delta, const QJsonValue &finish = QJsonValue::Null)
{
    return QJsonObject{{QStringLiteral("id"), x.id},
                       {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                       {QStringLiteral("created"), x.created},
                       {QStringLiteral("model"), x.model},
                       {QStringLiteral("choices"), QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                                                          {QStringLiteral("delta"), delta},
                                                                          {QStringLiteral("finish_reason"), finish}}}}};
}

QJsonObject chatUsage(const Exchange &x)
{
    return QJsonObject{{QStringLiteral("prompt_tokens"), x.inputTokens},
                       {QStringLiteral("completion_tokens"), x.answer.outputTokens},
                       {QStringLiteral("total_tokens"), x.inputTokens + x.answer.outputTokens}};
}

QString chatFinish(const Exchange &x)
{
    return x.answer.toolCall ? QStringLiteral("tool_calls") : x.answer.truncated ? QStringLiteral("length") : QStringLiteral("stop");
}

QByteArray chatCompletionBody(const Exchange &x)
{
    QJsonObject message{{QStringLiteral("role"), QStringLiteral("assistant")}};
    if (x.answer.toolCall) {
        message.insert(QStringLiteral("content"), QJsonValue::Null);
        message.insert(QStringLiteral("tool_calls"),
                       QJsonArray{QJsonObject{{QStringLiteral("id"), x.callId},
                                              {QStringLiteral("type"), QStringLiteral("function")},
                                              {QStringLiteral("function"), QJsonObject{{QStringLiteral("name"), x.answer.toolName},
                                                                                       {QStringLiteral("arguments"), x.answer.arguments}}}}});
    } else {
        message.insert(QStringLiteral("content"), x.answer.text);
    }
    QJsonObject o{{QStringLiteral("id"), x.id},
                  {QStringLiteral("object"), QStringLiteral("chat.completion")},
                  {QStringLiteral("created"), x.created},
                  {QStringLiteral("model"), x.model},
                  {QStringLiteral("choices"), QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                                                     {QStringLiteral("message"), message},
                                                                     {QStringLiteral("finish_reason"), chatFinish(x)}}}},
                  {QStringLiteral("usage"), chatUsage(x)},
                  {QStringLiteral("_upstream"), x.upstream}};
    return compact(o);
}

QList<QByteArray> chatFrames(const Exchange &x)
{
    QList<QByteArray> frames;
    frames << sseData(chatChunk(x, QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")}, {QStringLiteral("content"), QString()}}));
    if (x.answer.toolCall) {
        frames << sseData(chatChunk(
            x, QJsonObject{{QStringLiteral("tool_calls"),
                            QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                                   {QStringLiteral("id"), x.callId},
                                                   {QStringLiteral("type"), QStringLiteral("function")},
                                                   {QStringLiteral("function"), QJsonObject{{QStringLiteral("name"), x.answer.toolName},
                                                                                            {QStringLiteral("arguments"), QString()}}}}}}}));
        for (const QString &piece : argumentPieces(x.answer.arguments))
            frames << sseData(chatChunk(
                x, QJsonObject{{QStringLiteral("tool_calls"),
                                QJsonArray{QJsonObject{{QStringLiteral("index"), 0},
                                                       {QStringLiteral("function"), QJsonObject{{QStringLiteral("arguments"), piece}}}}}}}));
    } else {
        for (const QString &piece : deltaPieces(x.answer.text))
            frames << sseData(chatChunk(x, QJsonObject{{QStringLiteral("content"), piece}}));
    }
    QJsonObject last = chatChunk(x, QJsonObject{}, chatFinish(x));
    last.insert(QStringLiteral("usage"), chatUsage(x));
    last.insert(QStringLiteral("_upstream"), x.upstream);
    frames << sseData(last);
    frames << QByteArray("data: [DONE]\n\n");
    return frames;
}

// ---- responses ---------------------------------------------------------------------------------

QList<QPair<QString, QJsonObject>> responsesEvents(const Exchange &x)
{
    QList<QPair<QString, QJsonObject>> ev;
    int seq = 0;
    auto add = [&](const QString &type, QJsonObject o) {
        o.insert(QStringLiteral("type"), type);
        o.insert(QStringLiteral("sequence_number"), seq++);
        ev << qMakePair(type, o);
    };
    auto response = [&](const QString &status, const QJsonArray &output, bool final) {
        QJsonObject r{{QStringLiteral("id"), x.id},
                      {QStringLiteral("object"), QStringLiteral("response")},
                      {QStringLiteral("created_at"), x.created},
                      {QStringLiteral("status"), status},
                      {QStringLiteral("model"), x.model},
                      {QStringLiteral("output"), output},
                      {QStringLiteral("parallel_tool_calls"), true},
                      {QStringLiteral("tool_choice"), QStringLiteral("auto")}};
        if (final) {
            r.insert(QStringLiteral("usage"), QJsonObject{{QStringLiteral("input_tokens"), x.inputTokens},
                                                          {QStringLiteral("output_tokens"), x.answer.outputTokens},
                                                          {QStringLiteral("total_tokens"), x.inputTokens + x.answer.outputTokens}});
            if (x.answer.truncated)
                r.insert(QStringLiteral("incomplete_details"), QJsonObject{{QStringLiteral("reason"), QStringLiteral("max_output_tokens")}});
            r.insert(QStringLiteral("_upstream"), x.upstream);
        }
        return r;
    };
    add(QStringLiteral("response.created"), {{QStringLiteral("response"), response(QStringLiteral("in_progress"), {}, false)}});
    add(QStringLiteral("response.in_progress"), {{QStringLiteral("response"), response(QStringLiteral("in_progress"), {}, false)}});
    QJsonObject doneItem;
    if (x.answer.toolCall) {
        const QString itemId = QStringLiteral("fc_") + x.id.mid(5);
        QJsonObject item{{QStringLiteral("id"), itemId},
                         {QStringLiteral("type"), QStringLiteral("function_call")},
                         {QStringLiteral("status"), QStringLiteral("in_progress")},
                         {QStringLiteral("call_id"), x.callId},
                         {QStringLiteral("name"), x.answer.toolName},
                         {QStringLiteral("arguments"), QString()}};
        add(QStringLiteral("response.output_item.added"), {{QStringLiteral("output_index"), 0}, {QStringLiteral("item"), item}});
        for (const QString &piece : argumentPieces(x.answer.arguments))
            add(QStringLiteral("response.function_call_arguments.delta"),
                {{QStringLiteral("item_id"), itemId}, {QStringLiteral("output_index"), 0}, {QStringLiteral("delta"), piece}});
        add(QStringLiteral("response.function_call_arguments.done"),
            {{QStringLiteral("item_id"), itemId}, {QStringLiteral("output_index"), 0}, {QStringLiteral("arguments"), x.answer.arguments}});
        item.insert(QStringLiteral("status"), QStringLiteral("completed"));
        item.insert(QStringLiteral("arguments"), x.answer.arguments);
        doneItem = item;
    } else {
        const QString itemId = QStringLiteral("msg_") + x.id.mid(5);
        QJsonObject item{{QStringLiteral("id"), itemId},
                         {QStringLiteral("type"), QStringLiteral("message")},
                         {QStringLiteral("status"), QStringLiteral("in_progress")},
                         {QStringLiteral("role"), QStringLiteral("assistant")},
                         {QStringLiteral("content"), QJsonArray{}}};
        add(QStringLiteral("response.output_item.added"), {{QStringLiteral("output_index"), 0}, {QStringLiteral("item"), item}});
        auto part = [](const QString &text) {
            return QJsonObject{{QStringLiteral("type"), QStringLiteral("output_text")},
                               {QStringLiteral("text"), text},
                               {QStringLiteral("annotations"), QJsonArray{}}};
        };
        const QJsonObject where{{QStringLiteral("item_id"), itemId}, {QStringLiteral("output_index"), 0}, {QStringLiteral("content_index"), 0}};
        auto with = [&](std::initializer_list<QPair<QString, QJsonValue>> extra) {
            QJsonObject o = where;
            for (const auto &e : extra)
                o.insert(e.first, e.second);
            return o;
        };
        add(QStringLiteral("response.content_part.added"), with({{QStringLiteral("part"), part(QString())}}));
        for (const QString &piece : deltaPieces(x.answer.text))
            add(QStringLiteral("response.output_text.delta"), with({{QStringLiteral("delta"), piece}}));
        add(QStringLiteral("response.output_text.done"), with({{QStringLiteral("text"), x.answer.text}}));
        add(QStringLiteral("response.content_part.done"), with({{QStringLiteral("part"), part(x.answer.text)}}));
        item.insert(QStringLiteral("status"), x.answer.truncated ? QStringLiteral("incomplete") : QStringLiteral("completed"));
        item.insert(QStringLiteral("content"), QJsonArray{part(x.answer.text)});
        doneItem = item;
    }
    add(QStringLiteral("response.output_item.done"), {{QStringLiteral("output_index"), 0}, {QStringLiteral("item"), doneItem}});
    // A cut by max_output_tokens ends as the Responses API ends it: response.incomplete.
    if (x.answer.truncated)
        add(QStringLiteral("response.incomplete"), {{QStringLiteral("response"), response(QStringLiteral("incomplete"), {doneItem}, true)}});
    else
        add(QStringLiteral("response.completed"), {{QStringLiteral("response"), response(QStringLiteral("completed"), {doneItem}, true)}});
    return ev;
}

void replaceMarker(QByteArray &bytes)
{
    bytes.replace(kInvalidUtf8Marker, QByteArray("\xff\xfe\xc3\x28 \xed\xa0\x80", 8));
}

}  // namespace

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return status < 300 ? "OK" : status < 400 ? "Redirect" : status < 500 ? "Client Error" : "Server Error";
    }
}

ResponsePlan handleRequest(Shared &shared, const HttpRequest &req)
{
    const std::shared_ptr<const SimulatorOptions> optsPtr = shared.snapshot();
    const SimulatorOptions &opts = *optsPtr;
    const Gen gen = generation(opts);
    const Route r = route(gen, req.path);

    auto labelled = [&](ResponsePlan p, const QString &model = QString()) {
        if (gen == Gen::Current) {
            const QByteArray host = req.header("host");
            p.endpoint = QStringLiteral("http://%1%2")
                             .arg(host.isEmpty() ? QStringLiteral("127.0.0.1:%1").arg(shared.port.load()) : QString::fromLatin1(host),
                                  QString::fromLatin1(req.target));
        } else {
            p.endpoint = QString::fromLatin1(req.path);
            if (!model.isEmpty())
                p.model = model;
            if (gen == Gen::Fork && req.path.startsWith("/codex/"))
                p.serviceType = QStringLiteral("codex");
        }
        return p;
    };

    if (r.kind == RouteKind::None)
        return labelled(simple(404, detail(QStringLiteral("Not Found"))));
    if (req.method != r.method) {
        ResponsePlan p = simple(405, detail(QStringLiteral("Method Not Allowed")));
        p.headers << qMakePair(QByteArray("allow"), r.method);
        return labelled(p);
    }

    const Faults faults = parseFaults(req.header("x-sim-fault"));
    if (!faults.error.isEmpty())
        return labelled(simple(400, errorBody(gen, faults.error, QStringLiteral("invalid_request_error"), QStringLiteral("bad_fault"))));

    if (r.kind == RouteKind::Metrics) {
        if (!opts.metricsEnabled)
            return labelled(simple(404, detail(QStringLiteral("Not Found"))));
        ResponsePlan p = simple(200, shared.metrics.text(), "text/plain; version=0.0.4; charset=utf-8");
        p.counted = false;
        return labelled(p);
    }

    const bool codexRoute = r.kind == RouteKind::Responses || r.kind == RouteKind::Chat || r.kind == RouteKind::Models;
    double delay = faults.delayMs;
    if (codexRoute)
        delay += opts.ttfbDelayMs + shared.exponential(opts.latencyMeanMs);

    // Fault switches that replace the whole answer.
    if (faults.hang) {
        ResponsePlan p;
        p.kind = ResponsePlan::Kind::Hang;
        return labelled(p);
    }
    if (faults.status > 0) {
        ResponsePlan p = simple(faults.status,
                                faults.statusNoBody ? QByteArray()
                                                    : errorBody(gen, QStringLiteral("Simulated HTTP %1 (X-Sim-Fault)").arg(faults.status),
                                                                faults.status >= 500 ? QStringLiteral("server_error") : QStringLiteral("invalid_request_error"),
                                                                QStringLiteral("simulated_%1").arg(faults.status)));
        if (faults.statusNoBody)
            p.contentType.clear();
        if (faults.status == 429 || faults.status == 503)
            p.headers << qMakePair(QByteArray("retry-after"), QByteArray("1"));
        p.delayMs = delay;
        return labelled(p);
    }
    if (faults.notJson) {
        ResponsePlan p = simple(200, "<html><body><h1>502 Bad Gateway</h1>simulated: this body is not JSON</body></html>\n");
        p.delayMs = delay;
        return labelled(p);
    }
    if (faults.huge >= 0) {
        ResponsePlan p;
        p.kind = ResponsePlan::Kind::Huge;
        p.hugeBytes = faults.huge;
        p.delayMs = delay;
        return labelled(p);
    }

    if (r.kind == RouteKind::Health || r.kind == RouteKind::HealthLive || r.kind == RouteKind::HealthReady) {
        ResponsePlan p = simple(200, healthBody(r.kind, opts), "application/health+json");
        p.headers << qMakePair(QByteArray("cache-control"), QByteArray("no-cache"));
        p.delayMs = delay;
        return labelled(p);
    }

    // ---- /codex/* ----
    auto codexError = [&](int status, const QByteArray &body, const QString &model = QString()) {
        ResponsePlan p = simple(status, body);
        p.delayMs = delay;
        return labelled(p, model);
    };
    if (!opts.authToken.isEmpty()) {
        const QByteArray auth = req.header("authorization");
        // ccproxy answers 401 through its HTTPException handler: in fork/legacy the body is
        // {"error":{"type":"http_error","message":…}} (reference "Errors"), in current the
        // {"error":{message,type,code}} shape; always with WWW-Authenticate: Bearer.
        QString message;
        if (auth.isEmpty())
            message = QStringLiteral("Authentication required");
        else if (!auth.startsWith("Bearer ") || auth.mid(7).trimmed() != opts.authToken.toUtf8())
            message = QStringLiteral("Invalid authentication credentials");
        if (!message.isEmpty()) {
            ResponsePlan p = codexError(401, errorBody(gen, message, QStringLiteral("authentication_error"),
                                                       auth.isEmpty() ? QStringLiteral("missing_credentials") : QStringLiteral("invalid_api_key")));
            p.headers << qMakePair(QByteArray("www-authenticate"), QByteArray("Bearer"));
            return p;
        }
    }

    if (r.kind == RouteKind::Models) {
        QJsonArray data;
        for (const QString &m : opts.models)
            data << QJsonObject{{QStringLiteral("id"), m},
                                {QStringLiteral("object"), QStringLiteral("model")},
                                {QStringLiteral("created"), 1735689600},
                                {QStringLiteral("owned_by"), QStringLiteral("openai")},
                                {QStringLiteral("permission"), QJsonArray{}},
                                {QStringLiteral("root"), m},
                                {QStringLiteral("parent"), QJsonValue::Null}};
        ResponsePlan p = simple(200, compact(QJsonObject{{QStringLiteral("object"), QStringLiteral("list")}, {QStringLiteral("data"), data}}));
        p.delayMs = delay;
        return labelled(p);
    }

    // Body: JSON object with the required fields (FastAPI 422 otherwise).
    QJsonParseError perr{};
    const QJsonDocument doc = QJsonDocument::fromJson(req.body, &perr);
    if (perr.error != QJsonParseError::NoError || !doc.isObject()) {
        QJsonObject d{{QStringLiteral("type"), QStringLiteral("json_invalid")},
                      {QStringLiteral("loc"), QJsonArray{QStringLiteral("body"), perr.error != QJsonParseError::NoError ? perr.offset : 0}},
                      {QStringLiteral("msg"), QStringLiteral("JSON decode error")},
                      {QStringLiteral("input"), QJsonObject{}},
                      {QStringLiteral("ctx"), QJsonObject{{QStringLiteral("error"), perr.error != QJsonParseError::NoError
                                                                                          ? perr.errorString()
                                                                                          : QStringLiteral("the body is not a JSON object")}}}};
        if (req.body.isEmpty())
            d = missingField(QString(), QJsonObject{});
        if (req.body.isEmpty())
            d.insert(QStringLiteral("loc"), QJsonArray{QStringLiteral("body")});
        return codexError(422, validationError(QJsonArray{d}));
    }
    const QJsonObject body = doc.object();
    const bool chat = r.kind == RouteKind::Chat;
    {
        QJsonArray missing;
        if (!body.value(QStringLiteral("model")).isString())
            missing << missingField(QStringLiteral("model"), body);
        const QString listField = chat ? QStringLiteral("messages") : QStringLiteral("input");
        const QJsonValue list = body.value(listField);
        if (list.isUndefined() || list.isNull())
            missing << missingField(listField, body);
        else if (chat ? !list.isArray() : !(list.isArray() || list.isString()))
            missing << QJsonObject{{QStringLiteral("type"), QStringLiteral("list_type")},
                                   {QStringLiteral("loc"), QJsonArray{QStringLiteral("body"), listField}},
                                   {QStringLiteral("msg"), QStringLiteral("Input should be a valid list")},
                                   {QStringLiteral("input"), list}};
        if (!missing.isEmpty())
            return codexError(422, validationError(missing));
    }
    const QString model = body.value(QStringLiteral("model")).toString();
    if (!opts.models.contains(model))
        return codexError(400,
                          errorBody(gen, QStringLiteral("Model '%1' is not supported by Codex. Supported models: %2").arg(model, opts.models.join(QStringLiteral(", "))),
                                    QStringLiteral("invalid_request_error"), QStringLiteral("model_not_supported")),
                          model);

    // Unsupported OpenAI parameters (fork/legacy check them; current forwards whatever comes).
    QStringList unsupported;
    auto present = [&](const char *key) {
        const QJsonValue v = body.value(QLatin1String(key));
        return !v.isUndefined() && !v.isNull() && !(v.isBool() && !v.toBool());
    };
    if (present("n") && body.value(QStringLiteral("n")).toDouble() != 1)
        unsupported << QStringLiteral("n");
    for (const char *key : {"logprobs", "top_logprobs", "functions", "function_call"})
        if (present(key))
            unsupported << QLatin1String(key);
    bool forwardUnsupported = true;
    if (gen != Gen::Current && !unsupported.isEmpty()) {
        if (!opts.propagateUnsupportedParams)
            return codexError(400,
                              errorBody(gen, QStringLiteral("Unsupported OpenAI parameters for Codex: %1").arg(unsupported.join(QStringLiteral(", "))),
                                        QStringLiteral("invalid_request_error"), QStringLiteral("unsupported_parameter")),
                              model);
        forwardUnsupported = !opts.propagateDropsParams;
    }

    // ---- what goes upstream ----
    Exchange x;
    x.model = model;
    x.created = QDateTime::currentSecsSinceEpoch();
    x.id = newId(shared, chat ? "chatcmpl-" : "resp_");
    x.callId = newId(shared, "call_");
    x.conv = chat ? chatConversation(body.value(QStringLiteral("messages")).toArray()) : responsesConversation(body);

    QString sessionId = r.sessionFromPath;
    if (sessionId.isEmpty())
        sessionId = QString::fromUtf8(req.header("session_id"));
    if (sessionId.isEmpty() && gen == Gen::Current)
        sessionId = QString::fromUtf8(req.header("conversation_id"));
    if (sessionId.isEmpty() && gen != Gen::Current)
        sessionId = QUuid::createUuid().toString(QUuid::WithoutBraces);  // "auto": a new one per request

    QString mode = opts.injectionMode;
    if (mode == QLatin1String("disabled") && opts.disabledStillInjects)
        mode = QStringLiteral("override");
    bool hasInstructions = x.conv.hasInstructions;
    QString instructions = x.conv.instructions;
    if (mode == QLatin1String("override")) {
        if (!(hasInstructions && instructions.size() > 1000))
            instructions = codexInstructions();
        hasInstructions = true;
    } else if (mode == QLatin1String("append")) {
        instructions = hasInstructions && !instructions.isEmpty() ? instructions + QStringLiteral("\n\n") + codexInstructions() : codexInstructions();
        hasInstructions = true;
    }

    QList<Tool> tools = toolsOf(body.value(QStringLiteral("tools")));
    if (chat && opts.dropToolsOnChat)
        tools.clear();

    QJsonObject params;
    for (const char *key : {"temperature", "top_p", "max_tokens", "max_completion_tokens", "parallel_tool_calls", "stop", "presence_penalty",
                            "frequency_penalty", "seed", "user", "reasoning", "store", "text"})
        if (body.contains(QLatin1String(key)))
            params.insert(QLatin1String(key), body.value(QLatin1String(key)));
    int maxTokens = -1;
    for (const char *key : {"max_output_tokens", "max_tokens", "max_completion_tokens"})
        if (maxTokens < 0 && body.value(QLatin1String(key)).isDouble())
            maxTokens = body.value(QLatin1String(key)).toInt();
    params.insert(QStringLiteral("max_output_tokens"), maxTokens >= 0 ? maxTokens : 8192);  // max_output_tokens_fallback
    if (forwardUnsupported)
        for (const QString &key : unsupported)
            params.insert(key, body.value(key));
    if (gen == Gen::Current)
        for (const char *key : {"n", "logprobs", "top_logprobs", "functions", "function_call"})
            if (body.contains(QLatin1String(key)))
                params.insert(QLatin1String(key), body.value(QLatin1String(key)));

    QJsonArray toolNames;
    for (const Tool &t : tools)
        toolNames << t.name;
    const bool stream = body.value(QStringLiteral("stream")).toBool();
    const QJsonValue toolChoice = body.value(QStringLiteral("tool_choice"));

    x.upstream = QJsonObject{{QStringLiteral("model"), model},
                             {QStringLiteral("endpoint"), chat ? QStringLiteral("chat/completions") : QStringLiteral("responses")},
                             {QStringLiteral("injection_mode"), opts.injectionMode},
                             {QStringLiteral("tools"), toolNames},
                             {QStringLiteral("params"), params},
                             {QStringLiteral("stream"), stream}};
    if (hasInstructions)
        x.upstream.insert(QStringLiteral("instructions"), instructions);
    if (!sessionId.isEmpty())
        x.upstream.insert(QStringLiteral("session_id"), sessionId);
    if (!tools.isEmpty() && !toolChoice.isUndefined())
        x.upstream.insert(QStringLiteral("tool_choice"), toolChoice);
    x.inputTokens = x.conv.inputWords + (hasInstructions ? wordCount(instructions) : 0);

    // ---- the fake model ----
    const QString choice = toolChoice.isString() ? toolChoice.toString() : QString();
    if (!tools.isEmpty() && choice != QLatin1String("none") && !x.conv.lastIsToolResult) {
        const QJsonObject choiceObj = toolChoice.toObject();
        QString wanted = choiceObj.value(QStringLiteral("function")).toObject().value(QStringLiteral("name")).toString();
        if (wanted.isEmpty())
            wanted = choiceObj.value(QStringLiteral("name")).toString();
        const Tool *tool = &tools.first();
        for (const Tool &t : tools)
            if (t.name == wanted)
                tool = &t;
        x.answer.toolCall = true;
        x.answer.toolName = tool->name;
        QJsonObject schema = tool->parameters;
        if (schema.isEmpty())
            schema = QJsonObject{{QStringLiteral("type"), QStringLiteral("object")}};
        const QJsonValue args = exampleFor(schema);
        x.answer.arguments = QString::fromUtf8(args.isObject() ? QJsonDocument(args.toObject()).toJson(QJsonDocument::Compact)
                                                               : QJsonDocument(QJsonArray{args}).toJson(QJsonDocument::Compact));
        if (faults.badToolArgs)
            x.answer.arguments = x.answer.arguments.left(qMax(1, int(x.answer.arguments.size()) - 2)) + QStringLiteral(", 'oops': }");
        x.answer.outputTokens = qMax(1, int(x.answer.arguments.size() / 4));
    } else {
        x.answer.text = answerText(shared, x.conv, sessionId, model, faults.invalidUtf8);
        const QStringList words = x.answer.text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        x.answer.outputTokens = int(words.size());
        if (maxTokens >= 0 && words.size() > maxTokens) {
            x.answer.text = QStringList(words.mid(0, maxTokens)).join(QLatin1Char(' '));
            x.answer.truncated = true;
            x.answer.outputTokens = maxTokens;
        }
    }

    ResponsePlan p;
    p.delayMs = delay;
    p.inputTokens = x.inputTokens;
    p.outputTokens = x.answer.outputTokens;
    const bool simulatedError = opts.errorRate > 0 && shared.uniform() < opts.errorRate;
    const QString errMessage = QStringLiteral("Internal Server Error (simulated)");

    if (simulatedError && !stream && !faults.endless) {
        p = simple(500, errorBody(gen, errMessage, QStringLiteral("server_error"), QStringLiteral("internal_error")));
        p.delayMs = delay;
        return labelled(p, model);
    }

    if (stream || faults.endless) {
        p.kind = ResponsePlan::Kind::Stream;
        p.contentType = "text/event-stream; charset=utf-8";
        p.headers << qMakePair(QByteArray("cache-control"), QByteArray("no-cache"));
        p.intervalMs = opts.tokenIntervalMs;
        p.buffered = opts.bufferStreaming;
        if (simulatedError) {
            p.errorType = QStringLiteral("upstream_error");
            if (chat) {
                // Reference: a streamed error is one data: {"error":{message, type, code}} frame.
                p.frames << "data: " + errorBody(Gen::Current, errMessage, QStringLiteral("server_error"), QStringLiteral("internal_error")) + "\n\n";
            } else {
                const QJsonObject failed{{QStringLiteral("id"), x.id},
                                         {QStringLiteral("object"), QStringLiteral("response")},
                                         {QStringLiteral("created_at"), x.created},
                                         {QStringLiteral("status"), QStringLiteral("failed")},
                                         {QStringLiteral("model"), model},
                                         {QStringLiteral("output"), QJsonArray{}},
                                         {QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), QStringLiteral("server_error")},
                                                                               {QStringLiteral("message"), errMessage}}},
                                         {QStringLiteral("_upstream"), x.upstream}};
                p.frames << sseEvent(QStringLiteral("response.failed"),
                                     QJsonObject{{QStringLiteral("type"), QStringLiteral("response.failed")},
                                                 {QStringLiteral("sequence_number"), 0},
                                                 {QStringLiteral("response"), failed}});
            }
            return labelled(p, model);
        }
        if (chat) {
            p.frames = chatFrames(x);
        } else {
            for (const auto &e : responsesEvents(x))
                p.frames << sseEvent(e.first, e.second);
        }
        if (faults.invalidUtf8)
            for (QByteArray &f : p.frames)
                replaceMarker(f);
        if (faults.endless) {
            // The opening frames, then one text delta repeated until the client goes.
            p.kind = ResponsePlan::Kind::Endless;
            const int opening = chat ? 1 : 4;
            p.frames = p.frames.mid(0, opening);
            p.body = chat ? sseData(chatChunk(x, QJsonObject{{QStringLiteral("content"), QStringLiteral("and on ")}}))
                          : sseEvent(QStringLiteral("response.output_text.delta"),
                                     QJsonObject{{QStringLiteral("type"), QStringLiteral("response.output_text.delta")},
                                                 {QStringLiteral("item_id"), QStringLiteral("msg_") + x.id.mid(5)},
                                                 {QStringLiteral("output_index"), 0},
                                                 {QStringLiteral("content_index"), 0},
                                                 {QStringLiteral("delta"), QStringLiteral("and on ")}});
        } else if (faults.cutStream) {
            p.kind = ResponsePlan::Kind::CutStream;
            const int keep = qMin(int(p.frames.size()) - 1, 3);
            QByteArray half = p.frames.at(keep);
            half.truncate(half.size() / 2);
            p.frames = p.frames.mid(0, keep);
            p.frames << half;
        }
        return labelled(p, model);
    }

    if (chat) {
        p.body = chatCompletionBody(x);
    } else {
        const auto events = responsesEvents(x);
        const QJsonObject last = events.last().second;
        p.body = compact(gen == Gen::Current ? last.value(QStringLiteral("response")).toObject() : last);
    }
    if (faults.invalidUtf8)
        replaceMarker(p.body);
    if (faults.cutStream)
        p.kind = ResponsePlan::Kind::CutBody;
    return labelled(p, model);
}

}  // namespace codex::proxy::sim
