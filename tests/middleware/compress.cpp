#include "ringkit/middleware/compress.hpp"
#include "ringkit/json.hpp"  // response::json

#include <doctest/doctest.h>

#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ringkit/middleware/not_modified.hpp"
#include "support/run_handler.hpp"

namespace rk = ringkit;
using ringkit::test::header_values;

using rk::content_coding;
using rk::test::make_request;
using rk::test::run_handler;

TEST_CASE("choose_coding follows Accept-Encoding and its q-values") {
    auto pick = [](const char* ae, bool deflate = true) { return rk::choose_coding(std::string_view(ae), deflate); };
    CHECK(rk::choose_coding(std::nullopt) == content_coding::identity);
    CHECK(pick("") == content_coding::identity);
    CHECK(pick("gzip") == content_coding::gzip);
    CHECK(pick("GZip") == content_coding::gzip);
    CHECK(pick("x-gzip") == content_coding::gzip);
    CHECK(pick("deflate") == content_coding::deflate);
    CHECK(pick("deflate", false) == content_coding::identity);
    CHECK(pick("gzip, deflate, br") == content_coding::gzip);
    CHECK(pick("deflate, gzip") == content_coding::gzip);  // a tie goes to gzip
    CHECK(pick("gzip;q=0.5, deflate") == content_coding::deflate);
    CHECK(pick("gzip;q=0.5, deflate;q=0.501") == content_coding::deflate);
    CHECK(pick("gzip; Q=0.9 , deflate;q=0.8") == content_coding::gzip);
    CHECK(pick("gzip;q=0") == content_coding::identity);  // q=0 refuses
    CHECK(pick("gzip;q=0.000, deflate;q=0") == content_coding::identity);
    CHECK(pick("br") == content_coding::identity);  // nothing we have
    CHECK(pick("*") == content_coding::gzip);
    CHECK(pick("*;q=0") == content_coding::identity);
    CHECK(pick("gzip;q=0, *") == content_coding::deflate);  // * is every coding not named
    CHECK(pick("gzip;q=0, *", false) == content_coding::identity);
    CHECK(pick("identity") == content_coding::identity);
    CHECK(pick("identity;q=1, gzip;q=0.5") == content_coding::identity);  // the client ranks identity first
    CHECK(pick("identity;q=0.5, gzip") == content_coding::gzip);
    CHECK(pick("identity;q=0, gzip") == content_coding::gzip);
    CHECK(pick("gzip;level=9;q=1") == content_coding::gzip);
    // Malformed items are skipped, not fatal.
    CHECK(pick("gzip;q=2") == content_coding::identity);
    CHECK(pick("gzip;q=1.5, deflate") == content_coding::deflate);
    CHECK(pick("gzip;q=0.1234") == content_coding::identity);
    CHECK(pick("gzip;q=abc, deflate;q=0.1") == content_coding::deflate);
    CHECK(pick("gzip;q=, deflate;q=0.1") == content_coding::deflate);
    CHECK(pick(",,; ;q=1,gzip") == content_coding::gzip);
    CHECK(pick("gzip;q=0.5, gzip;q=0") == content_coding::gzip);  // a repeat keeps its best q
}

TEST_CASE("compressible_type: text and structured text yes, compressed formats no") {
    for (auto t : {"text/html; charset=utf-8", "text/plain", "TEXT/CSS", "application/json", "application/javascript",
                   "application/xml", "image/svg+xml", "application/wasm", "application/ld+json",
                   "application/atom+xml", " application/json ; charset=utf-8", "text/event-stream"})
        CHECK_MESSAGE(rk::compressible_type(t), t);
    for (auto t : {"image/png", "image/jpeg", "video/mp4", "audio/mpeg", "application/zip", "application/gzip",
                   "application/octet-stream", "font/woff2", "", "application/jsonx", "texty/plain"})
        CHECK_MESSAGE(!rk::compressible_type(t), t);
}

#if RINGKIT_HAS_ZLIB
#include <zlib.h>  // decodes what the middleware sent

