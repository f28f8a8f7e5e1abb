#include "core/json_field.h"

#include "core/check.h"
#include "core/json_scanner.h"

namespace actcache {
namespace {

constexpr int kMaxDepth = 512;

class FieldExtractor {
public:
    FieldExtractor(std::string_view text, std::span<const std::string> path, std::string* out,
                   JsonType* found_type)
        : scanner_(text), path_(path), out_(out), found_type_(found_type) {}

    Result<JsonFieldLookup> Run() {
        scanner_.SkipWhitespace();
        ACT_RETURN_IF_ERROR(Value(0, /*path_index=*/0));
        scanner_.SkipWhitespace();
        if (!scanner_.AtEnd()) return scanner_.Error("unexpected text after the JSON value");
        return result_;
    }

private:
    // Scans one value. `path_index` is how many keys of the path lead here, or -1 when this
    // value is off the path; when it equals path_.size() this value is the field.
    Status Value(int depth, int path_index) {
        if (depth > kMaxDepth) return scanner_.Error("nesting deeper than the limit");
        if (scanner_.AtEnd()) return scanner_.Error("unexpected end of input, expected a value");
        const bool target = path_index == static_cast<int>(path_.size());
        const char c = scanner_.Peek();
        JsonType type;
        Status status;
        if (c == '{') {
            type = JsonType::kObject;
            status = Object(depth, target ? -1 : path_index);
        } else if (c == '[') {
            type = JsonType::kArray;
            status = Array(depth);
        } else if (c == '"') {
            type = JsonType::kString;
            status = scanner_.ScanString(target ? out_ : nullptr);
        } else if (c == 't' || c == 'f' || c == 'n') {
            type = c == 'n' ? JsonType::kNull : JsonType::kBool;
            const bool ok = scanner_.ConsumeLiteral("true") || scanner_.ConsumeLiteral("false") ||
                            scanner_.ConsumeLiteral("null");
            status = ok ? Status::Ok() : scanner_.Error("invalid literal");
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            type = JsonType::kNumber;
            std::string_view literal;
            bool is_integer = false;
            status = scanner_.ScanNumber(&literal, &is_integer);
        } else {
            return scanner_.Error("unexpected character '" + JsonScanner::PrintableChar(c) + "'");
        }
        if (target && status.ok()) {  // a repeated key: the last one wins, as in json.loads
            *found_type_ = type;
            result_ = type == JsonType::kString ? JsonFieldLookup::kString : JsonFieldLookup::kNotString;
        }
        return status;
    }

    Status Object(int depth, int path_index) {
        return scanner_.ScanObject(&key_, [&](std::size_t) {
            const bool on_path =
                path_index >= 0 && key_ == path_[static_cast<std::size_t>(path_index)];
            return Value(depth + 1, on_path ? path_index + 1 : -1);
        });
    }

    Status Array(int depth) {
        return scanner_.ScanArray([&] { return Value(depth + 1, -1); });
    }

    JsonScanner scanner_;
    std::span<const std::string> path_;
    std::string* out_;
    JsonType* found_type_;
    std::string key_;  // reused for every key
    JsonFieldLookup result_ = JsonFieldLookup::kMissing;
};

}  // namespace

Result<JsonFieldLookup> ExtractJsonStringField(std::string_view text,
                                               std::span<const std::string> path,
                                               std::string* out, JsonType* found_type) {
    ACT_CHECK(!path.empty() && out != nullptr && found_type != nullptr);
    return FieldExtractor(text, path, out, found_type).Run();
}

}  // namespace actcache
