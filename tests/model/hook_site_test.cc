#include "model/hook_site.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/presets.h"

namespace actcache::model {
namespace {

using ::testing::HasSubstr;

class HookSiteTest : public ::testing::Test {
protected:
    HookSite Parse(std::string_view name) {
        auto site = ParseHookSite(name, config_);
        EXPECT_TRUE(site.ok()) << name << ": " << site.status().message();
        return site.ok() ? *site : HookSite{};
    }
    LlamaConfig config_ = *PresetConfig("llama-3.2-1b");
};

TEST_F(HookSiteTest, HuggingFaceModulePaths) {
    HookSite seed = Parse("model.layers.8.mlp");
    EXPECT_EQ(seed.point, HookPoint::kMlpOutput);
    EXPECT_EQ(seed.layer, 8);
    EXPECT_EQ(seed.name, "model.layers.8.mlp");
    EXPECT_EQ(seed.Width(config_), 2048);
    EXPECT_EQ(Parse("model.layers.8.mlp.down_proj").point, HookPoint::kMlpOutput);
    EXPECT_EQ(Parse("model.layers.8.mlp.down_proj:input").Width(config_), 8192);
    EXPECT_EQ(Parse("model.layers.0").point, HookPoint::kLayerOutput);
    EXPECT_EQ(Parse("model.layers.15:input").point, HookPoint::kLayerInput);
    EXPECT_EQ(Parse("model.layers.3.self_attn").point, HookPoint::kAttentionOutput);
    EXPECT_EQ(Parse("model.layers.3.self_attn.k_proj").Width(config_), 512);
    EXPECT_EQ(Parse("model.layers.3.self_attn.o_proj:input").Width(config_), 2048);
    EXPECT_EQ(Parse("model.embed_tokens").layer, -1);
    EXPECT_EQ(Parse("model.norm").layer, 16);
}

TEST_F(HookSiteTest, InputsThatEqualAnotherOutputMapToIt) {
    EXPECT_EQ(Parse("model.layers.4.mlp:input").name, "model.layers.4.post_attention_layernorm");
    EXPECT_EQ(Parse("model.layers.4.input_layernorm:input").name, "model.layers.4:input");
    EXPECT_EQ(Parse("model.layers.4.self_attn.q_proj:input").name, "model.layers.4.input_layernorm");
    EXPECT_EQ(Parse("model.norm:input").name, "model.layers.15");
}

TEST_F(HookSiteTest, TransformerLensAliases) {
    EXPECT_EQ(Parse("blocks.8.hook_mlp_out").name, "model.layers.8.mlp");
    EXPECT_EQ(Parse("blocks.8.hook_resid_pre").name, "model.layers.8:input");
    EXPECT_EQ(Parse("blocks.8.hook_resid_mid").name, "model.layers.8.post_attention_layernorm:input");
    EXPECT_EQ(Parse("blocks.8.hook_resid_post").name, "model.layers.8");
    EXPECT_EQ(Parse("blocks.8.hook_attn_out").name, "model.layers.8.self_attn");
    EXPECT_EQ(Parse("blocks.8.mlp.hook_post").name, "model.layers.8.mlp.down_proj:input");
    EXPECT_EQ(Parse("blocks.8.mlp.hook_pre").name, "model.layers.8.mlp.gate_proj");
    EXPECT_EQ(Parse("blocks.8.attn.hook_z").name, "model.layers.8.self_attn.o_proj:input");
    EXPECT_EQ(Parse("hook_embed").name, "model.embed_tokens");
}

TEST_F(HookSiteTest, OrderFollowsTheComputation) {
    EXPECT_TRUE(Parse("model.embed_tokens").ComputedBefore(Parse("model.layers.0:input")));
    EXPECT_TRUE(Parse("model.layers.8.self_attn").ComputedBefore(Parse("model.layers.8.mlp")));
    EXPECT_TRUE(Parse("model.layers.8").ComputedBefore(Parse("model.layers.9:input")));
    EXPECT_TRUE(Parse("model.layers.15").ComputedBefore(Parse("model.norm")));
}

TEST_F(HookSiteTest, LayerOutOfRangeSaysHowManyLayersThereAre) {
    auto site = ParseHookSite("model.layers.99.mlp", config_);
    ASSERT_FALSE(site.ok());
    EXPECT_EQ(site.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(site.status().message(), HasSubstr("layer 99 does not exist (the model has 16 layers, 0..15)"));
}

TEST_F(HookSiteTest, TyposListTheValidSites) {
    for (const char* bad : {"model.layer.8.mlp", "model.layers.8.mlpp", "model.layers.08.mlp",
                            "model.layers.-1.mlp", "model.layers..mlp", "blocks.8.hook_mlp",
                            "", "model.layers.8.mlp:output"}) {
        auto site = ParseHookSite(bad, config_);
        ASSERT_FALSE(site.ok()) << bad;
        EXPECT_THAT(site.status().message(), HasSubstr("valid sites: model.embed_tokens")) << bad;
        EXPECT_THAT(site.status().message(), HasSubstr("N in 0..15")) << bad;
    }
}

}  // namespace
}  // namespace actcache::model
