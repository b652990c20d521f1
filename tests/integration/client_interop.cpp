// rk::client against servers nobody here wrote, started by the test on loopback
// in a temporary directory: nginx (static files, a large one streamed to disk;
// gzip decoded when asked and left encoded when not; chunked; keep-alive seen
// through $connection and $connection_requests; return 301/302/303/307; TLS with
// the test CA) and Python's http.server (HTTP/1.0, and HTTP/1.1 with keep-alive
// and a body read until the close).
//
// Run for real by the ctest entry client_interop (tests/clients/CMakeLists.txt,
// RINGKIT_TEST_CLIENTS), which names the programs: RINGKIT_NGINX and
// RINGKIT_PYTHON, and fails when either is missing (scripts/install-deps.sh
// installs both). Without those variables (the plain integration run) it says so
// and checks nothing, as ws_client_interop.cpp does.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "integration/client_support.hpp"

namespace client_interop_tests {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ringkit::client_error;
using ringkit::client_options;
using ringkit::client_request;
using ringkit::method;
using ringkit::request_body;
using ringkit::test::client_support::client_rig;

std::optional<std::string> program(const char* variable) {
    const char* v = std::getenv(variable);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
}

// A temporary directory, removed with what it holds.
struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string t = (fs::temp_directory_path() / "ringkit-client-interop-XXXXXX").string();
        REQUIRE(::mkdtemp(t.data()) != nullptr);
        path = t;
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    std::uint32_t x = 12345;
    for (auto& c : s) {
        x = x * 1103515245 + 12345;
        c = static_cast<char>(x >> 24);
    }
    return s;
}

// A free port on 127.0.0.1 (for nginx, which cannot be told port 0).
std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), len) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    ::close(fd);
    return ntohs(a.sin_port);
}

bool accepting(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

// A child process; `stdin_pipe`: its standard input is ours (closing it stops a
// Python server) and its first line of output is read as its port.
class process {
public:
    process(std::vector<std::string> argv, bool stdin_pipe) {
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        int to[2] = {-1, -1}, from[2] = {-1, -1};
        if (stdin_pipe) REQUIRE((::pipe(to) == 0 && ::pipe(from) == 0));
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            if (stdin_pipe) {
                ::dup2(to[0], 0);
                ::dup2(from[1], 1);
                for (int fd : {to[0], to[1], from[0], from[1]}) ::close(fd);
            } else if (const int null = ::open("/dev/null", O_RDWR); null >= 0) {
                for (int fd : {0, 1, 2}) ::dup2(null, fd);  // nothing of ours held open by the child
                ::close(null);
            }
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        if (!stdin_pipe) return;
        ::close(to[0]);
        ::close(from[1]);
        in_ = to[1];
        std::FILE* out = ::fdopen(from[0], "r");
        char line[64] = {};
        if (out && std::fgets(line, sizeof line, out)) port_ = static_cast<std::uint16_t>(std::atoi(line));
        if (out) std::fclose(out);
    }
    process(const process&) = delete;
    process& operator=(const process&) = delete;
    ~process() {
        if (in_ >= 0) ::close(in_);
        else ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    std::uint16_t port() const noexcept { return port_; }
    bool running() { return ::waitpid(pid_, nullptr, WNOHANG) == 0; }

private:
    pid_t pid_ = -1;
    int in_ = -1;
    std::uint16_t port_ = 0;
};

// nginx in the foreground on two free ports (plain and TLS), serving dir/www,
// everything it writes under `dir`.
class nginx {
public:
    nginx(const std::string& binary, const fs::path& dir) : port_(free_port()), tls_port_(free_port()) {
        std::ofstream(dir / "nginx.conf") << R"(worker_processes 1;
daemon off;
pid )" << (dir / "nginx.pid").string() << R"(;
error_log )" << (dir / "error.log").string()
                                          << R"( warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path )" << (dir / "body").string()
                                          << R"(;
    proxy_temp_path )" << (dir / "proxy").string()
                                          << R"(;
    fastcgi_temp_path )" << (dir / "fastcgi").string()
                                          << R"(;
    uwsgi_temp_path )" << (dir / "uwsgi").string()
                                          << R"(;
    scgi_temp_path )" << (dir / "scgi").string()
                                          << R"(;
    default_type application/octet-stream;
    types { text/plain txt; }
    keepalive_timeout 60s;
    keepalive_requests 1000;
    gzip on;
    gzip_types text/plain;
    gzip_min_length 1;
    server {
        listen 127.0.0.1:)" << port_ << R"(;
        )" << tls_lines() << R"(
        root )" << (dir / "www").string() << R"(;
        location = /conn {
            add_header X-Connection $connection;
            add_header X-Connection-Requests $connection_requests;
            return 200 "ok";
        }
        location = /method { return 200 "$request_method"; }
        location = /r301 { return 301 /method; }
        location = /r302 { return 302 /method; }
        location = /r303 { return 303 /method; }
        location = /r307 { return 307 /method; }
        location = /loop { return 302 /loop; }
    }
}
)";
        process_.emplace(std::vector<std::string>{binary, "-p", dir.string(), "-e", (dir / "error.log").string(), "-c",
                                                  (dir / "nginx.conf").string()},
                         false);
        for (int i = 0; i < 200 && !(accepting(port_) && (!tls || accepting(tls_port_))); ++i) {
            REQUIRE_MESSAGE(process_->running(), "nginx exited: " << read_file(dir / "error.log"));
            std::this_thread::sleep_for(25ms);
        }
        REQUIRE_MESSAGE(accepting(port_), "nginx did not start: " << read_file(dir / "error.log"));
    }
