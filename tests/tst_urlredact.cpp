// ParsedUrl, redactUrl, redactSecrets and TextDiff::unified.
#include "TestUtil.h"

#include "common/TextDiff.h"
#include "common/Url.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QtTest/QtTest>

using namespace codex;

class TestUrlRedact : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parseValid_data();
    void parseValid();
    void parseInvalid_data();
    void parseInvalid();
    void redactUrl_data();
    void redactUrl();
    void redactSecrets_data();
    void redactSecrets();
    void diffEqualIsEmpty();
    void diffOneLineInLargeText();
    void diffHunkAtStartAndEnd();
    void diffCrlfAndInsert();
};

void TestUrlRedact::parseValid_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("path");
    QTest::addColumn<bool>("hasUserInfo");

    QTest::newRow("sqlite relative") << "sqlite:///./.codex/archive.sqlite" << "sqlite" << "" << "" << "" << -1
                                     << "./.codex/archive.sqlite" << false;
    QTest::newRow("sqlite relative plain") << "sqlite:///archive.sqlite" << "sqlite" << "" << "" << "" << -1
                                           << "archive.sqlite" << false;
    QTest::newRow("sqlite absolute") << "sqlite:////var/lib/codex/archive.sqlite" << "sqlite" << "" << "" << ""
                                     << -1 << "/var/lib/codex/archive.sqlite" << false;
    QTest::newRow("SQLITE upper-case scheme") << "SQLITE:///a.db" << "sqlite" << "" << "" << "" << -1 << "a.db"
                                              << false;
    QTest::newRow("postgresql full") << "postgresql://archiver:s3cret@db.example.com:5432/archive" << "postgresql"
                                     << "archiver" << "s3cret" << "db.example.com" << 5432 << "archive" << true;
    QTest::newRow("postgres alias no port") << "postgres://archiver:s3cret@db.example.com/archive" << "postgres"
                                            << "archiver" << "s3cret" << "db.example.com" << -1 << "archive" << true;
    QTest::newRow("postgresql no credentials") << "postgresql://localhost/archive" << "postgresql" << "" << ""
                                               << "localhost" << -1 << "archive" << false;
    QTest::newRow("postgresql user only") << "postgresql://archiver@localhost:5433/archive" << "postgresql"
                                          << "archiver" << "" << "localhost" << 5433 << "archive" << true;
    QTest::newRow("mysql") << "mysql://root:pw@127.0.0.1:3306/archive" << "mysql" << "root" << "pw" << "127.0.0.1"
                           << 3306 << "archive" << true;
    QTest::newRow("mysql+pymysql") << "mysql+pymysql://root:pw@mariadb.internal:3306/archive?charset=utf8mb4"
                                   << "mysql+pymysql" << "root" << "pw" << "mariadb.internal" << 3306
                                   << "archive?charset=utf8mb4" << true;
    QTest::newRow("IPv6 with port") << "postgresql://u:p@[::1]:5432/archive" << "postgresql" << "u" << "p"
                                    << "[::1]" << 5432 << "archive" << true;
    QTest::newRow("IPv6 without port") << "postgresql://[2001:db8::5]/archive" << "postgresql" << "" << ""
                                       << "[2001:db8::5]" << -1 << "archive" << false;
    QTest::newRow("https") << "https://chatgpt.com/backend-api/codex" << "https" << "" << "" << "chatgpt.com" << -1
                           << "backend-api/codex" << false;
    QTest::newRow("http with port no path") << "http://127.0.0.1:8000" << "http" << "" << "" << "127.0.0.1" << 8000
                                            << "" << false;
    QTest::newRow("password with @") << "postgresql://u:p@ss@db:5432/x" << "postgresql" << "u" << "p@ss" << "db"
                                     << 5432 << "x" << true;
}

void TestUrlRedact::parseValid()
{
    QFETCH(QString, url);
    QFETCH(QString, scheme);
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, path);
    QFETCH(bool, hasUserInfo);
    const ParsedUrl u = ParsedUrl::parse(url);
    QVERIFY2(u.valid, qPrintable(u.problem));
    QVERIFY(u.problem.isEmpty());
    QCOMPARE(u.scheme, scheme);
    QCOMPARE(u.user, user);
    QCOMPARE(u.password, password);
    QCOMPARE(u.host, host);
    QCOMPARE(u.port, port);
    QCOMPARE(u.path, path);
    QCOMPARE(u.hasUserInfo, hasUserInfo);
}

