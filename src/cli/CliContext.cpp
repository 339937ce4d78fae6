#include "CliContext.h"

#include <QDir>

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
