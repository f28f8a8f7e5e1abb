// bfloat16 as a 16-bit pattern: the upper half of an IEEE-754 binary32.
//
// actcache stores bf16 values as uint16_t bit patterns (as the dataset does) and converts with
// the named functions below, never implicitly (STYLE.md rule 13).
#pragma once

#include <bit>
#include <cstdint>

namespace actcache {

using Bf16Bits = std::uint16_t;

// Exact: every bf16 value is a float.
inline float Bf16ToFloat(Bf16Bits bits) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

// Round to nearest, ties to even -- what PyTorch's float->bfloat16 cast does. NaN stays NaN
// (quieted, sign kept); values past the largest finite bf16 round to infinity.
inline Bf16Bits RoundToBf16(float value) {
    std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
    if ((bits & 0x7fffffffu) > 0x7f800000u) {
        return static_cast<Bf16Bits>((bits >> 16) | 0x0040u);  // NaN: force a quiet NaN
    }
    std::uint32_t lsb = (bits >> 16) & 1u;
    bits += 0x7fffu + lsb;
    return static_cast<Bf16Bits>(bits >> 16);
}

}  // namespace actcache
