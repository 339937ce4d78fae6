#pragma once

#include "config/ConfigSchema.h"
#include "config/DotEnv.h"
#include "config/PrecedenceProfile.h"
#include "config/TomlDocument.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QVariant>

#include <optional>

namespace codex::config {

/// The layer a value comes from.
enum class Source { Default, DotEnv, Env, File, Override };
/// "default", "dotenv", "env", "file", "override" — the names the JSON output uses.
QString sourceName(Source source);

/// Where exactly a value comes from: a file position, an environment variable, the command line.
struct Origin {
    Source source = Source::Default;
    QString file;  ///< display path (relative to the workspace when inside it)
    int line = 0;
    int column = 0;
    QString variable;  ///< environment variable name (as spelled in the environment)
    QString note;      ///< e.g. "inferred from CODEX_ARCHIVE_URL"
    /// ".codex/archive.toml:3:7", "env CODEX_ARCHIVE_URL", "default", "command line", ".env:4 SERVER__PORT"
    QString toString() const;
};

/// One value some layer sets for a key.
struct Candidate {
    QVariant value;
    QString raw;  ///< the text as written (env value, TOML spelling)
    Origin origin;
};

/// A value that is set but has no effect, and why in words.
struct IgnoredValue {
    Candidate candidate;
    QString reason;
};

enum class Severity { Info, Warning, Error };

/// A problem or remark about the configuration, naming key, value, origin and rule.
struct ConfigIssue {
    Severity severity = Severity::Warning;
    QString key;  ///< empty for file-level and environment-level remarks
    QString message;
    Origin origin;
};

/// The outcome for one key: its effective value, where it comes from, what it hides.
struct ResolvedKey {
    const SchemaKey *schema = nullptr;
    QVariant value;  ///< null QVariant when a nullable key is unset
    Origin origin;
    QList<Candidate> shadowed;     ///< lower-precedence values, highest first
    QList<IgnoredValue> ignored;   ///< values set but not read under this profile
    bool valid = true;             ///< false when the winning value breaks the key's rule
};

/// Which configuration file a profile reads, and why.
struct FileChoice {
    QString path;      ///< absolute path of the file read; empty when no file is read
    bool exists = false;
    QString reason;    ///< "found .codex/archive.toml", "named by CODEX_ARCHIVE_CONFIG", …
    QString editPath;  ///< where the editor reads/writes: path, or the default location to create
    QString ignoredPath;    ///< a file that exists but this profile does not read
    QString ignoredReason;
    QStringList tried;      ///< discovery order, for the admin
};

/// What the resolver works from. The environment is a map so a what-if environment can be used.
struct ConfigInputs {
    QString workspace;     ///< absolute folder holding .codex/
    QString explicitFile;  ///< --config; relative to the workspace
    QMap<QString, QString> environment;
    QList<QPair<QString, QString>> overrides;  ///< key, value text (command line)
    QString homeDir;       ///< for ~/.config discovery; empty = the user's home
};

/// The loaded file (and .env) a resolution reads: kept by editors so edits resolve without disk I/O.
struct ConfigSources {
    FileChoice file;
    std::optional<TomlDocument> document;  ///< the chosen file, when it exists and could be read
    QString readError;                     ///< the file exists but could not be read
    QString displayPath;                   ///< file path as shown in origins
    std::optional<DotEnv> dotenv;          ///< ccproxy profiles: ./.env of the workspace
    QString dotenvPath;
};

/// The effective configuration of one profile, key by key in schema order.
struct ResolvedConfig {
    const PrecedenceProfile *profile = nullptr;
    FileChoice file;
    QList<ResolvedKey> keys;
    QList<ConfigIssue> issues;

    bool hasErrors() const;
    const ResolvedKey *find(const QString &key) const;
    QVariant value(const QString &key) const;
};

/// Resolves the effective configuration exactly as the reference loaders do for each profile.
class ConfigResolver {
public:
    /// Finds the file a profile reads (discovery order of the real tool) without reading it.
    static FileChoice locate(const PrecedenceProfile &profile, const ConfigInputs &inputs);
    /// Locates and reads the file (and .env for ccproxy).
    static ConfigSources load(const PrecedenceProfile &profile, const ConfigInputs &inputs);
    /// Combines the layers. Pure: no file system access, so it can run on every keystroke.
    static ResolvedConfig resolve(const PrecedenceProfile &profile, const ConfigInputs &inputs,
                                  const ConfigSources &sources);
    /// load() + resolve().
    static ResolvedConfig resolve(const PrecedenceProfile &profile, const ConfigInputs &inputs);

    /// Checks every value a TOML document sets against the schema (types, rules, unknown keys)
    /// as the editor must before saving. Errors make the document unsavable.
    static QList<ConfigIssue> validateDocument(const PrecedenceProfile &profile, const TomlDocument &doc,
                                               const QString &displayPath);

    /// Parses text the way the profile's loader reads an environment variable for this key.
    struct EnvParse {
        QVariant value;
        std::optional<QString> error;    ///< the real tool refuses it (config is invalid)
        std::optional<QString> warning;  ///< accepted, but not as the admin probably meant
        bool skipped = false;            ///< the real tool ignores the variable (empty in gen B)
    };
    static EnvParse parseEnvValue(const PrecedenceProfile &profile, const SchemaKey &key, const QString &text);

    /// Reads a value typed by the admin (command line, form) as the key's type; invalid QVariant
    /// and *error set when the text does not fit ("'maybe' is not true or false").
    static QVariant parseText(const SchemaKey &key, const QString &text, QString *error);

    /// A value as the admin reads it; URL credentials and secrets masked unless reveal is set.
    static QString displayValue(const SchemaKey &key, const QVariant &value, bool reveal = false);
    /// A candidate as the admin reads it: its typed value, or its raw text when it has none,
    /// masked the same way.
    static QString displayCandidate(const SchemaKey &key, const Candidate &candidate, bool reveal = false);
};

}  // namespace codex::config
