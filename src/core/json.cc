#include "core/json.h"

#include <charconv>
#include <cstdio>
#include <functional>
#include <cmath>
#include <unordered_set>

namespace actcache {

std::string_view JsonTypeName(JsonType type) {
    switch (type) {
        case JsonType::kNull: return "null";
        case JsonType::kBool: return "boolean";
        case JsonType::kNumber: return "number";
        case JsonType::kString: return "string";
        case JsonType::kArray: return "array";
        case JsonType::kObject: return "object";
    }
    return "unknown";
}

JsonValue JsonValue::Bool(bool value) {
    JsonValue v;
    v.type_ = JsonType::kBool;
    v.bool_ = value;
    return v;
}

JsonValue JsonValue::Number(double value) {
    ACT_CHECK(std::isfinite(value));
    JsonValue v;
    v.type_ = JsonType::kNumber;
    v.number_ = value;
    return v;
}

JsonValue JsonValue::Integer(std::int64_t value) {
    JsonValue v;
    v.type_ = JsonType::kNumber;
    v.is_integer_ = true;
    v.integer_ = value;
    v.number_ = static_cast<double>(value);
    return v;
}

JsonValue JsonValue::String(std::string value) {
    JsonValue v;
    v.type_ = JsonType::kString;
    v.string_ = std::move(value);
    return v;
}

JsonValue JsonValue::Array() {
    JsonValue v;
    v.type_ = JsonType::kArray;
    return v;
}

JsonValue JsonValue::Object() {
    JsonValue v;
    v.type_ = JsonType::kObject;
    return v;
}

bool JsonValue::as_bool() const {
    ACT_CHECK(is_bool());
    return bool_;
}
double JsonValue::as_double() const {
    ACT_CHECK(is_number());
    return number_;
}
std::int64_t JsonValue::as_int64() const {
    ACT_CHECK(is_integer());
    return integer_;
}
const std::string& JsonValue::as_string() const {
    ACT_CHECK(is_string());
    return string_;
}
const std::vector<JsonValue>& JsonValue::items() const {
    ACT_CHECK(is_array());
    return items_;
}
const std::vector<JsonValue::Member>& JsonValue::members() const {
    ACT_CHECK(is_object());
    return members_;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
    ACT_CHECK(is_object());
    for (const Member& member : members_) {
        if (member.first == key) return &member.second;
    }
    return nullptr;
}

JsonValue& JsonValue::Set(std::string key, JsonValue value) {
    ACT_CHECK(is_object());
    for (Member& member : members_) {
        if (member.first == key) {
            member.second = std::move(value);
            return member.second;
        }
    }
    members_.emplace_back(std::move(key), std::move(value));
    return members_.back().second;
}

JsonValue& JsonValue::Append(JsonValue value) {
    ACT_CHECK(is_array());
    items_.push_back(std::move(value));
    return items_.back();
}

// ---------------------------------------------------------------------------------------------
// Parser: recursive descent over the text; positions are turned into line:column only on error.

class JsonParser {
public:
    JsonParser(std::string_view text, const JsonParseOptions& options)
        : text_(text), options_(options) {}

    Result<JsonValue> ParseDocument() {
        JsonValue value;
        SkipWhitespace();
        ACT_RETURN_IF_ERROR(ParseValue(value, 0));
        SkipWhitespace();
        if (pos_ != text_.size()) return Error("unexpected text after the JSON value");
        return value;
    }

private:
    Status Error(std::string_view what) const { return ErrorAt(pos_, what); }

    Status ErrorAt(std::size_t at, std::string_view what) const {
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

    void SkipWhitespace() {
        while (pos_ < text_.size()) {
            char c = text_[pos_];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            ++pos_;
        }
    }

    bool ConsumeLiteral(std::string_view literal) {
        if (text_.substr(pos_, literal.size()) != literal) return false;
        pos_ += literal.size();
        return true;
    }

    Status ParseValue(JsonValue& out, int depth) {
        if (depth > options_.max_depth) return Error("nesting deeper than the limit");
        if (pos_ >= text_.size()) return Error("unexpected end of input, expected a value");
        char c = text_[pos_];
        switch (c) {
            case '{': return ParseObject(out, depth);
            case '[': return ParseArray(out, depth);
            case '"':
                out.type_ = JsonType::kString;
                return ParseString(out.string_);
            case 't':
                if (!ConsumeLiteral("true")) return Error("invalid literal");
                out = JsonValue::Bool(true);
                return Status::Ok();
            case 'f':
                if (!ConsumeLiteral("false")) return Error("invalid literal");
                out = JsonValue::Bool(false);
                return Status::Ok();
            case 'n':
                if (!ConsumeLiteral("null")) return Error("invalid literal");
                out = JsonValue();
                return Status::Ok();
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(out);
                return Error(std::string("unexpected character '") + PrintableChar(c) + "'");
        }
    }

    static std::string PrintableChar(char c) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f) return std::string(1, c);
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\x%02x", u);
        return buffer;
    }

