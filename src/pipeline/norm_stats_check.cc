#include "pipeline/norm_stats_check.h"

#include <algorithm>
#include <cmath>

#include "core/file_util.h"
#include "core/json.h"
#include "pipeline/text_format.h"

namespace actcache::pipeline {

NormStatsCheck CheckNormStatsFile(const std::string& dir, const std::vector<std::string>& column_names,
                                  const std::vector<double>& sum_squared_norms, std::int64_t total_rows) {
    NormStatsCheck check;
    check.report = "\nnorm_stats.json:";
    Result<std::string> text = ReadFileToString(dir + "/norm_stats.json");
    if (!text.ok()) {
        check.report += " missing\n";
        return check;
    }
    Result<JsonValue> stats = ParseJson(*text);
    if (!stats.ok() || !stats->is_object()) {
        check.report += " not valid JSON\n";
        return check;
    }
    check.agree = true;
    for (std::size_t c = 0; c < column_names.size(); ++c) {
        const JsonValue* entry = &*stats;
        if (column_names.size() > 1) {
            const JsonValue* hooks = stats->Find("hooks");
            entry = hooks && hooks->is_object() ? hooks->Find(column_names[c]) : nullptr;
        }
        const JsonValue* tokens = entry ? entry->Find("tokens") : nullptr;
        const JsonValue* rms = entry ? entry->Find("rms") : nullptr;
        const double recomputed = total_rows ? std::sqrt(sum_squared_norms[c] / static_cast<double>(total_rows)) : 0;
        const bool ok = tokens && tokens->is_integer() && tokens->as_int64() == total_rows && rms && rms->is_number() &&
                        std::fabs(rms->as_double() - recomputed) <= 1e-9 * std::max(1.0, recomputed);
        check.agree = check.agree && ok;
        check.report += Format("\n  %s: tokens %lld, rms %.10g (recomputed from the shards: %.10g)",
                               column_names[c].c_str(),
                               tokens && tokens->is_integer() ? static_cast<long long>(tokens->as_int64()) : -1LL,
                               rms && rms->is_number() ? rms->as_double() : NAN, recomputed);
        if (c == 0) {
            for (const char* key : {"rms_per_element", "mean_norm", "saelens_scaling_factor"}) {
                const JsonValue* value = entry ? entry->Find(key) : nullptr;
                if (value && value->is_number()) check.report += Format(", %s %.6g", key, value->as_double());
            }
        }
    }
    check.report += "\n";
    return check;
}

}  // namespace actcache::pipeline
