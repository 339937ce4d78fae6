#pragma once

#include <QString>

namespace codex {

/// A database or HTTP URL in the forms the archive and ccproxy accept, split into its parts.
/// sqlite:///relative/path and sqlite:////absolute/path follow SQLAlchemy's convention.
struct ParsedUrl {
    bool valid = false;
    QString problem;  ///< why it is not valid, never containing the password
    QString scheme;   ///< lower-case: "sqlite", "postgresql", "mysql+pymysql", "https"
    QString user;
    QString password;
    QString host;
    int port = -1;
    QString path;  ///< sqlite: the file path; others: what follows host[:port], without the leading '/'
    bool hasUserInfo = false;

    static ParsedUrl parse(const QString &text);
};

/// The URL with its user info replaced by "***": postgresql://***@db.example.com:5432/archive.
/// Text that does not look like a URL is returned with any "user:pass@" part masked anyway.
QString redactUrl(const QString &url);

/// Masks credentials in free text before it reaches a log or an error message: user info in
/// URLs, "Bearer <token>", and key=value pairs whose key names a secret (token, password, …).
QString redactSecrets(const QString &text);

}  // namespace codex
