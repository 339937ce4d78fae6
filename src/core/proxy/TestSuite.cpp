// Endpoint test suites: cases as data (JSON), the judge that turns responses into verdicts with
// reasons and evidence, and the runner that sends the steps through EndpointClient.
#include "proxy/TestSuite.h"

#include "common/Url.h"
#include "proxy/EndpointClient.h"

#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLocale>
#include <QPointer>
#include <QSet>
#include <QUuid>

#include <cmath>

namespace codex::proxy {

namespace {

const QString kSchema = QStringLiteral("codex-admin/endpoint-suite/1");
constexpr qsizetype kExcerptBytes = 4096;

// ---- small helpers -----------------------------------------------------------------------------

QString ms(double v)
{
    return QLocale(QLocale::English).toString(qRound64(v)) + QStringLiteral(" ms");
}

QString clip(const QString &s, int max = 200)
{
    return s.size() <= max ? s : s.left(max) + QStringLiteral("…");
}

QString show(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::String:
        return QLatin1Char('"') + clip(v.toString()) + QLatin1Char('"');
    case QJsonValue::Double: {
        const double d = v.toDouble();
        if (std::floor(d) == d && std::abs(d) < 1e15)
            return QString::number(qint64(d));
        return QString::number(d, 'g', 12);
    }
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Array:
        return clip(QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)));
    case QJsonValue::Object:
        return clip(QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact)));
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("(missing)");
}

/// Plain text of a value (strings without quotes), for variables and contains-checks.
QString plain(const QJsonValue &v)
{
    return v.isString() ? v.toString() : show(v);
}

bool sameValue(const QJsonValue &expected, const QJsonValue &observed)
{
    if (expected.isDouble() && observed.isDouble()) {
        const double a = expected.toDouble(), b = observed.toDouble();
        return std::abs(a - b) <= 1e-9 * std::max(1.0, std::max(std::abs(a), std::abs(b)));
    }
    if (expected.isString() && (observed.isDouble() || observed.isBool()))
        return expected.toString() == show(observed);
    if (observed.isString() && (expected.isDouble() || expected.isBool()))
        return observed.toString() == show(expected);
    return expected == observed;
}

bool containsText(const QJsonValue &v, const QString &text)
{
    if (v.isArray()) {
        for (const QJsonValue &e : v.toArray())
            if (containsText(e, text))
                return true;
        return false;
    }
    return plain(v).contains(text, Qt::CaseInsensitive);
}

std::optional<QJsonValue> walk(QJsonValue cur, const QStringList &parts)
{
    for (const QString &p : parts) {
        if (p.isEmpty())
            continue;
        if (cur.isObject()) {
            const QJsonObject o = cur.toObject();
            if (!o.contains(p))
                return std::nullopt;
            cur = o.value(p);
        } else if (cur.isArray()) {
            bool ok = false;
            const int i = p.toInt(&ok);
            const QJsonArray a = cur.toArray();
            if (!ok || i < 0 || i >= a.size())
                return std::nullopt;
            cur = a.at(i);
        } else {
            return std::nullopt;
        }
    }
    return cur;
}

QJsonValue parseJson(const QByteArray &bytes)
{
    if (bytes.isEmpty())
        return QJsonValue(QJsonValue::Undefined);
    QJsonParseError pe{};
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
    if (pe.error != QJsonParseError::NoError)
        return QJsonValue(QJsonValue::Undefined);
    if (doc.isObject())
        return doc.object();
    if (doc.isArray())
        return doc.array();
    return QJsonValue(QJsonValue::Undefined);
}

/// What a response says about itself, computed once per judged response.
struct Observed {
    const ProxyResponse &r;
    QJsonValue body;             // body JSON, or the assembled final object for event streams
    std::optional<QJsonObject> upstream;

    explicit Observed(const ProxyResponse &resp) : r(resp)
    {
        body = r.isEventStream ? QJsonValue(QJsonValue::Undefined) : parseJson(r.body);
        if (body.isUndefined() && !r.assembled.finalObject().isEmpty())
            body = r.assembled.finalObject();
        upstream = findUpstream();
    }

    std::optional<QJsonObject> findUpstream() const
    {
        auto in = [](const QJsonValue &v) -> std::optional<QJsonObject> {
            const QJsonObject o = v.toObject();
            if (o.value(QStringLiteral("_upstream")).isObject())
                return o.value(QStringLiteral("_upstream")).toObject();
            const QJsonObject inner = o.value(QStringLiteral("response")).toObject();
            if (inner.value(QStringLiteral("_upstream")).isObject())
                return inner.value(QStringLiteral("_upstream")).toObject();
            return std::nullopt;
        };
        if (auto u = in(r.assembled.finalObject()))
            return u;
        if (auto u = in(body))
            return u;
        if (auto u = in(parseJson(r.body)))
            return u;
        int looked = 0;
        for (auto it = r.events.crbegin(); it != r.events.crend() && looked < 8; ++it, ++looked)
            if (auto u = in(parseJson(it->data)))
                return u;
        return std::nullopt;
    }

    QString errorMessage() const
    {
        const QJsonObject o = body.toObject();
        const QJsonValue err = o.value(QStringLiteral("error"));
        if (err.isObject() && err.toObject().value(QStringLiteral("message")).isString())
            return err.toObject().value(QStringLiteral("message")).toString();
        if (err.isString())
            return err.toString();
        const QJsonValue detail = o.value(QStringLiteral("detail"));
        if (detail.isString())
            return detail.toString();
        if (detail.isArray() && !detail.toArray().isEmpty()) {
            const QJsonObject first = detail.toArray().first().toObject();
            QString loc;
            for (const QJsonValue &l : first.value(QStringLiteral("loc")).toArray())
                loc += (loc.isEmpty() ? QString() : QStringLiteral(".")) + plain(l);
            const QString msg = first.value(QStringLiteral("msg")).toString();
            return loc.isEmpty() ? msg : loc + QStringLiteral(": ") + msg;
        }
        if (o.value(QStringLiteral("message")).isString())
            return o.value(QStringLiteral("message")).toString();
        const QJsonObject streamed = r.assembled.errorObject();
        if (!streamed.isEmpty())
            return streamed.value(QStringLiteral("message")).toString(show(streamed));
        if (body.isUndefined() && !r.body.isEmpty() && r.status >= 400)
            return clip(QString::fromUtf8(r.body.left(300)).simplified(), 160);
        return {};
    }

    /// Resolves a dotted path with the virtual roots. nullopt = missing.
    std::optional<QJsonValue> at(const QString &path) const
    {
        QStringList parts = path.split(QLatin1Char('.'));
        const QString root = parts.value(0);
        if (root == QLatin1String("_upstream")) {
            if (!upstream)
                return std::nullopt;
            return walk(*upstream, parts.mid(1));
        }
        if (root == QLatin1String("_final"))
            return walk(r.assembled.finalObject(), parts.mid(1));
        if (root == QLatin1String("_usage"))
            return walk(r.assembled.usage(), parts.mid(1));
        auto nonEmpty = [](const QString &s) -> std::optional<QJsonValue> {
            if (s.isEmpty())
                return std::nullopt;
            return QJsonValue(s);
        };
        if (path == QLatin1String("_text"))
            return nonEmpty(r.assembled.text());
        if (path == QLatin1String("_finish_reason"))
            return nonEmpty(r.assembled.finishReason());
        if (path == QLatin1String("_model"))
            return nonEmpty(r.assembled.model());
        if (path == QLatin1String("_error_message"))
            return nonEmpty(errorMessage());
        if (body.isUndefined())
            return std::nullopt;
        return walk(body, parts);
    }
};

bool isUpstreamPath(const QString &path)
{
    return path == QLatin1String("_upstream") || path.startsWith(QLatin1String("_upstream."));
}

QString noEcho()
{
    return QStringLiteral("the server does not report what it forwarded upstream (no _upstream echo): cannot tell");
}

QString pathName(const QString &path)
{
    if (path == QLatin1String("_text"))
        return QStringLiteral("the answer text");
    if (path == QLatin1String("_finish_reason"))
        return QStringLiteral("the finish reason");
    if (path == QLatin1String("_error_message"))
        return QStringLiteral("the error message");
    if (path.startsWith(QLatin1String("_upstream.")))
        return QStringLiteral("upstream ") + path.mid(10);
    return path;
}

// ---- variable expansion ------------------------------------------------------------------------

