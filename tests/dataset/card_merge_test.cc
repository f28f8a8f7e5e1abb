// MergeDatasetCard against an independent YAML parser (the npm `yaml` package, strict, unique
// keys): the merged front matter parses, keeps the existing card's own keys in their order and
// takes the new card's dataset_info and configs; the body keeps the text around the generated
// section; merging again changes nothing.
#include "dataset/card_merge.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/json.h"
#include "dataset/dataset_card.h"
#include "support/temp_dir.h"

namespace actcache::dataset {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The front matter of `card` as the npm `yaml` parser reads it, as JSON.
Result<JsonValue> ParseFrontMatter(const testing::TempDir& dir, const std::string& card) {
    testing::WriteFile(dir.File("README.md"), card);
    const std::string command = "cd " + std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles && node parse_yaml.mjs " +
                                dir.File("README.md") + " > " + dir.File("card.json");
    if (std::system(command.c_str()) != 0) return Status::Internal("parse_yaml.mjs failed on:\n" + card);
    return ParseJson(testing::ReadFile(dir.File("card.json")));
}

std::vector<std::string> Keys(const JsonValue& object) {
    std::vector<std::string> keys;
    for (const auto& member : object.members()) keys.push_back(member.first);
    return keys;
}

CardOptions Shards(int n) {
    CardOptions options;
    options.columns = {{"activacion", 2048}};
    for (int i = 0; i < n; ++i) {
        char split[16];
        std::snprintf(split, sizeof split, "train_%05d", i);
        options.shards.push_back({split, "data/" + std::string(split) + "-00000-of-00001.parquet", 1000 + i, 3'000'000 + i});
    }
    options.facts = {{"Model", "`meta-llama/Llama-3.2-1B`"}};
    return options;
}

// A card as someone else left it on the Hub: their own keys around an older actcache card (two
// splits), PyYAML's unindented sequences, a quoted key, a comment, and their prose around the
// generated section.
std::string TheirCard() {
    const std::string older = BuildDatasetCard(Shards(2));
    const std::string older_yaml = older.substr(4, older.find("\n---\n", 4) - 3);
    const std::string older_body = older.substr(older.find("\n---\n", 4) + 5);
    return "---\n"
           "license: mit\n"
           "# kept as written\n"
           "task_categories:\n"
           "- feature-extraction\n"
           + older_yaml +
           "\"pretty_name\": Pile activations\n"
           "tags:\n"
           "- interpretability\n"
           "- sae\n"
           "---\n"
           "Intro written on the Hub.\n\n" + older_body + "\nThanks to the team.\n";
}

TEST(CardMergeTest, KeepsTheirKeysAndProseAndTakesOurSplits) {
    testing::TempDir dir;
    const std::string ours = BuildDatasetCard(Shards(5));
    const std::string merged = MergeDatasetCard(ours, TheirCard());

    Result<JsonValue> yaml = ParseFrontMatter(dir, merged);
    ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
    Result<JsonValue> our_yaml = ParseFrontMatter(dir, ours);
    ASSERT_TRUE(our_yaml.ok()) << our_yaml.status().ToString();
    EXPECT_EQ(Keys(*yaml), (std::vector<std::string>{"license", "task_categories", "dataset_info", "configs",
                                                      "pretty_name", "tags"}));
    EXPECT_EQ(yaml->Find("license")->as_string(), "mit");
    EXPECT_EQ(yaml->Find("tags")->items().size(), 2u);
    EXPECT_EQ(SerializeJson(*yaml->Find("dataset_info")), SerializeJson(*our_yaml->Find("dataset_info")));
    EXPECT_EQ(SerializeJson(*yaml->Find("configs")), SerializeJson(*our_yaml->Find("configs")));

    EXPECT_THAT(merged, HasSubstr("---\nIntro written on the Hub.\n\n"));
    EXPECT_TRUE(merged.ends_with(std::string(kCardSectionEnd) + "\nThanks to the team.\n")) << merged;
    EXPECT_THAT(merged, HasSubstr("5 shards"));
    EXPECT_THAT(merged, Not(HasSubstr("2 shards")));
    EXPECT_EQ(MergeDatasetCard(ours, merged), merged);  // idempotent
}

TEST(CardMergeTest, CardsWithoutOurPartsGetThem) {
    testing::TempDir dir;
    const std::string ours = BuildDatasetCard(Shards(3));
    EXPECT_EQ(MergeDatasetCard(ours, ""), ours);
    EXPECT_EQ(MergeDatasetCard(ours, ours), ours);

    // Plain markdown, no front matter: our front matter, their text, then our section.
    const std::string merged = MergeDatasetCard(ours, "# My dataset\n\nSome words.");
    ASSERT_TRUE(ParseFrontMatter(dir, merged).ok());
    EXPECT_THAT(merged, HasSubstr("---\n# My dataset\n\nSome words.\n\n" + std::string(kCardSectionBegin)));
    EXPECT_EQ(MergeDatasetCard(ours, merged), merged);

    // Front matter with only their keys.
    const std::string with_license = MergeDatasetCard(ours, "---\nlicense: apache-2.0\n---\n");
    Result<JsonValue> yaml = ParseFrontMatter(dir, with_license);
    ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
    EXPECT_EQ(Keys(*yaml), (std::vector<std::string>{"license", "dataset_info", "configs"}));
}

}  // namespace
}  // namespace actcache::dataset
