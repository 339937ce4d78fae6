// codex-adminctl scrape / query / watch: the Monitor's computations on the command line (issue 6).
//
//   scrape URL   two scrapes --interval S apart → per group: request rate, error ratio, p50/p95/p99
//   query        a Prometheus server's /api/v1/query or /api/v1/query_range, free PromQL or a preset
//   watch URL    scrapes on an interval, threshold rules, exit 1 on the first breach (CI, canaries)
//
// Exit codes: 0 ok; 1 failure (target down, API error, naming matches nothing, threshold breached);
// 2 usage error (bad option, bad threshold spec); 3 `query` matched no series; 130 interrupted.
#include "CliContext.h"
#include "common/SignalWatcher.h"

#include "common/Url.h"
#include "metrics/MetricNaming.h"
#include "metrics/MonitorEngine.h"
#include "metrics/PromApiClient.h"
#include "metrics/PromText.h"
#include "metrics/Scraper.h"
#include "metrics/Thresholds.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>
#include <QSocketNotifier>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <functional>
#include <limits>
#include <memory>
#include <optional>

#include <fcntl.h>
#include <unistd.h>

using namespace codex;
using namespace codex::metrics;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitNoSeries = 3;    ///< query: the expression matched no series
constexpr int kExitInterrupted = 130;
constexpr int kMaxNamesListed = 20;

// ---- formatting ---------------------------------------------------------------------------------

QString num(double v, int decimals)
{
    if (std::isnan(v))
        return QStringLiteral("-");
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("+Inf") : QStringLiteral("-Inf");
    return QLocale(QLocale::English).toString(v, 'f', decimals);
}

/// "12.5 ms", or "-" alone when there is no value.
QString withUnit(const QString &value, const QString &unit)
{
    return value == QLatin1String("-") ? value : value + unit;
}

/// A value as Prometheus prints it (shortest exact form; NaN, +Inf, -Inf).
QString promValue(double v)
{
    if (std::isnan(v))
        return QStringLiteral("NaN");
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("+Inf") : QStringLiteral("-Inf");
    return QString::number(v, 'g', QLocale::FloatingPointShortest);
}

double jsonNumber(const QJsonValue &v)
{
    return v.isDouble() ? v.toDouble() : std::numeric_limits<double>::quiet_NaN();
}

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

/// A plain text table: the first `leftColumns` columns left-aligned, the others right-aligned.
QString table(const QStringList &header, const QList<QStringList> &rows, int leftColumns = 1)
{
    QVector<int> width(header.size(), 0);
    for (int c = 0; c < header.size(); ++c)
        width[c] = int(header[c].size());
    for (const auto &r : rows)
        for (int c = 0; c < r.size() && c < width.size(); ++c)
            width[c] = std::max(width[c], int(r[c].size()));
    auto line = [&](const QStringList &cells) {
        QString s;
        for (int c = 0; c < width.size(); ++c) {
            const QString cell = cells.value(c);
            if (c)
                s += QStringLiteral("  ");
            s += c < leftColumns ? (c + 1 == width.size() ? cell : cell.leftJustified(width[c])) : cell.rightJustified(width[c]);
        }
        while (s.endsWith(QLatin1Char(' ')))
            s.chop(1);
        return s + QLatin1Char('\n');
    };
    QString out = line(header);
    for (const auto &r : rows)
        out += line(r);
    return out;
}

QString jsonText(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented));
}

QString jsonLine(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)) + QLatin1Char('\n');
}

// ---- option parsing -----------------------------------------------------------------------------

/// Seconds as given: "5", "0.5", "30s", "500ms", "5m", "1h", "1d". nullopt when not a duration.
std::optional<double> parseSeconds(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^\\s*(\\d+(?:\\.\\d*)?|\\.\\d+)\\s*(ms|s|m|h|d)?\\s*$"));
    const auto m = re.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    double v = m.captured(1).toDouble();
    const QString unit = m.captured(2);
    if (unit == QLatin1String("ms"))
        v /= 1000.0;
    else if (unit == QLatin1String("m"))
        v *= 60;
    else if (unit == QLatin1String("h"))
        v *= 3600;
    else if (unit == QLatin1String("d"))
        v *= 86400;
    return v;
}

/// --NAME as positive seconds; *code set (usage error printed) when it is not one.
std::optional<double> secondsOption(CliContext &ctx, const QCommandLineParser &parser, const QString &name, double fallback,
                                    int *code, bool allowZero = false)
{
    if (!parser.isSet(name))
        return fallback;
    const QString text = parser.value(name);
    const auto s = parseSeconds(text);
    if (!s || (*s <= 0 && !allowZero) || *s > 7 * 86400.0) {
        *code = ctx.fail(QStringLiteral("--%1: '%2' is not a duration (seconds, or e.g. 500ms, 30s, 5m; at most 7 days)")
                             .arg(name, text),
                         cli::kUsageError);
        return std::nullopt;
    }
    return *s;
}

