#include "ringkit/ws/client_handshake.hpp"

#include <doctest/doctest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using namespace ringkit::ws;
using ringkit::header_list;
using ringkit::request_headers;

namespace client_handshake_test {

// RFC 6455 §1.3's example key and its answer.
const std::string key = "dGhlIHNhbXBsZSBub25jZQ==";
const std::string good_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

request_headers headers(std::initializer_list<std::pair<std::string_view, std::string_view>> list) {
    request_headers h;
    for (auto [name, value] : list) h.add(name, value);
    return h;
}

// A valid 101's headers plus `more`.
request_headers answer(std::initializer_list<std::pair<std::string_view, std::string_view>> more = {}) {
    request_headers h =
        headers({{"upgrade", "websocket"}, {"connection", "Upgrade"}, {"sec-websocket-accept", good_accept}});
    for (auto [name, value] : more) h.add(name, value);
    return h;
}

std::error_code check(const request_headers& h, const client_handshake_options& o = {}, int status = 101) {
    client_handshake hs(key);
    return hs.check(status, h, o);
}

client_handshake_options with_deflate(deflate_options d = {.enabled = true}) {
    client_handshake_options o;
    o.deflate = d;
    return o;
}

TEST_CASE("the request: a GET with the upgrade headers, the key, and what is offered") {
    client_handshake hs(key);
    client_handshake_options o;
    o.protocols = {"chat", "superchat"};
    o.headers.add("Origin", "http://example.com");
    auto r = hs.request("example.com:8080", "/chat?room=1", o);
    CHECK(r.starts_with("GET /chat?room=1 HTTP/1.1\r\nHost: example.com:8080\r\n"));
    CHECK(r.find("\r\nUpgrade: websocket\r\n") != std::string::npos);
    CHECK(r.find("\r\nConnection: Upgrade\r\n") != std::string::npos);
    CHECK(r.find("\r\nSec-WebSocket-Key: " + key + "\r\n") != std::string::npos);
    CHECK(r.find("\r\nSec-WebSocket-Version: 13\r\n") != std::string::npos);
    CHECK(r.find("\r\nSec-WebSocket-Protocol: chat, superchat\r\n") != std::string::npos);
    CHECK(r.find("\r\nOrigin: http://example.com\r\n") != std::string::npos);
    CHECK(r.find("Sec-WebSocket-Extensions") == std::string::npos);  // deflate is off by default
    CHECK(r.ends_with("\r\n\r\n"));
}

TEST_CASE("the request offers permessage-deflate as configured") {
    client_handshake hs(key);
    CHECK(hs.request("h", "/", with_deflate())
              .find("\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n") !=
          std::string::npos);
    auto r = hs.request("h", "/",
                        with_deflate({.enabled = true,
                                      .server_max_window_bits = 10,
                                      .client_max_window_bits = 12,
                                      .server_no_context_takeover = true,
                                      .client_no_context_takeover = true}));
    CHECK(r.find("\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
                 "client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12\r\n") !=
          std::string::npos);
}

TEST_CASE("a Host header given replaces the URL's") {
    client_handshake hs(key);
    client_handshake_options o;
    o.headers.add("Host", "virtual.example");
    auto r = hs.request("127.0.0.1:80", "/", o);
    CHECK(r.find("Host: 127.0.0.1") == std::string::npos);
    CHECK(r.find("\r\nHost: virtual.example\r\n") != std::string::npos);
}

TEST_CASE("a header that would break the request, or that the handshake owns, is refused") {
    client_handshake hs(key);
    for (const auto& header : std::vector<std::pair<std::string, std::string>>{{"X-Evil", "a\r\nInjected: yes"},
                                                                               {"X-Evil", "a\nb"},
                                                                               {"Bad Name", "v"},
                                                                               {"", "v"},
                                                                               {"Sec-WebSocket-Key", "x"},
                                                                               {"upgrade", "h2c"},
                                                                               {"Connection", "close"},
                                                                               {"Sec-WebSocket-Extensions", "x"}}) {
        CAPTURE(header.first);
        client_handshake_options o;
        o.headers.add(header.first, header.second);
        CHECK_THROWS_AS(hs.request("h", "/", o), std::invalid_argument);
    }
    client_handshake_options o;
    o.protocols = {"not a token"};
    CHECK_THROWS_AS(hs.request("h", "/", o), std::invalid_argument);
}

TEST_CASE("keys are 16 bytes from the CSPRNG in base64, fresh for every handshake") {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        client_handshake hs;
        CHECK(ringkit::ws::detail::is_valid_key(hs.key()));
        seen.insert(hs.key());
    }
    CHECK(seen.size() == 100);
}

