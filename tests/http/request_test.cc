#include "http/request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/http_test_server.h"
#include "support/temp_dir.h"

namespace actcache::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Request Make(std::string method, std::string url) {
    Request request;
    request.method = std::move(method);
    request.url = std::move(url);
    return request;
}

Request MakeWithBody(std::string method, std::string url, std::string body) {
    Request request = Make(std::move(method), std::move(url));
    request.body = std::move(body);
    return request;
}

class RequestTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (int i = 0; i < 300000; ++i) content_ += static_cast<char>('a' + i % 23);
        testing::WriteFile(root_.File("file.bin"), content_);
    }
    RequestOptions Options() {
        RequestOptions options;
        options.retry.sleep = [this](std::int64_t ms) { sleeps_ms_.push_back(ms); };
        return options;
    }
    testing::TempDir root_;
    std::string content_;
    std::vector<std::int64_t> sleeps_ms_;
};

TEST_F(RequestTest, GetReturnsBodyAndLowerCaseHeaders) {
    testing::TestHttpServer server(root_.path(), {});
    auto response = Send(Make("GET", server.Url("file.bin")), Options());
    ASSERT_TRUE(response.ok()) << response.status().message();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, content_);
    EXPECT_EQ(response->Header("content-length"), "300000");
}

TEST_F(RequestTest, PutSendsExactlyTheFileRange) {
    testing::TestHttpServer server(root_.path(), {"--faults", "1", "--status", "0"});
    Request request = Make("PUT", server.Url("echo"));
    request.file_path = root_.File("file.bin");
    request.file_offset = 1000;
    request.file_length = 200000;
    auto response = Send(request, Options());  // the first try is cut: the range is re-read
    ASSERT_TRUE(response.ok()) << response.status().message();
    EXPECT_EQ(response->Header("x-method"), "PUT");
    EXPECT_EQ(response->body, content_.substr(1000, 200000));
    EXPECT_EQ(sleeps_ms_.size(), 1u);
}

TEST_F(RequestTest, A307RedirectSendsTheFileRangeAgain) {
    testing::TestHttpServer server(root_.path(), {});
    Request request = Make("PUT", server.Url("redirect-echo"));
    request.file_path = root_.File("file.bin");
    request.file_offset = 7;
    request.file_length = 100000;
    auto response = Send(request, Options());
    ASSERT_TRUE(response.ok()) << response.status().message();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, content_.substr(7, 100000));
    EXPECT_THAT(server.Log(), HasSubstr("PUT /echo"));
}

TEST_F(RequestTest, PostSendsTheStringBody) {
    testing::TestHttpServer server(root_.path(), {});
    auto response = Send(MakeWithBody("POST", server.Url("echo"), "{\"a\":1}"), Options());
    ASSERT_TRUE(response.ok()) << response.status().message();
    EXPECT_EQ(response->Header("x-method"), "POST");
    EXPECT_EQ(response->body, "{\"a\":1}");
}

TEST_F(RequestTest, RetryableStatusesAreRetriedHonouringRetryAfter) {
    testing::TestHttpServer server(root_.path(),
                                   {"--faults", "2", "--status", "429", "--retry-after", "4"});
    auto response = Send(MakeWithBody("POST", server.Url("echo"), "x"), Options());
    ASSERT_TRUE(response.ok()) << response.status().message();
    EXPECT_EQ(response->body, "x");
    ASSERT_EQ(sleeps_ms_.size(), 2u);
    EXPECT_GE(sleeps_ms_[0], 4000);
}

TEST_F(RequestTest, OtherStatusesAreReturnedAsIs) {
    testing::TestHttpServer server(root_.path(), {"--faults", "1", "--status", "500"});
    RequestOptions options = Options();
    options.retry_statuses = false;
    auto response = Send(Make("GET", server.Url("file.bin")), options);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->status, 500);
    auto missing = Send(Make("GET", server.Url("absent")), Options());
    ASSERT_TRUE(missing.ok());
    EXPECT_EQ(missing->status, 404);
    EXPECT_TRUE(sleeps_ms_.empty());
}

TEST_F(RequestTest, SpentRetriesAreUnavailableWithoutHeadersOrQuery) {
    testing::TestHttpServer server(root_.path(), {"--faults", "100", "--status", "503"});
    RequestOptions options = Options();
    options.retry.max_attempts = 3;
    Request request = Make("POST", server.Url("echo?X-Signature=secret"));
    request.headers = {"authorization: Bearer tok"};
    auto response = Send(request, options);
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
    EXPECT_THAT(response.status().message(), HasSubstr("after 3 attempts (last: HTTP 503)"));
    EXPECT_THAT(response.status().message(), Not(HasSubstr("secret")));
    EXPECT_THAT(response.status().message(), Not(HasSubstr("tok")));
}

TEST_F(RequestTest, UnreadableBodyFileIsAnIOError) {
    testing::TestHttpServer server(root_.path(), {});
    Request request = Make("PUT", server.Url("echo"));
    request.file_path = root_.File("absent");
    request.file_length = 4;
    EXPECT_EQ(Send(request, Options()).status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace actcache::http
