// Many connections at once, driven from one thread with nonblocking sockets and poll().
#include <doctest/doctest.h>

#include "integration/support.hpp"

using namespace ringkit;
using namespace ringkit::test;

namespace {

struct pending_connection {
    int fd = -1;
    std::string out;
    std::size_t sent = 0;
    std::string in;
    bool done = false;
};

int connect_nonblocking(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

TEST_SUITE("integration/load") {

TEST_CASE("1000 concurrent connections each get their own answer") {
    constexpr std::size_t n = 1000;
    // Client and server ends both live in this process.
    auto limit = raise_fd_limit();
    REQUIRE_MESSAGE(limit >= 2 * n + 64, "RLIMIT_NOFILE hard limit too low for this test: ", limit);

    test_server srv([](request& req) { return response::text("you are " + req.uri.substr(1)); }, {.threads = 2});

    std::vector<pending_connection> conns(n);
    for (std::size_t i = 0; i < n; ++i) {
        conns[i].fd = connect_nonblocking(srv.port());
        REQUIRE(conns[i].fd >= 0);
        conns[i].out = get("/" + std::to_string(i), "Connection: close\r\n");
    }
    struct closer {
        std::vector<pending_connection>& c;
        ~closer() {
            for (auto& p : c)
                if (p.fd >= 0) ::close(p.fd);
        }
    } close_all{conns};

    const auto deadline = std::chrono::steady_clock::now() + 60s;
    std::size_t remaining = n;
    std::vector<pollfd> fds;
    std::vector<std::size_t> index;
    char buf[4096];
    while (remaining > 0 && std::chrono::steady_clock::now() < deadline) {
        fds.clear();
        index.clear();
        for (std::size_t i = 0; i < n; ++i) {
            auto& c = conns[i];
            if (c.done) continue;
            fds.push_back({c.fd, static_cast<short>(c.sent < c.out.size() ? POLLOUT : POLLIN), 0});
            index.push_back(i);
        }
        if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) FAIL("poll failed: " << errno);
        for (std::size_t k = 0; k < fds.size(); ++k) {
            if (!fds[k].revents) continue;
            auto& c = conns[index[k]];
            auto finish = [&] {
                c.done = true;
                ::close(c.fd);
                c.fd = -1;
                --remaining;
            };
            if (c.sent < c.out.size()) {
                auto w = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
                if (w > 0) c.sent += static_cast<std::size_t>(w);
                else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) finish();
                continue;
            }
            auto r = ::recv(c.fd, buf, sizeof buf, 0);
            if (r > 0) c.in.append(buf, static_cast<std::size_t>(r));
            else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) finish();
        }
    }
    REQUIRE(remaining == 0);

    std::size_t failures = 0;
    for (std::size_t i = 0; i < n && failures < 5; ++i) {
        auto& in = conns[i].in;
        auto body = "you are " + std::to_string(i);
        bool ok = in.starts_with("HTTP/1.1 200 OK\r\n") && in.ends_with("\r\n\r\n" + body) &&
                  in.find("Content-Length: " + std::to_string(body.size()) + "\r\n") != std::string::npos;
        if (!ok) {
            ++failures;
            FAIL_CHECK("connection " << i << " got: " << raw_client::printable(in));
        }
    }
    CHECK(failures == 0);
}

TEST_CASE("connections beyond max_connections get 503 and are closed") {
    server_options opts;
    opts.max_connections = 2;
    test_server srv(describe, opts);
    raw_client a(srv.port()), b(srv.port());
    REQUIRE(a.send(get("/")));
    REQUIRE(b.send(get("/")));
    CHECK(a.read_response().status == 200);
    CHECK(b.read_response().status == 200);

    raw_client c(srv.port());
    auto r = c.read_response();  // the refusal comes without a request
    CHECK(r.status == 503);
    CHECK(r.header("connection") == "close");
    CHECK(c.closed_by_server());

    // The two admitted connections are unaffected; once one goes, a new one is served.
    REQUIRE(a.send(get("/")));
    CHECK(a.read_response().status == 200);
    b.close();
    REQUIRE(wait_for_connections(srv, 1));
    raw_client d(srv.port());
    REQUIRE(d.send(get("/")));
    CHECK(d.read_response().status == 200);
}

}  // TEST_SUITE("integration/load")
