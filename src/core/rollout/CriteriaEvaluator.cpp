#include "rollout/CriteriaEvaluator.h"

#include "common/Workspace.h"
#include "evidence/EvidenceReader.h"
#include "proxy/TestSuite.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QMap>
#include <QVector>

#include <algorithm>
#include <cmath>
#include <memory>

namespace codex::rollout {

namespace {

using Verdict = CriterionResult::Verdict;

/// What one pass over the evidence log found (read once per evaluateAll()).
struct LogScan {
    bool read = false;  ///< scanned already (cache)
    bool exists = false;
    QString readError;
    qint64 records = 0;
    qint64 malformed = 0;
    QList<QPair<qint64, QString>> badLines;  ///< first few (line, message)
    QVector<qint64> recordTimes;             ///< ms of every record with a readable ts
    struct Restore {
        qint64 tMs = 0;
        double durationMs = -1;
        bool failed = false;
    };
    QVector<Restore> restores;
};

constexpr int kMaxBadLines = 20;

qint64 parseTs(const QString &ts)
{
    if (ts.isEmpty())
        return -1;
    QDateTime t = QDateTime::fromString(ts, Qt::ISODate);
    if (!t.isValid())  // the schema default's "YYYY-MM-DD HH:MM:SS"
        t = QDateTime::fromString(ts, QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    if (!t.isValid())
        return -1;
    if (t.timeSpec() == Qt::LocalTime)  // no zone written: the reference writes UTC
        t.setTimeSpec(Qt::UTC);
    return t.toMSecsSinceEpoch();
}

void scanLog(const QString &path, LogScan *scan)
{
    scan->read = true;
    QFileInfo fi(path);
    scan->exists = !path.isEmpty() && fi.exists() && fi.isFile();
    if (!scan->exists)
        return;
    auto bad = [scan](qint64 line, const QString &message) {
        ++scan->malformed;
        if (scan->badLines.size() < kMaxBadLines)
            scan->badLines.append({line, message});
    };
    QString error;
    const bool ok = evidence::EvidenceReader::read(
        path,
        [&](const evidence::EvidenceRecord &r) {
            const qint64 t = parseTs(r.ts);
            if (t < 0) {
                bad(r.line, r.ts.isEmpty() ? QStringLiteral("record without ts")
                                           : QStringLiteral("unreadable ts \"%1\"").arg(r.ts.left(40)));
                return true;
            }
            ++scan->records;
            scan->recordTimes.append(t);
            if (r.action == QLatin1String("RESTORE") || r.action == QLatin1String("RESTORE_FAIL")) {
                LogScan::Restore o;
                o.tMs = t;
                o.failed = r.action == QLatin1String("RESTORE_FAIL");
                const QJsonValue d = r.fields.value(QStringLiteral("duration_ms"));
                if (d.isDouble() && std::isfinite(d.toDouble()) && d.toDouble() >= 0)
                    o.durationMs = d.toDouble();
                scan->restores.append(o);
            }
            return true;
        },
        [&](const evidence::EvidenceProblem &p) { bad(p.line, p.message); }, 0, 1, nullptr, nullptr, &error);
    if (!ok)
        scan->readError = error.isEmpty() ? QStringLiteral("cannot read %1").arg(path) : error;
}

double param(const QJsonObject &params, const char *name, double fallback)
{
    const QJsonValue v = params.value(QLatin1String(name));
    if (v.isDouble() && std::isfinite(v.toDouble()) && v.toDouble() > 0)
        return v.toDouble();
    if (v.isString()) {
        bool ok = false;
        const double d = v.toString().toDouble(&ok);
        if (ok && std::isfinite(d) && d > 0)
            return d;
    }
    return fallback;
}

QString num(double v, int decimals)
{
    return QString::number(v, 'f', decimals);
}

/// 5 → "5", 1.5 → "1.5" (thresholds as the admin typed them).
QString shortNum(double v)
{
    return QString::number(v, 'g', 6);
}

QString utcText(const QDateTime &t)
{
    return t.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
}

QString utcText(qint64 ms)
{
    return utcText(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC));
}

QString durationText(qint64 minutes)
{
    if (minutes % 1440 == 0)
        return minutes == 1440 ? QStringLiteral("24 h") : QStringLiteral("%1 d").arg(minutes / 1440);
    if (minutes % 60 == 0)
        return QStringLiteral("%1 h").arg(minutes / 60);
    return QStringLiteral("%1 min").arg(minutes);
}

QString windowText(const QDateTime &now, qint64 minutes)
{
    return QStringLiteral("last %1 (%2 → %3)")
        .arg(durationText(minutes), utcText(now.addSecs(-minutes * 60)), utcText(now));
}

/// Evidence newest first: createdAt, then id, then later in the list.
QList<const Evidence *> newestFirst(const QList<Evidence> &all, EvidenceKind kind)
{
    QList<QPair<int, const Evidence *>> list;
    for (int i = 0; i < all.size(); ++i)
        if (all[i].kind == kind)
            list.append({i, &all[i]});
    std::stable_sort(list.begin(), list.end(), [](const auto &a, const auto &b) {
        const qint64 ta = a.second->createdAt.isValid() ? a.second->createdAt.toMSecsSinceEpoch() : 0;
        const qint64 tb = b.second->createdAt.isValid() ? b.second->createdAt.toMSecsSinceEpoch() : 0;
        if (ta != tb)
            return ta > tb;
        if (a.second->id != b.second->id)
            return a.second->id > b.second->id;
        return a.first > b.first;
    });
    QList<const Evidence *> out;
    for (const auto &p : list)
        out.append(p.second);
    return out;
}

QString evidenceName(const Evidence &e, const char *what)
{
    QString s = e.id > 0 ? QStringLiteral("%1 #%2").arg(QLatin1String(what)).arg(e.id) : QString::fromLatin1(what);
    if (!e.title.isEmpty())
        s += QStringLiteral(" (%1)").arg(e.title);
    return s;
}

class Evaluation {
public:
    Evaluation(const CriteriaInputs &inputs, LogScan *scan) : m_in(inputs), m_scan(scan) {}

