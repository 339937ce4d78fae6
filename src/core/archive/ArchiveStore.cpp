#include "archive/ArchiveStore.h"

#include "archive/ArchiveSchema.h"
#include "archive/BlobCodec.h"
#include "common/PythonJson.h"
#include "common/Url.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QMutexLocker>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QUuid>
#include <QWaitCondition>
#include <QVariant>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cmath>

namespace codex::archive {

namespace {

using Kind = ArchiveError::Kind;

std::atomic<quint64> g_connectionCounter{0};

/// addDatabase/removeDatabase touch Qt's global connection dictionary: one at a time.
QMutex &connectionMutex()
{
    static QMutex mutex;
    return mutex;
}

/// Writes from our own threads to one SQLite file take turns here, so that our workers never
/// spin in SQLite's busy handler (which sleeps in steps and wastes most of a batch's time).
/// Other programs are still waited for by the busy timeout.
QMutex *sqliteWriteMutex(const QString &path)
{
    static QMutex guard;
    static QHash<QString, QMutex *> mutexes;  // never freed: one per archive file per process
    QMutexLocker lock(&guard);
    QMutex *&m = mutexes[path];
    if (!m)
        m = new QMutex;
    return m;
}

/// A restore to record (group commit, below).
struct MarkRequest {
    QString itemId;
    QString actor;
    QJsonObject context;
    bool done = false;  ///< set by the leader, under the group's mutex
    bool ok = false;
    ArchiveError error;
};

/// Group commit on one SQLite file: restores that finish at the same moment on several threads
/// share one write transaction instead of queueing for one commit each. The first caller leads:
/// it takes everything queued, writes it on its own connection, and hands every caller its own
/// result; the others wait meanwhile (and queue up for the leader's next round).
struct CommitGroup {
    QMutex mutex;
    QWaitCondition finished;
    QList<MarkRequest *> queue;
    bool leading = false;
};

CommitGroup *sqliteCommitGroup(const QString &path)
{
    static QMutex guard;
    static QHash<QString, CommitGroup *> groups;  // never freed: one per archive file per process
    QMutexLocker lock(&guard);
    CommitGroup *&g = groups[path];
    if (!g)
        g = new CommitGroup;
    return g;
}

bool setError(ArchiveError *error, Kind kind, const QString &message)
{
    if (error) {
        error->kind = kind;
        error->message = message;
    }
    return false;
}

void clearError(ArchiveError *error)
{
    if (error) {
        error->kind = Kind::None;
        error->message.clear();
    }
}

QString nowIso()
{
    return QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss'Z'"));
}

QString newUuid()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

// ---- JSON exactly as Python's json.dumps(obj, sort_keys=True, separators=(",", ":")) -------


void appendPythonJson(QByteArray &out, const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out += "null";
        return;
    case QJsonValue::Bool:
        out += v.toBool() ? "true" : "false";
        return;
    case QJsonValue::Double: {
        const double d = v.toDouble();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0)
            out += QByteArray::number(v.toInteger(qint64(d)));
        else
            out += QByteArray::number(d, 'g', 17);
        return;
    }
    case QJsonValue::String:
        pyjson::appendString(out, v.toString());
        return;
    case QJsonValue::Array: {
        out += '[';
        const QJsonArray a = v.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) {
            if (i)
                out += ',';
            appendPythonJson(out, a.at(i));
        }
        out += ']';
        return;
    }
    case QJsonValue::Object: {
        const QJsonObject o = v.toObject();
        QStringList keys = o.keys();
        std::sort(keys.begin(), keys.end());  // code-unit order, as Python sorts BMP keys
        out += '{';
        bool first = true;
        for (const QString &k : keys) {
            if (!first)
                out += ',';
            first = false;
            pyjson::appendString(out, k);
            out += ':';
            appendPythonJson(out, o.value(k));
        }
        out += '}';
        return;
    }
    }
}

QString pythonJson(const QJsonObject &object)
{
    QByteArray out;
    appendPythonJson(out, object);
    return QString::fromUtf8(out);
}

QJsonObject parseJsonObject(const QVariant &raw)
{
    const QByteArray bytes = raw.typeId() == QMetaType::QByteArray ? raw.toByteArray() : raw.toString().toUtf8();
    const QJsonDocument doc = QJsonDocument::fromJson(bytes);
    return doc.isObject() ? doc.object() : QJsonObject();
}

QVariant nullString()
{
    return QVariant(QMetaType(QMetaType::QString));
}

QString likePattern(const QString &text)
{
    QString escaped = text;
    escaped.replace(QLatin1Char('!'), QLatin1String("!!"));
    escaped.replace(QLatin1Char('%'), QLatin1String("!%"));
    escaped.replace(QLatin1Char('_'), QLatin1String("!_"));
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

}  // namespace

struct ArchiveStore::Private {
    ArchiveLocation loc;
    QString connName;
    QSqlDatabase db;
    bool connected = false;
    QSqlError lastError;
    QString lastWhat;
    /// "table.column" -> information_schema data_type (servers only), to know which timestamp
    /// columns are TIMESTAMP and which are text, and which ids are UUID.
    QHash<QString, QString> columnTypes;

    Backend backend() const { return loc.backend; }
    bool isSqlite() const { return loc.backend == Backend::Sqlite; }
    QString where() const { return loc.redactedUrl; }

    // ---- connection -------------------------------------------------------------------------

    QString sanitize(const QString &text) const
    {
        QString out = text.trimmed();
        if (loc.password.size() >= 3)
            out.replace(loc.password, QStringLiteral("***"));
        return redactSecrets(out);
    }

    QString errorText(const QSqlError &e) const
    {
        QString t = e.databaseText().trimmed();
        const QString drv = e.driverText().trimmed();
        if (t.isEmpty())
            t = drv;
        else if (!drv.isEmpty() && !t.contains(drv))
            t = drv + QStringLiteral(": ") + t;
        t.replace(QLatin1Char('\n'), QLatin1Char(' '));
        return sanitize(t.simplified());
    }

    void disconnect()
    {
        prepared.clear();  // statements belong to the connection
        if (db.isValid() && db.isOpen())
            db.close();
        connected = false;
    }

    /// Statements run once per restored item, prepared once per connection.
    QHash<QString, QSqlQuery> prepared;

    /// Like run(), with the statement prepared once and reused. The caller finish()es a SELECT.
    QSqlQuery *runPrepared(const QString &sql, const QVariantList &binds, const QString &what)
    {
        lastWhat = what;
        auto it = prepared.find(sql);
        if (it == prepared.end()) {
            QSqlQuery q(db);
            q.setForwardOnly(true);
            if (!q.prepare(sql)) {
                lastError = q.lastError();
                return nullptr;
            }
            it = prepared.insert(sql, q);
        }
        QSqlQuery &q = *it;
        for (int i = 0; i < binds.size(); ++i)
            q.bindValue(i, binds.at(i));
        if (!q.exec()) {
            lastError = q.lastError();
            q.finish();
            return nullptr;
        }
        return &q;
    }

