// Uint16Dictionary against byte sequences worked out by hand from apache/parquet-format
// Encodings.md (its bit-packing example: 0..7 at bit width 3 are the bytes 0x88 0xC6 0xFA).
#include "dataset/parquet_dictionary.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace actcache::dataset {
namespace {

std::span<const std::byte> Bytes(const std::vector<std::uint16_t>& values) {
    return std::as_bytes(std::span<const std::uint16_t>(values));
}

// A dictionary built from `entries`, and the page of indices it writes for `values`.
struct EncodedIndices {
    int bit_width = 0;
    std::string page;
    std::uint16_t min = 0, max = 0;
};
EncodedIndices EncodeIndices(const std::vector<std::uint16_t>& entries, const std::vector<std::uint16_t>& values) {
    Uint16Dictionary dictionary;
    dictionary.Add(Bytes(entries));
    dictionary.Build();
    EncodedIndices encoded;
    encoded.bit_width = dictionary.bit_width();
    dictionary.AppendIndices(Bytes(values), encoded.page, &encoded.min, &encoded.max);
    return encoded;
}

TEST(Uint16DictionaryTest, EntriesAreSortedWhateverTheOrderOfArrival) {
    Uint16Dictionary dictionary;
    dictionary.Add(Bytes({900, 7, 65535, 7}));
    dictionary.Add(Bytes({0}));
    dictionary.Build();
    ASSERT_EQ(dictionary.size(), 4);
    EXPECT_EQ(dictionary.value(0), 0);
    EXPECT_EQ(dictionary.value(1), 7);
    EXPECT_EQ(dictionary.value(2), 900);
    EXPECT_EQ(dictionary.value(3), 65535);
    EXPECT_EQ(dictionary.bit_width(), 2);
    std::string page;
    dictionary.AppendDictionaryPage(page);
    EXPECT_EQ(page, std::string("\x00\x00\x00\x00\x07\x00\x00\x00\x84\x03\x00\x00\xFF\xFF\x00\x00", 16));
}

TEST(Uint16DictionaryTest, IndicesAreOneBitPackedRunAsTheSpecExampleShows) {
    const std::vector<std::uint16_t> values = {10, 11, 12, 13, 14, 15, 16, 17};
    const EncodedIndices encoded = EncodeIndices(values, values);
    ASSERT_EQ(encoded.bit_width, 3);
    // bit width 3; header varint(1 group << 1 | 1) = 3; indices 0..7 packed LSB first.
    EXPECT_EQ(encoded.page, std::string("\x03\x03\x88\xC6\xFA", 5));
    EXPECT_EQ(encoded.min, 10);
    EXPECT_EQ(encoded.max, 17);
}

TEST(Uint16DictionaryTest, ShortLastGroupIsPaddedWithZeros) {
    const EncodedIndices encoded = EncodeIndices({5, 6, 7}, {7, 5, 6});
    // Indices 2, 0, 1 at width 2: 10 00 01 -> 0b00'01'00'10 = 0x12, then a zero byte of padding.
    EXPECT_EQ(encoded.page, std::string("\x02\x03\x12\x00", 4));
    EXPECT_EQ(encoded.min, 5);
    EXPECT_EQ(encoded.max, 7);
}

TEST(Uint16DictionaryTest, OneValueTakesOneBitAndResetForgetsIt) {
    Uint16Dictionary dictionary;
    dictionary.Add(Bytes({42, 42}));
    dictionary.Build();
    EXPECT_EQ(dictionary.size(), 1);
    EXPECT_EQ(dictionary.bit_width(), 1);
    dictionary.Reset();
    dictionary.Add(Bytes({1, 2, 3, 4, 5}));
    dictionary.Build();
    EXPECT_EQ(dictionary.size(), 5);
    EXPECT_EQ(dictionary.value(0), 1);
    EXPECT_EQ(dictionary.bit_width(), 3);
}

TEST(Uint16DictionaryTest, SixteenBitsForEveryValue) {
    std::vector<std::uint16_t> all(65536);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::uint16_t>(65535 - i);
    const EncodedIndices encoded = EncodeIndices(all, all);
    EXPECT_EQ(encoded.bit_width, 16);
    // 1 + varint(8192 << 1 | 1) (3 bytes) + 65536 × 2 bytes; index = value at width 16.
    ASSERT_EQ(encoded.page.size(), 1 + 3 + 2 * 65536u);
    EXPECT_EQ(static_cast<unsigned char>(encoded.page[4]), 0xFF);
    EXPECT_EQ(static_cast<unsigned char>(encoded.page[5]), 0xFF);
    EXPECT_EQ(encoded.min, 0);
    EXPECT_EQ(encoded.max, 65535);
}

}  // namespace
}  // namespace actcache::dataset
