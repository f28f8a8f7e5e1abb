#include "tokenizer/tokenizer_file_info.h"

#include <algorithm>
#include <filesystem>
#include <initializer_list>

#include "core/file_util.h"
#include "core/json.h"

namespace actcache::tokenizer {
namespace {

Result<JsonValue> LoadJson(const std::string& path) {
    ACT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
    Result<JsonValue> json = ParseJson(text);
    if (!json.ok()) return json.status().WithContext(path);
    return json;
}

std::optional<std::int64_t> IdOf(const TokenizerFileInfo& info, const JsonValue& vocab,
                                  const std::string& content) {
    for (const AddedToken& token : info.added_tokens) {
        if (token.content == content) return token.id;
    }
    const JsonValue* id = vocab.Find(content);
    if (id != nullptr && id->is_integer()) return id->as_int64();
    return std::nullopt;
}

// tokenizer_config.json names a token as "text" or {"content": "text", ...}.
std::optional<std::string> TokenContent(const JsonValue& config, const char* key) {
    const JsonValue* value = config.Find(key);
    if (value == nullptr) return std::nullopt;
    if (value->is_string()) return value->as_string();
    if (value->is_object()) {
        const JsonValue* content = value->Find("content");
        if (content != nullptr && content->is_string()) return content->as_string();
    }
    return std::nullopt;
}

}  // namespace

Result<TokenizerFileInfo> ReadTokenizerFileInfo(const std::string& tokenizer_json_path) {
    ACT_ASSIGN_OR_RETURN(JsonValue root, LoadJson(tokenizer_json_path));
    auto error = [&](const std::string& what) {
        return Status::InvalidArgument(tokenizer_json_path + ": " + what);
    };
    if (!root.is_object()) return error("expected a JSON object at the top level");
    const JsonValue* model = root.Find("model");
    if (model == nullptr || !model->is_object()) return error("model: expected an object");
    const JsonValue* vocab = model->Find("vocab");
    if (vocab == nullptr || !vocab->is_object()) return error("model.vocab: expected an object");

    TokenizerFileInfo info;
    std::int64_t max_id = -1;
    for (const auto& [token, id] : vocab->members()) {
        if (!id.is_integer() || id.as_int64() < 0) {
            return error("model.vocab[\"" + token + "\"]: expected a non-negative integer id");
        }
        max_id = std::max(max_id, id.as_int64());
    }
    if (const JsonValue* added = root.Find("added_tokens"); added != nullptr && !added->is_null()) {
        if (!added->is_array()) return error("added_tokens: expected an array");
        for (std::size_t i = 0; i < added->items().size(); ++i) {
            const JsonValue& entry = added->items()[i];
            const std::string where = "added_tokens[" + std::to_string(i) + "]";
            if (!entry.is_object()) return error(where + ": expected an object");
            const JsonValue* id = entry.Find("id");
            const JsonValue* content = entry.Find("content");
            const JsonValue* special = entry.Find("special");
            if (id == nullptr || !id->is_integer() || id->as_int64() < 0) {
                return error(where + ".id: expected a non-negative integer");
            }
            if (content == nullptr || !content->is_string()) {
                return error(where + ".content: expected a string");
            }
            info.added_tokens.push_back(AddedToken{id->as_int64(), content->as_string(),
                                                   special != nullptr && special->is_bool() &&
                                                       special->as_bool()});
            max_id = std::max(max_id, id->as_int64());
        }
    }
    info.vocab_size = max_id + 1;

    std::optional<std::string> bos_name;
    std::optional<std::string> eos_name;
    const std::string config_path =
        (std::filesystem::path(tokenizer_json_path).parent_path() / "tokenizer_config.json")
            .string();
    if (std::filesystem::exists(config_path)) {
        ACT_ASSIGN_OR_RETURN(JsonValue config, LoadJson(config_path));
        if (config.is_object()) {
            bos_name = TokenContent(config, "bos_token");
            eos_name = TokenContent(config, "eos_token");
        }
    }
    auto find_first = [&](std::initializer_list<const char*> names) -> std::optional<std::int64_t> {
        for (const char* name : names) {
            if (auto id = IdOf(info, *vocab, name)) return id;
        }
        return std::nullopt;
    };
    info.bos_id = bos_name ? IdOf(info, *vocab, *bos_name)
                           : find_first({"<|begin_of_text|>", "<s>", "<|endoftext|>"});
    info.eos_id = eos_name ? IdOf(info, *vocab, *eos_name)
                           : find_first({"<|end_of_text|>", "</s>", "<|endoftext|>"});
    return info;
}

}  // namespace actcache::tokenizer
