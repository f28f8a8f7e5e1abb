// save_to_disk folders written by SaveToDiskWriter, read back by a reader that is not ours:
// apache-arrow (JS) opens the .arrow file as an IPC stream; every value must come back, with
// the schema and metadata datasets writes. The JSON files are checked key by key against
// reference/hf-formats-and-hub.md §B.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/json.h"
#include "core/sha256.h"
#include "dataset/sample_shard.h"
#include "dataset/save_to_disk_writer.h"
#include "support/temp_dir.h"

namespace actcache::dataset {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

JsonValue ReadWithArrowJs(const testing::TempDir& dir, const std::string& path) {
    const std::string oracles = std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles";
    const std::string command = "cd " + oracles + " && node read_arrow_stream.mjs " + path + " > " +
                                dir.File("oracle.json") + " 2> " + dir.File("oracle.err");
    const int status = std::system(command.c_str());
    EXPECT_EQ(status, 0) << testing::ReadFile(dir.File("oracle.err"));
    auto json = ParseJson(testing::ReadFile(dir.File("oracle.json")));
    EXPECT_TRUE(json.ok()) << json.status().message();
    return json.ok() ? *json : JsonValue::Object();
}

std::vector<std::string> Keys(const JsonValue& object) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : object.members()) keys.push_back(key);
    return keys;
}

void ExpectRowsEqual(const JsonValue& rows, const SampleRows& expected,
                     const std::vector<ActivationColumn>& columns) {
    ASSERT_EQ(rows.items().size(), expected.doc_ids.size());
    for (std::size_t r = 0; r < expected.doc_ids.size(); ++r) {
        const auto& row = rows.items()[r].items();
        ASSERT_EQ(row.size(), 3 + columns.size());
        ASSERT_EQ(row[0].as_string(), std::to_string(expected.doc_ids[r])) << "row " << r;
        ASSERT_EQ(row[1].as_int64(), expected.tok_pos[r]) << "row " << r;
        ASSERT_EQ(row[2].as_int64(), expected.token_ids[r]) << "row " << r;
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const auto& values = row[3 + c].items();
            ASSERT_EQ(static_cast<std::int64_t>(values.size()), columns[c].width);
            for (std::int64_t i = 0; i < columns[c].width; ++i) {
                const auto k = static_cast<std::size_t>(
                    r * static_cast<std::size_t>(columns[c].width) + static_cast<std::size_t>(i));
                if (columns[c].type == ActivationType::kFloat32) {
                    std::uint32_t bits;
                    std::memcpy(&bits, &expected.float_acts[c][k], 4);
                    ASSERT_EQ(values[static_cast<std::size_t>(i)].as_int64(), bits)
                        << "row " << r << " column " << c;
                } else {
                    ASSERT_EQ(values[static_cast<std::size_t>(i)].as_int64(), expected.acts[c][k])
                        << "row " << r << " column " << c;
                }
            }
        }
    }
}

