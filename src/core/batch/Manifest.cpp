#include "batch/Manifest.h"

#include "common/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace codex::batch {

namespace {

constexpr char kTombstone[] = "tombstone";
constexpr char kOutput[] = "output";
constexpr char kActor[] = "actor";

QByteArray withoutBom(const QByteArray &bytes)
{
    if (bytes.startsWith("\xEF\xBB\xBF"))
        return bytes.mid(3);
    return bytes;
}

/// 1-based line and column (in characters) of a byte offset.
QPair<int, int> lineColumn(const QByteArray &bytes, qsizetype offset)
{
    offset = std::clamp<qsizetype>(offset, 0, bytes.size());
    int line = 1;
    qsizetype lineStart = 0;
    for (qsizetype i = 0; i < offset; ++i) {
        if (bytes.at(i) == '\n') {
            ++line;
            lineStart = i + 1;
        }
    }
    const int column = int(QString::fromUtf8(bytes.constData() + lineStart, offset - lineStart).size()) + 1;
    return {line, column};
}

QString resolveOutput(const QString &baseDir, const QString &output)
{
    if (output.isEmpty())
        return {};
    QString path = output;
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/")))
        path = QDir::homePath() + path.mid(1);
    const QString base = baseDir.isEmpty() ? QDir::currentPath() : baseDir;
    return QDir::cleanPath(QFileInfo(path).isAbsolute() ? path : QDir(base).absoluteFilePath(path));
}

/// Where an entry is, for messages: "entry 3" or "line 7 (entry 6)".
QString where(const ManifestEntry &e)
{
    if (e.line > 0)
        return QStringLiteral("line %1 (entry %2)").arg(e.line).arg(e.index + 1);
    return QStringLiteral("entry %1").arg(e.index + 1);
}

struct Collector {
    QString displayName;
    QList<ManifestError> *errors;
    int count = 0;

    void add(const QString &what, int index, int line, const QString &field)
    {
        ++count;
        if (!errors)
            return;
        ManifestError e;
        e.message = QStringLiteral("Manifest %1, %2").arg(displayName, what);
        e.index = index;
        e.line = line;
        e.field = field;
        errors->append(e);
    }
    void fileError(const QString &what, int line = 0)
    {
        ++count;
        if (!errors)
            return;
        ManifestError e;
        e.message = QStringLiteral("Manifest %1: %2").arg(displayName, what);
        e.line = line;
        errors->append(e);
    }
};

/// Checks the required fields of a parsed entry; reports each problem.
void checkEntry(const ManifestEntry &entry, Collector &c)
{
    if (entry.tombstone.isEmpty())
        c.add(QStringLiteral("%1: field 'tombstone' is empty").arg(where(entry)), entry.index, entry.line,
              QLatin1String(kTombstone));
    if (entry.output.trimmed().isEmpty())
        c.add(QStringLiteral("%1: field 'output' is empty").arg(where(entry)), entry.index, entry.line,
              QLatin1String(kOutput));
}

QString jsonTypeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("a list");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("undefined");
}

