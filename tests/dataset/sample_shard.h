// A shard of seeded pseudo-random rows written with ParquetShardWriter, and the rows it holds,
// for the tests that read shards back (our reader, DuckDB, hyparquet).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataset/parquet_shard_writer.h"

namespace actcache::dataset {

struct SampleRows {
    std::vector<std::int64_t> doc_ids;
    std::vector<std::int32_t> tok_pos, token_ids;
    std::vector<std::vector<std::uint16_t>> acts;  // per column, row-major
};

// Writes `n_rows` rows to `path`: doc_ids beyond int32 and negative ones, token ids of both
// signs, activation values over the full 0..65535 range. Fails the current test on error.
SampleRows WriteSampleShard(const std::string& path, const ParquetShardOptions& options, std::int64_t n_rows,
                            std::uint64_t seed = 7);

}  // namespace actcache::dataset
