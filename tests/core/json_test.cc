#include "core/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/random.h"
#include "support/temp_dir.h"

namespace actcache {
namespace {

using ::testing::HasSubstr;

JsonValue MustParse(std::string_view text) {
    Result<JsonValue> value = ParseJson(text);
    EXPECT_TRUE(value.ok()) << value.status().message();
    return value.ok() ? *value : JsonValue();
}

std::string ParseError(std::string_view text, const JsonParseOptions& options = {}) {
    Result<JsonValue> value = ParseJson(text, options);
    EXPECT_FALSE(value.ok()) << "parsed: " << text;
    if (value.ok()) return "";
    EXPECT_EQ(value.status().code(), StatusCode::kCorruption);
    return value.status().message();
}

TEST(JsonTest, ParsesAllValueKinds) {
    JsonValue v = MustParse(R"( {"a": [1, -2.5, 1e-05, true, false, null], "b": {"c": "d"}} )");
    ASSERT_TRUE(v.is_object());
    const JsonValue* a = v.Find("a");
    ASSERT_NE(a, nullptr);
    ASSERT_EQ(a->items().size(), 6u);
    EXPECT_TRUE(a->items()[0].is_integer());
    EXPECT_EQ(a->items()[0].as_int64(), 1);
    EXPECT_FALSE(a->items()[1].is_integer());
    EXPECT_EQ(a->items()[1].as_double(), -2.5);
    EXPECT_EQ(a->items()[2].as_double(), 1e-05);
    EXPECT_TRUE(a->items()[3].as_bool());
    EXPECT_TRUE(a->items()[5].is_null());
    EXPECT_EQ(v.Find("b")->Find("c")->as_string(), "d");
    EXPECT_EQ(v.Find("zzz"), nullptr);
}

TEST(JsonTest, IntegersBeyondInt64AreNumbersButNotIntegers) {
    JsonValue v = MustParse("[9223372036854775807, 9223372036854775808, 2.0]");
    EXPECT_TRUE(v.items()[0].is_integer());
    EXPECT_FALSE(v.items()[1].is_integer());
    EXPECT_TRUE(v.items()[1].is_number());
    EXPECT_FALSE(v.items()[2].is_integer());
}

TEST(JsonTest, DecodesEscapesAndSurrogatePairs) {
    JsonValue v = MustParse(R"(["\"\\\/\b\f\n\r\t", "\u00e9\u4e2d", "\ud83d\ude00", "ĠĊ"])");
    EXPECT_EQ(v.items()[0].as_string(), "\"\\/\b\f\n\r\t");
    EXPECT_EQ(v.items()[1].as_string(), "\xc3\xa9\xe4\xb8\xad");
    EXPECT_EQ(v.items()[2].as_string(), "\xf0\x9f\x98\x80");
    EXPECT_EQ(v.items()[3].as_string(), "\xc4\xa0\xc4\x8a");
}

TEST(JsonTest, ErrorsCarryLineAndColumn) {
    EXPECT_THAT(ParseError("{\n  \"a\": 1,\n  \"b\": tru\n}"), HasSubstr("line 3, column 8"));
    EXPECT_THAT(ParseError("[1, 2"), HasSubstr("unexpected end of input"));
    EXPECT_THAT(ParseError("{\"a\" 1}"), HasSubstr("expected ':'"));
    EXPECT_THAT(ParseError("[1,]"), HasSubstr("line 1, column 4"));
    EXPECT_THAT(ParseError("01"), HasSubstr("unexpected text"));
    EXPECT_THAT(ParseError("1."), HasSubstr("invalid number"));
    EXPECT_THAT(ParseError("1e999"), HasSubstr("out of range"));
    EXPECT_THAT(ParseError("{} x"), HasSubstr("unexpected text after"));
    EXPECT_THAT(ParseError(""), HasSubstr("unexpected end of input"));
    EXPECT_THAT(ParseError("\"a\tb\""), HasSubstr("control character"));
    EXPECT_THAT(ParseError("\"\\x\""), HasSubstr("invalid escape"));
    EXPECT_THAT(ParseError("'a'"), HasSubstr("unexpected character"));
}

TEST(JsonTest, RejectsInvalidUtf8AndLoneSurrogates) {
    EXPECT_THAT(ParseError("\"\xff\""), HasSubstr("invalid UTF-8"));
    EXPECT_THAT(ParseError("\"\xc0\xaf\""), HasSubstr("invalid UTF-8"));      // overlong '/'
    EXPECT_THAT(ParseError("\"\xed\xa0\x80\""), HasSubstr("invalid UTF-8"));  // UTF-8 surrogate
    EXPECT_THAT(ParseError("\"\xe4\xb8\""), HasSubstr("invalid UTF-8"));      // truncated
    EXPECT_THAT(ParseError(R"("\ud800")"), HasSubstr("lone high surrogate"));
    EXPECT_THAT(ParseError(R"("\udc00")"), HasSubstr("lone low surrogate"));
    EXPECT_THAT(ParseError(R"("\ud800\u0041")"), HasSubstr("not followed by a low surrogate"));
}

TEST(JsonTest, DuplicateKeysAreRejectedInSmallAndLargeObjects) {
    EXPECT_THAT(ParseError(R"({"a": 1, "b": 2, "a": 3})"), HasSubstr("duplicate key \"a\""));
    std::string big = "{";
    for (int i = 0; i < 1000; ++i) big += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ",";
    std::string big_ok = big + "\"last\": 0}";
    EXPECT_EQ(MustParse(big_ok).members().size(), 1001u);
    EXPECT_THAT(ParseError(big + "\"k500\": 0}"), HasSubstr("duplicate key \"k500\""));
    JsonParseOptions lenient;
    lenient.reject_duplicate_keys = false;
    EXPECT_TRUE(ParseJson(R"({"a": 1, "a": 2})", lenient).ok());
}

TEST(JsonTest, NestingDepthIsBounded) {
    std::string deep(100000, '[');
    EXPECT_THAT(ParseError(deep), HasSubstr("nesting deeper than the limit"));
    std::string ok = std::string(100, '[') + std::string(100, ']');
    EXPECT_TRUE(ParseJson(ok).ok());
}

TEST(JsonTest, SerializesCompactAndIndented) {
    JsonValue v = JsonValue::Object();
    v.Set("name", JsonValue::String("a\"b\n\x01"));
    JsonValue& list = v.Set("list", JsonValue::Array());
    list.Append(JsonValue::Integer(1));
    list.Append(JsonValue::Number(500000.0));
    v.Set("empty", JsonValue::Object());
    EXPECT_EQ(SerializeJson(v), R"({"name":"a\"b\n\u0001","list":[1,500000.0],"empty":{}})");
    EXPECT_EQ(SerializeJson(v, 2),
              "{\n  \"name\": \"a\\\"b\\n\\u0001\",\n  \"list\": [\n    1,\n    500000.0\n  ],\n"
              "  \"empty\": {}\n}");
}