TEST(SaveToDiskWriterTest, ApacheArrowReadsBackEveryValueInBatchesOfAThousand) {
    testing::TempDir dir;
    ArrowStreamOptions options;
    // Odd widths and an odd last batch: buffers that need padding to 8 bytes.
    options.activation_columns = {{"activacion", 37, ActivationType::kBf16Bits},
                                  {"resid", 5, ActivationType::kFloat32}};
    const std::string folder = dir.File("train_00000");
    auto writer = SaveToDiskWriter::Create(folder, options);
    ASSERT_TRUE(writer.ok()) << writer.status().message();
    const SampleRows rows = WriteSampleRows(**writer, options.activation_columns, 2501, 3);
    const std::string path = folder + "/data-00000-of-00001.arrow";

    const JsonValue arrow = ReadWithArrowJs(dir, path);
    EXPECT_TRUE(arrow.Find("is_stream")->as_bool());
    EXPECT_TRUE(arrow.Find("ends_with_eos")->as_bool());
    const std::string fields = SerializeJson(*arrow.Find("fields"));
    EXPECT_THAT(fields,
                HasSubstr(R"({"name":"doc_id","type":"Int64","nullable":true,"children":[]})"));
    EXPECT_THAT(fields,
                HasSubstr(R"({"name":"tok_pos","type":"Int32","nullable":true,"children":[]})"));
    EXPECT_THAT(fields,
                HasSubstr(R"({"name":"token_id","type":"Int32","nullable":true,"children":[]})"));
    EXPECT_THAT(
        fields,
        HasSubstr(
            R"({"name":"activacion","type":"FixedSizeList[37]<Uint16>","nullable":true,)"
            R"("children":[{"name":"item","type":"Uint16","nullable":true,"children":[]}]})"));
    EXPECT_THAT(
        fields,
        HasSubstr(
            R"({"name":"resid","type":"FixedSizeList[5]<Float32>","nullable":true,)"
            R"("children":[{"name":"item","type":"Float32","nullable":true,"children":[]}]})"));
    EXPECT_EQ(
        arrow.Find("metadata")->Find("huggingface")->as_string(),
        R"({"info": {"features": {"doc_id": {"dtype": "int64", "_type": "Value"}, )"
        R"("tok_pos": {"dtype": "int32", "_type": "Value"}, )"
        R"("token_id": {"dtype": "int32", "_type": "Value"}, )"
        R"("activacion": {"feature": {"dtype": "uint16", "_type": "Value"}, "length": 37, "_type": "List"}, )"
        R"("resid": {"feature": {"dtype": "float32", "_type": "Value"}, "length": 5, "_type": "List"}}}})");
    std::vector<std::int64_t> batches;
    for (const JsonValue& n : arrow.Find("batches")->items()) batches.push_back(n.as_int64());
    EXPECT_THAT(batches, ElementsAre(1000, 1000, 501));
    ExpectRowsEqual(*arrow.Find("rows"), rows, options.activation_columns);

    // What the writer reports is what is on disk.
    const std::string bytes = testing::ReadFile(path);
    Sha256 sha;
    sha.Update(bytes);
    EXPECT_EQ((*writer)->sha256(), sha.HexDigest());
    EXPECT_EQ((*writer)->size_bytes(), static_cast<std::int64_t>(bytes.size()));
    EXPECT_EQ((*writer)->rows(), 2501);
    EXPECT_EQ(bytes.size() % 8, 0u);
}

