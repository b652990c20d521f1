#include "ringkit/core/logger.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace logger_test {

// What `f` writes to stderr (file descriptor 2), read back from a temp file.
template <class F>
std::string stderr_of(F f) {
    std::FILE* tmp = std::tmpfile();
    REQUIRE(tmp);
    (void)std::fflush(stderr);
    const int saved = ::dup(2);
    REQUIRE(::dup2(::fileno(tmp), 2) == 2);
    f();
    (void)std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::rewind(tmp);
    std::string out;
    for (int c; (c = std::fgetc(tmp)) != EOF;) out += static_cast<char>(c);
    (void)std::fclose(tmp);
    return out;
}

}  // namespace logger_test

TEST_CASE("a logger tells its function the message and the exception; copies tell the same function") {
    std::vector<std::string> lines;
    ringkit::logger log = [&](std::string_view m, std::exception_ptr e) {
        lines.push_back(std::string(m) + "/" + ringkit::exception_message(e));
    };
    CHECK(static_cast<bool>(log));
    const ringkit::logger copy = log;
    log.log("one", std::make_exception_ptr(std::runtime_error("boom")));
    copy("two");
    CHECK(lines == std::vector<std::string>{"one/boom", "two/"});
}

TEST_CASE("a logger without a function prints one line to stderr") {
    const ringkit::logger plain;
    const ringkit::logger empty = ringkit::logger::function{};
    CHECK_FALSE(static_cast<bool>(plain));
    CHECK_FALSE(static_cast<bool>(empty));
    auto out = logger_test::stderr_of([&] {
        plain.log("handler threw", std::make_exception_ptr(std::runtime_error("boom")));
        empty.log("accept failed");
    });
    CHECK(out == "ringkit: handler threw: boom\nringkit: accept failed\n");
}
