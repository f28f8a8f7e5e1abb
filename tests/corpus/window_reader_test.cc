// WindowReader composes the document reader, the seed's filter, the tokenizer (no special tokens,
// truncated) and the chunker, in corpus order; each part is verified on its own elsewhere, this
// checks how they are put together: which documents, which text, which ids, which doc_ids.
#include "corpus/window_reader.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "tokenizer/sample_tokenizer.h"

namespace actcache::corpus {
namespace {

std::unique_ptr<tokenizer::Tokenizer> SampleTokenizer() {
    auto files = tokenizer::BuildSampleTokenizer({.vocab_size = 512, .bos_id = 510, .eos_id = 511});
    EXPECT_TRUE(files.ok());
    auto loaded = tokenizer::Tokenizer::LoadFromJson(files->tokenizer_json, "sample");
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    return std::move(loaded).value();
}

TEST(WindowReaderTest, FiltersTokenizesAndChunksInCorpusOrder) {
    testing::TempDir dir;
    const std::string kept_a = "  the model of the world is a neural network  ";  // leading spaces kept
    const std::string kept_b = "another document with enough words for two windows at least";
    testing::WriteFile(dir.File("c.jsonl"),
                       "{\"text\": \"short\"}\n"                                   // doc 0: too short
                       "{\"text\": \"" + kept_a + "\"}\n"                           // doc 1
                       "{\"text\": \"ALL CAPS TEXT THAT IS LONG ENOUGH 123\"}\n"    // doc 2: no lowercase
                       "{\"text\": \"1234567890123456789012345\"}\n"               // doc 3: upper() same too
                       "{\"text\": \"" + kept_b + "\"}\n");                         // doc 4
    auto tokenizer = SampleTokenizer();
    auto sources = ExpandSources({dir.File("c.jsonl")}, {});
    ASSERT_TRUE(sources.ok());
    DocumentReader documents(*sources, {});
    WindowReaderOptions options;
    options.windows.seq_len = 8;
    options.trunc_toks = 12;
    WindowReader reader(documents, *tokenizer, 510, 511, options);

    // The expected windows: the same three steps done by hand, document by document.
    std::vector<Window> expected;
    for (auto [doc_id, text] : {std::pair<std::int64_t, std::string>{1, kept_a}, {4, kept_b}}) {
        auto ids = tokenizer->EncodeTruncated(text, false, 12);
        ASSERT_EQ(ids.size(), 12u);  // truncation applied
        AppendWindows(doc_id, ids, 510, 511, options.windows, expected);
    }
    std::vector<Window> got;
    Window window;
    while (true) {
        auto more = reader.Next(window);
        ASSERT_TRUE(more.ok()) << more.status().message();
        if (!*more) break;
        got.push_back(window);
    }
    ASSERT_EQ(got.size(), expected.size());
    ASSERT_EQ(got.size(), 2u);  // 14 tokens per document: one full window of 8 each
    for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].doc_id, expected[i].doc_id);
        EXPECT_EQ(got[i].tokens, expected[i].tokens);
        EXPECT_EQ(got[i].tok_pos, expected[i].tok_pos);
    }
    EXPECT_EQ(got[0].tokens.front(), 510);  // BOS opens the first window
    // The unstripped text was tokenized: the leading spaces are tokens.
    EXPECT_EQ(tokenizer->Decode(std::vector<std::int32_t>(got[0].tokens.begin() + 1, got[0].tokens.end()), false)
                  .value()
                  .substr(0, 2),
              "  ");
    const WindowCounters& counters = reader.counters();
    EXPECT_EQ(counters.documents_kept, 2);
    EXPECT_EQ(counters.too_short, 1);
    EXPECT_EQ(counters.unchanged_by_upper, 2);
    EXPECT_EQ(counters.windows, 2);
    EXPECT_EQ(counters.window_tokens, 16);
}

}  // namespace
}  // namespace actcache::corpus
