// `actcache make-model`: writes an HF-format model folder with seeded random weights
// (config.json, model.safetensors, tokenizer.json, tokenizer_config.json) and prints a summary.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/command.h"
#include "core/file_util.h"
#include "core/thread_pool.h"
#include "model/checkpoint.h"
#include "model/config.h"
#include "model/llama_weights.h"
#include "model/presets.h"
#include "model/random_model.h"
#include "tokenizer/sample_tokenizer.h"
#include "tokenizer/tokenizer_file_info.h"

namespace actcache::cli {
namespace {

struct MakeModelOptions {
    std::string preset;
    std::string config_path;
    std::uint64_t seed = 0;
    std::string dtype = "bf16";
    std::string tokenizer_path;
    std::string out_dir;
    int threads = ThreadPool::HardwareThreads();
};

// Resizes the vocabulary to the given tokenizer and takes its BOS/EOS ids.
Status AdoptTokenizer(const tokenizer::TokenizerFileInfo& info, const std::string& path,
                      model::LlamaConfig& config) {
    config.vocab_size = info.vocab_size;
    if (info.bos_id) config.bos_token_ids = {*info.bos_id};
    if (info.eos_id) config.eos_token_ids = {*info.eos_id};
    for (std::int64_t id : config.bos_token_ids) {
        if (id >= config.vocab_size) {
            return Status::InvalidArgument(path + ": no BOS token found, and the config's "
                                           "bos_token_id " + std::to_string(id) +
                                           " is outside its vocabulary");
        }
    }
    for (std::int64_t id : config.eos_token_ids) {
        if (id >= config.vocab_size) {
            return Status::InvalidArgument(path + ": no EOS token found, and the config's "
                                           "eos_token_id " + std::to_string(id) +
                                           " is outside its vocabulary");
        }
    }
    return Status::Ok();
}

Status WriteTokenizerFiles(const MakeModelOptions& options, const model::LlamaConfig& config,
                           std::string& description) {
    const std::string out_json = options.out_dir + "/tokenizer.json";
    const std::string out_config = options.out_dir + "/tokenizer_config.json";
    if (!options.tokenizer_path.empty()) {
        ACT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(options.tokenizer_path));
        ACT_RETURN_IF_ERROR(WriteFileAtomically(out_json, text));
        std::string sibling =
            (std::filesystem::path(options.tokenizer_path).parent_path() / "tokenizer_config.json")
                .string();
        if (std::filesystem::exists(sibling)) {
            ACT_ASSIGN_OR_RETURN(std::string config_text, ReadFileToString(sibling));
            ACT_RETURN_IF_ERROR(WriteFileAtomically(out_config, config_text));
        }
        description = "copied from " + options.tokenizer_path;
        return Status::Ok();
    }
    if (config.bos_token_ids.size() != 1 || config.eos_token_ids.size() != 1) {
        return Status::InvalidArgument(
            "the sample tokenizer needs exactly one bos_token_id and one eos_token_id in the "
            "config; pass --tokenizer FILE instead");
    }
    tokenizer::SampleTokenizerOptions tokenizer_options{
        .vocab_size = config.vocab_size,
        .bos_id = config.bos_token_ids.front(),
        .eos_id = config.eos_token_ids.front(),
        .model_max_length = config.max_position_embeddings};
    ACT_ASSIGN_OR_RETURN(tokenizer::SampleTokenizerFiles files,
                         tokenizer::BuildSampleTokenizer(tokenizer_options));
    ACT_RETURN_IF_ERROR(WriteFileAtomically(out_json, files.tokenizer_json));
    ACT_RETURN_IF_ERROR(WriteFileAtomically(out_config, files.tokenizer_config_json));
    description = "sample byte-level BPE, " + std::to_string(files.n_merges) + " merges";
    return Status::Ok();
}

std::string RopeDescription(const model::LlamaConfig& c) {
    char buffer[200];
    switch (c.rope_scaling.type) {
        case model::RopeScalingType::kNone:
            std::snprintf(buffer, sizeof buffer, "default (theta %g)", c.rope_theta);
            break;
        case model::RopeScalingType::kLinear:
            std::snprintf(buffer, sizeof buffer, "linear (factor %g, theta %g)",
                          c.rope_scaling.factor, c.rope_theta);
            break;
        case model::RopeScalingType::kLlama3:
            std::snprintf(buffer, sizeof buffer,
                          "llama3 (factor %g, theta %g, original context %lld)",
                          c.rope_scaling.factor, c.rope_theta,
                          static_cast<long long>(c.rope_scaling.original_max_position_embeddings));
            break;
    }
    return buffer;
}

Status MakeModel(const MakeModelOptions& options) {
    auto started = std::chrono::steady_clock::now();
    model::LlamaConfig config;
    std::string source;
    if (!options.config_path.empty()) {
        ACT_ASSIGN_OR_RETURN(config, model::LoadLlamaConfig(options.config_path));
        source = "config " + options.config_path;
    } else {
        const std::string preset = options.preset.empty() ? "tiny" : options.preset;
        ACT_ASSIGN_OR_RETURN(config, model::PresetConfig(preset));
        source = "preset " + preset;
    }
    const bool f32 = options.dtype == "f32";
    config.dtype = f32 ? model::ConfigDtype::kFloat32 : model::ConfigDtype::kBfloat16;
    if (!options.tokenizer_path.empty()) {
        ACT_ASSIGN_OR_RETURN(tokenizer::TokenizerFileInfo info,
                             tokenizer::ReadTokenizerFileInfo(options.tokenizer_path));
        ACT_RETURN_IF_ERROR(AdoptTokenizer(info, options.tokenizer_path, config));
    }
    ACT_RETURN_IF_ERROR(model::ValidateLlamaConfig(config));

    ACT_RETURN_IF_ERROR(CreateDirectories(options.out_dir));
    ACT_RETURN_IF_ERROR(WriteFileAtomically(
        options.out_dir + "/config.json", SerializeJson(model::LlamaConfigToJson(config), 2) + "\n"));
    std::string tokenizer_description;
    ACT_RETURN_IF_ERROR(WriteTokenizerFiles(options, config, tokenizer_description));
    ThreadPool pool(options.threads);
    const std::string weights_path = options.out_dir + "/" + std::string(model::kSingleFileName);
    ACT_RETURN_IF_ERROR(model::WriteRandomLlamaWeights(
        weights_path, config,
        model::RandomModelOptions{.seed = options.seed,
                                  .dtype = f32 ? model::Dtype::kF32 : model::Dtype::kBF16},
        pool));

    // Read the folder back as a user of it would: config and weights must agree.
    ACT_ASSIGN_OR_RETURN(model::LlamaConfig reread,
                         model::LoadLlamaConfig(options.out_dir + "/config.json"));
    ACT_ASSIGN_OR_RETURN(auto checkpoint, model::Checkpoint::Open(options.out_dir));
    ACT_RETURN_IF_ERROR(model::CheckLlamaCheckpoint(*checkpoint, reread));

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto file_bytes = std::filesystem::file_size(weights_path);
    std::printf("wrote %s (%s, seed %llu, %s)\n", options.out_dir.c_str(), source.c_str(),
                static_cast<unsigned long long>(options.seed), f32 ? "f32" : "bf16");
    std::printf("  layers        %lld\n", static_cast<long long>(config.num_hidden_layers));
    std::printf("  hidden        %lld (intermediate %lld)\n",
                static_cast<long long>(config.hidden_size),
                static_cast<long long>(config.intermediate_size));
    std::printf("  heads         %lld query, %lld key/value, head_dim %lld\n",
                static_cast<long long>(config.num_attention_heads),
                static_cast<long long>(config.num_key_value_heads),
                static_cast<long long>(config.head_dim));
    std::printf("  rope          %s, max positions %lld\n", RopeDescription(config).c_str(),
                static_cast<long long>(config.max_position_embeddings));
    std::printf("  vocab         %lld (bos %lld, eos %lld), embeddings %s\n",
                static_cast<long long>(config.vocab_size),
                static_cast<long long>(config.bos_token_ids.front()),
                static_cast<long long>(config.eos_token_ids.front()),
                config.tie_word_embeddings ? "tied" : "untied");
    std::printf("  parameters    %lld in %zu tensors\n",
                static_cast<long long>(model::LlamaParameterCount(config)),
                checkpoint->tensors().size());
    std::printf("  weights       %s, %llu bytes\n", weights_path.c_str(),
                static_cast<unsigned long long>(file_bytes));
    std::printf("  tokenizer     %s\n", tokenizer_description.c_str());
    std::printf("  time          %.2f s on %d threads\n", seconds, options.threads);
    return Status::Ok();
}

}  // namespace

