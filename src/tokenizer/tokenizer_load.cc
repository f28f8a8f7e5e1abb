// Tokenizer::Load: validates a tokenizer.json against the supported subset (tokenizer.h) and
// builds the immutable tables. Every refusal names the file and the JSON path. The added tokens
// and post-processor are read in special_tokens_load.cc.
#include <filesystem>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/file_util.h"
#include "core/json.h"
#include "tokenizer/json_fields.h"
#include "tokenizer/sample_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_parts.h"
#include "core/utf8.h"

namespace actcache::tokenizer {
namespace {

// model: BPE over the byte-level alphabet. Fills parts.model and the vocabulary part of
// parts.id_to_token.
Status LoadModel(const Where& where, const JsonValue& root, Tokenizer::Parts& parts) {
    ACT_ASSIGN_OR_RETURN(const JsonValue* model,
                         Member(where, root, "", "model", JsonType::kObject));
    if (model == nullptr) return where.Invalid("model", "missing");
    ACT_ASSIGN_OR_RETURN(const JsonValue* type,
                         Member(where, *model, "model", "type", JsonType::kString));
    if (type != nullptr && type->as_string() != "BPE") {
        return where.Unsupported("model.type",
                                 type->as_string() + " is not supported (only byte-level BPE)");
    }
    ACT_ASSIGN_OR_RETURN(const bool byte_fallback,
                         BoolMember(where, *model, "model", "byte_fallback", false));
    if (byte_fallback) return where.Unsupported("model.byte_fallback", "true is not supported");
    if (const JsonValue* dropout = model->Find("dropout");
        dropout != nullptr && !dropout->is_null()) {
        return where.Unsupported("model.dropout", "BPE dropout is not supported");
    }
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        ACT_ASSIGN_OR_RETURN(const JsonValue* affix,
                             Member(where, *model, "model", key, JsonType::kString));
        if (affix != nullptr && !affix->as_string().empty()) {
            return where.Unsupported(std::string("model.") + key, "not supported");
        }
    }
    ACT_ASSIGN_OR_RETURN(const bool ignore_merges,
                         BoolMember(where, *model, "model", "ignore_merges", false));
    ACT_ASSIGN_OR_RETURN(const bool fuse_unk,
                         BoolMember(where, *model, "model", "fuse_unk", false));

    ACT_ASSIGN_OR_RETURN(const JsonValue* vocab_json,
                         Member(where, *model, "model", "vocab", JsonType::kObject));
    if (vocab_json == nullptr) return where.Invalid("model.vocab", "missing");
    std::unordered_map<std::string, std::int32_t> vocab;
    vocab.reserve(vocab_json->members().size());
    for (const auto& [token, id_json] : vocab_json->members()) {
        ACT_ASSIGN_OR_RETURN(const std::int32_t id,
                             IdValue(where, id_json, "model.vocab[" + Quote(token) + "]"));
        if (token.empty()) return where.Invalid("model.vocab", "empty token string");
        vocab[token] = id;
        if (static_cast<std::size_t>(id) >= parts.id_to_token.size()) {
            parts.id_to_token.resize(static_cast<std::size_t>(id) + 1);
        }
        parts.id_to_token[static_cast<std::size_t>(id)] = token;
    }
    const auto lookup = [&](const std::string& token) -> std::int32_t {
        const auto it = vocab.find(token);
        return it == vocab.end() ? -1 : it->second;
    };

    std::int32_t unk_id = -1;
    ACT_ASSIGN_OR_RETURN(const JsonValue* unk,
                         Member(where, *model, "model", "unk_token", JsonType::kString));
    if (unk != nullptr) {
        unk_id = lookup(unk->as_string());
        if (unk_id < 0) {
            return where.Invalid("model.unk_token", Quote(unk->as_string()) + " not in vocab");
        }
    }

