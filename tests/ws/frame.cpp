#include "ringkit/ws/frame.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

using namespace ringkit::ws;

namespace {

const decode_rules server_rules{};  // require_mask
const decode_rules client_rules{.require_mask = false};
const decode_rules deflate_rules{.require_mask = true, .allow_rsv1 = true};

std::uint32_t key_of(const char (&bytes)[5]) {
    std::uint32_t k;
    std::memcpy(&k, bytes, 4);
    return k;
}

std::string header(opcode op, std::uint64_t length, bool fin = true, bool rsv1 = false,
                   std::optional<std::uint32_t> key = std::nullopt) {
    char buf[max_header_size];
    return std::string(buf, encode_header(buf, op, length, fin, rsv1, key));
}

std::string frame_bytes(std::initializer_list<unsigned> list) {
    std::string s;
    for (auto b : list) s += static_cast<char>(b);
    return s;
}

header_status decode(std::string_view in, frame_header& h, const decode_rules& rules = server_rules,
                     const char** why = nullptr) {
    return decode_header(std::span<const char>(in.data(), in.size()), h, rules, why);
}

// Expects `in` to be refused, with a reason, and refused already from every prefix
// that holds the offending bits (never need_more after the error is visible).
void check_rejected(std::string_view in, const decode_rules& rules, std::size_t visible_at = 2) {
    CAPTURE(in.size());
    frame_header h;
    h.length = 777;
    const char* why = nullptr;
    CHECK(decode(in, h, rules, &why) == header_status::protocol_error);
    REQUIRE(why != nullptr);
    CHECK(std::string_view(why).size() > 5);
    CHECK(h.length == 777);  // untouched
    for (std::size_t cut = visible_at; cut < in.size(); ++cut)
        CHECK(decode(in.substr(0, cut), h, rules) == header_status::protocol_error);
    CHECK(decode(in, h, rules) == header_status::protocol_error);  // why is optional
}

}  // namespace

TEST_CASE("frame: is_control") {
    CHECK_FALSE(is_control(opcode::continuation));
    CHECK_FALSE(is_control(opcode::text));
    CHECK_FALSE(is_control(opcode::binary));
    CHECK(is_control(opcode::close));
    CHECK(is_control(opcode::ping));
    CHECK(is_control(opcode::pong));
    static_assert(is_control(opcode::ping));
}

TEST_CASE("frame: RFC 6455 §5.7 examples") {
    frame_header h;
    // A single-frame unmasked text message, as a server sends it.
    auto unmasked = frame_bytes({0x81, 0x05, 'H', 'e', 'l', 'l', 'o'});
    REQUIRE(decode(unmasked, h, client_rules) == header_status::ok);
    CHECK(h.fin);
    CHECK(h.op == opcode::text);
    CHECK_FALSE(h.masked);
    CHECK(h.length == 5);
    CHECK(h.size == 2);
    CHECK(header(opcode::text, 5) == unmasked.substr(0, 2));

    // The same, masked, as a client sends it.
    auto masked = frame_bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
    REQUIRE(decode(masked, h) == header_status::ok);
    CHECK(h.masked);
    CHECK(h.size == 6);
    CHECK(h.length == 5);
    CHECK(h.mask_key == key_of("\x37\xfa\x21\x3d"));
    std::string payload = masked.substr(h.size);
    apply_mask(payload, h.mask_key, 0);
    CHECK(payload == "Hello");
    CHECK(header(opcode::text, 5, true, false, h.mask_key) == masked.substr(0, 6));

    // A fragmented unmasked text message: "Hel", then "lo".
    REQUIRE(decode(frame_bytes({0x01, 0x03}), h, client_rules) == header_status::ok);
    CHECK_FALSE(h.fin);
    CHECK(h.op == opcode::text);
    REQUIRE(decode(frame_bytes({0x80, 0x02}), h, client_rules) == header_status::ok);
    CHECK(h.fin);
    CHECK(h.op == opcode::continuation);

    // Unmasked ping and pong with "Hello".
    REQUIRE(decode(frame_bytes({0x89, 0x05}), h, client_rules) == header_status::ok);
    CHECK(h.op == opcode::ping);
    REQUIRE(decode(frame_bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d}), h) == header_status::ok);
    CHECK(h.op == opcode::pong);

    // 256 bytes and 64 KiB binary messages in a single unmasked frame.
    REQUIRE(decode(frame_bytes({0x82, 0x7e, 0x01, 0x00}), h, client_rules) == header_status::ok);
    CHECK(h.length == 256);
    CHECK(h.size == 4);
    REQUIRE(decode(frame_bytes({0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0}), h, client_rules) == header_status::ok);
    CHECK(h.length == 65536);
    CHECK(h.size == 10);
}

