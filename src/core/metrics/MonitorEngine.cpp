#include "metrics/MonitorEngine.h"

#include <QJsonArray>
#include <QMap>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace codex::metrics {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxRawPoints = 4096;           // per raw counter series
constexpr int kMaxRestoreObservations = 200000;
constexpr qint64 kRestoreKeepMs = 24LL * 3600 * 1000;

const char *const kQuantileNames[] = {"p50", "p95", "p99"};
const double kQuantiles[] = {0.50, 0.95, 0.99};

double parseLe(const QString &s)
{
    if (s == QLatin1String("+Inf") || s.compare(QLatin1String("inf"), Qt::CaseInsensitive) == 0)
        return std::numeric_limits<double>::infinity();
    bool ok = false;
    const double d = s.toDouble(&ok);
    return ok ? d : kNaN;
}

bool serviceMatches(const MetricNaming &n, const Labels &labels)
{
    return n.serviceValue.isEmpty() || n.serviceLabel.isEmpty() || labelValue(labels, n.serviceLabel) == n.serviceValue;
}

/// The samples of a metric: from its own family or (untyped histograms) the family named after the sample.
template <typename Fn>
void forEachSample(const Exposition &e, const QString &family, const QString &sampleName, Fn fn)
{
    // A sample lives in exactly one family: its typed family, or (untyped) one named after it.
    if (const MetricFamily *fam = e.family(family))
        for (const auto &s : fam->samples)
            if (s.name == sampleName)
                fn(s);
    if (family != sampleName)
        if (const MetricFamily *fam = e.family(sampleName))
            for (const auto &s : fam->samples)
                if (s.name == sampleName)
                    fn(s);
}

QString noMatchText(const Exposition &e, const MetricNaming &n)
{
    QStringList missing;
    const QString bucket = n.durationHistogram + QStringLiteral("_bucket");
    int requests = 0, requestsInService = 0, buckets = 0;
    QSet<QString> serviceValues;
    forEachSample(e, n.requestsCounter, n.requestsCounter, [&](const Sample &s) {
        ++requests;
        if (serviceMatches(n, s.labels))
            ++requestsInService;
        else
            serviceValues.insert(labelValue(s.labels, n.serviceLabel));
    });
    forEachSample(e, n.durationHistogram, bucket, [&](const Sample &) { ++buckets; });
    if (requests == 0)
        missing << QStringLiteral("no series named %1").arg(n.requestsCounter);
    else if (requestsInService == 0) {
        QStringList vals(serviceValues.begin(), serviceValues.end());
        vals.sort();
        for (auto &v : vals)
            if (v.isEmpty())
                v = QStringLiteral("(none)");
        missing << QStringLiteral("no series named %1 with %2=\"%3\" (its series have %2: %4)")
                       .arg(n.requestsCounter, n.serviceLabel, n.serviceValue, vals.join(QStringLiteral(", ")));
    }
    if (buckets == 0)
        missing << QStringLiteral("no series named %1").arg(bucket);
    if (missing.isEmpty())
        return {};
    const QStringList names = e.familyNames();
    QString exposes;
    if (names.isEmpty()) {
        exposes = QStringLiteral("the target exposes no metrics at all");
    } else {
        exposes = QStringLiteral("the target exposes: ") + names.mid(0, 20).join(QStringLiteral(", "));
        if (names.size() > 20)
            exposes += QStringLiteral(" … and %1 more").arg(names.size() - 20);
    }
    return QStringLiteral("%1 (naming \"%2\"); %3").arg(missing.join(QStringLiteral("; ")), n.id, exposes);
}

/// A group's key: the label's value; "(none)" for series without it ("" is the total).
QString groupKey(const Labels &labels, const QString &by)
{
    const QString v = labelValue(labels, by);
    return v.isEmpty() ? QStringLiteral("(none)") : v;
}

QJsonValue num(double v)
{
    return std::isfinite(v) ? QJsonValue(v) : QJsonValue(QJsonValue::Null);
}

struct Acc {
    double total = 0;
    double errors = 0;
    bool haveTotal = false;
    QMap<double, double> buckets;  // le → summed rate
};

