#pragma once

#include <QPointer>
#include <QWidget>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;
class QSpinBox;

namespace codex::proxy {
class Simulator;
}
namespace codex::demo {
class DemoTraffic;
}

namespace codex::ui {

/// Demo mode's knobs for the in-process ccproxy simulator: error rate (slider + spin, 0–100 %),
/// mean extra latency (ms), "buffer streaming" (the fork's fault), and — when given — the demo
/// traffic's request rate. Changes apply at once through Simulator::setOptions / setErrorRate.
class DemoControls : public QWidget {
    Q_OBJECT
public:
    explicit DemoControls(QWidget *parent = nullptr);
    void setSimulator(proxy::Simulator *simulator);
    void setTraffic(demo::DemoTraffic *traffic);

    void setErrorRatePercent(double percent);
    double errorRatePercent() const;
    void setLatencyMs(int ms);
    void setBufferStreaming(bool on);

private:
    void pushOptions();
    void syncFromSimulator();

    QPointer<proxy::Simulator> m_sim;
    QPointer<demo::DemoTraffic> m_traffic;
    QSlider *m_errorSlider;
    QDoubleSpinBox *m_errorSpin;
    QSpinBox *m_latency;
    QCheckBox *m_buffer;
    QDoubleSpinBox *m_rate;
    QLabel *m_rateLabel;
    bool m_syncing = false;
};

}  // namespace codex::ui
