#include "rollout/RolloutTypes.h"

#include <tuple>

#include "common/Sha256.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonValue>
#include <QSet>

#include <cmath>

namespace codex::rollout {

namespace {

const QString kTemplateSchema = QStringLiteral("codex-admin/checklist-template/1");

QString isoMs(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QDateTime fromIso(const QString &s)
{
    if (s.isEmpty())
        return {};
    QDateTime t = QDateTime::fromString(s, Qt::ISODateWithMs);
    if (!t.isValid())
        t = QDateTime::fromString(s, Qt::ISODate);
    return t.isValid() ? t.toUTC() : QDateTime();
}

QStringList stringList(const QJsonArray &a)
{
    QStringList out;
    out.reserve(a.size());
    for (const QJsonValue &v : a)
        out.append(v.toString());
    return out;
}

QString describe(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Bool: return QStringLiteral("a boolean");
    case QJsonValue::Double: return QStringLiteral("a number");
    case QJsonValue::String: return QStringLiteral("a string");
    case QJsonValue::Array: return QStringLiteral("an array");
    case QJsonValue::Object: return QStringLiteral("an object");
    case QJsonValue::Undefined: return QStringLiteral("missing");
    }
    return QStringLiteral("?");
}

bool setErr(QString *error, const QString &m)
{
    if (error)
        *error = m;
    return false;
}

}  // namespace

// ---- names ---------------------------------------------------------------------------------

QString statusName(ItemStatus s)
{
    switch (s) {
    case ItemStatus::Open: return QStringLiteral("open");
    case ItemStatus::Done: return QStringLiteral("done");
    case ItemStatus::NotApplicable: return QStringLiteral("n/a");
    case ItemStatus::Blocked: return QStringLiteral("blocked");
    }
    return QStringLiteral("open");
}

std::optional<ItemStatus> statusFromName(const QString &name)
{
    const QString n = name.trimmed().toLower();
    if (n == QLatin1String("open"))
        return ItemStatus::Open;
    if (n == QLatin1String("done"))
        return ItemStatus::Done;
    if (n == QLatin1String("n/a") || n == QLatin1String("na") || n == QLatin1String("not-applicable"))
        return ItemStatus::NotApplicable;
    if (n == QLatin1String("blocked"))
        return ItemStatus::Blocked;
    return std::nullopt;
}

QString statusCheckbox(ItemStatus s)
{
    switch (s) {
    case ItemStatus::Open: return QStringLiteral("[ ]");
    case ItemStatus::Done: return QStringLiteral("[x]");
    case ItemStatus::NotApplicable: return QStringLiteral("[-]");
    case ItemStatus::Blocked: return QStringLiteral("[!]");
    }
    return QStringLiteral("[ ]");
}

QString kindName(ItemKind k)
{
    switch (k) {
    case ItemKind::Check: return QStringLiteral("check");
    case ItemKind::Criterion: return QStringLiteral("criterion");
    case ItemKind::SignOff: return QStringLiteral("signoff");
    case ItemKind::Info: return QStringLiteral("info");
    }
    return QStringLiteral("check");
}

std::optional<ItemKind> kindFromName(const QString &name)
{
    for (ItemKind k : {ItemKind::Check, ItemKind::Criterion, ItemKind::SignOff, ItemKind::Info})
        if (kindName(k) == name)
            return k;
    return std::nullopt;
}

QString evidenceKindName(EvidenceKind k)
{
    switch (k) {
    case EvidenceKind::EndpointSuite: return QStringLiteral("endpoint-suite");
    case EvidenceKind::HealthCheck: return QStringLiteral("health-check");
    case EvidenceKind::BatchResult: return QStringLiteral("batch-result");
    case EvidenceKind::ConfigSnapshot: return QStringLiteral("config-snapshot");
    case EvidenceKind::MetricSnapshot: return QStringLiteral("metric-snapshot");
    case EvidenceKind::EvidenceLog: return QStringLiteral("evidence-log");
    case EvidenceKind::File: return QStringLiteral("file");
    case EvidenceKind::Note: return QStringLiteral("note");
    }
    return QStringLiteral("note");
}

std::optional<EvidenceKind> evidenceKindFromName(const QString &name)
{
    for (EvidenceKind k : {EvidenceKind::EndpointSuite, EvidenceKind::HealthCheck, EvidenceKind::BatchResult,
                           EvidenceKind::ConfigSnapshot, EvidenceKind::MetricSnapshot, EvidenceKind::EvidenceLog,
                           EvidenceKind::File, EvidenceKind::Note})
        if (evidenceKindName(k) == name)
            return k;
    return std::nullopt;
}

QString verdictName(CriterionResult::Verdict v)
{
    switch (v) {
    case CriterionResult::Verdict::Pass: return QStringLiteral("pass");
    case CriterionResult::Verdict::Fail: return QStringLiteral("fail");
    case CriterionResult::Verdict::NoData: return QStringLiteral("no data");
    }
    return QStringLiteral("no data");
}

QStringList defaultRoles()
{
    return {QStringLiteral("Development"), QStringLiteral("QA"), QStringLiteral("DevOps"),
            QStringLiteral("Product Owner"), QStringLiteral("Engineering Manager")};
}

QStringList knownCriterionIds()
{
    // The CriteriaEvaluator rules (kept here too so that templates parse without the evaluator).
    return {QStringLiteral("error-rate-increase"), QStringLiteral("restore-p99"), QStringLiteral("evidence-log"),
            QStringLiteral("endpoint-tests"), QStringLiteral("restore-fail-spike"), QStringLiteral("no-active-breach")};
}

// ---- Evidence ------------------------------------------------------------------------------

QString Evidence::sha256() const
{
    Sha256 h;
    const QByteArray canonical = QJsonDocument(payload).toJson(QJsonDocument::Compact);  // keys sorted
    h.add(canonical.constData(), canonical.size());
    if (!png.isEmpty())
        h.add(png.constData(), png.size());
    return h.hex();
}

// ---- MetricSnapshot ------------------------------------------------------------------------

QJsonObject MetricSnapshot::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("taken_at"), isoMs(takenAt));
    o.insert(QStringLiteral("source"), source);
    o.insert(QStringLiteral("window_ms"), double(windowMs));
    QJsonObject vals;
    for (auto it = values.begin(); it != values.end(); ++it) {
        if (it.value().isDouble() && !std::isfinite(it.value().toDouble()))
            continue;
        vals.insert(it.key(), it.value());
    }
    o.insert(QStringLiteral("values"), vals);
    o.insert(QStringLiteral("comparisons"), comparisons);
    o.insert(QStringLiteral("active_breaches"), QJsonArray::fromStringList(activeBreaches));
    return o;
}

