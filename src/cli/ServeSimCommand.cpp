// codex-adminctl serve-sim: the local ccproxy simulator (proxy/Simulator.h) until SIGINT/SIGTERM.
#include "CliContext.h"
#include "common/SignalWatcher.h"

#include "proxy/Simulator.h"

#include <QEventLoop>
#include <QHostAddress>
#include <QProcessEnvironment>
#include <QSocketNotifier>

#include <csignal>
#include <functional>
#include <memory>

#include <fcntl.h>
#include <unistd.h>

using namespace codex::proxy;

namespace {

/// The lines printed under "listening on": every switch that makes the simulator differ from a
/// correct, fast ccproxy.
QStringList describeSwitches(const SimulatorOptions &o, const QString &tokenEnv)
{
    QStringList lines;
    if (o.errorRate > 0)
        lines << QStringLiteral("  error rate: %1 % of /codex/* requests answer 500").arg(o.errorRate * 100);
    if (o.latencyMeanMs > 0)
        lines << QStringLiteral("  latency: exponential, mean %1 ms").arg(o.latencyMeanMs);
    if (o.ttfbDelayMs > 0)
        lines << QStringLiteral("  ttfb delay: %1 ms before the headers").arg(o.ttfbDelayMs);
    if (o.tokenIntervalMs > 0)
        lines << QStringLiteral("  token interval: %1 ms between streamed deltas").arg(o.tokenIntervalMs);
    if (o.injectionMode != QLatin1String("override"))
        lines << QStringLiteral("  injection mode: %1").arg(o.injectionMode);
    if (o.propagateUnsupportedParams)
        lines << QStringLiteral("  propagate unsupported params: on");
    if (!o.authToken.isEmpty())
        lines << QStringLiteral("  auth: Bearer token required on /codex/*%1")
                     .arg(tokenEnv.isEmpty() ? QString() : QStringLiteral(" (from $%1)").arg(tokenEnv));
    if (!o.metricsEnabled)
        lines << QStringLiteral("  metrics: off (/metrics answers 404)");
    if (o.bufferStreaming)
        lines << QStringLiteral("  fault: buffered streaming (the whole stream is sent at its end)");
    if (o.dropToolsOnChat)
        lines << QStringLiteral("  fault: tools are not forwarded through chat completions");
    if (o.disabledStillInjects)
        lines << QStringLiteral("  fault: injection mode 'disabled' still injects");
    if (o.propagateDropsParams)
        lines << QStringLiteral("  fault: propagated unsupported parameters are dropped");
    return lines;
}

}  // namespace

