// Helpers for the loopback integration tests: a server started in-process on
// 127.0.0.1 with an ephemeral port, and a raw-bytes TCP client whose every read
// is bounded by a timeout, so no test can hang on a server that misbehaves.
//
// The client never interprets more than it must: read_response() splits the
// byte stream into responses by their framing (Content-Length, chunked, or
// until close) and keeps the raw bytes for exact assertions.
//
// TLS: a client made with tls_client_options speaks TLS (OpenSSL, blocking, with
// the same timeouts). With RINGKIT_TEST_TLS=1 in the environment (the *_tls
// ctest entries) every test_server serves TLS with the test CA's certificate and
// every client speaks TLS, so the same tests run over both.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <future>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <ringkit.hpp>
#include <asio.hpp>

#include "support/fds.hpp"

#if RINGKIT_HAS_OPENSSL
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "support/tls_certs.hpp"
#endif

namespace ringkit::test {

using namespace std::chrono_literals;

/// The longest any single read waits. Only a failing test ever waits this long.
inline constexpr std::chrono::milliseconds io_timeout{10'000};

/// RINGKIT_TEST_TLS=1: servers and clients speak TLS (see the header comment).
inline bool tls_mode() {
    static const bool on = [] {
        const char* v = std::getenv("RINGKIT_TEST_TLS");
        return v && *v == '1';
    }();
    return on;
}

/// How a client speaks TLS. Defaults: the test CA, SNI and name check "localhost", ALPN http/1.1.
struct tls_client_options {
    std::string server_name = "localhost";  ///< SNI and the name verified; empty: neither
    int min_version = 0, max_version = 0;   ///< e.g. TLS1_1_VERSION; 0: OpenSSL's defaults
    std::string ciphers, ciphersuites;      ///< empty: OpenSSL's defaults
    std::vector<std::string> alpn = {"http/1.1"};
    std::string cert_file, key_file;  ///< a client certificate
    std::string ca_file;              ///< empty: the test CA
#if RINGKIT_HAS_OPENSSL
    SSL_SESSION* resume = nullptr;  ///< a session (SSL_get1_session) to resume
#endif
};

/// A server on 127.0.0.1, port 0, started by the constructor and stopped (if
/// still running) by the destructor.
class test_server {
public:
    explicit test_server(handler app, server_options opts = {}) : server_(std::move(app), local(std::move(opts))) {
        server_.start();
    }
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;
    ~test_server() {
        if (server_.state() == server_state::running) server_.stop(2s);
    }

    std::uint16_t port() const noexcept { return server_.port(); }
    ringkit::server& get() noexcept { return server_; }
    bool stop(std::chrono::milliseconds timeout) { return server_.stop(timeout); }
    server_state state() const { return server_.state(); }

private:
    static server_options local(server_options o) {
        o.ip = "127.0.0.1";
        o.port = 0;
#if RINGKIT_HAS_OPENSSL
        if (tls_mode() && !o.tls.enabled())
            o.tls.certificates.push_back({test_certs().path("server.pem"), test_certs().path("server.key")});
#endif
        if (o.threads == 0) o.threads = 1;
        if (o.worker_threads == 0) o.worker_threads = 2;
        return o;
    }
    ringkit::server server_;
};

/// A logger that keeps what it is told (thread-safe: it is called on I/O threads).
class captured_log {
public:
    ringkit::logger hook() {
        return [this](std::string_view message, std::exception_ptr error) {
            std::string what = ringkit::exception_message(error);
            std::lock_guard lock(mutex_);
            entries_.push_back({std::string(message), what, error != nullptr});
        };
    }
    struct entry {
        std::string message;
        std::string what;  ///< the exception's what(), if one came with the message
        bool had_exception = false;
    };
    std::vector<entry> entries() const {
        std::lock_guard lock(mutex_);
        return entries_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<entry> entries_;
};

/// Fulfils a promise when the test leaves its scope, however it leaves, so a
/// handler parked on it lets go and stop() can finish.
struct releaser {
    std::promise<void>& promise;
    ~releaser() {
        try {
            promise.set_value();
        } catch (const std::future_error&) {  // already released by the test
        }
    }
};

inline bool iequal(std::string_view a, std::string_view b) { return detail::iequals(a, b); }

/// One response as it came off the wire.
struct wire_response {
    std::string version;  ///< "HTTP/1.1"
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers;  ///< as sent, in order
    std::string body;                                          ///< de-chunked
    std::string raw;                                           ///< every byte of this response
    bool chunked = false;
    bool close_delimited = false;  ///< the body ran until the server closed

    /// The first header of this name (case-insensitive).
    std::optional<std::string> header(std::string_view name) const {
        for (auto& [n, v] : headers)
            if (iequal(n, name)) return v;
        return std::nullopt;
    }
    std::size_t count(std::string_view name) const {
        return static_cast<std::size_t>(
            std::count_if(headers.begin(), headers.end(), [&](auto& h) { return iequal(h.first, name); }));
    }
    /// The header block without the Date line (which changes every second).
    std::string head_without_date() const {
        std::string out = version + " " + std::to_string(status) + " " + reason + "\r\n";
        for (auto& [n, v] : headers)
            if (!iequal(n, "date")) out += n + ": " + v + "\r\n";
        return out;
    }
};

/// A blocking TCP client with a timeout on every read and write.
class raw_client {
public:
    explicit raw_client(std::uint16_t port, std::chrono::milliseconds timeout = io_timeout) : timeout_(timeout) {
        connect(port);
#if RINGKIT_HAS_OPENSSL
        if (tls_mode()) start_tls({});
#endif
    }
#if RINGKIT_HAS_OPENSSL
    /// A TLS client; throws std::runtime_error with OpenSSL's reason when the handshake fails.
    raw_client(std::uint16_t port, const tls_client_options& tls, std::chrono::milliseconds timeout = io_timeout)
        : timeout_(timeout) {
        connect(port);
        start_tls(tls);
    }
    /// The TLS connection (null on plain TCP), to look at what was agreed.
    SSL* ssl() const noexcept { return ssl_; }
#endif

private:
    void connect(std::uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::system_error(errno, std::system_category(), "socket");
        timeval tv{static_cast<time_t>(timeout_.count() / 1000),
                   static_cast<suseconds_t>(timeout_.count() % 1000 * 1000)};
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // small writes go out as written
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            int e = errno;
            ::close(fd_);
            throw std::system_error(e, std::system_category(), "connect");
        }
    }

#if RINGKIT_HAS_OPENSSL
    void start_tls(const tls_client_options& o) {
        ctx_ = SSL_CTX_new(TLS_client_method());
        if (o.min_version) SSL_CTX_set_min_proto_version(ctx_, o.min_version);
        if (o.max_version) SSL_CTX_set_max_proto_version(ctx_, o.max_version);
        if (o.min_version && o.min_version < TLS1_2_VERSION) SSL_CTX_set_security_level(ctx_, 0);  // allow old versions
        if (!o.ciphers.empty()) SSL_CTX_set_cipher_list(ctx_, o.ciphers.c_str());
        if (!o.ciphersuites.empty()) SSL_CTX_set_ciphersuites(ctx_, o.ciphersuites.c_str());
        SSL_CTX_load_verify_locations(ctx_, (o.ca_file.empty() ? test_certs().ca() : o.ca_file).c_str(), nullptr);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
        if (!o.cert_file.empty()) {
            SSL_CTX_use_certificate_chain_file(ctx_, o.cert_file.c_str());
            SSL_CTX_use_PrivateKey_file(ctx_, o.key_file.c_str(), SSL_FILETYPE_PEM);
        }
        std::string wire;
        for (auto& p : o.alpn) wire += static_cast<char>(p.size()) + p;
        if (!wire.empty())
            SSL_CTX_set_alpn_protos(ctx_, reinterpret_cast<const unsigned char*>(wire.data()),
                                    static_cast<unsigned>(wire.size()));
        ssl_ = SSL_new(ctx_);
        SSL_set_fd(ssl_, fd_);
        if (o.resume) SSL_set_session(ssl_, o.resume);
        if (!o.server_name.empty()) {
            SSL_set_tlsext_host_name(ssl_, o.server_name.c_str());
            SSL_set1_host(ssl_, o.server_name.c_str());
        }
        ERR_clear_error();
        if (SSL_connect(ssl_) != 1) {
            char why[256] = "closed";
            if (auto code = ERR_get_error()) ERR_error_string_n(code, why, sizeof why);
            ERR_clear_error();
            close();  // the destructor does not run for a constructor that throws
            throw std::runtime_error(std::string("TLS handshake failed: ") + why);
        }
    }
#endif

public:
    raw_client(const raw_client&) = delete;
    raw_client& operator=(const raw_client&) = delete;
    ~raw_client() { close(); }

    int fd() const noexcept { return fd_; }
    std::uint16_t local_port() const {
        sockaddr_in addr{};
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        return ntohs(addr.sin_port);
    }

    /// Sends all of `bytes`; false when the peer has gone (reset / broken pipe).
    bool send(std::string_view bytes) {
#if RINGKIT_HAS_OPENSSL
        if (ssl_) {
            // One record per call, as a client writes what it has.
            ERR_clear_error();
            if (!bytes.empty() && SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) <= 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) throw std::runtime_error("send timed out");
                return false;
            }
            return true;
        }
#endif
        while (!bytes.empty()) {
            auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) throw std::runtime_error("send timed out");
                return false;
            }
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    /// Sends `bytes` as separate writes of the given sizes, cycling through them.
    bool send_in_pieces(std::string_view bytes, std::initializer_list<std::size_t> sizes) {
        std::vector<std::size_t> s(sizes);
        for (std::size_t i = 0; !bytes.empty(); ++i) {
            auto n = std::min(bytes.size(), s[i % s.size()]);
            if (!send(bytes.substr(0, n))) return false;
            bytes.remove_prefix(n);
        }
        return true;
    }

