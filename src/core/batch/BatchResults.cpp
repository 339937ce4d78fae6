#include "batch/BatchResults.h"

#include "common/AtomicFile.h"
#include "common/PythonJson.h"
#include "evidence/EvidenceLog.h"

#include <QCborMap>
#include <QDir>
#include <QFileInfo>

#include <variant>
#include <vector>

namespace codex::batch {

namespace {

// ---- JSON as Python's json.dump(obj, indent=2) writes it (insertion order, ensure_ascii) ----

struct JValue;
using JObject = std::vector<std::pair<const char *, JValue>>;
using JArray = std::vector<JValue>;
struct JValue {
    std::variant<qint64, bool, QString, JObject, JArray> v;
};


void writeJson(QByteArray &out, const JValue &value, int depth)
{
    const QByteArray indent(2 * (depth + 1), ' ');
    const QByteArray closing(2 * depth, ' ');
    if (const auto *i = std::get_if<qint64>(&value.v)) {
        out += QByteArray::number(*i);
    } else if (const auto *b = std::get_if<bool>(&value.v)) {
        out += *b ? "true" : "false";
    } else if (const auto *s = std::get_if<QString>(&value.v)) {
        pyjson::appendString(out, *s);
    } else if (const auto *o = std::get_if<JObject>(&value.v)) {
        if (o->empty()) {
            out += "{}";
            return;
        }
        out += "{\n";
        for (size_t k = 0; k < o->size(); ++k) {
            out += indent;
            pyjson::appendString(out, QLatin1String((*o)[k].first));
            out += ": ";
            writeJson(out, (*o)[k].second, depth + 1);
            out += k + 1 < o->size() ? ",\n" : "\n";
        }
        out += closing;
        out += '}';
    } else if (const auto *a = std::get_if<JArray>(&value.v)) {
        if (a->empty()) {
            out += "[]";
            return;
        }
        out += "[\n";
        for (size_t k = 0; k < a->size(); ++k) {
            out += indent;
            writeJson(out, (*a)[k], depth + 1);
            out += k + 1 < a->size() ? ",\n" : "\n";
        }
        out += closing;
        out += ']';
    }
}

JValue num(qint64 v) { return JValue{v}; }
JValue str(const QString &s) { return JValue{s}; }

QString notRunDetail(const ItemState &s)
{
    switch (s.status) {
    case ItemStatus::Blocked:
        return s.error.isEmpty() ? QStringLiteral("Not run: refused by validation")
                                 : QStringLiteral("Not run: %1").arg(s.error);
    case ItemStatus::Cancelled:
        return s.error.isEmpty() ? QStringLiteral("Not run: the batch was cancelled") : s.error;
    case ItemStatus::Pending:
    case ItemStatus::Running:
    case ItemStatus::Waiting:
        return QStringLiteral("Not finished");
    default:
        return s.error.isEmpty() ? QStringLiteral("Restore failed") : s.error;
    }
}

}  // namespace

QString BatchResults::defaultFileName(const QDateTime &localTime)
{
    return QStringLiteral("batch_restore_%1.json").arg(localTime.toString(QStringLiteral("yyyyMMdd_HHmmss")));
}

QString BatchResults::choosePath(const BatchOptions &options, const Manifest &manifest, const QDateTime &localTime)
{
    QString file;
    const QString given = options.resultsPath.trimmed();
    const QString base = manifest.baseDir.isEmpty() ? QDir::currentPath() : manifest.baseDir;
    if (!given.isEmpty()) {
        const QString abs = QDir::cleanPath(QDir(base).absoluteFilePath(given));
        const QFileInfo info(abs);
        if (!info.isDir() && given.endsWith(QLatin1String(".json"), Qt::CaseInsensitive))
            file = abs;
        else
            file = QDir(abs).filePath(defaultFileName(localTime));
    } else {
        file = QDir(base).filePath(defaultFileName(localTime));
    }
    if (!QFileInfo::exists(file))
        return file;
    const QFileInfo info(file);
    const QString stem = info.completeBaseName();
    for (int n = 2;; ++n) {
        const QString candidate = info.dir().filePath(QStringLiteral("%1_%2.json").arg(stem).arg(n));
        if (!QFileInfo::exists(candidate))
            return candidate;
    }
}

QByteArray BatchResults::serialize(const Manifest &manifest, const BatchOptions &options, const QList<ItemState> &states,
                                   qint64 durationMs)
{
    JArray results;
    results.reserve(size_t(manifest.entries.size()));
    qint64 succeeded = 0;
    qint64 failed = 0;
    for (qsizetype i = 0; i < manifest.entries.size(); ++i) {
        const ManifestEntry &e = manifest.entries.at(i);
        const ItemState s = states.value(i);
        const bool ok = s.status == ItemStatus::Succeeded || s.status == ItemStatus::Skipped;
        ok ? ++succeeded : ++failed;
        JObject metrics{{"name", str(QStringLiteral("restore:") + e.tombstone)},
                        {"duration_ms", num(s.durationMs)},
                        {"attempts", num(s.attempts)},
                        {"bytes", num(s.bytes)}};
        if (s.status == ItemStatus::Skipped)
            metrics.push_back({"skipped", JValue{true}});
        JObject r{{"tombstone", str(e.tombstone)},
                  {"output", str(s.output.isEmpty() ? e.resolvedOutput : s.output)},
                  {"actor", str(e.actor.isEmpty() ? options.actor : e.actor)},
                  {"status", str(ok ? QStringLiteral("SUCCESS") : QStringLiteral("FAILED"))},
                  {"duration_ms", num(s.durationMs)},
                  {"metrics", JValue{std::move(metrics)}}};
        if (!ok)
            r.push_back({"detail", str(s.status == ItemStatus::Failed && !s.error.isEmpty() ? s.error : notRunDetail(s))});
        results.push_back(JValue{std::move(r)});
    }
    const JObject root{{"total", num(manifest.entries.size())},
                       {"succeeded", num(succeeded)},
                       {"failed", num(failed)},
                       {"results", JValue{std::move(results)}},
                       {"duration_ms", num(durationMs)}};
    QByteArray out;
    out.reserve(256 * (manifest.entries.size() + 1));
    writeJson(out, JValue{root}, 0);
    return out;
}

bool BatchResults::write(const QString &path, const QByteArray &bytes, QString *error)
{
    const QFileInfo info(path);
    if (info.exists()) {
        if (error)
            *error = QStringLiteral("The results file %1 already exists; it is not replaced").arg(path);
        return false;
    }
    return writeFileAtomically(path, bytes, error);
}

bool BatchResults::appendEvidence(const QString &evidencePath, const QString &actor, const QString &manifestPath,
                                  const BatchProgress &progress, qint64 durationMs, const QString &resultsPath,
                                  QString *error)
{
    if (evidencePath.isEmpty())
        return true;
    evidence::EvidenceLog log(evidencePath);
    QCborMap fields;
    fields.insert(QStringLiteral("actor"), actor);
    fields.insert(QStringLiteral("manifest"), manifestPath);
    fields.insert(QStringLiteral("total"), progress.total);
    fields.insert(QStringLiteral("succeeded"), progress.succeeded + progress.skipped);
    fields.insert(QStringLiteral("failed"), progress.total - progress.succeeded - progress.skipped);
    fields.insert(QStringLiteral("duration_ms"), durationMs);
    fields.insert(QStringLiteral("results"), resultsPath);
    return log.appendCbor(QStringLiteral("BATCH_RESTORE"), fields, error);
}

}  // namespace codex::batch
