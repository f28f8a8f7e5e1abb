// The forward pass's batch semantics and early exit: a token's captured values are bit-identical
// whatever B, whatever else shares the batch, whatever the thread count and whatever T beyond
// its position; and nothing past the last hooked site is computed.
#include "model/llama_forward.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/file_util.h"
#include "core/json.h"
#include "core/random.h"
#include "model/presets.h"
#include "model/random_model.h"
#include "support/temp_dir.h"

namespace actcache::model {
namespace {

using ::testing::HasSubstr;

// Counts the backend calls it forwards (to see what the pass computes).
class CountingBackend final : public kernels::Backend {
public:
    explicit CountingBackend(kernels::Backend& inner) : inner_(inner) {}
    void Matmul(kernels::Precision p, const float* x, std::int64_t M, std::int64_t K,
                const kernels::WeightMatrix& w, float* y) override {
        ++matmuls;
        inner_.Matmul(p, x, M, K, w, y);
    }
    void RmsNorm(kernels::Precision p, const float* x, std::int64_t M, std::int64_t D,
                 const float* w, float eps, float* y) override {
        ++norms;
        inner_.RmsNorm(p, x, M, D, w, eps, y);
    }
    void Rope(kernels::Precision p, float* x, std::int64_t B, std::int64_t T, std::int64_t n,
              std::int64_t Dh, const float* c, const float* s) override {
        inner_.Rope(p, x, B, T, n, Dh, c, s);
    }
    void Attention(kernels::Precision p, const float* q, const float* k, const float* v,
                   std::int64_t B, std::int64_t T, std::int64_t H, std::int64_t Hkv,
                   std::int64_t Dh, float scale, float* out) override {
        inner_.Attention(p, q, k, v, B, T, H, Hkv, Dh, scale, out);
    }
    void SiluMul(kernels::Precision p, const float* g, const float* u, std::int64_t n,
                 float* y) override {
        inner_.SiluMul(p, g, u, n, y);
    }
    void Add(kernels::Precision p, const float* a, const float* b, std::int64_t n,
             float* y) override {
        inner_.Add(p, a, b, n, y);
    }
    int matmuls = 0;
    int norms = 0;

private:
    kernels::Backend& inner_;
};

class LlamaForwardTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new testing::TempDir();
        LlamaConfig config = *PresetConfig("tiny");
        ASSERT_TRUE(WriteFileAtomically(dir_->File("config.json"),
                                        SerializeJson(LlamaConfigToJson(config), 2))
                        .ok());
        ThreadPool pool(2);
        ASSERT_TRUE(WriteRandomLlamaWeights(dir_->File("model.safetensors"), config,
                                            RandomModelOptions{.seed = 5}, pool)
                        .ok());
    }
    static void TearDownTestSuite() { delete dir_; }

    std::vector<std::vector<float>> Run(const std::vector<std::string>& hooks,
                                        const std::vector<std::int32_t>& tokens, std::int64_t B,
                                        int threads,
                                        kernels::Precision precision = kernels::Precision::kBf16) {
        auto model = LlamaModel::Load(dir_->path(), precision, 4, true);
        EXPECT_TRUE(model.ok()) << model.status().message();
        std::vector<HookSite> sites;
        for (const auto& hook : hooks) sites.push_back(*ParseHookSite(hook, (*model)->config()));
        ThreadPool pool(threads);
        auto backend = kernels::MakeReferenceBackend(pool);
        const std::int64_t T = static_cast<std::int64_t>(tokens.size()) / B;
        auto forward = LlamaForward::Create(**model, *backend,
                                            ForwardOptions{.hooks = sites, .max_batch = B, .max_tokens = T});
        EXPECT_TRUE(forward.ok()) << forward.status().message();
        Status status = (*forward)->Run(tokens, B, T);
        EXPECT_TRUE(status.ok()) << status.message();
        std::vector<std::vector<float>> out;
        for (std::size_t i = 0; i < sites.size(); ++i) {
            auto capture = (*forward)->capture(i);
            out.emplace_back(capture.begin(), capture.end());
        }
        return out;
    }

