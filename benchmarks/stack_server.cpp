// echo_server's /plaintext and /json behind what an application puts in front of
// them: a router with 1,000 other routes and the api_defaults stack (params, JSON
// bodies, content type, charset, 304s, nosniff, exceptions → 500). run.sh measures
// it as ringkit-alt beside the bare echo_server, so the difference is the cost of
// the router and the middleware on the hot path:
//   RINGKIT_ALT_BIN=build/bench/benchmarks/stack_server SERVERS="ringkit ringkit-alt" benchmarks/run.sh
//
//   stack_server [--port N] [--threads N] [--routes N] [--stack api|site|none]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <ringkit.hpp>
namespace rk = ringkit;

int main(int argc, char** argv) {
    rk::server_options options;
    options.ip = "127.0.0.1";
    options.port = 8080;
    options.threads = 1;
    options.logger = [](std::string_view, std::exception_ptr) {};
    int routes = 1000;
    std::string stack = "api";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--port")) options.port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--threads")) options.threads = static_cast<unsigned>(std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--routes")) routes = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--stack")) stack = argv[i + 1];
    }

    rk::handler other = [](rk::request&) { return rk::response::text("other"); };
    std::vector<rk::route> table;
    // Shapes like a REST API's: /v1/resN, /v1/resN/:id, /v1/resN/:id/items/:item, ...
    for (int i = 0; (int)table.size() < routes; ++i) {
        auto base = "/v1/res" + std::to_string(i);
        for (auto& path : {base, base + "/:id", base + "/:id/items", base + "/:id/items/:item"})
            if ((int)table.size() < routes) table.push_back(rk::GET(path, other));
    }
    table.push_back(rk::GET("/plaintext", [](rk::request&) { return rk::response::text("Hello, World!"); }));
    table.push_back(rk::GET("/json", [](rk::request&) { return rk::response::json({{"message", "Hello, World!"}}); }));
    rk::handler app = rk::router(std::move(table));
    if (stack == "api") app = std::move(app) | rk::api_defaults();
    else if (stack == "site") app = std::move(app) | rk::site_defaults();

    rk::server server(app, options);
    server.start();
    std::printf("listening on %s:%u\n", options.ip.c_str(), server.port());
    std::fflush(stdout);
    rk::run_until_signal(server);
}
