// ParquetReader against an independent writer: DuckDB (tests/oracles/write_parquet.mjs) writes
// INT64, INT32 (plain and dictionary-encoded), dictionary-encoded and plain strings, and lists of
// uint16 and int32 from fixed formulas, in several row groups, with each codec and both page
// versions (V2 brings data pages v2 and DELTA_BINARY_PACKED), and FLOAT columns (PLAIN,
// dictionary, BYTE_STREAM_SPLIT). Every value read must equal the formula computed here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <tuple>

#include "dataset/parquet_reader.h"
#include "support/temp_dir.h"

namespace actcache::dataset {
namespace {

constexpr std::int64_t kRows = 30'000;
constexpr std::int64_t kRowGroupSize = 8'192;

// The formulas of write_parquet.mjs.
std::int64_t Big(std::int64_t i) { return i * 1000003 - 5000000000LL; }
std::int32_t Small(std::int64_t i) {
    return static_cast<std::int32_t>((i * 7919) % 100003 - 50000);
}
std::int32_t Tiny(std::int64_t i) { return static_cast<std::int32_t>(i % 100 - 50); }
std::string Label(std::int64_t i) { return "label_" + std::to_string(i % 37); }
std::string Text(std::int64_t i) { return "row " + std::to_string(i); }
std::vector<std::int32_t> List16(std::int64_t i) {
    std::vector<std::int32_t> out;
    for (std::int64_t x = 0; x < i % 6; ++x)
        out.push_back(static_cast<std::int32_t>((i * 31 + x) % 65536));
    return out;
}
std::vector<std::int32_t> List32(std::int64_t i) {
    std::vector<std::int32_t> out;
    for (std::int64_t x = 0; x < i % 4; ++x) out.push_back(static_cast<std::int32_t>(i * 3 - x));
    return out;
}

std::string WriteWithDuckDb(const testing::TempDir& dir, const std::string& compression,
                            const std::string& version) {
    const std::string path = dir.File("duckdb_" + compression + "_" + version + ".parquet");
    const std::string oracles = std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles";
    const std::string command = "cd " + oracles + " && node write_parquet.mjs " + path + " " +
                                std::to_string(kRows) + " " + std::to_string(kRowGroupSize) + " " +
                                compression + " " + version + " 2> " + dir.File("oracle.err");
    const int status = std::system(command.c_str());
    EXPECT_EQ(status, 0) << testing::ReadFile(dir.File("oracle.err"));
    return path;
}

// Reads list column `name` of every row group as one list per row.
std::vector<std::vector<std::int32_t>> ReadLists(const ParquetReader& reader,
                                                 const std::string& name) {
    std::vector<std::vector<std::int32_t>> rows;
    auto column = reader.FindColumn(name);
    EXPECT_TRUE(column.ok()) << column.status().message();
    if (!column.ok()) return rows;
    for (int rg = 0; rg < reader.num_row_groups(); ++rg) {
        std::vector<std::int32_t> values;
        std::vector<std::int64_t> offsets;
        Status status = reader.ReadInt32(rg, *column, values, &offsets);
        EXPECT_TRUE(status.ok()) << status.message();
        if (!status.ok()) return rows;
        for (std::size_t r = 0; r + 1 < offsets.size(); ++r) {
            rows.emplace_back(values.begin() + offsets[r], values.begin() + offsets[r + 1]);
        }
    }
    return rows;
}

class ParquetReaderOracleTest
    : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(ParquetReaderOracleTest, ReadsEveryValueDuckDbWrote) {
    testing::TempDir dir;
    const auto& [compression, version] = GetParam();
    const std::string path = WriteWithDuckDb(dir, compression, version);
    auto opened = ParquetReader::Open(path);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    const ParquetReader& reader = **opened;
    EXPECT_EQ(reader.num_rows(), kRows);
    EXPECT_GT(reader.num_row_groups(), 1);

    ASSERT_EQ(reader.leaf_columns().size(), 7u);
    EXPECT_EQ(reader.leaf_columns()[0].path, "big");
    EXPECT_EQ(reader.leaf_columns()[0].physical, parquet::PhysicalType::kInt64);
    EXPECT_EQ(reader.leaf_columns()[2].physical, parquet::PhysicalType::kByteArray);
    EXPECT_EQ(reader.leaf_columns()[4].path, "lst16.list.element");
    EXPECT_EQ(reader.leaf_columns()[4].max_repetition_level, 1);

    std::vector<std::int64_t> big;
    std::vector<std::int32_t> small, tiny;
    std::vector<std::string> label, text;
    std::int64_t total = 0;
    for (int rg = 0; rg < reader.num_row_groups(); ++rg) {
        std::vector<std::int64_t> i64;
        std::vector<std::int32_t> i32;
        std::vector<std::string> strings;
        Status status = reader.ReadInt64(rg, *reader.FindColumn("big"), i64);
        ASSERT_TRUE(status.ok()) << status.message();
        big.insert(big.end(), i64.begin(), i64.end());
        status = reader.ReadInt32(rg, *reader.FindColumn("small"), i32);
        ASSERT_TRUE(status.ok()) << status.message();
        small.insert(small.end(), i32.begin(), i32.end());
        status = reader.ReadInt32(rg, *reader.FindColumn("tiny"), i32);
        ASSERT_TRUE(status.ok()) << status.message();
        tiny.insert(tiny.end(), i32.begin(), i32.end());
        status = reader.ReadStrings(rg, *reader.FindColumn("label"), strings);
        ASSERT_TRUE(status.ok()) << status.message();
        label.insert(label.end(), strings.begin(), strings.end());
        status = reader.ReadStrings(rg, *reader.FindColumn("text"), strings);
        ASSERT_TRUE(status.ok()) << status.message();
        text.insert(text.end(), strings.begin(), strings.end());
        total += reader.row_group_rows(rg);
    }
    EXPECT_EQ(total, kRows);
    const auto lists16 = ReadLists(reader, "lst16");
    const auto lists32 = ReadLists(reader, "lst32");
    ASSERT_EQ(big.size(), static_cast<std::size_t>(kRows));
    ASSERT_EQ(small.size(), static_cast<std::size_t>(kRows));
    ASSERT_EQ(tiny.size(), static_cast<std::size_t>(kRows));
    ASSERT_EQ(label.size(), static_cast<std::size_t>(kRows));
    ASSERT_EQ(text.size(), static_cast<std::size_t>(kRows));
    ASSERT_EQ(lists16.size(), static_cast<std::size_t>(kRows));
    ASSERT_EQ(lists32.size(), static_cast<std::size_t>(kRows));
    for (std::int64_t i = 0; i < kRows; ++i) {
        const auto r = static_cast<std::size_t>(i);
        ASSERT_EQ(big[r], Big(i)) << "row " << i;
        ASSERT_EQ(small[r], Small(i)) << "row " << i;
        ASSERT_EQ(tiny[r], Tiny(i)) << "row " << i;
        ASSERT_EQ(label[r], Label(i)) << "row " << i;
        ASSERT_EQ(text[r], Text(i)) << "row " << i;
        ASSERT_EQ(lists16[r], List16(i)) << "row " << i;
        ASSERT_EQ(lists32[r], List32(i)) << "row " << i;
    }
}

INSTANTIATE_TEST_SUITE_P(
    CodecsAndVersions, ParquetReaderOracleTest,
    ::testing::Values(std::make_tuple("zstd", "V1"), std::make_tuple("snappy", "V1"),
                      std::make_tuple("gzip", "V1"), std::make_tuple("uncompressed", "V1"),
                      std::make_tuple("zstd", "V2"), std::make_tuple("snappy", "V2")),
    [](const auto& test) { return std::get<0>(test.param) + "_" + std::get<1>(test.param); });

// FLOAT columns from DuckDB (tests/oracles/write_float_parquet.mjs): PLAIN and dictionary
// (V1), BYTE_STREAM_SPLIT and dictionary (V2), flat and in lists; -0.0, ±inf and denormals among
// them. Every value read must equal the formula's, bit for bit.
float FloatF(std::int64_t i) {
    switch (i % 500) {
        case 1: return -0.0f;
        case 2: return std::numeric_limits<float>::infinity();
        case 3: return -std::numeric_limits<float>::infinity();
        case 4: return static_cast<float>(i % 7 + 1) * std::numeric_limits<float>::denorm_min();
        default: return static_cast<float>(static_cast<double>(i * 7 - 20000) / 8);
    }
}
float FloatRep(std::int64_t i) { return static_cast<float>(static_cast<double>(i % 10) / 4); }
std::vector<float> FloatList(std::int64_t i) {
    std::vector<float> out;
    for (std::int64_t x = 0; x < i % 5; ++x) {
        out.push_back(static_cast<float>(static_cast<double>(i * 3 + x) / 16 - 100));
    }
    return out;
}

std::uint32_t Bits(float value) { return std::bit_cast<std::uint32_t>(value); }

class ParquetReaderFloatOracleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ParquetReaderFloatOracleTest, ReadsEveryFloatDuckDbWrote) {
    testing::TempDir dir;
    const std::string& version = GetParam();
    const std::string path = dir.File("duckdb_float_" + version + ".parquet");
    const std::string command = "cd " + std::string(ACTCACHE_SOURCE_DIR) +
                                "/tests/oracles && node write_float_parquet.mjs " + path + " " +
                                std::to_string(kRows) + " " + version + " > " +
                                dir.File("encodings.json") + " 2> " + dir.File("oracle.err");
    ASSERT_EQ(std::system(command.c_str()), 0) << testing::ReadFile(dir.File("oracle.err"));
    // The encodings this test is meant to cover (a newer DuckDB choosing others would hide them).
    const std::string encodings = testing::ReadFile(dir.File("encodings.json"));
    EXPECT_THAT(encodings, ::testing::HasSubstr("DICTIONARY"));
    if (version == "V2") {
        EXPECT_THAT(encodings, ::testing::HasSubstr("BYTE_STREAM_SPLIT"));
    }

