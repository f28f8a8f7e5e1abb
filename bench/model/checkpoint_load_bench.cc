// Opening the Llama-3.2-1B checkpoint and touching every weight byte, against `cat` of the same
// file in the same run.
//
// Napkin math: model.safetensors holds 2,471,628,800 bytes of bf16 weights. With the file in the
// page cache both sides are bound by memory bandwidth (tens of GB/s: ~0.1 s); from disk both are
// bound by the device. actcache maps the file (no copy) and validates the header, so it should
// read at least as fast as `cat`, which copies every byte through a pipe buffer.
//
// The model is generated on first use (actcache make-model --preset llama-3.2-1b, ~2.5 GB) in
// $ACTCACHE_BENCH_DIR (default: ./bench-data). Set ACTCACHE_BENCH_COLD=1 (root only) to drop
// the page cache before every iteration and measure reads from disk.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "model/checkpoint.h"
#include "model/config.h"
#include "model/llama_weights.h"

namespace {

std::string ModelDir() {
    const char* dir = std::getenv("ACTCACHE_BENCH_DIR");
    return std::string(dir != nullptr ? dir : "bench-data") + "/llama-3.2-1b";
}

const std::string& EnsureModel() {
    static const std::string dir = [] {
        std::string path = ModelDir();
        if (!std::filesystem::exists(path + "/model.safetensors")) {
            std::string command = std::string(ACTCACHE_BINARY) +
                                  " make-model --preset llama-3.2-1b --seed 0 --out '" + path + "'";
            std::fprintf(stderr, "generating the 1B model: %s\n", command.c_str());
            if (std::system(command.c_str()) != 0) std::abort();
        }
        return path;
    }();
    return dir;
}

void MaybeDropPageCache(benchmark::State& state) {
    const char* cold = std::getenv("ACTCACHE_BENCH_COLD");
    if (cold == nullptr || std::string(cold) != "1") return;
    state.PauseTiming();
    std::system("sync");
    std::ofstream("/proc/sys/vm/drop_caches") << "3\n";
    state.ResumeTiming();
}

std::int64_t WeightFileBytes() {
    return static_cast<std::int64_t>(std::filesystem::file_size(EnsureModel() + "/model.safetensors"));
}

// The peer: the file's bytes copied to /dev/null by cat.
void BM_CheckpointLoad_Cat(benchmark::State& state) {
    const std::string command = "cat '" + EnsureModel() + "/model.safetensors' > /dev/null";
    for (auto _ : state) {
        MaybeDropPageCache(state);
        if (std::system(command.c_str()) != 0) state.SkipWithError("cat failed");
    }
    state.SetBytesProcessed(state.iterations() * WeightFileBytes());
}

// actcache: open (map + validate header + check the inventory against config.json), then read
// every byte of every tensor (64-bit XOR fold, so no byte can be skipped by the compiler).
void BM_CheckpointLoad_OpenAndTouch(benchmark::State& state) {
    const std::string& dir = EnsureModel();
    for (auto _ : state) {
        MaybeDropPageCache(state);
        auto config = actcache::model::LoadLlamaConfig(dir + "/config.json");
        auto checkpoint = actcache::model::Checkpoint::Open(dir);
        if (!config.ok() || !checkpoint.ok() ||
            !actcache::model::CheckLlamaCheckpoint(**checkpoint, *config).ok()) {
            state.SkipWithError("cannot open the model");
            break;
        }
        std::uint64_t fold = 0;
        for (const auto* tensor : (*checkpoint)->tensors()) {
            const std::byte* data = tensor->bytes.data();
            const std::size_t size = tensor->bytes.size();
            std::size_t i = 0;
            for (; i + 8 <= size; i += 8) {
                std::uint64_t word;
                std::memcpy(&word, data + i, 8);
                fold ^= word;
            }
            for (; i < size; ++i) fold ^= static_cast<std::uint64_t>(data[i]);
        }
        benchmark::DoNotOptimize(fold);
    }
    state.SetBytesProcessed(state.iterations() * WeightFileBytes());
}

BENCHMARK(BM_CheckpointLoad_Cat)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_CheckpointLoad_OpenAndTouch)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
