// bf16 GEMM with fp32 accumulation, the fast path of Backend::Matmul in Precision::kBf16:
// y[m][n] = R(Σ_k x[m][k] · w[n][k]), one kernel per CpuKernelSet above the reference.
//
// Layout. The weight [N, K] is packed once into panels of kPanelWidth = 64 output columns:
// panel p holds, for each pair of k (k = 2j, 2j+1), the 64 columns' two bf16 values side by
// side — [K/2][64][2] uint16, 256 bytes per k pair, read sequentially. Every kernel reads this
// one layout: vdpbf16ps takes the pairs as they are, and the widening kernels split a 32-bit
// lane (even k in the low half, odd k in the high half) into two fp32 values with one shift
// and one mask. Threads split the panels; every thread sweeps all rows (gemm_bf16_blocking.h).
//
// Numerics. Every kernel adds the products of one output element in increasing k, in fp32,
// in an order fixed per element — independent of the row's place in its tile, of M and of
// the thread count — so a token's result is bit-identical however it is batched (backend.h's
// determinism contract).
//  - avx2, avx512: acc = fma(x[k], w[k], acc) for k = 0, 1, 2, ... The product of two bf16
//    values is exact in fp32, so each step is one correctly rounded add — exactly what the
//    scalar reference computes: these kernels equal MatmulReference bit for bit.
//  - avx512bf16: vdpbf16ps adds a k pair's two products per step, with bf16 input denormals
//    read as zero and fp32 output denormals flushed; it differs from the reference only by fp32
//    rounding inside the sum.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/cpu_kernel_set.h"
#include "kernels/weight_matrix.h"

namespace actcache::kernels {

inline constexpr std::int64_t kPanelWidth = 64;

// A weight packed for the GEMM kernels. K is padded to even and N to a multiple of 64 with zeros.
struct PackedBf16Weight {
    std::int64_t n = 0, k = 0;         // logical shape [N, K]
    std::int64_t k_pairs = 0;          // ceil(K / 2)
    std::int64_t panels = 0;           // ceil(N / 64)
    std::vector<std::uint16_t> data;   // [panels][k_pairs][64][2]
};

// REQUIRES: w.type == WeightType::kBf16.
PackedBf16Weight PackBf16Weight(const WeightMatrix& w);

// Rows of x as bf16 bit patterns, K padded to even: x_bits [M][2·k_pairs], with AVX-512 from the
// avx512 set up. REQUIRES: every x value is bf16-representable (true of every activation in
// Precision::kBf16); DetectCpuKernelSet() >= set.
void PackBf16Rows(CpuKernelSet set, const float* x, std::int64_t M, std::int64_t K, std::uint16_t* x_bits);

// y[m][n] for panels [panel_begin, panel_end) (columns 64·panel_begin .. min(N, 64·panel_end)),
// all M rows; y has row stride N. REQUIRES: set is not kReference and DetectCpuKernelSet() >= set.
void GemmBf16(CpuKernelSet set, const std::uint16_t* x_bits, std::int64_t M, const PackedBf16Weight& w,
              std::int64_t panel_begin, std::int64_t panel_end, float* y);

}  // namespace actcache::kernels
