// Added tokens (tokenizer.json "added_tokens"): found in the raw text before pre-tokenization,
// leftmost-longest, as Rust tokenizers' Aho-Corasick split does.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace actcache::tokenizer {

// Immutable after the Add calls; const methods thread-safe.
class AddedVocabulary {
public:
    // A segment of the input: either an added token (id >= 0) or a gap of ordinary text
    // (id == -1) that goes through pre-tokenization and BPE.
    struct Segment {
        std::string_view text;  // view into the text passed to Split
        std::int32_t id;
    };

    // REQUIRES: !content.empty().
    void Add(const std::string& content, std::int32_t id);

    // Splits `text` into segments, choosing at each position the longest added token that
    // starts at the leftmost position where any starts. Views live as long as `text`.
    std::vector<Segment> Split(std::string_view text) const;

private:
    struct Node {
        std::map<unsigned char, std::int32_t> children;  // byte -> node index
        std::int32_t id = -1;                            // token ending here, or -1
    };
    // Length of the longest token starting at text[pos] (0 if none); sets `id`.
    std::size_t LongestMatch(std::string_view text, std::size_t pos, std::int32_t& id) const;

    std::vector<Node> nodes_ = {Node{}};  // byte trie; nodes_[0] is the root
    bool first_byte_[256] = {};           // quick reject for positions no token starts at
};

}  // namespace actcache::tokenizer
