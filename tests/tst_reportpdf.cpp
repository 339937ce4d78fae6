// ReportPdfWriter: a rollout with items in every status, a sign-off, criteria figures and two
// charts to PDF, checked with poppler-utils: pdftotext -layout (items, statuses, signer, figure,
// "Page 2 of N", the last word of a 100 000-character note), pdfinfo (page count), pdfimages
// -list (the charts are embedded); renderPage() paints something; write() refuses what it must.
#include "models/ReportPdfWriter.h"
#include "rollout/ReportBuilder.h"

#include "RolloutSamples.h"
#include "TestUtil.h"

#include <QDir>
#include <QGuiApplication>
#include <QImage>
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QtTest/QtTest>

#include <cmath>

using namespace codex;
using namespace codex::rollout;
using codex::models::ReportPdfWriter;

namespace {

const QDateTime kT0 = QDateTime(QDate(2026, 11, 25), QTime(10, 2, 0), Qt::UTC);

using rolloutsamples::item;

struct Fixture {
    Rollout rollout;
    QList<SignOffCheck> checks;
    QString longNote;
};

Fixture makeFixture()
{
    Fixture f;
    Rollout &r = f.rollout;
    r.id = 1;
    r.name = QStringLiteral("Codex parity 2026-11");
    r.templateIds = {QStringLiteral("codex-parity")};
    r.createdAt = kT0.addDays(-5);
    r.createdBy = QStringLiteral("ada");
    r.roles = {QStringLiteral("Development"), QStringLiteral("QA")};
    const QStringList review{QStringLiteral("Pre-Deployment Verification"), QStringLiteral("Code Review")};
    const QStringList testing{QStringLiteral("Pre-Deployment Verification"), QStringLiteral("Testing")};
    int pos = 0;
    RolloutItem a = item(QStringLiteral("a"), review, QStringLiteral("All changes reviewed by at least one other developer"), ItemStatus::Done, pos++);
    a.owner = QStringLiteral("grace");
    a.updatedAt = kT0;
    a.updatedBy = QStringLiteral("ada");
    a.note = QStringLiteral("Unicode ✓ Zoë 日本語 and RTL: שלום עולם");
    a.evidenceIds = {21};
    r.items << a;
    r.items << item(QStringLiteral("b"), review, QStringLiteral("No blocking comments or concerns remain unresolved"), ItemStatus::Open, pos++);
    r.items << item(QStringLiteral("c"), testing, QStringLiteral("Integration tests passing (`pytest tests/integration/`)"),
                    ItemStatus::NotApplicable, pos++);
    RolloutItem d = item(QStringLiteral("d"), testing, QStringLiteral("Streaming responses"), ItemStatus::Blocked, pos++);
    d.note = QStringLiteral("A very long URL: https://example.com/") + QString(300, QLatin1Char('x')) + QStringLiteral(" end.");
    r.items << d;
    RolloutItem e = item(QStringLiteral("e"), testing, QStringLiteral("Error handling and fallbacks"), ItemStatus::Open, pos++);
    int w = 0;
    while (f.longNote.size() < 100000 - 20)
        f.longNote += QStringLiteral("lorem%1 ").arg(w++ % 1000);
    f.longNote += QStringLiteral("FINALWORDZQX");
    e.note = f.longNote;
    r.items << e;
    for (int i = 0; i < 2; ++i)
        r.evidence << rolloutsamples::metricEvidence(21 + i, QStringLiteral("Error ratio chart %1").arg(i + 1), kT0,
                                                     QJsonObject{{QStringLiteral("error_ratio"), 0.004}}, {}, rolloutsamples::chartPng(i));
    Evidence suite = rolloutsamples::evidence(23, EvidenceKind::EndpointSuite, QStringLiteral("Endpoint suite: 1 passed"), kT0);
    suite.payload = QJsonObject{{QStringLiteral("cases"), QJsonArray{rolloutsamples::suiteCase(
                                                              QStringLiteral("responses-basic"), QStringLiteral("pass"),
                                                              QStringLiteral("Basic Codex responses endpoint"),
                                                              QStringLiteral("a-very-long-unbroken-reason-") + QString(200, QLatin1Char('y')))}}};
    r.evidence << suite;
    r.criteria = {rolloutsamples::criterion(QStringLiteral("restore-p99"), QStringLiteral("Restore p99"), CriterionResult::Verdict::Pass,
                                            QStringLiteral("p99 212 ms"), QStringLiteral("< 500 ms"), QStringLiteral("last 24 h"),
                                            QStringLiteral("evidence log"), kT0)};
    const SignOff s = rolloutsamples::signOff(r, QStringLiteral("Development"), QStringLiteral("Ada Lovelace"), QStringLiteral("Looks good"), kT0);
    r.signOffs = {s};
    f.checks = {rolloutsamples::unchanged(s)};
    return f;
}

ReportBuilder::Options opts()
{
    ReportBuilder::Options o;
    o.generatedAt = kT0.addSecs(3600);
    o.generatedBy = QStringLiteral("bob");
    return o;
}

QString run(const QString &program, const QStringList &args, int *code)
{
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(60000)) {
        *code = -1;
        return QStringLiteral("%1 did not finish: %2").arg(program, p.errorString());
    }
    *code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return QString::fromUtf8(p.readAllStandardOutput()) + QString::fromUtf8(p.readAllStandardError());
}

