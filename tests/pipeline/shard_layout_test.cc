#include "pipeline/shard_layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "support/temp_dir.h"

namespace actcache::pipeline {
namespace {

namespace fs = std::filesystem;

TEST(ShardLayout, BelowOneFolderItIsTheSeedsFlatLayout) {
    EXPECT_EQ(SplitName(3), "train_00003");
    EXPECT_EQ(ShardFileName(0), "data/train_00000-00000-of-00001.parquet");
    EXPECT_EQ(ShardFileName(kMaxShardsPerFolder - 1), "data/train_08999-00000-of-00001.parquet");
    EXPECT_EQ(ArrowShardFileName(12), "train_00012/data-00000-of-00001.arrow");
}

TEST(ShardLayout, LaterShardsGoToFoldersNamedByTheirRange) {
    EXPECT_EQ(ShardFileName(kMaxShardsPerFolder), "data/09000-17999/train_09000-00000-of-00001.parquet");
    EXPECT_EQ(ShardFileName(20'000), "data/18000-26999/train_20000-00000-of-00001.parquet");
    EXPECT_EQ(ShardFileName(123'456), "data/117000-125999/train_123456-00000-of-00001.parquet");
    EXPECT_EQ(ShardFolder(1, 2), "data");
    EXPECT_EQ(ShardFolder(2, 2), "data/00002-00003");
    EXPECT_EQ(ShardFolder(3, 2), "data/00002-00003");
    EXPECT_EQ(ShardFolder(4, 2), "data/00004-00005");
}

// The Hub's limits (reference/hf-formats-and-hub.md): fewer than 10,000 entries in any folder,
// for as many shards as a repository of fewer than 100,000 files holds.
TEST(ShardLayout, NoFolderReachesTheHubsLimitUpToItsFileCount) {
    std::map<std::string, std::set<std::string>> entries;  // folder → its entries
    for (std::int64_t shard = 0; shard < 99'990; ++shard) {
        std::string path = ShardFileName(shard);
        for (std::size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
            const std::size_t next = path.find('/', slash + 1);
            entries[path.substr(0, slash)].insert(path.substr(slash + 1, next - slash - 1));
        }
    }
    for (const auto& [folder, names] : entries) EXPECT_LT(names.size(), 10'000u) << folder;
    EXPECT_EQ(entries["data"].size(), 9'000u + 11u);  // 9,000 shards, folders 09000-17999 … 99000-107999
}

TEST(ShardLayout, FindParquetShardsSeesBothLevelsInShardOrder) {
    testing::TempDir dir;
    fs::create_directories(dir.File("data/00002-00003"));
    for (const char* name : {"data/train_00001-00000-of-00001.parquet", "data/train_00000-00000-of-00001.parquet",
                             "data/00002-00003/train_00003-00000-of-00001.parquet",
                             "data/00002-00003/train_00002-00000-of-00001.parquet",
                             // not shards: temporary, other names, too deep, outside data/
                             "data/train_00004-00000-of-00001.parquet.tmp-77", "data/notes.txt",
                             "data/train_0005-00000-of-00001.parquet", "data/00002-00003/train_x-00000-of-00001.parquet",
                             "train_00006-00000-of-00001.parquet"}) {
        testing::WriteFile(dir.File(name), "");
    }
    fs::create_directories(dir.File("data/00002-00003/deeper"));
    testing::WriteFile(dir.File("data/00002-00003/deeper/train_00007-00000-of-00001.parquet"), "");
    const auto shards = FindParquetShards(dir.path());
    ASSERT_TRUE(shards.ok()) << shards.status().message();
    ASSERT_EQ(shards->size(), 4u);
    for (std::int64_t i = 0; i < 4; ++i) {
        EXPECT_EQ((*shards)[i].index, i);
        EXPECT_EQ((*shards)[i].path, ShardFileName(i, 2));
    }
    EXPECT_EQ(FindParquetShards(dir.File("nowhere")).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace actcache::pipeline
