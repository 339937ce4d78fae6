#include "rollout/EvidenceCollector.h"

#include "archive/ArchiveLocation.h"
#include "archive/HealthCheck.h"
#include "common/Url.h"
#include "common/Workspace.h"
#include "config/ConfigJson.h"
#include "config/ConfigResolver.h"
#include "config/PrecedenceProfile.h"
#include "evidence/EvidenceLog.h"
#include "evidence/EvidenceReader.h"
#include "metrics/MetricNaming.h"
#include "metrics/MonitorSettings.h"
#include "metrics/PromApiClient.h"
#include "metrics/Thresholds.h"
#include "proxy/TestSuite.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QProcessEnvironment>
#include <QUrl>

#include <algorithm>
#include <cmath>

namespace codex::rollout {

namespace {

constexpr qint64 kMaxSuiteFileBytes = 32 * 1024 * 1024;
constexpr qint64 kMaxResultsFileBytes = 2 * 1024 * 1024;

QMap<QString, QString> systemEnvironment()
{
    QMap<QString, QString> env;
    const QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
    for (const QString &name : pe.keys())
        env.insert(name, pe.value(name));
    return env;
}

QString displayPath(const QString &workspaceRoot, const QString &path)
{
    return workspaceRoot.isEmpty() ? path : Workspace(workspaceRoot).display(path);
}

QString utcText(const QDateTime &t)
{
    return t.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
}

qint64 parseTs(const QString &ts)
{
    QDateTime t = QDateTime::fromString(ts, Qt::ISODate);
    if (!t.isValid())
        t = QDateTime::fromString(ts, QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    if (!t.isValid())
        return -1;
    if (t.timeSpec() == Qt::LocalTime)
        t.setTimeSpec(Qt::UTC);
    return t.toMSecsSinceEpoch();
}

/// Every string of a JSON value through redactSecrets() (payloads that carry free text).
QJsonValue redactDeep(const QJsonValue &v)
{
    if (v.isString())
        return redactSecrets(v.toString());
    if (v.isArray()) {
        QJsonArray a;
        for (const QJsonValue &x : v.toArray())
            a.append(redactDeep(x));
        return a;
    }
    if (v.isObject()) {
        QJsonObject o;
        const QJsonObject in = v.toObject();
        for (auto it = in.begin(); it != in.end(); ++it)
            o.insert(it.key(), redactDeep(it.value()));
        return o;
    }
    return v;
}

/// The effective archive configuration (profile A, as the CLI's default) of a workspace.
config::ResolvedConfig resolveArchiveConfig(const QString &workspaceRoot, const config::PrecedenceProfile **profileOut)
{
    const config::PrecedenceProfile *profile = config::PrecedenceProfile::byId(QStringLiteral("a"));
    config::ConfigInputs inputs;
    inputs.workspace = QDir::cleanPath(QDir::current().absoluteFilePath(workspaceRoot));
    inputs.environment = systemEnvironment();
    if (profileOut)
        *profileOut = profile;
    return config::ConfigResolver::resolve(*profile, inputs);
}

QString plural(qint64 n, const char *one, const char *many)
{
    return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? one : many));
}

}  // namespace

QString EvidenceCollector::evidenceLogPath(const QString &workspaceRoot)
{
    return evidence::EvidenceLog::defaultPath(workspaceRoot, systemEnvironment());
}

