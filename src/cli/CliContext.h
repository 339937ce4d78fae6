#pragma once

#include "archive/ArchiveLocation.h"
#include "config/ConfigResolver.h"

#include <QCommandLineParser>
#include <QStringList>
#include <QTextStream>

#include <memory>
#include <optional>

/// The configuration a command works from: the precedence profile and its inputs
/// (workspace, --config, the process environment).
struct ConfigOptions {
    const codex::config::PrecedenceProfile *profile = nullptr;
    codex::config::ConfigInputs inputs;
};

/// What every codex-adminctl command shares: its arguments, output streams and the options
/// every command takes (--workspace, --json).
namespace codex::archive {
class ArchiveStore;
}

/// The archive the effective configuration names, as the reference tools find it.
struct LocatedArchive {
    ConfigOptions options;
    codex::config::ResolvedConfig config;
    codex::archive::ArchiveLocation location;
};

struct CliContext {
    QStringList args;  ///< the command's own arguments, program name first ("codex-adminctl config show")
    QTextStream &out;
    QTextStream &err;

    /// Adds --workspace and --json, parses, and on a usage error prints it and returns false.
    bool parse(QCommandLineParser &parser, const QString &usage);
    /// The workspace folder: --workspace, else the current folder.
    QString workspace(const QCommandLineParser &parser) const;
    /// One-line failure on stderr, as every command reports one.
    int fail(const QString &message, int code = 1) const;
    /// The context of `command sub` ("codex-adminctl config show"): the program name with both
    /// words, then the arguments after them; the same streams.
    CliContext subcommand(const QString &command, const QString &sub) const;

    /// Adds --profile and --config.
    static void addConfigOptions(QCommandLineParser &parser);
    /// Reads them; on a usage error prints it and sets *exitCode.
    std::optional<ConfigOptions> readConfigOptions(const QCommandLineParser &parser, int *exitCode);

    /// The archive of the effective configuration (archive profiles only; an invalid
    /// configuration or URL fails with a one-line message).
    std::optional<LocatedArchive> locateArchive(const QCommandLineParser &parser, int *exitCode);
    /// Opens it and checks the reference tables are there. The embedded default is created on
    /// first use (and any file with `create`); *why receives the message printed on failure.
    std::unique_ptr<codex::archive::ArchiveStore> openArchive(const codex::archive::ArchiveLocation &location, bool create,
                                                              int *exitCode, QString *why = nullptr);
};

namespace cli {
constexpr int kUsageError = 2;
int runConfig(CliContext &ctx);
int runArchive(CliContext &ctx, const QString &command);  ///< health-check, list, show, restore, evidence
int runBatch(CliContext &ctx);  ///< batch-restore
int runServeSim(CliContext &ctx);  ///< serve-sim (ServeSimCommand.cpp)
int runProbe(CliContext &ctx);     ///< probe (ProbeCommand.cpp)
int runLoad(CliContext &ctx);      ///< load (ProbeCommand.cpp)
int runMetrics(CliContext &ctx, const QString &command);  ///< scrape, query, watch (MetricsCommand.cpp)
int runRollout(CliContext &ctx);   ///< rollout list|new|show|check|note|owner|attach|collect|evaluate|sign|verify|history (RolloutCommand.cpp)
int runReport(CliContext &ctx);    ///< report export (RolloutCommand.cpp)
}  // namespace cli
