#include "ringkit/middleware/proxy_headers.hpp"

#include <doctest/doctest.h>

#include <string>

#include "support/run_handler.hpp"

namespace rk = ringkit;

using ringkit::test::make_request;
using ringkit::test::run_handler;

namespace {

// Answers "<remote_addr> <scheme> <peer_addr>".
rk::handler who() {
    return [](rk::request& req) {
        return rk::response::text(req.remote_addr + " " + std::string(req.scheme) + " " +
                                  std::string(rk::peer_addr(req)));
    };
}

std::string ask(const rk::handler& app, std::string peer,
                std::initializer_list<std::pair<std::string_view, std::string_view>> headers) {
    auto req = make_request("GET", "/", headers);
    req.remote_addr = std::move(peer);
    return std::string(run_handler(app, req).body_string());
}

}  // namespace

TEST_CASE("an untrusted peer's forwarding headers are ignored entirely") {
    auto app = who() | rk::wrap_forwarded({.trusted = {"10.0.0.0/8"}});
    CHECK(ask(app, "203.0.113.9", {{"X-Forwarded-For", "1.2.3.4"}, {"X-Forwarded-Proto", "https"}}) ==
          "203.0.113.9 http 203.0.113.9");
    auto req = make_request("GET", "/", {{"X-Forwarded-For", "1.2.3.4"}});
    req.remote_addr = "203.0.113.9";
    run_handler(app, req);
    CHECK_FALSE(req.ext.contains<rk::proxy_peer>());
}

TEST_CASE("a trusted peer: the right-most untrusted X-Forwarded-For entry is the client") {
    auto app = who() | rk::wrap_forwarded({.trusted = {"10.0.0.1"}});
    CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", "1.2.3.4"}}) == "1.2.3.4 http 10.0.0.1");
    // The client prepended "evil"; its proxy appended what it saw.
    CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", "6.6.6.6, 1.2.3.4"}}) == "1.2.3.4 http 10.0.0.1");
    CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", "evil, 1.2.3.4"}}) == "1.2.3.4 http 10.0.0.1");
    // Repeated header lines are joined in order, so the last line is the proxy's.
    auto req = make_request("GET", "/");
    req.headers.add("x-forwarded-for", "6.6.6.6");
    req.headers.add("x-forwarded-for", "1.2.3.4");
    req.headers.merge_repeats();
    req.remote_addr = "10.0.0.1";
    CHECK(run_handler(app, req).body_string() == "1.2.3.4 http 10.0.0.1");
    CHECK(req.ext.get<rk::proxy_peer>().remote_addr == "10.0.0.1");
}

TEST_CASE("a chain of trusted proxies is skipped; a client claiming a trusted address stops nothing") {
    auto app = who() | rk::wrap_forwarded({.trusted = {"10.0.0.0/8", "192.168.1.0/24"}});
    CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", "6.6.6.6, 1.2.3.4, 192.168.1.7, 10.9.9.9"}}) ==
          "1.2.3.4 http 10.0.0.1");
    // All hops trusted: the farthest one known.
    CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", "192.168.1.7, 10.9.9.9"}}) == "192.168.1.7 http 10.0.0.1");
    // A trusted-looking address left of the real client is never reached.
    CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", "10.1.1.1, 1.2.3.4"}}) == "1.2.3.4 http 10.0.0.1");
}

TEST_CASE("garbage in the walked part keeps the peer; garbage left of the client is never read") {
    auto app = who() | rk::wrap_forwarded({.trusted = {"10.0.0.0/8"}});
    for (std::string_view bad :
         {"garbage", "", " , ", "1.2.3.4, ", "1.2.3.4.5", "1.2.3", "999.1.1.1", "1.2.3.4/8", "fe80::1%eth0",
          "[1.2.3.4]", "[::1", "::1]:80", "1.2.3.4:http", "1.2.3.4:123456", "unknown", "\x01", "1.2.3.4\r\n"}) {
        CAPTURE(bad);
        CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", bad}}) == "10.0.0.1 http 10.0.0.1");
    }
    CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", "][::garbage,,, 1.2.3.4"}}) == "1.2.3.4 http 10.0.0.1");
    // Garbage right of a trusted hop: the last good address walked stands.
    CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", "garbage, 10.2.2.2"}}) == "10.2.2.2 http 10.0.0.1");
}

