#include "ringkit/ws/deflate.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace ringkit::ws;

namespace {

[[maybe_unused]] std::string bytes(std::initializer_list<int> b) {
    std::string s;
    for (int c : b) s.push_back(static_cast<char>(c));
    return s;
}

deflate_options enabled() {
    deflate_options o;
    o.enabled = true;
    return o;
}

// A deterministic mix of text-like and random bytes.
[[maybe_unused]] std::string sample(std::uint32_t seed, std::size_t size) {
    static constexpr std::string_view words[] = {
        "ringkit ", "websocket ", "{\"type\":\"message\",", "\"id\":", "deflate ", "hello ", "world ", "\n"};
    std::string s;
    std::uint32_t x = seed * 2654435761u + 1;
    while (s.size() < size) {
        x = x * 1103515245u + 12345u;
        if ((x >> 28) < 3) s.push_back(static_cast<char>(x >> 16));
        else s += words[(x >> 16) % 8];
    }
    s.resize(size);
    return s;
}

}  // namespace

#if RINGKIT_WS_DEFLATE

TEST_CASE("deflater/inflater: RFC 7692 §7.2.3.1-2, \"Hello\" and a shared LZ77 window") {
    const std::string hello1 = bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});
    const std::string hello2 = bytes({0xf2, 0x00, 0x11, 0x00, 0x00});
    deflater d(enabled(), {});
    std::string out;
    d.compress("Hello", out);
    CHECK(out == hello1);
    d.compress("Hello", out);
    CHECK(out == hello2);  // refers back to the first message

    inflater in;
    std::string msg;
    REQUIRE(in.inflate(hello1, msg, true, 1024) == inflate_status::ok);
    CHECK(msg == "Hello");
    msg.clear();
    REQUIRE(in.inflate(hello2, msg, true, 1024) == inflate_status::ok);
    CHECK(msg == "Hello");

    // Fragmented: "f2 48 cd" then "c9 c9 07 00" (§7.2.3.1).
    inflater frag;
    msg.clear();
    REQUIRE(frag.inflate(hello1.substr(0, 3), msg, false, 1024) == inflate_status::ok);
    REQUIRE(frag.inflate(hello1.substr(3), msg, true, 1024) == inflate_status::ok);
    CHECK(msg == "Hello");
}

TEST_CASE("inflater: the other RFC 7692 §7.2.3 examples") {
    auto one = [](std::string_view payload) {
        inflater in;
        std::string msg;
        CHECK(in.inflate(payload, msg, true, 1024) == inflate_status::ok);
        return msg;
    };
    // §7.2.3.3: a block with no compression.
    CHECK(one(bytes({0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00})) == "Hello");
    // §7.2.3.4: BFINAL set; the appended tail is then ignored.
    CHECK(one(bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})) == "Hello");
    // §7.2.3.5: two DEFLATE blocks in one message.
    CHECK(one(bytes({0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00})) == "Hello");

    // §7.2.3.6: an empty last fragment is the single byte 00.
    inflater in;
    std::string msg;
    CHECK(in.inflate(bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00, 0x00, 0xff, 0xff}), msg, false, 1024) ==
          inflate_status::ok);
    CHECK(in.inflate(bytes({0x00}), msg, true, 1024) == inflate_status::ok);
    CHECK(msg == "Hello");
}

TEST_CASE("inflater: after a BFINAL message the next one may still refer back") {
    inflater in;
    std::string msg;
    REQUIRE(in.inflate(bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), msg, true, 1024) == inflate_status::ok);
    msg.clear();
    REQUIRE(in.inflate(bytes({0xf2, 0x00, 0x11, 0x00, 0x00}), msg, true, 1024) == inflate_status::ok);
    CHECK(msg == "Hello");
    // Bytes after the final block of a message are an error.
    inflater trailing;
    msg.clear();
    CHECK(trailing.inflate(bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}), msg, true, 1024) ==
          inflate_status::error);
    inflater trailing_frame;
    msg.clear();
    CHECK(trailing_frame.inflate(bytes({0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), msg, false, 1024) ==
          inflate_status::ok);
    CHECK(trailing_frame.inflate(bytes({0x00}), msg, true, 1024) == inflate_status::error);
}

