#include "proxy/ProxyTypes.h"

#include "common/Url.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <cmath>

namespace codex::proxy {

namespace {

constexpr qsizetype kJsonBodyCap = 64 * 1024;

bool isSecretHeader(const QByteArray &name)
{
    const QByteArray n = name.toLower();
    return n == "authorization" || n == "proxy-authorization" || n == "x-api-key" || n == "api-key" || n == "cookie";
}

/// A header value as it may be written anywhere: secrets replaced ("Bearer ***").
QString safeHeaderValue(const QByteArray &name, const QByteArray &value)
{
    if (!isSecretHeader(name))
        return QString::fromUtf8(value);
    const qsizetype sp = value.indexOf(' ');
    if (sp > 0 && value.left(sp).toLower() == "bearer")
        return QStringLiteral("Bearer ***");
    return QStringLiteral("***");
}

QJsonArray headersToJson(const HeaderList &headers)
{
    QJsonArray a;
    for (const auto &h : headers)
        a.append(QJsonObject{{QStringLiteral("name"), QString::fromUtf8(h.first)},
                             {QStringLiteral("value"), safeHeaderValue(h.first, h.second)}});
    return a;
}

HeaderList headersFromJson(const QJsonValue &v)
{
    HeaderList out;
    for (const QJsonValue &hv : v.toArray()) {
        const QJsonObject h = hv.toObject();
        const QString name = h.value(QStringLiteral("name")).toString();
        if (!name.isEmpty())
            out.append({name.toUtf8(), h.value(QStringLiteral("value")).toString().toUtf8()});
    }
    return out;
}

QJsonValue bodyToJson(const QByteArray &body, bool *cut)
{
    QByteArray b = body;
    *cut = false;
    if (b.size() > kJsonBodyCap) {
        b.truncate(kJsonBodyCap);
        *cut = true;
    }
    return QString::fromUtf8(b);
}

QJsonValue msOrNull(double ms)
{
    return ms < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(std::round(ms * 1000.0) / 1000.0);
}

}  // namespace

// ---- Environment / ProxyRequest ---------------------------------------------------------------

QJsonObject Environment::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("name"), name);
    o.insert(QStringLiteral("baseUrl"), baseUrl.toString(QUrl::RemovePassword));
    o.insert(QStringLiteral("profileId"), profileId);
    o.insert(QStringLiteral("headers"), headersToJson(headers));
    o.insert(QStringLiteral("tokenRef"), tokenRef);
    o.insert(QStringLiteral("timeoutMs"), timeoutMs);
    o.insert(QStringLiteral("acceptedCertSha256"), QJsonArray::fromStringList(acceptedCertSha256));
    return o;
}

Environment Environment::fromJson(const QJsonObject &o)
{
    Environment e;
    e.name = o.value(QStringLiteral("name")).toString();
    e.baseUrl = QUrl(o.value(QStringLiteral("baseUrl")).toString());
    e.profileId = o.value(QStringLiteral("profileId")).toString(QStringLiteral("fork"));
    e.headers = headersFromJson(o.value(QStringLiteral("headers")));
    e.tokenRef = o.value(QStringLiteral("tokenRef")).toString();
    e.timeoutMs = o.value(QStringLiteral("timeoutMs")).toInt(30000);
    for (const QJsonValue &v : o.value(QStringLiteral("acceptedCertSha256")).toArray())
        if (v.isString())
            e.acceptedCertSha256.append(v.toString());
    return e;
}

QJsonObject ProxyRequest::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("name"), name);
    o.insert(QStringLiteral("method"), QString::fromLatin1(method));
    o.insert(QStringLiteral("path"), redactUrl(path));
    o.insert(QStringLiteral("headers"), headersToJson(headers));
    o.insert(QStringLiteral("body"), QString::fromUtf8(body));
    o.insert(QStringLiteral("timeoutMs"), timeoutMs);
    o.insert(QStringLiteral("maxBodyBytes"), double(maxBodyBytes));
    o.insert(QStringLiteral("sendAuth"), sendAuth);
    return o;
}

