// Test helpers: a scratch directory removed at the end of the test, file writing, running the
// actcache binary.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace actcache::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    // path() + "/" + name
    std::string File(std::string_view name) const;

private:
    std::string path_;
};

// Writes `contents` to `path`, failing the current test (ADD_FAILURE) on error.
void WriteFile(const std::string& path, std::string_view contents);
// Reads a whole file; fails the current test and returns "" on error.
std::string ReadFile(const std::string& path);

// The result of running a command through the shell.
struct CommandResult {
    int exit_code = -1;
    std::string stdout_text;
    std::string stderr_text;
};

// Runs the actcache binary with `args` (each shell-quoted), capturing both output streams.
// exit_code is 128 + N when the process died of signal N (as a shell reports it).
CommandResult RunActcache(const std::vector<std::string>& args);

// `arg` quoted for /bin/sh.
std::string ShellQuote(const std::string& arg);
// The shell command line that runs actcache with `args` (to prefix with VAR=value, wrap, ...).
std::string ActcacheCommand(const std::vector<std::string>& args);
// Runs a shell command line (stdin from /dev/null), capturing both output streams.
CommandResult RunShell(const std::string& shell_command);

}  // namespace actcache::testing
