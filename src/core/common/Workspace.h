#pragma once

#include <QString>

namespace codex {

/// A workspace: a folder holding .codex/ (archive.toml, archive.sqlite, evidence/). Paths the
/// reference tools resolve relative to the current folder are resolved relative to it.
class Workspace {
public:
    Workspace() = default;
    explicit Workspace(const QString &root);

    bool isValid() const { return !m_root.isEmpty(); }
    QString root() const { return m_root; }
    QString codexDir() const;
    QString archiveConfigPath() const;  ///< .codex/archive.toml
    QString evidenceLogPath() const;    ///< .codex/evidence/archive_ops.jsonl
    /// A path relative to the workspace when inside it, else absolute.
    QString display(const QString &path) const;
    QString absolute(const QString &path) const;

    /// The folder to open: --workspace if given, else the current folder when it holds .codex/,
    /// else the last workspace used (QSettings), else the current folder.
    static QString choose(const QString &requested, const QString &currentDir, const QString &lastUsed);

private:
    QString m_root;
};

}  // namespace codex
