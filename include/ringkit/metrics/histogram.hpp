// A histogram with fixed buckets: a count per bucket and the sum of what was
// observed. Each thread counts its observation in the one bucket it falls in;
// the scrape makes them cumulative, and _count is the +Inf bucket, so the two
// always agree.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ringkit/metrics/shards.hpp"

namespace ringkit::metrics {

/// Upper bounds in seconds for request durations (Prometheus clients' defaults).
inline const std::vector<double>& default_duration_buckets() {
    static const std::vector<double> b{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    return b;
}

/// A handle on one histogram series, from registry::add_histogram. Cheap to
/// copy; valid while its registry lives. observe() from any thread, no lock.
/// Cells: one per bound, one for +Inf, then the sum (a double's bits).
class histogram {
public:
    histogram() = default;
    histogram(detail::cell_store* store, std::size_t cell, const std::vector<double>* bounds) noexcept
        : store_(store), cell_(cell), bounds_(bounds) {}

    void observe(double v) const {
        // le: a value equal to a bound is in that bound's bucket.
        const auto b =
            static_cast<std::size_t>(std::lower_bound(bounds_->begin(), bounds_->end(), v) - bounds_->begin());
        auto& s = store_->local();
        s.add(cell_ + b, 1);
        auto& sum = s.cell(cell_ + bounds_->size() + 1);
        const double total = std::bit_cast<double>(sum.load(std::memory_order_relaxed)) + v;
        sum.store(std::bit_cast<std::uint64_t>(total), std::memory_order_relaxed);
    }

private:
    detail::cell_store* store_ = nullptr;
    std::size_t cell_ = 0;
    const std::vector<double>* bounds_ = nullptr;
};

}  // namespace ringkit::metrics
