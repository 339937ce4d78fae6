#pragma once

#include "batch/BatchTypes.h"
#include "batch/Manifest.h"

#include <QList>
#include <QString>

#include <atomic>

namespace codex::archive {
class ArchiveStore;
}

namespace codex::batch {

/// A problem found before anything runs.
struct ValidationIssue {
    enum class Kind {
        UnknownTombstone,
        Purged,            ///< blob NULL or storage "object"
        DuplicateOutput,   ///< two entries write the same file (every entry after the first is blocked)
        OutputExists,      ///< blocks only under ConflictPolicy::Refuse
        Unwritable,        ///< the folder (or its nearest existing parent) is not writable, or the output is not a regular file
        EscapesRoot,       ///< "..", an absolute path elsewhere, or a symlink leading outside the restore root
        MissingActor,      ///< no actor in the entry and none given
    };
    Kind kind;
    int index = -1;   ///< entry (0-based)
    QString message;  ///< "entry 12 (line 13): output ../../etc/passwd escapes the restore root /srv/restore"
    bool blocking = true;  ///< false: a warning (e.g. OutputExists with Overwrite)
};
QString issueKindName(ValidationIssue::Kind kind);  ///< "unknown tombstone", "duplicate output", …

struct ValidationReport {
    int total = 0;
    QList<ValidationIssue> issues;
    /// The database could not be asked (unreachable, not an archive…): nothing is known about the
    /// tombstones, so the report is not ok() even without issues.
    QString error;
    QList<int> blockedIndexes() const;  ///< sorted, unique
    int blockingCount() const;
    bool ok() const { return blockingCount() == 0 && error.isEmpty(); }
};

/// Checks a whole manifest up front: unknown tombstones and purged blobs (looked up in chunks of
/// bound parameters, not one query per entry), duplicate outputs, outputs that exist, unwritable
/// folders, outputs escaping the restore root (symlinks resolved), missing actors.
/// Runs on the caller's thread with the caller's store; `cancel` stops it between chunks.
class BatchValidator {
public:
    static ValidationReport validate(const Manifest &manifest, const BatchOptions &options, archive::ArchiveStore &store,
                                     const std::atomic_bool *cancel = nullptr);
    /// The same for some entries only (a resumed run or "retry failed": the entries still to do).
    /// Duplicate outputs are still checked against every entry.
    static ValidationReport validateIndexes(const Manifest &manifest, const BatchOptions &options,
                                            archive::ArchiveStore &store, const QList<int> &indexes,
                                            const std::atomic_bool *cancel = nullptr);
    /// Only the file-system checks (no database), e.g. for a quick pre-check in the UI.
    static ValidationReport validatePaths(const Manifest &manifest, const BatchOptions &options);
};

}  // namespace codex::batch
