#include "ui/LoadHistogramWidget.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QLocale>
#include <QValueAxis>
#include <QVBoxLayout>

namespace codex::ui {

namespace {

QString boundText(double ms)
{
    if (ms >= 100)
        return QLocale().toString(ms, 'f', 0);
    if (ms >= 10)
        return QLocale().toString(ms, 'f', 1);
    return QLocale().toString(ms, 'f', 2);
}

}  // namespace

LoadHistogramWidget::LoadHistogramWidget(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("loadHistogram"));
    m_chart = new QChart;
    m_chart->setTitle(tr("Latency histogram (requests per bucket, upper bound in ms)"));
    m_chart->legend()->hide();
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_set = new QBarSet(tr("requests"));
    m_set->setColor(QColor(0x5c, 0x6b, 0xc0));
    m_set->setBorderColor(QColor(0x3f, 0x51, 0xb5));
    m_series = new QBarSeries;
    m_series->append(m_set);
    m_series->setBarWidth(0.9);
    m_chart->addSeries(m_series);
    m_x = new QBarCategoryAxis;
    m_x->setTitleText(tr("latency ≤ ms"));
    m_y = new QValueAxis;
    m_y->setLabelFormat(QStringLiteral("%d"));
    m_y->setTitleText(tr("requests"));
    m_y->setRange(0, 1);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    m_series->attachAxis(m_x);
    m_series->attachAxis(m_y);
    m_view = new QChartView(m_chart, this);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumHeight(200);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
}

void LoadHistogramWidget::setBins(const QVector<QPair<double, qint64>> &bins)
{
    m_bins = bins;
    QStringList categories;
    QList<qreal> values;
    qint64 maxCount = 0;
    categories.reserve(bins.size());
    for (const auto &b : bins) {
        QString label = boundText(b.first);
        while (categories.contains(label))  // categories must be unique
            label += QChar(0x200b);
        categories << label;
        values << qreal(b.second);
        maxCount = std::max(maxCount, b.second);
    }
    m_set->remove(0, m_set->count());
    m_x->clear();
    m_x->append(categories);
    m_set->append(values);
    m_y->setRange(0, double(std::max<qint64>(1, maxCount)) * 1.1);
    m_y->applyNiceNumbers();
    // Narrow bars: the labels stand upright so none is elided.
    m_x->setLabelsAngle(bins.size() > 12 ? -90 : 0);
}

void LoadHistogramWidget::clear()
{
    setBins({});
}

int LoadHistogramWidget::barCount() const
{
    int n = 0;
    for (const auto &b : m_bins)
        if (b.second > 0)
            ++n;
    return n;
}

qint64 LoadHistogramWidget::total() const
{
    qint64 n = 0;
    for (const auto &b : m_bins)
        n += b.second;
    return n;
}

}  // namespace codex::ui
