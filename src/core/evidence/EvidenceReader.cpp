#include "evidence/EvidenceReader.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>

namespace codex::evidence {

namespace {

constexpr qint64 kChunk = qint64(1) << 20;  // read 1 MiB at a time; memory stays O(chunk + longest line)

bool isBlank(const char *p, qsizetype n)
{
    for (qsizetype i = 0; i < n; ++i) {
        const char c = p[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v')
            return false;
    }
    return true;
}

}  // namespace

bool EvidenceReader::read(const QString &path, const RecordFn &onRecord, const ProblemFn &onProblem, qint64 fromOffset,
                          qint64 firstLine, qint64 *endOffset, qint64 *nextLine, QString *error)
{
    if (fromOffset < 0)
        fromOffset = 0;
    if (firstLine < 1)
        firstLine = 1;
    if (endOffset)
        *endOffset = fromOffset;
    if (nextLine)
        *nextLine = firstLine;

    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("Cannot read the evidence log %1: %2").arg(path, file.errorString());
        return false;
    }
    if (fromOffset > file.size()) {
        if (error)
            *error = QStringLiteral("The evidence log %1 is shorter (%2 bytes) than the position %3: it was truncated or replaced")
                         .arg(path)
                         .arg(file.size())
                         .arg(fromOffset);
        return false;
    }
    if (fromOffset > 0 && !file.seek(fromOffset)) {
        if (error)
            *error = QStringLiteral("Cannot seek in the evidence log %1: %2").arg(path, file.errorString());
        return false;
    }

    QByteArray buffer;          // unconsumed bytes; starts at file offset `bufferOffset`
    qint64 bufferOffset = fromOffset;
    qint64 line = firstLine;
    bool stopped = false;

    const auto handleLine = [&](const char *data, qsizetype length, qint64 offset) -> bool {
        // `length` excludes the '\n'; a CRLF line ends in '\r', which goes too.
        if (length > 0 && data[length - 1] == '\r')
            --length;
        // A UTF-8 byte order mark at the very start of the file is not part of the record.
        if (offset == 0 && length >= 3 && data[0] == '\xEF' && data[1] == '\xBB' && data[2] == '\xBF') {
            data += 3;
            length -= 3;
        }
        if (isBlank(data, length))
            return true;  // blank lines are skipped silently
        QJsonParseError parseError{};
        const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromRawData(data, length), &parseError);
        if (parseError.error != QJsonParseError::NoError) {
            if (onProblem)
                onProblem({line, QStringLiteral("not valid JSON: %1 at column %2")
                                     .arg(parseError.errorString())
                                     .arg(parseError.offset + 1)});
            return true;
        }
        if (!doc.isObject()) {
            if (onProblem)
                onProblem({line, QStringLiteral("not a JSON object")});
            return true;
        }
        EvidenceRecord record;
        record.line = line;
        record.offset = offset;
        record.fields = doc.object();
        const QJsonValue action = record.fields.value(QLatin1String("action"));
        if (action.isUndefined()) {
            if (onProblem)
                onProblem({line, QStringLiteral("no \"action\" field")});
            return true;
        }
        if (!action.isString() || action.toString().isEmpty()) {
            if (onProblem)
                onProblem({line, QStringLiteral("\"action\" is not a non-empty string")});
            return true;
        }
        record.action = action.toString();
        const QJsonValue ts = record.fields.value(QLatin1String("ts"));
        if (ts.isString())
            record.ts = ts.toString();
        return onRecord ? onRecord(record) : true;
    };

    while (!stopped) {
        const qsizetype old = buffer.size();
        buffer.resize(old + kChunk);
        const qint64 got = file.read(buffer.data() + old, kChunk);
        if (got < 0) {
            if (error)
                *error = QStringLiteral("Cannot read the evidence log %1: %2").arg(path, file.errorString());
            return false;
        }
        buffer.resize(old + got);
        if (got == 0)
            break;  // end of file; whatever is left has no newline yet

        qsizetype start = 0;
        for (;;) {
            const qsizetype nl = buffer.indexOf('\n', start);
            if (nl < 0)
                break;
            const qint64 lineOffset = bufferOffset + start;
            const bool more = handleLine(buffer.constData() + start, nl - start, lineOffset);
            start = nl + 1;
            ++line;
            // Progress is committed line by line, so a caller that stops (or fails) resumes
            // right after the last line it was given.
            if (endOffset)
                *endOffset = bufferOffset + start;
            if (nextLine)
                *nextLine = line;
            if (!more) {
                stopped = true;
                break;
            }
        }
        // Drop the consumed lines; the partial tail moves to the front (once per chunk, so the
        // cost is linear in the file size).
        if (start > 0) {
            buffer.remove(0, start);
            bufferOffset += start;
        }
    }
    // A trailing line without '\n' is left alone: *endOffset points at its start, so the next
    // call reads it once the writer has finished it.
    return true;
}

}  // namespace codex::evidence
