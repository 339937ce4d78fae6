#include "ui/EndpointTimingView.h"

#include <QLocale>
#include <QPainter>

#include <algorithm>

namespace codex::ui {

namespace {

QString ms(double v)
{
    if (v < 0)
        return EndpointTimingView::tr("n/a");
    return EndpointTimingView::tr("%1 ms").arg(QLocale().toString(v, 'f', v < 10 ? 1 : 0));
}

QString bytesText(qint64 b)
{
    return QLocale().formattedDataSize(b, 1, QLocale::DataSizeTraditionalFormat);
}

}  // namespace

EndpointTimingView::EndpointTimingView(QWidget *parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("timingView"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void EndpointTimingView::setTiming(const proxy::RequestTiming &timing, bool streaming)
{
    m_timing = timing;
    m_streaming = streaming;
    m_empty = false;
    setToolTip(summary());
    update();
}

void EndpointTimingView::clear()
{
    m_timing = {};
    m_empty = true;
    setToolTip(QString());
    update();
}

QString EndpointTimingView::summary() const
{
    if (m_empty)
        return {};
    QStringList parts;
    parts << tr("connect %1").arg(ms(m_timing.connectMs)) << tr("TTFB %1").arg(ms(m_timing.ttfbMs));
    if (m_streaming || m_timing.firstTokenMs >= 0)
        parts << tr("first token %1").arg(ms(m_timing.firstTokenMs));
    parts << tr("total %1").arg(ms(m_timing.totalMs));
    if (m_timing.tokens > 0)
        parts << tr("%1 tokens/s").arg(QLocale().toString(m_timing.tokensPerSecond(), 'f', 1));
    parts << bytesText(m_timing.bytes);
    return parts.join(QStringLiteral(" · "));
}

QSize EndpointTimingView::sizeHint() const
{
    const int line = fontMetrics().height();
    return {420, 4 * (line + 3) + line + 8};
}

QSize EndpointTimingView::minimumSizeHint() const
{
    return {240, sizeHint().height()};
}

void EndpointTimingView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QFontMetrics fm = fontMetrics();
    const int line = fm.height();
    const int rowH = line + 3;
    const QColor text = palette().color(QPalette::WindowText);
    const QColor muted = palette().color(QPalette::PlaceholderText);
    if (m_empty) {
        p.setPen(muted);
        p.drawText(rect().adjusted(4, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, tr("Timing: send a request to see connect, TTFB, first token and total."));
        return;
    }
    struct Bar {
        QString label;
        double from, to;
        QColor color;
    };
    const double total = std::max(1e-3, m_timing.totalMs);
    const QList<Bar> bars = {
        {tr("Connect"), 0, m_timing.connectMs, QColor(0x90, 0xa4, 0xae)},
        {tr("First byte"), 0, m_timing.ttfbMs, QColor(0x42, 0xa5, 0xf5)},
        {tr("First token"), 0, m_timing.firstTokenMs, QColor(0x66, 0xbb, 0x6a)},
        {tr("Total"), 0, m_timing.totalMs, QColor(0x5c, 0x6b, 0xc0)},
    };
    int labelW = 0;
    for (const Bar &b : bars)
        labelW = std::max(labelW, fm.horizontalAdvance(b.label));
    labelW += 8;
    const int valueW = fm.horizontalAdvance(QStringLiteral("00,000.0 ms")) + 8;
    const int x0 = labelW;
    const int barW = std::max(20, width() - labelW - valueW - 4);
    int y = 2;
    for (const Bar &b : bars) {
        p.setPen(text);
        p.drawText(QRect(0, y, labelW - 6, rowH), Qt::AlignRight | Qt::AlignVCenter, b.label);
        p.setPen(Qt::NoPen);
        p.setBrush(palette().color(QPalette::AlternateBase));
        p.drawRect(QRectF(x0, y + 3, barW, rowH - 6));
        if (b.to >= 0) {
            const double w = std::clamp(b.to / total, 0.0, 1.0) * barW;
            p.setBrush(b.color);
            p.drawRoundedRect(QRectF(x0, y + 3, std::max(2.0, w), rowH - 6), 2, 2);
        }
        p.setPen(b.to >= 0 ? text : muted);
        p.drawText(QRect(x0 + barW + 6, y, valueW, rowH), Qt::AlignLeft | Qt::AlignVCenter, ms(b.to));
        y += rowH;
    }
    QStringList extra;
    if (m_timing.tokens > 0)
        extra << tr("%1 tokens, %2 tokens/s").arg(m_timing.tokens).arg(QLocale().toString(m_timing.tokensPerSecond(), 'f', 1));
    if (m_timing.bytes > 0)
        extra << tr("%1 received").arg(bytesText(m_timing.bytes));
    p.setPen(muted);
    p.drawText(QRect(x0, y + 2, width() - x0, line + 2), Qt::AlignLeft | Qt::AlignVCenter, extra.join(QStringLiteral(" · ")));
}

}  // namespace codex::ui
