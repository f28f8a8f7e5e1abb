// The row-wise and element-wise ops of the forward pass on AVX-512: RMSNorm, RoPE, SwiGLU
// product and residual add, 16 lanes at a time. Formulas and rounding points are those of the reference
// kernels (reference_kernels.h); what differs is the fp32 order inside RMSNorm's sum of squares
// (16 lanes) and SiLU's exp (~1 ulp polynomial, avx512_math.h). Each element or row depends only
// on its own inputs. REQUIRES for every function: CpuHasAvx512F().
#pragma once

#include <cstdint>

#include "kernels/precision.h"

namespace actcache::kernels {

// y = R(w · R(x · rsqrt(mean(x²) + eps))) for rows [0, M).   x, y [M, D], w [D].
void RmsNormAvx512(Precision precision, const float* x, std::int64_t M, std::int64_t D, const float* w, float eps,
                   float* y);

// Rotary embedding in place on rows [0, M) of x [M, n_heads, Dh], row m at position m of
// cos, sin [M, Dh] (Backend::Rope's formula and roundings; no sum, so it equals RopeReference
// bit for bit). REQUIRES: Dh even.
void RopeAvx512(Precision precision, float* x, std::int64_t M, std::int64_t n_heads, std::int64_t Dh,
                const float* cos, const float* sin);

// y = R(R(silu(g)) · u), silu(g) = g / (1 + exp(−g)).   y may alias g or u.
void SiluMulAvx512(Precision precision, const float* g, const float* u, std::int64_t n, float* y);

// y = R(a + b).   y may alias a or b.
void AddAvx512(Precision precision, const float* a, const float* b, std::int64_t n, float* y);

}  // namespace actcache::kernels
