#include "pile_corpus.h"

#include <zstd.h>

#include <vector>

#include "core/file_util.h"
#include "core/json.h"
#include "core/random.h"

namespace actcache::bench {
namespace {

constexpr const char* kWords[] = {
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be",
    "by", "on", "not", "he", "this", "are", "or", "his", "from", "at", "which", "but", "have",
    "an", "had", "they", "you", "were", "their", "one", "all", "we", "can", "her", "has",
    "model", "function", "return", "value", "data", "results", "patients", "study", "court",
    "equation", "theorem", "protein", "cells", "energy", "market", "code", "int", "void",
    "café", "naïve", "Zürich", "東京", "данные", "λόγος", "über", "straße", "emoji😀",
    "1998", "42", "3.14", "(see", "Fig.", "2)", "e.g.,", "i.e.", "—", "\"quoted\"", "C:\\path",
};
constexpr const char* kSets[] = {"Pile-CC", "PubMed Central", "ArXiv", "Github", "FreeLaw",
                                 "StackExchange", "Wikipedia (en)", "USPTO Backgrounds"};

std::string Document(SplitMix64& rng) {
    // Lengths: mostly a few hundred words, sometimes long (the Pile's heavy tail).
    const std::uint64_t roll = rng.Next() % 100;
    const std::int64_t words = roll < 70   ? 50 + static_cast<std::int64_t>(rng.Next() % 600)
                               : roll < 95 ? 600 + static_cast<std::int64_t>(rng.Next() % 3000)
                                           : 3000 + static_cast<std::int64_t>(rng.Next() % 20000);
    std::string text;
    constexpr std::size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);
    for (std::int64_t i = 0; i < words; ++i) {
        const std::uint64_t a = rng.Next() % kWordCount, b = rng.Next() % kWordCount;
        text += kWords[std::min(a, b)];  // Zipf-like
        const std::uint64_t sep = rng.Next() % 40;
        text += sep == 0 ? "\n\n" : sep == 1 ? ".\n" : sep < 4 ? ", " : sep < 6 ? ". " : " ";
    }
    return text;
}

}  // namespace

Result<std::int64_t> WritePileCorpus(const std::string& path, const PileCorpusOptions& options) {
    ACT_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(path));
    SplitMix64 rng(options.seed);
    std::int64_t total = 0;
    std::string frame;
    std::vector<char> compressed;
    auto flush = [&]() -> Status {
        compressed.resize(ZSTD_compressBound(frame.size()));
        const std::size_t n = ZSTD_compress(compressed.data(), compressed.size(), frame.data(),
                                            frame.size(), 3);
        if (ZSTD_isError(n)) return Status::Internal(ZSTD_getErrorName(n));
        ACT_RETURN_IF_ERROR(file.Append(std::as_bytes(std::span(compressed.data(), n))));
        frame.clear();
        return Status::Ok();
    };
    while (total < options.uncompressed_bytes) {
        std::string line = "{\"text\": ";
        AppendJsonString(Document(rng), line);
        line += ", \"meta\": {\"pile_set_name\": ";
        AppendJsonString(kSets[rng.Next() % 8], line);
        line += "}}\n";
        total += static_cast<std::int64_t>(line.size());
        frame += line;
        if (static_cast<std::int64_t>(frame.size()) >= options.frame_bytes) ACT_RETURN_IF_ERROR(flush());
    }
    if (!frame.empty()) ACT_RETURN_IF_ERROR(flush());
    ACT_RETURN_IF_ERROR(file.Commit());
    return total;
}

}  // namespace actcache::bench
