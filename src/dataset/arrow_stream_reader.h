// ArrowStreamReader: reads the Arrow IPC stream files of save_to_disk shards (what
// ArrowStreamWriter writes, and pyarrow for the same schema): the schema's fields and
// metadata, then record batch after record batch, each column's values as raw little-endian
// bytes. Only the types an activation dataset holds are understood: Int, FloatingPoint, and
// FixedSizeList of those; no nulls, no compression, no dictionaries.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace actcache::dataset {

struct ArrowStreamField {
    std::string name;
    int value_bytes = 0;         // bytes per value: 1, 2, 4 or 8
    bool is_float = false;       // FloatingPoint values (else Int)
    bool is_signed = true;       // Int values
    std::int64_t list_size = 0;  // values per row: 0 for a primitive, D for a fixed-size list
};

struct ArrowRecordBatch {
    std::int64_t rows = 0;
    // Per field: rows × max(1, list_size) values, value_bytes each, little-endian. Views into
    // the reader's bytes: valid while the reader lives.
    std::vector<std::string_view> values;
};

// One owner, not thread-safe.
class ArrowStreamReader {
public:
    // Reads the file whole and parses the schema message. NotFound/IOError naming the path;
    // Corruption "<path>: byte N: ..." for a malformed stream or a type outside the list above.
    static Result<std::unique_ptr<ArrowStreamReader>> Open(const std::string& path);

    const std::vector<ArrowStreamField>& fields() const { return fields_; }
    // Schema custom metadata, in file order ("huggingface" → features JSON).
    const std::vector<std::pair<std::string, std::string>>& metadata() const { return metadata_; }
    // Total bytes of the file.
    std::int64_t size_bytes() const { return static_cast<std::int64_t>(bytes_.size()); }
    const std::string& bytes() const { return bytes_; }

    // The next record batch into `batch`; false at the end-of-stream marker (or, as readers
    // allow, at the end of the file). Corruption naming the byte offset on malformed input.
    Result<bool> Next(ArrowRecordBatch& batch);

private:
    ArrowStreamReader(std::string path, std::string bytes)
        : path_(std::move(path)), bytes_(std::move(bytes)) {}
    // The next message's flatbuffer (empty at the end) and its offset; advances past it.
    Result<std::string_view> NextMessage();
    Status ParseSchema(std::string_view message);
    Status Fail(std::int64_t offset, const std::string& what) const;

    std::string path_;
    std::string bytes_;
    std::int64_t offset_ = 0;  // the next message starts here
    std::vector<ArrowStreamField> fields_;
    std::vector<std::pair<std::string, std::string>> metadata_;
};

}  // namespace actcache::dataset
