#include "kernels/attention_avx512.h"

#include <immintrin.h>

#include <limits>
#include <vector>

#include "kernels/attention_rows_avx512.h"

// Only functions marked ACT_AVX512F (avx512_math.h) use AVX-512; the file compiles for the
// baseline ISA.
#define ACT_AVX512F_LAMBDA __attribute__((target("avx512f")))

namespace actcache::kernels {
namespace {

using attention::kKeys;

struct Fp32Kernel {
    // Query heads [h0, h0 + kHeads) of one kv head, every row t. The heads share each key and
    // value loaded (GQA), which is what keeps this kernel from streaming K and V from L2 once
    // per head; kVectors = Dh / 16. Both are template arguments so that the accumulators
    // (2·kHeads score chains, kHeads·kVectors P·V chains) live in registers.
    template <int kHeads, int kVectors>
    ACT_AVX512F static void Rows(Precision precision, const float* q, const float* v, const float* kT,
                                 std::int64_t kT_stride, std::int64_t T, std::int64_t H, std::int64_t Hkv,
                                 std::int64_t h0, float scale, float* scores, std::int64_t scores_stride,
                                 float* out) {
        constexpr std::int64_t Dh = 16 * kVectors;
        const std::int64_t kv_stride = Hkv * Dh;
        for (std::int64_t t = 0; t < T; ++t) {
            const float* q_t = q + (t * H + h0) * Dh;  // head g at q_t + g·Dh
            const std::int64_t blocks = t / kKeys + 1;  // key blocks holding j ≤ t
            // Pass 1: scores, 16 keys per zmm, d in order, two key blocks × kHeads heads at a time.
            __m512 max_lanes[kHeads];
#pragma GCC unroll 4
            for (int g = 0; g < kHeads; ++g) max_lanes[g] = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
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
                    attention::FinishScores(dot0[g], scale, t, block, scores + g * scores_stride, max_lanes[g]);
                    attention::FinishScores(dot1[g], scale, t, block + 1, scores + g * scores_stride, max_lanes[g]);
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
                for (int g = 0; g < kHeads; ++g) {
                    attention::FinishScores(dot[g], scale, t, block, scores + g * scores_stride, max_lanes[g]);
                }
            }
            // Pass 2, per head: R_P(p) overwrites the scores.
            float inverse_sum[kHeads];
            for (int g = 0; g < kHeads; ++g) {
                float* scores_g = scores + g * scores_stride;
                inverse_sum[g] = attention::SoftmaxRow(
                    precision, scores_g, t, blocks, max_lanes[g],
                    [&](std::int64_t b, __m512 p) ACT_AVX512F_LAMBDA { _mm512_storeu_ps(scores_g + b * kKeys, p); });
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
            // Pass 4.
            for (int g = 0; g < kHeads; ++g) {
                attention::StoreOutputRow<kVectors>(precision, acc[g], inverse_sum[g], out + (t * H + h0 + g) * Dh);
            }
        }
    }
};

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
    const int heads = attention::HeadsPerCall(h_end - h_begin, vectors);
    std::vector<float> scores(static_cast<std::size_t>(heads * T_padded));
    for (std::int64_t h = h_begin; h < h_end; h += heads) {
        attention::DispatchRows<Fp32Kernel>(heads, vectors, precision, q, v, kT.data(), kT_stride, T, H, Hkv, h,
                                            scale, scores.data(), T_padded, out);
    }
}

}  // namespace actcache::kernels
