// Extracts one string field from a JSON document without building a document model: the fast
// path for corpus records ({"text": "...", "meta": {...}}), where the text is nearly all the
// bytes and everything else is skipped.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/json.h"
#include "core/status.h"

namespace actcache {

enum class JsonFieldLookup {
    kString,     // found; the decoded string is in *out
    kMissing,    // some key of the path is absent (or a value on the way is not an object)
    kNotString,  // found, but it is not a string; *found_type says what it is
};

// Validates `text` as one complete JSON document with the same grammar and errors as ParseJson
// (Corruption "line L, column C: ..."), and looks up `path` (object keys from the top, e.g.
// {"meta", "body"}). If a key occurs twice the last occurrence wins, as with Python's
// json.loads (duplicates are not rejected here: corpus records are read, not configured). `out` and `found_type` must not be
// null. REQUIRES: !path.empty().
Result<JsonFieldLookup> ExtractJsonStringField(std::string_view text,
                                               std::span<const std::string> path,
                                               std::string* out, JsonType* found_type);

}  // namespace actcache
