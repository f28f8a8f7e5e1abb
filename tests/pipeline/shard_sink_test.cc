// ShardSink's two modes write the same dataset: rows encoded as they arrive (writer_threads 0)
// and shards handed to encoder threads while the next fills (writer_threads N) give
// byte-identical shard files, card and norm_stats.json, commits in shard order, and the
// statistics of a run continued from a manifest equal those of one run.
#include "pipeline/shard_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "core/bf16.h"
#include "core/file_util.h"
#include "core/random.h"
#include "support/temp_dir.h"

namespace actcache::pipeline {
namespace {

constexpr std::int64_t kWidth = 48;

ShardSinkOptions Options(const std::string& dir, int writer_threads) {
    ShardSinkOptions options;
    options.output_dir = dir;
    options.shard_size = 700;
    options.writer_threads = writer_threads;
    options.parquet.activation_columns = {dataset::ActivationColumn{"activacion", kWidth, dataset::ActivationType::kBf16Bits}};
    options.hook_sites = {"model.layers.8.mlp"};
    return options;
}

RunManifest FreshManifest() {
    RunManifest manifest;
    manifest.statistics.emplace_back(kWidth);
    return manifest;
}

// Adds rows [first, first + count) of a fixed pseudo-random sequence, in blocks of `block_rows`
// rows handed over in slices of up to `slice_rows` (so that slices cross shard boundaries and
// a shard takes rows from several blocks).
Status AddRows(ShardSink& sink, std::int64_t first, std::int64_t count, std::int64_t block_rows = 333,
               std::int64_t slice_rows = 250) {
    for (std::int64_t block_first = first; block_first < first + count; block_first += block_rows) {
        auto block = std::make_shared<RowBlock>();
        block->activations.resize(1);
        const std::int64_t block_end = std::min(first + count, block_first + block_rows);
        for (std::int64_t r = block_first; r < block_end; ++r) {
            NormalGenerator normal(static_cast<std::uint64_t>(r) + 1);
            for (std::int64_t d = 0; d < kWidth; ++d) {
                const std::uint16_t bits = RoundToBf16(static_cast<float>(normal.Next()));
                const auto* bytes = reinterpret_cast<const std::byte*>(&bits);
                block->activations[0].insert(block->activations[0].end(), bytes, bytes + 2);
            }
            block->origins.push_back(RowOrigin{r / 100, 0, r % 100});
            block->doc_ids.push_back(r / 100);
            block->tok_pos.push_back(static_cast<std::int32_t>(r % 100));
            block->token_ids.push_back(static_cast<std::int32_t>(r % 500));
        }
        for (std::int64_t slice = 0; slice < block->rows(); slice += slice_rows) {
            ACT_RETURN_IF_ERROR(sink.AddRows(block, slice, std::min(slice_rows, block->rows() - slice)));
        }
    }
    return Status::Ok();
}

std::vector<std::string> DatasetFiles(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        const std::string relative = std::filesystem::relative(entry.path(), dir).string();
        if (entry.is_regular_file() && !relative.starts_with(".actcache")) names.push_back(relative);
    }
    std::sort(names.begin(), names.end());
    return names;
}

TEST(ShardSink, EncoderThreadsWriteTheSameBytesAndCommitInOrder) {
    testing::TempDir serial_dir, parallel_dir, big_blocks_dir;
    constexpr std::int64_t kRows = 700 * 7 + 123;  // seven full shards and a partial one
    {
        ShardSink sink(Options(serial_dir.path(), 0), FreshManifest());
        ASSERT_TRUE(AddRows(sink, 0, kRows, /*block_rows=*/1, /*slice_rows=*/1).ok());  // row by row
        ASSERT_TRUE(sink.Finish("end of corpus", JsonValue()).ok());
    }
    std::vector<std::int64_t> commits;
    {
        ShardSink sink(Options(parallel_dir.path(), 3), FreshManifest(), [&](const RunManifest& manifest) {
            commits.push_back(static_cast<std::int64_t>(manifest.shards.size()));
            return Status::Ok();
        });
        ASSERT_TRUE(AddRows(sink, 0, kRows).ok());
        EXPECT_EQ(sink.rows(), kRows);
        EXPECT_EQ(sink.full_shards(), 7);
        ASSERT_TRUE(sink.Finish("end of corpus", JsonValue()).ok());
        EXPECT_EQ(sink.shards(), 8);
        EXPECT_EQ(sink.committed_rows(), kRows);
    }
    EXPECT_THAT(commits, ::testing::ElementsAre(1, 2, 3, 4, 5, 6, 7, 8));
    {
        // Blocks of several shards each, handed over whole.
        ShardSink sink(Options(big_blocks_dir.path(), 2), FreshManifest());
        ASSERT_TRUE(AddRows(sink, 0, kRows, /*block_rows=*/1600, /*slice_rows=*/1600).ok());
        ASSERT_TRUE(sink.Finish("end of corpus", JsonValue()).ok());
    }
    const auto files = DatasetFiles(serial_dir.path());
    ASSERT_EQ(files, DatasetFiles(parallel_dir.path()));
    ASSERT_EQ(files, DatasetFiles(big_blocks_dir.path()));
    EXPECT_EQ(files.size(), 8u + 2u);  // shards, README.md, norm_stats.json
    for (const std::string& name : files) {
        EXPECT_EQ(*ReadFileToString(serial_dir.File(name)), *ReadFileToString(parallel_dir.File(name))) << name;
        EXPECT_EQ(*ReadFileToString(serial_dir.File(name)), *ReadFileToString(big_blocks_dir.File(name))) << name;
    }
}

TEST(ShardSink, BlocksAreReleasedOnceTheirRowsAreWritten) {
    for (int writer_threads : {0, 2}) {
        testing::TempDir dir;
        ShardSink sink(Options(dir.path(), writer_threads), FreshManifest());
        std::vector<std::weak_ptr<RowBlock>> handed_over;
        for (int b = 0; b < 4; ++b) {
            auto block = std::make_shared<RowBlock>();
            block->activations.emplace_back(static_cast<std::size_t>(500 * kWidth * 2), std::byte{0});
            for (std::int64_t r = 0; r < 500; ++r) {
                block->origins.push_back(RowOrigin{b, 0, r});
                block->doc_ids.push_back(b);
                block->tok_pos.push_back(static_cast<std::int32_t>(r));
                block->token_ids.push_back(1);
            }
            handed_over.push_back(block);
            ASSERT_TRUE(sink.AddRows(std::move(block), 0, 500).ok());
            // Encoded as they come without encoder threads; else held until their shard is.
            EXPECT_EQ(handed_over.back().expired(), writer_threads == 0) << writer_threads;
        }
        ASSERT_TRUE(sink.Finish("end of corpus", JsonValue()).ok());
        for (const auto& block : handed_over) EXPECT_TRUE(block.expired()) << writer_threads;
    }
}

TEST(ShardSink, AContinuedRunHasTheStatisticsOfOneRun) {
    testing::TempDir one_dir, two_dir;
    constexpr std::int64_t kRows = 700 * 4;
    {
        ShardSink sink(Options(one_dir.path(), 2), FreshManifest());
        ASSERT_TRUE(AddRows(sink, 0, kRows).ok());
        ASSERT_TRUE(sink.Finish("end of corpus", JsonValue()).ok());
    }
    RunManifest after_two_shards;
    {
        ShardSink sink(Options(two_dir.path(), 0), FreshManifest());
        ASSERT_TRUE(AddRows(sink, 0, 2 * 700).ok());
        after_two_shards = sink.manifest();
    }
    {
        ShardSink sink(Options(two_dir.path(), 2), std::move(after_two_shards));
        ASSERT_TRUE(AddRows(sink, 2 * 700, kRows - 2 * 700).ok());
        ASSERT_TRUE(sink.Finish("end of corpus", JsonValue()).ok());
    }
    EXPECT_EQ(*ReadFileToString(one_dir.File("norm_stats.json")), *ReadFileToString(two_dir.File("norm_stats.json")));
}

TEST(ShardSink, AnErrorInTheCommitCallbackStopsTheSink) {
    testing::TempDir dir;
    ShardSink sink(Options(dir.path(), 2), FreshManifest(), [](const RunManifest&) {
        return Status::IOError("hub unreachable");
    });
    Status status = AddRows(sink, 0, 700 * 3);
    if (status.ok()) status = sink.Finish("end of corpus", JsonValue());
    EXPECT_EQ(status.message(), "hub unreachable");
}

}  // namespace
}  // namespace actcache::pipeline
