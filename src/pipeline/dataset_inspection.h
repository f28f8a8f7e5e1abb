// InspectDataset: the seed's verification step (§15) as a command. Reads a dataset folder that
// `actcache run` wrote — every shard, with actcache's own Parquet reader — and reports:
//
//   the first rows of a split: doc_id, tok_pos, token_id, the decoded token, the first values
//   per-split row counts against the dataset card (and the manifest, with SHA-256 of each file)
//   norm_stats.json, and the same statistics recomputed from the shards
//   histograms: most frequent tokens (decoded), position-in-window coverage, activation-norm
//   quantiles
//   checks, each PASS or FAIL: files and counts agree, no special tokens, rows in (doc_id,
//   tok_pos) order, tok_pos consistent with seq_len, statistics match, list widths
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace actcache::pipeline {

struct InspectOptions {
    std::string split;          // the split whose first rows are shown; empty: the first
    std::int64_t rows = 5;      // rows shown
    std::int64_t values = 8;    // activation values shown per row
    std::int64_t top_tokens = 15;
    std::string tokenizer;      // tokenizer.json or folder; empty: the one the manifest names
};

struct InspectResult {
    std::string report;  // the text to print
    int failed_checks = 0;
};

// Errors (not failed checks): the folder has no dataset card or no shards, a file cannot be
// read or is not Parquet (naming it). A --format arrow output (save_to_disk folders) is
// inspected by InspectSaveToDiskDataset (pipeline/save_to_disk_inspection.h).
Result<InspectResult> InspectDataset(const std::string& dir, const InspectOptions& options);

}  // namespace actcache::pipeline
