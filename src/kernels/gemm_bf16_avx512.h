// bf16 GEMM on AVX512-BF16 (vdpbf16ps): y[m][n] = R(Σ_k x[m][k] · w[n][k]), fp32 accumulation,
// the fast path of Backend::Matmul in Precision::kBf16.
//
// Blocking. The weight [N, K] is packed once into panels of kPanelWidth = 64 output columns:
// panel p holds, for each pair of k (k = 2j, 2j+1), the 64 columns' two bf16 values side by
// side — [K/2][64][2] uint16, 256 bytes per k pair, read sequentially. The micro-kernel keeps a
// tile of up to 6 rows × 64 columns in 24 zmm accumulators; for each k pair it loads the panel's
// 4 zmm, broadcasts each row's (x[2j], x[2j+1]) pair and issues 24 vdpbf16ps. Threads split the
// panels; every thread sweeps all rows.
//
// Numerics. Each vdpbf16ps lane computes acc + x[2j]·w[2j] + x[2j+1]·w[2j+1] in fp32 (products
// exact, bf16 inputs and fp32 output denormals flushed to zero), k pairs in increasing order.
// That order is fixed per output element — it depends on neither the row's position in the
// tile, nor M, nor the thread count — so a token's result is bit-identical however it is
// batched (the determinism contract of backend.h). It differs from the scalar reference's
// one-product-at-a-time order only by fp32 rounding inside the sum.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/weight_matrix.h"

namespace actcache::kernels {

// Whether this CPU executes AVX512F/BW/VL and AVX512-BF16 instructions.
bool CpuHasAvx512Bf16();

inline constexpr std::int64_t kPanelWidth = 64;

// A weight packed for GemmBf16Avx512. K is padded to even and N to a multiple of 64 with zeros.
struct PackedBf16Weight {
    std::int64_t n = 0, k = 0;         // logical shape [N, K]
    std::int64_t k_pairs = 0;          // ceil(K / 2)
    std::int64_t panels = 0;           // ceil(N / 64)
    std::vector<std::uint16_t> data;   // [panels][k_pairs][64][2]
};

// REQUIRES: w.type == WeightType::kBf16.
PackedBf16Weight PackBf16Weight(const WeightMatrix& w);

// Rows of x as bf16 bit patterns, K padded to even: x_bits [M][2·k_pairs]. REQUIRES: every
// x value is bf16-representable (true of every activation in Precision::kBf16).
void PackBf16Rows(const float* x, std::int64_t M, std::int64_t K, std::uint16_t* x_bits);

// y[m][n] for panels [panel_begin, panel_end) (columns 64·panel_begin .. min(N, 64·panel_end)),
// all M rows; y has row stride N. REQUIRES: CpuHasAvx512Bf16().
void GemmBf16Avx512(const std::uint16_t* x_bits, std::int64_t M, const PackedBf16Weight& w,
                    std::int64_t panel_begin, std::int64_t panel_end, float* y);

}  // namespace actcache::kernels
