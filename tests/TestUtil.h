#pragma once
// Small helpers shared by the tests: temporary workspaces and file I/O that fails loudly.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>
#include <QTemporaryDir>
#include <QtTest/QTest>

namespace testutil {

inline QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    return f.readAll();
}

inline void writeFile(const QString &path, const QByteArray &bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    f.write(bytes);
}

inline QString dataPath(const QString &relative)
{
    return QStringLiteral(CODEXADMIN_TEST_DATA) + QLatin1Char('/') + relative;
}

}  // namespace testutil
