// codex-adminctl health-check | list | show | restore | evidence
#include "CliContext.h"

#include "archive/ArchiveStore.h"
#include "archive/HealthCheck.h"
#include "archive/RestoreService.h"
#include "common/Url.h"
#include "evidence/EvidenceLog.h"
#include "evidence/EvidenceReader.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace codex;
using namespace codex::archive;

namespace {

bool parseParser(CliContext &ctx, QCommandLineParser &parser, const QString &description, int *code)
{
    CliContext::addConfigOptions(parser);
    if (!ctx.parse(parser, description)) {
        *code = parser.isSet(QStringLiteral("help")) ? 0 : cli::kUsageError;
        return false;
    }
    return true;
}

std::optional<QDateTime> parseWhen(const QString &text)
{
    if (text.isEmpty())
        return std::nullopt;
    QDateTime t = QDateTime::fromString(text, Qt::ISODate);
    if (!t.isValid()) {
        const QDate d = QDate::fromString(text, Qt::ISODate);
        if (d.isValid())
            t = QDateTime(d, QTime(0, 0), Qt::UTC);
    }
    if (!t.isValid())
        return QDateTime();  // invalid marks "could not parse"
    if (t.timeSpec() == Qt::LocalTime)
        t.setTimeSpec(Qt::UTC);
    return t.toUTC();
}

std::optional<bool> parseYesNo(const QString &text, bool *ok)
{
    *ok = true;
    if (text.isEmpty())
        return std::nullopt;
    if (text == QLatin1String("yes") || text == QLatin1String("true") || text == QLatin1String("1"))
        return true;
    if (text == QLatin1String("no") || text == QLatin1String("false") || text == QLatin1String("0"))
        return false;
    *ok = false;
    return std::nullopt;
}

QJsonObject rowJson(const ItemRow &r)
{
    return {{QStringLiteral("tombstone"), r.tombstoneId},   {QStringLiteral("repo"), r.repo},
            {QStringLiteral("path"), r.path},               {QStringLiteral("commit_sha"), r.commitSha},
            {QStringLiteral("language"), r.language},       {QStringLiteral("kind"), r.kind},
            {QStringLiteral("reason"), r.reason},           {QStringLiteral("archived_by"), r.archivedBy},
            {QStringLiteral("archived_at"), r.archivedAt},  {QStringLiteral("legal_hold"), r.legalHold},
            {QStringLiteral("restored_at"), r.restoredAt.isEmpty() ? QJsonValue() : QJsonValue(r.restoredAt)},
            {QStringLiteral("mime_type"), r.mimeType},      {QStringLiteral("size_bytes"), r.sizeBytes},
            {QStringLiteral("compressed_size"), r.compressedSize < 0 ? QJsonValue() : QJsonValue(r.compressedSize)}};
}

int healthCheck(CliContext &ctx)
{
    QCommandLineParser parser;
    int code = 0;
    if (!parseParser(ctx, parser, QStringLiteral("Check that the archive is reachable and has the reference schema."), &code))
        return code;
    auto where = ctx.locateArchive(parser, &code);
    if (!where)
        return code;
    const HealthReport report = HealthCheck::run(where->location);
    if (parser.isSet(QStringLiteral("json")))
        ctx.out << QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented);
    else
        ctx.out << report.toText();
    ctx.out.flush();
    return report.reachable && report.schemaPresent ? 0 : 1;
}

