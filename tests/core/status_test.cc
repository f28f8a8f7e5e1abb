#include "core/status.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

namespace actcache {
namespace {

Result<int> ParsePositive(int value) {
    if (value <= 0) return Status::InvalidArgument("value: must be > 0, found " + std::to_string(value));
    return value;
}

Result<int> DoubledPositive(int value) {
    ACT_ASSIGN_OR_RETURN(int parsed, ParsePositive(value));
    return parsed * 2;
}

Status CheckBoth(int a, int b) {
    ACT_RETURN_IF_ERROR(ParsePositive(a).status());
    ACT_RETURN_IF_ERROR(ParsePositive(b).status());
    return Status::Ok();
}

TEST(StatusTest, OkByDefault) {
    Status status;
    EXPECT_TRUE(status.ok());
    EXPECT_EQ(status.code(), StatusCode::kOk);
    EXPECT_EQ(status.ToString(), "OK");
}

TEST(StatusTest, WithContextPrependsAndKeepsCode) {
    Status status = Status::Corruption("line 3, column 4: bad").WithContext("config.json");
    EXPECT_EQ(status.code(), StatusCode::kCorruption);
    EXPECT_EQ(status.message(), "config.json: line 3, column 4: bad");
    EXPECT_TRUE(Status::Ok().WithContext("ignored").ok());
}

TEST(StatusTest, ResultHoldsValueOrError) {
    Result<int> good = DoubledPositive(21);
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(*good, 42);
    Result<int> bad = DoubledPositive(-1);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(bad.status().message(), "value: must be > 0, found -1");
}

TEST(StatusTest, ReturnIfErrorStopsAtFirstFailure) {
    EXPECT_TRUE(CheckBoth(1, 2).ok());
    EXPECT_THAT(CheckBoth(1, -5).message(), ::testing::HasSubstr("found -5"));
    EXPECT_THAT(CheckBoth(-4, -5).message(), ::testing::HasSubstr("found -4"));
}

TEST(StatusTest, ResultSupportsMoveOnlyValues) {
    Result<std::unique_ptr<int>> result = std::make_unique<int>(7);
    ASSERT_TRUE(result.ok());
    std::unique_ptr<int> owned = std::move(result).value();
    EXPECT_EQ(*owned, 7);
}

TEST(StatusTest, CodeNamesAreStable) {
    EXPECT_EQ(StatusCodeName(StatusCode::kResourceExhausted), "resource exhausted");
    EXPECT_EQ(StatusCodeName(StatusCode::kNotFound), "not found");
}

}  // namespace
}  // namespace actcache
