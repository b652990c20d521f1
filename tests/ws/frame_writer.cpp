#include "ringkit/ws/frame_writer.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ringkit/ws/message_reader.hpp"

using namespace ringkit::ws;
using ringkit::detail::out_item;

namespace frame_writer_test {

out_item make(out_item::kind k, std::string data = {}, std::uint16_t code = 0) {
    out_item it;
    it.what = k;
    it.data = std::move(data);
    it.close_code = code;
    if (k == out_item::kind::close) {
        it.data.clear();
        append_close_payload(it.data, code, "bye");
    }
    return it;
}

// Writes the batch through a socket that takes `step` bytes per call.
template <class Writer>
std::string write_all(Writer& w, std::size_t step) {
    std::string wire;
    while (!w.empty()) {
        auto bufs = w.template gather<4>();
        CHECK(bufs.count <= 4);
        std::size_t n = 0;
        for (const auto& b : bufs) {
            auto take = std::min(b.size(), step - n);
            wire.append(static_cast<const char*>(b.data()), take);
            n += take;
            if (n == step) break;
        }
        bool all = w.advance(n);
        CHECK(all == w.empty());
    }
    return wire;
}

// What a client (or, `server`, a server) reads back from the wire.
std::vector<std::string> read_back(std::string wire, std::optional<deflate_params> deflate = std::nullopt,
                                   bool server = false) {
    message_reader r(1 << 20, deflate, server);
    std::vector<std::string> out;
    std::span<char> in(wire.data(), wire.size());
    while (!in.empty()) {
        auto [ev, used] = r.read(in);
        in = in.subspan(used);
        if (ev == read_event::message) out.push_back(r.take_message().data);
        if (ev == read_event::ping) out.push_back("ping:" + std::string(r.control()));
        if (ev == read_event::close) out.push_back("close:" + std::to_string(r.peer_close().code));
        if (ev == read_event::failed) out.push_back("failed");
    }
    return out;
}

const deflate_options no_deflate{};

TEST_CASE("items are framed and written in order, whatever the socket takes per write") {
    for (std::size_t step : {1, 5, 1000}) {
        CAPTURE(step);
        frame_writer w(no_deflate, std::nullopt);
        std::vector<out_item> queue, late;
        queue.push_back(make(out_item::kind::text, "hello"));
        queue.push_back(make(out_item::kind::ping, "p"));
        queue.push_back(make(out_item::kind::binary, std::string(70000, 'b')));  // a 64-bit length
        CHECK_FALSE(w.take(queue, late));
        CHECK(queue.empty());
        CHECK(late.empty());
        auto wire = write_all(w, step);
        CHECK(read_back(wire) == std::vector<std::string>{"hello", "ping:p", std::string(70000, 'b')});
        CHECK(w.batch().size() == 3);
        CHECK(w.accounted() == 5 + 1 + 70000);
        w.reset();
        CHECK(w.batch().empty());
        CHECK(w.accounted() == 0);
    }
}

TEST_CASE("a close frame is reported, and nothing after it is written") {
    frame_writer w(no_deflate, std::nullopt);
    std::vector<out_item> queue, late;
    queue.push_back(make(out_item::kind::text, "last"));
    queue.push_back(make(out_item::kind::close, {}, 4000));
    queue.push_back(make(out_item::kind::text, "too late"));
    auto closing = w.take(queue, late);
    REQUIRE(closing);
    CHECK(closing->code == 4000);
    CHECK(closing->reason == "bye");
    CHECK(w.closed());
    REQUIRE(late.size() == 1);
    CHECK(late[0].data == "too late");
    CHECK(read_back(write_all(w, 3)) == std::vector<std::string>{"last", "close:4000"});
    std::vector<out_item> more{};
    more.push_back(make(out_item::kind::text, "later still"));
    late.clear();
    CHECK_FALSE(w.take(more, late));
    CHECK(late.size() == 1);
    CHECK(w.empty());
}

TEST_CASE("gather hands out at most N pieces, from where the last write stopped") {
    frame_writer w(no_deflate, std::nullopt);
    std::vector<out_item> queue, late;
    for (int i = 0; i < 10; ++i) queue.push_back(make(out_item::kind::text, "m" + std::to_string(i)));
    w.take(queue, late);
    auto first = w.gather<3>();
    CHECK(first.count == 3);            // header, payload, header
    CHECK_FALSE(w.advance(2 + 2 + 1));  // the first frame and one byte of the second header
    auto next = w.gather<1>();
    REQUIRE(next.count == 1);
    CHECK(next.begin()->size() == 1);  // the rest of the second header
}

TEST_CASE("items taken while a batch is half written join its end") {
    frame_writer w(no_deflate, std::nullopt);
    std::vector<out_item> queue, late;
    queue.push_back(make(out_item::kind::text, "one"));
    w.take(queue, late);
    CHECK_FALSE(w.advance(2));
    queue.push_back(make(out_item::kind::text, "two"));
    w.take(queue, late);
    std::string wire = std::string("\x81\x03", 2) + write_all(w, 4);
    CHECK(read_back(wire) == std::vector<std::string>{"one", "two"});
}

TEST_CASE("a shared broadcast frame goes out as it is") {
    frame_writer w(no_deflate, std::nullopt);
    auto frame = std::make_shared<std::string>("\x81\x02hi");
    out_item it;
    it.shared = frame;
    it.shared_head = 2;
    std::vector<out_item> queue, late;
    queue.push_back(std::move(it));
    w.take(queue, late);
    CHECK(write_all(w, 100) == *frame);
}

#if RINGKIT_WS_DEFLATE
TEST_CASE("with permessage-deflate, messages from min_size on are compressed") {
    deflate_options options{.enabled = true};
    options.min_size = 10;
    frame_writer w(options, deflate_params{});
    std::vector<out_item> queue, late;
    queue.push_back(make(out_item::kind::text, std::string(1000, 'x')));
    queue.push_back(make(out_item::kind::text, "short"));
    w.take(queue, late);
    auto wire = write_all(w, 7);
    CHECK(wire.size() < 100);
    CHECK((static_cast<unsigned char>(wire[0]) & 0x40) != 0);  // RSV1 on the compressed one
    CHECK(read_back(wire, deflate_params{}) == std::vector<std::string>{std::string(1000, 'x'), "short"});
}

TEST_CASE("with permessage-deflate, a broadcast frame compressed once goes out as it is; a plain one is compressed") {
    deflate_options options{.enabled = true};
    options.min_size = 10;
    frame_writer w(options, deflate_params{});
    auto plain = std::make_shared<std::string>(std::string("\x81\x7e\x00\xc8", 4) + std::string(200, 'p'));
    std::string packed;
    deflater(options, deflate_params{}).compress(std::string(200, 'q'), packed);
    char head[max_header_size];
    auto compressed = std::make_shared<std::string>(
        std::string(head, encode_header(head, opcode::text, packed.size(), true, true)) + packed);
    out_item a, b;
    a.shared = plain;
    a.shared_head = 4;
    b.shared = compressed;
    b.shared_head = static_cast<std::uint8_t>(compressed->size() - packed.size());
    b.compressed = true;
    std::vector<out_item> queue, late;
    queue.push_back(std::move(a));
    queue.push_back(std::move(b));
    w.take(queue, late);
    auto wire = write_all(w, 1000);
    CHECK(wire.ends_with(*compressed));
    CHECK(wire.size() < plain->size() + compressed->size());
    CHECK(read_back(wire, deflate_params{}) == std::vector<std::string>{std::string(200, 'p'), std::string(200, 'q')});
}
#endif

// ---- the client's role: every frame masked ------------------------------------------

// The masking keys of the frames on `wire`, in order (every frame must be masked).
std::vector<std::uint32_t> mask_keys(std::string_view wire) {
    std::vector<std::uint32_t> keys;
    while (!wire.empty()) {
        frame_header h;
        REQUIRE(decode_header(wire, h, decode_rules{.require_mask = true, .allow_rsv1 = true}) == header_status::ok);
        keys.push_back(h.mask_key);
        wire.remove_prefix(h.size + h.length);
    }
    return keys;
}

TEST_CASE("a client's writer masks every frame, data and control, and a server reads them back") {
    for (std::size_t step : {1, 3, 1000}) {
        CAPTURE(step);
        client_frame_writer w(no_deflate, std::nullopt);
        std::vector<out_item> queue, late;
        queue.push_back(make(out_item::kind::text, "hello"));
        queue.push_back(make(out_item::kind::binary, std::string(300, '\x07')));
        queue.push_back(make(out_item::kind::ping, "p"));
        queue.push_back(make(out_item::kind::close, {}, 1000));
        auto closing = w.take(queue, late);
        REQUIRE(closing);
        CHECK(closing->code == 1000);
        CHECK(closing->reason == "bye");  // read before the payload was masked
        auto wire = write_all(w, step);
        CHECK(mask_keys(wire).size() == 4);
        CHECK(wire.find("hello") == std::string::npos);  // not on the wire in clear
        CHECK(read_back(wire, std::nullopt, true) ==
              std::vector<std::string>{"hello", std::string(300, '\x07'), "ping:p", "close:1000"});
        // A client's reader refuses what it wrote: masked frames come from clients only.
        CHECK(read_back(wire) == std::vector<std::string>{"failed"});
    }
}

TEST_CASE("a client's masking keys are fresh for every frame") {
    client_frame_writer w(no_deflate, std::nullopt);
    std::vector<out_item> queue, late;
    for (int i = 0; i < 200; ++i) queue.push_back(make(out_item::kind::text, "same"));
    w.take(queue, late);
    auto keys = mask_keys(write_all(w, 1 << 20));
    REQUIRE(keys.size() == 200);
    std::sort(keys.begin(), keys.end());
    // 200 draws of 32 random bits repeat with a chance of about 5e-6.
    CHECK(std::adjacent_find(keys.begin(), keys.end()) == keys.end());
}

TEST_CASE("a client masks its own copy of a broadcast frame, never the shared bytes") {
    client_frame_writer w(no_deflate, std::nullopt);
    auto shared = std::make_shared<std::string>(std::string("\x81\x05", 2) + "hello");
    const std::string before = *shared;
    out_item a;
    a.shared = shared;
    a.shared_head = 2;
    std::vector<out_item> queue, late;
    queue.push_back(std::move(a));
    w.take(queue, late);
    auto wire = write_all(w, 1000);
    CHECK(*shared == before);
    CHECK(mask_keys(wire).size() == 1);
    CHECK(read_back(wire, std::nullopt, true) == std::vector<std::string>{"hello"});
}

TEST_CASE("swap_sides: the agreement as the other end uses it") {
    deflate_params p{.server_max_window_bits = 10,
                     .client_max_window_bits = 12,
                     .server_no_context_takeover = true,
                     .client_no_context_takeover = false};
    auto s = swap_sides(p);
    CHECK(s.server_max_window_bits == 12);
    CHECK(s.client_max_window_bits == 10);
    CHECK_FALSE(s.server_no_context_takeover);
    CHECK(s.client_no_context_takeover);
    CHECK(swap_sides(s) == p);
}

#if RINGKIT_WS_DEFLATE
TEST_CASE("a client compresses with its side of the agreement, and a server inflates it") {
    // The server said: client_max_window_bits=9, client_no_context_takeover.
    const deflate_params agreed{.server_max_window_bits = 15,
                                .client_max_window_bits = 9,
                                .server_no_context_takeover = false,
                                .client_no_context_takeover = true};
    deflate_options options{.enabled = true};
    options.min_size = 10;
    client_frame_writer w(options, swap_sides(agreed));
    std::vector<out_item> queue, late;
    std::string text;
    for (int i = 0; i < 40; ++i) text += std::to_string(i * 7919) + std::string(40, static_cast<char>('a' + i % 26));
    queue.push_back(make(out_item::kind::text, text));
    queue.push_back(make(out_item::kind::text, text));
    queue.push_back(make(out_item::kind::text, "short"));
    w.take(queue, late);
    auto wire = write_all(w, 5);
    CHECK(mask_keys(wire).size() == 3);
    CHECK(read_back(wire, agreed, true) == std::vector<std::string>{text, text, "short"});
}
#endif

}  // namespace frame_writer_test
