// The bf16 GEMM of every kernel set this CPU runs (gemm_bf16.h), through the CPU backend:
//  - avx2 and avx512 add exact bf16 products in the reference's order, so they must equal the
//    scalar reference bit for bit;
//  - avx512bf16 (vdpbf16ps) must stay within fp32-summation error of float64 sums of the same
//    products, and may differ from the reference only in a few last bits;
//  - in every set a row's bits do not depend on where it sits in the batch, on M, or on the
//    thread count.
// A set this CPU cannot execute is skipped. Also: how ACTCACHE_KERNELS selects a set.
#include "kernels/gemm_bf16.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/bf16.h"
#include "kernels/backend.h"
#include "kernels/bf16_test_values.h"
#include "kernels/reference_kernels.h"

namespace actcache::kernels {
namespace {

class GemmBf16Test : public ::testing::TestWithParam<CpuKernelSet> {
protected:
    void SetUp() override {
        if (GetParam() > DetectCpuKernelSet()) {
            GTEST_SKIP() << "this CPU cannot run " << CpuKernelSetName(GetParam());
        }
    }

    static std::vector<float> Cpu(int threads, const std::vector<float>& x, std::int64_t M, std::int64_t K,
                                  const WeightMatrix& w) {
        ThreadPool pool(threads);
        auto backend = MakeCpuBackend(pool, GetParam());
        std::vector<float> y(static_cast<std::size_t>(M * w.rows));
        backend->Matmul(Precision::kBf16, x.data(), M, K, w, y.data());
        return y;
    }
};

// A random [N, K] bf16 weight (values of scale 0.1) and the matrix viewing it.
struct RandomWeight {
    RandomWeight(std::int64_t N, std::int64_t K, std::uint64_t seed)
        : bits(ToBits(RandomBf16Values(N * K, seed, 0.1))), matrix{bits.data(), WeightType::kBf16, N, K} {}
    const std::vector<std::uint16_t> bits;
    const WeightMatrix matrix;  // views `bits`
};

INSTANTIATE_TEST_SUITE_P(Sets, GemmBf16Test,
                         ::testing::Values(CpuKernelSet::kAvx2, CpuKernelSet::kAvx512, CpuKernelSet::kAvx512Bf16),
                         [](const ::testing::TestParamInfo<CpuKernelSet>& set) {
                             return std::string(CpuKernelSetName(set.param));
                         });

// Odd K and N that is not a multiple of the 64-column panel exercise the padding; M from 1 to 13
// gives every partial row tile of the 4- and 6-row kernels.
TEST_P(GemmBf16Test, MatchesFloat64AndTheReference) {
    const std::int64_t max_rows = 13, K = 301, N = 70;
    const auto x_all = RandomBf16Values(max_rows * K, 1);
    const auto w_values = RandomBf16Values(N * K, 2, 0.05);
    const auto w_bits = ToBits(w_values);
    const WeightMatrix w{w_bits.data(), WeightType::kBf16, N, K};
    const bool widening = GetParam() != CpuKernelSet::kAvx512Bf16;
    for (std::int64_t M : {1, 2, 3, 4, 5, 6, 7, 13}) {
        const std::vector<float> x(x_all.begin(), x_all.begin() + M * K);
        const std::vector<float> y = Cpu(2, x, M, K, w);
        std::vector<float> reference(static_cast<std::size_t>(M * N));
        MatmulReference(Precision::kBf16, x.data(), M, K, w, reference.data(), N);
        if (widening) {
            EXPECT_EQ(y, reference) << "M=" << M;
            continue;
        }
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
                EXPECT_LE(std::fabs(got - exact), std::fabs(exact) * 0x1p-8 + magnitude * K * 0x1p-24)
                    << m << "," << n;
                differ += got != reference[m * N + n];
            }
        }
        EXPECT_LE(differ, M * N / 20 + 1) << "more than 5% of the results differ from the reference, M=" << M;
    }
}