#if RINGKIT_HAS_OPENSSL
    static constexpr bool tls = true;
#else
    static constexpr bool tls = false;
#endif
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    std::string tls_url(const std::string& path) const {
        return "https://localhost:" + std::to_string(tls_port_) + path;
    }

private:
    // The TLS listener, with the test CA's server certificate (made at test time).
    std::string tls_lines() const {
#if RINGKIT_HAS_OPENSSL
        const auto& certs = ringkit::test::test_certs();
        return "listen 127.0.0.1:" + std::to_string(tls_port_) + " ssl;\n        ssl_certificate " +
               certs.path("server.pem") + ";\n        ssl_certificate_key " + certs.path("server.key") + ";";
#else
        return {};
#endif
    }

    std::uint16_t port_, tls_port_;
    std::optional<process> process_;
};

// Streams `url` into `file`; what it threw, or nothing.
ringkit::task<void> download_run(ringkit::client& client, std::string url, fs::path file,
                                 std::shared_ptr<std::promise<std::string>> done) {
    std::string error;
    try {
        client_request req{.url = std::move(url)};  // apart from the co_await: g++ 12 destroys it twice
        auto r = co_await client.stream(std::move(req));
        std::ofstream out(file, std::ios::binary);
        while (auto chunk = co_await r.body.read())
            out.write(chunk->data(), static_cast<std::streamsize>(chunk->size()));
        if (r.status != 200) error = "status " + std::to_string(r.status);
    } catch (const std::exception& e) {
        error = e.what();
    }
    done->set_value(error);
}

std::string download(client_rig& rig, std::string url, const fs::path& file) {
    auto done = std::make_shared<std::promise<std::string>>();
    auto f = done->get_future();
    asio::co_spawn(rig.io(), download_run(rig.get(), std::move(url), file, done), asio::detached);
    return f.get();
}

