// ws_load: a one-thread WebSocket load generator and checker, driven by ws_run.sh and soak.sh.
//
//   ws_load echo  --port P [--path /ws/echo] [--conns 50] [--size 32] [--kind text|binary] [--duration 5]
//   ws_load idle  --port P [--path /ws/echo] [--conns 1000] [--hold 5] [--batch 200] [--ready-file F]
//   ws_load check --port P [--path /ws/echo] [--max-size 65536]
//   ws_load soak  --port P [--path /ws/echo,/ws/as-channel-echo] [--conns 1000] [--hold S] [--interval 5]
//                 [--size 256] [--batch 200] [--report 5] [--ready-file F]
//   ws_load fanout --ports P1,P2,.. --path /ws/broadcast/room [--conns 1000] [--size 128] [--proto ws|socketio]
//                 [--rate R] [--window W] [--duration 5] [--warmup 0] [--drain 10] [--batch 200]
//                 [--server-pids A,B,..] [--redis-pid R]
//
// echo: every connection does the opening handshake (Sec-WebSocket-Accept verified,
//   no extension accepted since none is offered), then, once all are open, loops for
//   `duration` seconds: send one masked frame (a fresh random mask key per frame; the
//   payload differs per message: a window of a random pattern at a per-message offset,
//   stamped with the sequence number), read the echo, compare opcode and payload byte
//   for byte. One message in flight per connection. Ends with a close handshake.
//   Prints one line:
//     echo conns=50 size=32 kind=text secs=5.00 messages=N msgs_per_s=X errors=E p50_us=A p99_us=B
//   Round trip = from just before the write to the last byte of the echo.
// idle: opens `conns` connections, at most `batch` handshakes in flight, prints
//   `ready N` (and creates --ready-file) once all are open, holds them `hold` seconds
//   sending nothing (a ping is answered, anything else from the server is an error),
//   then closes each with a close handshake.
// soak: opens `conns` connections like idle, spread round-robin over the routes of
//   --path (a comma-separated list), then for `hold` seconds each sends a message every
//   `interval` seconds (sizes 1..size, text and binary in turn) and verifies its echo;
//   then closes each with a close handshake. Prints a `progress t= opened= live=
//   messages= errors=` line every `report` seconds, `ready N` when all are open, and
//     soak conns=N opened=N closed_cleanly=N hold=S interval=S messages=M errors=E p50_us=A p99_us=B
//   Driven by soak.sh, with HTTP load beside it.
// fanout: one room of `conns` connections over --ports, connection 0 also publishing;
//   a steady phase (--rate) and a saturating one (--window), every delivery counted,
//   checked and timed. Driven by scale_run.sh; see ws_load_fanout.hpp.
// check: one connection; text and binary echoes of sizes 0 .. max-size (every length
//   encoding), a fragmented text message with a ping between its fragments, a ping,
//   and the close handshake. A readiness and correctness probe for a route.
//
// --tls: every connection speaks wss (TLS 1.3, a full handshake each, the certificate not
//   verified); needs a build with OpenSSL.
//
// Any handshake failure, protocol violation by the server (masked or RSV-flagged
// frames, bad lengths or opcodes), mismatched echo, unexpected close or timeout is an
// error: the first few are printed to stderr and the exit status is 1.
// Everything is bounded in time: a watchdog stops the run if the server stalls.
#include "ws_load_client.hpp"
#include "ws_load_fanout.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace ws_load;

// ---- shared run state --------------------------------------------------------------------------

struct run_state {
    explicit run_state(asio::io_context& io) : io(io), gate(io, clock_type::time_point::max()), watchdog(io) {}
    asio::io_context& io;
    tcp::endpoint endpoint;
    options opt;
    std::uint64_t seed = 0;
    std::size_t errors = 0;
    std::vector<std::string> error_samples;
    std::size_t finished = 0;  // connections whose coroutine ended
    // echo mode
    asio::steady_timer gate;  // all connections wait here until every handshake is done
    std::size_t arrived = 0;
    bool started = false;
    clock_type::time_point start, end;
    std::uint64_t messages = 0;
    histogram rtt;
    std::vector<std::uint8_t> pattern;
    // watchdog: stops the io_context if the run outlives its bound
    asio::steady_timer watchdog;
    bool timed_out = false;

