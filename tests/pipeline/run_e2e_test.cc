// End-to-end tests of `actcache run` on a generated model and a generated Pile-format corpus
// with edge-case documents. The references are independent of actcache: the seed's semantics
// re-derived in Python with Hugging Face's Rust tokenizers (seed_reference.py), shards read back
// by DuckDB (tests/oracles/dump_rows.mjs), save_to_disk streams read by apache-arrow
// (tests/oracles/read_arrow_stream.mjs), and `actcache forward` (itself tested against PyTorch)
// for activation values.
#include <algorithm>
#include <cstdio>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/json.h"
#include "support/card_data_files.h"
#include "support/dataset_files.h"
#include "support/temp_dir.h"

namespace actcache {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::DatasetFiles;
using testing::RunActcache;
using testing::RunShell;
using testing::ShellQuote;

const std::string kOracles = std::string(ACTCACHE_SOURCE_DIR) + "/tests/oracles";
constexpr const char* kSeqLen = "32";
constexpr const char* kShardSize = "400";
constexpr const char* kHook = "model.layers.2.mlp";

// The shard files under dir/data (flat or fanned out into sub-folders), in shard order.
std::vector<std::string> ShardPaths(const std::string& dir) {
    std::vector<std::string> paths;
    for (const auto& entry : fs::recursive_directory_iterator(dir + "/data")) {
        if (entry.is_regular_file()) paths.push_back(entry.path().string());
    }
    std::sort(paths.begin(), paths.end(), [](const std::string& a, const std::string& b) {
        return fs::path(a).filename() < fs::path(b).filename();
    });
    return paths;
}

// Runs tests/oracles/dump_rows.mjs MODE ARGS... over the shards of `dir`; its stdout.
std::string DumpShards(const std::string& dir, const std::string& mode_and_args) {
    std::string command = "node " + ShellQuote(kOracles + "/dump_rows.mjs") + " " + mode_and_args;
    for (const std::string& path : ShardPaths(dir)) command += " " + ShellQuote(path);
    testing::CommandResult result = RunShell(command);
    EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
    return result.stdout_text;
}

std::string DumpRows(const std::string& dir) { return DumpShards(dir, "rows"); }

class RunEndToEnd : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new testing::TempDir();
        model_ = dir_->File("model");
        corpus_ = dir_->File("corpus.jsonl");
        ASSERT_EQ(RunActcache({"make-model", "--preset", "tiny", "--seed", "3", "--out", model_}).exit_code, 0);
        ASSERT_EQ(testing::MakePileCorpus(corpus_, 90, 120, 5).exit_code, 0);
        reference_ = dir_->File("reference");
        testing::CommandResult run = RunActcache(Args(reference_));
        ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    }
    static void TearDownTestSuite() { delete dir_; }

    // The run everything is compared with: seed settings scaled down.
    static std::vector<std::string> Args(const std::string& output, std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"run", "--model", model_, "--corpus", corpus_, "--seq-len", kSeqLen,
                                         "--shard-size", kShardSize, "--output", output,
                                         "--quiet", "--threads", "2", "--batch", "4"};
        // --hook and --corpus collect every value: the base one only when `extra` has none.
        if (std::find(extra.begin(), extra.end(), "--hook") == extra.end()) {
            args.insert(args.end(), {"--hook", kHook});
        }
        if (std::find(extra.begin(), extra.end(), "--corpus") != extra.end()) {
            args.erase(args.begin() + 3, args.begin() + 5);
        }
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    }

    static testing::TempDir* dir_;
    static std::string model_, corpus_, reference_;
};

testing::TempDir* RunEndToEnd::dir_ = nullptr;
std::string RunEndToEnd::model_, RunEndToEnd::corpus_, RunEndToEnd::reference_;

TEST_F(RunEndToEnd, RowsAreTheSeedsRowsInOrder) {
    testing::CommandResult expected =
        RunShell("python3 " + ShellQuote(std::string(ACTCACHE_SOURCE_DIR) + "/tests/pipeline/seed_reference.py") +
                 " " + ShellQuote(corpus_) + " " + ShellQuote(model_) + " --seq-len " + kSeqLen +
                 " --trunc-toks 131072");
    ASSERT_EQ(expected.exit_code, 0) << expected.stderr_text;
    const std::string actual = DumpRows(reference_);
    ASSERT_GT(expected.stdout_text.size(), 1000u);
    EXPECT_TRUE(actual == expected.stdout_text) << "rows differ from the seed's re-derivation";
    // Several shards, all full but the last.
    EXPECT_GE(ShardPaths(reference_).size(), 3u);
}