namespace {

// Everything zlib can decode from `bytes` so far (a stream need not be finished);
// throws on corrupt data. windowBits 15+32 detects gzip or zlib from the header.
std::string inflate_prefix(std::string_view bytes, bool* finished = nullptr) {
    z_stream z{};
    REQUIRE(inflateInit2(&z, 15 + 32) == Z_OK);
    std::string out;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    int rc = Z_OK;
    char buf[4096];
    while (rc == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_SYNC_FLUSH);
        out.append(buf, sizeof buf - z.avail_out);
        if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) break;
    }
    inflateEnd(&z);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) throw std::runtime_error("corrupt deflate data");
    if (finished) *finished = rc == Z_STREAM_END;
    return out;
}

std::string inflate_all(std::string_view bytes) {
    bool finished = false;
    auto out = inflate_prefix(bytes, &finished);
    if (!finished) throw std::runtime_error("deflate stream not finished");
    return out;
}

std::string sample_text(std::size_t n) {
    std::string s;
    while (s.size() < n) s += "The quick brown fox jumps over the lazy dog. " + std::to_string(s.size()) + "\n";
    s.resize(n);
    return s;
}

std::string random_bytes(std::size_t n) {
    std::mt19937 gen(42);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(gen());
    return s;
}

// Records what the compressing writer hands to the connection.
struct recording_writer final : rk::body_writer {
    std::vector<std::string> writes;
    std::string joined() const {
        std::string s;
        for (auto& w : writes) s += w;
        return s;
    }
    rk::task<void> write(std::string_view bytes) override {
        writes.emplace_back(bytes);
        co_return;
    }
};

// Runs a stream body to its end into `out`; rethrows what the producer threw.
void run_stream(const rk::response& res, rk::body_writer& out) {
    auto* st = std::get_if<rk::stream_body>(&res.body);
    REQUIRE(st);
    asio::io_context io;
    std::exception_ptr error;
    asio::co_spawn(io, st->produce(out), [&](std::exception_ptr e) { error = e; });
    io.run();
    if (error) std::rethrow_exception(error);
}

rk::response fetch(const rk::handler& app, std::initializer_list<std::pair<std::string_view, std::string_view>> headers,
                   std::string_view method = "GET") {
    auto req = make_request(method, "/", headers);
    return run_handler(app, req);
}

}  // namespace

TEST_CASE("a string body is gzipped for a client that accepts it") {
    const auto text = sample_text(5000);
    rk::handler plain = [&](rk::request&) {
        auto r = rk::response::text(text);
        r.headers.add("ETag", "\"v1\"");
        r.headers.add("Content-Length", "5000");
        return r;
    };
    rk::handler coro = [&](rk::request&) -> rk::task<rk::response> {
        auto r = rk::response::text(text);
        r.headers.add("ETag", "\"v1\"");
        co_return r;
    };
    for (auto* inner : {&plain, &coro}) {
        auto app = *inner | rk::wrap_compress();
        auto res = fetch(app, {{"accept-encoding", "gzip, deflate, br"}});
        CHECK(res.headers.get("Content-Encoding") == "gzip");
        CHECK(header_values(res, "vary") == std::vector<std::string>{"Accept-Encoding"});
        CHECK_FALSE(res.headers.contains("Content-Length"));
        CHECK(res.headers.get("ETag") == "W/\"v1\"");  // the bytes changed: a weak validator now
        auto body = std::string(res.body_string());
        CHECK(body.size() < text.size() / 4);
        CHECK(body.substr(0, 2) == "\x1f\x8b");  // the gzip magic, not a zlib header
        CHECK(inflate_all(body) == text);
    }
}

TEST_CASE("deflate is the zlib format, used when the client prefers it") {
    const auto text = sample_text(3000);
    auto app = rk::handler([&](rk::request&) { return rk::response::json(text); }) | rk::wrap_compress();
    auto res = fetch(app, {{"accept-encoding", "gzip;q=0.4, deflate;q=0.9"}});
    CHECK(res.headers.get("Content-Encoding") == "deflate");
    auto body = std::string(res.body_string());
    REQUIRE(body.size() > 2);
    CHECK(((static_cast<unsigned char>(body[0]) << 8) | static_cast<unsigned char>(body[1])) % 31 ==
          0);  // RFC 1950 header check
    CHECK((body[0] & 0x0f) == 8);
    CHECK(inflate_all(body) == nlohmann::json(text).dump());

    auto no_deflate =
        rk::handler([&](rk::request&) { return rk::response::json(text); }) | rk::wrap_compress({.deflate = false});
    auto plain = fetch(no_deflate, {{"accept-encoding", "deflate"}});
    CHECK_FALSE(plain.headers.contains("Content-Encoding"));
    CHECK(plain.body_string() == nlohmann::json(text).dump());
}

