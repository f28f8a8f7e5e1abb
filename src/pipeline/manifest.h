// RunManifest: what a run has committed and where it stands, in OUT/.actcache/manifest.json.
//
// Written atomically after each shard is committed (so it never names a shard that is not
// complete on disk). A run that stops for any reason — SIGKILL included — restarts from the last
// manifest: the rows after `last_row` are computed again, the statistics continue from the saved
// float64 accumulators, and the resumed run writes the same bytes as one never interrupted.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "dataset/norm_statistics.h"

namespace actcache::pipeline {

// Where a row comes from: document, window of that document, token of that window. Rows are
// written in increasing order of this triple, which is what makes "the rows after X" exact.
struct RowOrigin {
    std::int64_t doc_id = -1;
    std::int64_t window = 0;
    std::int64_t token = 0;
    friend auto operator<=>(const RowOrigin&, const RowOrigin&) = default;
};

struct CommittedShard {
    std::string split;  // "train_00003"
    std::string file;   // relative to OUT: "data/train_00003-00000-of-00001.parquet"
    std::int64_t rows = 0;
    std::int64_t bytes = 0;
    std::string sha256;  // hex
};

struct RunManifest {
    static constexpr int kVersion = 1;

    JsonValue identity;                  // OutputIdentity of the run that wrote it
    std::vector<CommittedShard> shards;  // in order
    std::int64_t rows = 0;               // Σ shards[i].rows
    RowOrigin last_row;                  // origin of the last committed row; doc_id −1: none
    std::vector<dataset::NormStatistics> statistics;  // one per hook, over the committed rows
    bool complete = false;               // the run ended (corpus end or a limit), last shard written
    std::string stopped_by;              // when complete: "end of corpus", "--max-tokens", ...
    JsonValue limits;                    // {"max_tokens", "max_docs", "max_shards"} of that run
    // Facts for readers that do not decide the bytes: {"model", "tokenizer" (absolute path of
    // the tokenizer.json), "seq_len", "keep_partial", "bos_every_window"}; `inspect` uses it.
    JsonValue info;
};

// The manifest's path inside an output folder.
std::string ManifestPath(const std::string& output_dir);

Status SaveManifest(const std::string& path, const RunManifest& manifest);

// NotFound when there is none; Corruption naming the file and field when it is malformed.
Result<RunManifest> LoadManifest(const std::string& path);

}  // namespace actcache::pipeline