TEST_F(RunEndToEnd, ActivationsEqualForwardOnTheirWindow) {
    const std::string windows_path = dir_->File("windows.jsonl");
    ASSERT_EQ(RunShell("python3 " + ShellQuote(std::string(ACTCACHE_SOURCE_DIR) + "/tests/pipeline/seed_reference.py") +
                       " " + ShellQuote(corpus_) + " " + ShellQuote(model_) + " --seq-len " + kSeqLen +
                       " --trunc-toks 131072 --windows " + ShellQuote(windows_path) + " >/dev/null")
                  .exit_code,
              0);
    std::vector<JsonValue> windows;
    std::istringstream lines(testing::ReadFile(windows_path));
    for (std::string line; std::getline(lines, line);) windows.push_back(*ParseJson(line));
    ASSERT_GE(windows.size(), 10u);
    for (std::size_t pick : {std::size_t{0}, windows.size() / 2, windows.size() - 1}) {
        const JsonValue& window = windows[pick];
        const std::int64_t doc = window.Find("doc_id")->as_int64();
        const std::int64_t start = window.Find("start")->as_int64();
        std::string tokens;
        for (const JsonValue& id : window.Find("tokens")->items()) {
            tokens += (tokens.empty() ? "" : ",") + std::to_string(id.as_int64());
        }
        const std::string npy = dir_->File("window.npy");
        testing::CommandResult forward =
            RunActcache({"forward", "--model", model_, "--hook", kHook, "--tokens", tokens, "--raw", "--out", npy});
        ASSERT_EQ(forward.exit_code, 0) << forward.stderr_text;
        const std::string bytes = testing::ReadFile(npy);
        const std::size_t data = bytes.find('\n') + 1;  // .npy v1: magic, header, '\n', data
        const std::int64_t width = 64;

        std::istringstream row_lines(DumpShards(reference_, "doc activacion " + std::to_string(doc)));
        int compared = 0;
        for (std::string line; std::getline(row_lines, line);) {
            const JsonValue row = *ParseJson(line);
            const std::int64_t j = row.items()[0].as_int64() - start;
            if (j < 0 || j >= std::stoll(kSeqLen)) continue;
            const auto& values = row.items()[2].items();
            ASSERT_EQ(static_cast<std::int64_t>(values.size()), width);
            for (std::int64_t d = 0; d < width; ++d) {
                std::uint16_t expected = 0;
                std::memcpy(&expected, bytes.data() + data + 2 * (j * width + d), 2);
                ASSERT_EQ(values[static_cast<std::size_t>(d)].as_int64(), expected)
                    << "doc " << doc << " window at " << start << " token " << j << " dim " << d;
            }
            ++compared;
        }
        EXPECT_GE(compared, std::stoll(kSeqLen) - 2) << "doc " << doc;
    }
}

TEST_F(RunEndToEnd, NormStatsEqualARecomputationFromTheShards) {
    const JsonValue truth = *ParseJson(DumpShards(reference_, "stats activacion"));
    const JsonValue stats = *ParseJson(testing::ReadFile(reference_ + "/norm_stats.json"));
    const double n = truth.Find("tokens")->as_double();
    EXPECT_EQ(stats.Find("tokens")->as_int64(), truth.Find("tokens")->as_int64());
    EXPECT_NEAR(stats.Find("rms")->as_double(), std::sqrt(truth.Find("sum_squared_norms")->as_double() / n), 1e-12);
    EXPECT_NEAR(stats.Find("mean_norm")->as_double(), truth.Find("sum_norms")->as_double() / n, 1e-12);
    const auto& mean = stats.Find("mean")->items();
    const auto& sum = truth.Find("sum")->items();
    ASSERT_EQ(mean.size(), sum.size());
    for (std::size_t d = 0; d < mean.size(); ++d) {
        EXPECT_NEAR(mean[d].as_double(), sum[d].as_double() / n, 1e-12) << d;
    }
}

TEST_F(RunEndToEnd, SameBytesWhateverThreadsAndBatch) {
    const auto reference = DatasetFiles(reference_);
    const std::vector<std::vector<std::string>> variants = {
        {"--threads", "1", "--batch", "1"},
        {"--threads", "2", "--batch", "16", "--tokenizer-threads", "2"},
        {"--batch", "3", "--writer-threads", "3"},  // shards encoded on 3 threads, committed in order
    };
    for (std::size_t i = 0; i < variants.size(); ++i) {
        const std::string out = dir_->File("variant" + std::to_string(i));
        testing::CommandResult run = RunActcache(Args(out, variants[i]));
        ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
        EXPECT_TRUE(DatasetFiles(out) == reference) << "variant " << i;
    }
}

TEST_F(RunEndToEnd, ResumesExactlyAfterAKillAtEachCrashPoint) {
    const auto reference = DatasetFiles(reference_);
    for (const std::string point : {"shard-half-full:2", "parquet-before-footer:2", "shard-committed:1",
                                    "manifest-saved:3", "parquet-before-footer:1"}) {
        const std::string out = dir_->File("crash-" + point.substr(0, point.find(':')) + point.substr(point.find(':') + 1));
        testing::CommandResult killed =
            RunShell("ACTCACHE_CRASH_AT=" + point + " " + testing::ActcacheCommand(Args(out)));
        ASSERT_EQ(killed.exit_code, 128 + 9) << point << ": " << killed.stderr_text;
        if (point.starts_with("parquet-before-footer")) {  // the kill left a half-written shard
            bool temporary = false;
            for (const auto& entry : fs::directory_iterator(out + "/data")) {
                temporary = temporary || entry.path().string().find(".tmp-") != std::string::npos;
            }
            EXPECT_TRUE(temporary) << point;
        }
        testing::CommandResult resumed = RunActcache(Args(out));
        ASSERT_EQ(resumed.exit_code, 0) << point << ": " << resumed.stderr_text;
        EXPECT_THAT(resumed.stdout_text, HasSubstr("resumed")) << point;
        EXPECT_TRUE(DatasetFiles(out) == reference) << point;
    }
}

