// Unicode character classes used by the pre-tokenizer regexes, with Oniguruma's meaning (the
// engine Hugging Face tokenizers runs): \p{L}, \p{N} and \s.
#pragma once

namespace actcache::tokenizer {

// General category L* (Lu, Ll, Lt, Lm, Lo). Table: unicode_tables.inc (Unicode 16.0, the
// version of the oracle's Oniguruma; see gen_unicode_tables.mjs).
bool IsLetter(char32_t code_point);
// General category N* (Nd, Nl, No): ①, Ⅻ, ² and ٣ are numbers.
bool IsNumber(char32_t code_point);
// Oniguruma's Unicode \s: tab, LF, VT, FF, CR, space, U+0085, U+00A0, U+1680, U+2000..U+200A,
// U+2028, U+2029, U+202F, U+205F, U+3000. Not U+180E, U+200B or U+FEFF
// (reference/llama32-spec.md §5.2).
bool IsWhitespace(char32_t code_point);

}  // namespace actcache::tokenizer
