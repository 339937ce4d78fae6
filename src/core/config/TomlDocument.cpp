// toml++ decides what is valid and supplies typed values; a small byte scanner over the already
// validated text supplies the exact spans (value begin/end, whole lines, inline-table braces), so an
// edit can replace precisely the bytes it means to and leave everything else untouched.
#include "TomlDocument.h"

#include <QDate>
#include <QDateTime>
#include <QHash>
#include <QSet>
#include <QStringList>
#include <QTime>

#include <toml++/toml.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <string_view>

namespace codex::config {

namespace {

bool isBareKeyChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// TOML basic-string escaping; in multi-line strings newlines and tabs stay literal characters.
QString escapeBasic(const QString &s, bool multiline = false, const QString &eol = QStringLiteral("\n"))
{
    QString out;
    out.reserve(s.size() + 2);
    for (const QChar ch : s) {
        const char16_t c = ch.unicode();
        switch (c) {
        case u'"': out += QLatin1String("\\\""); break;
        case u'\\': out += QLatin1String("\\\\"); break;
        case u'\b': out += QLatin1String("\\b"); break;
        case u'\f': out += QLatin1String("\\f"); break;
        case u'\r': out += QLatin1String("\\r"); break;
        case u'\t': out += multiline ? QStringLiteral("\t") : QStringLiteral("\\t"); break;
        case u'\n': out += multiline ? eol : QStringLiteral("\\n"); break;
        default:
            if (c < 0x20 || c == 0x7f)
                out += QStringLiteral("\\u%1").arg(QString::number(int(c), 16).toUpper(), 4, QLatin1Char('0'));
            else
                out += ch;
        }
    }
    return out;
}

QString quoteKey(const QString &k)
{
    bool bare = !k.isEmpty();
    for (const QChar ch : k)
        bare = bare && ch.unicode() < 0x80 && isBareKeyChar(char(ch.unicode()));
    return bare ? k : QLatin1Char('"') + escapeBasic(k) + QLatin1Char('"');
}

QString joinKey(const QStringList &path)
{
    QStringList quoted;
    quoted.reserve(path.size());
    for (const QString &c : path)
        quoted << quoteKey(c);
    return quoted.join(QLatin1Char('.'));
}

bool startsWith(const QStringList &list, const QStringList &prefix)
{
    if (prefix.size() > list.size())
        return false;
    for (qsizetype i = 0; i < prefix.size(); ++i)
        if (list[i] != prefix[i])
            return false;
    return true;
}

QString formatDouble(double x)
{
    if (std::isnan(x))
        return QStringLiteral("nan");
    if (std::isinf(x))
        return x < 0 ? QStringLiteral("-inf") : QStringLiteral("inf");
    if (x == 0)
        return std::signbit(x) ? QStringLiteral("-0.0") : QStringLiteral("0.0");
    QString s = QString::number(x, 'g', QLocale::FloatingPointShortest);
    // Without '.' or 'e' TOML would read the text back as an integer.
    if (!s.contains(QLatin1Char('.')) && !s.contains(QLatin1Char('e')))
        s += QLatin1String(".0");
    return s;
}

QString formatTime(const QTime &t)
{
    return t.toString(t.msec() ? QStringLiteral("HH:mm:ss.zzz") : QStringLiteral("HH:mm:ss"));
}

QString formatDateTime(const QDateTime &dt)
{
    QString s = dt.date().toString(Qt::ISODate) + QLatin1Char('T') + formatTime(dt.time());
    if (dt.timeSpec() == Qt::LocalTime)
        return s;  // a TOML local date-time: no offset was written, none is invented
    const int off = dt.offsetFromUtc();
    if (off == 0)
        return s + QLatin1Char('Z');
    const int m = std::abs(off) / 60;
    return s + (off < 0 ? QLatin1Char('-') : QLatin1Char('+'))
        + QStringLiteral("%1:%2").arg(m / 60, 2, 10, QLatin1Char('0')).arg(m % 60, 2, 10, QLatin1Char('0'));
}

QVariant toVariant(const toml::node &n)
{
    switch (n.type()) {
    case toml::node_type::string: {
        const std::string &s = n.as_string()->get();
        return QString::fromUtf8(s.data(), qsizetype(s.size()));
    }
    case toml::node_type::integer: return QVariant::fromValue<qint64>(n.as_integer()->get());
    case toml::node_type::floating_point: return n.as_floating_point()->get();
    case toml::node_type::boolean: return n.as_boolean()->get();
    case toml::node_type::date: {
        const toml::date d = n.as_date()->get();
        return QDate(d.year, d.month, d.day);
    }
    case toml::node_type::time: {
        const toml::time t = n.as_time()->get();
        return QTime(t.hour, t.minute, t.second, int(t.nanosecond / 1000000));
    }
    case toml::node_type::date_time: {
        const toml::date_time dt = n.as_date_time()->get();
        const QDate d(dt.date.year, dt.date.month, dt.date.day);
        const QTime t(dt.time.hour, dt.time.minute, dt.time.second, int(dt.time.nanosecond / 1000000));
        if (dt.offset)
            return QDateTime(d, t, Qt::OffsetFromUTC, dt.offset->minutes * 60);
        return QDateTime(d, t, Qt::LocalTime);
    }
    case toml::node_type::array: {
        QVariantList list;
        for (const toml::node &el : *n.as_array())
            list << toVariant(el);
        return list;
    }
    case toml::node_type::table: {
        QVariantMap map;
        for (auto &&[k, v] : *n.as_table())
            map.insert(QString::fromUtf8(k.str().data(), qsizetype(k.str().size())), toVariant(v));
        return map;
    }
    default: return {};
    }
}

TomlType toTomlType(toml::node_type t)
{
    switch (t) {
    case toml::node_type::integer: return TomlType::Integer;
    case toml::node_type::floating_point: return TomlType::Float;
    case toml::node_type::boolean: return TomlType::Boolean;
    case toml::node_type::date: return TomlType::Date;
    case toml::node_type::time: return TomlType::Time;
    case toml::node_type::date_time: return TomlType::DateTime;
    case toml::node_type::array: return TomlType::Array;
    case toml::node_type::table: return TomlType::Table;
    default: return TomlType::String;
    }
}

/// One "key = value" statement: a line of a section, or an entry of an inline table.
struct Kv {
    QStringList path;  ///< full path from the root
    int relLen = 0;    ///< components written in the statement itself
    int container = 0;
    int inlineContainer = -1;  ///< the container its value opens when that value is an inline table
    bool inArray = false;      ///< under an array of tables: listed as a whole, not editable
    qsizetype lineBegin = 0, keyBegin = 0, valueBegin = 0, valueEnd = 0, lineEnd = 0;
};

/// Where statements live: the headerless root, a [header] section, or an inline table.
struct Container {
    enum Kind { Root, Header, ArrayHeader, Inline };
    QStringList path;
    Kind kind = Root;
    bool inArray = false;
    qsizetype begin = 0;  ///< header line start; '{' for inline tables
    qsizetype end = 0;    ///< after the header line's ending; '}' for inline tables
    QList<int> kvs;
};

/// Reads structure from text toml++ has accepted. Every loop is bounded by the text length, so
/// even a surprise in the input cannot hang or read out of range.
class Scanner {
public:
    explicit Scanner(const QByteArray &bytes) : s(bytes.constData()), n(bytes.size()) {}

