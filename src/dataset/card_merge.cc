#include "dataset/card_merge.h"

#include <utility>
#include <vector>

namespace actcache::dataset {
namespace {

struct SplitCard {
    bool has_front_matter = false;
    std::string front_matter;  // the YAML between the "---" lines, each line with its '\n'
    std::string body;          // everything after the closing "---\n"
};

SplitCard SplitFrontMatter(const std::string& card) {
    SplitCard split;
    if (!card.starts_with("---\n")) {
        split.body = card;
        return split;
    }
    std::size_t line = 4;
    while (line < card.size()) {
        std::size_t end = card.find('\n', line);
        end = end == std::string::npos ? card.size() : end + 1;
        std::string_view text(card.data() + line, end - line);
        if (text == "---\n" || text == "---") {
            split.has_front_matter = true;
            split.front_matter = card.substr(4, line - 4);
            split.body = card.substr(end);
            return split;
        }
        line = end;
    }
    split.body = card;  // no closing line: not front matter after all
    return split;
}

struct Block {
    std::string key;   // "" for lines before the first key (comments)
    std::string text;  // the block's lines
};

// A line that starts a top-level mapping entry: a key at column 0, not a sequence item, comment
// or blank line.
bool StartsBlock(std::string_view line) {
    if (line.empty() || line[0] == ' ' || line[0] == '\t' || line[0] == '-' || line[0] == '#' || line[0] == '\n') {
        return false;
    }
    return line.find(':') != std::string_view::npos;
}

std::string KeyOf(std::string_view line) {
    std::string key(line.substr(0, line.find(':')));
    if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'') && key.back() == key.front()) {
        key = key.substr(1, key.size() - 2);
    }
    return key;
}

std::vector<Block> TopLevelBlocks(const std::string& yaml) {
    std::vector<Block> blocks;
    std::size_t line = 0;
    while (line < yaml.size()) {
        std::size_t end = yaml.find('\n', line);
        end = end == std::string::npos ? yaml.size() : end + 1;
        std::string_view text(yaml.data() + line, end - line);
        if (StartsBlock(text)) {
            blocks.push_back(Block{KeyOf(text), ""});
        } else if (blocks.empty()) {
            blocks.push_back(Block{"", ""});
        }
        blocks.back().text += text;
        if (!blocks.back().text.ends_with('\n')) blocks.back().text += '\n';
        line = end;
    }
    return blocks;
}

// The generated section of a body: [begin, end) offsets, or npos when it has none.
std::pair<std::size_t, std::size_t> GeneratedSection(const std::string& body) {
    const std::size_t begin = body.find(kCardSectionBegin);
    if (begin == std::string::npos) return {std::string::npos, std::string::npos};
    const std::size_t end = body.find(kCardSectionEnd, begin);
    if (end == std::string::npos) return {std::string::npos, std::string::npos};
    return {begin, end + kCardSectionEnd.size()};
}

}  // namespace

std::string MergeDatasetCard(const std::string& ours, const std::string& theirs) {
    const SplitCard new_card = SplitFrontMatter(ours);
    const SplitCard old_card = SplitFrontMatter(theirs);
    const std::vector<Block> new_blocks = TopLevelBlocks(new_card.front_matter);
    const std::vector<Block> old_blocks = TopLevelBlocks(old_card.front_matter);

    auto find = [](const std::vector<Block>& blocks, const std::string& key) -> const Block* {
        for (const Block& block : blocks) {
            if (!key.empty() && block.key == key) return &block;
        }
        return nullptr;
    };
    std::string yaml;
    for (const Block& block : old_blocks) {
        const Block* replacement = find(new_blocks, block.key);
        yaml += replacement != nullptr ? replacement->text : block.text;
    }
    for (const Block& block : new_blocks) {
        if (find(old_blocks, block.key) == nullptr) yaml += block.text;
    }

    // The new card's generated section (all of its body when it has no markers).
    const auto [new_begin, new_end] = GeneratedSection(new_card.body);
    const std::string section = new_begin == std::string::npos
                                    ? new_card.body
                                    : new_card.body.substr(new_begin, new_end - new_begin);
    std::string body = old_card.body;
    const auto [old_begin, old_end] = GeneratedSection(body);
    if (old_begin != std::string::npos) {
        body.replace(old_begin, old_end - old_begin, section);
    } else if (body.find_first_not_of(" \t\n") == std::string::npos) {
        body = new_card.body;
    } else {
        if (!body.ends_with('\n')) body += '\n';
        body += "\n" + section;
    }
    return "---\n" + yaml + "---\n" + body;
}

}  // namespace actcache::dataset
