#include "corpus/document_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/resource.h>

#include "corpus/source_list.h"
#include "support/http_test_server.h"
#include "support/temp_dir.h"

namespace actcache::corpus {
namespace {

using ::testing::HasSubstr;

std::vector<Document> ReadAll(const std::vector<std::string>& specs, DocumentReaderOptions options = {},
                              CorpusCounters* counters = nullptr, Status* error = nullptr) {
    auto files = ExpandSources(specs, hub::HubSettings{});
    EXPECT_TRUE(files.ok()) << files.status().message();
    DocumentReader reader(*files, options);
    std::vector<Document> documents;
    while (true) {
        Document document;
        Result<bool> more = reader.Next(document);
        if (!more.ok()) {
            if (error != nullptr) *error = more.status();
            else ADD_FAILURE() << more.status().message();
            break;
        }
        if (!*more) break;
        documents.push_back(document);
    }
    if (counters != nullptr) *counters = reader.counters();
    return documents;
}

void Shell(const std::string& command) { ASSERT_EQ(std::system(command.c_str()), 0) << command; }

TEST(DocumentReaderTest, JsonlDocumentsWithDocIdsAcrossFilesInSortedOrder) {
    testing::TempDir dir;
    std::filesystem::create_directories(dir.File("corpus/sub"));
    testing::WriteFile(dir.File("corpus/b.jsonl"), "{\"text\": \"third\"}\n{\"text\": \"fourth\"}");
    testing::WriteFile(dir.File("corpus/a.jsonl"), "{\"text\": \"first\"}\n\n{\"text\": \"second\"}\n");
    testing::WriteFile(dir.File("corpus/sub/c.jsonl"), "{\"text\": \"fifth\", \"meta\": {}}\n");
    auto documents = ReadAll({dir.File("corpus")});
    ASSERT_EQ(documents.size(), 5u);
    const char* expected[] = {"first", "second", "third", "fourth", "fifth"};
    for (std::size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(documents[i].doc_id, static_cast<std::int64_t>(i));
        EXPECT_EQ(documents[i].text, expected[i]);
    }
    auto globbed = ReadAll({dir.File("corpus/*.jsonl")});
    ASSERT_EQ(globbed.size(), 4u);
    EXPECT_EQ(globbed[2].text, "third");
}

TEST(DocumentReaderTest, ZstdMultiFrameAndGzipMultiMemberDetectedByMagicBytes) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("p1"), "{\"text\": \"one\"}\n{\"text\": \"two\"}\n");
    testing::WriteFile(dir.File("p2"), "{\"text\": \"three\"}\n");
    Shell("zstd -q -c " + dir.File("p1") + " > " + dir.File("data.jsonl.zst"));
    Shell("zstd -q -c " + dir.File("p2") + " >> " + dir.File("data.jsonl.zst"));  // 2nd frame
    Shell("gzip -c " + dir.File("p1") + " > " + dir.File("data.jsonl.gz"));
    Shell("gzip -c " + dir.File("p2") + " >> " + dir.File("data.jsonl.gz"));  // 2nd member
    Shell("cp " + dir.File("data.jsonl.zst") + " " + dir.File("misnamed.jsonl"));
    for (const char* name : {"data.jsonl.zst", "data.jsonl.gz", "misnamed.jsonl"}) {
        auto documents = ReadAll({dir.File(name)});
        ASSERT_EQ(documents.size(), 3u) << name;
        EXPECT_EQ(documents[2].text, "three") << name;
    }
}