    QList<Kv> kvs;
    QList<Container> containers;
    QSet<QString> arrayTables;
    QList<std::pair<bool, int>> order;  ///< (isArrayTable, index) of listable items in file order

    static std::optional<QStringList> parseDottedKey(const QString &key)
    {
        const QByteArray utf8 = key.toUtf8();
        Scanner sc(utf8);
        qsizetype i = 0;
        QStringList out;
        if (!sc.parseKey(i, out))
            return std::nullopt;
        sc.skipWs(i);
        return i == sc.n ? std::optional<QStringList>(out) : std::nullopt;
    }

    void scan()
    {
        qsizetype i = (n >= 3 && std::string_view(s, 3) == "\xEF\xBB\xBF") ? 3 : 0;
        containers << Container{};
        int current = 0;
        while (i < n) {
            const qsizetype lineBegin = i;
            skipWs(i);
            const char c = at(i);
            if (c == '\n' || c == '\r' || c == '#') {
                i = nextLine(i);
            } else if (c == '[') {
                Container h;
                h.kind = at(i + 1) == '[' ? Container::ArrayHeader : Container::Header;
                i += h.kind == Container::ArrayHeader ? 2 : 1;
                parseKey(i, h.path);
                for (qsizetype k = 1; k <= h.path.size(); ++k)
                    h.inArray = h.inArray || arrayTables.contains(joinKey(h.path.mid(0, k)));
                if (h.kind == Container::ArrayHeader) {
                    if (!h.inArray)
                        order.append({true, int(containers.size())});
                    h.inArray = true;
                    arrayTables.insert(joinKey(h.path));
                }
                h.begin = lineBegin;
                i = h.end = nextLine(i);
                containers << h;
                current = int(containers.size() - 1);
            } else {
                Kv kv;
                kv.lineBegin = lineBegin;
                kv.keyBegin = i;
                QStringList rel;
                if (!parseKey(i, rel)) {
                    i = nextLine(i);
                    continue;
                }
                skipWs(i);
                if (at(i) == '=')
                    ++i;
                skipWs(i);
                const int idx = addKv(kv, rel, current, i);
                if (!kvs[idx].inArray)
                    order.append({false, idx});
                i = kvs[idx].valueEnd = value(i, idx);
                i = kvs[idx].lineEnd = nextLine(i);
            }
        }
    }

private:
    const char *s;
    qsizetype n;