    void error(std::size_t id, const std::string& what) {
        ++errors;
        if (error_samples.size() < 5) error_samples.push_back("connection " + std::to_string(id) + ": " + what);
    }
    void arm_watchdog(double seconds) {
        watchdog.expires_after(std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
        watchdog.async_wait([this](std::error_code ec) {
            if (ec) return;
            timed_out = true;
            io.stop();
        });
    }
};

// ---- echo mode ---------------------------------------------------------------------------------

void arrive(run_state& st) {
    if (++st.arrived < st.opt.conns) return;
    st.started = true;
    st.start = clock_type::now();
    st.end = st.start + std::chrono::microseconds(static_cast<long long>(st.opt.duration * 1e6));
    st.arm_watchdog(st.opt.duration + 10);  // the messages in flight and the close handshakes
    st.gate.cancel();
}

void finish(run_state& st) {
    if (++st.finished == st.opt.conns) st.watchdog.cancel();
}

// The payload of message `seq` on connection `id`: a window of the pattern at a
// per-message offset, the first bytes stamped with the sequence number.
void make_payload(const run_state& st, std::size_t id, std::uint64_t seq, std::vector<std::uint8_t>& out) {
    const std::size_t offset = (id * 97 + seq * 61) % 4096;
    std::memcpy(out.data(), st.pattern.data() + offset, out.size());
    if (st.opt.binary) {
        std::memcpy(out.data(), &seq, std::min<std::size_t>(8, out.size()));
    } else {
        static constexpr char hex[] = "0123456789abcdef";
        for (std::size_t i = 0; i < 8 && i < out.size(); ++i)
            out[i] = static_cast<std::uint8_t>(hex[(seq >> (28 - 4 * i)) & 15]);
    }
}

// Empty if m is the echo of `expect` sent with opcode `op`; else what is wrong with it.
std::string echo_mismatch(const message& m, std::uint8_t op, const std::vector<std::uint8_t>& expect,
                          std::uint64_t seq) {
    std::string bad;
    if (m.opcode == op_close) {
        bad = "server closed the connection";
        if (m.size >= 2) bad += " with code " + std::to_string(m.data[0] << 8 | m.data[1]);
    } else if (m.opcode != op) {
        bad = std::string("echo is ") + (m.opcode == op_text ? "text" : "binary") + ", sent the other kind";
    } else if (m.size != expect.size()) {
        bad = "echo is " + std::to_string(m.size) + " bytes, sent " + std::to_string(expect.size());
    } else if (m.size && std::memcmp(m.data, expect.data(), m.size) != 0) {
        const auto at = std::mismatch(m.data, m.data + m.size, expect.data()).first - m.data;
        bad = "echo differs from message " + std::to_string(seq) + " at byte " + std::to_string(at);
    }
    return bad;
}

awaitable<void> echo_connection(run_state& st, std::size_t id) {
    connection c(st.io, st.seed + id);
    const bool opened = co_await c.open(st.endpoint, st.opt);
    if (!opened) st.error(id, c.error);
    arrive(st);
    if (!opened) co_return finish(st);
    if (!st.started) co_await st.gate.async_wait(use_tuple);
    const std::uint8_t first = 0x80 | (st.opt.binary ? op_binary : op_text);
    std::vector<std::uint8_t> expect(st.opt.size);
    for (std::uint64_t seq = 0;; ++seq) {
        if (clock_type::now() >= st.end) break;
        make_payload(st, id, seq, expect);
        const auto t0 = clock_type::now();
        message m;
        if (!co_await c.send(first, expect.data(), expect.size()) || !co_await c.receive(m)) {
            st.error(id, c.error);
            co_return finish(st);
        }
        if (const auto bad = echo_mismatch(m, first & 0x0F, expect, seq); !bad.empty()) {
            st.error(id, bad);
            co_return finish(st);
        }
        const auto t1 = clock_type::now();
        if (t1 <= st.end) {
            ++st.messages;
            st.rtt.add(
                static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
        }
    }
    if (!co_await c.close_handshake()) st.error(id, "close: " + c.error);
    finish(st);
}

// ---- idle mode -----------------------------------------------------------------------------------

struct idle_state {
    std::vector<std::unique_ptr<connection>> conns;
    std::size_t next = 0, opened = 0, openers = 0;
    bool closing = false;
    std::size_t closed = 0;
};

awaitable<void> idle_watch(run_state& st, idle_state& is, std::size_t id, connection& c) {
    message m;
    c.aborted = is.closing;                        // the hold may have ended before this coroutine first ran
    while (!c.aborted && co_await c.receive(m)) {  // a ping is answered inside receive; anything else is wrong
        st.error(id, m.opcode == op_close ? "server closed an idle connection"
                                          : "server sent a message to an idle connection");
        co_return finish(st);
    }
    if (!(is.closing && c.aborted)) {
        st.error(id, "while idle: " + c.error);
        co_return finish(st);
    }
    c.error.clear();
    if (!co_await c.close_handshake()) st.error(id, "close: " + c.error);
    else ++is.closed;
    finish(st);
}

void start_hold(run_state& st, idle_state& is) {
    std::printf("ready %zu\n", is.opened);
    std::fflush(stdout);
    if (!st.opt.ready_file.empty()) {
        if (std::FILE* f = std::fopen(st.opt.ready_file.c_str(), "w")) {
            std::fprintf(f, "%zu\n", is.opened);
            std::fclose(f);
        }
    }
    auto hold = std::make_shared<asio::steady_timer>(
        st.io, std::chrono::milliseconds(static_cast<long long>(st.opt.hold * 1000)));
    st.arm_watchdog(st.opt.hold + 30 + static_cast<double>(is.opened) / 500);
    hold->async_wait([&st, &is, hold](std::error_code) {
        is.closing = true;
        for (auto& c : is.conns) {
            std::error_code ignored;
            c->socket.cancel(ignored);
        }
        if (st.finished == st.opt.conns) st.watchdog.cancel();
    });
}

awaitable<void> idle_opener(run_state& st, idle_state& is) {
    while (is.next < st.opt.conns) {
        const std::size_t id = is.next++;
        auto c = std::make_unique<connection>(st.io, st.seed + id);
        if (co_await c->open(st.endpoint, st.opt)) {
            ++is.opened;
            auto& ref = *c;
            is.conns.push_back(std::move(c));
            asio::co_spawn(st.io, idle_watch(st, is, id, ref), asio::detached);
        } else {
            st.error(id, c->error);
            finish(st);
        }
    }
    if (--is.openers == 0) start_hold(st, is);
}

// ---- soak mode -----------------------------------------------------------------------------------

struct soak_state {
    explicit soak_state(asio::io_context& io) : gate(io, clock_type::time_point::max()), progress(io) {}
    std::vector<options> routes;  // connection i upgrades on routes[i % routes.size()]
    std::vector<std::uint64_t> route_messages;
    std::size_t next = 0, openers = 0, opened = 0, live = 0, closed = 0;
    bool holding = false;
    clock_type::time_point begin, hold_start, hold_end;
    asio::steady_timer gate;      // opened connections wait here until every handshake is done
    asio::steady_timer progress;  // a progress line every --report seconds, for soak.sh's table
};

void soak_progress_line(const run_state& st, const soak_state& ss) {
    std::printf("progress t=%.1f opened=%zu live=%zu messages=%llu errors=%zu\n",
                std::chrono::duration<double>(clock_type::now() - ss.begin).count(), ss.opened, ss.live,
                static_cast<unsigned long long>(st.messages), st.errors);
    std::fflush(stdout);
}

void soak_report(run_state& st, soak_state& ss) {
    ss.progress.expires_after(std::chrono::milliseconds(static_cast<long long>(st.opt.report * 1000)));
    ss.progress.async_wait([&st, &ss](std::error_code ec) {
        if (ec) return;
        soak_progress_line(st, ss);
        soak_report(st, ss);
    });
}

void soak_finish(run_state& st, soak_state& ss) {
    if (++st.finished < st.opt.conns) return;
    st.watchdog.cancel();
    ss.progress.cancel();
}

void start_soak(run_state& st, soak_state& ss) {
    ss.holding = true;
    ss.hold_start = clock_type::now();
    ss.hold_end = ss.hold_start + std::chrono::microseconds(static_cast<long long>(st.opt.hold * 1e6));
    std::printf("ready %zu\n", ss.opened);
    std::fflush(stdout);
    if (!st.opt.ready_file.empty()) {
        if (std::FILE* f = std::fopen(st.opt.ready_file.c_str(), "w")) {
            std::fprintf(f, "%zu\n", ss.opened);
            std::fclose(f);
        }
    }
    // The last exchanges, then the close handshakes (the server may take websocket.close_timeout).
    st.arm_watchdog(st.opt.hold + st.opt.interval + 30 + static_cast<double>(ss.opened) / 500);
    ss.gate.cancel();
    if (st.finished == st.opt.conns) st.watchdog.cancel(), ss.progress.cancel();
}

// One held connection: from the start of the hold, a message every `interval` seconds
// (first one at a random point of the first interval, so the server sees a steady rate),
// each a fresh size in 1..size, text and binary in turn, its echo verified; at the end
// of the hold, the close handshake. Between messages nothing is read: a close from the server is seen
// at the next exchange, which is an error.
awaitable<void> soak_connection(run_state& st, soak_state& ss, std::size_t id, std::unique_ptr<connection> owned) {
    connection& c = *owned;
    if (!ss.holding) co_await ss.gate.async_wait(use_tuple);
    const auto interval =
        std::chrono::microseconds(std::max<long long>(1, static_cast<long long>(st.opt.interval * 1e6)));
    auto next = ss.hold_start + std::chrono::microseconds(c.rng.next() % static_cast<std::uint64_t>(interval.count()));
    asio::steady_timer timer(st.io);
    std::vector<std::uint8_t> expect;
    bool ok = true;
    for (std::uint64_t seq = 0; next < ss.hold_end; ++seq, next = std::max(next + interval, clock_type::now())) {
        timer.expires_at(next);
        co_await timer.async_wait(use_tuple);
        const std::uint8_t op = (id + seq) % 2 ? op_binary : op_text;
        expect.resize(1 + c.rng.next() % st.opt.size);
        if (op == op_binary) {
            for (auto& b : expect) b = static_cast<std::uint8_t>(c.rng.next());
        } else {
            make_payload(st, id, seq, expect);
        }
        const auto t0 = clock_type::now();
        message m;
        if (!co_await c.send(0x80 | op, expect.data(), expect.size()) || !co_await c.receive(m)) {
            st.error(id, "message " + std::to_string(seq) + ": " + c.error);
            ok = false;
            break;
        }
        if (const auto bad = echo_mismatch(m, op, expect, seq); !bad.empty()) {
            st.error(id, bad);
            ok = false;
            break;
        }
        ++st.messages;
        ++ss.route_messages[id % ss.routes.size()];
        st.rtt.add(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - t0).count()));
    }
    if (ok) {  // held to the end of the hold, as soak.sh's HTTP load is
        timer.expires_at(ss.hold_end);
        co_await timer.async_wait(use_tuple);
        if (co_await c.close_handshake()) ++ss.closed;
        else st.error(id, "close: " + c.error);
    }
    --ss.live;
    soak_finish(st, ss);
}