/// A scrape URL: http(s) with a host; no path → /metrics.
std::optional<QUrl> parseTargetUrl(CliContext &ctx, const QString &text, const QString &what, int *code)
{
    QUrl url(text.trimmed(), QUrl::StrictMode);
    if (text.trimmed().isEmpty() || !url.isValid()
        || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) || url.host().isEmpty()) {
        *code = ctx.fail(QStringLiteral("%1 '%2' is not an http(s) URL with a host (e.g. http://127.0.0.1:8000/metrics)")
                             .arg(what, redactUrl(text)),
                         cli::kUsageError);
        return std::nullopt;
    }
    return url;
}

QUrl withMetricsPath(QUrl url)
{
    if (url.path().isEmpty() || url.path() == QLatin1String("/"))
        url.setPath(QStringLiteral("/metrics"));
    return url;
}

std::optional<MetricNaming> namingOption(CliContext &ctx, const QCommandLineParser &parser, int *code)
{
    const QString id = parser.value(QStringLiteral("naming"));
    auto n = MetricNaming::preset(id);
    if (!n) {
        QStringList ids;
        for (const auto &p : MetricNaming::presets())
            ids << p.id;
        *code = ctx.fail(QStringLiteral("--naming: unknown preset '%1' (expected %2)").arg(id, ids.join(QStringLiteral(" or "))),
                         cli::kUsageError);
    }
    return n;
}

/// --group-by endpoint|model|none → the naming's label name ("" = all traffic).
std::optional<QString> groupByOption(CliContext &ctx, const QCommandLineParser &parser, const MetricNaming &naming, int *code)
{
    const QString g = parser.value(QStringLiteral("group-by")).trimmed();
    if (g.isEmpty() || g == QLatin1String("none"))
        return QString();
    if (g == QLatin1String("endpoint"))
        return naming.endpointLabel;
    if (g == QLatin1String("model"))
        return naming.modelLabel;
    *code = ctx.fail(QStringLiteral("--group-by: '%1' is not endpoint, model or none").arg(g), cli::kUsageError);
    return std::nullopt;
}

/// "Bearer <token>" from --token-env VAR (the token is never printed).
std::optional<QByteArray> authOption(CliContext &ctx, const QCommandLineParser &parser, int *code)
{
    if (!parser.isSet(QStringLiteral("token-env")))
        return QByteArray();
    const QString var = parser.value(QStringLiteral("token-env")).trimmed();
    const QByteArray token = var.isEmpty() ? QByteArray() : qgetenv(var.toLocal8Bit().constData());
    if (token.isEmpty()) {
        *code = ctx.fail(QStringLiteral("environment variable %1 is not set (--token-env names the variable holding the bearer token)")
                             .arg(var),
                         cli::kUsageError);
        return std::nullopt;
    }
    return QByteArray("Bearer ") + token;
}

/// The one positional URL of `scrape` / `watch`.
std::optional<QUrl> targetUrlArgument(CliContext &ctx, const QCommandLineParser &parser, const QString &command, int *code)
{
    const QStringList pos = parser.positionalArguments();
    if (pos.size() != 1) {
        *code = ctx.fail(pos.isEmpty() ? QStringLiteral("%1 needs the target URL (e.g. http://127.0.0.1:8000/metrics)").arg(command)
                                       : QStringLiteral("%1 takes one URL (got %2 arguments)").arg(command).arg(pos.size()),
                         cli::kUsageError);
        return std::nullopt;
    }
    return parseTargetUrl(ctx, pos[0], QStringLiteral("URL"), code);
}

/// The scrape target of `scrape` / `watch`: URL (+ /metrics), --timeout, --token-env.
std::optional<ScrapeTarget> targetOptions(CliContext &ctx, const QCommandLineParser &parser, const QUrl &url, int *code)
{
    const auto timeout = secondsOption(ctx, parser, QStringLiteral("timeout"), 5, code);
    if (!timeout)
        return std::nullopt;
    const auto auth = authOption(ctx, parser, code);
    if (!auth)
        return std::nullopt;
    ScrapeTarget target;
    target.url = withMetricsPath(url);
    target.authHeader = *auth;
    target.timeoutMs = int(std::ceil(*timeout * 1000));
    return target;
}

void addScrapeOptions(QCommandLineParser &parser, const QString &intervalDefault)
{
    parser.addOptions({
        {QStringLiteral("interval"), QStringLiteral("Seconds between scrapes (default %1).").arg(intervalDefault), QStringLiteral("S")},
        {QStringLiteral("group-by"), QStringLiteral("Series groups: endpoint, model or none (default none)."), QStringLiteral("LABEL")},
        {QStringLiteral("naming"), QStringLiteral("Metric names: ccproxy (the real names, default) or seed (the seed's spelling)."),
         QStringLiteral("PRESET"), QStringLiteral("ccproxy")},
        {QStringLiteral("token-env"), QStringLiteral("Environment variable holding a bearer token for the target."), QStringLiteral("VAR")},
        {QStringLiteral("timeout"), QStringLiteral("Per-scrape timeout in seconds (default 5)."), QStringLiteral("S")},
    });
}

void printProblems(CliContext &ctx, const QString &where, const Exposition &e)
{
    for (const auto &p : e.problems)
        ctx.err << "warning: " << where << ": " << p.message << "\n";
    ctx.err.flush();
}

// ---- scrape -------------------------------------------------------------------------------------