    /// Closes with a TCP reset instead of a FIN (SO_LINGER with a zero timeout).
    void reset() {
        linger lg{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close();
    }

    /// Half-closes the sending side (the server sees end of input; TLS: after close_notify).
    void shutdown_send() {
        notify_close();
        ::shutdown(fd_, SHUT_WR);
    }
    /// TLS: ends TCP without close_notify (a truncation attack, or a crashed client).
    void shutdown_send_without_notify() { ::shutdown(fd_, SHUT_WR); }

    /// Closes the socket, as a client does once it has read a Connection: close response.
    void close() {
        notify_close();
#if RINGKIT_HAS_OPENSSL
        if (ssl_) SSL_free(std::exchange(ssl_, nullptr));
        if (ctx_) SSL_CTX_free(std::exchange(ctx_, nullptr));
#endif
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

    /// TLS: whether the server ended the stream with close_notify (read to the end first).
    bool clean_tls_close() const noexcept { return clean_close_; }

    /// Reads one response. `head_request`: it answers a HEAD, so it has no body.
    /// Throws when the connection closes or the timeout passes before a whole response.
    wire_response read_response(bool head_request = false) {
        wire_response r;
        std::size_t head_end;
        while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) throw std::runtime_error("connection closed before a response head; got: " + printable(buf_));
        std::string_view head(buf_.data(), head_end + 2);
        auto line_end = head.find("\r\n");
        auto status_line = head.substr(0, line_end);
        auto sp1 = status_line.find(' ');
        if (sp1 == std::string_view::npos) throw std::runtime_error("bad status line: " + std::string(status_line));
        r.version = status_line.substr(0, sp1);
        auto sp2 = status_line.find(' ', sp1 + 1);
        r.status = std::stoi(std::string(status_line.substr(sp1 + 1, sp2 - sp1 - 1)));
        if (sp2 != std::string_view::npos) r.reason = status_line.substr(sp2 + 1);
        head.remove_prefix(line_end + 2);
        while (!head.empty()) {
            auto e = head.find("\r\n");
            auto line = head.substr(0, e);
            auto colon = line.find(':');
            if (colon == std::string_view::npos) throw std::runtime_error("bad header line: " + printable(line));
            auto value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
            head.remove_prefix(e + 2);
        }
        std::size_t pos = head_end + 4;

        auto need = [&](std::size_t n) {
            while (buf_.size() < n)
                if (!fill()) throw std::runtime_error("connection closed inside a response body");
        };
        const bool no_body = head_request || r.status < 200 || r.status == 204 || r.status == 304;
        auto te = r.header("transfer-encoding");
        auto cl = r.header("content-length");
        if (no_body) {
        } else if (te) {
            if (!iequal(*te, "chunked")) throw std::runtime_error("unexpected Transfer-Encoding: " + *te);
            r.chunked = true;
            for (;;) {
                std::size_t eol;
                while ((eol = buf_.find("\r\n", pos)) == std::string::npos)
                    if (!fill()) throw std::runtime_error("connection closed inside a chunk size");
                auto size_text = buf_.substr(pos, eol - pos);
                std::size_t size = std::stoul(size_text, nullptr, 16);
                pos = eol + 2;
                if (size == 0) {
                    // Trailers, then the empty line.
                    for (;;) {
                        while ((eol = buf_.find("\r\n", pos)) == std::string::npos)
                            if (!fill()) throw std::runtime_error("connection closed inside trailers");
                        bool empty = eol == pos;
                        pos = eol + 2;
                        if (empty) break;
                    }
                    break;
                }
                need(pos + size + 2);
                r.body.append(buf_, pos, size);
                if (buf_.compare(pos + size, 2, "\r\n") != 0) throw std::runtime_error("chunk not followed by CRLF");
                pos += size + 2;
            }
        } else if (cl) {
            auto n = std::stoull(*cl);
            need(pos + n);
            r.body = buf_.substr(pos, n);
            pos += n;
        } else {
            r.close_delimited = true;
            while (fill()) {}
            r.body = buf_.substr(pos);
            pos = buf_.size();
        }
        r.raw = buf_.substr(0, pos);
        buf_.erase(0, pos);
        return r;
    }

    /// Reads everything until the server closes (throws on timeout).
    std::string read_to_close() {
        while (fill()) {}
        return std::exchange(buf_, {});
    }

    /// Waits for the server to close the connection. True when it did, and sent
    /// no bytes beyond what earlier reads consumed; false on extra bytes or timeout.
    bool closed_by_server() {
        if (!buf_.empty()) return false;
        try {
            if (fill()) return false;  // bytes arrived instead
        } catch (const std::runtime_error&) {
            return false;  // timeout
        }
        return true;
    }

    /// Whether the server sent something (or closed) that a read would return
    /// now, without waiting. TLS: application data or the end, not a session ticket.
    bool readable_now() {
        if (!buf_.empty() || eof_) return true;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) return false;
#if RINGKIT_HAS_OPENSSL
        if (ssl_) {
            int flags = ::fcntl(fd_, F_GETFL);
            ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
            char byte = 0;
            ERR_clear_error();
            int n = SSL_peek(ssl_, &byte, 1);
            bool ready = n > 0 || SSL_get_error(ssl_, n) != SSL_ERROR_WANT_READ;
            ERR_clear_error();
            ::fcntl(fd_, F_SETFL, flags);
            return ready;
        }
#endif
        return true;
    }

