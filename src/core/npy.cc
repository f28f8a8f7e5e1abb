#include "core/npy.h"

#include "core/file_util.h"

namespace actcache {
namespace {

std::string NpyHeader(const char* descr, const std::vector<std::int64_t>& shape) {
    std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        dict += std::to_string(shape[i]);
        if (i + 1 < shape.size() || shape.size() == 1) dict += ", ";  // (n,) for 1-D
    }
    if (shape.size() == 1) dict.pop_back();
    dict += "), }";
    // magic (6) + version (2) + length (2) + dict + padding + '\n' = multiple of 64
    constexpr std::size_t kPrefix = 10;
    std::size_t total = kPrefix + dict.size() + 1;
    total = (total + 63) / 64 * 64;
    dict.append(total - kPrefix - dict.size() - 1, ' ');
    dict += '\n';
    const std::size_t length = dict.size();
    std::string header = "\x93NUMPY";
    header += '\x01';
    header += '\x00';
    header += static_cast<char>(length & 0xFF);
    header += static_cast<char>(length >> 8);
    return header + dict;
}

Status WriteNpy(const std::string& path, const char* descr, const std::vector<std::int64_t>& shape,
                std::span<const std::byte> bytes) {
    ACT_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(path));
    ACT_RETURN_IF_ERROR(file.Append(NpyHeader(descr, shape)));
    ACT_RETURN_IF_ERROR(file.Append(bytes));
    return file.Commit();
}

std::int64_t Product(const std::vector<std::int64_t>& shape) {
    std::int64_t n = 1;
    for (std::int64_t dim : shape) n *= dim;
    return n;
}

}  // namespace

Status WriteNpyFloat32(const std::string& path, const std::vector<std::int64_t>& shape,
                       std::span<const float> values) {
    ACT_CHECK(static_cast<std::int64_t>(values.size()) == Product(shape));
    return WriteNpy(path, "<f4", shape, std::as_bytes(values));
}

Status WriteNpyUint16(const std::string& path, const std::vector<std::int64_t>& shape,
                      std::span<const std::uint16_t> values) {
    ACT_CHECK(static_cast<std::int64_t>(values.size()) == Product(shape));
    return WriteNpy(path, "<u2", shape, std::as_bytes(values));
}

}  // namespace actcache
