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
// Decompression streams through a 4 MB buffer (decompressTo); decompress() collects the same
// stream. It never trusts a declared size beyond `limit` and never emits past `expectedSize`.

namespace codex::archive {

namespace {


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

// Walks the frames before anything is decompressed (stable API only): an empty stream, a bad
// header, a truncated frame, bytes after the last frame, a declared size beyond the limit or
// different from the recorded one all fail here, with the reference-compatible wording.
bool zstdCheckFrames(const QByteArray &in, qint64 expectedSize, qint64 limit, ArchiveError *error)
{
    const QString codec = QStringLiteral("zstd");
    if (in.isEmpty()) {
        setError(error, decompressionError(codec, QStringLiteral("the stream is empty")));
        return false;
    }
    unsigned long long declared = 0;
    for (size_t pos = 0, total = size_t(in.size()); pos < total;) {
        const char *frame = in.constData() + pos;
        const unsigned long long content = ZSTD_getFrameContentSize(frame, total - pos);
        if (content == ZSTD_CONTENTSIZE_ERROR) {
            setError(error, decompressionError(codec, pos == 0 ? QStringLiteral("not a zstd frame (bad magic number or frame header)")
                                                               : QStringLiteral("unexpected bytes after the end of the zstd frame")));
            return false;
        }
        const size_t frameSize = ZSTD_findFrameCompressedSize(frame, total - pos);
        if (ZSTD_isError(frameSize)) {
            setError(error, decompressionError(codec, QStringLiteral("the stream is truncated or its block structure is corrupt")));
            return false;
        }
        if (content == ZSTD_CONTENTSIZE_UNKNOWN || declared == ZSTD_CONTENTSIZE_UNKNOWN)
            declared = ZSTD_CONTENTSIZE_UNKNOWN;
        else if (content > static_cast<unsigned long long>(limit) - std::min(declared, static_cast<unsigned long long>(limit)))
            declared = static_cast<unsigned long long>(limit) + 1;  // beyond the limit: saturate
        else
            declared += content;
        pos += frameSize;
    }
    if (declared == ZSTD_CONTENTSIZE_UNKNOWN)
        return true;  // frames without a size: the streaming checks bound it
    if (declared > static_cast<unsigned long long>(limit)) {
        setError(error, decompressionError(codec, limitText(limit)));
        return false;
    }
    if (expectedSize >= 0 && qint64(declared) != expectedSize) {
        setError(error, decompressionError(codec, QStringLiteral("the frame declares %1 bytes but %2 were expected")
                                                      .arg(qint64(declared))
                                                      .arg(expectedSize)));
        return false;
    }
    return true;
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
    // One decoder for both uses: the whole-buffer form collects what the streaming form emits.
    QByteArray out;
    if (expectedSize > 0 && expectedSize <= limit)
        out.reserve(qsizetype(expectedSize));
    const bool ok = decompressTo(codec, compressed, expectedSize, [&out](const char *data, qint64 n) {
        out.append(data, qsizetype(n));
        return true;
    }, error, limit);
    return ok ? out : QByteArray();
}

QString BlobCodec::sha256Hex(const QByteArray &bytes)
{
    return Sha256::hex(bytes);
}

qint64 ByteArraySource::next(const char **data)
{
    // Pieces of at most 1 GB: zlib counts its input in 32 bits.
    constexpr qint64 kMaxPiece = qint64(1) << 30;
    const qint64 n = std::min(m_bytes.size() - m_pos, kMaxPiece);
    *data = m_bytes.constData() + m_pos;
    m_pos += n;
    return n;
}

namespace {

// The one decoder behind decompress(), decompressTo() and decompressFrom(). `framesChecked`:
// zstdCheckFrames() already walked the whole input, so the first-frame checks are not repeated.
bool decodeStream(const QString &codec, ByteSource &source, qint64 expectedSize, const BlobCodec::Sink &sink,
                  ArchiveError *error, qint64 limit, bool framesChecked)
{
    if (error)
        *error = {};
    if (limit < 0)
        limit = 0;
    const qint64 ceiling = expectedSize >= 0 ? std::min(expectedSize, limit) : limit;
    // Up to 4 MB, but no more than the item needs: a batch of small items must not allocate
    // (and give back to the kernel) 4 MB per item.
    constexpr qint64 kMaxChunk = qint64(4) << 20;
    constexpr qint64 kMinChunk = qint64(64) << 10;
    const qint64 chunk = ceiling < kMaxChunk ? std::max(kMinChunk, ceiling) : kMaxChunk;
    QByteArray buffer(chunk, Qt::Uninitialized);
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
    // The next piece of input; false (with *error set) when the source could not be read.
    const char *piece = nullptr;
    qint64 pieceLeft = 0;
    bool ended = false;
    auto fetch = [&]() {
        const qint64 n = source.next(&piece);
        if (n < 0) {
            setError(error, {ArchiveError::Kind::Query, QStringLiteral("Reading the compressed payload failed: %1")
                                                            .arg(source.errorString())});
            return false;
        }
        pieceLeft = n;
        ended = n == 0;
        return true;
    };

    if (codec == QLatin1String("zstd")) {
        if (!framesChecked && source.size() == 0) {
            setError(error, decompressionError(codec, QStringLiteral("the stream is empty")));
            return false;
        }
        // The frame header may span pieces: gather it first (ZSTD_FRAMEHEADERSIZE_MAX, 18 bytes,
        // is only declared for static linking).
        constexpr qint64 kFrameHeaderMax = 18;
        QByteArray head;
        while (head.size() < kFrameHeaderMax) {
            if (pieceLeft == 0 && (!fetch() || ended)) {
                if (!ended)
                    return false;
                break;
            }
            const qint64 take = std::min<qint64>(kFrameHeaderMax - head.size(), pieceLeft);
            head.append(piece, qsizetype(take));
            piece += take;
            pieceLeft -= take;
        }
        if (!framesChecked) {
            // What can be told from the first frame header before decoding anything.
            const unsigned long long content = ZSTD_getFrameContentSize(head.constData(), size_t(head.size()));
            if (content == ZSTD_CONTENTSIZE_ERROR) {
                setError(error, decompressionError(codec, QStringLiteral("not a zstd frame (bad magic number or frame header)")));
                return false;
            }
            if (content != ZSTD_CONTENTSIZE_UNKNOWN && content > static_cast<unsigned long long>(limit)) {
                setError(error, decompressionError(codec, limitText(limit)));
                return false;
            }
            if (content != ZSTD_CONTENTSIZE_UNKNOWN && expectedSize >= 0
                && content > static_cast<unsigned long long>(expectedSize)) {
                setError(error, decompressionError(codec, QStringLiteral("the frame declares %1 bytes but %2 were expected")
                                                              .arg(qint64(content))
                                                              .arg(expectedSize)));
                return false;
            }
        }
        // One decoder context per thread, reset for each stream (creating one costs more than a
        // small item's whole decode).
        thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
        if (!dctx || ZSTD_isError(ZSTD_DCtx_reset(dctx.get(), ZSTD_reset_session_only))) {
            setError(error, decompressionError(codec, QStringLiteral("out of memory")));
            return false;
        }
        ZSTD_inBuffer input{head.constData(), size_t(head.size()), 0};
        size_t rc = 1;
        int framesDone = 0;
        for (;;) {
            if (input.pos == input.size) {
                if (pieceLeft == 0 && !ended && !fetch())
                    return false;
                if (pieceLeft == 0)
                    break;  // the end of the input
                input = {piece, size_t(pieceLeft), 0};
                pieceLeft = 0;
            }
            ZSTD_outBuffer output{buffer.data(), size_t(buffer.size()), 0};
            const bool atFrameEnd = rc == 0;
            rc = ZSTD_decompressStream(dctx.get(), &output, &input);
            if (ZSTD_isError(rc)) {
                setError(error, decompressionError(codec, atFrameEnd && framesDone > 0
                                                              ? QStringLiteral("unexpected bytes after the end of the zstd frame")
                                                              : zstdErrorText(rc)));
                return false;
            }
            if (rc == 0)
                ++framesDone;
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
        for (;;) {
            if (stream.avail_in == 0 && pieceLeft == 0 && !ended && !fetch())
                return false;
            if (stream.avail_in == 0 && pieceLeft > 0) {
                const qint64 n = std::min(pieceLeft, kMaxIn);
                stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(piece));
                stream.avail_in = uInt(n);
                piece += n;
                pieceLeft -= n;
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
            if ((rc == Z_BUF_ERROR || n == 0) && stream.avail_in == 0 && pieceLeft == 0 && ended) {
                setError(error, decompressionError(codec, zlibErrorText(Z_BUF_ERROR, stream)));
                return false;
            }
        }
        return finish();
    }
    setError(error, decompressionError(codec, QStringLiteral("Unsupported compression codec: %1").arg(codec)));
    return false;
}

}  // namespace

bool BlobCodec::decompressTo(const QString &codec, const QByteArray &compressed, qint64 expectedSize, const Sink &sink,
                             ArchiveError *error, qint64 limit)
{
    // The whole input is at hand: walk every zstd frame first, for the most specific reasons.
    const bool zstd = codec == QLatin1String("zstd");
    if (zstd && !zstdCheckFrames(compressed, expectedSize, std::max<qint64>(limit, 0), error))
        return false;
    ByteArraySource source(compressed);
    return decodeStream(codec, source, expectedSize, sink, error, limit, zstd);
}

bool BlobCodec::decompressFrom(const QString &codec, ByteSource &source, qint64 expectedSize, const Sink &sink,
                               ArchiveError *error, qint64 limit)
{
    return decodeStream(codec, source, expectedSize, sink, error, limit, false);
}

}  // namespace codex::archive
