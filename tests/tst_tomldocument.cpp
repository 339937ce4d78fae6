// TomlDocument: byte-preserving edits over a corpus of real-world-style TOML files.
#include "TestUtil.h"

#include "core/config/TomlDocument.h"

#include <QDate>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTime>
#include <QUrl>

#include <cmath>
#include <limits>

using namespace codex::config;

namespace {

QStringList corpusFiles()
{
    return QDir(testutil::dataPath(QStringLiteral("toml"))).entryList({QStringLiteral("*.toml")}, QDir::Files, QDir::Name);
}

QByteArray corpus(const QString &name)
{
    return testutil::readFile(testutil::dataPath(QStringLiteral("toml/") + name));
}

QByteArray toCrlf(QByteArray lf)
{
    return lf.replace("\n", "\r\n");
}

// Byte offset of an editor position; columns count code points, and toml++ starts line 1 after a BOM.
qsizetype byteOffset(const QByteArray &b, TomlPosition p)
{
    qsizetype i = b.startsWith("\xEF\xBB\xBF") ? 3 : 0;
    for (int line = 1; line < p.line; ++line)
        i = b.indexOf('\n', i) + 1;
    for (int col = 1; col < p.column; ++col) {
        ++i;
        while (i < b.size() && (uchar(b[i]) & 0xC0) == 0x80)
            ++i;
    }
    return i;
}

bool sameValue(const QVariant &a, const QVariant &b)
{
    if (a.typeId() == QMetaType::Double && b.typeId() == QMetaType::Double && std::isnan(a.toDouble()))
        return std::isnan(b.toDouble());
    return a == b;
}

// The value a one-line document "v = span" holds, to prove a byte span is exactly one value.
std::optional<QVariant> spanValue(const QByteArray &span)
{
    const TomlDocument doc = TomlDocument::fromBytes("v = " + span + "\n");
    if (!doc.isValid() || doc.entries().size() != 1)
        return std::nullopt;
    return doc.entries().first().value;
}

// Where the value starting at start ends: the shortest span that is the whole old value and after
// which the original and edited bytes agree to the end.
qsizetype valueEnd(const QByteArray &orig, const QByteArray &edited, qsizetype start, const QVariant &oldValue)
{
    static const QRegularExpression after(QStringLiteral("^[ \\t]*(#|\\r?\\n|,|\\]|\\}|$)"));
    for (qsizetype e = start + 1; e <= orig.size(); ++e) {
        const qsizetype tail = orig.size() - e;
        if (tail > edited.size() - start || orig.right(tail) != edited.right(tail))
            continue;
        if (!after.match(QString::fromUtf8(orig.mid(e, 8))).hasMatch())
            continue;
        if (const auto v = spanValue(orig.mid(start, e - start)); v && sameValue(*v, oldValue))
            return e;
    }
    return -1;
}

QVariant different(const TomlEntry &e)
{
    const QVariant &v = e.value;
    switch (e.type) {
    case TomlType::Boolean: return !v.toBool();
    case TomlType::Integer: {
        const qint64 i = v.toLongLong();
        return QVariant::fromValue<qint64>(i == std::numeric_limits<qint64>::max() ? i - 1 : i + 1);
    }
    case TomlType::Float: {
        const double x = v.toDouble();
        return std::isnan(x) || std::isinf(x) ? 2.5 : (x == 0 ? 1.25 : x * 2);
    }
    case TomlType::String: return v.toString() + QStringLiteral("X");
    case TomlType::Date: return v.toDate().addDays(1);
    case TomlType::Time: return v.toTime().addSecs(1);
    case TomlType::DateTime: return v.toDateTime().addSecs(60);
    default: return {};
    }
}

// Whether writing the original value back can reproduce its exact spelling.
bool canonicalSpelling(const QByteArray &span, const TomlEntry &e)
{
    if (e.type != TomlType::String)
        return span == TomlDocument::formatValue(e.value).toUtf8();
    if (!span.startsWith('"'))
        return true;  // literal strings are written back verbatim
    if (span.contains('\\') || span.contains('\t'))
        return false;  // escapes and raw tabs have more than one spelling
    return !(span.startsWith("\"\"\"") && span.mid(3, span.size() - 6).contains('"'));
}

}  // namespace

class TestTomlDocument : public QObject {
    Q_OBJECT

private slots:
    void corpusRoundTrip_data();
    void corpusRoundTrip();
    void editEveryScalar_data();
    void editEveryScalar();
    void addKeyToExistingTable();
    void addKeyToSubTableAndNewTable();
    void removeKey();
    void crlfStaysCrlf();
    void noTrailingNewline();
    void commentsSurvive();
    void inlineTables();
    void multiLineArrays();
    void multiLineStrings();
    void unicodeColumns();
    void literalStrings();
    void dottedKeys();
    void arraysOfTables();
    void malformedFile();
    void invalidUtf8();
    void bomAndEmpty();
    void largeFile();
    void refusedEdits();
    void formatValue();
    void copyAndMove();
    void mutationsNeverBreak();
    void inPlaceEditsMatchAFullParse_data();
    void inPlaceEditsMatchAFullParse();
};

void TestTomlDocument::corpusRoundTrip_data()
{
    QTest::addColumn<QString>("file");
    const QStringList files = corpusFiles();
    QVERIFY(files.size() >= 10);
    for (const QString &f : files)
        QTest::newRow(qPrintable(f)) << f;
}

