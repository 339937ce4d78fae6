// rate()/increase() and histogram_quantile() as Prometheus computes them (promql/functions.go
// extrapolatedRate, promql/quantile.go bucketQuantile, Prometheus 2.x).
#include "metrics/PromMath.h"

#include <QHash>

#include <algorithm>

namespace codex::metrics {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

/// extrapolatedRate(isCounter = true) on the points in (endMs - windowMs, endMs]; NaN values
/// (scrape gaps) are not samples.
double extrapolated(const QVector<Point> &points, qint64 endMs, qint64 windowMs, bool isRate)
{
    if (windowMs <= 0)
        return kNaN;
    const qint64 rangeStart = endMs - windowMs;
    // points are in time order: find the window with binary search, then skip gaps
    auto first = std::upper_bound(points.begin(), points.end(), rangeStart,
                                  [](qint64 t, const Point &p) { return t < p.t; });
    auto last = std::upper_bound(first, points.end(), endMs, [](qint64 t, const Point &p) { return t < p.t; });
    const Point *firstP = nullptr;
    const Point *lastP = nullptr;
    int n = 0;
    double result = 0;
    double lastValue = 0;
    for (auto it = first; it != last; ++it) {
        if (std::isnan(it->v))
            continue;
        if (!firstP)
            firstP = &*it;
        // counter reset: a drop adds the value before it (Prometheus: `if sample.V < lastValue`)
        if (it->v < lastValue)
            result += lastValue;
        lastValue = it->v;
        lastP = &*it;
        ++n;
    }
    if (n < 2)
        return kNaN;
    result += lastP->v - firstP->v;

    double durationToStart = double(firstP->t - rangeStart) / 1000.0;
    const double durationToEnd = double(endMs - lastP->t) / 1000.0;
    const double sampledInterval = double(lastP->t - firstP->t) / 1000.0;
    if (sampledInterval <= 0)
        return kNaN;
    const double averageDurationBetweenSamples = sampledInterval / double(n - 1);

    // Counters cannot go below zero: do not extrapolate the start further than the zero point.
    if (result > 0 && firstP->v >= 0) {
        const double durationToZero = sampledInterval * (firstP->v / result);
        if (durationToZero < durationToStart)
            durationToStart = durationToZero;
    }
    const double extrapolationThreshold = averageDurationBetweenSamples * 1.1;
    double extrapolateToInterval = sampledInterval;
    extrapolateToInterval += durationToStart < extrapolationThreshold ? durationToStart : averageDurationBetweenSamples / 2;
    extrapolateToInterval += durationToEnd < extrapolationThreshold ? durationToEnd : averageDurationBetweenSamples / 2;
    result = result * (extrapolateToInterval / sampledInterval);
    if (isRate)
        result /= double(windowMs) / 1000.0;
    return result;
}

double parseLe(const QString &s)
{
    if (s == QLatin1String("+Inf") || s.compare(QLatin1String("inf"), Qt::CaseInsensitive) == 0
        || s.compare(QLatin1String("+inf"), Qt::CaseInsensitive) == 0)
        return kInf;
    if (s.compare(QLatin1String("-Inf"), Qt::CaseInsensitive) == 0)
        return -kInf;
    bool ok = false;
    double d = s.toDouble(&ok);
    return ok ? d : kNaN;
}

bool matchesAll(const Labels &labels, const Labels &match)
{
    for (const auto &m : match)
        if (labelValue(labels, m.first) != m.second)
            return false;
    return true;
}

Labels groupOf(const Labels &labels, const QStringList &by)
{
    Labels g;
    for (const auto &l : labels)
        if (by.contains(l.first) && !l.second.isEmpty())
            g.push_back(l);
    return g;  // labels are sorted, so g is too
}
}  // namespace

double increase(const QVector<Point> &points, qint64 endMs, qint64 windowMs)
{
    return extrapolated(points, endMs, windowMs, false);
}

double rate(const QVector<Point> &points, qint64 endMs, qint64 windowMs)
{
    return extrapolated(points, endMs, windowMs, true);
}