QString expand(const QString &text, const QHash<QString, QString> &vars, QStringList *missing, bool jsonEscape = false)
{
    if (!text.contains(QLatin1String("${")))
        return text;
    QString out;
    out.reserve(text.size());
    qsizetype i = 0;
    while (i < text.size()) {
        const qsizetype start = text.indexOf(QLatin1String("${"), i);
        if (start < 0) {
            out += QStringView(text).mid(i);
            break;
        }
        const qsizetype end = text.indexOf(QLatin1Char('}'), start + 2);
        if (end < 0) {
            out += QStringView(text).mid(i);
            break;
        }
        out += QStringView(text).mid(i, start - i);
        const QString name = text.mid(start + 2, end - start - 2);
        std::optional<QString> value;
        if (name.startsWith(QLatin1String("env:"))) {
            const QByteArray var = name.mid(4).toLocal8Bit();
            if (qEnvironmentVariableIsSet(var.constData()))
                value = qEnvironmentVariable(var.constData());
        } else if (vars.contains(name)) {
            value = vars.value(name);
        }
        if (!value) {
            if (missing && !missing->contains(name))
                missing->append(name);
            out += QStringView(text).mid(start, end - start + 1);
        } else if (jsonEscape) {
            QByteArray enc = QJsonDocument(QJsonArray{*value}).toJson(QJsonDocument::Compact);
            out += QString::fromUtf8(enc.mid(2, enc.size() - 4));  // strip ["…"]
        } else {
            out += *value;
        }
        i = end + 1;
    }
    return out;
}

QJsonValue expandValue(const QJsonValue &v, const QHash<QString, QString> &vars, QStringList *missing)
{
    if (v.isString())
        return expand(v.toString(), vars, missing);
    if (v.isArray()) {
        QJsonArray a;
        for (const QJsonValue &e : v.toArray())
            a.append(expandValue(e, vars, missing));
        return a;
    }
    if (v.isObject()) {
        QJsonObject o;
        const QJsonObject in = v.toObject();
        for (auto it = in.begin(); it != in.end(); ++it)
            o.insert(it.key(), expandValue(it.value(), vars, missing));
        return o;
    }
    return v;
}

// ---- request JSON (the suite's own format: the body is JSON, not text) -------------------------

QJsonObject requestToJson(const ProxyRequest &r)
{
    QJsonObject o;
    if (!r.name.isEmpty())
        o.insert(QStringLiteral("name"), r.name);
    o.insert(QStringLiteral("method"), QString::fromLatin1(r.method));
    o.insert(QStringLiteral("path"), r.path);
    if (!r.headers.isEmpty()) {
        QJsonObject h;
        for (const auto &kv : r.headers)
            h.insert(QString::fromLatin1(kv.first), QString::fromUtf8(kv.second));
        o.insert(QStringLiteral("headers"), h);
    }
    if (!r.body.isEmpty()) {
        const QJsonValue body = parseJson(r.body);
        if (body.isUndefined())
            o.insert(QStringLiteral("bodyText"), QString::fromUtf8(r.body));
        else
            o.insert(QStringLiteral("body"), body);
    }
    if (r.timeoutMs >= 0)
        o.insert(QStringLiteral("timeoutMs"), r.timeoutMs);
    if (!r.sendAuth)
        o.insert(QStringLiteral("sendAuth"), false);
    return o;
}

std::optional<ProxyRequest> requestFromJson(const QJsonObject &o, QString *error)
{
    auto fail = [error](const QString &m) -> std::optional<ProxyRequest> {
        *error = m;
        return std::nullopt;
    };
    ProxyRequest r;
    r.name = o.value(QStringLiteral("name")).toString();
    const QJsonValue method = o.value(QStringLiteral("method"));
    if (!method.isUndefined()) {
        if (!method.isString() || method.toString().trimmed().isEmpty())
            return fail(QStringLiteral("\"request.method\" must be a string such as \"POST\""));
        r.method = method.toString().trimmed().toUpper().toLatin1();
    }
    const QJsonValue path = o.value(QStringLiteral("path"));
    if (!path.isString() || path.toString().trimmed().isEmpty())
        return fail(QStringLiteral("\"request.path\" is missing (a path such as \"${responses_path}\")"));
    r.path = path.toString().trimmed();
    const QJsonValue headers = o.value(QStringLiteral("headers"));
    if (!headers.isUndefined()) {
        if (!headers.isObject())
            return fail(QStringLiteral("\"request.headers\" must be an object of name: value"));
        const QJsonObject h = headers.toObject();
        for (auto it = h.begin(); it != h.end(); ++it) {
            if (!it.value().isString())
                return fail(QStringLiteral("\"request.headers.%1\" must be a string").arg(it.key()));
            r.headers.append({it.key().toLatin1(), it.value().toString().toUtf8()});
        }
    }
    const QJsonValue body = o.value(QStringLiteral("body"));
    if (body.isObject())
        r.body = QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
    else if (body.isArray())
        r.body = QJsonDocument(body.toArray()).toJson(QJsonDocument::Compact);
    else if (body.isString())
        r.body = body.toString().toUtf8();
    else if (!body.isUndefined() && !body.isNull())
        return fail(QStringLiteral("\"request.body\" must be a JSON object, array or text"));
    const QJsonValue text = o.value(QStringLiteral("bodyText"));
    if (!text.isUndefined()) {
        if (!text.isString())
            return fail(QStringLiteral("\"request.bodyText\" must be a string"));
        r.body = text.toString().toUtf8();
    }
    if (!r.body.isEmpty() && !o.contains(QStringLiteral("method")))
        r.method = "POST";
    else if (r.body.isEmpty() && !o.contains(QStringLiteral("method")))
        r.method = "GET";
    const QJsonValue timeout = o.value(QStringLiteral("timeoutMs"));
    if (!timeout.isUndefined()) {
        if (!timeout.isDouble() || timeout.toDouble() < 1)
            return fail(QStringLiteral("\"request.timeoutMs\" must be a positive number"));
        r.timeoutMs = int(timeout.toDouble());
    }
    const QJsonValue auth = o.value(QStringLiteral("sendAuth"));
    if (!auth.isUndefined()) {
        if (!auth.isBool())
            return fail(QStringLiteral("\"request.sendAuth\" must be true or false"));
        r.sendAuth = auth.toBool();
    }
    return r;
}

// ---- assertion kinds ---------------------------------------------------------------------------

enum class ArgType { String, Number, Any, Bool, NumberList };
struct ArgSpec {
    const char *name;
    ArgType type;
    bool required;
};
struct KindSpec {
    const char *kind;
    std::vector<ArgSpec> args;
};

const std::vector<KindSpec> &kinds()
{
    static const std::vector<KindSpec> k = {
        {"status", {{"equals", ArgType::Number, false}, {"in", ArgType::NumberList, false}}},
        {"json-equals", {{"path", ArgType::String, true}, {"value", ArgType::Any, true}}},
        {"json-exists", {{"path", ArgType::String, true}}},
        {"json-absent", {{"path", ArgType::String, true}}},
        {"json-contains", {{"path", ArgType::String, true}, {"text", ArgType::String, true}}},
        {"header", {{"name", ArgType::String, true}, {"contains", ArgType::String, false}, {"equals", ArgType::String, false}}},
        {"text-contains", {{"text", ArgType::String, true}}},
        {"stream-ends", {{"with", ArgType::String, true}}},
        {"streamed", {}},
        {"tool-call", {{"name", ArgType::String, true}, {"validJson", ArgType::Bool, false}}},
        {"no-tool-call", {}},
        {"latency-below", {{"ms", ArgType::Number, true}, {"metric", ArgType::String, false}}},
        {"upstream-equals", {{"field", ArgType::String, true}, {"value", ArgType::Any, true}}},
        {"upstream-contains", {{"field", ArgType::String, true}, {"text", ArgType::String, true}}},
        {"upstream-absent", {{"field", ArgType::String, true}}},
        {"equals-var", {{"path", ArgType::String, true}, {"var", ArgType::String, true}}},
        {"differs-var", {{"path", ArgType::String, true}, {"var", ArgType::String, true}}},
        {"injection", {{"mode", ArgType::String, true}, {"sent", ArgType::String, true}}},
    };
    return k;
}

QString kindList()
{
    QStringList names;
    for (const KindSpec &k : kinds())
        names << QString::fromLatin1(k.kind);
    return names.join(QStringLiteral(", "));
}

struct Judged {
    Verdict verdict = Verdict::Pass;
    QString reason;
    QString evidence;
};

Judged pass(const QString &evidence = {})
{
    return {Verdict::Pass, {}, evidence};
}
Judged fail(const QString &reason, const QString &evidence = {})
{
    return {Verdict::Fail, reason, evidence};
}
Judged inconclusive(const QString &reason)
{
    return {Verdict::Inconclusive, reason, {}};
}

