// JsonValue: a strict JSON document model, parser and serializer (RFC 8259).
//
// Strict by design, because user files (config.json, safetensors headers, tokenizer.json) must
// be rejected with an error that says where they are wrong: parse errors carry "line L, column
// C", duplicate object keys are an error by default, nesting depth is bounded, strings must be
// valid UTF-8 and may not contain lone surrogate escapes. Object members keep file order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace actcache {

enum class JsonType { kNull, kBool, kNumber, kString, kArray, kObject };

// "null", "boolean", "number", "string", "array", "object".
std::string_view JsonTypeName(JsonType type);

// A JSON value. Copyable value type; one owner, not thread-safe to mutate.
class JsonValue {
public:
    using Member = std::pair<std::string, JsonValue>;

    JsonValue() = default;  // null
    static JsonValue Bool(bool value);
    static JsonValue Number(double value);    // REQUIRES: finite
    static JsonValue Integer(std::int64_t value);
    static JsonValue String(std::string value);
    static JsonValue Array();
    static JsonValue Object();

    JsonType type() const { return type_; }
    bool is_null() const { return type_ == JsonType::kNull; }
    bool is_bool() const { return type_ == JsonType::kBool; }
    bool is_number() const { return type_ == JsonType::kNumber; }
    bool is_string() const { return type_ == JsonType::kString; }
    bool is_array() const { return type_ == JsonType::kArray; }
    bool is_object() const { return type_ == JsonType::kObject; }
    // True for a number written without fraction or exponent that fits in int64.
    bool is_integer() const { return type_ == JsonType::kNumber && is_integer_; }

    // Accessors. REQUIRES: the matching type (is_integer() for as_int64()).
    bool as_bool() const;
    double as_double() const;
    std::int64_t as_int64() const;
    const std::string& as_string() const;
    const std::vector<JsonValue>& items() const;
    const std::vector<Member>& members() const;

    // Object lookup by key (linear scan: objects read by key here are small). nullptr when
    // absent. REQUIRES: is_object(). The pointer lives as long as this value is not mutated.
    const JsonValue* Find(std::string_view key) const;

    // Builders. REQUIRES: is_object() for Set, is_array() for Append. Set replaces an existing
    // key in place or appends a new member.
    JsonValue& Set(std::string key, JsonValue value);
    JsonValue& Append(JsonValue value);

private:
    JsonType type_ = JsonType::kNull;
    bool bool_ = false;
    bool is_integer_ = false;
    double number_ = 0.0;
    std::int64_t integer_ = 0;
    std::string string_;
    std::vector<JsonValue> items_;
    std::vector<Member> members_;

    friend class JsonParser;
};

struct JsonParseOptions {
    bool reject_duplicate_keys = true;
    int max_depth = 512;  // deeper nesting is an error, not a stack overflow
};

// Parses one JSON document (surrounding whitespace allowed). Errors are Corruption with
// "line L, column C: <what>" (the caller prepends the file name).
Result<JsonValue> ParseJson(std::string_view text, const JsonParseOptions& options = {});

// Serializes `value`. indent < 0: compact, no spaces (`{"a":1}`); indent >= 0: Python's
// json.dumps(indent=N) layout (`"key": value`, one member per line). Non-ASCII text is written
// as UTF-8; floats in the shortest form that reads back exactly, with ".0" for integral floats
// (500000.0), as Python writes them.
std::string SerializeJson(const JsonValue& value, int indent = -1);

// Appends `text` as a JSON string literal (with quotes and escapes) to `out`.
void AppendJsonString(std::string_view text, std::string& out);

}  // namespace actcache
