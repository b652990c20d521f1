#include "ringkit/ws/session.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/test_stream.hpp"
#include "ringkit/ws/message_reader.hpp"

using namespace std::chrono_literals;
using ringkit::channel;
using ringkit::close_status;
using ringkit::test::stream_script;
using ringkit::test::test_stream;
namespace ws = ringkit::ws;

namespace ws_session_test {

// The session's time, stepped by hand: deadlines fire when a test says so,
// and no test sleeps through one.
struct manual_clock {
    using duration = std::chrono::steady_clock::duration;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<manual_clock>;
    static constexpr bool is_steady = true;
    static inline time_point current{};
    static time_point now() noexcept { return current; }
};

using session = ringkit::detail::ws_session<test_stream, manual_clock>;

}  // namespace ws_session_test

// Asio sleeps until a timer's expiry as the clock computes it; a clock that
// jumps must be looked at again soon (Asio's own time_t_timer example does this).
template <>
struct asio::wait_traits<ws_session_test::manual_clock> {
    static ws_session_test::manual_clock::duration to_wait_duration(const ws_session_test::manual_clock::duration&) {
        return std::chrono::milliseconds(1);
    }
    static ws_session_test::manual_clock::duration to_wait_duration(const ws_session_test::manual_clock::time_point&) {
        return std::chrono::milliseconds(1);
    }
};

namespace ws_session_test {

// A client frame, masked with the key 00 00 00 00 so its payload reads as sent.
std::string client_frame(ws::opcode op, std::string_view payload) {
    char head[ws::max_header_size];
    std::string out(head, ws::encode_header(head, op, payload.size(), true, false, 0u));
    return out + std::string(payload);
}
std::string client_close(std::uint16_t code, std::string_view reason = {}) {
    std::string payload;
    ws::append_close_payload(payload, code, reason);
    return client_frame(ws::opcode::close, payload);
}

// What the server wrote, as a client reads it: "text:hi", "ping:", "close:1000".
std::vector<std::string> frames_of(std::string wire) {
    ws::message_reader r(1 << 24, std::nullopt, false);
    std::vector<std::string> out;
    std::span<char> in(wire.data(), wire.size());
    while (!in.empty() && !r.done()) {
        auto [ev, used] = r.read(in);
        in = in.subspan(used);
        switch (ev) {
        case ws::read_event::message: {
            auto m = r.take_message();
            out.push_back((m.is_text() ? "text:" : "binary:") + m.data);
            break;
        }
        case ws::read_event::ping: out.push_back("ping:" + std::string(r.control())); break;
        case ws::read_event::pong: out.push_back("pong:" + std::string(r.control())); break;
        case ws::read_event::close: out.push_back("close:" + std::to_string(r.peer_close().code)); break;
        case ws::read_event::failed: out.push_back("unreadable"); break;
        case ws::read_event::need_more: break;
        }
    }
    return out;
}

using list = std::vector<std::string>;

}  // namespace ws_session_test

namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
    static String convert(const std::vector<std::string>& v) {
        std::string out = "{";
        for (const auto& s : v) out += "\"" + s.substr(0, 40) + "\" ";
        return (out + "}").c_str();
    }
};
}  // namespace doctest

namespace ws_session_test {

// One session over a scripted stream, with HTTP-Kit style callbacks on its channel.
struct harness {
    asio::io_context ctx;
    std::shared_ptr<stream_script> script = std::make_shared<stream_script>();
    ws::config config;
    std::shared_ptr<ringkit::detail::channel_core> core;
    channel ch;
    std::vector<std::string> errors;
    std::optional<close_status> closed;
    session::handle s;

    harness() {
        script->eof_when_drained = false;  // a client that stays until it closes
        core = std::make_shared<ringkit::detail::channel_core>(ctx.get_executor(), true, config.high_water);
        ch = channel(core);
        ch.on_error([this](channel&, std::error_code ec) { errors.push_back(ec.message()); });
        ch.on_close([this](channel&, const close_status& st) { closed = st; });
    }
    ~harness() {
        // As a server's stop does: a session still open ends, and lets go of itself.
        if (s) s->force_close();
        run();
    }
    harness(const harness&) = delete;
    harness& operator=(const harness&) = delete;

