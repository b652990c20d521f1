// What the metrics tests read from a registry's exposition.
#pragma once

#include <string>

#include "ringkit/metrics/registry.hpp"

namespace ringkit::test {

/// The value of `series` (its name and labels, as exposed) in `reg`'s
/// exposition now; "missing" when it has no such line.
inline std::string sample(const metrics::registry& reg, const std::string& series) {
    const std::string text = reg.expose();
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return "missing";
    return text.substr(at + series.size() + 2, text.find('\n', at + 1) - at - series.size() - 2);
}

}  // namespace ringkit::test
