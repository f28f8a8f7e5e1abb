// RunJob with engines other than --device's (RunEnvironment::engine_factory): the compute stage's
// use of ForwardEngine::Start/Finish, checked without a GPU.
//
// TwoSlotEngine behaves as the CUDA engine does towards its caller: up to two passes in flight,
// each computed at Start (on the CPU engine it wraps) into its own capture slot, the slots used
// in turn; Finish makes the oldest pass's slot the one read; captures are bf16 bits
// (capture_bf16). A pipeline that read a pass's captures after the next Start (when the slot is
// reused), kept more than two passes in flight, or rebuilt rows from floats instead of the bits,
// would write other bytes than the plain CPU run, which is the reference here (itself checked
// against independent oracles in run_e2e_test.cc).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <deque>
#include <string>
#include <vector>

#include "core/bf16.h"
#include "pipeline/compute_device.h"
#include "pipeline/run.h"
#include "support/dataset_files.h"
#include "support/temp_dir.h"

namespace actcache::pipeline {
namespace {

using ::testing::HasSubstr;
using testing::DatasetFiles;

class TwoSlotEngine final : public model::ForwardEngine {
public:
    // fail_at_start / fail_at_finish: the pass (0-based) whose Start / Finish fails, or -1.
    TwoSlotEngine(std::unique_ptr<model::ForwardEngine> inner, std::size_t hooks, int fail_at_start, int fail_at_finish)
        : inner_(std::move(inner)), fail_at_start_(fail_at_start), fail_at_finish_(fail_at_finish) {
        for (auto& slot : slots_) slot.resize(hooks);
    }

    Status Run(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) override {
        ACT_RETURN_IF_ERROR(Start(tokens, B, T));
        return Finish();
    }
    Status Start(std::span<const std::int32_t> tokens, std::int64_t B, std::int64_t T) override {
        if (in_flight_.size() >= 2) ADD_FAILURE() << "a third pass started while two are in flight";
        if (started_ == fail_at_start_) return Status::Internal("start failed on pass " + std::to_string(started_));
        ++started_;
        ACT_RETURN_IF_ERROR(inner_->Run(tokens, B, T));
        const int s = next_slot_;
        next_slot_ = 1 - s;
        for (std::size_t h = 0; h < slots_[s].size(); ++h) {
            slots_[s][h].clear();
            for (float value : inner_->capture(h)) slots_[s][h].push_back(RoundToBf16(value));  // exact: bf16 values
        }
        in_flight_.push_back(s);
        return Status::Ok();
    }
    Status Finish() override {
        if (finished_ == fail_at_finish_) return Status::Internal("finish failed on pass " + std::to_string(finished_));
        ++finished_;
        ready_ = in_flight_.front();
        in_flight_.pop_front();
        return Status::Ok();
    }
    std::span<const float> capture(std::size_t) const override {
        ADD_FAILURE() << "the pipeline widened bf16 captures instead of copying their bits";
        return {};
    }
    std::span<const std::uint16_t> capture_bf16(std::size_t hook) const override { return slots_[ready_][hook]; }
    std::int64_t capture_width(std::size_t hook) const override { return inner_->capture_width(hook); }

private:
    std::unique_ptr<model::ForwardEngine> inner_;
    const int fail_at_start_, fail_at_finish_;
    std::array<std::vector<std::vector<std::uint16_t>>, 2> slots_;  // [slot][hook]
    std::deque<int> in_flight_;  // slots of the started passes, oldest first
    int next_slot_ = 0, ready_ = 0;
    int started_ = 0, finished_ = 0;
};

ForwardEngineFactory TwoSlotFactory(int fail_at_start = -1, int fail_at_finish = -1) {
    return [=](const model::LlamaModel& model, model::ForwardOptions options,
               ThreadPool& pool) -> Result<std::unique_ptr<model::ForwardEngine>> {
        const std::size_t hooks = options.hooks.size();
        ACT_ASSIGN_OR_RETURN(auto inner, CreateForwardEngine(ComputeDevice::kCpu, model, std::move(options), pool));
        return std::unique_ptr<model::ForwardEngine>(
            std::make_unique<TwoSlotEngine>(std::move(inner), hooks, fail_at_start, fail_at_finish));
    };
}

class RunEngineTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new testing::TempDir();
        ASSERT_EQ(testing::RunActcache({"make-model", "--preset", "tiny", "--seed", "4", "--out", dir_->File("model")})
                      .exit_code,
                  0);
        ASSERT_EQ(testing::MakePileCorpus(dir_->File("corpus.jsonl"), 40, 120, 2).exit_code, 0);
    }
    static void TearDownTestSuite() { delete dir_; }

