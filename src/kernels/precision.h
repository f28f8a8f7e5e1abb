// Precision: the two numeric modes of the forward pass, and the rounding helper every kernel
// uses at the points where PyTorch's eager bf16 ops round (reference/llama32-spec.md §4).
//
//   kBf16: activations are bf16 values (held in float buffers, always exactly representable);
//          every op computes in fp32 and rounds its result to bf16 once (RoundToBf16).
//   kF32:  the same math entirely in fp32 from the same bf16 weights; nothing is rounded.
#pragma once

#include "core/bf16.h"

namespace actcache::kernels {

enum class Precision { kBf16, kF32 };

// The value `x` takes after an op's output rounding in `precision`.
inline float RoundTo(Precision precision, float x) {
    return precision == Precision::kBf16 ? Bf16ToFloat(RoundToBf16(x)) : x;
}

}  // namespace actcache::kernels
