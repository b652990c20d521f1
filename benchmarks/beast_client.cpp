// beast_client: the Boost.Beast baseline for client_bench's http mode, driven by
// client_run.sh.
//
//   beast_client HOST PORT PATH [--concurrency 16] [--duration 5]
//
// `concurrency` C++20 coroutines on one io_context thread, each with a keep-alive
// connection of its own, looping http::async_write of a GET and http::async_read of
// the response (a flat_buffer and a string_body, as Beast's own http_client_coro
// example) until the duration is up. Every answer must be a 200. As lean as
// beast_server: a plain tcp::socket (no per-operation tcp_stream timer), TCP_NODELAY,
// the request built once per connection. What rk::client does per request beyond
// this (a URL parsed, the request's bytes written, a pool lease, deadlines, a strand
// hop) is what the comparison measures.
// Prints, its CPU from getrusage(RUSAGE_SELF) over the load alone:
//   http concurrency=16 secs=5.00 requests=N errors=E cpu_s=C per_cpu_s=X
// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>; and it
// enables co_await under clang only when <experimental/coroutine> exists, which
// libstdc++ does not ship (clang 14 has C++20 coroutines and <coroutine>).
#include <utility>
#if defined(__clang__) && !defined(BOOST_ASIO_HAS_CO_AWAIT) && defined(__cpp_impl_coroutine) && __has_include(<coroutine>)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#endif

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct tally {
    std::size_t done = 0, errors = 0;
    clock_type::time_point end;
};

double cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

net::awaitable<void> worker(tcp::resolver::results_type endpoints, std::string host, std::string target, tally& t) {
    try {
        tcp::socket socket(co_await net::this_coro::executor);
        co_await net::async_connect(socket, endpoints, net::use_awaitable);
        socket.set_option(tcp::no_delay(true));
        http::request<http::empty_body> req{http::verb::get, target, 11};
        req.set(http::field::host, host);
        req.set(http::field::user_agent, "beast_client");
        beast::flat_buffer buffer;
        while (clock_type::now() < t.end) {
            co_await http::async_write(socket, req, net::use_awaitable);
            http::response<http::string_body> res;
            co_await http::async_read(socket, buffer, res, net::use_awaitable);
            if (res.result() != http::status::ok) {
                if (++t.errors <= 5) std::fprintf(stderr, "beast_client: status %u\n", res.result_int());
            } else {
                ++t.done;
            }
        }
    } catch (const std::exception& e) {
        if (++t.errors <= 5) std::fprintf(stderr, "beast_client: %s\n", e.what());
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: beast_client HOST PORT PATH [--concurrency N] [--duration SECONDS]\n");
        return 2;
    }
    const std::string host = argv[1], port = argv[2], target = argv[3];
    std::size_t concurrency = 16;
    double duration = 5;
    for (int i = 4; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--concurrency") concurrency = std::strtoul(argv[i + 1], nullptr, 10);
        else if (flag == "--duration") duration = std::atof(argv[i + 1]);
    }
    net::io_context io(1);
    const auto endpoints = tcp::resolver(io).resolve(host, port);
    tally t;
    t.end =
        clock_type::now() + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(duration));

    const double cpu0 = cpu_seconds();
    const auto t0 = clock_type::now();
    for (std::size_t i = 0; i < concurrency; ++i)
        net::co_spawn(io, worker(endpoints, host + ':' + port, target, t), net::detached);
    io.run();
    const double cpu = cpu_seconds() - cpu0;
    const double wall = std::chrono::duration<double>(clock_type::now() - t0).count();
    std::printf("http concurrency=%zu secs=%.2f requests=%zu errors=%zu cpu_s=%.3f per_cpu_s=%.0f\n", concurrency, wall,
                t.done, t.errors, cpu, cpu > 0 ? static_cast<double>(t.done) / cpu : 0.0);
    return t.errors ? 1 : 0;
}
