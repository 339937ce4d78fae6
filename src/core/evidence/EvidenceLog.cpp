#include "evidence/EvidenceLog.h"

#include "common/PythonJson.h"

#include <QCborArray>
#include <QCborValue>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonValue>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

// The reference writes each record with (src/codex/archive/util.py, append_evidence):
//     record.setdefault("ts", utcnow())      # "%Y-%m-%dT%H:%M:%SZ", UTC, whole seconds
//     json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
// opened with open("a", encoding="utf-8"): O_APPEND, no lock, no fsync. json.dumps keeps its
// default ensure_ascii=True and allow_nan=True. serialize() reproduces that output byte for byte.

namespace codex::evidence {

namespace {

// --- Python json.dumps, ensure_ascii=True --------------------------------------------------

// Python's float.__repr__ (repr style "short"): the shortest digits that round-trip; fixed
// notation when the decimal exponent (dtoa's decpt) is in (-4, 16], otherwise d[.ddd]e±XX.
void appendPythonFloat(QByteArray &out, double v)
{
    if (std::isnan(v)) {
        out.append("NaN");  // json.dumps(allow_nan=True)
        return;
    }
    if (std::isinf(v)) {
        out.append(v > 0 ? "Infinity" : "-Infinity");
        return;
    }
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    std::string_view s(buf, size_t(res.ptr - buf));
    if (!s.empty() && s.front() == '-') {
        out.append('-');
        s.remove_prefix(1);
    }
    const size_t e = s.find('e');
    const std::string_view mantissa = s.substr(0, e);
    int exponent = 0;
    const std::string_view expText = s.substr(e + 1);
    std::from_chars(expText.data() + (expText.front() == '+' ? 1 : 0), expText.data() + expText.size(), exponent);
    std::string digits;
    digits.reserve(mantissa.size());
    for (char c : mantissa)
        if (c != '.')
            digits.push_back(c);
    while (digits.size() > 1 && digits.back() == '0')
        digits.pop_back();
    const int ndigits = int(digits.size());
    const int decpt = exponent + 1;  // value = 0.DIGITS × 10^decpt

    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            out.append("0.");
            out.append(QByteArray(-decpt, '0'));
            out.append(digits.data(), qsizetype(digits.size()));
        } else if (decpt >= ndigits) {
            out.append(digits.data(), qsizetype(digits.size()));
            out.append(QByteArray(decpt - ndigits, '0'));
            out.append(".0");
        } else {
            out.append(digits.data(), decpt);
            out.append('.');
            out.append(digits.data() + decpt, ndigits - decpt);
        }
        return;
    }
    out.append(digits.front());
    if (ndigits > 1) {
        out.append('.');
        out.append(digits.data() + 1, ndigits - 1);
    }
    const int exp10 = decpt - 1;
    out.append('e');
    out.append(exp10 < 0 ? '-' : '+');
    const int absExp = exp10 < 0 ? -exp10 : exp10;
    if (absExp < 10)
        out.append('0');
    out.append(QByteArray::number(absExp));
}

// Python sorts str keys by code point. QString compares UTF-16 code units, which puts
// characters beyond the BMP (surrogates, 0xD800..) before U+E000..U+FFFF; decode instead.
char32_t codePointAt(const QString &s, qsizetype &i)
{
    const char16_t c = s.at(i).unicode();
    if (QChar::isHighSurrogate(c) && i + 1 < s.size() && QChar::isLowSurrogate(s.at(i + 1).unicode())) {
        const char32_t cp = QChar::surrogateToUcs4(c, s.at(i + 1).unicode());
        i += 2;
        return cp;
    }
    ++i;
    return c;
}

bool codePointLess(const QString &a, const QString &b)
{
    qsizetype i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const char32_t x = codePointAt(a, i);
        const char32_t y = codePointAt(b, j);
        if (x != y)
            return x < y;
    }
    return i >= a.size() && j < b.size();
}

QString keyText(const QCborValue &key)
{
    if (key.isString())
        return key.toString();
    if (key.isInteger())
        return QString::number(key.toInteger());  // json.dumps turns int keys into strings too
    const QJsonValue j = key.toJsonValue();
    return j.isString() ? j.toString() : key.toDiagnosticNotation();
}

void appendValue(QByteArray &out, const QCborValue &v);

void appendMap(QByteArray &out, const QCborMap &map)
{
    std::vector<std::pair<QString, QCborValue>> entries;
    entries.reserve(size_t(map.size()));
    for (auto it = map.constBegin(); it != map.constEnd(); ++it)
        entries.emplace_back(keyText(it.key()), it.value());
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto &l, const auto &r) { return codePointLess(l.first, r.first); });
    out.append('{');
    bool first = true;
    for (const auto &[key, value] : entries) {
        if (!first)
            out.append(',');
        first = false;
        pyjson::appendString(out, key);
        out.append(':');
        appendValue(out, value);
    }
    out.append('}');
}