TEST_F(RunEndToEnd, ResumesExactlyAfterKillsAtRandomMoments) {
    const auto reference = DatasetFiles(reference_);
    const std::string out = dir_->File("random-kills");
    // SIGKILL after growing delays until a run gets through; each kill lands somewhere else.
    int kills = 0;
    for (int attempt = 0; attempt < 40; ++attempt) {
        const double delay = 0.15 + 0.1 * attempt;
        testing::CommandResult run = RunShell("timeout -s KILL " + std::to_string(delay) + " " +
                                              testing::ActcacheCommand(Args(out, {"--threads", "1"})));
        if (run.exit_code == 0) break;
        ASSERT_EQ(run.exit_code, 128 + 9) << run.stderr_text;
        ++kills;
    }
    EXPECT_GE(kills, 2);
    testing::CommandResult last = RunActcache(Args(out));
    ASSERT_EQ(last.exit_code, 0) << last.stderr_text;
    EXPECT_THAT(last.stdout_text, HasSubstr("already complete"));
    EXPECT_TRUE(DatasetFiles(out) == reference);
}

TEST_F(RunEndToEnd, SigintStopsCleanlyAndSaysHowToContinue) {
    const auto reference = DatasetFiles(reference_);
    const std::string out = dir_->File("sigint");
    // SIGINT once the run is under way (its manifest exists, so its handlers are installed).
    const std::string manifest = ShellQuote(out + "/.actcache/manifest.json");
    testing::CommandResult run = RunShell(
        testing::ActcacheCommand(Args(out, {"--threads", "1", "--batch", "1"})) + " & pid=$!; for i in $(seq 3000); do [ -e " +
        manifest + " ] && break; sleep 0.01; done; sleep 0.2; kill -INT $pid; wait $pid");
    if (run.exit_code != 0) {  // the run may finish first on a fast machine
        EXPECT_EQ(run.exit_code, 130) << run.stderr_text;
        EXPECT_THAT(run.stderr_text, HasSubstr("run the same command again to continue"));
        EXPECT_EQ(std::count(run.stderr_text.begin(), run.stderr_text.end(), '\n'), 1) << run.stderr_text;
    }
    testing::CommandResult resumed = RunActcache(Args(out));
    ASSERT_EQ(resumed.exit_code, 0) << resumed.stderr_text;
    EXPECT_TRUE(DatasetFiles(out) == reference);
}

TEST_F(RunEndToEnd, LimitsHarvestAPrefixAndCanBeRaised) {
    const auto reference = DatasetFiles(reference_);
    const std::string out = dir_->File("limits");
    ASSERT_EQ(RunActcache(Args(out, {"--max-shards", "1"})).exit_code, 0);
    EXPECT_EQ(ShardPaths(out).size(), 1u);
    testing::CommandResult more = RunActcache(Args(out, {"--max-shards", "2"}));
    ASSERT_EQ(more.exit_code, 0) << more.stderr_text;
    ASSERT_EQ(ShardPaths(out).size(), 2u);
    for (const std::string& path : ShardPaths(out)) {
        const std::string relative = "data/" + fs::path(path).filename().string();
        EXPECT_TRUE(testing::ReadFile(path) == reference.at(relative)) << relative;
    }
    // Without a limit it completes to the same dataset as the uninterrupted run.
    ASSERT_EQ(RunActcache(Args(out)).exit_code, 0);
    EXPECT_TRUE(DatasetFiles(out) == reference);
    // With encoder threads, --max-shards counts the shards being encoded too: exactly one.
    const std::string parallel = dir_->File("limits-parallel");
    ASSERT_EQ(RunActcache(Args(parallel, {"--max-shards", "1", "--writer-threads", "2"})).exit_code, 0);
    ASSERT_EQ(ShardPaths(parallel).size(), 1u);
    EXPECT_TRUE(testing::ReadFile(ShardPaths(parallel).front()) ==
                reference.at("data/" + fs::path(ShardPaths(parallel).front()).filename().string()));

    // --max-tokens: exactly that many rows, the reference's first ones, and no batch computed
    // beyond the windows that hold them (the reader stops there: fewer than 500 + one batch of
    // 4 × 32 tokens go through the model).
    const std::string tokens = dir_->File("max-tokens");
    testing::CommandResult limited = RunActcache(Args(tokens, {"--max-tokens", "500"}));
    ASSERT_EQ(limited.exit_code, 0);
    long long forward_tokens = 0;
    ASSERT_EQ(std::sscanf(limited.stdout_text.substr(limited.stdout_text.find("this session: ")).c_str(),
                          "this session: %lld tokens through the model", &forward_tokens),
              1)
        << limited.stdout_text;
    EXPECT_GE(forward_tokens, 500);
    EXPECT_LT(forward_tokens, 500 + 4 * 32);
    const std::string rows = DumpRows(tokens);
    EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), 500);
    EXPECT_TRUE(DumpRows(reference_).starts_with(rows));
    // A partial last shard under other limits is not silently rewritten.
    testing::CommandResult refused = RunActcache(Args(tokens, {"--max-tokens", "900"}));
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_THAT(refused.stderr_text, HasSubstr("partial shard"));

    // --max-docs: the rows of the first N records only.
    const std::string docs = dir_->File("max-docs");
    ASSERT_EQ(RunActcache(Args(docs, {"--max-docs", "10"})).exit_code, 0);
    std::string expected;
    std::istringstream all(DumpRows(reference_));
    for (std::string line; std::getline(all, line);) {
        if (std::stoll(line) < 10) expected += line + "\n";
    }
    EXPECT_EQ(DumpRows(docs), expected);
}