MetricSnapshot MetricSnapshot::fromJson(const QJsonObject &o)
{
    MetricSnapshot s;
    s.takenAt = fromIso(o.value(QStringLiteral("taken_at")).toString());
    s.source = o.value(QStringLiteral("source")).toString();
    s.windowMs = qint64(o.value(QStringLiteral("window_ms")).toDouble());
    s.values = o.value(QStringLiteral("values")).toObject();
    s.comparisons = o.value(QStringLiteral("comparisons")).toArray();
    s.activeBreaches = stringList(o.value(QStringLiteral("active_breaches")).toArray());
    return s;
}

// ---- CriterionResult -----------------------------------------------------------------------

QJsonObject CriterionResult::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("id"), id);
    o.insert(QStringLiteral("item_key"), itemKey);
    o.insert(QStringLiteral("title"), title);
    o.insert(QStringLiteral("verdict"), verdictName(verdict));
    o.insert(QStringLiteral("figure"), figure);
    o.insert(QStringLiteral("threshold"), threshold);
    o.insert(QStringLiteral("window"), window);
    o.insert(QStringLiteral("source"), source);
    o.insert(QStringLiteral("reason"), reason);
    o.insert(QStringLiteral("evaluated_at"), isoMs(evaluatedAt));
    if (std::isfinite(value))
        o.insert(QStringLiteral("value"), value);
    return o;
}

CriterionResult CriterionResult::fromJson(const QJsonObject &o)
{
    CriterionResult r;
    r.id = o.value(QStringLiteral("id")).toString();
    r.itemKey = o.value(QStringLiteral("item_key")).toString();
    r.title = o.value(QStringLiteral("title")).toString();
    const QString v = o.value(QStringLiteral("verdict")).toString();
    r.verdict = v == QLatin1String("pass")   ? Verdict::Pass
                : v == QLatin1String("fail") ? Verdict::Fail
                                             : Verdict::NoData;
    r.figure = o.value(QStringLiteral("figure")).toString();
    r.threshold = o.value(QStringLiteral("threshold")).toString();
    r.window = o.value(QStringLiteral("window")).toString();
    r.source = o.value(QStringLiteral("source")).toString();
    r.reason = o.value(QStringLiteral("reason")).toString();
    r.evaluatedAt = fromIso(o.value(QStringLiteral("evaluated_at")).toString());
    const QJsonValue val = o.value(QStringLiteral("value"));
    r.value = val.isDouble() ? val.toDouble() : qQNaN();
    return r;
}