TEST_CASE("a valid 101 passes; names and the tokens' case do not matter") {
    CHECK_FALSE(check(answer()));
    CHECK_FALSE(check(headers(
        {{"UPGRADE", "WebSocket"}, {"Connection", "keep-alive, upgrade"}, {"Sec-WebSocket-Accept", good_accept}})));
}

TEST_CASE("every bad answer gives its error") {
    using e = handshake_error;
    SUBCASE("not a 101") {
        CHECK(check(answer(), {}, 200) == e::not_switching);
        CHECK(check(answer(), {}, 403) == e::not_switching);
    }
    SUBCASE("Upgrade") {
        CHECK(check(headers({{"connection", "upgrade"}, {"sec-websocket-accept", good_accept}})) == e::bad_upgrade);
        CHECK(check(headers({{"upgrade", "h2c"}, {"connection", "upgrade"}, {"sec-websocket-accept", good_accept}})) ==
              e::bad_upgrade);
        CHECK(check(headers(
                  {{"upgrade", "websocket, h2c"}, {"connection", "upgrade"}, {"sec-websocket-accept", good_accept}})) ==
              e::bad_upgrade);
    }
    SUBCASE("Connection") {
        CHECK(check(headers({{"upgrade", "websocket"}, {"sec-websocket-accept", good_accept}})) == e::bad_connection);
        CHECK(check(headers(
                  {{"upgrade", "websocket"}, {"connection", "close"}, {"sec-websocket-accept", good_accept}})) ==
              e::bad_connection);
    }
    SUBCASE("Sec-WebSocket-Accept") {
        CHECK(check(headers({{"upgrade", "websocket"}, {"connection", "upgrade"}})) == e::bad_accept);
        CHECK(check(headers({{"upgrade", "websocket"},
                             {"connection", "upgrade"},
                             {"sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOq="}})) == e::bad_accept);
        CHECK(check(answer({{"sec-websocket-accept", good_accept}})) == e::bad_accept);  // twice
        client_handshake other;  // another key: the same answer no longer fits
        CHECK(other.check(101, answer(), {}) == e::bad_accept);
    }
    SUBCASE("Sec-WebSocket-Protocol") {
        client_handshake_options o;
        CHECK(check(answer({{"sec-websocket-protocol", "chat"}}), o) == e::bad_protocol);  // none offered
        o.protocols = {"chat", "superchat"};
        CHECK(check(answer({{"sec-websocket-protocol", "other"}}), o) == e::bad_protocol);
        CHECK(check(answer({{"sec-websocket-protocol", "Chat"}}), o) == e::bad_protocol);  // exact match
        CHECK(check(answer({{"sec-websocket-protocol", "chat, superchat"}}), o) == e::bad_protocol);
        CHECK(check(answer({{"sec-websocket-protocol", "chat"}, {"sec-websocket-protocol", "chat"}}), o) ==
              e::bad_protocol);
    }
    SUBCASE("Sec-WebSocket-Extensions") {
        auto ext = [](std::string_view value, client_handshake_options o = with_deflate()) {
            return check(answer({{"sec-websocket-extensions", value}}), o);
        };
        CHECK(ext("permessage-deflate", {}) == e::bad_extension);  // not offered
        CHECK(ext("x-webkit-deflate-frame") == e::bad_extension);
        CHECK(ext("permessage-deflate, permessage-deflate") == e::bad_extension);
        CHECK(ext("permessage-deflate, x-other") == e::bad_extension);
        CHECK(ext("permessage-deflate; unknown=1") == e::bad_extension);
        CHECK(ext("permessage-deflate; server_no_context_takeover; server_no_context_takeover") == e::bad_extension);
        CHECK(ext("permessage-deflate; server_no_context_takeover=1") == e::bad_extension);
        CHECK(ext("permessage-deflate; client_max_window_bits") == e::bad_extension);  // an answer needs its value
        CHECK(ext("permessage-deflate; client_max_window_bits=16") == e::bad_extension);
        CHECK(ext("permessage-deflate; client_max_window_bits=08") == e::bad_extension);
        CHECK(ext("permessage-deflate; server_max_window_bits=7") == e::bad_extension);
        CHECK(ext("permessage-deflate; server_max_window_bits") == e::bad_extension);
        CHECK(ext("permessage-deflate;") == e::bad_extension);
        CHECK(ext(",") == e::bad_extension);
        // Against what we offered.
        auto asked = with_deflate({.enabled = true,
                                   .server_max_window_bits = 10,
                                   .client_max_window_bits = 12,
                                   .server_no_context_takeover = true});
        CHECK(ext("permessage-deflate; server_no_context_takeover", asked) == e::bad_extension);  // no window
        CHECK(ext("permessage-deflate; server_no_context_takeover; server_max_window_bits=11", asked) ==
              e::bad_extension);
        CHECK(ext("permessage-deflate; server_max_window_bits=10", asked) == e::bad_extension);  // no reset
        CHECK(ext("permessage-deflate; server_no_context_takeover; server_max_window_bits=10; "
                  "client_max_window_bits=13",
                  asked) == e::bad_extension);
        CHECK_FALSE(ext("permessage-deflate; server_no_context_takeover; server_max_window_bits=10", asked));
    }
}

