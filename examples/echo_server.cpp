// The conformance server: what tests, benchmarks and evaluators run against.
//   echo_server [--port N] [--threads N] [--max-body BYTES] [--max-header BYTES]
//               [--max-ws BYTES] [--max-connections N] [--deflate]
//               [--tls-cert FILE --tls-key FILE]... [--plain-port N] [--redis HOST:PORT]
//               [--metrics] [--access-log common|combined|json]
// Prints "listening on 127.0.0.1:PORT" as its first line, stops on SIGINT/SIGTERM.
// With --tls-cert and --tls-key (PEM files) every route is HTTPS/WSS on --port and
// the second line is the https:// URL; more pairs are more certificates, the first
// the default and the others chosen by the name the client asks for (SNI). SIGHUP
// reads the files again. --plain-port adds plain HTTP on that port (third line).
//
// WebSocket echo, once per API, each echoing text as text and binary as binary:
//   /ws/echo             the co_await stream (ws::accept)
//   /ws/as-channel-echo  HTTP-Kit's as_channel callbacks
//   /ws/listener-echo    Ring's listener
// and HTTP channels: /sse (Server-Sent Events) and /poll (a long poll answered by a timer).
//
// Several instances behind a load balancer:
//   /ws/broadcast/{room}  every text or binary message a socket sends goes, unchanged,
//                         to every socket of that room, the sender included, in the
//                         order each sender sent them. A socket hears its room once it
//                         has joined, and it joins before any of its own messages is
//                         published: the first of its own messages that comes back
//                         says it is in. With --redis the room spans every instance
//                         on that Redis (redis::hub); without, this instance only.
//                         A message the broadcast cannot take closes its sender:
//                         1013 (try again later) while Redis is unreachable, 1009
//                         past --max-ws; nothing is dropped in silence.
//   GET /session          {"value": V}: what POST /session stored in this client's
//   POST /session         session (V is the request body, null before); the session
//                         (cookie ringkit-session) is in Redis with --redis (redis_store),
//                         so every instance sees it, else in this process (memory_store).
//   GET /healthz          200 "ok": for a load balancer's health check (liveness).
//
// Operations:
//   --metrics             GET /metrics: Prometheus's text format (the server's own
//                         metrics and the process's), and GET /readyz: 200 while
//                         running, 503 once a stop begins (readiness). Without it the
//                         server counts nothing: benchmarks/README.md measures
//                         /plaintext with and without.
//   --access-log FORMAT   one line per request on stderr (Apache's common or
//                         combined, or JSON lines), with a request id: the
//                         request's X-Request-Id when sane, else made up, and sent
//                         back in the response's X-Request-Id.
// --redis needs ringkit built with hiredis (RINGKIT_HAS_HIREDIS); without it the
// flag is refused with a message that says so.
#include <ringkit.hpp>
#include <ringkit/ws/utf8.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#if defined(RINGKIT_HAS_HIREDIS)
#include <ringkit/redis/hub.hpp>
#include <ringkit/redis/session_store.hpp>
#endif

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace rk = ringkit;

