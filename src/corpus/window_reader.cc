#include "corpus/window_reader.h"

namespace actcache::corpus {

WindowReader::WindowReader(DocumentReader& documents, const tokenizer::Tokenizer& tokenizer,
                           std::int32_t bos_id, std::int32_t eos_id, WindowReaderOptions options)
    : documents_(documents),
      tokenizer_(tokenizer),
      bos_id_(bos_id),
      eos_id_(eos_id),
      options_(options),
      filter_(options.filter) {}

Result<bool> WindowReader::Next(Window& window) {
    while (next_pending_ >= pending_.size()) {
        pending_.clear();
        next_pending_ = 0;
        ACT_ASSIGN_OR_RETURN(bool more, documents_.Next(document_));
        if (!more) return false;
        switch (filter_.Judge(document_.text)) {
            case FilterVerdict::kTooShort: ++counters_.too_short; continue;
            case FilterVerdict::kTooLong: ++counters_.too_long; continue;
            case FilterVerdict::kUnchangedByUpper: ++counters_.unchanged_by_upper; continue;
            case FilterVerdict::kNumeric: ++counters_.numeric; continue;
            case FilterVerdict::kKept: break;
        }
        ++counters_.documents_kept;
        const std::vector<std::int32_t> ids =
            tokenizer_.EncodeTruncated(document_.text, /*add_special_tokens=*/false, options_.trunc_toks);
        AppendWindows(document_.doc_id, ids, bos_id_, eos_id_, options_.windows, pending_);
        if (pending_.empty()) ++counters_.documents_without_window;
    }
    window = std::move(pending_[next_pending_++]);
    ++counters_.windows;
    counters_.window_tokens += static_cast<std::int64_t>(window.tokens.size());
    return true;
}

}  // namespace actcache::corpus