    CriterionResult run(const CriterionRef &ref, const QString &itemKey)
    {
        CriterionResult r;
        r.id = ref.id;
        r.itemKey = itemKey;
        r.title = CriteriaEvaluator::ruleTitle(ref.id);
        r.evaluatedAt = now();
        r.verdict = Verdict::NoData;
        r.figure = QStringLiteral("no data");
        if (ref.id == QLatin1String("error-rate-increase"))
            errorRateIncrease(ref.params, r);
        else if (ref.id == QLatin1String("restore-p99"))
            restoreP99(ref.params, r);
        else if (ref.id == QLatin1String("evidence-log"))
            evidenceLog(ref.params, r);
        else if (ref.id == QLatin1String("endpoint-tests"))
            endpointTests(r);
        else if (ref.id == QLatin1String("restore-fail-spike"))
            restoreFailSpike(ref.params, r);
        else if (ref.id == QLatin1String("no-active-breach"))
            noActiveBreach(r);
        else {
            r.title = ref.id;
            r.reason = QStringLiteral("unknown rule \"%1\" (known: %2)").arg(ref.id, CriteriaEvaluator::ruleIds().join(QStringLiteral(", ")));
        }
        if (r.verdict == Verdict::NoData)
            r.figure = r.figure.isEmpty() ? QStringLiteral("no data") : r.figure;
        return r;
    }

private:
    QDateTime now() const { return m_in.now.isValid() ? m_in.now.toUTC() : QDateTime::currentDateTimeUtc(); }

    QString logDisplay() const
    {
        if (m_in.evidenceLogPath.isEmpty())
            return QStringLiteral("evidence log (no path)");
        if (!m_in.workspaceRoot.isEmpty())
            return Workspace(m_in.workspaceRoot).display(m_in.evidenceLogPath);
        return m_in.evidenceLogPath;
    }

    const LogScan &log()
    {
        if (!m_scan->read)
            scanLog(m_in.evidenceLogPath, m_scan);
        return *m_scan;
    }

    /// Common "no log / unreadable log" handling; true when the caller can go on.
    bool needLog(CriterionResult &r)
    {
        const LogScan &s = log();
        r.source = logDisplay();
        if (!s.exists) {
            r.verdict = Verdict::NoData;
            r.reason = QStringLiteral("the evidence log %1 does not exist").arg(logDisplay());
            return false;
        }
        if (!s.readError.isEmpty()) {
            r.verdict = Verdict::NoData;
            r.reason = QStringLiteral("the evidence log cannot be read: %1").arg(s.readError);
            return false;
        }
        return true;
    }

