#include "ringkit/middleware/file.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/run_handler.hpp"

namespace rk = ringkit;
using ringkit::test::fetcher;
namespace fs = std::filesystem;
using rk::test::make_request;
using rk::test::run_handler;

namespace {

constexpr std::string_view secret = "TOP-SECRET-CONTENT";
constexpr std::string_view hello = "Hello, world!\n";  // 14 bytes

// A temporary tree, removed by the destructor:
//   <dir>/secret.txt                    outside the root
//   <dir>/root/{hello.txt, index.html, noext, a b.txt, .env, fifo}
//   <dir>/root/sub/index.html, <dir>/root/empty/
//   <dir>/root/link_in -> hello.txt, link_out -> ../secret.txt, dir_out -> ..
struct tree {
    fs::path dir, root;
    tree() {
        char name[] = "/tmp/ringkit-files-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        dir = name;
        root = dir / "root";
        fs::create_directories(root / "sub");
        fs::create_directories(root / "empty");
        write(dir / "secret.txt", secret);
        write(root / "hello.txt", hello);
        write(root / "index.html", "<h1>home</h1>");
        write(root / "sub" / "index.html", "<h1>sub</h1>");
        write(root / "noext", "raw");
        write(root / "a b.txt", "spaced");
        write(root / ".env", "PASSWORD=1");
        REQUIRE(::mkfifo((root / "fifo").c_str(), 0600) == 0);
        fs::create_symlink("hello.txt", root / "link_in");
        fs::create_symlink("../secret.txt", root / "link_out");
        fs::create_symlink("..", root / "dir_out");
        timespec times[2] = {{784111777, 0}, {784111777, 0}};  // Sun, 06 Nov 1994 08:49:37 GMT
        REQUIRE(::utimensat(AT_FDCWD, (root / "hello.txt").c_str(), times, 0) == 0);
    }
    ~tree() { fs::remove_all(dir); }
    static void write(const fs::path& p, std::string_view s) { std::ofstream(p, std::ios::binary) << s; }
};

// The bytes a file_body would send.
std::string body_bytes(const rk::response& res) {
    if (auto* s = std::get_if<std::string>(&res.body)) return *s;
    auto* f = std::get_if<rk::file_body>(&res.body);
    if (!f) return {};
    std::string out(f->length, '\0');
    auto n = ::pread(*f->fd, out.data(), out.size(), static_cast<off_t>(f->offset));
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
}

}  // namespace

TEST_CASE("a file: its bytes as a file_body, with type, validators and Accept-Ranges") {
    tree t;
    fetcher get{rk::file_handler(t.root.string())};
    auto res = get("/hello.txt");
    CHECK(res.status == 200);
    REQUIRE(std::holds_alternative<rk::file_body>(res.body));
    CHECK(std::get<rk::file_body>(res.body).offset == 0);
    CHECK(std::get<rk::file_body>(res.body).length == hello.size());
    CHECK(body_bytes(res) == hello);
    CHECK(res.headers.get("Content-Type") == "text/plain");
    CHECK(res.headers.get("Last-Modified") == "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK(res.headers.get("ETag") == "\"2ebc98a1-e\"");
    CHECK(res.headers.get("Accept-Ranges") == "bytes");
    CHECK_FALSE(res.headers.contains("Cache-Control"));
    CHECK(get("/hello.txt", {}, "HEAD").status == 200);  // the server leaves out a HEAD's body
    CHECK(body_bytes(get("/a%20b.txt")) == "spaced");
    CHECK(get("/noext").headers.get("Content-Type") == "application/octet-stream");
    CHECK(get("/link_in").status == 200);  // a symlink inside the root is fine
}

TEST_CASE("other methods get 405 with Allow") {
    tree t;
    fetcher get{rk::file_handler(t.root.string())};
    for (auto m : {"POST", "PUT", "DELETE", "OPTIONS"}) {
        auto res = get("/hello.txt", {}, m);
        CHECK(res.status == 405);
        CHECK(res.headers.get("Allow") == "GET, HEAD");
    }
}