    void echo() {
        ch.on_receive([](channel& c, ws::message&& m) { c.send(std::move(m)); });
    }
    void start(std::string input = {}) {
        ctx.poll();  // callbacks set from outside the connection's thread are posted there
        ctx.restart();
        s = session::create(test_stream(ctx.get_executor(), script), config, 1s, core);
        s->start(std::move(input));
    }
    void run() {
        ctx.restart();
        ctx.run_for(100ms);
    }
    /// Time passes for the session (and only for it): what falls due runs.
    void advance(std::chrono::milliseconds d) {
        manual_clock::current += d;
        run();
    }
    list wrote() const { return frames_of(script->output); }
};

TEST_CASE("ws_session: echoes over one-byte reads, and the client's close ends it cleanly") {
    harness h;
    h.echo();
    h.script->read_size = 1;
    h.start(client_frame(ws::opcode::text, "hello") + client_frame(ws::opcode::binary, "bin"));
    h.run();
    h.script->push(client_close(1000, "bye"));
    h.run();
    CHECK(h.wrote() == list{"text:hello", "binary:bin", "close:1000"});
    REQUIRE(h.closed);
    CHECK(h.closed->code == 1000);
    CHECK(h.closed->reason == "bye");
    CHECK_FALSE(h.closed->by_server);
    CHECK(h.script->closed);
    CHECK(h.errors.empty());
}

TEST_CASE("ws_session: the echoes of one read go out in one gather write (corked)") {
    harness h;
    h.echo();
    h.start();
    h.run();
    const int before = h.script->writes;
    h.script->push(client_frame(ws::opcode::text, "a") + client_frame(ws::opcode::text, "b") +
                   client_frame(ws::opcode::text, "c"));
    h.run();
    CHECK(h.wrote() == list{"text:a", "text:b", "text:c"});
    CHECK(h.script->writes == before + 1);
}

TEST_CASE("ws_session: partial writes and a full socket: every byte goes out, in order, then completions run") {
    harness h;
    h.script->write_size = 7;
    h.script->room = 100;  // the client is slow to read
    h.start();
    h.run();
    const std::string big(5000, 'x');
    std::vector<std::string> done;
    h.ch.send(ws::text(big), std::nullopt, [&](std::error_code ec) { done.push_back(ec ? ec.message() : "ok"); });
    h.ch.send("after");
    h.run();
    CHECK(h.script->output.size() == 100);
    CHECK(h.script->pending_write);  // the non-blocking write stopped: an async write waits for room
    CHECK(done.empty());
    CHECK(h.ch.buffered_amount() > 0);
    const list both{"text:" + big, "text:after"};
    for (int i = 0; i < 100 && h.wrote() != both; ++i) {
        h.script->make_room(333);
        h.run();
    }
    CHECK(h.wrote() == both);
    CHECK(done == std::vector<std::string>{"ok"});
    CHECK(h.ch.buffered_amount() == 0);
}

TEST_CASE("ws_session: a callback that closes and then sends: the close is last, the send refused") {
    harness h;
    std::vector<ringkit::send_status> sent;
    h.ch.on_receive([&](channel& c, ws::message&&) {
        c.send("reply");
        c.close(4000, "enough");
        sent.push_back(c.send("too late"));
    });
    h.start(client_frame(ws::opcode::text, "go") + client_frame(ws::opcode::text, "ignored"));
    h.run();
    // The second message is not delivered: we are closing.
    CHECK(sent == std::vector<ringkit::send_status>{ringkit::send_status::closed});
    h.script->push(client_close(4000));
    h.run();
    CHECK(h.wrote() == list{"text:reply", "close:4000"});
    REQUIRE(h.closed);
    CHECK(h.closed->code == 4000);
    CHECK(h.closed->reason == "enough");
    CHECK(h.closed->by_server);
}

TEST_CASE("ws_session: a protocol error fails the connection with 1002 and reports it") {
    harness h;
    h.start(std::string("\x81\x02hi", 4));  // unmasked
    h.run();
    CHECK(h.wrote() == list{"close:1002"});
    REQUIRE(h.closed);
    CHECK(h.closed->code == 1002);
    CHECK(h.closed->by_server);
    CHECK(h.errors.size() == 1);
    CHECK(h.script->closed);
}

TEST_CASE("ws_session: invalid UTF-8 → 1007; too big → 1009") {
    SUBCASE("1007") {
        harness h;
        h.start(client_frame(ws::opcode::text, "\xff"));
        h.run();
        CHECK(h.wrote() == list{"close:1007"});
    }
    SUBCASE("1009") {
        harness h;
        h.config.max_message = 10;
        h.start(client_frame(ws::opcode::text, std::string(11, 'a')));
        h.run();
        CHECK(h.wrote() == list{"close:1009"});
    }
}

TEST_CASE("ws_session: TCP ending without a close frame is 1006, and on_error says connection lost") {
    harness h;
    h.start();
    h.run();
    h.script->client_eof();
    h.run();
    REQUIRE(h.closed);
    CHECK(h.closed->code == 1006);
    CHECK_FALSE(h.closed->by_server);
    CHECK(h.errors == std::vector<std::string>{"connection lost"});
}

TEST_CASE("ws_session: a failed write ends it with 1006; queued completions learn why") {
    harness h;
    h.script->fail_write_at = 0;
    h.start();
    h.run();
    std::string why;
    h.ch.send(ws::text("x"), std::nullopt, [&](std::error_code ec) { why = ec.message(); });
    h.run();
    REQUIRE(h.closed);
    CHECK(h.closed->code == 1006);
    CHECK(h.closed->reason == "write failed");
    CHECK(why == "connection lost");
}

TEST_CASE("ws_session: our close unanswered: the connection is dropped after close_timeout") {
    harness h;
    h.start();
    h.run();
    h.ch.close(1000, "done");
    h.run();
    CHECK(h.wrote() == list{"close:1000"});
    h.advance(h.config.close_timeout - 1ms);
    CHECK_FALSE(h.closed);
    h.advance(1ms);
    REQUIRE(h.closed);
    CHECK(h.closed->code == 1000);
    CHECK(h.closed->by_server);
    CHECK(h.script->closed);
}

TEST_CASE("ws_session: idle: a ping at half idle_timeout, then close 1001 if nothing comes back") {
    harness h;
    h.config.idle_timeout = 120s;
    h.start();
    h.run();
    h.advance(59s);
    CHECK(h.wrote().empty());
    h.advance(1s);
    CHECK(h.wrote() == list{"ping:"});
    h.advance(59s);
    CHECK(h.wrote() == list{"ping:"});
    h.advance(1s);
    CHECK(h.wrote() == list{"ping:", "close:1001"});
    h.script->push(client_close(1001));
    h.run();
    REQUIRE(h.closed);
    CHECK(h.closed->code == 1001);
    CHECK(h.closed->reason == "idle timeout");
    CHECK(h.closed->by_server);
}

TEST_CASE("ws_session: idle: a pong (any bytes) keeps the connection") {
    harness h;
    h.config.idle_timeout = 120s;
    h.start();
    h.run();
    h.advance(60s);
    CHECK(h.wrote() == list{"ping:"});
    h.script->push(client_frame(ws::opcode::pong, ""));
    h.run();
    h.advance(59s);
    CHECK(h.wrote() == list{"ping:"});  // the next ping is due 60 s after the pong, not the first ping
    h.advance(1s);
    CHECK(h.wrote() == list{"ping:", "ping:"});
    CHECK_FALSE(h.closed);
}

TEST_CASE("ws_session: a write that makes no progress for write_timeout drops the connection") {
    harness h;
    h.script->room = 3;
    h.start();
    h.run();
    h.ch.send("stuck behind a client that does not read");
    h.run();
    h.advance(999ms);  // the harness's write_timeout is 1 s
    CHECK_FALSE(h.closed);
    h.advance(1ms);
    REQUIRE(h.closed);
    CHECK(h.closed->code == 1006);
    CHECK(h.closed->reason == "write timeout");
    CHECK(h.script->closed);
}

TEST_CASE("ws_session: several pings in one read are each answered, in order") {
    harness h;
    h.start();
    h.run();
    h.script->push(client_frame(ws::opcode::ping, "a") + client_frame(ws::opcode::ping, "b") +
                   client_frame(ws::opcode::ping, "c"));
    h.run();
    CHECK(h.wrote() == list{"pong:a", "pong:b", "pong:c"});
}

TEST_CASE("ws_session: pings are answered; a flood leaves at most one pong queued, then the latest") {
    harness h;
    h.script->room = 0;  // the client does not read: nothing can be written
    h.start();
    h.run();
    std::string pings;
    for (int i = 0; i < 50; ++i) pings += client_frame(ws::opcode::ping, "p" + std::to_string(i));
    h.script->push(pings);
    h.run();
    CHECK(h.ch.buffered_amount() <= 4);  // one pong ("p0"), not fifty
    h.script->make_room(stream_script::unlimited);
    h.run();
    CHECK(h.wrote() == list{"pong:p0", "pong:p49"});
}

TEST_CASE("ws_session: server stop sends 1001, and the handshake completes") {
    harness h;
    h.start();
    h.run();
    h.s->request_stop();
    h.run();
    CHECK(h.wrote() == list{"close:1001"});
    h.script->push(client_close(1001));
    h.run();
    REQUIRE(h.closed);
    CHECK(h.closed->code == 1001);
    CHECK(h.closed->by_server);
}

}  // namespace ws_session_test
