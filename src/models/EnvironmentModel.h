#pragma once

#include "config/ConfigResolver.h"

#include <QAbstractTableModel>
#include <QMap>

namespace codex::models {

/// The what-if environment: the process's configuration variables plus the admin's additions,
/// each with what the active profile makes of it (wins, shadowed, ignored and why, not read).
/// Editing it never touches the real environment.
class EnvironmentModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, ValueColumn, StatusColumn, ColumnCount };
    enum Role { StatusKindRole = Qt::UserRole + 1 };
    enum class StatusKind { Wins, Shadowed, Ignored, Problem, NotRead };
    Q_ENUM(StatusKind)

    explicit EnvironmentModel(QObject *parent = nullptr);

    /// Starts from a full environment; only configuration-looking variables become rows.
    void setBaseEnvironment(const QMap<QString, QString> &environment);
    /// The environment the resolver should see: hidden base variables plus every row.
    QMap<QString, QString> environment() const;

    /// Adds or changes a variable (a what-if edit).
    void setVariable(const QString &name, const QString &value);
    void removeVariable(const QString &name);
    /// Back to the process environment.
    void resetToBase();
    /// Adds variables from a .env file's text; returns the problems found, with line numbers.
    QStringList loadDotEnv(const QByteArray &bytes);

    /// Recomputes the status column from a resolution of the current environment.
    void setResolved(const config::ResolvedConfig &resolved);
    void setRevealSecrets(bool reveal);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;

    QString nameAt(int row) const;
    bool isWhatIf(int row) const;
    /// Variables set that have no effect under the profile (ignored, shadowed by a higher layer,
    /// or refused), with the reason: the banner's text.
    QStringList ignoredSummaries() const;

    static bool isConfigVariable(const QString &name);

Q_SIGNALS:
    void environmentChanged();

private:
    struct Var {
        QString name;
        QString value;
        bool whatIf = false;  ///< added or changed by the admin
        StatusKind kind = StatusKind::NotRead;
        QString status;
        bool secret = false;
        bool url = false;
    };
    QMap<QString, QString> m_base;
    QList<Var> m_vars;
    bool m_reveal = false;
    int indexOf(const QString &name) const;
};

}  // namespace codex::models
