#include "tokenizer/sample_tokenizer.h"

#include <algorithm>
#include <map>
#include <utility>

#include "core/json.h"
#include "core/utf8.h"
#include "core/random.h"

namespace actcache::tokenizer {

const char* const kLlama3SplitPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

namespace {

// Printable bytes keep their own code point in the byte-level alphabet.
bool IsSelfMapped(int byte) {
    return (byte >= 0x21 && byte <= 0x7E) || (byte >= 0xA1 && byte <= 0xAC) ||
           (byte >= 0xAE && byte <= 0xFF);
}

// Training sample: common English words, drawn with Zipf-like weights by a seeded generator so
// that frequent words get merged first, as in a real BPE vocabulary.
constexpr const char* kWords[] = {
    "the", "of", "and", "to", "in", "is", "that", "for", "it", "as", "was", "with", "be", "by",
    "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have", "an",
    "had", "they", "you", "were", "their", "one", "all", "we", "can", "her", "has", "there",
    "been", "if", "more", "when", "will", "would", "who", "so", "no", "she", "other", "its",
    "may", "these", "about", "into", "them", "some", "time", "only", "than", "then", "first",
    "new", "also", "any", "people", "could", "after", "two", "like", "over", "such", "most",
    "made", "where", "between", "through", "under", "world", "model", "language", "token",
    "layer", "activation", "dataset", "training", "number", "during", "because", "without",
    "before", "however", "example", "different", "another", "system", "should", "water",
    "little", "small", "large", "great", "right", "still", "every", "while", "found", "house",
    "night", "under", "never", "place", "thing", "thought", "where", "those", "these", "three",
    "state", "value", "matrix", "vector", "network", "neural", "attention", "sequence", "corpus",
};

std::vector<std::string> BuildTrainingWords() {
    constexpr int kWordCount = sizeof(kWords) / sizeof(kWords[0]);
    std::vector<std::string> words;
    SplitMix64 rng(0x5eed);
    for (int i = 0; i < 20000; ++i) {
        // Zipf-like rank: the minimum of two uniform draws favours the front of the list.
        int a = static_cast<int>(rng.Next() % kWordCount);
        int b = static_cast<int>(rng.Next() % kWordCount);
        words.push_back(kWords[std::min(a, b)]);
    }
    return words;
}

using Symbols = std::vector<std::string>;  // one word as byte-level symbols

// Learns up to `max_merges` merges: repeatedly merge the most frequent adjacent pair (ties:
// the lexicographically smallest pair), the classic BPE training loop.
std::vector<std::pair<std::string, std::string>> TrainMerges(std::int64_t max_merges) {
    std::map<Symbols, std::int64_t> word_counts;
    bool after_space = false;
    for (const std::string& word : BuildTrainingWords()) {
        Symbols symbols;
        std::string text = after_space ? " " + word : word;
        for (unsigned char c : text) {
            std::string symbol;
            AppendUtf8(ByteToUnicode(c), symbol);
            symbols.push_back(symbol);
        }
        ++word_counts[symbols];
        after_space = true;
    }
    std::vector<std::pair<std::string, std::string>> merges;
    while (static_cast<std::int64_t>(merges.size()) < max_merges) {
        std::map<std::pair<std::string, std::string>, std::int64_t> pair_counts;
        for (const auto& [symbols, count] : word_counts) {
            for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
                pair_counts[{symbols[i], symbols[i + 1]}] += count;
            }
        }
        auto best = pair_counts.end();
        for (auto it = pair_counts.begin(); it != pair_counts.end(); ++it) {
            if (best == pair_counts.end() || it->second > best->second) best = it;
        }
        if (best == pair_counts.end()) break;  // every word is a single symbol
        const auto merge = best->first;
        merges.push_back(merge);
        std::map<Symbols, std::int64_t> merged_counts;
        for (const auto& [symbols, count] : word_counts) {
            Symbols out;
            for (std::size_t i = 0; i < symbols.size(); ++i) {
                if (i + 1 < symbols.size() && symbols[i] == merge.first &&
                    symbols[i + 1] == merge.second) {
                    out.push_back(merge.first + merge.second);
                    ++i;
                } else {
                    out.push_back(symbols[i]);
                }
            }
            merged_counts[out] += count;
        }
        word_counts = std::move(merged_counts);
    }
    return merges;
}

JsonValue AddedToken(std::int64_t id, const std::string& content) {
    JsonValue token = JsonValue::Object();
    token.Set("id", JsonValue::Integer(id));
    token.Set("content", JsonValue::String(content));
    token.Set("single_word", JsonValue::Bool(false));
    token.Set("lstrip", JsonValue::Bool(false));
    token.Set("rstrip", JsonValue::Bool(false));
    token.Set("normalized", JsonValue::Bool(false));
    token.Set("special", JsonValue::Bool(true));
    return token;
}

JsonValue ByteLevelStep(bool add_prefix_space, bool trim_offsets, bool use_regex) {
    JsonValue step = JsonValue::Object();
    step.Set("type", JsonValue::String("ByteLevel"));
    step.Set("add_prefix_space", JsonValue::Bool(add_prefix_space));
    step.Set("trim_offsets", JsonValue::Bool(trim_offsets));
    step.Set("use_regex", JsonValue::Bool(use_regex));
    return step;
}

JsonValue TemplatePiece(const char* kind, const std::string& id, int type_id) {
    JsonValue inner = JsonValue::Object();
    inner.Set("id", JsonValue::String(id));
    inner.Set("type_id", JsonValue::Integer(type_id));
    JsonValue piece = JsonValue::Object();
    piece.Set(kind, std::move(inner));
    return piece;
}

JsonValue PostProcessor(const std::string& bos, std::int64_t bos_id) {
    JsonValue single = JsonValue::Array();
    single.Append(TemplatePiece("SpecialToken", bos, 0));
    single.Append(TemplatePiece("Sequence", "A", 0));
    JsonValue pair = JsonValue::Array();
    pair.Append(TemplatePiece("SpecialToken", bos, 0));
    pair.Append(TemplatePiece("Sequence", "A", 0));
    pair.Append(TemplatePiece("SpecialToken", bos, 1));
    pair.Append(TemplatePiece("Sequence", "B", 1));
    JsonValue bos_entry = JsonValue::Object();
    bos_entry.Set("id", JsonValue::String(bos));
    bos_entry.Set("ids", JsonValue::Array()).Append(JsonValue::Integer(bos_id));
    bos_entry.Set("tokens", JsonValue::Array()).Append(JsonValue::String(bos));
    JsonValue special_tokens = JsonValue::Object();
    special_tokens.Set(bos, std::move(bos_entry));

    JsonValue templ = JsonValue::Object();
    templ.Set("type", JsonValue::String("TemplateProcessing"));
    templ.Set("single", std::move(single));
    templ.Set("pair", std::move(pair));
    templ.Set("special_tokens", std::move(special_tokens));
    JsonValue post = JsonValue::Object();
    post.Set("type", JsonValue::String("Sequence"));
    JsonValue& processors = post.Set("processors", JsonValue::Array());
    processors.Append(ByteLevelStep(true, false, true));
    processors.Append(std::move(templ));
    return post;
}

JsonValue PreTokenizer() {
    JsonValue pattern = JsonValue::Object();
    pattern.Set("Regex", JsonValue::String(kLlama3SplitPattern));
    JsonValue split = JsonValue::Object();
    split.Set("type", JsonValue::String("Split"));
    split.Set("pattern", std::move(pattern));
    split.Set("behavior", JsonValue::String("Isolated"));
    split.Set("invert", JsonValue::Bool(false));
    JsonValue pre = JsonValue::Object();
    pre.Set("type", JsonValue::String("Sequence"));
    JsonValue& steps = pre.Set("pretokenizers", JsonValue::Array());
    steps.Append(std::move(split));
    steps.Append(ByteLevelStep(false, true, false));
    return pre;
}

}  // namespace

