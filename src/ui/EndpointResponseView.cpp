#include "ui/EndpointResponseView.h"

#include "models/HistoryModel.h"
#include "models/SseEventModel.h"
#include "ui/Banner.h"
#include "ui/EndpointTimingView.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace codex::ui {

namespace {

constexpr qsizetype kMaxShownBody = 2 * 1024 * 1024;  ///< more is cut in the view (the response keeps it)

QColor statusColor(int status)
{
    if (status >= 200 && status < 300)
        return QColor(0x2e, 0x7d, 0x32);
    if (status >= 300 && status < 400)
        return QColor(0x15, 0x65, 0xc0);
    if (status >= 400 && status < 500)
        return QColor(0xe6, 0x51, 0x00);
    return QColor(0xc6, 0x28, 0x28);
}

QString reasonPhrase(int status)
{
    switch (status) {
    case 200: return QStringLiteral("OK");
    case 201: return QStringLiteral("Created");
    case 204: return QStringLiteral("No Content");
    case 400: return QStringLiteral("Bad Request");
    case 401: return QStringLiteral("Unauthorized");
    case 403: return QStringLiteral("Forbidden");
    case 404: return QStringLiteral("Not Found");
    case 422: return QStringLiteral("Unprocessable Entity");
    case 429: return QStringLiteral("Too Many Requests");
    case 500: return QStringLiteral("Internal Server Error");
    case 502: return QStringLiteral("Bad Gateway");
    case 503: return QStringLiteral("Service Unavailable");
    case 504: return QStringLiteral("Gateway Timeout");
    }
    return {};
}

QPlainTextEdit *monoView(QWidget *parent, const QString &name)
{
    auto *e = new QPlainTextEdit(parent);
    e->setObjectName(name);
    e->setReadOnly(true);
    e->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    e->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    return e;
}

}  // namespace

