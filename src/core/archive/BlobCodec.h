#pragma once

#include "archive/ArchiveTypes.h"

#include <QByteArray>
#include <QString>

#include <functional>

namespace codex::archive {

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
};

}  // namespace codex::archive
