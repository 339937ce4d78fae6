#include "config/ConfigEditor.h"

#include "common/TextDiff.h"
#include "common/Url.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace codex::config {

namespace {
constexpr qsizetype kHistoryLimit = 500;
}

ConfigEditor::ConfigEditor(QObject *parent) : QObject(parent)
{
    connect(&m_watcher, &QFileSystemWatcher::fileChanged, this, &ConfigEditor::onWatchedChange);
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this, &ConfigEditor::onWatchedChange);
}

void ConfigEditor::open(const PrecedenceProfile &profile, const ConfigInputs &inputs)
{
    m_profile = &profile;
    m_inputs = inputs;
    loadFromDisk();
}

void ConfigEditor::loadFromDisk()
{
    m_sources = ConfigResolver::load(*m_profile, m_inputs);
    const QString path = m_sources.file.editPath;
    m_displayPath = QDir(m_inputs.workspace).relativeFilePath(path);
    if (m_displayPath.startsWith(QLatin1String("..")))
        m_displayPath = path;
    QFile f(path);
    m_existsOnDisk = QFileInfo(path).isFile();
    m_diskBytes.clear();
    if (m_existsOnDisk && f.open(QIODevice::ReadOnly))
        m_diskBytes = f.readAll();
    m_diskDoc = TomlDocument::fromBytes(m_diskBytes);
    m_doc = m_diskDoc;
    m_history = {m_diskBytes};
    m_labels = {QString()};
    m_index = 0;
    rewatch();
    reresolve();
    Q_EMIT documentChanged();
}

void ConfigEditor::rewatch()
{
    if (!m_watcher.files().isEmpty())
        m_watcher.removePaths(m_watcher.files());
    if (!m_watcher.directories().isEmpty())
        m_watcher.removePaths(m_watcher.directories());
    const QString path = m_sources.file.editPath;
    if (QFileInfo::exists(path))
        m_watcher.addPath(path);
    const QString dir = QFileInfo(path).absolutePath();
    if (QFileInfo::exists(dir))
        m_watcher.addPath(dir);  // atomic saves by other editors replace the file: watch its folder too
}

void ConfigEditor::reresolve()
{
    FileChoice &file = m_sources.file;
    const bool pending = !m_existsOnDisk && !m_doc.bytes().isEmpty();
    if (pending && file.path.isEmpty() && m_profile->kind != ProfileKind::ArchiveB)
        file.path = file.editPath;  // a file being created where the profile looks takes effect once saved
    if (m_profile->kind == ProfileKind::ArchiveB && file.path.isEmpty() && (m_existsOnDisk || pending)) {
        file.ignoredPath = file.editPath;
        file.ignoredReason = QCoreApplication::translate("ConfigEditor",
                                 "ignored: generation B reads .codex/archive.toml only when --config or "
                                 "CODEX_ARCHIVE_CONFIG names it");
    }
    if (file.path == file.editPath)
        file.exists = m_existsOnDisk || pending;
    if (file.path == file.editPath || file.ignoredPath == file.editPath)
        m_sources.document = m_doc;
    m_sources.displayPath = m_displayPath;
    m_resolved = ConfigResolver::resolve(*m_profile, m_inputs, m_sources);
    Q_EMIT resolvedChanged();
}

void ConfigEditor::setEnvironment(const QMap<QString, QString> &environment)
{
    m_inputs.environment = environment;
    if (!m_profile)
        return;
    // The environment can choose the file (CODEX_ARCHIVE_CONFIG, CONFIG_FILE, XDG_CONFIG_HOME).
    FileChoice next = ConfigResolver::locate(*m_profile, m_inputs);
    if (next.editPath != m_sources.file.editPath) {
        if (!isModified()) {
            loadFromDisk();
            return;
        }
        // Unsaved edits belong to the file being edited: keep it until they are saved or dropped.
    } else {
        m_sources.file = next;
    }
    reresolve();
}

void ConfigEditor::setOverrides(const QList<QPair<QString, QString>> &overrides)
{
    m_inputs.overrides = overrides;
    reresolve();
}