void appendValue(QByteArray &out, const QCborValue &v)
{
    switch (v.type()) {
    case QCborValue::Integer:
        out.append(QByteArray::number(v.toInteger()));
        return;
    case QCborValue::Double:
        appendPythonFloat(out, v.toDouble());
        return;
    case QCborValue::String:
        pyjson::appendString(out, v.toString());
        return;
    case QCborValue::True:
        out.append("true");
        return;
    case QCborValue::False:
        out.append("false");
        return;
    case QCborValue::Null:
    case QCborValue::Undefined:
    case QCborValue::Invalid:
        out.append("null");
        return;
    case QCborValue::Array: {
        const QCborArray array = v.toArray();
        out.append('[');
        bool first = true;
        for (const QCborValue &item : array) {
            if (!first)
                out.append(',');
            first = false;
            appendValue(out, item);
        }
        out.append(']');
        return;
    }
    case QCborValue::Map:
        appendMap(out, v.toMap());
        return;
    default: {
        // Not a JSON type (byte array, tag, date, URL...): the value Qt itself would put in JSON.
        const QCborValue converted = QCborValue::fromJsonValue(v.toJsonValue());
        if (converted.type() == v.type()) {
            out.append("null");
            return;
        }
        appendValue(out, converted);
        return;
    }
    }
}

bool writeWholeLine(const QString &path, const QByteArray &line, QString *error)
{
    const QFileInfo info(path);
    const QByteArray native = QFile::encodeName(info.absoluteFilePath());
    const auto fail = [&](const char *what, int err) {
        if (error)
            *error = QStringLiteral("Cannot %1 the evidence log %2: %3")
                         .arg(QLatin1String(what), QDir::toNativeSeparators(path), QString::fromLocal8Bit(std::strerror(err)));
        return false;
    };

    // O_APPEND: every write() lands at the current end, whoever else appends (the reference CLI
    // opens the file the same way).
    // The folder is made only when it is missing (a batch appends thousands of lines: no
    // mkdir + stat before each).
    int fd = -1;
    bool madeFolder = false;
    for (;;) {
        fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
        if (fd >= 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != ENOENT || madeFolder)
            return fail("open", errno);
        if (!QDir().mkpath(info.absolutePath())) {
            if (error)
                *error = QStringLiteral("Cannot create the folder %1").arg(QDir::toNativeSeparators(info.absolutePath()));
            return false;
        }
        madeFolder = true;
    }

    // flock(LOCK_EX) on our own open file description: it serialises our threads (each append
    // opens its own descriptor), our processes and any other writer that also uses flock (the
    // test's Python writer does). The reference CLI itself takes no lock; against it the
    // protection is O_APPEND plus a single write() per line.
    while (::flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            const int err = errno;
            ::close(fd);
            return fail("lock", err);
        }
    }

    const char *data = line.constData();
    qsizetype left = line.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, data, size_t(left));  // the whole line in one call
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            ::close(fd);
            return fail("write", err);
        }
        data += n;
        left -= n;
    }
    // No fsync: like the reference. Once write() returns, every reader sees the line; fsync
    // would only add power-loss durability, at the price of a disk flush per record (a batch
    // restore of thousands of items would pay thousands of flushes).
    if (::close(fd) != 0 && errno != EINTR)
        return fail("close", errno);  // closing releases the lock
    return true;
}

}  // namespace

EvidenceLog::EvidenceLog(const QString &path) : m_path(path) {}

QString EvidenceLog::defaultPath(const QString &workspace, const QMap<QString, QString> &environment)
{
    const QString dir = environment.value(QStringLiteral("CODEX_EVIDENCE_DIR"));
    const QDir base(workspace.isEmpty() ? QDir::currentPath() : workspace);
    if (!dir.isEmpty())
        return QDir::cleanPath(base.absoluteFilePath(dir) + QStringLiteral("/archive_ops.jsonl"));
    return QDir::cleanPath(base.absoluteFilePath(QStringLiteral(".codex/evidence/archive_ops.jsonl")));
}

bool EvidenceLog::append(const QString &action, const QJsonObject &fields, QString *error, const QDateTime &ts)
{
    return appendCbor(action, QCborMap::fromJsonObject(fields), error, ts);
}

bool EvidenceLog::appendCbor(const QString &action, const QCborMap &fields, QString *error, const QDateTime &ts)
{
    QCborMap record = fields;
    record[QStringLiteral("action")] = action;
    // record.setdefault("ts", utcnow()): a ts given in the fields is kept.
    if (!record.contains(QStringLiteral("ts")))
        record[QStringLiteral("ts")] = timestamp(ts);
    QByteArray line = serializeCbor(record);
    line.append('\n');
    return writeWholeLine(m_path, line, error);
}

QByteArray EvidenceLog::serialize(const QJsonObject &object)
{
    // QCborMap::fromJsonObject keeps integers as integers and non-integral doubles as doubles
    // (QJsonObject itself cannot remember that a double was integral).
    return serializeCbor(QCborMap::fromJsonObject(object));
}

QByteArray EvidenceLog::serializeCbor(const QCborMap &object)
{
    QByteArray out;
    out.reserve(256);
    appendMap(out, object);
    return out;
}

QString EvidenceLog::timestamp(const QDateTime &utc)
{
    const QDateTime t = utc.isValid() ? utc.toUTC() : QDateTime::currentDateTimeUtc();
    return t.toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss'Z'"));
}

}  // namespace codex::evidence
