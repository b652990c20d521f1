// A clock pushed to the browser with Server-Sent Events: a streamed response
// whose producer is a coroutine that waits on a timer and writes one event a second.
//
//   sse_clock [--port N]          then open http://127.0.0.1:8080/
//   curl -N 'http://127.0.0.1:8080/clock?ticks=3'
//
// The browser's EventSource reconnects by itself after a drop and sends the
// last id it saw in Last-Event-ID; the clock goes on counting from there.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include <ringkit.hpp>
#include <asio/steady_timer.hpp>
namespace rk = ringkit;

namespace {

constexpr const char* page = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ringkit SSE clock</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em}
#time{font:600 3em ui-monospace,monospace}#status{color:#555}#status.down{color:#b00}</style></head>
<body><h1>Server-Sent Events clock</h1>
<p id="time">--:--:--</p>
<p id="status">connecting&hellip;</p>
<script>
const time = document.getElementById('time'), status = document.getElementById('status');
const source = new EventSource('/clock');
source.addEventListener('tick', (e) => {
  time.textContent = e.data;
  status.className = '';
  status.textContent = 'tick ' + e.lastEventId + ' from the server';
});
// EventSource retries by itself (after the server's `retry`), resending the last id.
source.onerror = () => { status.className = 'down'; status.textContent = 'disconnected; reconnecting'; };
</script></body></html>
)html";

std::string utc_time_of_day() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char out[16];
    std::strftime(out, sizeof out, "%H:%M:%S UTC", &tm);
    return out;
}

// A number from a header or query parameter; `fallback` when absent or not a number.
long number_or(std::optional<std::string_view> text, long fallback) {
    if (!text || text->empty() || text->size() > 9) return fallback;
    long n = 0;
    for (char c : *text) {
        if (c < '0' || c > '9') return fallback;
        n = n * 10 + (c - '0');
    }
    return n;
}

// GET /clock[?ticks=N]: one `tick` event a second, for ever or N times. A write
// throws once the client has gone, which ends the coroutine and the response.
rk::response clock(rk::request& req) {
    const long first = number_or(req.header("last-event-id"), 0) + 1;
    const long ticks = number_or(req.query("ticks"), 0);  // 0: until the client leaves
    auto res = rk::sse::response();
    res.body = rk::stream_body{[first, ticks](rk::body_writer& out) -> rk::task<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        co_await out.write("retry: 1000\n\n");  // a browser reconnects after 1 s (its default is ~3)
        for (long id = first; ticks == 0 || id < first + ticks; ++id) {
            co_await out.write(rk::sse::event(utc_time_of_day(), {.event = "tick", .id = std::to_string(id)}));
            timer.expires_after(std::chrono::seconds(1));
            co_await timer.async_wait(asio::use_awaitable);
        }
    }};
    return res;
}

}  // namespace

int main(int argc, char** argv) {
    rk::server_options options{.ip = "127.0.0.1", .port = 8080, .threads = 1};
    if (argc == 3 && !std::strcmp(argv[1], "--port")) options.port = static_cast<std::uint16_t>(std::atoi(argv[2]));

    rk::handler app = [](rk::request& req) -> rk::response {
        if (req.uri == "/") return rk::response::html(page);
        if (req.uri == "/clock") return clock(req);
        return rk::response::not_found();
    };
    rk::server server(app, options);
    server.start();
    std::printf("listening on %s:%u\n", options.ip.c_str(), server.port());
    std::fflush(stdout);
    // An open page's stream never ends by itself: at Ctrl-C give it one second, then close it.
    rk::run_until_signal(server, std::chrono::seconds(1));
}
