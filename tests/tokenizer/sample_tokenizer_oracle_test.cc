// The sample tokenizer.json must load in Hugging Face's Rust tokenizers library and behave as a
// Llama 3 tokenizer: BOS prepended, special-token text matched as the special id, and decoding
// gives back the exact text (byte-level BPE is lossless).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/json.h"
#include "support/temp_dir.h"
#include "tokenizer/sample_tokenizer.h"

namespace actcache::tokenizer {
namespace {

TEST(SampleTokenizerOracleTest, HuggingFaceTokenizersLoadsAndRoundTripsIt) {
    const std::string oracles = std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles";
    ASSERT_TRUE(std::filesystem::exists(oracles + "/node_modules/@anush008/tokenizers"))
        << "npm oracles missing: run scripts/setup.sh";
    testing::TempDir dir;
    auto files = BuildSampleTokenizer({.vocab_size = 512, .bos_id = 510, .eos_id = 511});
    ASSERT_TRUE(files.ok());
    testing::WriteFile(dir.File("tokenizer.json"), files->tokenizer_json);

    const std::vector<std::string> texts = {
        "the model of the world",
        "Hello, World! 12345 numbers and\nnew lines\r\n",
        "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 emoji",
        "special <|end_of_text|> inside text",
        "   leading and trailing spaces   ",
    };
    std::string input;
    for (const std::string& text : texts) {
        std::string line;
        AppendJsonString(text, line);
        input += line + "\n";
    }
    testing::WriteFile(dir.File("texts.jsonl"), input);
    const std::string command = "node " + oracles + "/hf_tokenizer_roundtrip.js " +
                                dir.File("tokenizer.json") + " < " + dir.File("texts.jsonl") +
                                " > " + dir.File("out.jsonl");
    ASSERT_EQ(std::system(command.c_str()), 0) << command;

    std::istringstream lines(testing::ReadFile(dir.File("out.jsonl")));
    std::string line;
    std::size_t index = 0;
    for (; std::getline(lines, line); ++index) {
        ASSERT_LT(index, texts.size());
        auto result = ParseJson(line);
        ASSERT_TRUE(result.ok()) << line;
        const auto& ids = result->Find("ids")->items();
        ASSERT_FALSE(ids.empty());
        EXPECT_EQ(ids.front().as_int64(), 510) << "BOS first";
        for (const JsonValue& id : ids) EXPECT_LT(id.as_int64(), 512);
        EXPECT_EQ(result->Find("decoded")->as_string(), "<|begin_of_text|>" + texts[index]);
        if (texts[index].find("<|end_of_text|>") != std::string::npos) {
            bool has_eos = false;
            for (const JsonValue& id : ids) has_eos |= id.as_int64() == 511;
            EXPECT_TRUE(has_eos) << "special-token text must map to its id";
        }
    }
    EXPECT_EQ(index, texts.size());
}

}  // namespace
}  // namespace actcache::tokenizer
