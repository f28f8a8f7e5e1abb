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
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/large_buffer.h"
#include "core/status.h"
#include "dataset/dataset_card.h"
#include "dataset/parquet_shard_writer.h"
#include "dataset/shard_file_writer.h"
#include "pipeline/manifest.h"
#include "pipeline/shard_layout.h"

namespace actcache::pipeline {

// kParquet: OUT/data/train_00003-00000-of-00001.parquet, the layout push_to_hub makes (fanned
// out into sub-folders of data/ for very large runs: shard_layout.h).
// kArrow: OUT/train_00003/ as Dataset.save_to_disk makes it (the seed's local fallback).
enum class ShardFormat { kParquet, kArrow };

struct ShardSinkOptions {
    std::string output_dir;
    std::int64_t shard_size = 50'000;
    int writer_threads = 0;  // see ShardSink
    ShardFormat format = ShardFormat::kParquet;
    std::int64_t shards_per_folder = kMaxShardsPerFolder;  // kParquet: see shard_layout.h
    dataset::ParquetShardOptions parquet;  // its activation_columns serve both formats
    std::vector<std::string> hook_sites;  // one per activation column, for the card
    std::vector<std::pair<std::string, std::string>> card_facts;
};

// Writes README.md and norm_stats.json for the shards and statistics `manifest` records.
Status RewriteDerivedFiles(const ShardSinkOptions& options, const RunManifest& manifest);

// Called after each shard's commit (manifest, card and statistics written), on the thread that
// called AddRows or Finish, in shard order; an error stops the sink (AddRows/Finish return it).
using ShardCommitted = std::function<Status(const RunManifest&)>;

// Rows in corpus order, as the run's compute stage builds them from one batch. They reach the
// sink as a shared, read-only block: the sink keeps slices of it, not copies, until their
// shards are written, and the block's memory is reused once the last reference is gone.
struct RowBlock {
    std::vector<RowOrigin> origins;
    std::vector<std::int64_t> doc_ids;
    std::vector<std::int32_t> tok_pos, token_ids;
    std::vector<ByteBuffer> activations;  // per column: rows × row bytes, row-major, as the column stores them

    std::int64_t rows() const { return static_cast<std::int64_t>(origins.size()); }
};

// One owner, not thread-safe (it runs its own encoder threads when writer_threads > 0).
//
// writer_threads == 0: rows are encoded into the shard file as they arrive, on the caller's
// thread. writer_threads == N > 0: a shard's rows stay in their blocks until it is full; then
// one of up to N encoder threads writes its file while the next shard fills, and shards are
// committed in order as their files complete. This is what lets a GPU's output (a GB/s of rows)
// keep every core compressing; it holds the blocks of up to N + 1 shards of rows in memory.
// Both modes write the same bytes: a shard's file and statistics depend only on its rows, and
// the run's statistics are the shards' merged in order.
class ShardSink {
public:
    // Continues from `manifest` (fresh or loaded for a resume). REQUIRES: manifest.statistics
    // holds one entry per activation column (of matching width).
    ShardSink(ShardSinkOptions options, RunManifest manifest, ShardCommitted on_commit = nullptr);
    ~ShardSink();  // waits for the encoder threads; commits nothing

    // Appends rows [first, first + count) of `block`; a shard is complete at shard_size rows.
    // The sink holds the block until those rows are written into their shard files.
    // REQUIRES: the rows' origins increase, the first past every earlier row's; the block has a
    // buffer of width × bytes per value per row for every activation column.
    Status AddRows(std::shared_ptr<const RowBlock> block, std::int64_t first, std::int64_t count);

    // The run has ended: commits every shard in progress (the last one partial, if it has
    // rows) and marks the manifest complete.
    Status Finish(const std::string& stopped_by, JsonValue limits);

    std::int64_t committed_rows() const { return manifest_.rows; }
    // Rows added so far, committed or not.
    std::int64_t rows() const { return rows_; }
    // Committed shards.
    std::int64_t shards() const { return static_cast<std::int64_t>(manifest_.shards.size()); }
    // Shards that are full (committed or being encoded): what --max-shards counts.
    std::int64_t full_shards() const { return shards() + static_cast<std::int64_t>(encoding_.size()); }
    std::int64_t bytes() const;
    const RunManifest& manifest() const { return manifest_; }

private:
    struct Job;
    struct Slice;

    std::unique_ptr<Job> NewJob();
    // The shard `open_` is full (or the run ends): encode it now, or hand it to an encoder.
    Status CloseOpenShard();
    // Commits the oldest encoding shard, waiting for its encoder when `wait`; false when it was
    // not done (and !wait) or there is none.
    Result<bool> CommitOldest(bool wait);
    Status Commit(Job& job);
    // A committed job's memory goes to the spares, for the next shards.
    void Recycle(Job& job);
    // Writes a slice of rows into the job's file and statistics (on the caller's thread or the
    // job's encoder).
    static Status Encode(const ShardSinkOptions& options, Job& job, const Slice& slice);

    ShardSinkOptions options_;
    RunManifest manifest_;
    ShardCommitted on_commit_;
    std::int64_t rows_ = 0;
    RowOrigin last_row_;                         // of the last row added
    std::unique_ptr<Job> open_;                  // the shard receiving rows, if any
    std::deque<std::unique_ptr<Job>> encoding_;  // full shards not yet committed, oldest first
    // Parquet writers' working memory from committed shards, for the next shards: fresh memory
    // costs a page fault per 4 KB on first touch, more than the encoding that fills it.
    std::vector<std::unique_ptr<dataset::ParquetWriterBuffers>> spare_writer_buffers_;
};

}  // namespace actcache::pipeline