    ACT_ASSIGN_OR_RETURN(const JsonValue* merges_json,
                         Member(where, *model, "model", "merges", JsonType::kArray));
    std::vector<BpeModel::Merge> merges;
    if (merges_json != nullptr) {
        merges.reserve(merges_json->items().size());
        for (std::size_t index = 0; index < merges_json->items().size(); ++index) {
            const JsonValue& item = merges_json->items()[index];
            const std::string path = "model.merges[" + std::to_string(index) + "]";
            std::string left;
            std::string right;
            const std::size_t space = item.is_string() ? item.as_string().find(' ') : 0;
            if (item.is_string() && space != std::string::npos &&
                item.as_string().find(' ', space + 1) == std::string::npos) {
                left = item.as_string().substr(0, space);
                right = item.as_string().substr(space + 1);
            } else if (item.is_array() && item.items().size() == 2 && item.items()[0].is_string() &&
                       item.items()[1].is_string()) {
                left = item.items()[0].as_string();
                right = item.items()[1].as_string();
            } else {
                return where.Invalid(path, "expected \"a b\" or [\"a\", \"b\"]");
            }
            const std::int32_t left_id = lookup(left);
            const std::int32_t right_id = lookup(right);
            const std::int32_t merged_id = lookup(left + right);
            if (left_id < 0 || right_id < 0 || merged_id < 0) {
                const std::string& missing =
                    left_id < 0 ? left : (right_id < 0 ? right : left + right);
                return where.Invalid(path, "token " + Quote(missing) + " is not in model.vocab");
            }
            merges.push_back({left_id, right_id, merged_id});
        }
    }
    parts.model =
        std::make_unique<BpeModel>(std::move(vocab), merges, ignore_merges, unk_id, fuse_unk);
    return Status::Ok();
}

Status CheckNormalizer(const Where& where, const JsonValue& root) {
    const JsonValue* normalizer = root.Find("normalizer");
    if (normalizer == nullptr || normalizer->is_null()) return Status::Ok();
    ACT_ASSIGN_OR_RETURN(const std::string type, TypeOf(where, *normalizer, "normalizer"));
    return where.Unsupported("normalizer.type", type + " is not supported (only null)");
}

// ByteLevel pre-tokenizer: returns use_regex; add_prefix_space must be false.
Result<bool> ByteLevelUseRegex(const Where& where, const JsonValue& node, const std::string& path) {
    ACT_ASSIGN_OR_RETURN(const bool add_prefix_space,
                         BoolMember(where, node, path, "add_prefix_space", true));
    if (add_prefix_space) return where.Unsupported(path + ".add_prefix_space", "true");
    return BoolMember(where, node, path, "use_regex", true);
}

Result<PreTokenizerKind> LoadPreTokenizer(const Where& where, const JsonValue& root) {
    const JsonValue* node = root.Find("pre_tokenizer");
    if (node == nullptr || node->is_null()) {
        return where.Unsupported("pre_tokenizer", "null: only byte-level BPE is supported");
    }
    ACT_ASSIGN_OR_RETURN(const std::string type, TypeOf(where, *node, "pre_tokenizer"));
    if (type == "ByteLevel") {
        ACT_ASSIGN_OR_RETURN(const bool use_regex,
                             ByteLevelUseRegex(where, *node, "pre_tokenizer"));
        if (!use_regex) {
            return where.Unsupported("pre_tokenizer.use_regex", "false without a Split");
        }
        return PreTokenizerKind::kGpt2;
    }
    const std::string expected = "expected Sequence[Split(Llama 3 regex), ByteLevel] or ByteLevel";
    if (type != "Sequence") return where.Unsupported("pre_tokenizer.type", type + ": " + expected);
    ACT_ASSIGN_OR_RETURN(const JsonValue* steps,
                         Member(where, *node, "pre_tokenizer", "pretokenizers", JsonType::kArray));
    if (steps == nullptr || steps->items().size() != 2) {
        return where.Unsupported("pre_tokenizer.pretokenizers", expected);
    }
    const std::string split_path = "pre_tokenizer.pretokenizers[0]";
    const JsonValue& split = steps->items()[0];
    ACT_ASSIGN_OR_RETURN(const std::string split_type, TypeOf(where, split, split_path));
    if (split_type != "Split") return where.Unsupported(split_path + ".type", split_type);
    ACT_ASSIGN_OR_RETURN(const JsonValue* pattern,
                         Member(where, split, split_path, "pattern", JsonType::kObject));
    const JsonValue* regex = pattern == nullptr ? nullptr : pattern->Find("Regex");
    if (regex == nullptr || !regex->is_string() || regex->as_string() != kLlama3Pattern) {
        return where.Unsupported(
            split_path + ".pattern",
            "only the Llama 3 Regex is supported (got " +
                (regex != nullptr && regex->is_string() ? Quote(regex->as_string())
                                                        : std::string("no Regex")) +
                ")");
    }
    const JsonValue* behavior = split.Find("behavior");
    if (behavior == nullptr || !behavior->is_string() || behavior->as_string() != "Isolated") {
        return where.Unsupported(split_path + ".behavior", "only Isolated is supported");
    }
    ACT_ASSIGN_OR_RETURN(const bool invert, BoolMember(where, split, split_path, "invert", false));
    if (invert) return where.Unsupported(split_path + ".invert", "true is not supported");

    const std::string level_path = "pre_tokenizer.pretokenizers[1]";
    const JsonValue& level = steps->items()[1];
    ACT_ASSIGN_OR_RETURN(const std::string level_type, TypeOf(where, level, level_path));
    if (level_type != "ByteLevel") return where.Unsupported(level_path + ".type", level_type);
    ACT_ASSIGN_OR_RETURN(const bool use_regex, ByteLevelUseRegex(where, level, level_path));
    if (use_regex) return where.Unsupported(level_path + ".use_regex", "true after a Split");
    return PreTokenizerKind::kLlama3;
}

Status CheckDecoder(const Where& where, const JsonValue& root) {
    const JsonValue* node = root.Find("decoder");
    if (node == nullptr || node->is_null()) {
        return where.Unsupported("decoder", "null: only the ByteLevel decoder is supported");
    }
    ACT_ASSIGN_OR_RETURN(const std::string type, TypeOf(where, *node, "decoder"));
    if (type != "ByteLevel") {
        return where.Unsupported("decoder.type", type + " is not supported (only ByteLevel)");
    }
    return Status::Ok();
}

}  // namespace

