#pragma once

#include <QByteArray>
#include <QString>

namespace codex {

/// Line-based unified diff of two texts, for the "review before saving" dialog and the CLI.
class TextDiff {
public:
    /// Unified diff ("--- a", "+++ b", "@@ -l,n +l,n @@" hunks) with `context` lines around
    /// changes; empty when the texts are equal. CRLF line endings are shown without the CR.
    static QString unified(const QByteArray &before, const QByteArray &after, const QString &beforeName,
                           const QString &afterName, int context = 3);
};

}  // namespace codex
