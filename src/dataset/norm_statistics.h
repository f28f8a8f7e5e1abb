// NormStatistics: float64 accumulators over the activation rows of one hook, mergeable across
// resumed runs and processes, and the norm_stats.json they produce.
//
//   tokens                          N
//   rms                             sqrt(Σ‖x‖² / N)           the seed's key: root mean squared
//                                                             norm per token (not per element);
//                                                             also dictionary_learning's norm
//                                                             factor (divide by it for unit mean
//                                                             squared norm, Gemma Scope §3.1)
//   rms_per_element                 sqrt(Σ‖x‖² / (N·D))
//   mean_norm                       Σ‖x‖ / N
//   saelens_scaling_factor          sqrt(D) / mean_norm       multiply by it (SAELens
//                                                             expected_average_only_in)
//   width                           D
//   mean[d], variance[d]            per dimension; population variance Σx²/N − mean²
//   accumulators                    the exact float64 sums, for merging and resuming
// The values squared and summed are the bf16 values (not their bit patterns, see DESIGN.md §2).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace actcache::dataset {

// One owner, not thread-safe. Rows are accumulated in the order given; the same rows in the same
// order give the same bits.
class NormStatistics {
public:
    explicit NormStatistics(std::int64_t width);

    // REQUIRES: row.size() == width(); row holds bf16 bit patterns.
    void AddRow(std::span<const std::uint16_t> row);
    // The same for float32 values (a float32 column). A bf16 row and the float32 row of the same
    // values accumulate the same bits.
    void AddRow(std::span<const float> row);
    // Adds `other`'s accumulators. InvalidArgument when the widths differ.
    Status Merge(const NormStatistics& other);

    std::int64_t width() const { return width_; }
    std::int64_t tokens() const { return tokens_; }
    double sum_squared_norms() const { return sum_squared_norms_; }
    double sum_norms() const { return sum_norms_; }

    // The norm_stats.json object for this hook (keys as listed above, "tokens" and "rms" first).
    // With no tokens the derived values are null.
    JsonValue ToJson() const;
    // Restores the accumulators from ToJson()'s "accumulators" (exact: JSON doubles round-trip).
    // InvalidArgument naming the field when it is malformed.
    static Result<NormStatistics> FromJson(const JsonValue& json);

private:
    template <typename Value, typename ToFloat>
    void Accumulate(std::span<const Value> row, ToFloat to_float);

    std::int64_t width_;
    std::int64_t tokens_ = 0;
    double sum_squared_norms_ = 0.0;  // Σ‖x‖²
    double sum_norms_ = 0.0;          // Σ‖x‖
    std::vector<double> sum_;         // Σx per dimension
    std::vector<double> sum_squares_; // Σx² per dimension
};

}  // namespace actcache::dataset
