// ConfigEditor: byte-exact edits, undo/redo, diff, safe saving with backups, refusals,
// malformed and large files, and the file-system watcher.
#include "TestUtil.h"

#include "config/ConfigEditor.h"
#include "config/PrecedenceProfile.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <cstdio>

using namespace codex;
using namespace codex::config;

namespace {

const QByteArray kArchive =
    "# Archive settings\n"                          // 1
    "[backend]\n"                                   // 2
    "type = \"sqlite\"   # the embedded one\n"      // 3
    "url = \"sqlite:///./.codex/archive.sqlite\"\n"  // 4
    "\n"                                            // 5
    "[retry]\n"                                     // 6
    "enabled = false\n"                             // 7
    "max_attempts = 3\n"                            // 8
    "\n"                                            // 9
    "# batch tuning\n"                              // 10
    "[batch]\n"                                     // 11
    "max_concurrent = 5\n";                         // 12

const PrecedenceProfile &profileA()
{
    return PrecedenceProfile::byKind(ProfileKind::ArchiveA);
}

struct Fixture {
    QTemporaryDir dir;
    ConfigInputs inputs;
    QString file;

    explicit Fixture(const QByteArray &content = kArchive, bool create = true)
    {
        inputs.workspace = QDir(dir.path()).canonicalPath();
        inputs.homeDir = inputs.workspace + QStringLiteral("/home");
        file = inputs.workspace + QStringLiteral("/.codex/archive.toml");
        QDir().mkpath(inputs.workspace + QStringLiteral("/.codex"));
        if (create)
            testutil::writeFile(file, content);
    }

    QStringList codexDirEntries() const
    {
        return QDir(inputs.workspace + QStringLiteral("/.codex")).entryList(QDir::Files | QDir::Hidden, QDir::Name);
    }
};

/// Asserts that `after` equals `before` with exactly the bytes [pos, pos+oldLen) replaced by `value`.
bool onlyReplaced(const QByteArray &before, const QByteArray &after, qsizetype pos, qsizetype oldLen,
                  const QByteArray &value)
{
    return after.size() == before.size() - oldLen + value.size() && after.left(pos) == before.left(pos)
           && after.mid(pos, value.size()) == value && after.mid(pos + value.size()) == before.mid(pos + oldLen);
}

}  // namespace

class TestConfigEditor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void openWorkspace();
    void setValueTouchesOnlyValueBytes();
    void addKeyToExistingTable();
    void addKeyToNewTable();
    void unsetKey();
    void undoRedoRestoreExactBytes();
    void diffShowsOneLineChange();
    void setValueRefusesInvalidValues_data();
    void setValueRefusesInvalidValues();
    void saveAtomicWithBackup();
    void saveCreatesNewFile();
    void saveRefusedWhenRuleBroken();
    void saveRefusedWhenReadOnly();
    void saveRefusedWhenChangedOnDisk();
    void malformedTomlOpensWithParseError();
    void nonUtf8OpensAsParseError();
    void largeFileEditTouchesOnlyValue();
    void externalChangeWithoutEditsReloads();
    void externalAtomicReplaceReloads();
    void externalChangeWithEditsAsks();
    void whatIfEnvironment();
};

void TestConfigEditor::initTestCase()
{
    qputenv("CODEX_ADMIN_NO_FILE_LOG", "1");
}

void TestConfigEditor::openWorkspace()
{
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QCOMPARE(ed.filePath(), fx.file);
    QCOMPARE(ed.displayPath(), QStringLiteral(".codex/archive.toml"));
    QVERIFY(ed.fileExists());
    QVERIFY(ed.fileIsRead());
    QVERIFY(!ed.hasParseError());
    QVERIFY(!ed.isModified());
    QVERIFY(!ed.canUndo());
    QVERIFY(!ed.canRedo());
    QVERIFY(ed.diff().isEmpty());
    QCOMPARE(ed.diskBytes(), kArchive);
    QCOMPARE(ed.document().bytes(), kArchive);
    QCOMPARE(ed.resolved().value(QStringLiteral("retry.max_attempts")).toLongLong(), 3);
    QCOMPARE(ed.resolved().find(QStringLiteral("retry.max_attempts"))->origin.toString(),
             QStringLiteral(".codex/archive.toml:8:16"));
    QVERIFY(!ed.resolved().hasErrors());
    QVERIFY(!ed.changedOnDisk());
}

