// ParquetShardWriter: writes activation rows as one Parquet file in the layout
// `datasets.push_to_hub` produces (reference/hf-formats-and-hub.md §A.2–A.5):
//
//   optional int64 doc_id;  optional int32 tok_pos;  optional int32 token_id;
//   optional group <column> (LIST) {             one per hook, default name "activacion"
//     repeated group list { optional int32 element (INT(16, false)); }   bf16 bit patterns
//   }                                             (uint16), or `optional float element` for a
//                                                 float32 column; D values per row
//
// Row groups of about 100 MB of Arrow data (datasets' MAX_ROW_GROUP_SIZE), data pages (v1) of
// about 1 MiB of PLAIN values, RLE levels; bf16 values dictionary-encoded by default (one sorted
// dictionary page per column chunk, bit-packed indices), other values PLAIN; column statistics,
// footer key "huggingface" with the features JSON and "ARROW:schema". The file appears under its name only once complete
// (AtomicFile); its SHA-256 is computed on the way (the Hub identifies uploads by it).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/file_util.h"
#include "core/sha256.h"
#include "core/thread_pool.h"
#include "core/status.h"
#include "dataset/parquet_dictionary.h"
#include "dataset/parquet_format.h"
#include "dataset/parquet_layout.h"
#include "dataset/shard_file_writer.h"

namespace actcache::dataset {

// How a column stores its values: the bf16 bit patterns as uint16 (List(Value("uint16")), the
// seed's), or float32 values (List(Value("float32"))).
enum class ActivationType { kBf16Bits, kFloat32 };

// Bytes per value of `type` in AddRow's rows: 2 or 4.
inline std::size_t BytesPerValue(ActivationType type) { return type == ActivationType::kFloat32 ? 4 : 2; }

struct ActivationColumn {
    std::string name = "activacion";  // the seed's column name
    std::int64_t width = 2048;        // values per row (D)
    ActivationType type = ActivationType::kBf16Bits;
};

enum class Compression { kNone, kSnappy, kZstd, kGzip };

struct ParquetShardOptions {
    std::vector<ActivationColumn> activation_columns = {ActivationColumn{}};
    Compression compression = Compression::kZstd;
    int zstd_level = 1;
    std::int64_t row_group_bytes = 100'000'000;  // uncompressed Arrow bytes per row group
    std::int64_t page_bytes = 1 << 20;           // target uncompressed bytes per data page
    // Activation values as BYTE_STREAM_SPLIT (the 4 bytes of each INT32 in 4 streams) instead
    // of PLAIN: better compression, fewer readers (see bench/README.md). Off by default.
    bool byte_stream_split = false;
    // bf16 activation values as RLE_DICTIONARY (the row group's distinct values, sorted, in a
    // dictionary page; bit-packed indices in the data pages) instead of PLAIN: ~0.8x the raw size
    // before any codec and several times faster to write (bench/README.md). Read by DuckDB,
    // hyparquet and pyarrow alike. Not used for float32 columns or with byte_stream_split.
    // A dictionary column chunk is stored UNCOMPRESSED (Parquet sets the codec per column chunk)
    // when `compression` shrinks its first data page by less than 5%: bit-packed indices of
    // spread-out values barely compress (0.4% in the bench) while zstd costs ~30% of the CPU.
    bool dictionary = true;
};

// The value of the footer key "huggingface": {"info": {"features": {...}}} exactly as
// datasets' json.dumps writes it (", " and ": " separators, List with length).
std::string HuggingFaceFeaturesJson(const std::vector<ActivationColumn>& columns);

// A writer's working memory: the row group being filled (~100 MB), the page buffers and codec
// contexts, the dictionaries. A caller writing shard after shard lends one to each writer in
// turn (ParquetShardWriter::Create): fresh memory costs a page fault per 4 KB on first touch,
// which took about a third of a fresh writer's CPU time (bench/README.md). Opaque to callers.
// Used by one writer at a time; it must outlive the writers it is lent to.
class ParquetWriterBuffers {
public:
    ParquetWriterBuffers();
    ~ParquetWriterBuffers();
    ParquetWriterBuffers(const ParquetWriterBuffers&) = delete;
    ParquetWriterBuffers& operator=(const ParquetWriterBuffers&) = delete;

private:
    friend class ParquetShardWriter;
    struct PageScratch;
    // The row group being filled, column by column.
    std::vector<std::int64_t> doc_ids;
    std::vector<std::int32_t> tok_pos;
    std::vector<std::int32_t> token_ids;
    std::vector<std::vector<std::byte>> activations;  // per column, row-major, as AddRow takes them
    std::vector<Uint16Dictionary> dictionaries;  // per activation column; used if UsesDictionary
    std::vector<Uint16Dictionary> partial_dictionaries;  // one per thread, filled at flush
    std::vector<PageScratch> scratch;  // one per page encoded at once
};

// One owner, not thread-safe.
class ParquetShardWriter : public ShardFileWriter {
public:
    // Opens `path` (via a temporary name). IOError naming the path. When `pool` is given (it
    // must outlive the writer), pages are encoded and compressed on its threads; the file's
    // bytes are the same either way. `buffers`, when given, is the writer's working memory
    // (borrowed; whatever an earlier writer left in it is discarded); else it has its own.
    static Result<std::unique_ptr<ParquetShardWriter>> Create(std::string path,
                                                              ParquetShardOptions options,
                                                              ThreadPool* pool = nullptr,
                                                              ParquetWriterBuffers* buffers = nullptr);
    ~ParquetShardWriter() override;

