#pragma once

#include "metrics/PromText.h"

#include <QString>
#include <QVector>

#include <cmath>
#include <limits>

namespace codex::metrics {

/// A point of a series: time (ms since epoch) and value. NaN value = a gap (target down).
struct Point {
    qint64 t = 0;
    double v = 0;
};

/// Prometheus's extrapolatedRate() for rate()/increase() over the window (t - windowMs, t]:
/// counter resets handled (a drop adds the previous value), extrapolation to the window edges
/// limited as Prometheus does (to half the average interval, and to zero for counters).
/// NaN when fewer than two points fall in the window.
double increase(const QVector<Point> &points, qint64 endMs, qint64 windowMs);
double rate(const QVector<Point> &points, qint64 endMs, qint64 windowMs);   ///< per second

/// One histogram bucket: upper bound and cumulative count (or its rate).
struct Bucket {
    double le = 0;      ///< +Inf for the last
    double count = 0;
};

/// Prometheus's histogram_quantile(): buckets sorted by le; NaN when there is no +Inf bucket
/// or fewer than two buckets or the total is 0; q < 0 → -Inf, q > 1 → +Inf; linear interpolation
/// within the bucket; a quantile in the +Inf bucket returns the upper bound of the second-highest
/// bucket; the lowest bucket interpolates from 0 when its upper bound is > 0; non-monotonic
/// counts are fixed as Prometheus does (ensureMonotonic).
double histogramQuantile(double q, QVector<Bucket> buckets);

/// Series of one family at one scrape, grouped by the labels in `by` (others summed), e.g. the
/// counter ccproxy_requests_total grouped by endpoint. Used for rate/error ratio per group.
struct GroupedValue {
    Labels group;   ///< only the `by` labels
    double value = 0;
};
QVector<GroupedValue> sumBy(const MetricFamily &family, const QStringList &by, const QString &sampleName = {},
                           const Labels &match = {});

/// Buckets of a histogram family summed by `by` (the le label kept): group → buckets.
struct GroupedBuckets {
    Labels group;
    QVector<Bucket> buckets;
};
QVector<GroupedBuckets> bucketsBy(const MetricFamily &histogram, const QStringList &by, const Labels &match = {});

}  // namespace codex::metrics
