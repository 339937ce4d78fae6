// The load runner: N requests with C in flight, spread over several QNetworkAccessManagers (each
// opens at most 6 connections per host) on worker threads; per-thread histograms merged for the
// progress signal and the result.
#include "proxy/LoadRunner.h"

#include "proxy/SecretStore.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QSet>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include <sys/resource.h>

namespace codex::proxy {

// ---- LatencyHistogram --------------------------------------------------------------------------

namespace {

constexpr double kMinMs = 0.001;     // 1 µs
constexpr double kMaxMs = 100000.0;  // 100 s
constexpr double kRatio = 1.02;      // ~2 % relative error
const double kLogRatio = std::log(kRatio);
const int kBuckets = int(std::ceil(std::log(kMaxMs / kMinMs) / std::log(kRatio))) + 2;

int bucketOf(double ms)
{
    if (!(ms > kMinMs))
        return 0;
    const int i = 1 + int(std::floor(std::log(ms / kMinMs) / kLogRatio));
    return std::min(i, kBuckets - 1);
}

double bucketLower(int i)
{
    return i <= 0 ? 0.0 : kMinMs * std::pow(kRatio, i - 1);
}

double bucketUpper(int i)
{
    return kMinMs * std::pow(kRatio, i);
}

}  // namespace

LatencyHistogram::LatencyHistogram() : m_counts(kBuckets, 0) {}

void LatencyHistogram::add(double ms)
{
    if (std::isnan(ms))
        return;
    ms = std::max(0.0, ms);
    ++m_counts[bucketOf(ms)];
    if (m_n == 0) {
        m_min = m_max = ms;
    } else {
        m_min = std::min(m_min, ms);
        m_max = std::max(m_max, ms);
    }
    ++m_n;
    m_sum += ms;
}

void LatencyHistogram::merge(const LatencyHistogram &other)
{
    if (other.m_n == 0)
        return;
    if (m_counts.size() != other.m_counts.size())
        m_counts.resize(other.m_counts.size());
    for (int i = 0; i < other.m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    if (m_n == 0) {
        m_min = other.m_min;
        m_max = other.m_max;
    } else {
        m_min = std::min(m_min, other.m_min);
        m_max = std::max(m_max, other.m_max);
    }
    m_n += other.m_n;
    m_sum += other.m_sum;
}

qint64 LatencyHistogram::count() const
{
    return m_n;
}

double LatencyHistogram::quantile(double q) const
{
    if (m_n == 0)
        return std::numeric_limits<double>::quiet_NaN();
    q = std::clamp(q, 0.0, 1.0);
    if (q <= 0)
        return m_min;
    if (q >= 1)
        return m_max;
    const qint64 target = std::max<qint64>(1, qint64(std::ceil(q * double(m_n))));
    qint64 seen = 0;
    for (int i = 0; i < m_counts.size(); ++i) {
        seen += m_counts[i];
        if (seen >= target) {
            const double v = i == 0 ? kMinMs : std::sqrt(bucketLower(i) * bucketUpper(i));
            return std::clamp(v, m_min, m_max);
        }
    }
    return m_max;
}

double LatencyHistogram::min() const
{
    return m_n ? m_min : std::numeric_limits<double>::quiet_NaN();
}

double LatencyHistogram::max() const
{
    return m_n ? m_max : std::numeric_limits<double>::quiet_NaN();
}

double LatencyHistogram::mean() const
{
    return m_n ? m_sum / double(m_n) : std::numeric_limits<double>::quiet_NaN();
}

QVector<QPair<double, qint64>> LatencyHistogram::bins(int bins) const
{
    QVector<QPair<double, qint64>> out;
    if (m_n == 0 || bins < 1)
        return out;
    const int lo = bucketOf(m_min), hi = bucketOf(m_max);
    const int span = hi - lo + 1;
    const int group = (span + bins - 1) / bins;
    for (int start = lo; start <= hi; start += group) {
        const int end = std::min(hi, start + group - 1);
        qint64 n = 0;
        for (int i = start; i <= end; ++i)
            n += m_counts[i];
        out.append({std::min(bucketUpper(end), m_max), n});
    }
    return out;
}

// ---- LoadResult --------------------------------------------------------------------------------

namespace {

QJsonValue num(double v)
{
    return std::isnan(v) ? QJsonValue(QJsonValue::Null) : QJsonValue(std::round(v * 1000.0) / 1000.0);
}

QJsonObject histogramJson(const LatencyHistogram &h)
{
    QJsonObject o;
    o.insert(QStringLiteral("count"), double(h.count()));
    o.insert(QStringLiteral("min"), num(h.min()));
    o.insert(QStringLiteral("mean"), num(h.mean()));
    o.insert(QStringLiteral("p50"), num(h.quantile(0.5)));
    o.insert(QStringLiteral("p95"), num(h.quantile(0.95)));
    o.insert(QStringLiteral("p99"), num(h.quantile(0.99)));
    o.insert(QStringLiteral("max"), num(h.max()));
    QJsonArray bins;
    for (const auto &b : h.bins(40))
        bins.append(QJsonArray{num(b.first), double(b.second)});
    o.insert(QStringLiteral("bins"), bins);
    return o;
}

double cpuNow()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

QString errorKey(QNetworkReply::NetworkError e, const QString &text)
{
    switch (e) {
    case QNetworkReply::ConnectionRefusedError:
        return callErrorName(CallError::ConnectionRefused);
    case QNetworkReply::HostNotFoundError:
        return callErrorName(CallError::HostNotFound);
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:  // transfer timeout aborts with this
        return callErrorName(CallError::Timeout);
    case QNetworkReply::SslHandshakeFailedError:
        return callErrorName(CallError::Tls);
    case QNetworkReply::RemoteHostClosedError:
        return QStringLiteral("connection closed");
    default:
        break;
    }
    return text.isEmpty() ? callErrorName(CallError::Network) : callErrorName(CallError::Network) + QStringLiteral(": ") + text;
}

}  // namespace

QJsonObject LoadResult::toJson() const
{
    const LoadProgress &p = progress;
    QJsonObject o;
    o.insert(QStringLiteral("requests"), p.total);
    o.insert(QStringLiteral("done"), p.done);
    o.insert(QStringLiteral("errors"), p.errors);
    o.insert(QStringLiteral("elapsedS"), num(p.elapsedS));
    o.insert(QStringLiteral("requestsPerSecond"), num(p.requestsPerSecond));
    o.insert(QStringLiteral("p50Ms"), num(p.latency.quantile(0.5)));
    o.insert(QStringLiteral("p95Ms"), num(p.latency.quantile(0.95)));
    o.insert(QStringLiteral("p99Ms"), num(p.latency.quantile(0.99)));
    o.insert(QStringLiteral("maxMs"), num(p.latency.max()));
    o.insert(QStringLiteral("latency"), histogramJson(p.latency));
    o.insert(QStringLiteral("ttfb"), histogramJson(p.ttfb));
    QJsonObject by;
    for (auto it = p.byStatus.cbegin(); it != p.byStatus.cend(); ++it)
        by.insert(it.key(), it.value());
    o.insert(QStringLiteral("byStatus"), by);
    o.insert(QStringLiteral("cpuSeconds"), num(cpuSeconds));
    o.insert(QStringLiteral("cpuMicrosPerRequest"), p.done > 0 ? num(cpuSeconds * 1e6 / p.done) : QJsonValue(QJsonValue::Null));
    o.insert(QStringLiteral("cancelled"), cancelled);
    return o;
}

// ---- the workers -------------------------------------------------------------------------------

namespace {

struct Shared {
    std::atomic<int> issued{0};
    std::atomic<bool> cancel{false};
    int total = 0;
    QNetworkRequest request;
    QByteArray method;
    QByteArray body;
    bool stream = false;
    QElapsedTimer clock;
    // Plain http: a small HTTP/1.1 keep-alive client per slot on QTcpSocket (QNetworkAccessManager
    // costs ~350 µs of CPU per request here, hops through its own HTTP thread and caps at 6
    // connections per manager); https goes through QNetworkAccessManager.
    bool raw = false;
    QString host;
    quint16 port = 80;
    QByteArray rawRequest;  // the whole request, sent as is for every request
    int timeoutMs = 30000;
};

struct Stats {
    QMutex mutex;
    int done = 0;
    int errors = 0;
    LatencyHistogram latency, ttfb;
    QMap<QString, int> byStatus;
};

QString socketErrorKey(QAbstractSocket::SocketError e, const QString &text)
{
    switch (e) {
    case QAbstractSocket::ConnectionRefusedError:
        return callErrorName(CallError::ConnectionRefused);
    case QAbstractSocket::HostNotFoundError:
        return callErrorName(CallError::HostNotFound);
    case QAbstractSocket::SocketTimeoutError:
        return callErrorName(CallError::Timeout);
    case QAbstractSocket::RemoteHostClosedError:
        return QStringLiteral("connection closed");
    default:
        break;
    }
    return callErrorName(CallError::Network) + QStringLiteral(": ") + text;
}

/// One keep-alive HTTP/1.1 connection that sends the prepared request again and again and reads
/// each answer (Content-Length, chunked or until close), discarding the body as it arrives.
class RawConnection : public QObject {
public:
    using Done = std::function<void(int status, const QString &error, qint64 startNs, qint64 ttfbNs, qint64 endNs)>;

    RawConnection(Shared *shared, Done done, QObject *parent) : QObject(parent), m_shared(shared), m_done(std::move(done))
    {
        m_socket.setParent(this);
        m_timer.setParent(this);
        m_timer.setSingleShot(true);
        connect(&m_socket, &QTcpSocket::connected, this, [this] {
            m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
            m_socket.write(m_shared->rawRequest);
        });
        connect(&m_socket, &QTcpSocket::readyRead, this, [this] { onData(); });
        connect(&m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) { onError(e); });
        connect(&m_timer, &QTimer::timeout, this, [this] {
            m_socket.abort();
            finish(0, callErrorName(CallError::Timeout));
        });
    }

    void send()
    {
        m_active = true;
        m_status = 0;
        m_ttfbNs = -1;
        m_phase = Phase::Head;
        m_buf.clear();
        m_startNs = m_shared->clock.nsecsElapsed();
        m_reused = m_socket.state() == QAbstractSocket::ConnectedState;
        if (m_shared->timeoutMs > 0)
            m_timer.start(m_shared->timeoutMs);
        if (m_reused) {
            m_socket.write(m_shared->rawRequest);
        } else {
            m_socket.abort();
            m_socket.connectToHost(m_shared->host, m_shared->port);
        }
    }

    /// Cancel: the request is dropped (reported with status -1, not counted).
    void abort()
    {
        const bool was = m_active;
        m_active = false;
        m_timer.stop();
        m_socket.abort();
        if (was)
            m_done(-1, {}, m_startNs, -1, m_shared->clock.nsecsElapsed());
    }

    bool active() const { return m_active; }

private:
    enum class Phase { Head, Length, Chunked, UntilClose };

    void onError(QAbstractSocket::SocketError e)
    {
        if (!m_active)
            return;
        if (e == QAbstractSocket::RemoteHostClosedError) {
            if (m_phase == Phase::UntilClose) {
                finish(m_status, {});
                return;
            }
            // A kept-alive connection the server closed just as we reused it: once more, fresh.
            if (m_reused && m_ttfbNs < 0) {
                m_reused = false;
                m_socket.abort();
                m_socket.connectToHost(m_shared->host, m_shared->port);
                return;
            }
        }
        const QString key = socketErrorKey(e, m_socket.errorString());
        m_socket.abort();
        finish(0, key);
    }

    void onData()
    {
        if (!m_active) {
            m_socket.readAll();
            return;
        }
        if (m_ttfbNs < 0)
            m_ttfbNs = m_shared->clock.nsecsElapsed();
        m_buf += m_socket.readAll();
        while (m_active) {
            if (m_phase == Phase::Head) {
                const qsizetype end = m_buf.indexOf("\r\n\r\n");
                if (end < 0) {
                    if (m_buf.size() > 64 * 1024)
                        fail(QStringLiteral("response headers too long"));
                    return;
                }
                parseHead(QByteArrayView(m_buf.constData(), end));
                m_buf.remove(0, end + 4);
                if (!m_active)
                    return;
                continue;
            }
            if (m_phase == Phase::Length) {
                const qint64 take = std::min<qint64>(m_remaining, m_buf.size());
                m_remaining -= take;
                m_buf.remove(0, take);
                if (m_remaining == 0)
                    complete();
                return;
            }
            if (m_phase == Phase::Chunked) {
                if (m_remaining > 0) {  // inside a chunk (data + CRLF)
                    const qint64 take = std::min<qint64>(m_remaining, m_buf.size());
                    m_remaining -= take;
                    m_buf.remove(0, take);
                    if (m_remaining > 0)
                        return;
                    continue;
                }
                const qsizetype eol = m_buf.indexOf("\r\n");
                if (eol < 0)
                    return;
                if (m_lastChunk) {  // trailers until an empty line
                    m_buf.remove(0, eol + 2);
                    if (eol == 0) {
                        complete();
                        return;
                    }
                    continue;
                }
                QByteArray line = m_buf.left(eol);
                const qsizetype semi = line.indexOf(';');
                if (semi >= 0)
                    line.truncate(semi);
                bool ok = false;
                const qint64 size = line.trimmed().toLongLong(&ok, 16);
                m_buf.remove(0, eol + 2);
                if (!ok || size < 0) {
                    fail(QStringLiteral("bad chunk size"));
                    return;
                }
                if (size == 0)
                    m_lastChunk = true;
                else
                    m_remaining = size + 2;
                continue;
            }
            // UntilClose
            m_buf.clear();
            return;
        }
    }

    void parseHead(QByteArrayView head)
    {
        const qsizetype eol = head.indexOf("\r\n");
        const QByteArrayView statusLine = eol < 0 ? head : head.first(eol);
        // "HTTP/1.1 200 OK"
        const qsizetype sp = statusLine.indexOf(' ');
        bool ok = false;
        m_status = sp < 0 ? 0 : statusLine.sliced(sp + 1, std::min<qsizetype>(3, statusLine.size() - sp - 1)).toInt(&ok);
        if (!ok || !statusLine.startsWith("HTTP/1.")) {
            fail(QStringLiteral("not an HTTP response"));
            return;
        }
        m_close = statusLine.startsWith("HTTP/1.0");
        qint64 length = -1;
        bool chunked = false;
        qsizetype pos = eol < 0 ? head.size() : eol + 2;
        while (pos < head.size()) {
            qsizetype next = head.indexOf("\r\n", pos);
            if (next < 0)
                next = head.size();
            const QByteArrayView line = head.sliced(pos, next - pos);
            pos = next + 2;
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                continue;
            const QByteArrayView name = line.first(colon).trimmed();
            const QByteArrayView value = line.sliced(colon + 1).trimmed();
            if (name.compare("content-length", Qt::CaseInsensitive) == 0)
                length = value.toLongLong();
            else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0)
                chunked = QByteArray(value.data(), value.size()).toLower().contains("chunked");
            else if (name.compare("connection", Qt::CaseInsensitive) == 0)
                m_close = value.compare("close", Qt::CaseInsensitive) == 0 ? true : value.compare("keep-alive", Qt::CaseInsensitive) == 0 ? false : m_close;
        }
        m_lastChunk = false;
        m_remaining = 0;
        if (chunked) {
            m_phase = Phase::Chunked;
        } else if (length >= 0) {
            m_phase = Phase::Length;
            m_remaining = length;
            if (length == 0)
                complete();
        } else if (m_status == 204 || m_status == 304) {
            complete();
        } else {
            m_phase = Phase::UntilClose;
            m_close = true;
        }
    }

    void complete()
    {
        if (m_close)
            m_socket.abort();
        finish(m_status, {});
    }

    void fail(const QString &why)
    {
        m_socket.abort();
        finish(0, callErrorName(CallError::Network) + QStringLiteral(": ") + why);
    }

    void finish(int status, const QString &error)
    {
        if (!m_active)
            return;
        m_active = false;
        m_timer.stop();
        const qint64 end = m_shared->clock.nsecsElapsed();
        m_done(status, error, m_startNs, m_ttfbNs, end);
    }

    Shared *m_shared;
    Done m_done;
    QTcpSocket m_socket;
    QTimer m_timer;
    QByteArray m_buf;
    Phase m_phase = Phase::Head;
    qint64 m_remaining = 0;
    qint64 m_startNs = 0, m_ttfbNs = -1;
    int m_status = 0;
    bool m_close = false;
    bool m_lastChunk = false;
    bool m_active = false;
    bool m_reused = false;
};

class LoadWorker : public QObject {
public:
    LoadWorker(std::shared_ptr<Shared> shared, int slotCount, std::function<void()> onDone)
        : m_shared(std::move(shared)), m_slots(slotCount), m_onDone(std::move(onDone))
    {
    }

