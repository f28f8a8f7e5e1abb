#include "dataset/norm_statistics.h"

#include <immintrin.h>

#include <cmath>

#include "core/bf16.h"

namespace actcache::dataset {

NormStatistics::NormStatistics(std::int64_t width)
    : width_(width), sum_(static_cast<std::size_t>(width)), sum_squares_(static_cast<std::size_t>(width)) {}

namespace {

// Eight values of a row as float: bf16 bit patterns shifted into the high half of a float's
// bits, or float32 values as they are.
__m256 LoadEight(const std::uint16_t* bits) {
    const __m256i widened = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bits)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(widened, 16));
}
__m256 LoadEight(const float* values) { return _mm256_loadu_ps(values); }

}  // namespace

// The order of the sums (the bits depend on it, and must not depend on anything but the rows):
//   sum_[d], sum_squares_[d]   row after row, as before.
//   ‖x‖² of a row              dimension d into running sum d mod 8, then the eight added
//                              pairwise ((0+1)+(2+3))+((4+5)+(6+7)).
// Eight chains instead of one let the loop run at the adds' throughput, not their latency (one
// chain of 2048 dependent adds was the writer stage's largest cost). x·x is exact in double for
// bf16 and float32 values (at most 2·24 significant bits), so fma(x, x, s) equals s + x·x.
// The loop uses AVX2 and FMA, which the build's baseline (x86-64-v3) guarantees.
template <typename Value, typename ToFloat>
void NormStatistics::Accumulate(std::span<const Value> row, ToFloat to_float) {
    ACT_CHECK(static_cast<std::int64_t>(row.size()) == width_);
    constexpr std::int64_t kNormLanes = 8;
    __m256d lanes_low = _mm256_setzero_pd(), lanes_high = _mm256_setzero_pd();  // lanes 0-3, 4-7
    std::int64_t d = 0;
    for (; d + kNormLanes <= width_; d += kNormLanes) {
        const __m256 x = LoadEight(row.data() + d);
        const __m256d low = _mm256_cvtps_pd(_mm256_castps256_ps128(x));
        const __m256d high = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
        lanes_low = _mm256_fmadd_pd(low, low, lanes_low);
        lanes_high = _mm256_fmadd_pd(high, high, lanes_high);
        double* sum = sum_.data() + d;
        double* sum_squares = sum_squares_.data() + d;
        _mm256_storeu_pd(sum, _mm256_add_pd(_mm256_loadu_pd(sum), low));
        _mm256_storeu_pd(sum + 4, _mm256_add_pd(_mm256_loadu_pd(sum + 4), high));
        _mm256_storeu_pd(sum_squares, _mm256_fmadd_pd(low, low, _mm256_loadu_pd(sum_squares)));
        _mm256_storeu_pd(sum_squares + 4, _mm256_fmadd_pd(high, high, _mm256_loadu_pd(sum_squares + 4)));
    }
    double lanes[kNormLanes];
    _mm256_storeu_pd(lanes, lanes_low);
    _mm256_storeu_pd(lanes + 4, lanes_high);
    for (std::int64_t lane = 0; d < width_; ++d, ++lane) {  // the last width mod 8 dimensions
        const double x = to_float(row[d]);
        lanes[lane] += x * x;
        sum_[d] += x;
        sum_squares_[d] += x * x;
    }
    const double squared_norm =
        ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
    sum_squared_norms_ += squared_norm;
    sum_norms_ += std::sqrt(squared_norm);
    ++tokens_;
}

void NormStatistics::AddRow(std::span<const std::uint16_t> row) {
    Accumulate(row, [](std::uint16_t bits) { return Bf16ToFloat(bits); });
}

void NormStatistics::AddRow(std::span<const float> row) {
    Accumulate(row, [](float value) { return value; });
}

Status NormStatistics::Merge(const NormStatistics& other) {
    if (other.width_ != width_) {
        return Status::InvalidArgument("norm statistics: cannot merge width " +
                                       std::to_string(other.width_) + " into width " +
                                       std::to_string(width_));
    }
    tokens_ += other.tokens_;
    sum_squared_norms_ += other.sum_squared_norms_;
    sum_norms_ += other.sum_norms_;
    for (std::int64_t d = 0; d < width_; ++d) {
        sum_[d] += other.sum_[d];
        sum_squares_[d] += other.sum_squares_[d];
    }
    return Status::Ok();
}

