// A minimal Boost.Beast WebSocket echo server: the baseline ringkit's WebSocket
// routes are benchmarked against (see ws_run.sh and README.md).
//
//   beast_ws_server [--port N] [--threads N]
// Prints "listening on 127.0.0.1:PORT" as its first line, stops on SIGINT/SIGTERM.
//
// Routes, as in examples/echo_server.cpp (all three behave identically here):
//   GET /ws/echo, /ws/as-channel-echo, /ws/listener-echo with Upgrade: websocket
//       -> 101, then every message is echoed: text as text, binary as binary
//   anything else -> 404 "Not Found" (keep-alive)
//
// The shape is Beast's own advanced_server / websocket_server_async examples: an
// HTTP session reads the request with http::async_read; an upgrade to a known path
// hands the socket and the request to a websocket session, which calls
// async_accept(req) and then loops async_read into a flat_buffer, text(got_text()),
// async_write(buffer.data()), consume. (A client must wait for the 101 before it
// sends frames, RFC 6455 section 4.1, so no frame bytes are left in the HTTP buffer.)
//
// Deliberately lean for speed, like beast_server.cpp: websocket::stream over a plain
// tcp::socket (no tcp_stream timer), Beast's default of no timeouts and no
// permessage-deflate, TCP_NODELAY, no strand on one thread. auto_fragment is turned
// off: Beast's default (on) would send a 16 KiB echo as four 4 KiB frames, four writes.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using request_t = http::request<http::string_body>;

bool echo_path(beast::string_view target) {
    return target == "/ws/echo" || target == "/ws/as-channel-echo" || target == "/ws/listener-echo";
}

class ws_session : public std::enable_shared_from_this<ws_session> {
public:
    explicit ws_session(tcp::socket&& socket) : ws_(std::move(socket)) {}

    void run(request_t req) {
        ws_.auto_fragment(false);
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(http::field::server, "beast"); }));
        ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
            if (!ec) self->read();
        });
    }

private:
    void read() {
        ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) return;  // closed (Beast answered the close frame and tore down) or failed
        ws_.text(ws_.got_text());
        ws_.async_write(buffer_.data(), [self = shared_from_this()](beast::error_code e, std::size_t) {
            if (e) return;
            self->buffer_.consume(self->buffer_.size());
            self->read();
        });
    }

    websocket::stream<tcp::socket> ws_;
    beast::flat_buffer buffer_;
};

class http_session : public std::enable_shared_from_this<http_session> {
public:
    explicit http_session(tcp::socket socket) : socket_(std::move(socket)) {}

    void start() { read(); }

private:
    void read() {
        req_ = {};
        http::async_read(socket_, buffer_, req_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) return close();
        if (websocket::is_upgrade(req_) && echo_path(req_.target())) {
            std::make_shared<ws_session>(std::move(socket_))->run(std::move(req_));
            return;
        }
        res_ = {http::status::not_found, req_.version()};
        res_.set(http::field::server, "beast");
        res_.set(http::field::content_type, "text/plain; charset=utf-8");
        res_.body() = "Not Found";
        res_.keep_alive(req_.keep_alive());
        res_.prepare_payload();
        http::async_write(socket_, res_, [self = shared_from_this()](beast::error_code e, std::size_t) {
            if (e || !self->res_.keep_alive()) return self->close();
            self->read();
        });
    }

    void close() {
        beast::error_code ec;
        socket_.shutdown(tcp::socket::shutdown_send, ec);
        socket_.close(ec);
    }

    tcp::socket socket_;
    beast::flat_buffer buffer_;
    request_t req_;
    http::response<http::string_body> res_;
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
                std::make_shared<http_session>(std::move(socket))->start();
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
        std::fprintf(stderr, "beast_ws_server: %s needs a number\n", flag);
        std::exit(2);
    }
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    unsigned short port = 8080;
    unsigned threads = 1;
    for (int i = 1; i < argc; i += 2) {  // every flag takes a value
        const char* flag = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
        if (!std::strcmp(flag, "--port")) port = static_cast<unsigned short>(arg_number(flag, value));
        else if (!std::strcmp(flag, "--threads")) threads = static_cast<unsigned>(arg_number(flag, value));
        else {
            std::fprintf(stderr, "usage: beast_ws_server [--port N] [--threads N]\n");
            return 2;
        }
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
