// codex-adminctl rollout list|new|show|check|note|owner|attach|collect|evaluate|sign|verify|history
// codex-adminctl report export
// The Rollout page's workflows (rollout::actions) for scripts and CI: the same store, the same
// evidence, the same criteria and the same sealed sign-offs.
#include "CliContext.h"

#include "common/Url.h"
#include "models/ReportPdfWriter.h"
#include "rollout/ReportBuilder.h"
#include "rollout/RolloutActions.h"
#include "rollout/RolloutStore.h"

#include <algorithm>

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QRegularExpression>

using namespace codex;
using namespace codex::rollout;

namespace {

const QString kStatuses = QStringLiteral("open, done, n/a or blocked");
const QString kFormats = QStringLiteral("pdf, html, md or json");

QString fmtTime(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'")) : QStringLiteral("-");
}

QString isoTime(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString();
}

/// One line of free text for a terminal: secrets redacted, the first line only, not endless.
QString oneLine(const QString &text, int max = 160)
{
    const QString redacted = redactSecrets(text);
    QString line = redacted.section(QLatin1Char('\n'), 0, 0).trimmed();
    bool more = redacted.contains(QLatin1Char('\n'));
    if (line.size() > max) {
        line = line.left(max);
        more = true;
    }
    return more ? line + QStringLiteral(" …") : line;
}

void printJson(CliContext &ctx, const QJsonValue &v)
{
    ctx.out << (v.isArray() ? QJsonDocument(v.toArray()) : QJsonDocument(v.toObject())).toJson(QJsonDocument::Indented);
    ctx.out.flush();
}

QString countsLine(int done, int items, int blocked, int notApplicable)
{
    QString s = QStringLiteral("%1/%2 done").arg(done).arg(items);
    if (blocked)
        s += QStringLiteral(", %1 blocked").arg(blocked);
    if (notApplicable)
        s += QStringLiteral(", %1 n/a").arg(notApplicable);
    return s;
}

/// The command's parser, store and rollout, shared by every subcommand.
class Command {
public:
    Command(CliContext &ctx, QString description) : m_ctx(ctx), m_description(std::move(description)) {}

    QCommandLineParser parser;

    /// Parses; on failure *code is the exit code (0 after --help).
    bool parse(int *code)
    {
        if (!m_ctx.parse(parser, m_description)) {
            *code = parser.isSet(QStringLiteral("help")) ? 0 : cli::kUsageError;
            return false;
        }
        m_workspace = m_ctx.workspace(parser);
        return true;
    }
    QString workspace() const { return m_workspace; }
    bool json() const { return parser.isSet(QStringLiteral("json")); }
    QString dbPath() const { return RolloutStore::defaultPath(m_workspace); }

    /// --by, required for every change.
    std::optional<QString> by(int *code) const
    {
        const QString by = parser.value(QStringLiteral("by")).trimmed();
        if (by.isEmpty()) {
            *code = m_ctx.fail(QStringLiteral("--by NAME is required: who makes the change (recorded in the history)"), cli::kUsageError);
            return std::nullopt;
        }
        return by;
    }

    /// Opens the workspace's rollouts database; an absent one only when `create`.
    bool open(bool create, int *code)
    {
        if (!QFileInfo(m_workspace).isDir()) {
            *code = m_ctx.fail(QStringLiteral("workspace %1 is not a folder").arg(m_workspace), cli::kUsageError);
            return false;
        }
        if (!create && !QFileInfo::exists(dbPath())) {
            *code = m_ctx.fail(QStringLiteral("no rollouts in %1 (%2 does not exist; start one with 'codex-adminctl rollout new NAME --by YOU')")
                                   .arg(m_workspace, dbPath()));
            return false;
        }
        const StoreResult r = store.open(dbPath(), create);
        if (!r) {
            *code = m_ctx.fail(r.message);
            return false;
        }
        return true;
    }

    /// The rollout named (by --rollout or `given`), else the only one.
    std::optional<QString> rolloutName(const QString &given, int *code)
    {
        const QString name = given.trimmed();
        if (!name.isEmpty())
            return name;
        QString error;
        const auto all = store.list(&error);
        if (!error.isEmpty()) {
            *code = m_ctx.fail(error);
            return std::nullopt;
        }
        if (all.isEmpty()) {
            *code = m_ctx.fail(QStringLiteral("no rollouts in %1 (start one with 'codex-adminctl rollout new NAME --by YOU')").arg(dbPath()));
            return std::nullopt;
        }
        if (all.size() > 1) {
            QStringList names;
            for (const auto &s : all)
                names << QLatin1Char('\'') + s.name + QLatin1Char('\'');
            *code = m_ctx.fail(QStringLiteral("%1 rollouts in this workspace (%2): name one with --rollout NAME")
                                   .arg(all.size())
                                   .arg(names.join(QStringLiteral(", "))),
                               cli::kUsageError);
            return std::nullopt;
        }
        return all.first().name;
    }

    /// Opens the existing database, then rolloutName(): `given` (or --rollout), else the only one.
    std::optional<QString> openRollout(const QString &given, int *code)
    {
        if (!open(false, code))
            return std::nullopt;
        return rolloutName(given, code);
    }
    std::optional<QString> openRollout(int *code) { return openRollout(parser.value(QStringLiteral("rollout")), code); }

    std::optional<actions::LoadedRollout> load(const QString &name, int *code)
    {
        QString error;
        auto loaded = actions::loadChecked(store, name, &error);
        if (!loaded)
            *code = m_ctx.fail(error);
        return loaded;
    }

