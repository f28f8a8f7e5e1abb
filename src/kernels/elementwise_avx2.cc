#include "kernels/elementwise_avx2.h"

#include <cmath>

#include "kernels/avx2_math.h"
#include "kernels/rope_heads.h"

namespace actcache::kernels {
namespace {

ACT_AVX2 inline __m256 Round(Precision precision, __m256 x) {
    return precision == Precision::kBf16 ? RoundToBf16Avx2(x) : x;
}

// The first min(remaining, 8) lanes, as a maskload/maskstore mask.
ACT_AVX2 inline __m256i TailMask(std::int64_t remaining) {
    const auto count = static_cast<int>(remaining < 8 ? remaining : 8);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

}  // namespace

ACT_AVX2 void RmsNormAvx2(Precision precision, const float* x, std::int64_t M, std::int64_t D,
                          const float* w, float eps, float* y) {
    for (std::int64_t m = 0; m < M; ++m) {
        const float* x_m = x + m * D;
        float* y_m = y + m * D;
        __m256 sum_lanes = _mm256_setzero_ps();
        for (std::int64_t d = 0; d < D; d += 8) {
            const __m256 v = _mm256_maskload_ps(x_m + d, TailMask(D - d));
            sum_lanes = _mm256_fmadd_ps(v, v, sum_lanes);
        }
        const float variance = ReduceAdd(sum_lanes) / static_cast<float>(D);
        const __m256 inv_rms =
            _mm256_set1_ps(1.0f / std::sqrt(variance + eps));  // as torch.rsqrt on CPU
        for (std::int64_t d = 0; d < D; d += 8) {
            const __m256i mask = TailMask(D - d);
            const __m256 normalized =
                Round(precision, _mm256_mul_ps(_mm256_maskload_ps(x_m + d, mask), inv_rms));
            _mm256_maskstore_ps(
                y_m + d, mask,
                Round(precision, _mm256_mul_ps(_mm256_maskload_ps(w + d, mask), normalized)));
        }
    }
}

ACT_AVX2 void RopeAvx2(Precision precision, float* x, std::int64_t M, std::int64_t n_heads,
                       std::int64_t Dh, const float* cos, const float* sin) {
    const std::int64_t half = Dh / 2;
    // x'[j] = R(R(x[j]·cos[j]) − R(x[j+half]·sin[j])),
    // x'[j+half] = R(R(x[j+half]·cos[j+half]) + R(x[j]·sin[j+half])), both halves read first.
    ForEachRopeHead(
        x, M, n_heads, Dh, cos, sin,
        [&](float* x_h, const float* cos_m, const float* sin_m) ACT_AVX2 {
            for (std::int64_t j = 0; j < half; j += 8) {
                const __m256i mask = TailMask(half - j);
                const __m256 first = _mm256_maskload_ps(x_h + j, mask);
                const __m256 second = _mm256_maskload_ps(x_h + half + j, mask);
                const __m256 first_cos =
                    Round(precision, _mm256_mul_ps(first, _mm256_maskload_ps(cos_m + j, mask)));
                const __m256 second_sin =
                    Round(precision, _mm256_mul_ps(second, _mm256_maskload_ps(sin_m + j, mask)));
                const __m256 second_cos = Round(
                    precision, _mm256_mul_ps(second, _mm256_maskload_ps(cos_m + half + j, mask)));
                const __m256 first_sin = Round(
                    precision, _mm256_mul_ps(first, _mm256_maskload_ps(sin_m + half + j, mask)));
                _mm256_maskstore_ps(x_h + j, mask,
                                    Round(precision, _mm256_sub_ps(first_cos, second_sin)));
                _mm256_maskstore_ps(x_h + half + j, mask,
                                    Round(precision, _mm256_add_ps(second_cos, first_sin)));
            }
        });
}

ACT_AVX2 void SiluMulAvx2(Precision precision, const float* g, const float* u, std::int64_t n,
                          float* y) {
    const __m256 one = _mm256_set1_ps(1.0f);
    for (std::int64_t i = 0; i < n; i += 8) {
        const __m256i mask = TailMask(n - i);
        const __m256 g_i = _mm256_maskload_ps(g + i, mask);
        // For g < ~−88.7, exp(−g) = inf and silu = −0.0, as in torch.
        const __m256 silu = _mm256_div_ps(
            g_i, _mm256_add_ps(one, ExpAvx2(_mm256_sub_ps(_mm256_setzero_ps(), g_i))));
        const __m256 product =
            _mm256_mul_ps(Round(precision, silu), _mm256_maskload_ps(u + i, mask));
        _mm256_maskstore_ps(y + i, mask, Round(precision, product));
    }
}

ACT_AVX2 void AddAvx2(Precision precision, const float* a, const float* b, std::int64_t n,
                      float* y) {
    for (std::int64_t i = 0; i < n; i += 8) {
        const __m256i mask = TailMask(n - i);
        const __m256 sum =
            _mm256_add_ps(_mm256_maskload_ps(a + i, mask), _mm256_maskload_ps(b + i, mask));
        _mm256_maskstore_ps(y + i, mask, Round(precision, sum));
    }
}

}  // namespace actcache::kernels
