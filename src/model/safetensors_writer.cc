// Writes safetensors files: a header built as compact JSON text, then the tensor data streamed
// through one reusable buffer, so memory use is bounded by kSafetensorsWriteChunkBytes whatever
// the size of the checkpoint.
#include "model/safetensors_writer.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <vector>

#include "core/file_util.h"
#include "core/json.h"

namespace actcache::model {

std::int64_t TensorSpec::numel() const {
    std::int64_t n = 1;
    for (std::int64_t dim : shape) n *= dim;
    return n;
}

std::string BuildSafetensorsHeader(const std::vector<TensorSpec>& tensors,
                                   const std::map<std::string, std::string>& metadata) {
    // The JSON is assembled as text rather than through JsonValue::Set, whose duplicate-key scan
    // is linear per member: headers of large checkpoints hold thousands of tensors.
    std::string json = "{";
    if (!metadata.empty()) {
        AppendJsonString(kSafetensorsMetadataKey, json);
        json += ":{";
        bool first = true;
        for (const auto& [key, value] : metadata) {
            if (!first) json += ',';
            first = false;
            AppendJsonString(key, json);
            json += ':';
            AppendJsonString(value, json);
        }
        json += '}';
    }
    std::set<std::string_view> seen;
    std::int64_t offset = 0;
    for (const TensorSpec& spec : tensors) {
        // REQUIRES: distinct names, none of them "__metadata__" (the reader would take that
        // entry for the metadata map).
        ACT_CHECK(spec.name != kSafetensorsMetadataKey);
        ACT_CHECK(seen.insert(spec.name).second);
        if (json.size() > 1) json += ',';
        AppendJsonString(spec.name, json);
        json += ":{\"dtype\":";
        AppendJsonString(DtypeName(spec.dtype), json);
        json += ",\"shape\":[";
        std::int64_t size_bytes = DtypeSizeBytes(spec.dtype);
        for (std::size_t dim_idx = 0; dim_idx < spec.shape.size(); ++dim_idx) {
            const std::int64_t dim = spec.shape[dim_idx];
            ACT_CHECK(dim >= 0);  // REQUIRES: non-negative dims
            // A size past int64 would be an impossible request (no such file can exist).
            ACT_CHECK(!__builtin_mul_overflow(size_bytes, dim, &size_bytes));
            if (dim_idx > 0) json += ',';
            json += std::to_string(dim);
        }
        json += "],\"data_offsets\":[" + std::to_string(offset) + ',';
        ACT_CHECK(!__builtin_add_overflow(offset, size_bytes, &offset));
        json += std::to_string(offset) + "]}";
    }
    json += '}';
    // Pad with spaces (JSON whitespace) so that the data section starts 8-byte aligned, as the
    // Rust writer does; this lets readers view mmapped F32/F64 data without copying.
    json.append((kSafetensorsHeaderAlignment - json.size() % kSafetensorsHeaderAlignment) %
                    kSafetensorsHeaderAlignment,
                ' ');
    std::string out(8, '\0');
    const std::uint64_t length = json.size();
    for (int byte_idx = 0; byte_idx < 8; ++byte_idx) {
        out[byte_idx] = static_cast<char>((length >> (8 * byte_idx)) & 0xFF);  // little-endian
    }
    return out + json;
}

Status WriteSafetensors(const std::string& path, const std::vector<TensorSpec>& tensors,
                        const std::map<std::string, std::string>& metadata,
                        const TensorFiller& fill) {
    const std::string header = BuildSafetensorsHeader(tensors, metadata);  // checks REQUIRES
    ACT_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(path));
    ACT_RETURN_IF_ERROR(file.Append(header));

    // One buffer for the whole file, no larger than the largest tensor needs.
    std::int64_t buffer_bytes = 0;
    for (const TensorSpec& spec : tensors) {
        buffer_bytes =
            std::max(buffer_bytes, std::min(spec.size_bytes(), kSafetensorsWriteChunkBytes));
    }
    std::vector<std::byte> buffer(static_cast<std::size_t>(buffer_bytes));
    for (std::size_t tensor_idx = 0; tensor_idx < tensors.size(); ++tensor_idx) {
        const std::int64_t size_bytes = tensors[tensor_idx].size_bytes();
        for (std::int64_t offset = 0; offset < size_bytes; offset += kSafetensorsWriteChunkBytes) {
            const auto chunk_bytes = static_cast<std::size_t>(
                std::min(kSafetensorsWriteChunkBytes, size_bytes - offset));
            const std::span<std::byte> chunk(buffer.data(), chunk_bytes);
            fill(tensor_idx, offset, chunk);
            ACT_RETURN_IF_ERROR(file.Append(chunk));
        }
    }
    // On any error above, `file` dies uncommitted and removes its temporary file.
    return file.Commit();
}

}  // namespace actcache::model
