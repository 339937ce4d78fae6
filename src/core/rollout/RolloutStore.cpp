#include "rollout/RolloutStore.h"

#include "common/Sha256.h"
#include "common/TextDiff.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>
#include <functional>
#include <tuple>

namespace codex::rollout {

QString signOffStateName(SignOffCheck::State s)
{
    switch (s) {
    case SignOffCheck::State::Valid: return QStringLiteral("valid");
    case SignOffCheck::State::Changed: return QStringLiteral("changed after sign-off");
    case SignOffCheck::State::Tampered: return QStringLiteral("tampered");
    }
    return QStringLiteral("valid");
}

namespace {

QAtomicInteger<quint64> g_connectionCounter;

/// Schema migrations: entry N-1 takes a database from user_version N-1 to N. Each list runs in
/// one transaction together with the `PRAGMA user_version` bump.
const QList<QStringList> &migrations()
{
    static const QList<QStringList> steps = {
        // 1: the first schema.
        {
            QStringLiteral("CREATE TABLE rollouts ("
                           " id INTEGER PRIMARY KEY,"
                           " name TEXT NOT NULL UNIQUE,"
                           " templates TEXT NOT NULL,"          // JSON array of template ids
                           " created_at TEXT NOT NULL,"
                           " created_by TEXT,"
                           " roles TEXT NOT NULL)"),            // JSON array of role names
            QStringLiteral("CREATE TABLE items ("
                           " id INTEGER PRIMARY KEY,"
                           " rollout_id INTEGER NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,"
                           " key TEXT NOT NULL,"
                           " template_id TEXT NOT NULL,"
                           " position INTEGER NOT NULL,"
                           " kind TEXT NOT NULL,"
                           " role TEXT,"
                           " def TEXT NOT NULL,"                // TemplateItem JSON
                           " status TEXT NOT NULL DEFAULT 'open',"
                           " owner TEXT,"
                           " note TEXT,"
                           " updated_at TEXT,"
                           " updated_by TEXT,"
                           " UNIQUE (rollout_id, key))"),
            QStringLiteral("CREATE TABLE evidence ("
                           " id INTEGER PRIMARY KEY,"
                           " rollout_id INTEGER NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,"
                           " kind TEXT NOT NULL,"
                           " title TEXT,"
                           " summary TEXT,"
                           " created_at TEXT,"
                           " created_by TEXT,"
                           " source TEXT,"
                           " passed INTEGER NOT NULL DEFAULT 1,"
                           " payload TEXT,"
                           " png BLOB,"
                           " sha256 TEXT NOT NULL)"),
            QStringLiteral("CREATE TABLE item_evidence ("
                           " item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,"
                           " evidence_id INTEGER NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,"
                           " PRIMARY KEY (item_id, evidence_id))"),
            QStringLiteral("CREATE TABLE signoffs ("
                           " id INTEGER PRIMARY KEY,"
                           " rollout_id INTEGER NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,"
                           " role TEXT NOT NULL,"
                           " name TEXT NOT NULL,"
                           " signed_at TEXT NOT NULL,"
                           " comment TEXT,"
                           " content_sha256 TEXT NOT NULL,"
                           " content BLOB,"
                           " revoked INTEGER NOT NULL DEFAULT 0)"),
            QStringLiteral("CREATE TABLE criteria ("
                           " rollout_id INTEGER PRIMARY KEY REFERENCES rollouts(id) ON DELETE CASCADE,"
                           " results TEXT NOT NULL,"
                           " evaluated_at TEXT NOT NULL,"
                           " evaluated_by TEXT)"),
            QStringLiteral("CREATE TABLE changes ("
                           " id INTEGER PRIMARY KEY,"
                           " rollout_id INTEGER NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,"
                           " at TEXT NOT NULL,"
                           " by TEXT,"
                           " item_key TEXT,"
                           " field TEXT NOT NULL,"
                           " old_value TEXT,"
                           " new_value TEXT)"),
            QStringLiteral("CREATE INDEX items_rollout ON items(rollout_id, position)"),
            QStringLiteral("CREATE INDEX evidence_rollout ON evidence(rollout_id)"),
            QStringLiteral("CREATE INDEX item_evidence_evidence ON item_evidence(evidence_id)"),
            QStringLiteral("CREATE INDEX signoffs_rollout ON signoffs(rollout_id, role)"),
            QStringLiteral("CREATE INDEX changes_rollout ON changes(rollout_id, id)"),
        },
    };
    static_assert(RolloutStore::kSchemaVersion == 1, "add the migration steps for the new schema version");
    return steps;
}

const QSet<QString> &ourTables()
{
    static const QSet<QString> t = {QStringLiteral("rollouts"), QStringLiteral("items"),    QStringLiteral("evidence"),
                                    QStringLiteral("item_evidence"), QStringLiteral("signoffs"), QStringLiteral("criteria"),
                                    QStringLiteral("changes")};
    return t;
}

QString nowIso()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

QString iso(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QDateTime fromIso(const QString &s)
{
    if (s.isEmpty())
        return {};
    const QDateTime t = QDateTime::fromString(s, Qt::ISODateWithMs);
    return t.isValid() ? t.toUTC() : QDateTime();
}

QString jsonArray(const QStringList &l)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(l)).toJson(QJsonDocument::Compact));
}

QStringList parseArray(const QString &s)
{
    QStringList out;
    for (const QJsonValue &v : QJsonDocument::fromJson(s.toUtf8()).array())
        out.append(v.toString());
    return out;
}

/// Non-null empty string: QtSql binds a null QString as SQL NULL.
QVariant text(const QString &s)
{
    return s.isNull() ? QVariant(QStringLiteral("")) : QVariant(s);
}

int sqliteCode(const QSqlError &e)
{
    bool ok = false;
    const int c = e.nativeErrorCode().toInt(&ok);
    return ok ? (c & 0xff) : -1;
}

QString sqlMessage(const QSqlError &e)
{
    QString m = e.driverText().trimmed();
    const QString db = e.databaseText().trimmed();
    if (!db.isEmpty() && db != m)
        m = m.isEmpty() ? db : QStringLiteral("%1: %2").arg(m, db);
    return m.isEmpty() ? e.text() : m;
}

QString shortHash(const QString &h)
{
    return h.left(12);
}

QString evidenceLabel(qint64 id, const QString &kind, const QString &title)
{
    return QStringLiteral("#%1 %2 %3").arg(id).arg(kind, title);
}

