// rk::client: HTTP/1.1 requests from coroutines and from plain code, on the
// caller's io_context, over a keep-alive pool, with redirects and timeouts.
//
//     rk::client client(io);
//     rk::client_response r = co_await client.get("https://example.com/");
//     auto f = client.request({.url = "http://127.0.0.1:8080/"}, asio::use_future);  // io runs elsewhere
//
// A request's life: the URL parsed (its userinfo is basic auth), its bytes
// written once (request_writer.hpp), a place taken in the pool (pool.hpp), a
// connection opened when none is idle (connect.hpp), the exchange
// (connection.hpp), the place given back. A 3xx with a Location is followed up to
// max_redirects. A reused connection the server had closed is detected before the
// request when it can be (pool.hpp); when it is found only by the request (the
// close raced it), an idempotent request whose response had not begun is sent
// once more on a new connection.
//
// stream() gives the head first and the body as a reader (body_reader.hpp);
// request() is stream() with the body read into memory, under
// client_limits::max_body. With decompress, a gzip or deflate body is decoded
// on the way out of the reader, in both.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "ringkit/client/body_reader.hpp"
#include "ringkit/client/connect.hpp"
#include "ringkit/client/connection.hpp"
#include "ringkit/client/content_decoder.hpp"
#include "ringkit/client/error.hpp"
#include "ringkit/client/options.hpp"
#include "ringkit/client/pool.hpp"
#include "ringkit/client/request.hpp"
#include "ringkit/client/request_writer.hpp"
#include "ringkit/client/response.hpp"
#include "ringkit/client/url.hpp"
#include "ringkit/core/asio.hpp"
#include "ringkit/core/task.hpp"
#include "ringkit/http/method.hpp"

// After core/asio.hpp, which configures Asio (co_await under clang).
#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/dispatch.hpp>
#include <asio/strand.hpp>
#include <asio/use_future.hpp>

namespace ringkit {

/// An HTTP/1.1 client on an io_context. Requests may be made from any thread and
/// any coroutine: each runs on the client's executor (its strand, or with
/// client_options::single_thread the io_context's own), where its pool lives,
/// and a coroutine's co_await resumes on its own executor. The client must
/// outlive its requests, and the io_context must run for them to progress.
///
/// Errors are exceptions: std::system_error whose code() is a client_error
/// (a fault of the response, a timeout, a redirect loop, a certificate) or the
/// system's (connection_refused, host_not_found, ...), and whose what() adds
/// OpenSSL's reason for a certificate. A bad request (a header with CR or LF,
/// method::other) is std::invalid_argument, before anything is sent.
class client {
public:
    using clock = std::chrono::steady_clock;

    /// Throws std::runtime_error when the TLS options cannot be loaded (a CA
    /// file). The system's CA store is loaded on the first https:// request, so
    /// that a client that speaks only http:// never pays for it; a failure to
    /// load it is that request's std::runtime_error.
    explicit client(asio::io_context& io, client_options options = {})
        : io_(io), strand_(asio::make_strand(io)),
          executor_(options.single_thread ? asio::any_io_executor(io.get_executor()) : asio::any_io_executor(strand_)),
          options_(std::move(options)), pool_(options_.pool, executor_) {
#if RINGKIT_HAS_OPENSSL
        if (!system_ca_store()) tls_ = std::make_shared<const detail::tls_client_context>(options_.tls);
#endif
    }
    client(const client&) = delete;
    client& operator=(const client&) = delete;
    /// Closes the idle connections and cancels the pool's timer. No request or
    /// body reader may be left; with the io_context running on other threads,
    /// destroy the client on its executor's thread or after the io_context stopped.
    ~client() = default;

    const client_options& options() const noexcept { return options_; }

    /// Closes the idle connections now and stops the pool's idle timer, which
    /// otherwise keeps io_context::run() busy until idle_timeout: what a program
    /// done with the client calls before run() is to return. Any thread; the
    /// pool reopens connections for later requests.
    void close_idle() {
        asio::dispatch(executor_, [this] { pool_.close_idle(); });
    }

    /// The executor every request runs on: the client's strand, or with
    /// client_options::single_thread the io_context's own.
    const asio::any_io_executor& get_executor() const noexcept { return executor_; }

