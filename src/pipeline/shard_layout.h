// Where each shard of a run lives in OUT, and finding them again.
//
// kParquet (the Hub layout, DESIGN.md §6): shard i is split "train_NNNNN" in the file
//   data/train_NNNNN-00000-of-00001.parquet                 i <  per_folder
//   data/FFFFF-LLLLL/train_NNNNN-00000-of-00001.parquet     i >= per_folder, F..L = the block of
//                                                           per_folder shards holding i
// The Hub takes fewer than 10,000 entries per folder (reference/hf-formats-and-hub.md §A): with
// per_folder = 9,000, data/ holds 9,000 shards plus one folder per further 9,000, so it stays
// under the limit up to the Hub's 100,000 files per repo (data/ then has 9,011 entries). A run
// of fewer than per_folder shards has exactly the seed's flat layout.
//
// kArrow (save_to_disk, local only): shard i is the folder OUT/train_NNNNN/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace actcache::pipeline {

// The largest (and default) number of shards per folder of data/.
inline constexpr std::int64_t kMaxShardsPerFolder = 9'000;

// "train_00003".
std::string SplitName(std::int64_t shard_index);

// The folder of shard `shard_index`, relative to OUT: "data", or "data/09000-17999" for
// shard_index 9,000..17,999 when per_folder is 9,000. REQUIRES: per_folder >= 1.
std::string ShardFolder(std::int64_t shard_index, std::int64_t per_folder);

// ShardFolder + "/train_00003-00000-of-00001.parquet" (the file name push_to_hub gives a split).
std::string ShardFileName(std::int64_t shard_index, std::int64_t per_folder = kMaxShardsPerFolder);

// "train_00003/data-00000-of-00001.arrow": the data file of a save_to_disk shard folder, the
// name the manifest records for it (the folder is what is committed).
std::string ArrowShardFileName(std::int64_t shard_index);

struct ShardFileEntry {
    std::int64_t index = 0;  // from the file name: train_00003-... → 3
    std::string path;        // relative to OUT: "data/train_00003-00000-of-00001.parquet"
};

// The Parquet shard files under OUT/data, in data/ itself and in its sub-folders (one level;
// any folder name), sorted by index. Other files are ignored. NotFound when OUT/data does not
// exist; IOError when a folder cannot be read.
Result<std::vector<ShardFileEntry>> FindParquetShards(const std::string& output_dir);

}  // namespace actcache::pipeline