void finishAcc(const Acc &a, double *rate, double *ratio, double q[3])
{
    *rate = a.haveTotal ? a.total : kNaN;
    *ratio = a.haveTotal && a.total > 0 ? a.errors / a.total : kNaN;
    QVector<Bucket> bs;
    for (auto it = a.buckets.cbegin(); it != a.buckets.cend(); ++it)
        bs.push_back({it.key(), it.value()});
    for (int i = 0; i < 3; ++i)
        q[i] = bs.isEmpty() ? kNaN : histogramQuantile(kQuantiles[i], bs) * 1000.0;
}
}  // namespace

QJsonObject StageMarker::toJson() const
{
    return QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("t_ms"), tMs}};
}

StageMarker StageMarker::fromJson(const QJsonObject &o)
{
    StageMarker m;
    m.name = o.value(QLatin1String("name")).toString();
    m.tMs = qint64(o.value(QLatin1String("t_ms")).toDouble());
    return m;
}

struct MonitorEngine::Private {
    struct Raw {
        Labels labels;
        QVector<Point> pts;
        qint64 lastSeen = 0;
        double le = kNaN;
        bool fiveXX = false;
    };
    MetricNaming naming = *MetricNaming::preset(QStringLiteral("ccproxy"));
    QString groupBy;
    qint64 rateWindowMs = 60000;
    qint64 restoreWindowMs = 300000;
    ThresholdEvaluator evaluator;
    SeriesStore store;
    QHash<QString, Raw> requests;
    QHash<QString, Raw> buckets;
    QStringList groups;  // seen for the current groupBy
    QString noMatch;
    QList<StageMarker> markers;
    QVector<RestoreObservation> restores;
    qint64 lastRestoreT = std::numeric_limits<qint64>::min();
};

MonitorEngine::MonitorEngine(QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    qRegisterMetaType<codex::metrics::BreachEvent>();
}

MonitorEngine::~MonitorEngine() = default;

QString MonitorEngine::seriesName(const QString &group, const QString &what)
{
    return group + QLatin1Char('/') + what;
}

void MonitorEngine::setNaming(const MetricNaming &naming)
{
    d->naming = naming;
    d->requests.clear();
    d->buckets.clear();
    d->groups.clear();
    d->noMatch.clear();
}

MetricNaming MonitorEngine::naming() const
{
    return d->naming;
}

void MonitorEngine::setGroupBy(const QString &label)
{
    if (label == d->groupBy)
        return;
    d->groupBy = label;
    d->groups.clear();
}

QString MonitorEngine::groupBy() const
{
    return d->groupBy;
}

void MonitorEngine::setRateWindowMs(qint64 ms)
{
    d->rateWindowMs = std::max<qint64>(ms, 1000);
}

void MonitorEngine::setRestoreWindowMs(qint64 ms)
{
    d->restoreWindowMs = std::max<qint64>(ms, 1000);
}

void MonitorEngine::setRules(const QList<ThresholdRule> &rules)
{
    d->evaluator.setRules(rules);
}

SeriesStore &MonitorEngine::store()
{
    return d->store;
}

QStringList MonitorEngine::groups() const
{
    if (d->groupBy.isEmpty())
        return {QString()};
    QStringList g = d->groups;
    g.sort();
    return g;
}

QString MonitorEngine::noMatchReport() const
{
    return d->noMatch;
}

