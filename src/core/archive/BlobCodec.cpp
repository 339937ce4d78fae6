#include "archive/BlobCodec.h"

#include "common/Sha256.h"

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <climits>
#include <memory>

// Formats, as the reference writes them (src/codex/archive/util.py):
//  - zstd: zstandard.ZstdCompressor(level=9).compress(data) — one frame whose header carries the
//    content size (python-zstandard's default write_content_size=True), no checksum.
//    ZSTD_compress(level 9) produces the same kind of frame (and with the same libzstd the same
//    bytes). Frames without a content size (streamed writers) are accepted too.
//  - zlib: zlib.compress(data, 9) — an RFC 1950 stream; zlib.decompress() uses the default
//    window (15 bits, zlib header required) and ignores bytes after the end of the stream.
//
// Decompression never trusts a declared size beyond `limit`, never grows past `expectedSize`
// when that is known, and grows geometrically (amortised linear) when neither is known.

namespace codex::archive {

namespace {

constexpr qint64 kMinGrowth = qint64(64) << 10;

ArchiveError decompressionError(const QString &codec, const QString &why)
{
    return {ArchiveError::Kind::Decompression,
            QStringLiteral("Decompression failed with codec '%1': %2").arg(codec, why)};
}

void setError(ArchiveError *error, ArchiveError value)
{
    if (error)
        *error = std::move(value);
}

QString limitText(qint64 limit)
{
    return QStringLiteral("the result would exceed the limit of %1 bytes").arg(limit);
}

QString sizeMismatchText(qint64 actual, qint64 expected, bool atLeast = false)
{
    return QStringLiteral("decompressed size %1%2 bytes does not match the expected %3 bytes")
        .arg(atLeast ? QStringLiteral("of at least ") : QStringLiteral("of "))
        .arg(actual)
        .arg(expected);
}

// Initial capacity when the final size is not known in advance.
qint64 initialCapacity(qint64 compressedSize, qint64 expectedSize, qint64 limit)
{
    if (expectedSize >= 0)
        return std::min(expectedSize, limit);
    if (compressedSize >= limit / 4)
        return limit;
    return std::min(std::max(kMinGrowth, compressedSize * 4), limit);
}

// Next capacity after `current` is full; 0 when the ceiling has been reached.
qint64 grownCapacity(qint64 current, qint64 ceiling)
{
    if (current >= ceiling)
        return 0;
    const qint64 doubled = current > ceiling / 2 ? ceiling : std::max(current * 2, kMinGrowth);
    return std::min(doubled, ceiling);
}

struct DCtxDeleter {
    void operator()(ZSTD_DCtx *ctx) const { ZSTD_freeDCtx(ctx); }
};

QString zstdErrorText(size_t code)
{
    const ZSTD_ErrorCode e = ZSTD_getErrorCode(code);
    const QString name = QString::fromLatin1(ZSTD_getErrorName(code));
    switch (e) {
    case ZSTD_error_srcSize_wrong:
        return QStringLiteral("the stream is truncated or has trailing bytes (%1)").arg(name);
    case ZSTD_error_prefix_unknown:
        return QStringLiteral("not a zstd frame (%1)").arg(name);
    case ZSTD_error_checksum_wrong:
        return QStringLiteral("checksum mismatch, the stream is corrupt (%1)").arg(name);
    case ZSTD_error_memory_allocation:
        return QStringLiteral("out of memory (%1)").arg(name);
    default:
        break;
    }
    return QStringLiteral("the stream is corrupt (%1)").arg(name);
}

QByteArray zstdDecompress(const QByteArray &in, qint64 expectedSize, qint64 limit, ArchiveError *error)
{
    const QString codec = QStringLiteral("zstd");
    if (in.isEmpty()) {
        setError(error, decompressionError(codec, QStringLiteral("the stream is empty")));
        return {};
    }
    std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
    if (!dctx) {
        setError(error, decompressionError(codec, QStringLiteral("out of memory")));
        return {};
    }

    // Walk the frames (stable API only): sum of the declared sizes, UNKNOWN when one frame lacks
    // it; a bad header, a truncated frame or bytes after the last frame fail here already.
    unsigned long long declared = 0;
    for (size_t pos = 0, total = size_t(in.size()); pos < total;) {
        const char *frame = in.constData() + pos;
        const unsigned long long content = ZSTD_getFrameContentSize(frame, total - pos);
        if (content == ZSTD_CONTENTSIZE_ERROR) {
            setError(error, decompressionError(codec, pos == 0 ? QStringLiteral("not a zstd frame (bad magic number or frame header)")
                                                               : QStringLiteral("unexpected bytes after the end of the zstd frame")));
            return {};
        }
        const size_t frameSize = ZSTD_findFrameCompressedSize(frame, total - pos);
        if (ZSTD_isError(frameSize)) {
            setError(error, decompressionError(codec, QStringLiteral("the stream is truncated or its block structure is corrupt")));
            return {};
        }
        if (content == ZSTD_CONTENTSIZE_UNKNOWN || declared == ZSTD_CONTENTSIZE_UNKNOWN)
            declared = ZSTD_CONTENTSIZE_UNKNOWN;
        else if (content > static_cast<unsigned long long>(limit) - std::min(declared, static_cast<unsigned long long>(limit)))
            declared = static_cast<unsigned long long>(limit) + 1;  // beyond the limit: saturate
        else
            declared += content;
        pos += frameSize;
    }

    if (declared != ZSTD_CONTENTSIZE_UNKNOWN) {
        // Fast path: one allocation of exactly the declared size, one call.
        if (declared > static_cast<unsigned long long>(limit)) {
            setError(error, decompressionError(codec, limitText(limit)));
            return {};
        }
        const auto size = qint64(declared);
        if (expectedSize >= 0 && size != expectedSize) {
            setError(error, decompressionError(codec, QStringLiteral("the frame declares %1 bytes but %2 were expected")
                                                          .arg(size)
                                                          .arg(expectedSize)));
            return {};
        }
        QByteArray out;
        if (size > 0)
            out.resize(size);
        const size_t rc = ZSTD_decompressDCtx(dctx.get(), size > 0 ? out.data() : nullptr, size_t(size), in.constData(),
                                              size_t(in.size()));
        if (ZSTD_isError(rc)) {
            if (ZSTD_getErrorCode(rc) == ZSTD_error_dstSize_tooSmall)
                setError(error, decompressionError(codec, QStringLiteral("the stream holds more data than its header declares")));
            else
                setError(error, decompressionError(codec, zstdErrorText(rc)));
            return {};
        }
        if (qint64(rc) != size) {
            setError(error, decompressionError(codec, sizeMismatchText(qint64(rc), size)));
            return {};
        }
        return out;
    }

    // Streaming path: frames written without a content size.
    const qint64 ceiling = expectedSize >= 0 ? std::min(expectedSize, limit) : limit;
    QByteArray out;
    qint64 capacity = initialCapacity(in.size(), expectedSize, limit);
    out.resize(std::max<qint64>(capacity, 1));
    qint64 produced = 0;
    ZSTD_inBuffer input{in.constData(), size_t(in.size()), 0};
    size_t lastRc = 1;
    for (;;) {
        ZSTD_outBuffer output{out.data() + produced, size_t(capacity - produced), 0};
        lastRc = ZSTD_decompressStream(dctx.get(), &output, &input);
        if (ZSTD_isError(lastRc)) {
            setError(error, decompressionError(codec, zstdErrorText(lastRc)));
            return {};
        }
        produced += qint64(output.pos);
        if (input.pos == input.size && lastRc == 0)
            break;  // every frame complete
        if (produced < capacity) {
            if (input.pos == input.size) {
                // Input exhausted and the decoder neither finished the frame nor filled the
                // output: the stream ends early.
                setError(error, decompressionError(codec, QStringLiteral("the stream is truncated")));
                return {};
            }
            continue;
        }
        // Output full: the data may go on.
        const qint64 next = grownCapacity(capacity, ceiling);
        if (next == 0) {
            // At the ceiling. If the decoder has nothing more to give, we are done; otherwise
            // one probe byte tells whether the data really goes beyond it.
            char probe = 0;
            ZSTD_outBuffer probeOut{&probe, 1, 0};
            const size_t before = input.pos;
            const size_t rc = ZSTD_decompressStream(dctx.get(), &probeOut, &input);
            if (ZSTD_isError(rc)) {
                setError(error, decompressionError(codec, zstdErrorText(rc)));
                return {};
            }
            if (probeOut.pos == 0 && rc == 0 && input.pos == input.size)
                break;
            if (probeOut.pos == 0 && input.pos == input.size && rc != 0) {
                setError(error, decompressionError(codec, QStringLiteral("the stream is truncated")));
                return {};
            }
            if (probeOut.pos == 0) {
                if (input.pos == before) {  // cannot happen with libzstd; never spin
                    setError(error, decompressionError(codec, QStringLiteral("the decoder made no progress")));
                    return {};
                }
                continue;  // consumed input (e.g. a frame footer) without output; try again
            }
            if (expectedSize >= 0 && expectedSize <= limit)
                setError(error, decompressionError(codec, sizeMismatchText(produced + 1, expectedSize, true)));
            else
                setError(error, decompressionError(codec, limitText(limit)));
            return {};
        }
        capacity = next;
        out.resize(capacity);
    }
    if (expectedSize >= 0 && produced != expectedSize) {
        setError(error, decompressionError(codec, sizeMismatchText(produced, expectedSize)));
        return {};
    }
    out.resize(produced);
    out.squeeze();
    return out;
}

QString zlibErrorText(int code, const z_stream &stream)
{
    // The wording of Python's zlib module, which is what the reference's RESTORE_FAIL reasons
    // carry ("Error -3 while decompressing data: incorrect header check").
    if (code == Z_BUF_ERROR)
        return QStringLiteral("Error -5 while decompressing data: incomplete or truncated stream");
    const char *msg = stream.msg;
    if (!msg) {
        switch (code) {
        case Z_MEM_ERROR:
            msg = "insufficient memory";
            break;
        case Z_DATA_ERROR:
            msg = "invalid input data";
            break;
        default:
            msg = "library error";
            break;
        }
    }
    return QStringLiteral("Error %1 while decompressing data: %2").arg(code).arg(QString::fromLatin1(msg));
}

QByteArray zlibDecompress(const QByteArray &in, qint64 expectedSize, qint64 limit, ArchiveError *error)
{
    const QString codec = QStringLiteral("zlib");
    z_stream stream{};
    if (inflateInit(&stream) != Z_OK) {
        setError(error, decompressionError(codec, QStringLiteral("cannot initialise zlib")));
        return {};
    }
    struct End {
        z_stream *s;
        ~End() { inflateEnd(s); }
    } end{&stream};

    const qint64 ceiling = expectedSize >= 0 ? std::min(expectedSize, limit) : limit;
    qint64 capacity = initialCapacity(in.size(), expectedSize, limit);
    QByteArray out;
    out.resize(std::max<qint64>(capacity, 1));
    qint64 produced = 0;
    qint64 consumed = 0;
    constexpr qint64 kMaxChunk = qint64(1) << 30;  // avail_in / avail_out are 32-bit
    int rc = Z_OK;
    for (;;) {
        if (stream.avail_in == 0 && consumed < in.size()) {
            const qint64 n = std::min<qint64>(in.size() - consumed, kMaxChunk);
            stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.constData() + consumed));
            stream.avail_in = uInt(n);
            consumed += n;
        }
        const qint64 room = std::min<qint64>(capacity - produced, kMaxChunk);
        if (room == 0) {
            const qint64 next = grownCapacity(capacity, ceiling);
            if (next == 0) {
                // At the ceiling: probe one byte to tell "exactly full" from "goes on".
                Bytef probe = 0;
                stream.next_out = &probe;
                stream.avail_out = 1;
                rc = inflate(&stream, Z_NO_FLUSH);
                if (rc == Z_STREAM_END && stream.avail_out == 1)
                    break;
                if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && stream.avail_out == 1)) {
                    setError(error, decompressionError(codec, zlibErrorText(rc, stream)));
                    return {};
                }
                if (stream.avail_out == 1) {
                    if (stream.avail_in == 0 && consumed >= in.size()) {
                        setError(error, decompressionError(codec, zlibErrorText(Z_BUF_ERROR, stream)));
                        return {};
                    }
                    continue;
                }
                if (expectedSize >= 0 && expectedSize <= limit)
                    setError(error, decompressionError(codec, sizeMismatchText(produced + 1, expectedSize, true)));
                else
                    setError(error, decompressionError(codec, limitText(limit)));
                return {};
            }
            capacity = next;
            out.resize(capacity);
            continue;
        }
        stream.next_out = reinterpret_cast<Bytef *>(out.data() + produced);
        stream.avail_out = uInt(room);
        rc = inflate(&stream, Z_NO_FLUSH);
        produced += room - qint64(stream.avail_out);
        if (rc == Z_STREAM_END)
            break;  // like zlib.decompress(): bytes after the end of the stream are ignored
        if (rc == Z_BUF_ERROR) {
            // No progress possible: out of input (truncated) — output room is never 0 here.
            if (stream.avail_in == 0 && consumed >= in.size()) {
                setError(error, decompressionError(codec, zlibErrorText(Z_BUF_ERROR, stream)));
                return {};
            }
            continue;
        }
        if (rc != Z_OK) {
            setError(error, decompressionError(codec, zlibErrorText(rc, stream)));
            return {};
        }
        if (stream.avail_in == 0 && consumed >= in.size() && stream.avail_out != 0) {
            setError(error, decompressionError(codec, zlibErrorText(Z_BUF_ERROR, stream)));
            return {};
        }
    }
    if (expectedSize >= 0 && produced != expectedSize) {
        setError(error, decompressionError(codec, sizeMismatchText(produced, expectedSize)));
        return {};
    }
    out.resize(produced);
    out.squeeze();
    return out;
}

}  // namespace

