#pragma once

#include <QPair>
#include <QVector>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QBarCategoryAxis;
class QBarSeries;
class QBarSet;
class QChart;
class QChartView;
class QValueAxis;
QT_END_NAMESPACE

namespace codex::ui {

/// The Load tab's live latency histogram: LatencyHistogram::bins() as QtCharts bars (bucket
/// upper bound in ms on the x axis, requests on the y axis).
class LoadHistogramWidget : public QWidget {
    Q_OBJECT
public:
    explicit LoadHistogramWidget(QWidget *parent = nullptr);
    void setBins(const QVector<QPair<double, qint64>> &bins);
    void clear();
    /// Bars with at least one request.
    int barCount() const;
    qint64 total() const;
    QChartView *chartView() const { return m_view; }

private:
    QChart *m_chart;
    QChartView *m_view;
    QBarSeries *m_series;
    QBarSet *m_set;
    QBarCategoryAxis *m_x;
    QValueAxis *m_y;
    QVector<QPair<double, qint64>> m_bins;
};

}  // namespace codex::ui