Judged judgeOne(const Assertion &a, const Observed &o, const QHash<QString, QJsonValue> &captured)
{
    const ProxyResponse &r = o.r;
    const QJsonObject &args = a.args;
    const QString k = a.kind;

    if (k == QLatin1String("status")) {
        QList<int> wanted;
        if (args.contains(QStringLiteral("equals")))
            wanted << args.value(QStringLiteral("equals")).toInt();
        for (const QJsonValue &v : args.value(QStringLiteral("in")).toArray())
            wanted << v.toInt();
        if (wanted.contains(r.status))
            return pass(QString::number(r.status));
        QStringList w;
        for (int s : wanted)
            w << QString::number(s);
        QString reason = QStringLiteral("status %1, expected %2").arg(r.status).arg(w.join(QStringLiteral(" or ")));
        const QString msg = o.errorMessage();
        if (!msg.isEmpty())
            reason += QStringLiteral(": ") + msg;
        return fail(reason, clip(QString::fromUtf8(r.body.left(600)), 400));
    }
    if (k == QLatin1String("json-equals") || k == QLatin1String("json-exists") || k == QLatin1String("json-absent")
        || k == QLatin1String("json-contains")) {
        const QString path = args.value(QStringLiteral("path")).toString();
        if (isUpstreamPath(path) && !o.upstream)
            return inconclusive(noEcho());
        const auto v = o.at(path);
        if (k == QLatin1String("json-absent"))
            return v ? fail(QStringLiteral("%1 is present: %2").arg(pathName(path), show(*v)), show(*v)) : pass();
        if (!v) {
            QString why = QStringLiteral("%1 is missing").arg(pathName(path));
            if (o.body.isUndefined() && !path.startsWith(QLatin1Char('_')))
                why += QStringLiteral(" (the body is not JSON)");
            else if (path == QLatin1String("_text") && !r.assembled.toolCalls().isEmpty())
                why += QStringLiteral(" (the answer is a tool call)");
            return fail(why, clip(QString::fromUtf8(r.body.left(400))));
        }
        if (k == QLatin1String("json-exists"))
            return pass(show(*v));
        if (k == QLatin1String("json-equals")) {
            const QJsonValue want = args.value(QStringLiteral("value"));
            if (sameValue(want, *v))
                return pass(show(*v));
            return fail(QStringLiteral("%1 is %2, expected %3").arg(pathName(path), show(*v), show(want)), show(*v));
        }
        const QString text = args.value(QStringLiteral("text")).toString();
        if (containsText(*v, text))
            return pass(show(*v));
        return fail(QStringLiteral("%1 does not contain \"%2\": %3").arg(pathName(path), text, show(*v)), show(*v));
    }
    if (k == QLatin1String("header")) {
        const QString name = args.value(QStringLiteral("name")).toString();
        bool present = false;
        for (const auto &kv : r.headers)
            if (QString::fromLatin1(kv.first).compare(name, Qt::CaseInsensitive) == 0)
                present = true;
        const QString value = QString::fromUtf8(r.header(name.toLatin1()));
        if (!present)
            return fail(QStringLiteral("no %1 header in the response").arg(name));
        if (args.contains(QStringLiteral("equals")) && value != args.value(QStringLiteral("equals")).toString())
            return fail(QStringLiteral("header %1 is \"%2\", expected \"%3\"").arg(name, value, args.value(QStringLiteral("equals")).toString()), value);
        if (args.contains(QStringLiteral("contains"))
            && !value.contains(args.value(QStringLiteral("contains")).toString(), Qt::CaseInsensitive))
            return fail(QStringLiteral("header %1 is \"%2\", expected it to contain \"%3\"").arg(name, value, args.value(QStringLiteral("contains")).toString()),
                        value);
        return pass(value);
    }
    if (k == QLatin1String("text-contains")) {
        const QString text = args.value(QStringLiteral("text")).toString();
        const QString got = r.assembled.text();
        if (got.contains(text, Qt::CaseInsensitive))
            return pass(clip(got));
        return fail(got.isEmpty() ? QStringLiteral("the answer has no text, expected it to contain \"%1\"").arg(text)
                                  : QStringLiteral("the answer does not contain \"%1\": \"%2\"").arg(text, clip(got, 120)),
                    clip(got));
    }
    if (k == QLatin1String("stream-ends")) {
        const QString with = args.value(QStringLiteral("with")).toString();
        if (!r.isEventStream)
            return fail(QStringLiteral("not an event stream (Content-Type %1), expected one ending with %2")
                            .arg(QString::fromUtf8(r.header("content-type")), with));
        const bool ok = with == QLatin1String("[DONE]") ? r.assembled.sawDone()
                        : with == QLatin1String("response.completed") ? r.assembled.sawCompleted()
                                                                       : (!r.events.isEmpty() && (r.events.last().event == with.toUtf8() || r.events.last().data == with.toUtf8()));
        QString last = r.events.isEmpty() ? QStringLiteral("no events")
                                          : QStringLiteral("last event: %1").arg(r.events.last().event.isEmpty() ? clip(QString::fromUtf8(r.events.last().data), 80)
                                                                                                                 : QString::fromUtf8(r.events.last().event));
        if (ok)
            return pass(QStringLiteral("%1 events, %2").arg(r.eventCount).arg(last));
        if (!r.assembled.errorObject().isEmpty())
            return fail(QStringLiteral("the stream carried an error instead of %1: %2").arg(with, o.errorMessage()), last);
        QString why = QStringLiteral("the stream ended without %1 (%2 events, %3").arg(with).arg(r.eventCount).arg(last);
        if (r.streamCutMidEvent)
            why += QStringLiteral("; cut mid-event");
        return fail(why + QLatin1Char(')'), last);
    }
    if (k == QLatin1String("streamed")) {
        const RequestTiming &t = r.timing;
        if (!r.isEventStream)
            return fail(QStringLiteral("not an event stream (Content-Type %1): the answer was not streamed")
                            .arg(QString::fromUtf8(r.header("content-type"))));
        const int deltas = r.assembled.deltaCount();
        const QString ev = QStringLiteral("first token at %1 of %2 total, %3 deltas").arg(ms(t.firstTokenMs), ms(t.totalMs)).arg(deltas);
        if (t.looksBuffered(deltas))
            return fail(QStringLiteral("streaming is buffered by the proxy: first token at %1 of %2 total").arg(ms(t.firstTokenMs), ms(t.totalMs)), ev);
        if (t.firstTokenMs < 0)
            return fail(QStringLiteral("the stream carried no token (%1 events)").arg(r.eventCount), ev);
        return pass(ev);
    }
    if (k == QLatin1String("tool-call")) {
        const QString name = args.value(QStringLiteral("name")).toString();
        const QList<ToolCall> calls = r.assembled.toolCalls();
        for (const ToolCall &c : calls) {
            if (c.name != name)
                continue;
            if (args.value(QStringLiteral("validJson")).toBool(true) && !c.argumentsValid())
                return fail(c.argumentsError(), clip(c.arguments, 400));
            return pass(QStringLiteral("%1(%2)").arg(c.name, clip(c.arguments, 300)));
        }
        if (calls.isEmpty()) {
            const QString text = r.assembled.text();
            return fail(QStringLiteral("no tool call, expected a call of %1%2").arg(name, text.isEmpty() ? QString() : QStringLiteral(" (answer: \"%1\")").arg(clip(text, 100))),
                        clip(text));
        }
        QStringList names;
        for (const ToolCall &c : calls)
            names << c.name;
        return fail(QStringLiteral("no call of %1; tool calls: %2").arg(name, names.join(QStringLiteral(", "))), names.join(QStringLiteral(", ")));
    }
    if (k == QLatin1String("no-tool-call")) {
        const QList<ToolCall> calls = r.assembled.toolCalls();
        if (calls.isEmpty())
            return pass();
        return fail(QStringLiteral("unexpected tool call %1").arg(calls.first().name), calls.first().name + QLatin1Char('(') + clip(calls.first().arguments) + QLatin1Char(')'));
    }
    if (k == QLatin1String("latency-below")) {
        const QString metric = args.value(QStringLiteral("metric")).toString(QStringLiteral("total"));
        const double limit = args.value(QStringLiteral("ms")).toDouble();
        const double v = metric == QLatin1String("ttfb") ? r.timing.ttfbMs : metric == QLatin1String("firstToken") ? r.timing.firstTokenMs : r.timing.totalMs;
        if (v < 0)
            return fail(QStringLiteral("%1 time not measured").arg(metric));
        if (v < limit)
            return pass(ms(v));
        return fail(QStringLiteral("%1 time %2, expected below %3").arg(metric, ms(v), ms(limit)), ms(v));
    }
    if (k.startsWith(QLatin1String("upstream-"))) {
        if (!o.upstream)
            return inconclusive(noEcho());
        const QString field = args.value(QStringLiteral("field")).toString();
        const auto v = walk(*o.upstream, field.split(QLatin1Char('.')));
        if (k == QLatin1String("upstream-absent"))
            return v ? fail(QStringLiteral("upstream %1 was forwarded: %2").arg(field, show(*v)), show(*v)) : pass();
        if (!v)
            return fail(QStringLiteral("upstream %1 is missing: the proxy did not forward it").arg(field), show(*o.upstream));
        if (k == QLatin1String("upstream-equals")) {
            const QJsonValue want = args.value(QStringLiteral("value"));
            if (sameValue(want, *v))
                return pass(show(*v));
            return fail(QStringLiteral("upstream %1 is %2, expected %3").arg(field, show(*v), show(want)), show(*v));
        }
        const QString text = args.value(QStringLiteral("text")).toString();
        if (containsText(*v, text))
            return pass(show(*v));
        return fail(QStringLiteral("upstream %1 does not contain \"%2\": %3").arg(field, clip(text, 80), show(*v)), show(*v));
    }
    if (k == QLatin1String("equals-var") || k == QLatin1String("differs-var")) {
        const QString path = args.value(QStringLiteral("path")).toString();
        const QString var = args.value(QStringLiteral("var")).toString();
        if (isUpstreamPath(path) && !o.upstream)
            return inconclusive(noEcho());
        if (!captured.contains(var))
            return fail(QStringLiteral("variable %1 was not captured by an earlier step").arg(var));
        const auto v = o.at(path);
        if (!v)
            return fail(QStringLiteral("%1 is missing").arg(pathName(path)));
        const QJsonValue was = captured.value(var);
        const bool same = sameValue(was, *v);
        if (k == QLatin1String("equals-var"))
            return same ? pass(show(*v)) : fail(QStringLiteral("%1 is %2, expected %3 (%4 from an earlier step)").arg(pathName(path), show(*v), show(was), var), show(*v));
        return same ? fail(QStringLiteral("%1 is %2 again, expected a different value than %3 from an earlier step").arg(pathName(path), show(*v), var), show(*v))
                    : pass(QStringLiteral("%1 ≠ %2").arg(show(*v), show(was)));
    }
    if (k == QLatin1String("injection")) {
        if (!o.upstream)
            return inconclusive(noEcho());
        const QString mode = args.value(QStringLiteral("mode")).toString();
        const QString sent = args.value(QStringLiteral("sent")).toString();
        const QJsonValue iv = o.upstream->value(QStringLiteral("instructions"));
        const QString got = iv.isString() ? iv.toString() : QString();
        QString observed;
        QString detail;
        if (got == sent) {
            observed = QStringLiteral("disabled");
            detail = QStringLiteral("upstream instructions are exactly the sent text");
        } else if (got.isEmpty()) {
            observed = QStringLiteral("dropped");
            detail = QStringLiteral("no instructions were forwarded upstream");
        } else if (got.startsWith(sent)) {
            observed = QStringLiteral("append");
            detail = QStringLiteral("upstream instructions are the sent text + %1 characters (\"%2\")")
                         .arg(QLocale(QLocale::English).toString(got.size() - sent.size()), clip(got.mid(sent.size()).trimmed(), 80));
        } else if (!got.contains(sent)) {
            observed = QStringLiteral("override");
            detail = QStringLiteral("upstream instructions replace the sent text (%1 characters: \"%2\")")
                         .arg(QLocale(QLocale::English).toString(got.size()), clip(got, 80));
        } else {
            observed = QStringLiteral("modified");
            detail = QStringLiteral("upstream instructions contain the sent text inside %1 characters").arg(QLocale(QLocale::English).toString(got.size()));
        }
        const QString evidence = QStringLiteral("observed mode %1: upstream instructions %2").arg(observed, show(iv));
        if (observed == mode)
            return pass(evidence);
        QString reason = QStringLiteral("instruction injection mode %1 expected, observed %2: %3").arg(mode, observed, detail);
        if (mode == QLatin1String("disabled") && observed != QLatin1String("disabled"))
            reason = QStringLiteral("instruction injection mode disabled, but the proxy injected: %1").arg(detail);
        return fail(reason, evidence);
    }
    return fail(QStringLiteral("unknown assertion kind '%1'").arg(k));
}

