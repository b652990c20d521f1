// rk::client against a scripted server writing exact bytes: each fault gives its
// client_error, and a connection that carried one is never reused (the server
// counts the connections it accepted). Timeouts, the pool's reuse, and the one
// retry of an idempotent request on a connection the server closed under it.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "integration/client_support.hpp"

namespace client_faults_tests {

using namespace std::chrono_literals;
using ringkit::client_error;
using ringkit::client_options;
using ringkit::client_request;
using ringkit::test::client_support::answer_all;
using ringkit::test::client_support::client_rig;
using ringkit::test::client_support::peer;
using ringkit::test::client_support::scripted_server;

const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

// A TCP socket bound to a port of 127.0.0.1, listening with a backlog of 0 (and
// never accepting) or not listening at all.
struct local_socket {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};

    explicit local_socket(bool listening) {
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);
        if (listening) REQUIRE(::listen(fd, 0) == 0);
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    }
    local_socket(const local_socket&) = delete;
    local_socket& operator=(const local_socket&) = delete;
    ~local_socket() { ::close(fd); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/"; }
};

// The first connection answers with `bad`, every later one with `ok`: the first
// request must fail with `expected`, and the second must succeed on a new connection.
void fails_then_new_connection(const std::string& bad, client_error expected, client_options o = {}) {
    scripted_server srv([bad](int index, peer& p) {
        if (!p.read_request()) return;
        if (index == 0) {
            p.write(bad);
            p.wait_closed();  // whatever follows on this connection is the client's business: it must close it
            return;
        }
        while (p.write(ok) && p.read_request()) {}
    });
    client_rig rig(o);
    CHECK(rig.error_code_of({.url = srv.url()}) == expected);
    CHECK(rig.fetch(srv.url()).body == "ok");
    CHECK(srv.accepted() == 2);
}

