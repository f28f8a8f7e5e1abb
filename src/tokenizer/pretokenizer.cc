// Each alternative of the pattern is a function that returns the length (in code points) of its
// match at position `start`, or 0; the first alternative that matches wins, as in a backtracking
// regex engine. The comments derive each function's result from the backtracking order.
#include "tokenizer/pretokenizer.h"

#include <cstddef>
#include <cstdint>

#include "tokenizer/unicode_properties.h"
#include "core/utf8.h"

namespace actcache::tokenizer {

const char* const kLlama3Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char* const kGpt2Pattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

namespace {

// Decoded text: code points and the byte offset where each starts (offsets has one extra entry,
// the text size).
struct CodePoints {
    std::vector<char32_t> values;
    std::vector<std::size_t> offsets;

    std::size_t size() const { return values.size(); }
    // The code point at `index`, or 0 past the end (0 is in no class the patterns test for).
    char32_t At(std::size_t index) const { return index < values.size() ? values[index] : 0; }
};

CodePoints Decode(std::string_view text) {
    CodePoints result;
    result.values.reserve(text.size());
    result.offsets.reserve(text.size() + 1);
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t length = 1;
        result.values.push_back(DecodeCodePoint(text, pos, length));
        result.offsets.push_back(pos);
        pos += length;
    }
    result.offsets.push_back(text.size());
    return result;
}

bool IsNewline(char32_t c) { return c == '\r' || c == '\n'; }
// [^\s\p{L}\p{N}]
bool IsOther(char32_t c) { return !IsWhitespace(c) && !IsLetter(c) && !IsNumber(c); }
char32_t AsciiLower(char32_t c) { return c >= 'A' && c <= 'Z' ? c + 0x20 : c; }

// 's|'t|'re|'ve|'m|'ll|'d, optionally ASCII case-insensitive. The alternatives start with
// distinct letters, so at most one can match.
std::size_t MatchContraction(const CodePoints& cps, std::size_t start, bool ignore_case) {
    if (cps.At(start) != '\'') return 0;
    const auto fold = [&](std::size_t index) {
        return ignore_case ? AsciiLower(cps.At(index)) : cps.At(index);
    };
    const char32_t first = fold(start + 1);
    if (first == 's' || first == 't' || first == 'm' || first == 'd') return 2;
    const char32_t second = fold(start + 2);
    if ((first == 'r' && second == 'e') || (first == 'v' && second == 'e') ||
        (first == 'l' && second == 'l')) {
        return 3;
    }
    return 0;
}

// Greedy run of code points satisfying `pred` from `start`.
template <typename Pred>
std::size_t Run(const CodePoints& cps, std::size_t start, Pred pred) {
    std::size_t end = start;
    while (end < cps.size() && pred(cps.values[end])) ++end;
    return end - start;
}

// ' ?X+' where X is `pred`: with the space first; without it the first char would have to be
// both ' ' and X, which no class here allows, so there is nothing to backtrack to.
template <typename Pred>
std::size_t MatchSpaceThenRun(const CodePoints& cps, std::size_t start, Pred pred) {
    const std::size_t skip = cps.At(start) == ' ' ? 1 : 0;
    const std::size_t run = Run(cps, start + skip, pred);
    return run == 0 ? 0 : skip + run;
}

// \s+(?!\S) then \s+. Greedy \s+ stops at the end of the whitespace run; if the text ends there
// the look-ahead holds. Otherwise a non-space follows, and backtracking one code point puts a
// whitespace char after the match, so \s+(?!\S) takes the run minus its last code point (when
// that leaves at least one). A run of one falls through to plain \s+.
std::size_t MatchTrailingWhitespace(const CodePoints& cps, std::size_t start) {
    const std::size_t run = Run(cps, start, IsWhitespace);
    if (run == 0) return 0;
    if (start + run == cps.size()) return run;
    return run >= 2 ? run - 1 : run;
}

// Llama 3, alternative by alternative.
std::size_t MatchLlama3(const CodePoints& cps, std::size_t start) {
    if (std::size_t length = MatchContraction(cps, start, /*ignore_case=*/true)) return length;
    // [^\r\n\p{L}\p{N}]?\p{L}+
    const char32_t first = cps.At(start);
    if (IsLetter(first)) return Run(cps, start, IsLetter);
    if (!IsNewline(first) && !IsNumber(first)) {
        const std::size_t letters = Run(cps, start + 1, IsLetter);
        if (letters > 0) return 1 + letters;
    }
    // \p{N}{1,3}
    if (IsNumber(first)) {
        std::size_t length = 1;
        while (length < 3 && IsNumber(cps.At(start + length))) ++length;
        return length;
    }
    // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    if (std::size_t length = MatchSpaceThenRun(cps, start, IsOther)) {
        return length + Run(cps, start + length, IsNewline);
    }
    // \s*[\r\n]+: \s* backtracks from the end of the whitespace run until [\r\n]+ can match,
    // i.e. to the last \r or \n of the run; the greedy [\r\n]+ then ends right after it.
    const std::size_t run = Run(cps, start, IsWhitespace);
    for (std::size_t length = run; length > 0; --length) {
        if (IsNewline(cps.values[start + length - 1])) return length;
    }
    return MatchTrailingWhitespace(cps, start);
}

// GPT-2, alternative by alternative (case-sensitive contractions, unbounded digit runs).
std::size_t MatchGpt2(const CodePoints& cps, std::size_t start) {
    if (std::size_t length = MatchContraction(cps, start, /*ignore_case=*/false)) return length;
    if (std::size_t length = MatchSpaceThenRun(cps, start, IsLetter)) return length;
    if (std::size_t length = MatchSpaceThenRun(cps, start, IsNumber)) return length;
    if (std::size_t length = MatchSpaceThenRun(cps, start, IsOther)) return length;
    return MatchTrailingWhitespace(cps, start);
}

}  // namespace

void PreTokenize(PreTokenizerKind kind, std::string_view text,
                 std::vector<std::string_view>& pieces) {
    const CodePoints cps = Decode(text);
    std::size_t start = 0;
    while (start < cps.size()) {
        std::size_t length =
            kind == PreTokenizerKind::kLlama3 ? MatchLlama3(cps, start) : MatchGpt2(cps, start);
        // Every code point is a letter, number, whitespace or other, so some alternative
        // matched; the guard only keeps the loop finite if that reasoning were wrong.
        if (length == 0) length = 1;
        const std::size_t end = start + length;
        pieces.push_back(text.substr(cps.offsets[start], cps.offsets[end] - cps.offsets[start]));
        start = end;
    }
}

}  // namespace actcache::tokenizer
