// ReportBuilder: canonical content (deterministic, no sign-offs), Markdown in the seeds' checkbox
// style, HTML that parses (a strict tag-balance check in Python's html.parser) without external
// references, JSON that round-trips byte for byte, secrets redacted in every format, Unicode /
// right-to-left / 100 000-character notes, and writeReportFile's refusals.
#include "common/Sha256.h"
#include "rollout/ReportBuilder.h"
#include "rollout/RolloutStore.h"

#include "RolloutSamples.h"
#include "TestUtil.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QtTest/QtTest>

using namespace codex;
using namespace codex::rollout;

namespace {

const QDateTime kT0 = QDateTime(QDate(2026, 11, 25), QTime(10, 2, 0), Qt::UTC);

using rolloutsamples::item;
using rolloutsamples::signOff;

Rollout makeRollout()
{
    Rollout r;
    r.id = 1;
    r.name = QStringLiteral("Codex parity 2026-11");
    r.templateIds = {QStringLiteral("codex-parity")};
    r.createdAt = kT0.addDays(-5);
    r.createdBy = QStringLiteral("ada");
    r.roles = {QStringLiteral("Development"), QStringLiteral("QA"), QStringLiteral("DevOps")};
    const QStringList review{QStringLiteral("Pre-Deployment Verification"), QStringLiteral("Code Review")};
    const QStringList testing{QStringLiteral("Pre-Deployment Verification"), QStringLiteral("Testing")};
    const QStringList stage1{QStringLiteral("Deployment Steps"), QStringLiteral("2. Gradual Rollout"),
                             QStringLiteral("Stage 1: Internal Testing (Day 1-2)")};
    const QStringList crit{QStringLiteral("Post-Deployment"), QStringLiteral("Success Criteria")};
    int pos = 0;
    RolloutItem a = item(QStringLiteral("cp.review.reviewed"), review, QStringLiteral("All changes reviewed by at least one other developer"),
                         ItemStatus::Done, pos++);
    a.owner = QStringLiteral("grace");
    a.updatedAt = kT0;
    a.updatedBy = QStringLiteral("ada");
    a.note = QStringLiteral("Reviewed in PR #42.\nSecond line of the note.");
    r.items << a;
    r.items << item(QStringLiteral("cp.review.style"), review, QStringLiteral("Code follows project style guidelines and conventions"),
                    ItemStatus::Open, pos++);
    r.items << item(QStringLiteral("cp.testing.unit"), testing, QStringLiteral("All unit tests passing (`pytest tests/unit/`)"),
                    ItemStatus::NotApplicable, pos++);
    RolloutItem m = item(QStringLiteral("cp.testing.manual"), testing, QStringLiteral("Manual testing completed for:"), ItemStatus::Done,
                         pos++, {}, ItemKind::Info);
    r.items << m;
    RolloutItem s = item(QStringLiteral("cp.testing.manual.responses"), testing, QStringLiteral("Basic Codex responses endpoint"),
                         ItemStatus::Done, pos++, QStringLiteral("cp.testing.manual"));
    s.evidenceIds = {12};
    s.owner = QStringLiteral("linus");
    r.items << s;
    RolloutItem b = item(QStringLiteral("cp.testing.manual.streaming"), testing, QStringLiteral("Streaming responses"), ItemStatus::Blocked,
                         pos++, QStringLiteral("cp.testing.manual"));
    b.note = QStringLiteral("Proxy buffers SSE; waiting for fix.");
    r.items << b;
    r.items << item(QStringLiteral("cp.deploy.s1.staging"), stage1, QStringLiteral("Deploy to staging environment"), ItemStatus::Done, pos++);
    RolloutItem c = item(QStringLiteral("cp.post.success.p99"), crit, QStringLiteral("Restore p99 latency < 500 ms"), ItemStatus::Done, pos++,
                         {}, ItemKind::Criterion);
    c.def.criterion.id = QStringLiteral("restore-p99");
    r.items << c;
    r.items << item(QStringLiteral("cp.post.success.errors"), crit, QStringLiteral("Error-rate increase < 1 %"), ItemStatus::Open, pos++, {},
                    ItemKind::Criterion);

    Evidence suite = rolloutsamples::evidence(12, EvidenceKind::EndpointSuite, QStringLiteral("Endpoint suite: 2 passed, 1 failed (staging)"),
                                              kT0.addSecs(-600), QStringLiteral("ada"),
                                              QStringLiteral(".codex/reports/endpoint-suite-20261125T095200Z.json"));
    suite.summary = QStringLiteral("codex-parity suite against staging");
    suite.passed = false;
    suite.payload = QJsonObject{
        {QStringLiteral("schema"), QStringLiteral("codex-admin/endpoint-suite/1")},
        {QStringLiteral("suite"), QStringLiteral("codex-parity")},
        {QStringLiteral("environment"), QStringLiteral("staging")},
        {QStringLiteral("baseUrl"), QStringLiteral("https://proxy.example.com:8443")},
        {QStringLiteral("profile"), QStringLiteral("ccproxy")},
        {QStringLiteral("counts"), QJsonObject{{QStringLiteral("pass"), 2}, {QStringLiteral("fail"), 1}}},
        {QStringLiteral("cases"),
         QJsonArray{rolloutsamples::suiteCase(QStringLiteral("responses-basic"), QStringLiteral("pass"), QStringLiteral("Basic Codex responses endpoint")),
                    rolloutsamples::suiteCase(QStringLiteral("streaming-sse"), QStringLiteral("fail"), QStringLiteral("Streaming responses"),
                                              QStringLiteral("first token after 1480 ms of 1502 ms total"))}}};
    r.evidence << suite;

    r.evidence << rolloutsamples::metricEvidence(
        13, QStringLiteral("Error ratio around canary 5 %"), kT0.addSecs(-300),
        QJsonObject{{QStringLiteral("error_ratio"), 0.004}, {QStringLiteral("p99_ms"), 212.5}},
        QJsonArray{rolloutsamples::comparison(QStringLiteral("canary 5 %"), QStringLiteral("2026-11-25T09:40:00Z"), 0.001, 0.004)},
        QByteArray("\x89PNG\r\n\x1a\nnot-really-a-png", 24));

    Evidence cfg = rolloutsamples::evidence(14, EvidenceKind::ConfigSnapshot, QStringLiteral("Effective configuration (archive)"),
                                            kT0.addSecs(-200), QStringLiteral("ada"));
    cfg.payload = QJsonObject{{QStringLiteral("profile"), QStringLiteral("archive")},
                              {QStringLiteral("keys"), QJsonArray{rolloutsamples::configKey(QStringLiteral("archive.url"),
                                                                                            QStringLiteral("postgresql://***@db:5432/archive"),
                                                                                            QStringLiteral("env CODEX_ARCHIVE_URL"))}}};
    r.evidence << cfg;

    CriterionResult p99 = rolloutsamples::criterion(QStringLiteral("restore-p99"), QStringLiteral("Restore p99 latency"),
                                                    CriterionResult::Verdict::Pass, QStringLiteral("p99 212 ms over 200 restores"),
                                                    QStringLiteral("< 500 ms"), QStringLiteral("last 24 h"),
                                                    QStringLiteral(".codex/evidence/archive_ops.jsonl"), kT0);
    p99.itemKey = QStringLiteral("cp.post.success.p99");
    p99.value = 212;
    CriterionResult er = rolloutsamples::criterion(QStringLiteral("error-rate-increase"), QStringLiteral("Error-rate increase | across a stage marker"),
                                                   CriterionResult::Verdict::NoData, QStringLiteral("no data"), QStringLiteral("< 1 %"),
                                                   QStringLiteral("5 min either side"), QStringLiteral("metric snapshots"), kT0);
    er.itemKey = QStringLiteral("cp.post.success.errors");
    er.reason = QStringLiteral("no stage marker in any metric snapshot");
    r.criteria = {p99, er};
    return r;
}

ReportBuilder::Options opts()
{
    ReportBuilder::Options o;
    o.generatedAt = kT0.addSecs(3600);
    o.generatedBy = QStringLiteral("bob");
    o.history = {rolloutsamples::statusChange(kT0, QStringLiteral("ada"), QStringLiteral("cp.review.reviewed"), QStringLiteral("open"),
                                              QStringLiteral("done"))};
    return o;
}

/// A rollout with Development signed (valid) and DevOps signed before a later change.
struct Signed {
    Rollout rollout;
    QList<SignOffCheck> checks;
};

Signed makeSigned()
{
    Signed s;
    Rollout before = makeRollout();
    const SignOff devops = signOff(before, QStringLiteral("DevOps"), QStringLiteral("Linus T"), QStringLiteral("ok for canary"), kT0.addSecs(-60));
    s.rollout = before;
    s.rollout.items[1].status = ItemStatus::Done;  // changed after DevOps signed
    const SignOff dev = signOff(s.rollout, QStringLiteral("Development"), QStringLiteral("Ada Lovelace"), QStringLiteral("Looks good"), kT0);
    s.rollout.signOffs = {dev, devops};
    const QByteArray now = ReportBuilder::canonicalContent(s.rollout);
    SignOffCheck c1;
    c1.signOff = dev;
    c1.state = SignOffCheck::State::Valid;
    c1.currentSha256 = Sha256::hex(now);
    SignOffCheck c2;
    c2.signOff = devops;
    c2.state = SignOffCheck::State::Changed;
    c2.currentSha256 = c1.currentSha256;
    c2.message = QStringLiteral("changed after sign-off: 1 item (status of cp.review.style)");
    c2.diff = QStringLiteral("--- signed\n+++ current\n@@ -1,3 +1,3 @@\n-\"status\": \"open\"\n+\"status\": \"done\"\n");
    s.checks = {c1, c2};
    return s;
}

QString runPython(const QString &script, const QStringList &args, int *exitCode)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("/usr/bin/python3"), QStringList{QStringLiteral("-c"), script} + args);
    p.waitForFinished(30000);
    *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return QString::fromUtf8(p.readAll());
}

