// UTF-8 validation and repair with Python's semantics.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace actcache {

// Returns `bytes` decoded as UTF-8 with every invalid sequence replaced by U+FFFD exactly as
// Python's `bytes.decode("utf-8", errors="replace")` does (one U+FFFD per maximal subpart of an
// ill-formed sequence, the Unicode "substitution of maximal subparts" practice: b"\xe4\xb8" gives
// one U+FFFD, b"\xed\xa0\x80" (an encoded surrogate) three). Adds the number of U+FFFD inserted
// to *replacements when it is not null. Valid input comes back unchanged.
std::string ReplaceInvalidUtf8(std::string_view bytes, std::int64_t* replacements = nullptr);

// True when `bytes` is valid UTF-8 (RFC 3629: no overlongs, surrogates or values > U+10FFFF).
bool IsValidUtf8(std::string_view bytes);

}  // namespace actcache