void TestTomlDocument::corpusRoundTrip()
{
    QFETCH(QString, file);
    for (const QByteArray &bytes : {corpus(file), toCrlf(corpus(file))}) {
        const TomlDocument doc = TomlDocument::fromBytes(bytes);
        QVERIFY2(doc.isValid(), qPrintable(doc.error().describe(file)));
        QCOMPARE(doc.bytes(), bytes);
        QVERIFY(!doc.entries().isEmpty());
        QCOMPARE(doc.usesCrlf(), bytes.contains("\r\n"));
        // Entries come in file order and every one is found by its key.
        TomlPosition last;
        for (const TomlEntry &e : doc.entries()) {
            QVERIFY2(e.position.line > last.line || (e.position.line == last.line && e.position.column > last.column), qPrintable(e.key));
            last = e.position;
            const auto found = doc.find(e.key);
            QVERIFY2(found && found->position.line == e.position.line, qPrintable(e.key));
        }
        const TomlDocument reparsed = TomlDocument::fromBytes(doc.bytes());
        QCOMPARE(reparsed.entries().size(), doc.entries().size());
    }
}

void TestTomlDocument::editEveryScalar_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("crlf");
    for (const QString &f : corpusFiles()) {
        QTest::newRow(qPrintable(f)) << f << false;
        QTest::newRow(qPrintable(f + QStringLiteral(" crlf"))) << f << true;
    }
}

void TestTomlDocument::editEveryScalar()
{
    QFETCH(QString, file);
    QFETCH(bool, crlf);
    const QByteArray orig = crlf ? toCrlf(corpus(file)) : corpus(file);
    const TomlDocument original = TomlDocument::fromBytes(orig);
    QVERIFY(original.isValid());
    int edited = 0;
    for (const TomlEntry &e : original.entries()) {
        const QVariant next = different(e);
        if (!next.isValid())
            continue;
        const QByteArray what = (file + QLatin1Char(' ') + e.key).toUtf8();
        TomlDocument doc = original;
        TomlError err;
        QVERIFY2(doc.setValue(e.key, next, &err), qPrintable(what + ": " + err.message.toUtf8()));
        QVERIFY2(doc.isValid(), what.constData());
        const auto readBack = doc.find(e.key);
        QVERIFY2(readBack && sameValue(readBack->value, next), what.constData());
        QCOMPARE(readBack->position.line, e.position.line);
        QCOMPARE(readBack->position.column, e.position.column);
        QCOMPARE(doc.entries().size(), original.entries().size());

        // Only the value's own bytes changed: the same prefix, and the old span was exactly the value.
        const QByteArray now = doc.bytes();
        const qsizetype start = byteOffset(orig, e.position);
        QVERIFY2(now.left(start) == orig.left(start), what.constData());
        const qsizetype end = valueEnd(orig, now, start, e.value);
        QVERIFY2(end > start, what.constData());
        const QByteArray newSpan = now.mid(start, now.size() - (orig.size() - end) - start);
        const auto newValue = spanValue(newSpan);
        QVERIFY2(newValue && sameValue(*newValue, next), what.constData());
        if (crlf)
            QCOMPARE(now.count("\r\n"), now.count('\n'));

        // And back again.
        QVERIFY2(doc.setValue(e.key, e.value, &err), qPrintable(what + ": " + err.message.toUtf8()));
        QVERIFY2(sameValue(doc.find(e.key)->value, e.value), what.constData());
        if (canonicalSpelling(orig.mid(start, end - start), e))
            QVERIFY2(doc.bytes() == orig, what.constData());
        ++edited;
    }
    QVERIFY(edited > 0);
}

void TestTomlDocument::addKeyToExistingTable()
{
    const QByteArray orig = corpus(QStringLiteral("archive.toml"));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    TomlError err;
    QVERIFY2(doc.setValue(QStringLiteral("retry.jitter"), 0.5, &err), qPrintable(err.message));
    QByteArray expected = orig;
    expected.replace("max_delay = 30.0\n", "max_delay = 30.0\njitter = 0.5\n");
    QCOMPARE(doc.bytes(), expected);
    QCOMPARE(doc.find(QStringLiteral("retry.jitter"))->value.toDouble(), 0.5);

    // The last table of the file, and the root table (which has no keys before its first header).
    QVERIFY(doc.setValue(QStringLiteral("performance.threads"), 2));
    QVERIFY(doc.bytes().endsWith("compression = \"zstd\"\nthreads = 2\n"));
    QVERIFY(doc.setValue(QStringLiteral("version"), 1));
    QVERIFY(doc.bytes().startsWith("# Codex archive configuration\n# Values here are overridden by CODEX_ARCHIVE_* environment variables.\n\nversion = 1\n\n[backend]\n"));
    // Comment lines glued to the first header stay with it.
    TomlDocument glued = TomlDocument::fromBytes("\n# about t\n[t]\nx = 1\n");
    QVERIFY(glued.setValue(QStringLiteral("top"), true));
    QCOMPARE(glued.bytes(), QByteArray("\ntop = true\n\n# about t\n[t]\nx = 1\n"));
    QCOMPARE(doc.find(QStringLiteral("version"))->value.toLongLong(), 1);
    QCOMPARE(doc.find(QStringLiteral("backend.type"))->value.toString(), QStringLiteral("sqlite"));
}

void TestTomlDocument::addKeyToSubTableAndNewTable()
{
    const QByteArray orig = corpus(QStringLiteral("ccproxy.toml"));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    TomlError err;
    QVERIFY2(doc.setValue(QStringLiteral("plugins.codex.timeout"), 30, &err), qPrintable(err.message));
    QByteArray expected = orig;
    expected.replace("originator = \"codex_cli_rs\" }\n", "originator = \"codex_cli_rs\" }\ntimeout = 30\n");
    QCOMPARE(doc.bytes(), expected);

    QVERIFY(doc.setValue(QStringLiteral("metrics.port"), 9100));
    expected += "\n[metrics]\nport = 9100\n";
    QCOMPARE(doc.bytes(), expected);
    QVERIFY(doc.hasTable(QStringLiteral("metrics")));

    QVERIFY(doc.setValue(QStringLiteral("plugins.\"new plugin\".enabled"), true));
    expected += "\n[plugins.\"new plugin\"]\nenabled = true\n";
    QCOMPARE(doc.bytes(), expected);
    QVERIFY(doc.find(QStringLiteral("plugins.\"new plugin\".enabled"))->value.toBool());

    // An empty table header gets the key right below it.
    TomlDocument empty = TomlDocument::fromBytes("[a]\n\n[b]\nx = 1\n");
    QVERIFY(empty.setValue(QStringLiteral("a.k"), QStringLiteral("v")));
    QCOMPARE(empty.bytes(), QByteArray("[a]\nk = \"v\"\n\n[b]\nx = 1\n"));
    // A table that exists only as the parent of a header gets its own header at the end.
    TomlDocument implicit = TomlDocument::fromBytes("[a.b]\nc = 1\n");
    QVERIFY(implicit.hasTable(QStringLiteral("a")));
    QVERIFY(implicit.setValue(QStringLiteral("a.d"), 2));
    QCOMPARE(implicit.bytes(), QByteArray("[a.b]\nc = 1\n\n[a]\nd = 2\n"));
}