    /// The two statements of a restore (restored_at, RESTORE event) inside an open transaction.
    bool writeMark(const QString &itemId, const QString &actor, const QJsonObject &context, ArchiveError *error)
    {
        const QString now = nowIso();
        QSqlQuery *q = runPrepared(QStringLiteral("UPDATE item SET restored_at = %1 WHERE id = ?")
                                       .arg(tsPlaceholder(QStringLiteral("item.restored_at"))),
                                   {tsWrite(now, QStringLiteral("item.restored_at")), itemId},
                                   QStringLiteral("recording the restore"));
        if (!q)
            return report(error);
        if (q->numRowsAffected() == 0)
            return setError(error, Kind::TombstoneNotFound, QStringLiteral("Item not found: %1").arg(itemId));
        q = runPrepared(QStringLiteral("INSERT INTO event (id, item_id, action, actor, context, created_at) "
                                       "VALUES (?, ?, 'RESTORE', ?, ?, %1)")
                            .arg(tsPlaceholder(QStringLiteral("event.created_at"))),
                        {newUuid(), itemId, actor, pythonJson(context), tsWrite(now, QStringLiteral("event.created_at"))},
                        QStringLiteral("recording the RESTORE event"));
        return q || report(error);
    }

    /// One transaction for the marks (taking the process-wide SQLite write lock).
    bool writeMarks(const QList<MarkRequest *> &marks, ArchiveError *error)
    {
        std::optional<QMutexLocker<QMutex>> writeLock;
        if (isSqlite())
            writeLock.emplace(sqliteWriteMutex(loc.sqlitePath));
        if (!begin(error))
            return false;
        for (MarkRequest *m : marks)
            if (!writeMark(m->itemId, m->actor, m->context, error)) {
                const ArchiveError failed = error ? *error : ArchiveError{};
                rollback();
                if (error)
                    *error = failed;
                return false;
            }
        return commit(error);
    }

    /// Group commit (see CommitGroup): returns this caller's own result.
    bool markGrouped(MarkRequest &me, ArchiveError *error)
    {
        CommitGroup &g = *sqliteCommitGroup(loc.sqlitePath);
        QMutexLocker lock(&g.mutex);
        g.queue.append(&me);
        while (!me.done) {
            if (g.leading) {
                g.finished.wait(&g.mutex);
                continue;
            }
            g.leading = true;
            QList<MarkRequest *> batch;
            batch.swap(g.queue);
            lock.unlock();
            ArchiveError groupError;
            QList<std::pair<bool, ArchiveError>> results;
            if (writeMarks(batch, &groupError)) {
                results.fill({true, ArchiveError{}}, batch.size());
            } else if (batch.size() == 1) {
                results.append({false, groupError});
            } else {
                // One bad item must not fail the others: each alone, in its own transaction.
                for (MarkRequest *m : std::as_const(batch)) {
                    ArchiveError one;
                    const bool ok = writeMarks({m}, &one);
                    results.append({ok, one});
                }
            }
            lock.relock();
            for (qsizetype i = 0; i < batch.size(); ++i) {
                batch[i]->ok = results[i].first;
                batch[i]->error = results[i].second;
                batch[i]->done = true;
            }
            g.leading = false;
            g.finished.wakeAll();
        }
        if (!me.ok && error)
            *error = me.error;
        return me.ok;
    }

