// The README's first router, built so it cannot rot: routes with a path param,
// a coroutine handler, and a blocking one on the worker pool.
#include <ringkit/server.hpp>
#include <ringkit/router.hpp>
#include <ringkit/json.hpp>  // rk::response::json
#include <cstdlib>
namespace rk = ringkit;

// A coroutine handler: co_await anything Asio can do.
rk::task<rk::response> hello(rk::request& req) {
    co_return rk::response::text("Hello, " + req.query("name").value_or("world"));
}

// A plain function: no coroutine frame.
rk::response hello_name(rk::request& req) {
    return rk::response::text("Hello, " + std::string(rk::path_param(req, "name")));
}

// One that blocks (a database, a file): rk::blocking runs it on the worker pool.
rk::response slow(rk::request&) { return rk::response::json({{"done", true}}); }

int main(int argc, char** argv) {
    rk::router app{
        rk::GET("/hello", hello),
        rk::GET("/hello/:name", hello_name),
        rk::GET("/slow", rk::blocking(slow)),
    };
    auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8080);  // 0: any free port
    rk::server server(app, {.ip = "127.0.0.1", .port = port, .threads = 2});
    rk::run_until_signal(server);  // Ctrl-C: graceful stop within 5 s
}
