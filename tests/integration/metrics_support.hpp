// What the metrics tests read from a registry's exposition.
#pragma once

#include <string>

#include "ringkit/metrics/registry.hpp"
#include "ringkit/metrics/server_metrics.hpp"
#include "ringkit/server/options.hpp"

namespace ringkit::test {

/// The value of `series` (its name and labels, as exposed) in `reg`'s
/// exposition now; "missing" when it has no such line.
inline std::string sample(const metrics::registry& reg, const std::string& series) {
    const std::string text = reg.expose();
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return "missing";
    return text.substr(at + series.size() + 2, text.find('\n', at + 1) - at - series.size() - 2);
}

/// A registry with the server's metrics on it, and server options that count
/// into them.
struct counted_options {
    metrics::registry reg;
    const metrics::server_metrics counted;
    server_options opts;
    explicit counted_options(const metrics::server_metrics_options& declared = {}) : counted(reg, declared) {
        opts.metrics = &counted;
    }
};

}  // namespace ringkit::test
