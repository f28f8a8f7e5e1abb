#include "pipeline/shard_sink.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>

#include "core/crash_point.h"
#include "core/file_util.h"
#include "dataset/save_to_disk_writer.h"

namespace actcache::pipeline {

namespace {

std::string ShardPath(const ShardSinkOptions& options, std::int64_t shard_index) {
    return options.format == ShardFormat::kArrow ? ArrowShardFileName(shard_index)
                                                 : ShardFileName(shard_index, options.shards_per_folder);
}

// norm_stats.json: the first hook's statistics at the top level (the seed's {"tokens", "rms"}
// and more), and every hook's under "hooks", keyed by column name.
std::string NormStatsJson(const ShardSinkOptions& options, const RunManifest& manifest) {
    JsonValue json = manifest.statistics.front().ToJson();
    if (manifest.statistics.size() > 1) {
        JsonValue hooks = JsonValue::Object();
        for (std::size_t i = 0; i < manifest.statistics.size(); ++i) {
            JsonValue entry = manifest.statistics[i].ToJson();
            entry.Set("hook", JsonValue::String(options.hook_sites[i]));
            hooks.Set(options.parquet.activation_columns[i].name, std::move(entry));
        }
        json.Set("hooks", std::move(hooks));
    }
    return SerializeJson(json, 2) + "\n";
}

}  // namespace

Status RewriteDerivedFiles(const ShardSinkOptions& options, const RunManifest& manifest) {
    dataset::CardOptions card;
    card.columns = options.parquet.activation_columns;
    card.facts = options.card_facts;
    card.hook_sites = options.hook_sites;
    card.layout = options.format == ShardFormat::kArrow ? dataset::CardLayout::kSaveToDisk : dataset::CardLayout::kHub;
    for (const CommittedShard& shard : manifest.shards) {
        card.shards.push_back(dataset::ShardInfo{shard.split, shard.file, shard.rows, shard.bytes});
    }
    ACT_RETURN_IF_ERROR(WriteFileAtomically(options.output_dir + "/README.md", dataset::BuildDatasetCard(card)));
    return WriteFileAtomically(options.output_dir + "/norm_stats.json", NormStatsJson(options, manifest));
}

// Rows [first, first + count) of a block.
struct ShardSink::Slice {
    std::shared_ptr<const RowBlock> block;
    std::int64_t first = 0, count = 0;
};

// One shard on its way to the manifest: its rows (slices of blocks, in parallel mode), its file
// writer, the statistics of its rows.
struct ShardSink::Job {
    std::int64_t index = 0;
    std::int64_t rows = 0;
    RowOrigin last_row;
    // The Parquet writer's working memory (lent to `writer`, so declared before it: destroyed
    // after it); null for kArrow.
    std::unique_ptr<dataset::ParquetWriterBuffers> writer_buffers;
    std::unique_ptr<dataset::ShardFileWriter> writer;
    std::vector<dataset::NormStatistics> statistics;
    std::vector<Slice> slices;  // parallel mode: the rows, until the encoder has written them
    // Scratch for one row's values, aligned for the statistics.
    std::vector<std::uint16_t> bits_row;
    std::vector<float> float_row;
    // The encoder's result, valid once `done`.
    Status status;
    std::atomic<bool> done{false};
    std::jthread encoder;  // last: joined first when the job is destroyed
};

namespace {

std::size_t RowBytes(const dataset::ActivationColumn& column) {
    return static_cast<std::size_t>(column.width) * dataset::BytesPerValue(column.type);
}

Result<std::unique_ptr<dataset::ShardFileWriter>> CreateShardWriter(const ShardSinkOptions& options,
                                                                    std::int64_t index,
                                                                    dataset::ParquetWriterBuffers* buffers) {
    if (options.format == ShardFormat::kArrow) {
        ACT_ASSIGN_OR_RETURN(auto writer, dataset::SaveToDiskWriter::Create(
                                              options.output_dir + "/" + SplitName(index),
                                              dataset::ArrowStreamOptions{options.parquet.activation_columns}));
        return std::unique_ptr<dataset::ShardFileWriter>(std::move(writer));
    }
    // The first shard of a sub-folder makes its name durable before its own rename into it is
    // (AtomicFile syncs the folder it renames in, not the folders above). Every shard past the
    // last committed one is removed on resume, so a folder's first shard is always written here.
    const std::string folder = options.output_dir + "/" + ShardFolder(index, options.shards_per_folder);
    ACT_RETURN_IF_ERROR(CreateDirectories(folder));
    if (index > 0 && index % options.shards_per_folder == 0) {
        ACT_RETURN_IF_ERROR(SyncDirectory(options.output_dir + "/data"));
    }
    ACT_ASSIGN_OR_RETURN(auto writer,
                         dataset::ParquetShardWriter::Create(options.output_dir + "/" + ShardPath(options, index),
                                                             options.parquet, nullptr, buffers));
    return std::unique_ptr<dataset::ShardFileWriter>(std::move(writer));
}

}  // namespace

ShardSink::ShardSink(ShardSinkOptions options, RunManifest manifest, ShardCommitted on_commit)
    : options_(std::move(options)), manifest_(std::move(manifest)), on_commit_(std::move(on_commit)) {
    ACT_CHECK(manifest_.statistics.size() == options_.parquet.activation_columns.size());
    rows_ = manifest_.rows;
    last_row_ = manifest_.last_row;
}

ShardSink::~ShardSink() = default;

std::int64_t ShardSink::bytes() const {
    std::int64_t total = 0;
    for (const CommittedShard& shard : manifest_.shards) total += shard.bytes;
    return total;
}

std::unique_ptr<ShardSink::Job> ShardSink::NewJob() {
    auto job = std::make_unique<Job>();
    job->index = full_shards();
    for (const dataset::ActivationColumn& column : options_.parquet.activation_columns) {
        job->statistics.emplace_back(column.width);
    }
    if (options_.format == ShardFormat::kParquet) {
        if (spare_writer_buffers_.empty()) {
            job->writer_buffers = std::make_unique<dataset::ParquetWriterBuffers>();
        } else {
            job->writer_buffers = std::move(spare_writer_buffers_.back());
            spare_writer_buffers_.pop_back();
        }
    }
    return job;
}

Status ShardSink::Encode(const ShardSinkOptions& options, Job& job, const Slice& slice) {
    if (!job.writer) {
        ACT_ASSIGN_OR_RETURN(job.writer, CreateShardWriter(options, job.index, job.writer_buffers.get()));
    }
    const RowBlock& block = *slice.block;
    const auto first = static_cast<std::size_t>(slice.first), count = static_cast<std::size_t>(slice.count);
    std::vector<std::span<const std::byte>> columns;
    for (std::size_t c = 0; c < options.parquet.activation_columns.size(); ++c) {
        const dataset::ActivationColumn& column = options.parquet.activation_columns[c];
        const std::size_t row_bytes = RowBytes(column);
        columns.emplace_back(block.activations[c].data() + first * row_bytes, count * row_bytes);
        // Each row copied out for the statistics: its bytes need not be aligned for the value type.
        const auto n = static_cast<std::size_t>(column.width);
        for (std::size_t r = 0; r < count; ++r) {
            const std::byte* row = columns.back().data() + r * row_bytes;
            if (column.type == dataset::ActivationType::kFloat32) {
                job.float_row.resize(n);
                std::memcpy(job.float_row.data(), row, row_bytes);
                job.statistics[c].AddRow(std::span<const float>(job.float_row));
            } else {
                job.bits_row.resize(n);
                std::memcpy(job.bits_row.data(), row, row_bytes);
                job.statistics[c].AddRow(std::span<const std::uint16_t>(job.bits_row));
            }
        }
    }
    return job.writer->AddRows(std::span(block.doc_ids).subspan(first, count),
                               std::span(block.tok_pos).subspan(first, count),
                               std::span(block.token_ids).subspan(first, count), columns);
}

Status ShardSink::AddRows(std::shared_ptr<const RowBlock> block, std::int64_t first, std::int64_t count) {
    ACT_CHECK(first >= 0 && count >= 0 && first + count <= block->rows());
    ACT_CHECK(block->activations.size() == options_.parquet.activation_columns.size());
    for (std::size_t c = 0; c < block->activations.size(); ++c) {
        ACT_CHECK(block->activations[c].size() >= static_cast<std::size_t>(first + count) *
                                                      RowBytes(options_.parquet.activation_columns[c]));
    }
    for (std::int64_t r = first; r < first + count; ++r) {
        ACT_CHECK(block->origins[static_cast<std::size_t>(r)] > last_row_);
        last_row_ = block->origins[static_cast<std::size_t>(r)];
    }
    while (count > 0) {
        if (!open_) open_ = NewJob();
        Job& job = *open_;
        const Slice slice{block, first, std::min(count, options_.shard_size - job.rows)};
        if (options_.writer_threads == 0) {
            ACT_RETURN_IF_ERROR(Encode(options_, job, slice));
        } else {
            job.slices.push_back(slice);
        }
        const std::int64_t half = options_.shard_size / 2;
        const bool crossed_half = job.rows < half && job.rows + slice.count >= half;
        job.rows += slice.count;
        job.last_row = block->origins[static_cast<std::size_t>(first + slice.count - 1)];
        rows_ += slice.count;
        first += slice.count;
        count -= slice.count;
        if (crossed_half) CrashPoint("shard-half-full");
        if (job.rows >= options_.shard_size) ACT_RETURN_IF_ERROR(CloseOpenShard());
    }
    // Commit what the encoders have finished, without waiting.
    while (true) {
        ACT_ASSIGN_OR_RETURN(const bool committed, CommitOldest(false));
        if (!committed) return Status::Ok();
    }
}

Status ShardSink::CloseOpenShard() {
    std::unique_ptr<Job> job = std::move(open_);
    if (options_.writer_threads == 0) {
        ACT_RETURN_IF_ERROR(job->writer->Finish());  // a job has rows, so Encode made its writer
        CrashPoint("shard-committed");
        ACT_RETURN_IF_ERROR(Commit(*job));
        Recycle(*job);
        return Status::Ok();
    }
    // At most writer_threads encoders at once: wait for the oldest when they are all busy.
    while (static_cast<int>(encoding_.size()) >= options_.writer_threads) {
        ACT_RETURN_IF_ERROR(CommitOldest(true).status());
    }
    Job* encoding = job.get();
    encoding_.push_back(std::move(job));
    encoding->encoder = std::jthread([this, encoding] {
        Job& shard = *encoding;
        shard.status = [&]() -> Status {
            for (const Slice& slice : shard.slices) ACT_RETURN_IF_ERROR(Encode(options_, shard, slice));
            ACT_RETURN_IF_ERROR(shard.writer->Finish());
            CrashPoint("shard-committed");
            return Status::Ok();
        }();
        shard.slices.clear();  // the blocks go back to their owner as soon as they are written
        shard.done.store(true, std::memory_order_release);
    });
    return Status::Ok();
}

Result<bool> ShardSink::CommitOldest(bool wait) {
    if (encoding_.empty()) return false;
    Job& oldest = *encoding_.front();
    if (!wait && !oldest.done.load(std::memory_order_acquire)) return false;
    oldest.encoder.join();
    std::unique_ptr<Job> job = std::move(encoding_.front());
    encoding_.pop_front();
    ACT_RETURN_IF_ERROR(job->status);
    ACT_RETURN_IF_ERROR(Commit(*job));
    Recycle(*job);
    return true;
}

void ShardSink::Recycle(Job& job) {
    job.writer.reset();  // done with its buffers
    if (job.writer_buffers != nullptr) spare_writer_buffers_.push_back(std::move(job.writer_buffers));
}

Status ShardSink::Commit(Job& job) {
    ACT_CHECK(job.index == shards());
    manifest_.shards.push_back(CommittedShard{SplitName(job.index), ShardPath(options_, job.index), job.rows,
                                              job.writer->size_bytes(), job.writer->sha256()});
    manifest_.rows += job.rows;
    for (std::size_t c = 0; c < job.statistics.size(); ++c) {
        ACT_RETURN_IF_ERROR(manifest_.statistics[c].Merge(job.statistics[c]));
    }
    manifest_.last_row = job.last_row;
    ACT_RETURN_IF_ERROR(SaveManifest(ManifestPath(options_.output_dir), manifest_));
    CrashPoint("manifest-saved");
    ACT_RETURN_IF_ERROR(RewriteDerivedFiles(options_, manifest_));
    return on_commit_ ? on_commit_(manifest_) : Status::Ok();
}

Status ShardSink::Finish(const std::string& stopped_by, JsonValue limits) {
    if (open_ && open_->rows > 0) ACT_RETURN_IF_ERROR(CloseOpenShard());
    while (!encoding_.empty()) ACT_RETURN_IF_ERROR(CommitOldest(true).status());
    manifest_.complete = true;
    manifest_.stopped_by = stopped_by;
    manifest_.limits = std::move(limits);
    ACT_RETURN_IF_ERROR(SaveManifest(ManifestPath(options_.output_dir), manifest_));
    return RewriteDerivedFiles(options_, manifest_);
}

}  // namespace actcache::pipeline