int runScrape(CliContext &ctx)
{
    QCommandLineParser parser;
    addScrapeOptions(parser, QStringLiteral("5"));
    parser.addPositionalArgument(QStringLiteral("URL"), QStringLiteral("The /metrics address (no path: /metrics)."));
    if (!ctx.parse(parser, QStringLiteral("codex-adminctl scrape URL: request rate, error ratio and p50/p95/p99 per series group, "
                                          "computed between two scrapes --interval seconds apart.")))
        return parser.isSet(QStringLiteral("help")) ? 0 : cli::kUsageError;
    int code = 0;
    const auto url = targetUrlArgument(ctx, parser, QStringLiteral("scrape"), &code);
    if (!url)
        return code;
    const auto naming = namingOption(ctx, parser, &code);
    if (!naming)
        return code;
    const auto groupBy = groupByOption(ctx, parser, *naming, &code);
    if (!groupBy)
        return code;
    const auto interval = secondsOption(ctx, parser, QStringLiteral("interval"), 5, &code);
    if (!interval)
        return code;
    const auto targetOpt = targetOptions(ctx, parser, *url, &code);
    if (!targetOpt)
        return code;
    const ScrapeTarget target = *targetOpt;
    const bool json = parser.isSet(QStringLiteral("json"));
    const QString shownUrl = redactUrl(target.url.toString());

    Scraper scraper;
    scraper.setTarget(target);
    QList<ScrapeResult> results;
    QEventLoop loop;
    QTimer next;
    next.setSingleShot(true);
    QObject::connect(&next, &QTimer::timeout, &scraper, &Scraper::scrapeOnce);
    QObject::connect(&scraper, &Scraper::scraped, &loop, [&](const ScrapeResult &r) {
        results << r;
        if (!r.ok) {
            loop.exit(kExitFailure);
            return;
        }
        if (results.size() == 1) {
            ctx.err << "scraped " << shownUrl << " (" << r.exposition.sampleCount() << " samples); next scrape in "
                        << *interval << " s\n";
            ctx.err.flush();
            next.start(int(std::llround(*interval * 1000)));
        } else {
            loop.exit(0);
        }
    });
    codex::SignalWatcher watcher([&loop](int) { loop.exit(kExitInterrupted); });
    QTimer::singleShot(0, &scraper, &Scraper::scrapeOnce);
    const int rc = loop.exec();
    if (rc == kExitInterrupted)
        return ctx.fail(QStringLiteral("interrupted"), kExitInterrupted);
    if (rc != 0) {
        const ScrapeResult &bad = results.back();
        return ctx.fail(QStringLiteral("cannot scrape %1 (scrape %2 of 2): %3").arg(shownUrl).arg(results.size()).arg(bad.error),
                        kExitFailure);
    }
    const ScrapeResult &first = results[0];
    const ScrapeResult &second = results[1];
    // Parse problems: the first scrape's, and the second's when they differ (usually the same lines).
    printProblems(ctx, shownUrl, first.exposition);
    if (second.exposition.problemsTotal != first.exposition.problemsTotal)
        printProblems(ctx, shownUrl + QStringLiteral(" (2nd scrape)"), second.exposition);

    QJsonObject summary = MonitorEngine::summarize(first.exposition, second.exposition, *naming, *groupBy);
    summary.insert(QStringLiteral("url"), shownUrl);
    summary.insert(QStringLiteral("first_scrape"), isoTime(first.atMs));
    summary.insert(QStringLiteral("second_scrape"), isoTime(second.atMs));
    if (summary.contains(QStringLiteral("error")))
        return ctx.fail(summary.value(QStringLiteral("error")).toString(), kExitFailure);
    const QJsonObject total = summary.value(QStringLiteral("total")).toObject();
    const QString noMatch = summary.value(QStringLiteral("no_match")).toString();
    // Nothing matched at all (no request counter, no histogram): no table to show.
    const bool matchesNothing = !noMatch.isEmpty() && total.value(QStringLiteral("request_rate")).isNull()
                                && total.value(QStringLiteral("p50_ms")).isNull();
    if (json) {
        ctx.out << jsonText(summary);
        ctx.out.flush();
    }
    if (matchesNothing)
        return ctx.fail(noMatch, kExitFailure);
    if (!noMatch.isEmpty())
        ctx.err << "warning: " << noMatch << "\n";
    if (json)
        return 0;

    const QString groupTitle = groupBy->isEmpty() ? QStringLiteral("GROUP") : groupBy->toUpper();
    QList<QStringList> rows;
    auto row = [&](const QString &name, const QJsonObject &g) {
        const double ratio = jsonNumber(g.value(QStringLiteral("error_ratio")));
        rows << QStringList{name,
                            num(jsonNumber(g.value(QStringLiteral("request_rate"))), 2),
                            num(ratio * 100.0, 2),
                            num(jsonNumber(g.value(QStringLiteral("p50_ms"))), 1),
                            num(jsonNumber(g.value(QStringLiteral("p95_ms"))), 1),
                            num(jsonNumber(g.value(QStringLiteral("p99_ms"))), 1),
                            num(g.value(QStringLiteral("requests")).toDouble(), 0),
                            num(g.value(QStringLiteral("errors")).toDouble(), 0)};
    };
    if (!groupBy->isEmpty())
        for (const auto &v : summary.value(QStringLiteral("groups")).toArray())
            row(v.toObject().value(QStringLiteral("group")).toString(), v.toObject());
    row(QStringLiteral("(all)"), total);
    ctx.out << "scrape " << shownUrl << ": " << num(summary.value(QStringLiteral("interval_s")).toDouble(), 1)
            << " s between scrapes, naming " << naming->id;
    if (!naming->serviceValue.isEmpty())
        ctx.out << " (" << naming->serviceLabel << "=\"" << naming->serviceValue << "\")";
    ctx.out << (groupBy->isEmpty() ? QString() : QStringLiteral(", grouped by %1").arg(*groupBy)) << "\n";
    ctx.out << table({groupTitle, QStringLiteral("REQ/S"), QStringLiteral("ERRORS %"), QStringLiteral("P50 MS"),
                      QStringLiteral("P95 MS"), QStringLiteral("P99 MS"), QStringLiteral("REQUESTS"), QStringLiteral("5XX")},
                     rows);
    ctx.out.flush();
    return 0;
}