// Sums where the order of the adds shows in the bf16 result: every row adds +2^20·c_n at k = 3
// and takes it back at k = 90, so while it is in the sum each small product is rounded to the
// 2^-3 grid of a 2^20-sized fp32 value. Random inputs alone would hide a wrong order behind the
// final bf16 rounding; here the test first shows that another order (odd k before even k in
// each pair) changes many results, then that the widening kernels reproduce the reference's.
TEST_P(GemmBf16Test, WideningKernelsAddInTheReferencesOrder) {
    if (GetParam() == CpuKernelSet::kAvx512Bf16) GTEST_SKIP() << "vdpbf16ps adds in its own order";
    const std::int64_t M = 9, K = 96, N = 70, k_in = 3, k_out = 90;
    auto x = RandomBf16Values(M * K, 5);
    auto w_values = RandomBf16Values(N * K, 6);
    for (std::int64_t m = 0; m < M; ++m) {
        x[m * K + k_in] = 0x1p20f;
        x[m * K + k_out] = -0x1p20f;
    }
    for (std::int64_t n = 0; n < N; ++n) w_values[n * K + k_out] = w_values[n * K + k_in];
    const auto w_bits = ToBits(w_values);
    const WeightMatrix w{w_bits.data(), WeightType::kBf16, N, K};
    std::vector<float> reference(static_cast<std::size_t>(M * N));
    MatmulReference(Precision::kBf16, x.data(), M, K, w, reference.data(), N);
    int order_shows = 0;
    for (std::int64_t m = 0; m < M; ++m) {
        for (std::int64_t n = 0; n < N; ++n) {
            float odd_first = 0.0f;
            for (std::int64_t k = 0; k < K; k += 2) {
                odd_first += x[m * K + k + 1] * w_values[n * K + k + 1];
                odd_first += x[m * K + k] * w_values[n * K + k];
            }
            order_shows += Bf16ToFloat(RoundToBf16(odd_first)) != reference[m * N + n];
        }
    }
    ASSERT_GT(order_shows, M * N / 4) << "the inputs do not expose the summation order";
    EXPECT_EQ(Cpu(2, x, M, K, w), reference);
}

TEST_P(GemmBf16Test, RowsDoNotDependOnBatchOrThreads) {
    const std::int64_t M = 37, K = 256, N = 192;
    const auto x = RandomBf16Values(M * K, 3);
    const RandomWeight weight(N, K, 4);
    const WeightMatrix& w = weight.matrix;
    const std::vector<float> all = Cpu(1, x, M, K, w);
    EXPECT_EQ(Cpu(2, x, M, K, w), all);
    EXPECT_EQ(Cpu(3, x, M, K, w), all);
    for (std::int64_t first : {0, 5, 17, 36}) {  // one row alone, wherever it sat in the tile
        const std::vector<float> row(x.begin() + first * K, x.begin() + (first + 1) * K);
        const std::vector<float> alone = Cpu(2, row, 1, K, w);
        EXPECT_TRUE(std::equal(alone.begin(), alone.end(), all.begin() + first * N)) << first;
    }
}

// PrepareWeight packs ahead of the first Matmul (same results), and tells its caller the weight's
// memory is no longer read only where that is true: bf16 weights in bf16 mode.
TEST_P(GemmBf16Test, PreparedWeightsGiveTheSameResults) {
    const std::int64_t M = 5, K = 64, N = 70;
    const auto x = RandomBf16Values(M * K, 11);
    const RandomWeight weight(N, K, 12);
    const WeightMatrix& w = weight.matrix;
    const std::vector<float> unprepared = Cpu(1, x, M, K, w);
    ThreadPool pool(1);
    auto backend = MakeCpuBackend(pool, GetParam());
    EXPECT_FALSE(backend->PrepareWeight(Precision::kF32, w));
    EXPECT_TRUE(backend->PrepareWeight(Precision::kBf16, w));
    std::vector<float> prepared(static_cast<std::size_t>(M * N));
    backend->Matmul(Precision::kBf16, x.data(), M, K, w, prepared.data());
    EXPECT_EQ(prepared, unprepared);
    EXPECT_FALSE(MakeReferenceBackend(pool)->PrepareWeight(Precision::kBf16, w));
}

class SelectCpuKernelSetTest : public ::testing::Test {
protected:
    void TearDown() override { unsetenv("ACTCACHE_KERNELS"); }
};

TEST_F(SelectCpuKernelSetTest, EnvironmentForcesAnySetThisCpuRuns) {
    unsetenv("ACTCACHE_KERNELS");
    ASSERT_TRUE(SelectCpuKernelSet().ok());
    EXPECT_EQ(*SelectCpuKernelSet(), DetectCpuKernelSet());
    for (CpuKernelSet set : {CpuKernelSet::kReference, CpuKernelSet::kAvx2, CpuKernelSet::kAvx512,
                             CpuKernelSet::kAvx512Bf16}) {
        setenv("ACTCACHE_KERNELS", std::string(CpuKernelSetName(set)).c_str(), 1);
        const Result<CpuKernelSet> selected = SelectCpuKernelSet();
        if (set <= DetectCpuKernelSet()) {
            ASSERT_TRUE(selected.ok()) << selected.status().ToString();
            EXPECT_EQ(*selected, set);
        } else {
            ASSERT_FALSE(selected.ok());
            EXPECT_NE(selected.status().message().find("this CPU runs at most"), std::string::npos);
        }
    }
}

TEST_F(SelectCpuKernelSetTest, UnknownNameIsAnErrorNamingTheVariable) {
    setenv("ACTCACHE_KERNELS", "avx1024", 1);
    const Result<CpuKernelSet> selected = SelectCpuKernelSet();
    ASSERT_FALSE(selected.ok());
    EXPECT_NE(selected.status().message().find("ACTCACHE_KERNELS='avx1024'"), std::string::npos);
}

}  // namespace
}  // namespace actcache::kernels
