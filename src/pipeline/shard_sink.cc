#include "pipeline/shard_sink.h"

#include <cstdio>
#include <cstring>

#include "core/crash_point.h"
#include "core/file_util.h"
#include "dataset/save_to_disk_writer.h"

namespace actcache::pipeline {

std::string SplitName(std::int64_t shard_index) {
    char name[32];
    std::snprintf(name, sizeof name, "train_%05lld", static_cast<long long>(shard_index));
    return name;
}

std::string ShardFileName(std::int64_t shard_index) {
    return "data/" + SplitName(shard_index) + "-00000-of-00001.parquet";
}

std::string ArrowShardFileName(std::int64_t shard_index) {
    return SplitName(shard_index) + "/" + dataset::kSaveToDiskDataFile;
}

namespace {

std::string ShardPath(ShardFormat format, std::int64_t shard_index) {
    return format == ShardFormat::kArrow ? ArrowShardFileName(shard_index) : ShardFileName(shard_index);
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
        card.shards.push_back(dataset::ShardInfo{shard.split, shard.rows, shard.bytes});
    }
    ACT_RETURN_IF_ERROR(WriteFileAtomically(options.output_dir + "/README.md", dataset::BuildDatasetCard(card)));
    return WriteFileAtomically(options.output_dir + "/norm_stats.json", NormStatsJson(options, manifest));
}

ShardSink::ShardSink(ShardSinkOptions options, RunManifest manifest)
    : options_(std::move(options)),
      manifest_(std::move(manifest)),
      pending_statistics_(manifest_.statistics),
      pending_last_row_(manifest_.last_row) {
    ACT_CHECK(manifest_.statistics.size() == options_.parquet.activation_columns.size());
}

ShardSink::~ShardSink() = default;

std::int64_t ShardSink::bytes() const {
    std::int64_t total = 0;
    for (const CommittedShard& shard : manifest_.shards) total += shard.bytes;
    return total;
}

Status ShardSink::AddRow(const RowOrigin& origin, std::int64_t doc_id, std::int32_t tok_pos,
                         std::int32_t token_id,
                         std::span<const std::span<const std::byte>> activations) {
    ACT_CHECK(origin > pending_last_row_);
    if (!writer_) {
        if (options_.format == ShardFormat::kArrow) {
            ACT_ASSIGN_OR_RETURN(writer_, dataset::SaveToDiskWriter::Create(
                                              options_.output_dir + "/" + SplitName(shards()),
                                              dataset::ArrowStreamOptions{options_.parquet.activation_columns}));
        } else {
            ACT_RETURN_IF_ERROR(CreateDirectories(options_.output_dir + "/data"));
            ACT_ASSIGN_OR_RETURN(writer_, dataset::ParquetShardWriter::Create(
                                              options_.output_dir + "/" + ShardFileName(shards()),
                                              options_.parquet));
        }
    }
    ACT_RETURN_IF_ERROR(writer_->AddRow(doc_id, tok_pos, token_id, activations));
    for (std::size_t c = 0; c < activations.size(); ++c) {
        // Copied out: the row's bytes need not be aligned for the value type.
        const std::size_t n = static_cast<std::size_t>(options_.parquet.activation_columns[c].width);
        if (options_.parquet.activation_columns[c].type == dataset::ActivationType::kFloat32) {
            float_row_.resize(n);
            std::memcpy(float_row_.data(), activations[c].data(), n * 4);
            pending_statistics_[c].AddRow(std::span<const float>(float_row_));
        } else {
            bits_row_.resize(n);
            std::memcpy(bits_row_.data(), activations[c].data(), n * 2);
            pending_statistics_[c].AddRow(std::span<const std::uint16_t>(bits_row_));
        }
    }
    pending_last_row_ = origin;
    if (writer_->rows() == options_.shard_size / 2) CrashPoint("shard-half-full");
    if (writer_->rows() >= options_.shard_size) return CommitShard();
    return Status::Ok();
}

Status ShardSink::CommitShard() {
    const std::int64_t index = shards();
    ACT_RETURN_IF_ERROR(writer_->Finish());
    CrashPoint("shard-committed");
    manifest_.shards.push_back(CommittedShard{SplitName(index), ShardPath(options_.format, index), writer_->rows(),
                                              writer_->size_bytes(), writer_->sha256()});
    manifest_.rows += writer_->rows();
    manifest_.statistics = pending_statistics_;
    manifest_.last_row = pending_last_row_;
    writer_.reset();
    ACT_RETURN_IF_ERROR(SaveManifest(ManifestPath(options_.output_dir), manifest_));
    CrashPoint("manifest-saved");
    return RewriteDerivedFiles(options_, manifest_);
}

Status ShardSink::Finish(const std::string& stopped_by, JsonValue limits) {
    if (writer_ && writer_->rows() > 0) ACT_RETURN_IF_ERROR(CommitShard());
    manifest_.complete = true;
    manifest_.stopped_by = stopped_by;
    manifest_.limits = std::move(limits);
    ACT_RETURN_IF_ERROR(SaveManifest(ManifestPath(options_.output_dir), manifest_));
    return RewriteDerivedFiles(options_, manifest_);
}

}  // namespace actcache::pipeline
