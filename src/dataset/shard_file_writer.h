// ShardFileWriter: what the pipeline needs of a writer of one shard, whatever its format
// (ParquetShardWriter: the Hub layout; SaveToDiskWriter: the save_to_disk layout).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace actcache::dataset {

// One owner, not thread-safe.
class ShardFileWriter {
public:
    virtual ~ShardFileWriter() = default;

    // Appends one row. The bytes are copied before returning: the spans are borrowed for the
    // call only and need no alignment. IOError, ResourceExhausted on a full disk.
    // REQUIRES: one span per activation column of the writer, holding the column's width values
    // as little-endian bytes (2 per value for bf16 bit patterns, 4 for float32).
    virtual Status AddRow(std::int64_t doc_id, std::int32_t tok_pos, std::int32_t token_id,
                          std::span<const std::span<const std::byte>> activations) = 0;

    // Appends doc_ids.size() rows given column by column: activations[c] holds that many rows of
    // column c, row after row, each as AddRow takes it. Equivalent to AddRow on each row in turn,
    // which is what this default does; a writer may encode from the caller's memory instead of
    // copying. Borrowed for the call. REQUIRES: the spans agree in rows.
    virtual Status AddRows(std::span<const std::int64_t> doc_ids, std::span<const std::int32_t> tok_pos,
                           std::span<const std::int32_t> token_ids,
                           std::span<const std::span<const std::byte>> activations);

    // Writes what is buffered and commits the shard: it appears complete under its final name,
    // or (on error) not at all. REQUIRES: called once.
    virtual Status Finish() = 0;

    virtual std::int64_t rows() const = 0;
    // After Finish: size and SHA-256 (hex) of the shard's data file, computed while writing.
    virtual std::int64_t size_bytes() const = 0;
    virtual const std::string& sha256() const = 0;
};

}  // namespace actcache::dataset
