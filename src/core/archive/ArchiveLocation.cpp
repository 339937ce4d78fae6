#include "archive/ArchiveLocation.h"

#include "common/Url.h"
#include "config/ConfigResolver.h"

#include <QDir>
#include <QFileInfo>
#include <QUrl>

namespace codex::archive {

namespace {

constexpr auto kDefaultUrl = "sqlite:///./.codex/archive.sqlite";

void setError(ArchiveError *error, ArchiveError::Kind kind, const QString &message)
{
    if (error) {
        error->kind = kind;
        error->message = message;
    }
}

std::optional<Backend> backendFromScheme(const QString &scheme)
{
    // SQLAlchemy spells dialect+driver; the reference infers the backend from the prefix.
    const QString dialect = scheme.section(QLatin1Char('+'), 0, 0);
    if (dialect == QLatin1String("sqlite"))
        return Backend::Sqlite;
    if (dialect == QLatin1String("postgresql") || dialect == QLatin1String("postgres"))
        return Backend::Postgres;
    if (dialect == QLatin1String("mysql") || dialect == QLatin1String("mariadb"))
        return Backend::MariaDb;
    return std::nullopt;
}

std::optional<Backend> backendFromName(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == QLatin1String("sqlite"))
        return Backend::Sqlite;
    if (n == QLatin1String("postgres") || n == QLatin1String("postgresql"))
        return Backend::Postgres;
    if (n == QLatin1String("mariadb") || n == QLatin1String("mysql"))
        return Backend::MariaDb;
    return std::nullopt;
}

QString defaultSqlitePath(const QString &workspace)
{
    return QDir::cleanPath(QDir(workspace).absoluteFilePath(QStringLiteral(".codex/archive.sqlite")));
}

}  // namespace

QString ArchiveLocation::qtDriver() const
{
    switch (backend) {
    case Backend::Sqlite:
        return QStringLiteral("QSQLITE");
    case Backend::Postgres:
        return QStringLiteral("QPSQL");
    case Backend::MariaDb:
        return QStringLiteral("QMYSQL");
    }
    return QStringLiteral("QSQLITE");
}

std::optional<ArchiveLocation> ArchiveLocation::fromUrl(const QString &url, const QString &workspace,
                                                        ArchiveError *error)
{
    const QString text = url.trimmed();
    const QString redacted = redactUrl(text);
    const ParsedUrl parsed = ParsedUrl::parse(text);
    if (!parsed.valid) {
        setError(error, ArchiveError::Kind::BadUrl,
                 QStringLiteral("Invalid archive URL %1: %2").arg(redacted, redactSecrets(parsed.problem)));
        return std::nullopt;
    }
    const auto backend = backendFromScheme(parsed.scheme);
    if (!backend) {
        setError(error, ArchiveError::Kind::BadUrl,
                 QStringLiteral("Unsupported archive URL scheme '%1' in %2 (expected sqlite://, postgresql:// or "
                                "mysql://)")
                     .arg(parsed.scheme, redacted));
        return std::nullopt;
    }
    ArchiveLocation loc;
    loc.backend = *backend;
    loc.redactedUrl = redacted;
    if (loc.backend == Backend::Sqlite) {
        QString path = parsed.path;
        const int query = path.indexOf(QLatin1Char('?'));
        if (query >= 0)
            path = path.left(query);
        if (path.isEmpty()) {
            setError(error, ArchiveError::Kind::BadUrl, QStringLiteral("The SQLite URL %1 names no file").arg(redacted));
            return std::nullopt;
        }
        if (path == QLatin1String(":memory:")) {
            loc.sqlitePath = path;
            return loc;
        }
        if (path.startsWith(QLatin1String("~/")))
            path = QDir::homePath() + path.mid(1);
        const QString base = workspace.isEmpty() ? QDir::currentPath() : workspace;
        loc.sqlitePath = QDir::cleanPath(QFileInfo(path).isAbsolute() ? path : QDir(base).absoluteFilePath(path));
        loc.isDefaultSqlite = !workspace.isEmpty() && loc.sqlitePath == defaultSqlitePath(workspace);
        return loc;
    }
    loc.host = parsed.host;
    if (loc.host.startsWith(QLatin1Char('[')) && loc.host.endsWith(QLatin1Char(']')))
        loc.host = loc.host.mid(1, loc.host.size() - 2);
    loc.port = parsed.port;
    loc.user = QUrl::fromPercentEncoding(parsed.user.toUtf8());
    loc.password = QUrl::fromPercentEncoding(parsed.password.toUtf8());
    QString db = parsed.path;
    const int query = db.indexOf(QLatin1Char('?'));
    if (query >= 0)
        db = db.left(query);
    while (db.endsWith(QLatin1Char('/')))
        db.chop(1);
    loc.database = QUrl::fromPercentEncoding(db.toUtf8());
    if (loc.database.isEmpty() || loc.database.contains(QLatin1Char('/'))) {
        setError(error, ArchiveError::Kind::BadUrl,
                 QStringLiteral("The archive URL %1 names no database (expected …/DATABASE after the host)").arg(redacted));
        return std::nullopt;
    }
    return loc;
}

std::optional<ArchiveLocation> ArchiveLocation::fromConfig(const config::ResolvedConfig &config,
                                                           const QString &workspace, ArchiveError *error)
{
    // Generation A names the backend backend.type, generation B backend.backend.
    QString backendKey;
    QString backendText;
    for (const char *key : {"backend.type", "backend.backend"}) {
        if (const config::ResolvedKey *k = config.find(QLatin1String(key))) {
            backendKey = QLatin1String(key);
            if (!k->value.isNull())
                backendText = k->value.toString().trimmed();
            break;
        }
    }
    QString url;
    if (const config::ResolvedKey *k = config.find(QStringLiteral("backend.url")); k && !k->value.isNull())
        url = k->value.toString().trimmed();
    if (url.isEmpty())
        url = QLatin1String(kDefaultUrl);

    auto loc = fromUrl(url, workspace, error);
    if (!loc)
        return std::nullopt;
    if (!backendText.isEmpty()) {
        const auto named = backendFromName(backendText);
        if (!named) {
            setError(error, ArchiveError::Kind::BadUrl,
                     QStringLiteral("%1 = '%2' is not a supported backend (sqlite, postgres or mariadb)")
                         .arg(backendKey, backendText));
            return std::nullopt;
        }
        if (*named != loc->backend) {
            setError(error, ArchiveError::Kind::BadUrl,
                     QStringLiteral("%1 = '%2' contradicts backend.url %3, which is a %4 URL")
                         .arg(backendKey, backendText, loc->redactedUrl, backendName(loc->backend)));
            return std::nullopt;
        }
    }
    return loc;
}

}  // namespace codex::archive