    /// Bytes received but not yet consumed by read_response().
    const std::string& pending() const noexcept { return buf_; }
    /// For protocols on top (WebSocket frames): receive more into pending(),
    /// false on close or timeout, and drop `n` consumed bytes.
    bool receive_more() { return fill(); }
    void consume(std::size_t n) { buf_.erase(0, n); }

    static std::string printable(std::string_view s) {
        std::string out;
        for (unsigned char c : s.substr(0, 400)) {
            if (c == '\r') out += "\\r";
            else if (c == '\n') out += "\\n";
            else if (c < 0x20 || c >= 0x7f) {
                char b[8];
                std::snprintf(b, sizeof b, "\\x%02x", c);
                out += b;
            } else out += static_cast<char>(c);
        }
        if (s.size() > 400) out += "...";
        return out;
    }

private:
    void notify_close() {
#if RINGKIT_HAS_OPENSSL
        if (ssl_ && fd_ >= 0 && !(SSL_get_shutdown(ssl_) & SSL_SENT_SHUTDOWN)) {
            ERR_clear_error();
            SSL_shutdown(ssl_);
            ERR_clear_error();
        }
#endif
    }

    // One read into buf_. False at end of stream (or reset); throws on timeout.
    bool fill() {
        if (eof_) return false;
#if RINGKIT_HAS_OPENSSL
        if (ssl_) return fill_tls();
#endif
        pollfd p{fd_, POLLIN, 0};
        int rc;
        do rc = ::poll(&p, 1, static_cast<int>(timeout_.count()));
        while (rc < 0 && errno == EINTR);
        if (rc == 0) throw std::runtime_error("read timed out; have: " + printable(buf_));
        char tmp[64 * 1024];
        auto n = ::recv(fd_, tmp, sizeof tmp, 0);
        if (n > 0) {
            buf_.append(tmp, static_cast<std::size_t>(n));
            return true;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) throw std::runtime_error("read timed out");
        eof_ = true;  // 0: orderly close; <0: reset
        return false;
    }

#if RINGKIT_HAS_OPENSSL
    bool fill_tls() {
        char tmp[64 * 1024];
        ERR_clear_error();
        int n = SSL_read(ssl_, tmp, sizeof tmp);  // the socket's SO_RCVTIMEO bounds the wait
        if (n > 0) {
            buf_.append(tmp, static_cast<std::size_t>(n));
            return true;
        }
        // Blocking with SO_RCVTIMEO: only a timeout wants more (session tickets
        // and other records without data are retried inside SSL_read).
        int e = SSL_get_error(ssl_, n);
        if (e == SSL_ERROR_WANT_READ) throw std::runtime_error("read timed out");
        clean_close_ = e == SSL_ERROR_ZERO_RETURN;
        eof_ = true;  // close_notify, EOF without it, or reset
        ERR_clear_error();
        return false;
    }

    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
#endif
    int fd_ = -1;
    std::chrono::milliseconds timeout_;
    std::string buf_;
    bool eof_ = false;
    bool clean_close_ = false;
};

