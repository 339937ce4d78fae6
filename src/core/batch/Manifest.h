#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace codex::batch {

/// One restore of a manifest.
struct ManifestEntry {
    int index = 0;           ///< 0-based position in the manifest
    int line = 0;            ///< CSV: 1-based line in the file (the header is line 1); JSON: 0
    QString tombstone;       ///< trimmed
    QString output;          ///< as written in the manifest
    QString resolvedOutput;  ///< absolute and cleaned: relative outputs resolve against the manifest's folder
    QString actor;           ///< the entry's own actor (trimmed), empty when the default applies
};

/// Why a manifest cannot be used. Names the entry ("entry 3", counted from 1 like an admin
/// counts, or "line 7" for CSV) and the field when there is one.
struct ManifestError {
    QString message;  ///< full sentence: "Manifest batch.csv, line 7: field 'output' is empty"
    int index = -1;   ///< entry index (0-based), -1 for whole-file errors
    int line = 0;     ///< CSV line, or the JSON line of a syntax error
    QString field;    ///< "tombstone", "output", "actor" or empty
};

/// The reference's batch manifest: JSON (a list of entries or an object with an "items" list)
/// or CSV with a header row naming `tombstone,output[,actor]` (any column order, extra columns
/// ignored, UTF-8 with or without BOM, quoted fields per RFC 4180). Entry fields: tombstone and
/// output required, actor optional. An empty manifest is an error. The format comes from the
/// suffix (.json/.jsonl → JSON, .csv → CSV), other suffixes are an error as in the reference.
class Manifest {
public:
    enum class Format { Json, Csv };

    QString path;     ///< absolute path of the file it was read from (empty when built in memory)
    QString baseDir;  ///< folder relative outputs resolve against
    Format format = Format::Json;
    QList<ManifestEntry> entries;

    /// Reads and parses a file. Every entry error is collected (not only the first), so the admin
    /// can fix them in one go; returns nullopt when there is any error.
    static std::optional<Manifest> load(const QString &path, QList<ManifestError> *errors);
    /// Parses bytes; `displayName` names the source in messages.
    static std::optional<Manifest> parse(const QByteArray &bytes, Format format, const QString &baseDir,
                                         const QString &displayName, QList<ManifestError> *errors);
    /// Builds a manifest in memory (e.g. from the Archive page's selection).
    static Manifest fromEntries(const QString &baseDir, const QList<ManifestEntry> &entries);

    /// Serialises in `format` (JSON: {"items":[{tombstone, output, actor?}]}, indented; CSV: header
    /// + rows, quoted where needed). Outputs are written relative to `baseDir` when inside it.
    QByteArray serialize(Format format) const;
    /// Writes atomically (QSaveFile); the format follows the suffix. Never leaves a partial file.
    bool save(const QString &path, QString *error) const;
};

}  // namespace codex::batch