Tokenizer::Tokenizer(Parts parts)
    : model_(std::move(parts.model)),
      added_(std::move(parts.added)),
      pre_tokenizer_(parts.pre_tokenizer),
      template_prefix_(std::move(parts.template_prefix)),
      template_suffix_(std::move(parts.template_suffix)),
      id_to_token_(std::move(parts.id_to_token)),
      is_special_(std::move(parts.is_special)),
      special_ids_(std::move(parts.special_ids)),
      bos_id_(parts.bos_id),
      eos_id_(parts.eos_id) {
    is_special_.resize(id_to_token_.size(), false);
    for (int byte = 0; byte < 256; ++byte) {
        const char32_t symbol = ByteToUnicode(static_cast<std::uint8_t>(byte));
        AppendUtf8(symbol, byte_to_symbol_[static_cast<std::size_t>(byte)]);
        if (symbol_to_byte_.size() <= symbol) symbol_to_byte_.resize(symbol + 1, -1);
        symbol_to_byte_[symbol] = static_cast<std::int16_t>(byte);
    }
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::LoadFromJson(std::string_view json,
                                                           const std::string& file_name) {
    auto root = ParseJson(json);
    if (!root.ok()) {
        return Status::InvalidArgument(file_name + ": " + root.status().message());
    }
    const Where where{file_name};
    if (!root->is_object()) return where.Invalid("$", "expected object");
    Parts parts;
    ACT_RETURN_IF_ERROR(CheckNormalizer(where, *root));
    ACT_ASSIGN_OR_RETURN(parts.pre_tokenizer, LoadPreTokenizer(where, *root));
    ACT_RETURN_IF_ERROR(LoadModel(where, *root, parts));
    ACT_RETURN_IF_ERROR(LoadAddedTokens(where, *root, parts));
    ACT_RETURN_IF_ERROR(LoadPostProcessor(where, *root, parts));
    ACT_RETURN_IF_ERROR(CheckDecoder(where, *root));
    return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(parts)));
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::Load(const std::string& path_or_dir) {
    std::error_code error;
    const std::string path = std::filesystem::is_directory(path_or_dir, error)
                                 ? path_or_dir + "/tokenizer.json"
                                 : path_or_dir;
    ACT_ASSIGN_OR_RETURN(const std::string json, ReadFileToString(path));
    return LoadFromJson(json, path);
}

}  // namespace actcache::tokenizer
