#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace codex::config {

/// A `.env` file as python-dotenv reads it: NAME=value lines, `export` prefixes, quotes, comments.
class DotEnv {
public:
    struct Entry {
        QString name;
        QString value;
        int line = 0;
    };
    struct Problem {
        int line = 0;
        QString message;
    };

    static DotEnv parse(const QByteArray &bytes);

    const QList<Entry> &entries() const { return m_entries; }
    const QList<Problem> &problems() const { return m_problems; }

private:
    QList<Entry> m_entries;
    QList<Problem> m_problems;
};

}  // namespace codex::config