    static std::vector<std::int32_t> Tokens(std::int64_t n, std::uint64_t seed) {
        SplitMix64 rng(seed);
        std::vector<std::int32_t> ids(n);
        for (auto& id : ids) id = static_cast<std::int32_t>(rng.Next() % 512);
        return ids;
    }

    static testing::TempDir* dir_;
    const std::vector<std::string> hooks_ = {"model.layers.3.mlp", "model.layers.1",
                                             "model.layers.2.self_attn.o_proj:input"};
};
testing::TempDir* LlamaForwardTest::dir_ = nullptr;

TEST_F(LlamaForwardTest, TokenValuesDoNotDependOnTheBatchOrItsCompanions) {
    const std::int64_t T = 48;
    auto a = Tokens(T, 1), b = Tokens(T, 2), c = Tokens(T, 3);
    std::vector<std::int32_t> batch = a;
    batch.insert(batch.end(), b.begin(), b.end());
    batch.insert(batch.end(), c.begin(), c.end());
    std::vector<std::int32_t> other_batch = c;
    other_batch.insert(other_batch.end(), b.begin(), b.end());

    auto together = Run(hooks_, batch, 3, 2);
    auto b_alone = Run(hooks_, b, 1, 2);
    auto b_with_c = Run(hooks_, other_batch, 2, 2);
    for (std::size_t i = 0; i < hooks_.size(); ++i) {
        const std::size_t n = b_alone[i].size();
        EXPECT_TRUE(std::equal(b_alone[i].begin(), b_alone[i].end(), together[i].begin() + n))
            << hooks_[i];
        EXPECT_TRUE(std::equal(b_alone[i].begin(), b_alone[i].end(), b_with_c[i].begin() + n))
            << hooks_[i];
    }
}

// Batches past LlamaForward::kMlpChunkRows rows run the MLP in chunks of rows: values equal the
// unchunked ones, at every MLP site and as the last site (where the pass stops mid-MLP).
TEST_F(LlamaForwardTest, MlpChunksGiveTheValuesOfOnePass) {
    const std::int64_t T = 900;  // 3 sequences: 2700 rows, two chunks
    std::vector<std::vector<std::int32_t>> sequences = {Tokens(T, 5), Tokens(T, 6), Tokens(T, 7)};
    std::vector<std::int32_t> batch;
    for (const auto& sequence : sequences) batch.insert(batch.end(), sequence.begin(), sequence.end());
    for (const std::vector<std::string>& hooks :
         {std::vector<std::string>{"model.layers.1.mlp.gate_proj", "model.layers.1.mlp.down_proj:input",
                                   "model.layers.1.mlp", "model.layers.1"},
          std::vector<std::string>{"model.layers.2.mlp.up_proj"},
          std::vector<std::string>{"model.layers.2.mlp.down_proj:input"}}) {
        const auto together = Run(hooks, batch, 3, 2);
        for (std::size_t b = 0; b < sequences.size(); ++b) {
            const auto alone = Run(hooks, sequences[b], 1, 2);
            for (std::size_t i = 0; i < hooks.size(); ++i) {
                const std::size_t n = alone[i].size();
                EXPECT_TRUE(std::equal(alone[i].begin(), alone[i].end(),
                                       together[i].begin() + static_cast<std::ptrdiff_t>(b * n)))
                    << hooks[i] << ", sequence " << b;
            }
        }
    }
}

TEST_F(LlamaForwardTest, TokenValuesDoNotDependOnTheThreadCount) {
    auto tokens = Tokens(2 * 40, 4);
    EXPECT_EQ(Run(hooks_, tokens, 2, 1), Run(hooks_, tokens, 2, 3));
    EXPECT_EQ(Run(hooks_, tokens, 2, 1, kernels::Precision::kF32),
              Run(hooks_, tokens, 2, 2, kernels::Precision::kF32));
}