void TestUrlRedact::parseInvalid_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("problem");  // fragment of the problem text

    QTest::newRow("empty") << "" << "missing scheme";
    QTest::newRow("no scheme") << "db.example.com:5432/archive" << "missing scheme";
    QTest::newRow("scheme only colon") << "postgresql:db" << "missing scheme";
    QTest::newRow("bad scheme") << "1pg://db/x" << "is not a valid scheme";
    QTest::newRow("sqlite two slashes") << "sqlite://archive.sqlite" << "three slashes";
    QTest::newRow("sqlite no file") << "sqlite:///" << "names no file";
    QTest::newRow("no host") << "postgresql:///archive" << "names no host";
    QTest::newRow("credentials but no host") << "postgresql://u:s3cret@/archive" << "names no host";
    QTest::newRow("port not a number") << "postgresql://db.example.com:abc/archive" << "port 'abc'";
    QTest::newRow("port out of range") << "postgresql://db.example.com:70000/archive" << "from 1 to 65535";
    QTest::newRow("port zero") << "postgresql://db.example.com:0/archive" << "from 1 to 65535";
    QTest::newRow("whitespace") << "postgresql://db example.com/archive" << "whitespace";
    QTest::newRow("IPv6 unclosed") << "postgresql://[::1:5432/archive" << "unclosed '['";
    QTest::newRow("IPv6 bad port") << "postgresql://[::1]:x/archive" << "port 'x'";
    QTest::newRow("bad host chars") << "postgresql://db!example/archive" << "not a valid host name";
}

void TestUrlRedact::parseInvalid()
{
    QFETCH(QString, url);
    QFETCH(QString, problem);
    const ParsedUrl u = ParsedUrl::parse(url);
    QVERIFY(!u.valid);
    QVERIFY2(u.problem.contains(problem), qPrintable(u.problem));
    QVERIFY(!u.problem.contains(QLatin1String("s3cret")));
}

void TestUrlRedact::redactUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("expected");

    QTest::newRow("reference example") << "postgresql://archiver:s3cret@db.example.com:5432/archive"
                                       << "postgresql://***@db.example.com:5432/archive";
    QTest::newRow("postgres alias") << "postgres://u:p@db/x" << "postgres://***@db/x";
    QTest::newRow("mysql+pymysql") << "mysql+pymysql://root:pw@db:3306/archive"
                                   << "mysql+pymysql://***@db:3306/archive";
    QTest::newRow("user only") << "postgresql://archiver@db/x" << "postgresql://***@db/x";
    QTest::newRow("no credentials unchanged") << "postgresql://db.example.com:5432/archive"
                                              << "postgresql://db.example.com:5432/archive";
    QTest::newRow("sqlite unchanged") << "sqlite:////var/lib/archive.sqlite" << "sqlite:////var/lib/archive.sqlite";
    QTest::newRow("IPv6") << "postgresql://u:p@[::1]:5432/x" << "postgresql://***@[::1]:5432/x";
    QTest::newRow("password with @") << "postgresql://u:p@s3cret@db:5432/x" << "postgresql://***@db:5432/x";
    QTest::newRow("@ in the path only") << "https://example.com/users/a@b" << "https://example.com/users/a@b";
    QTest::newRow("password with #") << "postgresql://u:p#s3cret@db/x" << "postgresql://***@db/x";
    QTest::newRow("invalid URL still masked") << "postgresql://u:s3cret@db:99999/x" << "postgresql://***@db:99999/x";
    QTest::newRow("empty") << "" << "";
}

void TestUrlRedact::redactUrl()
{
    QFETCH(QString, url);
    QFETCH(QString, expected);
    QCOMPARE(codex::redactUrl(url), expected);
}

void TestUrlRedact::redactSecrets_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");

    QTest::newRow("url in a log line")
        << "connecting to postgresql://archiver:s3cret@db.example.com:5432/archive failed: timeout"
        << "connecting to postgresql://***@db.example.com:5432/archive failed: timeout";
    QTest::newRow("two urls")
        << "primary=mysql://a:b@h1/x secondary=postgres://c:d@h2/y"
        << "primary=mysql://***@h1/x secondary=postgres://***@h2/y";
    QTest::newRow("bearer") << "Authorization: Bearer abc" << "Authorization: Bearer ***";
    QTest::newRow("bearer lower-case in json") << "{\"authorization\": \"bearer abc.def-ghi\"}"
                                               << "{\"authorization\": \"bearer ***\"}";
    QTest::newRow("password=") << "login password=x user=admin" << "login password=*** user=admin";
    QTest::newRow("env token") << "SECURITY__AUTH_TOKEN=abc" << "SECURITY__AUTH_TOKEN=***";
    QTest::newRow("env token in export") << "export SECURITY__AUTH_TOKEN=abc123 && run"
                                         << "export SECURITY__AUTH_TOKEN=*** && run";
    QTest::newRow("api key colon") << "api_key: sk-123" << "api_key: ***";
    QTest::newRow("quoted secret") << "secret=\"hunter2\"" << "secret=\"***\"";
    QTest::newRow("query string password") << "https://h/x?user=a&password=pw&x=1"
                                           << "https://h/x?user=a&password=***&x=1";
    QTest::newRow("url password with @") << "url=postgresql://u:p@s3cret@db/x done"
                                         << "url=postgresql://***@db/x done";
    QTest::newRow("nothing secret") << "restored 3 items from sqlite:///a.db in 12 ms"
                                    << "restored 3 items from sqlite:///a.db in 12 ms";
    QTest::newRow("mail address is not a URL") << "contact admin@example.com" << "contact admin@example.com";
}