    RolloutStore store;

private:
    CliContext &m_ctx;
    QString m_description;
    QString m_workspace;
};

const QCommandLineOption kByOption{QStringLiteral("by"), QStringLiteral("Who makes the change (recorded with it)."), QStringLiteral("NAME")};
const QCommandLineOption kRolloutOption{QStringLiteral("rollout"),
                                        QStringLiteral("The rollout (may be left out when the workspace has exactly one)."),
                                        QStringLiteral("NAME")};

bool noPositional(CliContext &ctx, const QCommandLineParser &parser, const QString &what, int *code)
{
    if (parser.positionalArguments().isEmpty())
        return true;
    *code = ctx.fail(QStringLiteral("%1 takes no positional argument ('%2')").arg(what, parser.positionalArguments().first()), cli::kUsageError);
    return false;
}

// ---------------------------------------------------------------------------------------------

int list(CliContext &ctx)
{
    Command c(ctx, QStringLiteral("List the workspace's rollouts: templates, progress and sign-offs."));
    int code = 0;
    if (!c.parse(&code) || !noPositional(ctx, c.parser, QStringLiteral("rollout list"), &code))
        return code;
    QList<RolloutStore::Summary> all;
    if (QFileInfo::exists(c.dbPath())) {
        if (!c.open(false, &code))
            return code;
        QString error;
        all = c.store.list(&error);
        if (!error.isEmpty())
            return ctx.fail(error);
    } else if (!QFileInfo(c.workspace()).isDir()) {
        return ctx.fail(QStringLiteral("workspace %1 is not a folder").arg(c.workspace()), cli::kUsageError);
    }
    if (c.json()) {
        QJsonArray arr;
        for (const auto &s : all)
            arr.append(QJsonObject{{QStringLiteral("name"), s.name},
                                   {QStringLiteral("templates"), QJsonArray::fromStringList(s.templateIds)},
                                   {QStringLiteral("created_at"), isoTime(s.createdAt)},
                                   {QStringLiteral("created_by"), s.createdBy},
                                   {QStringLiteral("items"), s.items},
                                   {QStringLiteral("done"), s.done},
                                   {QStringLiteral("open"), s.open},
                                   {QStringLiteral("blocked"), s.blocked},
                                   {QStringLiteral("not_applicable"), s.notApplicable},
                                   {QStringLiteral("signoffs"), s.signOffs},
                                   {QStringLiteral("roles"), s.roles}});
        printJson(ctx, arr);
        return 0;
    }
    if (all.isEmpty()) {
        ctx.out << "No rollouts yet (start one with 'codex-adminctl rollout new NAME --by YOU').\n";
        return 0;
    }
    for (const auto &s : all)
        ctx.out << s.name << "  [" << s.templateIds.join(QStringLiteral(" + ")) << "]  created " << fmtTime(s.createdAt) << " by "
                << s.createdBy << "  " << countsLine(s.done, s.items, s.blocked, s.notApplicable) << "  sign-offs " << s.signOffs << "/"
                << s.roles << "\n";
    return 0;
}

int create(CliContext &ctx)
{
    Command c(ctx, QStringLiteral("Start a rollout from the seeds' checklists."));
    c.parser.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The rollout's name (unique in the workspace)."));
    c.parser.addOption({QStringLiteral("template"),
                        QStringLiteral("codex-parity, archive-improvements or both (default)."), QStringLiteral("T"), QStringLiteral("both")});
    c.parser.addOption(kByOption);
    int code = 0;
    if (!c.parse(&code))
        return code;
    const QStringList pos = c.parser.positionalArguments();
    if (pos.size() != 1)
        return ctx.fail(pos.isEmpty() ? QStringLiteral("rollout new needs a NAME") : QStringLiteral("rollout new takes one NAME (quote names with spaces)"),
                        cli::kUsageError);
    const auto by = c.by(&code);
    if (!by)
        return code;
    const QString which = c.parser.value(QStringLiteral("template")).trimmed();
    QList<ChecklistTemplate> templates;
    if (which == QLatin1String("both")) {
        templates = ChecklistTemplate::builtIn();  // in the seeds' order
    } else if (auto t = ChecklistTemplate::builtIn(which)) {
        templates << *t;
    } else {
        QStringList ids;
        for (const auto &t : ChecklistTemplate::builtIn())
            ids << t.id;
        return ctx.fail(QStringLiteral("unknown --template '%1' (expected %2 or both)").arg(which, ids.join(QStringLiteral(", "))), cli::kUsageError);
    }
    if (templates.isEmpty())
        return ctx.fail(QStringLiteral("the built-in checklist templates could not be read"));
    if (!c.open(true, &code))
        return code;
    const StoreResult r = c.store.create(pos.first(), templates, *by);
    if (!r)
        return ctx.fail(r.message);
    QString error;
    const auto loaded = c.store.load(pos.first().trimmed(), &error);
    if (!loaded)
        return ctx.fail(error);
    QStringList ids;
    for (const auto &t : templates)
        ids << t.id;
    if (c.json()) {
        printJson(ctx, QJsonObject{{QStringLiteral("name"), loaded->name},
                                   {QStringLiteral("templates"), QJsonArray::fromStringList(loaded->templateIds)},
                                   {QStringLiteral("items"), int(loaded->items.size())},
                                   {QStringLiteral("roles"), QJsonArray::fromStringList(loaded->roles)}});
        return 0;
    }
    ctx.out << "Created rollout '" << loaded->name << "' from " << ids.join(QStringLiteral(" + ")) << ": " << loaded->items.size()
            << " items; sign-off roles: " << loaded->roles.join(QStringLiteral(", ")) << "\n";
    return 0;
}

QJsonObject itemJson(const RolloutItem &i)
{
    return {{QStringLiteral("key"), i.def.key},
            {QStringLiteral("template"), i.templateId},
            {QStringLiteral("section"), QJsonArray::fromStringList(i.def.section)},
            {QStringLiteral("parent"), i.def.parentKey},
            {QStringLiteral("kind"), kindName(i.def.kind)},
            {QStringLiteral("text"), i.def.text},
            {QStringLiteral("status"), statusName(i.status)},
            {QStringLiteral("owner"), i.owner},
            {QStringLiteral("note"), redactSecrets(i.note)},
            {QStringLiteral("updated_at"), isoTime(i.updatedAt)},
            {QStringLiteral("updated_by"), i.updatedBy},
            {QStringLiteral("evidence"), int(i.evidenceIds.size())},
            {QStringLiteral("role"), i.def.role}};
}

QJsonObject checkJson(const SignOffCheck &c)
{
    return {{QStringLiteral("role"), c.signOff.role},
            {QStringLiteral("name"), c.signOff.name},
            {QStringLiteral("signed_at"), isoTime(c.signOff.signedAt)},
            {QStringLiteral("comment"), redactSecrets(c.signOff.comment)},
            {QStringLiteral("sha256"), c.signOff.contentSha256},
            {QStringLiteral("current_sha256"), c.currentSha256},
            {QStringLiteral("state"), signOffStateName(c.state)},
            {QStringLiteral("message"), c.message},
            {QStringLiteral("diff"), c.diff}};
}

QJsonObject changeJson(const Change &ch)
{
    return {{QStringLiteral("at"), isoTime(ch.at)},         {QStringLiteral("by"), ch.by},
            {QStringLiteral("item"), ch.itemKey},           {QStringLiteral("field"), ch.field},
            {QStringLiteral("old"), redactSecrets(ch.oldValue)}, {QStringLiteral("new"), redactSecrets(ch.newValue)}};
}

void printChange(CliContext &ctx, const Change &ch)
{
    ctx.out << fmtTime(ch.at) << "  " << ch.by << "  " << (ch.itemKey.isEmpty() ? QStringLiteral("(rollout)") : ch.itemKey) << "  " << ch.field
            << ": ";
    const QString oldV = oneLine(ch.oldValue, 80), newV = oneLine(ch.newValue, 80);
    if (oldV.isEmpty())
        ctx.out << newV;
    else
        ctx.out << oldV << " → " << newV;
    ctx.out << "\n";
}

QString verdictLabel(CriterionResult::Verdict v)
{
    switch (v) {
    case CriterionResult::Verdict::Pass: return QStringLiteral("PASS   ");
    case CriterionResult::Verdict::Fail: return QStringLiteral("FAIL   ");
    case CriterionResult::Verdict::NoData: return QStringLiteral("NO DATA");
    }
    return {};
}

void printCriterion(CliContext &ctx, const CriterionResult &c)
{
    ctx.out << verdictLabel(c.verdict) << "  " << (c.title.isEmpty() ? c.id : c.title)
            << (c.itemKey.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(c.itemKey)) << ": "
            << (c.verdict == CriterionResult::Verdict::NoData ? QStringLiteral("no data") : redactSecrets(c.figure));
    if (c.verdict == CriterionResult::Verdict::NoData && !c.reason.isEmpty())
        ctx.out << " (" << redactSecrets(c.reason) << ")";
    ctx.out << "\n";
    QStringList parts;
    if (!c.threshold.isEmpty())
        parts << QStringLiteral("threshold ") + c.threshold;
    if (!c.window.isEmpty())
        parts << QStringLiteral("window ") + c.window;
    if (!c.source.isEmpty())
        parts << QStringLiteral("source ") + redactSecrets(c.source);
    if (c.verdict == CriterionResult::Verdict::Fail && !c.reason.isEmpty())
        parts << redactSecrets(c.reason);
    if (!parts.isEmpty())
        ctx.out << "         " << parts.join(QStringLiteral("; ")) << "\n";
}

void printSignOffs(CliContext &ctx, const Rollout &r, const QList<SignOffCheck> &checks)
{
    for (const QString &role : r.roles) {
        const SignOffCheck *check = nullptr;
        for (const SignOffCheck &c : checks)
            if (c.signOff.role == role)
                check = &c;
        if (!check) {
            ctx.out << "- [ ] " << role << " — not signed\n";
            continue;
        }
        const SignOff &s = check->signOff;
        ctx.out << "- [x] " << role << " — " << s.name << ", " << fmtTime(s.signedAt) << ": " << signOffStateName(check->state)
                << " (sha256 " << s.contentSha256.left(16) << "…)\n";
        if (!s.comment.isEmpty())
            ctx.out << "      comment: " << oneLine(s.comment) << "\n";
        if (check->state != SignOffCheck::State::Valid && !check->message.isEmpty())
            ctx.out << "      " << check->message << "\n";
    }
    // Sign-offs of roles that are no longer listed.
    for (const SignOffCheck &c : checks)
        if (!r.roles.contains(c.signOff.role))
            ctx.out << "- [x] " << c.signOff.role << " — " << c.signOff.name << ", " << fmtTime(c.signOff.signedAt) << ": "
                    << signOffStateName(c.state) << "\n";
}

int show(CliContext &ctx)
{
    Command c(ctx, QStringLiteral("A rollout's checklist, criteria and sign-offs."));
    c.parser.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The rollout (may be left out when there is exactly one)."), QStringLiteral("[NAME]"));
    c.parser.addOption(kRolloutOption);
    c.parser.addOption({QStringLiteral("status"), QStringLiteral("Only items with this status: open, done, n/a or blocked."), QStringLiteral("S")});
    c.parser.addOption({QStringLiteral("history"), QStringLiteral("Also print the change history.")});
    int code = 0;
    if (!c.parse(&code))
        return code;
    const QStringList pos = c.parser.positionalArguments();
    if (pos.size() > 1)
        return ctx.fail(QStringLiteral("rollout show takes at most one NAME"), cli::kUsageError);
    std::optional<ItemStatus> only;
    if (c.parser.isSet(QStringLiteral("status"))) {
        only = statusFromName(c.parser.value(QStringLiteral("status")));
        if (!only)
            return ctx.fail(QStringLiteral("unknown --status '%1' (accepted: %2)").arg(c.parser.value(QStringLiteral("status")), kStatuses),
                            cli::kUsageError);
    }
    const auto name = c.openRollout(pos.isEmpty() ? c.parser.value(QStringLiteral("rollout")) : pos.first(), &code);
    if (!name)
        return code;
    const auto loaded = c.load(*name, &code);
    if (!loaded)
        return code;
    const Rollout &r = loaded->rollout;
    QList<Change> history;
    if (c.parser.isSet(QStringLiteral("history"))) {
        QString error;
        history = c.store.history(r.name, {}, &error);
        if (!error.isEmpty())
            return ctx.fail(error);
    }

    if (c.json()) {
        QJsonArray items, criteria, signoffs, changes;
        for (const RolloutItem &i : r.items)
            if (!only || i.status == *only)
                items.append(itemJson(i));
        for (const CriterionResult &cr : r.criteria)
            criteria.append(cr.toJson());
        for (const SignOffCheck &sc : loaded->checks)
            signoffs.append(checkJson(sc));
        QJsonObject o{{QStringLiteral("name"), r.name},
                      {QStringLiteral("templates"), QJsonArray::fromStringList(r.templateIds)},
                      {QStringLiteral("created_at"), isoTime(r.createdAt)},
                      {QStringLiteral("created_by"), r.createdBy},
                      {QStringLiteral("roles"), QJsonArray::fromStringList(r.roles)},
                      {QStringLiteral("counts"),
                       QJsonObject{{QStringLiteral("items"), int(r.items.size())},
                                   {QStringLiteral("done"), r.count(ItemStatus::Done)},
                                   {QStringLiteral("open"), r.count(ItemStatus::Open)},
                                   {QStringLiteral("blocked"), r.count(ItemStatus::Blocked)},
                                   {QStringLiteral("not_applicable"), r.count(ItemStatus::NotApplicable)}}},
                      {QStringLiteral("items"), items},
                      {QStringLiteral("criteria"), criteria},
                      {QStringLiteral("signoffs"), signoffs}};
        if (c.parser.isSet(QStringLiteral("history"))) {
            for (const Change &ch : history)
                changes.append(changeJson(ch));
            o.insert(QStringLiteral("history"), changes);
        }
        printJson(ctx, o);
        return 0;
    }

    ctx.out << "Rollout: " << r.name << "  [" << r.templateIds.join(QStringLiteral(" + ")) << "]  created " << fmtTime(r.createdAt) << " by "
            << r.createdBy << "\n";
    ctx.out << countsLine(r.count(ItemStatus::Done), int(r.items.size()), r.count(ItemStatus::Blocked), r.count(ItemStatus::NotApplicable))
            << ", sign-offs " << loaded->checks.size() << "/" << r.roles.size() << "\n";

    QHash<QString, QString> templateTitles;
    for (const auto &t : ChecklistTemplate::builtIn())
        templateTitles.insert(t.id, t.title);
    QHash<QString, const RolloutItem *> byKey;
    for (const RolloutItem &i : r.items)
        byKey.insert(i.def.key, &i);

    QString lastTemplate;
    QStringList lastSection;
    int shown = 0;
    for (const RolloutItem &i : r.items) {
        if (only && i.status != *only)
            continue;
        ++shown;
        if (i.templateId != lastTemplate) {
            ctx.out << "\n# " << templateTitles.value(i.templateId, i.templateId) << "\n";
            lastTemplate = i.templateId;
            lastSection.clear();
        }
        if (i.def.section != lastSection) {
            int common = 0;
            while (common < i.def.section.size() && common < lastSection.size() && i.def.section[common] == lastSection[common])
                ++common;
            for (int level = common; level < i.def.section.size(); ++level)
                ctx.out << "\n" << QString(level + 2, QLatin1Char('#')) << " " << i.def.section[level] << "\n";
            lastSection = i.def.section;
        }
        int depth = 0;
        for (const RolloutItem *p = byKey.value(i.def.parentKey); p && depth < 8; p = byKey.value(p->def.parentKey))
            ++depth;
        const QString indent(2 * depth, QLatin1Char(' '));
        ctx.out << indent << "- " << statusCheckbox(i.status) << " " << i.def.text << "  (" << i.def.key << ")\n";
        QStringList meta;
        if (!i.owner.isEmpty())
            meta << QStringLiteral("owner: ") + i.owner;
        if (i.updatedAt.isValid())
            meta << QStringLiteral("%1 by %2, %3").arg(statusName(i.status), i.updatedBy, fmtTime(i.updatedAt));
        if (!i.evidenceIds.isEmpty())
            meta << QStringLiteral("evidence: %1").arg(i.evidenceIds.size());
        if (!meta.isEmpty())
            ctx.out << indent << "      " << meta.join(QStringLiteral(" · ")) << "\n";
        if (!i.note.isEmpty())
            ctx.out << indent << "      note: " << oneLine(i.note) << "\n";
    }
    if (only && shown == 0)
        ctx.out << "\n(no " << statusName(*only) << " items)\n";

    ctx.out << "\n## Criteria";
    if (r.criteria.isEmpty()) {
        ctx.out << "\nnot evaluated yet (run 'codex-adminctl rollout evaluate --by YOU')\n";
    } else {
        ctx.out << " (recorded " << fmtTime(r.criteria.first().evaluatedAt) << ")\n";
        for (const CriterionResult &cr : r.criteria)
            printCriterion(ctx, cr);
    }
    ctx.out << "\n## Sign-offs\n";
    printSignOffs(ctx, r, loaded->checks);
    if (c.parser.isSet(QStringLiteral("history"))) {
        ctx.out << "\n## History\n";
        for (const Change &ch : history)
            printChange(ctx, ch);
    }
    return 0;
}

/// check / note / owner: one item edit (or several for check with --note/--owner).
int editItem(CliContext &ctx, const QString &sub)
{
    const bool isCheck = sub == QLatin1String("check");
    Command c(ctx, isCheck ? QStringLiteral("Set an item's status (and optionally its owner and note).")
                           : sub == QLatin1String("note") ? QStringLiteral("Set an item's note.") : QStringLiteral("Set an item's owner."));
    c.parser.addPositionalArgument(QStringLiteral("ITEM"), QStringLiteral("The item's key, or a unique part of its text."));
    if (sub == QLatin1String("note"))
        c.parser.addPositionalArgument(QStringLiteral("TEXT"), QStringLiteral("The note (empty clears it)."));
    if (sub == QLatin1String("owner"))
        c.parser.addPositionalArgument(QStringLiteral("NAME"), QStringLiteral("The owner (empty clears it)."));
    c.parser.addOption(kByOption);
    c.parser.addOption(kRolloutOption);
    if (isCheck)
        c.parser.addOptions({{QStringLiteral("status"), QStringLiteral("open, done, n/a or blocked."), QStringLiteral("S")},
                             {QStringLiteral("note"), QStringLiteral("Also set the note."), QStringLiteral("TEXT")},
                             {QStringLiteral("owner"), QStringLiteral("Also set the owner."), QStringLiteral("NAME")}});
    int code = 0;
    if (!c.parse(&code))
        return code;
    const QStringList pos = c.parser.positionalArguments();
    const int want = isCheck ? 1 : 2;
    if (pos.size() != want)
        return ctx.fail(isCheck ? QStringLiteral("rollout check needs one ITEM (key or a unique part of its text)")
                                : QStringLiteral("rollout %1 needs ITEM and %2").arg(sub, sub == QLatin1String("note") ? QStringLiteral("TEXT") : QStringLiteral("NAME")),
                        cli::kUsageError);
    std::optional<ItemStatus> status;
    if (isCheck) {
        if (!c.parser.isSet(QStringLiteral("status")))
            return ctx.fail(QStringLiteral("--status is required (accepted: %1)").arg(kStatuses), cli::kUsageError);
        status = statusFromName(c.parser.value(QStringLiteral("status")));
        if (!status)
            return ctx.fail(QStringLiteral("unknown --status '%1' (accepted: %2)").arg(c.parser.value(QStringLiteral("status")), kStatuses),
                            cli::kUsageError);
    }
    const auto by = c.by(&code);
    if (!by)
        return code;
    const auto name = c.openRollout(&code);
    if (!name)
        return code;
    QString error;
    const auto r = c.store.load(*name, &error);
    if (!r)
        return ctx.fail(error);
    const auto key = actions::resolveItemKey(*r, pos.first(), &error);
    if (!key)
        return ctx.fail(error);

    StoreResult result;
    if (status)
        result = c.store.setStatus(*name, *key, *status, *by);
    if (result && (sub == QLatin1String("owner") || (isCheck && c.parser.isSet(QStringLiteral("owner")))))
        result = c.store.setOwner(*name, *key, isCheck ? c.parser.value(QStringLiteral("owner")) : pos.at(1), *by);
    if (result && (sub == QLatin1String("note") || (isCheck && c.parser.isSet(QStringLiteral("note")))))
        result = c.store.setNote(*name, *key, isCheck ? c.parser.value(QStringLiteral("note")) : pos.at(1), *by);
    if (!result)
        return ctx.fail(result.message);

    const auto after = c.store.load(*name, &error);
    const RolloutItem *item = after ? after->item(*key) : nullptr;
    if (!item)
        return ctx.fail(error.isEmpty() ? QStringLiteral("item %1 vanished").arg(*key) : error);
    if (c.json()) {
        printJson(ctx, itemJson(*item));
        return 0;
    }
    ctx.out << "- " << statusCheckbox(item->status) << " " << item->def.text << "  (" << item->def.key << ")\n";
    QStringList meta{statusName(item->status)};
    if (!item->owner.isEmpty())
        meta << QStringLiteral("owner: ") + item->owner;
    if (item->updatedAt.isValid())
        meta << QStringLiteral("by %1, %2").arg(item->updatedBy, fmtTime(item->updatedAt));
    ctx.out << "      " << meta.join(QStringLiteral(" · ")) << "\n";
    if (!item->note.isEmpty())
        ctx.out << "      note: " << oneLine(item->note) << "\n";
    return 0;
}

QString itemList(const Rollout &r, const QStringList &keys)
{
    QStringList out;
    for (const QString &k : keys) {
        const RolloutItem *i = r.item(k);
        out << (i ? QStringLiteral("%1 (%2)").arg(i->def.text, k) : k);
    }
    return out.join(QStringLiteral("; "));
}

int attach(CliContext &ctx)
{
    Command c(ctx, QStringLiteral("Attach an endpoint suite run (probe --results / the Endpoints page's file) and tick the items it evidences."));
    c.parser.addOption({QStringLiteral("suite"), QStringLiteral("The suite results file (schema codex-admin/endpoint-suite/1)."), QStringLiteral("FILE")});
    c.parser.addOption(kByOption);
    c.parser.addOption(kRolloutOption);
    int code = 0;
    if (!c.parse(&code) || !noPositional(ctx, c.parser, QStringLiteral("rollout attach"), &code))
        return code;
    if (c.parser.value(QStringLiteral("suite")).isEmpty())
        return ctx.fail(QStringLiteral("--suite FILE is required (a file written by 'codex-adminctl probe --results FILE' or the Endpoints page)"),
                        cli::kUsageError);
    const auto by = c.by(&code);
    if (!by)
        return code;
    const QString path = QDir::cleanPath(QDir(c.workspace()).absoluteFilePath(c.parser.value(QStringLiteral("suite"))));
    QString error;
    const auto evidence = EvidenceCollector::fromSuiteFile(path, c.workspace(), *by, &error);
    if (!evidence)
        return ctx.fail(error.isEmpty() ? QStringLiteral("cannot read the suite results %1").arg(path) : error);
    const auto name = c.openRollout(&code);
    if (!name)
        return code;
    EvidenceCollector::SuiteMatch match;
    const StoreResult r = actions::attachSuiteRun(c.store, *name, *evidence, *by, &match);
    if (!r)
        return ctx.fail(r.message);
    const auto after = c.store.load(*name, &error);
    if (!after)
        return ctx.fail(error);
    if (c.json()) {
        printJson(ctx, QJsonObject{{QStringLiteral("evidence"), evidence->title},
                                   {QStringLiteral("passed"), evidence->passed},
                                   {QStringLiteral("attached"), QJsonArray::fromStringList(match.attach)},
                                   {QStringLiteral("ticked"), QJsonArray::fromStringList(match.tick)},
                                   {QStringLiteral("failed"), QJsonArray::fromStringList(match.failed)}});
        return 0;
    }
    ctx.out << "Attached " << redactSecrets(evidence->title) << " to " << match.attach.size() << " item(s)\n";
    ctx.out << "ticked (" << match.tick.size() << "): " << (match.tick.isEmpty() ? QStringLiteral("none") : itemList(*after, match.tick)) << "\n";
    if (!match.failed.isEmpty())
        ctx.out << "failed (" << match.failed.size() << "), status kept: " << itemList(*after, match.failed) << "\n";
    if (match.attach.isEmpty())
        ctx.out << "no item of rollout '" << *name << "' is evidenced by this suite (attached rollout-wide)\n";
    return 0;
}

/// "10m", "90s", "2h", "600" (seconds) → ms; 0 when not understood.
qint64 parseDuration(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^\\s*(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?\\s*$"));
    const auto m = re.match(text);
    if (!m.hasMatch())
        return 0;
    const double v = m.captured(1).toDouble();
    const QString unit = m.captured(2);
    const double factor = unit == QLatin1String("ms") ? 1 : unit == QLatin1String("m") ? 60000 : unit == QLatin1String("h") ? 3600000 : 1000;
    return qint64(v * factor);
}

int collect(CliContext &ctx)
{
    Command c(ctx, QStringLiteral("Gather the workspace's evidence into the rollout: the newest endpoint suite run, a health check, batch "
                                  "results, a redacted config snapshot, an evidence-log summary and (with --prometheus) a metric snapshot."));
    c.parser.addOption(kByOption);
    c.parser.addOption(kRolloutOption);
    c.parser.addOption({QStringLiteral("prometheus"), QStringLiteral("Also take a metric snapshot from this Prometheus server."), QStringLiteral("URL")});
    c.parser.addOption({QStringLiteral("window"), QStringLiteral("Window of the metric figures and of the before/after means (default 10m)."),
                        QStringLiteral("D"), QStringLiteral("10m")});
    int code = 0;
    if (!c.parse(&code) || !noPositional(ctx, c.parser, QStringLiteral("rollout collect"), &code))
        return code;
    const auto by = c.by(&code);
    if (!by)
        return code;
    const qint64 windowMs = parseDuration(c.parser.value(QStringLiteral("window")));
    if (windowMs <= 0)
        return ctx.fail(QStringLiteral("--window '%1' is not a duration (e.g. 10m, 90s, 1h)").arg(c.parser.value(QStringLiteral("window"))),
                        cli::kUsageError);
    const QString prom = c.parser.value(QStringLiteral("prometheus")).trimmed();
    if (c.parser.isSet(QStringLiteral("prometheus"))) {
        const QUrl url(prom, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty())
            return ctx.fail(QStringLiteral("--prometheus '%1' is not an http(s) URL with a host").arg(redactUrl(prom)), cli::kUsageError);
    }
    const auto name = c.openRollout(&code);
    if (!name)
        return code;
    actions::CollectReport report;
    const StoreResult r = actions::collectAll(c.store, *name, c.workspace(), *by, &report);
    QStringList lines = report.lines;
    QStringList errors;
    if (!r)
        errors << r.message;
    if (r && !prom.isEmpty()) {
        QString error;
        const auto snap = EvidenceCollector::metricSnapshotFromPrometheus(prom, c.workspace(), windowMs, *by, &error);
        if (!snap) {
            errors << QStringLiteral("metric snapshot: ") + redactSecrets(error);
        } else {
            const StoreResult a = c.store.attachEvidence(*name, *snap, {}, *by);
            if (!a) {
                errors << a.message;
            } else {
                lines << QStringLiteral("metric snapshot from %1: %2").arg(redactUrl(prom), redactSecrets(snap->title));
                ++report.attached;
            }
        }
    }
    if (c.json()) {
        printJson(ctx, QJsonObject{{QStringLiteral("lines"), QJsonArray::fromStringList(lines)},
                                   {QStringLiteral("attached"), report.attached},
                                   {QStringLiteral("ticked"), report.ticked},
                                   {QStringLiteral("errors"), QJsonArray::fromStringList(errors)}});
    } else {
        for (const QString &l : lines)
            ctx.out << l << "\n";
        ctx.out << report.attached << " piece(s) of evidence attached, " << report.ticked << " item(s) ticked\n";
    }
    ctx.out.flush();
    for (const QString &e : errors)
        ctx.fail(e);
    return errors.isEmpty() ? 0 : 1;
}

int evaluate(CliContext &ctx)
{
    Command c(ctx, QStringLiteral("Judge the success criteria from data now and record the evaluation; exit 1 when any criterion fails "
                                  "(no data is not a failure)."));
    c.parser.addOption(kByOption);
    c.parser.addOption(kRolloutOption);
    int code = 0;
    if (!c.parse(&code) || !noPositional(ctx, c.parser, QStringLiteral("rollout evaluate"), &code))
        return code;
    const auto by = c.by(&code);
    if (!by)
        return code;
    const auto name = c.openRollout(&code);
    if (!name)
        return code;
    QList<CriterionResult> results;
    const StoreResult r = actions::evaluateAndRecord(c.store, *name, c.workspace(), *by, &results);
    if (!r)
        return ctx.fail(r.message);
    int pass = 0, fail = 0, noData = 0;
    for (const CriterionResult &cr : results)
        (cr.verdict == CriterionResult::Verdict::Pass ? pass : cr.verdict == CriterionResult::Verdict::Fail ? fail : noData)++;
    if (c.json()) {
        QJsonArray arr;
        for (const CriterionResult &cr : results)
            arr.append(cr.toJson());
        printJson(ctx, QJsonObject{{QStringLiteral("rollout"), *name},
                                   {QStringLiteral("criteria"), arr},
                                   {QStringLiteral("pass"), pass},
                                   {QStringLiteral("fail"), fail},
                                   {QStringLiteral("no_data"), noData}});
    } else {
        for (const CriterionResult &cr : results)
            printCriterion(ctx, cr);
        ctx.out << pass << " pass, " << fail << " fail, " << noData << " no data\n";
    }
    return fail ? 1 : 0;
}

int sign(CliContext &ctx)
{
    Command c(ctx, QStringLiteral("Sign off for a role: seals the SHA-256 of the report content as it is now."));
    c.parser.addOption({QStringLiteral("role"), QStringLiteral("The role (Development, QA, DevOps, Product Owner, Engineering Manager, …)."),
                        QStringLiteral("R")});
    c.parser.addOption(kByOption);
    c.parser.addOption({QStringLiteral("comment"), QStringLiteral("A comment stored with the sign-off."), QStringLiteral("TEXT")});
    c.parser.addOption(kRolloutOption);
    int code = 0;
    if (!c.parse(&code) || !noPositional(ctx, c.parser, QStringLiteral("rollout sign"), &code))
        return code;
    const QString role = c.parser.value(QStringLiteral("role")).trimmed();
    if (role.isEmpty())
        return ctx.fail(QStringLiteral("--role R is required (e.g. --role QA)"), cli::kUsageError);
    const auto by = c.by(&code);
    if (!by)
        return code;
    const auto name = c.openRollout(&code);
    if (!name)
        return code;
    SignOff s;
    const StoreResult r = actions::sign(c.store, *name, role, *by, c.parser.value(QStringLiteral("comment")), c.workspace(), &s);
    if (!r)
        return ctx.fail(r.message);
    if (c.json()) {
        printJson(ctx, QJsonObject{{QStringLiteral("rollout"), *name},
                                   {QStringLiteral("role"), s.role},
                                   {QStringLiteral("name"), s.name},
                                   {QStringLiteral("signed_at"), isoTime(s.signedAt)},
                                   {QStringLiteral("comment"), redactSecrets(s.comment)},
                                   {QStringLiteral("sha256"), s.contentSha256}});
        return 0;
    }
    ctx.out << "Signed off '" << *name << "' for " << s.role << " by " << s.name << " at " << fmtTime(s.signedAt) << "\n";
    ctx.out << "sha256 " << s.contentSha256 << "\n";
    return 0;
}

int verify(CliContext &ctx)
{
    Command c(ctx, QStringLiteral("Check every sign-off against today's content; exit 1 when one was changed after sign-off or tampered with."));
    c.parser.addOption(kRolloutOption);
    int code = 0;
    if (!c.parse(&code) || !noPositional(ctx, c.parser, QStringLiteral("rollout verify"), &code))
        return code;
    const auto name = c.openRollout(&code);
    if (!name)
        return code;
    const auto loaded = c.load(*name, &code);
    if (!loaded)
        return code;
    int bad = 0;
    for (const SignOffCheck &sc : loaded->checks)
        bad += sc.state != SignOffCheck::State::Valid;
    if (c.json()) {
        QJsonArray arr;
        for (const SignOffCheck &sc : loaded->checks)
            arr.append(checkJson(sc));
        printJson(ctx, QJsonObject{{QStringLiteral("rollout"), *name}, {QStringLiteral("signoffs"), arr}, {QStringLiteral("ok"), bad == 0}});
        return bad ? 1 : 0;
    }
    if (loaded->checks.isEmpty()) {
        ctx.out << "Rollout '" << *name << "' has no sign-offs yet.\n";
        return 0;
    }
    for (const SignOffCheck &sc : loaded->checks) {
        const SignOff &s = sc.signOff;
        ctx.out << s.role << " — " << s.name << ", " << fmtTime(s.signedAt) << ": " << signOffStateName(sc.state) << "\n";
        ctx.out << "  signed sha256 " << s.contentSha256 << "\n";
        if (sc.state == SignOffCheck::State::Valid)
            continue;
        ctx.out << "  today's sha256 " << sc.currentSha256 << "\n";
        if (!sc.message.isEmpty())
            ctx.out << "  " << sc.message << "\n";
        if (!sc.diff.isEmpty()) {
            ctx.out << sc.diff;
            if (!sc.diff.endsWith(QLatin1Char('\n')))
                ctx.out << "\n";
        }
    }
    ctx.out << (bad ? QStringLiteral("%1 of %2 sign-off(s) no longer match").arg(bad).arg(loaded->checks.size())
                    : QStringLiteral("all %1 sign-off(s) valid").arg(loaded->checks.size()))
            << "\n";
    return bad ? 1 : 0;
}

int history(CliContext &ctx)
{
    Command c(ctx, QStringLiteral("The change history: who changed what when, with old and new value."));
    c.parser.addOption(kRolloutOption);
    c.parser.addOption({QStringLiteral("item"), QStringLiteral("Only this item (key or a unique part of its text)."), QStringLiteral("ITEM")});
    int code = 0;
    if (!c.parse(&code) || !noPositional(ctx, c.parser, QStringLiteral("rollout history"), &code))
        return code;
    const auto name = c.openRollout(&code);
    if (!name)
        return code;
    QString error;
    QString key;
    if (c.parser.isSet(QStringLiteral("item"))) {
        const auto r = c.store.load(*name, &error);
        if (!r)
            return ctx.fail(error);
        const auto k = actions::resolveItemKey(*r, c.parser.value(QStringLiteral("item")), &error);
        if (!k)
            return ctx.fail(error);
        key = *k;
    }
    const QList<Change> changes = c.store.history(*name, key, &error);
    if (!error.isEmpty())
        return ctx.fail(error);
    if (c.json()) {
        QJsonArray arr;
        for (const Change &ch : changes)
            arr.append(changeJson(ch));
        printJson(ctx, arr);
        return 0;
    }
    for (const Change &ch : changes)
        printChange(ctx, ch);
    if (changes.isEmpty())
        ctx.out << "no changes recorded\n";
    return 0;
}

std::optional<ReportFormat> formatFromSuffix(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("htm"))
        return ReportFormat::Html;
    if (suffix.isEmpty())
        return std::nullopt;
    return formatFromName(suffix);
}

int reportExport(CliContext &ctx)
{
    Command c(ctx, QStringLiteral("Export a rollout report: checklist, criteria, evidence, sign-offs and history. FILE is relative to the workspace."));
    c.parser.addOption(kRolloutOption);
    c.parser.addOption({QStringLiteral("format"), QStringLiteral("pdf, html, md or json (default: from the file's extension)."), QStringLiteral("F")});
    c.parser.addOption({{QStringLiteral("o"), QStringLiteral("output")}, QStringLiteral("The file to write."), QStringLiteral("FILE")});
    c.parser.addOption({QStringLiteral("force"), QStringLiteral("Replace an existing FILE.")});
    c.parser.addOption({QStringLiteral("no-history"), QStringLiteral("Leave the change history out.")});
    c.parser.addOption({QStringLiteral("by"), QStringLiteral("Who generates the report (default: $USER)."), QStringLiteral("NAME")});
    int code = 0;
    if (!c.parse(&code) || !noPositional(ctx, c.parser, QStringLiteral("report export"), &code))
        return code;
    const QString output = c.parser.value(QStringLiteral("o"));
    std::optional<ReportFormat> format;
    if (c.parser.isSet(QStringLiteral("format"))) {
        format = formatFromName(c.parser.value(QStringLiteral("format")).trimmed());
        if (!format)
            return ctx.fail(QStringLiteral("unknown --format '%1' (expected %2)").arg(c.parser.value(QStringLiteral("format")), kFormats), cli::kUsageError);
    } else if (!output.isEmpty()) {
        format = formatFromSuffix(output);
        if (!format)
            return ctx.fail(QStringLiteral("--format is required (%1): it cannot be told from '%2'").arg(kFormats, output), cli::kUsageError);
    } else {
        return ctx.fail(QStringLiteral("--format is required (%1)").arg(kFormats), cli::kUsageError);
    }
    if (output.isEmpty())
        return ctx.fail(QStringLiteral("-o FILE is required (where to write the report)"), cli::kUsageError);
    const QString path = QDir::cleanPath(QDir(c.workspace()).absoluteFilePath(output));
    const bool force = c.parser.isSet(QStringLiteral("force"));
    if (QFileInfo::exists(path) && !force)
        return ctx.fail(QStringLiteral("%1 exists (use --force to replace it)").arg(path));
    if (QFileInfo(path).isDir())
        return ctx.fail(QStringLiteral("%1 is a folder, not a file").arg(path));
    const auto name = c.openRollout(&code);
    if (!name)
        return code;
    const auto loaded = c.load(*name, &code);
    if (!loaded)
        return code;
    QString optionsError;
    const auto options = actions::reportOptions(
        c.store, *name,
        c.parser.isSet(QStringLiteral("by")) ? c.parser.value(QStringLiteral("by")) : qEnvironmentVariable("USER"),
        !c.parser.isSet(QStringLiteral("no-history")), &optionsError);
    if (!options)
        return ctx.fail(optionsError);
    ReportBuilder builder(loaded->rollout, loaded->checks, *options);
    QString error;
    qint64 bytes = 0;
    int pages = 0;
    if (*format == ReportFormat::Pdf) {
        models::ReportPdfWriter writer(builder);
        if (!writer.write(path, force, &error))
            return ctx.fail(error.isEmpty() ? QStringLiteral("cannot write %1").arg(path) : error);
        pages = writer.pageCount();
    } else {
        const QByteArray content = builder.render(*format, &error);
        if (content.isEmpty())
            return ctx.fail(error.isEmpty() ? QStringLiteral("the %1 report is empty").arg(formatName(*format)) : error);
        if (!writeReportFile(path, content, force, &error))
            return ctx.fail(error.isEmpty() ? QStringLiteral("cannot write %1").arg(path) : error);
    }
    bytes = QFileInfo(path).size();
    if (c.json()) {
        QJsonObject o{{QStringLiteral("rollout"), *name},
                      {QStringLiteral("format"), formatName(*format)},
                      {QStringLiteral("file"), path},
                      {QStringLiteral("bytes"), bytes}};
        if (pages)
            o.insert(QStringLiteral("pages"), pages);
        printJson(ctx, o);
        return 0;
    }
    ctx.out << "Wrote " << path << " (" << formatName(*format) << ", ";
    if (pages)
        ctx.out << pages << " page(s), ";
    ctx.out << QLocale(QLocale::English).toString(bytes) << " bytes)\n";
    return 0;
}

}  // namespace

