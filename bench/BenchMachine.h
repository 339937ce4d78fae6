#pragma once
// What every benchmark prints first: the machine and the build the figures belong to.

#include <QFile>
#include <QString>
#include <QSysInfo>
#include <QThread>

#include <cstdio>

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

}  // namespace benchutil
