#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace codex::proxy {

/// What differs between ccproxy generations (reference/ccproxy.md): paths, header names and the
/// behaviour the tester should expect. Data, never hard-coded at the call sites: presets
/// "fork", "legacy" and "current", and custom profiles saved in the workspace.
struct ProxyProfile {
    QString id;       ///< "fork", "legacy", "current" or a custom name
    QString label;    ///< "ccproxy fork of v0.1.7 (Codex parity)", …
    QString responsesPath;         ///< "/codex/responses" | "/codex/v1/responses"
    QString chatPath;              ///< "/codex/chat/completions" | "/codex/v1/chat/completions"
    QString sessionResponsesPath;  ///< "/codex/{session_id}/responses"; empty when the generation has none
    QString sessionChatPath;       ///< fork only: "/codex/{session_id}/chat/completions"
    QString modelsPath;            ///< current: "/codex/v1/models"; empty otherwise
    QString healthPath = QStringLiteral("/health");
    QString metricsPath = QStringLiteral("/metrics");
    QString sessionHeader = QStringLiteral("session_id");
    QString authHeader = QStringLiteral("Authorization");  ///< value "Bearer TOKEN"
    /// Non-streaming Responses answer: fork/legacy send the last SSE event's JSON
    /// ({type:"response.completed", response:{…}}), current the response object itself.
    bool responsesWrapsCompletedEvent = true;
    /// fork/legacy collect the upstream stream and replay it (reference: "Streaming is buffered").
    bool knownBufferedStreaming = true;

    QString sessionPath(const QString &templatePath, const QString &sessionId) const;  ///< fills {session_id}
    QJsonObject toJson() const;
    static std::optional<ProxyProfile> fromJson(const QJsonObject &o, QString *error);

    static QList<ProxyProfile> presets();  ///< fork, legacy, current (in that order)
    static std::optional<ProxyProfile> preset(const QString &id);
};

}  // namespace codex::proxy
