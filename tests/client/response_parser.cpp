#include "ringkit/client/response_parser.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using ringkit::client_error;
using ringkit::client_limits;
using ringkit::method;
using ringkit::response_event;
using ringkit::response_parser;

namespace response_parser_test {

struct options {
    method request_method = method::get;
    bool upgrade = false;
    client_limits limits = {};
};

// How the bytes arrive: sizes of the reads, cycled; empty: all at once.
using cuts = std::vector<std::size_t>;

// Drives the parser as an I/O shell would and writes down what it saw, the body
// as one string (its pieces depend on the reads). After the response, bytes left
// over are either the new protocol's (after a 101) or fed on, to the fault they are.
std::vector<std::string> drive(std::string_view input, const options& opt, const cuts& reads) {
    response_parser p(opt.limits);
    p.begin(opt.request_method, opt.upgrade);
    std::vector<std::string> log;
    std::string buf, body;
    std::size_t begin = 0, delivered = 0, turn = 0;
    auto flush_body = [&] {
        if (!body.empty()) log.push_back("body " + body);
        body.clear();
    };
    auto on_error = [&] {
        // How much of a body came before body_too_large depends on where reads
        // ended (a piece that crosses the limit is refused whole): never past it.
        if (p.error() == client_error::body_too_large) {
            CHECK(body.size() <= opt.limits.max_body);
            body.clear();
        }
        flush_body();
        log.push_back("error " + p.error().message());
        CHECK(!p.reusable());
        CHECK(p.feed("x").event == response_event::error);  // errors are final
    };
    for (;;) {
        const auto [event, used] = p.feed(std::string_view(buf).substr(begin));
        REQUIRE(used <= buf.size() - begin);
        begin += used;
        switch (event) {
        case response_event::need_more: {
            REQUIRE(begin == buf.size());
            buf.clear();
            begin = 0;
            if (delivered == input.size()) {
                const bool started = p.started();
                const auto end = p.finish();
                if (end.event == response_event::error) {
                    on_error();
                    log.push_back(started ? "after bytes" : "before any byte");
                } else if (end.event == response_event::complete) {
                    flush_body();
                    log.push_back("complete at close");
                    CHECK(!p.reusable());
                } else {
                    log.push_back("need more");
                }
                return log;
            }
            const std::size_t n = reads.empty() ? input.size() : reads[turn++ % reads.size()];
            buf.append(input.substr(delivered, n));
            delivered += buf.size();
            break;
        }
        case response_event::head: {
            const auto& h = p.head();
            std::string line = "head " + std::to_string(h.status) + " [" + h.reason + "] HTTP/1." +
                               std::to_string(h.version_minor) + (h.keep_alive ? " keep-alive" : " close");
            if (h.content_length) line += " length=" + std::to_string(*h.content_length);
            if (h.chunked) line += " chunked";
            for (auto [name, value] : h.headers) line.append("\n").append(name).append(": ").append(value);
            log.push_back(line);
            break;
        }
        case response_event::body:
            CHECK(!p.body().empty());
            body.append(p.body());
            break;
        case response_event::complete: {
            CHECK(p.body_received() == body.size());
            flush_body();
            const std::string rest = buf.substr(begin) + std::string(input.substr(delivered));
            if (p.upgraded()) {
                log.push_back("complete upgraded, then [" + rest + "]");
                CHECK(!p.reusable());
            } else if (!rest.empty()) {
                log.push_back("complete with bytes after it");
                CHECK(p.feed(rest).event == response_event::error);
                CHECK(p.error() == client_error::unexpected_bytes);
                CHECK(!p.reusable());
            } else {
                log.push_back(p.reusable() ? "complete reusable" : "complete not reusable");
            }
            return log;
        }
        case response_event::error: on_error(); return log;
        }
    }
}

// The events for `input`, checked to be the same all at once, a byte at a time,
// in reads of 2, 3 and 7 bytes and in random cuts.
std::vector<std::string> events(std::string_view input, const options& opt = {}) {
    INFO("response: ", input);
    const auto whole = drive(input, opt, {});
    CHECK(drive(input, opt, {1}) == whole);
    CHECK(drive(input, opt, {2}) == whole);
    CHECK(drive(input, opt, {3, 7}) == whole);
    std::mt19937 rng(static_cast<std::uint32_t>(input.size()));
    for (int round = 0; round < 8; ++round) {
        cuts random;
        for (int i = 0; i < 16; ++i) random.push_back(1 + rng() % 40);
        CHECK(drive(input, opt, random) == whole);
    }
    return whole;
}

std::string last(std::string_view input, const options& opt = {}) { return events(input, opt).back(); }

std::string error_of(std::string_view input, const options& opt = {}) {
    for (const auto& e : events(input, opt))
        if (e.starts_with("error ")) return e.substr(6);
    return "no error";
}

std::string message(client_error e) { return make_error_code(e).message(); }

// Every response of `bad` fails with `e`, however its bytes are cut.
void each_fails_with(std::initializer_list<std::string_view> bad, client_error e) {
    for (const auto response : bad) CHECK_MESSAGE(error_of(response) == message(e), response);
}

options with_method(method m) { return {.request_method = m}; }

using strings = std::vector<std::string>;

TEST_CASE("a Content-Length response: head, body, complete and reusable") {
    CHECK(events("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-A:  b  \r\n\r\nhello") ==
          strings{"head 200 [OK] HTTP/1.1 keep-alive length=5\ncontent-type: text/plain\ncontent-length: 5\nx-a: b",
                  "body hello", "complete reusable"});
    CHECK(events("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n") ==
          strings{"head 404 [Not Found] HTTP/1.1 keep-alive length=0\ncontent-length: 0", "complete reusable"});
}

TEST_CASE("a chunked response: the body decoded, extensions and trailers dropped") {
    CHECK(events("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5;name=value\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n") ==
          strings{"head 200 [OK] HTTP/1.1 keep-alive chunked\ntransfer-encoding: chunked", "body hello, world",
                  "complete reusable"});
    CHECK(last("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n") ==
          "complete reusable");
}

TEST_CASE("a body with no length ends at the connection's end, never reusable") {
    CHECK(events("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end") ==
          strings{"head 200 [OK] HTTP/1.1 close\ncontent-type: text/plain", "body until the end", "complete at close"});
    CHECK(events("HTTP/1.1 200 OK\r\n\r\n") == strings{"head 200 [OK] HTTP/1.1 close", "complete at close"});
    // RFC 9112 §6.3: a Transfer-Encoding without chunked last is read until close.
    CHECK(last("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz") == "complete at close");
}

TEST_CASE("keep-alive: HTTP/1.1 unless Connection: close, HTTP/1.0 only with keep-alive") {
    CHECK(last("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx") == "complete not reusable");
    CHECK(last("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx") == "complete not reusable");
    CHECK(last("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx") == "complete reusable");
    CHECK(events("HTTP/1.0 200 OK\r\n\r\nold")[1] == "body old");
}

TEST_CASE("no body for HEAD, 204 and 304, whatever the framing headers say") {
    CHECK(events("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", with_method(method::head)) ==
          strings{"head 200 [OK] HTTP/1.1 keep-alive\ncontent-length: 1000", "complete reusable"});
    CHECK(last("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", with_method(method::head)) ==
          "complete reusable");
    CHECK(last("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n") == "complete reusable");
    CHECK(last("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n") == "complete reusable");
    CHECK(last("HTTP/1.1 304 Not Modified\r\n\r\n") == "complete reusable");
    // The bytes a server wrongly sent as a 204's body are bytes after the response.
    CHECK(last("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello") == "complete with bytes after it");
}

TEST_CASE("100 Continue and other interim responses are skipped") {
    CHECK(
        events("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok") ==
        strings{"head 201 [Created] HTTP/1.1 keep-alive length=2\ncontent-length: 2", "body ok", "complete reusable"});
    CHECK(events("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                 "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") ==
          strings{"head 200 [OK] HTTP/1.1 keep-alive length=0\ncontent-length: 0", "complete reusable"});
    // Whatever an interim response says about the connection, the final one decides.
    CHECK(last("HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") ==
          "complete reusable");
    CHECK(last("HTTP/1.0 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx") == "complete reusable");
    // An interim response alone is no answer yet.
    CHECK(events("HTTP/1.1 100 Continue\r\n\r\n") ==
          strings{"error " + message(client_error::closed_early), "after bytes"});
    // The final response after an interim one gets the same strict reading.
    CHECK(error_of("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n") ==
          message(client_error::bad_line_ending));
}

TEST_CASE("101 is a fault unless the request asked to upgrade") {
    const std::string_view switching =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi";
    CHECK(error_of(switching) == message(client_error::unexpected_switching_protocols));
    CHECK(events(switching, {.upgrade = true}) ==
          strings{"head 101 [Switching Protocols] HTTP/1.1 close\nupgrade: websocket\nconnection: Upgrade",
                  "complete upgraded, then [\x81\x02hi]"});
    response_parser p;
    p.begin(method::get, true);
    const auto head = p.feed(switching);
    REQUIRE(head.event == response_event::head);
    CHECK(p.in_response());  // until its complete, which uses none of the new protocol's bytes
    CHECK(p.feed(switching.substr(head.consumed)).event == response_event::complete);
    CHECK((p.upgraded() && !p.in_response() && !p.reusable()));
    // Asked, and refused: an ordinary response.
    CHECK(last("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", {.upgrade = true}) == "complete reusable");
}

TEST_CASE("a 2xx to CONNECT is a tunnel; any other answer to it is a response") {
    CHECK(events("HTTP/1.1 200 Connection established\r\n\r\nTLS", with_method(method::connect)) ==
          strings{"head 200 [Connection established] HTTP/1.1 close", "complete upgraded, then [TLS]"});
    CHECK(last("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
               with_method(method::connect)) == "complete reusable");
}

TEST_CASE("bytes after the response make the connection unusable") {
    CHECK(last("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n") ==
          "complete with bytes after it");
    CHECK(last("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n\r\n") == "complete with bytes after it");
    response_parser p;
    CHECK(p.feed("HTTP/1.1 200 OK\r\n\r\n").event == response_event::error);  // no request was made
    CHECK(p.error() == client_error::unexpected_bytes);
}

TEST_CASE("the status line's grammar") {
    CHECK(events("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")[0] ==
          "head 200 [] HTTP/1.1 keep-alive length=0\n"
          "content-length: 0");
    CHECK(events("HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n")[0].starts_with("head 299 [] "));
    CHECK(events("HTTP/1.1 200 \xc3\x89t\xc3\xa9\tok\r\nContent-Length: 0\r\n\r\n")[0].starts_with(
        "head 200 [\xc3\x89t\xc3\xa9\tok] "));
    each_fails_with(
        {"HTTP/2.0 200 OK\r\n\r\n", "HTTP/1.2 200 OK\r\n\r\n", "HTTP/0.9 200 OK\r\n\r\n", "http/1.1 200 OK\r\n\r\n",
         "HTTP/1.1  200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 600 X\r\n\r\n",
         "HTTP/1.1 099 X\r\n\r\n", "HTTP/1.1 200 O\x01K\r\n\r\n", "HTTP/1.1 200 O\x7fK\r\n\r\n", "\r\n",
         "HTTP/1.1 2x0 OK\r\n\r\n", "ICY 200 OK\r\n\r\n", "HTTP/1.1\r\n\r\n", " HTTP/1.1 200 OK\r\n\r\n"},
        client_error::bad_status_line);
}

TEST_CASE("line ends: a lone CR or a bare LF anywhere in the framing is a fault") {
    each_fails_with(
        {
            "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n",
            "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nA: b\rC: d\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\rX",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\rhello\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\rX",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: x\n\r\n",
        },
        client_error::bad_line_ending);
}

TEST_CASE("framing faults: both lengths, two lengths, a bad length, a bad chunk size") {
    CHECK(error_of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") ==
          message(client_error::content_length_with_transfer_encoding));
    CHECK(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n") ==
          message(client_error::content_length_with_transfer_encoding));
    CHECK(error_of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!") ==
          message(client_error::conflicting_content_length));
    CHECK(error_of("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello") ==
          message(client_error::conflicting_content_length));
    for (std::string_view bad : {"abc", "5, 5", "-1", "0x10", "99999999999999999999999"})
        CHECK_MESSAGE(error_of("HTTP/1.1 200 OK\r\nContent-Length: " + std::string(bad) + "\r\n\r\n") ==
                          message(client_error::bad_content_length),
                      bad);
    for (std::string_view bad : {"zz", "-5", "", "ffffffffffffffffff", " 5"})
        CHECK_MESSAGE(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(bad) +
                               "\r\nhello\r\n0\r\n\r\n") == message(client_error::bad_chunk_size),
                      bad);
    CHECK(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n") ==
          message(client_error::bad_chunk_size));  // no CRLF after the data
    CHECK(error_of("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") ==
          message(client_error::bad_transfer_encoding));
    CHECK(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n") ==
          message(client_error::bad_transfer_encoding));
    CHECK(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n") ==
          message(client_error::bad_transfer_encoding));
    CHECK(last("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n") == "complete reusable");
}

TEST_CASE("header faults") {
    each_fails_with(
        {
            "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nName : x\r\n\r\n",
            "HTTP/1.1 200 OK\r\n: empty\r\n\r\n",
            "HTTP/1.1 200 OK\r\nNo colon\r\n\r\n",
            "HTTP/1.1 200 OK\r\nA: b\x01\r\n\r\n",
            "HTTP/1.1 200 OK\r\nA: b\x7f\r\n\r\n",
            "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
            "HTTP/1.1 200 OK\r\nA: b\r\n\tfolded\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n",
        },
        client_error::bad_header);
}

TEST_CASE("repeated headers stay separate entries, in order") {
    const auto head = events(
        "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\r\n"
        "Set-Cookie: b=2\r\nContent-Length: 0\r\n\r\n")[0];
    CHECK(head ==
          "head 200 [OK] HTTP/1.1 keep-alive length=0\n"
          "set-cookie: a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\nset-cookie: b=2\ncontent-length: 0");
}

TEST_CASE("limits: status line, header bytes, header count, body") {
    options small;
    small.limits.max_status_line = 20;
    small.limits.max_header_bytes = 40;
    small.limits.max_header_count = 3;
    small.limits.max_body = 10;
    small.limits.max_chunk_line = 8;
    CHECK(last("HTTP/1.1 200 1234567\r\nContent-Length: 0\r\n\r\n", small) == "complete reusable");  // 20 bytes
    CHECK(error_of("HTTP/1.1 200 12345678\r\n\r\n", small) == message(client_error::status_line_too_long));
    CHECK(error_of("HTTP/1.1 200 OK\r\nA: 1234567890123456789012345678901234\r\n\r\n", small) ==
          message(client_error::headers_too_large));
    CHECK(last("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n", small) == "complete reusable");
    CHECK(error_of("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", small) ==
          message(client_error::too_many_headers));
    CHECK(last("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", small) == "complete reusable");
    CHECK(error_of("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n0123456789a", small) ==
          message(client_error::body_too_large));
    CHECK(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n6\r\n012345\r\n0\r\n\r\n",
                   small) == message(client_error::body_too_large));
    CHECK(error_of("HTTP/1.1 200 OK\r\n\r\n0123456789a", small) == message(client_error::body_too_large));
    CHECK(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;abcdefgh\r\nx\r\n0\r\n\r\n", small) ==
          message(client_error::bad_chunk_size));
    CHECK(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 123456\r\n\r\n", small) ==
          message(client_error::headers_too_large));
    CHECK(error_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\nU: 2\r\nV: 3\r\n\r\n", small) ==
          message(client_error::too_many_headers));
}

