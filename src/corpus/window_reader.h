// WindowReader: the corpus side of the seed's job, given a tokenizer: documents in order, the
// quality filter, tokenization without special tokens truncated to trunc_toks, and the chunker.
//
//   for did, t in enumerate(corpus):
//       if good(t):
//           ids = tok(t, add_special_tokens=False, truncation=True, max_length=TRUNC_TOKS)
//           yield from chunker([bos] + ids + [eos], did)
//
// The filter judges the stripped text; the tokenizer sees the text as it is (as the seed does).
// Documents are read in chunks; with a thread pool the kept documents of a chunk are tokenized
// in parallel and their windows still come out in corpus order, so the result never depends on
// the number of threads.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "core/thread_pool.h"
#include "corpus/document_reader.h"
#include "corpus/quality_filter.h"
#include "corpus/windowing.h"
#include "tokenizer/tokenizer.h"

namespace actcache::corpus {

struct WindowReaderOptions {
    QualityFilterOptions filter;
    WindowOptions windows;
    std::int64_t trunc_toks = 131072;  // see docs/corpus.md for why this default
    // Read only the first max_documents records of the corpus (doc_ids 0..max−1); −1: all.
    std::int64_t max_documents = -1;
    // Records with doc_id below this are read (they count) but neither filtered nor tokenized:
    // how a resumed run gets back to where it stopped without redoing the expensive part.
    std::int64_t skip_documents_before = 0;
    // Text bytes (and at most 256 documents) read per chunk before the chunk is tokenized.
    std::int64_t chunk_bytes = 1 << 20;
};

struct WindowCounters {
    std::int64_t documents_kept = 0;
    std::int64_t too_short = 0, too_long = 0, unchanged_by_upper = 0, numeric = 0;
    std::int64_t documents_without_window = 0;  // kept, but len(seq) < seq_len (seed rule)
    std::int64_t windows = 0;
    std::int64_t window_tokens = 0;
};

// One owner, not thread-safe. `documents`, `tokenizer` and `pool` must outlive it.
class WindowReader {
public:
    WindowReader(DocumentReader& documents, const tokenizer::Tokenizer& tokenizer,
                 std::int32_t bos_id, std::int32_t eos_id, WindowReaderOptions options,
                 ThreadPool* pool = nullptr);

    // The next window in corpus order, or false at the end. Errors are the document reader's.
    Result<bool> Next(Window& window);

    const WindowCounters& counters() const { return counters_; }

private:
    // Reads, filters and tokenizes the next chunk of documents into pending_; false at the end.
    Result<bool> FillPending();

    DocumentReader& documents_;
    const tokenizer::Tokenizer& tokenizer_;
    std::int32_t bos_id_, eos_id_;
    WindowReaderOptions options_;
    ThreadPool* pool_;  // borrowed, may be null
    QualityFilter filter_;
    std::vector<Document> chunk_;  // kept documents of the current chunk
    std::vector<Window> pending_;  // windows of the current chunk not yet returned
    std::size_t next_pending_ = 0;
    WindowCounters counters_;
};

}  // namespace actcache::corpus
