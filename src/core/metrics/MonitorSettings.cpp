#include "metrics/MonitorSettings.h"

#include "common/AtomicFile.h"
#include "common/Workspace.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace codex::metrics {

namespace {

bool validHttpUrl(const QUrl &url)
{
    return url.isValid() && (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"))
           && !url.host().isEmpty();
}

bool readInt(const QJsonObject &o, const char *key, int minimum, int maximum, int *out, QString *error)
{
    const QString k = QLatin1String(key);
    if (!o.contains(k))
        return true;
    const QJsonValue v = o.value(k);
    if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble())) {
        *error = QStringLiteral("%1: must be a whole number").arg(k);
        return false;
    }
    const double d = v.toDouble();
    if (d < minimum || d > maximum) {
        *error = QStringLiteral("%1: must be between %2 and %3, got %4").arg(k).arg(minimum).arg(maximum).arg(d);
        return false;
    }
    *out = int(d);
    return true;
}

bool readString(const QJsonObject &o, const QString &key, QString *out, QString *error)
{
    if (!o.contains(key))
        return true;
    if (!o.value(key).isString()) {
        *error = QStringLiteral("%1: must be a string").arg(key);
        return false;
    }
    *out = o.value(key).toString();
    return true;
}

}  // namespace

void lineColumnAt(const QByteArray &text, int offset, int *line, int *column)
{
    int l = 1, c = 1;
    for (int i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++l;
            c = 1;
        } else if ((uchar(text[i]) & 0xC0) != 0x80) {
            ++c;
        }
    }
    *line = l;
    *column = c;
}

QJsonObject ScrapeSource::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("url"), url.toString());
    if (!tokenRef.isEmpty())
        o.insert(QStringLiteral("token_ref"), tokenRef);
    if (timeoutMs != 5000)
        o.insert(QStringLiteral("timeout_ms"), timeoutMs);
    return o;
}

MetricNaming MonitorSettings::naming() const
{
    if (namingId == QLatin1String("custom")) {
        MetricNaming n = customNaming;
        n.id = QStringLiteral("custom");
        return n;
    }
    if (auto p = MetricNaming::preset(namingId))
        return *p;
    return MetricNaming::presets().constFirst();
}

QJsonObject MonitorSettings::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("version"), 1);
    QJsonArray sc;
    for (const auto &s : scrapes)
        sc.append(s.toJson());
    o.insert(QStringLiteral("scrape"), sc);
    o.insert(QStringLiteral("prometheus_url"), prometheusUrl.toString());
    o.insert(QStringLiteral("naming"), namingId);
    if (namingId == QLatin1String("custom"))
        o.insert(QStringLiteral("custom_naming"), naming().toJson());
    o.insert(QStringLiteral("group_by"), groupBy);
    o.insert(QStringLiteral("rate_window_s"), rateWindowS);
    o.insert(QStringLiteral("refresh_ms"), refreshMs);
    o.insert(QStringLiteral("time_window_s"), timeWindowS);
    QJsonArray rs;
    for (const auto &r : rules)
        rs.append(r.toJson());
    o.insert(QStringLiteral("thresholds"), rs);
    QJsonArray ms;
    for (const auto &m : markers)
        ms.append(m.toJson());
    o.insert(QStringLiteral("stage_markers"), ms);
    return o;
}

