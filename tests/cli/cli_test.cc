// The command-line contract (DESIGN.md §4): subcommands, --help, --version, exit codes and the
// one-line errors for unknown options and bad values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "support/temp_dir.h"

namespace actcache {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::RunActcache;

int CountLines(const std::string& text) {
    return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

TEST(CliTest, VersionPrintsNameAndVersion) {
    auto result = RunActcache({"--version"});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_THAT(result.stdout_text, StartsWith("actcache 0.1.0"));
}

TEST(CliTest, HelpListsEverySubcommand) {
    auto result = RunActcache({"--help"});
    EXPECT_EQ(result.exit_code, 0);
    for (const char* name : {"run", "inspect", "push", "tokenize", "forward", "make-model"}) {
        EXPECT_THAT(result.stdout_text, HasSubstr(name));
    }
}

TEST(CliTest, EverySubcommandHasHelp) {
    for (const char* name : {"run", "inspect", "push", "tokenize", "forward", "make-model"}) {
        auto result = RunActcache({name, "--help"});
        EXPECT_EQ(result.exit_code, 0) << name;
        EXPECT_THAT(result.stdout_text, HasSubstr("Usage")) << name;
    }
}

TEST(CliTest, NoSubcommandIsAUsageError) {
    auto result = RunActcache({});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_THAT(result.stderr_text, StartsWith("actcache: error: "));
    EXPECT_THAT(result.stderr_text, HasSubstr("Usage: actcache SUBCOMMAND"));
}

TEST(CliTest, UnknownSubcommandIsAUsageError) {
    auto result = RunActcache({"frobnicate"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_THAT(result.stderr_text, HasSubstr("frobnicate"));
}

TEST(CliTest, UnknownOptionGivesOneLineAndTheUsage) {
    auto result = RunActcache({"make-model", "--out", "/tmp/x", "--colour", "red"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_THAT(result.stderr_text, StartsWith("actcache: error: "));
    EXPECT_THAT(result.stderr_text, HasSubstr("--colour"));
    EXPECT_THAT(result.stderr_text, HasSubstr("Usage: actcache make-model [OPTIONS]"));
    EXPECT_EQ(CountLines(result.stderr_text), 3);  // error, usage, pointer to --help
    EXPECT_EQ(result.stdout_text, "");
}

TEST(CliTest, BadValuesAreUsageErrorsNamingTheOption) {
    struct Case {
        std::vector<std::string> args;
        const char* names;
    };
    const Case cases[] = {
        {{"make-model", "--out", "/tmp/x", "--dtype", "fp8"}, "--dtype"},
        {{"make-model", "--out", "/tmp/x", "--seed", "abc"}, "--seed"},
        {{"make-model", "--out", "/tmp/x", "--seed", "-1"}, "--seed"},
        {{"make-model", "--out", "/tmp/x", "--preset", "huge"}, "--preset"},
        {{"make-model", "--out", "/tmp/x", "--threads", "0"}, "--threads"},
        {{"make-model", "--out", "/tmp/x", "--config", "/no/such/config.json"}, "--config"},
        {{"make-model"}, "--out"},
        {{"make-model", "--out", "/tmp/x", "--preset", "tiny", "--config", "/etc/hostname"},
         "--config"},
    };
    for (const Case& c : cases) {
        auto result = RunActcache(c.args);
        EXPECT_EQ(result.exit_code, 2) << c.names << ": " << result.stderr_text;
        EXPECT_THAT(result.stderr_text, StartsWith("actcache: error: "));
        EXPECT_THAT(result.stderr_text, HasSubstr(c.names));
    }
}

}  // namespace
}  // namespace actcache
