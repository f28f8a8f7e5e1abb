// SHA-256 (FIPS 180-4), incremental: the digest the Hub's LFS protocol identifies files by,
// computed while a file is written so it is never read twice.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace actcache {

// One owner, not thread-safe.
class Sha256 {
public:
    Sha256();
    void Update(std::string_view bytes);
    // The digest as 64 lower-case hex digits. Finishes the hash: call once.
    std::string HexDigest();

private:
    void Compress(const unsigned char* block);

    std::array<std::uint32_t, 8> state_;
    unsigned char buffer_[64];
    std::size_t buffered_ = 0;
    std::uint64_t total_bytes_ = 0;
};

}  // namespace actcache