    bool connect(ArchiveError *error)
    {
        disconnect();
        if (!db.isValid()) {
            QMutexLocker lock(&connectionMutex());
            if (connName.isEmpty())
                connName = QStringLiteral("codex-archive-%1").arg(++g_connectionCounter);
            db = QSqlDatabase::addDatabase(loc.qtDriver(), connName);
        }
        if (!db.isValid())
            return setError(error, Kind::Unreachable,
                            QStringLiteral("The Qt SQL driver %1 is not available, so %2 cannot be opened "
                                           "(install the matching libqt6sql6 package)")
                                .arg(loc.qtDriver(), where()));
        switch (loc.backend) {
        case Backend::Sqlite:
            db.setDatabaseName(loc.sqlitePath);
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(qMax(0, loc.busyTimeoutMs)));
            break;
        case Backend::Postgres:
        case Backend::MariaDb:
            db.setHostName(loc.host);
            if (loc.port > 0)
                db.setPort(loc.port);
            db.setDatabaseName(loc.database);
            db.setUserName(loc.user);
            db.setPassword(loc.password);
            // MariaDB's CLIENT_FOUND_ROWS: an UPDATE that matches a row reports it even when no
            // value changes (a second restore within the same second), so "no row" means "no item".
            db.setConnectOptions(loc.backend == Backend::Postgres
                                     ? QStringLiteral("connect_timeout=%1").arg(qMax(1, loc.connectTimeoutS))
                                     : QStringLiteral("CLIENT_FOUND_ROWS=1;MYSQL_OPT_CONNECT_TIMEOUT=%1;"
                                                      "MYSQL_OPT_READ_TIMEOUT=60;MYSQL_OPT_WRITE_TIMEOUT=60")
                                           .arg(qMax(1, loc.connectTimeoutS)));
            break;
        }
        if (!db.open()) {
            const QString why = errorText(db.lastError());
            if (isSqlite())
                return setError(error, Kind::NotAnArchive,
                                QStringLiteral("Cannot open the SQLite archive %1: %2").arg(loc.sqlitePath, why));
            return setError(error, Kind::Unreachable, QStringLiteral("Cannot connect to %1: %2").arg(where(), why));
        }
        if (!setUpSession(error)) {
            disconnect();
            return false;
        }
        connected = true;
        detectColumnTypes();
        return true;
    }

    bool setUpSession(ArchiveError *error)
    {
        QSqlQuery q(db);
        switch (loc.backend) {
        case Backend::Sqlite: {
            // Reading the schema is the first real file access: a file that is not SQLite or
            // is locked by another program shows here.
            if (!q.exec(QStringLiteral("SELECT count(*) FROM sqlite_master")))
                return classifySqlite(q.lastError(), QStringLiteral("opening"), error);
            q.finish();
            if (!q.exec(QStringLiteral("PRAGMA foreign_keys=ON")))
                return classifySqlite(q.lastError(), QStringLiteral("enabling foreign keys"), error);
            if (loc.sqlitePath != QLatin1String(":memory:") && !q.exec(QStringLiteral("PRAGMA journal_mode=WAL"))) {
                const int code = q.lastError().nativeErrorCode().toInt() & 0xff;
                if (code != 8)  // SQLITE_READONLY: a read-only archive can still be browsed
                    return classifySqlite(q.lastError(), QStringLiteral("switching to WAL"), error);
            }
            // NORMAL is safe with WAL: a crash may lose the last commits but never corrupts.
            if (!loc.sqliteSyncEachCommit && !q.exec(QStringLiteral("PRAGMA synchronous=NORMAL")))
                return classifySqlite(q.lastError(), QStringLiteral("setting synchronous=NORMAL"), error);

            return true;
        }
        case Backend::Postgres:
            if (!q.exec(QStringLiteral("SET TIME ZONE 'UTC'")))
                return setError(error, Kind::Unreachable,
                                QStringLiteral("Cannot set up the session on %1: %2").arg(where(), errorText(q.lastError())));
            return true;
        case Backend::MariaDb:
            if (!q.exec(QStringLiteral("SET time_zone = '+00:00'")))
                return setError(error, Kind::Unreachable,
                                QStringLiteral("Cannot set up the session on %1: %2").arg(where(), errorText(q.lastError())));
            return true;
        }
        return true;
    }

    void detectColumnTypes()
    {
        columnTypes.clear();
        if (isSqlite())
            return;
        const QString schema = backend() == Backend::Postgres ? QStringLiteral("current_schema()")
                                                               : QStringLiteral("DATABASE()");
        QSqlQuery q(db);
        q.setForwardOnly(true);
        if (!q.exec(QStringLiteral("SELECT table_name, column_name, data_type FROM information_schema.columns "
                                   "WHERE table_schema = %1 AND table_name IN ('artifact','item','event')")
                        .arg(schema)))
            return;
        while (q.next())
            columnTypes.insert(q.value(0).toString().toLower() + QLatin1Char('.') + q.value(1).toString().toLower(),
                               q.value(2).toString().toLower());
    }

    bool ensureOpen(ArchiveError *error)
    {
        clearError(error);
        if (connected && db.isOpen())
            return true;
        return connect(error);
    }

    // ---- dialect helpers --------------------------------------------------------------------

    /// True when a timestamp column holds text (SQLite, or a server schema made with TEXT).
    bool textTimestamp(const QString &key) const
    {
        if (isSqlite())
            return true;
        const QString t = columnTypes.value(key);
        return t.contains(QLatin1String("char")) || t.contains(QLatin1String("text"));
    }

    bool uuidColumn(const QString &key) const
    {
        return backend() == Backend::Postgres && columnTypes.value(key) == QLatin1String("uuid");
    }

    /// A timestamp as the reference writes it: "YYYY-MM-DDTHH:MM:SSZ" for text columns.
    QString tsOut(const QString &expr, const QString &key) const
    {
        if (textTimestamp(key))
            return expr;
        if (backend() == Backend::Postgres)
            return QStringLiteral("to_char(%1 AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')").arg(expr);
        return QStringLiteral("DATE_FORMAT(%1, '%Y-%m-%dT%H:%i:%sZ')").arg(expr);
    }

    /// A timestamp expression that sorts and compares correctly whatever form the text has.
    QString tsKey(const QString &expr, const QString &key) const
    {
        return textTimestamp(key) ? ArchiveSchema::normalizedTimestamp(expr) : expr;
    }

    QString tsPlaceholder(const QString &key) const
    {
        return !textTimestamp(key) && backend() == Backend::Postgres ? QStringLiteral("CAST(? AS timestamptz)")
                                                                     : QStringLiteral("?");
    }

    QVariant tsBound(const QDateTime &when, const QString &key) const
    {
        const QString text = when.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        return !textTimestamp(key) && backend() == Backend::Postgres ? text + QStringLiteral("+00") : text;
    }

    /// A value to write into a timestamp column: the text as given for text columns.
    QVariant tsWrite(const QString &iso, const QString &key) const
    {
        if (textTimestamp(key) || backend() == Backend::Postgres)
            return iso;  // PostgreSQL reads both forms (session time zone UTC)
        QString t = iso;  // MariaDB's strict mode refuses the 'T'/'Z' form for TIMESTAMP
        t.replace(QLatin1Char('T'), QLatin1Char(' '));
        t.remove(QLatin1Char('Z'));
        return t;
    }

    /// legal_hold is BOOLEAN in the reference's PostgreSQL schema, an integer elsewhere.
    QVariant boolValue(bool b) const
    {
        const QString type = columnTypes.value(QStringLiteral("item.legal_hold"));
        const bool pgBool = backend() == Backend::Postgres && (type.isEmpty() || type == QLatin1String("boolean"));
        return pgBool ? QVariant(b) : QVariant(b ? 1 : 0);
    }

    QString lengthFn() const { return backend() == Backend::Postgres ? QStringLiteral("octet_length") : QStringLiteral("length"); }

    // ---- statements -------------------------------------------------------------------------

    /// Prepares, binds and runs; on failure keeps the error for report().
    bool run(QSqlQuery &q, const QString &sql, const QVariantList &binds, const QString &what)
    {
        q.setForwardOnly(true);
        lastWhat = what;
        if (!q.prepare(sql)) {
            lastError = q.lastError();
            return false;
        }
        for (const QVariant &b : binds)
            q.addBindValue(b);
        if (!q.exec()) {
            lastError = q.lastError();
            return false;
        }
        return true;
    }

    /// Runs a statement without parameters (DDL cannot be prepared on PostgreSQL).
    bool runDirect(QSqlQuery &q, const QString &sql, const QString &what)
    {
        q.setForwardOnly(true);
        lastWhat = what;
        if (!q.exec(sql)) {
            lastError = q.lastError();
            return false;
        }
        return true;
    }

    bool classifySqlite(const QSqlError &e, const QString &what, ArchiveError *error)
    {
        const QString text = errorText(e);
        const int code = e.nativeErrorCode().toInt() & 0xff;
        const QString lower = text.toLower();
        if (code == 5 || code == 6 || lower.contains(QLatin1String("database is locked"))
            || lower.contains(QLatin1String("table is locked")))
            return setError(error, Kind::Locked,
                            QStringLiteral("The archive %1 is locked by another program (waited %2 s while %3); "
                                           "try again when it has finished")
                                .arg(loc.sqlitePath)
                                .arg(loc.busyTimeoutMs / 1000.0, 0, 'f', 1)
                                .arg(what));
        if (code == 26 || lower.contains(QLatin1String("file is not a database")))
            return setError(error, Kind::NotAnArchive,
                            QStringLiteral("%1 is not an SQLite database (file is not a database)").arg(loc.sqlitePath));
        if (code == 11 || lower.contains(QLatin1String("malformed")))
            return setError(error, Kind::NotAnArchive,
                            QStringLiteral("The SQLite archive %1 is damaged: %2").arg(loc.sqlitePath, text));
        if (lower.contains(QLatin1String("no such table")))
            return setError(error, Kind::NotAnArchive,
                            QStringLiteral("%1 lacks the archive tables (%2)").arg(where(), text));
        if (code == 14)
            return setError(error, Kind::NotFound,
                            QStringLiteral("Cannot open the SQLite archive %1: %2").arg(loc.sqlitePath, text));
        return setError(error, Kind::Query, QStringLiteral("%1 failed on %2: %3").arg(what, where(), text));
    }

    bool alive()
    {
        if (!db.isOpen())
            return false;
        QSqlQuery q(db);
        return q.exec(QStringLiteral("SELECT 1"));
    }

    /// Turns the last failed statement into an ArchiveError; a lost server connection is
    /// dropped so that the next call connects again.
    bool report(ArchiveError *error)
    {
        const QSqlError e = lastError;
        const QString what = lastWhat;
        if (isSqlite())
            return classifySqlite(e, what, error);
        const QString text = errorText(e);
        const QString code = e.nativeErrorCode();
        if (e.type() == QSqlError::ConnectionError || !alive()) {
            disconnect();
            return setError(error, Kind::Unreachable,
                            QStringLiteral("Lost the connection to %1 while %2: %3. The next request reconnects.")
                                .arg(where(), what, text.isEmpty() ? QStringLiteral("no answer") : text));
        }
        if (code == QLatin1String("42P01") || code == QLatin1String("1146"))
            return setError(error, Kind::NotAnArchive,
                            QStringLiteral("%1 lacks the archive tables (%2)").arg(where(), text));
        return setError(error, Kind::Query, QStringLiteral("%1 failed on %2: %3").arg(what, where(), text));
    }

    bool begin(ArchiveError *error)
    {
        QSqlQuery q(db);
        bool ok = false;
        if (isSqlite()) {
            // IMMEDIATE: take the write lock now (waiting up to the busy timeout), not halfway.
            ok = runDirect(q, QStringLiteral("BEGIN IMMEDIATE"), QStringLiteral("starting a transaction"));
        } else {
            lastWhat = QStringLiteral("starting a transaction");
            ok = db.transaction();
            if (!ok)
                lastError = db.lastError();
        }
        return ok || report(error);
    }

    bool commit(ArchiveError *error)
    {
        bool ok = false;
        if (isSqlite()) {
            QSqlQuery q(db);
            ok = runDirect(q, QStringLiteral("COMMIT"), QStringLiteral("committing"));
        } else {
            lastWhat = QStringLiteral("committing");
            ok = db.commit();
            if (!ok)
                lastError = db.lastError();
        }
        if (ok)
            return true;
        rollback();
        return report(error);
    }

    void rollback()
    {
        if (isSqlite()) {
            QSqlQuery q(db);
            q.exec(QStringLiteral("ROLLBACK"));
        } else if (db.isOpen()) {
            db.rollback();
        }
    }

    /// Fails the transaction with the last statement's error.
    bool abort(ArchiveError *error)
    {
        const QSqlError e = lastError;
        rollback();
        lastError = e;
        return report(error);
    }

    // ---- queries ----------------------------------------------------------------------------

    QString itemColumns() const
    {
        return QStringLiteral("i.id, i.tombstone_id, i.repo, i.path, i.commit_sha, i.language, i.kind, i.reason, "
                              "i.archived_by, %1, i.legal_hold, %2, a.mime_type, a.size_bytes, %3(a.blob_bytes), "
                              "a.storage_driver")
            .arg(tsOut(QStringLiteral("i.archived_at"), QStringLiteral("item.archived_at")),
                 tsOut(QStringLiteral("i.restored_at"), QStringLiteral("item.restored_at")), lengthFn());
    }
    static constexpr int kItemColumnCount = 16;

    static ItemRow itemFrom(const QSqlQuery &q)
    {
        ItemRow r;
        r.id = q.value(0).toString();
        r.tombstoneId = q.value(1).toString();
        r.repo = q.value(2).toString();
        r.path = q.value(3).toString();
        r.commitSha = q.value(4).toString().trimmed();
        r.language = q.value(5).toString();
        r.kind = q.value(6).toString();
        r.reason = q.value(7).toString();
        r.archivedBy = q.value(8).toString();
        r.archivedAt = q.value(9).toString();
        const QVariant hold = q.value(10);
        r.legalHold = hold.typeId() == QMetaType::QString
                          ? (hold.toString() == QLatin1String("1") || hold.toString().toLower() == QLatin1String("true")
                             || hold.toString() == QLatin1String("t"))
                          : hold.toBool();
        r.restoredAt = q.value(11).isNull() ? QString() : q.value(11).toString();
        r.mimeType = q.value(12).toString();
        r.sizeBytes = q.value(13).toLongLong();
        const bool object = q.value(15).toString() == QLatin1String("object");
        r.compressedSize = q.value(14).isNull() || object ? -1 : q.value(14).toLongLong();
        return r;
    }

    struct Where {
        QString sql;
        QVariantList binds;
        bool impossible = false;
    };

    Where whereClause(const ItemFilter &f) const
    {
        Where w;
        QStringList clauses;
        auto eq = [&](const QString &column, const QString &value) {
            if (!value.isEmpty()) {
                clauses << column + QStringLiteral(" = ?");
                w.binds << value;
            }
        };
        eq(QStringLiteral("i.repo"), f.repo);
        eq(QStringLiteral("i.archived_by"), f.actor);
        eq(QStringLiteral("i.reason"), f.reason);
        eq(QStringLiteral("i.kind"), f.kind);
        eq(QStringLiteral("i.language"), f.language);
        if (!f.tombstone.isEmpty()) {
            if (uuidColumn(QStringLiteral("item.tombstone_id")) && QUuid::fromString(f.tombstone).isNull())
                w.impossible = true;  // a UUID column holds no such value (and would reject the text)
            eq(QStringLiteral("i.tombstone_id"), f.tombstone);
        }
        if (!f.pathContains.isEmpty()) {
            switch (backend()) {
            case Backend::Sqlite:  // LIKE is case-insensitive (ASCII) in SQLite
                clauses << QStringLiteral("i.path LIKE ? ESCAPE '!'");
                break;
            case Backend::Postgres:
                clauses << QStringLiteral("i.path ILIKE ? ESCAPE '!'");
                break;
            case Backend::MariaDb:
                clauses << QStringLiteral("LOWER(i.path) LIKE LOWER(?) ESCAPE '!'");
                break;
            }
            w.binds << likePattern(f.pathContains);
        }
        if (!f.tag.isEmpty()) {
            clauses << QStringLiteral("EXISTS (SELECT 1 FROM tag t WHERE t.item_id = i.id AND t.tag = ?)");
            w.binds << f.tag;
        }
        const QString at = QStringLiteral("item.archived_at");
        if (f.archivedFrom) {
            clauses << tsKey(QStringLiteral("i.archived_at"), at) + QStringLiteral(" >= ") + tsPlaceholder(at);
            w.binds << tsBound(*f.archivedFrom, at);
        }
        if (f.archivedTo) {
            clauses << tsKey(QStringLiteral("i.archived_at"), at) + QStringLiteral(" < ") + tsPlaceholder(at);
            w.binds << tsBound(*f.archivedTo, at);
        }
        if (f.legalHold) {
            clauses << QStringLiteral("i.legal_hold = ?");
            w.binds << boolValue(*f.legalHold);
        }
        if (f.restored)
            clauses << (*f.restored ? QStringLiteral("i.restored_at IS NOT NULL") : QStringLiteral("i.restored_at IS NULL"));
        if (!clauses.isEmpty())
            w.sql = QStringLiteral(" WHERE ") + clauses.join(QStringLiteral(" AND "));
        return w;
    }

    QString orderBy(const SortOrder &order) const
    {
        const bool maria = backend() == Backend::MariaDb;
        auto enumText = [&](const QString &c) { return maria ? QStringLiteral("CAST(%1 AS CHAR)").arg(c) : c; };
        QString column;
        switch (order.column) {
        case SortColumn::ArchivedAt:
            column = tsKey(QStringLiteral("i.archived_at"), QStringLiteral("item.archived_at"));
            break;
        case SortColumn::Repo:
            column = QStringLiteral("i.repo");
            break;
        case SortColumn::Path:
            column = QStringLiteral("i.path");
            break;
        case SortColumn::Tombstone:
            column = QStringLiteral("i.tombstone_id");
            break;
        case SortColumn::Actor:
            column = QStringLiteral("i.archived_by");
            break;
        case SortColumn::Reason:
            column = enumText(QStringLiteral("i.reason"));
            break;
        case SortColumn::Kind:
            column = enumText(QStringLiteral("i.kind"));
            break;
        case SortColumn::Language:
            column = QStringLiteral("i.language");
            break;
        case SortColumn::Size:
            column = QStringLiteral("a.size_bytes");
            break;
        case SortColumn::RestoredAt:
            column = tsKey(QStringLiteral("i.restored_at"), QStringLiteral("item.restored_at"));
            break;
        }
        const QString dir = order.descending ? QStringLiteral(" DESC") : QStringLiteral(" ASC");
        // NULLs sort as the smallest value everywhere (PostgreSQL's default is the opposite).
        const QString nulls = backend() == Backend::Postgres
                                  ? (order.descending ? QStringLiteral(" NULLS LAST") : QStringLiteral(" NULLS FIRST"))
                                  : QString();
        return QStringLiteral(" ORDER BY ") + column + dir + nulls + QStringLiteral(", i.id") + dir;
    }
};

