#include "rollout/RolloutActions.h"

#include "rollout/ReportBuilder.h"

#include <QFileInfo>
#include <QSet>

namespace codex::rollout::actions {

namespace {

bool containsAny(const QString &text, std::initializer_list<const char *> fragments)
{
    for (const char *f : fragments)
        if (text.contains(QLatin1String(f), Qt::CaseInsensitive))
            return true;
    return false;
}

/// Which items a piece of collected evidence concerns (by the seeds' wording, case-insensitive,
/// so that the template keys may change; sign-off lines never).
QStringList itemsFor(const Rollout &r, EvidenceKind kind)
{
    QStringList keys;
    for (const RolloutItem &item : r.items) {
        const TemplateItem &d = item.def;
        if (d.kind == ItemKind::SignOff)
            continue;
        const QString &t = d.text;
        bool match = false;
        switch (kind) {
        case EvidenceKind::HealthCheck:
            // seed 004 "Smoke tests on staging", seed 000 "Run smoke tests:", "… health-check"
            match = containsAny(t, {"smoke test", "health check", "health-check"});
            break;
        case EvidenceKind::ConfigSnapshot:
            match = containsAny(t, {"backup current configuration", "config system working", "config files being adopted"});
            break;
        case EvidenceKind::BatchResult:
            match = t.trimmed().startsWith(QLatin1String("batch operations"), Qt::CaseInsensitive);
            break;
        case EvidenceKind::EvidenceLog:
            match = d.criterion.id == QLatin1String("evidence-log")
                    || containsAny(t, {"evidence logs still recorded", "evidence logs being written"});
            break;
        default: break;
        }
        if (match)
            keys << d.key;
    }
    return keys;
}

/// An evidence of the same kind with the same content is already attached.
const Evidence *sameEvidence(const Rollout &r, const Evidence &e)
{
    const QString sha = e.sha256();
    for (const Evidence &x : r.evidence)
        if (x.kind == e.kind && x.sha256() == sha)
            return &x;
    return nullptr;
}

bool isClosed(ItemStatus s)
{
    return s == ItemStatus::Done || s == ItemStatus::NotApplicable;
}

}  // namespace

CriteriaInputs criteriaInputs(const Rollout &rollout, const QString &workspaceRoot, const QDateTime &now)
{
    CriteriaInputs in;
    in.workspaceRoot = workspaceRoot;
    in.evidenceLogPath = EvidenceCollector::evidenceLogPath(workspaceRoot);
    in.now = now.isValid() ? now.toUTC() : QDateTime::currentDateTimeUtc();
    in.evidence = rollout.evidence;
    return in;
}

StoreResult attachSuiteRun(RolloutStore &store, const QString &rollout, const Evidence &suiteEvidence, const QString &by,
                           EvidenceCollector::SuiteMatch *match)
{
    QString error;
    const auto r = store.load(rollout, &error);
    if (!r)
        return StoreResult::failure(error);
    const EvidenceCollector::SuiteMatch m = EvidenceCollector::matchSuite(*r, suiteEvidence);
    if (match)
        *match = m;
    // The run also goes to the heading the matched lines belong to ("Manual testing completed for:").
    QStringList keys = m.attach;
    for (const QString &key : m.attach)
        if (const RolloutItem *item = r->item(key); item && !item->def.parentKey.isEmpty() && !keys.contains(item->def.parentKey)
                                                    && r->item(item->def.parentKey))
            keys << item->def.parentKey;
    StoreResult res = store.attachEvidence(rollout, suiteEvidence, keys, by);
    if (!res)
        return res;
    QSet<QString> parents;
    for (const QString &key : m.tick) {
        const RolloutItem *item = r->item(key);
        if (!item)
            continue;
        if (item->status != ItemStatus::Done) {
            res = store.setStatus(rollout, key, ItemStatus::Done, by);
            if (!res)
                return res;
        }
        if (!item->def.parentKey.isEmpty())
            parents.insert(item->def.parentKey);
    }
    if (parents.isEmpty())
        return StoreResult::success();
    // "Manual testing completed for:" is done when every one of its lines is.
    const auto after = store.load(rollout, &error);
    if (!after)
        return StoreResult::failure(error);
    for (const QString &parent : parents) {
        const RolloutItem *p = after->item(parent);
        if (!p || p->status == ItemStatus::Done || p->def.kind == ItemKind::SignOff)
            continue;
        bool all = true, any = false;
        for (const RolloutItem &child : after->items)
            if (child.def.parentKey == parent) {
                any = true;
                all = all && isClosed(child.status);
            }
        if (any && all) {
            res = store.setStatus(rollout, parent, ItemStatus::Done, by);
            if (!res)
                return res;
        }
    }
    return StoreResult::success();
}

StoreResult collectAll(RolloutStore &store, const QString &rollout, const QString &workspaceRoot, const QString &by,
                       CollectReport *report)
{
    CollectReport local;
    CollectReport &rep = report ? *report : local;
    QString error;
    auto r = store.load(rollout, &error);
    if (!r)
        return StoreResult::failure(error);

    auto attach = [&](const Evidence &e, const QStringList &keys, const QString &what) -> StoreResult {
        if (const Evidence *same = sameEvidence(*r, e)) {
            rep.lines << QStringLiteral("%1: unchanged, already attached as evidence #%2").arg(what).arg(same->id);
            return StoreResult::success();
        }
        StoreResult res = store.attachEvidence(rollout, e, keys, by);
        if (!res)
            return res;
        ++rep.attached;
        rep.lines << QStringLiteral("%1: %2 → %3").arg(what, e.title,
                                                      keys.isEmpty() ? QStringLiteral("rollout-wide")
                                                                     : QStringLiteral("%1 item%2").arg(keys.size()).arg(keys.size() == 1 ? QString() : QStringLiteral("s")));
        return StoreResult::success();
    };

    // 1. The newest endpoint suite run.
    const QString suiteFile = EvidenceCollector::latestSuiteFile(workspaceRoot);
    if (suiteFile.isEmpty()) {
        rep.lines << QStringLiteral("no endpoint suite run in .codex/reports");
    } else {
        const QString name = QFileInfo(suiteFile).fileName();
        const auto suite = EvidenceCollector::fromSuiteFile(suiteFile, workspaceRoot, by, &error);
        if (!suite) {
            rep.lines << QStringLiteral("endpoint suite %1: %2").arg(name, error);
        } else if (const Evidence *same = sameEvidence(*r, *suite)) {
            rep.lines << QStringLiteral("endpoint suite %1: already attached as evidence #%2").arg(name).arg(same->id);
        } else {
            const int doneBefore = r->count(ItemStatus::Done);
            EvidenceCollector::SuiteMatch m;
            StoreResult res = attachSuiteRun(store, rollout, *suite, by, &m);
            if (!res)
                return res;
            ++rep.attached;
            auto now = store.load(rollout, &error);
            if (!now)
                return StoreResult::failure(error);
            const int ticked = std::max(0, now->count(ItemStatus::Done) - doneBefore);
            rep.ticked += ticked;
            rep.lines << QStringLiteral("endpoint suite %1: %2 ticked, %3 with failures").arg(name).arg(ticked).arg(m.failed.size());
            r = now;
        }
    }

    // 2. Health check (a fresh measurement every time).
    {
        const Evidence e = EvidenceCollector::healthCheck(workspaceRoot, by);
        const QStringList keys = itemsFor(*r, EvidenceKind::HealthCheck);
        StoreResult res = store.attachEvidence(rollout, e, keys, by);
        if (!res)
            return res;
        ++rep.attached;
        rep.lines << QStringLiteral("%1 → %2 item%3").arg(e.title).arg(keys.size()).arg(keys.size() == 1 ? QString() : QStringLiteral("s"));
    }

    // 3. The newest batch results.
    const QList<Evidence> batches = EvidenceCollector::batchResults(workspaceRoot, by, 1);
    if (batches.isEmpty()) {
        rep.lines << QStringLiteral("no batch results in the evidence log");
    } else {
        StoreResult res = attach(batches.first(), itemsFor(*r, EvidenceKind::BatchResult), QStringLiteral("batch results"));
        if (!res)
            return res;
    }

    // 4. Config snapshot, 5. evidence-log summary.
    {
        StoreResult res = attach(EvidenceCollector::configSnapshot(workspaceRoot, by), itemsFor(*r, EvidenceKind::ConfigSnapshot),
                                 QStringLiteral("config snapshot"));
        if (!res)
            return res;
        res = attach(EvidenceCollector::evidenceLogSummary(workspaceRoot, by), itemsFor(*r, EvidenceKind::EvidenceLog),
                     QStringLiteral("evidence log"));
        if (!res)
            return res;
    }
    return StoreResult::success();
}

StoreResult evaluateAndRecord(RolloutStore &store, const QString &rollout, const QString &workspaceRoot, const QString &by,
                              QList<CriterionResult> *results)
{
    QString error;
    const auto r = store.load(rollout, &error);
    if (!r)
        return StoreResult::failure(error);
    const QList<CriterionResult> res = CriteriaEvaluator::evaluateAll(*r, criteriaInputs(*r, workspaceRoot));
    if (results)
        *results = res;
    return store.recordCriteria(rollout, res, by);
}

StoreResult sign(RolloutStore &store, const QString &rollout, const QString &role, const QString &name, const QString &comment,
                 const QString &workspaceRoot, SignOff *signedOff)
{
    QString error;
    auto r = store.load(rollout, &error);
    if (!r)
        return StoreResult::failure(error);
    QString canonicalRole;
    for (const QString &known : r->roles)
        if (known.compare(role.trimmed(), Qt::CaseInsensitive) == 0)
            canonicalRole = known;
    if (canonicalRole.isEmpty())
        return StoreResult::failure(QStringLiteral("unknown role \"%1\" for rollout \"%2\" (roles: %3)")
                                        .arg(role, rollout, r->roles.join(QStringLiteral(", "))));
    if (name.trimmed().isEmpty())
        return StoreResult::failure(QStringLiteral("a sign-off needs the signer's name"));
    if (r->criteria.isEmpty()) {
        StoreResult res = evaluateAndRecord(store, rollout, workspaceRoot, name);
        if (!res)
            return res;
        r = store.load(rollout, &error);
        if (!r)
            return StoreResult::failure(error);
    }
    return store.sign(rollout, canonicalRole, name, comment, ReportBuilder::canonicalContent(*r), signedOff);
}

std::optional<LoadedRollout> loadChecked(const RolloutStore &store, const QString &rollout, QString *error)
{
    auto r = store.load(rollout, error);
    if (!r)
        return std::nullopt;
    LoadedRollout out;
    out.checks = store.verify(*r, ReportBuilder::canonicalContent(*r));
    out.rollout = std::move(*r);
    return out;
}

std::optional<QString> resolveItemKey(const Rollout &rollout, const QString &typed, QString *error)
{
    const QString t = typed.trimmed();
    if (t.isEmpty()) {
        if (error)
            *error = QStringLiteral("no item named (give a key or part of the item's text)");
        return std::nullopt;
    }
    for (const RolloutItem &item : rollout.items)
        if (item.def.key == t)
            return item.def.key;
    QList<const RolloutItem *> hits;
    for (const RolloutItem &item : rollout.items) {
        if (item.def.text.compare(t, Qt::CaseInsensitive) == 0)
            return item.def.key;  // the whole text, exactly: no ambiguity
        if (item.def.text.contains(t, Qt::CaseInsensitive) || item.def.key.contains(t, Qt::CaseInsensitive))
            hits << &item;
    }
    if (hits.size() == 1)
        return hits.first()->def.key;
    if (error) {
        if (hits.isEmpty()) {
            *error = QStringLiteral("no item of rollout \"%1\" matches \"%2\"").arg(rollout.name, t);
        } else {
            QStringList lines;
            for (const RolloutItem *h : hits.mid(0, 10))
                lines << QStringLiteral("  %1 — %2").arg(h->def.key, h->def.text);
            if (hits.size() > 10)
                lines << QStringLiteral("  … and %1 more").arg(hits.size() - 10);
            *error = QStringLiteral("\"%1\" matches %2 items of rollout \"%3\"; name one by its key:\n%4")
                         .arg(t)
                         .arg(hits.size())
                         .arg(rollout.name, lines.join(QLatin1Char('\n')));
        }
    }
    return std::nullopt;
}

std::optional<ReportBuilder::Options> reportOptions(const RolloutStore &store, const QString &rollout, const QString &by,
                                                    bool includeHistory, QString *error)
{
    ReportBuilder::Options options;
    options.generatedAt = QDateTime::currentDateTimeUtc();
    options.generatedBy = by;
    options.includeHistory = includeHistory;
    if (includeHistory) {
        QString historyError;
        options.history = store.history(rollout, {}, &historyError);
        if (!historyError.isEmpty()) {
            if (error)
                *error = historyError;
            return std::nullopt;
        }
    }
    return options;
}

}  // namespace codex::rollout::actions