TEST_F(LlamaForwardTest, TokenValuesDoNotDependOnLaterTokens) {
    auto tokens = Tokens(64, 5);
    auto full = Run(hooks_, tokens, 1, 2);
    auto prefix = Run(hooks_, std::vector<std::int32_t>(tokens.begin(), tokens.begin() + 20), 1, 2);
    for (std::size_t i = 0; i < hooks_.size(); ++i) {
        EXPECT_TRUE(std::equal(prefix[i].begin(), prefix[i].end(), full[i].begin())) << hooks_[i];
    }
}

TEST_F(LlamaForwardTest, Bf16CapturesAreBf16Values) {
    auto out = Run({"model.layers.3.mlp"}, Tokens(16, 6), 1, 2);
    for (float value : out[0]) ASSERT_EQ(value, Bf16ToFloat(RoundToBf16(value)));
    auto f32 = Run({"model.layers.3.mlp"}, Tokens(16, 6), 1, 2, kernels::Precision::kF32);
    int not_bf16 = 0;
    for (float value : f32[0]) not_bf16 += value != Bf16ToFloat(RoundToBf16(value));
    EXPECT_GT(not_bf16, 0);
}

// make-model's bf16 weights are the f32 weights of the same seed rounded to bf16, so loading the
// f32 checkpoint in bf16 mode (conversion at load, as from_pretrained(torch_dtype=bf16) does) must
// reproduce the bf16 model's captures exactly.
TEST_F(LlamaForwardTest, F32CheckpointInBf16ModeEqualsTheBf16Checkpoint) {
    testing::TempDir f32_dir;
    LlamaConfig config = *PresetConfig("tiny");
    ASSERT_TRUE(WriteFileAtomically(f32_dir.File("config.json"),
                                    SerializeJson(LlamaConfigToJson(config), 2))
                    .ok());
    ThreadPool pool(2);
    ASSERT_TRUE(WriteRandomLlamaWeights(f32_dir.File("model.safetensors"), config,
                                        RandomModelOptions{.seed = 5, .dtype = Dtype::kF32}, pool)
                    .ok());
    auto tokens = Tokens(24, 8);
    auto expected = Run(hooks_, tokens, 1, 2);
    auto model = LlamaModel::Load(f32_dir.path(), kernels::Precision::kBf16, 4, false);
    ASSERT_TRUE(model.ok()) << model.status().message();
    std::vector<HookSite> sites;
    for (const auto& hook : hooks_) sites.push_back(*ParseHookSite(hook, config));
    auto backend = kernels::MakeReferenceBackend(pool);
    auto forward = LlamaForward::Create(**model, *backend,
                                        ForwardOptions{.hooks = sites, .max_batch = 1, .max_tokens = 24});
    ASSERT_TRUE(forward.ok());
    ASSERT_TRUE((*forward)->Run(tokens, 1, 24).ok());
    for (std::size_t i = 0; i < sites.size(); ++i) {
        auto capture = (*forward)->capture(i);
        EXPECT_TRUE(std::equal(capture.begin(), capture.end(), expected[i].begin())) << hooks_[i];
    }
}

TEST_F(LlamaForwardTest, StopsAfterTheLastHookedSite) {
    auto model = LlamaModel::Load(dir_->path(), kernels::Precision::kBf16, 2, false);
    ASSERT_TRUE(model.ok());
    EXPECT_EQ((*model)->n_prepared_layers(), 2);
    ThreadPool pool(1);
    auto reference = kernels::MakeReferenceBackend(pool);
    CountingBackend counting(*reference);
    std::vector<HookSite> sites = {*ParseHookSite("model.layers.1.mlp", (*model)->config()),
                                   *ParseHookSite("model.layers.0.self_attn", (*model)->config())};
    EXPECT_EQ(WeightsForHooks(sites).n_layers, 2);
    auto forward = LlamaForward::Create(**model, counting,
                                        ForwardOptions{.hooks = sites, .max_batch = 1, .max_tokens = 8});
    ASSERT_TRUE(forward.ok());
    ASSERT_TRUE((*forward)->Run(Tokens(8, 7), 1, 8).ok());
    EXPECT_EQ(counting.matmuls, 14);  // 7 projections in each of layers 0 and 1, no lm_head
    EXPECT_EQ(counting.norms, 4);     // 2 per layer; no final norm
}

