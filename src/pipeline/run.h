// RunJob: the seed's whole job (DESIGN.md §1), as concurrent stages joined by bounded queues.
//
//   read + filter + tokenize (order-preserving, tokenizer_threads) + window + batch   thread 1
//        │ BoundedQueue<WindowBatch> (2)
//   forward pass (threads) → special-token filter → rows in bf16                      thread 2
//        │ BoundedQueue<RowBlock> (2)
//   statistics, Parquet encoding, shard commit, manifest, card, norm_stats           thread 3
//
// The calling thread coordinates: it prints progress and collects the first error. Memory is
// bounded by the queue capacities (a batch of windows, two blocks of rows, one row group).
//
// Output is a pure function of (model, corpus, output options): rows come out in corpus order
// whatever batch and threads are; a resumed run continues after the manifest's last row.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "corpus/document_reader.h"
#include "corpus/window_reader.h"
#include "model/forward_engine.h"
#include "model/llama_model.h"
#include "pipeline/hub_publisher.h"
#include "pipeline/run_options.h"

namespace actcache::pipeline {

struct RunSummary {
    std::string output_dir;
    std::string device;             // ResolvedDevice::description
    bool already_complete = false;  // nothing to do: the manifest says the run had finished
    bool resumed = false;           // continued an earlier run's manifest
    std::int64_t rows_at_start = 0; // rows committed before this session
    std::int64_t rows = 0;          // rows in the dataset now
    std::int64_t shards = 0;
    std::int64_t bytes = 0;         // Parquet bytes of all shards
    std::int64_t forward_tokens = 0;  // tokens run through the model in this session
    double seconds = 0;             // wall time of this session
    // Where the time went; the stages overlap, so these do not add up to `seconds`.
    double startup_seconds = 0;     // model load and the first batch's reading, before the first pass
    double reader_seconds = 0;      // reading, filtering, tokenizing, windowing (the reader stage)
    double forward_seconds = 0;     // the forward passes where they ran (last_pass_seconds)
    double rows_seconds = 0;        // building rows from the captures (compute stage)
    double writer_seconds = 0;      // the writer stage inside ShardSink (taking rows, committing shards)
    std::string stopped_by;         // "end of corpus", "--max-tokens", ...
    std::vector<double> rms;        // per hook, over all rows
    std::vector<std::string> columns;
    corpus::CorpusCounters corpus;  // this session's reading
    corpus::WindowCounters windows;
    std::string push_repo;               // --push-to-hub
    std::optional<PublishReport> push;   // when pushing: where the shards stand on the Hub
};

// Makes the forward engine of a run (the arguments as CreateForwardEngine takes them).
using ForwardEngineFactory = std::function<Result<std::unique_ptr<model::ForwardEngine>>(
    const model::LlamaModel& model, model::ForwardOptions options, ThreadPool& pool)>;

struct RunEnvironment {
    bool progress_on_terminal = false;  // redraw one line, else log lines
    double log_interval_seconds = 10;
    // Tests and benchmarks only: when set, the run's engine comes from here instead of
    // --device's (which is still resolved and recorded). bench/pipeline/host_pipeline_bench
    // stands in a GPU this way to measure the host side of a run.
    ForwardEngineFactory engine_factory;
};

// Errors: bad options (InvalidArgument naming the option), a resume with different output
// options (InvalidArgument listing the differences), missing or corrupt inputs (naming the file),
// Cancelled on SIGINT/SIGTERM (after stopping cleanly; the message says how to continue).
Result<RunSummary> RunJob(const RunOptions& options, const RunEnvironment& environment);

}  // namespace actcache::pipeline
