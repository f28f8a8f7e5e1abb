// shard_sink_bench: rows per second into ShardSink (statistics, Parquet encoding with the
// default dictionary + zstd, files, manifest) for 0, 1, 2, ... encoder threads — the writer stage
// of `actcache run` on its own, fed as fast as it takes rows. Rows are 2048 bf16 values of
// N(0, 1) (the layer-8 MLP output's width); shards of the seed's 50,000 rows in a temporary folder.
// Counters: rows/s, MB/s of raw activation bytes, and MB_per_cpu_s: raw MB per second of the
// process's CPU time (all threads), the per-core cost.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/bf16.h"
#include "core/thread_pool.h"
#include "core/random.h"
#include "pipeline/shard_sink.h"

namespace {

using namespace actcache;

constexpr std::int64_t kWidth = 2048;
constexpr std::int64_t kDistinctRows = 4096;  // rows per block, the same in every block

void BM_ShardSink(benchmark::State& state) {
    const int writer_threads = static_cast<int>(state.range(0));
    // 8 shards of the seed's size: the first shards' memory faults in, later shards reuse it
    // (the steady state).
    const std::int64_t rows = 400'000;
    std::vector<std::uint16_t> values(static_cast<std::size_t>(kDistinctRows * kWidth));
    NormalGenerator normal(7);
    for (auto& v : values) v = RoundToBf16(static_cast<float>(normal.Next()));
    // The rows in blocks of kDistinctRows, as the run's compute stage hands them over (with the
    // same values in every block).
    std::vector<std::shared_ptr<const pipeline::RowBlock>> blocks;
    for (std::int64_t first = 0; first < rows; first += kDistinctRows) {
        auto block = std::make_shared<pipeline::RowBlock>();
        const auto* bytes = reinterpret_cast<const std::byte*>(values.data());
        block->activations.emplace_back(bytes, bytes + values.size() * 2);
        for (std::int64_t r = first; r < first + kDistinctRows; ++r) {
            block->origins.push_back(pipeline::RowOrigin{r, 0, 0});
            block->doc_ids.push_back(r);
            block->tok_pos.push_back(0);
            block->token_ids.push_back(1);
        }
        blocks.push_back(std::move(block));
    }
    const std::string dir = (std::filesystem::temp_directory_path() / "actcache-shard-sink-bench").string();
    std::clock_t cpu = 0;
    for (auto _ : state) {
        state.PauseTiming();
        std::filesystem::remove_all(dir);
        pipeline::ShardSinkOptions options;
        options.output_dir = dir;
        options.shard_size = 50'000;  // SHARD_SIZE: two full row groups and a small third
        options.writer_threads = writer_threads;
        options.parquet.activation_columns = {dataset::ActivationColumn{"activacion", kWidth, dataset::ActivationType::kBf16Bits}};
        options.hook_sites = {"model.layers.8.mlp"};
        pipeline::RunManifest manifest;
        manifest.statistics.emplace_back(kWidth);
        pipeline::ShardSink sink(options, std::move(manifest));
        state.ResumeTiming();
        const std::clock_t cpu_start = std::clock();
        for (std::int64_t r = 0; r < rows; r += kDistinctRows) {
            const std::int64_t n = std::min(kDistinctRows, rows - r);
            if (!sink.AddRows(blocks[static_cast<std::size_t>(r / kDistinctRows)], 0, n).ok()) state.SkipWithError("AddRows");
        }
        if (!sink.Finish("bench", JsonValue()).ok()) state.SkipWithError("Finish");
        cpu += std::clock() - cpu_start;
    }
    std::filesystem::remove_all(dir);
    state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["MB/s"] = benchmark::Counter(static_cast<double>(rows * kWidth * 2) / 1e6,
                                                benchmark::Counter::kIsIterationInvariantRate);
    state.counters["MB_per_cpu_s"] = static_cast<double>(state.iterations() * rows * kWidth * 2) / 1e6 /
                                     (static_cast<double>(cpu) / CLOCKS_PER_SEC);
}
// 0, 1 and 2 encoder threads, then powers of two up to half the machine's threads (the run's
// default with cuda, at most 8: the rest feed the GPU and build rows).
void WriterThreads(benchmark::internal::Benchmark* bench) {
    bench->Arg(0)->Arg(1)->Arg(2);
    for (int n = 4; n <= std::min(8, ThreadPool::HardwareThreads() / 2); n *= 2) bench->Arg(n);
}
BENCHMARK(BM_ShardSink)->ArgName("writer_threads")->Apply(WriterThreads)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
