// The app of the guide's "Deploying behind nginx" section, which docs/nginx/test.sh
// runs behind a real nginx: the client address through wrap_forwarded, a WebSocket
// through the Upgrade headers, and an event stream nginx must not buffer.
//   behind_nginx [--port N]     prints "listening on 127.0.0.1:PORT", stops on SIGINT/SIGTERM
//
//   GET /whoami   {"remote_addr", "scheme", "peer"}: the client as the app sees it
//   GET /ws       WebSocket echo (ws::accept)
//   GET /events   Server-Sent Events: "first" at once, "last" when /release is asked
//   GET /release  sends "last" to every open /events stream and ends them
#include <ringkit.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace rk = ringkit;

namespace {

rk::response whoami(rk::request& req) {
    return rk::response::json({{"remote_addr", req.remote_addr},
                               {"scheme", std::string(req.scheme)},
                               {"peer", std::string(rk::peer_addr(req))}});
}

rk::task<rk::response> echo(rk::request& req) {
    auto ws = co_await rk::ws::accept(req);
    while (auto msg = co_await ws.receive())
        if (!co_await ws.send(std::move(*msg))) break;
    co_return ws.answer();
}

// Streams wait here for /release: a test that reads "first" before asking for
// "last" proves the proxy passed the event on instead of buffering it.
rk::channel_set streams;

rk::response events(rk::request& req) {
    return rk::as_channel(req, {
                                   .on_open =
                                       [](rk::channel& ch) {
                                           ch.send(rk::sse::response(), false);  // the head; X-Accel-Buffering: no
                                           ch.send(rk::sse::event("first"), false);
                                           streams.add(ch);
                                       },
                                   .on_close = [](rk::channel& ch, const rk::close_status&) { streams.remove(ch); },
                               });
}

rk::response release(rk::request&) {
    int n = 0;
    for (auto& ch : streams.snapshot())  // HTTP channels: broadcast() is for WebSockets
        if (ch.send(rk::sse::event("last"), true)) ++n;
    return rk::response::text(std::to_string(n) + " released\n");
}

}  // namespace

int main(int argc, char** argv) {
    rk::server_options options{.ip = "127.0.0.1", .port = 8080, .threads = 1};
    if (argc == 3 && !std::strcmp(argv[1], "--port")) options.port = static_cast<std::uint16_t>(std::atoi(argv[2]));

    auto app =
        rk::router{
            rk::GET("/whoami", whoami),
            rk::websocket("/ws", echo),
            rk::GET("/events", events),
            rk::GET("/release", release),
        } |
        rk::wrap_forwarded({.trusted = {"127.0.0.1/32"}});  // nginx connects from 127.0.0.1

    rk::server server(app, options);
    server.start();
    std::printf("listening on %s:%u\n", options.ip.c_str(), server.port());
    std::fflush(stdout);
    rk::run_until_signal(server);
}
