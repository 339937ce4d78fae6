#pragma once

#include <QByteArray>
#include <QString>

namespace codex {

/// Writes `bytes` to `path` through QSaveFile (a temporary file in the same folder, renamed over
/// the target only when everything was written), creating the folder first. Readers see the old
/// file or the new one, never a part of it. On failure *error says what failed and names the
/// file or folder ("Cannot create the folder …", "Cannot write …: <reason>").
bool writeFileAtomically(const QString &path, const QByteArray &bytes, QString *error);

}  // namespace codex
