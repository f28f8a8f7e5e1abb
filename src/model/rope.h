// Rotary position embedding tables, computed exactly as transformers computes them
// (reference/llama32-spec.md §4.3), so that cos/sin match PyTorch bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/precision.h"
#include "model/config.h"

namespace actcache::model {

// inv_freq[i], i < Dh/2, in fp32, following transformers' rope init functions op by op with
// PyTorch's fp32 semantics (`scalar / tensor` = reciprocal then multiply; `base ** t` = fp32
// pow): default, linear (inv_freq / factor) and llama3 scaling.
std::vector<float> RopeInverseFrequencies(const LlamaConfig& config);

// cos and sin tables for positions 0..T−1, each [T, Dh] row-major:
// angle[t][i] = float(t) · inv_freq[i] (one fp32 product),
// emb = [angle, angle] (the Dh/2 frequencies twice, not interleaved); cos/sin evaluated in
// double and rounded to float, then R(·) to bf16 in Precision::kBf16 (transformers casts them to
// the activation dtype).
struct RopeTables {
    std::int64_t T = 0;
    std::int64_t Dh = 0;
    std::vector<float> cos;
    std::vector<float> sin;
};
RopeTables ComputeRopeTables(const LlamaConfig& config, std::int64_t T,
                             kernels::Precision precision);

}  // namespace actcache::model
