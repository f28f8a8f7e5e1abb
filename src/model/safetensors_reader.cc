// Parses and validates safetensors files (layout in safetensors_format.h). Every check runs
// before any tensor byte is addressed, so a corrupt file cannot make us read out of bounds: the
// only reads of `file_bytes` are the 8-byte length and the header text, both bounds-checked
// first, and every view handed out lies inside the data section.
#include "model/safetensors_reader.h"

#include <algorithm>
#include <tuple>

#include "core/json.h"

namespace actcache::model {
namespace {

// One tensor entry of the header, after its members were type-checked.
struct Entry {
    std::string name;
    Dtype dtype = Dtype::kF32;
    std::vector<std::int64_t> shape;
    std::int64_t begin = 0;  // data_offsets, relative to the data section
    std::int64_t end = 0;
};

// Builds the one-line messages; all of them start with the source name.
class HeaderChecker {
public:
    explicit HeaderChecker(std::string_view source) : source_(source) {}

    Status Error(const std::string& what) const {
        return Status::Corruption(std::string(source_) + ": " + what);
    }
    Status TensorError(const std::string& name, const std::string& what) const {
        return Error("tensor '" + name + "': " + what);
    }

    // Type-checks one tensor entry and its byte size; does not look at the data section.
    Result<Entry> ParseEntry(const std::string& name, const JsonValue& value) const {
        if (!value.is_object()) {
            return TensorError(name, "expected an object, found " + TypeOf(value));
        }
        Entry entry;
        entry.name = name;
        ACT_ASSIGN_OR_RETURN(const JsonValue* dtype,
                             Member(name, value, "dtype", JsonType::kString));
        std::optional<Dtype> parsed = ParseDtypeName(dtype->as_string());
        if (!parsed) {
            // Newer writers add dtypes (F8_E8M0, F4, ...): a valid file this version cannot read.
            return Status::Unimplemented(std::string(source_) + ": tensor '" + name +
                                         "': unsupported dtype \"" + dtype->as_string() + "\"");
        }
        entry.dtype = *parsed;

        ACT_ASSIGN_OR_RETURN(const JsonValue* shape,
                             Member(name, value, "shape", JsonType::kArray));
        for (std::size_t dim_idx = 0; dim_idx < shape->items().size(); ++dim_idx) {
            const JsonValue& dim = shape->items()[dim_idx];
            if (!dim.is_integer() || dim.as_int64() < 0) {
                return TensorError(name, "shape[" + std::to_string(dim_idx) +
                                             "] must be a non-negative integer, found " +
                                             SerializeJson(dim));
            }
            entry.shape.push_back(dim.as_int64());
        }

        ACT_ASSIGN_OR_RETURN(const JsonValue* offsets,
                             Member(name, value, "data_offsets", JsonType::kArray));
        const std::vector<JsonValue>& pair = offsets->items();
        if (pair.size() != 2 || !pair[0].is_integer() || !pair[1].is_integer() ||
            pair[0].as_int64() < 0 || pair[1].as_int64() < pair[0].as_int64()) {
            return TensorError(name,
                               "data_offsets must be [begin, end] with integers 0 <= begin "
                               "<= end, found " +
                                   SerializeJson(*offsets));
        }
        entry.begin = pair[0].as_int64();
        entry.end = pair[1].as_int64();
        return entry;
    }