awaitable<void> soak_opener(run_state& st, soak_state& ss) {
    while (ss.next < st.opt.conns) {
        const std::size_t id = ss.next++;
        auto c = std::make_unique<connection>(st.io, st.seed + id);
        if (co_await c->open(st.endpoint, ss.routes[id % ss.routes.size()])) {
            ++ss.opened;
            ++ss.live;
            asio::co_spawn(st.io, soak_connection(st, ss, id, std::move(c)), asio::detached);
        } else {
            st.error(id, "open: " + c->error);
            soak_finish(st, ss);
        }
    }
    if (--ss.openers == 0) start_soak(st, ss);
}

// ---- check mode ------------------------------------------------------------------------------------

awaitable<void> check_connection(run_state& st) {
    connection c(st.io, st.seed);
    std::size_t echoes = 0;
    auto round_trip = [&](std::uint8_t op, std::vector<std::uint8_t> payload) -> awaitable<bool> {
        message m;
        if (!co_await c.send(0x80 | op, payload.data(), payload.size()) || !co_await c.receive(m)) co_return false;
        if (m.opcode != op || m.size != payload.size() || (m.size && std::memcmp(m.data, payload.data(), m.size))) {
            c.error = "wrong echo of a " + std::to_string(payload.size()) + "-byte " +
                      (op == op_text ? "text" : "binary") + " message";
            co_return false;
        }
        ++echoes;
        co_return true;
    };
    bool ok = co_await c.open(st.endpoint, st.opt);
    for (std::uint8_t op : {op_text, op_binary}) {
        for (std::size_t size : {0, 1, 125, 126, 127, 1000, 65535, 65536, 70000, 1 << 20}) {
            if (!ok || size > st.opt.max_size) continue;
            std::vector<std::uint8_t> payload(size);
            for (std::size_t i = 0; i < size; ++i)
                payload[i] = op == op_text ? st.pattern[i % 4096] : static_cast<std::uint8_t>(c.rng.next());
            ok = co_await round_trip(op, std::move(payload));
        }
    }
    if (ok) {  // "Hello, " + ping + "frag" + "ment!" -> a pong, then one text message
        static constexpr std::string_view parts[] = {"Hello, ", "frag", "ment!"};
        auto bytes = [](std::string_view s) { return reinterpret_cast<const std::uint8_t*>(s.data()); };
        const std::string_view ping = "mid-message ping";
        ok = co_await c.send(op_text, bytes(parts[0]), parts[0].size()) &&
             co_await c.send(0x80 | op_ping, bytes(ping), ping.size()) &&
             co_await c.send(op_cont, bytes(parts[1]), parts[1].size()) &&
             co_await c.send(0x80 | op_cont, bytes(parts[2]), parts[2].size());
        bool got_pong = false, got_echo = false;
        while (ok && !(got_pong && got_echo)) {
            message m;
            ok = co_await c.receive(m, true);
            if (!ok) break;
            const std::string_view body(reinterpret_cast<const char*>(m.data), m.size);
            if (m.opcode == op_pong && body == ping) got_pong = true;
            else if (m.opcode == op_text && body == "Hello, fragment!") got_echo = true, ++echoes;
            else ok = false, c.error = "wrong answer to a fragmented message with a ping inside";
        }
    }
    if (ok) {
        const std::string_view ping = "ringkit";
        message m;
        ok = co_await c.send(0x80 | op_ping, reinterpret_cast<const std::uint8_t*>(ping.data()), ping.size()) &&
             co_await c.receive(m, true);
        if (ok && (m.opcode != op_pong || std::string_view(reinterpret_cast<const char*>(m.data), m.size) != ping))
            ok = false, c.error = "ping not answered by a pong with its payload";
    }
    if (ok) ok = co_await c.close_handshake();
    if (!ok) st.error(0, c.error);
    else std::printf("check ok: %s, %zu echoes, ping/pong, fragments, close handshake\n", st.opt.path.c_str(), echoes);
    st.watchdog.cancel();
}

