// bench_report: rollout report export (issue 7).
//   A rollout of 200 items (5 sections, sub-items, owners, notes on every 4th item, one note of
//   5,000 characters), 6 metric snapshots each with a 1200×500 PNG chart (axes, grid, two series,
//   a stage marker, drawn with QPainter), an endpoint suite of 20 cases, a config snapshot, 8
//   criteria, 5 roles with 2 sign-offs and 300 history rows.
//   Measured: ReportBuilder + ReportPdfWriter (build the HTML, lay out, paint, write the PDF to a
//   file) — the first export of the process (what `codex-adminctl report export` does, fonts
//   loaded cold) is the figure; the median of 3 further runs is printed as info. Then the text
//   formats (HTML with inline images, Markdown, JSON), median of 5.
// A measurement, not a test: it prints its figures and exits 0 even when a target is missed.
// Output lines: "name: value unit (target …, PASS|MISS)" or "name: value unit (info)".
// Environment: BENCH_REPORT_KEEP=FILE keeps a copy of the first PDF; BENCH_NO_HISTORY,
// BENCH_NO_PAYLOAD, BENCH_NO_PNG leave that part out (to see where the time goes).
#include "models/ReportPdfWriter.h"
#include "rollout/ReportBuilder.h"

#include "../tests/RolloutSamples.h"
#include "BenchMachine.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QImage>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace codex;
using namespace codex::rollout;