    char at(qsizetype i) const { return i < n ? s[i] : '\0'; }
    void skipWs(qsizetype &i) const
    {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            ++i;
    }
    // Whitespace, newlines and comments, as allowed between array elements.
    void skipSpace(qsizetype &i) const
    {
        while (i < n) {
            if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
                ++i;
            else if (s[i] == '#')
                while (i < n && s[i] != '\n')
                    ++i;
            else
                break;
        }
    }
    qsizetype nextLine(qsizetype i) const
    {
        while (i < n && s[i] != '\n')
            ++i;
        return i < n ? i + 1 : n;
    }
    bool startsWith(qsizetype i, std::string_view what) const
    {
        return i + qsizetype(what.size()) <= n && std::string_view(s + i, what.size()) == what;
    }

    int addKv(Kv kv, const QStringList &rel, int container, qsizetype valueBegin)
    {
        kv.path = containers[container].path + rel;
        kv.relLen = int(rel.size());
        kv.container = container;
        kv.inArray = containers[container].inArray;
        kv.valueBegin = valueBegin;
        kvs << kv;
        containers[container].kvs << int(kvs.size() - 1);
        return int(kvs.size() - 1);
    }

    bool parseEscape(qsizetype &i, QByteArray &out) const
    {
        const char e = at(i + 1);
        i += 2;
        switch (e) {
        case 'b': out += '\b'; return true;
        case 't': out += '\t'; return true;
        case 'n': out += '\n'; return true;
        case 'f': out += '\f'; return true;
        case 'r': out += '\r'; return true;
        case '"': out += '"'; return true;
        case '\\': out += '\\'; return true;
        case 'u':
        case 'U': {
            const int len = e == 'u' ? 4 : 8;
            bool ok = false;
            const char32_t cp = char32_t(QByteArray(s + std::min(i, n), std::min<qsizetype>(len, n - std::min(i, n))).toUInt(&ok, 16));
            i += len;
            if (!ok || i > n)
                return false;
            out += QString::fromUcs4(&cp, 1).toUtf8();
            return true;
        }
        default: return false;
        }
    }

    bool parseKey(qsizetype &i, QStringList &out) const
    {
        for (;;) {
            skipWs(i);
            const char c = at(i);
            if (c == '"' || c == '\'') {
                QByteArray part;
                ++i;
                while (i < n && s[i] != c && s[i] != '\n') {
                    if (c == '"' && s[i] == '\\') {
                        if (!parseEscape(i, part))
                            return false;
                    } else {
                        part += s[i++];
                    }
                }
                if (at(i) != c)
                    return false;
                ++i;
                out << QString::fromUtf8(part);
            } else if (isBareKeyChar(c)) {
                const qsizetype b = i;
                while (i < n && isBareKeyChar(s[i]))
                    ++i;
                out << QString::fromUtf8(s + b, i - b);
            } else {
                return false;
            }
            qsizetype j = i;
            skipWs(j);
            if (at(j) != '.')
                return true;
            i = j + 1;
        }
    }

    qsizetype tokenEnd(qsizetype i) const
    {
        while (i < n && std::string_view(" \t\r\n,]}#").find(s[i]) == std::string_view::npos)
            ++i;
        return i;
    }

    qsizetype multilineEnd(qsizetype i, char q) const
    {
        for (i += 3; i < n; ++i) {
            if (q == '"' && s[i] == '\\') {
                ++i;
            } else if (s[i] == q && at(i + 1) == q && at(i + 2) == q) {
                qsizetype e = i + 3;
                for (int extra = 0; extra < 2 && at(e) == q; ++extra)  // up to two quotes belong to the content
                    ++e;
                return e;
            }
        }
        return n;
    }

