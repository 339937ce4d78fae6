// The local ccproxy simulator: plain HTTP/1.1 on QTcpServer (keep-alive, chunked SSE), the
// accepted sockets shared among worker threads. Routes and shapes live in sim/SimHandler.cpp,
// the Prometheus counters in sim/SimMetrics.cpp.
#include "proxy/Simulator.h"

#include "proxy/sim/SimShared.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QScopeGuard>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

#include <cmath>
#include <vector>

namespace codex::proxy {

using namespace sim;

namespace {

constexpr qsizetype kMaxHeaderBytes = 64 * 1024;
constexpr qint64 kMaxBodyBytes = 32 * 1024 * 1024;
constexpr qint64 kWriteHighWater = 256 * 1024;  ///< endless / huge: write more only below this
constexpr qint64 kPieceBytes = 64 * 1024;

bool isToken(const QByteArray &s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
        if (!ok)
            return false;
    }
    return true;
}

bool hasToken(const QByteArray &headerValue, const char *token)
{
    for (const QByteArray &part : headerValue.split(','))
        if (part.trimmed().toLower() == token)
            return true;
    return false;
}

/// One client connection, living on a worker thread. Parses requests one after the other
/// (pipelined ones wait in the buffer), answers each according to its plan.
class Connection : public QObject {
public:
    Connection(qintptr fd, std::shared_ptr<Shared> shared, QObject *parent) : QObject(parent), m_shared(std::move(shared))
    {
        m_socket = new QTcpSocket(this);
        if (!m_socket->setSocketDescriptor(fd)) {
            deleteLater();
            return;
        }
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        connect(m_socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
        connect(m_socket, &QTcpSocket::bytesWritten, this, [this] { onBytesWritten(); });
        connect(m_socket, &QTcpSocket::disconnected, this, [this] { gone(); });
        if (m_socket->bytesAvailable() > 0)
            onReadyRead();
    }
    ~Connection() override
    {
        if (m_busy && m_plan.counted && !m_recorded)
            m_shared->metrics.requestAborted();
    }

private:
    std::shared_ptr<Shared> m_shared;
    QTcpSocket *m_socket = nullptr;
    QByteArray m_buf;
    bool m_haveHead = false;
    qint64 m_contentLength = 0;
    HttpRequest m_req;
    bool m_keepAlive = true;
    bool m_busy = false;
    bool m_closing = false;
    bool m_recorded = false;
    bool m_chunked = false;
    ResponsePlan m_plan;
    QElapsedTimer m_started;
    int m_frame = 0;
    qint64 m_hugeLeft = 0;
    int m_generation = 0;  ///< guards timers of a finished response

    void gone()
    {
        m_closing = true;
        ++m_generation;
        deleteLater();
    }

    void onReadyRead()
    {
        if (m_closing)
            return;
        m_buf += m_socket->readAll();
        if (m_busy) {
            if (m_buf.size() > kMaxHeaderBytes + kMaxBodyBytes)
                m_socket->abort();
            return;
        }
        processBuffer();
    }

    void reject(int status, const QString &message)
    {
        const QByteArray body = "{\"detail\":\"" + message.toUtf8().replace('"', "'") + "\"}";
        QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
                         + "\r\nserver: uvicorn\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: "
                         + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        m_socket->write(out);
        m_closing = true;
        m_buf.clear();
        m_socket->disconnectFromHost();
    }

    /// False: rejected (the connection closes).
    bool parseHead(const QByteArray &head)
    {
        m_req = HttpRequest();
        const QList<QByteArray> lines = head.split('\n');
        QByteArray requestLine = lines.first();
        if (requestLine.endsWith('\r'))
            requestLine.chop(1);
        const QList<QByteArray> parts = requestLine.split(' ');
        if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty()) {
            reject(400, QStringLiteral("Bad Request: malformed request line"));
            return false;
        }
        if (parts[2] == "HTTP/1.1")
            m_req.http10 = false;
        else if (parts[2] == "HTTP/1.0")
            m_req.http10 = true;
        else if (parts[2].startsWith("HTTP/")) {
            reject(505, QStringLiteral("HTTP Version Not Supported"));
            return false;
        } else {
            reject(400, QStringLiteral("Bad Request: malformed request line"));
            return false;
        }
        m_req.method = parts[0];
        m_req.target = parts[1];
        if (m_req.target.startsWith("http://") || m_req.target.startsWith("https://")) {
            const int slash = m_req.target.indexOf('/', m_req.target.indexOf("//") + 2);
            m_req.target = slash < 0 ? QByteArray("/") : m_req.target.mid(slash);
        }
        if (!m_req.target.startsWith('/') && m_req.target != "*") {
            reject(400, QStringLiteral("Bad Request: malformed request target"));
            return false;
        }
        const int q = m_req.target.indexOf('?');
        m_req.path = q < 0 ? m_req.target : m_req.target.left(q);
        m_contentLength = 0;
        bool haveLength = false;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            QByteArray line = lines[i];
            if (line.endsWith('\r'))
                line.chop(1);
            const int colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line.left(colon))) {
                reject(400, QStringLiteral("Bad Request: malformed header line"));
                return false;
            }
            const QByteArray name = line.left(colon).toLower();
            const QByteArray value = line.mid(colon + 1).trimmed();
            if (name == "content-length") {
                bool ok = false;
                const qint64 n = value.toLongLong(&ok);
                if (!ok || n < 0 || (haveLength && n != m_contentLength)) {
                    reject(400, QStringLiteral("Bad Request: invalid Content-Length"));
                    return false;
                }
                m_contentLength = n;
                haveLength = true;
            } else if (name == "transfer-encoding") {
                reject(501, QStringLiteral("Transfer-Encoding of request bodies is not supported; send Content-Length"));
                return false;
            }
            m_req.headers.append(qMakePair(name, value));
        }
        if (m_contentLength > kMaxBodyBytes) {
            reject(413, QStringLiteral("Request body over 32 MiB"));
            return false;
        }
        const QByteArray connection = m_req.header("connection");
        m_keepAlive = m_req.http10 ? hasToken(connection, "keep-alive") : !hasToken(connection, "close");
        if (!m_req.http10 && m_contentLength > 0 && hasToken(m_req.header("expect"), "100-continue"))
            m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        return true;
    }

    bool m_inProcess = false;
    void processBuffer()
    {
        // Answers finished synchronously return here (done() does not recurse), so a long
        // pipelined burst is a loop, not a deep call chain.
        if (m_inProcess)
            return;
        m_inProcess = true;
        const auto guard = qScopeGuard([this] { m_inProcess = false; });
        while (!m_busy && !m_closing) {
            if (!m_haveHead) {
                while (m_buf.startsWith("\r\n"))  // tolerated before a request line (RFC 9112 2.2)
                    m_buf.remove(0, 2);
                const qsizetype end = m_buf.indexOf("\r\n\r\n");
                if (end < 0 || end > kMaxHeaderBytes) {
                    if (m_buf.size() > kMaxHeaderBytes || end > kMaxHeaderBytes)
                        reject(431, QStringLiteral("Request header fields over 64 KiB"));
                    return;
                }
                const QByteArray head = m_buf.left(end);
                m_buf.remove(0, end + 4);
                if (!parseHead(head))
                    return;
                m_haveHead = true;
            }
            if (m_buf.size() < m_contentLength)
                return;
            m_req.body = m_buf.left(m_contentLength);
            m_buf.remove(0, m_contentLength);
            m_haveHead = false;
            dispatch();
        }
    }

    void dispatch()
    {
        m_busy = true;
        m_recorded = false;
        m_started.start();
        m_plan = handleRequest(*m_shared, m_req);
        m_req.body.clear();
        if (m_plan.counted)
            m_shared->metrics.requestStarted();
        if (m_plan.forceClose)
            m_keepAlive = false;
        if (m_plan.kind == ResponsePlan::Kind::Hang)
            return;  // never answers; the client gives up
        double delay = m_plan.delayMs;
        if (m_plan.kind == ResponsePlan::Kind::Stream && m_plan.buffered)
            delay += m_plan.intervalMs * double(m_plan.frames.size());
        if (delay >= 0.5) {
            const int gen = m_generation;
            QTimer::singleShot(int(std::lround(delay)), Qt::PreciseTimer, this, [this, gen] {
                if (gen == m_generation && !m_closing)
                    startResponse();
            });
        } else {
            startResponse();
        }
    }

    QByteArray head(const QByteArray &framing) const
    {
        QByteArray h;
        h.reserve(256);
        h += "HTTP/1.1 " + QByteArray::number(m_plan.status) + ' ' + reasonPhrase(m_plan.status) + "\r\nserver: uvicorn\r\n";
        if (!m_plan.contentType.isEmpty())
            h += "content-type: " + m_plan.contentType + "\r\n";
        for (const auto &kv : m_plan.headers)
            h += kv.first + ": " + kv.second + "\r\n";
        h += framing;
        h += m_keepAlive ? (m_req.http10 ? "connection: keep-alive\r\n" : "") : "connection: close\r\n";
        h += "\r\n";
        return h;
    }

    QByteArray chunk(const QByteArray &data) const
    {
        if (!m_chunked)
            return data;
        return QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
    }

    void startResponse()
    {
        switch (m_plan.kind) {
        case ResponsePlan::Kind::Simple: {
            record();
            m_socket->write(head("content-length: " + QByteArray::number(m_plan.body.size()) + "\r\n") + m_plan.body);
            done();
            return;
        }
        case ResponsePlan::Kind::CutBody: {
            record();
            m_keepAlive = false;
            m_socket->write(head("content-length: " + QByteArray::number(m_plan.body.size()) + "\r\n")
                            + m_plan.body.left(m_plan.body.size() / 2));
            closeNow();
            return;
        }
        case ResponsePlan::Kind::Huge: {
            m_hugeLeft = m_plan.hugeBytes;
            m_socket->write(head("content-length: " + QByteArray::number(m_plan.hugeBytes) + "\r\n"));
            pumpHuge();
            return;
        }
        case ResponsePlan::Kind::Stream:
        case ResponsePlan::Kind::CutStream:
        case ResponsePlan::Kind::Endless: {
            m_chunked = !m_req.http10;
            // The endless stream ends the connection instead of using chunks: Qt 6.4's chunked
            // reader spins two bytes at a time and stalls on a loopback stream this fast (seen in
            // tst_endpointclient), and a close-delimited body is valid HTTP/1.1 for an answer that
            // never ends anyway.
            if (m_plan.kind == ResponsePlan::Kind::Endless)
                m_chunked = false;
            if (!m_chunked)
                m_keepAlive = false;  // the end of the body is the end of the connection
            m_socket->write(head(m_chunked ? "transfer-encoding: chunked\r\n" : ""));
            m_frame = 0;
            if (m_plan.kind == ResponsePlan::Kind::Stream && (m_plan.buffered || m_plan.intervalMs < 0.5)) {
                QByteArray all;
                for (const QByteArray &f : std::as_const(m_plan.frames))
                    all += chunk(f);
                record();
                m_socket->write(all + (m_chunked ? QByteArray("0\r\n\r\n") : QByteArray()));
                done();
                return;
            }
            nextFrame();
            return;
        }
        case ResponsePlan::Kind::Hang:
            return;
        }
    }

    void nextFrame()
    {
        if (m_closing)
            return;
        if (m_plan.kind == ResponsePlan::Kind::Endless) {
            while (m_frame < m_plan.frames.size())
                m_socket->write(chunk(m_plan.frames.at(m_frame++)));
            pumpEndless();
            return;
        }
        const bool last = m_frame == m_plan.frames.size() - 1;
        if (m_plan.kind == ResponsePlan::Kind::CutStream && last) {
            record();
            m_keepAlive = false;
            m_socket->write(chunk(m_plan.frames.at(m_frame)));
            closeNow();
            return;
        }
        if (last) {
            record();
            m_socket->write(chunk(m_plan.frames.at(m_frame)) + (m_chunked ? QByteArray("0\r\n\r\n") : QByteArray()));
            done();
            return;
        }
        m_socket->write(chunk(m_plan.frames.at(m_frame++)));
        const int gen = m_generation;
        if (m_plan.intervalMs >= 0.5)
            QTimer::singleShot(int(std::lround(m_plan.intervalMs)), Qt::PreciseTimer, this, [this, gen] {
                if (gen == m_generation)
                    nextFrame();
            });
        else
            nextFrame();
    }

    /// Endless stream: only write more when what was written has drained below the high-water
    /// mark, so a slow or vanished client cannot make the buffer grow.
    bool m_endlessTimerPending = false;
    void pumpEndless()
    {
        if (m_closing || m_plan.kind != ResponsePlan::Kind::Endless || !m_busy)
            return;
        if (m_plan.intervalMs >= 0.5) {
            if (m_endlessTimerPending)
                return;
            if (m_socket->bytesToWrite() < kWriteHighWater)
                m_socket->write(chunk(m_plan.body));
            m_endlessTimerPending = true;
            const int gen = m_generation;
            QTimer::singleShot(int(std::lround(m_plan.intervalMs)), Qt::PreciseTimer, this, [this, gen] {
                m_endlessTimerPending = false;
                if (gen == m_generation)
                    pumpEndless();
            });
            return;
        }
        // Many events per HTTP chunk (as a busy real server sends them): one chunk per ~200-byte
        // event at loopback speed makes Qt's chunked-body reader crawl two bytes at a time.
        QByteArray events;
        events.reserve(16 * 1024 + m_plan.body.size());
        while (events.size() < 16 * 1024)
            events += m_plan.body;
        const QByteArray piece = chunk(events);
        // A client that went away makes write() fail without growing the buffer: stop there, or
        // this loop would spin forever and take the worker thread with it.
        while (m_socket->state() == QAbstractSocket::ConnectedState && m_socket->bytesToWrite() < kWriteHighWater)
            if (m_socket->write(piece) <= 0)
                return;
    }

    void pumpHuge()
    {
        static const QByteArray filler(int(kPieceBytes), 'x');
        while (m_hugeLeft > 0 && m_socket->bytesToWrite() < kWriteHighWater) {
            const qint64 total = m_plan.hugeBytes;
            const qint64 offset = total - m_hugeLeft;
            const qint64 n = qMin(m_hugeLeft, kPieceBytes);
            QByteArray piece = filler.left(int(n));
            // {"data":"xxxx…"}: a valid JSON document when it is at least 11 bytes.
            if (total >= 11) {
                static const char prefix[] = "{\"data\":\"";
                for (qint64 at = offset; at < qMin<qint64>(offset + n, 9); ++at)
                    piece[at - offset] = prefix[at];
                for (qint64 at = qMax(offset, total - 2); at < offset + n; ++at)
                    piece[at - offset] = at == total - 2 ? '"' : '}';
            }
            m_hugeLeft -= n;
            if (m_hugeLeft == 0)
                record();
            m_socket->write(piece);
        }
        if (m_hugeLeft == 0 && m_busy && m_recorded)
            done();
    }

    void onBytesWritten()
    {
        if (!m_busy || m_closing)
            return;
        if (m_plan.kind == ResponsePlan::Kind::Huge && m_hugeLeft > 0)
            pumpHuge();
        else if (m_plan.kind == ResponsePlan::Kind::Endless && m_frame >= m_plan.frames.size())
            pumpEndless();
    }

    /// Metrics and the served counter, before the last bytes go out (so a client that saw the
    /// answer sees it counted).
    void record()
    {
        if (m_recorded)
            return;
        m_recorded = true;
        const double ms = double(m_started.nsecsElapsed()) / 1e6;
        if (m_plan.counted) {
            SimMetrics::Observation o;
            o.method = QString::fromLatin1(m_req.method);
            o.endpoint = m_plan.endpoint;
            o.model = m_plan.model;
            o.serviceType = m_plan.serviceType;
            o.status = m_plan.status;
            o.seconds = ms / 1000.0;
            o.inputTokens = m_plan.inputTokens;
            o.outputTokens = m_plan.outputTokens;
            o.errorType = m_plan.errorType;
            m_shared->metrics.requestFinished(o);
        }
        ++m_shared->served;
        if (m_shared->q)
            Q_EMIT m_shared->q->requestServed(QString::fromLatin1(m_req.method), QString::fromLatin1(m_req.path), m_plan.status, ms);
    }

    void done()
    {
        ++m_generation;
        m_busy = false;
        m_plan = ResponsePlan();
        if (!m_keepAlive) {
            closeNow();
            return;
        }
        if (!m_buf.isEmpty())
            processBuffer();
    }

    void closeNow()
    {
        ++m_generation;
        m_closing = true;
        m_busy = false;
        m_socket->disconnectFromHost();
    }
};

