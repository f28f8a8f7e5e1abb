#include "pipeline/run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/bf16.h"
#include "core/bounded_queue.h"
#include "core/file_util.h"
#include "core/interrupt.h"
#include "core/thread_pool.h"
#include "corpus/source_list.h"
#include "hub/upload.h"
#include "model/config.h"
#include "model/hook_site.h"
#include "model/llama_forward.h"
#include "model/llama_model.h"
#include "pipeline/compute_device.h"
#include "pipeline/model_source.h"
#include "pipeline/progress.h"
#include "pipeline/shard_layout.h"
#include "pipeline/shard_sink.h"
#include "tokenizer/tokenizer.h"

namespace actcache::pipeline {
namespace {

// Windows of one length, run through the model together.
struct WindowBatch {
    std::vector<corpus::Window> windows;
};

// Row blocks (shard_sink.h) for the batches, recycled: a block's memory is mapped already, so
// refilling it costs no page faults (at GPU speed, fresh blocks cost more than the copying into
// them). A block comes back when its last reference goes: the writer's, or with several encoder
// threads the encoder's that wrote its last rows. Blocks are made only when none is spare, so
// their number is what the pipeline holds at once. Thread-safe; must outlive every block.
class RowBlockPool {
public:
    std::shared_ptr<RowBlock> Get() {
        std::unique_ptr<RowBlock> block;
        {
            std::lock_guard lock(mu_);
            if (!spares_.empty()) {
                block = std::move(spares_.back());
                spares_.pop_back();
            }
        }
        if (!block) block = std::make_unique<RowBlock>();
        return {block.release(), [this](RowBlock* returned) {
                    std::lock_guard lock(mu_);
                    spares_.emplace_back(returned);
                }};
    }

private:
    std::mutex mu_;
    std::vector<std::unique_ptr<RowBlock>> spares_;
};

// The first failure of any stage; the others see `stopping` and wind down.
class StopSignal {
public:
    void Fail(Status status) {
        std::lock_guard lock(mu_);
        if (error_.ok()) error_ = std::move(status);
        abort_ = true;
        stopping_ = true;
    }
    void Abort() { abort_ = true, stopping_ = true; }   // interrupted: keep nothing partial
    void Stop() { stopping_ = true; }                   // a limit was reached: finish normally
    bool stopping() const { return stopping_ || InterruptSignal() != 0; }
    bool aborted() const { return abort_ || InterruptSignal() != 0; }
    Status error() const {
        std::lock_guard lock(mu_);
        return error_;
    }

private:
    mutable std::mutex mu_;
    Status error_;
    std::atomic<bool> abort_{false}, stopping_{false};
};

// Appends one row of captured values as the column stores them. In bf16 mode the values are
// already bf16 numbers, so the rounding is exact.
// Writes one row of activations in the column's storage type to dst (values.size() × bytes per value).
void WriteActivations(std::span<const float> values, dataset::ActivationType type, std::byte* dst) {
    if (type == dataset::ActivationType::kFloat32) {
        std::memcpy(dst, values.data(), values.size() * 4);  // little-endian host, as Parquet stores
        return;
    }
    for (std::size_t d = 0; d < values.size(); ++d) {
        const std::uint16_t bits = RoundToBf16(values[d]);
        std::memcpy(dst + 2 * d, &bits, 2);
    }
}

// Fills `block` (emptied first, its memory kept) with the rows of `windows` that the dataset
// keeps, from the engine's captures of the pass over them: every non-special token after
// `resume_after`, in order. The activations are copied in parallel on `pool`, which matters
// when a GPU produces a batch in milliseconds.
void BuildRows(const std::vector<corpus::Window>& windows, const model::ForwardEngine& forward,
               const std::vector<dataset::ActivationColumn>& columns, const std::vector<bool>& special,
               const RowOrigin& resume_after, ThreadPool& pool, RowBlock& block) {
    block.origins.clear();
    block.doc_ids.clear();
    block.tok_pos.clear();
    block.token_ids.clear();
    std::vector<std::int64_t> kept;  // b·T + j of each row
    const auto T = static_cast<std::int64_t>(windows.front().tokens.size());
    for (std::size_t b = 0; b < windows.size(); ++b) {
        const corpus::Window& window = windows[b];
        for (std::int64_t j = 0; j < T; ++j) {
            const std::int32_t token = window.tokens[static_cast<std::size_t>(j)];
            if (special[static_cast<std::size_t>(token)]) continue;
            const RowOrigin origin{window.doc_id, window.ordinal, j};
            if (origin <= resume_after) continue;
            kept.push_back(static_cast<std::int64_t>(b) * T + j);
            block.origins.push_back(origin);
            block.doc_ids.push_back(window.doc_id);
            block.tok_pos.push_back(window.tok_pos[static_cast<std::size_t>(j)]);
            block.token_ids.push_back(token);
        }
    }
    block.activations.resize(columns.size());
    for (std::size_t c = 0; c < columns.size(); ++c) {
        const std::int64_t width = forward.capture_width(c);
        const std::size_t row_bytes = static_cast<std::size_t>(width) * dataset::BytesPerValue(columns[c].type);
        // Room for every token of the batch, whatever this one keeps: a reused block then never
        // grows again (which would reallocate at twice the size and copy).
        block.activations[c].reserve(windows.size() * static_cast<std::size_t>(T) * row_bytes);
        block.activations[c].resize(kept.size() * row_bytes);  // not zeroed: every byte is written below
        constexpr std::int64_t kRowsPerTask = 256;
        const auto rows = static_cast<std::int64_t>(kept.size());
        // bf16 bits straight from the engine when it has them (the GPU), else from floats.
        const std::span<const std::uint16_t> bits =
            columns[c].type == dataset::ActivationType::kBf16Bits ? forward.capture_bf16(c) : std::span<const std::uint16_t>();
        const std::span<const float> values = bits.empty() ? forward.capture(c) : std::span<const float>();
        pool.ParallelFor((rows + kRowsPerTask - 1) / kRowsPerTask, [&](std::int64_t task) {
            for (std::int64_t r = task * kRowsPerTask; r < std::min(rows, (task + 1) * kRowsPerTask); ++r) {
                const std::int64_t source = kept[static_cast<std::size_t>(r)] * width;
                std::byte* destination = block.activations[c].data() + static_cast<std::size_t>(r) * row_bytes;
                if (!bits.empty()) {
                    std::memcpy(destination, bits.data() + source, row_bytes);
                } else {
                    WriteActivations(values.subspan(static_cast<std::size_t>(source), static_cast<std::size_t>(width)),
                                     columns[c].type, destination);
                }
            }
        });
    }
}

JsonValue LimitsJson(const RunOptions& options) {
    auto limit = [](std::int64_t value) { return value < 0 ? JsonValue() : JsonValue::Integer(value); };
    JsonValue limits = JsonValue::Object();
    limits.Set("max_tokens", limit(options.max_tokens));
    limits.Set("max_docs", limit(options.max_docs));
    limits.Set("max_shards", limit(options.max_shards));
    return limits;
}

// Files a killed run may have left that the manifest does not vouch for: temporary files and
// folders of atomic writes, and shards past the last committed one (written, but not yet in the
// manifest): Parquet files in data/ and its sub-folders (shard_layout.h), save_to_disk folders
// train_NNNNN/ in OUT.
Status RemoveUncommittedFiles(const std::string& output_dir, std::int64_t committed_shards) {
    namespace fs = std::filesystem;
    auto remove = [](const fs::path& path) -> Status {
        std::error_code error;
        if (fs::remove_all(path, error) == static_cast<std::uintmax_t>(-1)) {
            return Status::IOError(path.string() + ": cannot remove: " + error.message());
        }
        return Status::Ok();
    };
    std::vector<std::string> dirs = {output_dir, output_dir + "/.actcache", output_dir + "/data"};
    std::error_code error;
    if (fs::is_directory(output_dir + "/data", error)) {
        for (const auto& entry : fs::directory_iterator(output_dir + "/data", error)) {
            std::error_code type_error;
            if (entry.is_directory(type_error)) dirs.push_back(entry.path().string());
        }
        if (error) return Status::IOError(output_dir + "/data: " + error.message());
    }
    for (const std::string& dir : dirs) {
        if (!fs::is_directory(dir, error)) continue;
        for (const auto& entry : fs::directory_iterator(dir, error)) {
            const std::string name = entry.path().filename().string();
            bool stale = name.find(".tmp-") != std::string::npos;
            const bool arrow_shard = dir == output_dir && name.size() == 11 && name.starts_with("train_") &&
                                     name.find_first_not_of("0123456789", 6) == std::string::npos;
            if (arrow_shard) stale = stale || std::strtol(name.c_str() + 6, nullptr, 10) >= committed_shards;
            if (stale) ACT_RETURN_IF_ERROR(remove(entry.path()));
        }
        if (error) return Status::IOError(dir + ": " + error.message());
    }
    Result<std::vector<ShardFileEntry>> parquet_shards = FindParquetShards(output_dir);
    if (!parquet_shards.ok()) {
        return parquet_shards.status().code() == StatusCode::kNotFound ? Status::Ok() : parquet_shards.status();
    }
    for (const ShardFileEntry& shard : *parquet_shards) {
        if (shard.index >= committed_shards) ACT_RETURN_IF_ERROR(remove(output_dir + "/" + shard.path));
    }
    return Status::Ok();
}

// The manifest this session starts from: a fresh one, or the one on disk when it matches.
Result<RunManifest> StartingManifest(const RunOptions& options, const JsonValue& identity,
                                     std::size_t n_columns, const std::vector<std::int64_t>& widths,
                                     bool& already_complete, bool& resumed) {
    const std::string path = ManifestPath(options.output);
    Result<RunManifest> loaded = LoadManifest(path);
    if (!loaded.ok() && loaded.status().code() != StatusCode::kNotFound) return loaded.status();
    if (!loaded.ok()) {
        std::error_code error;
        if (std::filesystem::exists(options.output, error) && !std::filesystem::is_empty(options.output, error)) {
            return Status::InvalidArgument("--output: " + options.output +
                                           " exists, is not empty and holds no actcache run "
                                           "(.actcache/manifest.json); choose a new folder");
        }
        RunManifest fresh;
        fresh.identity = identity;
        for (std::size_t c = 0; c < n_columns; ++c) fresh.statistics.emplace_back(widths[c]);
        return fresh;
    }
    RunManifest manifest = std::move(*loaded);
    const std::vector<std::string> differences = IdentityDifferences(manifest.identity, identity);
    if (!differences.empty()) {
        std::string message = options.output + " was built with other output options; resuming would mix "
                              "two datasets (use a new --output, or the old options): ";
        for (std::size_t i = 0; i < differences.size(); ++i) message += (i ? "; " : "") + differences[i];
        return Status::InvalidArgument(message);
    }
    if (manifest.statistics.size() != n_columns) {
        return Status::Corruption(path + ": statistics for " + std::to_string(manifest.statistics.size()) +
                                  " hooks, expected " + std::to_string(n_columns));
    }
    resumed = true;
    if (manifest.complete) {
        const bool same_limits = SerializeJson(manifest.limits) == SerializeJson(LimitsJson(options));
        const bool last_partial = !manifest.shards.empty() && manifest.shards.back().rows < options.shard_size;
        if (same_limits || (last_partial && manifest.stopped_by == "end of corpus")) {
            already_complete = true;
        } else if (last_partial) {
            return Status::InvalidArgument(
                options.output + " ended with a partial shard (" + manifest.shards.back().split + ", " +
                std::to_string(manifest.shards.back().rows) + " rows) under other limits (" +
                SerializeJson(manifest.limits) + "); continuing would rewrite it: use a new --output");
        }
        manifest.complete = false;
    }
    return manifest;
}

std::string JoinStrings(const std::vector<std::string>& items, const char* separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
    return out;
}

std::vector<std::pair<std::string, std::string>> CardFacts(const RunOptions& options) {
    std::vector<std::pair<std::string, std::string>> facts = {
        {"Model", "`" + options.model + "`"},
        {"Hooks", "`" + JoinStrings(options.hooks, "`, `") + "`"},
        {"Corpus", "`" + JoinStrings(options.corpus, "`, `") + "` (field `" + options.text_field + "`)"},
        {"Sequence length", std::to_string(options.windows.seq_len) + " tokens: `[bos] + tokens + [eos]` in windows" +
                                (options.windows.bos_every_window ? ", BOS at the start of every window" : "") +
                                (options.windows.keep_partial ? ", final partial window kept" : "")},
        {"Truncation", std::to_string(options.trunc_toks) + " tokens per document"},
        {"Rows per shard", std::to_string(options.shard_size)},
        {"Precision", options.dtype == "f32" ? "f32 forward pass, values stored as float32"
                                             : "bf16 forward pass, values stored as bf16 bit patterns"},
        {"Built with", "actcache"},
    };
    return facts;
}

// The publisher of a run with --push-to-hub (else null), started on `manifest`'s shards.
std::unique_ptr<HubPublisher> StartPublisher(const RunOptions& options, const hub::HubSettings& hub,
                                             const RunManifest& manifest) {
    if (options.push_to_hub.empty()) return nullptr;
    HubPublisherOptions publish;
    publish.output_dir = options.output;
    publish.repo = options.push_to_hub;
    publish.revision = options.push_revision;
    publish.is_private = !options.push_public;
    publish.shards_per_commit = options.push_shards_per_commit;
    publish.commit_interval_seconds = options.push_commit_interval;
    publish.delete_local_after_push = options.delete_local_after_push;
    publish.retry.max_attempts = options.push_retries;
    const bool quiet = options.quiet;
    publish.log = [quiet](const std::string& line) {
        if (!quiet || line.find("failed") != std::string::npos) std::fprintf(stderr, "%s\n", line.c_str());
    };
    return std::make_unique<HubPublisher>(hub, std::move(publish), manifest);
}

// Hands the shard just committed to the publisher, with the card and statistics as they are now.
Status PublishLastShard(HubPublisher& publisher, const std::string& output_dir, const RunManifest& manifest) {
    ACT_ASSIGN_OR_RETURN(std::string card, ReadFileToString(output_dir + "/README.md"));
    ACT_ASSIGN_OR_RETURN(std::string norm_stats, ReadFileToString(output_dir + "/norm_stats.json"));
    publisher.ShardCommitted(manifest.shards.back(), std::move(card), std::move(norm_stats));
    return Status::Ok();
}

}  // namespace

Result<RunSummary> RunJob(const RunOptions& options, const RunEnvironment& environment) {
    const auto start_time = std::chrono::steady_clock::now();
    ACT_RETURN_IF_ERROR(ValidateRunOptions(options));
    const hub::HubSettings hub = hub::ResolveHubSettings(hub::ProcessEnvironment());
    // A push that cannot start (no token, offline) is refused before any work, not after it.
    if (!options.push_to_hub.empty()) ACT_RETURN_IF_ERROR(hub::CheckCanPush(hub, options.push_to_hub).WithContext("--push-to-hub"));
    ACT_ASSIGN_OR_RETURN(const std::string model_dir, ResolveModelDir(options.model, hub, options.quiet));
    const std::string tokenizer_path = ResolveTokenizerPath(options.tokenizer, model_dir);
    ACT_ASSIGN_OR_RETURN(const model::LlamaConfig config, model::LoadLlamaConfig(model_dir + "/config.json"));
    ACT_ASSIGN_OR_RETURN(auto tokenizer, tokenizer::Tokenizer::Load(tokenizer_path));
    if (tokenizer->bos_id() < 0 || tokenizer->eos_id() < 0) {
        return Status::InvalidArgument(tokenizer_path + ": cannot tell the BOS and EOS tokens (the seed "
                                       "wraps every document in them)");
    }
    if (options.windows.seq_len > config.max_position_embeddings) {
        return Status::InvalidArgument("--seq-len: " + std::to_string(options.windows.seq_len) +
                                       " exceeds the model's max_position_embeddings " +
                                       std::to_string(config.max_position_embeddings));
    }
    std::vector<model::HookSite> sites;
    std::vector<std::string> site_names;
    for (const std::string& hook : options.hooks) {
        Result<model::HookSite> site = model::ParseHookSite(hook, config);
        if (!site.ok()) return site.status().WithContext("--hook");
        site_names.push_back(site->name);
        sites.push_back(std::move(*site));
    }
    const std::vector<std::string> names = ColumnNames(options, site_names);
    for (std::size_t i = 0; i < names.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (names[i] == names[j]) {
                return Status::InvalidArgument("--hook: '" + options.hooks[j] + "' and '" + options.hooks[i] +
                                               "' are the same site (" + site_names[i] + ")");
            }
        }
    }
    std::vector<dataset::ActivationColumn> columns;
    std::vector<std::int64_t> widths;
    for (std::size_t i = 0; i < sites.size(); ++i) {
        widths.push_back(sites[i].Width(config));
        dataset::ActivationColumn column;
        column.name = names[i];
        column.width = widths.back();
        column.type = options.dtype == "f32" ? dataset::ActivationType::kFloat32 : dataset::ActivationType::kBf16Bits;
        columns.push_back(std::move(column));
    }
    ACT_ASSIGN_OR_RETURN(JsonValue model_identity, ModelIdentity(model_dir, tokenizer_path));
    const JsonValue identity = OutputIdentity(options, names, model_identity);

