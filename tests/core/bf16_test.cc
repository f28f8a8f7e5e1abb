#include "core/bf16.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/random.h"

namespace actcache {
namespace {

// Independent reference: of the two bf16 neighbours of x, the one nearer in exact (double)
// arithmetic, ties to the even bit pattern. REQUIRES: |x| below the largest finite bf16.
Bf16Bits NearestBf16Reference(float x) {
    std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
    Bf16Bits down = static_cast<Bf16Bits>(bits >> 16);  // truncation: toward zero
    Bf16Bits up = static_cast<Bf16Bits>(down + 1);      // next magnitude away from zero
    double distance_down = std::fabs(static_cast<double>(x) - Bf16ToFloat(down));
    double distance_up = std::fabs(static_cast<double>(x) - Bf16ToFloat(up));
    if (distance_down < distance_up) return down;
    if (distance_up < distance_down) return up;
    return (down & 1u) == 0 ? down : up;
}

TEST(Bf16Test, ExactValuesRoundTrip) {
    for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
        Bf16Bits b = static_cast<Bf16Bits>(bits);
        float value = Bf16ToFloat(b);
        if (std::isnan(value)) continue;
        EXPECT_EQ(RoundToBf16(value), b) << "bits 0x" << std::hex << bits;
    }
}

TEST(Bf16Test, MatchesNearestEvenReferenceOnRandomFloats) {
    SplitMix64 rng(99);
    int checked = 0;
    while (checked < 200000) {
        float x = std::bit_cast<float>(static_cast<std::uint32_t>(rng.Next()));
        if (!std::isfinite(x) || std::fabs(x) > 3.0e38f) continue;
        ASSERT_EQ(RoundToBf16(x), NearestBf16Reference(x)) << "x = " << x;
        ++checked;
    }
}

TEST(Bf16Test, TiesGoToEven) {
    // 1 + 2^-8 lies exactly between bf16 1.0 (0x3f80) and 1.0078125 (0x3f81): even wins.
    EXPECT_EQ(RoundToBf16(1.0f + 0x1p-8f), 0x3f80);
    // 1.0078125 + 2^-8 lies between 0x3f81 and 0x3f82: even (0x3f82) wins.
    EXPECT_EQ(RoundToBf16(1.0078125f + 0x1p-8f), 0x3f82);
}

TEST(Bf16Test, NanStaysNanAndOverflowGoesToInfinity) {
    EXPECT_TRUE(std::isnan(Bf16ToFloat(RoundToBf16(std::numeric_limits<float>::quiet_NaN()))));
    // A signalling-NaN pattern whose payload lives only in the low half must not become inf.
    EXPECT_TRUE(std::isnan(Bf16ToFloat(RoundToBf16(std::bit_cast<float>(0x7f800001u)))));
    EXPECT_EQ(RoundToBf16(std::numeric_limits<float>::max()), 0x7f80);
    EXPECT_EQ(RoundToBf16(-std::numeric_limits<float>::infinity()), 0xff80);
}

}  // namespace
}  // namespace actcache
