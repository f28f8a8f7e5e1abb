#include "http/get_stream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "core/random.h"
#include "support/http_test_server.h"
#include "support/temp_dir.h"

namespace actcache::http {
namespace {

using ::testing::HasSubstr;

std::string RandomBytes(std::size_t n, std::uint64_t seed) {
    SplitMix64 rng(seed);
    std::string bytes(n, '\0');
    for (char& c : bytes) c = static_cast<char>(rng.Next());
    return bytes;
}

// Reads the whole body in odd-sized pieces.
Result<std::string> ReadAll(GetStream& stream) {
    std::string body;
    std::vector<std::byte> buffer(7777);
    while (true) {
        ACT_ASSIGN_OR_RETURN(std::size_t n, stream.Read(buffer));
        if (n == 0) return body;
        body.append(reinterpret_cast<const char*>(buffer.data()), n);
    }
}

class GetStreamTest : public ::testing::Test {
protected:
    void SetUp() override {
        content_ = RandomBytes(1 << 20, 1);
        testing::WriteFile(root_.File("data.bin"), content_);
    }
    GetOptions Options(int max_attempts = 6) {
        GetOptions options;
        options.retry.max_attempts = max_attempts;
        options.retry.initial_backoff_ms = 10;
        options.retry.sleep = [this](std::int64_t ms) { waits_.push_back(ms); };
        return options;
    }

