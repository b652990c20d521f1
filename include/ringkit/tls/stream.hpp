// One TLS connection over a TCP socket, the server's side or a client's, with
// the surface the HTTP connection and the WebSocket session use on a plain
// socket: non-blocking
// read_some/write_some that say would_block, readiness waits (async_wait), and
// asynchronous reads and writes. So connection<tls_stream> and
// ws_session<tls_stream> run the same code as over TCP, and so does the client
// (client/connect.hpp), whose constructor adds SNI and the host check and
// nothing on the path of a read or a write.
//
// OpenSSL reads and writes the socket itself, as nginx lets it: no memory BIOs
// and no buffers of ours per connection. Through a BIO of ours, not SSL_set_fd's:
// that one writes with write(2), and a peer gone away would raise SIGPIPE. With SSL_MODE_RELEASE_BUFFERS
// (tls/context.hpp) OpenSSL frees its record buffers whenever they are empty, so
// an idle connection holds the SSL object and nothing else. asio::ssl::stream is
// not used: it keeps two 17 KB buffers per stream and has no readiness waits.
//
// Reads count system calls, as nginx does: a recv that returns less than it
// asked for emptied the socket, so the BIO marks it drained and answers
// "would block" without asking the socket again (read_some stops after data
// then, instead of ending every read in a recv that finds nothing). Asio's
// readiness wait (async_wait) re-arms epoll with an epoll_ctl each time; so
// async_read_some, once OpenSSL needs socket bytes, receives the ciphertext
// into the caller's buffer with Asio's own read (which keeps the edge-triggered
// registration, as ws_session's landing pad does on a plain socket) and the BIO
// hands it to OpenSSL, which decrypts it into the same buffer (see land()).
// Idle callers wait with async_wait and hold no buffer.
//
// Writes: several buffers are copied into one record (a WebSocket frame's header
// and payload go out together); one SSL_write takes at most one record
// (SSL_MODE_ENABLE_PARTIAL_WRITE). When the socket pushes back, OpenSSL keeps the
// encrypted record and the next write must offer at least those bytes again
// (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER lets them move): callers retry with the
// same buffers after would_block, as they do on a socket.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "ringkit/core/asio.hpp"
#include "ringkit/http/tls_info.hpp"
#include "ringkit/tls/client_context.hpp"
#include "ringkit/tls/context.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang).
#include <asio/buffer.hpp>
#include <asio/compose.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/ssl/error.hpp>

namespace ringkit::detail {

using tcp_socket = asio::basic_stream_socket<asio::ip::tcp, asio::io_context::executor_type>;

class tls_stream {
public:
    using executor_type = tcp_socket::executor_type;
    using wait_type = asio::socket_base::wait_type;
    static constexpr wait_type wait_read = asio::socket_base::wait_read;
    static constexpr wait_type wait_write = asio::socket_base::wait_write;
    /// The largest plaintext one TLS record carries (RFC 8446 §5.1).
    static constexpr std::size_t record_size = 16384;

    /// Serves `socket` with the current certificates of `contexts`.
    tls_stream(tcp_socket socket, std::shared_ptr<const tls_contexts> contexts)
        : tls_stream(std::move(socket), contexts->default_context(), std::move(contexts)) {
        SSL_set_accept_state(ssl_.get());
    }

    /// Connects to a server as a client over the connected `socket`: SNI names
    /// `host` (not for an IP literal), and unless `context` is insecure the
    /// handshake fails when the certificate does not name `host` (a DNS name,
    /// or for an IP literal an IP address entry). `host` without brackets.
    tls_stream(tcp_socket socket, std::shared_ptr<const tls_client_context> context, const std::string& host)
        : tls_stream(std::move(socket), context->native_handle(), std::move(context)) {
        SSL* ssl = ssl_.get();
        SSL_set_connect_state(ssl);
        in6_addr address{};
        const bool ip_literal =
            ::inet_pton(AF_INET, host.c_str(), &address) == 1 || ::inet_pton(AF_INET6, host.c_str(), &address) == 1;
        // RFC 6066 §3: a literal IP address is not a server name.
        if (!ip_literal && !host.empty()) SSL_set_tlsext_host_name(ssl, host.c_str());
        if (!static_cast<const tls_client_context*>(contexts_.get())->insecure()) {
            // Wildcards only as the whole leftmost label (RFC 6125 §6.4.3).
            SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            const int ok = ip_literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str())
                                      : SSL_set1_host(ssl, host.c_str());
            if (ok != 1) throw std::invalid_argument("TLS: cannot check the host name " + host);
        }
    }

