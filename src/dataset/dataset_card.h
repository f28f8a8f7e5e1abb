// The dataset card (README.md) of an activation dataset: YAML front matter exactly as
// datasets.push_to_hub writes it (reference/hf-formats-and-hub.md §A.3), then a human body.
//
// Two configs: "default", one split per shard (train_00000, train_00001, ...: the seed's layout,
// what load_dataset(repo, split="train_00003") reads), and "all", one split "train" over every
// shard, so load_dataset(repo, "all", split="train", streaming=True) reads everything.
//
// data_files patterns come from each shard's folder: "data/train_00003-*" per split, and for
// "all" "data/train_*" — or, when the shards lie in several folders (a fanned-out data/,
// pipeline/shard_layout.h), a list with one "FOLDER/train_*" per folder.
//
// A save_to_disk output (one folder per shard) gets the body alone: its configs would name
// Parquet files that do not exist, and load_from_disk reads no card.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dataset/parquet_shard_writer.h"

namespace actcache::dataset {

struct ShardInfo {
    std::string split;              // "train_00000"
    std::string file;               // relative to the card: "data/train_00000-00000-of-00001.parquet"
    std::int64_t num_examples = 0;  // rows
    std::int64_t file_bytes = 0;    // Parquet file size (download_size)
};

// kHub: YAML front matter + body, for the Parquet Hub layout. kSaveToDisk: the body alone,
// loading with load_from_disk.
enum class CardLayout { kHub, kSaveToDisk };

struct CardOptions {
    CardLayout layout = CardLayout::kHub;
    std::vector<ActivationColumn> columns = {ActivationColumn{}};
    std::vector<ShardInfo> shards;
    bool all_config = true;
    // Facts for the body's table, in order: ("Model", "meta-llama/Llama-3.2-1B"), ...
    std::vector<std::pair<std::string, std::string>> facts;
    // Hook site of each column, for the body ("model.layers.8.mlp").
    std::vector<std::string> hook_sites;
};

// Arrow bytes of one row (datasets' num_bytes per example): 8 + 4 + 4, plus per column 2·width
// (bf16 bits as uint16) or 4·width (float32).
std::int64_t ArrowBytesPerRow(const std::vector<ActivationColumn>& columns);

// The full README.md text: "---\n" + YAML + "---\n" + body (kSaveToDisk: the body).
std::string BuildDatasetCard(const CardOptions& options);

// Only the YAML between the "---" lines (what verify_splits reads).
std::string BuildCardYaml(const CardOptions& options);

}  // namespace actcache::dataset
