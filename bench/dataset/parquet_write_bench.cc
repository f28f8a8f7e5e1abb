// Encode + compress + write of activation rows, per codec, against `cp` of a file of the same
// raw size in the same run.
//
// Napkin math: one row group of the seed's shape is 24,319 rows x 2048 bf16 = 99.6 MB of raw
// activation bytes; Parquet stores uint16 as INT32, so a PLAIN page holds twice that, while the
// default dictionary encoding stores ~13-bit indices (0.82x raw before any codec).
// The goal is >= 400 MB/s of raw activation bytes per core at the default codec (a GPU produces
// over 1 GB/s, so several cores must share the compression). Rows are synthetic but shaped like
// real activations: per-dimension scales spread over two orders of magnitude, a few outlier
// dimensions, rounded to bf16 (mantissas are what resist compression).
// Counters: size_ratio = file bytes / raw bf16 bytes. Cases: the default layout (bf16 values
// dictionary-encoded) per codec and level; `_plain`, the PLAIN layout written before the
// dictionary (the "before" of bench/README.md, in the same run); `3_row_groups`, the rows written
// three times into one shard; `fresh_buffers`, a writer that does not inherit the previous
// writer's memory (as every shard's writer did before ParquetWriterBuffers).
// The float32 variants (`run --dtype f32`) write the same activations unrounded as FLOAT, 4 raw
// bytes per value (no widening): throughput and size_ratio are per raw float32 byte.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/bf16.h"
#include "core/random.h"
#include "core/thread_pool.h"
#include "dataset/parquet_shard_writer.h"