QString excerpt(const QByteArray &b)
{
    return QString::fromUtf8(b.left(kExcerptBytes));
}

QJsonObject responseSummary(const ProxyResponse &r)
{
    QJsonObject o;
    o.insert(QStringLiteral("method"), QString::fromLatin1(r.method));
    o.insert(QStringLiteral("url"), redactUrl(r.url.toString()));
    if (!r.requestBody.isEmpty())
        o.insert(QStringLiteral("requestBody"), excerpt(r.requestBody));
    o.insert(QStringLiteral("status"), r.status);
    if (!r.reason.isEmpty())
        o.insert(QStringLiteral("reason"), QString::fromLatin1(r.reason));
    QJsonObject headers;
    for (const auto &kv : r.headers) {
        const QString name = QString::fromLatin1(kv.first).toLower();
        if (name == QLatin1String("set-cookie") || name == QLatin1String("authorization"))
            continue;
        headers.insert(name, QString::fromUtf8(kv.second));
    }
    o.insert(QStringLiteral("headers"), headers);
    o.insert(QStringLiteral("body"), excerpt(r.body));
    o.insert(QStringLiteral("bodyBytes"), double(std::max<qint64>(r.timing.bytes, r.body.size())));
    if (r.truncated)
        o.insert(QStringLiteral("truncated"), true);
    o.insert(QStringLiteral("eventStream"), r.isEventStream);
    o.insert(QStringLiteral("events"), r.eventCount);
    if (r.error != CallError::None) {
        o.insert(QStringLiteral("error"), callErrorName(r.error));
        o.insert(QStringLiteral("errorString"), redactSecrets(r.errorString));
    }
    QJsonObject t;
    t.insert(QStringLiteral("connectMs"), r.timing.connectMs);
    t.insert(QStringLiteral("ttfbMs"), r.timing.ttfbMs);
    t.insert(QStringLiteral("firstTokenMs"), r.timing.firstTokenMs);
    t.insert(QStringLiteral("totalMs"), r.timing.totalMs);
    t.insert(QStringLiteral("tokens"), r.timing.tokens);
    o.insert(QStringLiteral("timing"), t);
    const QString text = r.assembled.text();
    if (!text.isEmpty())
        o.insert(QStringLiteral("text"), text.left(kExcerptBytes));
    QJsonArray calls;
    for (const ToolCall &c : r.assembled.toolCalls())
        calls.append(QJsonObject{{QStringLiteral("name"), c.name}, {QStringLiteral("arguments"), c.arguments.left(kExcerptBytes)}});
    if (!calls.isEmpty())
        o.insert(QStringLiteral("toolCalls"), calls);
    o.insert(QStringLiteral("startedAtMs"), double(r.startedAtMs));
    return o;
}

ProxyResponse responseFromSummary(const QJsonObject &o)
{
    ProxyResponse r;
    r.method = o.value(QStringLiteral("method")).toString().toLatin1();
    r.url = QUrl(o.value(QStringLiteral("url")).toString());
    r.requestBody = o.value(QStringLiteral("requestBody")).toString().toUtf8();
    r.status = o.value(QStringLiteral("status")).toInt();
    r.reason = o.value(QStringLiteral("reason")).toString().toLatin1();
    const QJsonObject h = o.value(QStringLiteral("headers")).toObject();
    for (auto it = h.begin(); it != h.end(); ++it)
        r.headers.append({it.key().toLatin1(), it.value().toString().toUtf8()});
    r.body = o.value(QStringLiteral("body")).toString().toUtf8();
    r.truncated = o.value(QStringLiteral("truncated")).toBool();
    r.isEventStream = o.value(QStringLiteral("eventStream")).toBool();
    r.eventCount = o.value(QStringLiteral("events")).toInt();
    r.errorString = o.value(QStringLiteral("errorString")).toString();
    if (o.contains(QStringLiteral("error")))
        r.error = CallError::Network;
    const QJsonObject t = o.value(QStringLiteral("timing")).toObject();
    r.timing.connectMs = t.value(QStringLiteral("connectMs")).toDouble(-1);
    r.timing.ttfbMs = t.value(QStringLiteral("ttfbMs")).toDouble(-1);
    r.timing.firstTokenMs = t.value(QStringLiteral("firstTokenMs")).toDouble(-1);
    r.timing.totalMs = t.value(QStringLiteral("totalMs")).toDouble(-1);
    r.timing.tokens = t.value(QStringLiteral("tokens")).toInt();
    r.timing.bytes = qint64(o.value(QStringLiteral("bodyBytes")).toDouble());
    r.startedAtMs = qint64(o.value(QStringLiteral("startedAtMs")).toDouble());
    if (!r.isEventStream && !r.body.isEmpty())
        r.assembled.setBody(r.body);
    return r;
}

std::optional<Verdict> verdictFromName(const QString &name)
{
    for (Verdict v : {Verdict::Pass, Verdict::Fail, Verdict::Inconclusive, Verdict::Error, Verdict::Skipped})
        if (verdictName(v) == name)
            return v;
    return std::nullopt;
}

