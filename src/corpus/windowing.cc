#include "corpus/windowing.h"

#include "core/check.h"

namespace actcache::corpus {

void AppendWindows(std::int64_t doc_id, std::span<const std::int32_t> ids, std::int32_t bos_id,
                   std::int32_t eos_id, const WindowOptions& options, std::vector<Window>& out) {
    const std::int64_t seq_len = options.seq_len;
    ACT_CHECK(seq_len >= (options.bos_every_window ? 2 : 1));
    // seq = [bos] + ids + [eos], addressed without building it.
    const std::int64_t seq_size = static_cast<std::int64_t>(ids.size()) + 2;
    auto seq = [&](std::int64_t i) {
        return i == 0 ? bos_id : i == seq_size - 1 ? eos_id : ids[static_cast<std::size_t>(i - 1)];
    };
    std::int64_t s = 0;
    bool first = true;
    std::int64_t ordinal = 0;
    while (s < seq_size) {
        const bool insert_bos = options.bos_every_window && !first;
        const std::int64_t span = insert_bos ? seq_len - 1 : seq_len;  // tokens taken from seq
        const std::int64_t available = seq_size - s;
        if (available < span && !options.keep_partial) break;
        const std::int64_t taken = available < span ? available : span;
        Window window;
        window.doc_id = doc_id;
        window.ordinal = ordinal++;
        if (insert_bos) {
            window.tokens.push_back(bos_id);
            window.tok_pos.push_back(-1);
        }
        for (std::int64_t i = s; i < s + taken; ++i) {
            window.tokens.push_back(seq(i));
            window.tok_pos.push_back(static_cast<std::int32_t>(i));
        }
        out.push_back(std::move(window));
        s += taken;
        first = false;
    }
}

}  // namespace actcache::corpus
