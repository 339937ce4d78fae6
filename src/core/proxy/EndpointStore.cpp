#include "proxy/EndpointStore.h"

#include "common/AtomicFile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cstring>

namespace codex::proxy {

namespace {

/// 1-based line and column of a byte offset.
void lineColumn(const QByteArray &bytes, int offset, int *line, int *column)
{
    offset = qBound(0, offset, int(bytes.size()));
    int l = 1, lastNl = -1;
    for (int i = 0; i < offset; ++i)
        if (bytes.at(i) == '\n') {
            ++l;
            lastNl = i;
        }
    *line = l;
    *column = offset - lastNl;
}

QList<Environment> defaultEnvironments()
{
    Environment local;
    local.name = QStringLiteral("local ccproxy");
    local.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:8000"));
    local.profileId = QStringLiteral("fork");
    return {local};
}

qint64 countLines(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    qint64 n = 0;
    char buf[64 * 1024];
    for (;;) {
        const qint64 got = f.read(buf, sizeof buf);
        if (got <= 0)
            break;
        const char *p = buf, *end = buf + got;
        while ((p = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p))))) {
            ++n;
            ++p;
        }
    }
    return n;
}

}  // namespace

EndpointStore::EndpointStore(QString codexDir) : m_dir(std::move(codexDir))
{
    if (m_dir.isEmpty())
        m_dir = QDir::current().filePath(QStringLiteral(".codex"));
    environments = defaultEnvironments();
}

QString EndpointStore::filePath() const { return QDir(m_dir).filePath(QStringLiteral("endpoints.json")); }
QString EndpointStore::historyPath() const { return QDir(m_dir).filePath(QStringLiteral("endpoints-history.jsonl")); }

bool EndpointStore::load(QString *error)
{
    auto fail = [error](const QString &msg) {
        if (error)
            *error = msg;
        return false;
    };
    QFile f(filePath());
    if (!f.exists()) {
        environments = defaultEnvironments();
        savedRequests.clear();
        customProfiles.clear();
        return true;
    }
    if (!f.open(QIODevice::ReadOnly))
        return fail(QStringLiteral("Cannot read %1: %2").arg(filePath(), f.errorString()));
    const QByteArray bytes = f.readAll();
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
    if (pe.error != QJsonParseError::NoError) {
        int line = 0, column = 0;
        lineColumn(bytes, pe.offset, &line, &column);
        return fail(QStringLiteral("%1: line %2, column %3: %4 (the file was left as it is)")
                        .arg(filePath()).arg(line).arg(column).arg(pe.errorString()));
    }
    if (!doc.isObject())
        return fail(QStringLiteral("%1: line 1, column 1: the top level must be a JSON object (the file was left as it is)").arg(filePath()));
    const QJsonObject root = doc.object();
    for (const char *key : {"environments", "savedRequests", "profiles"}) {
        const QJsonValue v = root.value(QLatin1String(key));
        if (!v.isUndefined() && !v.isArray())
            return fail(QStringLiteral("%1: \"%2\" must be an array").arg(filePath(), QLatin1String(key)));
    }
    QList<Environment> envs;
    const QJsonArray envArray = root.value(QStringLiteral("environments")).toArray();
    for (int i = 0; i < envArray.size(); ++i) {
        if (!envArray.at(i).isObject())
            return fail(QStringLiteral("%1: environments[%2] is not an object").arg(filePath()).arg(i));
        Environment e = Environment::fromJson(envArray.at(i).toObject());
        if (e.name.isEmpty())
            return fail(QStringLiteral("%1: environments[%2] has no \"name\"").arg(filePath()).arg(i));
        if (!e.baseUrl.isValid() || e.baseUrl.host().isEmpty())
            return fail(QStringLiteral("%1: environments[%2] ('%3'): \"baseUrl\" is not a valid URL")
                            .arg(filePath()).arg(i).arg(e.name));
        envs.append(e);
    }
    QList<ProxyRequest> reqs;
    const QJsonArray reqArray = root.value(QStringLiteral("savedRequests")).toArray();
    for (int i = 0; i < reqArray.size(); ++i) {
        if (!reqArray.at(i).isObject())
            return fail(QStringLiteral("%1: savedRequests[%2] is not an object").arg(filePath()).arg(i));
        reqs.append(ProxyRequest::fromJson(reqArray.at(i).toObject()));
    }
    QList<ProxyProfile> profiles;
    const QJsonArray profArray = root.value(QStringLiteral("profiles")).toArray();
    for (int i = 0; i < profArray.size(); ++i) {
        QString perr;
        auto p = ProxyProfile::fromJson(profArray.at(i).toObject(), &perr);
        if (!p)
            return fail(QStringLiteral("%1: profiles[%2]: %3").arg(filePath()).arg(i).arg(perr));
        if (ProxyProfile::preset(p->id))
            return fail(QStringLiteral("%1: profiles[%2]: id '%3' is a preset name (fork, legacy, current)").arg(filePath()).arg(i).arg(p->id));
        profiles.append(*p);
    }
    environments = envArray.isEmpty() && !root.contains(QStringLiteral("environments")) ? defaultEnvironments() : envs;
    savedRequests = reqs;
    customProfiles = profiles;
    return true;
}

