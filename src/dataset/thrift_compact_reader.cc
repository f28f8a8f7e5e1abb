#include "dataset/thrift_compact_reader.h"

#include <string>

namespace actcache::dataset {

Status ThriftCompactReader::Error(std::string_view what) const {
    return Status::Corruption("offset " +
                              std::to_string(base_offset_ + static_cast<std::int64_t>(pos_)) +
                              ": " + std::string(what));
}

Status ThriftCompactReader::Byte(std::uint8_t& value) {
    if (pos_ >= bytes_.size()) return Error("truncated");
    value = static_cast<std::uint8_t>(bytes_[pos_++]);
    return Status::Ok();
}

Status ThriftCompactReader::Varint(std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos_ >= bytes_.size()) return Error("truncated varint");
        const auto b = static_cast<std::uint8_t>(bytes_[pos_++]);
        value |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) return Status::Ok();
    }
    return Error("varint longer than 10 bytes");
}

Status ThriftCompactReader::ZigZag(std::int64_t& value) {
    std::uint64_t raw = 0;
    ACT_RETURN_IF_ERROR(Varint(raw));
    value = static_cast<std::int64_t>(raw >> 1) ^ -static_cast<std::int64_t>(raw & 1);
    return Status::Ok();
}

Status ThriftCompactReader::BeginStruct() {
    if (last_field_ids_.size() >= static_cast<std::size_t>(kMaxDepth))
        return Error("structs nested too deep");
    last_field_ids_.push_back(0);
    return Status::Ok();
}

Status ThriftCompactReader::NextField(ThriftField& field) {
    if (last_field_ids_.empty()) return Error("field read outside a struct");
    std::uint8_t header = 0;
    ACT_RETURN_IF_ERROR(Byte(header));
    field.type = header & 0x0F;
    if (field.type == kStop) {
        if (header != 0) return Error("bad stop byte");
        field.id = 0;
        last_field_ids_.pop_back();
        return Status::Ok();
    }
    if (field.type > kStruct) return Error("unknown field type " + std::to_string(field.type));
    const int delta = header >> 4;
    if (delta != 0) {
        field.id = static_cast<std::int16_t>(last_field_ids_.back() + delta);
    } else {
        std::int64_t id = 0;
        ACT_RETURN_IF_ERROR(ZigZag(id));
        if (id < INT16_MIN || id > INT16_MAX) return Error("field id out of range");
        field.id = static_cast<std::int16_t>(id);
    }
    last_field_ids_.back() = field.id;
    return Status::Ok();
}

Status ThriftCompactReader::ReadInteger(const ThriftField& field, std::int64_t& value) {
    switch (field.type) {
        case kByte: {
            std::uint8_t b = 0;
            ACT_RETURN_IF_ERROR(Byte(b));
            value = static_cast<std::int8_t>(b);
            return Status::Ok();
        }
        case kI16:
        case kI32:
        case kI64: {
            ACT_RETURN_IF_ERROR(ZigZag(value));
            const std::int64_t limit = field.type == kI16   ? INT16_MAX
                                       : field.type == kI32 ? INT32_MAX
                                                            : INT64_MAX;
            if (value > limit || value < -limit - 1) return Error("integer out of range");
            return Status::Ok();
        }
        default:
            return Error("field " + std::to_string(field.id) + ": expected an integer, got type " +
                         std::to_string(field.type));
    }
}

Status ThriftCompactReader::ReadBool(const ThriftField& field, bool& value) {
    if (field.type != kBoolTrue && field.type != kBoolFalse) {
        return Error("field " + std::to_string(field.id) + ": expected a bool");
    }
    value = field.type == kBoolTrue;
    return Status::Ok();
}

Status ThriftCompactReader::ReadBinaryValue(std::string_view& value) {
    std::uint64_t length = 0;
    ACT_RETURN_IF_ERROR(Varint(length));
    if (length > bytes_.size() - pos_)
        return Error("binary of " + std::to_string(length) + " bytes truncated");
    value = std::string_view(reinterpret_cast<const char*>(bytes_.data()) + pos_, length);
    pos_ += length;
    return Status::Ok();
}

Status ThriftCompactReader::ReadBinary(const ThriftField& field, std::string_view& value) {
    if (field.type != kBinary)
        return Error("field " + std::to_string(field.id) + ": expected binary");
    return ReadBinaryValue(value);
}

