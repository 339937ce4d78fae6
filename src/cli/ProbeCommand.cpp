// codex-adminctl probe: the endpoint test suite (seed 000's manual tests) against a ccproxy;
// codex-adminctl load: N requests with C in flight, latency quantiles and errors by status.
#include "CliContext.h"

#include "common/AtomicFile.h"
#include "common/Url.h"
#include "proxy/EndpointClient.h"
#include "proxy/LoadRunner.h"
#include "proxy/ProxyProfile.h"
#include "proxy/SecretStore.h"
#include "proxy/TestSuite.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLocale>

#include <cmath>

using namespace codex;
using namespace codex::proxy;

namespace {

/// --base-url: an absolute http(s) URL with a host; *problem says what is wrong.
std::optional<QUrl> parseBaseUrl(const QString &text, QString *problem)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (text.trimmed().isEmpty()) {
        *problem = QStringLiteral("--base-url is required (e.g. http://127.0.0.1:8000)");
        return std::nullopt;
    }
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty()) {
        *problem = QStringLiteral("--base-url '%1' is not an http(s) URL with a host (e.g. http://127.0.0.1:8000)").arg(redactUrl(text));
        return std::nullopt;
    }
    return url;
}

/// The environment from --base-url, --profile and --token-env; nullopt after printing a usage error.
std::optional<Environment> environmentFrom(CliContext &ctx, const QCommandLineParser &parser, int *code)
{
    QString problem;
    const auto url = parseBaseUrl(parser.value(QStringLiteral("base-url")), &problem);
    if (!url) {
        *code = ctx.fail(problem, cli::kUsageError);
        return std::nullopt;
    }
    Environment env;
    env.name = QStringLiteral("command line");
    env.baseUrl = *url;
    env.profileId = parser.value(QStringLiteral("profile"));
    if (!ProxyProfile::preset(env.profileId)) {
        *code = ctx.fail(QStringLiteral("unknown --profile '%1' (expected fork, legacy or current)").arg(env.profileId), cli::kUsageError);
        return std::nullopt;
    }
    if (parser.isSet(QStringLiteral("token-env"))) {
        const QString var = parser.value(QStringLiteral("token-env")).trimmed();
        if (var.isEmpty() || qEnvironmentVariable(var.toLocal8Bit().constData()).isEmpty()) {
            *code = ctx.fail(QStringLiteral("environment variable %1 is not set (--token-env names the variable holding the bearer token)").arg(var),
                             cli::kUsageError);
            return std::nullopt;
        }
        env.tokenRef = QStringLiteral("env:") + var;
    }
    if (parser.isSet(QStringLiteral("timeout"))) {
        bool ok = false;
        const int ms = parser.value(QStringLiteral("timeout")).toInt(&ok);
        if (!ok || ms < 1) {
            *code = ctx.fail(QStringLiteral("--timeout expects milliseconds, not '%1'").arg(parser.value(QStringLiteral("timeout"))), cli::kUsageError);
            return std::nullopt;
        }
        env.timeoutMs = ms;
    }
    return env;
}

void addEnvironmentOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        {QStringLiteral("base-url"), QStringLiteral("The proxy, e.g. http://127.0.0.1:8000."), QStringLiteral("URL")},
        {QStringLiteral("profile"), QStringLiteral("ccproxy generation: fork (default), legacy or current."), QStringLiteral("P"), QStringLiteral("fork")},
        {QStringLiteral("token-env"), QStringLiteral("Environment variable holding the bearer token."), QStringLiteral("VAR")},
        {QStringLiteral("timeout"), QStringLiteral("Per-request timeout in ms (default 30000)."), QStringLiteral("MS")},
    });
}

QString fmtMs(double ms)
{
    if (std::isnan(ms))
        return QStringLiteral("-");
    return ms < 10 ? QString::number(ms, 'f', 2) + QStringLiteral(" ms") : QLocale(QLocale::English).toString(ms, 'f', ms < 100 ? 1 : 0) + QStringLiteral(" ms");
}

QString label(Verdict v)
{
    switch (v) {
    case Verdict::Pass:
        return QStringLiteral("PASS ");
    case Verdict::Fail:
        return QStringLiteral("FAIL ");
    case Verdict::Error:
        return QStringLiteral("ERROR");
    case Verdict::Skipped:
        return QStringLiteral("SKIP ");
    case Verdict::Inconclusive:
        return QStringLiteral("INCONCLUSIVE");
    }
    return QStringLiteral("?");
}

