// Test inputs for the kernels: seeded normal values already rounded to bf16 (what every
// activation and weight is in Precision::kBf16), and their bit patterns.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bf16.h"
#include "core/random.h"

namespace actcache::kernels {

inline std::vector<float> RandomBf16Values(std::int64_t n, std::uint64_t seed, double scale = 1.0) {
    NormalGenerator normal(seed);
    std::vector<float> values(static_cast<std::size_t>(n));
    for (float& v : values) v = Bf16ToFloat(RoundToBf16(static_cast<float>(scale * normal.Next())));
    return values;
}

inline std::vector<Bf16Bits> ToBits(const std::vector<float>& values) {
    std::vector<Bf16Bits> bits(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) bits[i] = RoundToBf16(values[i]);
    return bits;
}

}  // namespace actcache::kernels
