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

// The vectorized accumulation against a scalar loop in the documented order (norm_statistics.cc:
// ‖x‖² in eight running sums by dimension mod 8, added pairwise), bit for bit; widths with and
// without a tail, bf16 and float32 rows of the same values.
TEST(NormStatisticsTest, AccumulatesInTheDocumentedOrderBitForBit) {
    for (const int width : {2048, 8, 13, 5}) {
        const auto rows = RandomRows(40, width, 9 + static_cast<std::uint64_t>(width));
        NormStatistics bits_stats(width), float_stats(width);
        double sum_squared_norms = 0, sum_norms = 0;
        for (const auto& row : rows) {
            bits_stats.AddRow(row);
            std::vector<float> floats(row.size());
            for (std::size_t d = 0; d < row.size(); ++d) floats[d] = Bf16ToFloat(row[d]);
            float_stats.AddRow(floats);
            double lanes[8] = {};
            for (int d = 0; d < width; ++d) lanes[d % 8] += static_cast<double>(floats[d]) * floats[d];
            const double squared =
                ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
            sum_squared_norms += squared;
            sum_norms += std::sqrt(squared);
        }
        EXPECT_EQ(bits_stats.sum_squared_norms(), sum_squared_norms) << width;
        EXPECT_EQ(bits_stats.sum_norms(), sum_norms) << width;
        EXPECT_EQ(SerializeJson(bits_stats.ToJson()), SerializeJson(float_stats.ToJson())) << width;
        // Per-dimension sums, row after row: the JSON's exact accumulators.
        const JsonValue json = bits_stats.ToJson();
        const auto& sums = json.Find("accumulators")->Find("sum")->items();
        for (int d = 0; d < width; d += std::max(1, width / 7)) {
            double sum = 0;
            for (const auto& row : rows) sum += Bf16ToFloat(row[static_cast<std::size_t>(d)]);
            EXPECT_EQ(sums[static_cast<std::size_t>(d)].as_double(), sum) << width << " " << d;
        }
    }
}

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
