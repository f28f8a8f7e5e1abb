// ThriftCompactReader: decodes Thrift structs in the compact protocol (the encoding of Parquet's
// page headers and file footer), the inverse of ThriftCompactWriter (thrift_compact.h has the
// byte layout). Input is untrusted: every read is bounds-checked, and malformed bytes give
// Status::Corruption naming the byte offset ("offset 1234: truncated varint"), never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace actcache::dataset {

// One field header: `type` is a compact type code (ThriftCompactWriter::kI32, ...); kStop (0)
// marks the end of the struct.
struct ThriftField {
    std::int16_t id = 0;
    std::uint8_t type = 0;
};

// One owner, not thread-safe; borrows `bytes`, which must outlive it. Usage mirrors the struct:
//   ACT_RETURN_IF_ERROR(r.BeginStruct());
//   for (ThriftField f; ;) { ACT_RETURN_IF_ERROR(r.NextField(f)); if (f.type == kStop) break;
//                            switch (f.id) { case 1: r.ReadInteger(f, x); ... default:
//                            r.Skip(f.type); } }
class ThriftCompactReader {
public:
    // `base_offset` is added to positions in error messages (the bytes' offset in their file).
    explicit ThriftCompactReader(std::span<const std::byte> bytes, std::int64_t base_offset = 0)
        : bytes_(bytes), base_offset_(base_offset) {}

    // Enters a struct (top level, a struct field, or a list element). Corruption past
    // kMaxDepth nested structs.
    Status BeginStruct();
    // Reads the next field header of the innermost struct; on kStop leaves the struct.
    Status NextField(ThriftField& field);

    // The value of an integer field of any width (byte, i16, i32, i64); Corruption on another
    // type.
    Status ReadInteger(const ThriftField& field, std::int64_t& value);
    // The value of a bool field (carried by the header's type nibble).
    Status ReadBool(const ThriftField& field, bool& value);
    // A binary/string field's bytes (a view into the input).
    Status ReadBinary(const ThriftField& field, std::string_view& value);
    // Binary and i32 values without a field header (list elements).
    Status ReadBinaryValue(std::string_view& value);
    Status ReadI32Value(std::int32_t& value);
    // A list or set header: element type and count. The count is checked against the bytes
    // left (every element takes at least one byte), so it is safe to reserve.
    Status ReadListBegin(const ThriftField& field, std::uint8_t& element_type, std::int64_t& size);

    // Skips one value of compact type `type` (any type: bool, integers, double, binary, list,
    // set, map, struct), recursing at most kMaxDepth levels.
    Status Skip(std::uint8_t type);

    // Bytes consumed so far (relative to the start of `bytes`).
    std::size_t position() const { return pos_; }

    static constexpr std::uint8_t kStop = 0, kBoolTrue = 1, kBoolFalse = 2, kByte = 3, kI16 = 4,
                                  kI32 = 5, kI64 = 6, kDouble = 7, kBinary = 8, kList = 9,
                                  kSet = 10, kMap = 11, kStruct = 12;
    static constexpr int kMaxDepth = 64;

private:
    Status Error(std::string_view what) const;  // Corruption "offset N: what"
    Status Byte(std::uint8_t& value);
    Status Varint(std::uint64_t& value);
    Status ZigZag(std::int64_t& value);
    Status SkipValue(std::uint8_t type, int depth);
    Status ListHeader(std::uint8_t& element_type, std::int64_t& size);

    std::span<const std::byte> bytes_;
    std::int64_t base_offset_;
    std::size_t pos_ = 0;
    std::vector<std::int16_t> last_field_ids_;  // one per open struct
};

}  // namespace actcache::dataset