TEST(DocumentReaderTest, TruncatedCompressedStreamsNameFileAndOffset) {
    testing::TempDir dir;
    std::string big;
    for (int i = 0; i < 2000; ++i) big += "{\"text\": \"document number " + std::to_string(i) + "\"}\n";
    testing::WriteFile(dir.File("big"), big);
    Shell("zstd -q -c " + dir.File("big") + " > " + dir.File("full.zst"));
    Shell("gzip -c " + dir.File("big") + " > " + dir.File("full.gz"));
    for (const char* name : {"full.zst", "full.gz"}) {
        std::string bytes = testing::ReadFile(dir.File(name));
        testing::WriteFile(dir.File(std::string("cut-") + name), bytes.substr(0, bytes.size() - 7));
        Status error;
        ReadAll({dir.File(std::string("cut-") + name)}, {}, nullptr, &error);
        EXPECT_EQ(error.code(), StatusCode::kCorruption) << name;
        EXPECT_THAT(error.message(), HasSubstr(std::string("cut-") + name));
        EXPECT_THAT(error.message(), HasSubstr("truncated at compressed offset"));
    }
    std::string bytes = testing::ReadFile(dir.File("full.zst"));
    bytes[bytes.size() / 2] ^= 0x55;
    testing::WriteFile(dir.File("flipped.zst"), bytes);
    Status error;
    ReadAll({dir.File("flipped.zst")}, {}, nullptr, &error);
    EXPECT_EQ(error.code(), StatusCode::kCorruption);
    EXPECT_THAT(error.message(), HasSubstr("flipped.zst"));
}

TEST(DocumentReaderTest, BadRecordsStopWithFileLineAndBytesOrAreSkippedAndCounted) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("c.jsonl"),
                       "{\"text\": \"ok\"}\n{\"text\": oops}\n{\"body\": \"x\"}\n{\"text\": 5}\n"
                       "{\"text\": \"last\"}\n");
    Status error;
    ReadAll({dir.File("c.jsonl")}, {}, nullptr, &error);
    EXPECT_EQ(error.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(error.message(), HasSubstr("c.jsonl:2: invalid JSON (line 1, column 10"));
    EXPECT_THAT(error.message(), HasSubstr("oops"));

    CorpusCounters counters;
    auto documents = ReadAll({dir.File("c.jsonl")}, {.on_bad_record = BadRecordPolicy::kSkip}, &counters);
    ASSERT_EQ(documents.size(), 2u);
    EXPECT_EQ(documents[1].doc_id, 4);  // skipped records still consume their doc_id
    EXPECT_EQ(counters.bad_records_skipped, 3);
    EXPECT_EQ(counters.records, 5);

    testing::WriteFile(dir.File("d.jsonl"), "{\"text\": \"ok\"}\n{\"body\": \"x\"}\n");
    ReadAll({dir.File("d.jsonl")}, {}, nullptr, &error);
    EXPECT_THAT(error.message(), HasSubstr("d.jsonl:2: field 'text' is missing"));
    testing::WriteFile(dir.File("e.jsonl"), "{\"text\": [1]}\n");
    ReadAll({dir.File("e.jsonl")}, {}, nullptr, &error);
    EXPECT_THAT(error.message(), HasSubstr("e.jsonl:1: field 'text' is a array, not a string"));
}

TEST(DocumentReaderTest, NestedTextFieldAndPlainTextFiles) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("n.jsonl"), "{\"meta\": {\"body\": \"deep\"}}\n");
    auto nested = ReadAll({dir.File("n.jsonl")}, {.text_field = "meta.body"});
    ASSERT_EQ(nested.size(), 1u);
    EXPECT_EQ(nested[0].text, "deep");
    testing::WriteFile(dir.File("doc.txt"), "line one\nline two\n");
    Shell("zstd -q -c " + dir.File("doc.txt") + " > " + dir.File("doc2.txt.zst"));
    auto texts = ReadAll({dir.File("doc.txt"), dir.File("doc2.txt.zst")});
    ASSERT_EQ(texts.size(), 2u);
    EXPECT_EQ(texts[0].text, "line one\nline two\n");
    EXPECT_EQ(texts[1].text, texts[0].text);
    EXPECT_EQ(texts[1].doc_id, 1);
}

TEST(DocumentReaderTest, InvalidUtf8IsReplacedAndCounted) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("u.jsonl"), "{\"text\": \"caf\xc3 \xff ok\"}\n{\"text\": \"fine\"}\n");
    CorpusCounters counters;
    auto documents = ReadAll({dir.File("u.jsonl")}, {}, &counters);
    ASSERT_EQ(documents.size(), 2u);
    EXPECT_EQ(documents[0].text, "caf\xef\xbf\xbd \xef\xbf\xbd ok");
    EXPECT_EQ(counters.documents_with_invalid_utf8, 1);
    EXPECT_EQ(counters.invalid_utf8_replacements, 2);
}

