// The check `inspect` makes of norm_stats.json, whatever the shards' format: per activation
// column, `tokens` must equal the rows read and `rms` the value recomputed from the shards'
// values (to 1e-9 relative).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace actcache::pipeline {

struct NormStatsCheck {
    std::string report;  // "\nnorm_stats.json:" then one line per column (or "missing", ...)
    bool agree = false;
};

// Reads dir/norm_stats.json (one column: top level; several: under "hooks", by column name)
// against sum_squared_norms[c] = Σ‖x‖² of column c over `total_rows` rows.
NormStatsCheck CheckNormStatsFile(const std::string& dir, const std::vector<std::string>& column_names,
                                  const std::vector<double>& sum_squared_norms, std::int64_t total_rows);

}  // namespace actcache::pipeline