TEST_CASE("IPv6, IPv4-mapped peers and entries, ports") {
    auto app = who() | rk::wrap_forwarded({.trusted = {"127.0.0.1/32", "::1/128", "2001:db8::/32"}});
    CHECK(ask(app, "::1", {{"X-Forwarded-For", "2001:DB9::17"}}) == "2001:db9::17 http ::1");
    CHECK(ask(app, "::ffff:127.0.0.1", {{"X-Forwarded-For", "1.2.3.4"}}) == "1.2.3.4 http ::ffff:127.0.0.1");
    CHECK(ask(app, "::1", {{"X-Forwarded-For", "::ffff:1.2.3.4"}}) == "1.2.3.4 http ::1");
    CHECK(ask(app, "::1", {{"X-Forwarded-For", "1.2.3.4:5678"}}) == "1.2.3.4 http ::1");
    CHECK(ask(app, "::1", {{"X-Forwarded-For", "[2001:db9::1]:443"}}) == "2001:db9::1 http ::1");
    CHECK(ask(app, "::1", {{"X-Forwarded-For", "5.5.5.5, 2001:db8:ffff::1"}}) == "5.5.5.5 http ::1");
    // An IPv4 range matches the IPv4-mapped form of its addresses and nothing else.
    CHECK(ask(app, "::ffff:127.0.0.2", {{"X-Forwarded-For", "1.2.3.4"}}) == "::ffff:127.0.0.2 http ::ffff:127.0.0.2");
    CHECK(ask(app, "::7f00:1", {{"X-Forwarded-For", "1.2.3.4"}}) == "::7f00:1 http ::7f00:1");
}

TEST_CASE("X-Forwarded-Proto: http or https only, one value") {
    auto app = who() | rk::wrap_forwarded();
    CHECK(ask(app, "127.0.0.1", {{"X-Forwarded-Proto", "https"}}) == "127.0.0.1 https 127.0.0.1");
    CHECK(ask(app, "127.0.0.1", {{"X-Forwarded-Proto", "HTTPS"}}) == "127.0.0.1 https 127.0.0.1");
    for (std::string_view bad : {"ftp", "https, http", "", "https;", "javascript"}) {
        CAPTURE(bad);
        CHECK(ask(app, "127.0.0.1", {{"X-Forwarded-Proto", bad}}) == "127.0.0.1 http 127.0.0.1");
    }
    auto req = make_request("GET", "/", {{"X-Forwarded-Proto", "https"}});
    req.remote_addr = "127.0.0.1";
    run_handler(app, req);
    CHECK(req.ext.get<rk::proxy_peer>().scheme == "http");
}

TEST_CASE("a long chain of trusted hops is walked only up to max_hops") {
    auto app = who() | rk::wrap_forwarded({.trusted = {"10.0.0.0/8"}, .max_hops = 3});
    CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", "1.1.1.1, 10.0.0.2, 10.0.0.3"}}) == "1.1.1.1 http 10.0.0.1");
    CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", "1.1.1.1, 10.0.0.2, 10.0.0.3, 10.0.0.4"}}) ==
          "10.0.0.1 http 10.0.0.1");
    std::string many;
    for (int i = 0; i < 10'000; ++i) many += "6.6.6.6, ";
    many += "1.2.3.4";
    CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", many}}) == "1.2.3.4 http 10.0.0.1");
}

