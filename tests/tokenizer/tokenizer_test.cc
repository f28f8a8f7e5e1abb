// Tokenizer loading (every error class, asserting code and message), encoding invariants,
// decode round trips, truncation and robustness on arbitrary bytes. Exact ids against Hugging
// Face's library are in tokenizer_oracle_test.cc.
#include "tokenizer/tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "core/json.h"
#include "core/random.h"
#include "support/temp_dir.h"
#include "tokenizer/sample_tokenizer.h"
#include "core/utf8.h"

namespace actcache::tokenizer {
namespace {

using ::testing::HasSubstr;

std::string SampleJson() {
    auto files = BuildSampleTokenizer({.vocab_size = 512, .bos_id = 510, .eos_id = 511});
    EXPECT_TRUE(files.ok());
    return files->tokenizer_json;
}

// The sample tokenizer.json with `key` replaced by `value` (parsed JSON text); `key` may be
// "model.X" for a member of the model.
std::string SampleWith(const std::string& key, const std::string& value) {
    auto root = ParseJson(SampleJson());
    EXPECT_TRUE(root.ok());
    auto parsed = ParseJson(value);
    EXPECT_TRUE(parsed.ok()) << value;
    if (key.rfind("model.", 0) == 0) {
        JsonValue model = *root->Find("model");
        model.Set(key.substr(6), *parsed);
        root->Set("model", model);
    } else {
        root->Set(key, *parsed);
    }
    return SerializeJson(*root);
}

Status LoadError(const std::string& json) {
    auto result = Tokenizer::LoadFromJson(json, "tokenizer.json");
    EXPECT_FALSE(result.ok());
    return result.ok() ? Status::Ok() : result.status();
}

TEST(TokenizerTest, LoadsSampleTokenizerAndRoundTrips) {
    auto tokenizer = Tokenizer::LoadFromJson(SampleJson(), "tokenizer.json");
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
    EXPECT_EQ((*tokenizer)->vocab_size(), 512);
    EXPECT_EQ((*tokenizer)->bos_id(), 510);
    EXPECT_EQ((*tokenizer)->eos_id(), 511);
    EXPECT_EQ((*tokenizer)->special_ids(), (std::vector<std::int32_t>{510, 511}));
    const std::string text = "Hello, world! caf\xC3\xA9 \xE4\xB8\xAD 123456 \r\n end ";
    const std::vector<std::int32_t> ids = (*tokenizer)->Encode(text, true);
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids.front(), 510);
    auto decoded = (*tokenizer)->Decode(ids, /*skip_special_tokens=*/true);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, text);
    auto with_special = (*tokenizer)->Decode(ids, /*skip_special_tokens=*/false);
    ASSERT_TRUE(with_special.ok());
    EXPECT_EQ(*with_special, "<|begin_of_text|>" + text);
}

TEST(TokenizerTest, SpecialTokenTextMapsToItsIdWithoutAddingSpecials) {
    auto tokenizer = Tokenizer::LoadFromJson(SampleJson(), "tokenizer.json");
    ASSERT_TRUE(tokenizer.ok());
    const std::vector<std::int32_t> ids = (*tokenizer)->Encode("a<|end_of_text|>b", false);
    EXPECT_THAT(ids, ::testing::Contains(511));
    EXPECT_NE(ids.front(), 510);
}