TEST_SUITE("integration/client faults") {

TEST_CASE("sequential requests share one pooled connection") {
    scripted_server srv(answer_all(ok));
    client_rig rig;
    for (int i = 0; i < 5; ++i) CHECK(rig.fetch(srv.url("/" + std::to_string(i))).body == "ok");
    CHECK(srv.accepted() == 1);
    CHECK(rig.get().open_connections() == 1);
}

TEST_CASE("bad framing is its error, and the connection is not reused") {
    SUBCASE("Content-Length with Transfer-Encoding") {
        fails_then_new_connection(
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            client_error::content_length_with_transfer_encoding);
    }
    SUBCASE("two different Content-Lengths") {
        fails_then_new_connection("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
                                  client_error::conflicting_content_length);
    }
    SUBCASE("a bad chunk size") {
        fails_then_new_connection("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
                                  client_error::bad_chunk_size);
    }
    SUBCASE("a bare LF in the head") {
        fails_then_new_connection("HTTP/1.1 200 OK\nContent-Length: 2\r\n\r\nok", client_error::bad_line_ending);
    }
    SUBCASE("a bad status line") {
        fails_then_new_connection("HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok", client_error::bad_status_line);
    }
    SUBCASE("a 101 nobody asked for") {
        fails_then_new_connection("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
                                  client_error::unexpected_switching_protocols);
    }
    SUBCASE("a body over max_body") {
        client_options o;
        o.limits.max_body = 4;
        fails_then_new_connection("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde", client_error::body_too_large, o);
    }
}

TEST_CASE("a connection closed before the response ended is closed_early") {
    scripted_server srv([](int, peer& p) {
        if (p.read_request()) p.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    });
    client_rig rig;
    CHECK(rig.error_code_of({.url = srv.url()}) == client_error::closed_early);
}

TEST_CASE("bytes after the response: the response is served, the connection is not reused") {
    scripted_server srv([](int index, peer& p) {
        if (!p.read_request()) return;
        if (index == 0) {
            p.write(ok + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nwrong");  // an answer to no request
            p.wait_closed();
            return;
        }
        while (p.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nright") && p.read_request()) {}
    });
    client_rig rig;
    CHECK(rig.fetch(srv.url()).body == "ok");
    CHECK(rig.fetch(srv.url()).body == "right");
    CHECK(srv.accepted() == 2);
}

TEST_CASE("1xx interim responses are skipped; a body read until close is whole at the close") {
    scripted_server srv([](int, peer& p) {
        if (p.read_request())
            p.write(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                "HTTP/1.1 200 OK\r\n\r\nuntil the end");
    });
    client_rig rig;
    auto r = rig.fetch(srv.url());
    CHECK(r.status == 200);
    CHECK(r.body == "until the end");
    CHECK(rig.get().open_connections() == 0);  // read until close: nothing to reuse
}

TEST_CASE("no byte within read_timeout is read_timeout") {
    scripted_server srv([](int, peer& p) {
        if (p.read_request()) p.wait_closed();  // never answers
    });
    client_options o;
    o.read_timeout = 200ms;
    client_rig rig(o);
    CHECK(rig.error_code_of({.url = srv.url()}) == client_error::read_timeout);
    CHECK(rig.get().open_connections() == 0);
}

TEST_CASE("a response that trickles past the total timeout is total_timeout") {
    scripted_server srv([](int, peer& p) {
        if (!p.read_request()) return;
        const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
        for (char c : response + std::string(100, 'x')) {  // 20 s at this pace: the client gives up long before
            if (!p.write(std::string(1, c))) return;
            std::this_thread::sleep_for(150ms);
        }
    });
    client_options o;
    o.read_timeout = 5s;
    client_rig rig(o);
    CHECK(rig.error_code_of({.url = srv.url(), .timeout = 400ms}) == client_error::total_timeout);
}

TEST_CASE("a server that never completes the TCP handshake is connect_timeout") {
    // A listener that never accepts, with its backlog of 0 filled by one
    // connection: Linux then drops the SYNs of the next, which waits unanswered.
    local_socket listener(true);
    std::vector<int> fillers;
    for (int i = 0; i < 2; ++i) {
        int f = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ::connect(f, reinterpret_cast<const sockaddr*>(&listener.addr), sizeof listener.addr);
        fillers.push_back(f);
    }
    std::this_thread::sleep_for(50ms);  // let the fillers' handshakes settle into the queue
    client_options o;
    o.connect_timeout = 300ms;
    client_rig rig(o);
    CHECK(rig.error_code_of({.url = listener.url()}) == client_error::connect_timeout);
    for (int f : fillers) ::close(f);
}

TEST_CASE("a refused connection is the system's error") {
    local_socket bound(false);  // a port of ours that nobody listens on
    client_rig rig;
    CHECK(rig.error_code_of({.url = bound.url()}) == asio::error::connection_refused);
}

TEST_CASE("a pooled connection the server closed while idle is not used") {
    scripted_server srv([](int, peer& p) {
        if (p.read_request()) p.write(ok);  // then closes, without saying so
    });
    client_rig rig;
    CHECK(rig.fetch(srv.url()).body == "ok");
    // The close may reach the client before the next request (found idle) or as
    // its answer (the retry below); either way a new connection answers.
    CHECK(rig.fetch(srv.url()).body == "ok");
    CHECK(srv.accepted() == 2);
}

TEST_CASE("a reused connection closed under a request: an idempotent one is sent again, once") {
    // The first connection answers one request, reads the next and closes unanswered.
    auto script = [](int index, peer& p) {
        if (!p.read_request()) return;
        p.write(ok);
        if (index == 0) {
            p.read_request();
            return;
        }
        while (p.read_request() && p.write(ok)) {}
    };
    SUBCASE("GET: retried on a new connection") {
        scripted_server srv(script);
        client_rig rig;
        CHECK(rig.fetch(srv.url()).body == "ok");
        CHECK(rig.fetch(srv.url()).body == "ok");
        CHECK(srv.accepted() == 2);
    }
    SUBCASE("POST: not idempotent, the error is the caller's") {
        scripted_server srv(script);
        client_rig rig;
        CHECK(rig.fetch(srv.url()).body == "ok");
        CHECK(rig.error_code_of({.method = ringkit::method::post, .url = srv.url()}) == client_error::closed_early);
        CHECK(srv.accepted() == 1);
    }
    SUBCASE("a response that had begun is not retried") {
        scripted_server srv([](int index, peer& p) {
            if (!p.read_request()) return;
            p.write(ok);
            if (index == 0 && p.read_request()) p.write("HTTP/1.1 200 OK\r\nContent-Le");
        });
        client_rig rig;
        CHECK(rig.fetch(srv.url()).body == "ok");
        CHECK(rig.error_code_of({.url = srv.url()}) == client_error::closed_early);
        CHECK(srv.accepted() == 1);
    }
}

TEST_CASE("a request waiting for a place in the pool ends at its total timeout") {
    scripted_server srv([](int, peer& p) {
        if (p.read_request()) p.wait_closed();  // never answers
    });
    client_options o;
    o.pool.max_per_origin = 1;
    o.read_timeout = 2s;
    client_rig rig(o);
    auto first = rig.start({.url = srv.url()});  // holds the one place
    auto second = rig.start({.url = srv.url(), .timeout = 200ms});
    CHECK(second.get().code() == client_error::total_timeout);
    CHECK(first.get().code() == client_error::read_timeout);
    CHECK(srv.accepted() == 1);
}

TEST_CASE("an idle connection past idle_timeout is closed, not reused") {
    scripted_server srv(answer_all(ok));
    client_options o;
    o.pool.idle_timeout = 100ms;
    client_rig rig(o);
    CHECK(rig.fetch(srv.url()).body == "ok");
    std::this_thread::sleep_for(300ms);  // well past idle_timeout
    CHECK(rig.fetch(srv.url()).body == "ok");
    CHECK(srv.accepted() == 2);
}

TEST_CASE("past max_total, the connection idle the longest (another origin's) is closed to make room") {
    std::promise<void> a_closed;
    scripted_server a([&a_closed](int, peer& p) {
        while (p.read_request() && p.write(ok)) {}
        a_closed.set_value();  // the client closed it
    });
    scripted_server b(answer_all(ok));
    client_options o;
    o.pool.max_total = 1;
    client_rig rig(o);
    CHECK(rig.fetch(a.url()).body == "ok");
    CHECK(rig.fetch(b.url()).body == "ok");
    CHECK(a_closed.get_future().wait_for(ringkit::test::io_timeout) == std::future_status::ready);
    CHECK(rig.get().open_connections() == 1);
}

TEST_CASE("a header with CR or LF is refused before anything is sent; the callback hears invalid_argument") {
    scripted_server srv(answer_all(ok));
    client_rig rig;
    CHECK_THROWS_AS(rig.fetch({.url = srv.url(), .headers = {{"X-A", "1\r\nX-Injected: 1"}}}), std::invalid_argument);
    std::promise<std::error_code> heard;
    rig.get().request({.url = srv.url(), .headers = {{"X-A", "a\nb"}}},
                      [&heard](std::error_code ec, const ringkit::client_response&) { heard.set_value(ec); });
    CHECK(heard.get_future().get() == std::errc::invalid_argument);
    CHECK(srv.accepted() == 0);
}

TEST_CASE("the pool holds at most max_per_origin connections: the others wait their turn") {
    scripted_server srv(answer_all(ok));
    client_options o;
    o.pool.max_per_origin = 1;
    client_rig rig(o);
    std::vector<std::future<ringkit::test::client_support::outcome>> results;
    for (int i = 0; i < 4; ++i) results.push_back(rig.start({.url = srv.url()}));
    for (auto& f : results) {
        auto o = f.get();
        REQUIRE(o.response);
        CHECK(o.response->body == "ok");
    }
    CHECK(srv.accepted() == 1);
}
}

}  // namespace client_faults_tests