Subcommand AddMakeModelCommand(CLI::App& parent) {
    auto options = std::make_shared<MakeModelOptions>();
    CLI::App* app = parent.add_subcommand(
        "make-model",
        "Write an HF-format model folder with seeded random weights (tests, demo, benchmarks)");
    std::string presets;
    for (std::string_view name : model::PresetNames()) {
        presets += (presets.empty() ? "" : "|") + std::string(name);
    }
    auto* preset = app->add_option("--preset", options->preset,
                                   "Named configuration: " + presets + " (default: tiny)")
                       ->check(CLI::IsMember(model::PresetNames()));
    app->add_option("--config", options->config_path,
                    "Use this Llama-family config.json instead of a preset")
        ->check(CLI::ExistingFile)
        ->excludes(preset);
    app->add_option("--seed", options->seed, "Random seed; same seed, same bytes (default: 0)")
        ->check(NonNegativeInteger());
    app->add_option("--dtype", options->dtype, "Weight dtype: bf16|f32 (default: bf16)")
        ->check(CLI::IsMember({"bf16", "f32"}));
    app->add_option("--tokenizer", options->tokenizer_path,
                    "Copy this tokenizer.json (and a tokenizer_config.json beside it); the "
                    "vocabulary size and BOS/EOS ids follow it")
        ->check(CLI::ExistingFile);
    app->add_option("--out", options->out_dir, "Output folder (created if missing)")->required();
    app->add_option("--threads", options->threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(1, 1024));
    return Subcommand{app, [options] { return MakeModel(*options); }};
}

}  // namespace actcache::cli
