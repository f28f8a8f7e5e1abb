// SafetensorsFile: a memory-mapped, validated safetensors file with zero-copy tensor views.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/mapped_file.h"
#include "core/status.h"
#include "model/safetensors_format.h"

namespace actcache::model {

// One tensor of a safetensors file. `bytes` borrows from the file that produced it and stays
// valid while that file (SafetensorsFile or Checkpoint) lives.
struct TensorView {
    std::string name;
    Dtype dtype = Dtype::kF32;
    std::vector<std::int64_t> shape;   // empty for a 0-rank tensor
    std::span<const std::byte> bytes;  // numel() * DtypeSizeBytes(dtype) bytes

    std::int64_t numel() const;
};

// The parsed, validated layout of a safetensors file.
struct SafetensorsLayout {
    std::vector<TensorView> tensors;              // sorted by data offset
    std::map<std::string, std::string> metadata;  // the "__metadata__" map (may be empty)
};

// Parses and validates a whole safetensors file held in memory. Never reads outside
// `file_bytes`. Errors are Corruption (or Unimplemented for an unknown dtype name), one line
// starting with `source_name` and naming the tensor where there is one: header length out of
// bounds, invalid JSON, wrong member types, unknown dtype, negative or non-integer dims,
// offsets outside the data section, offsets that do not tile it, shape x dtype size != span,
// duplicate names. Members of a tensor entry other than dtype/shape/data_offsets are ignored,
// as the Rust library does. Empty tensors (a zero dim) and 0-rank tensors (shape []) are legal.
// The views in the result borrow from `file_bytes`.
Result<SafetensorsLayout> ParseSafetensors(std::span<const std::byte> file_bytes,
                                           std::string_view source_name);

// Thread-safety: const methods thread-safe.
class SafetensorsFile {
public:
    // Maps and validates `path` (see ParseSafetensors; messages start with the path).
    static Result<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);

    const std::string& path() const { return file_->path(); }
    // Tensors sorted by data offset; views valid for the lifetime of this object.
    const std::vector<TensorView>& tensors() const { return layout_.tensors; }
    const std::map<std::string, std::string>& metadata() const { return layout_.metadata; }
    // nullptr when there is no tensor called `name`.
    const TensorView* Find(std::string_view name) const;
    // The memory map of the file (MappedFile::ReleasePages and Contains).
    const MappedFile& mapping() const { return *file_; }

private:
    SafetensorsFile(std::unique_ptr<MappedFile> file, SafetensorsLayout layout);

    std::unique_ptr<MappedFile> file_;
    SafetensorsLayout layout_;
    std::map<std::string, std::size_t, std::less<>> index_;  // name -> position in tensors
};

}  // namespace actcache::model
