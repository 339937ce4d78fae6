#pragma once
// Small helpers shared by the tests: temporary workspaces and file I/O that fails loudly.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QMap>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QtTest/QTest>

#ifdef QT_WIDGETS_LIB
#include <QApplication>
#include <QImage>
#include <QWidget>
#endif

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

/// The URL of a server a CTest fixture started (tests/fixtures/dbserver.sh and promserver.sh write
/// it to the file the environment variable names); empty when the variable or the file is missing,
/// with the reason in *why.
inline QString serverUrl(const char *envVar, QString *why = nullptr)
{
    const QString file = qEnvironmentVariable(envVar);
    QString reason;
    QString url;
    if (file.isEmpty()) {
        reason = QStringLiteral("environment variable %1 is not set: run this test through ctest (its server fixture) or start "
                                "the server script in tests/fixtures by hand and export it")
                     .arg(QLatin1String(envVar));
    } else if (QFile f(file); !f.open(QIODevice::ReadOnly)) {
        reason = QStringLiteral("%1=%2 cannot be read (did the fixture's start test fail?)").arg(QLatin1String(envVar), file);
    } else {
        url = QString::fromUtf8(f.readAll()).trimmed();
        if (url.isEmpty())
            reason = QStringLiteral("%1 is empty").arg(file);
    }
    if (why)
        *why = reason;
    return url;
}

/// Makes an item's recorded content hash wrong (64 times `fill`), so that restoring it must fail
/// with a hash mismatch. True when exactly that artifact was changed.
inline bool corruptContentHash(const QSqlDatabase &db, const QString &tombstone, QChar fill = QLatin1Char('0'))
{
    QSqlQuery q(db);
    if (!q.prepare(QStringLiteral("UPDATE artifact SET content_sha256 = ? "
                                  "WHERE id = (SELECT artifact_id FROM item WHERE tombstone_id = ?)")))
        return false;
    q.addBindValue(QString(64, fill));
    q.addBindValue(tombstone);
    return q.exec() && q.numRowsAffected() == 1;
}

/// For a QtTest class's static initMain(): the offscreen platform unless QT_QPA_PLATFORM names one.
inline void defaultToOffscreen()
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
}

inline QString dataPath(const QString &relative)
{
    return QStringLiteral(CODEXADMIN_TEST_DATA) + QLatin1Char('/') + relative;
}

/// The text of a PDF as `pdftotext -layout` lays it out (poppler-utils), or "pdftotext failed: …".
inline QString pdfText(const QString &pdf)
{
    QProcess p;
    p.start(QStringLiteral("pdftotext"), {QStringLiteral("-layout"), pdf, QStringLiteral("-")});
    if (!p.waitForFinished(30000) || p.exitCode() != 0)
        return QStringLiteral("pdftotext failed: ") + QString::fromUtf8(p.readAllStandardError());
    return QString::fromUtf8(p.readAllStandardOutput());
}

/// What a run of codex-adminctl printed and returned.
struct CtlRun {
    int code = -1;  ///< -2 when it crashed
    QString out;
    QString err;
    QByteArray rawOut;
};

#ifdef CODEXADMIN_CTL
/// Runs codex-adminctl in `workspace` with a clean environment (PATH, HOME, C.UTF-8 and `env`),
/// the way a script or CI job calls it.
inline CtlRun runCtl(const QString &workspace, const QStringList &args, const QMap<QString, QString> &env = {})
{
    QProcess p;
    QProcessEnvironment pe;
    pe.insert(QStringLiteral("PATH"), qEnvironmentVariable("PATH"));
    pe.insert(QStringLiteral("HOME"), workspace);
    pe.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    pe.insert(QStringLiteral("CODEX_ADMIN_NO_FILE_LOG"), QStringLiteral("1"));
    for (auto it = env.cbegin(); it != env.cend(); ++it)
        pe.insert(it.key(), it.value());
    p.setProcessEnvironment(pe);
    p.setWorkingDirectory(workspace);
    p.start(QStringLiteral(CODEXADMIN_CTL), args);
    if (!p.waitForFinished(60000))
        qFatal("codex-adminctl did not finish");
    CtlRun r;
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.rawOut = p.readAllStandardOutput();
    r.out = QString::fromUtf8(r.rawOut);
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

/// `codex-adminctl serve-sim --port 0 <extra>` in its own process (environment: the test's plus
/// CODEX_ADMIN_NO_FILE_LOG and `env`); url() is the base URL from its line
/// "… listening on http://127.0.0.1:PORT", empty when it did not say (a warning shows what it printed).
class SimProcess {
public:
    explicit SimProcess(const QStringList &extra = {}, const QMap<QString, QString> &env = {})
    {
        m_proc.setProgram(QStringLiteral(CODEXADMIN_CTL));
        m_proc.setArguments(QStringList{QStringLiteral("serve-sim"), QStringLiteral("--port"), QStringLiteral("0")} + extra);
        QProcessEnvironment pe = QProcessEnvironment::systemEnvironment();
        pe.insert(QStringLiteral("CODEX_ADMIN_NO_FILE_LOG"), QStringLiteral("1"));
        for (auto it = env.cbegin(); it != env.cend(); ++it)
            pe.insert(it.key(), it.value());
        m_proc.setProcessEnvironment(pe);
        m_proc.setProcessChannelMode(QProcess::SeparateChannels);
        m_proc.start();
        if (!m_proc.waitForStarted(10000))
            return;
        QByteArray seen;
        const QRegularExpression re(QStringLiteral("listening on (http://127\\.0\\.0\\.1:\\d+)"));
        for (int i = 0; i < 100 && m_url.isEmpty(); ++i) {
            if (!m_proc.canReadLine() && !m_proc.waitForReadyRead(200)) {
                if (m_proc.state() != QProcess::Running)
                    break;
                continue;
            }
            while (m_proc.canReadLine()) {
                const QByteArray line = m_proc.readLine();
                seen += line;
                const auto m = re.match(QString::fromUtf8(line));
                if (m.hasMatch()) {
                    m_url = m.captured(1);
                    break;
                }
            }
        }
        if (m_url.isEmpty())
            qWarning("serve-sim did not say where it listens: %s %s", seen.constData(), m_proc.readAllStandardError().constData());
    }
    ~SimProcess()
    {
        if (m_proc.state() != QProcess::NotRunning) {
            m_proc.terminate();
            if (!m_proc.waitForFinished(5000)) {
                m_proc.kill();
                m_proc.waitForFinished(5000);
            }
        }
    }
    SimProcess(const SimProcess &) = delete;
    SimProcess &operator=(const SimProcess &) = delete;
    QString url() const { return m_url; }

private:
    QProcess m_proc;
    QString m_url;
};
#endif

#ifdef QT_WIDGETS_LIB
/// Grabs `w` (after pending events) and, when CODEX_ADMIN_WRITE_SCREENSHOTS=1, saves it as
/// docs/screenshots/<name> for the manual; fails the test when nothing could be grabbed or saved.
inline void shot(QWidget *w, const QString &name)
{
    QApplication::processEvents();
    const QImage image = w->grab().toImage();
    QVERIFY(!image.isNull());
    if (qEnvironmentVariableIntValue("CODEX_ADMIN_WRITE_SCREENSHOTS") == 1) {
        const QString dir = QStringLiteral(CODEXADMIN_SOURCE_DIR) + QStringLiteral("/docs/screenshots");
        QDir().mkpath(dir);
        QVERIFY(image.save(dir + QLatin1Char('/') + name));
    }
}
#endif

}  // namespace testutil
