#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace codex::archive {

/// Which SQL server holds the archive.
enum class Backend { Sqlite, Postgres, MariaDb };
QString backendName(Backend backend);  ///< "sqlite", "postgres", "mariadb" (archive.toml's spelling)

/// Why an archive operation failed, in words the admin can act on. Never holds a password.
struct ArchiveError {
    enum class Kind {
        None,
        BadUrl,          ///< the URL cannot be used (message says why)
        NotFound,        ///< the SQLite file does not exist (and was not to be created)
        Unreachable,     ///< cannot connect / server went away (transient: may be retried)
        Locked,          ///< SQLite busy/locked beyond the timeout (transient)
        NotAnArchive,    ///< the file is not a database, or tables are missing
        Query,           ///< a statement failed
        TombstoneNotFound,
        Purged,          ///< blob_bytes NULL or storage_driver object
        Decompression,
        HashMismatch,
        OutputExists,
        Io,              ///< writing the output failed (disk full, permissions)
        Cancelled,
    };
    Kind kind = Kind::None;
    QString message;
    bool isTransient() const { return kind == Kind::Unreachable || kind == Kind::Locked || kind == Kind::Io; }
    explicit operator bool() const { return kind != Kind::None; }
};

/// One row of the tombstone list (what the table shows; no blob).
struct ItemRow {
    QString id;
    QString tombstoneId;
    QString repo;
    QString path;
    QString commitSha;
    QString language;
    QString kind;
    QString reason;
    QString archivedBy;
    QString archivedAt;  ///< as stored: "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DD HH:MM:SS"
    bool legalHold = false;
    QString restoredAt;  ///< empty when never restored
    QString mimeType;
    qint64 sizeBytes = 0;
    qint64 compressedSize = -1;  ///< length(blob_bytes); -1 when purged/object
};

/// The artifact (content) behind an item.
struct ArtifactInfo {
    QString id;
    QString contentSha256;
    qint64 sizeBytes = 0;
    QString compression;    ///< "zstd" or "zlib" (other values are reported on restore)
    QString mimeType;
    QString storageDriver;  ///< "db" or "object"
    QString objectUrl;
    bool hasBlob = false;
    qint64 blobSize = -1;
    QString createdAt;
};

/// An in-database history row (table `event`).
struct EventRow {
    QString id;
    QString action;
    QString actor;
    QJsonObject context;
    QString createdAt;
};

/// Everything the detail pane shows about one item.
struct ItemDetail {
    ItemRow item;
    ArtifactInfo artifact;
    QJsonObject metadata;
    QString deleteAfter;
    QStringList tags;
    QList<QPair<QString, QString>> referents;  ///< ref_type, ref_value
    QList<EventRow> events;                    ///< oldest first
};

/// Filters of the tombstone list; empty fields do not filter. Values are always bound
/// parameters, never spliced into SQL.
struct ItemFilter {
    QString repo;          ///< exact
    QString pathContains;  ///< substring, case-insensitive
    QString actor;         ///< archived_by, exact
    QString reason;
    QString kind;
    QString language;
    QString tag;
    std::optional<QDateTime> archivedFrom;  ///< inclusive, UTC
    std::optional<QDateTime> archivedTo;    ///< exclusive, UTC
    std::optional<bool> legalHold;
    std::optional<bool> restored;
    QString tombstone;  ///< exact tombstone id
    bool isEmpty() const;
};

/// Sortable columns, whitelisted so no identifier is ever built from user text.
enum class SortColumn { ArchivedAt, Repo, Path, Tombstone, Actor, Reason, Kind, Language, Size, RestoredAt };
struct SortOrder {
    SortColumn column = SortColumn::ArchivedAt;
    bool descending = true;
};

/// What to store (used by tests, fixtures and benchmarks; the reference's `store` command).
struct StoreRequest {
    QString repo;
    QString path;
    QString commitSha;
    QString reason = QStringLiteral("dead");
    QString kind = QStringLiteral("code");
    QString language;
    QString mimeType = QStringLiteral("text/plain");
    QString actor;
    QByteArray content;
    QString compression = QStringLiteral("zstd");  ///< "zstd" (level 9) or "zlib" (level 9)
    QStringList tags;
    bool legalHold = false;
    QString tombstoneId;  ///< empty: a new uuid
    QString archivedAt;   ///< empty: now, "YYYY-MM-DDTHH:MM:SSZ"
};

}  // namespace codex::archive
