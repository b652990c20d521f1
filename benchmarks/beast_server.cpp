// A minimal Boost.Beast HTTP/1.1 server: the baseline ringkit's echo_server is
// benchmarked against (see run.sh and README.md).
//
//   beast_server [--port N] [--threads N]
// Prints "listening on 127.0.0.1:PORT" as its first line, stops on SIGINT/SIGTERM.
//
// Routes, as in examples/echo_server.cpp:
//   GET|HEAD /plaintext -> "Hello, World!"                 text/plain; charset=utf-8
//   GET|HEAD /json      -> {"message":"Hello, World!"}     application/json (nlohmann::json::dump per request)
//   anything else       -> 404 "Not Found"
// Every response carries Server and Date headers, like ringkit's.
//
// The shape is Beast's own http_server_async example: one session object per
// connection holding a flat_buffer, http::async_read into a request,
// http::async_write of the response, then read again while keep-alive holds.
// A pipelined batch is answered correctly because the flat_buffer keeps the bytes
// beyond the first request for the next async_read. Beast writes one response
// per async_write (it has no corking), which is its idiomatic behaviour.
//
// Deliberately lean for speed: a plain tcp::socket (no per-operation tcp_stream
// timer), no strand when running on one thread, TCP_NODELAY like ringkit, and the
// Date header formatted at most once a second.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// IMF-fixdate, cached per second and per thread (as ringkit does).
beast::string_view http_date() noexcept {
    struct cache {
        std::time_t second = -1;
        char text[29] = {};
    };
    thread_local cache c;
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    if (ts.tv_sec != c.second) {
        std::tm tm{};
        ::gmtime_r(&ts.tv_sec, &tm);
        static constexpr char days[] = "SunMonTueWedThuFriSat";
        static constexpr char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        char* p = c.text;
        auto put3 = [&](const char* s) { p = std::copy(s, s + 3, p); };
        auto put2 = [&](int v) {
            *p++ = static_cast<char>('0' + v / 10 % 10);
            *p++ = static_cast<char>('0' + v % 10);
        };
        const int year = tm.tm_year + 1900;
        put3(days + 3 * tm.tm_wday);
        p = std::copy_n(", ", 2, p);
        put2(tm.tm_mday);
        *p++ = ' ';
        put3(months + 3 * tm.tm_mon);
        *p++ = ' ';
        put2(year / 100);
        put2(year % 100);
        *p++ = ' ';
        put2(tm.tm_hour);
        *p++ = ':';
        put2(tm.tm_min);
        *p++ = ':';
        put2(tm.tm_sec);
        p = std::copy_n(" GMT", 4, p);
        c.second = ts.tv_sec;
    }
    return {c.text, 29};
}

using request_t = http::request<http::string_body>;
using response_t = http::response<http::string_body>;

response_t handle(const request_t& req) {
    const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
    const auto target = req.target();
    response_t res;
    if (get && target == "/plaintext") {
        res.result(http::status::ok);
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.body() = "Hello, World!";
    } else if (get && target == "/json") {
        res.result(http::status::ok);
        res.set(http::field::content_type, "application/json");
        res.body() = nlohmann::json{{"message", "Hello, World!"}}.dump();
    } else {
        res.result(http::status::not_found);
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.body() = "Not Found";
    }
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    res.set(http::field::server, "beast");
    res.set(http::field::date, http_date());
    res.prepare_payload();  // Content-Length
    // HEAD: Content-Length stays as for GET, the (now empty) body is not sent.
    if (req.method() == http::verb::head) res.body().clear();
    return res;
}

class session : public std::enable_shared_from_this<session> {
public:
    explicit session(tcp::socket socket) : socket_(std::move(socket)) {}

    void start() { read(); }

private:
    void read() {
        req_ = {};
        http::async_read(socket_, buffer_, req_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) return close();  // end_of_stream, reset, or a malformed request
        res_ = handle(req_);
        http::async_write(socket_, res_,
                          [self = shared_from_this()](beast::error_code e, std::size_t) { self->on_write(e); });
    }

    void on_write(beast::error_code ec) {
        if (ec || !res_.keep_alive()) return close();
        read();
    }

    void close() {
        beast::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_send, ec);
        socket_.close(ec);
    }

    tcp::socket socket_;
    beast::flat_buffer buffer_;
    request_t req_;
    response_t res_;
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(net::io_context& ioc, tcp::endpoint endpoint, bool strand_per_connection)
        : ioc_(ioc), acceptor_(ioc), strand_(strand_per_connection) {
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen(net::socket_base::max_listen_connections);
    }

    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    void start() { accept(); }
    void stop() {
        beast::error_code ec;
        acceptor_.close(ec);
    }

private:
    void accept() {
        auto handler = [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
            if (!self->acceptor_.is_open()) return;
            if (!ec) {
                socket.set_option(tcp::no_delay(true), ec);
                std::make_shared<session>(std::move(socket))->start();
            }
            self->accept();
        };
        if (strand_) acceptor_.async_accept(net::make_strand(ioc_), std::move(handler));
        else acceptor_.async_accept(ioc_, std::move(handler));
    }

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    bool strand_;
};

unsigned long arg_number(const char* flag, const char* value) {
    char* end = nullptr;
    unsigned long v = value ? std::strtoul(value, &end, 10) : 0;
    if (!value || *end != '\0') {
        std::fprintf(stderr, "beast_server: %s needs a number\n", flag);
        std::exit(2);
    }
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    unsigned short port = 8080;
    unsigned threads = 1;
    for (int i = 1; i < argc; ++i) {
        const char* flag = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
        if (!std::strcmp(flag, "--port")) port = static_cast<unsigned short>(arg_number(flag, value));
        else if (!std::strcmp(flag, "--threads")) threads = static_cast<unsigned>(arg_number(flag, value));
        else {
            std::fprintf(stderr, "usage: beast_server [--port N] [--threads N]\n");
            return 2;
        }
        ++i;
    }
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

    net::io_context ioc{static_cast<int>(threads)};
    auto l = std::make_shared<listener>(ioc, tcp::endpoint{net::ip::make_address("127.0.0.1"), port}, threads > 1);
    l->start();
    std::printf("listening on 127.0.0.1:%u\n", static_cast<unsigned>(l->port()));
    std::fflush(stdout);

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](beast::error_code, int) {
        l->stop();
        ioc.stop();
    });

    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
}
