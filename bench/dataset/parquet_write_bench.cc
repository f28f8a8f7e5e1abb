// Encode + compress + write of activation rows, per codec, against `cp` of a file of the same
// raw size in the same run.
//
// Napkin math: one row group of the seed's shape is 24,319 rows x 2048 bf16 = 99.6 MB of raw
// activation bytes; Parquet stores uint16 as INT32, so an uncompressed page holds twice that.
// The goal is >= 400 MB/s of raw activation bytes per core at the default codec (a GPU produces
// over 1 GB/s, so several cores must share the compression). Rows are synthetic but shaped like
// real activations: per-dimension scales spread over two orders of magnitude, a few outlier
// dimensions, rounded to bf16 (mantissas are what resist compression).
// Counters: size_ratio = file bytes / raw bf16 bytes.
// The float32 variants (`run --dtype f32`) write the same activations unrounded as FLOAT, 4 raw
// bytes per value (no widening): throughput and size_ratio are per raw float32 byte.
#include <benchmark/benchmark.h>

#include <cmath>
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

// state.range(0): threads encoding and compressing pages.
void BM_ParquetWrite(benchmark::State& state, Compression compression, int level,
                     bool byte_stream_split = false, bool float32 = false) {
    (void)RowBytes(float32, 0);  // generate the rows before timing
    actcache::ThreadPool pool(static_cast<int>(state.range(0)));
    const std::string path = BenchDir() + "/shard.parquet";
    std::int64_t file_bytes = 0;
    for (auto _ : state) {
        actcache::dataset::ParquetShardOptions options;
        options.compression = compression;
        options.zstd_level = level;
        options.byte_stream_split = byte_stream_split;
        if (float32) options.activation_columns[0].type = actcache::dataset::ActivationType::kFloat32;
        auto writer = actcache::dataset::ParquetShardWriter::Create(path, options, &pool);
        if (!writer.ok()) {
            state.SkipWithError(writer.status().message().c_str());
            return;
        }
        for (std::int64_t r = 0; r < kRows; ++r) {
            const std::span<const std::byte> spans[] = {RowBytes(float32, r)};
            (void)(*writer)->AddRow(r / 100, static_cast<std::int32_t>(r % 4096), static_cast<std::int32_t>(r % 128256), spans);
        }
        if (!(*writer)->Finish().ok()) state.SkipWithError("finish failed");
        file_bytes = (*writer)->size_bytes();
    }
    const std::int64_t raw = kRows * kWidth * (float32 ? 4 : 2);
    state.SetBytesProcessed(state.iterations() * raw);
    state.counters["size_ratio"] = static_cast<double>(file_bytes) / static_cast<double>(raw);
}

void BM_ParquetWrite_CpPeer(benchmark::State& state) {
    const std::string source = BenchDir() + "/raw.bin";
    if (!std::filesystem::exists(source)) {
        const auto& values = Activations();
        FILE* f = std::fopen(source.c_str(), "wb");
        std::fwrite(values.data(), 2, values.size(), f);
        std::fclose(f);
    }
    const std::string command = "cp '" + source + "' '" + BenchDir() + "/copy.bin'";
    for (auto _ : state) {
        if (std::system(command.c_str()) != 0) state.SkipWithError("cp failed");
    }
    state.SetBytesProcessed(state.iterations() * kRows * kWidth * 2);
}

BENCHMARK(BM_ParquetWrite_CpPeer)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ParquetWrite, none, Compression::kNone, 0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ParquetWrite, snappy, Compression::kSnappy, 0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ParquetWrite, zstd_fast3, Compression::kZstd, -3)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ParquetWrite, zstd1, Compression::kZstd, 1)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ParquetWrite, zstd1_byte_stream_split, Compression::kZstd, 1, true)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ParquetWrite, zstd3, Compression::kZstd, 3)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ParquetWrite, gzip, Compression::kGzip, 0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ParquetWrite, f32_zstd1, Compression::kZstd, 1, false, true)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_ParquetWrite, f32_zstd1_byte_stream_split, Compression::kZstd, 1, true, true)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
