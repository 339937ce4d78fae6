// Precedence tables for the four profiles (archive A, archive B, ccproxy fork, ccproxy current),
// validation messages, redaction of credentials in messages, displayValue and DotEnv parsing.
#include "TestUtil.h"

#include "common/Url.h"
#include "config/ConfigResolver.h"
#include "config/DotEnv.h"
#include "config/PrecedenceProfile.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace codex;
using namespace codex::config;

namespace {

// Generation A file: value columns are noted per line.
const char kFileA[] =
    "[backend]\n"                                                         // 1
    "type = \"postgres\"\n"                                               // 2  col 8
    "url = \"postgresql://archiver:s3cret@db.example.com:5432/archive\"\n"  // 3  col 7
    "\n"                                                                  // 4
    "[retry]\n"                                                           // 5
    "enabled = true\n"                                                    // 6  col 11
    "max_attempts = 7\n"                                                  // 7  col 16
    "\n"                                                                  // 8
    "[batch]\n"                                                           // 9
    "max_concurrent = 8\n"                                                // 10 col 18
    "\n"                                                                  // 11
    "[performance]\n"                                                     // 12
    "enable_metrics = true\n";                                            // 13 col 18

// Generation B file (B's key names).
const char kFileB[] =
    "[backend]\n"                                                         // 1
    "backend = \"postgres\"\n"                                            // 2  col 11
    "url = \"postgresql://archiver:s3cret@db.example.com:5432/archive\"\n"  // 3  col 7
    "\n"                                                                  // 4
    "[retry]\n"                                                           // 5
    "enabled = false\n"                                                   // 6  col 11
    "max_attempts = 7\n"                                                  // 7  col 16
    "\n"                                                                  // 8
    "[batch]\n"                                                           // 9
    "concurrent = 8\n";                                                   // 10 col 14

// ccproxy fork TOML.
const char kFork[] =
    "[codex]\n"                                        // 1
    "system_prompt_injection_mode = \"append\"\n"      // 2 col 32
    "enable_dynamic_model_info = true\n"               // 3 col 29
    "\n"                                               // 4
    "[server]\n"                                       // 5
    "port = 8080\n";                                   // 6 col 8

// ccproxy fork TOML without the injection mode.
const char kForkNoMode[] =
    "[server]\n"     // 1
    "port = 8080\n"; // 2 col 8

// ccproxy current TOML.
const char kCurrent[] =
    "[plugins.codex]\n"  // 1
    "enabled = true\n"   // 2 col 11
    "\n"                 // 3
    "[server]\n"         // 4
    "port = 8080\n";     // 5 col 8

const QString kRollbackIgnoredByA =
    QStringLiteral("generation A reads no environment while .codex/archive.toml exists");

QStringList rollbackFlags()
{
    return {QStringLiteral("CODEX_ARCHIVE_RETRY_ENABLED=false"), QStringLiteral("CODEX_ARCHIVE_CONFIG_DISABLED=true"),
            QStringLiteral("CODEX_ARCHIVE_BATCH_CONCURRENT=1"), QStringLiteral("CODEX_ARCHIVE_PERF_ENABLED=false")};
}

QMap<QString, QString> envMap(const QStringList &pairs)
{
    QMap<QString, QString> env;
    for (const QString &p : pairs) {
        const qsizetype eq = p.indexOf(QLatin1Char('='));
        env.insert(p.left(eq), p.mid(eq + 1));
    }
    return env;
}

QList<QPair<QString, QString>> overrideList(const QStringList &pairs)
{
    QList<QPair<QString, QString>> out;
    for (const QString &p : pairs) {
        const qsizetype eq = p.indexOf(QLatin1Char('='));
        out.append({p.left(eq), p.mid(eq + 1)});
    }
    return out;
}

QString severityTag(Severity s)
{
    switch (s) {
    case Severity::Info: return QStringLiteral("I");
    case Severity::Warning: return QStringLiteral("W");
    case Severity::Error: return QStringLiteral("E");
    }
    return {};
}

QString describeIssues(const QList<ConfigIssue> &issues)
{
    QStringList lines;
    for (const ConfigIssue &i : issues)
        lines << severityTag(i.severity) + QLatin1Char(':') + i.message;
    return lines.join(QLatin1Char('\n'));
}

/// A throw-away workspace with a home folder of its own, so ~/.config/ccproxy is never read.
struct Workspace {
    QTemporaryDir dir;
    ConfigInputs inputs;

    explicit Workspace(const QStringList &files = {})
    {
        QVERIFY(dir.isValid());
        inputs.workspace = QDir(dir.path()).canonicalPath();
        inputs.homeDir = inputs.workspace + QStringLiteral("/home");
        QDir().mkpath(inputs.homeDir);
        for (qsizetype i = 0; i + 1 < files.size(); i += 2)
            testutil::writeFile(inputs.workspace + QLatin1Char('/') + files[i], files[i + 1].toUtf8());
    }
};

}  // namespace

class TestConfigResolver : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void profiles();
    void precedence_data();
    void precedence();
    void rollbackFlagsUnderA();
    void configDisabledReadByNoGeneration();
    void locateGenerationB();
    void locateCcproxyDiscovery();
    void validationMessages_data();
    void validationMessages();
    void credentialsNeverInMessages_data();
    void credentialsNeverInMessages();
    void displayValue_data();
    void displayValue();
    void parseEnvValue_data();
    void parseEnvValue();
    void dotEnv();
    void dotEnvProblemsReportLine();
};

void TestConfigResolver::profiles()
{
    QCOMPARE(PrecedenceProfile::all().size(), 4);
    for (const char *id : {"a", "b", "ccproxy", "ccproxy-current"}) {
        const PrecedenceProfile *p = PrecedenceProfile::byId(QString::fromLatin1(id));
        QVERIFY2(p, id);
        QVERIFY(!p->schema().keys().isEmpty());
    }
    QVERIFY(!PrecedenceProfile::byId(QStringLiteral("c")));
    QCOMPARE(PrecedenceProfile::byKind(ProfileKind::ArchiveB).id, QStringLiteral("b"));
    // Env variable names of B that differ from A (verified from the reference source).
    const ConfigSchema &b = PrecedenceProfile::byKind(ProfileKind::ArchiveB).schema();
    QCOMPARE(b.findByEnv(QStringLiteral("CODEX_ARCHIVE_RETRY_ATTEMPTS"))->key, QStringLiteral("retry.max_attempts"));
    QCOMPARE(b.findByEnv(QStringLiteral("CODEX_ARCHIVE_RETRY_MAX"))->key, QStringLiteral("retry.max_delay"));
    QCOMPARE(b.findByEnv(QStringLiteral("CODEX_ARCHIVE_BATCH_CONCURRENT"))->key, QStringLiteral("batch.concurrent"));
    QCOMPARE(b.findByEnv(QStringLiteral("CODEX_ARCHIVE_BATCH_PROGRESS"))->key, QStringLiteral("batch.progress_interval"));
    QCOMPARE(b.findByEnv(QStringLiteral("CODEX_ARCHIVE_PERF_ENABLED"))->key, QStringLiteral("performance.enabled"));
    const ConfigSchema &a = PrecedenceProfile::byKind(ProfileKind::ArchiveA).schema();
    QCOMPARE(a.findByEnv(QStringLiteral("CODEX_ARCHIVE_RETRY_MAX"))->key, QStringLiteral("retry.max_attempts"));
    QVERIFY(!a.findByEnv(QStringLiteral("CODEX_ARCHIVE_CONFIG_DISABLED")));
    QVERIFY(!b.findByEnv(QStringLiteral("CODEX_ARCHIVE_CONFIG_DISABLED")));
    // ccproxy env names are case-insensitive.
    const ConfigSchema &fork = PrecedenceProfile::byKind(ProfileKind::Ccproxy).schema();
    QVERIFY(fork.envCaseInsensitive());
    QCOMPARE(fork.findByEnv(QStringLiteral("codex__enabled"))->key, QStringLiteral("codex.enabled"));
}

