#include "ringkit/middleware/cookies.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/run_handler.hpp"

namespace rk = ringkit;
using namespace std::chrono_literals;

namespace {

std::vector<std::pair<std::string, std::string>> parsed(std::string_view header, rk::cookie_options opt = {}) {
    auto c = rk::parse_cookies(header, opt);
    return {c.begin(), c.end()};
}

using pairs = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST_CASE("parse_cookies: ordinary headers") {
    CHECK(parsed("a=1; b=2") == pairs{{"a", "1"}, {"b", "2"}});
    CHECK(parsed("a=1;b=2") == pairs{{"a", "1"}, {"b", "2"}});            // joined repeats have no space
    CHECK(parsed("  a = 1 ;\tb=2 ; ") == pairs{{"a", "1"}, {"b", "2"}});  // stray whitespace
    CHECK(parsed("a=") == pairs{{"a", ""}});
    CHECK(parsed("a=x=y") == pairs{{"a", "x=y"}});  // only the first '=' splits
    CHECK(parsed("").empty());
    auto c = rk::parse_cookies("sid=abc; theme=dark");
    CHECK(c.get("theme") == "dark");
    CHECK(!c.get("missing"));
    CHECK(c.contains("sid"));
}

TEST_CASE("parse_cookies: hostile headers skip the bad pair, never the header") {
    CHECK(parsed("noequals; a=1") == pairs{{"a", "1"}});
    CHECK(parsed("=1; =; a=1") == pairs{{"a", "1"}});  // empty names
    CHECK(parsed(";;;; ; a=1;;") == pairs{{"a", "1"}});
    CHECK(parsed("a b=1; c=2") == pairs{{"c", "2"}});                          // space in a name
    CHECK(parsed("a\x01=1; b=\x7f; c=\x1b[31m; d=ok") == pairs{{"d", "ok"}});  // control characters
    CHECK(parsed("a=\"q\\\"x\"; b=\"unterminated; c=\"\"") == pairs{{"c", ""}});
    CHECK(parsed("a=\"quoted\"") == pairs{{"a", "quoted"}});
    CHECK(parsed("caf\xc3\xa9=1; v=caf\xc3\xa9; ok=1") == pairs{{"ok", "1"}});  // non-ASCII names and values
    CHECK(parsed("a=1,2 3") == pairs{{"a", "1,2 3"}});                          // what browsers accept, we accept
    CHECK(parsed(std::string("a=1\0b; c=3", 10)) == pairs{{"c", "3"}});         // NUL
}

TEST_CASE("parse_cookies: the first of a repeated name wins") {
    CHECK(parsed("a=1; a=2; b=3; a=4") == pairs{{"a", "1"}, {"b", "3"}});
}

TEST_CASE("parse_cookies: at most max_cookies are kept, however many are sent") {
    std::string many;
    for (int i = 0; i < 10000; ++i) many += "c" + std::to_string(i) + "=" + std::to_string(i) + "; ";
    auto c = rk::parse_cookies(many);
    CHECK(c.size() == 200);
    CHECK(c.get("c199") == "199");
    CHECK(!c.get("c200"));
    CHECK(rk::parse_cookies(many, {.max_cookies = 3}).size() == 3);
    CHECK(rk::parse_cookies(many, {.max_cookies = 0}).empty());
    std::string same;
    for (int i = 0; i < 10000; ++i) same += "x=" + std::to_string(i) + ";";
    CHECK(parsed(same) == pairs{{"x", "0"}});
}

TEST_CASE("find_cookie: the first well-formed one, past any max_cookies") {
    std::string many;
    for (int i = 0; i < 1000; ++i) many += "c" + std::to_string(i) + "=" + std::to_string(i) + "; ";
    CHECK(rk::find_cookie(many + "bad=\x01; sid=a%20b; sid=2", "sid") == "a b");
    CHECK(rk::find_cookie(many + "sid=a%20b", "sid", false) == "a%20b");
    CHECK(!rk::find_cookie(many + "sid", "sid"));
    CHECK(!rk::find_cookie("", "sid"));
}

TEST_CASE("parse_cookies: percent-decoding, on by default") {
    CHECK(parsed("a=hello%20world%3B; b=1+1") == pairs{{"a", "hello world;"}, {"b", "1+1"}});
    CHECK(parsed("a=50%off") == pairs{{"a", "50%off"}});  // malformed escape: kept as sent
    CHECK(parsed("a=%zz%") == pairs{{"a", "%zz%"}});
    CHECK(parsed("a=hello%20world", {.decode = false}) == pairs{{"a", "hello%20world"}});
}

TEST_CASE("wrap_cookies puts the cookies on the request; cookies_of needs it") {
    std::string seen;
    rk::handler h = [&](rk::request& req) {
        for (auto& [n, v] : rk::cookies_of(req)) seen += n + "=" + v + ",";
        return rk::response::text("ok");
    };
    auto app = h | rk::wrap_cookies();
    auto req = rk::test::make_request("GET", "/", {{"Cookie", "a=1"}, {"Cookie", "b=2; a=3"}});
    CHECK(rk::test::run_handler(app, req).status == 200);
    CHECK(seen == "a=1,b=2,");

    auto bare = rk::test::make_request("GET", "/");
    seen.clear();
    rk::test::run_handler(app, bare);
    CHECK(seen.empty());
    auto unwrapped = rk::test::make_request("GET", "/", {{"Cookie", "a=1"}});
    CHECK_THROWS_AS(rk::test::run_handler(h, unwrapped), std::logic_error);
}

TEST_CASE("format_set_cookie writes every attribute") {
    CHECK(rk::format_set_cookie("a", {.value = "1"}) == "a=1");
    rk::set_cookie all{
        .value = "v",
        .path = "/app",
        .domain = "example.com",
        .expires = std::chrono::system_clock::time_point(784111777s),
        .max_age = 3600s,
        .secure = true,
        .http_only = true,
        .same_site = rk::same_site_policy::none,
        .partitioned = true,
    };
    CHECK(rk::format_set_cookie("id", all) ==
          "id=v; Path=/app; Domain=example.com; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Max-Age=3600; Secure; "
          "HttpOnly; SameSite=None; Partitioned");
    CHECK(rk::format_set_cookie("a", {.same_site = rk::same_site_policy::strict}) == "a=; SameSite=Strict");
    CHECK(rk::format_set_cookie("a", {.same_site = rk::same_site_policy::lax}) == "a=; SameSite=Lax");
    CHECK(rk::format_set_cookie("a", {.max_age = -5s}) == "a=; Max-Age=0");
    CHECK(rk::format_set_cookie("a", {.domain = ".example.com"}) == "a=; Domain=.example.com");
    CHECK(rk::format_set_cookie("a", {.expires = std::chrono::system_clock::time_point(-100s)}) ==
          "a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    CHECK(rk::format_set_cookie("a", {.expires = std::chrono::system_clock::time_point::max()}) ==
          "a=; Expires=Fri, 11 Apr 2262 23:47:16 GMT");
    CHECK(rk::format_set_cookie("__Host-id", {.value = "1", .path = "/", .secure = true}) ==
          "__Host-id=1; Path=/; Secure");
}

TEST_CASE("set-cookie values are percent-encoded, and wrap_cookies decodes them back") {
    const std::string nasty = "a b;c\r\nSet-Cookie: evil=1\",\\%\x01\xff";
    auto line = rk::format_set_cookie("x", {.value = nasty});
    CHECK(line == "x=a%20b%3Bc%0D%0ASet-Cookie:%20evil=1%22%2C%5C%25%01%FF");
    for (unsigned char ch : line.substr(2)) CHECK(rk::detail::is_cookie_octet(ch));
    CHECK(rk::parse_cookies(line).get("x") == nasty);
}

TEST_CASE("format_set_cookie refuses what would inject or be dropped") {
    for (std::string_view bad : {"", "a b", "a;b", "a=b", "a\r\nb", "a\"", "caf\xc3\xa9", "a,b", "a\x7f"})
        CHECK_THROWS_AS(rk::format_set_cookie(bad, {}), std::invalid_argument);
    CHECK_THROWS_AS(rk::format_set_cookie("a", {.path = "/x; Domain=evil.com"}), std::invalid_argument);
    CHECK_THROWS_AS(rk::format_set_cookie("a", {.path = "/x\r\nX-Evil: 1"}), std::invalid_argument);
    CHECK_THROWS_AS(rk::format_set_cookie("a", {.path = ""}), std::invalid_argument);
    CHECK_THROWS_AS(rk::format_set_cookie("a", {.domain = "evil.com; Secure"}), std::invalid_argument);
    CHECK_THROWS_AS(rk::format_set_cookie("a", {.domain = "a\nb"}), std::invalid_argument);
    CHECK_THROWS_AS(rk::format_set_cookie("a", {.domain = "."}), std::invalid_argument);
    CHECK_THROWS_AS(rk::format_set_cookie("a", {.same_site = rk::same_site_policy::none}), std::invalid_argument);
    CHECK_THROWS_AS(rk::format_set_cookie("a", {.partitioned = true}), std::invalid_argument);
    CHECK_THROWS_AS(rk::format_set_cookie("__Secure-a", {}), std::invalid_argument);
    CHECK_THROWS_AS(rk::format_set_cookie("__host-a", {.path = "/", .domain = "x.com", .secure = true}),
                    std::invalid_argument);
    CHECK_THROWS_AS(rk::format_set_cookie("__Host-a", {.path = "/x", .secure = true}), std::invalid_argument);
    CHECK_THROWS_AS(rk::format_set_cookie("__Host-a", {.secure = true}), std::invalid_argument);
}

TEST_CASE("add_cookie and expire_cookie add one Set-Cookie line each") {
    rk::response res = rk::response::text("ok");
    rk::add_cookie(res, "a", {.value = "1", .http_only = true});
    rk::add_cookie(res, "b", {.value = "2"});
    rk::expire_cookie(res, "old", {.path = "/"});
    std::vector<std::string> lines;
    for (auto& [n, v] : res.headers)
        if (n == "Set-Cookie") lines.push_back(v);
    CHECK(lines == std::vector<std::string>{"a=1; HttpOnly", "b=2",
                                            "old=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"});
}
