#include "common/Workspace.h"

#include <QDir>
#include <QFileInfo>

namespace codex {

Workspace::Workspace(const QString &root) : m_root(QDir(root).absolutePath()) {}

QString Workspace::codexDir() const
{
    return QDir(m_root).filePath(QStringLiteral(".codex"));
}

QString Workspace::archiveConfigPath() const
{
    return QDir(m_root).filePath(QStringLiteral(".codex/archive.toml"));
}

QString Workspace::evidenceLogPath() const
{
    return QDir(m_root).filePath(QStringLiteral(".codex/evidence/archive_ops.jsonl"));
}

QString Workspace::display(const QString &path) const
{
    const QString rel = QDir(m_root).relativeFilePath(path);
    return rel.startsWith(QLatin1String("..")) ? QDir::cleanPath(path) : rel;
}

QString Workspace::absolute(const QString &path) const
{
    return QDir::cleanPath(QDir(m_root).absoluteFilePath(path));
}

QString Workspace::choose(const QString &requested, const QString &currentDir, const QString &lastUsed)
{
    if (!requested.isEmpty())
        return QDir(currentDir).absoluteFilePath(requested);
    if (QFileInfo(QDir(currentDir).filePath(QStringLiteral(".codex"))).isDir())
        return currentDir;
    if (!lastUsed.isEmpty() && QFileInfo(lastUsed).isDir())
        return lastUsed;
    return currentDir;
}

}  // namespace codex
