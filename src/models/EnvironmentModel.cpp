#include "models/EnvironmentModel.h"

#include "common/Url.h"
#include "config/DotEnv.h"

#include <QColor>
#include <QFont>

namespace codex::models {

using namespace codex::config;

EnvironmentModel::EnvironmentModel(QObject *parent) : QAbstractTableModel(parent) {}

bool EnvironmentModel::isConfigVariable(const QString &name)
{
    static const QStringList prefixes = {QStringLiteral("CODEX_ARCHIVE_"), QStringLiteral("CODEX__"),
                                         QStringLiteral("PLUGINS__"),     QStringLiteral("SERVER__"),
                                         QStringLiteral("SECURITY__"),    QStringLiteral("OBSERVABILITY__")};
    const QString upper = name.toUpper();
    for (const QString &p : prefixes)
        if (upper.startsWith(p))
            return true;
    return upper == QLatin1String("CONFIG_FILE") || upper == QLatin1String("CODEX_EVIDENCE_DIR");
}

void EnvironmentModel::setBaseEnvironment(const QMap<QString, QString> &environment)
{
    beginResetModel();
    m_base = environment;
    m_vars.clear();
    for (auto it = environment.cbegin(); it != environment.cend(); ++it)
        if (isConfigVariable(it.key()))
            m_vars.append({it.key(), it.value(), false, StatusKind::NotRead, {}, false, false});
    endResetModel();
    Q_EMIT environmentChanged();
}

QMap<QString, QString> EnvironmentModel::environment() const
{
    QMap<QString, QString> env;
    for (auto it = m_base.cbegin(); it != m_base.cend(); ++it)
        if (!isConfigVariable(it.key()))
            env.insert(it.key(), it.value());
    for (const Var &v : m_vars)
        env.insert(v.name, v.value);
    return env;
}

int EnvironmentModel::indexOf(const QString &name) const
{
    for (int i = 0; i < m_vars.size(); ++i)
        if (m_vars[i].name == name)
            return i;
    return -1;
}

void EnvironmentModel::setVariable(const QString &name, const QString &value)
{
    const QString n = name.trimmed();
    if (n.isEmpty())
        return;
    const int i = indexOf(n);
    if (i >= 0) {
        if (m_vars[i].value == value)
            return;
        m_vars[i].value = value;
        m_vars[i].whatIf = m_base.value(n) != value || !m_base.contains(n);
        Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1));
    } else {
        beginInsertRows({}, int(m_vars.size()), int(m_vars.size()));
        m_vars.append({n, value, true, StatusKind::NotRead, {}, false, false});
        endInsertRows();
    }
    Q_EMIT environmentChanged();
}

void EnvironmentModel::removeVariable(const QString &name)
{
    const int i = indexOf(name);
    if (i < 0)
        return;
    beginRemoveRows({}, i, i);
    m_vars.removeAt(i);
    endRemoveRows();
    Q_EMIT environmentChanged();
}

void EnvironmentModel::resetToBase()
{
    setBaseEnvironment(m_base);
}

QStringList EnvironmentModel::loadDotEnv(const QByteArray &bytes)
{
    const DotEnv env = DotEnv::parse(bytes);
    for (const DotEnv::Entry &e : env.entries())
        setVariable(e.name, e.value);
    QStringList problems;
    for (const DotEnv::Problem &p : env.problems())
        problems.append(tr("line %1: %2").arg(p.line).arg(p.message));
    return problems;
}