class Server : public QTcpServer {
public:
    std::function<void(qintptr)> onConnection;

protected:
    void incomingConnection(qintptr fd) override { onConnection(fd); }
};

struct Worker {
    QThread thread;
    QObject *context = nullptr;
};

bool parseBool(const QString &v, bool *ok)
{
    const QString s = v.trimmed().toLower();
    *ok = true;
    if (s == QLatin1String("1") || s == QLatin1String("true") || s == QLatin1String("yes") || s == QLatin1String("on"))
        return true;
    if (s == QLatin1String("0") || s == QLatin1String("false") || s == QLatin1String("no") || s == QLatin1String("off"))
        return false;
    *ok = false;
    return false;
}

}  // namespace

struct Simulator::Private {
    std::shared_ptr<Shared> shared = std::make_shared<Shared>();
    std::unique_ptr<Server> server;
    std::vector<std::unique_ptr<Worker>> workers;
    size_t next = 0;
    QString host = QStringLiteral("127.0.0.1");

    void stopWorkers()
    {
        for (auto &w : workers) {
            if (w->context) {
                QObject *ctx = w->context;
                QMetaObject::invokeMethod(ctx, [ctx] { delete ctx; }, Qt::BlockingQueuedConnection);
                w->context = nullptr;
            }
            w->thread.quit();
            w->thread.wait();
        }
        workers.clear();
    }
};

