#include "core/json_field.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "core/random.h"

namespace actcache {
namespace {

using ::testing::HasSubstr;

JsonFieldLookup Lookup(std::string_view text, std::vector<std::string> path, std::string* out,
                       JsonType* type) {
    auto result = ExtractJsonStringField(text, path, out, type);
    EXPECT_TRUE(result.ok()) << result.status().message();
    return result.ok() ? *result : JsonFieldLookup::kMissing;
}

TEST(JsonFieldTest, FindsTopLevelAndNestedStrings) {
    std::string out;
    JsonType type;
    const char* doc = R"({"meta": {"pile_set_name": "ArXiv", "n": [1, {"x": null}]},
                         "text": "a\nb \u00e9 \ud83d\ude00", "z": 1.5e3})";
    EXPECT_EQ(Lookup(doc, {"text"}, &out, &type), JsonFieldLookup::kString);
    EXPECT_EQ(out, "a\nb \xc3\xa9 \xf0\x9f\x98\x80");
    EXPECT_EQ(Lookup(doc, {"meta", "pile_set_name"}, &out, &type), JsonFieldLookup::kString);
    EXPECT_EQ(out, "ArXiv");
    EXPECT_EQ(Lookup(doc, {"meta", "n"}, &out, &type), JsonFieldLookup::kNotString);
    EXPECT_EQ(type, JsonType::kArray);
    EXPECT_EQ(Lookup(doc, {"z"}, &out, &type), JsonFieldLookup::kNotString);
    EXPECT_EQ(type, JsonType::kNumber);
    EXPECT_EQ(Lookup(doc, {"body"}, &out, &type), JsonFieldLookup::kMissing);
    EXPECT_EQ(Lookup(doc, {"text", "deeper"}, &out, &type), JsonFieldLookup::kMissing);
    EXPECT_EQ(Lookup(R"({"text": "first", "text": "last"})", {"text"}, &out, &type),
              JsonFieldLookup::kString);
    EXPECT_EQ(out, "last");  // json.loads keeps the last duplicate
}

// Every document the DOM parser rejects, the extractor rejects with the same message; on valid
// documents both agree on the field. Documents are mutated valid records.
TEST(JsonFieldTest, AgreesWithParseJsonOnMutatedRecords) {
    const std::string base =
        R"({"text": "caf\u00e9 \"q\" \\ end", "meta": {"set": "A", "k": [1, -2.5e3, true, null]}})";
    const std::string alphabet = "{}[]\":,\\ unt0-.e9a\x80\xc3";
    SplitMix64 rng(3);
    int rejected = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string doc = base;
        const int edits = 1 + static_cast<int>(rng.Next() % 3);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = rng.Next() % doc.size();
            const char c = alphabet[rng.Next() % alphabet.size()];
            switch (rng.Next() % 3) {
                case 0: doc[at] = c; break;
                case 1: doc.insert(doc.begin() + static_cast<std::ptrdiff_t>(at), c); break;
                default: doc.erase(at, 1);
            }
        }
        JsonParseOptions lenient;
        lenient.reject_duplicate_keys = false;
        auto dom = ParseJson(doc, lenient);
        std::string out;
        JsonType type;
        auto field = ExtractJsonStringField(doc, std::vector<std::string>{"text"}, &out, &type);
        ASSERT_EQ(dom.ok(), field.ok()) << doc;
        if (!dom.ok()) {
            ++rejected;
            EXPECT_EQ(dom.status().message(), field.status().message()) << doc;
            continue;
        }
        const JsonValue* text = dom->is_object() ? dom->Find("text") : nullptr;
        if (text == nullptr) {
            EXPECT_EQ(*field, JsonFieldLookup::kMissing) << doc;
        } else if (text->is_string()) {
            EXPECT_EQ(*field, JsonFieldLookup::kString) << doc;
            EXPECT_EQ(out, text->as_string()) << doc;
        } else {
            EXPECT_EQ(*field, JsonFieldLookup::kNotString) << doc;
        }
    }
    EXPECT_GT(rejected, 5000);  // the mutations must exercise the error paths
}

TEST(JsonFieldTest, ErrorsCarryLineAndColumn) {
    std::string out;
    JsonType type;
    auto result = ExtractJsonStringField("{\"text\": oops}", std::vector<std::string>{"text"}, &out, &type);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(), HasSubstr("line 1, column 10"));
}

}  // namespace
}  // namespace actcache
