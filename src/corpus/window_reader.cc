#include "corpus/window_reader.h"

namespace actcache::corpus {

namespace {
constexpr std::size_t kMaxDocumentsPerChunk = 256;
}  // namespace

WindowReader::WindowReader(DocumentReader& documents, const tokenizer::Tokenizer& tokenizer,
                           std::int32_t bos_id, std::int32_t eos_id, WindowReaderOptions options,
                           ThreadPool* pool)
    : documents_(documents),
      tokenizer_(tokenizer),
      bos_id_(bos_id),
      eos_id_(eos_id),
      options_(options),
      pool_(pool),
      filter_(options.filter) {}

Result<bool> WindowReader::FillPending() {
    pending_.clear();
    next_pending_ = 0;
    chunk_.clear();
    std::int64_t chunk_bytes = 0;
    bool more = true;
    while (chunk_.size() < kMaxDocumentsPerChunk && chunk_bytes < options_.chunk_bytes) {
        if (options_.max_documents >= 0 && documents_.counters().records >= options_.max_documents) {
            more = false;
            break;
        }
        Document document;
        ACT_ASSIGN_OR_RETURN(more, documents_.Next(document));
        if (!more) break;
        if (document.doc_id < options_.skip_documents_before) continue;
        switch (filter_.Judge(document.text)) {
            case FilterVerdict::kTooShort: ++counters_.too_short; continue;
            case FilterVerdict::kTooLong: ++counters_.too_long; continue;
            case FilterVerdict::kUnchangedByUpper: ++counters_.unchanged_by_upper; continue;
            case FilterVerdict::kNumeric: ++counters_.numeric; continue;
            case FilterVerdict::kKept: break;
        }
        ++counters_.documents_kept;
        chunk_bytes += static_cast<std::int64_t>(document.text.size());
        chunk_.push_back(std::move(document));
    }
    if (chunk_.empty()) return more;

    // Tokenize in parallel, one task per document; the results land by index, so order holds.
    std::vector<std::vector<std::int32_t>> ids(chunk_.size());
    auto tokenize = [&](std::int64_t i) {
        ids[static_cast<std::size_t>(i)] = tokenizer_.EncodeTruncated(
            chunk_[static_cast<std::size_t>(i)].text, /*add_special_tokens=*/false, options_.trunc_toks);
    };
    const auto n = static_cast<std::int64_t>(chunk_.size());
    if (pool_ != nullptr && n > 1) {
        pool_->ParallelFor(n, tokenize);
    } else {
        for (std::int64_t i = 0; i < n; ++i) tokenize(i);
    }
    for (std::size_t i = 0; i < chunk_.size(); ++i) {
        const std::size_t before = pending_.size();
        AppendWindows(chunk_[i].doc_id, ids[i], bos_id_, eos_id_, options_.windows, pending_);
        if (pending_.size() == before) ++counters_.documents_without_window;
    }
    return true;  // possibly with no windows; the caller asks again
}

Result<bool> WindowReader::Next(Window& window) {
    while (next_pending_ >= pending_.size()) {
        ACT_ASSIGN_OR_RETURN(bool more, FillPending());
        if (!more) return false;
    }
    window = std::move(pending_[next_pending_++]);
    ++counters_.windows;
    counters_.window_tokens += static_cast<std::int64_t>(window.tokens.size());
    return true;
}

}  // namespace actcache::corpus