    /// Only before any operation is pending (the stream's operations refer to it).
    tls_stream(tls_stream&& o) noexcept
        : socket_(std::move(o.socket_)), contexts_(std::move(o.contexts_)), ssl_(std::move(o.ssl_)),
          read_error_(o.read_error_), blocked_(o.blocked_), read_wants_write_(o.read_wants_write_),
          write_wants_write_(o.write_wants_write_), read_blocked_(o.read_blocked_), drained_(o.drained_),
          handshake_done_(o.handshake_done_), fatal_(o.fatal_) {
        if (ssl_) BIO_set_data(SSL_get_rbio(ssl_.get()), this);
    }
    tls_stream& operator=(tls_stream&&) = delete;
    tls_stream(const tls_stream&) = delete;
    tls_stream& operator=(const tls_stream&) = delete;
    ~tls_stream() = default;

    executor_type get_executor() noexcept { return socket_.get_executor(); }
    tcp_socket& next_layer() noexcept { return socket_; }
    void non_blocking(bool on, std::error_code& ec) { socket_.non_blocking(on, ec); }

    /// The handshake, the server's side or the client's as the stream was made;
    /// completes with an error on a failed one (asio::ssl::error category, or
    /// tls_stream::is_plain_http; for a client whose check of the certificate
    /// failed, verify_error() says why).
    template <class Token>
    auto async_handshake(Token&& token) {
        return asio::async_compose<Token, void(std::error_code)>(
            [this, started = false](auto& self, std::error_code ec = {}) mutable {
                if (!ec) {
                    ERR_clear_error();
                    int r = SSL_do_handshake(ssl_.get());
                    bool want_write = false;
                    if (r != 1) {
                        ec = failure(r, want_write);
                    } else {
                        handshake_done_ = true;
                        read_blocked_ = false;  // the client's first request may have come with its Finished
                    }
                    if (ec == asio::error::would_block) {
                        // A readiness wait, not a read: the client answers only
                        // after its own crypto, so trying the socket first would
                        // cost a recv as well as the wait. What the wait finds,
                        // the next recv reads.
                        started = true;
                        drained_ = false;
                        return socket_.async_wait(want_write ? wait_write : wait_read, std::move(self));
                    }
                }
                if (started) return self.complete(ec);
                // Never complete inside the initiating call: post, as Asio's own operations do.
                asio::post(socket_.get_executor(), [self = std::move(self), ec]() mutable { self.complete(ec); });
            },
            token, socket_);
    }

    /// True when a failed handshake was plain HTTP sent to the TLS port.
    static bool is_plain_http(std::error_code ec) noexcept {
        if (ec.category() != asio::error::get_ssl_category()) return false;
        auto code = static_cast<unsigned long>(ec.value());
        return ERR_GET_LIB(code) == ERR_LIB_SSL &&
               (ERR_GET_REASON(code) == SSL_R_HTTP_REQUEST || ERR_GET_REASON(code) == SSL_R_HTTPS_PROXY_REQUEST);
    }

