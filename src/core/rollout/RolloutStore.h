#pragma once

#include "rollout/RolloutTypes.h"

#include <QString>
#include <memory>

namespace codex::rollout {

/// The outcome of a store operation: ok, or a message naming what was wrong (the rollout, the
/// item key, the status text, the database file) that the UI and the CLI show as is.
struct StoreResult {
    bool ok = true;
    QString message;
    static StoreResult success() { return {}; }
    static StoreResult failure(const QString &m) { return {false, m}; }
    explicit operator bool() const { return ok; }
};

/// What integrity checking finds about one sign-off.
struct SignOffCheck {
    SignOff signOff;
    enum class State {
        Valid,          ///< the content it signed is today's content
        Changed,        ///< content changed (through Codex Admin) after the sign-off: `diff` says how
        Tampered        ///< the stored signed content does not match its own hash: edited behind our back
    };
    State state = State::Valid;
    QString currentSha256;
    QString diff;       ///< unified diff of the pretty-printed signed content vs. today's (Changed, Tampered)
    QString message;    ///< "changed after sign-off: 3 items (status of p000.pre.testing.unit …)"
};
QString signOffStateName(SignOffCheck::State s);  ///< "valid", "changed after sign-off", "tampered"

/// The workspace's rollouts in `.codex/rollouts.sqlite` through QtSql (QSQLITE). The schema is
/// versioned (`PRAGMA user_version`) and migrated forward on open inside a transaction; a newer
/// schema than this build knows is refused (never downgraded). Every change is recorded in the
/// `changes` table with who, when, old and new value, in the same transaction as the change.
///
/// Bad databases lose nothing: a file that is not SQLite, or is corrupt, is reported ("… is not a
/// rollouts database: file is not a database") and left untouched; a database locked by another
/// process is retried for `busyTimeoutMs` and then reported ("… is locked by another program")
/// without a half-applied change.
///
/// One RolloutStore per thread (each has its own named QSqlDatabase connection).
class RolloutStore {
public:
    static constexpr int kSchemaVersion = 1;
    RolloutStore();
    ~RolloutStore();
    RolloutStore(const RolloutStore &) = delete;
    RolloutStore &operator=(const RolloutStore &) = delete;

    /// `.codex/rollouts.sqlite` of a workspace root.
    static QString defaultPath(const QString &workspaceRoot);
    /// Opens (creating the file and its folder when `create` and it does not exist) and migrates.
    StoreResult open(const QString &path, bool create = true);
    void close();
    bool isOpen() const;
    QString path() const;
    void setBusyTimeoutMs(int ms);  ///< default 2000

    /// Names and summary of every rollout, newest first.
    struct Summary {
        qint64 id = 0;
        QString name;
        QStringList templateIds;
        QDateTime createdAt;
        QString createdBy;
        int items = 0, done = 0, open = 0, blocked = 0, notApplicable = 0;
        int signOffs = 0, roles = 0;
    };
    QList<Summary> list(QString *error = nullptr) const;

    /// Creates a rollout from one or more templates (their items one after the other, keys kept;
    /// the union of the templates' roles in order, else defaultRoles()). Names are unique (case-sensitive,
    /// trimmed, 1–200 characters).
    StoreResult create(const QString &name, const QList<ChecklistTemplate> &templates, const QString &by,
                       qint64 *id = nullptr);
    /// Loads one rollout by name with items, evidence (payloads and images), current sign-offs
    /// and the last recorded criteria.
    std::optional<Rollout> load(const QString &name, QString *error = nullptr) const;
    std::optional<Rollout> load(qint64 id, QString *error = nullptr) const;
    StoreResult remove(const QString &name, const QString &by);
    StoreResult rename(const QString &name, const QString &newName, const QString &by);

    /// Item edits, each recorded as a change (no change recorded when the value is the same).
    /// Items are named by key; SignOff items cannot be set by hand (use sign()).
    StoreResult setStatus(const QString &rollout, const QString &itemKey, ItemStatus status, const QString &by);
    StoreResult setOwner(const QString &rollout, const QString &itemKey, const QString &owner, const QString &by);
    StoreResult setNote(const QString &rollout, const QString &itemKey, const QString &note, const QString &by);

    /// Stores evidence and attaches it to the given items (may be none: rollout-wide evidence).
    StoreResult attachEvidence(const QString &rollout, const Evidence &evidence, const QStringList &itemKeys,
                               const QString &by, qint64 *evidenceId = nullptr);
    StoreResult detachEvidence(const QString &rollout, qint64 evidenceId, const QString &itemKey, const QString &by);

    /// Replaces the last recorded criteria evaluation.
    StoreResult recordCriteria(const QString &rollout, const QList<CriterionResult> &results, const QString &by);

    /// The sign-off roles (editable: add, rename, remove, reorder). Existing sign-offs of a removed
    /// role are revoked.
    StoreResult setRoles(const QString &rollout, const QStringList &roles, const QString &by);

    /// Signs for `role`: stores name, time (now, UTC), comment, and `content` — the canonical JSON
    /// of the report (ReportBuilder::canonicalContent) — with its SHA-256. A previous sign-off for
    /// the role is revoked (kept in history). The role's SignOff item (if any) becomes done.
    StoreResult sign(const QString &rollout, const QString &role, const QString &name, const QString &comment,
                     const QByteArray &content, SignOff *signedOff = nullptr);
    StoreResult revokeSignOff(const QString &rollout, const QString &role, const QString &by);

    /// Checks every current sign-off of the rollout against `currentContent` (canonical JSON of
    /// today's report) and against its own stored hash.
    QList<SignOffCheck> verify(const Rollout &rollout, const QByteArray &currentContent) const;

    /// The audit trail, oldest first (all items when itemKey is empty).
    QList<Change> history(const QString &rollout, const QString &itemKey = {}, QString *error = nullptr) const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

}  // namespace codex::rollout
