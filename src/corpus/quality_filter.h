// QualityFilter: the seed's good() document filter, with Python 3 semantics.
//
//   def good(t):
//       t = t.strip()
//       return 20 < len(t) < 30_000 and t.upper() != t and not t.isnumeric()
//
// Each rule can be changed or switched off; the defaults are the seed's.
#pragma once

#include <cstdint>
#include <string_view>

namespace actcache::corpus {

struct QualityFilterOptions {
    std::int64_t min_chars_exclusive = 20;     // keep only if len(strip(t)) > this
    std::int64_t max_chars_exclusive = 30000;  // ... and < this (code points)
    bool reject_unchanged_by_upper = true;     // drop t if t.upper() == t (no lowercase at all)
    bool reject_numeric = true;                // drop t if t.isnumeric()
};

// Why a document was dropped (for the run's counters), or kKept.
enum class FilterVerdict { kKept, kTooShort, kTooLong, kUnchangedByUpper, kNumeric };

// Thread-safety: const methods thread-safe.
class QualityFilter {
public:
    explicit QualityFilter(QualityFilterOptions options = {}) : options_(options) {}

    // REQUIRES: `text` is valid UTF-8 (the corpus reader replaces invalid sequences first).
    FilterVerdict Judge(std::string_view text) const;
    bool Keep(std::string_view text) const { return Judge(text) == FilterVerdict::kKept; }

    const QualityFilterOptions& options() const { return options_; }

private:
    QualityFilterOptions options_;
};

}  // namespace actcache::corpus
