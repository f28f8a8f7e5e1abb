// ParquetReader reads back what ParquetShardWriter writes, for every codec and value encoding,
// across row groups and pages; truncated and damaged files give Corruption, never a crash.
// ThriftCompactReader decodes what ThriftCompactWriter encodes and skips any unknown field.
#include "dataset/parquet_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <tuple>

#include "core/random.h"
#include "dataset/parquet_shard_writer.h"
#include "dataset/sample_shard.h"
#include "dataset/thrift_compact.h"
#include "dataset/thrift_compact_reader.h"
#include "support/temp_dir.h"

namespace actcache::dataset {
namespace {

using ::testing::HasSubstr;

// ---- ThriftCompactReader ------------------------------------------------------------------

std::span<const std::byte> AsBytes(const std::string& s) {
    return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

TEST(ThriftCompactReaderTest, DecodesWhatTheWriterEncodes) {
    ThriftCompactWriter w;
    w.BeginStruct();
    w.FieldI32(1, -7);
    w.FieldI64(2, 5'000'000'000LL);
    w.FieldBool(3, true);
    w.FieldBinary(4, "name");
    w.FieldStructBegin(40);  // long-form field header (delta > 15)
    w.FieldI8(1, -3);
    w.FieldI16(2, 300);
    w.EndStruct();
    w.FieldListBegin(41, ThriftCompactWriter::kBinary, 20);  // long-form list size
    for (int i = 0; i < 20; ++i) w.WriteBinary(std::to_string(i));
    w.EndStruct();

    ThriftCompactReader r(AsBytes(w.bytes()));
    ASSERT_TRUE(r.BeginStruct().ok());
    ThriftField f;
    std::int64_t value = 0;
    bool flag = false;
    std::string_view text;
    ASSERT_TRUE(r.NextField(f).ok());
    EXPECT_EQ(f.id, 1);
    ASSERT_TRUE(r.ReadInteger(f, value).ok());
    EXPECT_EQ(value, -7);
    ASSERT_TRUE(r.NextField(f).ok());
    ASSERT_TRUE(r.ReadInteger(f, value).ok());
    EXPECT_EQ(value, 5'000'000'000LL);
    ASSERT_TRUE(r.NextField(f).ok());
    ASSERT_TRUE(r.ReadBool(f, flag).ok());
    EXPECT_TRUE(flag);
    ASSERT_TRUE(r.NextField(f).ok());
    ASSERT_TRUE(r.ReadBinary(f, text).ok());
    EXPECT_EQ(text, "name");
    ASSERT_TRUE(r.NextField(f).ok());
    EXPECT_EQ(f.id, 40);
    EXPECT_EQ(f.type, ThriftCompactReader::kStruct);
    ASSERT_TRUE(r.BeginStruct().ok());
    ASSERT_TRUE(r.NextField(f).ok());
    ASSERT_TRUE(r.ReadInteger(f, value).ok());
    EXPECT_EQ(value, -3);
    ASSERT_TRUE(r.NextField(f).ok());
    ASSERT_TRUE(r.ReadInteger(f, value).ok());
    EXPECT_EQ(value, 300);
    ASSERT_TRUE(r.NextField(f).ok());
    EXPECT_EQ(f.type, ThriftCompactReader::kStop);
    ASSERT_TRUE(r.NextField(f).ok());
    EXPECT_EQ(f.id, 41);
    std::uint8_t element_type = 0;
    std::int64_t size = 0;
    ASSERT_TRUE(r.ReadListBegin(f, element_type, size).ok());
    EXPECT_EQ(element_type, ThriftCompactReader::kBinary);
    ASSERT_EQ(size, 20);
    for (int i = 0; i < 20; ++i) {
        ASSERT_TRUE(r.ReadBinaryValue(text).ok());
        EXPECT_EQ(text, std::to_string(i));
    }
    ASSERT_TRUE(r.NextField(f).ok());
    EXPECT_EQ(f.type, ThriftCompactReader::kStop);
    EXPECT_EQ(r.position(), w.bytes().size());
}

std::string Bytes(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) out += static_cast<char>(v);
    return out;
}

TEST(ThriftCompactReaderTest, SkipsUnknownFieldsOfEveryType) {
    // Fields 1..8: double, map<i32,binary>{1:"a"}, set<i32>{2,3}, empty map, list<bool>{t,f},
    // nested struct {i64, list<struct{}>}, byte, bool; then field 9 (i32 42), which must be read.
    const std::string bytes = Bytes(
        {0x17, 1,    2,    3,    4,    5,    6,    7,    8,  // 1: double
         0x1B, 0x01, 0x58, 0x02, 0x01, 'a',                  // 2: map size 1, i32 -> binary
         0x1A, 0x25, 0x04, 0x06,                             // 3: set of 2 i32
         0x1B, 0x00,                                         // 4: empty map
         0x19, 0x21, 0x01, 0x02,                             // 5: list of 2 bools
         0x1C, 0x16, 0x80, 0x01, 0x19, 0x1C, 0x00, 0x00,     // 6: struct {i64 64, list [struct {}]}
         0x13, 0x7F,                                         // 7: byte
         0x11,                                               // 8: bool true
         0x15, 0x54,                                         // 9: i32 42
         0x00});
    ThriftCompactReader r(AsBytes(bytes));
    ASSERT_TRUE(r.BeginStruct().ok());
    ThriftField f;
    for (int id = 1; id <= 8; ++id) {
        ASSERT_TRUE(r.NextField(f).ok());
        ASSERT_EQ(f.id, id);
        Status status = r.Skip(f.type);
        ASSERT_TRUE(status.ok()) << id << ": " << status.message();
    }
    ASSERT_TRUE(r.NextField(f).ok());
    EXPECT_EQ(f.id, 9);
    std::int64_t value = 0;
    ASSERT_TRUE(r.ReadInteger(f, value).ok());
    EXPECT_EQ(value, 42);
    ASSERT_TRUE(r.NextField(f).ok());
    EXPECT_EQ(f.type, ThriftCompactReader::kStop);
    EXPECT_EQ(r.position(), bytes.size());
}

TEST(ThriftCompactReaderTest, MalformedInputIsCorruptionWithTheOffset) {
    auto skip_all = [](const std::string& bytes) {
        ThriftCompactReader r(AsBytes(bytes), 1000);
        Status status = r.Skip(ThriftCompactReader::kStruct);
        EXPECT_EQ(status.code(), StatusCode::kCorruption) << status.message();
        return status.message();
    };
    EXPECT_THAT(skip_all(Bytes({0x15})), HasSubstr("offset 1001: truncated"));
    EXPECT_THAT(skip_all(Bytes({0x18, 0x05, 'a'})), HasSubstr("truncated"));  // binary too short
    EXPECT_THAT(skip_all(Bytes({0x19, 0xF5, 0xFF, 0xFF, 0x03})),
                HasSubstr("truncated"));  // huge list
    EXPECT_THAT(skip_all(Bytes({0x1D})), HasSubstr("unknown field type 13"));
    EXPECT_THAT(
        skip_all(Bytes({0x16, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01})),
        HasSubstr("varint"));
    EXPECT_THAT(skip_all(std::string(200, '\x1C')), HasSubstr("too deep"));  // nested structs
    EXPECT_THAT(skip_all(Bytes({0x17, 1, 2, 3})), HasSubstr("truncated double"));
    // Every prefix of a valid struct is truncated.
    ThriftCompactWriter w;
    w.BeginStruct();
    w.FieldI64(1, 123456789);
    w.FieldBinary(2, "hello");
    w.FieldListBegin(3, ThriftCompactWriter::kI32, 3);
    for (int i = 0; i < 3; ++i) w.WriteI32(i * 1000);
    w.EndStruct();
    for (std::size_t cut = 0; cut < w.bytes().size(); ++cut) skip_all(w.bytes().substr(0, cut));
}

// ---- ParquetReader ------------------------------------------------------------------------

using Rows = SampleRows;

// Reads every column of every row group; the first error, or OK with `out` filled (bf16 columns
// into acts, FLOAT columns into float_acts, as the file's schema says).
Status ReadShard(const ParquetReader& reader, std::size_t n_activation_columns, Rows& out) {
    out = Rows();
    out.acts.resize(n_activation_columns);
    out.float_acts.resize(n_activation_columns);
    for (int rg = 0; rg < reader.num_row_groups(); ++rg) {
        std::vector<std::int64_t> i64, offsets;
        std::vector<std::int32_t> i32;
        ACT_RETURN_IF_ERROR(reader.ReadInt64(rg, 0, i64));
        out.doc_ids.insert(out.doc_ids.end(), i64.begin(), i64.end());
        ACT_RETURN_IF_ERROR(reader.ReadInt32(rg, 1, i32));
        out.tok_pos.insert(out.tok_pos.end(), i32.begin(), i32.end());
        ACT_RETURN_IF_ERROR(reader.ReadInt32(rg, 2, i32));
        out.token_ids.insert(out.token_ids.end(), i32.begin(), i32.end());
        for (std::size_t c = 0; c < n_activation_columns; ++c) {
            const int column = static_cast<int>(3 + c);
            std::vector<float> f32;
            const bool is_float = reader.leaf_columns()[3 + c].physical == parquet::PhysicalType::kFloat;
            if (is_float) {
                ACT_RETURN_IF_ERROR(reader.ReadFloat(rg, column, f32, &offsets));
            } else {
                ACT_RETURN_IF_ERROR(reader.ReadInt32(rg, column, i32, &offsets));
            }
            if (offsets.size() != static_cast<std::size_t>(reader.row_group_rows(rg)) + 1 ||
                offsets.back() != static_cast<std::int64_t>(is_float ? f32.size() : i32.size())) {
                return Status::Internal("bad offsets");
            }
            out.float_acts[c].insert(out.float_acts[c].end(), f32.begin(), f32.end());
            for (std::int32_t v : is_float ? std::vector<std::int32_t>() : i32) {
                out.acts[c].push_back(static_cast<std::uint16_t>(v));
            }
        }
    }
    return Status::Ok();
}

ParquetShardOptions SmallOptions(Compression compression, bool byte_stream_split) {
    ParquetShardOptions options;
    options.compression = compression;
    options.byte_stream_split = byte_stream_split;
    options.activation_columns = {{"activacion", 24}, {"resid", 5}, {"mlp_out", 1}};
    options.row_group_bytes = 40 * (16 + 2 * 30);  // 40 rows per row group
    options.page_bytes = 4 * 24 * 6;  // 6 rows per activation page, several scalar pages
    return options;
}

class ParquetReaderRoundTripTest : public ::testing::TestWithParam<std::tuple<Compression, bool>> {
};

TEST_P(ParquetReaderRoundTripTest, ReadsBackEveryValueWritten) {
    testing::TempDir dir;
    const auto [compression, byte_stream_split] = GetParam();
    const ParquetShardOptions options = SmallOptions(compression, byte_stream_split);
    const std::string path = dir.File("shard.parquet");
    const Rows written = WriteSampleShard(path, options, 173);

    auto reader = ParquetReader::Open(path);
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    const ParquetReader& r = **reader;
    EXPECT_EQ(r.num_rows(), 173);
    EXPECT_EQ(r.num_row_groups(), 5);  // 4 x 40 + 13
    EXPECT_EQ(r.row_group_rows(0), 40);
    EXPECT_EQ(r.row_group_rows(4), 13);
    ASSERT_EQ(r.leaf_columns().size(), 6u);
    EXPECT_EQ(r.leaf_columns()[0].path, "doc_id");
    EXPECT_EQ(r.leaf_columns()[0].physical, parquet::PhysicalType::kInt64);
    EXPECT_EQ(r.leaf_columns()[0].max_definition_level, 1);
    EXPECT_EQ(r.leaf_columns()[0].max_repetition_level, 0);
    EXPECT_EQ(r.leaf_columns()[3].path, "activacion.list.element");
    EXPECT_EQ(r.leaf_columns()[3].max_definition_level, 3);
    EXPECT_EQ(r.leaf_columns()[3].max_repetition_level, 1);
    EXPECT_EQ(r.leaf_columns()[4].path, "resid.list.element");
    EXPECT_EQ(*r.FindColumn("resid"), 4);
    EXPECT_EQ(*r.FindColumn("token_id"), 2);
    EXPECT_EQ(r.key_value("huggingface"), HuggingFaceFeaturesJson(options.activation_columns));
    EXPECT_TRUE(r.key_value("ARROW:schema").has_value());
    EXPECT_FALSE(r.key_value("nope").has_value());

    Rows read;
    Status status = ReadShard(r, options.activation_columns.size(), read);
    ASSERT_TRUE(status.ok()) << status.message();
    EXPECT_EQ(read.doc_ids, written.doc_ids);
    EXPECT_EQ(read.tok_pos, written.tok_pos);
    EXPECT_EQ(read.token_ids, written.token_ids);
    for (std::size_t c = 0; c < written.acts.size(); ++c)
        EXPECT_EQ(read.acts[c], written.acts[c]) << c;
}

INSTANTIATE_TEST_SUITE_P(
    Codecs, ParquetReaderRoundTripTest,
    ::testing::Combine(::testing::Values(Compression::kNone, Compression::kSnappy,
                                         Compression::kZstd, Compression::kGzip),
                       ::testing::Bool()));

TEST(ParquetReaderTest, DefaultLayoutWithLargePagesReadsBack) {
    testing::TempDir dir;
    ParquetShardOptions options;  // one row group, 1 MiB pages, width 2048
    const std::string path = dir.File("big.parquet");
    const Rows written = WriteSampleShard(path, options, 300);
    auto reader = ParquetReader::Open(path);
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    EXPECT_EQ((*reader)->num_row_groups(), 1);
    Rows read;
    Status status = ReadShard(**reader, 1, read);
    ASSERT_TRUE(status.ok()) << status.message();
    EXPECT_EQ(read.doc_ids, written.doc_ids);
    EXPECT_EQ(read.acts[0], written.acts[0]);
}

TEST(ParquetReaderTest, WrongTypeMissingOffsetsAndUnknownNames) {
    testing::TempDir dir;
    const std::string path = dir.File("shard.parquet");
    WriteSampleShard(path, SmallOptions(Compression::kZstd, false), 10);
    auto reader = ParquetReader::Open(path);
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    std::vector<std::int32_t> i32;
    std::vector<std::int64_t> i64, offsets;
    std::vector<std::string> strings;
    EXPECT_EQ((*reader)->ReadInt32(0, 0, i32).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ((*reader)->ReadStrings(0, 1, strings).code(), StatusCode::kInvalidArgument);
    Status status = (*reader)->ReadInt32(0, 3, i32);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("list_offsets"));
    // A flat column read with offsets: one value per row.
    ASSERT_TRUE((*reader)->ReadInt64(0, 0, i64, &offsets).ok());
    EXPECT_EQ(offsets.size(), 11u);
    EXPECT_EQ(offsets.back(), 10);
    auto missing = (*reader)->FindColumn("nope");
    EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(missing.status().message(), HasSubstr(path));
    EXPECT_EQ(ParquetReader::Open(dir.File("absent.parquet")).status().code(),
              StatusCode::kNotFound);
}

TEST(ParquetReaderTest, CorruptPageHeaderNamesFileColumnRowGroupAndOffset) {
    testing::TempDir dir;
    const std::string path = dir.File("shard.parquet");
    WriteSampleShard(path, SmallOptions(Compression::kNone, false), 10);
    std::string bytes = testing::ReadFile(path);
    bytes[4] = '\xFF';  // the first page header (doc_id's) starts right after "PAR1"
    const std::string bad = dir.File("bad.parquet");
    testing::WriteFile(bad, bytes);
    auto reader = ParquetReader::Open(bad);
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    std::vector<std::int64_t> values;
    Status status = (*reader)->ReadInt64(0, 0, values);
    EXPECT_EQ(status.code(), StatusCode::kCorruption);
    EXPECT_THAT(status.message(),
                HasSubstr(bad + ": column 'doc_id' row group 0: page header at offset 4: "));
    EXPECT_TRUE(values.empty());
}

// Every prefix of a file (and every file whose data region is cut short under an intact
// footer) fails to open with Corruption naming the file.
TEST(ParquetReaderTest, TruncatedFilesAreCorruption) {
    testing::TempDir dir;
    const std::string path = dir.File("shard.parquet");
    WriteSampleShard(path, SmallOptions(Compression::kSnappy, false), 60);
    const std::string bytes = testing::ReadFile(path);
    std::uint32_t footer_length = 0;
    std::memcpy(&footer_length, bytes.data() + bytes.size() - 8, 4);
    const std::size_t footer_start = bytes.size() - 8 - footer_length;
    const std::string cut_path = dir.File("cut.parquet");
    int cases = 0;
    for (std::size_t cut = 0; cut < bytes.size();
         cut += (cut < 64 || bytes.size() - cut < 64) ? 1 : 7) {
        testing::WriteFile(cut_path, bytes.substr(0, cut));
        auto reader = ParquetReader::Open(cut_path);
        ASSERT_FALSE(reader.ok()) << cut;
        ASSERT_EQ(reader.status().code(), StatusCode::kCorruption)
            << cut << ": " << reader.status().message();
        ASSERT_THAT(reader.status().message(), HasSubstr(cut_path + ": "));
        ASSERT_EQ(reader.status().message().find('\n'), std::string::npos);
        ++cases;
        if (cut >= 4 && cut < footer_start) {
            testing::WriteFile(cut_path, bytes.substr(0, cut) + bytes.substr(footer_start));
            auto spliced = ParquetReader::Open(cut_path);
            ASSERT_FALSE(spliced.ok()) << cut;
            ASSERT_EQ(spliced.status().code(), StatusCode::kCorruption)
                << spliced.status().message();
            ++cases;
        }
    }
    EXPECT_GT(cases, 200);
}

// Flipping any byte of a file must give OK (the flip hit a value or a statistic), Corruption
// or Unimplemented (a flipped codec or encoding id) -- never a crash or an out-of-bounds read.
// A flip that turns a FLOAT leaf into another type (`type_flips_possible`) may also give
// InvalidArgument: the column is then read as what it claims to be.
void FlipEveryByte(const ParquetShardOptions& options, bool type_flips_possible = false) {
    testing::TempDir dir;
    const std::string path = dir.File("shard.parquet");
    WriteSampleShard(path, options, 30);
    const std::string bytes = testing::ReadFile(path);
    const std::string flipped_path = dir.File("flipped.parquet");
    testing::WriteFile(flipped_path, bytes);
    // The copy is patched in place, one byte at a time (rewriting whole files is slow on
    // some file systems).
    std::fstream file(flipped_path, std::ios::in | std::ios::out | std::ios::binary);
    auto patch = [&](std::size_t offset, char value) {
        file.seekp(static_cast<std::streamoff>(offset));
        file.put(value);
        file.flush();
    };
    int corrupt = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        for (const char mask : {'\x01', '\x80', '\xFF'}) {
            patch(i, static_cast<char>(bytes[i] ^ mask));
            Status status;
            auto reader = ParquetReader::Open(flipped_path);
            if (reader.ok()) {
                Rows read;
                status = ReadShard(**reader, options.activation_columns.size(), read);
            } else {
                status = reader.status();
            }
            ASSERT_TRUE(status.ok() || status.code() == StatusCode::kCorruption ||
                        status.code() == StatusCode::kUnimplemented ||
                        (type_flips_possible && status.code() == StatusCode::kInvalidArgument))
                << "byte " << i << ": " << status.message();
            if (!status.ok()) {
                ASSERT_THAT(status.message(), HasSubstr(flipped_path + ": "));
                ++corrupt;
            }
        }
        patch(i, bytes[i]);
    }
    EXPECT_GT(corrupt, static_cast<int>(bytes.size()) / 2);
}

// Two small bf16 columns, several row groups and pages.
ParquetShardOptions FlipOptions(Compression compression, bool byte_stream_split) {
    ParquetShardOptions options = SmallOptions(compression, byte_stream_split);
    options.activation_columns = {{"activacion", 6}, {"resid", 2}};
    options.row_group_bytes = 12 * (16 + 2 * 8);
    options.page_bytes = 4 * 6 * 5;
    return options;
}

TEST(ParquetReaderTest, ByteFlipsUncompressedNeverCrash) { FlipEveryByte(FlipOptions(Compression::kNone, false)); }
TEST(ParquetReaderTest, ByteFlipsByteStreamSplitNeverCrash) { FlipEveryByte(FlipOptions(Compression::kNone, true)); }
TEST(ParquetReaderTest, ByteFlipsZstdNeverCrash) { FlipEveryByte(FlipOptions(Compression::kZstd, false)); }
TEST(ParquetReaderTest, ByteFlipsSnappyNeverCrash) { FlipEveryByte(FlipOptions(Compression::kSnappy, false)); }
TEST(ParquetReaderTest, ByteFlipsGzipNeverCrash) { FlipEveryByte(FlipOptions(Compression::kGzip, false)); }

// ---- float32 columns ----------------------------------------------------------------------

std::uint32_t FloatBits(float value) { return std::bit_cast<std::uint32_t>(value); }

// float32 columns next to bf16 ones: every codec, PLAIN and BYTE_STREAM_SPLIT, every float class
// (±0, denormals, ±inf) back bit for bit.
class ParquetReaderFloat32Test : public ::testing::TestWithParam<std::tuple<Compression, bool>> {};

TEST_P(ParquetReaderFloat32Test, ReadsBackEveryBit) {
    testing::TempDir dir;
    const auto [compression, byte_stream_split] = GetParam();
    ParquetShardOptions options;
    options.compression = compression;
    options.byte_stream_split = byte_stream_split;
    options.activation_columns = {{"activacion", 8}, {"f32", 13, ActivationType::kFloat32}};
    options.row_group_bytes = 30 * (16 + 2 * 8 + 4 * 13);  // 30 rows per row group
    options.page_bytes = 4 * 13 * 7;
    const std::string path = dir.File("f32.parquet");
    const SampleRows written = WriteSampleShard(path, options, 101, 3);
    auto reader = ParquetReader::Open(path);
    ASSERT_TRUE(reader.ok()) << reader.status().message();
    const int column = *(*reader)->FindColumn("f32");
    EXPECT_EQ((*reader)->leaf_columns()[static_cast<std::size_t>(column)].physical, parquet::PhysicalType::kFloat);
    std::vector<float> all, values;
    std::vector<std::int64_t> offsets;
    for (int rg = 0; rg < (*reader)->num_row_groups(); ++rg) {
        Status status = (*reader)->ReadFloat(rg, column, values, &offsets);
        ASSERT_TRUE(status.ok()) << status.message();
        ASSERT_EQ(offsets.size(), static_cast<std::size_t>((*reader)->row_group_rows(rg)) + 1);
        all.insert(all.end(), values.begin(), values.end());
    }
    ASSERT_EQ(all.size(), written.float_acts[1].size());
    EXPECT_EQ(std::memcmp(all.data(), written.float_acts[1].data(), all.size() * 4), 0);
    // The bf16 column beside it is untouched.
    std::vector<std::int32_t> bits;
    ASSERT_TRUE((*reader)->ReadInt32(0, *(*reader)->FindColumn("activacion"), bits, &offsets).ok());
    for (std::size_t i = 0; i < bits.size(); ++i) ASSERT_EQ(static_cast<std::uint16_t>(bits[i]), written.acts[0][i]);
    // A FLOAT column is not INT32.
    EXPECT_EQ((*reader)->ReadInt32(0, column, bits, &offsets).code(), StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Codecs, ParquetReaderFloat32Test,
                         ::testing::Combine(::testing::Values(Compression::kNone, Compression::kSnappy,
                                                              Compression::kZstd, Compression::kGzip),
                                            ::testing::Bool()));

// Values no sample row holds: NaNs with payloads and both signs (the writer has no statistics to
// order them by), the extremes, the smallest denormal; PLAIN and BYTE_STREAM_SPLIT.
TEST(ParquetReaderFloat32EdgeTest, NaNPayloadsAndExtremesComeBackBitForBit) {
    const std::vector<std::uint32_t> bits = {
        0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0x7FBFFFFFu, 0xFFFFFFFFu,  // NaNs (quiet, signalling)
        0x7F7FFFFFu, 0xFF7FFFFFu, 0x00800000u, 0x00000001u, 0x80000001u,  // ±max, min normal, ±denorm_min
        0x80000000u, 0x00000000u, 0x7F800000u, 0xFF800000u, 0x3F800000u,  // -0, +0, ±inf, 1
    };
    for (const bool byte_stream_split : {false, true}) {
        testing::TempDir dir;
        ParquetShardOptions options;
        options.byte_stream_split = byte_stream_split;
        options.activation_columns = {{"activacion", 5, ActivationType::kFloat32}};
        const std::string path = dir.File("nan.parquet");
        {
            auto writer = ParquetShardWriter::Create(path, options);
            ASSERT_TRUE(writer.ok()) << writer.status().message();
            for (std::size_t r = 0; r < bits.size() / 5; ++r) {
                const std::vector<std::span<const std::byte>> row = {
                    std::as_bytes(std::span<const std::uint32_t>(bits).subspan(5 * r, 5))};
                ASSERT_TRUE((*writer)->AddRow(static_cast<std::int64_t>(r), 0, 0, row).ok());
            }
            ASSERT_TRUE((*writer)->Finish().ok());
        }
        auto reader = ParquetReader::Open(path);
        ASSERT_TRUE(reader.ok()) << reader.status().message();
        std::vector<float> values;
        std::vector<std::int64_t> offsets;
        Status status = (*reader)->ReadFloat(0, *(*reader)->FindColumn("activacion"), values, &offsets);
        ASSERT_TRUE(status.ok()) << status.message();
        EXPECT_EQ(offsets, (std::vector<std::int64_t>{0, 5, 10, 15}));
        ASSERT_EQ(values.size(), bits.size());
        for (std::size_t i = 0; i < bits.size(); ++i) {
            EXPECT_EQ(FloatBits(values[i]), bits[i]) << "value " << i << " byte_stream_split " << byte_stream_split;
        }
    }
}

// A float32 shard under damage, as FlipEveryByte: OK, Corruption or Unimplemented, never a crash.
TEST(ParquetReaderFloat32EdgeTest, ByteFlipsNeverCrash) {
    for (const bool byte_stream_split : {false, true}) {
        ParquetShardOptions options = FlipOptions(Compression::kNone, byte_stream_split);
        options.activation_columns = {{"activacion", 6, ActivationType::kFloat32}};
        options.row_group_bytes = 12 * (16 + 4 * 6);
        FlipEveryByte(options, /*type_flips_possible=*/true);
    }
}

}  // namespace
}  // namespace actcache::dataset