TEST(DocumentReaderTest, VeryLongLinesAreRead) {
    testing::TempDir dir;
    const std::string text(12 << 20, 'x');  // 12 MB on one line, larger than the read buffer
    testing::WriteFile(dir.File("long.jsonl"), "{\"text\": \"" + text + "\"}\n");
    auto documents = ReadAll({dir.File("long.jsonl")});
    ASSERT_EQ(documents.size(), 1u);
    EXPECT_EQ(documents[0].text.size(), text.size());
}

TEST(SourceListTest, MissingPathsAndEmptyGlobsAreErrors) {
    testing::TempDir dir;
    EXPECT_THAT(ExpandSources({dir.File("nope.jsonl")}, {}).status().message(),
                HasSubstr("nope.jsonl: no such file or directory"));
    EXPECT_THAT(ExpandSources({dir.File("*.zst")}, {}).status().message(),
                HasSubstr("no files match this pattern"));
    auto stdin_only = ExpandSources({"-"}, {});
    ASSERT_TRUE(stdin_only.ok());
    ASSERT_EQ(stdin_only->size(), 1u);
    EXPECT_EQ((*stdin_only)[0].location, "-");
}

}  // namespace
}  // namespace actcache::corpus

namespace actcache::corpus {
namespace {

// A URL source whose connection drops mid-file must yield exactly the documents of the file.
TEST(DocumentReaderUrlTest, DroppedConnectionsResumeToTheSameDocuments) {
    testing::TempDir dir;
    std::string jsonl;
    for (int i = 0; i < 3000; ++i) {
        jsonl += "{\"text\": \"document " + std::to_string(i) + " caf\\u00e9 with some words\"}\n";
    }
    testing::WriteFile(dir.File("plain.jsonl"), jsonl);
    ASSERT_EQ(std::system(("zstd -q -c " + dir.File("plain.jsonl") + " > " + dir.File("c.jsonl.zst")).c_str()), 0);
    auto local = ReadAll({dir.File("c.jsonl.zst")});
    const std::string drop_after =
        std::to_string(std::filesystem::file_size(dir.File("c.jsonl.zst")) / 3);
    testing::TestHttpServer server(dir.path(), {"--faults", "2", "--drop-after", drop_after});
    auto remote = ReadAll({server.Url("c.jsonl.zst")});
    ASSERT_EQ(remote.size(), local.size());
    for (std::size_t i = 0; i < local.size(); ++i) {
        ASSERT_EQ(remote[i].doc_id, local[i].doc_id);
        ASSERT_EQ(remote[i].text, local[i].text);
    }
    EXPECT_THAT(server.Log(), HasSubstr("bytes=" + drop_after + "-"));
}

}  // namespace
}  // namespace actcache::corpus

