#include "hub/hub_settings.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "support/temp_dir.h"

namespace actcache::hub {
namespace {

EnvLookup Env(std::map<std::string, std::string> values) {
    return [values](const std::string& name) -> std::optional<std::string> {
        auto it = values.find(name);
        if (it == values.end()) return std::nullopt;
        return it->second;
    };
}

TEST(HubSettingsTest, EndpointDefaultsAndLosesTrailingSlashes) {
    EXPECT_EQ(ResolveHubSettings(Env({})).endpoint, "https://huggingface.co");
    EXPECT_EQ(ResolveHubSettings(Env({{"HF_ENDPOINT", "http://127.0.0.1:9/"}})).endpoint,
              "http://127.0.0.1:9");
}

TEST(HubSettingsTest, TokenPrecedenceFollowsHuggingFaceHub) {
    testing::TempDir dir;
    testing::WriteFile(dir.File("token"), "  file-token\r\n");
    testing::WriteFile(dir.File("other"), "path-token\n");
    std::filesystem::create_directories(dir.File("xdg/huggingface"));
    testing::WriteFile(dir.File("xdg/huggingface/token"), "xdg-token");
    std::filesystem::create_directories(dir.File("home/.cache/huggingface"));
    testing::WriteFile(dir.File("home/.cache/huggingface/token"), "home-token");

    EXPECT_EQ(ResolveHubSettings(Env({{"HF_TOKEN", "a"}, {"HUGGING_FACE_HUB_TOKEN", "b"}})).token, "a");
    EXPECT_EQ(ResolveHubSettings(Env({{"HUGGING_FACE_HUB_TOKEN", "b"}})).token, "b");
    EXPECT_EQ(ResolveHubSettings(Env({{"HF_TOKEN", " \n"}, {"HUGGING_FACE_HUB_TOKEN", "b"}})).token, "b");
    EXPECT_EQ(ResolveHubSettings(Env({{"HF_TOKEN_PATH", dir.File("other")}, {"HF_HOME", dir.path()}})).token,
              "path-token");
    EXPECT_EQ(ResolveHubSettings(Env({{"HF_HOME", dir.path()}})).token, "file-token");
    EXPECT_EQ(ResolveHubSettings(Env({{"XDG_CACHE_HOME", dir.File("xdg")}})).token, "xdg-token");
    EXPECT_EQ(ResolveHubSettings(Env({{"HOME", dir.File("home")}})).token, "home-token");
    EXPECT_FALSE(ResolveHubSettings(Env({{"HOME", dir.File("nowhere")}})).token.has_value());
    EXPECT_FALSE(ResolveHubSettings(Env({{"HF_TOKEN", "a"}, {"HF_HUB_DISABLE_IMPLICIT_TOKEN", "1"}}))
                     .token.has_value());
}

TEST(HubSettingsTest, OfflineAndAuthHeader) {
    EXPECT_TRUE(ResolveHubSettings(Env({{"HF_HUB_OFFLINE", "1"}})).offline);
    EXPECT_TRUE(ResolveHubSettings(Env({{"HF_HUB_OFFLINE", "TRUE"}})).offline);
    EXPECT_FALSE(ResolveHubSettings(Env({{"HF_HUB_OFFLINE", "0"}})).offline);
    EXPECT_EQ(ResolveHubSettings(Env({{"HF_TOKEN", "t"}})).AuthHeaders(),
              std::vector<std::string>{"authorization: Bearer t"});
    EXPECT_TRUE(ResolveHubSettings(Env({})).AuthHeaders().empty());
}

}  // namespace
}  // namespace actcache::hub
