#include "ringkit/channel/channel.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "ringkit/channel/channel_set.hpp"
#include "ringkit/ws/listener.hpp"

using namespace ringkit;
using ringkit::detail::channel_core;
using ringkit::detail::out_item;

namespace {

// Stands in for the connection: counts wakes, and takes what is queued.
struct recording_transport final : ringkit::detail::channel_transport {
    int wakes = 0;
    void wake() override { ++wakes; }
};

std::shared_ptr<channel_core> make_core(asio::io_context& io, bool websocket = true, std::size_t high_water = 100) {
    return std::make_shared<channel_core>(io.get_executor(), websocket, high_water);
}

// Stands in for the server's logger.
struct recording_log {
    std::vector<std::string> lines;
    ringkit::logger logger{[this](std::string_view message, const std::exception_ptr& error) {
        lines.push_back(std::string(message) + ": " + exception_message(error));
    }};
};

std::vector<out_item> drain(channel_core& core) {
    std::vector<out_item> items;
    core.take(items);
    return items;
}

}  // namespace

TEST_CASE("sends are queued in order and wake the transport once it is attached") {
    asio::io_context io;
    auto core = make_core(io);
    channel ch(core);
    CHECK(ch.send("one"));
    CHECK(ch.send(ws::binary("two")));
    recording_transport t;
    core->attach(&t);  // what was queued before the 101 goes out now
    CHECK(t.wakes == 1);
    auto items = drain(*core);
    REQUIRE(items.size() == 2);
    CHECK(items[0].what == out_item::kind::text);
    CHECK(items[0].data == "one");
    CHECK(items[1].what == out_item::kind::binary);
    CHECK(ch.buffered_amount() == 6);
    core->written(6);
    CHECK(ch.buffered_amount() == 0);
    core->detach();
}

TEST_CASE("past the high-water mark a send is refused, control frames are not") {
    asio::io_context io;
    auto core = make_core(io, true, 10);
    channel ch(core);
    CHECK(ch.send(std::string(10, 'x')) == send_status::queued);
    CHECK(ch.send("more") == send_status::backpressured);
    CHECK_FALSE(ch.send("more"));
    CHECK(ch.ping("still"));
    CHECK(ch.buffered_amount() == 15);
    core->written(15);
    CHECK(ch.send("room again") == send_status::queued);
}

TEST_CASE("close is idempotent and refuses later sends; on_close fires once") {
    asio::io_context io;
    auto core = make_core(io);
    channel ch(core);
    int closes = 0;
    close_status seen;
    ch.on_close([&](channel&, const close_status& st) {
        ++closes;
        seen = st;
    });
    CHECK(ch.close(4001, "bye"));
    CHECK_FALSE(ch.close());
    CHECK_FALSE(ch.is_open());
    CHECK(ch.send("late") == send_status::closed);
    auto items = drain(*core);
    REQUIRE(items.size() == 1);
    CHECK(items[0].what == out_item::kind::close);
    CHECK(items[0].data == std::string("\x0f\xa1") + "bye");
    core->finish({.code = 4001, .reason = "bye", .by_server = true});
    core->finish({.code = 1006, .reason = "", .by_server = false});  // a second end changes nothing
    CHECK(closes == 1);
    CHECK(seen.code == 4001);
    CHECK(seen.name() == "server-close");
    REQUIRE(ch.status());
    CHECK(ch.status()->reason == "bye");
}

TEST_CASE("on_close registered after the close fires at once, exactly once") {
    asio::io_context io;
    auto core = make_core(io);
    channel ch(core);
    core->finish({.code = 1000, .reason = "", .by_server = false});
    int closes = 0;
    ch.on_close([&](channel&, const close_status& st) {
        ++closes;
        CHECK(st.name() == "normal");
    });
    CHECK(closes == 1);
}

TEST_CASE("send with close_after defaults: true on HTTP, false on WebSocket") {
    asio::io_context io;
    auto http = make_core(io, false);
    channel h(http);
    CHECK(h.send("answer"));
    CHECK_FALSE(h.is_open());
    auto items = drain(*http);
    REQUIRE(items.size() == 2);
    CHECK(items[0].what == out_item::kind::http_body);
    CHECK(items[1].what == out_item::kind::http_end);

    auto websocket = make_core(io, true);
    channel w(websocket);
    CHECK(w.send("hello"));
    CHECK(w.is_open());
    CHECK(w.send("last", true));
    CHECK_FALSE(w.is_open());
    CHECK(drain(*websocket).back().what == out_item::kind::close);
}

