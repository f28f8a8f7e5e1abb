#include "corpus/quality_filter.h"

#include "corpus/python_text.h"

namespace actcache::corpus {

FilterVerdict QualityFilter::Judge(std::string_view text) const {
    const std::string_view stripped = PythonStrip(text);
    const std::int64_t length = CodePointCount(stripped);
    if (length <= options_.min_chars_exclusive) return FilterVerdict::kTooShort;
    if (length >= options_.max_chars_exclusive) return FilterVerdict::kTooLong;
    if (options_.reject_unchanged_by_upper && !PythonUpperChangesText(stripped)) {
        return FilterVerdict::kUnchangedByUpper;
    }
    if (options_.reject_numeric && PythonIsNumeric(stripped)) return FilterVerdict::kNumeric;
    return FilterVerdict::kKept;
}

}  // namespace actcache::corpus
