// Prometheus text exposition format 0.0.4, parsed on raw bytes (see PromText.h).
//
// The rules follow Prometheus's own text parser (expfmt, also used by `promtool check metrics`):
// metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, label values in
// double quotes with the escapes \\ \" \n (anything else is an error), HELP text with \\ and \n,
// values as Go's ParseFloat reads them (NaN, +Inf, -Inf, Inf, exponent forms), an optional int64
// millisecond timestamp, blanks and tabs as separators, one TYPE and one HELP per family with TYPE
// before the family's samples. A bad line is reported (line number + what was wrong) and skipped.
//
// Speed: one pass over the bytes, no regular expressions; metric names, label names and label
// values are interned (a 50,000-series exposition repeats a few hundred distinct strings), so a
// sample costs one Labels allocation and one key string for duplicate detection.
#include "metrics/PromText.h"

#include <QHash>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace codex::metrics {

QString labelValue(const Labels &labels, const QString &name)
{
    for (const auto &l : labels)
        if (l.first == name)
            return l.second;
    return {};
}

static void appendEscaped(QString &out, const QString &v)
{
    for (QChar c : v) {
        if (c == QLatin1Char('\\'))
            out += QLatin1String("\\\\");
        else if (c == QLatin1Char('"'))
            out += QLatin1String("\\\"");
        else if (c == QLatin1Char('\n'))
            out += QLatin1String("\\n");
        else
            out += c;
    }
}

QString seriesKey(const QString &name, const Labels &labels)
{
    QString out = name;
    if (labels.isEmpty())
        return out;
    out += QLatin1Char('{');
    bool first = true;
    for (const auto &l : labels) {
        if (!first)
            out += QLatin1Char(',');
        first = false;
        out += l.first;
        out += QLatin1String("=\"");
        appendEscaped(out, l.second);
        out += QLatin1Char('"');
    }
    out += QLatin1Char('}');
    return out;
}

QString metricTypeName(MetricType t)
{
    switch (t) {
    case MetricType::Counter: return QStringLiteral("counter");
    case MetricType::Gauge: return QStringLiteral("gauge");
    case MetricType::Histogram: return QStringLiteral("histogram");
    case MetricType::Summary: return QStringLiteral("summary");
    case MetricType::Untyped: break;
    }
    return QStringLiteral("untyped");
}

int Exposition::sampleCount() const
{
    int n = 0;
    for (const auto &f : families)
        n += int(f.samples.size());
    return n;
}

const MetricFamily *Exposition::family(const QString &name) const
{
    for (const auto &f : families)
        if (f.name == name)
            return &f;
    return nullptr;
}

QStringList Exposition::familyNames() const
{
    QStringList out;
    out.reserve(families.size());
    for (const auto &f : families)
        out << f.name;
    return out;
}