EndpointResponseView::EndpointResponseView(QWidget *parent) : QWidget(parent), m_events(new models::SseEventModel(this))
{
    setObjectName(QStringLiteral("responseView"));
    auto *outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("responseStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setWordWrap(true);
    QFont big = m_status->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    big.setBold(true);
    m_status->setFont(big);
    outer->addWidget(m_status);
    m_timing = new EndpointTimingView(this);
    outer->addWidget(m_timing);
    m_error = new Banner(Banner::Kind::Error, this);
    m_error->setObjectName(QStringLiteral("responseErrorBanner"));
    outer->addWidget(m_error);
    m_buffered = new Banner(Banner::Kind::Warning, this);
    m_buffered->setObjectName(QStringLiteral("bufferedBanner"));
    outer->addWidget(m_buffered);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("responseTabs"));
    m_tabs->setDocumentMode(true);

    // Stream: events | assembled text (+ reasoning)
    auto *stream = new QSplitter(Qt::Horizontal, m_tabs);
    stream->setObjectName(QStringLiteral("streamSplitter"));
    auto *left = new QWidget(stream);
    auto *ll = new QVBoxLayout(left);
    ll->setContentsMargins(0, 4, 0, 0);
    m_eventsView = new QTableView(left);
    m_eventsView->setObjectName(QStringLiteral("sseEventsView"));
    m_eventsView->setModel(m_events);
    m_eventsView->verticalHeader()->hide();
    m_eventsView->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    m_eventsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_eventsView->setWordWrap(false);
    m_eventsView->horizontalHeader()->setStretchLastSection(true);
    m_eventsView->setColumnWidth(models::SseEventModel::IndexColumn, fontMetrics().horizontalAdvance(QStringLiteral("00000")) + 8);
    m_eventsView->setColumnWidth(models::SseEventModel::TimeColumn, fontMetrics().horizontalAdvance(QStringLiteral("Time (ms)")) + 16);
    m_eventsView->setColumnWidth(models::SseEventModel::EventColumn, 100);
    m_eventsView->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_eventsNote = new QLabel(left);
    m_eventsNote->setObjectName(QStringLiteral("eventsNote"));
    m_eventsNote->setForegroundRole(QPalette::PlaceholderText);
    m_eventsNote->setWordWrap(true);
    ll->addWidget(m_eventsView, 1);
    ll->addWidget(m_eventsNote);
    auto *right = new QWidget(stream);
    auto *rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 4, 0, 0);
    rl->addWidget(new QLabel(tr("Assembled text:"), right));
    m_text = monoView(right, QStringLiteral("assembledText"));
    m_text->setPlaceholderText(tr("The text the model streamed, assembled from the deltas."));
    rl->addWidget(m_text, 3);
    rl->addWidget(new QLabel(tr("Reasoning:"), right));
    m_reasoning = monoView(right, QStringLiteral("reasoningText"));
    m_reasoning->setPlaceholderText(tr("none"));
    m_reasoning->setMaximumHeight(90);
    rl->addWidget(m_reasoning, 1);
    stream->addWidget(left);
    stream->addWidget(right);
    stream->setStretchFactor(0, 3);
    stream->setStretchFactor(1, 2);
    stream->setSizes({430, 220});
    m_tabs->addTab(stream, tr("Stream"));

    // Body
    auto *bodyPage = new QWidget(m_tabs);
    auto *bl = new QVBoxLayout(bodyPage);
    bl->setContentsMargins(0, 4, 0, 0);
    m_bodyNote = new QLabel(bodyPage);
    m_bodyNote->setObjectName(QStringLiteral("bodyNote"));
    m_bodyNote->setWordWrap(true);
    m_bodyNote->setStyleSheet(QStringLiteral("color: #e65100;"));
    m_bodyNote->hide();
    m_body = monoView(bodyPage, QStringLiteral("responseBody"));
    bl->addWidget(m_bodyNote);
    bl->addWidget(m_body, 1);
    m_tabs->addTab(bodyPage, tr("Body"));

    // Headers
    m_headers = new QTableWidget(0, 2, m_tabs);
    m_headers->setObjectName(QStringLiteral("responseHeaders"));
    m_headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_headers->setColumnWidth(0, 200);
    m_tabs->addTab(m_headers, tr("Headers"));

    // Tool calls
    m_tools = new QTreeWidget(m_tabs);
    m_tools->setObjectName(QStringLiteral("toolCallsView"));
    m_tools->setHeaderLabels({tr("#"), tr("Tool"), tr("Call id"), tr("Arguments")});
    m_tools->setColumnWidth(0, 40);
    m_tools->setColumnWidth(1, 160);
    m_tools->setColumnWidth(2, 220);
    m_tools->setWordWrap(true);
    m_tabs->addTab(m_tools, tr("Tool calls"));
    outer->addWidget(m_tabs, 1);

    m_liveTimer = new QTimer(this);
    m_liveTimer->setInterval(100);
    connect(m_liveTimer, &QTimer::timeout, this, &EndpointResponseView::updateLiveStatus);
    clear();
}

void EndpointResponseView::setStatus(const QString &text, const QColor &color)
{
    m_status->setText(text);
    QPalette p = m_status->palette();
    p.setColor(QPalette::WindowText, color.isValid() ? color : palette().color(QPalette::WindowText));
    m_status->setPalette(p);
}

void EndpointResponseView::clear()
{
    m_liveTimer->stop();
    m_running = false;
    m_streaming = false;
    m_httpStatus = 0;
    m_liveTtfbMs = -1;
    m_live.reset();
    m_events->clear();
    m_eventsView->setColumnWidth(models::SseEventModel::EventColumn, 100);
    m_text->clear();
    m_reasoning->clear();
    m_body->clear();
    m_bodyNote->hide();
    m_headers->setRowCount(0);
    m_tools->clear();
    m_timing->clear();
    m_error->clearActions();
    m_acceptCert = nullptr;
    m_error->showMessage({});
    m_buffered->showMessage({});
    m_eventsNote->setText(tr("Server-Sent Events appear here as they arrive."));
    setStatus(tr("No response yet — choose a template and press Send."), palette().color(QPalette::PlaceholderText));
    m_tabs->setTabText(toolsTab(), tr("Tool calls"));
}

void EndpointResponseView::begin(const QString &method, const QString &url)
{
    clear();
    m_method = method;
    m_url = url;
    m_running = true;
    m_clock.start();
    setStatus(tr("Sending %1 %2…").arg(method, url), palette().color(QPalette::WindowText));
    m_liveTimer->start();
}