int list(CliContext &ctx)
{
    QCommandLineParser parser;
    const QList<QCommandLineOption> filters = {
        {QStringLiteral("repo"), QStringLiteral("Only this repository."), QStringLiteral("REPO")},
        {QStringLiteral("path"), QStringLiteral("Path contains this text."), QStringLiteral("TEXT")},
        {QStringLiteral("actor"), QStringLiteral("Archived by this actor."), QStringLiteral("ACTOR")},
        {QStringLiteral("reason"), QStringLiteral("dead, pruned, legacy or replaced."), QStringLiteral("REASON")},
        {QStringLiteral("kind"), QStringLiteral("code, doc or asset."), QStringLiteral("KIND")},
        {QStringLiteral("language"), QStringLiteral("Language."), QStringLiteral("LANG")},
        {QStringLiteral("tag"), QStringLiteral("Has this tag."), QStringLiteral("TAG")},
        {QStringLiteral("since"), QStringLiteral("Archived at or after (ISO date or timestamp, UTC)."), QStringLiteral("WHEN")},
        {QStringLiteral("until"), QStringLiteral("Archived before (ISO date or timestamp, UTC)."), QStringLiteral("WHEN")},
        {QStringLiteral("legal-hold"), QStringLiteral("yes or no."), QStringLiteral("YES|NO")},
        {QStringLiteral("restored"), QStringLiteral("yes or no."), QStringLiteral("YES|NO")},
        {QStringLiteral("sort"), QStringLiteral("archived_at (default), repo, path, tombstone, actor, reason, kind, language, size, restored_at."), QStringLiteral("COLUMN"), QStringLiteral("archived_at")},
        {QStringLiteral("asc"), QStringLiteral("Ascending order (default: descending).")},
        {QStringLiteral("limit"), QStringLiteral("Rows to print (default 50)."), QStringLiteral("N"), QStringLiteral("50")},
        {QStringLiteral("offset"), QStringLiteral("Rows to skip."), QStringLiteral("N"), QStringLiteral("0")},
        {QStringLiteral("create"), QStringLiteral("Create a missing SQLite archive file with the reference schema.")},
    };
    parser.addOptions(filters);
    int code = 0;
    if (!parseParser(ctx, parser, QStringLiteral("List archived items (tombstones)."), &code))
        return code;
    ItemFilter f;
    f.repo = parser.value(QStringLiteral("repo"));
    f.pathContains = parser.value(QStringLiteral("path"));
    f.actor = parser.value(QStringLiteral("actor"));
    f.reason = parser.value(QStringLiteral("reason"));
    f.kind = parser.value(QStringLiteral("kind"));
    f.language = parser.value(QStringLiteral("language"));
    f.tag = parser.value(QStringLiteral("tag"));
    for (const char *name : {"since", "until"}) {
        const QString text = parser.value(QString::fromLatin1(name));
        const auto when = parseWhen(text);
        if (when && !when->isValid())
            return ctx.fail(QStringLiteral("--%1 '%2' is not an ISO date or timestamp").arg(QString::fromLatin1(name), text), cli::kUsageError);
        (qstrcmp(name, "since") == 0 ? f.archivedFrom : f.archivedTo) = when;
    }
    bool ok = true;
    f.legalHold = parseYesNo(parser.value(QStringLiteral("legal-hold")), &ok);
    if (!ok)
        return ctx.fail(QStringLiteral("--legal-hold expects yes or no"), cli::kUsageError);
    f.restored = parseYesNo(parser.value(QStringLiteral("restored")), &ok);
    if (!ok)
        return ctx.fail(QStringLiteral("--restored expects yes or no"), cli::kUsageError);
    static const QMap<QString, SortColumn> sorts = {
        {QStringLiteral("archived_at"), SortColumn::ArchivedAt}, {QStringLiteral("repo"), SortColumn::Repo},
        {QStringLiteral("path"), SortColumn::Path},              {QStringLiteral("tombstone"), SortColumn::Tombstone},
        {QStringLiteral("actor"), SortColumn::Actor},            {QStringLiteral("reason"), SortColumn::Reason},
        {QStringLiteral("kind"), SortColumn::Kind},              {QStringLiteral("language"), SortColumn::Language},
        {QStringLiteral("size"), SortColumn::Size},              {QStringLiteral("restored_at"), SortColumn::RestoredAt}};
    const QString sortName = parser.value(QStringLiteral("sort"));
    if (!sorts.contains(sortName))
        return ctx.fail(QStringLiteral("--sort '%1' is not a sortable column").arg(sortName), cli::kUsageError);
    const SortOrder order{sorts.value(sortName), !parser.isSet(QStringLiteral("asc"))};
    bool limitOk = false, offsetOk = false;
    const int limit = parser.value(QStringLiteral("limit")).toInt(&limitOk);
    const qint64 offset = parser.value(QStringLiteral("offset")).toLongLong(&offsetOk);
    if (!limitOk || limit < 0 || !offsetOk || offset < 0)
        return ctx.fail(QStringLiteral("--limit and --offset expect non-negative numbers"), cli::kUsageError);

    auto where = ctx.locateArchive(parser, &code);
    if (!where)
        return code;
    auto store = ctx.openArchive(where->location, parser.isSet(QStringLiteral("create")), &code);
    if (!store)
        return code;
    ArchiveError error;
    const qint64 total = store->countItems(f, &error);
    const QList<ItemRow> rows = error ? QList<ItemRow>() : store->items(f, order, offset, limit, &error);
    if (error)
        return ctx.fail(error.message);
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonArray items;
        for (const ItemRow &r : rows)
            items.append(rowJson(r));
        ctx.out << QJsonDocument(QJsonObject{{QStringLiteral("total"), total}, {QStringLiteral("offset"), offset},
                                             {QStringLiteral("items"), items}})
                       .toJson(QJsonDocument::Indented);
        return 0;
    }
    ctx.out << QStringLiteral("%1  %2  %3  %4  %5  %6\n")
                   .arg(QStringLiteral("TOMBSTONE").leftJustified(36), QStringLiteral("ARCHIVED AT").leftJustified(20),
                        QStringLiteral("REASON").leftJustified(8), QStringLiteral("SIZE").rightJustified(10),
                        QStringLiteral("FLAGS").leftJustified(5), QStringLiteral("REPO:PATH"));
    for (const ItemRow &r : rows) {
        const QString flags = QStringLiteral("%1%2").arg(r.legalHold ? QStringLiteral("H") : QStringLiteral("-"),
                                                           r.restoredAt.isEmpty() ? QStringLiteral("-") : QStringLiteral("R"));
        ctx.out << QStringLiteral("%1  %2  %3  %4  %5  %6:%7\n")
                       .arg(r.tombstoneId.leftJustified(36), r.archivedAt.leftJustified(20), r.reason.leftJustified(8),
                            QString::number(r.sizeBytes).rightJustified(10), flags.leftJustified(5), r.repo, r.path);
    }
    ctx.out << QStringLiteral("%1 of %2 item(s)%3\n")
                   .arg(rows.size())
                   .arg(total)
                   .arg(offset > 0 ? QStringLiteral(" from offset %1").arg(offset) : QString());
    return 0;
}

