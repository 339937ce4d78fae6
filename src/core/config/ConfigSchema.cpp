#include "config/ConfigSchema.h"

#include "common/Url.h"

#include <QCoreApplication>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>

#include <cmath>
#include <map>

namespace codex::config {

namespace {

std::optional<ValueType> parseType(const QString &text)
{
    static const QHash<QString, ValueType> types = {
        {QStringLiteral("string"), ValueType::String}, {QStringLiteral("url"), ValueType::Url},
        {QStringLiteral("path"), ValueType::Path},     {QStringLiteral("bool"), ValueType::Bool},
        {QStringLiteral("int"), ValueType::Int},       {QStringLiteral("float"), ValueType::Float},
        {QStringLiteral("enum"), ValueType::Enum},
    };
    const auto it = types.find(text);
    if (it == types.end())
        return std::nullopt;
    return *it;
}

QString numberText(double v)
{
    return QString::number(v, 'g', 12);
}

QList<EnvPrefixRule> prefixRules(const QJsonValue &value)
{
    QList<EnvPrefixRule> rules;
    for (const QJsonValue &entry : value.toArray()) {
        const QJsonObject o = entry.toObject();
        rules.append({o.value(QLatin1String("prefix")).toString(), o.value(QLatin1String("reason")).toString()});
    }
    return rules;
}

}  // namespace

QString valueTypeName(ValueType type)
{
    switch (type) {
    case ValueType::String: return QStringLiteral("string");
    case ValueType::Url: return QStringLiteral("URL");
    case ValueType::Path: return QStringLiteral("path");
    case ValueType::Bool: return QStringLiteral("boolean");
    case ValueType::Int: return QStringLiteral("integer");
    case ValueType::Float: return QStringLiteral("number");
    case ValueType::Enum: return QStringLiteral("choice");
    }
    return {};
}

QString SchemaKey::ruleText() const
{
    switch (type) {
    case ValueType::Enum:
        return QCoreApplication::translate("ConfigSchema", "one of %1").arg(allowed.join(QStringLiteral(", ")));
    case ValueType::Int:
    case ValueType::Float: {
        const QString what = type == ValueType::Int ? QCoreApplication::translate("ConfigSchema", "an integer")
                                                    : QCoreApplication::translate("ConfigSchema", "a number");
        if (min && max)
            return QCoreApplication::translate("ConfigSchema",
                       "%1 from %2 to %3").arg(what, numberText(*min), numberText(*max));
        if (min)
            return QCoreApplication::translate("ConfigSchema", "%1 of at least %2").arg(what, numberText(*min));
        return what;
    }
    case ValueType::Bool: return QCoreApplication::translate("ConfigSchema", "true or false");
    case ValueType::Url:
        return schemes.isEmpty() ? QCoreApplication::translate("ConfigSchema", "a URL")
                                 : QCoreApplication::translate("ConfigSchema",
                                       "a URL with scheme %1").arg(schemes.join(QStringLiteral(", ")));
    case ValueType::Path: return QCoreApplication::translate("ConfigSchema", "a file path");
    case ValueType::String: return QCoreApplication::translate("ConfigSchema", "a string");
    }
    return {};
}

const ConfigSchema &ConfigSchema::builtin(const QString &id)
{
    // Schemas are immutable once loaded; std::map keeps references stable across inserts.
    static QMutex mutex;
    static std::map<QString, ConfigSchema> cache;
    QMutexLocker lock(&mutex);
    auto it = cache.find(id);
    if (it != cache.end())
        return it->second;
    QFile file(QStringLiteral(":/schemas/%1.json").arg(id));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("bundled schema %s is missing", qPrintable(id));
    QString error;
    auto schema = fromJson(file.readAll(), &error);
    if (!schema)
        qFatal("bundled schema %s is broken: %s", qPrintable(id), qPrintable(error));
    return cache.emplace(id, std::move(*schema)).first->second;
}

std::optional<ConfigSchema> ConfigSchema::fromJson(const QByteArray &json, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (!doc.isObject()) {
        *error = QStringLiteral("not a JSON object: %1").arg(parseError.errorString());
        return std::nullopt;
    }
    const QJsonObject root = doc.object();
    ConfigSchema s;
    s.m_id = root.value(QLatin1String("id")).toString();
    s.m_title = root.value(QLatin1String("title")).toString();
    const QString envBool = root.value(QLatin1String("envBool")).toString();
    if (envBool == QLatin1String("true-only"))
        s.m_envBool = EnvBoolMode::TrueOnly;
    else if (envBool == QLatin1String("words"))
        s.m_envBool = EnvBoolMode::Words;
    else if (envBool == QLatin1String("pydantic"))
        s.m_envBool = EnvBoolMode::Pydantic;
    else {
        *error = QStringLiteral("envBool '%1' is not true-only, words or pydantic").arg(envBool);
        return std::nullopt;
    }
    s.m_envCaseInsensitive = root.value(QLatin1String("envCaseInsensitive")).toBool();
    s.m_unknownFileKeysAreErrors = root.value(QLatin1String("unknownFileKeys")).toString() == QLatin1String("error");
    s.m_forbidden = prefixRules(root.value(QLatin1String("forbiddenEnvPrefixes")));
    s.m_moved = prefixRules(root.value(QLatin1String("movedEnvPrefixes")));
    QStringList lowercase;
    for (const QJsonValue &v : root.value(QLatin1String("envLowercase")).toArray())
        lowercase.append(v.toString());

    for (const QJsonValue &sectionValue : root.value(QLatin1String("sections")).toArray()) {
        const QJsonObject so = sectionValue.toObject();
        SchemaSection section;
        section.name = so.value(QLatin1String("name")).toString();
        section.title = so.value(QLatin1String("title")).toString(section.name);
        for (const QJsonValue &keyValue : so.value(QLatin1String("keys")).toArray()) {
            const QJsonObject ko = keyValue.toObject();
            SchemaKey k;
            k.section = section.name;
            k.name = ko.value(QLatin1String("name")).toString();
            k.key = section.name + QLatin1Char('.') + k.name;
            const auto type = parseType(ko.value(QLatin1String("type")).toString());
            if (!type) {
                *error = QStringLiteral("%1: unknown type '%2'").arg(k.key, ko.value(QLatin1String("type")).toString());
                return std::nullopt;
            }
            k.type = *type;
            const QJsonValue def = ko.value(QLatin1String("default"));
            if (!def.isUndefined() && !def.isNull()) {
                if (k.type == ValueType::Int)
                    k.defaultValue = QVariant::fromValue<qint64>(def.toInteger());
                else if (k.type == ValueType::Float)
                    k.defaultValue = def.toDouble();
                else
                    k.defaultValue = def.toVariant();
            }
            for (const QJsonValue &v : ko.value(QLatin1String("values")).toArray())
                k.allowed.append(v.toString());
            for (const QJsonValue &v : ko.value(QLatin1String("schemes")).toArray())
                k.schemes.append(v.toString());
            if (ko.contains(QLatin1String("min")))
                k.min = ko.value(QLatin1String("min")).toDouble();
            if (ko.contains(QLatin1String("max")))
                k.max = ko.value(QLatin1String("max")).toDouble();
            k.unit = ko.value(QLatin1String("unit")).toString();
            k.envVar = ko.value(QLatin1String("env")).toString();
            k.inferFrom = ko.value(QLatin1String("inferFrom")).toString();
            k.help = ko.value(QLatin1String("help")).toString();
            k.nullable = ko.value(QLatin1String("nullable")).toBool();
            k.secret = ko.value(QLatin1String("secret")).toBool();
            k.lowercaseEnv = lowercase.contains(k.key);
            if (k.type == ValueType::Enum && k.allowed.isEmpty()) {
                *error = QStringLiteral("%1: an enum needs values").arg(k.key);
                return std::nullopt;
            }
            section.keyIndexes.append(int(s.m_keys.size()));
            s.m_keys.append(k);
        }
        s.m_sections.append(section);
    }
    for (int i = 0; i < s.m_keys.size(); ++i)
        s.m_index.insert(s.m_keys[i].key, i);
    for (const QJsonValue &presetValue : root.value(QLatin1String("presets")).toArray()) {
        const QJsonObject po = presetValue.toObject();
        ConfigPreset preset;
        preset.id = po.value(QLatin1String("id")).toString();
        preset.title = po.value(QLatin1String("title")).toString();
        preset.description = po.value(QLatin1String("description")).toString();
        const QJsonObject env = po.value(QLatin1String("env")).toObject();
        for (auto it = env.begin(); it != env.end(); ++it)
            preset.env.append({it.key(), it.value().toString()});
        const QJsonObject file = po.value(QLatin1String("file")).toObject();
        for (auto it = file.begin(); it != file.end(); ++it) {
            const SchemaKey *k = s.find(it.key());
            if (!k) {
                *error = QStringLiteral("preset %1 names unknown key %2").arg(preset.id, it.key());
                return std::nullopt;
            }
            const QVariant v = k->type == ValueType::Int ? QVariant::fromValue<qint64>(it.value().toInteger())
                                                         : it.value().toVariant();
            preset.fileValues.append({it.key(), v});
        }
        s.m_presets.append(preset);
    }
    return s;
}

int ConfigSchema::indexOf(const QString &key) const
{
    // Resolution looks up every entry of a file; a hash keeps a 10,000-line file cheap.
    return m_index.value(key, -1);
}

const SchemaKey *ConfigSchema::find(const QString &key) const
{
    const int i = indexOf(key);
    return i < 0 ? nullptr : &m_keys[i];
}

const SchemaKey *ConfigSchema::findByEnv(const QString &envName) const
{
    const Qt::CaseSensitivity cs = m_envCaseInsensitive ? Qt::CaseInsensitive : Qt::CaseSensitive;
    for (const SchemaKey &k : m_keys)
        if (!k.envVar.isEmpty() && k.envVar.compare(envName, cs) == 0)
            return &k;
    return nullptr;
}

std::optional<QString> ConfigSchema::check(const SchemaKey &key, const QVariant &value) const
{
    if (!value.isValid() || value.isNull()) {
        if (key.nullable)
            return std::nullopt;
        return QCoreApplication::translate("ConfigSchema", "a value is required (%1)").arg(key.ruleText());
    }
    switch (key.type) {
    case ValueType::Bool:
        if (value.typeId() != QMetaType::Bool)
            return QCoreApplication::translate("ConfigSchema", "must be true or false");
        return std::nullopt;
    case ValueType::Int:
    case ValueType::Float: {
        const bool isInt = value.typeId() == QMetaType::LongLong || value.typeId() == QMetaType::Int;
        const bool isFloat = value.typeId() == QMetaType::Double;
        if (key.type == ValueType::Int && !isInt)
            return QCoreApplication::translate("ConfigSchema", "must be %1").arg(key.ruleText());
        if (key.type == ValueType::Float && !isInt && !isFloat)
            return QCoreApplication::translate("ConfigSchema", "must be %1").arg(key.ruleText());
        const double v = value.toDouble();
        if (std::isnan(v) || (key.min && v < *key.min) || (key.max && v > *key.max))
            return QCoreApplication::translate("ConfigSchema", "must be %1").arg(key.ruleText());
        return std::nullopt;
    }
    case ValueType::Enum:
        if (value.typeId() != QMetaType::QString || !key.allowed.contains(value.toString()))
            return QCoreApplication::translate("ConfigSchema", "must be %1").arg(key.ruleText());
        return std::nullopt;
    case ValueType::Url: {
        if (value.typeId() != QMetaType::QString)
            return QCoreApplication::translate("ConfigSchema", "must be %1 written as a string").arg(key.ruleText());
        const QString text = value.toString();
        if (text.trimmed().isEmpty())
            return QCoreApplication::translate("ConfigSchema", "must not be empty (%1)").arg(key.ruleText());
        const ParsedUrl url = ParsedUrl::parse(text);
        if (!url.valid)
            return QCoreApplication::translate("ConfigSchema", "is not a valid URL: %1").arg(url.problem);
        if (!key.schemes.isEmpty() && !key.schemes.contains(url.scheme))
            return QCoreApplication::translate("ConfigSchema", "must be %1").arg(key.ruleText());
        return std::nullopt;
    }
    case ValueType::Path:
    case ValueType::String:
        if (value.typeId() != QMetaType::QString)
            return QCoreApplication::translate("ConfigSchema", "must be %1").arg(key.ruleText());
        if (key.type == ValueType::Path && value.toString().isEmpty())
            return QCoreApplication::translate("ConfigSchema", "must not be empty; remove the key to leave it unset");
        return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace codex::config