void parseJsonEntries(const QJsonArray &items, const QString &baseDir, Collector &c, QList<ManifestEntry> &out,
                      const QList<int> *lines = nullptr)
{
    for (qsizetype i = 0; i < items.size(); ++i) {
        ManifestEntry entry;
        entry.index = int(out.size());
        entry.line = lines ? lines->value(i) : 0;
        const QJsonValue v = items.at(i);
        if (!v.isObject()) {
            c.add(QStringLiteral("%1: expected an object with 'tombstone' and 'output', found %2")
                      .arg(where(entry), jsonTypeName(v)),
                  entry.index, entry.line, {});
            out.append(entry);
            continue;
        }
        const QJsonObject o = v.toObject();
        bool ok = true;
        auto text = [&](const char *field, bool required, QString *value) {
            const QJsonValue f = o.value(QLatin1String(field));
            if (f.isUndefined() || (f.isNull() && !required)) {
                if (required) {
                    c.add(QStringLiteral("%1: field '%2' is missing").arg(where(entry), QLatin1String(field)), entry.index,
                          entry.line, QLatin1String(field));
                    ok = false;
                }
                return;
            }
            if (f.isString()) {
                *value = f.toString();
                return;
            }
            if (f.isDouble() && required) {  // the reference str()s whatever it finds
                *value = QString::number(f.toDouble(), 'g', 17);
                return;
            }
            c.add(QStringLiteral("%1: field '%2' must be a string, found %3")
                      .arg(where(entry), QLatin1String(field), jsonTypeName(f)),
                  entry.index, entry.line, QLatin1String(field));
            ok = false;
        };
        QString tombstone, output, actor;
        text(kTombstone, true, &tombstone);
        text(kOutput, true, &output);
        text(kActor, false, &actor);
        entry.tombstone = tombstone.trimmed();
        entry.output = output;
        entry.actor = actor.trimmed();
        entry.resolvedOutput = resolveOutput(baseDir, output.trimmed().isEmpty() ? QString() : output);
        if (ok) {
            if (o.contains(QLatin1String(kTombstone)) && entry.tombstone.isEmpty())
                c.add(QStringLiteral("%1: field 'tombstone' is empty").arg(where(entry)), entry.index, entry.line,
                      QLatin1String(kTombstone));
            if (o.contains(QLatin1String(kOutput)) && entry.output.trimmed().isEmpty())
                c.add(QStringLiteral("%1: field 'output' is empty").arg(where(entry)), entry.index, entry.line,
                      QLatin1String(kOutput));
        } else {
            // the other required field may still be empty: say so too
            if (o.value(QLatin1String(kTombstone)).isString() && entry.tombstone.isEmpty())
                c.add(QStringLiteral("%1: field 'tombstone' is empty").arg(where(entry)), entry.index, entry.line,
                      QLatin1String(kTombstone));
            if (o.value(QLatin1String(kOutput)).isString() && entry.output.trimmed().isEmpty())
                c.add(QStringLiteral("%1: field 'output' is empty").arg(where(entry)), entry.index, entry.line,
                      QLatin1String(kOutput));
        }
        out.append(entry);
    }
}

void parseJson(const QByteArray &raw, const QString &baseDir, bool jsonLines, Collector &c, QList<ManifestEntry> &out)
{
    const QByteArray bytes = withoutBom(raw);
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
    if (pe.error != QJsonParseError::NoError) {
        if (jsonLines) {
            // JSON Lines: one entry object per line.
            QJsonArray items;
            int line = 0;
            bool lineErrors = false;
            QList<int> lines;
            for (const QByteArray &l : bytes.split('\n')) {
                ++line;
                if (l.trimmed().isEmpty())
                    continue;
                QJsonParseError le;
                const QJsonDocument ld = QJsonDocument::fromJson(l, &le);
                if (le.error != QJsonParseError::NoError) {
                    const auto [ln, col] = lineColumn(l, le.offset);
                    Q_UNUSED(ln);
                    c.fileError(QStringLiteral("line %1, column %2: %3").arg(line).arg(col).arg(le.errorString()), line);
                    lineErrors = true;
                    continue;
                }
                items.append(ld.isObject() ? QJsonValue(ld.object()) : (ld.isArray() ? QJsonValue(ld.array()) : QJsonValue()));
                lines << line;
            }
            if (lineErrors)
                return;
            parseJsonEntries(items, baseDir, c, out, &lines);
            return;
        }
        const auto [line, column] = lineColumn(bytes, pe.offset);
        c.fileError(QStringLiteral("malformed JSON at line %1, column %2: %3").arg(line).arg(column).arg(pe.errorString()),
                    line);
        return;
    }
    QJsonArray items;
    if (doc.isArray()) {
        items = doc.array();
    } else if (doc.isObject()) {
        const QJsonValue v = doc.object().value(QLatin1String("items"));
        if (v.isUndefined()) {
            c.fileError(QStringLiteral("expected a list of entries or an object with an \"items\" list"));
            return;
        }
        if (!v.isArray()) {
            c.fileError(QStringLiteral("\"items\" must be a list of entries, found %1").arg(jsonTypeName(v)));
            return;
        }
        items = v.toArray();
    } else {
        c.fileError(QStringLiteral("expected a list of entries or an object with an \"items\" list"));
        return;
    }
    parseJsonEntries(items, baseDir, c, out);
}