void printCase(QTextStream &s, const CaseResult &c)
{
    s << label(c.verdict) << "  " << c.id << "  " << c.title << "  ";
    if (c.verdict == Verdict::Pass)
        s << QLocale(QLocale::English).toString(qRound64(c.latencyMs)) << " ms";
    else if (c.verdict == Verdict::Skipped)
        s << c.firstFailure();  // fixed text of the suite, nothing from the wire
    else
        s << redactSecrets(c.firstFailure());
    s << "\n";
    for (const QString &w : c.warnings)
        s << "      warning: " << w << "\n";
    if (c.verdict == Verdict::Fail || c.verdict == Verdict::Inconclusive) {
        for (const AssertionResult &a : c.assertions)
            if (a.verdict == Verdict::Fail && !a.evidence.isEmpty() && a.evidence != a.reason)
                s << "      evidence (" << a.assertion.describe() << "): " << redactSecrets(a.evidence.left(300)) << "\n";
    }
    s.flush();
}

int probe(CliContext &ctx)
{
    QCommandLineParser parser;
    addEnvironmentOptions(parser);
    parser.addOptions({
        {QStringLiteral("suite"), QStringLiteral("Test suite JSON (default: the built-in presets)."), QStringLiteral("FILE")},
        {QStringLiteral("case"), QStringLiteral("Run only this case (repeatable)."), QStringLiteral("ID")},
        {QStringLiteral("var"), QStringLiteral("Set a suite variable, e.g. injection_mode=append (repeatable)."), QStringLiteral("K=V")},
        {QStringLiteral("results"), QStringLiteral("Write the results (schema codex-admin/endpoint-suite/1) to this file."), QStringLiteral("FILE")},
        {QStringLiteral("force"), QStringLiteral("Overwrite an existing --results file.")},
        {QStringLiteral("list"), QStringLiteral("List the cases and exit.")},
    });
    if (!ctx.parse(parser, QStringLiteral("Run the endpoint test suite against a ccproxy; exit 0 only if every test passed "
                                          "(skipped is fine), 1 otherwise, 2 on usage errors.")))
        return parser.isSet(QStringLiteral("help")) ? 0 : cli::kUsageError;
    if (!parser.positionalArguments().isEmpty())
        return ctx.fail(QStringLiteral("probe takes no positional argument ('%1')").arg(parser.positionalArguments().first()), cli::kUsageError);
    const bool json = parser.isSet(QStringLiteral("json"));
    const QString workspace = ctx.workspace(parser);

    int code = 0;
    TestSuite suite;
    if (parser.isSet(QStringLiteral("suite"))) {
        QString why;
        const QString path = QDir(workspace).absoluteFilePath(parser.value(QStringLiteral("suite")));
        auto loaded = TestSuite::load(path, &why);
        if (!loaded)
            return ctx.fail(why, cli::kUsageError);
        suite = *loaded;
    } else {
        suite = TestSuite::presets();
        if (suite.cases.isEmpty())
            return ctx.fail(QStringLiteral("the built-in presets could not be read"));
    }
    if (parser.isSet(QStringLiteral("list"))) {
        for (const TestCase &c : suite.cases)
            ctx.out << c.id << "  " << c.title << (c.profiles.isEmpty() ? QString() : QStringLiteral("  [") + c.profiles.join(QLatin1Char(',')) + QLatin1Char(']'))
                    << "\n";
        return 0;
    }
    auto env = environmentFrom(ctx, parser, &code);
    if (!env)
        return code;

    QHash<QString, QString> vars;
    for (const QString &kv : parser.values(QStringLiteral("var"))) {
        const qsizetype eq = kv.indexOf(QLatin1Char('='));
        if (eq <= 0)
            return ctx.fail(QStringLiteral("--var expects NAME=VALUE, not '%1'").arg(kv), cli::kUsageError);
        vars.insert(kv.left(eq).trimmed(), kv.mid(eq + 1));
    }
    const QStringList only = parser.values(QStringLiteral("case"));
    for (const QString &id : only) {
        const bool known = std::any_of(suite.cases.cbegin(), suite.cases.cend(), [&id](const TestCase &c) { return c.id == id; });
        if (!known) {
            QStringList ids;
            for (const TestCase &c : suite.cases)
                ids << c.id;
            return ctx.fail(QStringLiteral("unknown case '%1' (the suite has: %2)").arg(id, ids.join(QStringLiteral(", "))), cli::kUsageError);
        }
    }
    QString resultsPath;
    if (parser.isSet(QStringLiteral("results"))) {
        resultsPath = QDir(workspace).absoluteFilePath(parser.value(QStringLiteral("results")));
        if (QFileInfo::exists(resultsPath) && !parser.isSet(QStringLiteral("force")))
            return ctx.fail(QStringLiteral("the results file %1 exists (use --force to overwrite it)").arg(resultsPath), cli::kUsageError);
    }

    SecretStore secrets;
    secrets.setKeychainDisabled(true);
    EndpointClient client(&secrets);
    SuiteRunner runner(&client);
    runner.setVariables(vars);
    QTextStream &sink = json ? ctx.err : ctx.out;
    sink << QStringLiteral("Probing %1 (%2 profile, suite \"%3\", %4 case(s))\n")
                .arg(redactUrl(env->baseUrl.toString()), env->profileId, suite.name)
                .arg(only.isEmpty() ? suite.cases.size() : only.size());
    sink.flush();
    QObject::connect(&runner, &SuiteRunner::caseFinished, &runner, [&sink](int, const CaseResult &c) { printCase(sink, c); });
    const SuiteResult result = runner.run(suite, *env, only);

    QString summary = QStringLiteral("%1 passed, %2 failed, %3 skipped").arg(result.count(Verdict::Pass)).arg(result.count(Verdict::Fail)).arg(result.count(Verdict::Skipped));
    if (result.count(Verdict::Error) > 0)
        summary += QStringLiteral(", %1 error(s)").arg(result.count(Verdict::Error));
    if (result.count(Verdict::Inconclusive) > 0)
        summary += QStringLiteral(", %1 inconclusive").arg(result.count(Verdict::Inconclusive));
    sink << summary << "\n";
    sink.flush();

    const QByteArray doc = QJsonDocument(result.toJson()).toJson(QJsonDocument::Indented);
    if (!resultsPath.isEmpty()) {
        QString why;
        if (!writeFileAtomically(resultsPath, doc, &why))
            return ctx.fail(why);
        sink << "Results saved to: " << resultsPath << "\n";
        sink.flush();
    }
    if (json) {
        ctx.out << doc;
        ctx.out.flush();
    }
    return result.allPassed() ? 0 : 1;
}