// ---- query --------------------------------------------------------------------------------------

/// --time: unix seconds, RFC 3339, or "now". nullopt on anything else.
std::optional<qint64> parseTime(const QString &text)
{
    const QString t = text.trimmed();
    if (t.isEmpty() || t == QLatin1String("now"))
        return QDateTime::currentMSecsSinceEpoch();
    bool ok = false;
    const double s = t.toDouble(&ok);
    if (ok && std::isfinite(s) && s > 0)
        return qint64(std::llround(s * 1000.0));
    QDateTime dt = QDateTime::fromString(t, Qt::ISODateWithMs);
    if (!dt.isValid())
        dt = QDateTime::fromString(t, Qt::ISODate);
    if (!dt.isValid())
        return std::nullopt;
    return dt.toMSecsSinceEpoch();
}

QJsonArray pointJson(const std::pair<qint64, double> &p)
{
    return QJsonArray{double(p.first) / 1000.0, promValue(p.second)};
}

/// The answer in the shape of Prometheus's own JSON (values as strings, as the API gives them).
QJsonObject resultJson(const ApiResult &r)
{
    QJsonObject o;
    o.insert(QStringLiteral("status"), r.ok ? QStringLiteral("success") : QStringLiteral("error"));
    if (!r.ok) {
        o.insert(QStringLiteral("errorType"), r.errorType);
        o.insert(QStringLiteral("error"), r.error);
    } else {
        QJsonArray result;
        QJsonValue scalar(QJsonValue::Undefined);
        for (const auto &s : r.series) {
            if (r.resultType == QLatin1String("scalar") && !s.points.isEmpty()) {
                scalar = pointJson(s.points.first());
                continue;
            }
            if (r.resultType == QLatin1String("string")) {
                scalar = QJsonArray{s.points.isEmpty() ? 0.0 : double(s.points.first().first) / 1000.0,
                                    labelValue(s.labels, QStringLiteral("string"))};
                continue;
            }
            QJsonObject metric;
            for (const auto &l : s.labels)
                metric.insert(l.first, l.second);
            QJsonObject item{{QStringLiteral("metric"), metric}};
            if (r.resultType == QLatin1String("matrix")) {
                QJsonArray values;
                for (const auto &p : s.points)
                    values.append(pointJson(p));
                item.insert(QStringLiteral("values"), values);
            } else if (!s.points.isEmpty()) {
                item.insert(QStringLiteral("value"), pointJson(s.points.first()));
            }
            result.append(item);
        }
        o.insert(QStringLiteral("data"), QJsonObject{{QStringLiteral("resultType"), r.resultType},
                                                     {QStringLiteral("result"), scalar.isUndefined() ? QJsonValue(result) : scalar}});
    }
    if (!r.warnings.isEmpty())
        o.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(r.warnings));
    return o;
}

QString seriesText(const Labels &labels)
{
    QString name;
    Labels rest;
    for (const auto &l : labels) {
        if (l.first == QLatin1String("__name__"))
            name = l.second;
        else
            rest.push_back(l);
    }
    const QString key = seriesKey(name, rest);
    return key.isEmpty() ? QStringLiteral("{}") : key;
}