    /// End of the value starting at i. kvIdx >= 0 records the entries of an inline table.
    qsizetype value(qsizetype i, int kvIdx)
    {
        const char c = at(i);
        if (startsWith(i, "\"\"\"") || startsWith(i, "'''"))
            return multilineEnd(i, c);
        if (c == '"' || c == '\'') {
            for (++i; i < n && s[i] != c && s[i] != '\n'; ++i)
                if (c == '"' && s[i] == '\\')
                    ++i;
            return std::min(i + 1, n);
        }
        if (c == '[') {
            for (++i;;) {
                skipSpace(i);
                if (i >= n)
                    return n;
                if (s[i] == ']')
                    return i + 1;
                if (s[i] == ',') {
                    ++i;
                    continue;
                }
                const qsizetype e = value(i, -1);
                if (e <= i)
                    return n;
                i = e;
            }
        }
        if (c == '{')
            return inlineTable(i, kvIdx);
        qsizetype e = tokenEnd(i);
        // A date-time may use a space instead of 'T': "1979-05-27 07:32:00".
        if (e - i == 10 && s[i + 4] == '-' && s[i + 7] == '-' && at(e) == ' ' && std::isdigit(uchar(at(e + 1)))
            && std::isdigit(uchar(at(e + 2))) && at(e + 3) == ':')
            e = tokenEnd(e + 1);
        return e;
    }

    qsizetype inlineTable(qsizetype i, int kvIdx)
    {
        int ci = -1;
        if (kvIdx >= 0) {
            Container c;
            c.kind = Container::Inline;
            c.path = kvs[kvIdx].path;
            c.inArray = kvs[kvIdx].inArray;
            c.begin = i;
            containers << c;
            ci = int(containers.size() - 1);
            kvs[kvIdx].inlineContainer = ci;
        }
        for (++i;;) {
            skipSpace(i);
            if (i >= n)
                return n;
            if (s[i] == '}') {
                if (ci >= 0)
                    containers[ci].end = i;
                return i + 1;
            }
            if (s[i] == ',') {
                ++i;
                continue;
            }
            Kv kv;
            kv.lineBegin = kv.keyBegin = i;
            QStringList rel;
            if (!parseKey(i, rel))
                return n;
            skipWs(i);
            if (at(i) == '=')
                ++i;
            skipWs(i);
            const int idx = ci >= 0 ? addKv(kv, rel, ci, i) : -1;
            const qsizetype e = value(i, idx);
            if (e <= i)
                return n;
            if (idx >= 0)
                kvs[idx].valueEnd = kvs[idx].lineEnd = e;
            i = e;
        }
    }
};

void collectTables(const toml::table &t, QStringList &path, QSet<QString> &out)
{
    for (auto &&[k, v] : t) {
        if (const toml::table *sub = v.as_table()) {
            path << QString::fromUtf8(k.str().data(), qsizetype(k.str().size()));
            out.insert(joinKey(path));
            collectTables(*sub, path, out);
            path.removeLast();
        }
    }
}

const toml::node *nodeAt(const toml::table &root, const QStringList &path)
{
    const toml::node *node = &root;
    for (const QString &c : path) {
        const toml::table *t = node ? node->as_table() : nullptr;
        if (!t)
            return nullptr;
        const QByteArray utf8 = c.toUtf8();
        node = t->get(std::string_view(utf8.constData(), size_t(utf8.size())));
    }
    return node;
}

}  // namespace

struct TomlDocument::Data {
    QByteArray bytes;
    bool valid = true;
    bool crlf = false;
    TomlError error;
    QList<TomlEntry> entries;
    QHash<QString, int> entryIndex;
    QList<Kv> kvs;
    QList<Container> containers;
    QHash<QString, int> kvIndex;         ///< editable statements by canonical key
    QHash<QString, int> containerIndex;  ///< editable sections and inline tables by canonical path
    QSet<QString> tables;                ///< every table path, however it was defined
    QSet<QString> arrayTables;

