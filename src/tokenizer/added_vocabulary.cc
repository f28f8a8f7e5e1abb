#include "tokenizer/added_vocabulary.h"

namespace actcache::tokenizer {

void AddedVocabulary::Add(const std::string& content, std::int32_t id) {
    std::int32_t node = 0;
    for (const char byte : content) {
        const auto key = static_cast<unsigned char>(byte);
        const auto it = nodes_[node].children.find(key);
        if (it != nodes_[node].children.end()) {
            node = it->second;
            continue;
        }
        const auto next = static_cast<std::int32_t>(nodes_.size());
        nodes_[node].children.emplace(key, next);
        nodes_.emplace_back();
        node = next;
    }
    nodes_[node].id = id;
    first_byte_[static_cast<unsigned char>(content[0])] = true;
}

std::size_t AddedVocabulary::LongestMatch(std::string_view text, std::size_t pos,
                                          std::int32_t& id) const {
    std::size_t best = 0;
    std::int32_t node = 0;
    for (std::size_t end = pos; end < text.size(); ++end) {
        const auto it = nodes_[node].children.find(static_cast<unsigned char>(text[end]));
        if (it == nodes_[node].children.end()) break;
        node = it->second;
        if (nodes_[node].id >= 0) {
            best = end + 1 - pos;
            id = nodes_[node].id;
        }
    }
    return best;
}

std::vector<AddedVocabulary::Segment> AddedVocabulary::Split(std::string_view text) const {
    std::vector<Segment> segments;
    std::size_t gap_start = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::int32_t id = -1;
        const std::size_t length =
            first_byte_[static_cast<unsigned char>(text[pos])] ? LongestMatch(text, pos, id) : 0;
        if (length == 0) {
            ++pos;
            continue;
        }
        if (pos > gap_start) segments.push_back({text.substr(gap_start, pos - gap_start), -1});
        segments.push_back({text.substr(pos, length), id});
        pos += length;
        gap_start = pos;
    }
    if (gap_start < text.size()) segments.push_back({text.substr(gap_start), -1});
    return segments;
}

}  // namespace actcache::tokenizer
