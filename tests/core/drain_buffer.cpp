#include "ringkit/core/drain_buffer.hpp"

#include <doctest/doctest.h>

#include <asio/connect.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <system_error>

// A short read turns the reactor's next speculative read off; these tests check
// that no wakeup is lost for it, whatever happens in between (the reason it is
// safe, core/drain_buffer.hpp). The saving itself is counted in benchmarks/.
namespace drain_buffer_tests {

using asio::ip::tcp;
using ringkit::detail::drain_buffer;

struct pair {
    asio::io_context io;
    tcp::socket server{io}, client{io};
    pair() {
        tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        client.connect(acceptor.local_endpoint());
        server = acceptor.accept();
    }
    void send(const std::string& s) { asio::write(client, asio::buffer(s)); }
    // Lets the reactor take the socket's pending events while no read is pending
    // (poll() alone returns at once when there is no work).
    void take_events() {
        auto work = asio::make_work_guard(io);
        io.restart();
        io.poll();
    }
    // Starts one read into `buf`; returns what it read once it completes, or
    // nothing if it is still pending after the loop ran out of work or time.
    std::optional<std::string> read(char* buf, std::size_t size) {
        std::optional<std::string> got;
        server.async_read_some(drain_buffer(buf, size), [&](std::error_code ec, std::size_t n) {
            got = ec ? "error: " + ec.message() : std::string(buf, n);
        });
        io.restart();
        io.run_for(std::chrono::milliseconds(200));
        return got;
    }
};

}  // namespace drain_buffer_tests

using namespace drain_buffer_tests;

TEST_CASE("drain_buffer: a read after a short read waits for the peer's next bytes, and gets them") {
    pair p;
    char buf[64];
    p.send("first");
    CHECK(p.read(buf, sizeof buf) == "first");  // short: the socket is marked drained
    p.send("second");  // arrives while no read is pending: the edge must turn reads back on
    CHECK(p.read(buf, sizeof buf) == "second");
}

TEST_CASE("drain_buffer: bytes that arrive while a read is pending complete it") {
    pair p;
    char buf[64];
    p.send("a");
    CHECK(p.read(buf, sizeof buf) == "a");
    std::optional<std::string> got;
    p.server.async_read_some(drain_buffer(buf, sizeof buf),
                             [&](std::error_code ec, std::size_t n) { got = ec ? "error" : std::string(buf, n); });
    p.io.restart();
    p.io.poll();  // the read is pending now, with no bytes there
    CHECK_FALSE(got);
    p.send("b");
    p.io.run_for(std::chrono::milliseconds(200));
    CHECK(got == "b");
}

TEST_CASE("drain_buffer: a read that fills the buffer leaves the rest to be read at once") {
    pair p;
    char buf[4];
    p.send("abcdefgh");
    p.take_events();  // the edge is taken first: no later event would wake a read marked drained by mistake
    CHECK(p.read(buf, sizeof buf) == "abcd");  // full: not drained
    CHECK(p.read(buf, sizeof buf) == "efgh");
}

TEST_CASE("drain_buffer: a synchronous read between two asynchronous ones loses no bytes") {
    // The server's pattern: a short asynchronous read, then a synchronous read_some
    // of bytes that came meanwhile, then an asynchronous read again.
    pair p;
    char buf[64];
    p.send("one");
    CHECK(p.read(buf, sizeof buf) == "one");
    p.send("two");
    p.take_events();  // the edge for "two" is taken with no read pending
    std::error_code ec;
    p.server.non_blocking(true);
    auto n = p.server.read_some(asio::buffer(buf), ec);
    REQUIRE_FALSE(ec);
    CHECK(std::string(buf, n) == "two");
    p.send("three");
    CHECK(p.read(buf, sizeof buf) == "three");
}

TEST_CASE("drain_buffer: the peer's close ends a pending read with eof") {
    pair p;
    char buf[64];
    p.send("last");
    CHECK(p.read(buf, sizeof buf) == "last");
    p.client.close();
    CHECK(p.read(buf, sizeof buf) == "error: " + asio::error::make_error_code(asio::error::eof).message());
}
