// ws_load's fanout mode: one room, many subscribers, one publisher, every delivery
// counted and timed. Driven by scale_run.sh; see ws_load.cpp's usage.
//
// `conns` WebSockets on --ports (connection i on the (i mod n)th), all on --path, all
// in one room; connection 0 is also the publisher, and hears its own messages like
// every other member. Every message is text of `size` bytes:
//   kind (1 char) | seq (16 hex) | send time, steady_clock ns (16 hex) | filler from seq
// so a subscriber checks each one whole and times it on the publisher's clock (one
// process). Phases, each with its own kind and seq from 0:
//   p  probe: a message every 20 ms until every connection has heard one (it has
//      joined), then until every one has the last (no probe is still on its way);
//   w  warm-up (--warmup s), as f;
//   r  steady (--rate r for --duration s): a message every 1/r s, sent on schedule;
//   f  saturating (--window w for --duration s): a new message whenever fewer than w
//      have not yet reached every connection.
// After w, r and f, up to --drain s for the last messages; then one line:
//   fanout phase=.. conns= published= expected= delivered= missing= duplicates=
//     out_of_order= secs= deliveries_per_s= server_cpu_s= deliveries_per_server_cpu_s=
//     redis_cpu_s= load_cpu_s= p50_us= p99_us= last_p50_us= last_p99_us=
// delivery latency = receipt - send time, per delivery; "last" = the time from a
// message's send to its last delivery, per message. secs and the CPU figures
// (utime+stime from /proc of --server-pids, summed, and of --redis-pid; this
// process's own from getrusage) cover the phase and its drain.
// --proto socketio: the handshake path is Socket.IO's (?EIO=4&transport=websocket),
// the client answers Engine.IO's open with a CONNECT ("40") and its pings ("2") with
// pongs ("3"), and a message is the event 42["m","<payload>"] both ways.
// A message missing, duplicated, out of order or malformed, a close from the server,
// or a connection that fails is an error (exit status 1).
#pragma once

#include "ws_load_client.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace ws_load::fanout {

inline constexpr std::size_t head_size = 33;  // kind, seq, stamp

inline std::uint64_t now_ns() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count());
}

inline void put_hex(char* p, std::uint64_t v) {
    static constexpr char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i, v >>= 4) p[i] = hex[v & 15];
}
inline bool get_hex(const char* p, std::uint64_t& v) {
    v = 0;
    for (int i = 0; i < 16; ++i) {
        const char c = p[i];
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return false;
        v = v << 4 | static_cast<std::uint64_t>(d);
    }
    return true;
}
inline char filler(std::uint64_t seq, std::size_t i) { return static_cast<char>('a' + (seq + i) % 26); }

inline std::vector<std::string> split(const std::string& list) {
    std::vector<std::string> out;
    std::stringstream in(list);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

// utime+stime of the processes, in seconds (all their threads; 0 for one that is gone).
inline double proc_cpu_seconds(const std::vector<std::string>& pids) {
    static const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    double total = 0;
    for (const auto& pid : pids) {
        std::ifstream f("/proc/" + pid + "/stat");
        std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        const auto paren = stat.rfind(')');
        if (paren == std::string::npos) continue;
        std::istringstream rest(stat.substr(paren + 2));  // from field 3, state
        std::string field;
        double utime = 0, stime = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i) {
            if (i == 14) utime = std::stod(field);
            if (i == 15) stime = std::stod(field);
        }
        total += (utime + stime) / tick;
    }
    return total;
}

inline double self_cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct member {
    std::unique_ptr<connection> c;
    char kind = 0;           // the phase of the last message heard
    std::uint64_t next = 0;  // the seq expected next in that phase
    bool heard_probe = false;
    bool connected = false;  // socketio: its CONNECT was acknowledged
    std::string reply;       // socketio: what to send back to a control packet
};

struct fanout_run {
    fanout_run(asio::io_context& io, options o, std::uint64_t seed)
        : io(io), opt(std::move(o)), seed(seed), wake(io), watchdog(io) {}
    asio::io_context& io;
    options opt;
    std::uint64_t seed;
    std::vector<tcp::endpoint> endpoints;
    std::vector<options> routes;  // per endpoint: Host header
    std::vector<member> members;
    std::vector<std::string> server_pids, redis_pids;
    std::size_t next_open = 0, openers = 0, opened = 0, finished = 0, closed = 0;
    bool closing = false, timed_out = false;
    std::size_t errors = 0;
    std::vector<std::string> error_samples;

