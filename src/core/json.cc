#include "core/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <unordered_set>

#include "core/json_scanner.h"

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
// Parser: recursive descent over JsonScanner's tokens.

class JsonParser {
public:
    JsonParser(std::string_view text, const JsonParseOptions& options)
        : scanner_(text), options_(options) {}

    Result<JsonValue> ParseDocument() {
        JsonValue value;
        scanner_.SkipWhitespace();
        ACT_RETURN_IF_ERROR(ParseValue(value, 0));
        scanner_.SkipWhitespace();
        if (!scanner_.AtEnd()) return scanner_.Error("unexpected text after the JSON value");
        return value;
    }

private:
    Status ParseValue(JsonValue& out, int depth) {
        if (depth > options_.max_depth) return scanner_.Error("nesting deeper than the limit");
        if (scanner_.AtEnd()) return scanner_.Error("unexpected end of input, expected a value");
        const char c = scanner_.Peek();
        switch (c) {
            case '{': return ParseObject(out, depth);
            case '[': return ParseArray(out, depth);
            case '"':
                out.type_ = JsonType::kString;
                return scanner_.ScanString(&out.string_);
            case 't':
                if (!scanner_.ConsumeLiteral("true")) return scanner_.Error("invalid literal");
                out = JsonValue::Bool(true);
                return Status::Ok();
            case 'f':
                if (!scanner_.ConsumeLiteral("false")) return scanner_.Error("invalid literal");
                out = JsonValue::Bool(false);
                return Status::Ok();
            case 'n':
                if (!scanner_.ConsumeLiteral("null")) return scanner_.Error("invalid literal");
                out = JsonValue();
                return Status::Ok();
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber(out);
                return scanner_.Error("unexpected character '" + JsonScanner::PrintableChar(c) + "'");
        }
    }

    Status ParseObject(JsonValue& out, int depth) {
        out = JsonValue::Object();
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
        std::string key;
        return scanner_.ScanObject(&key, [&](std::size_t key_pos) -> Status {
            JsonValue value;
            ACT_RETURN_IF_ERROR(ParseValue(value, depth + 1));
            out.members_.emplace_back(std::move(key), std::move(value));
            if (!options_.reject_duplicate_keys) return Status::Ok();
            const std::size_t last = members.size() - 1;
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
                return scanner_.ErrorAt(key_pos, "duplicate key \"" + members.back().first + "\"");
            }
            return Status::Ok();
        });
    }

    Status ParseArray(JsonValue& out, int depth) {
        out = JsonValue::Array();
        return scanner_.ScanArray([&]() -> Status {
            JsonValue value;
            ACT_RETURN_IF_ERROR(ParseValue(value, depth + 1));
            out.items_.push_back(std::move(value));
            return Status::Ok();
        });
    }

    Status ParseNumber(JsonValue& out) {
        const std::size_t start = scanner_.pos();
        std::string_view literal;
        bool is_integer = false;
        ACT_RETURN_IF_ERROR(scanner_.ScanNumber(&literal, &is_integer));
        const char* first = literal.data();
        const char* last = literal.data() + literal.size();
        out.type_ = JsonType::kNumber;
        double value = 0.0;
        auto [ptr, ec] = std::from_chars(first, last, value);
        if (ec == std::errc::result_out_of_range) return scanner_.ErrorAt(start, "number out of range");
        if (ec != std::errc() || ptr != last) return scanner_.ErrorAt(start, "invalid number");
        out.number_ = value;
        if (is_integer) {
            std::int64_t integer = 0;
            auto [iptr, iec] = std::from_chars(first, last, integer);
            out.is_integer_ = iec == std::errc() && iptr == last;
            out.integer_ = integer;
        }
        return Status::Ok();
    }

    JsonScanner scanner_;
    const JsonParseOptions& options_;
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
