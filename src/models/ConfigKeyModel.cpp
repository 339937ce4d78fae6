#include "models/ConfigKeyModel.h"

#include "common/Url.h"

#include <QCoreApplication>
#include <QFont>

namespace codex::models {

using namespace codex::config;

ConfigKeyModel::ConfigKeyModel(ConfigEditor *editor, QObject *parent) : QAbstractTableModel(parent), m_editor(editor)
{
    connect(m_editor, &ConfigEditor::resolvedChanged, this, &ConfigKeyModel::refresh);
    m_rows = int(m_editor->resolved().keys.size());
}

void ConfigKeyModel::refresh()
{
    const int rows = int(m_editor->resolved().keys.size());
    if (rows != m_rows) {  // a different profile: a different schema
        beginResetModel();
        m_rows = rows;
        endResetModel();
        return;
    }
    if (rows > 0)
        Q_EMIT dataChanged(index(0, 0), index(rows - 1, ColumnCount - 1));
}

int ConfigKeyModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_rows;
}

int ConfigKeyModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const ResolvedKey *ConfigKeyModel::keyAt(int row) const
{
    const auto &keys = m_editor->resolved().keys;
    return row >= 0 && row < keys.size() ? &keys[row] : nullptr;
}

int ConfigKeyModel::rowOf(const QString &key) const
{
    const auto &keys = m_editor->resolved().keys;
    for (int i = 0; i < keys.size(); ++i)
        if (keys[i].schema->key == key)
            return i;
    return -1;
}

void ConfigKeyModel::setRevealSecrets(bool reveal)
{
    if (reveal == m_reveal)
        return;
    m_reveal = reveal;
    refresh();
}

QString ConfigKeyModel::sourceLabel(Source source)
{
    switch (source) {
    case Source::Default: return tr("default");
    case Source::File: return tr("file");
    case Source::Env: return tr("env");
    case Source::DotEnv: return tr(".env");
    case Source::Override: return tr("override");
    }
    return {};
}

QColor ConfigKeyModel::sourceColor(Source source)
{
    switch (source) {
    case Source::Default: return QColor(0x75, 0x75, 0x75);
    case Source::File: return QColor(0x1e, 0x63, 0xb8);
    case Source::Env: return QColor(0x2e, 0x7d, 0x32);
    case Source::DotEnv: return QColor(0x00, 0x79, 0x6b);
    case Source::Override: return QColor(0x6a, 0x1b, 0x9a);
    }
    return {};
}

namespace {
// The chain names the layer with its coloured label; the origin then only says where in it.
QString where(const Origin &o)
{
    if (o.source == Source::Env)
        return o.note.isEmpty() ? o.variable : QStringLiteral("%1 (%2)").arg(o.variable, o.note);
    return o.toString();
}
}  // namespace

QString ConfigKeyModel::chainHtml(int row) const
{
    const ResolvedKey *k = keyAt(row);
    if (!k)
        return {};
    auto value = [&](const QVariant &v) { return ConfigResolver::displayValue(*k->schema, v, m_reveal).toHtmlEscaped(); };
    const QString from = k->origin.source == Source::Default
                             ? tr("built-in default")
                             : QStringLiteral("<span style='color:%1'>%2</span> — %3")
                                   .arg(sourceColor(k->origin.source).name(), sourceLabel(k->origin.source),
                                        where(k->origin).toHtmlEscaped());
    QString html = QStringLiteral("<p><b>%1</b> = <b>%2</b><br/>%3 %4</p>")
                       .arg(k->schema->key.toHtmlEscaped(), value(k->value), tr("from"), from);
    if (!k->valid)
        html += QStringLiteral("<p style='color:#c62828'>%1</p>").arg(tr("This value breaks the rule: %1").arg(k->schema->ruleText().toHtmlEscaped()));
    if (!k->shadowed.isEmpty()) {
        html += QStringLiteral("<p><b>%1</b><br/>").arg(tr("Shadowed (lower precedence)"));
        for (const Candidate &c : k->shadowed)
            html += c.origin.source == Source::Default
                        ? QStringLiteral("<s>%1</s> — %2<br/>").arg(value(c.value), tr("built-in default"))
                        : QStringLiteral("<s>%1</s> — %2 %3<br/>")
                              .arg(value(c.value), sourceLabel(c.origin.source), where(c.origin).toHtmlEscaped());
        html += QStringLiteral("</p>");
    }
    if (!k->ignored.isEmpty()) {
        html += QStringLiteral("<p><b style='color:#b26a00'>%1</b><br/>").arg(tr("Set but ignored"));
        for (const IgnoredValue &i : k->ignored)
            html += QStringLiteral("<s>%1</s> — %2 %3<br/><i>%4</i><br/>")
                        .arg(ConfigResolver::displayCandidate(*k->schema, i.candidate, m_reveal).toHtmlEscaped(),
                             sourceLabel(i.candidate.origin.source), where(i.candidate.origin).toHtmlEscaped(),
                             i.reason.toHtmlEscaped());
        html += QStringLiteral("</p>");
    }
    QString rule = k->schema->ruleText();
    if (!k->schema->envVar.isEmpty())
        rule += QStringLiteral(" · ") + tr("env %1").arg(k->schema->envVar);
    html += QStringLiteral("<p style='color:palette(mid)'>%1<br/>%2</p>")
                .arg(QCoreApplication::translate("schema", k->schema->help.toUtf8().constData()).toHtmlEscaped(), rule.toHtmlEscaped());
    return html;
}

