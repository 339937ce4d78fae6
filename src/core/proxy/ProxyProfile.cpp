#include "proxy/ProxyProfile.h"

#include <QJsonValue>
#include <QUrl>

namespace codex::proxy {

QString ProxyProfile::sessionPath(const QString &templatePath, const QString &sessionId) const
{
    QString out = templatePath;
    const QString encoded = QString::fromLatin1(QUrl::toPercentEncoding(sessionId));
    out.replace(QStringLiteral("{session_id}"), encoded);
    return out;
}

QJsonObject ProxyProfile::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("id"), id);
    o.insert(QStringLiteral("label"), label);
    o.insert(QStringLiteral("responsesPath"), responsesPath);
    o.insert(QStringLiteral("chatPath"), chatPath);
    o.insert(QStringLiteral("sessionResponsesPath"), sessionResponsesPath);
    o.insert(QStringLiteral("sessionChatPath"), sessionChatPath);
    o.insert(QStringLiteral("modelsPath"), modelsPath);
    o.insert(QStringLiteral("healthPath"), healthPath);
    o.insert(QStringLiteral("metricsPath"), metricsPath);
    o.insert(QStringLiteral("sessionHeader"), sessionHeader);
    o.insert(QStringLiteral("authHeader"), authHeader);
    o.insert(QStringLiteral("responsesWrapsCompletedEvent"), responsesWrapsCompletedEvent);
    o.insert(QStringLiteral("knownBufferedStreaming"), knownBufferedStreaming);
    return o;
}

std::optional<ProxyProfile> ProxyProfile::fromJson(const QJsonObject &o, QString *error)
{
    auto fail = [error](const QString &msg) -> std::optional<ProxyProfile> {
        if (error)
            *error = msg;
        return std::nullopt;
    };
    ProxyProfile p;
    // Unknown generation fields fall back to the fork's values (the seed's generation).
    if (auto base = preset(QStringLiteral("fork")))
        p = *base;
    const auto str = [&o](const char *key, QString &target, QString *bad) -> bool {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull())
            return true;
        if (!v.isString()) {
            *bad = QString::fromLatin1(key);
            return false;
        }
        target = v.toString();
        return true;
    };
    const QJsonValue idv = o.value(QStringLiteral("id"));
    if (!idv.isString() || idv.toString().trimmed().isEmpty())
        return fail(QStringLiteral("profile: \"id\" is missing or not a string"));
    p.id = idv.toString().trimmed();
    p.label = p.id;
    QString bad;
    struct Field { const char *key; QString *target; bool path; };
    const Field fields[] = {
        {"label", &p.label, false},
        {"responsesPath", &p.responsesPath, true},
        {"chatPath", &p.chatPath, true},
        {"sessionResponsesPath", &p.sessionResponsesPath, true},
        {"sessionChatPath", &p.sessionChatPath, true},
        {"modelsPath", &p.modelsPath, true},
        {"healthPath", &p.healthPath, true},
        {"metricsPath", &p.metricsPath, true},
        {"sessionHeader", &p.sessionHeader, false},
        {"authHeader", &p.authHeader, false},
    };
    for (const Field &f : fields) {
        if (!str(f.key, *f.target, &bad))
            return fail(QStringLiteral("profile '%1': \"%2\" must be a string").arg(p.id, bad));
        if (f.path && !f.target->isEmpty() && !f.target->startsWith(QLatin1Char('/')))
            return fail(QStringLiteral("profile '%1': \"%2\" must start with '/' (got \"%3\")")
                            .arg(p.id, QString::fromLatin1(f.key), *f.target));
    }
    if (p.responsesPath.isEmpty() || p.chatPath.isEmpty())
        return fail(QStringLiteral("profile '%1': \"responsesPath\" and \"chatPath\" must not be empty").arg(p.id));
    for (const QString *sp : {&p.sessionResponsesPath, &p.sessionChatPath})
        if (!sp->isEmpty() && !sp->contains(QStringLiteral("{session_id}")))
            return fail(QStringLiteral("profile '%1': session path \"%2\" has no {session_id}").arg(p.id, *sp));
    for (const char *key : {"responsesWrapsCompletedEvent", "knownBufferedStreaming"}) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isUndefined() || v.isNull())
            continue;
        if (!v.isBool())
            return fail(QStringLiteral("profile '%1': \"%2\" must be true or false").arg(p.id, QString::fromLatin1(key)));
        (qstrcmp(key, "knownBufferedStreaming") == 0 ? p.knownBufferedStreaming : p.responsesWrapsCompletedEvent) = v.toBool();
    }
    return p;
}

QList<ProxyProfile> ProxyProfile::presets()
{
    QList<ProxyProfile> out;
    ProxyProfile fork;
    fork.id = QStringLiteral("fork");
    fork.label = QStringLiteral("ccproxy fork of v0.1.7 (Codex parity)");
    fork.responsesPath = QStringLiteral("/codex/responses");
    fork.chatPath = QStringLiteral("/codex/chat/completions");
    fork.sessionResponsesPath = QStringLiteral("/codex/{session_id}/responses");
    fork.sessionChatPath = QStringLiteral("/codex/{session_id}/chat/completions");
    fork.modelsPath.clear();
    fork.responsesWrapsCompletedEvent = true;
    fork.knownBufferedStreaming = true;
    out.append(fork);

    ProxyProfile legacy = fork;
    legacy.id = QStringLiteral("legacy");
    legacy.label = QStringLiteral("ccproxy v0.1.7 (upstream)");
    legacy.sessionChatPath.clear();
    out.append(legacy);

    ProxyProfile current;
    current.id = QStringLiteral("current");
    current.label = QStringLiteral("ccproxy v0.2 (plugins)");
    current.responsesPath = QStringLiteral("/codex/v1/responses");
    current.chatPath = QStringLiteral("/codex/v1/chat/completions");
    current.sessionResponsesPath.clear();
    current.sessionChatPath.clear();
    current.modelsPath = QStringLiteral("/codex/v1/models");
    current.responsesWrapsCompletedEvent = false;
    current.knownBufferedStreaming = false;
    out.append(current);
    return out;
}

std::optional<ProxyProfile> ProxyProfile::preset(const QString &id)
{
    for (const ProxyProfile &p : presets())
        if (p.id == id)
            return p;
    return std::nullopt;
}

}  // namespace codex::proxy