namespace {

struct Scenario {
    Rollout rollout;
    QList<SignOffCheck> checks;
    ReportBuilder::Options options;
};

Scenario makeScenario()
{
    Scenario sc;
    Rollout &r = sc.rollout;
    const QDateTime t0(QDate(2026, 11, 25), QTime(10, 0), Qt::UTC);
    r.id = 1;
    r.name = QStringLiteral("Codex parity 2026-11 (benchmark)");
    r.templateIds = {QStringLiteral("codex-parity")};
    r.createdAt = t0.addDays(-7);
    r.createdBy = QStringLiteral("ada");
    r.roles = defaultRoles();
    const QStringList sections = {QStringLiteral("Pre-Deployment Verification"), QStringLiteral("Deployment Steps"),
                                  QStringLiteral("Rollback Plan"), QStringLiteral("Post-Deployment"), QStringLiteral("Follow-up")};
    const ItemStatus statuses[] = {ItemStatus::Done, ItemStatus::Open, ItemStatus::Done, ItemStatus::NotApplicable, ItemStatus::Blocked};
    for (int i = 0; i < 200; ++i) {
        RolloutItem it = rolloutsamples::item(
            QStringLiteral("bench.item.%1").arg(i), {sections.at(i / 40), QStringLiteral("Group %1").arg(i / 10)},
            QStringLiteral("Checklist item %1: verify `ccproxy codex info` and the %2 path").arg(i).arg(i % 2 ? "streaming" : "batch"),
            statuses[i % 5], i, i % 10 > 0 && i % 10 < 4 ? QStringLiteral("bench.item.%1").arg(i - i % 10) : QString());
        it.owner = QStringLiteral("owner%1").arg(i % 7);
        it.updatedAt = t0.addSecs(i * 60);
        it.updatedBy = QStringLiteral("ada");
        if (i % 4 == 0)
            it.note = QStringLiteral("Note for item %1: checked against staging, see the runbook.\nSecond line.").arg(i);
        if (i == 57)
            it.note = QString(5000, QLatin1Char('w')).replace(QRegularExpression(QStringLiteral("w{9}")), QStringLiteral("word word "));
        if (i % 33 == 0)
            it.evidenceIds = {1000 + (i / 33) % 6};
        r.items << it;
    }
    for (int c = 0; c < 6; ++c) {
        const QDateTime at = t0.addSecs(c * 600);
        r.evidence << rolloutsamples::metricEvidence(
            1000 + c, QStringLiteral("Metric snapshot %1 (canary stage %2)").arg(c + 1).arg(c % 3 + 1), at,
            QJsonObject{{QStringLiteral("error_ratio"), 0.002 + c * 0.0005},
                        {QStringLiteral("p50_ms"), 80 + c},
                        {QStringLiteral("p95_ms"), 180 + c},
                        {QStringLiteral("p99_ms"), 240 + c},
                        {QStringLiteral("request_rate"), 42.5}},
            QJsonArray{rolloutsamples::comparison(QStringLiteral("canary %1 %").arg(5 * (c + 1)), at.toString(Qt::ISODate), 0.001,
                                                  0.002 + c * 0.0005)},
            rolloutsamples::chartPng(c, 2));
    }
    Evidence suite = rolloutsamples::evidence(2000, EvidenceKind::EndpointSuite, QStringLiteral("Endpoint suite: 19 passed, 1 failed (staging)"), t0);
    QJsonArray cases;
    for (int i = 0; i < 20; ++i)
        cases.append(rolloutsamples::suiteCase(QStringLiteral("case-%1").arg(i), i == 7 ? QStringLiteral("fail") : QStringLiteral("pass"),
                                               QStringLiteral("Checklist item %1").arg(i),
                                               i == 7 ? QStringLiteral("status 500, expected 200") : QString()));
    suite.payload = QJsonObject{{QStringLiteral("suite"), QStringLiteral("codex-parity")}, {QStringLiteral("cases"), cases}};
    r.evidence << suite;
    Evidence cfg = rolloutsamples::evidence(2001, EvidenceKind::ConfigSnapshot, QStringLiteral("Effective configuration"), t0);
    QJsonArray keys;
    for (int i = 0; i < 30; ++i)
        keys.append(rolloutsamples::configKey(QStringLiteral("archive.key_%1").arg(i), QStringLiteral("value %1").arg(i),
                                              QStringLiteral("config.toml line %1").arg(i + 3)));
    cfg.payload = QJsonObject{{QStringLiteral("profile"), QStringLiteral("archive")}, {QStringLiteral("keys"), keys}};
    r.evidence << cfg;
    for (int c = 0; c < 8; ++c)
        r.criteria << rolloutsamples::criterion(
            QStringLiteral("rule-%1").arg(c), QStringLiteral("Criterion %1").arg(c),
            c % 3 == 0   ? CriterionResult::Verdict::Pass
            : c % 3 == 1 ? CriterionResult::Verdict::Fail
                         : CriterionResult::Verdict::NoData,
            QStringLiteral("p99 %1 ms over 200 restores").arg(200 + c), QStringLiteral("< 500 ms"), QStringLiteral("last 24 h"),
            QStringLiteral(".codex/evidence/archive_ops.jsonl"), t0);
    for (int s = 0; s < 2; ++s) {
        const SignOff so = rolloutsamples::signOff(r, r.roles.at(s), QStringLiteral("Signer %1").arg(s), QStringLiteral("ok"), t0);
        r.signOffs << so;
        sc.checks << rolloutsamples::unchanged(so);
    }
    sc.options.generatedAt = t0.addDays(1);
    sc.options.generatedBy = QStringLiteral("bench");
    for (int h = 0; h < 300; ++h)
        sc.options.history << rolloutsamples::statusChange(t0.addSecs(h * 30), QStringLiteral("ada"),
                                                           QStringLiteral("bench.item.%1").arg(h % 200), QStringLiteral("open"),
                                                           QStringLiteral("done"));
    return sc;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    benchutil::printMachineHeader();
    std::printf("# scenario: 200 items, 6 charts 1200x500 PNG, 20 endpoint cases, 30 config keys, 8 criteria, "
                "2 of 5 sign-offs, 300 history rows; A4 PDF written to a temporary folder\n");
    QTemporaryDir dir;
    Scenario sc = makeScenario();
    if (qEnvironmentVariableIsSet("BENCH_NO_HISTORY"))
        sc.options.includeHistory = false;
    if (qEnvironmentVariableIsSet("BENCH_NO_PAYLOAD"))
        sc.options.includeEvidencePayloads = false;
    if (qEnvironmentVariableIsSet("BENCH_NO_PNG"))
        for (Evidence &e : sc.rollout.evidence)
            e.png.clear();

    std::vector<double> runs;
    int pages = 0;
    qint64 size = 0;
    for (int run = 0; run < 4; ++run) {
        const QString path = dir.filePath(QStringLiteral("report-%1.pdf").arg(run));
        QElapsedTimer t;
        t.start();
        ReportBuilder builder(sc.rollout, sc.checks, sc.options);
        models::ReportPdfWriter writer(builder);
        pages = writer.pageCount();
        QString err;
        if (!writer.write(path, true, &err)) {
            std::printf("# PDF export failed: %s\n", qPrintable(err));
            return 0;
        }
        runs.push_back(double(t.nsecsElapsed()) / 1e6);
        size = QFileInfo(path).size();
        if (run == 0 && qEnvironmentVariableIsSet("BENCH_REPORT_KEEP"))  // a copy to look at
            QFile::copy(path, qEnvironmentVariable("BENCH_REPORT_KEEP"));
    }
    const double cold = runs.front();
    std::printf("report_pdf_200_items_6_charts: %.0f ms (target < 2000 ms, %s)\n", cold, cold < 2000 ? "PASS" : "MISS");
    std::printf("report_pdf_200_items_6_charts_warm_median: %.0f ms (info)\n",
                median(std::vector<double>(runs.begin() + 1, runs.end())));
    std::printf("report_pdf_pages: %d pages (info)\n", pages);
    std::printf("report_pdf_size: %.1f KiB (info)\n", double(size) / 1024.0);

    // Where the PDF time goes (one warm run): HTML, layout, painting + writing.
    {
        ReportBuilder builder(sc.rollout, sc.checks, sc.options);
        QElapsedTimer t;
        t.start();
        const QByteArray html = builder.toHtml(ReportBuilder::ImageMode::Resource);
        const double htmlMs = double(t.nsecsElapsed()) / 1e6;
        models::ReportPdfWriter writer(builder);
        t.restart();
        writer.pageCount();
        const double layoutMs = double(t.nsecsElapsed()) / 1e6;
        t.restart();
        const QByteArray pdf = writer.toPdf();
        const double paintMs = double(t.nsecsElapsed()) / 1e6;
        t.restart();
        const QImage preview = writer.renderPage(1, 800);
        const double previewMs = double(t.nsecsElapsed()) / 1e6;
        std::printf("report_pdf_part_html_resource: %.1f ms (info)\n", htmlMs);
        std::printf("report_pdf_part_layout: %.1f ms (info, includes building the HTML again)\n", layoutMs);
        std::printf("report_pdf_part_paint_and_encode: %.1f ms (info)\n", paintMs);
        std::printf("report_preview_page_800px: %.1f ms (info)\n", previewMs);
        Q_UNUSED(pdf);
        Q_UNUSED(preview);
    }

    auto textBench = [&](const char *name, ReportFormat f) {
        std::vector<double> v;
        qint64 bytes = 0;
        for (int i = 0; i < 5; ++i) {
            QElapsedTimer t;
            t.start();
            ReportBuilder builder(sc.rollout, sc.checks, sc.options);
            const QByteArray out = builder.render(f);
            v.push_back(double(t.nsecsElapsed()) / 1e6);
            bytes = out.size();
        }
        std::printf("%s: %.1f ms (info, median of 5, %.1f KiB)\n", name, median(v), double(bytes) / 1024.0);
    };
    textBench("report_html_200_items_6_charts", ReportFormat::Html);
    textBench("report_md_200_items", ReportFormat::Markdown);
    textBench("report_json_200_items_6_charts", ReportFormat::Json);
    return 0;
}
