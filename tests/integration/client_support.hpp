// Helpers for the client's integration tests: an rk::client whose io_context runs
// on a thread of its own (so the tests use the future form, as plain code does),
// and a scripted server: a raw listener on 127.0.0.1 whose every connection runs
// a script that writes exact bytes, for the faults a real server never makes.
// It counts the connections it accepted, which is how the tests see whether the
// client reused one.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <ringkit/client/client.hpp>

#include "integration/support.hpp"

namespace ringkit::test::client_support {

/// How a request ended, as plain values: an exception object must not cross
/// threads in a test (libstdc++ counts its references where TSan cannot see).
struct outcome {
    std::optional<client_response> response;
    std::error_code error;
    std::string message;            ///< the exception's what()
    bool invalid_argument = false;  ///< std::invalid_argument, not a system_error

    std::error_code code() const noexcept { return error; }
    const char* what() const noexcept { return message.c_str(); }
};

/// An rk::client on an io_context that a thread of its own runs. Requests go
/// through the coroutine form, on that thread; the future form is
/// client_http.cpp's to test.
class client_rig {
public:
    explicit client_rig(client_options o = {}) {
#if RINGKIT_HAS_OPENSSL
        if (tls_mode() && o.tls.ca_file.empty()) o.tls.ca_file = test_certs().ca();
#endif
        client_.emplace(io_, std::move(o));
        thread_ = std::thread([this] { io_.run(); });
    }
    client_rig(const client_rig&) = delete;
    client_rig& operator=(const client_rig&) = delete;
    ~client_rig() {
        work_.reset();
        io_.stop();
        thread_.join();
        client_.reset();  // its sockets go while no thread runs the io_context
    }

    ringkit::client& get() { return *client_; }
    asio::io_context& io() { return io_; }

    /// Starts `r`; the future says how it ended.
    std::future<outcome> start(client_request r) {
        auto done = std::make_shared<std::promise<outcome>>();
        auto result = done->get_future();
        asio::co_spawn(io_, run(*client_, std::move(r), done), asio::detached);
        return result;
    }
    /// The response; what the request threw, thrown again in this thread.
    client_response fetch(client_request r) {
        auto o = start(std::move(r)).get();
        if (o.response) return std::move(*o.response);
        if (o.invalid_argument) throw std::invalid_argument(o.message);
        throw std::runtime_error(o.message);
    }
    client_response fetch(std::string url) { return fetch(client_request{.url = std::move(url)}); }
    /// How a request that must fail failed; a failed check when it succeeds.
    outcome error_of(client_request r) {
        auto o = start(std::move(r)).get();
        if (o.response) FAIL_CHECK("the request succeeded with status " << o.response->status);
        return o;
    }
    std::error_code error_code_of(client_request r) { return error_of(std::move(r)).code(); }

private:
    static ringkit::task<void> run(ringkit::client& client, client_request r,
                                   std::shared_ptr<std::promise<outcome>> done) {
        outcome o;
        try {
            o.response = co_await client.request(std::move(r));
        } catch (const std::system_error& e) {
            o.error = e.code();
            o.message = e.what();
        } catch (const std::invalid_argument& e) {
            o.invalid_argument = true;
            o.message = e.what();
        } catch (const std::exception& e) {
            o.message = e.what();
        }
        done->set_value(std::move(o));
    }

    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
    std::optional<ringkit::client> client_;
    std::thread thread_;
};

/// "http://127.0.0.1:port" (https under RINGKIT_TEST_TLS), for ringkit's own test_server.
inline std::string base_url(std::uint16_t port) {
    return std::string(tls_mode() ? "https" : "http") + "://127.0.0.1:" + std::to_string(port);
}

/// One accepted connection of a scripted_server, with blocking reads bounded by io_timeout.
class peer {
public:
    explicit peer(int fd) : fd_(fd) {}
    peer(const peer&) = delete;
    peer& operator=(const peer&) = delete;
    ~peer() { close(); }

    /// A request's head and its Content-Length body; nullopt when the client
    /// closed (or nothing came within io_timeout).
    std::optional<std::string> read_request() {
        std::size_t end;
        while ((end = buffer_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return std::nullopt;
        std::size_t length = 0;
        if (auto at = lower(buffer_.substr(0, end)).find("\r\ncontent-length:"); at != std::string::npos)
            length = std::stoul(buffer_.substr(at + 17));
        while (buffer_.size() < end + 4 + length)
            if (!fill()) return std::nullopt;
        auto request = buffer_.substr(0, end + 4 + length);
        buffer_.erase(0, request.size());
        return request;
    }
    bool write(std::string_view bytes) {
        while (!bytes.empty()) {
            auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    /// Waits (at most io_timeout) for the client to close the connection.
    bool wait_closed() {
        while (fill()) {}
        return eof_;
    }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    static std::string lower(std::string s) {
        for (auto& c : s) c = detail::ascii_lower(c);
        return s;
    }
    bool fill() {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(io_timeout.count())) != 1) return false;
        char chunk[4096];
        auto n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) {
            eof_ = true;
            return false;
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }
    int fd_;
    std::string buffer_;
    bool eof_ = false;
};

/// A listener on 127.0.0.1 whose n-th connection (from 0) runs script(n, peer)
/// on a thread of its own. The destructor stops accepting and joins every script.
class scripted_server {
public:
    using script = std::function<void(int, peer&)>;

    explicit scripted_server(script s) : script_(std::move(s)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            throw std::system_error(errno, std::system_category(), "scripted_server");
        port_ = ntohs(addr.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    scripted_server(const scripted_server&) = delete;
    scripted_server& operator=(const scripted_server&) = delete;
    ~scripted_server() {
        ::shutdown(fd_, SHUT_RDWR);  // wakes the blocked accept
        acceptor_.join();
        ::close(fd_);
        std::lock_guard lock(mutex_);
        for (auto& t : scripts_) t.join();
    }

    std::uint16_t port() const noexcept { return port_; }
    std::string url(std::string_view path = "/") const {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
    }
    /// Connections accepted so far.
    int accepted() const noexcept { return accepted_.load(); }

private:
    void accept_loop() {
        for (;;) {
            int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) return;
            const int index = accepted_++;
            std::lock_guard lock(mutex_);
            scripts_.emplace_back([this, c, index] {
                peer p(c);
                script_(index, p);
            });
        }
    }

    script script_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<int> accepted_{0};
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<std::thread> scripts_;
};

/// A script that answers every request of every connection with `response`.
inline scripted_server::script answer_all(std::string response) {
    return [response = std::move(response)](int, peer& p) {
        while (p.read_request())
            if (!p.write(response)) return;
    };
}

}  // namespace ringkit::test::client_support
