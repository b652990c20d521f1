// Every knob of a server in one struct, with finite defaults. Names follow
// HTTP-Kit's run-server where they mean the same.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ringkit/core/logger.hpp"
#include "ringkit/tls/options.hpp"
#include "ringkit/ws/config.hpp"

namespace ringkit {

namespace metrics {
class server_metrics;
}  // namespace metrics

struct server_options {
    std::string ip = "0.0.0.0";
    std::uint16_t port = 8090;  ///< 0: any free port; server::port() tells which. HTTPS when tls is set.
    /// HTTPS and WSS on `port` once tls.certificates is set (a build with OpenSSL).
    /// server::reload_tls() reads the files again.
    tls_options tls{};
    /// With tls: plain HTTP too, on this port (0: any free; server::plain_port()
    /// tells which), e.g. for wrap_ssl_redirect. Without tls it is ignored.
    std::optional<std::uint16_t> plain_port{};
    unsigned threads = 0;     ///< I/O threads; 0: one per core
    bool reuse_port = false;  ///< SO_REUSEPORT with one acceptor per thread
    int backlog = 1024;

    std::size_t max_body = 8UL * 1024 * 1024;  ///< request body bytes, chunked included → 413
    std::size_t max_line = 8UL * 1024;         ///< request-target bytes → 414; one header line → 431
    std::size_t max_header = 64UL * 1024;      ///< all header bytes of a request → 431
    std::size_t max_header_count = 256;        ///< header fields in a request → 431
    std::size_t max_connections = 10000;       ///< further connections get 503 and are closed
    /// A multipart/form-data body past this many bytes is written to an anonymous
    /// temp file as it arrives (request::body_file, read by wrap_multipart) instead
    /// of memory, so max_body can be raised for uploads; 0: never. Disk full → 507.
    std::size_t spool_threshold = 1024UL * 1024;
    std::string spool_dir = {};  ///< for spooled bodies; empty: $TMPDIR, or /tmp

    /// Server header value; empty: none. A handler's own Server header wins.
    std::string server_header = "ringkit";

    std::chrono::milliseconds header_timeout{10'000};  ///< first byte to end of headers → 408
    std::chrono::milliseconds read_timeout{30'000};    ///< longest wait for more body bytes → 408
    /// Slowloris on bodies: after body_rate_grace a body must average this many
    /// bytes per second since its first byte was awaited, or → 408; 0: no minimum.
    std::size_t min_body_rate = 240;
    std::chrono::milliseconds body_rate_grace{5'000};
    std::chrono::milliseconds idle_timeout{60'000};   ///< keep-alive wait for the next request → close
    std::chrono::milliseconds write_timeout{30'000};  ///< a write that makes no progress → close
    std::chrono::milliseconds linger_timeout{2'000};  ///< after an error response, time to drain the client

    /// WebSocket limits, timeouts and compression, for all three APIs (HTTP-Kit's
    /// max-ws is websocket.max_message; the rest is what HTTP-Kit lacks).
    ws::config websocket{};

    unsigned worker_threads = 0;     ///< pool for ringkit::blocking handlers; 0: one per core
    std::size_t queue_size = 20480;  ///< blocking jobs waiting; beyond it → 503 at once

    /// Receives what the server cannot answer for itself (handler exceptions, invalid
    /// responses, accept failures), and what middleware reports through request::logger
    /// (the presets' caught exceptions, files that cannot be opened). Called on the
    /// thread where it happened. Empty: stderr ({}: no -Wextra warning for {.port = ...}).
    ringkit::logger logger{};

    /// The server's own metrics (connections; answers by method, class and
    /// route, their duration and bytes; error answers and timeouts; WebSockets,
    /// HTTP channels, the worker pool), counted into this when set; see
    /// metrics/server_metrics.hpp. Not owned: it outlives the server. Null:
    /// nothing counted, no clock read for it.
    const ::ringkit::metrics::server_metrics* metrics = nullptr;
};

}  // namespace ringkit
