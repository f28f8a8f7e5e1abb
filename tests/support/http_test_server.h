// TestHttpServer: runs tests/support/http_test_server.py on 127.0.0.1 for the life of the
// object (faults and options as that script documents).
#pragma once

#include <string>
#include <vector>

namespace actcache::testing {

class TestHttpServer {
public:
    // Serves `root`; `args` are extra script options such as {"--faults", "1", "--drop-after",
    // "1000"}. Fails the current test if the server does not come up within 10 s.
    TestHttpServer(const std::string& root, const std::vector<std::string>& args);
    ~TestHttpServer();
    TestHttpServer(const TestHttpServer&) = delete;
    TestHttpServer& operator=(const TestHttpServer&) = delete;

    // "http://127.0.0.1:<port>/<path>"
    std::string Url(const std::string& path) const;
    // The request log: one "<METHOD> <path> <range or ->" line per request.
    std::string Log() const;

private:
    int pid_ = -1;
    int port_ = 0;
    std::string scratch_;
};

}  // namespace actcache::testing