int runQuery(CliContext &ctx)
{
    QCommandLineParser parser;
    parser.addOptions({
        {QStringLiteral("prometheus"), QStringLiteral("The Prometheus server, e.g. http://127.0.0.1:9090."), QStringLiteral("URL")},
        {QStringLiteral("time"), QStringLiteral("Evaluation time: unix seconds or RFC 3339 (default now; the range's end)."),
         QStringLiteral("T")},
        {QStringLiteral("range"), QStringLiteral("Range query over this duration before --time (e.g. 5m)."), QStringLiteral("D")},
        {QStringLiteral("step"), QStringLiteral("Range query step in seconds (default 15)."), QStringLiteral("S")},
        {QStringLiteral("preset"), QStringLiteral("The seed's queries instead of PROMQL: rate, errors or p95."), QStringLiteral("NAME")},
        {QStringLiteral("naming"), QStringLiteral("Metric names of the preset: ccproxy (default) or seed."), QStringLiteral("PRESET"),
         QStringLiteral("ccproxy")},
        {QStringLiteral("window"), QStringLiteral("Rate window of the preset (default 5m)."), QStringLiteral("W"),
         QStringLiteral("5m")},
        {QStringLiteral("timeout"), QStringLiteral("Request timeout in seconds (default 30)."), QStringLiteral("S")},
    });
    parser.addPositionalArgument(QStringLiteral("PROMQL"), QStringLiteral("The expression (or --preset)."));
    if (!ctx.parse(parser, QStringLiteral("codex-adminctl query --prometheus URL 'PROMQL': ask a Prometheus server. Exit 0 with "
                                          "results, 1 on an API or network error, 3 when the expression matched no series.")))
        return parser.isSet(QStringLiteral("help")) ? 0 : cli::kUsageError;
    int code = 0;
    if (!parser.isSet(QStringLiteral("prometheus")))
        return ctx.fail(QStringLiteral("query needs --prometheus URL (e.g. http://127.0.0.1:9090)"), cli::kUsageError);
    const auto base = parseTargetUrl(ctx, parser.value(QStringLiteral("prometheus")), QStringLiteral("--prometheus"), &code);
    if (!base)
        return code;
    const auto naming = namingOption(ctx, parser, &code);
    if (!naming)
        return code;
    const QStringList pos = parser.positionalArguments();
    QString promql;
    if (parser.isSet(QStringLiteral("preset"))) {
        if (!pos.isEmpty())
            return ctx.fail(QStringLiteral("give either --preset or a PROMQL expression, not both"), cli::kUsageError);
        const QString window = parser.value(QStringLiteral("window")).trimmed();
        static const QRegularExpression windowRe(QStringLiteral("^\\d+(ms|s|m|h|d|w|y)$"));
        if (!windowRe.match(window).hasMatch())
            return ctx.fail(QStringLiteral("--window: '%1' is not a PromQL duration (e.g. 30s, 5m)").arg(window), cli::kUsageError);
        const QString preset = parser.value(QStringLiteral("preset"));
        if (preset == QLatin1String("rate"))
            promql = naming->requestRateQuery(window);
        else if (preset == QLatin1String("errors"))
            promql = naming->errorRateQuery(window);
        else if (preset == QLatin1String("p95"))
            promql = naming->latencyQuery(0.95, window);
        else
            return ctx.fail(QStringLiteral("--preset: unknown preset '%1' (expected rate, errors or p95)").arg(preset), cli::kUsageError);
    } else {
        if (pos.size() != 1)
            return ctx.fail(pos.isEmpty() ? QStringLiteral("query needs a PROMQL expression or --preset rate|errors|p95")
                                          : QStringLiteral("query takes one PROMQL expression (got %1 arguments; quote it)").arg(pos.size()),
                            cli::kUsageError);
        promql = pos[0].trimmed();
        if (promql.isEmpty())
            return ctx.fail(QStringLiteral("the PROMQL expression is empty"), cli::kUsageError);
    }
    const auto at = parseTime(parser.value(QStringLiteral("time")));
    if (!at)
        return ctx.fail(QStringLiteral("--time: '%1' is not unix seconds or an RFC 3339 time").arg(parser.value(QStringLiteral("time"))),
                        cli::kUsageError);
    const bool isRange = parser.isSet(QStringLiteral("range"));
    if (!isRange && parser.isSet(QStringLiteral("step")))
        return ctx.fail(QStringLiteral("--step needs --range"), cli::kUsageError);
    const auto range = secondsOption(ctx, parser, QStringLiteral("range"), 0, &code);
    if (!range)
        return code;
    const auto step = secondsOption(ctx, parser, QStringLiteral("step"), 15, &code);
    if (!step)
        return code;
    if (isRange && *range / std::max(1.0, std::round(*step)) > 11000)
        return ctx.fail(QStringLiteral("--range %1 with --step %2 gives more than 11,000 points per series (Prometheus's limit); "
                                       "use a larger --step")
                            .arg(parser.value(QStringLiteral("range")))
                            .arg(*step),
                        cli::kUsageError);
    const auto timeout = secondsOption(ctx, parser, QStringLiteral("timeout"), 30, &code);
    if (!timeout)
        return code;
    const bool json = parser.isSet(QStringLiteral("json"));
    const QString shownBase = redactUrl(base->toString());

    PromApiClient client;
    client.setBaseUrl(*base);
    client.setTimeoutMs(int(std::ceil(*timeout * 1000)));
    const ApiResult r = isRange ? client.queryRangeSync(promql, *at - qint64(std::llround(*range * 1000)), *at,
                                                        std::max(1, int(std::lround(*step))))
                                : client.querySync(promql, *at);
    for (const auto &w : r.warnings)
        ctx.err << "warning: Prometheus: " << w << "\n";
    QJsonObject out = resultJson(r);
    out.insert(QStringLiteral("query"), promql);
    out.insert(QStringLiteral("prometheus"), shownBase);
    if (!r.ok) {
        if (json) {
            ctx.out << jsonText(out);
            ctx.out.flush();
        }
        if (r.errorType == QLatin1String("network"))
            return ctx.fail(QStringLiteral("cannot reach Prometheus at %1: %2").arg(shownBase, r.error), kExitFailure);
        return ctx.fail(QStringLiteral("Prometheus error (%1): %2").arg(r.errorType.isEmpty() ? QStringLiteral("unknown") : r.errorType,
                                                                       r.error),
                        kExitFailure);
    }
    const bool seriesResult = r.resultType == QLatin1String("vector") || r.resultType == QLatin1String("matrix");
    if (seriesResult && r.series.isEmpty()) {
        QString namesError;
        const QStringList names = client.metricNamesSync(&namesError);
        if (json) {
            out.insert(QStringLiteral("metric_names"), QJsonArray::fromStringList(names));
            ctx.out << jsonText(out);
            ctx.out.flush();
        }
        ctx.err << "codex-adminctl: no series matched " << promql << "\n";
        if (!namesError.isEmpty())
            ctx.err << "  (the metric names could not be listed: " << namesError << ")\n";
        else if (names.isEmpty())
            ctx.err << "  Prometheus at " << shownBase << " holds no metrics at all\n";
        else {
            ctx.err << "  metric names that exist: " << names.mid(0, kMaxNamesListed).join(QStringLiteral(", "));
            if (names.size() > kMaxNamesListed)
                ctx.err << " … and " << (names.size() - kMaxNamesListed) << " more";
            ctx.err << "\n";
        }
        ctx.err.flush();
        return kExitNoSeries;
    }
    if (json) {
        ctx.out << jsonText(out);
        ctx.out.flush();
        return 0;
    }
    ctx.out << "query " << promql << "\n";
    if (r.resultType == QLatin1String("scalar") || r.resultType == QLatin1String("string")) {
        const auto &s = r.series.value(0);
        const auto p = s.points.value(0);
        ctx.out << r.resultType << " at " << isoTime(p.first) << ": "
                << (r.resultType == QLatin1String("string") ? labelValue(s.labels, QStringLiteral("string")) : promValue(p.second))
                << "\n";
    } else if (r.resultType == QLatin1String("vector")) {
        QList<QStringList> rows;
        for (const auto &s : r.series)
            rows << QStringList{seriesText(s.labels), promValue(s.points.value(0).second)};
        std::sort(rows.begin(), rows.end(), [](const QStringList &a, const QStringList &b) { return a[0] < b[0]; });
        ctx.out << "instant vector at " << isoTime(r.series.first().points.value(0).first) << ", " << r.series.size() << " series\n";
        ctx.out << table({QStringLiteral("SERIES"), QStringLiteral("VALUE")}, rows);
    } else {
        QList<QStringList> rows;
        QVector<ApiSeries> sorted = r.series;
        std::sort(sorted.begin(), sorted.end(),
                  [](const ApiSeries &a, const ApiSeries &b) { return seriesText(a.labels) < seriesText(b.labels); });
        for (const auto &s : sorted) {
            const QString name = seriesText(s.labels);
            for (const auto &p : s.points)
                rows << QStringList{name, isoTime(p.first), promValue(p.second)};
        }
        ctx.out << "range " << isoTime(*at - qint64(std::llround(*range * 1000))) << " … " << isoTime(*at) << ", step "
                << std::max(1, int(std::lround(*step))) << " s, " << r.series.size() << " series\n";
        ctx.out << table({QStringLiteral("SERIES"), QStringLiteral("TIME"), QStringLiteral("VALUE")}, rows, 2);
    }
    ctx.out.flush();
    return 0;
}