    // the current phase
    char kind = 0;
    std::vector<clock_type::time_point> sent;  // by seq
    std::vector<std::uint32_t> heard;          // by seq: connections that have it
    std::uint64_t completed = 0;               // messages every connection has
    std::uint64_t delivered = 0, duplicates = 0, out_of_order = 0, probed = 0;
    histogram latency, last;
    asio::steady_timer wake;  // the publisher waits here; a completed message wakes it
    bool waiting = false;
    asio::steady_timer watchdog;

    void error(std::size_t id, const std::string& what) {
        ++errors;
        if (error_samples.size() < 8) error_samples.push_back("connection " + std::to_string(id) + ": " + what);
    }
    void poke() {
        if (waiting) wake.cancel();
    }

    std::string payload(std::uint64_t seq) const {
        std::string p(opt.size, ' ');
        p[0] = kind;
        put_hex(p.data() + 1, seq);
        put_hex(p.data() + 17, now_ns());
        for (std::size_t i = head_size; i < p.size(); ++i) p[i] = filler(seq, i);
        return opt.socketio ? "42[\"m\",\"" + p + "\"]" : p;
    }

    awaitable<bool> publish() {
        const auto seq = static_cast<std::uint64_t>(sent.size());
        const auto text = payload(seq);
        sent.push_back(clock_type::now());
        heard.push_back(0);
        co_return co_await members[0].c->send(0x80 | op_text, reinterpret_cast<const std::uint8_t*>(text.data()),
                                              text.size());
    }