void TestConfigResolver::precedence_data()
{
    QTest::addColumn<QString>("profile");
    QTest::addColumn<QStringList>("files");      // path, content, path, content …
    QTest::addColumn<QString>("explicitFile");
    QTest::addColumn<QStringList>("env");        // NAME=value
    QTest::addColumn<QStringList>("overrides");  // key=value
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");          // displayValue(reveal)
    QTest::addColumn<QString>("source");         // sourceName()
    QTest::addColumn<QString>("origin");         // Origin::toString()
    QTest::addColumn<QStringList>("shadowed");   // "origin = value", highest first
    QTest::addColumn<QStringList>("ignored");    // origins of the ignored candidates
    QTest::addColumn<QString>("ignoredReason");  // each ignored reason contains this
    QTest::addColumn<QStringList>("issues");     // "E:text" / "W:text" fragments that must be present

    const QString fa = QString::fromUtf8(kFileA);
    const QString fb = QString::fromUtf8(kFileB);
    const QString archive = QStringLiteral(".codex/archive.toml");
    const QStringList none;

    // ---------------------------------------------------------------- generation A
    QTest::newRow("A defaults, nothing set")
        << "a" << none << QString() << none << none << "retry.enabled" << "false" << "default" << "default" << none
        << none << QString() << none;
    QTest::newRow("A file wins: rollback RETRY_ENABLED=false has no effect")
        << "a" << QStringList{archive, fa} << QString() << rollbackFlags() << none << "retry.enabled" << "true"
        << "file" << ".codex/archive.toml:6:11" << QStringList{"default = false"}
        << QStringList{"env CODEX_ARCHIVE_RETRY_ENABLED"} << kRollbackIgnoredByA
        << QStringList{"W:CODEX_ARCHIVE_CONFIG_DISABLED is ignored"};
    QTest::newRow("A file wins: rollback BATCH_CONCURRENT=1 has no effect")
        << "a" << QStringList{archive, fa} << QString() << rollbackFlags() << none << "batch.max_concurrent" << "8"
        << "file" << ".codex/archive.toml:10:18" << QStringList{"default = 5"}
        << QStringList{"env CODEX_ARCHIVE_BATCH_CONCURRENT"} << kRollbackIgnoredByA << none;
    QTest::newRow("A file wins: rollback PERF_ENABLED=false has no effect")
        << "a" << QStringList{archive, fa} << QString() << rollbackFlags() << none << "performance.enable_metrics"
        << "true" << "file" << ".codex/archive.toml:13:18" << QStringList{"default = true"}
        << QStringList{"env CODEX_ARCHIVE_PERF_ENABLED"} << kRollbackIgnoredByA << none;
    QTest::newRow("A file exists: key missing from it is the default, env still ignored")
        << "a" << QStringList{archive, fa} << QString() << QStringList{"CODEX_ARCHIVE_RETRY_JITTER=false"} << none
        << "retry.jitter" << "true" << "default" << "default" << none
        << QStringList{"env CODEX_ARCHIVE_RETRY_JITTER"} << kRollbackIgnoredByA << none;
    QTest::newRow("A file exists: even a broken env int is only ignored")
        << "a" << QStringList{archive, fa} << QString() << QStringList{"CODEX_ARCHIVE_RETRY_MAX=three"} << none
        << "retry.max_attempts" << "7" << "file" << ".codex/archive.toml:7:16" << QStringList{"default = 3"}
        << QStringList{"env CODEX_ARCHIVE_RETRY_MAX"} << kRollbackIgnoredByA << none;
    QTest::newRow("A file url (credentials revealed only on request)")
        << "a" << QStringList{archive, fa} << QString() << none << none << "backend.url"
        << "postgresql://archiver:s3cret@db.example.com:5432/archive" << "file" << ".codex/archive.toml:3:7"
        << QStringList{"default = sqlite:///./.codex/archive.sqlite"} << none << QString() << none;
    QTest::newRow("A no file: rollback flags take effect (RETRY_ENABLED)")
        << "a" << none << QString() << rollbackFlags() << none << "retry.enabled" << "false" << "env"
        << "env CODEX_ARCHIVE_RETRY_ENABLED" << QStringList{"default = false"} << none << QString()
        << QStringList{"W:CODEX_ARCHIVE_CONFIG_DISABLED is ignored"};
    QTest::newRow("A no file: rollback flags take effect (BATCH_CONCURRENT)")
        << "a" << none << QString() << rollbackFlags() << none << "batch.max_concurrent" << "1" << "env"
        << "env CODEX_ARCHIVE_BATCH_CONCURRENT" << QStringList{"default = 5"} << none << QString() << none;
    QTest::newRow("A no file: rollback flags take effect (PERF_ENABLED)")
        << "a" << none << QString() << rollbackFlags() << none << "performance.enable_metrics" << "false" << "env"
        << "env CODEX_ARCHIVE_PERF_ENABLED" << QStringList{"default = true"} << none << QString() << none;
    QTest::newRow("A env bool TRUE is true (case-insensitive)")
        << "a" << none << QString() << QStringList{"CODEX_ARCHIVE_RETRY_ENABLED=TRUE"} << none << "retry.enabled"
        << "true" << "env" << "env CODEX_ARCHIVE_RETRY_ENABLED" << QStringList{"default = false"} << none
        << QString() << none;
    QTest::newRow("A env bool 'maybe' is false with a warning")
        << "a" << none << QString() << QStringList{"CODEX_ARCHIVE_PERF_ENABLED=maybe"} << none
        << "performance.enable_metrics" << "false" << "env" << "env CODEX_ARCHIVE_PERF_ENABLED"
        << QStringList{"default = true"} << none << QString()
        << QStringList{"W:'maybe' is read as false: generation A treats only 'true' as true"};
    QTest::newRow("A env bool 'yes' is false with a warning")
        << "a" << none << QString() << QStringList{"CODEX_ARCHIVE_RETRY_ENABLED=yes"} << none << "retry.enabled"
        << "false" << "env" << "env CODEX_ARCHIVE_RETRY_ENABLED" << QStringList{"default = false"} << none
        << QString() << QStringList{"W:'yes' is read as false"};
    QTest::newRow("A env non-numeric int is an error")
        << "a" << none << QString() << QStringList{"CODEX_ARCHIVE_RETRY_MAX=three"} << none << "retry.max_attempts"
        << "3" << "default" << "default" << none << none << QString()
        << QStringList{"E:retry.max_attempts (env CODEX_ARCHIVE_RETRY_MAX): 'three' is not an integer; "
                       "generation A stops with ValueError"};
    QTest::newRow("A env float")
        << "a" << none << QString() << QStringList{"CODEX_ARCHIVE_RETRY_MAX_DELAY=60"} << none << "retry.max_delay"
        << "60.0" << "env" << "env CODEX_ARCHIVE_RETRY_MAX_DELAY" << QStringList{"default = 32.0"} << none
        << QString() << none;
    QTest::newRow("A env enum is lower-cased")
        << "a" << none << QString() << QStringList{"CODEX_ARCHIVE_BACKEND=Postgres"} << none << "backend.type"
        << "postgres" << "env" << "env CODEX_ARCHIVE_BACKEND" << QStringList{"default = sqlite"} << none
        << QString() << none;
    QTest::newRow("A B-only env name is ignored and says who reads it")
        << "a" << none << QString() << QStringList{"CODEX_ARCHIVE_RETRY_ATTEMPTS=9"} << none << "retry.max_attempts"
        << "3" << "default" << "default" << none << none << QString()
        << QStringList{"W:CODEX_ARCHIVE_RETRY_ATTEMPTS is ignored",
                       "W:Archive — generation B reads it (as retry.max_attempts)"};
    QTest::newRow("A CODEX_ARCHIVE_CONFIG is not read by A")
        << "a" << QStringList{"other.toml", "[retry]\nenabled = true\n"} << QString()
        << QStringList{"CODEX_ARCHIVE_CONFIG=other.toml"} << none << "retry.enabled" << "false" << "default"
        << "default" << none << none << QString()
        << QStringList{"W:CODEX_ARCHIVE_CONFIG is ignored: only generation B reads it"};
    QTest::newRow("A explicit file wins over .codex/archive.toml and env")
        << "a" << QStringList{archive, fa, "conf/alt.toml", "[retry]\nenabled = false\n"} << "conf/alt.toml"
        << QStringList{"CODEX_ARCHIVE_RETRY_ENABLED=true"} << none << "retry.enabled" << "false" << "file"
        << "conf/alt.toml:2:11" << QStringList{"default = false"} << QStringList{"env CODEX_ARCHIVE_RETRY_ENABLED"}
        << "generation A reads no environment while an explicit config file (--config) is given" << none;
    QTest::newRow("A explicit file: its missing keys are defaults, not .codex/archive.toml's")
        << "a" << QStringList{archive, fa, "conf/alt.toml", "[retry]\nenabled = false\n"} << "conf/alt.toml" << none
        << none << "batch.max_concurrent" << "5" << "default" << "default" << none << none << QString() << none;
    QTest::newRow("A explicit file missing is an error")
        << "a" << none << "missing.toml" << none << none << "retry.enabled" << "false" << "default" << "default"
        << none << none << QString() << QStringList{"E:Config file not found: missing.toml"};
    QTest::newRow("A malformed .codex/archive.toml still hides the environment")
        << "a" << QStringList{archive, "[retry]\nenabled = \n"} << QString()
        << QStringList{"CODEX_ARCHIVE_RETRY_ENABLED=true"} << none << "retry.enabled" << "false" << "default"
        << "default" << none << QStringList{"env CODEX_ARCHIVE_RETRY_ENABLED"} << kRollbackIgnoredByA
        << QStringList{"E:.codex/archive.toml:2:"};
    QTest::newRow("A missing explicit file still hides the environment")
        << "a" << none << "missing.toml" << QStringList{"CODEX_ARCHIVE_RETRY_ENABLED=true"} << none
        << "retry.enabled" << "false" << "default" << "default" << none
        << QStringList{"env CODEX_ARCHIVE_RETRY_ENABLED"} << "explicit config file (--config)"
        << QStringList{"E:Config file not found: missing.toml"};
    QTest::newRow("A command line over file")
        << "a" << QStringList{archive, fa} << QString() << none << QStringList{"retry.max_attempts=9"}
        << "retry.max_attempts" << "9" << "override" << "command line"
        << QStringList{".codex/archive.toml:7:16 = 7", "default = 3"} << none << QString() << none;

    QTest::newRow("A env URL (no file)")
        << "a" << none << QString() << QStringList{"CODEX_ARCHIVE_URL=postgresql://archiver:s3cret@db.example.com:5432/archive"}
        << none << "backend.url" << "postgresql://archiver:s3cret@db.example.com:5432/archive" << "env"
        << "env CODEX_ARCHIVE_URL" << QStringList{"default = sqlite:///./.codex/archive.sqlite"} << none << QString()
        << none;
    QTest::newRow("A command line value that is no bool")
        << "a" << none << QString() << none << QStringList{"retry.enabled=maybe"} << "retry.enabled" << "false"
        << "default" << "default" << none << none << QString()
        << QStringList{"E:retry.enabled (command line): 'maybe' is not true or false"};
    QTest::newRow("A command line unknown key")
        << "a" << none << QString() << none << QStringList{"retry.attempts=4"} << "retry.max_attempts" << "3"
        << "default" << "default" << none << none << QString()
        << QStringList{"E:unknown key 'retry.attempts' on the command line"};

    // ---------------------------------------------------------------- generation B
    QTest::newRow("B ignores .codex/archive.toml unless named")
        << "b" << QStringList{archive, fb} << QString() << none << none << "retry.enabled" << "true" << "default"
        << "default" << none << QStringList{".codex/archive.toml:6:11"}
        << "generation B reads .codex/archive.toml only when --config or CODEX_ARCHIVE_CONFIG names it"
        << QStringList{"W:.codex/archive.toml exists but is ignored"};
    QTest::newRow("B ignored file: batch.concurrent is the default")
        << "b" << QStringList{archive, fb} << QString() << none << none << "batch.concurrent" << "4" << "default"
        << "default" << none << QStringList{".codex/archive.toml:10:14"} << "only when --config or CODEX_ARCHIVE_CONFIG"
        << none;
    QTest::newRow("B reads the file named by CODEX_ARCHIVE_CONFIG")
        << "b" << QStringList{archive, fb} << QString() << QStringList{"CODEX_ARCHIVE_CONFIG=.codex/archive.toml"}
        << none << "retry.enabled" << "false" << "file" << ".codex/archive.toml:6:11" << QStringList{"default = true"}
        << none << QString() << none;
    QTest::newRow("B reads the file named by --config")
        << "b" << QStringList{"b.toml", fb} << "b.toml" << none << none << "batch.concurrent" << "8" << "file"
        << "b.toml:10:14" << QStringList{"default = 4"} << none << QString() << none;
    QTest::newRow("B env over file")
        << "b" << QStringList{archive, fb} << QString()
        << QStringList{"CODEX_ARCHIVE_CONFIG=.codex/archive.toml", "CODEX_ARCHIVE_RETRY_ENABLED=yes"} << none
        << "retry.enabled" << "true" << "env" << "env CODEX_ARCHIVE_RETRY_ENABLED"
        << QStringList{".codex/archive.toml:6:11 = false", "default = true"} << none << QString() << none;
    QTest::newRow("B env 'disabled' is false")
        << "b" << none << QString() << QStringList{"CODEX_ARCHIVE_PERF_ENABLED=disabled"} << none
        << "performance.enabled" << "false" << "env" << "env CODEX_ARCHIVE_PERF_ENABLED"
        << QStringList{"default = true"} << none << QString() << none;
    QTest::newRow("B 'maybe' falls back to the default, which overrides the file")
        << "b" << QStringList{archive, fb} << QString()
        << QStringList{"CODEX_ARCHIVE_CONFIG=.codex/archive.toml", "CODEX_ARCHIVE_RETRY_ENABLED=maybe"} << none
        << "retry.enabled" << "true" << "env" << "env CODEX_ARCHIVE_RETRY_ENABLED"
        << QStringList{".codex/archive.toml:6:11 = false", "default = true"} << none << QString()
        << QStringList{"W:'maybe' is not a boolean",
                       "W:falls back to the built-in default true, which then overrides the file"};
    QTest::newRow("B unparsable int falls back to the default over the file")
        << "b" << QStringList{archive, fb} << QString()
        << QStringList{"CODEX_ARCHIVE_CONFIG=.codex/archive.toml", "CODEX_ARCHIVE_RETRY_ATTEMPTS=lots"} << none
        << "retry.max_attempts" << "5" << "env" << "env CODEX_ARCHIVE_RETRY_ATTEMPTS"
        << QStringList{".codex/archive.toml:7:16 = 7", "default = 5"} << none << QString()
        << QStringList{"W:'lots' is not an integer; generation B falls back to the built-in default 5"};
    QTest::newRow("B empty env var is skipped")
        << "b" << QStringList{archive, fb} << QString()
        << QStringList{"CODEX_ARCHIVE_CONFIG=.codex/archive.toml", "CODEX_ARCHIVE_BATCH_CONCURRENT="} << none
        << "batch.concurrent" << "8" << "file" << ".codex/archive.toml:10:14" << QStringList{"default = 4"}
        << QStringList{"env CODEX_ARCHIVE_BATCH_CONCURRENT"} << "skips environment variables that are set but empty"
        << none;
    QTest::newRow("B rollback flags take effect over the named file")
        << "b" << QStringList{archive, fb} << QString() << rollbackFlags() + QStringList{"CODEX_ARCHIVE_CONFIG=.codex/archive.toml"}
        << none << "batch.concurrent" << "1" << "env" << "env CODEX_ARCHIVE_BATCH_CONCURRENT"
        << QStringList{".codex/archive.toml:10:14 = 8", "default = 4"} << none << QString()
        << QStringList{"W:CODEX_ARCHIVE_CONFIG_DISABLED is ignored"};
    QTest::newRow("B CODEX_ARCHIVE_RETRY_MAX is max_delay")
        << "b" << none << QString() << QStringList{"CODEX_ARCHIVE_RETRY_MAX=60"} << none << "retry.max_delay"
        << "60.0" << "env" << "env CODEX_ARCHIVE_RETRY_MAX" << QStringList{"default = 32.0"} << none << QString()
        << none;
    QTest::newRow("B CODEX_ARCHIVE_RETRY_ATTEMPTS is max_attempts")
        << "b" << none << QString() << QStringList{"CODEX_ARCHIVE_RETRY_ATTEMPTS=9"} << none << "retry.max_attempts"
        << "9" << "env" << "env CODEX_ARCHIVE_RETRY_ATTEMPTS" << QStringList{"default = 5"} << none << QString()
        << none;
    QTest::newRow("B CODEX_ARCHIVE_BATCH_PROGRESS")
        << "b" << none << QString() << QStringList{"CODEX_ARCHIVE_BATCH_PROGRESS=25"} << none
        << "batch.progress_interval" << "25" << "env" << "env CODEX_ARCHIVE_BATCH_PROGRESS"
        << QStringList{"default = 10"} << none << QString() << none;
    QTest::newRow("B backend inferred from a postgres URL")
        << "b" << none << QString()
        << QStringList{"CODEX_ARCHIVE_URL=postgres://archiver:s3cret@db.example.com/archive"} << none
        << "backend.backend" << "postgres" << "env" << "env CODEX_ARCHIVE_URL (inferred from the URL)"
        << QStringList{"default = sqlite"} << none << QString() << none;
    QTest::newRow("B backend inferred from a mysql+pymysql URL over the file")
        << "b" << QStringList{archive, fb} << QString()
        << QStringList{"CODEX_ARCHIVE_CONFIG=.codex/archive.toml",
                       "CODEX_ARCHIVE_URL=mysql+pymysql://archiver:s3cret@db.example.com:3306/archive"}
        << none << "backend.backend" << "mariadb" << "env" << "env CODEX_ARCHIVE_URL (inferred from the URL)"
        << QStringList{".codex/archive.toml:2:11 = postgres", "default = sqlite"} << none << QString() << none;
    QTest::newRow("B backend inferred from a sqlite URL")
        << "b" << none << QString() << QStringList{"CODEX_ARCHIVE_URL=sqlite:////var/lib/archive.sqlite"} << none
        << "backend.backend" << "sqlite" << "env" << "env CODEX_ARCHIVE_URL (inferred from the URL)"
        << QStringList{"default = sqlite"} << none << QString() << none;
    QTest::newRow("B explicit backend beats inference")
        << "b" << none << QString()
        << QStringList{"CODEX_ARCHIVE_BACKEND=sqlite", "CODEX_ARCHIVE_URL=postgresql://db.example.com/archive"}
        << none << "backend.backend" << "sqlite" << "env" << "env CODEX_ARCHIVE_BACKEND"
        << QStringList{"default = sqlite"} << none << QString() << none;
    QTest::newRow("B backend not inferable from an unknown scheme")
        << "b" << none << QString() << QStringList{"CODEX_ARCHIVE_URL=oracle://db.example.com/archive"} << none
        << "backend.backend" << "sqlite" << "default" << "default" << none << none << QString()
        << QStringList{"E:backend.backend: cannot infer the backend from CODEX_ARCHIVE_URL 'oracle://db.example.com/archive'"};
    QTest::newRow("B ignores the A-only env var CODEX_ARCHIVE_RETRY_BACKOFF")
        << "b" << none << QString() << QStringList{"CODEX_ARCHIVE_RETRY_BACKOFF=3"} << none << "retry.multiplier"
        << "2.0" << "default" << "default" << none << none << QString()
        << QStringList{"W:CODEX_ARCHIVE_RETRY_BACKOFF is ignored", "W:Archive — generation A reads it (as retry.backoff_factor)"};

    // ---------------------------------------------------------------- ccproxy fork
    const QString fork = QString::fromUtf8(kFork);
    const QString forkNoMode = QString::fromUtf8(kForkNoMode);
    const QString ccp = QStringLiteral(".ccproxy.toml");
    QTest::newRow("fork partial rollback has no effect when the TOML sets the key")
        << "ccproxy" << QStringList{ccp, fork} << QString()
        << QStringList{"CODEX__SYSTEM_PROMPT_INJECTION_MODE=disabled"} << none << "codex.system_prompt_injection_mode"
        << "append" << "file" << ".ccproxy.toml:2:32"
        << QStringList{"env CODEX__SYSTEM_PROMPT_INJECTION_MODE = disabled", "default = override"} << none
        << QString() << none;
    QTest::newRow("fork partial rollback takes effect when the TOML lacks the key")
        << "ccproxy" << QStringList{ccp, forkNoMode} << QString()
        << QStringList{"CODEX__SYSTEM_PROMPT_INJECTION_MODE=disabled"} << none << "codex.system_prompt_injection_mode"
        << "disabled" << "env" << "env CODEX__SYSTEM_PROMPT_INJECTION_MODE" << QStringList{"default = override"}
        << none << QString() << none;
    QTest::newRow("fork env names are case-insensitive")
        << "ccproxy" << QStringList{ccp, forkNoMode} << QString() << QStringList{"codex__enabled=False"} << none
        << "codex.enabled" << "false" << "env" << "env codex__enabled" << QStringList{"default = true"} << none
        << QString() << none;
    QTest::newRow("fork TOML over env")
        << "ccproxy" << QStringList{ccp, fork} << QString() << QStringList{"SERVER__PORT=9001"} << none
        << "server.port" << "8080" << "file" << ".ccproxy.toml:6:8"
        << QStringList{"env SERVER__PORT = 9001", "default = 8000"} << none << QString() << none;
    QTest::newRow("fork .env below env")
        << "ccproxy" << QStringList{".env", "# local\nSERVER__HOST=0.0.0.0\n"} << QString()
        << QStringList{"SERVER__HOST=10.0.0.1"} << none << "server.host" << "10.0.0.1" << "env" << "env SERVER__HOST"
        << QStringList{".env:2 SERVER__HOST = 0.0.0.0", "default = 127.0.0.1"} << none << QString() << none;
    QTest::newRow("fork .env alone")
        << "ccproxy" << QStringList{".env", "# local\nexport SERVER__HOST=0.0.0.0\n"} << QString() << none << none
        << "server.host" << "0.0.0.0" << "dotenv" << ".env:2 SERVER__HOST" << QStringList{"default = 127.0.0.1"}
        << none << QString() << none;
    QTest::newRow("fork .env names case-insensitive, TOML over .env")
        << "ccproxy" << QStringList{ccp, fork, ".env", "server__port=9000\n"} << QString() << none << none
        << "server.port" << "8080" << "file" << ".ccproxy.toml:6:8"
        << QStringList{".env:1 server__port = 9000", "default = 8000"} << none << QString() << none;
    QTest::newRow("fork override of [codex] replaces the section: TOML key ignored")
        << "ccproxy" << QStringList{ccp, fork} << QString() << none << QStringList{"codex.enabled=false"}
        << "codex.system_prompt_injection_mode" << "override" << "default" << "default" << none
        << QStringList{".ccproxy.toml:2:32"} << "a command-line override of [codex] replaces that whole section" << none;
    QTest::newRow("fork override of [codex] replaces the section: env fills in")
        << "ccproxy" << QStringList{ccp, fork} << QString()
        << QStringList{"CODEX__SYSTEM_PROMPT_INJECTION_MODE=disabled"} << QStringList{"codex.enabled=false"}
        << "codex.system_prompt_injection_mode" << "disabled" << "env" << "env CODEX__SYSTEM_PROMPT_INJECTION_MODE"
        << QStringList{"default = override"} << QStringList{".ccproxy.toml:2:32"} << "replaces that whole section"
        << none;
    QTest::newRow("fork override itself")
        << "ccproxy" << QStringList{ccp, fork} << QString() << QStringList{"CODEX__ENABLED=true"}
        << QStringList{"codex.enabled=false"} << "codex.enabled" << "false" << "override" << "command line"
        << QStringList{"env CODEX__ENABLED = true", "default = true"} << none << QString() << none;
    QTest::newRow("fork override leaves other sections alone")
        << "ccproxy" << QStringList{ccp, fork} << QString() << none << QStringList{"codex.enabled=false"}
        << "server.port" << "8080" << "file" << ".ccproxy.toml:6:8" << QStringList{"default = 8000"} << none
        << QString() << none;
    QTest::newRow("fork invalid env bool refuses to start")
        << "ccproxy" << none << QString() << QStringList{"CODEX__ENABLED=maybe"} << none << "codex.enabled" << "true"
        << "default" << "default" << none << none << QString()
        << QStringList{"E:'maybe' is not a valid boolean; ccproxy refuses to start"};
    QTest::newRow("fork CONFIG_FILE names the TOML")
        << "ccproxy" << QStringList{"conf/proxy.toml", fork} << QString() << QStringList{"CONFIG_FILE=conf/proxy.toml"}
        << none << "server.port" << "8080" << "file" << "conf/proxy.toml:6:8" << QStringList{"default = 8000"}
        << none << QString() << none;

    // ---------------------------------------------------------------- ccproxy current
    const QString current = QString::fromUtf8(kCurrent);
    QTest::newRow("current env over TOML")
        << "ccproxy-current" << QStringList{ccp, current} << QString() << QStringList{"PLUGINS__CODEX__ENABLED=false"}
        << none << "plugins.codex.enabled" << "false" << "env" << "env PLUGINS__CODEX__ENABLED"
        << QStringList{".ccproxy.toml:2:11 = true", "default = true"} << none << QString() << none;
    QTest::newRow("current env over TOML (server.port)")
        << "ccproxy-current" << QStringList{ccp, current} << QString() << QStringList{"server__port=9001"} << none
        << "server.port" << "9001" << "env" << "env server__port"
        << QStringList{".ccproxy.toml:5:8 = 8080", "default = 8000"} << none << QString() << none;
    QTest::newRow("current TOML over .env")
        << "ccproxy-current" << QStringList{ccp, current, ".env", "SERVER__PORT=7000\n"} << QString() << none << none
        << "server.port" << "8080" << "file" << ".ccproxy.toml:5:8"
        << QStringList{".env:1 SERVER__PORT = 7000", "default = 8000"} << none << QString() << none;
    QTest::newRow("current ignores CODEX__ with a warning")
        << "ccproxy-current" << QStringList{ccp, current} << QString() << QStringList{"CODEX__ENABLED=false"} << none
        << "plugins.codex.enabled" << "true" << "file" << ".ccproxy.toml:2:11" << QStringList{"default = true"}
        << none << QString() << QStringList{"W:CODEX__ENABLED is ignored: ccproxy v0.2 has no CODEX__* settings"};
    QTest::newRow("current forbids OBSERVABILITY__")
        << "ccproxy-current" << QStringList{ccp, current} << QString()
        << QStringList{"OBSERVABILITY__METRICS_ENDPOINT_ENABLED=true"} << none << "server.port" << "8080" << "file"
        << ".ccproxy.toml:5:8" << QStringList{"default = 8000"} << none << QString()
        << QStringList{"E:OBSERVABILITY__METRICS_ENDPOINT_ENABLED: ccproxy v0.2 refuses to start"};
    QTest::newRow("current forbids OBSERVABILITY__ in any case")
        << "ccproxy-current" << none << QString() << QStringList{"observability__pushgateway_url=http://pg:9091"}
        << none << "server.port" << "8000" << "default" << "default" << none << none << QString()
        << QStringList{"E:observability__pushgateway_url: ccproxy v0.2 refuses to start"};
}

