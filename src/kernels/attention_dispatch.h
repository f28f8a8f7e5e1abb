// How the CPU attention kernels (attention_avx512.cc, attention_bf16_avx512.cc,
// attention_avx2.cc) pick their compile-time shape: how many query heads of a GQA group run
// together, and the head dimension as a template argument, so that their accumulators live in
// registers. ISA-free: the kernels' own functions carry the target attributes.
#pragma once

#include <cstdint>

#include "core/check.h"

namespace actcache::kernels::attention {

// Heads per call for a group of `group` query heads: as many as divide the group while the
// P·V accumulators (heads × Dh/16) fit in 16 registers.
inline int HeadsPerCall(std::int64_t group, std::int64_t vectors) {
    for (int heads : {4, 2}) {
        if (group % heads == 0 && heads * vectors <= 16) return heads;
    }
    return 1;
}

// Kernel::Rows<kHeads, kVectors>(args...) for heads = HeadsPerCall(..., kVectors).
template <class Kernel, int kVectors, class... Args>
void RowsForHeads(int heads, const Args&... args) {
    if constexpr (4 * kVectors <= 16) {
        if (heads == 4) return Kernel::template Rows<4, kVectors>(args...);
    }
    if (heads == 2) return Kernel::template Rows<2, kVectors>(args...);
    Kernel::template Rows<1, kVectors>(args...);
}

// The kernel's rows for the runtime head count and vectors = Dh / 16 (1, 2, 4 or 8;
// Kernel::Rows sizes its own vectors from it): the
// accumulators are sized at compile time, so that they live in registers.
template <class Kernel, class... Args>
void DispatchRows(int heads, std::int64_t vectors, const Args&... args) {
    switch (vectors) {
        case 1: return RowsForHeads<Kernel, 1>(heads, args...);
        case 2: return RowsForHeads<Kernel, 2>(heads, args...);
        case 4: return RowsForHeads<Kernel, 4>(heads, args...);
        case 8: return RowsForHeads<Kernel, 8>(heads, args...);
        default: break;
    }
    ACT_CHECK(false && "head dimension not in 16, 32, 64, 128");
}

}  // namespace actcache::kernels::attention