// --shards-per-folder 2: shards 0 and 1 in data/, then data/00002-00003/, data/00004-00005/, ...
// (shard_layout.h). The same shard files as the flat run, byte for byte, at those paths; a card
// whose data_files resolve, as `datasets` resolves them, to each split's own file; `inspect`
// passes; a kill while the first shard of a sub-folder is written resumes exactly.
TEST_F(RunEndToEnd, FannedOutShardFoldersHoldTheSameShards) {
    const std::vector<std::string> fan_out = {"--shards-per-folder", "2"};
    const std::string out = dir_->File("fanned-out");
    testing::CommandResult killed =
        RunShell("ACTCACHE_CRASH_AT=parquet-before-footer:3 " + testing::ActcacheCommand(Args(out, fan_out)));
    ASSERT_EQ(killed.exit_code, 128 + 9) << killed.stderr_text;
    bool temporary = false;
    for (const auto& entry : fs::directory_iterator(out + "/data/00002-00003")) {
        temporary = temporary || entry.path().string().find(".tmp-") != std::string::npos;
    }
    EXPECT_TRUE(temporary);
    testing::CommandResult resumed = RunActcache(Args(out, fan_out));
    ASSERT_EQ(resumed.exit_code, 0) << resumed.stderr_text;
    EXPECT_THAT(resumed.stdout_text, HasSubstr("resumed"));

    const auto reference = DatasetFiles(reference_);
    const auto files = DatasetFiles(out);
    std::vector<std::string> shard_paths;
    for (const auto& [path, bytes] : reference) {
        if (!path.starts_with("data/")) continue;
        const std::string name = path.substr(5);
        const long first = std::strtol(name.c_str() + 6, nullptr, 10) / 2 * 2;
        char folder[32];
        std::snprintf(folder, sizeof folder, "data/%05ld-%05ld/", first, first + 1);
        const std::string fanned = first == 0 ? path : folder + name;
        shard_paths.push_back(fanned);
        ASSERT_TRUE(files.contains(fanned)) << fanned;
        EXPECT_TRUE(files.at(fanned) == bytes) << fanned;
    }
    ASSERT_GE(shard_paths.size(), 5u);
    EXPECT_EQ(files.size(), reference.size());
    EXPECT_TRUE(files.at("norm_stats.json") == reference.at("norm_stats.json"));
    EXPECT_TRUE(DumpRows(out) == DumpRows(reference_));

    const auto resolved = testing::ResolveCardDataFiles(out + "/README.md", out);
    ASSERT_TRUE(resolved.ok()) << resolved.status().message();
    std::sort(shard_paths.begin(), shard_paths.end());
    EXPECT_EQ(resolved->at("all/train"), shard_paths);
    for (const std::string& path : shard_paths) {
        const std::string split = fs::path(path).filename().string().substr(0, 11);
        EXPECT_EQ(resolved->at("default/" + split), std::vector<std::string>{path}) << split;
    }
    testing::CommandResult inspected = RunActcache({"inspect", out});
    EXPECT_EQ(inspected.exit_code, 0) << inspected.stdout_text << inspected.stderr_text;
    EXPECT_THAT(inspected.stdout_text, HasSubstr("all checks passed"));

    testing::CommandResult refused = RunActcache(Args(out, {"--shards-per-folder", "3"}));
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_THAT(refused.stderr_text, HasSubstr("shards_per_folder: was 2, now 3"));
}

TEST_F(RunEndToEnd, RefusesToResumeWithOtherOutputOptions) {
    const std::string out = dir_->File("other-options");
    ASSERT_EQ(RunActcache(Args(out, {"--max-shards", "1"})).exit_code, 0);
    testing::CommandResult refused = RunActcache(Args(out, {"--seq-len", "16", "--compression", "snappy"}));
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_THAT(refused.stderr_text, HasSubstr("seq_len: was 32, now 16"));
    EXPECT_THAT(refused.stderr_text, HasSubstr("compression: was \"zstd\", now \"snappy\""));
    EXPECT_EQ(std::count(refused.stderr_text.begin(), refused.stderr_text.end(), '\n'), 1);
}

// --compression zstd:LEVEL is --compression zstd --zstd-level LEVEL.
TEST_F(RunEndToEnd, CompressionWithALevelIsTheSameAsZstdLevel) {
    const std::string with_colon = dir_->File("zstd-colon"), with_option = dir_->File("zstd-option");
    ASSERT_EQ(RunActcache(Args(with_colon, {"--max-shards", "1", "--compression", "zstd:3"})).exit_code, 0);
    ASSERT_EQ(RunActcache(Args(with_option, {"--max-shards", "1", "--zstd-level", "3"})).exit_code, 0);
    EXPECT_TRUE(DatasetFiles(with_colon) == DatasetFiles(with_option));
    EXPECT_THAT(testing::ReadFile(with_colon + "/.actcache/manifest.json"), HasSubstr("\"zstd_level\": 3"));
}