    QByteArray eol() const { return crlf ? QByteArrayLiteral("\r\n") : QByteArrayLiteral("\n"); }
    void build();
    QString whyNotPlaceable(const QStringList &comps) const;
    void insert(const QStringList &comps, const QByteArray &valueText, QByteArray &out) const;
    QByteArray spell(const Kv &kv, const QVariant &value) const;
    bool replaceScalarInPlace(int kvIndex, const QString &key, const QByteArray &spelling);
};

/// The common edit — one scalar replaced by another on the same line, outside inline tables —
/// cannot change the document's structure, so it is applied without parsing the whole file
/// again: only the new value is parsed, and the byte offsets after it move. A 10,000-line file
/// is edited in well under a millisecond instead of a full parse. Anything else returns false
/// and takes the general path.
bool TomlDocument::Data::replaceScalarInPlace(int kvIndex, const QString &key, const QByteArray &spelling)
{
    const Kv &k = kvs[kvIndex];
    const auto entryIt = entryIndex.constFind(key);
    if (k.inArray || containers[k.container].kind == Container::Inline || k.inlineContainer >= 0
        || entryIt == entryIndex.cend())
        return false;
    const TomlEntry &entry = entries[*entryIt];
    if (entry.type == TomlType::Array || entry.type == TomlType::Table)
        return false;
    const QByteArray old = bytes.mid(k.valueBegin, k.valueEnd - k.valueBegin);
    if (old.contains('\n') || old.contains('\r') || spelling.contains('\n') || spelling.contains('\r'))
        return false;
    const QByteArray probeText = QByteArrayLiteral("v = ") + spelling;
    toml::parse_result probe = toml::parse(std::string_view(probeText.constData(), size_t(probeText.size())));
    if (!probe)
        return false;
    const toml::node *node = probe.table().get("v");
    if (!node || node->is_array() || node->is_table())
        return false;
    // The probe parsed exactly one value from the spelling; the file keeps the same shape.
    const qsizetype at = k.valueBegin;
    const qsizetype delta = spelling.size() - old.size();
    bytes.replace(at, old.size(), spelling);
    auto shift = [at, delta](qsizetype &offset) {
        if (offset > at)
            offset += delta;
    };
    for (Kv &other : kvs) {
        shift(other.lineBegin);
        shift(other.keyBegin);
        shift(other.valueEnd);
        shift(other.lineEnd);
        if (other.valueBegin > at)
            other.valueBegin += delta;
    }
    for (Container &c : containers) {
        shift(c.begin);
        shift(c.end);
    }
    TomlEntry &e = entries[*entryIt];
    e.value = toVariant(*node);
    e.type = toTomlType(node->type());
    return true;
}

void TomlDocument::Data::build()
{
    const QByteArray keep = bytes;
    *this = Data();
    bytes = keep;
    const qsizetype nl = bytes.indexOf('\n');
    crlf = nl > 0 && bytes[nl - 1] == '\r';

    toml::parse_result result = toml::parse(std::string_view(bytes.constData(), size_t(bytes.size())));
    if (!result) {
        valid = false;
        const toml::source_position pos = result.error().source().begin;
        error.position = {int(pos.line), int(pos.column)};
        const std::string_view desc = result.error().description();
        error.message = QString::fromUtf8(desc.data(), qsizetype(desc.size()));
        return;
    }
    const toml::table &root = result.table();
    Scanner sc(bytes);
    sc.scan();
    kvs = std::move(sc.kvs);
    containers = std::move(sc.containers);
    arrayTables = std::move(sc.arrayTables);
    QStringList path;
    collectTables(root, path, tables);
    for (int ci = 0; ci < containers.size(); ++ci)
        if (containers[ci].kind != Container::ArrayHeader && !containers[ci].inArray)
            containerIndex.insert(joinKey(containers[ci].path), ci);

    kvIndex.reserve(kvs.size());
    entryIndex.reserve(sc.order.size());
    for (int k = 0; k < kvs.size(); ++k)
        if (!kvs[k].inArray)
            kvIndex.insert(joinKey(kvs[k].path), k);

    entries.reserve(sc.order.size());
    for (const auto &[isArrayTable, idx] : sc.order) {
        const QStringList &p = isArrayTable ? containers[idx].path : kvs[idx].path;
        const QString key = joinKey(p);
        const toml::node *node = nodeAt(root, p);
        if (!node || entryIndex.contains(key))
            continue;  // an array of tables is listed once, at its first header
        const toml::source_position pos = node->source().begin;
        entryIndex.insert(key, int(entries.size()));
        entries.append({key, toVariant(*node), toTomlType(node->type()), {int(pos.line), int(pos.column)}});
    }
}

QString TomlDocument::Data::whyNotPlaceable(const QStringList &comps) const
{
    for (qsizetype i = 1; i <= comps.size(); ++i) {
        const QString p = joinKey(comps.mid(0, i));
        if (arrayTables.contains(p))
            return QStringLiteral("\"%1\" is an array of tables, whose keys cannot be edited here").arg(p);
        if (i == comps.size())
            return tables.contains(p) ? QStringLiteral("\"%1\" is a table, not a value").arg(p) : QString();
        const auto kv = kvIndex.constFind(p);
        if (kv != kvIndex.cend() && kvs[*kv].inlineContainer < 0)
            return QStringLiteral("\"%1\" is not a table").arg(p);
    }
    return {};
}

QByteArray TomlDocument::Data::spell(const Kv &kv, const QVariant &value) const
{
    const QByteArray old = bytes.mid(kv.valueBegin, kv.valueEnd - kv.valueBegin);
    if (value.typeId() != QMetaType::QString || !(old.startsWith('"') || old.startsWith('\'')))
        return formatValue(value).toUtf8();
    const QString text = value.toString();
    const QString nl = QString::fromLatin1(eol());
    bool literalOk = true;  // literal strings cannot escape, so anything they cannot hold rules them out
    for (const QChar ch : text)
        literalOk = literalOk && ch != QLatin1Char('\'') && (ch.unicode() >= 0x20 || ch == u'\t' || ch == u'\n') && ch.unicode() != 0x7f;
    const bool multiline = old.startsWith("'''") || old.startsWith("\"\"\"");
    if (multiline) {
        // The newline right after the opening quotes is not content; keep the file's habit, and
        // always write it when the text itself starts with a newline (or that one would be eaten).
        const bool leadingNl = old.mid(3, 1) == "\n" || old.mid(3, 2) == "\r\n" || text.startsWith(u'\n');
        const QString open = leadingNl ? nl : QString();
        if (old.startsWith("'''") && literalOk)
            return (QLatin1String("'''") + open + QString(text).replace(u'\n', nl) + QLatin1String("'''")).toUtf8();
        return (QLatin1String("\"\"\"") + open + escapeBasic(text, true, nl) + QLatin1String("\"\"\"")).toUtf8();
    }
    if (old.startsWith('\'') && literalOk && !text.contains(u'\n'))
        return (QLatin1Char('\'') + text + QLatin1Char('\'')).toUtf8();
    return formatValue(value).toUtf8();
}

void TomlDocument::Data::insert(const QStringList &comps, const QByteArray &valueText, QByteArray &out) const
{
    const QStringList table = comps.mid(0, comps.size() - 1);
    const QByteArray nl = eol();
    auto statement = [&](const QStringList &rel) { return joinKey(rel).toUtf8() + " = " + valueText; };
    // A new line after position pos (a line start); a last line without newline gets one before it.
    auto insertLine = [&](qsizetype pos, const QByteArray &indent, const QByteArray &line) {
        if (pos >= out.size() && !out.isEmpty() && !out.endsWith('\n'))
            out.append(nl + indent + line);
        else
            out.insert(pos, indent + line + nl);
    };
    auto afterKv = [&](const Kv &kv, const QStringList &rel) {
        if (containers[kv.container].kind == Container::Inline)
            out.insert(kv.valueEnd, ", " + statement(rel));
        else
            insertLine(kv.lineEnd, bytes.mid(kv.lineBegin, kv.keyBegin - kv.lineBegin), statement(rel));
    };
    auto intoContainer = [&](const Container &c, const QStringList &rel) {
        if (!c.kvs.isEmpty())
            return afterKv(kvs[c.kvs.last()], rel);
        if (c.kind == Container::Inline)
            return void(out.replace(c.begin + 1, c.end - c.begin - 1, " " + statement(rel) + " "));
        if (c.kind == Container::Header)
            return insertLine(c.end, {}, statement(rel));
        // A root without keys: above the first header and the comment lines glued to it.
        if (containers.size() < 2)
            return insertLine(out.size(), {}, statement(rel));
        const qsizetype start = bytes.startsWith("\xEF\xBB\xBF") ? 3 : 0;
        qsizetype pos = containers[1].begin;
        while (pos > start) {
            const qsizetype prev = pos >= 2 ? std::max(bytes.lastIndexOf('\n', pos - 2) + 1, start) : start;
            if (!bytes.mid(prev, pos - prev).trimmed().startsWith('#'))
                break;
            pos = prev;
        }
        out.insert(pos, statement(rel) + nl + nl);
    };

    if (const auto c = containerIndex.constFind(joinKey(table)); c != containerIndex.cend())
        return intoContainer(containers[*c], {comps.last()});
    // A table made by dotted keys ("retry.enabled = true"): follow its last such line.
    for (qsizetype k = kvs.size() - 1; k >= 0; --k) {
        const Kv &kv = kvs[k];
        const QStringList &cp = containers[kv.container].path;
        if (!kv.inArray && cp.size() < table.size() && kv.path.size() > table.size() && startsWith(kv.path, table))
            return afterKv(kv, comps.mid(cp.size()));
    }
    // Under an inline table a new sub-table can only be a dotted key inside its braces.
    for (qsizetype i = table.size() - 1; i > 0; --i) {
        const auto c = containerIndex.constFind(joinKey(table.mid(0, i)));
        if (c != containerIndex.cend() && containers[*c].kind == Container::Inline)
            return intoContainer(containers[*c], comps.mid(i));
    }
    QByteArray section;
    if (!out.isEmpty() && out != "\xEF\xBB\xBF")
        section = (out.endsWith('\n') ? QByteArray() : nl) + nl;
    out += section + '[' + joinKey(table).toUtf8() + ']' + nl + statement({comps.last()}) + nl;
}

QString TomlError::describe(const QString &sourceName) const
{
    QString where = sourceName;
    if (position.isValid())
        where += (where.isEmpty() ? QString() : QStringLiteral(":")) + QStringLiteral("%1:%2").arg(position.line).arg(position.column);
    return where.isEmpty() ? message : where + QStringLiteral(": ") + message;
}

TomlDocument::TomlDocument() : d(std::make_unique<Data>())
{
    reparse();
}
TomlDocument::~TomlDocument() = default;
TomlDocument::TomlDocument(const TomlDocument &other) : d(std::make_unique<Data>(*other.d)) {}
TomlDocument &TomlDocument::operator=(const TomlDocument &other)
{
    if (this != &other)
        *d = *other.d;
    return *this;
}
// A moved-from document stays usable (an empty one) instead of holding a null pointer.
TomlDocument::TomlDocument(TomlDocument &&other) noexcept : d(std::make_unique<Data>())
{
    std::swap(d, other.d);
}
TomlDocument &TomlDocument::operator=(TomlDocument &&other) noexcept
{
    std::swap(d, other.d);
    return *this;
}

TomlDocument TomlDocument::fromBytes(const QByteArray &bytes)
{
    TomlDocument doc;
    doc.d->bytes = bytes;
    doc.reparse();
    return doc;
}

void TomlDocument::reparse()
{
    d->build();
}

bool TomlDocument::isValid() const { return d->valid; }
const TomlError &TomlDocument::error() const { return d->error; }
const QByteArray &TomlDocument::bytes() const { return d->bytes; }
bool TomlDocument::usesCrlf() const { return d->crlf; }
const QList<TomlEntry> &TomlDocument::entries() const { return d->entries; }

std::optional<TomlEntry> TomlDocument::find(const QString &dottedKey) const
{
    const auto comps = Scanner::parseDottedKey(dottedKey);
    const auto it = comps ? d->entryIndex.constFind(joinKey(*comps)) : d->entryIndex.cend();
    return it == d->entryIndex.cend() ? std::nullopt : std::optional<TomlEntry>(d->entries[*it]);
}

bool TomlDocument::hasTable(const QString &dottedTable) const
{
    if (dottedTable.trimmed().isEmpty())
        return d->valid;
    const auto comps = Scanner::parseDottedKey(dottedTable);
    return comps && d->tables.contains(joinKey(*comps));
}

namespace {
bool fail(TomlError *error, const QString &message, TomlPosition position = {})
{
    if (error)
        *error = {position, message};
    return false;
}
}  // namespace

bool TomlDocument::setValue(const QString &dottedKey, const QVariant &value, TomlError *error)
{
    const auto comps = Scanner::parseDottedKey(dottedKey);
    if (!comps)
        return fail(error, QStringLiteral("\"%1\" is not a valid TOML key").arg(dottedKey));
    const QString key = joinKey(*comps);
    if (!d->valid)
        return fail(error, QStringLiteral("cannot set \"%1\": the file is not valid TOML").arg(key));
    const QByteArray text = formatValue(value).toUtf8();
    if (text.isEmpty())
        return fail(error, QStringLiteral("cannot set \"%1\": a %2 cannot be written as a TOML value").arg(key, QString::fromLatin1(value.typeName() ? value.typeName() : "null value")));

    const auto kv = d->kvIndex.constFind(key);
    if (kv != d->kvIndex.cend() && d->replaceScalarInPlace(*kv, key, d->spell(d->kvs[*kv], value)))
        return true;
    QByteArray out = d->bytes;
    const QString verb = kv == d->kvIndex.cend() ? QStringLiteral("add") : QStringLiteral("set");
    if (kv != d->kvIndex.cend()) {
        const Kv &k = d->kvs[*kv];
        out.replace(k.valueBegin, k.valueEnd - k.valueBegin, d->spell(k, value));
    } else if (const QString why = d->whyNotPlaceable(*comps); !why.isEmpty()) {
        return fail(error, QStringLiteral("cannot add \"%1\": %2").arg(key, why));
    } else {
        d->insert(*comps, text, out);
    }

    Data next;
    next.bytes = out;
    next.build();
    if (!next.valid)
        return fail(error, QStringLiteral("cannot %1 \"%2\": the file would no longer be valid TOML (%3)").arg(verb, key, next.error.message), next.error.position);
    if (!next.kvIndex.contains(key))  // a safety net: the text is valid but the key did not land
        return fail(error, QStringLiteral("cannot %1 \"%2\": no place for it was found in the file").arg(verb, key));
    *d = std::move(next);
    return true;
}

bool TomlDocument::removeKey(const QString &dottedKey, TomlError *error)
{
    const auto comps = Scanner::parseDottedKey(dottedKey);
    if (!comps)
        return fail(error, QStringLiteral("\"%1\" is not a valid TOML key").arg(dottedKey));
    const QString key = joinKey(*comps);
    const auto it = d->kvIndex.constFind(key);
    if (!d->valid || it == d->kvIndex.cend()) {
        const QString why = d->valid ? d->whyNotPlaceable(*comps) : QString();
        return fail(error, QStringLiteral("cannot remove \"%1\": %2").arg(key, why.isEmpty() ? QStringLiteral("there is no such key") : why));
    }
    const Kv &kv = d->kvs[*it];
    QByteArray out = d->bytes;
    const Container &c = d->containers[kv.container];
    if (c.kind != Container::Inline) {
        out.remove(kv.lineBegin, kv.lineEnd - kv.lineBegin);
    } else {
        const qsizetype pos = c.kvs.indexOf(*it);
        if (c.kvs.size() == 1)
            out.remove(c.begin + 1, c.end - c.begin - 1);
        else if (pos + 1 < c.kvs.size())  // take the comma after it with the entry
            out.remove(kv.keyBegin, d->kvs[c.kvs[pos + 1]].keyBegin - kv.keyBegin);
        else  // the last entry: take the comma before it
            out.remove(d->kvs[c.kvs[pos - 1]].valueEnd, kv.valueEnd - d->kvs[c.kvs[pos - 1]].valueEnd);
    }
    Data next;
    next.bytes = out;
    next.build();
    if (!next.valid)
        return fail(error, QStringLiteral("cannot remove \"%1\": the file would no longer be valid TOML (%2)").arg(key, next.error.message), next.error.position);
    *d = std::move(next);
    return true;
}

QString TomlDocument::formatValue(const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::Bool: return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::Long:
    case QMetaType::Short:
    case QMetaType::UShort:
    case QMetaType::LongLong: return QString::number(value.toLongLong());
    case QMetaType::ULong:
    case QMetaType::ULongLong:
        return value.toULongLong() > quint64(std::numeric_limits<qint64>::max()) ? QString() : QString::number(value.toULongLong());
    case QMetaType::Float:
    case QMetaType::Double: return formatDouble(value.toDouble());
    case QMetaType::QString:
    case QMetaType::QByteArray: return QLatin1Char('"') + escapeBasic(value.toString()) + QLatin1Char('"');
    case QMetaType::QDate: return value.toDate().isValid() ? value.toDate().toString(Qt::ISODate) : QString();
    case QMetaType::QTime: return value.toTime().isValid() ? formatTime(value.toTime()) : QString();
    case QMetaType::QDateTime: return value.toDateTime().isValid() ? formatDateTime(value.toDateTime()) : QString();
    case QMetaType::QStringList:
    case QMetaType::QVariantList: {
        QStringList parts;
        for (const QVariant &v : value.toList()) {
            parts << formatValue(v);
            if (parts.last().isEmpty())
                return {};
        }
        return QLatin1Char('[') + parts.join(QLatin1String(", ")) + QLatin1Char(']');
    }
    case QMetaType::QVariantMap: {
        const QVariantMap map = value.toMap();
        if (map.isEmpty())
            return QStringLiteral("{}");
        QStringList parts;
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            parts << quoteKey(it.key()) + QLatin1String(" = ") + formatValue(it.value());
            if (parts.last().endsWith(QLatin1String("= ")))
                return {};
        }
        return QLatin1String("{ ") + parts.join(QLatin1String(", ")) + QLatin1String(" }");
    }
    default: return {};
    }
}

}  // namespace codex::config
