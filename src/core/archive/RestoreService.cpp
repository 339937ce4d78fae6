#include "archive/RestoreService.h"

#include "archive/BlobCodec.h"
#include "common/Sha256.h"
#include "common/Log.h"
#include "evidence/EvidenceLog.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonObject>
#include <QRandomGenerator>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
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

// The file being restored before it gets its name. On Linux an unnamed O_TMPFILE inode in
// the target folder: it has no name until it is linked in, so even a killed process leaves
// nothing behind. Where the file system cannot do that, a ".codex-restore-XXXXXX" file that
// is removed on every failure (and that a resumed batch sweeps up after a kill).
class PendingFile {
public:
    PendingFile() = default;
    PendingFile(const PendingFile &) = delete;
    PendingFile &operator=(const PendingFile &) = delete;
    ~PendingFile() { discard(); }

    bool open(const QString &dir)
    {
        m_dir = QFile::encodeName(dir);
#ifdef O_TMPFILE
        m_fd = ::open(m_dir.constData(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
        if (m_fd >= 0)
            return chmod();
#endif
        QByteArray name = m_dir + "/.codex-restore-XXXXXX";
        m_fd = ::mkostemp(name.data(), O_CLOEXEC);
        if (m_fd < 0)
            return fail(errno);
        m_name = name;
        return chmod();
    }

    bool write(const char *data, qint64 size)
    {
        while (size > 0) {
            const ssize_t n = ::write(m_fd, data, size_t(size));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return fail(errno);
            data += n;
            size -= n;
        }
        return true;
    }

    /// Everything written; with `sync` on stable storage too.
    bool finish(bool sync)
    {
        if (sync && ::fsync(m_fd) != 0)
            return fail(errno);
        return true;
    }

    /// Gives the file the name `target` unless that exists. Returns 0 or an errno (EEXIST).
    int linkAs(const QString &target)
    {
        const QByteArray to = QFile::encodeName(target);
        if (!m_name.isEmpty())
            return ::link(m_name.constData(), to.constData()) == 0 ? 0 : errno;
        const QByteArray self = "/proc/self/fd/" + QByteArray::number(m_fd);
        if (::linkat(AT_FDCWD, self.constData(), AT_FDCWD, to.constData(), AT_SYMLINK_FOLLOW) == 0)
            return 0;
        const int e = errno;
        if (e != ENOENT || QFileInfo::exists(QStringLiteral("/proc/self/fd")))
            return e;
        // No /proc: AT_EMPTY_PATH (needs CAP_DAC_READ_SEARCH).
        return ::linkat(m_fd, "", AT_FDCWD, to.constData(), AT_EMPTY_PATH) == 0 ? 0 : errno;
    }

    /// Puts the file at `target`, replacing what is there, in one atomic rename.
    int replace(const QString &target)
    {
        const QByteArray to = QFile::encodeName(target);
        if (m_name.isEmpty()) {
            // An unnamed file cannot be renamed: give it a temporary name first.
            for (int attempt = 0; attempt < 100; ++attempt) {
                const QByteArray name = m_dir + "/.codex-restore-" + QByteArray::number(QRandomGenerator::global()->generate64(), 36);
                const int e = linkAs(QFile::decodeName(name));
                if (e == 0) {
                    m_name = name;
                    break;
                }
                if (e != EEXIST)
                    return e;
            }
        }
        if (::rename(m_name.constData(), to.constData()) != 0)
            return errno;
        m_name.clear();  // it is the target now
        return 0;
    }

    /// Closes; a named temporary file is removed. Safe to call more than once.
    void discard()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
        if (!m_name.isEmpty())
            ::unlink(m_name.constData());
        m_name.clear();
    }

    QString errorString() const { return m_error; }

private:
    bool chmod()
    {
        // rw-r--r-- whatever the umask (what the reference's write_bytes gives under umask 022).
        return ::fchmod(m_fd, 0644) == 0 || fail(errno);
    }
    bool fail(int e)
    {
        m_error = errnoText(e);
        return false;
    }

    QByteArray m_dir;
    QByteArray m_name;  ///< empty for an unnamed O_TMPFILE file
    int m_fd = -1;
    QString m_error;
};

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