void EndpointResponseView::headersReceived(int status)
{
    m_httpStatus = status;
    m_liveTtfbMs = double(m_clock.nsecsElapsed()) / 1e6;
    updateLiveStatus();
}

void EndpointResponseView::updateLiveStatus()
{
    if (!m_running)
        return;
    const QString elapsed = QLocale().toString(double(m_clock.elapsed()), 'f', 0);
    // The timing chart grows while the response arrives (the final figures replace it).
    proxy::RequestTiming t;
    t.ttfbMs = m_liveTtfbMs;
    t.totalMs = double(m_clock.nsecsElapsed()) / 1e6;
    t.firstTokenMs = m_live.firstTokenNs() >= 0 ? double(m_live.firstTokenNs()) / 1e6 : -1;
    t.tokens = m_live.outputTokens();
    m_timing->setTiming(t, m_streaming);
    if (m_httpStatus == 0) {
        setStatus(tr("Waiting for %1 %2… %3 ms").arg(m_method, m_url, elapsed), palette().color(QPalette::WindowText));
    } else if (m_streaming) {
        setStatus(tr("%1 %2 — receiving stream: %3 events, %4 ms").arg(m_httpStatus).arg(reasonPhrase(m_httpStatus))
                      .arg(QLocale().toString(m_events->totalCount()), elapsed),
                  statusColor(m_httpStatus));
    } else {
        setStatus(tr("%1 %2 — receiving… %3 ms").arg(m_httpStatus).arg(reasonPhrase(m_httpStatus), elapsed), statusColor(m_httpStatus));
    }
}

void EndpointResponseView::showAssembled(const proxy::StreamAssembler &a)
{
    const QString text = a.text();
    if (m_text->toPlainText() != text) {
        QScrollBar *bar = m_text->verticalScrollBar();
        const bool atEnd = bar->value() >= bar->maximum() - 2;
        m_text->setPlainText(text);
        if (atEnd)
            bar->setValue(bar->maximum());
    }
    if (m_reasoning->toPlainText() != a.reasoning())
        m_reasoning->setPlainText(a.reasoning());
}

void EndpointResponseView::appendEvents(const QList<proxy::SseEvent> &events)
{
    if (events.isEmpty())
        return;
    if (!m_streaming) {
        m_streaming = true;
        m_tabs->setCurrentIndex(streamTab());
    }
    QScrollBar *bar = m_eventsView->verticalScrollBar();
    const bool follow = bar->value() >= bar->maximum() - 2;
    m_events->append(events);
    // Named events (Responses API) need a wider column than chat's unnamed "message".
    int nameWidth = 0;
    for (const proxy::SseEvent &e : events)
        nameWidth = std::max(nameWidth, m_eventsView->fontMetrics().horizontalAdvance(QString::fromUtf8(e.event)) + 14);
    if (nameWidth > m_eventsView->columnWidth(models::SseEventModel::EventColumn))
        m_eventsView->setColumnWidth(models::SseEventModel::EventColumn, std::min(nameWidth, 240));
    if (follow)
        m_eventsView->scrollToBottom();
    for (const proxy::SseEvent &e : events)
        m_live.addEvent(e, e.atNs);
    showAssembled(m_live);
    if (!m_live.toolCalls().isEmpty())
        showToolCalls(m_live.toolCalls());
    m_eventsNote->setText(m_events->droppedCount() > 0
                              ? tr("%1 events; the first %2 are listed.").arg(QLocale().toString(m_events->totalCount()),
                                                                             QLocale().toString(m_events->rowCount()))
                              : tr("%1 events so far…").arg(QLocale().toString(m_events->totalCount())));
    updateLiveStatus();
}

