#include "kernels/elementwise_avx512.h"

#include <cmath>

#include "kernels/avx512_math.h"
#include "kernels/rope_heads.h"

namespace actcache::kernels {
namespace {

ACT_AVX512F inline __m512 Round(Precision precision, __m512 x) {
    return precision == Precision::kBf16 ? RoundToBf16Avx512(x) : x;
}

// The tail of n % 16 elements as a lane mask.
inline __mmask16 TailMask(std::int64_t remaining) {
    return remaining >= 16 ? static_cast<__mmask16>(0xFFFF)
                           : static_cast<__mmask16>((1u << remaining) - 1);
}

}  // namespace

ACT_AVX512F void RmsNormAvx512(Precision precision, const float* x, std::int64_t M, std::int64_t D,
                               const float* w, float eps, float* y) {
    for (std::int64_t m = 0; m < M; ++m) {
        const float* x_m = x + m * D;
        float* y_m = y + m * D;
        __m512 sum_lanes = _mm512_setzero_ps();
        for (std::int64_t d = 0; d < D; d += 16) {
            const __m512 v = _mm512_maskz_loadu_ps(TailMask(D - d), x_m + d);
            sum_lanes = _mm512_fmadd_ps(v, v, sum_lanes);
        }
        const float variance = _mm512_reduce_add_ps(sum_lanes) / static_cast<float>(D);
        const __m512 inv_rms =
            _mm512_set1_ps(1.0f / std::sqrt(variance + eps));  // as torch.rsqrt on CPU
        for (std::int64_t d = 0; d < D; d += 16) {
            const __mmask16 mask = TailMask(D - d);
            const __m512 normalized =
                Round(precision, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, x_m + d), inv_rms));
            _mm512_mask_storeu_ps(
                y_m + d, mask,
                Round(precision, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, w + d), normalized)));
        }
    }
}

ACT_AVX512F void RopeAvx512(Precision precision, float* x, std::int64_t M, std::int64_t n_heads,
                            std::int64_t Dh, const float* cos, const float* sin) {
    const std::int64_t half = Dh / 2;
    // x'[j] = R(R(x[j]·cos[j]) − R(x[j+half]·sin[j])),
    // x'[j+half] = R(R(x[j+half]·cos[j+half]) + R(x[j]·sin[j+half])), both halves read first.
    ForEachRopeHead(
        x, M, n_heads, Dh, cos, sin,
        [&](float* x_h, const float* cos_m, const float* sin_m) ACT_AVX512F {
            for (std::int64_t j = 0; j < half; j += 16) {
                const __mmask16 mask = TailMask(half - j);
                const __m512 first = _mm512_maskz_loadu_ps(mask, x_h + j);
                const __m512 second = _mm512_maskz_loadu_ps(mask, x_h + half + j);
                const __m512 first_cos =
                    Round(precision, _mm512_mul_ps(first, _mm512_maskz_loadu_ps(mask, cos_m + j)));
                const __m512 second_sin =
                    Round(precision, _mm512_mul_ps(second, _mm512_maskz_loadu_ps(mask, sin_m + j)));
                const __m512 second_cos =
                    Round(precision,
                          _mm512_mul_ps(second, _mm512_maskz_loadu_ps(mask, cos_m + half + j)));
                const __m512 first_sin = Round(
                    precision, _mm512_mul_ps(first, _mm512_maskz_loadu_ps(mask, sin_m + half + j)));
                _mm512_mask_storeu_ps(x_h + j, mask,
                                      Round(precision, _mm512_sub_ps(first_cos, second_sin)));
                _mm512_mask_storeu_ps(x_h + half + j, mask,
                                      Round(precision, _mm512_add_ps(second_cos, first_sin)));
            }
        });
}

ACT_AVX512F void SiluMulAvx512(Precision precision, const float* g, const float* u, std::int64_t n,
                               float* y) {
    const __m512 one = _mm512_set1_ps(1.0f);
    for (std::int64_t i = 0; i < n; i += 16) {
        const __mmask16 mask = TailMask(n - i);
        const __m512 g_i = _mm512_maskz_loadu_ps(mask, g + i);
        // For g < ~−88.7, exp(−g) = inf and silu = −0.0, as in torch.
        const __m512 silu = _mm512_div_ps(
            g_i, _mm512_add_ps(one, ExpAvx512(_mm512_sub_ps(_mm512_setzero_ps(), g_i))));
        const __m512 product =
            _mm512_mul_ps(Round(precision, silu), _mm512_maskz_loadu_ps(mask, u + i));
        _mm512_mask_storeu_ps(y + i, mask, Round(precision, product));
    }
}

ACT_AVX512F void AddAvx512(Precision precision, const float* a, const float* b, std::int64_t n,
                           float* y) {
    for (std::int64_t i = 0; i < n; i += 16) {
        const __mmask16 mask = TailMask(n - i);
        const __m512 sum =
            _mm512_add_ps(_mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i));
        _mm512_mask_storeu_ps(y + i, mask, Round(precision, sum));
    }
}

}  // namespace actcache::kernels