Simulator::Simulator(SimulatorOptions options, QObject *parent) : QObject(parent), d(std::make_unique<Private>())
{
    d->shared->q = this;
    d->shared->rng.seed(options.seed);
    d->shared->options = std::make_shared<const SimulatorOptions>(std::move(options));
}

Simulator::~Simulator()
{
    close();
    d->shared->q = nullptr;
}

bool Simulator::listen(const QHostAddress &address, quint16 port, QString *error)
{
    close();
    const int threads = qBound(1, d->shared->snapshot()->workerThreads, 64);
    for (int i = 0; i < threads; ++i) {
        auto w = std::make_unique<Worker>();
        w->thread.setObjectName(QStringLiteral("sim-worker-%1").arg(i));
        w->context = new QObject;
        w->context->moveToThread(&w->thread);
        w->thread.start();
        d->workers.push_back(std::move(w));
    }
    d->server = std::make_unique<Server>();
    d->server->setMaxPendingConnections(1024);
    Private *p = d.get();
    d->server->onConnection = [p](qintptr fd) {
        Worker *w = p->workers[p->next++ % p->workers.size()].get();
        std::shared_ptr<Shared> shared = p->shared;
        QObject *ctx = w->context;
        QMetaObject::invokeMethod(ctx, [fd, shared, ctx] { new Connection(fd, shared, ctx); }, Qt::QueuedConnection);
    };
    if (!d->server->listen(address, port)) {
        if (error)
            *error = QStringLiteral("cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(d->server->errorString());
        d->server.reset();
        d->stopWorkers();
        return false;
    }
    const QHostAddress bound = d->server->serverAddress();
    d->host = (bound == QHostAddress::Any || bound == QHostAddress::AnyIPv4 || bound == QHostAddress::AnyIPv6 || bound.isLoopback())
                  ? (bound.protocol() == QAbstractSocket::IPv6Protocol && bound.isLoopback() ? QStringLiteral("[::1]") : QStringLiteral("127.0.0.1"))
                  : (bound.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(bound.toString()) : bound.toString());
    d->shared->port = d->server->serverPort();
    return true;
}

void Simulator::close()
{
    if (d->server) {
        d->server->close();
        d->server.reset();
    }
    d->stopWorkers();
}

quint16 Simulator::port() const
{
    return d->server ? d->server->serverPort() : 0;
}

QString Simulator::baseUrl() const
{
    return QStringLiteral("http://%1:%2").arg(d->host).arg(port());
}

SimulatorOptions Simulator::options() const
{
    return *d->shared->snapshot();
}

void Simulator::setOptions(const SimulatorOptions &options)
{
    const quint32 oldSeed = d->shared->snapshot()->seed;
    {
        QMutexLocker lock(&d->shared->optionsMutex);
        d->shared->options = std::make_shared<const SimulatorOptions>(options);
    }
    if (options.seed != oldSeed) {
        QMutexLocker lock(&d->shared->rngMutex);
        d->shared->rng.seed(options.seed);
    }
}

void Simulator::setErrorRate(double rate)
{
    SimulatorOptions o = options();
    o.errorRate = qBound(0.0, rate, 1.0);
    setOptions(o);
}

qint64 Simulator::requestsServed() const
{
    return d->shared->served.load();
}

QByteArray Simulator::metricsText() const
{
    return d->shared->metrics.text();
}

bool Simulator::applySetting(SimulatorOptions &options, const QString &key, const QString &value, QString *error)
{
    auto fail = [&](const QString &why) {
        if (error)
            *error = QStringLiteral("%1: '%2' %3").arg(key, value, why);
        return false;
    };
    const QString k = key.trimmed().toLower();
    const QString v = value.trimmed();
    auto number = [&](double lo, double hi, double *out, const QString &expect) {
        bool ok = false;
        const double x = v.toDouble(&ok);
        if (!ok || !std::isfinite(x) || x < lo || x > hi)
            return fail(QStringLiteral("is not %1").arg(expect));
        *out = x;
        return true;
    };
    auto boolean = [&](bool *out) {
        bool ok = false;
        const bool b = parseBool(v, &ok);
        if (!ok)
            return fail(QStringLiteral("is not a boolean (1/0, true/false, yes/no, on/off)"));
        *out = b;
        return true;
    };
    if (k == QLatin1String("error-rate"))
        return number(0, 1, &options.errorRate, QStringLiteral("a number between 0 and 1"));
    if (k == QLatin1String("latency-ms"))
        return number(0, 600000, &options.latencyMeanMs, QStringLiteral("a number of milliseconds (0–600000)"));
    if (k == QLatin1String("ttfb-ms"))
        return number(0, 600000, &options.ttfbDelayMs, QStringLiteral("a number of milliseconds (0–600000)"));
    if (k == QLatin1String("token-interval-ms"))
        return number(0, 60000, &options.tokenIntervalMs, QStringLiteral("a number of milliseconds (0–60000)"));
    if (k == QLatin1String("injection-mode")) {
        const QString m = v.toLower();
        if (m != QLatin1String("override") && m != QLatin1String("append") && m != QLatin1String("disabled"))
            return fail(QStringLiteral("is not an injection mode (override, append or disabled)"));
        options.injectionMode = m;
        return true;
    }
    if (k == QLatin1String("propagate-unsupported-params"))
        return boolean(&options.propagateUnsupportedParams);
    if (k == QLatin1String("auth-token")) {
        options.authToken = v;
        return true;
    }
    if (k == QLatin1String("profile")) {
        const QString p = v.toLower();
        if (p != QLatin1String("fork") && p != QLatin1String("legacy") && p != QLatin1String("current"))
            return fail(QStringLiteral("is not a profile (fork, legacy or current)"));
        options.profileId = p;
        return true;
    }
    if (k == QLatin1String("buffer-streaming"))
        return boolean(&options.bufferStreaming);
    if (k == QLatin1String("drop-tools-on-chat"))
        return boolean(&options.dropToolsOnChat);
    if (k == QLatin1String("disabled-still-injects"))
        return boolean(&options.disabledStillInjects);
    if (k == QLatin1String("propagate-drops-params"))
        return boolean(&options.propagateDropsParams);
    if (k == QLatin1String("metrics"))
        return boolean(&options.metricsEnabled);
    if (k == QLatin1String("seed")) {
        bool ok = false;
        const uint s = v.toUInt(&ok);
        if (!ok)
            return fail(QStringLiteral("is not a seed (0–4294967295)"));
        options.seed = s;
        return true;
    }
    if (k == QLatin1String("threads")) {
        bool ok = false;
        const int n = v.toInt(&ok);
        if (!ok || n < 1 || n > 64)
            return fail(QStringLiteral("is not a thread count (1–64)"));
        options.workerThreads = n;
        return true;
    }
    if (error)
        *error = QStringLiteral("unknown setting '%1' (known: error-rate, latency-ms, ttfb-ms, token-interval-ms, injection-mode, "
                                "propagate-unsupported-params, auth-token, profile, buffer-streaming, drop-tools-on-chat, "
                                "disabled-still-injects, propagate-drops-params, metrics, seed, threads)")
                     .arg(key);
    return false;
}

}  // namespace codex::proxy
