#include "common/PythonJson.h"

namespace codex::pyjson {

void appendString(QByteArray &out, const QString &s)
{
    static const char hex[] = "0123456789abcdef";
    out.append('"');
    const char16_t *p = reinterpret_cast<const char16_t *>(s.utf16());
    const qsizetype n = s.size();
    for (qsizetype i = 0; i < n; ++i) {
        const char16_t c = p[i];
        switch (c) {
        case u'"':
            out.append("\\\"", 2);
            continue;
        case u'\\':
            out.append("\\\\", 2);
            continue;
        case u'\n':
            out.append("\\n", 2);
            continue;
        case u'\r':
            out.append("\\r", 2);
            continue;
        case u'\t':
            out.append("\\t", 2);
            continue;
        case u'\b':
            out.append("\\b", 2);
            continue;
        case u'\f':
            out.append("\\f", 2);
            continue;
        default:
            break;
        }
        if (c >= 0x20 && c <= 0x7e) {
            out.append(char(c));
        } else {
            // Everything outside printable ASCII (controls, DEL, non-ASCII) as \uXXXX with
            // lowercase hex. QString is UTF-16, so characters beyond the BMP come out as the
            // surrogate pair Python writes, and a lone surrogate as itself, like Python.
            const char esc[6] = {'\\', 'u', hex[(c >> 12) & 0xf], hex[(c >> 8) & 0xf], hex[(c >> 4) & 0xf], hex[c & 0xf]};
            out.append(esc, 6);
        }
    }
    out.append('"');
}

}  // namespace codex::pyjson
