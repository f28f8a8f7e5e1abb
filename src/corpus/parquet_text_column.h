// ParquetTextColumn: the documents of a Parquet file, one per row of a string column, in row
// order — how Hub datasets published as Parquet (and refs/convert/parquet) are read.
//
// Parquet needs random access (the footer is at the end), so a URL is first copied to a
// temporary file (under TMPDIR, removed when done); a local file is mapped. The column is read
// one row group at a time, so memory is bounded by the largest row group's text.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "corpus/source_list.h"
#include "dataset/parquet_reader.h"

namespace actcache::corpus {

// True when `location` names a Parquet file (".parquet", before any URL query string).
bool IsParquetLocation(const std::string& location);

// One owner, not thread-safe.
class ParquetTextColumn {
public:
    // Opens `source` and finds the string column `field`: a top-level column name, or the dotted
    // path of a nested leaf ("meta.body"). NotFound naming the file and the column (with the
    // columns it has) when absent; InvalidArgument when the column is not a string column.
    static Result<std::unique_ptr<ParquetTextColumn>> Open(const Source& source, const std::string& field);
    ~ParquetTextColumn();

    // The next row's text (raw bytes, as stored), or false at the end. Corruption naming the
    // file for a malformed file or a null text.
    Result<bool> Next(std::string& text);

    const std::string& name() const { return name_; }

private:
    ParquetTextColumn(std::string name, std::string temporary_path,
                      std::unique_ptr<dataset::ParquetReader> reader, int column);

    std::string name_;            // what messages call it: the path or URL
    std::string temporary_path_;  // the downloaded copy of a URL, removed on destruction
    std::unique_ptr<dataset::ParquetReader> reader_;
    int column_;
    int next_row_group_ = 0;
    std::vector<std::string> texts_;  // the current row group's column
    std::size_t next_text_ = 0;
};

}  // namespace actcache::corpus