    Status ParseObject(JsonValue& out, int depth) {
        out = JsonValue::Object();
        ++pos_;  // '{'
        SkipWhitespace();
        if (pos_ < text_.size() && text_[pos_] == '}') {
            ++pos_;
            return Status::Ok();
        }
        // Duplicate keys: small objects are scanned; once an object grows past kScanLimit
        // (vocabularies) an index set hashes the keys through members_, so it stays valid when
        // the vector reallocates.
        constexpr std::size_t kScanLimit = 16;
        const auto& members = out.members_;
        auto key_hash = [&](std::size_t i) { return std::hash<std::string>()(members[i].first); };
        auto key_equal = [&](std::size_t a, std::size_t b) {
            return members[a].first == members[b].first;
        };
        std::unordered_set<std::size_t, decltype(key_hash), decltype(key_equal)> seen(
            64, key_hash, key_equal);
        while (true) {
            SkipWhitespace();
            if (pos_ >= text_.size() || text_[pos_] != '"') {
                return Error("expected a string key in object");
            }
            std::size_t key_pos = pos_;
            std::string key;
            ACT_RETURN_IF_ERROR(ParseString(key));
            SkipWhitespace();
            if (pos_ >= text_.size() || text_[pos_] != ':') return Error("expected ':' after key");
            ++pos_;
            SkipWhitespace();
            JsonValue value;
            ACT_RETURN_IF_ERROR(ParseValue(value, depth + 1));
            out.members_.emplace_back(std::move(key), std::move(value));
            if (options_.reject_duplicate_keys) {
                std::size_t last = members.size() - 1;
                bool duplicate = false;
                if (members.size() <= kScanLimit) {
                    for (std::size_t i = 0; i < last; ++i) duplicate |= key_equal(i, last);
                } else {
                    if (seen.empty()) {
                        for (std::size_t i = 0; i < last; ++i) seen.insert(i);
                    }
                    duplicate = !seen.insert(last).second;
                }
                if (duplicate) {
                    return ErrorAt(key_pos, "duplicate key \"" + members.back().first + "\"");
                }
            }
            SkipWhitespace();
            if (pos_ >= text_.size()) return Error("unexpected end of input in object");
            if (text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (text_[pos_] == '}') {
                ++pos_;
                return Status::Ok();
            }
            return Error("expected ',' or '}' in object");
        }
    }

    Status ParseArray(JsonValue& out, int depth) {
        out = JsonValue::Array();
        ++pos_;  // '['
        SkipWhitespace();
        if (pos_ < text_.size() && text_[pos_] == ']') {
            ++pos_;
            return Status::Ok();
        }
        while (true) {
            SkipWhitespace();
            JsonValue value;
            ACT_RETURN_IF_ERROR(ParseValue(value, depth + 1));
            out.items_.push_back(std::move(value));
            SkipWhitespace();
            if (pos_ >= text_.size()) return Error("unexpected end of input in array");
            if (text_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (text_[pos_] == ']') {
                ++pos_;
                return Status::Ok();
            }
            return Error("expected ',' or ']' in array");
        }
    }

    Status ParseNumber(JsonValue& out) {
        std::size_t start = pos_;
        bool is_integer = true;
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
            is_integer = false;
            ++pos_;
            if (pos_ >= text_.size() || !IsDigit(text_[pos_])) return Error("invalid number");
            while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            is_integer = false;
            ++pos_;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
            if (pos_ >= text_.size() || !IsDigit(text_[pos_])) return Error("invalid number");
            while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
        }
        const char* first = text_.data() + start;
        const char* last = text_.data() + pos_;
        out.type_ = JsonType::kNumber;
        double value = 0.0;
        auto [ptr, ec] = std::from_chars(first, last, value);
        if (ec == std::errc::result_out_of_range) return ErrorAt(start, "number out of range");
        if (ec != std::errc() || ptr != last) return ErrorAt(start, "invalid number");
        out.number_ = value;
        if (is_integer) {
            std::int64_t integer = 0;
            auto [iptr, iec] = std::from_chars(first, last, integer);
            out.is_integer_ = iec == std::errc() && iptr == last;
            out.integer_ = integer;
        }
        return Status::Ok();
    }

    static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

    static int HexValue(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    Status ParseHex4(std::uint32_t& out) {
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

    static void AppendUtf8(std::uint32_t cp, std::string& out) {
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

    // Length of the valid UTF-8 sequence at pos_, or 0 if invalid (overlongs, surrogates and
    // code points past U+10FFFF are invalid, as in RFC 3629).
    std::size_t Utf8SequenceLength() const {
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

    Status ParseString(std::string& out) {
        ++pos_;  // opening quote
        out.clear();
        while (true) {
            // Copy the run of plain characters in one go.
            std::size_t run_start = pos_;
            while (pos_ < text_.size()) {
                unsigned char c = static_cast<unsigned char>(text_[pos_]);
                if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
                ++pos_;
            }
            out.append(text_.data() + run_start, pos_ - run_start);
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
                out.append(text_.data() + pos_, length);
                pos_ += length;
                continue;
            }
            // Escape sequence.
            ++pos_;
            if (pos_ >= text_.size()) return Error("unterminated string");
            char e = text_[pos_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    std::uint32_t cp = 0;
                    ACT_RETURN_IF_ERROR(ParseHex4(cp));
                    if (cp >= 0xDC00 && cp <= 0xDFFF) return Error("lone low surrogate in \\u escape");
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (!ConsumeLiteral("\\u")) return Error("lone high surrogate in \\u escape");
                        std::uint32_t low = 0;
                        ACT_RETURN_IF_ERROR(ParseHex4(low));
                        if (low < 0xDC00 || low > 0xDFFF) {
                            return Error("high surrogate not followed by a low surrogate");
                        }
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    AppendUtf8(cp, out);
                    break;
                }
                default: return Error("invalid escape sequence in string");
            }
        }
    }

    std::string_view text_;
    const JsonParseOptions& options_;
    std::size_t pos_ = 0;
};

Result<JsonValue> ParseJson(std::string_view text, const JsonParseOptions& options) {
    return JsonParser(text, options).ParseDocument();
}

// ---------------------------------------------------------------------------------------------
// Serializer.

void AppendJsonString(std::string_view text, std::string& out) {
    out += '"';
    for (char ch : text) {
        unsigned char c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20) {
                    char buffer[8];
                    std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
                    out += buffer;
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

namespace {

// Writes a double as Python's repr() does (what json.dumps writes): the shortest digit string
// that reads back exactly, in positional notation when the decimal exponent is in [-4, 16)
// ("500000.0", "0.0001", "1e-05", "1e+16"), otherwise d.ddde[+-]XX.
void AppendDouble(double value, std::string& out) {
    char buffer[64];
    auto result =
        std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
    // text is "[-]d[.ddd]e[+-]XX": split sign, digits and exponent.
    const bool negative = text.front() == '-';
    if (negative) text.remove_prefix(1);
    const std::size_t e_pos = text.find('e');
    std::string digits;
    for (char c : text.substr(0, e_pos)) {
        if (c != '.') digits += c;
    }
    int exponent = 0;
    std::from_chars(text.data() + e_pos + 1 + (text[e_pos + 1] == '+'), text.data() + text.size(),
                    exponent);
    if (negative) out += '-';
    const int n_digits = static_cast<int>(digits.size());
    if (exponent >= -4 && exponent < 16) {
        if (exponent < 0) {
            out += "0.";
            out.append(static_cast<std::size_t>(-exponent - 1), '0');
            out += digits;
        } else if (exponent + 1 >= n_digits) {
            out += digits;
            out.append(static_cast<std::size_t>(exponent + 1 - n_digits), '0');
            out += ".0";
        } else {
            out += digits.substr(0, static_cast<std::size_t>(exponent + 1));
            out += '.';
            out += digits.substr(static_cast<std::size_t>(exponent + 1));
        }
        return;
    }
    out += digits.front();
    if (n_digits > 1) {
        out += '.';
        out += digits.substr(1);
    }
    out += exponent < 0 ? "e-" : "e+";
    const int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude < 10) out += '0';
    out += std::to_string(magnitude);
}

void AppendNumber(const JsonValue& value, std::string& out) {
    if (value.is_integer()) {
        char buffer[32];
        auto result = std::to_chars(buffer, buffer + sizeof buffer, value.as_int64());
        out.append(buffer, result.ptr);
        return;
    }
    AppendDouble(value.as_double(), out);
}

void AppendNewline(int indent, int depth, std::string& out) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<std::size_t>(indent * depth), ' ');
}

void AppendValue(const JsonValue& value, int indent, int depth, std::string& out) {
    switch (value.type()) {
        case JsonType::kNull: out += "null"; return;
        case JsonType::kBool: out += value.as_bool() ? "true" : "false"; return;
        case JsonType::kNumber: AppendNumber(value, out); return;
        case JsonType::kString: AppendJsonString(value.as_string(), out); return;
        case JsonType::kArray: {
            if (value.items().empty()) {
                out += "[]";
                return;
            }
            out += '[';
            bool first = true;
            for (const JsonValue& item : value.items()) {
                if (!first) out += ',';
                first = false;
                AppendNewline(indent, depth + 1, out);
                AppendValue(item, indent, depth + 1, out);
            }
            AppendNewline(indent, depth, out);
            out += ']';
            return;
        }
        case JsonType::kObject: {
            if (value.members().empty()) {
                out += "{}";
                return;
            }
            out += '{';
            bool first = true;
            for (const auto& [key, member] : value.members()) {
                if (!first) out += ',';
                first = false;
                AppendNewline(indent, depth + 1, out);
                AppendJsonString(key, out);
                out += indent < 0 ? ":" : ": ";
                AppendValue(member, indent, depth + 1, out);
            }
            AppendNewline(indent, depth, out);
            out += '}';
            return;
        }
    }
}

}  // namespace

std::string SerializeJson(const JsonValue& value, int indent) {
    std::string out;
    AppendValue(value, indent, 0, out);
    return out;
}

}  // namespace actcache
