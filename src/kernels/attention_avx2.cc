#include "kernels/attention_avx2.h"

#include <limits>
#include <vector>

#include "kernels/attention_dispatch.h"
#include "kernels/avx2_math.h"

namespace actcache::kernels {
namespace {

constexpr std::int64_t kKeys = 8;  // keys per ymm of scores

// The keys of block `block` that row t sees (j ≤ t), as a lane mask of all-ones lanes.
ACT_AVX2 inline __m256 VisibleKeys(std::int64_t t, std::int64_t block) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const auto valid =
        static_cast<int>(t - block * kKeys + 1 < kKeys ? t - block * kKeys + 1 : kKeys);
    return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(valid), lane));
}

ACT_AVX2 inline __m256 Round(Precision precision, __m256 x) {
    return precision == Precision::kBf16 ? RoundToBf16Avx2(x) : x;
}

struct Avx2Kernel {
    // Query heads [h0, h0 + kHeads) of one kv head, every row t; Dh = 16 · kDh16, in 8-lane
    // vectors.
    template <int kHeads, int kDh16>
    ACT_AVX2 static void Rows(Precision precision, const float* q, const float* v, const float* kT,
                              std::int64_t kT_stride, std::int64_t T, std::int64_t H,
                              std::int64_t Hkv, std::int64_t h0, float scale, float* scores,
                              std::int64_t scores_stride, float* out) {
        constexpr int kVectors = 2 * kDh16;
        constexpr std::int64_t Dh = 8 * kVectors;
        const std::int64_t kv_stride = Hkv * Dh;
        const __m256 minus_infinity = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
        for (std::int64_t t = 0; t < T; ++t) {
            const float* q_t = q + (t * H + h0) * Dh;  // head g at q_t + g·Dh
            const std::int64_t blocks = t / kKeys + 1;
            // Pass 1: scores, 8 keys per ymm, d in order, kHeads heads sharing each key vector.
            __m256 max_lanes[kHeads];
#pragma GCC unroll 4
            for (int g = 0; g < kHeads; ++g) max_lanes[g] = minus_infinity;
            for (std::int64_t block = 0; block < blocks; ++block) {
                const float* column = kT + block * kKeys;
                __m256 dot[kHeads];
#pragma GCC unroll 4
                for (int g = 0; g < kHeads; ++g) dot[g] = _mm256_setzero_ps();
                for (std::int64_t d = 0; d < Dh; ++d) {
                    const __m256 k_d = _mm256_loadu_ps(column + d * kT_stride);
#pragma GCC unroll 4
                    for (int g = 0; g < kHeads; ++g)
                        dot[g] = _mm256_fmadd_ps(_mm256_set1_ps(q_t[g * Dh + d]), k_d, dot[g]);
                }
#pragma GCC unroll 4
                for (int g = 0; g < kHeads; ++g) {
                    const __m256 s = _mm256_blendv_ps(minus_infinity,
                                                      _mm256_mul_ps(dot[g], _mm256_set1_ps(scale)),
                                                      VisibleKeys(t, block));
                    _mm256_storeu_ps(scores + g * scores_stride + block * kKeys, s);
                    max_lanes[g] = _mm256_max_ps(max_lanes[g], s);
                }
            }
            for (int g = 0; g < kHeads; ++g) {
                // Pass 2: p = exp(s − max) (masked keys 0), summed in 8 lanes; R_P(p) replaces s.
                float* scores_g = scores + g * scores_stride;
                const __m256 max_score = _mm256_set1_ps(ReduceMax(max_lanes[g]));
                __m256 sum_lanes = _mm256_setzero_ps();
                for (std::int64_t block = 0; block < blocks; ++block) {
                    const __m256 s = _mm256_loadu_ps(scores_g + block * kKeys);
                    const __m256 p =
                        _mm256_and_ps(VisibleKeys(t, block), ExpAvx2(_mm256_sub_ps(s, max_score)));
                    sum_lanes = _mm256_add_ps(sum_lanes, p);
                    _mm256_storeu_ps(scores_g + block * kKeys, Round(precision, p));
                }
                const float inverse_sum = 1.0f / ReduceAdd(sum_lanes);
                // Pass 3: Σ_j R_P(p_j) · v_j, j in order.
                __m256 acc[kVectors];
#pragma GCC unroll 16
                for (int i = 0; i < kVectors; ++i) acc[i] = _mm256_setzero_ps();
                for (std::int64_t j = 0; j <= t; ++j) {
                    const float* v_j = v + j * kv_stride;
                    const __m256 p = _mm256_set1_ps(scores_g[j]);
#pragma GCC unroll 16
                    for (int i = 0; i < kVectors; ++i)
                        acc[i] = _mm256_fmadd_ps(p, _mm256_loadu_ps(v_j + 8 * i), acc[i]);
                }
                // Pass 4: normalize by the fp32 sum, round to the output precision.
                float* out_t = out + (t * H + h0 + g) * Dh;
#pragma GCC unroll 16
                for (int i = 0; i < kVectors; ++i) {
                    _mm256_storeu_ps(
                        out_t + 8 * i,
                        Round(precision, _mm256_mul_ps(acc[i], _mm256_set1_ps(inverse_sum))));
                }
            }
        }
    }
};

}  // namespace

void AttentionAvx2(Precision precision, const float* q, const float* k, const float* v,
                   std::int64_t T, std::int64_t H, std::int64_t Hkv, std::int64_t Dh,
                   std::int64_t h_begin, std::int64_t h_end, float scale, float* out) {
    const std::int64_t T_padded = (T + kKeys - 1) / kKeys * kKeys;
    // Two cache lines more than T_padded, so that the Dh rows read for one key block do not all
    // map to the same L1 set.
    const std::int64_t kT_stride = T_padded + 2 * kKeys;
    std::vector<float> kT(static_cast<std::size_t>(Dh * kT_stride), 0.0f);
    for (std::int64_t j = 0; j < T; ++j) {
        for (std::int64_t d = 0; d < Dh; ++d)
            kT[static_cast<std::size_t>(d * kT_stride + j)] = k[j * Hkv * Dh + d];
    }
    const std::int64_t vectors = Dh / 16;
    const int heads = attention::HeadsPerCall(h_end - h_begin, vectors);
    std::vector<float> scores(static_cast<std::size_t>(heads * T_padded));
    for (std::int64_t h = h_begin; h < h_end; h += heads) {
        attention::DispatchRows<Avx2Kernel>(heads, vectors, precision, q, v, kT.data(), kT_stride,
                                            T, H, Hkv, h, scale, scores.data(), T_padded, out);
    }
}

}  // namespace actcache::kernels
