#pragma once

#include "archive/ArchiveStore.h"

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
};

/// Restores one item: fetch, decompress, verify sha256, write to a temporary file in the target
/// folder and rename, then set restored_at + event row and append the RESTORE evidence line.
/// Every failure appends RESTORE_FAIL with the reason; nothing half-written is left behind.
class RestoreService {
public:
    RestoreService(ArchiveStore &store, evidence::EvidenceLog *evidence);
    RestoreResult restore(const RestoreRequest &request, const std::atomic_bool *cancel = nullptr);

private:
    ArchiveStore &m_store;
    evidence::EvidenceLog *m_evidence;
};

}  // namespace codex::archive
