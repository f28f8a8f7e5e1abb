// bf16 GEMM throughput at the Llama-3.2-1B shapes: the CPU backend's GEMM of every kernel set
// this CPU runs (avx512bf16, avx512, avx2; cpu_kernel_set.h) against the scalar reference, in
// the same run, on 1 and 2 threads.
//
// FLOPs: 2·M·K·N per matmul (one multiply and one add per weight per row). Shapes (K → N):
// q/o 2048 → 2048, k/v 2048 → 512, gate/up 2048 → 8192, down 8192 → 2048. M = rows (tokens)
// per call; the seed runs 16 windows of 4096 tokens, so M is large — 512 rows here keep the
// reference side to seconds. The reference's speed does not depend on M.
//
// Napkin math: vdpbf16ps does 32 bf16 multiply-adds per instruction per zmm; at 2 per cycle and
// ~4 GHz one core peaks near 512 GFLOP/s; the 6×64 tile needs 4 loads of weights per 24
// vdpbf16ps, so L1/L2 bandwidth, not the ALUs, is the expected limit. The widening kernels
// (avx512, avx2) do half the multiply-adds per instruction and spend extra ones on widening, so
// they can reach at most half that.
#include <benchmark/benchmark.h>

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
using actcache::kernels::WeightMatrix;
using actcache::kernels::WeightType;

struct Shape {
    std::int64_t k, n;
};
constexpr Shape kShapes[] = {{2048, 2048}, {2048, 512}, {2048, 8192}, {8192, 2048}};

std::vector<float> RandomBf16(std::int64_t n, std::uint64_t seed, double scale) {
    actcache::NormalGenerator normal(seed);
    std::vector<float> values(static_cast<std::size_t>(n));
    for (float& v : values) v = actcache::Bf16ToFloat(actcache::RoundToBf16(static_cast<float>(scale * normal.Next())));
    return values;
}

// args: shape index, M, threads, kernel set (CpuKernelSet as an integer, 0 = reference).
void BM_Matmul(benchmark::State& state) {
    const Shape shape = kShapes[state.range(0)];
    const std::int64_t M = state.range(1);
    const int threads = static_cast<int>(state.range(2));
    const auto set = static_cast<CpuKernelSet>(state.range(3));
    if (set > actcache::kernels::DetectCpuKernelSet()) {
        state.SkipWithError("this CPU cannot run these kernels");
        return;
    }
    const auto x = RandomBf16(M * shape.k, 1, 1.0);
    std::vector<actcache::Bf16Bits> w_bits(static_cast<std::size_t>(shape.n * shape.k));
    const auto w_values = RandomBf16(shape.n * shape.k, 2, 0.02);
    for (std::size_t i = 0; i < w_bits.size(); ++i) w_bits[i] = actcache::RoundToBf16(w_values[i]);
    const WeightMatrix w{w_bits.data(), WeightType::kBf16, shape.n, shape.k};
    std::vector<float> y(static_cast<std::size_t>(M * shape.n));
    actcache::ThreadPool pool(threads);
    auto backend = actcache::kernels::MakeCpuBackend(pool, set);
    backend->Matmul(Precision::kBf16, x.data(), M, shape.k, w, y.data());  // packs the weight
    for (auto _ : state) {
        backend->Matmul(Precision::kBf16, x.data(), M, shape.k, w, y.data());
        benchmark::DoNotOptimize(y.data());
    }
    const double flops = 2.0 * static_cast<double>(M * shape.k * shape.n);
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.SetLabel(std::string(actcache::kernels::CpuKernelSetName(set)) + " K=" + std::to_string(shape.k) +
                   " N=" + std::to_string(shape.n));
}

BENCHMARK(BM_Matmul)
    ->ArgNames({"shape", "M", "threads", "set"})
    ->ArgsProduct({{0, 1, 2, 3}, {512}, {1, 2}, {3}})
    ->ArgsProduct({{0, 2}, {8192}, {1, 2}, {3}})
    ->ArgsProduct({{0, 2}, {512}, {1, 2}, {1, 2}})
    ->ArgsProduct({{0, 2}, {64}, {1, 2}, {0}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
