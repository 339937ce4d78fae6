// codex-adminctl serve-sim as a process: prints where it listens, serves, stops cleanly on SIGTERM.
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QtTest/QTest>

#include <csignal>

class TestCliServeSim : public QObject {
    Q_OBJECT

    /// Starts serve-sim; returns the port from its first line (0 on failure).
    quint16 startSim(QProcess &p, const QStringList &args, QString *firstLine, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
    {
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(CODEXADMIN_CTL), QStringList{QStringLiteral("serve-sim")} + args);
        if (!p.waitForStarted(10000))
            return 0;
        QElapsedTimer t;
        t.start();
        while (!p.canReadLine() && p.state() == QProcess::Running && t.elapsed() < 10000)
            p.waitForReadyRead(100);
        *firstLine = QString::fromUtf8(p.readLine()).trimmed();
        const auto m = QRegularExpression(QStringLiteral("listening on http://127\\.0\\.0\\.1:(\\d+)$")).match(*firstLine);
        return m.hasMatch() ? quint16(m.captured(1).toUInt()) : 0;
    }

    QNetworkReply *post(QNetworkAccessManager &nam, quint16 port, const QByteArray &path, const QByteArray &body,
                        const QByteArray &token = {})
    {
        QNetworkRequest req(QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(QString::fromLatin1(path))));
        req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        if (!token.isEmpty())
            req.setRawHeader("Authorization", "Bearer " + token);
        QNetworkReply *r = nam.post(req, body);
        QSignalSpy done(r, &QNetworkReply::finished);
        if (!r->isFinished())
            done.wait(10000);
        return r;
    }

private Q_SLOTS:
    void servesAndStopsOnSigterm()
    {
        QProcess p;
        QString line;
        const quint16 port = startSim(p, {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--set"),
                                          QStringLiteral("buffer-streaming=1,drop-tools-on-chat=1")},
                                      &line);
        QVERIFY2(port > 0, qPrintable(line + QString::fromUtf8(p.readAllStandardError())));
        QCOMPARE(line, QStringLiteral("ccproxy simulator (fork) listening on http://127.0.0.1:%1").arg(port));
        QTRY_VERIFY(p.canReadLine());
        const QString switches = QString::fromUtf8(p.readAll());
        QVERIFY2(switches.contains(QStringLiteral("buffered streaming")), qPrintable(switches));
        QVERIFY(switches.contains(QStringLiteral("tools are not forwarded")));

        QNetworkAccessManager nam;
        QNetworkReply *r = post(nam, port, "/codex/chat/completions",
                                "{\"model\":\"gpt-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi from the test\"}]}");
        QCOMPARE(r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QVERIFY(QJsonDocument::fromJson(r->readAll()).object().value(QStringLiteral("choices")).toArray().size() == 1);
        r->deleteLater();

        ::kill(pid_t(p.processId()), SIGTERM);
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(QString::fromUtf8(p.readAllStandardOutput()).contains(QStringLiteral("serving 1 requests")));
    }

    void currentProfileWithAuthFromEnv()
    {
        QProcess p;
        QString line;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("SIM_TEST_TOKEN"), QStringLiteral("tok-123"));
        const quint16 port = startSim(p, {QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--profile"), QStringLiteral("current"),
                                          QStringLiteral("--auth-token-env"), QStringLiteral("SIM_TEST_TOKEN"), QStringLiteral("--error-rate"),
                                          QStringLiteral("0"), QStringLiteral("--latency-ms"), QStringLiteral("1")},
                                      &line, env);
        QVERIFY2(port > 0, qPrintable(line));
        QVERIFY(line.startsWith(QStringLiteral("ccproxy simulator (current) listening on")));
        QNetworkAccessManager nam;
        const QByteArray body = "{\"model\":\"gpt-5\",\"input\":\"hi\"}";
        QNetworkReply *r = post(nam, port, "/codex/v1/responses", body);
        QCOMPARE(r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);
        QCOMPARE(r->rawHeader("WWW-Authenticate"), QByteArray("Bearer"));
        r->deleteLater();
        r = post(nam, port, "/codex/v1/responses", body, "tok-123");
        QCOMPARE(r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        r->deleteLater();
        ::kill(pid_t(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 0);
    }

    void portInUse()
    {
        QTcpServer blocker;
        QVERIFY(blocker.listen(QHostAddress::LocalHost, 0));
        QProcess p;
        p.start(QStringLiteral(CODEXADMIN_CTL), {QStringLiteral("serve-sim"), QStringLiteral("--port"), QString::number(blocker.serverPort())});
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 1);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(QString::number(blocker.serverPort())) && err.contains(QStringLiteral("cannot listen")), qPrintable(err));
    }

    void badOptions_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("port") << QStringList{QStringLiteral("--port"), QStringLiteral("99999")} << QStringLiteral("--port");
        QTest::newRow("error-rate") << QStringList{QStringLiteral("--error-rate"), QStringLiteral("2")} << QStringLiteral("--error-rate");
        QTest::newRow("latency") << QStringList{QStringLiteral("--latency-ms"), QStringLiteral("soon")} << QStringLiteral("--latency-ms");
        QTest::newRow("profile") << QStringList{QStringLiteral("--profile"), QStringLiteral("v9")} << QStringLiteral("--profile");
        QTest::newRow("set key") << QStringList{QStringLiteral("--set"), QStringLiteral("colour=red")} << QStringLiteral("colour");
        QTest::newRow("set value") << QStringList{QStringLiteral("--set"), QStringLiteral("buffer-streaming=maybe")} << QStringLiteral("buffer-streaming");
        QTest::newRow("set form") << QStringList{QStringLiteral("--set"), QStringLiteral("novalue")} << QStringLiteral("KEY=VALUE");
        QTest::newRow("token env") << QStringList{QStringLiteral("--auth-token-env"), QStringLiteral("SIM_TEST_SURELY_UNSET_VAR")}
                                   << QStringLiteral("SIM_TEST_SURELY_UNSET_VAR");
        QTest::newRow("host") << QStringList{QStringLiteral("--host"), QStringLiteral("not-an-ip")} << QStringLiteral("--host");
        QTest::newRow("unknown") << QStringList{QStringLiteral("--frobnicate")} << QStringLiteral("frobnicate");
    }

    void badOptions()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        QProcess p;
        p.start(QStringLiteral(CODEXADMIN_CTL), QStringList{QStringLiteral("serve-sim")} + args);
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 2);
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(err.contains(mentions), qPrintable(err));
    }
};

QTEST_GUILESS_MAIN(TestCliServeSim)
#include "tst_cli_servesim.moc"
