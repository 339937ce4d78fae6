#include "config/DotEnv.h"

#include <QRegularExpression>

namespace codex::config {

namespace {

QString unescapeDouble(const QString &s)
{
    QString out;
    out.reserve(s.size());
    for (int i = 0; i < s.size(); ++i) {
        if (s[i] == QLatin1Char('\\') && i + 1 < s.size()) {
            const QChar n = s[++i];
            if (n == QLatin1Char('n'))
                out += QLatin1Char('\n');
            else if (n == QLatin1Char('t'))
                out += QLatin1Char('\t');
            else
                out += n;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

DotEnv DotEnv::parse(const QByteArray &bytes)
{
    DotEnv env;
    static const QRegularExpression nameRe(QStringLiteral("^[A-Za-z_][A-Za-z0-9_.]*$"));
    const QStringList lines = QString::fromUtf8(bytes).split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        QString line = lines[i];
        if (line.endsWith(QLatin1Char('\r')))
            line.chop(1);
        const QString trimmed = line.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith(QLatin1Char('#')))
            continue;
        QString body = trimmed;
        if (body.startsWith(QLatin1String("export ")))
            body = body.mid(7).trimmed();
        const int eq = body.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            env.m_problems.append({i + 1, QStringLiteral("expected NAME=value")});
            continue;
        }
        const QString name = body.left(eq).trimmed();
        if (!nameRe.match(name).hasMatch()) {
            env.m_problems.append({i + 1, QStringLiteral("'%1' is not a variable name").arg(name)});
            continue;
        }
        QString value = body.mid(eq + 1).trimmed();
        if (value.startsWith(QLatin1Char('"')) || value.startsWith(QLatin1Char('\''))) {
            const QChar quote = value[0];
            int end = 1;
            while (end < value.size() && value[end] != quote) {
                if (quote == QLatin1Char('"') && value[end] == QLatin1Char('\\'))
                    ++end;
                ++end;
            }
            if (end >= value.size()) {
                env.m_problems.append({i + 1, QStringLiteral("unterminated quoted value of %1").arg(name)});
                continue;
            }
            const QString inner = value.mid(1, end - 1);
            value = quote == QLatin1Char('"') ? unescapeDouble(inner) : inner;
        } else {
            // An unquoted value ends at " #" (a comment), as python-dotenv reads it.
            const int hash = value.indexOf(QLatin1String(" #"));
            if (hash >= 0)
                value = value.left(hash).trimmed();
        }
        env.m_entries.append({name, value, i + 1});
    }
    return env;
}

}  // namespace codex::config
