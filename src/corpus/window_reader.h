// WindowReader: the corpus side of the seed's job, given a tokenizer: documents in order, the
// quality filter, tokenization without special tokens truncated to trunc_toks, and the chunker.
//
//   for did, t in enumerate(corpus):
//       if good(t):
//           ids = tok(t, add_special_tokens=False, truncation=True, max_length=TRUNC_TOKS)
//           yield from chunker([bos] + ids + [eos], did)
//
// The filter judges the stripped text; the tokenizer sees the text as it is (as the seed does).
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "corpus/document_reader.h"
#include "corpus/quality_filter.h"
#include "corpus/windowing.h"
#include "tokenizer/tokenizer.h"

namespace actcache::corpus {

struct WindowReaderOptions {
    QualityFilterOptions filter;
    WindowOptions windows;
    std::int64_t trunc_toks = 131072;  // see docs/corpus.md for why this default
};

struct WindowCounters {
    std::int64_t documents_kept = 0;
    std::int64_t too_short = 0, too_long = 0, unchanged_by_upper = 0, numeric = 0;
    std::int64_t documents_without_window = 0;  // kept, but len(seq) < seq_len (seed rule)
    std::int64_t windows = 0;
    std::int64_t window_tokens = 0;
};

// One owner, not thread-safe. `documents` and `tokenizer` must outlive it.
class WindowReader {
public:
    WindowReader(DocumentReader& documents, const tokenizer::Tokenizer& tokenizer,
                 std::int32_t bos_id, std::int32_t eos_id, WindowReaderOptions options);

    // The next window in corpus order, or false at the end. Errors are the document reader's.
    Result<bool> Next(Window& window);

    const WindowCounters& counters() const { return counters_; }

private:
    DocumentReader& documents_;
    const tokenizer::Tokenizer& tokenizer_;
    std::int32_t bos_id_, eos_id_;
    WindowReaderOptions options_;
    QualityFilter filter_;
    std::vector<Window> pending_;  // windows of the current document not yet returned
    std::size_t next_pending_ = 0;
    Document document_;
    WindowCounters counters_;
};

}  // namespace actcache::corpus