void TestTomlDocument::removeKey()
{
    const QByteArray orig = corpus(QStringLiteral("archive.toml"));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    TomlError err;
    QVERIFY2(doc.removeKey(QStringLiteral("retry.backoff"), &err), qPrintable(err.message));
    QByteArray expected = orig;
    expected.replace("backoff = 2.5\n", "");
    QCOMPARE(doc.bytes(), expected);
    QVERIFY(!doc.find(QStringLiteral("retry.backoff")));

    QVERIFY(doc.removeKey(QStringLiteral("logging.level")));  // with its trailing comment
    expected.replace("level = \"info\"   # debug, info, warning, error\n", "");
    QCOMPARE(doc.bytes(), expected);

    QVERIFY(!doc.removeKey(QStringLiteral("retry.nope"), &err));
    QVERIFY(err.message.contains(QStringLiteral("\"retry.nope\"")));
    QVERIFY(!doc.removeKey(QStringLiteral("retry"), &err));
    QVERIFY(err.message.contains(QStringLiteral("table")));
    QCOMPARE(doc.bytes(), expected);

    // The last line of a file without a newline at the end.
    TomlDocument tail = TomlDocument::fromBytes("a = 1\nb = 2");
    QVERIFY(tail.removeKey(QStringLiteral("b")));
    QCOMPARE(tail.bytes(), QByteArray("a = 1\n"));
}

void TestTomlDocument::crlfStaysCrlf()
{
    const QByteArray orig = toCrlf(corpus(QStringLiteral("archive.toml")));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    QVERIFY(doc.usesCrlf());
    QVERIFY(doc.setValue(QStringLiteral("batch.retries"), 2));
    QByteArray expected = orig;
    expected.replace("flush_interval = 0.25\r\n", "flush_interval = 0.25\r\nretries = 2\r\n");
    QCOMPARE(doc.bytes(), expected);
    QVERIFY(doc.setValue(QStringLiteral("new.key"), QStringLiteral("v")));
    expected += "\r\n[new]\r\nkey = \"v\"\r\n";
    QCOMPARE(doc.bytes(), expected);
    QVERIFY(doc.removeKey(QStringLiteral("batch.size")));
    expected.replace("size = 500\r\n", "");
    QCOMPARE(doc.bytes(), expected);

    // Newlines written inside a multi-line string follow the file too.
    TomlDocument strings = TomlDocument::fromBytes(toCrlf(corpus(QStringLiteral("strings.toml"))));
    QVERIFY(strings.setValue(QStringLiteral("multi_basic"), QStringLiteral("a\nb")));
    QVERIFY(strings.bytes().contains("multi_basic = \"\"\"\r\na\r\nb\"\"\"\r\n"));
    QCOMPARE(strings.bytes().count("\r\n"), strings.bytes().count('\n'));
    QCOMPARE(strings.find(QStringLiteral("multi_basic"))->value.toString(), QStringLiteral("a\nb"));
}

void TestTomlDocument::noTrailingNewline()
{
    const QByteArray orig = corpus(QStringLiteral("no_newline.toml"));
    QVERIFY(!orig.endsWith('\n'));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    QVERIFY(doc.isValid());
    QVERIFY(doc.setValue(QStringLiteral("section.last"), 22));
    QCOMPARE(doc.bytes(), QByteArray(orig).replace("last = 1", "last = 22"));
    QVERIFY(doc.setValue(QStringLiteral("section.extra"), true));
    QCOMPARE(doc.bytes(), QByteArray(orig).replace("last = 1", "last = 22\nextra = true"));
    QVERIFY(doc.setValue(QStringLiteral("other.k"), 1));
    QCOMPARE(doc.bytes(), QByteArray(orig).replace("last = 1", "last = 22\nextra = true\n\n[other]\nk = 1\n"));
}

void TestTomlDocument::commentsSurvive()
{
    const QByteArray orig = corpus(QStringLiteral("comments.toml"));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    QVERIFY(doc.setValue(QStringLiteral("section.alpha"), 5));
    QVERIFY(doc.bytes().contains("alpha = 5 # note\n"));
    QVERIFY(doc.setValue(QStringLiteral("section.gamma"), QStringLiteral("3")));
    QVERIFY(doc.bytes().contains("gamma = '3'#no space before hash\n"));
    QVERIFY(doc.setValue(QStringLiteral("section.delta"), 4));
    QVERIFY(doc.bytes().contains("gamma = '3'#no space before hash\ndelta = 4\n\n# A comment that belongs to the next section\n\n[other]"));
    QVERIFY(doc.setValue(QStringLiteral("other.extra"), 1));
    QVERIFY(doc.bytes().contains("value = true # last\nextra = 1\n# trailing comment at end of section\n"));
    QVERIFY(doc.setValue(QStringLiteral("count"), 11));
    QVERIFY(doc.bytes().contains("count = 11          # aligned comment\n"));
    QVERIFY(doc.setValue(QStringLiteral("top"), 0));
    QVERIFY(doc.bytes().contains("count = 11          # aligned comment\ntop = 0\n\n# ----"));
    QVERIFY(doc.bytes().endsWith("\n\n# end of file comment\n"));

    // Weird spacing and tabs: the inserted line copies the indentation of the line it follows.
    TomlDocument spacing = TomlDocument::fromBytes(corpus(QStringLiteral("spacing.toml")));
    QVERIFY(spacing.setValue(QStringLiteral("title"), QStringLiteral("t")));
    QVERIFY(spacing.bytes().startsWith("title    =    \"t\"     # c\n"));
    QVERIFY(spacing.setValue(QStringLiteral("table.\"sub table\".w"), 3));
    QVERIFY(spacing.bytes().contains("    z =-17\n    w = 3\n[\ttabs\t]"));
    QCOMPARE(spacing.find(QStringLiteral("spaced.key.path"))->value.toString(), QStringLiteral("dots"));
}