TEST_F(RunEndToEnd, TomlConfigGivesTheSameDatasetAndTheCommandLineWins) {
    const std::string config = dir_->File("run.toml");
    testing::WriteFile(config, "# the reference run, as a file\nmodel = \"" + model_ + "\"\ncorpus = [\"" + corpus_ +
                                   "\"]\nseq_len = " + kSeqLen + "\nshard_size = 999\nhook = [\"" + kHook +
                                   "\"]\nquiet = true\nbatch = 2\n");
    const std::string out = dir_->File("toml");
    testing::CommandResult run =
        RunActcache({"run", "--config", config, "--shard-size", kShardSize, "--output", out});
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    EXPECT_TRUE(DatasetFiles(out) == DatasetFiles(reference_));
}

TEST_F(RunEndToEnd, BadConfigurationsGiveOneClearLine) {
    const std::string bad_toml = dir_->File("bad.toml");
    const std::string unknown_key = dir_->File("unknown.toml");
    const std::string wrong_type = dir_->File("wrong.toml");
    testing::WriteFile(bad_toml, "seq_len = \n");
    testing::WriteFile(unknown_key, "seq_len = 8\nsequence_length = 8\n");
    testing::WriteFile(wrong_type, "trunc_toks = \"long\"\n");
    const std::string nonempty = dir_->File("nonempty");
    fs::create_directories(nonempty);
    testing::WriteFile(nonempty + "/notes.txt", "mine");
    struct Case {
        std::vector<std::string> extra;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {{"--config", bad_toml}, "bad.toml:1:"},
        {{"--config", unknown_key}, "unknown.toml:2: sequence_length: unknown option"},
        {{"--config", wrong_type}, "wrong.toml:1: trunc_toks"},
        {{"--hook", "model.layers.9.mlp"}, "layer 9 does not exist"},
        {{"--column", "a", "--column", "b"}, "--column: 2 column names for 1 hooks"},
        {{"--hook", kHook, "--hook", "blocks.2.hook_mlp_out"}, "are the same site"},
        {{"--seq-len", "100000"}, "max_position_embeddings"},
        {{"--model", dir_->File("no-such-model")}, "no-such-model"},
        {{"--corpus", dir_->File("no-such-corpus.jsonl")}, "no-such-corpus"},
        {{"--compression", "lz4"}, "--compression"},
        {{"--compression", "zstd:0"}, "the zstd level must be in 1..22"},
        {{"--compression", "snappy:3"}, "only zstd takes a level"},
        {{"--compression", "zstd:3", "--zstd-level", "5"}, "--compression zstd:3 and --zstd-level 5 disagree"},
        {{"--output", nonempty}, "not empty"},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        std::vector<std::string> args = Args(dir_->File("bad-run-" + std::to_string(i)), c.extra);
        testing::CommandResult run = RunActcache(args);
        EXPECT_EQ(run.exit_code, 1) << c.expected << ": " << run.stderr_text << run.stdout_text;
        EXPECT_THAT(run.stderr_text, HasSubstr(c.expected));
        EXPECT_EQ(std::count(run.stderr_text.begin(), run.stderr_text.end(), '\n'), 1) << run.stderr_text;
    }
    // A corrupt record names its file and line.
    const std::string corrupt = dir_->File("corrupt.jsonl");
    testing::WriteFile(corrupt, "{\"text\": \"A fine document with enough text in it.\"}\n{\"text\": oops}\n");
    testing::CommandResult run = RunActcache(Args(dir_->File("corrupt-run"), {"--corpus", corrupt}));
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.stderr_text, HasSubstr("corrupt.jsonl:2:"));
}


TEST_F(RunEndToEnd, InspectReportsAndChecks) {
    testing::CommandResult good = RunActcache({"inspect", reference_, "--rows", "3"});
    ASSERT_EQ(good.exit_code, 0) << good.stdout_text << good.stderr_text;
    EXPECT_THAT(good.stdout_text, HasSubstr("all checks passed"));
    EXPECT_THAT(good.stdout_text, HasSubstr("first rows of train_00000"));
    EXPECT_THAT(good.stdout_text, HasSubstr("most frequent tokens"));
    EXPECT_THAT(good.stdout_text, HasSubstr("activation L2 norm quantiles"));
    EXPECT_THAT(good.stdout_text, HasSubstr("PASS  no special tokens"));

    // Two shards swapped: order, digests and statistics still add up, but order does not.
    const std::string swapped = dir_->File("inspect-swapped");
    fs::copy(reference_, swapped, fs::copy_options::recursive);
    const std::string a = swapped + "/data/train_00000-00000-of-00001.parquet";
    const std::string b = swapped + "/data/train_00001-00000-of-00001.parquet";
    fs::rename(a, swapped + "/tmp");
    fs::rename(b, a);
    fs::rename(swapped + "/tmp", b);
    testing::CommandResult bad = RunActcache({"inspect", swapped});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_THAT(bad.stdout_text, HasSubstr("FAIL  rows in (doc_id, tok_pos) order"));
    EXPECT_THAT(bad.stdout_text, HasSubstr("FAIL  SHA-256"));
    EXPECT_THAT(bad.stderr_text, HasSubstr("checks failed"));

    // A card that claims another count.
    const std::string miscounted = dir_->File("inspect-miscounted");
    fs::copy(reference_, miscounted, fs::copy_options::recursive);
    std::string card = testing::ReadFile(miscounted + "/README.md");
    const std::size_t at = card.find("num_examples: " + std::string(kShardSize), card.find("config_name: default") == std::string::npos ? 0 : card.find("- name: train_00000"));
    ASSERT_NE(at, std::string::npos);
    card.replace(at, std::string("num_examples: ").size() + std::string(kShardSize).size(), "num_examples: 7");
    testing::WriteFile(miscounted + "/README.md", card);
    testing::CommandResult miscount = RunActcache({"inspect", miscounted});
    EXPECT_EQ(miscount.exit_code, 1);
    EXPECT_THAT(miscount.stdout_text, HasSubstr("FAIL  row counts"));
}