ArchiveStore::ArchiveStore() : d(std::make_unique<Private>()) {}

ArchiveStore::~ArchiveStore()
{
    if (!d)
        return;
    const QString name = d->connName;
    if (d->db.isValid() && d->db.isOpen())
        d->db.close();
    d->db = QSqlDatabase();  // no handle may outlive removeDatabase
    if (!name.isEmpty()) {
        QMutexLocker lock(&connectionMutex());
        QSqlDatabase::removeDatabase(name);
    }
}

const ArchiveLocation &ArchiveStore::location() const
{
    return d->loc;
}

QSqlDatabase ArchiveStore::database() const
{
    return d->db;
}

std::unique_ptr<ArchiveStore> ArchiveStore::open(const ArchiveLocation &location, OpenMode mode, ArchiveError *error)
{
    clearError(error);
    std::unique_ptr<ArchiveStore> store(new ArchiveStore);
    store->d->loc = location;
    bool created = false;
    if (location.backend == Backend::Sqlite && location.sqlitePath != QLatin1String(":memory:")) {
        if (location.sqlitePath.isEmpty()) {
            setError(error, Kind::BadUrl, QStringLiteral("The SQLite archive URL names no file"));
            return nullptr;
        }
        const QFileInfo fi(location.sqlitePath);
        if (fi.isDir()) {
            setError(error, Kind::NotAnArchive,
                     QStringLiteral("%1 is a folder, not an SQLite archive").arg(location.sqlitePath));
            return nullptr;
        }
        if (!fi.exists()) {
            if (mode == OpenMode::ExistingOnly) {
                setError(error, Kind::NotFound,
                         QStringLiteral("The archive database %1 does not exist").arg(location.sqlitePath));
                return nullptr;
            }
            if (!QDir().mkpath(fi.absolutePath())) {
                setError(error, Kind::Io, QStringLiteral("Cannot create the folder %1 for the archive").arg(fi.absolutePath()));
                return nullptr;
            }
            created = true;
        }
    }
    if (!store->d->connect(error))
        return nullptr;
    if (created && !store->ensureSchema(error)) {
        store.reset();
        QFile::remove(location.sqlitePath);  // not half an archive
        return nullptr;
    }
    return store;
}

