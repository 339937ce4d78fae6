#pragma once

#include "metrics/PromMath.h"

#include <QObject>
#include <QString>
#include <QVector>

#include <memory>

namespace codex::metrics {

/// A restore observed in the evidence log (RESTORE with duration_ms, or RESTORE_FAIL).
struct RestoreObservation {
    qint64 tMs = 0;          ///< from the line's ts
    double durationMs = -1;  ///< RESTORE duration_ms; -1 when absent
    bool failed = false;     ///< RESTORE_FAIL
};

/// Tails `.codex/evidence/archive_ops.jsonl` as it grows (evidence::EvidenceReader from the last
/// offset): truncation (size < offset) restarts from 0, rotation (inode changed or the file
/// replaced) reads the new file from 0, malformed lines are counted and reported with their line
/// number, never fatal. Polls on an interval (QFileSystemWatcher is unreliable for appends).
class EvidenceTail : public QObject {
    Q_OBJECT
public:
    explicit EvidenceTail(QString path, QObject *parent = nullptr);
    ~EvidenceTail() override;
    void start(int pollMs = 1000);
    void stop();
    /// Reads what is new now; returns the new observations (also emitted).
    QVector<RestoreObservation> poll();
    int malformedLines() const;
    QString lastProblem() const;
    qint64 offset() const;

    /// Restore duration percentile (nearest-rank on the observations in (endMs - windowMs, endMs]);
    /// NaN when none.
    static double durationPercentile(const QVector<RestoreObservation> &obs, double q, qint64 endMs, qint64 windowMs);
    /// RESTORE_FAIL share of restores in the window; NaN when none.
    static double failRatio(const QVector<RestoreObservation> &obs, qint64 endMs, qint64 windowMs);

Q_SIGNALS:
    void observed(const QVector<codex::metrics::RestoreObservation> &fresh);
    void problem(const QString &message);
    void reset(const QString &why);  ///< "truncated", "rotated"

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::metrics
