#include "tokenizer/sample_tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "core/json.h"

namespace actcache::tokenizer {
namespace {

using ::testing::HasSubstr;

std::string Utf8(char32_t cp) {
    std::string out;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return out;
}

TEST(ByteLevelAlphabetTest, MatchesGpt2ByteToUnicode) {
    // Facts of GPT-2's bytes_to_unicode, as every byte-level BPE vocabulary spells them.
    EXPECT_EQ(ByteToUnicode(' '), U'\u0120');   // "Ġ"
    EXPECT_EQ(ByteToUnicode('\n'), U'\u010A');  // "Ċ"
    EXPECT_EQ(ByteToUnicode(0x00), U'\u0100');  // "Ā"
    EXPECT_EQ(ByteToUnicode(0xAD), U'\u0143');  // soft hyphen -> "Ń"
    EXPECT_EQ(ByteToUnicode('!'), U'!');
    EXPECT_EQ(ByteToUnicode(0xFF), U'\u00FF');
    std::set<char32_t> distinct;
    for (int b = 0; b < 256; ++b) distinct.insert(ByteToUnicode(static_cast<std::uint8_t>(b)));
    EXPECT_EQ(distinct.size(), 256u);
}

TEST(ByteLevelAlphabetTest, SymbolIdsFollowGpt2AndLlama3Numbering) {
    // In GPT-2 and Llama 3 vocabularies: id 0 = "!", 94 = "¡", 188 = "Ā" (byte 0), 220 = "Ġ".
    std::vector<std::uint8_t> order = ByteSymbolOrder();
    ASSERT_EQ(order.size(), 256u);
    EXPECT_EQ(order[0], '!');
    EXPECT_EQ(order[94], 0xA1);
    EXPECT_EQ(order[188], 0x00);
    EXPECT_EQ(order[220], ' ');
}

TEST(SampleTokenizerTest, BuildsAValidByteLevelBpe) {
    auto files = BuildSampleTokenizer({.vocab_size = 512, .bos_id = 510, .eos_id = 511});
    ASSERT_TRUE(files.ok()) << files.status().message();
    auto root = ParseJson(files->tokenizer_json);
    ASSERT_TRUE(root.ok()) << root.status().message();
    const JsonValue& model = *root->Find("model");
    EXPECT_EQ(model.Find("type")->as_string(), "BPE");
    EXPECT_TRUE(model.Find("ignore_merges")->as_bool());
    const JsonValue& vocab = *model.Find("vocab");
    const JsonValue& merges = *model.Find("merges");
    EXPECT_EQ(files->n_merges, static_cast<std::int64_t>(merges.items().size()));
    EXPECT_GT(files->n_merges, 200);

    // Ids are distinct and dense from 0; every byte symbol is present.
    std::set<std::int64_t> ids;
    for (const auto& [token, id] : vocab.members()) ids.insert(id.as_int64());
    EXPECT_EQ(ids.size(), vocab.members().size());
    EXPECT_EQ(*ids.begin(), 0);
    EXPECT_EQ(*ids.rbegin(), static_cast<std::int64_t>(ids.size()) - 1);
    EXPECT_LE(static_cast<std::int64_t>(ids.size()), 510);
    for (int b = 0; b < 256; ++b) {
        EXPECT_NE(vocab.Find(Utf8(ByteToUnicode(static_cast<std::uint8_t>(b)))), nullptr) << b;
    }
    EXPECT_EQ(vocab.Find("\xc4\xa0")->as_int64(), 220);  // "Ġ"
    // BPE validity: both sides of every merge exist before it, and its result is in the vocab.
    for (const JsonValue& merge : merges.items()) {
        const std::string& text = merge.as_string();
        std::size_t space = text.find(' ');
        ASSERT_NE(space, std::string::npos);
        std::string left = text.substr(0, space), right = text.substr(space + 1);
        ASSERT_NE(vocab.Find(left), nullptr) << text;
        ASSERT_NE(vocab.Find(right), nullptr) << text;
        ASSERT_NE(vocab.Find(left + right), nullptr) << text;
        EXPECT_LT(vocab.Find(left)->as_int64(), vocab.Find(left + right)->as_int64());
    }

    const JsonValue& added = *root->Find("added_tokens");
    ASSERT_EQ(added.items().size(), 2u);
    EXPECT_EQ(added.items()[0].Find("content")->as_string(), "<|begin_of_text|>");
    EXPECT_EQ(added.items()[0].Find("id")->as_int64(), 510);
    EXPECT_TRUE(added.items()[0].Find("special")->as_bool());
    EXPECT_EQ(added.items()[1].Find("content")->as_string(), "<|end_of_text|>");

    // Llama 3 pre-tokenizer and BOS template.
    const JsonValue& pre = *root->Find("pre_tokenizer");
    EXPECT_EQ(pre.Find("pretokenizers")->items()[0].Find("pattern")->Find("Regex")->as_string(),
              kLlama3SplitPattern);
    std::string post = SerializeJson(*root->Find("post_processor"));
    EXPECT_THAT(post, HasSubstr(R"("ids":[510])"));

    auto config = ParseJson(files->tokenizer_config_json);
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->Find("bos_token")->as_string(), "<|begin_of_text|>");
    EXPECT_EQ(config->Find("added_tokens_decoder")->members().size(), 2u);
}

TEST(SampleTokenizerTest, FillsReservedSpecialsLikeLlama3) {
    auto files = BuildSampleTokenizer({.vocab_size = 128256, .bos_id = 128000, .eos_id = 128001});
    ASSERT_TRUE(files.ok());
    auto root = ParseJson(files->tokenizer_json);
    const JsonValue& added = *root->Find("added_tokens");
    ASSERT_EQ(added.items().size(), 256u);
    EXPECT_EQ(added.items()[2].Find("content")->as_string(), "<|reserved_special_token_0|>");
    EXPECT_EQ(added.items()[255].Find("id")->as_int64(), 128255);
}

TEST(SampleTokenizerTest, IsDeterministic) {
    auto a = BuildSampleTokenizer({});
    auto b = BuildSampleTokenizer({});
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->tokenizer_json, b->tokenizer_json);
}

TEST(SampleTokenizerTest, RejectsIdsThatDoNotFit) {
    EXPECT_THAT(BuildSampleTokenizer({.vocab_size = 512, .bos_id = 100, .eos_id = 511})
                    .status()
                    .message(),
                HasSubstr("must differ and lie in [256, vocab_size=512)"));
    EXPECT_FALSE(BuildSampleTokenizer({.vocab_size = 512, .bos_id = 511, .eos_id = 511}).ok());
    EXPECT_FALSE(BuildSampleTokenizer({.vocab_size = 512, .bos_id = 300, .eos_id = 512}).ok());
}

}  // namespace
}  // namespace actcache::tokenizer