// ---- CSV (RFC 4180, as Python's csv module reads it) ---------------------------------------

struct CsvRecord {
    int line = 0;  ///< 1-based line where the record starts
    QStringList fields;
};

bool parseCsvRecords(const QString &text, Collector &c, QList<CsvRecord> &records)
{
    const qsizetype n = text.size();
    qsizetype i = 0;
    int line = 1;
    while (i < n) {
        CsvRecord rec;
        rec.line = line;
        QString field;
        bool inQuotes = false;
        bool quotedField = false;
        int quoteLine = 0;
        int quoteColumn = 0;
        qsizetype lineStart = i;
        bool endOfRecord = false;
        while (i < n && !endOfRecord) {
            const QChar ch = text.at(i);
            if (inQuotes) {
                if (ch == QLatin1Char('"')) {
                    if (i + 1 < n && text.at(i + 1) == QLatin1Char('"')) {
                        field += QLatin1Char('"');
                        i += 2;
                        continue;
                    }
                    inQuotes = false;
                    ++i;
                    continue;
                }
                if (ch == QLatin1Char('\n')) {
                    ++line;
                    lineStart = i + 1;
                }
                field += ch;
                ++i;
                continue;
            }
            if (ch == QLatin1Char('"') && field.isEmpty() && !quotedField) {
                inQuotes = true;
                quotedField = true;
                quoteLine = line;
                quoteColumn = int(i - lineStart) + 1;
                ++i;
                continue;
            }
            if (ch == QLatin1Char(',')) {
                rec.fields << field;
                field.clear();
                quotedField = false;
                ++i;
                continue;
            }
            if (ch == QLatin1Char('\r') || ch == QLatin1Char('\n')) {
                if (ch == QLatin1Char('\r') && i + 1 < n && text.at(i + 1) == QLatin1Char('\n'))
                    ++i;
                ++i;
                ++line;
                endOfRecord = true;
                break;
            }
            field += ch;  // a stray quote inside an unquoted field is kept, as Python does
            ++i;
        }
        if (inQuotes) {
            c.fileError(QStringLiteral("line %1, column %2: unterminated quoted field (the closing \" is missing)")
                            .arg(quoteLine)
                            .arg(quoteColumn),
                        quoteLine);
            return false;
        }
        rec.fields << field;
        // Python's csv skips rows with no fields at all (blank lines).
        if (rec.fields.size() == 1 && rec.fields.first().isEmpty() && !quotedField)
            continue;
        records.append(rec);
    }
    return true;
}

