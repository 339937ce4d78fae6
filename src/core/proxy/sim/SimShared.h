#pragma once
// Private to the simulator: the state its worker threads share, one parsed HTTP request and the
// plan of the answer to it (what to send, when, and how).

#include "proxy/Simulator.h"
#include "proxy/sim/SimMetrics.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QPair>
#include <QString>

#include <atomic>
#include <memory>
#include <random>

namespace codex::proxy::sim {

/// One request as the connection parsed it. Header names are lower case.
struct HttpRequest {
    QByteArray method;
    QByteArray target;  ///< as sent (path + query)
    QByteArray path;    ///< without the query
    bool http10 = false;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    QByteArray header(const char *lowerName) const
    {
        for (const auto &h : headers)
            if (h.first == lowerName)
                return h.second;
        return {};
    }
    bool hasHeader(const char *lowerName) const
    {
        for (const auto &h : headers)
            if (h.first == lowerName)
                return true;
        return false;
    }
};

/// What the connection does with a request.
struct ResponsePlan {
    enum class Kind {
        Simple,     ///< status + headers + body (Content-Length)
        Stream,     ///< SSE frames, tokenIntervalMs apart (chunked on HTTP/1.1)
        Hang,       ///< never answers
        Endless,    ///< SSE until the client goes; frames from `frames` repeated
        Huge,       ///< a body of hugeBytes, written piece by piece
        CutBody,    ///< Content-Length of the whole body, half sent, then the connection closes
        CutStream   ///< frames, then half an event, then the connection closes
    };
    Kind kind = Kind::Simple;
    int status = 200;
    QByteArray contentType = "application/json";
    QList<QPair<QByteArray, QByteArray>> headers;  ///< extra headers
    QByteArray body;
    QList<QByteArray> frames;       ///< SSE events, each complete ("data: …\n\n")
    double delayMs = 0;             ///< before the status line
    double intervalMs = 0;          ///< between frames
    bool buffered = false;          ///< stream: wait the whole duration, then send everything
    qint64 hugeBytes = 0;
    bool forceClose = false;

    // Metrics labels / values
    bool counted = true;            ///< /metrics itself is not counted
    QString endpoint;               ///< label value
    QString model = QStringLiteral("unknown");
    QString serviceType = QStringLiteral("unknown");
    int inputTokens = 0, outputTokens = 0;
    QString errorType;              ///< non-empty: an error to count (streamed errors at status 200)
};

/// State shared by the worker threads: options snapshot, random numbers, session memory, metrics.
struct Shared {
    Simulator *q = nullptr;

    mutable QMutex optionsMutex;
    std::shared_ptr<const SimulatorOptions> options;
    std::shared_ptr<const SimulatorOptions> snapshot() const
    {
        QMutexLocker lock(&optionsMutex);
        return options;
    }

    QMutex rngMutex;
    std::mt19937_64 rng{42};
    double uniform()
    {
        QMutexLocker lock(&rngMutex);
        return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    }
    double exponential(double mean)
    {
        if (mean <= 0)
            return 0;
        QMutexLocker lock(&rngMutex);
        return std::exponential_distribution<double>(1.0 / mean)(rng);
    }

    QMutex sessionMutex;
    QHash<QString, QString> memory;  ///< session id → remembered word

    SimMetrics metrics;
    std::atomic<qint64> served{0};
    std::atomic<quint64> idCounter{0};
    std::atomic<quint16> port{0};
};

/// Routes one request and builds its plan (runs on a worker thread).
ResponsePlan handleRequest(Shared &shared, const HttpRequest &request);

/// The reason phrase of an HTTP status ("Not Found").
QByteArray reasonPhrase(int status);

}  // namespace codex::proxy::sim
