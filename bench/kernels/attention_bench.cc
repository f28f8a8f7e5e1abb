// Causal grouped-query attention throughput at the Llama-3.2-1B shape (H = 32 query heads on
// Hkv = 8 kv heads, Dh = 64), one sequence of T tokens: the CPU backend's attention of each
// kernel set this CPU runs (avx512bf16 at T = 1024 and 4096, avx512 and avx2 at 1024) against
// the scalar reference, on 1 and 2 threads.
//
// FLOPs: 4·H·Dh·T·(T+1)/2 — scores and P·V, 2 FLOPs per multiply-add, over the T(T+1)/2
// (query, key) pairs of the causal mask (the count of bench/model/forward_throughput.py).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/bf16.h"
#include "core/random.h"
#include "core/thread_pool.h"
#include "kernels/backend.h"
#include "kernels/cpu_kernel_set.h"

namespace {

using actcache::kernels::CpuKernelSet;
using actcache::kernels::Precision;

constexpr std::int64_t kHeads = 32, kKvHeads = 8, kHeadDim = 64;

std::vector<float> RandomBf16(std::int64_t n, std::uint64_t seed) {
    actcache::NormalGenerator normal(seed);
    std::vector<float> values(static_cast<std::size_t>(n));
    for (float& v : values) v = actcache::Bf16ToFloat(actcache::RoundToBf16(static_cast<float>(normal.Next())));
    return values;
}

// args: T, threads, kernel set (CpuKernelSet as an integer, 0 = reference).
void BM_Attention(benchmark::State& state) {
    const std::int64_t T = state.range(0);
    const int threads = static_cast<int>(state.range(1));
    const auto set = static_cast<CpuKernelSet>(state.range(2));
    if (set > actcache::kernels::DetectCpuKernelSet()) {
        state.SkipWithError("this CPU cannot run these kernels");
        return;
    }
    const auto q = RandomBf16(T * kHeads * kHeadDim, 1);
    const auto k = RandomBf16(T * kKvHeads * kHeadDim, 2);
    const auto v = RandomBf16(T * kKvHeads * kHeadDim, 3);
    std::vector<float> out(static_cast<std::size_t>(T * kHeads * kHeadDim));
    actcache::ThreadPool pool(threads);
    auto backend = actcache::kernels::MakeCpuBackend(pool, set);
    const float scale = 1.0f / std::sqrt(static_cast<float>(kHeadDim));
    for (auto _ : state) {
        backend->Attention(Precision::kBf16, q.data(), k.data(), v.data(), 1, T, kHeads, kKvHeads, kHeadDim, scale,
                           out.data());
        benchmark::DoNotOptimize(out.data());
    }
    const double flops = 4.0 * kHeads * kHeadDim * static_cast<double>(T) * static_cast<double>(T + 1) / 2;
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(std::string(actcache::kernels::CpuKernelSetName(set)) + " T=" + std::to_string(T));
}

BENCHMARK(BM_Attention)
    ->ArgNames({"T", "threads", "set"})
    ->ArgsProduct({{1024, 4096}, {1, 2}, {3}})
    ->ArgsProduct({{1024}, {1, 2}, {1, 2}})
    ->ArgsProduct({{1024}, {1, 2}, {0}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
