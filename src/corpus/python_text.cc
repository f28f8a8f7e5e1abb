#include "corpus/python_text.h"

#include <algorithm>
#include <span>

namespace actcache::corpus {
namespace {

struct CodePointRange {
    char32_t first;
    char32_t last;  // inclusive
};

#include "corpus/python_unicode_tables.inc"  // generated: kPythonWhitespace, kPythonNumeric, ...

bool InRanges(std::span<const CodePointRange> ranges, char32_t c) {
    // The first range whose last >= c; c is in the table iff that range starts at or before c.
    auto it = std::lower_bound(ranges.begin(), ranges.end(), c,
                               [](const CodePointRange& range, char32_t value) {
                                   return range.last < value;
                               });
    return it != ranges.end() && it->first <= c;
}

}  // namespace

const char* const kPythonUnicodeVersionName = kPythonUnicodeVersion;

bool PythonIsSpace(char32_t c) {
    if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
    return InRanges(kPythonWhitespace, c);
}

bool PythonIsNumericChar(char32_t c) {
    if (c < 0x80) return c >= '0' && c <= '9';
    return InRanges(kPythonNumeric, c);
}

bool PythonUpperChangesChar(char32_t c) {
    if (c < 0x80) return c >= 'a' && c <= 'z';
    return InRanges(kChangedByUpper, c);
}

char32_t NextCodePoint(std::string_view text, std::size_t* pos) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const std::size_t i = *pos;
    const unsigned char b0 = byte(i);
    const std::size_t left = text.size() - i;
    std::size_t length = 0;
    char32_t cp = 0;
    if (b0 < 0x80) {
        *pos = i + 1;
        return b0;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
        cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        cp = b0 & 0x07;
    }
    bool valid = length > 0 && length <= left;
    for (std::size_t k = 1; valid && k < length; ++k) {
        valid = (byte(i + k) & 0xC0) == 0x80;
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    // Overlongs, surrogates and values past U+10FFFF are invalid (RFC 3629).
    valid = valid && !(length == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) &&
            !(length == 4 && (cp < 0x10000 || cp > 0x10FFFF));
    if (!valid) {
        *pos = i + 1;
        return 0xFFFD;
    }
    *pos = i + length;
    return cp;
}

std::int64_t CodePointCount(std::string_view text) {
    std::int64_t count = 0;
    for (std::size_t pos = 0; pos < text.size(); ++count) NextCodePoint(text, &pos);
    return count;
}

std::string_view PythonStrip(std::string_view text) {
    // Leading: decode forward until a non-space.
    std::size_t begin = 0;
    while (begin < text.size()) {
        std::size_t next = begin;
        if (!PythonIsSpace(NextCodePoint(text, &next))) break;
        begin = next;
    }
    // Trailing: decode forward from `begin`, remembering where the last non-space ended.
    std::size_t end = begin;
    for (std::size_t pos = begin; pos < text.size();) {
        const char32_t c = NextCodePoint(text, &pos);
        if (!PythonIsSpace(c)) end = pos;
    }
    return text.substr(begin, end - begin);
}

bool PythonIsNumeric(std::string_view text) {
    if (text.empty()) return false;
    for (std::size_t pos = 0; pos < text.size();) {
        if (!PythonIsNumericChar(NextCodePoint(text, &pos))) return false;
    }
    return true;
}

bool PythonUpperChangesText(std::string_view text) {
    for (std::size_t pos = 0; pos < text.size();) {
        if (PythonUpperChangesChar(NextCodePoint(text, &pos))) return true;
    }
    return false;
}

}  // namespace actcache::corpus
