// Parquet corpora: files written by DuckDB (tests/oracles/write_parquet.mjs, an independent
// writer), read as documents — local, by URL with a dropped connection, and after JSONL with
// doc_ids continuing. Expected texts come from the generator's formulas, computed here.
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "corpus/document_reader.h"
#include "support/http_test_server.h"
#include "support/temp_dir.h"

namespace actcache::corpus {
namespace {

using ::testing::HasSubstr;

// write_parquet.mjs: row i has text 'row i' and label 'label_(i % 37)'.
void WriteDuckDbParquet(const std::string& path, int rows, int row_group_size, const char* version) {
    const std::string oracles = std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles";
    const std::string command = "cd " + oracles + " && node write_parquet.mjs " + path + " " + std::to_string(rows) +
                                " " + std::to_string(row_group_size) + " zstd " + version;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

std::vector<Document> ReadAll(std::vector<Source> sources, const std::string& field, Status* error = nullptr) {
    DocumentReaderOptions options;
    options.text_field = field;
    DocumentReader reader(std::move(sources), options);
    std::vector<Document> documents;
    Document document;
    while (true) {
        Result<bool> more = reader.Next(document);
        if (!more.ok()) {
            if (error != nullptr) *error = more.status();
            EXPECT_NE(error, nullptr) << more.status().ToString();
            break;
        }
        if (!*more) break;
        documents.push_back(document);
    }
    return documents;
}

TEST(ParquetDocuments, EveryRowOfTheColumnInOrderAcrossRowGroupsAndFiles) {
    testing::TempDir dir;
    WriteDuckDbParquet(dir.File("a.parquet"), 2500, 1000, "V1");
    WriteDuckDbParquet(dir.File("b.parquet"), 700, 300, "V2");
    testing::WriteFile(dir.File("c.jsonl"), "{\"text\": \"after the parquet files\"}\n");
    const auto documents =
        ReadAll({Source{dir.File("a.parquet"), {}}, Source{dir.File("b.parquet"), {}}, Source{dir.File("c.jsonl"), {}}},
                "text");
    ASSERT_EQ(documents.size(), 2500u + 700u + 1u);
    for (int i = 0; i < 2500; ++i) {
        ASSERT_EQ(documents[static_cast<std::size_t>(i)].text, "row " + std::to_string(i));
        ASSERT_EQ(documents[static_cast<std::size_t>(i)].doc_id, i);
    }
    for (int i = 0; i < 700; ++i) ASSERT_EQ(documents[static_cast<std::size_t>(2500 + i)].text, "row " + std::to_string(i));
    EXPECT_EQ(documents.back().doc_id, 3200);
    EXPECT_EQ(documents.back().text, "after the parquet files");

    // A dictionary-encoded column.
    const auto labels = ReadAll({Source{dir.File("a.parquet"), {}}}, "label");
    ASSERT_EQ(labels.size(), 2500u);
    EXPECT_EQ(labels[40].text, "label_3");
}

TEST(ParquetDocuments, ByUrlEvenWhenTheConnectionDrops) {
    testing::TempDir dir;
    WriteDuckDbParquet(dir.File("a.parquet"), 3000, 1000, "V1");
    const std::string drop_after = std::to_string(std::filesystem::file_size(dir.File("a.parquet")) / 2);
    testing::TestHttpServer server(dir.path(), {"--faults", "1", "--drop-after", drop_after});
    const auto documents = ReadAll({Source{server.Url("a.parquet"), {}}}, "text");
    ASSERT_EQ(documents.size(), 3000u);
    EXPECT_EQ(documents[2999].text, "row 2999");
    EXPECT_THAT(server.Log(), HasSubstr("bytes=" + drop_after + "-"));
}

TEST(ParquetDocuments, WrongColumnsAndBrokenFilesNameTheFile) {
    testing::TempDir dir;
    WriteDuckDbParquet(dir.File("a.parquet"), 10, 10, "V1");
    Status error;
    ReadAll({Source{dir.File("a.parquet"), {}}}, "body", &error);
    EXPECT_EQ(error.code(), StatusCode::kNotFound);
    EXPECT_THAT(error.message(), HasSubstr("a.parquet: no column 'body' (columns: big, small, label, text"));
    ReadAll({Source{dir.File("a.parquet"), {}}}, "big", &error);
    EXPECT_THAT(error.message(), HasSubstr("'big' is not a string column"));
    testing::WriteFile(dir.File("broken.parquet"), "PAR1 this is not a parquet file");
    ReadAll({Source{dir.File("broken.parquet"), {}}}, "text", &error);
    EXPECT_EQ(error.code(), StatusCode::kCorruption);
    EXPECT_THAT(error.message(), HasSubstr("broken.parquet"));
}

}  // namespace
}  // namespace actcache::corpus
