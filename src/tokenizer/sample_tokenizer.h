// A small, valid byte-level BPE tokenizer.json in the Llama 3 layout, for generated models.
//
// The vocabulary is the 256 byte symbols (GPT-2 byte-to-unicode alphabet, ids 0..255 in that
// alphabet's order, as GPT-2 and Llama 3 number them), then merges learnt by a tiny
// deterministic BPE trainer on a built-in English word sample, then the special tokens at the
// ids the model config names (BOS, EOS, and reserved specials filling the ids above them, as
// Llama 3 does). The pre-tokenizer, post-processor and decoder are Llama 3's
// (reference/llama32-spec.md §5.1), so the file loads in Hugging Face tokenizers and in ours.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace actcache::tokenizer {

struct SampleTokenizerOptions {
    std::int64_t vocab_size = 512;
    std::int64_t bos_id = 510;
    std::int64_t eos_id = 511;
    std::int64_t model_max_length = 131072;  // written to tokenizer_config.json
};

struct SampleTokenizerFiles {
    std::string tokenizer_json;         // tokenizer.json
    std::string tokenizer_config_json;  // tokenizer_config.json
    std::int64_t n_merges = 0;
};

// Builds both files. The special tokens occupy every id from min(bos_id, eos_id) to
// vocab_size - 1; merges fill the ids from 256 up to there (as many as the trainer finds).
// InvalidArgument when the ids do not fit: bos/eos outside [256, vocab_size), bos == eos.
Result<SampleTokenizerFiles> BuildSampleTokenizer(const SampleTokenizerOptions& options);

// The Llama 3 pre-tokenizer regex (reference/llama32-spec.md §5.1).
extern const char* const kLlama3SplitPattern;

// GPT-2's byte-to-unicode map: the code point that stands for `byte` in byte-level vocabularies.
char32_t ByteToUnicode(std::uint8_t byte);
// The 256 bytes in the alphabet's order (printable ones first); position = byte symbol id.
std::vector<std::uint8_t> ByteSymbolOrder();

}  // namespace actcache::tokenizer
