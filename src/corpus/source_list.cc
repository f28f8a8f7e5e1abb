#include "corpus/source_list.h"

#include <glob.h>

#include <algorithm>
#include <filesystem>

namespace actcache::corpus {

Result<std::vector<std::string>> ExpandSources(const std::vector<std::string>& specs) {
    std::vector<std::string> files;
    for (const std::string& spec : specs) {
        if (spec == "-" || spec.starts_with("http://") || spec.starts_with("https://")) {
            files.push_back(spec);
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
            files.insert(files.end(), found.begin(), found.end());
            continue;
        }
        std::error_code error;
        const auto status = std::filesystem::status(spec, error);
        if (error || !std::filesystem::exists(status)) {
            return Status::NotFound(spec + ": no such file or directory");
        }
        if (std::filesystem::is_directory(status)) {
            std::vector<std::string> found;
            for (const auto& entry : std::filesystem::recursive_directory_iterator(spec, error)) {
                if (entry.is_regular_file()) found.push_back(entry.path().string());
            }
            if (error) return Status::IOError(spec + ": cannot list directory: " + error.message());
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
            continue;
        }
        files.push_back(spec);
    }
    return files;
}

}  // namespace actcache::corpus
