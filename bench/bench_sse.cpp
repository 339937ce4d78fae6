// bench_sse: the endpoint tester's SSE path (issue 5).
//   1. a realistic 64 MiB chat-completions stream and a 64 MiB Responses stream (text deltas of
//      1–20 words from a skewed vocabulary, the JSON framing ccproxy sends), generated in memory
//   2. SseParser alone, fed in 64 KiB chunks (what QNetworkReply::readyRead hands over): MB/s
//   3. SseParser + StreamAssembler (JSON per event, text assembly, 16 MiB text cap): MB/s
//   4. a correctness spot check: the first 256 KiB fed one byte at a time gives the same events
// A measurement, not a test: it prints its figures and exits 0 even when a target is missed.
// Output lines: "name: value unit (target …, PASS|MISS)" or "name: value unit (info)".
// Usage: bench_sse [--mib N] [--runs N]
#include "proxy/SseParser.h"
#include "proxy/StreamAssembler.h"

#include "BenchMachine.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QElapsedTimer>

#include <algorithm>
#include <cstdio>

using namespace codex::proxy;
using benchutil::Rng;

namespace {

QByteArray deltaText(Rng &rng)
{
    const auto &vocab = benchutil::vocabulary();
    const int words = 1 + rng.below(20);
    QByteArray t;
    for (int i = 0; i < words; ++i) {
        if (i > 0 || rng.below(3) == 0)
            t += ' ';
        t += vocab[size_t(rng.skewed(20000))];
    }
    if (rng.below(10) == 0)
        t += ".\\n";  // escaped newline inside the JSON string, as models write them
    return t;
}

QByteArray chatStream(qint64 bytes, quint64 seed)
{
    Rng rng(seed);
    QByteArray s;
    s.reserve(bytes + 4096);
    const QByteArray head = "data: {\"id\":\"chatcmpl-9bench0000000000000000000\",\"object\":\"chat.completion.chunk\",\"created\":1760000000,"
                            "\"model\":\"gpt-5-codex\",\"system_fingerprint\":null,\"choices\":[{\"index\":0,\"delta\":";
    s += head + "{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
    while (s.size() < bytes - 512) {
        s += head;
        s += "{\"content\":\"";
        s += deltaText(rng);
        s += "\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n";
    }
    s += head + "{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":999,\"total_tokens\":1011}}\n\n";
    s += "data: [DONE]\n\n";
    return s;
}

QByteArray responsesStream(qint64 bytes, quint64 seed)
{
    Rng rng(seed);
    QByteArray s;
    s.reserve(bytes + 4096);
    s += "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_bench\",\"object\":\"response\","
         "\"status\":\"in_progress\",\"model\":\"gpt-5-codex\",\"output\":[]}}\n\n";
    s += "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"sequence_number\":1,\"output_index\":0,"
         "\"item\":{\"id\":\"msg_bench\",\"type\":\"message\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}}\n\n";
    int seq = 2;
    while (s.size() < bytes - 1024) {
        s += "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":";
        s += QByteArray::number(seq++);
        s += ",\"item_id\":\"msg_bench\",\"output_index\":0,\"content_index\":0,\"delta\":\"";
        s += deltaText(rng);
        s += "\",\"logprobs\":[]}\n\n";
    }
    s += "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":" + QByteArray::number(seq) +
         ",\"response\":{\"id\":\"resp_bench\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-5-codex\",\"output\":[],"
         "\"usage\":{\"input_tokens\":12,\"output_tokens\":999,\"total_tokens\":1011}}}\n\n";
    return s;
}

struct Run {
    double seconds = 0;
    int events = 0;
    qsizetype textChars = 0;
    bool truncated = false;
};

Run parseOnly(const QByteArray &stream, qsizetype chunk)
{
    Run r;
    qint64 dataBytes = 0;
    SseParser p([&](SseEvent &&e) { dataBytes += e.data.size(); });
    QElapsedTimer t;
    t.start();
    for (qsizetype i = 0; i < stream.size(); i += chunk)
        p.feed(stream.constData() + i, qMin(chunk, stream.size() - i));
    p.finish();
    r.seconds = double(t.nsecsElapsed()) / 1e9;
    r.events = p.eventCount() + int(dataBytes & 0);  // keep dataBytes live
    return r;
}

Run parseAndAssemble(const QByteArray &stream, qsizetype chunk)
{
    Run r;
    StreamAssembler a;
    SseParser p([&](SseEvent &&e) { a.addEvent(e, 1); });
    QElapsedTimer t;
    t.start();
    for (qsizetype i = 0; i < stream.size(); i += chunk)
        p.feed(stream.constData() + i, qMin(chunk, stream.size() - i));
    p.finish();
    r.seconds = double(t.nsecsElapsed()) / 1e9;
    r.events = p.eventCount();
    r.textChars = a.text().size();
    r.truncated = a.textTruncated();
    return r;
}

QByteArray eventsDigest(const QByteArray &stream, qsizetype chunk, int *count)
{
    QCryptographicHash h(QCryptographicHash::Sha256);
    int n = 0;
    SseParser p([&](SseEvent &&e) {
        h.addData(e.event);
        h.addData("\x01");
        h.addData(e.data);
        h.addData("\x02");
        ++n;
    });
    for (qsizetype i = 0; i < stream.size(); i += chunk)
        p.feed(stream.constData() + i, qMin(chunk, stream.size() - i));
    p.finish();
    *count = n;
    return h.result().toHex();
}

}  // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    qint64 mib = 64;
    int runs = 3;
    const QStringList args = app.arguments();
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--mib") && i + 1 < args.size())
            mib = args[++i].toLongLong();
        else if (args[i] == QLatin1String("--runs") && i + 1 < args.size())
            runs = qMax(1, args[++i].toInt());
    }
    benchutil::printMachineHeader();
    const qint64 bytes = mib * 1024 * 1024;
    const qsizetype chunk = 64 * 1024;
    std::printf("# streams: %lld MiB each, fed in %lld KiB chunks, best of %d runs\n", (long long)mib, (long long)(chunk / 1024), runs);

    struct Shape {
        const char *name;
        QByteArray stream;
    };
    QElapsedTimer gen;
    gen.start();
    Shape shapes[] = {{"chat", chatStream(bytes, 11)}, {"responses", responsesStream(bytes, 12)}};
    std::printf("# generated in %.1f s\n", double(gen.elapsed()) / 1000.0);
    std::fflush(stdout);

    for (const Shape &s : shapes) {
        const double mb = double(s.stream.size()) / 1e6;
        Run best;
        best.seconds = 1e9;
        for (int i = 0; i < runs; ++i) {
            const Run r = parseOnly(s.stream, chunk);
            if (r.seconds < best.seconds)
                best = r;
        }
        const double rate = mb / best.seconds;
        std::printf("sse_parse_%s: %.0f MB/s (target >= 200 MB/s, %s)\n", s.name, rate, rate >= 200 ? "PASS" : "MISS");
        std::printf("sse_parse_%s_events: %d events, %.0f k events/s (info)\n", s.name, best.events, best.events / best.seconds / 1000.0);
        std::fflush(stdout);

        Run bestA;
        bestA.seconds = 1e9;
        for (int i = 0; i < runs; ++i) {
            const Run r = parseAndAssemble(s.stream, chunk);
            if (r.seconds < bestA.seconds)
                bestA = r;
        }
        std::printf("sse_parse_assemble_%s: %.0f MB/s (info: JSON per event; text %lld chars%s)\n", s.name, mb / bestA.seconds,
                    (long long)bestA.textChars, bestA.truncated ? ", cut at the 16 MiB cap" : "");
        std::fflush(stdout);

        // Correctness spot check: 1-byte chunks give the same events as 64 KiB chunks.
        const QByteArray head = s.stream.left(256 * 1024);
        int n1 = 0, n64 = 0;
        const QByteArray d1 = eventsDigest(head, 1, &n1);
        const QByteArray d64 = eventsDigest(head, chunk, &n64);
        const bool same = d1 == d64 && n1 == n64 && n1 > 0;
        std::printf("sse_bytewise_check_%s: %d events in the first 256 KiB, 1-byte chunks %s (target identical, %s)\n", s.name, n1,
                    same ? "identical" : "DIFFERENT", same ? "PASS" : "MISS");
        std::fflush(stdout);
    }
    return 0;
}
