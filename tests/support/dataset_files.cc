#include "support/dataset_files.h"

#include <filesystem>

namespace actcache::testing {

std::map<std::string, std::string> DatasetFiles(const std::string& dir) {
    namespace fs = std::filesystem;
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        const std::string relative = fs::relative(entry.path(), dir).generic_string();
        if (entry.is_regular_file() && !relative.starts_with(".")) files[relative] = ReadFile(entry.path().string());
    }
    return files;
}

CommandResult MakePileCorpus(const std::string& path, int docs, int words_max, int seed) {
    return RunShell("python3 " + ShellQuote(std::string(ACTCACHE_SOURCE_DIR) + "/tools/make_pile_corpus.py") + " " +
                    ShellQuote(path) + " --docs " + std::to_string(docs) + " --words-max " +
                    std::to_string(words_max) + " --seed " + std::to_string(seed));
}

}  // namespace actcache::testing