TEST(TokenizerTest, LoadFromDirectoryReadsTokenizerJson) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("tokenizer.json"), SampleJson());
    auto tokenizer = Tokenizer::Load(dir.path());
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
    auto missing = Tokenizer::Load(dir.File("absent.json"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(TokenizerTest, TruncationKeepsTemplateTokens) {
    auto tokenizer = Tokenizer::LoadFromJson(SampleJson(), "tokenizer.json");
    ASSERT_TRUE(tokenizer.ok());
    const std::string text = "the quick brown fox jumps over the lazy dog again and again";
    const std::vector<std::int32_t> full = (*tokenizer)->Encode(text, true);
    ASSERT_GT(full.size(), 6u);
    const std::vector<std::int32_t> cut = (*tokenizer)->EncodeTruncated(text, true, 5);
    EXPECT_EQ(cut, std::vector<std::int32_t>(full.begin(), full.begin() + 5));
    const std::vector<std::int32_t> plain = (*tokenizer)->Encode(text, false);
    EXPECT_EQ((*tokenizer)->EncodeTruncated(text, false, 3),
              std::vector<std::int32_t>(plain.begin(), plain.begin() + 3));
    EXPECT_EQ((*tokenizer)->EncodeTruncated(text, true, 1000), full);
    EXPECT_EQ((*tokenizer)->EncodeTruncated(text, true, 1), std::vector<std::int32_t>{510});
    // Too short for the template: no truncation (Rust tokenizers' behaviour).
    EXPECT_EQ((*tokenizer)->EncodeTruncated(text, true, 0), full);
    EXPECT_TRUE((*tokenizer)->EncodeTruncated(text, false, 0).empty());
}

TEST(TokenizerTest, DecodeRejectsUnknownIdAndReplacesPartialUtf8) {
    auto tokenizer = Tokenizer::LoadFromJson(SampleJson(), "tokenizer.json");
    ASSERT_TRUE(tokenizer.ok());
    const std::vector<std::int32_t> bad = {5, 512};
    auto result = (*tokenizer)->Decode(bad, false);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(result.status().message(),
              "Decode: ids[1] = 512 is not in the vocabulary of 512 ids");
    // The first byte of "中" (E4) alone, then 'a': one U+FFFD then "a".
    const std::vector<std::int32_t> ids = (*tokenizer)->Encode("\xE4\xB8\xAD", false);
    const std::vector<std::int32_t> a = (*tokenizer)->Encode("a", false);
    ASSERT_EQ(ids.size(), 3u);  // the sample vocabulary has no CJK merges
    const std::vector<std::int32_t> partial = {ids[0], a[0]};
    auto decoded = (*tokenizer)->Decode(partial, false);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded,
              "\xEF\xBF\xBD"
              "a");
}

TEST(TokenizerTest, ArbitraryBytesNeverCrashAndEncodeAsTheirRepair) {
    auto tokenizer = Tokenizer::LoadFromJson(SampleJson(), "tokenizer.json");
    ASSERT_TRUE(tokenizer.ok());
    SplitMix64 random(99);
    for (int round = 0; round < 3000; ++round) {
        std::string bytes(random.Next() % 40, '\0');
        for (char& byte : bytes) byte = static_cast<char>(random.Next() & 0xFF);
        const std::vector<std::int32_t> ids = (*tokenizer)->Encode(bytes, true);
        for (const std::int32_t id : ids) ASSERT_TRUE(id >= 0 && id < 512);
        auto decoded = (*tokenizer)->Decode(ids, true);
        ASSERT_TRUE(decoded.ok());
        EXPECT_EQ(*decoded, ReplaceInvalidUtf8(bytes)) << round;
    }
}

TEST(TokenizerTest, MalformedJsonNamesFileLineAndColumn) {
    const Status status = LoadError("{\n  \"model\": ]\n}");
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("tokenizer.json: line 2, column"));
}

TEST(TokenizerTest, UnsupportedNormalizerIsUnimplemented) {
    const Status status = LoadError(SampleWith("normalizer", R"({"type": "NFC"})"));
    EXPECT_EQ(status.code(), StatusCode::kUnimplemented);
    EXPECT_EQ(status.message(),
              "tokenizer.json: normalizer.type: NFC is not supported (only null)");
}

TEST(TokenizerTest, WordPieceModelIsUnimplemented) {
    const Status status = LoadError(SampleWith("model.type", R"("WordPiece")"));
    EXPECT_EQ(status.code(), StatusCode::kUnimplemented);
    EXPECT_EQ(status.message(),
              "tokenizer.json: model.type: WordPiece is not supported (only byte-level BPE)");
}

TEST(TokenizerTest, MalformedMergeNamesItsIndex) {
    const Status status = LoadError(SampleWith("model.merges", R"(["\u0120 t", "a b c"])"));
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(),
              "tokenizer.json: model.merges[1]: expected \"a b\" or [\"a\", \"b\"]");
}

TEST(TokenizerTest, MergeOfUnknownTokenIsInvalid) {
    const Status status = LoadError(SampleWith("model.merges", R"([["q", "\u4e2d"]])"));
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(),
                HasSubstr("tokenizer.json: model.merges[0]: token \"\u4e2d\" is not in"));
}

TEST(TokenizerTest, PairFormMergesLoadLikeStringForm) {
    auto string_form = Tokenizer::LoadFromJson(SampleJson(), "t");
    auto root = ParseJson(SampleJson());
    ASSERT_TRUE(root.ok());
    JsonValue model = *root->Find("model");
    JsonValue pairs = JsonValue::Array();
    for (const JsonValue& merge : model.Find("merges")->items()) {
        const std::string& text = merge.as_string();
        JsonValue pair = JsonValue::Array();
        pair.Append(JsonValue::String(text.substr(0, text.find(' '))));
        pair.Append(JsonValue::String(text.substr(text.find(' ') + 1)));
        pairs.Append(pair);
    }
    model.Set("merges", pairs);
    root->Set("model", model);
    auto pair_form = Tokenizer::LoadFromJson(SerializeJson(*root), "t");
    ASSERT_TRUE(string_form.ok() && pair_form.ok()) << pair_form.status().ToString();
    const std::string text = "the model of the world, then them and there";
    EXPECT_EQ((*string_form)->Encode(text, true), (*pair_form)->Encode(text, true));
}

