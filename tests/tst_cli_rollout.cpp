// codex-adminctl rollout … and report export, end to end through the executable, each test in its
// own temporary workspace.
#include "TestUtil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest/QtTest>

namespace {

using testutil::runCtl;
using testutil::SimProcess;

QString S(const char *s)
{
    return QString::fromUtf8(s);
}

QStringList args(std::initializer_list<const char *> list)
{
    QStringList out;
    for (const char *a : list)
        out << QString::fromUtf8(a);
    return out;
}

#define CTL_OK(r) QVERIFY2((r).code == 0, qPrintable(QStringLiteral("exit %1\n%2\n%3").arg((r).code).arg((r).out, (r).err)))

QString dbFile(const QTemporaryDir &ws)
{
    return ws.filePath(QStringLiteral(".codex/rollouts.sqlite"));
}

QJsonObject itemOf(const QJsonObject &show, const QString &key)
{
    for (const QJsonValue &v : show.value(QStringLiteral("items")).toArray())
        if (v.toObject().value(QStringLiteral("key")).toString() == key)
            return v.toObject();
    return {};
}

const QStringList kManualItems{S("cp.pre.testing.manual.responses"), S("cp.pre.testing.manual.chat-tools"), S("cp.pre.testing.manual.sessions"),
                               S("cp.pre.testing.manual.injection"), S("cp.pre.testing.manual.params"), S("cp.pre.testing.manual.streaming"),
                               S("cp.pre.testing.manual.errors")};

}  // namespace

class TestCliRollout : public QObject {
    Q_OBJECT

