// A metric's labels, each with its values declared when the metric is
// registered: a bounded set, so the number of series is known up front (a route
// template, a method, a status class; never a raw path or a user id).
//
// Why declared and not capped: every series gets its cells when the metric is
// registered, so counting never allocates, locks or looks a label up in a shared
// map, and every series is exposed from the first scrape (at 0, which rate()
// needs). A cap with an overflow series would need that shared map on the hot
// path, and which values got a series would depend on what came first.
// Values nobody can list up front go to a catch-all value (`otherwise`).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ringkit/metrics/exposition.hpp"

namespace ringkit::metrics {

/// One label: its name, its values, and optionally the value that stands for
/// any other (added to `values` if missing). Without `otherwise`, asking for an
/// undeclared value throws std::invalid_argument.
struct label {
    std::string name;
    std::vector<std::string> values;
    std::string otherwise;
};

namespace detail {

/// The series of a metric: the product of its labels' values, the last label
/// varying fastest (the order they are exposed in).
class label_space {
public:
    label_space() = default;
    /// Checks the names and values; `reserved` is a label name the metric's
    /// type keeps for itself ("le" for a histogram).
    explicit label_space(std::vector<label> labels, std::string_view reserved = {}) : labels_(std::move(labels)) {
        for (auto& l : labels_) {
            if (!valid_label_name(l.name) || l.name == reserved)
                throw std::invalid_argument("ringkit::metrics: bad label name \"" + l.name + "\"");
            if (!l.otherwise.empty() && index_in(l, l.otherwise) == npos) l.values.push_back(l.otherwise);
            if (l.values.empty())
                throw std::invalid_argument("ringkit::metrics: label \"" + l.name + "\" declares no value");
            for (std::size_t i = 0; i < l.values.size(); ++i)
                if (index_in(l, l.values[i]) != i)
                    throw std::invalid_argument("ringkit::metrics: label \"" + l.name + "\" declares \"" + l.values[i] +
                                                "\" twice");
        }
    }

    std::size_t series() const noexcept {
        std::size_t n = 1;
        for (auto& l : labels_) n *= l.values.size();
        return n;
    }

    /// The series of these values, one per label in order.
    std::size_t index(std::initializer_list<std::string_view> values) const {
        if (values.size() != labels_.size())
            throw std::invalid_argument("ringkit::metrics: " + std::to_string(labels_.size()) +
                                        " label values expected");
        std::size_t i = 0;
        const auto* v = values.begin();
        for (auto& l : labels_) {
            std::size_t k = index_in(l, *v++);
            if (k == npos && !l.otherwise.empty()) k = index_in(l, l.otherwise);
            if (k == npos)
                throw std::invalid_argument("ringkit::metrics: label \"" + l.name + "\" has no value \"" +
                                            std::string(*(v - 1)) + "\"");
            i = i * l.values.size() + k;
        }
        return i;
    }

    /// Appends `a="x",b="y"` for series `s` (no braces).
    void append(std::string& out, std::size_t s) const {
        std::size_t div = series();
        bool first = true;
        for (auto& l : labels_) {
            div /= l.values.size();
            if (!first) out += ',';
            first = false;
            out.append(l.name).append("=\"");
            append_label_value(out, l.values[(s / div) % l.values.size()]);
            out += '"';
        }
    }

    bool empty() const noexcept { return labels_.empty(); }

private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    static std::size_t index_in(const label& l, std::string_view v) noexcept {
        for (std::size_t i = 0; i < l.values.size(); ++i)
            if (l.values[i] == v) return i;
        return npos;
    }
    std::vector<label> labels_;
};

}  // namespace detail
}  // namespace ringkit::metrics
