// The two pre-tokenizer regexes Hugging Face byte-level BPE files use, hand-written: Llama 3's
// Split pattern and GPT-2's ByteLevel(use_regex=true) pattern, with Oniguruma's semantics.
#pragma once

#include <string_view>
#include <vector>

namespace actcache::tokenizer {

// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+   (reference/llama32-spec.md §5.1)
extern const char* const kLlama3Pattern;
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
extern const char* const kGpt2Pattern;

enum class PreTokenizerKind { kLlama3, kGpt2 };

// Appends to `pieces` the consecutive regex matches covering `text` (behavior Isolated: every
// match is one piece; both patterns match every character, so there are no gaps). The pieces
// are views into `text` and live as long as it. An ill-formed UTF-8 byte counts as U+FFFD (a
// "other" symbol); callers repair text first (ReplaceInvalidUtf8), this only guarantees safety.
// Thread-safe (pure function).
void PreTokenize(PreTokenizerKind kind, std::string_view text,
                 std::vector<std::string_view>& pieces);

}  // namespace actcache::tokenizer
