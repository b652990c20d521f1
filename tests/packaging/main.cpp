// The consumer program every packaging project builds: a ringkit server on a free
// loopback port with one handler, one real HTTP request to it over a raw Asio
// socket, a check of the status and body, a graceful stop. Exits 0 on success.
#include <ringkit.hpp>
#include <asio.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <system_error>

#ifndef RINGKIT_CONSUMER
#define RINGKIT_CONSUMER "consumer"
#endif

namespace {

std::string get(std::uint16_t port) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    std::string request = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    asio::write(socket, asio::buffer(request));
    std::string reply;
    std::error_code ec;
    asio::read(socket, asio::dynamic_buffer(reply), ec);  // Connection: close, so until EOF
    if (ec && ec != asio::error::eof) throw std::system_error(ec, "read");
    return reply;
}

}  // namespace

int main() {
    ::alarm(60);  // a hung server or client ends the process instead of the test run

    const std::string expected_body = "hello from " RINGKIT_CONSUMER;
    ringkit::server_options options;
    options.ip = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.worker_threads = 1;
    ringkit::server server([&](ringkit::request&) { return ringkit::response::text(expected_body); }, options);

    std::string reply;
    try {
        server.start();
        reply = get(server.port());
    } catch (const std::exception& e) {
        std::fprintf(stderr, RINGKIT_CONSUMER ": %s\n", e.what());
        server.stop(std::chrono::milliseconds(1000));
        return 1;
    }
    server.stop(std::chrono::milliseconds(1000));

    auto head_end = reply.find("\r\n\r\n");
    bool ok = reply.starts_with("HTTP/1.1 200 ") && head_end != std::string::npos &&
              reply.substr(head_end + 4) == expected_body;
    if (!ok) {
        std::fprintf(stderr, RINGKIT_CONSUMER ": unexpected reply:\n%s\n", reply.c_str());
        return 1;
    }
    std::printf(RINGKIT_CONSUMER ": ok (ringkit %s)\n", RINGKIT_VERSION_STRING);
    return 0;
}
