#include "corpus/windowing.h"

#include <gtest/gtest.h>

#include <numeric>

namespace actcache::corpus {
namespace {

constexpr std::int32_t kBos = 900, kEos = 901;

std::vector<std::int32_t> Ids(int n) {
    std::vector<std::int32_t> ids(n);
    std::iota(ids.begin(), ids.end(), 1);
    return ids;
}

// The seed's chunker transcribed literally:
//   seq = [bos] + ids + [eos]
//   for s in range(0, len(seq) - SEQ_LEN + 1, SEQ_LEN): yield seq[s:s+SEQ_LEN], did, s
std::vector<std::pair<std::vector<std::int32_t>, std::int64_t>> SeedChunker(
    const std::vector<std::int32_t>& ids, std::int64_t seq_len) {
    std::vector<std::int32_t> seq = {kBos};
    seq.insert(seq.end(), ids.begin(), ids.end());
    seq.push_back(kEos);
    std::vector<std::pair<std::vector<std::int32_t>, std::int64_t>> out;
    const std::int64_t stop = static_cast<std::int64_t>(seq.size()) - seq_len + 1;
    for (std::int64_t s = 0; s < stop; s += seq_len) {
        out.emplace_back(std::vector<std::int32_t>(seq.begin() + s, seq.begin() + s + seq_len), s);
    }
    return out;
}

TEST(WindowingTest, DefaultIsTheSeedChunker) {
    for (std::int64_t seq_len : {1, 2, 3, 8}) {
        for (int n = 0; n < 30; ++n) {
            std::vector<Window> windows;
            AppendWindows(7, Ids(n), kBos, kEos, {.seq_len = seq_len}, windows);
            auto expected = SeedChunker(Ids(n), seq_len);
            ASSERT_EQ(windows.size(), expected.size()) << "n=" << n << " seq_len=" << seq_len;
            for (std::size_t w = 0; w < windows.size(); ++w) {
                EXPECT_EQ(windows[w].doc_id, 7);
                EXPECT_EQ(windows[w].tokens, expected[w].first);
                for (std::int64_t j = 0; j < seq_len; ++j) {
                    EXPECT_EQ(windows[w].tok_pos[j], expected[w].second + j);
                }
            }
        }
    }
}

TEST(WindowingTest, ShortDocumentsGiveNoWindowUnlessPartialIsKept) {
    std::vector<Window> windows;
    AppendWindows(0, Ids(6), kBos, kEos, {.seq_len = 8}, windows);  // len(seq) = 8: one window
    EXPECT_EQ(windows.size(), 1u);
    windows.clear();
    AppendWindows(0, Ids(5), kBos, kEos, {.seq_len = 8}, windows);  // len(seq) = 7: none
    EXPECT_TRUE(windows.empty());
    AppendWindows(0, Ids(5), kBos, kEos, {.seq_len = 8, .keep_partial = true}, windows);
    ASSERT_EQ(windows.size(), 1u);
    EXPECT_EQ(windows[0].tokens, (std::vector<std::int32_t>{kBos, 1, 2, 3, 4, 5, kEos}));
}

TEST(WindowingTest, KeepPartialAddsTheTail) {
    std::vector<Window> windows;
    AppendWindows(0, Ids(10), kBos, kEos, {.seq_len = 4, .keep_partial = true}, windows);
    // seq has 12 tokens: windows at 0, 4, 8, and no tail (12 = 3 * 4).
    ASSERT_EQ(windows.size(), 3u);
    windows.clear();
    AppendWindows(0, Ids(11), kBos, kEos, {.seq_len = 4, .keep_partial = true}, windows);
    ASSERT_EQ(windows.size(), 4u);
    EXPECT_EQ(windows[3].tokens, (std::vector<std::int32_t>{kEos}));
    EXPECT_EQ(windows[3].tok_pos, (std::vector<std::int32_t>{12}));
}

TEST(WindowingTest, BosEveryWindowPrefixesLaterWindows) {
    std::vector<Window> windows;
    AppendWindows(3, Ids(8), kBos, kEos, {.seq_len = 4, .bos_every_window = true}, windows);
    // seq = [B 1 2 3 4 5 6 7 8 E] (10): [B 1 2 3] @0, [B 4 5 6] @4, [B 7 8 E] @7.
    ASSERT_EQ(windows.size(), 3u);
    EXPECT_EQ(windows[1].tokens, (std::vector<std::int32_t>{kBos, 4, 5, 6}));
    EXPECT_EQ(windows[1].tok_pos, (std::vector<std::int32_t>{-1, 4, 5, 6}));
    EXPECT_EQ(windows[2].tokens, (std::vector<std::int32_t>{kBos, 7, 8, kEos}));
    EXPECT_EQ(windows[2].tok_pos, (std::vector<std::int32_t>{-1, 7, 8, 9}));
}

}  // namespace
}  // namespace actcache::corpus
