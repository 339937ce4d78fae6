#include "archive/RestoreService.h"

#include "archive/BlobCodec.h"
#include "common/Sha256.h"
#include "common/Log.h"
#include "evidence/EvidenceLog.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonObject>
#include <QTemporaryFile>

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace codex::archive {

namespace {

QString errnoText(int e)
{
    return QString::fromLocal8Bit(std::strerror(e));
}

// "report.txt" -> "report (1).txt", "report (2).txt", … the first name not taken.
QString withSuffix(const QString &path, int n)
{
    const QFileInfo info(path);
    const QString base = info.completeBaseName();
    const QString ext = info.suffix();
    const QString name = ext.isEmpty() ? QStringLiteral("%1 (%2)").arg(base).arg(n)
                                       : QStringLiteral("%1 (%2).%3").arg(base).arg(n).arg(ext);
    return info.dir().filePath(name);
}

}  // namespace

RestoreService::RestoreService(ArchiveStore &store, evidence::EvidenceLog *evidence) : m_store(store), m_evidence(evidence)
{
}

RestoreResult RestoreService::restore(const RestoreRequest &request, const std::atomic_bool *cancel)
{
    QElapsedTimer clock;
    clock.start();
    RestoreResult result;
    result.tombstone = request.tombstone;
    const ArchiveLocation &location = m_store.location();
    const QString evidencePath = request.evidencePath.isEmpty() ? request.output : request.evidencePath;

    auto fail = [&](ArchiveError::Kind kind, const QString &reason) {
        result.ok = false;
        result.error = {kind, reason};
        result.durationMs = clock.elapsed();
        if (m_evidence) {
            QString error;
            const QJsonObject fields{{QStringLiteral("actor"), request.actor},
                                     {QStringLiteral("tombstone"), request.tombstone},
                                     {QStringLiteral("reason"), reason},
                                     {QStringLiteral("backend"), backendName(location.backend)},
                                     {QStringLiteral("url"), location.redactedUrl}};
            if (!m_evidence->append(QStringLiteral("RESTORE_FAIL"), fields, &error))
                result.warning = QStringLiteral("the evidence log could not be written: %1").arg(error);
        }
        codex::log::warn(QStringLiteral("restore %1 failed: %2").arg(request.tombstone, reason));
        return result;
    };
    auto cancelled = [&] { return cancel && cancel->load(); };

    ArchiveError error;
    auto blob = m_store.openBlob(request.tombstone, &error);
    if (!blob) {
        if (error.kind == ArchiveError::Kind::TombstoneNotFound || error.kind == ArchiveError::Kind::Purged)
            return fail(error.kind, error.message);
        return fail(error.kind, QStringLiteral("Backend access error: %1").arg(error.message));
    }
    if (cancelled())
        return fail(ArchiveError::Kind::Cancelled, QStringLiteral("Restore cancelled"));

    // Where it goes: never onto something that is not a regular file, never over an existing
    // file unless the caller chose to.
    QString target = QDir::cleanPath(request.output);
    const QFileInfo targetInfo(target);
    if (targetInfo.exists() && !targetInfo.isFile())
        return fail(ArchiveError::Kind::OutputExists, QStringLiteral("Output %1 exists and is not a regular file").arg(target));
    if (targetInfo.exists() && request.conflict == ConflictPolicy::Refuse)
        return fail(ArchiveError::Kind::OutputExists,
                    QStringLiteral("Output exists: %1 (choose overwrite or a new name)").arg(target));
    // Folders this restore creates are taken back if it fails: a failed restore leaves nothing.
    QStringList createdDirs;
    for (QDir d(targetInfo.absolutePath()); !d.exists(); d = QDir(QFileInfo(d.absolutePath()).absolutePath())) {
        createdDirs.append(d.absolutePath());
        if (d.isRoot())
            break;
    }
    auto removeCreatedDirs = [&createdDirs] {
        for (const QString &dir : std::as_const(createdDirs))
            QDir().rmdir(dir);  // deepest first; rmdir only removes empty folders
    };
    auto failClean = [&](ArchiveError::Kind kind, const QString &reason) {
        removeCreatedDirs();
        return fail(kind, reason);
    };
    if (!QDir().mkpath(targetInfo.absolutePath()))
        return failClean(ArchiveError::Kind::Io, QStringLiteral("Cannot create the folder %1").arg(targetInfo.absolutePath()));

    // Decompress, hash and write in one pass through a small buffer: a large item is never
    // held whole in memory, and the hash is known before the file gets its real name.
    QTemporaryFile temp(targetInfo.absolutePath() + QStringLiteral("/.codex-restore-XXXXXX"));
    if (!temp.open())
        return failClean(ArchiveError::Kind::Io, QStringLiteral("Cannot write in %1: %2").arg(targetInfo.absolutePath(), temp.errorString()));
    Sha256 hash;
    QString writeError;
    bool stoppedByCancel = false;
    const bool decoded = BlobCodec::decompressFrom(
        blob->artifact.compression, *blob->payload, blob->artifact.sizeBytes,
        [&](const char *data, qint64 n) {
            if (cancelled()) {
                stoppedByCancel = true;
                return false;
            }
            hash.add(data, n);
            if (temp.write(data, n) != n) {
                writeError = temp.errorString();
                return false;
            }
            result.bytes += n;
            return true;
        },
        &error);
    blob->payload.reset();  // ends the read on the connection before anything writes
    if (!decoded) {
        temp.close();
        temp.remove();
        if (stoppedByCancel)
            return failClean(ArchiveError::Kind::Cancelled, QStringLiteral("Restore cancelled"));
        if (!writeError.isEmpty())
            return failClean(ArchiveError::Kind::Io, QStringLiteral("Writing %1 failed: %2").arg(target, writeError));
        if (error.kind != ArchiveError::Kind::Decompression)
            return failClean(error.kind, QStringLiteral("Backend access error: %1").arg(error.message));
        return failClean(ArchiveError::Kind::Decompression, error.message);
    }
    result.sha256 = hash.hex();
    // The reference does not verify; we refuse content that is not what was archived.
    if (result.sha256.compare(blob->artifact.contentSha256, Qt::CaseInsensitive) != 0) {
        temp.close();
        temp.remove();
        return failClean(ArchiveError::Kind::HashMismatch,
                         QStringLiteral("Content hash mismatch for %1: expected %2, got %3; nothing was written")
                             .arg(request.tombstone, blob->artifact.contentSha256, result.sha256));
    }
    if (!temp.flush() || ::fsync(temp.handle()) != 0) {
        const QString why = errnoText(errno);
        temp.close();
        temp.remove();
        return failClean(ArchiveError::Kind::Io, QStringLiteral("Writing %1 failed: %2").arg(target, why));
    }
    if (cancelled()) {
        temp.close();
        temp.remove();
        return failClean(ArchiveError::Kind::Cancelled, QStringLiteral("Restore cancelled"));
    }
    temp.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther);

    const QByteArray tempPath = QFile::encodeName(temp.fileName());
    bool created = false;
    if (request.conflict == ConflictPolicy::Overwrite) {
        if (::rename(tempPath.constData(), QFile::encodeName(target).constData()) != 0)
            return failClean(ArchiveError::Kind::Io, QStringLiteral("Cannot move the restored file to %1: %2").arg(target, errnoText(errno)));
        created = !targetInfo.exists();
    } else {
        // link() refuses to replace: a file that appeared meanwhile is never overwritten.
        for (int n = 1;; ++n) {
            if (::link(tempPath.constData(), QFile::encodeName(target).constData()) == 0) {
                created = true;
                break;
            }
            const int e = errno;
            if (e == EEXIST && request.conflict == ConflictPolicy::RenameWithSuffix && n < 10000) {
                target = withSuffix(QDir::cleanPath(request.output), n);
                continue;
            }
            if (e == EEXIST)
                return failClean(ArchiveError::Kind::OutputExists,
                                 QStringLiteral("Output exists: %1 (choose overwrite or a new name)").arg(target));
            return failClean(ArchiveError::Kind::Io, QStringLiteral("Cannot create %1: %2").arg(target, errnoText(e)));
        }
        temp.remove();  // the data now lives under its real name
    }
    temp.setAutoRemove(false);  // renamed or already removed

    const QJsonObject context{{QStringLiteral("output"), evidencePath},
                              {QStringLiteral("sha256"), result.sha256},
                              {QStringLiteral("bytes"), result.bytes}};
    if (!m_store.markRestored(blob->itemId, request.actor, context, &error)) {
        // A restore the archive does not know about is not a restore: take back what we made.
        if (created)
            QFile::remove(target);
        return failClean(error.kind, QStringLiteral("Backend access error: %1%2")
                                    .arg(error.message, created ? QStringLiteral("; the output was removed") : QString()));
    }

    result.ok = true;
    result.output = target;
    result.durationMs = clock.elapsed();
    if (m_evidence) {
        QString evError;
        const QJsonObject fields{{QStringLiteral("actor"), request.actor},
                                 {QStringLiteral("tombstone"), request.tombstone},
                                 {QStringLiteral("path"), target == QDir::cleanPath(request.output) ? evidencePath : target},
                                 {QStringLiteral("repo"), blob->repo},
                                 {QStringLiteral("duration_ms"), result.durationMs},
                                 {QStringLiteral("backend"), backendName(location.backend)}};
        if (!m_evidence->append(QStringLiteral("RESTORE"), fields, &evError))
            result.warning = QStringLiteral("restored, but the evidence log could not be written: %1").arg(evError);
    }
    codex::log::info(QStringLiteral("restored %1 to %2 (%3 bytes, %4 ms)")
                         .arg(request.tombstone, target)
                         .arg(result.bytes)
                         .arg(result.durationMs));
    return result;
}

}  // namespace codex::archive