std::optional<Evidence> EvidenceCollector::fromSuiteFile(const QString &path, const QString &workspaceRoot, const QString &by,
                                                         QString *error)
{
    auto fail = [&](const QString &m) {
        if (error)
            *error = m;
        return std::nullopt;
    };
    const QString shown = displayPath(workspaceRoot, path);
    QFile f(path);
    if (!f.exists())
        return fail(QStringLiteral("%1: no such file").arg(shown));
    if (!f.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("%1: cannot read: %2").arg(shown, f.errorString()));
    if (f.size() > kMaxSuiteFileBytes)
        return fail(QStringLiteral("%1: %2 bytes is too large for an endpoint suite run (limit %3 MiB)")
                        .arg(shown)
                        .arg(f.size())
                        .arg(kMaxSuiteFileBytes / (1024 * 1024)));
    const QByteArray bytes = f.readAll();
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
    if (pe.error != QJsonParseError::NoError) {
        int line = 1, column = 1;
        metrics::lineColumnAt(bytes, pe.offset, &line, &column);
        return fail(QStringLiteral("%1:%2:%3: not an endpoint suite run: %4").arg(shown).arg(line).arg(column).arg(pe.errorString()));
    }
    if (!doc.isObject())
        return fail(QStringLiteral("%1: not an endpoint suite run: the file holds no JSON object").arg(shown));
    QString why;
    const auto suite = proxy::SuiteResult::fromJson(doc.object(), &why);
    if (!suite)
        return fail(QStringLiteral("%1: not an endpoint suite run: %2").arg(shown, why));

    Evidence e;
    e.kind = EvidenceKind::EndpointSuite;
    e.createdBy = by;
    e.source = shown;
    e.createdAt = suite->finishedAtMs > 0 ? QDateTime::fromMSecsSinceEpoch(suite->finishedAtMs, Qt::UTC)
                                          : QDateTime::currentDateTimeUtc();
    e.payload = doc.object();
    if (e.payload.contains(QStringLiteral("baseUrl")))
        e.payload.insert(QStringLiteral("baseUrl"), redactUrl(e.payload.value(QStringLiteral("baseUrl")).toString()));
    const int pass = suite->count(proxy::Verdict::Pass);
    const int failed = suite->count(proxy::Verdict::Fail) + suite->count(proxy::Verdict::Error);
    const int skipped = suite->count(proxy::Verdict::Skipped);
    const int inconclusive = suite->count(proxy::Verdict::Inconclusive);
    const int ran = pass + failed + inconclusive;
    e.passed = suite->allPassed() && ran > 0;
    QStringList where;
    if (!suite->environment.isEmpty())
        where << suite->environment;
    else if (!suite->profileId.isEmpty())
        where << suite->profileId;
    if (!suite->baseUrl.isEmpty())
        where << redactUrl(suite->baseUrl);
    e.title = QStringLiteral("Endpoint suite: %1 passed, %2 failed, %3 skipped").arg(pass).arg(failed).arg(skipped);
    if (inconclusive > 0)
        e.title += QStringLiteral(", %1 inconclusive").arg(inconclusive);
    if (!where.isEmpty())
        e.title += QStringLiteral(" (%1)").arg(where.join(QStringLiteral(", ")));
    QStringList summary;
    summary << QStringLiteral("%1%2, %3")
                   .arg(suite->suite.isEmpty() ? QStringLiteral("suite") : QStringLiteral("suite “%1”").arg(suite->suite),
                        suite->startedAtMs > 0 ? QStringLiteral(" run %1").arg(utcText(QDateTime::fromMSecsSinceEpoch(suite->startedAtMs, Qt::UTC)))
                                               : QString(),
                        plural(suite->cases.size(), "case", "cases"));
    if (ran == 0)
        summary << QStringLiteral("no case ran");
    for (const auto &c : suite->cases)
        if (c.verdict == proxy::Verdict::Fail || c.verdict == proxy::Verdict::Error) {
            summary << QStringLiteral("first failure: %1: %2").arg(c.id, redactSecrets(c.firstFailure()));
            break;
        }
    e.summary = summary.join(QStringLiteral("; "));
    return e;
}

QString EvidenceCollector::latestSuiteFile(const QString &workspaceRoot)
{
    QDir dir(QDir(workspaceRoot).filePath(QStringLiteral(".codex/reports")));
    if (!dir.exists())
        return {};
    QStringList names = dir.entryList({QStringLiteral("endpoint-suite-*.json")}, QDir::Files);
    if (names.isEmpty())
        return {};
    // endpoint-suite-YYYYMMDD-HHMMSS[-N].json: by name sorts by time; "-2" after the plain one.
    std::sort(names.begin(), names.end(), [](const QString &a, const QString &b) {
        const QString sa = a.chopped(5), sb = b.chopped(5);  // without ".json"
        return sa < sb;
    });
    return dir.filePath(names.last());
}