namespace {

inline bool isNameStart(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
inline bool isNameChar(unsigned char c) { return isNameStart(c) || (c >= '0' && c <= '9'); }
inline bool isLabelStart(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
inline bool isLabelChar(unsigned char c) { return isLabelStart(c) || (c >= '0' && c <= '9'); }
inline bool isBlank(unsigned char c) { return c == ' ' || c == '\t'; }

bool validUtf8(std::string_view s)
{
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    const auto *e = p + s.size();
    while (p < e) {
        unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int n;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
        else return false;
        if (e - p <= n)
            return false;
        for (int i = 1; i <= n; ++i) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF
            || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += n + 1;
    }
    return true;
}

/// Go's strconv.ParseFloat on the forms an exposition uses.
bool parseFloatToken(std::string_view tok, double *out)
{
    if (tok.empty())
        return false;
    std::string_view body = tok;
    bool neg = false;
    if (body.front() == '+' || body.front() == '-') {
        neg = body.front() == '-';
        body.remove_prefix(1);
        if (body.empty())
            return false;
    }
    auto ieq = [](std::string_view a, const char *b) {
        size_t n = std::strlen(b);
        if (a.size() != n)
            return false;
        for (size_t i = 0; i < n; ++i) {
            char c = a[i];
            if (c >= 'A' && c <= 'Z')
                c = char(c - 'A' + 'a');
            if (c != b[i])
                return false;
        }
        return true;
    };
    if (ieq(body, "inf") || ieq(body, "infinity")) {
        *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
        return true;
    }
    if (ieq(body, "nan")) {
        if (tok.size() != body.size())  // Go: no sign on NaN
            return false;
        *out = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    // digits, '.', exponent only (from_chars would also take "inf"/"nan" spellings we handled)
    const unsigned char c0 = static_cast<unsigned char>(body.front());
    if (!((c0 >= '0' && c0 <= '9') || c0 == '.'))
        return false;
    double v = 0;
    auto res = std::from_chars(body.data(), body.data() + body.size(), v, std::chars_format::general);
    if (res.ec == std::errc::result_out_of_range) {
        // Go returns ±Inf (overflow) or 0 (underflow) with an error; Prometheus rejects it too.
        return false;
    }
    if (res.ec != std::errc() || res.ptr != body.data() + body.size())
        return false;
    *out = neg ? -v : v;
    return true;
}

bool parseInt64Token(std::string_view tok, qint64 *out)
{
    if (tok.empty())
        return false;
    std::string_view body = tok;
    bool plus = false;
    if (body.front() == '+') {
        plus = true;
        body.remove_prefix(1);
    }
    if (body.empty() || (plus && body.front() == '-'))
        return false;
    long long v = 0;
    auto res = std::from_chars(body.data(), body.data() + body.size(), v, 10);
    if (res.ec != std::errc() || res.ptr != body.data() + body.size())
        return false;
    *out = v;
    return true;
}

QString shown(std::string_view s, size_t max = 40)
{
    if (s.size() > max)
        return QString::fromUtf8(s.data(), qsizetype(max)) + QStringLiteral("…");
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

struct FamilyMeta {
    bool typeSeen = false;
    bool helpSeen = false;
    int firstSampleLine = 0;
};

struct TmpLabel {
    std::string_view name;
    std::string_view raw;   // raw (escaped) value bytes: canonical, used in the series hash
    QString nameQ;
    QString value;
};

/// 64-bit hash of byte strings, 8 bytes at a time (series identity; equality is checked on a hit).
inline uint64_t hashMix(uint64_t h, std::string_view s)
{
    constexpr uint64_t k = 0x9E3779B97F4A7C15ULL;
    const char *p = s.data();
    size_t n = s.size();
    while (n >= 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        h = (h ^ v) * k;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    uint64_t v = 0;
    std::memcpy(&v, p, n);
    h = (h ^ v ^ (uint64_t(s.size()) << 56)) * k;
    h ^= h >> 29;
    return h;
}

/// Open-addressing table keyed by an already mixed 64-bit hash (no allocation per entry).
template <typename V>
class FlatMap {
public:
    void reserve(size_t n)
    {
        size_t cap = 16;
        while (cap < n * 2)
            cap <<= 1;
        m_keys.assign(cap, 0);
        m_used.assign(cap, 0);
        m_values.resize(cap);
        m_size = 0;
    }
    V *find(uint64_t key)
    {
        if (m_keys.empty())
            return nullptr;
        const size_t mask = m_keys.size() - 1;
        for (size_t i = size_t(key) & mask;; i = (i + 1) & mask) {
            if (!m_used[i])
                return nullptr;
            if (m_keys[i] == key)
                return &m_values[i];
        }
    }
    /// Inserts (key must not be present); returns the slot.
    V *insert(uint64_t key, const V &v)
    {
        if ((m_size + 1) * 2 > m_keys.size())
            grow();
        const size_t mask = m_keys.size() - 1;
        size_t i = size_t(key) & mask;
        while (m_used[i])
            i = (i + 1) & mask;
        m_used[i] = 1;
        m_keys[i] = key;
        m_values[i] = v;
        ++m_size;
        return &m_values[i];
    }
    template <typename Fn>
    void forEach(Fn fn) const
    {
        for (size_t i = 0; i < m_keys.size(); ++i)
            if (m_used[i])
                fn(m_values[i]);
    }

private:
    void grow()
    {
        std::vector<uint64_t> keys;
        std::vector<uint8_t> used;
        std::vector<V> values;
        keys.swap(m_keys);
        used.swap(m_used);
        values.swap(m_values);
        reserve(std::max<size_t>(m_size * 2, 16));
        for (size_t i = 0; i < keys.size(); ++i)
            if (used[i])
                insert(keys[i], values[i]);
    }
    std::vector<uint64_t> m_keys;
    std::vector<uint8_t> m_used;
    std::vector<V> m_values;
    size_t m_size = 0;
};

struct CacheSlot {
    std::string_view raw;
    QString q;
};

class Parser {
public:
    explicit Parser(const QByteArray &text) : m_text(text) {}

    Exposition run()
    {
        const char *p = m_text.constData();
        const char *end = p + m_text.size();
        m_series.reserve(size_t(m_text.count('\n')) + 1);
        int line = 0;
        while (p < end) {
            ++line;
            const char *nl = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
            const char *le = nl ? nl : end;
            parseLine(std::string_view(p, size_t(le - p)), line);
            p = nl ? nl + 1 : end;
        }
        m_lastLine = line;
        finish();
        return std::move(m_ex);
    }

private:
    void problem(int line, const QString &msg)
    {
        ++m_ex.problemsTotal;
        if (m_ex.problems.size() < Exposition::kMaxProblems)
            m_ex.problems.push_back(ParseProblem{line, QStringLiteral("line %1: %2").arg(line).arg(msg)});
    }

    QString intern(std::string_view s)
    {
        auto it = m_strings.find(s);
        if (it != m_strings.end())
            return it->second;
        QString q = QString::fromUtf8(s.data(), qsizetype(s.size()));
        m_strings.emplace(s, q);
        return q;
    }
    /// For unescaped values (not views into the input): keep the bytes alive in m_owned.
    QString internOwned(std::string s)
    {
        auto it = m_strings.find(std::string_view(s));
        if (it != m_strings.end())
            return it->second;
        m_owned.push_back(std::move(s));
        const std::string &kept = m_owned.back();
        QString q = QString::fromUtf8(kept.data(), qsizetype(kept.size()));
        m_strings.emplace(std::string_view(kept), q);
        return q;
    }

    int familyIndex(std::string_view name, bool create)
    {
        auto it = m_familyIdx.find(name);
        if (it != m_familyIdx.end())
            return it->second;
        if (!create)
            return -1;
        MetricFamily f;
        f.name = intern(name);
        m_ex.families.push_back(std::move(f));
        m_meta.push_back({});
        int idx = int(m_ex.families.size()) - 1;
        m_familyIdx.emplace(name, idx);
        return idx;
    }

    /// The family a sample name belongs to: its own (declared or seen before), else the histogram
    /// or summary it is a _bucket/_sum/_count of, else a new untyped family.
    int familyForSample(std::string_view name)
    {
        if (name == m_lastSampleName)
            return m_lastSampleFamily;
        int idx = familyIndex(name, false);
        if (idx < 0) {
            auto tryBase = [&](std::string_view suffix, bool histOnly) -> int {
                if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix)
                    return -1;
                int b = familyIndex(name.substr(0, name.size() - suffix.size()), false);
                if (b < 0)
                    return -1;
                MetricType t = m_ex.families[b].type;
                if (t == MetricType::Histogram || (!histOnly && t == MetricType::Summary))
                    return b;
                return -1;
            };
            idx = tryBase("_bucket", true);
            if (idx < 0)
                idx = tryBase("_sum", false);
            if (idx < 0)
                idx = tryBase("_count", false);
            if (idx < 0)
                idx = familyIndex(name, true);
        }
        m_lastSampleName = name;
        m_lastSampleFamily = idx;
        return idx;
    }

    void parseLine(std::string_view s, int line)
    {
        size_t i = 0;
        while (i < s.size() && isBlank(static_cast<unsigned char>(s[i])))
            ++i;
        if (i == s.size())
            return;  // blank line
        if (s[i] == '#') {
            parseComment(s.substr(i + 1), line);
            return;
        }
        parseSample(s, i, line);
    }

    void parseComment(std::string_view s, int line)
    {
        // "# HELP name text" / "# TYPE name type"; anything else is a comment.
        size_t i = 0;
        while (i < s.size() && isBlank(static_cast<unsigned char>(s[i])))
            ++i;
        if (i == 0)
            return;  // "#HELP" without a blank: a comment
        size_t k = i;
        while (k < s.size() && !isBlank(static_cast<unsigned char>(s[k])))
            ++k;
        std::string_view keyword = s.substr(i, k - i);
        const bool help = keyword == "HELP";
        const bool type = keyword == "TYPE";
        if (!help && !type)
            return;
        i = k;
        while (i < s.size() && isBlank(static_cast<unsigned char>(s[i])))
            ++i;
        size_t n = i;
        if (n < s.size() && isNameStart(static_cast<unsigned char>(s[n]))) {
            ++n;
            while (n < s.size() && isNameChar(static_cast<unsigned char>(s[n])))
                ++n;
        }
        std::string_view name = s.substr(i, n - i);
        if (name.empty()) {
            problem(line, i >= s.size() ? QStringLiteral("%1 line without a metric name").arg(shown(keyword))
                                        : QStringLiteral("invalid metric name in %1 line: '%2'")
                                              .arg(shown(keyword), shown(s.substr(i))));
            return;
        }
        if (n < s.size() && !isBlank(static_cast<unsigned char>(s[n]))) {
            problem(line, QStringLiteral("invalid metric name in %1 line: '%2'").arg(shown(keyword), shown(s.substr(i))));
            return;
        }
        i = n;
        while (i < s.size() && isBlank(static_cast<unsigned char>(s[i])))
            ++i;
        std::string_view rest = s.substr(i);

        if (help) {
            QString text;
            bool escaped = false, bad = false;
            std::string buf;
            buf.reserve(rest.size());
            for (char c : rest) {
                if (escaped) {
                    if (c == 'n')
                        buf += '\n';
                    else if (c == '\\')
                        buf += '\\';
                    else {
                        problem(line, QStringLiteral("invalid escape sequence '\\%1' in HELP text of %2")
                                          .arg(QString::fromLatin1(&c, 1), shown(name)));
                        bad = true;
                        break;
                    }
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else {
                    buf += c;
                }
            }
            if (bad)
                return;
            if (escaped) {
                problem(line, QStringLiteral("HELP text of %1 ends with a lone backslash").arg(shown(name)));
                return;
            }
            int f = familyIndex(name, true);
            if (m_meta[f].helpSeen) {
                problem(line, QStringLiteral("second HELP line for metric name %1").arg(shown(name)));
                return;
            }
            m_meta[f].helpSeen = true;
            m_ex.families[f].help = QString::fromUtf8(buf.data(), qsizetype(buf.size()));
            return;
        }

        // TYPE
        size_t t = 0;
        while (t < rest.size() && !isBlank(static_cast<unsigned char>(rest[t])))
            ++t;
        std::string_view typeTok = rest.substr(0, t);
        std::string_view after = rest.substr(t);
        while (!after.empty() && isBlank(static_cast<unsigned char>(after.front())))
            after.remove_prefix(1);
        MetricType mt;
        if (typeTok == "counter") mt = MetricType::Counter;
        else if (typeTok == "gauge") mt = MetricType::Gauge;
        else if (typeTok == "histogram") mt = MetricType::Histogram;
        else if (typeTok == "summary") mt = MetricType::Summary;
        else if (typeTok == "untyped") mt = MetricType::Untyped;
        else {
            problem(line, typeTok.empty() ? QStringLiteral("TYPE line for %1 without a type").arg(shown(name))
                                          : QStringLiteral("unknown metric type '%1' for %2 (expected counter, gauge, "
                                                           "histogram, summary or untyped)")
                                                .arg(shown(typeTok), shown(name)));
            return;
        }
        if (!after.empty()) {
            problem(line, QStringLiteral("unexpected text after the type of %1: '%2'").arg(shown(name), shown(after)));
            return;
        }
        int f = familyIndex(name, true);
        if (m_meta[f].typeSeen) {
            problem(line, QStringLiteral("second TYPE line for metric name %1").arg(shown(name)));
            return;
        }
        auto samplesBefore = [&](std::string_view n) -> int {
            int idx = familyIndex(n, false);
            return idx >= 0 && !m_ex.families[idx].samples.isEmpty() ? m_meta[idx].firstSampleLine : 0;
        };
        int seenAt = samplesBefore(name);
        if (!seenAt && (mt == MetricType::Histogram || mt == MetricType::Summary)) {
            std::string base(name);
            for (const char *suf : {"_bucket", "_sum", "_count"}) {
                if ((seenAt = samplesBefore(base + suf)))
                    break;
            }
        }
        if (seenAt) {
            problem(line, QStringLiteral("TYPE line for %1 after its samples (first on line %2)").arg(shown(name)).arg(seenAt));
            return;
        }
        m_meta[f].typeSeen = true;
        m_ex.families[f].type = mt;
        m_lastSampleName = {};  // family resolution may change with the new type
    }

    void parseSample(std::string_view s, size_t i, int line)
    {
        const size_t nameStart = i;
        if (!isNameStart(static_cast<unsigned char>(s[i]))) {
            problem(line, QStringLiteral("invalid metric name at '%1'").arg(shown(s.substr(i))));
            return;
        }
        ++i;
        while (i < s.size() && isNameChar(static_cast<unsigned char>(s[i])))
            ++i;
        std::string_view name = s.substr(nameStart, i - nameStart);
        size_t afterName = i;
        while (i < s.size() && isBlank(static_cast<unsigned char>(s[i])))
            ++i;

        m_tmp.clear();
        bool hasBraces = false;
        if (i < s.size() && s[i] == '{') {
            hasBraces = true;
            ++i;
            if (!parseLabels(s, i, line, name))
                return;
            while (i < s.size() && isBlank(static_cast<unsigned char>(s[i])))
                ++i;
        } else if (i == afterName && i < s.size()) {
            problem(line, QStringLiteral("invalid metric name '%1'").arg(shown(s.substr(nameStart, i - nameStart + 1))));
            return;
        }
        (void)hasBraces;

        // value
        size_t v = i;
        while (i < s.size() && !isBlank(static_cast<unsigned char>(s[i])))
            ++i;
        std::string_view valueTok = s.substr(v, i - v);
        if (valueTok.empty()) {
            problem(line, QStringLiteral("missing value for %1").arg(shown(name)));
            return;
        }
        double value = 0;
        if (!parseFloatToken(valueTok, &value)) {
            problem(line, QStringLiteral("invalid value '%1' for %2 (expected a float, NaN, +Inf or -Inf)")
                              .arg(shown(valueTok), shown(name)));
            return;
        }
        while (i < s.size() && isBlank(static_cast<unsigned char>(s[i])))
            ++i;
        std::optional<qint64> ts;
        if (i < s.size()) {
            size_t t = i;
            while (i < s.size() && !isBlank(static_cast<unsigned char>(s[i])))
                ++i;
            std::string_view tsTok = s.substr(t, i - t);
            qint64 tv = 0;
            if (!parseInt64Token(tsTok, &tv)) {
                problem(line, QStringLiteral("invalid timestamp '%1' for %2 (expected integer milliseconds)")
                                  .arg(shown(tsTok), shown(name)));
                return;
            }
            ts = tv;
            while (i < s.size() && isBlank(static_cast<unsigned char>(s[i])))
                ++i;
            if (i < s.size()) {
                problem(line, QStringLiteral("unexpected text after the timestamp of %1: '%2'")
                                  .arg(shown(name), shown(s.substr(i))));
                return;
            }
        }

        // family and its rules
        const int f = familyForSample(name);
        MetricFamily &fam = m_ex.families[f];
        if (fam.type == MetricType::Histogram || fam.type == MetricType::Summary) {
            const bool isBase = name.size() == size_t(fam.name.size());
            const bool isBucket = !isBase && name.size() > 7 && name.substr(name.size() - 7) == "_bucket";
            auto hasLabel = [&](std::string_view l) {
                for (const auto &t : m_tmp)
                    if (t.name == l)
                        return true;
                return false;
            };
            if (fam.type == MetricType::Histogram) {
                if (isBase) {
                    problem(line, QStringLiteral("histogram %1: sample without _bucket, _sum or _count suffix").arg(fam.name));
                    return;
                }
                if (isBucket && !hasLabel("le")) {
                    problem(line, QStringLiteral("histogram bucket %1 without an 'le' label").arg(shown(name)));
                    return;
                }
                if (isBucket) {
                    for (const auto &t : m_tmp) {
                        double d;
                        if (t.name == "le" && !parseFloatToken(t.raw, &d)) {
                            problem(line, QStringLiteral("histogram bucket %1: invalid le value '%2'")
                                              .arg(shown(name), shown(t.raw)));
                            return;
                        }
                    }
                }
            } else if (isBase && !hasLabel("quantile")) {
                problem(line, QStringLiteral("summary %1: sample without a 'quantile' label").arg(fam.name));
                return;
            }
        }

        // labels sorted by name (insertion sort: usually already sorted)
        for (size_t a = 1; a < m_tmp.size(); ++a)
            for (size_t b = a; b > 0 && m_tmp[b].name < m_tmp[b - 1].name; --b)
                std::swap(m_tmp[b], m_tmp[b - 1]);

        // series identity: a hash of name and labels (raw escaped values are canonical); a
        // histogram bucket's set without `le` is tracked for the +Inf check
        const bool bucket = fam.type == MetricType::Histogram && name.size() > 7 && name.substr(name.size() - 7) == "_bucket";
        uint64_t h = hashMix(0x12345678ULL, name);
        uint64_t hNoLe = h;
        bool isInf = false;
        for (const auto &t : m_tmp) {
            h = hashMix(hashMix(h, t.name), t.raw);
            if (bucket) {
                if (t.name == "le") {
                    double d = 0;
                    isInf = parseFloatToken(t.raw, &d) && std::isinf(d) && d > 0;
                } else {
                    hNoLe = hashMix(hashMix(hNoLe, t.name), t.raw);
                }
            }
        }
        if (m_meta[f].firstSampleLine == 0)
            m_meta[f].firstSampleLine = line;
        const QString sampleName = name == std::string_view(m_lastInternedName) ? m_lastInternedQ : internName(name);
        for (;;) {
            SeriesRef *found = m_series.find(h);
            if (!found)
                break;
            Sample &old = m_ex.families[found->family].samples[found->sample];
            bool same = old.name == sampleName && old.labels.size() == qsizetype(m_tmp.size());
            for (size_t k = 0; same && k < m_tmp.size(); ++k)
                same = old.labels[qsizetype(k)].first == m_tmp[k].nameQ && old.labels[qsizetype(k)].second == m_tmp[k].value;
            if (!same) {
                h = h * 31 + 7;  // a different series with the same hash: probe on
                continue;
            }
            problem(line, QStringLiteral("duplicate series %1 (first on line %2); the last value wins")
                              .arg(seriesKey(old.name, old.labels))
                              .arg(found->line));
            old.value = value;
            old.timestampMs = ts;
            found->line = line;
            return;
        }

        Sample smp;
        smp.name = sampleName;
        smp.labels.reserve(qsizetype(m_tmp.size()));
        for (auto &t : m_tmp)
            smp.labels.push_back({std::move(t.nameQ), std::move(t.value)});
        smp.value = value;
        smp.timestampMs = ts;
        fam.samples.push_back(std::move(smp));
        m_series.insert(h, SeriesRef{f, int(fam.samples.size()) - 1, line});
        if (bucket) {
            if (BucketSet *set = m_bucketSets.find(hNoLe))
                set->hasInf = set->hasInf || isInf;
            else
                m_bucketSets.insert(hNoLe, BucketSet{f, int(fam.samples.size()) - 1, line, isInf});
        }
    }

    QString internName(std::string_view name)
    {
        m_lastInternedName.assign(name);
        m_lastInternedQ = intern(name);
        return m_lastInternedQ;
    }

    /// After '{': labels up to '}'. False (problem reported) on bad syntax.
    bool parseLabels(std::string_view s, size_t &i, int line, std::string_view metric)
    {
        auto skip = [&] {
            while (i < s.size() && isBlank(static_cast<unsigned char>(s[i])))
                ++i;
        };
        for (;;) {
            skip();
            if (i >= s.size()) {
                problem(line, QStringLiteral("unterminated label set of %1 (missing '}')").arg(shown(metric)));
                return false;
            }
            if (s[i] == '}') {
                ++i;
                return true;
            }
            size_t n = i;
            if (!isLabelStart(static_cast<unsigned char>(s[i]))) {
                problem(line, QStringLiteral("invalid label name at '%1' in %2").arg(shown(s.substr(i)), shown(metric)));
                return false;
            }
            ++i;
            while (i < s.size() && isLabelChar(static_cast<unsigned char>(s[i])))
                ++i;
            std::string_view lname = s.substr(n, i - n);
            skip();
            if (i >= s.size() || s[i] != '=') {
                problem(line, QStringLiteral("expected '=' after label name '%1' in %2").arg(shown(lname), shown(metric)));
                return false;
            }
            ++i;
            skip();
            if (i >= s.size() || s[i] != '"') {
                problem(line, QStringLiteral("expected '\"' to start the value of label '%1' in %2")
                                  .arg(shown(lname), shown(metric)));
                return false;
            }
            ++i;
            const size_t vs = i;
            bool hasEscape = false;
            bool closed = false;
            while (i < s.size()) {
                char c = s[i];
                if (c == '\\') {
                    if (i + 1 >= s.size())
                        break;
                    char e = s[i + 1];
                    if (e != '\\' && e != '"' && e != 'n') {
                        problem(line, QStringLiteral("invalid escape sequence '\\%1' in the value of label '%2' in %3 "
                                                     "(allowed: \\\\, \\\", \\n)")
                                          .arg(QString::fromLatin1(&e, 1), shown(lname), shown(metric)));
                        return false;
                    }
                    hasEscape = true;
                    i += 2;
                    continue;
                }
                if (c == '"') {
                    closed = true;
                    break;
                }
                ++i;
            }
            if (!closed) {
                problem(line, QStringLiteral("unterminated quoted value of label '%1' in %2").arg(shown(lname), shown(metric)));
                return false;
            }
            std::string_view raw = s.substr(vs, i - vs);
            ++i;  // closing quote
            if (!validUtf8(raw)) {
                problem(line, QStringLiteral("value of label '%1' in %2 is not valid UTF-8").arg(shown(lname), shown(metric)));
                return false;
            }
            for (const auto &t : m_tmp) {
                if (t.name == lname) {
                    problem(line, QStringLiteral("duplicate label name '%1' in %2").arg(shown(lname), shown(metric)));
                    return false;
                }
            }
            const size_t pos = m_tmp.size();
            if (m_nameCache.size() <= pos) {
                m_nameCache.resize(pos + 1);
                m_valueCache.resize(pos + 1);
            }
            QString nameQ;
            if (m_nameCache[pos].raw == lname && !m_nameCache[pos].q.isNull()) {
                nameQ = m_nameCache[pos].q;
            } else {
                nameQ = intern(lname);
                m_nameCache[pos] = {lname, nameQ};
            }
            QString value;
            if (!hasEscape) {
                if (m_valueCache[pos].raw == raw && !m_valueCache[pos].q.isNull()) {
                    value = m_valueCache[pos].q;
                } else {
                    value = intern(raw);
                    m_valueCache[pos] = {raw, value};
                }
            } else {
                std::string u;
                u.reserve(raw.size());
                for (size_t k = 0; k < raw.size(); ++k) {
                    if (raw[k] == '\\') {
                        char e = raw[++k];
                        u += e == 'n' ? '\n' : e;
                    } else {
                        u += raw[k];
                    }
                }
                value = internOwned(std::move(u));
            }
            m_tmp.push_back({lname, raw, std::move(nameQ), std::move(value)});
            skip();
            if (i < s.size() && s[i] == ',') {
                ++i;
                continue;
            }
            if (i < s.size() && s[i] == '}')
                continue;
            problem(line, i >= s.size()
                              ? QStringLiteral("unterminated label set of %1 (missing '}')").arg(shown(metric))
                              : QStringLiteral("expected ',' or '}' after the value of label '%1' in %2, got '%3'")
                                    .arg(shown(lname), shown(metric), shown(s.substr(i), 10)));
            return false;
        }
    }

    void finish()
    {
        // Histograms: every bucket set (labels without le) needs its +Inf bucket.
        std::vector<const BucketSet *> missing;
        m_bucketSets.forEach([&](const BucketSet &b) {
            if (!b.hasInf)
                missing.push_back(&b);
        });
        std::sort(missing.begin(), missing.end(), [](const BucketSet *a, const BucketSet *b) { return a->line < b->line; });
        for (const BucketSet *b : missing) {
            const MetricFamily &fam = m_ex.families[b->family];
            Labels rest = fam.samples[b->sample].labels;
            rest.erase(std::remove_if(rest.begin(), rest.end(), [](const auto &l) { return l.first == QLatin1String("le"); }),
                       rest.end());
            problem(b->line, QStringLiteral("histogram %1 has no +Inf bucket (its quantiles are undefined)")
                                 .arg(seriesKey(fam.name, rest)));
        }
        if (m_ex.problemsTotal > m_ex.problems.size()) {
            const int more = m_ex.problemsTotal - int(m_ex.problems.size());
            m_ex.problems.push_back(ParseProblem{
                m_lastLine, QStringLiteral("line %1: %2 more problems not listed (%3 in all)")
                                .arg(m_lastLine)
                                .arg(more)
                                .arg(m_ex.problemsTotal)});
        }
    }

    struct SeriesRef {
        int family = 0;
        int sample = 0;
        int line = 0;
    };
    struct BucketSet {
        int family = 0;
        int sample = 0;   // its first bucket
        int line = 0;
        bool hasInf = false;
    };

    const QByteArray &m_text;
    Exposition m_ex;
    int m_lastLine = 0;
    std::unordered_map<std::string_view, QString> m_strings;
    std::deque<std::string> m_owned;
    std::unordered_map<std::string_view, int> m_familyIdx;
    std::vector<FamilyMeta> m_meta;
    FlatMap<SeriesRef> m_series;
    FlatMap<BucketSet> m_bucketSets;
    std::vector<TmpLabel> m_tmp;
    std::vector<CacheSlot> m_nameCache, m_valueCache;
    std::string_view m_lastSampleName;
    int m_lastSampleFamily = -1;
    std::string m_lastInternedName;
    QString m_lastInternedQ;
};

}  // namespace

Exposition PromTextParser::parse(const QByteArray &text)
{
    Parser p(text);
    return p.run();
}

}  // namespace codex::metrics