    // The device before any output exists, so that `--device cuda` without a GPU fails cleanly.
    const kernels::Precision precision = options.dtype == "f32" ? kernels::Precision::kF32 : kernels::Precision::kBf16;
    const int threads = options.threads > 0 ? options.threads : ThreadPool::HardwareThreads();
    ACT_ASSIGN_OR_RETURN(const ResolvedDevice device, ResolveComputeDevice(options.device, precision, threads));

    RunSummary summary;
    summary.device = device.description;
    summary.output_dir = options.output;
    summary.columns = names;
    ACT_ASSIGN_OR_RETURN(RunManifest manifest, StartingManifest(options, identity, columns.size(), widths,
                                                                summary.already_complete, summary.resumed));
    {
        JsonValue info = JsonValue::Object();
        info.Set("model", JsonValue::String(options.model));
        std::error_code error;
        info.Set("tokenizer", JsonValue::String(std::filesystem::absolute(tokenizer_path, error).string()));
        info.Set("seq_len", JsonValue::Integer(options.windows.seq_len));
        info.Set("device", JsonValue::String(device.description));
        info.Set("keep_partial", JsonValue::Bool(options.windows.keep_partial));
        info.Set("bos_every_window", JsonValue::Bool(options.windows.bos_every_window));
        manifest.info = std::move(info);
    }
    ACT_RETURN_IF_ERROR(CreateDirectories(options.output));
    // The manifest exists before any shard does, so a run killed at any point is recognised.
    if (!summary.resumed) ACT_RETURN_IF_ERROR(SaveManifest(ManifestPath(options.output), manifest));
    ACT_RETURN_IF_ERROR(RemoveUncommittedFiles(options.output, static_cast<std::int64_t>(manifest.shards.size())));

