// RunOptions: everything `actcache run` is told, with the seed's defaults (DESIGN.md §2), and
// which of it decides the dataset's bytes.
//
// The dataset is a pure function of the model, the corpus and the *output options* below: a
// resumed run must be given the same ones (the manifest records them, OutputIdentity). batch,
// threads, progress and limits only decide how fast and how much of it is built.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/status.h"
#include "corpus/document_reader.h"
#include "corpus/quality_filter.h"
#include "corpus/windowing.h"
#include "dataset/parquet_shard_writer.h"

namespace actcache::pipeline {

struct RunOptions {
    // Output options: they decide the bytes.
    std::string model = "meta-llama/Llama-3.2-1B";  // MODEL_NAME: local folder or HF id
    std::string tokenizer;                  // tokenizer.json or folder; empty: the model's
    std::vector<std::string> corpus = {"monology/pile-uncopyrighted"};
    std::string text_field = "text";
    corpus::CorpusFormat corpus_format = corpus::CorpusFormat::kAuto;
    corpus::BadRecordPolicy on_bad_record = corpus::BadRecordPolicy::kError;
    corpus::QualityFilterOptions filter;    // good()
    corpus::WindowOptions windows;          // SEQ_LEN 4096, the chunker
    std::int64_t trunc_toks = 131072;       // TRUNC_TOKS (the seed leaves it open)
    std::string dtype = "bf16";
    std::vector<std::string> hooks = {"model.layers.8.mlp"};
    std::vector<std::string> columns;       // one per hook; empty: see ColumnNames
    std::int64_t shard_size = 50'000;       // SHARD_SIZE rows
    std::int64_t shards_per_folder = 9'000; // Parquet shards in data/, then per sub-folder (shard_layout.h)
    std::string format = "parquet";
    dataset::Compression compression = dataset::Compression::kZstd;
    int zstd_level = 1;
    bool byte_stream_split = false;
    bool dictionary = true;        // bf16 activation values dictionary-encoded (parquet_shard_writer.h)

    // Where and how much.
    std::string output = "activations";
    std::int64_t max_tokens = -1;  // rows (activation tokens) to write at most; −1: no limit
    std::int64_t max_docs = -1;    // corpus records to read at most
    std::int64_t max_shards = -1;  // shards to write at most

    // Speed and manners: never change the bytes.
    std::int64_t batch = 16;       // BATCH_FWD windows per forward pass
    int threads = 0;               // compute threads; 0: all the machine offers
    int tokenizer_threads = 1;     // threads tokenizing ahead of the model
    int writer_threads = -1;       // shards encoded at once (ShardSink); -1: by device (cuda: cores/2, cpu: 0)
    std::string device = "auto";  // cpu, cuda, or auto: cuda when a GPU is usable (compute_device.h)
    bool quiet = false;

    // The Hub (hub_publisher.h): where the shards go as they are written. Never change the bytes.
    std::string push_to_hub;       // ORG/NAME; empty: keep the dataset local
    bool push_public = false;      // a repository the push creates is private unless this
    std::string push_revision = "main";
    bool delete_local_after_push = false;
    int push_shards_per_commit = 48;
    double push_commit_interval = 180;  // seconds
    int push_retries = 6;               // attempts per HTTP request, the first included

    bool HasLimit() const { return max_tokens >= 0 || max_docs >= 0 || max_shards >= 0; }
};

// Checks values and combinations that parsing alone cannot (hook and column counts, seq_len
// against bos_every_window, dtype, format, device). InvalidArgument naming the option.
Status ValidateRunOptions(const RunOptions& options);

// The column names: `columns` when given for every hook, else "activacion" for a single hook and
// one name per hook derived from its canonical site name otherwise ("model.layers.8.mlp" →
// "layers_8_mlp"). `site_names`: the canonical names (HookSite::name), one per hook; empty: the
// hooks as given.
std::vector<std::string> ColumnNames(const RunOptions& options, const std::vector<std::string>& site_names = {});

// The output options as a JSON object (stable key order), for the manifest: two runs with equal
// identities write the same bytes. `columns` as ColumnNames gives them; `model_identity`
// describes the model files (pipeline/model_source.h).
JsonValue OutputIdentity(const RunOptions& options, const std::vector<std::string>& columns,
                         const JsonValue& model_identity);

// One "key: was X, now Y" line per differing key of two identities.
std::vector<std::string> IdentityDifferences(const JsonValue& recorded, const JsonValue& current);

const char* CompressionName(dataset::Compression compression);

// --compression: a codec name, or "zstd:LEVEL" with LEVEL in 1..22 (the level --zstd-level
// also sets). InvalidArgument naming --compression otherwise.
struct CompressionChoice {
    dataset::Compression compression = dataset::Compression::kZstd;
    int zstd_level = 0;  // 0: not given with the codec
};
Result<CompressionChoice> ParseCompression(const std::string& text);

}  // namespace actcache::pipeline
