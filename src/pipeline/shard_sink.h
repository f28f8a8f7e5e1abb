// ShardSink: the end of the pipeline. Rows go in, in order; out come committed shards of
// shard_size rows (Parquet files in the Hub layout, or save_to_disk folders), the statistics
// over them, and after each shard the manifest, the dataset card and norm_stats.json — in that
// order, so that what the manifest names is always on disk and the card and statistics can be
// rebuilt from the manifest alone (RewriteDerivedFiles).
//
// The shard in progress lives only in memory and in its writer's temporary file (or folder): a
// run that stops before the shard is full loses nothing but the work on it, which a resumed run
// redoes.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "dataset/dataset_card.h"
#include "dataset/parquet_shard_writer.h"
#include "dataset/shard_file_writer.h"
#include "pipeline/manifest.h"

namespace actcache::pipeline {

// kParquet: OUT/data/train_00003-00000-of-00001.parquet, the layout push_to_hub makes.
// kArrow: OUT/train_00003/ as Dataset.save_to_disk makes it (the seed's local fallback).
enum class ShardFormat { kParquet, kArrow };

struct ShardSinkOptions {
    std::string output_dir;
    std::int64_t shard_size = 50'000;
    ShardFormat format = ShardFormat::kParquet;
    dataset::ParquetShardOptions parquet;  // its activation_columns serve both formats
    std::vector<std::string> hook_sites;  // one per activation column, for the card
    std::vector<std::pair<std::string, std::string>> card_facts;
};

// "train_00003" and "data/train_00003-00000-of-00001.parquet" (the layout push_to_hub makes).
std::string SplitName(std::int64_t shard_index);
std::string ShardFileName(std::int64_t shard_index);
// "train_00003/data-00000-of-00001.arrow": the data file of a save_to_disk shard folder, the
// name the manifest records for it (the folder is what is committed).
std::string ArrowShardFileName(std::int64_t shard_index);

// Writes README.md and norm_stats.json for the shards and statistics `manifest` records.
Status RewriteDerivedFiles(const ShardSinkOptions& options, const RunManifest& manifest);

// One owner, not thread-safe.
class ShardSink {
public:
    // Continues from `manifest` (fresh or loaded for a resume). REQUIRES: manifest.statistics
    // holds one entry per activation column (of matching width).
    ShardSink(ShardSinkOptions options, RunManifest manifest);
    ~ShardSink();

    // Appends a row (activations: one span per column, as ParquetShardWriter::AddRow takes
    // them); commits the shard when it reaches shard_size rows. REQUIRES: origin greater than
    // every earlier row's.
    Status AddRow(const RowOrigin& origin, std::int64_t doc_id, std::int32_t tok_pos,
                  std::int32_t token_id, std::span<const std::span<const std::byte>> activations);

    // The run has ended: commits the partial shard (if any rows) and marks the manifest complete.
    Status Finish(const std::string& stopped_by, JsonValue limits);

    std::int64_t committed_rows() const { return manifest_.rows; }
    std::int64_t rows() const { return manifest_.rows + (writer_ ? writer_->rows() : 0); }
    std::int64_t shards() const { return static_cast<std::int64_t>(manifest_.shards.size()); }
    std::int64_t bytes() const;
    const RunManifest& manifest() const { return manifest_; }

private:
    Status CommitShard();

    ShardSinkOptions options_;
    RunManifest manifest_;
    std::unique_ptr<dataset::ShardFileWriter> writer_;  // the shard being filled, if any
    std::vector<dataset::NormStatistics> pending_statistics_;  // manifest_'s + the rows of writer_
    RowOrigin pending_last_row_;
    std::vector<std::uint16_t> bits_row_;  // scratch: one row's values, aligned
    std::vector<float> float_row_;
};

}  // namespace actcache::pipeline
