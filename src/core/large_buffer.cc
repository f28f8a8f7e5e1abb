#include "core/large_buffer.h"

#include <sys/mman.h>

#include <cstdint>

namespace actcache::large_buffer_internal {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

// mmap'd lengths are whole huge pages, so that Deallocate can recompute them.
std::size_t MappedBytes(std::size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

}  // namespace

void* Allocate(std::size_t bytes) {
    if (bytes < kHugePage) return ::operator new(bytes);
    // Huge pages back only 2 MiB-aligned ranges: map one more huge page, then unmap the
    // unaligned head and the rest of the tail, leaving [aligned, aligned + length).
    const std::size_t length = MappedBytes(bytes);
    void* mapped = mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(mapped);
    const std::uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
    if (aligned > start) munmap(mapped, aligned - start);
    if (const std::size_t tail = start + kHugePage - aligned; tail > 0) {
        munmap(reinterpret_cast<void*>(aligned + length), tail);
    }
    auto* pointer = reinterpret_cast<void*>(aligned);
    // Advice only: a kernel without transparent huge pages refuses it, and 4 KiB pages serve.
    madvise(pointer, length, MADV_HUGEPAGE);
    return pointer;
}

void Deallocate(void* pointer, std::size_t bytes) {
    if (bytes < kHugePage) {
        ::operator delete(pointer);
        return;
    }
    munmap(pointer, MappedBytes(bytes));
}

}  // namespace actcache::large_buffer_internal
