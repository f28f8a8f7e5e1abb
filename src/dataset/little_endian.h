// The bytes of a fixed-size value as Parquet and Arrow store them: little-endian, which is the
// host order on the machines actcache supports (x86-64; the CMake baseline is x86-64-v3).
#pragma once

#include <string>
#include <type_traits>

namespace actcache::dataset {

template <typename T>
std::string LittleEndianBytes(T value) {
    static_assert(std::is_arithmetic_v<T>);
    return std::string(reinterpret_cast<const char*>(&value), sizeof value);
}

}  // namespace actcache::dataset
