// The loader's intermediate state (Tokenizer::Parts) and the loading steps that live outside
// tokenizer_load.cc. Internal to the loader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "tokenizer/json_fields.h"
#include "tokenizer/tokenizer.h"

namespace actcache::tokenizer {

struct Tokenizer::Parts {
    std::unique_ptr<BpeModel> model;
    AddedVocabulary added;
    PreTokenizerKind pre_tokenizer = PreTokenizerKind::kLlama3;
    std::vector<std::int32_t> template_prefix;
    std::vector<std::int32_t> template_suffix;
    std::vector<std::string> id_to_token;
    std::vector<bool> is_special;
    std::vector<std::int32_t> special_ids;
    std::int32_t bos_id = -1;
    std::int32_t eos_id = -1;
};

// added_tokens: fills parts.added, id_to_token, is_special, special_ids and eos_id.
Status LoadAddedTokens(const Where& where, const JsonValue& root, Tokenizer::Parts& parts);

// post_processor: null, ByteLevel, TemplateProcessing or a Sequence of those; fills the
// template ids and bos_id.
Status LoadPostProcessor(const Where& where, const JsonValue& root, Tokenizer::Parts& parts);

}  // namespace actcache::tokenizer
