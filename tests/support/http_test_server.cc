#include "support/http_test_server.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/temp_dir.h"

extern char** environ;

namespace actcache::testing {

TestHttpServer::TestHttpServer(const std::string& root, const std::vector<std::string>& args) {
    char pattern[] = "/tmp/actcache-http-XXXXXX";
    scratch_ = ::mkdtemp(pattern);
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     std::string(ACTCACHE_SOURCE_DIR) + "/tests/support/http_test_server.py",
                                     "--root", root, "--port-file", scratch_ + "/port",
                                     "--log", scratch_ + "/log"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> pointers;
    for (std::string& arg : argv) pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    if (::posix_spawn(&pid_, pointers[0], nullptr, nullptr, pointers.data(), environ) != 0) {
        ADD_FAILURE() << "cannot start the test HTTP server";
        return;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream port_file(scratch_ + "/port");
        if (port_file >> port_) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "the test HTTP server did not start";
}

TestHttpServer::~TestHttpServer() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
    }
    std::error_code error;
    std::filesystem::remove_all(scratch_, error);
}

std::string TestHttpServer::Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
}

std::string TestHttpServer::Log() const {
    std::ifstream in(scratch_ + "/log");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace actcache::testing