void TestConfigResolver::precedence()
{
    QFETCH(QString, profile);
    QFETCH(QStringList, files);
    QFETCH(QString, explicitFile);
    QFETCH(QStringList, env);
    QFETCH(QStringList, overrides);
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, source);
    QFETCH(QString, origin);
    QFETCH(QStringList, shadowed);
    QFETCH(QStringList, ignored);
    QFETCH(QString, ignoredReason);
    QFETCH(QStringList, issues);

    Workspace ws(files);
    ws.inputs.explicitFile = explicitFile;
    ws.inputs.environment = envMap(env);
    ws.inputs.overrides = overrideList(overrides);
    const PrecedenceProfile *p = PrecedenceProfile::byId(profile);
    QVERIFY(p);
    const ResolvedConfig rc = ConfigResolver::resolve(*p, ws.inputs);
    QCOMPARE(rc.keys.size(), p->schema().keys().size());
    const ResolvedKey *rk = rc.find(key);
    QVERIFY2(rk, qPrintable(key));
    const QString allIssues = describeIssues(rc.issues);

    QCOMPARE(ConfigResolver::displayValue(*rk->schema, rk->value, true), value);
    QCOMPARE(sourceName(rk->origin.source), source);
    QCOMPARE(rk->origin.toString(), origin);

    QStringList gotShadowed;
    for (const Candidate &c : rk->shadowed)
        gotShadowed << c.origin.toString() + QStringLiteral(" = ") + ConfigResolver::displayValue(*rk->schema, c.value, true);
    QCOMPARE(gotShadowed, shadowed);

    QStringList gotIgnored;
    for (const IgnoredValue &iv : rk->ignored) {
        gotIgnored << iv.candidate.origin.toString();
        QVERIFY2(iv.reason.contains(ignoredReason), qPrintable(iv.reason));
    }
    QCOMPARE(gotIgnored, ignored);

    bool expectError = false;
    for (const QString &want : issues) {
        const QString tag = want.left(1);
        const QString text = want.mid(2);
        expectError = expectError || tag == QLatin1String("E");
        bool found = false;
        for (const ConfigIssue &i : rc.issues)
            found = found || (severityTag(i.severity) == tag && i.message.contains(text));
        QVERIFY2(found, qPrintable(QStringLiteral("missing issue %1\nissues:\n%2").arg(want, allIssues)));
    }
    QVERIFY2(rc.hasErrors() == expectError, qPrintable(allIssues));
    QVERIFY2(rk->valid, qPrintable(allIssues));
}

