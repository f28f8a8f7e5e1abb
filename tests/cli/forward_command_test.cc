// `actcache forward` as a user runs it: .npy output layout, --raw, several hooks, and one clear
// error line for each kind of bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "core/bf16.h"
#include "support/temp_dir.h"

namespace actcache {
namespace {

using ::testing::HasSubstr;
using testing::RunActcache;

struct Npy {
    std::string descr;
    std::string shape;
    std::string data;
};

// A minimal .npy reader for the test: version 1.0 header, then raw data.
Npy ReadNpy(const std::string& path) {
    std::string bytes = testing::ReadFile(path);
    Npy npy;
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) return npy;
    std::size_t header_length = static_cast<unsigned char>(bytes[8]) |
                                (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    std::string header = bytes.substr(10, header_length);
    EXPECT_EQ((10 + header_length) % 64, 0u) << "data must start 64-byte aligned";
    auto field = [&](const std::string& key, char open, char close) {
        std::size_t at = header.find(key) + key.size();
        std::size_t begin = header.find(open, at);
        std::size_t end = header.find(close, begin + 1);
        return header.substr(begin + 1, end - begin - 1);
    };
    npy.descr = field("'descr'", '\'', '\'');
    npy.shape = field("'shape'", '(', ')');
    npy.data = bytes.substr(10 + header_length);
    return npy;
}

class ForwardCommandTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new testing::TempDir();
        auto result = RunActcache({"make-model", "--preset", "tiny", "--out", dir_->File("tiny")});
        ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    }
    static void TearDownTestSuite() { delete dir_; }
    static std::string Model() { return dir_->File("tiny"); }
    static testing::TempDir* dir_;
};
testing::TempDir* ForwardCommandTest::dir_ = nullptr;

TEST_F(ForwardCommandTest, OneHookWritesAFloat32NpyOfShapeTByWidth) {
    testing::TempDir out;
    auto result = RunActcache({"forward", "--model", Model(), "--hook", "model.layers.2.mlp",
                               "--tokens", "510,1,2,3,4", "--out", out.File("a.npy")});
    ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    Npy npy = ReadNpy(out.File("a.npy"));
    EXPECT_EQ(npy.descr, "<f4");
    EXPECT_EQ(npy.shape, "5, 64");
    ASSERT_EQ(npy.data.size(), 5u * 64 * 4);

    // --raw: the same values as bf16 bit patterns.
    result = RunActcache({"forward", "--model", Model(), "--hook", "blocks.2.hook_mlp_out",
                          "--tokens", "510,1,2,3,4", "--raw", "--out", out.File("raw.npy")});
    ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    Npy raw = ReadNpy(out.File("raw.npy"));
    EXPECT_EQ(raw.descr, "<u2");
    EXPECT_EQ(raw.shape, "5, 64");
    ASSERT_EQ(raw.data.size(), 5u * 64 * 2);
    for (std::size_t i = 0; i < 5 * 64; ++i) {
        float value;
        Bf16Bits bits;
        std::memcpy(&value, npy.data.data() + 4 * i, 4);
        std::memcpy(&bits, raw.data.data() + 2 * i, 2);
        ASSERT_EQ(Bf16ToFloat(bits), value) << i;
    }
}

TEST_F(ForwardCommandTest, SeveralHooksWriteOneNpyEachInAFolder) {
    testing::TempDir out;
    auto result = RunActcache({"forward", "--model", Model(), "--hook", "model.layers.0",
                               "--hook", "model.layers.1.mlp.down_proj:input", "--tokens", "7,8,9",
                               "--dtype", "f32", "--out", out.File("acts")});
    ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    EXPECT_EQ(ReadNpy(out.File("acts/model.layers.0.npy")).shape, "3, 64");
    EXPECT_EQ(ReadNpy(out.File("acts/model.layers.1.mlp.down_proj:input.npy")).shape, "3, 192");
}