void TestTomlDocument::inlineTables()
{
    const QByteArray orig = corpus(QStringLiteral("inline.toml"));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    const auto point = doc.find(QStringLiteral("point"));
    QVERIFY(point);
    QCOMPARE(point->type, TomlType::Table);
    QCOMPARE(point->value.toMap().value(QStringLiteral("y")).toLongLong(), 2);
    QVERIFY(doc.hasTable(QStringLiteral("point")));
    QVERIFY(doc.hasTable(QStringLiteral("nested.inner.deep")));

    TomlError err;
    QVERIFY2(doc.setValue(QStringLiteral("point.z"), 3, &err), qPrintable(err.message));
    QVERIFY(doc.bytes().startsWith("point = { x = 1, y = 2, z = 3 }\n"));
    QVERIFY(doc.setValue(QStringLiteral("point.x"), 10));
    QVERIFY(doc.bytes().startsWith("point = { x = 10, y = 2, z = 3 }\n"));
    QVERIFY(doc.removeKey(QStringLiteral("point.x")));
    QVERIFY(doc.bytes().startsWith("point = { y = 2, z = 3 }\n"));
    QVERIFY(doc.removeKey(QStringLiteral("point.z")));
    QVERIFY(doc.bytes().startsWith("point = { y = 2 }\n"));
    QVERIFY(doc.removeKey(QStringLiteral("point.y")));
    QVERIFY(doc.bytes().startsWith("point = {}\n"));
    QVERIFY(doc.setValue(QStringLiteral("empty.a"), 1));
    QVERIFY(doc.bytes().contains("\nempty = { a = 1 }\n"));
    QVERIFY(doc.setValue(QStringLiteral("nested.inner.deep.value"), QStringLiteral("y")));
    QVERIFY(doc.bytes().contains("nested = { inner = { deep = { value = \"y\" } }, flag = false }\n"));
    QVERIFY(doc.setValue(QStringLiteral("animal.type.size"), QStringLiteral("small")));
    QVERIFY(doc.bytes().contains("animal = { type.name = \"pug\", type.size = \"small\" }\n"));
    QVERIFY(doc.setValue(QStringLiteral("name.middle.initial"), QStringLiteral("J")));
    QVERIFY(doc.bytes().contains("last = \"Preston-Werner\", middle.initial = \"J\" }\n"));
    QVERIFY(doc.setValue(QStringLiteral("spaced.b"), 20));
    QVERIFY(doc.bytes().contains("spaced = {a=1,b=20   ,  c = 3}\n"));
    QVERIFY(doc.removeKey(QStringLiteral("spaced.b")));
    QVERIFY(doc.bytes().contains("spaced = {a=1,c = 3}\n"));
    QVERIFY(doc.setValue(QStringLiteral("servers.alpha.ports"), QVariantList{80, 443}));
    QVERIFY(doc.bytes().contains("alpha = { ip = \"10.0.0.1\", role = \"frontend\", ports = [80, 443] }\n"));
    QVERIFY(doc.setValue(QStringLiteral("servers.beta"), QVariantMap{{QStringLiteral("ip"), QStringLiteral("h")}}));
    QVERIFY(doc.bytes().endsWith("beta = { ip = \"h\" }\n"));
    QVERIFY(doc.removeKey(QStringLiteral("servers.alpha")));
    QVERIFY(doc.bytes().endsWith("[servers]\nbeta = { ip = \"h\" }\n"));
}

void TestTomlDocument::multiLineArrays()
{
    const QByteArray orig = corpus(QStringLiteral("arrays.toml"));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    const auto multi = doc.find(QStringLiteral("multi"));
    QVERIFY(multi);
    QCOMPARE(multi->type, TomlType::Array);
    QCOMPARE(multi->value.toList().size(), 3);
    QCOMPARE(doc.find(QStringLiteral("mixed_nested"))->value.toList().at(2).toList().at(0).toList().at(0).toBool(), true);
    QCOMPARE(doc.find(QStringLiteral("tables"))->value.toList().at(1).toMap().value(QStringLiteral("name")).toString(), QStringLiteral("b"));

    QVERIFY(doc.setValue(QStringLiteral("multi"), QStringList{QStringLiteral("x"), QStringLiteral("y")}));
    QVERIFY(doc.bytes().contains("empty = []\nints = [1, 2, 3]\nmixed_nested = [[1, 2], [\"a\", 'b'], [[true], []]]\nmulti = [\"x\", \"y\"]\ntables = ["));
    QCOMPARE(doc.find(QStringLiteral("after"))->position.line, 7);
    QVERIFY(doc.setValue(QStringLiteral("matrix.label"), QStringLiteral("I")));
    QVERIFY(doc.bytes().endsWith("  [0, 0, 1],\n]\nlabel = \"I\"\n"));
    QVERIFY(doc.setValue(QStringLiteral("matrix.size"), 3));
    QVERIFY(doc.bytes().endsWith("label = \"I\"\nsize = 3\n"));
    QVERIFY(doc.removeKey(QStringLiteral("matrix.rows")));
    QVERIFY(doc.bytes().endsWith("[matrix]\nlabel = \"I\"\nsize = 3\n"));

    TomlDocument again = TomlDocument::fromBytes(orig);
    QVERIFY(again.removeKey(QStringLiteral("multi")));
    QVERIFY(again.bytes().contains("[[true], []]]\ntables = "));
}