    /// The rollout's metric snapshots, newest first; when there is none, r says so (no data).
    QList<const Evidence *> needSnapshots(CriterionResult &r) const
    {
        const auto snaps = newestFirst(m_in.evidence, EvidenceKind::MetricSnapshot);
        if (snaps.isEmpty()) {
            r.source = QStringLiteral("metric snapshots");
            r.reason = QStringLiteral("no metric snapshot attached to the rollout");
        }
        return snaps;
    }

    void errorRateIncrease(const QJsonObject &params, CriterionResult &r)
    {
        const double threshold = param(params, "threshold_pct", 1.0);
        r.threshold = QStringLiteral("< %1 pp increase").arg(shortNum(threshold));
        const auto snaps = needSnapshots(r);
        if (snaps.isEmpty())
            return;
        for (const Evidence *e : snaps) {
            const MetricSnapshot snap = MetricSnapshot::fromJson(e->payload);
            // The latest stage marker compared on the error ratio.
            QJsonObject best;
            qint64 bestT = std::numeric_limits<qint64>::min();
            for (const QJsonValue &v : snap.comparisons) {
                const QJsonObject c = v.toObject();
                const QString series = c.value(QStringLiteral("series")).toString();
                if (!series.isEmpty() && !series.endsWith(QLatin1String("error_ratio")))
                    continue;
                const QJsonValue tv = c.value(QStringLiteral("t"));
                const qint64 t = tv.isDouble() ? qint64(tv.toDouble()) : parseTs(tv.toString());
                if (best.isEmpty() || t > bestT) {
                    best = c;
                    bestT = t;
                }
            }
            if (best.isEmpty())
                continue;
            r.source = evidenceName(*e, "metric snapshot");
            if (!snap.source.isEmpty())
                r.source += QStringLiteral(", %1").arg(snap.source);
            const QString marker = best.value(QStringLiteral("marker")).toString();
            qint64 windowMs = qint64(best.value(QStringLiteral("window_ms")).toDouble());
            if (windowMs <= 0)
                windowMs = snap.windowMs;
            r.window = QStringLiteral("%1 either side of “%2” (%3)")
                           .arg(durationText(std::max<qint64>(1, windowMs / 60000)), marker,
                                bestT >= 0 ? utcText(bestT) : QStringLiteral("time unknown"));
            if (windowMs > 0 && windowMs < 60000)
                r.window = QStringLiteral("%1 s either side of “%2” (%3)")
                               .arg(windowMs / 1000)
                               .arg(marker, bestT >= 0 ? utcText(bestT) : QStringLiteral("time unknown"));
            const QJsonValue bv = best.value(QStringLiteral("before"));
            const QJsonValue av = best.value(QStringLiteral("after"));
            const int bp = best.value(QStringLiteral("before_points")).toInt(-1);
            const int ap = best.value(QStringLiteral("after_points")).toInt(-1);
            if (!bv.isDouble() || !std::isfinite(bv.toDouble()) || bp == 0) {
                r.reason = QStringLiteral("no error-ratio data before the marker “%1”").arg(marker);
                return;
            }
            if (!av.isDouble() || !std::isfinite(av.toDouble()) || ap == 0) {
                r.reason = QStringLiteral("no error-ratio data after the marker “%1”").arg(marker);
                return;
            }
            const double before = bv.toDouble() * 100.0, after = av.toDouble() * 100.0;
            const double delta = after - before;
            r.value = delta;
            r.figure = QStringLiteral("%1%2 pp (%3 % → %4 %)")
                           .arg(delta >= 0 ? QStringLiteral("+") : QString(), num(delta, 2), num(before, 2), num(after, 2));
            if (delta < threshold) {
                r.verdict = Verdict::Pass;
            } else {
                r.verdict = Verdict::Fail;
                r.reason = QStringLiteral("error rate rose by %1 pp across “%2”, threshold %3 pp")
                               .arg(num(delta, 2), marker, shortNum(threshold));
            }
            return;
        }
        r.source = evidenceName(*snaps.first(), "metric snapshot");
        r.reason = QStringLiteral("no stage marker compared in any metric snapshot (%1 snapshot%2)")
                       .arg(snaps.size())
                       .arg(snaps.size() == 1 ? QString() : QStringLiteral("s"));
    }

