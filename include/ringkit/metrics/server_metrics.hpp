// The server's own metrics: connections open, accepted and refused; answers by
// method, status class and route template, their duration, the bytes in and
// out; the server's own error answers and its timeouts by phase. A program makes
// one on its registry and gives the server a pointer (server_options::metrics);
// the server counts through it on its I/O threads, into their own shards.
//
// Every label's values are declared here, up front: the route label's are the
// router's templates (server_metrics_options::routes), so no client can add a
// series by asking for a new path.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ringkit/http/method.hpp"
#include "ringkit/http/request.hpp"
#include "ringkit/metrics/channel_metrics.hpp"
#include "ringkit/metrics/counter.hpp"
#include "ringkit/metrics/gauge.hpp"
#include "ringkit/metrics/histogram.hpp"
#include "ringkit/metrics/registry.hpp"
#include "ringkit/metrics/worker_pool_metrics.hpp"

namespace ringkit::metrics {

/// Upper bounds in seconds for a fast server's request durations: from 100 µs
/// (a /plaintext answer on loopback takes tens of µs, Prometheus's default 5 ms
/// first bucket would hold nearly all of them) to 10 s.
inline const std::vector<double>& fast_duration_buckets() {
    static const std::vector<double> b{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                       0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
    return b;
}

/// What server_metrics declares up front.
struct server_metrics_options {
    /// The route templates a request may be labelled with (`router::templates()`;
    /// a route template is what the outermost router sets as request::route). A
    /// request no router matched is route="unmatched"; a template not listed
    /// here, route="other".
    std::vector<std::string> routes;
    /// The bounds of ringkit_http_request_duration_seconds.
    std::vector<double> duration_buckets = fast_duration_buckets();
};

/// Where a connection's deadline was when it passed: ringkit_http_timeouts_total's phase.
enum class timeout_phase : std::uint8_t {
    none,           ///< no deadline (a handler runs, a stream's producer waits)
    tls_handshake,  ///< header_timeout over the TLS handshake
    header,         ///< header_timeout over a request's head
    body,           ///< read_timeout over one read of a body
    body_rate,      ///< min_body_rate: the body as a whole came too slowly
    idle,           ///< idle_timeout between keep-alive requests (an ordinary end)
    write,          ///< write_timeout: the client stopped reading
    linger,         ///< linger_timeout after an error answer (the client kept sending)
};

/// Registers in `reg`:
///  - `ringkit_connections_open` (gauge), `ringkit_connections_accepted_total`,
///    `ringkit_connections_refused_total{reason}` (max_connections, emfile);
///  - `ringkit_http_requests_total{method,class}`: every answer whose head a
///    handler's response made (method: the nine of rk::method, else OTHER;
///    class: 1xx to 5xx);
///  - the same answers as `ringkit_http_route_requests_total{route,class}` and
///    `ringkit_http_request_duration_seconds{route}`, and the bytes of HTTP
///    connections, `ringkit_http_request_bytes_total`,
///    `ringkit_http_response_bytes_total`;
///  - `ringkit_http_errors_total{status}` (the server's own error answers) and
///    `ringkit_http_timeouts_total{phase}`;
///  - the channel metrics (WebSockets, HTTP channels): channel_metrics.hpp;
///  - the worker pool's (ringkit::blocking): worker_pool_metrics.hpp.
/// Throws std::invalid_argument when `reg` has them already (one server_metrics
/// per registry; servers may share it, and their counts add up), or for a
/// route declared twice. It must outlive the servers that count into it, and
/// `reg` must outlive it.
class server_metrics {
public:
    explicit server_metrics(registry& reg, const server_metrics_options& options = {})
        : open_(reg.add_gauge("ringkit_connections_open", "Connections open now (WebSockets included).").get()),
          accepted_(reg.add_counter("ringkit_connections_accepted_total", "Connections accepted.").get()),
          channels_(reg), workers_(reg) {
        auto refused = reg.add_counter("ringkit_connections_refused_total", "Connections refused, by reason.",
                                       {label{"reason", {"max_connections", "emfile"}, {}}});
        refused_max_ = refused.at({"max_connections"});
        refused_emfile_ = refused.at({"emfile"});
        auto requests = reg.add_counter("ringkit_http_requests_total", "HTTP answers, by method and status class.",
                                        {label{"method", method_names(), {}}, label{"class", class_names(), {}}});
        for (std::size_t m = 0; m < methods; ++m)
            for (std::size_t c = 0; c < classes; ++c)
                requests_[m * classes + c] = requests.at({method_names()[m], class_names()[c]});
        add_request_metrics(reg, options);
    }

    /// WebSockets and HTTP channels (channel_metrics.hpp).
    const channel_metrics& channels() const noexcept { return channels_; }
    /// The worker pool (worker_pool_metrics.hpp).
    const worker_pool_metrics& workers() const noexcept { return workers_; }

    /// A connection accepted (refused or not); the server calls it on the I/O thread.
    void accepted() const {
        accepted_.inc();
        open_.inc();
    }
    /// A connection accepted() before has ended, on whichever thread.
    void ended() const { open_.dec(); }
    /// A connection refused for max_connections (it was accepted() too).
    void refused_max_connections() const { refused_max_.inc(); }
    /// An accept(2) that failed for want of descriptors (EMFILE, ENFILE): the
    /// client waits in the backlog, and the server tries again every 50 ms.
    void refused_emfile() const { refused_emfile_.inc(); }

    // ---- requests (issue 19's second half) ----------------------------------

    /// The answer to `req`, with this status, handed to the response writer now;
    /// the request began at `started`. Returns now (one clock read), when a
    /// request pipelined after it begins.
    std::chrono::steady_clock::time_point answered(const request& req, int status,
                                                   std::chrono::steady_clock::time_point started) const {
        const auto c = status >= 100 && status < 600 ? static_cast<std::size_t>(status / 100 - 1) : classes - 1;
        requests_[static_cast<std::size_t>(req.request_method) * classes + c].inc();
        const std::size_t r = route_of(req.route);
        by_route_[r * classes + c].inc();
        const auto now = std::chrono::steady_clock::now();
        durations_[r].observe(std::chrono::duration<double>(now - started).count());
        return now;
    }
    /// Bytes read from an HTTP connection.
    void received(std::size_t n) const { received_.inc(n); }
    /// Bytes written to an HTTP connection.
    void sent(std::size_t n) const { sent_.inc(n); }
    /// An error answer the server made itself (the parser's 400, 413, ...; a 408).
    void server_error(int status) const { errors_[error_index(status)].inc(); }
    /// A connection's deadline passed in this phase (at most once per connection:
    /// the first; the session then ends).
    void timed_out(timeout_phase p) const {
        if (p != timeout_phase::none) timeouts_[static_cast<std::size_t>(p)].inc();
    }

private:
    static constexpr std::size_t methods = static_cast<std::size_t>(method::other) + 1, classes = 5;
    // The statuses the server answers on its own (http/parser.hpp, connection.hpp), then "other".
    static constexpr std::array<int, 10> error_statuses{400, 408, 413, 414, 417, 431, 500, 501, 505, 507};
    static constexpr std::size_t phases = static_cast<std::size_t>(timeout_phase::linger) + 1;
    static constexpr std::size_t unmatched = 0, other_route = 1;  // the route label's first two values

    // A string hash for lookups by string_view (C++20 heterogeneous lookup).
    struct route_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    void add_request_metrics(registry& reg, const server_metrics_options& options) {
        std::vector<std::string> routes{"unmatched", "other"};
        for (const auto& t : options.routes) {
            if (!route_index_.emplace(t, routes.size()).second)
                throw std::invalid_argument("ringkit::metrics: route \"" + t + "\" declared twice");
            routes.push_back(t);
        }
        // A template spelt "unmatched" or "other" would be a second series of that
        // name: label_space refuses it as declared twice.
        auto by_route =
            reg.add_counter("ringkit_http_route_requests_total", "HTTP answers, by route template and status class.",
                            {label{"route", routes, {}}, label{"class", class_names(), {}}});
        auto durations = reg.add_histogram("ringkit_http_request_duration_seconds",
                                           "From a request's first byte to its answer handed to the writer, by route "
                                           "template.",
                                           options.duration_buckets, {label{"route", routes, {}}});
        by_route_.resize(routes.size() * classes);
        durations_.resize(routes.size());
        for (std::size_t r = 0; r < routes.size(); ++r) {
            durations_[r] = durations.at({routes[r]});
            for (std::size_t c = 0; c < classes; ++c)
                by_route_[r * classes + c] = by_route.at({routes[r], class_names()[c]});
        }
        received_ = reg.add_counter("ringkit_http_request_bytes_total",
                                    "Bytes read from HTTP connections (request heads and bodies as sent).")
                        .get();
        sent_ = reg.add_counter("ringkit_http_response_bytes_total",
                                "Bytes written to HTTP connections (response heads and bodies as sent).")
                    .get();
        std::vector<std::string> statuses(error_statuses.size());
        std::transform(error_statuses.begin(), error_statuses.end(), statuses.begin(),
                       [](int s) { return std::to_string(s); });
        auto errors = reg.add_counter("ringkit_http_errors_total", "Error answers the server made itself, by status.",
                                      {label{"status", statuses, "other"}});
        for (std::size_t i = 0; i < statuses.size(); ++i) errors_[i] = errors.at({statuses[i]});
        errors_.back() = errors.at({"other"});
        static const std::vector<std::string> phase_names{"none",      "tls_handshake", "header", "body",
                                                          "body_rate", "idle",          "write",  "linger"};
        auto timeouts = reg.add_counter("ringkit_http_timeouts_total", "HTTP connections timed out, by phase.",
                                        {label{"phase", {phase_names.begin() + 1, phase_names.end()}, {}}});
        for (std::size_t p = 1; p < phases; ++p) timeouts_[p] = timeouts.at({phase_names[p]});
    }

    std::size_t route_of(std::string_view tmpl) const {
        if (tmpl.empty()) return unmatched;
        if (route_index_.empty()) return other_route;
        const auto it = route_index_.find(tmpl);
        return it == route_index_.end() ? other_route : it->second;
    }
    static std::size_t error_index(int status) noexcept {
        for (std::size_t i = 0; i < error_statuses.size(); ++i)
            if (error_statuses[i] == status) return i;
        return error_statuses.size();
    }

    static const std::vector<std::string>& method_names() {
        // In rk::method's order, so that a method is its index.
        static const std::vector<std::string> n = [] {
            std::vector<std::string> v;
            for (std::size_t m = 0; m < methods; ++m) v.emplace_back(to_string(static_cast<method>(m)));
            return v;
        }();
        return n;
    }
    static const std::vector<std::string>& class_names() {
        static const std::vector<std::string> n{"1xx", "2xx", "3xx", "4xx", "5xx"};
        return n;
    }
    gauge open_;
    counter accepted_;
    counter refused_max_, refused_emfile_;
    std::array<counter, methods * classes> requests_{};

    // Requests: by route (index: route_index_'s, after unmatched and other) and
    // class, durations by route, bytes, errors and timeouts.
    std::unordered_map<std::string, std::size_t, route_hash, std::equal_to<>> route_index_;
    std::vector<counter> by_route_;
    std::vector<histogram> durations_;
    counter received_, sent_;
    std::array<counter, error_statuses.size() + 1> errors_{};
    std::array<counter, phases> timeouts_{};  // [none] unused
    channel_metrics channels_;
    worker_pool_metrics workers_;
};

}  // namespace ringkit::metrics
