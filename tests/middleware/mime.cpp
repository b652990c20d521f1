#include "ringkit/middleware/mime.hpp"

#include <doctest/doctest.h>

#include "support/run_handler.hpp"

namespace rk = ringkit;
using rk::test::make_request;
using rk::test::run_handler;

TEST_CASE("the built-in table is sorted (mime_type searches it)") {
    const auto& t = rk::detail::mime::table;
    for (std::size_t i = 1; i < std::size(t); ++i) CHECK_MESSAGE(t[i - 1].ext < t[i].ext, t[i].ext);
}

TEST_CASE("mime_type: from the last extension, case-insensitively") {
    CHECK(rk::mime_type("index.html") == "text/html");
    CHECK(rk::mime_type("/a/b/app.JS") == "text/javascript");
    CHECK(rk::mime_type("x.mjs") == "text/javascript");
    CHECK(rk::mime_type("data.json") == "application/json");
    CHECK(rk::mime_type("a.tar.gz") == "application/gzip");
    CHECK(rk::mime_type("f.woff2") == "font/woff2");
    CHECK(rk::mime_type("m.wasm") == "application/wasm");
    CHECK(rk::mime_type("p.svg") == "image/svg+xml");
    CHECK(rk::mime_type("photo.jpeg") == "image/jpeg");
    CHECK_FALSE(rk::mime_type("README"));
    CHECK_FALSE(rk::mime_type(".bashrc"));  // a dotfile has no extension
    CHECK_FALSE(rk::mime_type("dir.d/file"));
    CHECK_FALSE(rk::mime_type("x.unknownext"));
    CHECK_FALSE(rk::mime_type("trailing."));
    rk::mime_map extra{{"tpl", "text/html"}, {"js", "application/x-mine"}};
    CHECK(rk::mime_type("page.tpl", extra) == "text/html");
    CHECK(rk::mime_type("app.js", extra) == "application/x-mine");  // overrides the table
}

TEST_CASE("wrap_content_type: only responses without one, with content") {
    rk::handler bare = [](rk::request& req) {
        if (req.uri == "/typed.css") return rk::response::text("x");
        if (req.uri == "/empty.css") return rk::response(204);
        return rk::response(200, {}, std::string("x"));
    };
    auto app = bare | rk::wrap_content_type({.mime_types = {{"tpl", "text/x-template"}}});
    auto type = [&](std::string_view target) {
        auto req = make_request("GET", target);
        auto res = run_handler(app, req);
        return std::string(res.headers.get("Content-Type").value_or("(none)"));
    };
    CHECK(type("/style.css") == "text/css");
    CHECK(type("/a/b.PNG") == "image/png");
    CHECK(type("/x.tpl") == "text/x-template");
    CHECK(type("/no-extension") == "application/octet-stream");
    CHECK(type("/typed.css") == "text/plain; charset=utf-8");
    CHECK(type("/empty.css") == "(none)");
    auto other = bare | rk::wrap_content_type({.default_type = "text/plain"});
    auto req = make_request("GET", "/x");
    CHECK(run_handler(other, req).headers.get("Content-Type") == "text/plain");
}