// The four rollback exports of seed 004, all at once: under A with the file present none of
// them changes anything, and each of the three that name a setting is listed as ignored.
void TestConfigResolver::rollbackFlagsUnderA()
{
    Workspace ws({QStringLiteral(".codex/archive.toml"), QString::fromUtf8(kFileA)});
    ws.inputs.environment = envMap(rollbackFlags());
    const PrecedenceProfile &a = PrecedenceProfile::byKind(ProfileKind::ArchiveA);
    const ResolvedConfig withEnv = ConfigResolver::resolve(a, ws.inputs);
    ConfigInputs clean = ws.inputs;
    clean.environment.clear();
    const ResolvedConfig without = ConfigResolver::resolve(a, clean);
    QCOMPARE(withEnv.keys.size(), without.keys.size());
    for (qsizetype i = 0; i < withEnv.keys.size(); ++i) {
        QCOMPARE(withEnv.keys[i].value, without.keys[i].value);
        QCOMPARE(withEnv.keys[i].origin.toString(), without.keys[i].origin.toString());
    }
    int ignoredCount = 0;
    for (const ResolvedKey &k : withEnv.keys)
        for (const IgnoredValue &iv : k.ignored) {
            ++ignoredCount;
            QVERIFY(iv.reason.contains(kRollbackIgnoredByA));
        }
    QCOMPARE(ignoredCount, 3);
    QVERIFY(!withEnv.hasErrors());
    QCOMPARE(withEnv.file.reason, QStringLiteral("found .codex/archive.toml"));
}

