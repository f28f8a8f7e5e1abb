// libFuzzer target: the tokenizer on arbitrary bytes. Encodes the input (invalid UTF-8 included)
// with and without special tokens, with truncation, and decodes ids derived from the input,
// using the sample tokenizer (Llama 3 pre-tokenizer, byte-level BPE, specials) so the target
// needs no file. ASan and UBSan must stay silent; encoding must round-trip through decoding.
//
//   CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DACTCACHE_BUILD_FUZZ=ON \
//       -DACTCACHE_BUILD_TESTS=OFF -DACTCACHE_BUILD_BENCH=OFF
//   ninja -C build-fuzz tokenizer_fuzz && ./build-fuzz/fuzz/tokenizer_fuzz -max_total_time=60
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "tokenizer/sample_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace {

const actcache::tokenizer::Tokenizer& SampleTokenizer() {
    static const auto tokenizer = [] {
        auto files = actcache::tokenizer::BuildSampleTokenizer({});
        if (!files.ok()) std::abort();
        auto loaded = actcache::tokenizer::Tokenizer::LoadFromJson(files->tokenizer_json, "sample");
        if (!loaded.ok()) std::abort();
        return std::move(loaded).value();
    }();
    return *tokenizer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& tokenizer = SampleTokenizer();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const std::vector<std::int32_t> ids = tokenizer.Encode(text, false);
    // Byte-level BPE is lossless: decoding gives the (UTF-8-repaired) input back.
    auto decoded = tokenizer.Decode(ids, false);
    if (!decoded.ok() || *decoded != actcache::ReplaceInvalidUtf8(text)) std::abort();
    (void)tokenizer.Encode(text, true);
    (void)tokenizer.EncodeTruncated(text, true, static_cast<std::int64_t>(size % 7));
    // Arbitrary ids below the vocabulary size decode without reading out of bounds.
    std::vector<std::int32_t> random_ids;
    for (std::size_t i = 0; i + 1 < size; i += 2) {
        random_ids.push_back(static_cast<std::int32_t>((data[i] | (data[i + 1] << 8)) % 512));
    }
    (void)tokenizer.Decode(random_ids, (size & 1) != 0);
    return 0;
}