EvidenceCollector::SuiteMatch EvidenceCollector::matchSuite(const Rollout &rollout, const Evidence &suiteEvidence)
{
    SuiteMatch m;
    const auto suite = proxy::SuiteResult::fromJson(suiteEvidence.payload, nullptr);
    if (!suite)
        return m;
    for (const RolloutItem &item : rollout.items) {
        const QString wanted = item.def.suiteItem.trimmed();
        if (wanted.isEmpty())
            continue;
        int matched = 0, passed = 0, failed = 0;
        for (const auto &c : suite->cases) {
            if (c.checklistItem.trimmed() != wanted)
                continue;
            ++matched;
            switch (c.verdict) {
            case proxy::Verdict::Pass: ++passed; break;
            case proxy::Verdict::Fail:
            case proxy::Verdict::Error: ++failed; break;
            case proxy::Verdict::Inconclusive:
            case proxy::Verdict::Skipped: break;
            }
        }
        if (matched == 0)
            continue;
        m.attach << item.def.key;
        int ran = 0;
        for (const auto &c : suite->cases)
            if (c.checklistItem.trimmed() == wanted && c.verdict != proxy::Verdict::Skipped)
                ++ran;
        if (failed > 0)
            m.failed << item.def.key;
        else if (ran > 0 && passed == ran)
            m.tick << item.def.key;
    }
    return m;
}

Evidence EvidenceCollector::healthCheck(const QString &workspaceRoot, const QString &by)
{
    Evidence e;
    e.kind = EvidenceKind::HealthCheck;
    e.createdBy = by;
    e.createdAt = QDateTime::currentDateTimeUtc();
    const config::PrecedenceProfile *profile = nullptr;
    const config::ResolvedConfig rc = resolveArchiveConfig(workspaceRoot, &profile);
    for (const config::ConfigIssue &i : rc.issues)
        if (i.severity == config::Severity::Error) {
            e.passed = false;
            e.title = QStringLiteral("Health check: FAILED (invalid configuration)");
            e.summary = redactSecrets(i.message);
            e.source = QStringLiteral("archive configuration (profile %1)").arg(profile->id);
            e.payload = {{QStringLiteral("status"), QStringLiteral("FAILED")},
                         {QStringLiteral("reachable"), false},
                         {QStringLiteral("message"), QStringLiteral("invalid configuration: %1").arg(redactSecrets(i.message))},
                         {QStringLiteral("profile"), profile->id}};
            return e;
        }
    const QString ws = QDir::cleanPath(QDir::current().absoluteFilePath(workspaceRoot));
    archive::ArchiveError error;
    const auto location = archive::ArchiveLocation::fromConfig(rc, ws, &error);
    if (!location) {
        e.passed = false;
        e.title = QStringLiteral("Health check: FAILED (archive location)");
        e.summary = redactSecrets(error.message);
        e.source = QStringLiteral("archive configuration (profile %1)").arg(profile->id);
        e.payload = {{QStringLiteral("status"), QStringLiteral("FAILED")},
                     {QStringLiteral("reachable"), false},
                     {QStringLiteral("message"), redactSecrets(error.message)},
                     {QStringLiteral("profile"), profile->id}};
        return e;
    }
    const archive::HealthReport report = archive::HealthCheck::run(*location);
    const bool healthy = report.reachable && report.schemaPresent;
    e.passed = healthy;
    e.source = location->redactedUrl;
    e.payload = report.toJson();
    e.payload.insert(QStringLiteral("profile"), profile->id);
    if (healthy) {
        e.title = QStringLiteral("Health check: OK (%1, %2)")
                      .arg(report.backend, report.itemCount >= 0 ? plural(report.itemCount, "item", "items") : QStringLiteral("items unknown"));
    } else {
        QString what = !report.reachable ? QStringLiteral("not reachable") : QStringLiteral("archive schema missing");
        e.title = QStringLiteral("Health check: FAILED (%1 %2: %3)").arg(report.backend, location->redactedUrl, what);
    }
    e.summary = redactSecrets(report.message.isEmpty() ? report.toText().split(QLatin1Char('\n'), Qt::SkipEmptyParts).value(3)
                                                       : report.message);
    if (healthy && report.probeLatencyUs >= 0)
        e.summary = QStringLiteral("backend accessible, %1 retrievable, probe %2 ms")
                        .arg(plural(report.itemCount, "item", "items"))
                        .arg(QString::number(report.probeLatencyUs / 1000.0, 'f', 1));
    return e;
}

