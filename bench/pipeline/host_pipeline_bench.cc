// host_pipeline_bench: how fast the host side of `actcache run` takes a GPU's output, measured on
// any machine. The forward pass is replaced by a stand-in engine that computes nothing (or waits
// as long as a GPU of a given speed would); everything else is the real run: read a Pile-format
// zstd corpus, filter, tokenize, window, batch, the special-token filter and row building,
// statistics, Parquet encoding, shard commits, manifest and card.
//
//   ours:  RunJob with the stand-in engine, on the issue's case: width 2048 (the Llama-3.2-1B
//          MLP output), bf16, seq_len 4096, batch 16, writer threads as `--device cuda` picks
//   peer:  the same rows' bytes written raw into files (write + fsync, one thread, no encoding):
//          the least any pipeline must do to put them on this disk
//
// It reports the run's tokens/s, its CPU time per token (all threads), the stages' busy times
// (the summary's `stages:` line), and so how many cores the host needs to keep pace with a GPU
// producing R tokens/s. With --gpu-tokens-per-second R the stand-in takes B·T/R seconds per
// pass, and the run's time against the passes' sum says whether the pipeline keeps up (the
// issue's goal: within 10%).
//
//   ./build/bench/pipeline/host_pipeline_bench [--batches N] [--gpu-tokens-per-second R]
//       [--writer-threads N] [--tokenizer-threads N] [--threads N] [--actcache BINARY]
//
// The model (a 1-layer Llama with the 1B model's width and vocabulary; its weights are loaded
// but never used) and the corpus are generated into $ACTCACHE_BENCH_DIR (default ./bench-data).
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/bf16.h"
#include "core/file_util.h"
#include "core/random.h"
#include "exit_on_error.h"
#include "generated_model.h"
#include "pile_corpus.h"
#include "pipeline/compute_device.h"
#include "pipeline/run.h"

namespace {

using namespace actcache;

void Check(const Status& status, const char* what) { bench::ExitOnError("host_pipeline_bench", status, what); }

double CpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// A forward engine that computes nothing: its captures are windows into a fixed table of bf16
// values of N(0, 1) (what shard_sink_bench writes), shifted by a different number of rows each
// pass so that no two passes give the same rows. With a rate, it plays a GPU of that many
// tokens/s: passes run one after the other from their Start, and Finish returns when the oldest
// would be done.
class StandInEngine final : public model::ForwardEngine {
public:
    StandInEngine(const std::vector<std::uint16_t>& table, std::int64_t width, double tokens_per_second)
        : table_(table), width_(width), tokens_per_second_(tokens_per_second) {}

    Status Run(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) override {
        ACT_RETURN_IF_ERROR(Start(tokens, B, T));
        return Finish();
    }
    Status Start(std::span<const std::int32_t>, std::int64_t B, std::int64_t T) override {
        const auto now = std::chrono::steady_clock::now();
        const double seconds = tokens_per_second_ > 0 ? static_cast<double>(B * T) / tokens_per_second_ : 0;
        const auto begin = in_flight_.empty() ? now : std::max(now, in_flight_.back().done_at);
        in_flight_.push_back(Pass{B * T, seconds,
                                  begin + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                              std::chrono::duration<double>(seconds))});
        return Status::Ok();
    }
    Status Finish() override {
        const Pass pass = in_flight_.front();
        in_flight_.pop_front();
        std::this_thread::sleep_until(pass.done_at);
        pass_seconds_ = pass.seconds;
        rows_ = pass.rows;
        offset_ = (offset_ + kShiftRows) % kSpareRows;
        widened_.clear();
        return Status::Ok();
    }
    double last_pass_seconds() const override { return pass_seconds_; }
    std::span<const std::uint16_t> capture_bf16(std::size_t) const override {
        return {table_.data() + offset_ * width_, static_cast<std::size_t>(rows_ * width_)};
    }
    std::span<const float> capture(std::size_t hook) const override {
        if (widened_.empty()) {
            for (std::uint16_t bits : capture_bf16(hook)) widened_.push_back(Bf16ToFloat(bits));
        }
        return widened_;
    }
    std::int64_t capture_width(std::size_t) const override { return width_; }

    // Rows past a pass's worth that the table holds for the shifts.
    static constexpr std::int64_t kSpareRows = 1021, kShiftRows = 389;

private:
    struct Pass {
        std::int64_t rows;
        double seconds;
        std::chrono::steady_clock::time_point done_at;
    };
    const std::vector<std::uint16_t>& table_;
    const std::int64_t width_;
    const double tokens_per_second_;
    std::deque<Pass> in_flight_;
    std::int64_t rows_ = 0, offset_ = 0;
    double pass_seconds_ = 0;
    mutable std::vector<float> widened_;
};