// ---- Rollout -------------------------------------------------------------------------------

const RolloutItem *Rollout::item(const QString &key) const
{
    for (const RolloutItem &i : items)
        if (i.def.key == key)
            return &i;
    return nullptr;
}

const Evidence *Rollout::evidenceById(qint64 id) const
{
    for (const Evidence &e : evidence)
        if (e.id == id)
            return &e;
    return nullptr;
}

int Rollout::count(ItemStatus s) const
{
    int n = 0;
    for (const RolloutItem &i : items)
        if (i.status == s)
            ++n;
    return n;
}

// ---- TemplateItem --------------------------------------------------------------------------

QJsonObject TemplateItem::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("key"), key);
    o.insert(QStringLiteral("text"), text);
    o.insert(QStringLiteral("section"), QJsonArray::fromStringList(section));
    o.insert(QStringLiteral("kind"), kindName(kind));
    if (!parentKey.isEmpty())
        o.insert(QStringLiteral("parent"), parentKey);
    if (!criterion.isNull()) {
        QJsonObject c = criterion.params;
        c.insert(QStringLiteral("id"), criterion.id);
        o.insert(QStringLiteral("criterion"), c);
    }
    if (!suiteItem.isEmpty())
        o.insert(QStringLiteral("suiteItem"), suiteItem);
    if (!role.isEmpty())
        o.insert(QStringLiteral("role"), role);
    if (!detail.isEmpty())
        o.insert(QStringLiteral("detail"), detail);
    return o;
}