int show(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("TOMBSTONE"), QStringLiteral("Tombstone id"));
    int code = 0;
    if (!parseParser(ctx, parser, QStringLiteral("Show everything about one archived item."), &code))
        return code;
    if (parser.positionalArguments().size() != 1)
        return ctx.fail(QStringLiteral("show needs one TOMBSTONE"), cli::kUsageError);
    auto where = ctx.locateArchive(parser, &code);
    if (!where)
        return code;
    auto store = ctx.openArchive(where->location, false, &code);
    if (!store)
        return code;
    ArchiveError error;
    const auto detail = store->item(parser.positionalArguments().first(), &error);
    if (!detail)
        return ctx.fail(error ? error.message : QStringLiteral("Tombstone not found: %1").arg(parser.positionalArguments().first()));
    QJsonObject o = rowJson(detail->item);
    o.insert(QStringLiteral("metadata"), detail->metadata);
    o.insert(QStringLiteral("delete_after"), detail->deleteAfter.isEmpty() ? QJsonValue() : QJsonValue(detail->deleteAfter));
    o.insert(QStringLiteral("tags"), QJsonArray::fromStringList(detail->tags));
    QJsonArray refs;
    for (const auto &r : detail->referents)
        refs.append(QJsonObject{{QStringLiteral("ref_type"), r.first}, {QStringLiteral("ref_value"), r.second}});
    o.insert(QStringLiteral("referents"), refs);
    const ArtifactInfo &a = detail->artifact;
    o.insert(QStringLiteral("artifact"),
             QJsonObject{{QStringLiteral("id"), a.id},
                         {QStringLiteral("content_sha256"), a.contentSha256},
                         {QStringLiteral("size_bytes"), a.sizeBytes},
                         {QStringLiteral("compression"), a.compression},
                         {QStringLiteral("mime_type"), a.mimeType},
                         {QStringLiteral("storage_driver"), a.storageDriver},
                         {QStringLiteral("object_url"), a.objectUrl.isEmpty() ? QJsonValue() : QJsonValue(redactUrl(a.objectUrl))},
                         {QStringLiteral("blob_bytes"), a.hasBlob ? QJsonValue(a.blobSize) : QJsonValue()},
                         {QStringLiteral("created_at"), a.createdAt}});
    QJsonArray events;
    for (const EventRow &e : detail->events)
        events.append(QJsonObject{{QStringLiteral("action"), e.action},
                                  {QStringLiteral("actor"), e.actor},
                                  {QStringLiteral("context"), e.context},
                                  {QStringLiteral("created_at"), e.createdAt}});
    o.insert(QStringLiteral("events"), events);
    ctx.out << QJsonDocument(o).toJson(QJsonDocument::Indented);  // the reference prints show as JSON too
    return 0;
}

