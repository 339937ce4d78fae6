#include "metrics/EvidenceTail.h"

#include "evidence/EvidenceReader.h"

#include <QDateTime>
#include <QTimer>

#include <algorithm>
#include <cmath>

#include <sys/stat.h>

namespace codex::metrics {

struct EvidenceTail::Private {
    QString path;
    QTimer timer;
    qint64 offset = 0;
    qint64 nextLine = 1;
    bool haveIdentity = false;
    dev_t dev = 0;
    ino_t ino = 0;
    int malformed = 0;
    QString lastProblem;
};

EvidenceTail::EvidenceTail(QString path, QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    qRegisterMetaType<QVector<codex::metrics::RestoreObservation>>();
    d->path = std::move(path);
    connect(&d->timer, &QTimer::timeout, this, [this] { poll(); });
}

EvidenceTail::~EvidenceTail() = default;

void EvidenceTail::start(int pollMs)
{
    d->timer.start(std::max(pollMs, 10));
    poll();
}

void EvidenceTail::stop()
{
    d->timer.stop();
}

int EvidenceTail::malformedLines() const
{
    return d->malformed;
}

QString EvidenceTail::lastProblem() const
{
    return d->lastProblem;
}

qint64 EvidenceTail::offset() const
{
    return d->offset;
}

static qint64 parseTs(const QString &ts)
{
    QDateTime dt = QDateTime::fromString(ts, Qt::ISODateWithMs);
    if (!dt.isValid())
        dt = QDateTime::fromString(ts, Qt::ISODate);
    if (!dt.isValid())
        return -1;
    if (dt.timeSpec() == Qt::LocalTime)  // no zone given: the log writes UTC
        dt.setTimeSpec(Qt::UTC);
    return dt.toMSecsSinceEpoch();
}

QVector<RestoreObservation> EvidenceTail::poll()
{
    QVector<RestoreObservation> fresh;
    struct stat st {};
    const QByteArray native = d->path.toLocal8Bit();
    if (::stat(native.constData(), &st) != 0)
        return fresh;  // absent (not yet written, or between rename and re-create): try again later

    if (d->haveIdentity && (st.st_ino != d->ino || st.st_dev != d->dev)) {
        d->offset = 0;
        d->nextLine = 1;
        Q_EMIT reset(QStringLiteral("rotated"));
    } else if (qint64(st.st_size) < d->offset) {
        d->offset = 0;
        d->nextLine = 1;
        Q_EMIT reset(QStringLiteral("truncated"));
    }
    d->haveIdentity = true;
    d->ino = st.st_ino;
    d->dev = st.st_dev;

    auto report = [this](qint64 line, const QString &message) {
        ++d->malformed;
        d->lastProblem = QStringLiteral("%1 line %2: %3").arg(d->path).arg(line).arg(message);
        Q_EMIT problem(d->lastProblem);
    };
    qint64 endOffset = d->offset;
    qint64 nextLine = d->nextLine;
    QString error;
    const bool ok = evidence::EvidenceReader::read(
        d->path,
        [&](const evidence::EvidenceRecord &rec) {
            const bool restore = rec.action == QLatin1String("RESTORE");
            const bool fail = rec.action == QLatin1String("RESTORE_FAIL");
            if (!restore && !fail)
                return true;
            RestoreObservation o;
            o.tMs = parseTs(rec.ts);
            if (o.tMs < 0) {
                report(rec.line, QStringLiteral("%1 with an unreadable ts \"%2\" (expected YYYY-MM-DDTHH:MM:SSZ)")
                                     .arg(rec.action, rec.ts));
                return true;
            }
            o.failed = fail;
            const QJsonValue dur = rec.fields.value(QLatin1String("duration_ms"));
            if (dur.isDouble() && dur.toDouble() >= 0) {
                o.durationMs = dur.toDouble();
            } else if (dur.isString()) {
                bool okNum = false;
                const double v = dur.toString().toDouble(&okNum);
                if (okNum && v >= 0)
                    o.durationMs = v;
            }
            fresh.push_back(o);
            return true;
        },
        [&](const evidence::EvidenceProblem &p) { report(p.line, p.message); }, d->offset, d->nextLine, &endOffset,
        &nextLine, &error);
    if (!ok) {
        d->lastProblem = error;
        Q_EMIT problem(error);
        return fresh;
    }
    d->offset = endOffset;
    d->nextLine = nextLine;
    if (!fresh.isEmpty())
        Q_EMIT observed(fresh);
    return fresh;
}

double EvidenceTail::durationPercentile(const QVector<RestoreObservation> &obs, double q, qint64 endMs, qint64 windowMs)
{
    QVector<double> v;
    for (const auto &o : obs)
        if (!o.failed && o.durationMs >= 0 && o.tMs > endMs - windowMs && o.tMs <= endMs)
            v.push_back(o.durationMs);
    if (v.isEmpty() || std::isnan(q))
        return std::numeric_limits<double>::quiet_NaN();
    std::sort(v.begin(), v.end());
    q = std::clamp(q, 0.0, 1.0);
    // nearest rank: the smallest value with at least q of the values at or below it
    qsizetype rank = qsizetype(std::ceil(q * double(v.size())));
    rank = std::clamp<qsizetype>(rank, 1, v.size());
    return v[rank - 1];
}

double EvidenceTail::failRatio(const QVector<RestoreObservation> &obs, qint64 endMs, qint64 windowMs)
{
    int total = 0, failed = 0;
    for (const auto &o : obs) {
        if (o.tMs > endMs - windowMs && o.tMs <= endMs) {
            ++total;
            failed += o.failed ? 1 : 0;
        }
    }
    return total ? double(failed) / total : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace codex::metrics