QList<Evidence> EvidenceCollector::batchResults(const QString &workspaceRoot, const QString &by, int max)
{
    QList<Evidence> out;
    const QString logPath = evidenceLogPath(workspaceRoot);
    if (max <= 0 || !QFileInfo::exists(logPath))
        return out;
    QList<evidence::EvidenceRecord> records;
    evidence::EvidenceReader::read(
        logPath,
        [&](const evidence::EvidenceRecord &r) {
            if (r.action == QLatin1String("BATCH_RESTORE")) {
                records.append(r);
                if (records.size() > max)
                    records.removeFirst();
            }
            return true;
        },
        [](const evidence::EvidenceProblem &) {});
    const QString ws = QDir::cleanPath(QDir::current().absoluteFilePath(workspaceRoot));
    for (auto it = records.crbegin(); it != records.crend(); ++it) {
        const evidence::EvidenceRecord &r = *it;
        const QJsonObject f = r.fields;
        Evidence e;
        e.kind = EvidenceKind::BatchResult;
        e.createdBy = by;
        const qint64 t = parseTs(r.ts);
        e.createdAt = t >= 0 ? QDateTime::fromMSecsSinceEpoch(t, Qt::UTC) : QDateTime::currentDateTimeUtc();
        const qint64 total = qint64(f.value(QStringLiteral("total")).toDouble());
        const qint64 succeeded = qint64(f.value(QStringLiteral("succeeded")).toDouble());
        const qint64 failed = qint64(f.value(QStringLiteral("failed")).toDouble(double(total - succeeded)));
        const QString manifest = f.value(QStringLiteral("manifest")).toString();
        const QString resultsRef = f.value(QStringLiteral("results")).toString();
        e.passed = failed == 0 && total > 0;
        e.source = QStringLiteral("%1 line %2").arg(displayPath(workspaceRoot, logPath)).arg(r.line);
        e.title = QStringLiteral("Batch restore: %1 of %2 succeeded, %3 failed (%4, %5)")
                      .arg(succeeded)
                      .arg(total)
                      .arg(failed)
                      .arg(manifest.isEmpty() ? QStringLiteral("no manifest named") : QFileInfo(manifest).fileName(),
                           t >= 0 ? utcText(e.createdAt) : r.ts);
        QJsonObject payload{{QStringLiteral("record"), redactDeep(f)}, {QStringLiteral("line"), r.line}};
        QStringList summary;
        summary << QStringLiteral("by %1, %2 ms").arg(f.value(QStringLiteral("actor")).toString()).arg(f.value(QStringLiteral("duration_ms")).toDouble());
        if (!resultsRef.isEmpty()) {
            const QString resultsPath = QDir(ws).absoluteFilePath(resultsRef);
            payload.insert(QStringLiteral("results_file"), displayPath(workspaceRoot, resultsPath));
            QFile rf(resultsPath);
            if (!rf.exists()) {
                payload.insert(QStringLiteral("results_error"), QStringLiteral("the results file no longer exists"));
                summary << QStringLiteral("results file %1 no longer exists").arg(displayPath(workspaceRoot, resultsPath));
            } else if (rf.size() > kMaxResultsFileBytes) {
                payload.insert(QStringLiteral("results_error"),
                               QStringLiteral("the results file is %1 bytes, over the 2 MiB kept as evidence").arg(rf.size()));
                summary << QStringLiteral("results file too large to keep (%1 bytes)").arg(rf.size());
            } else if (!rf.open(QIODevice::ReadOnly)) {
                payload.insert(QStringLiteral("results_error"), rf.errorString());
            } else {
                QJsonParseError pe;
                const QJsonDocument doc = QJsonDocument::fromJson(rf.readAll(), &pe);
                if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
                    payload.insert(QStringLiteral("results_error"),
                                   QStringLiteral("the results file is not JSON: %1").arg(pe.errorString()));
                } else {
                    const QJsonObject results = redactDeep(doc.object()).toObject();
                    payload.insert(QStringLiteral("results"), results);
                    const QJsonArray items = results.value(QStringLiteral("results")).toArray();
                    for (const QJsonValue &v : items) {
                        const QJsonObject o = v.toObject();
                        if (o.value(QStringLiteral("status")).toString() == QLatin1String("FAILED")) {
                            summary << QStringLiteral("first failure: %1: %2")
                                           .arg(o.value(QStringLiteral("tombstone")).toString(),
                                                o.value(QStringLiteral("detail")).toString());
                            break;
                        }
                    }
                }
            }
        }
        e.payload = payload;
        e.summary = summary.join(QStringLiteral("; "));
        out.append(e);
    }
    return out;
}

