#include "common/Url.h"

#include <QRegularExpression>

namespace codex {

ParsedUrl ParsedUrl::parse(const QString &text)
{
    ParsedUrl u;
    const int sep = text.indexOf(QLatin1String("://"));
    if (sep <= 0) {
        u.problem = QStringLiteral("missing scheme (expected something like sqlite:///path or postgresql://host/db)");
        return u;
    }
    u.scheme = text.left(sep).toLower();
    static const QRegularExpression schemeRe(QStringLiteral("^[a-z][a-z0-9+.-]*$"));
    if (!schemeRe.match(u.scheme).hasMatch()) {
        u.problem = QStringLiteral("'%1' is not a valid scheme").arg(u.scheme);
        return u;
    }
    if (text.contains(QLatin1Char(' ')) || text.contains(QLatin1Char('\n')) || text.contains(QLatin1Char('\t'))) {
        u.problem = QStringLiteral("contains whitespace");
        return u;
    }
    const QString rest = text.mid(sep + 3);
    if (u.scheme == QLatin1String("sqlite")) {
        // sqlite:///x -> "x" (relative), sqlite:////x -> "/x" (absolute); nothing before the third slash.
        if (!rest.startsWith(QLatin1Char('/'))) {
            u.problem = QStringLiteral("an SQLite URL has three slashes: sqlite:///path/to/archive.sqlite");
            return u;
        }
        u.path = rest.mid(1);
        if (u.path.isEmpty()) {
            u.problem = QStringLiteral("the SQLite URL names no file");
            return u;
        }
        u.valid = true;
        return u;
    }
    const int slash = rest.indexOf(QLatin1Char('/'));
    QString authority = slash < 0 ? rest : rest.left(slash);
    u.path = slash < 0 ? QString() : rest.mid(slash + 1);
    const int at = authority.lastIndexOf(QLatin1Char('@'));
    if (at >= 0) {
        u.hasUserInfo = true;
        const QString userInfo = authority.left(at);
        const int colon = userInfo.indexOf(QLatin1Char(':'));
        u.user = colon < 0 ? userInfo : userInfo.left(colon);
        u.password = colon < 0 ? QString() : userInfo.mid(colon + 1);
        authority = authority.mid(at + 1);
    }
    QString host = authority;
    if (host.startsWith(QLatin1Char('['))) {  // IPv6 literal
        const int close = host.indexOf(QLatin1Char(']'));
        if (close < 0) {
            u.problem = QStringLiteral("unclosed '[' in the host");
            return u;
        }
        const QString after = host.mid(close + 1);
        u.host = host.left(close + 1);
        host = after.startsWith(QLatin1Char(':')) ? after : QString();
        if (!host.isEmpty()) {
            bool ok = false;
            u.port = host.mid(1).toInt(&ok);
            if (!ok) {
                u.problem = QStringLiteral("port '%1' is not a number").arg(host.mid(1));
                return u;
            }
        }
    } else {
        const int colon = host.lastIndexOf(QLatin1Char(':'));
        if (colon >= 0) {
            bool ok = false;
            const QString portText = host.mid(colon + 1);
            u.port = portText.toInt(&ok);
            if (!ok || u.port < 1 || u.port > 65535) {
                u.problem = QStringLiteral("port '%1' is not a number from 1 to 65535").arg(portText);
                return u;
            }
            host = host.left(colon);
        }
        u.host = host;
    }
    if (u.host.isEmpty()) {
        u.problem = QStringLiteral("the URL names no host");
        return u;
    }
    static const QRegularExpression hostRe(QStringLiteral("^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9._~%-]+)$"));
    if (!hostRe.match(u.host).hasMatch()) {
        u.problem = QStringLiteral("'%1' is not a valid host name").arg(u.host);
        return u;
    }
    u.valid = true;
    return u;
}

QString redactUrl(const QString &url)
{
    // Up to the last '@' before the path, as parse() splits it: a password may contain '@' or '#'.
    static const QRegularExpression userInfo(QStringLiteral("^([A-Za-z][A-Za-z0-9+.-]*://)[^/\\s]*@"));
    QString out = url;
    out.replace(userInfo, QStringLiteral("\\1***@"));
    return out;
}

QString redactSecrets(const QString &text)
{
    static const QRegularExpression urlUserInfo(QStringLiteral("([A-Za-z][A-Za-z0-9+.-]*://)[^/\\s\"']+@"));
    static const QRegularExpression bearer(QStringLiteral("(Bearer\\s+)[^\\s\"',]+"),
                                           QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression keyValue(
        QStringLiteral("((?:[A-Za-z_]*(?:TOKEN|PASSWORD|PASSWD|SECRET|API_KEY|APIKEY))\\s*[=:]\\s*\"?)[^\\s\"',&]+"),
        QRegularExpression::CaseInsensitiveOption);
    QString out = text;
    out.replace(urlUserInfo, QStringLiteral("\\1***@"));
    out.replace(bearer, QStringLiteral("\\1***"));
    out.replace(keyValue, QStringLiteral("\\1***"));
    return out;
}

}  // namespace codex
