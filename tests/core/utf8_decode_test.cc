// ReplaceInvalidUtf8 and the code point reader. Expected strings follow Python's
// bytes.decode("utf-8", errors="replace") (checked against Python itself in
// utf8_test.cc); the cases are those of Unicode §3.9, Table 3-8.
#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

#include "core/random.h"

namespace actcache {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8DecodeTest, ValidTextIsUnchanged) {
    const std::string text = "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\x00z";
    EXPECT_TRUE(IsValidUtf8(text));
    EXPECT_EQ(ReplaceInvalidUtf8(text), text);
}

TEST(Utf8DecodeTest, MaximalSubpartsBecomeOneReplacementEach) {
    // Unicode Table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 -> a FFFD FFFD FFFD b FFFD c
    // FFFD FFFD d.
    EXPECT_EQ(ReplaceInvalidUtf8("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
              "a" + kFffd + kFffd + kFffd + "b" + kFffd + "c" + kFffd + kFffd + "d");
}

TEST(Utf8DecodeTest, OverlongsSurrogatesAndOutOfRangeAreReplacedBytewise) {
    EXPECT_EQ(ReplaceInvalidUtf8("\xC0\xAF"), kFffd + kFffd);  // overlong '/'
    EXPECT_EQ(ReplaceInvalidUtf8("\xE0\x80\xAF"), kFffd + kFffd + kFffd);
    EXPECT_EQ(ReplaceInvalidUtf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);  // U+D800
    EXPECT_EQ(ReplaceInvalidUtf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);
    EXPECT_EQ(ReplaceInvalidUtf8("\xF5"), kFffd);
    EXPECT_EQ(ReplaceInvalidUtf8("\xFF\xFE"), kFffd + kFffd);
}

TEST(Utf8DecodeTest, TruncatedSequenceAtEndIsOneReplacement) {
    EXPECT_EQ(ReplaceInvalidUtf8("x\xF0\x9F\x98"), "x" + kFffd);
    EXPECT_EQ(ReplaceInvalidUtf8("x\xE4\xB8"), "x" + kFffd);
    EXPECT_EQ(ReplaceInvalidUtf8("\xC3"), kFffd);
}

TEST(Utf8DecodeTest, DecodeCodePointNeverReadsPastTheEnd) {
    std::size_t length = 0;
    const std::string text = "\xF0\x9F";
    EXPECT_EQ(DecodeCodePoint(std::string_view(text), 0, length), U'\xFFFD');
    EXPECT_EQ(length, 1u);
    EXPECT_EQ(DecodeCodePoint("\xF0\x9F\x98\x80", 0, length), U'\x1F600');
    EXPECT_EQ(length, 4u);
}

TEST(Utf8DecodeTest, RepairedRandomBytesAreValid) {
    SplitMix64 random(7);
    for (int round = 0; round < 2000; ++round) {
        std::string bytes(random.Next() % 24, '\0');
        for (char& byte : bytes) byte = static_cast<char>(random.Next() & 0xFF);
        const std::string repaired = ReplaceInvalidUtf8(bytes);
        EXPECT_TRUE(IsValidUtf8(repaired));
        EXPECT_EQ(ReplaceInvalidUtf8(repaired), repaired);
    }
}

TEST(Utf8DecodeTest, AppendUtf8EncodesEveryLength) {
    std::string out;
    for (const char32_t code_point : {U'\x24', U'\xA2', U'\x20AC', U'\x10348'}) {
        AppendUtf8(code_point, out);
    }
    EXPECT_EQ(out, "$\xC2\xA2\xE2\x82\xAC\xF0\x90\x8D\x88");
}

}  // namespace
}  // namespace actcache
