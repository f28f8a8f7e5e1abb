// WeightMatrix: a borrowed view of a linear layer's weight as stored, [N, K] row-major
// (nn.Linear layout: N = out_features, K = in_features; y = x · Wᵀ).
#pragma once

#include <cstdint>
#include <cstring>

#include "core/bf16.h"
#include "core/check.h"

namespace actcache::kernels {

enum class WeightType { kBf16, kF32 };

struct WeightMatrix {
    const void* data = nullptr;  // borrowed; lives as long as the model that owns the weights
    WeightType type = WeightType::kBf16;
    std::int64_t rows = 0;  // N
    std::int64_t cols = 0;  // K

    // Element (n, k) as float (exact: bf16 -> float is exact).
    float At(std::int64_t n, std::int64_t k) const {
        const std::int64_t index = n * cols + k;
        if (type == WeightType::kBf16) {
            Bf16Bits bits;
            std::memcpy(&bits, static_cast<const std::byte*>(data) + 2 * index, 2);
            return Bf16ToFloat(bits);
        }
        float value;
        std::memcpy(&value, static_cast<const std::byte*>(data) + 4 * index, 4);
        return value;
    }
};

}  // namespace actcache::kernels
