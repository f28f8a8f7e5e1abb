// The packed layouts of gemm_bf16.h and the dispatch to the kernel of a CpuKernelSet.
#include <cstring>

#include "core/check.h"
#include "kernels/gemm_bf16.h"

namespace actcache::kernels {

// The kernels (gemm_bf16_avx2.cc, gemm_bf16_avx512.cc), each with GemmBf16's contract.
void GemmBf16Avx2(const std::uint16_t* x_bits, std::int64_t M, const PackedBf16Weight& w, std::int64_t panel_begin,
                  std::int64_t panel_end, float* y);
void GemmBf16Avx512(const std::uint16_t* x_bits, std::int64_t M, const PackedBf16Weight& w,
                    std::int64_t panel_begin, std::int64_t panel_end, float* y);
void GemmBf16Avx512Bf16(const std::uint16_t* x_bits, std::int64_t M, const PackedBf16Weight& w,
                        std::int64_t panel_begin, std::int64_t panel_end, float* y);

PackedBf16Weight PackBf16Weight(const WeightMatrix& w) {
    ACT_CHECK(w.type == WeightType::kBf16);
    PackedBf16Weight packed;
    packed.n = w.rows;
    packed.k = w.cols;
    packed.k_pairs = (w.cols + 1) / 2;
    packed.panels = (w.rows + kPanelWidth - 1) / kPanelWidth;
    packed.data.assign(static_cast<std::size_t>(packed.panels * packed.k_pairs * 2 * kPanelWidth), 0);
    const auto* source = static_cast<const std::uint16_t*>(w.data);
    for (std::int64_t n = 0; n < w.rows; ++n) {
        const std::int64_t panel = n / kPanelWidth, column = n % kPanelWidth;
        std::uint16_t* destination = packed.data.data() + panel * packed.k_pairs * 2 * kPanelWidth + 2 * column;
        for (std::int64_t k = 0; k < w.cols; ++k) {
            std::uint16_t bits;
            std::memcpy(&bits, source + n * w.cols + k, 2);
            destination[(k / 2) * 2 * kPanelWidth + (k % 2)] = bits;
        }
    }
    return packed;
}

void PackBf16Rows(const float* x, std::int64_t M, std::int64_t K, std::uint16_t* x_bits) {
    const std::int64_t stride = 2 * ((K + 1) / 2);
    for (std::int64_t m = 0; m < M; ++m) {
        for (std::int64_t k = 0; k < K; ++k) {
            std::uint32_t bits;
            std::memcpy(&bits, x + m * K + k, 4);
            x_bits[m * stride + k] = static_cast<std::uint16_t>(bits >> 16);  // exact: x is bf16
        }
        if (stride != K) x_bits[m * stride + K] = 0;
    }
}

void GemmBf16(CpuKernelSet set, const std::uint16_t* x_bits, std::int64_t M, const PackedBf16Weight& w,
              std::int64_t panel_begin, std::int64_t panel_end, float* y) {
    ACT_CHECK(set <= DetectCpuKernelSet());
    switch (set) {
        case CpuKernelSet::kAvx2: return GemmBf16Avx2(x_bits, M, w, panel_begin, panel_end, y);
        case CpuKernelSet::kAvx512: return GemmBf16Avx512(x_bits, M, w, panel_begin, panel_end, y);
        case CpuKernelSet::kAvx512Bf16: return GemmBf16Avx512Bf16(x_bits, M, w, panel_begin, panel_end, y);
        case CpuKernelSet::kReference: break;
    }
    ACT_CHECK(false && "GemmBf16 has no reference kernel: use MatmulReference");
}

}  // namespace actcache::kernels