TEST_SUITE("integration/client interop") {

TEST_CASE("rk::client against nginx: static files, gzip, chunked, keep-alive, redirects, TLS") {
    const auto binary = program("RINGKIT_NGINX");
    if (!binary) {
        MESSAGE("RINGKIT_NGINX not set: the ctest entry client_interop runs this file with nginx");
        return;
    }
    temp_dir dir;
    fs::create_directories(dir.path / "www");
    // nginx's worker runs as another user (nobody, when the tests run as root).
    fs::permissions(dir.path, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    const std::string big = pattern(24UL * 1024 * 1024);
    std::ofstream(dir.path / "www" / "big.bin", std::ios::binary) << big;
    std::string text;
    for (int i = 0; text.size() < 200'000; ++i) text += "line " + std::to_string(i) + " of a compressible text\n";
    std::ofstream(dir.path / "www" / "text.txt", std::ios::binary) << text;
    nginx server(*binary, dir.path);

    client_options o;
    o.limits.max_body = 1024UL * 1024;  // the big file only streams
#if RINGKIT_HAS_OPENSSL
    o.tls.ca_file = ringkit::test::test_certs().ca();
#endif
    client_rig rig(o);

    SUBCASE("a large static file streamed to disk, byte for byte; buffered, it is over max_body") {
        CHECK(download(rig, server.url("/big.bin"), dir.path / "got.bin") == "");
        CHECK(fs::file_size(dir.path / "got.bin") == big.size());
        CHECK(read_file(dir.path / "got.bin") == big);
        CHECK(rig.error_code_of({.url = server.url("/big.bin")}) == client_error::body_too_large);
    }
    SUBCASE("gzip: decoded when asked, chunked on the wire; left encoded when not") {
        auto decoded = rig.fetch(client_request{.url = server.url("/text.txt"), .decompress = true});
        CHECK(decoded.status == 200);
        CHECK(decoded.body == text);
        CHECK_FALSE(decoded.headers.contains("content-encoding"));
        CHECK(decoded.headers.get("transfer-encoding") == "chunked");  // nginx gzips on the fly
        auto raw = rig.fetch({.url = server.url("/text.txt"), .headers = {{"Accept-Encoding", "gzip"}}});
        CHECK(raw.headers.get("content-encoding") == "gzip");
        CHECK(raw.body.size() < text.size() / 3);
        CHECK(raw.body.substr(0, 2) == "\x1f\x8b");
        auto plain = rig.fetch(server.url("/text.txt"));
        CHECK(plain.body == text);
        CHECK(plain.headers.get("content-length") == std::to_string(text.size()));
        CHECK(download(rig, server.url("/text.txt"), dir.path / "text.got") == "");
        CHECK(read_file(dir.path / "text.got") == text);
    }
    SUBCASE("keep-alive: one connection, its request count growing") {
        std::string connection;
        for (int i = 1; i <= 4; ++i) {
            auto r = rig.fetch(server.url("/conn"));
            CHECK(r.body == "ok");
            if (i == 1) connection = std::string(r.headers.get("x-connection").value_or("?"));
            CHECK(r.headers.get("x-connection") == connection);
            CHECK(r.headers.get("x-connection-requests") == std::to_string(i));
        }
    }
    SUBCASE("redirects: 301 and 302 turn a POST into a GET, 303 too, 307 keeps it; a loop ends") {
        auto post = [&](const char* path) {
            auto r = rig.fetch({.method = method::post, .url = server.url(path), .body = request_body::text("x")});
            CHECK(r.redirects == 1);
            CHECK(r.url == server.url("/method"));
            return r.body;
        };
        CHECK(post("/r301") == "GET");
        CHECK(post("/r302") == "GET");
        CHECK(post("/r303") == "GET");
        CHECK(post("/r307") == "POST");
        CHECK(rig.error_code_of({.url = server.url("/loop")}) == client_error::too_many_redirects);
    }
#if RINGKIT_HAS_OPENSSL
    SUBCASE("TLS: verified against the test CA, and refused without it") {
        auto r = rig.fetch(server.tls_url("/conn"));
        CHECK(r.status == 200);
        CHECK(r.body == "ok");
        CHECK(download(rig, server.tls_url("/big.bin"), dir.path / "tls.bin") == "");
        CHECK(read_file(dir.path / "tls.bin") == big);
        client_rig untrusting;  // the system's CA store: the test CA is not in it
        CHECK(untrusting.error_code_of({.url = server.tls_url("/conn")}) == client_error::tls_verification_failed);
    }
#endif
}

TEST_CASE("rk::client against Python's http.server: HTTP/1.0, HTTP/1.1, a body until the close") {
    const auto python = program("RINGKIT_PYTHON");
    if (!python) {
        MESSAGE("RINGKIT_PYTHON not set: the ctest entry client_interop runs this file with python3");
        return;
    }
    temp_dir dir;
    const std::string file = pattern(300'000);
    std::ofstream(dir.path / "file.bin", std::ios::binary) << file;
    const std::string script = std::string(RINGKIT_SOURCE_DIR) + "/tests/clients/client_http_server.py";
    for (const char* version : {"1.0", "1.1"}) {
        CAPTURE(version);
        process server({*python, script, dir.path.string(), version}, true);
        REQUIRE_MESSAGE(server.port() != 0, "python's http.server did not start");
        const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
        client_rig rig;
        for (int i = 0; i < 3; ++i) {
            auto r = rig.fetch(base + "/file.bin");
            CHECK(r.status == 200);
            CHECK(r.version_minor == (version[2] == '0' ? 0 : 1));
            CHECK(r.body == file);
        }
        // HTTP/1.0 closes after each response; HTTP/1.1 keeps the connection.
        CHECK(rig.get().open_connections() == (version[2] == '0' ? 0U : 1U));
        auto until_close = rig.fetch(base + "/until-close");
        CHECK(until_close.body.starts_with("line 0\n"));
        CHECK(until_close.body.ends_with("line 999\n"));
        CHECK_FALSE(until_close.headers.contains("content-length"));
        CHECK(download(rig, base + "/until-close", dir.path / "until.txt") == "");
        CHECK(read_file(dir.path / "until.txt") == until_close.body);
        CHECK(rig.fetch(base + "/missing").status == 404);
    }
}

}  // TEST_SUITE

}  // namespace client_interop_tests
