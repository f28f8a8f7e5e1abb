// AVX2 building blocks of the avx2 kernel set: exp, horizontal max and sum, and the bf16
// rounding of 8 fp32 lanes, the 8-lane counterparts of avx512_math.h. Every function carries its own target attribute
// (ACT_AVX2): files including this header compile for the baseline ISA and call these only
// where the CPU runs the avx2 set.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/exp_polynomial.h"

#define ACT_AVX2 __attribute__((target("avx2,fma")))

namespace actcache::kernels {

// e^x as ExpAvx512 (exp_polynomial.h, ~1 ulp for normal results), with 2^n
// applied as two exact power-of-two factors 2^⌊n/2⌋ · 2^(n−⌊n/2⌋), each a normal float, since
// AVX2 has no scalef: overflow gives +inf and underflow goes through the denormals to 0 (a
// denormal result may be rounded twice). x is first clamped to ±175, which keeps every factor in
// range without changing any result; NaN passes through.
ACT_AVX2 inline __m256 ExpAvx2(__m256 x) {
    using namespace exp_polynomial;
    x = _mm256_min_ps(_mm256_set1_ps(175.0f), _mm256_max_ps(_mm256_set1_ps(-175.0f), x));  // NaN: second operand
    const __m256 n =
        _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2E)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), x));
    __m256 p = _mm256_set1_ps(kTaylor[0]);
    for (int i = 1; i < kTerms; ++i) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kTaylor[i]));
    const __m256i n_total = _mm256_cvtps_epi32(n);                  // in [−253, 253]
    const __m256i n_low = _mm256_srai_epi32(n_total, 1);            // ⌊n/2⌋
    const __m256i n_high = _mm256_sub_epi32(n_total, n_low);        // both in [−127, 127]
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 scale_low = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n_low, bias), 23));
    const __m256 scale_high = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n_high, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, scale_low), scale_high);
}

// The largest lane (NaN-free input).
ACT_AVX2 inline float ReduceMax(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
}

// Lanes summed pairwise: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)).
ACT_AVX2 inline float ReduceAdd(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

// Each lane rounded to bf16 and back, exactly as RoundToBf16 (core/bf16.h): round to nearest
// even (overflowing to ±inf), a NaN kept as a quiet NaN with its sign and top payload bits.
ACT_AVX2 inline __m256 RoundToBf16Avx2(__m256 x) {
    const __m256i bits = _mm256_castps_si256(x);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
    const __m256i rounded = _mm256_add_epi32(bits, _mm256_add_epi32(_mm256_set1_epi32(0x7FFF), lsb));
    const __m256i quiet = _mm256_or_si256(bits, _mm256_set1_epi32(0x00400000));
    const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    const __m256i kept = _mm256_blendv_epi8(rounded, quiet, nan);
    return _mm256_castsi256_ps(_mm256_and_si256(kept, _mm256_set1_epi32(static_cast<int>(0xFFFF0000u))));
}

}  // namespace actcache::kernels