void TestTomlDocument::multiLineStrings()
{
    const QByteArray orig = corpus(QStringLiteral("strings.toml"));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    QCOMPARE(doc.find(QStringLiteral("multi_basic"))->value.toString(), QStringLiteral("Roses are red\nViolets are blue"));
    QCOMPARE(doc.find(QStringLiteral("multi_basic_continued"))->value.toString(), QStringLiteral("The quick brown fox jumps over the lazy dog."));
    QVERIFY(doc.setValue(QStringLiteral("multi_literal"), QStringLiteral("one\ntwo\n")));
    QVERIFY(doc.bytes().contains("multi_literal = '''\none\ntwo\n'''\nquotes_inside"));
    QVERIFY(doc.setValue(QStringLiteral("multi_literal"), QStringLiteral("it's \"q\"")));  // a quote forces basic
    QVERIFY(doc.bytes().contains("multi_literal = \"\"\"\nit's \\\"q\\\"\"\"\"\nquotes_inside"));
    QCOMPARE(doc.find(QStringLiteral("multi_literal"))->value.toString(), QStringLiteral("it's \"q\""));
    QVERIFY(doc.setValue(QStringLiteral("multi_basic_continued"), QStringLiteral("\nstarts with newline")));
    QCOMPARE(doc.find(QStringLiteral("multi_basic_continued"))->value.toString(), QStringLiteral("\nstarts with newline"));
    QVERIFY(doc.removeKey(QStringLiteral("multi_basic")));
    QVERIFY(doc.bytes().contains("empty_literal = ''\nmulti_basic_continued = "));
    QCOMPARE(doc.find(QStringLiteral("after"))->value.toString(), QStringLiteral("still parsed"));
}

void TestTomlDocument::unicodeColumns()
{
    const QByteArray orig = corpus(QStringLiteral("unicode.toml"));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    QVERIFY(doc.isValid());
    const auto emoji = doc.find(QStringLiteral("emoji"));
    QVERIFY(emoji);
    QCOMPARE(emoji->position.line, 4);
    QCOMPARE(emoji->position.column, 9);
    const auto key = doc.find(QStringLiteral("\"ключ\""));
    QVERIFY(key);
    QCOMPARE(key->position.column, 10);  // characters, not the 13 bytes before it
    QCOMPARE(key->value.toString(), QStringLiteral("значение"));
    QVERIFY(doc.find(QStringLiteral("'ключ'")));  // any spelling of the same key

    QVERIFY(doc.setValue(QStringLiteral("\"日本語\""), QStringLiteral("さようなら")));
    QVERIFY(doc.bytes().contains("\"日本語\" = \"さようなら\"\n"));
    QVERIFY(doc.setValue(QStringLiteral("emoji"), QStringLiteral("✓")));
    QVERIFY(doc.bytes().contains("emoji = \"✓\" # 🎈 comment\n"));
    QVERIFY(doc.setValue(QStringLiteral("\"naïve\".\"café\""), QStringLiteral("thé")));
    QVERIFY(doc.bytes().contains("\"naïve\" = { \"café\" = \"thé\", n = 1 }\n"));
    QVERIFY(doc.setValue(QStringLiteral("\"таблица\".\"новый\""), 1));
    QVERIFY(doc.bytes().endsWith("\"ø\" = 3.25\n\"новый\" = 1\n"));
    QCOMPARE(doc.find(QStringLiteral("\"таблица\".\"ø\""))->position.column, 7);
}

void TestTomlDocument::literalStrings()
{
    TomlDocument doc = TomlDocument::fromBytes(corpus(QStringLiteral("strings.toml")));
    QCOMPARE(doc.find(QStringLiteral("literal"))->value.toString(), QStringLiteral("C:\\Users\\nodejs\\templates"));
    QVERIFY(doc.setValue(QStringLiteral("literal"), QStringLiteral("D:\\data")));
    QVERIFY(doc.bytes().contains("literal = 'D:\\data'\n"));
    QVERIFY(doc.setValue(QStringLiteral("literal"), QStringLiteral("it's")));
    QVERIFY(doc.bytes().contains("literal = \"it's\"\n"));
    QVERIFY(doc.setValue(QStringLiteral("regex"), QStringLiteral("tab\there")));
    QVERIFY(doc.bytes().contains("regex = 'tab\there'\n"));
    QVERIFY(doc.setValue(QStringLiteral("regex"), QStringLiteral("line\nbreak")));
    QVERIFY(doc.bytes().contains("regex = \"line\\nbreak\"\n"));
    QVERIFY(doc.setValue(QStringLiteral("basic"), QStringLiteral("q\"b\\")));
    QVERIFY(doc.bytes().startsWith("basic = \"q\\\"b\\\\\"\n"));
}

