#include "ringkit/ws/deflate_negotiation.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string_view>

using namespace ringkit::ws;

namespace {

deflate_options deflate_on() {
    deflate_options o;
    o.enabled = true;
    return o;
}

std::optional<deflate_params> negotiate(std::string_view offer, deflate_options o = deflate_on()) {
    return negotiate_deflate(offer, o);
}

}  // namespace

#if RINGKIT_WS_DEFLATE

TEST_CASE("negotiate_deflate: what real clients offer") {
    // Chrome, Firefox, Node's ws and python websockets (10.x: ClientPerMessageDeflateFactory
    // defaults to client_max_window_bits=True) all send this.
    auto p = negotiate("permessage-deflate; client_max_window_bits");
    REQUIRE(p);
    CHECK(*p == deflate_params{});
    CHECK(format_deflate_response(*p) == "permessage-deflate");

    // python websockets configured as in its documentation.
    p = negotiate("permessage-deflate; server_max_window_bits=12; client_max_window_bits=12");
    REQUIRE(p);
    CHECK(p->server_max_window_bits == 12);
    CHECK(p->client_max_window_bits == 12);
    CHECK(format_deflate_response(*p) == "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12");

    // Safari / older clients: no parameters at all.
    p = negotiate("permessage-deflate");
    REQUIRE(p);
    CHECK(format_deflate_response(*p) == "permessage-deflate");
}

TEST_CASE("negotiate_deflate: window bits") {
    auto o = deflate_on();
    o.server_max_window_bits = 10;
    o.client_max_window_bits = 11;
    auto p = negotiate("permessage-deflate; client_max_window_bits", o);
    REQUIRE(p);
    CHECK(p->server_max_window_bits == 10);
    CHECK(p->client_max_window_bits == 11);
    CHECK(format_deflate_response(*p) == "permessage-deflate; server_max_window_bits=10; client_max_window_bits=11");

    // Without client_max_window_bits in the offer the answer must not limit the client.
    p = negotiate("permessage-deflate", o);
    REQUIRE(p);
    CHECK(p->client_max_window_bits == 15);
    CHECK(format_deflate_response(*p) == "permessage-deflate; server_max_window_bits=10");

    // The smaller of theirs and ours.
    p = negotiate("permessage-deflate; server_max_window_bits=9; client_max_window_bits=13", o);
    REQUIRE(p);
    CHECK(p->server_max_window_bits == 9);
    CHECK(p->client_max_window_bits == 11);
    p = negotiate("permessage-deflate; client_max_window_bits=8");
    REQUIRE(p);
    CHECK(p->client_max_window_bits == 8);  // the client's promise; the inflater copes

    // Named in the offer: echoed even at 15 (RFC 7692 §7.1.2.1).
    p = negotiate("permessage-deflate; server_max_window_bits=15");
    REQUIRE(p);
    CHECK(p->server_max_window_bits == 15);
    CHECK(format_deflate_response(*p) == "permessage-deflate; server_max_window_bits=15");

    // An 8-bit server window cannot be honoured with zlib: that offer is declined,
    // the client's fallback taken.
    CHECK_FALSE(negotiate("permessage-deflate; server_max_window_bits=8"));
    p = negotiate("permessage-deflate; server_max_window_bits=8, permessage-deflate; client_max_window_bits");
    REQUIRE(p);
    CHECK(p->server_max_window_bits == 15);

    // Our own settings are clamped to what zlib can do.
    o = deflate_on();
    o.server_max_window_bits = 8;
    o.client_max_window_bits = 3;
    p = negotiate("permessage-deflate; client_max_window_bits", o);
    REQUIRE(p);
    CHECK(p->server_max_window_bits == 9);
    CHECK(p->client_max_window_bits == 9);
}