TEST_CASE("empty messages (RFC 7692 §7.2.3.6)") {
    for (bool takeover : {true, false}) {
        CAPTURE(takeover);
        deflate_params params;
        params.server_no_context_takeover = !takeover;
        deflater d(enabled(), params);
        inflater in(15, !takeover);
        std::string out, msg;
        // Fresh, after a message, twice in a row (zlib emits nothing then: "00" is sent).
        for (std::string_view m : {"", "Hello", "", "", "Hello", ""}) {
            d.compress(m, out);
            if (m.empty()) CHECK(out == std::string(1, '\0'));
            msg.clear();
            REQUIRE(in.inflate(out, msg, true, 1024) == inflate_status::ok);
            CHECK(msg == m);
        }
    }
    // A compressed message with an empty payload is taken as empty, and the stream stays usable.
    inflater in;
    std::string msg;
    CHECK(in.inflate({}, msg, true, 1024) == inflate_status::ok);
    CHECK(msg.empty());
    CHECK(in.inflate(bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), msg, true, 1024) == inflate_status::ok);
    CHECK(in.inflate({}, msg, false, 1024) == inflate_status::ok);
    CHECK(in.inflate({}, msg, true, 1024) == inflate_status::ok);
    CHECK(in.inflate(bytes({0xf2, 0x00, 0x11, 0x00, 0x00}), msg, true, 1024) == inflate_status::ok);
    CHECK(msg == "HelloHello");
}

TEST_CASE("round trips over many messages, with and without context takeover") {
    for (int bits : {9, 12, 15}) {
        for (bool takeover : {true, false}) {
            CAPTURE(bits);
            CAPTURE(takeover);
            auto opt = enabled();
            opt.level = bits == 12 ? 1 : 6;
            opt.mem_level = bits == 9 ? 1 : 8;
            deflate_params params;
            params.server_max_window_bits = bits;
            params.server_no_context_takeover = !takeover;
            deflater d(opt, params);
            inflater in(bits, !takeover);
            std::string out, msg;
            std::size_t compressed = 0, plain = 0;
            for (std::uint32_t i = 0; i < 120; ++i) {
                // Sizes from empty to several inflate steps; every 10th message repeats the previous.
                const std::size_t size = i % 17 == 0 ? 0 : (i * 7919u) % (i % 5 == 0 ? 70000u : 900u);
                const std::string m = sample(i % 10 == 9 ? i - 1 : i, size);
                d.compress(m, out);
                compressed += out.size();
                plain += m.size();
                msg.clear();
                // Delivered in frames of varying size.
                std::size_t pos = 0, frame = 1 + i % 7;
                inflate_status st = inflate_status::ok;
                while (st == inflate_status::ok) {
                    const std::size_t n = std::min(frame, out.size() - pos);
                    const bool last = pos + n == out.size();
                    st = in.inflate(std::string_view(out).substr(pos, n), msg, last, 1 << 20);
                    pos += n;
                    frame *= 3;
                    if (last) break;
                }
                REQUIRE(st == inflate_status::ok);
                REQUIRE(msg == m);
            }
            CHECK(compressed < plain / 2);
        }
    }
}

TEST_CASE("context takeover shrinks repeated messages; without it each stands alone") {
    const std::string m = sample(7, 2000);
    std::string first, second;
    deflater with(enabled(), {});
    with.compress(m, first);
    with.compress(m, second);
    CHECK(second.size() < first.size() / 10);

    deflate_params no_takeover;
    no_takeover.server_no_context_takeover = true;
    deflater without(enabled(), no_takeover);
    std::string a, b;
    without.compress(m, a);
    without.compress(m, b);
    CHECK(a == first);
    CHECK(a == b);

    // An inflater that resets per message cannot follow a sender that did not.
    inflater reset(15, true);
    std::string msg;
    CHECK(reset.inflate(first, msg, true, 1 << 20) == inflate_status::ok);
    msg.clear();
    CHECK(reset.inflate(second, msg, true, 1 << 20) == inflate_status::error);
}

