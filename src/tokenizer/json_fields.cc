#include "tokenizer/json_fields.h"

#include <limits>

namespace actcache::tokenizer {

std::string Quote(std::string_view text) {
    std::string out;
    AppendJsonString(text, out);
    return out;
}

// The member `key` of object `object`, which must have type `type` when present; nullptr when
// absent or null (callers decide whether that is allowed).
Result<const JsonValue*> Member(const Where& where, const JsonValue& object,
                                const std::string& path, std::string_view key, JsonType type) {
    const JsonValue* value = object.Find(key);
    if (value == nullptr || value->is_null()) return static_cast<const JsonValue*>(nullptr);
    if (value->type() != type) {
        return where.Invalid((path.empty() ? "" : path + ".") + std::string(key),
                             "expected " + std::string(JsonTypeName(type)) + ", found " +
                                 std::string(JsonTypeName(value->type())));
    }
    return value;
}

Result<bool> BoolMember(const Where& where, const JsonValue& object, const std::string& path,
                        std::string_view key, bool default_value) {
    ACT_ASSIGN_OR_RETURN(const JsonValue* value, Member(where, object, path, key, JsonType::kBool));
    return value == nullptr ? default_value : value->as_bool();
}

Result<std::string> TypeOf(const Where& where, const JsonValue& object, const std::string& path) {
    if (!object.is_object()) return where.Invalid(path, "expected object");
    ACT_ASSIGN_OR_RETURN(const JsonValue* type,
                         Member(where, object, path, "type", JsonType::kString));
    if (type == nullptr) return where.Invalid(path + ".type", "missing");
    return type->as_string();
}

Result<std::int32_t> IdValue(const Where& where, const JsonValue& value, const std::string& path) {
    if (!value.is_integer() || value.as_int64() < 0 ||
        value.as_int64() >= std::numeric_limits<std::int32_t>::max()) {
        return where.Invalid(path, "expected a token id (integer in [0, 2^31 - 1))");
    }
    return static_cast<std::int32_t>(value.as_int64());
}

}  // namespace actcache::tokenizer