void parseCsv(const QByteArray &raw, const QString &baseDir, Collector &c, QList<ManifestEntry> &out)
{
    const QByteArray bytes = withoutBom(raw);
    const QString text = QString::fromUtf8(bytes);
    if (text.contains(QChar::ReplacementCharacter) && !bytes.contains("\xEF\xBF\xBD")) {
        // find the first invalid line for the message
        int line = 1;
        for (const QByteArray &l : bytes.split('\n')) {
            if (QString::fromUtf8(l).contains(QChar::ReplacementCharacter))
                break;
            ++line;
        }
        c.fileError(QStringLiteral("line %1: the file is not valid UTF-8").arg(line), line);
        return;
    }
    QList<CsvRecord> records;
    if (!parseCsvRecords(text, c, records))
        return;
    if (records.isEmpty())
        return;  // no header, no entries: reported as an empty manifest
    const CsvRecord &header = records.first();
    int tombstoneCol = -1, outputCol = -1, actorCol = -1;
    for (int col = 0; col < header.fields.size(); ++col) {
        const QString name = header.fields.at(col).trimmed().toLower();
        int *slot = name == QLatin1String(kTombstone) ? &tombstoneCol
                    : name == QLatin1String(kOutput)  ? &outputCol
                    : name == QLatin1String(kActor)   ? &actorCol
                                                      : nullptr;
        if (!slot)
            continue;
        if (*slot >= 0) {
            c.add(QStringLiteral("line %1: the header names column '%2' twice").arg(header.line).arg(name), -1, header.line,
                  name);
            return;
        }
        *slot = col;
    }
    bool headerOk = true;
    for (const auto &[col, name] : {std::pair{tombstoneCol, kTombstone}, std::pair{outputCol, kOutput}}) {
        if (col < 0) {
            c.add(QStringLiteral("line %1: the header has no '%2' column (expected tombstone,output[,actor]; found %3)")
                      .arg(header.line)
                      .arg(QLatin1String(name), header.fields.join(QLatin1Char(','))),
                  -1, header.line, QLatin1String(name));
            headerOk = false;
        }
    }
    if (!headerOk)
        return;
    for (qsizetype r = 1; r < records.size(); ++r) {
        const CsvRecord &rec = records.at(r);
        ManifestEntry entry;
        entry.index = int(out.size());
        entry.line = rec.line;
        entry.tombstone = rec.fields.value(tombstoneCol).trimmed();
        entry.output = rec.fields.value(outputCol);
        entry.actor = actorCol >= 0 ? rec.fields.value(actorCol).trimmed() : QString();
        entry.resolvedOutput = resolveOutput(baseDir, entry.output.trimmed().isEmpty() ? QString() : entry.output);
        if (rec.fields.size() <= std::max(tombstoneCol, outputCol)) {
            const QString missing = rec.fields.size() <= tombstoneCol ? QLatin1String(kTombstone) : QLatin1String(kOutput);
            c.add(QStringLiteral("%1: field '%2' is missing (the row has %3 of the header's %4 columns)")
                      .arg(where(entry), missing)
                      .arg(rec.fields.size())
                      .arg(header.fields.size()),
                  entry.index, entry.line, missing);
            if (missing == QLatin1String(kTombstone) && entry.output.trimmed().isEmpty())
                c.add(QStringLiteral("%1: field 'output' is missing").arg(where(entry)), entry.index, entry.line,
                      QLatin1String(kOutput));
        } else {
            checkEntry(entry, c);
        }
        out.append(entry);
    }
}

QString csvField(const QString &value)
{
    const bool quote = value.contains(QLatin1Char(',')) || value.contains(QLatin1Char('"'))
                       || value.contains(QLatin1Char('\n')) || value.contains(QLatin1Char('\r'))
                       || (!value.isEmpty() && (value.front().isSpace() || value.back().isSpace()));
    if (!quote)
        return value;
    QString v = value;
    v.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + v + QLatin1Char('"');
}

}  // namespace

std::optional<Manifest> Manifest::load(const QString &path, QList<ManifestError> *errors)
{
    const QFileInfo info(path);
    const QString display = info.fileName().isEmpty() ? path : info.fileName();
    Collector c{display, errors};
    const QString suffix = info.suffix().toLower();
    Format format;
    if (suffix == QLatin1String("json") || suffix == QLatin1String("jsonl")) {
        format = Format::Json;
    } else if (suffix == QLatin1String("csv")) {
        format = Format::Csv;
    } else {
        c.fileError(QStringLiteral("unsupported manifest format '%1' (use .json or .csv)")
                        .arg(suffix.isEmpty() ? QStringLiteral("no suffix") : QLatin1Char('.') + info.suffix()));
        return std::nullopt;
    }
    if (info.isDir()) {
        c.fileError(QStringLiteral("%1 is a folder, not a manifest file").arg(info.absoluteFilePath()));
        return std::nullopt;
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        c.fileError(QStringLiteral("cannot read %1: %2").arg(info.absoluteFilePath(), f.errorString()));
        return std::nullopt;
    }
    const QByteArray bytes = f.readAll();
    auto m = parse(bytes, format, info.absolutePath(), display, errors);
    if (!m)
        return std::nullopt;
    m->path = QDir::cleanPath(info.absoluteFilePath());
    return m;
}

