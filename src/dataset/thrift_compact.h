// ThriftCompactWriter: encodes Thrift structs in the compact protocol, the encoding of Parquet's
// page headers and file footer (apache/thrift doc/specs/thrift-compact-protocol.md).
//
//   field header   (delta << 4) | type  when 0 < field id − previous id <= 15,
//                  else type, then the field id as a zigzag varint
//   i16/i32/i64    zigzag varint;  binary: varint length + bytes
//   bool field     the type nibble is the value (1 true, 2 false), no payload
//   list header    (size << 4) | element type when size < 15, else 0xF0 | type, varint size
//   struct end     0x00
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace actcache::dataset {

// One owner, not thread-safe. Usage mirrors the struct being written:
//   w.BeginStruct(); w.FieldI32(1, 0); w.FieldStructBegin(5); ...; w.EndStruct(); w.EndStruct();
class ThriftCompactWriter {
public:
    void BeginStruct();  // a top-level struct, or an element of a list of structs
    void EndStruct();

    void FieldBool(std::int16_t id, bool value);
    void FieldI8(std::int16_t id, std::int8_t value);
    void FieldI16(std::int16_t id, std::int16_t value);
    void FieldI32(std::int16_t id, std::int32_t value);
    void FieldI64(std::int16_t id, std::int64_t value);
    void FieldBinary(std::int16_t id, std::string_view value);
    void FieldStructBegin(std::int16_t id);  // then fields, then EndStruct()
    // A list field of `size` elements of `element_type`; then write the elements (WriteI32,
    // WriteBinary, or BeginStruct/EndStruct per element).
    void FieldListBegin(std::int16_t id, std::uint8_t element_type, std::int64_t size);

    void WriteI32(std::int32_t value);
    void WriteBinary(std::string_view value);

    const std::string& bytes() const { return out_; }
    std::string Take() { return std::move(out_); }

    // Compact protocol type codes.
    static constexpr std::uint8_t kBoolTrue = 1, kBoolFalse = 2, kByte = 3, kI16 = 4, kI32 = 5,
                                  kI64 = 6, kDouble = 7, kBinary = 8, kList = 9, kStruct = 12;

private:
    void FieldHeader(std::int16_t id, std::uint8_t type);
    void Varint(std::uint64_t value);
    static std::uint64_t ZigZag(std::int64_t value) {
        return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
    }

    std::string out_;
    std::vector<std::int16_t> last_field_ids_;  // one per open struct
};

}  // namespace actcache::dataset
