// TokenizerFileInfo: what make-model needs to know about an existing tokenizer.json without
// loading a full tokenizer: the vocabulary extent and the ids of its BOS/EOS tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace actcache::tokenizer {

struct AddedToken {
    std::int64_t id = 0;
    std::string content;
    bool special = false;
};

struct TokenizerFileInfo {
    std::int64_t vocab_size = 0;  // 1 + the largest id in model.vocab and added_tokens
    std::vector<AddedToken> added_tokens;
    std::optional<std::int64_t> bos_id;  // from tokenizer_config.json beside it, else known names
    std::optional<std::int64_t> eos_id;
};

// Reads `tokenizer_json_path` and, when present, the tokenizer_config.json in the same folder
// (its bos_token / eos_token, a string or {"content": ...}). Without that file BOS/EOS are found
// by the usual names (<|begin_of_text|>, <s>, <|endoftext|>; <|end_of_text|>, </s>,
// <|endoftext|>). Errors name the file and the JSON path: "tokenizer.json: model.vocab: expected
// an object", invalid JSON with line and column.
Result<TokenizerFileInfo> ReadTokenizerFileInfo(const std::string& tokenizer_json_path);

}  // namespace actcache::tokenizer
