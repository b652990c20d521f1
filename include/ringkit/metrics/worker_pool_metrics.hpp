// The worker pool's metrics (ringkit::blocking, server/worker_pool.hpp): busy
// workers and jobs waiting, read from each pool at the scrape, and the 503s a
// full queue gave. server_metrics holds one (server_metrics::workers()).
//
// Why read at the scrape: a pool's state is one atomic the pool keeps anyway
// (jobs admitted), changed from the I/O threads and the workers alike; a gauge
// kept beside it would add shared writes to every job, while reading it when
// scraped costs the jobs nothing. A server's pool attaches itself while it
// lives (a lock at start and at its end, never per job); servers sharing the
// metrics add up.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "ringkit/metrics/counter.hpp"
#include "ringkit/metrics/registry.hpp"

namespace ringkit::metrics {

/// Registers in `reg`: `ringkit_worker_pool_threads`, `ringkit_worker_pool_busy`,
/// `ringkit_worker_pool_queued` (gauges, summed over the attached pools at each
/// scrape) and `ringkit_worker_pool_rejected_total` (jobs refused for a full
/// queue: the 503s of ringkit::blocking). Throws std::invalid_argument when `reg`
/// has them already.
class worker_pool_metrics {
public:
    /// One pool as a scrape sees it.
    struct sample {
        std::size_t threads = 0;  ///< its workers
        std::size_t busy = 0;     ///< jobs running
        std::size_t queued = 0;   ///< jobs admitted, waiting for a worker
    };

    explicit worker_pool_metrics(registry& reg)
        : pools_(std::make_shared<attached>()),
          rejected_(reg.add_counter("ringkit_worker_pool_rejected_total",
                                    "Blocking jobs refused for a full queue (answered 503).")
                        .get()) {
        // The callbacks hold the list, not this object: a scrape after it is gone reads 0.
        reg.add_gauge_fn("ringkit_worker_pool_threads", "Worker pool threads (ringkit::blocking).",
                         [p = pools_] { return static_cast<double>(p->sum().threads); });
        reg.add_gauge_fn("ringkit_worker_pool_busy", "Worker pool threads running a job now.",
                         [p = pools_] { return static_cast<double>(p->sum().busy); });
        reg.add_gauge_fn("ringkit_worker_pool_queued", "Blocking jobs waiting for a worker now.",
                         [p = pools_] { return static_cast<double>(p->sum().queued); });
    }

    /// `pool` (any address that names it) is read through `read` at each scrape
    /// until detach(pool). `read` is called on the scraping thread.
    void attach(const void* pool, std::function<sample()> read) const {
        std::lock_guard lock(pools_->mutex);
        pools_->pools.emplace_back(pool, std::move(read));
    }
    void detach(const void* pool) const {
        std::lock_guard lock(pools_->mutex);
        std::erase_if(pools_->pools, [pool](const auto& p) { return p.first == pool; });
    }
    /// A job refused for a full queue, on the thread that asked.
    void rejected() const { rejected_.inc(); }

private:
    struct attached {
        std::mutex mutex;
        std::vector<std::pair<const void*, std::function<sample()>>> pools;
        sample sum() {
            std::lock_guard lock(mutex);
            sample total;
            for (auto& p : pools) {
                const auto s = p.second();
                total.threads += s.threads;
                total.busy += s.busy;
                total.queued += s.queued;
            }
            return total;
        }
    };
    std::shared_ptr<attached> pools_;
    counter rejected_;
};

}  // namespace ringkit::metrics
