// The FileMetaData of a shard (Thrift compact): schema, row groups with column chunk metadata
// and statistics, key/value metadata ("huggingface", "ARROW:schema"), column orders.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataset/parquet_layout.h"
#include "dataset/parquet_shard_writer.h"

namespace actcache::dataset {

// The footer bytes that precede the 4-byte footer length and the closing "PAR1".
std::string SerializeFileMetaData(const std::vector<ActivationColumn>& columns,
                                  Compression compression, const std::vector<RowGroupInfo>& row_groups,
                                  std::int64_t total_rows);

}  // namespace actcache::dataset
