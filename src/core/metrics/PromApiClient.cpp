#include "metrics/PromApiClient.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace codex::metrics {

namespace {
/// URL-encoded query strings longer than this go as a form-encoded POST (Prometheus accepts both;
/// proxies and servers limit URL length).
constexpr int kMaxGetQueryLength = 2000;

double parseValue(const QJsonValue &v, bool *ok)
{
    *ok = true;
    if (v.isDouble())
        return v.toDouble();
    const QString s = v.toString();
    if (s == QLatin1String("NaN"))
        return std::numeric_limits<double>::quiet_NaN();
    if (s == QLatin1String("+Inf") || s == QLatin1String("Inf"))
        return std::numeric_limits<double>::infinity();
    if (s == QLatin1String("-Inf"))
        return -std::numeric_limits<double>::infinity();
    return s.toDouble(ok);
}

bool parsePoint(const QJsonValue &v, std::pair<qint64, double> *out)
{
    const QJsonArray a = v.toArray();
    if (a.size() != 2 || !a[0].isDouble())
        return false;
    bool ok = false;
    const double value = parseValue(a[1], &ok);
    if (!ok)
        return false;
    *out = {qint64(std::llround(a[0].toDouble() * 1000.0)), value};
    return true;
}

Labels parseLabels(const QJsonObject &o)
{
    Labels l;
    for (auto it = o.begin(); it != o.end(); ++it)
        l.push_back({it.key(), it.value().toString()});
    std::sort(l.begin(), l.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    return l;
}

QString hostPort(const QUrl &url)
{
    return QStringLiteral("%1:%2").arg(url.host()).arg(url.port(url.scheme() == QLatin1String("https") ? 443 : 80));
}
}  // namespace

ApiResult PromApiClient::parseResponse(int httpStatus, const QByteArray &body)
{
    ApiResult r;
    r.httpStatus = httpStatus;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        r.errorType = httpStatus == 200 ? QStringLiteral("bad_response") : QStringLiteral("http");
        const QString text = QString::fromUtf8(body.left(200)).trimmed();
        r.error = httpStatus == 200 ? QStringLiteral("the answer is not a Prometheus API JSON object: %1").arg(text)
                                    : QStringLiteral("HTTP %1: %2").arg(httpStatus).arg(text);
        return r;
    }
    const QJsonObject o = doc.object();
    for (const auto &w : o.value(QLatin1String("warnings")).toArray())
        r.warnings << w.toString();
    const QString status = o.value(QLatin1String("status")).toString();
    if (status == QLatin1String("error")) {
        r.errorType = o.value(QLatin1String("errorType")).toString();
        r.error = o.value(QLatin1String("error")).toString();
        return r;
    }
    if (status != QLatin1String("success")) {
        r.errorType = QStringLiteral("bad_response");
        r.error = QStringLiteral("unexpected \"status\": \"%1\" (HTTP %2)").arg(status).arg(httpStatus);
        return r;
    }
    const QJsonValue dataV = o.value(QLatin1String("data"));
    if (dataV.isArray()) {  // label values, series: a list of names
        ApiSeries s;
        for (const auto &v : dataV.toArray())
            s.labels.push_back({QStringLiteral("value"), v.toString()});
        r.resultType = QStringLiteral("list");
        r.series << s;
        r.ok = true;
        return r;
    }
    const QJsonObject data = dataV.toObject();
    r.resultType = data.value(QLatin1String("resultType")).toString();
    const QJsonValue result = data.value(QLatin1String("result"));
    auto bad = [&](const QString &what) {
        r.ok = false;
        r.errorType = QStringLiteral("bad_response");
        r.error = QStringLiteral("malformed %1 result: %2").arg(r.resultType, what);
        r.series.clear();
        return r;
    };
    if (r.resultType == QLatin1String("vector") || r.resultType == QLatin1String("matrix")) {
        const bool matrix = r.resultType == QLatin1String("matrix");
        for (const auto &item : result.toArray()) {
            const QJsonObject io = item.toObject();
            ApiSeries s;
            s.labels = parseLabels(io.value(QLatin1String("metric")).toObject());
            if (matrix) {
                for (const auto &p : io.value(QLatin1String("values")).toArray()) {
                    std::pair<qint64, double> pt;
                    if (!parsePoint(p, &pt))
                        return bad(QStringLiteral("a point is not [time, \"value\"]"));
                    s.points.push_back(pt);
                }
            } else {
                std::pair<qint64, double> pt;
                if (!parsePoint(io.value(QLatin1String("value")), &pt))
                    return bad(QStringLiteral("a value is not [time, \"value\"]"));
                s.points.push_back(pt);
            }
            r.series << s;
        }
    } else if (r.resultType == QLatin1String("scalar")) {
        ApiSeries s;
        std::pair<qint64, double> pt;
        if (!parsePoint(result, &pt))
            return bad(QStringLiteral("not [time, \"value\"]"));
        s.points.push_back(pt);
        r.series << s;
    } else if (r.resultType == QLatin1String("string")) {
        const QJsonArray a = result.toArray();
        ApiSeries s;
        s.labels.push_back({QStringLiteral("string"), a.size() == 2 ? a[1].toString() : QString()});
        if (a.size() == 2)
            s.points.push_back({qint64(std::llround(a[0].toDouble() * 1000.0)), std::numeric_limits<double>::quiet_NaN()});
        r.series << s;
    } else {
        return bad(QStringLiteral("unknown resultType \"%1\"").arg(r.resultType));
    }
    r.ok = true;
    return r;
}

