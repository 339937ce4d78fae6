#pragma once

#include "archive/ArchiveStore.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <atomic>

namespace codex::evidence {
class EvidenceLog;
}

namespace codex::archive {

/// What to do when the output file already exists.
enum class ConflictPolicy { Refuse, Overwrite, RenameWithSuffix };

struct RestoreRequest {
    QString tombstone;
    QString output;  ///< absolute path of the file to write
    QString actor;
    ConflictPolicy conflict = ConflictPolicy::Refuse;
    QString evidencePath;  ///< the output as the admin typed it, for the evidence line (default: output)
    /// fsync the file before it gets its real name. A batch turns it off and syncs the whole
    /// restore root once at the end (syncfs) instead of once per file.
    bool syncFile = true;
    /// Stop once the verified file is in place and leave recording it (restored_at, the event
    /// row, the RESTORE line) to recordAll(), so a batch can record many restores in one
    /// transaction. The result then has recordPending set.
    bool recordLater = false;
};

struct RestoreResult {
    bool ok = false;
    QString tombstone;
    QString output;  ///< the path actually written (may carry a suffix)
    qint64 bytes = 0;
    qint64 durationMs = 0;
    QString sha256;
    ArchiveError error;
    QString warning;  ///< e.g. the evidence log could not be written (the restore itself stands)
    QString itemId;   ///< the archive item restored
    QString repo;
    bool createdOutput = false;  ///< the output did not exist before (it is removed if recording fails)
    bool recordPending = false;  ///< recordLater: placed and verified, not recorded yet
};

/// Restores one item: fetch, decompress, verify sha256, write to a temporary file in the target
/// folder and rename, then set restored_at + event row and append the RESTORE evidence line.
/// Every failure appends RESTORE_FAIL with the reason; nothing half-written is left behind.
class RestoreService {
public:
    RestoreService(ArchiveStore &store, evidence::EvidenceLog *evidence);
    RestoreResult restore(const RestoreRequest &request, const std::atomic_bool *cancel = nullptr);

    /// A restore placed with recordLater, to be recorded.
    struct Pending {
        const RestoreRequest *request;
        RestoreResult *result;
    };
    /// Records restores placed with recordLater: their restored_at and event rows in one
    /// transaction (one that cannot be recorded fails alone), then a RESTORE line each. For a
    /// restore that cannot be recorded the output it created is removed, RESTORE_FAIL is written
    /// and its result turns into a failure, as restore() does.
    void recordAll(const QList<Pending> &pending);

private:
    static QJsonObject recordContext(const RestoreRequest &request, const RestoreResult &result);
    void recorded(const RestoreRequest &request, RestoreResult &result);
    void failed(const RestoreRequest &request, RestoreResult &result, ArchiveError::Kind kind, const QString &reason);

    ArchiveStore &m_store;
    evidence::EvidenceLog *m_evidence;
};

}  // namespace codex::archive
