#include "pipeline/dataset_inspection.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/bf16.h"
#include "core/file_util.h"
#include "core/json.h"
#include "core/random.h"
#include "core/sha256.h"
#include "dataset/parquet_reader.h"
#include "pipeline/manifest.h"
#include "pipeline/norm_stats_check.h"
#include "pipeline/text_format.h"
#include "pipeline/push_state.h"
#include "pipeline/shard_layout.h"
#include "pipeline/save_to_disk_inspection.h"
#include "tokenizer/tokenizer.h"

namespace actcache::pipeline {
namespace {

namespace fs = std::filesystem;

// split → num_examples of the card's "default" config, read from the YAML lines the card
// writer emits ("  - name: train_00000" then "    num_examples: 5000").
std::map<std::string, std::int64_t> CardSplitCounts(const std::string& card) {
    std::map<std::string, std::int64_t> counts;
    std::string split;
    std::size_t start = 0;
    while (start < card.size()) {
        std::size_t end = card.find('\n', start);
        if (end == std::string::npos) end = card.size();
        std::string_view line(card.data() + start, end - start);
        start = end + 1;
        while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        if (line.starts_with("- name: train_")) split = std::string(line.substr(8));
        if (line.starts_with("num_examples: ") && !split.empty()) {
            counts[split] = std::strtoll(std::string(line.substr(14)).c_str(), nullptr, 10);
            split.clear();
        }
        if (line == "---" && !counts.empty()) break;  // end of the front matter
    }
    return counts;
}

std::string Bar(double fraction, int width = 30) {
    const int filled = static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * width));
    return std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(width - filled), '.');
}

std::string Quoted(const std::string& text) {
    std::string out;
    AppendJsonString(text, out);
    return out;
}

// Keeps a uniform sample of at most `capacity` values (reservoir sampling, seeded: the same
// dataset gives the same report).
class Reservoir {
public:
    explicit Reservoir(std::size_t capacity) : capacity_(capacity) {}
    void Add(float value) {
        ++seen_;
        if (values_.size() < capacity_) {
            values_.push_back(value);
        } else if (const std::uint64_t slot = rng_.Next() % seen_; slot < capacity_) {
            values_[slot] = value;
        }
    }
    std::vector<float> Sorted() const {
        std::vector<float> sorted = values_;
        std::sort(sorted.begin(), sorted.end());
        return sorted;
    }
    bool exact() const { return seen_ <= capacity_; }

private:
    std::size_t capacity_;
    std::uint64_t seen_ = 0;
    std::vector<float> values_;
    SplitMix64 rng_{0};
};

class Checks {
public:
    void Add(bool ok, const std::string& what) {
        lines_ += std::string(ok ? "  PASS  " : "  FAIL  ") + what + "\n";
        failed_ += ok ? 0 : 1;
    }
    const std::string& lines() const { return lines_; }
    int failed() const { return failed_; }

private:
    std::string lines_;
    int failed_ = 0;
};

// The manifest's shards that are not on local disk but that push.json records as pushed.
std::int64_t ShardsOnTheHubOnly(const std::string& dir, const RunManifest& manifest) {
    Result<PushState> pushed = LoadPushState(dir);
    if (!pushed.ok()) return 0;
    std::int64_t count = 0;
    for (const CommittedShard& shard : manifest.shards) {
        std::error_code error;
        const auto it = pushed->pushed.find(shard.file);
        if (!fs::exists(dir + "/" + shard.file, error) && it != pushed->pushed.end() && it->second == shard.sha256) ++count;
    }
    return count;
}

}  // namespace

