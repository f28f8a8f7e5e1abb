// Loading the special-token side of tokenizer.json: added_tokens and the post-processor's
// template (which special ids `add_special_tokens` puts around the text).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/tokenizer_parts.h"

namespace actcache::tokenizer {

Status LoadAddedTokens(const Where& where, const JsonValue& root, Tokenizer::Parts& parts) {
    ACT_ASSIGN_OR_RETURN(const JsonValue* tokens,
                         Member(where, root, "", "added_tokens", JsonType::kArray));
    if (tokens == nullptr) return Status::Ok();
    for (std::size_t index = 0; index < tokens->items().size(); ++index) {
        const JsonValue& token = tokens->items()[index];
        const std::string path = "added_tokens[" + std::to_string(index) + "]";
        if (!token.is_object()) return where.Invalid(path, "expected object");
        const JsonValue* id_json = token.Find("id");
        if (id_json == nullptr) return where.Invalid(path + ".id", "missing");
        ACT_ASSIGN_OR_RETURN(const std::int32_t id, IdValue(where, *id_json, path + ".id"));
        ACT_ASSIGN_OR_RETURN(const JsonValue* content,
                             Member(where, token, path, "content", JsonType::kString));
        if (content == nullptr || content->as_string().empty()) {
            return where.Invalid(path + ".content", "missing or empty");
        }
        ACT_ASSIGN_OR_RETURN(const bool special, BoolMember(where, token, path, "special", false));
        // Rust tokenizers defaults normalized to !special.
        ACT_ASSIGN_OR_RETURN(const bool normalized,
                             BoolMember(where, token, path, "normalized", !special));
        for (const char* flag : {"lstrip", "rstrip", "single_word"}) {
            ACT_ASSIGN_OR_RETURN(const bool set, BoolMember(where, token, path, flag, false));
            if (set) {
                return where.Unsupported(path + "." + flag, "true is not supported (token " +
                                                                Quote(content->as_string()) + ")");
            }
        }
        if (normalized) {
            return where.Unsupported(path + ".normalized", "true is not supported (token " +
                                                               Quote(content->as_string()) + ")");
        }
        parts.added.Add(content->as_string(), id);
        const auto uid = static_cast<std::size_t>(id);
        if (uid >= parts.id_to_token.size()) parts.id_to_token.resize(uid + 1);
        parts.id_to_token[uid] = content->as_string();
        if (parts.is_special.size() < uid + 1) parts.is_special.resize(uid + 1, false);
        if (special) {
            parts.is_special[uid] = true;
            parts.special_ids.push_back(id);
        }
        const std::string& text = content->as_string();
        if (special && (text == "<|end_of_text|>" || text == "</s>" || text == "<|endoftext|>")) {
            parts.eos_id = id;
        }
    }
    std::sort(parts.special_ids.begin(), parts.special_ids.end());
    parts.special_ids.erase(std::unique(parts.special_ids.begin(), parts.special_ids.end()),
                            parts.special_ids.end());
    return Status::Ok();
}

namespace {

// One TemplateProcessing node: the single template must be [SpecialToken...] $A
// [SpecialToken...]; special tokens resolve through the node's special_tokens map.
Status LoadTemplate(const Where& where, const JsonValue& node, const std::string& path,
                    Tokenizer::Parts& parts) {
    ACT_ASSIGN_OR_RETURN(const JsonValue* single,
                         Member(where, node, path, "single", JsonType::kArray));
    if (single == nullptr) return where.Invalid(path + ".single", "missing");
    ACT_ASSIGN_OR_RETURN(const JsonValue* specials,
                         Member(where, node, path, "special_tokens", JsonType::kObject));
    parts.template_prefix.clear();
    parts.template_suffix.clear();
    bool seen_sequence = false;
    for (std::size_t index = 0; index < single->items().size(); ++index) {
        const JsonValue& piece = single->items()[index];
        const std::string piece_path = path + ".single[" + std::to_string(index) + "]";
        if (!piece.is_object() || piece.members().size() != 1) {
            return where.Invalid(piece_path,
                                 "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
        }
        const auto& [kind, body] = piece.members()[0];
        const JsonValue* name = body.is_object() ? body.Find("id") : nullptr;
        if (name == nullptr || !name->is_string()) {
            return where.Invalid(piece_path + "." + kind + ".id", "expected string");
        }
        if (kind == "Sequence") {
            if (name->as_string() != "A" || seen_sequence) {
                return where.Unsupported(piece_path, "only one $A sequence is supported");
            }
            seen_sequence = true;
            continue;
        }
        if (kind != "SpecialToken") return where.Unsupported(piece_path, kind);
        const JsonValue* entry = specials == nullptr ? nullptr : specials->Find(name->as_string());
        const JsonValue* ids =
            entry != nullptr && entry->is_object() ? entry->Find("ids") : nullptr;
        if (ids == nullptr || !ids->is_array()) {
            return where.Invalid(path + ".special_tokens",
                                 Quote(name->as_string()) + " missing or without ids");
        }
        auto& target = seen_sequence ? parts.template_suffix : parts.template_prefix;
        for (const JsonValue& id_json : ids->items()) {
            ACT_ASSIGN_OR_RETURN(
                const std::int32_t id,
                IdValue(where, id_json,
                        path + ".special_tokens[" + Quote(name->as_string()) + "].ids"));
            target.push_back(id);
        }
    }
    if (!seen_sequence) return where.Invalid(path + ".single", "no $A sequence");
    if (!parts.template_prefix.empty()) parts.bos_id = parts.template_prefix.front();
    return Status::Ok();
}

}  // namespace

Status LoadPostProcessor(const Where& where, const JsonValue& root, Tokenizer::Parts& parts) {
    const JsonValue* node = root.Find("post_processor");
    if (node == nullptr || node->is_null()) return Status::Ok();
    ACT_ASSIGN_OR_RETURN(const std::string type, TypeOf(where, *node, "post_processor"));
    std::vector<std::pair<const JsonValue*, std::string>> steps;
    if (type == "Sequence") {
        ACT_ASSIGN_OR_RETURN(const JsonValue* list, Member(where, *node, "post_processor",
                                                           "processors", JsonType::kArray));
        if (list == nullptr) return where.Invalid("post_processor.processors", "missing");
        for (std::size_t index = 0; index < list->items().size(); ++index) {
            steps.emplace_back(&list->items()[index],
                               "post_processor.processors[" + std::to_string(index) + "]");
        }
    } else {
        steps.emplace_back(node, "post_processor");
    }
    bool seen_template = false;
    for (const auto& [step, path] : steps) {
        ACT_ASSIGN_OR_RETURN(const std::string step_type, TypeOf(where, *step, path));
        if (step_type == "ByteLevel") continue;  // changes offsets only, never ids
        if (step_type != "TemplateProcessing" || seen_template) {
            return where.Unsupported(path + ".type", step_type + " is not supported");
        }
        seen_template = true;
        ACT_RETURN_IF_ERROR(LoadTemplate(where, *step, path, parts));
    }
    return Status::Ok();
}

}  // namespace actcache::tokenizer