    /// Decrypted bytes into the first buffer, as many as are there (several
    /// records); would_block when none. A connection that ends without
    /// close_notify reads asio::ssl::error::stream_truncated; with it, eof.
    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers, std::error_code& ec) {
        ec = {};
        asio::mutable_buffer b = first_of(buffers);
        if (b.size() == 0) return 0;
        if (read_error_) {
            ec = read_error_;
            return 0;
        }
        auto* p = static_cast<unsigned char*>(b.data());
        std::size_t total = 0;
        read_blocked_ = false;
        while (total < b.size()) {
            std::size_t n = 0;
            ERR_clear_error();
            int r = SSL_read_ex(ssl_.get(), p + total, b.size() - total, &n);
            if (r == 1) {
                total += n;
                if (drained_ && !fed() && SSL_has_pending(ssl_.get()) == 0) {
                    // All there was: another SSL_read would only find the socket empty.
                    read_blocked_ = true;
                    read_wants_write_ = false;
                    break;
                }
                continue;
            }
            auto why = failure(r, read_wants_write_);
            read_blocked_ = why == asio::error::would_block;
            // Data first: an error shows on the next read.
            if (total == 0) ec = why;
            else if (why != asio::error::would_block) read_error_ = why;
            break;
        }
        return total;
    }

    /// Encrypts and writes `buffers` a record at a time, as far as the socket
    /// takes them; would_block when it takes nothing now. After would_block,
    /// offer the same bytes again.
    template <class ConstBuffers>
    std::size_t write_some(const ConstBuffers& buffers, std::error_code& ec) {
        ec = {};
        std::size_t total = 0;
        for (;;) {
            auto [data, size] = next_record(buffers, total);
            if (size == 0) break;
            if (size < blocked_) {  // a retry that offers less than the record OpenSSL holds
                if (total == 0) ec = asio::error::invalid_argument;
                break;
            }
            std::size_t n = 0;
            ERR_clear_error();
            if (SSL_write_ex(ssl_.get(), data, size, &n) == 1) {
                blocked_ = 0;
                total += n;
                continue;
            }
            auto why = failure(0, write_wants_write_);
            if (why == asio::error::would_block)
                blocked_ = std::max(blocked_, static_cast<std::uint32_t>(std::min(size, record_size)));
            if (total == 0) ec = why;  // else: the bytes written first; an error shows again next time
            break;
        }
        return total;
    }

    /// Whether the peer sent more, without taking it (a pipelined request stays
    /// for read_some): 1 when bytes wait; would_block when nothing does (a record
    /// without data, such as a session ticket's answer); another error: it is gone.
    std::size_t peek_some(std::error_code& ec) {
        ec = read_error_;
        if (ec) return 0;
        char byte = 0;
        std::size_t n = 0;
        ERR_clear_error();
        if (SSL_peek_ex(ssl_.get(), &byte, 1, &n) == 1) {
            read_blocked_ = false;
            return n;
        }
        ec = failure(0, read_wants_write_);
        read_blocked_ = ec == asio::error::would_block;
        return 0;
    }

    /// Completes when read_some (wait_read) or write_some (wait_write) may make
    /// progress: for a read, at once unless the last one ended for want of
    /// socket bytes; otherwise on the readiness OpenSSL asked for last (a read
    /// may need to write, and back).
    template <class Token>
    auto async_wait(wait_type w, Token&& token) {
        return asio::async_initiate<Token, void(std::error_code)>(
            [this](auto handler, wait_type what) {
                // Only a read that OpenSSL ended for want of socket bytes waits
                // for the socket. One that stopped at a full buffer may have left
                // records OpenSSL read ahead, which the socket will never report
                // again; and part of a record (SSL_has_pending) is not readable yet.
                if (what == wait_read && (read_error_ || !read_blocked_)) {
                    asio::post(socket_.get_executor(),
                               [h = std::move(handler)]() mutable { std::move(h)(std::error_code{}); });
                    return;
                }
                if (what == wait_read) drained_ = false;  // what the wait finds, the next recv reads
                socket_.async_wait(socket_wait(what), std::move(handler));
            },
            token, w);
    }

    /// Reads as read_some does, waiting when nothing is there: then the
    /// ciphertext lands in the first buffer (Asio's read: no epoll re-arm) and
    /// is decrypted into it. Only the first buffer is used.
    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        enum class step : std::uint8_t { start, landing, waited };
        return asio::async_compose<Token, void(std::error_code, std::size_t)>(
            [this, b = first_of(buffers), at = step::start](auto& self, std::error_code ec = {},
                                                            std::size_t landed = 0) mutable {
                std::size_t n = 0;
                if (at == step::start) {
                    // At once unless the last read ended for want of socket bytes.
                    if (!read_blocked_ || read_error_ || b.size() == 0) n = read_some(b, ec);
                    else ec = asio::error::would_block;
                } else if (at == step::landing && landed > 0) {
                    n = land(b, landed, ec);
                } else if (!ec || ec == asio::error::eof) {
                    // Ready again (the readiness OpenSSL asked for), or the
                    // socket's end: OpenSSL reads it and says what it means
                    // (close_notify seen, or truncation).
                    drained_ = false;
                    n = read_some(b, ec);
                }
                if (ec == asio::error::would_block) {
                    drained_ = false;
                    // Part of a record in OpenSSL already (land() could not decrypt
                    // in place), or a read that must write first: a readiness wait.
                    if (read_wants_write_ || SSL_has_pending(ssl_.get()) != 0) {
                        at = step::waited;
                        return socket_.async_wait(read_wants_write_ ? wait_write : wait_read, std::move(self));
                    }
                    // Asio tries the socket once before it waits (a recv that
                    // mostly finds nothing, as on a plain socket), then keeps the
                    // edge-triggered registration: no epoll_ctl.
                    at = step::landing;
                    return socket_.async_receive(b, std::move(self));
                }
                if (at != step::start) return self.complete(ec, n);
                asio::post(socket_.get_executor(), [self = std::move(self), ec, n]() mutable { self.complete(ec, n); });
            },
            token, socket_);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return async_transfer([this, buffers](std::error_code& ec) { return write_some(buffers, ec); }, wait_write,
                              std::forward<Token>(token));
    }

    void cancel(std::error_code& ec) { socket_.cancel(ec); }

    /// Sends close_notify first when our sending side closes (once, if the
    /// socket takes it now: a close never waits). shutdown_both is what a
    /// caller does just before close(): close_notify only, the FIN comes with
    /// the close (a system call fewer per connection, as nginx closes).
    void shutdown(asio::socket_base::shutdown_type what, std::error_code& ec) {
        ec = {};
        if (what != asio::socket_base::shutdown_receive) close_notify();
        if (what != asio::socket_base::shutdown_both) socket_.shutdown(what, ec);
    }
    void close(std::error_code& ec) {
        close_notify();
        socket_.close(ec);
    }

    /// What the handshake agreed (call it once the handshake is done).
    std::shared_ptr<const tls_info> info() const {
        auto info = std::make_shared<tls_info>();
        SSL* ssl = ssl_.get();
        info->version = SSL_get_version(ssl);
        info->cipher = SSL_get_cipher_name(ssl);
        const unsigned char* alpn = nullptr;
        unsigned alpn_size = 0;
        SSL_get0_alpn_selected(ssl, &alpn, &alpn_size);
        if (alpn) info->alpn.assign(reinterpret_cast<const char*>(alpn), alpn_size);
        if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) info->server_name = name;
        if (X509* peer = SSL_get0_peer_certificate(ssl)) {
            info->peer_subject = subject_of(peer);
            info->peer_verified = SSL_get_verify_result(ssl) == X509_V_OK;
        }
        return info;
    }

    /// After a failed client handshake: why the certificate did not verify
    /// (OpenSSL's words, "certificate has expired", "hostname mismatch"), or
    /// empty when verification was not the cause.
    std::string verify_error() const {
        if (!ssl_) return {};
        const long result = SSL_get_verify_result(ssl_.get());
        return result == X509_V_OK ? std::string() : X509_verify_cert_error_string(result);
    }