    // Checks the entry's span against its shape and the data section.
    Status CheckSpan(const Entry& entry, std::int64_t data_size) const {
        // numel x dtype size, with every partial product checked: dims come from the file and
        // their product can exceed int64 (the Rust library rejects such shapes too). Checking
        // the size in bytes also proves that TensorView::numel() cannot overflow.
        std::int64_t expected_bytes = DtypeSizeBytes(entry.dtype);
        for (std::int64_t dim : entry.shape) {
            if (__builtin_mul_overflow(expected_bytes, dim, &expected_bytes)) {
                return TensorError(entry.name, "shape " + FormatShape(entry.shape) + " x " +
                                                   std::string(DtypeName(entry.dtype)) +
                                                   " overflows int64 bytes");
            }
        }
        if (entry.end > data_size) {
            return TensorError(entry.name, "data_offsets end " + std::to_string(entry.end) +
                                               " is past the end of the data section (" +
                                               std::to_string(data_size) + " bytes)");
        }
        const std::int64_t found_bytes = entry.end - entry.begin;
        if (found_bytes != expected_bytes) {
            return TensorError(entry.name, "data_offsets [" + std::to_string(entry.begin) + ", " +
                                               std::to_string(entry.end) + "] span " +
                                               std::to_string(found_bytes) + " bytes, but shape " +
                                               FormatShape(entry.shape) + " x " +
                                               std::string(DtypeName(entry.dtype)) + " needs " +
                                               std::to_string(expected_bytes));
        }
        return Status::Ok();
    }

    // REQUIRES: `entries` sorted by (begin, end). The spans must tile [0, data_size).
    Status CheckTiling(const std::vector<Entry>& entries, std::int64_t data_size) const {
        std::int64_t position = 0;
        const Entry* previous = nullptr;
        for (const Entry& entry : entries) {
            if (entry.begin != position) {
                if (previous == nullptr) {
                    return TensorError(entry.name, "the first tensor begins at " +
                                                       std::to_string(entry.begin) +
                                                       ", leaving a gap at the start of the data "
                                                       "section (expected 0)");
                }
                const std::string pair_text =
                    "tensor '" + previous->name + "' [" + std::to_string(previous->begin) + ", " +
                    std::to_string(previous->end) + "] and tensor '" + entry.name + "' [" +
                    std::to_string(entry.begin) + ", " + std::to_string(entry.end) + "]";
                return Error(entry.begin > position
                                 ? "gap of " + std::to_string(entry.begin - position) +
                                       " bytes between " + pair_text
                                 : "overlap between " + pair_text);
            }
            position = entry.end;
            previous = &entry;
        }
        if (position != data_size) {
            return Error(
                "data section is " + std::to_string(data_size) + " bytes but the tensors end at " +
                std::to_string(position) + " (" + std::to_string(data_size - position) +
                " trailing bytes" +
                (previous == nullptr ? std::string() : " after tensor '" + previous->name + "'") +
                ")");
        }
        return Status::Ok();
    }

private:
    static std::string TypeOf(const JsonValue& value) {
        return std::string(JsonTypeName(value.type()));
    }

    Result<const JsonValue*> Member(const std::string& name, const JsonValue& entry,
                                    std::string_view key, JsonType type) const {
        const JsonValue* member = entry.Find(key);
        if (member == nullptr) return TensorError(name, "missing \"" + std::string(key) + "\"");
        if (member->type() != type) {
            return TensorError(
                name, "\"" + std::string(key) + "\" must be " +
                          std::string(type == JsonType::kString ? "a string" : "an array") +
                          ", found " + TypeOf(*member));
        }
        return member;
    }

