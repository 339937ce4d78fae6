#pragma once

#include "proxy/TestSuite.h"

#include <QAbstractTableModel>
#include <QList>
#include <optional>

namespace codex::models {

/// The Test suite tab's pass/fail table: one row per case to run, filled live as results
/// arrive (verdict with colour, case, checklist item, latency, the first failure's reason,
/// warnings).
class SuiteResultModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { VerdictColumn, CaseColumn, ChecklistColumn, LatencyColumn, ReasonColumn, WarningsColumn, ColumnCount };
    enum Role { CaseIdRole = Qt::UserRole + 1, VerdictRole };
    enum class State { Pending, Running, Done };

    explicit SuiteResultModel(QObject *parent = nullptr);

    /// Rows for the cases about to run (all "pending").
    void setCases(const QList<proxy::TestCase> &cases);
    void clear();
    void setRunning(const QString &caseId);
    /// Fills the row of result.id (appends one when the case was not listed).
    void setResult(const proxy::CaseResult &result);
    /// Rows still pending or running become "not run" (cancelled).
    void markNotRun();

    int rowOf(const QString &caseId) const;
    State state(int row) const { return m_rows.at(row).state; }
    std::optional<proxy::CaseResult> result(int row) const;
    int count(proxy::Verdict verdict) const;
    int doneCount() const;

    static QColor verdictColor(proxy::Verdict verdict);
    /// PASS, FAIL, … in the user's language.
    static QString verdictText(proxy::Verdict verdict);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString id, title, checklistItem;
        State state = State::Pending;
        bool notRun = false;
        std::optional<proxy::CaseResult> result;
    };
    QList<Row> m_rows;
};

}  // namespace codex::models
