// The packed layouts of gemm_bf16.h and the dispatch to the kernel of a CpuKernelSet.
#include <cstring>

#include "core/check.h"
#include "kernels/avx512_math.h"
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

namespace {

// Elements [k, K) of one row: the high half of each fp32 word (exact: x is bf16).
void PackRowTail(const float* x_row, std::int64_t k, std::int64_t K, std::uint16_t* bits_row) {
    for (; k < K; ++k) {
        std::uint32_t bits;
        std::memcpy(&bits, x_row + k, 4);
        bits_row[k] = static_cast<std::uint16_t>(bits >> 16);
    }
}

// The first K − K % 16 elements of one row, 16 at a time.
ACT_AVX512F void PackRowAvx512(const float* x_row, std::int64_t K, std::uint16_t* bits_row) {
    for (std::int64_t k = 0; k + 16 <= K; k += 16) {
        const __m512i high = _mm512_srli_epi32(_mm512_loadu_si512(x_row + k), 16);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(bits_row + k), _mm512_cvtepi32_epi16(high));
    }
}

}  // namespace

void PackBf16Rows(CpuKernelSet set, const float* x, std::int64_t M, std::int64_t K, std::uint16_t* x_bits) {
    const std::int64_t stride = 2 * ((K + 1) / 2);
    const bool avx512 = set >= CpuKernelSet::kAvx512;
    const std::int64_t vector_part = avx512 ? K - K % 16 : 0;
    for (std::int64_t m = 0; m < M; ++m) {
        if (avx512) PackRowAvx512(x + m * K, K, x_bits + m * stride);
        PackRowTail(x + m * K, vector_part, K, x_bits + m * stride);
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