void EndpointResponseView::showBody(const QByteArray &body, bool truncated, bool invalidUtf8, const QString &extraNote)
{
    QStringList notes;
    if (!extraNote.isEmpty())
        notes << extraNote;
    if (truncated)
        notes << tr("The body was cut at the response size limit (%1 received); what arrived is shown.")
                     .arg(QLocale().formattedDataSize(body.size()));
    if (invalidUtf8)
        notes << tr("The body is not valid UTF-8: invalid bytes are shown as \uFFFD.");
    QJsonParseError pe;
    const QJsonDocument doc = body.size() <= kMaxShownBody ? QJsonDocument::fromJson(body, &pe) : QJsonDocument();
    if (!body.isEmpty() && !doc.isNull()) {
        m_body->setPlainText(QString::fromUtf8(doc.toJson(QJsonDocument::Indented)));
    } else {
        QString text = QString::fromUtf8(body.left(kMaxShownBody));
        if (body.size() > kMaxShownBody)
            notes << tr("Only the first %1 are shown.").arg(QLocale().formattedDataSize(kMaxShownBody));
        m_body->setPlainText(text);
        if (body.isEmpty())
            m_body->setPlaceholderText(tr("(empty body)"));
    }
    m_bodyNote->setText(notes.join(QLatin1Char(' ')));
    m_bodyNote->setVisible(!notes.isEmpty());
}

void EndpointResponseView::showToolCalls(const QList<proxy::ToolCall> &calls)
{
    m_tools->clear();
    for (const proxy::ToolCall &c : calls) {
        auto *item = new QTreeWidgetItem(m_tools);
        item->setText(0, QString::number(c.index));
        item->setText(1, c.name);
        item->setText(2, c.id);
        const bool valid = c.argumentsValid();
        if (valid) {
            item->setText(3, tr("✔ valid JSON"));
            item->setForeground(3, QColor(0x2e, 0x7d, 0x32));
        } else {
            item->setText(3, tr("✘ invalid JSON: %1").arg(c.argumentsError()));
            item->setForeground(3, QColor(0xc6, 0x28, 0x28));
            item->setToolTip(3, c.argumentsError());
        }
        auto *args = new QTreeWidgetItem(item);
        const QJsonDocument doc = QJsonDocument::fromJson(c.arguments.toUtf8());
        QString pretty = valid && !doc.isNull() ? QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed() : c.arguments;
        args->setText(0, pretty);
        args->setFont(0, QFontDatabase::systemFont(QFontDatabase::FixedFont));
        args->setFirstColumnSpanned(true);
        item->setExpanded(true);
    }
    m_tabs->setTabText(toolsTab(), calls.isEmpty() ? tr("Tool calls") : tr("Tool calls (%1)").arg(calls.size()));
}

