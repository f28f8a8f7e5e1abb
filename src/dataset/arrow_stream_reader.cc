// Reads the messages laid out in arrow_ipc_format.h and arrow_stream_writer.cc. A FlatBuffers
// table is read through its vtable (soffset at the table start; vtable u16 [vtable bytes,
// table bytes, field offsets...]); every offset is checked against the message's bounds, so a
// malformed file gives Corruption, never a read out of bounds.
#include "dataset/arrow_stream_reader.h"

#include <cstring>
#include <optional>

#include "core/file_util.h"
#include "dataset/arrow_ipc_format.h"

namespace actcache::dataset {
namespace {

// A bounds-checked view of one FlatBuffers buffer. Methods return nullopt on any offset that
// leaves the buffer.
class FbView {
public:
    explicit FbView(std::string_view buffer) : buffer_(buffer) {}

    template <typename T>
    std::optional<T> Load(std::size_t position) const {
        if (position > buffer_.size() || buffer_.size() - position < sizeof(T)) return std::nullopt;
        T value;
        std::memcpy(&value, buffer_.data() + position, sizeof(T));  // x86-64: little-endian
        return value;
    }
    std::optional<std::size_t> Root() const { return Follow(0); }
    // The position a uoffset at `position` points to.
    std::optional<std::size_t> Follow(std::size_t position) const {
        const auto offset = Load<std::uint32_t>(position);
        if (!offset) return std::nullopt;
        return position + *offset;
    }
    // The position of field `slot` inside the table at `table`; 0 when absent.
    std::optional<std::size_t> Field(std::size_t table, int slot) const {
        const auto soffset = Load<std::int32_t>(table);
        if (!soffset) return std::nullopt;
        const auto vtable = static_cast<std::int64_t>(table) - *soffset;
        if (vtable < 0) return std::nullopt;
        const auto vtable_bytes = Load<std::uint16_t>(static_cast<std::size_t>(vtable));
        if (!vtable_bytes) return std::nullopt;
        const std::size_t entry = 4 + 2 * static_cast<std::size_t>(slot);
        if (entry + 2 > *vtable_bytes) return std::size_t{0};
        const auto offset = Load<std::uint16_t>(static_cast<std::size_t>(vtable) + entry);
        if (!offset) return std::nullopt;
        return *offset == 0 ? 0 : table + *offset;
    }
    template <typename T>
    std::optional<T> Scalar(std::size_t table, int slot, T default_value) const {
        const auto position = Field(table, slot);
        if (!position) return std::nullopt;
        return *position == 0 ? default_value : Load<T>(*position);
    }
    // The referenced table/vector/string of field `slot`; 0 when absent.
    std::optional<std::size_t> Reference(std::size_t table, int slot) const {
        const auto position = Field(table, slot);
        if (!position || *position == 0) return position;
        return Follow(*position);
    }
    std::optional<std::string> String(std::size_t position) const {
        const auto length = Load<std::uint32_t>(position);
        if (!length || position + 4 + *length > buffer_.size()) return std::nullopt;
        return std::string(buffer_.substr(position + 4, *length));
    }

private:
    std::string_view buffer_;
};

// Field of Schema.fbs: { name, nullable, type_type, type, dictionary, children, custom_metadata }.
std::optional<ArrowStreamField> ParsePrimitive(const FbView& fb, std::size_t field) {
    const auto type_type = fb.Scalar<std::uint8_t>(field, 2, 0);
    const auto type = fb.Reference(field, 3);
    if (!type_type || !type || *type == 0) return std::nullopt;
    ArrowStreamField out;
    if (*type_type == arrow_ipc::kTypeInt) {
        const auto bits = fb.Scalar<std::int32_t>(*type, 0, 0);
        const auto is_signed = fb.Scalar<std::uint8_t>(*type, 1, 0);
        if (!bits || !is_signed || (*bits != 8 && *bits != 16 && *bits != 32 && *bits != 64))
            return std::nullopt;
        out.value_bytes = *bits / 8;
        out.is_signed = *is_signed != 0;
        return out;
    }
    if (*type_type == arrow_ipc::kTypeFloatingPoint) {
        const auto precision = fb.Scalar<std::int16_t>(*type, 0, 0);
        if (!precision || *precision < 0 || *precision > 2) return std::nullopt;
        out.value_bytes = 2 << *precision;  // HALF 2, SINGLE 4, DOUBLE 8
        out.is_float = true;
        return out;
    }
    return std::nullopt;
}

}  // namespace

Status ArrowStreamReader::Fail(std::int64_t offset, const std::string& what) const {
    return Status::Corruption(path_ + ": byte " + std::to_string(offset) + ": " + what);
}

Result<std::unique_ptr<ArrowStreamReader>> ArrowStreamReader::Open(const std::string& path) {
    ACT_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
    std::unique_ptr<ArrowStreamReader> reader(new ArrowStreamReader(path, std::move(bytes)));
    ACT_ASSIGN_OR_RETURN(std::string_view schema, reader->NextMessage());
    if (schema.empty()) return reader->Fail(0, "no schema message: not an Arrow IPC stream");
    ACT_RETURN_IF_ERROR(reader->ParseSchema(schema));
    return reader;
}

Result<std::string_view> ArrowStreamReader::NextMessage() {
    const auto size = static_cast<std::int64_t>(bytes_.size());
    if (offset_ == size) return std::string_view();
    if (size - offset_ < 8) return Fail(offset_, "truncated message header");
    std::uint32_t continuation;
    std::int32_t length;
    std::memcpy(&continuation, bytes_.data() + offset_, 4);
    std::memcpy(&length, bytes_.data() + offset_ + 4, 4);
    if (continuation != arrow_ipc::kContinuation) {
        return Fail(
            offset_,
            "expected the continuation marker 0xFFFFFFFF (an Arrow IPC *file* starts with ARROW1)");
    }
    if (length < 0 || length > size - offset_ - 8)
        return Fail(offset_, "metadata length " + std::to_string(length) + " past the end");
    const std::string_view message(bytes_.data() + offset_ + 8, static_cast<std::size_t>(length));
    offset_ += 8 + length;
    return message;  // empty: the end-of-stream marker
}

Status ArrowStreamReader::ParseSchema(std::string_view message) {
    const FbView fb(message);
    const auto root = fb.Root();
    const auto header_type = root ? fb.Scalar<std::uint8_t>(*root, 1, 0) : std::nullopt;
    const auto schema = root ? fb.Reference(*root, 2) : std::nullopt;
    if (!header_type || *header_type != arrow_ipc::kHeaderSchema || !schema || *schema == 0) {
        return Fail(0, "the first message is not a Schema");
    }
    const auto fields = fb.Reference(*schema, 1);
    const auto count =
        fields && *fields ? fb.Load<std::uint32_t>(*fields) : std::optional<std::uint32_t>(0);
    if (!fields || !count) return Fail(0, "malformed schema fields");
    for (std::uint32_t i = 0; i < *count; ++i) {
        const auto field = fb.Follow(*fields + 4 + 4 * i);
        const auto name_position = field ? fb.Reference(*field, 0) : std::nullopt;
        const auto name =
            name_position && *name_position ? fb.String(*name_position) : std::nullopt;
        const auto type_type = field ? fb.Scalar<std::uint8_t>(*field, 2, 0) : std::nullopt;
        if (!name || !type_type) return Fail(0, "malformed schema field " + std::to_string(i));
        std::optional<ArrowStreamField> parsed;
        if (*type_type == arrow_ipc::kTypeFixedSizeList) {
            const auto type = fb.Reference(*field, 3);
            const std::int32_t list_size =
                type && *type ? fb.Scalar<std::int32_t>(*type, 0, 0).value_or(0) : 0;
            const auto children = fb.Reference(*field, 5);
            const auto n_children =
                children && *children ? fb.Load<std::uint32_t>(*children) : std::nullopt;
            const auto child =
                n_children && *n_children == 1 ? fb.Follow(*children + 4) : std::nullopt;
            if (child && list_size > 0) parsed = ParsePrimitive(fb, *child);
            if (parsed) parsed->list_size = list_size;
        } else {
            parsed = ParsePrimitive(fb, *field);
        }
        if (!parsed) {
            return Fail(
                0, "field '" + *name +
                       "': type not understood (Int, FloatingPoint or a FixedSizeList of those)");
        }
        parsed->name = *name;
        fields_.push_back(std::move(*parsed));
    }
    const auto metadata = fb.Reference(*schema, 2);
    if (metadata && *metadata) {
        const auto n = fb.Load<std::uint32_t>(*metadata);
        for (std::uint32_t i = 0; n && i < *n; ++i) {
            const auto pair = fb.Follow(*metadata + 4 + 4 * i);
            const auto key = pair ? fb.Reference(*pair, 0) : std::nullopt;
            const auto value = pair ? fb.Reference(*pair, 1) : std::nullopt;
            const auto key_text = key && *key ? fb.String(*key) : std::nullopt;
            const auto value_text = value && *value ? fb.String(*value) : std::nullopt;
            if (!key_text || !value_text) return Fail(0, "malformed schema metadata");
            metadata_.emplace_back(*key_text, *value_text);
        }
    }
    return Status::Ok();
}

Result<bool> ArrowStreamReader::Next(ArrowRecordBatch& batch) {
    const std::int64_t message_offset = offset_;
    ACT_ASSIGN_OR_RETURN(std::string_view message, NextMessage());
    if (message.empty()) return false;
    const FbView fb(message);
    const auto root = fb.Root();
    const auto header_type = root ? fb.Scalar<std::uint8_t>(*root, 1, 0) : std::nullopt;
    const auto header = root ? fb.Reference(*root, 2) : std::nullopt;
    const auto body_bytes = root ? fb.Scalar<std::int64_t>(*root, 3, 0) : std::nullopt;
    if (!header_type || *header_type != arrow_ipc::kHeaderRecordBatch || !header || *header == 0 ||
        !body_bytes) {
        return Fail(message_offset, "expected a RecordBatch message");
    }
    const std::int64_t body_offset = offset_;
    if (*body_bytes < 0 || *body_bytes > static_cast<std::int64_t>(bytes_.size()) - body_offset) {
        return Fail(message_offset, "record batch body past the end of the file");
    }
    offset_ += *body_bytes;
    // RecordBatch { length; nodes: [FieldNode]; buffers: [Buffer]; compression }
    const auto rows = fb.Scalar<std::int64_t>(*header, 0, 0);
    const auto nodes = fb.Reference(*header, 1);
    const auto buffers = fb.Reference(*header, 2);
    const auto compression = fb.Reference(*header, 3);
    if (!rows || *rows < 0 || !nodes || !*nodes || !buffers || !*buffers || !compression) {
        return Fail(message_offset, "malformed RecordBatch");
    }
    if (*compression != 0)
        return Fail(message_offset, "compressed record batches are not supported");
    const auto n_nodes = fb.Load<std::uint32_t>(*nodes);
    const auto n_buffers = fb.Load<std::uint32_t>(*buffers);
    if (!n_nodes || !n_buffers) return Fail(message_offset, "malformed RecordBatch");
    std::uint32_t node = 0, buffer = 0;
    // The null count of the next node (nulls are not supported), and the next buffer's bytes.
    auto take_node = [&](std::int64_t expected_length) -> Status {
        const auto length = fb.Load<std::int64_t>(*nodes + 4 + 16 * node);
        const auto nulls = fb.Load<std::int64_t>(*nodes + 4 + 16 * node + 8);
        if (node >= *n_nodes || !length || !nulls)
            return Fail(message_offset, "too few field nodes");
        ++node;
        if (*length != expected_length)
            return Fail(message_offset, "a field node's length differs from the batch's");
        if (*nulls != 0) return Fail(message_offset, "null values are not supported");
        return Status::Ok();
    };
    auto take_buffer = [&](std::string_view& out) -> Status {
        const auto offset = fb.Load<std::int64_t>(*buffers + 4 + 16 * buffer);
        const auto length = fb.Load<std::int64_t>(*buffers + 4 + 16 * buffer + 8);
        if (buffer >= *n_buffers || !offset || !length)
            return Fail(message_offset, "too few buffers");
        ++buffer;
        if (*offset < 0 || *length < 0 || *offset > *body_bytes ||
            *length > *body_bytes - *offset) {
            return Fail(message_offset, "a buffer lies outside the body");
        }
        out = std::string_view(bytes_.data() + body_offset + *offset,
                               static_cast<std::size_t>(*length));
        return Status::Ok();
    };
    batch.rows = *rows;
    batch.values.assign(fields_.size(), std::string_view());
    for (std::size_t f = 0; f < fields_.size(); ++f) {
        const ArrowStreamField& field = fields_[f];
        std::string_view validity;
        ACT_RETURN_IF_ERROR(take_node(*rows));
        ACT_RETURN_IF_ERROR(take_buffer(validity));
        std::int64_t values = *rows;
        if (field.list_size > 0) {
            values = *rows * field.list_size;
            ACT_RETURN_IF_ERROR(take_node(values));
            ACT_RETURN_IF_ERROR(take_buffer(validity));
        }
        ACT_RETURN_IF_ERROR(take_buffer(batch.values[f]));
        if (static_cast<std::int64_t>(batch.values[f].size()) < values * field.value_bytes) {
            return Fail(message_offset, "field '" + field.name + "': values buffer shorter than " +
                                            std::to_string(values) + " values");
        }
        batch.values[f] =
            batch.values[f].substr(0, static_cast<std::size_t>(values * field.value_bytes));
    }
    return true;
}

}  // namespace actcache::dataset
