#include "dataset/norm_statistics.h"

#include <cmath>

#include "core/bf16.h"

namespace actcache::dataset {

NormStatistics::NormStatistics(std::int64_t width)
    : width_(width), sum_(static_cast<std::size_t>(width)), sum_squares_(static_cast<std::size_t>(width)) {}

template <typename Value, typename ToFloat>
void NormStatistics::Accumulate(std::span<const Value> row, ToFloat to_float) {
    ACT_CHECK(static_cast<std::int64_t>(row.size()) == width_);
    double squared_norm = 0.0;  // per row first, in dimension order: a fixed summation order
    for (std::int64_t d = 0; d < width_; ++d) {
        const double x = to_float(row[d]);
        squared_norm += x * x;
        sum_[d] += x;
        sum_squares_[d] += x * x;
    }
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