TEST_CASE("finish drops what was not written and tells each send's completion") {
    asio::io_context io;
    auto core = make_core(io);
    channel ch(core);
    std::error_code result;
    ch.send(ws::text("never written"), std::nullopt, [&](std::error_code ec) { result = ec; });
    core->finish({.code = 1006, .reason = "", .by_server = false});
    CHECK(result == ws::error::closed);
    CHECK(ch.buffered_amount() == 0);
}

TEST_CASE("receive() gets delivered messages in order, then nullopt once closed") {
    asio::io_context io;
    auto core = make_core(io);
    core->use_inbox();  // as ws::accept does
    std::vector<std::string> got;
    bool ended = false;
    asio::co_spawn(
        io,
        [&]() -> task<void> {
            while (auto m = co_await core->receive()) got.push_back(m->data);
            ended = true;
        },
        asio::detached);
    io.poll();  // the coroutine starts and waits
    core->deliver(ws::text("a"));
    io.poll();
    CHECK(got == std::vector<std::string>{"a"});
    core->deliver(ws::text(std::string(channel_core::inbox_limit, 'x')));
    core->deliver(ws::text("b"));  // the receiver has not run yet: both sit in the inbox
    CHECK(core->inbox_full());     // a reader would pause here
    io.poll();
    CHECK_FALSE(core->inbox_full());
    got.erase(got.begin() + 1);  // the big one
    core->finish({.code = 1000, .reason = "", .by_server = false});
    io.poll();
    CHECK(got == std::vector<std::string>{"a", "b"});
    CHECK(ended);
}

TEST_CASE("a send from another thread is posted to the channel's thread") {
    asio::io_context io;
    auto core = make_core(io, true, 1 << 20);
    recording_transport t;
    asio::post(io, [&] { core->attach(&t); });
    io.run();
    io.restart();
    const int before = t.wakes;
    std::thread other([&] { channel(core).send("from elsewhere"); });
    other.join();
    CHECK(t.wakes == before);  // not called on the other thread
    io.run();
    CHECK(t.wakes == before + 1);
    CHECK(drain(*core).size() == 1);
    core->detach();
}

TEST_CASE("channel_set: add, remove, broadcast one shared frame, drop closed members") {
    asio::io_context io;
    channel_set set;
    auto a = make_core(io, true, 1 << 20), b = make_core(io, true, 1 << 20), c = make_core(io, true, 1 << 20);
    set.add(channel(a));
    set.add(channel(b));
    set.add(channel(c));
    set.add(channel(a));
    CHECK(set.size() == 3);
    CHECK(set.remove(channel(c)));
    CHECK_FALSE(set.remove(channel(c)));
    b->finish({.code = 1000, .reason = "", .by_server = false});
    CHECK(set.broadcast(ws::text("hi all")) == 1);
    CHECK(set.size() == 1);  // b was closed: gone
    auto items = drain(*a);
    REQUIRE(items.size() == 1);
    REQUIRE(items[0].shared);
    CHECK(items[0].payload() == "hi all");
    CHECK(*items[0].shared == std::string("\x81\x06") + "hi all");  // FIN|text, length 6, unmasked
    CHECK(set.contains(channel(a)));
}

TEST_CASE("without on_receive or an inbox (a send-only as_channel) messages are dropped") {
    asio::io_context io;
    auto core = make_core(io);
    core->deliver(ws::text(std::string(channel_core::inbox_limit * 2, 'x')));
    CHECK_FALSE(core->inbox_full());  // the reader never pauses for a message nobody can read
}

TEST_CASE("channel_set takes a Ring socket (or a ws::stream) directly") {
    asio::io_context io;
    channel_set set;
    ws::socket s(channel(make_core(io)));
    set.add(s);
    CHECK(set.contains(s.channel()));
    CHECK(set.remove(s));
    CHECK(set.size() == 0);
}