bool BlobCodec::isKnown(const QString &codec)
{
    return codec == QLatin1String("zstd") || codec == QLatin1String("zlib");
}

// Compression failures (unknown codec, out of memory) are reported with Kind::Decompression, the
// codec-failure kind: they are not transient, so nothing retries them.
QByteArray BlobCodec::compress(const QString &codec, const QByteArray &raw, ArchiveError *error)
{
    if (error)
        *error = {};
    if (codec == QLatin1String("zstd")) {
        const size_t bound = ZSTD_compressBound(size_t(raw.size()));
        if (ZSTD_isError(bound)) {
            setError(error, {ArchiveError::Kind::Decompression, QStringLiteral("Compression failed with codec 'zstd': input too large")});
            return {};
        }
        QByteArray out;
        out.resize(qsizetype(bound));
        const size_t rc = ZSTD_compress(out.data(), bound, raw.constData(), size_t(raw.size()), 9);
        if (ZSTD_isError(rc)) {
            setError(error, {ArchiveError::Kind::Decompression, QStringLiteral("Compression failed with codec 'zstd': %1")
                                                         .arg(QString::fromLatin1(ZSTD_getErrorName(rc)))});
            return {};
        }
        out.resize(qsizetype(rc));
        out.squeeze();
        return out;
    }
    if (codec == QLatin1String("zlib")) {
        uLongf bound = compressBound(uLong(raw.size()));
        QByteArray out;
        out.resize(qsizetype(bound));
        const int rc = compress2(reinterpret_cast<Bytef *>(out.data()), &bound,
                                 reinterpret_cast<const Bytef *>(raw.constData()), uLong(raw.size()), 9);
        if (rc != Z_OK) {
            setError(error, {ArchiveError::Kind::Decompression, QStringLiteral("Compression failed with codec 'zlib': error %1").arg(rc)});
            return {};
        }
        out.resize(qsizetype(bound));
        out.squeeze();
        return out;
    }
    setError(error, {ArchiveError::Kind::Decompression, QStringLiteral("Compression failed with codec '%1': Unsupported compression codec: %1").arg(codec)});
    return {};
}

