// Encoding and decoding; loading lives in tokenizer_load.cc.
#include "tokenizer/tokenizer.h"

#include <string>
#include <utility>

#include "core/utf8.h"

namespace actcache::tokenizer {

std::vector<std::int32_t> Tokenizer::EncodeSequence(std::string_view utf8_text) const {
    // Repair first (Python's errors="replace"): the corpus pipeline decodes the same way, and
    // afterwards every stage may assume well-formed UTF-8.
    std::string repaired;
    if (!IsValidUtf8(utf8_text)) {
        repaired = ReplaceInvalidUtf8(utf8_text);
        utf8_text = repaired;
    }
    std::vector<std::int32_t> ids;
    std::vector<std::string_view> pieces;
    std::string mapped;
    for (const AddedVocabulary::Segment& segment : added_.Split(utf8_text)) {
        if (segment.id >= 0) {
            ids.push_back(segment.id);
            continue;
        }
        pieces.clear();
        PreTokenize(pre_tokenizer_, segment.text, pieces);
        for (const std::string_view piece : pieces) {
            mapped.clear();
            for (const char byte : piece) {
                mapped += byte_to_symbol_[static_cast<unsigned char>(byte)];
            }
            model_->Encode(mapped, ids);
        }
    }
    return ids;
}

std::vector<std::int32_t> Tokenizer::ApplyTemplate(std::vector<std::int32_t> sequence) const {
    std::vector<std::int32_t> ids = template_prefix_;
    ids.insert(ids.end(), sequence.begin(), sequence.end());
    ids.insert(ids.end(), template_suffix_.begin(), template_suffix_.end());
    return ids;
}

std::vector<std::int32_t> Tokenizer::Encode(std::string_view utf8_text,
                                            bool add_special_tokens) const {
    std::vector<std::int32_t> sequence = EncodeSequence(utf8_text);
    if (!add_special_tokens) return sequence;
    return ApplyTemplate(std::move(sequence));
}

std::vector<std::int32_t> Tokenizer::EncodeTruncated(std::string_view utf8_text,
                                                     bool add_special_tokens,
                                                     std::int64_t max_length) const {
    std::vector<std::int32_t> sequence = EncodeSequence(utf8_text);
    // Rust tokenizers reserves room for the template's tokens before truncating the sequence,
    // and when max_length cannot even hold them it does not truncate at all (observed with the
    // oracle: Llama 3, max_length 0 with add_special_tokens gives the full encoding).
    const std::int64_t n_added =
        add_special_tokens
            ? static_cast<std::int64_t>(template_prefix_.size() + template_suffix_.size())
            : 0;
    if (max_length >= n_added &&
        static_cast<std::int64_t>(sequence.size()) > max_length - n_added) {
        sequence.resize(static_cast<std::size_t>(max_length - n_added));
    }
    if (!add_special_tokens) return sequence;
    return ApplyTemplate(std::move(sequence));
}

std::string_view Tokenizer::IdToToken(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size()) return {};
    return id_to_token_[static_cast<std::size_t>(id)];
}

Result<std::string> Tokenizer::Decode(std::span<const std::int32_t> ids,
                                      bool skip_special_tokens) const {
    std::string bytes;
    for (std::size_t index = 0; index < ids.size(); ++index) {
        const std::int32_t id = ids[index];
        const std::string_view token = IdToToken(id);
        if (token.empty()) {
            return Status::InvalidArgument(
                "Decode: ids[" + std::to_string(index) + "] = " + std::to_string(id) +
                " is not in the vocabulary of " + std::to_string(vocab_size()) + " ids");
        }
        const auto uid = static_cast<std::size_t>(id);
        if (skip_special_tokens && is_special_[uid]) continue;
        // ByteLevel decoder: a token whose every char is in the byte alphabet gives those
        // bytes; any other token (an added token such as "<|eot_id|>" with chars outside it)
        // gives its own UTF-8 bytes, as Rust tokenizers' ByteLevel::decode_chain does.
        std::string token_bytes;
        bool all_mapped = true;
        for (std::size_t pos = 0; pos < token.size();) {
            std::size_t length = 1;
            const char32_t code_point = DecodeCodePoint(token, pos, length);
            pos += length;
            if (code_point >= symbol_to_byte_.size() || symbol_to_byte_[code_point] < 0) {
                all_mapped = false;
                break;
            }
            token_bytes += static_cast<char>(symbol_to_byte_[code_point]);
        }
        bytes += all_mapped ? token_bytes : std::string(token);
    }
    return ReplaceInvalidUtf8(bytes);
}

}  // namespace actcache::tokenizer
