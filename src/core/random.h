// Seeded random numbers that are identical on every machine, compiler and standard library.
//
// SplitMix64 (Steele, Lea, Flood 2014; Vigna's splitmix64.c) produces the integers; the normal
// deviates come from Marsaglia's polar method with a logarithm built only from IEEE-754 basic
// operations (PortableLog), so no libm routine can change the bits. std::normal_distribution
// is deliberately not used: its algorithm differs between standard libraries.
#pragma once

#include <cstdint>

namespace actcache {

// SplitMix64: state += 0x9e3779b97f4a7c15, output = mix(state).
// Reference: seeded with 1234567 the first outputs are 6457827717110365317,
// 3203168211198807973, 9817491932198370423, ... (Rosetta Code "Pseudo-random numbers/Splitmix64").
// One owner, not thread-safe.
class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

    std::uint64_t Next() {
        state_ += 0x9e3779b97f4a7c15ull;
        return Mix(state_);
    }

    // The output function alone: a good 64-bit hash, used to derive independent stream seeds.
    static std::uint64_t Mix(std::uint64_t z) {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }

private:
    std::uint64_t state_;
};

// Uniform double in [0, 1) from the top 53 bits of one SplitMix64 output (exact, no rounding).
double UniformFromBits(std::uint64_t bits);

// Natural logarithm of x > 0 using only +, -, *, / and exact exponent extraction, so its result
// is bit-identical wherever IEEE-754 doubles are (requires -ffp-contract=off, set project-wide).
// Accurate to a few ulp; x <= 0, inf and NaN are outside the contract.
double PortableLog(double x);

// Standard normal deviates, N(0, 1), by Marsaglia's polar method; each accepted pair yields two
// deviates. One owner, not thread-safe.
class NormalGenerator {
public:
    explicit NormalGenerator(std::uint64_t seed) : bits_(seed) {}
    double Next();

private:
    SplitMix64 bits_;
    bool has_spare_ = false;
    double spare_ = 0.0;
};

}  // namespace actcache