TEST_CASE("begin() may set one response's body limit in place of max_body (a streamed download's)") {
    client_limits small;
    small.max_body = 4;
    response_parser p(small);
    const std::string_view big = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
    p.begin(method::get, false, 100);
    std::string body;
    std::string_view rest = big;
    for (bool done = false; !done;) {
        const auto [event, used] = p.feed(rest);
        rest.remove_prefix(used);
        if (event == response_event::body) body.append(p.body());
        done = event == response_event::complete || event == response_event::error;
        REQUIRE(event != response_event::error);
    }
    CHECK(body == "0123456789");
    CHECK(p.reusable());
    // The next response is back under max_body.
    p.begin(method::get);
    CHECK(p.feed(big).event == response_event::error);
    CHECK(p.error() == client_error::body_too_large);
}

TEST_CASE("the connection closed early, before any byte or in the middle") {
    CHECK(events("") == strings{"error " + message(client_error::closed_early), "before any byte"});
    CHECK(events("HTTP/1.1 200 OK\r\nContent-Le") ==
          strings{"error " + message(client_error::closed_early), "after bytes"});
    CHECK(events("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel") ==
          strings{"head 200 [OK] HTTP/1.1 keep-alive length=5\ncontent-length: 5", "body hel",
                  "error " + message(client_error::closed_early), "after bytes"});
    CHECK(last("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n") == "after bytes");
    CHECK(last("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n") == "after bytes");
}