    testing::TempDir root_;
    std::string content_;
    std::vector<std::int64_t> waits_;
};

TEST_F(GetStreamTest, DownloadsTheExactBytes) {
    testing::TestHttpServer server(root_.path(), {});
    auto stream = GetStream::Open(server.Url("data.bin"), Options());
    ASSERT_TRUE(stream.ok());
    auto body = ReadAll(**stream);
    ASSERT_TRUE(body.ok()) << body.status().message();
    EXPECT_TRUE(*body == content_);
    EXPECT_EQ((*stream)->retries(), 0);
}

TEST_F(GetStreamTest, ResumesWithRangeAfterConnectionsDropMidBody) {
    testing::TestHttpServer server(root_.path(), {"--faults", "3", "--drop-after", "100000"});
    auto stream = GetStream::Open(server.Url("data.bin"), Options());
    ASSERT_TRUE(stream.ok());
    auto body = ReadAll(**stream);
    ASSERT_TRUE(body.ok()) << body.status().message();
    EXPECT_TRUE(*body == content_) << "resumed body differs from the file";
    EXPECT_EQ((*stream)->retries(), 3);
    const std::string log = server.Log();
    EXPECT_THAT(log, HasSubstr("GET /data.bin bytes=100000-"));
    EXPECT_THAT(log, HasSubstr("GET /data.bin bytes=200000-"));
    EXPECT_THAT(log, HasSubstr("GET /data.bin bytes=300000-"));
    EXPECT_EQ(waits_, (std::vector<std::int64_t>{10, 20, 40}));  // exponential backoff
}

TEST_F(GetStreamTest, StartsAtFirstByteAndResumesFromThere) {
    testing::TestHttpServer server(root_.path(), {"--faults", "1", "--drop-after", "1000"});
    GetOptions options = Options();
    options.first_byte = 5000;
    auto stream = GetStream::Open(server.Url("data.bin"), options);
    ASSERT_TRUE(stream.ok());
    auto body = ReadAll(**stream);
    ASSERT_TRUE(body.ok()) << body.status().message();
    EXPECT_TRUE(*body == content_.substr(5000));
    const std::string log = server.Log();
    EXPECT_THAT(log, HasSubstr("GET /data.bin bytes=5000-"));
    EXPECT_THAT(log, HasSubstr("GET /data.bin bytes=6000-"));
}

TEST_F(GetStreamTest, ServerIgnoringRangeIsReadFromTheStartWithThePrefixSkipped) {
    testing::TestHttpServer server(root_.path(),
                                   {"--faults", "2", "--drop-after", "300000", "--ignore-range"});
    auto stream = GetStream::Open(server.Url("data.bin"), Options());
    ASSERT_TRUE(stream.ok());
    auto body = ReadAll(**stream);
    ASSERT_TRUE(body.ok()) << body.status().message();
    EXPECT_TRUE(*body == content_);
}

TEST_F(GetStreamTest, RetriesServerErrorsHonouringRetryAfter) {
    testing::TestHttpServer server(root_.path(),
                                   {"--faults", "2", "--status", "503", "--retry-after", "2"});
    auto stream = GetStream::Open(server.Url("data.bin"), Options());
    ASSERT_TRUE(stream.ok());
    auto body = ReadAll(**stream);
    ASSERT_TRUE(body.ok()) << body.status().message();
    EXPECT_TRUE(*body == content_);
    EXPECT_EQ(waits_, (std::vector<std::int64_t>{2000, 2000}));
}

TEST_F(GetStreamTest, PersistentOutageGivesUpWithTheLastCause) {
    testing::TestHttpServer server(root_.path(), {"--faults", "100", "--status", "500"});
    auto stream = GetStream::Open(server.Url("data.bin"), Options(3));
    ASSERT_TRUE(stream.ok());
    auto body = ReadAll(**stream);
    ASSERT_FALSE(body.ok());
    EXPECT_EQ(body.status().code(), StatusCode::kUnavailable);
    EXPECT_THAT(body.status().message(), HasSubstr("data.bin: gave up after 3 attempts"));
    EXPECT_THAT(body.status().message(), HasSubstr("HTTP 500"));
}

TEST_F(GetStreamTest, NotFoundIsNotRetried) {
    testing::TestHttpServer server(root_.path(), {});
    auto stream = GetStream::Open(server.Url("missing.bin"), Options());
    ASSERT_TRUE(stream.ok());
    auto body = ReadAll(**stream);
    EXPECT_EQ(body.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(body.status().message(), HasSubstr("missing.bin: HTTP 404"));
    EXPECT_TRUE(waits_.empty());
}

TEST_F(GetStreamTest, RefusedConnectionsAreRetriedThenReported) {
    int port = 0;
    {
        testing::TestHttpServer server(root_.path(), {});  // find a port, then close it
        const std::string url = server.Url("");
        port = std::stoi(url.substr(url.rfind(':') + 1));
    }
    auto stream = GetStream::Open("http://127.0.0.1:" + std::to_string(port) + "/data.bin", Options(2));
    ASSERT_TRUE(stream.ok());
    auto body = ReadAll(**stream);
    EXPECT_EQ(body.status().code(), StatusCode::kUnavailable);
    EXPECT_THAT(body.status().message(), HasSubstr("gave up after 2 attempts"));
}

TEST_F(GetStreamTest, AResourceThatChangesMidReadIsAnError) {
    testing::TestHttpServer server(root_.path(), {"--faults", "1", "--drop-after", "100000"});
    auto stream = GetStream::Open(server.Url("data.bin"), Options());
    ASSERT_TRUE(stream.ok());
    std::vector<std::byte> buffer(50000);
    ASSERT_TRUE((*stream)->Read(buffer).ok());
    // A new version of the file (new size and mtime, hence a new ETag) before the resume.
    testing::WriteFile(root_.File("data.bin"), content_ + "more");
    std::filesystem::last_write_time(root_.File("data.bin"),
                                     std::filesystem::file_time_type::clock::now() +
                                         std::chrono::hours(1));
    auto rest = ReadAll(**stream);
    ASSERT_FALSE(rest.ok());
    EXPECT_EQ(rest.status().code(), StatusCode::kCorruption);
    EXPECT_THAT(rest.status().message(), HasSubstr("changed while it was read"));
}

TEST(GetStreamOpenTest, RejectsNonHttpUrls) {
    EXPECT_EQ(GetStream::Open("ftp://example.org/x", {}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace actcache::http
