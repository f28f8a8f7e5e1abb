// Scalar reference kernels: the math of backend.h as plain loops in the obvious order,
// single-threaded. They are the definition the fast kernels are tested against, and are
// themselves tested against float64 evaluations (tests/kernels/).
//
// Each function covers a slice of the work so the reference backend can spread slices over
// threads without changing any element's arithmetic: rows for the row-wise ops, a block of
// output columns for Matmul, one (sequence, head) pair for Attention.
#pragma once

#include <cstdint>

#include "kernels/precision.h"
#include "kernels/weight_matrix.h"

namespace actcache::kernels {

// y[m * ldy + n] = R(Σ_k x[m][k] · w[n][k]) for m < M, n < w.rows; k runs 0..K−1 in order.
// x [M, K]; w [w.rows, K] (a slice of rows of the full weight is fine).
void MatmulReference(Precision precision, const float* x, std::int64_t M, std::int64_t K,
                     const WeightMatrix& w, float* y, std::int64_t ldy);

// LlamaRMSNorm over M rows of D: var = (Σ_d x²) / D (fp32, d in order);
// n = x · (1 / sqrt(var + eps)); y = R(w · R(n)).   In kF32 both R are the identity.
void RmsNormReference(Precision precision, const float* x, std::int64_t M, std::int64_t D,
                      const float* w, float eps, float* y);

// Rotary embedding in place on M consecutive positions of one sequence, n_heads × Dh each;
// row m uses the table rows cos + m·Dh and sin + m·Dh (the caller offsets the tables to the
// first row's position).
void RopeReference(Precision precision, float* x, std::int64_t M, std::int64_t n_heads,
                   std::int64_t Dh, const float* cos, const float* sin);

// Causal attention of ONE sequence and ONE query head: q_h rows are spaced q_stride floats apart
// (q_h[t * q_stride + d]), likewise k_h/v_h with kv_stride and out_h with out_stride.
// scores, probs: scratch of T floats each.
void AttentionHeadReference(Precision precision, const float* q_h, std::int64_t q_stride,
                            const float* k_h, const float* v_h, std::int64_t kv_stride,
                            std::int64_t T, std::int64_t Dh, float scale, float* out_h,
                            std::int64_t out_stride, float* scores, float* probs);

// y[i] = R(R(silu(g[i])) · u[i]), silu(g) = g / (1 + exp(−g)) in fp32.
void SiluMulReference(Precision precision, const float* g, const float* u, std::int64_t n,
                      float* y);

// y[i] = R(a[i] + b[i]).
void AddReference(Precision precision, const float* a, const float* b, std::int64_t n, float* y);

}  // namespace actcache::kernels
