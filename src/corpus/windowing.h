// Windowing: how a document's token ids become fixed-length model inputs (the seed's chunker).
//
// Seed (default):  seq = [bos] + ids + [eos];  windows seq[s : s + seq_len] for
//                  s = 0, seq_len, 2·seq_len, ... while s <= len(seq) − seq_len.
//                  Token j of a window has tok_pos = s + j, its index in seq (BOS is 0).
//                  A document with len(seq) < seq_len gives no window; a tail shorter than
//                  seq_len is dropped; windows after the first begin mid-document without BOS.
// keep_partial:    additionally emit the final tail seq[s:] (1 <= length < seq_len) as a shorter
//                  window. For a causal model its activations are exactly those the tokens
//                  would have at the start of a full window, so nothing else changes.
// bos_every_window: windows after the first are [bos] + seq[s : s + seq_len − 1], with
//                  s = seq_len, seq_len + (seq_len − 1), ... so each sees a BOS like the first;
//                  the inserted BOS has tok_pos −1 (it is not in seq; as a special token it
//                  never becomes a row). Same end rule: full windows only unless keep_partial.
// ids are expected already truncated to trunc_toks (tokenizer truncation, as the seed does).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace actcache::corpus {

struct WindowOptions {
    std::int64_t seq_len = 4096;
    bool keep_partial = false;
    bool bos_every_window = false;
};

struct Window {
    std::int64_t doc_id = 0;
    std::int64_t ordinal = 0;           // index of this window among its document's windows
    std::vector<std::int32_t> tokens;   // length seq_len (shorter only with keep_partial)
    std::vector<std::int32_t> tok_pos;  // per token: index in seq, or −1 for an inserted BOS
};

// Appends the windows of one document to `out`. REQUIRES: options.seq_len >= 2 when
// bos_every_window (a window must hold the BOS and at least one document token), else >= 1.
void AppendWindows(std::int64_t doc_id, std::span<const std::int32_t> ids, std::int32_t bos_id,
                   std::int32_t eos_id, const WindowOptions& options, std::vector<Window>& out);

}  // namespace actcache::corpus
