#include "models/BatchItemModel.h"

#include "batch/BatchRunner.h"

#include <QColor>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHash>
#include <QIcon>
#include <QLocale>
#include <QPainter>
#include <QPalette>
#include <QPixmap>
#include <QRegularExpression>

#include <algorithm>

namespace codex::models {

using batch::ItemState;
using batch::ItemStatus;

namespace {

/// Rows closer than this are sent in one dataChanged() range: a few extra rows repainted cost
/// less than many signals.
constexpr int kMergeGap = 32;
/// More ranges than this in one update: send the span from the first to the last row instead.
constexpr int kMaxRanges = 16;

QIcon statusIcon(ItemStatus status)
{
    static QHash<int, QIcon> cache;
    const auto it = cache.constFind(int(status));
    if (it != cache.constEnd())
        return *it;
    const QColor colour = BatchItemModel::statusColor(status);
    QPixmap pm(12, 12);
    pm.fill(Qt::transparent);
    {
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        const QColor c = colour.isValid() ? colour : QColor(0x9e, 0x9e, 0x9e);
        p.setPen(QPen(c.darker(130), 1));
        p.setBrush(status == ItemStatus::Pending ? QBrush(Qt::NoBrush) : QBrush(c));
        p.drawEllipse(QRectF(1.5, 1.5, 9, 9));
    }
    QIcon icon(pm);
    cache.insert(int(status), icon);
    return icon;
}

/// The table's # column names the entry already: "entry 12 (line 13): " is left out of the cell.
QString withoutEntryPrefix(const QString &s)
{
    static const QRegularExpression prefix(QStringLiteral("^entry \\d+(?: \\(line \\d+\\))?: "));
    const QRegularExpressionMatch m = prefix.match(s);
    return m.hasMatch() ? s.mid(m.capturedLength()) : s;
}

QString firstLine(const QString &s)
{
    const qsizetype nl = s.indexOf(QLatin1Char('\n'));
    return nl < 0 ? s : s.left(nl) + QStringLiteral(" …");
}

}  // namespace

BatchItemModel::BatchItemModel(QObject *parent) : QAbstractTableModel(parent) {}

void BatchItemModel::setManifest(const batch::Manifest &manifest, const QString &defaultActor)
{
    beginResetModel();
    attach(nullptr);
    m_manifest = manifest;
    m_defaultActor = defaultActor;
    m_states = QList<ItemState>(manifest.entries.size());
    endResetModel();
}

void BatchItemModel::clear()
{
    setManifest(batch::Manifest{});
}

void BatchItemModel::setDefaultActor(const QString &actor)
{
    if (actor == m_defaultActor)
        return;
    m_defaultActor = actor;
    if (!m_states.isEmpty()) {
        ++m_signals;
        Q_EMIT dataChanged(index(0, ActorColumn), index(rowCount() - 1, ActorColumn));
    }
}

void BatchItemModel::setValidation(const batch::ValidationReport &report)
{
    if (m_runner && m_runner->isRunning())
        return;
    QHash<int, QStringList> reasons;
    for (const batch::ValidationIssue &issue : report.issues)
        if (issue.blocking && issue.index >= 0 && issue.index < m_states.size())
            reasons[issue.index].append(issue.message);
    QList<int> changed;
    for (int i = 0; i < m_states.size(); ++i) {
        ItemState &s = m_states[i];
        const auto it = reasons.constFind(i);
        if (it != reasons.constEnd()) {
            const QString error = it->join(QLatin1Char('\n'));
            if (s.status != ItemStatus::Blocked || s.error != error) {
                s = ItemState{};
                s.status = ItemStatus::Blocked;
                s.error = error;
                changed.append(i);
            }
        } else if (s.status != ItemStatus::Pending) {
            s = ItemState{};
            changed.append(i);
        }
    }
    emitRanges(changed);
}

void BatchItemModel::attach(batch::BatchRunner *runner)
{
    if (m_connection)
        disconnect(m_connection);
    m_connection = {};
    m_runner = runner;
    if (!runner)
        return;
    m_connection = connect(runner, &batch::BatchRunner::progressed, this,
                           [this](const batch::BatchProgress &, const QList<int> &changed) { onProgressed(changed); });
}

void BatchItemModel::refreshAll()
{
    if (!m_runner)
        return;
    const QList<ItemState> states = m_runner->states();
    if (states.size() != m_states.size())
        return;  // not the manifest shown
    m_states = states;
    if (!m_states.isEmpty()) {
        ++m_signals;
        Q_EMIT dataChanged(index(0, OutputColumn), index(rowCount() - 1, ErrorColumn));
    }
}

void BatchItemModel::onProgressed(const QList<int> &changed)
{
    if (!m_runner || changed.isEmpty())
        return;
    const qsizetype n = m_states.size();
    if (changed.size() > 64) {
        // Many rows: one copy of the whole list is cheaper than many locked single reads.
        const QList<ItemState> states = m_runner->states();
        if (states.size() != n)
            return;
        for (int i : changed)
            if (i >= 0 && i < n)
                m_states[i] = states.at(i);
    } else {
        for (int i : changed)
            if (i >= 0 && i < n)
                m_states[i] = m_runner->state(i);
    }
    emitRanges(changed);
}

void BatchItemModel::emitRanges(QList<int> rows)
{
    if (rows.isEmpty())
        return;
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    while (!rows.isEmpty() && rows.first() < 0)
        rows.removeFirst();
    while (!rows.isEmpty() && rows.last() >= m_states.size())
        rows.removeLast();
    if (rows.isEmpty())
        return;
    QList<QPair<int, int>> ranges;
    for (int r : rows) {
        if (!ranges.isEmpty() && r - ranges.last().second <= kMergeGap)
            ranges.last().second = r;
        else
            ranges.append({r, r});
    }
    if (ranges.size() > kMaxRanges)
        ranges = {{ranges.first().first, ranges.last().second}};
    // The manifest columns (#, tombstone, actor) never change during a run, so a view sorted by
    // them is not re-sorted on every update; output can (a renamed file).
    for (const auto &range : std::as_const(ranges)) {
        ++m_signals;
        Q_EMIT dataChanged(index(range.first, OutputColumn), index(range.second, ErrorColumn));
    }
}

bool BatchItemModel::isFailure(ItemStatus status)
{
    return status == ItemStatus::Failed || status == ItemStatus::Blocked || status == ItemStatus::Cancelled;
}

QString BatchItemModel::statusText(ItemStatus status)
{
    switch (status) {
    case ItemStatus::Pending: return tr("pending");
    case ItemStatus::Blocked: return tr("blocked");
    case ItemStatus::Running: return tr("running");
    case ItemStatus::Waiting: return tr("waiting to retry");
    case ItemStatus::Succeeded: return tr("restored");
    case ItemStatus::Failed: return tr("failed");
    case ItemStatus::Cancelled: return tr("not run");
    case ItemStatus::Skipped: return tr("already restored");
    }
    return QString();
}

QColor BatchItemModel::statusColor(ItemStatus status)
{
    // Mid tones that read on light and dark palettes alike.
    switch (status) {
    case ItemStatus::Pending: return {};
    case ItemStatus::Blocked: return QColor(0xc2, 0x18, 0x5b);
    case ItemStatus::Running: return QColor(0x1e, 0x88, 0xe5);
    case ItemStatus::Waiting: return QColor(0xef, 0x6c, 0x00);
    case ItemStatus::Succeeded: return QColor(0x2e, 0x9d, 0x3a);
    case ItemStatus::Failed: return QColor(0xd3, 0x2f, 0x2f);
    case ItemStatus::Cancelled: return QColor(0x8d, 0x8d, 0x8d);
    case ItemStatus::Skipped: return QColor(0x00, 0x89, 0x7b);
    }
    return {};
}

QString BatchItemModel::durationText(qint64 ms)
{
    const QLocale loc;
    if (ms < 1000)
        return tr("%1 ms").arg(loc.toString(ms));
    if (ms < 60'000)
        return tr("%1 s").arg(loc.toString(double(ms) / 1000.0, 'f', ms < 10'000 ? 2 : 1));
    return tr("%1 min %2 s").arg(ms / 60'000).arg((ms / 1000) % 60);
}

int BatchItemModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_states.size());
}

int BatchItemModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BatchItemModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_states.size())
        return {};
    const int row = index.row();
    const ItemState &s = m_states.at(row);
    const batch::ManifestEntry &e = m_manifest.entries.at(row);
    const bool started = s.status != ItemStatus::Pending && s.status != ItemStatus::Blocked;
    switch (role) {
    case StatusRole:
        return int(s.status);
    case EntryIndexRole:
        return row;
    case Qt::DisplayRole:
        switch (index.column()) {
        case IndexColumn: return row + 1;
        case TombstoneColumn: return e.tombstone;
        case OutputColumn: return s.output.isEmpty() ? e.output : QDir(m_manifest.baseDir).relativeFilePath(s.output);
        case ActorColumn: return e.actor.isEmpty() ? m_defaultActor : e.actor;
        case StatusColumn: return statusText(s.status);
        case AttemptsColumn: return s.attempts > 0 ? QVariant(s.attempts) : QVariant();
        case DurationColumn: return started && (s.durationMs > 0 || s.attempts > 0) ? durationText(s.durationMs) : QString();
        case ErrorColumn: return firstLine(withoutEntryPrefix(s.error));
        }
        break;
    case SortRole:
        switch (index.column()) {
        case IndexColumn: return row;
        case StatusColumn: return int(s.status);
        case AttemptsColumn: return s.attempts;
        case DurationColumn: return s.durationMs;
        default: return data(index, Qt::DisplayRole);
        }
    case Qt::ToolTipRole:
        switch (index.column()) {
        case IndexColumn:
            return e.line > 0 ? tr("Entry %1, line %2 of %3").arg(row + 1).arg(e.line).arg(QFileInfo(m_manifest.path).fileName())
                              : tr("Entry %1").arg(row + 1);
        case OutputColumn: return s.output.isEmpty() ? e.resolvedOutput : s.output;
        case ActorColumn: return e.actor.isEmpty() ? tr("The batch's actor (the entry names none)") : QVariant();
        case StatusColumn:
            return s.status == ItemStatus::Skipped ? tr("Restored and verified by an earlier run; not restored again.")
                                                   : QVariant();
        case ErrorColumn: return s.error.isEmpty() ? QVariant() : s.error;
        }
        break;
    case Qt::DecorationRole:
        if (index.column() == StatusColumn)
            return statusIcon(s.status);
        break;
    case Qt::ForegroundRole:
        if (index.column() == StatusColumn || (index.column() == ErrorColumn && isFailure(s.status))) {
            const QColor c = statusColor(s.status);
            if (c.isValid())
                return c;
        }
        if (index.column() == ActorColumn && e.actor.isEmpty())
            return QGuiApplication::palette().color(QPalette::PlaceholderText);
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == IndexColumn || index.column() == AttemptsColumn || index.column() == DurationColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        break;
    default:
        break;
    }
    return {};
}

QVariant BatchItemModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IndexColumn: return tr("#");
    case TombstoneColumn: return tr("Tombstone");
    case OutputColumn: return tr("Output");
    case ActorColumn: return tr("Actor");
    case StatusColumn: return tr("Status");
    case AttemptsColumn: return tr("Attempts");
    case DurationColumn: return tr("Duration");
    case ErrorColumn: return tr("Error");
    }
    return {};
}

// --- BatchFilterModel -------------------------------------------------------------------------

BatchFilterModel::BatchFilterModel(QObject *parent) : QSortFilterProxyModel(parent)
{
    setSortRole(BatchItemModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
}

void BatchFilterModel::setFailuresOnly(bool on)
{
    if (on == m_failuresOnly)
        return;
    m_failuresOnly = on;
    invalidateRowsFilter();
}

void BatchFilterModel::setText(const QString &text)
{
    const QString t = text.trimmed();
    if (t == m_text)
        return;
    m_text = t;
    invalidateRowsFilter();
}

bool BatchFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    const auto *model = qobject_cast<const BatchItemModel *>(sourceModel());
    if (!model)
        return true;
    const ItemState &s = model->stateAt(sourceRow);
    if (m_failuresOnly && !BatchItemModel::isFailure(s.status))
        return false;
    if (m_text.isEmpty())
        return true;
    const batch::ManifestEntry &e = model->entryAt(sourceRow);
    for (const QString *field : {&e.tombstone, &e.output, &e.actor, &s.output, &s.error})
        if (field->contains(m_text, Qt::CaseInsensitive))
            return true;
    return false;
}

}  // namespace codex::models
