#include "core/mapped_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace actcache {
namespace {

using ::testing::HasSubstr;

TEST(MappedFileTest, MapsTheBytesOfAFile) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("a.bin"), std::string("hello\0world", 11));
    auto file = MappedFile::Open(dir.File("a.bin"));
    ASSERT_TRUE(file.ok()) << file.status().message();
    ASSERT_EQ((*file)->size_bytes(), 11u);
    EXPECT_EQ(static_cast<char>((*file)->bytes()[6]), 'w');
}

TEST(MappedFileTest, EmptyFileMapsToEmptySpan) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("empty"), "");
    auto file = MappedFile::Open(dir.File("empty"));
    ASSERT_TRUE(file.ok());
    EXPECT_TRUE((*file)->bytes().empty());
}

TEST(MappedFileTest, MissingFileIsNotFoundNamingThePath) {
    testing::TempDir dir;
    auto file = MappedFile::Open(dir.File("absent.safetensors"));
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.status().code(), StatusCode::kNotFound);
    EXPECT_THAT(file.status().message(), HasSubstr("absent.safetensors"));
}

TEST(MappedFileTest, DirectoryIsRejected) {
    testing::TempDir dir;
    auto file = MappedFile::Open(dir.path());
    ASSERT_FALSE(file.ok());
    EXPECT_THAT(file.status().message(), HasSubstr("not a regular file"));
}

}  // namespace
}  // namespace actcache
