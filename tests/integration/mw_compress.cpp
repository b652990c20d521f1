// wrap_compress on a real server: curl decodes what it sends, and a streamed
// body's first write can be decoded before the producer has written the next.
#include "ringkit/middleware/compress.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "integration/support.hpp"

#if RINGKIT_HAS_ZLIB
#include <zlib.h>  // decodes what the middleware sent

using namespace ringkit;
using namespace ringkit::test;

namespace {

std::string sample_text(std::size_t n) {
    std::string s;
    while (s.size() < n) s += "line " + std::to_string(s.size()) + ": the quick brown fox jumps over the lazy dog\n";
    s.resize(n);
    return s;
}

// What `curl --compressed` prints for `url` (it asks for gzip/deflate and decodes).
std::string curl_compressed(const std::string& url) {
    std::string cmd = "curl --compressed -s --max-time 10 '" + url + "'";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string out;
    char buf[4096];
    while (auto n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    CHECK(::pclose(p) == 0);
    return out;
}

// Everything zlib can decode from `bytes` so far (gzip or zlib format).
std::string inflate_prefix(std::string_view bytes) {
    z_stream z{};
    REQUIRE(inflateInit2(&z, 15 + 32) == Z_OK);
    std::string out;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    char buf[4096];
    int rc;
    do {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_SYNC_FLUSH);
        out.append(buf, sizeof buf - z.avail_out);
    } while (rc == Z_OK && z.avail_out == 0);
    inflateEnd(&z);
    return out;
}

// The complete chunks' payload after the head in `raw` (a chunked response still arriving).
std::string complete_chunks(std::string_view raw) {
    auto pos = raw.find("\r\n\r\n");
    if (pos == std::string_view::npos) return {};
    pos += 4;
    std::string out;
    for (;;) {
        auto eol = raw.find("\r\n", pos);
        if (eol == std::string_view::npos) break;
        auto size = std::stoul(std::string(raw.substr(pos, eol - pos)), nullptr, 16);
        if (size == 0 || raw.size() < eol + 2 + size + 2) break;
        out.append(raw.substr(eol + 2, size));
        pos = eol + 2 + size + 2;
    }
    return out;
}

}  // namespace

TEST_SUITE("integration/mw_compress") {

TEST_CASE("curl --compressed gets the same text, for a string body and a streamed one") {
    const auto text = sample_text(50'000);
    handler app = [&](request& req) -> response {
        if (req.uri == "/stream")
            return response::stream([&](body_writer& w) -> task<void> {
                for (std::size_t i = 0; i < text.size(); i += 7000)
                    co_await w.write(std::string_view(text).substr(i, 7000));
            });
        return response::text(text);
    };
    test_server srv(app | wrap_compress());
    const auto base = "http://127.0.0.1:" + std::to_string(srv.port());

    CHECK(curl_compressed(base + "/text") == text);
    CHECK(curl_compressed(base + "/stream") == text);

    // ...and it was compressed on the wire, not just passed through.
    raw_client c(srv.port());
    REQUIRE(c.send(get("/text", "Accept-Encoding: gzip\r\n")));
    auto r = c.read_response();
    CHECK(r.header("content-encoding") == "gzip");
    CHECK(r.header("vary") == "Accept-Encoding");
    CHECK(std::stoul(r.header("content-length").value_or("0")) == r.body.size());
    CHECK(r.body.size() < text.size() / 4);
    CHECK(inflate_prefix(r.body) == text);

    REQUIRE(c.send(get("/stream", "Accept-Encoding: deflate\r\n")));
    auto s = c.read_response();
    CHECK(s.header("content-encoding") == "deflate");
    CHECK(s.chunked);
    CHECK(inflate_prefix(s.body) == text);
}

TEST_CASE("a streamed write reaches the client decodable before the next one") {
    std::atomic<bool> go{false};
    handler app = [&](request&) {
        return response::stream(
            [&](body_writer& w) -> task<void> {
                co_await w.write("event: first\n\n");
                asio::steady_timer timer(co_await asio::this_coro::executor);
                for (int i = 0; i < 10'000 && !go; ++i) {  // at most ~10 s: a failing test ends too
                    timer.expires_after(std::chrono::milliseconds(1));
                    co_await timer.async_wait(asio::use_awaitable);
                }
                co_await w.write("event: second\n\n");
            },
            "text/event-stream");
    };
    test_server srv(app | wrap_compress());
    struct release_on_exit {  // a failing check must not leave the producer waiting
        std::atomic<bool>& flag;
        ~release_on_exit() { flag = true; }
    } release{go};
    raw_client c(srv.port());
    REQUIRE(c.send(get("/", "Accept-Encoding: gzip\r\n")));
    while (inflate_prefix(complete_chunks(c.pending())) != "event: first\n\n") REQUIRE(c.receive_more());
    go = true;
    auto r = c.read_response();
    CHECK(r.header("content-encoding") == "gzip");
    CHECK(inflate_prefix(r.body) == "event: first\n\nevent: second\n\n");
}

}  // TEST_SUITE("integration/mw_compress")

#endif  // RINGKIT_HAS_ZLIB
