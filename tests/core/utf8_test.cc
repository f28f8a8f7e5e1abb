#include "core/utf8.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <vector>

#include "core/random.h"
#include "support/temp_dir.h"

namespace actcache {
namespace {

TEST(Utf8Test, ValidTextIsUnchanged) {
    const std::string text = "a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\xef\xbf\xbd";
    std::int64_t count = 0;
    EXPECT_EQ(ReplaceInvalidUtf8(text, &count), text);
    EXPECT_EQ(count, 0);
    EXPECT_TRUE(IsValidUtf8(text));
}

TEST(Utf8Test, MaximalSubpartsBecomeOneReplacementEach) {
    const std::string fffd = "\xef\xbf\xbd";
    std::int64_t count = 0;
    EXPECT_EQ(ReplaceInvalidUtf8("a\xe4\xb8", &count), "a" + fffd);          // truncated
    EXPECT_EQ(ReplaceInvalidUtf8("\xed\xa0\x80", &count), fffd + fffd + fffd);  // surrogate
    EXPECT_EQ(ReplaceInvalidUtf8("\xc0\xaf"), fffd + fffd);                     // overlong
    EXPECT_EQ(ReplaceInvalidUtf8("\xf4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // > U+10FFFF
    EXPECT_EQ(ReplaceInvalidUtf8("\xf0\x9f\x98" "b"), fffd + "b");
    EXPECT_EQ(count, 4);
    EXPECT_FALSE(IsValidUtf8("\xff"));
}

// Independent oracle: Python's bytes.decode("utf-8", errors="replace") on random byte strings
// built from UTF-8 fragments, lone continuation bytes and invalid leads.
TEST(Utf8Test, MatchesPythonDecodeWithReplace) {
    testing::TempDir dir;
    SplitMix64 rng(8);
    const std::vector<std::string> pieces = {
        "a", " ", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\x80", "\xbf", "\xc0",
        "\xc1", "\xc2", "\xe0", "\xe0\x80", "\xe0\xa0", "\xed", "\xed\xa0", "\xed\x9f\xbf",
        "\xef\xbf\xbf", "\xf0", "\xf0\x8f", "\xf0\x90", "\xf0\x90\x80", "\xf4\x8f\xbf\xbf",
        "\xf4\x90", "\xf5", "\xff", "\xfe",
    };
    std::vector<std::string> inputs;
    std::string hex_lines;
    for (int n = 0; n < 20000; ++n) {
        std::string s;
        const int count = static_cast<int>(rng.Next() % 12);
        for (int k = 0; k < count; ++k) s += pieces[rng.Next() % pieces.size()];
        inputs.push_back(s);
        for (unsigned char c : s) {
            char hex[3];
            std::snprintf(hex, sizeof hex, "%02x", c);
            hex_lines += hex;
        }
        hex_lines += '\n';
    }
    testing::WriteFile(dir.File("in.txt"), hex_lines);
    const std::string command =
        "/usr/bin/python3 -c \"import sys\n"
        "for line in open(sys.argv[1]):\n"
        "    print(bytes.fromhex(line.strip()).decode('utf-8', errors='replace').encode('utf-8').hex())\" " +
        dir.File("in.txt") + " > " + dir.File("out.txt");
    ASSERT_EQ(std::system(command.c_str()), 0);
    std::istringstream expected(testing::ReadFile(dir.File("out.txt")));
    std::string line;
    for (const std::string& input : inputs) {
        ASSERT_TRUE(std::getline(expected, line));
        std::string ours;
        for (unsigned char c : ReplaceInvalidUtf8(input)) {
            char hex[3];
            std::snprintf(hex, sizeof hex, "%02x", c);
            ours += hex;
        }
        ASSERT_EQ(ours, line);
    }
}

}  // namespace
}  // namespace actcache
