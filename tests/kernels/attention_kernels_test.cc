// The attention kernels of the CPU backend — AVX2 fp32 FMA (avx2 set), AVX-512 fp32 FMA (avx512
// set; kF32 in avx512bf16) and bf16 pairs (avx512bf16 set, kBf16) — against float64 softmax
// attention (both precisions), and their determinism: a sequence's bits do not depend on the
// batch it is in or the thread count. A set this CPU cannot execute is skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/bf16.h"
#include "kernels/backend.h"
#include "kernels/bf16_test_values.h"
#include "kernels/cpu_kernel_set.h"

namespace actcache::kernels {
namespace {

class AttentionKernelsTest : public ::testing::TestWithParam<CpuKernelSet> {
protected:
    void SetUp() override {
        if (GetParam() > DetectCpuKernelSet()) GTEST_SKIP() << "this CPU cannot run " << CpuKernelSetName(GetParam());
    }
    static std::vector<float> Cpu(Precision precision, int threads, const float* q, const float* k, const float* v,
                                  std::int64_t B, std::int64_t T, std::int64_t H, std::int64_t Hkv, std::int64_t Dh,
                                  float scale) {
        ThreadPool pool(threads);
        auto backend = MakeCpuBackend(pool, GetParam());
        std::vector<float> out(static_cast<std::size_t>(B * T * H * Dh));
        backend->Attention(precision, q, k, v, B, T, H, Hkv, Dh, scale, out.data());
        return out;
    }
};

INSTANTIATE_TEST_SUITE_P(Sets, AttentionKernelsTest, ::testing::Values(CpuKernelSet::kAvx2, CpuKernelSet::kAvx512, CpuKernelSet::kAvx512Bf16),
                         [](const ::testing::TestParamInfo<CpuKernelSet>& set) {
                             return std::string(CpuKernelSetName(set.param));
                         });

// 2 kv heads, 4 query heads (GQA groups of 2), Dh 32, T = 53 (a partial block of 16 keys).
TEST_P(AttentionKernelsTest, MatchesFloat64Softmax) {
    const std::int64_t T = 53, H = 4, Hkv = 2, Dh = 32;
    const float scale = 1.0f / std::sqrt(static_cast<float>(Dh));
    const auto q = RandomBf16Values(T * H * Dh, 6, 2.0);
    const auto k = RandomBf16Values(T * Hkv * Dh, 7, 2.0);
    const auto v = RandomBf16Values(T * Hkv * Dh, 8);
    const auto out32 = Cpu(Precision::kF32, 2, q.data(), k.data(), v.data(), 1, T, H, Hkv, Dh, scale);
    const auto out16 = Cpu(Precision::kBf16, 2, q.data(), k.data(), v.data(), 1, T, H, Hkv, Dh, scale);
    for (std::int64_t t = 0; t < T; ++t) {
        for (std::int64_t h = 0; h < H; ++h) {
            const std::int64_t h_kv = h / (H / Hkv);
            std::vector<double> p(static_cast<std::size_t>(t + 1));
            double max_s = -1e300, total = 0;
            for (std::int64_t j = 0; j <= t; ++j) {
                double s = 0;
                for (std::int64_t d = 0; d < Dh; ++d) s += double(q[(t * H + h) * Dh + d]) * k[(j * Hkv + h_kv) * Dh + d];
                p[static_cast<std::size_t>(j)] = s * scale;
                max_s = std::max(max_s, s * scale);
            }
            for (double& pj : p) total += (pj = std::exp(pj - max_s));
            for (std::int64_t d = 0; d < Dh; ++d) {
                double exact = 0;
                for (std::int64_t j = 0; j <= t; ++j) exact += p[static_cast<std::size_t>(j)] / total * v[(j * Hkv + h_kv) * Dh + d];
                const std::size_t at = static_cast<std::size_t>((t * H + h) * Dh + d);
                EXPECT_NEAR(out32[at], exact, 1e-5) << t << "," << h << "," << d;
                EXPECT_NEAR(out16[at], exact, 0.02) << t << "," << h << "," << d;  // bf16 P and output
                EXPECT_EQ(out16[at], Bf16ToFloat(RoundToBf16(out16[at])));
            }
        }
    }
    // The first token sees only itself: output = R(v_0) of its kv head.
    for (std::int64_t h = 0; h < H; ++h) {
        for (std::int64_t d = 0; d < Dh; ++d) EXPECT_EQ(out16[static_cast<std::size_t>(h * Dh + d)], v[(h / 2) * Dh + d]);
    }
}

TEST_P(AttentionKernelsTest, SequencesDoNotDependOnBatchOrThreads) {
    const std::int64_t B = 3, T = 37, H = 8, Hkv = 2, Dh = 64;
    const auto q = RandomBf16Values(B * T * H * Dh, 9);
    const auto kv = RandomBf16Values(B * T * Hkv * Dh, 10);
    const auto all = Cpu(Precision::kBf16, 1, q.data(), kv.data(), kv.data(), B, T, H, Hkv, Dh, 0.125f);
    EXPECT_EQ(Cpu(Precision::kBf16, 2, q.data(), kv.data(), kv.data(), B, T, H, Hkv, Dh, 0.125f), all);
    const auto alone = Cpu(Precision::kBf16, 2, q.data() + T * H * Dh, kv.data() + T * Hkv * Dh,
                           kv.data() + T * Hkv * Dh, 1, T, H, Hkv, Dh, 0.125f);
    EXPECT_TRUE(std::equal(alone.begin(), alone.end(), all.begin() + T * H * Dh));
}

}  // namespace
}  // namespace actcache::kernels
