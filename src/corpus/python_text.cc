#include "corpus/python_text.h"

#include <algorithm>
#include <span>

#include "core/utf8.h"

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
    std::size_t length = 0;
    const char32_t c = DecodeCodePoint(text, *pos, length);
    *pos += length;
    return c;
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
