#include "demo/DemoWorkspace.h"

#include "archive/ArchiveLocation.h"
#include "archive/ArchiveStore.h"
#include "archive/RestoreService.h"
#include "common/AtomicFile.h"
#include "common/Workspace.h"
#include "evidence/EvidenceLog.h"
#include "proxy/EndpointStore.h"
#include "proxy/Simulator.h"
#include "rollout/RolloutStore.h"

#include <QDir>
#include <QTemporaryDir>

namespace codex::demo {

namespace {

const char *const kRepos[] = {"codex/archive", "codex/proxy", "codex/cli", "tools/migrations"};
const char *const kLanguages[] = {"python", "python", "rust", "sql"};
const char *const kActors[] = {"alice", "bob", "carol"};
const char *const kReasons[] = {"dead", "pruned", "legacy", "replaced"};

QByteArray sampleContent(int i)
{
    QByteArray out;
    out += "# demo item " + QByteArray::number(i) + "\n";
    out += "def handler_" + QByteArray::number(i) + "(request):\n";
    for (int line = 0; line < 3 + i % 11; ++line)
        out += "    value_" + QByteArray::number(line) + " = request.get('field_" + QByteArray::number(line) + "')\n";
    out += "    return None\n";
    return out;
}

}  // namespace

DemoWorkspace::DemoWorkspace() = default;

DemoWorkspace::~DemoWorkspace()
{
    if (m_sim)
        m_sim->close();
    m_sim.reset();
}

QString DemoWorkspace::root() const
{
    return m_dir ? m_dir->path() : QString();
}

QString DemoWorkspace::simulatorUrl() const
{
    return m_sim ? m_sim->baseUrl() : QString();
}

proxy::Simulator *DemoWorkspace::simulator() const
{
    return m_sim.get();
}

bool DemoWorkspace::create(const DemoOptions &options, QString *error)
{
    auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/codex-admin-demo-XXXXXX"));
    if (!m_dir->isValid())
        return fail(QStringLiteral("cannot create the demo workspace in %1: %2").arg(QDir::tempPath(), m_dir->errorString()));
    const Workspace ws(m_dir->path());
    QString err;
    if (!writeFileAtomically(ws.archiveConfigPath(),
                             "# Codex Admin demo workspace (temporary)\n[backend]\ntype = \"sqlite\"\n"
                             "url = \"sqlite:///./.codex/archive.sqlite\"\n",
                             &err))
        return fail(err);

    // --- Archive with sample items ------------------------------------------------------------
    archive::ArchiveError aerr;
    auto location = archive::ArchiveLocation::fromUrl(QStringLiteral("sqlite:///./.codex/archive.sqlite"), ws.root(), &aerr);
    if (!location)
        return fail(QStringLiteral("demo archive: %1").arg(aerr.message));
    location->sqliteSyncEachCommit = false;
    auto store = archive::ArchiveStore::open(*location, archive::ArchiveStore::OpenMode::CreateIfMissing, &aerr);
    if (!store || !store->ensureSchema(&aerr))
        return fail(QStringLiteral("demo archive: %1").arg(aerr.message));
    QStringList tombstones;
    for (int i = 0; i < options.items; ++i) {
        archive::StoreRequest req;
        const int k = i % 4;
        req.repo = QString::fromLatin1(kRepos[k]);
        req.language = QString::fromLatin1(kLanguages[k]);
        const char *suffix = k == 2 ? ".rs" : k == 3 ? ".sql" : ".py";
        req.path = QStringLiteral("src/module_%1/file_%2%3").arg(i % 13).arg(i).arg(QLatin1String(suffix));
        req.commitSha = QStringLiteral("%1").arg(quint64(0x9a3f00 + i) * 2654435761ULL % 0xffffffffffULL, 40, 16, QLatin1Char('0'));
        req.actor = QString::fromLatin1(kActors[i % 3]);
        req.reason = QString::fromLatin1(kReasons[i % 4]);
        req.content = sampleContent(i);
        req.compression = i % 2 ? QStringLiteral("zlib") : QStringLiteral("zstd");
        req.archivedAt = QStringLiteral("2026-%1-%2T%3:15:00Z")
                             .arg(1 + i % 12, 2, 10, QLatin1Char('0'))
                             .arg(1 + i % 28, 2, 10, QLatin1Char('0'))
                             .arg(8 + i % 10, 2, 10, QLatin1Char('0'));
        if (i % 10 == 0)
            req.tags = {QStringLiteral("demo")};
        const auto t = store->store(req, &aerr);
        if (!t)
            return fail(QStringLiteral("demo archive: item %1: %2").arg(i).arg(aerr.message));
        tombstones << *t;
    }
    m_items = int(tombstones.size());

    // --- A few real restores, so the evidence log has RESTORE lines with real durations ------
    evidence::EvidenceLog log(ws.evidenceLogPath());
    archive::RestoreService restore(*store, &log);
    const QString restoredRoot = QDir(ws.root()).filePath(QStringLiteral("restored"));
    const int restores = std::min(options.restores, m_items);
    for (int i = 0; i < restores; ++i) {
        const int idx = (i * 7) % m_items;
        archive::RestoreRequest rr;
        rr.tombstone = tombstones.at(idx);
        rr.output = QDir(restoredRoot).filePath(QStringLiteral("item_%1.txt").arg(idx));
        rr.evidencePath = QStringLiteral("restored/item_%1.txt").arg(idx);
        rr.actor = QString::fromLatin1(kActors[i % 3]);
        rr.conflict = archive::ConflictPolicy::RenameWithSuffix;
        rr.syncFile = false;
        const archive::RestoreResult r = restore.restore(rr);
        if (!r.ok)
            return fail(QStringLiteral("demo restore of %1: %2").arg(rr.tombstone, r.error.message));
        ++m_restored;
    }
    store.reset();

    // --- The simulator and the endpoint environment -----------------------------------------
    proxy::SimulatorOptions so;
    so.profileId = options.profileId;
    so.tokenIntervalMs = options.tokenIntervalMs;
    so.latencyMeanMs = options.latencyMeanMs;
    m_sim = std::make_unique<proxy::Simulator>(so);
    if (!m_sim->listen(QHostAddress::LocalHost, 0, &err))
        return fail(QStringLiteral("demo simulator: %1").arg(err));

    proxy::EndpointStore endpoints(ws.codexDir());
    proxy::Environment env;
    env.name = environmentName();
    env.baseUrl = QUrl(m_sim->baseUrl());
    env.profileId = options.profileId;
    env.timeoutMs = 30000;
    endpoints.environments = {env};
    if (!endpoints.save(&err))
        return fail(QStringLiteral("demo endpoints: %1").arg(err));

    // --- A rollout from both seeds' checklists, nothing ticked yet ---------------------------
    rollout::RolloutStore rollouts;
    const QString rolloutDb = rollout::RolloutStore::defaultPath(ws.root());
    if (const rollout::StoreResult opened = rollouts.open(rolloutDb); !opened)
        return fail(QStringLiteral("demo rollouts: %1").arg(opened.message));
    if (const rollout::StoreResult made = rollouts.create(rolloutName(), rollout::ChecklistTemplate::builtIn(),
                                                          QStringLiteral("demo"));
        !made)
        return fail(QStringLiteral("demo rollout: %1").arg(made.message));
    return true;
}

}  // namespace codex::demo