// ---- main ----------------------------------------------------------------------------------------

[[noreturn]] void usage() {
    std::fprintf(
        stderr,
        "usage: ws_load echo  --port P [--path /ws/echo] [--conns 50] [--size 32] [--kind text|binary] [--duration S]\n"
        "       ws_load idle  --port P [--path /ws/echo] [--conns N] [--hold S] [--batch 200] [--ready-file F]\n"
        "       ws_load check --port P [--path /ws/echo] [--max-size BYTES]\n"
        "       ws_load soak  --port P [--path P1,P2,..] [--conns N] [--hold S] [--interval 5] [--size 256]\n"
        "                     [--batch 200] [--report 5] [--ready-file F]\n"
        "       ws_load fanout --ports P1,P2,.. --path PATH [--conns 1000] [--size 128] [--proto ws|socketio]\n"
        "                     [--rate R] [--window W] [--duration S] [--warmup S] [--drain S] [--batch 200]\n"
        "                     [--server-pids A,B,..] [--redis-pid R]\n"
        "       (all: [--host 127.0.0.1] [--tls])\n");
    std::exit(2);
}

double number(const char* flag, const char* value) {
    char* end = nullptr;
    const double v = value ? std::strtod(value, &end) : 0;
    if (!value || *end != '\0' || v < 0) {
        std::fprintf(stderr, "ws_load: %s needs a non-negative number\n", flag);
        std::exit(2);
    }
    return v;
}