Evidence EvidenceCollector::configSnapshot(const QString &workspaceRoot, const QString &by)
{
    const config::PrecedenceProfile *profile = nullptr;
    const config::ResolvedConfig rc = resolveArchiveConfig(workspaceRoot, &profile);
    Evidence e;
    e.kind = EvidenceKind::ConfigSnapshot;
    e.createdBy = by;
    e.createdAt = QDateTime::currentDateTimeUtc();
    // The same JSON as `config show --json` (values masked); every string once more through
    // redactSecrets() so that nothing secret can reach a report.
    e.payload = redactDeep(config::resolvedConfigToJson(rc, false)).toObject();
    int errors = 0, warnings = 0;
    for (const auto &i : rc.issues) {
        if (i.severity == config::Severity::Error)
            ++errors;
        else if (i.severity == config::Severity::Warning)
            ++warnings;
    }
    int overridden = 0;
    for (const auto &k : rc.keys)
        if (k.origin.source != config::Source::Default)
            ++overridden;
    e.passed = errors == 0;
    const QString file = rc.file.exists ? displayPath(workspaceRoot, rc.file.path) : QStringLiteral("no file");
    e.source = rc.file.exists ? file : QStringLiteral("environment and defaults");
    e.title = QStringLiteral("Config snapshot: profile %1, %2 (%3 set, %4)")
                  .arg(profile->id, file, plural(overridden, "key", "keys"),
                       errors > 0 ? plural(errors, "error", "errors") : plural(warnings, "warning", "warnings"));
    QStringList summary;
    summary << profile->order;
    const config::ResolvedKey *url = rc.find(QStringLiteral("backend.url"));
    if (url)
        summary << QStringLiteral("backend.url = %1 (%2)")
                       .arg(config::ConfigResolver::displayValue(*url->schema, url->value, false), url->origin.toString());
    e.summary = redactSecrets(summary.join(QStringLiteral("; ")));
    return e;
}