void MonitorEngine::addScrape(const ScrapeResult &result)
{
    const qint64 t = result.atMs ? result.atMs : result.exposition.scrapedAtMs;
    QList<BreachEvent> events;
    auto publish = [&](const QString &group, const QString &what, const QString &metricId, double v) {
        d->store.append(seriesName(group, what), t, v);
        events += d->evaluator.feed(group.isEmpty() ? metricId : metricId + QLatin1Char('@') + group, t, v);
    };
    auto publishAll = [&](const QString &group, double rate, double ratio, const double q[3]) {
        publish(group, QStringLiteral("request_rate"), QStringLiteral("request_rate"), rate);
        publish(group, QStringLiteral("error_ratio"), QStringLiteral("error_ratio"), ratio);
        for (int i = 0; i < 3; ++i)
            publish(group, QLatin1String(kQuantileNames[i]) + QStringLiteral("_ms"),
                    QLatin1String(kQuantileNames[i]) + QStringLiteral("_latency_ms"), q[i]);
    };

    if (!result.ok) {
        // A gap, never a zero: every derived series gets NaN at this time.
        const double q[3] = {kNaN, kNaN, kNaN};
        publishAll(QString(), kNaN, kNaN, q);
        if (!d->groupBy.isEmpty())
            for (const auto &g : std::as_const(d->groups))
                publishAll(g, kNaN, kNaN, q);
    } else {
        const Exposition &e = result.exposition;
        const MetricNaming &n = d->naming;
        d->noMatch = noMatchText(e, n);

        auto record = [&](QHash<QString, Private::Raw> &into, const Sample &s, bool bucket) {
            if (!serviceMatches(n, s.labels))
                return;
            const QString key = seriesKey(s.name, s.labels);
            auto it = into.find(key);
            if (it == into.end()) {
                Private::Raw raw;
                raw.labels = s.labels;
                if (bucket)
                    raw.le = parseLe(labelValue(s.labels, QStringLiteral("le")));
                else
                    raw.fiveXX = labelValue(s.labels, n.statusLabel).startsWith(QLatin1Char('5'));
                it = into.insert(key, raw);
            }
            if (it->pts.isEmpty() || it->pts.back().t < t)
                it->pts.push_back({t, s.value});
            it->lastSeen = t;
        };
        forEachSample(e, n.requestsCounter, n.requestsCounter, [&](const Sample &s) { record(d->requests, s, false); });
        const QString bucketName = n.durationHistogram + QStringLiteral("_bucket");
        forEachSample(e, n.durationHistogram, bucketName, [&](const Sample &s) { record(d->buckets, s, true); });

        // rate per raw series, then sums per group (sum by (…) (rate(…[window])))
        QMap<QString, Acc> accs;
        accs[QString()];
        QSet<QString> seenGroups;
        const bool grouped = !d->groupBy.isEmpty();
        auto prune = [&](QHash<QString, Private::Raw> &h) {
            for (auto it = h.begin(); it != h.end();) {
                if (it->lastSeen < t - d->rateWindowMs) {  // gone for a whole window: stale
                    it = h.erase(it);
                    continue;
                }
                auto &p = it->pts;
                qsizetype drop = 0;
                while (drop < p.size() - 1 && p[drop].t <= t - d->rateWindowMs)
                    ++drop;
                drop = std::max<qsizetype>(drop, p.size() - kMaxRawPoints);
                if (drop > 0)
                    p.remove(0, drop);
                ++it;
            }
        };
        prune(d->requests);
        prune(d->buckets);
        for (auto it = d->requests.cbegin(); it != d->requests.cend(); ++it) {
            if (it->lastSeen != t)
                continue;
            const QString g = grouped ? groupKey(it->labels, d->groupBy) : QString();
            if (grouped)
                seenGroups.insert(g);
            const double r = rate(it->pts, t, d->rateWindowMs);
            if (std::isnan(r))
                continue;
            for (const QString &key : grouped ? QStringList{QString(), g} : QStringList{QString()}) {
                Acc &a = accs[key];
                a.haveTotal = true;
                a.total += r;
                if (it->fiveXX)
                    a.errors += r;
            }
        }
        for (auto it = d->buckets.cbegin(); it != d->buckets.cend(); ++it) {
            if (it->lastSeen != t || std::isnan(it->le))
                continue;
            const QString g = grouped ? groupKey(it->labels, d->groupBy) : QString();
            if (grouped)
                seenGroups.insert(g);
            const double r = rate(it->pts, t, d->rateWindowMs);
            if (std::isnan(r))
                continue;
            for (const QString &key : grouped ? QStringList{QString(), g} : QStringList{QString()})
                accs[key].buckets[it->le] += r;
        }
        for (const auto &g : std::as_const(seenGroups))
            if (!d->groups.contains(g))
                d->groups << g;
        auto emitGroup = [&](const QString &g) {
            double rt, ratio, q[3];
            finishAcc(accs.value(g), &rt, &ratio, q);
            publishAll(g, rt, ratio, q);
        };
        emitGroup(QString());
        if (grouped)
            for (const auto &g : std::as_const(d->groups))
                emitGroup(g);  // a known group without series now gets NaN (gap)
    }
    for (const auto &ev : std::as_const(events)) {
        if (ev.endedMs == 0)
            Q_EMIT breachStarted(ev);
        else
            Q_EMIT breachEnded(ev);
    }
    Q_EMIT updated(t);
}

