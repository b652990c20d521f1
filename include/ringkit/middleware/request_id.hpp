// X-Request-Id: one id per request, so that its access-log line, its answer and
// any error logged about it can be found together. A balancer or client in front
// often sends one already; it is kept when it is sane (visible ASCII, bounded),
// since ids that match across hops are the point. Otherwise one is made up from
// the kernel's CSPRNG: unguessable, so an id quoted by a client names one request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "ringkit/core/random.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

struct request_id_options {
    /// The header read from the request and written on the response.
    std::string header = "X-Request-Id";
    /// Keep the request's own id when it is sane. False: always make one (a server
    /// facing clients who should not choose what its logs say).
    bool trust_incoming = true;
    /// The longest id taken from a request; a longer one is replaced by a new id.
    std::size_t max_length = 128;
};

namespace detail {

/// 1 to `max` bytes of visible ASCII (0x21-0x7E): nothing in it can split a log
/// line, end a quoted field or hide in a terminal.
inline bool sane_request_id(std::string_view id, std::size_t max) noexcept {
    if (id.empty() || id.size() > max) return false;
    for (unsigned char c : id)
        if (c < 0x21 || c > 0x7e) return false;
    return true;
}

/// 128 bits from the kernel's CSPRNG as 32 lowercase hex digits, into `out`. The
/// bits are fetched for 64 ids at a time into a buffer of the calling thread: one
/// getrandom(2) per 64 requests, no lock. (A fork()ed child inherits the rest of
/// the buffer, so parent and child may make a few of the same ids.)
inline void make_request_id(std::string& out) {
    constexpr std::size_t id_bytes = 16;
    struct pool {
        unsigned char bytes[64 * id_bytes];
        std::size_t left = 0;
    };
    thread_local pool p;
    if (p.left == 0) {
        random_bytes(p.bytes, sizeof p.bytes);
        p.left = sizeof p.bytes;
    }
    p.left -= id_bytes;
    static constexpr char hex[] = "0123456789abcdef";
    out.resize(2 * id_bytes);
    for (std::size_t i = 0; i < id_bytes; ++i) {
        const unsigned char b = p.bytes[p.left + i];
        out[2 * i] = hex[b >> 4];
        out[2 * i + 1] = hex[b & 15];
    }
}

}  // namespace detail

/// Middleware: gives each request an id (its sane X-Request-Id, else a random one) and returns it in X-Request-Id.
///
/// The id is request::request_id: the request's own when sane_request_id says so,
/// else 128 bits from the kernel's CSPRNG as 32 hex digits.
/// Put it outside wrap_exceptions, so that a 500 carries the id too (the server's
/// own 500 for a handler that threw does). The access log writes the id in either
/// order, and the server prefixes the errors it logs about the request with it
/// (request::log).
inline auto wrap_request_id(request_id_options options = {}) {
    return [o = std::move(options)](handler next) {
        return wrap(std::move(next), [o](request& req, const handler& n) -> maybe_task {
            const auto incoming = o.trust_incoming ? req.header(o.header) : std::nullopt;
            if (incoming && detail::sane_request_id(*incoming, o.max_length)) req.request_id.assign(*incoming);
            else detail::make_request_id(req.request_id);
            // `o` by reference: it lives in the stack, which outlives the request.
            return then(n.invoke(req), req,
                        [&o](request& r, response& res) { res.headers.set(o.header, r.request_id); });
        });
    };
}

}  // namespace ringkit
