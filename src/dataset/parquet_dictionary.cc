// Why a dictionary for bf16 activations: Parquet has no 16-bit physical type, so PLAIN stores
// each value in 4 bytes and a codec must squeeze out the two zero bytes again (zstd 1 reaches
// 1.03x the raw bf16 size at ~70 MB/s per core). A row group of activations holds only a few
// thousand distinct bf16 values (bench: 6,952 in 50M), so 13-bit indices take 0.81x the raw size
// before any codec, and encoding them is a table lookup and a shift per value. Every Parquet
// reader supports the encoding (it is pyarrow's and DuckDB's default).
#include "dataset/parquet_dictionary.h"

#include <algorithm>
#include <cstring>

#include "core/check.h"

namespace actcache::dataset {
namespace {

constexpr std::size_t kValues = 1 << 16;  // every uint16

std::uint16_t LoadUint16(const std::byte* at) {
    std::uint16_t value;
    std::memcpy(&value, at, 2);  // little-endian host (x86-64), as everywhere in the writer
    return value;
}

void AppendVarint(std::string& out, std::uint64_t value) {
    while (value >= 0x80) {
        out += static_cast<char>((value & 0x7F) | 0x80);
        value >>= 7;
    }
    out += static_cast<char>(value);
}

}  // namespace

Uint16Dictionary::Uint16Dictionary() : present_(kValues, 0), index_(kValues, 0) {}

void Uint16Dictionary::Add(std::span<const std::byte> values) {
    const std::size_t n = values.size() / 2;
    for (std::size_t i = 0; i < n; ++i) present_[LoadUint16(values.data() + 2 * i)] = 1;
}

void Uint16Dictionary::Build() {
    sorted_.clear();
    for (std::size_t value = 0; value < kValues; ++value) {
        if (present_[value] == 0) continue;
        index_[value] = static_cast<std::uint16_t>(sorted_.size());
        sorted_.push_back(static_cast<std::uint16_t>(value));
    }
    ACT_CHECK(!sorted_.empty());
    bit_width_ = 1;
    while ((std::size_t{1} << bit_width_) < sorted_.size()) ++bit_width_;
}

void Uint16Dictionary::Reset() {
    std::fill(present_.begin(), present_.end(), 0);
    sorted_.clear();
}

void Uint16Dictionary::AppendDictionaryPage(std::string& out) const {
    const std::size_t first = out.size();
    out.resize(first + 4 * sorted_.size());
    for (std::size_t i = 0; i < sorted_.size(); ++i) {
        const std::uint32_t widened = sorted_[i];
        std::memcpy(out.data() + first + 4 * i, &widened, 4);
    }
}

void Uint16Dictionary::AppendIndices(std::span<const std::byte> values, std::string& out, std::uint16_t* min,
                                     std::uint16_t* max) const {
    const std::size_t n = values.size() / 2;
    const std::size_t groups = (n + 7) / 8;
    const int width = bit_width_;
    out += static_cast<char>(width);
    AppendVarint(out, (static_cast<std::uint64_t>(groups) << 1) | 1);
    // A group of 8 indices is exactly `width` bytes, so the run is groups × width bytes. Indices
    // gather LSB first in a 64-bit accumulator that is stored 4 bytes at a time once it holds
    // 32 bits (width ≤ 16, so it never overflows).
    const std::size_t first = out.size();
    out.resize(first + groups * static_cast<std::size_t>(width) + 4);  // +4: the last 4-byte store
    char* cursor = out.data() + first;
    std::uint64_t bits = 0;
    int n_bits = 0;
    auto append = [&](std::uint16_t index) {
        bits |= static_cast<std::uint64_t>(index) << n_bits;
        n_bits += width;
        if (n_bits >= 32) {
            const std::uint32_t word = static_cast<std::uint32_t>(bits);
            std::memcpy(cursor, &word, 4);
            cursor += 4;
            bits >>= 32;
            n_bits -= 32;
        }
    };
    std::uint16_t min_index = 0xFFFF, max_index = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint16_t index = index_[LoadUint16(values.data() + 2 * i)];
        min_index = std::min(min_index, index);
        max_index = std::max(max_index, index);
        append(index);
    }
    for (std::size_t i = n; i < groups * 8; ++i) append(0);  // padding of the last group
    // 8 × width bits per group: what is left is whole bytes.
    const std::uint32_t word = static_cast<std::uint32_t>(bits);
    std::memcpy(cursor, &word, 4);
    cursor += n_bits / 8;
    out.resize(static_cast<std::size_t>(cursor - out.data()));
    *min = n > 0 ? sorted_[min_index] : 0;
    *max = n > 0 ? sorted_[max_index] : 0;
}

}  // namespace actcache::dataset