struct PromApiClient::Private {
    QNetworkAccessManager *nam = nullptr;
    QUrl base;
    int timeoutMs = 30000;

    QUrl endpoint(const QString &path) const
    {
        QUrl u = base;
        QString p = u.path();
        while (p.endsWith(QLatin1Char('/')))
            p.chop(1);
        u.setPath(p + path);
        u.setQuery(QString());
        return u;
    }

    /// Sends the request (GET or, for long queries, form POST) and calls done(result) once.
    void send(const QString &path, const QList<std::pair<QString, QString>> &params, QObject *context,
              std::function<void(ApiResult)> done)
    {
        QUrl url = endpoint(path);
        // Encoded by hand: QUrlQuery leaves '+' as is, which servers read as a blank.
        QByteArray encoded;
        for (const auto &kv : params) {
            if (!encoded.isEmpty())
                encoded += '&';
            encoded += QUrl::toPercentEncoding(kv.first) + '=' + QUrl::toPercentEncoding(kv.second);
        }
        QNetworkReply *reply;
        QElapsedTimer clock;
        clock.start();
        if (encoded.size() > kMaxGetQueryLength) {
            QNetworkRequest req(url);
            req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/x-www-form-urlencoded"));
            req.setTransferTimeout(timeoutMs);
            reply = nam->post(req, encoded);
        } else {
            url.setQuery(QString::fromLatin1(encoded), QUrl::StrictMode);
            QNetworkRequest req(url);
            req.setTransferTimeout(timeoutMs);
            reply = nam->get(req);
        }
        const int timeout = timeoutMs;
        const QUrl target = base;
        QObject::connect(reply, &QNetworkReply::finished, context, [reply, done, clock, timeout, target] {
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QByteArray body = reply->readAll();
            ApiResult r;
            if (status == 0) {
                r.errorType = QStringLiteral("network");
                switch (reply->error()) {
                case QNetworkReply::ConnectionRefusedError:
                    r.error = QStringLiteral("connection refused by %1").arg(hostPort(target));
                    break;
                case QNetworkReply::OperationCanceledError:
                case QNetworkReply::TimeoutError:
                    r.error = QStringLiteral("timeout after %1 ms waiting for %2").arg(timeout).arg(hostPort(target));
                    break;
                case QNetworkReply::HostNotFoundError:
                    r.error = QStringLiteral("host not found: %1").arg(target.host());
                    break;
                default:
                    r.error = QStringLiteral("%1 (%2)").arg(reply->errorString(), hostPort(target));
                }
            } else {
                r = PromApiClient::parseResponse(status, body);
            }
            r.httpStatus = status;
            r.durationMs = double(clock.nsecsElapsed()) / 1e6;
            reply->deleteLater();
            done(r);
        });
    }
};

