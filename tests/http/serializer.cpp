#include "ringkit/http/serializer.hpp"

#include <doctest/doctest.h>

#include <string>

using ringkit::body_framing;
using ringkit::response;
using ringkit::response_context;
using ringkit::write_head;

namespace {
std::string head_of(const response& r, response_context ctx = {}) {
    std::string out;
    write_head(out, r, ctx);
    return out;
}
bool has_line(const std::string& head, std::string_view line) {
    return head.find(std::string(line) + "\r\n") != std::string::npos;
}
}  // namespace

TEST_CASE("status line, Server, Date, user headers, Content-Length") {
    auto h = head_of(response::text("hi"));
    CHECK(h.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(has_line(h, "Server: ringkit"));
    CHECK(h.find("\r\nDate: ") != std::string::npos);
    CHECK(has_line(h, "Content-Type: text/plain; charset=utf-8"));
    CHECK(has_line(h, "Content-Length: 2"));
    CHECK(h.ends_with("\r\n\r\n"));
    CHECK(h.find("Connection") == std::string::npos);
}

TEST_CASE("the Date header is an IMF-fixdate") {
    auto d = ringkit::detail::http_date();
    REQUIRE(d.size() == 29);
    CHECK(d.substr(3, 2) == ", ");
    CHECK(d.ends_with(" GMT"));
}

TEST_CASE("handler Date and Server win; empty server_header means none") {
    response r = response::text("x");
    r.headers.add("Date", "Tue, 01 Jan 2030 00:00:00 GMT").add("Server", "mine");
    auto h = head_of(r);
    CHECK(has_line(h, "Date: Tue, 01 Jan 2030 00:00:00 GMT"));
    CHECK(has_line(h, "Server: mine"));
    CHECK(h.find("ringkit") == std::string::npos);
    CHECK(head_of(response::text("x"), {.server_header = ""}).find("Server:") == std::string::npos);
}

TEST_CASE("the server owns framing headers") {
    response r = response::text("four");
    r.headers.add("Content-Length", "99").add("Transfer-Encoding", "chunked");
    auto h = head_of(r);
    CHECK(has_line(h, "Content-Length: 4"));
    CHECK(h.find("Content-Length: 99") == std::string::npos);
    CHECK(h.find("Transfer-Encoding") == std::string::npos);
}

TEST_CASE("keep-alive and close") {
    CHECK(has_line(head_of(response::text("x"), {.keep_alive = false}), "Connection: close"));
    CHECK(has_line(head_of(response::text("x"), {.http10 = true}), "Connection: keep-alive"));
    // RFC 9110 §2.5: the server sends its own version to a 1.0 client too.
    CHECK(head_of(response::text("x"), {.http10 = true}).starts_with("HTTP/1.1 200 OK"));
    response r = response::text("x");
    r.headers.add("Connection", "close");
    std::string out;
    auto info = write_head(out, r, {});
    CHECK_FALSE(info.keep_alive);
    CHECK(has_line(out, "Connection: close"));
}

TEST_CASE("bodiless statuses and HEAD") {
    std::string out;
    auto info = write_head(out, response(204), {});
    CHECK(info.framing == body_framing::none);
    CHECK_FALSE(info.send_body);
    CHECK(out.find("Content-Length") == std::string::npos);

    response not_modified(304);
    not_modified.headers.add("Content-Length", "1234");
    out.clear();
    info = write_head(out, not_modified, {});
    CHECK_FALSE(info.send_body);
    CHECK(has_line(out, "Content-Length: 1234"));

    response reset = response::text("ignored", 205);
    out.clear();
    info = write_head(out, reset, {});
    CHECK_FALSE(info.send_body);
    CHECK(has_line(out, "Content-Length: 0"));

    out.clear();
    info = write_head(out, response::text("hello"), {.head = true});
    CHECK_FALSE(info.send_body);
    CHECK(has_line(out, "Content-Length: 5"));

    response head_only(200, {{"Content-Length", "42"}});
    out.clear();
    write_head(out, head_only, {.head = true});
    CHECK(has_line(out, "Content-Length: 42"));
}

TEST_CASE("streams are chunked on 1.1 and close-delimited on 1.0") {
    auto s = response::stream([](ringkit::body_writer&) -> ringkit::task<void> { co_return; });
    std::string out;
    auto info = write_head(out, s, {});
    CHECK(info.framing == body_framing::chunked);
    CHECK(has_line(out, "Transfer-Encoding: chunked"));
    out.clear();
    info = write_head(out, s, {.http10 = true});
    CHECK(info.framing == body_framing::until_close);
    CHECK_FALSE(info.keep_alive);
    CHECK(has_line(out, "Connection: close"));
}

TEST_CASE("responses that would split or corrupt the head are invalid") {
    CHECK(ringkit::response_is_valid(response::text("ok")));
    CHECK_FALSE(ringkit::response_is_valid(response(99)));
    CHECK_FALSE(ringkit::response_is_valid(response(100)));  // an interim answer would desync the client
    CHECK_FALSE(ringkit::response_is_valid(response(101)));  // only the WebSocket upgrade path sends 101
    CHECK_FALSE(ringkit::response_is_valid(response(600)));
    response split = response::text("x");
    split.headers.add("X-User", "a\r\nSet-Cookie: evil=1");
    CHECK_FALSE(ringkit::response_is_valid(split));
    response bad_name = response::text("x");
    bad_name.headers.add("X Bad", "v");
    CHECK_FALSE(ringkit::response_is_valid(bad_name));
}
