#pragma once

#include "config/ConfigEditor.h"

#include <QAbstractTableModel>
#include <QColor>

namespace codex::models {

/// The keys of one configuration (schema order) with their effective value, source and origin,
/// over a ConfigEditor; editing the Value column writes the file through the editor.
class ConfigKeyModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { KeyColumn, ValueColumn, SourceColumn, OriginColumn, ColumnCount };
    enum Role {
        SourceRole = Qt::UserRole + 1,  ///< int(config::Source) of the winning layer
        ChainHtmlRole,                  ///< the whole precedence chain as HTML (shadowed struck through)
        KeyNameRole,                    ///< "retry.enabled"
        TypedValueRole,                 ///< the effective value as a typed QVariant
        InFileRole,                     ///< bool: the edited file sets this key
        HasIgnoredRole,                 ///< bool: some layer sets it but is ignored
        ValidRole,                      ///< bool: the effective value keeps the key's rule
    };

    explicit ConfigKeyModel(config::ConfigEditor *editor, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;

    int rowOf(const QString &key) const;
    const config::ResolvedKey *keyAt(int row) const;
    config::ConfigEditor *editor() const { return m_editor; }

    /// Whether URL credentials and secret values are shown in clear (the eye toggle).
    void setRevealSecrets(bool reveal);
    bool revealSecrets() const { return m_reveal; }

    /// The last refusal of setData, naming key, value and rule (for the page's banner).
    QString lastError() const { return m_lastError; }

    static QString sourceLabel(config::Source source);
    static QColor sourceColor(config::Source source);
    QString chainHtml(int row) const;

Q_SIGNALS:
    void editRefused(const QString &message);

private:
    void refresh();

    config::ConfigEditor *m_editor;
    bool m_reveal = false;
    QString m_lastError;
    int m_rows = 0;
};

}  // namespace codex::models
