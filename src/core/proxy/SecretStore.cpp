#include "proxy/SecretStore.h"

#include "common/Url.h"

#include <QEventLoop>
#include <QFileInfo>
#include <QPointer>
#include <QTimer>

#include <qt6keychain/keychain.h>

namespace codex::proxy {

namespace {
const QString kService = QStringLiteral("codex-admin");
const QString kProbeKey = QStringLiteral("codex-admin-probe");

QString refName(const QString &ref, const QString &prefix)
{
    return ref.mid(prefix.size());
}
}  // namespace

SecretStore::SecretStore(QObject *parent) : QObject(parent) {}

void SecretStore::setKeychainDisabled(bool disabled)
{
    m_disabled = disabled;
    if (disabled) {
        m_keychainState = 0;
        m_status = QStringLiteral("no keychain: disabled");
    } else {
        m_keychainState = -1;
        m_status.clear();
    }
}

QString SecretStore::keychainStatus() const
{
    if (m_keychainState < 0)
        return QStringLiteral("keychain not probed yet");
    return m_status;
}

bool SecretStore::runKeychainJob(QObject *jobObject, int timeoutMs, QString *error)
{
    auto *job = static_cast<QKeychain::Job *>(jobObject);
    QPointer<QKeychain::Job> guard(job);
    QEventLoop loop;
    bool done = false;
    QKeychain::Error result = QKeychain::NoError;
    QString message;
    // The loop is the context: when we leave on timeout, a late answer goes nowhere.
    connect(job, &QKeychain::Job::finished, &loop, [&](QKeychain::Job *j) {
        done = true;
        result = j->error();
        message = j->errorString();
        loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    job->start();
    if (!done)
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    if (!done) {
        if (error)
            *error = QStringLiteral("the keychain did not answer within %1 ms").arg(timeoutMs);
        return false;
    }
    if (result != QKeychain::NoError) {
        if (error)
            *error = message.isEmpty() ? QStringLiteral("keychain error %1").arg(int(result)) : message;
        return false;
    }
    return true;
}

bool SecretStore::keychainAvailable()
{
    if (m_disabled)
        return false;
    if (m_keychainState >= 0)
        return m_keychainState == 1;
#if defined(Q_OS_UNIX) && !defined(Q_OS_MACOS)
    // Secret Service / KWallet talk D-Bus: without a session bus there is nothing to ask, and
    // letting the library try to autolaunch one can take long.
    const QString bus = qEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS");
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (bus.isEmpty() && (runtime.isEmpty() || !QFileInfo::exists(runtime + QStringLiteral("/bus")))) {
        m_keychainState = 0;
        m_status = QStringLiteral("no keychain: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)");
        return false;
    }
#endif
    QString err;
    auto *write = new QKeychain::WritePasswordJob(kService);
    write->setAutoDelete(true);
    write->setInsecureFallback(false);
    write->setKey(kProbeKey);
    write->setTextData(QStringLiteral("probe"));
    if (!runKeychainJob(write, kProbeTimeoutMs, &err)) {
        m_keychainState = 0;
        m_status = QStringLiteral("no keychain: %1").arg(err);
        return false;
    }
    auto *read = new QKeychain::ReadPasswordJob(kService);
    read->setAutoDelete(false);
    read->setInsecureFallback(false);
    read->setKey(kProbeKey);
    const bool readOk = runKeychainJob(read, kProbeTimeoutMs, &err);
    const bool same = readOk && read->textData() == QLatin1String("probe");
    read->deleteLater();
    if (!same) {
        m_keychainState = 0;
        m_status = QStringLiteral("no keychain: %1").arg(readOk ? QStringLiteral("the probe entry read back differently") : err);
        return false;
    }
    auto *del = new QKeychain::DeletePasswordJob(kService);
    del->setAutoDelete(true);
    del->setInsecureFallback(false);
    del->setKey(kProbeKey);
    runKeychainJob(del, kProbeTimeoutMs, nullptr);
    m_keychainState = 1;
    m_status = QStringLiteral("system keychain (Secret Service)");
    return true;
}

QString SecretStore::token(const QString &tokenRef, QString *error)
{
    auto fail = [error](const QString &msg) {
        if (error)
            *error = msg;
        return QString();
    };
    const QString ref = tokenRef.trimmed();
    if (ref.isEmpty())
        return fail(QStringLiteral("no token reference"));
    if (ref.startsWith(QLatin1String("env:"))) {
        const QString var = refName(ref, QStringLiteral("env:"));
        const QByteArray value = qgetenv(var.toLocal8Bit().constData());
        if (var.isEmpty() || value.isEmpty())
            return fail(QStringLiteral("env var %1 is not set").arg(var));
        const QString t = QString::fromLocal8Bit(value);
        if (!m_seen.contains(t))
            m_seen.append(t);
        return t;
    }
    if (ref == QLatin1String("session") || ref.startsWith(QLatin1String("session:"))) {
        const auto it = m_memory.constFind(ref);
        if (it == m_memory.cend())
            return fail(QStringLiteral("no token for '%1' in this session (enter it again)").arg(refName(ref, QStringLiteral("session:"))));
        return *it;
    }
    if (ref.startsWith(QLatin1String("keychain:"))) {
        if (const auto it = m_memory.constFind(ref); it != m_memory.cend())
            return *it;
        if (!keychainAvailable())
            return fail(m_status);
        auto *read = new QKeychain::ReadPasswordJob(kService);
        read->setAutoDelete(false);
        read->setInsecureFallback(false);
        read->setKey(refName(ref, QStringLiteral("keychain:")));
        QString err;
        const bool ok = runKeychainJob(read, kProbeTimeoutMs, &err);
        const QString t = ok ? read->textData() : QString();
        read->deleteLater();
        if (!ok)
            return fail(QStringLiteral("keychain entry '%1': %2").arg(refName(ref, QStringLiteral("keychain:")), err));
        m_memory.insert(ref, t);
        if (!m_seen.contains(t))
            m_seen.append(t);
        return t;
    }
    return fail(QStringLiteral("unknown token reference '%1' (use keychain:NAME, env:VAR or session:NAME)").arg(ref));
}

QString SecretStore::store(const QString &name, const QString &token, QString *error)
{
    if (!token.isEmpty() && !m_seen.contains(token))
        m_seen.append(token);
    if (keychainAvailable()) {
        auto *write = new QKeychain::WritePasswordJob(kService);
        write->setAutoDelete(true);
        write->setInsecureFallback(false);
        write->setKey(name);
        write->setTextData(token);
        QString err;
        if (runKeychainJob(write, kProbeTimeoutMs, &err)) {
            const QString ref = QStringLiteral("keychain:") + name;
            m_memory.insert(ref, token);
            return ref;
        }
        if (error)
            *error = QStringLiteral("keychain: %1; the token is kept in memory for this session only").arg(err);
    }
    const QString ref = QStringLiteral("session:") + name;
    m_memory.insert(ref, token);
    return ref;
}

void SecretStore::forget(const QString &tokenRef)
{
    m_memory.remove(tokenRef);
    if (tokenRef.startsWith(QLatin1String("keychain:")) && keychainAvailable()) {
        auto *del = new QKeychain::DeletePasswordJob(kService);
        del->setAutoDelete(true);
        del->setInsecureFallback(false);
        del->setKey(refName(tokenRef, QStringLiteral("keychain:")));
        runKeychainJob(del, kProbeTimeoutMs, nullptr);
    }
}

QString SecretStore::redact(QString text) const
{
    QStringList values = m_seen;
    for (const QString &v : m_memory)
        if (!values.contains(v))
            values.append(v);
    // Longest first, so a token that contains another is masked whole.
    std::sort(values.begin(), values.end(), [](const QString &a, const QString &b) { return a.size() > b.size(); });
    for (const QString &v : values)
        if (v.size() >= 4)
            text.replace(v, QStringLiteral("***"));
    return redactSecrets(text);
}

}  // namespace codex::proxy
