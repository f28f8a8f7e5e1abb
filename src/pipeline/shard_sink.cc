#include "pipeline/shard_sink.h"

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

// One shard on its way to the manifest: its rows (buffered in parallel mode), its file writer,
// the statistics of its rows.
struct ShardSink::Job {
    std::int64_t index = 0;
    std::int64_t rows = 0;
    RowOrigin last_row;
    // The Parquet writer's working memory (lent to `writer`, so declared before it: destroyed
    // after it); null for kArrow.
    std::unique_ptr<dataset::ParquetWriterBuffers> writer_buffers;
    std::unique_ptr<dataset::ShardFileWriter> writer;
    std::vector<dataset::NormStatistics> statistics;
    // Parallel mode: the rows, as AddRow took them, until the encoder writes them.
    std::vector<std::int64_t> doc_ids;
    std::vector<std::int32_t> tok_pos, token_ids;
    std::vector<ByteBuffer> activations;  // per column: rows × row bytes
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
    if (options_.writer_threads > 0) {
        if (!spare_buffers_.empty()) {
            job->activations = std::move(spare_buffers_.back());
            spare_buffers_.pop_back();
        } else {
            for (const dataset::ActivationColumn& column : options_.parquet.activation_columns) {
                job->activations.emplace_back();
                job->activations.back().reserve(static_cast<std::size_t>(options_.shard_size) * RowBytes(column));
            }
        }
        const auto rows = static_cast<std::size_t>(options_.shard_size);
        job->doc_ids.reserve(rows);
        job->tok_pos.reserve(rows);
        job->token_ids.reserve(rows);
    } else {
        job->activations.resize(options_.parquet.activation_columns.size());
    }
    return job;
}

void ShardSink::AddToStatistics(const ShardSinkOptions& options, Job& job,
                                std::span<const std::span<const std::byte>> activations) {
    for (std::size_t c = 0; c < activations.size(); ++c) {
        // Copied out: the row's bytes need not be aligned for the value type.
        const std::size_t n = static_cast<std::size_t>(options.parquet.activation_columns[c].width);
        if (options.parquet.activation_columns[c].type == dataset::ActivationType::kFloat32) {
            job.float_row.resize(n);
            std::memcpy(job.float_row.data(), activations[c].data(), n * 4);
            job.statistics[c].AddRow(std::span<const float>(job.float_row));
        } else {
            job.bits_row.resize(n);
            std::memcpy(job.bits_row.data(), activations[c].data(), n * 2);
            job.statistics[c].AddRow(std::span<const std::uint16_t>(job.bits_row));
        }
    }
}

Status ShardSink::AddRow(const RowOrigin& origin, std::int64_t doc_id, std::int32_t tok_pos, std::int32_t token_id,
                         std::span<const std::span<const std::byte>> activations) {
    ACT_CHECK(origin > last_row_);
    last_row_ = origin;
    if (!open_) open_ = NewJob();
    Job& job = *open_;
    if (options_.writer_threads == 0) {
        if (!job.writer) {
            ACT_ASSIGN_OR_RETURN(job.writer, CreateShardWriter(options_, job.index, job.writer_buffers.get()));
        }
        ACT_RETURN_IF_ERROR(job.writer->AddRow(doc_id, tok_pos, token_id, activations));
        AddToStatistics(options_, job, activations);
    } else {
        job.doc_ids.push_back(doc_id);
        job.tok_pos.push_back(tok_pos);
        job.token_ids.push_back(token_id);
        for (std::size_t c = 0; c < activations.size(); ++c) {
            job.activations[c].insert(job.activations[c].end(), activations[c].begin(), activations[c].end());
        }
    }
    job.last_row = origin;
    ++job.rows;
    ++rows_;
    if (job.rows == options_.shard_size / 2) CrashPoint("shard-half-full");
    if (job.rows >= options_.shard_size) return CloseOpenShard();
    // Commit what the encoders have finished, without waiting.
    while (true) {
        ACT_ASSIGN_OR_RETURN(const bool committed, CommitOldest(false));
        if (!committed) return Status::Ok();
    }
}

Status ShardSink::CloseOpenShard() {
    std::unique_ptr<Job> job = std::move(open_);
    if (options_.writer_threads == 0) {
        ACT_RETURN_IF_ERROR(job->writer->Finish());
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
            ACT_ASSIGN_OR_RETURN(shard.writer, CreateShardWriter(options_, shard.index, shard.writer_buffers.get()));
            std::vector<std::span<const std::byte>> row(shard.activations.size());
            for (std::int64_t i = 0; i < shard.rows; ++i) {
                for (std::size_t c = 0; c < row.size(); ++c) {
                    const std::size_t row_bytes = RowBytes(options_.parquet.activation_columns[c]);
                    row[c] = std::span<const std::byte>(shard.activations[c].data() + static_cast<std::size_t>(i) * row_bytes,
                                                        row_bytes);
                }
                AddToStatistics(options_, shard, row);
            }
            const std::vector<std::span<const std::byte>> columns(shard.activations.begin(), shard.activations.end());
            ACT_RETURN_IF_ERROR(shard.writer->AddRows(shard.doc_ids, shard.tok_pos, shard.token_ids, columns));
            ACT_RETURN_IF_ERROR(shard.writer->Finish());
            CrashPoint("shard-committed");
            return Status::Ok();
        }();
        for (auto& buffer : shard.activations) buffer.clear();  // kept for the next shard (NewJob)
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
    if (options_.writer_threads > 0) spare_buffers_.push_back(std::move(job.activations));
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