    /// The request, from a coroutine, which co_awaits the task where it made it.
    /// It goes over to the client's strand and comes back to the caller's
    /// executor; with single_thread, it runs in the calling coroutine directly.
    task<client_response> request(client_request req) {
        if (on_own_executor()) return run(std::move(req));
        return asio::co_spawn(executor_, run(std::move(req)), asio::use_awaitable);
    }
    /// GET `url`, from a coroutine.
    task<client_response> get(std::string url) { return request({.url = std::move(url)}); }

    /// The request, from a coroutine, with its body streamed: the status and
    /// headers once they came (after any redirects, whose bodies are skipped),
    /// and a reader for the body (body_reader.hpp), which holds the connection
    /// until the body's end. The body has no limit but
    /// client_options::max_stream_body; read_timeout applies to each chunk and
    /// the total timeout to everything up to the body's end. Errors before the
    /// head are thrown here, as request()'s; the body's, by read().
    task<client_stream_response> stream(client_request req) {
        if (on_own_executor()) return open(std::move(req), true);
        return asio::co_spawn(executor_, open(std::move(req), true), asio::use_awaitable);
    }

    /// The request, from plain code: a future with the response or the exception.
    /// Waiting on it on the thread that runs the io_context would wait forever.
    std::future<client_response> request(client_request req, const asio::use_future_t<>& /*token*/) {
        return asio::co_spawn(executor_, run(std::move(req)), asio::use_future);
    }
    std::future<client_response> get(std::string url, const asio::use_future_t<>& token) {
        return request({.url = std::move(url)}, token);
    }

    /// The request, with a callback run on the client's executor once it ends:
    /// an error code (empty on success) and the response. A bad request is
    /// std::errc::invalid_argument here. The callback must not throw.
    void request(client_request req, std::function<void(std::error_code, client_response)> callback) {
        asio::co_spawn(executor_, run(std::move(req)),
                       [cb = std::move(callback)](const std::exception_ptr& e, client_response r) {
                           std::error_code ec;
                           if (e) {
                               try {
                                   std::rethrow_exception(e);
                               } catch (const std::system_error& x) {
                                   ec = x.code();
                               } catch (const std::invalid_argument&) {
                                   ec = std::make_error_code(std::errc::invalid_argument);
                               } catch (...) {
                                   ec = std::make_error_code(std::errc::io_error);
                               }
                           }
                           cb(ec, std::move(r));
                       });
    }

    /// Connections open now, in use and idle (a count for tests and monitoring).
    std::size_t open_connections() const noexcept { return pool_.open(); }

private:
    // Whether the calling coroutine may run the request itself: only with
    // single_thread, on the one thread that runs the io_context. Inside the
    // strand is not enough: a coroutine whose own executor is the io_context's
    // can be resumed inline by a strand's completion, and would carry the
    // request off the strand at its next co_await (a race TSan caught).
    bool on_own_executor() const noexcept {
        return options_.single_thread && io_.get_executor().running_in_this_thread();
    }
#if RINGKIT_HAS_OPENSSL
    // Verification against the system's store: the one TLS setup that is costly
    // (the whole store parsed) and so left to the first https:// connection.
    bool system_ca_store() const noexcept { return !options_.tls.insecure && options_.tls.ca_file.empty(); }
#endif

    static bool is_redirect(int status) noexcept {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }
    static bool idempotent(method m) noexcept {
        return m == method::get || m == method::head || m == method::put || m == method::del || m == method::options ||
               m == method::trace;
    }
    // parse_url, once for the URL asked for last (and then again and again, as
    // an API's endpoint or a poll is): the memo keeps it whole, with its origin
    // and str().
    parsed_url parse(const std::string& text, std::error_code& ec) {
        if (!text.empty() && text == memo_.text) {
            ec.clear();
            return memo_.url;
        }
        auto url = parse_url(text, ec);
        if (!ec) memo_ = {.text = text, .url = url, .origin = url.origin(), .str = url.str(), .plain_get = {}};
        return url;
    }

