#include "metrics/Scraper.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QTimer>

namespace codex::metrics {

namespace {
QString hostPort(const QUrl &url)
{
    const int port = url.port(url.scheme() == QLatin1String("https") ? 443 : 80);
    return QStringLiteral("%1:%2").arg(url.host()).arg(port);
}
}  // namespace

struct Scraper::Private {
    QNetworkAccessManager *nam = nullptr;
    ScrapeTarget target;
    QTimer interval;
    QTimer timeout;
    QPointer<QNetworkReply> inFlight;
    QElapsedTimer clock;
    bool timedOut = false;
    bool tooLarge = false;
};

Scraper::Scraper(QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    qRegisterMetaType<codex::metrics::ScrapeResult>();
    d->nam = new QNetworkAccessManager(this);
    d->timeout.setSingleShot(true);
    connect(&d->interval, &QTimer::timeout, this, &Scraper::scrapeOnce);
    connect(&d->timeout, &QTimer::timeout, this, [this] {
        if (d->inFlight) {
            d->timedOut = true;
            d->inFlight->abort();
        }
    });
}

Scraper::~Scraper()
{
    d->interval.stop();
    d->timeout.stop();
    if (d->inFlight) {
        d->inFlight->disconnect(this);
        d->inFlight->abort();
        d->inFlight->deleteLater();
    }
}

void Scraper::setTarget(const ScrapeTarget &target)
{
    d->target = target;
}

ScrapeTarget Scraper::target() const
{
    return d->target;
}

void Scraper::start(int intervalMs)
{
    d->interval.start(std::max(intervalMs, 10));
    scrapeOnce();
}

void Scraper::stop()
{
    d->interval.stop();
}

bool Scraper::isRunning() const
{
    return d->interval.isActive();
}

void Scraper::scrapeOnce()
{
    if (d->inFlight)
        return;  // at most one in flight: this tick is skipped
    QNetworkRequest req(d->target.url);
    req.setRawHeader("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1");
    req.setRawHeader("User-Agent", "codex-admin/" CODEXADMIN_VERSION);
    if (!d->target.authHeader.isEmpty())
        req.setRawHeader("Authorization", d->target.authHeader);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    d->timedOut = false;
    d->tooLarge = false;
    d->clock.start();
    QNetworkReply *reply = d->nam->get(req);
    d->inFlight = reply;
    d->timeout.start(std::max(d->target.timeoutMs, 1));
    const qint64 maxBytes = d->target.maxBytes;
    connect(reply, &QNetworkReply::downloadProgress, this, [this, reply, maxBytes](qint64 received, qint64) {
        if (maxBytes > 0 && received > maxBytes && !d->tooLarge) {
            d->tooLarge = true;
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        d->timeout.stop();
        ScrapeResult r;
        r.url = d->target.url;
        r.atMs = QDateTime::currentMSecsSinceEpoch();
        r.durationMs = double(d->clock.nsecsElapsed()) / 1e6;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QString where = hostPort(d->target.url);
        if (d->timedOut) {
            r.error = QStringLiteral("timeout after %1 ms waiting for %2").arg(d->target.timeoutMs).arg(where);
        } else if (d->tooLarge) {
            r.error = QStringLiteral("answer from %1 larger than %2 bytes").arg(where).arg(d->target.maxBytes);
        } else if (reply->error() == QNetworkReply::ConnectionRefusedError) {
            r.error = QStringLiteral("connection refused by %1").arg(where);
        } else if (reply->error() == QNetworkReply::HostNotFoundError) {
            r.error = QStringLiteral("host not found: %1").arg(d->target.url.host());
        } else if (reply->error() == QNetworkReply::TimeoutError || reply->error() == QNetworkReply::OperationCanceledError) {
            r.error = QStringLiteral("timeout after %1 ms waiting for %2").arg(d->target.timeoutMs).arg(where);
        } else if (r.status != 0 && r.status != 200) {
            const QByteArray body = reply->readAll();
            r.error = QStringLiteral("HTTP %1: %2").arg(r.status).arg(QString::fromUtf8(body.left(200)).trimmed());
        } else if (reply->error() != QNetworkReply::NoError) {
            r.error = QStringLiteral("%1 (%2)").arg(reply->errorString(), where);
        } else {
            const QByteArray body = reply->readAll();
            r.ok = true;
            r.exposition = PromTextParser::parse(body);
            r.exposition.scrapedAtMs = r.atMs;
        }
        reply->deleteLater();
        d->inFlight = nullptr;
        Q_EMIT scraped(r);
    });
}

ScrapeResult Scraper::fetch(const ScrapeTarget &target)
{
    Scraper s;
    s.setTarget(target);
    ScrapeResult result;
    bool done = false;
    QEventLoop loop;
    QObject::connect(&s, &Scraper::scraped, &loop, [&](const ScrapeResult &r) {
        result = r;
        done = true;
        loop.quit();
    });
    s.scrapeOnce();
    if (!done)
        loop.exec();
    return result;
}

}  // namespace codex::metrics
