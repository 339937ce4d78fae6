#pragma once

#include "rollout/CriteriaEvaluator.h"
#include "rollout/EvidenceCollector.h"
#include "rollout/ReportBuilder.h"
#include "rollout/RolloutStore.h"

namespace codex::rollout {

/// The workflows the Rollout page and `codex-adminctl rollout` share, so both do exactly the same.
namespace actions {

/// Inputs for criteria of a workspace (evidence log path, now) plus the rollout's evidence.
CriteriaInputs criteriaInputs(const Rollout &rollout, const QString &workspaceRoot,
                              const QDateTime &now = QDateTime::currentDateTimeUtc());

/// Attaches a suite run to the items it evidences (EvidenceCollector::matchSuite) and sets the
/// items whose cases all passed to done (by `by`); items with a failed case keep their status (the
/// attached run shows the failure). *match says what happened.
StoreResult attachSuiteRun(RolloutStore &store, const QString &rollout, const Evidence &suiteEvidence,
                           const QString &by, EvidenceCollector::SuiteMatch *match = nullptr);

/// What collectAll() did, one line per piece ("endpoint suite endpoint-suite-20261125-101500.json:
/// 7 items ticked", "health check: OK (sqlite, 200 items)", "no batch results in the evidence log").
struct CollectReport {
    QStringList lines;
    int attached = 0;
    int ticked = 0;
};
/// Gathers the workspace's evidence into the rollout: the newest endpoint suite file (unless the
/// same file content is already attached), a health check, the newest batch results, a config
/// snapshot and an evidence-log summary — each attached to the items it concerns (config snapshot
/// → "Backup current configuration"/config items, health check → health/smoke items, batch →
/// batch items; see the implementation's mapping by item key) or rollout-wide.
StoreResult collectAll(RolloutStore &store, const QString &rollout, const QString &workspaceRoot, const QString &by,
                       CollectReport *report = nullptr);

/// Evaluates every criterion now and records the evaluation (what reports and sign-offs use).
StoreResult evaluateAndRecord(RolloutStore &store, const QString &rollout, const QString &workspaceRoot,
                              const QString &by, QList<CriterionResult> *results = nullptr);

/// Signs for a role: records a criteria evaluation first when none was recorded yet, then seals
/// ReportBuilder::canonicalContent() of the reloaded rollout. Unknown roles are refused naming the
/// known ones.
StoreResult sign(RolloutStore &store, const QString &rollout, const QString &role, const QString &name,
                 const QString &comment, const QString &workspaceRoot, SignOff *signedOff = nullptr);

/// Loads a rollout and checks its sign-offs against today's content.
struct LoadedRollout {
    Rollout rollout;
    QList<SignOffCheck> checks;
};
std::optional<LoadedRollout> loadChecked(const RolloutStore &store, const QString &rollout, QString *error);

/// Report options: generated now by `by`, with the rollout's change history from the store when
/// `includeHistory` (false and *error when the history cannot be read).
std::optional<ReportBuilder::Options> reportOptions(const RolloutStore &store, const QString &rollout, const QString &by,
                                                    bool includeHistory, QString *error);

/// Resolves what the admin typed for an item: an exact key, else a unique case-insensitive
/// substring of the text (the error lists candidates when several match, or says none does).
std::optional<QString> resolveItemKey(const Rollout &rollout, const QString &typed, QString *error);

}  // namespace actions
}  // namespace codex::rollout
