// Evidence for rollouts (rollout/EvidenceCollector): endpoint suite files and the items they tick,
// a redacted config snapshot, archive health checks, batch results and the evidence-log summary —
// all from temporary workspaces.
#include "archive/ArchiveLocation.h"
#include "archive/ArchiveStore.h"
#include "config/ConfigJson.h"
#include "config/ConfigResolver.h"
#include "config/PrecedenceProfile.h"
#include "evidence/EvidenceLog.h"
#include "proxy/TestSuite.h"
#include "rollout/EvidenceCollector.h"

#include "TestUtil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace codex::rollout;
using PV = codex::proxy::Verdict;

namespace {

codex::proxy::CaseResult makeCase(const QString &id, const QString &item, PV v)
{
    codex::proxy::CaseResult c;
    c.id = id;
    c.title = id;
    c.checklistItem = item;
    c.group = QStringLiteral("g");
    c.verdict = v;
    if (v == PV::Skipped)
        c.skipReason = QStringLiteral("not configured");
    return c;
}

QByteArray suiteJson(const QList<codex::proxy::CaseResult> &cases, const QString &baseUrl = QStringLiteral("http://127.0.0.1:8000"))
{
    codex::proxy::SuiteResult s;
    s.suite = QStringLiteral("presets");
    s.environment = QStringLiteral("staging");
    s.baseUrl = baseUrl;
    s.profileId = QStringLiteral("fork");
    s.startedAtMs = 1795000000000;
    s.finishedAtMs = 1795000005000;
    s.cases = cases;
    return QJsonDocument(s.toJson()).toJson();
}

RolloutItem item(const QString &key, const QString &suiteItem)
{
    RolloutItem it;
    it.def.key = key;
    it.def.text = suiteItem.isEmpty() ? key : suiteItem;
    it.def.suiteItem = suiteItem;
    return it;
}

class EnvGuard {
public:
    EnvGuard(const char *name, const QByteArray &value) : m_name(name), m_had(qEnvironmentVariableIsSet(name)), m_old(qgetenv(name))
    {
        qputenv(name, value);
    }
    ~EnvGuard()
    {
        if (m_had)
            qputenv(m_name, m_old);
        else
            qunsetenv(m_name);
    }

private:
    const char *m_name;
    bool m_had;
    QByteArray m_old;
};

}  // namespace