// examples/seed.toml claims to hold the defaults: with the model, corpus, hook and window length
// overridden for the tiny model, it must give the bytes the defaults give.
TEST_F(RunEndToEnd, SeedExampleConfigHoldsTheDefaults) {
    const std::string with_config = dir_->File("seed-toml"), without = dir_->File("seed-defaults");
    const std::vector<std::string> overrides = {"--model", model_, "--corpus", corpus_, "--hook", kHook,
                                                "--seq-len", kSeqLen, "--max-docs", "20", "--quiet"};
    std::vector<std::string> a = {"run", "--config", std::string(ACTCACHE_SOURCE_DIR) + "/examples/seed.toml",
                                  "--output", with_config};
    std::vector<std::string> b = {"run", "--output", without};
    a.insert(a.end(), overrides.begin(), overrides.end());
    b.insert(b.end(), overrides.begin(), overrides.end());
    testing::CommandResult run_a = RunActcache(a), run_b = RunActcache(b);
    ASSERT_EQ(run_a.exit_code, 0) << run_a.stderr_text;
    ASSERT_EQ(run_b.exit_code, 0) << run_b.stderr_text;
    EXPECT_TRUE(DatasetFiles(with_config) == DatasetFiles(without));
    const JsonValue manifest_a = *ParseJson(testing::ReadFile(with_config + "/.actcache/manifest.json"));
    const JsonValue manifest_b = *ParseJson(testing::ReadFile(without + "/.actcache/manifest.json"));
    EXPECT_EQ(SerializeJson(*manifest_a.Find("identity")), SerializeJson(*manifest_b.Find("identity")));
}


// Several hooks in one pass: the same rows, one column per hook, statistics per hook; the column
// of the reference run's hook holds exactly the reference run's values.
TEST_F(RunEndToEnd, SeveralHooksInOnePass) {
    const std::string out = dir_->File("two-hooks");
    testing::CommandResult run = RunActcache(Args(out, {"--hook", "blocks.0.hook_resid_post", "--hook", kHook}));
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    EXPECT_EQ(DumpRows(out), DumpRows(reference_));
    EXPECT_EQ(DumpShards(out, "stats layers_2_mlp"), DumpShards(reference_, "stats activacion"));
    const JsonValue stats = *ParseJson(testing::ReadFile(out + "/norm_stats.json"));
    const JsonValue* hooks = stats.Find("hooks");
    ASSERT_NE(hooks, nullptr);
    ASSERT_NE(hooks->Find("layers_0"), nullptr);
    EXPECT_EQ(hooks->Find("layers_0")->Find("hook")->as_string(), "blocks.0.hook_resid_post");
    const JsonValue reference = *ParseJson(testing::ReadFile(reference_ + "/norm_stats.json"));
    EXPECT_EQ(hooks->Find("layers_2_mlp")->Find("rms")->as_double(), reference.Find("rms")->as_double());
}