/// Leaf differences between two JSON values; arrays of objects carrying "key" are matched by key
/// (the items of the canonical content) so that a changed item is named by its key.
void jsonDiff(const QJsonValue &a, const QJsonValue &b, const QString &itemKey, const QString &path,
              QList<QPair<QString, QString>> *out)
{
    if (out->size() > 50 || a == b)
        return;
    if (a.isObject() && b.isObject()) {
        const QJsonObject oa = a.toObject(), ob = b.toObject();
        QStringList keys = oa.keys();
        for (const QString &k : ob.keys())
            if (!oa.contains(k))
                keys.append(k);
        for (const QString &k : std::as_const(keys))
            jsonDiff(oa.value(k), ob.value(k), itemKey, path.isEmpty() ? k : path + QLatin1Char('.') + k, out);
        return;
    }
    if (a.isArray() && b.isArray()) {
        const QJsonArray aa = a.toArray(), ab = b.toArray();
        auto keyed = [](const QJsonArray &arr) {
            if (arr.isEmpty())
                return false;
            for (const QJsonValue &v : arr)
                if (!v.isObject() || !v.toObject().value(QStringLiteral("key")).isString())
                    return false;
            return true;
        };
        if ((keyed(aa) || aa.isEmpty()) && (keyed(ab) || ab.isEmpty()) && !(aa.isEmpty() && ab.isEmpty())) {
            QHash<QString, QJsonObject> ma;
            for (const QJsonValue &v : aa)
                ma.insert(v.toObject().value(QStringLiteral("key")).toString(), v.toObject());
            QSet<QString> seen;
            for (const QJsonValue &v : ab) {
                const QString k = v.toObject().value(QStringLiteral("key")).toString();
                seen.insert(k);
                if (!ma.contains(k))
                    out->append({k, QStringLiteral("added")});
                else
                    jsonDiff(ma.value(k), v.toObject(), k, QString(), out);
            }
            for (const QJsonValue &v : aa) {
                const QString k = v.toObject().value(QStringLiteral("key")).toString();
                if (!seen.contains(k))
                    out->append({k, QStringLiteral("removed")});
            }
            return;
        }
        const qsizetype n = qMax(aa.size(), ab.size());
        if (aa.size() != ab.size()) {
            out->append({itemKey, path.isEmpty() ? QStringLiteral("list") : path});
            return;
        }
        for (qsizetype i = 0; i < n; ++i)
            jsonDiff(aa.at(i), ab.at(i), itemKey, path, out);
        return;
    }
    out->append({itemKey, path.isEmpty() ? QStringLiteral("content") : path});
}