QJsonObject hashToJson(const QHash<QString, QString> &h)
{
    QJsonObject o;
    for (auto it = h.cbegin(); it != h.cend(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

bool hashFromJson(const QJsonValue &v, QHash<QString, QString> *out, const QString &where, QString *error)
{
    if (v.isUndefined() || v.isNull())
        return true;
    if (!v.isObject()) {
        *error = QStringLiteral("%1 must be an object of name: text").arg(where);
        return false;
    }
    const QJsonObject o = v.toObject();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.value().isString())
            out->insert(it.key(), it.value().toString());
        else if (it.value().isDouble() || it.value().isBool())
            out->insert(it.key(), show(it.value()));
        else {
            *error = QStringLiteral("%1.%2 must be a text").arg(where, it.key());
            return false;
        }
    }
    return true;
}

}  // namespace

// ---- Assertion ---------------------------------------------------------------------------------

QString Assertion::describe() const
{
    const QJsonObject &a = args;
    auto s = [&a](const char *k) { return a.value(QLatin1String(k)).toString(); };
    if (kind == QLatin1String("status")) {
        if (a.contains(QStringLiteral("equals")))
            return QStringLiteral("status is %1").arg(a.value(QStringLiteral("equals")).toInt());
        QStringList w;
        for (const QJsonValue &v : a.value(QStringLiteral("in")).toArray())
            w << QString::number(v.toInt());
        return QStringLiteral("status is one of %1").arg(w.join(QStringLiteral(", ")));
    }
    if (kind == QLatin1String("json-equals"))
        return QStringLiteral("%1 is %2").arg(pathName(s("path")), show(a.value(QStringLiteral("value"))));
    if (kind == QLatin1String("json-exists"))
        return QStringLiteral("%1 is present").arg(pathName(s("path")));
    if (kind == QLatin1String("json-absent"))
        return QStringLiteral("%1 is absent").arg(pathName(s("path")));
    if (kind == QLatin1String("json-contains"))
        return QStringLiteral("%1 contains \"%2\"").arg(pathName(s("path")), s("text"));
    if (kind == QLatin1String("header"))
        return a.contains(QStringLiteral("equals")) ? QStringLiteral("header %1 is \"%2\"").arg(s("name"), s("equals"))
               : a.contains(QStringLiteral("contains")) ? QStringLiteral("header %1 contains \"%2\"").arg(s("name"), s("contains"))
                                                         : QStringLiteral("header %1 is present").arg(s("name"));
    if (kind == QLatin1String("text-contains"))
        return QStringLiteral("the answer contains \"%1\"").arg(s("text"));
    if (kind == QLatin1String("stream-ends"))
        return QStringLiteral("the stream ends with %1").arg(s("with"));
    if (kind == QLatin1String("streamed"))
        return QStringLiteral("tokens arrive while streaming (not buffered)");
    if (kind == QLatin1String("tool-call"))
        return a.value(QStringLiteral("validJson")).toBool(true) ? QStringLiteral("tool call %1 with valid JSON arguments").arg(s("name"))
                                                                 : QStringLiteral("tool call %1").arg(s("name"));
    if (kind == QLatin1String("no-tool-call"))
        return QStringLiteral("no tool call");
    if (kind == QLatin1String("latency-below"))
        return QStringLiteral("%1 time below %2").arg(a.value(QStringLiteral("metric")).toString(QStringLiteral("total")), ms(a.value(QStringLiteral("ms")).toDouble()));
    if (kind == QLatin1String("upstream-equals"))
        return QStringLiteral("upstream %1 is %2").arg(s("field"), show(a.value(QStringLiteral("value"))));
    if (kind == QLatin1String("upstream-contains"))
        return QStringLiteral("upstream %1 contains \"%2\"").arg(s("field"), clip(s("text"), 60));
    if (kind == QLatin1String("upstream-absent"))
        return QStringLiteral("upstream %1 is not forwarded").arg(s("field"));
    if (kind == QLatin1String("equals-var"))
        return QStringLiteral("%1 equals %2 from an earlier step").arg(pathName(s("path")), s("var"));
    if (kind == QLatin1String("differs-var"))
        return QStringLiteral("%1 differs from %2 of an earlier step").arg(pathName(s("path")), s("var"));
    if (kind == QLatin1String("injection"))
        return QStringLiteral("instructions handled in %1 mode").arg(s("mode"));
    return kind;
}

QJsonObject Assertion::toJson() const
{
    QJsonObject o = args;
    o.insert(QStringLiteral("kind"), kind);
    return o;
}

std::optional<Assertion> Assertion::fromJson(const QJsonObject &o, QString *error)
{
    auto failWith = [error](const QString &m) -> std::optional<Assertion> {
        if (error)
            *error = m;
        return std::nullopt;
    };
    const QJsonValue kv = o.value(QStringLiteral("kind"));
    if (!kv.isString())
        return failWith(QStringLiteral("\"kind\" is missing (one of %1)").arg(kindList()));
    const QString kind = kv.toString();
    const KindSpec *spec = nullptr;
    for (const KindSpec &k : kinds())
        if (kind == QLatin1String(k.kind))
            spec = &k;
    if (!spec)
        return failWith(QStringLiteral("unknown kind \"%1\" (one of %2)").arg(kind, kindList()));
    Assertion a;
    a.kind = kind;
    a.args = o;
    a.args.remove(QStringLiteral("kind"));
    for (const ArgSpec &arg : spec->args) {
        const QString name = QString::fromLatin1(arg.name);
        const QJsonValue v = o.value(name);
        if (v.isUndefined()) {
            if (arg.required)
                return failWith(QStringLiteral("\"%1\" needs \"%2\"").arg(kind, name));
            continue;
        }
        bool ok = true;
        QString what;
        switch (arg.type) {
        case ArgType::String:
            ok = v.isString() && !v.toString().isEmpty();
            what = QStringLiteral("a non-empty string");
            break;
        case ArgType::Number:
            ok = v.isDouble() || (v.isString() && v.toString().startsWith(QLatin1String("${")));
            what = QStringLiteral("a number");
            break;
        case ArgType::Bool:
            ok = v.isBool();
            what = QStringLiteral("true or false");
            break;
        case ArgType::NumberList:
            ok = v.isArray() && !v.toArray().isEmpty();
            for (const QJsonValue &e : v.toArray())
                ok = ok && e.isDouble();
            what = QStringLiteral("a list of numbers");
            break;
        case ArgType::Any:
            break;
        }
        if (!ok)
            return failWith(QStringLiteral("\"%1\": \"%2\" must be %3, not %4").arg(kind, name, what, show(v)));
    }
    if (kind == QLatin1String("status") && !o.contains(QStringLiteral("equals")) && !o.contains(QStringLiteral("in")))
        return failWith(QStringLiteral("\"status\" needs \"equals\" (a number) or \"in\" (a list)"));
    if (kind == QLatin1String("stream-ends")) {
        const QString with = o.value(QStringLiteral("with")).toString();
        if (with != QLatin1String("[DONE]") && with != QLatin1String("response.completed"))
            return failWith(QStringLiteral("\"stream-ends\": \"with\" must be \"[DONE]\" or \"response.completed\", not \"%1\"").arg(with));
    }
    if (kind == QLatin1String("latency-below") && o.contains(QStringLiteral("metric"))) {
        const QString m = o.value(QStringLiteral("metric")).toString();
        if (m != QLatin1String("total") && m != QLatin1String("ttfb") && m != QLatin1String("firstToken"))
            return failWith(QStringLiteral("\"latency-below\": \"metric\" must be total, ttfb or firstToken, not \"%1\"").arg(m));
    }
    if (kind == QLatin1String("injection")) {
        const QString m = o.value(QStringLiteral("mode")).toString();
        if (m != QLatin1String("override") && m != QLatin1String("append") && m != QLatin1String("disabled") && !m.startsWith(QLatin1String("${")))
            return failWith(QStringLiteral("\"injection\": \"mode\" must be override, append or disabled, not \"%1\"").arg(m));
    }
    return a;
}

// ---- TestCase / TestSuite ----------------------------------------------------------------------

QJsonObject TestCase::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("id"), id);
    o.insert(QStringLiteral("title"), title);
    if (!checklistItem.isEmpty())
        o.insert(QStringLiteral("checklistItem"), checklistItem);
    if (!group.isEmpty())
        o.insert(QStringLiteral("group"), group);
    if (!profiles.isEmpty())
        o.insert(QStringLiteral("profiles"), QJsonArray::fromStringList(profiles));
    if (!notApplicableReason.isEmpty())
        o.insert(QStringLiteral("notApplicable"), notApplicableReason);
    if (!when.isEmpty())
        o.insert(QStringLiteral("when"), hashToJson(when));
    if (needsToken)
        o.insert(QStringLiteral("needsToken"), true);
    QJsonArray steps;
    for (const TestStep &s : this->steps) {
        QJsonObject so;
        so.insert(QStringLiteral("request"), requestToJson(s.request));
        QJsonArray as;
        for (const Assertion &a : s.assertions)
            as.append(a.toJson());
        so.insert(QStringLiteral("assertions"), as);
        if (!s.capture.isEmpty())
            so.insert(QStringLiteral("capture"), hashToJson(s.capture));
        steps.append(so);
    }
    o.insert(QStringLiteral("steps"), steps);
    return o;
}

