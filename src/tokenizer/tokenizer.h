// A Hugging Face tokenizer.json (byte-level BPE, as Llama 3 and GPT-2 use) loaded into memory,
// producing the same ids as Hugging Face's Rust `tokenizers` (reference/llama32-spec.md §5).
//
// Supported: model BPE over the byte-level alphabet (merges "a b" or ["a","b"], ignore_merges,
// unk_token/fuse_unk), normalizer null, pre_tokenizer Sequence[Split(Llama 3 regex, Isolated),
// ByteLevel(use_regex=false)] or ByteLevel(use_regex=true, add_prefix_space=false), added tokens
// with lstrip/rstrip/single_word/normalized false, post_processor null / ByteLevel /
// TemplateProcessing (optionally inside a Sequence), decoder ByteLevel. Anything else is refused
// at Load with Unimplemented naming the JSON path, never silently approximated.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "tokenizer/added_vocabulary.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/pretokenizer.h"

namespace actcache::tokenizer {

// Immutable after Load; all const methods are thread-safe (no caches, per-call scratch only).
class Tokenizer {
public:
    // Loads `path_or_dir` (a tokenizer.json file, or a directory holding one). Takes about a
    // second for Llama 3's 9 MB file (280,147 merges).
    // Errors: IOError/NotFound from reading; InvalidArgument for malformed JSON or structure,
    // naming the file and the JSON path ("tokenizer.json: model.merges[12]: expected ...");
    // Unimplemented for valid files using features listed above as unsupported.
    static Result<std::unique_ptr<Tokenizer>> Load(const std::string& path_or_dir);
    // The same from the file's text; `file_name` only prefixes messages.
    static Result<std::unique_ptr<Tokenizer>> LoadFromJson(std::string_view json,
                                                           const std::string& file_name);

    Tokenizer(const Tokenizer&) = delete;
    Tokenizer& operator=(const Tokenizer&) = delete;

    // What `tok(text, add_special_tokens=...)` returns: added tokens found in the raw text map
    // to their ids; the gaps are pre-tokenized, byte-level mapped and BPE-encoded; the template
    // (e.g. BOS) is applied when `add_special_tokens`. Ill-formed UTF-8 in `utf8_text` is first
    // replaced as ReplaceInvalidUtf8 does (Python's errors="replace"), so any byte string is
    // accepted and never read out of bounds.
    std::vector<std::int32_t> Encode(std::string_view utf8_text, bool add_special_tokens) const;

    // HF `truncation=True, max_length=N` (longest_first, right side): the text's ids are cut so
    // that, with the template tokens added, the total is `max_length`; template tokens are kept.
    // As in Rust tokenizers, a max_length below the template's token count truncates nothing
    // (checked against the oracle). REQUIRES: max_length >= 0.
    std::vector<std::int32_t> EncodeTruncated(std::string_view utf8_text, bool add_special_tokens,
                                              std::int64_t max_length) const;

    // Ids back to text with the ByteLevel decoder; partial UTF-8 sequences become U+FFFD (Rust's
    // String::from_utf8_lossy). `skip_special_tokens` drops added tokens marked special.
    // InvalidArgument naming the position for an id that is not in the vocabulary (Rust
    // tokenizers silently drops such ids; we treat them as a caller bug worth reporting).
    Result<std::string> Decode(std::span<const std::int32_t> ids, bool skip_special_tokens) const;

    // Every added token marked "special": true, ascending.
    const std::vector<std::int32_t>& special_ids() const { return special_ids_; }
    // bos_id: the first id the single template puts before the text (Llama 3: 128000), else
    // -1. eos_id: the id of a special added token "<|end_of_text|>", "</s>" or "<|endoftext|>"
    // if present, else -1 (tokenizer.json does not name an EOS; tokenizer_config.json does).
    std::int32_t bos_id() const { return bos_id_; }
    std::int32_t eos_id() const { return eos_id_; }
    // One more than the largest id (model vocabulary and added tokens).
    std::int64_t vocab_size() const { return static_cast<std::int64_t>(id_to_token_.size()); }
    // The token text of `id` (byte-level alphabet for model tokens), or "" if unknown.
    std::string_view IdToToken(std::int32_t id) const;

    // Opaque loader state, defined in tokenizer_parts.h (public only so that the loader's
    // helper functions can name it).
    struct Parts;

private:
    explicit Tokenizer(Parts parts);

    // The text's ids without template tokens.
    std::vector<std::int32_t> EncodeSequence(std::string_view utf8_text) const;
    std::vector<std::int32_t> ApplyTemplate(std::vector<std::int32_t> sequence) const;

    std::unique_ptr<BpeModel> model_;
    std::array<std::string, 256> byte_to_symbol_;  // byte -> UTF-8 of its byte-level char
    std::vector<std::int16_t> symbol_to_byte_;     // byte-level code point -> byte, or -1
    AddedVocabulary added_;
    PreTokenizerKind pre_tokenizer_;
    std::vector<std::int32_t> template_prefix_;  // ids before $A in the single template
    std::vector<std::int32_t> template_suffix_;  // ids after $A
    std::vector<std::string> id_to_token_;       // id -> token text ("" for holes)
    std::vector<bool> is_special_;               // id -> added token marked special
    std::vector<std::int32_t> special_ids_;
    std::int32_t bos_id_ = -1;
    std::int32_t eos_id_ = -1;
};

}  // namespace actcache::tokenizer
