#pragma once

#include "metrics/PromMath.h"

#include <QChartView>
#include <QColor>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QWidget>

class QLabel;
class QLineSeries;
class QDateTimeAxis;
class QValueAxis;
class QToolButton;

namespace codex::ui {

/// The chart of one Monitor panel: draws breach intervals (translucent red), rollout stage markers
/// (vertical lines with their label) and the empty-state text over the plot; clicks on the plot
/// report the time under the cursor (for placing a stage marker at a clicked time).
class MonitorChartView : public QChartView {
    Q_OBJECT
public:
    struct Marker {
        qint64 tMs = 0;
        QString label;
        bool selected = false;
    };
    struct Interval {
        qint64 fromMs = 0, toMs = 0;
    };
    explicit MonitorChartView(QChart *chart, QWidget *parent = nullptr);
    void setMarkers(const QList<Marker> &markers);
    void setBreaches(const QList<Interval> &intervals);
    void setEmptyText(const QString &text);
    QString emptyText() const { return m_empty; }
    const QList<Interval> &breaches() const { return m_breaches; }
    const QList<Marker> &markers() const { return m_markers; }
    void setPicking(bool on);

Q_SIGNALS:
    void timeClicked(qint64 tMs);

protected:
    void drawForeground(QPainter *painter, const QRectF &rect) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    QList<Marker> m_markers;
    QList<Interval> m_breaches;
    QString m_empty;
    bool m_picking = false;
};

/// One Monitor panel: a title bar with PNG/CSV export buttons and a QtCharts chart with a date-time
/// axis. Series are given as points (NaN = gap: the line is split there); each logical series is
/// one legend entry (click to hide/show it) and hovering a line shows time and value. Threshold
/// lines are dashed horizontal lines across the window. Updates replace the points of existing
/// QLineSeries (QXYSeries::replace) instead of rebuilding the chart.
class MonitorChartPanel : public QWidget {
    Q_OBJECT
public:
    struct SeriesData {
        QString name;               ///< legend text and CSV column
        QVector<metrics::Point> points;
        QColor color;
    };
    struct Threshold {
        double value = 0;
        QString label;
        QColor color;
    };

    MonitorChartPanel(const QString &id, const QString &title, const QString &unit, QWidget *parent = nullptr);

    QString id() const { return m_id; }
    QString title() const { return m_title; }
    /// Values are multiplied by `scale` for display (error ratio → %).
    void setScale(double scale) { m_scale = scale; }
    /// Draw each point as a dot too (sparse series such as restores).
    void setPointsVisible(bool on) { m_pointsVisible = on; }
    void setData(const QList<SeriesData> &series, qint64 fromMs, qint64 toMs);
    void setThresholds(const QList<Threshold> &thresholds);
    void setMarkers(const QList<MonitorChartView::Marker> &markers);
    void setBreaches(const QList<MonitorChartView::Interval> &intervals);
    void setEmptyText(const QString &text);

    /// Whether any series has a finite point in the window.
    bool hasData() const;
    int pointCount(const QString &series) const;    ///< finite points of a series in the last update
    double lastValue(const QString &series) const;  ///< last finite value (display units); NaN when none
    QStringList seriesNames() const;
    QString emptyText() const;
    bool isSeriesHidden(const QString &series) const { return m_hidden.contains(series); }
    void setSeriesHidden(const QString &series, bool hidden);
    MonitorChartView *view() const { return m_view; }
    QChart *chart() const { return m_chart; }
    QList<Threshold> thresholds() const { return m_thresholds; }

    /// Writes the panel as PNG / CSV ("time,<series>…", ISO times in UTC, display units). Refuses to
    /// replace an existing file unless `overwrite` (the file dialog has asked); *error says why.
    bool exportPng(const QString &path, bool overwrite, QString *error) const;
    bool exportCsv(const QString &path, bool overwrite, QString *error) const;
    QByteArray csv() const;

Q_SIGNALS:
    void exportRequested(const QString &panelId, const QString &format);  ///< "png" / "csv"
    void timeClicked(qint64 tMs);

private:
    struct Logical {
        QList<QLineSeries *> segments;
        QColor color;
    };
    QLineSeries *newLine(const QString &name, const QColor &color, bool dashed);
    void updateLegend();
    void updateAxes();
    void onHovered(const QString &name, const QPointF &point, bool state);

    QString m_id, m_title, m_unit;
    double m_scale = 1.0;
    bool m_pointsVisible = false;
    QChart *m_chart;
    MonitorChartView *m_view;
    QDateTimeAxis *m_x;
    QValueAxis *m_y;
    QLabel *m_titleLabel;
    QHash<QString, Logical> m_series;
    QStringList m_order;
    QList<QLineSeries *> m_thresholdLines;
    QList<Threshold> m_thresholds;
    QSet<QString> m_hidden;
    QList<SeriesData> m_last;   // display units
    qint64 m_from = 0, m_to = 0;
};

}  // namespace codex::ui