std::optional<TestCase> TestCase::fromJson(const QJsonObject &o, QString *error)
{
    QString why;
    auto failWith = [error](const QString &m) -> std::optional<TestCase> {
        if (error)
            *error = m;
        return std::nullopt;
    };
    TestCase c;
    const QJsonValue id = o.value(QStringLiteral("id"));
    if (!id.isString() || id.toString().trimmed().isEmpty())
        return failWith(QStringLiteral("a case has no \"id\""));
    c.id = id.toString().trimmed();
    const QString where = QStringLiteral("case '%1'").arg(c.id);
    for (const char *key : {"title", "checklistItem", "group", "notApplicable"}) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (!v.isUndefined() && !v.isString())
            return failWith(QStringLiteral("%1: \"%2\" must be a string").arg(where, QLatin1String(key)));
    }
    c.title = o.value(QStringLiteral("title")).toString(c.id);
    c.checklistItem = o.value(QStringLiteral("checklistItem")).toString();
    c.group = o.value(QStringLiteral("group")).toString();
    c.notApplicableReason = o.value(QStringLiteral("notApplicable")).toString();
    const QJsonValue profiles = o.value(QStringLiteral("profiles"));
    if (!profiles.isUndefined()) {
        if (!profiles.isArray())
            return failWith(QStringLiteral("%1: \"profiles\" must be a list of profile ids").arg(where));
        for (const QJsonValue &p : profiles.toArray()) {
            if (!p.isString())
                return failWith(QStringLiteral("%1: \"profiles\" must be a list of profile ids").arg(where));
            c.profiles << p.toString();
        }
    }
    if (!hashFromJson(o.value(QStringLiteral("when")), &c.when, where + QStringLiteral(": \"when\""), &why))
        return failWith(why);
    const QJsonValue nt = o.value(QStringLiteral("needsToken"));
    if (!nt.isUndefined() && !nt.isBool())
        return failWith(QStringLiteral("%1: \"needsToken\" must be true or false").arg(where));
    c.needsToken = nt.toBool();
    const QJsonValue steps = o.value(QStringLiteral("steps"));
    if (!steps.isArray() || steps.toArray().isEmpty())
        return failWith(QStringLiteral("%1: \"steps\" must be a non-empty list").arg(where));
    int n = 0;
    for (const QJsonValue &sv : steps.toArray()) {
        ++n;
        const QString sw = QStringLiteral("%1, step %2").arg(where).arg(n);
        if (!sv.isObject())
            return failWith(QStringLiteral("%1: must be an object with \"request\" and \"assertions\"").arg(sw));
        const QJsonObject so = sv.toObject();
        TestStep step;
        if (!so.value(QStringLiteral("request")).isObject())
            return failWith(QStringLiteral("%1: \"request\" is missing").arg(sw));
        auto req = requestFromJson(so.value(QStringLiteral("request")).toObject(), &why);
        if (!req)
            return failWith(QStringLiteral("%1: %2").arg(sw, why));
        step.request = *req;
        const QJsonValue as = so.value(QStringLiteral("assertions"));
        if (!as.isUndefined() && !as.isArray())
            return failWith(QStringLiteral("%1: \"assertions\" must be a list").arg(sw));
        int an = 0;
        for (const QJsonValue &av : as.toArray()) {
            ++an;
            if (!av.isObject())
                return failWith(QStringLiteral("%1, assertion %2: must be an object with \"kind\"").arg(sw).arg(an));
            auto a = Assertion::fromJson(av.toObject(), &why);
            if (!a)
                return failWith(QStringLiteral("%1, assertion %2: %3").arg(sw).arg(an).arg(why));
            step.assertions << *a;
        }
        if (!hashFromJson(so.value(QStringLiteral("capture")), &step.capture, sw + QStringLiteral(": \"capture\""), &why))
            return failWith(why);
        c.steps << step;
    }
    return c;
}

TestSuite TestSuite::presets()
{
    QFile f(QStringLiteral(":/proxy/suite-presets.json"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QString error;
    auto s = fromJson(f.readAll(), &error);
    if (!s) {
        qWarning("built-in suite presets are invalid: %s", qPrintable(error));
        return {};
    }
    return *s;
}

std::optional<TestSuite> TestSuite::fromJson(const QByteArray &json, QString *error)
{
    auto failWith = [error](const QString &m) -> std::optional<TestSuite> {
        if (error)
            *error = m;
        return std::nullopt;
    };
    QJsonParseError pe{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError)
        return failWith(QStringLiteral("not valid JSON: %1 at offset %2").arg(pe.errorString()).arg(pe.offset));
    if (!doc.isObject())
        return failWith(QStringLiteral("a suite must be a JSON object with \"cases\""));
    const QJsonObject o = doc.object();
    TestSuite s;
    s.name = o.value(QStringLiteral("name")).toString();
    QString why;
    if (!hashFromJson(o.value(QStringLiteral("variables")), &s.variables, QStringLiteral("\"variables\""), &why))
        return failWith(why);
    const QJsonValue cases = o.value(QStringLiteral("cases"));
    if (!cases.isArray())
        return failWith(QStringLiteral("\"cases\" is missing or not a list"));
    QSet<QString> ids;
    int n = 0;
    for (const QJsonValue &cv : cases.toArray()) {
        ++n;
        if (!cv.isObject())
            return failWith(QStringLiteral("case %1 is not an object").arg(n));
        auto c = TestCase::fromJson(cv.toObject(), &why);
        if (!c)
            return failWith(cv.toObject().contains(QStringLiteral("id")) ? why : QStringLiteral("case %1: %2").arg(n).arg(why));
        if (ids.contains(c->id))
            return failWith(QStringLiteral("case '%1' is defined twice").arg(c->id));
        ids.insert(c->id);
        s.cases << *c;
    }
    return s;
}

std::optional<TestSuite> TestSuite::load(const QString &path, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("cannot read the suite %1: %2").arg(path, f.errorString());
        return std::nullopt;
    }
    QString why;
    auto s = fromJson(f.readAll(), &why);
    if (!s && error)
        *error = QStringLiteral("the suite %1 is not usable: %2").arg(path, why);
    return s;
}

QByteArray TestSuite::toJson() const
{
    QJsonArray cs;
    for (const TestCase &c : cases)
        cs.append(c.toJson());
    return QJsonDocument(QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("variables"), hashToJson(variables)}, {QStringLiteral("cases"), cs}})
        .toJson(QJsonDocument::Indented);
}

// ---- results -----------------------------------------------------------------------------------

QString verdictName(Verdict v)
{
    switch (v) {
    case Verdict::Pass:
        return QStringLiteral("pass");
    case Verdict::Fail:
        return QStringLiteral("fail");
    case Verdict::Inconclusive:
        return QStringLiteral("inconclusive");
    case Verdict::Error:
        return QStringLiteral("error");
    case Verdict::Skipped:
        return QStringLiteral("skipped");
    }
    return QStringLiteral("error");
}

QString CaseResult::firstFailure() const
{
    if (!error.isEmpty())
        return error;
    if (verdict == Verdict::Skipped)
        return skipReason;
    bool multi = false;
    for (const AssertionResult &a : assertions)
        multi = multi || a.step > 0;
    for (Verdict v : {Verdict::Error, Verdict::Fail, Verdict::Inconclusive})
        for (const AssertionResult &a : assertions)
            if (a.verdict == v)
                return multi ? QStringLiteral("step %1: %2").arg(a.step + 1).arg(a.reason) : a.reason;
    return {};
}

QJsonObject CaseResult::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("id"), id);
    o.insert(QStringLiteral("title"), title);
    o.insert(QStringLiteral("checklistItem"), checklistItem);
    o.insert(QStringLiteral("group"), group);
    o.insert(QStringLiteral("verdict"), verdictName(verdict));
    o.insert(QStringLiteral("reason"), firstFailure());
    if (!skipReason.isEmpty())
        o.insert(QStringLiteral("skipReason"), skipReason);
    if (!error.isEmpty())
        o.insert(QStringLiteral("error"), error);
    o.insert(QStringLiteral("latencyMs"), latencyMs);
    o.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(warnings));
    QJsonArray as;
    for (const AssertionResult &a : assertions) {
        QJsonObject ao;
        ao.insert(QStringLiteral("step"), a.step + 1);
        ao.insert(QStringLiteral("assertion"), a.assertion.toJson());
        ao.insert(QStringLiteral("description"), a.assertion.describe());
        ao.insert(QStringLiteral("verdict"), verdictName(a.verdict));
        if (!a.reason.isEmpty())
            ao.insert(QStringLiteral("reason"), a.reason);
        if (!a.evidence.isEmpty())
            ao.insert(QStringLiteral("evidence"), a.evidence.left(int(kExcerptBytes)));
        as.append(ao);
    }
    o.insert(QStringLiteral("assertions"), as);
    if (!loadedResponses.isEmpty()) {
        o.insert(QStringLiteral("responses"), loadedResponses);
    } else {
        QJsonArray rs;
        for (const ProxyResponse &r : responses)
            rs.append(responseSummary(r));
        o.insert(QStringLiteral("responses"), rs);
    }
    return o;
}

