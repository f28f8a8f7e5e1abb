#include "corpus/python_text.h"

#include <gtest/gtest.h>

#include <string>

#include "corpus/quality_filter.h"

namespace actcache::corpus {
namespace {

std::string Repeat(std::string_view piece, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += piece;
    return out;
}

TEST(PythonTextTest, StripRemovesPythonWhitespaceOnly) {
    // U+0085, U+00A0, U+3000 and the ASCII separators 0x1C-0x1F are whitespace to Python;
    // U+200B (zero width space) and U+FEFF are not.
    EXPECT_EQ(PythonStrip("\x1c\t\xc2\x85\xc2\xa0 a b \xe3\x80\x80\n"), "a b");
    EXPECT_EQ(PythonStrip("\xe2\x80\x8b" "a"), "\xe2\x80\x8b" "a");
    EXPECT_EQ(PythonStrip("\xef\xbb\xbf" "a"), "\xef\xbb\xbf" "a");
    EXPECT_EQ(PythonStrip("   "), "");
    EXPECT_EQ(PythonStrip(""), "");
}

TEST(PythonTextTest, LengthCountsCodePoints) {
    EXPECT_EQ(CodePointCount("a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"), 4);
    EXPECT_EQ(CodePointCount("\xff\xfe"), 2);  // invalid bytes count one each (as U+FFFD)
}

TEST(PythonTextTest, NumericFollowsNumericType) {
    EXPECT_TRUE(PythonIsNumeric("0123"));
    EXPECT_TRUE(PythonIsNumeric("\xe2\x85\xab\xe2\x85\xab"));      // ⅫⅫ (Nl)
    EXPECT_TRUE(PythonIsNumeric("\xef\xbc\x91\xef\xbc\x92"));      // full-width １２
    EXPECT_TRUE(PythonIsNumeric("\xc2\xbd\xc2\xb2"));              // ½² (No)
    EXPECT_TRUE(PythonIsNumeric("\xe4\xb8\x89"));                  // 三 (Numeric_Type=Numeric)
    EXPECT_FALSE(PythonIsNumeric("12.5"));
    EXPECT_FALSE(PythonIsNumeric(""));
}

TEST(PythonTextTest, UpperChangesWithFullCaseMapping) {
    EXPECT_TRUE(PythonUpperChangesText("\xc3\x9f"));   // ß -> SS
    EXPECT_TRUE(PythonUpperChangesText("\xc7\x85"));   // ǅ (titlecase) -> Ǆ
    EXPECT_TRUE(PythonUpperChangesText("\xef\xac\x80"));  // ﬀ -> FF
    EXPECT_FALSE(PythonUpperChangesText("ABC 123 !"));
    EXPECT_FALSE(PythonUpperChangesText("\xe4\xb8\xad\xe6\x96\x87"));  // CJK has no case
}

TEST(QualityFilterTest, SeedEdgeCases) {
    QualityFilter filter;
    EXPECT_EQ(filter.Judge(std::string(20, 'a')), FilterVerdict::kTooShort);
    EXPECT_EQ(filter.Judge(std::string(21, 'a')), FilterVerdict::kKept);
    EXPECT_EQ(filter.Judge("  " + std::string(20, 'a') + "  \n"), FilterVerdict::kTooShort);
    EXPECT_EQ(filter.Judge(std::string(29999, 'a')), FilterVerdict::kKept);
    EXPECT_EQ(filter.Judge(std::string(30000, 'a')), FilterVerdict::kTooLong);
    EXPECT_EQ(filter.Judge("ALL CAPS WITH DIGITS 12345"), FilterVerdict::kUnchangedByUpper);
    EXPECT_EQ(filter.Judge(Repeat("\xe2\x85\xab", 30)), FilterVerdict::kUnchangedByUpper);
    EXPECT_EQ(filter.Judge(Repeat("\xe4\xb8\xad", 30)), FilterVerdict::kUnchangedByUpper);
    QualityFilter lenient({.reject_unchanged_by_upper = false});
    EXPECT_EQ(lenient.Judge(Repeat("\xe2\x85\xab", 30)), FilterVerdict::kNumeric);
    EXPECT_EQ(lenient.Judge(Repeat("\xe4\xb8\xad", 30)), FilterVerdict::kKept);
    QualityFilter short_ok({.min_chars_exclusive = 0, .max_chars_exclusive = 100});
    EXPECT_EQ(short_ok.Judge("a"), FilterVerdict::kKept);
}

}  // namespace
}  // namespace actcache::corpus