bool EndpointStore::save(QString *error) const
{
    QJsonArray envs, reqs, profiles;
    for (const Environment &e : environments)
        envs.append(e.toJson());
    for (const ProxyRequest &r : savedRequests)
        reqs.append(r.toJson());
    for (const ProxyProfile &p : customProfiles)
        profiles.append(p.toJson());
    QJsonObject root;
    root.insert(QStringLiteral("version"), 1);
    root.insert(QStringLiteral("environments"), envs);
    root.insert(QStringLiteral("savedRequests"), reqs);
    root.insert(QStringLiteral("profiles"), profiles);
    return writeFileAtomically(filePath(), QJsonDocument(root).toJson(QJsonDocument::Indented), error);
}

std::optional<ProxyProfile> EndpointStore::profile(const QString &id) const
{
    for (const ProxyProfile &p : customProfiles)
        if (p.id == id)
            return p;
    return ProxyProfile::preset(id);
}

bool EndpointStore::appendHistory(const ProxyResponse &response, QString *error) const
{
    const QString path = historyPath();
    if (!QDir().mkpath(m_dir)) {
        if (error)
            *error = QStringLiteral("Cannot create the folder %1").arg(m_dir);
        return false;
    }
    const QByteArray line = QJsonDocument(response.toJson()).toJson(QJsonDocument::Compact) + '\n';
    const qint64 sizeBefore = QFileInfo(path).exists() ? QFileInfo(path).size() : 0;
    if (m_historySize != sizeBefore)
        m_historyLines = sizeBefore == 0 ? 0 : countLines(path);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Append)) {
        if (error)
            *error = QStringLiteral("Cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    if (f.write(line) != line.size() || !f.flush()) {
        if (error)
            *error = QStringLiteral("Cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    f.close();
    ++m_historyLines;
    m_historySize = sizeBefore + line.size();
    if (m_historyLines > kHistoryRewriteAt) {
        QFile in(path);
        if (!in.open(QIODevice::ReadOnly)) {
            if (error)
                *error = QStringLiteral("Cannot read %1: %2").arg(path, in.errorString());
            return false;
        }
        QList<QByteArray> lines = in.readAll().split('\n');
        in.close();
        while (!lines.isEmpty() && lines.last().isEmpty())
            lines.removeLast();
        const qsizetype from = qMax<qsizetype>(0, lines.size() - kHistoryKeep);
        QByteArray kept;
        for (qsizetype i = from; i < lines.size(); ++i) {
            kept += lines.at(i);
            kept += '\n';
        }
        if (!writeFileAtomically(path, kept, error))
            return false;
        m_historyLines = lines.size() - from;
        m_historySize = kept.size();
    }
    return true;
}

QList<QJsonObject> EndpointStore::history(int max) const
{
    QList<QJsonObject> out;
    QFile f(historyPath());
    if (max <= 0 || !f.open(QIODevice::ReadOnly))
        return out;
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (qsizetype i = lines.size() - 1; i >= 0 && out.size() < max; --i) {
        const QByteArray &l = lines.at(i);
        if (l.trimmed().isEmpty())
            continue;
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(l, &pe);
        if (pe.error != QJsonParseError::NoError || !doc.isObject())
            continue;  // malformed line (e.g. a crash mid-write): skipped
        out.append(doc.object());
    }
    return out;
}

}  // namespace codex::proxy
