#pragma once

#include "archive/ArchiveTypes.h"

#include <QString>

#include <optional>

namespace codex::config {
struct ResolvedConfig;
}

namespace codex::archive {

/// Where the archive lives, parsed from the reference URL forms:
/// sqlite:///relative (to the workspace) or sqlite:////absolute, postgresql:// or postgres://,
/// mysql://, mysql+pymysql:// or mariadb:// for MariaDB. The password is kept only here.
struct ArchiveLocation {
    Backend backend = Backend::Sqlite;
    QString redactedUrl;   ///< for logs, errors and the UI: postgresql://***@host:5432/db
    QString sqlitePath;    ///< absolute, SQLite only
    QString host;
    int port = -1;         ///< -1: the driver's default
    QString database;
    QString user;
    QString password;
    bool isDefaultSqlite = false;  ///< the embedded default .codex/archive.sqlite of the workspace
    int busyTimeoutMs = 5000;      ///< SQLite: how long to wait for another program's lock
    int connectTimeoutS = 5;       ///< PostgreSQL/MariaDB: connect timeout in seconds
    /// SQLite: true keeps SQLite's default durable commits (synchronous=FULL); false runs the
    /// connection with PRAGMA synchronous=NORMAL, which is safe with WAL (a crash can lose the
    /// last commits, never corrupt the file). Batch runs set it false for speed.
    bool sqliteSyncEachCommit = true;

    /// True when the URL carries a user or password (shown redacted as "***@").
    bool hasCredentials() const { return !user.isEmpty() || !password.isEmpty(); }

    QString qtDriver() const;  ///< "QSQLITE", "QPSQL", "QMYSQL"

    /// Parses a URL; relative SQLite paths resolve against the workspace. Errors name the URL
    /// in its redacted form.
    static std::optional<ArchiveLocation> fromUrl(const QString &url, const QString &workspace, ArchiveError *error);
    /// From the effective configuration (generation A's backend.type or B's backend.backend,
    /// and backend.url). A backend that contradicts the URL's scheme is an error.
    static std::optional<ArchiveLocation> fromConfig(const config::ResolvedConfig &config, const QString &workspace,
                                                     ArchiveError *error);
};

}  // namespace codex::archive