#if RINGKIT_WS_DEFLATE
TEST_CASE("the deflate agreed: the answer's parameters, and our own promises") {
    client_handshake hs(key);
    auto o = with_deflate({.enabled = true, .client_no_context_takeover = true});
    REQUIRE_FALSE(hs.check(101, answer({{"sec-websocket-extensions", "permessage-deflate"}}), o));
    REQUIRE(hs.deflate());
    CHECK(*hs.deflate() == deflate_params{.server_max_window_bits = 15,
                                          .client_max_window_bits = 15,
                                          .server_no_context_takeover = false,
                                          .client_no_context_takeover = true});
    REQUIRE_FALSE(hs.check(
        101,
        answer(
            {{"Sec-WebSocket-Extensions",
              R"(permessage-deflate; server_no_context_takeover; server_max_window_bits="9"; client_max_window_bits=8)"}}),
        o));
    CHECK(*hs.deflate() == deflate_params{.server_max_window_bits = 9,
                                          .client_max_window_bits = 8,
                                          .server_no_context_takeover = true,
                                          .client_no_context_takeover = true});
    // Offered, but the server declined: no compression, no error.
    REQUIRE_FALSE(hs.check(101, answer(), o));
    CHECK_FALSE(hs.deflate());
}
#endif

#if RINGKIT_WS_DEFLATE
TEST_CASE("whatever both ends are configured with, ringkit's server's answer to our offer is accepted as agreed") {
    int agreed = 0;
    for (int c_server : {9, 12, 15})
        for (int c_client : {9, 12, 15})
            for (int c_flags = 0; c_flags < 4; ++c_flags)
                for (int s_server : {9, 12, 15})
                    for (int s_client : {9, 12, 15})
                        for (int s_flags = 0; s_flags < 4; ++s_flags) {
                            const deflate_options ours{.enabled = true,
                                                       .server_max_window_bits = c_server,
                                                       .client_max_window_bits = c_client,
                                                       .server_no_context_takeover = (c_flags & 1) != 0,
                                                       .client_no_context_takeover = (c_flags & 2) != 0};
                            const deflate_options theirs{.enabled = true,
                                                         .server_max_window_bits = s_server,
                                                         .client_max_window_bits = s_client,
                                                         .server_no_context_takeover = (s_flags & 1) != 0,
                                                         .client_no_context_takeover = (s_flags & 2) != 0};
                            client_handshake hs(key);
                            const auto request = hs.request("h", "/", with_deflate(ours));
                            const auto at = request.find("Sec-WebSocket-Extensions: ") + 26;
                            const auto offer = request.substr(at, request.find("\r\n", at) - at);
                            const auto p = negotiate_deflate(offer, theirs);
                            REQUIRE(p);
                            const auto answer_text = format_deflate_response(*p);
                            CAPTURE(offer);
                            CAPTURE(answer_text);
                            REQUIRE_FALSE(
                                hs.check(101, answer({{"sec-websocket-extensions", answer_text}}), with_deflate(ours)));
                            REQUIRE(hs.deflate());
                            CHECK(hs.deflate()->server_max_window_bits == p->server_max_window_bits);
                            CHECK(hs.deflate()->client_max_window_bits == p->client_max_window_bits);
                            CHECK(hs.deflate()->server_no_context_takeover == p->server_no_context_takeover);
                            CHECK(hs.deflate()->client_no_context_takeover == p->client_no_context_takeover);
                            ++agreed;
                        }
    CHECK(agreed == 36 * 36);
}
#endif

TEST_CASE("the subprotocol chosen") {
    client_handshake hs(key);
    client_handshake_options o;
    o.protocols = {"chat", "superchat"};
    REQUIRE_FALSE(hs.check(101, answer({{"sec-websocket-protocol", " superchat "}}), o));
    CHECK(hs.protocol() == "superchat");
    REQUIRE_FALSE(hs.check(101, answer(), o));
    CHECK(hs.protocol().empty());
}

TEST_CASE("handshake errors have a category and a message") {
    std::error_code ec = handshake_error::bad_accept;
    CHECK(ec.category().name() == std::string_view("ringkit.ws.handshake"));
    CHECK(ec.message().find("Accept") != std::string::npos);
}

}  // namespace client_handshake_test
