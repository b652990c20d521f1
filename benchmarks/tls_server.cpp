// The HTTPS/WSS server tls_run.sh measures: echo_server's benchmark routes over TLS,
// with the certificate given on the command line.
//   tls_server --port N --tls-cert FILE --tls-key FILE [--threads N] [--max-connections N] [--tls12]
// Routes: GET /plaintext, GET /json, and WebSocket echo on /ws/echo (the co_await stream),
// /ws/as-channel-echo (as_channel) and /ws/listener-echo (Ring's listener), as in
// examples/echo_server.cpp. TLS 1.3 only unless --tls12 (TLS 1.2 and 1.3).
// Prints "listening on 127.0.0.1:PORT" as its first line, stops on SIGINT/SIGTERM.
#include <ringkit.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace rk = ringkit;

namespace {

rk::task<rk::response> ws_echo(rk::request& req) {
    auto ws = co_await rk::ws::accept(req);
    while (auto msg = co_await ws.receive())
        if (!co_await ws.send(std::move(*msg))) break;
    co_return ws.answer();
}

rk::maybe_task route(rk::request& req) {
    const auto& path = req.uri;
    if (req.request_method != rk::method::get) return rk::response::not_found();
    if (path == "/plaintext") return rk::response::text("Hello, World!");
    if (path == "/json") return rk::response::json({{"message", "Hello, World!"}});
    if (path == "/ws/echo") return ws_echo(req);
    if (path == "/ws/as-channel-echo")
        return rk::as_channel(req, {.on_receive = [](rk::channel& ch, rk::ws::message&& m) { ch.send(std::move(m)); }});
    if (path == "/ws/listener-echo")
        return rk::ws::listener_response(
            req, {.on_message = [](rk::ws::socket& s, rk::ws::message&& m) { s.send(std::move(m)); }});
    return rk::response::not_found();
}

[[noreturn]] void usage() {
    std::fprintf(stderr,
                 "usage: tls_server --port N --tls-cert FILE --tls-key FILE [--threads N] "
                 "[--max-connections N] [--tls12]\n");
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    rk::server_options options;
    options.ip = "127.0.0.1";
    options.threads = 1;
    options.tls.min_version = rk::tls_version::tls1_3;
    std::string cert, key;
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        if (flag == "--tls12") {
            options.tls.min_version = rk::tls_version::tls1_2;
            continue;
        }
        if (i + 1 >= argc) usage();
        const char* value = argv[++i];
        if (flag == "--port") options.port = static_cast<std::uint16_t>(std::strtoul(value, nullptr, 10));
        else if (flag == "--threads") options.threads = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
        else if (flag == "--max-connections") options.max_connections = std::strtoul(value, nullptr, 10);
        else if (flag == "--tls-cert") cert = value;
        else if (flag == "--tls-key") key = value;
        else usage();
    }
    if (cert.empty() || key.empty()) usage();
    options.tls.certificates.push_back({cert, key});

    rk::handler app = route;
    rk::server server(app, options);
    server.start();
    std::printf("listening on %s:%u\n", options.ip.c_str(), server.port());
    std::fflush(stdout);
    rk::run_until_signal(server);
}