// ---- watch --------------------------------------------------------------------------------------

/// The threshold metric ids a scrape feeds (MonitorEngine::seriesName's doc), optionally "@group".
const QStringList &scrapeMetricIds()
{
    static const QStringList ids{QStringLiteral("request_rate"), QStringLiteral("error_ratio"), QStringLiteral("p50_latency_ms"),
                                 QStringLiteral("p95_latency_ms"), QStringLiteral("p99_latency_ms")};
    return ids;
}

QString valueText(const QString &metric, double v)
{
    if (metric.startsWith(QLatin1String("error_ratio")))
        return std::isnan(v) ? QStringLiteral("-") : QStringLiteral("%1 (%2 %)").arg(promValue(v), num(v * 100, 2));
    return promValue(v);
}

int runWatch(CliContext &ctx)
{
    QCommandLineParser parser;
    addScrapeOptions(parser, QStringLiteral("5"));
    parser.addOptions({
        {QStringLiteral("threshold"),
         QStringLiteral("Rule METRIC OP VALUE[:for=DURATION][:SEVERITY][:id=NAME], repeatable; METRIC is request_rate, "
                        "error_ratio, p50_latency_ms, p95_latency_ms or p99_latency_ms (optionally @GROUP with --group-by), "
                        "e.g. 'error_ratio>0.01:for=30s:page', 'p99_latency_ms>500'."),
         QStringLiteral("SPEC")},
        {QStringLiteral("duration"), QStringLiteral("Stop after this many seconds (exit 0 when nothing was breached; default: until "
                                                    "a breach or Ctrl-C)."),
         QStringLiteral("S")},
        {QStringLiteral("window"), QStringLiteral("Rate window in seconds (default 4 × interval, at least 10 s)."), QStringLiteral("S")},
    });
    parser.addPositionalArgument(QStringLiteral("URL"), QStringLiteral("The /metrics address (no path: /metrics)."));
    if (!ctx.parse(parser, QStringLiteral("codex-adminctl watch URL --threshold SPEC …: scrape on an interval and exit 1 as soon as a "
                                          "threshold is breached; 0 after --duration without a breach; 2 on a bad rule; 130 on "
                                          "Ctrl-C.")))
        return parser.isSet(QStringLiteral("help")) ? 0 : cli::kUsageError;
    int code = 0;
    const auto url = targetUrlArgument(ctx, parser, QStringLiteral("watch"), &code);
    if (!url)
        return code;
    const QStringList specs = parser.values(QStringLiteral("threshold"));
    if (specs.isEmpty())
        return ctx.fail(QStringLiteral("watch needs at least one --threshold (e.g. --threshold 'error_ratio>0.01:for=30s:page')"),
                        cli::kUsageError);
    QList<ThresholdRule> rules;
    for (const QString &spec : specs) {
        QString error;
        auto rule = ThresholdRule::parse(spec, &error);
        if (!rule)
            return ctx.fail(QStringLiteral("--threshold: %1").arg(error), cli::kUsageError);
        const QString base = rule->metric.section(QLatin1Char('@'), 0, 0);
        if (!scrapeMetricIds().contains(base))
            return ctx.fail(QStringLiteral("--threshold: threshold \"%1\": metric \"%2\" is not computed from a scrape (expected %3, "
                                           "optionally @GROUP)")
                                .arg(spec, base, scrapeMetricIds().join(QStringLiteral(", "))),
                            cli::kUsageError);
        if (rule->metric.contains(QLatin1Char('@')) && !parser.isSet(QStringLiteral("group-by")))
            return ctx.fail(QStringLiteral("--threshold: threshold \"%1\": metric \"%2\" names a group; add --group-by endpoint or model")
                                .arg(spec, rule->metric),
                            cli::kUsageError);
        for (const auto &other : std::as_const(rules))
            if (other.id == rule->id)
                return ctx.fail(QStringLiteral("--threshold: threshold \"%1\" is given twice (id %2)").arg(spec, rule->id),
                                cli::kUsageError);
        rules << *rule;
    }
    const auto naming = namingOption(ctx, parser, &code);
    if (!naming)
        return code;
    const auto groupBy = groupByOption(ctx, parser, *naming, &code);
    if (!groupBy)
        return code;
    const auto interval = secondsOption(ctx, parser, QStringLiteral("interval"), 5, &code);
    if (!interval)
        return code;
    const auto duration = secondsOption(ctx, parser, QStringLiteral("duration"), 0, &code);
    if (!duration)
        return code;
    const auto window = secondsOption(ctx, parser, QStringLiteral("window"), std::max(10.0, 4 * *interval), &code);
    if (!window)
        return code;
    const auto targetOpt = targetOptions(ctx, parser, *url, &code);
    if (!targetOpt)
        return code;
    const ScrapeTarget target = *targetOpt;
    const bool json = parser.isSet(QStringLiteral("json"));
    const QString shownUrl = redactUrl(target.url.toString());

    MonitorEngine engine;
    engine.setNaming(*naming);
    engine.setGroupBy(*groupBy);
    engine.setRateWindowMs(qint64(std::llround(*window * 1000)));
    engine.setRules(rules);

    if (!json) {
        ctx.out << "watching " << shownUrl << " every " << *interval << " s"
                << (*duration > 0 ? QStringLiteral(" for %1 s").arg(*duration) : QString()) << ", rate window " << *window
                << " s, naming " << naming->id << "\n";
        for (const auto &r : std::as_const(rules))
            ctx.out << "  rule " << r.id << ": " << r.description << "\n";
        ctx.out.flush();
    }

    Scraper scraper;
    scraper.setTarget(target);
    QEventLoop loop;
    QElapsedTimer clock;
    clock.start();
    int scrapes = 0, failures = 0;
    QString lastError;
    QString lastNoMatch;
    QSet<int> warnedProblems;
    QList<BreachEvent> fired;
    QObject::connect(&engine, &MonitorEngine::breachStarted, &loop, [&](const BreachEvent &e) { fired << e; });
    auto latest = [&](const QString &what, qint64 t) {
        const auto pts = engine.store().points(MonitorEngine::seriesName(QString(), what), t, t, 0);
        return pts.isEmpty() ? std::numeric_limits<double>::quiet_NaN() : pts.back().v;
    };
    QObject::connect(&scraper, &Scraper::scraped, &loop, [&](const ScrapeResult &r) {
        ++scrapes;
        engine.addScrape(r);
        const qint64 t = r.atMs;
        const QString when = QDateTime::fromMSecsSinceEpoch(t).toString(QStringLiteral("HH:mm:ss"));
        if (!r.ok) {
            ++failures;
            lastError = r.error;
            if (json)
                ctx.out << jsonLine(QJsonObject{{QStringLiteral("t"), isoTime(t)},
                                                {QStringLiteral("ok"), false},
                                                {QStringLiteral("error"), r.error}});
            else
                ctx.out << when << "  target down: " << r.error << "\n";
        } else {
            if (r.exposition.problemsTotal > 0 && !warnedProblems.contains(r.exposition.problemsTotal)) {
                warnedProblems.insert(r.exposition.problemsTotal);
                printProblems(ctx, shownUrl, r.exposition);
            }
            const QString noMatch = engine.noMatchReport();
            if (!noMatch.isEmpty() && noMatch != lastNoMatch)
                ctx.err << "warning: " << noMatch << "\n";
            lastNoMatch = noMatch;
            ctx.err.flush();
            const double rate = latest(QStringLiteral("request_rate"), t);
            const double ratio = latest(QStringLiteral("error_ratio"), t);
            const double p50 = latest(QStringLiteral("p50_ms"), t), p95 = latest(QStringLiteral("p95_ms"), t),
                         p99 = latest(QStringLiteral("p99_ms"), t);
            if (json) {
                auto jv = [](double v) { return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null); };
                ctx.out << jsonLine(QJsonObject{{QStringLiteral("t"), isoTime(t)},
                                                {QStringLiteral("ok"), true},
                                                {QStringLiteral("request_rate"), jv(rate)},
                                                {QStringLiteral("error_ratio"), jv(ratio)},
                                                {QStringLiteral("p50_ms"), jv(p50)},
                                                {QStringLiteral("p95_ms"), jv(p95)},
                                                {QStringLiteral("p99_ms"), jv(p99)},
                                                {QStringLiteral("active_breaches"), int(engine.activeBreaches().size())}});
            } else {
                ctx.out << when << "  req/s " << num(rate, 2) << "  errors " << withUnit(num(ratio * 100, 2), QStringLiteral(" %"))
                        << "  p50 " << withUnit(num(p50, 1), QStringLiteral(" ms")) << "  p95 "
                        << withUnit(num(p95, 1), QStringLiteral(" ms")) << "  p99 " << withUnit(num(p99, 1), QStringLiteral(" ms"))
                        << "\n";
            }
        }
        ctx.out.flush();
        if (!fired.isEmpty())
            loop.exit(kExitFailure);
    });
    codex::SignalWatcher watcher([&loop](int) { loop.exit(kExitInterrupted); });
    QTimer deadline;
    deadline.setSingleShot(true);
    constexpr int kDurationDone = 1000;  // internal: the loop's code when --duration elapsed
    QObject::connect(&deadline, &QTimer::timeout, &loop, [&loop] { loop.exit(kDurationDone); });
    if (*duration > 0)
        deadline.start(int(std::llround(*duration * 1000)));
    QTimer::singleShot(0, &scraper, [&scraper, &interval] { scraper.start(int(std::llround(*interval * 1000))); });
    const int rc = loop.exec();
    scraper.stop();
    const double elapsedS = double(clock.elapsed()) / 1000.0;

    if (rc == kExitFailure) {
        for (const auto &e : std::as_const(fired)) {
            if (json)
                ctx.out << jsonLine(QJsonObject{{QStringLiteral("breach"), e.toJson()}});
            else
                ctx.out << "BREACH " << severityName(e.severity) << ": rule " << e.ruleId << " (" << e.description << "): "
                        << e.metric << " = " << valueText(e.metric, e.worstValue) << ", threshold " << promValue(e.threshold)
                        << ", since " << QDateTime::fromMSecsSinceEpoch(e.startedMs).toString(QStringLiteral("HH:mm:ss")) << "\n";
        }
        ctx.out.flush();
        const BreachEvent &e = fired.first();
        return ctx.fail(QStringLiteral("threshold breached: %1 (%2 = %3)").arg(e.ruleId, e.metric, valueText(e.metric, e.worstValue)),
                        kExitFailure);
    }
    if (rc == kExitInterrupted) {
        ctx.out.flush();
        return ctx.fail(QStringLiteral("interrupted after %1 s (%2 scrapes, no threshold breached)").arg(num(elapsedS, 1)).arg(scrapes),
                        kExitInterrupted);
    }
    // --duration elapsed
    if (scrapes == 0 || failures == scrapes)
        return ctx.fail(QStringLiteral("target %1 was down for the whole watch (%2 s, %3 failed scrapes)%4")
                            .arg(shownUrl, num(elapsedS, 1))
                            .arg(failures)
                            .arg(lastError.isEmpty() ? QStringLiteral(": no answer within the duration")
                                                     : QStringLiteral(": ") + lastError),
                        kExitFailure);
    if (json)
        ctx.out << jsonLine(QJsonObject{{QStringLiteral("done"), true},
                                        {QStringLiteral("scrapes"), scrapes},
                                        {QStringLiteral("failed_scrapes"), failures},
                                        {QStringLiteral("breached"), false}});
    else
        ctx.out << "no threshold breached in " << num(elapsedS, 1) << " s (" << scrapes << " scrapes, " << failures << " failed)\n";
    ctx.out.flush();
    return 0;
}

}  // namespace

namespace cli {

int runMetrics(CliContext &outer, const QString &command)
{
    CliContext ctx{QStringList{outer.args[0] + QLatin1Char(' ') + command} + outer.args.mid(2), outer.out, outer.err};
    if (command == QLatin1String("scrape"))
        return runScrape(ctx);
    if (command == QLatin1String("query"))
        return runQuery(ctx);
    if (command == QLatin1String("watch"))
        return runWatch(ctx);
    return ctx.fail(QStringLiteral("unknown metrics command '%1'").arg(command), kUsageError);
}

}  // namespace cli
