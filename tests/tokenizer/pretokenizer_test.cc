// The hand-written pre-tokenizers, on splits derived by hand from the regexes' backtracking
// semantics (reference/llama32-spec.md §5.2). The differential fuzz against Hugging Face's
// Oniguruma-based split is in tokenizer_oracle_test.cc.
#include "tokenizer/pretokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer/unicode_properties.h"

namespace actcache::tokenizer {
namespace {

std::vector<std::string> Split(PreTokenizerKind kind, std::string_view text) {
    std::vector<std::string_view> pieces;
    PreTokenize(kind, text, pieces);
    return {pieces.begin(), pieces.end()};
}

using Pieces = std::vector<std::string>;

TEST(PreTokenizerTest, Llama3WhitespaceRunLeavesItsLastCharToTheNextWord) {
    EXPECT_EQ(Split(PreTokenizerKind::kLlama3, "a   b"), (Pieces{"a", "  ", " b"}));
    EXPECT_EQ(Split(PreTokenizerKind::kLlama3, "a  "), (Pieces{"a", "  "}));
    // The last char of the run is multi-byte (U+3000) and prefixes the word.
    EXPECT_EQ(Split(PreTokenizerKind::kLlama3,
                    "a \xE3\x80\x80"
                    "b"),
              (Pieces{"a", " ",
                      "\xE3\x80\x80"
                      "b"}));
    // Before a digit the last space stays alone (digits take no prefix).
    EXPECT_EQ(Split(PreTokenizerKind::kLlama3, "a  1"), (Pieces{"a", " ", " ", "1"}));
}

TEST(PreTokenizerTest, Llama3NewlinesAndDigits) {
    EXPECT_EQ(Split(PreTokenizerKind::kLlama3, " \n "), (Pieces{" \n", " "}));
    EXPECT_EQ(Split(PreTokenizerKind::kLlama3, "\r\n"), (Pieces{"\r\n"}));
    EXPECT_EQ(Split(PreTokenizerKind::kLlama3, "x \n\t\n  y"), (Pieces{"x", " \n\t\n", " ", " y"}));
    EXPECT_EQ(Split(PreTokenizerKind::kLlama3, "1234567"), (Pieces{"123", "456", "7"}));
    EXPECT_EQ(Split(PreTokenizerKind::kLlama3, "!!\n\nx"), (Pieces{"!!\n\n", "x"}));
}

TEST(PreTokenizerTest, Llama3ContractionsIgnoreAsciiCase) {
    EXPECT_EQ(Split(PreTokenizerKind::kLlama3, "I'LL WE'Re"), (Pieces{"I", "'LL", " WE", "'Re"}));
    EXPECT_EQ(Split(PreTokenizerKind::kLlama3, "'x"), (Pieces{"'x"}));
}

TEST(PreTokenizerTest, Gpt2PatternIsCaseSensitiveWithUnboundedDigits) {
    EXPECT_EQ(Split(PreTokenizerKind::kGpt2, "I'LL we're"), (Pieces{"I", "'", "LL", " we", "'re"}));
    EXPECT_EQ(Split(PreTokenizerKind::kGpt2, "1234567 x"), (Pieces{"1234567", " x"}));
    EXPECT_EQ(Split(PreTokenizerKind::kGpt2, "a  b\n"), (Pieces{"a", " ", " b", "\n"}));
}

TEST(PreTokenizerTest, UnicodeClassesFollowOniguruma) {
    EXPECT_TRUE(IsWhitespace(0x85));
    EXPECT_TRUE(IsWhitespace(0x3000));
    EXPECT_FALSE(IsWhitespace(0x200B));
    EXPECT_FALSE(IsWhitespace(0xFEFF));
    EXPECT_FALSE(IsWhitespace(0x180E));
    EXPECT_TRUE(IsNumber(0x2460));  // ①
    EXPECT_TRUE(IsNumber(0x216B));  // Ⅻ
    EXPECT_TRUE(IsNumber(0xB2));    // ²
    EXPECT_TRUE(IsLetter(0x4E2D));  // 中
    EXPECT_FALSE(IsLetter(0x301));  // combining acute accent (Mn)
    // Unicode 16.0, like the oracle's Oniguruma (gen_unicode_tables.mjs).
    EXPECT_TRUE(IsNumber(0x11F50));   // Kawi digit zero, 15.0
    EXPECT_TRUE(IsLetter(0x2EBF0));   // CJK Extension I, 15.1
    EXPECT_TRUE(IsNumber(0x10D40));   // Garay digit zero, 16.0
    EXPECT_FALSE(IsNumber(0x11DE0));  // Tolong Siki digit zero, 17.0: not yet
}

}  // namespace
}  // namespace actcache::tokenizer
