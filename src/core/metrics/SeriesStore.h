#pragma once

#include "metrics/PromMath.h"

#include <QHash>
#include <QMutex>
#include <QString>
#include <QVector>

namespace codex::metrics {

/// Bounded history of many series. Each series keeps two tiers: raw points at full resolution in a
/// ring buffer (rawCapacity, default 3,600 = 1 h at 1 s) and a downsampled tier (one point per
/// `coarseStepMs`, default 60 s: mean for gauges/ratios, last for counters; 24 h = 1,440 points),
/// so a 24-hour window at 1 s across 20 series stays within a fixed budget (memoryBytes()).
/// NaN values are kept as gaps. Thread-safe (one mutex; readers get copies).
class SeriesStore {
public:
    struct Options {
        int rawCapacity = 3600;
        qint64 coarseStepMs = 60000;
        int coarseCapacity = 1440;
    };
    SeriesStore();
    explicit SeriesStore(Options options);

    void append(const QString &series, qint64 tMs, double value, bool counter = false);
    /// Points in [fromMs, toMs]: raw where they exist, coarse before; at most maxPoints (further
    /// bucketed by min/max-preserving decimation for charts).
    QVector<Point> points(const QString &series, qint64 fromMs, qint64 toMs, int maxPoints = 2000) const;
    QStringList seriesNames() const;
    void clear();
    qint64 memoryBytes() const;  ///< bytes held by the buffers (capacity, not just used)

private:
    struct Series;
    Options m_options;
    mutable QMutex m_mutex;
    QHash<QString, Series *> m_series;  // owned
public:
    ~SeriesStore();
    SeriesStore(const SeriesStore &) = delete;
    SeriesStore &operator=(const SeriesStore &) = delete;
};

}  // namespace codex::metrics