QByteArray pretty(const QByteArray &content)
{
    QJsonParseError pe;
    const QJsonDocument d = QJsonDocument::fromJson(content, &pe);
    if (pe.error != QJsonParseError::NoError || d.isNull())
        return content;
    return d.toJson(QJsonDocument::Indented);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

struct RolloutStore::Private {
    QString connName;
    QString path;
    int busyTimeoutMs = 2000;
    bool open = false;

    QSqlDatabase db() const { return QSqlDatabase::database(connName, false); }

    QString where() const { return QDir::toNativeSeparators(path); }

    /// A message for a failed statement: locked, not a database, or the SQLite message.
    QString fail(const QSqlError &e, const QString &doing) const
    {
        const int c = sqliteCode(e);
        if (c == 5 || c == 6)
            return QStringLiteral("%1 is locked by another program (tried for %2 ms); nothing was changed")
                .arg(where())
                .arg(busyTimeoutMs);
        if (c == 26 || c == 11)
            return QStringLiteral("%1 is not a rollouts database: %2").arg(where(), sqlMessage(e));
        if (c == 8)
            return QStringLiteral("%1 is read-only (%2): nothing was changed").arg(where(), sqlMessage(e));
        return QStringLiteral("%1: %2 failed: %3").arg(where(), doing, sqlMessage(e));
    }

    /// One write transaction (BEGIN IMMEDIATE: the write lock is taken up front, waiting up to
    /// the busy timeout, so that a locked database fails before anything is changed). Rolled
    /// back unless commit() succeeded.
    class Tx {
    public:
        Tx(Private *p, bool write) : m_p(p), m_q(p->db()), m_write(write) {}
        ~Tx()
        {
            m_q.finish();
            if (m_active) {
                QSqlQuery q(m_p->db());
                q.exec(QStringLiteral("ROLLBACK"));
            }
        }
        bool begin(QString *error)
        {
            QSqlQuery q(m_p->db());
            if (!q.exec(m_write ? QStringLiteral("BEGIN IMMEDIATE") : QStringLiteral("BEGIN"))) {
                *error = m_p->fail(q.lastError(), QStringLiteral("starting a transaction"));
                return false;
            }
            m_active = true;
            return true;
        }
        bool commit(QString *error)
        {
            m_q.finish();
            QSqlQuery q(m_p->db());
            if (!q.exec(QStringLiteral("COMMIT"))) {
                *error = m_p->fail(q.lastError(), QStringLiteral("committing"));
                return false;
            }
            m_active = false;
            return true;
        }
        /// Prepares and runs `sql` with positional bindings; the query is kept for reading.
        bool exec(const QString &sql, const QVariantList &binds, QString *error)
        {
            m_q = QSqlQuery(m_p->db());
            m_q.setForwardOnly(true);
            if (!m_q.prepare(sql)) {
                *error = m_p->fail(m_q.lastError(), QStringLiteral("preparing \"%1\"").arg(sql.left(60)));
                return false;
            }
            for (const QVariant &v : binds)
                m_q.addBindValue(v);
            if (!m_q.exec()) {
                *error = m_p->fail(m_q.lastError(), QStringLiteral("running \"%1\"").arg(sql.left(60)));
                return false;
            }
            return true;
        }
        QSqlQuery &q() { return m_q; }

    private:
        Private *m_p;
        QSqlQuery m_q;
        bool m_write;
        bool m_active = false;
    };

    bool requireOpen(QString *error) const
    {
        if (open)
            return true;
        *error = QStringLiteral("The rollouts database is not open");
        return false;
    }

    /// Every rollout's name, sorted (for "known: …" in a not-found message); none when unreadable.
    QStringList rolloutNames(Tx &tx, QString *error)
    {
        QStringList names;
        if (tx.exec(QStringLiteral("SELECT name FROM rollouts ORDER BY name"), {}, error))
            while (tx.q().next())
                names.append(tx.q().value(0).toString());
        return names;
    }

    bool rolloutId(Tx &tx, const QString &name, qint64 *id, QString *error)
    {
        if (!tx.exec(QStringLiteral("SELECT id FROM rollouts WHERE name = ?"), {text(name.trimmed())}, error))
            return false;
        if (!tx.q().next()) {
            const QStringList names = rolloutNames(tx, error);
            *error = names.isEmpty()
                         ? QStringLiteral("No rollout named \"%1\" in %2 (there are none yet)").arg(name, where())
                         : QStringLiteral("No rollout named \"%1\" in %2 (known: %3)").arg(name, where(), names.join(QStringLiteral(", ")));
            return false;
        }
        *id = tx.q().value(0).toLongLong();
        return true;
    }

    struct ItemRow {
        qint64 id = 0;
        ItemKind kind = ItemKind::Check;
        QString role;
        ItemStatus status = ItemStatus::Open;
        QString owner, note;
    };
    bool itemRow(Tx &tx, qint64 rid, const QString &rollout, const QString &key, ItemRow *row, QString *error)
    {
        if (!tx.exec(QStringLiteral("SELECT id, kind, role, status, owner, note FROM items WHERE rollout_id = ? AND key = ?"),
                     {rid, text(key)}, error))
            return false;
        if (!tx.q().next()) {
            *error = QStringLiteral("Rollout \"%1\" has no item \"%2\"").arg(rollout, key);
            return false;
        }
        row->id = tx.q().value(0).toLongLong();
        row->kind = kindFromName(tx.q().value(1).toString()).value_or(ItemKind::Check);
        row->role = tx.q().value(2).toString();
        row->status = statusFromName(tx.q().value(3).toString()).value_or(ItemStatus::Open);
        row->owner = tx.q().value(4).toString();
        row->note = tx.q().value(5).toString();
        return true;
    }

    /// A role's sign-off line(s) of the checklist: (item id, key, status).
    using SignOffLine = std::tuple<qint64, QString, QString>;
    bool signOffLines(Tx &tx, qint64 rid, const QString &role, QList<SignOffLine> *lines, QString *error)
    {
        if (!tx.exec(QStringLiteral("SELECT id, key, status FROM items WHERE rollout_id = ? AND kind = 'signoff' AND role = ?"),
                     {rid, role}, error))
            return false;
        while (tx.q().next())
            lines->append({tx.q().value(0).toLongLong(), tx.q().value(1).toString(), tx.q().value(2).toString()});
        return true;
    }

    bool change(Tx &tx, qint64 rid, const QString &at, const QString &by, const QString &itemKey, const QString &field,
                const QString &oldValue, const QString &newValue, QString *error)
    {
        return tx.exec(QStringLiteral("INSERT INTO changes (rollout_id, at, by, item_key, field, old_value, new_value) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?)"),
                       {rid, at, text(by), text(itemKey), field, text(oldValue), text(newValue)}, error);
    }

    /// Checks an existing file without writing to it: it must be SQLite, not corrupt, not from a
    /// newer build and not somebody else's database.
    bool inspect(QString *error)
    {
        const QString checkName = connName + QStringLiteral("-check");
        bool ok = true;
        {
            QSqlDatabase c = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), checkName);
            c.setDatabaseName(path);
            c.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=%1").arg(busyTimeoutMs));
            if (!c.open()) {
                *error = QStringLiteral("%1 cannot be opened: %2").arg(where(), sqlMessage(c.lastError()));
                ok = false;
            } else {
                QSqlQuery q(c);
                QStringList tables;
                int version = 0;
                if (!q.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))) {
                    *error = fail(q.lastError(), QStringLiteral("reading the schema"));
                    ok = false;
                } else {
                    while (q.next())
                        tables.append(q.value(0).toString());
                }
                if (ok && !q.exec(QStringLiteral("PRAGMA user_version"))) {
                    *error = fail(q.lastError(), QStringLiteral("reading the schema version"));
                    ok = false;
                } else if (ok && q.next()) {
                    version = q.value(0).toInt();
                }
                if (ok && version > RolloutStore::kSchemaVersion) {
                    *error = QStringLiteral("%1 was written by a newer Codex Admin (schema %2, this build knows %3); "
                                            "it was left unchanged")
                                 .arg(where())
                                 .arg(version)
                                 .arg(RolloutStore::kSchemaVersion);
                    ok = false;
                }
                if (ok && version == 0 && !tables.isEmpty()) {
                    tables.sort();
                    *error = QStringLiteral("%1 is not a rollouts database: it is an SQLite database with other tables (%2); "
                                            "it was left unchanged")
                                 .arg(where(), tables.mid(0, 5).join(QStringLiteral(", ")));
                    ok = false;
                }
                if (ok && version >= 1) {
                    QStringList missing;
                    for (const QString &t : ourTables())
                        if (!tables.contains(t))
                            missing.append(t);
                    if (!missing.isEmpty()) {
                        missing.sort();
                        *error = QStringLiteral("%1 is not a rollouts database: tables %2 are missing")
                                     .arg(where(), missing.join(QStringLiteral(", ")));
                        ok = false;
                    }
                }
                if (ok && !tables.isEmpty()) {
                    if (!q.exec(QStringLiteral("PRAGMA quick_check"))) {
                        *error = fail(q.lastError(), QStringLiteral("checking the database"));
                        ok = false;
                    } else {
                        QStringList problems;
                        while (q.next())
                            problems.append(q.value(0).toString());
                        if (problems != QStringList{QStringLiteral("ok")}) {
                            *error = QStringLiteral("%1 is not a rollouts database: it is damaged (%2); it was left unchanged")
                                         .arg(where(), problems.mid(0, 3).join(QStringLiteral("; ")));
                            ok = false;
                        }
                    }
                }
                q.finish();
            }
            c.close();
        }
        QSqlDatabase::removeDatabase(checkName);
        return ok;
    }

    bool migrate(QString *error)
    {
        QSqlQuery q(db());
        if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next()) {
            *error = fail(q.lastError(), QStringLiteral("reading the schema version"));
            return false;
        }
        const int version = q.value(0).toInt();
        q.finish();
        if (version > RolloutStore::kSchemaVersion) {
            *error = QStringLiteral("%1 was written by a newer Codex Admin (schema %2, this build knows %3); it was left unchanged")
                         .arg(where())
                         .arg(version)
                         .arg(RolloutStore::kSchemaVersion);
            return false;
        }
        if (version == RolloutStore::kSchemaVersion)
            return true;
        Tx tx(this, true);
        if (!tx.begin(error))
            return false;
        // Re-read inside the write lock: another process may have migrated meanwhile.
        if (!tx.exec(QStringLiteral("PRAGMA user_version"), {}, error) || !tx.q().next())
            return false;
        int v = tx.q().value(0).toInt();
        for (; v < RolloutStore::kSchemaVersion; ++v) {
            for (const QString &sql : migrations().at(v))
                if (!tx.exec(sql, {}, error))
                    return false;
            if (!tx.exec(QStringLiteral("PRAGMA user_version = %1").arg(v + 1), {}, error))
                return false;
        }
        return tx.commit(error);
    }

    std::optional<Rollout> loadWhere(const QString &column, const QVariant &value, const QString &shown, QString *error)
    {
        QString err;
        auto failed = [&]() -> std::optional<Rollout> {
            if (error)
                *error = err;
            return std::nullopt;
        };
        if (!requireOpen(&err))
            return failed();
        Tx tx(this, false);
        if (!tx.begin(&err))
            return failed();
        Rollout r;
        if (!tx.exec(QStringLiteral("SELECT id, name, templates, created_at, created_by, roles FROM rollouts WHERE %1 = ?").arg(column),
                     {value}, &err))
            return failed();
        if (!tx.q().next()) {
            const QStringList names = rolloutNames(tx, &err);
            err = names.isEmpty() ? QStringLiteral("No rollout %1 in %2 (there are none yet)").arg(shown, where())
                                  : QStringLiteral("No rollout %1 in %2 (known: %3)").arg(shown, where(), names.join(QStringLiteral(", ")));
            return failed();
        }
        QSqlQuery &q = tx.q();
        r.id = q.value(0).toLongLong();
        r.name = q.value(1).toString();
        r.templateIds = parseArray(q.value(2).toString());
        r.createdAt = fromIso(q.value(3).toString());
        r.createdBy = q.value(4).toString();
        r.roles = parseArray(q.value(5).toString());

        if (!tx.exec(QStringLiteral("SELECT id, template_id, position, def, status, owner, note, updated_at, updated_by, key "
                                    "FROM items WHERE rollout_id = ? ORDER BY position, id"),
                     {r.id}, &err))
            return failed();
        QHash<qint64, qsizetype> byId;
        while (q.next()) {
            RolloutItem it;
            it.id = q.value(0).toLongLong();
            it.templateId = q.value(1).toString();
            it.position = q.value(2).toInt();
            QString why;
            const auto def = TemplateItem::fromJson(QJsonDocument::fromJson(q.value(3).toString().toUtf8()).object(), &why);
            if (!def) {
                err = QStringLiteral("%1: item \"%2\" of rollout \"%3\" has an unreadable definition: %4")
                          .arg(where(), q.value(9).toString(), r.name, why);
                return failed();
            }
            it.def = *def;
            it.status = statusFromName(q.value(4).toString()).value_or(ItemStatus::Open);
            it.owner = q.value(5).toString();
            it.note = q.value(6).toString();
            it.updatedAt = fromIso(q.value(7).toString());
            it.updatedBy = q.value(8).toString();
            byId.insert(it.id, r.items.size());
            r.items.append(it);
        }
        if (!tx.exec(QStringLiteral("SELECT ie.item_id, ie.evidence_id FROM item_evidence ie JOIN items i ON i.id = ie.item_id "
                                    "WHERE i.rollout_id = ? ORDER BY ie.evidence_id"),
                     {r.id}, &err))
            return failed();
        while (q.next()) {
            const auto at = byId.constFind(q.value(0).toLongLong());
            if (at != byId.constEnd())
                r.items[*at].evidenceIds.append(q.value(1).toLongLong());
        }
        if (!tx.exec(QStringLiteral("SELECT id, kind, title, summary, created_at, created_by, source, passed, payload, png "
                                    "FROM evidence WHERE rollout_id = ? ORDER BY id"),
                     {r.id}, &err))
            return failed();
        while (q.next()) {
            Evidence e;
            e.id = q.value(0).toLongLong();
            e.kind = evidenceKindFromName(q.value(1).toString()).value_or(EvidenceKind::Note);
            e.title = q.value(2).toString();
            e.summary = q.value(3).toString();
            e.createdAt = fromIso(q.value(4).toString());
            e.createdBy = q.value(5).toString();
            e.source = q.value(6).toString();
            e.passed = q.value(7).toInt() != 0;
            e.payload = QJsonDocument::fromJson(q.value(8).toString().toUtf8()).object();
            e.png = q.value(9).toByteArray();
            r.evidence.append(e);
        }
        if (!tx.exec(QStringLiteral("SELECT id, role, name, signed_at, comment, content_sha256, content, revoked "
                                    "FROM signoffs WHERE rollout_id = ? AND revoked = 0 ORDER BY id"),
                     {r.id}, &err))
            return failed();
        while (q.next()) {
            SignOff s;
            s.id = q.value(0).toLongLong();
            s.role = q.value(1).toString();
            s.name = q.value(2).toString();
            s.signedAt = fromIso(q.value(3).toString());
            s.comment = q.value(4).toString();
            s.contentSha256 = q.value(5).toString();
            s.content = q.value(6).toByteArray();
            s.revoked = q.value(7).toInt() != 0;
            r.signOffs.append(s);
        }
        std::stable_sort(r.signOffs.begin(), r.signOffs.end(), [&](const SignOff &a, const SignOff &b) {
            auto rank = [&](const QString &role) {
                const qsizetype i = r.roles.indexOf(role);
                return i < 0 ? r.roles.size() : i;
            };
            return rank(a.role) < rank(b.role);
        });
        if (!tx.exec(QStringLiteral("SELECT results FROM criteria WHERE rollout_id = ?"), {r.id}, &err))
            return failed();
        if (q.next()) {
            for (const QJsonValue &v : QJsonDocument::fromJson(q.value(0).toString().toUtf8()).array())
                r.criteria.append(CriterionResult::fromJson(v.toObject()));
        }
        if (!tx.commit(&err))
            return failed();
        return r;
    }

    /// Sets one text/status column of an item with its change row; nothing when unchanged.
    StoreResult setField(const QString &rollout, const QString &key, const QString &field, const QString &newValue,
                         const QString &by)
    {
        QString err;
        if (!requireOpen(&err))
            return StoreResult::failure(err);
        Tx tx(this, true);
        qint64 rid = 0;
        ItemRow row;
        if (!tx.begin(&err) || !rolloutId(tx, rollout, &rid, &err) || !itemRow(tx, rid, rollout, key, &row, &err))
            return StoreResult::failure(err);
        QString oldValue;
        if (field == QLatin1String("status")) {
            if (row.kind == ItemKind::SignOff)
                return StoreResult::failure(QStringLiteral("\"%1\" is a sign-off line: use rollout sign --role \"%2\" (it is "
                                                           "ticked by signing, not by hand)")
                                                .arg(key, row.role));
            oldValue = statusName(row.status);
        } else {
            oldValue = field == QLatin1String("owner") ? row.owner : row.note;
        }
        if (oldValue == newValue)
            return StoreResult::success();
        const QString at = nowIso();
        if (!tx.exec(QStringLiteral("UPDATE items SET %1 = ?, updated_at = ?, updated_by = ? WHERE id = ?").arg(field),
                     {text(newValue), at, text(by), row.id}, &err)
            || !change(tx, rid, at, by, key, field, oldValue, newValue, &err) || !tx.commit(&err))
            return StoreResult::failure(err);
        return StoreResult::success();
    }
};

