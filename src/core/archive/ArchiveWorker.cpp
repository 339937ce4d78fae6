#include "archive/ArchiveWorker.h"

#include "archive/BlobCodec.h"
#include "evidence/EvidenceLog.h"

#include <QMetaObject>

namespace codex::archive {

ArchiveWorker::ArchiveWorker()
{
    qRegisterMetaType<codex::archive::ItemRow>();
    qRegisterMetaType<QList<codex::archive::ItemRow>>();
    qRegisterMetaType<codex::archive::RestoreResult>();
    qRegisterMetaType<std::optional<codex::archive::ItemDetail>>();
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    m_thread.setObjectName(QStringLiteral("archive-worker"));
    m_thread.start();
}

ArchiveWorker::~ArchiveWorker()
{
    m_cancel = true;
    // The connection must be closed by the thread that opened it.
    QMetaObject::invokeMethod(m_context, [this] { m_store.reset(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    delete m_context;
}

void ArchiveWorker::open(const ArchiveLocation &location, bool create)
{
    QMetaObject::invokeMethod(m_context, [this, location, create] {
        m_store.reset();
        ArchiveError error;
        const auto mode = location.isDefaultSqlite || create ? ArchiveStore::OpenMode::CreateIfMissing
                                                             : ArchiveStore::OpenMode::ExistingOnly;
        m_store = ArchiveStore::open(location, mode, &error);
        if (!m_store) {
            Q_EMIT opened(false, error.message, {});
            return;
        }
        // A file ArchiveStore::open() created already has the schema; an existing database with
        // tables missing is reported below, never altered.
        const QStringList missing = m_store->missingTables(&error);
        Q_EMIT opened(!error && missing.isEmpty(), error.message, missing);
    });
}

void ArchiveWorker::count(quint64 generation, const ItemFilter &filter)
{
    QMetaObject::invokeMethod(m_context, [this, generation, filter] {
        if (!m_store) {
            Q_EMIT counted(generation, 0, tr("The archive is not open"));
            return;
        }
        ArchiveError error;
        const qint64 n = m_store->countItems(filter, &error);
        Q_EMIT counted(generation, error ? 0 : n, error.message);
    });
}

void ArchiveWorker::page(quint64 generation, const ItemFilter &filter, const SortOrder &order, qint64 offset, int limit)
{
    QMetaObject::invokeMethod(m_context, [this, generation, filter, order, offset, limit] {
        if (!m_store) {
            Q_EMIT paged(generation, offset, {}, tr("The archive is not open"));
            return;
        }
        ArchiveError error;
        const QList<ItemRow> rows = m_store->items(filter, order, offset, limit, &error);
        Q_EMIT paged(generation, offset, rows, error.message);
    });
}

void ArchiveWorker::detail(const QString &tombstone)
{
    QMetaObject::invokeMethod(m_context, [this, tombstone] {
        ArchiveError error;
        std::optional<ItemDetail> d = m_store ? m_store->item(tombstone, &error) : std::nullopt;
        Q_EMIT detailReady(tombstone, d, m_store ? error.message : tr("The archive is not open"));
    });
}

void ArchiveWorker::distinct(const QString &column)
{
    QMetaObject::invokeMethod(m_context, [this, column] {
        ArchiveError error;
        const QStringList values = m_store ? m_store->distinctValues(column, 500, &error) : QStringList();
        Q_EMIT distinctReady(column, values);
    });
}

void ArchiveWorker::preview(const QString &tombstone, int maxBytes)
{
    QMetaObject::invokeMethod(m_context, [this, tombstone, maxBytes] {
        ArchiveError error;
        const auto blob = m_store ? m_store->blob(tombstone, &error) : std::nullopt;
        if (!blob) {
            Q_EMIT previewReady(tombstone, {}, false, m_store ? error.message : tr("The archive is not open"));
            return;
        }
        const QByteArray raw = BlobCodec::decompress(blob->artifact.compression, blob->compressed, blob->artifact.sizeBytes, &error);
        if (error) {
            Q_EMIT previewReady(tombstone, {}, false, error.message);
            return;
        }
        const bool truncated = raw.size() > maxBytes;
        Q_EMIT previewReady(tombstone, QString::fromUtf8(raw.left(maxBytes)), truncated, {});
    });
}

void ArchiveWorker::restore(const QList<RestoreRequest> &requests, const QString &evidencePath)
{
    m_cancel = false;
    QMetaObject::invokeMethod(m_context, [this, requests, evidencePath] {
        int ok = 0, failed = 0;
        if (!m_store) {
            Q_EMIT restoreFinished(0, int(requests.size()), false);
            return;
        }
        evidence::EvidenceLog log(evidencePath);
        RestoreService service(*m_store, &log);
        for (int i = 0; i < requests.size(); ++i) {
            if (m_cancel) {
                Q_EMIT restoreFinished(ok, failed, true);
                return;
            }
            const RestoreResult r = service.restore(requests[i], &m_cancel);
            r.ok ? ++ok : ++failed;
            Q_EMIT restoreProgress(i + 1, int(requests.size()), r);
        }
        Q_EMIT restoreFinished(ok, failed, m_cancel.load());
    });
}

}  // namespace codex::archive
