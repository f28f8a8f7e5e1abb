#include "pipeline/shard_layout.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string_view>

#include "core/check.h"
#include "dataset/save_to_disk_writer.h"

namespace actcache::pipeline {
namespace {

constexpr std::string_view kParquetSuffix = "-00000-of-00001.parquet";

// The index in "train_NNNNN-00000-of-00001.parquet" (five or more digits), or -1.
std::int64_t ParquetShardIndex(std::string_view name) {
    if (!name.starts_with("train_") || !name.ends_with(kParquetSuffix)) return -1;
    const std::string_view digits = name.substr(6, name.size() - 6 - kParquetSuffix.size());
    if (digits.size() < 5 || digits.size() > 18 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
        return -1;
    }
    std::int64_t index = 0;
    for (char c : digits) index = index * 10 + (c - '0');
    return index;
}

}  // namespace

std::string SplitName(std::int64_t shard_index) {
    char name[32];
    std::snprintf(name, sizeof name, "train_%05lld", static_cast<long long>(shard_index));
    return name;
}

std::string ShardFolder(std::int64_t shard_index, std::int64_t per_folder) {
    ACT_CHECK(per_folder >= 1 && shard_index >= 0);
    if (shard_index < per_folder) return "data";
    const std::int64_t first = shard_index / per_folder * per_folder;
    char name[48];
    std::snprintf(name, sizeof name, "data/%05lld-%05lld", static_cast<long long>(first),
                  static_cast<long long>(first + per_folder - 1));
    return name;
}

std::string ShardFileName(std::int64_t shard_index, std::int64_t per_folder) {
    return ShardFolder(shard_index, per_folder) + "/" + SplitName(shard_index) + std::string(kParquetSuffix);
}

std::string ArrowShardFileName(std::int64_t shard_index) {
    return SplitName(shard_index) + "/" + dataset::kSaveToDiskDataFile;
}

Result<std::vector<ShardFileEntry>> FindParquetShards(const std::string& output_dir) {
    namespace fs = std::filesystem;
    const std::string data_dir = output_dir + "/data";
    std::error_code error;
    if (!fs::is_directory(data_dir, error)) return Status::NotFound(data_dir + ": no such folder");
    std::vector<ShardFileEntry> shards;
    auto add_if_shard = [&shards](const std::string& name, const std::string& folder) {
        if (const std::int64_t index = ParquetShardIndex(name); index >= 0) {
            shards.push_back(ShardFileEntry{index, folder + "/" + name});
        }
    };
    for (const auto& entry : fs::directory_iterator(data_dir, error)) {
        const std::string name = entry.path().filename().string();
        std::error_code type_error;
        if (!entry.is_directory(type_error)) {
            add_if_shard(name, "data");
            continue;
        }
        std::error_code folder_error;
        for (const auto& inner : fs::directory_iterator(entry.path(), folder_error)) {
            add_if_shard(inner.path().filename().string(), "data/" + name);
        }
        if (folder_error) return Status::IOError(entry.path().string() + ": cannot read: " + folder_error.message());
    }
    if (error) return Status::IOError(data_dir + ": cannot read: " + error.message());
    std::sort(shards.begin(), shards.end(), [](const ShardFileEntry& a, const ShardFileEntry& b) {
        return a.index != b.index ? a.index < b.index : a.path < b.path;
    });
    return shards;
}

}  // namespace actcache::pipeline
