#include "dataset/thrift_compact.h"

#include "core/check.h"

namespace actcache::dataset {

void ThriftCompactWriter::Varint(std::uint64_t value) {
    while (value >= 0x80) {
        out_ += static_cast<char>((value & 0x7F) | 0x80);
        value >>= 7;
    }
    out_ += static_cast<char>(value);
}

void ThriftCompactWriter::BeginStruct() { last_field_ids_.push_back(0); }

void ThriftCompactWriter::EndStruct() {
    ACT_CHECK(!last_field_ids_.empty());
    out_ += '\0';  // STOP
    last_field_ids_.pop_back();
}

void ThriftCompactWriter::FieldHeader(std::int16_t id, std::uint8_t type) {
    ACT_CHECK(!last_field_ids_.empty());
    const int delta = id - last_field_ids_.back();
    if (delta > 0 && delta <= 15) {
        out_ += static_cast<char>((delta << 4) | type);
    } else {
        out_ += static_cast<char>(type);
        Varint(ZigZag(id));
    }
    last_field_ids_.back() = id;
}

void ThriftCompactWriter::FieldBool(std::int16_t id, bool value) {
    FieldHeader(id, value ? kBoolTrue : kBoolFalse);
}

void ThriftCompactWriter::FieldI8(std::int16_t id, std::int8_t value) {
    FieldHeader(id, kByte);
    out_ += static_cast<char>(value);
}

void ThriftCompactWriter::FieldI16(std::int16_t id, std::int16_t value) {
    FieldHeader(id, kI16);
    Varint(ZigZag(value));
}

void ThriftCompactWriter::FieldI32(std::int16_t id, std::int32_t value) {
    FieldHeader(id, kI32);
    Varint(ZigZag(value));
}

void ThriftCompactWriter::FieldI64(std::int16_t id, std::int64_t value) {
    FieldHeader(id, kI64);
    Varint(ZigZag(value));
}

void ThriftCompactWriter::FieldBinary(std::int16_t id, std::string_view value) {
    FieldHeader(id, kBinary);
    WriteBinary(value);
}

void ThriftCompactWriter::FieldStructBegin(std::int16_t id) {
    FieldHeader(id, kStruct);
    BeginStruct();
}

void ThriftCompactWriter::FieldListBegin(std::int16_t id, std::uint8_t element_type,
                                         std::int64_t size) {
    FieldHeader(id, kList);
    if (size < 15) {
        out_ += static_cast<char>((size << 4) | element_type);
    } else {
        out_ += static_cast<char>(0xF0 | element_type);
        Varint(static_cast<std::uint64_t>(size));
    }
}

void ThriftCompactWriter::WriteI32(std::int32_t value) { Varint(ZigZag(value)); }

void ThriftCompactWriter::WriteBinary(std::string_view value) {
    Varint(value.size());
    out_.append(value);
}

}  // namespace actcache::dataset