char32_t ByteToUnicode(std::uint8_t byte) {
    if (IsSelfMapped(byte)) return byte;
    char32_t next = 256;  // the n-th remapped byte (in byte order) becomes U+0100 + n
    for (int b = 0; b < byte; ++b) {
        if (!IsSelfMapped(b)) ++next;
    }
    return next;
}

std::vector<std::uint8_t> ByteSymbolOrder() {
    std::vector<std::uint8_t> order;
    for (int b = 0; b < 256; ++b) {
        if (IsSelfMapped(b)) order.push_back(static_cast<std::uint8_t>(b));
    }
    for (int b = 0; b < 256; ++b) {
        if (!IsSelfMapped(b)) order.push_back(static_cast<std::uint8_t>(b));
    }
    return order;
}

Result<SampleTokenizerFiles> BuildSampleTokenizer(const SampleTokenizerOptions& options) {
    const std::int64_t first_special = std::min(options.bos_id, options.eos_id);
    if (options.bos_id == options.eos_id || first_special < 256 ||
        std::max(options.bos_id, options.eos_id) >= options.vocab_size) {
        return Status::InvalidArgument(
            "sample tokenizer: bos_token_id " + std::to_string(options.bos_id) +
            " and eos_token_id " + std::to_string(options.eos_id) +
            " must differ and lie in [256, vocab_size=" + std::to_string(options.vocab_size) +
            ") (the 256 byte symbols come first)");
    }
    JsonValue vocab = JsonValue::Object();
    std::int64_t next_id = 0;
    for (std::uint8_t byte : ByteSymbolOrder()) {
        std::string symbol;
        AppendUtf8(ByteToUnicode(byte), symbol);
        vocab.Set(symbol, JsonValue::Integer(next_id++));
    }
    JsonValue merges = JsonValue::Array();
    const auto learnt = TrainMerges(first_special - 256);
    for (const auto& [left, right] : learnt) {
        merges.Append(JsonValue::String(left + " " + right));
        // Two merges may build the same string along different paths; it keeps its first id.
        if (vocab.Find(left + right) == nullptr) {
            vocab.Set(left + right, JsonValue::Integer(next_id++));
        }
    }

    const std::string bos = "<|begin_of_text|>";
    const std::string eos = "<|end_of_text|>";
    JsonValue added = JsonValue::Array();
    JsonValue decoder_entries = JsonValue::Object();  // tokenizer_config's added_tokens_decoder
    std::int64_t reserved = 0;
    for (std::int64_t id = first_special; id < options.vocab_size; ++id) {
        std::string content = id == options.bos_id   ? bos
                              : id == options.eos_id ? eos
                                                     : "<|reserved_special_token_" +
                                                           std::to_string(reserved++) + "|>";
        added.Append(AddedToken(id, content));
        JsonValue entry = AddedToken(id, content);
        JsonValue without_id = JsonValue::Object();
        for (const auto& [key, value] : entry.members()) {
            if (key != "id") without_id.Set(key, value);
        }
        decoder_entries.Set(std::to_string(id), std::move(without_id));
    }

    JsonValue model = JsonValue::Object();
    model.Set("type", JsonValue::String("BPE"));
    model.Set("dropout", JsonValue());
    model.Set("unk_token", JsonValue());
    model.Set("continuing_subword_prefix", JsonValue());
    model.Set("end_of_word_suffix", JsonValue());
    model.Set("fuse_unk", JsonValue::Bool(false));
    model.Set("byte_fallback", JsonValue::Bool(false));
    model.Set("ignore_merges", JsonValue::Bool(true));
    model.Set("vocab", std::move(vocab));
    model.Set("merges", std::move(merges));

    JsonValue root = JsonValue::Object();
    root.Set("version", JsonValue::String("1.0"));
    root.Set("truncation", JsonValue());
    root.Set("padding", JsonValue());
    root.Set("added_tokens", std::move(added));
    root.Set("normalizer", JsonValue());
    root.Set("pre_tokenizer", PreTokenizer());
    root.Set("post_processor", PostProcessor(bos, options.bos_id));
    root.Set("decoder", ByteLevelStep(true, true, true));
    root.Set("model", std::move(model));

    JsonValue config = JsonValue::Object();
    config.Set("added_tokens_decoder", std::move(decoder_entries));
    config.Set("bos_token", JsonValue::String(bos));
    config.Set("clean_up_tokenization_spaces", JsonValue::Bool(true));
    config.Set("eos_token", JsonValue::String(eos));
    JsonValue& input_names = config.Set("model_input_names", JsonValue::Array());
    input_names.Append(JsonValue::String("input_ids"));
    input_names.Append(JsonValue::String("attention_mask"));
    config.Set("model_max_length", JsonValue::Integer(options.model_max_length));
    config.Set("tokenizer_class", JsonValue::String("PreTrainedTokenizerFast"));

    SampleTokenizerFiles files;
    files.tokenizer_json = SerializeJson(root, 2) + "\n";
    files.tokenizer_config_json = SerializeJson(config, 2) + "\n";
    files.n_merges = static_cast<std::int64_t>(learnt.size());
    return files;
}

}  // namespace actcache::tokenizer
