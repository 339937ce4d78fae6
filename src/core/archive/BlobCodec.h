#pragma once

#include "archive/ArchiveTypes.h"

#include <QByteArray>
#include <QString>

#include <functional>

namespace codex::archive {

/// Compressed input handed out piece by piece (a database blob read incrementally, or a buffer
/// already in memory), so a large payload need not be held whole.
class ByteSource {
public:
    virtual ~ByteSource() = default;
    /// Total size in bytes.
    virtual qint64 size() const = 0;
    /// Sets *data to the next piece and returns its size; 0 at the end, -1 on a read error.
    /// The piece stays valid until the next call.
    virtual qint64 next(const char **data) = 0;
    /// Why next() returned -1.
    virtual QString errorString() const = 0;
};

/// A ByteSource over bytes already in memory (shared, not copied).
class ByteArraySource final : public ByteSource {
public:
    explicit ByteArraySource(QByteArray bytes) : m_bytes(std::move(bytes)) {}
    qint64 size() const override { return m_bytes.size(); }
    qint64 next(const char **data) override;
    QString errorString() const override { return {}; }
    const QByteArray &bytes() const { return m_bytes; }

private:
    QByteArray m_bytes;
    qint64 m_pos = 0;
};

/// Compression of artifact blobs exactly as the reference writes them: zstd level 9 (frames
/// with the content size) or zlib level 9 (zlib.compress, RFC 1950 stream).
class BlobCodec {
public:
    static bool isKnown(const QString &codec);  ///< "zstd" or "zlib"
    static QByteArray compress(const QString &codec, const QByteArray &raw, ArchiveError *error);
    /// Decompresses; a corrupt stream, an unknown codec or a result larger than `limit` bytes
    /// fails with Kind::Decompression and the reference's wording
    /// "Decompression failed with codec '<codec>': <why>".
    static QByteArray decompress(const QString &codec, const QByteArray &compressed, qint64 expectedSize,
                                 ArchiveError *error, qint64 limit = qint64(4) << 30);
    static QString sha256Hex(const QByteArray &bytes);

    /// Receives decompressed bytes in order; returns false to stop (cancel, write error).
    using Sink = std::function<bool(const char *data, qint64 size)>;
    /// Streams the decompressed content to `sink` through a small reused buffer, so a large
    /// item is never held in memory whole. Same checks and wording as decompress(); returns
    /// false with *error set on a codec failure, or false with *error empty when the sink stopped.
    static bool decompressTo(const QString &codec, const QByteArray &compressed, qint64 expectedSize, const Sink &sink,
                             ArchiveError *error, qint64 limit = qint64(4) << 30);
    /// The same from a source read piece by piece. The zstd frame checks that need the whole
    /// input (declared sizes of later frames, bytes after the last frame) are made while
    /// decoding instead, so a few bad streams get a less specific (still codec-prefixed) reason.
    /// A read error fails with Kind::Query and the source's errorString().
    static bool decompressFrom(const QString &codec, ByteSource &source, qint64 expectedSize, const Sink &sink,
                               ArchiveError *error, qint64 limit = qint64(4) << 30);
};

}  // namespace codex::archive
