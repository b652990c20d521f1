#include "ringkit/ws/close.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

using namespace ringkit::ws;

namespace {

std::string payload(std::uint16_t code, std::string_view reason = {}) {
    std::string s;
    s += static_cast<char>(code >> 8);
    s += static_cast<char>(code & 0xff);
    s += reason;
    return s;
}

}  // namespace

TEST_CASE("close: valid codes follow RFC 6455 §7.4 and the IANA registry") {
    // Autobahn 7.7.x: codes an endpoint must accept
    for (int c : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999})
        CHECK(is_valid_close_code(static_cast<std::uint16_t>(c)));
    // Autobahn 7.9.x: codes it must refuse with 1002
    for (int c : {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999})
        CHECK_FALSE(is_valid_close_code(static_cast<std::uint16_t>(c)));
    // IANA-registered since RFC 6455: service restart, try again later, bad gateway
    CHECK(is_valid_close_code(close_code::service_restart));
    CHECK(is_valid_close_code(close_code::try_again_later));
    CHECK(is_valid_close_code(close_code::bad_gateway));
    // local-only codes, and the ends of the ranges
    CHECK_FALSE(is_valid_close_code(close_code::tls_handshake));
    CHECK_FALSE(is_valid_close_code(5000));
    CHECK_FALSE(is_valid_close_code(65535));
    static_assert(is_valid_close_code(close_code::normal));

    int count = 0;
    for (unsigned c = 0; c <= 0xffff; ++c) count += is_valid_close_code(static_cast<std::uint16_t>(c));
    CHECK(count == 4 + 8 + 2000);
}