TEST_CASE("a callback's exception: on the channel's thread logged and 1011 queued; elsewhere the caller's") {
    asio::io_context io;
    recording_log log;
    auto core = std::make_shared<channel_core>(io.get_executor(), true, 100, &log.logger);
    channel ch(core);
    ch.on_receive([](channel&, ws::message&&) { throw std::runtime_error("boom"); });
    io.run();  // registered there (posted: this is not the channel's thread)
    io.restart();
    // Off the channel's thread (no io.run() here) the exception is this caller's.
    CHECK_THROWS_AS(core->deliver(ws::text("a")), std::runtime_error);
    CHECK(log.lines.empty());
    CHECK(ch.is_open());

    asio::post(io, [&] { core->deliver(ws::text("b")); });
    io.run();
    REQUIRE(log.lines.size() == 1);
    CHECK(log.lines[0] == "WebSocket on_receive threw; closing with 1011: boom");
    CHECK_FALSE(ch.is_open());
    auto items = drain(*core);
    REQUIRE(items.size() == 1);
    CHECK(items[0].what == out_item::kind::close);
    CHECK(items[0].close_code == ws::close_code::internal_error);

    ch.on_close([](channel&, const close_status&) { throw std::runtime_error("in on_close"); });
    io.restart();
    asio::post(io, [&] { core->finish({.code = 1011, .reason = {}, .by_server = true}); });
    io.run();
    REQUIRE(log.lines.size() == 2);
    CHECK(log.lines[1] == "WebSocket on_close threw: in on_close");
    // Registered after the close, on_close runs here, and throws here.
    CHECK_THROWS_AS(ch.on_close([](channel&, const close_status&) { throw std::logic_error("late"); }),
                    std::logic_error);
    CHECK(log.lines.size() == 2);
}

// ---- issue 15: one vocabulary for the three APIs --------------------------

namespace channel_vocab {

int destroyed = 0;  // sentinels destroyed while live

// Lives in a callback's captures: counts the destruction of the function holding it.
struct sentinel {
    bool live = true;
    sentinel() = default;
    sentinel(const sentinel& o) : live(o.live) {}
    sentinel(sentinel&& o) noexcept : live(std::exchange(o.live, false)) {}
    sentinel& operator=(const sentinel&) = delete;
    sentinel& operator=(sentinel&&) = delete;
    ~sentinel() {
        if (live) ++destroyed;
    }
};

// Registers, through `set`, a callback that replaces itself (through `set`)
// the first time it runs, then fires the event twice on the channel's thread.
// What the callbacks saw, in order: the first one's tag, "second".
template <class Set, class Fire>
std::vector<std::string> run_self_replacing(Set set, Fire fire) {
    asio::io_context io;
    auto core = make_core(io);
    channel ch(core);
    std::vector<std::string> seen;
    auto second = [&seen](channel&, auto&&...) { seen.push_back("second"); };
    set(ch, [&seen, set, second, s = sentinel{}, tag = std::string(40, 'f')](channel& c, auto&&...) {
        set(c, second);
        CHECK(destroyed == 0);  // the running function is still alive
        seen.push_back(tag);    // its captures too (a use after free before the fix: ASan)
    });
    io.run();  // registered there (posted: this is not the channel's thread)
    io.restart();
    destroyed = 0;
    asio::post(io, [&] {
        fire(*core);
        fire(*core);
    });
    io.run();
    CHECK(destroyed == 1);  // ... and gone once it returned
    return seen;
}

}  // namespace channel_vocab

TEST_CASE("a callback that replaces its own slot while running survives the call; the new one gets the next event") {
    using channel_vocab::run_self_replacing;
    const std::vector<std::string> first_then_second{std::string(40, 'f'), "second"};
    CHECK(run_self_replacing([](const channel& c, auto f) { c.on_receive(std::move(f)); },
                             [](channel_core& core) { core.deliver(ws::text("m")); }) == first_then_second);
    CHECK(run_self_replacing([](const channel& c, auto f) { c.on_ping(std::move(f)); },
                             [](channel_core& core) { core.ping_received("p"); }) == first_then_second);
    CHECK(run_self_replacing([](const channel& c, auto f) { c.on_pong(std::move(f)); },
                             [](channel_core& core) { core.pong_received("p"); }) == first_then_second);
    CHECK(run_self_replacing([](const channel& c, auto f) { c.on_error(std::move(f)); },
                             [](channel_core& core) { core.report_error(ws::error::closed); }) == first_then_second);
    // on_close registered once closed runs at once, inside the running on_close.
    const std::vector<std::string> second_inside_first{"second", std::string(40, 'f')};
    CHECK(run_self_replacing([](const channel& c, auto f) { c.on_close(std::move(f)); },
                             [](channel_core& core) {
                                 core.finish({.code = 1000, .reason = "", .by_server = false});
                             }) == second_inside_first);
}

