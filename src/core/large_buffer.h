// ByteBuffer: a growable byte array for the pipeline's bulk data (a batch's rows, a shard's rows:
// hundreds of MB each, refilled and reused for the whole run).
//
// Two things differ from std::vector<std::byte>:
//  - resize() does not zero the new bytes (they are default-initialized, i.e. left as they are):
//    the caller writes every byte it makes room for. Zeroing first doubled the writes and, on
//    fresh memory, did the page faulting on the wrong thread.
//  - allocations of 2 MiB and more come straight from mmap, advised MADV_HUGEPAGE, so that where
//    the kernel offers transparent huge pages ("always" or "madvise") first touch faults 2 MiB
//    at a time instead of 4 KiB: on a virtual machine 4 KiB faults cost ~3 µs each, which caps
//    first touch near 0.3 GB/s against ~1.5 GB/s with huge pages (bench/README.md).
// Both matter only until the buffers are warm; the pipeline keeps them for reuse.
#pragma once

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace actcache {

namespace large_buffer_internal {
void* Allocate(std::size_t bytes);               // throws std::bad_alloc
void Deallocate(void* pointer, std::size_t bytes);
}  // namespace large_buffer_internal

// An allocator with the two properties above, for std::vector of trivial types.
template <typename T>
struct LargeBufferAllocator {
    using value_type = T;

    LargeBufferAllocator() = default;
    template <typename U>
    LargeBufferAllocator(const LargeBufferAllocator<U>&) {}  // NOLINT(google-explicit-constructor)

    T* allocate(std::size_t n) { return static_cast<T*>(large_buffer_internal::Allocate(n * sizeof(T))); }
    void deallocate(T* pointer, std::size_t n) { large_buffer_internal::Deallocate(pointer, n * sizeof(T)); }

    // Default-initialization, not value-initialization: resize leaves the bytes unwritten.
    template <typename U>
    void construct(U* pointer) noexcept {
        ::new (static_cast<void*>(pointer)) U;
    }
    template <typename U, typename... Args>
    void construct(U* pointer, Args&&... args) {
        ::new (static_cast<void*>(pointer)) U(std::forward<Args>(args)...);
    }

    template <typename U>
    bool operator==(const LargeBufferAllocator<U>&) const {
        return true;
    }
};

using ByteBuffer = std::vector<std::byte, LargeBufferAllocator<std::byte>>;

}  // namespace actcache
