// rk::client's streamed bodies, decompression, request bodies from files and the
// pool's idle timer, against ringkit's own server and a scripted one: a body past
// max_body streams whole; a reader dropped early closes its connection; the read
// timeout is per chunk and the total one for the whole body; gzip and deflate
// decoded (buffered and streamed), a bomb stopped at the body limit, corrupt data
// its own error; a file sent from disk byte for byte; an idle connection closed at
// its expiry with the client left alone.
#include <doctest/doctest.h>

#include "support/zlib_compress.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <ringkit/middleware/compress.hpp>

#include "integration/client_support.hpp"

// After ringkit, which configures Asio (co_await under clang).
#include <asio/post.hpp>
#include <asio/this_coro.hpp>

namespace client_stream_tests {

using namespace std::chrono_literals;
using ringkit::client_error;
using ringkit::client_options;
using ringkit::client_request;
using ringkit::method;
using ringkit::request;
using ringkit::request_body;
using ringkit::response;
using ringkit::test::test_server;
using ringkit::test::client_support::answer_all;
using ringkit::test::client_support::base_url;
using ringkit::test::client_support::client_rig;
using ringkit::test::client_support::peer;
using ringkit::test::client_support::scripted_server;

// What a streamed request gave, as plain values.
struct streamed {
    int status = 0;
    int redirects = 0;
    std::string url;
    std::string body;
    std::size_t chunks = 0;
    std::size_t largest_chunk = 0;
    std::optional<std::string> content_encoding, content_length;
    std::error_code error;       // from stream() or read()
    bool head_failed = false;    // the error came before the head
    std::size_t open_after = 0;  // the client's open connections once the reader is gone
};

// Streams `r`, reading at most `max_chunks` chunks (0: all), then drops the reader.
ringkit::task<void> stream_run(ringkit::client& client, client_request r, std::size_t max_chunks,
                               std::shared_ptr<std::promise<streamed>> done) {
    streamed out;
    try {
        auto s = co_await client.stream(std::move(r));
        out.status = s.status;
        out.redirects = s.redirects;
        out.url = s.url;
        if (auto v = s.headers.get("content-encoding")) out.content_encoding = std::string(*v);
        if (auto v = s.headers.get("content-length")) out.content_length = std::string(*v);
        try {
            while (auto chunk = co_await s.body.read()) {
                CHECK(!chunk->empty());
                out.body.append(*chunk);
                out.largest_chunk = std::max(out.largest_chunk, chunk->size());
                if (++out.chunks == max_chunks) break;
            }
        } catch (const std::system_error& e) {
            out.error = e.code();
        }
    } catch (const std::system_error& e) {
        out.error = e.code();
        out.head_failed = true;
    }
    // The reader is gone; its place goes back on the client's strand, which
    // this coroutine reaches by posting there (FIFO behind it).
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    out.open_after = client.open_connections();
    done->set_value(std::move(out));
}

streamed stream(client_rig& rig, client_request r, std::size_t max_chunks = 0) {
    auto done = std::make_shared<std::promise<streamed>>();
    auto f = done->get_future();
    asio::co_spawn(rig.io(), stream_run(rig.get(), std::move(r), max_chunks, done), asio::detached);
    return f.get();
}

// The client's open connections, read on its io thread.
std::size_t open_connections(client_rig& rig) {
    std::promise<std::size_t> p;
    asio::post(rig.io(), [&] { p.set_value(rig.get().open_connections()); });
    return p.get_future().get();
}

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 1000) % 26);
    return s;
}

using ringkit::test::zlib_compress;

std::string encoded_response(const std::string& coding, const std::string& body) {
    return "HTTP/1.1 200 OK\r\nContent-Encoding: " + coding + "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
}

// A temporary directory, removed with what it holds.
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::string t = (std::filesystem::temp_directory_path() / "ringkit-client-stream-XXXXXX").string();
        REQUIRE(::mkdtemp(t.data()) != nullptr);
        path = t;
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::filesystem::path write(const std::string& name, const std::string& bytes) const {
        std::ofstream(path / name, std::ios::binary) << bytes;
        return path / name;
    }
};

const std::string big = pattern(3UL * 1024 * 1024);

