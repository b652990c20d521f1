// The conformance server: what tests, benchmarks and evaluators run against.
//   echo_server [--port N] [--threads N] [--max-body BYTES] [--max-header BYTES]
// Prints "listening on 127.0.0.1:PORT" as its first line, stops on SIGINT/SIGTERM.
#include <ringkit.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace rk = ringkit;

namespace {

rk::response route(rk::request& req) {
    const auto& path = req.uri;
    const auto m = req.request_method;
    const bool get = m == rk::method::get || m == rk::method::head;
    if (path == "/plaintext" && get) return rk::response::text("Hello, World!");
    if (path == "/json" && get) return rk::response::json({{"message", "Hello, World!"}});
    if (path == "/echo" && (m == rk::method::post || m == rk::method::put))
        return rk::response::bytes(std::move(req.body),
                                   std::string(req.header("content-type").value_or("application/octet-stream")));
    return rk::response::not_found();
}

rk::task<rk::response> stream(rk::request&) {
    co_return rk::response::stream([](rk::body_writer& out) -> rk::task<void> {
        for (int i = 1; i <= 5; ++i) co_await out.write("chunk " + std::to_string(i) + "\n");
    });
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
    for (int i = 1; i < argc; ++i) {
        const char* flag = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
        if (!std::strcmp(flag, "--port")) options.port = static_cast<std::uint16_t>(arg_number(flag, value));
        else if (!std::strcmp(flag, "--threads")) options.threads = static_cast<unsigned>(arg_number(flag, value));
        else if (!std::strcmp(flag, "--max-body")) options.max_body = arg_number(flag, value);
        else if (!std::strcmp(flag, "--max-header")) options.max_header = arg_number(flag, value);
        else {
            std::fprintf(stderr, "usage: echo_server [--port N] [--threads N] [--max-body BYTES] [--max-header BYTES]\n");
            return 2;
        }
        ++i;
    }

    rk::handler app = [](rk::request& req) -> rk::task<rk::response> {
        if (req.uri == "/stream" && req.request_method == rk::method::get) co_return co_await stream(req);
        co_return route(req);
    };
    rk::server server(app, options);
    server.start();
    std::printf("listening on %s:%u\n", options.ip.c_str(), server.port());
    std::fflush(stdout);
    rk::run_until_signal(server);
}
