#pragma once
// What every benchmark prints first (the machine and the build the figures belong to), and the
// process facts they measure (RSS, peak RSS).

#include <QByteArray>
#include <QFile>
#include <QString>
#include <QSysInfo>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace benchutil {

/// The CPU model from /proc/cpuinfo, "unknown" when it cannot be read.
inline QString cpuModel()
{
    QFile f(QStringLiteral("/proc/cpuinfo"));
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return QStringLiteral("unknown");
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("model name"))
            return QString::fromUtf8(line.mid(line.indexOf(':') + 1).trimmed());
    return QStringLiteral("unknown");
}

/// "# machine: …" and "# build: …" lines.
inline void printMachineHeader()
{
    std::printf("# machine: %d cores (nproc), CPU %s, %s, Qt %s\n", QThread::idealThreadCount(),
                qPrintable(cpuModel()), qPrintable(QSysInfo::prettyProductName()), qVersion());
#ifdef NDEBUG
    std::printf("# build: optimised (NDEBUG)\n");
#else
    std::printf("# build: NOT optimised (no NDEBUG): figures are pessimistic\n");
#endif
    std::fflush(stdout);
}

/// Deterministic pseudo-random numbers (splitmix64), so every run generates the same data.
struct Rng {
    quint64 s;
    explicit Rng(quint64 seed) : s(seed) {}
    quint64 next()
    {
        quint64 z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    int below(int n) { return int(next() % quint64(n)); }
    double unit() { return double(next() >> 11) / double(1ULL << 53); }
    /// Skewed pick: small indexes are much more frequent (a few repos/actors do most archiving).
    int skewed(int n) { return std::min(n - 1, int(double(n) * unit() * unit())); }
};

/// A 20,000-word vocabulary of pseudo-random lowercase words (always the same).
inline const std::vector<QByteArray> &vocabulary()
{
    static const std::vector<QByteArray> vocab = [] {
        Rng rng(4711);
        std::vector<QByteArray> v;
        v.reserve(20000);
        for (int i = 0; i < 20000; ++i) {
            QByteArray w;
            const int len = 2 + rng.below(11);
            for (int c = 0; c < len; ++c)
                w += char('a' + rng.below(26));
            v.push_back(w);
        }
        return v;
    }();
    return vocab;
}

/// `bytes` of words from vocabulary() with a skewed frequency, 12 to a line, after `head`:
/// compresses about like prose or source code, not like zeros. Distinct per seed.
inline QByteArray wordsPayload(qint64 bytes, quint64 seed, const QByteArray &head = {})
{
    const auto &vocab = vocabulary();
    Rng rng(seed);
    QByteArray out = head;
    out.reserve(bytes + 64);
    int onLine = 0;
    while (out.size() < bytes) {
        out += vocab[size_t(rng.skewed(20000))];
        out += ++onLine % 12 == 0 ? '\n' : ' ';
    }
    out.truncate(bytes);
    return out;
}

/// A field of /proc/self/status in kB (VmRSS, VmHWM), -1 when unreadable.
inline qint64 statusKb(const char *field)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray key = QByteArray(field) + ':';
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith(key))
            return line.mid(key.size()).trimmed().split(' ').value(0).toLongLong();
    return -1;
}

/// Resets VmHWM to the current RSS (Linux >= 4.0), so a peak measured afterwards belongs to
/// the phase that follows, not to what came before (e.g. generating the data).
inline bool resetPeakRss()
{
    QFile f(QStringLiteral("/proc/self/clear_refs"));
    return f.open(QIODevice::WriteOnly) && f.write("5") == 1;
}

}  // namespace benchutil
