#pragma once

#include <QByteArray>
#include <QString>

#include <memory>

namespace codex {

/// Incremental SHA-256 through OpenSSL's libcrypto, which uses the CPU's SHA instructions:
/// about ten times the speed of QCryptographicHash in Qt 6.4 on this kind of machine, which is
/// what keeps a 100 MB restore at disk speed.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void add(const char *data, qint64 size);
    /// Lower-case hex digest; the object cannot be added to afterwards.
    QString hex();

    static QString hex(const QByteArray &bytes);

private:
    struct Ctx;
    std::unique_ptr<Ctx> d;
};

}  // namespace codex
