#pragma once

#include <QString>

/// Logging through spdlog (console + rotating file), with secrets masked before anything is
/// written. Core, models, UI and CLI log through these functions only.
namespace codex::log {

struct Options {
    QString appName = QStringLiteral("codex-admin");
    bool console = true;
    bool file = true;       ///< rotating file under the app's data folder (logs/<appName>.log)
    QString level = QStringLiteral("info");
};

/// Sets up the sinks once per process; also routes qDebug/qWarning/qCritical through them.
void init(const Options &options);
/// The rotating log file, empty when file logging is off.
QString filePath();

void debug(const QString &message);
void info(const QString &message);
void warn(const QString &message);
void error(const QString &message);

}  // namespace codex::log
