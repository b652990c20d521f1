#include "ringkit/channel/channel_set.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "ringkit/ws/deflate.hpp"
#include "ringkit/ws/message_reader.hpp"

using namespace ringkit;
using ringkit::detail::channel_core;
using ringkit::detail::out_item;

namespace channel_set_test {

std::shared_ptr<channel_core> websocket_core(asio::io_context& io) {
    return std::make_shared<channel_core>(io.get_executor(), true, 1 << 20);
}

out_item only_item(channel_core& core) {
    std::vector<out_item> items;
    core.take(items);
    REQUIRE(items.size() == 1);
    return std::move(items[0]);
}

// The client's view of a frame the server sends as it is.
std::string read_frame(const std::string& frame, std::optional<ws::deflate_params> deflate) {
    ws::message_reader r(1 << 20, deflate, false);
    std::string copy = frame;
    auto [ev, used] = r.read({copy.data(), copy.size()});
    REQUIRE(ev == ws::read_event::message);
    CHECK(used == copy.size());
    return r.take_message().data;
}

#if RINGKIT_WS_DEFLATE
TEST_CASE("channel_set: a broadcast is compressed once per parameter set without context takeover") {
    asio::io_context io;
    ws::deflate_options options{.enabled = true};
    options.min_size = 16;
    ws::deflate_params shared_params;
    shared_params.server_no_context_takeover = true;
    ws::deflate_params narrow = shared_params;
    narrow.server_max_window_bits = 10;
    ws::deflate_params takeover;  // compresses with a context of its own

    auto plain = websocket_core(io);
    auto a = websocket_core(io), b = websocket_core(io), c = websocket_core(io), own = websocket_core(io);
    a->deflate = channel_core::compression{shared_params, &options};
    b->deflate = channel_core::compression{shared_params, &options};
    c->deflate = channel_core::compression{narrow, &options};
    own->deflate = channel_core::compression{takeover, &options};
    channel_set set;
    for (auto& core : {plain, a, b, c, own}) set.add(channel(core));

    const std::string text(1000, 'r');
    CHECK(set.broadcast(ws::text(text)) == 5);
    auto ia = only_item(*a), ib = only_item(*b), ic = only_item(*c), io_own = only_item(*own), ip = only_item(*plain);
    // a and b share one compressed frame; c has its own (another window); the
    // others get the plain frame, which `own` compresses with its own context.
    CHECK(ia.shared == ib.shared);
    CHECK(ia.compressed);
    CHECK(ic.compressed);
    CHECK(ic.shared != ia.shared);
    CHECK_FALSE(io_own.compressed);
    CHECK(io_own.shared == ip.shared);
    CHECK(ia.shared->size() < 100);
    CHECK(read_frame(*ia.shared, shared_params) == text);
    CHECK(read_frame(*ic.shared, narrow) == text);
    CHECK(read_frame(*ip.shared, std::nullopt) == text);

    // Below min_size nothing is compressed: everyone shares the plain frame.
    CHECK(set.broadcast(ws::text("short")) == 5);
    auto small_a = only_item(*a), small_plain = only_item(*plain);
    CHECK_FALSE(small_a.compressed);
    CHECK(small_a.shared == small_plain.shared);
}
#endif

}  // namespace channel_set_test
