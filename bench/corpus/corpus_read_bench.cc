// Reading the corpus: decompress + split lines + parse JSON + extract the text field, against
// `zstdcat FILE > /dev/null` (decompression alone) in the same run.
//
// Napkin math: the GPU side of the seed's job consumes ~0.5 M tokens/s on an H100, about 2 MB/s
// of text per 1,000 tokens/s... i.e. ~2 GB/s of JSONL at full speed, hence the goal of >= 500 MB/s
// of decompressed JSONL per core. zstd alone decompresses at ~1-2 GB/s per core.
//
// The corpus (a generated Pile-format file, 200 MiB of JSONL in 1 MiB zstd frames) is written on
// first use to $ACTCACHE_BENCH_DIR (default ./bench-data).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "corpus/document_reader.h"
#include "pile_corpus.h"

namespace {

struct Corpus {
    std::string path;
    std::int64_t uncompressed_bytes = 0;
};

const Corpus& EnsureCorpus() {
    static const Corpus corpus = [] {
        const char* dir = std::getenv("ACTCACHE_BENCH_DIR");
        Corpus c{std::string(dir != nullptr ? dir : "bench-data") + "/pile-200m.jsonl.zst", 0};
        std::filesystem::create_directories(std::filesystem::path(c.path).parent_path());
        auto written = actcache::bench::WritePileCorpus(c.path, {});
        if (!written.ok()) std::abort();
        c.uncompressed_bytes = *written;
        return c;
    }();
    return corpus;
}

void BM_CorpusRead_Zstdcat(benchmark::State& state) {
    const Corpus& corpus = EnsureCorpus();
    const std::string command = "zstdcat '" + corpus.path + "' > /dev/null";
    for (auto _ : state) {
        if (std::system(command.c_str()) != 0) state.SkipWithError("zstdcat failed");
    }
    state.SetBytesProcessed(state.iterations() * corpus.uncompressed_bytes);
}

void BM_CorpusRead_Documents(benchmark::State& state) {
    const Corpus& corpus = EnsureCorpus();
    std::int64_t documents = 0;
    for (auto _ : state) {
        actcache::corpus::DocumentReader reader({actcache::corpus::Source{corpus.path, {}}}, {});
        actcache::corpus::Document document;
        while (true) {
            auto more = reader.Next(document);
            if (!more.ok()) {
                state.SkipWithError(more.status().message().c_str());
                return;
            }
            if (!*more) break;
            benchmark::DoNotOptimize(document.text.data());
            ++documents;
        }
    }
    state.SetBytesProcessed(state.iterations() * corpus.uncompressed_bytes);
    state.counters["documents"] = static_cast<double>(documents) / state.iterations();
}

BENCHMARK(BM_CorpusRead_Zstdcat)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_CorpusRead_Documents)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
