// codex-adminctl config show|set|unset|validate
#include "CliContext.h"

#include "common/Url.h"
#include "config/ConfigEditor.h"
#include "config/ConfigJson.h"
#include "config/ConfigResolver.h"

#include <QCommandLineParser>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>

using namespace codex::config;

namespace {

QString text(const ResolvedConfig &rc, const QString &key, bool reveal = false)
{
    const ResolvedKey *k = rc.find(key);
    return k ? ConfigResolver::displayValue(*k->schema, k->value, reveal) : QString();
}

bool flag(const ResolvedConfig &rc, const QString &key)
{
    return rc.value(key).toBool();
}

// The reference's own output: `codex archive config-show` and `ccproxy codex info`.
void printReference(QTextStream &out, const ResolvedConfig &rc, bool debug)
{
    switch (rc.profile->kind) {
    case ProfileKind::ArchiveA:
    case ProfileKind::ArchiveB: {
        const bool a = rc.profile->kind == ProfileKind::ArchiveA;
        out << "=== Archive Configuration ===\n";
        out << "Backend: " << text(rc, a ? QStringLiteral("backend.type") : QStringLiteral("backend.backend")) << "\n";
        const QString url = rc.value(QStringLiteral("backend.url")).toString();
        if (debug)
            out << "URL: " << url << "\n";
        else
            out << "URL: " << (url.isEmpty() ? QStringLiteral("<not set>") : codex::redactUrl(url)) << " (credentials redacted)\n";
        out << "Log Level: " << text(rc, QStringLiteral("logging.level")) << "\n";
        out << "Log Format: " << text(rc, QStringLiteral("logging.format")) << "\n";
        if (flag(rc, QStringLiteral("retry.enabled")))
            out << "Retry: enabled (max " << text(rc, QStringLiteral("retry.max_attempts")) << " attempts)\n";
        else
            out << "Retry: disabled\n";
        out << "Batch Concurrency: " << text(rc, a ? QStringLiteral("batch.max_concurrent") : QStringLiteral("batch.concurrent")) << "\n";
        out << "Performance Metrics: "
            << (flag(rc, a ? QStringLiteral("performance.enable_metrics") : QStringLiteral("performance.enabled")) ? "enabled" : "disabled")
            << "\n";
        break;
    }
    case ProfileKind::Ccproxy:
        out << "Codex Configuration\n";
        out << "Enabled: " << text(rc, QStringLiteral("codex.enabled")) << "\n";
        out << "Base URL: " << text(rc, QStringLiteral("codex.base_url"), debug) << "\n";
        out << "Instruction Mode: " << text(rc, QStringLiteral("codex.system_prompt_injection_mode")) << "\n";
        out << "Dynamic Model Info: " << text(rc, QStringLiteral("codex.enable_dynamic_model_info")) << "\n";
        out << "Max Tokens Fallback: " << text(rc, QStringLiteral("codex.max_output_tokens_fallback")) << "\n";
        out << "Propagate Unsupported: " << text(rc, QStringLiteral("codex.propagate_unsupported_params")) << "\n";
        out << "Header Override: " << text(rc, QStringLiteral("codex.header_override_enabled")) << "\n";
        out << "Verbose Logging: " << text(rc, QStringLiteral("codex.verbose_logging")) << "\n";
        break;
    case ProfileKind::CcproxyCurrent:
        out << "Codex plugin configuration\n";
        for (const ResolvedKey &k : rc.keys)
            out << k.schema->key << ": " << ConfigResolver::displayValue(*k.schema, k.value, debug) << "\n";
        break;
    }
}

void printOrigins(QTextStream &out, const ResolvedConfig &rc, bool reveal)
{
    out << "Profile: " << rc.profile->id << " (" << rc.profile->title << ")\n";
    out << "  " << rc.profile->order << "\n";
    out << "File: " << (rc.file.path.isEmpty() ? QStringLiteral("(none)") : rc.file.path) << " — " << rc.file.reason << "\n\n";
    int width = 0;
    for (const ResolvedKey &k : rc.keys)
        width = std::max(width, int(k.schema->key.size()));
    for (const ResolvedKey &k : rc.keys) {
        out << k.schema->key.leftJustified(width + 2) << ConfigResolver::displayValue(*k.schema, k.value, reveal).leftJustified(28)
            << "  " << sourceName(k.origin.source).leftJustified(9) << k.origin.toString() << "\n";
        for (const Candidate &c : k.shadowed)
            out << QString(width + 4, QLatin1Char(' ')) << "shadows " << sourceName(c.origin.source) << " "
                << ConfigResolver::displayValue(*k.schema, c.value, reveal) << " (" << c.origin.toString() << ")\n";
        for (const IgnoredValue &i : k.ignored)
            out << QString(width + 4, QLatin1Char(' ')) << "ignored " << sourceName(i.candidate.origin.source) << " "
                << ConfigResolver::displayCandidate(*k.schema, i.candidate, reveal) << " (" << i.candidate.origin.toString() << "): " << i.reason << "\n";
    }
    bool header = false;
    for (const ConfigIssue &i : rc.issues) {
        if (!header)
            out << "\n";
        header = true;
        out << severityName(i.severity) << ": " << codex::redactSecrets(i.message) << "\n";
    }
}

QString firstError(const QList<ConfigIssue> &issues, int *count)
{
    QString first;
    *count = 0;
    for (const ConfigIssue &i : issues)
        if (i.severity == Severity::Error) {
            if (first.isEmpty())
                first = codex::redactSecrets(i.message);
            ++*count;
        }
    return first;
}

int invalid(CliContext &ctx, const ResolvedConfig &rc)
{
    int count = 0;
    const QString first = firstError(rc.issues, &count);
    return ctx.fail(count > 1 ? QStringLiteral("invalid configuration: %1 (and %2 more; see config validate)").arg(first).arg(count - 1)
                              : QStringLiteral("invalid configuration: %1").arg(first));
}

int show(CliContext &ctx)
{
    QCommandLineParser parser;
    CliContext::addConfigOptions(parser);
    parser.addOption({QStringLiteral("origin"), QStringLiteral("Show where every value comes from, what it shadows and what is ignored.")});
    parser.addOption({QStringLiteral("debug"), QStringLiteral("Show credentials in URLs (as the reference's --debug).")});
    parser.addOption({QStringLiteral("set"), QStringLiteral("Command-line override KEY=VALUE (repeatable)."), QStringLiteral("KEY=VALUE")});
    if (!ctx.parse(parser, QStringLiteral("Show the effective configuration.")))
        return parser.isSet(QStringLiteral("help")) ? 0 : cli::kUsageError;
    int code = 0;
    auto opts = ctx.readConfigOptions(parser, &code);
    if (!opts)
        return code;
    for (const QString &kv : parser.values(QStringLiteral("set"))) {
        const int eq = kv.indexOf(QLatin1Char('='));
        if (eq <= 0)
            return ctx.fail(QStringLiteral("--set expects KEY=VALUE, got '%1'").arg(kv), cli::kUsageError);
        opts->inputs.overrides.append({kv.left(eq), kv.mid(eq + 1)});
    }
    const ResolvedConfig rc = ConfigResolver::resolve(*opts->profile, opts->inputs);
    if (rc.hasErrors())
        return invalid(ctx, rc);
    const bool reveal = parser.isSet(QStringLiteral("debug"));
    if (parser.isSet(QStringLiteral("json")))
        ctx.out << QJsonDocument(resolvedConfigToJson(rc, reveal)).toJson(QJsonDocument::Indented);
    else if (parser.isSet(QStringLiteral("origin")))
        printOrigins(ctx.out, rc, reveal);
    else
        printReference(ctx.out, rc, reveal);
    return 0;
}

int validate(CliContext &ctx)
{
    QCommandLineParser parser;
    CliContext::addConfigOptions(parser);
    if (!ctx.parse(parser, QStringLiteral("Check the configuration; exit 1 when it is invalid.")))
        return parser.isSet(QStringLiteral("help")) ? 0 : cli::kUsageError;
    int code = 0;
    auto opts = ctx.readConfigOptions(parser, &code);
    if (!opts)
        return code;
    const ResolvedConfig rc = ConfigResolver::resolve(*opts->profile, opts->inputs);
    if (parser.isSet(QStringLiteral("json"))) {
        QJsonObject o = resolvedConfigToJson(rc, false);
        o.insert(QStringLiteral("valid"), !rc.hasErrors());
        ctx.out << QJsonDocument(o).toJson(QJsonDocument::Indented);
        return rc.hasErrors() ? 1 : 0;
    }
    for (const ConfigIssue &i : rc.issues)
        ctx.out << severityName(i.severity) << ": " << codex::redactSecrets(i.message) << "\n";
    if (rc.hasErrors())
        return invalid(ctx, rc);
    ctx.out << "OK: " << (rc.file.path.isEmpty() ? QStringLiteral("no configuration file") : rc.file.path)
            << " is valid under profile " << rc.profile->id << "\n";
    return 0;
}

int edit(CliContext &ctx, bool set)
{
    QCommandLineParser parser;
    CliContext::addConfigOptions(parser);
    parser.addPositionalArgument(QStringLiteral("KEY"), QStringLiteral("Dotted key, e.g. retry.enabled"));
    if (set)
        parser.addPositionalArgument(QStringLiteral("VALUE"), QStringLiteral("New value"));
    if (!ctx.parse(parser, set ? QStringLiteral("Set KEY to VALUE in the configuration file; only that value's bytes change.")
                               : QStringLiteral("Remove KEY's line from the configuration file.")))
        return parser.isSet(QStringLiteral("help")) ? 0 : cli::kUsageError;
    const QStringList pos = parser.positionalArguments();
    if (pos.size() != (set ? 2 : 1))
        return ctx.fail(set ? QStringLiteral("config set needs KEY and VALUE") : QStringLiteral("config unset needs KEY"),
                        cli::kUsageError);
    int code = 0;
    auto opts = ctx.readConfigOptions(parser, &code);
    if (!opts)
        return code;
    const SchemaKey *key = opts->profile->schema().find(pos[0]);
    if (!key)
        return ctx.fail(QStringLiteral("'%1' is not a setting of %2").arg(pos[0], opts->profile->title));
    ConfigEditor editor;
    editor.open(*opts->profile, opts->inputs);
    ConfigEditor::Result r;
    if (set) {
        QString error;
        const QVariant value = ConfigResolver::parseText(*key, pos[1], &error);
        if (!value.isValid())
            return ctx.fail(QStringLiteral("%1: %2 (expected %3)").arg(key->key, error, key->ruleText()));
        r = editor.setValue(key->key, value);
    } else {
        r = editor.unsetKey(key->key);
    }
    if (!r.ok)
        return ctx.fail(codex::redactSecrets(r.message));
    if (!editor.isModified()) {
        ctx.out << "Unchanged: " << editor.displayPath() << " already " << (set ? "has that value" : "lacks that key") << "\n";
        return 0;
    }
    const ConfigEditor::Result saved = editor.save();
    if (!saved.ok)
        return ctx.fail(codex::redactSecrets(saved.message));
    ctx.out << codex::redactSecrets(editor.diff().isEmpty() ? saved.message : saved.message) << "\n";
    if (!editor.fileIsRead())
        ctx.err << "warning: " << editor.displayPath() << " is not read under profile " << opts->profile->id << " ("
                << editor.resolved().file.reason << ")\n";
    return 0;
}

}  // namespace

int cli::runConfig(CliContext &ctx)
{
    const QString sub = ctx.args.value(2);
    CliContext sc = ctx.subcommand(QStringLiteral("config"), sub);
    if (sub == QLatin1String("show"))
        return show(sc);
    if (sub == QLatin1String("validate"))
        return validate(sc);
    if (sub == QLatin1String("set"))
        return edit(sc, true);
    if (sub == QLatin1String("unset"))
        return edit(sc, false);
    return ctx.fail(QStringLiteral("config needs a subcommand: show, set, unset or validate"), kUsageError);
}
