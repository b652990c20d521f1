// The files and caching middleware over a real server: byte ranges go out as
// exactly the requested bytes (file_body, so sendfile), HEAD carries the GET
// length and no body, 304s, and no traversal attempt ever gets a byte of a
// file outside the root.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "integration/support.hpp"
#include "ringkit/middleware/file.hpp"
#include "ringkit/middleware/head.hpp"
#include "ringkit/middleware/not_modified.hpp"

using namespace ringkit;
using namespace ringkit::test;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view secret = "TOP-SECRET-CONTENT";

// <dir>/secret.txt outside the root; <dir>/root/{data.bin, index.html, link_out -> ../secret.txt}
struct tree {
    fs::path dir, root;
    std::string data;  // 100 KiB of a pattern that shows which offset a byte came from
    tree() {
        char name[] = "/tmp/ringkit-mwfiles-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        dir = name;
        root = dir / "root";
        fs::create_directories(root);
        for (int i = 0; data.size() < 100 * 1024; ++i) data += std::to_string(i) + ",";
        data.resize(100 * 1024);
        std::ofstream(dir / "secret.txt", std::ios::binary) << secret;
        std::ofstream(root / "data.bin", std::ios::binary) << data;
        std::ofstream(root / "index.html", std::ios::binary) << "<h1>home</h1>";
        fs::create_symlink("../secret.txt", root / "link_out");
    }
    ~tree() { fs::remove_all(dir); }
};

wire_response fetch(raw_client& c, std::string_view request, bool head = false) {
    REQUIRE(c.send(request));
    return c.read_response(head);
}

}  // namespace

TEST_SUITE("integration/mw_files") {

TEST_CASE("a Range gets exactly its bytes as a 206 with the right Content-Length") {
    tree t;
    test_server srv(file_handler(t.root.string()));
    raw_client c(srv.port());
    auto r = fetch(c, get("/data.bin", "Range: bytes=1000-50999\r\n"));
    CHECK(r.status == 206);
    CHECK(r.header("content-length") == "50000");
    CHECK(r.header("content-range") == "bytes 1000-50999/102400");
    CHECK(r.body == t.data.substr(1000, 50000));
    r = fetch(c, get("/data.bin", "Range: bytes=-10\r\n"));  // same connection: the framing held
    CHECK(r.status == 206);
    CHECK(r.body == t.data.substr(t.data.size() - 10));
    r = fetch(c, get("/data.bin"));
    CHECK(r.status == 200);
    CHECK(r.header("accept-ranges") == "bytes");
    CHECK(r.body == t.data);
}

TEST_CASE("416 with Content-Range: bytes */size; If-Range decides between 206 and 200") {
    tree t;
    test_server srv(file_handler(t.root.string()));
    raw_client c(srv.port());
    auto r = fetch(c, get("/data.bin", "Range: bytes=102400-\r\n"));
    CHECK(r.status == 416);
    CHECK(r.header("content-range") == "bytes */102400");
    auto etag = fetch(c, get("/data.bin")).header("etag").value();
    r = fetch(c, get("/data.bin", "Range: bytes=0-9\r\nIf-Range: " + etag + "\r\n"));
    CHECK(r.status == 206);
    CHECK(r.body == t.data.substr(0, 10));
    r = fetch(c, get("/data.bin", "Range: bytes=0-9\r\nIf-Range: \"stale\"\r\n"));
    CHECK(r.status == 200);
    CHECK(r.body.size() == t.data.size());
}

TEST_CASE("HEAD of a file: the GET's Content-Length and no body") {
    tree t;
    test_server srv(file_handler(t.root.string()));
    raw_client c(srv.port());
    auto r = fetch(c, "HEAD /data.bin HTTP/1.1\r\nHost: x\r\n\r\n", true);
    CHECK(r.status == 200);
    CHECK(r.header("content-length") == "102400");
    r = fetch(c, get("/index.html"));  // had the HEAD sent a body, this would read it instead
    CHECK(r.status == 200);
    CHECK(r.body == "<h1>home</h1>");
    CHECK(c.pending().empty());
}

TEST_CASE("wrap_head over a real server: a GET handler answers HEAD with its length and no body") {
    std::string seen;
    auto app = handler([&seen](request& req) {
                   seen = std::string(req.method_name);
                   return response::text("twelve bytes");
               }) |
               wrap_head();
    test_server srv(app);
    raw_client c(srv.port());
    auto r = fetch(c, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", true);
    CHECK(seen == "GET");
    CHECK(r.status == 200);
    CHECK(r.header("content-length") == "12");
    r = fetch(c, get("/"));
    CHECK(r.body == "twelve bytes");
    CHECK(c.pending().empty());
}

TEST_CASE("304 from the file handler and from wrap_not_modified") {
    tree t;
    test_server files(file_handler(t.root.string()));
    raw_client c(files.port());
    auto first = fetch(c, get("/data.bin"));
    auto r = fetch(c, get("/data.bin", "If-None-Match: " + first.header("etag").value() + "\r\n"));
    CHECK(r.status == 304);
    CHECK(r.body.empty());
    CHECK(r.header("etag") == first.header("etag"));
    r = fetch(c, get("/data.bin", "If-Modified-Since: " + first.header("last-modified").value() + "\r\n"));
    CHECK(r.status == 304);
    r = fetch(c, get("/index.html"));  // the 304s sent no body bytes
    CHECK(r.body == "<h1>home</h1>");

    auto app = handler([](request&) {
                   return response(200, {{"ETag", "\"v1\""}, {"Content-Type", "text/plain"}}, std::string("hello"));
               }) |
               wrap_not_modified();
    test_server srv(app);
    raw_client c2(srv.port());
    r = fetch(c2, get("/", "If-None-Match: \"v1\"\r\n"));
    CHECK(r.status == 304);
    CHECK(r.header("etag") == "\"v1\"");
    CHECK_FALSE(r.header("content-length"));
    r = fetch(c2, get("/"));
    CHECK(r.body == "hello");
}

TEST_CASE("traversal attempts get 400 or 404 and never a byte of the secret") {
    tree t;
    test_server srv(file_handler(t.root.string()));
    for (std::string_view target :
         {"/../secret.txt", "/../../secret.txt", "/%2e%2e/secret.txt", "/%2e%2e/%2e%2e/etc/passwd",
          "/%2E%2e/secret.txt", "/..%2fsecret.txt", "/..%2f..%2fetc/passwd", "/a/%00", "/secret.txt%00",
          "/%5c..%5csecret.txt", "/..\\secret.txt", "/link_out", "/root/../secret.txt", "/%2e%2e%5csecret.txt",
          "//../secret.txt", "/./../secret.txt", "/.%2e/secret.txt"}) {
        raw_client c(srv.port());
        REQUIRE(c.send(get(target)));
        auto r = c.read_response();
        CHECK_MESSAGE((r.status == 400 || r.status == 404), target);
        CHECK_MESSAGE(r.raw.find(secret) == std::string::npos, target);
    }
    raw_client c(srv.port());
    CHECK(fetch(c, get("/data.bin")).status == 200);  // and the server is still fine
}

TEST_CASE("a symlink out of the root is served only when allowed") {
    tree t;
    test_server refused(file_handler(t.root.string()));
    raw_client c(refused.port());
    auto r = fetch(c, get("/link_out"));
    CHECK(r.status == 404);
    CHECK(r.raw.find(secret) == std::string::npos);
    test_server allowed(file_handler(t.root.string(), {.follow_symlinks = true}));
    raw_client c2(allowed.port());
    CHECK(fetch(c2, get("/link_out")).body == secret);
}

}  // TEST_SUITE("integration/mw_files")