int restore(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("TOMBSTONE"), QStringLiteral("Tombstone id"));
    parser.addPositionalArgument(QStringLiteral("OUTPUT"), QStringLiteral("File to write (relative to the workspace)"));
    parser.addOption({QStringLiteral("by"), QStringLiteral("Actor executing the restore (required)."), QStringLiteral("ACTOR")});
    parser.addOption({QStringLiteral("overwrite"), QStringLiteral("Replace OUTPUT if it exists.")});
    parser.addOption({QStringLiteral("rename"), QStringLiteral("If OUTPUT exists, write 'name (1).ext' instead.")});
    int code = 0;
    if (!parseParser(ctx, parser, QStringLiteral("Restore an archived file: decompress, verify sha256, write atomically, record evidence."), &code))
        return code;
    const QStringList pos = parser.positionalArguments();
    if (pos.size() != 2)
        return ctx.fail(QStringLiteral("restore needs TOMBSTONE and OUTPUT"), cli::kUsageError);
    const QString actor = parser.value(QStringLiteral("by"));
    if (actor.isEmpty())
        return ctx.fail(QStringLiteral("restore needs --by ACTOR (it is recorded in the evidence log)"), cli::kUsageError);
    if (parser.isSet(QStringLiteral("overwrite")) && parser.isSet(QStringLiteral("rename")))
        return ctx.fail(QStringLiteral("--overwrite and --rename exclude each other"), cli::kUsageError);
    auto where = ctx.locateArchive(parser, &code);
    if (!where)
        return code;
    evidence::EvidenceLog log(evidence::EvidenceLog::defaultPath(where->options.inputs.workspace, where->options.inputs.environment));
    QString why;
    auto store = ctx.openArchive(where->location, false, &code, &why);
    if (!store) {
        // Like the reference: a restore that cannot reach the archive is a RESTORE_FAIL too.
        QString evError;
        if (!log.append(QStringLiteral("RESTORE_FAIL"),
                        {{QStringLiteral("actor"), actor},
                         {QStringLiteral("tombstone"), pos[0]},
                         {QStringLiteral("reason"), QStringLiteral("Backend access error: %1").arg(redactSecrets(why))},
                         {QStringLiteral("backend"), backendName(where->location.backend)},
                         {QStringLiteral("url"), where->location.redactedUrl}},
                        &evError))
            ctx.err << "warning: the evidence log could not be written: " << evError << "\n";
        return code;
    }
    RestoreService service(*store, &log);
    RestoreRequest request;
    request.tombstone = pos[0];
    request.output = QDir(where->options.inputs.workspace).absoluteFilePath(pos[1]);
    request.evidencePath = pos[1];
    request.actor = actor;
    request.conflict = parser.isSet(QStringLiteral("overwrite")) ? ConflictPolicy::Overwrite
                       : parser.isSet(QStringLiteral("rename"))  ? ConflictPolicy::RenameWithSuffix
                                                                 : ConflictPolicy::Refuse;
    const RestoreResult r = service.restore(request);
    if (!r.warning.isEmpty())
        ctx.err << "warning: " << r.warning << "\n";
    if (!r.ok) {
        ctx.err << "ERROR: " << redactSecrets(r.error.message) << "\n";
        return 1;
    }
    // Like the reference: the written path on stdout.
    ctx.out << QDir(where->options.inputs.workspace).relativeFilePath(r.output) << "\n";
    return 0;
}

