#pragma once

#include "proxy/ProxyTypes.h"

#include <QWidget>

namespace codex::ui {

/// The timing breakdown of one response as a small horizontal bar chart: connect, time to first
/// byte, first token and total on one scale, with tokens/s and bytes under it.
class EndpointTimingView : public QWidget {
    Q_OBJECT
public:
    explicit EndpointTimingView(QWidget *parent = nullptr);
    void setTiming(const proxy::RequestTiming &timing, bool streaming);
    void clear();
    const proxy::RequestTiming &timing() const { return m_timing; }
    /// "connect 0.4 ms · TTFB 12 ms · first token 40 ms · total 910 ms · 31 tokens/s · 4.2 KB"
    QString summary() const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    proxy::RequestTiming m_timing;
    bool m_streaming = false;
    bool m_empty = true;
};

}  // namespace codex::ui
