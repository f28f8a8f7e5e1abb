// Python 3 str semantics on UTF-8 text, for the seed's quality filter: code-point length,
// str.strip(), str.isnumeric() and whether str.upper() changes the text.
//
// The Unicode property tables are generated at build time from the build machine's python3
// (tools/gen_python_unicode_tables.py), so these functions decide exactly as that Python does;
// kPythonUnicodeVersionName says which Unicode version that is.
#pragma once

#include <cstdint>
#include <string_view>

namespace actcache::corpus {

// The Unicode version of the tables ("14.0.0" for Debian 12's Python 3.11).
extern const char* const kPythonUnicodeVersionName;

// Decodes the code point at text[*pos] and advances *pos past it. Invalid or truncated sequences
// decode to U+FFFD one byte at a time (never reading past the end); the corpus replaces invalid
// UTF-8 before text reaches here, so this is only a safety net.
// REQUIRES: *pos < text.size().
char32_t NextCodePoint(std::string_view text, std::size_t* pos);

// len(text) in Python: the number of code points.
std::int64_t CodePointCount(std::string_view text);

// text.strip(): without leading and trailing characters for which str.isspace() is true.
// The result is a view into `text`.
std::string_view PythonStrip(std::string_view text);

// text.isnumeric(): non-empty and every character has Numeric_Type Digit, Decimal or Numeric.
bool PythonIsNumeric(std::string_view text);

// text.upper() != text. str.upper() maps each character independently and never shortens one,
// so the text changes iff some character changes: that is what is computed.
bool PythonUpperChangesText(std::string_view text);

// Single-character properties behind the functions above.
bool PythonIsSpace(char32_t c);
bool PythonIsNumericChar(char32_t c);
bool PythonUpperChangesChar(char32_t c);

}  // namespace actcache::corpus
