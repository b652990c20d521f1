#include "ringkit/http/parser.hpp"

#include <doctest/doctest.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "support/fds.hpp"

using ringkit::parse_event;
using ringkit::parser_limits;
using ringkit::request;
using ringkit::request_parser;
using ringkit::test::open_fds;

namespace {

struct parsed {
    std::vector<parse_event> events;
    int status = 0;
    std::size_t messages = 0;
    std::size_t consumed = 0;
};

// Feeds `input` in pieces of `step` bytes the way a connection does, calling
// on_message after each complete request.
template <class OnMessage>
parsed run(request_parser& p, request& req, std::string_view input, std::size_t step, OnMessage on_message) {
    parsed out;
    p.bind(req);
    std::string buffered;
    std::size_t pos = 0;
    for (;;) {
        auto [event, used] = p.feed(buffered);
        buffered.erase(0, used);
        out.consumed += used;
        out.events.push_back(event);
        if (event == parse_event::error) {
            out.status = p.error_status();
            return out;
        }
        if (event == parse_event::message_complete) {
            ++out.messages;
            on_message(req);
            continue;
        }
        if (event == parse_event::expect_continue) continue;
        if (pos >= input.size()) return out;
        auto piece = input.substr(pos, step);
        pos += piece.size();
        buffered.append(piece);
    }
}

parsed run(std::string_view input, parser_limits limits = {}, std::size_t step = 1 << 20) {
    request_parser p(limits);
    request req;
    return run(p, req, input, step, [](request&) {});
}

int status_of(std::string_view input, parser_limits limits = {}) { return run(input, limits).status; }

}  // namespace

TEST_CASE("a simple GET becomes a Ring request") {
    request_parser p;
    request req;
    std::string_view in = "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: example.com:8080\r\nX-Thing:  v  \r\n\r\n";
    for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{7}, in.size()}) {
        request_parser fresh;
        auto r = run(fresh, req, in, step, [&](request& q) {
            CHECK(q.uri == "/a/b");
            REQUIRE(q.query_string);
            CHECK(*q.query_string == "x=1&y=%20");
            CHECK(q.query("y") == " ");
            CHECK(q.request_method == ringkit::method::get);
            CHECK(q.method_name == "GET");
            CHECK(q.protocol == "HTTP/1.1");
            CHECK(q.server_name == "example.com");
            CHECK(q.header("x-thing") == "v");
            CHECK(q.header("X-THING") == "v");
            CHECK(q.body.empty());
        });
        CHECK(r.messages == 1);
        CHECK(r.status == 0);
        CHECK(r.consumed == in.size());
    }
}

TEST_CASE("header names are lower-cased and repeats joined as Ring says") {
    request_parser p;
    request req;
    run(p, req, "GET / HTTP/1.1\r\nHost: h\r\nX-Dup: a\r\nCookie: c1=1\r\nx-dup: b\r\ncookie: c2=2\r\n\r\n", 3,
        [](request& q) {
            CHECK(q.headers.size() == 3);
            CHECK(q.header("x-dup") == "a,b");
            CHECK(q.header("cookie") == "c1=1;c2=2");
            for (auto [name, value] : q.headers)
                for (char c : name) CHECK_FALSE((c >= 'A' && c <= 'Z'));
        });
}

TEST_CASE("bodies: Content-Length and chunked, split anywhere") {
    request_parser p;
    request req;
    std::string chunked =
        "POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n";
    for (std::size_t step : {1, 3, 11, 1000}) {
        request_parser fresh;
        auto r = run(fresh, req, chunked, static_cast<std::size_t>(step), [](request& q) {
            CHECK(q.body == "hello world");
            CHECK_FALSE(q.headers.contains("x-trailer"));  // trailers are dropped, never merged
        });
        CHECK(r.messages == 1);
    }
    auto r = run(p, req, "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", 2,
                 [](request& q) { CHECK(q.body == "abc"); });
    CHECK(r.messages == 1);
}

TEST_CASE("pipelined requests are parsed one at a time, in order") {
    request_parser p;
    request req;
    std::string in;
    for (int i = 0; i < 10; ++i) in += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
    int expected = 0;
    auto r = run(p, req, in, 13, [&](request& q) { CHECK(q.uri == "/" + std::to_string(expected++)); });
    CHECK(r.messages == 10);
    CHECK(r.consumed == in.size());
}