QByteArray defaultBody(const QString &path, const QString &model)
{
    if (path.contains(QLatin1String("responses")))
        return QJsonDocument(QJsonObject{{QStringLiteral("model"), model},
                                         {QStringLiteral("input"),
                                          QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("message")},
                                                                 {QStringLiteral("role"), QStringLiteral("user")},
                                                                 {QStringLiteral("content"),
                                                                  QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("input_text")},
                                                                                         {QStringLiteral("text"), QStringLiteral("Say hello.")}}}}}}}})
            .toJson(QJsonDocument::Compact);
    return QJsonDocument(QJsonObject{{QStringLiteral("model"), model},
                                     {QStringLiteral("messages"),
                                      QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")}, {QStringLiteral("content"), QStringLiteral("Say hello.")}}}}})
        .toJson(QJsonDocument::Compact);
}

int load(CliContext &ctx)
{
    QCommandLineParser parser;
    addEnvironmentOptions(parser);
    parser.addOptions({
        {QStringList{QStringLiteral("n"), QStringLiteral("requests")}, QStringLiteral("Number of requests (default 100)."), QStringLiteral("N"), QStringLiteral("100")},
        {QStringList{QStringLiteral("c"), QStringLiteral("concurrency")}, QStringLiteral("Requests in flight (default 8)."), QStringLiteral("C"), QStringLiteral("8")},
        {QStringLiteral("stream"), QStringLiteral("Streaming requests (SSE).")},
        {QStringLiteral("path"), QStringLiteral("Path to load (default: the profile's chat completions path)."), QStringLiteral("P")},
        {QStringLiteral("method"), QStringLiteral("HTTP method (default POST, GET without a body)."), QStringLiteral("M")},
        {QStringLiteral("body"), QStringLiteral("Request body JSON file (default: a one-line chat / responses request)."), QStringLiteral("FILE")},
        {QStringLiteral("model"), QStringLiteral("Model of the default body (default gpt-5)."), QStringLiteral("MODEL"), QStringLiteral("gpt-5")},
    });
    if (!ctx.parse(parser, QStringLiteral("Send N requests keeping C in flight: requests/s, latency p50/p95/p99/max, errors by status, "
                                          "the runner's own CPU.")))
        return parser.isSet(QStringLiteral("help")) ? 0 : cli::kUsageError;
    if (!parser.positionalArguments().isEmpty())
        return ctx.fail(QStringLiteral("load takes no positional argument ('%1')").arg(parser.positionalArguments().first()), cli::kUsageError);
    int code = 0;
    auto env = environmentFrom(ctx, parser, &code);
    if (!env)
        return code;
    bool okN = false, okC = false;
    const int n = parser.value(QStringLiteral("n")).toInt(&okN);
    const int c = parser.value(QStringLiteral("c")).toInt(&okC);
    if (!okN || n < 1 || n > 10'000'000)
        return ctx.fail(QStringLiteral("-n expects a number of requests from 1 to 10000000, not '%1'").arg(parser.value(QStringLiteral("n"))), cli::kUsageError);
    if (!okC || c < 1 || c > 1024)
        return ctx.fail(QStringLiteral("-c expects a concurrency from 1 to 1024, not '%1'").arg(parser.value(QStringLiteral("c"))), cli::kUsageError);
    const ProxyProfile profile = *ProxyProfile::preset(env->profileId);

    LoadOptions options;
    options.requests = n;
    options.concurrency = c;
    options.stream = parser.isSet(QStringLiteral("stream"));
    options.request.path = parser.isSet(QStringLiteral("path")) ? parser.value(QStringLiteral("path")) : profile.chatPath;
    if (parser.isSet(QStringLiteral("body"))) {
        const QString path = QDir(ctx.workspace(parser)).absoluteFilePath(parser.value(QStringLiteral("body")));
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            return ctx.fail(QStringLiteral("cannot read --body %1: %2").arg(path, f.errorString()), cli::kUsageError);
        options.request.body = f.readAll();
        QJsonParseError pe{};
        QJsonDocument::fromJson(options.request.body, &pe);
        if (pe.error != QJsonParseError::NoError)
            return ctx.fail(QStringLiteral("--body %1 is not valid JSON: %2 at offset %3").arg(path, pe.errorString()).arg(pe.offset), cli::kUsageError);
    } else if (!parser.isSet(QStringLiteral("method")) || parser.value(QStringLiteral("method")).compare(QLatin1String("GET"), Qt::CaseInsensitive) != 0) {
        options.request.body = defaultBody(options.request.path, parser.value(QStringLiteral("model")));
    }
    options.request.method = parser.isSet(QStringLiteral("method")) ? parser.value(QStringLiteral("method")).toUpper().toLatin1()
                             : options.request.body.isEmpty()         ? QByteArray("GET")
                                                                      : QByteArray("POST");

    SecretStore secrets;
    secrets.setKeychainDisabled(true);
    LoadRunner runner(&secrets);
    const bool json = parser.isSet(QStringLiteral("json"));
    QTextStream &sink = json ? ctx.err : ctx.out;
    sink << QStringLiteral("Load: %1 requests, concurrency %2, %3, %4 %5%6\n")
                .arg(n)
                .arg(c)
                .arg(options.stream ? QStringLiteral("streaming") : QStringLiteral("non-streaming"), QString::fromLatin1(options.request.method),
                     redactUrl(env->baseUrl.toString()), options.request.path);
    sink.flush();
    const LoadResult r = runner.run(*env, options);
    const LoadProgress &p = r.progress;
    if (json) {
        ctx.out << QJsonDocument(r.toJson()).toJson(QJsonDocument::Indented);
        ctx.out.flush();
    }
    const QLocale en(QLocale::English);
    sink << "  Requests: " << p.done << " in " << QString::number(p.elapsedS, 'f', 2) << " s\n";
    sink << "  Requests/s: " << en.toString(p.requestsPerSecond, 'f', 1) << "\n";
    sink << "  Latency: p50 " << fmtMs(p.latency.quantile(0.5)) << "  p95 " << fmtMs(p.latency.quantile(0.95)) << "  p99 "
         << fmtMs(p.latency.quantile(0.99)) << "  max " << fmtMs(p.latency.max()) << "\n";
    sink << "  Time to first byte: p50 " << fmtMs(p.ttfb.quantile(0.5)) << "  p95 " << fmtMs(p.ttfb.quantile(0.95)) << "  p99 "
         << fmtMs(p.ttfb.quantile(0.99)) << "\n";
    QStringList by;
    for (auto it = p.byStatus.cbegin(); it != p.byStatus.cend(); ++it)
        by << QStringLiteral("%1: %2").arg(it.key()).arg(it.value());
    sink << "  By status: " << (by.isEmpty() ? QStringLiteral("-") : by.join(QStringLiteral(", "))) << "\n";
    sink << "  Errors: " << p.errors << "\n";
    sink << "  Runner CPU: " << QString::number(r.cpuSeconds, 'f', 2) << " s ("
         << (p.done > 0 ? QString::number(r.cpuSeconds * 1e6 / p.done, 'f', 0) : QStringLiteral("-")) << " µs per request)\n";
    if (r.cancelled)
        sink << "  (cancelled)\n";
    sink.flush();
    // Error responses are what a load test measures; only a run where nothing succeeded fails.
    return p.done > 0 && p.errors < p.done ? 0 : 1;
}

}  // namespace

int cli::runProbe(CliContext &ctx)
{
    CliContext sc{QStringList{ctx.args[0] + QStringLiteral(" probe")} + ctx.args.mid(2), ctx.out, ctx.err};
    return probe(sc);
}

int cli::runLoad(CliContext &ctx)
{
    CliContext sc{QStringList{ctx.args[0] + QStringLiteral(" load")} + ctx.args.mid(2), ctx.out, ctx.err};
    return load(sc);
}