void MonitorEngine::addRestoreObservations(const QVector<RestoreObservation> &obs)
{
    if (obs.isEmpty())
        return;
    qint64 t = std::numeric_limits<qint64>::min();
    for (const auto &o : obs)
        t = std::max(t, o.tMs);
    d->restores += obs;
    std::stable_sort(d->restores.begin(), d->restores.end(),
                     [](const RestoreObservation &a, const RestoreObservation &b) { return a.tMs < b.tMs; });
    // bounded: the last 24 h, at most kMaxRestoreObservations
    const qint64 newest = d->restores.back().tMs;
    qsizetype drop = 0;
    while (drop < d->restores.size() && d->restores[drop].tMs < newest - kRestoreKeepMs)
        ++drop;
    drop = std::max<qsizetype>(drop, d->restores.size() - kMaxRestoreObservations);
    if (drop > 0)
        d->restores.remove(0, drop);
    if (t < d->lastRestoreT)
        return;  // only old observations: kept for later windows, no new point
    d->lastRestoreT = t;
    const double p50 = EvidenceTail::durationPercentile(d->restores, 0.50, t, d->restoreWindowMs);
    const double p99 = EvidenceTail::durationPercentile(d->restores, 0.99, t, d->restoreWindowMs);
    const double fail = EvidenceTail::failRatio(d->restores, t, d->restoreWindowMs);
    d->store.append(QStringLiteral("restore/p50_ms"), t, p50);
    d->store.append(QStringLiteral("restore/p99_ms"), t, p99);
    d->store.append(QStringLiteral("restore/fail_ratio"), t, fail);
    QList<BreachEvent> events;
    events += d->evaluator.feed(QStringLiteral("restore_p50_ms"), t, p50);
    events += d->evaluator.feed(QStringLiteral("restore_p99_ms"), t, p99);
    events += d->evaluator.feed(QStringLiteral("restore_fail_rate"), t, fail);
    for (const auto &ev : std::as_const(events)) {
        if (ev.endedMs == 0)
            Q_EMIT breachStarted(ev);
        else
            Q_EMIT breachEnded(ev);
    }
    Q_EMIT updated(t);
}

QList<StageMarker> MonitorEngine::markers() const
{
    return d->markers;
}

void MonitorEngine::setMarkers(const QList<StageMarker> &markers)
{
    d->markers = markers;
    std::stable_sort(d->markers.begin(), d->markers.end(), [](const auto &a, const auto &b) { return a.tMs < b.tMs; });
}

void MonitorEngine::addMarker(const StageMarker &marker)
{
    d->markers << marker;
    setMarkers(d->markers);
}

Comparison MonitorEngine::compare(const QString &series, qint64 markerMs, qint64 windowMs) const
{
    Comparison c;
    c.series = series;
    const QVector<Point> pts = d->store.points(series, markerMs - windowMs, markerMs + windowMs, 0);
    double sb = 0, sa = 0;
    for (const auto &p : pts) {
        if (std::isnan(p.v))
            continue;
        if (p.t < markerMs) {
            sb += p.v;
            ++c.beforePoints;
        } else if (p.t > markerMs) {
            sa += p.v;
            ++c.afterPoints;
        }
    }
    if (c.beforePoints)
        c.before = sb / c.beforePoints;
    if (c.afterPoints)
        c.after = sa / c.afterPoints;
    return c;
}

QList<BreachEvent> MonitorEngine::activeBreaches() const
{
    return d->evaluator.active();
}

QList<BreachEvent> MonitorEngine::breachHistory() const
{
    return d->evaluator.history();
}