TEST_CASE("directories: index files, redirect to the slash form, 404 without an index") {
    tree t;
    fetcher get{rk::file_handler(t.root.string())};
    CHECK(body_bytes(get("/")) == "<h1>home</h1>");
    CHECK(get("/").headers.get("Content-Type") == "text/html");
    CHECK(body_bytes(get("/sub/")) == "<h1>sub</h1>");
    auto r = get("/sub");
    CHECK(r.status == 301);
    CHECK(r.headers.get("Location") == "/sub/");
    CHECK(get("/sub?x=1").headers.get("Location") == "/sub/?x=1");
    CHECK(get("//sub").headers.get("Location") == "/sub/");  // never "//sub/", a protocol-relative URL
    CHECK(get("/empty/").status == 404);
    CHECK(get("/missing").status == 404);
    CHECK(get("/hello.txt/").status == 404);
    fetcher no_redirect{rk::file_handler(t.root.string(), {.redirect_directories = false})};
    CHECK(no_redirect("/sub").status == 404);
    fetcher other_index{rk::file_handler(t.root.string(), {.index_files = {"missing.html", "hello.txt"}})};
    CHECK(body_bytes(other_index("/")) == hello);
}

TEST_CASE("traversal attempts are refused before the file system sees them, encoded or not") {
    tree t;
    fetcher get{rk::file_handler(t.root.string(), {.allow_dotfiles = true, .follow_symlinks = false})};
    for (std::string_view target : {"/../secret.txt",
                                    "/%2e%2e/secret.txt",
                                    "/%2E%2e/secret.txt",
                                    "/%2e%2E/%2e%2e/secret.txt",
                                    "/..%2fsecret.txt",
                                    "/sub/..%2f..%2fsecret.txt",
                                    "/sub/%2e%2e%2f%2e%2e%2fsecret.txt",
                                    "/%5c..%5csecret.txt",
                                    "/..\\secret.txt",
                                    "/sub\\..\\..\\secret.txt",
                                    "/hello.txt%00",
                                    "/hello.txt%00.png",
                                    "/a/%00",
                                    "/%00/../secret.txt",
                                    "/./hello.txt",
                                    "/sub/.",
                                    "/%zz",
                                    "/%2",
                                    "/hello%2",
                                    "relative.txt",
                                    "*"}) {
        auto res = get(target);
        CHECK_MESSAGE(res.status == 400, target);
        CHECK_MESSAGE(body_bytes(res).find(secret) == std::string::npos, target);
    }
}

TEST_CASE("dotfiles are 404 unless allowed") {
    tree t;
    CHECK(fetcher{rk::file_handler(t.root.string())}("/.env").status == 404);
    CHECK(fetcher{rk::file_handler(t.root.string())}("/%2eenv").status == 404);
    CHECK(body_bytes(fetcher{rk::file_handler(t.root.string(), {.allow_dotfiles = true})}("/.env")) == "PASSWORD=1");
}

TEST_CASE("symlinks out of the root are refused unless allowed; FIFOs are never opened for reading") {
    tree t;
    fetcher get{rk::file_handler(t.root.string())};
    CHECK(get("/link_out").status == 404);
    CHECK(get("/dir_out/secret.txt").status == 404);
    CHECK(get("/dir_out/root/hello.txt").status == 200);  // out and back in: the file itself is inside
    CHECK(get("/fifo").status == 404);
    fetcher follow{rk::file_handler(t.root.string(), {.follow_symlinks = true})};
    CHECK(body_bytes(follow("/link_out")) == secret);
    CHECK(body_bytes(follow("/dir_out/secret.txt")) == secret);
}

TEST_CASE("a root given through a symlink or with a trailing slash works; a missing root is 404") {
    tree t;
    fs::create_directory_symlink(t.root, t.dir / "alias");
    CHECK(fetcher{rk::file_handler((t.dir / "alias").string())}("/hello.txt").status == 200);
    CHECK(fetcher{rk::file_handler(t.root.string() + "/")}("/hello.txt").status == 200);
    CHECK(fetcher{rk::file_handler((t.dir / "nope").string())}("/hello.txt").status == 404);
}