void TestUrlRedact::redactSecrets()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QCOMPARE(codex::redactSecrets(text), expected);
}

void TestUrlRedact::diffEqualIsEmpty()
{
    QVERIFY(TextDiff::unified("a\nb\n", "a\nb\n", "a/x", "b/x").isEmpty());
    QVERIFY(TextDiff::unified({}, {}, "a/x", "b/x").isEmpty());
}

void TestUrlRedact::diffOneLineInLargeText()
{
    QByteArray before;
    for (int i = 1; i <= 10000; ++i)
        before += "line " + QByteArray::number(i) + " = " + QByteArray::number(i * 7) + "\n";
    QByteArray after = before;
    after.replace("line 5000 = 35000\n", "line 5000 = 1\n");
    QVERIFY(after != before);

    QElapsedTimer timer;
    timer.start();
    const QString diff = TextDiff::unified(before, after, QStringLiteral("a/big.toml"), QStringLiteral("b/big.toml"));
    QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));

    const QString expected = QStringLiteral(
        "--- a/big.toml\n"
        "+++ b/big.toml\n"
        "@@ -4997,7 +4997,7 @@\n"
        " line 4997 = 34979\n"
        " line 4998 = 34986\n"
        " line 4999 = 34993\n"
        "-line 5000 = 35000\n"
        "+line 5000 = 1\n"
        " line 5001 = 35007\n"
        " line 5002 = 35014\n"
        " line 5003 = 35021\n");
    QCOMPARE(diff, expected);

    // A change everywhere is still fast (no quadratic table beyond the limit).
    QByteArray other;
    for (int i = 1; i <= 10000; ++i)
        other += "other " + QByteArray::number(i) + "\n";
    timer.restart();
    const QString big = TextDiff::unified(before, other, QStringLiteral("a"), QStringLiteral("b"));
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QVERIFY(big.contains(QLatin1String("@@ -1,10000 +1,10000 @@")));
}

void TestUrlRedact::diffHunkAtStartAndEnd()
{
    const QByteArray before = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n";
    QByteArray after = before;
    after.replace("a\n", "A\n");
    after.replace("n\n", "N\n");
    const QString diff = TextDiff::unified(before, after, QStringLiteral("x"), QStringLiteral("y"));
    QCOMPARE(diff, QStringLiteral("--- x\n+++ y\n"
                                  "@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n"
                                  "@@ -11,4 +11,4 @@\n k\n l\n m\n-n\n+N\n"));
    // Two changes close together share one hunk.
    QByteArray close = before;
    close.replace("e\n", "E\n");
    close.replace("h\n", "H\n");
    QCOMPARE(TextDiff::unified(before, close, QStringLiteral("x"), QStringLiteral("y")),
             QStringLiteral("--- x\n+++ y\n@@ -2,10 +2,10 @@\n b\n c\n d\n-e\n+E\n f\n g\n-h\n+H\n i\n j\n k\n"));
}

void TestUrlRedact::diffCrlfAndInsert()
{
    const QByteArray before = "[retry]\r\nenabled = true\r\n";
    const QByteArray after = "[retry]\r\nenabled = true\r\nmax_attempts = 4\r\n";
    const QString diff = TextDiff::unified(before, after, QStringLiteral("a/f"), QStringLiteral("b/f"));
    QCOMPARE(diff, QStringLiteral("--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n [retry]\n enabled = true\n+max_attempts = 4\n"));
    QVERIFY(!diff.contains(QLatin1Char('\r')));
    // Adding to an empty file: the "before" range is empty ("-0,0").
    QCOMPARE(TextDiff::unified({}, "x = 1\n", QStringLiteral("a/f"), QStringLiteral("b/f")),
             QStringLiteral("--- a/f\n+++ b/f\n@@ -0,0 +1,1 @@\n+x = 1\n"));
}

QTEST_GUILESS_MAIN(TestUrlRedact)
#include "tst_urlredact.moc"