ProxyRequest ProxyRequest::fromJson(const QJsonObject &o)
{
    ProxyRequest r;
    r.name = o.value(QStringLiteral("name")).toString();
    r.method = o.value(QStringLiteral("method")).toString(QStringLiteral("POST")).toLatin1().toUpper();
    r.path = o.value(QStringLiteral("path")).toString();
    r.headers = headersFromJson(o.value(QStringLiteral("headers")));
    const QJsonValue body = o.value(QStringLiteral("body"));
    if (body.isString())
        r.body = body.toString().toUtf8();
    else if (body.isObject())
        r.body = QJsonDocument(body.toObject()).toJson(QJsonDocument::Compact);
    else if (body.isArray())
        r.body = QJsonDocument(body.toArray()).toJson(QJsonDocument::Compact);
    r.timeoutMs = o.value(QStringLiteral("timeoutMs")).toInt(-1);
    const double maxBody = o.value(QStringLiteral("maxBodyBytes")).toDouble(16.0 * 1024 * 1024);
    r.maxBodyBytes = maxBody > 0 ? qint64(maxBody) : 16 * 1024 * 1024;
    r.sendAuth = o.value(QStringLiteral("sendAuth")).toBool(true);
    return r;
}

QString expandTemplate(const QString &text, const QHash<QString, QString> &vars, QStringList *missing)
{
    QString out;
    out.reserve(text.size());
    qsizetype i = 0;
    while (i < text.size()) {
        const qsizetype start = text.indexOf(QStringLiteral("${"), i);
        if (start < 0) {
            out += QStringView(text).mid(i);
            break;
        }
        const qsizetype close = text.indexOf(QLatin1Char('}'), start + 2);
        if (close < 0) {
            out += QStringView(text).mid(i);
            break;
        }
        out += QStringView(text).mid(i, start - i);
        const QString name = text.mid(start + 2, close - start - 2).trimmed();
        bool found = false;
        QString value;
        if (name.startsWith(QLatin1String("env:"))) {
            const QString var = name.mid(4);
            if (!var.isEmpty() && qEnvironmentVariableIsSet(var.toLocal8Bit().constData())) {
                value = qEnvironmentVariable(var.toLocal8Bit().constData());
                found = true;
            }
        } else if (auto it = vars.constFind(name); it != vars.cend()) {
            value = *it;
            found = true;
        }
        if (found) {
            out += value;
        } else {
            out += QStringView(text).mid(start, close - start + 1);
            if (missing && !missing->contains(name))
                missing->append(name);
        }
        i = close + 1;
    }
    return out;
}

QString callErrorName(CallError e)
{
    switch (e) {
    case CallError::None: return QStringLiteral("no error");
    case CallError::ConnectionRefused: return QStringLiteral("connection refused");
    case CallError::HostNotFound: return QStringLiteral("DNS failure");
    case CallError::Timeout: return QStringLiteral("timeout");
    case CallError::Tls: return QStringLiteral("TLS failure");
    case CallError::Cancelled: return QStringLiteral("cancelled");
    case CallError::BodyTooLarge: return QStringLiteral("response too large");
    case CallError::Network: return QStringLiteral("network error");
    case CallError::BadRequest: return QStringLiteral("bad request");
    }
    return QStringLiteral("unknown error");
}

// ---- RequestTiming ----------------------------------------------------------------------------

double RequestTiming::tokensPerSecond() const
{
    if (tokens <= 0 || totalMs <= 0)
        return 0;
    if (firstTokenMs >= 0 && totalMs - firstTokenMs > 1.0)
        return tokens / ((totalMs - firstTokenMs) / 1000.0);
    return tokens / (totalMs / 1000.0);
}

bool RequestTiming::looksBuffered(int deltaCount) const
{
    return deltaCount >= 3 && totalMs >= 50 && firstTokenMs >= 0 && firstTokenMs >= 0.9 * totalMs;
}

