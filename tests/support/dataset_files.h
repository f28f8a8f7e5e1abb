// Test helpers for run output folders: their files, to compare two runs byte for byte, and the
// generated inputs the run tests start from.
#pragma once

#include <map>
#include <string>

#include "support/temp_dir.h"

namespace actcache::testing {

// Every file under `dir` except hidden top-level entries (the run's own .actcache/ records the
// session), by path relative to `dir` ('/'-separated) → contents.
std::map<std::string, std::string> DatasetFiles(const std::string& dir);

// Writes a generated Pile-format corpus to `path` with tools/make_pile_corpus.py.
CommandResult MakePileCorpus(const std::string& path, int docs, int words_max, int seed);

}  // namespace actcache::testing