/// Strict tag balance over html.parser: every non-void element closed in order, void elements
/// not closed, one <html> root, a doctype. Prints the problems; exit 1 when there are any.
const QString kHtmlChecker = QStringLiteral(R"PY(
import sys, html.parser
VOID = {'area','base','br','col','embed','hr','img','input','link','meta','source','track','wbr'}
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []; self.errors = []; self.doctype = False; self.roots = 0; self.count = 0
    def handle_decl(self, d):
        if d.lower() == 'doctype html': self.doctype = True
    def handle_starttag(self, t, a):
        self.count += 1
        if not self.stack and t == 'html': self.roots += 1
        elif not self.stack: self.errors.append('element <%s> outside <html> at %s' % (t, self.getpos()))
        if t not in VOID: self.stack.append((t, self.getpos()))
    def handle_startendtag(self, t, a):
        self.count += 1
        if t not in VOID: self.errors.append('self-closed non-void <%s/> at %s' % (t, self.getpos()))
    def handle_endtag(self, t):
        if t in VOID: self.errors.append('end tag for void <%s> at %s' % (t, self.getpos())); return
        if not self.stack: self.errors.append('stray </%s> at %s' % (t, self.getpos())); return
        top, pos = self.stack.pop()
        if top != t: self.errors.append('</%s> at %s closes <%s> opened at %s' % (t, self.getpos(), top, pos))
    def handle_data(self, d):
        if not self.stack and d.strip(): self.errors.append('text outside <html>: %r' % d[:40])
p = P()
p.feed(open(sys.argv[1], encoding='utf-8').read()); p.close()
for t, pos in p.stack: p.errors.append('<%s> opened at %s never closed' % (t, pos))
if not p.doctype: p.errors.append('no <!DOCTYPE html>')
if p.roots != 1: p.errors.append('%d <html> roots' % p.roots)
for e in p.errors[:20]: print(e)
print('elements: %d' % p.count)
sys.exit(1 if p.errors else 0)
)PY");

}  // namespace

