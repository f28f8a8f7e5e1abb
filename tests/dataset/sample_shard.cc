#include "dataset/sample_shard.h"

#include <span>

#include <gtest/gtest.h>

#include "core/random.h"

namespace actcache::dataset {

SampleRows WriteSampleShard(const std::string& path, const ParquetShardOptions& options, std::int64_t n_rows,
                            std::uint64_t seed) {
    SampleRows rows;
    rows.acts.resize(options.activation_columns.size());
    SplitMix64 rng(seed);
    auto writer = ParquetShardWriter::Create(path, options);
    EXPECT_TRUE(writer.ok()) << writer.status().message();
    if (!writer.ok()) return rows;
    for (std::int64_t r = 0; r < n_rows; ++r) {
        rows.doc_ids.push_back(5'000'000'000LL + r / 7 - (r % 3) * 9'000'000'000LL);
        rows.tok_pos.push_back(static_cast<std::int32_t>(r % 4096));
        rows.token_ids.push_back(static_cast<std::int32_t>(rng.Next() % 128256) - (r % 2 ? 70000 : 0));
        std::vector<std::vector<std::uint16_t>> values(options.activation_columns.size());
        std::vector<std::span<const std::uint16_t>> spans;
        for (std::size_t c = 0; c < values.size(); ++c) {
            values[c].resize(static_cast<std::size_t>(options.activation_columns[c].width));
            for (auto& v : values[c]) v = static_cast<std::uint16_t>(rng.Next());
            rows.acts[c].insert(rows.acts[c].end(), values[c].begin(), values[c].end());
            spans.push_back(values[c]);
        }
        EXPECT_TRUE((*writer)->AddRow(rows.doc_ids.back(), rows.tok_pos.back(), rows.token_ids.back(), spans).ok());
    }
    const Status status = (*writer)->Finish();
    EXPECT_TRUE(status.ok()) << status.message();
    return rows;
}

}  // namespace actcache::dataset
