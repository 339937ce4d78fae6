#include "models/RolloutItemModel.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QIcon>
#include <QPainter>
#include <QPixmap>
#include <QLocale>

namespace codex::models {

namespace {

QString verdictText(rollout::CriterionResult::Verdict v)
{
    switch (v) {
    case rollout::CriterionResult::Verdict::Pass: return RolloutItemModel::tr("PASS");
    case rollout::CriterionResult::Verdict::Fail: return RolloutItemModel::tr("FAIL");
    case rollout::CriterionResult::Verdict::NoData: return RolloutItemModel::tr("NO DATA");
    }
    return {};
}

/// A filled dot in the verdict's colour (the same colours as the criteria table).
QIcon verdictDot(rollout::CriterionResult::Verdict v)
{
    static QHash<int, QIcon> cache;
    auto it = cache.constFind(int(v));
    if (it != cache.constEnd())
        return *it;
    const QColor c = v == rollout::CriterionResult::Verdict::Pass   ? QColor(46, 125, 50)
                     : v == rollout::CriterionResult::Verdict::Fail ? QColor(198, 40, 40)
                                                                     : QColor(117, 117, 117);
    QPixmap pm(12, 12);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(c);
    p.drawEllipse(1, 1, 10, 10);
    p.end();
    return *cache.insert(int(v), QIcon(pm));
}

}  // namespace

void RolloutItemModel::setVerdicts(const QList<rollout::CriterionResult> &results)
{
    m_verdicts.clear();
    for (const rollout::CriterionResult &r : results)
        if (!r.itemKey.isEmpty())
            m_verdicts.insert(r.itemKey, r);
    for (auto it = m_nodeOfItem.cbegin(); it != m_nodeOfItem.cend(); ++it)
        if (m_items[it.key()].def.kind == rollout::ItemKind::Criterion) {
            const QModelIndex idx = indexOf(it.value(), ItemColumn);
            Q_EMIT dataChanged(idx, idx, {Qt::DecorationRole, Qt::ToolTipRole});
        }
}

using namespace codex::rollout;

namespace {

bool counts(const RolloutItem &it)
{
    return it.def.kind != ItemKind::Info;
}

bool isDone(ItemStatus s)
{
    return s == ItemStatus::Done || s == ItemStatus::NotApplicable;
}

}  // namespace

int RolloutItemModel::Node::row() const
{
    if (!parent)
        return 0;
    for (size_t i = 0; i < parent->children.size(); ++i)
        if (parent->children[i].get() == this)
            return int(i);
    return 0;
}

RolloutItemModel::RolloutItemModel(QObject *parent) : QAbstractItemModel(parent), m_root(std::make_unique<Node>()) {}

RolloutItemModel::~RolloutItemModel() = default;

QString RolloutItemModel::statusText(ItemStatus s)
{
    switch (s) {
    case ItemStatus::Open: return tr("open");
    case ItemStatus::Done: return tr("done");
    case ItemStatus::NotApplicable: return tr("n/a");
    case ItemStatus::Blocked: return tr("blocked");
    }
    return {};
}

QColor RolloutItemModel::statusColor(ItemStatus s)
{
    switch (s) {
    case ItemStatus::Open: return QColor(90, 90, 90);
    case ItemStatus::Done: return QColor(30, 130, 50);
    case ItemStatus::NotApplicable: return QColor(120, 120, 120);
    case ItemStatus::Blocked: return QColor(190, 30, 30);
    }
    return {};
}

void RolloutItemModel::clear()
{
    beginResetModel();
    m_items.clear();
    m_templateIds.clear();
    build();
    endResetModel();
}

void RolloutItemModel::setRollout(const Rollout &rollout)
{
    beginResetModel();
    m_items = rollout.items;
    m_templateIds = rollout.templateIds;
    build();
    endResetModel();
}

void RolloutItemModel::updateRollout(const Rollout &rollout)
{
    bool same = rollout.items.size() == m_items.size() && rollout.templateIds == m_templateIds;
    for (int i = 0; same && i < m_items.size(); ++i)
        same = m_items[i].def.key == rollout.items[i].def.key && m_items[i].def.parentKey == rollout.items[i].def.parentKey
               && m_items[i].def.section == rollout.items[i].def.section;
    if (!same) {
        setRollout(rollout);
        return;
    }
    m_items = rollout.items;
    recount(m_root.get());
    if (!m_root->children.empty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    // Every level below: dataChanged of the top rows does not cover their children.
    std::function<void(Node *)> walk = [&](Node *n) {
        if (!n->children.empty()) {
            const QModelIndex p = n == m_root.get() ? QModelIndex() : indexOf(n, 0);
            Q_EMIT dataChanged(index(0, 0, p), index(int(n->children.size()) - 1, ColumnCount - 1, p));
        }
        for (auto &c : n->children)
            walk(c.get());
    };
    walk(m_root.get());
}

void RolloutItemModel::build()
{
    m_root = std::make_unique<Node>();
    m_byKey.clear();
    m_nodeOfItem.clear();
    QHash<QString, Node *> headings;  // path → node
    const bool multi = m_templateIds.size() > 1;
    QHash<QString, QString> titles;
    if (multi)
        for (const ChecklistTemplate &t : ChecklistTemplate::builtIn())
            titles.insert(t.id, t.title);
    auto headingNode = [&](const QStringList &path) {
        Node *parent = m_root.get();
        QString key;
        for (const QString &h : path) {
            key += QLatin1Char('\x1f') + h;
            Node *&n = headings[key];
            if (!n) {
                auto node = std::make_unique<Node>();
                node->parent = parent;
                node->heading = h;
                n = node.get();
                parent->children.push_back(std::move(node));
            }
            parent = n;
        }
        return parent;
    };
    for (int i = 0; i < m_items.size(); ++i) {
        const RolloutItem &it = m_items[i];
        m_byKey.insert(it.def.key, i);
        Node *parent = nullptr;
        if (!it.def.parentKey.isEmpty()) {
            const auto p = m_byKey.constFind(it.def.parentKey);
            if (p != m_byKey.constEnd())
                parent = m_nodeOfItem.value(*p);
        }
        if (!parent) {
            QStringList path = it.def.section;
            if (multi)
                path.prepend(titles.value(it.templateId, it.templateId));
            parent = headingNode(path);
        }
        auto node = std::make_unique<Node>();
        node->parent = parent;
        node->type = NodeType::Item;
        node->item = i;
        m_nodeOfItem.insert(i, node.get());
        parent->children.push_back(std::move(node));
    }
    recount(m_root.get());
}

void RolloutItemModel::recount(Node *n)
{
    n->done = 0;
    n->total = 0;
    if (n->type == NodeType::Item && counts(m_items[n->item])) {
        n->total = 1;
        n->done = isDone(m_items[n->item].status) ? 1 : 0;
    }
    for (auto &c : n->children) {
        recount(c.get());
        n->done += c->done;
        n->total += c->total;
    }
}

QModelIndex RolloutItemModel::indexOf(Node *n, int column) const
{
    if (!n || n == m_root.get())
        return {};
    return createIndex(n->row(), column, n);
}

RolloutItemModel::Node *RolloutItemModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex RolloutItemModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    Node *p = nodeOf(parent);
    if (!p || row >= int(p->children.size()))
        return {};
    return createIndex(row, column, p->children[size_t(row)].get());
}

QModelIndex RolloutItemModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    Node *n = nodeOf(child);
    return indexOf(n->parent, 0);
}

int RolloutItemModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    Node *p = nodeOf(parent);
    return p ? int(p->children.size()) : 0;
}

int RolloutItemModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QModelIndex RolloutItemModel::indexOfKey(const QString &key, int column) const
{
    const auto it = m_byKey.constFind(key);
    if (it == m_byKey.constEnd())
        return {};
    return indexOf(m_nodeOfItem.value(*it), column);
}

const RolloutItem *RolloutItemModel::itemAt(const QModelIndex &index) const
{
    if (!index.isValid())
        return nullptr;
    Node *n = nodeOf(index);
    return n->type == NodeType::Item ? &m_items[n->item] : nullptr;
}

const RolloutItem *RolloutItemModel::item(const QString &key) const
{
    const auto it = m_byKey.constFind(key);
    return it == m_byKey.constEnd() ? nullptr : &m_items[*it];
}

QVariant RolloutItemModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const Node *n = nodeOf(index);
    const int col = index.column();
    if (role == NodeTypeRole)
        return int(n->type);
    if (role == DoneCountRole)
        return n->done;
    if (role == TotalCountRole)
        return n->total;
    if (n->type == NodeType::Heading) {
        switch (role) {
        case Qt::DisplayRole:
            if (col == ItemColumn)
                return n->heading;
            if (col == StatusColumn)
                return QStringLiteral("%1/%2").arg(n->done).arg(n->total);
            return {};
        case Qt::FontRole:
            if (col == ItemColumn || col == StatusColumn) {
                QFont f;
                f.setBold(true);
                return f;
            }
            return {};
        case Qt::ForegroundRole:
            if (col == StatusColumn && n->total > 0 && n->done == n->total)
                return QBrush(statusColor(ItemStatus::Done));
            return {};
        case Qt::ToolTipRole:
            return tr("%1 of %2 items done (or not applicable)").arg(n->done).arg(n->total);
        case SearchTextRole:
            return n->heading;
        default:
            return {};
        }
    }
    const RolloutItem &it = m_items[n->item];
    switch (role) {
    case KeyRole: return it.def.key;
    case StatusRole: return int(it.status);
    case KindRole: return int(it.def.kind);
    case OwnerRole: return it.owner;
    case SearchTextRole:
        return QStringList{it.def.text, it.def.key, it.owner, it.note, it.def.detail, it.def.role}.join(QLatin1Char('\n'));
    case Qt::CheckStateRole:
        if (col == ItemColumn && it.def.kind == ItemKind::Check)
            return it.status == ItemStatus::Done ? Qt::Checked : Qt::Unchecked;
        return {};
    case Qt::DisplayRole:
    case Qt::EditRole:
        switch (col) {
        case ItemColumn: return it.def.text;
        case StatusColumn:
            if (it.def.kind == ItemKind::Info)
                return role == Qt::EditRole ? QVariant(int(it.status)) : QVariant();
            return role == Qt::EditRole ? QVariant(int(it.status)) : QVariant(statusText(it.status));
        case OwnerColumn: return it.owner;
        case UpdatedColumn:
            if (!it.updatedAt.isValid())
                return {};
            return it.updatedBy.isEmpty()
                       ? it.updatedAt.toLocalTime().toString(QStringLiteral("MM-dd HH:mm"))
                       : tr("%1 · %2").arg(it.updatedAt.toLocalTime().toString(QStringLiteral("MM-dd HH:mm")), it.updatedBy);
        case NoteColumn: {
            if (role == Qt::EditRole)
                return it.note;
            QString first = it.note.section(QLatin1Char('\n'), 0, 0);
            if (first.size() > 80)
                first = first.left(79) + QChar(0x2026);
            else if (it.note.contains(QLatin1Char('\n')))
                first += QStringLiteral(" …");
            return first;
        }
        case EvidenceColumn: return it.evidenceIds.isEmpty() ? QVariant() : QVariant(QString::number(it.evidenceIds.size()));
        }
        return {};
    case Qt::ForegroundRole:
        if (col == StatusColumn)
            return QBrush(statusColor(it.status));
        if (col == ItemColumn && it.status == ItemStatus::NotApplicable)
            return QBrush(QColor(130, 130, 130));
        return {};
    case Qt::FontRole:
        if (col == StatusColumn && it.status == ItemStatus::Blocked) {
            QFont f;
            f.setBold(true);
            return f;
        }
        if (col == ItemColumn && it.def.kind == ItemKind::Info) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        return {};
    case Qt::DecorationRole:
        if (col == ItemColumn) {
            const auto v = m_verdicts.constFind(it.def.key);
            if (v != m_verdicts.constEnd())
                return verdictDot(v->verdict);
        }
        return {};
    case Qt::ToolTipRole:
        if (col == ItemColumn) {
            QString tip = it.def.detail.isEmpty() ? it.def.text : it.def.text + QStringLiteral("\n\n") + it.def.detail;
            const auto v = m_verdicts.constFind(it.def.key);
            if (v != m_verdicts.constEnd())
                tip = tr("Criterion: %1 — %2 (threshold %3)").arg(verdictText(v->verdict), v->figure, v->threshold)
                      + QStringLiteral("\n\n") + tip;
            return tip;
        }
        if (col == NoteColumn && !it.note.isEmpty())
            return it.note.left(2000);
        if (col == UpdatedColumn && it.updatedAt.isValid())
            return tr("%1 by %2").arg(it.updatedAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")), it.updatedBy);
        if (col == EvidenceColumn && !it.evidenceIds.isEmpty())
            return tr("%n piece(s) of evidence attached", nullptr, int(it.evidenceIds.size()));
        return {};
    case Qt::TextAlignmentRole:
        if (col == EvidenceColumn)
            return int(Qt::AlignCenter);
        return {};
    default:
        return {};
    }
}

