// Tests of the safetensors reader and writer: round trips, a file assembled by hand from the
// format description (reference/llama32-spec.md §3) so the reader is checked against the spec
// and not only against our writer, and one test per class of corrupt file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/json.h"
#include "model/safetensors_format.h"
#include "model/safetensors_reader.h"
#include "model/safetensors_writer.h"
#include "support/temp_dir.h"

namespace actcache::model {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::string_view kSource = "corrupt.safetensors";

// N as 8 bytes little-endian, spelled out byte by byte.
std::string LengthPrefix(std::uint64_t length) {
    std::string out;
    for (int byte_idx = 0; byte_idx < 8; ++byte_idx) {
        out += static_cast<char>((length >> (8 * byte_idx)) & 0xFF);
    }
    return out;
}

// A file made by hand: length prefix, the JSON text exactly as given, then the data section.
std::string Assemble(std::string_view json, std::string_view data) {
    return LengthPrefix(json.size()) + std::string(json) + std::string(data);
}

std::span<const std::byte> AsBytes(std::string_view text) {
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

std::string AsString(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Parses `file` from an exactly sized heap copy, so that AddressSanitizer builds catch any read
// past its end.
Status ParseStatus(std::string_view file) {
    std::vector<std::byte> copy(file.size());
    if (!file.empty()) std::memcpy(copy.data(), file.data(), file.size());
    return ParseSafetensors(copy, kSource).status();
}

// Deterministic, distinct contents for tensor `tensor_idx`.
std::string Pattern(std::size_t tensor_idx, std::int64_t size_bytes) {
    std::string out(static_cast<std::size_t>(size_bytes), '\0');
    for (std::size_t byte_idx = 0; byte_idx < out.size(); ++byte_idx) {
        out[byte_idx] = static_cast<char>(tensor_idx * 31 + byte_idx * 7 + 1);
    }
    return out;
}

Status WriteWithPatterns(const std::string& path, const std::vector<TensorSpec>& specs,
                         const std::map<std::string, std::string>& metadata = {}) {
    return WriteSafetensors(
        path, specs, metadata,
        [&](std::size_t tensor_idx, std::int64_t offset, std::span<std::byte> out) {
            const std::string all = Pattern(tensor_idx, specs[tensor_idx].size_bytes());
            std::memcpy(out.data(), all.data() + offset, out.size());
        });
}

// ---- dtypes ----------------------------------------------------------------------------

TEST(SafetensorsTest, DtypeNamesAndSizesFollowTheSpec) {
    const std::map<std::string, std::int64_t> expected = {
        {"BOOL", 1}, {"U8", 1},   {"I8", 1},  {"I16", 2},     {"U16", 2},
        {"F16", 2},  {"BF16", 2}, {"I32", 4}, {"U32", 4},     {"F32", 4},
        {"F64", 8},  {"I64", 8},  {"U64", 8}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
    for (const auto& [name, size_bytes] : expected) {
        std::optional<Dtype> dtype = ParseDtypeName(name);
        ASSERT_TRUE(dtype.has_value()) << name;
        EXPECT_EQ(DtypeName(*dtype), name);
        EXPECT_EQ(DtypeSizeBytes(*dtype), size_bytes) << name;
    }
    EXPECT_FALSE(ParseDtypeName("Q4").has_value());
    EXPECT_FALSE(ParseDtypeName("bf16").has_value());  // names are case-sensitive
    EXPECT_FALSE(ParseDtypeName("").has_value());
}

// ---- round trips -----------------------------------------------------------------------

TEST(SafetensorsTest, RoundTripsFloatAndIntegerDtypes) {
    testing::TempDir dir;
    const std::vector<TensorSpec> specs = {
        {"model.embed.weight", Dtype::kBF16, {2, 3}},
        {"half", Dtype::kF16, {5}},
        {"single", Dtype::kF32, {2, 2, 2}},
        {"ids", Dtype::kI64, {3}},
        {"mask", Dtype::kU8, {7}},
    };
    const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "é \"q\""}};
    const std::string path = dir.File("model.safetensors");
    ASSERT_TRUE(WriteWithPatterns(path, specs, metadata).ok());

    auto file = SafetensorsFile::Open(path);
    ASSERT_TRUE(file.ok()) << file.status().message();
    EXPECT_EQ((*file)->path(), path);
    EXPECT_EQ((*file)->metadata(), metadata);
    ASSERT_EQ((*file)->tensors().size(), specs.size());
    for (std::size_t tensor_idx = 0; tensor_idx < specs.size(); ++tensor_idx) {
        // The writer lays tensors out in the given order, so offset order is that order.
        const TensorView& view = (*file)->tensors()[tensor_idx];
        const TensorSpec& spec = specs[tensor_idx];
        EXPECT_EQ(view.name, spec.name);
        EXPECT_EQ(view.dtype, spec.dtype);
        EXPECT_EQ(view.shape, spec.shape);
        EXPECT_EQ(view.numel(), spec.numel());
        EXPECT_EQ(AsString(view.bytes), Pattern(tensor_idx, spec.size_bytes())) << spec.name;
        EXPECT_EQ((*file)->Find(spec.name), &view);
    }
    EXPECT_EQ((*file)->Find("absent"), nullptr);
}

TEST(SafetensorsTest, RoundTripsZeroRankAndEmptyTensors) {
    testing::TempDir dir;
    const std::vector<TensorSpec> specs = {
        {"scalar", Dtype::kF32, {}},
        {"empty", Dtype::kBF16, {0, 4}},
        {"after", Dtype::kI32, {2}},
        {"empty_last", Dtype::kF64, {3, 0}},
    };
    const std::string path = dir.File("x.safetensors");
    ASSERT_TRUE(WriteWithPatterns(path, specs).ok());
    auto file = SafetensorsFile::Open(path);
    ASSERT_TRUE(file.ok()) << file.status().message();
    EXPECT_TRUE((*file)->metadata().empty());

    const TensorView* scalar = (*file)->Find("scalar");
    ASSERT_NE(scalar, nullptr);
    EXPECT_TRUE(scalar->shape.empty());
    EXPECT_EQ(scalar->numel(), 1);
    EXPECT_EQ(AsString(scalar->bytes), Pattern(0, 4));
    for (const char* name : {"empty", "empty_last"}) {
        const TensorView* empty = (*file)->Find(name);
        ASSERT_NE(empty, nullptr) << name;
        EXPECT_EQ(empty->numel(), 0);
        EXPECT_TRUE(empty->bytes.empty());
    }
    EXPECT_EQ(AsString((*file)->Find("after")->bytes), Pattern(2, 8));
}

TEST(SafetensorsTest, RoundTripsAFileWithoutTensors) {
    testing::TempDir dir;
    const std::string path = dir.File("none.safetensors");
    ASSERT_TRUE(WriteWithPatterns(path, {}).ok());
    EXPECT_EQ(testing::ReadFile(path), LengthPrefix(8) + "{}      ");
    auto file = SafetensorsFile::Open(path);
    ASSERT_TRUE(file.ok()) << file.status().message();
    EXPECT_TRUE((*file)->tensors().empty());
}

TEST(SafetensorsTest, HeaderLengthIsAMultipleOfEightPaddedWithSpaces) {
    for (std::size_t name_length = 1; name_length <= 17; ++name_length) {
        const std::vector<TensorSpec> specs = {{std::string(name_length, 'w'), Dtype::kF32, {3}}};
        const std::string header = BuildSafetensorsHeader(specs, {});
        std::uint64_t length = 0;
        for (int byte_idx = 7; byte_idx >= 0; --byte_idx) {
            length = (length << 8) | static_cast<unsigned char>(header[byte_idx]);
        }
        EXPECT_EQ(length % 8, 0u) << name_length;
        ASSERT_EQ(header.size(), 8 + length);
        const std::string json = header.substr(8);
        const std::size_t close = json.rfind('}');
        EXPECT_LT(json.size() - (close + 1), 8u);
        EXPECT_EQ(json.find_first_not_of(' ', close + 1), std::string::npos);
    }
}

TEST(SafetensorsTest, WriterHeaderIsCompactJsonWithLiteralOffsets) {
    const std::vector<TensorSpec> specs = {
        {"b", Dtype::kBF16, {2, 3}}, {"a", Dtype::kF32, {}}, {"z", Dtype::kU8, {0}}};
    const std::string header = BuildSafetensorsHeader(specs, {{"format", "pt"}});
    const std::string json = header.substr(8);
    // Written out from the spec, not from our serializer.
    EXPECT_THAT(json, StartsWith(R"({"__metadata__":{"format":"pt"},)"
                                 R"("b":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]},)"
                                 R"("a":{"dtype":"F32","shape":[],"data_offsets":[12,16]},)"
                                 R"("z":{"dtype":"U8","shape":[0],"data_offsets":[16,16]}})"));

    Result<JsonValue> parsed = ParseJson(json);
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    const std::vector<JsonValue::Member>& members = parsed->members();
    ASSERT_EQ(members.size(), 4u);
    EXPECT_EQ(members[0].first, "__metadata__");  // first, then tensors in the given order
    EXPECT_EQ(members[1].first, "b");
    EXPECT_EQ(members[2].first, "a");
    EXPECT_EQ(members[3].first, "z");
    const JsonValue* offsets = members[2].second.Find("data_offsets");
    ASSERT_NE(offsets, nullptr);
    EXPECT_EQ(offsets->items()[0].as_int64(), 12);
    EXPECT_EQ(offsets->items()[1].as_int64(), 16);

    // No metadata: no "__metadata__" key at all.
    EXPECT_THAT(BuildSafetensorsHeader(specs, {}).substr(8), StartsWith(R"({"b":{)"));
}

TEST(SafetensorsTest, FileAppearsOnlyAfterCommit) {
    testing::TempDir dir;
    const std::string path = dir.File("model.safetensors");
    const std::vector<TensorSpec> specs = {{"t", Dtype::kF32, {4}}};
    int fill_calls = 0;
    Status status =
        WriteSafetensors(path, specs, {}, [&](std::size_t, std::int64_t, std::span<std::byte> out) {
            ++fill_calls;
            EXPECT_FALSE(std::filesystem::exists(path));
            std::memset(out.data(), 0, out.size());
        });
    ASSERT_TRUE(status.ok()) << status.message();
    EXPECT_EQ(fill_calls, 1);
    EXPECT_TRUE(std::filesystem::exists(path));
    // Only the final file remains: the temporary file was renamed, not copied.
    int entries = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        ++entries;
    }
    EXPECT_EQ(entries, 1);
}

TEST(SafetensorsTest, WriterStreamsLargeTensorsInChunksThroughOneBuffer) {
    testing::TempDir dir;
    const std::int64_t size_bytes = kSafetensorsWriteChunkBytes + 24;
    const std::vector<TensorSpec> specs = {{"small", Dtype::kU8, {3}},
                                           {"big", Dtype::kU8, {size_bytes}}};
    std::vector<std::tuple<std::size_t, std::int64_t, std::size_t>> calls;
    std::vector<const std::byte*> buffers;
    Status status = WriteSafetensors(
        dir.File("big.safetensors"), specs, {},
        [&](std::size_t tensor_idx, std::int64_t offset, std::span<std::byte> out) {
            calls.emplace_back(tensor_idx, offset, out.size());
            buffers.push_back(out.data());
            std::memset(out.data(), static_cast<int>(tensor_idx + offset % 251), out.size());
        });
    ASSERT_TRUE(status.ok()) << status.message();
    using Call = std::tuple<std::size_t, std::int64_t, std::size_t>;
    const std::vector<Call> expected = {
        {0, 0, 3},
        {1, 0, static_cast<std::size_t>(kSafetensorsWriteChunkBytes)},
        {1, kSafetensorsWriteChunkBytes, 24}};
    EXPECT_EQ(calls, expected);
    ASSERT_EQ(buffers.size(), 3u);
    EXPECT_EQ(buffers[0], buffers[1]);
    EXPECT_EQ(buffers[1], buffers[2]);

    auto file = SafetensorsFile::Open(dir.File("big.safetensors"));
    ASSERT_TRUE(file.ok()) << file.status().message();
    const TensorView* big = (*file)->Find("big");
    ASSERT_NE(big, nullptr);
    ASSERT_EQ(static_cast<std::int64_t>(big->bytes.size()), size_bytes);
    EXPECT_EQ(big->bytes[kSafetensorsWriteChunkBytes],
              static_cast<std::byte>(1 + kSafetensorsWriteChunkBytes % 251));
}

// ---- the reader against the spec -------------------------------------------------------

TEST(SafetensorsTest, ReadsAHandAssembledFile) {
    // Header order differs from offset order, the metadata comes last and the JSON carries
    // the writer's trailing-space padding: all legal.
    const std::string json = R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},)"
                             R"("a":{"dtype":"U8","shape":[2,2],"data_offsets":[0,4]},)"
                             R"("__metadata__":{"format":"pt"}})"
                             "     ";
    const std::string data = std::string("\x01\x02\x03\x04", 4) +
                             std::string("\x00\x00\x80\x3f", 4) +  // 1.0f little-endian
                             std::string("\x00\x00\x00\xc0", 4);   // -2.0f
    testing::TempDir dir;
    const std::string path = dir.File("hand.safetensors");
    testing::WriteFile(path, Assemble(json, data));

    auto file = SafetensorsFile::Open(path);
    ASSERT_TRUE(file.ok()) << file.status().message();
    EXPECT_EQ((*file)->metadata(), (std::map<std::string, std::string>{{"format", "pt"}}));
    const std::vector<TensorView>& tensors = (*file)->tensors();
    ASSERT_EQ(tensors.size(), 2u);
    EXPECT_EQ(tensors[0].name, "a");  // sorted by offset
    EXPECT_EQ(tensors[0].dtype, Dtype::kU8);
    EXPECT_EQ(tensors[0].shape, (std::vector<std::int64_t>{2, 2}));
    EXPECT_EQ(AsString(tensors[0].bytes), std::string("\x01\x02\x03\x04", 4));
    EXPECT_EQ(tensors[1].name, "b");
    EXPECT_EQ(tensors[1].dtype, Dtype::kF32);
    ASSERT_EQ(tensors[1].bytes.size(), 8u);
    float values[2];
    std::memcpy(values, tensors[1].bytes.data(), sizeof(values));
    EXPECT_EQ(values[0], 1.0f);
    EXPECT_EQ(values[1], -2.0f);

    // In memory too, where the views point into the data section at 8 + N + begin.
    const std::string file_bytes = Assemble(json, data);
    auto parsed = ParseSafetensors(AsBytes(file_bytes), "hand");
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    const auto* base = reinterpret_cast<const std::byte*>(file_bytes.data());
    EXPECT_EQ(parsed->tensors[0].bytes.data(), base + 8 + json.size());
    EXPECT_EQ(parsed->tensors[1].bytes.data(), base + 8 + json.size() + 4);
}

