// A counter: a count that only goes up, one series of a registered metric.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ringkit/metrics/shards.hpp"

namespace ringkit::metrics {

/// A handle on one counter series, from registry::add_counter. Cheap to copy;
/// valid while its registry lives. inc() from any thread, no lock: the calling
/// thread's own cell, summed with the others' when scraped (shards.hpp).
class counter {
public:
    counter() = default;
    counter(detail::cell_store* store, std::size_t cell) noexcept : store_(store), cell_(cell) {}
    void inc(std::uint64_t n = 1) const { store_->local().add(cell_, n); }

private:
    detail::cell_store* store_ = nullptr;
    std::size_t cell_ = 0;
};

}  // namespace ringkit::metrics
