#pragma once

#include "rollout/RolloutTypes.h"

#include <QAbstractItemModel>
#include <QSortFilterProxyModel>

#include <functional>
#include <memory>
#include <vector>

namespace codex::models {

/// The checklist of one rollout as a tree: (template headings when the rollout combines several
/// templates →) sections → sub-sections → items → sub-items. Columns: Item, Status, Owner,
/// Updated, Note, Evidence. Check items carry a check box on column 0 (checked = done); section
/// rows show their progress ("3/7"). Edits (check box, status, owner) go through an editor hook
/// — the page writes them to the store — and the row is updated only when it accepted them.
class RolloutItemModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { ItemColumn, StatusColumn, OwnerColumn, UpdatedColumn, NoteColumn, EvidenceColumn, ColumnCount };
    enum Role {
        KeyRole = Qt::UserRole + 1,  ///< item key (empty for headings)
        NodeTypeRole,                ///< NodeType
        StatusRole,                  ///< int(rollout::ItemStatus) of items
        KindRole,                    ///< int(rollout::ItemKind) of items
        OwnerRole,
        SearchTextRole,              ///< text, key, owner, note, detail (for the text filter)
        DoneCountRole,               ///< headings: done (or n/a) items below
        TotalCountRole               ///< headings: items below
    };
    enum class NodeType { Heading, Item };
    /// Writes an edit: field "status" (value: int ItemStatus) or "owner" (QString). Returns false
    /// (and the model keeps the old value) when the edit was refused.
    using Editor = std::function<bool(const QString &key, const QString &field, const QVariant &value)>;

    explicit RolloutItemModel(QObject *parent = nullptr);
    ~RolloutItemModel() override;

    /// Rebuilds the tree (reset) for another rollout.
    void setRollout(const rollout::Rollout &rollout);
    /// The same rollout reloaded: updates item state in place (no reset, so expansion and
    /// selection stay) when the items are the same keys; otherwise rebuilds.
    void updateRollout(const rollout::Rollout &rollout);
    void clear();
    void setEditor(Editor editor) { m_editor = std::move(editor); }
    void setReadOnly(bool readOnly) { m_readOnly = readOnly; }
    bool isReadOnly() const { return m_readOnly; }

    /// The latest judgement of the success criteria: criterion items show it as a coloured dot
    /// (green pass, red fail, grey no data) with the figure in the tooltip.
    void setVerdicts(const QList<rollout::CriterionResult> &results);

    QModelIndex indexOfKey(const QString &key, int column = 0) const;
    const rollout::RolloutItem *itemAt(const QModelIndex &index) const;
    const rollout::RolloutItem *item(const QString &key) const;

    static QString statusText(rollout::ItemStatus s);  ///< translated "open", "done", "n/a", "blocked"
    static QColor statusColor(rollout::ItemStatus s);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Node {
        Node *parent = nullptr;
        std::vector<std::unique_ptr<Node>> children;
        NodeType type = NodeType::Heading;
        QString heading;   // headings
        int item = -1;     // items: index into m_items
        int done = 0, total = 0;
        int row() const;
    };
    void build();
    void recount(Node *n);
    QModelIndex indexOf(Node *n, int column) const;
    Node *nodeOf(const QModelIndex &index) const;
    void emitItemChanged(int itemIndex);

    std::unique_ptr<Node> m_root;
    QList<rollout::RolloutItem> m_items;
    QHash<QString, int> m_byKey;
    QHash<int, Node *> m_nodeOfItem;
    QStringList m_templateIds;
    QHash<QString, rollout::CriterionResult> m_verdicts;  ///< by item key
    Editor m_editor;
    bool m_readOnly = false;
};

/// Filters the checklist: All / Open / Blocked / Mine (owner is the acting user) and a text;
/// recursive, so the headings (and parents) of matching items stay.
class RolloutFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class Mode { All, Open, Blocked, Mine };
    explicit RolloutFilterModel(QObject *parent = nullptr);
    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    void setMe(const QString &name);
    void setText(const QString &text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    Mode m_mode = Mode::All;
    QString m_me;
    QString m_text;
};

}  // namespace codex::models
