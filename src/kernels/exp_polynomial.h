// The constants of the vector exp (ExpAvx512 in avx512_math.h, ExpAvx2 in avx2_math.h), one
// definition for both widths: e^x = 2^n · e^r with n = round(x · log2 e) and
// r = x − n·ln2_hi − n·ln2_lo, |r| ≤ ln2/2. ln2 is split in two so that n·ln2_hi is exact
// (ln2_hi has 11 significant bits, |n| < 2^9); e^r is its Taylor series to r⁷ (truncation
// < 3e-9 relative), evaluated by Horner's rule from the highest power down.
#pragma once

namespace actcache::kernels::exp_polynomial {

inline constexpr float kLog2E = 1.44269504088896341f;
inline constexpr float kLn2Hi = 0.693359375f;
inline constexpr float kLn2Lo = -2.12194440e-4f;
inline constexpr int kTerms = 8;
inline constexpr float kTaylor[kTerms] = {1.0f / 5040, 1.0f / 720, 1.0f / 120, 1.0f / 24,
                                          1.0f / 6,    0.5f,        1.0f,        1.0f};  // r⁷/7! .. r⁰/0!

}  // namespace actcache::kernels::exp_polynomial
