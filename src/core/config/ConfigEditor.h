#pragma once

#include "config/ConfigResolver.h"

#include <QByteArray>
#include <QFileSystemWatcher>
#include <QObject>
#include <QStringList>

namespace codex::config {

/// An editing session on one configuration file: typed edits that touch only the edited bytes,
/// undo/redo, a what-if environment, live re-resolution, diff, safe saving and disk watching.
class ConfigEditor : public QObject {
    Q_OBJECT
public:
    struct Result {
        bool ok = false;
        QString message;     ///< what went wrong (or what was done), naming key, value and rule
        QString backupPath;  ///< save(): the timestamped copy of the previous file, if there was one
    };

    explicit ConfigEditor(QObject *parent = nullptr);

    /// Opens the file the profile reads (or would create) for this workspace. Never fails:
    /// a malformed file opens read-only with parseError() set.
    void open(const PrecedenceProfile &profile, const ConfigInputs &inputs);

    const PrecedenceProfile &profile() const { return *m_profile; }
    const ConfigInputs &inputs() const { return m_inputs; }
    const ResolvedConfig &resolved() const { return m_resolved; }
    const TomlDocument &document() const { return m_doc; }
    const ConfigSources &sources() const { return m_sources; }

    QString filePath() const { return m_sources.file.editPath; }
    QString displayPath() const { return m_displayPath; }
    bool fileExists() const { return m_existsOnDisk; }
    /// Whether the profile actually reads the edited file (generation B may not).
    bool fileIsRead() const { return !m_sources.file.path.isEmpty() && m_sources.file.path == m_sources.file.editPath; }
    bool hasParseError() const { return m_existsOnDisk && !m_diskDoc.isValid(); }
    const TomlError &parseError() const { return m_diskDoc.error(); }
    QByteArray diskBytes() const { return m_diskBytes; }

    void setEnvironment(const QMap<QString, QString> &environment);
    void setOverrides(const QList<QPair<QString, QString>> &overrides);

    Result setValue(const QString &key, const QVariant &value);
    Result unsetKey(const QString &key);

    bool isModified() const { return m_doc.bytes() != m_diskBytes; }
    bool canUndo() const { return m_index > 0; }
    bool canRedo() const { return m_index + 1 < m_history.size(); }
    QString undoText() const;
    QString redoText() const;
    void undo();
    void redo();

    /// Unified diff from the file on disk to the edited text; empty when unchanged.
    QString diff() const;
    /// Issues that would stop a save (errors) or deserve a look (warnings) in the edited text.
    QList<ConfigIssue> validate() const;

    /// Saves atomically after checking: parses, no rule broken, file still as loaded (unless
    /// overwriteExternalChange), file writable. Keeps a timestamped backup of the previous file.
    Result save(bool overwriteExternalChange = false);
    /// Discards edits and reads the file again.
    void reload();
    /// The file on disk differs from what was loaded (someone else changed it).
    bool changedOnDisk() const;

Q_SIGNALS:
    void resolvedChanged();
    void documentChanged();
    /// The file changed on disk while there are unsaved edits: the UI asks what to do.
    void externalChangeWithEdits();
    /// The file changed on disk and was reloaded because there were no edits.
    void reloadedFromDisk();

private:
    void loadFromDisk();
    void applyDocument(const TomlDocument &doc, const QString &label);
    void reresolve();
    void onWatchedChange();
    void rewatch();

    const PrecedenceProfile *m_profile = nullptr;
    ConfigInputs m_inputs;
    ConfigSources m_sources;
    ResolvedConfig m_resolved;
    TomlDocument m_doc;      ///< the edited text
    TomlDocument m_diskDoc;  ///< as loaded
    QByteArray m_diskBytes;
    bool m_existsOnDisk = false;
    QString m_displayPath;
    QList<QByteArray> m_history;
    QStringList m_labels;
    qsizetype m_index = 0;
    QFileSystemWatcher m_watcher;
    mutable QByteArray m_validatedBytes;
    mutable QList<ConfigIssue> m_validation;
};

}  // namespace codex::config