    Stats stats;

    void begin()
    {
        m_active = m_slots;
        if (m_shared->raw) {
            for (int s = 0; s < m_slots; ++s)
                m_conns.push_back(new RawConnection(
                    m_shared.get(),
                    [this, s](int status, const QString &error, qint64 startNs, qint64 ttfbNs, qint64 endNs) {
                        if (status >= 0)
                            record(status, error, startNs, ttfbNs, endNs);
                        issue(s);
                    },
                    this));
            for (int s = 0; s < m_slots; ++s)
                issue(s);
            return;
        }
        const int managers = (m_slots + 5) / 6;
        for (int i = 0; i < managers; ++i) {
            auto *nam = new QNetworkAccessManager(this);
            nam->setProxy(QNetworkProxy::NoProxy);
            nam->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
            nam->setStrictTransportSecurityEnabled(false);
            m_nams.push_back(nam);
        }
        for (int s = 0; s < m_slots; ++s)
            issue(s);
    }

    void abortAll()
    {
        for (RawConnection *c : m_conns)
            if (c->active())
                c->abort();
        const QSet<QNetworkReply *> replies = m_inflight;
        for (QNetworkReply *r : replies)
            r->abort();
    }

private:
    void issue(int slot)
    {
        if (m_shared->cancel.load(std::memory_order_relaxed) || m_shared->issued.fetch_add(1) >= m_shared->total) {
            if (--m_active == 0)
                finishAll();
            return;
        }
        if (m_shared->raw) {
            m_conns[size_t(slot)]->send();
            return;
        }
        QNetworkAccessManager *nam = m_nams[size_t(slot / 6)];
        const qint64 startNs = m_shared->clock.nsecsElapsed();
        QNetworkReply *reply = m_shared->body.isEmpty() && m_shared->method == "GET"
                                   ? nam->get(m_shared->request)
                                   : nam->sendCustomRequest(m_shared->request, m_shared->method, m_shared->body);
        m_inflight.insert(reply);
        auto ttfb = std::make_shared<qint64>(-1);
        connect(reply, &QNetworkReply::metaDataChanged, this, [this, ttfb] {
            if (*ttfb < 0)
                *ttfb = m_shared->clock.nsecsElapsed();
        });
        if (m_shared->stream)
            connect(reply, &QNetworkReply::readyRead, this, [this, reply, ttfb] {
                if (*ttfb < 0)
                    *ttfb = m_shared->clock.nsecsElapsed();
                reply->skip(reply->bytesAvailable());
            });
        connect(reply, &QNetworkReply::finished, this, [this, reply, slot, startNs, ttfb] {
            const qint64 endNs = m_shared->clock.nsecsElapsed();
            m_inflight.remove(reply);
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QNetworkReply::NetworkError err = reply->error();
            const bool cancelled = m_shared->cancel.load(std::memory_order_relaxed) && err == QNetworkReply::OperationCanceledError;
            if (!cancelled) {
                reply->readAll();
                QString key;
                bool isError = false;
                if (status > 0) {
                    key = QString::number(status);
                    isError = status < 200 || status >= 300;
                } else {
                    key = errorKey(err, reply->errorString());
                    isError = true;
                }
                QMutexLocker lock(&stats.mutex);
                ++stats.done;
                stats.errors += isError ? 1 : 0;
                ++stats.byStatus[key];
                stats.latency.add(double(endNs - startNs) / 1e6);
                if (*ttfb >= 0)
                    stats.ttfb.add(double(*ttfb - startNs) / 1e6);
            }
            reply->deleteLater();
            issue(slot);
        });
    }