void TestConfigEditor::setValueTouchesOnlyValueBytes()
{
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QSignalSpy docSpy(&ed, &ConfigEditor::documentChanged);
    QSignalSpy resSpy(&ed, &ConfigEditor::resolvedChanged);

    ConfigEditor::Result r = ed.setValue(QStringLiteral("retry.max_attempts"), QVariant::fromValue<qint64>(7));
    QVERIFY2(r.ok, qPrintable(r.message));
    const qsizetype pos = kArchive.indexOf("max_attempts = 3") + 15;
    QVERIFY(onlyReplaced(kArchive, ed.document().bytes(), pos, 1, "7"));
    QVERIFY(ed.isModified());
    QCOMPARE(ed.resolved().value(QStringLiteral("retry.max_attempts")).toLongLong(), 7);
    QCOMPARE(ed.undoText(), QStringLiteral("Set retry.max_attempts = 7"));
    QVERIFY(docSpy.count() >= 1);
    QVERIFY(resSpy.count() >= 1);
    QCOMPARE(testutil::readFile(fx.file), kArchive);  // nothing written before save()

    // A string value followed by padding and a comment: only the quoted value changes.
    const QByteArray before = ed.document().bytes();
    r = ed.setValue(QStringLiteral("backend.type"), QStringLiteral("postgres"));
    QVERIFY2(r.ok, qPrintable(r.message));
    const qsizetype spos = before.indexOf("\"sqlite\"");
    QVERIFY(onlyReplaced(before, ed.document().bytes(), spos, 8, "\"postgres\""));
    QVERIFY(ed.document().bytes().contains("type = \"postgres\"   # the embedded one\n"));

    // Booleans too.
    const QByteArray before2 = ed.document().bytes();
    r = ed.setValue(QStringLiteral("retry.enabled"), true);
    QVERIFY2(r.ok, qPrintable(r.message));
    QVERIFY(onlyReplaced(before2, ed.document().bytes(), before2.indexOf("enabled = false") + 10, 5, "true"));

    // Setting the value it already has changes nothing and adds no undo step.
    const QByteArray same = ed.document().bytes();
    const QString undoBefore = ed.undoText();
    r = ed.setValue(QStringLiteral("retry.enabled"), true);
    QVERIFY(r.ok);
    QCOMPARE(ed.document().bytes(), same);
    QCOMPARE(ed.undoText(), undoBefore);
}

void TestConfigEditor::addKeyToExistingTable()
{
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    const ConfigEditor::Result r = ed.setValue(QStringLiteral("retry.jitter"), false);
    QVERIFY2(r.ok, qPrintable(r.message));
    QByteArray expected = kArchive;
    expected.replace("max_attempts = 3\n", "max_attempts = 3\njitter = false\n");
    QCOMPARE(ed.document().bytes(), expected);
    QCOMPARE(ed.resolved().value(QStringLiteral("retry.jitter")).toBool(), false);
    QCOMPARE(ed.resolved().find(QStringLiteral("retry.jitter"))->origin.toString(),
             QStringLiteral(".codex/archive.toml:9:10"));
}

void TestConfigEditor::addKeyToNewTable()
{
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    const ConfigEditor::Result r = ed.setValue(QStringLiteral("performance.enable_metrics"), false);
    QVERIFY2(r.ok, qPrintable(r.message));
    QCOMPARE(ed.document().bytes(), kArchive + "\n[performance]\nenable_metrics = false\n");
    QCOMPARE(ed.resolved().value(QStringLiteral("performance.enable_metrics")).toBool(), false);
    QCOMPARE(ed.resolved().find(QStringLiteral("performance.enable_metrics"))->origin.source, Source::File);
    QVERIFY(!ed.resolved().hasErrors());
}

