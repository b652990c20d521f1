#include "ringkit/middleware/resource.hpp"

#include <doctest/doctest.h>

#include "support/run_handler.hpp"

namespace rk = ringkit;
using ringkit::test::fetcher;
using rk::test::make_request;
using rk::test::run_handler;

namespace {

constexpr rk::resource assets[] = {
    {"index.html", "<h1>home</h1>"},           {"/css/app.css", "body{}"},  // a leading slash is ignored
    {"docs/index.html", "<h1>docs</h1>"},      {"data.bin", "0123456789"},
    {"feed", "<rss/>", "application/rss+xml"}, {".well-known/security.txt", "Contact: x"},
};

}  // namespace

TEST_CASE("resources: bytes, type from the extension or the table, a content-hash ETag") {
    fetcher get{rk::resource_handler(assets)};
    auto r = get("/css/app.css");
    CHECK(r.status == 200);
    CHECK(r.body_string() == "body{}");
    CHECK(r.headers.get("Content-Type") == "text/css");
    auto etag = r.headers.get("ETag");
    REQUIRE(etag);
    CHECK(etag->size() == 18);
    CHECK(etag != get("/data.bin").headers.get("ETag"));
    CHECK_FALSE(r.headers.contains("Last-Modified"));
    CHECK(get("/feed").headers.get("Content-Type") == "application/rss+xml");
    CHECK(get("/data.bin").headers.get("Content-Type") == "application/octet-stream");
    CHECK(get("/.well-known/security.txt").status == 200);
    CHECK(get("/missing.css").status == 404);
    CHECK(get("/css/app.css", {}, "POST").status == 405);
}

TEST_CASE("resources: index files and the directory redirect") {
    fetcher get{rk::resource_handler(assets)};
    CHECK(get("/").body_string() == "<h1>home</h1>");
    CHECK(get("/docs/").body_string() == "<h1>docs</h1>");
    CHECK(get("/docs").status == 301);
    CHECK(get("/docs").headers.get("Location") == "/docs/");
    CHECK(get("/css/").status == 404);
    CHECK(get("/css").status == 404);
    auto h = rk::resource_handler(assets);
    auto req = make_request("GET", "/assets");
    req.ext.emplace<rk::mount_point>(std::string("/assets"), std::string("/"));
    CHECK(run_handler(h, req).headers.get("Location") == "/assets/");
}

TEST_CASE("resources: bad paths get 400 like files do") {
    fetcher get{rk::resource_handler(assets)};
    for (std::string_view target : {"/%2e%2e/index.html", "/docs/..%2findex.html", "/index.html%00", "/%zz", "/a\\b",
                                    "/%5c..%5cindex.html", "/./index.html"})
        CHECK_MESSAGE(get(target).status == 400, target);
}

TEST_CASE("resources: 304, 412, Range and If-Range") {
    fetcher get{
        rk::resource_handler(assets, {.cache_control = "max-age=31536000, immutable", .last_modified = 784111777})};
    auto etag = std::string(get("/data.bin").headers.get("ETag").value());
    CHECK(get("/data.bin").headers.get("Last-Modified") == "Sun, 06 Nov 1994 08:49:37 GMT");
    auto r = get("/data.bin", {{"If-None-Match", etag}});
    CHECK(r.status == 304);
    CHECK(r.body_string().empty());
    CHECK(r.headers.get("Cache-Control") == "max-age=31536000, immutable");
    CHECK(get("/data.bin", {{"If-Match", "\"nope\""}}).status == 412);
    r = get("/data.bin", {{"Range", "bytes=2-4"}});
    CHECK(r.status == 206);
    CHECK(r.body_string() == "234");
    CHECK(r.headers.get("Content-Range") == "bytes 2-4/10");
    r = get("/data.bin", {{"Range", "bytes=10-"}});
    CHECK(r.status == 416);
    CHECK(r.headers.get("Content-Range") == "bytes */10");
    CHECK(get("/data.bin", {{"Range", "bytes=2-4"}, {"If-Range", etag}}).status == 206);
    CHECK(get("/data.bin", {{"Range", "bytes=2-4"}, {"If-Range", "\"old\""}}).body_string() == "0123456789");
    fetcher no_etag{rk::resource_handler(assets, {.etag = false})};
    CHECK_FALSE(no_etag("/data.bin").headers.contains("ETag"));
}

TEST_CASE("wrap_resource: resources are served, everything else goes to the next handler") {
    rk::handler app = [](rk::request&) { return rk::response::text("app"); };
    fetcher get{app | rk::wrap_resource(assets)};
    CHECK(get("/css/app.css").body_string() == "body{}");
    CHECK(get("/api/users").body_string() == "app");
    CHECK(get("/css/app.css", {}, "PUT").body_string() == "app");
    CHECK(get("/%2e%2e/x").body_string() == "app");
    fetcher listed{app | rk::wrap_resource({{"a.txt", "A"}})};
    CHECK(listed("/a.txt").body_string() == "A");
    CHECK(listed("/").body_string() == "app");
}
