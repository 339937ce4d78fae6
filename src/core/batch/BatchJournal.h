#pragma once

#include "batch/BatchTypes.h"
#include "batch/Manifest.h"

#include <QFile>
#include <QHash>
#include <QMutex>
#include <QString>

#include <optional>

namespace codex::batch {

/// The resume journal of a run: JSON lines (keys sorted, like the evidence log), appended with
/// write() (no buffering in our process, so a SIGKILL loses at most the line being written; a
/// torn last line is ignored on reading). The records carry these fields:
///  line 1: {"journal":"codex-admin batch","version":1,"manifest":PATH,"manifest_sha256":HEX,
///           "actor":A,"restore_root":R,"started":TS,"results":PATH}
///  then per finished item: {"i":INDEX,"status":"SUCCESS"|"FAILED","output":PATH,"sha256":HEX,
///           "bytes":N,"attempts":N,"duration_ms":N[,"detail":TEXT]}
///  and at the end: {"finished":TS,"succeeded":N,"failed":N}
class BatchJournal {
public:
    struct Header {
        QString manifestPath;
        QString manifestSha256;
        QString actor;
        QString restoreRoot;
        QString started;
        QString resultsPath;
    };
    struct Record {
        int index = -1;
        ItemStatus status = ItemStatus::Pending;
        QString output;
        QString sha256;
        qint64 bytes = 0;
        int attempts = 0;
        qint64 durationMs = 0;
        QString detail;
    };
    struct Contents {
        Header header;
        QHash<int, Record> records;  ///< last record per index
        bool finished = false;
        int ignoredLines = 0;        ///< torn or malformed lines (reported, not fatal)
    };

    /// Creates a new journal (fails if the file exists) and writes the header.
    bool create(const QString &path, const Header &header, QString *error);
    /// Opens an existing journal for appending (a resumed run continues the same file).
    bool openForAppend(const QString &path, QString *error);
    /// Thread-safe; one write() per record.
    bool append(const Record &record, QString *error);
    bool finish(int succeeded, int failed, QString *error);
    QString path() const { return m_file.fileName(); }

    static std::optional<Contents> read(const QString &path, QString *error);

private:
    bool writeLine(const QByteArray &line, QString *error);
    QFile m_file;
    QMutex m_mutex;
};

}  // namespace codex::batch