TEST_F(ForwardCommandTest, BadInputsGiveOneClearLine) {
    testing::TempDir out;
    struct Case {
        std::vector<std::string> args;
        int exit_code;
        const char* message;
    };
    std::string too_many = "1";
    for (int i = 1; i < 4097; ++i) too_many += ",1";
    const Case cases[] = {
        {{"--hook", "model.layers.0.mlp", "--tokens", "1,512"}, 1,
         "token id 512 at position 1 is outside the vocabulary (vocab_size 512)"},
        {{"--hook", "model.layers.0.mlp", "--tokens", too_many}, 1,
         "4097 tokens exceed the model's max_position_embeddings 4096"},
        {{"--hook", "model.layers.99.mlp", "--tokens", "1"}, 1,
         "layer 99 does not exist (the model has 4 layers, 0..3)"},
        {{"--hook", "model.layers.1.mlpp", "--tokens", "1"}, 1, "valid sites:"},
        {{"--hook", "model.layers.0.mlp", "--tokens", "1,x"}, 2, "'x' is not a token id"},
        {{"--hook", "model.layers.0.mlp"}, 2, "--tokens or --text"},
        {{"--hook", "model.layers.0.mlp", "--tokens", "1", "--dtype", "f32", "--raw"}, 2,
         "--raw"},
    };
    for (const Case& c : cases) {
        std::vector<std::string> args = {"forward", "--model", Model(), "--out", out.File("x.npy")};
        args.insert(args.end(), c.args.begin(), c.args.end());
        auto result = RunActcache(args);
        EXPECT_EQ(result.exit_code, c.exit_code) << c.message << "\n" << result.stderr_text;
        EXPECT_THAT(result.stderr_text, HasSubstr(c.message));
        if (c.exit_code == 1) {
            EXPECT_EQ(std::count(result.stderr_text.begin(), result.stderr_text.end(), '\n'), 1);
        }
    }
    EXPECT_FALSE(std::filesystem::exists(out.File("x.npy")));
}

// --text goes through the model's tokenizer exactly as --tokens with the ids it gives.
TEST_F(ForwardCommandTest, TextIsTokenizedWithTheModelsTokenizer) {
    testing::TempDir out;
    testing::WriteFile(out.File("in.txt"), "\"the model of the world\"\n");
    const std::string command = std::string(ACTCACHE_BINARY) + " tokenize --add-special --tokenizer " +
                                Model() + " < " + out.File("in.txt") + " > " + out.File("ids.txt");
    ASSERT_EQ(std::system(command.c_str()), 0);
    std::string ids = testing::ReadFile(out.File("ids.txt"));
    ids = ids.substr(1, ids.find(']') - 1);  // "[510,...]" -> "510,..."
    auto by_text = RunActcache({"forward", "--model", Model(), "--hook", "model.layers.1", "--text",
                                "the model of the world", "--add-special", "--out", out.File("a.npy")});
    ASSERT_EQ(by_text.exit_code, 0) << by_text.stderr_text;
    auto by_ids = RunActcache({"forward", "--model", Model(), "--hook", "model.layers.1", "--tokens", ids,
                               "--out", out.File("b.npy")});
    ASSERT_EQ(by_ids.exit_code, 0) << by_ids.stderr_text;
    EXPECT_TRUE(testing::ReadFile(out.File("a.npy")) == testing::ReadFile(out.File("b.npy")));
    EXPECT_EQ(ids.substr(0, 4), "510,");  // BOS from the template
}

TEST_F(ForwardCommandTest, TensorsThatDoNotMatchTheConfigAreRejected) {
    testing::TempDir dir;
    const std::string model = dir.File("m");
    std::filesystem::copy(Model(), model);
    std::string config = testing::ReadFile(model + "/config.json");
    const std::string from = "\"intermediate_size\": 192";
    ASSERT_NE(config.find(from), std::string::npos);
    config.replace(config.find(from), from.size(), "\"intermediate_size\": 256");
    testing::WriteFile(model + "/config.json", config);
    auto result = RunActcache({"forward", "--model", model, "--hook", "model.layers.0.mlp",
                               "--tokens", "1", "--out", dir.File("x.npy")});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_THAT(result.stderr_text, HasSubstr("tensor 'model.layers.0.mlp.down_proj.weight' has shape [64, 192], config.json implies [64, 256]"));
}

}  // namespace
}  // namespace actcache