class TestReportBuilder : public QObject {
    Q_OBJECT
public:
    static void initMain() { testutil::defaultToOffscreen(); }

private Q_SLOTS:
    void formats();
    void canonicalIsDeterministic();
    void canonicalExcludesSignOffs();
    void markdownCheckboxes();
    void markdownSignOffs();
    void htmlParsesAndIsSelfContained_data();
    void htmlParsesAndIsSelfContained();
    void htmlContent();
    void jsonRoundTrip();
    void jsonParseErrors();
    void signOffStatesWithoutChecks();
    void secretsRedactedEverywhere();
    void unicodeRtlAndLongNotes();
    void writeUnwritable();
    void writeExisting();
};

void TestReportBuilder::formats()
{
    QCOMPARE(formatName(ReportFormat::Markdown), QStringLiteral("md"));
    QCOMPARE(formatFromName(QStringLiteral("Markdown")), std::optional<ReportFormat>(ReportFormat::Markdown));
    QCOMPARE(formatFromName(QStringLiteral("PDF")), std::optional<ReportFormat>(ReportFormat::Pdf));
    QVERIFY(!formatFromName(QStringLiteral("docx")));
    ReportBuilder b(makeRollout(), {}, opts());
    QString err;
    QVERIFY(b.render(ReportFormat::Pdf, &err).isEmpty());
    QVERIFY(err.contains(QStringLiteral("ReportPdfWriter")));
    QCOMPARE(b.render(ReportFormat::Json), b.toJson());
    QCOMPARE(b.render(ReportFormat::Markdown), b.toMarkdown());
    QCOMPARE(b.render(ReportFormat::Html), b.toHtml());
    QCOMPARE(b.title(), QStringLiteral("Rollout report — Codex parity 2026-11"));
    QCOMPARE(b.images().size(), 1);
    QCOMPARE(b.images().first().id, QStringLiteral("evidence-13"));
}

void TestReportBuilder::canonicalIsDeterministic()
{
    const Rollout r = makeRollout();
    const QByteArray a = ReportBuilder::canonicalContent(r);
    QCOMPARE(ReportBuilder::canonicalContent(makeRollout()), a);
    // The item list in another order but the same positions: the same bytes.
    Rollout shuffled = makeRollout();
    std::reverse(shuffled.items.begin(), shuffled.items.end());
    QCOMPARE(ReportBuilder::canonicalContent(shuffled), a);
    // Compact, keys sorted, the schema named.
    QVERIFY(!a.contains('\n'));
    QVERIFY(a.startsWith("{\"criteria\":"));
    QVERIFY(a.contains("\"schema\":\"codex-admin/rollout-content/1\""));
    QVERIFY(a.indexOf("\"created_at\"") < a.indexOf("\"created_by\""));
    const QJsonObject o = QJsonDocument::fromJson(a).object();
    QCOMPARE(QJsonDocument(o).toJson(QJsonDocument::Compact), a);
    const QJsonArray items = o.value(QStringLiteral("items")).toArray();
    QCOMPARE(items.size(), r.items.size());
    const QJsonObject first = items.first().toObject();
    QCOMPARE(first.value(QStringLiteral("section")).toString(), QStringLiteral("Pre-Deployment Verification / Code Review"));
    QCOMPARE(first.value(QStringLiteral("status")).toString(), QStringLiteral("done"));
    QCOMPARE(first.value(QStringLiteral("updated_at")).toString(), QStringLiteral("2026-11-25T10:02:00Z"));
    const QJsonObject withEv = items.at(4).toObject();
    QCOMPARE(withEv.value(QStringLiteral("evidence")).toArray().first().toObject().value(QStringLiteral("sha256")).toString(),
             r.evidence.first().sha256());
    QCOMPARE(o.value(QStringLiteral("criteria")).toArray().size(), 2);
    // A change changes it.
    Rollout changed = makeRollout();
    changed.items[1].status = ItemStatus::Done;
    QVERIFY(ReportBuilder::canonicalContent(changed) != a);
    Rollout noted = makeRollout();
    noted.items[1].note = QStringLiteral("x");
    QVERIFY(ReportBuilder::canonicalContent(noted) != a);
    // Pretty form for diffs: same content, indented.
    const QByteArray pretty = ReportBuilder::prettyContent(a);
    QVERIFY(pretty.contains("\n    "));
    QCOMPARE(QJsonDocument::fromJson(pretty).object(), o);
}

