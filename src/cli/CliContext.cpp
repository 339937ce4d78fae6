#include "CliContext.h"

#include "archive/ArchiveStore.h"
#include "common/Url.h"

#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>

bool CliContext::parse(QCommandLineParser &parser, const QString &usage)
{
    parser.setApplicationDescription(usage);
    parser.addHelpOption();
    parser.addOption({QStringLiteral("workspace"), QStringLiteral("Workspace folder holding .codex/ (default: the current folder)."),
                      QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("json"), QStringLiteral("Print JSON instead of text.")});
    if (!parser.parse(args)) {
        err << "codex-adminctl: " << parser.errorText() << "\n";
        return false;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out << parser.helpText();
        return false;
    }
    return true;
}

QString CliContext::workspace(const QCommandLineParser &parser) const
{
    const QString ws = parser.value(QStringLiteral("workspace"));
    return QDir::cleanPath(QDir::current().absoluteFilePath(ws.isEmpty() ? QStringLiteral(".") : ws));
}

int CliContext::fail(const QString &message, int code) const
{
    err << "codex-adminctl: " << message << "\n";
    err.flush();
    return code;
}

CliContext CliContext::subcommand(const QString &command, const QString &sub) const
{
    return {QStringList{args[0] + QLatin1Char(' ') + command + QLatin1Char(' ') + sub} + args.mid(3), out, err};
}

void CliContext::addConfigOptions(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("profile"),
                      QStringLiteral("Precedence profile: a (default), b, ccproxy, ccproxy-current."),
                      QStringLiteral("P"), QStringLiteral("a")});
    parser.addOption({QStringLiteral("config"), QStringLiteral("Explicit configuration file (as the tool's --config)."),
                      QStringLiteral("FILE")});
}

std::optional<ConfigOptions> CliContext::readConfigOptions(const QCommandLineParser &parser, int *exitCode)
{
    ConfigOptions o;
    const QString profileId = parser.value(QStringLiteral("profile"));
    o.profile = codex::config::PrecedenceProfile::byId(profileId);
    if (!o.profile) {
        *exitCode = fail(QStringLiteral("unknown profile '%1' (expected a, b, ccproxy or ccproxy-current)").arg(profileId),
                         cli::kUsageError);
        return std::nullopt;
    }
    o.inputs.workspace = workspace(parser);
    if (!QFileInfo(o.inputs.workspace).isDir()) {
        *exitCode = fail(QStringLiteral("workspace %1 is not a folder").arg(o.inputs.workspace), cli::kUsageError);
        return std::nullopt;
    }
    o.inputs.explicitFile = parser.value(QStringLiteral("config"));
    const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString &name : env.keys())
        o.inputs.environment.insert(name, env.value(name));
    return o;
}

std::optional<LocatedArchive> CliContext::locateArchive(const QCommandLineParser &parser, int *exitCode)
{
    using namespace codex;
    auto opts = readConfigOptions(parser, exitCode);
    if (!opts)
        return std::nullopt;
    if (!opts->profile->isArchive()) {
        *exitCode = fail(QStringLiteral("profile %1 is not an archive profile (use a or b)").arg(opts->profile->id), cli::kUsageError);
        return std::nullopt;
    }
    config::ResolvedConfig rc = config::ConfigResolver::resolve(*opts->profile, opts->inputs);
    for (const config::ConfigIssue &i : rc.issues)
        if (i.severity == config::Severity::Error) {
            *exitCode = fail(QStringLiteral("invalid configuration: %1").arg(redactSecrets(i.message)));
            return std::nullopt;
        }
    archive::ArchiveError error;
    auto location = archive::ArchiveLocation::fromConfig(rc, opts->inputs.workspace, &error);
    if (!location) {
        *exitCode = fail(error.message);
        return std::nullopt;
    }
    return LocatedArchive{*opts, std::move(rc), *location};
}

std::unique_ptr<codex::archive::ArchiveStore> CliContext::openArchive(const codex::archive::ArchiveLocation &location,
                                                                      bool create, int *exitCode, QString *why)
{
    using namespace codex::archive;
    ArchiveError error;
    // The embedded default is created on first use, like the reference; any other missing
    // file is reported, never created behind the admin's back. ArchiveStore::open gives a file
    // it creates the reference schema; an existing database is never altered by a command that
    // only reads it (a file with tables missing is reported, not "repaired").
    const auto mode = location.isDefaultSqlite || create ? ArchiveStore::OpenMode::CreateIfMissing
                                                         : ArchiveStore::OpenMode::ExistingOnly;
    auto failWith = [&](const QString &message) {
        if (why)
            *why = message;
        *exitCode = fail(message);
        return nullptr;
    };
    auto store = ArchiveStore::open(location, mode, &error);
    if (!store)
        return failWith(error.kind == ArchiveError::Kind::NotFound
                            ? QStringLiteral("%1 (run 'codex-adminctl list --create' to create it with the reference schema)").arg(error.message)
                            : error.message);
    const QStringList missing = store->missingTables(&error);
    if (error || !missing.isEmpty())
        return failWith(error ? error.message
                              : QStringLiteral("%1 is not a codex archive: table(s) %2 missing")
                                    .arg(location.redactedUrl, missing.join(QStringLiteral(", "))));
    return store;
}