void TestConfigEditor::unsetKey()
{
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    ConfigEditor::Result r = ed.unsetKey(QStringLiteral("retry.enabled"));
    QVERIFY2(r.ok, qPrintable(r.message));
    QByteArray expected = kArchive;
    expected.replace("enabled = false\n", "");
    QCOMPARE(ed.document().bytes(), expected);
    QCOMPARE(ed.resolved().find(QStringLiteral("retry.enabled"))->origin.source, Source::Default);
    QCOMPARE(ed.undoText(), QStringLiteral("Remove retry.enabled"));

    // A key with a trailing comment goes with its comment.
    r = ed.unsetKey(QStringLiteral("backend.type"));
    QVERIFY2(r.ok, qPrintable(r.message));
    expected.replace("type = \"sqlite\"   # the embedded one\n", "");
    QCOMPARE(ed.document().bytes(), expected);

    // Unsetting a key that is not in the file is a no-op.
    r = ed.unsetKey(QStringLiteral("retry.jitter"));
    QVERIFY(r.ok);
    QCOMPARE(ed.document().bytes(), expected);
}

void TestConfigEditor::undoRedoRestoreExactBytes()
{
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QVERIFY(ed.setValue(QStringLiteral("retry.max_attempts"), QVariant::fromValue<qint64>(9)).ok);
    const QByteArray s1 = ed.document().bytes();
    QVERIFY(ed.setValue(QStringLiteral("retry.jitter"), true).ok);
    const QByteArray s2 = ed.document().bytes();
    QVERIFY(ed.unsetKey(QStringLiteral("batch.max_concurrent")).ok);
    const QByteArray s3 = ed.document().bytes();
    QVERIFY(s1 != kArchive && s2 != s1 && s3 != s2);

    QVERIFY(ed.canUndo());
    QVERIFY(!ed.canRedo());
    ed.undo();
    QCOMPARE(ed.document().bytes(), s2);
    ed.undo();
    QCOMPARE(ed.document().bytes(), s1);
    QCOMPARE(ed.resolved().value(QStringLiteral("retry.jitter")).toBool(), true);  // default again
    QCOMPARE(ed.resolved().find(QStringLiteral("retry.jitter"))->origin.source, Source::Default);
    ed.undo();
    QCOMPARE(ed.document().bytes(), kArchive);
    QVERIFY(!ed.isModified());
    QVERIFY(!ed.canUndo());
    ed.undo();  // harmless
    QCOMPARE(ed.document().bytes(), kArchive);

    QCOMPARE(ed.redoText(), QStringLiteral("Set retry.max_attempts = 9"));
    ed.redo();
    QCOMPARE(ed.document().bytes(), s1);
    ed.redo();
    ed.redo();
    QCOMPARE(ed.document().bytes(), s3);
    QVERIFY(!ed.canRedo());

    // A new edit after undo drops the redo branch.
    ed.undo();
    ed.undo();
    QVERIFY(ed.setValue(QStringLiteral("retry.enabled"), true).ok);
    QVERIFY(!ed.canRedo());
    ed.undo();
    QCOMPARE(ed.document().bytes(), s1);
}

void TestConfigEditor::diffShowsOneLineChange()
{
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QVERIFY(ed.setValue(QStringLiteral("retry.max_attempts"), QVariant::fromValue<qint64>(7)).ok);
    const QString expected = QStringLiteral(
        "--- a/.codex/archive.toml\n"
        "+++ b/.codex/archive.toml\n"
        "@@ -5,7 +5,7 @@\n"
        " \n"
        " [retry]\n"
        " enabled = false\n"
        "-max_attempts = 3\n"
        "+max_attempts = 7\n"
        " \n"
        " # batch tuning\n"
        " [batch]\n");
    QCOMPARE(ed.diff(), expected);
    ed.undo();
    QVERIFY(ed.diff().isEmpty());
}

