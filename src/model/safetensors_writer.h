// Writes safetensors files, streaming tensor data so that multi-GB checkpoints never need to
// be held in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/safetensors_format.h"

namespace actcache::model {

struct TensorSpec {
    std::string name;
    Dtype dtype = Dtype::kF32;
    std::vector<std::int64_t> shape;

    std::int64_t numel() const;
    std::int64_t size_bytes() const { return numel() * DtypeSizeBytes(dtype); }
};

// Fills `out` with the bytes [byte_offset, byte_offset + out.size()) of tensor number
// `tensor_index` (in the order given to WriteSafetensors). Called in file order, each tensor
// from its first byte to its last, in chunks of at most kSafetensorsWriteChunkBytes.
using TensorFiller = std::function<void(std::size_t tensor_index, std::int64_t byte_offset,
                                        std::span<std::byte> out)>;

inline constexpr std::int64_t kSafetensorsWriteChunkBytes = 64 << 20;

// Writes a safetensors file at `path` through an AtomicFile (it appears only complete). The
// header lists `metadata` under "__metadata__" (omitted when empty) and the tensors in the
// given order with contiguous offsets, padded with spaces to a multiple of 8 bytes.
// REQUIRES: distinct names, none equal to "__metadata__"; non-negative dims; sizes in bytes
// that fit in int64 (checked with ACT_CHECK: these are programmer errors, not bad input).
// Errors: IOError / ResourceExhausted naming the path; nothing is left under `path` on failure.
// `fill` is not called for empty tensors.
Status WriteSafetensors(const std::string& path, const std::vector<TensorSpec>& tensors,
                        const std::map<std::string, std::string>& metadata,
                        const TensorFiller& fill);

// The header bytes (8-byte length + padded JSON) WriteSafetensors would write. Compact JSON:
// `{"__metadata__":{..},"name":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]},..}`.
// REQUIRES: as for WriteSafetensors.
std::string BuildSafetensorsHeader(const std::vector<TensorSpec>& tensors,
                                   const std::map<std::string, std::string>& metadata);

}  // namespace actcache::model