int evidenceCommand(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("action"), QStringLiteral("Only this action (RESTORE, RESTORE_FAIL, ARCHIVE, …)."), QStringLiteral("A")});
    parser.addOption({QStringLiteral("actor"), QStringLiteral("Only this actor."), QStringLiteral("ACTOR")});
    parser.addOption({QStringLiteral("tombstone"), QStringLiteral("Only this tombstone."), QStringLiteral("ID")});
    parser.addOption({QStringLiteral("file"), QStringLiteral("Evidence log to read (default: the workspace's)."), QStringLiteral("PATH")});
    int code = 0;
    if (!parseParser(ctx, parser, QStringLiteral("Print evidence log records; malformed lines are reported with their line number."), &code))
        return code;
    auto opts = ctx.readConfigOptions(parser, &code);
    if (!opts)
        return code;
    const QString path = parser.isSet(QStringLiteral("file"))
                             ? QDir(opts->inputs.workspace).absoluteFilePath(parser.value(QStringLiteral("file")))
                             : evidence::EvidenceLog::defaultPath(opts->inputs.workspace, opts->inputs.environment);
    const QString action = parser.value(QStringLiteral("action"));
    const QString actor = parser.value(QStringLiteral("actor"));
    const QString tombstone = parser.value(QStringLiteral("tombstone"));
    const bool json = parser.isSet(QStringLiteral("json"));
    QJsonArray records;
    int problems = 0;
    QString error;
    const bool ok = evidence::EvidenceReader::read(
        path,
        [&](const evidence::EvidenceRecord &r) {
            if ((!action.isEmpty() && r.action != action)
                || (!actor.isEmpty() && r.fields.value(QStringLiteral("actor")).toString() != actor)
                || (!tombstone.isEmpty() && r.fields.value(QStringLiteral("tombstone")).toString() != tombstone))
                return true;
            if (json)
                records.append(r.fields);
            else
                ctx.out << evidence::EvidenceLog::serialize(r.fields) << "\n";
            return true;
        },
        [&](const evidence::EvidenceProblem &p) {
            ++problems;
            ctx.err << "warning: " << QDir(opts->inputs.workspace).relativeFilePath(path) << ":" << p.line << ": " << p.message << "\n";
        },
        0, 1, nullptr, nullptr, &error);
    if (!ok)
        return ctx.fail(error);
    if (json)
        ctx.out << QJsonDocument(records).toJson(QJsonDocument::Indented);
    return 0;
}

}  // namespace

int cli::runArchive(CliContext &ctx, const QString &command)
{
    const QStringList rest = QStringList{ctx.args[0] + QLatin1Char(' ') + command} + ctx.args.mid(2);
    CliContext sc{rest, ctx.out, ctx.err};
    if (command == QLatin1String("health-check"))
        return healthCheck(sc);
    if (command == QLatin1String("list"))
        return list(sc);
    if (command == QLatin1String("show"))
        return show(sc);
    if (command == QLatin1String("restore"))
        return restore(sc);
    if (command == QLatin1String("evidence"))
        return evidenceCommand(sc);
    return ctx.fail(QStringLiteral("unknown command '%1'").arg(command), kUsageError);
}