private:
    struct ssl_free {
        void operator()(SSL* s) const noexcept { SSL_free(s); }
    };

    // The constructors' common part. References, so that the caller's arguments
    // are read (the context) before anything is moved from them (its owner).
    template <class Owner>
    tls_stream(tcp_socket&& socket, SSL_CTX* ctx, std::shared_ptr<Owner>&& owner)
        : socket_(std::move(socket)), contexts_(std::move(owner)), ssl_(SSL_new(ctx)) {
        if (!ssl_) throw std::bad_alloc();
        std::error_code ec;
        socket_.non_blocking(true, ec);  // OpenSSL's reads and writes must never wait
        BIO* bio = BIO_new(socket_bio());
        if (!bio) throw std::bad_alloc();
        // The stream itself as the BIO's data (moves re-point it): no allocation per connection.
        BIO_set_data(bio, this);
        BIO_set_init(bio, 1);
        SSL_set_bio(ssl_.get(), bio, bio);  // one reference, owned by the SSL
    }

    template <class Buffers>
    static asio::mutable_buffer first_of(const Buffers& buffers) {
        for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it)
            if (asio::mutable_buffer b(*it); b.size() > 0) return b;
        return {};
    }

    // A socket BIO that sends with MSG_NOSIGNAL: OpenSSL's own (BIO_s_socket)
    // writes with write(2). One method for the process, never freed.
    static BIO_METHOD* socket_bio() {
        static BIO_METHOD* method = [] {
            BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ringkit socket");
            if (!m) throw std::bad_alloc();
            BIO_meth_set_write(m, [](BIO* b, const char* data, int size) -> int {
                BIO_clear_retry_flags(b);
                auto n =
                    ::send(stream_of(b).socket_.native_handle(), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_write(b);
                return static_cast<int>(n);
            });
            BIO_meth_set_read(m, [](BIO* b, char* data, int size) -> int {
                BIO_clear_retry_flags(b);
                auto& s = stream_of(b);
                auto want = static_cast<std::size_t>(size);
                // Bytes that landed (async_read_some) go first.
                if (auto& l = landing(); l.owner == &s && l.size > 0) {
                    auto n = std::min(want, l.size);
                    std::memcpy(data, l.data, n);
                    l.data += n;
                    l.size -= n;
                    return static_cast<int>(n);
                }
                if (s.drained_) {  // the last recv emptied the socket: no need to ask it again
                    BIO_set_retry_read(b);
                    return -1;
                }
                auto n = ::recv(s.socket_.native_handle(), data, want, 0);
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                    BIO_set_retry_read(b);
                    s.drained_ = errno != EINTR;
                }
                if (n == 0) BIO_set_flags(b, BIO_FLAGS_IN_EOF);  // OpenSSL asks (BIO_eof) whether 0 was the end
                if (n > 0 && static_cast<std::size_t>(n) < want) s.drained_ = true;
                return static_cast<int>(n);
            });
            BIO_meth_set_ctrl(m, [](BIO* b, int cmd, long /*num*/, void* /*ptr*/) -> long {
                if (cmd == BIO_CTRL_FLUSH) return 1;
                if (cmd == BIO_CTRL_EOF) return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
                return 0;
            });
            return m;
        }();
        return method;
    }
    static tls_stream& stream_of(BIO* b) noexcept { return *static_cast<tls_stream*>(BIO_get_data(b)); }

    // `n` bytes of ciphertext landed at the start of `b` (async_read_some):
    // OpenSSL takes them through the BIO and decrypts into `b` itself. Safe
    // because OpenSSL held nothing before (async_read_some lands only then): it
    // writes only the plaintext of records it has taken whole, and a record's
    // plaintext is shorter than its ciphertext, so the writing stays behind the
    // bytes still to be taken, and they are all taken before `b` is full.
    std::size_t land(asio::mutable_buffer b, std::size_t n, std::error_code& ec) {
        if (SSL_has_pending(ssl_.get()) != 0) {  // cannot happen (see above); never decrypt over bytes not taken
            ec = read_error_ = asio::error::invalid_argument;
            return 0;
        }
        drained_ = n < b.size();
        landing() = {static_cast<const char*>(b.data()), n, this};
        auto out = read_some(b, ec);
        bool left = landing().size > 0;
        landing() = {};
        // Bytes not taken are lost with the caller's buffer. After an error or the
        // peer's close_notify nothing more is read anyway; otherwise only a read that
        // had to write first (the answer to a KeyUpdate, into a full socket) stops
        // so: end the connection rather than drop part of the stream.
        if (left && !read_error_ && (!ec || ec == asio::error::would_block)) {
            read_error_ = asio::error::no_buffer_space;
            if (out == 0) ec = read_error_;
        }
        return out;
    }
    // Whether ciphertext that landed waits in the BIO for OpenSSL.
    bool fed() const noexcept { return landing().owner == this && landing().size > 0; }

    // Ciphertext that landed in a caller's buffer, while land() hands it to
    // OpenSSL: per thread, as it never outlives that call.
    struct landed {
        const char* data = nullptr;
        std::size_t size = 0;
        const tls_stream* owner = nullptr;
    };
    static landed& landing() noexcept {
        thread_local landed l;
        return l;
    }

    // The bytes of the next SSL_write, from `offset` on: straight from the
    // caller's buffer when a whole record (or the last buffer) is there, else
    // small buffers (a frame header and its payload) copied to share one record.
    template <class ConstBuffers>
    static std::pair<const unsigned char*, std::size_t> next_record(const ConstBuffers& buffers, std::size_t offset) {
        auto it = asio::buffer_sequence_begin(buffers);
        const auto end = asio::buffer_sequence_end(buffers);
        asio::const_buffer first;
        for (; it != end; ++it) {
            first = asio::const_buffer(*it);
            if (first.size() > offset) break;
            offset -= first.size();
        }
        if (it == end) return {nullptr, 0};
        first += offset;
        if (first.size() >= record_size || std::next(it) == end)
            return {static_cast<const unsigned char*>(first.data()), first.size()};
        auto& stage = staging();
        std::size_t size = 0;
        for (asio::const_buffer part = first; size < record_size;) {
            auto take = std::min(part.size(), record_size - size);
            std::memcpy(stage.data() + size, part.data(), take);
            size += take;
            if (++it == end) break;
            part = asio::const_buffer(*it);
        }
        return {stage.data(), size};
    }

    static std::array<unsigned char, record_size>& staging() {
        thread_local std::array<unsigned char, record_size> stage;
        return stage;
    }

    // What a failed SSL_* call means: would_block (and which readiness unblocks
    // it), the peer's close_notify (eof), or an error that ends the connection.
    std::error_code failure(int r, bool& want_write) {
        int e = SSL_get_error(ssl_.get(), r);
        want_write = e == SSL_ERROR_WANT_WRITE;
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return asio::error::would_block;
        if (e == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
        fatal_ = true;  // no close_notify after a fatal error (SSL_shutdown(3))
        unsigned long code = ERR_get_error();
        ERR_clear_error();
        if (e == SSL_ERROR_SYSCALL && errno != 0 && code == 0) return {errno, std::system_category()};
        if (code == 0 || ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            return asio::ssl::error::stream_truncated;  // TCP ended without close_notify
        return {static_cast<int>(code), asio::error::get_ssl_category()};
    }

    wait_type socket_wait(wait_type what) const noexcept {
        bool wants_write = what == wait_read ? read_wants_write_ : write_wants_write_;
        return wants_write ? wait_write : wait_read;
    }

    // An asynchronous read or write: try it; on would_block wait for the
    // readiness OpenSSL asked for and try again.
    template <class Attempt, class Token>
    auto async_transfer(Attempt attempt, wait_type direction, Token&& token) {
        return asio::async_compose<Token, void(std::error_code, std::size_t)>(
            [this, attempt = std::move(attempt), direction, started = false](auto& self,
                                                                             std::error_code ec = {}) mutable {
                std::size_t n = 0;
                if (!ec) {
                    n = attempt(ec);
                    if (ec == asio::error::would_block) {
                        started = true;
                        return socket_.async_wait(socket_wait(direction), std::move(self));
                    }
                }
                if (started) return self.complete(ec, n);
                asio::post(socket_.get_executor(), [self = std::move(self), ec, n]() mutable { self.complete(ec, n); });
            },
            token, socket_);
    }

    static std::string subject_of(X509* cert) {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
        if (!bio) return {};
        X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
        char* text = nullptr;
        auto size = BIO_get_mem_data(bio.get(), &text);
        return size > 0 ? std::string(text, static_cast<std::size_t>(size)) : std::string();
    }

    void close_notify() noexcept {
        if (!ssl_ || !handshake_done_ || fatal_ || (SSL_get_shutdown(ssl_.get()) & SSL_SENT_SHUTDOWN)) return;
        ERR_clear_error();
        SSL_shutdown(ssl_.get());
        ERR_clear_error();
    }

    tcp_socket socket_;
    // What the SSL's context needs alive: the server's generation of contexts (the
    // SNI callback's certificates), or a client's context.
    std::shared_ptr<const void> contexts_;
    std::unique_ptr<SSL, ssl_free> ssl_;
    std::error_code read_error_;  // found after data that read_some returned first
    std::uint32_t blocked_ = 0;   // plaintext bytes in the record OpenSSL could not write yet
    bool read_wants_write_ = false, write_wants_write_ = true;
    bool read_blocked_ = true;  // the last read ended for want of socket bytes (nothing read yet: none there)
    bool drained_ = false;      // the last recv emptied the socket: until a wait, the BIO does not ask it
    bool handshake_done_ = false, fatal_ = false;
};

}  // namespace ringkit::detail