TEST_CASE("inflater: deflate bombs stop at max_size") {
    const std::string zeros(8 << 20, '\0');
    deflater d(enabled(), {});
    std::string bomb;
    d.compress(zeros, bomb);
    CHECK(bomb.size() < 16 * 1024);

    inflater in;
    std::string msg;
    CHECK(in.inflate(bomb, msg, true, 1 << 20) == inflate_status::too_big);
    CHECK(msg.size() <= (1u << 20) + 1);
    CHECK(msg.capacity() <= (2u << 20) + 64);
    // Failed for good: the connection is to be closed.
    msg.clear();
    CHECK(in.inflate(bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}), msg, true, 1024) == inflate_status::error);

    // Exactly max_size is fine; one byte less is too big, also when the excess comes in a later frame.
    std::string hello;
    deflater d2(enabled(), {});
    d2.compress("Hello", hello);
    inflater exact;
    msg.clear();
    CHECK(exact.inflate(hello, msg, true, 5) == inflate_status::ok);
    CHECK(msg == "Hello");
    inflater small;
    msg.clear();
    CHECK(small.inflate(hello, msg, true, 4) == inflate_status::too_big);
    inflater counted;
    msg = "abc";  // max_size counts what `out` already holds
    CHECK(counted.inflate(hello, msg, true, 7) == inflate_status::too_big);
    inflater zero;
    msg.clear();
    CHECK(zero.inflate(bytes({0x00}), msg, true, 0) == inflate_status::ok);
}

TEST_CASE("inflater: garbage and truncated messages are errors") {
    for (auto payload : {bytes({0xff, 0xff, 0xff, 0xff}), bytes({0x07}), bytes({0x06, 0x00}),
                         bytes({0x00, 0x05, 0x00, 0x00, 0x00}),  // stored block with a bad NLEN
                         bytes({0xf2, 0x48, 0xcd}),              // ends inside a block
                         std::string("not deflate at all")}) {
        CAPTURE(payload);
        inflater in;
        std::string msg;
        CHECK(in.inflate(payload, msg, true, 1 << 20) == inflate_status::error);
        CHECK(in.inflate(bytes({0x00}), msg, true, 1 << 20) == inflate_status::error);  // stays failed
    }
}

TEST_CASE("zlib state is allocated on first use only") {
    inflater in;
    deflater d(enabled(), {});
    CHECK_FALSE(in.allocated());
    CHECK_FALSE(d.allocated());
    CHECK(sizeof(inflater) <= 16);
    CHECK(sizeof(deflater) <= 32);
    std::string out, msg;
    d.compress("Hello", out);
    CHECK(d.allocated());
    CHECK(in.inflate(out, msg, true, 100) == inflate_status::ok);
    CHECK(in.allocated());
    // Movable, with the state following.
    inflater moved = std::move(in);
    CHECK(moved.allocated());
    d.compress("Hello", out);
    msg.clear();
    CHECK(moved.inflate(out, msg, true, 100) == inflate_status::ok);
    CHECK(msg == "Hello");
}

TEST_CASE("deflater: min_size decides what is worth compressing") {
    auto o = enabled();
    o.min_size = 64;
    deflater d(o, {});
    CHECK_FALSE(d.worth_compressing(63));
    CHECK(d.worth_compressing(64));
    CHECK_FALSE(d.allocated());
}

#else  // built without zlib

TEST_CASE("without zlib nothing is compressed") {
    CHECK_FALSE(deflate_available);
    inflater in;
    std::string out;
    CHECK(in.inflate("x", out, true, 10) == inflate_status::error);
    deflater d(enabled(), {});
    CHECK_THROWS_AS(d.compress("x", out), std::logic_error);
}

#endif
