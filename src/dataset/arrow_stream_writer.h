// ArrowStreamWriter: activation rows as one Arrow IPC *stream* file, the .arrow file of
// `Dataset.save_to_disk` (reference/hf-formats-and-hub.md §B): what pa.RecordBatchStreamWriter
// writes with pyarrow's default options for
//
//   doc_id int64, tok_pos int32, token_id int32,
//   <column> fixed_size_list<item: uint16>[D]   (bf16 bit patterns; item: float for float32)
//
// every field nullable (no validity buffers: nothing is null), schema metadata
// {"huggingface": HuggingFaceFeaturesJson}, record batches of at most 1000 rows as datasets
// writes them, no compression, 8-byte alignment, end-of-stream marker. The file appears under
// its name only once complete (AtomicFile); its SHA-256 is computed on the way.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "core/sha256.h"
#include "core/status.h"
#include "dataset/arrow_ipc_format.h"
#include "dataset/parquet_shard_writer.h"
#include "dataset/shard_file_writer.h"

namespace actcache::dataset {

struct ArrowStreamOptions {
    std::vector<ActivationColumn> activation_columns = {ActivationColumn{}};
    std::int64_t max_batch_rows = arrow_ipc::kMaxBatchRows;
};

// One owner, not thread-safe.
class ArrowStreamWriter : public ShardFileWriter {
public:
    // Opens `path` (via a temporary name) and writes the schema message. IOError naming the
    // path. REQUIRES: options.max_batch_rows >= 1.
    static Result<std::unique_ptr<ArrowStreamWriter>> Create(std::string path,
                                                             ArrowStreamOptions options);

    // Appends one row (see ShardFileWriter::AddRow); writes a record batch when max_batch_rows
    // rows wait. IOError, ResourceExhausted on a full disk.
    Status AddRow(std::int64_t doc_id, std::int32_t tok_pos, std::int32_t token_id,
                  std::span<const std::span<const std::byte>> activations) override;

    // Writes the last batch (if any rows wait) and the end-of-stream marker, then commits the
    // file. Nothing is left under the final name on failure.
    Status Finish() override;

    std::int64_t rows() const override { return total_rows_; }
    std::int64_t size_bytes() const override { return offset_; }
    const std::string& sha256() const override { return sha256_hex_; }

private:
    ArrowStreamWriter(AtomicFile file, ArrowStreamOptions options);
    Status FlushBatch();
    Status WriteBytes(std::string_view bytes);

    AtomicFile file_;
    ArrowStreamOptions options_;
    std::int64_t offset_ = 0;  // bytes written so far
    std::int64_t total_rows_ = 0;
    // The batch being filled, column by column.
    std::vector<std::int64_t> doc_ids_;
    std::vector<std::int32_t> tok_pos_;
    std::vector<std::int32_t> token_ids_;
    std::vector<std::string> activations_;  // per column, row-major values as AddRow takes them
    Sha256 sha256_;
    std::string sha256_hex_;
};

}  // namespace actcache::dataset