    void record(int status, const QString &error, qint64 startNs, qint64 ttfbNs, qint64 endNs)
    {
        QMutexLocker lock(&stats.mutex);
        ++stats.done;
        const bool isError = status <= 0 || status < 200 || status >= 300;
        stats.errors += isError ? 1 : 0;
        ++stats.byStatus[status > 0 ? QString::number(status) : error];
        stats.latency.add(double(endNs - startNs) / 1e6);
        if (ttfbNs >= 0)
            stats.ttfb.add(double(ttfbNs - startNs) / 1e6);
    }

    void finishAll()
    {
        for (RawConnection *c : m_conns)
            c->deleteLater();
        m_conns.clear();
        for (QNetworkAccessManager *nam : m_nams)
            nam->deleteLater();
        m_nams.clear();
        m_onDone();
    }

    std::shared_ptr<Shared> m_shared;
    int m_slots;
    int m_active = 0;
    std::function<void()> m_onDone;
    std::vector<QNetworkAccessManager *> m_nams;
    std::vector<RawConnection *> m_conns;
    QSet<QNetworkReply *> m_inflight;
};

}  // namespace

struct LoadRunner::Private {
    SecretStore *secrets = nullptr;
    std::shared_ptr<Shared> shared;
    std::vector<std::unique_ptr<QThread>> threads;
    std::vector<std::unique_ptr<LoadWorker>> workers;
    QTimer progressTimer;
    int workersLeft = 0;
    bool running = false;
    double cpuStart = 0;
    LoadResult last;
    LoadProgress errorOnly;
};