std::optional<CaseResult> CaseResult::fromJson(const QJsonObject &o, QString *error)
{
    auto failWith = [error](const QString &m) -> std::optional<CaseResult> {
        if (error)
            *error = m;
        return std::nullopt;
    };
    CaseResult c;
    c.id = o.value(QStringLiteral("id")).toString();
    if (c.id.isEmpty())
        return failWith(QStringLiteral("a case result has no \"id\""));
    c.title = o.value(QStringLiteral("title")).toString();
    c.checklistItem = o.value(QStringLiteral("checklistItem")).toString();
    c.group = o.value(QStringLiteral("group")).toString();
    const auto v = verdictFromName(o.value(QStringLiteral("verdict")).toString());
    if (!v)
        return failWith(QStringLiteral("case '%1': unknown verdict \"%2\"").arg(c.id, o.value(QStringLiteral("verdict")).toString()));
    c.verdict = *v;
    c.skipReason = o.value(QStringLiteral("skipReason")).toString();
    c.error = o.value(QStringLiteral("error")).toString();
    c.latencyMs = o.value(QStringLiteral("latencyMs")).toDouble();
    for (const QJsonValue &w : o.value(QStringLiteral("warnings")).toArray())
        c.warnings << w.toString();
    for (const QJsonValue &av : o.value(QStringLiteral("assertions")).toArray()) {
        const QJsonObject ao = av.toObject();
        AssertionResult a;
        QString why;
        auto as = Assertion::fromJson(ao.value(QStringLiteral("assertion")).toObject(), &why);
        if (!as)
            return failWith(QStringLiteral("case '%1': %2").arg(c.id, why));
        a.assertion = *as;
        a.step = ao.value(QStringLiteral("step")).toInt(1) - 1;
        const auto av2 = verdictFromName(ao.value(QStringLiteral("verdict")).toString());
        if (!av2)
            return failWith(QStringLiteral("case '%1': unknown assertion verdict \"%2\"").arg(c.id, ao.value(QStringLiteral("verdict")).toString()));
        a.verdict = *av2;
        a.reason = ao.value(QStringLiteral("reason")).toString();
        a.evidence = ao.value(QStringLiteral("evidence")).toString();
        c.assertions << a;
    }
    c.loadedResponses = o.value(QStringLiteral("responses")).toArray();
    for (const QJsonValue &rv : c.loadedResponses)
        c.responses << responseFromSummary(rv.toObject());
    return c;
}

int SuiteResult::count(Verdict v) const
{
    int n = 0;
    for (const CaseResult &c : cases)
        n += c.verdict == v ? 1 : 0;
    return n;
}

bool SuiteResult::allPassed() const
{
    for (const CaseResult &c : cases)
        if (c.verdict != Verdict::Pass && c.verdict != Verdict::Skipped)
            return false;
    return true;
}

QJsonObject SuiteResult::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("schema"), kSchema);
    o.insert(QStringLiteral("suite"), suite);
    o.insert(QStringLiteral("environment"), environment);
    o.insert(QStringLiteral("baseUrl"), redactUrl(baseUrl));
    o.insert(QStringLiteral("profile"), profileId);
    o.insert(QStringLiteral("startedAtMs"), double(startedAtMs));
    o.insert(QStringLiteral("finishedAtMs"), double(finishedAtMs));
    o.insert(QStringLiteral("startedAt"), QDateTime::fromMSecsSinceEpoch(startedAtMs, Qt::UTC).toString(Qt::ISODateWithMs));
    QJsonObject counts;
    for (Verdict v : {Verdict::Pass, Verdict::Fail, Verdict::Inconclusive, Verdict::Error, Verdict::Skipped})
        counts.insert(verdictName(v), count(v));
    o.insert(QStringLiteral("counts"), counts);
    o.insert(QStringLiteral("allPassed"), allPassed());
    QJsonArray cs;
    for (const CaseResult &c : cases)
        cs.append(c.toJson());
    o.insert(QStringLiteral("cases"), cs);
    return o;
}

std::optional<SuiteResult> SuiteResult::fromJson(const QJsonObject &o, QString *error)
{
    auto failWith = [error](const QString &m) -> std::optional<SuiteResult> {
        if (error)
            *error = m;
        return std::nullopt;
    };
    if (o.value(QStringLiteral("schema")).toString() != kSchema)
        return failWith(QStringLiteral("not an endpoint suite result (schema \"%1\", expected \"%2\")").arg(o.value(QStringLiteral("schema")).toString(), kSchema));
    SuiteResult s;
    s.suite = o.value(QStringLiteral("suite")).toString();
    s.environment = o.value(QStringLiteral("environment")).toString();
    s.baseUrl = o.value(QStringLiteral("baseUrl")).toString();
    s.profileId = o.value(QStringLiteral("profile")).toString();
    s.startedAtMs = qint64(o.value(QStringLiteral("startedAtMs")).toDouble());
    s.finishedAtMs = qint64(o.value(QStringLiteral("finishedAtMs")).toDouble());
    if (!o.value(QStringLiteral("cases")).isArray())
        return failWith(QStringLiteral("\"cases\" is missing"));
    for (const QJsonValue &cv : o.value(QStringLiteral("cases")).toArray()) {
        QString why;
        auto c = CaseResult::fromJson(cv.toObject(), &why);
        if (!c)
            return failWith(why);
        s.cases << *c;
    }
    return s;
}

// ---- judge -------------------------------------------------------------------------------------

namespace {

void captureInto(const TestStep &step, const Observed &o, QHash<QString, QJsonValue> *captured)
{
    for (auto it = step.capture.cbegin(); it != step.capture.cend(); ++it)
        if (auto v = o.at(it.value()))
            captured->insert(it.key(), *v);
}

}  // namespace

CaseResult SuiteRunner::judge(const TestCase &c, const QList<ProxyResponse> &responses, const ProxyProfile &profile)
{
    CaseResult res;
    res.id = c.id;
    res.title = c.title;
    res.checklistItem = c.checklistItem;
    res.group = c.group;
    res.responses = responses;
    QHash<QString, QJsonValue> captured;
    bool anyFail = false, anyInconclusive = false;
    for (int i = 0; i < c.steps.size(); ++i) {
        if (i >= responses.size()) {
            if (res.error.isEmpty())
                res.error = QStringLiteral("step %1 was not run").arg(i + 1);
            break;
        }
        const ProxyResponse &r = responses[i];
        res.latencyMs += std::max(0.0, r.timing.totalMs);
        if (r.error != CallError::None && r.error != CallError::BodyTooLarge) {
            res.error = QStringLiteral("%1: %2").arg(callErrorName(r.error), redactSecrets(r.errorString));
            if (c.steps.size() > 1)
                res.error = QStringLiteral("step %1: ").arg(i + 1) + res.error;
            break;
        }
        const Observed o(r);
        const QString prefix = c.steps.size() > 1 ? QStringLiteral("step %1: ").arg(i + 1) : QString();
        if (r.error == CallError::BodyTooLarge)
            res.warnings << prefix + QStringLiteral("the response was cut at the body limit: ") + r.errorString;
        if (r.isEventStream && r.timing.looksBuffered(r.assembled.deltaCount())) {
            QString w = QStringLiteral("streaming is buffered by the proxy: first token at %1 of %2 total").arg(ms(r.timing.firstTokenMs), ms(r.timing.totalMs));
            if (profile.knownBufferedStreaming)
                w += QStringLiteral(" (known behaviour of the %1 generation)").arg(profile.id);
            res.warnings << prefix + w;
        }
        if (r.streamCutMidEvent)
            res.warnings << prefix + QStringLiteral("the stream was cut in the middle of an event");
        if (r.invalidUtf8)
            res.warnings << prefix + QStringLiteral("the body is not valid UTF-8");
        for (const QString &p : r.assembled.problems().mid(0, 3))
            res.warnings << prefix + p;
        for (const Assertion &a : c.steps[i].assertions) {
            const Judged j = judgeOne(a, o, captured);
            AssertionResult ar;
            ar.assertion = a;
            ar.step = i;
            ar.verdict = j.verdict;
            ar.reason = j.reason;
            ar.evidence = j.evidence;
            anyFail = anyFail || j.verdict == Verdict::Fail;
            anyInconclusive = anyInconclusive || j.verdict == Verdict::Inconclusive;
            res.assertions << ar;
        }
        captureInto(c.steps[i], o, &captured);
    }
    res.verdict = !res.error.isEmpty() ? Verdict::Error : anyFail ? Verdict::Fail : anyInconclusive ? Verdict::Inconclusive : Verdict::Pass;
    return res;
}