    // Appends one row; when the row group is full, writes it (IOError, ResourceExhausted on a
    // full disk, Internal if a codec fails). The bytes are copied before returning: the spans
    // are borrowed for the call only and need no alignment.
    // REQUIRES: activations.size() == activation_columns.size(); span c holds column c's width
    // values as little-endian bytes: width × 2 (kBf16Bits: uint16 bit patterns) or width × 4
    // (kFloat32: IEEE binary32, stored bit for bit, NaN payloads and -0.0 included).
    Status AddRow(std::int64_t doc_id, std::int32_t tok_pos, std::int32_t token_id,
                  std::span<const std::span<const std::byte>> activations) override;

    // As AddRow for each row in turn (the same file bytes), but a row group that starts with
    // nothing buffered and lies whole in the arguments is encoded where it lies, with no copy.
    Status AddRows(std::span<const std::int64_t> doc_ids, std::span<const std::int32_t> tok_pos,
                   std::span<const std::int32_t> token_ids,
                   std::span<const std::span<const std::byte>> activations) override;

    // Writes the last row group and the footer, then commits the file. ResourceExhausted on a
    // full disk; nothing is left under the final name on failure.
    Status Finish() override;

    std::int64_t rows() const override { return total_rows_; }
    // After Finish: the file's size and SHA-256 (hex), computed while writing.
    std::int64_t size_bytes() const override { return offset_; }
    const std::string& sha256() const override { return sha256_hex_; }
    std::int64_t rows_per_row_group() const { return rows_per_group_; }

private:
    // The rows of one row group, column by column (activations[c]: rows × row bytes of column c).
    struct RowGroupView {
        std::span<const std::int64_t> doc_ids;
        std::span<const std::int32_t> tok_pos;
        std::span<const std::int32_t> token_ids;
        std::vector<std::span<const std::byte>> activations;
    };

    ParquetShardWriter(AtomicFile file, ParquetShardOptions options, ThreadPool* pool,
                       ParquetWriterBuffers* buffers);
    // Encodes and writes the buffered rows, if any, as a row group, and empties the buffers.
    Status FlushRowGroup();
    // Encodes and writes `rows` as one row group. REQUIRES: at least one row.
    Status EncodeRowGroup(const RowGroupView& rows);
    // The value encoding of column `column` (schema order: doc_id, tok_pos, token_id, hooks...).
    parquet::Encoding ValueEncoding(std::size_t column) const;
    // Whether activation column `activation_column` (0-based among them) is dictionary-encoded.
    bool UsesDictionary(std::size_t activation_column) const;
    Status WriteBytes(std::string_view bytes);

    AtomicFile file_;
    ParquetShardOptions options_;
    ThreadPool* pool_;  // borrowed, may be null
    std::int64_t rows_per_group_ = 0;
    std::int64_t offset_ = 0;  // bytes written so far
    std::int64_t total_rows_ = 0;
    std::unique_ptr<ParquetWriterBuffers> own_buffers_;  // when none was lent
    ParquetWriterBuffers& buffers_;
    std::vector<RowGroupInfo> row_groups_;
    Sha256 sha256_;
    std::string sha256_hex_;
};

}  // namespace actcache::dataset