void TestReportBuilder::canonicalExcludesSignOffs()
{
    const Rollout r = makeRollout();
    const QByteArray a = ReportBuilder::canonicalContent(r);
    Rollout s = r;
    s.signOffs << signOff(r, QStringLiteral("QA"), QStringLiteral("Grace Hopper"), QStringLiteral("fine"), kT0);
    const QByteArray b = ReportBuilder::canonicalContent(s);
    QCOMPARE(b, a);
    QVERIFY(!b.contains("Grace Hopper"));
    // Generation time and generator are not in it either: two reports generated at different
    // times carry the same content hash.
    ReportBuilder::Options o1 = opts(), o2 = opts();
    o2.generatedAt = kT0.addDays(3);
    o2.generatedBy = QStringLiteral("someone else");
    ReportBuilder b1(s, {}, o1), b2(s, {}, o2);
    QCOMPARE(b1.contentSha256(), b2.contentSha256());
    QCOMPARE(b1.contentSha256(), Sha256::hex(a));
    QVERIFY(!a.contains("2026-11-25T11:02:00Z"));
}

void TestReportBuilder::markdownCheckboxes()
{
    const Signed s = makeSigned();
    ReportBuilder b(s.rollout, s.checks, opts());
    const QString md = QString::fromUtf8(b.toMarkdown());
    const QStringList lines = md.split(QLatin1Char('\n'));
    auto has = [&lines](const QString &l) { return lines.contains(l); };
    QVERIFY2(md.startsWith(QStringLiteral("# Rollout report — Codex parity 2026-11\n")), qPrintable(md.left(200)));
    QVERIFY(has(QStringLiteral("## Pre-Deployment Verification")));
    QVERIFY(has(QStringLiteral("### Code Review")));
    QVERIFY(has(QStringLiteral("### Testing")));
    QVERIFY(has(QStringLiteral("## Deployment Steps")));
    QVERIFY(has(QStringLiteral("### 2. Gradual Rollout")));
    QVERIFY(has(QStringLiteral("#### Stage 1: Internal Testing (Day 1-2)")));
    // Every status.
    QVERIFY(has(QStringLiteral("- [x] All changes reviewed by at least one other developer")));
    QVERIFY(has(QStringLiteral("- [x] Code follows project style guidelines and conventions")));
    QVERIFY(has(QStringLiteral("- [-] All unit tests passing (`pytest tests/unit/`) _(n/a)_")));
    QVERIFY(has(QStringLiteral("  - [!] Streaming responses **(blocked)**")));
    QVERIFY(has(QStringLiteral("- [ ] Error-rate increase < 1 %")));
    // Sub-items indented, their detail lines further.
    QVERIFY(has(QStringLiteral("- [x] Manual testing completed for:")));
    QVERIFY(has(QStringLiteral("  - [x] Basic Codex responses endpoint")));
    QVERIFY(has(QStringLiteral("    - Owner: linus")));
    QVERIFY2(md.contains(QStringLiteral("    - Evidence: #12 Endpoint suite: 2 passed, 1 failed (staging) (sha256 ")), qPrintable(md));
    QVERIFY(has(QStringLiteral("    - Note: Proxy buffers SSE; waiting for fix.")));
    // Item details.
    QVERIFY(has(QStringLiteral("  - Owner: grace")));
    QVERIFY(has(QStringLiteral("  - Updated: 2026-11-25 10:02 UTC by ada")));
    QVERIFY(has(QStringLiteral("  - Note: Reviewed in PR #42.")));
    QVERIFY(has(QStringLiteral("    Second line of the note.")));
    // Criteria table, "|" escaped.
    QVERIFY(has(QStringLiteral("| Criterion | Verdict | Figure | Threshold | Window | Source |")));
    QVERIFY(has(QStringLiteral("| Restore p99 latency | pass | p99 212 ms over 200 restores | < 500 ms | last 24 h | .codex/evidence/archive_ops.jsonl |")));
    QVERIFY2(md.contains(QStringLiteral("| Error-rate increase \\| across a stage marker | no data | no data — no stage marker in any metric snapshot |")),
             qPrintable(md));
    QVERIFY(has(QStringLiteral("  - Criterion: pass — p99 212 ms over 200 restores (threshold < 500 ms, window last 24 h)")));
    // Evidence with details; charts named, not embedded.
    QVERIFY(has(QStringLiteral("### #12 Endpoint suite: 2 passed, 1 failed (staging)")));
    QVERIFY(has(QStringLiteral("| Case | Verdict | Checklist item | Reason |")));
    QVERIFY(has(QStringLiteral("| streaming-sse | fail | Streaming responses | first token after 1480 ms of 1502 ms total |")));
    QVERIFY(has(QStringLiteral("| archive.url | postgresql://***@db:5432/archive | env CODEX_ARCHIVE_URL |")));
    QVERIFY(has(QStringLiteral("_Chart: Error ratio around canary 5 % (chart in the PDF/HTML report)_")));
    QVERIFY(has(QStringLiteral("| canary 5 % | 2026-11-25T09:40:00Z | error_ratio | 0.001 | 0.004 | 300 s | 30 / 30 |")));
    QVERIFY(has(QStringLiteral("## History")));
    QVERIFY(!md.contains(QStringLiteral("data:image")));
}