namespace {

// What a person sees at http://127.0.0.1:8080/ : every route, with a form for /echo.
constexpr const char* index_page = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ringkit echo_server</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44em;margin:2em auto;padding:0 1em}
code{background:#f3f3f3;padding:0 .3em}pre{background:#f3f3f3;padding:.6em;min-height:1.5em}</style></head>
<body><h1>ringkit echo_server</h1>
<p>A C++20 coroutine HTTP/1.1 server. Routes:</p>
<ul>
<li><a href="/plaintext"><code>GET /plaintext</code></a> &mdash; Hello, World!</li>
<li><a href="/json"><code>GET /json</code></a> &mdash; a JSON message</li>
<li><a href="/stream"><code>GET /stream</code></a> &mdash; a chunked response written piece by piece</li>
<li><code>POST /echo</code>, <code>PUT /echo</code> &mdash; the body back, with its content type</li>
<li><a href="/sse"><code>GET /sse</code></a> &mdash; five Server-Sent Events, one every 200 ms</li>
<li><a href="/poll"><code>GET /poll</code></a> &mdash; a long poll answered after one second</li>
<li><code>ws://&hellip;/ws/echo</code>, <code>/ws/as-channel-echo</code>, <code>/ws/listener-echo</code> &mdash;
WebSocket echo through each of ringkit's three APIs</li>
<li><code>ws://&hellip;/ws/broadcast/{room}</code> &mdash; every message to every socket of the room,
on every instance with <code>--redis</code></li>
<li><a href="/session"><code>GET /session</code></a>, <code>POST /session</code> &mdash; a value kept in
this client's session (in Redis with <code>--redis</code>)</li>
<li><a href="/healthz"><code>GET /healthz</code></a> &mdash; 200 for a load balancer's health check</li>
<li><a href="/metrics"><code>GET /metrics</code></a>, <a href="/readyz"><code>GET /readyz</code></a> &mdash; Prometheus
metrics and readiness, with <code>--metrics</code></li>
</ul>
<p><input id="ws" value="hello over WebSocket" size="30"> <button id="wsb">send to /ws/echo</button></p>
<pre id="wsout"></pre>
<form id="f"><input id="msg" value="hello ringkit" size="30"> <button>POST /echo</button></form>
<pre id="out"></pre>
<script>
document.getElementById('f').onsubmit = async (e) => {
  e.preventDefault();
  const r = await fetch('/echo', {method: 'POST', headers: {'Content-Type': 'text/plain'},
                                  body: document.getElementById('msg').value});
  document.getElementById('out').textContent = r.status + ' ' + await r.text();
};
const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/echo`);
ws.onmessage = (e) => { document.getElementById('wsout').textContent += 'echo: ' + e.data + '\n'; };
ws.onclose = (e) => { document.getElementById('wsout').textContent += 'closed ' + e.code + '\n'; };
document.getElementById('wsb').onclick = () => ws.send(document.getElementById('ws').value);
</script></body></html>
)";

// A body written piece by piece: each write is one chunk on the wire.
rk::response stream() {
    return rk::response::stream([](rk::body_writer& out) -> rk::task<void> {
        for (int i = 1; i <= 5; ++i) co_await out.write("chunk " + std::to_string(i) + "\n");
    });
}

// The co_await stream: the handler owns the connection and echoes until it closes.
rk::task<rk::response> ws_echo(rk::request& req) {
    auto ws = co_await rk::ws::accept(req);
    while (auto msg = co_await ws.receive())
        if (!co_await ws.send(std::move(*msg))) break;
    co_return ws.answer();
}

// HTTP-Kit's as-channel: callbacks on the connection's thread.
rk::response as_channel_echo(rk::request& req) {
    return rk::as_channel(req, {.on_receive = [](rk::channel& ch, rk::ws::message&& m) { ch.send(std::move(m)); }});
}

// Ring's listener: the socket outlives the handler.
rk::response listener_echo(rk::request& req) {
    return rk::ws::listener_response(
        req, {.on_message = [](rk::ws::socket& s, rk::ws::message&& m) { s.send(std::move(m)); }});
}

// Five Server-Sent Events, one every 200 ms, pushed through an HTTP channel by a
// coroutine on the connection's thread.
rk::task<void> tick(rk::channel ch) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (int n = 1; n <= 5 && ch.is_open(); ++n) {
        timer.expires_after(std::chrono::milliseconds(200));
        co_await timer.async_wait(asio::use_awaitable);
        ch.send(rk::sse::event("tick " + std::to_string(n), {.event = "tick", .id = std::to_string(n)}), n == 5);
    }
}

rk::response sse(rk::request& req) {
    return rk::as_channel(req, {.on_open = [](rk::channel& ch) {
                              ch.send(rk::sse::response(), false);  // the head now; events follow as chunks
                              asio::co_spawn(ch.get_executor(), tick(ch), asio::detached);
                          }});
}

// A long poll: the answer comes from a timer a second later.
rk::response poll(rk::request& req) {
    return rk::as_channel(
        req, {.on_open = [](rk::channel& ch) {
            auto timer = std::make_shared<asio::steady_timer>(ch.get_executor(), std::chrono::seconds(1));
            timer->async_wait([ch, timer](std::error_code) mutable { ch.send(rk::response::text("polled\n")); });
        }});
}

// /ws/broadcast/{room}'s rooms: two kinds behind one interface, so that the
// route is one code path with Redis and without.
class rooms {
public:
    virtual ~rooms() = default;
    /// Where a member's join and publishes run, one at a time, in the order posted.
    virtual asio::any_io_executor executor(const rk::channel& ch) = 0;
    /// `ch` hears `room` once this completes.
    virtual rk::task<void> join(std::string room, rk::channel ch) = 0;
    virtual void leave(const std::string& room, const rk::channel& ch) = 0;
    /// To every member of `room`; throws when the broadcast cannot take `m`.
    virtual rk::task<void> publish(std::string room, rk::ws::message m) = 0;

    /// Members alive (see member): their coroutines may outlast the server's stop.
    std::atomic<int> members{0};

protected:
    // A member's coroutine may still be waiting on Redis when main() returns:
    // the rooms must outlive it. Bounded: every Redis call ends within its timeouts.
    void wait_for_members() const {
        for (int i = 0; i < 1000 && members.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
};

// This instance only: a channel_set per room; a member's work runs on its own
// connection's thread, as its callbacks do.
class local_rooms final : public rooms {
public:
    asio::any_io_executor executor(const rk::channel& ch) override { return ch.get_executor(); }
    rk::task<void> join(std::string room, rk::channel ch) override {
        std::lock_guard lock(mutex_);
        auto& set = rooms_[room];
        if (!set) set = std::make_shared<rk::channel_set>();
        set->add(ch);
        co_return;
    }
    void leave(const std::string& room, const rk::channel& ch) override {
        std::lock_guard lock(mutex_);
        auto it = rooms_.find(room);
        if (it == rooms_.end()) return;
        it->second->remove(ch);
        if (it->second->size() == 0) rooms_.erase(it);
    }
    rk::task<void> publish(std::string room, rk::ws::message m) override {
        std::shared_ptr<rk::channel_set> set;
        {
            std::lock_guard lock(mutex_);
            if (auto it = rooms_.find(room); it != rooms_.end()) set = it->second;
        }
        if (set) set->broadcast(m);  // outside the lock: a broadcast encodes the frame
        co_return;
    }

private:
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<rk::channel_set>, std::less<>> rooms_;
};

#if defined(RINGKIT_HAS_HIREDIS)
// Every instance on one Redis: a member's work runs on the hub's thread, which
// keeps one sender's publishes in order (redis/hub.hpp).
class redis_rooms final : public rooms {
public:
    explicit redis_rooms(rk::redis::hub_options o) : hub_(std::move(o)) {}
    redis_rooms(const redis_rooms&) = delete;
    redis_rooms& operator=(const redis_rooms&) = delete;
    ~redis_rooms() override { wait_for_members(); }
    asio::any_io_executor executor(const rk::channel&) override { return hub_.executor(); }
    rk::task<void> join(std::string room, rk::channel ch) override { co_await hub_.join(std::move(room), ch); }
    void leave(const std::string& room, const rk::channel& ch) override { hub_.leave(room, ch); }
    rk::task<void> publish(std::string room, rk::ws::message m) override {
        co_await hub_.publish(std::move(room), std::move(m));
    }

private:
    rk::redis::hub hub_;
};
#endif

// One socket of /ws/broadcast/{room}, touched only on rooms::executor(ch). Its
// messages wait until it has joined, so that it hears its own first message.
struct member {
    member(rooms& r, std::string name) : all(r), room(std::move(name)) { ++all.members; }
    member(const member&) = delete;
    member& operator=(const member&) = delete;
    ~member() { --all.members; }  // the last this member does with the rooms

    rooms& all;
    std::string room;
    rk::channel ch;
    bool joined = false;
    std::deque<rk::ws::message> waiting;
};

// A broadcast that failed closes its sender (a publish that Redis did not take
// is lost: the client must know).
rk::task<void> publish(std::shared_ptr<member> m, rk::ws::message msg) {
    try {
        co_await m->all.publish(m->room, std::move(msg));
    } catch (const std::length_error&) {
        m->ch.close(rk::ws::close_code::too_big, "message too big to broadcast");
    } catch (const std::exception&) {
        m->ch.close(rk::ws::close_code::try_again_later, "broadcast unavailable");
    }
}

void spawn_publish(const std::shared_ptr<member>& m, rk::ws::message msg) {
    asio::co_spawn(m->all.executor(m->ch), publish(m, std::move(msg)), asio::detached);
}

rk::task<void> join(std::shared_ptr<member> m) {
    try {
        co_await m->all.join(m->room, m->ch);
    } catch (const std::exception&) {
        m->all.leave(m->room, m->ch);
        m->ch.close(rk::ws::close_code::try_again_later, "broadcast unavailable");
        co_return;
    }
    m->joined = true;
    for (auto& msg : m->waiting) spawn_publish(m, std::move(msg));
    m->waiting.clear();
}

rk::response broadcast(rk::request& req, rooms& all, std::string room) {
    auto m = std::make_shared<member>(all, std::move(room));
    return rk::as_channel(
        req, {.init = [m](rk::channel& ch) { m->ch = ch; },  // before any callback below
              .on_open = [m](rk::channel& ch) { asio::co_spawn(m->all.executor(ch), join(m), asio::detached); },
              .on_receive =
                  [m](rk::channel& ch, rk::ws::message&& msg) {
                      asio::post(m->all.executor(ch), [m, msg = std::move(msg)]() mutable {
                          if (m->joined) spawn_publish(m, std::move(msg));
                          else m->waiting.push_back(std::move(msg));
                      });
                  },
              .on_close = [m](rk::channel& ch, const rk::close_status&) { m->all.leave(m->room, ch); }});
}

// GET: {"value": what this client's session holds}; POST: the body becomes it.
rk::response session_value(rk::request& req) {
    auto& s = rk::session_of(req);
    if (req.request_method == rk::method::post) {
        if (!rk::ws::is_valid_utf8(req.body)) return rk::response::text("the value must be UTF-8 text\n", 400);
        s["value"] = req.body;
    }
    return rk::response::json({{"value", s.contains("value") ? s["value"] : nlohmann::json(nullptr)}});
}

// What main() makes for the routes that scale out, and for --metrics.
struct shared_state {
    rooms& all;
    rk::handler session;  // session_value behind wrap_session
    rk::handler metrics;  // with --metrics: /metrics and /readyz, else empty
    rk::handler ready;
};

rk::maybe_task route(rk::request& req, shared_state& st) {
    const auto& path = req.uri;
    const auto m = req.request_method;
    const bool get = m == rk::method::get || m == rk::method::head;
    constexpr std::string_view broadcast_prefix = "/ws/broadcast/";
    if (path.starts_with(broadcast_prefix) && path.size() > broadcast_prefix.size() && get)
        return broadcast(req, st.all, path.substr(broadcast_prefix.size()));
    if (path == "/session" && (get || m == rk::method::post)) return st.session.invoke(req);
    if (path == "/healthz" && get) return rk::response::text("ok\n");
    if (path == "/ws/echo" && get) return ws_echo(req);
    if (path == "/ws/as-channel-echo" && get) return as_channel_echo(req);
    if (path == "/ws/listener-echo" && get) return listener_echo(req);
    if (path == "/sse" && get) return sse(req);
    if (path == "/poll" && get) return poll(req);
    if (path == "/" && get) return rk::response::html(index_page);
    if (path == "/plaintext" && get) return rk::response::text("Hello, World!");
    if (path == "/json" && get) return rk::response::json({{"message", "Hello, World!"}});
    if (path == "/stream" && get) return stream();
    if (path == "/echo" && (m == rk::method::post || m == rk::method::put))
        return rk::response::bytes(std::move(req.body),
                                   std::string(req.header("content-type").value_or("application/octet-stream")));
    if (path == "/metrics" && get && st.metrics) return st.metrics.invoke(req);
    if (path == "/readyz" && get && st.ready) return st.ready.invoke(req);
    return rk::response::not_found();
}

std::optional<rk::log_format> log_format_named(std::string_view name) {
    if (name == "common") return rk::log_format::common;
    if (name == "combined") return rk::log_format::combined;
    if (name == "json") return rk::log_format::json;
    return std::nullopt;
}

unsigned long arg_number(const char* flag, const char* value) {
    char* end = nullptr;
    unsigned long v = value ? std::strtoul(value, &end, 10) : 0;
    if (!value || *end != '\0') {
        std::fprintf(stderr, "echo_server: %s needs a number\n", flag);
        std::exit(2);
    }
    return v;
}

#if defined(RINGKIT_HAS_HIREDIS)
// HOST:PORT (the last colon splits, so a bare IPv6 address works without brackets).
rk::redis::options redis_address(const char* value) {
    std::string_view v(value);
    auto colon = v.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
        std::fprintf(stderr, "echo_server: --redis needs HOST:PORT\n");
        std::exit(2);
    }
    rk::redis::options o;
    o.host = std::string(v.substr(0, colon));
    auto port = arg_number("--redis", std::string(v.substr(colon + 1)).c_str());
    if (port == 0 || port > 65535) {
        std::fprintf(stderr, "echo_server: --redis needs a port in 1-65535\n");
        std::exit(2);
    }
    o.port = static_cast<std::uint16_t>(port);
    return o;
}
#endif

}  // namespace

int main(int argc, char** argv) {
    rk::server_options options;
    options.ip = "127.0.0.1";
    options.port = 8080;
    options.threads = 1;
    const char* redis = nullptr;
    bool metrics = false;
    std::optional<rk::log_format> access_log;
    for (int i = 1; i < argc; i += 2) {  // every flag but --deflate and --metrics takes a value
        const char* flag = argv[i];
        if (!std::strcmp(flag, "--deflate")) {
            options.websocket.deflate.enabled = true;
            --i;
            continue;
        }
        if (!std::strcmp(flag, "--metrics")) {
            metrics = true;
            --i;
            continue;
        }
        const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
        if (!std::strcmp(flag, "--port")) options.port = static_cast<std::uint16_t>(arg_number(flag, value));
        else if (!std::strcmp(flag, "--threads")) options.threads = static_cast<unsigned>(arg_number(flag, value));
        else if (!std::strcmp(flag, "--max-body")) options.max_body = arg_number(flag, value);
        else if (!std::strcmp(flag, "--max-header")) options.max_header = arg_number(flag, value);
        else if (!std::strcmp(flag, "--max-ws")) options.websocket.max_message = arg_number(flag, value);
        else if (!std::strcmp(flag, "--max-connections")) options.max_connections = arg_number(flag, value);
        else if (!std::strcmp(flag, "--plain-port"))
            options.plain_port = static_cast<std::uint16_t>(arg_number(flag, value));
        else if (!std::strcmp(flag, "--redis") && value) redis = value;
        else if (!std::strcmp(flag, "--access-log") && value && log_format_named(value))
            access_log = log_format_named(value);
        else if (!std::strcmp(flag, "--tls-cert") && value) options.tls.certificates.push_back({value, ""});
        else if (!std::strcmp(flag, "--tls-key") && value && !options.tls.certificates.empty() &&
                 options.tls.certificates.back().key_file.empty())
            options.tls.certificates.back().key_file = value;
        else {
            std::fprintf(stderr,
                         "usage: echo_server [--port N] [--threads N] [--max-body BYTES] [--max-header BYTES]\n"
                         "                   [--max-ws BYTES] [--max-connections N] [--deflate]\n"
                         "                   [--tls-cert FILE --tls-key FILE]... [--plain-port N] [--redis HOST:PORT]\n"
                         "                   [--metrics] [--access-log common|combined|json]\n");
            return 2;
        }
    }
    for (const auto& c : options.tls.certificates)
        if (c.key_file.empty()) {
            std::fprintf(stderr, "echo_server: --tls-cert %s needs a --tls-key after it\n", c.cert_file.c_str());
            return 2;
        }

    // Rooms and sessions: in Redis with --redis, shared by every instance on it.
    std::unique_ptr<rooms> broadcast_rooms;
    std::shared_ptr<rk::session_store> sessions;
    if (redis) {
#if defined(RINGKIT_HAS_HIREDIS)
        rk::redis::hub_options hub;
        hub.redis = redis_address(redis);
        hub.max_message_size = options.websocket.max_message;  // what a socket may send, it may broadcast
        rk::redis_store_options store;
        store.redis = hub.redis;
        broadcast_rooms = std::make_unique<redis_rooms>(std::move(hub));
        sessions = std::make_shared<rk::redis_store>(std::move(store));
#else
        std::fprintf(stderr,
                     "echo_server: --redis: this build has no Redis support (ringkit was built without hiredis: "
                     "apt-get install libhiredis-dev, then configure again)\n");
        return 2;
#endif
    } else {
        broadcast_rooms = std::make_unique<local_rooms>();
        sessions = std::make_shared<rk::memory_store>();
    }
    shared_state state{*broadcast_rooms, rk::handler(session_value) | rk::wrap_session(sessions), {}, {}};

    // --metrics: the server counts into server_metrics; a scrape adds the process's.
    rk::metrics::registry registry;
    std::optional<rk::metrics::server_metrics> server_metrics;
    if (metrics) {
        server_metrics.emplace(registry);
        rk::metrics::add_process_metrics(registry);
        options.metrics = &*server_metrics;
        state.metrics = rk::metrics_handler(registry);
    }

    // Plain HTTP routes answer at once (no coroutine frame per request, and
    // pipelined answers are gathered into one write); /ws/echo is a coroutine.
    rk::handler app = [&state](rk::request& req) { return route(req, state); };
    if (access_log) app = std::move(app) | rk::wrap_access_log({}, {.format = *access_log}) | rk::wrap_request_id();
    rk::server server(app, options);
    if (metrics) state.ready = rk::readiness_handler(server);  // before run: no request has arrived yet
    // Announced once the signals are caught: a SIGHUP (reload) or SIGTERM sent
    // as soon as the port is printed finds the server ready for it.
    auto announce = [&] {
        std::printf("listening on %s:%u\n", options.ip.c_str(), server.port());
        if (options.tls.enabled()) {
            std::printf("https://%s:%u/\n", options.ip.c_str(), server.port());
            if (options.plain_port)
                std::printf("http://%s:%u/ (plain HTTP)\n", options.ip.c_str(), server.plain_port());
        }
        std::fflush(stdout);
    };
    try {
        rk::run_until_signal(server, std::chrono::seconds(5), announce);
    } catch (const std::exception& e) {  // a port in use, a certificate that does not load
        std::fprintf(stderr, "echo_server: %s\n", e.what());
        return 1;
    }
}
