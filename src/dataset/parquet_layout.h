// What a shard writer records about the column chunks and row groups it wrote, for the footer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataset/parquet_format.h"

namespace actcache::dataset {

struct ColumnChunkInfo {
    parquet::PhysicalType type = parquet::PhysicalType::kInt64;
    std::vector<std::string> path;  // path_in_schema
    std::int64_t num_values = 0;    // level entries (= values, no nulls)
    std::int64_t uncompressed_bytes = 0;  // page headers included (Parquet convention)
    std::int64_t compressed_bytes = 0;
    std::int64_t data_page_offset = 0;
    std::int64_t dictionary_page_offset = -1;  // -1: no dictionary page
    std::string min_value, max_value;  // PLAIN encodings
    parquet::Encoding encoding = parquet::Encoding::kPlain;  // of the values (data pages)
    bool compressed = true;  // false: stored UNCOMPRESSED, the file's codec did not pay here
};

struct RowGroupInfo {
    std::vector<ColumnChunkInfo> columns;  // schema order
    std::int64_t num_rows = 0;
    std::int64_t file_offset = 0;
};

}  // namespace actcache::dataset
