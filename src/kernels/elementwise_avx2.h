// The row-wise and element-wise ops of the forward pass on AVX2 (the avx2 kernel set): RMSNorm,
// RoPE, SwiGLU product and residual add, 8 lanes at a time — elementwise_avx512.h on ymm.
// Formulas and rounding points are those of the reference kernels; RoPE and the add equal them
// bit for bit, RMSNorm's sum of squares runs in 8 lanes and SiLU's exp is ExpAvx2 (avx2_math.h).
// Each element or row depends only on its own inputs. REQUIRES for every function: the CPU runs
// the avx2 kernel set.
#pragma once

#include <cstdint>

#include "kernels/precision.h"

namespace actcache::kernels {

// y = R(w · R(x · rsqrt(mean(x²) + eps))) for rows [0, M).   x, y [M, D], w [D].
void RmsNormAvx2(Precision precision, const float* x, std::int64_t M, std::int64_t D, const float* w, float eps,
                 float* y);

// Rotary embedding in place, as RopeAvx512 (elementwise_avx512.h). REQUIRES: Dh even.
void RopeAvx2(Precision precision, float* x, std::int64_t M, std::int64_t n_heads, std::int64_t Dh, const float* cos,
              const float* sin);

// y = R(R(silu(g)) · u), silu(g) = g / (1 + exp(−g)).   y may alias g or u.
void SiluMulAvx2(Precision precision, const float* g, const float* u, std::int64_t n, float* y);

// y = R(a + b).   y may alias a or b.
void AddAvx2(Precision precision, const float* a, const float* b, std::int64_t n, float* y);

}  // namespace actcache::kernels
