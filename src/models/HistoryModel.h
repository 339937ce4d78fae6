#pragma once

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QList>

namespace codex::models {

/// The endpoint tester's call history (EndpointStore::history(): ProxyResponse::toJson objects,
/// newest first) as a table: time, environment, method, path, status, total time.
class HistoryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, EnvironmentColumn, MethodColumn, PathColumn, StatusColumn, TotalColumn, ColumnCount };
    enum Role { JsonRole = Qt::UserRole + 1 };

    explicit HistoryModel(QObject *parent = nullptr);
    void setEntries(const QList<QJsonObject> &entries);
    /// A new call: goes on top (the list keeps at most `max` entries).
    void prepend(const QJsonObject &entry, int max = 500);
    QJsonObject entry(int row) const { return m_entries.value(row); }

    /// Tolerant readers of a history object (keys as ProxyResponse::toJson writes them).
    static QString method(const QJsonObject &o);
    static QString url(const QJsonObject &o);
    static QString path(const QJsonObject &o);
    static int status(const QJsonObject &o);
    static double totalMs(const QJsonObject &o);
    static qint64 startedAtMs(const QJsonObject &o);
    static QString environment(const QJsonObject &o);
    static QString errorText(const QJsonObject &o);
    static QByteArray requestBody(const QJsonObject &o);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<QJsonObject> m_entries;
};

}  // namespace codex::models