    auto fail = [&](ArchiveError::Kind kind, const QString &reason) {
        result.durationMs = clock.elapsed();
        failed(request, result, kind, reason);
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
    const bool targetExists = targetInfo.exists();
    if (targetExists && !targetInfo.isFile())
        return fail(ArchiveError::Kind::OutputExists, QStringLiteral("Output %1 exists and is not a regular file").arg(target));
    if (targetExists && request.conflict == ConflictPolicy::Refuse)
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
    if (!createdDirs.isEmpty() && !QDir().mkpath(targetInfo.absolutePath()))
        return failClean(ArchiveError::Kind::Io, QStringLiteral("Cannot create the folder %1").arg(targetInfo.absolutePath()));

    // Decompress, hash and write in one pass through a small buffer: a large item is never
    // held whole in memory, and the hash is known before the file gets its real name.
    PendingFile temp;
    if (!temp.open(targetInfo.absolutePath()))
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
            if (!temp.write(data, n)) {
                writeError = temp.errorString();
                return false;
            }
            result.bytes += n;
            return true;
        },
        &error);
    blob->payload.reset();  // ends the read on the connection before anything writes
    if (!decoded) {
        temp.discard();
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
        temp.discard();
        return failClean(ArchiveError::Kind::HashMismatch,
                         QStringLiteral("Content hash mismatch for %1: expected %2, got %3; nothing was written")
                             .arg(request.tombstone, blob->artifact.contentSha256, result.sha256));
    }
    if (!temp.finish(request.syncFile)) {
        const QString why = temp.errorString();
        temp.discard();
        return failClean(ArchiveError::Kind::Io, QStringLiteral("Writing %1 failed: %2").arg(target, why));
    }
    if (cancelled()) {
        temp.discard();
        return failClean(ArchiveError::Kind::Cancelled, QStringLiteral("Restore cancelled"));
    }

    bool created = false;
    if (request.conflict == ConflictPolicy::Overwrite) {
        if (const int e = temp.replace(target))
            return failClean(ArchiveError::Kind::Io, QStringLiteral("Cannot move the restored file to %1: %2").arg(target, errnoText(e)));
        created = !targetExists;
    } else {
        // A link refuses to replace: a file that appeared meanwhile is never overwritten.
        for (int n = 1;; ++n) {
            const int e = temp.linkAs(target);
            if (e == 0) {
                created = true;
                break;
            }
            if (e == EEXIST && request.conflict == ConflictPolicy::RenameWithSuffix && n < 10000) {
                target = withSuffix(QDir::cleanPath(request.output), n);
                continue;
            }
            temp.discard();
            if (e == EEXIST)
                return failClean(ArchiveError::Kind::OutputExists,
                                 QStringLiteral("Output exists: %1 (choose overwrite or a new name)").arg(target));
            return failClean(ArchiveError::Kind::Io, QStringLiteral("Cannot create %1: %2").arg(target, errnoText(e)));
        }
    }
    temp.discard();  // the data now lives under its real name

    result.output = target;
    result.itemId = blob->itemId;
    result.repo = blob->repo;
    result.createdOutput = created;
    if (request.recordLater) {
        result.ok = true;
        result.recordPending = true;
        result.durationMs = clock.elapsed();
        return result;
    }
    if (!m_store.markRestored(blob->itemId, request.actor, recordContext(request, result), &error)) {
        // A restore the archive does not know about is not a restore: take back what we made.
        if (created)
            QFile::remove(target);
        return failClean(error.kind, QStringLiteral("Backend access error: %1%2")
                                    .arg(error.message, created ? QStringLiteral("; the output was removed") : QString()));
    }
    result.durationMs = clock.elapsed();
    recorded(request, result);
    return result;
}

void RestoreService::recordAll(const QList<Pending> &pending)
{
    QList<ArchiveStore::RestoreMark> marks;
    marks.reserve(pending.size());
    for (const Pending &p : pending)
        marks.append({p.result->itemId, p.request->actor, recordContext(*p.request, *p.result)});
    const QList<ArchiveError> errors = m_store.markRestoredAll(marks);
    for (qsizetype i = 0; i < pending.size(); ++i) {
        const RestoreRequest &request = *pending[i].request;
        RestoreResult &result = *pending[i].result;
        result.recordPending = false;
        const ArchiveError &error = errors.at(i);
        if (!error) {
            recorded(request, result);
            continue;
        }
        if (result.createdOutput)
            QFile::remove(result.output);
        failed(request, result, error.kind, QStringLiteral("Backend access error: %1%2")
                                          .arg(error.message, result.createdOutput ? QStringLiteral("; the output was removed") : QString()));
    }
}

QJsonObject RestoreService::recordContext(const RestoreRequest &request, const RestoreResult &result)
{
    const QString evidencePath = request.evidencePath.isEmpty() ? request.output : request.evidencePath;
    return {{QStringLiteral("output"), evidencePath},
            {QStringLiteral("sha256"), result.sha256},
            {QStringLiteral("bytes"), result.bytes}};
}

// The restore is on disk and in the archive: the RESTORE line and the log.
void RestoreService::recorded(const RestoreRequest &request, RestoreResult &result)
{
    result.ok = true;
    const QString evidencePath = request.evidencePath.isEmpty() ? request.output : request.evidencePath;
    if (m_evidence) {
        QString evError;
        const QJsonObject fields{{QStringLiteral("actor"), request.actor},
                                 {QStringLiteral("tombstone"), request.tombstone},
                                 {QStringLiteral("path"), result.output == QDir::cleanPath(request.output) ? evidencePath : result.output},
                                 {QStringLiteral("repo"), result.repo},
                                 {QStringLiteral("duration_ms"), result.durationMs},
                                 {QStringLiteral("backend"), backendName(m_store.location().backend)}};
        if (!m_evidence->append(QStringLiteral("RESTORE"), fields, &evError))
            result.warning = QStringLiteral("restored, but the evidence log could not be written: %1").arg(evError);
    }
    codex::log::info(QStringLiteral("restored %1 to %2 (%3 bytes, %4 ms)")
                         .arg(request.tombstone, result.output)
                         .arg(result.bytes)
                         .arg(result.durationMs));
}

// Every failure: RESTORE_FAIL with the reason, and the log.
void RestoreService::failed(const RestoreRequest &request, RestoreResult &result, ArchiveError::Kind kind,
                            const QString &reason)
{
    result.ok = false;
    result.error = {kind, reason};
    if (m_evidence) {
        QString error;
        const ArchiveLocation &location = m_store.location();
        const QJsonObject fields{{QStringLiteral("actor"), request.actor},
                                 {QStringLiteral("tombstone"), request.tombstone},
                                 {QStringLiteral("reason"), reason},
                                 {QStringLiteral("backend"), backendName(location.backend)},
                                 {QStringLiteral("url"), location.redactedUrl}};
        if (!m_evidence->append(QStringLiteral("RESTORE_FAIL"), fields, &error))
            result.warning = QStringLiteral("the evidence log could not be written: %1").arg(error);
    }
    codex::log::warn(QStringLiteral("restore %1 failed: %2").arg(request.tombstone, reason));
}

}  // namespace codex::archive