// Writes `bytes` bytes of `table` (cycled) into files of 200 MB, each fsynced: the peer.
void RawWrite(const std::string& dir, std::int64_t bytes, const std::vector<std::uint16_t>& table) {
    constexpr std::int64_t kFileBytes = 200 << 20, kChunk = 4 << 20;
    const auto* source = reinterpret_cast<const char*>(table.data());
    const auto table_bytes = static_cast<std::int64_t>(table.size() * 2);
    std::int64_t offset = 0;
    for (int file = 0; bytes > 0; ++file) {
        const std::string path = dir + "/raw-" + std::to_string(file);
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) Check(Status::IOError(path + ": " + std::strerror(errno)), "raw write");
        for (std::int64_t in_file = 0; in_file < kFileBytes && bytes > 0;) {
            const std::int64_t n = std::min({kChunk, bytes, table_bytes - offset});
            if (::write(fd, source + offset, static_cast<std::size_t>(n)) != n) {
                Check(Status::IOError(path + ": " + std::strerror(errno)), "raw write");
            }
            offset = (offset + n) % table_bytes;
            in_file += n;
            bytes -= n;
        }
        ::fsync(fd);
        ::close(fd);
        std::filesystem::remove(path);
    }
}

}  // namespace

int main(int argc, char** argv) {
    long batches = 16, writer_threads = -1, tokenizer_threads = 1, threads = 0;
    double gpu_rate = 0;
    std::string actcache = ACTCACHE_BINARY;  // for make-model
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--batches") batches = std::strtol(argv[i + 1], nullptr, 10);
        else if (flag == "--gpu-tokens-per-second") gpu_rate = std::strtod(argv[i + 1], nullptr);
        else if (flag == "--writer-threads") writer_threads = std::strtol(argv[i + 1], nullptr, 10);
        else if (flag == "--tokenizer-threads") tokenizer_threads = std::strtol(argv[i + 1], nullptr, 10);
        else if (flag == "--threads") threads = std::strtol(argv[i + 1], nullptr, 10);
        else if (flag == "--actcache") actcache = argv[i + 1];
        else {
            std::fprintf(stderr, "host_pipeline_bench: unknown option %s\n", flag.c_str());
            return 2;
        }
    }
    constexpr std::int64_t kWidth = 2048, kSeqLen = 4096, kBatch = 16;
    const char* env_dir = std::getenv("ACTCACHE_BENCH_DIR");
    const std::string dir = std::string(env_dir ? env_dir : "bench-data") + "/host-pipeline-bench";
    const std::string output = dir + "/output";
    Result<std::string> model_dir = bench::EnsureGeneratedModel(dir,
                                                                R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
  "hidden_size": 2048, "intermediate_size": 256, "num_hidden_layers": 1, "num_attention_heads": 32,
  "num_key_value_heads": 8, "head_dim": 64, "vocab_size": 128256, "max_position_embeddings": 131072,
  "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "bos_token_id": 128000, "eos_token_id": 128001,
  "torch_dtype": "bfloat16", "tie_word_embeddings": true})",
                                                                actcache);
    Check(model_dir.status(), "model");
    const std::int64_t tokens = batches * kBatch * kSeqLen;
    // ~4.4 JSONL bytes per token for this text and tokenizer, and about a third of the corpus
    // in windows (filtered or short documents, partial windows): twice that, with room.
    const std::int64_t corpus_bytes = tokens * 14;
    const std::string corpus = dir + "/corpus-" + std::to_string(corpus_bytes) + ".jsonl.zst";
    if (!std::filesystem::exists(corpus)) {
        bench::PileCorpusOptions corpus_options;
        corpus_options.uncompressed_bytes = corpus_bytes;
        corpus_options.seed = 3;
        Check(bench::WritePileCorpus(corpus + ".tmp", corpus_options).status(), "corpus");
        std::filesystem::rename(corpus + ".tmp", corpus);
    }

    std::vector<std::uint16_t> table(static_cast<std::size_t>((kBatch * kSeqLen + StandInEngine::kSpareRows) * kWidth));
    NormalGenerator normal(7);
    for (auto& v : table) v = RoundToBf16(static_cast<float>(normal.Next()));

    pipeline::RunOptions options;
    options.model = *model_dir;
    options.corpus = {corpus};
    options.hooks = {"model.layers.0.mlp"};
    options.windows.seq_len = kSeqLen;
    options.batch = kBatch;
    options.max_tokens = tokens;
    options.output = output;
    options.device = "cpu";  // resolved and recorded; the engine is the stand-in
    options.quiet = true;
    options.threads = static_cast<int>(threads);
    options.tokenizer_threads = static_cast<int>(tokenizer_threads);
    options.writer_threads = writer_threads >= 0 ? static_cast<int>(writer_threads)
                                                 : pipeline::DefaultWriterThreads(pipeline::ComputeDevice::kCuda);
    pipeline::RunEnvironment environment;
    environment.engine_factory = [&](const model::LlamaModel&, model::ForwardOptions, ThreadPool&)
        -> Result<std::unique_ptr<model::ForwardEngine>> {
        return std::unique_ptr<model::ForwardEngine>(new StandInEngine(table, kWidth, gpu_rate));
    };

    std::filesystem::remove_all(output);
    const double cpu_start = CpuSeconds();
    Result<pipeline::RunSummary> summary = pipeline::RunJob(options, environment);
    const double run_cpu = CpuSeconds() - cpu_start;
    Check(summary.status(), "run");
    const std::int64_t raw_bytes = summary->rows * kWidth * 2;
    const auto raw_start = std::chrono::steady_clock::now();
    const double raw_cpu_start = CpuSeconds();
    RawWrite(dir, raw_bytes, table);
    const double raw_cpu = CpuSeconds() - raw_cpu_start;
    const double raw_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - raw_start).count();
    std::filesystem::remove_all(output);

    const double after_startup = summary->seconds - summary->startup_seconds;
    const auto n = static_cast<double>(summary->forward_tokens);
    std::printf("host side of actcache run, stand-in engine (%s): %lld tokens in %lld rows, seq_len %lld, batch %lld, "
                "width %lld bf16; %d hardware threads, writer threads %d, tokenizer threads %d\n",
                gpu_rate > 0 ? ("a GPU at " + std::to_string(static_cast<long long>(gpu_rate)) + " tokens/s").c_str()
                             : "no forward time",
                static_cast<long long>(summary->forward_tokens), static_cast<long long>(summary->rows),
                static_cast<long long>(kSeqLen), static_cast<long long>(kBatch), static_cast<long long>(kWidth),
                ThreadPool::HardwareThreads(), options.writer_threads, options.tokenizer_threads);
    std::printf("%-44s %8s %12s %8s %14s %10s\n", "", "wall s", "tokens/s", "CPU s", "CPU us/token", "raw MB/s");
    std::printf("%-44s %8.2f %12.0f %8.2f %14.2f %10.0f\n", "actcache run after its startup (ours)", after_startup,
                n / after_startup, run_cpu, 1e6 * run_cpu / n, static_cast<double>(raw_bytes) / after_startup / 1e6);
    std::printf("%-44s %8.2f %12.0f %8.2f %14.2f %10.0f\n", "raw write of the rows' bytes + fsync (peer)",
                raw_seconds, static_cast<double>(summary->rows) / raw_seconds, raw_cpu,
                1e6 * raw_cpu / static_cast<double>(summary->rows), static_cast<double>(raw_bytes) / raw_seconds / 1e6);
    std::printf("ratio ours / peer: %.2fx the wall time, %.2fx the CPU time\n", after_startup / raw_seconds,
                run_cpu / raw_cpu);
    std::printf("stages: startup %.2f s, reading %.2f s, forward (stand-in) %.2f s, row building %.2f s, "
                "writer %.2f s busy; Parquet %.1f MB in %lld shards; stopped by %s\n",
                summary->startup_seconds, summary->reader_seconds, summary->forward_seconds, summary->rows_seconds,
                summary->writer_seconds, static_cast<double>(summary->bytes) / 1e6,
                static_cast<long long>(summary->shards), summary->stopped_by.c_str());
    if (gpu_rate > 0) {
        std::printf("run after startup / forward passes: %.2fx (goal <= 1.10x)\n", after_startup / summary->forward_seconds);
    }
    for (const double rate : {362540.0, 500000.0}) {
        std::printf("to keep pace with a GPU at %.0f tokens/s the host needs ~%.1f cores of this machine busy\n", rate,
                    run_cpu / n * rate);
    }
    std::printf("summary: %.0f tokens/s on the host side, %.2f CPU us/token: ~%.1f cores for 362540 tokens/s\n",
                n / after_startup, 1e6 * run_cpu / n, run_cpu / n * 362540.0);
    return 0;
}
