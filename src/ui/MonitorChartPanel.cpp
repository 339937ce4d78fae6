#include "ui/MonitorChartPanel.h"

#include "common/AtomicFile.h"

#include <QBuffer>
#include <QChart>
#include <QCursor>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMap>
#include <QMouseEvent>
#include <QPainter>
#include <QToolButton>
#include <QToolTip>
#include <QValueAxis>
#include <QVBoxLayout>

#include <cmath>

namespace codex::ui {

namespace {

QString formatValue(double v)
{
    if (std::isnan(v))
        return QStringLiteral("–");
    const double a = std::fabs(v);
    if (a >= 100)
        return QString::number(v, 'f', 0);
    if (a >= 10)
        return QString::number(v, 'f', 1);
    if (a >= 1)
        return QString::number(v, 'f', 2);
    return QString::number(v, 'g', 3);
}

double niceCeil(double v)
{
    if (!(v > 0))
        return 1;
    const double p = std::pow(10.0, std::floor(std::log10(v)));
    for (double m : {1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0})
        if (m * p >= v)
            return m * p;
    return 10 * p;
}

QString csvField(const QString &s)
{
    if (s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"')) || s.contains(QLatin1Char('\n')))
        return QLatin1Char('"') + QString(s).replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
    return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
MonitorChartView::MonitorChartView(QChart *chart, QWidget *parent)
    : QChartView(chart, parent)
{
    setRenderHint(QPainter::Antialiasing);
    setMouseTracking(true);
}

void MonitorChartView::setMarkers(const QList<Marker> &markers)
{
    m_markers = markers;
    viewport()->update();
}

void MonitorChartView::setBreaches(const QList<Interval> &intervals)
{
    m_breaches = intervals;
    viewport()->update();
}

void MonitorChartView::setEmptyText(const QString &text)
{
    if (text == m_empty)
        return;
    m_empty = text;
    viewport()->update();
}

void MonitorChartView::setPicking(bool on)
{
    m_picking = on;
    viewport()->setCursor(on ? Qt::CrossCursor : Qt::ArrowCursor);
}

void MonitorChartView::drawForeground(QPainter *painter, const QRectF &rect)
{
    QChartView::drawForeground(painter, rect);
    QChart *c = chart();
    const QRectF plot = c->mapRectToScene(c->plotArea());
    auto *x = qobject_cast<QDateTimeAxis *>(c->axes(Qt::Horizontal).value(0));
    painter->save();
    if (x && plot.width() > 0) {
        const double from = double(x->min().toMSecsSinceEpoch());
        const double to = double(x->max().toMSecsSinceEpoch());
        auto xAt = [&](double t) { return plot.left() + (t - from) / std::max(1.0, to - from) * plot.width(); };
        painter->setClipRect(plot);
        for (const auto &b : std::as_const(m_breaches)) {
            const double l = std::max(plot.left(), xAt(double(b.fromMs)));
            const double r = std::min(plot.right(), xAt(double(b.toMs)));
            if (r >= l)
                painter->fillRect(QRectF(l, plot.top(), std::max(2.0, r - l), plot.height()), QColor(220, 40, 40, 45));
        }
        QFont f = painter->font();
        f.setPointSizeF(f.pointSizeF() * 0.85);
        painter->setFont(f);
        const QFontMetricsF fm(f);
        QList<QRectF> placed;  // label boxes drawn so far: a label that would overlap one moves down a row
        for (const auto &m : std::as_const(m_markers)) {
            const double mx = xAt(double(m.tMs));
            if (mx < plot.left() || mx > plot.right())
                continue;
            const QColor col = m.selected ? QColor(90, 40, 170) : QColor(110, 110, 110);
            painter->setPen(QPen(col, m.selected ? 2 : 1.4));
            painter->drawLine(QPointF(mx, plot.top()), QPointF(mx, plot.bottom()));
            const double w = fm.horizontalAdvance(m.label) + 8;
            QRectF box;
            for (int row = 0; row < 8; ++row) {
                box = QRectF(mx + 2, plot.top() + 2 + row * (fm.height() + 3), w, fm.height() + 2);
                if (box.right() > plot.right())
                    box.moveRight(mx - 2);
                bool free = true;
                for (const auto &r : std::as_const(placed))
                    free = free && !r.intersects(box);
                if (free)
                    break;
            }
            placed << box;
            painter->fillRect(box, QColor(255, 255, 255, 220));
            painter->setPen(col);
            painter->drawText(box, Qt::AlignCenter, m.label);
        }
        painter->setClipping(false);
    }
    if (!m_empty.isEmpty()) {
        QRectF box = plot.isValid() && plot.width() > 40 ? plot : QRectF(rect);
        box.adjust(16, 16, -16, -16);
        painter->setPen(palette().color(QPalette::PlaceholderText));
        painter->drawText(box, Qt::AlignCenter | Qt::TextWordWrap, m_empty);
    }
    painter->restore();
}

void MonitorChartView::mousePressEvent(QMouseEvent *event)
{
    if (m_picking && event->button() == Qt::LeftButton) {
        QChart *c = chart();
        const QPointF scenePos = mapToScene(event->position().toPoint());
        const QPointF chartPos = c->mapFromScene(scenePos);
        const QRectF plot = c->plotArea();
        auto *x = qobject_cast<QDateTimeAxis *>(c->axes(Qt::Horizontal).value(0));
        if (x && plot.contains(chartPos)) {
            const double from = double(x->min().toMSecsSinceEpoch());
            const double to = double(x->max().toMSecsSinceEpoch());
            const qint64 t = qint64(from + (chartPos.x() - plot.left()) / plot.width() * (to - from));
            Q_EMIT timeClicked(t);
            event->accept();
            return;
        }
    }
    QChartView::mousePressEvent(event);
}

// ---------------------------------------------------------------------------------------------
MonitorChartPanel::MonitorChartPanel(const QString &id, const QString &title, const QString &unit, QWidget *parent)
    : QWidget(parent), m_id(id), m_title(title), m_unit(unit)
{
    setObjectName(QStringLiteral("monitorPanel_") + id);
    m_chart = new QChart;
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->setBackgroundRoundness(0);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->legend()->setShowToolTips(true);
    QFont lf = m_chart->legend()->font();
    lf.setPointSizeF(lf.pointSizeF() * 0.85);
    m_chart->legend()->setFont(lf);

    m_x = new QDateTimeAxis;
    m_x->setFormat(QStringLiteral("HH:mm:ss"));
    m_x->setTickCount(6);
    QFont af = m_x->labelsFont();
    af.setPointSizeF(af.pointSizeF() * 0.85);
    m_x->setLabelsFont(af);
    m_y = new QValueAxis;
    m_y->setLabelsFont(af);
    m_y->setLabelFormat(QStringLiteral("%.3g"));
    m_y->setTitleText(unit);
    QFont tf = m_y->titleFont();
    tf.setPointSizeF(tf.pointSizeF() * 0.85);
    tf.setBold(false);
    m_y->setTitleFont(tf);
    m_chart->addAxis(m_x, Qt::AlignBottom);
    m_chart->addAxis(m_y, Qt::AlignLeft);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_from = now - 300000;
    m_to = now;
    m_x->setRange(QDateTime::fromMSecsSinceEpoch(m_from), QDateTime::fromMSecsSinceEpoch(m_to));
    m_y->setRange(0, 1);

    m_view = new MonitorChartView(m_chart, this);
    m_view->setMinimumSize(320, 200);
    connect(m_view, &MonitorChartView::timeClicked, this, &MonitorChartPanel::timeClicked);

    m_titleLabel = new QLabel(QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped()), this);
    auto *png = new QToolButton(this);
    png->setText(tr("PNG…"));
    png->setToolTip(tr("Export this panel as a PNG image"));
    png->setAutoRaise(true);
    auto *csvButton = new QToolButton(this);
    csvButton->setText(tr("CSV…"));
    csvButton->setToolTip(tr("Export this panel's points as CSV (time, one column per series)"));
    csvButton->setAutoRaise(true);
    connect(png, &QToolButton::clicked, this, [this] { Q_EMIT exportRequested(m_id, QStringLiteral("png")); });
    connect(csvButton, &QToolButton::clicked, this, [this] { Q_EMIT exportRequested(m_id, QStringLiteral("csv")); });

    auto *head = new QHBoxLayout;
    head->setContentsMargins(4, 0, 4, 0);
    head->addWidget(m_titleLabel);
    head->addStretch(1);
    head->addWidget(png);
    head->addWidget(csvButton);
    auto *lay = new QVBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->setSpacing(0);
    lay->addLayout(head);
    lay->addWidget(m_view, 1);
}

QLineSeries *MonitorChartPanel::newLine(const QString &name, const QColor &color, bool dashed)
{
    auto *s = new QLineSeries;  // owned by the chart
    s->setName(name);
    QPen pen(color, dashed ? 1.5 : 2.0);
    if (dashed)
        pen.setStyle(Qt::DashLine);
    s->setPen(pen);
    if (m_pointsVisible && !dashed) {
        s->setPointsVisible(true);
        s->setMarkerSize(6);
    }
    m_chart->addSeries(s);
    s->attachAxis(m_x);
    s->attachAxis(m_y);
    if (!dashed)
        connect(s, &QLineSeries::hovered, this,
                [this, name](const QPointF &p, bool state) { onHovered(name, p, state); });
    return s;
}

void MonitorChartPanel::onHovered(const QString &name, const QPointF &point, bool state)
{
    if (!state) {
        QToolTip::hideText();
        return;
    }
    const QString when = QDateTime::fromMSecsSinceEpoch(qint64(point.x())).toString(QStringLiteral("HH:mm:ss"));
    QToolTip::showText(QCursor::pos(),
                       QStringLiteral("%1\n%2  %3 %4").arg(name, when, formatValue(point.y()), m_unit), m_view);
}

void MonitorChartPanel::setData(const QList<SeriesData> &series, qint64 fromMs, qint64 toMs)
{
    m_from = fromMs;
    m_to = toMs;
    m_last.clear();
    bool added = false;
    QStringList order;
    for (const auto &sd : series) {
        SeriesData scaled = sd;
        for (auto &p : scaled.points)
            p.v *= m_scale;
        m_last << scaled;
        order << sd.name;
        // split at NaN: one QLineSeries per run of finite points
        QList<QList<QPointF>> runs;
        QList<QPointF> cur;
        for (const auto &p : std::as_const(scaled.points)) {
            if (std::isfinite(p.v)) {
                cur.append(QPointF(double(p.t), p.v));
            } else if (!cur.isEmpty()) {
                runs << cur;
                cur.clear();
            }
        }
        if (!cur.isEmpty() || runs.isEmpty())
            runs << cur;
        Logical &lg = m_series[sd.name];
        lg.color = sd.color;
        while (lg.segments.size() < runs.size()) {
            lg.segments << newLine(sd.name, sd.color, false);
            added = true;
        }
        for (int i = 0; i < lg.segments.size(); ++i) {
            QLineSeries *seg = lg.segments[i];
            if (seg->pen().color() != sd.color)
                seg->setPen(QPen(sd.color, 2.0));
            seg->replace(i < runs.size() ? runs[i] : QList<QPointF>());
            seg->setVisible(!m_hidden.contains(sd.name));
        }
    }
    // series no longer given: empty them (kept for reuse)
    for (auto it = m_series.begin(); it != m_series.end(); ++it)
        if (!order.contains(it.key()))
            for (auto *seg : std::as_const(it->segments))
                seg->clear();
    m_order = order;
    for (int i = 0; i < m_thresholdLines.size(); ++i)
        m_thresholdLines[i]->replace({QPointF(double(fromMs), m_thresholds[i].value), QPointF(double(toMs), m_thresholds[i].value)});
    updateAxes();
    Q_UNUSED(added)
    updateLegend();
}

void MonitorChartPanel::setThresholds(const QList<Threshold> &thresholds)
{
    for (auto *l : std::as_const(m_thresholdLines)) {
        m_chart->removeSeries(l);
        l->deleteLater();
    }
    m_thresholdLines.clear();
    m_thresholds = thresholds;
    for (const auto &t : thresholds) {
        QLineSeries *l = newLine(t.label, t.color, true);
        l->replace({QPointF(double(m_from), t.value), QPointF(double(m_to), t.value)});
        m_thresholdLines << l;
    }
    updateAxes();
    updateLegend();
}

void MonitorChartPanel::setMarkers(const QList<MonitorChartView::Marker> &markers)
{
    m_view->setMarkers(markers);
}

void MonitorChartPanel::setBreaches(const QList<MonitorChartView::Interval> &intervals)
{
    m_view->setBreaches(intervals);
}

void MonitorChartPanel::setEmptyText(const QString &text)
{
    m_view->setEmptyText(text);
}

QString MonitorChartPanel::emptyText() const
{
    return m_view->emptyText();
}

void MonitorChartPanel::updateAxes()
{
    const qint64 span = m_to - m_from;
    m_x->setFormat(span > 6 * 3600 * 1000LL ? QStringLiteral("HH:mm") : span > 1800 * 1000LL ? QStringLiteral("HH:mm")
                                                                                              : QStringLiteral("HH:mm:ss"));
    m_x->setRange(QDateTime::fromMSecsSinceEpoch(m_from), QDateTime::fromMSecsSinceEpoch(m_to));
    double maxV = 0;
    for (const auto &sd : std::as_const(m_last)) {
        if (m_hidden.contains(sd.name))
            continue;
        for (const auto &p : sd.points)
            if (std::isfinite(p.v) && p.t >= m_from && p.t <= m_to)
                maxV = std::max(maxV, p.v);
    }
    for (const auto &t : std::as_const(m_thresholds))
        if (!m_hidden.contains(t.label))
            maxV = std::max(maxV, t.value);
    const double top = niceCeil(maxV * 1.1);
    m_y->setRange(0, top);
    m_y->applyNiceNumbers();  // round tick values (0, 10, 20, … rather than 0, 12.5, 25, …)
    if (m_y->min() < 0)
        m_y->setMin(0);
    const double shownTop = m_y->max();
    m_y->setLabelFormat(shownTop >= 10 ? QStringLiteral("%.0f") : shownTop >= 1 ? QStringLiteral("%.1f") : QStringLiteral("%.3g"));
    m_view->viewport()->update();
}

void MonitorChartPanel::updateLegend()
{
    QLegend *legend = m_chart->legend();
    auto style = [](QLegendMarker *mk, bool hidden) {
        QColor c = mk->labelBrush().color();
        c.setAlphaF(hidden ? 0.35 : 1.0);
        mk->setLabelBrush(c);
        QBrush b = mk->brush();
        QColor bc = b.color();
        bc.setAlphaF(hidden ? 0.25 : 1.0);
        b.setColor(bc);
        mk->setBrush(b);
    };
    auto hook = [this, legend, style](const QString &name, const QList<QLineSeries *> &lines) {
        for (int i = 0; i < lines.size(); ++i) {
            for (QLegendMarker *mk : legend->markers(lines[i])) {
                if (i > 0) {
                    mk->setVisible(false);
                    continue;
                }
                mk->setVisible(true);
                style(mk, m_hidden.contains(name));
                QObject::disconnect(mk, &QLegendMarker::clicked, this, nullptr);
                connect(mk, &QLegendMarker::clicked, this, [this, name] { setSeriesHidden(name, !m_hidden.contains(name)); });
            }
        }
    };
    for (auto it = m_series.cbegin(); it != m_series.cend(); ++it) {
        if (!m_order.contains(it.key())) {
            for (auto *seg : it->segments)
                for (QLegendMarker *mk : legend->markers(seg))
                    mk->setVisible(false);
            continue;
        }
        hook(it.key(), it->segments);
    }
    for (int i = 0; i < m_thresholdLines.size(); ++i)
        hook(m_thresholds[i].label, {m_thresholdLines[i]});
}

void MonitorChartPanel::setSeriesHidden(const QString &series, bool hidden)
{
    if (hidden)
        m_hidden.insert(series);
    else
        m_hidden.remove(series);
    auto it = m_series.constFind(series);
    if (it != m_series.cend())
        for (auto *seg : it->segments)
            seg->setVisible(!hidden);
    for (int i = 0; i < m_thresholdLines.size(); ++i)
        if (m_thresholds[i].label == series)
            m_thresholdLines[i]->setVisible(!hidden);
    updateAxes();
    updateLegend();
}

bool MonitorChartPanel::hasData() const
{
    for (const auto &sd : m_last)
        for (const auto &p : sd.points)
            if (std::isfinite(p.v))
                return true;
    return false;
}

int MonitorChartPanel::pointCount(const QString &series) const
{
    for (const auto &sd : m_last)
        if (sd.name == series) {
            int n = 0;
            for (const auto &p : sd.points)
                n += std::isfinite(p.v) ? 1 : 0;
            return n;
        }
    return 0;
}

double MonitorChartPanel::lastValue(const QString &series) const
{
    for (const auto &sd : m_last)
        if (sd.name == series)
            for (auto it = sd.points.crbegin(); it != sd.points.crend(); ++it)
                if (std::isfinite(it->v))
                    return it->v;
    return NAN;
}

QStringList MonitorChartPanel::seriesNames() const
{
    return m_order;
}

QByteArray MonitorChartPanel::csv() const
{
    QMap<qint64, QVector<double>> rows;
    for (int i = 0; i < m_last.size(); ++i)
        for (const auto &p : m_last[i].points) {
            auto &row = rows[p.t];
            if (row.size() < m_last.size())
                row.resize(m_last.size(), NAN);
            row[i] = p.v;
        }
    QString out = QStringLiteral("time");
    for (const auto &sd : m_last)
        out += QLatin1Char(',') + csvField(m_unit.isEmpty() ? sd.name : QStringLiteral("%1 (%2)").arg(sd.name, m_unit));
    out += QLatin1Char('\n');
    for (auto it = rows.cbegin(); it != rows.cend(); ++it) {
        out += QDateTime::fromMSecsSinceEpoch(it.key(), Qt::UTC).toString(Qt::ISODateWithMs);
        for (int i = 0; i < m_last.size(); ++i) {
            out += QLatin1Char(',');
            const double v = i < it->size() ? it->at(i) : NAN;
            if (std::isfinite(v))
                out += QString::number(v, 'g', 10);
        }
        out += QLatin1Char('\n');
    }
    return out.toUtf8();
}

bool MonitorChartPanel::exportPng(const QString &path, bool overwrite, QString *error) const
{
    if (!overwrite && QFileInfo::exists(path)) {
        if (error)
            *error = tr("%1 exists already; not overwritten").arg(path);
        return false;
    }
    QByteArray bytes;
    QBuffer buf(&bytes);
    buf.open(QIODevice::WriteOnly);
    if (!m_view->grab().save(&buf, "PNG")) {
        if (error)
            *error = tr("Cannot render the panel %1 as PNG").arg(m_title);
        return false;
    }
    return writeFileAtomically(path, bytes, error);
}

bool MonitorChartPanel::exportCsv(const QString &path, bool overwrite, QString *error) const
{
    if (!overwrite && QFileInfo::exists(path)) {
        if (error)
            *error = tr("%1 exists already; not overwritten").arg(path);
        return false;
    }
    return writeFileAtomically(path, csv(), error);
}

}  // namespace codex::ui