TEST_CASE("what is left alone") {
    const auto text = sample_text(4000);
    auto check_untouched = [&](rk::handler inner,
                               std::initializer_list<std::pair<std::string_view, std::string_view>> h, bool vary,
                               std::string_view method = "GET") {
        rk::request plain_req;
        auto expected = run_handler(inner, plain_req);
        auto res = fetch(inner | rk::wrap_compress(), h, method);
        CHECK(res.status == expected.status);
        CHECK(res.headers.get("Content-Encoding") == expected.headers.get("Content-Encoding"));
        CHECK(res.body_string() == expected.body_string());
        CHECK(res.headers.contains("Vary") == vary);
    };
    const std::initializer_list<std::pair<std::string_view, std::string_view>> gzip = {{"accept-encoding", "gzip"}};
    SUBCASE("a small body, without Vary: it never depends on Accept-Encoding") {
        check_untouched([](rk::request&) { return rk::response::text(std::string(1023, 'a')); }, gzip, false);
    }
    SUBCASE("min_size itself is compressed") {
        auto app =
            rk::handler([](rk::request&) { return rk::response::text(std::string(1024, 'a')); }) | rk::wrap_compress();
        CHECK(fetch(app, gzip).headers.get("Content-Encoding") == "gzip");
    }
    SUBCASE("min_size is an option") {
        auto app = rk::handler([](rk::request&) { return rk::response::text(std::string(100, 'a')); }) |
                   rk::wrap_compress({.min_size = 10});
        CHECK(fetch(app, gzip).headers.get("Content-Encoding") == "gzip");
    }
    SUBCASE("a client that does not ask: Vary, since another would get gzip") {
        check_untouched([&](rk::request&) { return rk::response::text(text); }, {}, true);
        check_untouched([&](rk::request&) { return rk::response::text(text); }, {{"accept-encoding", "gzip;q=0"}},
                        true);
        check_untouched([&](rk::request&) { return rk::response::text(text); }, {{"accept-encoding", "identity"}},
                        true);
    }
    SUBCASE("already encoded") {
        check_untouched(
            [&](rk::request&) {
                auto r = rk::response::text(text);
                r.headers.add("Content-Encoding", "br");
                return r;
            },
            gzip, false);
    }
    SUBCASE("compressed formats and bodies without a type") {
        check_untouched([&](rk::request&) { return rk::response::bytes(text, "image/png"); }, gzip, false);
        check_untouched([&](rk::request&) { return rk::response::bytes(text, "application/octet-stream"); }, gzip,
                        false);
        check_untouched([&](rk::request&) { return rk::response(200, {}, text); }, gzip, false);
    }
    SUBCASE("the predicate is an option") {
        auto app = rk::handler([&](rk::request&) { return rk::response::bytes(text, "application/x-mine"); }) |
                   rk::wrap_compress({.compressible = [](std::string_view t) { return t == "application/x-mine"; }});
        CHECK(fetch(app, gzip).headers.get("Content-Encoding") == "gzip");
    }
    SUBCASE("statuses without a body, partial content, upgrades") {
        for (int status : {101, 204, 206, 304}) {
            CAPTURE(status);
            check_untouched([&](rk::request&) { return rk::response::text(text, status); }, gzip, false);
        }
        check_untouched(
            [&](rk::request&) {
                auto r = rk::response::text(text);
                r.headers.add("Content-Range", "bytes 0-3999/9000");
                return r;
            },
            gzip, false);
    }
    SUBCASE("Cache-Control: no-transform") {
        check_untouched(
            [&](rk::request&) {
                auto r = rk::response::text(text);
                r.headers.add("Cache-Control", "public, No-Transform");
                return r;
            },
            gzip, false);
    }
    SUBCASE("a body that does not shrink is sent as it is, with Vary") {
        auto noise = random_bytes(4000);
        check_untouched([&](rk::request&) { return rk::response::bytes(noise, "text/plain"); }, gzip, true);
    }
    SUBCASE("error statuses are compressed like any other") {
        auto app = rk::handler([&](rk::request&) { return rk::response::text(text, 404); }) | rk::wrap_compress();
        CHECK(fetch(app, gzip).headers.get("Content-Encoding") == "gzip");
    }
}