void TestConfigEditor::setValueRefusesInvalidValues_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QVariant>("value");
    QTest::addColumn<QStringList>("mustContain");

    QTest::newRow("out of range") << "retry.max_attempts" << QVariant::fromValue<qint64>(0)
                                  << QStringList{"retry.max_attempts", "0", "an integer from 1 to 100"};
    QTest::newRow("too large") << "batch.max_concurrent" << QVariant::fromValue<qint64>(1000)
                               << QStringList{"batch.max_concurrent", "1000", "an integer from 1 to 256"};
    QTest::newRow("unknown backend") << "backend.type" << QVariant(QStringLiteral("oracle"))
                                     << QStringList{"backend.type", "oracle", "one of sqlite, postgres, mariadb"};
    QTest::newRow("string for bool") << "retry.enabled" << QVariant(QStringLiteral("yes"))
                                     << QStringList{"retry.enabled", "yes", "true or false"};
    QTest::newRow("empty url") << "backend.url" << QVariant(QString(""))
                               << QStringList{"backend.url", "must not be empty"};
    QTest::newRow("url with wrong scheme") << "backend.url" << QVariant(QStringLiteral("http://u:s3cret@h/x"))
                                           << QStringList{"backend.url", "http://***@h/x", "a URL with scheme"};
    QTest::newRow("negative delay") << "retry.initial_delay" << QVariant(-1.0)
                                    << QStringList{"retry.initial_delay", "-1", "a number from 0 to 3600"};
    QTest::newRow("unknown key") << "retry.attempts" << QVariant::fromValue<qint64>(3)
                                 << QStringList{"retry.attempts", "not a setting"};
}

void TestConfigEditor::setValueRefusesInvalidValues()
{
    QFETCH(QString, key);
    QFETCH(QVariant, value);
    QFETCH(QStringList, mustContain);
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    const ConfigEditor::Result r = ed.setValue(key, value);
    QVERIFY(!r.ok);
    for (const QString &part : mustContain)
        QVERIFY2(r.message.contains(part), qPrintable(r.message + QStringLiteral(" lacks ") + part));
    QVERIFY2(!r.message.contains(QLatin1String("s3cret")), qPrintable(r.message));
    QCOMPARE(ed.document().bytes(), kArchive);
    QVERIFY(!ed.canUndo());
}

void TestConfigEditor::saveAtomicWithBackup()
{
    Fixture fx;
    QFile::setPermissions(fx.file, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup);
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QVERIFY(ed.setValue(QStringLiteral("retry.max_attempts"), QVariant::fromValue<qint64>(7)).ok);
    const QByteArray edited = ed.document().bytes();
    const ConfigEditor::Result r = ed.save();
    QVERIFY2(r.ok, qPrintable(r.message));
    QCOMPARE(testutil::readFile(fx.file), edited);
    QVERIFY(!ed.isModified());
    QCOMPARE(ed.diskBytes(), edited);
    QVERIFY(!ed.changedOnDisk());

    // <file>.<yyyyMMdd-HHmmss>.bak holding the old bytes.
    QVERIFY(!r.backupPath.isEmpty());
    static const QRegularExpression re(QStringLiteral("^(.*)\\.(\\d{8}-\\d{6})\\.bak$"));
    const QRegularExpressionMatch m = re.match(r.backupPath);
    QVERIFY2(m.hasMatch(), qPrintable(r.backupPath));
    QCOMPARE(m.captured(1), fx.file);
    const QDateTime stamp = QDateTime::fromString(m.captured(2), QStringLiteral("yyyyMMdd-HHmmss"));
    QVERIFY(stamp.isValid());
    QCOMPARE(testutil::readFile(r.backupPath), kArchive);
    QVERIFY(r.message.contains(QFileInfo(r.backupPath).fileName()));

    // Atomic: no temporary file left next to it; permissions kept.
    QCOMPARE(fx.codexDirEntries(), (QStringList{QStringLiteral("archive.toml"), QFileInfo(r.backupPath).fileName()}));
    QCOMPARE(QFileInfo(fx.file).permissions() & (QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
                                                  | QFileDevice::ReadOther | QFileDevice::WriteOther),
             QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup);

    // Nothing to save now.
    const ConfigEditor::Result again = ed.save();
    QVERIFY(again.ok);
    QVERIFY(again.backupPath.isEmpty());
    QCOMPARE(fx.codexDirEntries().size(), 2);

    // A second save in the same second does not overwrite the first backup.
    QVERIFY(ed.setValue(QStringLiteral("retry.max_attempts"), QVariant::fromValue<qint64>(8)).ok);
    const ConfigEditor::Result r2 = ed.save();
    QVERIFY2(r2.ok, qPrintable(r2.message));
    QVERIFY(r2.backupPath != r.backupPath);
    QCOMPARE(testutil::readFile(r2.backupPath), edited);
    QCOMPARE(testutil::readFile(r.backupPath), kArchive);
}