class TestEvidenceCollector : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_n = 0;

    QString workspace()
    {
        const QString root = m_dir.filePath(QStringLiteral("ws%1").arg(++m_n));
        QDir().mkpath(root + QStringLiteral("/.codex"));
        return root;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qunsetenv("CODEX_EVIDENCE_DIR");
        qunsetenv("CODEX_ARCHIVE_URL");
        qunsetenv("CODEX_ARCHIVE_CONFIG");
        qunsetenv("CODEX_ARCHIVE_BACKEND");
    }

    void suiteFileRoundTripAndMatch()
    {
        const QString ws = workspace();
        const QString path = ws + QStringLiteral("/.codex/reports/endpoint-suite-20261125-101500.json");
        testutil::writeFile(path, suiteJson({makeCase(QStringLiteral("r1"), QStringLiteral("Basic Codex responses endpoint"), PV::Pass),
                                             makeCase(QStringLiteral("r2"), QStringLiteral("Basic Codex responses endpoint"), PV::Pass),
                                             makeCase(QStringLiteral("s1"), QStringLiteral("Streaming responses"), PV::Fail),
                                             makeCase(QStringLiteral("s2"), QStringLiteral("Streaming responses"), PV::Pass),
                                             makeCase(QStringLiteral("i1"), QStringLiteral("Instruction injection modes"), PV::Skipped),
                                             makeCase(QStringLiteral("p1"), QStringLiteral("Parameter propagation"), PV::Inconclusive)},
                                            QStringLiteral("http://alice:hunter2@127.0.0.1:8000")));
        QString error;
        const auto e = EvidenceCollector::fromSuiteFile(path, ws, QStringLiteral("ada"), &error);
        QVERIFY2(e, qPrintable(error));
        QCOMPARE(e->kind, EvidenceKind::EndpointSuite);
        QCOMPARE(e->createdBy, QStringLiteral("ada"));
        QCOMPARE(e->source, QStringLiteral(".codex/reports/endpoint-suite-20261125-101500.json"));
        QVERIFY(!e->passed);
        QVERIFY2(e->title.startsWith(QLatin1String("Endpoint suite: 3 passed, 1 failed, 1 skipped, 1 inconclusive (staging, http://")),
                 qPrintable(e->title));
        QVERIFY(e->summary.contains(QLatin1String("first failure: s1")));
        const QByteArray payload = QJsonDocument(e->payload).toJson();
        QVERIFY(!payload.contains("hunter2"));
        QVERIFY(!e->title.contains(QLatin1String("hunter2")));
        const auto back = codex::proxy::SuiteResult::fromJson(e->payload, &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->cases.size(), 6);
        QCOMPARE(e->createdAt.toMSecsSinceEpoch(), qint64(1795000005000));

        Rollout r;
        r.items << item(QStringLiteral("x.responses"), QStringLiteral("Basic Codex responses endpoint"))
                << item(QStringLiteral("x.streaming"), QStringLiteral("Streaming responses"))
                << item(QStringLiteral("x.injection"), QStringLiteral("Instruction injection modes"))
                << item(QStringLiteral("x.params"), QStringLiteral("Parameter propagation"))
                << item(QStringLiteral("x.errors"), QStringLiteral("Error handling and fallbacks"))
                << item(QStringLiteral("x.plain"), QString());
        const auto m = EvidenceCollector::matchSuite(r, *e);
        QCOMPARE(m.tick, QStringList{QStringLiteral("x.responses")});
        QCOMPARE(m.failed, QStringList{QStringLiteral("x.streaming")});
        QCOMPARE(m.attach, (QStringList{QStringLiteral("x.responses"), QStringLiteral("x.streaming"), QStringLiteral("x.injection"),
                                        QStringLiteral("x.params")}));

        // All passing: passed, and latestSuiteFile picks the newest by name.
        const QString newer = ws + QStringLiteral("/.codex/reports/endpoint-suite-20261125-111500.json");
        testutil::writeFile(newer, suiteJson({makeCase(QStringLiteral("r1"), QStringLiteral("Streaming responses"), PV::Pass),
                                              makeCase(QStringLiteral("r2"), QStringLiteral("x"), PV::Skipped)}));
        testutil::writeFile(ws + QStringLiteral("/.codex/reports/other.json"), "{}");
        QCOMPARE(EvidenceCollector::latestSuiteFile(ws), newer);
        const auto ok = EvidenceCollector::fromSuiteFile(newer, ws, QStringLiteral("ada"), &error);
        QVERIFY(ok && ok->passed);
        QVERIFY2(ok->title.startsWith(QLatin1String("Endpoint suite: 1 passed, 0 failed, 1 skipped")), qPrintable(ok->title));
        QCOMPARE(EvidenceCollector::matchSuite(r, *ok).tick, QStringList{QStringLiteral("x.streaming")});

        // Nothing ran: not passed.
        const QString skipped = ws + QStringLiteral("/.codex/reports/endpoint-suite-20261125-121500.json");
        testutil::writeFile(skipped, suiteJson({makeCase(QStringLiteral("r1"), QStringLiteral("Streaming responses"), PV::Skipped)}));
        const auto none = EvidenceCollector::fromSuiteFile(skipped, ws, QStringLiteral("ada"), &error);
        QVERIFY(none && !none->passed);
        QVERIFY(EvidenceCollector::matchSuite(r, *none).tick.isEmpty());
        QCOMPARE(EvidenceCollector::matchSuite(r, *none).attach, QStringList{QStringLiteral("x.streaming")});
        QCOMPARE(EvidenceCollector::latestSuiteFile(workspace()), QString());
    }

    void malformedSuiteFiles()
    {
        const QString ws = workspace();
        QString error;
        const QString broken = ws + QStringLiteral("/.codex/reports/endpoint-suite-1.json");
        testutil::writeFile(broken, "{\n  \"schema\": \"codex-admin/endpoint-suite/1\",\n  \"cases\": [ oops ]\n}\n");
        QVERIFY(!EvidenceCollector::fromSuiteFile(broken, ws, QStringLiteral("ada"), &error));
        QVERIFY2(error.startsWith(QLatin1String(".codex/reports/endpoint-suite-1.json:3:")), qPrintable(error));

        const QString wrong = ws + QStringLiteral("/wrong.json");
        testutil::writeFile(wrong, R"({"schema":"something/else","cases":[]})");
        QVERIFY(!EvidenceCollector::fromSuiteFile(wrong, ws, QStringLiteral("ada"), &error));
        QVERIFY2(error.startsWith(QLatin1String("wrong.json: not an endpoint suite run")) && error.contains(QLatin1String("something/else")),
                 qPrintable(error));

        const QString array = ws + QStringLiteral("/array.json");
        testutil::writeFile(array, "[1]");
        QVERIFY(!EvidenceCollector::fromSuiteFile(array, ws, QStringLiteral("ada"), &error));
        QVERIFY2(error.contains(QLatin1String("array.json")), qPrintable(error));

        QVERIFY(!EvidenceCollector::fromSuiteFile(ws + QStringLiteral("/missing.json"), ws, QStringLiteral("ada"), &error));
        QCOMPARE(error, QStringLiteral("missing.json: no such file"));
    }

    void configSnapshotRedactsPasswords()
    {
        // File: generation A reads it whole and ignores the environment — both show, neither leaks.
        const QString ws = workspace();
        testutil::writeFile(ws + QStringLiteral("/.codex/archive.toml"),
                            "[backend]\ntype = \"postgres\"\nurl = \"postgresql://archivist:FileSecretPw1@db.example.com:5432/archive\"\n"
                            "[retry]\nenabled = true\n");
        {
            EnvGuard env("CODEX_ARCHIVE_URL", "postgresql://envuser:EnvSecretPw2@db2.example.com/archive");
            const Evidence e = EvidenceCollector::configSnapshot(ws, QStringLiteral("ada"));
            QCOMPARE(e.kind, EvidenceKind::ConfigSnapshot);
            const QByteArray all = QJsonDocument(e.payload).toJson() + e.title.toUtf8() + e.summary.toUtf8() + e.source.toUtf8();
            QVERIFY2(!all.contains("FileSecretPw1"), all.constData());
            QVERIFY2(!all.contains("EnvSecretPw2"), all.constData());
            QVERIFY(all.contains("***@db.example.com"));
            QVERIFY(e.passed);
            QCOMPARE(e.payload.value(QStringLiteral("profile")).toString(), QStringLiteral("a"));
            // Every key with effective value, origin and what it hides; the env URL is listed as ignored.
            const QJsonArray keys = e.payload.value(QStringLiteral("keys")).toArray();
            QVERIFY(keys.size() >= 10);
            bool sawUrl = false;
            for (const QJsonValue &v : keys) {
                const QJsonObject k = v.toObject();
                QVERIFY(k.contains(QStringLiteral("value")) && k.contains(QStringLiteral("origin")) && k.contains(QStringLiteral("shadowed")));
                if (k.value(QStringLiteral("key")).toString() == QLatin1String("backend.url")) {
                    sawUrl = true;
                    QCOMPARE(k.value(QStringLiteral("source")).toString(), QStringLiteral("file"));
                    QVERIFY(k.value(QStringLiteral("origin")).toString().startsWith(QLatin1String(".codex/archive.toml:3")));
                    QVERIFY(!k.value(QStringLiteral("ignored")).toArray().isEmpty());
                }
            }
            QVERIFY(sawUrl);
            QVERIFY2(e.title.startsWith(QLatin1String("Config snapshot: profile a, .codex/archive.toml")), qPrintable(e.title));

            // The same JSON as `config show --json` (resolvedConfigToJson, not revealed).
            codex::config::ConfigInputs in;
            in.workspace = ws;
            for (const QString &name : QProcessEnvironment::systemEnvironment().keys())
                in.environment.insert(name, QProcessEnvironment::systemEnvironment().value(name));
            const auto rc = codex::config::ConfigResolver::resolve(*codex::config::PrecedenceProfile::byId(QStringLiteral("a")), in);
            QCOMPARE(e.payload, codex::config::resolvedConfigToJson(rc, false));
            QVERIFY(QJsonDocument(codex::config::resolvedConfigToJson(rc, true)).toJson().contains("FileSecretPw1"));
        }
        // No file: the environment wins, still masked.
        const QString ws2 = workspace();
        EnvGuard env("CODEX_ARCHIVE_URL", "postgresql://envuser:EnvSecretPw3@db3.example.com/archive");
        const Evidence e2 = EvidenceCollector::configSnapshot(ws2, QStringLiteral("ada"));
        const QByteArray all2 = QJsonDocument(e2.payload).toJson() + e2.title.toUtf8() + e2.summary.toUtf8();
        QVERIFY2(!all2.contains("EnvSecretPw3"), all2.constData());
        QVERIFY(all2.contains("***@db3.example.com"));
        QCOMPARE(e2.source, QStringLiteral("environment and defaults"));
    }

    void healthCheckOfMissingArchive()
    {
        const QString ws = workspace();
        const Evidence e = EvidenceCollector::healthCheck(ws, QStringLiteral("ada"));
        QCOMPARE(e.kind, EvidenceKind::HealthCheck);
        QVERIFY(!e.passed);
        QVERIFY2(e.title.startsWith(QLatin1String("Health check: FAILED (sqlite")) && e.title.contains(QLatin1String("not reachable")),
                 qPrintable(e.title));
        QCOMPARE(e.payload.value(QStringLiteral("reachable")).toBool(), false);
        QCOMPARE(e.payload.value(QStringLiteral("status")).toString(), QStringLiteral("FAILED"));
        QVERIFY(!e.summary.isEmpty());
        // The health check created nothing.
        QVERIFY(!QFile::exists(ws + QStringLiteral("/.codex/archive.sqlite")));
    }

    void healthCheckOfFreshSqliteArchive()
    {
        const QString ws = workspace();
        codex::archive::ArchiveError err;
        const auto loc = codex::archive::ArchiveLocation::fromUrl(QStringLiteral("sqlite:///.codex/archive.sqlite"), ws, &err);
        QVERIFY2(loc, qPrintable(err.message));
        {
            auto store = codex::archive::ArchiveStore::open(*loc, codex::archive::ArchiveStore::OpenMode::CreateIfMissing, &err);
            QVERIFY2(store, qPrintable(err.message));
        }
        const Evidence e = EvidenceCollector::healthCheck(ws, QStringLiteral("ada"));
        QVERIFY2(e.passed, qPrintable(e.title + QLatin1Char(' ') + e.summary));
        QCOMPARE(e.title, QStringLiteral("Health check: OK (sqlite, 0 items)"));
        QCOMPARE(e.payload.value(QStringLiteral("status")).toString(), QStringLiteral("OK"));
    }

    void batchResultsFromTheLog()
    {
        const QString ws = workspace();
        codex::evidence::EvidenceLog log(ws + QStringLiteral("/.codex/evidence/archive_ops.jsonl"));
        QString error;
        const QDateTime t0(QDate(2026, 11, 25), QTime(10, 0), Qt::UTC);
        auto batch = [&](const QString &results, int total, int ok, const QDateTime &t) {
            QVERIFY(log.append(QStringLiteral("BATCH_RESTORE"),
                               {{QStringLiteral("actor"), QStringLiteral("ops")},
                                {QStringLiteral("manifest"), QStringLiteral("manifests/small_manifest.json")},
                                {QStringLiteral("total"), total},
                                {QStringLiteral("succeeded"), ok},
                                {QStringLiteral("failed"), total - ok},
                                {QStringLiteral("duration_ms"), 1234},
                                {QStringLiteral("results"), results}},
                               &error, t));
        };
        QVERIFY(log.append(QStringLiteral("RESTORE"), {{QStringLiteral("tombstone"), QStringLiteral("t")}}, &error, t0));
        batch(QStringLiteral("batch_restore_20261125_100000.json"), 2, 2, t0);
        batch(QStringLiteral("gone/batch_restore_20261125_110000.json"), 3, 3, t0.addSecs(3600));
        batch(QStringLiteral("batch_restore_20261125_120000.json"), 2, 1, t0.addSecs(7200));
        const QJsonObject okResults{{QStringLiteral("total"), 2}, {QStringLiteral("succeeded"), 2}, {QStringLiteral("failed"), 0},
                                    {QStringLiteral("duration_ms"), 1234}, {QStringLiteral("results"), QJsonArray{}}};
        testutil::writeFile(ws + QStringLiteral("/batch_restore_20261125_100000.json"), QJsonDocument(okResults).toJson());
        const QJsonObject failResults{
            {QStringLiteral("total"), 2},
            {QStringLiteral("succeeded"), 1},
            {QStringLiteral("failed"), 1},
            {QStringLiteral("duration_ms"), 900},
            {QStringLiteral("results"),
             QJsonArray{QJsonObject{{QStringLiteral("tombstone"), QStringLiteral("tb-1")}, {QStringLiteral("status"), QStringLiteral("SUCCESS")}},
                        QJsonObject{{QStringLiteral("tombstone"), QStringLiteral("tb-2")},
                                    {QStringLiteral("status"), QStringLiteral("FAILED")},
                                    {QStringLiteral("detail"), QStringLiteral("Backend access error: postgresql://u:Pw9secret@db/x refused")}}}}};
        testutil::writeFile(ws + QStringLiteral("/batch_restore_20261125_120000.json"), QJsonDocument(failResults).toJson());

        const QList<Evidence> all = EvidenceCollector::batchResults(ws, QStringLiteral("ada"));
        QCOMPARE(all.size(), 3);
        // Newest first.
        QVERIFY2(all[0].title.startsWith(QLatin1String("Batch restore: 1 of 2 succeeded, 1 failed (small_manifest.json")), qPrintable(all[0].title));
        QVERIFY(!all[0].passed);
        QVERIFY2(all[0].summary.contains(QLatin1String("first failure: tb-2")), qPrintable(all[0].summary));
        QVERIFY(!QJsonDocument(all[0].payload).toJson().contains("Pw9secret"));
        QVERIFY(!all[0].summary.contains(QLatin1String("Pw9secret")));
        QCOMPARE(all[0].payload.value(QStringLiteral("results")).toObject().value(QStringLiteral("failed")).toInt(), 1);
        QCOMPARE(all[0].createdAt, t0.addSecs(7200));
        QVERIFY(all[1].passed);
        QVERIFY(all[1].payload.value(QStringLiteral("results_error")).toString().contains(QLatin1String("no longer exists")));
        QVERIFY(all[2].passed);
        QVERIFY(all[2].payload.contains(QStringLiteral("results")));
        QCOMPARE(all[2].payload.value(QStringLiteral("record")).toObject().value(QStringLiteral("total")).toInt(), 2);
        QCOMPARE(all[2].payload.value(QStringLiteral("line")).toInt(), 2);

        QCOMPARE(EvidenceCollector::batchResults(ws, QStringLiteral("ada"), 1).size(), 1);
        QCOMPARE(EvidenceCollector::batchResults(ws, QStringLiteral("ada"), 1).first().title, all[0].title);
        QVERIFY(EvidenceCollector::batchResults(workspace(), QStringLiteral("ada")).isEmpty());
    }

    void evidenceLogSummary()
    {
        const QString ws = workspace();
        Evidence e = EvidenceCollector::evidenceLogSummary(ws, QStringLiteral("ada"));
        QVERIFY(!e.passed);
        QCOMPARE(e.title, QStringLiteral("Evidence log: .codex/evidence/archive_ops.jsonl does not exist"));

        const QString path = ws + QStringLiteral("/.codex/evidence/archive_ops.jsonl");
        testutil::writeFile(path, QByteArray(R"({"action":"ARCHIVE","actor":"a","ts":"2026-11-25T10:00:00Z"})" "\n"
                                             R"({"action":"RESTORE","actor":"a","duration_ms":12,"ts":"2026-11-25T10:01:00Z"})" "\n"
                                             R"({"action":"RESTORE","actor":"a","duration_ms":14,"ts":"2026-11-25T10:02:00Z"})" "\n"));
        e = EvidenceCollector::evidenceLogSummary(ws, QStringLiteral("ada"));
        QVERIFY(e.passed);
        QCOMPARE(e.title, QStringLiteral("Evidence log: 3 records, 0 malformed lines"));
        QCOMPARE(e.payload.value(QStringLiteral("by_action")).toObject().value(QStringLiteral("RESTORE")).toInt(), 2);
        QCOMPARE(e.payload.value(QStringLiteral("first_ts")).toString(), QStringLiteral("2026-11-25T10:00:00Z"));
        QCOMPARE(e.payload.value(QStringLiteral("last_ts")).toString(), QStringLiteral("2026-11-25T10:02:00Z"));
        QCOMPARE(e.source, QStringLiteral(".codex/evidence/archive_ops.jsonl"));

        QFile f(path);
        QVERIFY(f.open(QIODevice::Append));
        f.write("garbage\n");
        f.close();
        e = EvidenceCollector::evidenceLogSummary(ws, QStringLiteral("ada"));
        QVERIFY(!e.passed);
        QCOMPARE(e.payload.value(QStringLiteral("malformed")).toInt(), 1);
        QCOMPARE(e.payload.value(QStringLiteral("malformed_lines")).toArray().first().toObject().value(QStringLiteral("line")).toInt(), 4);
        QVERIFY(e.summary.contains(QLatin1String("first malformed line 4")));
    }

    void metricSnapshotKeepsValuesAndPng()
    {
        MetricSnapshot s;
        s.takenAt = QDateTime(QDate(2026, 11, 25), QTime(10, 0), Qt::UTC);
        s.source = QStringLiteral("scrape http://user:Secret77@127.0.0.1:9/metrics");
        s.windowMs = 60000;
        s.values = {{QStringLiteral("request_rate"), 2.5}, {QStringLiteral("error_ratio"), 0.01}, {QStringLiteral("p95_ms"), 120.0}};
        s.activeBreaches = {QStringLiteral("error rate 1.0 % > 0.1 %")};
        const QByteArray png("\x89PNG\r\n\x1a\nfake", 12);
        const Evidence e = EvidenceCollector::metricSnapshot(s, QStringLiteral("Canary"), png, QStringLiteral("ada"));
        QCOMPARE(e.kind, EvidenceKind::MetricSnapshot);
        QCOMPARE(e.png, png);
        QCOMPARE(e.title, QStringLiteral("Canary"));
        QVERIFY(!e.passed);
        QCOMPARE(e.createdAt, s.takenAt);
        QVERIFY(!QJsonDocument(e.payload).toJson().contains("Secret77"));
        const MetricSnapshot back = MetricSnapshot::fromJson(e.payload);
        QCOMPARE(back.values.value(QStringLiteral("p95_ms")).toDouble(), 120.0);
        QCOMPARE(back.activeBreaches, s.activeBreaches);
        QVERIFY2(e.summary.contains(QLatin1String("request rate 2.50 req/s")) && e.summary.contains(QLatin1String("p95 120 ms")),
                 qPrintable(e.summary));
    }

    void prometheusBadUrls()
    {
        QString error;
        QVERIFY(!EvidenceCollector::metricSnapshotFromPrometheus(QStringLiteral("ftp://u:TopSecret@host/"), QString(), 60000,
                                                                 QStringLiteral("ada"), &error));
        QVERIFY2(error.startsWith(QLatin1String("Prometheus ftp://***@host/")), qPrintable(error));
        QVERIFY(!error.contains(QLatin1String("TopSecret")));
        // A malformed monitor.json is reported, not silently replaced by defaults.
        const QString ws = workspace();
        testutil::writeFile(ws + QStringLiteral("/.codex/monitor.json"), "{ nope");
        QVERIFY(!EvidenceCollector::metricSnapshotFromPrometheus(QStringLiteral("http://127.0.0.1:1"), ws, 60000, QStringLiteral("ada"), &error));
        QVERIFY2(error.contains(QLatin1String("monitor.json")), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestEvidenceCollector)
#include "tst_evidencecollector.moc"
