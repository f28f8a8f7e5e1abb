#include "core/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace actcache {
namespace {

TEST(SplitMix64Test, MatchesPublishedReferenceOutputs) {
    // Rosetta Code, "Pseudo-random numbers/Splitmix64": the first five outputs for seed 1234567.
    SplitMix64 rng(1234567);
    EXPECT_EQ(rng.Next(), 6457827717110365317ull);
    EXPECT_EQ(rng.Next(), 3203168211198807973ull);
    EXPECT_EQ(rng.Next(), 9817491932198370423ull);
    EXPECT_EQ(rng.Next(), 4593380528125082431ull);
    EXPECT_EQ(rng.Next(), 16408922859458223821ull);
}

TEST(SplitMix64Test, MatchesVignaReferenceForSeedZero) {
    // splitmix64.c seeded with 0: first output 0xe220a8397b1dcdaf, second 0x6e789e6aa1b965f4.
    SplitMix64 rng(0);
    EXPECT_EQ(rng.Next(), 0xe220a8397b1dcdafull);
    EXPECT_EQ(rng.Next(), 0x6e789e6aa1b965f4ull);
}

TEST(RandomTest, UniformFromBitsCoversUnitInterval) {
    EXPECT_EQ(UniformFromBits(0), 0.0);
    EXPECT_LT(UniformFromBits(~0ull), 1.0);
    EXPECT_EQ(UniformFromBits(1ull << 63), 0.5);
}

TEST(RandomTest, PortableLogAgreesWithLibmWithinTwoUlp) {
    SplitMix64 rng(7);
    for (int i = 0; i < 200000; ++i) {
        // Values across (0, 1] as the polar method uses them, plus a wider range.
        double x = i % 2 == 0 ? UniformFromBits(rng.Next()) : std::ldexp(1.0 + UniformFromBits(rng.Next()),
                                                                         static_cast<int>(rng.Next() % 200) - 100);
        if (x == 0.0) continue;
        double expected = std::log(x);
        double got = PortableLog(x);
        double ulp = std::nextafter(std::fabs(expected), INFINITY) - std::fabs(expected);
        ASSERT_LE(std::fabs(got - expected), 2.0 * ulp + 1e-300) << "x = " << x;
    }
    EXPECT_EQ(PortableLog(1.0), 0.0);
}

TEST(NormalGeneratorTest, SameSeedSameSequenceDifferentSeedDifferent) {
    NormalGenerator a(42), b(42), c(43);
    bool any_difference = false;
    for (int i = 0; i < 1000; ++i) {
        double value = a.Next();
        EXPECT_EQ(std::bit_cast<std::uint64_t>(value), std::bit_cast<std::uint64_t>(b.Next()));
        any_difference |= value != c.Next();
    }
    EXPECT_TRUE(any_difference);
}

TEST(NormalGeneratorTest, MomentsAndTailsMatchStandardNormal) {
    // Fixed seed, so the test is deterministic; tolerances are ~5 standard errors for n = 1e6.
    NormalGenerator normal(2024);
    const int n = 1000000;
    double sum = 0, sum_sq = 0, sum_cube = 0, sum_fourth = 0;
    int beyond_two_sigma = 0;
    for (int i = 0; i < n; ++i) {
        double x = normal.Next();
        sum += x;
        sum_sq += x * x;
        sum_cube += x * x * x;
        sum_fourth += x * x * x * x;
        beyond_two_sigma += std::fabs(x) > 2.0;
    }
    EXPECT_NEAR(sum / n, 0.0, 0.005);
    EXPECT_NEAR(sum_sq / n, 1.0, 0.007);
    EXPECT_NEAR(sum_cube / n, 0.0, 0.02);
    EXPECT_NEAR(sum_fourth / n, 3.0, 0.05);
    // P(|X| > 2) = 0.0455003 for a standard normal.
    EXPECT_NEAR(static_cast<double>(beyond_two_sigma) / n, 0.0455003, 0.001);
}

}  // namespace
}  // namespace actcache
