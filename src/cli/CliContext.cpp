#include "CliContext.h"

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