void EnvironmentModel::setResolved(const ResolvedConfig &resolved)
{
    for (Var &v : m_vars) {
        v.kind = StatusKind::NotRead;
        v.status = tr("not read under %1").arg(resolved.profile ? resolved.profile->title : QString());
        v.secret = false;
        v.url = false;
        const Qt::CaseSensitivity cs = resolved.profile && resolved.profile->schema().envCaseInsensitive()
                                           ? Qt::CaseInsensitive
                                           : Qt::CaseSensitive;
        bool found = false;
        for (const ResolvedKey &k : resolved.keys) {
            if (k.schema->envVar.compare(v.name, cs) != 0 && !(k.origin.variable == v.name))
                continue;
            v.secret = k.schema->secret;
            v.url = k.schema->type == ValueType::Url;
            if (k.origin.source == Source::Env && k.origin.variable == v.name) {
                v.kind = StatusKind::Wins;
                v.status = tr("sets %1").arg(k.schema->key);
                found = true;
            }
            for (const Candidate &c : k.shadowed)
                if (!found && c.origin.source == Source::Env && c.origin.variable == v.name) {
                    v.kind = StatusKind::Shadowed;
                    v.status = tr("shadowed: %1 comes from %2").arg(k.schema->key, k.origin.toString());
                    found = true;
                }
            for (const IgnoredValue &i : k.ignored)
                if (!found && i.candidate.origin.source == Source::Env && i.candidate.origin.variable == v.name) {
                    v.kind = StatusKind::Ignored;
                    v.status = i.reason;
                    found = true;
                }
        }
        for (const ConfigIssue &issue : resolved.issues)
            if (issue.origin.source == Source::Env && issue.origin.variable == v.name) {
                v.kind = issue.severity == Severity::Error ? StatusKind::Problem
                         : v.kind == StatusKind::Wins        ? StatusKind::Problem
                                                             : StatusKind::Ignored;
                v.status = redactSecrets(issue.message);
            }
    }
    if (!m_vars.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_vars.size()) - 1, ColumnCount - 1));
}

QStringList EnvironmentModel::ignoredSummaries() const
{
    QStringList out;
    for (const Var &v : m_vars)
        if (v.kind == StatusKind::Ignored || v.kind == StatusKind::Problem || v.kind == StatusKind::Shadowed)
            out.append(QStringLiteral("%1=%2 — %3").arg(v.name, v.secret ? QStringLiteral("***") : redactUrl(v.value), v.status));
    return out;
}

void EnvironmentModel::setRevealSecrets(bool reveal)
{
    m_reveal = reveal;
    if (!m_vars.isEmpty())
        Q_EMIT dataChanged(index(0, ValueColumn), index(int(m_vars.size()) - 1, ValueColumn));
}

int EnvironmentModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_vars.size());
}

int EnvironmentModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString EnvironmentModel::nameAt(int row) const
{
    return row >= 0 && row < m_vars.size() ? m_vars[row].name : QString();
}

bool EnvironmentModel::isWhatIf(int row) const
{
    return row >= 0 && row < m_vars.size() && m_vars[row].whatIf;
}

QVariant EnvironmentModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_vars.size())
        return {};
    const Var &v = m_vars[index.row()];
    if (role == StatusKindRole)
        return int(v.kind);
    switch (index.column()) {
    case NameColumn:
        if (role == Qt::DisplayRole || role == Qt::EditRole)
            return v.name;
        if (role == Qt::ToolTipRole)
            return v.whatIf ? tr("What-if value (not in the real environment)") : tr("From the process environment");
        if (role == Qt::FontRole && v.whatIf) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        break;
    case ValueColumn:
        if (role == Qt::EditRole)
            return v.value;
        if (role == Qt::DisplayRole) {
            if (v.secret && !m_reveal)
                return QStringLiteral("••••••••");
            return m_reveal ? v.value : redactSecrets(redactUrl(v.value));
        }
        break;
    case StatusColumn:
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
            return v.status;
        if (role == Qt::ForegroundRole) {
            switch (v.kind) {
            case StatusKind::Wins: return QColor(0x2e, 0x7d, 0x32);
            case StatusKind::Shadowed: return QColor(0x75, 0x75, 0x75);
            case StatusKind::Ignored: return QColor(0xb2, 0x6a, 0x00);
            case StatusKind::Problem: return QColor(0xc6, 0x28, 0x28);
            case StatusKind::NotRead: return QColor(0x75, 0x75, 0x75);
            }
        }
        break;
    default: break;
    }
    return {};
}

QVariant EnvironmentModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Variable");
    case ValueColumn: return tr("Value");
    case StatusColumn: return tr("Effect");
    default: return {};
    }
}

Qt::ItemFlags EnvironmentModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.column() == ValueColumn)
        f |= Qt::ItemIsEditable;
    return f;
}

bool EnvironmentModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!index.isValid() || role != Qt::EditRole || index.column() != ValueColumn)
        return false;
    setVariable(m_vars[index.row()].name, value.toString());
    return true;
}

}  // namespace codex::models
