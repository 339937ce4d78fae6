#pragma once

#include <QString>

#include <memory>

class QTemporaryDir;

namespace codex::proxy {
class Simulator;
}

namespace codex::demo {

struct DemoOptions {
    int items = 200;            ///< sample items archived
    int restores = 20;          ///< of them really restored into <root>/restored (RESTORE evidence lines)
    double tokenIntervalMs = 30;  ///< simulator: pause between streamed deltas (streaming visible)
    double latencyMeanMs = 40;    ///< simulator: mean extra latency
    QString profileId = QStringLiteral("fork");
};

/// `codex-admin --demo`: a temporary workspace (removed when this object goes) with
/// `.codex/archive.toml` (SQLite backend), an archive of sample items, a few real restores in the
/// evidence log, the ccproxy simulator running in-process on 127.0.0.1 (port chosen by the
/// system), `.codex/endpoints.json` with an environment "demo simulator" pointing at it, and
/// `.codex/rollouts.sqlite` with one rollout started from both seeds' checklists.
/// Lives on the GUI thread (the simulator accepts there and serves on its worker threads).
class DemoWorkspace {
public:
    DemoWorkspace();
    ~DemoWorkspace();
    DemoWorkspace(const DemoWorkspace &) = delete;
    DemoWorkspace &operator=(const DemoWorkspace &) = delete;

    /// Builds everything; false and *error (naming the step and file) on failure.
    bool create(const DemoOptions &options, QString *error);

    QString root() const;
    QString simulatorUrl() const;            ///< http://127.0.0.1:PORT
    proxy::Simulator *simulator() const;
    QString environmentName() const { return QStringLiteral("demo simulator"); }
    /// The rollout made from both seeds' checklists in `.codex/rollouts.sqlite`.
    static QString rolloutName() { return QStringLiteral("Codex parity + archive improvements (demo)"); }
    int archivedItems() const { return m_items; }
    int restoredItems() const { return m_restored; }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<proxy::Simulator> m_sim;
    int m_items = 0;
    int m_restored = 0;
};

}  // namespace codex::demo
