// The German translation: every message translated, nothing a translator must keep lost
// (%N placeholders, '&' accelerators, HTML tags), and the file compiles and loads.
#include "TestUtil.h"

#include "config/PrecedenceProfile.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLibraryInfo>
#include <QMap>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTranslator>
#include <QXmlStreamReader>
#include <QtTest/QtTest>

namespace {

const QString tsPath = QStringLiteral(CODEXADMIN_SOURCE_DIR "/translations/codex-admin_de.ts");

struct Message {
    QString context;
    QString source;
    QString comment;               ///< disambiguation
    QStringList translations;      ///< one, or one per numerus form
    QString type;                  ///< "" (finished), "unfinished", "vanished", "obsolete"
    bool numerus = false;
    qint64 line = 0;
};

/// Reads every <message> of the .ts file; returns an error text instead when the XML is broken.
QList<Message> readTs(const QString &path, QString *error)
{
    QList<Message> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open %1: %2").arg(path, f.errorString());
        return out;
    }
    QXmlStreamReader xml(&f);
    QString context;
    Message msg;
    bool inMessage = false;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            const auto name = xml.name();
            if (name == QLatin1String("name") && !inMessage) {
                context = xml.readElementText();
            } else if (name == QLatin1String("message")) {
                inMessage = true;
                msg = Message{};
                msg.context = context;
                msg.line = xml.lineNumber();
                msg.numerus = xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
            } else if (inMessage && name == QLatin1String("source")) {
                msg.source = xml.readElementText();
            } else if (inMessage && name == QLatin1String("comment")) {
                msg.comment = xml.readElementText();
            } else if (inMessage && name == QLatin1String("translation")) {
                msg.type = xml.attributes().value(QLatin1String("type")).toString();
                if (!msg.numerus)
                    msg.translations.append(xml.readElementText());
            } else if (inMessage && name == QLatin1String("numerusform")) {
                msg.translations.append(xml.readElementText());
            }
        } else if (xml.isEndElement() && xml.name() == QLatin1String("message")) {
            inMessage = false;
            out.append(msg);
        }
    }
    if (xml.hasError())
        *error = QStringLiteral("%1:%2: %3").arg(path, QString::number(xml.lineNumber()), xml.errorString());
    return out;
}

/// The %N placeholder numbers (also %LN), each once.
QSet<int> placeholders(const QString &s)
{
    static const QRegularExpression re(QStringLiteral("%L?(\\d{1,2})"));
    QSet<int> out;
    for (auto it = re.globalMatch(s); it.hasNext();)
        out.insert(it.next().captured(1).toInt());
    return out;
}

/// Accelerator markers: '&' before a letter or digit, not "&&" and not an HTML entity such as "&nbsp;".
int accelerators(const QString &s)
{
    static const QRegularExpression re(QStringLiteral("(?<!&)&(?!&)(?![a-zA-Z]+;|#\\d+;)(?=[\\w])"),
                                       QRegularExpression::UseUnicodePropertiesOption);
    int n = 0;
    for (auto it = re.globalMatch(s); it.hasNext(); it.next())
        ++n;
    return n;
}

/// HTML tags by name ("b", "/b", "br/"…) with their counts.
QMap<QString, int> htmlTags(const QString &s)
{
    static const QRegularExpression re(QStringLiteral("<(/?)([a-zA-Z][a-zA-Z0-9]*)\\b[^<>]*?(/?)>"));
    QMap<QString, int> out;
    for (auto it = re.globalMatch(s); it.hasNext();) {
        const auto m = it.next();
        ++out[m.captured(1) + m.captured(2).toLower() + m.captured(3)];
    }
    return out;
}

QString describe(const Message &m)
{
    return QStringLiteral("  line %1 [%2] \"%3\"").arg(m.line).arg(m.context, m.source);
}

/// The C++ string literals of `text` (a run of adjacent "…" "…"), unescaped and joined.
QString joinLiterals(const QString &text)
{
    static const QRegularExpression literal(QStringLiteral("\"((?:[^\"\\\\]|\\\\.)*)\""));
    QString out;
    for (auto it = literal.globalMatch(text); it.hasNext();) {
        const QString body = it.next().captured(1);
        for (qsizetype i = 0; i < body.size(); ++i) {
            if (body[i] != QLatin1Char('\\') || i + 1 == body.size()) {
                out.append(body[i]);
                continue;
            }
            const QChar c = body[++i];
            out.append(c == QLatin1Char('n') ? QChar(QLatin1Char('\n')) : c == QLatin1Char('t') ? QChar(QLatin1Char('\t')) : c);
        }
    }
    return out;
}

