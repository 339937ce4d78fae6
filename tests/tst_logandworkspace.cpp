// Logging masks secrets before anything reaches a sink; the workspace is chosen as documented.
#include "TestUtil.h"

#include "common/Log.h"
#include "common/Workspace.h"

#include <QStandardPaths>
#include <QtTest>

class TestLogAndWorkspace : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void logFileIsRotatingAndRedacted()
    {
        QTemporaryDir home;
        qputenv("XDG_DATA_HOME", home.path().toLocal8Bit());
        qunsetenv("CODEX_ADMIN_NO_FILE_LOG");
        codex::log::init({QStringLiteral("codex-admin-test"), false, true, QStringLiteral("debug")});
        const QString path = codex::log::filePath();
        QVERIFY2(path.startsWith(home.path()), qPrintable(path));
        codex::log::info(QStringLiteral("connecting to postgresql://archiver:s3cret@db:5432/archive"));
        codex::log::warn(QStringLiteral("probe with Authorization: Bearer tok-123 and SECURITY__AUTH_TOKEN=abc"));
        qWarning("Qt message with mysql://root:hunter2@localhost/db");
        codex::log::init({QStringLiteral("codex-admin-test"), false, false, QStringLiteral("info")});  // flush + close
        const QByteArray text = testutil::readFile(path);
        QVERIFY2(text.contains("postgresql://***@db:5432/archive"), text.constData());
        QVERIFY2(text.contains("Bearer ***"), text.constData());
        QVERIFY2(text.contains("mysql://***@localhost/db"), text.constData());
        for (const char *secret : {"s3cret", "tok-123", "=abc", "hunter2"})
            QVERIFY2(!text.contains(secret), secret);
    }

    void workspaceChoice()
    {
        QTemporaryDir withCodex, plain, last;
        QDir().mkpath(withCodex.filePath(QStringLiteral(".codex")));
        // --workspace wins, relative to the current folder.
        QCOMPARE(codex::Workspace::choose(QStringLiteral("sub"), plain.path(), last.path()), plain.filePath(QStringLiteral("sub")));
        // The current folder when it holds .codex/.
        QCOMPARE(codex::Workspace::choose({}, withCodex.path(), last.path()), withCodex.path());
        // Else the last one used, when it still exists.
        QCOMPARE(codex::Workspace::choose({}, plain.path(), last.path()), last.path());
        QCOMPARE(codex::Workspace::choose({}, plain.path(), QStringLiteral("/nonexistent/ws")), plain.path());
        const codex::Workspace ws(withCodex.path());
        QCOMPARE(ws.archiveConfigPath(), withCodex.filePath(QStringLiteral(".codex/archive.toml")));
        QCOMPARE(ws.display(withCodex.filePath(QStringLiteral(".codex/archive.toml"))), QStringLiteral(".codex/archive.toml"));
        QCOMPARE(ws.display(QStringLiteral("/etc/hosts")), QStringLiteral("/etc/hosts"));
    }
};

QTEST_GUILESS_MAIN(TestLogAndWorkspace)
#include "tst_logandworkspace.moc"
