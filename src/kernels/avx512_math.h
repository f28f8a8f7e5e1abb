// AVX-512 building blocks shared by the fast kernels: exp and the bf16 rounding of 16 fp32
// lanes. Every function carries its own target attribute (ACT_AVX512F): files including this
// header compile for the baseline ISA and call these only after checking the CPU.
#pragma once

#include <immintrin.h>

#include "kernels/exp_polynomial.h"

#define ACT_AVX512F __attribute__((target("avx512f")))

// GCC 12's own intrinsic headers trip -W(maybe-)uninitialized in the files that use them (their
// _mm512_undefined_* placeholders, self-initialized on purpose, in reduce/roundscale/scalef/
// masked ops); no kernel reads an uninitialized value.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

namespace actcache::kernels {

// e^x, ~1 ulp over the whole range (exp_polynomial.h; times 2ⁿ with scalef, which overflows to
// +inf and underflows through the denormals to 0 as expf does).
ACT_AVX512F inline __m512 ExpAvx512(__m512 x) {
    using namespace exp_polynomial;
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2E)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), x));
    __m512 p = _mm512_set1_ps(kTaylor[0]);
    for (int i = 1; i < kTerms; ++i) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kTaylor[i]));
    return _mm512_scalef_ps(p, n);
}

// Each lane rounded to bf16 and back, exactly as RoundToBf16 (core/bf16.h): round to nearest
// even (overflowing to ±inf), a NaN kept as a quiet NaN with its sign and top payload bits.
ACT_AVX512F inline __m512 RoundToBf16Avx512(__m512 x) {
    const __m512i bits = _mm512_castps_si512(x);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
    const __m512i rounded = _mm512_add_epi32(bits, _mm512_add_epi32(_mm512_set1_epi32(0x7FFF), lsb));
    const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    const __m512i kept = _mm512_mask_or_epi32(rounded, nan, bits, _mm512_set1_epi32(0x00400000));
    return _mm512_castsi512_ps(_mm512_and_si512(kept, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u))));
}

}  // namespace actcache::kernels