TEST(SafetensorsTest, IgnoresUnknownMembersOfATensorEntry) {
    const std::string json = R"({"t":{"dtype":"I16","shape":[1],"data_offsets":[0,2],"x":1}})";
    EXPECT_TRUE(ParseStatus(Assemble(json, "ab")).ok());
}

// ---- corrupt files: length prefix ------------------------------------------------------

void ExpectCorrupt(const Status& status, std::initializer_list<std::string_view> mentions,
                   StatusCode code = StatusCode::kCorruption) {
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.code(), code) << status.message();
    EXPECT_THAT(status.message(), StartsWith(std::string(kSource) + ": "));
    EXPECT_EQ(status.message().find('\n'), std::string::npos) << "one line";
    for (std::string_view mention : mentions) {
        EXPECT_THAT(status.message(), HasSubstr(std::string(mention)));
    }
}

TEST(SafetensorsTest, RejectsFilesShorterThanTheLengthPrefix) {
    for (std::size_t size = 0; size < 8; ++size) {
        ExpectCorrupt(ParseStatus(std::string(size, '\0')), {std::to_string(size) + " bytes"});
    }
}

TEST(SafetensorsTest, RejectsEveryTruncationOfAValidFile) {
    const std::vector<TensorSpec> specs = {{"a", Dtype::kBF16, {2, 3}}, {"b", Dtype::kF32, {}}};
    const std::string file =
        BuildSafetensorsHeader(specs, {{"format", "pt"}}) + Pattern(0, 12) + Pattern(1, 4);
    ASSERT_TRUE(ParseStatus(file).ok());
    for (std::size_t size = 0; size < file.size(); ++size) {
        Status status = ParseStatus(std::string_view(file).substr(0, size));
        EXPECT_FALSE(status.ok()) << "prefix of " << size << " bytes";
        EXPECT_EQ(status.code(), StatusCode::kCorruption) << size;
    }
}