TEST_CASE("frame: round trips at every length boundary, masked and not, at every cut") {
    const std::uint64_t lengths[] = {
        0, 1, 124, 125, 126, 127, 65535, 65536, 65537, 0xffffffffull, 0x100000000ull, 0x7fffffffffffffffull};
    const std::size_t sizes[] = {2, 2, 2, 2, 4, 4, 4, 10, 10, 10, 10, 10};
    const std::uint32_t key = key_of("\x01\x80\xfe\x7f");
    for (std::size_t i = 0; i < std::size(lengths); ++i)
        for (bool mask : {false, true})
            for (opcode op : {opcode::text, opcode::binary, opcode::continuation})
                for (bool fin : {true, false}) {
                    CAPTURE(lengths[i]);
                    CAPTURE(mask);
                    auto wire = header(op, lengths[i], fin, false, mask ? std::optional(key) : std::nullopt);
                    CHECK(wire.size() == sizes[i] + (mask ? 4 : 0));
                    const auto& rules = mask ? server_rules : client_rules;
                    frame_header h;
                    REQUIRE(decode(wire, h, rules) == header_status::ok);
                    frame_header expect{.fin = fin,
                                        .op = op,
                                        .masked = mask,
                                        .mask_key = mask ? key : 0,
                                        .length = lengths[i],
                                        .size = wire.size()};
                    CHECK(h == expect);
                    // Trailing payload bytes do not change the answer.
                    frame_header h2;
                    REQUIRE(decode(wire + "payload", h2, rules) == header_status::ok);
                    CHECK(h2 == h);
                    for (std::size_t cut = 0; cut < wire.size(); ++cut) {
                        frame_header untouched;
                        untouched.length = 42;
                        CHECK(decode(wire.substr(0, cut), untouched, rules) == header_status::need_more);
                        CHECK(untouched.length == 42);
                    }
                }
}

TEST_CASE("frame: control frames up to 125 bytes round-trip") {
    for (opcode op : {opcode::close, opcode::ping, opcode::pong})
        for (std::uint64_t len : {0u, 1u, 2u, 125u}) {
            auto wire = header(op, len, true, false, 0x12345678u);
            frame_header h;
            REQUIRE(decode(wire, h) == header_status::ok);
            CHECK(h.op == op);
            CHECK(h.length == len);
            CHECK(h.size == 6);
        }
}

TEST_CASE("frame: RSV1 with and without a negotiated extension") {
    auto text_rsv1 = header(opcode::text, 10, true, true, 1u);
    check_rejected(text_rsv1, server_rules);
    frame_header h;
    REQUIRE(decode(text_rsv1, h, deflate_rules) == header_status::ok);
    CHECK(h.rsv1);
    CHECK(h.op == opcode::text);
    // never on control frames, negotiated or not
    for (opcode op : {opcode::close, opcode::ping, opcode::pong}) {
        check_rejected(header(op, 0, true, true, 1u), deflate_rules);
        check_rejected(header(op, 0, true, true, 1u), server_rules);
    }
}

TEST_CASE("frame: every malformed header is refused with a reason") {
    SUBCASE("reserved opcodes 3-7 and 11-15") {
        for (unsigned op : {3u, 4u, 5u, 6u, 7u, 11u, 12u, 13u, 14u, 15u}) {
            CAPTURE(op);
            check_rejected(frame_bytes({0x80 | op, 0x80, 1, 2, 3, 4}), server_rules);
            check_rejected(frame_bytes({op, 0x00}), client_rules);
        }
    }
    SUBCASE("RSV2 and RSV3, even with RSV1 allowed") {
        check_rejected(frame_bytes({0xa1, 0x80, 1, 2, 3, 4}), deflate_rules);
        check_rejected(frame_bytes({0x91, 0x80, 1, 2, 3, 4}), deflate_rules);
        check_rejected(frame_bytes({0xf2, 0x80, 1, 2, 3, 4}), deflate_rules);
        check_rejected(frame_bytes({0xb1, 0x00}), client_rules);
    }
    SUBCASE("unmasked frames to a server, masked frames to a client") {
        check_rejected(frame_bytes({0x81, 0x05, 'H', 'e', 'l', 'l', 'o'}), server_rules);
        check_rejected(frame_bytes({0x82, 0x7e, 0x01, 0x00}), server_rules);
        check_rejected(frame_bytes({0x88, 0x00}), server_rules);
        check_rejected(frame_bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d}), client_rules);
    }
    SUBCASE("fragmented control frames") {
        for (unsigned op : {8u, 9u, 10u}) check_rejected(frame_bytes({op, 0x80, 1, 2, 3, 4}), server_rules);
    }
    SUBCASE("control frames longer than 125 bytes") {
        for (unsigned op : {8u, 9u, 10u}) {
            check_rejected(frame_bytes({0x80 | op, 0x80 | 126, 0, 126, 1, 2, 3, 4}), server_rules);
            check_rejected(frame_bytes({0x80 | op, 0x80 | 126, 0, 0, 1, 2, 3, 4}), server_rules);
            check_rejected(frame_bytes({0x80 | op, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4}), server_rules);
        }
    }
    SUBCASE("non-minimal lengths") {
        // 16-bit form for < 126: refused once the length bytes are in
        check_rejected(frame_bytes({0x82, 0xfe, 0x00, 0x00, 1, 2, 3, 4}), server_rules, 8);
        check_rejected(frame_bytes({0x82, 0xfe, 0x00, 0x7d, 1, 2, 3, 4}), server_rules, 8);
        // 64-bit form for < 65536
        check_rejected(frame_bytes({0x82, 0xff, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 1, 2, 3, 4}), server_rules, 14);
        check_rejected(frame_bytes({0x82, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4}), server_rules, 14);
        check_rejected(frame_bytes({0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0x00, 0x7e}), client_rules, 10);
        // the smallest of each form is accepted
        frame_header h;
        CHECK(decode(frame_bytes({0x82, 0xfe, 0x00, 0x7e, 1, 2, 3, 4}), h) == header_status::ok);
        CHECK(h.length == 126);
        CHECK(decode(frame_bytes({0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}), h) == header_status::ok);
        CHECK(h.length == 65536);
    }
    SUBCASE("64-bit lengths with the top bit set") {
        check_rejected(frame_bytes({0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}), server_rules, 14);
        check_rejected(frame_bytes({0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4}),
                       server_rules, 14);
        frame_header h;
        CHECK(decode(frame_bytes({0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4}), h) ==
              header_status::ok);
        CHECK(h.length == 0x7fffffffffffffffull);
    }
}