/// The texts `QCoreApplication::translate(context, "…")` / `QT_TRANSLATE_NOOP(context, "…")` name in one file.
QSet<QString> translateCalls(const QString &path, const QString &context, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open %1: %2").arg(path, f.errorString());
        return {};
    }
    const QString code = QString::fromUtf8(f.readAll());
    const QRegularExpression call(QStringLiteral("(?:QCoreApplication::translate|QT_TRANSLATE_NOOP)\\(\\s*\"%1\"\\s*,\\s*"
                                                 "((?:\"(?:[^\"\\\\]|\\\\.)*\"\\s*)+)[,)]")
                                      .arg(QRegularExpression::escape(context)));
    QSet<QString> out;
    for (auto it = call.globalMatch(code); it.hasNext();)
        out.insert(joinLiterals(it.next().captured(1)));
    return out;
}

/// What tools/schema_strings.py collects from resources/schemas/*.json: the texts the UI shows
/// through QCoreApplication::translate("schema", …).
QSet<QString> schemaTexts(QString *error)
{
    QSet<QString> out;
    const QDir dir(QStringLiteral(CODEXADMIN_SOURCE_DIR "/resources/schemas"));
    const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    if (files.isEmpty())
        *error = QStringLiteral("no schemas in %1").arg(dir.path());
    auto add = [&out](const QJsonValue &v) {
        if (v.isString() && !v.toString().isEmpty())
            out.insert(v.toString());
    };
    for (const QString &name : files) {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot open %1: %2").arg(f.fileName(), f.errorString());
            return {};
        }
        const QJsonObject root = QJsonDocument::fromJson(f.readAll()).object();
        add(root.value(QLatin1String("title")));
        for (const char *rules : {"forbiddenEnvPrefixes", "movedEnvPrefixes"})
            for (const QJsonValue &r : root.value(QLatin1String(rules)).toArray())
                add(r.toObject().value(QLatin1String("reason")));
        for (const QJsonValue &s : root.value(QLatin1String("sections")).toArray()) {
            add(s.toObject().value(QLatin1String("title")));
            for (const QJsonValue &k : s.toObject().value(QLatin1String("keys")).toArray())
                add(k.toObject().value(QLatin1String("help")));
        }
        for (const QJsonValue &p : root.value(QLatin1String("presets")).toArray()) {
            add(p.toObject().value(QLatin1String("title")));
            add(p.toObject().value(QLatin1String("description")));
        }
    }
    return out;
}

QStringList sortedList(const QSet<QString> &set)
{
    QStringList l(set.cbegin(), set.cend());
    l.sort();
    return l;
}

QString findLrelease()
{
    const QStringList candidates = {
        QLibraryInfo::path(QLibraryInfo::BinariesPath) + QStringLiteral("/lrelease"),
        QLibraryInfo::path(QLibraryInfo::LibraryExecutablesPath) + QStringLiteral("/lrelease"),
        QStringLiteral("/usr/lib/qt6/bin/lrelease"),
        QStandardPaths::findExecutable(QStringLiteral("lrelease-qt6")),
        QStandardPaths::findExecutable(QStringLiteral("lrelease")),
    };
    for (const QString &c : candidates)
        if (!c.isEmpty() && QFileInfo(c).isExecutable())
            return c;
    return {};
}

}  // namespace

class TestTranslations : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void contextsAreTheRuntimeClassNames();
    void everyMessageTranslated();
    void placeholdersAcceleratorsAndTagsKept();
    void sourceBadgesStayShort();
    void reloadedMarkerIsInReloadedMessage();
    void compilesAndLoads();
    void schemaStringsAreCurrent();
    void coreAndSchemaTextsTranslated();

private:
    QList<Message> m_messages;
};

