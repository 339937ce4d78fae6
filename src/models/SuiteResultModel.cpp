#include "models/SuiteResultModel.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QLocale>

namespace codex::models {

using proxy::Verdict;

SuiteResultModel::SuiteResultModel(QObject *parent) : QAbstractTableModel(parent) {}

void SuiteResultModel::setCases(const QList<proxy::TestCase> &cases)
{
    beginResetModel();
    m_rows.clear();
    for (const proxy::TestCase &c : cases)
        m_rows.append({c.id, c.title, c.checklistItem, State::Pending, false, std::nullopt});
    endResetModel();
}

void SuiteResultModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

int SuiteResultModel::rowOf(const QString &caseId) const
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].id == caseId)
            return i;
    return -1;
}

void SuiteResultModel::setRunning(const QString &caseId)
{
    const int row = rowOf(caseId);
    if (row < 0)
        return;
    m_rows[row].state = State::Running;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void SuiteResultModel::setResult(const proxy::CaseResult &result)
{
    int row = rowOf(result.id);
    if (row < 0) {
        row = int(m_rows.size());
        beginInsertRows({}, row, row);
        m_rows.append({result.id, result.title, result.checklistItem, State::Done, false, result});
        endInsertRows();
        return;
    }
    Row &r = m_rows[row];
    r.state = State::Done;
    r.result = result;
    if (!result.title.isEmpty())
        r.title = result.title;
    if (!result.checklistItem.isEmpty())
        r.checklistItem = result.checklistItem;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void SuiteResultModel::markNotRun()
{
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].state != State::Done) {
            m_rows[i].notRun = true;
            m_rows[i].state = State::Done;
            Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1));
        }
}

std::optional<proxy::CaseResult> SuiteResultModel::result(int row) const
{
    if (row < 0 || row >= m_rows.size())
        return std::nullopt;
    return m_rows.at(row).result;
}

int SuiteResultModel::count(Verdict verdict) const
{
    int n = 0;
    for (const Row &r : m_rows)
        if (r.result && r.result->verdict == verdict)
            ++n;
    return n;
}

int SuiteResultModel::doneCount() const
{
    int n = 0;
    for (const Row &r : m_rows)
        if (r.result)
            ++n;
    return n;
}

QColor SuiteResultModel::verdictColor(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Pass: return QColor(0x2e, 0x7d, 0x32);
    case Verdict::Fail: return QColor(0xc6, 0x28, 0x28);
    case Verdict::Inconclusive: return QColor(0xe6, 0x51, 0x00);
    case Verdict::Error: return QColor(0x8e, 0x24, 0xaa);
    case Verdict::Skipped: return QColor(0x75, 0x75, 0x75);
    }
    return {};
}

int SuiteResultModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SuiteResultModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString SuiteResultModel::verdictText(Verdict v)
{
    switch (v) {
    case Verdict::Pass: return SuiteResultModel::tr("PASS");
    case Verdict::Fail: return SuiteResultModel::tr("FAIL");
    case Verdict::Inconclusive: return SuiteResultModel::tr("INCONCLUSIVE");
    case Verdict::Error: return SuiteResultModel::tr("ERROR");
    case Verdict::Skipped: return SuiteResultModel::tr("SKIPPED");
    }
    return {};
}

QVariant SuiteResultModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row &r = m_rows.at(index.row());
    const int col = index.column();
    if (role == CaseIdRole)
        return r.id;
    if (role == VerdictRole)
        return r.result ? QVariant(int(r.result->verdict)) : QVariant();
    if (role == Qt::DisplayRole) {
        switch (col) {
        case VerdictColumn:
            if (r.result)
                return verdictText(r.result->verdict);
            if (r.notRun)
                return tr("not run");
            return r.state == State::Running ? tr("running…") : tr("pending");
        case CaseColumn: return r.title.isEmpty() ? r.id : r.title;
        case ChecklistColumn: return r.checklistItem;
        case LatencyColumn: return r.result ? QLocale().toString(r.result->latencyMs, 'f', 0) : QString();
        case ReasonColumn: return r.result ? r.result->firstFailure() : QString();
        case WarningsColumn: return r.result ? r.result->warnings.join(QStringLiteral("; ")) : QString();
        }
    } else if (role == Qt::ToolTipRole) {
        if (col == CaseColumn)
            return r.id;
        if (col == ReasonColumn && r.result)
            return r.result->firstFailure();
        if (col == WarningsColumn && r.result)
            return r.result->warnings.join(QLatin1Char('\n'));
    } else if (role == Qt::ForegroundRole) {
        if (col == VerdictColumn && r.result)
            return QBrush(Qt::white);
        if (col == WarningsColumn)
            return QBrush(QColor(0xe6, 0x51, 0x00));
        if (!r.result)
            return QBrush(QColor(0x75, 0x75, 0x75));
    } else if (role == Qt::BackgroundRole) {
        if (col == VerdictColumn && r.result)
            return QBrush(verdictColor(r.result->verdict));
    } else if (role == Qt::FontRole && col == VerdictColumn && r.result) {
        QFont f;
        f.setBold(true);
        return f;
    } else if (role == Qt::TextAlignmentRole) {
        if (col == VerdictColumn)
            return int(Qt::AlignCenter);
        if (col == LatencyColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant SuiteResultModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case VerdictColumn: return tr("Verdict");
    case CaseColumn: return tr("Case");
    case ChecklistColumn: return tr("Checklist item");
    case LatencyColumn: return tr("Latency (ms)");
    case ReasonColumn: return tr("Reason for the first failure");
    case WarningsColumn: return tr("Warnings");
    }
    return {};
}

}  // namespace codex::models
