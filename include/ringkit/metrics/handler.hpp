// The handler that serves a registry's exposition, on whatever route the
// program chooses (`/metrics` by convention).
#pragma once

#include "ringkit/http/handler.hpp"
#include "ringkit/http/response.hpp"
#include "ringkit/metrics/exposition.hpp"
#include "ringkit/metrics/registry.hpp"

namespace ringkit {

/// Answers every request with `reg`'s metrics in Prometheus's text format 0.0.4
/// (Content-Type `text/plain; version=0.0.4; charset=utf-8`), made at the
/// request. `reg` must outlive the server. A plain-function handler: the scrape
/// runs on the I/O thread, taking the registry's lock (never the counters').
inline handler metrics_handler(const metrics::registry& reg) {
    return [&reg](request&) {
        auto r = response::bytes(reg.expose(), std::string(metrics::exposition_content_type));
        r.headers.add("Cache-Control", "no-store");
        return r;
    };
}

}  // namespace ringkit