int nonWhite(const QImage &img)
{
    int n = 0;
    const QImage im = img.convertToFormat(QImage::Format_RGB32);
    for (int y = 0; y < im.height(); ++y) {
        const QRgb *line = reinterpret_cast<const QRgb *>(im.constScanLine(y));
        for (int x = 0; x < im.width(); ++x)
            n += (qRed(line[x]) < 200 || qGreen(line[x]) < 200 || qBlue(line[x]) < 200) ? 1 : 0;
    }
    return n;
}

}  // namespace

class TestReportPdf : public QObject {
    Q_OBJECT
public:
    static void initMain() { testutil::defaultToOffscreen(); }

private Q_SLOTS:
    void initTestCase();
    void pdfText();
    void renderPages();
    void writeRefusals();

private:
    QTemporaryDir m_dir;
    QString m_pdf;
    int m_pages = 0;
};

void TestReportPdf::initTestCase()
{
    QVERIFY(qobject_cast<QGuiApplication *>(QCoreApplication::instance()));
    QVERIFY(m_dir.isValid());
    const Fixture f = makeFixture();
    ReportBuilder b(f.rollout, f.checks, opts());
    ReportPdfWriter w(b);
    m_pages = w.pageCount();
    QVERIFY2(m_pages >= 3, qPrintable(QString::number(m_pages)));
    m_pdf = m_dir.filePath(QStringLiteral("report.pdf"));
    QString err;
    QVERIFY2(w.write(m_pdf, false, &err), qPrintable(err));
    const QByteArray bytes = testutil::readFile(m_pdf);
    QVERIFY(bytes.startsWith("%PDF-"));
    if (!qEnvironmentVariableIsEmpty("CODEX_REPORT_PDF_KEEP"))
        QFile::copy(m_pdf, qEnvironmentVariable("CODEX_REPORT_PDF_KEEP"));
}