void EndpointResponseView::finish(const proxy::ProxyResponse &r, const QString &environment)
{
    m_liveTimer->stop();
    m_running = false;
    m_streaming = r.isEventStream || r.eventCount > 0;
    const QString url = r.url.toString();
    const proxy::StreamAssembler &a = r.assembled;
    // Status line
    if (r.status > 0) {
        QString reason = QString::fromUtf8(r.reason);
        if (reason.isEmpty())
            reason = reasonPhrase(r.status);
        QString line = tr("%1 %2 · %3 %4 · %5 ms").arg(r.status).arg(reason, QString::fromUtf8(r.method), url,
                                                        QLocale().toString(r.timing.totalMs, 'f', 0));
        if (r.error != proxy::CallError::None)
            line += QStringLiteral(" · ") + proxy::callErrorName(r.error);
        setStatus(line, statusColor(r.error == proxy::CallError::None || r.error == proxy::CallError::BodyTooLarge ? r.status : 599));
    } else {
        setStatus(tr("No response: %1 · %2 %3").arg(proxy::callErrorName(r.error), QString::fromUtf8(r.method), url),
                  statusColor(599));
    }
    m_timing->setTiming(r.timing, m_streaming);
    // Errors
    m_error->clearActions();
    m_acceptCert = nullptr;
    if (r.error != proxy::CallError::None && r.error != proxy::CallError::BodyTooLarge) {
        QString text = QStringLiteral("<b>%1</b>: %2").arg(proxy::callErrorName(r.error).toHtmlEscaped(), r.errorString.toHtmlEscaped());
        if (r.error == proxy::CallError::Tls) {
            if (!r.tlsErrors.isEmpty())
                text += QStringLiteral("<br/>") + r.tlsErrors.join(QStringLiteral("<br/>")).toHtmlEscaped();
            if (!r.peerCertSha256.isEmpty()) {
                text += QStringLiteral("<br/>") + tr("Certificate SHA-256: <tt>%1</tt>").arg(r.peerCertSha256);
                m_acceptCert = m_error->addAction(tr("Accept this certificate for %1").arg(environment));
                m_acceptCert->setObjectName(QStringLiteral("acceptCertificateButton"));
                m_acceptCert->setToolTip(tr("Only this certificate, only for the environment %1. Nothing else is trusted.").arg(environment));
                const QString sha = r.peerCertSha256;
                connect(m_acceptCert, &QPushButton::clicked, this, [this, environment, sha] {
                    Q_EMIT acceptCertificate(environment, sha);
                    m_error->showMessage(tr("Certificate %1 accepted for %2. Send the request again.").arg(sha.left(16) + QChar(0x2026), environment));
                    m_error->clearActions();
                    m_acceptCert = nullptr;
                });
            }
        }
        m_error->showMessage(text);
    } else if (!a.errorObject().isEmpty()) {
        m_error->showMessage(tr("The stream reported an error: %1")
                                 .arg(QString::fromUtf8(QJsonDocument(a.errorObject()).toJson(QJsonDocument::Compact)).toHtmlEscaped()));
    } else {
        m_error->showMessage({});
    }
    // Buffered streaming
    if (m_streaming && r.timing.looksBuffered(a.deltaCount())) {
        m_buffered->showMessage(tr("<b>Streaming is buffered by the proxy</b>: the first token came at %1 ms of %2 ms total "
                                   "(%3 deltas). ccproxy fork/legacy collect the upstream stream and replay it.")
                                    .arg(QLocale().toString(r.timing.firstTokenMs, 'f', 0), QLocale().toString(r.timing.totalMs, 'f', 0))
                                    .arg(a.deltaCount()));
    } else {
        m_buffered->showMessage({});
    }
    // Events and text
    m_events->setEvents(r.events, r.eventCount);
    QStringList notes;
    if (m_streaming) {
        notes << tr("%1 events").arg(QLocale().toString(r.eventCount));
        if (a.sawDone())
            notes << tr("ended with [DONE]");
        else if (a.sawCompleted())
            notes << tr("ended with response.completed");
        else if (r.error == proxy::CallError::None)
            notes << tr("no terminal event");
        if (r.streamCutMidEvent)
            notes << tr("the stream was cut in the middle of an event");
        if (r.eventCount > r.events.size())
            notes << tr("the first %1 are listed").arg(QLocale().toString(r.events.size()));
        if (!a.problems().isEmpty())
            notes << a.problems().first();
    } else {
        notes << tr("Not a stream (Content-Type %1).").arg(QString::fromUtf8(r.header("content-type")));
    }
    m_eventsNote->setText(notes.join(QStringLiteral(" · ")));
    m_eventsView->scrollToBottom();
    showAssembled(a);
    // Body and headers
    showBody(r.body, r.truncated, r.invalidUtf8,
             r.error == proxy::CallError::BodyTooLarge ? r.errorString : QString());
    m_headers->setRowCount(0);
    for (const auto &h : r.headers) {
        const int row = m_headers->rowCount();
        m_headers->insertRow(row);
        m_headers->setItem(row, 0, new QTableWidgetItem(QString::fromUtf8(h.first)));
        m_headers->setItem(row, 1, new QTableWidgetItem(QString::fromUtf8(h.second)));
    }
    showToolCalls(a.toolCalls());
    if (!a.toolCalls().isEmpty())
        m_tabs->setCurrentIndex(toolsTab());
    else if (m_streaming)
        m_tabs->setCurrentIndex(streamTab());
    else
        m_tabs->setCurrentIndex(bodyTab());
}