// --dtype f32: the model runs in float32 and the column stores float32 (DuckDB reads FLOAT[]);
// the rows are the same, the values those of `actcache forward --dtype f32`.
TEST_F(RunEndToEnd, Float32RunStoresTheF32ForwardValues) {
    const std::string out = dir_->File("f32");
    testing::CommandResult run = RunActcache(Args(out, {"--dtype", "f32", "--max-docs", "12"}));
    ASSERT_EQ(run.exit_code, 0) << run.stderr_text;
    std::string expected_rows;
    std::istringstream all(DumpRows(reference_));
    for (std::string line; std::getline(all, line);) {
        if (std::stoll(line) < 12) expected_rows += line + "\n";
    }
    EXPECT_EQ(DumpRows(out), expected_rows);

    // The first full window of the first document with one: values equal forward --dtype f32.
    const std::string first = DumpRows(out).substr(0, DumpRows(out).find('\n'));
    const std::int64_t doc = std::stoll(first);
    std::string tokens = "510";  // BOS, then the rows of window 0 (no special tokens inside here)
    std::vector<JsonValue> rows;
    std::istringstream lines(DumpShards(out, "doc activacion " + std::to_string(doc)));
    for (std::string line; std::getline(lines, line);) {
        JsonValue row = *ParseJson(line);
        if (row.items()[0].as_int64() >= std::stoll(kSeqLen)) break;
        tokens += "," + std::to_string(row.items()[1].as_int64());
        rows.push_back(std::move(row));
    }
    ASSERT_EQ(static_cast<std::int64_t>(rows.size()), std::stoll(kSeqLen) - 1);
    const std::string npy = dir_->File("f32.npy");
    testing::CommandResult forward =
        RunActcache({"forward", "--model", model_, "--hook", kHook, "--tokens", tokens, "--dtype", "f32", "--out", npy});
    ASSERT_EQ(forward.exit_code, 0) << forward.stderr_text;
    const std::string bytes = testing::ReadFile(npy);
    const std::size_t data = bytes.find('\n') + 1;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const std::int64_t j = rows[r].items()[0].as_int64();
        const auto& values = rows[r].items()[2].items();
        ASSERT_EQ(values.size(), 64u);
        for (std::size_t d = 0; d < values.size(); ++d) {
            float expected = 0;
            std::memcpy(&expected, bytes.data() + data + 4 * (static_cast<std::size_t>(j) * 64 + d), 4);
            ASSERT_EQ(static_cast<float>(values[d].as_double()), expected) << "token " << j << " dim " << d;
        }
    }
    // Statistics over the float32 values, recomputed by the oracle.
    const JsonValue truth = *ParseJson(DumpShards(out, "stats-f32 activacion"));
    const JsonValue stats = *ParseJson(testing::ReadFile(out + "/norm_stats.json"));
    EXPECT_EQ(stats.Find("tokens")->as_int64(), truth.Find("tokens")->as_int64());
    EXPECT_NEAR(stats.Find("rms")->as_double(),
                std::sqrt(truth.Find("sum_squared_norms")->as_double() / truth.Find("tokens")->as_double()), 1e-12);
    testing::CommandResult inspect = RunActcache({"inspect", out});
    EXPECT_EQ(inspect.exit_code, 0) << inspect.stdout_text;
}

// The rows of one save_to_disk .arrow file as apache-arrow reads them, one JSON line each
// (["doc_id", tok_pos, token_id, [values...]]), in the form dump_rows.mjs "all" prints.
std::string ArrowShardRows(const std::string& path, std::vector<std::int64_t>* batches = nullptr) {
    testing::CommandResult read = RunShell("node " + ShellQuote(kOracles + "/read_arrow_stream.mjs") + " " + ShellQuote(path));
    EXPECT_EQ(read.exit_code, 0) << read.stderr_text;
    Result<JsonValue> json = ParseJson(read.stdout_text);
    EXPECT_TRUE(json.ok()) << path;
    if (!json.ok()) return "";
    EXPECT_TRUE(json->Find("is_stream")->as_bool());
    EXPECT_TRUE(json->Find("ends_with_eos")->as_bool());
    EXPECT_THAT(SerializeJson(*json->Find("fields")), HasSubstr(R"("type":"FixedSizeList[64]<Uint16>")"));
    EXPECT_NE(json->Find("metadata")->Find("huggingface"), nullptr);
    if (batches != nullptr) {
        for (const JsonValue& n : json->Find("batches")->items()) batches->push_back(n.as_int64());
    }
    std::string lines;
    for (const JsonValue& row : json->Find("rows")->items()) lines += SerializeJson(row) + "\n";
    return lines;
}

// DuckDB's rows of one Parquet shard, re-serialized as ArrowShardRows serializes its own.
std::string ParquetShardRows(const std::string& path) {
    testing::CommandResult dump = RunShell("node " + ShellQuote(kOracles + "/dump_rows.mjs") + " all activacion " + ShellQuote(path));
    EXPECT_EQ(dump.exit_code, 0) << dump.stderr_text;
    std::string lines;
    std::istringstream in(dump.stdout_text);
    for (std::string line; std::getline(in, line);) lines += SerializeJson(*ParseJson(line)) + "\n";
    return lines;
}

// --format arrow: one save_to_disk folder per shard, holding the same rows as the Parquet run.
// Built once for the tests below, by the first that needs it.
std::string ArrowReference(const std::vector<std::string>& args) {
    const std::string out = args[std::find(args.begin(), args.end(), "--output") - args.begin() + 1];
    if (!fs::exists(out + "/.actcache/manifest.json")) {
        testing::CommandResult run = RunActcache(args);
        EXPECT_EQ(run.exit_code, 0) << run.stderr_text;
    }
    return out;
}

