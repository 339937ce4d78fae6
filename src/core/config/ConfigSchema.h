#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariant>

#include <optional>

namespace codex::config {

/// The type of a configuration value, which decides its editor and its validation.
enum class ValueType { String, Url, Path, Bool, Int, Float, Enum };

/// How a configuration system reads booleans from environment variables.
enum class EnvBoolMode {
    TrueOnly,  ///< generation A: only the text "true" (any case) is true, everything else false
    Words,     ///< generation B: 1/true/yes/on/enabled and 0/false/no/off/disabled; else the default
    Pydantic,  ///< ccproxy: 1/0, true/false, yes/no, on/off, t/f, y/n; else the setting is refused
};

/// One key of a schema: its type, default, rule, environment variable and help text.
struct SchemaKey {
    QString key;      ///< full dotted key: "retry.enabled", "plugins.codex.enabled"
    QString section;  ///< "retry", "plugins.codex"
    QString name;     ///< "enabled"
    ValueType type = ValueType::String;
    QVariant defaultValue;  ///< invalid QVariant when the key has no default (nullable)
    QStringList allowed;    ///< enum values
    QStringList schemes;    ///< URL schemes accepted
    std::optional<double> min;
    std::optional<double> max;
    QString unit;
    QString envVar;
    QString inferFrom;  ///< key whose value this one is derived from when only that one is set
    QString help;
    bool nullable = false;
    bool secret = false;       ///< whole value is a secret (token)
    bool lowercaseEnv = false; ///< the reference lower-cases this key's environment value

    bool hasDefault() const { return defaultValue.isValid(); }
    /// The rule in words, for messages: "one of sqlite, postgres, mariadb", "an integer 1–100".
    QString ruleText() const;
};

/// A section of a schema, in display order.
struct SchemaSection {
    QString name;
    QString title;
    QList<int> keyIndexes;
};

/// A named set of what-if environment variables and/or file values from the seeds
/// (rollback flags, feature-flag stages, emergency disable).
struct ConfigPreset {
    QString id;
    QString title;
    QString description;
    QList<QPair<QString, QString>> env;        ///< variable, value
    QList<QPair<QString, QVariant>> fileValues;  ///< key, typed value
};

/// A prefix of environment variables that a configuration system treats specially.
struct EnvPrefixRule {
    QString prefix;
    QString reason;
};

/// A configuration schema loaded from a JSON resource (resources/schemas/*.json).
class ConfigSchema {
public:
    /// Loads ":/schemas/<id>.json"; a broken bundled schema is a programming error and aborts.
    static const ConfigSchema &builtin(const QString &id);
    /// Parses a schema from JSON text; on failure returns nullopt and sets *error.
    static std::optional<ConfigSchema> fromJson(const QByteArray &json, QString *error);

    const QString &id() const { return m_id; }
    const QString &title() const { return m_title; }
    EnvBoolMode envBoolMode() const { return m_envBool; }
    bool envCaseInsensitive() const { return m_envCaseInsensitive; }
    bool unknownFileKeysAreErrors() const { return m_unknownFileKeysAreErrors; }
    const QList<SchemaKey> &keys() const { return m_keys; }
    const QList<SchemaSection> &sections() const { return m_sections; }
    const QList<EnvPrefixRule> &forbiddenEnvPrefixes() const { return m_forbidden; }
    const QList<EnvPrefixRule> &movedEnvPrefixes() const { return m_moved; }
    const QList<ConfigPreset> &presets() const { return m_presets; }

    const SchemaKey *find(const QString &key) const;
    const SchemaKey *findByEnv(const QString &envName) const;
    int indexOf(const QString &key) const;

    /// Checks a typed value against the key's rule; returns the broken rule in words or nothing.
    std::optional<QString> check(const SchemaKey &key, const QVariant &value) const;

private:
    QString m_id;
    QString m_title;
    EnvBoolMode m_envBool = EnvBoolMode::TrueOnly;
    bool m_envCaseInsensitive = false;
    bool m_unknownFileKeysAreErrors = false;
    QList<SchemaKey> m_keys;
    QList<SchemaSection> m_sections;
    QList<EnvPrefixRule> m_forbidden;
    QList<EnvPrefixRule> m_moved;
    QList<ConfigPreset> m_presets;
    QHash<QString, int> m_index;
};

/// "bool", "integer", … as the admin reads it.
QString valueTypeName(ValueType type);

}  // namespace codex::config
