#include "model/safetensors_format.h"

#include "core/check.h"

namespace actcache::model {
namespace {

struct DtypeInfo {
    Dtype dtype;
    std::string_view name;  // as written in headers
    std::int64_t size_bytes;
};

// One row per enumerator, in enum order (checked below), so a Dtype indexes its own row.
constexpr DtypeInfo kDtypes[] = {
    {Dtype::kBool, "BOOL", 1}, {Dtype::kU8, "U8", 1},          {Dtype::kI8, "I8", 1},
    {Dtype::kI16, "I16", 2},   {Dtype::kU16, "U16", 2},        {Dtype::kF16, "F16", 2},
    {Dtype::kBF16, "BF16", 2}, {Dtype::kI32, "I32", 4},        {Dtype::kU32, "U32", 4},
    {Dtype::kF32, "F32", 4},   {Dtype::kF64, "F64", 8},        {Dtype::kI64, "I64", 8},
    {Dtype::kU64, "U64", 8},   {Dtype::kF8E4M3, "F8_E4M3", 1}, {Dtype::kF8E5M2, "F8_E5M2", 1},
};
constexpr std::size_t kDtypeCount = sizeof(kDtypes) / sizeof(kDtypes[0]);

constexpr bool TableInEnumOrder() {
    for (std::size_t row_idx = 0; row_idx < kDtypeCount; ++row_idx) {
        if (static_cast<std::size_t>(kDtypes[row_idx].dtype) != row_idx) return false;
    }
    return static_cast<std::size_t>(Dtype::kF8E5M2) + 1 == kDtypeCount;
}
static_assert(TableInEnumOrder(), "kDtypes must list every Dtype, in enum order");

const DtypeInfo& Info(Dtype dtype) {
    const auto row_idx = static_cast<std::size_t>(dtype);
    ACT_CHECK(row_idx < kDtypeCount);  // a Dtype holds one of its enumerators
    return kDtypes[row_idx];
}

}  // namespace

std::string_view DtypeName(Dtype dtype) { return Info(dtype).name; }

std::int64_t DtypeSizeBytes(Dtype dtype) { return Info(dtype).size_bytes; }

std::optional<Dtype> ParseDtypeName(std::string_view name) {
    for (const DtypeInfo& info : kDtypes) {
        if (info.name == name) return info.dtype;
    }
    return std::nullopt;
}

std::string FormatShape(const std::vector<std::int64_t>& shape) {
    std::string text = "[";
    for (std::size_t dim_idx = 0; dim_idx < shape.size(); ++dim_idx) {
        if (dim_idx > 0) text += ", ";
        text += std::to_string(shape[dim_idx]);
    }
    return text + "]";
}

}  // namespace actcache::model
