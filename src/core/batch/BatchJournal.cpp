#include "batch/BatchJournal.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>

namespace codex::batch {

namespace {

constexpr char kMagic[] = "codex-admin batch";

QString statusText(ItemStatus s)
{
    return s == ItemStatus::Succeeded ? QStringLiteral("SUCCESS") : statusName(s);
}

ItemStatus statusFrom(const QString &text)
{
    if (text == QLatin1String("SUCCESS"))
        return ItemStatus::Succeeded;
    if (text == QLatin1String("FAILED"))
        return ItemStatus::Failed;
    if (text == QLatin1String("SKIPPED"))
        return ItemStatus::Skipped;
    if (text == QLatin1String("CANCELLED"))
        return ItemStatus::Cancelled;
    if (text == QLatin1String("BLOCKED"))
        return ItemStatus::Blocked;
    return ItemStatus::Pending;
}

QByteArray line(const QJsonObject &o)
{
    QByteArray bytes = QJsonDocument(o).toJson(QJsonDocument::Compact);
    bytes.append('\n');
    return bytes;
}

}  // namespace

bool BatchJournal::create(const QString &path, const Header &header, QString *error)
{
    QMutexLocker lock(&m_mutex);
    if (m_file.isOpen())
        m_file.close();
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        if (error)
            *error = QStringLiteral("Cannot create the folder %1 for the journal").arg(info.absolutePath());
        return false;
    }
    m_file.setFileName(path);
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::NewOnly | QIODevice::Unbuffered)) {
        if (error)
            *error = QStringLiteral("Cannot create the journal %1: %2").arg(path, m_file.errorString());
        return false;
    }
    const QJsonObject o{{QStringLiteral("journal"), QLatin1String(kMagic)},
                        {QStringLiteral("version"), 1},
                        {QStringLiteral("manifest"), header.manifestPath},
                        {QStringLiteral("manifest_sha256"), header.manifestSha256},
                        {QStringLiteral("actor"), header.actor},
                        {QStringLiteral("restore_root"), header.restoreRoot},
                        {QStringLiteral("started"), header.started},
                        {QStringLiteral("results"), header.resultsPath}};
    lock.unlock();
    return writeLine(line(o), error);
}

bool BatchJournal::openForAppend(const QString &path, QString *error)
{
    QMutexLocker lock(&m_mutex);
    if (m_file.isOpen())
        m_file.close();
    m_file.setFileName(path);
    if (!m_file.exists()) {
        if (error)
            *error = QStringLiteral("The journal %1 does not exist").arg(path);
        return false;
    }
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered)) {
        if (error)
            *error = QStringLiteral("Cannot append to the journal %1: %2").arg(path, m_file.errorString());
        return false;
    }
    // A torn last line (the process was killed while writing it) must not glue onto ours.
    QFile reader(path);
    if (reader.open(QIODevice::ReadOnly) && reader.size() > 0 && reader.seek(reader.size() - 1)) {
        char last = 0;
        if (reader.getChar(&last) && last != '\n')
            m_file.write("\n", 1);
    }
    return true;
}

bool BatchJournal::append(const Record &record, QString *error)
{
    QJsonObject o{{QStringLiteral("i"), record.index},
                  {QStringLiteral("status"), statusText(record.status)},
                  {QStringLiteral("output"), record.output},
                  {QStringLiteral("sha256"), record.sha256},
                  {QStringLiteral("bytes"), record.bytes},
                  {QStringLiteral("attempts"), record.attempts},
                  {QStringLiteral("duration_ms"), record.durationMs}};
    if (!record.detail.isEmpty())
        o.insert(QStringLiteral("detail"), record.detail);
    return writeLine(line(o), error);
}

bool BatchJournal::finish(int succeeded, int failed, QString *error)
{
    const QJsonObject o{{QStringLiteral("finished"),
                         QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss'Z'"))},
                        {QStringLiteral("succeeded"), succeeded},
                        {QStringLiteral("failed"), failed}};
    return writeLine(line(o), error);
}

bool BatchJournal::writeLine(const QByteArray &bytes, QString *error)
{
    QMutexLocker lock(&m_mutex);
    if (!m_file.isOpen()) {
        if (error)
            *error = QStringLiteral("The journal is not open");
        return false;
    }
    // Unbuffered: QFile hands the whole line to one write() call.
    if (m_file.write(bytes) != bytes.size()) {
        if (error)
            *error = QStringLiteral("Cannot write the journal %1: %2").arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    return true;
}

std::optional<BatchJournal::Contents> BatchJournal::read(const QString &path, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("Cannot read the journal %1: %2").arg(path, f.errorString());
        return std::nullopt;
    }
    Contents c;
    bool haveHeader = false;
    int lineNo = 0;
    while (!f.atEnd()) {
        const QByteArray raw = f.readLine();
        ++lineNo;
        const QByteArray text = raw.trimmed();
        if (text.isEmpty())
            continue;
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(text, &pe);
        if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
            if (!haveHeader) {
                if (error)
                    *error = QStringLiteral("%1 is not a batch journal (line %2 is not JSON: %3)")
                                 .arg(path)
                                 .arg(lineNo)
                                 .arg(pe.errorString());
                return std::nullopt;
            }
            ++c.ignoredLines;
            continue;
        }
        const QJsonObject o = doc.object();
        if (!haveHeader) {
            if (o.value(QStringLiteral("journal")).toString() != QLatin1String(kMagic)) {
                if (error)
                    *error = QStringLiteral("%1 is not a batch journal (no \"journal\":\"%2\" header)")
                                 .arg(path, QLatin1String(kMagic));
                return std::nullopt;
            }
            if (o.value(QStringLiteral("version")).toInt() != 1) {
                if (error)
                    *error = QStringLiteral("%1: unsupported journal version %2")
                                 .arg(path)
                                 .arg(o.value(QStringLiteral("version")).toInt());
                return std::nullopt;
            }
            Header &h = c.header;
            h.manifestPath = o.value(QStringLiteral("manifest")).toString();
            h.manifestSha256 = o.value(QStringLiteral("manifest_sha256")).toString();
            h.actor = o.value(QStringLiteral("actor")).toString();
            h.restoreRoot = o.value(QStringLiteral("restore_root")).toString();
            h.started = o.value(QStringLiteral("started")).toString();
            h.resultsPath = o.value(QStringLiteral("results")).toString();
            haveHeader = true;
            continue;
        }
        if (o.contains(QStringLiteral("finished"))) {
            c.finished = true;
            continue;
        }
        if (!o.value(QStringLiteral("i")).isDouble()) {
            ++c.ignoredLines;
            continue;
        }
        Record r;
        r.index = o.value(QStringLiteral("i")).toInt(-1);
        r.status = statusFrom(o.value(QStringLiteral("status")).toString());
        r.output = o.value(QStringLiteral("output")).toString();
        r.sha256 = o.value(QStringLiteral("sha256")).toString();
        r.bytes = o.value(QStringLiteral("bytes")).toInteger();
        r.attempts = o.value(QStringLiteral("attempts")).toInt();
        r.durationMs = o.value(QStringLiteral("duration_ms")).toInteger();
        r.detail = o.value(QStringLiteral("detail")).toString();
        if (r.index < 0) {
            ++c.ignoredLines;
            continue;
        }
        c.records.insert(r.index, r);
        c.finished = false;  // a resumed run appended after an earlier end
    }
    if (!haveHeader) {
        if (error)
            *error = QStringLiteral("%1 is an empty journal").arg(path);
        return std::nullopt;
    }
    return c;
}

}  // namespace codex::batch
