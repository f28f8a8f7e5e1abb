#include "corpus/source_list.h"

#include <fnmatch.h>
#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "hub/dataset_files.h"

namespace actcache::corpus {
namespace {

bool HasCorpusSuffix(std::string path) {
    for (std::string_view compression : {".zst", ".gz"}) {
        if (path.ends_with(compression)) path.resize(path.size() - compression.size());
    }
    return path.ends_with(".jsonl") || path.ends_with(".json") || path.ends_with(".txt") ||
           path.ends_with(".parquet");
}

// "ORG/NAME[@REV]" -> repo, revision (default "main").
void SplitRevision(const std::string& text, std::string& repo, std::string& revision) {
    const std::size_t at = text.find('@');
    repo = text.substr(0, at);
    revision = at == std::string::npos ? "main" : text.substr(at + 1);
}

Status AddHubFiles(const std::string& spec, const std::string& repo, const std::string& revision,
                   const std::string& pattern, const hub::HubSettings& hub,
                   std::vector<Source>& out) {
    ACT_ASSIGN_OR_RETURN(std::vector<hub::HubFile> files, hub::ListDatasetFiles(hub, repo, revision));
    std::vector<std::string> chosen;
    const bool is_glob = pattern.find_first_of("*?[") != std::string::npos;
    for (const hub::HubFile& file : files) {
        bool keep;
        if (pattern.empty()) {
            keep = file.path.starts_with("train/") && HasCorpusSuffix(file.path);
        } else if (is_glob) {
            keep = ::fnmatch(pattern.c_str(), file.path.c_str(), FNM_PATHNAME) == 0;
        } else {
            std::string folder = pattern;
            if (!folder.ends_with("/")) folder += "/";
            keep = file.path == pattern || file.path.starts_with(folder);
        }
        if (keep) chosen.push_back(file.path);
    }
    if (chosen.empty() && pattern.empty()) {  // no train/ folder: every corpus-like file
        for (const hub::HubFile& file : files) {
            if (HasCorpusSuffix(file.path)) chosen.push_back(file.path);
        }
    }
    if (chosen.empty()) {
        return Status::NotFound(spec + ": no file of dataset " + repo + "@" + revision +
                                (pattern.empty() ?  " looks like a corpus (.jsonl/.json/.txt[.zst|.gz], .parquet)"
                                                 : " matches '" + pattern + "'"));
    }
    for (const std::string& path : chosen) {  // already sorted by path
        out.push_back(Source{hub::DatasetFileUrl(hub, repo, revision, path), hub.AuthHeaders()});
    }
    return Status::Ok();
}

}  // namespace

Result<std::vector<Source>> ExpandSources(const std::vector<std::string>& specs,
                                          const hub::HubSettings& hub) {
    static const std::regex kRepoShorthand(R"([A-Za-z0-9][\w.-]*/[\w.-]+(@[\w./-]+)?)");
    std::vector<Source> sources;
    for (const std::string& spec : specs) {
        if (spec == "-" || spec.starts_with("http://") || spec.starts_with("https://")) {
            sources.push_back(Source{spec, {}});
            continue;
        }
        if (spec.starts_with("hf://datasets/")) {
            // hf://datasets/ORG/NAME[@REV]/PATTERN
            const std::string rest = spec.substr(14);
            const std::size_t first_slash = rest.find('/');
            const std::size_t second_slash =
                first_slash == std::string::npos ? std::string::npos : rest.find('/', first_slash + 1);
            std::string repo, revision;
            SplitRevision(rest.substr(0, second_slash), repo, revision);
            if (first_slash == std::string::npos) {
                return Status::InvalidArgument(spec + ": expected hf://datasets/ORG/NAME[@REV]/PATH");
            }
            const std::string pattern = second_slash == std::string::npos ? "" : rest.substr(second_slash + 1);
            ACT_RETURN_IF_ERROR(AddHubFiles(spec, repo, revision, pattern, hub, sources));
            continue;
        }
        std::error_code error;
        const bool exists = std::filesystem::exists(spec, error);
        if (!exists && std::regex_match(spec, kRepoShorthand)) {
            std::string repo, revision;
            SplitRevision(spec, repo, revision);
            ACT_RETURN_IF_ERROR(AddHubFiles(spec, repo, revision, "", hub, sources));
            continue;
        }
        if (spec.find_first_of("*?[") != std::string::npos) {
            glob_t matches{};
            const int result = ::glob(spec.c_str(), GLOB_ERR, nullptr, &matches);
            std::vector<std::string> found;
            for (std::size_t i = 0; result == 0 && i < matches.gl_pathc; ++i) {
                if (std::filesystem::is_regular_file(matches.gl_pathv[i])) {
                    found.emplace_back(matches.gl_pathv[i]);
                }
            }
            ::globfree(&matches);
            if (found.empty()) return Status::NotFound(spec + ": no files match this pattern");
            std::sort(found.begin(), found.end());
            for (std::string& path : found) sources.push_back(Source{std::move(path), {}});
            continue;
        }
        if (!exists) return Status::NotFound(spec + ": no such file or directory");
        if (std::filesystem::is_directory(spec, error)) {
            std::vector<std::string> found;
            for (const auto& entry : std::filesystem::recursive_directory_iterator(spec, error)) {
                if (entry.is_regular_file()) found.push_back(entry.path().string());
            }
            if (error) return Status::IOError(spec + ": cannot list directory: " + error.message());
            std::sort(found.begin(), found.end());
            for (std::string& path : found) sources.push_back(Source{std::move(path), {}});
            continue;
        }
        sources.push_back(Source{spec, {}});
    }
    return sources;
}

}  // namespace actcache::corpus
