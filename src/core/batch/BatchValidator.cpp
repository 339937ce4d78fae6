#include "batch/BatchValidator.h"

#include "archive/ArchiveStore.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QThread>

#include <algorithm>
#include <unistd.h>

namespace codex::batch {

namespace {

using Kind = ValidationIssue::Kind;

QString where(const ManifestEntry &e)
{
    if (e.line > 0)
        return QStringLiteral("entry %1 (line %2)").arg(e.index + 1).arg(e.line);
    return QStringLiteral("entry %1").arg(e.index + 1);
}

bool isUnder(const QString &path, const QString &root)
{
    if (root == QLatin1String("/"))
        return path.startsWith(QLatin1Char('/')) && path != root;
    return path.startsWith(root) && path.size() > root.size() && path.at(root.size()) == QLatin1Char('/');
}

/// Resolves symbolic links in the part of `path` that exists (the rest is appended as written).
class Canonicalizer {
public:
    QString folder(const QString &dir)
    {
        const auto it = m_cache.constFind(dir);
        if (it != m_cache.constEnd())
            return *it;
        QString result;
        const QFileInfo info(dir);
        if (info.exists()) {
            result = info.canonicalFilePath();
            if (result.isEmpty())
                result = dir;
        } else {
            const QString parent = QFileInfo(dir).absolutePath();
            if (parent == dir)
                result = dir;
            else
                result = QDir::cleanPath(folder(parent) + QLatin1Char('/') + info.fileName());
        }
        m_cache.insert(dir, result);
        return result;
    }
    QString file(const QString &path)
    {
        const QFileInfo info(path);
        return QDir::cleanPath(folder(info.absolutePath()) + QLatin1Char('/') + info.fileName());
    }

private:
    QHash<QString, QString> m_cache;
};

struct FolderCheck {
    bool ok = true;
    QString why;
};

FolderCheck checkFolder(const QString &dir)
{
    QString d = dir;
    for (;;) {
        const QFileInfo info(d);
        if (info.exists() || info.isSymLink()) {
            if (!info.isDir())
                return {false, QStringLiteral("%1 is not a folder").arg(d)};
            if (::access(QFile::encodeName(d).constData(), W_OK | X_OK) != 0)
                return {false, d == dir ? QStringLiteral("the folder %1 is not writable").arg(d)
                                        : QStringLiteral("the folder %1 does not exist and %2 is not writable").arg(dir, d)};
            return {};
        }
        const QString parent = info.absolutePath();
        if (parent == d)
            return {false, QStringLiteral("no existing folder above %1").arg(dir)};
        d = parent;
    }
}

ValidationReport run(const Manifest &manifest, const BatchOptions &options, archive::ArchiveStore *store,
                     const QList<int> *indexes, const std::atomic_bool *cancel)
{
    ValidationReport report;
    report.total = int(manifest.entries.size());
    const QString base = manifest.baseDir.isEmpty() ? QDir::currentPath() : manifest.baseDir;
    const QString root = QDir::cleanPath(
        QDir(base).absoluteFilePath(options.restoreRoot.isEmpty() ? base : options.restoreRoot));
    Canonicalizer canon;
    const QString rootCanon = canon.folder(root);
    const QString defaultActor = options.actor.trimmed();

    std::vector<char> checked(size_t(manifest.entries.size()), indexes ? 0 : 1);
    if (indexes)
        for (int i : *indexes)
            if (i >= 0 && i < manifest.entries.size())
                checked[size_t(i)] = 1;

    auto add = [&](Kind kind, const ManifestEntry &e, const QString &message, bool blocking = true) {
        ValidationIssue issue;
        issue.kind = kind;
        issue.index = e.index;
        issue.message = where(e) + QStringLiteral(": ") + message;
        issue.blocking = blocking;
        report.issues.append(issue);
    };

    QHash<QString, int> firstWriter;  // canonical output -> entry
    QHash<QString, FolderCheck> folders;
    firstWriter.reserve(manifest.entries.size());
    for (qsizetype i = 0; i < manifest.entries.size(); ++i) {
        const ManifestEntry &e = manifest.entries.at(i);
        const bool check = checked[size_t(i)];
        const QString output = e.resolvedOutput.isEmpty()
                                   ? QDir::cleanPath(QDir(base).absoluteFilePath(e.output))
                                   : e.resolvedOutput;
        const QString real = canon.file(output);
        // Duplicates among all entries: an entry done earlier still owns its file.
        const auto dup = firstWriter.constFind(real);
        if (dup != firstWriter.constEnd()) {
            if (check) {
                const ManifestEntry &first = manifest.entries.at(*dup);
                add(Kind::DuplicateOutput, e,
                    QStringLiteral("output %1 is also written by %2").arg(e.output.isEmpty() ? output : e.output, where(first)));
            }
        } else {
            firstWriter.insert(real, int(i));
        }
        if (!check)
            continue;
        if (e.actor.isEmpty() && defaultActor.isEmpty())
            add(Kind::MissingActor, e, QStringLiteral("no actor: the entry names none and no default actor (--by) was given"));
        if (!options.allowOutsideRoot) {
            if (!isUnder(output, root)) {
                add(Kind::EscapesRoot, e, QStringLiteral("output %1 escapes the restore root %2").arg(e.output, root));
                continue;
            }
            if (!isUnder(real, rootCanon)) {
                add(Kind::EscapesRoot, e,
                    QStringLiteral("output %1 resolves to %2 through a symbolic link, outside the restore root %3")
                        .arg(e.output, real, root));
                continue;
            }
        }
        const QFileInfo info(output);
        if (info.exists() || info.isSymLink()) {
            if (!info.isFile()) {
                add(Kind::Unwritable, e,
                    QStringLiteral("output %1 exists and is not a regular file").arg(output));
                continue;
            }
            switch (options.conflict) {
            case archive::ConflictPolicy::Refuse:
                add(Kind::OutputExists, e, QStringLiteral("output %1 already exists (choose overwrite or a new name)").arg(output));
                break;
            case archive::ConflictPolicy::Overwrite:
                add(Kind::OutputExists, e, QStringLiteral("output %1 already exists and will be overwritten").arg(output), false);
                break;
            case archive::ConflictPolicy::RenameWithSuffix:
                add(Kind::OutputExists, e, QStringLiteral("output %1 already exists; the restore gets a new name").arg(output),
                    false);
                break;
            }
        }
        const QString dir = info.absolutePath();
        auto f = folders.constFind(dir);
        if (f == folders.constEnd())
            f = folders.insert(dir, checkFolder(dir));
        if (!f->ok)
            add(Kind::Unwritable, e, QStringLiteral("output %1 cannot be written: %2").arg(output, f->why));
    }

    if (store) {
        QStringList tombstones;
        QList<int> who;
        for (qsizetype i = 0; i < manifest.entries.size(); ++i) {
            if (!checked[size_t(i)] || manifest.entries.at(i).tombstone.isEmpty())
                continue;
            tombstones << manifest.entries.at(i).tombstone;
            who << int(i);
        }
        constexpr int kChunk = 500;
        for (qsizetype from = 0; from < tombstones.size(); from += kChunk) {
            if (cancel && cancel->load()) {
                report.error = QStringLiteral("Validation cancelled");
                break;
            }
            const QStringList chunk = tombstones.mid(from, kChunk);
            archive::ArchiveError err;
            QHash<QString, archive::ArchiveStore::TombstoneState> found;
            for (int attempt = 1; attempt <= 3; ++attempt) {
                found = store->lookupTombstones(chunk, &err);
                if (!err || !err.isTransient())
                    break;
                QThread::msleep(100 * attempt);  // a dropped connection reconnects on the next call
            }
            if (err) {
                report.error = QStringLiteral("Cannot look the tombstones up in %1: %2")
                                   .arg(store->location().redactedUrl, err.message);
                break;
            }
            for (qsizetype k = 0; k < chunk.size(); ++k) {
                const ManifestEntry &e = manifest.entries.at(who.at(from + k));
                const auto it = found.constFind(chunk.at(k));
                if (it == found.constEnd())
                    add(Kind::UnknownTombstone, e,
                        QStringLiteral("tombstone %1 is not in the archive %2").arg(e.tombstone, store->location().redactedUrl));
                else if (it->purged)
                    add(Kind::Purged, e,
                        QStringLiteral("tombstone %1: the artifact payload has been purged; bytes unavailable").arg(e.tombstone));
            }
        }
    }
    std::stable_sort(report.issues.begin(), report.issues.end(),
                     [](const ValidationIssue &a, const ValidationIssue &b) { return a.index < b.index; });
    return report;
}

}  // namespace

QString issueKindName(ValidationIssue::Kind kind)
{
    switch (kind) {
    case Kind::UnknownTombstone:
        return QStringLiteral("unknown tombstone");
    case Kind::Purged:
        return QStringLiteral("purged");
    case Kind::DuplicateOutput:
        return QStringLiteral("duplicate output");
    case Kind::OutputExists:
        return QStringLiteral("output exists");
    case Kind::Unwritable:
        return QStringLiteral("unwritable");
    case Kind::EscapesRoot:
        return QStringLiteral("outside the restore root");
    case Kind::MissingActor:
        return QStringLiteral("missing actor");
    }
    return QString();
}

QList<int> ValidationReport::blockedIndexes() const
{
    QList<int> out;
    for (const ValidationIssue &i : issues)
        if (i.blocking && i.index >= 0)
            out << i.index;
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

int ValidationReport::blockingCount() const
{
    return int(std::count_if(issues.cbegin(), issues.cend(), [](const ValidationIssue &i) { return i.blocking; }));
}

ValidationReport BatchValidator::validate(const Manifest &manifest, const BatchOptions &options,
                                          archive::ArchiveStore &store, const std::atomic_bool *cancel)
{
    return run(manifest, options, &store, nullptr, cancel);
}

ValidationReport BatchValidator::validateIndexes(const Manifest &manifest, const BatchOptions &options,
                                                 archive::ArchiveStore &store, const QList<int> &indexes,
                                                 const std::atomic_bool *cancel)
{
    return run(manifest, options, &store, &indexes, cancel);
}

ValidationReport BatchValidator::validatePaths(const Manifest &manifest, const BatchOptions &options)
{
    return run(manifest, options, nullptr, nullptr, nullptr);
}

}  // namespace codex::batch
