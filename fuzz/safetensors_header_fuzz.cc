// libFuzzer target: ParseSafetensors on arbitrary bytes must return a Status, never crash, hang
// or read outside its input; when it accepts a file, every view must lie inside the input and
// the views must tile the data section exactly.
//
// Build and run (clang only; see fuzz/CMakeLists.txt):
//   CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DACTCACHE_BUILD_FUZZ=ON \
//       -DACTCACHE_BUILD_TESTS=OFF -DACTCACHE_BUILD_BENCH=OFF
//   ninja -C build-fuzz safetensors_header_fuzz safetensors_seed_corpus
//   ./build-fuzz/fuzz/safetensors_seed_corpus fuzz-corpus      # a few valid files as seeds
//   ./build-fuzz/fuzz/safetensors_header_fuzz -max_total_time=60 \
//       -dict=fuzz/safetensors.dict fuzz-corpus
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "model/safetensors_reader.h"

namespace {

// Aborts (a crash libFuzzer reports) when an accepted layout breaks the reader's contract.
void CheckLayout(const actcache::model::SafetensorsLayout& layout,
                 std::span<const std::byte> input) {
    const std::byte* input_end = input.data() + input.size();
    const std::byte* expected_begin = nullptr;
    unsigned checksum = 0;
    for (const actcache::model::TensorView& view : layout.tensors) {
        const std::int64_t size_bytes = view.numel() * actcache::model::DtypeSizeBytes(view.dtype);
        if (size_bytes != static_cast<std::int64_t>(view.bytes.size())) std::abort();
        if (view.bytes.data() < input.data() || view.bytes.data() + view.bytes.size() > input_end) {
            std::abort();
        }
        if (expected_begin != nullptr && view.bytes.data() != expected_begin) std::abort();
        expected_begin = view.bytes.data() + view.bytes.size();
        // Touch every byte so that AddressSanitizer sees any out-of-bounds view.
        for (std::byte value : view.bytes) checksum += static_cast<unsigned>(value);
    }
    if (expected_begin != nullptr && expected_begin != input_end) std::abort();
    volatile unsigned sink = checksum;
    (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
    auto layout = actcache::model::ParseSafetensors(input, "fuzz");
    if (layout.ok()) CheckLayout(*layout, input);
    return 0;
}