    // The request's bytes; for a plain GET of the memo's URL (no headers, body
    // or credentials: all it says is the URL) written once and kept.
    std::string request_bytes(const client_request& req, const parsed_url& url, const std::optional<basic_auth>& auth) {
        const bool plain = req.method == method::get && req.headers.empty() && !req.body && !auth;
        if (!plain || !(memo_.url == url))
            return detail::write_request(req.method, url, req.headers, req.body, auth, options_.user_agent);
        if (memo_.plain_get.empty())
            memo_.plain_get =
                detail::write_request(method::get, url, {}, std::nullopt, std::nullopt, options_.user_agent);
        return memo_.plain_get;
    }

    // The server closed a reused connection under the request.
    static bool connection_lost(std::error_code ec) noexcept {
        return ec == client_error::closed_early || ec == asio::error::eof || ec == asio::error::connection_reset ||
               ec == asio::error::broken_pipe;
    }
    [[noreturn]] static void fail(std::error_code ec, const std::string& detail = {}) {
        throw std::system_error(ec, detail);
    }

    // g++ 12 takes Asio's allocation of this coroutine's frame for one that its
    // delete does not match (-Wmismatched-new-delete, a false positive: both are
    // Asio's awaitable_frame_base operators). Not inlined, so that the warning's
    // place is here, where it is turned off, and not in every caller.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
    [[gnu::noinline]] task<client_response> run(client_request req) {
        auto s = co_await open(std::move(req), false);
        client_response r{.status = s.status,
                          .reason = std::move(s.reason),
                          .version_minor = s.version_minor,
                          .headers = std::move(s.headers),
                          .body = {},
                          .url = std::move(s.url),
                          .redirects = s.redirects};
        if (!s.body.read_buffered(r.body)) co_await s.body.read_all(r.body);
        co_return r;
    }

    // The request up to its final response's head; `streamed`: its body is
    // bounded by max_stream_body rather than limits.max_body.
    [[gnu::noinline]] task<client_stream_response> open(client_request req, bool streamed) {
        const auto timeout = req.timeout.value_or(options_.total_timeout);
        detail::io_deadlines limits{
            .total = timeout.count() > 0 ? clock::now() + timeout : clock::time_point::max(),
            .per_read = options_.read_timeout,
        };
        const int max_redirects = req.max_redirects.value_or(options_.max_redirects);
        const bool decompress = req.decompress.value_or(options_.decompress);
        if (decompress && !detail::decoding_available) fail(client_error::decompression_unavailable, req.url);
        if (decompress && !req.headers.contains("accept-encoding")) req.headers.add("Accept-Encoding", "gzip, deflate");
        const std::uint64_t max_body = streamed ? options_.max_stream_body : options_.limits.max_body;
        std::error_code ec;
        parsed_url url = parse(req.url, ec);
        if (ec) fail(ec, req.url);
        url.target = detail::target_with_query(std::move(url.target), req.query);
        std::optional<basic_auth> auth = std::move(req.auth);
        if (!auth && url.userinfo) auth = basic_auth{url.userinfo->user, url.userinfo->password};

        for (int redirects = 0;; ++redirects) {
            const auto wire = request_bytes(req, url, auth);
            std::string where = memo_.url == url ? memo_.str : url.str();
            client_response r;
            const auto* pieces = req.body && !req.body->pieces.empty() ? &req.body->pieces : nullptr;
            auto lease = co_await send(url, req.method, wire, pieces, limits, r, max_body);
            r.url = std::move(where);
            r.redirects = redirects;
            auto next = redirect(url, r, max_redirects, req, auth);
            std::optional<detail::content_decoder> decoder;
            if (decompress && !next) {
                if (auto coding = detail::decodable_coding(r.headers.get("content-encoding"))) {
                    decoder.emplace(*coding);
                    r.headers = detail::headers_without(r.headers, {"content-encoding", "content-length"});
                }
            }
            client_body_reader body(std::move(lease), executor_, limits, std::move(decoder),
                                    next ? options_.limits.max_body : max_body);
            if (next) {
                while (co_await body.read()) {}  // a redirect's body, read so its connection may be reused
                url = std::move(*next);
                continue;
            }
            co_return client_stream_response{.status = r.status,
                                             .reason = std::move(r.reason),
                                             .version_minor = r.version_minor,
                                             .headers = std::move(r.headers),
                                             .url = std::move(r.url),
                                             .redirects = redirects,
                                             .body = std::move(body)};
        }
    }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