std::optional<TemplateItem> TemplateItem::fromJson(const QJsonObject &o, QString *error)
{
    auto fail = [&](const QString &m) -> std::optional<TemplateItem> {
        setErr(error, m);
        return std::nullopt;
    };
    static const QSet<QString> known = {QStringLiteral("key"),       QStringLiteral("text"),   QStringLiteral("section"),
                                        QStringLiteral("kind"),      QStringLiteral("parent"), QStringLiteral("criterion"),
                                        QStringLiteral("suiteItem"), QStringLiteral("role"),   QStringLiteral("detail")};
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!known.contains(it.key()))
            return fail(QStringLiteral("unknown field \"%1\"").arg(it.key()));

    TemplateItem t;
    const QJsonValue key = o.value(QStringLiteral("key"));
    if (!key.isString() || key.toString().trimmed().isEmpty())
        return fail(QStringLiteral("missing key (field \"key\" is %1)").arg(key.isString() ? QStringLiteral("empty") : describe(key)));
    t.key = key.toString().trimmed();
    for (QChar c : std::as_const(t.key))
        if (c.isSpace())
            return fail(QStringLiteral("key \"%1\" contains white space (field \"key\")").arg(t.key));

    const QJsonValue text = o.value(QStringLiteral("text"));
    if (!text.isString() || text.toString().trimmed().isEmpty())
        return fail(QStringLiteral("missing text (field \"text\" is %1)").arg(text.isString() ? QStringLiteral("empty") : describe(text)));
    t.text = text.toString();

    const QJsonValue section = o.value(QStringLiteral("section"));
    if (!section.isUndefined()) {
        if (!section.isArray())
            return fail(QStringLiteral("field \"section\" must be an array of headings, not %1").arg(describe(section)));
        for (const QJsonValue &h : section.toArray()) {
            if (!h.isString() || h.toString().trimmed().isEmpty())
                return fail(QStringLiteral("field \"section\" must hold non-empty strings, found %1").arg(describe(h)));
            t.section.append(h.toString());
        }
    }

    const QJsonValue kind = o.value(QStringLiteral("kind"));
    if (!kind.isUndefined()) {
        const auto k = kindFromName(kind.toString());
        if (!kind.isString() || !k)
            return fail(QStringLiteral("unknown kind \"%1\" (field \"kind\"; expected check, criterion, signoff or info)")
                            .arg(kind.isString() ? kind.toString() : describe(kind)));
        t.kind = *k;
    }

    auto optString = [&](const QString &field, QString *out) -> bool {
        const QJsonValue v = o.value(field);
        if (v.isUndefined() || v.isNull())
            return true;
        if (!v.isString())
            return setErr(error, QStringLiteral("field \"%1\" must be a string, not %2").arg(field, describe(v)));
        *out = v.toString();
        return true;
    };
    if (!optString(QStringLiteral("parent"), &t.parentKey) || !optString(QStringLiteral("suiteItem"), &t.suiteItem)
        || !optString(QStringLiteral("role"), &t.role) || !optString(QStringLiteral("detail"), &t.detail))
        return std::nullopt;

    const QJsonValue crit = o.value(QStringLiteral("criterion"));
    if (!crit.isUndefined() && !crit.isNull()) {
        if (!crit.isObject())
            return fail(QStringLiteral("field \"criterion\" must be an object {\"id\":…}, not %1").arg(describe(crit)));
        QJsonObject c = crit.toObject();
        const QString id = c.value(QStringLiteral("id")).toString();
        if (id.isEmpty())
            return fail(QStringLiteral("field \"criterion\" has no \"id\" (one of %1)").arg(knownCriterionIds().join(QStringLiteral(", "))));
        if (!knownCriterionIds().contains(id))
            return fail(QStringLiteral("unknown criterion id \"%1\" (field \"criterion.id\"; known: %2)")
                            .arg(id, knownCriterionIds().join(QStringLiteral(", "))));
        c.remove(QStringLiteral("id"));
        for (auto it = c.begin(); it != c.end(); ++it)
            if (!it.value().isDouble() && !it.value().isString() && !it.value().isBool())
                return fail(QStringLiteral("criterion parameter \"%1\" must be a number, string or boolean (field \"criterion.%1\")")
                                .arg(it.key()));
        t.criterion.id = id;
        t.criterion.params = c;
    }
    if (!t.criterion.isNull() && t.kind != ItemKind::Criterion)
        return fail(QStringLiteral("field \"criterion\" is only allowed on kind \"criterion\" (this item is kind \"%1\")")
                        .arg(kindName(t.kind)));
    if (t.kind == ItemKind::Criterion && t.criterion.isNull())
        return fail(QStringLiteral("kind \"criterion\" needs a field \"criterion\" naming its rule "
                                   "(lines a person ticks are kind \"check\")"));
    if (t.kind == ItemKind::SignOff && t.role.trimmed().isEmpty())
        return fail(QStringLiteral("kind \"signoff\" needs a field \"role\""));
    if (t.kind != ItemKind::SignOff && !t.role.isEmpty())
        return fail(QStringLiteral("field \"role\" is only allowed on kind \"signoff\""));
    return t;
}

// ---- ChecklistTemplate ---------------------------------------------------------------------

