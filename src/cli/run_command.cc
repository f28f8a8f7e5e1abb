// `actcache run`: the main job. Every option also reads from a TOML file (--config) under the
// same name; the help of each names the seed's default and the seed's name for it.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/toml_config.h"
#include "core/interrupt.h"
#include "pipeline/run.h"

namespace actcache::cli {
namespace {

struct RunCommandOptions {
    pipeline::RunOptions run;
    std::string config;
    std::string corpus_format = "auto";
    std::string compression = "zstd";
    std::string on_bad_record = "error";
    bool no_upper_filter = false;
    bool no_numeric_filter = false;
    double log_interval = 10;
};

std::string Human(double value, const char* unit) {
    const char* prefix = "";
    for (const char* p : {"k", "M", "G", "T"}) {
        if (value < 1000) break;
        value /= 1000;
        prefix = p;
    }
    char text[64];
    std::snprintf(text, sizeof text, "%.3g %s%s", value, prefix, unit);
    return text;
}

// Where the shards stand on the Hub; what was not pushed, with the command that finishes it.
void PrintPushSummary(const pipeline::RunSummary& summary) {
    if (!summary.push) return;
    const pipeline::PublishReport& push = *summary.push;
    std::printf("hub: %lld of %lld shards on %s (%d commits this session, %s uploaded)%s\n",
                static_cast<long long>(push.shards_pushed), static_cast<long long>(summary.shards),
                summary.push_repo.c_str(), push.commits,
                Human(static_cast<double>(push.bytes_uploaded), "B").c_str(),
                push.repo_created ? ", repository created" : "");
    if (push.shards_not_pushed > 0) {
        std::fprintf(stderr,
                     "warning: %lld shards are NOT on the Hub (last error: %s); they are complete in "
                     "%s. Finish with: actcache push %s\n",
                     static_cast<long long>(push.shards_not_pushed), push.last_error.c_str(),
                     summary.output_dir.c_str(), summary.output_dir.c_str());
    }
}

void PrintSummary(const pipeline::RunSummary& summary) {
    if (summary.already_complete) {
        std::printf("%s: already complete (%s): %lld rows in %lld shards; nothing to do\n",
                    summary.output_dir.c_str(), summary.stopped_by.c_str(),
                    static_cast<long long>(summary.rows), static_cast<long long>(summary.shards));
        PrintPushSummary(summary);
        return;
    }
    const double rate = summary.seconds > 0 ? static_cast<double>(summary.forward_tokens) / summary.seconds : 0;
    std::printf("%s: %lld rows in %lld shards, %s (stopped by %s)%s\n", summary.output_dir.c_str(),
                static_cast<long long>(summary.rows), static_cast<long long>(summary.shards),
                Human(static_cast<double>(summary.bytes), "B").c_str(), summary.stopped_by.c_str(),
                summary.resumed ? (", resumed after " + std::to_string(summary.rows_at_start) + " rows").c_str() : "");
    const double forward_rate =
        summary.forward_seconds > 0 ? static_cast<double>(summary.forward_tokens) / summary.forward_seconds : 0;
    std::printf("device: %s\n", summary.device.c_str());
    std::printf("this session: %lld tokens through the model in %.1f s (%s/s; the forward pass alone: %.2f s, "
                "%s/s); %lld rows written\n",
                static_cast<long long>(summary.forward_tokens), summary.seconds, Human(rate, "tokens").c_str(),
                summary.forward_seconds, Human(forward_rate, "tokens").c_str(),
                static_cast<long long>(summary.rows - summary.rows_at_start));
    std::printf("stages: startup %.2f s (model load, first batch), forward %.2f s, row building %.2f s, writer %.2f s "
                "busy, reading %.2f s (stages overlap)\n",
                summary.startup_seconds, summary.forward_seconds, summary.rows_seconds, summary.writer_seconds,
                summary.reader_seconds);
    std::printf("corpus: %lld records read, %lld kept by the filter (%lld too short, %lld too long, "
                "%lld without lowercase, %lld numeric), %lld without a full window, %lld bad records "
                "skipped, %lld with invalid UTF-8 replaced\n",
                static_cast<long long>(summary.corpus.records), static_cast<long long>(summary.windows.documents_kept),
                static_cast<long long>(summary.windows.too_short), static_cast<long long>(summary.windows.too_long),
                static_cast<long long>(summary.windows.unchanged_by_upper), static_cast<long long>(summary.windows.numeric),
                static_cast<long long>(summary.windows.documents_without_window),
                static_cast<long long>(summary.corpus.bad_records_skipped),
                static_cast<long long>(summary.corpus.documents_with_invalid_utf8));
    for (std::size_t i = 0; i < summary.rms.size(); ++i) {
        std::printf("rms (%s): %.6g\n", summary.columns[i].c_str(), summary.rms[i]);
    }
    PrintPushSummary(summary);
}

Status Run(RunCommandOptions& options, CLI::App& app) {
    if (!options.config.empty()) ACT_RETURN_IF_ERROR(ApplyTomlConfig(options.config, app));
    pipeline::RunOptions& run = options.run;
    if (options.corpus_format == "jsonl") run.corpus_format = corpus::CorpusFormat::kJsonl;
    if (options.corpus_format == "text") run.corpus_format = corpus::CorpusFormat::kText;
    if (options.corpus_format == "parquet") run.corpus_format = corpus::CorpusFormat::kParquet;
    run.on_bad_record = options.on_bad_record == "skip" ? corpus::BadRecordPolicy::kSkip : corpus::BadRecordPolicy::kError;
    run.filter.reject_unchanged_by_upper = !options.no_upper_filter;
    run.filter.reject_numeric = !options.no_numeric_filter;
    ACT_ASSIGN_OR_RETURN(const pipeline::CompressionChoice compression, pipeline::ParseCompression(options.compression));
    run.compression = compression.compression;
    if (compression.zstd_level != 0) {
        if (app.count("--zstd-level") > 0 && run.zstd_level != compression.zstd_level) {
            return Status::InvalidArgument("--compression " + options.compression + " and --zstd-level " +
                                           std::to_string(run.zstd_level) + " disagree");
        }
        run.zstd_level = compression.zstd_level;
    }
    InstallInterruptHandlers();
    pipeline::RunEnvironment environment;
    environment.progress_on_terminal = isatty(STDERR_FILENO) != 0;
    environment.log_interval_seconds = options.log_interval;
    ACT_ASSIGN_OR_RETURN(pipeline::RunSummary summary, pipeline::RunJob(run, environment));
    PrintSummary(summary);
    return Status::Ok();
}

}  // namespace

Subcommand AddRunCommand(CLI::App& parent) {
    auto options = std::make_shared<RunCommandOptions>();
    pipeline::RunOptions& run = options->run;
    CLI::App* app = parent.add_subcommand(
        "run", "Build an activation dataset: corpus -> model -> hooks -> Parquet shards (the main job)");
    // A single-valued option given twice takes the last value (a script's default overridden by a
    // later flag); repeatable options (--corpus, --hook, --column) collect every value.
    app->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app->footer(
        "Every option can also be set in the --config TOML file under its long name with '_' for "
        "'-' (seq_len = 128); the command line wins. Re-running the same command continues an "
        "interrupted run exactly (OUTPUT/.actcache/manifest.json). See docs/run.md.");
    app->add_option("--config", options->config, "TOML file of options (see examples/seed.toml)")
        ->check(CLI::ExistingFile);
    // What is read and how.
    app->add_option("--model", run.model,
                    "HF-format model folder, or a Hub id found in the HF cache (seed: MODEL_NAME)")
        ->capture_default_str();
    app->add_option("--tokenizer", run.tokenizer, "tokenizer.json or its folder (default: the model's)");
    app->add_option("--corpus", run.corpus,
                    "Corpus sources, repeatable, read in order: files, globs, folders, '-', URLs, "
                    "hf://datasets/ORG/NAME/PATH, ORG/NAME (seed: the streamed Pile)")
        ->capture_default_str()
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app->add_option("--text-field", run.text_field, "JSONL field or Parquet column holding the text (dotted for nested)")
        ->capture_default_str();
    app->add_option("--corpus-format", options->corpus_format,
                    "auto (by file name), jsonl, text (a file per document), parquet (a string column)")
        ->check(CLI::IsMember({"auto", "jsonl", "text", "parquet"}))
        ->capture_default_str();
    app->add_option("--on-bad-record", options->on_bad_record,
                    "error: stop at a JSONL line that is not JSON or lacks the text field (naming file and "
                    "line); skip: skip and count it (it keeps its doc_id)")
        ->check(CLI::IsMember({"error", "skip"}))
        ->capture_default_str();
    app->add_option("--min-chars", run.filter.min_chars_exclusive,
                    "Keep a document only if its stripped length (code points) is above this (seed good(): 20)")
        ->check(NonNegativeInteger())
        ->capture_default_str();
    app->add_option("--max-chars", run.filter.max_chars_exclusive,
                    "... and below this (seed good(): 30000)")
        ->check(NonNegativeInteger())
        ->capture_default_str();
    app->add_flag("--no-upper-filter", options->no_upper_filter,
                  "Keep documents without lowercase letters (seed good() drops t.upper() == t)");
    app->add_flag("--no-numeric-filter", options->no_numeric_filter,
                  "Keep numeric documents (seed good() drops t.isnumeric())");
    app->add_option("--seq-len", run.windows.seq_len, "Tokens per window (seed: SEQ_LEN)")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
        ->capture_default_str();
    app->add_option("--trunc-toks", run.trunc_toks,
                    "Tokens kept per document, as tok(truncation=True, max_length=N) (seed: TRUNC_TOKS, not given there)")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
        ->capture_default_str();
    app->add_flag("--keep-partial", run.windows.keep_partial,
                  "Also run each document's final partial window (the seed's chunker drops it)");
    app->add_flag("--bos-every-window", run.windows.bos_every_window,
                  "Start every window with BOS (the seed's windows after the first begin mid-document)");
    // What is computed and written.
    app->add_option("--hook", run.hooks,
                    "Hook site, repeatable: HF module path (model.layers.8.mlp) or TransformerLens "
                    "name (blocks.8.hook_mlp_out) (seed: layers[8].mlp forward hook)")
        ->capture_default_str()
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app->add_option("--column", run.columns,
                    "Activation column name per hook, in order (seed: activacion; several hooks: "
                    "derived from the site, layers_8_mlp)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app->add_option("--dtype", run.dtype, "Forward-pass numerics: bf16 (the seed's dtype)")
        ->check(CLI::IsMember({"bf16", "f32"}))
        ->capture_default_str();
    app->add_option("--shard-size", run.shard_size, "Rows per shard; one split per shard (seed: SHARD_SIZE)")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
        ->capture_default_str();
    app->add_option("--shards-per-folder", run.shards_per_folder,
                    "Parquet shards in data/, then in each sub-folder data/FFFFF-LLLLL/ for larger runs "
                    "(the Hub takes < 10,000 entries per folder); 1..9000")
        ->capture_default_str();
    app->add_option("--output", run.output, "Output folder, laid out as a Hub dataset repo")
        ->capture_default_str();
    app->add_option("--format", run.format,
                    "parquet: OUT/data/train_NNNNN-00000-of-00001.parquet, the layout push_to_hub writes; "
                    "arrow: OUT/train_NNNNN/ folders as Dataset.save_to_disk writes them (the seed's "
                    "local fallback; open with datasets.load_from_disk; not with --push-to-hub)")
        ->check(CLI::IsMember({"parquet", "arrow"}))
        ->capture_default_str();
    app->add_option("--compression", options->compression, "Parquet page compression: zstd, snappy, gzip, none; zstd:LEVEL sets the level too")
        ->capture_default_str();
    app->add_option("--zstd-level", run.zstd_level, "zstd level (1 is fast and near the best ratio here)")
        ->capture_default_str();
    app->add_flag("--byte-stream-split", run.byte_stream_split,
                  "Activation values as BYTE_STREAM_SPLIT: ~28% smaller, but DuckDB cannot read it");
    app->add_flag("--dictionary,!--no-dictionary", run.dictionary,
                  "bf16 activation values dictionary-encoded (smaller, faster; every reader takes it); "
                  "--no-dictionary: PLAIN");
    // The Hub.
    app->add_option("--push-to-hub", run.push_to_hub,
                    "Upload the shards, as they are written, to this Hub dataset repo ORG/NAME "
                    "(created private if missing; needs HF_TOKEN) (seed: REPO_ID, push_to_hub)");
    app->add_flag("--public", run.push_public, "Create the repository public (seed: private=True)");
    app->add_option("--revision", run.push_revision, "Branch to commit to")->capture_default_str();
    app->add_flag("--delete-local-after-push", run.delete_local_after_push,
                  "Delete each shard file once a Hub commit holding it succeeded (bounded disk use)");
    app->add_option("--push-shards-per-commit", run.push_shards_per_commit,
                    "Commit the uploaded shards when this many wait (the Hub takes 50 files a commit)")
        ->capture_default_str();
    app->add_option("--push-commit-interval", run.push_commit_interval,
                    "Seconds after the last commit when waiting shards are committed anyway")
        ->capture_default_str();
    app->add_option("--push-retries", run.push_retries,
                    "Attempts per Hub request (429/5xx/network errors), the first included")
        ->capture_default_str();
    // How much.
    app->add_option("--max-tokens", run.max_tokens, "Stop after this many rows (tokens with activations)")
        ->check(NonNegativeInteger());
    app->add_option("--max-docs", run.max_docs, "Read only the first N corpus records")->check(NonNegativeInteger());
    app->add_option("--max-shards", run.max_shards, "Stop after this many shards")->check(NonNegativeInteger());
    // How fast; never changes the output.
    app->add_option("--batch", run.batch, "Windows per forward pass (seed: BATCH_FWD)")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{4096}))
        ->capture_default_str();
    app->add_option("--threads", run.threads, "Compute threads (0: all cores)")
        ->check(CLI::Range(0, 1024))
        ->capture_default_str();
    app->add_option("--writer-threads", run.writer_threads,
                    "Shards encoded and compressed at once, each on its own thread, while the next fills "
                    "(default: half the cores up to 8 with --device cuda, 0 on the CPU: encoding on the "
                    "writer stage's thread)");
    app->add_option("--tokenizer-threads", run.tokenizer_threads, "Threads tokenizing ahead of the model")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str();
    app->add_option("--device", run.device, "cpu, cuda, or auto (cuda when a GPU is usable, else cpu)")->capture_default_str();
    app->add_flag("--quiet", run.quiet, "No progress lines (the final summary still prints)");
    app->add_option("--log-interval", options->log_interval, "Seconds between progress lines when not on a terminal")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    return Subcommand{app, [options, app] { return Run(*options, *app); }};
}

}  // namespace actcache::cli