// Independent oracle: Python's json module. The test writes doubles (as bit patterns) and
// strings, asks /usr/bin/python3 for json.dumps(..., indent=2, ensure_ascii=False), and
// requires our serializer to produce the same text.
TEST(JsonTest, SerializationMatchesPythonJsonDumps) {
    const char* python = "/usr/bin/python3";
    if (std::system((std::string(python) + " -c pass 2>/dev/null").c_str()) != 0) {
        GTEST_SKIP() << "python3 not installed (scripts/setup.sh installs it)";
    }
    testing::TempDir dir;
    SplitMix64 rng(5);
    JsonValue doc = JsonValue::Object();
    JsonValue& numbers = doc.Set("numbers", JsonValue::Array());
    std::string bits_text;
    const double specials[] = {0.0, -0.0, 1.0, 500000.0, 1e-05, 1e-4, 0.02, 1e15, 1e16, 1e17,
                               123456789.125, 2.5e-300, 1.7976931348623157e308, 5e-324, -3.75};
    auto add = [&](double x) {
        numbers.Append(JsonValue::Number(x));
        char hex[32];
        std::snprintf(hex, sizeof hex, "%016llx",
                      static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(x)));
        bits_text += std::string(hex) + "\n";
    };
    for (double x : specials) add(x);
    for (int i = 0; i < 3000; ++i) {
        double x = std::bit_cast<double>(rng.Next());
        if (!std::isfinite(x)) continue;
        if (i % 3 == 0) x = static_cast<double>(static_cast<float>(UniformFromBits(rng.Next())) * 1000);
        add(x);
    }
    JsonValue& strings = doc.Set("strings", JsonValue::Array());
    std::string strings_text;
    for (int i = 0; i < 200; ++i) {
        std::string s;
        for (int j = 0; j < 12; ++j) {
            static const char* pieces[] = {"a", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f",
                                           "\xc3\xa9", "\xe2\x80\xa8", "\xf0\x9f\x98\x80", "/"};
            s += pieces[rng.Next() % 12];
        }
        strings.Append(JsonValue::String(s));
        for (unsigned char c : s) {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%02x", c);
            strings_text += hex;
        }
        strings_text += "\n";
    }
    testing::WriteFile(dir.File("numbers.txt"), bits_text);
    testing::WriteFile(dir.File("strings.txt"), strings_text);
    testing::WriteFile(dir.File("oracle.py"), R"(import json, struct, sys
d = sys.argv[1]
nums = [struct.unpack('<d', bytes.fromhex(l)[::-1])[0] for l in open(d + '/numbers.txt').read().split()]
strs = [bytes.fromhex(l).decode('utf-8') for l in open(d + '/strings.txt').read().split('\n') if l]
sys.stdout.write(json.dumps({'numbers': nums, 'strings': strs}, indent=2, ensure_ascii=False))
)");
    std::string command = std::string(python) + " " + dir.File("oracle.py") + " " + dir.path() +
                          " > " + dir.File("expected.json");
    ASSERT_EQ(std::system(command.c_str()), 0);
    EXPECT_EQ(SerializeJson(doc, 2), testing::ReadFile(dir.File("expected.json")));
}

TEST(JsonTest, RoundTripsThroughParse) {
    JsonValue v = MustParse(R"({"x": [1, 2.5, "s", {"y": null}], "z": -0.0})");
    EXPECT_EQ(SerializeJson(MustParse(SerializeJson(v))), SerializeJson(v));
    EXPECT_EQ(SerializeJson(v), R"({"x":[1,2.5,"s",{"y":null}],"z":-0.0})");
}

}  // namespace
}  // namespace actcache