Result<InspectResult> InspectDataset(const std::string& dir, const InspectOptions& options) {
    if (IsSaveToDiskOutput(dir)) return InspectSaveToDiskDataset(dir, options);
    Result<std::string> card = ReadFileToString(dir + "/README.md");
    if (!card.ok()) return Status::NotFound(dir + ": no dataset card (README.md): is this an actcache dataset?");
    const std::map<std::string, std::int64_t> card_counts = CardSplitCounts(*card);

    std::vector<ShardFileEntry> shard_files;
    if (Result<std::vector<ShardFileEntry>> found = FindParquetShards(dir); found.ok()) {
        shard_files = std::move(*found);
    } else if (found.status().code() != StatusCode::kNotFound) {
        return found.status();
    }

    std::optional<RunManifest> manifest;
    if (Result<RunManifest> loaded = LoadManifest(ManifestPath(dir)); loaded.ok()) {
        manifest = std::move(*loaded);
    } else if (loaded.status().code() != StatusCode::kNotFound) {
        return loaded.status();
    }
    // Shards deleted after their push (--delete-local-after-push) are on the Hub only.
    const std::int64_t hub_only = manifest ? ShardsOnTheHubOnly(dir, *manifest) : 0;
    if (shard_files.empty()) {
        return Status::NotFound(dir + "/data: no shards (train_*.parquet)" +
                                (hub_only > 0 ? ": all " + std::to_string(hub_only) +
                                                    " were deleted locally after their push (.actcache/push.json)"
                                              : std::string()));
    }
    std::int64_t seq_len = 0;
    bool seed_windows = false;
    std::string tokenizer_path = options.tokenizer;
    if (manifest && manifest->info.is_object()) {
        const JsonValue& info = manifest->info;
        if (const JsonValue* v = info.Find("seq_len"); v && v->is_integer()) seq_len = v->as_int64();
        const JsonValue* partial = info.Find("keep_partial");
        const JsonValue* bos = info.Find("bos_every_window");
        seed_windows = partial && partial->is_bool() && !partial->as_bool() && bos && bos->is_bool() && !bos->as_bool();
        if (const JsonValue* v = info.Find("tokenizer"); tokenizer_path.empty() && v && v->is_string()) {
            tokenizer_path = v->as_string();
        }
    }
    std::unique_ptr<tokenizer::Tokenizer> tokenizer;
    std::string tokenizer_note;
    if (!tokenizer_path.empty()) {
        Result<std::unique_ptr<tokenizer::Tokenizer>> loaded = tokenizer::Tokenizer::Load(tokenizer_path);
        if (loaded.ok()) {
            tokenizer = std::move(*loaded);
        } else {
            tokenizer_note = loaded.status().message();
        }
    } else {
        tokenizer_note = "no tokenizer (pass --tokenizer)";
    }
    std::vector<bool> special;
    if (tokenizer) {
        special.resize(static_cast<std::size_t>(tokenizer->vocab_size()));
        for (std::int32_t id : tokenizer->special_ids()) special[static_cast<std::size_t>(id)] = true;
    }
    auto decode = [&](std::int32_t id) -> std::string {
        if (!tokenizer) return "";
        const std::int32_t ids[1] = {id};
        Result<std::string> text = tokenizer->Decode(ids, false);
        return text.ok() ? Quoted(*text) : "?";
    };

    const std::string shown_split = options.split.empty() ? SplitName(shard_files.front().index) : options.split;
    Checks checks;
    std::string rows_section, counts_section;
    std::int64_t shown_rows = 0, total_rows = 0, special_rows = 0, order_violations = 0, position_violations = 0, width_violations = 0;
    std::int64_t previous_doc = -1, previous_pos = -1;
    std::vector<std::int64_t> window_next;  // per doc being read: the window index expected next
    std::int64_t current_doc = -1, current_window = -1;
    std::unordered_map<std::int32_t, std::int64_t> token_counts;
    std::vector<std::int64_t> position_bins(16);
    Reservoir norms(1 << 20);
    std::vector<std::string> column_names;
    std::vector<double> sum_squared_norms;
    bool files_agree = true, counts_agree = true, digests_agree = true;
    std::int64_t expected_width = -1;

    for (std::size_t s = 0; s < shard_files.size(); ++s) {
        const std::string split = SplitName(shard_files[s].index);
        const std::string path = dir + "/" + shard_files[s].path;
        ACT_ASSIGN_OR_RETURN(auto reader, dataset::ParquetReader::Open(path));
        ACT_ASSIGN_OR_RETURN(const int doc_column, reader->FindColumn("doc_id"));
        ACT_ASSIGN_OR_RETURN(const int pos_column, reader->FindColumn("tok_pos"));
        ACT_ASSIGN_OR_RETURN(const int token_column, reader->FindColumn("token_id"));
        std::vector<int> activation_columns;
        std::vector<std::string> names;
        for (int c = 0; c < static_cast<int>(reader->leaf_columns().size()); ++c) {
            const std::string& leaf = reader->leaf_columns()[static_cast<std::size_t>(c)].path;
            if (c == doc_column || c == pos_column || c == token_column) continue;
            activation_columns.push_back(c);
            names.push_back(leaf.substr(0, leaf.find('.')));
        }
        if (column_names.empty()) {
            column_names = names;
            sum_squared_norms.assign(names.size(), 0.0);
        }
        if (names != column_names) return Status::Corruption(path + ": columns differ from the first shard's");

        const auto card_it = card_counts.find(split);
        const std::int64_t card_rows = card_it == card_counts.end() ? -1 : card_it->second;
        files_agree = files_agree && card_it != card_counts.end();
        counts_agree = counts_agree && card_rows == reader->num_rows();
        std::string manifest_note;
        if (manifest) {
            const CommittedShard* committed = nullptr;
            for (const CommittedShard& shard : manifest->shards) {
                if (shard.split == split) committed = &shard;
            }
            if (committed == nullptr) {
                files_agree = false;
                manifest_note = "  not in manifest";
            } else if (committed->file != shard_files[s].path) {
                files_agree = false;
                manifest_note = "  the manifest has it at " + committed->file;
            } else {
                counts_agree = counts_agree && committed->rows == reader->num_rows();
                ACT_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
                Sha256 sha;
                sha.Update(bytes);
                const bool same = sha.HexDigest() == committed->sha256;
                digests_agree = digests_agree && same;
                manifest_note = same ? "  sha256 ok" : "  SHA-256 DIFFERS from the manifest";
            }
        }
        counts_section += Format("  %-12s %10lld rows   card %10lld%s\n", split.c_str(),
                                 static_cast<long long>(reader->num_rows()), static_cast<long long>(card_rows),
                                 manifest_note.c_str());

        std::vector<std::int64_t> doc_ids, offsets;
        std::vector<std::int32_t> tok_pos, token_ids, bits;
        std::vector<float> values;  // the activation column's values as numbers
        for (int rg = 0; rg < reader->num_row_groups(); ++rg) {
            ACT_RETURN_IF_ERROR(reader->ReadInt64(rg, doc_column, doc_ids));
            ACT_RETURN_IF_ERROR(reader->ReadInt32(rg, pos_column, tok_pos));
            ACT_RETURN_IF_ERROR(reader->ReadInt32(rg, token_column, token_ids));
            const std::size_t n = doc_ids.size();
            for (std::size_t c = 0; c < activation_columns.size(); ++c) {
                // bf16 bit patterns (INT32 annotated uint16) or float32 (FLOAT).
                const int leaf = activation_columns[c];
                if (reader->leaf_columns()[static_cast<std::size_t>(leaf)].physical == dataset::parquet::PhysicalType::kFloat) {
                    ACT_RETURN_IF_ERROR(reader->ReadFloat(rg, leaf, values, &offsets));
                } else {
                    ACT_RETURN_IF_ERROR(reader->ReadInt32(rg, leaf, bits, &offsets));
                    values.resize(bits.size());
                    for (std::size_t i = 0; i < bits.size(); ++i) values[i] = Bf16ToFloat(static_cast<std::uint16_t>(bits[i]));
                }
                for (std::size_t r = 0; r < n; ++r) {
                    const std::int64_t width = offsets[r + 1] - offsets[r];
                    if (c == 0 && expected_width < 0) expected_width = width;
                    if (c == 0 && width != expected_width) ++width_violations;
                    double squared = 0;
                    for (std::int64_t i = offsets[r]; i < offsets[r + 1]; ++i) {
                        const double x = values[static_cast<std::size_t>(i)];
                        squared += x * x;
                    }
                    sum_squared_norms[c] += squared;
                    if (c == 0) norms.Add(static_cast<float>(std::sqrt(squared)));
                    if (c == 0 && split == shown_split && shown_rows < options.rows) {
                        ++shown_rows;
                        std::string shown = Format("  %8lld %6d %7d %-14s [", static_cast<long long>(doc_ids[r]),
                                                   tok_pos[r], token_ids[r], decode(token_ids[r]).c_str());
                        for (std::int64_t i = 0; i < std::min(width, options.values); ++i) {
                            shown += Format(i ? ", %.4g" : "%.4g",
                                            static_cast<double>(values[static_cast<std::size_t>(offsets[r] + i)]));
                        }
                        rows_section += shown + (width > options.values ? ", ...]\n" : "]\n");
                    }
                }
            }
            for (std::size_t r = 0; r < n; ++r) {
                const std::int64_t doc = doc_ids[r];
                const std::int32_t pos = tok_pos[r];
                if (doc < previous_doc || (doc == previous_doc && pos <= previous_pos)) ++order_violations;
                previous_doc = doc;
                previous_pos = pos;
                const std::int32_t token = token_ids[r];
                if (token >= 0 && static_cast<std::size_t>(token) < special.size() && special[static_cast<std::size_t>(token)]) {
                    ++special_rows;
                }
                ++token_counts[token];
                if (seq_len > 0) {
                    position_bins[static_cast<std::size_t>((pos % seq_len) * 16 / seq_len)]++;
                    if (seed_windows) {
                        // Windows of a document are 0, 1, 2, ... with no gap; BOS (position 0) is
                        // special, so a row never has tok_pos 0.
                        const std::int64_t window = pos / seq_len;
                        if (doc != current_doc) {
                            current_doc = doc;
                            current_window = 0;
                            if (window != 0) ++position_violations;
                        } else if (window != current_window && window != current_window + 1) {
                            ++position_violations;
                        }
                        current_window = std::max(current_window, window);
                        if (pos < 1) ++position_violations;
                    }
                }
            }
            total_rows += static_cast<std::int64_t>(n);
        }
    }

    std::string report = "dataset " + dir + ": " + std::to_string(shard_files.size()) + " shards, " +
                         std::to_string(total_rows) + " rows; activation columns:";
    for (const std::string& name : column_names) report += " " + name;
    report += Format(" (width %lld)\n", static_cast<long long>(expected_width));
    if (!tokenizer_note.empty()) report += "tokens are not decoded: " + tokenizer_note + "\n";
    report += "\nfirst rows of " + shown_split + ":  doc_id tok_pos token_id token [first values]\n" + rows_section;
    report += "\nrows per split:\n" + counts_section;

    // Statistics: the file, and the same recomputed from the shards.
    const NormStatsCheck stats = CheckNormStatsFile(dir, column_names, sum_squared_norms, total_rows);
    report += stats.report;
    const bool stats_agree = stats.agree;

    // Histograms.
    std::vector<std::pair<std::int64_t, std::int32_t>> frequent;
    for (const auto& [token, count] : token_counts) frequent.emplace_back(-count, token);
    std::sort(frequent.begin(), frequent.end());
    report += Format("\nmost frequent tokens (%zu distinct):\n", token_counts.size());
    for (std::size_t i = 0; i < frequent.size() && static_cast<std::int64_t>(i) < options.top_tokens; ++i) {
        const double share = static_cast<double>(-frequent[i].first) / static_cast<double>(std::max<std::int64_t>(total_rows, 1));
        report += Format("  %7d %-16s %10lld %6.2f%% %s\n", frequent[i].second, decode(frequent[i].second).c_str(),
                         static_cast<long long>(-frequent[i].first), 100 * share, Bar(share / (static_cast<double>(-frequent[0].first) / static_cast<double>(std::max<std::int64_t>(total_rows, 1)))).c_str());
    }
    if (seq_len > 0) {
        report += Format("\nposition in window (tok_pos %% %lld), 16 bins:\n", static_cast<long long>(seq_len));
        const std::int64_t most = *std::max_element(position_bins.begin(), position_bins.end());
        for (std::size_t b = 0; b < position_bins.size(); ++b) {
            report += Format("  %6lld-%-6lld %10lld %s\n", static_cast<long long>(static_cast<std::int64_t>(b) * seq_len / 16),
                             static_cast<long long>((static_cast<std::int64_t>(b) + 1) * seq_len / 16 - 1),
                             static_cast<long long>(position_bins[b]),
                             Bar(most ? static_cast<double>(position_bins[b]) / static_cast<double>(most) : 0).c_str());
        }
    }
    const std::vector<float> sorted = norms.Sorted();
    if (!sorted.empty()) {
        report += "\nactivation L2 norm quantiles (" + column_names.front() + (norms.exact() ? "" : ", from a uniform sample of 2^20 rows") + "):\n";
        for (double q : {0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0}) {
            const float value = sorted[static_cast<std::size_t>(std::lround(q * static_cast<double>(sorted.size() - 1)))];
            report += Format("  p%-5g %12.5g %s\n", q * 100, value, Bar(value / std::max(sorted.back(), 1e-30f)).c_str());
        }
    }

    checks.Add(files_agree, "every shard is a split of the dataset card" + std::string(manifest ? " and the manifest" : ""));
    checks.Add(counts_agree, "row counts of the shards match the card" + std::string(manifest ? " and the manifest" : ""));
    if (manifest) checks.Add(digests_agree, "SHA-256 of every shard matches the manifest");
    if (tokenizer) {
        checks.Add(special_rows == 0, Format("no special tokens (%lld rows have one)", static_cast<long long>(special_rows)));
    }
    checks.Add(order_violations == 0, Format("rows in (doc_id, tok_pos) order (%lld out of order)", static_cast<long long>(order_violations)));
    if (seed_windows) {
        checks.Add(position_violations == 0, Format("tok_pos consistent with seq_len %lld: windows of a document start at 0 "
                                                    "and follow without gaps, BOS never a row (%lld violations)",
                                                    static_cast<long long>(seq_len), static_cast<long long>(position_violations)));
    }
    checks.Add(width_violations == 0, Format("every activation list has width %lld", static_cast<long long>(expected_width)));
    if (hub_only > 0) {
        report += Format("\n%lld shards are on the Hub only (deleted locally after their push): the statistics "
                         "cannot be recomputed here\n", static_cast<long long>(hub_only));
    } else {
        checks.Add(stats_agree, "norm_stats.json matches the shards (tokens, rms)");
    }
    report += "\nchecks:\n" + checks.lines();
    report += checks.failed() == 0 ? "all checks passed\n" : Format("%d checks FAILED\n", checks.failed());
    return InspectResult{report, checks.failed()};
}

}  // namespace actcache::pipeline