TEST_CASE("HEAD gets the headers GET would get") {
    const auto text = sample_text(4000);
    auto app = rk::handler([&](rk::request&) { return rk::response::text(text); }) | rk::wrap_compress();
    auto get = fetch(app, {{"accept-encoding", "gzip"}});
    auto head = fetch(app, {{"accept-encoding", "gzip"}}, "HEAD");
    CHECK(head.headers.get("Content-Encoding") == "gzip");
    CHECK(head.headers.get("Vary") == "Accept-Encoding");
    CHECK(head.body_string().size() == get.body_string().size());  // the Content-Length the server announces
}

TEST_CASE("Vary is merged, an existing weak ETag kept, Accept-Ranges dropped") {
    const auto text = sample_text(4000);
    auto app = rk::handler([&](rk::request&) {
                   auto r = rk::response::text(text);
                   r.headers.add("Vary", "Cookie");
                   r.headers.add("ETag", "W/\"x\"");
                   r.headers.add("Accept-Ranges", "bytes");
                   return r;
               }) |
               rk::wrap_compress();
    auto res = fetch(app, {{"accept-encoding", "gzip"}});
    CHECK(header_values(res, "vary") == std::vector<std::string>{"Cookie, Accept-Encoding"});
    CHECK(res.headers.get("ETag") == "W/\"x\"");
    CHECK_FALSE(res.headers.contains("Accept-Ranges"));

    auto already = rk::handler([&](rk::request&) {
                       auto r = rk::response::text(text);
                       r.headers.add("Vary", "accept-encoding, Origin");
                       return r;
                   }) |
                   rk::wrap_compress();
    CHECK(header_values(fetch(already, {{"accept-encoding", "gzip"}}), "vary") ==
          std::vector<std::string>{"accept-encoding, Origin"});
}

TEST_CASE("a 304 to a client holding the encoded copy carries that copy's weak ETag and Vary") {
    // RFC 9111 §4.3.4: a 304 with a strong validator updates only stored responses
    // with that same strong validator; the client stored W/"v1" from the gzipped 200.
    const auto text = sample_text(4000);
    auto app = rk::handler([&](rk::request&) {
                   auto r = rk::response::text(text);
                   r.headers.add("ETag", "\"v1\"");
                   return r;
               }) |
               rk::wrap_not_modified() | rk::wrap_compress();
    auto first = fetch(app, {{"accept-encoding", "gzip"}});
    REQUIRE(first.headers.get("ETag") == "W/\"v1\"");
    auto again = fetch(app, {{"accept-encoding", "gzip"}, {"if-none-match", "W/\"v1\""}});
    CHECK(again.status == 304);
    CHECK(again.headers.get("ETag") == "W/\"v1\"");
    CHECK(header_values(again, "vary") == std::vector<std::string>{"Accept-Encoding"});

    // A client holding the identity copy (strong tag) keeps it.
    auto plain = fetch(app, {{"if-none-match", "\"v1\""}});
    CHECK(plain.status == 304);
    CHECK(plain.headers.get("ETag") == "\"v1\"");
    auto strong = fetch(app, {{"accept-encoding", "gzip"}, {"if-none-match", "\"v1\""}});
    CHECK(strong.status == 304);
    CHECK(strong.headers.get("ETag") == "\"v1\"");
}

TEST_CASE("a stream is compressed write by write, each write decodable at once") {
    const std::vector<std::string> pieces = {"data: first\n\n", sample_text(3000), "", "data: last\n\n"};
    recording_writer rec;
    std::string expected_so_far;
    std::vector<std::string> decoded_after_each;
    auto app = rk::handler([&](rk::request&) {
                   return rk::response::stream(
                       [&](rk::body_writer& w) -> rk::task<void> {
                           for (auto& p : pieces) {
                               co_await w.write(p);
                               expected_so_far += p;
                               // What the client has received so far decodes to all that was written.
                               decoded_after_each.push_back(inflate_prefix(rec.joined()));
                           }
                       },
                       "text/event-stream");
               }) |
               rk::wrap_compress();
    auto res = fetch(app, {{"accept-encoding", "gzip"}});
    CHECK(res.headers.get("Content-Encoding") == "gzip");
    CHECK(res.headers.get("Vary") == "Accept-Encoding");
    run_stream(res, rec);
    REQUIRE(decoded_after_each.size() == pieces.size());
    std::string so_far;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        so_far += pieces[i];
        CHECK(decoded_after_each[i] == so_far);
    }
    CHECK(rec.writes.size() == 4);  // three non-empty writes and the trailer; the empty write sends nothing
    CHECK(inflate_all(rec.joined()) == so_far);
}

