#include "ringkit/http/response.hpp"
#include "ringkit/json.hpp"  // response::json

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

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