TEST_F(RunEndToEnd, SaveToDiskEveryShardHoldsTheRowsOfTheParquetRun) {
    const std::string arrow_reference = ArrowReference(Args(dir_->File("arrow-reference"), {"--format", "arrow"}));
    const std::vector<std::string> parquet = ShardPaths(reference_);
    ASSERT_GE(parquet.size(), 3u);
    EXPECT_FALSE(fs::exists(arrow_reference + "/data"));
    for (std::size_t i = 0; i < parquet.size(); ++i) {
        char split[32];
        std::snprintf(split, sizeof split, "train_%05zu", i);
        const std::string folder = arrow_reference + "/" + split;
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
        std::sort(names.begin(), names.end());
        EXPECT_EQ(names, (std::vector<std::string>{"data-00000-of-00001.arrow", "dataset_info.json", "state.json"}));
        std::vector<std::int64_t> batches;
        const std::string arrow_rows = ArrowShardRows(folder + "/data-00000-of-00001.arrow", &batches);
        const std::string parquet_rows = ParquetShardRows(parquet[i]);
        ASSERT_GT(parquet_rows.size(), 100u);
        EXPECT_TRUE(arrow_rows == parquet_rows) << split << ": the two formats hold different rows";
        for (std::int64_t n : batches) EXPECT_LE(n, 1000);
    }
    EXPECT_FALSE(fs::exists(arrow_reference + "/train_" + std::to_string(10000 + parquet.size()).substr(1)));
    // The statistics are the same; the card has no Hub front matter and says load_from_disk.
    EXPECT_EQ(testing::ReadFile(arrow_reference + "/norm_stats.json"), testing::ReadFile(reference_ + "/norm_stats.json"));
    const std::string card = testing::ReadFile(arrow_reference + "/README.md");
    EXPECT_FALSE(card.starts_with("---"));
    EXPECT_THAT(card, HasSubstr("load_from_disk(\"OUT/train_00000\")"));
    const JsonValue manifest = *ParseJson(testing::ReadFile(arrow_reference + "/.actcache/manifest.json"));
    EXPECT_THAT(SerializeJson(manifest), HasSubstr(R"("file":"train_00000/data-00000-of-00001.arrow")"));
}

TEST_F(RunEndToEnd, SaveToDiskInspectVerifiesEveryShard) {
    const std::string arrow_reference = ArrowReference(Args(dir_->File("arrow-reference"), {"--format", "arrow"}));
    testing::CommandResult good = RunActcache({"inspect", arrow_reference, "--rows", "3"});
    ASSERT_EQ(good.exit_code, 0) << good.stdout_text << good.stderr_text;
    EXPECT_THAT(good.stdout_text, HasSubstr("(save_to_disk folders)"));
    EXPECT_THAT(good.stdout_text, HasSubstr("sha256 ok"));
    EXPECT_THAT(good.stdout_text, HasSubstr("PASS  norm_stats.json matches the shards"));
    EXPECT_THAT(good.stdout_text, HasSubstr("all checks passed"));

    // One byte of a stream flipped: the digest no longer matches the manifest.
    const std::string flipped = dir_->File("arrow-flipped");
    fs::copy(arrow_reference, flipped, fs::copy_options::recursive);
    const std::string path = flipped + "/train_00001/data-00000-of-00001.arrow";
    std::string bytes = testing::ReadFile(path);
    bytes[bytes.size() - 9] = static_cast<char>(bytes[bytes.size() - 9] ^ 0x40);  // before the EOS marker
    testing::WriteFile(path, bytes);
    testing::CommandResult bad = RunActcache({"inspect", flipped});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_THAT(bad.stdout_text, HasSubstr("FAIL  SHA-256 of every .arrow file matches the manifest"));
}

TEST_F(RunEndToEnd, SaveToDiskResumesExactlyAfterAKill) {
    const std::string arrow_reference = ArrowReference(Args(dir_->File("arrow-reference"), {"--format", "arrow"}));
    const auto reference = DatasetFiles(arrow_reference);
    for (const std::string point : {"shard-half-full:2", "shard-committed:2"}) {
        const std::string out = dir_->File("arrow-crash-" + point.substr(0, point.find(':')));
        testing::CommandResult killed =
            RunShell("ACTCACHE_CRASH_AT=" + point + " " + testing::ActcacheCommand(Args(out, {"--format", "arrow"})));
        ASSERT_EQ(killed.exit_code, 128 + 9) << point << ": " << killed.stderr_text;
        // Left behind: a half-written shard folder, or a complete one the manifest does not name.
        if (point.starts_with("shard-half-full")) {
            bool temporary = false;
            for (const auto& entry : fs::directory_iterator(out)) {
                temporary = temporary || entry.path().filename().string().starts_with("train_00001.tmp-");
            }
            EXPECT_TRUE(temporary) << point;
        } else {
            EXPECT_TRUE(fs::exists(out + "/train_00001/state.json")) << point;
        }
        testing::CommandResult resumed = RunActcache(Args(out, {"--format", "arrow"}));
        ASSERT_EQ(resumed.exit_code, 0) << point << ": " << resumed.stderr_text;
        EXPECT_THAT(resumed.stdout_text, HasSubstr("resumed")) << point;
        EXPECT_TRUE(DatasetFiles(out) == reference) << point;
    }
}

TEST_F(RunEndToEnd, SaveToDiskRefusesThePushToTheHub) {
    testing::CommandResult run = RunActcache(Args(dir_->File("arrow-push"), {"--format", "arrow", "--push-to-hub", "org/name"}));
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.stderr_text, HasSubstr("--format arrow: cannot be used with --push-to-hub; the Hub layout is Parquet"));
    EXPECT_EQ(std::count(run.stderr_text.begin(), run.stderr_text.end(), '\n'), 1) << run.stderr_text;
}

}  // namespace
}  // namespace actcache
