// The AVX512-BF16 GEMM against float64 sums of the same bf16 products, against the scalar
// reference (they may differ only by fp32 rounding inside the sum), and its determinism: a row's
// bits do not depend on where it sits in the batch, on M, or on the thread count. Skipped on a
// CPU without AVX512-BF16 (the CPU backend then is the reference backend).
#include "kernels/gemm_bf16_avx512.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/bf16.h"
#include "kernels/backend.h"
#include "kernels/bf16_test_values.h"
#include "kernels/reference_kernels.h"

namespace actcache::kernels {
namespace {

class GemmBf16Test : public ::testing::Test {
protected:
    void SetUp() override {
        if (!CpuHasAvx512Bf16()) GTEST_SKIP() << "this CPU has no AVX512-BF16";
    }

    static std::vector<float> Cpu(int threads, const std::vector<float>& x, std::int64_t M, std::int64_t K,
                                  const WeightMatrix& w) {
        ThreadPool pool(threads);
        auto backend = MakeCpuBackend(pool);
        std::vector<float> y(static_cast<std::size_t>(M * w.rows));
        backend->Matmul(Precision::kBf16, x.data(), M, K, w, y.data());
        return y;
    }
};

// Odd K and N that is not a multiple of the 64-column panel exercise the padding; M = 13 has a
// partial row tile.
TEST_F(GemmBf16Test, MatchesFloat64AndTheReference) {
    const std::int64_t M = 13, K = 301, N = 70;
    const auto x = RandomBf16Values(M * K, 1);
    const auto w_values = RandomBf16Values(N * K, 2, 0.05);
    const auto w_bits = ToBits(w_values);
    const WeightMatrix w{w_bits.data(), WeightType::kBf16, N, K};
    const std::vector<float> y = Cpu(2, x, M, K, w);
    std::vector<float> reference(static_cast<std::size_t>(M * N));
    MatmulReference(Precision::kBf16, x.data(), M, K, w, reference.data(), N);
    int differ = 0;
    for (std::int64_t m = 0; m < M; ++m) {
        for (std::int64_t n = 0; n < N; ++n) {
            double exact = 0, magnitude = 0;
            for (std::int64_t k = 0; k < K; ++k) {
                exact += double(x[m * K + k]) * w_values[n * K + k];
                magnitude += std::fabs(double(x[m * K + k]) * w_values[n * K + k]);
            }
            const float got = y[m * N + n];
            EXPECT_EQ(got, Bf16ToFloat(RoundToBf16(got)));  // rounded to bf16
            // Half a bf16 ulp for the final rounding, plus fp32 rounding inside the sum.
            EXPECT_LE(std::fabs(got - exact), std::fabs(exact) * 0x1p-8 + magnitude * K * 0x1p-24) << m << "," << n;
            differ += got != reference[m * N + n];
        }
    }
    EXPECT_LE(differ, M * N / 20) << "more than 5% of the results differ from the reference";
}

TEST_F(GemmBf16Test, RowsDoNotDependOnBatchOrThreads) {
    const std::int64_t M = 37, K = 256, N = 192;
    const auto x = RandomBf16Values(M * K, 3);
    const auto w_bits = ToBits(RandomBf16Values(N * K, 4, 0.1));
    const WeightMatrix w{w_bits.data(), WeightType::kBf16, N, K};
    const std::vector<float> all = Cpu(1, x, M, K, w);
    EXPECT_EQ(Cpu(2, x, M, K, w), all);
    EXPECT_EQ(Cpu(3, x, M, K, w), all);
    for (std::int64_t first : {0, 5, 17, 36}) {  // one row alone, wherever it sat in the tile
        const std::vector<float> row(x.begin() + first * K, x.begin() + (first + 1) * K);
        const std::vector<float> alone = Cpu(2, row, 1, K, w);
        EXPECT_TRUE(std::equal(alone.begin(), alone.end(), all.begin() + first * N)) << first;
    }
}

TEST_F(GemmBf16Test, ReferenceCanBeForced) {
    setenv("ACTCACHE_KERNELS", "reference", 1);
    EXPECT_STREQ(CpuKernelsName(), "reference");
    unsetenv("ACTCACHE_KERNELS");
    EXPECT_STREQ(CpuKernelsName(), "avx512bf16");
}

}  // namespace
}  // namespace actcache::kernels