TEST_CASE("close: parsing a received payload") {
    close_payload p;
    SUBCASE("empty: no status, ok") {
        p.code = 1;
        CHECK(parse_close_payload("", p) == close_parse::ok);
        CHECK(p.code == close_code::no_status);
        CHECK(p.reason.empty());
    }
    SUBCASE("one byte is a protocol error (Autobahn 7.3.2)") {
        CHECK(parse_close_payload("\x03", p) == close_parse::protocol_error);
    }
    SUBCASE("code only") {
        CHECK(parse_close_payload(payload(1000), p) == close_parse::ok);
        CHECK(p.code == 1000);
        CHECK(p.reason.empty());
        CHECK(parse_close_payload(payload(4999), p) == close_parse::ok);
        CHECK(p.code == 4999);
    }
    SUBCASE("code and reason; the reason views the payload") {
        auto s = payload(1001, "bye \xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5");
        CHECK(parse_close_payload(s, p) == close_parse::ok);
        CHECK(p.code == 1001);
        CHECK(p.reason == "bye \xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5");
        CHECK(p.reason.data() == s.data() + 2);
    }
    SUBCASE("the largest payload: 2 + 123") {
        CHECK(parse_close_payload(payload(1000, std::string(123, 'r')), p) == close_parse::ok);
        CHECK(p.reason.size() == 123);
        p.code = 7;
        CHECK(parse_close_payload(payload(1000, std::string(124, 'r')), p) == close_parse::protocol_error);
        CHECK(p.code == 7);  // untouched on error
    }
    SUBCASE("invalid codes, with or without a reason (Autobahn 7.9.x)") {
        for (int c : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
            CAPTURE(c);
            CHECK(parse_close_payload(payload(static_cast<std::uint16_t>(c)), p) == close_parse::protocol_error);
            CHECK(parse_close_payload(payload(static_cast<std::uint16_t>(c), "x"), p) == close_parse::protocol_error);
        }
    }
    SUBCASE("a reason that is not UTF-8 (Autobahn 7.5.1)") {
        CHECK(parse_close_payload(payload(1000, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64"),
                                  p) == close_parse::invalid_utf8);
        CHECK(parse_close_payload(payload(1000, "truncated \xce"), p) == close_parse::invalid_utf8);
        // an invalid code is reported before an invalid reason
        CHECK(parse_close_payload(payload(1004, "\xff"), p) == close_parse::protocol_error);
    }
}

TEST_CASE("close: building a payload") {
    std::string out = "prefix";
    append_close_payload(out, close_code::going_away, "server restarting");
    CHECK(out == "prefix" + payload(1001, "server restarting"));

    out.clear();
    append_close_payload(out, 4321, "");
    CHECK(out == payload(4321));
    close_payload p;
    REQUIRE(parse_close_payload(out, p) == close_parse::ok);
    CHECK(p.code == 4321);

    SUBCASE("a long reason is cut to 123 bytes") {
        out.clear();
        append_close_payload(out, 1000, std::string(500, 'a'));
        CHECK(out.size() == 125);
        CHECK(parse_close_payload(out, p) == close_parse::ok);
    }
    SUBCASE("the cut never splits a character") {
        // 122 ASCII bytes then a 2-byte character: byte 123 would be half of it
        std::string reason = std::string(122, 'a') + "\xc3\xa9" + "tail";
        out.clear();
        append_close_payload(out, 1000, reason);
        CHECK(out.size() == 2 + 122);
        CHECK(parse_close_payload(out, p) == close_parse::ok);
        // 120 bytes then a 4-byte character
        reason = std::string(120, 'a') + "\xf0\x9f\x98\x80";
        out.clear();
        append_close_payload(out, 1000, reason);
        CHECK(out.size() == 2 + 120);
        // a character that ends exactly at 123 is kept
        reason = std::string(121, 'a') + "\xc3\xa9" + "more";
        out.clear();
        append_close_payload(out, 1000, reason);
        CHECK(out.size() == 125);
        CHECK(parse_close_payload(out, p) == close_parse::ok);
        CHECK(p.reason.substr(121) == "\xc3\xa9");
    }
    SUBCASE("an invalid reason is cut before its first bad byte") {
        out.clear();
        append_close_payload(out, 1011, "oops\xff\xfe more");
        CHECK(out == payload(1011, "oops"));
        CHECK(parse_close_payload(out, p) == close_parse::ok);
    }
    SUBCASE("codes that must not be sent give an empty payload") {
        for (std::uint16_t c : {close_code::no_status, close_code::abnormal, close_code::tls_handshake}) {
            out.clear();
            append_close_payload(out, c, "ignored");
            CHECK(out.empty());
        }
    }
}

TEST_CASE("close: every code and reason length round-trips") {
    close_payload p;
    for (unsigned c = 0; c <= 0xffff; ++c) {
        const auto code = static_cast<std::uint16_t>(c);
        std::string out;
        append_close_payload(out, code, "r");
        const auto result = parse_close_payload(out, p);
        if (!is_valid_close_code(code)) {
            if (result == close_parse::ok && !(out.empty() && p.code == close_code::no_status)) FAIL("code " << c);
        } else if (result != close_parse::ok || p.code != code || p.reason != "r") {
            FAIL("code " << c);
        }
    }
    for (std::size_t n = 0; n <= 200; ++n) {
        std::string out;
        append_close_payload(out, 1000, std::string(n, '\xce') /* lead bytes only: never valid */);
        CHECK(out.size() == 2);
        out.clear();
        std::string greek;
        while (greek.size() < n) greek += "\xce\xba";
        append_close_payload(out, 1000, greek);
        REQUIRE(parse_close_payload(out, p) == close_parse::ok);
        CHECK(p.reason.size() == std::min<std::size_t>(greek.size(), 122));
    }
}

TEST_CASE("close: HTTP-Kit's status keywords") {
    CHECK(close_code_name(1000) == "normal");
    CHECK(close_code_name(1001) == "going-away");
    CHECK(close_code_name(1002) == "protocol-error");
    CHECK(close_code_name(1003) == "unsupported");
    CHECK(close_code_name(1005) == "no-status-received");
    CHECK(close_code_name(1006) == "abnormal");
    CHECK(close_code_name(1007) == "invalid-payload-data");
    CHECK(close_code_name(1008) == "policy-violation");
    CHECK(close_code_name(1009) == "message-too-big");
    CHECK(close_code_name(1010) == "mandatory-extension");
    CHECK(close_code_name(1011) == "internal-server-error");
    CHECK(close_code_name(1015) == "tls-handshake");
    for (int c : {-1, 0, 1004, 1012, 1013, 1014, 3000, 4999, 70000}) CHECK(close_code_name(c) == "unknown");
}
