// Shards written by ParquetShardWriter, read back by two readers that are not ours: DuckDB and
// hyparquet. Every value must come back, with the schema datasets writes.
#include "dataset/parquet_shard_writer.h"
#include "dataset/sample_shard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdlib>
#include <limits>
#include <tuple>

#include "core/json.h"
#include "core/random.h"
#include "support/temp_dir.h"

namespace actcache::dataset {
namespace {

using ::testing::HasSubstr;

using Rows = SampleRows;

JsonValue ReadWithOracles(const testing::TempDir& dir, const std::string& path,
                          const std::string& flags = "") {
    const std::string oracles = std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles";
    const std::string command = "cd " + oracles + " && node read_parquet.mjs " + path + " " + flags + " > " +
                                dir.File("oracle.json") + " 2> " + dir.File("oracle.err");
    const int status = std::system(command.c_str());
    EXPECT_EQ(status, 0) << testing::ReadFile(dir.File("oracle.err"));
    JsonParseOptions options;
    auto json = ParseJson(testing::ReadFile(dir.File("oracle.json")), options);
    EXPECT_TRUE(json.ok()) << json.status().message();
    return json.ok() ? *json : JsonValue();
}

// A float as read_parquet.mjs writes it: a JSON number (a float widened to double, exact), or
// "-0" / "Infinity" / "-Infinity" / "NaN", which JSON numbers cannot carry.
float OracleFloat(const JsonValue& value) {
    if (!value.is_string()) return static_cast<float>(value.as_double());
    const std::string& text = value.as_string();
    if (text == "-0") return -0.0f;
    if (text == "Infinity") return std::numeric_limits<float>::infinity();
    if (text == "-Infinity") return -std::numeric_limits<float>::infinity();
    return std::numeric_limits<float>::quiet_NaN();
}

// Compared by bits: -0 differs from +0.
std::uint32_t FloatBits(float value) { return std::bit_cast<std::uint32_t>(value); }

void ExpectRowsEqual(const JsonValue& rows, const Rows& expected,
                     const std::vector<ActivationColumn>& columns, const std::string& reader) {
    ASSERT_EQ(rows.items().size(), expected.doc_ids.size()) << reader;
    for (std::size_t r = 0; r < expected.doc_ids.size(); ++r) {
        const auto& row = rows.items()[r].items();
        ASSERT_EQ(row.size(), 3 + columns.size()) << reader;
        ASSERT_EQ(static_cast<std::int64_t>(row[0].as_double()), expected.doc_ids[r]) << reader << " row " << r;
        ASSERT_EQ(row[1].as_int64(), expected.tok_pos[r]) << reader;
        ASSERT_EQ(row[2].as_int64(), expected.token_ids[r]) << reader;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const auto& values = row[3 + c].items();
            ASSERT_EQ(static_cast<std::int64_t>(values.size()), columns[c].width) << reader;
            for (std::int64_t i = 0; i < columns[c].width; ++i) {
                if (columns[c].type == ActivationType::kFloat32) {
                    const float want = expected.float_acts[c][r * columns[c].width + i];
                    ASSERT_EQ(FloatBits(OracleFloat(values[i])), FloatBits(want))
                        << reader << " row " << r << " column " << c << " value " << i << ": "
                        << SerializeJson(values[i]) << " for " << want;
                    continue;
                }
                ASSERT_EQ(values[i].as_int64(), expected.acts[c][r * columns[c].width + i])
                    << reader << " row " << r << " column " << c << " value " << i;
            }
        }
    }
}

// Writes a sample shard of `n_rows` as `name` and reads it back with the oracles (DuckDB unless
// `flags` says --no-duckdb, hyparquet, apache-arrow): every row must come back from each reader.
// Returns the oracles' JSON for further checks (an empty object on failure).
JsonValue WriteAndReadBack(const testing::TempDir& dir, const std::string& name, const ParquetShardOptions& options,
                           std::int64_t n_rows, std::uint64_t seed, const std::string& flags = "") {
    const std::string path = dir.File(name);
    const Rows rows = WriteSampleShard(path, options, n_rows, seed);
    JsonValue result = ReadWithOracles(dir, path, flags);
    EXPECT_TRUE(result.is_object()) << name;
    if (!result.is_object()) return JsonValue::Object();
    if (const JsonValue* duck = result.Find("duckdb"); duck != nullptr && !duck->is_null()) {
        ExpectRowsEqual(*duck->Find("rows"), rows, options.activation_columns, "duckdb " + name);
    }
    ExpectRowsEqual(*result.Find("hyparquet")->Find("rows"), rows, options.activation_columns, "hyparquet " + name);
    return result;
}

// Each codec, bf16 values dictionary-encoded (the default) and PLAIN.
class ParquetOracleTest : public ::testing::TestWithParam<std::tuple<Compression, bool>> {};

TEST_P(ParquetOracleTest, DuckDbAndHyparquetReadBackEveryValue) {
    testing::TempDir dir;
    ParquetShardOptions options;
    options.compression = std::get<0>(GetParam());
    options.dictionary = std::get<1>(GetParam());
    options.activation_columns = {{"activacion", 64}, {"resid", 16}};
    options.row_group_bytes = 150 * (16 + 2 * 80);  // 150 rows per row group: several groups
    options.page_bytes = 4 * 64 * 20;               // 20 rows per activation page: many pages
    const JsonValue result = WriteAndReadBack(dir, "train_00000-00000-of-00001.parquet", options, 437, 11);
    ASSERT_NE(result.Find("duckdb"), nullptr);

    const JsonValue& duck = *result.Find("duckdb");
    EXPECT_EQ(duck.Find("types")->Find("doc_id")->as_string(), "BIGINT");
    EXPECT_EQ(duck.Find("types")->Find("tok_pos")->as_string(), "INTEGER");
    EXPECT_EQ(duck.Find("types")->Find("activacion")->as_string(), "USMALLINT[]");

    const JsonValue& hy = *result.Find("hyparquet");
    EXPECT_EQ(hy.Find("num_rows")->as_int64(), 437);
    EXPECT_EQ(hy.Find("row_groups")->as_int64(), 3);
    // The footer carries datasets' features JSON, byte for byte.
    EXPECT_EQ(hy.Find("kv")->Find("huggingface")->as_string(),
              R"({"info": {"features": {"doc_id": {"dtype": "int64", "_type": "Value"}, )"
              R"("tok_pos": {"dtype": "int32", "_type": "Value"}, )"
              R"("token_id": {"dtype": "int32", "_type": "Value"}, )"
              R"("activacion": {"feature": {"dtype": "uint16", "_type": "Value"}, "length": 64, "_type": "List"}, )"
              R"("resid": {"feature": {"dtype": "uint16", "_type": "Value"}, "length": 16, "_type": "List"}}}})");
    // ARROW:schema, decoded by apache-arrow: fixed-size lists of uint16 and the same metadata.
    const JsonValue& arrow = *result.Find("arrow");
    ASSERT_TRUE(arrow.is_object()) << "no ARROW:schema in the footer";
    const std::string fields = SerializeJson(*arrow.Find("fields"));
    EXPECT_THAT(fields, HasSubstr(R"({"name":"doc_id","type":"Int64","nullable":true,"children":[]})"));
    EXPECT_THAT(fields, HasSubstr(R"({"name":"tok_pos","type":"Int32","nullable":true,"children":[]})"));
    EXPECT_THAT(fields, HasSubstr(R"({"name":"activacion","type":"FixedSizeList[64]<Uint16>","nullable":true,)"
                                  R"("children":[{"name":"item","type":"Uint16","nullable":true,"children":[]}]})"));
    EXPECT_THAT(fields, HasSubstr(R"("name":"resid","type":"FixedSizeList[16]<Uint16>")"));
    EXPECT_EQ(arrow.Find("metadata")->Find("huggingface")->as_string(),
              hy.Find("kv")->Find("huggingface")->as_string());
    const std::string schema = SerializeJson(*hy.Find("schema"));
    EXPECT_THAT(schema, HasSubstr(R"({"name":"list","type":null,"repetition":"REPEATED")"));
    EXPECT_THAT(schema, HasSubstr(R"("name":"element","type":"INT32","repetition":"OPTIONAL","converted":"UINT_16")"));
}

// Dictionary edge cases: a width of 7 (pages whose value count is no multiple of 8, so the last
// bit-packed group is padded) and a column holding one value (a dictionary of one entry).
TEST(ParquetDictionaryTest, ReadersReadPaddedGroupsAndOneEntryDictionaries) {
    testing::TempDir dir;
    ParquetShardOptions options;
    options.activation_columns = {{"odd", 7}, {"constant", 5}};
    options.row_group_bytes = 40 * (16 + 2 * 12);  // 40 rows per row group
    options.page_bytes = 4 * 7 * 3;                // 3 rows (21 values) per page
    const std::string path = dir.File("dictionary.parquet");
    std::vector<std::uint16_t> odd(7), constant(5, 0x3F80);  // bf16 1.0
    {
        auto writer = ParquetShardWriter::Create(path, options);
        ASSERT_TRUE(writer.ok()) << writer.status().message();
        const std::span<const std::byte> spans[] = {std::as_bytes(std::span<const std::uint16_t>(odd)),
                                                    std::as_bytes(std::span<const std::uint16_t>(constant))};
        for (int r = 0; r < 100; ++r) {
            for (int i = 0; i < 7; ++i) odd[i] = static_cast<std::uint16_t>(r * 7 + i * 1000);
            ASSERT_TRUE((*writer)->AddRow(r, r, r, spans).ok());
        }
        ASSERT_TRUE((*writer)->Finish().ok());
    }
    const JsonValue result = ReadWithOracles(dir, path);
    for (const char* reader : {"duckdb", "hyparquet"}) {
        const JsonValue* rows = result.Find(reader) != nullptr ? result.Find(reader)->Find("rows") : nullptr;
        ASSERT_NE(rows, nullptr) << reader;
        ASSERT_EQ(rows->items().size(), 100u) << reader;
        for (int r = 0; r < 100; ++r) {
            const auto& row = rows->items()[static_cast<std::size_t>(r)].items();
            for (int i = 0; i < 7; ++i) {
                ASSERT_EQ(row[3].items()[static_cast<std::size_t>(i)].as_int64(), r * 7 + i * 1000)
                    << reader << " row " << r;
            }
            for (int i = 0; i < 5; ++i) {
                ASSERT_EQ(row[4].items()[static_cast<std::size_t>(i)].as_int64(), 0x3F80) << reader << " row " << r;
            }
        }
    }
}

// The codec is kept for a dictionary chunk it shrinks and dropped for one it cannot (Parquet
// sets the codec per column chunk): a column of 4 repeating values compresses, uniformly random
// 16-bit values do not. Both readers read the mixed file.
TEST(ParquetDictionaryTest, CodecIsSkippedWhereItDoesNotPay) {
    testing::TempDir dir;
    ParquetShardOptions options;
    options.compression = Compression::kZstd;
    options.activation_columns = {{"repeating", 64}, {"random", 64}};
    const std::string path = dir.File("codecs.parquet");
    std::vector<std::uint16_t> repeating(64), random(64);
    SplitMix64 rng(3);
    {
        auto writer = ParquetShardWriter::Create(path, options);
        ASSERT_TRUE(writer.ok()) << writer.status().message();
        const std::span<const std::byte> spans[] = {std::as_bytes(std::span<const std::uint16_t>(repeating)),
                                                    std::as_bytes(std::span<const std::uint16_t>(random))};
        for (int r = 0; r < 300; ++r) {
            for (int i = 0; i < 64; ++i) {
                repeating[i] = static_cast<std::uint16_t>(0x3F00 + i % 4);
                random[i] = static_cast<std::uint16_t>(rng.Next());
            }
            ASSERT_TRUE((*writer)->AddRow(r, r, r, spans).ok());
        }
        ASSERT_TRUE((*writer)->Finish().ok());
    }
    const JsonValue result = ReadWithOracles(dir, path);
    ASSERT_NE(result.Find("hyparquet"), nullptr);
    EXPECT_EQ(SerializeJson(*result.Find("hyparquet")->Find("codecs")),
              R"([["ZSTD","ZSTD","ZSTD","ZSTD","UNCOMPRESSED"]])");
    for (const char* reader : {"duckdb", "hyparquet"}) {
        const JsonValue& rows = *result.Find(reader)->Find("rows");
        ASSERT_EQ(rows.items().size(), 300u) << reader;
        EXPECT_EQ(rows.items()[299].items()[3].items()[5].as_int64(), 0x3F01) << reader;
        EXPECT_EQ(rows.items()[299].items()[4].items()[63].as_int64(), random[63]) << reader;
    }
}

// BYTE_STREAM_SPLIT activation values: hyparquet reads them; DuckDB 1.5 accepts the encoding
// only for FLOAT/DOUBLE, which is why the option is off by default.
TEST(ParquetByteStreamSplitTest, HyparquetReadsBackEveryValue) {
    testing::TempDir dir;
    ParquetShardOptions options;
    options.activation_columns = {{"activacion", 64}};
    options.byte_stream_split = true;
    options.page_bytes = 4 * 64 * 20;
    WriteAndReadBack(dir, "bss.parquet", options, 137, 11, "--no-duckdb");
}

// float32 columns (--dtype f32) next to a bf16 one: DuckDB sees FLOAT[], Arrow a fixed-size list
// of float, datasets' features say float32; hyparquet reads the BYTE_STREAM_SPLIT variant too.
TEST(ParquetFloat32Test, ReadersSeeFloatListsWithEveryValue) {
    testing::TempDir dir;
    ParquetShardOptions options;
    options.activation_columns = {{"activacion", 16}, {"f32", 24, ActivationType::kFloat32}};
    options.row_group_bytes = 100 * (16 + 2 * 16 + 4 * 24);
    options.page_bytes = 4 * 24 * 15;
    const JsonValue result = WriteAndReadBack(dir, "f32.parquet", options, 263, 5);
    ASSERT_NE(result.Find("duckdb"), nullptr);
    const JsonValue& duck = *result.Find("duckdb");
    EXPECT_EQ(duck.Find("types")->Find("f32")->as_string(), "FLOAT[]");
    EXPECT_EQ(duck.Find("types")->Find("activacion")->as_string(), "USMALLINT[]");
    const std::string fields = SerializeJson(*result.Find("arrow")->Find("fields"));
    EXPECT_THAT(fields, HasSubstr(R"({"name":"f32","type":"FixedSizeList[24]<Float32>","nullable":true,)"
                                  R"("children":[{"name":"item","type":"Float32","nullable":true,"children":[]}]})"));
    EXPECT_THAT(fields, HasSubstr(R"("name":"activacion","type":"FixedSizeList[16]<Uint16>")"));
    EXPECT_THAT(result.Find("hyparquet")->Find("kv")->Find("huggingface")->as_string(),
                HasSubstr(R"("f32": {"feature": {"dtype": "float32", "_type": "Value"}, "length": 24, "_type": "List"})"));
    // A plain FLOAT leaf: no converted or logical type.
    const std::string schema = SerializeJson(*result.Find("hyparquet")->Find("schema"));
    EXPECT_THAT(schema, HasSubstr(R"({"name":"element","type":"FLOAT","repetition":"OPTIONAL","converted":null,)"
                                  R"("logical":null})"));

    // Mixed with BYTE_STREAM_SPLIT: DuckDB 1.5 refuses the encoding for the INT32 column.
    options.byte_stream_split = true;
    WriteAndReadBack(dir, "f32-bss.parquet", options, 97, 6, "--no-duckdb");
}

// A float32-only shard, each codec, PLAIN and BYTE_STREAM_SPLIT (the encoding's native use, which
// DuckDB reads too): every bit back in both readers, datasets' features byte for byte.
class ParquetFloat32OnlyTest : public ::testing::TestWithParam<std::tuple<Compression, bool>> {};

TEST_P(ParquetFloat32OnlyTest, DuckDbAndHyparquetReadBackEveryBit) {
    testing::TempDir dir;
    const auto [compression, byte_stream_split] = GetParam();
    ParquetShardOptions options;
    options.compression = compression;
    options.byte_stream_split = byte_stream_split;
    options.activation_columns = {{"activacion", 32, ActivationType::kFloat32}};
    options.row_group_bytes = 120 * (16 + 4 * 32);  // 120 rows per row group
    options.page_bytes = 4 * 32 * 25;
    const JsonValue result = WriteAndReadBack(dir, "f32-only.parquet", options, 301, 17);
    ASSERT_NE(result.Find("duckdb"), nullptr);
    EXPECT_EQ(result.Find("duckdb")->Find("types")->Find("activacion")->as_string(), "FLOAT[]");
    const JsonValue& hy = *result.Find("hyparquet");
    EXPECT_EQ(hy.Find("row_groups")->as_int64(), 3);
    EXPECT_EQ(hy.Find("kv")->Find("huggingface")->as_string(),
              R"({"info": {"features": {"doc_id": {"dtype": "int64", "_type": "Value"}, )"
              R"("tok_pos": {"dtype": "int32", "_type": "Value"}, )"
              R"("token_id": {"dtype": "int32", "_type": "Value"}, )"
              R"("activacion": {"feature": {"dtype": "float32", "_type": "Value"}, "length": 32, "_type": "List"}}}})");
}

INSTANTIATE_TEST_SUITE_P(CodecsAndEncodings, ParquetFloat32OnlyTest,
                         ::testing::Combine(::testing::Values(Compression::kNone, Compression::kSnappy,
                                                              Compression::kZstd, Compression::kGzip),
                                            ::testing::Bool()));

INSTANTIATE_TEST_SUITE_P(CompressionsAndDictionary, ParquetOracleTest,
                         ::testing::Combine(::testing::Values(Compression::kNone, Compression::kSnappy,
                                                              Compression::kZstd, Compression::kGzip),
                                            ::testing::Bool()));

}  // namespace
}  // namespace actcache::dataset