void TestReportBuilder::markdownSignOffs()
{
    const Signed s = makeSigned();
    ReportBuilder b(s.rollout, s.checks, opts());
    const QString md = QString::fromUtf8(b.toMarkdown());
    const QStringList lines = md.split(QLatin1Char('\n'));
    const QString devSha = s.rollout.signOffs.first().contentSha256;
    QVERIFY2(lines.contains(QStringLiteral("- [x] Development — Ada Lovelace, 2026-11-25 10:02 UTC — “Looks good” — sha256 `%1` (valid)").arg(devSha)),
             qPrintable(md));
    QVERIFY(lines.contains(QStringLiteral("- [ ] QA — not signed")));
    QVERIFY(md.contains(QStringLiteral("- [x] DevOps — Linus T, 2026-11-25 10:01 UTC — “ok for canary” — sha256 `")));
    QVERIFY(md.contains(QStringLiteral("(changed after sign-off)\n  - changed after sign-off: 1 item (status of cp.review.style)\n")));
    QVERIFY(md.contains(QStringLiteral("  ```diff\n  --- signed\n  +++ current\n")));
    QVERIFY(md.contains(QStringLiteral("  +\"status\": \"done\"\n  ```\n")));
    QVERIFY(lines.contains(QStringLiteral("- Sign-offs: 2 of 3 roles signed (1 changed after sign-off)")));
}

void TestReportBuilder::htmlParsesAndIsSelfContained_data()
{
    QTest::addColumn<bool>("inlineImages");
    QTest::newRow("inline") << true;
    QTest::newRow("resource") << false;
}

void TestReportBuilder::htmlParsesAndIsSelfContained()
{
    QFETCH(bool, inlineImages);
    Signed s = makeSigned();
    s.rollout.items[2].note = QStringLiteral("<b>not bold</b> & <script>alert(1)</script> </p></div>");
    ReportBuilder b(s.rollout, s.checks, opts());
    const QByteArray html = b.toHtml(inlineImages ? ReportBuilder::ImageMode::Inline : ReportBuilder::ImageMode::Resource);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("report.html"));
    testutil::writeFile(path, html);
    int code = -1;
    const QString out = runPython(kHtmlChecker, {path}, &code);
    QVERIFY2(code == 0, qPrintable(out));
    QVERIFY(out.contains(QStringLiteral("elements: ")));
    // The title page fragment is a document of its own.
    testutil::writeFile(path, b.titlePageHtml());
    const QString out2 = runPython(kHtmlChecker, {path}, &code);
    QVERIFY2(code == 0, qPrintable(out2));

    // Nothing loaded from elsewhere.
    const QString h = QString::fromUtf8(html);
    static const QRegularExpression external(QStringLiteral("(src|href)\\s*=\\s*[\"']?\\s*(https?:|//|ftp:|file:)"),
                                             QRegularExpression::CaseInsensitiveOption);
    QVERIFY2(!external.match(h).hasMatch(), qPrintable(external.match(h).captured(0)));
    QVERIFY(!h.contains(QStringLiteral("<link"), Qt::CaseInsensitive));
    QVERIFY(!h.contains(QStringLiteral("<script"), Qt::CaseInsensitive));
    QVERIFY(!h.contains(QStringLiteral("@import"), Qt::CaseInsensitive));
    QVERIFY(!h.contains(QStringLiteral("url("), Qt::CaseInsensitive));
    QVERIFY(h.contains(QStringLiteral("&lt;script&gt;alert(1)&lt;/script&gt;")));
    if (inlineImages) {
        QVERIFY(h.contains(QStringLiteral("<img class=\"chart\" src=\"data:image/png;base64,") + QString::fromLatin1(s.rollout.evidence.at(1).png.toBase64())));
        QVERIFY(h.contains(QStringLiteral("<h1>Rollout report — Codex parity 2026-11</h1>")));
    } else {
        QVERIFY(h.contains(QStringLiteral("src=\"evidence-13\"")));
        QVERIFY(!h.contains(QStringLiteral("data:image")));
    }
}