response app(request& req) {
    if (req.uri == "/big") return response::text(big);
    if (req.uri == "/to-big") return response::redirect("/big", 302);
    if (req.uri == "/echo") return response::text(req.body);
    return response::text("small");
}

TEST_SUITE("integration/client") {

TEST_CASE("a body past max_body streams whole; buffered, it is body_too_large") {
    test_server srv(app);
    client_options o;
    o.limits.max_body = 256UL * 1024;
    client_rig rig(o);
    auto s = stream(rig, {.url = base_url(srv.port()) + "/big"});
    CHECK(s.error == std::error_code());
    CHECK(s.status == 200);
    CHECK(s.body.size() == big.size());
    CHECK(s.body == big);
    CHECK(s.chunks > 1);
    CHECK(s.largest_chunk <= 256UL * 1024);  // a bounded buffer, not the body whole
    CHECK(s.open_after == 1);                // read to its end: back in the pool
    CHECK(rig.error_code_of({.url = base_url(srv.port()) + "/big"}) == client_error::body_too_large);
}

TEST_CASE("max_stream_body bounds a streamed body") {
    test_server srv(app);
    client_options o;
    o.max_stream_body = 1024UL * 1024;
    client_rig rig(o);
    auto s = stream(rig, {.url = base_url(srv.port()) + "/big"});
    CHECK(s.error == client_error::body_too_large);
    CHECK(s.head_failed);  // its Content-Length said so: refused before any byte of it
    CHECK(s.open_after == 0);
}

TEST_CASE("redirects are followed before the body streams") {
    test_server srv(app);
    client_rig rig;
    auto s = stream(rig, {.url = base_url(srv.port()) + "/to-big"});
    CHECK(s.status == 200);
    CHECK(s.redirects == 1);
    CHECK(s.url == base_url(srv.port()) + "/big");
    CHECK(s.body == big);
}

TEST_CASE("a streamed body read to its end gives its connection back to the pool") {
    scripted_server srv(answer_all("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"));
    client_rig rig;
    for (int i = 0; i < 3; ++i) {
        auto s = stream(rig, {.url = srv.url()});
        CHECK(s.body == "hello");
        CHECK(s.open_after == 1);
    }
    CHECK(rig.fetch(srv.url()).body == "hello");
    CHECK(srv.accepted() == 1);
}

TEST_CASE("a reader dropped before the body's end closes its connection; it is never pooled") {
    std::promise<bool> closed;
    scripted_server srv([&closed](int index, peer& p) {
        if (!p.read_request()) return;
        if (index == 0) {
            p.write("HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + std::string(64UL * 1024, 'x'));
            closed.set_value(p.wait_closed());
            return;
        }
        p.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        p.wait_closed();
    });
    client_rig rig;
    auto s = stream(rig, {.url = srv.url()}, 1);
    CHECK(s.chunks == 1);
    CHECK(s.open_after == 0);
    CHECK(closed.get_future().get());  // the server saw the client close it
    CHECK(rig.fetch(srv.url()).body == "ok");
    CHECK(srv.accepted() == 2);
}

TEST_CASE("read_timeout applies to each chunk, not to the whole body") {
    scripted_server srv([](int, peer& p) {
        for (int n = 0; p.read_request(); ++n) {
            p.write("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n");
            for (int i = 0; i < 8; ++i) {
                if (n == 1 && i == 2) {  // the second response stalls
                    p.wait_closed();
                    return;
                }
                std::this_thread::sleep_for(150ms);
                if (!p.write("x")) return;
            }
        }
    });
    client_options o;
    o.read_timeout = 800ms;  // less than the body's 1.2 s, more than a chunk's 150 ms
    client_rig rig(o);
    auto slow = stream(rig, {.url = srv.url()});
    CHECK(slow.error == std::error_code());
    CHECK(slow.body == "xxxxxxxx");
    auto stalled = stream(rig, {.url = srv.url()});
    CHECK(stalled.error == client_error::read_timeout);
    CHECK_FALSE(stalled.head_failed);
    CHECK(stalled.body == "xx");
    CHECK(stalled.open_after == 0);
}

TEST_CASE("the total timeout covers the streamed body") {
    scripted_server srv([](int, peer& p) {
        if (!p.read_request()) return;
        p.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
        for (int i = 0; i < 100; ++i) {  // 15 s at this pace
            std::this_thread::sleep_for(150ms);
            if (!p.write("x")) return;
        }
    });
    client_options o;
    o.read_timeout = 5s;
    client_rig rig(o);
    auto s = stream(rig, {.url = srv.url(), .timeout = 600ms});
    CHECK(s.error == client_error::total_timeout);
    CHECK_FALSE(s.head_failed);
}

TEST_CASE("decompress: gzip from ringkit's wrap_compress decoded, buffered and streamed") {
    const std::string text = pattern(200'000);
    test_server srv(ringkit::wrap_compress()([&text](request&) { return response::text(text); }));
    client_rig rig;
    auto r = rig.fetch(client_request{.url = base_url(srv.port()), .decompress = true});
    CHECK(r.body == text);
    CHECK_FALSE(r.headers.contains("content-encoding"));
    CHECK_FALSE(r.headers.contains("content-length"));
    auto s = stream(rig, {.url = base_url(srv.port()), .decompress = true});
    CHECK(s.body == text);
    CHECK_FALSE(s.content_encoding);
    CHECK(s.open_after == 1);
    // Not asked: nothing decoded (Accept-Encoding sent by hand), headers as they came.
    auto raw = rig.fetch({.url = base_url(srv.port()), .headers = {{"Accept-Encoding", "gzip"}}});
    CHECK(raw.headers.get("content-encoding") == "gzip");
    CHECK(raw.headers.get("content-length") == std::to_string(raw.body.size()));
    CHECK(raw.body.size() < text.size());
    // Not asked, and no Accept-Encoding: the server sends it plain.
    CHECK(rig.fetch(base_url(srv.port())).body == text);
}

TEST_CASE("decompress on the client: Accept-Encoding sent; deflate as zlib and as raw deflate decoded") {
    const std::string text = pattern(100'000);
    std::promise<std::string> accept;
    bool first = true;
    scripted_server srv([&](int, peer& p) {
        int n = 0;
        while (auto req = p.read_request()) {
            if (first) {
                first = false;
                accept.set_value(*req);
            }
            const int bits = n++ % 2 == 0 ? 15 : -15;
            if (!p.write(encoded_response("deflate", zlib_compress(text, bits)))) return;
        }
    });
    client_options o;
    o.decompress = true;
    client_rig rig(o);
    CHECK(rig.fetch(srv.url()).body == text);
    CHECK(accept.get_future().get().find("\r\nAccept-Encoding: gzip, deflate\r\n") != std::string::npos);
    CHECK(stream(rig, {.url = srv.url()}).body == text);
    CHECK(rig.fetch(client_request{.url = srv.url(), .decompress = false}).body == zlib_compress(text, 15));
}

TEST_CASE("decompress: a gzip bomb stops at the body limit; corrupt or cut data is bad_content_encoding") {
    const std::string zeros(64UL * 1024 * 1024, '\0');
    const std::string bomb = zlib_compress(zeros, 15 + 16);  // about 64 KiB
    std::string corrupt = zlib_compress(pattern(10'000), 15 + 16);
    corrupt[corrupt.size() / 2] = static_cast<char>(corrupt[corrupt.size() / 2] ^ 0x55);
    const std::string whole = zlib_compress(pattern(10'000), 15 + 16);
    const std::string cut = whole.substr(0, whole.size() - 10);
    scripted_server srv([&](int, peer& p) {
        while (auto req = p.read_request()) {
            std::string body = req->starts_with("GET /bomb") ? bomb : req->starts_with("GET /corrupt") ? corrupt : cut;
            if (!p.write(encoded_response("gzip", body))) return;
        }
    });
    client_options o;
    o.decompress = true;
    o.limits.max_body = 1024UL * 1024;
    o.max_stream_body = 2UL * 1024 * 1024;
    client_rig rig(o);
    CHECK(rig.error_code_of({.url = srv.url("/bomb")}) == client_error::body_too_large);
    auto s = stream(rig, {.url = srv.url("/bomb")});
    CHECK(s.error == client_error::body_too_large);
    CHECK(s.body.size() <= 2UL * 1024 * 1024);
    CHECK(rig.error_code_of({.url = srv.url("/corrupt")}) == client_error::bad_content_encoding);
    CHECK(rig.error_code_of({.url = srv.url("/cut")}) == client_error::bad_content_encoding);
    CHECK(stream(rig, {.url = srv.url("/cut")}).error == client_error::bad_content_encoding);
}

TEST_CASE("a request body from a file is sent from disk, byte for byte") {
    temp_dir dir;
    const std::string bytes = pattern(1'500'000);
    const auto path = dir.write("upload.bin", bytes);
    test_server srv(app, [] {
        ringkit::server_options so;
        so.max_body = 4UL * 1024 * 1024;
        return so;
    }());
    client_rig rig;
    auto r = rig.fetch({.method = method::post,
                        .url = base_url(srv.port()) + "/echo",
                        .body = request_body::file(path, "application/x-test")});
    CHECK(r.body.size() == bytes.size());
    CHECK(r.body == bytes);
    // A 307 sends it again, read from the file again.
    CHECK_THROWS_AS(request_body::file(dir.path / "missing"), std::filesystem::filesystem_error);
}

TEST_CASE("multipart: a part from a file is streamed from disk; Content-Length counts it") {
    temp_dir dir;
    const std::string bytes = pattern(300'000);
    const auto path = dir.write("photo.jpg", bytes);
    test_server srv(app);
    client_rig rig;
    auto body = request_body::multipart({{.name = "title", .data = "holiday"},
                                         {.name = "photo", .data = {}, .content_type = "image/jpeg", .path = path}});
    CHECK(body.data.empty());
    CHECK(body.pieces.size() == 3);
    const auto boundary = body.content_type.substr(body.content_type.find('=') + 1);
    auto r = rig.fetch({.method = method::post, .url = base_url(srv.port()) + "/echo", .body = body});
    const std::string expected = "--" + boundary +
                                 "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nholiday\r\n--" + boundary +
                                 "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"photo.jpg\"\r\n"
                                 "Content-Type: image/jpeg\r\n\r\n" +
                                 bytes + "\r\n--" + boundary + "--\r\n";
    CHECK(body.size() == expected.size());
    CHECK(r.body == expected);
}

TEST_CASE("a file shorter than its size by the time it is sent fails the request") {
    temp_dir dir;
    const auto path = dir.write("shrinks.bin", std::string(100'000, 'z'));
    auto body = request_body::file(path);
    std::filesystem::resize_file(path, 10);
    scripted_server srv([](int, peer& p) { p.wait_closed(); });
    client_rig rig;
    CHECK(rig.error_code_of({.method = method::post, .url = srv.url(), .body = body}) == std::errc::io_error);
}

TEST_CASE("the pool's timer closes an idle connection at its expiry, the client left alone") {
    std::promise<bool> closed;
    scripted_server srv([&closed](int, peer& p) {
        if (!p.read_request()) return;
        p.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        closed.set_value(p.wait_closed());  // within io_timeout (10 s), from the client's side
    });
    client_options o;
    o.pool.idle_timeout = 200ms;
    client_rig rig(o);
    CHECK(rig.fetch(srv.url()).body == "ok");
    CHECK(closed.get_future().get());
    CHECK(open_connections(rig) == 0);
}

TEST_CASE("a client destroyed with idle connections and its timer armed leaves nothing behind") {
    scripted_server srv(answer_all("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    asio::io_context io;
    std::string body;
    {
        ringkit::client client(io);
        asio::co_spawn(
            io,
            [](ringkit::client& c, std::string url, std::string& out) -> ringkit::task<void> {
                out = (co_await c.get(std::move(url))).body;
            }(client, srv.url(), body),
            asio::detached);
        while (body.empty() && io.run_one() != 0) {}
        CHECK(body == "ok");
        CHECK(client.open_connections() == 1);
    }
    // The timer's wait was cancelled with the client: the io_context runs out of
    // work at once, rather than at the idle timeout (30 s) or never.
    io.run_for(5s);
    CHECK(io.stopped());
}

}  // TEST_SUITE

}  // namespace client_stream_tests