/// Polls `done()` until it holds or io_timeout passes; returns its last value.
template <class F>
bool wait_until(F done) {
    auto deadline = std::chrono::steady_clock::now() + io_timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

/// Waits until the server has at most `n` open connections; false if it never
/// got there. Used to check nothing leaks.
inline bool wait_for_connections(test_server& srv, std::size_t n = 0) {
    return wait_until([&] { return srv.get().connections() <= n; });
}

/// A minimal GET request.
inline std::string get(std::string_view target, std::string_view extra_headers = {}) {
    std::string r = "GET ";
    r.append(target).append(" HTTP/1.1\r\nHost: localhost\r\n").append(extra_headers).append("\r\n");
    return r;
}

/// Raises the soft open-file limit to the hard limit; returns the new soft limit.
inline rlim_t raise_fd_limit() {
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
        ::getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur;
}

/// A handler that describes the request it got as JSON.
inline response describe(request& req) {
    nlohmann::json headers = nlohmann::json::object();
    for (auto [name, value] : req.headers) headers[std::string(name)] = std::string(value);
    return response::json({
        {"method", std::string(req.method_name)},
        {"uri", req.uri},
        {"query", req.query_string ? nlohmann::json(*req.query_string) : nlohmann::json(nullptr)},
        {"server_name", req.server_name},
        {"server_port", req.server_port},
        {"remote_addr", req.remote_addr},
        {"protocol", std::string(req.protocol)},
        {"body", req.body},
        {"headers", headers},
    });
}

/// `body` as a chunked message body: chunks of `chunk` bytes, then the last chunk.
inline std::string chunked(std::string_view body, std::size_t chunk) {
    std::string out;
    char size[32];
    for (std::size_t i = 0; i < body.size(); i += chunk) {
        auto piece = body.substr(i, chunk);
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        out.append(size).append(piece).append("\r\n");
    }
    return out + "0\r\n\r\n";
}

}  // namespace ringkit::test
