// The "ARROW:schema" footer value: the Arrow schema of a shard as an IPC message, base64
// encoded, which pyarrow reads to restore fixed_size_list<uint16>[D] (fixed_size_list<float>[D]
// for float32 columns) and the "huggingface" schema metadata (reference/hf-formats-and-hub.md §A.5).
// The same message opens every save_to_disk .arrow stream (arrow_stream_writer.h).
#pragma once

#include <string>
#include <vector>

#include "dataset/parquet_shard_writer.h"

namespace actcache::dataset {

// Encapsulated IPC message (0xFFFFFFFF, int32 metadata length, flatbuffer Message{version V5,
// header Schema}, padded to 8 bytes) for: doc_id int64, tok_pos int32, token_id int32, then per
// column fixed_size_list<item: uint16>[width] (item: float, Arrow FloatingPoint(SINGLE), for a
// kFloat32 column), all nullable, schema metadata
// {"huggingface": huggingface_json}.
std::string ArrowSchemaMessage(const std::vector<ActivationColumn>& columns,
                               const std::string& huggingface_json);

// Base64 of ArrowSchemaMessage: the value stored under "ARROW:schema".
std::string ArrowSchemaFooterValue(const std::vector<ActivationColumn>& columns,
                                   const std::string& huggingface_json);

}  // namespace actcache::dataset