void TestConfigResolver::configDisabledReadByNoGeneration()
{
    for (ProfileKind kind : {ProfileKind::ArchiveA, ProfileKind::ArchiveB}) {
        for (bool withFile : {false, true}) {
            Workspace ws(withFile ? QStringList{QStringLiteral(".codex/archive.toml"), QString::fromUtf8(kFileA)}
                                  : QStringList{});
            ws.inputs.environment = envMap({QStringLiteral("CODEX_ARCHIVE_CONFIG_DISABLED=true")});
            const ResolvedConfig rc = ConfigResolver::resolve(PrecedenceProfile::byKind(kind), ws.inputs);
            bool found = false;
            for (const ConfigIssue &i : rc.issues)
                if (i.message.startsWith(QLatin1String("CODEX_ARCHIVE_CONFIG_DISABLED is ignored"))) {
                    found = true;
                    QCOMPARE(i.severity, Severity::Warning);
                    QVERIFY2(i.message.contains(QLatin1String("no generation of the archive reads it")),
                             qPrintable(i.message));
                    QCOMPARE(i.origin.toString(), QStringLiteral("env CODEX_ARCHIVE_CONFIG_DISABLED"));
                }
            QVERIFY2(found, qPrintable(describeIssues(rc.issues)));
        }
    }
}