int cli::runServeSim(CliContext &outer)
{
    CliContext ctx{QStringList{outer.args[0] + QStringLiteral(" serve-sim")} + outer.args.mid(2), outer.out, outer.err};
    QCommandLineParser parser;
    parser.addOption({QStringLiteral("port"), QStringLiteral("TCP port (0 = any free port; default 8000)."), QStringLiteral("P"),
                      QStringLiteral("8000")});
    parser.addOption({QStringLiteral("host"), QStringLiteral("Address to listen on (default 127.0.0.1)."), QStringLiteral("ADDR"),
                      QStringLiteral("127.0.0.1")});
    parser.addOption({QStringLiteral("error-rate"), QStringLiteral("Share of /codex/* requests answered 500 (0–1)."), QStringLiteral("X")});
    parser.addOption({QStringLiteral("latency-ms"), QStringLiteral("Mean extra latency, exponentially distributed."), QStringLiteral("MEAN")});
    parser.addOption({QStringLiteral("profile"), QStringLiteral("ccproxy generation: fork (default), legacy or current."),
                      QStringLiteral("P"), QStringLiteral("fork")});
    parser.addOption({QStringLiteral("auth-token-env"), QStringLiteral("Require Bearer auth with the token in this environment variable."),
                      QStringLiteral("VAR")});
    parser.addOption({QStringLiteral("set"),
                      QStringLiteral("Simulator setting KEY=VALUE (repeatable, or comma-separated): error-rate, latency-ms, ttfb-ms, "
                                     "token-interval-ms, injection-mode, propagate-unsupported-params, profile, buffer-streaming, "
                                     "drop-tools-on-chat, disabled-still-injects, propagate-drops-params, metrics, seed, threads."),
                      QStringLiteral("KEY=VALUE")});
    if (!ctx.parse(parser, QStringLiteral("codex-adminctl serve-sim: a local simulated ccproxy (Codex endpoints, SSE, /metrics).")))
        return parser.isSet(QStringLiteral("help")) ? 0 : kUsageError;
    if (!parser.positionalArguments().isEmpty())
        return ctx.fail(QStringLiteral("serve-sim takes no arguments (got '%1')").arg(parser.positionalArguments().first()), kUsageError);

    SimulatorOptions options;
    QString error;
    auto apply = [&](const QString &option, const QString &key, const QString &value) {
        if (Simulator::applySetting(options, key, value, &error))
            return true;
        ctx.fail(QStringLiteral("--%1: %2").arg(option, error), kUsageError);
        return false;
    };
    if (!apply(QStringLiteral("profile"), QStringLiteral("profile"), parser.value(QStringLiteral("profile"))))
        return kUsageError;
    for (const QString &setting : parser.values(QStringLiteral("set")))
        for (const QString &item : setting.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const int eq = item.indexOf(QLatin1Char('='));
            if (eq <= 0)
                return ctx.fail(QStringLiteral("--set: '%1' is not KEY=VALUE").arg(item), kUsageError);
            if (item.left(eq).trimmed() == QLatin1String("auth-token"))
                return ctx.fail(QStringLiteral("--set: auth-token is not taken on the command line (it would show in the process list); "
                                               "use --auth-token-env VAR"),
                                kUsageError);
            if (!apply(QStringLiteral("set"), item.left(eq).trimmed(), item.mid(eq + 1)))
                return kUsageError;
        }
    if (parser.isSet(QStringLiteral("error-rate"))
        && !apply(QStringLiteral("error-rate"), QStringLiteral("error-rate"), parser.value(QStringLiteral("error-rate"))))
        return kUsageError;
    if (parser.isSet(QStringLiteral("latency-ms"))
        && !apply(QStringLiteral("latency-ms"), QStringLiteral("latency-ms"), parser.value(QStringLiteral("latency-ms"))))
        return kUsageError;
    const QString tokenEnv = parser.value(QStringLiteral("auth-token-env"));
    if (!tokenEnv.isEmpty()) {
        const QString token = QProcessEnvironment::systemEnvironment().value(tokenEnv);
        if (token.isEmpty())
            return ctx.fail(QStringLiteral("--auth-token-env: the environment variable %1 is not set or empty").arg(tokenEnv), kUsageError);
        options.authToken = token;
    }
    bool ok = false;
    const QString portText = parser.value(QStringLiteral("port"));
    const uint port = portText.toUInt(&ok);
    if (!ok || port > 65535)
        return ctx.fail(QStringLiteral("--port: '%1' is not a port number (0–65535)").arg(portText), kUsageError);
    QHostAddress host;
    const QString hostText = parser.value(QStringLiteral("host"));
    if (hostText == QLatin1String("localhost"))
        host = QHostAddress::LocalHost;
    else if (!host.setAddress(hostText))
        return ctx.fail(QStringLiteral("--host: '%1' is not an IP address").arg(hostText), kUsageError);

    Simulator sim(options);
    if (!sim.listen(host, quint16(port), &error))
        return ctx.fail(error, 1);
    ctx.out << "ccproxy simulator (" << options.profileId << ") listening on " << sim.baseUrl() << "\n";
    for (const QString &line : describeSwitches(options, tokenEnv))
        ctx.out << line << "\n";
    ctx.out.flush();

    QEventLoop loop;
    codex::SignalWatcher watcher([&loop](int) { loop.quit(); });
    loop.exec();
    sim.close();
    ctx.out << "ccproxy simulator stopped after serving " << sim.requestsServed() << " requests\n";
    ctx.out.flush();
    return 0;
}
