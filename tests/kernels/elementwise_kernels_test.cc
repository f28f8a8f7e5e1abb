// The element-wise kernels of the avx512 and avx2 sets against the reference kernels: the
// residual add, RoPE and the AVX-512 bf16 rounding bit for bit (special values included), RMSNorm
// and SwiGLU within the difference their fp32 summation order and exp may make (one bf16 ulp,
// rarely). A set this CPU cannot execute is skipped.
#include "kernels/elementwise_avx2.h"
#include "kernels/elementwise_avx512.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/bf16.h"
#include "kernels/avx512_math.h"
#include "kernels/bf16_test_values.h"
#include "kernels/cpu_kernel_set.h"
#include "kernels/reference_kernels.h"

namespace actcache::kernels {
namespace {

// |a − b| in units of one bf16 ulp at b's magnitude.
double Bf16Ulps(float a, float b) {
    if (a == b) return 0;
    const double ulp = b == 0 ? 0x1p-133 : std::ldexp(1.0, std::ilogb(b) - 7);
    return std::fabs(double(a) - b) / ulp;
}

// One set's element-wise kernels.
struct RowKernels {
    CpuKernelSet set;
    decltype(&RmsNormAvx512) rms_norm;
    decltype(&RopeAvx512) rope;
    decltype(&SiluMulAvx512) silu_mul;
    decltype(&AddAvx512) add;
};

const RowKernels kAvx2Kernels{CpuKernelSet::kAvx2, RmsNormAvx2, RopeAvx2, SiluMulAvx2, AddAvx2};
const RowKernels kAvx512Kernels{CpuKernelSet::kAvx512, RmsNormAvx512, RopeAvx512, SiluMulAvx512, AddAvx512};

class ElementwiseKernelsTest : public ::testing::TestWithParam<RowKernels> {
protected:
    void SetUp() override {
        if (GetParam().set > DetectCpuKernelSet()) GTEST_SKIP() << "this CPU cannot run " << CpuKernelSetName(GetParam().set);
    }
};

INSTANTIATE_TEST_SUITE_P(Sets, ElementwiseKernelsTest, ::testing::Values(kAvx2Kernels, kAvx512Kernels),
                         [](const ::testing::TestParamInfo<RowKernels>& kernels) {
                             return std::string(CpuKernelSetName(kernels.param.set));
                         });

ACT_AVX512F void RoundLanes(const float* in, float* out) {
    _mm512_storeu_ps(out, RoundToBf16Avx512(_mm512_loadu_ps(in)));
}

TEST(ElementwiseAvx512Test, Bf16RoundingIsRoundToBf16BitForBit) {
    if (DetectCpuKernelSet() < CpuKernelSet::kAvx512) GTEST_SKIP() << "this CPU has no AVX-512";
    const float inf = std::numeric_limits<float>::infinity();
    std::vector<float> values = {0.0f, -0.0f, 1.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN(),
                                 -std::numeric_limits<float>::quiet_NaN(), std::bit_cast<float>(0x7f800001u),
                                 std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min(),
                                 std::bit_cast<float>(0x3f808000u), std::bit_cast<float>(0x3f818000u),
                                 std::bit_cast<float>(0x3f80ffffu), std::bit_cast<float>(0x7f7f8000u),
                                 -3.14159f, 1e-40f};
    NormalGenerator normal(1);
    while (values.size() < 16 * 64) values.push_back(static_cast<float>(normal.Next() * 100));
    std::vector<float> out(values.size());
    for (std::size_t i = 0; i < values.size(); i += 16) RoundLanes(values.data() + i, out.data() + i);
    for (std::size_t i = 0; i < values.size(); ++i) {
        EXPECT_EQ(std::bit_cast<std::uint32_t>(out[i]), std::bit_cast<std::uint32_t>(Bf16ToFloat(RoundToBf16(values[i]))))
            << std::hex << std::bit_cast<std::uint32_t>(values[i]);
    }
}

TEST_P(ElementwiseKernelsTest, AddIsTheReferenceBitForBit) {
    const std::int64_t n = 1000;  // a tail of 8
    const auto a = RandomBf16Values(n, 2, 3.0), b = RandomBf16Values(n, 3, 0.01);
    for (Precision precision : {Precision::kBf16, Precision::kF32}) {
        std::vector<float> ours(n), reference(n);
        GetParam().add(precision, a.data(), b.data(), n, ours.data());
        AddReference(precision, a.data(), b.data(), n, reference.data());
        EXPECT_EQ(ours, reference);
    }
}

// RoPE has no sum: the same products and roundings in the same order. Dh = 64 fills whole
// vectors, Dh = 16 and 40 end in partial ones (halves of 8 and 20).
TEST_P(ElementwiseKernelsTest, RopeIsTheReferenceBitForBit) {
    const std::int64_t M = 9, n_heads = 3;
    for (std::int64_t Dh : {64, 16, 40}) {
        const auto x = RandomBf16Values(M * n_heads * Dh, 7, 2.0);
        const auto cos = RandomBf16Values(M * Dh, 8, 0.7), sin = RandomBf16Values(M * Dh, 9, 0.7);
        for (Precision precision : {Precision::kBf16, Precision::kF32}) {
            std::vector<float> ours = x, reference = x;
            GetParam().rope(precision, ours.data(), M, n_heads, Dh, cos.data(), sin.data());
            RopeReference(precision, reference.data(), M, n_heads, Dh, cos.data(), sin.data());
            EXPECT_EQ(ours, reference) << "Dh " << Dh;
            EXPECT_NE(ours, x);
        }
    }
}

TEST_P(ElementwiseKernelsTest, RmsNormAndSiluMulMatchTheReference) {
    const std::int64_t M = 7, D = 200;
    const auto x = RandomBf16Values(M * D, 4, 2.0), w = RandomBf16Values(D, 5, 0.3);
    auto g = RandomBf16Values(M * D, 6, 4.0);
    g[0] = -100.0f;  // exp(100) overflows: silu = −0.0, as torch
    g[1] = 100.0f;
    const auto u = RandomBf16Values(M * D, 7);
    for (Precision precision : {Precision::kBf16, Precision::kF32}) {
        std::vector<float> ours(M * D), reference(M * D);
        GetParam().rms_norm(precision, x.data(), M, D, w.data(), 1e-5f, ours.data());
        RmsNormReference(precision, x.data(), M, D, w.data(), 1e-5f, reference.data());
        for (std::int64_t i = 0; i < M * D; ++i) {
            if (precision == Precision::kBf16) EXPECT_LE(Bf16Ulps(ours[i], reference[i]), 1.0) << i;
            else EXPECT_NEAR(ours[i], reference[i], 1e-6 * std::fabs(reference[i]) + 1e-30) << i;
        }
        GetParam().silu_mul(precision, g.data(), u.data(), M * D, ours.data());
        SiluMulReference(precision, g.data(), u.data(), M * D, reference.data());
        EXPECT_EQ(std::bit_cast<std::uint32_t>(ours[0]), std::bit_cast<std::uint32_t>(reference[0]));  // ±0.0
        EXPECT_EQ(ours[0], 0.0f);
        for (std::int64_t i = 0; i < M * D; ++i) {
            if (precision == Precision::kBf16) EXPECT_LE(Bf16Ulps(ours[i], reference[i]), 1.0) << i;
            else EXPECT_NEAR(ours[i], reference[i], 1e-6 * std::fabs(reference[i]) + 1e-30) << i;
        }
    }
}

}  // namespace
}  // namespace actcache::kernels