void TestReportBuilder::htmlContent()
{
    const Signed s = makeSigned();
    ReportBuilder b(s.rollout, s.checks, opts());
    const QString h = QString::fromUtf8(b.toHtml());
    // Status as a badge with its word, not colour only.
    QVERIFY(h.contains(QStringLiteral("<span class=\"badge st-blocked\">&nbsp;blocked&nbsp;</span> Streaming responses")));
    QVERIFY(h.contains(QStringLiteral("<span class=\"badge st-na\">&nbsp;n/a&nbsp;</span>")));
    QVERIFY(h.contains(QStringLiteral("<span class=\"badge st-open\">&nbsp;open&nbsp;</span>")));
    QVERIFY(h.contains(QStringLiteral("<code>pytest tests/unit/</code>")));
    QVERIFY(h.contains(QStringLiteral("dir=\"auto\">Note: Reviewed in PR #42.<br/>Second line of the note.</p>")));
    QVERIFY(h.contains(QStringLiteral("p99 212 ms over 200 restores")));
    QVERIFY(h.contains(QStringLiteral("Ada Lovelace")));
    QVERIFY(h.contains(QStringLiteral("&nbsp;changed after sign-off&nbsp;")));
    QVERIFY(h.contains(QStringLiteral("<span class=\"add\">+&quot;status&quot;: &quot;done&quot;</span>")));
    // Title page: overall status.
    const QString t = QString::fromUtf8(b.titlePageHtml());
    QVERIFY(t.contains(QStringLiteral("6 of 9 items done, 1 open, 1 blocked, 1 n/a")));
    QVERIFY(t.contains(QStringLiteral("1 pass, 0 fail, 1 no data")));
    QVERIFY(t.contains(QStringLiteral("2 of 3 roles signed")));
    QVERIFY(t.contains(b.contentSha256()));
    QVERIFY(t.contains(QStringLiteral("2026-11-25 11:02 UTC by bob")));
}

void TestReportBuilder::jsonRoundTrip()
{
    const Signed s = makeSigned();
    ReportBuilder b(s.rollout, s.checks, opts());
    const QByteArray json = b.toJson();
    QString err;
    const auto parsed = ReportBuilder::parseJsonReport(json, &err);
    QVERIFY2(parsed, qPrintable(err));
    QCOMPARE(QJsonDocument(*parsed).toJson(), json);
    const QJsonObject &o = *parsed;
    QCOMPARE(o.value(QStringLiteral("schema")).toString(), QStringLiteral("codex-admin/rollout-report/1"));
    QCOMPARE(o.value(QStringLiteral("tool")).toString(), QStringLiteral("Codex Admin " CODEXADMIN_VERSION));
    QCOMPARE(o.value(QStringLiteral("generated_at")).toString(), QStringLiteral("2026-11-25T11:02:00Z"));
    QCOMPARE(o.value(QStringLiteral("content_sha256")).toString(), b.contentSha256());
    QCOMPARE(QJsonDocument(o.value(QStringLiteral("content")).toObject()).toJson(QJsonDocument::Compact),
             ReportBuilder::canonicalContent(s.rollout));
    const QJsonArray so = o.value(QStringLiteral("signoffs")).toArray();
    QCOMPARE(so.size(), 3);
    QCOMPARE(so.at(0).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("valid"));
    QCOMPARE(so.at(0).toObject().value(QStringLiteral("name")).toString(), QStringLiteral("Ada Lovelace"));
    QCOMPARE(so.at(1).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("unsigned"));
    QCOMPARE(so.at(2).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("changed after sign-off"));
    const QJsonArray ev = o.value(QStringLiteral("evidence")).toArray();
    QCOMPARE(ev.size(), 3);
    QCOMPARE(ev.at(1).toObject().value(QStringLiteral("png_base64")).toString(), QString::fromLatin1(s.rollout.evidence.at(1).png.toBase64()));
    QVERIFY(ev.at(0).toObject().value(QStringLiteral("payload")).toObject().contains(QStringLiteral("cases")));
    QCOMPARE(o.value(QStringLiteral("history")).toArray().size(), 1);
    QCOMPARE(o.value(QStringLiteral("summary")).toObject().value(QStringLiteral("blocked")).toInt(), 1);

    // Without payloads and history.
    ReportBuilder::Options lean = opts();
    lean.includeEvidencePayloads = false;
    lean.includeHistory = false;
    const QJsonObject l = ReportBuilder(s.rollout, s.checks, lean).toJsonObject();
    QVERIFY(!l.contains(QStringLiteral("history")));
    QVERIFY(!l.value(QStringLiteral("evidence")).toArray().first().toObject().contains(QStringLiteral("payload")));
}

