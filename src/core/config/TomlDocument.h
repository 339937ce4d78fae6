#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QVariant>

#include <memory>
#include <optional>

namespace codex::config {

/// A position inside a TOML file, 1-based like an editor shows it (column counts characters).
struct TomlPosition {
    int line = 0;
    int column = 0;
    bool isValid() const { return line > 0; }
};

/// Why a TOML text could not be parsed or an edit could not be applied.
struct TomlError {
    TomlPosition position;  ///< where the problem is; invalid when it is not tied to a place
    QString message;        ///< human text without the file name
    /// "archive.toml:3:7: expected '='" — the form every error shown to the admin takes.
    QString describe(const QString &sourceName) const;
};

/// The TOML type a value has in the file, so validation can say "a string where a bool belongs".
enum class TomlType { String, Integer, Float, Boolean, Date, Time, DateTime, Array, Table };

/// One key = value leaf of the document, with the place its value starts.
struct TomlEntry {
    QString key;          ///< dotted path of bare or quoted components: "retry.enabled", "plugins.codex.x"
    QVariant value;       ///< bool, qint64, double, QString, QDate/QTime/QDateTime, QVariantList, QVariantMap
    TomlType type = TomlType::String;
    TomlPosition position;  ///< where the value (not the key) begins
};

/// A TOML file held as its exact bytes, parsed with toml++, and edited in place so that every
/// byte outside the edited value stays as it was (comments, order, blank lines, CRLF endings).
class TomlDocument {
public:
    TomlDocument();
    ~TomlDocument();
    TomlDocument(const TomlDocument &other);
    TomlDocument &operator=(const TomlDocument &other);
    TomlDocument(TomlDocument &&other) noexcept;
    TomlDocument &operator=(TomlDocument &&other) noexcept;

    /// Parses bytes; never throws. Invalid UTF-8 or bad syntax leaves isValid() false with error().
    static TomlDocument fromBytes(const QByteArray &bytes);

    bool isValid() const;
    const TomlError &error() const;
    const QByteArray &bytes() const;
    bool usesCrlf() const;  ///< true when the file's first line ending is CRLF; inserted lines follow it

    /// Every leaf value (tables are descended into; arrays and inline tables are leaves), in file order.
    const QList<TomlEntry> &entries() const;
    std::optional<TomlEntry> find(const QString &dottedKey) const;
    /// Whether a table with this dotted name exists (by header, dotted keys or inline table).
    bool hasTable(const QString &dottedTable) const;

    /// Sets dottedKey to value (bool, integer, double, QString; QVariantList of those).
    /// Existing key: only the value's bytes are replaced (a string keeps its quote style when it
    /// can). Missing key: one line "name = value" is added at the end of its table's key/value
    /// lines (before trailing blank lines and comments); a missing table is appended as a new
    /// "[table]" section at the end of the file. Returns false and sets *error when the key
    /// cannot be placed (e.g. its parent is not a table) — the document is unchanged then.
    bool setValue(const QString &dottedKey, const QVariant &value, TomlError *error = nullptr);

    /// Removes the key's whole line (with its line ending and trailing comment); a key inside
    /// an inline table is removed from it with its comma. False when the key does not exist.
    bool removeKey(const QString &dottedKey, TomlError *error = nullptr);

    /// The TOML spelling of a value as setValue would write it ("true", "3", "1.5", "\"x\"").
    static QString formatValue(const QVariant &value);

private:
    struct Data;
    std::unique_ptr<Data> d;
    void reparse();
};

}  // namespace codex::config