    void restoreP99(const QJsonObject &params, CriterionResult &r)
    {
        const double threshold = param(params, "threshold_ms", 500);
        const qint64 minutes = qint64(param(params, "window_minutes", 1440));
        r.threshold = QStringLiteral("< %1 ms").arg(shortNum(threshold));
        r.window = windowText(now(), minutes);
        if (!needLog(r))
            return;
        const qint64 end = now().toMSecsSinceEpoch(), start = end - minutes * 60000;
        QVector<double> d;
        int inWindow = 0, outside = 0;
        for (const auto &o : log().restores) {
            if (o.tMs <= start || o.tMs > end) {
                ++outside;
                continue;
            }
            ++inWindow;
            if (o.durationMs >= 0)
                d.append(o.durationMs);
        }
        if (d.isEmpty()) {
            if (inWindow > 0)
                r.reason = QStringLiteral("%1 restore%2 in the window but none records duration_ms")
                               .arg(inWindow)
                               .arg(inWindow == 1 ? QString() : QStringLiteral("s"));
            else
                r.reason = QStringLiteral("no RESTORE record in the last %1%2")
                               .arg(durationText(minutes),
                                    outside > 0 ? QStringLiteral(" (%1 outside the window)").arg(outside) : QString());
            return;
        }
        // Nearest-rank percentile: the ⌈0.99·n⌉-th smallest duration.
        std::sort(d.begin(), d.end());
        const qsizetype rank = std::max<qsizetype>(1, qsizetype(std::ceil(0.99 * double(d.size()))));
        const double p99 = d[rank - 1];
        r.value = p99;
        r.figure = QStringLiteral("p99 %1 ms over %2 restore%3 (nearest rank)")
                       .arg(num(p99, p99 < 10 ? 1 : 0))
                       .arg(d.size())
                       .arg(d.size() == 1 ? QString() : QStringLiteral("s"));
        if (p99 < threshold) {
            r.verdict = Verdict::Pass;
        } else {
            r.verdict = Verdict::Fail;
            r.reason = QStringLiteral("restore p99 %1 ms is not below %2 ms").arg(num(p99, 0), shortNum(threshold));
        }
    }

    void evidenceLog(const QJsonObject &params, CriterionResult &r)
    {
        const qint64 minutes = qint64(param(params, "window_minutes", 1440));
        r.threshold = QStringLiteral("≥ 1 record in the window, no malformed line");
        r.window = windowText(now(), minutes);
        r.source = logDisplay();
        const LogScan &s = log();
        if (!s.exists) {
            r.reason = QStringLiteral("the evidence log %1 does not exist").arg(logDisplay());
            return;
        }
        if (!s.readError.isEmpty()) {
            r.verdict = Verdict::Fail;
            r.figure = QStringLiteral("unreadable");
            r.reason = QStringLiteral("the evidence log cannot be read: %1").arg(s.readError);
            return;
        }
        const qint64 end = now().toMSecsSinceEpoch(), start = end - minutes * 60000;
        qint64 inWindow = 0;
        for (qint64 t : s.recordTimes)
            if (t > start && t <= end)
                ++inWindow;
        r.value = double(inWindow);
        if (s.malformed > 0) {
            QStringList lines;
            for (const auto &b : s.badLines.mid(0, 5))
                lines << QString::number(b.first);
            r.verdict = Verdict::Fail;
            r.figure = QStringLiteral("%1 malformed line%2 (line%3 %4%5) of %6")
                           .arg(s.malformed)
                           .arg(s.malformed == 1 ? QString() : QStringLiteral("s"))
                           .arg(lines.size() == 1 ? QString() : QStringLiteral("s"))
                           .arg(lines.join(QStringLiteral(", ")))
                           .arg(s.malformed > lines.size() ? QStringLiteral(", …") : QString())
                           .arg(s.records + s.malformed);
            r.reason = QStringLiteral("line %1: %2").arg(s.badLines.first().first).arg(s.badLines.first().second);
            return;
        }
        if (inWindow == 0) {
            r.figure = QStringLiteral("%1 record%2, none in the window").arg(s.records).arg(s.records == 1 ? QString() : QStringLiteral("s"));
            r.reason = s.records == 0 ? QStringLiteral("the evidence log is empty")
                                      : QStringLiteral("no record in the last %1").arg(durationText(minutes));
            return;
        }
        r.verdict = Verdict::Pass;
        r.figure = QStringLiteral("%1 record%2 in the window (%3 in all), no malformed line")
                       .arg(inWindow)
                       .arg(inWindow == 1 ? QString() : QStringLiteral("s"))
                       .arg(s.records);
    }

