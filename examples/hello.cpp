// The README's twenty lines, built so they cannot rot.
#include <ringkit.hpp>
namespace rk = ringkit;

// A coroutine handler: co_await anything Asio can do.
rk::task<rk::response> hello(rk::request& req) {
    co_return rk::response::text("Hello, " + req.query("name").value_or("world"));
}

int main() {
    rk::handler app = [](rk::request& req) -> rk::task<rk::response> {
        if (req.uri == "/hello") co_return co_await hello(req);
        if (req.uri == "/slow") co_return co_await rk::blocking([](rk::request&) {   // runs on the worker pool
            return rk::response::json({{"done", true}});
        })(req);
        co_return rk::response::not_found();
    };
    rk::server server(app, {.ip = "127.0.0.1", .port = 8080, .threads = 2});
    rk::run_until_signal(server);   // Ctrl-C: graceful stop within 5 s
}
