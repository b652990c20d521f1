// A gauge kept as the sum of what threads added and took away (connections
// open: +1 on accept, -1 on close). A value known whole at scrape time (a queue
// depth, memory) is a callback gauge instead: registry::add_gauge_fn.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringkit/metrics/shards.hpp"

namespace ringkit::metrics {

/// A handle on one gauge series, from registry::add_gauge. Cheap to copy; valid
/// while its registry lives. add() from any thread, no lock; the value exposed
/// is the sum over threads, so a thread may take away what another added.
class gauge {
public:
    gauge() = default;
    gauge(detail::cell_store* store, std::size_t cell) noexcept : store_(store), cell_(cell) {}
    // Two's complement: the cells' sum wraps back to the signed total.
    void add(std::int64_t n) const { store_->local().add(cell_, static_cast<std::uint64_t>(n)); }
    void inc() const { add(1); }
    void dec() const { add(-1); }

private:
    detail::cell_store* store_ = nullptr;
    std::size_t cell_ = 0;
};

}  // namespace ringkit::metrics