Evidence EvidenceCollector::evidenceLogSummary(const QString &workspaceRoot, const QString &by)
{
    const QString path = evidenceLogPath(workspaceRoot);
    const QString shown = displayPath(workspaceRoot, path);
    Evidence e;
    e.kind = EvidenceKind::EvidenceLog;
    e.createdBy = by;
    e.createdAt = QDateTime::currentDateTimeUtc();
    e.source = shown;
    QFileInfo fi(path);
    if (!fi.exists()) {
        e.passed = false;
        e.title = QStringLiteral("Evidence log: %1 does not exist").arg(shown);
        e.summary = QStringLiteral("nothing has been recorded yet");
        e.payload = {{QStringLiteral("path"), shown}, {QStringLiteral("exists"), false}};
        return e;
    }
    QMap<QString, qint64> byAction;
    qint64 records = 0, malformed = 0;
    QJsonArray problems;
    QString firstTs, lastTs;
    qint64 firstMs = -1, lastMs = -1;
    QString error;
    const bool ok = evidence::EvidenceReader::read(
        path,
        [&](const evidence::EvidenceRecord &r) {
            ++records;
            byAction[r.action] += 1;
            const qint64 t = parseTs(r.ts);
            if (t >= 0) {
                if (firstMs < 0 || t < firstMs) {
                    firstMs = t;
                    firstTs = r.ts;
                }
                if (t > lastMs) {
                    lastMs = t;
                    lastTs = r.ts;
                }
            }
            return true;
        },
        [&](const evidence::EvidenceProblem &p) {
            ++malformed;
            if (problems.size() < 20)
                problems.append(QJsonObject{{QStringLiteral("line"), p.line}, {QStringLiteral("message"), redactSecrets(p.message)}});
        },
        0, 1, nullptr, nullptr, &error);
    QJsonObject actions;
    for (auto it = byAction.cbegin(); it != byAction.cend(); ++it)
        actions.insert(it.key(), it.value());
    e.payload = {{QStringLiteral("path"), shown},
                 {QStringLiteral("exists"), true},
                 {QStringLiteral("size_bytes"), fi.size()},
                 {QStringLiteral("records"), records},
                 {QStringLiteral("by_action"), actions},
                 {QStringLiteral("malformed"), malformed},
                 {QStringLiteral("malformed_lines"), problems},
                 {QStringLiteral("first_ts"), firstTs.isEmpty() ? QJsonValue() : QJsonValue(firstTs)},
                 {QStringLiteral("last_ts"), lastTs.isEmpty() ? QJsonValue() : QJsonValue(lastTs)}};
    if (!ok) {
        e.passed = false;
        e.payload.insert(QStringLiteral("error"), error);
        e.title = QStringLiteral("Evidence log: cannot be read (%1)").arg(shown);
        e.summary = error;
        return e;
    }
    e.passed = malformed == 0 && records > 0;
    e.title = QStringLiteral("Evidence log: %1, %2").arg(plural(records, "record", "records"), plural(malformed, "malformed line", "malformed lines"));
    QStringList parts;
    for (auto it = byAction.cbegin(); it != byAction.cend(); ++it)
        parts << QStringLiteral("%1 %2").arg(it.key()).arg(it.value());
    QString summary = parts.isEmpty() ? QStringLiteral("empty") : parts.join(QStringLiteral(", "));
    if (firstMs >= 0)
        summary += QStringLiteral("; %1 → %2").arg(firstTs, lastTs);
    if (malformed > 0)
        summary += QStringLiteral("; first malformed line %1").arg(problems.first().toObject().value(QStringLiteral("line")).toInteger());
    e.summary = summary;
    return e;
}

Evidence EvidenceCollector::metricSnapshot(const MetricSnapshot &snapshot, const QString &title, const QByteArray &png,
                                           const QString &by)
{
    Evidence e;
    e.kind = EvidenceKind::MetricSnapshot;
    e.createdBy = by;
    e.createdAt = snapshot.takenAt.isValid() ? snapshot.takenAt.toUTC() : QDateTime::currentDateTimeUtc();
    MetricSnapshot s = snapshot;
    s.source = redactSecrets(s.source);
    e.source = s.source;
    e.payload = s.toJson();
    e.png = png;
    e.passed = s.activeBreaches.isEmpty();
    e.title = title.isEmpty() ? QStringLiteral("Metric snapshot (%1)").arg(s.source.isEmpty() ? QStringLiteral("Monitor") : s.source)
                              : redactSecrets(title);
    QStringList parts;
    auto value = [&](const char *key) { return s.values.value(QLatin1String(key)); };
    if (value("request_rate").isDouble())
        parts << QStringLiteral("request rate %1 req/s").arg(QString::number(value("request_rate").toDouble(), 'f', 2));
    if (value("error_ratio").isDouble())
        parts << QStringLiteral("error ratio %1 %").arg(QString::number(100.0 * value("error_ratio").toDouble(), 'f', 2));
    for (const char *k : {"p50_ms", "p95_ms", "p99_ms", "restore_p99_ms"})
        if (value(k).isDouble())
            parts << QStringLiteral("%1 %2 ms").arg(QString::fromLatin1(k).chopped(3).replace(QLatin1Char('_'), QLatin1Char(' ')),
                                                    QString::number(value(k).toDouble(), 'f', 0));
    if (!s.comparisons.isEmpty()) {
        // One comparison per marker and series: count the markers, name the stage.
        QStringList markers;
        for (const QJsonValue &c : s.comparisons) {
            const QString m = c.toObject().value(QStringLiteral("marker")).toString();
            if (!markers.contains(m))
                markers << m;
        }
        parts << QStringLiteral("before/after %1").arg(markers.join(QStringLiteral(", ")));
    }
    parts << (s.activeBreaches.isEmpty() ? QStringLiteral("no active breach") : s.activeBreaches.join(QStringLiteral("; ")));
    e.summary = parts.join(QStringLiteral(", "));
    return e;
}

