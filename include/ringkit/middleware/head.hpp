// Ring's wrap-head: a handler written for GET answers HEAD too. The handler
// below sees the request as a GET; the response then loses its body but keeps
// the Content-Length that GET would have sent (RFC 9110 §9.3.2: HEAD's header
// section is the one GET would get). The request is a HEAD again before this
// returns, because the server decides from the request's method, after the
// handler, whether to write a body.
#pragma once

#include <exception>
#include <string>
#include <utility>
#include <variant>

#include "ringkit/http/status.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

namespace detail::head {

inline void restore(request& req) noexcept {
    req.request_method = method::head;
    req.method_name = "HEAD";
}

// A string or file body becomes its length: the bytes were never going to be
// sent, and a file's descriptor is closed sooner. A streamed body stays, so
// the head still says chunked as GET's would (the server never runs it for HEAD).
inline void drop_body(response& res) {
    if (!status_allows_body(res.status)) return;
    if (auto* s = std::get_if<std::string>(&res.body)) {
        res.headers.set("Content-Length", std::to_string(s->size()));
        res.body = std::monostate{};
    } else if (auto* f = std::get_if<file_body>(&res.body)) {
        res.headers.set("Content-Length", std::to_string(f->length));
        res.body = std::monostate{};
    }
}

// The coroutine case, so a throwing handler still leaves the request a HEAD
// (the server's 500 must not get a body either).
inline task<response> finish(task<response> pending, request& req) {
    std::exception_ptr error;
    try {
        response res = co_await std::move(pending);
        restore(req);
        drop_body(res);
        co_return res;
    } catch (...) {
        error = std::current_exception();
    }
    restore(req);
    std::rethrow_exception(error);
}

}  // namespace detail::head

/// Lets a GET handler answer HEAD: it runs with the method GET, its response
/// keeps its headers and Content-Length and drops its body.
inline auto wrap_head() {
    return [](handler next) {
        return wrap(std::move(next), [](request& req, const handler& n) -> maybe_task {
            if (req.request_method != method::head) return n.invoke(req);
            req.request_method = method::get;
            req.method_name = "GET";
            maybe_task r;
            try {
                r = n.invoke(req);
            } catch (...) {
                detail::head::restore(req);
                throw;
            }
            if (auto* t = std::get_if<task<response>>(&r)) return detail::head::finish(std::move(*t), req);
            detail::head::restore(req);
            detail::head::drop_body(std::get<response>(r));
            return r;
        });
    };
}

}  // namespace ringkit
