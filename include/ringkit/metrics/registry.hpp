// The metrics registry: the metrics a program exposes, ringkit's and the user's,
// and their Prometheus text (format 0.0.4, exposition.hpp).
//
// Register once, at set-up (a lock), keep the handles, count on the hot path
// (no lock: shards.hpp). A scrape (expose()) takes the registry's lock, sums
// every thread's cells and calls the callback metrics.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ringkit/metrics/counter.hpp"
#include "ringkit/metrics/exposition.hpp"
#include "ringkit/metrics/gauge.hpp"
#include "ringkit/metrics/histogram.hpp"
#include "ringkit/metrics/labels.hpp"
#include "ringkit/metrics/shards.hpp"

namespace ringkit::metrics {

namespace detail {

enum class kind { counter, gauge, histogram, counter_fn, gauge_fn };

struct metric_info {
    std::string name;
    std::string help;
    kind type = kind::counter;
    label_space labels;
    std::vector<double> bounds;  // a histogram's
    std::size_t first_cell = 0;
    std::size_t cells_per_series = 1;
    std::function<double()> value;  // a callback metric's
};

}  // namespace detail

/// A registered metric, by which its series are reached. Handle is counter,
/// gauge or histogram. Cheap to copy; valid while its registry lives.
template <class Handle>
class family {
public:
    family(detail::cell_store* store, const detail::metric_info* info) noexcept : store_(store), info_(info) {}

    /// The series of these label values, one per label in declaration order.
    /// Throws std::invalid_argument for a value the label did not declare
    /// (unless the label has `otherwise`). Look series up at set-up or keep
    /// them; the lookup compares strings.
    Handle at(std::initializer_list<std::string_view> values) const { return make(info_->labels.index(values)); }
    /// The one series of a metric without labels.
    Handle get() const { return at({}); }

private:
    Handle make(std::size_t series) const {
        const std::size_t cell = info_->first_cell + series * info_->cells_per_series;
        if constexpr (std::is_same_v<Handle, histogram>) return Handle(store_, cell, &info_->bounds);
        else return Handle(store_, cell);
    }
    detail::cell_store* store_;
    const detail::metric_info* info_;
};

/// The metrics a program exposes. Registering takes a lock and throws
/// std::invalid_argument for a bad or taken name; counting through the handles
/// takes none. The registry must outlive its handles and every server whose
/// metrics_handler() serves it. Any thread may register, count and expose.
class registry {
public:
    registry() : store_(std::make_shared<detail::cell_store>()) {}
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;
    ~registry() = default;