    ShardSinkOptions sink_options;
    sink_options.output_dir = options.output;
    sink_options.shard_size = options.shard_size;
    sink_options.shards_per_folder = options.shards_per_folder;
    sink_options.writer_threads = options.writer_threads >= 0 ? options.writer_threads : DefaultWriterThreads(device.device);
    sink_options.format = options.format == "arrow" ? ShardFormat::kArrow : ShardFormat::kParquet;
    sink_options.parquet.activation_columns = columns;
    sink_options.parquet.compression = options.compression;
    sink_options.parquet.zstd_level = options.zstd_level;
    sink_options.parquet.byte_stream_split = options.byte_stream_split;
    sink_options.parquet.dictionary = options.dictionary;
    sink_options.hook_sites = options.hooks;
    sink_options.card_facts = CardFacts(options);
    summary.rows_at_start = manifest.rows;
    summary.push_repo = options.push_to_hub;
    // The card and statistics on disk follow the manifest (a run killed between the two writes
    // left them behind); the publisher pushes them with the backlog.
    if (!options.push_to_hub.empty() && !manifest.shards.empty()) {
        ACT_RETURN_IF_ERROR(RewriteDerivedFiles(sink_options, manifest));
    }

    auto fill_totals = [&](const RunManifest& m) {
        summary.rows = m.rows;
        summary.shards = static_cast<std::int64_t>(m.shards.size());
        summary.bytes = 0;
        for (const CommittedShard& shard : m.shards) summary.bytes += shard.bytes;
        summary.stopped_by = m.stopped_by;
        summary.rms.clear();
        for (const auto& stats : m.statistics) {
            summary.rms.push_back(stats.tokens() ? std::sqrt(stats.sum_squared_norms() / static_cast<double>(stats.tokens())) : 0.0);
        }
    };
    if (summary.already_complete) {
        manifest.complete = true;
        ACT_RETURN_IF_ERROR(RewriteDerivedFiles(sink_options, manifest));
        fill_totals(manifest);
        if (auto publisher = StartPublisher(options, hub, manifest)) summary.push = publisher->Finish();
        return summary;
    }

