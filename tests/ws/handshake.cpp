#include "ringkit/ws/handshake.hpp"

#include <doctest/doctest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

using namespace ringkit;
using ws::check_handshake;
using ws::handshake_options;

namespace {

using header_pairs = std::initializer_list<std::pair<std::string_view, std::string_view>>;

request make_request(header_pairs headers) {
    request r;
    for (auto& [name, value] : headers) r.headers.add(name, value);
    return r;
}

// The handshake of RFC 6455 §1.2.
request rfc_request(header_pairs extra = {}) {
    auto r = make_request({{"Host", "server.example.com"},
                           {"Upgrade", "websocket"},
                           {"Connection", "Upgrade"},
                           {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                           {"Origin", "http://example.com"},
                           {"Sec-WebSocket-Version", "13"}});
    for (auto& [name, value] : extra) r.headers.add(name, value);
    return r;
}

// rfc_request() with one header replaced (value "" removes it).
request with_header(std::string_view name, std::string_view value) {
    request r;
    auto base = rfc_request();
    for (auto [n, v] : base.headers)
        if (!ringkit::detail::iequals(n, name)) r.headers.add(n, v);
    if (!value.empty()) r.headers.add(name, value);
    return r;
}

std::string sha1_hex(std::string_view data) {
    ws::detail::sha1 h;
    h.update(data);
    std::string out;
    for (auto b : h.finish()) {
        static constexpr char digits[] = "0123456789abcdef";
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    return out;
}

}  // namespace

TEST_CASE("SHA-1: FIPS 180 test vectors") {
    CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    ws::detail::sha1 h;  // a million 'a', fed in uneven pieces
    const std::string piece(997, 'a');
    std::size_t left = 1'000'000;
    while (left) {
        auto n = std::min(left, piece.size());
        h.update(std::string_view(piece).substr(0, n));
        left -= n;
    }
    std::string hex;
    for (auto b : h.finish()) hex += "0123456789abcdef"[b >> 4], hex += "0123456789abcdef"[b & 15];
    CHECK(hex == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    // Lengths around the padding boundary (55, 56, 63, 64 bytes).
    CHECK(sha1_hex(std::string(55, 'a')) == "c1c8bbdc22796e28c0e15163d20899b65621d65a");
    CHECK(sha1_hex(std::string(56, 'a')) == "c2db330f6083854c99d4b5bfb6e8f29f201be699");
    CHECK(sha1_hex(std::string(64, 'a')) == "0098ba824b5c16427bd7a1122a5a442a25ec644d");
}

TEST_CASE("base64 and the RFC 6455 accept key") {
    using ws::detail::base64_encode;
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode(std::string_view("\xff\xfe\x00", 3)) == "//4A");
    // RFC 6455 §1.3 (and §4.2.2).
    CHECK(ws::accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("Sec-WebSocket-Key validity") {
    using ws::detail::is_valid_key;
    CHECK(is_valid_key("dGhlIHNhbXBsZSBub25jZQ=="));
    CHECK(is_valid_key("AAAAAAAAAAAAAAAAAAAAAA=="));
    CHECK(is_valid_key("/////////////////////w=="));
    CHECK(is_valid_key("+++++++++++++++++++++g=="));
    CHECK_FALSE(is_valid_key(""));
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ="));    // 23 characters
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ==="));  // 25
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQAA"));   // no padding
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZR=="));   // non-canonical: low bits of 'R' set
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25j=Q=="));   // padding inside
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25j*Q=="));   // not base64
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ-_"));   // base64url is not base64
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZA"));     // 16 bytes without padding
    CHECK_FALSE(is_valid_key(std::string_view("dGhlIHNhbXBsZSBub25jZQ==\0", 25)));
}

TEST_CASE("is_upgrade_request: case-insensitive token lists") {
    CHECK(ws::is_upgrade_request(rfc_request()));
    CHECK(ws::is_upgrade_request(make_request({{"Upgrade", "WebSocket"}, {"Connection", "keep-alive, Upgrade"}})));
    CHECK(ws::is_upgrade_request(make_request({{"Upgrade", "h2c, websocket"}, {"Connection", "UPGRADE"}})));
    CHECK(ws::is_upgrade_request(make_request({{"Upgrade", "websocket"},
                                               {"Connection", "keep-alive"},
                                               {"Connection", "upgrade"}})));  // repeated: joined with ","
    CHECK_FALSE(ws::is_upgrade_request(make_request({{"Upgrade", "websocket"}})));
    CHECK_FALSE(ws::is_upgrade_request(make_request({{"Connection", "Upgrade"}})));
    CHECK_FALSE(ws::is_upgrade_request(make_request({{"Upgrade", "h2c"}, {"Connection", "Upgrade"}})));
    CHECK_FALSE(ws::is_upgrade_request(make_request({{"Upgrade", "websocket/13"}, {"Connection", "Upgrade"}})));
    CHECK_FALSE(ws::is_upgrade_request(make_request({{"Upgrade", "websocket"}, {"Connection", "Upgraded"}})));
    CHECK_FALSE(ws::is_upgrade_request(request{}));
}

TEST_CASE("check_handshake accepts the RFC 6455 example") {
    auto r = check_handshake(rfc_request());
    REQUIRE(r.ok());
    CHECK(r.status == 101);
    CHECK(r.error.empty());
    CHECK(r.headers.get("Upgrade") == "websocket");
    CHECK(r.headers.get("Connection") == "Upgrade");
    CHECK(r.headers.get("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK_FALSE(r.headers.contains("Sec-WebSocket-Protocol"));
    CHECK_FALSE(r.headers.contains("Sec-WebSocket-Extensions"));
    CHECK(r.headers.size() == 3);
    CHECK(r.protocol.empty());
    CHECK_FALSE(r.deflate);

    auto res = r.to_response();
    CHECK(res.status == 101);
    CHECK(std::holds_alternative<std::monostate>(res.body));
    CHECK(res.headers.get("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("check_handshake: case-insensitive Upgrade and Connection tokens") {
    CHECK(check_handshake(with_header("Upgrade", "WebSocket")).ok());
    CHECK(check_handshake(with_header("Upgrade", "WEBSOCKET")).ok());
    CHECK(check_handshake(with_header("Connection", "keep-alive, Upgrade")).ok());
    CHECK(check_handshake(with_header("Connection", "upgrade")).ok());
    CHECK(check_handshake(with_header("Connection", "keep-alive,upgrade , x")).ok());
}

TEST_CASE("check_handshake: not a WebSocket request → 426 naming the protocol") {
    for (auto upgrade : {"", "h2c", "websocket2", "web socket"}) {
        CAPTURE(upgrade);
        auto r = check_handshake(with_header("Upgrade", upgrade));
        CHECK(r.status == 426);
        CHECK_FALSE(r.ok());
        CHECK_FALSE(r.error.empty());
        CHECK(r.headers.get("Upgrade") == "websocket");
        CHECK(r.headers.get("Sec-WebSocket-Version") == "13");
        CHECK_FALSE(r.headers.contains("Sec-WebSocket-Accept"));
        auto res = r.to_response();
        CHECK(res.status == 426);
        CHECK(res.body_string() == r.error);
        CHECK(res.headers.get("content-type") == "text/plain; charset=utf-8");
        CHECK(res.headers.get("sec-websocket-version") == "13");
    }
}

TEST_CASE("check_handshake: malformed handshakes → 400") {
    auto post = rfc_request();
    post.method_name = "POST";
    post.request_method = method::post;
    CHECK(check_handshake(post).status == 400);

    auto lower_get = rfc_request();
    lower_get.method_name = "get";  // methods are case-sensitive
    CHECK(check_handshake(lower_get).status == 400);

    auto http10 = rfc_request();
    http10.protocol = "HTTP/1.0";
    CHECK(check_handshake(http10).status == 400);

    CHECK(check_handshake(with_header("Connection", "")).status == 400);
    CHECK(check_handshake(with_header("Connection", "keep-alive")).status == 400);
    CHECK(check_handshake(with_header("Connection", "close")).status == 400);
    CHECK(check_handshake(with_header("Sec-WebSocket-Version", "")).status == 400);

    for (auto key : {"", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZR==", "dGhlIHNhbXBsZSBub25jZQ==x",
                     "not a key", "dGhlIHNhbXBsZSBub25jZQAA"}) {
        CAPTURE(key);
        auto r = check_handshake(with_header("Sec-WebSocket-Key", key));
        CHECK(r.status == 400);
        CHECK_FALSE(r.headers.contains("Sec-WebSocket-Accept"));
        CHECK(r.to_response().status == 400);
    }
    // Two keys are joined into one value with ",": no longer a key.
    CHECK(check_handshake(rfc_request({{"Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA=="}})).status == 400);
}

TEST_CASE("check_handshake: another protocol version → 426 with Sec-WebSocket-Version: 13") {
    for (auto version : {"8", "12", "14", "13, 8", "013", " 13x"}) {
        CAPTURE(version);
        auto r = check_handshake(with_header("Sec-WebSocket-Version", version));
        CHECK(r.status == 426);
        CHECK(r.headers.get("Sec-WebSocket-Version") == "13");
    }
}

TEST_CASE("check_handshake: origin check") {
    handshake_options opt;
    std::string seen = "unset";
    opt.check_origin = [&](std::string_view origin) {
        seen = origin;
        return origin == "http://example.com";
    };
    CHECK(check_handshake(rfc_request(), opt).ok());
    CHECK(seen == "http://example.com");

    auto r = check_handshake(with_header("Origin", "http://evil.example"), opt);
    CHECK(r.status == 403);
    CHECK(seen == "http://evil.example");
    CHECK(r.to_response().status == 403);

    CHECK(check_handshake(with_header("Origin", ""), opt).status == 403);  // absent: called with ""
    CHECK(seen.empty());

    // Without a check any origin will do; the check does not run for invalid requests.
    CHECK(check_handshake(with_header("Origin", "http://evil.example")).ok());
    seen = "unset";
    CHECK(check_handshake(with_header("Sec-WebSocket-Key", "x"), opt).status == 400);
    CHECK(seen == "unset");
}

TEST_CASE("requested_protocols: comma lists, repeated headers, blanks dropped") {
    CHECK(ws::requested_protocols(rfc_request()).empty());
    auto r = rfc_request({{"Sec-WebSocket-Protocol", " chat , superchat,,"}, {"Sec-WebSocket-Protocol", "v2"}});
    auto p = ws::requested_protocols(r);
    REQUIRE(p.size() == 3);
    CHECK(p[0] == "chat");
    CHECK(p[1] == "superchat");
    CHECK(p[2] == "v2");
}

TEST_CASE("check_handshake: subprotocol choice prefers ours, matches exactly") {
    handshake_options opt;
    opt.protocols = {"v2.chat", "chat"};

    auto r = check_handshake(rfc_request({{"Sec-WebSocket-Protocol", "chat, v2.chat"}}), opt);
    REQUIRE(r.ok());
    CHECK(r.protocol == "v2.chat");
    CHECK(r.headers.get("Sec-WebSocket-Protocol") == "v2.chat");

    r = check_handshake(rfc_request({{"Sec-WebSocket-Protocol", "mqtt"}, {"Sec-WebSocket-Protocol", "chat"}}), opt);
    CHECK(r.protocol == "chat");

    // Nothing in common, a different case, no offer: accepted without a protocol.
    for (auto offer : {"mqtt, wamp", "CHAT", "v2.chat2", ""}) {
        CAPTURE(offer);
        r = check_handshake(offer[0] ? rfc_request({{"Sec-WebSocket-Protocol", offer}}) : rfc_request(), opt);
        CHECK(r.ok());
        CHECK(r.protocol.empty());
        CHECK_FALSE(r.headers.contains("Sec-WebSocket-Protocol"));
    }

    // We speak none: the client's offer is ignored.
    r = check_handshake(rfc_request({{"Sec-WebSocket-Protocol", "chat"}}));
    CHECK(r.ok());
    CHECK(r.protocol.empty());
}

TEST_CASE("check_handshake: permessage-deflate only when enabled and offered") {
    const char* chrome = "permessage-deflate; client_max_window_bits";
    auto off = check_handshake(rfc_request({{"Sec-WebSocket-Extensions", chrome}}));
    CHECK(off.ok());
    CHECK_FALSE(off.deflate);
    CHECK_FALSE(off.headers.contains("Sec-WebSocket-Extensions"));

    handshake_options opt;
    opt.deflate.enabled = true;
    auto none = check_handshake(rfc_request(), opt);
    CHECK(none.ok());
    CHECK_FALSE(none.deflate);
    CHECK_FALSE(none.headers.contains("Sec-WebSocket-Extensions"));

    auto on = check_handshake(rfc_request({{"Sec-WebSocket-Extensions", chrome}}), opt);
    CHECK(on.ok());
    if (ws::deflate_available) {
        REQUIRE(on.deflate);
        CHECK(on.headers.get("Sec-WebSocket-Extensions") == "permessage-deflate");
        opt.deflate.client_max_window_bits = 12;
        opt.deflate.server_no_context_takeover = true;
        on = check_handshake(
            rfc_request({{"Sec-WebSocket-Extensions", "x-webkit-deflate-frame"}, {"Sec-WebSocket-Extensions", chrome}}),
            opt);
        REQUIRE(on.deflate);
        CHECK(on.deflate->client_max_window_bits == 12);
        CHECK(on.headers.get("Sec-WebSocket-Extensions") ==
              "permessage-deflate; server_no_context_takeover; client_max_window_bits=12");
        // An offer we cannot take is not an error.
        auto bad = check_handshake(rfc_request({{"Sec-WebSocket-Extensions", "permessage-deflate; foo"}}), opt);
        CHECK(bad.ok());
        CHECK_FALSE(bad.deflate);
        CHECK_FALSE(bad.headers.contains("Sec-WebSocket-Extensions"));
    } else {
        CHECK_FALSE(on.deflate);
        CHECK_FALSE(on.headers.contains("Sec-WebSocket-Extensions"));
    }
}
