// `actcache forward`: the activations of one token sequence at one or more hook sites, written
// as .npy files (float32 values, or the bf16 bit patterns as uint16 with --raw).
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/bf16.h"
#include "core/file_util.h"
#include "core/npy.h"
#include "core/thread_pool.h"
#include "hub/hub_settings.h"
#include "model/config.h"
#include "model/hook_site.h"
#include "model/llama_forward.h"
#include "model/llama_model.h"
#include "pipeline/compute_device.h"
#include "pipeline/model_source.h"
#include "tokenizer/tokenizer.h"

namespace actcache::cli {
namespace {

struct ForwardCommandOptions {
    std::string model_dir;
    std::vector<std::string> hooks;
    std::string tokens;
    std::string text;
    bool add_special = false;
    std::string out;
    std::string dtype = "bf16";
    std::string device = "auto";
    bool raw = false;
    int threads = ThreadPool::HardwareThreads();
};

Result<std::vector<std::int32_t>> ParseTokenList(const std::string& text) {
    std::vector<std::int32_t> ids;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        std::string_view item(text.data() + start, comma - start);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        std::int32_t id = 0;
        auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), id);
        if (item.empty() || error != std::errc() || end != item.data() + item.size()) {
            return Status::InvalidArgument("'" + std::string(item) +
                                           "' is not a token id (expected e.g. --tokens 1,2,3)");
        }
        ids.push_back(id);
        start = comma + 1;
    }
    return ids;
}

Status WriteCapture(const std::string& path, std::span<const float> values, std::int64_t T,
                    std::int64_t width, bool raw) {
    if (!raw) return WriteNpyFloat32(path, {T, width}, values);
    std::vector<std::uint16_t> bits(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) bits[i] = RoundToBf16(values[i]);  // exact
    return WriteNpyUint16(path, {T, width}, bits);
}

Status Forward(ForwardCommandOptions options) {
    // A Hub id is read from the HF cache, downloaded into it when missing (as `run` does).
    ACT_ASSIGN_OR_RETURN(options.model_dir,
                         pipeline::ResolveModelDir(options.model_dir, hub::ResolveHubSettings(hub::ProcessEnvironment())));
    std::vector<std::int32_t> tokens;
    if (!options.text.empty()) {  // the model's own tokenizer, as tok(text, add_special_tokens=...)
        ACT_ASSIGN_OR_RETURN(auto tokenizer, tokenizer::Tokenizer::Load(options.model_dir));
        tokens = tokenizer->Encode(options.text, options.add_special);
        if (tokens.empty()) return Status::InvalidArgument("--text: the text gives no tokens");
    } else {
        ACT_ASSIGN_OR_RETURN(tokens, ParseTokenList(options.tokens));
    }
    const kernels::Precision precision =
        options.dtype == "f32" ? kernels::Precision::kF32 : kernels::Precision::kBf16;
    ACT_ASSIGN_OR_RETURN(model::LlamaConfig config,
                         model::LoadLlamaConfig(options.model_dir + "/config.json"));
    std::vector<model::HookSite> sites;
    for (const std::string& hook : options.hooks) {
        ACT_ASSIGN_OR_RETURN(model::HookSite site, model::ParseHookSite(hook, config));
        sites.push_back(std::move(site));
    }
    const std::int64_t T = static_cast<std::int64_t>(tokens.size());
    if (T > config.max_position_embeddings) {
        return Status::InvalidArgument("--tokens: " + std::to_string(T) +
                                       " tokens exceed the model's max_position_embeddings " +
                                       std::to_string(config.max_position_embeddings));
    }
    ACT_ASSIGN_OR_RETURN(const pipeline::ResolvedDevice device,
                         pipeline::ResolveComputeDevice(options.device, precision, options.threads));
    const model::RequiredWeights required = model::WeightsForHooks(sites);
    ACT_ASSIGN_OR_RETURN(auto llama, model::LlamaModel::Load(options.model_dir, precision,
                                                             required.n_layers, required.final_norm));
    ThreadPool pool(options.threads);
    ACT_ASSIGN_OR_RETURN(auto forward,
                         pipeline::CreateForwardEngine(
                             device.device, *llama,
                             model::ForwardOptions{.hooks = sites, .max_batch = 1, .max_tokens = T}, pool));
    ACT_RETURN_IF_ERROR(forward->Run(tokens, 1, T));

    const bool one_file = sites.size() == 1;
    if (!one_file) ACT_RETURN_IF_ERROR(CreateDirectories(options.out));
    for (std::size_t i = 0; i < sites.size(); ++i) {
        const std::string path = one_file ? options.out : options.out + "/" + options.hooks[i] + ".npy";
        ACT_RETURN_IF_ERROR(
            WriteCapture(path, forward->capture(i), T, forward->capture_width(i), options.raw));
        std::printf("%s: %s [%lld, %lld] %s\n", path.c_str(), sites[i].name.c_str(),
                    static_cast<long long>(T), static_cast<long long>(forward->capture_width(i)),
                    options.raw ? "uint16 (bf16 bits)" : "float32");
    }
    return Status::Ok();
}

}  // namespace

Subcommand AddForwardCommand(CLI::App& parent) {
    auto options = std::make_shared<ForwardCommandOptions>();
    CLI::App* app = parent.add_subcommand(
        "forward", "Capture the activations of one token sequence into .npy files");
    app->add_option("--model", options->model_dir,
                    "HF-format model folder, or a Hub id ORG/NAME[@REV] (HF cache, downloaded when missing)")
        ->required();
    app->add_option("--hook", options->hooks,
                    "Hook site, repeatable: an HF module path (output; ':input' for its input) "
                    "such as model.layers.8.mlp, or a TransformerLens name such as "
                    "blocks.8.hook_mlp_out")
        ->required();
    auto* tokens =
        app->add_option("--tokens", options->tokens, "Token ids, e.g. 128000,9906,1917")
            ->check(CLI::Validator(
                [](std::string& value) {
                    Result<std::vector<std::int32_t>> ids = ParseTokenList(value);
                    return ids.ok() ? std::string() : ids.status().message();
                },
                "ID,ID,..."));
    auto* text = app->add_option("--text", options->text, "Text to tokenize with the model's tokenizer");
    tokens->excludes(text);
    app->add_flag("--add-special", options->add_special, "With --text: prepend BOS");
    app->add_option("--out", options->out,
                    "Output: a .npy file [T, width] for one hook; a folder with one "
                    "<hook>.npy per hook for several")
        ->required();
    app->add_option("--dtype", options->dtype, "Numerics: bf16 (the HF recipe) or f32 (default bf16)")
        ->check(CLI::IsMember({"bf16", "f32"}));
    auto* raw = app->add_flag("--raw", options->raw,
                              "Write the bf16 bit patterns as uint16 instead of float32 values");
    app->add_option("--threads", options->threads, "Worker threads (default: all cores)")
        ->check(CLI::Range(1, 1024));
    app->add_option("--device", options->device, "cpu, cuda, or auto (default: cuda when a GPU is usable, else cpu)")
        ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
    app->callback([raw, tokens, text, options] {
        if (tokens->count() == 0 && text->count() == 0) {
            throw CLI::RequiredError("--tokens or --text");
        }
        if (raw->count() > 0 && options->dtype == "f32") {
            throw CLI::ValidationError("--raw", "needs --dtype bf16 (f32 values are not bf16)");
        }
    });
    return Subcommand{app, [options] { return Forward(*options); }};
}

}  // namespace actcache::cli
