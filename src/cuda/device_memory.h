// Owning handles for GPU memory (cudaMalloc) and page-locked host memory (cudaMallocHost), so
// that every allocation is freed on every path. Allocation returns a Status naming the buffer.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>
#include <utility>

#include "core/status.h"
#include "cuda/cuda_status.h"

namespace actcache::cuda {

// Where a CudaArray's memory comes from.
struct DeviceMemory {
    static constexpr const char* kAllocator = "cudaMalloc";
    static cudaError_t Allocate(void** pointer, std::size_t bytes) { return cudaMalloc(pointer, bytes); }
    static void Free(void* pointer) { cudaFree(pointer); }
};
struct PinnedHostMemory {  // page-locked: asynchronous, full-speed copies to and from the GPU
    static constexpr const char* kAllocator = "cudaMallocHost";
    static cudaError_t Allocate(void** pointer, std::size_t bytes) { return cudaMallocHost(pointer, bytes); }
    static void Free(void* pointer) { cudaFreeHost(pointer); }
};

// `size` elements of T from `Memory`, uninitialized. Move-only; empty until Allocate.
template <typename T, typename Memory>
class CudaArray {
public:
    CudaArray() = default;
    ~CudaArray() { Reset(); }
    CudaArray(CudaArray&& other) noexcept
        : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    CudaArray& operator=(CudaArray&& other) noexcept {
        if (this != &other) {
            Reset();
            data_ = std::exchange(other.data_, nullptr);
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }

    // Allocates `size` elements, freeing what was held. `name` goes into the error message.
    Status Allocate(std::size_t size, const std::string& name) {
        Reset();
        if (size == 0) return Status::Ok();
        void* raw = nullptr;
        ACT_CUDA_RETURN_IF_ERROR(Memory::Allocate(&raw, size * sizeof(T)),
                                 std::string(Memory::kAllocator) + " (" + name + ", " +
                                     std::to_string(size * sizeof(T)) + " bytes)");
        data_ = static_cast<T*>(raw);
        size_ = size;
        return Status::Ok();
    }

    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return size_; }

private:
    void Reset() {
        if (data_ != nullptr) Memory::Free(data_);
        data_ = nullptr;
        size_ = 0;
    }

    T* data_ = nullptr;
    std::size_t size_ = 0;
};

template <typename T>
using DeviceArray = CudaArray<T, DeviceMemory>;
template <typename T>
using PinnedArray = CudaArray<T, PinnedHostMemory>;

}  // namespace actcache::cuda
