// Writes NumPy .npy files (format version 1.0), the interchange format of `actcache forward`.
//
// Layout: magic "\x93NUMPY", version bytes 1 0, uint16 LE header length, then an ASCII Python
// dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (T, D), } padded with spaces
// and ending in '\n' so that the data starts at a multiple of 64 bytes; then the C-order data.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"

namespace actcache {

// Writes float32 values ('<f4') of the given shape through an AtomicFile.
// REQUIRES: values.size() == product of shape. Errors name the path.
Status WriteNpyFloat32(const std::string& path, const std::vector<std::int64_t>& shape,
                       std::span<const float> values);

// Writes uint16 values ('<u2'), e.g. bf16 bit patterns.
Status WriteNpyUint16(const std::string& path, const std::vector<std::int64_t>& shape,
                      std::span<const std::uint16_t> values);

}  // namespace actcache
