// FlatBufferWriter: builds a FlatBuffers buffer front to back, for the FlatBuffers messages
// actcache writes (Arrow IPC Schema and RecordBatch messages: Parquet footers, .arrow streams).
//
// FlatBuffers rules kept here (google/flatbuffers docs "Internals"): the buffer starts with a
// uoffset to the root table; a table starts with an soffset to its vtable (table − vtable) and
// holds scalars aligned to their size and uoffsets (forward, relative to the offset's own
// position) to strings, vectors and sub-tables; a vtable is u16 [vtable bytes, table bytes,
// field offsets...]; strings are u32 length + bytes + NUL; vectors u32 length + elements, a
// vector of structs with its elements aligned to the struct's alignment.
// Writing children after their parent keeps every uoffset forward.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace actcache::dataset {

// A table to write: fields by vtable slot, each a scalar or a reference to a child.
struct FbTable {
    struct Field {
        int slot = 0;
        enum class Kind { kScalar, kString, kTable, kTableVector, kStructVector } kind = Kind::kScalar;
        std::string scalar;  // little-endian bytes (1, 2, 4 or 8), aligned to its size
        std::string text;    // kString; kStructVector: the structs' bytes, back to back
        std::size_t struct_bytes = 0;                   // kStructVector: bytes per struct
        std::unique_ptr<FbTable> table;                 // kTable
        std::vector<std::unique_ptr<FbTable>> tables;   // kTableVector
    };
    std::vector<Field> fields;  // move-only: children are owned through unique_ptr

    FbTable& Scalar8(int slot, std::uint8_t value);
    FbTable& Scalar16(int slot, std::int16_t value);
    FbTable& Scalar32(int slot, std::int32_t value);
    FbTable& Scalar64(int slot, std::int64_t value);
    FbTable& String(int slot, std::string value);
    FbTable& Table(int slot, std::unique_ptr<FbTable> table);
    FbTable& Tables(int slot, std::vector<std::unique_ptr<FbTable>> tables);
    // A vector of structs whose every member is 8 bytes (Arrow's FieldNode and Buffer: two
    // longs), so the elements are 8-aligned. REQUIRES: bytes.size() a multiple of struct_bytes,
    // struct_bytes a multiple of 8.
    FbTable& Structs(int slot, std::string bytes, std::size_t struct_bytes);

private:
    FbTable& AddScalar(int slot, std::string bytes);  // little-endian bytes of one scalar
};

// Serializes `root` as a complete FlatBuffers buffer (root uoffset first).
std::string WriteFlatBuffer(const FbTable& root);

}  // namespace actcache::dataset