TEST_CASE("Range: 206 with the file_body's offset and length; 416; ignored when invalid or for HEAD") {
    tree t;
    fetcher get{rk::file_handler(t.root.string())};
    auto r = get("/hello.txt", {{"Range", "bytes=0-4"}});
    CHECK(r.status == 206);
    CHECK(r.headers.get("Content-Range") == "bytes 0-4/14");
    CHECK(body_bytes(r) == "Hello");
    CHECK(std::get<rk::file_body>(r.body).offset == 0);
    CHECK(std::get<rk::file_body>(r.body).length == 5);
    r = get("/hello.txt", {{"Range", "bytes=-6"}});
    CHECK(r.status == 206);
    CHECK(r.headers.get("Content-Range") == "bytes 8-13/14");
    CHECK(body_bytes(r) == "orld!\n");
    CHECK(std::get<rk::file_body>(r.body).offset == 8);
    r = get("/hello.txt", {{"Range", "bytes=7-"}});
    CHECK(body_bytes(r) == "world!\n");
    r = get("/hello.txt", {{"Range", "bytes=14-"}});
    CHECK(r.status == 416);
    CHECK(r.headers.get("Content-Range") == "bytes */14");
    CHECK(get("/hello.txt", {{"Range", "bytes=x-y"}}).status == 200);
    CHECK(get("/hello.txt", {{"Range", "bytes=0-1,4-5"}}).status == 200);
    CHECK(get("/hello.txt", {{"Range", "bytes=0-4"}}, "HEAD").status == 200);  // RFC 9110 §14.2: GET only
    fetcher no_ranges{rk::file_handler(t.root.string(), {.ranges = false})};
    r = no_ranges("/hello.txt", {{"Range", "bytes=0-4"}});
    CHECK(r.status == 200);
    CHECK_FALSE(r.headers.contains("Accept-Ranges"));
}

TEST_CASE("If-Range: a strong ETag or the exact date keeps the range, anything else gets the whole file") {
    tree t;
    fetcher get{rk::file_handler(t.root.string())};
    auto etag = std::string(get("/hello.txt").headers.get("ETag").value());
    CHECK(get("/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", etag}}).status == 206);
    CHECK(get("/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", "\"stale\""}}).status == 200);
    CHECK(get("/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", "W/" + etag}}).status == 200);
    CHECK(get("/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", "Sun, 06 Nov 1994 08:49:37 GMT"}}).status == 206);
    CHECK(get("/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", "Sun, 06 Nov 1994 08:49:38 GMT"}}).status == 200);
    CHECK(get("/hello.txt", {{"Range", "bytes=0-4"}, {"If-Range", "junk"}}).status == 200);
}

TEST_CASE("conditional requests: 304 and 412") {
    tree t;
    fetcher get{rk::file_handler(t.root.string(), {.cache_control = "public, max-age=60"})};
    auto etag = std::string(get("/hello.txt").headers.get("ETag").value());
    auto r = get("/hello.txt", {{"If-None-Match", etag}});
    CHECK(r.status == 304);
    CHECK(std::holds_alternative<std::monostate>(r.body));
    CHECK(r.headers.get("ETag") == etag);
    CHECK(r.headers.get("Cache-Control") == "public, max-age=60");
    CHECK_FALSE(r.headers.contains("Content-Type"));
    CHECK(get("/hello.txt", {{"If-None-Match", etag}}, "HEAD").status == 304);
    CHECK(get("/hello.txt", {{"If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"}}).status == 304);
    CHECK(get("/hello.txt", {{"If-Modified-Since", "Sat, 05 Nov 1994 08:49:37 GMT"}}).status == 200);
    CHECK(get("/hello.txt", {{"If-Match", "\"other\""}}).status == 412);
    CHECK(get("/hello.txt", {{"If-Match", etag}, {"Range", "bytes=0-1"}}).status == 206);
    CHECK(get("/hello.txt", {{"If-Unmodified-Since", "Sat, 05 Nov 1994 08:49:37 GMT"}}).status == 412);
    CHECK(get("/hello.txt").headers.get("Cache-Control") == "public, max-age=60");
    fetcher bare{rk::file_handler(t.root.string(), {.etag = false, .last_modified = false})};
    r = bare("/hello.txt", {{"If-None-Match", etag}});
    CHECK(r.status == 200);
    CHECK_FALSE(r.headers.contains("ETag"));
    CHECK_FALSE(r.headers.contains("Last-Modified"));
}