TEST(SaveToDiskWriterTest, WritesStateAndDatasetInfoAsSaveToDisk) {
    testing::TempDir dir;
    ArrowStreamOptions options;
    options.activation_columns = {{"activacion", 16, ActivationType::kBf16Bits}};
    const std::string folder = dir.File("train_00003");
    auto writer = SaveToDiskWriter::Create(folder, options);
    ASSERT_TRUE(writer.ok()) << writer.status().message();
    WriteSampleRows(**writer, options.activation_columns, 10);

    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
        names.push_back(entry.path().filename().string());
    EXPECT_THAT(names, ElementsAre("train_00003"));  // the temporary folder is gone
    names.clear();
    for (const auto& entry : std::filesystem::directory_iterator(folder))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    EXPECT_THAT(names, ElementsAre("data-00000-of-00001.arrow", "dataset_info.json", "state.json"));

    const std::string state_text = testing::ReadFile(folder + "/state.json");
    auto state = ParseJson(state_text);
    ASSERT_TRUE(state.ok()) << state.status().message();
    EXPECT_THAT(Keys(*state),
                ElementsAre("_data_files", "_fingerprint", "_format_columns", "_format_kwargs",
                            "_format_type", "_output_all_columns", "_split"));
    ASSERT_EQ(state->Find("_data_files")->items().size(), 1u);
    EXPECT_EQ(SerializeJson(state->Find("_data_files")->items()[0]),
              R"({"filename":"data-00000-of-00001.arrow"})");
    const std::string fingerprint = state->Find("_fingerprint")->as_string();
    EXPECT_EQ(fingerprint.size(), 16u);
    EXPECT_EQ(fingerprint.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(fingerprint, (*writer)->sha256().substr(0, 16));
    EXPECT_TRUE(state->Find("_format_columns")->is_null());
    EXPECT_TRUE(state->Find("_format_kwargs")->is_object() &&
                state->Find("_format_kwargs")->members().empty());
    EXPECT_TRUE(state->Find("_format_type")->is_null());
    EXPECT_FALSE(state->Find("_output_all_columns")->as_bool());
    EXPECT_TRUE(state->Find("_split")->is_null());
    // json.dump(indent=2): Python's layout, no final newline.
    EXPECT_THAT(state_text, HasSubstr("{\n  \"_data_files\": [\n    {\n      \"filename\": "));
    EXPECT_THAT(state_text, HasSubstr("\"_format_kwargs\": {},\n"));
    EXPECT_EQ(state_text.back(), '}');

    const std::string info_text = testing::ReadFile(folder + "/dataset_info.json");
    auto info = ParseJson(info_text);
    ASSERT_TRUE(info.ok()) << info.status().message();
    EXPECT_THAT(Keys(*info),
                ElementsAre("citation", "description", "features", "homepage", "license"));
    for (const char* key : {"citation", "description", "homepage", "license"})
        EXPECT_EQ(info->Find(key)->as_string(), "") << key;
    // Nested features keep Features.to_dict() order (only the top level is sorted).
    EXPECT_EQ(
        SerializeJson(*info->Find("features")),
        R"({"doc_id":{"dtype":"int64","_type":"Value"},"tok_pos":{"dtype":"int32","_type":"Value"},)"
        R"("token_id":{"dtype":"int32","_type":"Value"},)"
        R"("activacion":{"feature":{"dtype":"uint16","_type":"Value"},"length":16,"_type":"List"}})");
    EXPECT_EQ(info_text.back(), '}');
}

TEST(SaveToDiskWriterTest, SameRowsGiveTheSameBytes) {
    testing::TempDir dir;
    ArrowStreamOptions options;
    options.activation_columns = {{"activacion", 8, ActivationType::kBf16Bits}};
    for (const char* name : {"a", "b"}) {
        auto writer = SaveToDiskWriter::Create(dir.File(name), options);
        ASSERT_TRUE(writer.ok());
        WriteSampleRows(**writer, options.activation_columns, 1234, 5);
    }
    for (const char* file : {"data-00000-of-00001.arrow", "state.json", "dataset_info.json"}) {
        EXPECT_EQ(testing::ReadFile(dir.File("a/") + file),
                  testing::ReadFile(dir.File("b/") + file))
            << file;
    }
}

TEST(SaveToDiskWriterTest, AnUnfinishedShardLeavesNothing) {
    testing::TempDir dir;
    ArrowStreamOptions options;
    options.activation_columns = {{"activacion", 8, ActivationType::kBf16Bits}};
    {
        auto writer = SaveToDiskWriter::Create(dir.File("train_00000"), options);
        ASSERT_TRUE(writer.ok());
        const std::vector<std::uint16_t> values(8, 1);
        const std::span<const std::byte> row[1] = {
            std::as_bytes(std::span<const std::uint16_t>(values))};
        ASSERT_TRUE((*writer)->AddRow(0, 1, 2, row).ok());
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(SaveToDiskWriterTest, RefusesToOverwriteAShard) {
    testing::TempDir dir;
    std::filesystem::create_directory(dir.File("train_00000"));
    auto writer = SaveToDiskWriter::Create(dir.File("train_00000"), ArrowStreamOptions{});
    ASSERT_FALSE(writer.ok());
    EXPECT_EQ(writer.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(writer.status().message(), HasSubstr("train_00000: already exists"));
}

}  // namespace
}  // namespace actcache::dataset
