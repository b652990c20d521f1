// The server's own metrics, the cheapest of issue 19's list: connections open,
// accepted and refused, and answers by method and status class. A program makes
// one on its registry and gives the server a pointer (server_options::metrics);
// the server counts through it on its I/O threads, into their own shards.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "ringkit/http/method.hpp"
#include "ringkit/metrics/channel_metrics.hpp"
#include "ringkit/metrics/counter.hpp"
#include "ringkit/metrics/gauge.hpp"
#include "ringkit/metrics/registry.hpp"
#include "ringkit/metrics/worker_pool_metrics.hpp"

namespace ringkit::metrics {

/// Registers in `reg`:
///  - `ringkit_connections_open` (gauge), `ringkit_connections_accepted_total`,
///    `ringkit_connections_refused_total{reason="max_connections"}`;
///  - `ringkit_http_requests_total{method,class}`: every answer whose head a
///    handler's response made (method: the nine of rk::method, else OTHER;
///    class: 1xx to 5xx);
///  - the channel metrics (WebSockets, HTTP channels): channel_metrics.hpp;
///  - the worker pool's (ringkit::blocking): worker_pool_metrics.hpp.
/// Throws std::invalid_argument when `reg` has them already (one server_metrics
/// per registry; servers may share it, and their counts add up). It must
/// outlive the servers that count into it, and `reg` must outlive it.
class server_metrics {
public:
    explicit server_metrics(registry& reg)
        : open_(reg.add_gauge("ringkit_connections_open", "Connections open now (WebSockets included).").get()),
          accepted_(reg.add_counter("ringkit_connections_accepted_total", "Connections accepted.").get()),
          refused_max_(reg.add_counter("ringkit_connections_refused_total", "Connections refused at once, by reason.",
                                       {label{"reason", {"max_connections"}, {}}})
                           .at({"max_connections"})),
          channels_(reg), workers_(reg) {
        auto requests = reg.add_counter("ringkit_http_requests_total", "HTTP answers, by method and status class.",
                                        {label{"method", method_names(), {}}, label{"class", class_names(), {}}});
        for (std::size_t m = 0; m < methods; ++m)
            for (std::size_t c = 0; c < classes; ++c)
                requests_[m * classes + c] = requests.at({method_names()[m], class_names()[c]});
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
    /// An answer with this status to a request with this method.
    void answered(method m, int status) const {
        const auto c = status >= 100 && status < 600 ? static_cast<std::size_t>(status / 100 - 1) : classes - 1;
        requests_[static_cast<std::size_t>(m) * classes + c].inc();
    }

private:
    static constexpr std::size_t methods = static_cast<std::size_t>(method::other) + 1, classes = 5;
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
    counter refused_max_;
    std::array<counter, methods * classes> requests_{};
    channel_metrics channels_;
    worker_pool_metrics workers_;
};

}  // namespace ringkit::metrics