    static RunOptions Options(const std::string& output) {
        RunOptions options;
        options.model = dir_->File("model");
        options.corpus = {dir_->File("corpus.jsonl")};
        options.hooks = {"model.layers.1.mlp", "model.layers.0.self_attn"};
        options.windows.seq_len = 32;
        options.batch = 3;
        options.shard_size = 300;
        options.threads = 2;
        options.device = "cpu";
        options.quiet = true;
        options.output = output;
        return options;
    }

    static testing::TempDir* dir_;
};

testing::TempDir* RunEngineTest::dir_ = nullptr;

TEST_F(RunEngineTest, AnEngineComputingAheadWritesTheSameBytesAsTheCpuRun) {
    const RunOptions reference = Options(dir_->File("reference"));
    Result<RunSummary> cpu = RunJob(reference, RunEnvironment{});
    ASSERT_TRUE(cpu.ok()) << cpu.status().ToString();
    ASSERT_GE(cpu->shards, 3) << "too small a run to cross shard and batch boundaries";
    for (int writer_threads : {0, 2}) {
        RunOptions options = Options(dir_->File("two-slot-" + std::to_string(writer_threads)));
        options.writer_threads = writer_threads;
        RunEnvironment environment;
        environment.engine_factory = TwoSlotFactory();
        Result<RunSummary> two_slot = RunJob(options, environment);
        ASSERT_TRUE(two_slot.ok()) << two_slot.status().ToString();
        EXPECT_EQ(two_slot->rows, cpu->rows);
        EXPECT_EQ(two_slot->forward_tokens, cpu->forward_tokens);
        EXPECT_TRUE(DatasetFiles(options.output) == DatasetFiles(reference.output)) << "writer threads " << writer_threads;
    }
}

TEST_F(RunEngineTest, AFailingPassStopsTheRunWithItsErrorAndKeepsWhatWasCommitted) {
    struct Case {
        int fail_at_start, fail_at_finish;
        const char* message;
    };
    const std::string reference = dir_->File("reference");
    ASSERT_TRUE(RunJob(Options(reference), RunEnvironment{}).ok());
    for (const Case& c : {Case{0, -1, "start failed on pass 0"}, Case{-1, 0, "finish failed on pass 0"},
                          Case{20, -1, "start failed on pass 20"}, Case{-1, 20, "finish failed on pass 20"}}) {
        const std::string output = dir_->File("failing-" + std::to_string(c.fail_at_start) + "-" +
                                              std::to_string(c.fail_at_finish));
        RunEnvironment environment;
        environment.engine_factory = TwoSlotFactory(c.fail_at_start, c.fail_at_finish);
        Result<RunSummary> failed = RunJob(Options(output), environment);
        ASSERT_FALSE(failed.ok());
        EXPECT_THAT(failed.status().message(), HasSubstr(c.message));
        // The same command with a working engine continues to the reference's bytes.
        Result<RunSummary> resumed = RunJob(Options(output), RunEnvironment{});
        ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
        EXPECT_TRUE(DatasetFiles(output) == DatasetFiles(reference)) << c.message;
    }
}

}  // namespace
}  // namespace actcache::pipeline
