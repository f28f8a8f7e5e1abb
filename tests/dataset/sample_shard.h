// A shard of seeded pseudo-random rows written with ParquetShardWriter (or any ShardFileWriter),
// and the rows it holds, for the tests that read shards back (our reader, DuckDB, hyparquet,
// apache-arrow).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataset/parquet_shard_writer.h"

namespace actcache::dataset {

struct SampleRows {
    std::vector<std::int64_t> doc_ids;
    std::vector<std::int32_t> tok_pos, token_ids;
    std::vector<std::vector<std::uint16_t>> acts;  // per bf16 column, row-major (empty for float32)
    std::vector<std::vector<float>> float_acts;    // per float32 column, row-major (else empty)
};

// Writes `n_rows` rows to `path`: doc_ids beyond int32 and negative ones, token ids of both
// signs, bf16 bit patterns over the full 0..65535 range, float32 values of every class (±0,
// denormals, ±inf, normals of any exponent; no NaN). Fails the current test on error.
// The same rows through any writer, Finish included; `columns` are the writer's.
SampleRows WriteSampleRows(ShardFileWriter& writer, const std::vector<ActivationColumn>& columns,
                           std::int64_t n_rows, std::uint64_t seed = 7);

SampleRows WriteSampleShard(const std::string& path, const ParquetShardOptions& options, std::int64_t n_rows,
                            std::uint64_t seed = 7);

}  // namespace actcache::dataset
