#include "tokenizer/bpe_model.h"

#include <functional>
#include <queue>
#include <utility>

#include "core/utf8.h"

namespace actcache::tokenizer {

BpeModel::BpeModel(std::unordered_map<std::string, std::int32_t> vocab,
                   const std::vector<Merge>& merges, bool ignore_merges, std::int32_t unk_id,
                   bool fuse_unk)
    : vocab_(std::move(vocab)),
      ignore_merges_(ignore_merges),
      unk_id_(unk_id),
      fuse_unk_(fuse_unk) {
    merges_.reserve(merges.size());
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const Merge& merge = merges[rank];
        // A duplicated pair keeps its last rank, as Rust tokenizers' collect() into a HashMap
        // does; real files have no duplicates.
        merges_.insert_or_assign(PairKey(merge.left, merge.right),
                                 RankedMerge{static_cast<std::int32_t>(rank), merge.merged});
    }
}

std::int32_t BpeModel::Find(std::string_view symbol) const {
    const auto it = vocab_.find(std::string(symbol));
    return it == vocab_.end() ? -1 : it->second;
}

void BpeModel::Encode(std::string_view piece, std::vector<std::int32_t>& ids) const {
    if (piece.empty()) return;
    if (ignore_merges_) {
        if (const std::int32_t id = Find(piece); id >= 0) {
            ids.push_back(id);
            return;
        }
    }
    // Initial symbols: one per character.
    std::vector<std::int32_t> symbols;
    symbols.reserve(piece.size());
    bool previous_unk = false;
    for (std::size_t pos = 0; pos < piece.size();) {
        std::size_t length = 1;
        DecodeCodePoint(piece, pos, length);
        const std::int32_t id = Find(piece.substr(pos, length));
        pos += length;
        if (id >= 0) {
            symbols.push_back(id);
            previous_unk = false;
        } else if (unk_id_ >= 0) {
            if (!(fuse_unk_ && previous_unk)) symbols.push_back(unk_id_);
            previous_unk = true;
        }
    }
    // Merge loop of Rust tokenizers (models/bpe/word.rs, Word::merge_all): a min-heap of
    // candidate pairs ordered by (rank, position of the left symbol), symbols in a linked list.
    // Equivalent to "merge the lowest-rank pair, leftmost first, until none is left", but
    // O(n log n): a long run of letters (base64, unspaced CJK) is one piece.
    struct Symbol {
        std::int32_t id;
        std::int32_t prev;  // index of the previous live symbol, or -1
        std::int32_t next;  // index of the next live symbol, or -1
        bool live;
    };
    struct Candidate {
        std::int32_t rank;
        std::int32_t pos;  // index of the left symbol
        std::int32_t merged;
        bool operator>(const Candidate& other) const {
            return rank != other.rank ? rank > other.rank : pos > other.pos;
        }
    };
    const auto n_symbols = static_cast<std::int32_t>(symbols.size());
    std::vector<Symbol> list(symbols.size());
    for (std::int32_t index = 0; index < n_symbols; ++index) {
        list[static_cast<std::size_t>(index)] = {symbols[static_cast<std::size_t>(index)],
                                                 index - 1, index + 1 < n_symbols ? index + 1 : -1,
                                                 true};
    }
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
    const auto push_pair = [&](std::int32_t left) {
        const Symbol& symbol = list[static_cast<std::size_t>(left)];
        if (symbol.next < 0) return;
        const auto it =
            merges_.find(PairKey(symbol.id, list[static_cast<std::size_t>(symbol.next)].id));
        if (it != merges_.end()) queue.push({it->second.rank, left, it->second.merged});
    };
    for (std::int32_t index = 0; index + 1 < n_symbols; ++index) push_pair(index);
    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        Symbol& left = list[static_cast<std::size_t>(top.pos)];
        if (!left.live || left.next < 0) continue;
        Symbol& right = list[static_cast<std::size_t>(left.next)];
        // Stale candidate: one of its symbols has changed since it was pushed.
        const auto it = merges_.find(PairKey(left.id, right.id));
        if (it == merges_.end() || it->second.merged != top.merged) continue;
        left.id = top.merged;
        right.live = false;
        left.next = right.next;
        if (right.next >= 0) list[static_cast<std::size_t>(right.next)].prev = top.pos;
        if (left.prev >= 0) push_pair(left.prev);
        push_pair(top.pos);
    }
    for (std::int32_t index = n_symbols > 0 ? 0 : -1; index >= 0;
         index = list[static_cast<std::size_t>(index)].next) {
        ids.push_back(list[static_cast<std::size_t>(index)].id);
    }
}

}  // namespace actcache::tokenizer
