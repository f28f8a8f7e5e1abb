// The BPE model of a byte-level tokenizer.json: vocabulary, ranked merges, and the merge loop
// that turns one pre-tokenized, byte-level-mapped piece into ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace actcache::tokenizer {

// Immutable after construction; const methods thread-safe (no caches).
class BpeModel {
public:
    // One merge rule: symbols `left` and `right` (ids) become `merged`; lower rank = earlier
    // in the merges list = applied first.
    struct Merge {
        std::int32_t left;
        std::int32_t right;
        std::int32_t merged;
    };

    // `vocab`: symbol text (byte-level alphabet, UTF-8) -> id. `merges` in file order (rank =
    // index). `unk_id` < 0: none. Symbols missing from the vocabulary are dropped (no unk) or
    // become unk_id, fused with a preceding unk when `fuse_unk` (Rust tokenizers' behaviour).
    BpeModel(std::unordered_map<std::string, std::int32_t> vocab, const std::vector<Merge>& merges,
             bool ignore_merges, std::int32_t unk_id, bool fuse_unk);

    BpeModel(const BpeModel&) = delete;
    BpeModel& operator=(const BpeModel&) = delete;

    // Appends the ids of `piece` (already mapped to the byte-level alphabet, valid UTF-8).
    // With ignore_merges a piece that is itself a vocabulary entry is one token; otherwise
    // start from single characters and repeatedly merge the adjacent pair of lowest rank
    // (leftmost among equal ranks) until no ranked pair remains.
    void Encode(std::string_view piece, std::vector<std::int32_t>& ids) const;

    // The id of `symbol`, or -1.
    std::int32_t Find(std::string_view symbol) const;

    const std::unordered_map<std::string, std::int32_t>& vocab() const { return vocab_; }

private:
    struct RankedMerge {
        std::int32_t rank;
        std::int32_t merged;
    };
    static std::uint64_t PairKey(std::int32_t left, std::int32_t right) {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
               static_cast<std::uint32_t>(right);
    }

    std::unordered_map<std::string, std::int32_t> vocab_;
    std::unordered_map<std::uint64_t, RankedMerge> merges_;  // PairKey(left, right) -> merge
    bool ignore_merges_;
    std::int32_t unk_id_;  // -1: none
    bool fuse_unk_;
};

}  // namespace actcache::tokenizer
