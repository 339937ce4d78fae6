#include "config/ConfigResolver.h"

#include "common/Url.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QSet>

#include <cmath>

namespace codex::config {

QString sourceName(Source source)
{
    switch (source) {
    case Source::Default: return QStringLiteral("default");
    case Source::DotEnv: return QStringLiteral("dotenv");
    case Source::Env: return QStringLiteral("env");
    case Source::File: return QStringLiteral("file");
    case Source::Override: return QStringLiteral("override");
    }
    return {};
}

QString Origin::toString() const
{
    switch (source) {
    case Source::Default: return QStringLiteral("default");
    case Source::Override: return QStringLiteral("command line");
    case Source::Env:
        return note.isEmpty() ? QStringLiteral("env %1").arg(variable)
                              : QStringLiteral("env %1 (%2)").arg(variable, note);
    case Source::DotEnv: return QStringLiteral("%1:%2 %3").arg(file).arg(line).arg(variable);
    case Source::File:
        return column > 0 ? QStringLiteral("%1:%2:%3").arg(file).arg(line).arg(column)
                          : QStringLiteral("%1:%2").arg(file).arg(line);
    }
    return {};
}

bool ResolvedConfig::hasErrors() const
{
    for (const ConfigIssue &i : issues)
        if (i.severity == Severity::Error)
            return true;
    return false;
}

const ResolvedKey *ResolvedConfig::find(const QString &key) const
{
    for (const ResolvedKey &k : keys)
        if (k.schema->key == key)
            return &k;
    return nullptr;
}

QVariant ResolvedConfig::value(const QString &key) const
{
    const ResolvedKey *k = find(key);
    return k ? k->value : QVariant();
}

namespace {

/// Text that comes from a schema file (see src/ui/SchemaStrings.cpp).
QString schemaText(const QString &text)
{
    return QCoreApplication::translate("schema", text.toUtf8().constData());
}

QString displayPathFor(const QString &workspace, const QString &absolute)
{
    if (absolute.isEmpty())
        return {};
    const QString rel = QDir(workspace).relativeFilePath(absolute);
    return rel.startsWith(QLatin1String("..")) ? absolute : rel;
}

QString absoluteIn(const QString &workspace, const QString &path)
{
    if (path.startsWith(QLatin1String("~/")))
        return QDir::cleanPath(QDir::homePath() + path.mid(1));
    return QDir::cleanPath(QDir(workspace).absoluteFilePath(path));
}

QString findGitRoot(const QString &start)
{
    QDir dir(start);
    for (int depth = 0; depth < 64; ++depth) {
        if (QFileInfo::exists(dir.filePath(QStringLiteral(".git"))))
            return dir.absolutePath();
        if (!dir.cdUp())
            break;
    }
    return {};
}

// Python's int()/float() accept surrounding whitespace, a sign and '_' between digits.
std::optional<qint64> pythonInt(const QString &text)
{
    QString t = text.trimmed();
    if (t.startsWith(QLatin1Char('_')) || t.endsWith(QLatin1Char('_')) || t.contains(QLatin1String("__")))
        return std::nullopt;
    t.remove(QLatin1Char('_'));
    bool ok = false;
    const qint64 v = t.toLongLong(&ok, 10);
    if (!ok)
        return std::nullopt;
    return v;
}

std::optional<double> pythonFloat(const QString &text)
{
    QString t = text.trimmed().toLower();
    t.remove(QLatin1Char('_'));
    if (t == QLatin1String("inf") || t == QLatin1String("+inf") || t == QLatin1String("infinity"))
        return INFINITY;
    if (t == QLatin1String("-inf") || t == QLatin1String("-infinity"))
        return -INFINITY;
    if (t == QLatin1String("nan"))
        return NAN;
    bool ok = false;
    const double v = t.toDouble(&ok);
    if (!ok)
        return std::nullopt;
    return v;
}

std::optional<bool> wordBool(const QString &text, EnvBoolMode mode)
{
    const QString t = text.trimmed().toLower();
    static const QSet<QString> wordsTrue = {QStringLiteral("1"), QStringLiteral("true"), QStringLiteral("yes"),
                                            QStringLiteral("on"), QStringLiteral("enabled")};
    static const QSet<QString> wordsFalse = {QStringLiteral("0"), QStringLiteral("false"), QStringLiteral("no"),
                                             QStringLiteral("off"), QStringLiteral("disabled")};
    static const QSet<QString> pydTrue = {QStringLiteral("1"), QStringLiteral("true"), QStringLiteral("yes"),
                                          QStringLiteral("on"), QStringLiteral("t"), QStringLiteral("y")};
    static const QSet<QString> pydFalse = {QStringLiteral("0"), QStringLiteral("false"), QStringLiteral("no"),
                                           QStringLiteral("off"), QStringLiteral("f"), QStringLiteral("n")};
    const QSet<QString> &yes = mode == EnvBoolMode::Pydantic ? pydTrue : wordsTrue;
    const QSet<QString> &no = mode == EnvBoolMode::Pydantic ? pydFalse : wordsFalse;
    if (yes.contains(t))
        return true;
    if (no.contains(t))
        return false;
    return std::nullopt;
}

QString inferBackend(const QString &url)
{
    const QString scheme = ParsedUrl::parse(url).scheme;
    const QString base = scheme.section(QLatin1Char('+'), 0, 0);
    if (base == QLatin1String("sqlite"))
        return QStringLiteral("sqlite");
    if (base == QLatin1String("postgres") || base == QLatin1String("postgresql"))
        return QStringLiteral("postgres");
    if (base == QLatin1String("mysql") || base == QLatin1String("mariadb"))
        return QStringLiteral("mariadb");
    return {};
}

QVariant fromTomlValue(const SchemaKey &key, const QVariant &v)
{
    // TOML integers are acceptable where a float is expected (1 means 1.0 in Python too).
    if (key.type == ValueType::Float && v.typeId() == QMetaType::LongLong)
        return double(v.toLongLong());
    return v;
}

struct EnvLookup {
    QString name;
    QString value;
};

}  // namespace

FileChoice ConfigResolver::locate(const PrecedenceProfile &profile, const ConfigInputs &inputs)
{
    FileChoice c;
    const QString ws = inputs.workspace;
    auto choose = [&](const QString &path, const QString &reason) {
        c.path = path;
        c.exists = QFileInfo(path).isFile();
        c.reason = reason;
        c.editPath = path;
    };
    if (!inputs.explicitFile.isEmpty()) {
        choose(absoluteIn(ws, inputs.explicitFile),
               QCoreApplication::translate("ConfigResolver", "named by --config"));
        c.tried.append(c.path);
        return c;
    }
    if (profile.isArchive()) {
        const QString standard = QDir(ws).filePath(QStringLiteral(".codex/archive.toml"));
        if (profile.kind == ProfileKind::ArchiveB) {
            const QString named = inputs.environment.value(QStringLiteral("CODEX_ARCHIVE_CONFIG"));
            if (!named.isEmpty()) {
                choose(absoluteIn(ws, named),
                       QCoreApplication::translate("ConfigResolver", "named by CODEX_ARCHIVE_CONFIG"));
                c.tried.append(c.path);
                return c;
            }
            c.tried.append(QStringLiteral("--config"));
            c.tried.append(QStringLiteral("CODEX_ARCHIVE_CONFIG"));
            c.editPath = standard;
            c.reason = QCoreApplication::translate("ConfigResolver",
                           "no file named: generation B reads a file only when --config or CODEX_ARCHIVE_CONFIG "
                           "names it");
            if (QFileInfo(standard).isFile()) {
                c.ignoredPath = standard;
                c.ignoredReason = QCoreApplication::translate("ConfigResolver",
                                      "ignored: generation B reads .codex/archive.toml only when --config or "
                                      "CODEX_ARCHIVE_CONFIG names it");
            }
            return c;
        }
        c.tried.append(standard);
        if (QFileInfo(standard).isFile()) {
            choose(standard, QCoreApplication::translate("ConfigResolver", "found .codex/archive.toml"));
        } else {
            c.editPath = standard;
            c.reason = QCoreApplication::translate("ConfigResolver",
                           "no .codex/archive.toml: environment variables over built-in defaults");
        }
        return c;
    }

    // ccproxy: --config, CONFIG_FILE, then the first existing file of the discovery list.
    const QString named = inputs.environment.value(QStringLiteral("CONFIG_FILE"));
    if (!named.isEmpty()) {
        choose(absoluteIn(ws, named), QCoreApplication::translate("ConfigResolver", "named by CONFIG_FILE"));
        c.tried.append(c.path);
        return c;
    }
    QStringList candidates = {QDir(ws).filePath(QStringLiteral(".ccproxy.toml")),
                              QDir(ws).filePath(QStringLiteral("ccproxy.toml"))};
    const QString git = findGitRoot(ws);
    if (!git.isEmpty() && QDir(git) != QDir(ws)) {
        candidates.append(QDir(git).filePath(QStringLiteral(".ccproxy.toml")));
        candidates.append(QDir(git).filePath(QStringLiteral("ccproxy.toml")));
    }
    QString xdg = inputs.environment.value(QStringLiteral("XDG_CONFIG_HOME"));
    if (xdg.isEmpty())
        xdg = QDir(inputs.homeDir.isEmpty() ? QDir::homePath() : inputs.homeDir).filePath(QStringLiteral(".config"));
    candidates.append(QDir(xdg).filePath(QStringLiteral("ccproxy/config.toml")));
    c.tried = candidates;
    for (const QString &candidate : candidates) {
        if (QFileInfo(candidate).isFile()) {
            choose(candidate, QCoreApplication::translate("ConfigResolver",
                                  "first existing file of ccproxy's discovery order"));
            return c;
        }
    }
    c.editPath = candidates.front();
    c.reason = QCoreApplication::translate("ConfigResolver",
                   "no ccproxy TOML file found: environment, .env and defaults only");
    return c;
}

ConfigSources ConfigResolver::load(const PrecedenceProfile &profile, const ConfigInputs &inputs)
{
    ConfigSources s;
    s.file = locate(profile, inputs);
    s.displayPath = displayPathFor(inputs.workspace, s.file.path.isEmpty() ? s.file.editPath : s.file.path);
    // Generation B's ignored .codex/archive.toml is still loaded so its values can be listed as ignored.
    const QString toRead = s.file.exists ? s.file.path : s.file.ignoredPath;
    if (!toRead.isEmpty()) {
        QFile f(toRead);
        if (f.open(QIODevice::ReadOnly))
            s.document = TomlDocument::fromBytes(f.readAll());
        else
            s.readError = QStringLiteral("%1: %2").arg(displayPathFor(inputs.workspace, toRead), f.errorString());
        if (!s.file.exists)
            s.displayPath = displayPathFor(inputs.workspace, toRead);
    }
    if (!profile.isArchive()) {
        s.dotenvPath = QDir(inputs.workspace).filePath(QStringLiteral(".env"));
        QFile f(s.dotenvPath);
        if (f.open(QIODevice::ReadOnly))
            s.dotenv = DotEnv::parse(f.readAll());
    }
    return s;
}

ResolvedConfig ConfigResolver::resolve(const PrecedenceProfile &profile, const ConfigInputs &inputs)
{
    return resolve(profile, inputs, load(profile, inputs));
}

ConfigResolver::EnvParse ConfigResolver::parseEnvValue(const PrecedenceProfile &profile, const SchemaKey &key,
                                                       const QString &text)
{
    const ConfigSchema &schema = profile.schema();
    const EnvBoolMode mode = schema.envBoolMode();
    const bool genB = profile.kind == ProfileKind::ArchiveB;
    EnvParse r;
    if (genB && text.isEmpty()) {
        r.skipped = true;
        return r;
    }
    auto fallBack = [&](const QString &what) {
        // Generation B's coercion returns the built-in default for text it cannot read,
        // and that default then overrides whatever the file said.
        r.value = key.defaultValue;
        r.warning = QCoreApplication::translate("ConfigResolver",
                        "'%1' is not %2; generation B falls back to the built-in default %3, which then overrides "
                        "the file")
                        .arg(text, what, displayValue(key, key.defaultValue));
    };
    switch (key.type) {
    case ValueType::Bool:
        if (mode == EnvBoolMode::TrueOnly) {
            const QString t = text.toLower();
            r.value = t == QLatin1String("true");
            if (t != QLatin1String("true") && t != QLatin1String("false"))
                r.warning = QCoreApplication::translate("ConfigResolver",
                                "'%1' is read as false: generation A treats only 'true' as true").arg(text);
        } else if (const auto b = wordBool(text, mode)) {
            r.value = *b;
        } else if (mode == EnvBoolMode::Words) {
            fallBack(QCoreApplication::translate("ConfigResolver",
                         "a boolean (1/true/yes/on/enabled, 0/false/no/off/disabled)"));
        } else {
            r.error = QCoreApplication::translate("ConfigResolver",
                          "'%1' is not a valid boolean; ccproxy refuses to start").arg(text);
        }
        return r;
    case ValueType::Int:
        if (const auto v = pythonInt(text)) {
            r.value = QVariant::fromValue<qint64>(*v);
        } else if (genB) {
            fallBack(QCoreApplication::translate("ConfigResolver", "an integer"));
        } else {
            r.error = profile.isArchive()
                          ? QCoreApplication::translate("ConfigResolver",
                                "'%1' is not an integer; generation A stops with ValueError").arg(text)
                          : QCoreApplication::translate("ConfigResolver",
                                "'%1' is not an integer; ccproxy refuses to start").arg(text);
        }
        return r;
    case ValueType::Float:
        if (const auto v = pythonFloat(text)) {
            r.value = *v;
        } else if (genB) {
            fallBack(QCoreApplication::translate("ConfigResolver", "a number"));
        } else {
            r.error = profile.isArchive()
                          ? QCoreApplication::translate("ConfigResolver",
                                "'%1' is not a number; generation A stops with ValueError").arg(text)
                          : QCoreApplication::translate("ConfigResolver",
                                "'%1' is not a number; ccproxy refuses to start").arg(text);
        }
        return r;
    case ValueType::Path:
        // An empty variable means "no file" for the optional path settings.
        r.value = text.isEmpty() && key.nullable ? QVariant() : QVariant(text);
        return r;
    case ValueType::Enum:
    case ValueType::String:
    case ValueType::Url:
        r.value = key.lowercaseEnv ? text.toLower() : text;
        return r;
    }
    return r;
}

QVariant ConfigResolver::parseText(const SchemaKey &key, const QString &text, QString *error)
{
    switch (key.type) {
    case ValueType::Bool:
        if (const auto b = wordBool(text, EnvBoolMode::Words))
            return *b;
        *error = QCoreApplication::translate("ConfigResolver", "'%1' is not true or false").arg(text);
        return {};
    case ValueType::Int:
        if (const auto i = pythonInt(text))
            return QVariant::fromValue<qint64>(*i);
        *error = QCoreApplication::translate("ConfigResolver", "'%1' is not an integer").arg(text);
        return {};
    case ValueType::Float:
        if (const auto f = pythonFloat(text))
            return *f;
        *error = QCoreApplication::translate("ConfigResolver", "'%1' is not a number").arg(text);
        return {};
    default:
        return text;
    }
}

QString ConfigResolver::displayValue(const SchemaKey &key, const QVariant &value, bool reveal)
{
    if (!value.isValid() || value.isNull())
        return QCoreApplication::translate("ConfigResolver", "(unset)");
    if (key.secret && !reveal)
        return QStringLiteral("••••••••");
    switch (value.typeId()) {
    case QMetaType::Bool: return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QMetaType::Double: return TomlDocument::formatValue(value);
    default: break;
    }
    const QString text = value.toString();
    if (key.type == ValueType::Url && !reveal)
        return redactUrl(text);
    return text;
}

QString ConfigResolver::displayCandidate(const SchemaKey &key, const Candidate &candidate, bool reveal)
{
    if (candidate.value.isValid() && !candidate.value.isNull())
        return displayValue(key, candidate.value, reveal);
    if (key.secret && !reveal)
        return QStringLiteral("••••••••");
    return reveal ? candidate.raw : redactSecrets(candidate.raw);
}

QList<ConfigIssue> ConfigResolver::validateDocument(const PrecedenceProfile &profile, const TomlDocument &doc,
                                                    const QString &displayPath)
{
    QList<ConfigIssue> issues;
    if (!doc.isValid()) {
        Origin o{Source::File, displayPath, doc.error().position.line, doc.error().position.column, {}, {}};
        issues.append({Severity::Error, {}, doc.error().describe(displayPath), o});
        return issues;
    }
    const ConfigSchema &schema = profile.schema();
    QSet<QString> sections;
    for (const SchemaSection &s : schema.sections())
        sections.insert(s.name);
    const bool genB = profile.kind == ProfileKind::ArchiveB;
    for (const TomlEntry &e : doc.entries()) {
        Origin o{Source::File, displayPath, e.position.line, e.position.column, {}, {}};
        const SchemaKey *key = schema.find(e.key);
        if (!key) {
            const QString section = e.key.section(QLatin1Char('.'), 0, -2);
            if (schema.unknownFileKeysAreErrors()) {
                issues.append({Severity::Error, e.key,
                               QCoreApplication::translate("ConfigResolver",
                                   "%1: unknown key '%2' — generation A refuses keys it does not know")
                                   .arg(o.toString(), e.key),
                               o});
            } else if (sections.contains(section) || genB) {
                issues.append({Severity::Warning, e.key,
                               QCoreApplication::translate("ConfigResolver",
                                   "%1: '%2' is not a setting of %3; it is ignored")
                                   .arg(o.toString(), e.key, schemaText(schema.title())),
                               o});
            }
            continue;
        }
        const QVariant v = fromTomlValue(*key, e.value);
        if (const auto broken = schema.check(*key, v)) {
            // Generation B coerces loosely; the others take TOML types as they are.
            const Severity sev = Severity::Error;
            issues.append({sev, key->key,
                           QStringLiteral("%1 = %2 (%3) %4").arg(key->key, displayValue(*key, v), o.toString(), *broken),
                           o});
        }
    }
    return issues;
}

ResolvedConfig ConfigResolver::resolve(const PrecedenceProfile &profile, const ConfigInputs &inputs,
                                       const ConfigSources &sources)
{
    const ConfigSchema &schema = profile.schema();
    ResolvedConfig out;
    out.profile = &profile;
    out.file = sources.file;
    const bool caseInsensitive = schema.envCaseInsensitive();
    const QString &fileDisplay = sources.displayPath;

    // --- the file layer -------------------------------------------------------------------
    const bool fileRead = sources.file.exists && sources.document && sources.document->isValid();
    const bool fileIgnoredWhole = !sources.file.exists && !sources.file.ignoredPath.isEmpty();
    // Generation A decides by the file's presence (or --config), not by whether it parses: a broken or
    // missing chosen file makes it fail, it never falls back to the environment.
    const bool fileHidesEnvA = sources.file.exists || !inputs.explicitFile.isEmpty();
    if (!sources.readError.isEmpty())
        out.issues.append({Severity::Error, {}, sources.readError, Origin{Source::File, fileDisplay, 0, 0, {}, {}}});
    if (!inputs.explicitFile.isEmpty() && !sources.file.exists)
        out.issues.append({Severity::Error, {},
                           QCoreApplication::translate("ConfigResolver",
                               "Config file not found: %1").arg(displayPathFor(inputs.workspace, sources.file.path)),
                           Origin{Source::File, fileDisplay, 0, 0, {}, {}}});
    else if (sources.file.exists && sources.document && !sources.document->isValid())
        out.issues.append({Severity::Error, {}, sources.document->error().describe(fileDisplay),
                           Origin{Source::File, fileDisplay, sources.document->error().position.line,
                                  sources.document->error().position.column, {}, {}}});
    if (fileIgnoredWhole)
        out.issues.append({Severity::Warning, {},
                           QCoreApplication::translate("ConfigResolver",
                               "%1 exists but is %2").arg(fileDisplay, sources.file.ignoredReason),
                           Origin{Source::File, fileDisplay, 0, 0, {}, {}}});

    QHash<QString, Candidate> fileValues;
    if (sources.document && sources.document->isValid() && (fileRead || fileIgnoredWhole)) {
        for (const TomlEntry &e : sources.document->entries()) {
            if (const SchemaKey *key = schema.find(e.key)) {
                Candidate c{fromTomlValue(*key, e.value), TomlDocument::formatValue(e.value),
                            Origin{Source::File, fileDisplay, e.position.line, e.position.column, {}, {}}};
                fileValues.insert(key->key, c);
            }
        }
        if (fileRead)
            out.issues.append(validateDocument(profile, *sources.document, fileDisplay));
    }

    // --- the environment --------------------------------------------------------------------
    QHash<QString, EnvLookup> env;  // keyed by the name as the tool matches it
    env.reserve(inputs.environment.size());
    for (auto it = inputs.environment.cbegin(); it != inputs.environment.cend(); ++it)
        env.insert(caseInsensitive ? it.key().toUpper() : it.key(), {it.key(), it.value()});
    QHash<QString, DotEnv::Entry> dotenv;
    if (sources.dotenv)
        for (const DotEnv::Entry &e : sources.dotenv->entries())
            dotenv.insert(caseInsensitive ? e.name.toUpper() : e.name, e);
    const QString dotenvDisplay = displayPathFor(inputs.workspace, sources.dotenvPath);

    // Environment variables that look like settings but that this profile does not read.
    const QStringList prefixes = profile.isArchive()
                                     ? QStringList{QStringLiteral("CODEX_ARCHIVE_")}
                                     : QStringList{QStringLiteral("CODEX__"), QStringLiteral("PLUGINS__CODEX__"),
                                                   QStringLiteral("SERVER__"), QStringLiteral("SECURITY__"),
                                                   QStringLiteral("OBSERVABILITY__"), QStringLiteral("PLUGINS__METRICS__")};
    for (auto it = env.cbegin(); it != env.cend(); ++it) {
        const QString &name = it->name;
        const QString upper = name.toUpper();
        bool relevant = false;
        for (const QString &p : prefixes)
            relevant = relevant || (caseInsensitive ? upper.startsWith(p) : name.startsWith(p));
        if (!relevant || schema.findByEnv(name))
            continue;
        const Origin o{Source::Env, {}, 0, 0, name, {}};
        if (profile.isArchive() && name == QLatin1String("CODEX_ARCHIVE_CONFIG")) {
            if (profile.kind == ProfileKind::ArchiveA)
                out.issues.append({Severity::Warning, {},
                                   QCoreApplication::translate("ConfigResolver",
                                       "CODEX_ARCHIVE_CONFIG is ignored: only generation B reads it; generation A "
                                       "takes an explicit file from --config only"),
                                   o});
            continue;
        }
        bool handled = false;
        for (const EnvPrefixRule &rule : schema.forbiddenEnvPrefixes())
            if (upper.startsWith(rule.prefix)) {
                out.issues.append({Severity::Error, {}, QStringLiteral("%1: %2").arg(name, schemaText(rule.reason)), o});
                handled = true;
            }
        for (const EnvPrefixRule &rule : schema.movedEnvPrefixes())
            if (!handled && upper.startsWith(rule.prefix)) {
                out.issues.append({Severity::Warning, {},
                                   QCoreApplication::translate("ConfigResolver", "%1 is ignored: %2")
                                       .arg(name, schemaText(rule.reason)),
                                   o});
                handled = true;
            }
        if (handled)
            continue;
        QString other;
        if (profile.isArchive()) {
            const PrecedenceProfile &sibling = PrecedenceProfile::byKind(
                profile.kind == ProfileKind::ArchiveA ? ProfileKind::ArchiveB : ProfileKind::ArchiveA);
            if (const SchemaKey *k = sibling.schema().findByEnv(name))
                other = QCoreApplication::translate("ConfigResolver",
                            "; %1 reads it (as %2)").arg(sibling.title, k->key);
            else
                other = QCoreApplication::translate("ConfigResolver", "; no generation of the archive reads it");
        }
        out.issues.append({Severity::Warning, {},
                           QCoreApplication::translate("ConfigResolver",
                               "%1 is ignored: %2 has no such setting%3").arg(name, profile.title, other), o});
    }

    // Sections a command-line override replaces wholesale in ccproxy's fork (dict.update on the TOML).
    QSet<QString> overriddenSections;
    if (profile.kind == ProfileKind::Ccproxy)
        for (const auto &ov : inputs.overrides)
            overriddenSections.insert(ov.first.section(QLatin1Char('.'), 0, -2));

    for (const auto &ov : inputs.overrides)
        if (!schema.find(ov.first))
            out.issues.append({Severity::Error, ov.first,
                               QCoreApplication::translate("ConfigResolver",
                                   "unknown key '%1' on the command line: %2 has no such setting")
                                   .arg(ov.first, profile.title),
                               Origin{Source::Override, {}, 0, 0, {}, {}}});

    // --- per key ------------------------------------------------------------------------------
    const QString fileIgnoredByA = !inputs.explicitFile.isEmpty()
                                       ? QCoreApplication::translate("ConfigResolver",
                                             "ignored: generation A reads no environment while an explicit config "
                                             "file (--config) is given")
                                       : QCoreApplication::translate("ConfigResolver",
                                             "ignored: generation A reads no environment while .codex/archive.toml "
                                             "exists");
    out.keys.reserve(schema.keys().size());
    for (const SchemaKey &key : schema.keys()) {
        ResolvedKey rk;
        rk.schema = &key;
        std::optional<Candidate> fromOverride, fromFile, fromEnv, fromDotenv;
        Candidate fromDefault{key.defaultValue, {}, Origin{}};
        QList<IgnoredValue> ignored;

        for (const auto &ov : inputs.overrides) {
            if (ov.first != key.key)
                continue;
            const Origin o{Source::Override, {}, 0, 0, {}, {}};
            QString bad;
            const QVariant v = parseText(key, ov.second, &bad);
            if (!v.isValid())
                out.issues.append({Severity::Error, key.key,
                                   QCoreApplication::translate("ConfigResolver", "%1 (command line): %2").arg(key.key, bad),
                                   o});
            else
                fromOverride = Candidate{v, ov.second, o};
        }
        if (auto it = fileValues.constFind(key.key); it != fileValues.cend()) {
            if (fileIgnoredWhole)
                ignored.append({*it, sources.file.ignoredReason});
            else if (overriddenSections.contains(key.section))
                ignored.append({*it, QCoreApplication::translate("ConfigResolver",
                                         "ignored: a command-line override of [%1] replaces that whole section of "
                                         "the TOML file")
                                         .arg(key.section)});
            else
                fromFile = *it;
        }
        if (!key.envVar.isEmpty()) {
            if (auto it = env.constFind(caseInsensitive ? key.envVar.toUpper() : key.envVar); it != env.cend()) {
                const EnvParse p = parseEnvValue(profile, key, it->value);
                Candidate c{p.value, it->value, Origin{Source::Env, {}, 0, 0, it->name, {}}};
                if (p.skipped) {
                    ignored.append({c, QCoreApplication::translate("ConfigResolver",
                                           "ignored: generation B skips environment variables that are set but empty")});
                } else if (profile.kind == ProfileKind::ArchiveA && fileHidesEnvA) {
                    ignored.append({c, fileIgnoredByA});
                } else {
                    if (p.error)
                        out.issues.append({Severity::Error, key.key,
                                           QStringLiteral("%1 (env %2): %3").arg(key.key, it->name, *p.error), c.origin});
                    if (p.warning)
                        out.issues.append({Severity::Warning, key.key,
                                           QStringLiteral("%1 (env %2): %3").arg(key.key, it->name, *p.warning),
                                           c.origin});
                    if (!p.error)
                        fromEnv = c;
                }
            }
            if (auto it = dotenv.constFind(caseInsensitive ? key.envVar.toUpper() : key.envVar); it != dotenv.cend()) {
                const EnvParse p = parseEnvValue(profile, key, it->value);
                Candidate c{p.value, it->value, Origin{Source::DotEnv, dotenvDisplay, it->line, 0, it->name, {}}};
                if (p.error)
                    out.issues.append({Severity::Error, key.key,
                                       QStringLiteral("%1 (%2): %3").arg(key.key, c.origin.toString(), *p.error), c.origin});
                else
                    fromDotenv = c;
            }
        }
        // Generation B infers the backend from CODEX_ARCHIVE_URL when only the URL is set.
        if (!key.inferFrom.isEmpty() && !fromEnv && profile.kind == ProfileKind::ArchiveB) {
            const SchemaKey *src = schema.find(key.inferFrom);
            if (src)
                if (auto it = env.constFind(src->envVar); it != env.cend() && !it->value.isEmpty()) {
                    const QString inferred = inferBackend(it->value);
                    Candidate c{inferred.isEmpty() ? QVariant(it->value) : QVariant(inferred), it->value,
                                Origin{Source::Env, {}, 0, 0, it->name, QStringLiteral("inferred from the URL")}};
                    if (inferred.isEmpty())
                        out.issues.append({Severity::Error, key.key,
                                           QCoreApplication::translate("ConfigResolver",
                                               "%1: cannot infer the backend from %2 '%3'")
                                               .arg(key.key, it->name, redactUrl(it->value)),
                                           c.origin});
                    else
                        fromEnv = c;
                }
        }

        // Precedence order, highest first.
        QList<std::optional<Candidate> *> order;
        switch (profile.kind) {
        case ProfileKind::ArchiveA: order = {&fromOverride, &fromFile, &fromEnv}; break;
        case ProfileKind::ArchiveB: order = {&fromOverride, &fromEnv, &fromFile}; break;
        case ProfileKind::Ccproxy: order = {&fromOverride, &fromFile, &fromEnv, &fromDotenv}; break;
        case ProfileKind::CcproxyCurrent: order = {&fromOverride, &fromEnv, &fromFile, &fromDotenv}; break;
        }
        bool won = false;
        for (std::optional<Candidate> *c : order) {
            if (!*c)
                continue;
            if (!won) {
                rk.value = (*c)->value;
                rk.origin = (*c)->origin;
                won = true;
            } else {
                rk.shadowed.append(**c);
            }
        }
        if (!won) {
            rk.value = key.defaultValue;
            rk.origin = Origin{};
        } else if (key.hasDefault()) {
            rk.shadowed.append(fromDefault);
        }
        rk.ignored = ignored;
        if (rk.origin.source != Source::File) {  // file values were checked by validateDocument()
            if (const auto broken = schema.check(key, rk.value)) {
                rk.valid = false;
                out.issues.append({Severity::Error, key.key,
                                   QStringLiteral("%1 = %2 (%3) %4")
                                       .arg(key.key, displayValue(key, rk.value), rk.origin.toString(), *broken),
                                   rk.origin});
            }
        } else if (schema.check(key, rk.value)) {
            rk.valid = false;
        }
        out.keys.append(rk);
    }
    return out;
}

}  // namespace codex::config