TEST(SafetensorsTest, RejectsHeaderLengthZero) {
    ExpectCorrupt(ParseStatus(LengthPrefix(0) + "{}"), {"header length is 0"});
}

TEST(SafetensorsTest, RejectsHugeHeaderLength) {
    ExpectCorrupt(ParseStatus(LengthPrefix(0xFFFFFFFFFFFFFFFFull) + "{}"),
                  {"18446744073709551615", "100000000"});
    ExpectCorrupt(ParseStatus(LengthPrefix(kSafetensorsMaxHeaderBytes + 1) + "{}"),
                  {"100000001", "limit"});
}

TEST(SafetensorsTest, RejectsHeaderLengthPastTheEndOfTheFile) {
    // 8 + 100 bytes needed, 8 + 2 present: both numbers are in the message.
    ExpectCorrupt(ParseStatus(LengthPrefix(100) + "{}"), {"100", "108", "10"});
}

// ---- corrupt files: header contents (one row per class) --------------------------------

struct CorruptCase {
    std::string label;
    std::string json;
    std::size_t data_bytes;
    StatusCode code;
    std::vector<std::string> mentions;  // besides the source name
};

void PrintTo(const CorruptCase& c, std::ostream* os) { *os << c.label; }

class SafetensorsCorruptHeaderTest : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(SafetensorsCorruptHeaderTest, IsRejectedWithALocatingMessage) {
    const CorruptCase& c = GetParam();
    Status status = ParseStatus(Assemble(c.json, std::string(c.data_bytes, '\x5a')));
    ASSERT_FALSE(status.ok()) << c.label;
    EXPECT_EQ(status.code(), c.code) << status.message();
    EXPECT_THAT(status.message(), StartsWith(std::string(kSource) + ": "));
    EXPECT_EQ(status.message().find('\n'), std::string::npos);
    for (const std::string& mention : c.mentions) {
        EXPECT_THAT(status.message(), HasSubstr(mention));
    }
}

