// ParquetReader: reads Parquet files column chunk by column chunk: the shards
// ParquetShardWriter writes (parquet_shard_writer.h; this is the inverse of its layout) and
// ordinary files from other writers (checked against DuckDB's) whose columns are flat INT32 /
// INT64 / FLOAT / BYTE_ARRAY or one-level lists of them (list<int32>, list<uint16>,
// list<float>).
//
//   auto reader = ParquetReader::Open("shard.parquet");            // footer parsed, file mapped
//   ACT_ASSIGN_OR_RETURN(int acts, (*reader)->FindColumn("activacion"));
//   (*reader)->ReadInt32(rg, acts, values, &offsets);              // row r: values[offsets[r]..)
//
// Supported: data pages v1 and v2; PLAIN, RLE_DICTIONARY / PLAIN_DICTIONARY (with a dictionary
// page), BYTE_STREAM_SPLIT (integers and FLOAT), DELTA_BINARY_PACKED integers,
// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY strings; RLE/bit-packed hybrid levels;
// codecs UNCOMPRESSED, SNAPPY, GZIP, ZSTD. Not supported (Unimplemented, naming the file):
// other codecs (LZ4, BROTLI, LZO) and encodings (BIT_PACKED levels), nested lists (max
// repetition level > 1), column chunks in other files; DOUBLE/BOOLEAN/INT96/
// FIXED_LEN_BYTE_ARRAY columns have no Read method. Page CRCs are not verified.
//
// The file is untrusted. Every offset and size is checked against the file before it is used
// or allocated, and any inconsistency is a one-line Status::Corruption naming the file and the
// place: "x.parquet: column 'doc_id' row group 0: page header at offset 1234: truncated".
// Nulls are not represented: a null value (or a null list element) is Corruption
// "unexpected null"; a null list reads as an empty list.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/mapped_file.h"
#include "core/status.h"
#include "dataset/parquet_format.h"

namespace actcache::dataset {

// One leaf column of the schema (a column chunk per row group).
struct ParquetColumnInfo {
    std::string path;  // dotted path_in_schema, e.g. "doc_id", "activacion.list.element"
    parquet::PhysicalType physical = parquet::PhysicalType::kInt32;  // raw thrift value if unnamed
    int max_definition_level = 0;
    int max_repetition_level = 0;
};

// Thread-safety: after Open, const methods are thread-safe (the map is read-only; each read
// allocates its own buffers).
class ParquetReader {
public:
    // Maps `path`, checks "PAR1" at both ends and parses the footer (FileMetaData): the schema,
    // the row groups and their column chunks (each checked to lie inside the file). NotFound /
    // IOError from the map, Corruption for a malformed file.
    static Result<std::unique_ptr<ParquetReader>> Open(const std::string& path);
    ~ParquetReader();

    const std::string& path() const { return path_; }
    std::int64_t num_rows() const { return num_rows_; }
    int num_row_groups() const { return static_cast<int>(row_groups_.size()); }
    // REQUIRES: 0 <= rg < num_row_groups().
    std::int64_t row_group_rows(int rg) const;
    const std::vector<ParquetColumnInfo>& leaf_columns() const { return columns_; }

    // The first leaf column under top-level field `name` ("doc_id", "activacion"). NotFound
    // naming the file and the field.
    Result<int> FindColumn(std::string_view name) const;

    // A footer key_value_metadata value ("huggingface", "ARROW:schema"); nullopt if absent.
    std::optional<std::string> key_value(std::string_view key) const;

    // Read one column chunk: leaf `column` of row group `rg`, replacing the vectors' contents.
    // Flat columns give one value per row. List columns (max repetition level 1) need
    // `list_offsets`: `values` is then every element in order and `list_offsets` has
    // row_group_rows(rg) + 1 entries, row r being values[offsets[r], offsets[r + 1]).
    // InvalidArgument when the column's physical type is not the one read (ReadInt32 reads any
    // INT32 column, INT(16, false) included), or a list column is read without offsets. A
    // flat column read with `list_offsets` gets 0, 1, ..., rows (one value per row). On error
    // the vectors are left empty.
    // REQUIRES: rg and column in range.
    Status ReadInt64(int rg, int column, std::vector<std::int64_t>& values,
                     std::vector<std::int64_t>* list_offsets = nullptr) const;
    Status ReadInt32(int rg, int column, std::vector<std::int32_t>& values,
                     std::vector<std::int64_t>* list_offsets = nullptr) const;
    // FLOAT columns (float32 activations), every bit as stored: NaN payloads, -0.0,
    // denormals and infinities included. PLAIN, dictionary or BYTE_STREAM_SPLIT.
    Status ReadFloat(int rg, int column, std::vector<float>& values,
                     std::vector<std::int64_t>* list_offsets = nullptr) const;
    Status ReadStrings(int rg, int column, std::vector<std::string>& values,
                       std::vector<std::int64_t>* list_offsets = nullptr) const;

    // Where a column chunk lies and how it is stored (from its ColumnMetaData, checked against
    // the file at Open). A decoding detail, public only for the .cc's page decoder.
    struct Chunk {
        std::int64_t start = 0;  // first page (dictionary page if any)
        std::int64_t size = 0;   // total_compressed_size
        std::int64_t num_values = 0;
        std::int32_t codec = 0;
    };

private:
    // What decoding a leaf needs beyond ParquetColumnInfo.
    struct Leaf {
        std::string top_level_name;
        int repeated_definition_level = 0;  // definition level of the repeated ancestor (lists)
    };
    struct RowGroup {
        std::int64_t num_rows = 0;
        std::vector<Chunk> chunks;  // one per leaf
    };

    explicit ParquetReader(std::unique_ptr<MappedFile> file);
    Status ParseFooter();
    template <typename T>
    Status ReadColumn(int rg, int column, parquet::PhysicalType type, std::vector<T>& values,
                      std::vector<std::int64_t>* list_offsets) const;

    std::unique_ptr<MappedFile> file_;
    std::string path_;
    std::int64_t num_rows_ = 0;
    std::vector<ParquetColumnInfo> columns_;
    std::vector<Leaf> leaves_;
    std::vector<RowGroup> row_groups_;
    std::vector<std::pair<std::string, std::string>> key_values_;
};

}  // namespace actcache::dataset
