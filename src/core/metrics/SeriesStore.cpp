#include "metrics/SeriesStore.h"

#include <QMutexLocker>

#include <algorithm>

namespace codex::metrics {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Fixed-capacity ring of points in time order (allocated whole at creation: the budget is fixed).
struct Ring {
    QVector<Point> buf;
    int head = 0;   // index of the oldest
    int count = 0;
    explicit Ring(int capacity) : buf(std::max(capacity, 1)) {}
    int capacity() const { return int(buf.size()); }
    void push(const Point &p)
    {
        if (count < capacity()) {
            buf[(head + count) % capacity()] = p;
            ++count;
        } else {
            buf[head] = p;
            head = (head + 1) % capacity();
        }
    }
    const Point &at(int i) const { return buf[(head + i) % capacity()]; }
    const Point *last() const { return count ? &at(count - 1) : nullptr; }
    /// First index with t >= fromMs.
    int lowerBound(qint64 fromMs) const
    {
        int lo = 0, hi = count;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (at(mid).t < fromMs)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
};
}  // namespace

struct SeriesStore::Series {
    Ring raw;
    Ring coarse;
    bool counter = false;
    // the coarse bucket being filled
    qint64 bucket = std::numeric_limits<qint64>::min();
    double sum = 0;
    double sumT = 0;
    int n = 0;
    bool anyNaN = false;
    Point lastInBucket;
    Series(int rawCap, int coarseCap) : raw(rawCap), coarse(coarseCap) {}
};

SeriesStore::SeriesStore() : SeriesStore(Options{}) {}

SeriesStore::SeriesStore(Options options) : m_options(options)
{
    if (m_options.rawCapacity < 1)
        m_options.rawCapacity = 1;
    if (m_options.coarseCapacity < 1)
        m_options.coarseCapacity = 1;
    if (m_options.coarseStepMs < 1)
        m_options.coarseStepMs = 1;
}

SeriesStore::~SeriesStore()
{
    qDeleteAll(m_series);
}

static qint64 floorDiv(qint64 a, qint64 b)
{
    qint64 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

void SeriesStore::append(const QString &series, qint64 tMs, double value, bool counter)
{
    QMutexLocker lock(&m_mutex);
    Series *&s = m_series[series];
    if (!s) {
        s = new Series(m_options.rawCapacity, m_options.coarseCapacity);
        s->counter = counter;
    }
    if (const Point *last = s->raw.last(); last && tMs < last->t)
        return;  // out of order: ignored (the series is append-only in time)
    s->raw.push({tMs, value});

    const qint64 b = floorDiv(tMs, m_options.coarseStepMs);
    auto flush = [&] {
        if (s->n == 0 && !s->anyNaN)
            return;
        Point p;
        if (s->n == 0) {
            p = {s->lastInBucket.t, kNaN};  // only gaps in this step
        } else if (s->counter) {
            p = s->lastInBucket;            // last value for counters
        } else {
            p = {qint64(s->sumT / s->n), s->sum / s->n};  // mean for gauges and ratios
        }
        s->coarse.push(p);
    };
    if (b != s->bucket) {
        flush();
        s->bucket = b;
        s->sum = 0;
        s->sumT = 0;
        s->n = 0;
        s->anyNaN = false;
    }
    if (std::isnan(value)) {
        s->anyNaN = true;
        s->lastInBucket.t = tMs;
    } else {
        s->sum += value;
        s->sumT += double(tMs);
        ++s->n;
        s->lastInBucket = {tMs, value};
    }
}

QVector<Point> SeriesStore::points(const QString &series, qint64 fromMs, qint64 toMs, int maxPoints) const
{
    QVector<Point> out;
    {
        QMutexLocker lock(&m_mutex);
        const Series *s = m_series.value(series, nullptr);
        if (!s || toMs < fromMs)
            return out;
        const qint64 rawStart = s->raw.count ? s->raw.at(0).t : std::numeric_limits<qint64>::max();
        // coarse tier before the raw tier
        if (fromMs < rawStart) {
            for (int i = s->coarse.lowerBound(fromMs); i < s->coarse.count; ++i) {
                const Point &p = s->coarse.at(i);
                if (p.t >= rawStart || p.t > toMs)
                    break;
                out.push_back(p);
            }
        }
        for (int i = s->raw.lowerBound(fromMs); i < s->raw.count; ++i) {
            const Point &p = s->raw.at(i);
            if (p.t > toMs)
                break;
            out.push_back(p);
        }
    }
    if (maxPoints <= 0 || out.size() <= maxPoints)
        return out;

    // min/max-preserving decimation: per bucket the min, the max (and a gap when there is one), in
    // time order — at most 3 points per bucket.
    const int buckets = std::max(1, maxPoints / 3);
    QVector<Point> dec;
    dec.reserve(buckets * 3);
    const qsizetype n = out.size();
    for (int b = 0; b < buckets; ++b) {
        const qsizetype lo = n * b / buckets;
        const qsizetype hi = n * (b + 1) / buckets;
        if (lo >= hi)
            continue;
        qsizetype iMin = -1, iMax = -1, iNaN = -1;
        for (qsizetype i = lo; i < hi; ++i) {
            const double v = out[i].v;
            if (std::isnan(v)) {
                if (iNaN < 0)
                    iNaN = i;
                continue;
            }
            if (iMin < 0 || v < out[iMin].v)
                iMin = i;
            if (iMax < 0 || v > out[iMax].v)
                iMax = i;
        }
        qsizetype idx[3] = {iMin, iMax, iNaN};
        std::sort(std::begin(idx), std::end(idx));
        qsizetype prev = -2;
        for (qsizetype i : idx) {
            if (i >= 0 && i != prev)
                dec.push_back(out[i]);
            prev = i;
        }
    }
    return dec;
}

QStringList SeriesStore::seriesNames() const
{
    QMutexLocker lock(&m_mutex);
    QStringList names = m_series.keys();
    names.sort();
    return names;
}

void SeriesStore::clear()
{
    QMutexLocker lock(&m_mutex);
    qDeleteAll(m_series);
    m_series.clear();
}

qint64 SeriesStore::memoryBytes() const
{
    QMutexLocker lock(&m_mutex);
    qint64 total = 0;
    for (auto it = m_series.cbegin(); it != m_series.cend(); ++it) {
        total += qint64(sizeof(Series));
        total += qint64(it.value()->raw.capacity() + it.value()->coarse.capacity()) * qint64(sizeof(Point));
        total += qint64(it.key().capacity()) * 2 + 64;  // key and hash node
    }
    return total;
}

}  // namespace codex::metrics