double histogramQuantile(double q, QVector<Bucket> buckets)
{
    if (std::isnan(q))
        return kNaN;
    if (q < 0)
        return -kInf;
    if (q > 1)
        return kInf;
    if (buckets.isEmpty())
        return kNaN;
    std::stable_sort(buckets.begin(), buckets.end(), [](const Bucket &a, const Bucket &b) { return a.le < b.le; });
    if (!(std::isinf(buckets.back().le) && buckets.back().le > 0))
        return kNaN;
    // coalesceBuckets: equal upper bounds are merged (summed)
    QVector<Bucket> merged;
    merged.reserve(buckets.size());
    for (const auto &b : buckets) {
        if (!merged.isEmpty() && merged.back().le == b.le)
            merged.back().count += b.count;
        else
            merged.push_back(b);
    }
    buckets = std::move(merged);
    // ensureMonotonic: a count below an earlier one is raised to it
    double max = -kInf;
    for (auto &b : buckets) {
        if (b.count > max)
            max = b.count;
        else if (b.count < max)
            b.count = max;
    }
    if (buckets.size() < 2)
        return kNaN;
    const double observations = buckets.back().count;
    if (observations == 0 || std::isnan(observations))
        return kNaN;
    double rank = q * observations;
    // sort.Search(len(buckets)-1, count >= rank)
    int b = 0;
    const int n = int(buckets.size()) - 1;
    while (b < n && !(buckets[b].count >= rank))
        ++b;
    if (b == n)
        return buckets[n - 1].le;
    if (b == 0 && buckets[0].le <= 0)
        return buckets[0].le;
    double bucketStart = 0;
    const double bucketEnd = buckets[b].le;
    double count = buckets[b].count;
    if (b > 0) {
        bucketStart = buckets[b - 1].le;
        count -= buckets[b - 1].count;
        rank -= buckets[b - 1].count;
    }
    return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

QVector<GroupedValue> sumBy(const MetricFamily &family, const QStringList &by, const QString &sampleName,
                           const Labels &match)
{
    const QString name = sampleName.isEmpty() ? family.name : sampleName;
    QVector<GroupedValue> out;
    QHash<QString, int> index;
    for (const auto &s : family.samples) {
        if (s.name != name || !matchesAll(s.labels, match))
            continue;
        Labels g = groupOf(s.labels, by);
        const QString key = seriesKey(QString(), g);
        auto it = index.find(key);
        if (it == index.end()) {
            index.insert(key, int(out.size()));
            out.push_back({std::move(g), s.value});
        } else {
            out[*it].value += s.value;
        }
    }
    return out;
}

QVector<GroupedBuckets> bucketsBy(const MetricFamily &histogram, const QStringList &by, const Labels &match)
{
    const QString name = histogram.name + QStringLiteral("_bucket");
    QVector<GroupedBuckets> out;
    QHash<QString, int> index;
    for (const auto &s : histogram.samples) {
        if (s.name != name || !matchesAll(s.labels, match))
            continue;
        const QString leText = labelValue(s.labels, QStringLiteral("le"));
        const double le = parseLe(leText);
        if (std::isnan(le))
            continue;
        Labels g = groupOf(s.labels, by);
        g.erase(std::remove_if(g.begin(), g.end(), [](const auto &l) { return l.first == QLatin1String("le"); }), g.end());
        const QString key = seriesKey(QString(), g);
        auto it = index.find(key);
        int gi;
        if (it == index.end()) {
            gi = int(out.size());
            index.insert(key, gi);
            out.push_back({std::move(g), {}});
        } else {
            gi = *it;
        }
        auto &bs = out[gi].buckets;
        auto found = std::find_if(bs.begin(), bs.end(), [&](const Bucket &b) { return b.le == le; });
        if (found == bs.end())
            bs.push_back({le, s.value});
        else
            found->count += s.value;
    }
    for (auto &g : out)
        std::sort(g.buckets.begin(), g.buckets.end(), [](const Bucket &a, const Bucket &b) { return a.le < b.le; });
    return out;
}

}  // namespace codex::metrics
