#pragma once

#include "proxy/SseParser.h"

#include <QAbstractTableModel>
#include <QList>

namespace codex::models {

/// The live list of Server-Sent Events of one response: index, time since the request started,
/// event name and a preview of the data. Events are appended in batches (one model update per
/// batch, not per event) and the list is capped so an endless stream cannot eat memory: past
/// the cap events are counted, not kept.
class SseEventModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { IndexColumn, TimeColumn, EventColumn, DataColumn, ColumnCount };
    enum Role { DataRole = Qt::UserRole + 1 };  ///< the full data text
    QString summary(int row) const { return m_summaries.value(row); }

    explicit SseEventModel(QObject *parent = nullptr);

    void clear();
    void append(const QList<proxy::SseEvent> &events);
    void setEvents(const QList<proxy::SseEvent> &events, int totalCount);

    void setCap(int maxRows);
    int cap() const { return m_cap; }
    /// Every event seen, including those past the cap.
    int totalCount() const { return m_total; }
    int droppedCount() const { return m_total - int(m_events.size()); }
    const proxy::SseEvent &event(int row) const { return m_events.at(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    /// One line for the list: the text delta, tool-call fragment, finish reason… of the event's
    /// JSON (chat chunks and Responses events), else the raw data.
    static QString summarize(const proxy::SseEvent &event);

    QList<proxy::SseEvent> m_events;
    QStringList m_summaries;
    int m_cap = 10000;
    int m_total = 0;
};

}  // namespace codex::models
