#include "dataset/sample_shard.h"

#include <cstring>
#include <span>

#include <gtest/gtest.h>

#include "core/random.h"

namespace actcache::dataset {
namespace {

float RandomFloat(SplitMix64& rng) {
    const std::uint64_t r = rng.Next();
    std::uint32_t bits = static_cast<std::uint32_t>(r >> 32);
    switch (r % 8) {
        case 0: bits = 0; break;                                    // +0
        case 1: bits = 0x80000000u; break;                          // −0
        case 2: bits &= 0x807FFFFFu; break;                         // denormal (or ±0)
        case 3: bits = (bits & 0x80000000u) | 0x7F800000u; break;   // ±inf
        default:                                                    // normal, exponent 1..254
            bits = (bits & 0x807FFFFFu) | (static_cast<std::uint32_t>(1 + r % 254) << 23);
    }
    float value;
    std::memcpy(&value, &bits, 4);
    return value;
}

}  // namespace

SampleRows WriteSampleShard(const std::string& path, const ParquetShardOptions& options, std::int64_t n_rows,
                            std::uint64_t seed) {
    auto writer = ParquetShardWriter::Create(path, options);
    EXPECT_TRUE(writer.ok()) << writer.status().message();
    if (!writer.ok()) return SampleRows{};
    return WriteSampleRows(**writer, options.activation_columns, n_rows, seed);
}

SampleRows WriteSampleRows(ShardFileWriter& writer, const std::vector<ActivationColumn>& columns,
                           std::int64_t n_rows, std::uint64_t seed) {
    SampleRows rows;
    rows.acts.resize(columns.size());
    rows.float_acts.resize(columns.size());
    SplitMix64 rng(seed);
    for (std::int64_t r = 0; r < n_rows; ++r) {
        rows.doc_ids.push_back(5'000'000'000LL + r / 7 - (r % 3) * 9'000'000'000LL);
        rows.tok_pos.push_back(static_cast<std::int32_t>(r % 4096));
        rows.token_ids.push_back(static_cast<std::int32_t>(rng.Next() % 128256) - (r % 2 ? 70000 : 0));
        std::vector<std::vector<std::uint16_t>> values(columns.size());
        std::vector<std::vector<float>> floats(columns.size());
        std::vector<std::span<const std::byte>> spans;
        for (std::size_t c = 0; c < values.size(); ++c) {
            const auto width = static_cast<std::size_t>(columns[c].width);
            if (columns[c].type == ActivationType::kFloat32) {
                floats[c].resize(width);
                for (auto& v : floats[c]) v = RandomFloat(rng);
                rows.float_acts[c].insert(rows.float_acts[c].end(), floats[c].begin(), floats[c].end());
                spans.push_back(std::as_bytes(std::span<const float>(floats[c])));
                continue;
            }
            values[c].resize(width);
            for (auto& v : values[c]) v = static_cast<std::uint16_t>(rng.Next());
            rows.acts[c].insert(rows.acts[c].end(), values[c].begin(), values[c].end());
            spans.push_back(std::as_bytes(std::span<const std::uint16_t>(values[c])));
        }
        EXPECT_TRUE(writer.AddRow(rows.doc_ids.back(), rows.tok_pos.back(), rows.token_ids.back(), spans).ok());
    }
    const Status status = writer.Finish();
    EXPECT_TRUE(status.ok()) << status.message();
    return rows;
}

}  // namespace actcache::dataset