void TestConfigResolver::locateGenerationB()
{
    Workspace ws({QStringLiteral(".codex/archive.toml"), QString::fromUtf8(kFileB)});
    const PrecedenceProfile &b = PrecedenceProfile::byKind(ProfileKind::ArchiveB);
    FileChoice c = ConfigResolver::locate(b, ws.inputs);
    QVERIFY(c.path.isEmpty());
    QVERIFY(!c.exists);
    QCOMPARE(c.ignoredPath, ws.inputs.workspace + QStringLiteral("/.codex/archive.toml"));
    QVERIFY(c.ignoredReason.contains(QLatin1String("only when --config or CODEX_ARCHIVE_CONFIG names it")));
    QCOMPARE(c.editPath, c.ignoredPath);

    ws.inputs.environment.insert(QStringLiteral("CODEX_ARCHIVE_CONFIG"), QStringLiteral(".codex/archive.toml"));
    c = ConfigResolver::locate(b, ws.inputs);
    QCOMPARE(c.path, ws.inputs.workspace + QStringLiteral("/.codex/archive.toml"));
    QVERIFY(c.exists);
    QCOMPARE(c.reason, QStringLiteral("named by CODEX_ARCHIVE_CONFIG"));
    QVERIFY(c.ignoredPath.isEmpty());

    // Generation A finds the same file by itself.
    const FileChoice a = ConfigResolver::locate(PrecedenceProfile::byKind(ProfileKind::ArchiveA), ws.inputs);
    QCOMPARE(a.path, ws.inputs.workspace + QStringLiteral("/.codex/archive.toml"));
    QCOMPARE(a.reason, QStringLiteral("found .codex/archive.toml"));
}

void TestConfigResolver::locateCcproxyDiscovery()
{
    const PrecedenceProfile &fork = PrecedenceProfile::byKind(ProfileKind::Ccproxy);
    {
        Workspace ws;
        const FileChoice c = ConfigResolver::locate(fork, ws.inputs);
        QVERIFY(c.path.isEmpty());
        QCOMPARE(c.editPath, ws.inputs.workspace + QStringLiteral("/.ccproxy.toml"));
        QCOMPARE(c.tried.last(), ws.inputs.homeDir + QStringLiteral("/.config/ccproxy/config.toml"));
    }
    {
        Workspace ws({QStringLiteral("ccproxy.toml"), QString::fromUtf8(kForkNoMode),
                      QStringLiteral("home/.config/ccproxy/config.toml"), QString::fromUtf8(kFork)});
        QCOMPARE(ConfigResolver::locate(fork, ws.inputs).path, ws.inputs.workspace + QStringLiteral("/ccproxy.toml"));
    }
    {
        Workspace ws({QStringLiteral("home/.config/ccproxy/config.toml"), QString::fromUtf8(kFork)});
        QCOMPARE(ConfigResolver::locate(fork, ws.inputs).path,
                 ws.inputs.homeDir + QStringLiteral("/.config/ccproxy/config.toml"));
        ws.inputs.environment.insert(QStringLiteral("XDG_CONFIG_HOME"), ws.inputs.workspace + QStringLiteral("/xdg"));
        testutil::writeFile(ws.inputs.workspace + QStringLiteral("/xdg/ccproxy/config.toml"), kForkNoMode);
        QCOMPARE(ConfigResolver::locate(fork, ws.inputs).path,
                 ws.inputs.workspace + QStringLiteral("/xdg/ccproxy/config.toml"));
    }
}

void TestConfigResolver::validationMessages_data()
{
    QTest::addColumn<QString>("profile");
    QTest::addColumn<QString>("fileText");  // .codex/archive.toml (archive) or .ccproxy.toml; empty = no file
    QTest::addColumn<QStringList>("env");
    QTest::addColumn<QString>("key");  // empty: a file-level issue
    QTest::addColumn<QString>("message");  // the whole message

    const QStringList none;
    QTest::newRow("A out-of-range max_attempts in the file")
        << "a" << "[retry]\nmax_attempts = 0\n" << none << "retry.max_attempts"
        << "retry.max_attempts = 0 (.codex/archive.toml:2:16) must be an integer from 1 to 100";
    QTest::newRow("A unknown backend in the file")
        << "a" << "[backend]\ntype = \"oracle\"\n" << none << "backend.type"
        << "backend.type = oracle (.codex/archive.toml:2:8) must be one of sqlite, postgres, mariadb";
    QTest::newRow("A unknown backend in env")
        << "a" << QString() << QStringList{"CODEX_ARCHIVE_BACKEND=oracle"} << "backend.type"
        << "backend.type = oracle (env CODEX_ARCHIVE_BACKEND) must be one of sqlite, postgres, mariadb";
    QTest::newRow("A empty URL in the file")
        << "a" << "[backend]\nurl = \"\"\n" << none << "backend.url"
        << "backend.url =  (.codex/archive.toml:2:7) must not be empty (a URL with scheme sqlite, postgresql, "
           "postgres, mysql, mysql+pymysql, mariadb)";
    QTest::newRow("A empty URL in env")
        << "a" << QString() << QStringList{"CODEX_ARCHIVE_URL="} << "backend.url"
        << "backend.url =  (env CODEX_ARCHIVE_URL) must not be empty (a URL with scheme sqlite, postgresql, "
           "postgres, mysql, mysql+pymysql, mariadb)";
    QTest::newRow("A wrong type enabled = \"yes\"")
        << "a" << "[retry]\nenabled = \"yes\"\n" << none << "retry.enabled"
        << "retry.enabled = yes (.codex/archive.toml:2:11) must be true or false";
    QTest::newRow("A unknown key is an error")
        << "a" << "[retry]\nattempts = 3\n" << none << "retry.attempts"
        << ".codex/archive.toml:2:12: unknown key 'retry.attempts' — generation A refuses keys it does not know";
    QTest::newRow("A URL with a scheme no backend has")
        << "a" << "[backend]\nurl = \"http://db.example.com/x\"\n" << none << "backend.url"
        << "backend.url = http://db.example.com/x (.codex/archive.toml:2:7) must be a URL with scheme sqlite, "
           "postgresql, postgres, mysql, mysql+pymysql, mariadb";
    QTest::newRow("B out-of-range max_attempts from env")
        << "b" << QString() << QStringList{"CODEX_ARCHIVE_RETRY_ATTEMPTS=0"} << "retry.max_attempts"
        << "retry.max_attempts = 0 (env CODEX_ARCHIVE_RETRY_ATTEMPTS) must be an integer from 1 to 100";
    QTest::newRow("B jitter fraction above 1")
        << "b" << QString() << QStringList{"CODEX_ARCHIVE_RETRY_JITTER=1.5"} << "retry.jitter"
        << "retry.jitter = 1.5 (env CODEX_ARCHIVE_RETRY_JITTER) must be a number from 0 to 1";
    QTest::newRow("fork max_output_tokens_fallback out of range in TOML")
        << "ccproxy" << "[codex]\nmax_output_tokens_fallback = 40000\n" << none << "codex.max_output_tokens_fallback"
        << "codex.max_output_tokens_fallback = 40000 (.ccproxy.toml:2:30) must be an integer from 1 to 32768";
    QTest::newRow("fork unknown injection mode in env")
        << "ccproxy" << QString() << QStringList{"CODEX__SYSTEM_PROMPT_INJECTION_MODE=off"}
        << "codex.system_prompt_injection_mode"
        << "codex.system_prompt_injection_mode = off (env CODEX__SYSTEM_PROMPT_INJECTION_MODE) must be one of "
           "override, append, disabled";
}