TEST_CASE("a callback during which the channel finishes survives the call") {
    using channel_vocab::destroyed;
    using channel_vocab::sentinel;
    asio::io_context io;
    auto core = make_core(io);
    channel ch(core);
    std::vector<std::string> seen;
    ch.on_receive([&seen, s = sentinel{}, tag = std::string(40, 't')](channel& c, ws::message&&) {
        c.core()->finish({.code = 1006, .reason = "", .by_server = false});  // as a transport failing under it
        CHECK(destroyed == 0);
        seen.push_back(tag);
    });
    io.run();
    io.restart();
    destroyed = 0;
    asio::post(io, [&] { core->deliver(ws::text("m")); });
    io.run();
    CHECK(seen == std::vector<std::string>{std::string(40, 't')});
    CHECK(destroyed == 1);
}

TEST_CASE("the three APIs' sends say the same: queued, backpressured, closed") {
    asio::io_context io;
    auto core = make_core(io, true, 10);
    channel ch(core);
    ws::stream stream(ch);
    ws::socket socket(ch);
    std::vector<std::error_code> errors;  // the Ring listener's on_error
    ch.on_error([&](channel&, std::error_code ec) { errors.push_back(ec); });
    io.run();
    io.restart();

    CHECK(ch.send(std::string(4, 'a')) == send_status::queued);
    CHECK(stream.try_send(ws::text("bbb")) == send_status::queued);
    CHECK(socket.send("ccc") == send_status::queued);
    CHECK(errors.empty());
    CHECK(ch.send("d") == send_status::backpressured);
    CHECK(stream.try_send(ws::text("d")) == send_status::backpressured);
    CHECK(socket.send("d") == send_status::backpressured);
    CHECK(errors == std::vector<std::error_code>{ws::error::backpressured});
    CHECK(ch.ping() == send_status::queued);  // control frames skip the mark
    CHECK(stream.ping() == send_status::queued);
    CHECK(socket.ping() == send_status::queued);

    core->finish({.code = 1000, .reason = "", .by_server = false});
    CHECK(ch.send("e") == send_status::closed);
    CHECK(stream.try_send(ws::text("e")) == send_status::closed);
    CHECK(socket.send("e") == send_status::closed);
    CHECK(ch.ping() == send_status::closed);
    CHECK(stream.ping() == send_status::closed);
    CHECK(socket.ping() == send_status::closed);
    CHECK(socket.pong() == send_status::closed);
    std::optional<send_status> awaited;
    asio::co_spawn(
        io, [&]() -> task<void> { awaited = co_await stream.send("e"); }, asio::detached);
    io.run();
    CHECK(awaited == send_status::closed);
    std::error_code async_failure;
    CHECK(socket.send_async(ws::text("e"), nullptr, [&](std::error_code ec) { async_failure = ec; }) ==
          send_status::closed);
    CHECK(async_failure == ws::error::closed);
}

TEST_CASE("a ping or pong over 125 bytes, or on an HTTP channel, is a programming error") {
    asio::io_context io;
    channel w(make_core(io));
    CHECK(w.ping(std::string(125, 'p')) == send_status::queued);
    CHECK_THROWS_AS(w.ping(std::string(126, 'p')), std::invalid_argument);
    CHECK_THROWS_AS(w.pong(std::string(126, 'p')), std::invalid_argument);
    channel h(make_core(io, false));
    CHECK_THROWS_AS(h.ping(), std::invalid_argument);
}

TEST_CASE("close() has the same default in the three APIs: 1000, no reason") {
    asio::io_context io;
    auto close_payload_of = [](channel_core& core) {
        auto items = drain(core);
        REQUIRE(items.size() == 1);
        CHECK(items[0].what == out_item::kind::close);
        CHECK(items[0].close_code == ws::close_code::normal);
        return items[0].data;
    };
    const std::string normal_no_reason("\x03\xe8", 2);
    auto a = make_core(io), b = make_core(io), c = make_core(io);
    CHECK(channel(a).close());
    CHECK(close_payload_of(*a) == normal_no_reason);
    CHECK(ws::stream(channel(b)).close());
    CHECK(close_payload_of(*b) == normal_no_reason);
    ws::socket s{channel(c)};
    CHECK(s.close());
    CHECK(close_payload_of(*c) == normal_no_reason);
    CHECK_FALSE(s.close());  // already closing: as channel::close and ws::stream::close say
}
