#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace actcache::testing {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                          "/actcache-test-XXXXXX";
    char* created = ::mkdtemp(pattern.data());
    if (created == nullptr) {
        ADD_FAILURE() << "mkdtemp failed for " << pattern;
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
}

std::string TempDir::File(std::string_view name) const { return path_ + "/" + std::string(name); }

void WriteFile(const std::string& path, std::string_view contents) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    if (!out) ADD_FAILURE() << "cannot write " << path;
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        ADD_FAILURE() << "cannot read " << path;
        return "";
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::string ShellQuote(const std::string& arg) {
    std::string quoted = "'";
    for (char c : arg) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted += c;
        }
    }
    return quoted + "'";
}

std::string ActcacheCommand(const std::vector<std::string>& args) {
    std::string command = ShellQuote(ACTCACHE_BINARY);
    for (const std::string& arg : args) command += " " + ShellQuote(arg);
    return command;
}

CommandResult RunActcache(const std::vector<std::string>& args) { return RunShell(ActcacheCommand(args)); }

CommandResult RunShell(const std::string& shell_command) {
    TempDir scratch;
    const std::string command = "(" + shell_command + ") >" + scratch.File("out") + " 2>" +
                                scratch.File("err") + " </dev/null";
    int status = std::system(command.c_str());
    CommandResult result;
    // A shell reports a child killed by signal N as 128 + N; so do we when no shell is between.
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
    result.stdout_text = ReadFile(scratch.File("out"));
    result.stderr_text = ReadFile(scratch.File("err"));
    return result;
}

}  // namespace actcache::testing