void TestConfigResolver::validationMessages()
{
    QFETCH(QString, profile);
    QFETCH(QString, fileText);
    QFETCH(QStringList, env);
    QFETCH(QString, key);
    QFETCH(QString, message);

    const PrecedenceProfile *p = PrecedenceProfile::byId(profile);
    QVERIFY(p);
    QStringList files;
    if (!fileText.isNull())
        files << (p->isArchive() ? QStringLiteral(".codex/archive.toml") : QStringLiteral(".ccproxy.toml")) << fileText;
    Workspace ws(files);
    ws.inputs.environment = envMap(env);
    const ResolvedConfig rc = ConfigResolver::resolve(*p, ws.inputs);
    QVERIFY(rc.hasErrors());
    bool found = false;
    for (const ConfigIssue &i : rc.issues)
        if (i.severity == Severity::Error && i.message == message) {
            found = true;
            QCOMPARE(i.key, key);
        }
    QVERIFY2(found, qPrintable(describeIssues(rc.issues)));
    if (const ResolvedKey *rk = rc.find(key))
        QVERIFY(!rk->valid);
}

void TestConfigResolver::credentialsNeverInMessages_data()
{
    QTest::addColumn<QString>("profile");
    QTest::addColumn<QString>("fileText");
    QTest::addColumn<QStringList>("env");

    const QStringList none;
    QTest::newRow("A env URL with a bad port")
        << "a" << QString() << QStringList{"CODEX_ARCHIVE_URL=postgresql://archiver:s3cret@db.example.com:99999/archive"};
    QTest::newRow("A env URL with a bad scheme")
        << "a" << QString() << QStringList{"CODEX_ARCHIVE_URL=oracle://archiver:s3cret@db.example.com/archive"};
    QTest::newRow("A file URL with a bad scheme")
        << "a" << "[backend]\nurl = \"oracle://archiver:s3cret@db.example.com/archive\"\n" << none;
    QTest::newRow("A file URL with a bad host")
        << "a" << "[backend]\nurl = \"postgresql://archiver:s3cret@db example/archive\"\n" << none;
    QTest::newRow("A password containing @")
        << "a" << QString() << QStringList{"CODEX_ARCHIVE_URL=oracle://archiver:p@s3cret@db.example.com/archive"};
    QTest::newRow("B inference from a bad scheme")
        << "b" << QString() << QStringList{"CODEX_ARCHIVE_URL=oracle://archiver:s3cret@db.example.com/archive"};
    QTest::newRow("B named file with a bad URL")
        << "b" << "[backend]\nurl = \"mongodb://archiver:s3cret@db.example.com/archive\"\n"
        << QStringList{"CODEX_ARCHIVE_CONFIG=.codex/archive.toml"};
    QTest::newRow("fork base_url with credentials and a bad scheme")
        << "ccproxy" << QString() << QStringList{"CODEX__BASE_URL=ftp://user:s3cret@example.com/codex"};
    QTest::newRow("fork auth token is never shown")
        << "ccproxy" << "[security]\nauth_token = 42\n" << QStringList{"SECURITY__AUTH_TOKEN=s3cret"};
}

void TestConfigResolver::credentialsNeverInMessages()
{
    QFETCH(QString, profile);
    QFETCH(QString, fileText);
    QFETCH(QStringList, env);
    const PrecedenceProfile *p = PrecedenceProfile::byId(profile);
    QStringList files;
    if (!fileText.isNull())
        files << (p->isArchive() ? QStringLiteral(".codex/archive.toml") : QStringLiteral(".ccproxy.toml")) << fileText;
    Workspace ws(files);
    ws.inputs.environment = envMap(env);
    const ResolvedConfig rc = ConfigResolver::resolve(*p, ws.inputs);
    QVERIFY2(!rc.issues.isEmpty() || profile == QLatin1String("ccproxy"), "each case produces a message");
    for (const ConfigIssue &i : rc.issues)
        QVERIFY2(!i.message.contains(QLatin1String("s3cret")), qPrintable(i.message));
    for (const ResolvedKey &k : rc.keys) {
        QVERIFY(!ConfigResolver::displayValue(*k.schema, k.value).contains(QLatin1String("s3cret")));
        for (const Candidate &c : k.shadowed)
            QVERIFY(!ConfigResolver::displayValue(*k.schema, c.value).contains(QLatin1String("s3cret")));
        for (const IgnoredValue &iv : k.ignored)
            QVERIFY(!iv.reason.contains(QLatin1String("s3cret")));
    }
}

void TestConfigResolver::displayValue_data()
{
    QTest::addColumn<QString>("profile");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<bool>("reveal");
    QTest::addColumn<QString>("expected");

    const QVariant url(QStringLiteral("postgresql://archiver:s3cret@db.example.com:5432/archive"));
    QTest::newRow("url redacted") << "a" << "backend.url" << url << false
                                  << "postgresql://***@db.example.com:5432/archive";
    QTest::newRow("url revealed") << "a" << "backend.url" << url << true
                                  << "postgresql://archiver:s3cret@db.example.com:5432/archive";
    QTest::newRow("url without credentials") << "a" << "backend.url"
                                             << QVariant(QStringLiteral("sqlite:///./.codex/archive.sqlite")) << false
                                             << "sqlite:///./.codex/archive.sqlite";
    QTest::newRow("url user only") << "b" << "backend.url"
                                   << QVariant(QStringLiteral("mysql+pymysql://root@db:3306/archive")) << false
                                   << "mysql+pymysql://***@db:3306/archive";
    QTest::newRow("bool true") << "a" << "retry.enabled" << QVariant(true) << false << "true";
    QTest::newRow("bool false") << "a" << "retry.enabled" << QVariant(false) << false << "false";
    QTest::newRow("int") << "a" << "retry.max_attempts" << QVariant::fromValue<qint64>(3) << false << "3";
    QTest::newRow("float whole") << "a" << "retry.max_delay" << QVariant(32.0) << false << "32.0";
    QTest::newRow("float fraction") << "b" << "retry.jitter" << QVariant(0.1) << false << "0.1";
    QTest::newRow("enum") << "a" << "backend.type" << QVariant(QStringLiteral("postgres")) << false << "postgres";
    QTest::newRow("unset nullable") << "a" << "logging.file" << QVariant() << false << "(unset)";
    QTest::newRow("secret masked") << "ccproxy" << "security.auth_token" << QVariant(QStringLiteral("tok-123")) << false
                                   << "••••••••";
    QTest::newRow("secret revealed") << "ccproxy" << "security.auth_token" << QVariant(QStringLiteral("tok-123"))
                                     << true << "tok-123";
    QTest::newRow("http url no credentials") << "ccproxy" << "codex.base_url"
                                             << QVariant(QStringLiteral("https://chatgpt.com/backend-api/codex"))
                                             << false << "https://chatgpt.com/backend-api/codex";
}

