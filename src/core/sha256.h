// SHA-256 (FIPS 180-4), incremental: the digest the Hub's LFS protocol identifies files by,
// computed while a file is written so it is never read twice.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace actcache {

// One owner, not thread-safe. Movable.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;

    void Update(std::string_view bytes);
    // The digest as 64 lower-case hex digits. Finishes the hash: call once.
    std::string HexDigest();

private:
    struct Context;  // OpenSSL's EVP_MD_CTX
    std::unique_ptr<Context> context_;
};

}  // namespace actcache