void TestTomlDocument::dottedKeys()
{
    const QByteArray orig = corpus(QStringLiteral("dotted.toml"));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    QVERIFY(doc.hasTable(QStringLiteral("retry")));
    QVERIFY(doc.hasTable(QStringLiteral("fruit.apple.taste")));
    QCOMPARE(doc.find(QStringLiteral("site.\"google.com\""))->value.toBool(), true);
    QCOMPARE(doc.entries().at(5).key, QStringLiteral("site.\"google.com\""));

    TomlError err;
    QVERIFY2(doc.setValue(QStringLiteral("retry.backoff"), 1.5, &err), qPrintable(err.message));
    QVERIFY(doc.bytes().contains("retry.max_attempts = 5\nretry.backoff = 1.5\nphysical.color"));
    QVERIFY(doc.setValue(QStringLiteral("fruit.apple.size"), 3));
    QVERIFY(doc.bytes().contains("apple.taste.sweet = true\napple.size = 3\nbanana"));
    QVERIFY(doc.setValue(QStringLiteral("fruit.apple.taste.sour"), false));
    QVERIFY(doc.bytes().contains("apple.taste.sweet = true\napple.taste.sour = false\napple.size = 3\n"));
    QVERIFY(doc.setValue(QStringLiteral("a.b.e"), 2));
    QVERIFY(doc.bytes().contains("a.b.c.d = 1\na.b.e = 2\n"));
    QVERIFY(doc.setValue(QStringLiteral("fruit.banana.size.unit"), QStringLiteral("mm")));
    QVERIFY(doc.setValue(QStringLiteral("fruit.apple.texture.rough"), false));
    QVERIFY(doc.bytes().endsWith("[fruit.apple.texture]\nsmooth = true\nrough = false\n"));

    const QByteArray before = doc.bytes();
    QVERIFY(!doc.setValue(QStringLiteral("retry.enabled.x"), 1, &err));
    QCOMPARE(err.message, QStringLiteral("cannot add \"retry.enabled.x\": \"retry.enabled\" is not a table"));
    QVERIFY(!doc.setValue(QStringLiteral("fruit.apple"), 1, &err));
    QVERIFY(err.message.contains(QStringLiteral("\"fruit.apple\" is a table")));
    QCOMPARE(doc.bytes(), before);
    QVERIFY(doc.removeKey(QStringLiteral("physical.shape")));
    QVERIFY(doc.bytes().contains("physical.color = \"orange\"\nsite."));
}

void TestTomlDocument::arraysOfTables()
{
    const QByteArray orig = corpus(QStringLiteral("aot.toml"));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    const auto products = doc.find(QStringLiteral("products"));
    QVERIFY(products);
    QCOMPARE(products->type, TomlType::Array);
    QCOMPARE(products->value.toList().size(), 3);
    QCOMPARE(products->value.toList().at(2).toMap().value(QStringLiteral("color")).toString(), QStringLiteral("gray"));
    QCOMPARE(products->position.line, 3);
    QVERIFY(!doc.find(QStringLiteral("products.name")));
    QVERIFY(doc.find(QStringLiteral("fruits")));
    QVERIFY(!doc.find(QStringLiteral("fruits.physical.color")));

    TomlError err;
    QVERIFY(!doc.setValue(QStringLiteral("products.name"), QStringLiteral("x"), &err));
    QVERIFY(err.message.contains(QStringLiteral("\"products\" is an array of tables")));
    QVERIFY(!doc.setValue(QStringLiteral("fruits.physical.color"), QStringLiteral("x"), &err));
    QVERIFY(!doc.removeKey(QStringLiteral("products.sku"), &err));
    QCOMPARE(doc.bytes(), orig);
    QVERIFY(doc.setValue(QStringLiteral("owner.name"), QStringLiteral("me")));
    QVERIFY(doc.setValue(QStringLiteral("owner.age"), 3));
    QVERIFY(doc.bytes().endsWith("[owner]\nname = \"me\"\nage = 3\n"));
    QVERIFY(doc.setValue(QStringLiteral("title"), QStringLiteral("t")));
    QVERIFY(doc.setValue(QStringLiteral("subtitle"), QStringLiteral("s")));
    QVERIFY(doc.bytes().startsWith("title = \"t\"\nsubtitle = \"s\"\n\n[[products]]"));
}

void TestTomlDocument::malformedFile()
{
    const TomlDocument doc = TomlDocument::fromBytes("a = 1\nb = 2\nc = 3 4\n");
    QVERIFY(!doc.isValid());
    QCOMPARE(doc.error().position.line, 3);
    QCOMPARE(doc.error().position.column, 7);
    QVERIFY(!doc.error().message.isEmpty());
    QVERIFY(doc.error().describe(QStringLiteral("archive.toml")).startsWith(QStringLiteral("archive.toml:3:7: ")));
    QVERIFY(doc.entries().isEmpty());
    TomlDocument copy = doc;
    TomlError err;
    QVERIFY(!copy.setValue(QStringLiteral("a"), 2, &err));
    QCOMPARE(copy.bytes(), doc.bytes());

    const TomlDocument unterminated = TomlDocument::fromBytes("[t]\nname = \"open\nnext = 1\n");
    QVERIFY(!unterminated.isValid());
    QCOMPARE(unterminated.error().position.line, 2);
    const TomlDocument duplicate = TomlDocument::fromBytes("a = 1\na = 2\n");
    QVERIFY(!duplicate.isValid());
    QCOMPARE(duplicate.error().position.line, 2);
    const TomlDocument unicodeError = TomlDocument::fromBytes("\"ä\" = ü\n");
    QVERIFY(!unicodeError.isValid());
    QCOMPARE(unicodeError.error().position.column, 7);
    QCOMPARE((TomlError{{}, QStringLiteral("m")}.describe(QStringLiteral("f"))), QStringLiteral("f: m"));
}

void TestTomlDocument::invalidUtf8()
{
    for (const QByteArray &bytes : {QByteArray("a = \"\xff\xfe\"\n"), QByteArray("a = 1\nb = \xc3\x28\n"),
                                    QByteArray("# \xed\xa0\x80 surrogate\n"), QByteArray("\xc3")}) {
        const TomlDocument doc = TomlDocument::fromBytes(bytes);
        QVERIFY(!doc.isValid());
        QVERIFY(doc.error().position.isValid());
        QVERIFY(!doc.error().message.isEmpty());
        QCOMPARE(doc.bytes(), bytes);
    }
    const TomlDocument doc = TomlDocument::fromBytes("a = 1\nb = \xc3\x28\n");
    QCOMPARE(doc.error().position.line, 2);
}