QString SuiteRunner::skipReason(const TestCase &c, const QHash<QString, QString> &variables, const Environment &env, const ProxyProfile &profile)
{
    if (!c.profiles.isEmpty() && !c.profiles.contains(profile.id))
        return c.notApplicableReason.isEmpty() ? QStringLiteral("not applicable to the %1 profile (only %2)").arg(profile.id, c.profiles.join(QStringLiteral(", ")))
                                               : c.notApplicableReason;
    for (auto it = c.when.cbegin(); it != c.when.cend(); ++it) {
        const QString have = variables.value(it.key());
        if (have.compare(it.value(), Qt::CaseInsensitive) != 0)
            return QStringLiteral("server configured for %1=%2 (suite variable %1); run with --var %1=%3 to test this")
                .arg(it.key(), have.isEmpty() ? QStringLiteral("(unset)") : have, it.value());
    }
    if (c.needsToken && env.tokenRef.isEmpty())
        return QStringLiteral("the environment sends no bearer token (the proxy takes no client auth here), so there is nothing to withhold");
    return {};
}

// ---- SuiteRunner -------------------------------------------------------------------------------

struct SuiteRunner::Private {
    EndpointClient *client = nullptr;
    std::optional<ProxyProfile> profileOverride;
    QHash<QString, QString> overrides;

    ProxyProfile profile;
    TestSuite suite;
    Environment env;
    QStringList only;
    QHash<QString, QString> vars;      // suite + profile + overrides
    QHash<QString, QString> caseVars;  // + session_id + captures
    QHash<QString, QJsonValue> captured;
    int index = -1;
    int step = 0;
    QList<ProxyResponse> responses;
    QPointer<EndpointCall> call;
    bool running = false;
    bool cancelled = false;
    SuiteResult result;
};

SuiteRunner::SuiteRunner(EndpointClient *client, QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->client = client;
    qRegisterMetaType<CaseResult>();
    qRegisterMetaType<SuiteResult>();
}

SuiteRunner::~SuiteRunner()
{
    if (d->call)
        d->call->disconnect(this);
}

void SuiteRunner::setProfile(const ProxyProfile &profile)
{
    d->profileOverride = profile;
}

void SuiteRunner::setVariables(const QHash<QString, QString> &overrides)
{
    d->overrides = overrides;
}

bool SuiteRunner::isRunning() const
{
    return d->running;
}

SuiteResult SuiteRunner::result() const
{
    return d->result;
}

void SuiteRunner::start(const TestSuite &suite, const Environment &env, const QStringList &caseIds)
{
    if (d->running)
        return;
    d->suite = suite;
    d->env = env;
    d->only = caseIds;
    d->profile = d->profileOverride ? *d->profileOverride
                                    : ProxyProfile::preset(env.profileId).value_or(ProxyProfile::preset(QStringLiteral("fork")).value_or(ProxyProfile{}));
    const ProxyProfile &p = d->profile;
    d->vars = suite.variables;
    d->vars.insert(QStringLiteral("responses_path"), p.responsesPath);
    d->vars.insert(QStringLiteral("chat_path"), p.chatPath);
    d->vars.insert(QStringLiteral("models_path"), p.modelsPath);
    d->vars.insert(QStringLiteral("health_path"), p.healthPath);
    d->vars.insert(QStringLiteral("metrics_path"), p.metricsPath);
    d->vars.insert(QStringLiteral("session_header"), p.sessionHeader);
    d->vars.insert(QStringLiteral("profile"), p.id);
    if (!d->vars.contains(QStringLiteral("model")))
        d->vars.insert(QStringLiteral("model"), QStringLiteral("gpt-5"));
    for (auto it = d->overrides.cbegin(); it != d->overrides.cend(); ++it)
        d->vars.insert(it.key(), it.value());
    d->result = SuiteResult{};
    d->result.suite = suite.name;
    d->result.environment = env.name;
    d->result.baseUrl = redactUrl(env.baseUrl.toString());
    d->result.profileId = p.id;
    d->result.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    d->index = -1;
    d->cancelled = false;
    d->running = true;
    QMetaObject::invokeMethod(this, [this] { nextCase(); }, Qt::QueuedConnection);
}

void SuiteRunner::cancel()
{
    if (!d->running)
        return;
    d->cancelled = true;
    if (d->call)
        d->call->cancel();
}

SuiteResult SuiteRunner::run(const TestSuite &suite, const Environment &env, const QStringList &caseIds)
{
    QEventLoop loop;
    const auto conn = connect(this, &SuiteRunner::finished, &loop, &QEventLoop::quit);
    start(suite, env, caseIds);
    if (d->running)
        loop.exec();
    disconnect(conn);
    return d->result;
}

void SuiteRunner::nextCase()
{
    while (true) {
        ++d->index;
        if (d->cancelled || d->index >= d->suite.cases.size()) {
            d->running = false;
            d->result.finishedAtMs = QDateTime::currentMSecsSinceEpoch();
            Q_EMIT finished(d->result);
            return;
        }
        const TestCase &c = d->suite.cases[d->index];
        if (!d->only.isEmpty() && !d->only.contains(c.id))
            continue;
        const QString why = skipReason(c, d->vars, d->env, d->profile);
        Q_EMIT caseStarted(d->index, c.id);
        if (why.isEmpty())
            break;
        CaseResult skipped;
        skipped.id = c.id;
        skipped.title = c.title;
        skipped.checklistItem = c.checklistItem;
        skipped.group = c.group;
        skipped.verdict = Verdict::Skipped;
        skipped.skipReason = why;
        d->result.cases << skipped;
        Q_EMIT caseFinished(d->index, skipped);
    }
    d->caseVars = d->vars;
    const QString sid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    d->caseVars.insert(QStringLiteral("session_id"), sid);
    d->caseVars.insert(QStringLiteral("session_responses_path"), d->profile.sessionPath(d->profile.sessionResponsesPath, sid));
    d->caseVars.insert(QStringLiteral("session_chat_path"), d->profile.sessionPath(d->profile.sessionChatPath, sid));
    d->captured.clear();
    d->responses.clear();
    d->step = 0;
    runStep();
}

void SuiteRunner::runStep()
{
    const TestCase &c = d->suite.cases[d->index];
    const TestStep &s = c.steps[d->step];
    ProxyRequest req = s.request;
    QStringList missing;
    req.path = expand(req.path, d->caseVars, &missing);
    HeaderList headers;
    for (const auto &kv : req.headers)
        headers.append({expand(QString::fromLatin1(kv.first), d->caseVars, &missing).toLatin1(),
                        expand(QString::fromUtf8(kv.second), d->caseVars, &missing).toUtf8()});
    req.headers = headers;
    req.body = expand(QString::fromUtf8(req.body), d->caseVars, &missing, true).toUtf8();
    QString problem;
    if (!missing.isEmpty())
        problem = QStringLiteral("unknown variable(s) %1 in the request").arg(missing.join(QStringLiteral(", ")));
    else if (req.path.isEmpty())
        problem = QStringLiteral("the request path is empty: the %1 profile has no such route").arg(d->profile.id);
    if (!problem.isEmpty()) {
        ProxyResponse bad;
        bad.error = CallError::BadRequest;
        bad.errorString = problem;
        stepDone(bad);
        return;
    }
    EndpointCall *call = d->client->send(d->env, req);
    d->call = call;
    const int index = d->index;
    connect(call, &EndpointCall::sseEvent, this, [this, index](const SseEvent &e) { Q_EMIT stepEvent(index, e); });
    connect(call, &EndpointCall::finished, this, [this](const ProxyResponse &r) {
        d->call = nullptr;
        stepDone(r);
    });
}

void SuiteRunner::stepDone(const ProxyResponse &r)
{
    const TestCase &c = d->suite.cases[d->index];
    d->responses << r;
    const Observed o(r);
    captureInto(c.steps[d->step], o, &d->captured);
    for (auto it = d->captured.cbegin(); it != d->captured.cend(); ++it)
        d->caseVars.insert(it.key(), plain(it.value()));
    const bool stop = d->cancelled || (r.error != CallError::None && r.error != CallError::BodyTooLarge);
    if (!stop && ++d->step < c.steps.size()) {
        runStep();
        return;
    }
    // Judge the case with its variables expanded in the assertions.
    TestCase expanded = c;
    for (TestStep &s : expanded.steps)
        for (Assertion &a : s.assertions)
            a.args = expandValue(a.args, d->caseVars, nullptr).toObject();
    CaseResult res = judge(expanded, d->responses, d->profile);
    if (d->cancelled && res.error.isEmpty() && d->responses.size() < c.steps.size())
        res.error = QStringLiteral("cancelled");
    if (res.verdict != Verdict::Error && !res.error.isEmpty())
        res.verdict = Verdict::Error;
    d->result.cases << res;
    Q_EMIT caseFinished(d->index, res);
    QMetaObject::invokeMethod(this, [this] { nextCase(); }, Qt::QueuedConnection);
}

}  // namespace codex::proxy