void TestConfigEditor::saveCreatesNewFile()
{
    Fixture fx(QByteArray(), false);
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QVERIFY(!ed.fileExists());
    QCOMPARE(ed.filePath(), fx.file);
    QVERIFY(ed.setValue(QStringLiteral("retry.enabled"), true).ok);
    QCOMPARE(ed.document().bytes(), QByteArray("[retry]\nenabled = true\n"));
    QCOMPARE(ed.resolved().value(QStringLiteral("retry.enabled")).toBool(), true);
    const ConfigEditor::Result r = ed.save();
    QVERIFY2(r.ok, qPrintable(r.message));
    QVERIFY(r.backupPath.isEmpty());
    QCOMPARE(testutil::readFile(fx.file), QByteArray("[retry]\nenabled = true\n"));
    QVERIFY(ed.fileExists());
    QVERIFY(ed.fileIsRead());

    // Generation B does not read .codex/archive.toml unless named: the editor says so.
    ConfigEditor b;
    b.open(PrecedenceProfile::byKind(ProfileKind::ArchiveB), fx.inputs);
    QVERIFY(b.fileExists());
    QVERIFY(!b.fileIsRead());
}

void TestConfigEditor::saveRefusedWhenRuleBroken()
{
    QByteArray broken = kArchive;
    broken.replace("max_attempts = 3", "max_attempts = 0");
    Fixture fx(broken);
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QVERIFY(ed.resolved().hasErrors());
    QVERIFY(ed.setValue(QStringLiteral("retry.enabled"), true).ok);
    bool flagged = false;
    for (const ConfigIssue &i : ed.validate())
        flagged = flagged || (i.severity == Severity::Error && i.key == QLatin1String("retry.max_attempts"));
    QVERIFY(flagged);
    const ConfigEditor::Result r = ed.save();
    QVERIFY(!r.ok);
    QVERIFY2(r.message.contains(QLatin1String("retry.max_attempts = 0")), qPrintable(r.message));
    QVERIFY2(r.message.contains(QLatin1String(".codex/archive.toml:8:16")), qPrintable(r.message));
    QVERIFY2(r.message.contains(QLatin1String("an integer from 1 to 100")), qPrintable(r.message));
    QCOMPARE(testutil::readFile(fx.file), broken);
    QCOMPARE(fx.codexDirEntries(), QStringList{QStringLiteral("archive.toml")});
    // Fixing the value makes it savable.
    QVERIFY(ed.setValue(QStringLiteral("retry.max_attempts"), QVariant::fromValue<qint64>(2)).ok);
    QVERIFY(ed.save().ok);

    // An unknown key in a generation A file is an error too.
    Fixture fx2(kArchive + "\n[extra]\nfoo = 1\n");
    ConfigEditor ed2;
    ed2.open(profileA(), fx2.inputs);
    QVERIFY(ed2.setValue(QStringLiteral("retry.enabled"), true).ok);
    const ConfigEditor::Result r2 = ed2.save();
    QVERIFY(!r2.ok);
    QVERIFY2(r2.message.contains(QLatin1String("unknown key 'extra.foo'")), qPrintable(r2.message));
    QCOMPARE(testutil::readFile(fx2.file), kArchive + "\n[extra]\nfoo = 1\n");
}

