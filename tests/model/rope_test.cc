#include "model/rope.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "model/presets.h"

namespace actcache::model {
namespace {

// reference/llama32-spec.md §4.3: Llama-3.2-1B's llama3-scaled inv_freq as computed by torch
// (fp32 bit patterns). These are facts measured with PyTorch, not outputs of our code.
constexpr std::uint32_t kLlama32InvFreqBits[32] = {
    0x3f800000, 0x3f29e1c6, 0x3ee177bc, 0x3e959ee3, 0x3e4693b0, 0x3e03c6a0, 0x3daee4ad,
    0x3d681e67, 0x3d1a08c8, 0x3ccc6f49, 0x3c87a9c3, 0x3c340d6d, 0x3beef74f, 0x3b9e9402,
    0x3b527720, 0x3aa9279b, 0x39e13620, 0x38cb98f7, 0x37a3418d, 0x3758ac81, 0x370fc8f8,
    0x36bed4f4, 0x367d45c3, 0x3628126b, 0x35df10c4, 0x359406cb, 0x35447610, 0x35025f34,
    0x34ad07a7, 0x3465a54d, 0x341864a7, 0x33ca41b0};

TEST(RopeTest, Llama32InverseFrequenciesAreBitIdenticalToTorch) {
    auto config = PresetConfig("llama-3.2-1b");
    ASSERT_TRUE(config.ok());
    std::vector<float> inv_freq = RopeInverseFrequencies(*config);
    ASSERT_EQ(inv_freq.size(), 32u);
    for (int i = 0; i < 32; ++i) {
        EXPECT_EQ(std::bit_cast<std::uint32_t>(inv_freq[i]), kLlama32InvFreqBits[i]) << "i = " << i;
    }
}

TEST(RopeTest, LinearScalingDividesFrequencies) {
    LlamaConfig config = *PresetConfig("tiny");
    config.rope_scaling = RopeScaling{};
    std::vector<float> plain = RopeInverseFrequencies(config);
    config.rope_scaling = RopeScaling{.type = RopeScalingType::kLinear, .factor = 4.0};
    std::vector<float> scaled = RopeInverseFrequencies(config);
    for (std::size_t i = 0; i < plain.size(); ++i) EXPECT_EQ(scaled[i], plain[i] / 4.0f);
    // default: inv_freq[i] = 1 / 10000^(2i/16)
    for (std::size_t i = 0; i < plain.size(); ++i) {
        EXPECT_NEAR(plain[i], std::pow(10000.0, -2.0 * i / 16), 1e-7 * plain[i] + 1e-12);
    }
}

TEST(RopeTest, TablesRepeatTheFrequenciesAndRoundToBf16) {
    LlamaConfig config = *PresetConfig("tiny");
    RopeTables bf16 = ComputeRopeTables(config, 300, kernels::Precision::kBf16);
    RopeTables f32 = ComputeRopeTables(config, 300, kernels::Precision::kF32);
    const std::vector<float> inv = RopeInverseFrequencies(config);
    const std::int64_t Dh = config.head_dim;
    for (std::int64_t t = 0; t < 300; ++t) {
        for (std::int64_t i = 0; i < Dh / 2; ++i) {
            const double angle = static_cast<float>(t) * inv[i];  // fp32 product
            EXPECT_NEAR(f32.cos[t * Dh + i], std::cos(angle), 1e-7);
            EXPECT_EQ(f32.cos[t * Dh + i], f32.cos[t * Dh + i + Dh / 2]);
            EXPECT_EQ(f32.sin[t * Dh + i], f32.sin[t * Dh + i + Dh / 2]);
            EXPECT_EQ(bf16.cos[t * Dh + i], Bf16ToFloat(RoundToBf16(f32.cos[t * Dh + i])));
            EXPECT_EQ(bf16.sin[t * Dh + i], Bf16ToFloat(RoundToBf16(f32.sin[t * Dh + i])));
        }
    }
    EXPECT_EQ(bf16.cos[0], 1.0f);
    EXPECT_EQ(bf16.sin[0], 0.0f);
}

}  // namespace
}  // namespace actcache::model