    // Inputs, then the stages.
    const model::RequiredWeights required = model::WeightsForHooks(sites);
    ACT_ASSIGN_OR_RETURN(auto llama, model::LlamaModel::Load(model_dir, precision, required.n_layers, required.final_norm));
    ACT_ASSIGN_OR_RETURN(std::vector<corpus::Source> sources, corpus::ExpandSources(options.corpus, hub));
    ThreadPool compute_pool(threads);
    model::ForwardOptions forward_options;
    forward_options.hooks = sites;
    forward_options.max_batch = options.batch;
    forward_options.max_tokens = options.windows.seq_len;
    ACT_ASSIGN_OR_RETURN(auto forward, environment.engine_factory
                                           ? environment.engine_factory(*llama, forward_options, compute_pool)
                                           : CreateForwardEngine(device.device, *llama, forward_options, compute_pool));
    std::vector<bool> special(static_cast<std::size_t>(std::max<std::int64_t>(tokenizer->vocab_size(), config.vocab_size)));
    for (std::int32_t id : tokenizer->special_ids()) {
        if (id >= 0 && static_cast<std::size_t>(id) < special.size()) special[static_cast<std::size_t>(id)] = true;
    }

    const RowOrigin resume_after = manifest.last_row;
    std::unique_ptr<HubPublisher> publisher = StartPublisher(options, hub, manifest);
    RowBlockPool block_pool;  // before the sink and the queues: outlives the blocks they hold
    ShardSink sink(sink_options, std::move(manifest), [&](const RunManifest& committed) {
        return publisher ? PublishLastShard(*publisher, options.output, committed) : Status::Ok();
    });
    RunCounters counters;
    counters.rows = sink.rows();
    // Rows this session may still write under --max-tokens (-1: no limit). The reader stops once
    // its windows hold that many, so that no batch is computed only to be dropped.
    const std::int64_t rows_wanted = options.max_tokens >= 0 ? std::max<std::int64_t>(options.max_tokens - sink.rows(), 0) : -1;
    counters.shards = sink.shards();
    StopSignal stop;
    BoundedQueue<WindowBatch> batches(2);
    BoundedQueue<std::shared_ptr<RowBlock>> blocks(2);
    // Why the reader ended: written by the reader before it closes `batches`, read by the writer
    // after `blocks` is closed (which happens after), so the queues order the accesses.
    std::string reader_end = "end of corpus";
    auto stop_for_limit = [&] {
        stop.Stop();
        batches.Close();
        blocks.Close();
    };
    auto fail = [&](Status status) {
        stop.Fail(std::move(status));
        batches.Close();
        blocks.Close();
    };
    std::atomic<int> finished{0};
    // Where the time goes, for the summary; each written by one stage, read after it is joined.
    double forward_seconds = 0;  // compute thread: the engine's passes (ForwardEngine::last_pass_seconds)
    double rows_seconds = 0;     // compute thread: building rows from the captures
    double startup_seconds = 0;  // from the start until the first forward pass begins
    double reader_seconds = 0;   // reader thread: reading, filtering, tokenizing, windowing
    double writer_seconds = 0;   // writer thread: in ShardSink (rows in, shards out)