QStringList ArchiveStore::missingTables(ArchiveError *error)
{
    if (!d->ensureOpen(error))
        return {};
    QString sql;
    switch (d->backend()) {
    case Backend::Sqlite:
        sql = QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table'");
        break;
    case Backend::Postgres:
        sql = QStringLiteral("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
        break;
    case Backend::MariaDb:
        sql = QStringLiteral("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()");
        break;
    }
    QSqlQuery q(d->db);
    if (!d->runDirect(q, sql, QStringLiteral("listing the tables"))) {
        d->report(error);
        return {};
    }
    QSet<QString> present;
    while (q.next())
        present.insert(q.value(0).toString().toLower());
    QStringList missing;
    for (const QString &t : ArchiveSchema::tableNames())
        if (!present.contains(t))
            missing << t;
    return missing;
}

bool ArchiveStore::ensureSchema(ArchiveError *error)
{
    const QStringList missing = missingTables(error);
    if (error && *error)
        return false;
    if (missing.isEmpty())
        return true;
    QList<ArchiveSchema::Statement> statements = ArchiveSchema::statements(d->backend());
    if (missing.contains(QStringLiteral("item")))
        statements += ArchiveSchema::extraIndexes(d->backend());
    const bool transactional = d->backend() != Backend::MariaDb;  // MariaDB commits DDL implicitly
    if (transactional && !d->begin(error))
        return false;
    for (const ArchiveSchema::Statement &st : std::as_const(statements)) {
        if (!missing.contains(st.table))
            continue;  // an existing table keeps exactly the indexes it has
        QSqlQuery q(d->db);
        if (!d->runDirect(q, st.sql, QStringLiteral("creating table %1").arg(st.table)))
            return transactional ? d->abort(error) : d->report(error);
    }
    if (transactional && !d->commit(error))
        return false;
    d->detectColumnTypes();
    return true;
}

qint64 ArchiveStore::probeLatencyUs(ArchiveError *error)
{
    if (!d->ensureOpen(error))
        return -1;
    QElapsedTimer timer;
    timer.start();
    QSqlQuery q(d->db);
    if (!d->runDirect(q, QStringLiteral("SELECT 1"), QStringLiteral("probing")) || !q.next()) {
        d->report(error);
        return -1;
    }
    return qMax<qint64>(0, timer.nsecsElapsed() / 1000);
}

qint64 ArchiveStore::countItems(const ItemFilter &filter, ArchiveError *error)
{
    if (!d->ensureOpen(error))
        return -1;
    const Private::Where w = d->whereClause(filter);
    if (w.impossible)
        return 0;
    QSqlQuery q(d->db);
    if (!d->run(q, QStringLiteral("SELECT COUNT(*) FROM item i") + w.sql, w.binds, QStringLiteral("counting items"))
        || !q.next()) {
        d->report(error);
        return -1;
    }
    return q.value(0).toLongLong();
}

QList<ItemRow> ArchiveStore::items(const ItemFilter &filter, const SortOrder &order, qint64 offset, int limit,
                                   ArchiveError *error)
{
    if (!d->ensureOpen(error))
        return {};
    const Private::Where w = d->whereClause(filter);
    if (w.impossible || limit <= 0)
        return {};
    offset = qMax<qint64>(0, offset);
    // A page near the end (the admin jumped to the last row) is read from the other end of the
    // index: OFFSET would otherwise step over nearly every row. Exact, because the order is total
    // (ties broken by id, NULLs placed symmetrically).
    SortOrder effective = order;
    bool reversed = false;
    if (offset >= 10000) {
        const qint64 total = countItems(filter, error);
        if (total < 0)
            return {};
        if (offset >= total)
            return {};
        if (offset > total / 2) {
            const qint64 count = qMin<qint64>(limit, total - offset);
            offset = total - offset - count;
            limit = int(count);
            effective.descending = !order.descending;
            reversed = true;
        }
    }
    const QString sql = QStringLiteral("SELECT ") + d->itemColumns()
                        + QStringLiteral(" FROM item i LEFT JOIN artifact a ON a.id = i.artifact_id") + w.sql
                        + d->orderBy(effective) + QStringLiteral(" LIMIT ? OFFSET ?");
    QVariantList binds = w.binds;
    binds << qlonglong(limit) << qlonglong(offset);
    QSqlQuery q(d->db);
    if (!d->run(q, sql, binds, QStringLiteral("listing items"))) {
        d->report(error);
        return {};
    }
    QList<ItemRow> rows;
    rows.reserve(limit);
    while (q.next())
        rows << Private::itemFrom(q);
    if (reversed)
        std::reverse(rows.begin(), rows.end());
    return rows;
}

std::optional<ItemDetail> ArchiveStore::item(const QString &tombstone, ArchiveError *error)
{
    if (!d->ensureOpen(error))
        return std::nullopt;
    const auto notFound = [&] {
        setError(error, Kind::TombstoneNotFound, QStringLiteral("Tombstone not found: %1").arg(tombstone));
        return std::nullopt;
    };
    if (d->uuidColumn(QStringLiteral("item.tombstone_id")) && QUuid::fromString(tombstone).isNull())
        return notFound();
    const QString sql =
        QStringLiteral("SELECT ") + d->itemColumns()
        + QStringLiteral(", i.metadata, %1, a.id, a.content_sha256, a.size_bytes, a.compression, a.mime_type, "
                         "a.storage_driver, a.object_url, %2, %3(a.blob_bytes) "
                         "FROM item i LEFT JOIN artifact a ON a.id = i.artifact_id WHERE i.tombstone_id = ?")
              .arg(d->tsOut(QStringLiteral("i.delete_after"), QStringLiteral("item.delete_after")),
                   d->tsOut(QStringLiteral("a.created_at"), QStringLiteral("artifact.created_at")), d->lengthFn());
    QSqlQuery q(d->db);
    if (!d->run(q, sql, {tombstone}, QStringLiteral("reading an item"))) {
        d->report(error);
        return std::nullopt;
    }
    if (!q.next())
        return notFound();
    ItemDetail detail;
    detail.item = Private::itemFrom(q);
    int c = Private::kItemColumnCount;
    detail.metadata = parseJsonObject(q.value(c++));
    detail.deleteAfter = q.value(c).isNull() ? QString() : q.value(c).toString();
    ++c;
    ArtifactInfo &a = detail.artifact;
    a.id = q.value(c++).toString();
    a.contentSha256 = q.value(c++).toString().trimmed();
    a.sizeBytes = q.value(c++).toLongLong();
    a.compression = q.value(c++).toString();
    a.mimeType = q.value(c++).toString();
    a.storageDriver = q.value(c++).toString();
    a.objectUrl = q.value(c++).toString();
    a.createdAt = q.value(c++).toString();
    a.hasBlob = !q.value(c).isNull();
    a.blobSize = a.hasBlob ? q.value(c).toLongLong() : -1;
    const QString itemId = detail.item.id;
    q.finish();

    QSqlQuery t(d->db);
    if (!d->run(t, QStringLiteral("SELECT tag FROM tag WHERE item_id = ? ORDER BY tag"), {itemId},
                QStringLiteral("reading tags"))) {
        d->report(error);
        return std::nullopt;
    }
    while (t.next())
        detail.tags << t.value(0).toString();

    QSqlQuery r(d->db);
    if (!d->run(r, QStringLiteral("SELECT ref_type, ref_value FROM referent WHERE item_id = ? ORDER BY ref_type, ref_value"),
                {itemId}, QStringLiteral("reading referents"))) {
        d->report(error);
        return std::nullopt;
    }
    while (r.next())
        detail.referents << qMakePair(r.value(0).toString(), r.value(1).toString());

    const QString created = QStringLiteral("event.created_at");
    const QString eventSql =
        QStringLiteral("SELECT id, action, actor, context, %1 FROM event WHERE item_id = ? ORDER BY %2, "
                       "CASE WHEN action = 'ARCHIVE' THEN 0 ELSE 1 END%3")
            .arg(d->tsOut(QStringLiteral("created_at"), created), d->tsKey(QStringLiteral("created_at"), created),
                 d->isSqlite() ? QStringLiteral(", rowid") : QString());
    QSqlQuery e(d->db);
    if (!d->run(e, eventSql, {itemId}, QStringLiteral("reading events"))) {
        d->report(error);
        return std::nullopt;
    }
    while (e.next()) {
        EventRow ev;
        ev.id = e.value(0).toString();
        ev.action = e.value(1).toString();
        ev.actor = e.value(2).toString();
        ev.context = parseJsonObject(e.value(3));
        ev.createdAt = e.value(4).toString();
        detail.events << ev;
    }
    return detail;
}

QStringList ArchiveStore::distinctValues(const QString &column, int limit, ArchiveError *error)
{
    static const QHash<QString, QString> columns{
        {QStringLiteral("repo"), QStringLiteral("SELECT DISTINCT repo FROM item ORDER BY 1 LIMIT ?")},
        {QStringLiteral("archived_by"), QStringLiteral("SELECT DISTINCT archived_by FROM item ORDER BY 1 LIMIT ?")},
        {QStringLiteral("reason"), QStringLiteral("SELECT DISTINCT reason FROM item ORDER BY 1 LIMIT ?")},
        {QStringLiteral("kind"), QStringLiteral("SELECT DISTINCT kind FROM item ORDER BY 1 LIMIT ?")},
        {QStringLiteral("language"),
         QStringLiteral("SELECT DISTINCT language FROM item WHERE language IS NOT NULL AND language <> '' ORDER BY 1 "
                        "LIMIT ?")},
        {QStringLiteral("tag"), QStringLiteral("SELECT DISTINCT tag FROM tag ORDER BY 1 LIMIT ?")},
    };
    clearError(error);
    const auto it = columns.constFind(column);
    if (it == columns.constEnd()) {
        setError(error, Kind::Query, QStringLiteral("'%1' is not a filterable column").arg(column));
        return {};
    }
    if (!d->ensureOpen(error))
        return {};
    QSqlQuery q(d->db);
    if (!d->run(q, *it, {qlonglong(qMax(1, limit))}, QStringLiteral("listing values of %1").arg(column))) {
        d->report(error);
        return {};
    }
    QStringList values;
    while (q.next())
        values << q.value(0).toString();
    std::sort(values.begin(), values.end());  // ENUM columns sort by position in MariaDB
    return values;
}

namespace {

// Reads a SQLite blob in pieces through one reused buffer (incremental blob I/O): no copy of
// the whole value in SQLite, none in a QVariant. Lives on the connection's thread.
class SqliteBlobSource final : public ByteSource {
public:
    SqliteBlobSource(sqlite3_blob *blob, qint64 size) : m_blob(blob), m_size(size) {}
    ~SqliteBlobSource() override { sqlite3_blob_close(m_blob); }
    SqliteBlobSource(const SqliteBlobSource &) = delete;
    SqliteBlobSource &operator=(const SqliteBlobSource &) = delete;

    qint64 size() const override { return m_size; }
    qint64 next(const char **data) override
    {
        constexpr qint64 kPiece = qint64(1) << 20;
        const qint64 n = std::min(m_size - m_pos, kPiece);
        if (n <= 0)
            return 0;
        if (m_buffer.isEmpty())
            m_buffer.resize(qsizetype(std::min(m_size, kPiece)));
        const int rc = sqlite3_blob_read(m_blob, m_buffer.data(), int(n), int(m_pos));
        if (rc != SQLITE_OK) {
            // SQLITE_ABORT: the row changed (or was deleted) while it was being read.
            m_error = QString::fromUtf8(sqlite3_errstr(rc));
            return -1;
        }
        m_pos += n;
        *data = m_buffer.constData();
        return n;
    }
    QString errorString() const override { return m_error; }

private:
    sqlite3_blob *m_blob;
    qint64 m_size;
    qint64 m_pos = 0;
    QByteArray m_buffer;
    QString m_error;
};

}  // namespace

std::optional<ArchiveStore::Blob> ArchiveStore::blob(const QString &tombstone, ArchiveError *error)
{
    auto stream = fetchBlob(tombstone, false, error);
    if (!stream)
        return std::nullopt;
    Blob b;
    static_cast<BlobInfo &>(b) = std::move(*stream);
    b.compressed = static_cast<const ByteArraySource &>(*stream->payload).bytes();
    return b;
}

std::optional<ArchiveStore::BlobStream> ArchiveStore::openBlob(const QString &tombstone, ArchiveError *error)
{
    return fetchBlob(tombstone, d->isSqlite(), error);
}

std::optional<ArchiveStore::BlobStream> ArchiveStore::fetchBlob(const QString &tombstone, bool incremental,
                                                                ArchiveError *error)
{
    if (!d->ensureOpen(error))
        return std::nullopt;
    const auto notFound = [&] {
        setError(error, Kind::TombstoneNotFound, QStringLiteral("Tombstone not found: %1").arg(tombstone));
        return std::nullopt;
    };
    if (tombstone.isEmpty()
        || (d->uuidColumn(QStringLiteral("item.tombstone_id")) && QUuid::fromString(tombstone).isNull()))
        return notFound();
    sqlite3 *handle = nullptr;
    if (incremental) {
        const QVariant h = d->db.driver()->handle();
        if (h.isValid() && qstrcmp(h.typeName(), "sqlite3*") == 0)
            handle = *static_cast<sqlite3 *const *>(h.constData());
        incremental = handle != nullptr;
    }
    // Incremental: only the blob's length (SQLite does not load the value for length()) and
    // the row to open it by.
    const QString sql =
        QStringLiteral("SELECT i.id, i.tombstone_id, i.repo, i.path, a.id, a.content_sha256, a.size_bytes, "
                       "a.compression, a.mime_type, a.storage_driver, a.object_url, %1, %2 "
                       "FROM item i LEFT JOIN artifact a ON a.id = i.artifact_id WHERE i.tombstone_id = ?")
            .arg(d->tsOut(QStringLiteral("a.created_at"), QStringLiteral("artifact.created_at")),
                 incremental ? QStringLiteral("length(a.blob_bytes), a.rowid") : QStringLiteral("a.blob_bytes"));
    QSqlQuery q(d->db);
    if (!d->run(q, sql, {tombstone}, QStringLiteral("reading the blob"))) {
        d->report(error);
        return std::nullopt;
    }
    if (!q.next())
        return notFound();
    BlobStream b;
    b.itemId = q.value(0).toString();
    b.tombstone = q.value(1).toString();
    b.repo = q.value(2).toString();
    b.path = q.value(3).toString();
    if (q.value(4).isNull()) {
        setError(error, Kind::Query, QStringLiteral("Artifact missing for item %1").arg(b.itemId));
        return std::nullopt;
    }
    ArtifactInfo &a = b.artifact;
    a.id = q.value(4).toString();
    a.contentSha256 = q.value(5).toString().trimmed();
    a.sizeBytes = q.value(6).toLongLong();
    a.compression = q.value(7).toString();
    a.mimeType = q.value(8).toString();
    a.storageDriver = q.value(9).toString();
    a.objectUrl = q.value(10).toString();
    a.createdAt = q.value(11).toString();
    a.hasBlob = !q.value(12).isNull();
    if (!a.hasBlob || a.storageDriver == QLatin1String("object")) {
        setError(error, Kind::Purged, QStringLiteral("Artifact payload has been purged; bytes unavailable"));
        return std::nullopt;
    }
    if (!incremental) {
        auto whole = std::make_unique<ByteArraySource>(q.value(12).toByteArray());
        a.blobSize = whole->size();
        b.payload = std::move(whole);
        return b;
    }
    a.blobSize = q.value(12).toLongLong();
    const qint64 rowid = q.value(13).toLongLong();
    q.finish();
    sqlite3_blob *blob = nullptr;
    const int rc = sqlite3_blob_open(handle, "main", "artifact", "blob_bytes", rowid, 0, &blob);
    if (rc != SQLITE_OK) {
        const QString why = d->sanitize(QString::fromUtf8(sqlite3_errmsg(handle)));
        sqlite3_blob_close(blob);  // a no-op on null
        setError(error, rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? Kind::Locked : Kind::Query,
                 QStringLiteral("Cannot read the blob of artifact %1 in %2: %3").arg(a.id, d->where(), why));
        return std::nullopt;
    }
    b.payload = std::make_unique<SqliteBlobSource>(blob, a.blobSize);
    return b;
}

QHash<QString, ArchiveStore::TombstoneState> ArchiveStore::lookupTombstones(const QStringList &tombstones,
                                                                          ArchiveError *error)
{
    QHash<QString, TombstoneState> out;
    if (!d->ensureOpen(error))
        return out;
    // The text as stored -> the texts asked for (a UUID column answers in its canonical form).
    const bool uuid = d->uuidColumn(QStringLiteral("item.tombstone_id"));
    QHash<QString, QStringList> asked;
    QStringList keys;
    for (const QString &t : tombstones) {
        if (t.isEmpty())
            continue;
        QString key = t;
        if (uuid) {
            const QUuid u = QUuid::fromString(t);
            if (u.isNull())
                continue;  // no such value can be in the column (and it would reject the text)
            key = u.toString(QUuid::WithoutBraces);
        }
        auto it = asked.find(key);
        if (it == asked.end()) {
            asked.insert(key, {t});
            keys << key;
        } else if (!it->contains(t)) {
            it->append(t);
        }
    }
    constexpr int kChunk = 500;
    for (qsizetype from = 0; from < keys.size(); from += kChunk) {
        const qsizetype n = std::min<qsizetype>(kChunk, keys.size() - from);
        QStringList marks;
        marks.reserve(n);
        QVariantList binds;
        binds.reserve(n);
        for (qsizetype i = 0; i < n; ++i) {
            marks << QStringLiteral("?");
            binds << keys.at(from + i);
        }
        const QString sql =
            QStringLiteral("SELECT i.tombstone_id, i.id, a.content_sha256, a.size_bytes, "
                           "CASE WHEN a.id IS NULL OR a.blob_bytes IS NULL OR a.storage_driver = 'object' THEN 1 ELSE 0 END "
                           "FROM item i LEFT JOIN artifact a ON a.id = i.artifact_id WHERE i.tombstone_id IN (%1)")
                .arg(marks.join(QLatin1Char(',')));
        QSqlQuery q(d->db);
        if (!d->run(q, sql, binds, QStringLiteral("looking up tombstones"))) {
            d->report(error);
            return {};
        }
        while (q.next()) {
            TombstoneState st;
            st.itemId = q.value(1).toString();
            st.contentSha256 = q.value(2).toString().trimmed();
            st.sizeBytes = q.value(3).toLongLong();
            st.purged = q.value(4).toInt() != 0;
            QString key = q.value(0).toString();
            if (uuid)
                key = QUuid::fromString(key).toString(QUuid::WithoutBraces);
            for (const QString &t : asked.value(key))
                out.insert(t, st);
        }
    }
    return out;
}

bool ArchiveStore::markRestored(const QString &itemId, const QString &actor, const QJsonObject &context,
                                ArchiveError *error)
{
    // Concurrent writers (a batch, another admin, the reference CLI) can make the server pick
    // this transaction as a deadlock victim; that is transient, so try again a few times.
    ArchiveError local;
    for (int attempt = 1;; ++attempt) {
        if (markRestoredOnce(itemId, actor, context, &local)) {
            clearError(error);
            return true;
        }
        const QString m = local.message.toLower();
        const bool retriable = m.contains(QLatin1String("deadlock")) || m.contains(QLatin1String("could not serialize"))
                               || m.contains(QLatin1String("lock wait timeout"));
        if (!retriable || attempt >= 4) {
            if (error)
                *error = local;
            return false;
        }
        QThread::msleep(20 * attempt);
    }
}

QList<ArchiveError> ArchiveStore::markRestoredAll(const QList<RestoreMark> &marks)
{
    QList<ArchiveError> errors(marks.size());
    if (marks.isEmpty())
        return errors;
    ArchiveError error;
    if (d->ensureOpen(&error)) {
        QList<MarkRequest> requests(marks.size());
        QList<MarkRequest *> pointers;
        for (qsizetype i = 0; i < marks.size(); ++i) {
            requests[i].itemId = marks[i].itemId;
            requests[i].actor = marks[i].actor;
            requests[i].context = marks[i].context;
            pointers.append(&requests[i]);
        }
        if (d->writeMarks(pointers, &error))
            return errors;
    }
    for (qsizetype i = 0; i < marks.size(); ++i)
        markRestored(marks[i].itemId, marks[i].actor, marks[i].context, &errors[i]);
    return errors;
}

bool ArchiveStore::markRestoredOnce(const QString &itemId, const QString &actor, const QJsonObject &context,
                                    ArchiveError *error)
{
    if (!d->ensureOpen(error))
        return false;
    if (d->uuidColumn(QStringLiteral("item.id")) && QUuid::fromString(itemId).isNull())
        return setError(error, Kind::TombstoneNotFound, QStringLiteral("Item not found: %1").arg(itemId));
    MarkRequest mark;
    mark.itemId = itemId;
    mark.actor = actor;
    mark.context = context;
    if (d->isSqlite())
        return d->markGrouped(mark, error);
    return d->writeMarks({&mark}, error);
}

std::optional<QString> ArchiveStore::store(const StoreRequest &request, ArchiveError *error)
{
    clearError(error);
    if (request.repo.isEmpty() || request.path.isEmpty() || request.actor.isEmpty()) {
        setError(error, Kind::Query, QStringLiteral("Storing needs a repo, a path and an actor"));
        return std::nullopt;
    }
    const QString codec = request.compression.isEmpty() ? QStringLiteral("zstd") : request.compression;
    const QByteArray compressed = BlobCodec::compress(codec, request.content, error);
    if (error && *error)
        return std::nullopt;
    const QString sha = BlobCodec::sha256Hex(request.content);
    const QString now = request.archivedAt.isEmpty() ? nowIso() : request.archivedAt;
    const QString tombstone = request.tombstoneId.isEmpty() ? newUuid() : request.tombstoneId;
    const qint64 size = request.content.size();

    // The reference's metadata (ArchiveService.archive_path + record_archive's legal_hold handling).
    QJsonObject metadata{{QStringLiteral("sha256"), sha},
                         {QStringLiteral("size_bytes"), size},
                         {QStringLiteral("compressed_size"), qint64(compressed.size())},
                         {QStringLiteral("compression"), codec},
                         {QStringLiteral("mime_type"), request.mimeType},
                         {QStringLiteral("language"),
                          request.language.isEmpty() ? QJsonValue() : QJsonValue(request.language)}};
    if (request.legalHold)
        metadata.insert(QStringLiteral("legal_hold"), true);
    const QJsonObject context{{QStringLiteral("commit"), request.commitSha},
                              {QStringLiteral("repo"), request.repo},
                              {QStringLiteral("path"), request.path},
                              {QStringLiteral("python"), QStringLiteral("codex-admin " CODEXADMIN_VERSION)}};

    if (!d->ensureOpen(error))
        return std::nullopt;
    std::optional<QMutexLocker<QMutex>> writeLock;
    if (d->isSqlite())
        writeLock.emplace(sqliteWriteMutex(d->loc.sqlitePath));
    if (!d->begin(error))
        return std::nullopt;
    const auto fail = [&]() -> std::optional<QString> {
        d->abort(error);
        return std::nullopt;
    };

    QString artifactId;
    {
        QSqlQuery q(d->db);
        if (!d->run(q,
                    QStringLiteral("SELECT id, size_bytes, compression, mime_type, storage_driver, "
                                   "CASE WHEN blob_bytes IS NULL THEN 1 ELSE 0 END FROM artifact WHERE content_sha256 = ?"),
                    {sha}, QStringLiteral("looking up the artifact")))
            return fail();
        if (q.next()) {
            artifactId = q.value(0).toString();
            const bool needsRefresh = q.value(5).toInt() == 1 || q.value(4).toString() != QLatin1String("db");
            const bool changed = q.value(1).toLongLong() != size || q.value(2).toString() != codec
                                 || q.value(3).toString() != request.mimeType;
            q.finish();
            if (needsRefresh || changed) {
                QSqlQuery u(d->db);
                if (!d->run(u,
                            QStringLiteral("UPDATE artifact SET size_bytes = ?, compression = ?, mime_type = ?, "
                                           "storage_driver = 'db', blob_bytes = ?, object_url = NULL WHERE id = ?"),
                            {size, codec, request.mimeType, compressed, artifactId},
                            QStringLiteral("refreshing the artifact")))
                    return fail();
            }
        }
    }
    if (artifactId.isEmpty()) {
        artifactId = newUuid();
        QSqlQuery q(d->db);
        if (!d->run(q,
                    QStringLiteral("INSERT INTO artifact (id, content_sha256, size_bytes, compression, mime_type, "
                                   "storage_driver, blob_bytes, object_url, created_at) VALUES (?, ?, ?, ?, ?, 'db', ?, "
                                   "NULL, %1)")
                        .arg(d->tsPlaceholder(QStringLiteral("artifact.created_at"))),
                    {artifactId, sha, size, codec, request.mimeType, compressed,
                     d->tsWrite(now, QStringLiteral("artifact.created_at"))},
                    QStringLiteral("storing the artifact")))
            return fail();
    }
    const QString itemId = newUuid();
    {
        QSqlQuery q(d->db);
        if (!d->run(q,
                    QStringLiteral("INSERT INTO item (id, repo, path, commit_sha, language, kind, reason, artifact_id, "
                                   "metadata, archived_by, archived_at, tombstone_id, legal_hold, delete_after, "
                                   "restored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, %1, ?, ?, NULL, NULL)")
                        .arg(d->tsPlaceholder(QStringLiteral("item.archived_at"))),
                    {itemId, request.repo, request.path, request.commitSha,
                     request.language.isEmpty() ? nullString() : QVariant(request.language), request.kind,
                     request.reason, artifactId, pythonJson(metadata), request.actor,
                     d->tsWrite(now, QStringLiteral("item.archived_at")), tombstone, d->boolValue(request.legalHold)},
                    QStringLiteral("storing the item")))
            return fail();
    }
    {
        QSqlQuery q(d->db);
        if (!d->run(q,
                    QStringLiteral("INSERT INTO event (id, item_id, action, actor, context, created_at) "
                                   "VALUES (?, ?, 'ARCHIVE', ?, ?, %1)")
                        .arg(d->tsPlaceholder(QStringLiteral("event.created_at"))),
                    {newUuid(), itemId, request.actor, pythonJson(context),
                     d->tsWrite(now, QStringLiteral("event.created_at"))},
                    QStringLiteral("recording the ARCHIVE event")))
            return fail();
    }
    QStringList seen;
    for (const QString &tag : request.tags) {
        if (tag.isEmpty() || seen.contains(tag))
            continue;
        seen << tag;
        QSqlQuery q(d->db);
        if (!d->run(q, QStringLiteral("INSERT INTO tag (item_id, tag) VALUES (?, ?)"), {itemId, tag},
                    QStringLiteral("storing a tag")))
            return fail();
    }
    if (!d->commit(error))
        return std::nullopt;
    return tombstone;
}

}  // namespace codex::archive