    std::string_view source_;
};

}  // namespace

std::int64_t TensorView::numel() const {
    std::int64_t n = 1;
    for (std::int64_t dim : shape) n *= dim;  // ParseSafetensors proved this cannot overflow
    return n;
}

Result<SafetensorsLayout> ParseSafetensors(std::span<const std::byte> file_bytes,
                                           std::string_view source_name) {
    const HeaderChecker checker(source_name);
    const std::uint64_t file_size = file_bytes.size();
    if (file_size < 8) {
        return checker.Error("file is " + std::to_string(file_size) +
                             " bytes, too short for the 8-byte header length");
    }
    std::uint64_t header_length = 0;  // little-endian
    for (int byte_idx = 7; byte_idx >= 0; --byte_idx) {
        header_length = (header_length << 8) | static_cast<std::uint8_t>(file_bytes[byte_idx]);
    }
    if (header_length == 0) return checker.Error("header length is 0");
    if (header_length > kSafetensorsMaxHeaderBytes) {
        return checker.Error("header length " + std::to_string(header_length) +
                             " exceeds the limit of " + std::to_string(kSafetensorsMaxHeaderBytes) +
                             " bytes");
    }
    // file_size >= 8 here, so the subtraction cannot wrap (8 + N could, for a huge N).
    if (header_length > file_size - 8) {
        return checker.Error("header length " + std::to_string(header_length) + " needs " +
                             std::to_string(8 + header_length) + " bytes, but the file has " +
                             std::to_string(file_size));
    }
    const std::string_view header_text(reinterpret_cast<const char*>(file_bytes.data()) + 8,
                                       static_cast<std::size_t>(header_length));
    Result<JsonValue> header = ParseJson(header_text);  // rejects duplicate names
    if (!header.ok()) return checker.Error("header: " + header.status().message());
    if (!header->is_object()) {
        return checker.Error("header: expected a JSON object, found " +
                             std::string(JsonTypeName(header->type())));
    }

    const std::span<const std::byte> data = file_bytes.subspan(8 + header_length);
    const auto data_size = static_cast<std::int64_t>(data.size());
    SafetensorsLayout layout;
    std::vector<Entry> entries;
    entries.reserve(header->members().size());
    for (const auto& [name, value] : header->members()) {
        if (name == kSafetensorsMetadataKey) {
            if (!value.is_object()) {
                return checker.Error("\"__metadata__\" must be an object of strings, found " +
                                     std::string(JsonTypeName(value.type())));
            }
            for (const auto& [key, item] : value.members()) {
                if (!item.is_string()) {
                    return checker.Error("\"__metadata__\".\"" + key +
                                         "\" must be a string, found " +
                                         std::string(JsonTypeName(item.type())));
                }
                layout.metadata[key] = item.as_string();
            }
            continue;
        }
        ACT_ASSIGN_OR_RETURN(Entry entry, checker.ParseEntry(name, value));
        ACT_RETURN_IF_ERROR(checker.CheckSpan(entry, data_size));
        entries.push_back(std::move(entry));
    }

    // Readers must go by the offsets, not by header order (the Rust writer orders by dtype,
    // then name). Ties are empty tensors sharing an offset; the name makes the order stable.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
    });
    ACT_RETURN_IF_ERROR(checker.CheckTiling(entries, data_size));

    layout.tensors.reserve(entries.size());
    for (Entry& entry : entries) {
        // In bounds: 0 <= begin <= end <= data_size (CheckSpan).
        const auto offset = static_cast<std::size_t>(entry.begin);
        const auto size = static_cast<std::size_t>(entry.end - entry.begin);
        layout.tensors.push_back(TensorView{std::move(entry.name), entry.dtype,
                                            std::move(entry.shape), data.subspan(offset, size)});
    }
    return layout;
}

SafetensorsFile::SafetensorsFile(std::unique_ptr<MappedFile> file, SafetensorsLayout layout)
    : file_(std::move(file)), layout_(std::move(layout)) {
    for (std::size_t tensor_idx = 0; tensor_idx < layout_.tensors.size(); ++tensor_idx) {
        index_.emplace(layout_.tensors[tensor_idx].name, tensor_idx);
    }
}

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
    ACT_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> file, MappedFile::Open(path));
    ACT_ASSIGN_OR_RETURN(SafetensorsLayout layout, ParseSafetensors(file->bytes(), path));
    // The views point into the mapping, which moves into the object with them and stays put.
    return std::unique_ptr<SafetensorsFile>(
        new SafetensorsFile(std::move(file), std::move(layout)));
}

const TensorView* SafetensorsFile::Find(std::string_view name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &layout_.tensors[it->second];
}

}  // namespace actcache::model
