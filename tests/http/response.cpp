#include "ringkit/http/response.hpp"
#include "ringkit/json.hpp"  // response::json

#include <doctest/doctest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using ringkit::response;

TEST_CASE("response helpers set status, content type and body") {
    auto t = response::text("hi", 201);
    CHECK(t.status == 201);
    CHECK(t.headers.get("content-type") == "text/plain; charset=utf-8");
    CHECK(t.body_string() == "hi");
    CHECK(response::html("<p>").headers.get("content-type") == "text/html; charset=utf-8");
    auto j = response::json({{"a", 1}});
    CHECK(j.body_string() == R"({"a":1})");
    CHECK(j.headers.get("content-type") == "application/json");
    CHECK(response::not_found().status == 404);
    auto r = response::redirect("/next");
    CHECK(r.status == 302);
    CHECK(r.headers.get("location") == "/next");
    CHECK(response::bytes("x", "image/png").headers.get("content-type") == "image/png");
}

TEST_CASE("response::file opens regular files and answers 404 otherwise") {
    char path[] = "/tmp/ringkit-response-XXXXXX";
    int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, "abcdef", 6) == 6);
    ::close(fd);
    auto r = response::file(path, "text/plain");
    auto* f = std::get_if<ringkit::file_body>(&r.body);
    REQUIRE(f);
    CHECK(f->length == 6);
    CHECK(r.headers.get("content-type") == "text/plain");
    std::remove(path);
    CHECK(response::file("/nonexistent/file").status == 404);
    CHECK(response::file("/tmp").status == 404);  // a directory is not a file body
}

namespace response_test {

// A logger that keeps its lines ("message: what()").
struct recorded {
    std::vector<std::string> lines;
    ringkit::logger log{[this](std::string_view m, const std::exception_ptr& e) {
        lines.push_back(std::string(m) + ": " + ringkit::exception_message(e));
    }};
};

// A regular file with a few bytes, removed with the value.
struct temp_file {
    std::string path = (std::filesystem::temp_directory_path() /
                        ("ringkit-response-file-" + std::to_string(::getpid()) + "-" + std::to_string(++count)))
                           .string();
    temp_file() { std::ofstream(path) << "abc"; }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file() { std::filesystem::remove(path); }
    static inline int count = 0;
};

}  // namespace response_test

TEST_CASE("response::file: 404 only for a file that is not there; one that cannot be opened is 500, logged") {
    response_test::recorded rec;
    response_test::temp_file file;
    CHECK(response::file("/nonexistent/file", "text/plain", rec.log).status == 404);  // ENOENT
    CHECK(response::file(file.path + "/x", "text/plain", rec.log).status == 404);     // ENOTDIR
    CHECK(rec.lines.empty());

    const std::string loop = file.path + ".loop";  // a symlink to itself: ELOOP
    std::filesystem::create_symlink(loop, loop);
    auto res = response::file(loop, "text/plain", rec.log);
    std::filesystem::remove(loop);
    CHECK(res.status == 500);
    CHECK(res.body_string() == "Internal Server Error");
    REQUIRE(rec.lines.size() == 1);
    CHECK(rec.lines[0] ==
          "cannot open file \"" + loop + "\"; sent 500: " + std::system_error(ELOOP, std::generic_category()).what());
    // The rest of the table; ENFILE (the whole system out of files) cannot be caused by a test.
    CHECK(ringkit::detail::file_error_status(ENFILE) == 503);
    CHECK(ringkit::detail::file_error_status(EMFILE) == 503);
    CHECK(ringkit::detail::file_error_status(EACCES) == 403);
    CHECK(ringkit::detail::file_error_status(EIO) == 500);
}

TEST_CASE("response::file: out of descriptors (EMFILE) is 503, logged") {
    response_test::recorded rec;
    response_test::temp_file file;
    struct rlimit old {};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &old) == 0);
    struct rlimit low = old;
    low.rlim_cur = 64;  // descriptors already above it stay open; new ones must be below it
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    std::vector<int> held;
    for (int fd; (fd = ::dup(2)) >= 0;) held.push_back(fd);
    const int dup_errno = errno;
    auto res = response::file(file.path, "text/plain", rec.log);
    for (int fd : held) ::close(fd);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &old) == 0);
    CHECK(dup_errno == EMFILE);
    CHECK(res.status == 503);
    REQUIRE(rec.lines.size() == 1);
    CHECK(rec.lines[0].find("; sent 503: ") != std::string::npos);
    CHECK(response::file(file.path).status == 200);  // and it is served again once there are descriptors
}

TEST_CASE("response::file: permission denied (EACCES) is 403, logged") {
    // Root reads a mode-000 file anyway, so a child process gives root up first.
    response_test::temp_file file;
    std::filesystem::permissions(file.path, std::filesystem::perms::none);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(77);
        response_test::recorded rec;
        auto res = response::file(file.path, "text/plain", rec.log);
        const bool logged = rec.lines.size() == 1 && rec.lines[0].find("; sent 403: ") != std::string::npos;
        ::_exit(res.status == 403 && logged ? 0 : 1);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        MESSAGE("cannot give up root here (no CAP_SETUID): EACCES not tested");
        return;
    }
    CHECK(WEXITSTATUS(status) == 0);
}