std::optional<Manifest> Manifest::parse(const QByteArray &bytes, Format format, const QString &baseDir,
                                        const QString &displayName, QList<ManifestError> *errors)
{
    Collector c{displayName, errors};
    Manifest m;
    m.baseDir = QDir::cleanPath(baseDir.isEmpty() ? QDir::currentPath() : QDir(baseDir).absolutePath());
    m.format = format;
    if (format == Format::Json)
        parseJson(bytes, m.baseDir, displayName.endsWith(QLatin1String(".jsonl"), Qt::CaseInsensitive), c, m.entries);
    else
        parseCsv(bytes, m.baseDir, c, m.entries);
    if (c.count == 0 && m.entries.isEmpty())
        c.fileError(QStringLiteral("Manifest does not contain any restore entries"));
    if (c.count > 0)
        return std::nullopt;
    return m;
}

Manifest Manifest::fromEntries(const QString &baseDir, const QList<ManifestEntry> &entries)
{
    Manifest m;
    m.baseDir = QDir::cleanPath(baseDir.isEmpty() ? QDir::currentPath() : QDir(baseDir).absolutePath());
    m.entries = entries;
    for (qsizetype i = 0; i < m.entries.size(); ++i) {
        ManifestEntry &e = m.entries[i];
        e.index = int(i);
        e.line = 0;
        e.tombstone = e.tombstone.trimmed();
        e.actor = e.actor.trimmed();
        if (e.resolvedOutput.isEmpty())
            e.resolvedOutput = resolveOutput(m.baseDir, e.output);
        if (e.output.isEmpty())
            e.output = e.resolvedOutput;
    }
    return m;
}

QByteArray Manifest::serialize(Format format) const
{
    const QDir base(baseDir);
    auto outputText = [&](const ManifestEntry &e) {
        const QString resolved = e.resolvedOutput.isEmpty() ? resolveOutput(baseDir, e.output) : e.resolvedOutput;
        if (resolved.isEmpty() || baseDir.isEmpty())
            return e.output;
        const QString rel = base.relativeFilePath(resolved);
        if (rel == QLatin1String("..") || rel.startsWith(QLatin1String("../")) || QFileInfo(rel).isAbsolute())
            return resolved;
        return rel;
    };
    if (format == Format::Json) {
        QJsonArray items;
        for (const ManifestEntry &e : entries) {
            QJsonObject o{{QLatin1String(kTombstone), e.tombstone}, {QLatin1String(kOutput), outputText(e)}};
            if (!e.actor.isEmpty())
                o.insert(QLatin1String(kActor), e.actor);
            items.append(o);
        }
        return QJsonDocument(QJsonObject{{QStringLiteral("items"), items}}).toJson(QJsonDocument::Indented);
    }
    bool anyActor = false;
    for (const ManifestEntry &e : entries)
        anyActor = anyActor || !e.actor.isEmpty();
    QString out = anyActor ? QStringLiteral("tombstone,output,actor\n") : QStringLiteral("tombstone,output\n");
    for (const ManifestEntry &e : entries) {
        out += csvField(e.tombstone) + QLatin1Char(',') + csvField(outputText(e));
        if (anyActor)
            out += QLatin1Char(',') + csvField(e.actor);
        out += QLatin1Char('\n');
    }
    return out.toUtf8();
}

bool Manifest::save(const QString &path, QString *error) const
{
    const QFileInfo info(path);
    const QString suffix = info.suffix().toLower();
    Format f;
    if (suffix == QLatin1String("json"))
        f = Format::Json;
    else if (suffix == QLatin1String("csv"))
        f = Format::Csv;
    else {
        if (error)
            *error = QStringLiteral("Cannot save the manifest as %1: use a .json or .csv name").arg(path);
        return false;
    }
    // Outputs are written relative to the folder the file is saved in, so it loads back the same.
    Manifest copy = *this;
    for (ManifestEntry &e : copy.entries)
        if (e.resolvedOutput.isEmpty())
            e.resolvedOutput = resolveOutput(baseDir, e.output);
    copy.baseDir = QDir::cleanPath(info.absolutePath());
    const QByteArray bytes = copy.serialize(f);
    return writeFileAtomically(path, bytes, error);
}

}  // namespace codex::batch
