// A client request's bytes: the request line, the client's headers and the
// caller's, framing, basic auth, and refusing headers a server could misread.
#include "ringkit/client/request_writer.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

namespace request_writer_tests {

ringkit::parsed_url url(const char* text) {
    std::error_code ec;
    auto u = ringkit::parse_url(text, ec);
    REQUIRE_FALSE(ec);
    return u;
}

std::string write(ringkit::method m, const char* u, const ringkit::header_list& h = {},
                  const std::optional<ringkit::request_body>& body = std::nullopt,
                  const std::optional<ringkit::basic_auth>& auth = std::nullopt) {
    return ringkit::detail::write_request(m, url(u), h, body, auth, "ringkit/test");
}

TEST_SUITE("client/request_writer") {

TEST_CASE("a GET: request line, Host, User-Agent, no framing") {
    CHECK(write(ringkit::method::get, "http://Example.com/a?b=1") ==
          "GET /a?b=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: ringkit/test\r\n\r\n");
    CHECK(write(ringkit::method::get, "https://[::1]:8443/") ==
          "GET / HTTP/1.1\r\nHost: [::1]:8443\r\nUser-Agent: ringkit/test\r\n\r\n");
    // An empty User-Agent option sends none.
    CHECK(ringkit::detail::write_request(ringkit::method::head, url("http://h/"), {}, std::nullopt, std::nullopt, "") ==
          "HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
}

TEST_CASE("a body has its Content-Type and Content-Length; POST without one says 0") {
    CHECK(write(ringkit::method::post, "http://h/f", {}, ringkit::request_body::form({{"a", "b c"}})) ==
          "POST /f HTTP/1.1\r\nHost: h\r\nUser-Agent: ringkit/test\r\n"
          "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\n\r\na=b+c");
    CHECK(write(ringkit::method::post, "http://h/") ==
          "POST / HTTP/1.1\r\nHost: h\r\nUser-Agent: ringkit/test\r\nContent-Length: 0\r\n\r\n");
    CHECK(write(ringkit::method::put, "http://h/", {}, ringkit::request_body::bytes("")) ==
          "PUT / HTTP/1.1\r\nHost: h\r\nUser-Agent: ringkit/test\r\n"
          "Content-Type: application/octet-stream\r\nContent-Length: 0\r\n\r\n");
}

TEST_CASE("a body in pieces: Content-Length counts every piece, the bytes after the head are the connection's") {
    ringkit::request_body b{{}, "application/octet-stream"};
    b.pieces.push_back({.bytes = "head-", .file = {}});
    b.pieces.push_back({.bytes = {}, .file = ringkit::file_piece{"/nonexistent", 1000}});
    b.pieces.push_back({.bytes = "-tail", .file = {}});
    CHECK(write(ringkit::method::put, "http://h/u", {}, b) ==
          "PUT /u HTTP/1.1\r\nHost: h\r\nUser-Agent: ringkit/test\r\nContent-Type: application/octet-stream\r\n"
          "Content-Length: 1010\r\n\r\n");
}

TEST_CASE("the caller's headers: kept in order, replacing the client's own, never the framing") {
    ringkit::header_list h{{"X-A", "1"},
                           {"user-agent", "mine"},
                           {"Content-Length", "99"},
                           {"Transfer-Encoding", "chunked"},
                           {"Content-Type", "text/csv"},
                           {"X-A", "2"}};
    CHECK(write(ringkit::method::post, "http://h/", h, ringkit::request_body::text("a,b")) ==
          "POST / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nuser-agent: mine\r\nContent-Type: text/csv\r\nX-A: 2\r\n"
          "Content-Length: 3\r\n\r\na,b");
    CHECK(write(ringkit::method::get, "http://h/", {{"Host", "other"}}) ==
          "GET / HTTP/1.1\r\nUser-Agent: ringkit/test\r\nHost: other\r\n\r\n");
}

TEST_CASE("basic auth, unless the caller wrote Authorization") {
    CHECK(write(ringkit::method::get, "http://h/", {}, std::nullopt, ringkit::basic_auth{"Aladdin", "open sesame"}) ==
          "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: ringkit/test\r\n"
          "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n");
    CHECK(write(ringkit::method::get, "http://h/", {{"Authorization", "Bearer t"}}, std::nullopt,
                ringkit::basic_auth{"a", "b"}) ==
          "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: ringkit/test\r\nAuthorization: Bearer t\r\n\r\n");
}

TEST_CASE("query parameters join the URL's own query") {
    CHECK(ringkit::detail::target_with_query("/p", {{"q", "a b"}, {"n", "1"}}) == "/p?q=a+b&n=1");
    CHECK(ringkit::detail::target_with_query("/p?x=1", {{"q", "&"}}) == "/p?x=1&q=%26");
    CHECK(ringkit::detail::target_with_query("/p", {}) == "/p");
}

TEST_CASE("a header a server could split or misread is refused before anything is sent") {
    CHECK_THROWS_AS(write(ringkit::method::get, "http://h/", {{"X-A", "1\r\nX-Injected: 1"}}), std::invalid_argument);
    CHECK_THROWS_AS(write(ringkit::method::get, "http://h/", {{"X-A", "a\nb"}}), std::invalid_argument);
    CHECK_THROWS_AS(write(ringkit::method::get, "http://h/", {{"X A", "1"}}), std::invalid_argument);
    CHECK_THROWS_AS(write(ringkit::method::get, "http://h/", {{"", "1"}}), std::invalid_argument);
    CHECK_THROWS_AS(write(ringkit::method::get, "http://h/", {{"X-A", std::string("a\0b", 3)}}), std::invalid_argument);
    CHECK_THROWS_AS(write(ringkit::method::other, "http://h/"), std::invalid_argument);
    CHECK_NOTHROW(write(ringkit::method::get, "http://h/", {{"X-A", "tab\tand \x80 bytes"}}));
}
}

}  // namespace request_writer_tests
