// codex-adminctl config … run as a real process, the way scripts and CI call it.
#include "TestUtil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

namespace {

using Run = testutil::CtlRun;

Run ctl(const QString &workspace, const QStringList &args, const QMap<QString, QString> &env = {})
{
    return testutil::runCtl(workspace, args, env);
}

const QByteArray kToml =
    "# staging\n"
    "[backend]\n"
    "type = \"postgres\"\n"
    "url = \"postgresql://archiver:s3cret@db.example.com:5432/archive\"\n"
    "\n"
    "[retry]\n"
    "enabled = true   # adopt config files\n"
    "max_attempts = 3\n"
    "\n"
    "[batch]\n"
    "max_concurrent = 5\n";

}  // namespace

class TestCliConfig : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString toml() const { return m_dir.filePath(QStringLiteral(".codex/archive.toml")); }

private Q_SLOTS:
    void init()
    {
        testutil::writeFile(toml(), kToml);
        QDir codex(m_dir.filePath(QStringLiteral(".codex")));
        for (const QString &bak : codex.entryList({QStringLiteral("*.bak")}))
            codex.remove(bak);
    }

    void showPrintsWhatTheReferencePrints()
    {
        const Run r = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("show")});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QStringLiteral("=== Archive Configuration ===\n"
                                       "Backend: postgres\n"
                                       "URL: postgresql://***@db.example.com:5432/archive (credentials redacted)\n"
                                       "Log Level: info\n"
                                       "Log Format: json\n"
                                       "Retry: enabled (max 3 attempts)\n"
                                       "Batch Concurrency: 5\n"
                                       "Performance Metrics: enabled\n"));
        QVERIFY(!r.out.contains(QStringLiteral("s3cret")));
    }

    void workspaceOptionResolvesFromThatFolder()
    {
        QTemporaryDir elsewhere;
        QProcess p;
        p.setWorkingDirectory(elsewhere.path());
        p.start(QStringLiteral(CODEXADMIN_CTL), {QStringLiteral("config"), QStringLiteral("show"), QStringLiteral("--workspace"), m_dir.path()});
        QVERIFY(p.waitForFinished(30000));
        QVERIFY(p.readAllStandardOutput().contains("Backend: postgres"));
    }

    void jsonCarriesSourcesShadowedAndIgnored()
    {
        const Run r = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("show"), QStringLiteral("--json")},
                          {{QStringLiteral("CODEX_ARCHIVE_RETRY_ENABLED"), QStringLiteral("false")}});
        QCOMPARE(r.code, 0);
        const QJsonObject root = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(root.value(QStringLiteral("profile")).toString(), QStringLiteral("a"));
        QJsonObject retry;
        for (const QJsonValue &v : root.value(QStringLiteral("keys")).toArray())
            if (v.toObject().value(QStringLiteral("key")).toString() == QLatin1String("retry.enabled"))
                retry = v.toObject();
        QCOMPARE(retry.value(QStringLiteral("value")).toBool(), true);
        QCOMPARE(retry.value(QStringLiteral("source")).toString(), QStringLiteral("file"));
        QCOMPARE(retry.value(QStringLiteral("origin")).toString(), QStringLiteral(".codex/archive.toml:7:11"));
        const QJsonObject shadowed = retry.value(QStringLiteral("shadowed")).toArray().first().toObject();
        QCOMPARE(shadowed.value(QStringLiteral("source")).toString(), QStringLiteral("default"));
        QCOMPARE(shadowed.value(QStringLiteral("value")).toBool(), false);
        const QJsonObject ignored = retry.value(QStringLiteral("ignored")).toArray().first().toObject();
        QCOMPARE(ignored.value(QStringLiteral("source")).toString(), QStringLiteral("env"));
        QCOMPARE(ignored.value(QStringLiteral("origin")).toString(), QStringLiteral("env CODEX_ARCHIVE_RETRY_ENABLED"));
        QVERIFY(ignored.value(QStringLiteral("reason")).toString().contains(QStringLiteral("generation A reads no environment")));
        QVERIFY(!r.out.contains(QStringLiteral("s3cret")));
    }

    void originShowsChainWithoutSecrets()
    {
        const Run r = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("show"), QStringLiteral("--origin"),
                                         QStringLiteral("--profile"), QStringLiteral("b")});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("generation B reads .codex/archive.toml only when")), qPrintable(r.out));
        QVERIFY2(!r.out.contains(QStringLiteral("s3cret")), qPrintable(r.out));
    }

    void setChangesOnlyThatValue()
    {
        const Run r = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("retry.max_attempts"), QStringLiteral("4")});
        QCOMPARE(r.code, 0);
        QByteArray expected = kToml;
        expected.replace("max_attempts = 3", "max_attempts = 4");
        QCOMPARE(testutil::readFile(toml()), expected);
        QVERIFY(!r.out.contains(QStringLiteral("s3cret")));
        const Run add = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("logging.level"), QStringLiteral("debug")});
        QCOMPARE(add.code, 0);
        QVERIFY(testutil::readFile(toml()).endsWith("max_concurrent = 5\n\n[logging]\nlevel = \"debug\"\n"));
        const Run unset = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("unset"), QStringLiteral("retry.max_attempts")});
        QCOMPARE(unset.code, 0);
        QVERIFY(!testutil::readFile(toml()).contains("max_attempts"));
    }

    void setRefusesBadValuesAndLeavesTheFile()
    {
        const Run r = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("retry.max_attempts"), QStringLiteral("0")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("retry.max_attempts")) && r.err.contains(QStringLiteral("from 1 to 100")), qPrintable(r.err));
        const Run b = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("retry.enabled"), QStringLiteral("maybe")});
        QCOMPARE(b.code, 1);
        QVERIFY2(b.err.contains(QStringLiteral("'maybe' is not true or false")), qPrintable(b.err));
        const Run unknown = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("retry.bogus"), QStringLiteral("1")});
        QCOMPARE(unknown.code, 1);
        QCOMPARE(testutil::readFile(toml()), kToml);
        QCOMPARE(QDir(m_dir.filePath(QStringLiteral(".codex"))).entryList({QStringLiteral("*.bak")}).size(), 0);
    }

    void invalidConfigIsOneLineAndNonZero()
    {
        testutil::writeFile(toml(), "[backend]\ntype = \"oracle\"\n[retry]\nmax_attempts = \"3\"\n");
        const Run r = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("show")});
        QCOMPARE(r.code, 1);
        QCOMPARE(r.out, QString());
        QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
        QVERIFY2(r.err.contains(QStringLiteral("backend.type")) && r.err.contains(QStringLiteral("oracle")), qPrintable(r.err));
        const Run v = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("validate")});
        QCOMPARE(v.code, 1);
        QVERIFY2(v.out.contains(QStringLiteral("retry.max_attempts")), qPrintable(v.out));
    }

    void malformedTomlNamesLineAndColumn()
    {
        testutil::writeFile(toml(), "[backend]\ntype = \"sqlite\"\nurl = = 3\n");
        const Run r = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("validate")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral(".codex/archive.toml:3:7")), qPrintable(r.err));
        const Run set = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("retry.enabled"), QStringLiteral("true")});
        QCOMPARE(set.code, 1);
        QCOMPARE(testutil::readFile(toml()), QByteArray("[backend]\ntype = \"sqlite\"\nurl = = 3\n"));
    }

    void validateSaysOk()
    {
        const Run r = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("validate")});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("OK: ")));
    }

    void usageErrorsExitTwo()
    {
        QCOMPARE(ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("show"), QStringLiteral("--profile"), QStringLiteral("zz")}).code, 2);
        QCOMPARE(ctl(m_dir.path(), {QStringLiteral("frobnicate")}).code, 2);
        QCOMPARE(ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("set"), QStringLiteral("retry.enabled")}).code, 2);
    }

    void ccproxyInfoAndOverride()
    {
        testutil::writeFile(m_dir.filePath(QStringLiteral(".ccproxy.toml")), "[codex]\nsystem_prompt_injection_mode = \"append\"\n");
        const Run r = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("show"), QStringLiteral("--profile"), QStringLiteral("ccproxy")},
                          {{QStringLiteral("CODEX__SYSTEM_PROMPT_INJECTION_MODE"), QStringLiteral("disabled")},
                           {QStringLiteral("codex__enable_dynamic_model_info"), QStringLiteral("false")}});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("Instruction Mode: append\n")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("Dynamic Model Info: false\n")), qPrintable(r.out));
        const Run o = ctl(m_dir.path(), {QStringLiteral("config"), QStringLiteral("show"), QStringLiteral("--profile"), QStringLiteral("ccproxy"),
                                         QStringLiteral("--set"), QStringLiteral("codex.max_output_tokens_fallback=4096"), QStringLiteral("--json")});
        QCOMPARE(o.code, 0);
        const QJsonArray keys = QJsonDocument::fromJson(o.out.toUtf8()).object().value(QStringLiteral("keys")).toArray();
        bool sawOverride = false, sawReplaced = false;
        for (const QJsonValue &v : keys) {
            const QJsonObject k = v.toObject();
            if (k.value(QStringLiteral("key")) == QLatin1String("codex.max_output_tokens_fallback"))
                sawOverride = k.value(QStringLiteral("source")) == QLatin1String("override") && k.value(QStringLiteral("value")).toInt() == 4096;
            if (k.value(QStringLiteral("key")) == QLatin1String("codex.system_prompt_injection_mode"))
                sawReplaced = k.value(QStringLiteral("source")) == QLatin1String("default")
                              && k.value(QStringLiteral("ignored")).toArray().first().toObject().value(QStringLiteral("reason")).toString().contains(QStringLiteral("replaces that whole section"));
        }
        QVERIFY(sawOverride);
        QVERIFY(sawReplaced);
    }
};

QTEST_GUILESS_MAIN(TestCliConfig)
#include "tst_cli_config.moc"