TEST_CASE("negotiate_deflate: context takeover") {
    auto p = negotiate("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    REQUIRE(p);
    CHECK(p->server_no_context_takeover);
    CHECK(p->client_no_context_takeover);
    CHECK(format_deflate_response(*p) == "permessage-deflate; server_no_context_takeover; client_no_context_takeover");

    auto o = deflate_on();
    o.server_no_context_takeover = true;
    o.client_no_context_takeover = true;
    p = negotiate("permessage-deflate", o);
    REQUIRE(p);
    CHECK(p->server_no_context_takeover);
    CHECK(p->client_no_context_takeover);
}

TEST_CASE("negotiate_deflate: syntax") {
    // Case-insensitive names, spaces and tabs, quoted values (RFC 6455 §9.1).
    auto p = negotiate("PerMessage-Deflate ;\tClient_Max_Window_Bits = \"10\" ; SERVER_NO_CONTEXT_TAKEOVER");
    REQUIRE(p);
    CHECK(p->client_max_window_bits == 10);
    CHECK(p->server_no_context_takeover);
    p = negotiate(R"(permessage-deflate; client_max_window_bits="\1\1")");
    REQUIRE(p);
    CHECK(p->client_max_window_bits == 11);

    // Other extensions are skipped, even with commas inside their quoted values.
    p = negotiate(R"(x-webkit-deflate-frame, foo; bar="a,\"b", permessage-deflate; client_max_window_bits=9)");
    REQUIRE(p);
    CHECK(p->client_max_window_bits == 9);
    CHECK(negotiate(",, ,permessage-deflate,"));

    CHECK_FALSE(negotiate(""));
    CHECK_FALSE(negotiate("x-webkit-deflate-frame"));
    CHECK_FALSE(negotiate("permessage-deflate2"));
    CHECK_FALSE(negotiate("permessage_deflate"));
}

TEST_CASE("negotiate_deflate: offers with bad parameters are declined") {
    for (auto offer : {
             "permessage-deflate; foo",                                             // unknown
             "permessage-deflate; client_max_window_bits; client_max_window_bits",  // repeated
             "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
             "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
             "permessage-deflate; server_max_window_bits",  // needs a value
             "permessage-deflate; server_max_window_bits=16",
             "permessage-deflate; server_max_window_bits=7",
             "permessage-deflate; server_max_window_bits=08",  // leading zero
             "permessage-deflate; server_max_window_bits=1O",
             "permessage-deflate; server_max_window_bits=100000000000000000010",
             "permessage-deflate; client_max_window_bits=0",
             "permessage-deflate; client_max_window_bits=\"\"",
             "permessage-deflate; client_max_window_bits=\"1 0\"",
             "permessage-deflate; server_no_context_takeover=1",  // takes no value
             "permessage-deflate; client_no_context_takeover=\"\"",
             "permessage-deflate;",  // empty parameter
             "permessage-deflate; ; client_max_window_bits",
             "permessage-deflate client_max_window_bits",
             "permessage-deflate; client_max_window_bits=",
             "permessage-deflate; =10",
             "; permessage-deflate",
             "\"permessage-deflate\"",
             "permessage-deflate; x=\"a,permessage-deflate\"",
         }) {
        CAPTURE(offer);
        CHECK_FALSE(negotiate(offer));
        // ...and the next offer in the list is still considered.
        auto next = negotiate(std::string(offer) + ", permessage-deflate; server_max_window_bits=10");
        REQUIRE(next);
        CHECK(next->server_max_window_bits == 10);
    }
}

TEST_CASE("negotiate_deflate: an unterminated quote swallows the rest of the list") {
    CHECK_FALSE(negotiate("permessage-deflate; client_max_window_bits=\"10, permessage-deflate"));
    CHECK_FALSE(negotiate("foo; bar=\"x\\\", permessage-deflate"));  // the quote is escaped
}

TEST_CASE("negotiate_deflate: disabled") { CHECK_FALSE(negotiate_deflate("permessage-deflate", deflate_options{})); }

TEST_CASE("format_deflate_response round-trips through negotiate_deflate") {
    for (int s = 9; s <= 15; ++s)
        for (int c = 8; c <= 15; ++c)
            for (int flags = 0; flags < 4; ++flags) {
                deflate_params p;
                p.server_max_window_bits = s;
                p.client_max_window_bits = c;
                p.server_no_context_takeover = flags & 1;
                p.client_no_context_takeover = flags & 2;
                p.echo_server_max_window_bits = s < 15;
                auto back = negotiate(format_deflate_response(p));
                REQUIRE(back);
                CHECK(*back == p);
            }
}

#else  // built without zlib

TEST_CASE("without zlib permessage-deflate is never agreed") {
    CHECK_FALSE(deflate_available);
    CHECK_FALSE(negotiate("permessage-deflate; client_max_window_bits"));
}

#endif
