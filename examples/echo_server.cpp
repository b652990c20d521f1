// The conformance server: what tests, benchmarks and evaluators run against.
//   echo_server [--port N] [--threads N] [--max-body BYTES] [--max-header BYTES]
//               [--max-ws BYTES] [--max-connections N] [--deflate]
//               [--tls-cert FILE --tls-key FILE]... [--plain-port N]
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
#include <ringkit.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

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

rk::maybe_task route(rk::request& req) {
    const auto& path = req.uri;
    const auto m = req.request_method;
    const bool get = m == rk::method::get || m == rk::method::head;
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
    return rk::response::not_found();
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

}  // namespace

int main(int argc, char** argv) {
    rk::server_options options;
    options.ip = "127.0.0.1";
    options.port = 8080;
    options.threads = 1;
    for (int i = 1; i < argc; i += 2) {  // every flag but --deflate takes a value
        const char* flag = argv[i];
        if (!std::strcmp(flag, "--deflate")) {
            options.websocket.deflate.enabled = true;
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
        else if (!std::strcmp(flag, "--tls-cert") && value) options.tls.certificates.push_back({value, ""});
        else if (!std::strcmp(flag, "--tls-key") && value && !options.tls.certificates.empty() &&
                 options.tls.certificates.back().key_file.empty())
            options.tls.certificates.back().key_file = value;
        else {
            std::fprintf(stderr,
                         "usage: echo_server [--port N] [--threads N] [--max-body BYTES] [--max-header BYTES]\n"
                         "                   [--max-ws BYTES] [--max-connections N] [--deflate]\n"
                         "                   [--tls-cert FILE --tls-key FILE]... [--plain-port N]\n");
            return 2;
        }
    }
    for (const auto& c : options.tls.certificates)
        if (c.key_file.empty()) {
            std::fprintf(stderr, "echo_server: --tls-cert %s needs a --tls-key after it\n", c.cert_file.c_str());
            return 2;
        }

    // Plain HTTP routes answer at once (no coroutine frame per request, and
    // pipelined answers are gathered into one write); /ws/echo is a coroutine.
    rk::handler app = route;
    rk::server server(app, options);
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