TEST_CASE("extra mime types and the default type") {
    tree t;
    fetcher get{
        rk::file_handler(t.root.string(), {.default_type = "text/plain", .mime_types = {{"txt", "text/x-mine"}}})};
    CHECK(get("/hello.txt").headers.get("Content-Type") == "text/x-mine");
    CHECK(get("/noext").headers.get("Content-Type") == "text/plain");
}

TEST_CASE("path_info: below a mount point; the redirect keeps the whole uri") {
    tree t;
    auto h = rk::file_handler(t.root.string());
    auto req = make_request("GET", "/static/hello.txt");
    req.ext.emplace<rk::mount_point>(std::string("/static"), std::string("/hello.txt"));
    CHECK(body_bytes(run_handler(h, req)) == hello);
    req = make_request("GET", "/static/sub");
    req.ext.emplace<rk::mount_point>(std::string("/static"), std::string("/sub"));
    CHECK(run_handler(h, req).headers.get("Location") == "/static/sub/");
    req = make_request("GET", "/static");  // the mount's own path: to "/static/", for relative links
    req.ext.emplace<rk::mount_point>(std::string("/static"), std::string("/"));
    CHECK(run_handler(h, req).headers.get("Location") == "/static/");
    req = make_request("GET", "/static/");
    req.ext.emplace<rk::mount_point>(std::string("/static"), std::string("/"));
    CHECK(body_bytes(run_handler(h, req)) == "<h1>home</h1>");
}

TEST_CASE("wrap_file: files are served, everything else goes to the next handler") {
    tree t;
    rk::handler app = [](rk::request& req) { return rk::response::text("app:" + std::string(req.method_name)); };
    fetcher get{app | rk::wrap_file(t.root.string())};
    CHECK(body_bytes(get("/hello.txt")) == hello);
    CHECK(get("/hello.txt", {{"Range", "bytes=0-1"}}).status == 206);
    CHECK(get("/hello.txt", {{"If-Match", "\"x\""}}).status == 412);
    CHECK(get("/sub").status == 301);
    CHECK(body_bytes(get("/missing")) == "app:GET");
    CHECK(body_bytes(get("/hello.txt", {}, "POST")) == "app:POST");
    CHECK(body_bytes(get("/.env")) == "app:GET");
    CHECK(body_bytes(get("/%2e%2e/secret.txt")) == "app:GET");
    CHECK(body_bytes(get("/link_out")) == "app:GET");
    rk::handler coro = [](rk::request&) -> rk::task<rk::response> { co_return rk::response::text("coro"); };
    fetcher get2{coro | rk::wrap_file(t.root.string())};
    CHECK(body_bytes(get2("/missing")) == "coro");
    CHECK(body_bytes(get2("/hello.txt")) == hello);
}

TEST_CASE("a file that is there but cannot be opened is answered (500 here: ELOOP) and told to the request's logger") {
    tree t;
    fs::create_symlink("loop", t.root / "loop");  // open(2): ELOOP
    std::vector<std::string> logged;
    auto ask = [&](const rk::handler& h, std::string_view target) {
        auto req = make_request("GET", target);
        req.logger = [&](std::string_view m, std::exception_ptr) { logged.emplace_back(m); };
        return run_handler(h, req);
    };
    rk::handler app = [](rk::request&) { return rk::response::text("app"); };
    for (const auto& h : {rk::file_handler(t.root.string()), app | rk::wrap_file(t.root.string())}) {
        auto res = ask(h, "/loop");
        CHECK(res.status == 500);                     // wrap_file answers too: the file is not missing
        CHECK(ask(h, "/hello.txt/x").status != 500);  // ENOTDIR: missing, 404 (or the app)
    }
    REQUIRE(logged.size() == 2);
    CHECK(logged[0] == "cannot open file \"" + (fs::canonical(t.root) / "loop").string() + "\"; sent 500");
}
