#include "ringkit/http/parser.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using ringkit::parse_event;
using ringkit::parser_limits;
using ringkit::request;
using ringkit::request_parser;

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
    run(p2, req, "GET http://h.example HTTP/1.1\r\nHost: h.example\r\n\r\n", 100, [](request& q) { CHECK(q.uri == "/"); });
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
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == 400);
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n") == 400);
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
    CHECK(status_of("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01" "b\r\n\r\n") == 400);
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
    CHECK(status_of("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n1\r\nx\r\n0\r\n\r\n",
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
