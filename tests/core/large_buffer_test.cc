// ByteBuffer (core/large_buffer.h): a std::vector that keeps its contents through growth and
// reuse, and whose large allocations are 2 MiB-aligned mappings.
#include "core/large_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

namespace actcache {
namespace {

TEST(ByteBuffer, SmallAndLargeBuffersHoldWhatIsWritten) {
    for (std::size_t size : {std::size_t{1}, std::size_t{4096}, (std::size_t{2} << 20) - 1, std::size_t{2} << 20,
                             (std::size_t{5} << 20) + 123}) {
        ByteBuffer buffer(size);
        for (std::size_t i = 0; i < size; ++i) buffer[i] = static_cast<std::byte>(i * 7);
        for (std::size_t i = 0; i < size; ++i) ASSERT_EQ(buffer[i], static_cast<std::byte>(i * 7)) << size;
    }
}

TEST(ByteBuffer, LargeAllocationsStartOnAHugePageBoundary) {
    ByteBuffer buffer;
    buffer.reserve(std::size_t{3} << 20);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer.data()) % (std::uintptr_t{2} << 20), 0u);
}

TEST(ByteBuffer, GrowthAndReuseKeepTheContentsAndTheCapacity) {
    ByteBuffer buffer;
    const std::byte pattern[5] = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}, std::byte{5}};
    for (int i = 0; i < 1'000'000; ++i) buffer.insert(buffer.end(), pattern, pattern + 5);  // past 2 MiB
    ASSERT_EQ(buffer.size(), 5'000'000u);
    for (std::size_t i = 0; i < buffer.size(); ++i) ASSERT_EQ(buffer[i], pattern[i % 5]) << i;
    const std::byte* data = buffer.data();
    const std::size_t capacity = buffer.capacity();
    buffer.clear();
    buffer.resize(capacity);  // reused at full size: no new allocation
    EXPECT_EQ(buffer.data(), data);
    EXPECT_EQ(buffer.capacity(), capacity);
}

}  // namespace
}  // namespace actcache