TEST_CASE("frame: need_more below two bytes, whatever they are") {
    frame_header h;
    CHECK(decode("", h) == header_status::need_more);
    CHECK(decode("\xff", h) == header_status::need_more);
    CHECK(decode("\x81", h) == header_status::need_more);
}

TEST_CASE("frame: the mask key keeps its wire byte order") {
    auto wire = frame_bytes({0x82, 0x84, 0x11, 0x22, 0x33, 0x44});
    frame_header h;
    REQUIRE(decode(wire, h) == header_status::ok);
    unsigned char k[4];
    std::memcpy(k, &h.mask_key, 4);
    CHECK(k[0] == 0x11);
    CHECK(k[3] == 0x44);
    std::string payload = frame_bytes({0x11, 0x22, 0x33, 0x44});
    apply_mask(payload, h.mask_key, 0);
    CHECK(payload == std::string(4, '\0'));
}

TEST_CASE("frame: apply_mask in pieces at every split equals one-shot") {
    const std::uint32_t key = key_of("\xa5\x3c\x0f\xf0");
    for (std::size_t len : {0u, 1u, 3u, 4u, 7u, 8u, 9u, 15u, 16u, 17u, 31u, 32u, 33u, 40u, 63u, 64u, 65u, 100u}) {
        std::string plain;
        for (std::size_t i = 0; i < len; ++i) plain += static_cast<char>(i * 37 + 11);
        std::string whole = plain;
        apply_mask(whole, key, 0);
        // byte-exact against the definition: byte i ^ key[i % 4]
        unsigned char k[4];
        std::memcpy(k, &key, 4);
        for (std::size_t i = 0; i < len; ++i)
            REQUIRE(static_cast<unsigned char>(whole[i]) == (static_cast<unsigned char>(plain[i]) ^ k[i % 4]));
        // masking twice is the identity
        std::string twice = whole;
        apply_mask(twice, key, 0);
        CHECK(twice == plain);
        for (std::size_t i = 0; i <= len; ++i) {
            std::string two = plain;
            apply_mask(std::span<char>(two.data(), i), key, 0);
            apply_mask(std::span<char>(two.data() + i, len - i), key, i);
            REQUIRE(two == whole);
            if (len > 40) continue;
            for (std::size_t j = i; j <= len; ++j) {
                std::string three = plain;
                apply_mask(std::span<char>(three.data(), i), key, 0);
                apply_mask(std::span<char>(three.data() + i, j - i), key, i);
                apply_mask(std::span<char>(three.data() + j, len - j), key, j);
                REQUIRE(three == whole);
            }
        }
        // the phase is taken modulo 4, so a large offset works the same
        if (len > 0) {
            std::string tail = plain.substr(1);
            apply_mask(tail, key, (std::uint64_t{1} << 40) + 1);
            CHECK(tail == whole.substr(1));
        }
    }
}

TEST_CASE("frame: apply_mask with a zero key changes nothing; unaligned buffers work") {
    std::string s(257, 'q');
    apply_mask(s, 0, 3);
    CHECK(s == std::string(257, 'q'));
    std::vector<char> buf(300, 'x');
    for (std::size_t start = 0; start < 8; ++start) {
        std::string copy(buf.begin() + static_cast<std::ptrdiff_t>(start), buf.end());
        apply_mask(std::span<char>(buf.data() + start, buf.size() - start), 0xdeadbeefu, 0);
        apply_mask(copy, 0xdeadbeefu, 0);
        CHECK(std::equal(copy.begin(), copy.end(), buf.begin() + static_cast<std::ptrdiff_t>(start)));
        apply_mask(std::span<char>(buf.data() + start, buf.size() - start), 0xdeadbeefu, 0);
    }
    CHECK(std::string(buf.begin(), buf.end()) == std::string(300, 'x'));
}
