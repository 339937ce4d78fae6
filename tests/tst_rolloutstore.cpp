// RolloutStore: the rollouts database (QtSql/SQLite) — rollouts from the templates, item edits with
// their audit trail, evidence, sealed sign-offs and their verification, and bad databases (corrupt,
// foreign, newer, locked) refused without losing a byte.
#include "common/Sha256.h"
#include "rollout/RolloutStore.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace codex::rollout;

namespace {

QList<ChecklistTemplate> both()
{
    return ChecklistTemplate::builtIn();
}

ChecklistTemplate tmpl(const char *id)
{
    auto t = ChecklistTemplate::builtIn(QString::fromLatin1(id));
    if (!t)
        qFatal("no built-in template %s", id);
    return *t;
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

void writeAll(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    f.write(bytes);
}

/// A rollouts database at `path` holding one rollout "R" created by alice, closed again.
bool createWithRollout(const QString &path, const QList<ChecklistTemplate> &templates)
{
    RolloutStore s;
    return s.open(path).ok && s.create("R", templates, "alice").ok;
}

/// Opening `path` must be refused with a message naming every one of `needles`, and leave its
/// bytes as they were: empty when so, otherwise what went wrong.
QString refusedUntouched(RolloutStore &store, const QString &path, const QStringList &needles)
{
    const QByteArray before = readAll(path);
    const StoreResult r = store.open(path);
    if (r.ok)
        return QStringLiteral("%1 was opened").arg(path);
    for (const QString &n : needles)
        if (!r.message.contains(n))
            return QStringLiteral("the message \"%1\" does not say \"%2\"").arg(r.message, n);
    if (readAll(path) != before)
        return QStringLiteral("%1 was changed").arg(path);
    return {};
}

/// A stand-in for ReportBuilder::canonicalContent (another module): sorted compact JSON of the
/// items' state, without sign-off lines.
QByteArray content(const Rollout &r)
{
    QJsonArray items;
    for (const RolloutItem &i : r.items) {
        if (i.def.kind == ItemKind::SignOff)
            continue;
        items.append(QJsonObject{{"key", i.def.key}, {"status", statusName(i.status)}, {"owner", i.owner}, {"note", i.note}});
    }
    return QJsonDocument(QJsonObject{{"name", r.name}, {"items", items}, {"roles", QJsonArray::fromStringList(r.roles)}})
        .toJson(QJsonDocument::Compact);
}

/// A raw connection of its own (the "other program").
class RawDb {
public:
    explicit RawDb(const QString &path, const QString &options = {})
    {
        static int n = 0;
        m_name = QStringLiteral("raw-%1").arg(++n);
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.setConnectOptions(options);
        if (!db.open())
            qFatal("raw open failed: %s", qPrintable(db.lastError().text()));
    }
    ~RawDb()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    bool exec(const QString &sql, const QVariantList &binds = {})
    {
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        q.prepare(sql);
        for (const QVariant &v : binds)
            q.addBindValue(v);
        if (!q.exec()) {
            qWarning("raw exec failed: %s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
            return false;
        }
        return true;
    }
    QVariant value(const QString &sql, const QVariantList &binds = {})
    {
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        q.prepare(sql);
        for (const QVariant &v : binds)
            q.addBindValue(v);
        if (!q.exec() || !q.next())
            return {};
        return q.value(0);
    }

private:
    QString m_name;
};

}  // namespace

class TstRolloutStore : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_n = 0;
    QString freshPath() { return m_dir.filePath(QStringLiteral("ws%1/.codex/rollouts.sqlite").arg(++m_n)); }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void createListLoad()
    {
        RolloutStore store;
        const QString path = freshPath();
        QCOMPARE(RolloutStore::defaultPath("/ws"), QStringLiteral("/ws/.codex/rollouts.sqlite"));
        QVERIFY(store.open(path).ok);
        QVERIFY(store.isOpen());
        QVERIFY(QFile::exists(path));
        qint64 id1 = 0, id2 = 0;
        StoreResult r = store.create(QStringLiteral("  Codex parity 2026-11  "), {tmpl("codex-parity")}, "alice", &id1);
        QVERIFY2(r.ok, qPrintable(r.message));
        QElapsedTimer timer;
        timer.start();
        r = store.create(QStringLiteral("Both"), both(), "bob", &id2);
        QVERIFY2(r.ok, qPrintable(r.message));
        const qint64 createMs = timer.restart();
        QVERIFY(store.load(id2));
        qInfo("create from both templates: %lld ms, load: %lld ms", createMs, timer.elapsed());
        QVERIFY(id1 > 0 && id2 > id1);

        QString error;
        const auto list = store.list(&error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(list.size(), 2);
        QCOMPARE(list.at(0).name, QStringLiteral("Both"));  // newest first
        QCOMPARE(list.at(1).name, QStringLiteral("Codex parity 2026-11"));
        const int cpItems = int(tmpl("codex-parity").items.size());
        const int aiItems = int(tmpl("archive-improvements").items.size());
        QCOMPARE(list.at(1).items, cpItems);
        QCOMPARE(list.at(1).open, cpItems);
        QCOMPARE(list.at(0).items, cpItems + aiItems);
        QCOMPARE(list.at(0).templateIds, QStringList({"codex-parity", "archive-improvements"}));  // seed order
        QCOMPARE(list.at(0).roles, 5);
        QCOMPARE(list.at(0).createdBy, QStringLiteral("bob"));

        const auto cp = store.load(QStringLiteral("Codex parity 2026-11"), &error);
        QVERIFY2(cp, qPrintable(error));
        QCOMPARE(cp->id, id1);
        QCOMPARE(cp->items.size(), cpItems);
        QCOMPARE(cp->roles, defaultRoles());
        QCOMPARE(cp->templateIds, QStringList{"codex-parity"});
        QCOMPARE(cp->createdBy, QStringLiteral("alice"));
        QCOMPARE(cp->createdAt.timeSpec(), Qt::UTC);
        for (int i = 0; i < cp->items.size(); ++i) {
            QCOMPARE(cp->items.at(i).def.toJson(), tmpl("codex-parity").items.at(i).toJson());
            QCOMPARE(cp->items.at(i).status, ItemStatus::Open);
            QCOMPARE(cp->items.at(i).templateId, QStringLiteral("codex-parity"));
        }
        const RolloutItem *manual = cp->item("cp.pre.testing.manual.streaming");
        QVERIFY(manual);
        QCOMPARE(manual->def.suiteItem, QStringLiteral("Streaming responses"));
        QCOMPARE(manual->def.parentKey, QStringLiteral("cp.pre.testing.manual"));
        QCOMPARE(cp->item("cp.post.success.error-rate")->def.criterion.params.value("threshold_pct").toDouble(), 1.0);

        const auto byId = store.load(id2, &error);
        QVERIFY2(byId, qPrintable(error));
        QCOMPARE(byId->name, QStringLiteral("Both"));
        QCOMPARE(byId->items.first().def.key, tmpl("codex-parity").items.first().key);
        QCOMPARE(byId->items.last().def.key, tmpl("archive-improvements").items.last().key);

        QVERIFY(!store.load(QStringLiteral("Nope"), &error));
        QVERIFY2(error.contains("Nope") && error.contains("Both"), qPrintable(error));
    }

    void badNames()
    {
        RolloutStore store;
        QVERIFY(store.open(freshPath()).ok);
        QVERIFY(store.create("Demo", {tmpl("codex-parity")}, "alice").ok);
        StoreResult r = store.create("  Demo ", {tmpl("archive-improvements")}, "bob");
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("\"Demo\" already exists") && r.message.contains("alice"), qPrintable(r.message));
        r = store.create("   ", {tmpl("codex-parity")}, "bob");
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("name"), qPrintable(r.message));
        r = store.create(QString(201, QLatin1Char('x')), {tmpl("codex-parity")}, "bob");
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("201") && r.message.contains("200"), qPrintable(r.message));
        QVERIFY(store.create(QString(200, QChar(0x05D0)), {tmpl("codex-parity")}, "bob").ok);
        r = store.create("Twice", {tmpl("codex-parity"), tmpl("codex-parity")}, "bob");
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("codex-parity"), qPrintable(r.message));
        r = store.create("None", {}, "bob");
        QVERIFY(!r.ok);
        QCOMPARE(store.list().size(), 2);

        QVERIFY(store.rename("Demo", "Demo 2", "carol").ok);
        QVERIFY(!store.load("Demo"));
        QVERIFY(store.load("Demo 2"));
        r = store.rename("Demo 2", QString(200, QChar(0x05D0)), "carol");
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("already exists"), qPrintable(r.message));
        QVERIFY(store.remove("Demo 2", "carol").ok);
        QCOMPARE(store.list().size(), 1);
        r = store.remove("Demo 2", "carol");
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("Demo 2"), qPrintable(r.message));
    }

    void itemEditsAndHistory()
    {
        RolloutStore store;
        QVERIFY(store.open(freshPath()).ok);
        QVERIFY(store.create("R", {tmpl("codex-parity")}, "alice").ok);
        const QDateTime before = QDateTime::currentDateTimeUtc().addMSecs(-1);
        const QString key = QStringLiteral("cp.pre.testing.unit");
        StoreResult r = store.setStatus("R", key, ItemStatus::Done, "bob");
        QVERIFY2(r.ok, qPrintable(r.message));
        QVERIFY(store.setStatus("R", key, ItemStatus::Done, "carol").ok);  // no-op
        QVERIFY(store.setOwner("R", key, "Dana", "bob").ok);
        QVERIFY(store.setOwner("R", key, "Dana", "bob").ok);  // no-op
        QVERIFY(store.setNote("R", key, "ran on CI #42", "bob").ok);
        QVERIFY(store.setStatus("R", key, ItemStatus::Blocked, "erin").ok);
        const QDateTime after = QDateTime::currentDateTimeUtc().addMSecs(1);

        const auto ro = store.load("R");
        QVERIFY(ro);
        const RolloutItem *it = ro->item(key);
        QCOMPARE(it->status, ItemStatus::Blocked);
        QCOMPARE(it->owner, QStringLiteral("Dana"));
        QCOMPARE(it->note, QStringLiteral("ran on CI #42"));
        QCOMPARE(it->updatedBy, QStringLiteral("erin"));
        QVERIFY(it->updatedAt >= before && it->updatedAt <= after);
        QVERIFY(!ro->item("cp.pre.testing.integration")->updatedAt.isValid());
        QCOMPARE(ro->count(ItemStatus::Blocked), 1);

        QString error;
        const auto h = store.history("R", key, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QCOMPARE(h.size(), 4);
        QCOMPARE(h.at(0).field, QStringLiteral("status"));
        QCOMPARE(h.at(0).oldValue, QStringLiteral("open"));
        QCOMPARE(h.at(0).newValue, QStringLiteral("done"));
        QCOMPARE(h.at(0).by, QStringLiteral("bob"));
        QCOMPARE(h.at(0).itemKey, key);
        QVERIFY(h.at(0).at >= before && h.at(0).at <= after);
        QCOMPARE(h.at(0).at.timeSpec(), Qt::UTC);
        QCOMPARE(h.at(1).field, QStringLiteral("owner"));
        QCOMPARE(h.at(1).oldValue, QString());
        QCOMPARE(h.at(1).newValue, QStringLiteral("Dana"));
        QCOMPARE(h.at(2).field, QStringLiteral("note"));
        QCOMPARE(h.at(3).oldValue, QStringLiteral("done"));
        QCOMPARE(h.at(3).newValue, QStringLiteral("blocked"));
        QCOMPARE(h.at(3).by, QStringLiteral("erin"));

        const auto all = store.history("R");
        QCOMPARE(all.size(), 5);
        QCOMPARE(all.first().field, QStringLiteral("created"));
        QCOMPARE(all.first().by, QStringLiteral("alice"));
        QVERIFY(all.first().itemKey.isEmpty());

        // Millisecond timestamps in the database.
        RawDb raw(store.path());
        QVERIFY(raw.value("SELECT at FROM changes ORDER BY id DESC LIMIT 1").toString().contains(QRegularExpression("T\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$")));
    }

    void badItemEdits()
    {
        RolloutStore store;
        QVERIFY(store.open(freshPath()).ok);
        QVERIFY(store.create("R", {tmpl("codex-parity")}, "alice").ok);
        StoreResult r = store.setStatus("R", "cp.no.such.item", ItemStatus::Done, "bob");
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("cp.no.such.item") && r.message.contains("\"R\""), qPrintable(r.message));
        r = store.setNote("Ghost", "cp.pre.testing.unit", "x", "bob");
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("Ghost") && r.message.contains("known: R"), qPrintable(r.message));
        r = store.setStatus("R", "cp.signoff.qa", ItemStatus::Done, "bob");
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("cp.signoff.qa") && r.message.contains("sign-off line") && r.message.contains("rollout sign"),
                 qPrintable(r.message));
        QCOMPARE(store.history("R").size(), 1);
        QCOMPARE(store.load("R")->item("cp.signoff.qa")->status, ItemStatus::Open);
        QString error;
        QVERIFY(store.history("R", "cp.nope", &error).isEmpty());
        QVERIFY2(error.contains("cp.nope"), qPrintable(error));
    }

    void unicodeAndLongText()
    {
        RolloutStore store;
        const QString path = freshPath();
        QVERIFY(store.open(path).ok);
        QVERIFY(store.create("Ünïcødé ✓ — שחרור", {tmpl("archive-improvements")}, "אליס").ok);
        const QString rtl = QStringLiteral("שלום עולם — مرحبا بالعالم \u200F(RTL)\u200E 🚀 e\u0301 ß 中文 \t tab\nnew line\r\nCRLF");
        QString huge;
        huge.reserve(100000);
        while (huge.size() < 100000)
            huge += QStringLiteral("ناقص 🚀 é ");
        huge.truncate(100000);
        if (huge.at(huge.size() - 1).isHighSurrogate())
            huge.chop(1);
        const QString key = "ai.post.day1.cli";
        QVERIFY(store.setNote("Ünïcødé ✓ — שחרור", key, rtl, "אליס").ok);
        QVERIFY(store.setOwner("Ünïcødé ✓ — שחרור", key, QStringLiteral("محمد 🚀"), "אליס").ok);
        QVERIFY(store.setNote("Ünïcødé ✓ — שחרור", "ai.post.day1.migrations", huge, "bob").ok);
        store.close();

        RolloutStore again;
        QVERIFY(again.open(path, false).ok);
        const auto r = again.load("Ünïcødé ✓ — שחרור");
        QVERIFY(r);
        QCOMPARE(r->item(key)->note, rtl);
        QCOMPARE(r->item(key)->note.toUtf8(), rtl.toUtf8());
        QCOMPARE(r->item(key)->owner, QStringLiteral("محمد 🚀"));
        QCOMPARE(r->item(key)->updatedBy, QStringLiteral("אליס"));
        QCOMPARE(r->item("ai.post.day1.migrations")->note.size(), huge.size());
        QCOMPARE(r->item("ai.post.day1.migrations")->note.toUtf8(), huge.toUtf8());
        const auto h = again.history("Ünïcødé ✓ — שחרור", "ai.post.day1.migrations");
        QCOMPARE(h.size(), 1);
        QCOMPARE(h.first().newValue, huge);
    }

    void evidenceRoundTrip()
    {
        RolloutStore store;
        QVERIFY(store.open(freshPath()).ok);
        QVERIFY(store.create("R", {tmpl("codex-parity")}, "alice").ok);
        Evidence e;
        e.kind = EvidenceKind::MetricSnapshot;
        e.title = "Monitor: error ratio around canary 5 %";
        e.summary = "error ratio 0.08 % → 0.40 %";
        e.createdAt = QDateTime(QDate(2026, 11, 25), QTime(10, 15, 0, 250), Qt::UTC);
        e.createdBy = "Monitor page";
        e.source = "scrape http://127.0.0.1:9/metrics";
        e.passed = false;
        MetricSnapshot m;
        m.takenAt = e.createdAt;
        m.values = {{"error_ratio", 0.004}};
        e.payload = m.toJson();
        e.payload.insert("note", QStringLiteral("עברית ✓"));
        QByteArray png("\x89PNG\r\n\x1a\n", 8);
        QRandomGenerator rng(5000);  // seeded: the same bytes every run
        for (int i = 0; i < 5000; ++i)
            png.append(char(rng.bounded(256)));
        png.append('\0');
        e.png = png;
        const QString sha = e.sha256();
        qint64 eid = 0;
        const QStringList keys = {"cp.post.success.error-rate", "cp.post.success.dashboards"};
        StoreResult r = store.attachEvidence("R", e, keys, "bob", &eid);
        QVERIFY2(r.ok, qPrintable(r.message));
        QVERIFY(eid > 0);
        Evidence wide;
        wide.kind = EvidenceKind::Note;
        wide.title = "rollout-wide";
        qint64 wideId = 0;
        QVERIFY(store.attachEvidence("R", wide, {}, "bob", &wideId).ok);

        auto ro = store.load("R");
        QVERIFY(ro);
        QCOMPARE(ro->evidence.size(), 2);
        const Evidence *back = ro->evidenceById(eid);
        QVERIFY(back);
        QCOMPARE(back->png, png);
        QCOMPARE(back->payload, e.payload);
        QCOMPARE(back->title, e.title);
        QCOMPARE(back->summary, e.summary);
        QCOMPARE(back->createdAt, e.createdAt);
        QCOMPARE(back->createdBy, e.createdBy);
        QCOMPARE(back->source, e.source);
        QCOMPARE(back->passed, false);
        QCOMPARE(back->kind, EvidenceKind::MetricSnapshot);
        QCOMPARE(back->sha256(), sha);
        QCOMPARE(MetricSnapshot::fromJson(back->payload).values, m.values);
        QCOMPARE(ro->item(keys.at(0))->evidenceIds, QList<qint64>{eid});
        QCOMPARE(ro->item(keys.at(1))->evidenceIds, QList<qint64>{eid});
        QVERIFY(ro->item("cp.post.success.sla")->evidenceIds.isEmpty());
        QCOMPARE(ro->evidenceById(wideId)->createdBy, QStringLiteral("bob"));  // defaults to the attacher
        {
            RawDb raw(store.path());
            QCOMPARE(raw.value("SELECT sha256 FROM evidence WHERE id = ?", {eid}).toString(), sha);
        }

        const auto h = store.history("R", keys.at(0));
        QCOMPARE(h.size(), 1);
        QCOMPARE(h.first().field, QStringLiteral("evidence"));
        QCOMPARE(h.first().newValue, QStringLiteral("#%1 metric-snapshot %2").arg(eid).arg(e.title));

        // Unknown item: nothing stored.
        r = store.attachEvidence("R", e, {"cp.post.success.sla", "cp.bogus"}, "bob");
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("cp.bogus"), qPrintable(r.message));
        QCOMPARE(store.load("R")->evidence.size(), 2);

        QVERIFY(store.detachEvidence("R", eid, keys.at(1), "bob").ok);
        r = store.detachEvidence("R", eid, keys.at(1), "bob");
        QVERIFY(!r.ok);
        ro = store.load("R");
        QVERIFY(ro->item(keys.at(1))->evidenceIds.isEmpty());
        QCOMPARE(ro->item(keys.at(0))->evidenceIds, QList<qint64>{eid});
    }

    void criteriaRecorded()
    {
        RolloutStore store;
        QVERIFY(store.open(freshPath()).ok);
        QVERIFY(store.create("R", {tmpl("archive-improvements")}, "alice").ok);
        CriterionResult a;
        a.id = "restore-p99";
        a.itemKey = "ai.post.day1.restore-p99";
        a.verdict = CriterionResult::Verdict::Pass;
        a.figure = "p99 212 ms over 200 restores";
        a.value = 212;
        a.evaluatedAt = QDateTime::currentDateTimeUtc();
        CriterionResult b;
        b.id = "evidence-log";
        b.itemKey = "ai.post.day1.evidence-log";
        b.reason = "no evidence log";
        QVERIFY(store.recordCriteria("R", {a, b}, "bob").ok);
        a.evaluatedAt = a.evaluatedAt.addSecs(60);
        QVERIFY(store.recordCriteria("R", {a, b}, "bob").ok);  // same outcome, new time: no change row
        const auto ro = store.load("R");
        QCOMPARE(ro->criteria.size(), 2);
        QCOMPARE(ro->criteria.at(0).toJson(), a.toJson());
        QCOMPARE(ro->criteria.at(1).verdict, CriterionResult::Verdict::NoData);
        auto crit = [&] {
            int n = 0;
            for (const Change &c : store.history("R"))
                n += c.field == QLatin1String("criteria");
            return n;
        };
        QCOMPARE(crit(), 1);
        b.verdict = CriterionResult::Verdict::Fail;
        QVERIFY(store.recordCriteria("R", {a, b}, "bob").ok);
        QCOMPARE(crit(), 2);
        QCOMPARE(store.history("R").last().newValue, QStringLiteral("1 pass, 1 fail, 0 no data"));
    }

    void signVerifyChangedTampered()
    {
        RolloutStore store;
        const QString path = freshPath();
        QVERIFY(store.open(path).ok);
        QVERIFY(store.create("R", {tmpl("codex-parity")}, "alice").ok);
        QVERIFY(store.setStatus("R", "cp.pre.review.reviewed", ItemStatus::Done, "alice").ok);

        StoreResult r = store.sign("R", "Legal", "Lee", "", content(*store.load("R")));
        QVERIFY(!r.ok);
        QVERIFY2(r.message.contains("Legal") && r.message.contains("Development, QA, DevOps, Product Owner, Engineering Manager"),
                 qPrintable(r.message));
        r = store.sign("R", "QA", "  ", "", content(*store.load("R")));
        QVERIFY(!r.ok);

        const QByteArray sealed = content(*store.load("R"));
        SignOff so;
        r = store.sign("R", "QA", "Quinn", "Looks good — ✓", sealed, &so);
        QVERIFY2(r.ok, qPrintable(r.message));
        QCOMPARE(so.contentSha256, codex::Sha256::hex(sealed));
        QVERIFY(so.id > 0);
        auto ro = store.load("R");
        QCOMPARE(ro->signOffs.size(), 1);
        QCOMPARE(ro->signOffs.first().name, QStringLiteral("Quinn"));
        QCOMPARE(ro->signOffs.first().comment, QStringLiteral("Looks good — ✓"));
        QCOMPARE(ro->signOffs.first().content, sealed);
        QCOMPARE(ro->item("cp.signoff.qa")->status, ItemStatus::Done);
        QCOMPARE(ro->item("cp.signoff.qa")->updatedBy, QStringLiteral("Quinn"));
        QCOMPARE(store.history("R").last().field, QStringLiteral("signoff"));

        auto checks = store.verify(*ro, content(*ro));
        QCOMPARE(checks.size(), 1);
        QCOMPARE(checks.first().state, SignOffCheck::State::Valid);
        QCOMPARE(signOffStateName(checks.first().state), QStringLiteral("valid"));

        // Signing again for the role replaces the sign-off (the old one is kept, revoked).
        QVERIFY(store.sign("R", "QA", "Quincy", "", sealed).ok);
        QVERIFY(store.sign("R", "Development", "Dev", "", sealed).ok);
        ro = store.load("R");
        QCOMPARE(ro->signOffs.size(), 2);
        QCOMPARE(ro->signOffs.at(0).role, QStringLiteral("Development"));  // role order
        QCOMPARE(ro->signOffs.at(1).name, QStringLiteral("Quincy"));
        {
            RawDb raw(path);
            QCOMPARE(raw.value("SELECT count(*) FROM signoffs WHERE role = 'QA'").toInt(), 2);
            QCOMPARE(raw.value("SELECT count(*) FROM signoffs WHERE role = 'QA' AND revoked = 1").toInt(), 1);
        }

        // A change after the sign-off.
        QVERIFY(store.setStatus("R", "cp.pre.docs.readme", ItemStatus::Blocked, "erin").ok);
        QVERIFY(store.setNote("R", "cp.pre.docs.readme", "waiting for review", "erin").ok);
        ro = store.load("R");
        checks = store.verify(*ro, content(*ro));
        QCOMPARE(checks.size(), 2);
        for (const SignOffCheck &c : checks) {
            QCOMPARE(c.state, SignOffCheck::State::Changed);
            QVERIFY2(c.message.contains("changed after sign-off") && c.message.contains("cp.pre.docs.readme")
                         && c.message.contains("status"),
                     qPrintable(c.message));
            QVERIFY2(c.diff.contains("\"blocked\"") && c.diff.contains("-") && c.diff.contains("@@"), qPrintable(c.diff));
            QCOMPARE(c.currentSha256, codex::Sha256::hex(content(*ro)));
        }

        // Tampering with the stored content behind the store's back.
        {
            RawDb raw(path);
            QByteArray forged = sealed;
            forged.replace("\"open\"", "\"done\"");
            QVERIFY(raw.exec("UPDATE signoffs SET content = ? WHERE role = 'Development' AND revoked = 0", {forged}));
        }
        ro = store.load("R");
        checks = store.verify(*ro, content(*ro));
        QCOMPARE(checks.at(0).signOff.role, QStringLiteral("Development"));
        QCOMPARE(checks.at(0).state, SignOffCheck::State::Tampered);
        QVERIFY2(checks.at(0).message.contains("altered in the database"), qPrintable(checks.at(0).message));
        QCOMPARE(signOffStateName(checks.at(0).state), QStringLiteral("tampered"));
        QCOMPARE(checks.at(1).state, SignOffCheck::State::Changed);

        // Revoking and removing roles.
        QVERIFY(store.revokeSignOff("R", "QA", "boss").ok);
        QVERIFY(!store.revokeSignOff("R", "QA", "boss").ok);
        ro = store.load("R");
        QCOMPARE(ro->signOffs.size(), 1);
        QCOMPARE(ro->item("cp.signoff.qa")->status, ItemStatus::Open);
        QVERIFY(store.setRoles("R", {"Development", "QA", "Security"}, "boss").ok);
        ro = store.load("R");
        QCOMPARE(ro->roles, QStringList({"Development", "QA", "Security"}));
        QVERIFY(store.sign("R", "Security", "Sam", "", sealed).ok);
        QVERIFY(store.setRoles("R", {"QA", "Security"}, "boss").ok);  // Development's sign-off revoked
        ro = store.load("R");
        QCOMPARE(ro->signOffs.size(), 1);
        QCOMPARE(ro->signOffs.first().role, QStringLiteral("Security"));
        QVERIFY(!store.setRoles("R", {"QA", " "}, "boss").ok);
        QVERIFY(!store.setRoles("R", {"QA", "QA"}, "boss").ok);
    }

    void corruptFileIsLeftAlone()
    {
        const QString path = freshPath();
        QDir().mkpath(QFileInfo(path).absolutePath());
        QByteArray junk;
        QRandomGenerator rng(8192);  // seeded: the same bytes every run
        for (int i = 0; i < 8192; ++i)
            junk.append(char(rng.bounded(256)));
        writeAll(path, junk);
        RolloutStore store;
        QString why = refusedUntouched(store, path, {"is not a rollouts database", QFileInfo(path).fileName()});
        QVERIFY2(why.isEmpty(), qPrintable(why));
        QVERIFY(!store.isOpen());
        QVERIFY(!QFile::exists(path + "-wal") && !QFile::exists(path + "-journal"));

        // A truncated copy of a real rollouts database.
        const QString good = freshPath();
        QVERIFY(createWithRollout(good, both()));
        QByteArray half = readAll(good);
        QVERIFY(half.size() > 8192);
        half = half.left(half.size() / 2);
        half.replace(4096, 1024, QByteArray(1024, '\xff'));
        writeAll(path, half);
        why = refusedUntouched(store, path, {"not a rollouts database"});
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }

    void foreignSqliteIsRefused()
    {
        const QString path = freshPath();
        QDir().mkpath(QFileInfo(path).absolutePath());
        {
            RawDb raw(path);
            QVERIFY(raw.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)"));
            QVERIFY(raw.exec("INSERT INTO customers (name) VALUES ('x')"));
        }
        RolloutStore store;
        const QString why = refusedUntouched(store, path, {"not a rollouts database", "customers"});
        QVERIFY2(why.isEmpty(), qPrintable(why));

        // An empty file is adopted (SQLite treats it as an empty database).
        const QString empty = freshPath();
        QDir().mkpath(QFileInfo(empty).absolutePath());
        writeAll(empty, {});
        QVERIFY(store.open(empty).ok);
        QVERIFY(store.create("R", {tmpl("codex-parity")}, "a").ok);

        // open(create=false) does not create a missing file.
        const QString missing = freshPath();
        const StoreResult r3 = store.open(missing, false);
        QVERIFY(!r3.ok);
        QVERIFY2(r3.message.contains("does not exist"), qPrintable(r3.message));
        QVERIFY(!QFile::exists(missing));
    }

    void newerSchemaIsRefused()
    {
        const QString path = freshPath();
        QVERIFY(createWithRollout(path, {tmpl("codex-parity")}));
        {
            RawDb raw(path);
            QCOMPARE(raw.value("PRAGMA user_version").toInt(), 1);
            QVERIFY(raw.exec("PRAGMA user_version = 7"));
        }
        RolloutStore store;
        const QString why = refusedUntouched(store, path, {"written by a newer Codex Admin (schema 7, this build knows 1)"});
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }

    void lockedDatabase()
    {
        const QString path = freshPath();
        RolloutStore store;
        QVERIFY(store.open(path).ok);
        store.setBusyTimeoutMs(300);
        QVERIFY(store.create("R", {tmpl("codex-parity")}, "alice").ok);
        const QString key = "cp.pre.testing.unit";
        {
            RawDb other(path);
            QVERIFY(other.exec("BEGIN EXCLUSIVE"));
            QVERIFY(other.exec("UPDATE items SET note = 'other program' WHERE key = 'cp.pre.docs.readme'"));
            QElapsedTimer t;
            t.start();
            const StoreResult r = store.setStatus("R", key, ItemStatus::Done, "bob");
            const qint64 ms = t.elapsed();
            QVERIFY(!r.ok);
            QVERIFY2(r.message.contains("is locked by another program") && r.message.contains("300 ms"), qPrintable(r.message));
            QVERIFY2(ms >= 250 && ms < 5000, qPrintable(QString::number(ms)));
            const StoreResult r2 = store.attachEvidence("R", Evidence{}, {key}, "bob");
            QVERIFY(!r2.ok);
            // WAL: readers are not blocked by the other program's write lock.
            QString error;
            const auto during = store.load("R", &error);
            QVERIFY2(during, qPrintable(error));
            QCOMPARE(during->item("cp.pre.docs.readme")->note, QString());  // its uncommitted change is not visible
            RolloutStore reader;
            QVERIFY(reader.open(path).ok);
            QCOMPARE(reader.list().size(), 1);
            QVERIFY(other.exec("ROLLBACK"));
        }
        const auto ro = store.load("R");
        QVERIFY(ro);
        QCOMPARE(ro->item(key)->status, ItemStatus::Open);
        QVERIFY(ro->evidence.isEmpty());
        QCOMPARE(store.history("R").size(), 1);
        QVERIFY(store.setStatus("R", key, ItemStatus::Done, "bob").ok);
    }

    void twoStoresSeeEachOther()
    {
        const QString path = freshPath();
        RolloutStore a, b;
        QVERIFY(a.open(path).ok);
        QVERIFY(b.open(path).ok);
        QVERIFY(a.create("Shared", {tmpl("archive-improvements")}, "alice").ok);
        QCOMPARE(b.list().size(), 1);
        QVERIFY(b.setStatus("Shared", "ai.pre.review.tests", ItemStatus::Done, "bob").ok);
        QCOMPARE(a.load("Shared")->item("ai.pre.review.tests")->status, ItemStatus::Done);
        QVERIFY(a.setOwner("Shared", "ai.pre.review.tests", "alice", "alice").ok);
        QCOMPARE(b.load("Shared")->item("ai.pre.review.tests")->owner, QStringLiteral("alice"));
        QCOMPARE(b.history("Shared").size(), 3);
        const StoreResult dup = b.create("Shared", {tmpl("codex-parity")}, "bob");
        QVERIFY(!dup.ok);
        a.close();
        QVERIFY(!a.isOpen());
        QVERIFY(!a.setStatus("Shared", "ai.pre.review.tests", ItemStatus::Open, "alice").ok);
        QVERIFY(b.load("Shared"));
    }
};

QTEST_GUILESS_MAIN(TstRolloutStore)
#include "tst_rolloutstore.moc"
