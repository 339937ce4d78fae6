// codex-admin --demo's workspace: a temporary folder with archive.toml (SQLite), an archive of
// sample items, real restores in the evidence log, the simulator running and endpoints.json
// pointing at it. Removed when the object goes.
#include "TestUtil.h"

#include "archive/ArchiveLocation.h"
#include "archive/ArchiveStore.h"
#include "common/Workspace.h"
#include "demo/DemoWorkspace.h"
#include "evidence/EvidenceReader.h"
#include "proxy/EndpointClient.h"
#include "proxy/EndpointStore.h"
#include "proxy/Simulator.h"

#include <QtTest>

using namespace codex;

class TestDemoWorkspace : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void createsEverything()
    {
        QString root;
        {
            demo::DemoWorkspace ws;
            demo::DemoOptions o;
            o.items = 60;
            o.restores = 12;
            o.tokenIntervalMs = 1;
            o.latencyMeanMs = 0;
            QString error;
            QVERIFY2(ws.create(o, &error), qPrintable(error));
            root = ws.root();
            QVERIFY(QFileInfo(root).isDir());
            QCOMPARE(ws.archivedItems(), 60);
            QCOMPARE(ws.restoredItems(), 12);
            const Workspace w(root);

            // archive.toml names the SQLite backend, and the archive opens with N items.
            const QByteArray toml = testutil::readFile(w.archiveConfigPath());
            QVERIFY(toml.contains("sqlite"));
            archive::ArchiveError aerr;
            auto location = archive::ArchiveLocation::fromUrl(QStringLiteral("sqlite:///./.codex/archive.sqlite"), root, &aerr);
            QVERIFY2(location, qPrintable(aerr.message));
            auto store = archive::ArchiveStore::open(*location, archive::ArchiveStore::OpenMode::ExistingOnly, &aerr);
            QVERIFY2(store, qPrintable(aerr.message));
            QCOMPARE(store->countItems({}, &aerr), qint64(60));
            archive::ItemFilter restored;
            restored.restored = true;
            QCOMPARE(store->countItems(restored, &aerr), qint64(12));
            store.reset();

            // RESTORE evidence lines with real durations; the files are there.
            int restores = 0;
            bool durations = true;
            QVERIFY(evidence::EvidenceReader::read(
                w.evidenceLogPath(),
                [&](const evidence::EvidenceRecord &r) {
                    if (r.action == QLatin1String("RESTORE")) {
                        ++restores;
                        durations = durations && r.fields.contains(QStringLiteral("duration_ms"));
                    }
                    return true;
                },
                [](const evidence::EvidenceProblem &p) { qWarning("evidence problem line %lld: %s", p.line, qPrintable(p.message)); }));
            QCOMPARE(restores, 12);
            QVERIFY(durations);
            QCOMPARE(QDir(QDir(root).filePath(QStringLiteral("restored"))).entryList(QDir::Files).size(), 12);

            // endpoints.json: the "demo simulator" environment points at the running simulator.
            proxy::EndpointStore endpoints(w.codexDir());
            QVERIFY2(endpoints.load(&error), qPrintable(error));
            QCOMPARE(endpoints.environments.size(), 1);
            QCOMPARE(endpoints.environments.first().name, QStringLiteral("demo simulator"));
            QCOMPARE(endpoints.environments.first().baseUrl, QUrl(ws.simulatorUrl()));
            QVERIFY(ws.simulatorUrl().startsWith(QLatin1String("http://127.0.0.1:")));
            QVERIFY(!testutil::readFile(endpoints.filePath()).contains("token\":\""));

            // The simulator answers.
            proxy::EndpointClient client;
            proxy::ProxyRequest req;
            req.method = "GET";
            req.path = QStringLiteral("/health");
            const proxy::ProxyResponse r = client.run(endpoints.environments.first(), req);
            QCOMPARE(r.status, 200);
            QVERIFY(ws.simulator()->requestsServed() >= 1);
        }
        QVERIFY2(!QFileInfo::exists(root), "the demo workspace is removed with the object");
    }
};

QTEST_GUILESS_MAIN(TestDemoWorkspace)
#include "tst_demoworkspace.moc"
