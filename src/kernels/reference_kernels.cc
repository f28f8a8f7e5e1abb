// Scalar reference kernels (see reference_kernels.h). Each loop nest is the formula; rounding
// points follow reference/llama32-spec.md §4.9 and are marked R(·) = RoundTo(precision, ·).
#include "kernels/reference_kernels.h"

#include <cmath>
#include <limits>

namespace actcache::kernels {
namespace {

// Long reductions (over keys: up to T terms) use kLanes interleaved fp32 partial sums, term j
// going to lane j % kLanes, combined pairwise at the end: the order a SIMD kernel uses, and an
// error that grows ~kLanes times slower than one running sum.
constexpr int kLanes = 8;

float SumLanes(const float (&lanes)[kLanes]) {
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
           ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

}  // namespace

void MatmulReference(Precision precision, const float* x, std::int64_t M, std::int64_t K,
                     const WeightMatrix& w, float* y, std::int64_t ldy) {
    for (std::int64_t m = 0; m < M; ++m) {
        const float* x_m = x + m * K;
        for (std::int64_t n = 0; n < w.rows; ++n) {
            float acc = 0.0f;  // fp32 accumulation, k in order
            for (std::int64_t k = 0; k < K; ++k) acc += x_m[k] * w.At(n, k);
            y[m * ldy + n] = RoundTo(precision, acc);
        }
    }
}

void RmsNormReference(Precision precision, const float* x, std::int64_t M, std::int64_t D,
                      const float* w, float eps, float* y) {
    for (std::int64_t m = 0; m < M; ++m) {
        const float* x_m = x + m * D;
        float* y_m = y + m * D;
        float sum_sq = 0.0f;
        for (std::int64_t d = 0; d < D; ++d) sum_sq += x_m[d] * x_m[d];
        const float variance = sum_sq / static_cast<float>(D);
        // torch.rsqrt on CPU: 1 / sqrt, each correctly rounded in fp32.
        const float inv_rms = 1.0f / std::sqrt(variance + eps);
        for (std::int64_t d = 0; d < D; ++d) {
            const float normalized = RoundTo(precision, x_m[d] * inv_rms);  // cast back to bf16
            y_m[d] = RoundTo(precision, w[d] * normalized);                  // weight * x
        }
    }
}

void RopeReference(Precision precision, float* x, std::int64_t M, std::int64_t n_heads,
                   std::int64_t Dh, const float* cos, const float* sin) {
    const std::int64_t half = Dh / 2;
    for (std::int64_t m = 0; m < M; ++m) {
        const float* cos_t = cos + m * Dh;
        const float* sin_t = sin + m * Dh;
        for (std::int64_t h = 0; h < n_heads; ++h) {
            float* x_h = x + (m * n_heads + h) * Dh;
            // rotate_half(x) = [−x[half..Dh), x[0..half)]; both halves read before writing.
            for (std::int64_t j = 0; j < half; ++j) {
                const float first = x_h[j];
                const float second = x_h[j + half];
                const float out_first = RoundTo(precision, RoundTo(precision, first * cos_t[j]) +
                                                               RoundTo(precision, -second * sin_t[j]));
                const float out_second =
                    RoundTo(precision, RoundTo(precision, second * cos_t[j + half]) +
                                           RoundTo(precision, first * sin_t[j + half]));
                x_h[j] = out_first;
                x_h[j + half] = out_second;
            }
        }
    }
}

void AttentionHeadReference(Precision precision, const float* q_h, std::int64_t q_stride,
                            const float* k_h, const float* v_h, std::int64_t kv_stride,
                            std::int64_t T, std::int64_t Dh, float scale, float* out_h,
                            std::int64_t out_stride, float* scores, float* probs) {
    for (std::int64_t t = 0; t < T; ++t) {
        const float* q_t = q_h + t * q_stride;
        // pass 1: scaled scores of the visible keys j <= t, and their maximum
        float max_score = -std::numeric_limits<float>::infinity();
        for (std::int64_t j = 0; j <= t; ++j) {
            const float* k_j = k_h + j * kv_stride;
            float dot = 0.0f;
            for (std::int64_t d = 0; d < Dh; ++d) dot += q_t[d] * k_j[d];
            scores[j] = dot * scale;
            max_score = std::max(max_score, scores[j]);
        }
        // pass 2: unnormalized probabilities (max subtracted for stability only) and their sum
        float sum_lanes[kLanes] = {};
        for (std::int64_t j = 0; j <= t; ++j) {
            probs[j] = std::exp(scores[j] - max_score);
            sum_lanes[j % kLanes] += probs[j];
        }
        const float sum = SumLanes(sum_lanes);
        // pass 3: P·V with P rounded to bf16 in kBf16 (PyTorch's flash kernel), fp32 sums
        float* out_t = out_h + t * out_stride;
        for (std::int64_t d = 0; d < Dh; ++d) {
            float acc_lanes[kLanes] = {};
            for (std::int64_t j = 0; j <= t; ++j) {
                acc_lanes[j % kLanes] += RoundTo(precision, probs[j]) * v_h[j * kv_stride + d];
            }
            // pass 4: normalize by the fp32 sum (a multiply by its reciprocal, as flash does)
            out_t[d] = RoundTo(precision, SumLanes(acc_lanes) * (1.0f / sum));
        }
    }
}

void SiluMulReference(Precision precision, const float* g, const float* u, std::int64_t n,
                      float* y) {
    for (std::int64_t i = 0; i < n; ++i) {
        // fp32 silu; for g < ~−88.7 exp overflows to inf and the result is −0.0, as in torch.
        const float silu = g[i] / (1.0f + std::exp(-g[i]));
        y[i] = RoundTo(precision, RoundTo(precision, silu) * u[i]);
    }
}

void AddReference(Precision precision, const float* a, const float* b, std::int64_t n, float* y) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = RoundTo(precision, a[i] + b[i]);
}

}  // namespace actcache::kernels
