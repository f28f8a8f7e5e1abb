// Why a dictionary for bf16 activations: Parquet has no 16-bit physical type, so PLAIN stores
// each value in 4 bytes and a codec must squeeze out the two zero bytes again (zstd 1 reaches
// 1.03x the raw bf16 size at ~70 MB/s per core). A row group of activations holds only a few
// thousand distinct bf16 values (bench: 6,952 in 50M), so 13-bit indices take 0.81x the raw size
// before any codec, and encoding them is a table lookup and a shift per value. Every Parquet
// reader supports the encoding (it is pyarrow's and DuckDB's default).
#include "dataset/parquet_dictionary.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

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

void Uint16Dictionary::Merge(const Uint16Dictionary& other) {
    for (std::size_t value = 0; value < kValues; ++value) present_[value] |= other.present_[value];
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

namespace {

// Packs `groups` groups of 8 values' indices at kWidth bits each (LSB first) into kWidth bytes
// per group: the 8 indices gather in 128 bits (`low`, `high`), the shifts are constants, so a
// group is 8 lookups, shifts and ors and one or two stores. Returns the end of the output.
template <int kWidth>
char* PackGroups(const std::byte* values, std::size_t groups, const std::uint16_t* index_of, char* out) {
    for (std::size_t group = 0; group < groups; ++group, values += 16, out += kWidth) {
        std::uint64_t low = 0, high = 0;
        for (int k = 0; k < 8; ++k) {
            const std::uint64_t index = index_of[LoadUint16(values + 2 * k)];
            const int shift = k * kWidth;
            if (shift < 64) {
                low |= index << shift;
                if (shift + kWidth > 64) high |= index >> (64 - shift);  // straddles the halves
            } else {
                high |= index << (shift - 64);
            }
        }
        if constexpr (kWidth <= 8) {
            std::memcpy(out, &low, kWidth);
        } else {
            std::memcpy(out, &low, 8);
            std::memcpy(out + 8, &high, kWidth - 8);
        }
    }
    return out;
}

using PackFunction = char* (*)(const std::byte*, std::size_t, const std::uint16_t*, char*);

// kPackers[w - 1] packs at bit width w, 1..16.
template <std::size_t... kWidthsMinusOne>
constexpr std::array<PackFunction, sizeof...(kWidthsMinusOne)> MakePackers(std::index_sequence<kWidthsMinusOne...>) {
    return {&PackGroups<static_cast<int>(kWidthsMinusOne) + 1>...};
}
constexpr auto kPackers = MakePackers(std::make_index_sequence<16>());

// Lowers *min and raises *max to the extremes of `values` (little-endian uint16). Blocks of
// kLanes values in kLanes running extremes: a fixed trip count the compiler turns into vector
// min/max instructions (a plain reduction loop stays scalar at -O2), then the lanes and the tail.
void MinMax(std::span<const std::byte> values, std::uint16_t* min, std::uint16_t* max) {
    constexpr std::size_t kLanes = 32;
    const std::size_t n = values.size() / 2;
    std::array<std::uint16_t, kLanes> lane_min, lane_max;
    lane_min.fill(*min);
    lane_max.fill(*max);
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
        std::uint16_t block[kLanes];
        std::memcpy(block, values.data() + 2 * i, sizeof block);
        for (std::size_t lane = 0; lane < kLanes; ++lane) {
            lane_min[lane] = std::min(lane_min[lane], block[lane]);
            lane_max[lane] = std::max(lane_max[lane], block[lane]);
        }
    }
    for (; i < n; ++i) {
        const std::uint16_t value = LoadUint16(values.data() + 2 * i);
        lane_min[0] = std::min(lane_min[0], value);
        lane_max[0] = std::max(lane_max[0], value);
    }
    *min = *std::min_element(lane_min.begin(), lane_min.end());
    *max = *std::max_element(lane_max.begin(), lane_max.end());
}

}  // namespace

void Uint16Dictionary::AppendIndices(std::span<const std::byte> values, std::string& out, std::uint16_t* min,
                                     std::uint16_t* max) const {
    const std::size_t n = values.size() / 2;
    const std::size_t full_groups = n / 8;
    const std::size_t groups = (n + 7) / 8;
    const int width = bit_width_;
    out += static_cast<char>(width);
    AppendVarint(out, (static_cast<std::uint64_t>(groups) << 1) | 1);
    // A group of 8 indices is exactly `width` bytes, so the run is groups × width bytes.
    const std::size_t first = out.size();
    out.resize(first + groups * static_cast<std::size_t>(width));
    const PackFunction pack = kPackers[static_cast<std::size_t>(width - 1)];
    char* cursor = pack(values.data(), full_groups, index_.data(), out.data() + first);
    if (full_groups < groups) {
        // The last group, padded with the smallest entry, whose index is 0.
        std::byte last[16];
        for (std::size_t k = 0; k < 8; ++k) std::memcpy(last + 2 * k, &sorted_[0], 2);
        std::memcpy(last, values.data() + 16 * full_groups, 2 * (n - 8 * full_groups));
        pack(last, 1, index_.data(), cursor);
    }
    *min = 0xFFFF;
    *max = 0;
    MinMax(values, min, max);
    if (n == 0) *min = 0;
}

}  // namespace actcache::dataset
