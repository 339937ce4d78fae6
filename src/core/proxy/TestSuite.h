#pragma once

#include "proxy/ProxyTypes.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>
#include <optional>

namespace codex::proxy {

class EndpointClient;

/// One check on a response. Kinds (JSON "kind"):
///  status            {"equals":200} | {"in":[400,422]}
///  json-equals       {"path":"choices.0.message.role","value":"assistant"}   (dotted path, numeric = index)
///  json-exists       {"path":"usage.total_tokens"}
///  json-absent       {"path":"error"}
///  json-contains     {"path":"error.message","text":"not supported"}
///  header            {"name":"content-type","contains":"text/event-stream"}
///  text-contains     {"text":"…"} on the assembled text (case-insensitive)
///  stream-ends       {"with":"[DONE]"} | {"with":"response.completed"}
///  streamed          {} — first token clearly before the total (fails on a buffered stream)
///  tool-call         {"name":"get_weather","validJson":true}
///  no-tool-call      {}
///  latency-below     {"ms":2000,"metric":"total"|"ttfb"|"firstToken"}
///  upstream-equals   {"field":"instructions","value":"…"} | upstream-contains {"field":"…","text":"…"}
///  upstream-absent   {"field":"…"}     — what the proxy forwarded upstream, as reported by the
///                    simulator's `_upstream` echo (body, last chunk or response.completed); a
///                    server that does not report it makes the case Inconclusive, not Pass or Fail.
///  equals-var        {"path":"…","var":"sid"} — equals a value captured from an earlier step
///  differs-var       {"path":"…","var":"sid"}
///  injection         {"mode":"override"|"append"|"disabled","sent":"…"} — classifies what the proxy
///                    did to the Responses `instructions` (from `_upstream.instructions`) and
///                    fails when the observed mode is not the expected one (evidence: what was sent upstream)
/// Paths may start with a virtual root: `_upstream.…` (the echo), `_final.…` (the assembled final
/// object), `_usage.…`, `_text`, `_finish_reason`, `_model`, `_error_message` (error.message, detail
/// or a streamed error); otherwise the body JSON (for event
/// streams: the assembled final object).
struct Assertion {
    QString kind;
    QJsonObject args;
    QString describe() const;  ///< "status is 200", "tool call get_weather with valid JSON arguments"
    QJsonObject toJson() const;
    static std::optional<Assertion> fromJson(const QJsonObject &o, QString *error);
};

/// A step: one request plus its assertions; `capture` stores values for later steps
/// ({"sid":"_upstream.session_id"}). Variables available: ${model}, ${session_id} (fresh uuid per
/// case run), the profile paths ${responses_path}, ${chat_path}, ${session_responses_path},
/// ${session_chat_path}, ${models_path}, ${health_path}, and those the suite defines.
struct TestStep {
    ProxyRequest request;
    QList<Assertion> assertions;
    QHash<QString, QString> capture;
};

struct TestCase {
    QString id;                ///< "responses-basic"
    QString title;             ///< "Basic Codex responses endpoint"
    QString checklistItem;     ///< the seed 000 line it evidences: "Basic Codex responses endpoint"
    QString group;             ///< "responses", "chat", "sessions", "injection", "params", "streaming", "errors", "health"
    QStringList profiles;      ///< profile ids it applies to; empty = all
    QList<TestStep> steps;
    /// Runs only when the suite variables have these values ({"injection_mode":"append"}), else
    /// Skipped saying how the server is configured (JSON "when").
    QHash<QString, QString> when;
    bool needsToken = false;       ///< Skipped when the environment has no token (JSON "needsToken")
    QString notApplicableReason;   ///< Skipped reason when `profiles` excludes the profile (JSON "notApplicable")
    QJsonObject toJson() const;
    static std::optional<TestCase> fromJson(const QJsonObject &o, QString *error);
};

struct TestSuite {
    QString name;
    QHash<QString, QString> variables;  ///< e.g. model → "gpt-5"
    QList<TestCase> cases;

