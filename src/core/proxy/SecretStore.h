#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>

namespace codex::proxy {

/// Where bearer tokens live. Never in QSettings or workspace files in clear, never logged, never
/// exported. A tokenRef is one of:
///   "keychain:NAME" — the system keychain through QtKeychain (service "codex-admin"), when one is
///                     available (Secret Service / KWallet over D-Bus); cached in memory after the
///                     first read;
///   "env:VAR"       — the process environment;
///   "session:NAME"  — memory only, for this run of the app.
/// keychainAvailable() probes once (a short write/read/delete of a probe entry, bounded by a timeout,
/// so a machine without a session bus answers "no" quickly instead of hanging).
class SecretStore : public QObject {
    Q_OBJECT
public:
    explicit SecretStore(QObject *parent = nullptr);

    bool keychainAvailable();
    QString keychainStatus() const;  ///< "system keychain (Secret Service)" / "no keychain: <reason>"

    /// Resolves a tokenRef; empty string when unknown. *error names what failed ("env var X is not set").
    QString token(const QString &tokenRef, QString *error = nullptr);
    /// Stores a token for an environment: in the keychain when available (returns "keychain:NAME"),
    /// else in memory (returns "session:NAME"). Blocking (bounded) — call from the GUI on a click.
    QString store(const QString &name, const QString &token, QString *error = nullptr);
    void forget(const QString &tokenRef);

    /// Replaces every known token value in text by "***" (for exports and logs).
    QString redact(QString text) const;

    /// Tests: pretend there is no keychain (no D-Bus access at all).
    void setKeychainDisabled(bool disabled);

private:
    bool runKeychainJob(class QObject *job, int timeoutMs, QString *error);
    static constexpr int kProbeTimeoutMs = 3000;

    QHash<QString, QString> m_memory;   // tokenRef -> token
    QStringList m_seen;                 // every token value handed out (for redact())
    int m_keychainState = -1;           // -1 unknown, 0 no, 1 yes
    QString m_status;
    bool m_disabled = false;
};

}  // namespace codex::proxy
