// Ring's wrap-not-modified: a GET or HEAD whose client already holds the
// current version of the response (If-None-Match / If-Modified-Since against
// the response's ETag / Last-Modified) gets 304 Not Modified and no body. The
// handler still runs; what is saved is the bytes on the wire. The rules,
// including RFC 9110's precedence of If-None-Match, are in conditional.hpp.
#pragma once

#include "ringkit/middleware/conditional.hpp"
#include "ringkit/middleware/middleware.hpp"

namespace ringkit {

/// Answers 304 (RFC 9110 §15.4.5) instead of a GET/HEAD 200 response with an
/// ETag or Last-Modified that the request's If-None-Match or If-Modified-Since
/// matches. Unlike Ring, If-Modified-Since is ignored when If-None-Match is
/// present (RFC 9110 §13.2.2), and If-None-Match compares weakly and accepts lists and `*`.
inline auto wrap_not_modified() {
    return [](handler next) {
        return wrap(std::move(next), [](request& req, const handler& n) -> maybe_task {
            if (req.request_method != method::get && req.request_method != method::head) return n.invoke(req);
            return then(n.invoke(req), req, [](request& r, response& res) {
                if (res.status != 200) return;
                auto v = validators::of(res.headers);
                if (!v.etag && !v.last_modified) return;
                if (is_not_modified(r, v)) make_not_modified(res);
            });
        });
    };
}

}  // namespace ringkit
