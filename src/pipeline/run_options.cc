#include "pipeline/run_options.h"

#include <charconv>
#include <set>

#include "pipeline/shard_layout.h"

namespace actcache::pipeline {

const char* CompressionName(dataset::Compression compression) {
    switch (compression) {
        case dataset::Compression::kNone: return "none";
        case dataset::Compression::kSnappy: return "snappy";
        case dataset::Compression::kZstd: return "zstd";
        case dataset::Compression::kGzip: return "gzip";
    }
    return "?";
}

Result<CompressionChoice> ParseCompression(const std::string& text) {
    const std::size_t colon = text.find(':');
    const std::string name = text.substr(0, colon);
    CompressionChoice choice;
    bool known = false;
    for (dataset::Compression c : {dataset::Compression::kNone, dataset::Compression::kSnappy,
                                   dataset::Compression::kZstd, dataset::Compression::kGzip}) {
        if (name == CompressionName(c)) {
            choice.compression = c;
            known = true;
        }
    }
    if (!known) {
        return Status::InvalidArgument("--compression: '" + text +
                                       "' is not one of none, snappy, zstd, gzip, zstd:LEVEL");
    }
    if (colon == std::string::npos) return choice;
    const std::string level = text.substr(colon + 1);
    if (choice.compression != dataset::Compression::kZstd) {
        return Status::InvalidArgument("--compression: '" + text + "': only zstd takes a level");
    }
    int value = 0;
    const auto [end, error] = std::from_chars(level.data(), level.data() + level.size(), value);
    if (level.empty() || error != std::errc() || end != level.data() + level.size() || value < 1 || value > 22) {
        return Status::InvalidArgument("--compression: '" + text + "': the zstd level must be in 1..22");
    }
    choice.zstd_level = value;
    return choice;
}

Status ValidateRunOptions(const RunOptions& options) {
    if (options.hooks.empty()) return Status::InvalidArgument("--hook: at least one hook site is needed");
    if (!options.columns.empty() && options.columns.size() != options.hooks.size()) {
        return Status::InvalidArgument("--column: " + std::to_string(options.columns.size()) +
                                       " column names for " + std::to_string(options.hooks.size()) +
                                       " hooks (give one name per --hook, in the same order)");
    }
    std::set<std::string> names;
    for (const std::string& name : ColumnNames(options)) {
        if (name.empty()) return Status::InvalidArgument("--column: a column name is empty");
        if (name == "doc_id" || name == "tok_pos" || name == "token_id" || !names.insert(name).second) {
            return Status::InvalidArgument("--column: the name '" + name + "' is used twice");
        }
    }
    if (options.corpus.empty()) return Status::InvalidArgument("--corpus: no corpus given");
    const std::int64_t min_seq_len = options.windows.bos_every_window ? 2 : 1;
    if (options.windows.seq_len < min_seq_len) {
        return Status::InvalidArgument("--seq-len: must be at least " + std::to_string(min_seq_len));
    }
    if (options.trunc_toks < 1) return Status::InvalidArgument("--trunc-toks: must be at least 1");
    if (options.batch < 1) return Status::InvalidArgument("--batch: must be at least 1");
    if (options.shard_size < 1) return Status::InvalidArgument("--shard-size: must be at least 1");
    if (options.shards_per_folder < 1 || options.shards_per_folder > kMaxShardsPerFolder) {
        return Status::InvalidArgument("--shards-per-folder: must be in 1.." + std::to_string(kMaxShardsPerFolder) +
                                       " (the Hub takes fewer than 10,000 entries per folder)");
    }
    if (options.threads < 0) return Status::InvalidArgument("--threads: must be at least 1 (or 0: all)");
    if (options.writer_threads < -1 || options.writer_threads > 256) {
        return Status::InvalidArgument("--writer-threads: must be 0 (encode on the writer stage's thread) to 256");
    }
    if (options.tokenizer_threads < 1) {
        return Status::InvalidArgument("--tokenizer-threads: must be at least 1");
    }
    if (options.dtype != "bf16" && options.dtype != "f32") {
        return Status::InvalidArgument("--dtype: '" + options.dtype + "' is not bf16 or f32");
    }
    if (options.format != "parquet" && options.format != "arrow") {
        return Status::InvalidArgument("--format: '" + options.format + "' is not parquet or arrow");
    }
    if (options.format == "arrow" && !options.push_to_hub.empty()) {
        return Status::InvalidArgument("--format arrow: cannot be used with --push-to-hub; the Hub layout is Parquet");
    }
    if (options.device != "cpu" && options.device != "cuda" && options.device != "auto") {
        return Status::InvalidArgument("--device: '" + options.device + "' is not cpu, cuda or auto");
    }
    if (options.push_to_hub.empty() && options.delete_local_after_push) {
        return Status::InvalidArgument("--delete-local-after-push: needs --push-to-hub");
    }
    if (options.push_shards_per_commit < 1 || options.push_shards_per_commit > 48) {
        return Status::InvalidArgument("--push-shards-per-commit: must be in 1..48 (the Hub takes "
                                       "at most 50 files a commit, the card and statistics included)");
    }
    if (!(options.push_commit_interval >= 0)) {
        return Status::InvalidArgument("--push-commit-interval: must be at least 0 seconds");
    }
    if (options.push_retries < 1) {
        return Status::InvalidArgument("--push-retries: must be at least 1 (the first attempt)");
    }
    if (options.zstd_level < 1 || options.zstd_level > 22) {
        return Status::InvalidArgument("--zstd-level: must be in 1..22");
    }
    if (options.filter.min_chars_exclusive < 0 || options.filter.max_chars_exclusive < 0) {
        return Status::InvalidArgument("--min-chars/--max-chars: must be non-negative");
    }
    return Status::Ok();
}

std::vector<std::string> ColumnNames(const RunOptions& options, const std::vector<std::string>& site_names) {
    if (!options.columns.empty() && options.columns.size() == options.hooks.size()) return options.columns;
    if (options.hooks.size() == 1) return {"activacion"};
    std::vector<std::string> names;
    for (const std::string& hook : site_names.empty() ? options.hooks : site_names) {
        std::string name = hook.starts_with("model.") ? hook.substr(6) : hook;
        for (char& c : name) {
            if (c == '.' || c == ':') c = '_';
        }
        names.push_back(name);
    }
    return names;
}

namespace {

JsonValue StringArray(const std::vector<std::string>& values) {
    JsonValue array = JsonValue::Array();
    for (const std::string& value : values) array.Append(JsonValue::String(value));
    return array;
}

const char* FormatName(corpus::CorpusFormat format) {
    switch (format) {
        case corpus::CorpusFormat::kAuto: return "auto";
        case corpus::CorpusFormat::kJsonl: return "jsonl";
        case corpus::CorpusFormat::kText: return "text";
        case corpus::CorpusFormat::kParquet: return "parquet";
    }
    return "?";
}

}  // namespace

JsonValue OutputIdentity(const RunOptions& options, const std::vector<std::string>& columns,
                         const JsonValue& model_identity) {
    JsonValue id = JsonValue::Object();
    id.Set("model", model_identity);
    id.Set("corpus", StringArray(options.corpus));
    id.Set("text_field", JsonValue::String(options.text_field));
    id.Set("corpus_format", JsonValue::String(FormatName(options.corpus_format)));
    id.Set("skip_bad_records",
           JsonValue::Bool(options.on_bad_record == corpus::BadRecordPolicy::kSkip));
    id.Set("min_chars", JsonValue::Integer(options.filter.min_chars_exclusive));
    id.Set("max_chars", JsonValue::Integer(options.filter.max_chars_exclusive));
    id.Set("reject_uppercase", JsonValue::Bool(options.filter.reject_unchanged_by_upper));
    id.Set("reject_numeric", JsonValue::Bool(options.filter.reject_numeric));
    id.Set("seq_len", JsonValue::Integer(options.windows.seq_len));
    id.Set("keep_partial", JsonValue::Bool(options.windows.keep_partial));
    id.Set("bos_every_window", JsonValue::Bool(options.windows.bos_every_window));
    id.Set("trunc_toks", JsonValue::Integer(options.trunc_toks));
    id.Set("dtype", JsonValue::String(options.dtype));
    id.Set("hooks", StringArray(options.hooks));
    id.Set("columns", StringArray(columns));
    id.Set("shard_size", JsonValue::Integer(options.shard_size));
    // Absent means the default: manifests from before the option had that layout, and resume.
    if (options.shards_per_folder != kMaxShardsPerFolder) {
        id.Set("shards_per_folder", JsonValue::Integer(options.shards_per_folder));
    }
    id.Set("format", JsonValue::String(options.format));
    id.Set("compression", JsonValue::String(CompressionName(options.compression)));
    id.Set("zstd_level", JsonValue::Integer(options.zstd_level));
    id.Set("byte_stream_split", JsonValue::Bool(options.byte_stream_split));
    id.Set("dictionary", JsonValue::Bool(options.dictionary));
    return id;
}

std::vector<std::string> IdentityDifferences(const JsonValue& recorded, const JsonValue& current) {
    std::vector<std::string> differences;
    auto describe = [](const JsonValue* value) {
        return value == nullptr ? std::string("(absent)") : SerializeJson(*value);
    };
    for (const auto& [key, value] : current.members()) {
        const JsonValue* old = recorded.is_object() ? recorded.Find(key) : nullptr;
        if (old == nullptr || SerializeJson(*old) != SerializeJson(value)) {
            differences.push_back(key + ": was " + describe(old) + ", now " + describe(&value));
        }
    }
    if (recorded.is_object()) {
        for (const auto& [key, value] : recorded.members()) {
            if (current.Find(key) == nullptr) differences.push_back(key + ": was " + describe(&value) + ", now (absent)");
        }
    }
    return differences;
}

}  // namespace actcache::pipeline