namespace {
JsonValue NumberArray(const std::vector<double>& values) {
    JsonValue array = JsonValue::Array();
    for (double value : values) array.Append(JsonValue::Number(value));
    return array;
}
JsonValue NumberOrNull(double value) { return std::isfinite(value) ? JsonValue::Number(value) : JsonValue(); }
}  // namespace

JsonValue NormStatistics::ToJson() const {
    const double n = static_cast<double>(tokens_);
    const double d = static_cast<double>(width_);
    const bool any = tokens_ > 0;
    const double mean_norm = any ? sum_norms_ / n : NAN;
    JsonValue json = JsonValue::Object();
    json.Set("tokens", JsonValue::Integer(tokens_));
    json.Set("rms", any ? NumberOrNull(std::sqrt(sum_squared_norms_ / n)) : JsonValue());
    json.Set("rms_per_element", any ? NumberOrNull(std::sqrt(sum_squared_norms_ / (n * d))) : JsonValue());
    json.Set("mean_norm", any ? NumberOrNull(mean_norm) : JsonValue());
    json.Set("saelens_scaling_factor", any && mean_norm > 0 ? NumberOrNull(std::sqrt(d) / mean_norm) : JsonValue());
    json.Set("width", JsonValue::Integer(width_));
    std::vector<double> mean(sum_.size()), variance(sum_.size());
    for (std::size_t i = 0; i < sum_.size() && any; ++i) {
        mean[i] = sum_[i] / n;
        variance[i] = std::max(0.0, sum_squares_[i] / n - mean[i] * mean[i]);
    }
    json.Set("mean", any ? NumberArray(mean) : JsonValue());
    json.Set("variance", any ? NumberArray(variance) : JsonValue());
    JsonValue& accumulators = json.Set("accumulators", JsonValue::Object());
    accumulators.Set("tokens", JsonValue::Integer(tokens_));
    accumulators.Set("sum_squared_norms", JsonValue::Number(sum_squared_norms_));
    accumulators.Set("sum_norms", JsonValue::Number(sum_norms_));
    accumulators.Set("sum", NumberArray(sum_));
    accumulators.Set("sum_squares", NumberArray(sum_squares_));
    return json;
}

Result<NormStatistics> NormStatistics::FromJson(const JsonValue& json) {
    auto bad = [](const std::string& what) {
        return Status::InvalidArgument("norm statistics: accumulators." + what);
    };
    const JsonValue* acc = json.is_object() ? json.Find("accumulators") : nullptr;
    if (acc == nullptr || !acc->is_object()) return bad("missing");
    const JsonValue* tokens = acc->Find("tokens");
    const JsonValue* sum_sq = acc->Find("sum_squared_norms");
    const JsonValue* sum_norms = acc->Find("sum_norms");
    const JsonValue* sum = acc->Find("sum");
    const JsonValue* sum_squares = acc->Find("sum_squares");
    if (tokens == nullptr || !tokens->is_integer() || tokens->as_int64() < 0) return bad("tokens: expected a count");
    if (sum_sq == nullptr || !sum_sq->is_number()) return bad("sum_squared_norms: expected a number");
    if (sum_norms == nullptr || !sum_norms->is_number()) return bad("sum_norms: expected a number");
    if (sum == nullptr || !sum->is_array() || sum_squares == nullptr || !sum_squares->is_array() ||
        sum->items().size() != sum_squares->items().size() || sum->items().empty()) {
        return bad("sum, sum_squares: expected two number arrays of the same, non-zero length");
    }
    NormStatistics stats(static_cast<std::int64_t>(sum->items().size()));
    stats.tokens_ = tokens->as_int64();
    stats.sum_squared_norms_ = sum_sq->as_double();
    stats.sum_norms_ = sum_norms->as_double();
    for (std::size_t i = 0; i < sum->items().size(); ++i) {
        if (!sum->items()[i].is_number() || !sum_squares->items()[i].is_number()) {
            return bad("sum[" + std::to_string(i) + "]: expected a number");
        }
        stats.sum_[i] = sum->items()[i].as_double();
        stats.sum_squares_[i] = sum_squares->items()[i].as_double();
    }
    return stats;
}

}  // namespace actcache::dataset