    // A data message heard by connection `id`.
    void on_message(std::size_t id, const message& m) {
        auto& mb = members[id];
        std::string_view text(reinterpret_cast<const char*>(m.data), m.size);
        if (m.opcode != op_text) return error(id, "a binary message");
        if (opt.socketio) {
            if (text.starts_with("42")) {
                constexpr std::string_view open = "42[\"m\",\"", close = "\"]";
                if (!text.starts_with(open) || !text.ends_with(close)) return error(id, "not an \"m\" event");
                text = text.substr(open.size(), text.size() - open.size() - close.size());
            } else {
                return socketio_control(id, text);
            }
        }
        std::uint64_t seq = 0, stamp = 0;
        if (text.size() != opt.size || !get_hex(text.data() + 1, seq) || !get_hex(text.data() + 17, stamp))
            return error(id, "malformed message");
        for (std::size_t i = head_size; i < text.size(); ++i)
            if (text[i] != filler(seq, i)) return error(id, "message " + std::to_string(seq) + " corrupted");
        const auto now = clock_type::now();
        if (text[0] != kind || seq >= heard.size())
            return error(id, std::string("a message of phase '") + text[0] + "' outside it");
        if (kind == 'p') {
            if (!mb.heard_probe) ++probed, mb.heard_probe = true;
        } else {
            if (mb.kind != kind) mb.kind = kind, mb.next = 0;
            if (seq < mb.next) {
                ++duplicates;
                return error(id, "message " + std::to_string(seq) + " again (duplicate or out of order)");
            }
            if (seq > mb.next) {
                ++out_of_order;
                error(id, "message " + std::to_string(seq) + " before " + std::to_string(mb.next));
            }
            mb.next = seq + 1;
            ++delivered;
            latency.add(now_ns() - stamp);
        }
        if (++heard[seq] == members.size()) {
            ++completed;
            last.add(static_cast<std::uint64_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(now - sent[seq]).count()));
            poke();
        }
    }

    void socketio_control(std::size_t id, std::string_view text) {
        auto& mb = members[id];
        if (text.starts_with("0{")) mb.reply = "40";           // Engine.IO open: CONNECT to "/"
        else if (text.starts_with("40")) mb.connected = true;  // CONNECT acknowledged
        else if (text == "2") mb.reply = "3";                  // Engine.IO ping: pong
        else error(id, "unexpected Socket.IO packet '" + std::string(text.substr(0, 40)) + "'");
    }

    awaitable<void> reader(std::size_t id) {
        auto& c = *members[id].c;
        message m;
        while (co_await c.receive(m)) {
            if (m.opcode == op_close) {
                error(id, "the server closed the connection");
                break;
            }
            on_message(id, m);
            if (!members[id].reply.empty()) {
                std::string reply;
                reply.swap(members[id].reply);
                if (!co_await c.send(0x80 | op_text, reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()))
                    break;
            }
        }
        if (closing && c.aborted) {
            c.error.clear();
            if (co_await c.close_handshake(true)) ++closed;
            else error(id, "close: " + c.error);
        } else if (!closing && !c.error.empty()) {
            error(id, c.error);
        }
        if (++finished == members.size()) watchdog.cancel();
        poke();
    }

    awaitable<void> opener() {
        while (next_open < opt.conns) {
            const std::size_t id = next_open++;
            const std::size_t route = id % endpoints.size();
            auto& mb = members[id];
            mb.c = std::make_unique<connection>(io, seed + id);
            if (co_await mb.c->open(endpoints[route], routes[route])) {
                ++opened;
                asio::co_spawn(io, reader(id), asio::detached);
            } else {
                error(id, "open: " + mb.c->error);
                if (++finished == members.size()) watchdog.cancel();
            }
        }
        if (--openers == 0) asio::co_spawn(io, drive(), asio::detached);
    }

    // Waits until `done()` or `deadline`; false on the deadline.
    template <class Done>
    awaitable<bool> wait_until(Done done, clock_type::time_point deadline) {
        while (!done()) {
            if (clock_type::now() >= deadline || finished > 0) co_return done();
            waiting = true;
            wake.expires_at(deadline);
            co_await wake.async_wait(use_tuple);
            waiting = false;
        }
        co_return true;
    }

    void begin(char k) {
        kind = k;
        sent.clear();
        heard.clear();
        completed = delivered = duplicates = out_of_order = probed = 0;
        latency = histogram{};
        last = histogram{};
    }

    // One measured phase: window > 0 saturates, else rate.
    awaitable<void> phase(char k, const char* name, double seconds, double rate, std::size_t window) {
        begin(k);
        const double cpu0 = proc_cpu_seconds(server_pids), redis0 = proc_cpu_seconds(redis_pids),
                     self0 = self_cpu_seconds();
        const auto start = clock_type::now();
        const auto end = start + std::chrono::microseconds(static_cast<long long>(seconds * 1e6));
        asio::steady_timer tick(io);
        for (std::uint64_t i = 0; finished == 0; ++i) {
            if (window > 0) {
                if (!co_await wait_until([&] { return sent.size() - completed < window; }, end)) break;
            } else {
                tick.expires_at(start +
                                std::chrono::microseconds(static_cast<long long>(static_cast<double>(i) * 1e6 / rate)));
                if (tick.expiry() >= end) break;
                co_await tick.async_wait(use_tuple);
            }
            if (clock_type::now() >= end || !co_await publish()) break;
        }
        const auto drain_end = clock_type::now() + std::chrono::microseconds(static_cast<long long>(opt.drain * 1e6));
        co_await wait_until([&] { return completed == sent.size(); }, drain_end);
        const double secs = std::chrono::duration<double>(clock_type::now() - start).count();
        const double cpu = proc_cpu_seconds(server_pids) - cpu0, redis = proc_cpu_seconds(redis_pids) - redis0,
                     self = self_cpu_seconds() - self0;
        const auto expected = static_cast<std::uint64_t>(sent.size()) * members.size();
        std::printf(
            "fanout phase=%s proto=%s conns=%zu ports=%zu size=%zu rate=%g window=%zu published=%zu expected=%llu "
            "delivered=%llu missing=%llu duplicates=%llu out_of_order=%llu secs=%.3f deliveries_per_s=%.0f "
            "server_cpu_s=%.3f deliveries_per_server_cpu_s=%.0f redis_cpu_s=%.3f load_cpu_s=%.3f p50_us=%.1f "
            "p99_us=%.1f last_p50_us=%.1f last_p99_us=%.1f\n",
            name, opt.socketio ? "socketio" : "ws", members.size(), endpoints.size(), opt.size, window ? 0 : rate,
            window, sent.size(), static_cast<unsigned long long>(expected), static_cast<unsigned long long>(delivered),
            static_cast<unsigned long long>(expected - std::min(expected, delivered)),
            static_cast<unsigned long long>(duplicates), static_cast<unsigned long long>(out_of_order), secs,
            static_cast<double>(delivered) / secs, cpu, cpu > 0 ? static_cast<double>(delivered) / cpu : 0.0, redis,
            self, latency.percentile(0.50) / 1000, latency.percentile(0.99) / 1000, last.percentile(0.50) / 1000,
            last.percentile(0.99) / 1000);
        std::fflush(stdout);
        if (delivered < expected) {
            ++errors;
            error_samples.push_back(std::string(name) + ": " + std::to_string(expected - delivered) +
                                    " deliveries missing after the drain");
        }
    }

    awaitable<void> drive() {
        const auto ready_deadline = clock_type::now() + std::chrono::seconds(30);
        if (finished == 0 && opened == members.size()) {
            // probe: every connection has joined once it hears one; then a last one,
            // so that no probe is still on its way when the measured phases begin
            begin('p');
            asio::steady_timer tick(io);
            while (probed < members.size() && clock_type::now() < ready_deadline && finished == 0) {
                if (!opt.socketio || std::all_of(members.begin(), members.end(), [](auto& m) { return m.connected; }))
                    if (!co_await publish()) break;
                tick.expires_after(std::chrono::milliseconds(20));
                co_await tick.async_wait(use_tuple);
            }
            if (probed < members.size()) {
                error(0, std::to_string(members.size() - probed) + " connection(s) never heard a probe (not joined?)");
            } else if (co_await publish() && co_await wait_until([&] { return heard.back() == members.size(); },
                                                                 ready_deadline + std::chrono::seconds(5))) {
                std::printf("ready %zu\n", members.size());
                std::fflush(stdout);
                if (opt.warmup > 0) co_await phase('w', "warmup", opt.warmup, 0, opt.window ? opt.window : 8);
                if (opt.rate > 0) co_await phase('r', "rate", opt.duration, opt.rate, 0);
                if (opt.window > 0) co_await phase('f', "saturate", opt.duration, 0, opt.window);
            } else {
                error(0, "the last probe did not reach every connection");
            }
        }
        closing = true;
        for (auto& mb : members) {
            std::error_code ignored;
            if (mb.c) mb.c->socket.cancel(ignored);
        }
    }
};

