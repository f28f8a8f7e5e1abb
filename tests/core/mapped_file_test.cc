#include "core/mapped_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <span>
#include <string>

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

// Resident pages of this process, from /proc/self/statm (its second field).
std::int64_t ResidentPages() {
    std::ifstream statm("/proc/self/statm");
    std::int64_t size = 0, resident = 0;
    statm >> size >> resident;
    return resident;
}

TEST(MappedFileTest, ReleasedPagesLeaveMemoryAndStayReadable) {
    testing::TempDir dir;
    const std::size_t bytes = 32u << 20;
    std::string content(bytes, '\0');
    for (std::size_t i = 0; i < bytes; ++i) content[i] = static_cast<char>(i * 131 % 251);
    testing::WriteFile(dir.File("big.bin"), content);
    auto file = MappedFile::Open(dir.File("big.bin"));
    ASSERT_TRUE(file.ok()) << file.status().message();
    const std::span<const std::byte> all = (*file)->bytes();
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < bytes; i += 4096) sum += static_cast<std::uint8_t>(all[i]);  // fault every page in
    const std::int64_t touched = ResidentPages();
    // Release all but the first and last byte: the partial pages at the edges stay.
    (*file)->ReleasePages(all.subspan(1, bytes - 2));
    const std::int64_t released = ResidentPages();
    const std::int64_t page = ::sysconf(_SC_PAGESIZE);
    EXPECT_GE(touched - released, static_cast<std::int64_t>(bytes) / page * 9 / 10) << "pages left memory";
    EXPECT_EQ(std::memcmp(all.data(), content.data(), bytes), 0);  // and read back the same
    EXPECT_TRUE((*file)->Contains(all.subspan(5, 10)));
    const std::byte outside[1] = {};
    EXPECT_FALSE((*file)->Contains(std::span<const std::byte>(outside, 1)));
    EXPECT_GT(sum, 0u);
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