void TestReportBuilder::jsonParseErrors()
{
    ReportBuilder b(makeRollout(), {}, opts());
    const QJsonObject good = b.toJsonObject();
    QString err;
    QVERIFY(!ReportBuilder::parseJsonReport("{not json", &err));
    QVERIFY(err.contains(QStringLiteral("not a JSON report")));
    QJsonObject o = good;
    o.insert(QStringLiteral("schema"), QStringLiteral("something/else"));
    QVERIFY(!ReportBuilder::parseJsonReport(QJsonDocument(o).toJson(), &err));
    QVERIFY2(err.contains(QStringLiteral("\"schema\"")), qPrintable(err));
    for (const char *field : {"generated_at", "content", "content_sha256", "signoffs", "evidence", "criteria", "summary", "tool"}) {
        o = good;
        o.remove(QLatin1String(field));
        QVERIFY(!ReportBuilder::parseJsonReport(QJsonDocument(o).toJson(), &err));
        QVERIFY2(err.contains(QStringLiteral("\"%1\"").arg(QLatin1String(field))), qPrintable(err));
    }
    o = good;
    o.insert(QStringLiteral("signoffs"), QStringLiteral("x"));
    QVERIFY(!ReportBuilder::parseJsonReport(QJsonDocument(o).toJson(), &err));
    QVERIFY(err.contains(QStringLiteral("\"signoffs\" has the wrong type")));
    // Content edited behind the hash's back.
    o = good;
    QJsonObject content = o.value(QStringLiteral("content")).toObject();
    content.insert(QStringLiteral("roles"), QJsonArray{QStringLiteral("Nobody")});
    o.insert(QStringLiteral("content"), content);
    QVERIFY(!ReportBuilder::parseJsonReport(QJsonDocument(o).toJson(), &err));
    QVERIFY2(err.contains(QStringLiteral("\"content_sha256\" does not match")), qPrintable(err));
}

void TestReportBuilder::signOffStatesWithoutChecks()
{
    // No verification passed in: the builder checks the sign-offs itself.
    Rollout r = makeRollout();
    SignOff valid = signOff(r, QStringLiteral("Development"), QStringLiteral("Ada Lovelace"), {}, kT0);
    SignOff tampered = signOff(r, QStringLiteral("QA"), QStringLiteral("Grace Hopper"), {}, kT0);
    tampered.content.replace("\"done\"", "\"open\"");
    Rollout before = r;
    before.items[0].owner = QStringLiteral("nobody");
    SignOff changed = signOff(before, QStringLiteral("DevOps"), QStringLiteral("Linus T"), {}, kT0);
    r.signOffs = {valid, tampered, changed};
    const QJsonArray so = ReportBuilder(r, {}, opts()).toJsonObject().value(QStringLiteral("signoffs")).toArray();
    QCOMPARE(so.size(), 3);
    QCOMPARE(so.at(0).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("valid"));
    QCOMPARE(so.at(1).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("tampered"));
    QCOMPARE(so.at(2).toObject().value(QStringLiteral("state")).toString(), QStringLiteral("changed after sign-off"));
    QVERIFY(so.at(2).toObject().value(QStringLiteral("diff")).toString().contains(QStringLiteral("nobody")));
}

void TestReportBuilder::secretsRedactedEverywhere()
{
    Rollout r = makeRollout();
    const QString secrets = QStringLiteral("db postgresql://admin:s3cret@db/x then Bearer sk-live-123 and password=hunter2 done");
    r.items[1].note = secrets;
    r.items[1].owner = QStringLiteral("ops token=tok-owner-999");
    r.evidence[0].title = QStringLiteral("Suite with password=hunter2");
    r.evidence[0].summary = secrets;
    r.evidence[0].source = QStringLiteral("https://admin:s3cret@proxy.example.com/v1");
    QJsonObject payload = r.evidence[2].payload;
    payload.insert(QStringLiteral("nested"), QJsonObject{{QStringLiteral("deep"), QJsonArray{secrets}}});
    payload.insert(QStringLiteral("keys"), QJsonArray{QJsonObject{{QStringLiteral("key"), QStringLiteral("archive.url")},
                                                                  {QStringLiteral("value"), QStringLiteral("postgresql://admin:s3cret@db/x")},
                                                                  {QStringLiteral("origin"), secrets}}});
    r.evidence[2].payload = payload;
    r.evidence[2].kind = EvidenceKind::ConfigSnapshot;
    r.criteria[0].source = QStringLiteral("prometheus http://admin:s3cret@prom:9090");
    SignOff so = signOff(r, QStringLiteral("QA"), QStringLiteral("Grace"), QStringLiteral("signed, Bearer sk-live-123"), kT0);
    r.signOffs = {so};
    ReportBuilder::Options o = opts();
    Change ch;
    ch.at = kT0;
    ch.by = QStringLiteral("ada");
    ch.itemKey = QStringLiteral("cp.review.style");
    ch.field = QStringLiteral("note");
    ch.newValue = secrets;
    o.history << ch;
    ReportBuilder b(r, {}, o);
    const QList<QPair<QString, QByteArray>> outputs = {{QStringLiteral("html"), b.toHtml()},
                                                       {QStringLiteral("html-resource"), b.toHtml(ReportBuilder::ImageMode::Resource)},
                                                       {QStringLiteral("title"), b.titlePageHtml()},
                                                       {QStringLiteral("md"), b.toMarkdown()},
                                                       {QStringLiteral("json"), b.toJson()},
                                                       {QStringLiteral("canonical"), ReportBuilder::canonicalContent(r)}};
    for (const auto &[name, bytes] : outputs) {
        for (const char *secret : {"s3cret", "sk-live-123", "hunter2", "tok-owner-999"})
            QVERIFY2(!bytes.contains(secret), qPrintable(QStringLiteral("%1 leaks %2").arg(name, QLatin1String(secret))));
    }
    // Redacted, not dropped.
    QVERIFY(b.toMarkdown().contains("postgresql://***@db/x then Bearer *** and password=*** done"));
    QVERIFY(b.toJson().contains("https://***@proxy.example.com/v1"));
}

