#pragma once

#include "archive/ArchiveLocation.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace codex::archive {

/// What `codex archive health-check` finds out, plus what the admin needs beyond it.
struct HealthReport {
    QString backend;         ///< "sqlite", "postgres", "mariadb"
    QString redactedUrl;     ///< never with a password
    bool reachable = false;  ///< the database could be opened and answered a query
    bool schemaPresent = false;
    QStringList missingTables;
    qint64 itemCount = -1;   ///< -1 when unknown
    qint64 probeLatencyUs = -1;
    QString message;         ///< why it is not healthy; empty when it is
    bool credentialsRedacted = false;

    /// The reference CLI's lines: "=== Archive Health Check ===", "Backend: …", "URL: …",
    /// "Status: ✓ OK", "Items Retrievable: N", "Status: ✓ OK (backend accessible, N items
    /// retrievable)" — or "Status: ✗ FAILED (…)" when it is not healthy.
    QString toText() const;
    QJsonObject toJson() const;
};

class HealthCheck {
public:
    /// Opens the archive without creating anything, probes it and closes it again.
    static HealthReport run(const ArchiveLocation &location);
};

}  // namespace codex::archive