void TestTomlDocument::bomAndEmpty()
{
    for (const QByteArray &bytes : {QByteArray(), QByteArray("\n\n"), QByteArray("# only a comment")}) {
        TomlDocument doc = TomlDocument::fromBytes(bytes);
        QVERIFY(doc.isValid());
        QVERIFY(doc.entries().isEmpty());
        QVERIFY(doc.setValue(QStringLiteral("k"), 1));
        QCOMPARE(doc.find(QStringLiteral("k"))->value.toLongLong(), 1);
    }
    TomlDocument empty;
    QVERIFY(empty.isValid());
    QVERIFY(empty.setValue(QStringLiteral("t.k"), 1));
    QCOMPARE(empty.bytes(), QByteArray("[t]\nk = 1\n"));

    const QByteArray bom = "\xEF\xBB\xBF" + corpus(QStringLiteral("archive.toml"));
    TomlDocument doc = TomlDocument::fromBytes(bom);
    QVERIFY(doc.isValid());
    QCOMPARE(doc.bytes(), bom);
    QVERIFY(doc.setValue(QStringLiteral("backend.type"), QStringLiteral("postgres")));
    QCOMPARE(doc.bytes(), QByteArray(bom).replace("\"sqlite\"", "\"postgres\""));
    QVERIFY(doc.setValue(QStringLiteral("first"), 1));
    QVERIFY(doc.bytes().startsWith("\xEF\xBB\xBF"));
    TomlDocument bomOnly = TomlDocument::fromBytes("\xEF\xBB\xBFx = 1\n");
    QCOMPARE(bomOnly.find(QStringLiteral("x"))->position.column, 5);
    QVERIFY(bomOnly.removeKey(QStringLiteral("x")));
    QCOMPARE(bomOnly.bytes(), QByteArray("\xEF\xBB\xBF"));
}

void TestTomlDocument::largeFile()
{
    QByteArray big;
    big.reserve(10 * 1024 * 1024 + 4096);
    for (int i = 0; big.size() < 10 * 1024 * 1024; ++i) {
        big += "[s" + QByteArray::number(i) + "]\n";
        big += "name = \"section number " + QByteArray::number(i) + "\" # comment\n";
        big += "values = [1, 2, 3, 4.5, \"x\"]\nenabled = true\nwhen = 2024-01-02T03:04:05Z\n\n";
    }
    QElapsedTimer timer;
    timer.start();
    TomlDocument doc = TomlDocument::fromBytes(big);
    QVERIFY2(doc.isValid(), qPrintable(doc.error().describe(QStringLiteral("big"))));
    QVERIFY(doc.entries().size() > 100000);
    qInfo("10 MB parsed into %lld entries in %lld ms", qint64(doc.entries().size()), qint64(timer.elapsed()));
    const TomlEntry last = doc.entries().last();
    QVERIFY(doc.setValue(last.key, QDateTime(QDate(2025, 1, 1), QTime(0, 0), Qt::UTC)));
    QVERIFY(doc.bytes().endsWith("when = 2025-01-01T00:00:00Z\n\n"));
    QCOMPARE(doc.bytes().size(), big.size());
}

void TestTomlDocument::refusedEdits()
{
    const QByteArray orig = corpus(QStringLiteral("archive.toml"));
    TomlDocument doc = TomlDocument::fromBytes(orig);
    TomlError err;
    QVERIFY(!doc.setValue(QStringLiteral("backend"), 1, &err));  // a table, not a value
    QVERIFY(!doc.setValue(QStringLiteral("backend..type"), 1, &err));
    QVERIFY(err.message.contains(QStringLiteral("not a valid TOML key")));
    QVERIFY(!doc.setValue(QString(), 1, &err));
    QVERIFY(!doc.setValue(QStringLiteral("backend.type"), QVariant(), &err));
    QVERIFY(!doc.setValue(QStringLiteral("backend.type"), QUrl(QStringLiteral("http://x")), &err));
    QVERIFY(err.message.contains(QStringLiteral("\"backend.type\"")));
    QVERIFY(!doc.setValue(QStringLiteral("backend.type"), QVariantList{1, QVariant()}, &err));
    QVERIFY(!doc.setValue(QStringLiteral("backend.type.sub"), 1, &err));
    QCOMPARE(err.message, QStringLiteral("cannot add \"backend.type.sub\": \"backend.type\" is not a table"));
    QVERIFY(!doc.setValue(QStringLiteral("backend.pool_size"), QVariant::fromValue<quint64>(std::numeric_limits<quint64>::max()), &err));
    QCOMPARE(doc.bytes(), orig);
    QVERIFY(doc.isValid());
    QCOMPARE(doc.entries().size(), TomlDocument::fromBytes(orig).entries().size());
}

void TestTomlDocument::formatValue()
{
    QCOMPARE(TomlDocument::formatValue(true), QStringLiteral("true"));
    QCOMPARE(TomlDocument::formatValue(false), QStringLiteral("false"));
    QCOMPARE(TomlDocument::formatValue(3), QStringLiteral("3"));
    QCOMPARE(TomlDocument::formatValue(QVariant::fromValue<qint64>(-9223372036854775807LL - 1)), QStringLiteral("-9223372036854775808"));
    QCOMPARE(TomlDocument::formatValue(1.0), QStringLiteral("1.0"));
    QCOMPARE(TomlDocument::formatValue(1.5), QStringLiteral("1.5"));
    QCOMPARE(TomlDocument::formatValue(0.1), QStringLiteral("0.1"));
    QCOMPARE(TomlDocument::formatValue(-0.0), QStringLiteral("-0.0"));
    QCOMPARE(TomlDocument::formatValue(std::numeric_limits<double>::infinity()), QStringLiteral("inf"));
    QCOMPARE(TomlDocument::formatValue(-std::numeric_limits<double>::infinity()), QStringLiteral("-inf"));
    QCOMPARE(TomlDocument::formatValue(std::nan("")), QStringLiteral("nan"));
    for (const double x : {1e300, 1e-300, 123456789012345678.0, 0.30000000000000004, 5e22, 6.626e-34}) {
        const QString text = TomlDocument::formatValue(x);
        const auto doc = TomlDocument::fromBytes("v = " + text.toUtf8());
        QVERIFY2(doc.isValid() && doc.entries().first().type == TomlType::Float, qPrintable(text));
        QCOMPARE(doc.entries().first().value.toDouble(), x);
    }
    QCOMPARE(TomlDocument::formatValue(QStringLiteral("x")), QStringLiteral("\"x\""));
    QCOMPARE(TomlDocument::formatValue(QStringLiteral("a\"b\\c\nd\te\u0001")), QStringLiteral("\"a\\\"b\\\\c\\nd\\te\\u0001\""));
    QCOMPARE(TomlDocument::formatValue(QVariantList{1, QStringLiteral("a"), 2.0}), QStringLiteral("[1, \"a\", 2.0]"));
    QCOMPARE(TomlDocument::formatValue(QVariantList{}), QStringLiteral("[]"));
    QCOMPARE(TomlDocument::formatValue(QDate(2024, 2, 29)), QStringLiteral("2024-02-29"));
    QCOMPARE(TomlDocument::formatValue(QTime(7, 32, 0, 250)), QStringLiteral("07:32:00.250"));
    QCOMPARE(TomlDocument::formatValue(QDateTime(QDate(1979, 5, 27), QTime(0, 32), Qt::OffsetFromUTC, -7 * 3600)),
             QStringLiteral("1979-05-27T00:32:00-07:00"));
    QVERIFY(TomlDocument::formatValue(QVariant()).isEmpty());
}

