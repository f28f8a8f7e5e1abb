#include "tokenizer/unicode_properties.h"

#include <algorithm>
#include <iterator>

namespace actcache::tokenizer {
namespace {

struct CodePointRange {
    char32_t low;
    char32_t high;  // inclusive
};

#include "tokenizer/unicode_tables.inc"

// Binary search over sorted, disjoint ranges.
template <std::size_t N>
bool InRanges(const CodePointRange (&ranges)[N], char32_t code_point) {
    const auto* it = std::upper_bound(
        std::begin(ranges), std::end(ranges), code_point,
        [](char32_t value, const CodePointRange& range) { return value < range.low; });
    if (it == std::begin(ranges)) return false;
    return code_point <= std::prev(it)->high;
}

}  // namespace

bool IsLetter(char32_t code_point) {
    if (code_point < 0x80) {
        return (code_point | 0x20) >= 'a' && (code_point | 0x20) <= 'z';
    }
    return InRanges(kLetterRanges, code_point);
}

bool IsNumber(char32_t code_point) {
    if (code_point < 0x80) return code_point >= '0' && code_point <= '9';
    return InRanges(kNumberRanges, code_point);
}

bool IsWhitespace(char32_t code_point) {
    if (code_point < 0x80) return code_point == ' ' || (code_point >= 0x09 && code_point <= 0x0D);
    switch (code_point) {
        case 0x85:
        case 0xA0:
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000:
            return true;
        default:
            return code_point >= 0x2000 && code_point <= 0x200A;
    }
}

}  // namespace actcache::tokenizer