TEST_CASE("keep-alive follows the protocol version and Connection") {
    auto keep = [](std::string_view in) {
        request_parser p;
        request req;
        bool k = false;
        run(p, req, in, 100, [&](request&) { k = p.keep_alive(); });
        return k;
    };
    CHECK(keep("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    CHECK_FALSE(keep("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
    CHECK_FALSE(keep("GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, Close\r\n\r\n"));
    CHECK_FALSE(keep("GET / HTTP/1.0\r\n\r\n"));
    CHECK(keep("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
}

TEST_CASE("Expect: 100-continue pauses after the headers") {
    auto r = run("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok");
    REQUIRE(r.events.size() >= 2);
    CHECK(std::count(r.events.begin(), r.events.end(), parse_event::expect_continue) == 1);
    CHECK(r.messages == 1);
    // No body, nothing to wait for.
    auto none = run("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n");
    CHECK(std::count(none.events.begin(), none.events.end(), parse_event::expect_continue) == 0);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\nx") == 417);
    // Too large: refused before the client sends the body (no 100 first).
    auto big = run("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n",
                   parser_limits{.max_body = 10});
    CHECK(big.status == 413);
    CHECK(std::count(big.events.begin(), big.events.end(), parse_event::expect_continue) == 0);
}

TEST_CASE("request targets: absolute-form, asterisk, fragments") {
    request_parser p;
    request req;
    run(p, req, "GET http://Example.org:81/p/q?z=9 HTTP/1.1\r\nHost: ignored\r\n\r\n", 5, [](request& q) {
        CHECK(q.uri == "/p/q");
        CHECK(q.query_string == "z=9");
        CHECK(q.server_name == "Example.org");
    });
    request_parser p2;
    run(p2, req, "GET http://h.example HTTP/1.1\r\nHost: h.example\r\n\r\n", 100,
        [](request& q) { CHECK(q.uri == "/"); });
    request_parser p3;
    run(p3, req, "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 100, [](request& q) { CHECK(q.uri == "*"); });
    CHECK(status_of("GET * HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
    CHECK(status_of("GET /a#frag HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
    CHECK(status_of("GET ftp://h/a HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
    CHECK(status_of("GET http://u@h/a HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
    CHECK(status_of("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n") == 501);
}

TEST_CASE("Host rules (RFC 9112 §3.2)") {
    CHECK(status_of("GET / HTTP/1.1\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: localhost:es\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: localhost:70000\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/1.0\r\n\r\n") == 0);  // 1.0 may omit Host
    request_parser p;
    request req;
    run(p, req, "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", 100, [](request& q) { CHECK(q.server_name == "[::1]"); });
    request_parser p2;
    run(p2, req, "GET / HTTP/1.1\r\nHost: localhost:\r\n\r\n", 100,
        [](request& q) { CHECK(q.server_name == "localhost"); });
}

TEST_CASE("message framing that could smuggle a request is refused with 400") {
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") ==
          400);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n") ==
          400);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd") == 400);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n") == 400);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n") == 400);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n") == 400);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n") == 400);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") == 400);
    CHECK(status_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == 400);
    // obs-fold, bare CR, bare LF in the header section, control bytes in a value
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX-A:\r\n\tb\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/1.1\r\n Host: h\r\n\r\n") == 400);
    CHECK(run("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n", {}, 1).status == 400);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01"
                    "b\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7f\r\n\r\n") == 400);
    CHECK(status_of(std::string("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n", 36)) == 400);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nBad Name: v\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX-A : v\r\n\r\n") == 400);
    CHECK(status_of("GET  / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
    CHECK(status_of("GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
}

TEST_CASE("a CR without LF never ends a line: it is how requests get smuggled") {
    // llhttp 8 takes "\rX" as a line end in the head and in chunked framing.
    CHECK(status_of("POST / HTTP/1.1\r\nHost: a\r\n\rXGET /admin HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello") == 400);
    CHECK(status_of("GET / HTTP/1.1\rHost: a\r\n\r\n") == 400);
    CHECK(status_of("\r\rGET / HTTP/1.1\r\nHost: a\r\n\r\n") == 400);
    const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t step : {std::size_t{1}, std::size_t{3}, std::size_t{1000}}) {
        CAPTURE(step);
        CHECK(run(head + "1\r\nx\rX0\r\n\r\n", {}, step).status == 400);
        CHECK(run(head + "1\rXx\r\n0\r\n\r\n", {}, step).status == 400);
        CHECK(run(head + "0\r\n\rXGET /2 HTTP/1.1\r\nHost: h\r\n\r\n", {}, step).status == 400);
        CHECK(run(head + "1\nx\r\n0\r\n\r\n", {}, step).status == 400);
        auto ok = run(head + "3\r\na\rb\r\n0\r\n\r\n", {}, step);  // CR inside chunk data is data
        CHECK(ok.status == 0);
        CHECK(ok.messages == 1);
    }
}

TEST_CASE("chunk lines are bounded like header lines") {
    parser_limits small{.max_line = 64};
    std::string ext = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(100, 'a') +
                      "\r\nx\r\n0\r\n\r\n";
    CHECK(run(ext, small).status == 400);
    CHECK(run(ext, small, 7).status == 400);
    CHECK(run(ext).status == 0);
}

TEST_CASE("many repeats of one header cost memory linear in their bytes") {
    std::string in = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 250; ++i) in += "x: " + std::string(200, 'v') + "\r\n";
    request_parser p;
    request req;
    auto r = run(p, req, in + "\r\n", 1 << 20, [](request& q) {
        auto v = q.header("x");
        REQUIRE(v);
        CHECK(v->size() == 250 * 200 + 249);
        CHECK(q.headers.size() == 2);
    });
    CHECK(r.messages == 1);
}

TEST_CASE("methods and versions") {
    CHECK(status_of("FOO / HTTP/1.1\r\nHost: h\r\n\r\n") == 501);
    CHECK(status_of("GETX / HTTP/1.1\r\nHost: h\r\n\r\n") == 501);
    CHECK(status_of("get / HTTP/1.1\r\nHost: h\r\n\r\n") == 501);
    CHECK(status_of("G@T / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
    CHECK(status_of("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == 505);
    CHECK(status_of("GET / HTTP/1.2\r\nHost: h\r\n\r\n") == 505);
    CHECK(status_of("GET / HTTX/1.1\r\nHost: h\r\n\r\n") == 400);
    request_parser p;
    request req;
    run(p, req, "PROPFIND /d HTTP/1.1\r\nHost: h\r\n\r\n", 4, [](request& q) {
        CHECK(q.request_method == ringkit::method::other);
        CHECK(q.method_name == "PROPFIND");
    });
}

// RFC 9112 §3: request-line = method SP request-target SP HTTP-version, and §2.3:
// HTTP-version = "HTTP" "/" DIGIT "." DIGIT. A line that does not match is an
// invalid request line (400); 505 is only for a well-formed version whose major
// we do not serve (RFC 9110 §15.6.6). Each is fed whole and a byte at a time: llhttp
// fails at the first bad byte, so the grammar must be judged before it sees it.
TEST_CASE("request line grammar: 400 for a malformed line, 505 only for a well-formed unsupported version") {
    const std::pair<std::string_view, int> cases[] = {
        {"GET / HTTP/1.1 extra", 400},
        {"GET / HTTP/1.1 ", 400},
        {"GET /dog trainers HTTP/1.1", 400},
        {"GET  / HTTP/1.1", 400},
        {"GET /  HTTP/1.1", 400},
        {"GET / FOO/1.1", 400},
        {"GET / http/1.1", 400},
        {"GET / HTTP/1.11", 400},
        {"GET / HTTP/11.1", 400},
        {"GET / HTTP/1", 400},
        {"GET / HTTP/1.", 400},
        {"GET / HTTP/a.1", 400},
        {"GET / HTTP/1.x", 400},
        {"GET / HTTP/ 1.1", 400},
        {"GET / HTTP /1.1", 400},
        {"GET / HTTP/1.1x", 400},
        {"GET /", 400},
        {"GET / ", 400},
        {"GET", 400},
        {"GET /\tHTTP/1.1", 400},
        {"GET / HTTP/1.1\t", 400},
        {"GET / HTTP/2.0", 505},
        {"GET / HTTP/3.0", 505},
        {"GET / HTTP/0.9", 505},
        {"GET / HTTP/9.9", 505},
        {"GET / HTTP/1.2", 505},
        {"GET / HTTP/1.1", 0},
        {"GET / HTTP/1.0", 0},
    };
    for (const auto& c : cases) {
        const std::string_view line = c.first;  // not a structured binding: clang 14's CAPTURE cannot take one
        const int status = c.second;
        std::string in(line);
        in += "\r\nHost: h\r\n\r\n";
        for (std::size_t step : {std::size_t{1}, in.size()}) {
            CAPTURE(line);
            CAPTURE(step);
            CHECK(run(in, {}, step).status == status);
        }
    }
}

TEST_CASE("limits answer 414, 431 and 413") {
    parser_limits small{.max_line = 64, .max_header = 256, .max_header_count = 4, .max_body = 16};
    CHECK(status_of("GET /" + std::string(64, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", small) == 414);
    CHECK(status_of("GET /" + std::string(63, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", small) == 0);
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(64, 'v') + "\r\n\r\n", small) == 431);
    std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 4; ++i) many += "X" + std::to_string(i) + ": v\r\n";
    CHECK(status_of(many + "\r\n", small) == 431);
    std::string total = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 4; ++i) total += "X" + std::to_string(i) + ": " + std::string(60, 'v') + "\r\n";
    auto roomy = small;
    roomy.max_header_count = 100;
    CHECK(status_of(total + "\r\n", roomy) == 431);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n", small) == 413);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 16\r\n\r\n0123456789abcdef", small) == 0);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
                    "chunked\r\n\r\n10\r\n0123456789abcdef\r\n1\r\nx\r\n0\r\n\r\n",
                    small) == 413);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n") == 413);
    // A chunk announcing too much is refused at its size line, before its data.
    auto big_chunk = run("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n", small);
    CHECK(big_chunk.status == 413);
    // Whitespace llhttp skips silently still counts.
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX:" + std::string(2000, ' '), small) == 431);
}

TEST_CASE("after an error the parser stays failed") {
    request_parser p;
    request req;
    p.bind(req);
    auto r = p.feed("BAD\x01 / HTTP/1.1\r\n\r\n");
    CHECK(r.event == parse_event::error);
    CHECK(p.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n").event == parse_event::error);
}

namespace {

std::string spooled_bytes(const ringkit::spooled_body& f) {
    std::string out(f.size, '\0');
    std::size_t got = 0;
    while (got < out.size()) {
        auto n = ::pread(*f.fd, out.data() + got, out.size() - got, static_cast<off_t>(got));
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

std::string pattern(std::size_t n) {
    std::string out(n, '\0');
    std::uint32_t x = 12345;
    for (auto& c : out) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 16);
    }
    return out;
}

std::string post(std::string_view type, std::string_view body) {
    return "POST /up HTTP/1.1\r\nHost: h\r\nContent-Type: " + std::string(type) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string post_chunked(std::string_view type, std::string_view body, std::size_t chunk) {
    std::string out =
        "POST /up HTTP/1.1\r\nHost: h\r\nContent-Type: " + std::string(type) + "\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t i = 0; i < body.size(); i += chunk) {
        auto piece = body.substr(i, chunk);
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        out += size;
        out += piece;
        out += "\r\n";
    }
    return out + "0\r\n\r\n";
}

constexpr std::string_view form_type = "multipart/form-data; boundary=b";

}  // namespace

TEST_CASE("spooling: a multipart body past spool_threshold goes to an anonymous file, byte for byte") {
    const auto body = pattern(5000);
    for (std::size_t step : {1, 7, 999, 1 << 20}) {
        CAPTURE(step);
        request_parser p({.spool_threshold = 1000});
        request req;
        std::size_t seen = 0;
        auto r = run(p, req, post(form_type, body), step, [&](request& q) {
            ++seen;
            CHECK(q.body.empty());
            REQUIRE(q.body_file);
            CHECK(q.body_file->size == body.size());
            CHECK(spooled_bytes(*q.body_file) == body);
            // No name on disk: O_TMPFILE's "/tmp/#123 (deleted)" or an unlinked mkostemp file.
            char link[512] = {};
            REQUIRE(::readlink(("/proc/self/fd/" + std::to_string(*q.body_file->fd)).c_str(), link, sizeof link - 1) >
                    0);
            CHECK(std::string_view(link).ends_with("(deleted)"));
        });
        CHECK(r.status == 0);
        CHECK(seen == 1);
    }
}

TEST_CASE("spooling: at or below spool_threshold the body stays in memory") {
    request_parser p({.spool_threshold = 1000});
    request req;
    auto body = pattern(1000);
    run(p, req, post(form_type, body), 10, [&](request& q) {
        CHECK(q.body == body);
        CHECK_FALSE(q.body_file);
    });
}

TEST_CASE("spooling: only multipart/form-data spools (media type in any case), and 0 turns it off") {
    const auto body = pattern(3000);
    auto spools = [&](std::string_view type, parser_limits limits = {.spool_threshold = 100}) {
        request_parser p(limits);
        request req;
        bool spooled = false;
        auto r = run(p, req, post(type, body), 512, [&](request& q) {
            spooled = q.body_file.has_value();
            CHECK((spooled ? spooled_bytes(*q.body_file) : q.body) == body);
            CHECK(spooled == q.body.empty());
        });
        CHECK(r.messages == 1);
        return spooled;
    };
    CHECK(spools(form_type));
    CHECK(spools("Multipart/Form-Data;boundary=b"));
    CHECK(spools(" MULTIPART/FORM-DATA ; boundary=\"b\""));
    CHECK_FALSE(spools("application/octet-stream"));
    CHECK_FALSE(spools("text/plain; x=multipart/form-data"));
    CHECK_FALSE(spools("multipart/form-dataX; boundary=b"));
    CHECK_FALSE(spools("multipart/mixed; boundary=b"));
    CHECK_FALSE(spools(form_type, {.spool_threshold = 0}));
    // No Content-Type at all.
    request_parser p({.spool_threshold = 100});
    request req;
    run(p, req, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3000\r\n\r\n" + body, 512, [&](request& q) {
        CHECK_FALSE(q.body_file);
        CHECK(q.body == body);
    });
}

TEST_CASE("spooling: chunked multipart bodies spool too") {
    const auto body = pattern(4096);
    for (std::size_t step : {1, 100, 1 << 20}) {
        CAPTURE(step);
        request_parser p({.spool_threshold = 1000});
        request req;
        auto r = run(p, req, post_chunked(form_type, body, 300), step, [&](request& q) {
            CHECK(q.body.empty());
            REQUIRE(q.body_file);
            CHECK(spooled_bytes(*q.body_file) == body);
        });
        CHECK(r.messages == 1);
    }
}

TEST_CASE("spooling: max_body still answers 413, and the file closes with the request") {
    const auto before = open_fds();
    {
        request_parser p({.max_body = 2000, .spool_threshold = 500});
        request req;
        auto r = run(p, req, post_chunked(form_type, pattern(2001), 100), 64, [](request&) {});
        CHECK(r.status == 413);
        CHECK(req.body_file);  // it was spooling when the limit struck
        CHECK(req.body.empty());
        CHECK(open_fds() == before + 1);
        // Exactly max_body passes.
        request_parser q({.max_body = 2000, .spool_threshold = 500});
        request ok;
        auto r2 = run(q, ok, post_chunked(form_type, pattern(2000), 100), 64,
                      [](request& x) { CHECK(x.body_file->size == 2000); });
        CHECK(r2.messages == 1);
        CHECK(status_of(post(form_type, pattern(2001)), {.max_body = 2000, .spool_threshold = 500}) == 413);
    }
    CHECK(open_fds() == before);
}

TEST_CASE("spooling: request::clear() closes the file; the next request on the connection starts in memory") {
    const auto before = open_fds();
    request_parser p({.spool_threshold = 100});
    request req;
    const auto big = pattern(1000);
    std::vector<std::size_t> fds_seen;
    std::vector<bool> spooled;
    auto r = run(p, req, post(form_type, big) + post(form_type, "small"), 1 << 20, [&](request& q) {
        fds_seen.push_back(open_fds());
        spooled.push_back(q.body_file.has_value());
    });
    CHECK(r.messages == 2);
    CHECK(spooled == std::vector<bool>{true, false});
    CHECK(fds_seen == std::vector<std::size_t>{before + 1, before});  // the second request's clear() closed it
    CHECK(req.body == "small");

    request_parser p2({.spool_threshold = 100});
    request again;
    run(p2, again, post(form_type, big), 1 << 20, [](request&) {});
    REQUIRE(again.body_file);
    auto copy = *again.body_file;  // a copy keeps the file open
    again.clear();
    CHECK_FALSE(again.body_file);
    CHECK(open_fds() == before + 1);
    CHECK(spooled_bytes(copy) == big);
    copy = {};
    CHECK(open_fds() == before);
}

TEST_CASE("spooling: a spool_dir that cannot hold a file is 500, not a crash") {
    CHECK(status_of(post(form_type, pattern(1000)), {.spool_threshold = 100, .spool_dir = "/nonexistent/ringkit"}) ==
          500);
    // Below the threshold the directory is never touched.
    CHECK(status_of(post(form_type, pattern(100)), {.spool_threshold = 100, .spool_dir = "/nonexistent/ringkit"}) == 0);
}

TEST_CASE("spooling: the mkostemp fallback leaves no name behind either") {
    const std::string dir = "build/spool-fallback-test";
    ::mkdir("build", 0700);
    ::mkdir(dir.c_str(), 0700);
    const int fd = ringkit::detail::open_unlinked_file(dir);
    REQUIRE(fd >= 0);
    CHECK(ringkit::detail::write_all(fd, "abc"));
    DIR* d = ::opendir(dir.c_str());
    REQUIRE(d);
    std::size_t entries = 0;
    while (auto* e = ::readdir(d)) entries += std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..";
    ::closedir(d);
    CHECK(entries == 0);
    char buf[4] = {};
    CHECK(::pread(fd, buf, 3, 0) == 3);
    CHECK(std::string_view(buf) == "abc");
    ::close(fd);
    ::rmdir(dir.c_str());
}