    void endpointTests(CriterionResult &r)
    {
        r.threshold = QStringLiteral("every non-skipped case passed, ≥ 1 ran");
        const auto runs = newestFirst(m_in.evidence, EvidenceKind::EndpointSuite);
        if (runs.isEmpty()) {
            r.source = QStringLiteral("endpoint suite runs");
            r.reason = QStringLiteral("no endpoint suite run attached to the rollout");
            return;
        }
        const Evidence &e = *runs.first();
        r.source = evidenceName(e, "endpoint suite");
        QString error;
        const auto suite = proxy::SuiteResult::fromJson(e.payload, &error);
        if (!suite) {
            r.reason = QStringLiteral("the newest suite run cannot be read: %1").arg(error);
            return;
        }
        if (suite->startedAtMs > 0)
            r.window = QStringLiteral("run of %1").arg(utcText(suite->startedAtMs));
        else if (e.createdAt.isValid())
            r.window = QStringLiteral("run attached %1").arg(utcText(e.createdAt));
        const int pass = suite->count(proxy::Verdict::Pass), fail = suite->count(proxy::Verdict::Fail),
                  err = suite->count(proxy::Verdict::Error), inc = suite->count(proxy::Verdict::Inconclusive),
                  skip = suite->count(proxy::Verdict::Skipped);
        const int ran = pass + fail + err + inc;
        r.figure = QStringLiteral("%1 passed, %2 failed, %3 skipped").arg(pass).arg(fail + err).arg(skip);
        if (inc > 0)
            r.figure += QStringLiteral(", %1 inconclusive").arg(inc);
        r.value = ran > 0 ? double(pass) / ran : qQNaN();
        if (ran == 0) {
            r.reason = suite->cases.isEmpty() ? QStringLiteral("the suite run has no cases")
                                              : QStringLiteral("all %1 cases were skipped").arg(suite->cases.size());
            return;
        }
        if (suite->allPassed()) {
            r.verdict = Verdict::Pass;
            return;
        }
        r.verdict = Verdict::Fail;
        for (const auto &c : suite->cases)
            if (c.verdict != proxy::Verdict::Pass && c.verdict != proxy::Verdict::Skipped) {
                r.reason = QStringLiteral("%1 %2: %3").arg(c.id, proxy::verdictName(c.verdict), c.firstFailure());
                break;
            }
    }

    void restoreFailSpike(const QJsonObject &params, CriterionResult &r)
    {
        const double threshold = param(params, "threshold_pct", 1.0);
        const qint64 bucketMin = std::max<qint64>(1, qint64(param(params, "bucket_minutes", 5)));
        const qint64 minutes = qint64(param(params, "window_minutes", 1440));
        r.threshold = QStringLiteral("≤ %1 % RESTORE_FAIL in every %2-min bucket").arg(shortNum(threshold)).arg(bucketMin);
        r.window = windowText(now(), minutes);
        if (!needLog(r))
            return;
        const qint64 end = now().toMSecsSinceEpoch(), start = end - minutes * 60000;
        const qint64 bucketMs = bucketMin * 60000;
        QMap<qint64, QPair<int, int>> buckets;  // bucket start → (fails, total)
        int total = 0, fails = 0, outside = 0;
        for (const auto &o : log().restores) {
            if (o.tMs <= start || o.tMs > end) {
                ++outside;
                continue;
            }
            const qint64 b = (o.tMs / bucketMs) * bucketMs;  // buckets aligned to the clock
            auto &slot = buckets[b];
            slot.second += 1;
            ++total;
            if (o.failed) {
                slot.first += 1;
                ++fails;
            }
        }
        if (total == 0) {
            r.reason = QStringLiteral("no RESTORE or RESTORE_FAIL record in the last %1%2")
                           .arg(durationText(minutes),
                                outside > 0 ? QStringLiteral(" (%1 outside the window)").arg(outside) : QString());
            return;
        }
        qint64 worstAt = buckets.firstKey();
        double worst = -1;
        int worstFails = 0, worstTotal = 0;
        for (auto it = buckets.cbegin(); it != buckets.cend(); ++it) {
            const double ratio = 100.0 * it.value().first / it.value().second;
            if (ratio > worst || (ratio == worst && it.value().first > worstFails)) {
                worst = ratio;
                worstAt = it.key();
                worstFails = it.value().first;
                worstTotal = it.value().second;
            }
        }
        r.value = worst;
        r.figure = QStringLiteral("worst %1-min bucket %2 % (%3 of %4) at %5; %6 RESTORE_FAIL of %7 restores")
                       .arg(bucketMin)
                       .arg(num(worst, 1))
                       .arg(worstFails)
                       .arg(worstTotal)
                       .arg(QDateTime::fromMSecsSinceEpoch(worstAt, Qt::UTC).toString(QStringLiteral("HH:mm 'UTC'")))
                       .arg(fails)
                       .arg(total);
        if (worst <= threshold) {
            r.verdict = Verdict::Pass;
        } else {
            r.verdict = Verdict::Fail;
            r.reason = QStringLiteral("RESTORE_FAIL spike: %1 of %2 restores failed in the %3-min bucket from %4")
                           .arg(worstFails)
                           .arg(worstTotal)
                           .arg(bucketMin)
                           .arg(utcText(worstAt));
        }
    }

