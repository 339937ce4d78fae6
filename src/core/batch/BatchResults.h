#pragma once

#include "batch/BatchTypes.h"
#include "batch/Manifest.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

namespace codex::batch {

/// The reference's results file and the BATCH_RESTORE evidence record.
class BatchResults {
public:
    /// "batch_restore_YYYYMMDD_HHMMSS.json" for a local time.
    static QString defaultFileName(const QDateTime &localTime);
    /// Where the results go: `resultsPath` when it names a file (.json), else that folder (or the
    /// manifest's) joined with defaultFileName(); never an existing file (a "_2", "_3" … suffix
    /// is added rather than overwrite).
    static QString choosePath(const BatchOptions &options, const Manifest &manifest, const QDateTime &localTime);

    /// The reference format, indented: {"total","succeeded","failed","duration_ms","results":[
    /// {"tombstone","output","actor","status":"SUCCESS"|"FAILED","duration_ms","metrics":{"name":
    /// "restore:<tombstone>","duration_ms","attempts","bytes"},"detail" (failures only)}]}.
    /// Items never attempted (blocked, cancelled) are FAILED with a detail saying why; resumed
    /// items already done are SUCCESS with "skipped": true in metrics.
    static QByteArray serialize(const Manifest &manifest, const BatchOptions &options, const QList<ItemState> &states,
                                qint64 durationMs);
    /// Writes atomically (QSaveFile); refuses to replace an existing file.
    static bool write(const QString &path, const QByteArray &bytes, QString *error);
    /// Appends BATCH_RESTORE {actor, manifest, total, succeeded, failed, duration_ms, results, ts}.
    static bool appendEvidence(const QString &evidencePath, const QString &actor, const QString &manifestPath,
                               const BatchProgress &progress, qint64 durationMs, const QString &resultsPath, QString *error);
};

}  // namespace codex::batch
