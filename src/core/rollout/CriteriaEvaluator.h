#pragma once

#include "rollout/RolloutTypes.h"

#include <QDateTime>
#include <QString>

namespace codex::rollout {

/// What the success criteria are judged from.
struct CriteriaInputs {
    QString workspaceRoot;        ///< for display paths
    QString evidenceLogPath;      ///< .codex/evidence/archive_ops.jsonl
    QDateTime now;                ///< evaluation instant (UTC); the windows end here
    /// The rollout's evidence (metric snapshots, endpoint suite runs, …) — newest wins per rule.
    QList<Evidence> evidence;
};

/// Judges the rules that success-criterion items name, from measured data only. A rule without
/// the data it needs says "no data" (and why), never "pass".
///
/// Rules (CriterionRef::id, parameters with defaults):
///  error-rate-increase  threshold_pct (1.0): after − before of the error ratio across the latest
///                       stage marker of the newest metric snapshot with a comparison, in
///                       percentage points; pass when < threshold. Source: that snapshot.
///  restore-p99          threshold_ms (500), window_minutes (1440): p99 of `duration_ms` of RESTORE
///                       records (and RESTORE_FAIL ones that carry it) in the window; needs ≥ 1.
///  evidence-log         window_minutes (1440): the log exists, has ≥ 1 record in the window and no
///                       malformed line anywhere (the figure names the first bad line numbers).
///  endpoint-tests       the newest endpoint-suite evidence: every non-skipped case passed and at
///                       least one ran.
///  restore-fail-spike   threshold_pct (1.0), bucket_minutes (5), window_minutes (1440): in every
///                       bucket of the window, RESTORE_FAIL / (RESTORE + RESTORE_FAIL) ≤ threshold;
///                       the figure is the worst bucket ("worst 5-min bucket 0.0 % (0 of 37) at 10:05").
///  no-active-breach     the newest metric snapshot lists no active threshold breach.
class CriteriaEvaluator {
public:
    /// Every rule id above, in order.
    static QStringList ruleIds();
    /// Human title of a rule ("Error-rate increase across a stage marker").
    static QString ruleTitle(const QString &id);
    /// Judges one rule for one item (itemKey/title copied into the result).
    static CriterionResult evaluate(const CriterionRef &ref, const CriteriaInputs &inputs, const QString &itemKey = {});
    /// Judges every Criterion item of the rollout, in item order; the evidence log is read once.
    static QList<CriterionResult> evaluateAll(const Rollout &rollout, const CriteriaInputs &inputs);
};

}  // namespace codex::rollout