int cli::runRollout(CliContext &ctx)
{
    const QString sub = ctx.args.value(2);
    CliContext sc = ctx.subcommand(QStringLiteral("rollout"), sub);
    if (sub == QLatin1String("list"))
        return list(sc);
    if (sub == QLatin1String("new"))
        return create(sc);
    if (sub == QLatin1String("show"))
        return show(sc);
    if (sub == QLatin1String("check") || sub == QLatin1String("note") || sub == QLatin1String("owner"))
        return editItem(sc, sub);
    if (sub == QLatin1String("attach"))
        return attach(sc);
    if (sub == QLatin1String("collect"))
        return collect(sc);
    if (sub == QLatin1String("evaluate"))
        return evaluate(sc);
    if (sub == QLatin1String("sign"))
        return sign(sc);
    if (sub == QLatin1String("verify"))
        return verify(sc);
    if (sub == QLatin1String("history"))
        return history(sc);
    return ctx.fail(QStringLiteral("rollout needs a subcommand: list, new, show, check, note, owner, attach, collect, evaluate, sign, verify "
                                   "or history"),
                    kUsageError);
}

int cli::runReport(CliContext &ctx)
{
    const QString sub = ctx.args.value(2);
    CliContext sc = ctx.subcommand(QStringLiteral("report"), sub);
    if (sub == QLatin1String("export"))
        return reportExport(sc);
    return ctx.fail(QStringLiteral("report needs a subcommand: export"), kUsageError);
}