// Runs fanout mode; returns the exit status.
inline int run(const options& opt, std::uint64_t seed) {
    asio::io_context io(1);
    fanout_run r(io, opt, seed);
    for (const auto& p : split(opt.ports.empty() ? std::to_string(opt.port) : opt.ports)) {
        std::error_code ec;
        r.endpoints.emplace_back(asio::ip::make_address(opt.host, ec), static_cast<unsigned short>(std::stoul(p)));
        r.routes.push_back(opt);
        r.routes.back().port = r.endpoints.back().port();
    }
    r.server_pids = split(opt.server_pids);
    r.redis_pids = split(opt.redis_pid);
    r.members.resize(opt.conns);
    const double bound = 60 + static_cast<double>(opt.conns) / 100 + opt.warmup + 2 * opt.duration + 3 * opt.drain;
    r.watchdog.expires_after(std::chrono::milliseconds(static_cast<long long>(bound * 1000)));
    r.watchdog.async_wait([&r](std::error_code ec) {
        if (ec) return;
        r.timed_out = true;
        r.io.stop();
    });
    r.openers = std::min(opt.batch, opt.conns);
    for (std::size_t i = 0, n = r.openers; i < n; ++i) asio::co_spawn(io, r.opener(), asio::detached);
    io.run();
    if (r.timed_out) {
        ++r.errors;
        r.error_samples.push_back("timed out: " + std::to_string(opt.conns - r.finished) + " connection(s) left");
    }
    for (const auto& e : r.error_samples) std::fprintf(stderr, "ws_load fanout: %s\n", e.c_str());
    if (r.errors > r.error_samples.size()) std::fprintf(stderr, "ws_load fanout: ... %zu errors in all\n", r.errors);
    std::printf("fanout done conns=%zu opened=%zu closed_cleanly=%zu errors=%zu\n", opt.conns, r.opened, r.closed,
                r.errors);
    return r.errors == 0 ? 0 : 1;
}

}  // namespace ws_load::fanout