options parse_args(int argc, char** argv) {
    if (argc < 2) usage();
    options o;
    o.mode = argv[1];
    if (o.mode != "echo" && o.mode != "idle" && o.mode != "check" && o.mode != "soak" && o.mode != "fanout") usage();
    o.conns = o.mode == "echo" ? 50 : o.mode == "idle" || o.mode == "soak" || o.mode == "fanout" ? 1000 : 1;
    if (o.mode == "soak") o.size = 256;
    if (o.mode == "fanout") o.size = 128;
    for (int i = 2; i < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--tls") {  // the one flag without a value
            o.tls = true;
            --i;
            continue;
        }
        const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
        if (!value) usage();
        if (flag == "--host") o.host = value;
        else if (flag == "--port") o.port = static_cast<unsigned short>(number(argv[i], value));
        else if (flag == "--path") o.path = value;
        else if (flag == "--conns") o.conns = static_cast<std::size_t>(number(argv[i], value));
        else if (flag == "--size") o.size = static_cast<std::size_t>(number(argv[i], value));
        else if (flag == "--kind" && (value == std::string_view("text") || value == std::string_view("binary")))
            o.binary = value == std::string_view("binary");
        else if (flag == "--duration") o.duration = number(argv[i], value);
        else if (flag == "--hold") o.hold = number(argv[i], value);
        else if (flag == "--batch")
            o.batch = std::max<std::size_t>(1, static_cast<std::size_t>(number(argv[i], value)));
        else if (flag == "--ready-file") o.ready_file = value;
        else if (flag == "--max-size") o.max_size = static_cast<std::size_t>(number(argv[i], value));
        else if (flag == "--interval") o.interval = number(argv[i], value);
        else if (flag == "--report") o.report = std::max(0.1, number(argv[i], value));
        else if (flag == "--ports") o.ports = value;
        else if (flag == "--proto" && (value == std::string_view("ws") || value == std::string_view("socketio")))
            o.socketio = value == std::string_view("socketio");
        else if (flag == "--rate") o.rate = number(argv[i], value);
        else if (flag == "--window") o.window = static_cast<std::size_t>(number(argv[i], value));
        else if (flag == "--warmup") o.warmup = number(argv[i], value);
        else if (flag == "--drain") o.drain = number(argv[i], value);
        else if (flag == "--server-pids") o.server_pids = value;
        else if (flag == "--redis-pid") o.redis_pid = value;
        else usage();
    }
    if (o.mode == "fanout" && o.port == 0 && !o.ports.empty()) o.port = 1;  // the ports come from --ports
    if (o.port == 0 || o.conns == 0 || o.size > max_message) usage();
    if (o.mode == "fanout" && (o.size < ws_load::fanout::head_size + 7 || o.tls)) {
        std::fprintf(stderr, "ws_load: fanout needs --size >= %zu and no --tls\n", ws_load::fanout::head_size + 7);
        std::exit(2);
    }