TEST_CASE("a stream that throws frees its compressor and passes the error on") {
    auto app = rk::handler([](rk::request&) {
                   return rk::response::stream([](rk::body_writer& w) -> rk::task<void> {
                       co_await w.write("partial");
                       throw std::runtime_error("producer failed");
                   });
               }) |
               rk::wrap_compress();
    auto res = fetch(app, {{"accept-encoding", "deflate"}});
    CHECK(res.headers.get("Content-Encoding") == "deflate");
    recording_writer rec;
    CHECK_THROWS_WITH(run_stream(res, rec), "producer failed");
    CHECK(inflate_prefix(rec.joined()) == "partial");  // ASan's leak check covers the deflater
}

TEST_CASE("a stream answered to a client that does not ask stays as it is") {
    auto app = rk::handler([](rk::request&) {
                   return rk::response::stream([](rk::body_writer& w) -> rk::task<void> { co_await w.write("plain"); });
               }) |
               rk::wrap_compress();
    auto res = fetch(app, {});
    CHECK_FALSE(res.headers.contains("Content-Encoding"));
    recording_writer rec;
    run_stream(res, rec);
    CHECK(rec.joined() == "plain");
}

TEST_CASE("file bodies: small ones are read and compressed, big ones sent as they are") {
    char name[] = "/tmp/ringkit-compress-XXXXXX";
    int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    const auto text = sample_text(20000);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);
    const std::string path = name;
    auto serve = [&](rk::request&) { return rk::response::file(path, "text/plain"); };

    auto small_enough = rk::handler(serve) | rk::wrap_compress();
    auto res = fetch(small_enough, {{"accept-encoding", "gzip"}});
    CHECK(res.headers.get("Content-Encoding") == "gzip");
    CHECK(inflate_all(res.body_string()) == text);

    auto too_big = rk::handler(serve) | rk::wrap_compress({.max_file_size = 10000});
    auto big = fetch(too_big, {{"accept-encoding", "gzip"}});
    CHECK_FALSE(big.headers.contains("Content-Encoding"));
    CHECK_FALSE(big.headers.contains("Vary"));
    CHECK(std::holds_alternative<rk::file_body>(big.body));
    ::unlink(name);
}

TEST_CASE("options zlib cannot use are refused when the stack is built") {
    CHECK_THROWS_AS(rk::wrap_compress({.level = 10}), std::invalid_argument);
    CHECK_THROWS_AS(rk::wrap_compress({.window_bits = 8}), std::invalid_argument);
    CHECK_THROWS_AS(rk::wrap_compress({.mem_level = 0}), std::invalid_argument);
    // Smaller windows and levels still round-trip.
    const auto text = sample_text(5000);
    auto app = rk::handler([&](rk::request&) { return rk::response::text(text); }) |
               rk::wrap_compress({.level = 1, .window_bits = 9, .mem_level = 1});
    CHECK(inflate_all(fetch(app, {{"accept-encoding", "gzip"}}).body_string()) == text);
}

TEST_CASE("a stack of plain functions stays plain") {
    auto app = rk::handler([](rk::request&) { return rk::response::text("hi"); }) | rk::wrap_compress();
    auto req = make_request("GET", "/", {{"accept-encoding", "gzip"}});
    CHECK(std::holds_alternative<rk::response>(app.invoke(req)));
}

#else

TEST_CASE("without zlib, wrap_compress passes responses through untouched") {
    auto app =
        rk::handler([](rk::request&) { return rk::response::text(std::string(5000, 'a')); }) | rk::wrap_compress();
    auto req = make_request("GET", "/", {{"accept-encoding", "gzip"}});
    auto res = run_handler(app, req);
    CHECK_FALSE(res.headers.contains("Content-Encoding"));
    CHECK_FALSE(res.headers.contains("Vary"));
    CHECK(res.body_string() == std::string(5000, 'a'));
}

#endif  // RINGKIT_HAS_ZLIB