ConfigEditor::Result ConfigEditor::setValue(const QString &key, const QVariant &value)
{
    if (hasParseError())
        return {false, QCoreApplication::translate("ConfigEditor", "%1 cannot be edited here: %2")
                           .arg(m_displayPath, m_diskDoc.error().describe(m_displayPath)), {}};
    const ConfigSchema &schema = m_profile->schema();
    const SchemaKey *sk = schema.find(key);
    if (!sk)
        return {false, QCoreApplication::translate("ConfigEditor",
                           "'%1' is not a setting of %2").arg(key, m_profile->title), {}};
    if (const auto broken = schema.check(*sk, value))
        return {false, QCoreApplication::translate("ConfigEditor", "%1 = %2 refused: %3")
                           .arg(key, ConfigResolver::displayValue(*sk, value), *broken), {}};
    TomlDocument next = m_doc;
    TomlError error;
    if (!next.setValue(key, value, &error))
        return {false, error.describe(m_displayPath), {}};
    if (next.bytes() == m_doc.bytes())
        return {true, {}, {}};
    applyDocument(next, QCoreApplication::translate("ConfigEditor",
                            "Set %1 = %2").arg(key, ConfigResolver::displayValue(*sk, value)));
    return {true, {}, {}};
}

ConfigEditor::Result ConfigEditor::unsetKey(const QString &key)
{
    if (hasParseError())
        return {false, QCoreApplication::translate("ConfigEditor", "%1 cannot be edited here: %2")
                           .arg(m_displayPath, m_diskDoc.error().describe(m_displayPath)), {}};
    if (!m_doc.find(key))
        return {true, {}, {}};
    TomlDocument next = m_doc;
    TomlError error;
    if (!next.removeKey(key, &error))
        return {false, error.describe(m_displayPath), {}};
    applyDocument(next, QCoreApplication::translate("ConfigEditor", "Remove %1").arg(key));
    return {true, {}, {}};
}

void ConfigEditor::applyDocument(const TomlDocument &doc, const QString &label)
{
    m_history.resize(m_index + 1);
    m_labels.resize(m_index + 1);
    m_history.append(doc.bytes());
    m_labels.append(label);
    if (m_history.size() > kHistoryLimit) {
        m_history.removeFirst();
        m_labels.removeFirst();
    }
    m_index = m_history.size() - 1;
    m_doc = doc;
    reresolve();
    Q_EMIT documentChanged();
}

QString ConfigEditor::undoText() const
{
    return canUndo() ? m_labels[m_index] : QString();
}

QString ConfigEditor::redoText() const
{
    return canRedo() ? m_labels[m_index + 1] : QString();
}

void ConfigEditor::undo()
{
    if (!canUndo())
        return;
    m_doc = TomlDocument::fromBytes(m_history[--m_index]);
    reresolve();
    Q_EMIT documentChanged();
}

void ConfigEditor::redo()
{
    if (!canRedo())
        return;
    m_doc = TomlDocument::fromBytes(m_history[++m_index]);
    reresolve();
    Q_EMIT documentChanged();
}

QString ConfigEditor::diff() const
{
    return TextDiff::unified(m_diskBytes, m_doc.bytes(), QStringLiteral("a/") + m_displayPath,
                             QStringLiteral("b/") + m_displayPath);
}

QList<ConfigIssue> ConfigEditor::validate() const
{
    // The same text validates the same way: save() after an edit reuses the edit's check.
    if (m_validatedBytes.isNull() || m_validatedBytes.constData() != m_doc.bytes().constData()
        || m_validatedBytes != m_doc.bytes()) {
        m_validation = ConfigResolver::validateDocument(*m_profile, m_doc, m_displayPath);
        m_validatedBytes = m_doc.bytes();
    }
    return m_validation;
}

bool ConfigEditor::changedOnDisk() const
{
    const QString path = filePath();
    const bool exists = QFileInfo(path).isFile();
    if (exists != m_existsOnDisk)
        return true;
    if (!exists)
        return false;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return true;
    return f.readAll() != m_diskBytes;
}