namespace {

double firstValue(const metrics::ApiResult &r)
{
    if (!r.ok || r.series.isEmpty() || r.series.first().points.isEmpty())
        return qQNaN();
    return r.series.first().points.first().second;
}

}  // namespace

std::optional<Evidence> EvidenceCollector::metricSnapshotFromPrometheus(const QString &prometheusUrl, const QString &workspaceRoot,
                                                                        qint64 windowMs, const QString &by, QString *error)
{
    const QString shownUrl = redactUrl(prometheusUrl);
    auto fail = [&](const QString &m) {
        if (error)
            *error = m;
        return std::nullopt;
    };
    const QUrl base(prometheusUrl.trimmed(), QUrl::StrictMode);
    if (!base.isValid() || (base.scheme() != QLatin1String("http") && base.scheme() != QLatin1String("https")) || base.host().isEmpty())
        return fail(QStringLiteral("Prometheus %1: not an http(s) URL").arg(shownUrl));
    if (windowMs <= 0)
        windowMs = 5 * 60 * 1000;

    // Naming and markers from the Monitor page's settings when the workspace has them.
    metrics::MetricNaming naming = *metrics::MetricNaming::preset(QStringLiteral("ccproxy"));
    QList<metrics::StageMarker> markers;
    QList<metrics::ThresholdRule> rules = metrics::ThresholdRule::seedPresets();
    if (!workspaceRoot.isEmpty()) {
        const QString settingsPath = metrics::MonitorSettings::pathFor(Workspace(workspaceRoot));
        QString why;
        bool existed = false;
        const auto settings = metrics::MonitorSettings::load(settingsPath, &why, &existed);
        if (!settings)
            return fail(why);
        if (existed) {
            naming = settings->naming();
            markers = settings->markers;
            rules = settings->rules;
        }
    }

    metrics::PromApiClient api;
    api.setBaseUrl(base);
    api.setTimeoutMs(15000);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const qint64 atMs = now.toMSecsSinceEpoch();
    const QString w = QStringLiteral("%1s").arg(std::max<qint64>(1, windowMs / 1000));
    const QString requests = naming.selector(naming.requestsCounter);
    const QString errors5xx = naming.selector(naming.requestsCounter, true);
    const QString buckets = naming.selector(naming.durationHistogram + QStringLiteral("_bucket"));
    const QString rateQ = QStringLiteral("sum(rate(%1[%2]))").arg(requests, w);
    const QString ratioQ = QStringLiteral("(sum(rate(%1[%3])) or vector(0)) / sum(rate(%2[%3]))").arg(errors5xx, requests, w);
    auto latencyQ = [&](double q) {
        return QStringLiteral("histogram_quantile(%1, sum by (le) (rate(%2[%3])))").arg(QString::number(q), buckets, w);
    };
    auto failed = [&](const metrics::ApiResult &r, const QString &q) {
        return fail(QStringLiteral("Prometheus %1: %2%3 (query %4)")
                        .arg(shownUrl, r.errorType.isEmpty() ? QString() : r.errorType + QStringLiteral(": "),
                             redactSecrets(r.error), q));
    };

    MetricSnapshot snap;
    snap.takenAt = now;
    snap.windowMs = windowMs;
    snap.source = QStringLiteral("prometheus %1 (%2 naming)").arg(shownUrl, naming.id);
    const struct {
        const char *key;
        QString query;
        double scale;
    } instants[] = {
        {"request_rate", rateQ, 1.0},          {"error_ratio", ratioQ, 1.0},          {"p50_ms", latencyQ(0.5), 1000.0},
        {"p95_ms", latencyQ(0.95), 1000.0},    {"p99_ms", latencyQ(0.99), 1000.0},
    };
    for (const auto &i : instants) {
        const metrics::ApiResult r = api.querySync(i.query, atMs);
        if (!r.ok)
            return failed(r, i.query);
        const double v = firstValue(r) * i.scale;
        if (std::isfinite(v))
            snap.values.insert(QLatin1String(i.key), v);
    }

    // Before/after each stage marker: the error ratio's mean over windowMs on either side.
    for (const metrics::StageMarker &m : markers) {
        if (m.tMs > atMs)
            continue;
        const qint64 start = m.tMs - windowMs, end = std::min(atMs, m.tMs + windowMs);
        const int step = int(std::max<qint64>(1, (end - start) / 1000 / 600));
        const metrics::ApiResult r = api.queryRangeSync(ratioQ, start, end, step);
        if (!r.ok)
            return failed(r, ratioQ);
        double sb = 0, sa = 0;
        int nb = 0, na = 0;
        if (!r.series.isEmpty())
            for (const auto &p : r.series.first().points) {
                if (!std::isfinite(p.second))
                    continue;
                if (p.first < m.tMs) {
                    sb += p.second;
                    ++nb;
                } else if (p.first > m.tMs) {
                    sa += p.second;
                    ++na;
                }
            }
        QJsonObject c{{QStringLiteral("marker"), m.name},
                      {QStringLiteral("t"), QDateTime::fromMSecsSinceEpoch(m.tMs, Qt::UTC).toString(Qt::ISODateWithMs)},
                      {QStringLiteral("window_ms"), windowMs},
                      {QStringLiteral("series"), QStringLiteral("error_ratio")},
                      {QStringLiteral("before_points"), nb},
                      {QStringLiteral("after_points"), na}};
        if (nb > 0)
            c.insert(QStringLiteral("before"), sb / nb);
        if (na > 0)
            c.insert(QStringLiteral("after"), sa / na);
        snap.comparisons.append(c);
    }

    // Threshold rules on what Prometheus holds (error ratio, request rate, latency): replayed over
    // the last max(for)+window so a breach that has lasted its `for` is active.
    const QMap<QString, QString> ruleQueries{{QStringLiteral("error_ratio"), ratioQ},
                                              {QStringLiteral("request_rate"), rateQ},
                                              {QStringLiteral("p50_ms"), latencyQ(0.5)},
                                              {QStringLiteral("p95_ms"), latencyQ(0.95)},
                                              {QStringLiteral("p99_ms"), latencyQ(0.99)},
                                              {QStringLiteral("p99_latency_ms"), latencyQ(0.99)}};
    QList<metrics::ThresholdRule> usable;
    int maxFor = 0;
    for (const auto &rule : rules)
        if (ruleQueries.contains(rule.metric)) {
            usable << rule;
            maxFor = std::max(maxFor, rule.forS);
        }
    if (!usable.isEmpty()) {
        metrics::ThresholdEvaluator evaluator(usable);
        const qint64 start = atMs - (qint64(maxFor) + 60) * 1000;
        QStringList fed;
        for (const auto &rule : usable) {
            if (fed.contains(rule.metric))
                continue;
            fed << rule.metric;
            const QString q = ruleQueries.value(rule.metric);
            const metrics::ApiResult r = api.queryRangeSync(q, start, atMs, 5);
            if (!r.ok)
                return failed(r, q);
            const double scale = rule.metric.endsWith(QLatin1String("_ms")) ? 1000.0 : 1.0;
            if (!r.series.isEmpty())
                for (const auto &p : r.series.first().points)
                    evaluator.feed(rule.metric, p.first, p.second * scale);
        }
        for (const metrics::BreachEvent &b : evaluator.active())
            snap.activeBreaches << QStringLiteral("%1 (since %2)")
                                       .arg(b.description.isEmpty() ? b.ruleId : b.description,
                                            QDateTime::fromMSecsSinceEpoch(b.startedMs, Qt::UTC).toString(QStringLiteral("HH:mm:ss 'UTC'")));
        snap.values.insert(QStringLiteral("breach_rules_checked"), usable.size());
    }

    return metricSnapshot(snap, QStringLiteral("Metric snapshot from Prometheus %1").arg(shownUrl), {}, by);
}

}  // namespace codex::rollout