LoadRunner::LoadRunner(SecretStore *secrets, QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->secrets = secrets;
    qRegisterMetaType<LoadProgress>();
    qRegisterMetaType<LoadResult>();
    d->progressTimer.setInterval(100);
    connect(&d->progressTimer, &QTimer::timeout, this, [this] { Q_EMIT progressed(snapshot()); });
}

LoadRunner::~LoadRunner()
{
    if (d->running) {
        d->shared->cancel = true;
        for (auto &w : d->workers)
            QMetaObject::invokeMethod(w.get(), [w = w.get()] { w->abortAll(); }, Qt::QueuedConnection);
    }
    for (auto &t : d->threads) {
        t->quit();
        t->wait();
    }
    d->workers.clear();
}

bool LoadRunner::isRunning() const
{
    return d->running;
}

LoadProgress LoadRunner::snapshot() const
{
    LoadProgress p;
    if (!d->shared)
        return p;
    p.total = d->shared->total;
    for (const auto &w : d->workers) {
        QMutexLocker lock(&w->stats.mutex);
        p.done += w->stats.done;
        p.errors += w->stats.errors;
        p.latency.merge(w->stats.latency);
        p.ttfb.merge(w->stats.ttfb);
        for (auto it = w->stats.byStatus.cbegin(); it != w->stats.byStatus.cend(); ++it)
            p.byStatus[it.key()] += it.value();
    }
    p.elapsedS = double(d->shared->clock.nsecsElapsed()) / 1e9;
    p.requestsPerSecond = p.elapsedS > 0 ? p.done / p.elapsedS : 0;
    return p;
}