QVariant ConfigKeyModel::data(const QModelIndex &index, int role) const
{
    const ResolvedKey *k = keyAt(index.row());
    if (!k || !index.isValid())
        return {};
    switch (role) {
    case SourceRole: return int(k->origin.source);
    case ChainHtmlRole: return chainHtml(index.row());
    case KeyNameRole: return k->schema->key;
    case TypedValueRole: return k->value;
    case InFileRole: return m_editor->document().find(k->schema->key).has_value();
    case HasIgnoredRole: return !k->ignored.isEmpty();
    case ValidRole: return k->valid;
    case Qt::ToolTipRole: return chainHtml(index.row());
    default: break;
    }
    switch (index.column()) {
    case KeyColumn:
        if (role == Qt::DisplayRole)
            return k->schema->key;
        break;
    case ValueColumn:
        if (role == Qt::DisplayRole)
            return ConfigResolver::displayValue(*k->schema, k->value, m_reveal);
        if (role == Qt::EditRole)
            return k->value;
        if (role == Qt::ForegroundRole && !k->valid)
            return QColor(0xc6, 0x28, 0x28);
        break;
    case SourceColumn:
        if (role == Qt::DisplayRole)
            return sourceLabel(k->origin.source);
        if (role == Qt::ForegroundRole)
            return sourceColor(k->origin.source);
        break;
    case OriginColumn:
        if (role == Qt::DisplayRole)
            return k->origin.toString();
        break;
    default: break;
    }
    return {};
}

QVariant ConfigKeyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case KeyColumn: return tr("Key");
    case ValueColumn: return tr("Effective value");
    case SourceColumn: return tr("Layer");
    case OriginColumn: return tr("Origin");
    default: return {};
    }
}

Qt::ItemFlags ConfigKeyModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.column() == ValueColumn && !m_editor->hasParseError())
        f |= Qt::ItemIsEditable;
    return f;
}

bool ConfigKeyModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    const ResolvedKey *k = keyAt(index.row());
    if (!k || role != Qt::EditRole || index.column() != ValueColumn)
        return false;
    QVariant typed = value;
    if (value.typeId() == QMetaType::QString && k->schema->type != ValueType::String && k->schema->type != ValueType::Url
        && k->schema->type != ValueType::Path && k->schema->type != ValueType::Enum) {
        QString error;
        typed = ConfigResolver::parseText(*k->schema, value.toString(), &error);
        if (!typed.isValid()) {
            m_lastError = tr("%1: %2 (expected %3)").arg(k->schema->key, error, k->schema->ruleText());
            Q_EMIT editRefused(m_lastError);
            return false;
        }
    } else if (value.typeId() == QMetaType::Int) {
        typed = QVariant::fromValue<qint64>(value.toInt());
    }
    const QString key = k->schema->key;  // k is invalidated by the edit's re-resolution
    const ConfigEditor::Result r = m_editor->setValue(key, typed);
    if (!r.ok) {
        m_lastError = redactSecrets(r.message);
        Q_EMIT editRefused(m_lastError);
        return false;
    }
    m_lastError.clear();
    return true;
}

}  // namespace codex::models
