#include "dataset/norm_statistics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/bf16.h"
#include "core/random.h"

namespace actcache::dataset {
namespace {

using ::testing::HasSubstr;

std::vector<std::vector<std::uint16_t>> RandomRows(int n, int width, std::uint64_t seed) {
    NormalGenerator normal(seed);
    std::vector<std::vector<std::uint16_t>> rows(n, std::vector<std::uint16_t>(width));
    for (auto& row : rows) {
        for (auto& value : row) value = RoundToBf16(static_cast<float>(3.0 * normal.Next()));
    }
    return rows;
}

double RelativeError(double a, double b) { return std::fabs(a - b) / std::max(std::fabs(b), 1e-300); }

// Independent evaluation in long double, formula by formula, against ToJson().
TEST(NormStatisticsTest, MatchesADirectLongDoubleEvaluation) {
    const int n = 500, width = 96;
    auto rows = RandomRows(n, width, 1);
    NormStatistics stats(width);
    for (const auto& row : rows) stats.AddRow(row);
    long double sum_sq = 0, sum_norm = 0;
    std::vector<long double> sum(width), sum_x2(width);
    for (const auto& row : rows) {
        long double sq = 0;
        for (int d = 0; d < width; ++d) {
            const long double x = Bf16ToFloat(row[d]);
            sq += x * x;
            sum[d] += x;
            sum_x2[d] += x * x;
        }
        sum_sq += sq;
        sum_norm += std::sqrt(sq);
    }
    const JsonValue json = stats.ToJson();
    EXPECT_EQ(json.members()[0].first, "tokens");
    EXPECT_EQ(json.members()[1].first, "rms");
    EXPECT_EQ(json.Find("tokens")->as_int64(), n);
    EXPECT_LT(RelativeError(json.Find("rms")->as_double(), std::sqrt(static_cast<double>(sum_sq / n))), 1e-12);
    EXPECT_LT(RelativeError(json.Find("rms_per_element")->as_double(),
                            std::sqrt(static_cast<double>(sum_sq / (n * width)))), 1e-12);
    const double mean_norm = static_cast<double>(sum_norm / n);
    EXPECT_LT(RelativeError(json.Find("mean_norm")->as_double(), mean_norm), 1e-12);
    EXPECT_LT(RelativeError(json.Find("saelens_scaling_factor")->as_double(), std::sqrt(96.0) / mean_norm), 1e-12);
    for (int d = 0; d < width; ++d) {
        const double mean = static_cast<double>(sum[d] / n);
        const double variance = static_cast<double>(sum_x2[d] / n) - mean * mean;
        EXPECT_LT(RelativeError(json.Find("mean")->items()[d].as_double(), mean), 1e-9);
        EXPECT_LT(RelativeError(json.Find("variance")->items()[d].as_double(), variance), 1e-9);
    }
}

TEST(NormStatisticsTest, MergingPartsEqualsAccumulatingTheWhole) {
    auto rows = RandomRows(300, 32, 2);
    NormStatistics whole(32), first(32), second(32);
    for (int i = 0; i < 300; ++i) {
        whole.AddRow(rows[i]);
        (i < 120 ? first : second).AddRow(rows[i]);
    }
    ASSERT_TRUE(first.Merge(second).ok());
    EXPECT_EQ(first.tokens(), 300);
    EXPECT_LT(RelativeError(first.sum_squared_norms(), whole.sum_squared_norms()), 1e-12);
    EXPECT_LT(RelativeError(first.sum_norms(), whole.sum_norms()), 1e-12);
    EXPECT_THAT(first.Merge(NormStatistics(16)).message(), HasSubstr("cannot merge width 16"));
}

TEST(NormStatisticsTest, Float32RowsOfTheSameValuesAccumulateTheSameBits) {
    NormStatistics from_bits(48), from_floats(48);
    for (const auto& row : RandomRows(50, 48, 9)) {
        from_bits.AddRow(row);
        std::vector<float> values;
        for (std::uint16_t bits : row) values.push_back(Bf16ToFloat(bits));
        from_floats.AddRow(std::span<const float>(values));
    }
    EXPECT_EQ(SerializeJson(from_bits.ToJson()), SerializeJson(from_floats.ToJson()));
}

TEST(NormStatisticsTest, JsonRoundTripIsExact) {
    auto rows = RandomRows(50, 8, 3);
    NormStatistics stats(8);
    for (const auto& row : rows) stats.AddRow(row);
    auto parsed = ParseJson(SerializeJson(stats.ToJson(), 2));
    ASSERT_TRUE(parsed.ok());
    auto restored = NormStatistics::FromJson(*parsed);
    ASSERT_TRUE(restored.ok()) << restored.status().message();
    EXPECT_EQ(SerializeJson(restored->ToJson()), SerializeJson(stats.ToJson()));
    EXPECT_EQ(restored->sum_squared_norms(), stats.sum_squared_norms());
    auto broken = ParseJson(R"({"accumulators": {"tokens": 1, "sum_squared_norms": "x"}})");
    EXPECT_THAT(NormStatistics::FromJson(*broken).status().message(),
                HasSubstr("accumulators.sum_squared_norms"));
}

TEST(NormStatisticsTest, NoTokensGivesNullDerivedValues) {
    const JsonValue json = NormStatistics(4).ToJson();
    EXPECT_EQ(json.Find("tokens")->as_int64(), 0);
    EXPECT_TRUE(json.Find("rms")->is_null());
    EXPECT_TRUE(json.Find("mean")->is_null());
}

}  // namespace
}  // namespace actcache::dataset