    // Where `r`, the answer to `url`, sends the request next, with `req` and
    // `auth` changed as the redirect asks; nullopt when `r` is the answer.
    static std::optional<parsed_url> redirect(const parsed_url& url, const client_response& r, int max_redirects,
                                              client_request& req, std::optional<basic_auth>& auth) {
        const auto location = r.headers.get("location");
        if (!is_redirect(r.status) || max_redirects <= 0 || !location) return std::nullopt;
        if (r.redirects >= max_redirects) fail(client_error::too_many_redirects, r.url);
        std::error_code ec;
        parsed_url next = resolve_location(url, *location, ec);
        if (ec) fail(ec, "redirect to " + std::string(*location));
        // RFC 9110 §15.4: 303 asks for a GET; 301 and 302 turn a POST into a GET
        // in every browser; 307 and 308 keep the method and the body.
        const bool to_get =
            (r.status == 303 && req.method != method::head) ||
            ((r.status == 301 || r.status == 302) && req.method != method::get && req.method != method::head);
        if (to_get) {
            req.method = method::get;
            req.body.reset();
            req.headers.erase("content-type");
        }
        // Credentials are for the origin they were given for (RFC 9110 §15.4).
        if (!same_origin(url, next)) {
            auth.reset();
            req.headers.erase("authorization");
        }
        return next;
    }

    // A request's head out and its response's head in, on a pooled connection
    // or a new one; once more on a new one when a reused connection turns out
    // closed before any of the response came. The lease holds the connection,
    // its body still to read.
    task<std::unique_ptr<detail::pool_lease>> send(const parsed_url& url, method m, const std::string& wire,
                                                   const std::vector<body_piece>* pieces, detail::io_deadlines limits,
                                                   client_response& r, std::uint64_t max_body) {
        const std::string origin = same_origin(memo_.url, url) ? memo_.origin : url.origin();
        for (bool retried = false;; retried = true) {
            auto lease = std::make_unique<detail::pool_lease>(pool_, origin);
            if (!lease->try_acquire(retried)) co_await lease->acquire(retried, limits.total);
            if (!lease->connection) {
                const auto now = clock::now();
                connect_options co;
                co.timeout = options_.connect_timeout;
                if (limits.total != clock::time_point::max() && limits.total - now < co.timeout) {
                    co.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(limits.total - now);
                    co.timeout_error = client_error::total_timeout;
                }
#if RINGKIT_HAS_OPENSSL
                // On the client's executor, so built once, before any stream uses it.
                if (!tls_ && url.secure()) tls_ = std::make_shared<const detail::tls_client_context>(options_.tls);
                co.tls = tls_;
#endif
                auto c = co_await ringkit::connect(io_.get_executor(), url, co, executor_);
                if (c.error) fail(c.error, c.detail.empty() ? url.origin() : c.detail);
                lease->connection =
                    std::make_unique<detail::client_connection>(std::move(*c.stream), options_.limits, executor_);
            }
            const auto ec = co_await lease->connection->start(wire, pieces, m, limits, r, max_body);
            if (!ec) co_return lease;
            if (!retried && lease->reused && idempotent(m) && !lease->connection->response_started() &&
                connection_lost(ec))
                continue;  // the lease closes it
            fail(ec, url.str());
        }
    }

    asio::io_context& io_;
    asio::strand<asio::io_context::executor_type> strand_;
    asio::any_io_executor executor_;  // strand_, or io_'s own with single_thread
    client_options options_;
    detail::connection_pool pool_;
    // The last URL parsed (client::parse); on the client's executor, as the pool.
    struct url_memo {
        std::string text;
        parsed_url url;
        std::string origin, str;
        std::string plain_get;  // a plain GET's bytes, once one was asked for
    } memo_;
#if RINGKIT_HAS_OPENSSL
    std::shared_ptr<const detail::tls_client_context> tls_;
#endif
};

}  // namespace ringkit
