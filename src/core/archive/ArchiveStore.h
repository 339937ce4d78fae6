#pragma once

#include "archive/ArchiveLocation.h"
#include "archive/ArchiveTypes.h"
#include "archive/BlobCodec.h"

#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

class QSqlDatabase;

namespace codex::archive {

/// One connection to a tombstone archive (SQLite, PostgreSQL or MariaDB) with the reference
/// schema. QtSql connections belong to the thread that opened them: open one store per thread.
/// Every statement binds its values; identifiers come only from whitelists.
class ArchiveStore {
public:
    enum class OpenMode {
        ExistingOnly,     ///< a missing SQLite file is Kind::NotFound (to be offered for creation)
        CreateIfMissing,  ///< create the SQLite file (and folder) with the reference schema and WAL
    };

    /// Connects; SQLite gets WAL and a busy timeout. Fails with a message naming the redacted URL.
    static std::unique_ptr<ArchiveStore> open(const ArchiveLocation &location, OpenMode mode, ArchiveError *error);
    ~ArchiveStore();
    ArchiveStore(const ArchiveStore &) = delete;
    ArchiveStore &operator=(const ArchiveStore &) = delete;

    const ArchiveLocation &location() const;

    /// Reference tables (artifact, item, event, tag, referent) that are absent.
    QStringList missingTables(ArchiveError *error);
    /// Creates the reference schema for this dialect where tables are missing (idempotent).
    bool ensureSchema(ArchiveError *error);
    /// Round-trip time of a trivial query, in microseconds; -1 on failure.
    qint64 probeLatencyUs(ArchiveError *error);

    qint64 countItems(const ItemFilter &filter, ArchiveError *error);
    /// One page of rows in the given order (never the whole table).
    QList<ItemRow> items(const ItemFilter &filter, const SortOrder &order, qint64 offset, int limit, ArchiveError *error);
    std::optional<ItemDetail> item(const QString &tombstone, ArchiveError *error);
    /// Distinct values of a filterable column ("repo", "archived_by", "reason", "kind",
    /// "language", "tag") for the filter bar; at most `limit`.
    QStringList distinctValues(const QString &column, int limit, ArchiveError *error);

    /// Which item a payload belongs to, and its artifact.
    struct BlobInfo {
        QString itemId;
        QString tombstone;
        QString repo;
        QString path;
        ArtifactInfo artifact;
    };
    /// The compressed payload of an item, whole in memory (previews, tests).
    struct Blob : BlobInfo {
        QByteArray compressed;
    };
    /// Kind::TombstoneNotFound, Kind::Purged (blob NULL or storage "object") as the reference words them.
    std::optional<Blob> blob(const QString &tombstone, ArchiveError *error);

    /// The compressed payload as a source read piece by piece, for restore: on SQLite through
    /// incremental blob I/O (a large item is never held whole in memory, nor copied twice);
    /// servers hand the fetched value out as one piece. Same errors as blob(). The source
    /// belongs to this store's connection and thread: read it, then drop it before the next
    /// statement that writes (markRestored).
    struct BlobStream : BlobInfo {
        std::unique_ptr<ByteSource> payload;
    };
    std::optional<BlobStream> openBlob(const QString &tombstone, ArchiveError *error);

    /// What validation needs to know about a tombstone, without its payload.
    struct TombstoneState {
        bool purged = false;       ///< blob NULL, storage "object", or no artifact row
        QString contentSha256;
        qint64 sizeBytes = 0;
        QString itemId;
    };
    /// Looks many tombstones up at once (chunks of at most 500 bound parameters, not one query
    /// per tombstone). The answer is keyed by the tombstone text as given; tombstones that are
    /// not in the archive are absent (as are non-UUID texts when the column is a UUID).
    QHash<QString, TombstoneState> lookupTombstones(const QStringList &tombstones, ArchiveError *error);

    /// One restore to record (markRestoredAll).
    struct RestoreMark {
        QString itemId;
        QString actor;
        QJsonObject context;
    };
    /// Records many restores in one transaction; if that fails, each alone (markRestored), so
    /// one bad item fails alone. Returns an error per mark (empty where it was recorded).
    QList<ArchiveError> markRestoredAll(const QList<RestoreMark> &marks);

    /// Sets item.restored_at and inserts the RESTORE event row, in one transaction.
    bool markRestored(const QString &itemId, const QString &actor, const QJsonObject &context, ArchiveError *error);

    /// Stores content as the reference `store` does (artifact reused by sha256, metadata JSON,
    /// ARCHIVE event row). Returns the tombstone id.
    std::optional<QString> store(const StoreRequest &request, ArchiveError *error);

    /// The underlying connection, for tests and benchmarks only.
    QSqlDatabase database() const;

private:
    ArchiveStore();
    std::optional<BlobStream> fetchBlob(const QString &tombstone, bool incremental, ArchiveError *error);
    bool markRestoredOnce(const QString &itemId, const QString &actor, const QJsonObject &context, ArchiveError *error);
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::archive
