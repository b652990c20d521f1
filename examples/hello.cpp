// The README's twenty lines, built so they cannot rot.
#include <ringkit/server.hpp>
#include <ringkit/json.hpp>  // rk::response::json
#include <cstdlib>
namespace rk = ringkit;

// A coroutine handler: co_await anything Asio can do.
rk::task<rk::response> hello(rk::request& req) {
    co_return rk::response::text("Hello, " + req.query("name").value_or("world"));
}

int main(int argc, char** argv) {
    rk::handler app = [](rk::request& req) -> rk::task<rk::response> {
        if (req.uri == "/hello") co_return co_await hello(req);
        if (req.uri == "/slow")
            co_return co_await rk::blocking([](rk::request&) {  // runs on the worker pool
                return rk::response::json({{"done", true}});
            })(req);
        co_return rk::response::not_found();
    };
    auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8080);  // 0: any free port
    rk::server server(app, {.ip = "127.0.0.1", .port = port, .threads = 2});
    rk::run_until_signal(server);  // Ctrl-C: graceful stop within 5 s
}