void RolloutItemModel::emitItemChanged(int itemIndex)
{
    Node *n = m_nodeOfItem.value(itemIndex);
    recount(m_root.get());
    for (Node *p = n; p && p != m_root.get(); p = p->parent)
        Q_EMIT dataChanged(indexOf(p, 0), indexOf(p, ColumnCount - 1));
}

bool RolloutItemModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (m_readOnly || !index.isValid())
        return false;
    Node *n = nodeOf(index);
    if (n->type != NodeType::Item)
        return false;
    RolloutItem &it = m_items[n->item];
    const int itemIndex = n->item;
    QString field;
    QVariant v;
    if (role == Qt::CheckStateRole && index.column() == ItemColumn && it.def.kind == ItemKind::Check) {
        const bool checked = value.toInt() == Qt::Checked;
        field = QStringLiteral("status");
        v = int(checked ? ItemStatus::Done : ItemStatus::Open);
    } else if (role == Qt::EditRole && index.column() == StatusColumn && it.def.kind != ItemKind::SignOff
               && it.def.kind != ItemKind::Info) {
        bool ok = false;
        const int s = value.toInt(&ok);
        if (!ok || s < int(ItemStatus::Open) || s > int(ItemStatus::Blocked))
            return false;
        field = QStringLiteral("status");
        v = s;
    } else if (role == Qt::EditRole && index.column() == OwnerColumn) {
        field = QStringLiteral("owner");
        v = value.toString().trimmed();
    } else {
        return false;
    }
    const QString key = it.def.key;
    if (m_editor && !m_editor(key, field, v))
        return false;
    // The editor may have reloaded the whole rollout (updateRollout): the item is current then.
    if (itemIndex < m_items.size() && m_items[itemIndex].def.key == key) {
        RolloutItem &cur = m_items[itemIndex];
        if (!m_editor) {
            if (field == QLatin1String("status"))
                cur.status = ItemStatus(v.toInt());
            else
                cur.owner = v.toString();
        }
        emitItemChanged(itemIndex);
    }
    return true;
}