TEST_CASE("RFC 7239 Forwarded, when chosen, is the only header read") {
    auto app = who() | rk::wrap_forwarded({.trusted = {"10.0.0.0/8"}, .header = rk::forwarded_header::forwarded});
    CHECK(ask(app, "10.0.0.1", {{"Forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43"}}) ==
          "192.0.2.60 https 10.0.0.1");
    CHECK(ask(app, "10.0.0.1", {{"Forwarded", R"(For="[2001:db8:cafe::17]:4711")"}}) ==
          "2001:db8:cafe::17 http 10.0.0.1");
    CHECK(ask(app, "10.0.0.1", {{"Forwarded", R"(for="1.2.3.4:80";proto=https, for=10.1.1.1;proto=http)"}}) ==
          "1.2.3.4 https 10.0.0.1");
    // Spoofed left part; the proxy's element is right-most.
    CHECK(ask(app, "10.0.0.1", {{"Forwarded", "for=6.6.6.6;proto=https, for=1.2.3.4"}}) == "1.2.3.4 http 10.0.0.1");
    // X-Forwarded-* is ignored in this mode (and Forwarded in the other).
    CHECK(ask(app, "10.0.0.1", {{"X-Forwarded-For", "1.2.3.4"}, {"X-Forwarded-Proto", "https"}}) ==
          "10.0.0.1 http 10.0.0.1");
    auto xff = who() | rk::wrap_forwarded({.trusted = {"10.0.0.0/8"}});
    CHECK(ask(xff, "10.0.0.1", {{"Forwarded", "for=1.2.3.4;proto=https"}}) == "10.0.0.1 http 10.0.0.1");
    // From an untrusted peer, nothing.
    CHECK(ask(app, "8.8.8.8", {{"Forwarded", "for=1.2.3.4"}}) == "8.8.8.8 http 8.8.8.8");
}

TEST_CASE("a malformed Forwarded header is ignored as a whole") {
    auto app = who() | rk::wrap_forwarded({.trusted = {"10.0.0.0/8"}, .header = rk::forwarded_header::forwarded});
    for (std::string_view bad :
         {"for=", "for", "=1.2.3.4", "for=::1", "for=\"1.2.3.4", "for=1.2.3.4;", "for=1.2.3.4,",
          "for=1.2.3.4 for=5.6.7.8", "for=unknown", "for=_hidden", "for=\"[::1\"", "for=\"1.2.3.4\x01\"",
          // An unterminated quote swallows the proxy's element: nothing can be trusted.
          "for=\"6.6.6.6, for=1.2.3.4"}) {
        CAPTURE(bad);
        CHECK(ask(app, "10.0.0.1", {{"Forwarded", bad}}) == "10.0.0.1 http 10.0.0.1");
    }
    CHECK(ask(app, "10.0.0.1", {{"Forwarded", R"(for="\"quoted\", comma", for=1.2.3.4)"}}) == "1.2.3.4 http 10.0.0.1");
}

TEST_CASE("a request without forwarding headers from a trusted proxy keeps the peer") {
    auto app = who() | rk::wrap_forwarded();
    CHECK(ask(app, "127.0.0.1", {}) == "127.0.0.1 http 127.0.0.1");
    CHECK(ask(app, "", {{"X-Forwarded-For", "1.2.3.4"}}) == " http ");  // no peer (a unit test) is untrusted
}

TEST_CASE("a bad trusted entry is refused when the middleware is built") {
    for (std::string bad : {"10.0.0.0/33", "::/129", "localhost", "10.0.0.0/", "10.0.0.0/x", "", "1.2.3.4/8/8"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(rk::wrap_forwarded({.trusted = {bad}}), std::invalid_argument);
    }
    CHECK_NOTHROW(rk::wrap_forwarded({.trusted = {"0.0.0.0/0", "::/0", "10.1.2.3/8", "fe80::1"}}));
}

TEST_CASE("a plain handler stack stays plain") {
    auto app = who() | rk::wrap_forwarded();
    rk::request req;
    req.remote_addr = "127.0.0.1";
    CHECK(std::holds_alternative<rk::response>(app.invoke(req)));
}