std::optional<ChecklistTemplate> ChecklistTemplate::fromJson(const QByteArray &json, QString *error)
{
    auto fail = [&](const QString &m) -> std::optional<ChecklistTemplate> {
        setErr(error, m);
        return std::nullopt;
    };
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError)
        return fail(QStringLiteral("not valid JSON at offset %1: %2").arg(pe.offset).arg(pe.errorString()));
    if (!doc.isObject())
        return fail(QStringLiteral("a checklist template must be a JSON object"));
    const QJsonObject o = doc.object();
    const QString schema = o.value(QStringLiteral("schema")).toString();
    if (schema != kTemplateSchema)
        return fail(QStringLiteral("field \"schema\" is \"%1\", expected \"%2\"").arg(schema, kTemplateSchema));

    ChecklistTemplate t;
    t.id = o.value(QStringLiteral("id")).toString().trimmed();
    if (t.id.isEmpty())
        return fail(QStringLiteral("field \"id\" is missing or empty"));
    t.title = o.value(QStringLiteral("title")).toString();
    if (t.title.trimmed().isEmpty())
        return fail(QStringLiteral("template %1: field \"title\" is missing or empty").arg(t.id));
    t.seed = o.value(QStringLiteral("seed")).toString();
    t.notes = o.value(QStringLiteral("notes")).toString();

    const QJsonValue roles = o.value(QStringLiteral("roles"));
    if (!roles.isUndefined()) {
        if (!roles.isArray())
            return fail(QStringLiteral("template %1: field \"roles\" must be an array of strings").arg(t.id));
        for (const QJsonValue &r : roles.toArray()) {
            const QString role = r.toString().trimmed();
            if (!r.isString() || role.isEmpty())
                return fail(QStringLiteral("template %1: field \"roles\" holds an empty or non-string role").arg(t.id));
            if (t.roles.contains(role))
                return fail(QStringLiteral("template %1: role \"%2\" is listed twice in field \"roles\"").arg(t.id, role));
            t.roles.append(role);
        }
    }

    const QJsonValue items = o.value(QStringLiteral("items"));
    if (!items.isArray())
        return fail(QStringLiteral("template %1: field \"items\" must be an array").arg(t.id));
    const QJsonArray arr = items.toArray();
    if (arr.isEmpty())
        return fail(QStringLiteral("template %1: field \"items\" is empty").arg(t.id));
    QSet<QString> keys;
    for (qsizetype i = 0; i < arr.size(); ++i) {
        const QJsonValue v = arr.at(i);
        const QString where = QStringLiteral("template %1, item %2").arg(t.id).arg(i + 1);
        if (!v.isObject())
            return fail(QStringLiteral("%1: must be an object, not %2").arg(where, describe(v)));
        const QString rawKey = v.toObject().value(QStringLiteral("key")).toString();
        const QString named = rawKey.isEmpty() ? where : QStringLiteral("%1 (%2)").arg(where, rawKey);
        QString why;
        auto item = TemplateItem::fromJson(v.toObject(), &why);
        if (!item)
            return fail(QStringLiteral("%1: %2").arg(named, why));
        if (keys.contains(item->key))
            return fail(QStringLiteral("%1: duplicate key \"%2\" (field \"key\")").arg(named, item->key));
        if (!item->parentKey.isEmpty() && !keys.contains(item->parentKey))
            return fail(QStringLiteral("%1: field \"parent\" names \"%2\", which is not an earlier item of the template")
                            .arg(named, item->parentKey));
        if (item->kind == ItemKind::SignOff && !t.roles.isEmpty() && !t.roles.contains(item->role))
            return fail(QStringLiteral("%1: role \"%2\" (field \"role\") is not one of the template's roles (%3)")
                            .arg(named, item->role, t.roles.join(QStringLiteral(", "))));
        keys.insert(item->key);
        t.items.append(*item);
    }
    if (t.roles.isEmpty()) {
        for (const TemplateItem &i : std::as_const(t.items))
            if (i.kind == ItemKind::SignOff && !t.roles.contains(i.role))
                t.roles.append(i.role);
    }
    return t;
}

QByteArray ChecklistTemplate::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("schema"), kTemplateSchema);
    o.insert(QStringLiteral("id"), id);
    o.insert(QStringLiteral("title"), title);
    if (!seed.isEmpty())
        o.insert(QStringLiteral("seed"), seed);
    if (!notes.isEmpty())
        o.insert(QStringLiteral("notes"), notes);
    o.insert(QStringLiteral("roles"), QJsonArray::fromStringList(roles));
    QJsonArray arr;
    for (const TemplateItem &i : items)
        arr.append(i.toJson());
    o.insert(QStringLiteral("items"), arr);
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

QList<ChecklistTemplate> ChecklistTemplate::builtIn()
{
    static const QList<ChecklistTemplate> all = [] {
        QList<ChecklistTemplate> out;
        const QDir dir(QStringLiteral(":/rollout"));
        const QStringList files = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
        for (const QString &f : files) {
            QFile file(dir.filePath(f));
            if (!file.open(QIODevice::ReadOnly)) {
                qWarning("Cannot read the built-in checklist template %s", qPrintable(file.fileName()));
                continue;
            }
            QString error;
            auto t = fromJson(file.readAll(), &error);
            if (!t) {
                // A broken resource is a build defect; tst_checklisttemplate catches it.
                qWarning("Built-in checklist template %s is invalid: %s", qPrintable(f), qPrintable(error));
                continue;
            }
            out.append(*t);
        }
        // Seed order (000 before 004): a rollout from both lists the Codex parity checklist first.
        std::sort(out.begin(), out.end(), [](const ChecklistTemplate &a, const ChecklistTemplate &b) {
            return std::tie(a.seed, a.id) < std::tie(b.seed, b.id);
        });
        return out;
    }();
    return all;
}

std::optional<ChecklistTemplate> ChecklistTemplate::builtIn(const QString &id)
{
    for (const ChecklistTemplate &t : builtIn())
        if (t.id == id)
            return t;
    return std::nullopt;
}

}  // namespace codex::rollout