// A tensor entry "t" with the given members.
std::string One(const std::string& members) { return R"({"t":{)" + members + "}}"; }

const StatusCode kCorrupt = StatusCode::kCorruption;

INSTANTIATE_TEST_SUITE_P(
    SafetensorsTest, SafetensorsCorruptHeaderTest,
    ::testing::Values(
        CorruptCase{"InvalidJson", R"({"t":{"dtype":)", 0, kCorrupt, {"line 1, column"}},
        CorruptCase{"InvalidJsonOnLineTwo", "{\n  \"t\" 1}", 0, kCorrupt, {"line 2, column"}},
        CorruptCase{"InvalidUtf8", "{\"t\xff\":{}}", 0, kCorrupt, {"UTF-8"}},
        CorruptCase{"TopLevelArray", "[1, 2]", 0, kCorrupt, {"expected a JSON object", "array"}},
        CorruptCase{"MetadataNotObject",
                    R"({"__metadata__":"pt"})",
                    0,
                    kCorrupt,
                    {"__metadata__", "string"}},
        CorruptCase{"MetadataValueNotString",
                    R"({"__metadata__":{"format":1}})",
                    0,
                    kCorrupt,
                    {"__metadata__", "format", "number"}},
        CorruptCase{"EntryNotObject", R"({"t":[1]})", 0, kCorrupt, {"'t'", "array"}},
        CorruptCase{"MissingDtype",
                    One(R"("shape":[],"data_offsets":[0,4])"),
                    4,
                    kCorrupt,
                    {"'t'", "missing \"dtype\""}},
        CorruptCase{"DtypeNotString",
                    One(R"("dtype":2,"shape":[],"data_offsets":[0,4])"),
                    4,
                    kCorrupt,
                    {"'t'", "dtype", "number"}},
        CorruptCase{"UnknownDtype",
                    One(R"("dtype":"Q4","shape":[],"data_offsets":[0,4])"),
                    4,
                    StatusCode::kUnimplemented,
                    {"'t'", "\"Q4\""}},
        CorruptCase{"MissingShape",
                    One(R"("dtype":"F32","data_offsets":[0,4])"),
                    4,
                    kCorrupt,
                    {"'t'", "missing \"shape\""}},
        CorruptCase{"ShapeNotArray",
                    One(R"("dtype":"F32","shape":4,"data_offsets":[0,4])"),
                    4,
                    kCorrupt,
                    {"'t'", "shape", "number"}},
        CorruptCase{"NegativeDim",
                    One(R"("dtype":"F32","shape":[2,-3],"data_offsets":[0,4])"),
                    4,
                    kCorrupt,
                    {"'t'", "shape[1]", "-3"}},
        CorruptCase{"FractionalDim",
                    One(R"("dtype":"F32","shape":[2.5],"data_offsets":[0,4])"),
                    4,
                    kCorrupt,
                    {"'t'", "shape[0]", "2.5"}},
        CorruptCase{"DimNotANumber",
                    One(R"("dtype":"F32","shape":["2"],"data_offsets":[0,8])"),
                    8,
                    kCorrupt,
                    {"'t'", "shape[0]"}},
        CorruptCase{"DimBeyondInt64",
                    One(R"("dtype":"U8","shape":[99999999999999999999],"data_offsets":[0,4])"),
                    4,
                    kCorrupt,
                    {"'t'", "shape[0]"}},
        CorruptCase{"DimsOverflowInt64",
                    One(R"("dtype":"F32","shape":[4294967296,4294967296],)"
                        R"("data_offsets":[0,4])"),
                    4,
                    kCorrupt,
                    {"'t'", "overflows", "[4294967296, 4294967296]"}},
        CorruptCase{"BytesOverflowInt64",
                    One(R"("dtype":"F64","shape":[9223372036854775807],"data_offsets":[0,8])"),
                    8,
                    kCorrupt,
                    {"'t'", "overflows"}},
        CorruptCase{"MissingOffsets",
                    One(R"("dtype":"F32","shape":[1])"),
                    4,
                    kCorrupt,
                    {"'t'", "missing \"data_offsets\""}},
        CorruptCase{"NonIntegerOffsets",
                    One(R"("dtype":"F32","shape":[1],"data_offsets":[0,4.0])"),
                    4,
                    kCorrupt,
                    {"'t'", "data_offsets", "[0,4.0]"}},
        CorruptCase{"OneOffset",
                    One(R"("dtype":"F32","shape":[1],"data_offsets":[4])"),
                    4,
                    kCorrupt,
                    {"'t'", "data_offsets"}},
        CorruptCase{"NegativeOffset",
                    One(R"("dtype":"F32","shape":[1],"data_offsets":[-4,0])"),
                    4,
                    kCorrupt,
                    {"'t'", "data_offsets"}},
        CorruptCase{"BeginAfterEnd",
                    One(R"("dtype":"F32","shape":[1],"data_offsets":[8,4])"),
                    8,
                    kCorrupt,
                    {"'t'", "begin <= end", "[8,4]"}},
        CorruptCase{"EndPastDataSection",
                    One(R"("dtype":"F32","shape":[3],"data_offsets":[0,12])"),
                    8,
                    kCorrupt,
                    {"'t'", "end 12", "8 bytes"}},
        CorruptCase{"ShapeTimesDtypeIsNotTheSpan",
                    One(R"("dtype":"F32","shape":[2],"data_offsets":[0,4])"),
                    4,
                    kCorrupt,
                    {"'t'", "span 4 bytes", "needs 8", "[2] x F32"}},
        CorruptCase{"OverlappingOffsets",
                    R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                    12,
                    kCorrupt,
                    {"overlap", "'a' [0, 8]", "'b' [4, 12]"}},
        CorruptCase{"SameOffsetsTwice",
                    R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                    R"("b":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})",
                    4,
                    kCorrupt,
                    {"overlap", "'a'", "'b'"}},
        CorruptCase{"GapBetweenTensors",
                    R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},)"
                    R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                    12,
                    kCorrupt,
                    {"gap of 4 bytes", "'a' [0, 4]", "'b' [8, 12]"}},
        CorruptCase{"GapAtTheStart",
                    One(R"("dtype":"F32","shape":[1],"data_offsets":[4,8])"),
                    8,
                    kCorrupt,
                    {"'t'", "begins at 4"}},
        CorruptCase{"TrailingBytesAfterTheLastTensor",
                    One(R"("dtype":"F32","shape":[1],"data_offsets":[0,4])"),
                    7,
                    kCorrupt,
                    {"3 trailing bytes", "'t'", "7 bytes", "end at 4"}},
        CorruptCase{"DataWithoutTensors", "{}", 4, kCorrupt, {"4 trailing bytes"}},
        CorruptCase{"DuplicateTensorNames",
                    R"({"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
                    R"("t":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
                    2,
                    kCorrupt,
                    {"duplicate", "\"t\""}}),
    [](const ::testing::TestParamInfo<CorruptCase>& param_info) { return param_info.param.label; });

}  // namespace
}  // namespace actcache::model
