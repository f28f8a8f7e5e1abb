// The quality filter decides exactly as the seed's good() does in python3, on >= 100,000
// generated strings drawn from every part of Unicode plus the edge cases that matter.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/random.h"
#include "core/utf8.h"
#include "corpus/quality_filter.h"
#include "support/temp_dir.h"

namespace actcache::corpus {
namespace {

// Pools of code points that stress each rule; the rest of Unicode is drawn uniformly.
const std::vector<std::pair<char32_t, char32_t>> kPools = {
    {0x20, 0x7E},      {0x09, 0x0D},      {0x1C, 0x1F},      {0x80, 0xFF},
    {0x100, 0x24F},    {0x370, 0x3FF},    {0x400, 0x4FF},    {0x1C4, 0x1CC},  // titlecase DŽ..
    {0x1F80, 0x1FFF},  {0x2000, 0x200B},  {0x2028, 0x202F},  {0x205F, 0x2060},
    {0x3000, 0x3000},  {0xFEFF, 0xFEFF},  {0x2150, 0x218B},  {0x2460, 0x24FF},  // numerals
    {0xFF10, 0xFF19},  {0xFF21, 0xFF5A},  {0x00B2, 0x00BE},  {0x0660, 0x0669},
    {0x4E00, 0x4E0F},  {0x16EE, 0x16F0},  {0x10107, 0x10133}, {0xFB00, 0xFB17},  // ligatures
    {0x0300, 0x036F},  {0x1F600, 0x1F64F}, {0x10400, 0x1044F}, {0x1E900, 0x1E95F},
};

char32_t RandomCodePoint(SplitMix64& rng) {
    if (rng.Next() % 4 == 0) {  // anywhere in Unicode (mostly unassigned: category Cn)
        while (true) {
            char32_t cp = static_cast<char32_t>(rng.Next() % 0x110000);
            if (cp < 0xD800 || cp > 0xDFFF) return cp;
        }
    }
    const auto& [first, last] = kPools[rng.Next() % kPools.size()];
    return first + static_cast<char32_t>(rng.Next() % (last - first + 1));
}

std::string RandomDocument(SplitMix64& rng, std::int64_t index) {
    // Lengths around both thresholds, plus short and medium texts.
    static const std::int64_t kEdgeLengths[] = {0, 1, 19, 20, 21, 22, 29998, 29999, 30000, 30001};
    std::int64_t length;
    if (index % 200 == 0) {
        length = kEdgeLengths[(index / 200) % 10];
    } else {
        length = static_cast<std::int64_t>(rng.Next() % 60);
    }
    const int mode = static_cast<int>(rng.Next() % 5);
    std::string text;
    // Leading/trailing whitespace so strip() matters.
    const std::string pad[] = {"", " ", "\n\t", "\xe3\x80\x80", "\xc2\x85", "\x1f"};
    text += pad[rng.Next() % 6];
    for (std::int64_t i = 0; i < length; ++i) {
        char32_t cp;
        switch (mode) {
            case 0: cp = 'A' + static_cast<char32_t>(rng.Next() % 26); break;   // all caps
            case 1: cp = static_cast<char32_t>("0123456789"[rng.Next() % 10]); break;  // digits
            case 2: cp = kPools[14 + rng.Next() % 3].first + static_cast<char32_t>(rng.Next() % 10); break;
            default: cp = RandomCodePoint(rng);
        }
        if (mode < 3 && rng.Next() % 50 == 0) cp = RandomCodePoint(rng);  // a stray character
        AppendUtf8(cp, text);
    }
    text += pad[rng.Next() % 6];
    return text;
}

TEST(QualityFilterOracleTest, MatchesPythonGoodOnGeneratedStrings) {
    ASSERT_EQ(std::system("/usr/bin/python3 -c pass"), 0) << "python3 missing: scripts/setup.sh";
    testing::TempDir dir;
    SplitMix64 rng(20261126);
    const std::int64_t n = 100000;
    std::vector<std::string> documents;
    std::string input;
    for (std::int64_t i = 0; i < n; ++i) {
        documents.push_back(RandomDocument(rng, i));
        AppendJsonString(documents.back(), input);
        input += '\n';
    }
    testing::WriteFile(dir.File("docs.jsonl"), input);
    testing::WriteFile(dir.File("good.py"), R"(import json, sys
def good(t): t = t.strip(); return 20 < len(t) < 30_000 and t.upper() != t and not t.isnumeric()
out = sys.stdout
for line in open(sys.argv[1], encoding='utf-8'):
    out.write('1' if good(json.loads(line)) else '0')
)");
    const std::string command = "/usr/bin/python3 " + dir.File("good.py") + " " +
                                dir.File("docs.jsonl") + " > " + dir.File("verdicts.txt");
    ASSERT_EQ(std::system(command.c_str()), 0);
    const std::string verdicts = testing::ReadFile(dir.File("verdicts.txt"));
    ASSERT_EQ(static_cast<std::int64_t>(verdicts.size()), n);

    QualityFilter filter;
    std::int64_t kept = 0, mismatches = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const bool ours = filter.Keep(documents[i]);
        kept += ours;
        if (ours != (verdicts[i] == '1') && ++mismatches <= 5) {
            std::string shown;
            AppendJsonString(documents[i].substr(0, 200), shown);
            ADD_FAILURE() << "document " << i << ": python says " << verdicts[i] << ", we say "
                          << ours << ": " << shown;
        }
    }
    EXPECT_EQ(mismatches, 0);
    std::printf("%lld documents, %lld kept by both, %lld disagreements\n",
                static_cast<long long>(n), static_cast<long long>(kept),
                static_cast<long long>(mismatches));
    // The sample must exercise every rule.
    EXPECT_GT(kept, n / 10);
    EXPECT_LT(kept, n * 9 / 10);
}

}  // namespace
}  // namespace actcache::corpus
