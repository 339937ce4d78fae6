#pragma once

#include "archive/ArchiveTypes.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace codex::archive {

/// The reference archive schema (codex.archive.schema bundles) for each SQL dialect, plus the
/// indexes Codex Admin adds to archives it creates itself.
class ArchiveSchema {
public:
    /// One DDL statement and the reference table it belongs to.
    struct Statement {
        QString table;
        QString sql;
    };

    /// artifact, item, event, tag, referent — the tables every archive has.
    static QStringList tableNames();
    /// CREATE TABLE / CREATE INDEX statements in dependency order (all IF NOT EXISTS).
    static QList<Statement> statements(Backend backend);
    /// Indexes only Codex Admin adds, to archives it creates: SQLite gets an index on the
    /// normalised archived_at so ORDER BY archived_at and paging use an index for both timestamp forms.
    static QList<Statement> extraIndexes(Backend backend);

    /// SQL expression turning a text timestamp of either form ("YYYY-MM-DDTHH:MM:SSZ" or
    /// "YYYY-MM-DD HH:MM:SS") into "YYYY-MM-DD HH:MM:SS", which sorts and compares correctly.
    /// The same text works in SQLite, PostgreSQL and MariaDB.
    static QString normalizedTimestamp(const QString &column);
};

}  // namespace codex::archive