TEST_CASE("one parser, one response after another on a connection") {
    struct exchange {
        method m;
        std::string_view response;
        int status;
        std::string_view body;
    };
    response_parser p;
    for (const exchange& x :
         {exchange{method::get, "HTTP/1.1 200 OK\r\nA: 1\r\nContent-Length: 2\r\n\r\nhi", 200, "hi"},
          exchange{method::head, "HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\n", 201, ""},
          exchange{method::post,
                   "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "3\r\nabc\r\n0\r\n\r\n",
                   202, "abc"}}) {
        p.begin(x.m);
        std::string_view in = x.response;
        auto r = p.feed(in);
        REQUIRE(r.event == response_event::head);
        CHECK(p.head().status == x.status);
        CHECK(p.head().headers.contains("a") == (x.status == 200));
        std::string body;
        do {
            in.remove_prefix(r.consumed);
            r = p.feed(in);
            if (r.event == response_event::body) body.append(p.body());
        } while (r.event == response_event::body);
        CHECK(r.event == response_event::complete);
        CHECK(p.reusable());
        CHECK(body == x.body);
    }
    CHECK(p.finish().event == response_event::need_more);  // EOF between responses: nothing to report
}

TEST_CASE("body pieces are views into the bytes fed, never copies") {
    response_parser p;
    p.begin(method::get);
    const std::string in = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody";
    auto r = p.feed(in);
    REQUIRE(r.event == response_event::head);
    r = p.feed(std::string_view(in).substr(r.consumed));
    REQUIRE(r.event == response_event::body);
    CHECK(p.body().data() == in.data() + in.size() - 4);
    CHECK(p.body_received() == 4);
    CHECK(p.feed({}).event == response_event::complete);  // the end was in hand: no read needed
}

}  // namespace response_parser_test
