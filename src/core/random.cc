#include "core/random.h"

#include <cmath>

namespace actcache {

double UniformFromBits(std::uint64_t bits) {
    return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

double PortableLog(double x) {
    // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln x = e ln 2 + ln m.
    int exponent = 0;
    double m = std::frexp(x, &exponent);  // exact: m in [1/2, 1)
    if (m < 0.70710678118654752440) {
        m *= 2.0;  // exact
        exponent -= 1;
    }
    // ln m = 2 atanh(z), z = (m - 1) / (m + 1), |z| <= 0.1716, so z^2 <= 0.0295 and twelve
    // terms of the odd series z + z^3/3 + z^5/5 + ... leave an error below 1e-19.
    double z = (m - 1.0) / (m + 1.0);
    double z2 = z * z;
    double sum = 0.0;
    for (int k = 23; k >= 1; k -= 2) sum = sum * z2 + 1.0 / k;  // Horner, fixed order
    double ln_m = 2.0 * z * sum;
    constexpr double kLn2 = 0.69314718055994530942;
    return static_cast<double>(exponent) * kLn2 + ln_m;
}

double NormalGenerator::Next() {
    if (has_spare_) {
        has_spare_ = false;
        return spare_;
    }
    // Polar method: draw (u, v) uniform in the unit disc (s = u^2 + v^2 in (0, 1)); then
    // u * f and v * f with f = sqrt(-2 ln s / s) are two independent N(0, 1) deviates.
    double u = 0.0, v = 0.0, s = 0.0;
    do {
        u = 2.0 * UniformFromBits(bits_.Next()) - 1.0;
        v = 2.0 * UniformFromBits(bits_.Next()) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = std::sqrt(-2.0 * PortableLog(s) / s);  // sqrt is correctly rounded (IEEE-754)
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
}

}  // namespace actcache