Status ThriftCompactReader::ReadI32Value(std::int32_t& value) {
    std::int64_t wide = 0;
    ACT_RETURN_IF_ERROR(ZigZag(wide));
    if (wide > INT32_MAX || wide < INT32_MIN) return Error("i32 out of range");
    value = static_cast<std::int32_t>(wide);
    return Status::Ok();
}

Status ThriftCompactReader::ListHeader(std::uint8_t& element_type, std::int64_t& size) {
    std::uint8_t header = 0;
    ACT_RETURN_IF_ERROR(Byte(header));
    element_type = header & 0x0F;
    std::uint64_t count = header >> 4;
    if (count == 15) ACT_RETURN_IF_ERROR(Varint(count));
    if (element_type == kStop || element_type > kStruct) {
        return Error("unknown list element type " + std::to_string(element_type));
    }
    if (count > bytes_.size() - pos_)
        return Error("list of " + std::to_string(count) + " elements truncated");
    size = static_cast<std::int64_t>(count);
    return Status::Ok();
}

Status ThriftCompactReader::ReadListBegin(const ThriftField& field, std::uint8_t& element_type,
                                          std::int64_t& size) {
    if (field.type != kList && field.type != kSet) {
        return Error("field " + std::to_string(field.id) + ": expected a list");
    }
    return ListHeader(element_type, size);
}

Status ThriftCompactReader::Skip(std::uint8_t type) { return SkipValue(type, 0); }

Status ThriftCompactReader::SkipValue(std::uint8_t type, int depth) {
    if (depth > kMaxDepth) return Error("values nested too deep");
    std::uint64_t ignored = 0;
    switch (type) {
        case kBoolTrue:
        case kBoolFalse:
            return Status::Ok();  // a field's value is in its header
        case kByte: {
            std::uint8_t b = 0;
            return Byte(b);
        }
        case kI16:
        case kI32:
        case kI64:
            return Varint(ignored);
        case kDouble:
            if (bytes_.size() - pos_ < 8) return Error("truncated double");
            pos_ += 8;
            return Status::Ok();
        case kBinary: {
            std::string_view value;
            return ReadBinaryValue(value);
        }
        case kList:
        case kSet: {
            std::uint8_t element_type = 0;
            std::int64_t size = 0;
            ACT_RETURN_IF_ERROR(ListHeader(element_type, size));
            for (std::int64_t i = 0; i < size; ++i) {
                if (element_type == kBoolTrue || element_type == kBoolFalse) {
                    std::uint8_t b = 0;  // list elements of type bool take one byte each
                    ACT_RETURN_IF_ERROR(Byte(b));
                } else {
                    ACT_RETURN_IF_ERROR(SkipValue(element_type, depth + 1));
                }
            }
            return Status::Ok();
        }
        case kMap: {
            std::uint64_t size = 0;
            ACT_RETURN_IF_ERROR(Varint(size));
            if (size == 0) return Status::Ok();
            std::uint8_t types = 0;
            ACT_RETURN_IF_ERROR(Byte(types));
            if (size > bytes_.size() - pos_)
                return Error("map of " + std::to_string(size) + " entries truncated");
            const std::uint8_t key_type = types >> 4, value_type = types & 0x0F;
            for (const std::uint8_t t : {key_type, value_type}) {
                if (t == kStop || t > kStruct)
                    return Error("unknown map element type " + std::to_string(t));
            }
            for (std::uint64_t i = 0; i < size; ++i) {
                for (const std::uint8_t t : {key_type, value_type}) {
                    if (t == kBoolTrue || t == kBoolFalse) {
                        std::uint8_t b = 0;
                        ACT_RETURN_IF_ERROR(Byte(b));
                    } else {
                        ACT_RETURN_IF_ERROR(SkipValue(t, depth + 1));
                    }
                }
            }
            return Status::Ok();
        }
        case kStruct: {
            ACT_RETURN_IF_ERROR(BeginStruct());
            const std::size_t open = last_field_ids_.size();
            while (last_field_ids_.size() == open) {
                ThriftField field;
                ACT_RETURN_IF_ERROR(NextField(field));
                if (field.type != kStop) ACT_RETURN_IF_ERROR(SkipValue(field.type, depth + 1));
            }
            return Status::Ok();
        }
        default:
            return Error("cannot skip unknown type " + std::to_string(type));
    }
}

}  // namespace actcache::dataset