TEST(TokenizerTest, OtherSplitRegexIsUnimplemented) {
    const std::string pre = R"({"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Isolated", "invert": false},
        {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true,
         "use_regex": false}]})";
    const Status status = LoadError(SampleWith("pre_tokenizer", pre));
    EXPECT_EQ(status.code(), StatusCode::kUnimplemented);
    EXPECT_EQ(status.message(),
              "tokenizer.json: pre_tokenizer.pretokenizers[0].pattern: only the Llama 3 Regex is "
              "supported (got \"\\\\s+\")");
}

TEST(TokenizerTest, NonByteLevelPreTokenizerIsUnimplemented) {
    const Status status = LoadError(SampleWith("pre_tokenizer", R"({"type": "Whitespace"})"));
    EXPECT_EQ(status.code(), StatusCode::kUnimplemented);
    EXPECT_THAT(status.message(), HasSubstr("tokenizer.json: pre_tokenizer.type: Whitespace"));
}

TEST(TokenizerTest, StrippingAddedTokenIsUnimplemented) {
    const std::string added = R"([{"id": 510, "content": "<s>", "single_word": false,
        "lstrip": true, "rstrip": false, "normalized": false, "special": true}])";
    const Status status = LoadError(SampleWith("added_tokens", added));
    EXPECT_EQ(status.code(), StatusCode::kUnimplemented);
    EXPECT_EQ(status.message(),
              "tokenizer.json: added_tokens[0].lstrip: true is not supported (token \"<s>\")");
}

TEST(TokenizerTest, NonByteLevelDecoderIsUnimplemented) {
    const Status status = LoadError(SampleWith("decoder", R"({"type": "WordPiece"})"));
    EXPECT_EQ(status.code(), StatusCode::kUnimplemented);
    EXPECT_EQ(status.message(),
              "tokenizer.json: decoder.type: WordPiece is not supported (only ByteLevel)");
}

TEST(TokenizerTest, WrongTypeNamesThePath) {
    const Status status = LoadError(SampleWith("model.vocab", R"([])"));
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), "tokenizer.json: model.vocab: expected object, found array");
}

TEST(TokenizerTest, Gpt2PrefixSpaceIsUnimplemented) {
    const Status status = LoadError(SampleWith(
        "pre_tokenizer", R"({"type": "ByteLevel", "add_prefix_space": true, "use_regex": true})"));
    EXPECT_EQ(status.code(), StatusCode::kUnimplemented);
    EXPECT_EQ(status.message(), "tokenizer.json: pre_tokenizer.add_prefix_space: true");
}

TEST(TokenizerTest, TemplateSuffixIsKeptByTruncation) {
    const std::string post = R"({"type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                   {"Sequence": {"id": "A", "type_id": 0}},
                   {"SpecialToken": {"id": "</s>", "type_id": 0}}],
        "pair": [], "special_tokens": {"<s>": {"id": "<s>", "ids": [510], "tokens": ["<s>"]},
                                       "</s>": {"id": "</s>", "ids": [511], "tokens": ["</s>"]}}})";
    auto tokenizer = Tokenizer::LoadFromJson(SampleWith("post_processor", post), "t");
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
    const std::string text = "the quick brown fox jumps";
    const std::vector<std::int32_t> plain = (*tokenizer)->Encode(text, false);
    ASSERT_GT(plain.size(), 3u);
    std::vector<std::int32_t> expected = {510, plain[0], plain[1], 511};
    EXPECT_EQ((*tokenizer)->EncodeTruncated(text, true, 4), expected);
    EXPECT_EQ((*tokenizer)->Encode(text, true).back(), 511);
}

TEST(TokenizerTest, ConcurrentEncodesMatchSerialOnes) {
    auto tokenizer = Tokenizer::LoadFromJson(SampleJson(), "tokenizer.json");
    ASSERT_TRUE(tokenizer.ok());
    std::vector<std::string> texts;
    SplitMix64 random(5);
    for (int index = 0; index < 400; ++index) {
        texts.push_back("text " + std::to_string(random.Next()) + " of the world <|eot_id|>");
    }
    std::vector<std::vector<std::int32_t>> serial;
    for (const std::string& text : texts) serial.push_back((*tokenizer)->Encode(text, true));
    std::vector<int> mismatches(4, 0);
    {
        std::vector<std::jthread> threads;
        for (int thread_idx = 0; thread_idx < 4; ++thread_idx) {
            threads.emplace_back([&, thread_idx] {
                for (std::size_t index = 0; index < texts.size(); ++index) {
                    if ((*tokenizer)->Encode(texts[index], true) != serial[index]) {
                        ++mismatches[static_cast<std::size_t>(thread_idx)];
                    }
                }
            });
        }
    }
    EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace actcache::tokenizer
