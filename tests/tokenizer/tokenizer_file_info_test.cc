#include "tokenizer/tokenizer_file_info.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "tokenizer/sample_tokenizer.h"

namespace actcache::tokenizer {
namespace {

using ::testing::HasSubstr;

TEST(TokenizerFileInfoTest, ReadsVocabExtentAndSpecialsOfTheSampleTokenizer) {
    testing::TempDir dir;
    auto files = BuildSampleTokenizer({.vocab_size = 600, .bos_id = 598, .eos_id = 599});
    ASSERT_TRUE(files.ok());
    testing::WriteFile(dir.File("tokenizer.json"), files->tokenizer_json);
    auto info = ReadTokenizerFileInfo(dir.File("tokenizer.json"));
    ASSERT_TRUE(info.ok()) << info.status().message();
    EXPECT_EQ(info->vocab_size, 600);
    EXPECT_EQ(info->bos_id, 598);
    EXPECT_EQ(info->eos_id, 599);
    EXPECT_EQ(info->added_tokens.size(), 2u);
}

TEST(TokenizerFileInfoTest, TokenizerConfigBesideItNamesBosAndEos) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("tokenizer.json"), R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2}},
      "added_tokens": [{"id": 3, "content": "[S]", "special": true}, {"id": 4, "content": "[E]", "special": true}]})");
    testing::WriteFile(dir.File("tokenizer_config.json"),
                       R"({"bos_token": {"content": "[S]"}, "eos_token": "[E]"})");
    auto info = ReadTokenizerFileInfo(dir.File("tokenizer.json"));
    ASSERT_TRUE(info.ok()) << info.status().message();
    EXPECT_EQ(info->vocab_size, 5);
    EXPECT_EQ(info->bos_id, 3);
    EXPECT_EQ(info->eos_id, 4);
}

TEST(TokenizerFileInfoTest, ErrorsNameTheFileAndJsonPath) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("bad.json"), R"({"model": {"vocab": []}})");
    EXPECT_THAT(ReadTokenizerFileInfo(dir.File("bad.json")).status().message(),
                HasSubstr("bad.json: model.vocab: expected an object"));
    testing::WriteFile(dir.File("bad2.json"),
                       R"({"model": {"vocab": {}}, "added_tokens": [{"id": -1, "content": "x"}]})");
    EXPECT_THAT(ReadTokenizerFileInfo(dir.File("bad2.json")).status().message(),
                HasSubstr("added_tokens[0].id"));
    testing::WriteFile(dir.File("bad3.json"), "{\n\"model\": ,\n}");
    EXPECT_THAT(ReadTokenizerFileInfo(dir.File("bad3.json")).status().message(),
                HasSubstr("bad3.json: line 2, column 10"));
}

}  // namespace
}  // namespace actcache::tokenizer
