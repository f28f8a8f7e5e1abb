// Lower-case hex of bytes: how digests (sha256, git blob sha1) are written in the Hub's API,
// in manifests and in the HF cache's blob names.
#pragma once

#include <cstddef>
#include <string>

namespace actcache {

inline std::string LowerHex(const unsigned char* bytes, std::size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        hex += kHex[bytes[i] >> 4];
        hex += kHex[bytes[i] & 15];
    }
    return hex;
}

}  // namespace actcache