namespace {

using actcache::dataset::Compression;

constexpr std::int64_t kRows = 24319;
constexpr std::int64_t kWidth = 2048;

// [kRows, kWidth] row-major float32, shaped like real activations.
const std::vector<float>& FloatActivations() {
    static const std::vector<float> values = [] {
        actcache::NormalGenerator normal(7);
        std::vector<double> scale(kWidth);
        for (auto& s : scale) s = std::exp(1.2 * normal.Next()) * 0.05;
        for (int d = 0; d < 8; ++d) scale[d * 251 % kWidth] = 5.0;  // outlier dimensions
        std::vector<float> v(kRows * kWidth);
        for (std::int64_t i = 0; i < kRows * kWidth; ++i) {
            v[i] = static_cast<float>(scale[i % kWidth] * normal.Next());
        }
        return v;
    }();
    return values;
}

// The same values rounded to bf16 bits.
const std::vector<std::uint16_t>& Activations() {
    static const std::vector<std::uint16_t> values = [] {
        const auto& floats = FloatActivations();
        std::vector<std::uint16_t> v(floats.size());
        for (std::size_t i = 0; i < floats.size(); ++i) v[i] = actcache::RoundToBf16(floats[i]);
        return v;
    }();
    return values;
}

// Row r of the activations as AddRow takes it: little-endian bytes.
std::span<const std::byte> RowBytes(bool float32, std::int64_t r) {
    if (float32) return std::as_bytes(std::span<const float>(FloatActivations().data() + r * kWidth, kWidth));
    return std::as_bytes(std::span<const std::uint16_t>(Activations().data() + r * kWidth, kWidth));
}

std::string BenchDir() {
    const char* dir = std::getenv("ACTCACHE_BENCH_DIR");
    std::string path = std::string(dir != nullptr ? dir : "bench-data") + "/parquet";
    std::filesystem::create_directories(path);
    return path;
}

struct Case {
    Compression compression = Compression::kZstd;
    int level = 1;
    bool dictionary = true;  // the default layout
    bool byte_stream_split = false;
    bool float32 = false;
    int row_groups = 1;  // the rows written this many times: later row groups reuse the buffers
    // Each writer gets the buffers the previous one used, as ShardSink lends them shard after
    // shard (the steady state of a run); false: every writer faults in fresh memory.
    bool reuse_buffers = true;
};

// state.range(0): threads encoding and compressing pages. Counters: size_ratio; cores = process
// CPU time (all threads) / wall time; MB_per_cpu_s = raw MB per second of CPU time, the per-core
// throughput the goal is stated in.
void BM_ParquetWrite(benchmark::State& state, Case test) {
    (void)RowBytes(test.float32, 0);  // generate the rows before timing
    actcache::ThreadPool pool(static_cast<int>(state.range(0)));
    const std::string path = BenchDir() + "/shard.parquet";
    std::int64_t file_bytes = 0;
    std::clock_t cpu = 0;
    double wall_s = 0;
    actcache::dataset::ParquetWriterBuffers buffers;
    for (auto _ : state) {
        const std::clock_t cpu_start = std::clock();
        const auto wall_start = std::chrono::steady_clock::now();
        actcache::dataset::ParquetShardOptions options;
        options.compression = test.compression;
        options.zstd_level = test.level;
        options.dictionary = test.dictionary;
        options.byte_stream_split = test.byte_stream_split;
        if (test.float32) options.activation_columns[0].type = actcache::dataset::ActivationType::kFloat32;
        auto writer = actcache::dataset::ParquetShardWriter::Create(path, options, &pool,
                                                                    test.reuse_buffers ? &buffers : nullptr);
        if (!writer.ok()) {
            state.SkipWithError(writer.status().message().c_str());
            return;
        }
        for (std::int64_t r = 0; r < kRows * test.row_groups; ++r) {
            const std::span<const std::byte> spans[] = {RowBytes(test.float32, r % kRows)};
            (void)(*writer)->AddRow(r / 100, static_cast<std::int32_t>(r % 4096), static_cast<std::int32_t>(r % 128256), spans);
        }
        if (!(*writer)->Finish().ok()) state.SkipWithError("finish failed");
        file_bytes = (*writer)->size_bytes();
        cpu += std::clock() - cpu_start;
        wall_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    }
    const std::int64_t raw = kRows * kWidth * (test.float32 ? 4 : 2) * test.row_groups;
    state.SetBytesProcessed(state.iterations() * raw);
    state.counters["size_ratio"] = static_cast<double>(file_bytes) / static_cast<double>(raw);
    const double cpu_s = static_cast<double>(cpu) / CLOCKS_PER_SEC;
    state.counters["cores"] = cpu_s / wall_s;
    state.counters["MB_per_cpu_s"] = static_cast<double>(state.iterations() * raw) / 1e6 / cpu_s;
}

// `cp` of a file of the raw size; with `fsync`, then `sync FILE` (fsync, as the writer does
// before its rename).
void BM_ParquetWrite_CpPeer(benchmark::State& state, bool fsync) {
    const std::string source = BenchDir() + "/raw.bin";
    if (!std::filesystem::exists(source)) {
        const auto& values = Activations();
        FILE* f = std::fopen(source.c_str(), "wb");
        std::fwrite(values.data(), 2, values.size(), f);
        std::fclose(f);
    }
    const std::string copy = BenchDir() + "/copy.bin";
    const std::string command = "cp '" + source + "' '" + copy + "'" + (fsync ? " && sync '" + copy + "'" : "");
    for (auto _ : state) {
        if (std::system(command.c_str()) != 0) state.SkipWithError("cp failed");
    }
    state.SetBytesProcessed(state.iterations() * kRows * kWidth * 2);
}

// 1 and 2 threads, then powers of two up to the machine's threads.
void Threads(benchmark::internal::Benchmark* bench) {
    bench->Arg(1)->Arg(2);
    for (int n = 4; n <= actcache::ThreadPool::HardwareThreads(); n *= 2) bench->Arg(n);
}

BENCHMARK_CAPTURE(BM_ParquetWrite_CpPeer, cp, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ParquetWrite_CpPeer, cp_fsync, true)->Unit(benchmark::kMillisecond)->UseRealTime();
#define ACT_PARQUET_CASE(name, ...) \
    BENCHMARK_CAPTURE(BM_ParquetWrite, name, Case{__VA_ARGS__})->Unit(benchmark::kMillisecond)->UseRealTime()
ACT_PARQUET_CASE(zstd1, .compression = Compression::kZstd, .level = 1)->Apply(Threads);
ACT_PARQUET_CASE(zstd1_fresh_buffers, .compression = Compression::kZstd, .level = 1, .reuse_buffers = false)->Arg(1)->Arg(2);
ACT_PARQUET_CASE(zstd1_3_row_groups, .compression = Compression::kZstd, .level = 1, .row_groups = 3)->Arg(1)->Arg(2);
ACT_PARQUET_CASE(zstd1_plain, .compression = Compression::kZstd, .level = 1, .dictionary = false)->Arg(1)->Arg(2);
ACT_PARQUET_CASE(none, .compression = Compression::kNone)->Arg(1)->Arg(2);
ACT_PARQUET_CASE(snappy, .compression = Compression::kSnappy)->Arg(1)->Arg(2);
ACT_PARQUET_CASE(zstd_fast1, .compression = Compression::kZstd, .level = -1)->Arg(1);
ACT_PARQUET_CASE(zstd2, .compression = Compression::kZstd, .level = 2)->Arg(1);
ACT_PARQUET_CASE(zstd3, .compression = Compression::kZstd, .level = 3)->Arg(1);
ACT_PARQUET_CASE(gzip, .compression = Compression::kGzip)->Arg(1);
ACT_PARQUET_CASE(none_plain, .compression = Compression::kNone, .dictionary = false)->Arg(1);
ACT_PARQUET_CASE(snappy_plain, .compression = Compression::kSnappy, .dictionary = false)->Arg(1);
ACT_PARQUET_CASE(zstd_fast1_plain, .compression = Compression::kZstd, .level = -1, .dictionary = false)->Arg(1);
ACT_PARQUET_CASE(zstd3_plain, .compression = Compression::kZstd, .level = 3, .dictionary = false)->Arg(1);
ACT_PARQUET_CASE(zstd1_byte_stream_split, .compression = Compression::kZstd, .level = 1, .byte_stream_split = true)->Arg(1);
ACT_PARQUET_CASE(f32_zstd1, .compression = Compression::kZstd, .level = 1, .float32 = true)->Arg(1)->Arg(2);
ACT_PARQUET_CASE(f32_zstd1_byte_stream_split, .compression = Compression::kZstd, .level = 1,
                 .byte_stream_split = true, .float32 = true)->Arg(1)->Arg(2);

}  // namespace

BENCHMARK_MAIN();