// ---------------------------------------------------------------------------------------------

RolloutStore::RolloutStore() : d(std::make_unique<Private>())
{
    d->connName = QStringLiteral("rollouts-%1-%2")
                      .arg(quintptr(this), 0, 16)
                      .arg(g_connectionCounter.fetchAndAddRelaxed(1) + 1);
}

RolloutStore::~RolloutStore()
{
    close();
}

QString RolloutStore::defaultPath(const QString &workspaceRoot)
{
    return QDir(workspaceRoot).filePath(QStringLiteral(".codex/rollouts.sqlite"));
}

StoreResult RolloutStore::open(const QString &path, bool create)
{
    close();
    d->path = QFileInfo(path).absoluteFilePath();
    const QFileInfo fi(d->path);
    if (fi.exists() && !fi.isFile())
        return StoreResult::failure(QStringLiteral("%1 is not a file").arg(d->where()));
    QString err;
    if (fi.exists()) {
        // Look first, read-only: a file that is not ours is left byte-identical.
        if (!d->inspect(&err))
            return StoreResult::failure(err);
    } else {
        if (!create)
            return StoreResult::failure(QStringLiteral("%1 does not exist").arg(d->where()));
        if (!QDir().mkpath(fi.absolutePath()))
            return StoreResult::failure(QStringLiteral("Cannot create the folder %1").arg(QDir::toNativeSeparators(fi.absolutePath())));
    }
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), d->connName);
        db.setDatabaseName(d->path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(qMax(0, d->busyTimeoutMs)));
        if (!db.open())
            err = QStringLiteral("Cannot open %1: %2").arg(d->where(), sqlMessage(db.lastError()));
    }
    if (err.isEmpty()) {
        QSqlQuery q(d->db());
        // WAL: the Rollout page keeps reading (refresh, reports) while the CLI writes, and a
        // reader never blocks a writer; each change is still one atomic transaction.
        if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")))
            err = d->fail(q.lastError(), QStringLiteral("reading the schema"));
        else if (!q.exec(QStringLiteral("PRAGMA foreign_keys = ON")))
            err = d->fail(q.lastError(), QStringLiteral("enabling foreign keys"));
        else if (!q.exec(QStringLiteral("PRAGMA journal_mode = WAL")))
            err = d->fail(q.lastError(), QStringLiteral("switching to WAL"));
        q.finish();
    }
    if (err.isEmpty())
        d->migrate(&err);
    if (!err.isEmpty()) {
        close();
        return StoreResult::failure(err);
    }
    d->open = true;
    return StoreResult::success();
}

