#include "dataset/dataset_card.h"

#include <algorithm>

#include "dataset/card_merge.h"

namespace actcache::dataset {
namespace {

// PyYAML block style (yaml.dump(sort_keys=False)): 2-space mappings, sequences under a key not
// indented. Our scalars are plain identifiers and integers, so nothing needs quoting.
void AppendFeatures(std::string& yaml, const std::string& indent,
                    const std::vector<ActivationColumn>& columns) {
    yaml += indent + "features:\n";
    yaml += indent + "- name: doc_id\n" + indent + "  dtype: int64\n";
    yaml += indent + "- name: tok_pos\n" + indent + "  dtype: int32\n";
    yaml += indent + "- name: token_id\n" + indent + "  dtype: int32\n";
    for (const ActivationColumn& column : columns) {
        const char* dtype = column.type == ActivationType::kFloat32 ? "float32" : "uint16";
        yaml += indent + "- name: " + column.name + "\n" + indent + "  list: " + dtype + "\n" + indent +
                "  length: " + std::to_string(column.width) + "\n";
    }
}

struct ConfigInfo {
    std::string name;
    std::vector<std::pair<std::string, std::int64_t>> splits;  // name, num_examples
    std::int64_t download_size = 0;
    std::vector<std::pair<std::string, std::vector<std::string>>> data_files;  // split, path patterns
};

// "data" for "data/train_00003-00000-of-00001.parquet"; "." for a file at the top.
std::string FolderOf(const std::string& file) {
    const std::size_t slash = file.rfind('/');
    return slash == std::string::npos ? "." : file.substr(0, slash);
}

}  // namespace

std::int64_t ArrowBytesPerRow(const std::vector<ActivationColumn>& columns) {
    std::int64_t bytes = 8 + 4 + 4;
    for (const ActivationColumn& column : columns) {
        bytes += static_cast<std::int64_t>(BytesPerValue(column.type)) * column.width;
    }
    return bytes;
}

std::string BuildCardYaml(const CardOptions& options) {
    const std::int64_t row_bytes = ArrowBytesPerRow(options.columns);
    std::vector<ConfigInfo> configs;
    ConfigInfo by_shard{"default", {}, 0, {}};
    std::int64_t total_rows = 0, total_download = 0;
    std::vector<std::string> all_patterns;  // one per folder, in shard order
    for (const ShardInfo& shard : options.shards) {
        const std::string folder = FolderOf(shard.file);
        by_shard.splits.emplace_back(shard.split, shard.num_examples);
        by_shard.data_files.emplace_back(shard.split, std::vector<std::string>{folder + "/" + shard.split + "-*"});
        const std::string all_pattern = folder + "/train_*";
        if (std::find(all_patterns.begin(), all_patterns.end(), all_pattern) == all_patterns.end()) {
            all_patterns.push_back(all_pattern);
        }
        total_rows += shard.num_examples;
        total_download += shard.file_bytes;
    }
    by_shard.download_size = total_download;
    if (all_patterns.empty()) all_patterns.push_back("data/train_*");  // a card before any shard
    if (options.all_config) {
        configs.push_back(ConfigInfo{"all", {{"train", total_rows}}, total_download, {{"train", all_patterns}}});
    }
    configs.push_back(std::move(by_shard));
    std::sort(configs.begin(), configs.end(),
              [](const ConfigInfo& a, const ConfigInfo& b) { return a.name < b.name; });

    // dataset_info: keys features, config_name, splits, download_size, dataset_size (datasets'
    // _INCLUDED_INFO_IN_YAML order); config_name only with several configs, then a list.
    const bool several = configs.size() > 1;
    std::string yaml = "dataset_info:\n";
    for (const ConfigInfo& config : configs) {
        // Keys sit two spaces in; as list items the first key's indent becomes "- ".
        const std::string indent = "  ";
        std::string entry;
        AppendFeatures(entry, indent, options.columns);
        if (several) entry += indent + "config_name: " + config.name + "\n";
        entry += indent + "splits:\n";
        std::int64_t dataset_size = 0;
        for (const auto& [name, rows] : config.splits) {
            entry += indent + "- name: " + name + "\n";
            entry += indent + "  num_bytes: " + std::to_string(rows * row_bytes) + "\n";
            entry += indent + "  num_examples: " + std::to_string(rows) + "\n";
            dataset_size += rows * row_bytes;
        }
        entry += indent + "download_size: " + std::to_string(config.download_size) + "\n";
        entry += indent + "dataset_size: " + std::to_string(dataset_size) + "\n";
        if (several) entry.replace(0, 2, "- ");  // the list item marker takes the first indent
        yaml += entry;
    }
    yaml += "configs:\n";
    for (const ConfigInfo& config : configs) {
        yaml += "- config_name: " + config.name + "\n  data_files:\n";
        for (const auto& [split, patterns] : config.data_files) {
            yaml += "  - split: " + split + "\n    path:";
            if (patterns.size() == 1) {
                yaml += " " + patterns.front() + "\n";
            } else {
                for (const std::string& pattern : patterns) yaml += "\n    - " + pattern;
                yaml += "\n";
            }
        }
    }
    return yaml;
}

std::string BuildDatasetCard(const CardOptions& options) {
    const bool hub = options.layout == CardLayout::kHub;
    // On the Hub the body is a generated section between markers, so that a merge into a card
    // others edited (card_merge.h) replaces it and keeps their text.
    std::string card = hub ? "---\n" + BuildCardYaml(options) + "---\n\n" + std::string(kCardSectionBegin) : "";
    std::int64_t rows = 0;
    for (const ShardInfo& shard : options.shards) rows += shard.num_examples;
    card += "# Activation dataset\n\n";
    card += "Activations captured by actcache for every non-special token: "
            "one row per token, " + std::to_string(rows) + " rows in " +
            std::to_string(options.shards.size()) + " shards.\n\n";
    if (!options.facts.empty()) {
        card += "| | |\n|---|---|\n";
        for (const auto& [key, value] : options.facts) card += "| " + key + " | " + value + " |\n";
        card += "\n";
    }
    card += "## Columns\n\n| column | type | meaning |\n|---|---|---|\n";
    card += "| `doc_id` | int64 | index of the document in the corpus stream (every record counts) |\n";
    card += "| `tok_pos` | int32 | position of the token in `[bos] + tokens + [eos]` (BOS is 0) |\n";
    card += "| `token_id` | int32 | the token |\n";
    for (std::size_t c = 0; c < options.columns.size(); ++c) {
        const std::string site = c < options.hook_sites.size() ? " of `" + options.hook_sites[c] + "`" : "";
        const bool f32 = options.columns[c].type == ActivationType::kFloat32;
        card += "| `" + options.columns[c].name + "` | " + std::to_string(options.columns[c].width) +
                (f32 ? " × float32 | the output" + site + " (float32 forward pass) |\n"
                     : " × uint16 | the output" + site + " as bf16 bit patterns |\n");
    }
    const std::string column = options.columns.empty() ? "activacion" : options.columns[0].name;
    const bool first_is_f32 = !options.columns.empty() && options.columns[0].type == ActivationType::kFloat32;
    const std::string load =
        hub ? "from datasets import load_dataset\n\n"
              "shard = load_dataset(REPO, split=\"train_00000\")          # one shard\n"
              "stream = load_dataset(REPO, \"all\", split=\"train\", streaming=True)  # everything\n\n"
            : "from datasets import concatenate_datasets, load_from_disk\n\n"
              "shard = load_from_disk(\"OUT/train_00000\")  # one shard (a save_to_disk folder)\n"
              "everything = concatenate_datasets([load_from_disk(f\"OUT/train_{i:05d}\") for i in range(" +
                  std::to_string(options.shards.size()) + ")])\n\n";
    card += "\n## Loading\n\n```python\nimport numpy as np\nimport torch\n" + load +
            "row = shard[0]\n" +
            (first_is_f32 ? "x = torch.tensor(row[\"" + column + "\"], dtype=torch.float32)\n"
                          : "bits = np.asarray(row[\"" + column + "\"], dtype=np.uint16)\n"
                            "x = torch.from_numpy(bits.view(np.int16)).view(torch.bfloat16)  # the bf16 values\n") +
            "```\n\n";
    card += "## Normalisation statistics\n\n`norm_stats.json` holds, per hook, `tokens` (N) and "
            "`rms` = sqrt(Σ‖x‖² / N), the root mean squared L2 norm per token, then "
            "`rms_per_element`, `mean_norm` (Σ‖x‖ / N), `saelens_scaling_factor` (sqrt(D) / mean_norm), "
            "per-dimension `mean` and `variance`, and the float64 accumulators they come from.\n";
    if (hub) card += kCardSectionEnd;
    return card;
}

}  // namespace actcache::dataset
