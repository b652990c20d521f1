#include "ringkit/client/url.hpp"

#include <doctest/doctest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <system_error>

using ringkit::client_error;
using ringkit::parse_url;
using ringkit::parsed_url;
using ringkit::resolve_reference;

namespace url_test {

parsed_url parse_ok(std::string_view text) {
    std::error_code ec = client_error::closed_early;  // must be cleared
    auto u = parse_url(text, ec);
    CHECK_MESSAGE(!ec, text);
    return u;
}

std::error_code parse_error(std::string_view text) {
    std::error_code ec;
    const auto u = parse_url(text, ec);
    CHECK(u == parsed_url{});
    return ec;
}

std::string resolved(std::string_view reference) {
    return resolve_reference("http://a/b/c/d;p?q", reference).value_or("<none>");
}

TEST_CASE("an absolute URL is taken apart into what a connection needs") {
    auto u = parse_ok("http://example.com/a/b?x=1&y=2#frag");
    CHECK(u.scheme == "http");
    CHECK(u.host == "example.com");
    CHECK(u.port == 80);
    CHECK(u.target == "/a/b?x=1&y=2");
    CHECK(!u.userinfo);
    CHECK(!u.secure());
    CHECK(u.authority() == "example.com");
    CHECK(u.origin() == "http://example.com:80");
    CHECK(u.str() == "http://example.com/a/b?x=1&y=2");

    u = parse_ok("HTTPS://Example.COM:8443");
    CHECK(u.scheme == "https");
    CHECK(u.host == "example.com");
    CHECK(u.port == 8443);
    CHECK(u.target == "/");
    CHECK(u.secure());
    CHECK(u.authority() == "example.com:8443");

    CHECK(parse_ok("https://h").port == 443);
    CHECK(parse_ok("ws://h").port == 80);
    CHECK(parse_ok("wss://h/chat").port == 443);
    CHECK(parse_ok("wss://h/chat").secure());
    CHECK(parse_ok("http://h:443/").authority() == "h:443");
    CHECK(parse_ok("https://h:443/").authority() == "h");
    CHECK(parse_ok("http://h:/").port == 80);  // RFC 3986 §3.2.3: an empty port is the default
    CHECK(parse_ok("http://h?q").target == "/?q");
    CHECK(parse_ok("http://h/?").target == "/?");
    CHECK(parse_ok("http://h#only-a-fragment").target == "/");
    CHECK(parse_ok("http://my_host-1.internal/").host == "my_host-1.internal");
}

TEST_CASE("IPv6 literals keep their brackets; host_name drops them") {
    auto u = parse_ok("http://[::1]:8080/x");
    CHECK(u.host == "[::1]");
    CHECK(u.host_name() == "::1");
    CHECK(u.port == 8080);
    CHECK(u.authority() == "[::1]:8080");
    u = parse_ok("https://[2001:DB8::A]/");
    CHECK(u.host == "[2001:db8::a]");
    CHECK(u.port == 443);
    CHECK(u.authority() == "[2001:db8::a]");
    CHECK(parse_ok("http://[::ffff:192.0.2.1]/").host == "[::ffff:192.0.2.1]");
    CHECK(parse_ok("http://example.com/").host_name() == "example.com");
}

TEST_CASE("userinfo is %-decoded for basic auth and left out of the URL's strings") {
    auto u = parse_ok("http://Al%20ice:p%40ss:word@h/");
    REQUIRE(u.userinfo);
    CHECK(u.userinfo->user == "Al ice");
    CHECK(u.userinfo->password == "p@ss:word");
    CHECK(u.str() == "http://h/");
    CHECK(u.origin() == "http://h:80");
    u = parse_ok("http://bob@h/");
    REQUIRE(u.userinfo);
    CHECK(u.userinfo->user == "bob");
    CHECK(u.userinfo->password.empty());
    u = parse_ok("http://a@b@h/");  // the last '@' ends the userinfo
    REQUIRE(u.userinfo);
    CHECK(u.userinfo->user == "a@b");
    CHECK(u.host == "h");
    CHECK(parse_error("http://bad%zz@h/") == client_error::bad_url);
}

TEST_CASE("the path has its dot segments removed and non-ASCII bytes %-encoded") {
    CHECK(parse_ok("http://h/a/./b/../c").target == "/a/c");
    CHECK(parse_ok("http://h/../../x").target == "/x");
    CHECK(parse_ok("http://h/a/..").target == "/");
    CHECK(parse_ok("http://h/%7Euser/%2e").target == "/%7Euser/%2e");
    CHECK(parse_ok("http://h/caf\xc3\xa9?q=\xc3\xa9").target == "/caf%C3%A9?q=%C3%A9");
    CHECK(parse_ok("http://h/a?b/../c").target == "/a?b/../c");  // the query is not a path
}

TEST_CASE("garbage is bad_url and other schemes unsupported_scheme, never a crash") {
    for (std::string_view bad : {"",
                                 "http",
                                 "http:",
                                 "http:/",
                                 "http:h",
                                 "http:/h/",
                                 "//h/",
                                 "/just/a/path",
                                 "h/",
                                 "http://",
                                 "http:///x",
                                 "http://h:99999/",
                                 "http://h:0/",
                                 "http://h:-1/",
                                 "http://h:8x/",
                                 "http://h:+80/",
                                 "http://h:80:80/",
                                 "http://a b/",
                                 "http://h/a b",
                                 " http://h/",
                                 "http://h/\t",
                                 "http://h/\r\nX: y",
                                 "http://h/\x7f",
                                 "http://h\xc3\xa9/",
                                 "http://h%41/",
                                 "http://h;x/",
                                 "http://[::1/",
                                 "http://[]/",
                                 "http://[g::1]/",
                                 "http://[fe80::1%25eth0]/",
                                 "http://[1:2]/",
                                 "http://[:::]/",
                                 "http://[::1::2]/",
                                 "http://[12345::]/",
                                 "http://[v1.x]/",
                                 "http://[1.2.3.4]/",
                                 "http://h/%",
                                 "http://h/%4",
                                 "http://h/%zz",
                                 "http://h/?%g0",
                                 "http://@/",
                                 "http://u@/",
                                 "http://[::1]x/",
                                 "1http://h/"}) {
        CHECK_MESSAGE(parse_error(bad) == client_error::bad_url, bad);
    }
    for (std::string_view other : {"ftp://h/", "file:///etc/passwd", "mailto:a@b", "javascript:alert(1)", "h2c://h/"})
        CHECK_MESSAGE(parse_error(other) == client_error::unsupported_scheme, other);
}

TEST_CASE("origins: scheme, host and port") {
    using ringkit::same_origin;
    const auto a = parse_ok("http://example.com/a");
    CHECK(same_origin(a, parse_ok("http://EXAMPLE.com:80/b?c")));
    CHECK(same_origin(a, parse_ok("http://u:p@example.com/")));
    CHECK(!same_origin(a, parse_ok("https://example.com/a")));
    CHECK(!same_origin(a, parse_ok("http://example.com:8080/a")));
    CHECK(!same_origin(a, parse_ok("http://www.example.com/a")));
    CHECK(!same_origin(a, parse_ok("ws://example.com/a")));
}

TEST_CASE("RFC 3986 §5.4.1: normal examples") {
    CHECK(resolved("g:h") == "g:h");
    CHECK(resolved("g") == "http://a/b/c/g");
    CHECK(resolved("./g") == "http://a/b/c/g");
    CHECK(resolved("g/") == "http://a/b/c/g/");
    CHECK(resolved("/g") == "http://a/g");
    CHECK(resolved("//g") == "http://g");
    CHECK(resolved("?y") == "http://a/b/c/d;p?y");
    CHECK(resolved("g?y") == "http://a/b/c/g?y");
    CHECK(resolved("#s") == "http://a/b/c/d;p?q#s");
    CHECK(resolved("g#s") == "http://a/b/c/g#s");
    CHECK(resolved("g?y#s") == "http://a/b/c/g?y#s");
    CHECK(resolved(";x") == "http://a/b/c/;x");
    CHECK(resolved("g;x") == "http://a/b/c/g;x");
    CHECK(resolved("g;x?y#s") == "http://a/b/c/g;x?y#s");
    CHECK(resolved("") == "http://a/b/c/d;p?q");
    CHECK(resolved(".") == "http://a/b/c/");
    CHECK(resolved("./") == "http://a/b/c/");
    CHECK(resolved("..") == "http://a/b/");
    CHECK(resolved("../") == "http://a/b/");
    CHECK(resolved("../g") == "http://a/b/g");
    CHECK(resolved("../..") == "http://a/");
    CHECK(resolved("../../") == "http://a/");
    CHECK(resolved("../../g") == "http://a/g");
}

TEST_CASE("RFC 3986 §5.4.2: abnormal examples") {
    CHECK(resolved("../../../g") == "http://a/g");
    CHECK(resolved("../../../../g") == "http://a/g");
    CHECK(resolved("/./g") == "http://a/g");
    CHECK(resolved("/../g") == "http://a/g");
    CHECK(resolved("g.") == "http://a/b/c/g.");
    CHECK(resolved(".g") == "http://a/b/c/.g");
    CHECK(resolved("g..") == "http://a/b/c/g..");
    CHECK(resolved("..g") == "http://a/b/c/..g");
    CHECK(resolved("./../g") == "http://a/b/g");
    CHECK(resolved("./g/.") == "http://a/b/c/g/");
    CHECK(resolved("g/./h") == "http://a/b/c/g/h");
    CHECK(resolved("g/../h") == "http://a/b/c/h");
    CHECK(resolved("g;x=1/./y") == "http://a/b/c/g;x=1/y");
    CHECK(resolved("g;x=1/../y") == "http://a/b/c/y");
    CHECK(resolved("g?y/./x") == "http://a/b/c/g?y/./x");
    CHECK(resolved("g?y/../x") == "http://a/b/c/g?y/../x");
    CHECK(resolved("g#s/./x") == "http://a/b/c/g#s/./x");
    CHECK(resolved("g#s/../x") == "http://a/b/c/g#s/../x");
    CHECK(resolved("http:g") == "http:g");  // strict parsers
}

TEST_CASE("remove_dot_segments follows RFC 3986 §5.2.4") {
    using ringkit::remove_dot_segments;
    CHECK(remove_dot_segments("/a/b/c/./../../g") == "/a/g");  // the RFC's own example
    CHECK(remove_dot_segments("mid/content=5/../6") == "mid/6");
    CHECK(remove_dot_segments("") == "");
    CHECK(remove_dot_segments("/") == "/");
    CHECK(remove_dot_segments("/..") == "/");
    CHECK(remove_dot_segments("a/..") == "/");
    CHECK(remove_dot_segments("//x/../y") == "//y");
}

TEST_CASE("resolving needs an absolute base") {
    CHECK(!resolve_reference("/relative", "g"));
    CHECK(!resolve_reference("", "g"));
    CHECK(resolve_reference("http://a", "g") == "http://a/g");  // §5.2.3: an empty base path merges as "/"
}

TEST_CASE("a Location is resolved against the URL it answered") {
    using ringkit::resolve_location;
    const auto base = parse_ok("https://u:p@example.com:8443/a/b?q#f");
    std::error_code ec;
    auto next = resolve_location(base, "../c?d", ec);
    CHECK(!ec);
    CHECK(next.str() == "https://example.com:8443/c?d");
    CHECK(!next.userinfo);  // credentials are the caller's to carry, by origin
    CHECK(ringkit::same_origin(base, next));

    next = resolve_location(base, "//other.example/x#frag", ec);
    CHECK(!ec);
    CHECK(next.str() == "https://other.example/x");
    CHECK(!ringkit::same_origin(base, next));

    next = resolve_location(base, "http://EXAMPLE.com/", ec);
    CHECK(!ec);
    CHECK(next.origin() == "http://example.com:80");

    next = resolve_location(base, "", ec);
    CHECK(!ec);
    CHECK(next.str() == "https://example.com:8443/a/b?q");

    next = resolve_location(base, "/caf\xc3\xa9", ec);
    CHECK(!ec);
    CHECK(next.target == "/caf%C3%A9");

    resolve_location(base, "ftp://example.com/", ec);
    CHECK(ec == client_error::unsupported_scheme);
    resolve_location(base, "http:g", ec);  // a scheme with no authority: not a URL to request
    CHECK(ec == client_error::bad_url);
    resolve_location(base, "/a b", ec);
    CHECK(ec == client_error::bad_url);
    resolve_location(base, "http://[::1", ec);
    CHECK(ec == client_error::bad_url);
}

}  // namespace url_test