void RolloutStore::close()
{
    d->open = false;
    if (QSqlDatabase::contains(d->connName)) {
        {
            QSqlDatabase db = QSqlDatabase::database(d->connName, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(d->connName);
    }
}

bool RolloutStore::isOpen() const
{
    return d->open;
}

QString RolloutStore::path() const
{
    return d->path;
}

void RolloutStore::setBusyTimeoutMs(int ms)
{
    d->busyTimeoutMs = qMax(0, ms);
    if (d->open) {
        QSqlQuery q(d->db());
        q.exec(QStringLiteral("PRAGMA busy_timeout = %1").arg(d->busyTimeoutMs));
    }
}

QList<RolloutStore::Summary> RolloutStore::list(QString *error) const
{
    QList<Summary> out;
    QString err;
    auto failed = [&]() {
        if (error)
            *error = err;
        return QList<Summary>{};
    };
    if (!d->requireOpen(&err))
        return failed();
    Private::Tx tx(d.get(), false);
    if (!tx.begin(&err))
        return failed();
    if (!tx.exec(QStringLiteral(
                     "SELECT r.id, r.name, r.templates, r.created_at, r.created_by, r.roles,"
                     " (SELECT count(*) FROM items i WHERE i.rollout_id = r.id),"
                     " (SELECT count(*) FROM items i WHERE i.rollout_id = r.id AND i.status = 'done'),"
                     " (SELECT count(*) FROM items i WHERE i.rollout_id = r.id AND i.status = 'open'),"
                     " (SELECT count(*) FROM items i WHERE i.rollout_id = r.id AND i.status = 'blocked'),"
                     " (SELECT count(*) FROM items i WHERE i.rollout_id = r.id AND i.status = 'n/a'),"
                     " (SELECT count(*) FROM signoffs s WHERE s.rollout_id = r.id AND s.revoked = 0) "
                     "FROM rollouts r ORDER BY r.created_at DESC, r.id DESC"),
                 {}, &err))
        return failed();
    QSqlQuery &q = tx.q();
    while (q.next()) {
        Summary s;
        s.id = q.value(0).toLongLong();
        s.name = q.value(1).toString();
        s.templateIds = parseArray(q.value(2).toString());
        s.createdAt = fromIso(q.value(3).toString());
        s.createdBy = q.value(4).toString();
        s.roles = int(parseArray(q.value(5).toString()).size());
        s.items = q.value(6).toInt();
        s.done = q.value(7).toInt();
        s.open = q.value(8).toInt();
        s.blocked = q.value(9).toInt();
        s.notApplicable = q.value(10).toInt();
        s.signOffs = q.value(11).toInt();
        out.append(s);
    }
    if (!tx.commit(&err))
        return failed();
    return out;
}

namespace {
bool checkName(const QString &trimmed, QString *error)
{
    if (trimmed.isEmpty()) {
        *error = QStringLiteral("A rollout needs a name (1 to 200 characters)");
        return false;
    }
    if (trimmed.size() > 200) {
        *error = QStringLiteral("The rollout name is %1 characters long; at most 200 are allowed").arg(trimmed.size());
        return false;
    }
    return true;
}
}  // namespace

StoreResult RolloutStore::create(const QString &name, const QList<ChecklistTemplate> &templates, const QString &by, qint64 *id)
{
    QString err;
    if (!d->requireOpen(&err))
        return StoreResult::failure(err);
    const QString trimmed = name.trimmed();
    if (!checkName(trimmed, &err))
        return StoreResult::failure(err);
    if (templates.isEmpty())
        return StoreResult::failure(QStringLiteral("Rollout \"%1\" needs at least one checklist template").arg(trimmed));
    QStringList templateIds, roles;
    QHash<QString, QString> keyOwner;
    for (const ChecklistTemplate &t : templates) {
        if (templateIds.contains(t.id))
            return StoreResult::failure(QStringLiteral("Template \"%1\" is given twice for rollout \"%2\"").arg(t.id, trimmed));
        templateIds.append(t.id);
        for (const QString &r : t.roles)
            if (!roles.contains(r))
                roles.append(r);
        for (const TemplateItem &i : t.items) {
            if (keyOwner.contains(i.key))
                return StoreResult::failure(QStringLiteral("Item key \"%1\" occurs in template \"%2\" and in \"%3\": keys must be unique in a rollout")
                                                .arg(i.key, keyOwner.value(i.key), t.id));
            keyOwner.insert(i.key, t.id);
        }
    }
    if (roles.isEmpty())
        roles = defaultRoles();

    Private::Tx tx(d.get(), true);
    if (!tx.begin(&err))
        return StoreResult::failure(err);
    if (!tx.exec(QStringLiteral("SELECT created_at, created_by FROM rollouts WHERE name = ?"), {trimmed}, &err))
        return StoreResult::failure(err);
    if (tx.q().next()) {
        const QString by0 = tx.q().value(1).toString();
        return StoreResult::failure(QStringLiteral("A rollout named \"%1\" already exists (created %2%3); choose another name")
                                        .arg(trimmed, tx.q().value(0).toString(),
                                             by0.isEmpty() ? QString() : QStringLiteral(" by %1").arg(by0)));
    }
    const QString at = nowIso();
    if (!tx.exec(QStringLiteral("INSERT INTO rollouts (name, templates, created_at, created_by, roles) VALUES (?, ?, ?, ?, ?)"),
                 {trimmed, jsonArray(templateIds), at, text(by), jsonArray(roles)}, &err))
        return StoreResult::failure(err);
    const qint64 rid = tx.q().lastInsertId().toLongLong();
    int position = 0;
    for (const ChecklistTemplate &t : templates) {
        for (const TemplateItem &i : t.items) {
            const QString def = QString::fromUtf8(QJsonDocument(i.toJson()).toJson(QJsonDocument::Compact));
            if (!tx.exec(QStringLiteral("INSERT INTO items (rollout_id, key, template_id, position, kind, role, def, status, owner, note) "
                                        "VALUES (?, ?, ?, ?, ?, ?, ?, 'open', '', '')"),
                         {rid, i.key, t.id, position++, kindName(i.kind), text(i.role), def}, &err))
                return StoreResult::failure(err);
        }
    }
    if (!d->change(tx, rid, at, by, QString(), QStringLiteral("created"), QString(),
                   QStringLiteral("%1 from %2 (%3 items; roles %4)")
                       .arg(trimmed, templateIds.join(QStringLiteral(" + ")))
                       .arg(position)
                       .arg(roles.join(QStringLiteral(", "))),
                   &err)
        || !tx.commit(&err))
        return StoreResult::failure(err);
    if (id)
        *id = rid;
    return StoreResult::success();
}

std::optional<Rollout> RolloutStore::load(const QString &name, QString *error) const
{
    return d->loadWhere(QStringLiteral("name"), name.trimmed(), QStringLiteral("named \"%1\"").arg(name.trimmed()), error);
}

std::optional<Rollout> RolloutStore::load(qint64 id, QString *error) const
{
    return d->loadWhere(QStringLiteral("id"), id, QStringLiteral("with id %1").arg(id), error);
}

StoreResult RolloutStore::remove(const QString &name, const QString &by)
{
    Q_UNUSED(by)
    QString err;
    if (!d->requireOpen(&err))
        return StoreResult::failure(err);
    Private::Tx tx(d.get(), true);
    qint64 rid = 0;
    if (!tx.begin(&err) || !d->rolloutId(tx, name, &rid, &err)
        || !tx.exec(QStringLiteral("DELETE FROM rollouts WHERE id = ?"), {rid}, &err) || !tx.commit(&err))
        return StoreResult::failure(err);
    return StoreResult::success();
}

StoreResult RolloutStore::rename(const QString &name, const QString &newName, const QString &by)
{
    QString err;
    if (!d->requireOpen(&err))
        return StoreResult::failure(err);
    const QString trimmed = newName.trimmed();
    if (!checkName(trimmed, &err))
        return StoreResult::failure(err);
    Private::Tx tx(d.get(), true);
    qint64 rid = 0;
    if (!tx.begin(&err) || !d->rolloutId(tx, name, &rid, &err))
        return StoreResult::failure(err);
    if (trimmed == name.trimmed())
        return StoreResult::success();
    if (!tx.exec(QStringLiteral("SELECT id FROM rollouts WHERE name = ?"), {trimmed}, &err))
        return StoreResult::failure(err);
    if (tx.q().next())
        return StoreResult::failure(QStringLiteral("A rollout named \"%1\" already exists; choose another name").arg(trimmed));
    if (!tx.exec(QStringLiteral("UPDATE rollouts SET name = ? WHERE id = ?"), {trimmed, rid}, &err)
        || !d->change(tx, rid, nowIso(), by, QString(), QStringLiteral("name"), name.trimmed(), trimmed, &err)
        || !tx.commit(&err))
        return StoreResult::failure(err);
    return StoreResult::success();
}

StoreResult RolloutStore::setStatus(const QString &rollout, const QString &itemKey, ItemStatus status, const QString &by)
{
    return d->setField(rollout, itemKey, QStringLiteral("status"), statusName(status), by);
}

StoreResult RolloutStore::setOwner(const QString &rollout, const QString &itemKey, const QString &owner, const QString &by)
{
    return d->setField(rollout, itemKey, QStringLiteral("owner"), owner, by);
}

StoreResult RolloutStore::setNote(const QString &rollout, const QString &itemKey, const QString &note, const QString &by)
{
    return d->setField(rollout, itemKey, QStringLiteral("note"), note, by);
}

StoreResult RolloutStore::attachEvidence(const QString &rollout, const Evidence &evidence, const QStringList &itemKeys,
                                         const QString &by, qint64 *evidenceId)
{
    QString err;
    if (!d->requireOpen(&err))
        return StoreResult::failure(err);
    Private::Tx tx(d.get(), true);
    qint64 rid = 0;
    if (!tx.begin(&err) || !d->rolloutId(tx, rollout, &rid, &err))
        return StoreResult::failure(err);
    QList<QPair<QString, qint64>> items;
    for (const QString &key : itemKeys) {
        Private::ItemRow row;
        if (!d->itemRow(tx, rid, rollout, key, &row, &err))
            return StoreResult::failure(err);
        if (!std::any_of(items.cbegin(), items.cend(), [&](const auto &p) { return p.second == row.id; }))
            items.append({key, row.id});
    }
    const QString at = nowIso();
    const QString kind = evidenceKindName(evidence.kind);
    const QString created = evidence.createdAt.isValid() ? iso(evidence.createdAt) : at;
    const QString createdBy = evidence.createdBy.isEmpty() ? by : evidence.createdBy;
    const QString payload = QString::fromUtf8(QJsonDocument(evidence.payload).toJson(QJsonDocument::Compact));
    if (!tx.exec(QStringLiteral("INSERT INTO evidence (rollout_id, kind, title, summary, created_at, created_by, source, passed, "
                                "payload, png, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                 {rid, kind, text(evidence.title), text(evidence.summary), created, text(createdBy), text(evidence.source),
                  evidence.passed ? 1 : 0, payload, evidence.png.isEmpty() ? QVariant(QByteArray()) : QVariant(evidence.png),
                  evidence.sha256()},
                 &err))
        return StoreResult::failure(err);
    const qint64 eid = tx.q().lastInsertId().toLongLong();
    const QString label = evidenceLabel(eid, kind, evidence.title);
    for (const auto &[key, itemId] : std::as_const(items)) {
        if (!tx.exec(QStringLiteral("INSERT INTO item_evidence (item_id, evidence_id) VALUES (?, ?)"), {itemId, eid}, &err)
            || !d->change(tx, rid, at, by, key, QStringLiteral("evidence"), QString(), label, &err))
            return StoreResult::failure(err);
    }
    if (items.isEmpty() && !d->change(tx, rid, at, by, QString(), QStringLiteral("evidence"), QString(), label, &err))
        return StoreResult::failure(err);
    if (!tx.commit(&err))
        return StoreResult::failure(err);
    if (evidenceId)
        *evidenceId = eid;
    return StoreResult::success();
}

StoreResult RolloutStore::detachEvidence(const QString &rollout, qint64 evidenceId, const QString &itemKey, const QString &by)
{
    QString err;
    if (!d->requireOpen(&err))
        return StoreResult::failure(err);
    Private::Tx tx(d.get(), true);
    qint64 rid = 0;
    Private::ItemRow row;
    if (!tx.begin(&err) || !d->rolloutId(tx, rollout, &rid, &err) || !d->itemRow(tx, rid, rollout, itemKey, &row, &err))
        return StoreResult::failure(err);
    if (!tx.exec(QStringLiteral("SELECT kind, title FROM evidence WHERE id = ? AND rollout_id = ?"), {evidenceId, rid}, &err))
        return StoreResult::failure(err);
    if (!tx.q().next())
        return StoreResult::failure(QStringLiteral("Rollout \"%1\" has no evidence #%2").arg(rollout).arg(evidenceId));
    const QString label = evidenceLabel(evidenceId, tx.q().value(0).toString(), tx.q().value(1).toString());
    if (!tx.exec(QStringLiteral("DELETE FROM item_evidence WHERE item_id = ? AND evidence_id = ?"), {row.id, evidenceId}, &err))
        return StoreResult::failure(err);
    if (tx.q().numRowsAffected() < 1)
        return StoreResult::failure(QStringLiteral("Evidence #%1 is not attached to item \"%2\" of rollout \"%3\"")
                                        .arg(evidenceId)
                                        .arg(itemKey, rollout));
    if (!d->change(tx, rid, nowIso(), by, itemKey, QStringLiteral("evidence"), label, QString(), &err) || !tx.commit(&err))
        return StoreResult::failure(err);
    return StoreResult::success();
}

namespace {
QString criteriaSummary(const QJsonArray &results)
{
    int pass = 0, fail = 0, nodata = 0;
    for (const QJsonValue &v : results) {
        const QString verdict = v.toObject().value(QStringLiteral("verdict")).toString();
        if (verdict == QLatin1String("pass"))
            ++pass;
        else if (verdict == QLatin1String("fail"))
            ++fail;
        else
            ++nodata;
    }
    return QStringLiteral("%1 pass, %2 fail, %3 no data").arg(pass).arg(fail).arg(nodata);
}

QJsonArray withoutTimes(QJsonArray a)
{
    for (qsizetype i = 0; i < a.size(); ++i) {
        QJsonObject o = a.at(i).toObject();
        o.remove(QStringLiteral("evaluated_at"));
        a.replace(i, o);
    }
    return a;
}
}  // namespace

StoreResult RolloutStore::recordCriteria(const QString &rollout, const QList<CriterionResult> &results, const QString &by)
{
    QString err;
    if (!d->requireOpen(&err))
        return StoreResult::failure(err);
    Private::Tx tx(d.get(), true);
    qint64 rid = 0;
    if (!tx.begin(&err) || !d->rolloutId(tx, rollout, &rid, &err))
        return StoreResult::failure(err);
    QJsonArray arr;
    for (const CriterionResult &r : results)
        arr.append(r.toJson());
    if (!tx.exec(QStringLiteral("SELECT results FROM criteria WHERE rollout_id = ?"), {rid}, &err))
        return StoreResult::failure(err);
    bool had = false;
    QJsonArray old;
    if (tx.q().next()) {
        had = true;
        old = QJsonDocument::fromJson(tx.q().value(0).toString().toUtf8()).array();
    }
    if (had && old == arr)
        return StoreResult::success();
    const QString at = nowIso();
    if (!tx.exec(QStringLiteral("INSERT OR REPLACE INTO criteria (rollout_id, results, evaluated_at, evaluated_by) VALUES (?, ?, ?, ?)"),
                 {rid, QString::fromUtf8(QJsonDocument(arr).toJson(QJsonDocument::Compact)), at, text(by)}, &err))
        return StoreResult::failure(err);
    // A re-evaluation with the same outcome refreshes the stored figures' time but is not a change.
    if (!had || withoutTimes(old) != withoutTimes(arr)) {
        if (!d->change(tx, rid, at, by, QString(), QStringLiteral("criteria"), had ? criteriaSummary(old) : QString(),
                       criteriaSummary(arr), &err))
            return StoreResult::failure(err);
    }
    if (!tx.commit(&err))
        return StoreResult::failure(err);
    return StoreResult::success();
}

StoreResult RolloutStore::setRoles(const QString &rollout, const QStringList &roles, const QString &by)
{
    QString err;
    if (!d->requireOpen(&err))
        return StoreResult::failure(err);
    QStringList clean;
    for (const QString &r : roles) {
        const QString t = r.trimmed();
        if (t.isEmpty())
            return StoreResult::failure(QStringLiteral("A sign-off role must not be empty"));
        if (clean.contains(t))
            return StoreResult::failure(QStringLiteral("The sign-off role \"%1\" is listed twice").arg(t));
        clean.append(t);
    }
    Private::Tx tx(d.get(), true);
    qint64 rid = 0;
    if (!tx.begin(&err) || !d->rolloutId(tx, rollout, &rid, &err)
        || !tx.exec(QStringLiteral("SELECT roles FROM rollouts WHERE id = ?"), {rid}, &err) || !tx.q().next())
        return StoreResult::failure(err);
    const QStringList old = parseArray(tx.q().value(0).toString());
    if (old == clean)
        return StoreResult::success();
    const QString at = nowIso();
    if (!tx.exec(QStringLiteral("UPDATE rollouts SET roles = ? WHERE id = ?"), {jsonArray(clean), rid}, &err)
        || !d->change(tx, rid, at, by, QString(), QStringLiteral("roles"), old.join(QStringLiteral(", ")),
                      clean.join(QStringLiteral(", ")), &err))
        return StoreResult::failure(err);
    for (const QString &gone : old) {
        if (clean.contains(gone))
            continue;
        if (!tx.exec(QStringLiteral("UPDATE signoffs SET revoked = 1 WHERE rollout_id = ? AND role = ? AND revoked = 0"),
                     {rid, gone}, &err))
            return StoreResult::failure(err);
        if (tx.q().numRowsAffected() > 0
            && !d->change(tx, rid, at, by, QString(), QStringLiteral("signoff"), gone,
                          QStringLiteral("revoked (role removed)"), &err))
            return StoreResult::failure(err);
    }
    if (!tx.commit(&err))
        return StoreResult::failure(err);
    return StoreResult::success();
}

StoreResult RolloutStore::sign(const QString &rollout, const QString &role, const QString &name, const QString &comment,
                               const QByteArray &content, SignOff *signedOff)
{
    QString err;
    if (!d->requireOpen(&err))
        return StoreResult::failure(err);
    const QString signer = name.trimmed();
    if (signer.isEmpty())
        return StoreResult::failure(QStringLiteral("A sign-off needs the signer's name"));
    if (content.isEmpty())
        return StoreResult::failure(QStringLiteral("A sign-off needs the report content it seals"));
    Private::Tx tx(d.get(), true);
    qint64 rid = 0;
    if (!tx.begin(&err) || !d->rolloutId(tx, rollout, &rid, &err)
        || !tx.exec(QStringLiteral("SELECT roles FROM rollouts WHERE id = ?"), {rid}, &err) || !tx.q().next())
        return StoreResult::failure(err);
    const QStringList roles = parseArray(tx.q().value(0).toString());
    if (!roles.contains(role))
        return StoreResult::failure(QStringLiteral("\"%1\" is not a sign-off role of rollout \"%2\" (roles: %3)")
                                        .arg(role, rollout, roles.join(QStringLiteral(", "))));
    if (!tx.exec(QStringLiteral("SELECT name FROM signoffs WHERE rollout_id = ? AND role = ? AND revoked = 0 ORDER BY id"),
                 {rid, role}, &err))
        return StoreResult::failure(err);
    QStringList previous;
    while (tx.q().next())
        previous.append(tx.q().value(0).toString());
    SignOff s;
    s.role = role;
    s.name = signer;
    s.signedAt = QDateTime::currentDateTimeUtc();
    s.comment = comment;
    s.content = content;
    s.contentSha256 = Sha256::hex(content);
    const QString at = iso(s.signedAt);
    if (!tx.exec(QStringLiteral("UPDATE signoffs SET revoked = 1 WHERE rollout_id = ? AND role = ? AND revoked = 0"), {rid, role},
                 &err)
        || !tx.exec(QStringLiteral("INSERT INTO signoffs (rollout_id, role, name, signed_at, comment, content_sha256, content, revoked) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?, 0)"),
                    {rid, role, signer, at, text(comment), s.contentSha256, content}, &err))
        return StoreResult::failure(err);
    s.id = tx.q().lastInsertId().toLongLong();
    // The role's sign-off line(s) become done, by the signer.
    QList<Private::SignOffLine> lines;
    if (!d->signOffLines(tx, rid, role, &lines, &err))
        return StoreResult::failure(err);
    QString lineKey;
    for (const auto &[itemId, key, status] : std::as_const(lines)) {
        lineKey = key;
        if (!tx.exec(QStringLiteral("UPDATE items SET status = 'done', updated_at = ?, updated_by = ? WHERE id = ?"),
                     {at, signer, itemId}, &err))
            return StoreResult::failure(err);
        if (status != statusName(ItemStatus::Done)
            && !d->change(tx, rid, at, signer, key, QStringLiteral("status"), status, statusName(ItemStatus::Done), &err))
            return StoreResult::failure(err);
    }
    const QString what = QStringLiteral("%1: %2 (sha256 %3)").arg(role, signer, shortHash(s.contentSha256));
    if (!d->change(tx, rid, at, signer, lineKey, QStringLiteral("signoff"),
                   previous.isEmpty() ? QString() : QStringLiteral("%1: %2").arg(role, previous.join(QStringLiteral(", "))), what,
                   &err)
        || !tx.commit(&err))
        return StoreResult::failure(err);
    if (signedOff)
        *signedOff = s;
    return StoreResult::success();
}

StoreResult RolloutStore::revokeSignOff(const QString &rollout, const QString &role, const QString &by)
{
    QString err;
    if (!d->requireOpen(&err))
        return StoreResult::failure(err);
    Private::Tx tx(d.get(), true);
    qint64 rid = 0;
    if (!tx.begin(&err) || !d->rolloutId(tx, rollout, &rid, &err)
        || !tx.exec(QStringLiteral("SELECT name FROM signoffs WHERE rollout_id = ? AND role = ? AND revoked = 0"), {rid, role}, &err))
        return StoreResult::failure(err);
    QStringList names;
    while (tx.q().next())
        names.append(tx.q().value(0).toString());
    if (names.isEmpty())
        return StoreResult::failure(QStringLiteral("Rollout \"%1\" has no current sign-off for role \"%2\"").arg(rollout, role));
    const QString at = nowIso();
    QList<Private::SignOffLine> lines;
    if (!tx.exec(QStringLiteral("UPDATE signoffs SET revoked = 1 WHERE rollout_id = ? AND role = ? AND revoked = 0"), {rid, role}, &err)
        || !d->signOffLines(tx, rid, role, &lines, &err))
        return StoreResult::failure(err);
    QString lineKey;
    for (const auto &[itemId, key, status] : std::as_const(lines)) {
        lineKey = key;
        if (status == statusName(ItemStatus::Open))
            continue;
        if (!tx.exec(QStringLiteral("UPDATE items SET status = 'open', updated_at = ?, updated_by = ? WHERE id = ?"),
                     {at, text(by), itemId}, &err)
            || !d->change(tx, rid, at, by, key, QStringLiteral("status"), status, statusName(ItemStatus::Open), &err))
            return StoreResult::failure(err);
    }
    if (!d->change(tx, rid, at, by, lineKey, QStringLiteral("signoff"),
                   QStringLiteral("%1: %2").arg(role, names.join(QStringLiteral(", "))), QStringLiteral("%1: revoked").arg(role),
                   &err)
        || !tx.commit(&err))
        return StoreResult::failure(err);
    return StoreResult::success();
}

QList<SignOffCheck> RolloutStore::verify(const Rollout &rollout, const QByteArray &currentContent) const
{
    QList<SignOffCheck> out;
    const QString currentSha = Sha256::hex(currentContent);
    const QJsonValue current = QJsonDocument::fromJson(currentContent).isObject()
                                   ? QJsonValue(QJsonDocument::fromJson(currentContent).object())
                                   : QJsonValue(QJsonDocument::fromJson(currentContent).array());
    for (const SignOff &s : rollout.signOffs) {
        if (s.revoked)
            continue;
        SignOffCheck c;
        c.signOff = s;
        c.currentSha256 = currentSha;
        const QString storedHash = Sha256::hex(s.content);
        const QString signedName = QStringLiteral("signed by %1 (%2) at %3").arg(s.name, s.role, iso(s.signedAt));
        if (storedHash != s.contentSha256) {
            c.state = SignOffCheck::State::Tampered;
            c.diff = TextDiff::unified(pretty(s.content), pretty(currentContent), signedName, QStringLiteral("current"));
            c.message = QStringLiteral("signed content was altered in the database after signing: it hashes to %1…, the "
                                       "sign-off recorded %2…")
                            .arg(shortHash(storedHash), shortHash(s.contentSha256));
        } else if (s.content != currentContent) {
            c.state = SignOffCheck::State::Changed;
            c.diff = TextDiff::unified(pretty(s.content), pretty(currentContent), signedName, QStringLiteral("current"));
            QList<QPair<QString, QString>> diffs;
            const QJsonDocument signedDoc = QJsonDocument::fromJson(s.content);
            jsonDiff(signedDoc.isObject() ? QJsonValue(signedDoc.object()) : QJsonValue(signedDoc.array()), current, QString(),
                     QString(), &diffs);
            QStringList named;
            for (const auto &[key, field] : std::as_const(diffs)) {
                const QString one = key.isEmpty() ? field
                                    : field == QLatin1String("added") || field == QLatin1String("removed")
                                        ? QStringLiteral("%1 %2").arg(key, field)
                                        : QStringLiteral("%1 of %2").arg(field, key);
                if (!named.contains(one))
                    named.append(one);
            }
            const qsizetype n = named.size();
            c.message = n == 0 ? QStringLiteral("changed after sign-off")
                               : QStringLiteral("changed after sign-off: %1 change%2 (%3%4)")
                                     .arg(n)
                                     .arg(n == 1 ? QString() : QStringLiteral("s"))
                                     .arg(named.mid(0, 3).join(QStringLiteral(", ")))
                                     .arg(n > 3 ? QStringLiteral(", …") : QString());
        } else {
            c.state = SignOffCheck::State::Valid;
            c.message = QStringLiteral("valid: the signed content is today's (sha256 %1…)").arg(shortHash(currentSha));
        }
        out.append(c);
    }
    return out;
}

QList<Change> RolloutStore::history(const QString &rollout, const QString &itemKey, QString *error) const
{
    QList<Change> out;
    QString err;
    auto failed = [&]() {
        if (error)
            *error = err;
        return QList<Change>{};
    };
    if (!d->requireOpen(&err))
        return failed();
    Private::Tx tx(d.get(), false);
    qint64 rid = 0;
    if (!tx.begin(&err) || !d->rolloutId(tx, rollout, &rid, &err))
        return failed();
    if (!itemKey.isEmpty()) {
        Private::ItemRow row;
        if (!d->itemRow(tx, rid, rollout, itemKey, &row, &err))
            return failed();
    }
    const bool all = itemKey.isEmpty();
    if (!tx.exec(all ? QStringLiteral("SELECT id, at, by, item_key, field, old_value, new_value FROM changes WHERE rollout_id = ? ORDER BY id")
                     : QStringLiteral("SELECT id, at, by, item_key, field, old_value, new_value FROM changes WHERE rollout_id = ? "
                                      "AND item_key = ? ORDER BY id"),
                 all ? QVariantList{rid} : QVariantList{rid, itemKey}, &err))
        return failed();
    while (tx.q().next()) {
        Change c;
        c.id = tx.q().value(0).toLongLong();
        c.at = fromIso(tx.q().value(1).toString());
        c.by = tx.q().value(2).toString();
        c.itemKey = tx.q().value(3).toString();
        c.field = tx.q().value(4).toString();
        c.oldValue = tx.q().value(5).toString();
        c.newValue = tx.q().value(6).toString();
        out.append(c);
    }
    if (!tx.commit(&err))
        return failed();
    return out;
}

}  // namespace codex::rollout
