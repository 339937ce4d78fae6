#include "ui/DemoControls.h"

#include "demo/DemoTraffic.h"
#include "proxy/Simulator.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>

#include <cmath>

namespace codex::ui {

DemoControls::DemoControls(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("demoControls"));
    m_errorSlider = new QSlider(Qt::Horizontal, this);
    m_errorSlider->setRange(0, 1000);  // 0.1 % steps
    m_errorSlider->setMinimumWidth(120);
    m_errorSlider->setToolTip(tr("Share of the simulator's /codex/* requests answered with HTTP 500"));
    m_errorSpin = new QDoubleSpinBox(this);
    m_errorSpin->setRange(0, 100);
    m_errorSpin->setDecimals(1);
    m_errorSpin->setSingleStep(0.5);
    m_errorSpin->setSuffix(QStringLiteral(" %"));
    m_latency = new QSpinBox(this);
    m_latency->setRange(0, 60000);
    m_latency->setSingleStep(10);
    m_latency->setSuffix(tr(" ms"));
    m_latency->setToolTip(tr("Mean extra latency of the simulator (exponentially distributed)"));
    m_buffer = new QCheckBox(tr("Buffer streaming"), this);
    m_buffer->setToolTip(tr("Collect the whole stream and replay it, as the fork does"));
    m_rate = new QDoubleSpinBox(this);
    m_rate->setRange(0.1, 500);
    m_rate->setDecimals(1);
    m_rate->setSuffix(tr(" req/s"));
    m_rate->setToolTip(tr("Demo traffic sent to the simulator"));
    m_rateLabel = new QLabel(tr("Traffic:"), this);
    m_rate->setVisible(false);
    m_rateLabel->setVisible(false);

    auto *lay = new QHBoxLayout(this);
    lay->setContentsMargins(4, 2, 4, 2);
    lay->addWidget(new QLabel(tr("Simulator — error rate:"), this));
    lay->addWidget(m_errorSlider);
    lay->addWidget(m_errorSpin);
    lay->addSpacing(8);
    lay->addWidget(new QLabel(tr("Latency:"), this));
    lay->addWidget(m_latency);
    lay->addSpacing(8);
    lay->addWidget(m_buffer);
    lay->addSpacing(8);
    lay->addWidget(m_rateLabel);
    lay->addWidget(m_rate);
    lay->addStretch(1);

    connect(m_errorSlider, &QSlider::valueChanged, this, [this](int v) {
        if (m_syncing)
            return;
        const QSignalBlocker b(m_errorSpin);
        m_errorSpin->setValue(v / 10.0);
        if (m_sim)
            m_sim->setErrorRate(v / 1000.0);
    });
    connect(m_errorSpin, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        if (m_syncing)
            return;
        const QSignalBlocker b(m_errorSlider);
        m_errorSlider->setValue(int(std::lround(v * 10)));
        if (m_sim)
            m_sim->setErrorRate(v / 100.0);
    });
    connect(m_latency, &QSpinBox::valueChanged, this, [this] { pushOptions(); });
    connect(m_buffer, &QCheckBox::toggled, this, [this] { pushOptions(); });
    connect(m_rate, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        if (m_traffic && !m_syncing)
            m_traffic->setRate(v);
    });
    setEnabled(false);
}

void DemoControls::setSimulator(proxy::Simulator *simulator)
{
    m_sim = simulator;
    setEnabled(m_sim != nullptr);
    syncFromSimulator();
}

void DemoControls::setTraffic(demo::DemoTraffic *traffic)
{
    m_traffic = traffic;
    m_rate->setVisible(traffic != nullptr);
    m_rateLabel->setVisible(traffic != nullptr);
    if (traffic) {
        m_syncing = true;
        m_rate->setValue(traffic->rate());
        m_syncing = false;
    }
}

void DemoControls::syncFromSimulator()
{
    if (!m_sim)
        return;
    const proxy::SimulatorOptions o = m_sim->options();
    m_syncing = true;
    m_errorSpin->setValue(o.errorRate * 100.0);
    m_errorSlider->setValue(int(std::lround(o.errorRate * 1000.0)));
    m_latency->setValue(int(std::lround(o.latencyMeanMs)));
    m_buffer->setChecked(o.bufferStreaming);
    m_syncing = false;
}

void DemoControls::pushOptions()
{
    if (!m_sim || m_syncing)
        return;
    proxy::SimulatorOptions o = m_sim->options();
    o.latencyMeanMs = m_latency->value();
    o.bufferStreaming = m_buffer->isChecked();
    o.errorRate = m_errorSpin->value() / 100.0;
    m_sim->setOptions(o);
}

void DemoControls::setErrorRatePercent(double percent)
{
    m_errorSpin->setValue(percent);
}

double DemoControls::errorRatePercent() const
{
    return m_errorSpin->value();
}

void DemoControls::setLatencyMs(int ms)
{
    m_latency->setValue(ms);
}

void DemoControls::setBufferStreaming(bool on)
{
    m_buffer->setChecked(on);
}

}  // namespace codex::ui
