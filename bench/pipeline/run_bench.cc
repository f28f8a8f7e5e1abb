// run_bench: end-to-end tokens/s of `actcache run` against the forward pass alone on the same
// windows, in one program run, and the run's peak memory.
//
//   peer:  LlamaForward::Run over the run's own windows, in batches, nothing else (in process)
//   ours:  the `actcache run` binary on the same model and corpus: model load, read, filter,
//          tokenize, window, forward, special-token filter, statistics, Parquet, manifest
//   goal:  pipeline overhead (run time / forward-alone time − 1) under 10%
//
// The model is a generated mid-size Llama (D 256, F 768, 4 layers, GQA 8/4) so that the
// forward pass dominates as it does for the 1B model, while the benchmark takes a minute on 2
// cores; the corpus is tools/make_pile_corpus.py's generated text. Both live in
// $ACTCACHE_BENCH_DIR (default ./bench-data).
//
//   ./build/bench/pipeline/run_bench [--docs N] [--seq-len N] [--batch N] [--threads N]
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "core/thread_pool.h"
#include "corpus/document_reader.h"
#include "corpus/source_list.h"
#include "corpus/window_reader.h"
#include "exit_on_error.h"
#include "generated_model.h"
#include "kernels/backend.h"
#include "model/hook_site.h"
#include "model/llama_forward.h"
#include "model/llama_model.h"
#include "tokenizer/tokenizer.h"

namespace {

using namespace actcache;

void Check(const Status& status, const char* what) { bench::ExitOnError("run_bench", status, what); }

void Shell(const std::string& command) {
    if (std::system(command.c_str()) != 0) {
        std::fprintf(stderr, "run_bench: failed: %s\n", command.c_str());
        std::exit(1);
    }
}

double Seconds(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    long docs = 16, seq_len = 256, batch = 8, threads = ThreadPool::HardwareThreads();
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const long value = std::strtol(argv[i + 1], nullptr, 10);
        if (flag == "--docs") docs = value;
        if (flag == "--seq-len") seq_len = value;
        if (flag == "--batch") batch = value;
        if (flag == "--threads") threads = value;
    }
    const char* env_dir = std::getenv("ACTCACHE_BENCH_DIR");
    const std::string dir = std::string(env_dir ? env_dir : "bench-data") + "/run-bench";
    const std::string corpus = dir + "/corpus-" + std::to_string(docs) + ".jsonl";
    const std::string hook = "model.layers.3.mlp";
    Check(CreateDirectories(dir), "bench dir");
    Result<std::string> generated = bench::EnsureGeneratedModel(dir,
                                                                R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
  "hidden_size": 256, "intermediate_size": 768, "num_hidden_layers": 4, "num_attention_heads": 8,
  "num_key_value_heads": 4, "head_dim": 32, "vocab_size": 512, "max_position_embeddings": 8192,
  "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "bos_token_id": 510, "eos_token_id": 511,
  "torch_dtype": "bfloat16", "tie_word_embeddings": true})",
                                                                ACTCACHE_BINARY);
    Check(generated.status(), "model");
    const std::string model_dir = *generated;
    if (!std::filesystem::exists(corpus)) {
        Shell("python3 '" + std::string(ACTCACHE_SOURCE_DIR) + "/tools/make_pile_corpus.py' '" + corpus +
              "' --docs " + std::to_string(docs) + " --words-max 800 --seed 1");
    }

    // Peer: the forward pass alone over the same windows.
    auto tokenizer = tokenizer::Tokenizer::Load(model_dir);
    Check(tokenizer.status(), "tokenizer");
    corpus::DocumentReader documents({corpus::Source{corpus, {}}}, corpus::DocumentReaderOptions{});
    corpus::WindowReaderOptions window_options;
    window_options.windows.seq_len = seq_len;
    corpus::WindowReader reader(documents, **tokenizer, (*tokenizer)->bos_id(), (*tokenizer)->eos_id(), window_options);
    std::vector<std::int32_t> tokens;
    for (corpus::Window window; ;) {
        Result<bool> more = reader.Next(window);
        Check(more.status(), "windows");
        if (!*more) break;
        tokens.insert(tokens.end(), window.tokens.begin(), window.tokens.end());
    }
    const std::int64_t n_windows = static_cast<std::int64_t>(tokens.size()) / seq_len;
    auto config = model::LoadLlamaConfig(model_dir + "/config.json");
    Check(config.status(), "config");
    auto site = model::ParseHookSite(hook, *config);
    auto llama = model::LlamaModel::Load(model_dir, kernels::Precision::kBf16, 4, false);
    Check(llama.status(), "model");
    ThreadPool pool(static_cast<int>(threads));
    auto backend = kernels::MakeCpuBackend(pool, kernels::DetectCpuKernelSet());
    model::ForwardOptions forward_options;
    forward_options.hooks = {*site};
    forward_options.max_batch = batch;
    forward_options.max_tokens = seq_len;
    auto forward = model::LlamaForward::Create(**llama, *backend, forward_options);
    Check(forward.status(), "forward");
    auto forward_alone = [&] {
        const auto start = std::chrono::steady_clock::now();
        for (std::int64_t w = 0; w < n_windows; w += batch) {
            const std::int64_t B = std::min<std::int64_t>(batch, n_windows - w);
            Check((*forward)->Run(std::span<const std::int32_t>(tokens.data() + w * seq_len,
                                                                static_cast<std::size_t>(B * seq_len)),
                                  B, seq_len),
                  "run");
        }
        return Seconds(start);
    };

    // Ours: the whole job, as a user runs it.
    const std::string output = dir + "/output";
    const std::string command = std::string(ACTCACHE_BINARY) + " run --model '" + model_dir + "' --corpus '" + corpus +
                                "' --hook " + hook + " --seq-len " + std::to_string(seq_len) + " --batch " +
                                std::to_string(batch) + " --threads " + std::to_string(threads) +
                                " --shard-size 20000 --quiet --output '" + output + "' >/dev/null";
    auto whole_run = [&] {
        std::filesystem::remove_all(output);
        const auto start = std::chrono::steady_clock::now();
        Shell(command);
        return Seconds(start);
    };
    // Alternated, best of `repeats` each: a busy neighbour slows one sample, not the ratio.
    double forward_seconds = 1e30, run_seconds = 1e30;
    for (int repeat = 0; repeat < 2; ++repeat) {
        forward_seconds = std::min(forward_seconds, forward_alone());
        run_seconds = std::min(run_seconds, whole_run());
    }
    rusage usage{};
    getrusage(RUSAGE_CHILDREN, &usage);

    const double n_tokens = static_cast<double>(tokens.size());
    std::printf("model D=256 F=768 L=4 (hook %s), %ld docs, %lld windows of %ld tokens, batch %ld, %ld threads\n",
                hook.c_str(), docs, static_cast<long long>(n_windows), seq_len, batch, threads);
    std::printf("forward alone     %8.2f s  %9.0f tokens/s\n", forward_seconds, n_tokens / forward_seconds);
    std::printf("actcache run      %8.2f s  %9.0f tokens/s  (whole job: load, read, tokenize, forward, write)\n",
                run_seconds, n_tokens / run_seconds);
    std::printf("pipeline overhead %+7.1f%%  (goal < 10%%)\n", 100 * (run_seconds / forward_seconds - 1));
    std::printf("peak RSS of run   %8.1f MiB (model weights %.1f MiB)\n", usage.ru_maxrss / 1024.0,
                static_cast<double>(std::filesystem::file_size(model_dir + "/model.safetensors")) / (1 << 20));
    return 0;
}
