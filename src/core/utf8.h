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

// Length in bytes (1..4) of the well-formed sequence starting at bytes[pos], or 0 when the bytes
// there do not form one. Never reads past bytes.size(). REQUIRES: pos < bytes.size().
std::size_t ValidSequenceLength(std::string_view bytes, std::size_t pos);

// Decodes the code point at bytes[pos] and sets `length_bytes`. An ill-formed position reads as
// U+FFFD with length 1, so a loop always advances and never reads out of bounds.
// REQUIRES: pos < bytes.size().
char32_t DecodeCodePoint(std::string_view bytes, std::size_t pos, std::size_t& length_bytes);

// Appends the UTF-8 encoding of `code_point`. REQUIRES: a Unicode scalar value.
void AppendUtf8(char32_t code_point, std::string& out);

}  // namespace actcache
