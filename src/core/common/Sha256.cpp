#include "common/Sha256.h"

#include <openssl/evp.h>

namespace codex {

struct Sha256::Ctx {
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : d(std::make_unique<Ctx>())
{
    EVP_DigestInit_ex(d->md, EVP_sha256(), nullptr);
}

Sha256::~Sha256() = default;

void Sha256::add(const char *data, qint64 size)
{
    EVP_DigestUpdate(d->md, data, size_t(size));
}

QString Sha256::hex()
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(d->md, digest, &length);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(digest), int(length)).toHex());
}

QString Sha256::hex(const QByteArray &bytes)
{
    Sha256 h;
    h.add(bytes.constData(), bytes.size());
    return h.hex();
}

}  // namespace codex
