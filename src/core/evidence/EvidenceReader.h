#pragma once

#include <QJsonObject>
#include <QString>

#include <functional>

namespace codex::evidence {

/// One well-formed line of archive_ops.jsonl. Unknown actions and fields are kept as they are.
struct EvidenceRecord {
    qint64 line = 0;    ///< 1-based line number in the file
    qint64 offset = 0;  ///< byte offset of the line
    QString action;
    QString ts;
    QJsonObject fields;  ///< the whole object, action and ts included
};

/// A line that is not a JSON object (or lacks `action`): reported, never fatal.
struct EvidenceProblem {
    qint64 line = 0;
    QString message;
};

/// Streams archive_ops.jsonl of any size without loading it whole, from a byte offset so a
/// viewer can tail the file as it grows.
class EvidenceReader {
public:
    using RecordFn = std::function<bool(const EvidenceRecord &)>;  ///< return false to stop
    using ProblemFn = std::function<void(const EvidenceProblem &)>;

    /// Reads complete lines from `fromOffset` (line numbers continue from `firstLine`). A last
    /// line without its newline is left for the next call (a writer may be mid-append).
    /// Returns false with *error when the file cannot be read; *endOffset/*nextLine say where to
    /// continue.
    static bool read(const QString &path, const RecordFn &onRecord, const ProblemFn &onProblem, qint64 fromOffset = 0,
                     qint64 firstLine = 1, qint64 *endOffset = nullptr, qint64 *nextLine = nullptr,
                     QString *error = nullptr);
};

}  // namespace codex::evidence
