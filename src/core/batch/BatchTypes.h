#pragma once

#include "archive/ArchiveTypes.h"
#include "archive/RestoreService.h"

#include <QList>
#include <QMetaType>
#include <QString>

#include <functional>
#include <optional>

namespace codex::config {
struct ResolvedConfig;
}

namespace codex::batch {

/// The reference's retry policy (reference/archive.md, "Retry"): after failed attempt n
/// (1-based) wait d = min(initialDelay × multiplier^(n−1), maxDelay), with jitter as a fraction j
/// uniform in [d − d·j, d + d·j] (never below 0). At most maxAttempts tries. Only transient errors
/// (ArchiveError::isTransient(): connection, lock/busy, timeouts, OS I/O) are retried.
struct RetryPolicy {
    bool enabled = true;
    int maxAttempts = 3;
    double initialDelayS = 1.0;
    double maxDelayS = 32.0;
    double multiplier = 2.0;
    double jitter = 0.1;               ///< fraction; 0 = none
    std::optional<quint64> seed;       ///< reproducible jitter

    /// The un-jittered wait after failed attempt n (1-based), seconds.
    double baseDelayS(int failedAttempt) const;
    /// The wait with jitter drawn from `uniform01` (a value in [0,1)).
    double delayS(int failedAttempt, double uniform01) const;
    /// From the effective archive configuration: generation A (retry.enabled default false,
    /// max_attempts, initial_delay, max_delay, backoff_factor, boolean jitter → 0.1) or
    /// generation B (retry.enabled default true, max_attempts, initial_delay, max_delay,
    /// multiplier, jitter fraction, seed). Disabled → maxAttempts 1.
    static RetryPolicy fromConfig(const config::ResolvedConfig &config);
};

/// How a batch runs.
struct BatchOptions {
    QString actor;                   ///< --by; entries without their own actor use it (required)
    int concurrency = 4;             ///< workers (batch.max_concurrent / batch.concurrent); ≥ 1
    bool continueOnError = false;    ///< false: the first failed item stops the batch (rest: Cancelled)
    int timeoutPerItemS = 300;       ///< an attempt running longer is stopped and counts as a transient failure
    RetryPolicy retry;
    archive::ConflictPolicy conflict = archive::ConflictPolicy::Refuse;
    QString restoreRoot;             ///< outputs must stay inside (default: the manifest's folder)
    bool allowOutsideRoot = false;   ///< explicit consent for outputs outside restoreRoot
    QString resultsPath;             ///< a file, or a folder for batch_restore_YYYYMMDD_HHMMSS.json (default: manifest folder)
    QString evidencePath;            ///< archive_ops.jsonl; empty: no evidence (tests only)
    QString journalPath;             ///< default: <results folder>/batch_restore_YYYYMMDD_HHMMSS.journal
    /// Per-file fsync (off by default for batches: the journal + sha256 check on resume cover a
    /// killed process; a single syncfs() of the restore root runs before the results are written).
    bool syncEachFile = false;

    /// Test hook for a flaky database: called before each attempt; an error returned makes that
    /// attempt fail with it (as if the backend had returned it). Never set in production code.
    std::function<std::optional<archive::ArchiveError>(int index, int attempt)> faultInjector;

    /// batch.max_concurrent|concurrent, batch.timeout_per_item, batch.continue_on_error,
    /// batch.results_path and the retry policy from the effective configuration.
    static BatchOptions fromConfig(const config::ResolvedConfig &config);
};

enum class ItemStatus {
    Pending,
    Blocked,    ///< validation refused it (reason in error); never attempted
    Running,
    Waiting,    ///< between attempts (backoff)
    Succeeded,
    Failed,
    Cancelled,  ///< not run because the batch was cancelled or stopped on an error
    Skipped,    ///< resumed run: already restored and verified by an earlier run
};
QString statusName(ItemStatus status);  ///< "PENDING", "SUCCESS", "FAILED", "SKIPPED", …

struct ItemState {
    ItemStatus status = ItemStatus::Pending;
    int attempts = 0;
    qint64 durationMs = 0;           ///< all attempts, including backoff waits
    qint64 bytes = 0;
    QString output;                  ///< the file written (may differ with RenameWithSuffix)
    QString sha256;
    QString error;                   ///< last error, in words
    archive::ArchiveError::Kind errorKind = archive::ArchiveError::Kind::None;
    QList<qint64> attemptStartsMs;   ///< when each attempt started, ms since the run started (backoff evidence)
};

/// Totals of a run (for the progress bar, the summary lines and BATCH_RESTORE).
struct BatchProgress {
    int total = 0;
    int done = 0;       ///< succeeded + failed + skipped + blocked + cancelled
    int succeeded = 0;
    int failed = 0;     ///< failed + blocked
    int skipped = 0;
    int cancelled = 0;
    int running = 0;
    qint64 bytes = 0;
    qint64 elapsedMs = 0;
    double itemsPerSecond = 0;  ///< over the last few seconds
    double bytesPerSecond = 0;
    qint64 etaMs = -1;          ///< -1: unknown
    bool paused = false;
};

struct BatchSummary {
    BatchProgress progress;
    QString resultsPath;   ///< the results file written (empty if it could not be)
    QString journalPath;
    QString error;         ///< why the batch stopped early, or why results/evidence could not be written
    bool cancelled = false;
};

}  // namespace codex::batch

Q_DECLARE_METATYPE(codex::batch::BatchProgress)
Q_DECLARE_METATYPE(codex::batch::BatchSummary)