void TestTomlDocument::copyAndMove()
{
    TomlDocument a = TomlDocument::fromBytes("x = 1\n");
    TomlDocument b = a;
    QVERIFY(b.setValue(QStringLiteral("x"), 2));
    QCOMPARE(a.bytes(), QByteArray("x = 1\n"));
    TomlDocument c = std::move(b);
    QCOMPARE(c.bytes(), QByteArray("x = 2\n"));
    QVERIFY(b.isValid());  // NOLINT(bugprone-use-after-move): moved-from stays usable
    QVERIFY(b.entries().isEmpty());
    a = c;
    QCOMPARE(a.find(QStringLiteral("x"))->value.toLongLong(), 2);
}

// Random byte damage: parsing never crashes, and whatever still parses stays editable and valid.
void TestTomlDocument::mutationsNeverBreak()
{
    QRandomGenerator rng(20240229);
    const QByteArray alphabet = "\"'[]{}=,.#\n\r\t \\x0_-+:1e\xc3\xa9";
    int validMutants = 0;
    for (const QString &file : corpusFiles()) {
        const QByteArray orig = corpus(file);
        for (int round = 0; round < 150; ++round) {
            QByteArray bytes = orig;
            for (int k = 0, edits = 1 + int(rng.bounded(3)); k < edits; ++k) {
                const qsizetype at = qsizetype(rng.bounded(quint32(bytes.size())));
                const char c = alphabet[qsizetype(rng.bounded(quint32(alphabet.size())))];
                switch (rng.bounded(3)) {
                case 0: bytes[at] = c; break;
                case 1: bytes.insert(at, c); break;
                default: bytes.remove(at, 1);
                }
            }
            TomlDocument doc = TomlDocument::fromBytes(bytes);
            QCOMPARE(doc.bytes(), bytes);
            if (!doc.isValid()) {
                QVERIFY(doc.error().position.isValid());
                continue;
            }
            ++validMutants;
            const QList<TomlEntry> entries = doc.entries();
            for (const TomlEntry &e : entries) {
                TomlDocument edited = doc;
                if (edited.setValue(e.key, QStringLiteral("s'\"\n")))
                    QCOMPARE(edited.find(e.key)->value.toString(), QStringLiteral("s'\"\n"));
                QVERIFY(edited.isValid());
                if (edited.removeKey(e.key))
                    QVERIFY(!edited.find(e.key));
                QVERIFY(edited.setValue(e.key + QStringLiteral(".\"new\""), 1) || !edited.find(e.key + QStringLiteral(".\"new\"")));
                QVERIFY(edited.isValid());
            }
        }
    }
    QVERIFY(validMutants > 100);
}

// Scalar edits skip the full re-parse; after a chain of them the document must be exactly what
// parsing its bytes gives (entries, positions), and later edits must land where a fresh
// document would put them.
void TestTomlDocument::inPlaceEditsMatchAFullParse_data()
{
    QTest::addColumn<QString>("file");
    for (const QString &f : corpusFiles())
        QTest::newRow(qPrintable(f)) << f;
}

void TestTomlDocument::inPlaceEditsMatchAFullParse()
{
    QFETCH(QString, file);
    TomlDocument doc = TomlDocument::fromBytes(corpus(file));
    QVERIFY(doc.isValid());
    const QList<TomlEntry> original = doc.entries();
    for (const TomlEntry &e : original) {
        const QVariant v = different(e);
        if (!v.isValid())
            continue;
        TomlDocument fresh = TomlDocument::fromBytes(doc.bytes());
        const bool okInPlace = doc.setValue(e.key, v);
        const bool okFresh = fresh.setValue(e.key, v);
        QCOMPARE(okInPlace, okFresh);
        QCOMPARE(doc.bytes(), fresh.bytes());
        const TomlDocument reparsed = TomlDocument::fromBytes(doc.bytes());
        QCOMPARE(doc.entries().size(), reparsed.entries().size());
        for (qsizetype i = 0; i < reparsed.entries().size(); ++i) {
            const TomlEntry &a = doc.entries()[i];
            const TomlEntry &b = reparsed.entries()[i];
            QCOMPARE(a.key, b.key);
            QCOMPARE(TomlDocument::formatValue(a.value), TomlDocument::formatValue(b.value));  // NaN != NaN as QVariant
            QCOMPARE(int(a.type), int(b.type));
            QCOMPARE(a.position.line, b.position.line);
            QCOMPARE(a.position.column, b.position.column);
        }
    }
}

QTEST_APPLESS_MAIN(TestTomlDocument)
#include "tst_tomldocument.moc"