void TestReportPdf::pdfText()
{
    int code = -1;
    const QString txtPath = m_dir.filePath(QStringLiteral("report.txt"));
    QString out = run(QStringLiteral("pdftotext"), {QStringLiteral("-layout"), m_pdf, txtPath}, &code);
    QVERIFY2(code == 0, qPrintable(out));
    const QString text = QString::fromUtf8(testutil::readFile(txtPath));
    for (const char *s : {"Rollout report — Codex parity 2026-11", "All changes reviewed by at least one other developer",
                          "No blocking comments or concerns remain unresolved", "Streaming responses", "Error handling and fallbacks",
                          "blocked", "n/a", "done", "open", "Ada Lovelace", "Looks good", "p99 212 ms", "< 500 ms", "Page 1 of",
                          "Error ratio chart 2", "FINALWORDZQX", "Generated 2026-11-25 11:02 UTC", "not signed"})
        QVERIFY2(text.contains(QString::fromUtf8(s)), s);
    QVERIFY(text.contains(QStringLiteral("Page 2 of %1").arg(m_pages)));
    QVERIFY(text.contains(QStringLiteral("Page %1 of %1").arg(m_pages)));
    // The long note is all there: every page break of it kept its words.
    const QString flat = QString(text).replace(QRegularExpression(QStringLiteral("\\s+")), QStringLiteral(" "));
    QVERIFY(flat.contains(QStringLiteral("lorem997 lorem998 lorem999 lorem0 lorem1")));

    out = run(QStringLiteral("pdfinfo"), {m_pdf}, &code);
    QVERIFY2(code == 0, qPrintable(out));
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("Pages:\\s+(\\d+)")).match(out);
    QVERIFY2(m.hasMatch(), qPrintable(out));
    QCOMPARE(m.captured(1).toInt(), m_pages);
    QVERIFY2(out.contains(QStringLiteral("Rollout report — Codex parity 2026-11")), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("Codex Admin")), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("595 x 842 pts (A4)")), qPrintable(out));

    out = run(QStringLiteral("pdfimages"), {QStringLiteral("-list"), m_pdf}, &code);
    QVERIFY2(code == 0, qPrintable(out));
    const QStringList lines = out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    int images = 0;
    for (const QString &l : lines.mid(2))
        if (l.contains(QStringLiteral(" image ")) && l.contains(QStringLiteral("1200")))
            ++images;
    QVERIFY2(images >= 2, qPrintable(out));
}

void TestReportPdf::renderPages()
{
    const Fixture f = makeFixture();
    ReportBuilder b(f.rollout, f.checks, opts());
    ReportPdfWriter w(b);
    QCOMPARE(w.pageCount(), m_pages);
    for (int i : {0, 1, m_pages - 1}) {
        const QImage img = w.renderPage(i, 600);
        QCOMPARE(img.width(), 600);
        QVERIFY(std::abs(img.height() - 849) <= 1);  // A4 proportions
        QVERIFY2(nonWhite(img) > 2000, qPrintable(QString::number(i)));
        // Nothing painted into the side margins (text and tables stay within the page width).
        const int margin = int(600 * 15 / 210.0) - 4;
        QImage im = img.convertToFormat(QImage::Format_RGB32);
        for (int y = 0; y < im.height(); ++y)
            for (int x : {0, margin / 2, margin, im.width() - margin, im.width() - 1 - margin / 2}) {
                const QRgb px = im.pixel(x, y);
                QVERIFY2(qRed(px) > 235 && qGreen(px) > 235 && qBlue(px) > 235,
                         qPrintable(QStringLiteral("page %1 pixel %2,%3 is not white").arg(i).arg(x).arg(y)));
            }
    }
    QVERIFY(w.renderPage(m_pages, 600).isNull());
    QVERIFY(w.renderPage(-1, 600).isNull());
    // The title page is not the body's first page.
    QVERIFY(w.renderPage(0, 300) != w.renderPage(1, 300));
}

void TestReportPdf::writeRefusals()
{
    const Fixture f = makeFixture();
    ReportBuilder b(f.rollout, f.checks, opts());
    ReportPdfWriter w(b);
    QString err;
    // Existing file kept.
    const QString existing = m_dir.filePath(QStringLiteral("existing.pdf"));
    testutil::writeFile(existing, "old");
    QVERIFY(!w.write(existing, false, &err));
    QVERIFY2(err.contains(existing) && err.contains(QStringLiteral("exists")), qPrintable(err));
    QCOMPARE(testutil::readFile(existing), QByteArray("old"));
    QVERIFY2(w.write(existing, true, &err), qPrintable(err));
    QVERIFY(testutil::readFile(existing).startsWith("%PDF-"));
    // Unwritable: below a regular file.
    QTemporaryFile plain;
    QVERIFY(plain.open());
    plain.close();
    const QString bad = plain.fileName() + QStringLiteral("/report.pdf");
    QVERIFY(!w.write(bad, true, &err));
    QVERIFY2(err.contains(plain.fileName()), qPrintable(err));
    QVERIFY(!QFileInfo::exists(bad));
}

QTEST_MAIN(TestReportPdf)
#include "tst_reportpdf.moc"