QByteArray BlobCodec::decompress(const QString &codec, const QByteArray &compressed, qint64 expectedSize,
                                 ArchiveError *error, qint64 limit)
{
    if (error)
        *error = {};
    if (limit < 0)
        limit = 0;
    if (codec == QLatin1String("zstd"))
        return zstdDecompress(compressed, expectedSize, limit, error);
    if (codec == QLatin1String("zlib"))
        return zlibDecompress(compressed, expectedSize, limit, error);
    // The reference raises ValueError("Unsupported compression codec: <codec>") and records
    // "Decompression failed with codec '<codec>': Unsupported compression codec: <codec>".
    setError(error, decompressionError(codec, QStringLiteral("Unsupported compression codec: %1").arg(codec)));
    return {};
}

QString BlobCodec::sha256Hex(const QByteArray &bytes)
{
    return Sha256::hex(bytes);
}

bool BlobCodec::decompressTo(const QString &codec, const QByteArray &compressed, qint64 expectedSize, const Sink &sink,
                             ArchiveError *error, qint64 limit)
{
    if (error)
        *error = {};
    if (limit < 0)
        limit = 0;
    const qint64 ceiling = expectedSize >= 0 ? std::min(expectedSize, limit) : limit;
    constexpr qint64 kChunk = qint64(4) << 20;
    QByteArray buffer(kChunk, Qt::Uninitialized);
    qint64 produced = 0;
    // Hands a chunk to the sink after the size checks the whole-buffer path makes too.
    auto emitChunk = [&](qint64 n) {
        if (n == 0)
            return true;
        if (produced + n > ceiling) {
            setError(error, decompressionError(codec, expectedSize >= 0 && expectedSize <= limit
                                                          ? sizeMismatchText(produced + n, expectedSize, true)
                                                          : limitText(limit)));
            return false;
        }
        produced += n;
        return sink(buffer.constData(), n);
    };
    auto finish = [&]() {
        if (expectedSize >= 0 && produced != expectedSize) {
            setError(error, decompressionError(codec, sizeMismatchText(produced, expectedSize)));
            return false;
        }
        return true;
    };

    if (codec == QLatin1String("zstd")) {
        if (compressed.isEmpty()) {
            setError(error, decompressionError(codec, zstdErrorText(size_t(-int(ZSTD_error_srcSize_wrong)))));
            return false;
        }
        std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
        ZSTD_inBuffer input{compressed.constData(), size_t(compressed.size()), 0};
        size_t rc = 1;
        while (input.pos < input.size) {
            ZSTD_outBuffer output{buffer.data(), size_t(buffer.size()), 0};
            rc = ZSTD_decompressStream(dctx.get(), &output, &input);
            if (ZSTD_isError(rc)) {
                setError(error, decompressionError(codec, zstdErrorText(rc)));
                return false;
            }
            if (!emitChunk(qint64(output.pos)))
                return false;
        }
        // Input used up: flush what the decoder still holds, then the frame must be complete.
        while (rc != 0) {
            ZSTD_outBuffer output{buffer.data(), size_t(buffer.size()), 0};
            rc = ZSTD_decompressStream(dctx.get(), &output, &input);
            if (ZSTD_isError(rc)) {
                setError(error, decompressionError(codec, zstdErrorText(rc)));
                return false;
            }
            if (output.pos == 0 && rc != 0) {
                setError(error, decompressionError(codec, zstdErrorText(size_t(-int(ZSTD_error_srcSize_wrong)))));
                return false;
            }
            if (!emitChunk(qint64(output.pos)))
                return false;
        }
        return finish();
    }
    if (codec == QLatin1String("zlib")) {
        z_stream stream{};
        if (inflateInit(&stream) != Z_OK) {
            setError(error, decompressionError(codec, QStringLiteral("cannot initialise zlib")));
            return false;
        }
        struct End {
            z_stream *s;
            ~End() { inflateEnd(s); }
        } end{&stream};
        constexpr qint64 kMaxIn = qint64(1) << 30;  // avail_in is 32-bit
        qint64 consumed = 0;
        for (;;) {
            if (stream.avail_in == 0 && consumed < compressed.size()) {
                const qint64 n = std::min<qint64>(compressed.size() - consumed, kMaxIn);
                stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(compressed.constData() + consumed));
                stream.avail_in = uInt(n);
                consumed += n;
            }
            stream.next_out = reinterpret_cast<Bytef *>(buffer.data());
            stream.avail_out = uInt(buffer.size());
            const int rc = inflate(&stream, Z_NO_FLUSH);
            const qint64 n = buffer.size() - qint64(stream.avail_out);
            if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
                setError(error, decompressionError(codec, zlibErrorText(rc, stream)));
                return false;
            }
            if (!emitChunk(n))
                return false;
            if (rc == Z_STREAM_END)
                break;  // like zlib.decompress(): bytes after the end of the stream are ignored
            if ((rc == Z_BUF_ERROR || n == 0) && stream.avail_in == 0 && consumed >= compressed.size()) {
                setError(error, decompressionError(codec, zlibErrorText(Z_BUF_ERROR, stream)));
                return false;
            }
        }
        return finish();
    }
    setError(error, decompressionError(codec, QStringLiteral("Unsupported compression codec: %1").arg(codec)));
    return false;
}

}  // namespace codex::archive