void LoadRunner::start(const Environment &env, const LoadOptions &options)
{
    if (d->running)
        return;
    for (auto &t : d->threads) {
        t->quit();
        t->wait();
    }
    d->threads.clear();
    d->workers.clear();

    auto shared = std::make_shared<Shared>();
    shared->total = std::max(0, options.requests);
    shared->stream = options.stream;
    shared->method = options.request.method.isEmpty() ? QByteArray("POST") : options.request.method.toUpper();

    // URL: an absolute path wins, else the base URL (with its own path prefix) + path.
    QUrl url(options.request.path);
    if (url.scheme().isEmpty()) {
        QString base = env.baseUrl.toString();
        while (base.endsWith(QLatin1Char('/')))
            base.chop(1);
        QString path = options.request.path;
        if (!path.startsWith(QLatin1Char('/')))
            path.prepend(QLatin1Char('/'));
        url = QUrl(base + path);
    }
    QNetworkRequest req(url);
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    req.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    const int timeout = options.request.timeoutMs > 0 ? options.request.timeoutMs : env.timeoutMs;
    if (timeout > 0)
        req.setTransferTimeout(timeout);
    for (const auto &h : env.headers)
        req.setRawHeader(h.first, h.second);
    for (const auto &h : options.request.headers)
        req.setRawHeader(h.first, h.second);

    QByteArray body = options.request.body;
    if (!body.isEmpty()) {
        const QJsonDocument doc = QJsonDocument::fromJson(body);
        if (doc.isObject()) {
            QJsonObject o = doc.object();
            o.insert(QStringLiteral("stream"), options.stream);
            body = QJsonDocument(o).toJson(QJsonDocument::Compact);
        }
        if (!req.hasRawHeader("Content-Type"))
            req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
    }
    shared->body = body;
    if (options.stream && !req.hasRawHeader("Accept"))
        req.setRawHeader("Accept", "text/event-stream");

    if (!env.tokenRef.isEmpty() && options.request.sendAuth) {
        QString why;
        QString token;
        if (d->secrets)
            token = d->secrets->token(env.tokenRef, &why);
        else if (env.tokenRef.startsWith(QLatin1String("env:")))
            token = qEnvironmentVariable(env.tokenRef.mid(4).toLocal8Bit().constData());
        if (!token.isEmpty()) {
            const auto profile = ProxyProfile::preset(env.profileId);
            const QByteArray header = profile ? profile->authHeader.toLatin1() : QByteArray("Authorization");
            req.setRawHeader(header, "Bearer " + token.toUtf8());
        }
    }
    shared->request = req;
    shared->timeoutMs = timeout;
    if (url.scheme() == QLatin1String("http") && !url.host().isEmpty()) {
        shared->raw = true;
        shared->host = url.host();
        shared->port = quint16(url.port(80));
        QByteArray target = url.path(QUrl::FullyEncoded).toLatin1();
        if (target.isEmpty())
            target = "/";
        if (url.hasQuery())
            target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
        QByteArray raw = shared->method + ' ' + target + " HTTP/1.1\r\n";
        raw += "Host: " + url.host(QUrl::FullyEncoded).toLatin1() + (url.port() > 0 ? ':' + QByteArray::number(url.port()) : QByteArray()) + "\r\n";
        bool hasAccept = false;
        for (const QByteArray &name : req.rawHeaderList()) {
            hasAccept = hasAccept || name.compare("accept", Qt::CaseInsensitive) == 0;
            raw += name + ": " + req.rawHeader(name) + "\r\n";
        }
        if (!hasAccept)
            raw += "Accept: */*\r\n";
        if (!body.isEmpty() || shared->method == "POST" || shared->method == "PUT" || shared->method == "PATCH")
            raw += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        raw += "Connection: keep-alive\r\n\r\n";
        raw += body;
        shared->rawRequest = raw;
    }
    d->shared = shared;

    const int c = std::clamp(options.concurrency, 1, 1024);
    const int inFlight = std::min(c, std::max(1, shared->total));
    const int nThreads = std::clamp(std::min(QThread::idealThreadCount(), (inFlight + 5) / 6), 1, 4);
    d->workersLeft = nThreads;
    d->running = true;
    d->cpuStart = cpuNow();
    shared->clock.start();
    for (int t = 0; t < nThreads; ++t) {
        const int slotCount = inFlight / nThreads + (t < inFlight % nThreads ? 1 : 0);
        auto thread = std::make_unique<QThread>();
        thread->setObjectName(QStringLiteral("load-%1").arg(t));
        auto worker = std::make_unique<LoadWorker>(shared, slotCount, [this] {
            QMetaObject::invokeMethod(this, [this] { workerDone(); }, Qt::QueuedConnection);
        });
        worker->moveToThread(thread.get());
        thread->start();
        LoadWorker *w = worker.get();
        QMetaObject::invokeMethod(w, [w] { w->begin(); }, Qt::QueuedConnection);
        d->threads.push_back(std::move(thread));
        d->workers.push_back(std::move(worker));
    }
    d->progressTimer.start();
}

void LoadRunner::workerDone()
{
    if (--d->workersLeft > 0)
        return;
    d->progressTimer.stop();
    LoadResult r;
    r.progress = snapshot();
    r.cpuSeconds = cpuNow() - d->cpuStart;
    r.cancelled = d->shared->cancel.load();
    for (auto &t : d->threads) {
        t->quit();
        t->wait();
    }
    d->running = false;
    d->last = r;
    Q_EMIT progressed(r.progress);
    Q_EMIT finished(r);
}

void LoadRunner::cancel()
{
    if (!d->running)
        return;
    d->shared->cancel = true;
    for (auto &w : d->workers)
        QMetaObject::invokeMethod(w.get(), [w = w.get()] { w->abortAll(); }, Qt::QueuedConnection);
}

LoadResult LoadRunner::run(const Environment &env, const LoadOptions &options)
{
    QEventLoop loop;
    const auto conn = connect(this, &LoadRunner::finished, &loop, &QEventLoop::quit);
    start(env, options);
    if (d->running)
        loop.exec();
    disconnect(conn);
    return d->last;
}

}  // namespace codex::proxy