void TestTranslations::initTestCase()
{
    QString error;
    m_messages = readTs(tsPath, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY2(!m_messages.isEmpty(), qPrintable(tsPath + QStringLiteral(" holds no messages")));
}

void TestTranslations::contextsAreTheRuntimeClassNames()
{
    // tr() in a Q_OBJECT class looks up its fully qualified class name. A .ts file made by lupdate
    // without the include paths has bare names ("ConfigPanel") the app never asks for.
    QSet<QString> contexts;
    for (const Message &m : std::as_const(m_messages))
        contexts.insert(m.context);
    const QStringList expected = {
        QStringLiteral("codex::ui::ConfigPanel"),         QStringLiteral("codex::ui::ConfigPage"),
        QStringLiteral("codex::ui::MainWindow"),          QStringLiteral("codex::ui::DiffDialog"),
        QStringLiteral("codex::models::ConfigKeyModel"),  QStringLiteral("codex::models::EnvironmentModel"),
        QStringLiteral("PrecedenceProfile"),
        // Core messages shown on the Config page, and the texts of resources/schemas/*.json.
        QStringLiteral("ConfigResolver"),                 QStringLiteral("ConfigEditor"),
        QStringLiteral("ConfigSchema"),                   QStringLiteral("schema"),
    };
    QStringList missing;
    for (const QString &c : expected)
        if (!contexts.contains(c))
            missing.append(c);
    QStringList stray;
    for (const QString &c : std::as_const(contexts))
        for (const QString &e : expected)
            if (e.contains(QLatin1String("::")) && e.section(QStringLiteral("::"), -1) == c)
                stray.append(c);
    QVERIFY2(missing.isEmpty() && stray.isEmpty(),
             qPrintable(QStringLiteral("contexts missing: %1; contexts without their namespace: %2 "
                                       "(run lupdate with -I src -I src/core)")
                            .arg(missing.join(QStringLiteral(", ")), stray.join(QStringLiteral(", ")))));
}

void TestTranslations::everyMessageTranslated()
{
    QStringList bad;
    for (const Message &m : std::as_const(m_messages)) {
        if (m.type == QLatin1String("vanished") || m.type == QLatin1String("obsolete"))
            continue;  // no longer in the sources; lupdate -no-obsolete drops them
        bool empty = m.translations.isEmpty();
        for (const QString &t : m.translations)
            empty = empty || t.trimmed().isEmpty();
        if (m.type == QLatin1String("unfinished"))
            bad.append(describe(m) + QStringLiteral(" is unfinished"));
        else if (empty)
            bad.append(describe(m) + QStringLiteral(" has an empty translation"));
    }
    QVERIFY2(bad.isEmpty(), qPrintable(QStringLiteral("%1 of %2 messages in %3 are not translated "
                                                      "(run lupdate, then translate them):\n%4")
                                           .arg(bad.size())
                                           .arg(m_messages.size())
                                           .arg(tsPath, bad.join(QLatin1Char('\n')))));
}

void TestTranslations::placeholdersAcceleratorsAndTagsKept()
{
    QStringList bad;
    for (const Message &m : std::as_const(m_messages)) {
        if (m.type == QLatin1String("vanished") || m.type == QLatin1String("obsolete"))
            continue;
        const QSet<int> srcArgs = placeholders(m.source);
        const int srcAccel = accelerators(m.source);
        const QMap<QString, int> srcTags = htmlTags(m.source);
        for (const QString &t : m.translations) {
            if (t.isEmpty())
                continue;  // reported by everyMessageTranslated
            const QSet<int> trArgs = placeholders(t);
            QStringList lost;
            for (int n : srcArgs)
                if (!trArgs.contains(n))
                    lost.append(QStringLiteral("%") + QString::number(n));
            if (!lost.isEmpty())
                bad.append(describe(m) + QStringLiteral(": placeholder %1 lost in \"%2\"").arg(lost.join(QLatin1Char(' ')), t));
            QStringList added;
            for (int n : trArgs)
                if (!srcArgs.contains(n))
                    added.append(QStringLiteral("%") + QString::number(n));
            if (!added.isEmpty())
                bad.append(describe(m) + QStringLiteral(": placeholder %1 not in the source, in \"%2\"").arg(added.join(QLatin1Char(' ')), t));
            const int trAccel = accelerators(t);
            if (srcAccel > 0 && trAccel == 0)
                bad.append(describe(m) + QStringLiteral(": '&' accelerator lost in \"%1\"").arg(t));
            else if (trAccel > 1 || (srcAccel == 0 && trAccel > 0))
                bad.append(describe(m) + QStringLiteral(": %1 '&' accelerators in \"%2\" (source has %3)").arg(QString::number(trAccel), t, QString::number(srcAccel)));
            const QMap<QString, int> trTags = htmlTags(t);
            if (trTags != srcTags) {
                int srcCount = 0, trCount = 0;
                for (int c : srcTags)
                    srcCount += c;
                for (int c : trTags)
                    trCount += c;
                bad.append(describe(m) + QStringLiteral(": HTML tags differ (%1 in the source, %2 in \"%3\")").arg(QString::number(srcCount), QString::number(trCount), t));
            }
        }
    }
    QVERIFY2(bad.isEmpty(), qPrintable(QStringLiteral("%1 translations in %2 break their source's markup:\n%3")
                                           .arg(bad.size())
                                           .arg(tsPath, bad.join(QLatin1Char('\n')))));
}

void TestTranslations::sourceBadgesStayShort()
{
    // ConfigKeyModel::sourceLabel() renders in a narrow coloured badge beside each field.
    const QStringList layers = {QStringLiteral("default"), QStringLiteral("file"), QStringLiteral("env"),
                                QStringLiteral(".env"), QStringLiteral("override")};
    QStringList bad;
    int found = 0;
    for (const Message &m : std::as_const(m_messages)) {
        if (m.context.endsWith(QLatin1String("ConfigKeyModel")) && layers.contains(m.source) && !m.translations.isEmpty()) {
            ++found;
            if (m.translations.first().size() > 13)
                bad.append(describe(m) + QStringLiteral(": \"%1\" is %2 characters").arg(m.translations.first(), QString::number(m.translations.first().size())));
        }
    }
    QCOMPARE(found, int(layers.size()));
    QVERIFY2(bad.isEmpty(), qPrintable(QStringLiteral("badge labels longer than 13 characters:\n") + bad.join(QLatin1Char('\n'))));
}

void TestTranslations::reloadedMarkerIsInReloadedMessage()
{
    // ConfigPanel keeps the "…was reloaded." banner by looking for tr("reloaded") in its text.
    QString marker, message;
    for (const Message &m : std::as_const(m_messages)) {
        if (!m.context.endsWith(QLatin1String("ConfigPanel")) || m.translations.isEmpty())
            continue;
        if (m.source == QLatin1String("reloaded"))
            marker = m.translations.first();
        else if (m.source == QLatin1String("%1 changed on disk and was reloaded."))
            message = m.translations.first();
    }
    if (marker.isEmpty() || message.isEmpty())
        QSKIP("ConfigPanel no longer has the reloaded banner strings");
    QVERIFY2(message.contains(marker), qPrintable(QStringLiteral("\"%1\" does not contain \"%2\"").arg(message, marker)));
}

void TestTranslations::compilesAndLoads()
{
    const QString lrelease = findLrelease();
    QVERIFY2(!lrelease.isEmpty(), "lrelease not found (Qt6 LinguistTools)");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString qm = dir.filePath(QStringLiteral("codex-admin_de.qm"));
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(lrelease, {tsPath, QStringLiteral("-qm"), qm});
    QVERIFY2(p.waitForFinished(60000), qPrintable(lrelease + QStringLiteral(" did not finish")));
    const QString output = QString::fromLocal8Bit(p.readAll());
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, qPrintable(output));
    QVERIFY2(!output.contains(QLatin1String("rror")) && !output.contains(QLatin1String("arning")), qPrintable(output));
    QVERIFY2(output.contains(QLatin1String(" 0 unfinished")), qPrintable(output));

    QTranslator translator;
    QVERIFY2(translator.load(qm), qPrintable(QStringLiteral("cannot load ") + qm));
    QCOMPARE(translator.language(), QStringLiteral("de_DE"));

    // Known strings, looked up by the context tr() uses at run time: the class name moc records,
    // with its namespace. (lupdate only writes those when it finds the headers: -I src -I src/core.)
    QCOMPARE(translator.translate("codex::ui::MainWindow", "&File"), QStringLiteral("&Datei"));
    QCOMPARE(translator.translate("codex::models::ConfigKeyModel", "file"), QStringLiteral("Datei"));

    // And through real code: the profile titles are translated when first built.
    QVERIFY(QCoreApplication::installTranslator(&translator));
    const QString title = codex::config::PrecedenceProfile::byKind(codex::config::ProfileKind::ArchiveA).title;
    QCoreApplication::removeTranslator(&translator);
    QCOMPARE(title, QStringLiteral("Archiv — generation A"));

    // And every finished singular message comes back out of the .qm as written in the .ts.
    QStringList bad;
    for (const Message &m : std::as_const(m_messages)) {
        if (!m.type.isEmpty() || m.numerus || m.translations.isEmpty())
            continue;
        const QString got = translator.translate(m.context.toUtf8().constData(), m.source.toUtf8().constData(),
                                                 m.comment.isEmpty() ? nullptr : m.comment.toUtf8().constData());
        if (got != m.translations.first())
            bad.append(describe(m) + QStringLiteral(" → \"%1\"").arg(got));
    }
    QVERIFY2(bad.isEmpty(), qPrintable(QStringLiteral("not in the compiled .qm:\n") + bad.join(QLatin1Char('\n'))));
}