PromApiClient::PromApiClient(QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    qRegisterMetaType<codex::metrics::ApiResult>();
    d->nam = new QNetworkAccessManager(this);
}

PromApiClient::~PromApiClient() = default;

void PromApiClient::setBaseUrl(const QUrl &url)
{
    d->base = url;
}

QUrl PromApiClient::baseUrl() const
{
    return d->base;
}

void PromApiClient::setTimeoutMs(int ms)
{
    d->timeoutMs = std::max(ms, 1);
}

static QString secondsText(qint64 ms)
{
    return QString::number(double(ms) / 1000.0, 'f', 3);
}

void PromApiClient::query(const QString &promql, qint64 atMs, const QString &tag)
{
    QList<std::pair<QString, QString>> q{{QStringLiteral("query"), promql}};
    if (atMs > 0)
        q.push_back({QStringLiteral("time"), secondsText(atMs)});
    d->send(QStringLiteral("/api/v1/query"), q, this, [this, tag](ApiResult r) { Q_EMIT answered(tag, r); });
}

void PromApiClient::queryRange(const QString &promql, qint64 startMs, qint64 endMs, int stepS, const QString &tag)
{
    QList<std::pair<QString, QString>> q{{QStringLiteral("query"), promql},
                                         {QStringLiteral("start"), secondsText(startMs)},
                                         {QStringLiteral("end"), secondsText(endMs)},
                                         {QStringLiteral("step"), QString::number(std::max(stepS, 1))}};
    d->send(QStringLiteral("/api/v1/query_range"), q, this, [this, tag](ApiResult r) { Q_EMIT answered(tag, r); });
}

static ApiResult waitFor(PromApiClient *self, const std::function<void(const QString &)> &start)
{
    ApiResult result;
    bool done = false;
    QEventLoop loop;
    const QString tag = QStringLiteral("sync-%1").arg(quintptr(&loop));
    auto c = QObject::connect(self, &PromApiClient::answered, &loop, [&](const QString &t, const ApiResult &r) {
        if (t != tag)
            return;
        result = r;
        done = true;
        loop.quit();
    });
    start(tag);
    if (!done)
        loop.exec();
    QObject::disconnect(c);
    return result;
}

ApiResult PromApiClient::querySync(const QString &promql, qint64 atMs)
{
    return waitFor(this, [&](const QString &tag) { query(promql, atMs, tag); });
}

ApiResult PromApiClient::queryRangeSync(const QString &promql, qint64 startMs, qint64 endMs, int stepS)
{
    return waitFor(this, [&](const QString &tag) { queryRange(promql, startMs, endMs, stepS, tag); });
}

namespace {

QStringList namesFrom(const ApiResult &result, QString *error)
{
    QStringList names;
    if (!result.ok) {
        if (error)
            *error = result.errorType.isEmpty() ? result.error : QStringLiteral("%1: %2").arg(result.errorType, result.error);
        return names;
    }
    for (const auto &s : result.series)
        for (const auto &l : s.labels)
            names << l.second;
    return names;
}

}  // namespace

QStringList PromApiClient::metricNamesSync(QString *error)
{
    ApiResult result;
    bool done = false;
    QEventLoop loop;
    d->send(QStringLiteral("/api/v1/label/__name__/values"), {}, &loop, [&](ApiResult r) {
        result = r;
        done = true;
        loop.quit();
    });
    if (!done)
        loop.exec();
    return namesFrom(result, error);
}

void PromApiClient::metricNames(QObject *context, std::function<void(const QStringList &, const QString &)> done)
{
    d->send(QStringLiteral("/api/v1/label/__name__/values"), {}, context, [done = std::move(done)](ApiResult r) {
        QString error;
        const QStringList names = namesFrom(r, &error);
        done(names, error);
    });
}

}  // namespace codex::metrics
