#include "core/utf8.h"

#include <cstring>

namespace actcache {
namespace {

// Length of the valid sequence starting at text[i], or, when it is ill-formed, 0 with
// *subpart set to the length of its maximal subpart (>= 1): the bytes that one U+FFFD replaces.
std::size_t SequenceOrSubpart(std::string_view text, std::size_t i, std::size_t* subpart) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) return 1;
    std::size_t length = 0;
    unsigned char second_low = 0x80, second_high = 0xBF;  // the second byte's valid range
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        if (b0 == 0xE0) second_low = 0xA0;   // no overlongs
        if (b0 == 0xED) second_high = 0x9F;  // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        if (b0 == 0xF0) second_low = 0x90;   // no overlongs
        if (b0 == 0xF4) second_high = 0x8F;  // nothing past U+10FFFF
    } else {
        *subpart = 1;  // 80..C1, F5..FF never start a sequence
        return 0;
    }
    std::size_t k = 1;
    for (; k < length && i + k < text.size(); ++k) {
        const unsigned char b = byte(i + k);
        const unsigned char low = k == 1 ? second_low : 0x80;
        const unsigned char high = k == 1 ? second_high : 0xBF;
        if (b < low || b > high) break;
    }
    if (k == length) return length;
    *subpart = k;  // the lead byte and the continuation bytes that were still valid
    return 0;
}

}  // namespace

std::string ReplaceInvalidUtf8(std::string_view bytes, std::int64_t* replacements) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t i = 0;
    while (i < bytes.size()) {
        // Copy the run of valid sequences in one go.
        const std::size_t run_start = i;
        std::size_t subpart = 0;
        std::size_t length = 0;
        while (i < bytes.size() && (length = SequenceOrSubpart(bytes, i, &subpart)) > 0) {
            i += length;
        }
        out.append(bytes.data() + run_start, i - run_start);
        if (i < bytes.size()) {
            out += "\xEF\xBF\xBD";  // U+FFFD
            if (replacements != nullptr) ++*replacements;
            i += subpart;
        }
    }
    return out;
}

bool IsValidUtf8(std::string_view bytes) {
    std::size_t subpart = 0;
    std::size_t i = 0;
    while (i < bytes.size()) {
        // ASCII fast path: eight bytes at a time while none has its high bit set.
        while (i + 8 <= bytes.size()) {
            std::uint64_t word;
            std::memcpy(&word, bytes.data() + i, 8);
            if ((word & 0x8080808080808080ull) != 0) break;
            i += 8;
        }
        if (i >= bytes.size()) break;
        const std::size_t length = SequenceOrSubpart(bytes, i, &subpart);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

std::size_t ValidSequenceLength(std::string_view bytes, std::size_t pos) {
    std::size_t subpart = 0;
    return SequenceOrSubpart(bytes, pos, &subpart);
}

char32_t DecodeCodePoint(std::string_view bytes, std::size_t pos, std::size_t& length_bytes) {
    const std::size_t length = ValidSequenceLength(bytes, pos);
    if (length == 0) {
        length_bytes = 1;
        return 0xFFFD;
    }
    length_bytes = length;
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[pos + k]); };
    switch (length) {
        case 1: return byte(0);
        case 2: return (static_cast<char32_t>(byte(0) & 0x1F) << 6) | (byte(1) & 0x3F);
        case 3:
            return (static_cast<char32_t>(byte(0) & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) |
                   (byte(2) & 0x3F);
        default:
            return (static_cast<char32_t>(byte(0) & 0x07) << 18) | ((byte(1) & 0x3F) << 12) |
                   ((byte(2) & 0x3F) << 6) | (byte(3) & 0x3F);
    }
}

void AppendUtf8(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

}  // namespace actcache