ConfigEditor::Result ConfigEditor::save(bool overwriteExternalChange)
{
    const QString path = filePath();
    if (hasParseError())
        return {false, QCoreApplication::translate("ConfigEditor",
                           "Not saved: %1").arg(m_diskDoc.error().describe(m_displayPath)), {}};
    for (const ConfigIssue &issue : validate())
        if (issue.severity == Severity::Error)
            return {false, QCoreApplication::translate("ConfigEditor",
                               "Not saved: %1").arg(redactSecrets(issue.message)), {}};
    if (!isModified() && m_existsOnDisk)
        return {true, QCoreApplication::translate("ConfigEditor", "No changes to save"), {}};
    if (!overwriteExternalChange && changedOnDisk())
        return {false, QCoreApplication::translate("ConfigEditor",
                           "Not saved: %1 was changed on disk since it was opened; reload it or choose to overwrite")
                           .arg(m_displayPath), {}};
    const QFileInfo info(path);
    if (info.exists() && !(info.permissions() & QFileDevice::WriteOwner))
        return {false, QCoreApplication::translate("ConfigEditor",
                           "Not saved: %1 is read-only; nothing was changed").arg(m_displayPath), {}};
    if (!QDir().mkpath(info.absolutePath()))
        return {false, QCoreApplication::translate("ConfigEditor",
                           "Not saved: cannot create the folder %1").arg(info.absolutePath()), {}};

    Result result{true, {}, {}};
    if (info.exists()) {
        // A timestamped copy of what was on disk, written before the file is replaced.
        QFile current(path);
        if (!current.open(QIODevice::ReadOnly))
            return {false, QCoreApplication::translate("ConfigEditor",
                               "Not saved: cannot read %1 to back it up: %2").arg(m_displayPath, current.errorString()), {}};
        const QByteArray previous = current.readAll();
        const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
        QString backup = QStringLiteral("%1.%2.bak").arg(path, stamp);
        for (int n = 1; QFileInfo::exists(backup); ++n)
            backup = QStringLiteral("%1.%2-%3.bak").arg(path, stamp).arg(n);
        QSaveFile b(backup);
        if (!b.open(QIODevice::WriteOnly) || b.write(previous) != previous.size() || !b.commit())
            return {false, QCoreApplication::translate("ConfigEditor",
                               "Not saved: the backup %1 could not be written: %2").arg(backup, b.errorString()), {}};
        result.backupPath = backup;
    }
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly))
        return {false, QCoreApplication::translate("ConfigEditor",
                           "Not saved: %1: %2").arg(m_displayPath, out.errorString()), {}};
    const QByteArray bytes = m_doc.bytes();
    if (out.write(bytes) != bytes.size() || !out.commit())
        return {false, QCoreApplication::translate("ConfigEditor",
                           "Not saved: writing %1 failed: %2; the previous file is untouched")
                           .arg(m_displayPath, out.errorString()), {}};
    if (info.exists())
        QFile::setPermissions(path, info.permissions());
    m_diskBytes = bytes;
    m_diskDoc = m_doc;
    m_existsOnDisk = true;
    result.message = result.backupPath.isEmpty()
                         ? QCoreApplication::translate("ConfigEditor", "Saved %1").arg(m_displayPath)
                         : QCoreApplication::translate("ConfigEditor", "Saved %1 (previous version kept as %2)")
                               .arg(m_displayPath, QFileInfo(result.backupPath).fileName());
    // Re-locate (a newly created file may now be the one the profile discovers) without
    // re-reading what was just written: the edited document is the file's content.
    const FileChoice before = m_sources.file;
    m_sources.file = ConfigResolver::locate(*m_profile, m_inputs);
    rewatch();
    const bool sameChoice = before.path == m_sources.file.path && before.exists == m_sources.file.exists
                            && before.ignoredPath == m_sources.file.ignoredPath;
    if (!sameChoice)
        reresolve();  // the saved file is now (or no longer) the one the profile reads
    else
        m_sources.file = before;  // what was resolved already described the saved text
    Q_EMIT documentChanged();
    return result;
}

void ConfigEditor::reload()
{
    loadFromDisk();
}

void ConfigEditor::onWatchedChange()
{
    rewatch();
    if (!changedOnDisk())
        return;  // our own save, or a touch without a change
    if (isModified()) {
        Q_EMIT externalChangeWithEdits();
        return;
    }
    loadFromDisk();
    Q_EMIT reloadedFromDisk();
}

}  // namespace codex::config
