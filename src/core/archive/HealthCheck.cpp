#include "archive/HealthCheck.h"

#include "archive/ArchiveStore.h"

#include <QJsonArray>

namespace codex::archive {

HealthReport HealthCheck::run(const ArchiveLocation &location)
{
    HealthReport r;
    r.backend = backendName(location.backend);
    r.redactedUrl = location.redactedUrl;
    r.credentialsRedacted = location.hasCredentials();
    ArchiveError error;
    // Never ExistingOnly's opposite: a health check must not create an archive.
    auto store = ArchiveStore::open(location, ArchiveStore::OpenMode::ExistingOnly, &error);
    if (!store) {
        r.message = error.message;
        return r;
    }
    r.probeLatencyUs = store->probeLatencyUs(&error);
    if (error) {
        r.message = error.message;
        return r;
    }
    r.reachable = true;
    r.missingTables = store->missingTables(&error);
    if (error) {
        r.message = error.message;
        return r;
    }
    r.schemaPresent = r.missingTables.isEmpty();
    if (!r.missingTables.contains(QStringLiteral("item"))) {
        r.itemCount = store->countItems(ItemFilter(), &error);
        if (error) {
            r.message = error.message;
            return r;
        }
    }
    if (!r.schemaPresent)
        r.message = QStringLiteral("missing tables: %1").arg(r.missingTables.join(QStringLiteral(", ")));
    return r;
}

QString HealthReport::toText() const
{
    QString out;
    out += QStringLiteral("=== Archive Health Check ===\n");
    out += QStringLiteral("Backend: %1\n").arg(backend);
    QString url = redactedUrl.isEmpty() ? QStringLiteral("<not set>") : redactedUrl;
    if (credentialsRedacted && !redactedUrl.isEmpty())
        url += QStringLiteral(" (credentials redacted)");
    out += QStringLiteral("URL: %1\n").arg(url);
    if (!reachable || !schemaPresent) {
        out += QStringLiteral("Status: \u2717 FAILED (%1)\n").arg(message);
        return out;
    }
    out += QStringLiteral("Status: \u2713 OK\n");
    out += QStringLiteral("Items Retrievable: %1\n").arg(itemCount);
    out += QStringLiteral("Status: \u2713 OK (backend accessible, %1 items retrievable)\n").arg(itemCount);
    return out;
}

QJsonObject HealthReport::toJson() const
{
    QJsonArray missing;
    for (const QString &t : missingTables)
        missing.append(t);
    return {{QStringLiteral("backend"), backend},
            {QStringLiteral("url"), redactedUrl},
            {QStringLiteral("reachable"), reachable},
            {QStringLiteral("schema_present"), schemaPresent},
            {QStringLiteral("missing_tables"), missing},
            {QStringLiteral("item_count"), itemCount < 0 ? QJsonValue() : QJsonValue(itemCount)},
            {QStringLiteral("probe_latency_us"), probeLatencyUs < 0 ? QJsonValue() : QJsonValue(probeLatencyUs)},
            {QStringLiteral("status"), reachable && schemaPresent ? QStringLiteral("OK") : QStringLiteral("FAILED")},
            {QStringLiteral("message"), message}};
}

}  // namespace codex::archive
