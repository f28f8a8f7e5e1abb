// make-model at the real Llama-3.2-1B size: the file must hold exactly the spec's tensor bytes.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "model/checkpoint.h"
#include "model/config.h"
#include "model/llama_weights.h"
#include "support/temp_dir.h"

namespace actcache {
namespace {

TEST(MakeModel1BTest, WritesTheFullSizeCheckpoint) {
    testing::TempDir dir;
    const std::string out = dir.File("llama-1b");
    auto result = testing::RunActcache({"make-model", "--preset", "llama-3.2-1b", "--out", out});
    ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    auto checkpoint = model::Checkpoint::Open(out);
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().message();
    EXPECT_EQ((*checkpoint)->tensors().size(), 146u);
    std::int64_t data_bytes = 0;
    for (const auto* tensor : (*checkpoint)->tensors()) {
        data_bytes += static_cast<std::int64_t>(tensor->bytes.size());
    }
    EXPECT_EQ(data_bytes, 2'471'628'800);  // reference/llama32-spec.md §2
    // file = 8-byte length + header + data
    auto file_bytes = std::filesystem::file_size(out + "/model.safetensors");
    std::uint64_t header_bytes = 0;
    std::ifstream file(out + "/model.safetensors", std::ios::binary);
    file.read(reinterpret_cast<char*>(&header_bytes), 8);  // little-endian host (x86-64)
    EXPECT_EQ(file_bytes, 8 + header_bytes + 2'471'628'800ull);
    auto config = model::LoadLlamaConfig(out + "/config.json");
    ASSERT_TRUE(config.ok());
    EXPECT_EQ(config->vocab_size, 128256);
    EXPECT_TRUE(model::CheckLlamaCheckpoint(**checkpoint, *config).ok());
}

}  // namespace
}  // namespace actcache