void EndpointResponseView::showStored(const QJsonObject &o)
{
    clear();
    const int status = models::HistoryModel::status(o);
    const QString when = QLocale().toString(QDateTime::fromMSecsSinceEpoch(models::HistoryModel::startedAtMs(o)), QLocale::ShortFormat);
    const QString err = models::HistoryModel::errorText(o);
    const double total = models::HistoryModel::totalMs(o);
    QString line = status > 0 ? tr("%1 %2 · %3 %4").arg(status).arg(reasonPhrase(status), models::HistoryModel::method(o), models::HistoryModel::url(o))
                              : tr("No response: %1 · %2 %3").arg(err, models::HistoryModel::method(o), models::HistoryModel::url(o));
    if (total >= 0)
        line += tr(" · %1 ms").arg(QLocale().toString(total, 'f', 0));
    line += tr(" · stored %1").arg(when);
    setStatus(line, statusColor(status > 0 ? status : 599));
    const QJsonObject t = o.value(QLatin1String("timing")).toObject();
    if (!t.isEmpty()) {
        proxy::RequestTiming timing;
        timing.connectMs = t.value(QLatin1String("connectMs")).toDouble(-1);
        timing.ttfbMs = t.value(QLatin1String("ttfbMs")).toDouble(-1);
        timing.firstTokenMs = t.value(QLatin1String("firstTokenMs")).toDouble(-1);
        timing.totalMs = t.value(QLatin1String("totalMs")).toDouble(-1);
        timing.bytes = qint64(t.value(QLatin1String("bytes")).toDouble());
        timing.tokens = t.value(QLatin1String("tokens")).toInt();
        m_timing->setTiming(timing, timing.firstTokenMs >= 0);
    }
    if (!err.isEmpty() && status == 0)
        m_error->showMessage(err.toHtmlEscaped());
    // Body as stored (a string, or JSON), headers (object or [[k,v]]), text and tool calls when present.
    QJsonValue body = o.value(QLatin1String("body"));
    if (body.isUndefined())
        body = o.value(QLatin1String("response")).toObject().value(QLatin1String("body"));
    QByteArray bytes;
    if (body.isString())
        bytes = body.toString().toUtf8();
    else if (body.isObject())
        bytes = QJsonDocument(body.toObject()).toJson();
    else if (body.isArray())
        bytes = QJsonDocument(body.toArray()).toJson();
    showBody(bytes, o.value(QLatin1String("truncated")).toBool(), false, tr("Stored summary from the history (bodies are kept up to 64 KiB)."));
    const QJsonValue headers = o.value(QLatin1String("headers"));
    auto addHeader = [this](const QString &k, const QString &v) {
        const int row = m_headers->rowCount();
        m_headers->insertRow(row);
        m_headers->setItem(row, 0, new QTableWidgetItem(k));
        m_headers->setItem(row, 1, new QTableWidgetItem(v));
    };
    if (headers.isObject()) {
        const QJsonObject h = headers.toObject();
        for (auto it = h.begin(); it != h.end(); ++it)
            addHeader(it.key(), it.value().toString());
    } else if (headers.isArray()) {
        for (const QJsonValue &v : headers.toArray()) {
            if (v.isArray())
                addHeader(v.toArray().at(0).toString(), v.toArray().at(1).toString());
            else if (v.isObject())
                addHeader(v.toObject().value(QLatin1String("name")).toString(), v.toObject().value(QLatin1String("value")).toString());
        }
    }
    const QJsonObject a = o.value(QLatin1String("assembled")).toObject();
    m_text->setPlainText(a.value(QLatin1String("text")).toString());
    m_reasoning->setPlainText(a.value(QLatin1String("reasoning")).toString());
    QList<proxy::ToolCall> calls;
    for (const QJsonValue &v : a.value(QLatin1String("toolCalls")).toArray()) {
        const QJsonObject c = v.toObject();
        proxy::ToolCall call;
        call.index = c.value(QLatin1String("index")).toInt();
        call.id = c.value(QLatin1String("id")).toString();
        call.name = c.value(QLatin1String("name")).toString();
        call.arguments = c.value(QLatin1String("arguments")).toString();
        calls << call;
    }
    showToolCalls(calls);
    m_eventsNote->setText(tr("Stored summary: %1 events (the events themselves are not kept in the history).")
                              .arg(o.value(QLatin1String("eventCount")).toInt()));
    m_tabs->setCurrentIndex(calls.isEmpty() ? (o.value(QLatin1String("isEventStream")).toBool() ? streamTab() : bodyTab()) : toolsTab());
}

}  // namespace codex::ui
