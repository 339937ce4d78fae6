#pragma once

#include <QHostAddress>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

namespace codex::proxy {

/// How the simulated ccproxy behaves. Defaults: a correct server that does what seed 000 promises.
struct SimulatorOptions {
    QString profileId = QStringLiteral("fork");   ///< which generation's paths and body shapes
    QString authToken;                 ///< non-empty: Bearer auth required on /codex/* (401 bodies as the reference)
    double errorRate = 0.0;            ///< share of /codex/* requests answered 500 (random, seeded)
    double latencyMeanMs = 0.0;        ///< mean extra latency (exponential distribution; 0 = none)
    double ttfbDelayMs = 0.0;          ///< fixed delay before the response headers
    double tokenIntervalMs = 0.0;      ///< pause between streamed deltas
    QString injectionMode = QStringLiteral("override");  ///< override | append | disabled
    bool propagateUnsupportedParams = false;
    QStringList models = {QStringLiteral("gpt-5"), QStringLiteral("gpt-5-codex"), QStringLiteral("codex-mini-latest")};
    quint32 seed = 42;
    bool metricsEnabled = true;
    /// Faults the reference lists for the fork (reproduced on request):
    bool bufferStreaming = false;       ///< collect the whole stream, then replay it
    bool dropToolsOnChat = false;       ///< `tools` not forwarded through chat completions
    bool disabledStillInjects = false;  ///< injection mode "disabled" injects anyway
    bool propagateDropsParams = false;  ///< propagate_unsupported_params=true drops instead of forwarding
    int workerThreads = 2;              ///< connection handling threads
};

/// A local ccproxy (Codex endpoints) on 127.0.0.1 for the demo and the tests: plain HTTP/1.1 on
/// QTcpServer with keep-alive and chunked SSE. Implements reference/ccproxy.md's routes for the
/// chosen profile — responses / chat completions, JSON and SSE, tool calls, sessions (path and
/// `session_id` header, auto = new uuid), instruction injection, parameter checks, unsupported model
/// 400, bearer auth 401, /health (application/health+json), /codex/v1/models (current), /metrics
/// (Prometheus 0.0.4 with the real ccproxy counters and histograms, labels as the fork sets them,
/// reflecting the traffic served).
///
/// The fake model is deterministic: it answers from the last user text; "remember: WORD" stores
/// WORD in the session, "what did I ask you to remember" answers it; a request with tools (and
/// tool_choice not "none") answers with a call of the first tool with JSON arguments built from its
/// parameters schema. Every answer carries `_upstream` — what the proxy forwarded upstream:
/// {instructions, tools:[names], params:{temperature, top_p, max_tokens, …}, session_id, model} —
/// in the JSON body, the last chat chunk and response.completed's response.
///
/// Simulator-only request header `X-Sim-Fault` for the bad-input tests: `status:CODE` (with a JSON
/// error body), `status-nobody:CODE`, `not-json`, `cut-stream` (closes mid-event), `endless`
/// (streams until the client goes), `huge:BYTES` (a body of that size), `invalid-utf8`,
/// `bad-tool-args` (tool-call arguments that are not JSON), `delay:MS` (before headers),
/// `hang` (never answers).
class Simulator : public QObject {
    Q_OBJECT
public:
    explicit Simulator(SimulatorOptions options = {}, QObject *parent = nullptr);
    ~Simulator() override;

    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0, QString *error = nullptr);
    void close();
    quint16 port() const;
    QString baseUrl() const;  ///< http://127.0.0.1:PORT

    SimulatorOptions options() const;
    void setOptions(const SimulatorOptions &options);  ///< applies to new requests (thread-safe)
    void setErrorRate(double rate);

    qint64 requestsServed() const;
    QByteArray metricsText() const;  ///< what /metrics answers now

    /// Parses `serve-sim` style settings "error-rate=0.1,buffer-streaming=1,…" (for the demo's
    /// controls and tests); *error names the bad key or value.
    static bool applySetting(SimulatorOptions &options, const QString &key, const QString &value, QString *error);

Q_SIGNALS:
    void requestServed(const QString &method, const QString &path, int status, double ms);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::proxy