    auto opened = ParquetReader::Open(path);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    const ParquetReader& reader = **opened;
    EXPECT_GT(reader.num_row_groups(), 1);
    ASSERT_EQ(reader.leaf_columns().size(), 3u);
    EXPECT_EQ(reader.leaf_columns()[0].physical, parquet::PhysicalType::kFloat);
    std::vector<float> f, rep, lst;
    std::vector<std::int64_t> lst_offsets = {0};
    for (int rg = 0; rg < reader.num_row_groups(); ++rg) {
        std::vector<float> values;
        std::vector<std::int64_t> offsets;
        Status status = reader.ReadFloat(rg, *reader.FindColumn("f"), values);
        ASSERT_TRUE(status.ok()) << status.message();
        f.insert(f.end(), values.begin(), values.end());
        status = reader.ReadFloat(rg, *reader.FindColumn("rep"), values);
        ASSERT_TRUE(status.ok()) << status.message();
        rep.insert(rep.end(), values.begin(), values.end());
        status = reader.ReadFloat(rg, *reader.FindColumn("lst"), values, &offsets);
        ASSERT_TRUE(status.ok()) << status.message();
        const auto base = static_cast<std::int64_t>(lst.size());
        for (std::size_t r = 1; r < offsets.size(); ++r) lst_offsets.push_back(base + offsets[r]);
        lst.insert(lst.end(), values.begin(), values.end());
    }
    ASSERT_EQ(f.size(), static_cast<std::size_t>(kRows));
    ASSERT_EQ(rep.size(), static_cast<std::size_t>(kRows));
    ASSERT_EQ(lst_offsets.size(), static_cast<std::size_t>(kRows) + 1);
    for (std::int64_t i = 0; i < kRows; ++i) {
        const auto r = static_cast<std::size_t>(i);
        ASSERT_EQ(Bits(f[r]), Bits(FloatF(i))) << "row " << i << ": " << f[r];
        ASSERT_EQ(Bits(rep[r]), Bits(FloatRep(i))) << "row " << i;
        const std::vector<float> want = FloatList(i);
        ASSERT_EQ(lst_offsets[r + 1] - lst_offsets[r], static_cast<std::int64_t>(want.size())) << "row " << i;
        for (std::size_t x = 0; x < want.size(); ++x) {
            ASSERT_EQ(Bits(lst[static_cast<std::size_t>(lst_offsets[r]) + x]), Bits(want[x])) << "row " << i;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Versions, ParquetReaderFloatOracleTest, ::testing::Values("V1", "V2"));

// Reads every leaf of every row group by its physical type; the first error.
Status ReadEverything(const ParquetReader& reader) {
    for (int rg = 0; rg < reader.num_row_groups(); ++rg) {
        for (std::size_t c = 0; c < reader.leaf_columns().size(); ++c) {
            const int column = static_cast<int>(c);
            std::vector<std::int64_t> i64, offsets;
            std::vector<std::int32_t> i32;
            std::vector<std::string> strings;
            switch (reader.leaf_columns()[c].physical) {
                case parquet::PhysicalType::kInt64:
                    ACT_RETURN_IF_ERROR(reader.ReadInt64(rg, column, i64, &offsets));
                    break;
                case parquet::PhysicalType::kInt32:
                    ACT_RETURN_IF_ERROR(reader.ReadInt32(rg, column, i32, &offsets));
                    break;
                case parquet::PhysicalType::kByteArray:
                    ACT_RETURN_IF_ERROR(reader.ReadStrings(rg, column, strings, &offsets));
                    break;
                default:
                    return Status::Internal("unexpected column type");
            }
        }
    }
    return Status::Ok();
}

// DuckDB's encodings (dictionary, DELTA_*, data page v2) under damage: flipping any byte gives
// OK, Corruption or Unimplemented, never a crash or an out-of-bounds read.
class ParquetReaderDuckDbFlipTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ParquetReaderDuckDbFlipTest, ByteFlipsNeverCrash) {
    testing::TempDir dir;
    const std::string path = dir.File("small.parquet");
    const std::string oracles = std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles";
    const std::string command = "cd " + oracles + " && node write_parquet.mjs " + path +
                                " 300 2048 uncompressed " + GetParam() + " 2> " +
                                dir.File("oracle.err");
    ASSERT_EQ(std::system(command.c_str()), 0) << testing::ReadFile(dir.File("oracle.err"));
    const std::string bytes = testing::ReadFile(path);
    {
        auto reader = ParquetReader::Open(path);
        ASSERT_TRUE(reader.ok()) << reader.status().message();
        Status status = ReadEverything(**reader);
        ASSERT_TRUE(status.ok()) << status.message();
    }
    // Patched in place, one byte at a time.
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    auto patch = [&](std::size_t offset, char value) {
        file.seekp(static_cast<std::streamoff>(offset));
        file.put(value);
        file.flush();
    };
    int failures = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        patch(i, static_cast<char>(bytes[i] ^ (i % 2 ? 0xFF : 1 << (i / 2 % 8))));
        auto reader = ParquetReader::Open(path);
        Status status = reader.ok() ? ReadEverything(**reader) : reader.status();
        ASSERT_TRUE(status.ok() || status.code() == StatusCode::kCorruption ||
                    status.code() == StatusCode::kUnimplemented)
            << "byte " << i << ": " << status.message();
        failures += !status.ok();
        patch(i, bytes[i]);
    }
    EXPECT_GT(failures, static_cast<int>(bytes.size()) / 10);  // most bytes are values
}

INSTANTIATE_TEST_SUITE_P(Versions, ParquetReaderDuckDbFlipTest, ::testing::Values("V1", "V2"));

}  // namespace
}  // namespace actcache::dataset
