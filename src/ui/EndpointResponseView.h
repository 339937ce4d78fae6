#pragma once

#include "proxy/ProxyTypes.h"

#include <QElapsedTimer>
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSplitter;
class QTabWidget;
class QTableView;
class QTableWidget;
class QTimer;
class QTreeWidget;

namespace codex::models {
class SseEventModel;
}

namespace codex::ui {

class Banner;
class EndpointTimingView;

/// The response side of the Request tab: a coloured status line, the timing breakdown, banners
/// (network / TLS failure with the explicit per-environment certificate choice, "streaming is
/// buffered by the proxy"), and tabs for the live SSE event list with the assembled text, the
/// pretty JSON (or raw) body, the headers and the tool calls.
class EndpointResponseView : public QWidget {
    Q_OBJECT
public:
    explicit EndpointResponseView(QWidget *parent = nullptr);

    void clear();
    /// A request has been sent.
    void begin(const QString &method, const QString &url);
    void headersReceived(int status);
    /// Live events (appended in batches; the assembled text follows).
    void appendEvents(const QList<proxy::SseEvent> &events);
    /// The call has finished: everything from the final response.
    void finish(const proxy::ProxyResponse &response, const QString &environment);
    /// A history entry (ProxyResponse::toJson): its stored summary.
    void showStored(const QJsonObject &entry);

    QLabel *statusLine() const { return m_status; }
    Banner *errorBanner() const { return m_error; }
    Banner *bufferedBanner() const { return m_buffered; }
    models::SseEventModel *events() const { return m_events; }
    QTableView *eventsView() const { return m_eventsView; }
    QPlainTextEdit *assembledText() const { return m_text; }
    QPlainTextEdit *reasoningText() const { return m_reasoning; }
    QPlainTextEdit *bodyView() const { return m_body; }
    QLabel *bodyNote() const { return m_bodyNote; }
    QTableWidget *headersView() const { return m_headers; }
    QTreeWidget *toolCallsView() const { return m_tools; }
    EndpointTimingView *timingView() const { return m_timing; }
    QTabWidget *tabs() const { return m_tabs; }
    QPushButton *acceptCertificateButton() const { return m_acceptCert; }
    bool isStreaming() const { return m_streaming; }

    int streamTab() const { return 0; }
    int bodyTab() const { return 1; }
    int headersTab() const { return 2; }
    int toolsTab() const { return 3; }

Q_SIGNALS:
    /// The admin chose to accept this certificate for this environment (never globally).
    void acceptCertificate(const QString &environment, const QString &sha256);

private:
    void setStatus(const QString &text, const QColor &color);
    void showToolCalls(const QList<proxy::ToolCall> &calls);
    void showBody(const QByteArray &body, bool truncated, bool invalidUtf8, const QString &extraNote = {});
    void updateLiveStatus();
    void showAssembled(const proxy::StreamAssembler &a);

    QLabel *m_status;
    EndpointTimingView *m_timing;
    Banner *m_error;
    Banner *m_buffered;
    QPushButton *m_acceptCert = nullptr;
    QTabWidget *m_tabs;
    models::SseEventModel *m_events;
    QTableView *m_eventsView;
    QLabel *m_eventsNote;
    QPlainTextEdit *m_text;
    QPlainTextEdit *m_reasoning;
    QPlainTextEdit *m_body;
    QLabel *m_bodyNote;
    QTableWidget *m_headers;
    QTreeWidget *m_tools;
    QTimer *m_liveTimer;

    proxy::StreamAssembler m_live;   ///< fed as events arrive
    QElapsedTimer m_clock;
    QString m_method, m_url;
    int m_httpStatus = 0;
    double m_liveTtfbMs = -1;
    bool m_streaming = false;
    bool m_running = false;
};

}  // namespace codex::ui
