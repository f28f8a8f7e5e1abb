// The safetensors file format: constants and dtypes shared by the reader and the writer.
//
// Layout (huggingface/safetensors; reference/llama32-spec.md §3):
//   bytes [0, 8)        N, the header length, uint64 little-endian
//   bytes [8, 8 + N)    UTF-8 JSON object: "<tensor name>": {"dtype": "BF16", "shape": [..],
//                       "data_offsets": [begin, end]}, plus optional "__metadata__": {str: str}
//   bytes [8 + N, end)  the data section; offsets are relative to its start, end is one past,
//                       and the tensors tile it exactly (no gaps, no overlap). Values are
//                       little-endian, C order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace actcache::model {

// Headers above this size are rejected before parsing (the Rust library's limit).
inline constexpr std::uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;
// The Rust writer pads the header with spaces to a multiple of this; readers accept any N.
inline constexpr std::uint64_t kSafetensorsHeaderAlignment = 8;
inline constexpr std::string_view kSafetensorsMetadataKey = "__metadata__";

enum class Dtype {
    kBool, kU8, kI8, kI16, kU16, kF16, kBF16, kI32, kU32, kF32, kF64, kI64, kU64,
    kF8E4M3, kF8E5M2,
};

// The dtype's name in headers: "BOOL", "U8", ..., "BF16", "F8_E4M3".
std::string_view DtypeName(Dtype dtype);
// Inverse of DtypeName; nullopt for names not listed above.
std::optional<Dtype> ParseDtypeName(std::string_view name);
// Bytes per element.
std::int64_t DtypeSizeBytes(Dtype dtype);

// A shape as messages print it: "[2048, 8192]", "[]" for a 0-rank tensor.
std::string FormatShape(const std::vector<std::int64_t>& shape);

}  // namespace actcache::model