    void noActiveBreach(CriterionResult &r)
    {
        r.threshold = QStringLiteral("no active threshold breach");
        const auto snaps = needSnapshots(r);
        if (snaps.isEmpty())
            return;
        const Evidence &e = *snaps.first();
        const MetricSnapshot snap = MetricSnapshot::fromJson(e.payload);
        r.source = evidenceName(e, "metric snapshot");
        if (!snap.source.isEmpty())
            r.source += QStringLiteral(", %1").arg(snap.source);
        const QDateTime taken = snap.takenAt.isValid() ? snap.takenAt : e.createdAt;
        if (taken.isValid())
            r.window = QStringLiteral("snapshot of %1").arg(utcText(taken));
        if (snap.values.isEmpty() && snap.comparisons.isEmpty()) {
            r.reason = QStringLiteral("the newest metric snapshot holds no values");
            return;
        }
        r.value = snap.activeBreaches.size();
        if (snap.activeBreaches.isEmpty()) {
            r.verdict = Verdict::Pass;
            r.figure = QStringLiteral("no active breach");
        } else {
            r.verdict = Verdict::Fail;
            r.figure = QStringLiteral("%1 active breach%2").arg(snap.activeBreaches.size()).arg(snap.activeBreaches.size() == 1 ? QString() : QStringLiteral("es"));
            r.reason = snap.activeBreaches.join(QStringLiteral("; "));
        }
    }

    const CriteriaInputs &m_in;
    LogScan *m_scan;
};

}  // namespace

QStringList CriteriaEvaluator::ruleIds()
{
    return {QStringLiteral("error-rate-increase"), QStringLiteral("restore-p99"),        QStringLiteral("evidence-log"),
            QStringLiteral("endpoint-tests"),      QStringLiteral("restore-fail-spike"), QStringLiteral("no-active-breach")};
}

QString CriteriaEvaluator::ruleTitle(const QString &id)
{
    if (id == QLatin1String("error-rate-increase"))
        return QStringLiteral("Error-rate increase across a stage marker");
    if (id == QLatin1String("restore-p99"))
        return QStringLiteral("Restore latency p99");
    if (id == QLatin1String("evidence-log"))
        return QStringLiteral("Evidence log written and well-formed");
    if (id == QLatin1String("endpoint-tests"))
        return QStringLiteral("All endpoint tests passed");
    if (id == QLatin1String("restore-fail-spike"))
        return QStringLiteral("No RESTORE_FAIL spike");
    if (id == QLatin1String("no-active-breach"))
        return QStringLiteral("No active threshold breach");
    return id;
}

CriterionResult CriteriaEvaluator::evaluate(const CriterionRef &ref, const CriteriaInputs &inputs, const QString &itemKey)
{
    LogScan scan;
    return Evaluation(inputs, &scan).run(ref, itemKey);
}

QList<CriterionResult> CriteriaEvaluator::evaluateAll(const Rollout &rollout, const CriteriaInputs &inputs)
{
    LogScan scan;  // read at most once for every rule of this call
    Evaluation eval(inputs, &scan);
    QList<CriterionResult> out;
    for (const RolloutItem &item : rollout.items)
        if (item.def.kind == ItemKind::Criterion && !item.def.criterion.isNull())
            out.append(eval.run(item.def.criterion, item.def.key));
    return out;
}

}  // namespace codex::rollout
