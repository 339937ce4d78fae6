#pragma once

#include <QByteArray>
#include <QString>

namespace codex::pyjson {

/// Appends `s` as Python's json.dumps writes a string with its defaults (ensure_ascii=True):
/// quoted, the short escapes for `"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, everything else outside
/// printable ASCII as `\uXXXX` with lowercase hex (UTF-16 units, so surrogate pairs come out as Python writes them).
/// The one escaper behind the evidence log, event contexts and the batch results file.
void appendString(QByteArray &out, const QString &s);

}  // namespace codex::pyjson
