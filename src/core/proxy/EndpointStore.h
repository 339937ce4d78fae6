#pragma once

#include "proxy/ProxyTypes.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace codex::proxy {

/// The workspace's endpoint tester state: `.codex/endpoints.json` — environments (without
/// secrets), saved requests, custom profiles — and `.codex/endpoints-history.jsonl` (the last 500
/// calls, bodies capped at 64 KiB, token never written). Written atomically; a malformed file is
/// reported with its line/column and not overwritten until the admin saves.
class EndpointStore {
public:
    explicit EndpointStore(QString codexDir = {});

    bool load(QString *error);
    bool save(QString *error) const;

    QList<Environment> environments;   ///< defaults when the file is absent: "local ccproxy" http://127.0.0.1:8000
    QList<ProxyRequest> savedRequests;
    QList<ProxyProfile> customProfiles;

    std::optional<ProxyProfile> profile(const QString &id) const;  ///< preset or custom

    bool appendHistory(const ProxyResponse &response, QString *error) const;
    QList<QJsonObject> history(int max = 500) const;   ///< newest first; malformed lines skipped

    QString filePath() const;
    QString historyPath() const;

    static constexpr int kHistoryKeep = 500;   ///< lines kept after a rewrite
    static constexpr int kHistoryRewriteAt = 600;  ///< the file is rewritten when it exceeds this

private:
    QString m_dir;
    mutable qint64 m_historyLines = -1;  // lines in the history file when it had m_historySize bytes
    mutable qint64 m_historySize = -1;
};

}  // namespace codex::proxy
