#include "demo/DemoTraffic.h"

#include "proxy/EndpointClient.h"
#include "proxy/ProxyProfile.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <algorithm>

namespace codex::demo {

struct DemoTraffic::Private {
    proxy::EndpointClient *client = nullptr;
    proxy::Environment env;
    QTimer timer;
    QElapsedTimer clock;
    double rate = 10;
    double credit = 0;        // requests owed since the last tick
    qint64 lastTickMs = 0;
    int maxInFlight = 64;
    int inFlight = 0;
    qint64 sent = 0, completed = 0, failed = 0, skipped = 0;
};

DemoTraffic::DemoTraffic(QObject *parent)
    : QObject(parent), d(std::make_unique<Private>())
{
    d->client = new proxy::EndpointClient(nullptr, this);
    d->env.name = QStringLiteral("demo traffic");
    d->env.timeoutMs = 15000;
    d->timer.setInterval(20);
    d->timer.setTimerType(Qt::PreciseTimer);
    connect(&d->timer, &QTimer::timeout, this, &DemoTraffic::tick);
}

DemoTraffic::~DemoTraffic() = default;

void DemoTraffic::setBaseUrl(const QUrl &url)
{
    d->env.baseUrl = url;
}

void DemoTraffic::setEnvironment(const proxy::Environment &env)
{
    d->env = env;
}

proxy::Environment DemoTraffic::environment() const
{
    return d->env;
}

void DemoTraffic::setRate(double requestsPerSecond)
{
    d->rate = std::clamp(requestsPerSecond, 0.1, 500.0);
}

double DemoTraffic::rate() const
{
    return d->rate;
}

void DemoTraffic::setMaxInFlight(int n)
{
    d->maxInFlight = std::max(1, n);
}

void DemoTraffic::start()
{
    if (d->timer.isActive())
        return;
    d->clock.start();
    d->lastTickMs = 0;
    d->credit = 1;  // the first request goes out at once
    d->timer.start();
}

void DemoTraffic::stop()
{
    d->timer.stop();
}

bool DemoTraffic::isRunning() const
{
    return d->timer.isActive();
}

qint64 DemoTraffic::sent() const { return d->sent; }
qint64 DemoTraffic::completed() const { return d->completed; }
qint64 DemoTraffic::failed() const { return d->failed; }
qint64 DemoTraffic::skipped() const { return d->skipped; }
int DemoTraffic::inFlight() const { return d->inFlight; }

proxy::ProxyRequest DemoTraffic::requestFor(qint64 n) const
{
    static const char *const kModels[] = {"gpt-5", "gpt-5-codex", "gpt-5", "codex-mini-latest"};
    static const char *const kQuestions[] = {"Summarize the rollout status.", "Write a haiku about proxies.",
                                             "What is 17 times 23?", "List three uses of a tombstone archive."};
    const auto profile = proxy::ProxyProfile::preset(d->env.profileId).value_or(proxy::ProxyProfile::presets().constFirst());
    // The mix (12 slots): 5 responses (2 streamed), 5 chat (2 streamed), 2 with tools.
    const int slot = int(n % 12);
    const bool chat = slot >= 6;
    const bool stream = slot == 1 || slot == 4 || slot == 7 || slot == 10;
    const bool tools = slot == 5 || slot == 11;
    const QString model = QLatin1String(kModels[(n / 12) % 4]);
    const QString text = QLatin1String(kQuestions[n % 4]);

    QJsonArray toolList;
    if (tools) {
        QJsonObject params{{QStringLiteral("type"), QStringLiteral("object")},
                           {QStringLiteral("properties"),
                            QJsonObject{{QStringLiteral("city"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}}}}},
                           {QStringLiteral("required"), QJsonArray{QStringLiteral("city")}}};
        if (chat)
            toolList.append(QJsonObject{{QStringLiteral("type"), QStringLiteral("function")},
                                        {QStringLiteral("function"),
                                         QJsonObject{{QStringLiteral("name"), QStringLiteral("get_weather")},
                                                     {QStringLiteral("description"), QStringLiteral("Weather of a city")},
                                                     {QStringLiteral("parameters"), params}}}});
        else
            toolList.append(QJsonObject{{QStringLiteral("type"), QStringLiteral("function")},
                                        {QStringLiteral("name"), QStringLiteral("get_weather")},
                                        {QStringLiteral("description"), QStringLiteral("Weather of a city")},
                                        {QStringLiteral("parameters"), params}});
    }

    QJsonObject body{{QStringLiteral("model"), model}, {QStringLiteral("stream"), stream}};
    proxy::ProxyRequest req;
    req.method = "POST";
    req.headers << qMakePair(QByteArray("Content-Type"), QByteArray("application/json"));
    if (chat) {
        req.name = QStringLiteral("demo chat");
        req.path = profile.chatPath;
        body.insert(QStringLiteral("messages"),
                    QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")}, {QStringLiteral("content"), text}}});
    } else {
        req.name = QStringLiteral("demo responses");
        req.path = profile.responsesPath;
        body.insert(QStringLiteral("input"),
                    QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("message")},
                                           {QStringLiteral("role"), QStringLiteral("user")},
                                           {QStringLiteral("content"),
                                            QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("input_text")},
                                                                   {QStringLiteral("text"), text}}}}}});
    }
    if (tools)
        body.insert(QStringLiteral("tools"), toolList);
    req.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return req;
}

void DemoTraffic::tick()
{
    const qint64 now = d->clock.elapsed();
    d->credit += double(now - d->lastTickMs) * d->rate / 1000.0;
    d->lastTickMs = now;
    d->credit = std::min(d->credit, std::max(2.0, d->rate));  // never a burst of more than ~1 s
    while (d->credit >= 1.0) {
        d->credit -= 1.0;
        if (!d->env.baseUrl.isValid() || d->inFlight >= d->maxInFlight) {
            ++d->skipped;
            continue;
        }
        const proxy::ProxyRequest req = requestFor(d->sent);
        ++d->sent;
        ++d->inFlight;
        proxy::EndpointCall *call = d->client->send(d->env, req);
        connect(call, &proxy::EndpointCall::finished, this, [this](const proxy::ProxyResponse &r) {
            --d->inFlight;
            ++d->completed;
            if (r.status == 0 || r.status >= 400)
                ++d->failed;
            Q_EMIT requestFinished(r.status, r.timing.totalMs);
        });
    }
}

}  // namespace codex::demo