    /// A counter; its name ends in "_total", as Prometheus's conventions ask.
    family<counter> add_counter(std::string name, std::string help, std::vector<label> labels = {}) {
        if (!std::string_view(name).ends_with("_total"))
            throw std::invalid_argument("ringkit::metrics: a counter's name ends in _total: " + name);
        return {store_.get(), add(std::move(name), std::move(help), detail::kind::counter, std::move(labels), {})};
    }
    family<gauge> add_gauge(std::string name, std::string help, std::vector<label> labels = {}) {
        return {store_.get(), add(std::move(name), std::move(help), detail::kind::gauge, std::move(labels), {})};
    }
    /// A histogram with these upper bounds (strictly increasing, finite; +Inf is
    /// added). No label may be called "le".
    family<histogram> add_histogram(std::string name, std::string help, std::vector<double> bounds,
                                    std::vector<label> labels = {}) {
        for (std::size_t i = 0; i < bounds.size(); ++i)
            if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i])))
                throw std::invalid_argument("ringkit::metrics: a histogram's bounds increase and are finite: " + name);
        return {store_.get(),
                add(std::move(name), std::move(help), detail::kind::histogram, std::move(labels), std::move(bounds))};
    }
    /// A counter whose value `value` says at each scrape (CPU seconds). It is
    /// called on the scraping thread, under the registry's lock: it must not
    /// register or expose.
    void add_counter_fn(std::string name, std::string help, std::function<double()> value) {
        if (!std::string_view(name).ends_with("_total"))
            throw std::invalid_argument("ringkit::metrics: a counter's name ends in _total: " + name);
        add(std::move(name), std::move(help), detail::kind::counter_fn, {}, {}, std::move(value));
    }
    /// A gauge whose value `value` says at each scrape (a queue depth, memory);
    /// as add_counter_fn.
    void add_gauge_fn(std::string name, std::string help, std::function<double()> value) {
        add(std::move(name), std::move(help), detail::kind::gauge_fn, {}, {}, std::move(value));
    }

    /// Every metric in the text format 0.0.4, in the order registered.
    std::string expose() const {
        std::lock_guard lock(mutex_);
        const auto shards = store_->shards();
        auto total = [&](std::size_t cell) {
            std::uint64_t t = 0;
            for (const auto* s : shards) t += s->read(cell);
            return t;
        };
        std::string out;
        std::string labels;
        for (const auto& m : metrics_) {
            static constexpr std::string_view type_names[] = {"counter", "gauge", "histogram", "counter", "gauge"};
            append_header(out, m->name, m->help, type_names[static_cast<int>(m->type)]);
            if (m->value) {
                out.append(m->name).append(" ");
                append_value(out, m->value());
                out += '\n';
                continue;
            }
            for (std::size_t s = 0, n = m->labels.series(); s < n; ++s) {
                const std::size_t cell = m->first_cell + s * m->cells_per_series;
                labels.clear();
                m->labels.append(labels, s);
                if (m->type != detail::kind::histogram) {
                    out.append(m->name);
                    if (!labels.empty()) out.append("{").append(labels).append("}");
                    out += ' ';
                    if (m->type == detail::kind::gauge) append_value(out, static_cast<std::int64_t>(total(cell)));
                    else append_value(out, total(cell));
                    out += '\n';
                    continue;
                }
                std::uint64_t cumulative = 0;
                const std::size_t buckets = m->bounds.size();
                for (std::size_t b = 0; b <= buckets; ++b) {
                    cumulative += total(cell + b);
                    out.append(m->name).append("_bucket{").append(labels);
                    if (!labels.empty()) out += ',';
                    out.append("le=\"");
                    if (b < buckets) append_value(out, m->bounds[b]);
                    else out += "+Inf";
                    out.append("\"} ");
                    append_value(out, cumulative);
                    out += '\n';
                }
                double sum = 0;
                for (const auto* sh : shards) sum += std::bit_cast<double>(sh->read(cell + buckets + 1));
                const std::string braced = labels.empty() ? std::string() : "{" + labels + "}";
                out.append(m->name).append("_sum").append(braced).append(" ");
                append_value(out, sum);
                out.append("\n").append(m->name).append("_count").append(braced).append(" ");
                append_value(out, cumulative);
                out += '\n';
            }
        }
        return out;
    }

private:
    detail::metric_info* add(std::string name, std::string help, detail::kind type, std::vector<label> labels,
                             std::vector<double> bounds, std::function<double()> value = {}) {
        if ((type == detail::kind::counter_fn || type == detail::kind::gauge_fn) && !value)
            throw std::invalid_argument("ringkit::metrics: a callback metric needs its function: " + name);
        if (!valid_metric_name(name)) throw std::invalid_argument("ringkit::metrics: bad metric name \"" + name + "\"");
        auto m = std::make_unique<detail::metric_info>();
        m->labels = detail::label_space(std::move(labels), type == detail::kind::histogram ? "le" : "");
        m->name = std::move(name);
        m->help = std::move(help);
        m->type = type;
        m->cells_per_series = type == detail::kind::histogram ? bounds.size() + 2 : 1;
        m->bounds = std::move(bounds);
        m->value = std::move(value);
        std::lock_guard lock(mutex_);
        for (const auto& other : metrics_)
            if (other->name == m->name) throw std::invalid_argument("ringkit::metrics: \"" + m->name + "\" is taken");
        if (type != detail::kind::counter_fn && type != detail::kind::gauge_fn)
            m->first_cell = store_->allocate(m->labels.series() * m->cells_per_series);
        metrics_.push_back(std::move(m));
        return metrics_.back().get();
    }

    mutable std::mutex mutex_;
    std::shared_ptr<detail::cell_store> store_;
    std::vector<std::unique_ptr<detail::metric_info>> metrics_;
};

}  // namespace ringkit::metrics