void TestTranslations::schemaStringsAreCurrent()
{
    // src/ui/SchemaStrings.cpp is generated from the schemas so that lupdate sees their texts.
    QString error;
    const QSet<QString> expected = schemaTexts(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QSet<QString> listed =
        translateCalls(QStringLiteral(CODEXADMIN_SOURCE_DIR "/src/ui/SchemaStrings.cpp"), QStringLiteral("schema"), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QStringList missing = sortedList(expected - listed);
    const QStringList stale = sortedList(listed - expected);
    QVERIFY2(missing.isEmpty() && stale.isEmpty(),
             qPrintable(QStringLiteral("src/ui/SchemaStrings.cpp is out of date with resources/schemas "
                                       "(run python3 tools/schema_strings.py, then lupdate):\n"
                                       "missing:\n  %1\nno longer in a schema:\n  %2")
                            .arg(missing.join(QStringLiteral("\n  ")), stale.join(QStringLiteral("\n  ")))));
}

void TestTranslations::coreAndSchemaTextsTranslated()
{
    // Every text the core sources pass to QCoreApplication::translate() and every schema text has a
    // finished translation in the .ts file (lupdate was run after the last change).
    QHash<QString, QSet<QString>> required;
    QString error;
    const QDir config(QStringLiteral(CODEXADMIN_SOURCE_DIR "/src/core/config"));
    for (const QString &context : {QStringLiteral("ConfigResolver"), QStringLiteral("ConfigEditor"), QStringLiteral("ConfigSchema")}) {
        for (const QString &file : config.entryList({QStringLiteral("*.cpp")}, QDir::Files, QDir::Name))
            required[context] += translateCalls(config.filePath(file), context, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QVERIFY2(!required[context].isEmpty(), qPrintable(QStringLiteral("no translate(\"%1\", …) in src/core/config").arg(context)));
    }
    required[QStringLiteral("schema")] = schemaTexts(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));

    QHash<QString, QHash<QString, const Message *>> ts;
    for (const Message &m : std::as_const(m_messages))
        if (required.contains(m.context))
            ts[m.context].insert(m.source, &m);
    QStringList bad;
    for (auto it = required.cbegin(); it != required.cend(); ++it) {
        for (const QString &text : sortedList(it.value())) {
            const Message *m = ts.value(it.key()).value(text);
            if (!m)
                bad.append(QStringLiteral("  [%1] \"%2\" is not in the .ts file").arg(it.key(), text));
            else if (!m->type.isEmpty() || m->translations.isEmpty() || m->translations.first().trimmed().isEmpty())
                bad.append(describe(*m) + QStringLiteral(" is not translated"));
        }
    }
    QVERIFY2(bad.isEmpty(), qPrintable(QStringLiteral("%1 core or schema texts are not translated (run lupdate as in "
                                                      "src/ui/CMakeLists.txt, then translate them):\n%2")
                                           .arg(bad.size())
                                           .arg(bad.join(QLatin1Char('\n')))));
}

QTEST_GUILESS_MAIN(TestTranslations)
#include "tst_translations.moc"
