// The AVX2 building blocks (avx2_math.h): ExpAvx2 against std::exp over the whole float range
// (within 2 ulp where the result is normal; +inf past the overflow point, 0 past underflow, NaN
// kept), and RoundToBf16Avx2 bit for bit against RoundToBf16, special values included. Skipped
// on a CPU without AVX2.
#include "kernels/avx2_math.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/bf16.h"
#include "core/random.h"
#include "kernels/cpu_kernel_set.h"

namespace actcache::kernels {
namespace {

class Avx2MathTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (DetectCpuKernelSet() < CpuKernelSet::kAvx2) GTEST_SKIP() << "this CPU has no AVX2";
    }
};

ACT_AVX2 void ExpLanes(const float* in, float* out) { _mm256_storeu_ps(out, ExpAvx2(_mm256_loadu_ps(in))); }
ACT_AVX2 void RoundLanes(const float* in, float* out) { _mm256_storeu_ps(out, RoundToBf16Avx2(_mm256_loadu_ps(in))); }

// Applies an 8-lane function to `values` (padded to a multiple of 8).
template <void (*kLanes)(const float*, float*)>
std::vector<float> Apply(std::vector<float> values) {
    values.resize((values.size() + 7) / 8 * 8, 0.0f);
    std::vector<float> out(values.size());
    for (std::size_t i = 0; i < values.size(); i += 8) kLanes(values.data() + i, out.data() + i);
    return out;
}

TEST_F(Avx2MathTest, ExpFollowsStdExpEverywhere) {
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> x = {0.0f, -0.0f, 1.0f, -1.0f, 88.7f, 88.8f, 200.0f, inf, -87.0f, -100.0f, -103.9f,
                            -104.0f, -200.0f, -inf};
    SplitMix64 rng(3);
    while (x.size() < 4096) x.push_back(static_cast<float>(static_cast<double>(rng.Next() % 200001) / 1000.0 - 100.0));
    const std::vector<float> ours = Apply<ExpLanes>(x);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const float expected = std::exp(x[i]);
        if (std::isinf(expected) || expected == 0.0f) {
            EXPECT_EQ(ours[i], expected) << "x = " << x[i];
        } else if (expected < std::numeric_limits<float>::min()) {  // denormal: absolute error of a few steps
            EXPECT_NEAR(ours[i], expected, 4 * std::numeric_limits<float>::denorm_min()) << "x = " << x[i];
        } else {
            EXPECT_LE(std::fabs(ours[i] - expected), 2 * std::fabs(expected) * 0x1p-23f) << "x = " << x[i];
        }
    }
    const std::vector<float> nan = Apply<ExpLanes>({std::numeric_limits<float>::quiet_NaN()});
    EXPECT_TRUE(std::isnan(nan[0]));
}

TEST_F(Avx2MathTest, Bf16RoundingIsRoundToBf16BitForBit) {
    std::vector<float> values = {0.0f, -0.0f, 1.0f, std::numeric_limits<float>::infinity(),
                                 -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                                 -std::numeric_limits<float>::quiet_NaN(), std::bit_cast<float>(0x7f800001u),
                                 std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min(),
                                 std::bit_cast<float>(0x3f808000u), std::bit_cast<float>(0x3f818000u),
                                 std::bit_cast<float>(0x3f80ffffu), std::bit_cast<float>(0x7f7f8000u)};
    NormalGenerator normal(1);
    while (values.size() < 1024) values.push_back(static_cast<float>(normal.Next() * 100));
    const std::vector<float> out = Apply<RoundLanes>(values);
    for (std::size_t i = 0; i < values.size(); ++i) {
        EXPECT_EQ(std::bit_cast<std::uint32_t>(out[i]), std::bit_cast<std::uint32_t>(Bf16ToFloat(RoundToBf16(values[i]))))
            << std::hex << std::bit_cast<std::uint32_t>(values[i]);
    }
}

}  // namespace
}  // namespace actcache::kernels