namespace actcache::corpus {
namespace {

// A Pile-shaped dataset on a local Hub: the shorthand ORG/NAME reads train/*.jsonl.zst in path
// order through the tree API and resolve redirects, with the token; doc ids continue across
// files; hf://datasets/... selects by glob.
TEST(DocumentReaderHubTest, StreamsADatasetByNameFromTheHub) {
    testing::TempDir repo;
    std::filesystem::create_directories(repo.File("train"));
    for (int shard = 0; shard < 3; ++shard) {
        std::string jsonl;
        for (int i = 0; i < 4; ++i) {
            jsonl += "{\"text\": \"shard " + std::to_string(shard) + " doc " + std::to_string(i) +
                     "\", \"meta\": {\"pile_set_name\": \"Pile-CC\"}}\n";
        }
        testing::WriteFile(repo.File("plain"), jsonl);
        const std::string target = repo.File("train/0" + std::to_string(2 - shard) + ".jsonl.zst");
        ASSERT_EQ(std::system(("zstd -q -c " + repo.File("plain") + " > " + target).c_str()), 0);
    }
    std::filesystem::remove(repo.File("plain"));
    testing::WriteFile(repo.File("val.jsonl"), "{\"text\": \"validation\"}\n");
    testing::TestHttpServer server(repo.path(), {"--hub-repo", "org/pile", "--require-token", "tok"});
    hub::HubSettings settings;
    settings.endpoint = server.Url("").substr(0, server.Url("").size() - 1);
    settings.token = "tok";

    auto sources = ExpandSources({"org/pile"}, settings);
    ASSERT_TRUE(sources.ok()) << sources.status().message();
    ASSERT_EQ(sources->size(), 3u);
    EXPECT_THAT((*sources)[0].location, HasSubstr("/datasets/org/pile/resolve/main/train/00.jsonl.zst"));
    DocumentReader reader(*sources, {});
    std::vector<Document> documents;
    Document document;
    while (true) {
        auto more = reader.Next(document);
        ASSERT_TRUE(more.ok()) << more.status().message();
        if (!*more) break;
        documents.push_back(document);
    }
    ASSERT_EQ(documents.size(), 12u);
    EXPECT_EQ(documents[0].text, "shard 2 doc 0");  // train/00 holds shard 2
    EXPECT_EQ(documents[11].doc_id, 11);
    EXPECT_EQ(documents[11].text, "shard 0 doc 3");

    auto val = ExpandSources({"hf://datasets/org/pile/*.jsonl"}, settings);
    ASSERT_TRUE(val.ok()) << val.status().message();
    ASSERT_EQ(val->size(), 1u);
    EXPECT_THAT((*val)[0].location, HasSubstr("val.jsonl"));
    EXPECT_THAT(ExpandSources({"hf://datasets/org/pile/test/*"}, settings).status().message(),
                HasSubstr("matches 'test/*'"));
}

}  // namespace
}  // namespace actcache::corpus

namespace actcache::corpus {
namespace {

// Memory stays bounded however long a line is: a 100 MB single-line record (zstd-compressed,
// streamed) must not need 10x its size. Peak RSS is the process's high-water mark, so the test
// writes its input without ever holding it whole.
TEST(DocumentReaderMemoryTest, HundredMegabyteLineNeedsFarLessThanTenTimesItsSize) {
    testing::TempDir dir;
    const std::int64_t text_bytes = 100LL << 20;
    {
        std::ofstream out(dir.File("big.jsonl"), std::ios::binary);
        out << "{\"meta\": {\"x\": 1}, \"text\": \"";
        const std::string chunk(1 << 20, 'w');
        for (std::int64_t written = 0; written < text_bytes; written += chunk.size()) out << chunk;
        out << "\"}\n{\"text\": \"after\"}\n";
    }
    ASSERT_EQ(std::system(("zstd -q --rm " + dir.File("big.jsonl")).c_str()), 0);
    struct rusage before {};
    ::getrusage(RUSAGE_SELF, &before);
    auto sources = ExpandSources({dir.File("big.jsonl.zst")}, {});
    ASSERT_TRUE(sources.ok());
    DocumentReader reader(*sources, {});
    Document document;
    auto more = reader.Next(document);
    ASSERT_TRUE(more.ok() && *more) << more.status().message();
    EXPECT_EQ(static_cast<std::int64_t>(document.text.size()), text_bytes);
    more = reader.Next(document);
    ASSERT_TRUE(more.ok() && *more);
    EXPECT_EQ(document.text, "after");
    struct rusage after {};
    ::getrusage(RUSAGE_SELF, &after);
    const std::int64_t peak_bytes = static_cast<std::int64_t>(after.ru_maxrss) * 1024;  // KiB
    std::printf("peak RSS %lld MiB for a %lld MiB line\n", static_cast<long long>(peak_bytes >> 20),
                static_cast<long long>(text_bytes >> 20));
    EXPECT_LT(peak_bytes, 4 * text_bytes);  // the line, the decoded text, buffers: not 10x
}

}  // namespace
}  // namespace actcache::corpus