// ForwardEngine's default Start/Finish: two passes in flight, finished oldest first, each giving
// what Run gives.
TEST_F(LlamaForwardTest, StartAndFinishGiveWhatRunGivesTwoPassesInFlight) {
    const std::int64_t T = 24;
    const std::vector<std::int32_t> first = Tokens(T, 7), second = Tokens(T, 8);
    const auto expected_first = Run(hooks_, first, 1, 1), expected_second = Run(hooks_, second, 1, 1);
    auto model = LlamaModel::Load(dir_->path(), kernels::Precision::kBf16, 4, true);
    ASSERT_TRUE(model.ok());
    std::vector<HookSite> sites;
    for (const auto& hook : hooks_) sites.push_back(*ParseHookSite(hook, (*model)->config()));
    ThreadPool pool(1);
    auto backend = kernels::MakeReferenceBackend(pool);
    auto forward = LlamaForward::Create(**model, *backend, ForwardOptions{.hooks = sites, .max_batch = 1, .max_tokens = T});
    ASSERT_TRUE(forward.ok());
    ForwardEngine& engine = **forward;
    auto captures = [&] {
        std::vector<std::vector<float>> out;
        for (std::size_t i = 0; i < sites.size(); ++i) out.emplace_back(engine.capture(i).begin(), engine.capture(i).end());
        return out;
    };
    std::vector<std::int32_t> reused = first;  // Start copies its input
    ASSERT_TRUE(engine.Start(reused, 1, T).ok());
    std::fill(reused.begin(), reused.end(), 0);
    ASSERT_TRUE(engine.Start(second, 1, T).ok());
    ASSERT_TRUE(engine.Finish().ok());
    EXPECT_EQ(captures(), expected_first);
    EXPECT_GT(engine.last_pass_seconds(), 0);
    ASSERT_TRUE(engine.Finish().ok());
    EXPECT_EQ(captures(), expected_second);
    // An error of the pass comes from Finish.
    std::vector<std::int32_t> bad = first;
    bad[3] = 1 << 20;
    ASSERT_TRUE(engine.Start(bad, 1, T).ok());
    EXPECT_THAT(engine.Finish().message(), HasSubstr("position 3"));
}

TEST_F(LlamaForwardTest, BadInputsAreClearErrors) {
    auto model = LlamaModel::Load(dir_->path(), kernels::Precision::kBf16, 1, false);
    ASSERT_TRUE(model.ok());
    ThreadPool pool(1);
    auto backend = kernels::MakeReferenceBackend(pool);
    std::vector<HookSite> sites = {*ParseHookSite("model.layers.0.mlp", (*model)->config())};
    auto forward = LlamaForward::Create(**model, *backend,
                                        ForwardOptions{.hooks = sites, .max_batch = 1, .max_tokens = 4});
    ASSERT_TRUE(forward.ok());
    std::vector<std::int32_t> tokens = {1, 2, 512, 3};
    Status status = (*forward)->Run(tokens, 1, 4);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("token id 512 at position 2 is outside the vocabulary (vocab_size 512)"));

    auto too_long = LlamaForward::Create(**model, *backend,
                                         ForwardOptions{.hooks = sites, .max_batch = 1, .max_tokens = 4097});
    EXPECT_THAT(too_long.status().message(), HasSubstr("exceeds the model's max_position_embeddings 4096"));
    std::vector<HookSite> deeper = {*ParseHookSite("model.layers.2.mlp", (*model)->config())};
    EXPECT_FALSE(LlamaForward::Create(**model, *backend,
                                      ForwardOptions{.hooks = deeper, .max_batch = 1, .max_tokens = 4})
                     .ok());
}

}  // namespace
}  // namespace actcache::model
