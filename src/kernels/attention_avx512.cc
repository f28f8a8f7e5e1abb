#include "kernels/attention_avx512.h"

#include <immintrin.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/bf16.h"
#include "kernels/avx512_math.h"

// Only functions marked ACT_AVX512F (avx512_math.h) use AVX-512; the file compiles for the
// baseline ISA.
#define ACT_AVX512F_LAMBDA __attribute__((target("avx512f")))

namespace actcache::kernels {
namespace {

constexpr std::int64_t kKeys = 16;  // keys per zmm of scores

// Query heads [h0, h0 + kHeads) of one kv head, every row t. The heads share each key and
// value loaded (GQA), which is what keeps this kernel from streaming K and V from L2 once per
// head; kVectors = Dh / 16. Both are template arguments so that the accumulators (2·kHeads
// score chains, kHeads·kVectors P·V chains) live in registers.
template <int kHeads, int kVectors>
ACT_AVX512F void AttentionRows(Precision precision, const float* q, const float* v, const float* kT,
                               std::int64_t kT_stride, std::int64_t T, std::int64_t H, std::int64_t Hkv,
                               std::int64_t h0, float scale, float* scores, std::int64_t scores_stride,
                               float* out) {
    constexpr std::int64_t Dh = 16 * kVectors;
    const std::int64_t kv_stride = Hkv * Dh;
    const __m512 minus_infinity = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    for (std::int64_t t = 0; t < T; ++t) {
        const float* q_t = q + (t * H + h0) * Dh;  // head g at q_t + g·Dh
        const std::int64_t blocks = t / kKeys + 1;  // key blocks holding j ≤ t
        // Pass 1: scores, 16 keys per zmm, d in order, two key blocks × kHeads heads at a time.
        __m512 max_lanes[kHeads];
#pragma GCC unroll 4
        for (int g = 0; g < kHeads; ++g) max_lanes[g] = minus_infinity;
        auto finish = [&](int g, std::int64_t index, __m512 dot) ACT_AVX512F_LAMBDA {
            __m512 s = _mm512_mul_ps(dot, _mm512_set1_ps(scale));
            const std::int64_t valid = t - index * kKeys + 1;
            if (valid < kKeys) s = _mm512_mask_mov_ps(minus_infinity, static_cast<__mmask16>((1u << valid) - 1), s);
            _mm512_storeu_ps(scores + g * scores_stride + index * kKeys, s);
            max_lanes[g] = _mm512_max_ps(max_lanes[g], s);
        };
        std::int64_t block = 0;
        for (; block + 2 <= blocks; block += 2) {
            const float* column = kT + block * kKeys;
            __m512 dot0[kHeads], dot1[kHeads];
#pragma GCC unroll 4
            for (int g = 0; g < kHeads; ++g) dot0[g] = dot1[g] = _mm512_setzero_ps();
            for (std::int64_t d = 0; d < Dh; ++d) {
                const __m512 k0 = _mm512_loadu_ps(column + d * kT_stride);
                const __m512 k1 = _mm512_loadu_ps(column + d * kT_stride + kKeys);
#pragma GCC unroll 4
                for (int g = 0; g < kHeads; ++g) {
                    const __m512 q_d = _mm512_set1_ps(q_t[g * Dh + d]);
                    dot0[g] = _mm512_fmadd_ps(q_d, k0, dot0[g]);
                    dot1[g] = _mm512_fmadd_ps(q_d, k1, dot1[g]);
                }
            }
#pragma GCC unroll 4
            for (int g = 0; g < kHeads; ++g) {
                finish(g, block, dot0[g]);
                finish(g, block + 1, dot1[g]);
            }
        }
        if (block < blocks) {
            const float* column = kT + block * kKeys;
            __m512 dot[kHeads];
#pragma GCC unroll 4
            for (int g = 0; g < kHeads; ++g) dot[g] = _mm512_setzero_ps();
            for (std::int64_t d = 0; d < Dh; ++d) {
                const __m512 k0 = _mm512_loadu_ps(column + d * kT_stride);
#pragma GCC unroll 4
                for (int g = 0; g < kHeads; ++g) dot[g] = _mm512_fmadd_ps(_mm512_set1_ps(q_t[g * Dh + d]), k0, dot[g]);
            }
#pragma GCC unroll 4
            for (int g = 0; g < kHeads; ++g) finish(g, block, dot[g]);
        }
        // Pass 2, per head: p_j = exp(s_j − max) (masked keys: 0), summed in 16 lanes; R_P.
        float inverse_sum[kHeads];
        for (int g = 0; g < kHeads; ++g) {
            float* scores_g = scores + g * scores_stride;
            const __m512 max_score = _mm512_set1_ps(_mm512_reduce_max_ps(max_lanes[g]));
            __m512 sum_lanes = _mm512_setzero_ps();
            for (std::int64_t key_block = 0; key_block < blocks; ++key_block) {
                const std::int64_t valid = t - key_block * kKeys + 1;
                const __mmask16 visible = valid < kKeys ? static_cast<__mmask16>((1u << valid) - 1) : 0xFFFF;
                const __m512 s = _mm512_loadu_ps(scores_g + key_block * kKeys);
                const __m512 p = _mm512_maskz_mov_ps(visible, ExpAvx512(_mm512_sub_ps(s, max_score)));
                sum_lanes = _mm512_add_ps(sum_lanes, p);
                _mm512_storeu_ps(scores_g + key_block * kKeys, precision == Precision::kBf16 ? RoundToBf16Avx512(p) : p);
            }
            inverse_sum[g] = 1.0f / _mm512_reduce_add_ps(sum_lanes);
        }
        // Pass 3: Σ_j R_P(p_j) · v_j, j in order, each v_j loaded once for the kHeads heads.
        __m512 acc[kHeads][kVectors];
#pragma GCC unroll 4
        for (int g = 0; g < kHeads; ++g) {
#pragma GCC unroll 16
            for (int i = 0; i < kVectors; ++i) acc[g][i] = _mm512_setzero_ps();
        }
        for (std::int64_t j = 0; j <= t; ++j) {
            const float* v_j = v + j * kv_stride;
            __m512 v_vectors[kVectors];
#pragma GCC unroll 16
            for (int i = 0; i < kVectors; ++i) v_vectors[i] = _mm512_loadu_ps(v_j + 16 * i);
#pragma GCC unroll 4
            for (int g = 0; g < kHeads; ++g) {
                const __m512 p = _mm512_set1_ps(scores[g * scores_stride + j]);
#pragma GCC unroll 16
                for (int i = 0; i < kVectors; ++i) acc[g][i] = _mm512_fmadd_ps(p, v_vectors[i], acc[g][i]);
            }
        }
        // Pass 4: normalize by the fp32 sum, round to the output precision.
        for (int g = 0; g < kHeads; ++g) {
            float* out_t = out + (t * H + h0 + g) * Dh;
            for (int i = 0; i < kVectors; ++i) {
                alignas(64) float lanes[16];
                _mm512_store_ps(lanes, _mm512_mul_ps(acc[g][i], _mm512_set1_ps(inverse_sum[g])));
                for (int lane = 0; lane < 16; ++lane) out_t[16 * i + lane] = RoundTo(precision, lanes[lane]);
            }
        }
    }
}

// Heads per call for a group of `group` query heads: as many as divide the group while the
// P·V accumulators (heads × Dh/16) fit in 16 registers.
int HeadsPerCall(std::int64_t group, std::int64_t vectors) {
    for (int heads : {4, 2}) {
        if (group % heads == 0 && heads * vectors <= 16) return heads;
    }
    return 1;
}

}  // namespace

bool CpuHasAvx512F() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

void AttentionAvx512(Precision precision, const float* q, const float* k, const float* v, std::int64_t T,
                     std::int64_t H, std::int64_t Hkv, std::int64_t Dh, std::int64_t h_begin, std::int64_t h_end,
                     float scale, float* out) {
    const std::int64_t T_padded = (T + kKeys - 1) / kKeys * kKeys;
    // One cache line more than T_padded: with a power-of-two row stride the Dh rows read for
    // one key block would all map to the same L1 set and evict each other.
    const std::int64_t kT_stride = T_padded + kKeys;
    std::vector<float> kT(static_cast<std::size_t>(Dh * kT_stride), 0.0f);
    for (std::int64_t j = 0; j < T; ++j) {
        for (std::int64_t d = 0; d < Dh; ++d) kT[static_cast<std::size_t>(d * kT_stride + j)] = k[j * Hkv * Dh + d];
    }
    const std::int64_t vectors = Dh / 16;
    const int heads = HeadsPerCall(h_end - h_begin, vectors);
    std::vector<float> scores(static_cast<std::size_t>(heads * T_padded));
    for (std::int64_t h = h_begin; h < h_end; h += heads) {
#define ACT_ROWS(HEADS, VECTORS)                                                                                  \
    if (heads == HEADS && vectors == VECTORS) {                                                                   \
        AttentionRows<HEADS, VECTORS>(precision, q, v, kT.data(), kT_stride, T, H, Hkv, h, scale, scores.data(), \
                                      T_padded, out);                                                             \
        continue;                                                                                                 \
    }
        ACT_ROWS(1, 1) ACT_ROWS(2, 1) ACT_ROWS(4, 1)
        ACT_ROWS(1, 2) ACT_ROWS(2, 2) ACT_ROWS(4, 2)
        ACT_ROWS(1, 4) ACT_ROWS(2, 4) ACT_ROWS(4, 4)
        ACT_ROWS(1, 8) ACT_ROWS(2, 8)
#undef ACT_ROWS
    }
}

}  // namespace actcache::kernels