    /// The built-in presets (resources/proxy/suite-presets.json): every line of seed 000's manual
    /// test list, plus health and model info.
    static TestSuite presets();
    static std::optional<TestSuite> fromJson(const QByteArray &json, QString *error);  ///< error names case/step/field
    static std::optional<TestSuite> load(const QString &path, QString *error);
    QByteArray toJson() const;
};

enum class Verdict { Pass, Fail, Inconclusive, Error, Skipped };
QString verdictName(Verdict v);  ///< "pass", "fail", "inconclusive", "error", "skipped"

struct AssertionResult {
    Assertion assertion;
    int step = 0;
    Verdict verdict = Verdict::Pass;
    QString reason;     ///< on failure: what was expected and what came ("status 401, expected 200: Authentication required")
    QString evidence;   ///< the observed value / excerpt
};

struct CaseResult {
    QString id, title, checklistItem, group;
    Verdict verdict = Verdict::Pass;
    QList<AssertionResult> assertions;
    QStringList warnings;      ///< "streaming is buffered by the proxy: first token 1,480 ms of 1,502 ms total"
    QList<ProxyResponse> responses;  ///< one per step
    double latencyMs = 0;      ///< total of the steps
    QString skipReason;        ///< Skipped: why ("server configured for override …")
    QString error;             ///< Error: the transport failure ("connection refused: …")
    QJsonArray loadedResponses;  ///< fromJson(): the response summaries as read (toJson writes them back)
    QString firstFailure() const;  ///< error, else the first failed assertion's reason, else the skip reason
    static std::optional<CaseResult> fromJson(const QJsonObject &o, QString *error);
    QJsonObject toJson() const;  ///< responses summarised (no bodies over 4 KiB, no secrets)
};

struct SuiteResult {
    QString suite;
    QString environment;
    QString baseUrl;           ///< redacted
    QString profileId;
    qint64 startedAtMs = 0, finishedAtMs = 0;
    QList<CaseResult> cases;
    int count(Verdict v) const;
    bool allPassed() const;    ///< every non-skipped case Pass
    QJsonObject toJson() const;  ///< the evidence file format (schema "codex-admin/endpoint-suite/1")
    static std::optional<SuiteResult> fromJson(const QJsonObject &o, QString *error);
};

/// Runs cases one after the other on the thread it lives on (asynchronous; signals as it goes).
class SuiteRunner : public QObject {
    Q_OBJECT
public:
    SuiteRunner(EndpointClient *client, QObject *parent = nullptr);
    ~SuiteRunner() override;
    void start(const TestSuite &suite, const Environment &env, const QStringList &caseIds = {});  ///< empty = all applicable
    void cancel();
    bool isRunning() const;
    SuiteResult result() const;
    /// Blocking helper for the CLI.
    SuiteResult run(const TestSuite &suite, const Environment &env, const QStringList &caseIds = {});

    /// Judges one case's responses (pure; used by start() and tests).
    static CaseResult judge(const TestCase &c, const QList<ProxyResponse> &responses, const ProxyProfile &profile);
    /// Why a case is not run against this environment / profile (empty: it runs).
    static QString skipReason(const TestCase &c, const QHash<QString, QString> &variables, const Environment &env,
                              const ProxyProfile &profile);
    /// The profile used (default: ProxyProfile::preset(env.profileId), else fork) and variables that
    /// override the suite's (the CLI's --var). Call before start().
    void setProfile(const ProxyProfile &profile);
    void setVariables(const QHash<QString, QString> &overrides);

Q_SIGNALS:
    void caseStarted(int index, const QString &id);
    void stepEvent(int index, const codex::proxy::SseEvent &event);  ///< live SSE of the running step
    void caseFinished(int index, const codex::proxy::CaseResult &result);
    void finished(const codex::proxy::SuiteResult &result);

private:
    void nextCase();
    void runStep();
    void stepDone(const codex::proxy::ProxyResponse &r);
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::proxy

Q_DECLARE_METATYPE(codex::proxy::CaseResult)
Q_DECLARE_METATYPE(codex::proxy::SuiteResult)