void TestConfigEditor::saveRefusedWhenReadOnly()
{
    Fixture fx;
    QVERIFY(QFile::setPermissions(fx.file, QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther));
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QVERIFY(ed.setValue(QStringLiteral("retry.enabled"), true).ok);
    const ConfigEditor::Result r = ed.save();
    QVERIFY(!r.ok);
    QVERIFY2(r.message.contains(QLatin1String("read-only")), qPrintable(r.message));
    QVERIFY2(r.message.contains(QLatin1String(".codex/archive.toml")), qPrintable(r.message));
    QCOMPARE(testutil::readFile(fx.file), kArchive);
    QCOMPARE(fx.codexDirEntries(), QStringList{QStringLiteral("archive.toml")});
    QVERIFY(ed.isModified());  // the edit is kept for another try
    QFile::setPermissions(fx.file, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
}

void TestConfigEditor::saveRefusedWhenChangedOnDisk()
{
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QVERIFY(ed.setValue(QStringLiteral("retry.max_attempts"), QVariant::fromValue<qint64>(7)).ok);
    const QByteArray external = QByteArray(kArchive).replace("max_concurrent = 5", "max_concurrent = 6");
    testutil::writeFile(fx.file, external);
    QVERIFY(ed.changedOnDisk());
    const ConfigEditor::Result r = ed.save();
    QVERIFY(!r.ok);
    QVERIFY2(r.message.contains(QLatin1String("changed on disk")), qPrintable(r.message));
    QVERIFY2(r.message.contains(QLatin1String(".codex/archive.toml")), qPrintable(r.message));
    QCOMPARE(testutil::readFile(fx.file), external);
    QCOMPARE(fx.codexDirEntries(), QStringList{QStringLiteral("archive.toml")});

    const ConfigEditor::Result forced = ed.save(true);
    QVERIFY2(forced.ok, qPrintable(forced.message));
    QCOMPARE(testutil::readFile(fx.file), ed.document().bytes());
    QVERIFY(ed.document().bytes().contains("max_attempts = 7"));
    QCOMPARE(testutil::readFile(forced.backupPath), external);  // the backup holds what was overwritten

    // A file deleted behind the editor's back also counts as changed.
    Fixture fx2;
    ConfigEditor ed2;
    ed2.open(profileA(), fx2.inputs);
    QVERIFY(ed2.setValue(QStringLiteral("retry.enabled"), true).ok);
    QVERIFY(QFile::remove(fx2.file));
    QVERIFY(ed2.changedOnDisk());
    QVERIFY(!ed2.save().ok);
    QVERIFY(!QFileInfo::exists(fx2.file));
}

void TestConfigEditor::malformedTomlOpensWithParseError()
{
    const QByteArray bad = "[retry]\nenabled = true\nmax_attempts = \n[batch\n";
    Fixture fx(bad);
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QVERIFY(ed.fileExists());
    QVERIFY(ed.hasParseError());
    QCOMPARE(ed.parseError().position.line, 3);
    QVERIFY(ed.parseError().position.column > 0);
    QVERIFY(!ed.parseError().message.isEmpty());
    QVERIFY(ed.resolved().hasErrors());
    bool located = false;
    for (const ConfigIssue &i : ed.resolved().issues)
        located = located || (i.severity == Severity::Error && i.origin.line == 3
                              && i.message.startsWith(QLatin1String(".codex/archive.toml:3:")));
    QVERIFY2(located, qPrintable(ed.resolved().issues.isEmpty() ? QString() : ed.resolved().issues.first().message));

    const ConfigEditor::Result set = ed.setValue(QStringLiteral("retry.enabled"), false);
    QVERIFY(!set.ok);
    QVERIFY2(set.message.contains(QLatin1String(".codex/archive.toml:3:")), qPrintable(set.message));
    QVERIFY(!ed.unsetKey(QStringLiteral("retry.enabled")).ok);
    const ConfigEditor::Result save = ed.save();
    QVERIFY(!save.ok);
    QVERIFY2(save.message.contains(QLatin1String(".codex/archive.toml:3:")), qPrintable(save.message));
    QCOMPARE(testutil::readFile(fx.file), bad);
    QCOMPARE(ed.document().bytes(), bad);
}

void TestConfigEditor::nonUtf8OpensAsParseError()
{
    const QByteArray bad = QByteArray("[retry]\nenabled = true\n# caf\xe9\nname = \"\xff\xfe\"\n");
    Fixture fx(bad);
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QVERIFY(ed.hasParseError());
    QVERIFY(!ed.parseError().message.isEmpty());
    QVERIFY(ed.parseError().position.line >= 3);
    QVERIFY(!ed.setValue(QStringLiteral("retry.enabled"), false).ok);
    QVERIFY(!ed.save().ok);
    QCOMPARE(testutil::readFile(fx.file), bad);
    QVERIFY(ed.resolved().hasErrors());
}

void TestConfigEditor::largeFileEditTouchesOnlyValue()
{
    QByteArray big = "[retry]\nmax_attempts = 3\n";
    const QByteArray pad = "# padding padding padding padding padding padding padding padding padding padding\n";
    big.reserve(11 * 1024 * 1024);
    while (big.size() < 10 * 1024 * 1024)
        big += pad;
    big += "[batch]\nmax_concurrent = 5\n";
    Fixture fx(big);
    QElapsedTimer t;
    t.start();
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QVERIFY(!ed.hasParseError());
    QCOMPARE(ed.resolved().value(QStringLiteral("batch.max_concurrent")).toLongLong(), 5);
    const ConfigEditor::Result r = ed.setValue(QStringLiteral("batch.max_concurrent"), QVariant::fromValue<qint64>(12));
    QVERIFY2(r.ok, qPrintable(r.message));
    QVERIFY(onlyReplaced(big, ed.document().bytes(), big.size() - 2, 1, "12"));
    const QString diff = ed.diff();
    QCOMPARE(diff.count(QLatin1String("\n-max_concurrent = 5\n")), 1);
    QCOMPARE(diff.count(QLatin1String("\n+max_concurrent = 12\n")), 1);
    QVERIFY(diff.size() < 2000);
    const ConfigEditor::Result s = ed.save();
    QVERIFY2(s.ok, qPrintable(s.message));
    QCOMPARE(testutil::readFile(fx.file).size(), big.size() + 1);
    QCOMPARE(testutil::readFile(s.backupPath), big);
    qInfo("10 MB open + edit + diff + save: %lld ms", qint64(t.elapsed()));
}

void TestConfigEditor::externalChangeWithoutEditsReloads()
{
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QSignalSpy reloaded(&ed, &ConfigEditor::reloadedFromDisk);
    QSignalSpy asks(&ed, &ConfigEditor::externalChangeWithEdits);
    const QByteArray external = QByteArray(kArchive).replace("max_attempts = 3", "max_attempts = 4");
    testutil::writeFile(fx.file, external);
    QTRY_VERIFY_WITH_TIMEOUT(reloaded.count() >= 1, 15000);
    QCOMPARE(asks.count(), 0);
    QCOMPARE(ed.diskBytes(), external);
    QCOMPARE(ed.document().bytes(), external);
    QVERIFY(!ed.isModified());
    QCOMPARE(ed.resolved().value(QStringLiteral("retry.max_attempts")).toLongLong(), 4);

    // It keeps watching after a reload.
    const QByteArray external2 = QByteArray(kArchive).replace("max_attempts = 3", "max_attempts = 6");
    const int seen = int(reloaded.count());
    testutil::writeFile(fx.file, external2);
    QTRY_VERIFY_WITH_TIMEOUT(reloaded.count() > seen, 15000);
    QCOMPARE(ed.resolved().value(QStringLiteral("retry.max_attempts")).toLongLong(), 6);

    // Our own save is not reported as an external change.
    QVERIFY(ed.setValue(QStringLiteral("retry.enabled"), true).ok);
    const int seen2 = int(reloaded.count());
    QVERIFY(ed.save().ok);
    QTest::qWait(500);
    QCOMPARE(int(reloaded.count()), seen2);
    QCOMPARE(asks.count(), 0);
}

void TestConfigEditor::externalAtomicReplaceReloads()
{
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QSignalSpy reloaded(&ed, &ConfigEditor::reloadedFromDisk);
    // Another editor saves by writing a temporary file and renaming it over ours.
    const QByteArray external = QByteArray(kArchive).replace("enabled = false", "enabled = true");
    const QString tmp = fx.file + QStringLiteral(".tmp");
    testutil::writeFile(tmp, external);
    QVERIFY(std::rename(QFile::encodeName(tmp).constData(), QFile::encodeName(fx.file).constData()) == 0);
    QTRY_VERIFY_WITH_TIMEOUT(reloaded.count() >= 1, 15000);
    QCOMPARE(ed.document().bytes(), external);
    QCOMPARE(ed.resolved().value(QStringLiteral("retry.enabled")).toBool(), true);
}

void TestConfigEditor::externalChangeWithEditsAsks()
{
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QVERIFY(ed.setValue(QStringLiteral("retry.max_attempts"), QVariant::fromValue<qint64>(7)).ok);
    const QByteArray mine = ed.document().bytes();
    QSignalSpy reloaded(&ed, &ConfigEditor::reloadedFromDisk);
    QSignalSpy asks(&ed, &ConfigEditor::externalChangeWithEdits);
    const QByteArray external = QByteArray(kArchive).replace("max_concurrent = 5", "max_concurrent = 9");
    testutil::writeFile(fx.file, external);
    QTRY_VERIFY_WITH_TIMEOUT(asks.count() >= 1, 15000);
    QCOMPARE(reloaded.count(), 0);
    QCOMPARE(ed.document().bytes(), mine);  // the edits are kept
    QVERIFY(ed.isModified());
    QVERIFY(ed.changedOnDisk());
    QVERIFY(!ed.save().ok);
    // The admin chooses to reload: edits dropped, disk content shown.
    ed.reload();
    QCOMPARE(ed.document().bytes(), external);
    QVERIFY(!ed.isModified());
    QVERIFY(!ed.canUndo());
}

void TestConfigEditor::whatIfEnvironment()
{
    Fixture fx;
    ConfigEditor ed;
    ed.open(profileA(), fx.inputs);
    QSignalSpy res(&ed, &ConfigEditor::resolvedChanged);
    QMap<QString, QString> env;
    env.insert(QStringLiteral("CODEX_ARCHIVE_RETRY_ENABLED"), QStringLiteral("true"));
    ed.setEnvironment(env);
    QCOMPARE(res.count(), 1);
    // Generation A with the file present: the env var is shown as ignored.
    const ResolvedKey *k = ed.resolved().find(QStringLiteral("retry.enabled"));
    QCOMPARE(k->value.toBool(), false);
    QCOMPARE(k->ignored.size(), 1);
    // Removing the only key does not make the file disappear: env still ignored.
    QVERIFY(ed.unsetKey(QStringLiteral("retry.enabled")).ok);
    k = ed.resolved().find(QStringLiteral("retry.enabled"));
    QCOMPARE(k->origin.source, Source::Default);
    QCOMPARE(k->ignored.size(), 1);
    // An override wins.
    ed.setOverrides({{QStringLiteral("retry.enabled"), QStringLiteral("true")}});
    QCOMPARE(ed.resolved().find(QStringLiteral("retry.enabled"))->origin.toString(), QStringLiteral("command line"));
}

QTEST_GUILESS_MAIN(TestConfigEditor)
#include "tst_configeditor.moc"