Qt::ItemFlags RolloutItemModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    const Node *n = nodeOf(index);
    if (n->type != NodeType::Item)
        return f;
    const RolloutItem &it = m_items[n->item];
    if (m_readOnly)
        return f;
    if (index.column() == ItemColumn && it.def.kind == ItemKind::Check)
        f |= Qt::ItemIsUserCheckable;
    if (index.column() == StatusColumn && it.def.kind != ItemKind::SignOff && it.def.kind != ItemKind::Info)
        f |= Qt::ItemIsEditable;
    if (index.column() == OwnerColumn)
        f |= Qt::ItemIsEditable;
    return f;
}

QVariant RolloutItemModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ItemColumn: return tr("Item");
    case StatusColumn: return tr("Status");
    case OwnerColumn: return tr("Owner");
    case UpdatedColumn: return tr("Updated");
    case NoteColumn: return tr("Note");
    case EvidenceColumn: return tr("Evidence");
    }
    return {};
}

// ---------------------------------------------------------------------------------------------

RolloutFilterModel::RolloutFilterModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setRecursiveFilteringEnabled(true);
    setDynamicSortFilter(true);
}

void RolloutFilterModel::setMode(Mode mode)
{
    if (mode == m_mode)
        return;
    m_mode = mode;
    invalidateFilter();
}

void RolloutFilterModel::setMe(const QString &name)
{
    if (name == m_me)
        return;
    m_me = name;
    if (m_mode == Mode::Mine)
        invalidateFilter();
}

void RolloutFilterModel::setText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    invalidateFilter();
}

bool RolloutFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex idx = sourceModel()->index(sourceRow, 0, sourceParent);
    const auto type = RolloutItemModel::NodeType(idx.data(RolloutItemModel::NodeTypeRole).toInt());
    const QString text = m_text.trimmed();
    if (m_mode == Mode::All && text.isEmpty())
        return true;
    if (type == RolloutItemModel::NodeType::Heading)
        return false;  // kept by recursive filtering when something below matches
    bool ok = true;
    const auto status = ItemStatus(idx.data(RolloutItemModel::StatusRole).toInt());
    const auto kind = ItemKind(idx.data(RolloutItemModel::KindRole).toInt());
    switch (m_mode) {
    case Mode::All: break;
    case Mode::Open: ok = kind != ItemKind::Info && status == ItemStatus::Open; break;
    case Mode::Blocked: ok = status == ItemStatus::Blocked; break;
    case Mode::Mine:
        ok = !m_me.trimmed().isEmpty()
             && idx.data(RolloutItemModel::OwnerRole).toString().trimmed().compare(m_me.trimmed(), Qt::CaseInsensitive) == 0;
        break;
    }
    if (ok && !text.isEmpty())
        ok = idx.data(RolloutItemModel::SearchTextRole).toString().contains(text, Qt::CaseInsensitive);
    return ok;
}

}  // namespace codex::models