std::optional<MonitorSettings> MonitorSettings::fromJson(const QJsonObject &o, QString *error)
{
    QString err;
    MonitorSettings s;
    if (o.contains(QStringLiteral("scrape"))) {
        const QJsonValue v = o.value(QStringLiteral("scrape"));
        if (!v.isArray()) {
            err = QStringLiteral("scrape: must be an array of {\"url\": …}");
        } else {
            const QJsonArray a = v.toArray();
            for (int i = 0; i < a.size() && err.isEmpty(); ++i) {
                ScrapeSource src;
                QJsonObject so;
                if (a[i].isString())
                    so.insert(QStringLiteral("url"), a[i]);
                else if (a[i].isObject())
                    so = a[i].toObject();
                else {
                    err = QStringLiteral("scrape[%1]: must be an object or a URL string").arg(i);
                    break;
                }
                const QString url = so.value(QStringLiteral("url")).toString();
                src.url = QUrl(url);
                if (!validHttpUrl(src.url))
                    err = QStringLiteral("scrape[%1].url: not an http(s) URL: \"%2\"").arg(i).arg(url);
                else if (!readString(so, QStringLiteral("token_ref"), &src.tokenRef, &err))
                    err = QStringLiteral("scrape[%1].%2").arg(i).arg(err);
                else if (!src.tokenRef.isEmpty() && !src.tokenRef.startsWith(QLatin1String("keychain:"))
                         && !src.tokenRef.startsWith(QLatin1String("env:"))
                         && !src.tokenRef.startsWith(QLatin1String("session:")))
                    err = QStringLiteral("scrape[%1].token_ref: must start with keychain:, env: or session: "
                                         "(tokens themselves are never stored here)")
                              .arg(i);
                else if (!readInt(so, "timeout_ms", 100, 600000, &src.timeoutMs, &err))
                    err = QStringLiteral("scrape[%1].%2").arg(i).arg(err);
                s.scrapes << src;
            }
        }
    }
    if (err.isEmpty() && o.contains(QStringLiteral("prometheus_url"))) {
        QString url;
        if (readString(o, QStringLiteral("prometheus_url"), &url, &err) && !url.isEmpty()) {
            s.prometheusUrl = QUrl(url);
            if (!validHttpUrl(s.prometheusUrl))
                err = QStringLiteral("prometheus_url: not an http(s) URL: \"%1\"").arg(url);
        }
    }
    if (err.isEmpty() && readString(o, QStringLiteral("naming"), &s.namingId, &err)) {
        if (s.namingId == QLatin1String("custom")) {
            const QJsonValue cn = o.value(QStringLiteral("custom_naming"));
            if (!cn.isObject()) {
                err = QStringLiteral("custom_naming: required (an object) when naming is \"custom\"");
            } else {
                QString nerr;
                QJsonObject co = cn.toObject();
                if (co.value(QStringLiteral("id")).toString().isEmpty())
                    co.insert(QStringLiteral("id"), QStringLiteral("custom"));
                auto n = MetricNaming::fromJson(co, &nerr);
                if (!n)
                    err = QStringLiteral("custom_naming: %1").arg(nerr);
                else
                    s.customNaming = *n;
            }
        } else if (!MetricNaming::preset(s.namingId)) {
            err = QStringLiteral("naming: unknown preset \"%1\" (ccproxy, seed or custom)").arg(s.namingId);
        }
    }
    if (err.isEmpty() && readString(o, QStringLiteral("group_by"), &s.groupBy, &err)) {
        if (!s.groupBy.isEmpty() && s.groupBy != QLatin1String("endpoint") && s.groupBy != QLatin1String("model"))
            err = QStringLiteral("group_by: must be \"\", \"endpoint\" or \"model\", got \"%1\"").arg(s.groupBy);
    }
    if (err.isEmpty() && !readInt(o, "rate_window_s", 1, 86400, &s.rateWindowS, &err)) {
    }
    if (err.isEmpty() && !readInt(o, "refresh_ms", 100, 3600000, &s.refreshMs, &err)) {
    }
    if (err.isEmpty() && !readInt(o, "time_window_s", 10, 7 * 86400, &s.timeWindowS, &err)) {
    }
    if (err.isEmpty() && o.contains(QStringLiteral("thresholds"))) {
        const QJsonValue v = o.value(QStringLiteral("thresholds"));
        if (!v.isArray()) {
            err = QStringLiteral("thresholds: must be an array of rules");
        } else {
            s.rules.clear();
            const QJsonArray a = v.toArray();
            for (int i = 0; i < a.size() && err.isEmpty(); ++i) {
                QString rerr;
                auto r = a[i].isObject() ? ThresholdRule::fromJson(a[i].toObject(), &rerr) : std::nullopt;
                if (!r)
                    err = QStringLiteral("thresholds[%1]: %2").arg(i).arg(rerr.isEmpty() ? QStringLiteral("must be an object")
                                                                                         : rerr);
                else
                    s.rules << *r;
            }
        }
    }
    if (err.isEmpty() && o.contains(QStringLiteral("stage_markers"))) {
        const QJsonValue v = o.value(QStringLiteral("stage_markers"));
        if (!v.isArray()) {
            err = QStringLiteral("stage_markers: must be an array");
        } else {
            const QJsonArray a = v.toArray();
            for (int i = 0; i < a.size() && err.isEmpty(); ++i) {
                const QJsonObject m = a[i].toObject();
                if (!a[i].isObject() || !m.value(QStringLiteral("name")).isString()
                    || m.value(QStringLiteral("name")).toString().trimmed().isEmpty())
                    err = QStringLiteral("stage_markers[%1]: needs a non-empty \"name\"").arg(i);
                else
                    s.markers << StageMarker::fromJson(m);
            }
        }
    }
    if (!err.isEmpty()) {
        if (error)
            *error = err;
        return std::nullopt;
    }
    return s;
}

QString MonitorSettings::pathFor(const Workspace &workspace)
{
    return QDir(workspace.codexDir()).filePath(QStringLiteral("monitor.json"));
}

std::optional<MonitorSettings> MonitorSettings::load(const QString &path, QString *error, bool *existed)
{
    QFile f(path);
    if (existed)
        *existed = f.exists();
    if (!f.exists())
        return MonitorSettings{};
    if (!f.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("%1: cannot read: %2").arg(path, f.errorString());
        return std::nullopt;
    }
    const QByteArray bytes = f.readAll();
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &pe);
    if (pe.error != QJsonParseError::NoError) {
        int line = 0, col = 0;
        lineColumnAt(bytes, pe.offset, &line, &col);
        if (error)
            *error = QStringLiteral("%1:%2:%3: %4").arg(path).arg(line).arg(col).arg(pe.errorString());
        return std::nullopt;
    }
    if (!doc.isObject()) {
        if (error)
            *error = QStringLiteral("%1:1:1: the top level must be a JSON object").arg(path);
        return std::nullopt;
    }
    QString err;
    auto s = fromJson(doc.object(), &err);
    if (!s && error)
        *error = QStringLiteral("%1: %2").arg(path, err);
    return s;
}

bool MonitorSettings::save(const QString &path, QString *error) const
{
    return writeFileAtomically(path, QJsonDocument(toJson()).toJson(QJsonDocument::Indented), error);
}

}  // namespace codex::metrics