QJsonObject MonitorEngine::summarize(const Exposition &first, const Exposition &second, const MetricNaming &naming,
                                     const QString &groupBy)
{
    QJsonObject out;
    out.insert(QStringLiteral("naming"), naming.id);
    out.insert(QStringLiteral("group_by"), groupBy);
    const double dt = double(second.scrapedAtMs - first.scrapedAtMs) / 1000.0;
    out.insert(QStringLiteral("interval_s"), dt);
    out.insert(QStringLiteral("problems"), first.problemsTotal + second.problemsTotal);
    const QString noMatch = noMatchText(second, naming);
    if (!noMatch.isEmpty())
        out.insert(QStringLiteral("no_match"), noMatch);
    if (!(dt > 0)) {
        out.insert(QStringLiteral("error"),
                   QStringLiteral("the second scrape is not later than the first (%1 s apart)").arg(dt));
        return out;
    }
    // per raw series: the increase between the two scrapes (a drop is a reset: the new value counts)
    auto values = [&](const Exposition &e, const QString &family, const QString &sampleName) {
        QHash<QString, std::pair<Labels, double>> m;
        forEachSample(e, family, sampleName, [&](const Sample &s) {
            if (serviceMatches(naming, s.labels))
                m.insert(seriesKey(s.name, s.labels), {s.labels, s.value});
        });
        return m;
    };
    struct G {
        Acc acc;
        double requests = 0, errors = 0;
    };
    QMap<QString, G> groups;
    const bool grouped = !groupBy.isEmpty();
    groups[QString()];
    auto delta = [](double a, double b) { return b >= a ? b - a : b; };
    const auto r1 = values(first, naming.requestsCounter, naming.requestsCounter);
    const auto r2 = values(second, naming.requestsCounter, naming.requestsCounter);
    for (auto it = r2.cbegin(); it != r2.cend(); ++it) {
        auto prev = r1.constFind(it.key());
        if (prev == r1.cend() || std::isnan(prev->second) || std::isnan(it->second))
            continue;  // one point: no rate (as Prometheus)
        const double inc = delta(prev->second, it->second);
        const bool err = labelValue(it->first, naming.statusLabel).startsWith(QLatin1Char('5'));
        const QString g = grouped ? groupKey(it->first, groupBy) : QString();
        for (const QString &key : grouped ? QStringList{QString(), g} : QStringList{QString()}) {
            G &gg = groups[key];
            gg.acc.haveTotal = true;
            gg.acc.total += inc / dt;
            gg.requests += inc;
            if (err) {
                gg.acc.errors += inc / dt;
                gg.errors += inc;
            }
        }
    }
    const QString bucketName = naming.durationHistogram + QStringLiteral("_bucket");
    const auto b1 = values(first, naming.durationHistogram, bucketName);
    const auto b2 = values(second, naming.durationHistogram, bucketName);
    for (auto it = b2.cbegin(); it != b2.cend(); ++it) {
        auto prev = b1.constFind(it.key());
        const double le = parseLe(labelValue(it->first, QStringLiteral("le")));
        if (prev == b1.cend() || std::isnan(le) || std::isnan(prev->second) || std::isnan(it->second))
            continue;
        const double inc = delta(prev->second, it->second);
        const QString g = grouped ? groupKey(it->first, groupBy) : QString();
        for (const QString &key : grouped ? QStringList{QString(), g} : QStringList{QString()})
            groups[key].acc.buckets[le] += inc / dt;
    }
    auto groupJson = [&](const QString &key, const G &g) {
        double rt, ratio, q[3];
        finishAcc(g.acc, &rt, &ratio, q);
        QJsonObject o;
        o.insert(QStringLiteral("group"), key);
        o.insert(QStringLiteral("request_rate"), num(rt));
        o.insert(QStringLiteral("error_ratio"), num(ratio));
        o.insert(QStringLiteral("p50_ms"), num(q[0]));
        o.insert(QStringLiteral("p95_ms"), num(q[1]));
        o.insert(QStringLiteral("p99_ms"), num(q[2]));
        o.insert(QStringLiteral("requests"), g.requests);
        o.insert(QStringLiteral("errors"), g.errors);
        return o;
    };
    out.insert(QStringLiteral("total"), groupJson(QString(), groups.value(QString())));
    QJsonArray arr;
    for (auto it = groups.cbegin(); it != groups.cend(); ++it)
        if (!grouped || !it.key().isEmpty())
            arr.append(groupJson(it.key(), it.value()));
    out.insert(QStringLiteral("groups"), arr);
    return out;
}

}  // namespace codex::metrics