void TestConfigResolver::displayValue()
{
    QFETCH(QString, profile);
    QFETCH(QString, key);
    QFETCH(QVariant, value);
    QFETCH(bool, reveal);
    QFETCH(QString, expected);
    const SchemaKey *k = PrecedenceProfile::byId(profile)->schema().find(key);
    QVERIFY(k);
    QCOMPARE(ConfigResolver::displayValue(*k, value, reveal), expected);
}

void TestConfigResolver::parseEnvValue_data()
{
    QTest::addColumn<QString>("profile");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<int>("outcome");  // 0 ok, 1 warning, 2 error, 3 skipped

    QTest::newRow("A true") << "a" << "retry.enabled" << "true" << QVariant(true) << 0;
    QTest::newRow("A True") << "a" << "retry.enabled" << "True" << QVariant(true) << 0;
    QTest::newRow("A 1 is false") << "a" << "retry.enabled" << "1" << QVariant(false) << 1;
    QTest::newRow("A empty is false") << "a" << "retry.enabled" << "" << QVariant(false) << 1;
    QTest::newRow("A int") << "a" << "retry.max_attempts" << " 12 " << QVariant::fromValue<qint64>(12) << 0;
    QTest::newRow("A int underscore") << "a" << "batch.timeout_per_item" << "1_000"
                                      << QVariant::fromValue<qint64>(1000) << 0;
    QTest::newRow("A int 2.5 error") << "a" << "retry.max_attempts" << "2.5" << QVariant() << 2;
    QTest::newRow("A float bad error") << "a" << "retry.initial_delay" << "soon" << QVariant() << 2;
    QTest::newRow("B on") << "b" << "retry.enabled" << "on" << QVariant(true) << 0;
    QTest::newRow("B 0") << "b" << "retry.enabled" << "0" << QVariant(false) << 0;
    QTest::newRow("B maybe default") << "b" << "retry.enabled" << "maybe" << QVariant(true) << 1;
    QTest::newRow("B empty skipped") << "b" << "retry.enabled" << "" << QVariant() << 3;
    QTest::newRow("B float bad default") << "b" << "retry.jitter" << "lots" << QVariant(0.1) << 1;
    QTest::newRow("fork t") << "ccproxy" << "codex.enabled" << "t" << QVariant(true) << 0;
    QTest::newRow("fork N") << "ccproxy" << "codex.enabled" << "N" << QVariant(false) << 0;
    QTest::newRow("fork enabled is no bool") << "ccproxy" << "codex.enabled" << "enabled" << QVariant() << 2;
    QTest::newRow("fork int error") << "ccproxy" << "server.port" << "eighty" << QVariant() << 2;
}

void TestConfigResolver::parseEnvValue()
{
    QFETCH(QString, profile);
    QFETCH(QString, key);
    QFETCH(QString, text);
    QFETCH(QVariant, value);
    QFETCH(int, outcome);
    const PrecedenceProfile *p = PrecedenceProfile::byId(profile);
    const SchemaKey *k = p->schema().find(key);
    QVERIFY(k);
    const ConfigResolver::EnvParse r = ConfigResolver::parseEnvValue(*p, *k, text);
    QCOMPARE(r.skipped, outcome == 3);
    QCOMPARE(r.error.has_value(), outcome == 2);
    QCOMPARE(r.warning.has_value(), outcome == 1);
    if (outcome == 0 || outcome == 1)
        QCOMPARE(r.value, value);
    if (r.error)
        QVERIFY2(r.error->contains(text), qPrintable(*r.error));
}

void TestConfigResolver::dotEnv()
{
    const QByteArray text =
        "# a comment\n"                              // 1
        "\n"                                         // 2
        "export SERVER__HOST=0.0.0.0\n"              // 3
        "SERVER__PORT = 9000 # trailing comment\n"   // 4
        "CODEX__BASE_URL=\"https://x.example/a#b\"\n"  // 5
        "SINGLE='keep \\n literally'\n"              // 6
        "DOUBLE=\"line\\nbreak \\\"q\\\"\"\n"        // 7
        "HASH=abc#def\n"                             // 8
        "EMPTY=\n"                                   // 9
        "CRLF=value\r\n"                             // 10
        "QUOTED_COMMENT=\"v\" # note\n";             // 11
    const DotEnv env = DotEnv::parse(text);
    QVERIFY2(env.problems().isEmpty(), qPrintable(env.problems().isEmpty() ? QString() : env.problems().first().message));
    QHash<QString, DotEnv::Entry> byName;
    for (const DotEnv::Entry &e : env.entries())
        byName.insert(e.name, e);
    QCOMPARE(env.entries().size(), 9);
    QCOMPARE(byName.value("SERVER__HOST").value, QStringLiteral("0.0.0.0"));
    QCOMPARE(byName.value("SERVER__HOST").line, 3);
    QCOMPARE(byName.value("SERVER__PORT").value, QStringLiteral("9000"));
    QCOMPARE(byName.value("SERVER__PORT").line, 4);
    QCOMPARE(byName.value("CODEX__BASE_URL").value, QStringLiteral("https://x.example/a#b"));
    QCOMPARE(byName.value("SINGLE").value, QStringLiteral("keep \\n literally"));
    QCOMPARE(byName.value("DOUBLE").value, QStringLiteral("line\nbreak \"q\""));
    QCOMPARE(byName.value("HASH").value, QStringLiteral("abc#def"));
    QVERIFY(byName.contains("EMPTY"));
    QCOMPARE(byName.value("EMPTY").value, QString());
    QCOMPARE(byName.value("CRLF").value, QStringLiteral("value"));
    QCOMPARE(byName.value("CRLF").line, 10);
    QCOMPARE(byName.value("QUOTED_COMMENT").value, QStringLiteral("v"));
    QCOMPARE(env.entries().first().name, QStringLiteral("SERVER__HOST"));  // file order
}

void TestConfigResolver::dotEnvProblemsReportLine()
{
    const QByteArray text =
        "GOOD=1\n"               // 1
        "this line is wrong\n"   // 2
        "=nothing\n"             // 3
        "BAD NAME=x\n"           // 4
        "OPEN=\"unterminated\n"  // 5
        "LAST=2\n";              // 6
    const DotEnv env = DotEnv::parse(text);
    QCOMPARE(env.entries().size(), 2);
    QCOMPARE(env.entries().at(0).name, QStringLiteral("GOOD"));
    QCOMPARE(env.entries().at(1).name, QStringLiteral("LAST"));
    QCOMPARE(env.entries().at(1).line, 6);
    QList<int> lines;
    for (const DotEnv::Problem &p : env.problems()) {
        lines << p.line;
        QVERIFY(!p.message.isEmpty());
    }
    QCOMPARE(lines, (QList<int>{2, 3, 4, 5}));
    QVERIFY(env.problems().at(0).message.contains(QLatin1String("NAME=value")));
    QVERIFY(env.problems().at(2).message.contains(QLatin1String("BAD NAME")));
    QVERIFY(env.problems().at(3).message.contains(QLatin1String("OPEN")));

    // The resolver still reads the good lines of a .env with problems.
    Workspace ws({QStringLiteral(".env"), QStringLiteral("SERVER__PORT=7001\nnot an assignment\n")});
    const ResolvedConfig rc = ConfigResolver::resolve(PrecedenceProfile::byKind(ProfileKind::Ccproxy), ws.inputs);
    QCOMPARE(rc.value(QStringLiteral("server.port")).toLongLong(), 7001);
    QCOMPARE(rc.find(QStringLiteral("server.port"))->origin.toString(), QStringLiteral(".env:1 SERVER__PORT"));
}

QTEST_GUILESS_MAIN(TestConfigResolver)
#include "tst_configresolver.moc"
