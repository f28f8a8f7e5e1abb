// Reference kernels against float64 evaluations of the same formulas, and the reference
// backend's determinism (identical bits for any thread count and any batch composition).
#include "kernels/reference_kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/bf16.h"
#include "kernels/backend.h"
#include "kernels/bf16_test_values.h"

namespace actcache::kernels {
namespace {

// One bf16 ulp at the magnitude of x.
double Bf16Ulp(double x) {
    if (x == 0) return 0x1p-133;
    return std::ldexp(1.0, std::ilogb(x) - 7);
}

TEST(ReferenceKernelsTest, MatmulMatchesFloat64) {
    const std::int64_t M = 5, K = 300, N = 7;
    auto x = RandomBf16Values(M * K, 1);
    auto w_values = RandomBf16Values(N * K, 2, 0.05);
    auto w_bits = ToBits(w_values);
    WeightMatrix w{w_bits.data(), WeightType::kBf16, N, K};
    std::vector<float> y32(M * N), y16(M * N);
    MatmulReference(Precision::kF32, x.data(), M, K, w, y32.data(), N);
    MatmulReference(Precision::kBf16, x.data(), M, K, w, y16.data(), N);
    for (std::int64_t m = 0; m < M; ++m) {
        for (std::int64_t n = 0; n < N; ++n) {
            double exact = 0;
            for (std::int64_t k = 0; k < K; ++k) exact += double(x[m * K + k]) * w_values[n * K + k];
            EXPECT_NEAR(y32[m * N + n], exact, 1e-5 * (1 + std::fabs(exact)));
            EXPECT_LE(std::fabs(y16[m * N + n] - exact), Bf16Ulp(exact)) << m << "," << n;
            EXPECT_EQ(y16[m * N + n], Bf16ToFloat(RoundToBf16(y32[m * N + n])));
        }
    }
}

TEST(ReferenceKernelsTest, RmsNormMatchesFloat64WithTwoRoundings) {
    const std::int64_t M = 3, D = 256;
    auto x = RandomBf16Values(M * D, 3, 4.0);
    auto w = RandomBf16Values(D, 4);
    std::vector<float> y16(M * D), y32(M * D);
    RmsNormReference(Precision::kBf16, x.data(), M, D, w.data(), 1e-5f, y16.data());
    RmsNormReference(Precision::kF32, x.data(), M, D, w.data(), 1e-5f, y32.data());
    for (std::int64_t m = 0; m < M; ++m) {
        double ss = 0;
        for (std::int64_t d = 0; d < D; ++d) ss += double(x[m * D + d]) * x[m * D + d];
        const double inv = 1.0 / std::sqrt(ss / D + 1e-5);
        for (std::int64_t d = 0; d < D; ++d) {
            const double exact = w[d] * (x[m * D + d] * inv);
            EXPECT_NEAR(y32[m * D + d], exact, 1e-5 * (1 + std::fabs(exact)));
            // two bf16 roundings: at most one ulp each, measured at the output's magnitude
            EXPECT_LE(std::fabs(y16[m * D + d] - exact), 2.01 * Bf16Ulp(exact));
        }
    }
}

TEST(ReferenceKernelsTest, RopeRotatesHalfSplitPairs) {
    const std::int64_t heads = 2, Dh = 8;
    std::vector<float> x = RandomBf16Values(heads * Dh, 5);
    const std::vector<float> original = x;
    // Angle θ_j for pair (j, j + Dh/2): x'_j = x_j cos − x_{j+4} sin, x'_{j+4} = x_{j+4} cos + x_j sin.
    std::vector<float> cos(Dh), sin(Dh);
    for (int j = 0; j < Dh / 2; ++j) {
        cos[j] = cos[j + 4] = static_cast<float>(std::cos(0.3 * (j + 1)));
        sin[j] = sin[j + 4] = static_cast<float>(std::sin(0.3 * (j + 1)));
    }
    RopeReference(Precision::kF32, x.data(), 1, heads, Dh, cos.data(), sin.data());
    for (int h = 0; h < heads; ++h) {
        for (int j = 0; j < Dh / 2; ++j) {
            const double a = original[h * Dh + j], b = original[h * Dh + j + 4];
            EXPECT_NEAR(x[h * Dh + j], a * cos[j] - b * sin[j], 1e-6);
            EXPECT_NEAR(x[h * Dh + j + 4], b * cos[j] + a * sin[j], 1e-6);
        }
    }
}

TEST(ReferenceKernelsTest, AttentionMatchesFloat64Softmax) {
    const std::int64_t T = 40, Dh = 16;
    auto q = RandomBf16Values(T * Dh, 6);
    auto k = RandomBf16Values(T * Dh, 7);
    auto v = RandomBf16Values(T * Dh, 8);
    std::vector<float> out32(T * Dh), out16(T * Dh), scratch(2 * T);
    const float scale = 0.25f;
    AttentionHeadReference(Precision::kF32, q.data(), Dh, k.data(), v.data(), Dh, T, Dh, scale,
                           out32.data(), Dh, scratch.data(), scratch.data() + T);
    AttentionHeadReference(Precision::kBf16, q.data(), Dh, k.data(), v.data(), Dh, T, Dh, scale,
                           out16.data(), Dh, scratch.data(), scratch.data() + T);
    for (std::int64_t t = 0; t < T; ++t) {
        std::vector<double> p(t + 1);
        double max_s = -1e300, total = 0;
        for (std::int64_t j = 0; j <= t; ++j) {
            double s = 0;
            for (std::int64_t d = 0; d < Dh; ++d) s += double(q[t * Dh + d]) * k[j * Dh + d];
            p[j] = s * scale;
            max_s = std::max(max_s, p[j]);
        }
        for (auto& pj : p) total += (pj = std::exp(pj - max_s));
        for (std::int64_t d = 0; d < Dh; ++d) {
            double exact = 0;
            for (std::int64_t j = 0; j <= t; ++j) exact += p[j] / total * v[j * Dh + d];
            EXPECT_NEAR(out32[t * Dh + d], exact, 1e-5);
            EXPECT_NEAR(out16[t * Dh + d], exact, 0.02);  // bf16 P and output: ~3 ulp at |x|~1
        }
    }
    // The first token sees only itself: output = R(v_0).
    for (std::int64_t d = 0; d < Dh; ++d) EXPECT_EQ(out16[d], v[d]);
}

TEST(ReferenceKernelsTest, SiluMulSaturatesToNegativeZeroLikeTorch) {
    const float g[] = {-100.0f, -1.0f, 0.0f, 2.5f};
    const float u[] = {3.0f, 3.0f, 3.0f, 3.0f};
    float y[4];
    SiluMulReference(Precision::kBf16, g, u, 4, y);
    EXPECT_EQ(y[0], 0.0f);
    EXPECT_TRUE(std::signbit(y[0]));  // exp(100) = inf in fp32: g / inf = −0
    for (int i = 1; i < 4; ++i) {
        const double exact = g[i] / (1 + std::exp(-double(g[i]))) * u[i];
        EXPECT_LE(std::fabs(y[i] - exact), 2.01 * Bf16Ulp(exact) + 1e-30);
    }
}

// Backend determinism: any thread count, and any batch a row sits in, gives identical bits.
TEST(ReferenceBackendTest, ResultsDoNotDependOnThreadsOrBatch) {
    const std::int64_t B = 3, T = 33, H = 4, Hkv = 2, Dh = 16, D = H * Dh, N = 48;
    auto x = RandomBf16Values(B * T * D, 9);
    auto w_bits = ToBits(RandomBf16Values(N * D, 10, 0.1));
    WeightMatrix w{w_bits.data(), WeightType::kBf16, N, D};
    auto q = RandomBf16Values(B * T * D, 11);
    auto kv = RandomBf16Values(B * T * Hkv * Dh, 12);

    auto run = [&](int threads, std::int64_t batch, std::int64_t first) {
        ThreadPool pool(threads);
        auto backend = MakeReferenceBackend(pool);
        const float* x_b = x.data() + first * T * D;
        std::vector<float> y(batch * T * N), att(batch * T * D);
        backend->Matmul(Precision::kBf16, x_b, batch * T, D, w, y.data());
        backend->Attention(Precision::kBf16, q.data() + first * T * D,
                           kv.data() + first * T * Hkv * Dh, kv.data() + first * T * Hkv * Dh,
                           batch, T, H, Hkv, Dh, 0.25f, att.data());
        return std::pair(y, att);
    };
    auto [y1, a1] = run(1, B, 0);
    auto [y3, a3] = run(3, B, 0);
    EXPECT_EQ(y1, y3);
    EXPECT_EQ(a1, a3);
    auto [y_single, a_single] = run(2, 1, 1);  // sequence 1 alone
    EXPECT_TRUE(std::equal(y_single.begin(), y_single.end(), y1.begin() + T * N));
    EXPECT_TRUE(std::equal(a_single.begin(), a_single.end(), a1.begin() + T * D));
}

}  // namespace
}  // namespace actcache::kernels
