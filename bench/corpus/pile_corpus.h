// A generated corpus in the Pile's format, for benchmarks and tests: JSON lines
// {"text": "...", "meta": {"pile_set_name": "..."}} compressed as multi-frame zstd, like
// monology/pile-uncopyrighted's train/*.jsonl.zst. Text is drawn by SplitMix64 from a word list
// with punctuation, newlines, escapes and some non-ASCII, with Pile-like document lengths.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace actcache::bench {

struct PileCorpusOptions {
    std::int64_t uncompressed_bytes = 200 << 20;  // stop after this much JSONL
    std::int64_t frame_bytes = 1 << 20;           // one zstd frame per ~1 MiB of JSONL
    std::uint64_t seed = 0;
};

// Writes the corpus to `path` (zstd). Returns the number of uncompressed JSONL bytes written.
Result<std::int64_t> WritePileCorpus(const std::string& path, const PileCorpusOptions& options);

}  // namespace actcache::bench
