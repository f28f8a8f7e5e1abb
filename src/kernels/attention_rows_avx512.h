// The steps the two AVX-512 attention kernels share (attention_avx512.cc in fp32 FMAs,
// attention_bf16_avx512.cc in vdpbf16ps): finishing 16 scores, the row's softmax, and the
// normalized output row. Every function is ACT_AVX512F (avx512_math.h) and inlines into the
// kernels' own AVX-512 functions.
//
// The row-wise scheme of both kernels (per query row t of one sequence and kv head):
//   pass 1  s_j = scale · q·k_j for the visible keys j ≤ t, 16 keys per zmm, and their maximum
//   pass 2  p_j = exp(s_j − max), summed in 16 lanes, stored as R_P(p_j)
//   pass 3  Σ_j R_P(p_j) · v_j
//   pass 4  out = R(that · (1 / Σ p))
// as AttentionHeadReference computes it (the row's true maximum, R_P before P·V).
#pragma once

#include <cstdint>
#include <limits>

#include "kernels/attention_dispatch.h"
#include "kernels/avx512_math.h"
#include "kernels/precision.h"

namespace actcache::kernels::attention {

inline constexpr std::int64_t kKeys = 16;  // keys per zmm of scores

// The keys of block `block` that row t sees (j ≤ t), as a lane mask.
ACT_AVX512F inline __mmask16 VisibleKeys(std::int64_t t, std::int64_t block) {
    const std::int64_t valid = t - block * kKeys + 1;
    return valid < kKeys ? static_cast<__mmask16>((1u << valid) - 1) : static_cast<__mmask16>(0xFFFF);
}

// Pass 1's end for one block of 16 keys: scores = scale · dot (−inf where masked) stored at
// scores[16·block ..], folded into the running lane maxima.
ACT_AVX512F inline void FinishScores(__m512 dot, float scale, std::int64_t t, std::int64_t block, float* scores,
                                     __m512& max_lanes) {
    const __m512 minus_infinity = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    const __m512 s = _mm512_mask_mov_ps(minus_infinity, VisibleKeys(t, block), _mm512_mul_ps(dot, _mm512_set1_ps(scale)));
    _mm512_storeu_ps(scores + block * kKeys, s);
    max_lanes = _mm512_max_ps(max_lanes, s);
}

// Pass 2 for one row and head: p = exp(s − max) for the `blocks` key blocks of row t (masked
// keys: 0), summed in 16 lanes; store(block, R_P(p)) keeps the probabilities in the kernel's
// layout. Returns 1 / Σ p.
template <class StoreProbabilities>
ACT_AVX512F inline float SoftmaxRow(Precision precision, const float* scores, std::int64_t t, std::int64_t blocks,
                                    __m512 max_lanes, const StoreProbabilities& store) {
    const __m512 max_score = _mm512_set1_ps(_mm512_reduce_max_ps(max_lanes));
    __m512 sum_lanes = _mm512_setzero_ps();
    for (std::int64_t block = 0; block < blocks; ++block) {
        const __m512 s = _mm512_loadu_ps(scores + block * kKeys);
        const __m512 p = _mm512_maskz_mov_ps(VisibleKeys(t, block), ExpAvx512(_mm512_sub_ps(s, max_score)));
        sum_lanes = _mm512_add_ps(sum_lanes, p);
        store(block, precision == Precision::kBf16 ? RoundToBf16Avx512(p) : p);
    }
    return 1.0f / _mm512_reduce_add_ps(sum_lanes);
}

// Pass 4: out_t[0 .. 16·kVectors) = R(acc · inverse_sum).
template <int kVectors>
ACT_AVX512F inline void StoreOutputRow(Precision precision, const __m512 (&acc)[kVectors], float inverse_sum,
                                       float* out_t) {
    for (int i = 0; i < kVectors; ++i) {
        alignas(64) float lanes[16];
        _mm512_store_ps(lanes, _mm512_mul_ps(acc[i], _mm512_set1_ps(inverse_sum)));
        for (int lane = 0; lane < 16; ++lane) out_t[16 * i + lane] = RoundTo(precision, lanes[lane]);
    }
}

}  // namespace actcache::kernels::attention