    // Stage 1: documents to batches of windows.
    std::jthread reader_thread([&] {
        corpus::DocumentReaderOptions document_options;
        document_options.text_field = options.text_field;
        document_options.format = options.corpus_format;
        document_options.on_bad_record = options.on_bad_record;
        corpus::DocumentReader documents(sources, document_options);
        corpus::WindowReaderOptions window_options;
        window_options.filter = options.filter;
        window_options.windows = options.windows;
        window_options.trunc_toks = options.trunc_toks;
        window_options.max_documents = options.max_docs;
        window_options.skip_documents_before = std::max<std::int64_t>(resume_after.doc_id, 0);
        std::unique_ptr<ThreadPool> tokenizer_pool;
        if (options.tokenizer_threads > 1) tokenizer_pool = std::make_unique<ThreadPool>(options.tokenizer_threads);
        corpus::WindowReader windows(documents, *tokenizer, tokenizer->bos_id(), tokenizer->eos_id(),
                                     window_options, tokenizer_pool.get());
        WindowBatch batch;
        std::int64_t rows_in_windows = 0;  // rows the windows read so far will give (as stage 2 keeps them)
        auto flush = [&] {
            if (batch.windows.empty()) return true;
            const bool pushed = batches.Push(std::move(batch));
            batch = WindowBatch{};
            return pushed;
        };
        bool ended = false;
        while (!stop.stopping()) {
            corpus::Window window;
            const auto read_start = std::chrono::steady_clock::now();
            Result<bool> more = windows.Next(window);
            reader_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - read_start).count();
            counters.records = documents.counters().records;
            counters.documents_kept = windows.counters().documents_kept;
            if (!more.ok()) {
                fail(more.status());
                break;
            }
            if (!*more) {
                ended = true;
                break;
            }
            if (window.doc_id < resume_after.doc_id ||
                (window.doc_id == resume_after.doc_id && window.ordinal < resume_after.window)) {
                continue;  // committed before this session
            }
            if (!batch.windows.empty() && batch.windows.front().tokens.size() != window.tokens.size()) {
                if (!flush()) break;
            }
            for (std::size_t j = 0; j < window.tokens.size(); ++j) {
                const bool kept = !special[static_cast<std::size_t>(window.tokens[j])] &&
                                  resume_after < RowOrigin{window.doc_id, window.ordinal, static_cast<std::int64_t>(j)};
                rows_in_windows += kept ? 1 : 0;
            }
            batch.windows.push_back(std::move(window));
            if (static_cast<std::int64_t>(batch.windows.size()) == options.batch && !flush()) break;
            if (rows_wanted >= 0 && rows_in_windows >= rows_wanted) {
                flush();  // the writer stops at exactly --max-tokens rows
                break;
            }
        }
        if (ended) {
            flush();
            if (options.max_docs >= 0 && documents.counters().records >= options.max_docs) {
                reader_end = "--max-docs";
            }
        }
        summary.corpus = documents.counters();
        summary.windows = windows.counters();
        batches.Close();
        ++finished;
    });

    // Stage 2: the model, and rows of the non-special tokens. Two batches are in flight in the
    // engine (ForwardEngine::Start): while this thread builds the rows of batch n, a GPU computes
    // batch n+1 and batch n+2 is already queued behind it, so the GPU never waits for the host.
    std::jthread compute_thread([&] {
        std::deque<WindowBatch> in_flight;  // started, not finished; oldest first
        std::vector<std::int32_t> tokens;
        // Finishes the oldest batch in flight and hands its rows to the writer; false when the
        // run stops (an error, a limit, an interrupt).
        auto finish_oldest = [&]() -> bool {
            if (Status status = forward->Finish(); !status.ok()) {
                fail(status);
                return false;
            }
            const WindowBatch batch = std::move(in_flight.front());
            in_flight.pop_front();
            forward_seconds += forward->last_pass_seconds();
            const auto B = static_cast<std::int64_t>(batch.windows.size());
            counters.windows += B;
            counters.forward_tokens += B * static_cast<std::int64_t>(batch.windows.front().tokens.size());
            const auto rows_start = std::chrono::steady_clock::now();
            std::shared_ptr<RowBlock> block = block_pool.Get();
            BuildRows(batch.windows, *forward, columns, special, resume_after, compute_pool, *block);
            rows_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - rows_start).count();
            return blocks.Push(std::move(block));  // waits while the writer is two blocks behind
        };
        bool running = true;
        while (running) {
            std::optional<WindowBatch> batch = batches.Pop();
            if (!batch || stop.stopping()) break;
            const auto B = static_cast<std::int64_t>(batch->windows.size());
            const auto T = static_cast<std::int64_t>(batch->windows.front().tokens.size());
            tokens.clear();
            for (const corpus::Window& window : batch->windows) tokens.insert(tokens.end(), window.tokens.begin(), window.tokens.end());
            if (counters.forward_tokens == 0 && in_flight.empty()) {
                startup_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
            }
            if (Status status = forward->Start(tokens, B, T); !status.ok()) {
                fail(status);
                break;
            }
            in_flight.push_back(std::move(*batch));
            if (in_flight.size() == 2) running = finish_oldest();
        }
        // The end of the corpus: the batches still in flight. After a stop they are abandoned.
        while (running && !in_flight.empty() && !stop.stopping()) running = finish_oldest();
        blocks.Close();
        ++finished;
    });

    // Stage 3: statistics, shards, manifest.
    std::jthread writer_thread([&] {
        auto limit_reached = [&]() -> const char* {
            if (options.max_tokens >= 0 && sink.rows() >= options.max_tokens) return "--max-tokens";
            if (options.max_shards >= 0 && sink.full_shards() >= options.max_shards) return "--max-shards";
            return nullptr;
        };
        const char* limit = limit_reached();
        if (limit != nullptr) stop_for_limit();
        while (limit == nullptr) {
            std::optional<std::shared_ptr<RowBlock>> block = blocks.Pop();
            if (!block || stop.aborted()) break;
            // The block's rows, or as many as the limits leave: --max-tokens stops at exactly
            // its count, --max-shards when the last shard it allows is full.
            std::int64_t take = (*block)->rows();
            if (options.max_tokens >= 0) take = std::min(take, options.max_tokens - sink.rows());
            if (options.max_shards >= 0) take = std::min(take, options.max_shards * options.shard_size - sink.rows());
            const auto add_start = std::chrono::steady_clock::now();
            Status status = sink.AddRows(std::move(*block), 0, take);
            writer_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - add_start).count();
            if (!status.ok()) {
                fail(status);
                break;
            }
            counters.rows = sink.rows();
            counters.shards = sink.shards();
            limit = limit_reached();
            if (limit != nullptr) stop_for_limit();
        }
        if (!stop.aborted()) {
            // A limit is the reason when one was reached; else the reader has ended (blocks
            // closed after it), and says why.
            const std::string reason = limit != nullptr ? limit : reader_end;
            const auto finish_start = std::chrono::steady_clock::now();
            if (Status status = sink.Finish(reason, LimitsJson(options)); !status.ok()) fail(status);
            writer_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - finish_start).count();
            counters.shards = sink.shards();
        }
        ++finished;
    });

    ProgressTarget target;
    if (options.max_tokens >= 0) target.rows = options.max_tokens;
    if (options.max_shards >= 0) {
        const std::int64_t rows = options.max_shards * options.shard_size;
        target.rows = target.rows < 0 ? rows : std::min(target.rows, rows);
    }
    target.records = options.max_docs;
    ProgressPrinter progress(options.quiet, environment.progress_on_terminal, environment.log_interval_seconds,
                             target, summary.rows_at_start);
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
    };
    while (finished.load() < 3) {
        if (InterruptSignal() != 0) {
            stop.Abort();
            batches.Close();
            blocks.Close();
        }
        progress.Update(counters, elapsed());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    reader_thread.join();
    compute_thread.join();
    writer_thread.join();
    progress.Update(counters, elapsed(), /*force=*/true);
    progress.Finish();
    // Every shard committed locally gets its last chance at the Hub, whatever stopped the run.
    if (publisher) summary.push = publisher->Finish();

    summary.seconds = elapsed();
    summary.forward_tokens = counters.forward_tokens;
    summary.forward_seconds = forward_seconds;
    summary.rows_seconds = rows_seconds;
    summary.startup_seconds = startup_seconds;
    summary.reader_seconds = reader_seconds;
    summary.writer_seconds = writer_seconds;
    fill_totals(sink.manifest());
    if (Status error = stop.error(); !error.ok()) return error;
    if (const int signal_number = InterruptSignal(); signal_number != 0) {
        return Status::Cancelled(std::string(signal_number == SIGINT ? "interrupted (SIGINT)" : "stopped (SIGTERM)") +
                                 ": " + std::to_string(summary.shards) + " shards (" + std::to_string(summary.rows) +
                                 " rows) are committed in " + options.output +
                                 "; run the same command again to continue from there");
    }
    return summary;
}

}  // namespace actcache::pipeline
