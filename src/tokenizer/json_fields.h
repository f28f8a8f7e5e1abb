// Reading tokenizer.json fields with errors that name the file and the JSON path
// ("tokenizer.json: model.vocab: expected object, found array"). Internal to the loader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/status.h"

namespace actcache::tokenizer {

// Builds "FILE: PATH: what" messages.
struct Where {
    const std::string& file;

    Status Invalid(const std::string& path, const std::string& what) const {
        return Status::InvalidArgument(file + ": " + path + ": " + what);
    }
    Status Unsupported(const std::string& path, const std::string& what) const {
        return Status::Unimplemented(file + ": " + path + ": " + what);
    }
};

// `text` as a JSON string literal, for messages.
std::string Quote(std::string_view text);

// The member `key` of `object` (at JSON path `path`), which must have `type` when present;
// nullptr when absent or null (callers decide whether that is allowed). InvalidArgument on a
// type mismatch, naming path.key.
Result<const JsonValue*> Member(const Where& where, const JsonValue& object,
                                const std::string& path, std::string_view key, JsonType type);

// A boolean member, `default_value` when absent or null.
Result<bool> BoolMember(const Where& where, const JsonValue& object, const std::string& path,
                        std::string_view key, bool default_value);

// The "type" string of the object at `path`; InvalidArgument if not an object or no type.
Result<std::string> TypeOf(const Where& where, const JsonValue& object, const std::string& path);

// A token id: an integer in [0, 2^31 - 1).
Result<std::int32_t> IdValue(const Where& where, const JsonValue& value, const std::string& path);

}  // namespace actcache::tokenizer
