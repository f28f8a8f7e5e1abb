// Dictionary encoding of a uint16 column chunk (bf16 bit patterns stored as INT32): the sorted
// distinct values of the chunk, written once in a dictionary page, and per data page the values'
// indices into it, bit-packed (apache/parquet-format Encodings.md: PLAIN dictionary page,
// RLE_DICTIONARY data pages).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace actcache::dataset {

// One owner, not thread-safe to fill; Build and the const methods may then be used from many
// threads at once.
class Uint16Dictionary {
public:
    Uint16Dictionary();

    // Notes the values of `values` (little-endian uint16, 2 bytes each; need no alignment) as
    // present. Call for every row of the chunk, then Build.
    void Add(std::span<const std::byte> values);

    // Notes the values `other` holds as present too (to combine dictionaries filled on several
    // threads). `other` is borrowed for the call.
    void Merge(const Uint16Dictionary& other);

    // Fixes the dictionary: the values added since the last Reset, ascending, so its bytes depend
    // only on which values occur (not on their order or on threads), and index order is value
    // order (a page's smallest index is its smallest value).
    // REQUIRES: at least one value was added.
    void Build();

    // Forgets every value, for the next chunk.
    void Reset();

    std::int64_t size() const { return static_cast<std::int64_t>(sorted_.size()); }
    std::uint16_t value(std::int64_t index) const { return sorted_[static_cast<std::size_t>(index)]; }
    // Bits per index: ceil(log2(size)), at least 1 (a width of 0 is legal but rarely written,
    // so readers have seen little of it).
    int bit_width() const { return bit_width_; }

    // Appends the dictionary page body: every entry as PLAIN INT32 (4 bytes, little-endian).
    void AppendDictionaryPage(std::string& out) const;

    // Appends the values of an RLE_DICTIONARY data page: one byte with the bit width, then the
    // indices of `values` as one bit-packed run of the RLE/bit-packing hybrid (header
    // varint(groups << 1 | 1), groups of 8 indices, LSB first, the last group padded with 0).
    // Stores the smallest and largest value of the page in *min and *max.
    // REQUIRES: Build since the last Reset, and every value in `values` was added.
    void AppendIndices(std::span<const std::byte> values, std::string& out, std::uint16_t* min,
                       std::uint16_t* max) const;

private:
    std::vector<std::uint8_t> present_;   // [65536]: 1 where the value occurred
    std::vector<std::uint16_t> index_;    // [65536]: a value's index, valid after Build
    std::vector<std::uint16_t> sorted_;   // the dictionary, ascending
    int bit_width_ = 1;
};

}  // namespace actcache::dataset
