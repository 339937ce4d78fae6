#include "config/ConfigJson.h"

#include "common/Url.h"

#include <QJsonArray>

namespace codex::config {

namespace {

QJsonValue jsonValue(const SchemaKey &key, const QVariant &v, bool reveal)
{
    if (!v.isValid() || v.isNull())
        return QJsonValue::Null;
    switch (v.typeId()) {
    case QMetaType::Bool: return v.toBool();
    case QMetaType::LongLong:
    case QMetaType::Int: return v.toLongLong();
    case QMetaType::Double: return v.toDouble();
    default: return ConfigResolver::displayValue(key, v, reveal);
    }
}

QJsonObject candidateJson(const SchemaKey &key, const Candidate &c, bool reveal)
{
    return {{QStringLiteral("source"), sourceName(c.origin.source)},
            {QStringLiteral("value"), jsonValue(key, c.value, reveal)},
            {QStringLiteral("origin"), c.origin.toString()}};
}

}  // namespace

QString severityName(Severity s)
{
    switch (s) {
    case Severity::Info: return QStringLiteral("info");
    case Severity::Warning: return QStringLiteral("warning");
    case Severity::Error: return QStringLiteral("error");
    }
    return {};
}

QJsonObject resolvedConfigToJson(const ResolvedConfig &rc, bool reveal)
{
    QJsonArray keys;
    for (const ResolvedKey &k : rc.keys) {
        QJsonArray shadowed, ignored;
        for (const Candidate &c : k.shadowed)
            shadowed.append(candidateJson(*k.schema, c, reveal));
        for (const IgnoredValue &i : k.ignored) {
            QJsonObject o = candidateJson(*k.schema, i.candidate, reveal);
            o.insert(QStringLiteral("reason"), i.reason);
            ignored.append(o);
        }
        keys.append(QJsonObject{{QStringLiteral("key"), k.schema->key},
                                {QStringLiteral("value"), jsonValue(*k.schema, k.value, reveal)},
                                {QStringLiteral("source"), sourceName(k.origin.source)},
                                {QStringLiteral("origin"), k.origin.toString()},
                                {QStringLiteral("shadowed"), shadowed},
                                {QStringLiteral("ignored"), ignored}});
    }
    QJsonArray issues;
    for (const ConfigIssue &i : rc.issues)
        issues.append(QJsonObject{{QStringLiteral("severity"), severityName(i.severity)},
                                  {QStringLiteral("key"), i.key},
                                  {QStringLiteral("message"), codex::redactSecrets(i.message)}});
    return {{QStringLiteral("profile"), rc.profile ? rc.profile->id : QString()},
            {QStringLiteral("file"),
             QJsonObject{{QStringLiteral("path"), rc.file.path.isEmpty() ? QJsonValue::Null : QJsonValue(rc.file.path)},
                         {QStringLiteral("exists"), rc.file.exists},
                         {QStringLiteral("reason"), rc.file.reason}}},
            {QStringLiteral("keys"), keys},
            {QStringLiteral("issues"), issues}};
}

}  // namespace codex::config