    /// A workspace with one rollout "Canary 1" from both templates.
    static bool newRollout(const QTemporaryDir &ws, const char *name = "Canary 1")
    {
        const auto r = runCtl(ws.path(), {S("rollout"), S("new"), S(name), S("--by"), S("Ada")});
        if (r.code != 0)
            qWarning("rollout new failed: %s %s", qPrintable(r.out), qPrintable(r.err));
        return r.code == 0;
    }

private Q_SLOTS:
    void newListShow()
    {
        QTemporaryDir ws;
        auto r = runCtl(ws.path(), args({"rollout", "list"}));
        CTL_OK(r);
        QVERIFY2(r.out.contains(S("No rollouts yet")), qPrintable(r.out));
        QVERIFY2(!QFileInfo::exists(dbFile(ws)), "list must not create the database");

        r = runCtl(ws.path(), args({"rollout", "new", "Canary 1"}));
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(S("--by NAME is required")), qPrintable(r.err));
        r = runCtl(ws.path(), args({"rollout", "new", "X", "--template", "nope", "--by", "Ada"}));
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(S("unknown --template 'nope'")) && r.err.contains(S("codex-parity")), qPrintable(r.err));

        r = runCtl(ws.path(), args({"rollout", "new", "Canary 1", "--by", "Ada"}));
        CTL_OK(r);
        const QRegularExpression countRe(S(": (\\d+) items"));
        const auto m = countRe.match(r.out);
        QVERIFY2(m.hasMatch(), qPrintable(r.out));
        const int items = m.captured(1).toInt();
        QVERIFY2(items > 100, qPrintable(r.out));  // both seeds
        r = runCtl(ws.path(), args({"rollout", "new", "Canary 1", "--by", "Ada"}));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(S("Canary 1")), qPrintable(r.err));

        r = runCtl(ws.path(), args({"rollout", "list"}));
        CTL_OK(r);
        QVERIFY2(r.out.contains(S("Canary 1")) && r.out.contains(S("codex-parity")) && r.out.contains(S("archive-improvements"))
                     && r.out.contains(QStringLiteral("0/%1 done").arg(items)) && r.out.contains(S("sign-offs 0/5")),
                 qPrintable(r.out));
        r = runCtl(ws.path(), args({"rollout", "list", "--json"}));
        CTL_OK(r);
        const QJsonArray list = QJsonDocument::fromJson(r.rawOut).array();
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.first().toObject().value(S("items")).toInt(), items);

        r = runCtl(ws.path(), args({"rollout", "show"}));
        CTL_OK(r);
        for (const char *expected : {"# Codex Parity Improvements - Rollout Checklist", "## Pre-Deployment Verification", "### Testing",
                                     "- [ ] All unit tests passing (`pytest tests/unit/`)  (cp.pre.testing.unit)",
                                     "  - [ ] Streaming responses  (cp.pre.testing.manual.streaming)", "# Archive Improvements Deployment Guide",
                                     "## Pre-Deployment Checklist", "## Sign-offs", "- [ ] QA — not signed", "not evaluated yet"})
            QVERIFY2(r.out.contains(S(expected)), qPrintable(S(expected) + S("\n---\n") + r.out));

        // Only one template.
        r = runCtl(ws.path(), args({"rollout", "new", "Archive only", "--template", "archive-improvements", "--by", "Ada"}));
        CTL_OK(r);
        r = runCtl(ws.path(), args({"rollout", "show", "Archive only", "--json"}));
        CTL_OK(r);
        const QJsonObject show = QJsonDocument::fromJson(r.rawOut).object();
        QCOMPARE(show.value(S("templates")).toArray(), QJsonArray{S("archive-improvements")});
        QVERIFY(!show.value(S("items")).toArray().isEmpty());
        QVERIFY(itemOf(show, S("cp.pre.testing.unit")).isEmpty());

        // Two rollouts: a name is needed, and the error lists them.
        r = runCtl(ws.path(), args({"rollout", "show"}));
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(S("'Canary 1'")) && r.err.contains(S("'Archive only'")) && r.err.contains(S("--rollout NAME")), qPrintable(r.err));
        r = runCtl(ws.path(), args({"rollout", "show", "No such"}));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(S("No such")), qPrintable(r.err));
    }

    void checkNoteOwner()
    {
        QTemporaryDir ws;
        QVERIFY(newRollout(ws));
        // By key.
        auto r = runCtl(ws.path(), args({"rollout", "check", "cp.pre.testing.unit", "--status", "done", "--by", "Ada"}));
        CTL_OK(r);
        QVERIFY2(r.out.contains(S("- [x] All unit tests passing")) && r.out.contains(S("by Ada")), qPrintable(r.out));
        // By a unique text fragment, with owner and note.
        r = runCtl(ws.path(), args({"rollout", "check", "integration tests passing (`pytest", "--status", "blocked", "--by", "Bob", "--owner", "Bob",
                                    "--note", "waiting for CI runner"}));
        CTL_OK(r);
        QVERIFY2(r.out.contains(S("(cp.pre.testing.integration)")) && r.out.contains(S("owner: Bob")), qPrintable(r.out));
        // An ambiguous fragment lists the candidates and changes nothing.
        r = runCtl(ws.path(), args({"rollout", "check", "tests passing", "--status", "done", "--by", "Ada"}));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(S("cp.pre.testing.unit")) && r.err.contains(S("ai.success.tests")), qPrintable(r.err));
        r = runCtl(ws.path(), args({"rollout", "check", "no item has this text", "--status", "done", "--by", "Ada"}));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(S("no item has this text")), qPrintable(r.err));
        // Bad status: a usage error naming the accepted values.
        r = runCtl(ws.path(), args({"rollout", "check", "cp.pre.testing.unit", "--status", "finished", "--by", "Ada"}));
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(S("'finished'")) && r.err.contains(S("open, done, n/a or blocked")), qPrintable(r.err));
        r = runCtl(ws.path(), args({"rollout", "check", "cp.pre.testing.unit", "--status", "done"}));
        QCOMPARE(r.code, 2);
        // A sign-off line is not ticked by hand.
        r = runCtl(ws.path(), args({"rollout", "check", "cp.signoff.qa", "--status", "done", "--by", "Ada"}));
        QCOMPARE(r.code, 1);
        QVERIFY2(!r.err.isEmpty(), qPrintable(r.out));

        // note / owner; Unicode, right-to-left and very long notes are kept as they are.
        const QString rtl = QStringLiteral("ملاحظة: تم الاختبار ✓ — 検証済み");
        r = runCtl(ws.path(), {S("rollout"), S("note"), S("cp.pre.review.style"), rtl, S("--by"), S("Chen")});
        CTL_OK(r);
        QVERIFY2(r.out.contains(rtl), qPrintable(r.out));
        const QString longNote = QString(S("line with secrets password=hunter2 ")).repeated(300) + S("\nsecond line");
        r = runCtl(ws.path(), {S("rollout"), S("note"), S("cp.pre.review.reviewed"), longNote, S("--by"), S("Chen")});
        CTL_OK(r);
        r = runCtl(ws.path(), args({"rollout", "owner", "cp.pre.review.style", "Dana", "--by", "Chen"}));
        CTL_OK(r);

        r = runCtl(ws.path(), args({"rollout", "show", "--json"}));
        CTL_OK(r);
        const QJsonObject show = QJsonDocument::fromJson(r.rawOut).object();
        QCOMPARE(itemOf(show, S("cp.pre.testing.unit")).value(S("status")).toString(), S("done"));
        QCOMPARE(itemOf(show, S("cp.pre.testing.integration")).value(S("status")).toString(), S("blocked"));
        QCOMPARE(itemOf(show, S("cp.pre.testing.integration")).value(S("owner")).toString(), S("Bob"));
        QCOMPARE(itemOf(show, S("cp.pre.review.style")).value(S("note")).toString(), rtl);
        QCOMPARE(itemOf(show, S("cp.pre.review.style")).value(S("owner")).toString(), S("Dana"));
        QCOMPARE(itemOf(show, S("cp.pre.testing.manual.streaming")).value(S("status")).toString(), S("open"));

        r = runCtl(ws.path(), args({"rollout", "show"}));
        CTL_OK(r);
        QVERIFY2(r.out.contains(S("- [!] Integration tests passing")) && r.out.contains(S("note: waiting for CI runner")), qPrintable(r.out));
        QVERIFY2(!r.out.contains(S("hunter2")), "show must redact secrets in notes");
        QVERIFY2(!r.out.contains(S("second line")), "show prints a note's first line only");

        r = runCtl(ws.path(), args({"rollout", "show", "--status", "blocked"}));
        CTL_OK(r);
        QVERIFY2(r.out.contains(S("cp.pre.testing.integration")) && !r.out.contains(S("(cp.pre.testing.unit)")), qPrintable(r.out));
        r = runCtl(ws.path(), args({"rollout", "show", "--status", "maybe"}));
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(S("open, done, n/a or blocked")), qPrintable(r.err));

        r = runCtl(ws.path(), args({"rollout", "history", "--item", "cp.pre.testing.integration", "--json"}));
        CTL_OK(r);
        const QJsonArray hist = QJsonDocument::fromJson(r.rawOut).array();
        QStringList fields;
        for (const QJsonValue &v : hist) {
            QCOMPARE(v.toObject().value(S("by")).toString(), S("Bob"));
            fields << v.toObject().value(S("field")).toString();
        }
        QVERIFY2(fields.contains(S("status")) && fields.contains(S("owner")) && fields.contains(S("note")), qPrintable(fields.join(S(","))));
        r = runCtl(ws.path(), args({"rollout", "history"}));
        CTL_OK(r);
        QVERIFY2(r.out.contains(S("cp.pre.testing.unit  status: open → done")), qPrintable(r.out));
        QVERIFY2(!r.out.contains(S("hunter2")), "history must redact secrets");
    }

    void signVerifyTamper()
    {
        QTemporaryDir ws;
        QVERIFY(newRollout(ws));
        auto r = runCtl(ws.path(), args({"rollout", "check", "cp.pre.testing.unit", "--status", "done", "--by", "Ada"}));
        CTL_OK(r);
        r = runCtl(ws.path(), args({"rollout", "sign", "--by", "Ada"}));
        QCOMPARE(r.code, 2);
        r = runCtl(ws.path(), args({"rollout", "sign", "--role", "Astronauts", "--by", "Ada"}));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(S("QA")), qPrintable(r.err));  // names the known roles
        r = runCtl(ws.path(), args({"rollout", "sign", "--role", "Development", "--by", "Ada Lovelace", "--comment", "looks good"}));
        CTL_OK(r);
        QVERIFY2(r.out.contains(S("for Development by Ada Lovelace")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression(S("^sha256 [0-9a-f]{64}$"), QRegularExpression::MultilineOption)), qPrintable(r.out));

        r = runCtl(ws.path(), args({"rollout", "show"}));
        CTL_OK(r);
        QVERIFY2(r.out.contains(S("- [x] Development — Ada Lovelace, ")) && r.out.contains(S(": valid (sha256 ")), qPrintable(r.out));
        r = runCtl(ws.path(), args({"rollout", "verify"}));
        CTL_OK(r);
        QVERIFY2(r.out.contains(S("all 1 sign-off(s) valid")), qPrintable(r.out));

        // A later change: "changed after sign-off" with a diff naming the item.
        r = runCtl(ws.path(), args({"rollout", "check", "cp.pre.review.reviewed", "--status", "done", "--by", "Bob"}));
        CTL_OK(r);
        r = runCtl(ws.path(), args({"rollout", "verify"}));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.out.contains(S("Development — Ada Lovelace")) && r.out.contains(S("changed after sign-off")), qPrintable(r.out));
        QVERIFY2(r.out.contains(S("cp.pre.review.reviewed")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression(S("^\\+.*\"done\""), QRegularExpression::MultilineOption)), qPrintable(r.out));
        r = runCtl(ws.path(), args({"rollout", "show"}));
        QVERIFY2(r.out.contains(S(": changed after sign-off (sha256 ")), qPrintable(r.out));

        // Re-signing makes it valid again; then the stored signed content is edited behind our back.
        r = runCtl(ws.path(), args({"rollout", "sign", "--role", "Development", "--by", "Ada Lovelace"}));
        CTL_OK(r);
        r = runCtl(ws.path(), args({"rollout", "verify"}));
        CTL_OK(r);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(S("QSQLITE"), S("tamper"));
            db.setDatabaseName(dbFile(ws));
            QVERIFY2(db.open(), qPrintable(db.lastError().text()));
            QSqlQuery q(db);
            QVERIFY2(q.exec(S("UPDATE signoffs SET content = replace(content, '\"open\"', '\"done\"') WHERE revoked = 0")),
                     qPrintable(q.lastError().text()));
            QCOMPARE(q.numRowsAffected(), 1);
            q.finish();
            db.close();
        }
        QSqlDatabase::removeDatabase(S("tamper"));
        r = runCtl(ws.path(), args({"rollout", "verify"}));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.out.contains(S("Development — Ada Lovelace")) && r.out.contains(S("tampered")), qPrintable(r.out));
        r = runCtl(ws.path(), args({"rollout", "verify", "--json"}));
        QCOMPARE(r.code, 1);
        QCOMPARE(QJsonDocument::fromJson(r.rawOut).object().value(S("signoffs")).toArray().first().toObject().value(S("state")).toString(),
                 S("tampered"));
        r = runCtl(ws.path(), args({"rollout", "show"}));
        QVERIFY2(r.out.contains(S(": tampered (sha256 ")), qPrintable(r.out));
    }

    void corruptDatabase()
    {
        QTemporaryDir ws;
        QByteArray junk;
        for (int i = 0; i < 8192; ++i)
            junk.append(char((i * 7919 + 13) % 251));
        testutil::writeFile(dbFile(ws), junk);
        for (const QStringList &a : {args({"rollout", "list"}), args({"rollout", "show", "X"}),
                                     args({"rollout", "new", "X", "--by", "Ada"}),
                                     args({"rollout", "check", "x", "--status", "done", "--by", "Ada", "--rollout", "X"})}) {
            const auto r = runCtl(ws.path(), a);
            QVERIFY2(r.code == 1, qPrintable(a.join(' ') + S(": ") + QString::number(r.code) + r.err));
            QVERIFY2(r.err.contains(dbFile(ws)) || r.err.contains(S(".codex/rollouts.sqlite")), qPrintable(r.err));
        }
        QCOMPARE(testutil::readFile(dbFile(ws)), junk);
    }

    void lockedDatabase()
    {
        QTemporaryDir ws;
        QVERIFY(newRollout(ws));
        QSqlDatabase db = QSqlDatabase::addDatabase(S("QSQLITE"), S("locker"));
        db.setDatabaseName(dbFile(ws));
        QVERIFY(db.open());
        {
            QSqlQuery q(db);
            QVERIFY2(q.exec(S("BEGIN EXCLUSIVE")), qPrintable(q.lastError().text()));
            const auto r = runCtl(ws.path(), args({"rollout", "check", "cp.pre.testing.unit", "--status", "done", "--by", "Ada"}));
            QCOMPARE(r.code, 1);
            QVERIFY2(r.err.contains(S("locked")) && r.err.contains(S("rollouts.sqlite")), qPrintable(r.err));
            QVERIFY(q.exec(S("ROLLBACK")));
        }
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(S("locker"));
        const auto r = runCtl(ws.path(), args({"rollout", "show", "--json"}));
        CTL_OK(r);
        QCOMPARE(itemOf(QJsonDocument::fromJson(r.rawOut).object(), S("cp.pre.testing.unit")).value(S("status")).toString(), S("open"));
    }

    void reportExport()
    {
        QTemporaryDir ws;
        QVERIFY(newRollout(ws));
        CTL_OK(runCtl(ws.path(), args({"rollout", "check", "cp.pre.testing.unit", "--status", "done", "--by", "Ada"})));
        CTL_OK(runCtl(ws.path(), args({"rollout", "sign", "--role", "QA", "--by", "Grace Hopper"})));

        // pdf
        auto r = runCtl(ws.path(), args({"report", "export", "--rollout", "Canary 1", "--format", "pdf", "-o", "out/report.pdf"}));
        CTL_OK(r);
        const QString pdf = ws.filePath(S("out/report.pdf"));
        QVERIFY(testutil::readFile(pdf).startsWith("%PDF"));
        const QString text = testutil::pdfText(pdf);
        QVERIFY2(text.contains(S("Canary 1")), qPrintable(text.left(2000)));
        QVERIFY2(text.contains(S("All unit tests passing")), qPrintable(text.left(2000)));
        QVERIFY2(text.contains(S("Grace Hopper")), qPrintable(text.left(2000)));

        // html: self-contained
        r = runCtl(ws.path(), args({"report", "export", "--format", "html", "-o", "report.html"}));
        CTL_OK(r);
        const QByteArray html = testutil::readFile(ws.filePath(S("report.html")));
        QVERIFY(html.contains("Canary 1"));
        QVERIFY(!QString::fromUtf8(html).contains(QRegularExpression(S("src\\s*=\\s*[\"']?\\s*https?:"), QRegularExpression::CaseInsensitiveOption)));

        // md: the seeds' checkbox style; the format told by the extension
        r = runCtl(ws.path(), args({"report", "export", "-o", "report.md"}));
        CTL_OK(r);
        const QByteArray md = testutil::readFile(ws.filePath(S("report.md")));
        QVERIFY2(md.contains("- [x] "), md.left(2000).constData());
        QVERIFY(md.contains("All unit tests passing"));

        // json: parses, carries the content hash
        r = runCtl(ws.path(), args({"report", "export", "--format", "json", "-o", "report.json", "--json"}));
        CTL_OK(r);
        QCOMPARE(QJsonDocument::fromJson(r.rawOut).object().value(S("format")).toString(), S("json"));
        QJsonParseError pe;
        const QByteArray jsonBytes = testutil::readFile(ws.filePath(S("report.json")));
        const QJsonDocument doc = QJsonDocument::fromJson(jsonBytes, &pe);
        QVERIFY2(pe.error == QJsonParseError::NoError, qPrintable(pe.errorString()));
        QVERIFY(doc.isObject());
        QVERIFY2(jsonBytes.contains("\"content_sha256\""), jsonBytes.left(500).constData());

        // An existing file is not replaced without --force.
        testutil::writeFile(ws.filePath(S("keep.md")), "precious");
        r = runCtl(ws.path(), args({"report", "export", "--format", "md", "-o", "keep.md"}));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(S("keep.md")) && r.err.contains(S("--force")), qPrintable(r.err));
        QCOMPARE(testutil::readFile(ws.filePath(S("keep.md"))), QByteArray("precious"));
        r = runCtl(ws.path(), args({"report", "export", "--format", "md", "-o", "keep.md", "--force"}));
        CTL_OK(r);
        QVERIFY(testutil::readFile(ws.filePath(S("keep.md"))).contains("- [x] "));

        // An unwritable place: below a regular file.
        testutil::writeFile(ws.filePath(S("plainfile")), "x");
        for (const char *fmt : {"html", "pdf"}) {
            r = runCtl(ws.path(), {S("report"), S("export"), S("--format"), S(fmt), S("-o"), S("plainfile/sub/report.") + S(fmt)});
            QCOMPARE(r.code, 1);
            QVERIFY2(r.err.contains(S("plainfile")), qPrintable(r.err));
        }
        QCOMPARE(testutil::readFile(ws.filePath(S("plainfile"))), QByteArray("x"));

        // Usage errors.
        r = runCtl(ws.path(), args({"report", "export", "--format", "docx", "-o", "r.docx"}));
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(S("pdf, html, md or json")), qPrintable(r.err));
        r = runCtl(ws.path(), args({"report", "export", "-o", "r.txt"}));
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(S("pdf, html, md or json")), qPrintable(r.err));
        r = runCtl(ws.path(), args({"report", "export", "--format", "md"}));
        QCOMPARE(r.code, 2);
        QVERIFY(!QFileInfo::exists(ws.filePath(S("r.docx"))) && !QFileInfo::exists(ws.filePath(S("r.txt"))));
    }

    void attachSuiteRun()
    {
        QTemporaryDir ws;
        QVERIFY(newRollout(ws));
        SimProcess sim({S("--set"), S("token-interval-ms=5")});
        QVERIFY(!sim.url().isEmpty());
        const auto probe = runCtl(ws.path(), {S("probe"), S("--base-url"), sim.url(), S("--results"), S("suite.json")});
        CTL_OK(probe);

        auto r = runCtl(ws.path(), args({"rollout", "attach", "--by", "Ada"}));
        QCOMPARE(r.code, 2);
        r = runCtl(ws.path(), args({"rollout", "attach", "--suite", "missing.json", "--by", "Ada"}));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(S("missing.json")), qPrintable(r.err));

        r = runCtl(ws.path(), args({"rollout", "attach", "--suite", "suite.json", "--by", "Ada"}));
        CTL_OK(r);
        QVERIFY2(r.out.contains(S("ticked (7)")) && r.out.contains(S("Streaming responses (cp.pre.testing.manual.streaming)")), qPrintable(r.out));
        r = runCtl(ws.path(), args({"rollout", "show", "--json"}));
        CTL_OK(r);
        const QJsonObject show = QJsonDocument::fromJson(r.rawOut).object();
        for (const QString &key : kManualItems) {
            const QJsonObject item = itemOf(show, key);
            QVERIFY2(item.value(S("status")).toString() == S("done"), qPrintable(key));
            QVERIFY2(item.value(S("evidence")).toInt() >= 1, qPrintable(key));
        }
    }

    void evaluateWithoutData()
    {
        QTemporaryDir ws;
        QVERIFY(newRollout(ws));
        auto r = runCtl(ws.path(), args({"rollout", "evaluate"}));
        QCOMPARE(r.code, 2);
        r = runCtl(ws.path(), args({"rollout", "evaluate", "--by", "Ada"}));
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains(S("NO DATA")) && r.out.contains(S(": no data")), qPrintable(r.out));
        QVERIFY2(!r.out.contains(S("PASS ")), qPrintable(r.out));
        r = runCtl(ws.path(), args({"rollout", "evaluate", "--by", "Ada", "--json"}));
        QCOMPARE(r.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.rawOut).object();
        QVERIFY(o.value(S("no_data")).toInt() > 0);
        QCOMPARE(o.value(S("fail")).toInt(), 0);
        // Recorded: show lists them.
        r = runCtl(ws.path(), args({"rollout", "show"}));
        QVERIFY2(r.out.contains(S("## Criteria (recorded ")) && r.out.contains(S("no data")), qPrintable(r.out));
        QVERIFY2(r.out.contains(S("(ai.post.day1.restore-p99): no data")), qPrintable(r.out));

        // collect in an empty workspace still says what it found (and did not find).
        r = runCtl(ws.path(), args({"rollout", "collect", "--by", "Ada", "--window", "ten"}));
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(S("'ten'")), qPrintable(r.err));
        r = runCtl(ws.path(), args({"rollout", "collect", "--by", "Ada"}));
        CTL_OK(r);
        QVERIFY2(r.out.contains(S("config snapshot")) && r.out.contains(S("evidence attached")), qPrintable(r.out));
        // A Prometheus that is not there: exit 1, the URL named without its password.
        quint16 closedPort = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            closedPort = probe.serverPort();
        }
        r = runCtl(ws.path(), {S("rollout"), S("collect"), S("--by"), S("Ada"), S("--prometheus"),
                               QStringLiteral("http://admin:hunter2@127.0.0.1:%1").arg(closedPort)});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("127.0.0.1:%1").arg(closedPort)), qPrintable(r.err));
        QVERIFY(!r.err.contains(S("hunter2")) && !r.out.contains(S("hunter2")));
    }
};

QTEST_GUILESS_MAIN(TestCliRollout)
#include "tst_cli_rollout.moc"
