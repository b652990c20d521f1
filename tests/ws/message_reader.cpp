#include "ringkit/ws/message_reader.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace ringkit::ws;

namespace message_reader_test {

// A client frame: masked with a fixed key, as a browser would send it.
std::string masked(opcode op, std::string_view payload, bool fin = true, bool rsv1 = false) {
    const std::uint32_t key = 0x9a3c51e7;
    char head[max_header_size];
    std::string out(head, encode_header(head, op, payload.size(), fin, rsv1, key));
    std::string body(payload);
    apply_mask(body, key, 0);
    return out + body;
}

std::string close_frame(std::uint16_t code, std::string_view reason = {}) {
    std::string payload;
    append_close_payload(payload, code, reason);
    return masked(opcode::close, payload);
}

// What the reader reported, in order: "message:text:hello", "ping:x", "close:1000:bye", "failed:1002".
struct events {
    std::vector<std::string> seen;
    std::size_t used = 0;
};

// Feeds `wire` in pieces of `step` bytes (0: all at once), as a socket might.
events feed(message_reader& r, std::string wire, std::size_t step = 0) {
    events out;
    std::size_t at = 0;
    while (at < wire.size() && !r.done()) {
        std::size_t piece = step == 0 ? wire.size() - at : std::min(step, wire.size() - at);
        std::span<char> in(wire.data() + at, piece);
        while (!in.empty()) {
            auto [ev, used] = r.read(in);
            REQUIRE(used <= in.size());
            in = in.subspan(used);
            out.used += used;
            switch (ev) {
            case read_event::need_more: REQUIRE(in.empty()); break;
            case read_event::message: {
                auto m = r.take_message();
                out.seen.push_back(std::string("message:") + (m.is_text() ? "text:" : "binary:") + m.data);
                break;
            }
            case read_event::ping: out.seen.push_back("ping:" + std::string(r.control())); break;
            case read_event::pong: out.seen.push_back("pong:" + std::string(r.control())); break;
            case read_event::close:
                out.seen.push_back("close:" + std::to_string(r.peer_close().code) + ":" +
                                   std::string(r.peer_close().reason));
                break;
            case read_event::failed:
                out.seen.push_back("failed:" + std::to_string(r.failure().code));
                CHECK(std::strlen(r.failure().why) > 0);
                break;
            }
            if (r.done()) break;
        }
        at += piece;
    }
    return out;
}

// The same wire read whole, in 1-byte pieces and in 3-byte pieces gives the same events.
std::vector<std::string> all_splits(std::string wire, std::size_t max_message = 1 << 20,
                                    std::optional<deflate_params> deflate = std::nullopt) {
    message_reader whole(max_message, deflate);
    auto expected = feed(whole, wire).seen;
    for (std::size_t step : {1, 3, 7}) {
        CAPTURE(step);
        message_reader r(max_message, deflate);
        CHECK(feed(r, wire, step).seen == expected);
    }
    return expected;
}

using list = std::vector<std::string>;

TEST_CASE("messages, pings and pongs come out one event at a time, whatever the split") {
    auto wire = masked(opcode::text, "hello") + masked(opcode::ping, "p1") +
                masked(opcode::binary, std::string("\0\1", 2)) + masked(opcode::pong, "") + masked(opcode::text, "");
    CHECK(all_splits(wire) ==
          list{"message:text:hello", "ping:p1", std::string("message:binary:\0\1", 17), "pong:", "message:text:"});
}

TEST_CASE("fragments are reassembled, with control frames between them") {
    auto wire = masked(opcode::text, "hel", false) + masked(opcode::ping, "in-between") +
                masked(opcode::continuation, "lo ", false) + masked(opcode::continuation, "world");
    CHECK(all_splits(wire) == list{"ping:in-between", "message:text:hello world"});
}

TEST_CASE("a message split across reads is not reported before its last byte") {
    message_reader r(1024);
    auto wire = masked(opcode::text, "abcdef");
    auto [ev, used] = r.read({wire.data(), wire.size() - 1});
    CHECK(ev == read_event::need_more);
    CHECK(used == wire.size() - 1);
    auto [ev2, used2] = r.read({wire.data() + wire.size() - 1, 1});
    CHECK(ev2 == read_event::message);
    CHECK(used2 == 1);
    CHECK(r.take_message().data == "abcdef");
}

TEST_CASE("the peer's close frame ends reading; what follows is ignored") {
    CHECK(all_splits(close_frame(1000, "bye") + masked(opcode::text, "late")) == list{"close:1000:bye"});
    CHECK(all_splits(masked(opcode::close, "")) == list{"close:1005:"});
}

TEST_CASE("protocol errors fail with 1002") {
    SUBCASE("unmasked frame") {
        std::string unmasked = "\x81\x02hi";
        CHECK(all_splits(unmasked) == list{"failed:1002"});
    }
    SUBCASE("continuation without a message") {
        CHECK(all_splits(masked(opcode::continuation, "x")) == list{"failed:1002"});
    }
    SUBCASE("a new message inside a fragmented one") {
        CHECK(all_splits(masked(opcode::text, "a", false) + masked(opcode::text, "b")) == list{"failed:1002"});
    }
    SUBCASE("RSV1 without deflate") { CHECK(all_splits(masked(opcode::text, "a", true, true)) == list{"failed:1002"}); }
    SUBCASE("a close frame with one byte, or an invalid code") {
        CHECK(all_splits(masked(opcode::close, "x")) == list{"failed:1002"});
        CHECK(all_splits(masked(opcode::close, std::string("\x03\xed", 2))) ==
              list{"failed:1002"});  // 1005 on the wire
    }
    SUBCASE("nothing is read after the failure") {
        message_reader r(1024);
        auto wire = masked(opcode::continuation, "x") + masked(opcode::text, "ok");
        auto got = feed(r, wire);
        CHECK(got.seen == list{"failed:1002"});
        CHECK(r.done());
        auto [ev, used] = r.read({wire.data(), wire.size()});
        CHECK(ev == read_event::need_more);
        CHECK(used == wire.size());
    }
}

TEST_CASE("invalid UTF-8 fails with 1007, as soon as it is certain") {
    CHECK(all_splits(masked(opcode::text, "ok \xff")) == list{"failed:1007"});
    // A message that ends inside a character.
    CHECK(all_splits(masked(opcode::text, "\xe2\x82")) == list{"failed:1007"});
    // Split across fragments, valid as a whole.
    CHECK(all_splits(masked(opcode::text, "\xe2", false) + masked(opcode::continuation, "\x82\xac")) ==
          list{"message:text:\xe2\x82\xac"});
    // In a close reason.
    std::string payload = "\x03\xe8\xff";
    CHECK(all_splits(masked(opcode::close, payload)) == list{"failed:1007"});
    // Binary messages are not checked.
    CHECK(all_splits(masked(opcode::binary, "\xff")) == list{"message:binary:\xff"});
}

TEST_CASE("a message over max_message fails with 1009, from its header on") {
    CHECK(all_splits(masked(opcode::text, std::string(11, 'a')), 10) == list{"failed:1009"});
    CHECK(all_splits(masked(opcode::text, std::string(10, 'a')), 10) == list{"message:text:aaaaaaaaaa"});
    // Fragments add up.
    CHECK(all_splits(masked(opcode::binary, "123456", false) + masked(opcode::continuation, "78901"), 10) ==
          list{"failed:1009"});
    // Decided at the header: the payload never has to arrive.
    message_reader r(10);
    auto head = masked(opcode::binary, std::string(1000, 'x')).substr(0, 8);
    CHECK(r.read({head.data(), head.size()}).first == read_event::failed);
    CHECK(r.failure().reason == error::message_too_big);
}

TEST_CASE("while closing, data messages are checked but not delivered") {
    message_reader r(1024);
    r.discard_messages();
    CHECK(feed(r, masked(opcode::text, "dropped") + masked(opcode::ping, "p") + close_frame(1000)).seen ==
          list{"ping:p", "close:1000:"});
    message_reader bad(1024);
    bad.discard_messages();
    CHECK(feed(bad, masked(opcode::continuation, "x")).seen == list{"failed:1002"});
}

#if RINGKIT_WS_DEFLATE
TEST_CASE("compressed messages are inflated; the limit applies after inflating") {
    deflate_params params;
    deflater d(deflate_options{.enabled = true}, deflate_params{});
    std::string packed;
    d.compress(std::string(100, 'z'), packed);
    auto wire = masked(opcode::text, packed, true, true);
    CHECK(all_splits(wire, 1024, params) == list{"message:text:" + std::string(100, 'z')});
    CHECK(all_splits(wire, 50, params) == list{"failed:1009"});
    CHECK(all_splits(masked(opcode::text, "\xff\xff\xff", true, true), 1024, params) == list{"failed:1002"});
}
#endif

}  // namespace message_reader_test