QJsonObject RequestTiming::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("connectMs"), msOrNull(connectMs));
    o.insert(QStringLiteral("ttfbMs"), msOrNull(ttfbMs));
    o.insert(QStringLiteral("firstTokenMs"), msOrNull(firstTokenMs));
    o.insert(QStringLiteral("totalMs"), msOrNull(totalMs));
    o.insert(QStringLiteral("bytes"), double(bytes));
    o.insert(QStringLiteral("tokens"), tokens);
    o.insert(QStringLiteral("tokensPerSecond"), std::round(tokensPerSecond() * 10.0) / 10.0);
    return o;
}

// ---- ProxyResponse ----------------------------------------------------------------------------

QByteArray ProxyResponse::header(const QByteArray &name) const
{
    for (const auto &h : headers)
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    return {};
}

QJsonObject ProxyResponse::toJson() const
{
    QJsonObject o;
    bool cut = false;
    o.insert(QStringLiteral("environment"), environment);
    o.insert(QStringLiteral("url"), redactUrl(url.toString()));
    o.insert(QStringLiteral("method"), QString::fromLatin1(method));
    o.insert(QStringLiteral("startedAtMs"), double(startedAtMs));
    QJsonObject req;
    req.insert(QStringLiteral("headers"), headersToJson(requestHeaders));
    req.insert(QStringLiteral("body"), bodyToJson(requestBody, &cut));
    if (cut)
        req.insert(QStringLiteral("bodyCut"), true);
    o.insert(QStringLiteral("request"), req);
    o.insert(QStringLiteral("status"), status);
    o.insert(QStringLiteral("reason"), QString::fromUtf8(reason));
    o.insert(QStringLiteral("headers"), headersToJson(headers));
    o.insert(QStringLiteral("body"), bodyToJson(body, &cut));
    o.insert(QStringLiteral("bodyBytes"), double(body.size()));
    if (cut)
        o.insert(QStringLiteral("bodyCut"), true);
    o.insert(QStringLiteral("truncated"), truncated);
    o.insert(QStringLiteral("isEventStream"), isEventStream);
    o.insert(QStringLiteral("error"), error == CallError::None ? QString() : callErrorName(error));
    o.insert(QStringLiteral("errorString"), redactSecrets(errorString));
    if (!tlsErrors.isEmpty())
        o.insert(QStringLiteral("tlsErrors"), QJsonArray::fromStringList(tlsErrors));
    if (!peerCertSha256.isEmpty())
        o.insert(QStringLiteral("peerCertSha256"), peerCertSha256);
    o.insert(QStringLiteral("invalidUtf8"), invalidUtf8);
    o.insert(QStringLiteral("eventCount"), eventCount);
    o.insert(QStringLiteral("streamCutMidEvent"), streamCutMidEvent);
    o.insert(QStringLiteral("timing"), timing.toJson());

    QJsonObject a;
    const QString text = assembled.text();
    a.insert(QStringLiteral("text"), text.left(kJsonBodyCap));
    if (text.size() > kJsonBodyCap)
        a.insert(QStringLiteral("textCut"), true);
    if (!assembled.reasoning().isEmpty())
        a.insert(QStringLiteral("reasoning"), assembled.reasoning().left(kJsonBodyCap));
    QJsonArray calls;
    for (const ToolCall &c : assembled.toolCalls()) {
        QJsonObject co{{QStringLiteral("index"), c.index},
                       {QStringLiteral("id"), c.id},
                       {QStringLiteral("name"), c.name},
                       {QStringLiteral("arguments"), c.arguments.left(kJsonBodyCap)},
                       {QStringLiteral("argumentsValid"), c.argumentsValid()}};
        calls.append(co);
    }
    a.insert(QStringLiteral("toolCalls"), calls);
    a.insert(QStringLiteral("finishReason"), assembled.finishReason());
    a.insert(QStringLiteral("usage"), assembled.usage());
    a.insert(QStringLiteral("model"), assembled.model());
    a.insert(QStringLiteral("deltaCount"), assembled.deltaCount());
    if (!assembled.errorObject().isEmpty())
        a.insert(QStringLiteral("error"), assembled.errorObject());
    if (!assembled.problems().isEmpty())
        a.insert(QStringLiteral("problems"), QJsonArray::fromStringList(assembled.problems()));
    o.insert(QStringLiteral("assembled"), a);
    return o;
}

}  // namespace codex::proxy
