#include "core/json_scanner.h"

#include <cstdio>
#include <cstring>

#include "core/utf8.h"

namespace actcache {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// True if any of the 8 bytes at p is '"', '\\', a control character (< 0x20) or non-ASCII
// (>= 0x80): the bytes a string scan must stop at. SWAR: a byte b of x is zero iff the high bit
// of (b - 1) & ~b is set; '"' and '\\' are found as zero bytes of x ^ 0x22.. and x ^ 0x5C..,
// control characters as bytes where b - 0x20 borrows.
bool HasSpecialStringByte(const char* p) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ull;
    constexpr std::uint64_t kHigh = 0x8080808080808080ull;
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    const auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
    const std::uint64_t quote = has_zero(x ^ (kOnes * '"'));
    const std::uint64_t backslash = has_zero(x ^ (kOnes * '\\'));
    const std::uint64_t control = (x - kOnes * 0x20) & ~x & kHigh;
    return ((quote | backslash | control) | (x & kHigh)) != 0;
}

}  // namespace

Status JsonScanner::ErrorAt(std::size_t at, std::string_view what) const {
    std::int64_t line = 1, column = 1;
    for (std::size_t i = 0; i < at && i < text_.size(); ++i) {
        if (text_[i] == '\n') {
            ++line;
            column = 1;
        } else if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
            ++column;  // count code points, not UTF-8 continuation bytes
        }
    }
    return Status::Corruption("line " + std::to_string(line) + ", column " +
                              std::to_string(column) + ": " + std::string(what));
}


void JsonScanner::SkipWhitespace() {
    while (pos_ < text_.size()) {
        char c = text_[pos_];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        ++pos_;
    }
}


bool JsonScanner::ConsumeLiteral(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
}


std::string JsonScanner::PrintableChar(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "\\x%02x", u);
    return buffer;
}


Status JsonScanner::ScanHex4(std::uint32_t& out) {
    if (pos_ + 4 > text_.size()) return Error("truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
        int digit = HexValue(text_[pos_ + i]);
        if (digit < 0) return Error("invalid \\u escape");
        out = out * 16 + static_cast<std::uint32_t>(digit);
    }
    pos_ += 4;
    return Status::Ok();
}


// Length of the valid UTF-8 sequence at pos_, or 0 if invalid (overlongs, surrogates and
// code points past U+10FFFF are invalid, as in RFC 3629).
std::size_t JsonScanner::Utf8SequenceLength() const {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text_[pos_ + i]); };
    std::size_t left = text_.size() - pos_;
    unsigned char b0 = byte(0);
    auto cont = [&](std::size_t i) { return i < left && (byte(i) & 0xC0) == 0x80; };
    if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        if (b0 == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
        if (b0 == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
        return 3;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (b0 == 0xF0 && byte(1) < 0x90) return 0;   // overlong
        if (b0 == 0xF4 && byte(1) >= 0x90) return 0;  // > U+10FFFF
        return 4;
    }
    return 0;
}


Status JsonScanner::ScanString(std::string* out) {
    ++pos_;  // opening quote
    if (out != nullptr) out->clear();
    while (true) {
        // Copy the run of plain characters in one go, skipping eight at a time while none is
        // special (the bulk of corpus text).
        std::size_t run_start = pos_;
        while (pos_ + 8 <= text_.size() && !HasSpecialStringByte(text_.data() + pos_)) pos_ += 8;
        while (pos_ < text_.size()) {
            unsigned char c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
            ++pos_;
        }
        if (out != nullptr) out->append(text_.data() + run_start, pos_ - run_start);
        if (pos_ >= text_.size()) return Error("unterminated string");
        unsigned char c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"') {
            ++pos_;
            return Status::Ok();
        }
        if (c < 0x20) return Error("control character in string (must be escaped)");
        if (c >= 0x80) {
            std::size_t length = Utf8SequenceLength();
            if (length == 0) return Error("invalid UTF-8 in string");
            if (out != nullptr) out->append(text_.data() + pos_, length);
            pos_ += length;
            continue;
        }
        // Escape sequence.
        ++pos_;
        if (pos_ >= text_.size()) return Error("unterminated string");
        char e = text_[pos_++];
        switch (e) {
            case '"': if (out != nullptr) *out += '"'; break;
            case '\\': if (out != nullptr) *out += '\\'; break;
            case '/': if (out != nullptr) *out += '/'; break;
            case 'b': if (out != nullptr) *out += '\b'; break;
            case 'f': if (out != nullptr) *out += '\f'; break;
            case 'n': if (out != nullptr) *out += '\n'; break;
            case 'r': if (out != nullptr) *out += '\r'; break;
            case 't': if (out != nullptr) *out += '\t'; break;
            case 'u': {
                std::uint32_t cp = 0;
                ACT_RETURN_IF_ERROR(ScanHex4(cp));
                if (cp >= 0xDC00 && cp <= 0xDFFF) return Error("lone low surrogate in \\u escape");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (!ConsumeLiteral("\\u")) return Error("lone high surrogate in \\u escape");
                    std::uint32_t low = 0;
                    ACT_RETURN_IF_ERROR(ScanHex4(low));
                    if (low < 0xDC00 || low > 0xDFFF) {
                        return Error("high surrogate not followed by a low surrogate");
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                }
                if (out != nullptr) AppendUtf8(cp, *out);
                break;
            }
            default: return Error("invalid escape sequence in string");
        }
    }
}


Status JsonScanner::ScanNumber(std::string_view* literal, bool* is_integer) {
    const std::size_t start = pos_;
    *is_integer = true;
    if (text_[pos_] == '-') ++pos_;
    if (pos_ >= text_.size()) return Error("invalid number");
    if (text_[pos_] == '0') {
        ++pos_;
    } else if (text_[pos_] >= '1' && text_[pos_] <= '9') {
        while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    } else {
        return Error("invalid number");
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
        *is_integer = false;
        ++pos_;
        if (pos_ >= text_.size() || !IsDigit(text_[pos_])) return Error("invalid number");
        while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
        *is_integer = false;
        ++pos_;
        if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
        if (pos_ >= text_.size() || !IsDigit(text_[pos_])) return Error("invalid number");
        while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
    *literal = text_.substr(start, pos_ - start);
    return Status::Ok();
}

}  // namespace actcache
