#include "model/random_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/bf16.h"
#include "model/checkpoint.h"
#include "model/llama_weights.h"
#include "model/presets.h"
#include "support/temp_dir.h"

namespace actcache::model {
namespace {

std::string WriteTiny(const testing::TempDir& dir, const std::string& name, std::uint64_t seed,
                      Dtype dtype, int threads) {
    ThreadPool pool(threads);
    const std::string path = dir.File(name);
    Status status = WriteRandomLlamaWeights(path, *PresetConfig("tiny"),
                                            RandomModelOptions{.seed = seed, .dtype = dtype}, pool);
    EXPECT_TRUE(status.ok()) << status.message();
    return testing::ReadFile(path);
}

TEST(RandomModelTest, SameSeedGivesSameBytesWhateverTheThreadCount) {
    testing::TempDir dir;
    std::string a = WriteTiny(dir, "a.safetensors", 7, Dtype::kBF16, 1);
    std::string b = WriteTiny(dir, "b.safetensors", 7, Dtype::kBF16, 3);
    std::string c = WriteTiny(dir, "c.safetensors", 8, Dtype::kBF16, 2);
    ASSERT_GT(a.size(), 100000u);
    EXPECT_TRUE(a == b) << "bytes differ between 1 and 3 threads";
    EXPECT_TRUE(a != c) << "different seeds gave the same bytes";
}

TEST(RandomModelTest, AnyRangeOfATensorEqualsTheSameRangeOfTheWhole) {
    ThreadPool pool(2);
    const std::int64_t n = 3 * kRandomBlockElements + 123;
    std::vector<float> whole(n);
    FillRandomTensor("t", 0, Dtype::kF32, 1.0, 0.0, 11, pool, std::as_writable_bytes(std::span(whole)));
    for (std::int64_t start : {std::int64_t{0}, std::int64_t{5}, kRandomBlockElements - 1,
                               2 * kRandomBlockElements + 7}) {
        std::vector<float> part(1000);
        FillRandomTensor("t", start, Dtype::kF32, 1.0, 0.0, 11, pool,
                         std::as_writable_bytes(std::span(part)));
        for (int i = 0; i < 1000; ++i) ASSERT_EQ(part[i], whole[start + i]) << start << "+" << i;
    }
}

TEST(RandomModelTest, Bf16WeightsAreTheRoundedF32Weights) {
    testing::TempDir dir;
    WriteTiny(dir, "model.safetensors", 3, Dtype::kBF16, 2);
    testing::TempDir dir32;
    WriteTiny(dir32, "model.safetensors", 3, Dtype::kF32, 2);
    auto bf16 = Checkpoint::Open(dir.path());
    auto f32 = Checkpoint::Open(dir32.path());
    ASSERT_TRUE(bf16.ok() && f32.ok());
    for (const TensorView* tensor : (*bf16)->tensors()) {
        auto wide = (*f32)->Get(tensor->name);
        ASSERT_TRUE(wide.ok());
        ASSERT_EQ(wide->dtype, Dtype::kF32);
        for (std::int64_t i = 0; i < tensor->numel(); ++i) {
            float value;
            Bf16Bits bits;
            std::memcpy(&value, wide->bytes.data() + 4 * i, 4);
            std::memcpy(&bits, tensor->bytes.data() + 2 * i, 2);
            ASSERT_EQ(bits, RoundToBf16(value)) << tensor->name << "[" << i << "]";
        }
    }
}

TEST(RandomModelTest, ValuesFollowTheInitializer) {
    testing::TempDir dir;
    WriteTiny(dir, "model.safetensors", 0, Dtype::kF32, 2);
    auto checkpoint = Checkpoint::Open(dir.path());
    ASSERT_TRUE(checkpoint.ok());
    LlamaConfig config = *PresetConfig("tiny");
    ASSERT_TRUE(CheckLlamaCheckpoint(**checkpoint, config).ok());
    auto stats = [&](std::string_view name) {
        auto tensor = (*checkpoint)->Get(name);
        EXPECT_TRUE(tensor.ok());
        const float* values = reinterpret_cast<const float*>(tensor->bytes.data());
        double sum = 0, sum_sq = 0;
        for (std::int64_t i = 0; i < tensor->numel(); ++i) {
            sum += values[i];
            sum_sq += double(values[i]) * values[i];
        }
        double mean = sum / tensor->numel();
        return std::pair{mean, std::sqrt(sum_sq / tensor->numel() - mean * mean)};
    };
    auto [embed_mean, embed_std] = stats("model.embed_tokens.weight");  // 32768 values
    EXPECT_NEAR(embed_mean, 0.0, 0.005);
    EXPECT_NEAR(embed_std, config.initializer_range, 0.005);
    auto [norm_mean, norm_std] = stats("model.layers.0.input_layernorm.weight");  // 64 values
    EXPECT_NEAR(norm_mean, 1.0, 0.05);
    EXPECT_NEAR(norm_std, 0.1, 0.05);
    // Different tensors get different streams.
    auto q = (*checkpoint)->Get("model.layers.0.self_attn.q_proj.weight");
    auto k = (*checkpoint)->Get("model.layers.0.self_attn.k_proj.weight");
    EXPECT_NE(std::memcmp(q->bytes.data(), k->bytes.data(), 64), 0);
}

TEST(RandomModelTest, Fnv1aMatchesPublishedValues) {
    // FNV-1a 64 reference values (Fowler/Noll/Vo test suite).
    EXPECT_EQ(Fnv1a64(""), 0xcbf29ce484222325ull);
    EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);
    EXPECT_EQ(Fnv1a64("foobar"), 0x85944171f73967e8ull);
}

}  // namespace
}  // namespace actcache::model
