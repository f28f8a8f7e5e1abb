// The walk over heads that the vector RoPE kernels (elementwise_avx512.cc, elementwise_avx2.cc)
// share: row m of x [M, n_heads, Dh] is at position m of cos, sin [M, Dh], and every head of the
// row turns by that position's angles. ISA-free: the kernels pass their own rotation.
#pragma once

#include <cstdint>

namespace actcache::kernels {

// rotate(x_h, cos_m, sin_m) for each head x_h of each row m.
template <class RotateHead>
inline void ForEachRopeHead(float* x, std::int64_t M, std::int64_t n_heads, std::int64_t Dh, const float* cos,
                            const float* sin, const RotateHead& rotate) {
    for (std::int64_t m = 0; m < M; ++m) {
        for (std::int64_t h = 0; h < n_heads; ++h) rotate(x + (m * n_heads + h) * Dh, cos + m * Dh, sin + m * Dh);
    }
}

}  // namespace actcache::kernels