#if !RINGKIT_HAS_OPENSSL
    if (o.tls) {
        std::fprintf(stderr, "ws_load: --tls needs a build with OpenSSL\n");
        std::exit(2);
    }
#endif
    if (o.mode == "soak") {
        if (o.size == 0) usage();
        o.binary = false;  // soak alternates text and binary itself; the pattern must stay text
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    if (accept_key("dGhlIHNhbXBsZSBub25jZQ==") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") {  // RFC 6455 section 1.3
        std::fprintf(stderr, "ws_load: SHA-1/base64 self-test failed\n");
        return 3;
    }
    const options opt = parse_args(argc, argv);
    asio::io_context io(1);
    run_state st(io);
    st.opt = opt;
    std::error_code ec;
    st.endpoint = tcp::endpoint(asio::ip::make_address(opt.host, ec), opt.port);
    if (ec) {
        std::fprintf(stderr, "ws_load: bad --host %s\n", opt.host.c_str());
        return 2;
    }
    st.seed = std::random_device{}() * 0x100000001ull +
              static_cast<std::uint64_t>(clock_type::now().time_since_epoch().count());
    // The pattern payloads are cut from: printable ASCII for text (valid UTF-8), any byte for binary.
    splitmix prng{st.seed ^ 0x5eed};
    st.pattern.resize(4096 + opt.size);
    for (auto& b : st.pattern) {
        const auto r = prng.next();
        b = opt.binary ? static_cast<std::uint8_t>(r) : static_cast<std::uint8_t>(0x20 + r % 95);
    }

#if RINGKIT_HAS_OPENSSL
    // wss: TLS 1.3 as the benchmarks' servers are set up; a fresh SSL object per
    // connection and no session given to it, so every handshake is a full one.
    asio::ssl::context tls(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_3_VERSION);
    SSL_CTX_set_session_cache_mode(tls.native_handle(), SSL_SESS_CACHE_OFF);
    tls.set_verify_mode(asio::ssl::verify_none);
    if (opt.tls) connection::set_tls(&tls);
#endif

    if (opt.mode == "fanout") return ws_load::fanout::run(opt, st.seed);

    idle_state is;
    soak_state ss(io);
    if (opt.mode == "echo") {
        st.arm_watchdog(30 + static_cast<double>(opt.conns) / 100);  // the handshakes
        for (std::size_t id = 0; id < opt.conns; ++id) asio::co_spawn(io, echo_connection(st, id), asio::detached);
    } else if (opt.mode == "idle") {
        st.arm_watchdog(30 + static_cast<double>(opt.conns) / 100);  // the handshakes
        is.openers = std::min(opt.batch, opt.conns);
        for (std::size_t i = 0, n = is.openers; i < n; ++i) asio::co_spawn(io, idle_opener(st, is), asio::detached);
    } else if (opt.mode == "soak") {
        st.arm_watchdog(30 + static_cast<double>(opt.conns) / 100);  // the handshakes
        ss.begin = clock_type::now();
        for (std::size_t from = 0; from <= opt.path.size();) {  // --path /a,/b,/c: one route each
            const auto comma = std::min(opt.path.find(',', from), opt.path.size());
            ss.routes.push_back(opt);
            ss.routes.back().path = opt.path.substr(from, comma - from);
            from = comma + 1;
        }
        ss.route_messages.assign(ss.routes.size(), 0);
        soak_report(st, ss);
        ss.openers = std::min(opt.batch, opt.conns);
        for (std::size_t i = 0, n = ss.openers; i < n; ++i) asio::co_spawn(io, soak_opener(st, ss), asio::detached);
    } else {
        st.arm_watchdog(30);
        asio::co_spawn(io, check_connection(st), asio::detached);
    }
    io.run();

    if (st.timed_out) {
        ss.progress.cancel();
        const std::size_t stuck = (opt.mode == "check" ? 1 : opt.conns) - st.finished;
        st.errors += stuck;
        st.error_samples.push_back("timed out: " + std::to_string(stuck) + " connection(s) did not finish");
    }
    for (const auto& e : st.error_samples) std::fprintf(stderr, "ws_load %s: %s\n", opt.mode.c_str(), e.c_str());
    if (st.errors > st.error_samples.size())
        std::fprintf(stderr, "ws_load %s: ... %zu errors in all\n", opt.mode.c_str(), st.errors);
    if (connection::late_tcp_close)
        std::fprintf(stderr,
                     "ws_load %s: note: %zu connection(s) not closed by the server within 2 s of the close handshake\n",
                     opt.mode.c_str(), connection::late_tcp_close);

    if (opt.mode == "echo") {
        const double secs = st.started ? std::chrono::duration<double>(st.end - st.start).count() : 0;
        std::printf(
            "echo conns=%zu size=%zu kind=%s secs=%.2f messages=%llu msgs_per_s=%.1f errors=%zu p50_us=%.1f "
            "p99_us=%.1f\n",
            opt.conns, opt.size, opt.binary ? "binary" : "text", secs, static_cast<unsigned long long>(st.messages),
            secs > 0 ? static_cast<double>(st.messages) / secs : 0.0, st.errors, st.rtt.percentile(0.50) / 1000,
            st.rtt.percentile(0.99) / 1000);
    } else if (opt.mode == "idle") {
        std::printf("idle conns=%zu opened=%zu closed_cleanly=%zu errors=%zu\n", opt.conns, is.opened, is.closed,
                    st.errors);
    } else if (opt.mode == "soak") {
        soak_progress_line(st, ss);
        for (std::size_t r = 0; r < ss.routes.size(); ++r)
            std::printf("route %s conns=%zu messages=%llu\n", ss.routes[r].path.c_str(),
                        opt.conns / ss.routes.size() + (r < opt.conns % ss.routes.size()),
                        static_cast<unsigned long long>(ss.route_messages[r]));
        std::printf(
            "soak conns=%zu opened=%zu closed_cleanly=%zu hold=%.0f interval=%.1f messages=%llu errors=%zu p50_us=%.1f "
            "p99_us=%.1f\n",
            opt.conns, ss.opened, ss.closed, opt.hold, opt.interval, static_cast<unsigned long long>(st.messages),
            st.errors, st.rtt.percentile(0.50) / 1000, st.rtt.percentile(0.99) / 1000);
    }
    return st.errors == 0 ? 0 : 1;
}