void TestReportBuilder::unicodeRtlAndLongNotes()
{
    Rollout r = makeRollout();
    const QString uni = QStringLiteral("Ünïcödé ✓ 日本語 🚀 — “quotes” <tag> & ampersand");
    const QString rtl = QStringLiteral("שלום עולם — مرحبا بالعالم 123");
    QString longNote;
    longNote.reserve(100100);
    int w = 0;
    while (longNote.size() < 100000 - 20)
        longNote += QStringLiteral("word%1 ").arg(w++ % 1000);
    longNote += QStringLiteral("LASTWORDZQX");
    QCOMPARE(longNote.size() >= 99980, true);
    r.items[0].note = uni;
    r.items[1].note = rtl;
    r.items[2].note = longNote;
    r.items[3].owner = QStringLiteral("Zoë Ødegaard");
    ReportBuilder b(r, {}, opts());
    const QString html = QString::fromUtf8(b.toHtml());
    const QString md = QString::fromUtf8(b.toMarkdown());
    const QByteArray json = b.toJson();
    QVERIFY(html.contains(QStringLiteral("Ünïcödé ✓ 日本語 🚀 — “quotes” &lt;tag&gt; &amp; ampersand")));
    QVERIFY(html.contains(QStringLiteral("<p class=\"note\" style=\"margin-left:22px\" dir=\"auto\">Note: שלום עולם — مرحبا بالعالم 123</p>")));
    QVERIFY(html.contains(longNote.right(2000)));
    QVERIFY(html.contains(QStringLiteral("LASTWORDZQX")));
    QVERIFY(md.contains(uni));
    QVERIFY(md.contains(QStringLiteral("  - Note: ") + rtl));
    QVERIFY(md.contains(longNote));
    QVERIFY(md.contains(QStringLiteral("Zoë Ødegaard")));
    QString err;
    const auto parsed = ReportBuilder::parseJsonReport(json, &err);
    QVERIFY2(parsed, qPrintable(err));
    const QJsonArray items = parsed->value(QStringLiteral("content")).toObject().value(QStringLiteral("items")).toArray();
    QCOMPARE(items.at(0).toObject().value(QStringLiteral("note")).toString(), uni);
    QCOMPARE(items.at(1).toObject().value(QStringLiteral("note")).toString(), rtl);
    QCOMPARE(items.at(2).toObject().value(QStringLiteral("note")).toString(), longNote);
    QCOMPARE(QJsonDocument(*parsed).toJson(), json);
}

void TestReportBuilder::writeUnwritable()
{
    QTemporaryFile plain;
    QVERIFY(plain.open());
    plain.write("a regular file");
    plain.close();
    // Root ignores permission bits, so the unwritable places are a path below a regular file
    // and /proc.
    for (const QString &path : {plain.fileName() + QStringLiteral("/report.html"), QStringLiteral("/proc/codex-admin-test/report.pdf"),
                                QStringLiteral("/proc/version")}) {
        QString err;
        QVERIFY2(!writeReportFile(path, "bytes", true, &err), qPrintable(path));
        QVERIFY2(err.contains(path) || err.contains(QFileInfo(path).absolutePath()), qPrintable(err));
        if (path != QLatin1String("/proc/version"))
            QVERIFY(!QFileInfo::exists(path));
    }
    QCOMPARE(testutil::readFile(plain.fileName()), QByteArray("a regular file"));
    QString err;
    QVERIFY(!writeReportFile(QString(), "x", true, &err));
    QVERIFY(!err.isEmpty());
    QTemporaryDir dir;
    QVERIFY(!writeReportFile(dir.path(), "x", true, &err));
    QVERIFY2(err.contains(dir.path()) && err.contains(QStringLiteral("folder")), qPrintable(err));
}

void TestReportBuilder::writeExisting()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("report.md"));
    QString err;
    QVERIFY2(writeReportFile(path, "first", false, &err), qPrintable(err));
    QCOMPARE(testutil::readFile(path), QByteArray("first"));
    QVERIFY(!writeReportFile(path, "second", false, &err));
    QVERIFY2(err.contains(path) && err.contains(QStringLiteral("exists")), qPrintable(err));
    QCOMPARE(testutil::readFile(path), QByteArray("first"));
    QVERIFY2(writeReportFile(path, "second", true, &err), qPrintable(err));
    QCOMPARE(testutil::readFile(path), QByteArray("second"));
    // Nothing else left in the folder (no temporary files).
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot), QStringList{QStringLiteral("report.md")});
    // A new folder is created for a new report.
    const QString nested = dir.filePath(QStringLiteral("out/sub/report.json"));
    QVERIFY2(writeReportFile(nested, "{}", false, &err), qPrintable(err));
    QCOMPARE(testutil::readFile(nested), QByteArray("{}"));
}

QTEST_MAIN(TestReportBuilder)
#include "tst_reportbuilder.moc"
